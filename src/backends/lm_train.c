/* The trainer: interpolated modified Kneser-Ney (Chen & Goodman 1998, as
 * KenLM's lmplz estimates it), written as an ARPA file.
 *
 * 1. Count every n-gram of orders 1..N inside each sentence <s> w1 .. wk </s>.
 *    An n-gram of order n >= 2 is (ctx, word) with ctx the id of its first
 *    n-1 words at order n-1; each also keeps the id of its last n-1 words
 *    (its suffix), which is where its lower-order estimate lives.
 * 2. Adjusted counts a(.): raw counts at the highest order and for n-grams
 *    that start with <s> (nothing can precede them); otherwise continuation
 *    counts N1+(. w1..wn), the number of distinct words seen before the
 *    n-gram, which is the number of (n+1)-grams whose suffix it is.
 * 3. Per order, discounts from the counts of counts t1..t4 of a(.):
 *    Y = t1/(t1+2 t2), D1 = 1-2Y t2/t1, D2 = 2-3Y t3/t2, D3+ = 3-4Y t4/t3;
 *    KenLM's fallback 0.5, 1, 1.5 when a count is 0 or a D leaves (0, k).
 * 4. p(w|h) = (a(h w) - D(a(h w))) / sum_x a(h x) + gamma(h) p(w|h'), with
 *    gamma(h) = (D1 N1(h.) + D2 N2(h.) + D3+ N3+(h.)) / sum_x a(h x), and at
 *    the bottom p(w) = (a(w) - D(a(w))) / sum_x a(x) + gamma / |V|: the
 *    uniform distribution over the vocabulary without <s> (so <unk>, never
 *    seen, gets gamma/|V|), as KenLM does.
 * 5. ARPA: log10 p(w|h) for every counted n-gram, log10 gamma(h) as the
 *    backoff weight of every n-gram that was seen followed by a word. For an
 *    unseen (h, w) the ARPA rule bow(h) + p(w|h') is then exactly the
 *    interpolated estimate, so the model sums to 1 for every history. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/atomic_file.h"
#include "../base/lines.h"
#include "../base/utf8.h"
#include "lm_model.h"

#define MAX_LINE ((size_t)64 << 20)

typedef struct tgram {
    uint32_t ctx, word;
    uint32_t count;  /* raw, then adjusted */
    uint32_t suffix; /* id of the last n-1 words at order n-1 (a word id for n = 2) */
} tgram;

typedef struct level {
    tgram *g;
    uint32_t n, cap;
    uint32_t *index; /* id + 1; 0 = empty */
    uint64_t icap;
    double *prob; /* p(word | ctx words) */
    double *bow;  /* gamma of this n-gram as a context; 0 = never a context */
} level;

typedef struct trainer {
    unsigned order;
    lm_builder *vocab;
    uint32_t *count1; /* raw, then adjusted counts of the words */
    uint32_t cap1;
    double *prob1, *bow1;
    level lv[VLIT_LM_MAX_ORDER + 1];
    double d[VLIT_LM_MAX_ORDER + 1][3];
    uint32_t *sent; /* the current sentence's word ids */
    size_t sent_cap;
} trainer;

static vlit_status nomem(vlit_error *err)
{
    return vlit_err(err, VLIT_ERR_NOMEM, "out of memory training the model");
}

vlit_lm_train_params vlit_lm_train_default_params(void)
{
    vlit_lm_train_params p;
    memset(&p, 0, sizeof p);
    p.order = 3;
    return p;
}

static void trainer_free(trainer *t)
{
    lm_builder_free(t->vocab);
    free(t->count1);
    free(t->prob1);
    free(t->bow1);
    for (unsigned n = 0; n <= VLIT_LM_MAX_ORDER; n++) {
        free(t->lv[n].g);
        free(t->lv[n].index);
        free(t->lv[n].prob);
        free(t->lv[n].bow);
    }
    free(t->sent);
}

/* ---- counting ---- */

static uint32_t sat_inc(uint32_t c)
{
    return c == UINT32_MAX ? c : c + 1;
}

