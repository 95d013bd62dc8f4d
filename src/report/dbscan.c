/*
 * Exact DBSCAN on cosine distance (vlit/cluster.h), blocked through OpenBLAS.
 *
 * Rows are normalised once. The upper triangle of the similarity matrix is
 * multiplied block by block (sgemm on the float32 rows); each block is
 * scanned twice while it is in memory:
 *  1. every pair in the block is decided (neighbour or not) and counted for
 *     both of its points;
 *  2. every neighbour pair whose two points are now known to be core (a
 *     count only grows, so "count >= min_samples" is final once true) is
 *     united at once (union-find, the root is the smallest row); any other
 *     neighbour pair is kept as an edge for later.
 * An edge is kept only while one of its points has fewer than min_samples
 * neighbours so far, and it counts among them, so a point is charged at most
 * min_samples - 1 kept edges: the edges take at most n (min_samples - 1)
 * slots, whatever the number of neighbour pairs. After the pass the counts are
 * final: kept edges between core points are united, clusters are numbered by
 * their smallest row (their root), and border points take the smallest label
 * among their core neighbours - all of a non-core point's neighbour pairs are
 * kept edges, because it was never core.
 *
 * If the edges would exceed max_edges, the pass goes on counting and uniting
 * known-core pairs but keeps no more edges; the blocks from the first one
 * that lost an edge are multiplied again, once to unite core pairs and once
 * to attach border points.
 *
 * Pairs are decided on float64 distances (docs/cluster.md): the float32
 * product s32 of the normalised rows is within delta of the float64 one, so a
 * pair with s32 >= hi is a neighbour, s32 < lo is not, and only the pairs in
 * between are evaluated in float64 from the caller's rows.
 */
#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/err.h"
#include "vlit/cluster.h"

#define DEFAULT_EDGES ((size_t)16 << 20)
#define DEFAULT_ROWS 1024
#define DEFAULT_COLS 4096
#define MAX_THREADS 64

/* Per-thread scratch of a scan: the float64 row of the pair being rechecked,
 * and the neighbour columns the thread found in its rows of the block. */
typedef struct scan_scratch {
    double *xi;
    size_t xi_row; /* row held in xi, SIZE_MAX for none */
    uint64_t rechecked;
    uint32_t *hits;
    size_t nhits, hits_cap;
} scan_scratch;

#define ROW_UNLISTED UINT32_MAX /* more neighbours than a quarter of the row: scan 2 reads it again */

typedef struct dbs {
    const float *x;
    size_t n, d;
    double eps;
    uint32_t minpts;
    float *a;         /* normalised rows in float32, n x d */
    double *norm;     /* float64 length of each row; 0 for rows without direction */
    uint32_t *cnt;    /* neighbours found so far, itself included */
    uint32_t *parent; /* union-find over core points; root = smallest row */
    float lo, hi;     /* s32 < lo: not a neighbour; s32 >= hi: neighbour; between: float64 */
    size_t R, C;      /* block size */
    float *blk;       /* R x C products */
    /* scan threads */
    int threads;
    scan_scratch sc[MAX_THREADS];
    uint32_t *colacc; /* threads x C column counts */
    /* neighbours of each row of the block: row_count[r] columns from
     * sc[row_thread[r]].hits + row_start[r] */
    size_t *row_start;
    uint32_t *row_count;
    uint8_t *row_thread;
    /* kept edges */
    uint32_t *edges;
    size_t nedges, edges_cap, max_edges;
    int overflow;
    uint64_t overflow_block; /* first block that lost an edge */
    /* stats, progress */
    uint64_t pairs, blocks_total, blocks_done;
    const vlit_dbscan_params *p;
} dbs;

vlit_dbscan_params vlit_dbscan_default_params(void)
{
    vlit_dbscan_params p;
    memset(&p, 0, sizeof p);
    p.eps = 0.5;
    p.min_samples = 5;
    return p;
}

void vlit_dbscan_result_free(vlit_dbscan_result *r)
{
    if (!r)
        return;
    free(r->labels);
    free(r->core);
    free(r->sizes);
    memset(r, 0, sizeof *r);
}

static uint32_t find(uint32_t *parent, uint32_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]]; /* path halving */
        i = parent[i];
    }
    return i;
}

/* Links root ra and the root of b under the smaller of the two; returns the
 * new root of both. */
