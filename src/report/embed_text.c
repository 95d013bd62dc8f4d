/* Text sets (vlit/embed.h): the embedded TF-IDF method and the texts of the
 * server method. Formulas, the hash and the projection: docs/embed.md.
 *
 * TF-IDF streams: a document is tokenised when added and kept only as its
 * hashed term counts, LEB128-encoded (a few bytes per distinct word), while
 * the document frequencies are counted in one array of 2^hash_bits
 * uint32. The vectors need the final document frequencies, so they are
 * computed at the end, in one pass over the encoded documents. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/random.h"
#include "../base/strmap.h"
#include "embed_internal.h"

enum { M_TFIDF = 0, M_SERVER = 1 };

#define TOKENIZER_VERSION 1ull /* part of the fingerprint: partials of another tokeniser do not merge */

struct vlit_text_set {
    vlit_embed_params p;
    char *url, *model, *store, *key; /* owned copies of p's strings */
    int method;
    /* tfidf */
    unsigned bits;
    uint32_t *df; /* 2^bits document frequencies */
    vlit_strmap stop;
    int has_stop;
    uint64_t fingerprint;
    vlit_buf docs; /* the encoded documents */
    size_t n_docs;
    uint32_t *ids; /* scratch: term ids of one document */
    size_t ids_cap;
    uint8_t *enc; /* scratch: one encoded document */
    size_t enc_cap;
    /* server */
    em_rows rows;
};

vlit_embed_params vlit_embed_default_params(void)
{
    vlit_embed_params p;
    memset(&p, 0, sizeof p);
    p.dim = 256;
    p.hash_bits = 20;
    p.concurrency = 8;
    p.max_failed = -1;
    return p;
}

/* ---- tokens ----------------------------------------------------------------------- */

/* A word is a maximal run of ASCII letters and digits and of bytes >= 0x80
 * (the bytes of non-ASCII UTF-8 characters), ASCII lower-cased; everything
 * else separates words, including the typographic apostrophes U+2018 and
 * U+2019 (as the ASCII one does: "don't" gives "don" and "t", as the
 * stop-word list expects). */
static int word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static int curly_quote(const unsigned char *t, size_t len, size_t i)
{
    return t[i] == 0xe2 && i + 2 < len && t[i + 1] == 0x80 && (t[i + 2] == 0x98 || t[i + 2] == 0x99);
}

/* The next word of t from *pos into out (lower-cased, cut at cap - 1 bytes
 * for the stop-word lookup); its hash (of the whole word) in *h. 0 at the end. */
static size_t next_word(const char *text, size_t len, size_t *pos, char *out, size_t cap, size_t *full, uint64_t *h)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t i = *pos;
    while (i < len && (!word_byte(t[i]) || curly_quote(t, len, i)))
        i++;
    if (i >= len) {
        *pos = len;
        return 0;
    }
    uint64_t hash = 0xcbf29ce484222325ull;
    size_t n = 0;
    while (i < len && word_byte(t[i]) && !curly_quote(t, len, i)) {
        unsigned char c = t[i++];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + ('a' - 'A'));
        hash = (hash ^ c) * 0x100000001b3ull;
        if (n + 1 < cap)
            out[n] = (char)c;
        n++;
    }
    *full = n;
    out[n + 1 < cap ? n : cap - 1] = '\0';
    *pos = i;
    *h = hash;
    return n;
}

static vlit_status load_stopwords(vlit_text_set *s, const char *path, vlit_error *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open the stop-word list", path);
    char line[256];
    uint64_t h = 0xcbf29ce484222325ull;
    size_t lineno = 0;
    vlit_status st = VLIT_OK;
    while (fgets(line, sizeof line, fp) && !st) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        size_t pos = 0, full;
        uint64_t wh;
        char w[128];
        size_t len = strlen(line);
        while (next_word(line, len, &pos, w, sizeof w, &full, &wh)) {
            if (full >= sizeof w) {
                st = vlit_err(err, VLIT_ERR_DATA, "%s:%zu: a stop word longer than 127 bytes", path, lineno);
                break;
            }
            int inserted;
            if (!vlit_strmap_put(&s->stop, w, full, 1, &inserted, NULL)) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
            if (inserted)
                for (size_t k = 0; k <= full; k++) /* the words, NUL-separated, in file order */
                    h = (h ^ (unsigned char)w[k]) * 0x100000001b3ull;
        }
    }
    if (!st && ferror(fp))
        st = vlit_err(err, VLIT_ERR_IO, "%s: read error", path);
    fclose(fp);
    s->has_stop = 1;
    s->fingerprint ^= vlit_mix64(h);
    return st;
}

