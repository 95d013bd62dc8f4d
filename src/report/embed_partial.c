/* Shard partials of the embedding sets (format in docs/embed.md), and the
 * em_rows bookkeeping they carry. Everything is little-endian; a file ends
 * with the 64-bit FNV-1a hash of all bytes before it, so a truncated or
 * damaged partial is refused instead of merged. Readers take any bytes and
 * never read past the end. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "embed_internal.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define KEY_MAX ((size_t)1 << 26) /* 64 MiB: the longest text or path in a partial */

/* ---- rows ------------------------------------------------------------------------- */

vlit_status em_rows_push(em_rows *r, const char *key, size_t len, size_t *at, vlit_error *err)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        uint8_t *st = realloc(r->state, cap);
        if (st)
            r->state = st;
        char **k = realloc(r->key, cap * sizeof *k);
        if (k)
            r->key = k;
        size_t *kl = realloc(r->key_len, cap * sizeof *kl);
        if (kl)
            r->key_len = kl;
        float **v = realloc(r->vec, cap * sizeof *v);
        if (v)
            r->vec = v;
        char **why = realloc(r->reason, cap * sizeof *why);
        if (why)
            r->reason = why;
        if (!st || !k || !kl || !v || !why)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        r->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    memcpy(copy, key, len);
    copy[len] = '\0';
    size_t i = r->n++;
    r->state[i] = EM_PENDING;
    r->key[i] = copy;
    r->key_len[i] = len;
    r->vec[i] = NULL;
    r->reason[i] = NULL;
    if (at)
        *at = i;
    return VLIT_OK;
}

vlit_status em_rows_set_vec(em_rows *r, size_t i, const float *v, size_t dim, vlit_error *err)
{
    if (r->dim == 0)
        r->dim = dim;
    if (dim != r->dim)
        return vlit_err(err, VLIT_ERR_DATA, "a vector of dimension %zu among vectors of dimension %zu", dim, r->dim);
    float *copy = malloc(dim * sizeof *copy);
    if (!copy)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    memcpy(copy, v, dim * sizeof *copy);
    free(r->vec[i]);
    free(r->reason[i]);
    r->reason[i] = NULL;
    r->vec[i] = copy;
    r->state[i] = EM_OK;
    return VLIT_OK;
}

vlit_status em_rows_set_failed(em_rows *r, size_t i, const char *why, vlit_error *err)
{
    size_t len = strlen(why);
    if (len >= EM_REASON_MAX)
        len = EM_REASON_MAX - 1;
    char *copy = malloc(len + 1);
    if (!copy)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    memcpy(copy, why, len);
    copy[len] = '\0';
    for (char *p = copy; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    free(r->vec[i]);
    free(r->reason[i]);
    r->vec[i] = NULL;
    r->reason[i] = copy;
    r->state[i] = EM_FAILED;
    return VLIT_OK;
}

void em_rows_free(em_rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->key[i]);
        free(r->vec[i]);
        free(r->reason[i]);
    }
    free(r->state);
    free(r->key);
    free(r->key_len);
    free(r->vec);
    free(r->reason);
    memset(r, 0, sizeof *r);
}

vlit_status em_rows_result(const em_rows *r, int paths, vlit_embed_result *out, vlit_error *err)
{
    memset(out, 0, sizeof *out);
    size_t ok = 0;
    for (size_t i = 0; i < r->n; i++)
        ok += r->state[i] == EM_OK;
    size_t nf = r->n - ok, dim = ok ? r->dim : 0;
    out->items = r->n;
    out->dim = dim;
    out->data = malloc((ok && dim ? ok * dim : 1) * sizeof *out->data);
    out->row_item = malloc((ok ? ok : 1) * sizeof *out->row_item);
    out->failed_item = malloc((nf ? nf : 1) * sizeof *out->failed_item);
    out->failed_reason = calloc(nf ? nf : 1, sizeof *out->failed_reason);
    if (paths)
        out->paths = calloc(r->n ? r->n : 1, sizeof *out->paths);
    if (!out->data || !out->row_item || !out->failed_item || !out->failed_reason || (paths && !out->paths))
        goto nomem;
    for (size_t i = 0; i < r->n; i++) {
        if (paths && !(out->paths[i] = strdup(r->key[i])))
            goto nomem;
        if (r->state[i] == EM_OK) {
            memcpy(out->data + out->rows * dim, r->vec[i], dim * sizeof(float));
            out->row_item[out->rows++] = i;
        } else {
            const char *why = r->state[i] == EM_FAILED && r->reason[i] ? r->reason[i] : "not embedded";
            out->failed_item[out->failed] = i;
            if (!(out->failed_reason[out->failed++] = strdup(why)))
                goto nomem;
        }
    }
    return VLIT_OK;
nomem:
    vlit_embed_result_free(out);
    return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
}

