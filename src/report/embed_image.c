/* Image sets and the embedded image descriptor (vlit/embed.h; the
 * definition, with the reasons for each part, is in docs/embed.md).
 *
 * The descriptor of an image, VLIT_EMBED_IMAGE_DIM = 256 values:
 *  - the image, decoded reduced (vlit_image_load_small), is resampled to
 *    64 x 64 by area averaging (every source pixel weighted by the share of
 *    it an output pixel covers);
 *  - colour, 128 values: a soft HSV histogram of the 4096 pixels. A pixel's
 *    chroma weight a = min(1, S / 0.2) splits it between 8 grey bins (value,
 *    linear interpolation) with weight 1 - a and 120 colour bins (10 hue bins
 *    on the circle x 3 saturation x 4 value, trilinear) with weight a; the
 *    histogram is divided by its sum and square-rooted (so its L2 length is 1
 *    and cosines are Bhattacharyya coefficients);
 *  - texture, 128 values, gist-like: gradient energy by orientation on a
 *    4 x 4 grid at two scales (64 x 64 and its 2 x 2 average, 32 x 32):
 *    central differences of the luma (BT.601), the magnitude spread over 8
 *    orientation bins of [0, pi) by linear interpolation; then folded for
 *    horizontal flips: column c with orientation k is added to column 3 - c
 *    with orientation (8 - k) mod 8, leaving 2 x 4 x 2 x 8 values, divided
 *    by their sum and square-rooted (zero for a flat image);
 *  - both parts weighted 1/sqrt(2), the whole L2-normalised.
 * A horizontally flipped image has the same descriptor (up to float rounding). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/strmap.h"
#include "../io/image.h"
#include "embed_internal.h"

#define SIDE 64
#define COLOUR_DIM 128
#define TEXTURE_DIM 128
#define HUE_BINS 10
#define SAT_BINS 3
#define VAL_BINS 4
#define GREY_BINS 8
#define ORI 8
#define GRID 4
#define PI 3.14159265358979323846
#define DESCRIPTOR_CONFIG "descriptor v1 dim=256"

#if COLOUR_DIM + TEXTURE_DIM != VLIT_EMBED_IMAGE_DIM || GREY_BINS + HUE_BINS * SAT_BINS * VAL_BINS != COLOUR_DIM
#error "descriptor sizes"
#endif

enum { M_DESCRIPTOR = 0, M_SERVER = 1 };

/* ---- the descriptor --------------------------------------------------------------- */

/* Area resampling of n source samples (stride apart) to m outputs. */
static void resample_line(const float *src, size_t n, size_t stride, float *dst, size_t m, size_t dstride)
{
    double scale = (double)n / (double)m;
    for (size_t o = 0; o < m; o++) {
        double a = (double)o * scale, b = (double)(o + 1) * scale, sum = 0;
        size_t i0 = (size_t)a, i1 = (size_t)ceil(b);
        if (i1 > n)
            i1 = n;
        for (size_t i = i0; i < i1; i++) {
            double lo = i > a ? (double)i : a, hi = (double)(i + 1) < b ? (double)(i + 1) : b;
            if (hi > lo)
                sum += (hi - lo) * src[i * stride];
        }
        dst[o * dstride] = (float)(sum / scale);
    }
}

/* Soft bin of x in [0, bins) with centres at i + 0.5: lower bin and weight of the upper. */
static void soft_bin(double pos, int bins, int circular, int *lo, double *frac)
{
    pos -= 0.5;
    if (circular) {
        double f = floor(pos);
        *frac = pos - f;
        int k = (int)f % bins;
        *lo = k < 0 ? k + bins : k;
        return;
    }
    if (pos <= 0) {
        *lo = 0;
        *frac = 0;
    } else if (pos >= bins - 1) {
        *lo = bins - 1;
        *frac = 0;
    } else {
        *lo = (int)pos;
        *frac = pos - *lo;
    }
}

