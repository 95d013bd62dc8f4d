/* NIQE features: MSCN coefficients, generalised Gaussian fits per patch, at
 * two scales. The image is double (0-255) because the local variance
 * E[I^2] - mu^2 loses everything in single precision on flat regions
 * (65025 * 2^-24 is already 0.004); the MSCN coefficients themselves are
 * stored as float (|x| < ~20, 7 digits are plenty) and their moments are
 * summed in double. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "niqe.h"

#define RADIUS 3 /* 7x7 window */

/* fspecial('gaussian', 7, 7/6) is the outer product of this normalised
 * 1-D kernel with itself, so two 7-tap passes give the same local mean. */
static void gauss_kernel(double g[2 * RADIUS + 1])
{
    const double sigma = 7.0 / 6.0;
    double sum = 0;
    for (int k = -RADIUS; k <= RADIUS; k++)
        sum += g[k + RADIUS] = exp(-(double)(k * k) / (2 * sigma * sigma));
    for (int k = 0; k < 2 * RADIUS + 1; k++)
        g[k] /= sum;
}

static void *grow(void *old, size_t n, size_t size, int *fail)
{
    free(old);
    void *p = malloc(n * size);
    if (!p)
        *fail = 1;
    return p;
}

vlit_status niqe_workspace_reserve(vlit_iqa_workspace *ws, int w, int h, size_t patches, vlit_error *err)
{
    int fail = 0;
    size_t pixels = (size_t)w * (size_t)h;
    if (pixels > ws->cap) {
        ws->img = grow(ws->img, pixels, sizeof *ws->img, &fail);
        ws->tmp = grow(ws->tmp, pixels / 2, sizeof *ws->tmp, &fail);
        ws->mscn = grow(ws->mscn, pixels, sizeof *ws->mscn, &fail);
        ws->sigma = grow(ws->sigma, pixels, sizeof *ws->sigma, &fail);
        ws->half = grow(ws->half, pixels / 4, sizeof *ws->half, &fail);
        ws->cap = fail ? 0 : pixels;
    }
    if (!fail && (size_t)w > ws->row_cap) {
        ws->rows = grow(ws->rows, 2 * ((size_t)w + 2 * RADIUS), sizeof *ws->rows, &fail);
        ws->row_cap = fail ? 0 : (size_t)w;
    }
    if (!fail && patches > ws->feat_cap) {
        ws->feat = grow(ws->feat, patches * NIQE_FEATURES, sizeof *ws->feat, &fail);
        ws->sharp = grow(ws->sharp, patches, sizeof *ws->sharp, &fail);
        ws->feat_cap = fail ? 0 : patches;
    }
    if (fail) {
        /* what was allocated stays with the workspace and is freed with it */
        ws->cap = ws->row_cap = ws->feat_cap = 0;
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory for a %dx%d image", w, h);
    }
    return VLIT_OK;
}

/* MSCN = (I - mu) / (sigma + 1), mu and sigma^2 = E[I^2] - mu^2 from the
 * Gaussian window with replicated borders (imfilter's 'replicate').
 * Row by row: the vertical pass of row y gathers rows y-3..y+3, the
 * horizontal pass runs on that one padded row, so the only full-size
 * buffers are the input and the two outputs. */
void niqe_mscn(vlit_iqa_workspace *ws, const double *img, int w, int h)
{
    double g[2 * RADIUS + 1];
    gauss_kernel(g);
    /* two rows with RADIUS of padding each side */
    double *vm = ws->rows + RADIUS, *vq = ws->rows + (size_t)w + 3 * RADIUS;
    for (int y = 0; y < h; y++) {
        const double *rows[2 * RADIUS + 1];
        for (int k = -RADIUS; k <= RADIUS; k++) {
            int yy = y + k < 0 ? 0 : y + k >= h ? h - 1 : y + k;
            rows[k + RADIUS] = img + (size_t)yy * (size_t)w;
        }
        for (int x = 0; x < w; x++) {
            double m = 0, q = 0;
            for (int k = 0; k < 2 * RADIUS + 1; k++) {
                double v = rows[k][x];
                m += g[k] * v;
                q += g[k] * v * v;
            }
            vm[x] = m;
            vq[x] = q;
        }
        for (int k = 1; k <= RADIUS; k++) {
            vm[-k] = vm[0], vq[-k] = vq[0];
            vm[w - 1 + k] = vm[w - 1], vq[w - 1 + k] = vq[w - 1];
        }
        const double *in = img + (size_t)y * (size_t)w;
        float *out = ws->mscn + (size_t)y * (size_t)w, *sig = ws->sigma + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) {
            double m = 0, q = 0;
            for (int k = 0; k < 2 * RADIUS + 1; k++) {
                m += g[k] * vm[x + k - RADIUS];
                q += g[k] * vq[x + k - RADIUS];
            }
            double s = sqrt(fabs(q - m * m)); /* abs: rounding can make a flat region's variance -0 */
            sig[x] = (float)s;
            out[x] = (float)((in[x] - m) / (s + 1.0));
        }
    }
}