void vlit_embed_result_free(vlit_embed_result *r)
{
    if (!r)
        return;
    if (r->paths)
        for (size_t i = 0; i < r->items; i++)
            free(r->paths[i]);
    if (r->failed_reason)
        for (size_t i = 0; i < r->failed; i++)
            free(r->failed_reason[i]);
    free(r->data);
    free(r->row_item);
    free(r->paths);
    free(r->failed_item);
    free(r->failed_reason);
    memset(r, 0, sizeof *r);
}

/* ---- writing ---------------------------------------------------------------------- */

typedef struct writer {
    FILE *fp;
    uint64_t hash;
} writer;

static void w_bytes(writer *w, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        w->hash = (w->hash ^ b[i]) * FNV_PRIME;
    fwrite(p, 1, n, w->fp);
}

static void w_u32(writer *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    w_bytes(w, b, 4);
}

static void w_u64(writer *w, uint64_t v)
{
    w_u32(w, (uint32_t)v);
    w_u32(w, (uint32_t)(v >> 32));
}

static void w_f32(writer *w, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    w_u32(w, v);
}

static vlit_status w_open(const char *path, vlit_output **o, writer *w, vlit_error *err)
{
    vlit_status st = vlit_output_open(path, o, err);
    if (st)
        return st;
    w->fp = vlit_output_file(*o);
    w->hash = FNV_OFFSET;
    return VLIT_OK;
}

static vlit_status w_close(const char *path, vlit_output *o, writer *w, vlit_error *err)
{
    uint64_t h = w->hash;
    w_u64(w, h);
    if (ferror(w->fp)) {
        vlit_output_abort(o);
        return vlit_err(err, VLIT_ERR_IO, "%s: write error", path);
    }
    return vlit_output_commit(o, err);
}

vlit_status em_write_tfidf(const char *path, unsigned hash_bits, uint64_t fingerprint, uint64_t n, const void *docs,
                           size_t docs_len, vlit_error *err)
{
    vlit_output *o;
    writer w;
    vlit_status st = w_open(path, &o, &w, err);
    if (st)
        return st;
    w_bytes(&w, EM_MAGIC_TFIDF, 8);
    w_u32(&w, hash_bits);
    w_u32(&w, 0);
    w_u64(&w, fingerprint);
    w_u64(&w, n);
    w_u64(&w, docs_len);
    w_bytes(&w, docs, docs_len);
    return w_close(path, o, &w, err);
}

vlit_status em_write_rows(const char *path, const char *config, int images, const em_rows *r, vlit_error *err)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->state[i] == EM_PENDING)
            return vlit_err(err, VLIT_ERR_USAGE, "%s: item %zu is not embedded yet", path, i);
    vlit_output *o;
    writer w;
    vlit_status st = w_open(path, &o, &w, err);
    if (st)
        return st;
    size_t clen = strlen(config);
    w_bytes(&w, EM_MAGIC_ROWS, 8);
    w_u32(&w, images ? 1u : 0u);
    w_u32(&w, (uint32_t)clen);
    w_bytes(&w, config, clen);
    w_u64(&w, r->n);
    w_u64(&w, r->dim);
    for (size_t i = 0; i < r->n; i++) {
        uint8_t s = r->state[i];
        w_bytes(&w, &s, 1);
        w_u32(&w, (uint32_t)r->key_len[i]);
        w_bytes(&w, r->key[i], r->key_len[i]);
        if (s == EM_OK) {
            for (size_t j = 0; j < r->dim; j++)
                w_f32(&w, r->vec[i][j]);
        } else {
            size_t len = strlen(r->reason[i]);
            w_u32(&w, (uint32_t)len);
            w_bytes(&w, r->reason[i], len);
        }
    }
    return w_close(path, o, &w, err);
}

