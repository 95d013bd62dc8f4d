/* Principle 2, matching degree, embedded method "grounding": of the object
 * categories the sample's text (instruction and response) says are in the
 * image, the percentage that the image's clue record annotates
 * (mentions.h; docs/indicators.md). */
#include <stdlib.h>

#include "mentions.h"

static vlit_status gr_open(const score_config *cfg, void **state, vlit_error *err)
{
    mention_lexicon *lx;
    vlit_status st = mention_lexicon_open(cfg, &lx, err);
    *state = st ? NULL : lx;
    return st;
}

static void gr_score(void *state, void *scratch, const score_item *it, score_value *out)
{
    (void)scratch;
    const mention_lexicon *lx = state;
    if (!it->clue) {
        score_missing(out, "no clue record for the sample's image");
        return;
    }
    mention_list ml = MENTION_LIST_INIT; /* used when the item has no memo */
    const mention_list *found = &ml;
    mention_truth t;
    size_t n = mention_lexicon_size(lx);
    unsigned char *seen = calloc(n, 1);
    if (!seen || mention_truth_build(lx, it->clue, &t)) {
        free(seen);
        score_missing(out, "out of memory");
        return;
    }
    if (t.mapped == 0) {
        score_missing(out, "the clue record has no objects of the lexicon's categories");
        goto out;
    }
    size_t mentioned = 0;
    const unsigned asserted = 1u << MENTION_ASSERTED;
    if (mention_find_shared(lx, it, 0, &ml, &found)) {
        score_missing(out, "out of memory");
        goto out;
    }
    mentioned += mention_mark(found, asserted, seen, n);
    if (mention_find_shared(lx, it, 1, &ml, &found)) {
        score_missing(out, "out of memory");
        goto out;
    }
    mentioned += mention_mark(found, asserted, seen, n);
    if (mentioned == 0) {
        score_missing(out, "the text mentions no annotated category");
        goto out;
    }
    size_t grounded = 0;
    for (size_t c = 0; c < n; c++)
        grounded += seen[c] && mention_truth_present(&t, (int)c);
    out->value = 100.0 * (double)grounded / (double)mentioned;
    score_extra(out, "mentions", (double)mentioned);
    score_extra(out, "grounded", (double)grounded);
out:
    mention_list_free(&ml);
    mention_truth_free(&t);
    free(seen);
}

static void gr_close(void *state)
{
    mention_lexicon_free(state);
}

const score_method score_matching_grounding = {
    .info = {.name = "matching",
             .principle = 2,
             .principle_name = "correctness",
             .level = "sample",
             .direction = +1,
             .method = "grounding",
             .embedded = 1,
             .inputs = VLIT_NEEDS_TEXT | VLIT_NEEDS_CLUES,
             .range = "0-100",
             .summary = "grounding precision x 100: share of the object categories the text mentions that the "
                        "clue record annotates"},
    .open = gr_open,
    .score = gr_score,
    .close = gr_close,
};