/* The id of (ctx, word) at level L, added with count 0 if new. */
static vlit_status level_get(level *L, uint32_t ctx, uint32_t word, uint32_t suffix, uint32_t *id)
{
    if ((uint64_t)(L->n + 1) * 2 > L->icap) {
        uint64_t icap = L->icap ? L->icap * 2 : 4096;
        uint32_t *index = calloc((size_t)icap, sizeof *index);
        if (!index)
            return VLIT_ERR_NOMEM;
        for (uint32_t k = 0; k < L->n; k++) {
            uint64_t i = lm_hash_pair(L->g[k].ctx, L->g[k].word) & (icap - 1);
            while (index[i])
                i = (i + 1) & (icap - 1);
            index[i] = k + 1;
        }
        free(L->index);
        L->index = index;
        L->icap = icap;
    }
    uint64_t mask = L->icap - 1, i = lm_hash_pair(ctx, word) & mask;
    for (; L->index[i]; i = (i + 1) & mask) {
        const tgram *g = &L->g[L->index[i] - 1];
        if (g->ctx == ctx && g->word == word) {
            *id = L->index[i] - 1;
            return VLIT_OK;
        }
    }
    if (L->n >= LM_MAX_NGRAMS)
        return VLIT_ERR_LIMIT;
    if (L->n == L->cap) {
        uint32_t cap = L->cap ? L->cap * 2 : 4096;
        tgram *g = malloc((size_t)cap * sizeof *g);
        if (!g)
            return VLIT_ERR_NOMEM;
        if (L->n)
            memcpy(g, L->g, (size_t)L->n * sizeof *g);
        free(L->g);
        L->g = g;
        L->cap = cap;
    }
    L->g[L->n] = (tgram){ctx, word, 0, suffix};
    L->index[i] = L->n + 1;
    *id = L->n++;
    return VLIT_OK;
}

static vlit_status add_word(trainer *t, const char *w, size_t len, uint32_t *id, vlit_error *err)
{
    int existed;
    vlit_status st = lm_builder_add_word(t->vocab, w, len, 0.0f, 0.0f, id, &existed, err);
    if (st)
        return st;
    if (*id >= t->cap1) {
        uint32_t cap = t->cap1 ? t->cap1 * 2 : 4096;
        uint32_t *c = calloc(cap, sizeof *c);
        if (!c)
            return nomem(err);
        if (t->cap1)
            memcpy(c, t->count1, (size_t)t->cap1 * sizeof *c);
        free(t->count1);
        t->count1 = c;
        t->cap1 = cap;
    }
    return VLIT_OK;
}

enum { UNK = 0, BOS = 1, EOS = 2 }; /* the first three words of the vocabulary */

/* Counts the n-grams of t->sent[0..len) (<s> .. </s>). */
static vlit_status count_sentence(trainer *t, size_t len, vlit_error *err)
{
    uint32_t hist[VLIT_LM_MAX_ORDER + 1], cur[VLIT_LM_MAX_ORDER + 1];
    for (size_t i = 0; i < len; i++) {
        uint32_t w = t->sent[i];
        t->count1[w] = sat_inc(t->count1[w]);
        cur[1] = w;
        unsigned top = i + 1 < t->order ? (unsigned)i + 1 : t->order;
        for (unsigned n = 2; n <= top; n++) {
            level *L = &t->lv[n];
            vlit_status st = level_get(L, hist[n - 1], w, cur[n - 1], &cur[n]);
            if (st == VLIT_ERR_LIMIT)
                return vlit_err(err, st, "more than %u distinct %u-grams", (unsigned)LM_MAX_NGRAMS, n);
            if (st)
                return nomem(err);
            L->g[cur[n]].count = sat_inc(L->g[cur[n]].count);
        }
        memcpy(hist + 1, cur + 1, top * sizeof cur[0]);
    }
    return VLIT_OK;
}

static vlit_status read_corpus(trainer *t, const vlit_lm_train_params *p, const char *path, vlit_lm_train_summary *sum,
                               vlit_error *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    const char *name = is_stdin ? "standard input" : path;
    vlit_lines lines;
    vlit_status st = vlit_lines_init(&lines, fp, name, MAX_LINE, err);
    char tok[VLIT_LM_TOKEN_MAX];
    while (!st && (st = vlit_lines_next(&lines, err)) == VLIT_OK) {
        const char *s = lines.line.data;
        size_t len = lines.line.len, bad;
        if (!vlit_utf8_valid(s, len, &bad)) {
            vlit_error e = {0};
            vlit_err(&e, VLIT_ERR_PARSE, "%s: line %zu: not UTF-8 (byte %zu of the line)", name, lines.lineno, bad + 1);
            if (!p->skip_bad) {
                st = vlit_err(err, VLIT_ERR_PARSE, "%s", e.message);
                break;
            }
            sum->skipped++;
            if (p->on_skip)
                p->on_skip(p->ctx, e.message);
            continue;
        }
        size_t pos = 0, n, k = 1;
        t->sent[0] = BOS;
        while ((n = vlit_lm_next_token(s, len, &pos, tok)) > 0) {
            if (k + 2 > t->sent_cap) {
                size_t cap = t->sent_cap * 2;
                uint32_t *grown = malloc(cap * sizeof *grown);
                if (!grown) {
                    st = nomem(err);
                    break;
                }
                memcpy(grown, t->sent, k * sizeof *grown);
                free(t->sent);
                t->sent = grown;
                t->sent_cap = cap;
            }
            if ((st = add_word(t, tok, n, &t->sent[k], err)))
                break;
            k++;
        }
        if (st || k == 1)
            continue;
        t->sent[k++] = EOS;
        sum->sentences++;
        sum->words += k - 2;
        st = count_sentence(t, k, err);
    }
    if (st == VLIT_END)
        st = VLIT_OK;
    vlit_lines_free(&lines);
    if (!is_stdin)
        fclose(fp);
    if (!st && sum->sentences == 0)
        st = vlit_err(err, VLIT_ERR_DATA, "%s: no sentence with a token to train on", name);
    return st;
}

