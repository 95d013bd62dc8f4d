/* The binary model loader on arbitrary bytes: a file that passes the checks
 * of vlit_lm_open() is scored (its own bytes as text, and as tokens split on
 * NUL and white space, which finds the words stored in it); nothing may read
 * out of bounds whatever the tables hold. */
#include <stdlib.h>
#include <string.h>

#include "vlit/vlit.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = fuzz_file("lmbin.in", data, size);
    vlit_lm *lm;
    vlit_error err = {0};
    if (vlit_lm_open(in, &lm, &err))
        return 0;
    vlit_lm_info info;
    vlit_lm_get_info(lm, &info);
    vlit_lm_stats st = {0};
    vlit_lm_score_text(lm, (const char *)data, size, &st);
    static const char *const fixed[] = {"<s>", "a", "b", "c", "dog's", "</s>", "<unk>", "zzz"};
    vlit_lm_score_tokens(lm, fixed, sizeof fixed / sizeof fixed[0], &st);
    /* the bytes as tokens: runs without NUL or white space, at most 64 per sentence */
    char *copy = malloc(size + 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *tokens[64];
    size_t n = 0;
    for (size_t i = 0; i < size;) {
        while (i < size && (copy[i] == '\0' || copy[i] == ' ' || copy[i] == '\n'))
            i++;
        if (i >= size)
            break;
        tokens[n++] = copy + i;
        while (i < size && copy[i] != '\0' && copy[i] != ' ' && copy[i] != '\n')
            i++;
        if (i < size)
            copy[i++] = '\0';
        if (n == 64) {
            vlit_lm_score_tokens(lm, tokens, n, &st);
            n = 0;
        }
    }
    vlit_lm_score_tokens(lm, tokens, n, &st);
    free(copy);
    vlit_lm_close(lm);
    return 0;
}