static void colour_part(const float *rgb, double *h)
{
    memset(h, 0, COLOUR_DIM * sizeof *h);
    for (size_t i = 0; i < SIDE * SIDE; i++) {
        double r = rgb[3 * i] / 255.0, g = rgb[3 * i + 1] / 255.0, b = rgb[3 * i + 2] / 255.0;
        double mx = fmax(r, fmax(g, b)), mn = fmin(r, fmin(g, b)), c = mx - mn;
        double v = mx, s = mx > 0 ? c / mx : 0, hue = 0;
        if (c > 0) {
            if (mx == r)
                hue = fmod((g - b) / c + 6.0, 6.0);
            else if (mx == g)
                hue = (b - r) / c + 2.0;
            else
                hue = (r - g) / c + 4.0;
        }
        double a = s / 0.2 < 1 ? s / 0.2 : 1;
        int lo;
        double fr;
        if (a < 1) {
            soft_bin(v * GREY_BINS, GREY_BINS, 0, &lo, &fr);
            h[lo] += (1 - a) * (1 - fr);
            if (fr > 0)
                h[lo + 1] += (1 - a) * fr;
        }
        if (a > 0) {
            int hl, sl, vl;
            double hf, sf, vf;
            soft_bin(hue / 6.0 * HUE_BINS, HUE_BINS, 1, &hl, &hf);
            soft_bin(s * SAT_BINS, SAT_BINS, 0, &sl, &sf);
            soft_bin(v * VAL_BINS, VAL_BINS, 0, &vl, &vf);
            for (int dh = 0; dh < 2; dh++)
                for (int ds = 0; ds < 2; ds++)
                    for (int dv = 0; dv < 2; dv++) {
                        double w = a * (dh ? hf : 1 - hf) * (ds ? sf : 1 - sf) * (dv ? vf : 1 - vf);
                        if (w <= 0)
                            continue;
                        int hb = (hl + dh) % HUE_BINS, sb = sl + ds, vb = vl + dv;
                        h[GREY_BINS + (hb * SAT_BINS + sb) * VAL_BINS + vb] += w;
                    }
        }
    }
}

/* Oriented gradient energy of an n x n luma image into e[GRID][GRID][ORI]. */
static void gradient_energy(const float *y, int n, double *e)
{
    memset(e, 0, GRID * GRID * ORI * sizeof *e);
    int cell = n / GRID;
    for (int r = 1; r < n - 1; r++)
        for (int c = 1; c < n - 1; c++) {
            double gx = (double)y[r * n + c + 1] - y[r * n + c - 1];
            double gy = (double)y[(r + 1) * n + c] - y[(r - 1) * n + c];
            double m = sqrt(gx * gx + gy * gy);
            if (m <= 0)
                continue;
            double th = atan2(gy, gx);
            if (th < 0)
                th += PI;
            if (th >= PI)
                th -= PI;
            double pos = th / (PI / ORI); /* bin k centred at k pi / ORI */
            int k = (int)pos;
            double f = pos - k;
            k %= ORI;
            double *cellv = e + ((size_t)(r / cell) * GRID + (size_t)(c / cell)) * ORI;
            cellv[k] += m * (1 - f);
            cellv[(k + 1) % ORI] += m * f;
        }
}

static void texture_part(const float *rgb, double *t)
{
    float *ya = malloc(sizeof(float) * SIDE * SIDE);
    float *yb = malloc(sizeof(float) * (SIDE / 2) * (SIDE / 2));
    double e[GRID * GRID * ORI];
    memset(t, 0, TEXTURE_DIM * sizeof *t);
    if (!ya || !yb) {
        free(ya);
        free(yb);
        return;
    }
    for (size_t i = 0; i < SIDE * SIDE; i++)
        ya[i] = 0.299f * rgb[3 * i] + 0.587f * rgb[3 * i + 1] + 0.114f * rgb[3 * i + 2];
    for (int r = 0; r < SIDE / 2; r++)
        for (int c = 0; c < SIDE / 2; c++)
            yb[r * (SIDE / 2) + c] = 0.25f * (ya[2 * r * SIDE + 2 * c] + ya[2 * r * SIDE + 2 * c + 1] +
                                              ya[(2 * r + 1) * SIDE + 2 * c] + ya[(2 * r + 1) * SIDE + 2 * c + 1]);
    for (int scale = 0; scale < 2; scale++) {
        gradient_energy(scale ? yb : ya, scale ? SIDE / 2 : SIDE, e);
        for (int r = 0; r < GRID; r++)
            for (int cp = 0; cp < GRID / 2; cp++)
                for (int k = 0; k < ORI; k++) {
                    int mk = (ORI - k) % ORI;
                    double v = e[(r * GRID + cp) * ORI + k] + e[(r * GRID + (GRID - 1 - cp)) * ORI + mk];
                    t[((scale * GRID + r) * (GRID / 2) + cp) * ORI + k] = v;
                }
    }
    free(ya);
    free(yb);
}