/* ---- reading ---------------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *base, *p, *end;
    const char *name;
    vlit_error *err;
} reader;

static vlit_status r_fail(reader *r, const char *what)
{
    return vlit_err(r->err, VLIT_ERR_PARSE, "%s: byte %zu: %s", r->name, (size_t)(r->p - r->base), what);
}

static int r_need(reader *r, size_t n)
{
    return (size_t)(r->end - r->p) >= n;
}

static uint32_t r_u32(reader *r)
{
    const uint8_t *b = r->p;
    r->p += 4;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t r_u64(reader *r)
{
    uint64_t lo = r_u32(r);
    return lo | (uint64_t)r_u32(r) << 32;
}

/* Checks the trailing hash and the magic; leaves r->end before the hash. */
static vlit_status r_begin(reader *r, const uint8_t *data, size_t len, const char *name, const char *magic,
                           vlit_error *err)
{
    r->base = r->p = data;
    r->end = data + len;
    r->name = name;
    r->err = err;
    if (len < 16 || memcmp(data, magic, 8) != 0) {
        if (len >= 8 && memcmp(data, "VLITEM", 6) == 0)
            return r_fail(r, memcmp(magic, EM_MAGIC_TFIDF, 8) == 0
                                 ? "a partial of another method (rows of vectors, not TF-IDF documents)"
                                 : "a partial of another method (TF-IDF documents, not rows of vectors)");
        return r_fail(r, "not a vlit embedding partial (bad magic)");
    }
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i + 8 < len; i++)
        h = (h ^ data[i]) * FNV_PRIME;
    r->p = data + len - 8;
    uint64_t stored = r_u64(r);
    r->p = data;
    if (h != stored) {
        r->p = data + len - 8;
        return r_fail(r, "checksum mismatch: the file is truncated or damaged");
    }
    r->end = data + len - 8;
    r->p = data + 8;
    return VLIT_OK;
}

vlit_status em_parse_tfidf(const uint8_t *data, size_t len, const char *name, unsigned *hash_bits,
                           uint64_t *fingerprint, uint64_t *n, const uint8_t **docs, size_t *docs_len,
                           vlit_error *err)
{
    reader r;
    vlit_status st = r_begin(&r, data, len, name, EM_MAGIC_TFIDF, err);
    if (st)
        return st;
    if (!r_need(&r, 32))
        return r_fail(&r, "header cut short");
    uint32_t bits = r_u32(&r), reserved = r_u32(&r);
    if (bits < 8 || bits > 30)
        return r_fail(&r, "hash bits outside 8..30");
    if (reserved != 0)
        return r_fail(&r, "reserved field is not 0");
    *fingerprint = r_u64(&r);
    uint64_t count = r_u64(&r), dlen = r_u64(&r);
    if (dlen != (uint64_t)(r.end - r.p))
        return r_fail(&r, "document bytes do not match the file's size");
    const uint8_t *p = r.p;
    for (uint64_t d = 0; d < count; d++) {
        uint64_t terms, id = 0, v;
        size_t k = em_get_varint(p, r.end, &terms);
        char what[96];
        if (!k || terms > (1ull << bits)) {
            r.p = p;
            snprintf(what, sizeof what, "document %llu: bad term count", (unsigned long long)d);
            return r_fail(&r, what);
        }
        p += k;
        for (uint64_t t = 0; t < terms; t++) {
            k = em_get_varint(p, r.end, &v);
            if (!k || (t > 0 && v == 0) || v >= (1ull << bits) || id + v >= (1ull << bits)) {
                r.p = p;
                snprintf(what, sizeof what, "document %llu, term %llu: bad term id", (unsigned long long)d,
                         (unsigned long long)t);
                return r_fail(&r, what);
            }
            id += v;
            p += k;
            k = em_get_varint(p, r.end, &v);
            if (!k || v == 0 || v > UINT32_MAX) {
                r.p = p;
                snprintf(what, sizeof what, "document %llu, term %llu: bad count", (unsigned long long)d,
                         (unsigned long long)t);
                return r_fail(&r, what);
            }
            p += k;
        }
    }
    if (p != r.end) {
        r.p = p;
        return r_fail(&r, "bytes after the last document");
    }
    *hash_bits = bits;
    *n = count;
    *docs = r.base + 40;
    *docs_len = (size_t)dlen;
    return VLIT_OK;
}