/* ---- the set ---------------------------------------------------------------------- */

static char *dup_or_null(const char *s, int *bad)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *bad = 1;
    return d;
}

vlit_status vlit_text_set_new(const vlit_embed_params *params, vlit_text_set **out, vlit_error *err)
{
    *out = NULL;
    vlit_embed_params p = params ? *params : vlit_embed_default_params();
    int method;
    if (!p.method || strcmp(p.method, "tfidf") == 0)
        method = M_TFIDF;
    else if (strcmp(p.method, "server") == 0)
        method = M_SERVER;
    else
        return vlit_err(err, VLIT_ERR_USAGE, "text embedding method \"%.40s\": known are tfidf and server", p.method);
    if (method == M_TFIDF && (p.dim < 1 || p.dim > 65536))
        return vlit_err(err, VLIT_ERR_USAGE, "dimension %zu: give 1 to 65536", p.dim);
    if (method == M_TFIDF && (p.hash_bits < 8 || p.hash_bits > 30))
        return vlit_err(err, VLIT_ERR_USAGE, "hash bits %u: give 8 to 30", p.hash_bits);
    if (method == M_SERVER && (!p.url || !*p.url || !p.model || !*p.model))
        return vlit_err(err, VLIT_ERR_USAGE, "the server method needs a URL and a model");
    vlit_text_set *s = calloc(1, sizeof *s);
    if (!s)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    s->method = method;
    vlit_strmap_init(&s->stop);
    int bad = 0;
    s->url = dup_or_null(p.url, &bad);
    s->model = dup_or_null(p.model, &bad);
    s->store = dup_or_null(p.store_path, &bad);
    s->key = dup_or_null(p.api_key, &bad);
    p.url = s->url;
    p.model = s->model;
    p.store_path = s->store;
    p.api_key = s->key;
    p.stopwords = NULL; /* read now; the path is not kept */
    p.image_root = NULL;
    p.method = method == M_TFIDF ? "tfidf" : "server";
    s->p = p;
    vlit_status st = bad ? vlit_err(err, VLIT_ERR_NOMEM, "out of memory") : VLIT_OK;
    if (!st && method == M_TFIDF) {
        s->bits = p.hash_bits;
        s->fingerprint = vlit_mix64(TOKENIZER_VERSION << 8 | p.hash_bits);
        if (!(s->df = calloc((size_t)1 << s->bits, sizeof *s->df)))
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        if (!st && params && params->stopwords)
            st = load_stopwords(s, params->stopwords, err);
    }
    if (st) {
        vlit_text_set_free(s);
        return st;
    }
    *out = s;
    return VLIT_OK;
}

void vlit_text_set_free(vlit_text_set *s)
{
    if (!s)
        return;
    vlit_strmap_free(&s->stop);
    free(s->df);
    vlit_buf_free(&s->docs);
    free(s->ids);
    free(s->enc);
    em_rows_free(&s->rows);
    free(s->url);
    free(s->model);
    free(s->store);
    if (s->key) {
        memset(s->key, 0, strlen(s->key));
        free(s->key);
    }
    free(s);
}

size_t vlit_text_set_count(const vlit_text_set *s)
{
    return s->method == M_TFIDF ? s->n_docs : s->rows.n;
}

