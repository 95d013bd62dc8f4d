/* Principle 2, object hallucination, embedded method "chair": CHAIR
 * (Rohrbach et al. 2018, "Object Hallucination in Image Captioning") on the
 * response: CHAIR_i = object categories the response mentions that the clue
 * record does not annotate / all it mentions; CHAIR_s = 1 if there is any
 * (mentions.h; docs/indicators.md). */
#include <stdlib.h>

#include "mentions.h"

static vlit_status ch_open(const score_config *cfg, void **state, vlit_error *err)
{
    mention_lexicon *lx;
    vlit_status st = mention_lexicon_open(cfg, &lx, err);
    *state = st ? NULL : lx;
    return st;
}

static void ch_score(void *state, void *scratch, const score_item *it, score_value *out)
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
    if (mention_find_shared(lx, it, 1, &ml, &found)) {
        score_missing(out, "out of memory");
        goto out;
    }
    size_t mentioned = mention_mark(found, 1u << MENTION_ASSERTED, seen, n);
    if (mentioned == 0) {
        score_missing(out, "the response mentions no annotated category");
        goto out;
    }
    size_t hallucinated = 0;
    for (size_t c = 0; c < n; c++)
        hallucinated += seen[c] && !mention_truth_present(&t, (int)c);
    out->value = (double)hallucinated / (double)mentioned;
    score_extra(out, "chair_s", hallucinated ? 1.0 : 0.0);
    score_extra(out, "mentions", (double)mentioned);
    score_extra(out, "hallucinated", (double)hallucinated);
out:
    mention_list_free(&ml);
    mention_truth_free(&t);
    free(seen);
}

static void ch_close(void *state)
{
    mention_lexicon_free(state);
}

const score_method score_hallucination_chair = {
    .info = {.name = "hallucination",
             .principle = 2,
             .principle_name = "correctness",
             .level = "sample",
             .direction = -1,
             .method = "chair",
             .embedded = 1,
             .inputs = VLIT_NEEDS_TEXT | VLIT_NEEDS_CLUES,
             .range = "0-1",
             .summary = "CHAIR_i: share of the object categories the response mentions that the clue record does "
                        "not annotate (extra chair_s: 1 if any)"},
    .open = ch_open,
    .score = ch_score,
    .close = ch_close,
};