/* imresize(im, 0.5) with its defaults (bicubic, a = -0.5, antialiasing):
 * the cubic kernel stretched by 2 has 8 taps at distances 0.5, 1.5, 2.5,
 * 3.5 from the output's centre (input 2j + 0.5), and borders are mirrored
 * with the edge pixel repeated (MATLAB's 'symmetric'). The weights are
 * s * cubic(s * d) for s = 0.5, which sum to one exactly. */
static const double HALF_W[4] = {0.43359375, 0.11328125, -0.03515625, -0.01171875};

static inline int mirror(int i, int n)
{
    if (i < 0)
        return -i - 1;
    if (i >= n)
        return 2 * n - i - 1;
    return i;
}

void niqe_half(const double *src, int w, int h, double *tmp, double *dst)
{
    int hw = w / 2, hh = h / 2;
    /* rows: w -> hw, into tmp (h x hw) */
    for (int y = 0; y < h; y++) {
        const double *in = src + (size_t)y * (size_t)w;
        double *out = tmp + (size_t)y * (size_t)hw;
        for (int j = 0; j < hw; j++) {
            int c = 2 * j; /* taps c-3 .. c+4, centre between c and c+1 */
            double v = 0;
            if (c >= 3 && c + 4 < w) {
                for (int k = 0; k < 4; k++)
                    v += HALF_W[k] * (in[c - k] + in[c + 1 + k]);
            } else {
                for (int k = 0; k < 4; k++)
                    v += HALF_W[k] * (in[mirror(c - k, w)] + in[mirror(c + 1 + k, w)]);
            }
            out[j] = v;
        }
    }
    /* columns: h -> hh */
    for (int i = 0; i < hh; i++) {
        int c = 2 * i;
        const double *r[8];
        for (int k = 0; k < 4; k++) {
            r[k] = tmp + (size_t)mirror(c - k, h) * (size_t)hw;
            r[4 + k] = tmp + (size_t)mirror(c + 1 + k, h) * (size_t)hw;
        }
        double *out = dst + (size_t)i * (size_t)hw;
        for (int x = 0; x < hw; x++) {
            double v = 0;
            for (int k = 0; k < 4; k++)
                v += HALF_W[k] * (r[k][x] + r[4 + k][x]);
            out[x] = v;
        }
    }
}

double niqe_shape_from_ratio(const vlit_iqa_workspace *ws, double rho)
{
    /* The table increases with the shape, so the nearest grid point is one
     * of the two around the first entry >= rho; ties go to the smaller
     * shape, as MATLAB's min() takes the first. */
    const double *r = ws->ratio;
    size_t lo = 0, hi = NIQE_GAM_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid] < rho)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t i = lo;
    if (i == NIQE_GAM_COUNT)
        i = NIQE_GAM_COUNT - 1;
    else if (i > 0 && (rho - r[i - 1]) * (rho - r[i - 1]) <= (r[i] - rho) * (r[i] - rho))
        i--;
    return (NIQE_GAM_FIRST + (double)i) / 1000.0;
}

/* Scale of a generalised Gaussian of this shape and standard deviation:
 * beta = sigma * sqrt(Gamma(1/a) / Gamma(3/a)). */
static double ggd_scale(double shape, double sd) { return sd * sqrt(tgamma(1.0 / shape) / tgamma(3.0 / shape)); }