vlit_status em_parse_rows(const uint8_t *data, size_t len, const char *name, char **config, int *images, em_rows *out,
                          vlit_error *err)
{
    *config = NULL;
    reader r;
    vlit_status st = r_begin(&r, data, len, name, EM_MAGIC_ROWS, err);
    if (st)
        return st;
    if (!r_need(&r, 8))
        return r_fail(&r, "header cut short");
    uint32_t img = r_u32(&r), clen = r_u32(&r);
    if (img > 1)
        return r_fail(&r, "kind is neither text (0) nor image (1)");
    if (clen > 4096 || !r_need(&r, clen))
        return r_fail(&r, "configuration string too long or cut short");
    if (memchr(r.p, 0, clen))
        return r_fail(&r, "configuration string holds a NUL byte");
    char *cfg = malloc(clen + 1);
    if (!cfg)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    memcpy(cfg, r.p, clen);
    cfg[clen] = '\0';
    r.p += clen;
    if (!r_need(&r, 16)) {
        free(cfg);
        return r_fail(&r, "header cut short");
    }
    uint64_t n = r_u64(&r), dim = r_u64(&r);
    if (dim > 65536) {
        free(cfg);
        return r_fail(&r, "dimension above 65536");
    }
    float *vec = malloc((dim ? dim : 1) * sizeof *vec);
    char what[128];
    if (!vec) {
        free(cfg);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    for (uint64_t i = 0; i < n && !st; i++) {
        if (!r_need(&r, 5)) {
            snprintf(what, sizeof what, "item %llu cut short", (unsigned long long)i);
            st = r_fail(&r, what);
            break;
        }
        uint8_t s = *r.p++;
        uint32_t klen = r_u32(&r);
        if (s != EM_OK && s != EM_FAILED) {
            snprintf(what, sizeof what, "item %llu: state %u is neither 1 (ok) nor 2 (failed)", (unsigned long long)i,
                     s);
            st = r_fail(&r, what);
            break;
        }
        if (klen > KEY_MAX || !r_need(&r, klen) || memchr(r.p, 0, klen)) {
            snprintf(what, sizeof what, "item %llu: key too long, cut short or holding a NUL byte",
                     (unsigned long long)i);
            st = r_fail(&r, what);
            break;
        }
        if (img && klen == 0) {
            snprintf(what, sizeof what, "item %llu: an image without a path", (unsigned long long)i);
            st = r_fail(&r, what);
            break;
        }
        size_t at;
        if ((st = em_rows_push(out, (const char *)r.p, klen, &at, err)))
            break;
        r.p += klen;
        if (s == EM_OK) {
            if (dim == 0 || !r_need(&r, (size_t)dim * 4)) {
                snprintf(what, sizeof what, "item %llu: vector missing or cut short", (unsigned long long)i);
                st = r_fail(&r, what);
                break;
            }
            for (size_t j = 0; j < dim; j++) {
                uint32_t u = r_u32(&r);
                memcpy(&vec[j], &u, 4);
                if (!isfinite(vec[j])) {
                    r.p -= 4;
                    snprintf(what, sizeof what, "item %llu: value %zu is not finite", (unsigned long long)i, j);
                    st = r_fail(&r, what);
                    break;
                }
            }
            if (!st)
                st = em_rows_set_vec(out, at, vec, (size_t)dim, err);
        } else {
            uint32_t wl = r_need(&r, 4) ? r_u32(&r) : UINT32_MAX;
            if (wl >= EM_REASON_MAX || !r_need(&r, wl) || memchr(r.p, 0, wl)) {
                snprintf(what, sizeof what, "item %llu: failure reason too long or cut short", (unsigned long long)i);
                st = r_fail(&r, what);
                break;
            }
            char why[EM_REASON_MAX];
            memcpy(why, r.p, wl);
            why[wl] = '\0';
            r.p += wl;
            st = em_rows_set_failed(out, at, why, err);
        }
    }
    free(vec);
    if (!st && r.p != r.end)
        st = r_fail(&r, "bytes after the last item");
    if (st) {
        free(cfg);
        em_rows_free(out);
        return st;
    }
    out->dim = (size_t)dim;
    *config = cfg;
    *images = (int)img;
    return VLIT_OK;
}

vlit_status em_slurp(const char *path, uint8_t **data, size_t *len, vlit_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return vlit_err(err, VLIT_ERR_IO, "%s: not a regular file", path);
    }
    if ((unsigned long long)sb.st_size > (1ull << 40)) {
        fclose(fp);
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: larger than 1 TiB", path);
    }
    size_t n = (size_t)sb.st_size;
    uint8_t *d = malloc(n ? n : 1);
    if (!d) {
        fclose(fp);
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t got = fread(d, 1, n, fp);
    int bad = ferror(fp);
    fclose(fp);
    if (bad || got != n) {
        free(d);
        return vlit_err(err, VLIT_ERR_IO, "%s: read error", path);
    }
    *data = d;
    *len = n;
    return VLIT_OK;
}
