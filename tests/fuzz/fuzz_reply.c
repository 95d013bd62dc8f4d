/* The reader of chat completion replies (choices, contents, usage). */
#include <string.h>

#include "../../src/generate/si_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vlit_arena a;
    vlit_arena_init(&a, 4096);
    si_reply r;
    char why[256];
    if (si_parse_reply((const char *)data, size, &a, &r, why, sizeof why) == VLIT_OK) {
        if (r.n == 0)
            __builtin_trap();
        for (size_t i = 0; i < r.n; i++)
            if (!r.content[i] || (!r.parsed[i] && !r.parse_error[i]))
                __builtin_trap();
    }
    vlit_arena_free(&a);
    return 0;
}