void niqe_ggd_fit(const vlit_iqa_workspace *ws, const float *x, size_t n, double *shape, double *variance)
{
    double sa = 0, sq = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        sa += fabs(v);
        sq += v * v;
    }
    double ma = sa / (double)n, mq = sq / (double)n;
    *shape = niqe_shape_from_ratio(ws, ma * ma / mq); /* NaN ratio (flat) gives a shape; callers check mq */
    *variance = mq;
}

/* The moments an AGGD fit needs, for x[i] or for products of neighbours. */
typedef struct moments {
    double abs_sum, sq_sum, neg_sq, pos_sq;
    size_t n, neg, pos;
} moments;

static void aggd_from_moments(const vlit_iqa_workspace *ws, const moments *m, double *shape, double *mean,
                              double *left, double *right)
{
    /* zero products belong to neither side, as in the reference */
    double lsd = sqrt(m->neg_sq / (double)m->neg), rsd = sqrt(m->pos_sq / (double)m->pos);
    double g = lsd / rsd;
    double mabs = m->abs_sum / (double)m->n, msq = m->sq_sum / (double)m->n;
    double rhat = mabs * mabs / msq;
    double rnorm = rhat * (g * g * g + 1) * (g + 1) / ((g * g + 1) * (g * g + 1));
    double a = niqe_shape_from_ratio(ws, rnorm);
    double bl = ggd_scale(a, lsd), br = ggd_scale(a, rsd);
    *shape = a;
    *mean = (br - bl) * tgamma(2.0 / a) / tgamma(1.0 / a);
    *left = bl;
    *right = br;
    if (!m->neg || !m->pos) /* one-sided: undefined, the row is dropped */
        *shape = NAN;
}

static inline void add(moments *m, double p)
{
    m->abs_sum += fabs(p);
    m->sq_sum += p * p;
    if (p < 0) {
        m->neg_sq += p * p;
        m->neg++;
    } else if (p > 0) {
        m->pos_sq += p * p;
        m->pos++;
    }
}

void niqe_aggd_fit(const vlit_iqa_workspace *ws, const float *x, size_t n, double *shape, double *mean,
                   double *left_var, double *right_var)
{
    moments m = {0, 0, 0, 0, n, 0, 0};
    for (size_t i = 0; i < n; i++)
        add(&m, x[i]);
    double bl, br;
    aggd_from_moments(ws, &m, shape, mean, &bl, &br);
    /* as variances for this helper (the tests compare with known ones) */
    double a = *shape, k = tgamma(3.0 / a) / tgamma(1.0 / a);
    *left_var = bl * bl * k;
    *right_var = br * br * k;
}

/* Sums over the products a[i] * b[i], i < n, into m. The products and the
 * sums of one row (at most 96 terms) are single precision, in LANES
 * independent accumulators (lane l takes the products i = l mod LANES of
 * the whole blocks, lane 0 also the leftover ones); rows are then added in
 * double. Signs count through 0/1 factors, not branches.
 * With SSE2 (every x86-64) the whole blocks run four lanes to an
 * instruction: the operations and their order per lane are those of the
 * portable loop, so both give the same bits (no FMA on plain x86-64). GCC
 * at -O2 leaves the portable loop scalar, spilling its 40 accumulators: it
 * took 60% of a 640x480 score, about 9 ms; this path takes about 1 ms. */
#define LANES 8

static void flush_lanes(moments *m, const float *sa, const float *sq, const float *nq, const float *nn, const float *pn)
{
    double tsa = 0, tsq = 0, tnq = 0, tnn = 0, tpn = 0;
    for (int l = 0; l < LANES; l++)
        tsa += sa[l], tsq += sq[l], tnq += nq[l], tnn += nn[l], tpn += pn[l];
    m->abs_sum += tsa;
    m->sq_sum += tsq;
    m->neg_sq += tnq;
    m->pos_sq += tsq - tnq; /* zero products add nothing to either side */
    m->neg += (size_t)tnn;
    m->pos += (size_t)tpn;
}