/* ---- estimating ---- */

/* Marks the n-grams of order n that start with <s>. */
static vlit_status starts_with_bos(const trainer *t, unsigned n, unsigned char **out)
{
    unsigned char *below = NULL, *mark = NULL;
    *out = NULL;
    for (unsigned k = 2; k <= n; k++) {
        const level *L = &t->lv[k];
        if (!(mark = malloc(L->n ? L->n : 1))) {
            free(below);
            return VLIT_ERR_NOMEM;
        }
        for (uint32_t i = 0; i < L->n; i++)
            mark[i] = k == 2 ? L->g[i].ctx == BOS : below[L->g[i].ctx];
        free(below);
        below = mark;
    }
    *out = mark;
    return VLIT_OK;
}

/* Replaces raw counts by continuation counts where step 2 says so. */
static vlit_status adjust_counts(trainer *t, uint32_t vocab)
{
    for (unsigned n = 1; n < t->order; n++) {
        uint32_t size = n == 1 ? vocab : t->lv[n].n;
        uint32_t *cont = calloc(size ? size : 1, sizeof *cont);
        if (!cont)
            return VLIT_ERR_NOMEM;
        const level *up = &t->lv[n + 1];
        for (uint32_t i = 0; i < up->n; i++)
            cont[up->g[i].suffix] = sat_inc(cont[up->g[i].suffix]);
        if (n == 1) {
            for (uint32_t w = 0; w < vocab; w++)
                if (w != BOS)
                    t->count1[w] = cont[w];
        } else {
            unsigned char *bos;
            if (starts_with_bos(t, n, &bos)) {
                free(cont);
                return VLIT_ERR_NOMEM;
            }
            for (uint32_t i = 0; i < t->lv[n].n; i++)
                if (!bos[i])
                    t->lv[n].g[i].count = cont[i];
            free(bos);
        }
        free(cont);
    }
    return VLIT_OK;
}

static void discounts(const uint64_t tc[5], double d[3], int *fallback)
{
    *fallback = 1;
    d[0] = 0.5, d[1] = 1.0, d[2] = 1.5;
    if (!tc[1] || !tc[2] || !tc[3] || !tc[4])
        return;
    double t1 = (double)tc[1], t2 = (double)tc[2], t3 = (double)tc[3], t4 = (double)tc[4];
    double y = t1 / (t1 + 2 * t2);
    double d1 = 1 - 2 * y * t2 / t1, d2 = 2 - 3 * y * t3 / t2, d3 = 3 - 4 * y * t4 / t3;
    if (!(d1 > 0 && d1 < 1 && d2 > 0 && d2 < 2 && d3 > 0 && d3 < 3))
        return;
    d[0] = d1, d[1] = d2, d[2] = d3;
    *fallback = 0;
}

static double discount_of(const double d[3], uint32_t a)
{
    return a == 0 ? 0 : a == 1 ? d[0] : a == 2 ? d[1] : d[2];
}

static void count_counts(uint64_t tc[5], uint32_t a)
{
    if (a >= 1 && a <= 4)
        tc[a]++;
}

