/* Builds the lookup tables of a model from words and n-grams given in any
 * order (lm_model.h describes the tables). Ids are dense while building, so
 * the hash indexes can grow without renumbering; the final tables, whose ids
 * are slot indexes, are laid out once at the end. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "lm_model.h"

#define IMPLIED_PROB 1.0f /* > 0: an entry without probability */
#define MAX_LOAD_NUM 7    /* final tables are at most 70 % full: short probe sequences */
#define MAX_LOAD_DEN 10

typedef struct pairset {
    lm_entry *e; /* by dense id; ctx is a dense id of the order below (or a word id) */
    uint32_t n, cap;
    uint32_t *index; /* dense id + 1; 0 = empty */
    uint64_t icap;   /* power of two */
} pairset;

struct lm_builder {
    unsigned order;
    vlit_buf strings;
    uint32_t *off;
    lm_uni *uni;
    uint32_t nwords, wcap;
    lm_vslot *vslots;
    uint32_t vcap;
    pairset ng[VLIT_LM_MAX_ORDER + 1];
    uint64_t implied[VLIT_LM_MAX_ORDER + 1];
};

static vlit_status nomem(vlit_error *err)
{
    return vlit_err(err, VLIT_ERR_NOMEM, "out of memory building the model");
}

vlit_status lm_builder_new(unsigned order, lm_builder **out, vlit_error *err)
{
    *out = NULL;
    if (order < 1 || order > VLIT_LM_MAX_ORDER)
        return vlit_err(err, VLIT_ERR_USAGE, "order %u is not in 1..%d", order, VLIT_LM_MAX_ORDER);
    lm_builder *b = calloc(1, sizeof *b);
    if (!b)
        return nomem(err);
    b->order = order;
    b->strings.max = (size_t)UINT32_MAX; /* word offsets are 32-bit */
    *out = b;
    return VLIT_OK;
}

void lm_builder_free(lm_builder *b)
{
    if (!b)
        return;
    vlit_buf_free(&b->strings);
    free(b->off);
    free(b->uni);
    free(b->vslots);
    for (unsigned n = 0; n <= VLIT_LM_MAX_ORDER; n++) {
        free(b->ng[n].e);
        free(b->ng[n].index);
    }
    free(b);
}

/* ---- words ---- */

static uint32_t vfind(const lm_builder *b, const char *w, size_t len, uint64_t h)
{
    if (!b->vcap)
        return LM_NONE;
    uint32_t mask = b->vcap - 1, check = (uint32_t)(h >> 32);
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        lm_vslot s = b->vslots[i];
        if (s.id == LM_NONE)
            return LM_NONE;
        if (s.check == check) {
            const char *t = b->strings.data + b->off[s.id];
            if (strncmp(t, w, len) == 0 && t[len] == '\0')
                return s.id;
        }
    }
}

static void vplace(lm_vslot *slots, uint32_t cap, uint32_t id, uint64_t h)
{
    uint32_t mask = cap - 1;
    uint32_t i = (uint32_t)h & mask;
    while (slots[i].id != LM_NONE)
        i = (i + 1) & mask;
    slots[i].id = id;
    slots[i].check = (uint32_t)(h >> 32);
}

/* Keeps the word table at most half full (words are few; short probes matter). */
static vlit_status vgrow(lm_builder *b)
{
    if ((uint64_t)(b->nwords + 1) * 2 <= b->vcap)
        return VLIT_OK;
    uint32_t cap = b->vcap ? b->vcap * 2 : 64;
    lm_vslot *s = malloc((size_t)cap * sizeof *s);
    if (!s)
        return VLIT_ERR_NOMEM;
    memset(s, 0xff, (size_t)cap * sizeof *s);
    for (uint32_t id = 0; id < b->nwords; id++) {
        const char *w = b->strings.data + b->off[id];
        vplace(s, cap, id, lm_hash_word(w, strlen(w)));
    }
    free(b->vslots);
    b->vslots = s;
    b->vcap = cap;
    return VLIT_OK;
}

uint32_t lm_builder_word_id(const lm_builder *b, const char *w, size_t len)
{
    return vfind(b, w, len, lm_hash_word(w, len));
}

uint32_t lm_builder_vocab_size(const lm_builder *b)
{
    return b->nwords;
}

const char *lm_builder_word_text(const lm_builder *b, uint32_t id)
{
    return b->strings.data + b->off[id];
}

