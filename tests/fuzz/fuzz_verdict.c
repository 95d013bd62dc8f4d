/* The readers of what a judge or a scoring model answered: yes/no votes and
 * complexity scores 1..10. Any bytes; the results stay in their ranges, and a
 * reply and the same reply with trailing blanks read alike. */
#include <stdlib.h>
#include <string.h>

#include "../../src/score/backend_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    bp_vote v = bp_parse_vote(text, size);
    int s = bp_parse_score(text, size);
    if (v != BP_VOTE_UNPARSED && v != BP_VOTE_YES && v != BP_VOTE_NO)
        __builtin_trap();
    if (s < 0 || s > 10)
        __builtin_trap();
    char *padded = malloc(size + 2);
    if (!padded)
        return 0;
    if (size)
        memcpy(padded, data, size);
    padded[size] = '\n';
    padded[size + 1] = ' ';
    if (bp_parse_vote(padded, size + 2) != v || bp_parse_score(padded, size + 2) != s)
        __builtin_trap();
    free(padded);
    return 0;
}