static vlit_status estimate(trainer *t, uint32_t vocab, vlit_lm_train_summary *sum)
{
    /* discounts, per order */
    for (unsigned n = 1; n <= t->order; n++) {
        uint64_t tc[5] = {0};
        if (n == 1) {
            for (uint32_t w = 0; w < vocab; w++)
                if (w != BOS)
                    count_counts(tc, t->count1[w]);
        } else {
            for (uint32_t i = 0; i < t->lv[n].n; i++)
                count_counts(tc, t->lv[n].g[i].count);
        }
        discounts(tc, t->d[n], &sum->fallback[n]);
        memcpy(sum->discount[n], t->d[n], sizeof t->d[n]);
    }
    /* unigrams: interpolated with the uniform distribution over the vocabulary without <s> */
    if (!(t->prob1 = calloc(vocab, sizeof *t->prob1)) || !(t->bow1 = calloc(vocab, sizeof *t->bow1)))
        return VLIT_ERR_NOMEM;
    double total = 0, mass = 0;
    for (uint32_t w = 0; w < vocab; w++)
        if (w != BOS) {
            total += t->count1[w];
            mass += discount_of(t->d[1], t->count1[w]);
        }
    double uniform = mass / total / (double)(vocab - 1);
    for (uint32_t w = 0; w < vocab; w++)
        if (w != BOS)
            t->prob1[w] = (t->count1[w] - discount_of(t->d[1], t->count1[w])) / total + uniform;
    /* higher orders: each interpolated with the one below through its suffix */
    for (unsigned n = 2; n <= t->order; n++) {
        level *L = &t->lv[n];
        uint32_t nctx = n == 2 ? vocab : t->lv[n - 1].n;
        double *sum_a = calloc(nctx ? nctx : 1, sizeof *sum_a), *sum_d = calloc(nctx ? nctx : 1, sizeof *sum_d);
        L->prob = malloc((L->n ? L->n : 1) * sizeof *L->prob);
        if (!sum_a || !sum_d || !L->prob) {
            free(sum_a);
            free(sum_d);
            return VLIT_ERR_NOMEM;
        }
        for (uint32_t i = 0; i < L->n; i++) {
            sum_a[L->g[i].ctx] += L->g[i].count;
            sum_d[L->g[i].ctx] += discount_of(t->d[n], L->g[i].count);
        }
        const double *lower = n == 2 ? t->prob1 : t->lv[n - 1].prob;
        for (uint32_t i = 0; i < L->n; i++) {
            const tgram *g = &L->g[i];
            double s = sum_a[g->ctx];
            L->prob[i] = (g->count - discount_of(t->d[n], g->count)) / s + sum_d[g->ctx] / s * lower[g->suffix];
        }
        /* the contexts' backoff weights: gamma, kept in sum_d */
        for (uint32_t c = 0; c < nctx; c++)
            sum_d[c] = sum_a[c] > 0 ? sum_d[c] / sum_a[c] : 0;
        free(sum_a);
        if (n == 2) {
            free(t->bow1);
            t->bow1 = sum_d;
        } else {
            t->lv[n - 1].bow = sum_d;
        }
    }
    return VLIT_OK;
}

/* ---- writing ---- */

static void put_value(FILE *fp, double p)
{
    fprintf(fp, "%.7f", log10(p));
}

/* Writes the words of n-gram i of order n. */
static void put_words(FILE *fp, const trainer *t, unsigned n, uint32_t i)
{
    uint32_t ids[VLIT_LM_MAX_ORDER];
    uint32_t c = i;
    for (unsigned k = n; k >= 2; k--) {
        ids[k - 1] = t->lv[k].g[c].word;
        c = t->lv[k].g[c].ctx;
    }
    ids[0] = c;
    for (unsigned k = 0; k < n; k++) {
        fputs(lm_builder_word_text(t->vocab, ids[k]), fp);
        if (k + 1 < n)
            fputc(' ', fp);
    }
}

typedef struct sort_key {
    uint64_t key; /* rank of the context, then the word id */
    uint32_t id;
} sort_key;

static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const sort_key *)a)->key, y = ((const sort_key *)b)->key;
    return x < y ? -1 : x > y;
}

/* The n-grams of each order in the order of their word ids (the order of the
 * 1-grams), first word first. IRSTLM reads n-grams by binary search and
 * silently misreads files in another order; the others do not care. */
static vlit_status sort_levels(const trainer *t, uint32_t *perm[VLIT_LM_MAX_ORDER + 1])
{
    uint32_t *rank_below = NULL;
    for (unsigned n = 2; n <= t->order; n++) {
        const level *L = &t->lv[n];
        sort_key *keys = malloc((L->n ? L->n : 1) * sizeof *keys);
        uint32_t *rank = malloc((L->n ? L->n : 1) * sizeof *rank);
        if (!keys || !rank || !(perm[n] = malloc((L->n ? L->n : 1) * sizeof *perm[n]))) {
            free(keys);
            free(rank);
            free(rank_below);
            return VLIT_ERR_NOMEM;
        }
        for (uint32_t i = 0; i < L->n; i++) {
            uint32_t c = L->g[i].ctx;
            keys[i] = (sort_key){(uint64_t)(n == 2 ? c : rank_below[c]) << 32 | L->g[i].word, i};
        }
        qsort(keys, L->n, sizeof *keys, by_key);
        for (uint32_t i = 0; i < L->n; i++) {
            perm[n][i] = keys[i].id;
            rank[keys[i].id] = i;
        }
        free(keys);
        free(rank_below);
        rank_below = rank;
    }
    free(rank_below);
    return VLIT_OK;
}