static uint32_t unite(uint32_t *parent, uint32_t ra, uint32_t b)
{
    uint32_t rb = find(parent, b);
    if (rb == ra)
        return ra;
    if (rb < ra) {
        parent[ra] = rb;
        return rb;
    }
    parent[rb] = ra;
    return ra;
}

/* The reference predicate: scikit-learn's cosine distance evaluated in
 * float64 (1 - dot of the rows divided by their lengths, clipped to [0, 2])
 * compared with eps. Sums run in index order, so d(i, j) == d(j, i). */
static int near64(const dbs *s, scan_scratch *sc, size_t i, size_t j)
{
    sc->rechecked++;
    double sim = 0.0;
    if (s->norm[i] != 0.0 && s->norm[j] != 0.0) {
        const size_t d = s->d;
        if (sc->xi_row != i) {
            const float *xi = s->x + i * d;
            double ni = s->norm[i];
            for (size_t k = 0; k < d; k++)
                sc->xi[k] = (double)xi[k] / ni;
            sc->xi_row = i;
        }
        const float *xj = s->x + j * d;
        double nj = s->norm[j];
        for (size_t k = 0; k < d; k++)
            sim += sc->xi[k] * ((double)xj[k] / nj);
    }
    double dist = 1.0 - sim;
    if (dist < 0.0)
        dist = 0.0;
    if (dist > 2.0)
        dist = 2.0;
    return dist <= s->eps;
}

/* Normalises the rows, finds the rows without direction, checks values. */
static vlit_status prepare(dbs *s, vlit_error *err)
{
    const size_t n = s->n, d = s->d;
    for (size_t i = 0; i < n; i++) {
        const float *xi = s->x + i * d;
        double sum = 0.0;
        for (size_t k = 0; k < d; k++) {
            if (!isfinite(xi[k]))
                return vlit_err(err, VLIT_ERR_DATA, "row %zu, column %zu: value is %s", i, k,
                                isnan(xi[k]) ? "not a number" : "infinite");
            sum += (double)xi[k] * (double)xi[k];
        }
        double len = sqrt(sum);
        float *ai = s->a + i * d;
        /* scikit-learn's normalize() leaves rows shorter than this as they
         * are, which makes their cosine with anything (themselves too)
         * vanish; we make it exactly 0. */
        if (len < 10.0 * DBL_EPSILON) {
            s->norm[i] = 0.0;
            memset(ai, 0, d * sizeof *ai);
        } else {
            s->norm[i] = len;
            for (size_t k = 0; k < d; k++)
                ai[k] = (float)((double)xi[k] / len);
        }
        int self = s->norm[i] != 0.0 || s->eps >= 1.0;
        s->cnt[i] = self ? 1u : 0u;
        s->parent[i] = (uint32_t)i;
    }
    return VLIT_OK;
}

/* The band of s32 values that float32 cannot decide (docs/cluster.md):
 *   |s32 - s64| <= gamma_d (1 + 2u)(1 + 1e-12) + (2u + u^2)(1 + 1e-12) + |x.y - s64|
 * where u = 2^-24 and gamma_d = d u / (1 - d u) bound sgemm's rounding in any
 * order, 2u + u^2 the rounding of the rows to float32, and the float64 terms
 * (about d 2^-53) are covered, with the rounding of 1 - s and of the
 * thresholds, by a margin of 1e-9 + 4 d 2^-53. */
static void set_band(dbs *s)
{
    const double u = ldexp(1.0, -24);
    double du = (double)s->d * u;
    double delta;
    if (du >= 0.5) {
        delta = 4.0; /* float32 decides nothing: every pair is rechecked */
    } else {
        double gamma = du / (1.0 - du);
        delta = gamma * (1.0 + 3.0 * u) + 3.0 * u;
        delta += 1e-9 + 4.0 * (double)s->d * ldexp(1.0, -53);
    }
    double t = 1.0 - s->eps;
    double hi = t + delta, lo = t - delta;
    float hf = (float)hi;
    if ((double)hf < hi)
        hf = nextafterf(hf, INFINITY);
    float lf = (float)lo;
    if ((double)lf > lo)
        lf = nextafterf(lf, -INFINITY);
    if (s->eps >= 2.0 || lf < -FLT_MAX)
        lf = -FLT_MAX; /* every pair is within eps; float32 is not trusted to say so near -1 */
    s->hi = hf;
    s->lo = lf;
}

