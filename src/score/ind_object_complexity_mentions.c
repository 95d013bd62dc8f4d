/* Principle 8, object (granularity) complexity, embedded method
 * "annotation-mentions": how many distinct annotated objects - categories
 * present in the image's clue record - the instruction refers to
 * (mentions.h; docs/indicators.md). */
#include <stdlib.h>

#include "mentions.h"

static vlit_status oc_open(const score_config *cfg, void **state, vlit_error *err)
{
    mention_lexicon *lx;
    vlit_status st = mention_lexicon_open(cfg, &lx, err);
    *state = st ? NULL : lx;
    return st;
}

static void oc_score(void *state, void *scratch, const score_item *it, score_value *out)
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
    if (mention_find_shared(lx, it, 0, &ml, &found)) {
        score_missing(out, "out of memory");
        goto out;
    }
    /* a reference is a reference whether asserted, asked about or denied */
    unsigned every =
        (1u << MENTION_ASSERTED) | (1u << MENTION_NEGATED) | (1u << MENTION_QUERIED) | (1u << MENTION_HEDGED);
    size_t mentioned = mention_mark(found, every, seen, n);
    size_t objects = 0;
    for (size_t c = 0; c < n; c++)
        objects += seen[c] && mention_truth_present(&t, (int)c);
    out->value = (double)objects;
    score_extra(out, "mentions", (double)mentioned);
out:
    mention_list_free(&ml);
    mention_truth_free(&t);
    free(seen);
}

static void oc_close(void *state)
{
    mention_lexicon_free(state);
}

const score_method score_object_complexity_annotation_mentions = {
    .info = {.name = "object_complexity",
             .principle = 8,
             .principle_name = "object complexity",
             .level = "sample",
             .direction = +1,
             .method = "annotation-mentions",
             .embedded = 1,
             .inputs = VLIT_NEEDS_TEXT | VLIT_NEEDS_CLUES,
             .range = ">= 0",
             .summary = "number of distinct object categories of the clue record that the instruction refers to"},
    .open = oc_open,
    .score = oc_score,
    .close = oc_close,
};
