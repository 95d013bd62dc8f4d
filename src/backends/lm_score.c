/* Opening models and scoring with them by the ARPA backoff rules:
 *   p(w | h) = prob(h w)                  if the n-gram h w is listed,
 *            = bow(h) + p(w | h minus its first word)   otherwise,
 * (log10; bow(h) = 0 when h is not listed), ending at the 1-gram of w.
 * A state keeps the ids of the history's suffixes of length 1 .. order-1
 * (LM_NONE where that suffix is not in the model); one probe per order
 * finds both the probability of the next word and the next state. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lm_model.h"

vlit_status vlit_lm_open(const char *path, vlit_lm **out, vlit_error *err)
{
    *out = NULL;
    if (!path)
        return vlit_err(err, VLIT_ERR_USAGE, "no model file given");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char magic[8];
    size_t got = fread(magic, 1, sizeof magic, fp);
    fclose(fp);
    if (got == sizeof magic && memcmp(magic, LM_BINARY_MAGIC, sizeof magic) == 0)
        return lm_load_binary(path, out, err);
    return lm_read_arpa(path, out, err);
}

void vlit_lm_close(vlit_lm *lm)
{
    if (!lm)
        return;
    if (lm->map)
        munmap(lm->map, lm->map_size);
    for (size_t i = 0; i < sizeof lm->heap / sizeof lm->heap[0]; i++)
        free(lm->heap[i]);
    free(lm);
}

void vlit_lm_get_info(const vlit_lm *lm, vlit_lm_info *info)
{
    memset(info, 0, sizeof *info);
    const lm_model *m = &lm->m;
    info->order = m->order;
    info->vocab_size = m->vocab_size;
    info->ngrams[1] = (size_t)m->uni_listed;
    for (unsigned n = 2; n <= m->order; n++) {
        info->ngrams[n] = (size_t)m->tab[n].listed;
        info->implied[n] = (size_t)(m->tab[n].count - m->tab[n].listed);
    }
    info->has_unk = m->unk != LM_NONE;
    info->binary = lm->binary;
}

void vlit_lm_state_begin(const vlit_lm *lm, vlit_lm_state *s)
{
    const lm_model *m = &lm->m;
    s->len = 0;
    if (m->order > 1 && m->bos != LM_NONE) {
        s->ctx[0] = m->bos;
        s->len = 1;
    }
}

/* The backoff weight of the history suffix of length j (1-based). */
static inline float suffix_bow(const lm_model *m, const vlit_lm_state *s, unsigned j)
{
    uint32_t id = s->ctx[j - 1];
    if (id == LM_NONE)
        return 0.0f;
    if (j == 1)
        return id < m->vocab_size ? m->uni[id].bow : 0.0f;
    return m->tab[j].slots[id].bow;
}

/* log10 p(w | history) for a word id w < vocab_size; if next is not NULL it
 * receives the state after w. */
static double advance(const lm_model *m, const vlit_lm_state *s, uint32_t w, vlit_lm_state *next)
{
    /* found[j] = the n-gram (suffix of length j, w), of order j + 1 */
    uint32_t found[VLIT_LM_MAX_ORDER];
    unsigned k = s->len;
    for (unsigned j = 1; j <= k; j++) {
        uint32_t c = s->ctx[j - 1];
        found[j - 1] = c == LM_NONE ? LM_NONE : lm_find(&m->tab[j + 1], c, w);
    }
    double lp = 0.0;
    unsigned j = k;
    for (; j >= 1; j--) {
        uint32_t e = found[j - 1];
        if (e != LM_NONE) {
            float p = m->tab[j + 1].slots[e].prob;
            if (lm_prob_listed(p)) {
                lp += p;
                break;
            }
        }
        lp += suffix_bow(m, s, j);
    }
    if (j == 0)
        lp += m->uni[w].prob;
    if (next) {
        unsigned len = k + 1 < m->order ? k + 1 : m->order - 1;
        for (unsigned i = len; i >= 2; i--)
            next->ctx[i - 1] = found[i - 2];
        if (len >= 1)
            next->ctx[0] = w;
        next->len = len;
    }
    return lp;
}