/* Divides by the sum and takes square roots: a unit-length vector (or zero). */
static void hellinger(double *v, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    for (size_t i = 0; i < n; i++)
        v[i] = sum > 0 ? sqrt(v[i] / sum) : 0;
}

vlit_status vlit_image_descriptor(const uint8_t *pixels, int width, int height, int channels, float *out,
                                  vlit_error *err)
{
    if (!pixels || width < 1 || height < 1 || (channels != 1 && channels != 3))
        return vlit_err(err, VLIT_ERR_USAGE, "image descriptor: %dx%d pixels with %d channels", width, height,
                        channels);
    size_t w = (size_t)width, h = (size_t)height;
    float *src = malloc(w * h * 3 * sizeof *src);
    float *mid = malloc(SIDE * h * 3 * sizeof *mid);
    float *rgb = malloc(SIDE * SIDE * 3 * sizeof *rgb);
    if (!src || !mid || !rgb) {
        free(src);
        free(mid);
        free(rgb);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < w * h; i++)
        for (int k = 0; k < 3; k++)
            src[3 * i + (size_t)k] = pixels[i * (size_t)channels + (channels == 3 ? (size_t)k : 0)];
    for (size_t r = 0; r < h; r++) /* rows: w -> SIDE */
        for (int k = 0; k < 3; k++)
            resample_line(src + r * w * 3 + k, w, 3, mid + r * SIDE * 3 + k, SIDE, 3);
    for (size_t c = 0; c < SIDE; c++) /* columns: h -> SIDE */
        for (int k = 0; k < 3; k++)
            resample_line(mid + c * 3 + k, h, SIDE * 3, rgb + c * 3 + k, SIDE, SIDE * 3);
    double col[COLOUR_DIM], tex[TEXTURE_DIM];
    colour_part(rgb, col);
    texture_part(rgb, tex);
    hellinger(col, COLOUR_DIM);
    hellinger(tex, TEXTURE_DIM);
    double norm = 0;
    for (size_t i = 0; i < COLOUR_DIM; i++)
        norm += col[i] * col[i];
    for (size_t i = 0; i < TEXTURE_DIM; i++)
        norm += tex[i] * tex[i];
    double inv = norm > 0 ? 1.0 / sqrt(norm) : 0; /* the 1/sqrt(2) weights cancel in this division */
    for (size_t i = 0; i < COLOUR_DIM; i++)
        out[i] = (float)(col[i] * inv);
    for (size_t i = 0; i < TEXTURE_DIM; i++)
        out[COLOUR_DIM + i] = (float)(tex[i] * inv);
    free(src);
    free(mid);
    free(rgb);
    return VLIT_OK;
}

/* ---- the set ---------------------------------------------------------------------- */

struct vlit_image_set {
    vlit_embed_params p;
    char *url, *model, *store, *key, *root;
    int method;
    vlit_strmap seen; /* path -> item */
    em_rows rows;
};

