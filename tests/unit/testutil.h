/* Temporary files for tests. */
#ifndef VLIT_TEST_UTIL_H
#define VLIT_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char test_dir[256];

static inline const char *tmp_path(const char *name)
{
    static char buf[8][512];
    static int k;
    if (!test_dir[0]) {
        snprintf(test_dir, sizeof test_dir, "/tmp/vlit-test-XXXXXX");
        if (!mkdtemp(test_dir))
            abort();
    }
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", test_dir, name);
    return buf[k];
}

static inline const char *write_file(const char *name, const char *text)
{
    const char *p = tmp_path(name);
    FILE *fp = fopen(p, "wb");
    if (!fp)
        abort();
    fwrite(text, 1, strlen(text), fp);
    fclose(fp);
    return p;
}

/* malloc'ed contents, or NULL if the file does not exist */
static inline char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (!s || fread(s, 1, (size_t)n, fp) != (size_t)n)
        abort();
    s[n] = '\0';
    fclose(fp);
    return s;
}

static inline void cleanup_dir(void)
{
    if (test_dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", test_dir);
    }
}

#endif
