/* The tolerant reader of conversations in LLM completions. */
#include <string.h>

#include "../../src/generate/si_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vlit_arena a;
    vlit_arena_init(&a, 4096);
    vlit_turn *t;
    size_t n;
    char why[256];
    if (si_parse_conversation((const char *)data, size, &a, &t, &n, why, sizeof why) == VLIT_OK) {
        /* what the parser promises */
        if (n < 2 || strcmp(t[0].role, "user") != 0)
            __builtin_trap();
        for (size_t i = 0; i < n; i++)
            if (!t[i].text[0] || (i && strcmp(t[i].role, t[i - 1].role) == 0))
                __builtin_trap();
    }
    vlit_arena_free(&a);
    return 0;
}
