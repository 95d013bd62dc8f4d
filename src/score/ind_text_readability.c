/* Principle 1, text readability: how probable the sample's text is under an
 * n-gram language model of human-written text (readability_lm.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "readability_lm.h"

static vlit_status tr_open(const score_config *cfg, void **state, vlit_error *err)
{
    readability_lm *r = calloc(1, sizeof *r);
    if (!r)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    vlit_status st = readability_lm_open(cfg, r, err);
    if (st) {
        free(r);
        return st;
    }
    if (cfg->on_note) {
        char msg[256];
        vlit_lm_info info;
        vlit_lm_get_info(r->lm, &info);
        if (r->trained_on)
            snprintf(msg, sizeof msg,
                     "text_readability: trained a %u-gram language model on %zu captions; %zu held-out captions "
                     "calibrate the 0-1 score",
                     info.order, r->trained_on, r->n_reference);
        else
            snprintf(msg, sizeof msg, "text_readability: %u-gram model %s; %zu reference texts calibrate the 0-1 score",
                     info.order, cfg->lm_path, r->n_reference);
        cfg->on_note(cfg->ctx, msg);
    }
    *state = r;
    return VLIT_OK;
}

static void tr_score(void *state, void *scratch, const score_item *it, score_value *out)
{
    (void)scratch;
    const readability_lm *r = state;
    vlit_lm_stats st = {0};
    readability_score_text(r->lm, it->instruction, &st);
    readability_score_text(r->lm, it->response, &st);
    double known;
    if (!readability_known_mean(&st, &known)) {
        score_missing(out, st.words ? "every word of the text is unknown to the language model"
                                    : "the sample has no text");
        return;
    }
    out->value = readability_calibrate(r, known);
    score_extra(out, "logprob_known", known);
    score_extra(out, "logprob", st.logprob / (double)st.tokens);
    score_extra(out, "perplexity", vlit_lm_perplexity(&st));
    score_extra(out, "tokens", (double)st.tokens);
    score_extra(out, "oov", (double)st.oov);
}

static void tr_close(void *state)
{
    if (!state)
        return;
    readability_lm_close(state);
    free(state);
}

const score_method score_text_readability_ngram = {
    .info = {.name = "text_readability",
             .principle = 1,
             .principle_name = "readability",
             .level = "sample",
             .direction = +1,
             .method = "ngram-lm",
             .embedded = 1,
             .inputs = VLIT_NEEDS_TEXT,
             .range = "0-1",
             .summary = "share of human reference texts whose known tokens are less probable under an n-gram LM "
                        "(extras: mean log10 p, perplexity, OOVs)"},
    .open = tr_open,
    .score = tr_score,
    .close = tr_close,
};