vlit_status vlit_image_set_new(const vlit_embed_params *params, vlit_image_set **out, vlit_error *err)
{
    *out = NULL;
    vlit_embed_params p = params ? *params : vlit_embed_default_params();
    int method;
    if (!p.method || strcmp(p.method, "descriptor") == 0)
        method = M_DESCRIPTOR;
    else if (strcmp(p.method, "server") == 0)
        method = M_SERVER;
    else
        return vlit_err(err, VLIT_ERR_USAGE, "image embedding method \"%.40s\": known are descriptor and server",
                        p.method);
    if (method == M_SERVER && (!p.url || !*p.url || !p.model || !*p.model))
        return vlit_err(err, VLIT_ERR_USAGE, "the server method needs a URL and a model");
    vlit_image_set *s = calloc(1, sizeof *s);
    if (!s)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    s->method = method;
    vlit_strmap_init(&s->seen);
    int bad = 0;
#define DUP(dst, src)                                                                                                  \
    do {                                                                                                               \
        if (src && !(dst = strdup(src)))                                                                               \
            bad = 1;                                                                                                   \
    } while (0)
    DUP(s->url, p.url);
    DUP(s->model, p.model);
    DUP(s->store, p.store_path);
    DUP(s->key, p.api_key);
    DUP(s->root, p.image_root);
#undef DUP
    p.url = s->url;
    p.model = s->model;
    p.store_path = s->store;
    p.api_key = s->key;
    p.image_root = s->root;
    p.stopwords = NULL;
    p.method = method == M_DESCRIPTOR ? "descriptor" : "server";
    s->p = p;
    if (bad) {
        vlit_image_set_free(s);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    *out = s;
    return VLIT_OK;
}

void vlit_image_set_free(vlit_image_set *s)
{
    if (!s)
        return;
    vlit_strmap_free(&s->seen);
    em_rows_free(&s->rows);
    free(s->url);
    free(s->model);
    free(s->store);
    if (s->key) {
        memset(s->key, 0, strlen(s->key));
        free(s->key);
    }
    free(s->root);
    free(s);
}

size_t vlit_image_set_count(const vlit_image_set *s)
{
    return s->rows.n;
}

/* Adds path unless known; *fresh says which, *at is its item. */
static vlit_status add_path(vlit_image_set *s, const char *path, size_t len, int *fresh, size_t *at, vlit_error *err)
{
    if (s->rows.n >= UINT32_MAX)
        return vlit_err(err, VLIT_ERR_LIMIT, "more than %u images", UINT32_MAX);
    int inserted;
    uint32_t *slot = vlit_strmap_put(&s->seen, path, len, (uint32_t)s->rows.n, &inserted, NULL);
    if (!slot)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    *fresh = inserted;
    if (!inserted) {
        *at = *slot;
        return VLIT_OK;
    }
    return em_rows_push(&s->rows, path, len, at, err);
}

vlit_status vlit_image_set_add(vlit_image_set *s, const char *path, vlit_error *err)
{
    if (!path || !*path)
        return vlit_err(err, VLIT_ERR_USAGE, "an empty image path");
    int fresh;
    size_t at;
    return add_path(s, path, strlen(path), &fresh, &at, err);
}

/* root/path, or path when it is absolute or there is no root; malloc'ed. */
static char *full_path(const char *root, const char *path)
{
    if (!root || !*root || path[0] == '/')
        return strdup(path);
    size_t n = strlen(root) + strlen(path) + 2;
    char *f = malloc(n);
    if (f)
        snprintf(f, n, "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", path);
    return f;
}

typedef struct desc_job {
    vlit_image_set *s;
    size_t *todo, n;
    size_t next;
    pthread_mutex_t lock;
    float *vecs;       /* n x VLIT_EMBED_IMAGE_DIM */
    char (*why)[EM_REASON_MAX];
    uint8_t *ok;
} desc_job;

static void *desc_run(void *arg)
{
    desc_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t k = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (k >= j->n)
            break;
        const char *path = j->s->rows.key[j->todo[k]];
        char *full = full_path(j->s->p.image_root, path);
        vlit_error e = {0};
        vlit_image img = {0};
        vlit_status st = full ? vlit_image_load_small(full, &img, &e) : vlit_err(&e, VLIT_ERR_NOMEM, "out of memory");
        if (!st)
            st = vlit_image_descriptor(img.pixels, img.width, img.height, img.channels,
                                       j->vecs + k * VLIT_EMBED_IMAGE_DIM, &e);
        vlit_image_free(&img);
        free(full);
        j->ok[k] = st == VLIT_OK;
        if (st)
            snprintf(j->why[k], EM_REASON_MAX, "%.500s", e.message);
    }
    return NULL;
}

