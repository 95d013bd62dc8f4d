/* Principle 2, correctness, embedded method "annotation-consistency": the
 * share of the response's checkable claims that agree with the image's clue
 * record: existence ("there is a dog": the category is annotated), absence
 * ("there are no cats": it is not), counts ("three people": the instances)
 * and quoted text ("the sign reads 'STOP'": the OCR tokens)
 * (mentions.h; docs/indicators.md). */
#include <stdlib.h>

#include "mentions.h"

#define MAX_QUOTES 64

enum { K_EXIST, K_ABSENT, K_COUNT, K_OCR, K_KINDS };

static vlit_status cc_open(const score_config *cfg, void **state, vlit_error *err)
{
    mention_lexicon *lx;
    vlit_status st = mention_lexicon_open(cfg, &lx, err);
    *state = st ? NULL : lx;
    return st;
}

/* Adds the claims about objects: one per distinct category asserted, one per
 * distinct category denied, one per distinct (category, count, bound). */
static void object_claims(const mention_list *ml, const mention_truth *t, unsigned char *seen, size_t n,
                          size_t claims[K_KINDS], size_t ok[K_KINDS])
{
    for (size_t c = 0; c < n; c++)
        seen[c] = 0;
    mention_mark(ml, 1u << MENTION_ASSERTED, seen, n);
    for (size_t c = 0; c < n; c++)
        if (seen[c]) {
            claims[K_EXIST]++;
            ok[K_EXIST] += (size_t)mention_truth_present(t, (int)c);
        }
    for (size_t c = 0; c < n; c++)
        seen[c] = 0;
    for (size_t i = 0; i < ml->n; i++) {
        const mention *m = &ml->m[i];
        if (m->mode != MENTION_NEGATED || !m->absence || seen[m->category])
            continue;
        seen[m->category] = 1;
        claims[K_ABSENT]++;
        ok[K_ABSENT] += (size_t)!mention_truth_present(t, m->category);
    }
    for (size_t i = 0; i < ml->n; i++) {
        const mention *m = &ml->m[i];
        if (m->mode != MENTION_ASSERTED || m->count < 0)
            continue;
        int repeated = 0;
        for (size_t k = 0; k < i && !repeated; k++)
            repeated = ml->m[k].mode == MENTION_ASSERTED && ml->m[k].category == m->category &&
                       ml->m[k].count == m->count && ml->m[k].narrower == m->narrower;
        if (repeated)
            continue;
        claims[K_COUNT]++;
        ok[K_COUNT] += (size_t)mention_truth_count_ok(t, m->category, m->count, m->narrower);
    }
}

static void cc_score(void *state, void *scratch, const score_item *it, score_value *out)
{
    (void)scratch;
    const mention_lexicon *lx = state;
    if (!it->clue) {
        score_missing(out, "no clue record for the sample's image");
        return;
    }
    size_t claims[K_KINDS] = {0}, ok[K_KINDS] = {0};
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
    /* objects can be checked only against a record that annotates objects */
    if (t.mapped) {
        if (mention_find_shared(lx, it, 1, &ml, &found)) {
            score_missing(out, "out of memory");
            goto out;
        }
        object_claims(found, &t, seen, n, claims, ok);
    }
    /* quoted text only against a record with OCR tokens */
    if (it->clue->n_ocr && it->response) {
        mention_span q[MAX_QUOTES];
        size_t nq = mention_quotes(it->response, q, MAX_QUOTES);
        if (nq > MAX_QUOTES)
            nq = MAX_QUOTES;
        for (size_t i = 0; i < nq; i++) {
            claims[K_OCR]++;
            ok[K_OCR] += (size_t)mention_ocr_match(it->clue, it->response + q[i].start, q[i].end - q[i].start);
        }
    }
    size_t all = 0, good = 0;
    for (int k = 0; k < K_KINDS; k++) {
        all += claims[k];
        good += ok[k];
    }
    if (all == 0) {
        score_missing(out, t.mapped || it->clue->n_ocr
                               ? "the response makes no claim the annotations can check"
                               : "the clue record has neither objects of the lexicon's categories nor OCR text");
        goto out;
    }
    out->value = (double)good / (double)all;
    /* per kind: claims and how many agree. The totals are their sums; they
     * are written too when a value has room for 10 extras (indicator.h). */
    score_extra(out, "existence", (double)claims[K_EXIST]);
    score_extra(out, "existence_ok", (double)ok[K_EXIST]);
    score_extra(out, "absence", (double)claims[K_ABSENT]);
    score_extra(out, "absence_ok", (double)ok[K_ABSENT]);
    score_extra(out, "count", (double)claims[K_COUNT]);
    score_extra(out, "count_ok", (double)ok[K_COUNT]);
    score_extra(out, "ocr", (double)claims[K_OCR]);
    score_extra(out, "ocr_ok", (double)ok[K_OCR]);
#if SCORE_MAX_EXTRA >= 10
    score_extra(out, "claims", (double)all);
    score_extra(out, "consistent", (double)good);
#endif
out:
    mention_list_free(&ml);
    mention_truth_free(&t);
    free(seen);
}

static void cc_close(void *state)
{
    mention_lexicon_free(state);
}

const score_method score_correctness_annotation_consistency = {
    .info = {.name = "correctness",
             .principle = 2,
             .principle_name = "correctness",
             .level = "sample",
             .direction = +1,
             .method = "annotation-consistency",
             .embedded = 1,
             .inputs = VLIT_NEEDS_TEXT | VLIT_NEEDS_CLUES,
             .range = "0-1",
             .summary = "share of the response's existence, absence, count and quoted-text claims that agree with "
                        "the clue record"},
    .open = cc_open,
    .score = cc_score,
    .close = cc_close,
};