/* ---- scanning a block ---- */

typedef struct block {
    size_t i0, ni, j0, nj;
} block;

/* First column of row r that lies above the diagonal. */
static size_t first_col(const block *b, size_t r)
{
    return b->j0 == b->i0 ? r + 1 : 0;
}

/* True when any of the 32 values at v is >= t. Most pairs are far from
 * being neighbours, so the scan skips 32 at a time; GCC and clang turn this
 * into SIMD compares (portable vector extensions, no instruction set assumed). */
#if defined(__GNUC__)
typedef float vf4 __attribute__((vector_size(16)));
typedef int32_t vi4 __attribute__((vector_size(16)));
static int any_ge32(const float *v, float t)
{
    vf4 x[8], tv = {t, t, t, t};
    memcpy(x, v, sizeof x);
    vi4 m = (x[0] >= tv) | (x[1] >= tv) | (x[2] >= tv) | (x[3] >= tv) | (x[4] >= tv) | (x[5] >= tv) | (x[6] >= tv) |
            (x[7] >= tv);
    int64_t w[2];
    memcpy(w, &m, sizeof w);
    return (w[0] | w[1]) != 0;
}
#else
static int any_ge32(const float *v, float t)
{
    int any = 0;
    for (int k = 0; k < 32; k++)
        any |= v[k] >= t;
    return any;
}
#endif

/* Scan 1 of the rows [r0, r1): decides every pair (band pairs rechecked and
 * overwritten with +-INFINITY, so that scan 2 reads a plain >= hi), adds the
 * row counts and this thread's column counts, and lists each row's neighbour
 * columns - unless they are more than a quarter of the row, then scan 2
 * reads the row again (this bounds the lists by a quarter block). */
static void scan_count(dbs *s, const block *b, size_t r0, size_t r1, scan_scratch *sc, uint32_t *colacc)
{
    const float hi = s->hi, lo = s->lo;
    const size_t list_max = b->nj / 4;
    for (size_t r = r0; r < r1; r++) {
        float *row = s->blk + r * b->nj;
        const size_t i = b->i0 + r, c0 = first_col(b, r), start = sc->nhits;
        uint32_t nb = 0;
        int listed = 1;
        size_t c = c0;
        while (c < b->nj) {
            size_t end = b->nj;
            if (c + 32 <= end) {
                if (!any_ge32(row + c, lo)) { /* 32 pairs, none near eps */
                    c += 32;
                    continue;
                }
                end = c + 32;
            }
            for (; c < end; c++) {
                float v = row[c];
                if (v < lo)
                    continue;
                if (v < hi) {
                    if (!near64(s, sc, i, b->j0 + c)) {
                        row[c] = -INFINITY;
                        continue;
                    }
                    row[c] = INFINITY;
                }
                nb++;
                colacc[c]++;
                if (listed) {
                    if (sc->nhits - start < list_max)
                        sc->hits[sc->nhits++] = (uint32_t)c;
                    else
                        listed = 0;
                }
            }
        }
        s->cnt[i] += nb;
        if (!listed)
            sc->nhits = start;
        s->row_count[r] = listed ? nb : ROW_UNLISTED;
        s->row_start[r] = start;
        s->row_thread[r] = (uint8_t)(sc - s->sc);
    }
}

typedef struct scan_job {
    dbs *s;
    const block *b;
    size_t r0, r1;
    int t;
} scan_job;

static void *scan_thread(void *arg)
{
    scan_job *j = arg;
    scan_count(j->s, j->b, j->r0, j->r1, &j->s->sc[j->t], j->s->colacc + (size_t)j->t * j->s->C);
    return NULL;
}