static vlit_status embed_pending(vlit_image_set *s, vlit_error *err)
{
    if (s->method == M_SERVER)
        return em_server_embed(&s->p, 1, &s->rows, err);
    size_t n = 0;
    for (size_t i = 0; i < s->rows.n; i++)
        n += s->rows.state[i] == EM_PENDING;
    if (!n)
        return VLIT_OK;
    /* in chunks, so that the scratch stays small however many images there are */
    size_t chunk = 4096;
    desc_job j;
    memset(&j, 0, sizeof j);
    j.s = s;
    j.todo = malloc(chunk * sizeof *j.todo);
    j.vecs = malloc(chunk * VLIT_EMBED_IMAGE_DIM * sizeof *j.vecs);
    j.why = malloc(chunk * sizeof *j.why);
    j.ok = malloc(chunk);
    vlit_status st = VLIT_OK;
    if (!j.todo || !j.vecs || !j.why || !j.ok)
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&j.lock, NULL);
    int threads = s->p.threads > 1 ? (s->p.threads > 64 ? 64 : s->p.threads) : 1;
    size_t i = 0;
    while (!st && i < s->rows.n) {
        j.n = j.next = 0;
        for (; i < s->rows.n && j.n < chunk; i++)
            if (s->rows.state[i] == EM_PENDING)
                j.todo[j.n++] = i;
        pthread_t tid[64];
        int started = 0;
        for (int t = 1; t < threads && (size_t)t < j.n; t++) {
            if (pthread_create(&tid[t], NULL, desc_run, &j) != 0)
                break;
            started = t;
        }
        desc_run(&j);
        for (int t = 1; t <= started; t++)
            pthread_join(tid[t], NULL);
        for (size_t k = 0; k < j.n && !st; k++)
            st = j.ok[k] ? em_rows_set_vec(&s->rows, j.todo[k], j.vecs + k * VLIT_EMBED_IMAGE_DIM,
                                           VLIT_EMBED_IMAGE_DIM, err)
                         : em_rows_set_failed(&s->rows, j.todo[k], j.why[k], err);
    }
    pthread_mutex_destroy(&j.lock);
    free(j.todo);
    free(j.vecs);
    free(j.why);
    free(j.ok);
    return st;
}

static vlit_status config_of(const vlit_image_set *s, vlit_buf *b)
{
    if (s->method == M_SERVER)
        return em_server_config(&s->p, 1, b);
    return vlit_buf_puts(b, DESCRIPTOR_CONFIG);
}

vlit_status vlit_image_set_write_partial(vlit_image_set *s, const char *path, vlit_error *err)
{
    vlit_status st = embed_pending(s, err);
    vlit_buf cfg = VLIT_BUF_INIT;
    if (!st && config_of(s, &cfg))
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (!st)
        st = em_write_rows(path, cfg.data, 1, &s->rows, err);
    vlit_buf_free(&cfg);
    return st;
}

vlit_status vlit_image_set_add_partial(vlit_image_set *s, const char *path, vlit_error *err)
{
    uint8_t *data;
    size_t len;
    vlit_status st = em_slurp(path, &data, &len, err);
    if (st)
        return st;
    char *cfg = NULL;
    int images = 0;
    em_rows got = {0};
    vlit_buf want = VLIT_BUF_INIT;
    st = em_parse_rows(data, len, path, &cfg, &images, &got, err);
    free(data);
    if (!st && config_of(s, &want))
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (!st && (!images || strcmp(cfg, want.data) != 0))
        st = vlit_err(err, VLIT_ERR_USAGE, "%s: a partial of \"%s\", not of \"%s\"", path, images ? cfg : "texts",
                      want.data);
    if (!st && got.dim && s->rows.dim && got.dim != s->rows.dim)
        st = vlit_err(err, VLIT_ERR_DATA, "%s: vectors of dimension %zu, the set's have %zu", path, got.dim,
                      s->rows.dim);
    for (size_t i = 0; i < got.n && !st; i++) {
        int fresh;
        size_t at;
        st = add_path(s, got.key[i], got.key_len[i], &fresh, &at, err);
        if (st || (!fresh && s->rows.state[at] != EM_PENDING))
            continue; /* an image of an earlier shard: its first row stands */
        st = got.state[i] == EM_OK ? em_rows_set_vec(&s->rows, at, got.vec[i], got.dim, err)
                                   : em_rows_set_failed(&s->rows, at, got.reason[i], err);
    }
    free(cfg);
    em_rows_free(&got);
    vlit_buf_free(&want);
    return st;
}

vlit_status vlit_image_set_vectors(vlit_image_set *s, vlit_embed_result *out, vlit_error *err)
{
    memset(out, 0, sizeof *out);
    vlit_status st = embed_pending(s, err);
    return st ? st : em_rows_result(&s->rows, 1, out, err);
}
