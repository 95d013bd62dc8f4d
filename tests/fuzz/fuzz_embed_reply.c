/* The readers of model-server replies for the score backends: /v1/embeddings
 * replies (the first byte chooses how many inputs the reply must answer) and
 * the content of chat completion replies. */
#include <math.h>
#include <string.h>

#include "../../src/score/backend_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = data[0] % 8;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    vlit_arena a;
    vlit_arena_init(&a, 4096);
    char why[256];
    float *v;
    size_t dim;
    if (bp_embeddings(body, len, n, &a, &v, &dim, why, sizeof why) == VLIT_OK) {
        if (n && (!v || dim == 0 || dim > BP_MAX_DIM))
            __builtin_trap();
        for (size_t i = 0; i < n * dim; i++)
            if (!isfinite(v[i]))
                __builtin_trap();
    } else if (!why[0]) {
        __builtin_trap(); /* a refusal always says why */
    }
    vlit_arena_reset(&a);
    const char *content;
    long pt, ct;
    why[0] = '\0';
    if (bp_chat_content(body, len, &a, &content, &pt, &ct, why, sizeof why) == VLIT_OK) {
        if (!content || pt < 0 || ct < 0)
            __builtin_trap();
        (void)strlen(content);
    } else if (!why[0]) {
        __builtin_trap();
    }
    vlit_arena_free(&a);
    return 0;
}