vlit_status lm_builder_add_word(lm_builder *b, const char *w, size_t len, float prob, float bow, uint32_t *id,
                                int *existed, vlit_error *err)
{
    uint64_t h = lm_hash_word(w, len);
    uint32_t found = vfind(b, w, len, h);
    *existed = found != LM_NONE;
    if (found != LM_NONE) {
        *id = found;
        return VLIT_OK;
    }
    if (b->nwords >= LM_MAX_WORDS)
        return vlit_err(err, VLIT_ERR_LIMIT, "more than %u words", (unsigned)LM_MAX_WORDS);
    if (b->nwords == b->wcap) {
        uint32_t cap = b->wcap ? b->wcap * 2 : 1024;
        uint32_t *off = malloc((size_t)cap * sizeof *off);
        lm_uni *uni = malloc((size_t)cap * sizeof *uni);
        if (!off || !uni) {
            free(off);
            free(uni);
            return nomem(err);
        }
        if (b->nwords) {
            memcpy(off, b->off, (size_t)b->nwords * sizeof *off);
            memcpy(uni, b->uni, (size_t)b->nwords * sizeof *uni);
        }
        free(b->off);
        free(b->uni);
        b->off = off;
        b->uni = uni;
        b->wcap = cap;
    }
    size_t at = b->strings.len;
    vlit_status st = vlit_buf_append(&b->strings, w, len);
    if (!st)
        st = vlit_buf_putc(&b->strings, '\0');
    if (!st && vgrow(b))
        st = VLIT_ERR_NOMEM;
    if (st) {
        b->strings.len = at;
        return st == VLIT_ERR_LIMIT ? vlit_err(err, st, "the words take more than 4 GiB") : nomem(err);
    }
    *id = b->nwords++;
    b->off[*id] = (uint32_t)at;
    b->uni[*id].prob = prob;
    b->uni[*id].bow = bow;
    vplace(b->vslots, b->vcap, *id, h);
    return VLIT_OK;
}

/* ---- n-grams ---- */

static uint32_t pfind(const pairset *p, uint32_t ctx, uint32_t word)
{
    if (!p->icap)
        return LM_NONE;
    uint64_t mask = p->icap - 1;
    for (uint64_t i = lm_hash_pair(ctx, word) & mask;; i = (i + 1) & mask) {
        uint32_t k = p->index[i];
        if (!k)
            return LM_NONE;
        if (p->e[k - 1].ctx == ctx && p->e[k - 1].word == word)
            return k - 1;
    }
}

static vlit_status pinsert(pairset *p, uint32_t ctx, uint32_t word, float prob, float bow, uint32_t *id)
{
    if (p->n >= LM_MAX_NGRAMS)
        return VLIT_ERR_LIMIT;
    if (p->n == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 1024;
        lm_entry *e = malloc((size_t)cap * sizeof *e);
        if (!e)
            return VLIT_ERR_NOMEM;
        if (p->n)
            memcpy(e, p->e, (size_t)p->n * sizeof *e);
        free(p->e);
        p->e = e;
        p->cap = cap;
    }
    if ((uint64_t)(p->n + 1) * 2 > p->icap) {
        uint64_t icap = p->icap ? p->icap * 2 : 2048;
        uint32_t *index = calloc((size_t)icap, sizeof *index);
        if (!index)
            return VLIT_ERR_NOMEM;
        for (uint32_t k = 0; k < p->n; k++) {
            uint64_t i = lm_hash_pair(p->e[k].ctx, p->e[k].word) & (icap - 1);
            while (index[i])
                i = (i + 1) & (icap - 1);
            index[i] = k + 1;
        }
        free(p->index);
        p->index = index;
        p->icap = icap;
    }
    uint64_t i = lm_hash_pair(ctx, word) & (p->icap - 1);
    while (p->index[i])
        i = (i + 1) & (p->icap - 1);
    *id = p->n++;
    p->index[i] = *id + 1;
    p->e[*id] = (lm_entry){ctx, word, prob, bow};
    return VLIT_OK;
}

static vlit_status grow_error(vlit_status st, unsigned n, vlit_error *err)
{
    if (st == VLIT_ERR_LIMIT)
        return vlit_err(err, st, "more than %u %u-grams", (unsigned)LM_MAX_NGRAMS, n);
    return nomem(err);
}

vlit_status lm_builder_add_ngram(lm_builder *b, unsigned n, const uint32_t *words, float prob, float bow, int *existed,
                                 vlit_error *err)
{
    *existed = 0;
    if (n < 2 || n > b->order)
        return vlit_err(err, VLIT_ERR_USAGE, "no %u-grams in a model of order %u", n, b->order);
    uint32_t ctx = words[0];
    vlit_status st;
    /* the prefixes: found, or added without probability */
    for (unsigned k = 2; k < n; k++) {
        uint32_t id = pfind(&b->ng[k], ctx, words[k - 1]);
        if (id == LM_NONE) {
            if ((st = pinsert(&b->ng[k], ctx, words[k - 1], IMPLIED_PROB, 0.0f, &id)))
                return grow_error(st, k, err);
            b->implied[k]++;
        }
        ctx = id;
    }
    uint32_t id = pfind(&b->ng[n], ctx, words[n - 1]);
    if (id != LM_NONE) {
        lm_entry *e = &b->ng[n].e[id];
        if (lm_prob_listed(e->prob)) {
            *existed = 1;
            return VLIT_OK;
        }
        e->prob = prob; /* an implied prefix that is listed after all */
        e->bow = bow;
        b->implied[n]--;
        return VLIT_OK;
    }
    if ((st = pinsert(&b->ng[n], ctx, words[n - 1], prob, bow, &id)))
        return grow_error(st, n, err);
    return VLIT_OK;
}