/* Scan 1 over the whole block, rows split among the threads. */
static void scan_count_all(dbs *s, const block *b)
{
    int t = s->threads;
    if ((size_t)t > b->ni)
        t = (int)b->ni;
    if (t < 1)
        t = 1;
    scan_job jobs[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    /* equal shares of rows (the hit lists are sized for ceil(R / threads) rows each) */
    size_t r = 0;
    for (int k = 0; k < t; k++) {
        jobs[k].s = s;
        jobs[k].b = b;
        jobs[k].t = k;
        jobs[k].r0 = r;
        r = b->ni * (size_t)(k + 1) / (size_t)t;
        jobs[k].r1 = r;
    }
    for (int k = 0; k < t; k++)
        s->sc[k].nhits = 0;
    for (int k = 1; k < t; k++)
        started[k] = pthread_create(&tids[k], NULL, scan_thread, &jobs[k]) == 0;
    scan_thread(&jobs[0]);
    for (int k = 1; k < t; k++) {
        if (started[k])
            pthread_join(tids[k], NULL);
        else
            scan_thread(&jobs[k]); /* could not start one: do its share here */
    }
    for (int k = 0; k < t; k++) {
        uint32_t *acc = s->colacc + (size_t)k * s->C;
        for (size_t c = 0; c < b->nj; c++) {
            s->cnt[b->j0 + c] += acc[c];
            acc[c] = 0;
        }
    }
}

static int keep_edge(dbs *s, uint32_t i, uint32_t j)
{
    if (s->nedges == s->edges_cap) {
        if (s->edges_cap >= s->max_edges)
            return 0;
        size_t cap = s->edges_cap ? s->edges_cap * 2 : 65536;
        if (cap > s->max_edges)
            cap = s->max_edges;
        uint32_t *e = realloc(s->edges, cap * 2 * sizeof *e);
        if (!e)
            return 0; /* out of memory here only costs the extra passes */
        s->edges = e;
        s->edges_cap = cap;
    }
    s->edges[2 * s->nedges] = i;
    s->edges[2 * s->nedges + 1] = j;
    s->nedges++;
    return 1;
}

/* Scan 2 (pass 1): unite known-core pairs, keep the other neighbour pairs. */
static void scan_link(dbs *s, const block *b, uint64_t block_no)
{
    const float hi = s->hi;
    const uint32_t M = s->minpts;
    for (size_t r = 0; r < b->ni; r++) {
        const float *row = s->blk + r * b->nj;
        uint32_t i = (uint32_t)(b->i0 + r);
        uint32_t listed = s->row_count[r];
        if (listed == 0)
            continue;
        const uint32_t *hits = listed == ROW_UNLISTED ? NULL : s->sc[s->row_thread[r]].hits + s->row_start[r];
        size_t c0 = hits ? 0 : first_col(b, r), c1 = hits ? listed : b->nj;
        int ci = s->cnt[i] >= M;
        uint32_t ri = ci ? find(s->parent, i) : 0;
        for (size_t k = c0; k < c1; k++) {
            size_t c = hits ? hits[k] : k;
            if (!hits && !(row[c] >= hi))
                continue;
            uint32_t j = (uint32_t)(b->j0 + c);
            if (ci && s->cnt[j] >= M) {
                ri = unite(s->parent, ri, j);
            } else if (!s->overflow && !keep_edge(s, i, j)) {
                s->overflow = 1;
                s->overflow_block = block_no;
            }
        }
    }
}

/* Decides one pair of a block in the later passes (no counting). */
static int decide(const dbs *s, scan_scratch *sc, float v, size_t i, size_t j)
{
    if (v >= s->hi)
        return 1;
    if (v < s->lo)
        return 0;
    return near64(s, sc, i, j);
}

static void multiply(dbs *s, const block *b)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b->ni, (int)b->nj, (int)s->d, 1.0f, s->a + b->i0 * s->d,
                (int)s->d, s->a + b->j0 * s->d, (int)s->d, 0.0f, s->blk, (int)b->nj);
    for (size_t r = 0; r < b->ni; r++)
        s->pairs += b->nj - first_col(b, r);
}

static void progress(dbs *s)
{
    s->blocks_done++;
    if (s->p->progress && s->blocks_total)
        s->p->progress(s->p->ctx, (double)s->blocks_done / (double)s->blocks_total);
}

/* Pass 1 may skip a block whose points are all core and already in one
 * cluster: it can add no count that matters and no union. */
static int settled(dbs *s, const block *b)
{
    const uint32_t M = s->minpts;
    uint32_t root = UINT32_MAX;
    for (int side = 0; side < 2; side++) {
        size_t from = side ? b->j0 : b->i0, len = side ? b->nj : b->ni;
        for (size_t k = from; k < from + len; k++) {
            if (s->cnt[k] < M)
                return 0;
            uint32_t r = find(s->parent, (uint32_t)k);
            if (root == UINT32_MAX)
                root = r;
            else if (r != root)
                return 0;
        }
    }
    return 1;
}