#if defined(__SSE2__)
/* one block of LANES products into the accumulators, four at a time */
#define PRODUCT_BLOCK(h)                                                                                               \
    do {                                                                                                               \
        __m128 p = _mm_mul_ps(_mm_loadu_ps(a + i + 4 * (h)), _mm_loadu_ps(b + i + 4 * (h)));                           \
        __m128 p2 = _mm_mul_ps(p, p), neg = _mm_and_ps(_mm_cmplt_ps(p, zero), one);                                    \
        va[h] = _mm_add_ps(va[h], _mm_andnot_ps(sign, p));                                                             \
        vq[h] = _mm_add_ps(vq[h], p2);                                                                                 \
        vnq[h] = _mm_add_ps(vnq[h], _mm_mul_ps(neg, p2));                                                              \
        vnn[h] = _mm_add_ps(vnn[h], neg);                                                                              \
        vpn[h] = _mm_add_ps(vpn[h], _mm_and_ps(_mm_cmpgt_ps(p, zero), one));                                           \
    } while (0)
#endif

static void add_products(moments *m, const float *a, const float *b, int n)
{
    float sa[LANES] = {0}, sq[LANES] = {0}, nq[LANES] = {0}, nn[LANES] = {0}, pn[LANES] = {0};
    int i = 0;
#if defined(__SSE2__)
    const __m128 zero = _mm_setzero_ps(), one = _mm_set1_ps(1.0f), sign = _mm_set1_ps(-0.0f);
    __m128 va[2] = {zero, zero}, vq[2] = {zero, zero}, vnq[2] = {zero, zero}, vnn[2] = {zero, zero},
           vpn[2] = {zero, zero};
    for (; i + LANES <= n; i += LANES) {
        PRODUCT_BLOCK(0);
        PRODUCT_BLOCK(1);
    }
    for (int h = 0; h < 2; h++) {
        _mm_storeu_ps(sa + 4 * h, va[h]);
        _mm_storeu_ps(sq + 4 * h, vq[h]);
        _mm_storeu_ps(nq + 4 * h, vnq[h]);
        _mm_storeu_ps(nn + 4 * h, vnn[h]);
        _mm_storeu_ps(pn + 4 * h, vpn[h]);
    }
#else
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) {
            float p = a[i + l] * b[i + l], p2 = p * p, neg = (float)(p < 0);
            sa[l] += fabsf(p);
            sq[l] += p2;
            nq[l] += neg * p2;
            nn[l] += neg;
            pn[l] += (float)(p > 0);
        }
#endif
    for (; i < n; i++) {
        float p = a[i] * b[i], p2 = p * p, neg = (float)(p < 0);
        sa[0] += fabsf(p);
        sq[0] += p2;
        nq[0] += neg * p2;
        nn[0] += neg;
        pn[0] += (float)(p > 0);
    }
    flush_lanes(m, sa, sq, nq, nn, pn);
}

/* The one product a * b into m: add_products for n = 1 without the lanes
 * (adding their zeros changes no bit, so the result is the same). The
 * pairs that wrap around a patch's edge come one per row and direction. */
static void add_product(moments *m, float a, float b)
{
    float p = a * b, p2 = p * p, neg = (float)(p < 0), np2 = neg * p2;
    m->abs_sum += (double)fabsf(p);
    m->sq_sum += (double)p2;
    m->neg_sq += (double)np2;
    m->pos_sq += (double)p2 - (double)np2;
    m->neg += (size_t)neg;
    m->pos += p > 0;
}

/* Features of one p x p patch of MSCN coefficients (row stride w): the GGD
 * of the coefficients (shape, scale) and, for the products of each with its
 * neighbour to the left (H), above (V), above-left (D1) and above-right
 * (D2), the AGGD (shape, mean, left scale, right scale). Neighbours wrap
 * around inside the patch, as MATLAB's circshift on the block does. */