static vlit_status write_arpa(const trainer *t, uint32_t vocab, const char *out_path, vlit_error *err)
{
    uint32_t *perm[VLIT_LM_MAX_ORDER + 1] = {0};
    if (sort_levels(t, perm)) {
        for (unsigned n = 0; n <= VLIT_LM_MAX_ORDER; n++)
            free(perm[n]);
        return nomem(err);
    }
    vlit_atomic_file f;
    vlit_status st = vlit_atomic_open(&f, out_path, err);
    if (st) {
        for (unsigned n = 0; n <= VLIT_LM_MAX_ORDER; n++)
            free(perm[n]);
        return st;
    }
    FILE *fp = f.fp;
    fprintf(fp, "\\data\\\nngram 1=%u\n", vocab);
    for (unsigned n = 2; n <= t->order; n++)
        fprintf(fp, "ngram %u=%u\n", n, t->lv[n].n);
    fputs("\n\\1-grams:\n", fp);
    for (uint32_t w = 0; w < vocab; w++) {
        if (w == BOS)
            fputs("-99", fp); /* never predicted; the value the other tools write */
        else
            put_value(fp, t->prob1[w]);
        fprintf(fp, "\t%s", lm_builder_word_text(t->vocab, w));
        if (t->order > 1 && t->bow1[w] > 0) {
            fputc('\t', fp);
            put_value(fp, t->bow1[w]);
        }
        fputc('\n', fp);
    }
    for (unsigned n = 2; n <= t->order; n++) {
        const level *L = &t->lv[n];
        fprintf(fp, "\n\\%u-grams:\n", n);
        for (uint32_t k = 0; k < L->n; k++) {
            uint32_t i = perm[n][k];
            put_value(fp, L->prob[i]);
            fputc('\t', fp);
            put_words(fp, t, n, i);
            if (n < t->order && L->bow[i] > 0) {
                fputc('\t', fp);
                put_value(fp, L->bow[i]);
            }
            fputc('\n', fp);
        }
    }
    fputs("\n\\end\\\n", fp);
    for (unsigned n = 0; n <= VLIT_LM_MAX_ORDER; n++)
        free(perm[n]);
    return vlit_atomic_commit(&f, err);
}

vlit_status vlit_lm_train(vlit_lm_train_params params, const char *corpus_path, const char *out_path,
                          vlit_lm_train_summary *summary, vlit_error *err)
{
    vlit_lm_train_summary local;
    vlit_lm_train_summary *sum = summary ? summary : &local;
    memset(sum, 0, sizeof *sum);
    if (!corpus_path || !out_path)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_lm_train needs a corpus and an output path");
    if (params.order < 1 || params.order > VLIT_LM_MAX_ORDER)
        return vlit_err(err, VLIT_ERR_USAGE, "order %u is not in 1..%d", params.order, VLIT_LM_MAX_ORDER);
    trainer t;
    memset(&t, 0, sizeof t);
    t.order = params.order;
    vlit_status st = lm_builder_new(params.order, &t.vocab, err);
    uint32_t id;
    if (!st && !(t.sent = malloc(256 * sizeof *t.sent)))
        st = nomem(err);
    t.sent_cap = 256;
    /* the specials first, at the ids the code above relies on */
    if (!st)
        st = add_word(&t, "<unk>", 5, &id, err);
    if (!st)
        st = add_word(&t, "<s>", 3, &id, err);
    if (!st)
        st = add_word(&t, "</s>", 4, &id, err);
    if (!st)
        st = read_corpus(&t, &params, corpus_path, sum, err);
    uint32_t vocab = st ? 0 : lm_builder_vocab_size(t.vocab);
    if (!st && (adjust_counts(&t, vocab) || estimate(&t, vocab, sum)))
        st = nomem(err);
    if (!st)
        st = write_arpa(&t, vocab, out_path, err);
    if (!st) {
        sum->vocab_size = vocab;
        sum->ngrams[1] = vocab;
        for (unsigned n = 2; n <= t.order; n++)
            sum->ngrams[n] = t.lv[n].n;
    }
    trainer_free(&t);
    return st;
}