static uint64_t count_blocks(const dbs *s)
{
    uint64_t k = 0;
    for (size_t i0 = 0; i0 < s->n; i0 += s->R)
        k += (s->n - i0 + s->C - 1) / s->C;
    return k;
}

/* Later passes skip blocks without work: pass 2 needs core points on both
 * sides not yet all in one cluster; pass 3 a border candidate on one side
 * and a core point on the other. */
typedef struct side_info {
    int core, cand;
    uint32_t root; /* common root of the core points, UINT32_MAX if several */
} side_info;

static void side_scan(dbs *s, size_t from, size_t len, const uint8_t *cand, side_info *si)
{
    const uint32_t M = s->minpts;
    si->core = si->cand = 0;
    si->root = UINT32_MAX;
    int several = 0;
    for (size_t k = from; k < from + len; k++) {
        if (s->cnt[k] >= M) {
            uint32_t r = find(s->parent, (uint32_t)k);
            if (!si->core)
                si->root = r;
            else if (r != si->root)
                several = 1;
            si->core = 1;
        } else if (cand && cand[k]) {
            si->cand = 1;
        }
    }
    if (several)
        si->root = UINT32_MAX;
}

/* Pass 2 (after an overflow): unite core pairs in the blocks from the first
 * one that lost an edge. */
static void pass_unite(dbs *s)
{
    const uint32_t M = s->minpts;
    uint64_t block_no = 0;
    for (size_t i0 = 0; i0 < s->n; i0 += s->R) {
        for (size_t j0 = i0; j0 < s->n; j0 += s->C, block_no++) {
            if (block_no < s->overflow_block)
                continue;
            block b = {i0, s->R < s->n - i0 ? s->R : s->n - i0, j0, s->C < s->n - j0 ? s->C : s->n - j0};
            side_info rows_side, cols_side;
            side_scan(s, b.i0, b.ni, NULL, &rows_side);
            side_scan(s, b.j0, b.nj, NULL, &cols_side);
            if (!rows_side.core || !cols_side.core ||
                (rows_side.root != UINT32_MAX && rows_side.root == cols_side.root)) {
                progress(s);
                continue;
            }
            multiply(s, &b);
            for (size_t r = 0; r < b.ni; r++) {
                size_t i = b.i0 + r;
                if (s->cnt[i] < M)
                    continue;
                const float *row = s->blk + r * b.nj;
                uint32_t ri = find(s->parent, (uint32_t)i);
                for (size_t c = first_col(&b, r); c < b.nj; c++) {
                    size_t j = b.j0 + c;
                    if (s->cnt[j] >= M && decide(s, &s->sc[0], row[c], i, j))
                        ri = unite(s->parent, ri, (uint32_t)j);
                }
            }
            progress(s);
        }
    }
}

static void offer(int32_t *labels, size_t border, int32_t label)
{
    if (labels[border] < 0 || label < labels[border])
        labels[border] = label;
}

/* Pass 3 (after an overflow): border points of the blocks from the first one
 * that lost an edge. labels holds the core points' labels. */
static void pass_borders(dbs *s, const uint8_t *cand, int32_t *labels)
{
    const uint32_t M = s->minpts;
    uint64_t block_no = 0;
    for (size_t i0 = 0; i0 < s->n; i0 += s->R) {
        for (size_t j0 = i0; j0 < s->n; j0 += s->C, block_no++) {
            if (block_no < s->overflow_block)
                continue;
            block b = {i0, s->R < s->n - i0 ? s->R : s->n - i0, j0, s->C < s->n - j0 ? s->C : s->n - j0};
            side_info rows_side, cols_side;
            side_scan(s, b.i0, b.ni, cand, &rows_side);
            side_scan(s, b.j0, b.nj, cand, &cols_side);
            if (!((rows_side.cand && cols_side.core) || (rows_side.core && cols_side.cand))) {
                progress(s);
                continue;
            }
            multiply(s, &b);
            for (size_t r = 0; r < b.ni; r++) {
                size_t i = b.i0 + r;
                int ci = s->cnt[i] >= M;
                if (!ci && !cand[i])
                    continue;
                const float *row = s->blk + r * b.nj;
                for (size_t c = first_col(&b, r); c < b.nj; c++) {
                    size_t j = b.j0 + c;
                    int cj = s->cnt[j] >= M;
                    if (ci ? !cand[j] : !cj)
                        continue;
                    if (decide(s, &s->sc[0], row[c], i, j)) {
                        if (ci)
                            offer(labels, j, labels[i]);
                        else
                            offer(labels, i, labels[j]);
                    }
                }
            }
            progress(s);
        }
    }
}