size_t vlit_text_set_bytes(const vlit_text_set *s)
{
    if (s->method == M_TFIDF)
        return s->docs.cap + ((size_t)1 << s->bits) * sizeof *s->df + s->ids_cap * sizeof *s->ids + s->enc_cap;
    size_t b = s->rows.cap * (1 + sizeof(char *) * 3 + sizeof(size_t));
    for (size_t i = 0; i < s->rows.n; i++)
        b += s->rows.key_len[i] + 1 + (s->rows.vec[i] ? s->rows.dim * sizeof(float) : 0);
    return b;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts n ids: insertion sort for short documents, qsort beyond. */
static void sort_ids(uint32_t *a, size_t n)
{
    if (n > 48) {
        qsort(a, n, sizeof *a, cmp_u32);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static vlit_status add_tfidf(vlit_text_set *s, const char *text, size_t len, vlit_error *err)
{
    size_t pos = 0, n = 0, full;
    uint64_t h;
    char w[128];
    const uint32_t mask = (uint32_t)(((uint64_t)1 << s->bits) - 1);
    while (next_word(text, len, &pos, w, sizeof w, &full, &h)) {
        if (s->has_stop && full < sizeof w && vlit_strmap_get(&s->stop, w, full))
            continue;
        if (n == s->ids_cap) {
            size_t cap = s->ids_cap ? 2 * s->ids_cap : 256;
            uint32_t *g = realloc(s->ids, cap * sizeof *g);
            if (!g)
                return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            s->ids = g;
            s->ids_cap = cap;
        }
        s->ids[n++] = (uint32_t)h & mask;
    }
    sort_ids(s->ids, n);
    /* worst case: 5 bytes an id difference, 5 a count, 10 the term count */
    size_t need = 10 * n + 10;
    if (need > s->enc_cap) {
        uint8_t *g = realloc(s->enc, need);
        if (!g)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        s->enc = g;
        s->enc_cap = need;
    }
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        distinct += i == 0 || s->ids[i] != s->ids[i - 1];
    size_t e = em_put_varint(s->enc, distinct);
    uint32_t prev = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s->ids[j] == s->ids[i])
            j++;
        e += em_put_varint(s->enc + e, s->ids[i] - prev);
        e += em_put_varint(s->enc + e, j - i);
        prev = s->ids[i];
        s->df[s->ids[i]]++;
        i = j;
    }
    if (vlit_buf_append(&s->docs, s->enc, e))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    s->n_docs++;
    return VLIT_OK;
}

vlit_status vlit_text_set_add(vlit_text_set *s, const char *text, size_t len, vlit_error *err)
{
    if (!text && len)
        return vlit_err(err, VLIT_ERR_USAGE, "NULL text");
    if (s->method == M_TFIDF) {
        if (s->n_docs >= UINT32_MAX)
            return vlit_err(err, VLIT_ERR_LIMIT, "more than %u documents", UINT32_MAX);
        return add_tfidf(s, text ? text : "", len, err);
    }
    return em_rows_push(&s->rows, text ? text : "", len, NULL, err);
}

vlit_status vlit_text_set_write_partial(vlit_text_set *s, const char *path, vlit_error *err)
{
    if (s->method == M_TFIDF)
        return em_write_tfidf(path, s->bits, s->fingerprint, s->n_docs, s->docs.data ? s->docs.data : "",
                              s->docs.len, err);
    vlit_status st = em_server_embed(&s->p, 0, &s->rows, err);
    vlit_buf cfg = VLIT_BUF_INIT;
    if (!st && em_server_config(&s->p, 0, &cfg))
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (!st)
        st = em_write_rows(path, cfg.data, 0, &s->rows, err);
    vlit_buf_free(&cfg);
    return st;
}

vlit_status vlit_text_set_add_partial(vlit_text_set *s, const char *path, vlit_error *err)
{
    uint8_t *data;
    size_t len;
    vlit_status st = em_slurp(path, &data, &len, err);
    if (st)
        return st;
    if (s->method == M_TFIDF) {
        unsigned bits;
        uint64_t fp, n;
        const uint8_t *docs;
        size_t dlen;
        st = em_parse_tfidf(data, len, path, &bits, &fp, &n, &docs, &dlen, err);
        if (!st && (bits != s->bits || fp != s->fingerprint))
            st = vlit_err(err, VLIT_ERR_USAGE,
                          "%s: a TF-IDF partial made with other settings (%u hash bits%s) than this set's (%u)", path,
                          bits, fp != s->fingerprint ? ", another stop-word list or tokeniser" : "", s->bits);
        if (!st && s->n_docs + n > UINT32_MAX)
            st = vlit_err(err, VLIT_ERR_LIMIT, "%s: more than %u documents in all", path, UINT32_MAX);
        if (!st && vlit_buf_reserve(&s->docs, dlen))
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        if (!st) {
            /* document frequencies: each document's terms are distinct (checked) */
            const uint8_t *p = docs, *end = docs + dlen;
            for (uint64_t d = 0; d < n; d++) {
                uint64_t terms = 0, id = 0, v = 0;
                p += em_get_varint(p, end, &terms);
                for (uint64_t t = 0; t < terms; t++) {
                    p += em_get_varint(p, end, &v);
                    id += v;
                    s->df[id]++;
                    p += em_get_varint(p, end, &v);
                }
            }
            vlit_buf_append(&s->docs, docs, dlen); /* reserved above */
            s->n_docs += (size_t)n;
        }
        free(data);
        return st;
    }
    char *cfg = NULL;
    int images = 0;
    em_rows got = {0};
    vlit_buf want = VLIT_BUF_INIT;
    st = em_parse_rows(data, len, path, &cfg, &images, &got, err);
    free(data);
    if (!st && em_server_config(&s->p, 0, &want))
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (!st && (images || strcmp(cfg, want.data) != 0))
        st = vlit_err(err, VLIT_ERR_USAGE, "%s: a partial of \"%s\", not of \"%s\"", path, images ? "images" : cfg,
                      want.data);
    if (!st && got.dim && s->rows.dim && got.dim != s->rows.dim)
        st = vlit_err(err, VLIT_ERR_DATA, "%s: vectors of dimension %zu, the set's have %zu", path, got.dim,
                      s->rows.dim);
    for (size_t i = 0; i < got.n && !st; i++) {
        size_t at;
        st = em_rows_push(&s->rows, got.key[i], got.key_len[i], &at, err);
        if (!st)
            st = got.state[i] == EM_OK ? em_rows_set_vec(&s->rows, at, got.vec[i], got.dim, err)
                                       : em_rows_set_failed(&s->rows, at, got.reason[i], err);
    }
    free(cfg);
    em_rows_free(&got);
    vlit_buf_free(&want);
    return st;
}

/* ---- vectors ---------------------------------------------------------------------- */

/* sign_table[b][k] = -1 when bit k of the byte b is set, else +1 */
static float sign_table[256][8];
static pthread_once_t sign_once = PTHREAD_ONCE_INIT;

static void sign_init(void)
{
    for (int b = 0; b < 256; b++)
        for (int k = 0; k < 8; k++)
            sign_table[b][k] = (b >> k) & 1 ? -1.0f : 1.0f;
}

/* Adds w * r_t to y, r_t the +-1 row of term t: coordinate j is -1 when bit
 * j % 64 of word j / 64 is set, word b = mix64(mix64(seed ^ mix64(t)) + b). */
static void project_term(float *y, size_t dim, uint64_t seed, uint32_t t, float w)
{
    uint64_t base = vlit_mix64(seed ^ vlit_mix64(t));
    for (size_t b = 0; b * 64 < dim; b++) {
        uint64_t r = vlit_mix64(base + b);
        size_t m = dim - b * 64 < 64 ? dim - b * 64 : 64;
        float *yy = y + b * 64;
        size_t j = 0;
        for (; j + 8 <= m; j += 8) {
            const float *sg = sign_table[(r >> j) & 0xff];
            for (int k = 0; k < 8; k++)
                yy[j + (size_t)k] += w * sg[k];
        }
        for (; j < m; j++)
            yy[j] += (r >> j) & 1 ? -w : w;
    }
}

typedef struct tf_job {
    const vlit_text_set *s;
    const float *idf;
    const uint8_t *begin, *end; /* the documents of this job */
    float *out;                 /* their rows */
} tf_job;

static void *tf_run(void *arg)
{
    tf_job *j = arg;
    const vlit_text_set *s = j->s;
    size_t dim = s->p.dim;
    uint32_t *ids = NULL;
    float *w = NULL;
    size_t cap = 0;
    const uint8_t *p = j->begin;
    float *y = j->out;
    pthread_once(&sign_once, sign_init);
    while (p < j->end) {
        uint64_t terms = 0, id = 0, v = 0;
        p += em_get_varint(p, j->end, &terms);
        if (terms > cap) {
            free(ids);
            free(w);
            cap = terms;
            ids = malloc(cap * sizeof *ids);
            w = malloc(cap * sizeof *w);
            if (!ids || !w) {
                free(ids);
                free(w);
                return (void *)1;
            }
        }
        double norm = 0;
        for (uint64_t t = 0; t < terms; t++) {
            p += em_get_varint(p, j->end, &v);
            id += v;
            p += em_get_varint(p, j->end, &v);
            double x = (1.0 + log((double)v)) * (double)j->idf[id];
            ids[t] = (uint32_t)id;
            w[t] = (float)x;
            norm += x * x;
        }
        memset(y, 0, dim * sizeof *y);
        if (terms) {
            float inv = (float)(1.0 / sqrt(norm));
            for (uint64_t t = 0; t < terms; t++)
                project_term(y, dim, s->p.seed, ids[t], w[t] * inv);
            double yn = 0;
            for (size_t k = 0; k < dim; k++)
                yn += (double)y[k] * y[k];
            if (yn > 0) {
                double iy = 1.0 / sqrt(yn);
                for (size_t k = 0; k < dim; k++)
                    y[k] = (float)(y[k] * iy);
            }
        }
        y += dim;
    }
    free(ids);
    free(w);
    return NULL;
}

/* Skips one encoded document. */
static const uint8_t *skip_doc(const uint8_t *p, const uint8_t *end)
{
    uint64_t terms = 0, v = 0;
    p += em_get_varint(p, end, &terms);
    for (uint64_t t = 0; t < 2 * terms; t++)
        p += em_get_varint(p, end, &v);
    return p;
}

static vlit_status tfidf_vectors(vlit_text_set *s, float **out, vlit_error *err)
{
    size_t dim = s->p.dim, n = s->n_docs, nb = (size_t)1 << s->bits;
    if (n && dim > SIZE_MAX / sizeof(float) / n)
        return vlit_err(err, VLIT_ERR_LIMIT, "%zu x %zu values do not fit in memory", n, dim);
    float *y = malloc((n && dim ? n * dim : 1) * sizeof *y);
    float *idf = malloc(nb * sizeof *idf);
    if (!y || !idf) {
        free(y);
        free(idf);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory: %zu x %zu floats", n, dim);
    }
    /* smoothed idf, as scikit-learn's TfidfVectorizer(smooth_idf=True) */
    double lnn = log(1.0 + (double)n);
    for (size_t t = 0; t < nb; t++)
        idf[t] = s->df[t] ? (float)(lnn - log(1.0 + (double)s->df[t]) + 1.0) : 0.0f;
    /* two workers when there is enough to do: rows do not depend on each other */
    const uint8_t *begin = (const uint8_t *)s->docs.data, *end = begin + s->docs.len;
    int threads = s->p.threads > 1 ? (s->p.threads > 16 ? 16 : s->p.threads) : 1;
    if (n < 4096)
        threads = 1;
    tf_job jobs[16];
    pthread_t tid[16];
    const uint8_t *p = begin;
    size_t row = 0;
    for (int k = 0; k < threads; k++) {
        size_t stop = k == threads - 1 ? n : n * (size_t)(k + 1) / (size_t)threads;
        jobs[k] = (tf_job){s, idf, p, NULL, y + row * dim};
        for (; row < stop; row++)
            p = skip_doc(p, end);
        jobs[k].end = p;
    }
    int failed = 0, started = 0;
    for (int k = 1; k < threads; k++) {
        if (pthread_create(&tid[k], NULL, tf_run, &jobs[k]) != 0)
            break;
        started = k;
    }
    failed |= tf_run(&jobs[0]) != NULL;
    for (int k = started + 1; k < threads; k++) /* not started: run here */
        failed |= tf_run(&jobs[k]) != NULL;
    for (int k = 1; k <= started; k++) {
        void *r;
        pthread_join(tid[k], &r);
        failed |= r != NULL;
    }
    free(idf);
    if (failed) {
        free(y);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    *out = y;
    return VLIT_OK;
}

vlit_status vlit_text_set_embed(vlit_text_set *s, vlit_embed_result *out, vlit_error *err)
{
    memset(out, 0, sizeof *out);
    if (s->method == M_SERVER) {
        vlit_status st = em_server_embed(&s->p, 0, &s->rows, err);
        return st ? st : em_rows_result(&s->rows, 0, out, err);
    }
    size_t n = s->n_docs;
    float *y;
    vlit_status st = tfidf_vectors(s, &y, err);
    if (st)
        return st;
    out->data = y;
    out->rows = out->items = n;
    out->dim = s->p.dim;
    out->row_item = malloc((n ? n : 1) * sizeof *out->row_item);
    out->failed_item = malloc(sizeof *out->failed_item);
    out->failed_reason = malloc(sizeof *out->failed_reason);
    if (!out->row_item || !out->failed_item || !out->failed_reason) {
        vlit_embed_result_free(out);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        out->row_item[i] = i;
    return VLIT_OK;
}

vlit_status vlit_text_set_vectors(vlit_text_set *s, float **out, size_t *n, size_t *dim, vlit_error *err)
{
    *out = NULL;
    *n = *dim = 0;
    if (s->method == M_TFIDF) {
        vlit_status st = tfidf_vectors(s, out, err);
        if (!st) {
            *n = s->n_docs;
            *dim = s->p.dim;
        }
        return st;
    }
    vlit_embed_result r;
    vlit_status st = vlit_text_set_embed(s, &r, err);
    if (st)
        return st;
    if (r.failed) {
        st = vlit_err(err, VLIT_ERR_REMOTE, "%zu of %zu documents have no vector; document %zu: %s", r.failed,
                      r.items, r.failed_item[0], r.failed_reason[0]);
        vlit_embed_result_free(&r);
        return st;
    }
    *out = r.data;
    *n = r.rows;
    *dim = r.dim;
    r.data = NULL;
    vlit_embed_result_free(&r);
    return VLIT_OK;
}