/* ---- the final tables ---- */

static uint64_t table_cap(uint64_t count)
{
    if (!count)
        return 0;
    uint64_t cap = 4;
    while (cap * MAX_LOAD_NUM < count * MAX_LOAD_DEN)
        cap *= 2;
    return cap;
}

/* Places order n's entries (ctx already final) into a table; remap[id] = slot. */
static vlit_status lay_out(const pairset *p, lm_entry **slots_out, uint64_t *cap_out, uint32_t *max_probe,
                           uint32_t *remap)
{
    uint64_t cap = table_cap(p->n);
    *cap_out = cap;
    *slots_out = NULL;
    *max_probe = 0;
    if (!cap)
        return VLIT_OK;
    lm_entry *slots = malloc((size_t)cap * sizeof *slots);
    if (!slots)
        return VLIT_ERR_NOMEM;
    for (uint64_t i = 0; i < cap; i++)
        slots[i] = (lm_entry){0, LM_NONE, 0.0f, 0.0f};
    for (uint32_t k = 0; k < p->n; k++) {
        uint64_t i = lm_hash_pair(p->e[k].ctx, p->e[k].word) & (cap - 1);
        uint32_t probe = 0;
        while (slots[i].word != LM_NONE) {
            i = (i + 1) & (cap - 1);
            probe++;
        }
        if (probe > *max_probe)
            *max_probe = probe;
        slots[i] = p->e[k];
        if (remap)
            remap[k] = (uint32_t)i;
    }
    *slots_out = slots;
    return VLIT_OK;
}

vlit_status lm_builder_finish(lm_builder *b, struct vlit_lm **out, vlit_error *err)
{
    *out = NULL;
    struct vlit_lm *lm = calloc(1, sizeof *lm);
    uint32_t *remap_below = NULL, *remap = NULL;
    vlit_status st = VLIT_OK;
    if (!lm || vgrow(b)) /* a model without words still gets a word table */
        goto nomem;
    lm_model *m = &lm->m;
    m->order = b->order;
    m->vocab_size = b->nwords;
    if (!b->strings.data && vlit_buf_putc(&b->strings, '\0'))
        goto nomem;
    m->strings = lm->heap[0] = b->strings.data;
    m->strings_size = b->strings.len;
    b->strings = (vlit_buf)VLIT_BUF_INIT;
    m->word_off = lm->heap[1] = b->off;
    m->uni = lm->heap[2] = b->uni;
    m->vslots = lm->heap[3] = b->vslots;
    m->vcap = b->vcap;
    b->off = NULL;
    b->uni = NULL;
    b->vslots = NULL;
    m->vmax_probe = 0;
    for (uint32_t i = 0; i < m->vcap; i++) {
        uint32_t id = m->vslots[i].id;
        if (id == LM_NONE)
            continue;
        const char *w = m->strings + m->word_off[id];
        uint32_t home = (uint32_t)lm_hash_word(w, strlen(w)) & (m->vcap - 1);
        uint32_t dist = (i - home) & (m->vcap - 1);
        if (dist > m->vmax_probe)
            m->vmax_probe = dist;
    }
    m->uni_listed = m->vocab_size;
    m->unk = lm_word_id(m, "<unk>", 5);
    m->bos = lm_word_id(m, "<s>", 3);
    m->eos = lm_word_id(m, "</s>", 4);
    for (unsigned n = 2; n <= b->order; n++) {
        pairset *p = &b->ng[n];
        if (n >= 3 && remap_below)
            for (uint32_t k = 0; k < p->n; k++)
                p->e[k].ctx = remap_below[p->e[k].ctx];
        if (n < b->order && p->n && !(remap = malloc((size_t)p->n * sizeof *remap)))
            goto nomem;
        lm_entry *slots;
        lm_table *t = &m->tab[n];
        uint32_t max_probe;
        if (lay_out(p, &slots, &t->cap, &max_probe, remap))
            goto nomem;
        t->slots = lm->heap[4 + n - 2] = slots;
        t->count = p->n;
        t->listed = p->n - b->implied[n];
        t->max_probe = max_probe;
        lm->implied[n] = b->implied[n];
        free(p->e);
        free(p->index);
        memset(p, 0, sizeof *p);
        free(remap_below);
        remap_below = remap;
        remap = NULL;
    }
    goto out;
nomem:
    st = nomem(err);
out:
    free(remap);
    free(remap_below);
    if (st) {
        vlit_lm_close(lm);
        return st;
    }
    *out = lm;
    return VLIT_OK;
}