static void dbs_free(dbs *s)
{
    free(s->a);
    free(s->norm);
    free(s->cnt);
    free(s->parent);
    free(s->blk);
    free(s->colacc);
    free(s->edges);
    free(s->row_start);
    free(s->row_count);
    free(s->row_thread);
    for (int t = 0; t < MAX_THREADS; t++) {
        free(s->sc[t].xi);
        free(s->sc[t].hits);
    }
}

vlit_status vlit_dbscan(const float *x, size_t n, size_t dim, const vlit_dbscan_params *params, vlit_dbscan_result *out,
                        vlit_error *err)
{
    if (!out)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_dbscan: no result struct");
    memset(out, 0, sizeof *out);
    vlit_dbscan_params defaults = vlit_dbscan_default_params();
    const vlit_dbscan_params *p = params ? params : &defaults;
    if (!(p->eps > 0.0) || isinf(p->eps))
        return vlit_err(err, VLIT_ERR_USAGE, "eps must be a positive number (got %g)", p->eps);
    if (p->min_samples < 1)
        return vlit_err(err, VLIT_ERR_USAGE, "min_samples must be at least 1");
    if (n > 0 && (dim == 0 || !x))
        return vlit_err(err, VLIT_ERR_USAGE, "%zu rows of dimension %zu: nothing to compare", n, dim);
    if (n > (size_t)INT32_MAX || dim > (size_t)INT_MAX || (n && dim > SIZE_MAX / sizeof(float) / n))
        return vlit_err(err, VLIT_ERR_LIMIT, "%zu rows of dimension %zu: too large", n, dim);

    vlit_status st = VLIT_OK;
    dbs s;
    memset(&s, 0, sizeof s);
    s.x = x;
    s.n = n;
    s.d = dim;
    s.eps = p->eps;
    s.p = p;
    /* counts never exceed n, so a larger min_samples just means "no core point" */
    s.minpts = p->min_samples > n + 1 ? (uint32_t)n + 1 : (uint32_t)p->min_samples;
    s.R = p->block_rows ? p->block_rows : DEFAULT_ROWS;
    s.C = p->block_cols ? p->block_cols : DEFAULT_COLS;
    if (s.C < s.R)
        s.C = s.R; /* the diagonal block must lie inside a row block's first column block */
    if (s.R > (size_t)INT_MAX || s.C > (size_t)INT_MAX / s.R)
        return vlit_err(err, VLIT_ERR_USAGE, "block of %zu x %zu is too large", s.R, s.C);
    if (n && s.C > n)
        s.C = n;
    if (n && s.R > s.C)
        s.R = s.C;
    s.max_edges = p->max_edges ? p->max_edges : DEFAULT_EDGES;
    if (s.max_edges > SIZE_MAX / (2 * sizeof(uint32_t)))
        s.max_edges = SIZE_MAX / (2 * sizeof(uint32_t));
    /* One scanning thread by default: OpenBLAS already keeps every core busy in
     * sgemm, and a scan is a tenth of the work; more threads only compete with
     * OpenBLAS's waiting workers (measured in bench/dbscan/README.md). */
    s.threads = p->threads > 1 ? (p->threads > MAX_THREADS ? MAX_THREADS : p->threads) : 1;

    int32_t *labels = malloc((n ? n : 1) * sizeof *labels);
    uint8_t *core = malloc(n ? n : 1), *cand = NULL;
    size_t *sizes = NULL, clusters = 0;
    if (!labels || !core) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory for %zu rows", n);
        goto out;
    }
    if (n == 0)
        goto finish;

    s.a = malloc(n * dim * sizeof *s.a);
    s.norm = malloc(n * sizeof *s.norm);
    s.cnt = malloc(n * sizeof *s.cnt);
    s.parent = malloc(n * sizeof *s.parent);
    s.blk = malloc(s.R * s.C * sizeof *s.blk);
    s.colacc = calloc((size_t)s.threads * s.C, sizeof *s.colacc);
    s.row_start = malloc(s.R * sizeof *s.row_start);
    s.row_count = malloc(s.R * sizeof *s.row_count);
    s.row_thread = malloc(s.R);
    if (!s.a || !s.norm || !s.cnt || !s.parent || !s.blk || !s.colacc || !s.row_start || !s.row_count ||
        !s.row_thread) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory for %zu rows of dimension %zu", n, dim);
        goto out;
    }
    for (int t = 0; t < s.threads; t++) {
        /* a thread scans at most ceil(R / threads) rows, each listing at most C / 4 columns */
        s.sc[t].hits_cap = (s.R + (size_t)s.threads - 1) / (size_t)s.threads * (s.C / 4);
        s.sc[t].hits = malloc((s.sc[t].hits_cap ? s.sc[t].hits_cap : 1) * sizeof *s.sc[t].hits);
        s.sc[t].xi = malloc(dim * sizeof(double));
        s.sc[t].xi_row = SIZE_MAX;
        if (!s.sc[t].xi || !s.sc[t].hits) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    if ((st = prepare(&s, err)))
        goto out;
    set_band(&s);
    s.blocks_total = count_blocks(&s);

    /* pass 1 */
    uint64_t block_no = 0;
    for (size_t i0 = 0; i0 < n; i0 += s.R) {
        for (size_t j0 = i0; j0 < n; j0 += s.C, block_no++) {
            block b = {i0, s.R < n - i0 ? s.R : n - i0, j0, s.C < n - j0 ? s.C : n - j0};
            if (!settled(&s, &b)) {
                multiply(&s, &b);
                scan_count_all(&s, &b);
                scan_link(&s, &b, block_no);
            }
            progress(&s);
        }
    }
    out->passes = 1;

    for (size_t i = 0; i < n; i++)
        core[i] = s.cnt[i] >= s.minpts;
    if (s.overflow) {
        s.blocks_total += 2 * (block_no - s.overflow_block);
        pass_unite(&s);
        out->passes = 2;
    }
    /* kept edges between core points */
    for (size_t e = 0; e < s.nedges; e++) {
        uint32_t i = s.edges[2 * e], j = s.edges[2 * e + 1];
        if (core[i] && core[j])
            unite(s.parent, find(s.parent, i), j);
    }
    /* clusters in the order of their first core point: a root is the
     * smallest row of its cluster, so it is labelled before the others */
    for (size_t i = 0; i < n; i++) {
        labels[i] = -1;
        if (!core[i])
            continue;
        uint32_t r = find(s.parent, (uint32_t)i);
        labels[i] = r == i ? (int32_t)clusters++ : labels[r];
    }
    /* border points: the smallest label among their core neighbours */
    for (size_t e = 0; e < s.nedges; e++) {
        uint32_t i = s.edges[2 * e], j = s.edges[2 * e + 1];
        if (core[i] && !core[j])
            offer(labels, j, labels[i]);
        else if (core[j] && !core[i])
            offer(labels, i, labels[j]);
    }
    if (s.overflow) {
        cand = malloc(n);
        if (!cand) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t self = s.norm[i] != 0.0 || s.eps >= 1.0;
            cand[i] = !core[i] && s.cnt[i] > self;
        }
        pass_borders(&s, cand, labels);
        out->passes = 3;
    }

finish:
    sizes = calloc(clusters ? clusters : 1, sizeof *sizes);
    if (!sizes) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] >= 0)
            sizes[labels[i]]++;
        else
            out->noise_points++;
        out->core_points += core[i];
    }
    out->border_points = n - out->noise_points - out->core_points;
    out->labels = labels;
    out->core = core;
    out->sizes = sizes;
    out->clusters = clusters;
    out->pairs = s.pairs;
    for (int t = 0; t < s.threads; t++)
        out->rechecked += s.sc[t].rechecked;
    labels = NULL;
    core = NULL;
    sizes = NULL;
out:
    if (st)
        memset(out, 0, sizeof *out);
    dbs_free(&s);
    free(cand);
    free(labels);
    free(core);
    free(sizes);
    return st;
}