static void patch_features(const vlit_iqa_workspace *ws, const float *mscn, size_t w, int p, double *out)
{
    moments hm = {0}, vm = {0}, d1 = {0}, d2 = {0};
    size_t n = (size_t)p * (size_t)p;
    hm.n = vm.n = d1.n = d2.n = n;
    double sa = 0, sq = 0;
    for (int y = 0; y < p; y++) {
        const float *row = mscn + (size_t)y * w;
        const float *up = mscn + (size_t)(y == 0 ? p - 1 : y - 1) * w;
        float ra[LANES] = {0}, rq[LANES] = {0};
        for (int x = 0; x + LANES <= p; x += LANES) /* p is 96 or 48 */
            for (int l = 0; l < LANES; l++) {
                ra[l] += fabsf(row[x + l]);
                rq[l] += row[x + l] * row[x + l];
            }
        for (int l = 0; l < LANES; l++)
            sa += ra[l], sq += rq[l];
        /* inner runs, then the pairs that wrap around the patch's edge */
        add_products(&hm, row + 1, row, p - 1);
        add_product(&hm, row[0], row[p - 1]);
        add_products(&vm, row, up, p);
        add_products(&d1, row + 1, up, p - 1);
        add_product(&d1, row[0], up[p - 1]);
        add_products(&d2, row, up + 1, p - 1);
        add_product(&d2, row[p - 1], up[0]);
    }
    double mabs = sa / (double)n, msq = sq / (double)n;
    double a = niqe_shape_from_ratio(ws, mabs * mabs / msq);
    out[0] = msq > 0 ? a : NAN;
    out[1] = ggd_scale(a, sqrt(msq));
    const moments *pairs[4] = {&hm, &vm, &d1, &d2};
    for (int k = 0; k < 4; k++)
        aggd_from_moments(ws, pairs[k], &out[2 + 4 * k], &out[3 + 4 * k], &out[4 + 4 * k], &out[5 + 4 * k]);
}

int niqe_row_ok(const double *row)
{
    for (int k = 0; k < NIQE_FEATURES; k++)
        if (!isfinite(row[k]))
            return 0;
    return 1;
}

vlit_status niqe_image_features(vlit_iqa_workspace *ws, const uint8_t *gray, int width, int height, size_t stride,
                                size_t *patches, vlit_error *err)
{
    *patches = 0;
    int cols = width / NIQE_PATCH, rows = height / NIQE_PATCH;
    if (cols < 1 || rows < 1)
        return vlit_err(err, VLIT_ERR_DATA, "%dx%d pixels is smaller than one %dx%d patch", width, height,
                        NIQE_PATCH, NIQE_PATCH);
    int w = cols * NIQE_PATCH, h = rows * NIQE_PATCH;
    size_t np = (size_t)cols * (size_t)rows;
    vlit_status st = niqe_workspace_reserve(ws, w, h, np, err);
    if (st)
        return st;
    for (int y = 0; y < h; y++) {
        const uint8_t *in = gray + (size_t)y * stride;
        double *out = ws->img + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++)
            out[x] = in[x];
    }
    for (int s = 0; s < NIQE_SCALES; s++) {
        int p = NIQE_PATCH >> s;
        niqe_mscn(ws, ws->img, w, h);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                size_t i = (size_t)r * (size_t)cols + (size_t)c;
                size_t off = (size_t)r * (size_t)p * (size_t)w + (size_t)c * (size_t)p;
                patch_features(ws, ws->mscn + off, (size_t)w, p, ws->feat + i * NIQE_FEATURES + s * NIQE_FEAT_SCALE);
                if (s == 0) {
                    /* sharpness: the patch's mean local standard deviation */
                    double sum = 0;
                    for (int y = 0; y < p; y++) {
                        const float *sg = ws->sigma + off + (size_t)y * (size_t)w;
                        for (int x = 0; x < p; x++)
                            sum += sg[x];
                    }
                    ws->sharp[i] = sum / ((double)p * p);
                }
            }
        if (s + 1 < NIQE_SCALES) {
            niqe_half(ws->img, w, h, ws->tmp, ws->half);
            w /= 2, h /= 2;
            memcpy(ws->img, ws->half, sizeof *ws->img * (size_t)w * (size_t)h);
        }
    }
    *patches = np;
    return VLIT_OK;
}

vlit_status vlit_iqa_workspace_new(vlit_iqa_workspace **out, vlit_error *err)
{
    *out = NULL;
    vlit_iqa_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    for (int i = 0; i < NIQE_GAM_COUNT; i++) {
        double a = (NIQE_GAM_FIRST + (double)i) / 1000.0, g2 = tgamma(2.0 / a);
        ws->ratio[i] = g2 * g2 / (tgamma(1.0 / a) * tgamma(3.0 / a));
    }
    *out = ws;
    return VLIT_OK;
}

void vlit_iqa_workspace_free(vlit_iqa_workspace *ws)
{
    if (!ws)
        return;
    free(ws->img);
    free(ws->tmp);
    free(ws->rows);
    free(ws->mscn);
    free(ws->sigma);
    free(ws->half);
    free(ws->feat);
    free(ws->sharp);
    free(ws);
}