/* The id to score for a word, and how it was found. */
static uint32_t resolve(const lm_model *m, const char *word, size_t len, vlit_lm_word_kind *kind)
{
    uint32_t id = lm_word_id(m, word, len);
    if (id != LM_NONE) {
        *kind = VLIT_LM_KNOWN;
        return id;
    }
    *kind = m->unk != LM_NONE ? VLIT_LM_OOV_UNK : VLIT_LM_OOV_SKIPPED;
    return m->unk;
}

double vlit_lm_state_next(const vlit_lm *lm, vlit_lm_state *s, const char *word, size_t len, vlit_lm_word_kind *kind)
{
    const lm_model *m = &lm->m;
    vlit_lm_word_kind k;
    uint32_t id = resolve(m, word, len, &k);
    if (kind)
        *kind = k;
    if (id == LM_NONE) {
        s->len = 0; /* no n-gram contains an unknown word: the history starts afresh */
        return 0.0;
    }
    vlit_lm_state next;
    double lp = advance(m, s, id, &next);
    *s = next;
    return lp;
}

double vlit_lm_state_end(const vlit_lm *lm, const vlit_lm_state *s)
{
    const lm_model *m = &lm->m;
    uint32_t id = m->eos != LM_NONE ? m->eos : m->unk;
    return id == LM_NONE ? 0.0 : advance(m, s, id, NULL);
}

/* Adds one word's result into stats. */
static void count_word(vlit_lm_stats *st, double lp, vlit_lm_word_kind kind)
{
    st->words++;
    if (kind == VLIT_LM_KNOWN) {
        st->tokens++;
        st->logprob += lp;
    } else if (kind == VLIT_LM_OOV_UNK) {
        st->oov++;
        st->oov_scored++;
        st->tokens++;
        st->logprob += lp;
        st->oov_logprob += lp;
    } else {
        st->oov++;
    }
}

/* Adds </s>: a model without </s> or <unk> cannot score it, which SRILM
 * counts as an OOV sentence end; we leave it out likewise. */
static void count_end(const vlit_lm *lm, const vlit_lm_state *s, vlit_lm_stats *st)
{
    st->sentences++;
    if (lm->m.eos == LM_NONE && lm->m.unk == LM_NONE)
        return;
    st->tokens++;
    st->logprob += vlit_lm_state_end(lm, s);
}

void vlit_lm_score_text(const vlit_lm *lm, const char *text, size_t len, vlit_lm_stats *stats)
{
    char tok[VLIT_LM_TOKEN_MAX];
    size_t pos = 0, n;
    vlit_lm_state s;
    int any = 0;
    while ((n = vlit_lm_next_token(text, len, &pos, tok)) > 0) {
        if (!any) {
            vlit_lm_state_begin(lm, &s);
            any = 1;
        }
        vlit_lm_word_kind kind;
        double lp = vlit_lm_state_next(lm, &s, tok, n, &kind);
        count_word(stats, lp, kind);
    }
    if (any)
        count_end(lm, &s, stats);
}

void vlit_lm_score_tokens(const vlit_lm *lm, const char *const *tokens, size_t n, vlit_lm_stats *stats)
{
    if (!n)
        return;
    vlit_lm_state s;
    vlit_lm_state_begin(lm, &s);
    for (size_t i = 0; i < n; i++) {
        vlit_lm_word_kind kind;
        double lp = vlit_lm_state_next(lm, &s, tokens[i], strlen(tokens[i]), &kind);
        count_word(stats, lp, kind);
    }
    count_end(lm, &s, stats);
}

double vlit_lm_perplexity(const vlit_lm_stats *st)
{
    return st->tokens ? pow(10.0, -st->logprob / (double)st->tokens) : NAN;
}

double vlit_lm_perplexity_without_oov(const vlit_lm_stats *st)
{
    size_t n = st->tokens - st->oov_scored;
    return n ? pow(10.0, -(st->logprob - st->oov_logprob) / (double)n) : NAN;
}
