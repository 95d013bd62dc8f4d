/* A minimal test harness: CHECK records a failure and goes on; main() of
 * each test file calls the test functions, then CHECK_DONE() prints
 * "N passed, N failed" and returns the exit status. */
#ifndef VLIT_TEST_CHECK_H
#define VLIT_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (cond) {                                                                                                    \
            check_passed++;                                                                                            \
        } else {                                                                                                       \
            check_failed++;                                                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                                 \
        }                                                                                                              \
    } while (0)

#define CHECK_STR(a, b)                                                                                                \
    do {                                                                                                               \
        const char *a_ = (a), *b_ = (b);                                                                               \
        if (a_ && b_ && strcmp(a_, b_) == 0) {                                                                         \
            check_passed++;                                                                                            \
        } else {                                                                                                       \
            check_failed++;                                                                                            \
            fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, a_ ? a_ : "(null)",    \
                    b_ ? b_ : "(null)");                                                                               \
        }                                                                                                              \
    } while (0)

/* message contains every needle */
#define CHECK_HAS(msg, needle)                                                                                         \
    do {                                                                                                               \
        const char *m_ = (msg);                                                                                        \
        if (m_ && strstr(m_, needle)) {                                                                                \
            check_passed++;                                                                                            \
        } else {                                                                                                       \
            check_failed++;                                                                                            \
            fprintf(stderr, "%s:%d: \"%s\" not found in \"%s\"\n", __FILE__, __LINE__, needle, m_ ? m_ : "(null)");   \
        }                                                                                                              \
    } while (0)

#define CHECK_DONE()                                                                                                   \
    (printf("%d passed, %d failed\n", check_passed, check_failed), check_failed ? 1 : 0)

#endif
