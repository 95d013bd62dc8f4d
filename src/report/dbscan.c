/*
 * Exact DBSCAN on cosine distance (vlit/cluster.h), blocked through OpenBLAS.
 *
 * Rows are normalised once and stored in an order of our choosing (their
 * "positions"): sorted by their nearest pivot, then by their distance to it
 * (see "Pruning" below; without pruning positions are rows). The upper
 * triangle of the similarity matrix, in positions, is multiplied block by
 * block (sgemm on the float32 rows); each block is scanned twice while it is
 * in memory:
 *  1. every pair in the block is decided (neighbour or not) and counted for
 *     both of its points;
 *  2. every neighbour pair whose two points are now known to be core (a
 *     count only grows, so "count >= min_samples" is final once true) is
 *     united at once (union-find); any other neighbour pair is kept as an
 *     edge for later.
 * An edge is kept only while one of its points has fewer than min_samples
 * neighbours so far, and it counts among them, so a point is charged at most
 * min_samples - 1 kept edges: the edges take at most n (min_samples - 1)
 * slots, whatever the number of neighbour pairs. After the pass the counts are
 * final: kept edges between core points are united, clusters are numbered in
 * the order of their first core point in the caller's rows, and border points
 * take the smallest label among their core neighbours - all of a non-core
 * point's neighbour pairs are kept edges, because it was never core. None of
 * this depends on the order of the positions.
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
 *
 * Pruning: for unit vectors, cosine distance is |x - y|^2 / 2, so neighbours
 * are within r = sqrt(2 eps) (plus a rounding margin) of each other in
 * Euclidean distance. A few pivots c_p (centres of a short spherical k-means
 * on a sample) bound every tile of T consecutive positions: all its rows lie
 * at a distance from c_p within [lo_p, hi_p] (rigorous bounds of the exact
 * distance, float32 rounding included). By the triangle inequality two rows
 * of tiles A and B are at least max(lo_A,p - hi_B,p, lo_B,p - hi_A,p) apart,
 * so when that exceeds r for some pivot no pair of the two tiles is a
 * neighbour pair and the tiles are never multiplied. A row block gathers the
 * column tiles that some of its row tiles may reach into a packed buffer and
 * multiplies only those. The bounds can only skip pairs that are not
 * neighbours, so the result is the same whatever the pivots; only the time
 * depends on the data.
 */
#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../base/err.h"
#include "vlit/cluster.h"

#define DEFAULT_EDGES ((size_t)16 << 20)
#define DEFAULT_ROWS 128
#define DEFAULT_COLS 2048
#define MAX_THREADS 64
#define TILE 64        /* positions per tile of the pruning bounds (at most) */
#define OWN 4          /* pivots a tile is checked against from its own side */
#define MAX_PIVOTS 256 /* default pivots: about sqrt(n) / 2, at most this */
#define KMEANS_ROUNDS 5

/* Per-thread scratch of a scan: the float64 row of the pair being rechecked,
 * and the neighbour columns the thread found in its rows of the block. */
typedef struct scan_scratch {
    double *xi;
    size_t xi_row; /* position held in xi, SIZE_MAX for none */
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
    float *a;         /* normalised rows in float32, n x d, by position */
    double *norm;     /* float64 length of the row at each position; 0 for rows without direction */
    uint32_t *perm;   /* position -> caller's row; NULL when they are the same */
    uint32_t *cnt;    /* neighbours found so far, itself included, by position */
    uint32_t *parent; /* union-find over core points, by position */
    float lo, hi;     /* s32 < lo: not a neighbour; s32 >= hi: neighbour; between: float64 */
    size_t R, C, T;   /* row block, columns of a chunk, tile */
    float *blk;       /* R x C products */
    float *pack;      /* C x d: the columns of a chunk, gathered */
    /* pruning */
    int prune;
    size_t k; /* pivots */
    size_t ntiles;
    uint32_t *tstart; /* ntiles + 1: tile t holds positions [tstart[t], tstart[t + 1]) */
    size_t nrb;       /* row blocks */
    float *tlo, *thi; /* ntiles x k: bounds of the distance to each pivot over the tile's rows */
    uint16_t *own;    /* ntiles x OWN: pivots nearest to the tile's rows */
    uint8_t *nown;    /* 0: the tile has no row with a direction */
    double radius;    /* neighbours are never farther apart than this */
    float far_at;     /* rows with 1 - similarity above this to their nearest pivot go last */
    uint32_t *cand;   /* candidate column tiles of a row block */
    uint32_t *cols;   /* C positions of a chunk */
    uint32_t *first;  /* R: columns of the chunk at or before each row */
    /* scan threads */
    int threads;
    scan_scratch sc[MAX_THREADS];
    uint32_t *colacc; /* threads x C column counts */
    /* neighbours of each row of the block: row_count[r] columns from
     * sc[row_thread[r]].hits + row_start[r] */
    size_t *row_start;
    uint32_t *row_count;
    uint8_t *row_thread;
    /* kept edges (positions) */
    uint32_t *edges;
    size_t nedges, edges_cap, max_edges;
    int overflow;
    uint64_t overflow_block; /* first chunk that lost an edge */
    size_t overflow_rb;      /* its row block (SIZE_MAX: none) */
    /* stats, progress */
    uint64_t pairs, pruned, units_total, units_done;
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

/* Large arrays (the normalised rows, the block) on 2 MiB boundaries with
 * transparent huge pages where the system offers them: touching them for
 * the first time then costs a few page faults instead of one per 4 KiB,
 * which on a virtual machine was a tenth of a 20,000-row run. */
static void *big_alloc(size_t bytes)
{
#if defined(MADV_HUGEPAGE)
    const size_t huge = (size_t)2 << 20;
    if (bytes >= 2 * huge) {
        void *p = NULL;
        if (posix_memalign(&p, huge, bytes) != 0)
            return NULL;
        madvise(p, bytes, MADV_HUGEPAGE); /* advice only: failing changes nothing */
        return p;
    }
#endif
    return malloc(bytes);
}

static size_t row_of(const dbs *s, size_t pos)
{
    return s->perm ? s->perm[pos] : pos;
}

/* The reference predicate: scikit-learn's cosine distance evaluated in
 * float64 (1 - dot of the rows divided by their lengths, clipped to [0, 2])
 * compared with eps. Sums run in index order, so d(i, j) == d(j, i).
 * i and j are positions. */
static int near64(const dbs *s, scan_scratch *sc, size_t i, size_t j)
{
    sc->rechecked++;
    double sim = 0.0;
    if (s->norm[i] != 0.0 && s->norm[j] != 0.0) {
        const size_t d = s->d;
        if (sc->xi_row != i) {
            const float *xi = s->x + row_of(s, i) * d;
            double ni = s->norm[i];
            for (size_t k = 0; k < d; k++)
                sc->xi[k] = (double)xi[k] / ni;
            sc->xi_row = i;
        }
        const float *xj = s->x + row_of(s, j) * d;
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

/* Checks the values and computes the float64 length of every row (in the
 * caller's order) into len; rows shorter than 10 DBL_EPSILON get 0. */
static vlit_status lengths(const dbs *s, double *len, vlit_error *err)
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
        double l = sqrt(sum);
        /* scikit-learn's normalize() leaves rows shorter than this as they
         * are, which makes their cosine with anything (themselves too)
         * vanish; we make it exactly 0. */
        len[i] = l < 10.0 * DBL_EPSILON ? 0.0 : l;
    }
    return VLIT_OK;
}

/* The normalised float32 row (zeros for a row without direction): each
 * value times the float64 reciprocal of the length, rounded to float32 (the
 * reciprocal adds two float64 roundings to the float32 one; docs/cluster.md
 * counts them). */
static void normalise(const float *x, double len, size_t d, float *out)
{
    if (len == 0.0) {
        memset(out, 0, d * sizeof *out);
        return;
    }
    double inv = 1.0 / len;
    for (size_t k = 0; k < d; k++)
        out[k] = (float)((double)x[k] * inv);
}

/* Fills the rows by position and the per-point state. */
static void place_rows(dbs *s, const double *len)
{
    for (size_t i = 0; i < s->n; i++) {
        size_t row = row_of(s, i);
        s->norm[i] = len[row];
        normalise(s->x + row * s->d, len[row], s->d, s->a + i * s->d);
        int self = s->norm[i] != 0.0 || s->eps >= 1.0;
        s->cnt[i] = self ? 1u : 0u;
        s->parent[i] = (uint32_t)i;
    }
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

/* ---- pruning: pivots, the order of the rows, tile bounds ---- */

#define CHUNK_ROWS 1024 /* rows multiplied with the pivots at once */

/* out (h x k) = rows (h x d) . piv (k x d)^T */
static void with_pivots(const float *rows, size_t h, const float *piv, size_t k, size_t d, float *out)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)h, (int)k, (int)d, 1.0f, rows, (int)d, piv, (int)d, 0.0f,
                out, (int)k);
}

static size_t nearest(const float *sim, size_t k)
{
    size_t best = 0;
    for (size_t p = 1; p < k; p++)
        if (sim[p] > sim[best])
            best = p;
    return best;
}

/* Pivots: a short spherical k-means on an evenly spaced sample of the rows,
 * started from evenly spaced rows of the sample (deterministic). The result
 * never depends on them, only the time. Returns 0 when out of memory. */
static int choose_pivots(const dbs *s, const double *len, float *piv)
{
    const size_t n = s->n, d = s->d, k = s->k;
    size_t m = 64 * k, cap = ((size_t)4 << 20) / d; /* 64 rows per pivot, at most 16 MiB */
    if (m > cap)
        m = cap;
    if (m > n)
        m = n;
    if (m < k)
        m = k;
    float *smp = malloc(m * d * sizeof *smp), *sim = malloc(CHUNK_ROWS * k * sizeof *sim);
    double *sum = malloc(k * d * sizeof *sum);
    size_t *members = malloc(k * sizeof *members);
    int ok = smp && sim && sum && members;
    if (ok) {
        for (size_t j = 0; j < m; j++) {
            size_t row = (size_t)((uint64_t)j * n / m);
            normalise(s->x + row * d, len[row], d, smp + j * d);
        }
        for (size_t p = 0; p < k; p++)
            memcpy(piv + p * d, smp + (size_t)((uint64_t)p * m / k) * d, d * sizeof *piv);
        for (int round = 0; round < KMEANS_ROUNDS; round++) {
            memset(sum, 0, k * d * sizeof *sum);
            memset(members, 0, k * sizeof *members);
            for (size_t j0 = 0; j0 < m; j0 += CHUNK_ROWS) {
                size_t h = m - j0 < CHUNK_ROWS ? m - j0 : CHUNK_ROWS;
                with_pivots(smp + j0 * d, h, piv, k, d, sim);
                for (size_t r = 0; r < h; r++) {
                    size_t p = nearest(sim + r * k, k);
                    const float *v = smp + (j0 + r) * d;
                    double *c = sum + p * d;
                    members[p]++;
                    for (size_t q = 0; q < d; q++)
                        c[q] += v[q];
                }
            }
            for (size_t p = 0; p < k; p++) {
                double ss = 0.0;
                const double *c = sum + p * d;
                for (size_t q = 0; q < d; q++)
                    ss += c[q] * c[q];
                if (!members[p] || !(ss > 0.0))
                    continue; /* keep the old centre */
                double l = sqrt(ss);
                for (size_t q = 0; q < d; q++)
                    piv[p * d + q] = (float)(c[q] / l);
            }
        }
    }
    free(smp);
    free(sim);
    free(sum);
    free(members);
    return ok;
}

typedef struct order_key {
    uint32_t group; /* nearest pivot; k for rows far from every pivot, k + 1 for rows without direction */
    uint32_t pivot; /* nearest pivot */
    float far;      /* 1 - similarity to it */
    uint32_t row;
} order_key;

static int by_key(const void *pa, const void *pb)
{
    const order_key *a = pa, *b = pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->pivot != b->pivot)
        return a->pivot < b->pivot ? -1 : 1;
    if (a->far != b->far)
        return a->far < b->far ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* Positions: rows sorted by nearest pivot, then by distance to it (rows of
 * one cluster end up together, the far ones at the end of their group).
 * pivot_at receives each position's nearest pivot. */
static int order_rows(dbs *s, const double *len, const float *piv, uint16_t *pivot_at)
{
    const size_t n = s->n, d = s->d, k = s->k;
    order_key *key = malloc(n * sizeof *key);
    float *sim = malloc(CHUNK_ROWS * k * sizeof *sim);
    int ok = key && sim;
    if (ok) {
        for (size_t i0 = 0; i0 < n; i0 += CHUNK_ROWS) {
            size_t h = n - i0 < CHUNK_ROWS ? n - i0 : CHUNK_ROWS;
            /* the caller's rows: their lengths do not change the nearest pivot */
            with_pivots(s->x + i0 * d, h, piv, k, d, sim);
            for (size_t r = 0; r < h; r++) {
                order_key *e = key + i0 + r;
                e->row = (uint32_t)(i0 + r);
                if (len[i0 + r] == 0.0) {
                    e->group = (uint32_t)k + 1;
                    e->pivot = 0;
                    e->far = 0.0f;
                } else {
                    size_t p = nearest(sim + r * k, k);
                    e->pivot = (uint32_t)p;
                    e->far = (float)(1.0 - (double)sim[r * k + p] / len[i0 + r]);
                    e->group = e->far > s->far_at ? (uint32_t)k : (uint32_t)p;
                }
            }
        }
        qsort(key, n, sizeof *key, by_key);
        /* tiles: runs of at most T positions of one group and pivot */
        s->ntiles = 0;
        for (size_t i = 0; i < n; i++) {
            s->perm[i] = key[i].row;
            pivot_at[i] = (uint16_t)key[i].pivot;
            if (i == 0 || key[i].group != key[i - 1].group || key[i].pivot != key[i - 1].pivot ||
                i - s->tstart[s->ntiles - 1] == s->T)
                s->tstart[s->ntiles++] = (uint32_t)i;
        }
        s->tstart[s->ntiles] = (uint32_t)n;
    }
    free(key);
    free(sim);
    return ok;
}

static float down(double v)
{
    float f = (float)v;
    return (double)f > v ? nextafterf(f, -INFINITY) : f;
}

static float up(double v)
{
    float f = (float)v;
    return (double)f < v ? nextafterf(f, INFINITY) : f;
}

/* Bounds of the exact distance |x^ - c_p| from every row x^ = x / |x| of a
 * tile to every pivot c_p (docs/cluster.md, "Pruning"), from the float32
 * products s = a . c_p of the normalised float32 rows a:
 *   |a - c|^2 = |a|^2 + |c|^2 - 2 a.c, |s - a.c| <= gamma_d |a| |c| (any
 *   summation order), |a|^2 and |c|^2 summed in float64 (error below
 *   (d + 8) 2^-53 of the sizes involved, which also covers the float64
 *   arithmetic here), and |x^ - a| <= eA = 1.01 u + (d + 8) 2^-53 (the
 *   rounding of the float64 length, the division and the float32 row).
 * Over a tile, s and |a|^2 are replaced by their extremes. The bounds are
 * rounded outwards to float. */
static int tile_bounds(dbs *s, const float *piv, const uint16_t *pivot_at)
{
    const size_t d = s->d, k = s->k, T = s->T;
    const double u = ldexp(1.0, -24), e53 = ldexp(1.0, -53);
    const double du = (double)d * u, gamma = du / (1.0 - du);
    const double eA = 1.01 * u + (double)(d + 8) * e53, rel = ldexp(1.0, -50);
    float *sim = malloc((CHUNK_ROWS > T ? CHUNK_ROWS : T) * k * sizeof *sim);
    double *c2 = malloc(k * sizeof *c2);
    float *smin = malloc(k * sizeof *smin), *smax = malloc(k * sizeof *smax);
    int ok = sim && c2 && smin && smax;
    if (!ok)
        goto done;
    for (size_t p = 0; p < k; p++) {
        double ss = 0.0;
        for (size_t q = 0; q < d; q++)
            ss += (double)piv[p * d + q] * (double)piv[p * d + q];
        c2[p] = ss;
    }
    for (size_t ta = 0, tb; ta < s->ntiles; ta = tb) {
        /* whole tiles, up to CHUNK_ROWS positions (at least one tile) */
        size_t i0 = s->tstart[ta];
        for (tb = ta + 1; tb < s->ntiles && s->tstart[tb + 1] - i0 <= CHUNK_ROWS; tb++)
            ;
        with_pivots(s->a + i0 * d, s->tstart[tb] - i0, piv, k, d, sim);
        for (size_t t = ta; t < tb; t++) {
            size_t t0 = s->tstart[t] - i0, len = s->tstart[t + 1] - s->tstart[t];
            double a2lo = INFINITY, a2hi = -INFINITY;
            uint8_t nown = 0;
            uint16_t *own = s->own + t * OWN;
            for (size_t p = 0; p < k; p++) {
                smin[p] = INFINITY;
                smax[p] = -INFINITY;
            }
            for (size_t r = t0; r < t0 + len; r++) {
                size_t i = i0 + r;
                if (s->norm[i] == 0.0)
                    continue;
                const float *ai = s->a + i * d, *si = sim + r * k;
                double a2 = 0.0;
                for (size_t q = 0; q < d; q++)
                    a2 += (double)ai[q] * (double)ai[q];
                if (a2 < a2lo)
                    a2lo = a2;
                if (a2 > a2hi)
                    a2hi = a2;
                for (size_t p = 0; p < k; p++) {
                    smin[p] = si[p] < smin[p] ? si[p] : smin[p];
                    smax[p] = si[p] > smax[p] ? si[p] : smax[p];
                }
                int seen = 0;
                for (uint8_t q = 0; q < nown; q++)
                    seen |= own[q] == pivot_at[i];
                if (!seen && nown < OWN)
                    own[nown++] = pivot_at[i];
            }
            s->nown[t] = nown;
            float *lo = s->tlo + t * k, *hi = s->thi + t * k;
            for (size_t p = 0; p < k; p++) {
                if (!nown) { /* no row with a direction: nothing to bound */
                    lo[p] = INFINITY;
                    hi[p] = -INFINITY;
                    continue;
                }
                double an = sqrt(a2hi), cn = sqrt(c2[p]);
                double e =
                    2.0 * gamma * an * cn * (1.0 + 1e-6) + (double)(d + 8) * e53 * (a2hi + c2[p] + 2.0 * an * cn);
                double dmin = a2lo + c2[p] - 2.0 * (double)smax[p] - e;
                double dmax = a2hi + c2[p] - 2.0 * (double)smin[p] + e;
                lo[p] = down(sqrt(dmin > 0.0 ? dmin : 0.0) * (1.0 - rel) - eA);
                hi[p] = up(sqrt(dmax > 0.0 ? dmax : 0.0) * (1.0 + rel) + eA);
            }
        }
    }
done:
    free(sim);
    free(c2);
    free(smin);
    free(smax);
    return ok;
}

/* True when no row of tile t can be a neighbour of a row of tile u. */
static int far_tiles(const dbs *s, size_t t, size_t u)
{
    if (!s->nown[t] || !s->nown[u])
        return 1; /* rows without direction: distance 1 > eps to everything (pruning needs eps < 1) */
    const size_t k = s->k;
    const float *lt = s->tlo + t * k, *ht = s->thi + t * k, *lu = s->tlo + u * k, *hu = s->thi + u * k;
    const double r = s->radius;
    for (int side = 0; side < 2; side++) {
        size_t w = side ? u : t;
        for (uint8_t q = 0; q < s->nown[w]; q++) {
            size_t p = s->own[w * OWN + q];
            if ((double)lt[p] - (double)hu[p] > r || (double)lu[p] - (double)ht[p] > r)
                return 1;
        }
    }
    return 0;
}

/* Sets up pruning; returns 0 when out of memory. */
static int setup_pruning(dbs *s, const double *len)
{
    const size_t n = s->n, d = s->d, k = s->k;
    /* neighbours have d64 <= eps, so their exact cosine distance is below
     * eps + 1e-9 + 8 d 2^-53 and their exact distance below its double */
    s->radius = sqrt(2.0 * (s->eps + 1e-9 + 8.0 * (double)d * ldexp(1.0, -53))) * (1.0 + ldexp(1.0, -48));
    /* Rows farther than sqrt(2) - r from their nearest pivot (typical
     * distances on the sphere are near sqrt(2)) can hardly be told apart from
     * anything by that pivot: they go to one group at the end rather than
     * widen the bounds of their pivot's tiles (measured in bench/dbscan). */
    double tau = sqrt(2.0) - s->radius > s->radius ? sqrt(2.0) - s->radius : s->radius;
    s->far_at = (float)(tau * tau / 2.0);
    s->perm = malloc(n * sizeof *s->perm);
    /* at most one tile per T positions and per group and pivot (2k + 1 of them) */
    s->tstart = malloc(((n + s->T - 1) / s->T + 2 * k + 3) * sizeof *s->tstart);
    s->pack = big_alloc(s->C * d * sizeof *s->pack);
    float *piv = malloc(k * d * sizeof *piv);
    uint16_t *pivot_at = malloc(n * sizeof *pivot_at);
    int ok = s->perm && s->tstart && s->pack && piv && pivot_at && choose_pivots(s, len, piv) &&
             order_rows(s, len, piv, pivot_at);
    if (ok) {
        s->tlo = malloc(s->ntiles * k * sizeof *s->tlo);
        s->thi = malloc(s->ntiles * k * sizeof *s->thi);
        s->own = malloc(s->ntiles * OWN * sizeof *s->own);
        s->nown = malloc(s->ntiles);
        ok = s->tlo && s->thi && s->own && s->nown;
    }
    if (ok) {
        place_rows(s, len);
        ok = tile_bounds(s, piv, pivot_at);
    }
    free(piv);
    free(pivot_at);
    return ok;
}

/* ---- chunks: a row block and some of its column tiles ---- */

/* Rows [i0, i0 + ni) (positions) against the columns col[0 .. nj) (positions,
 * increasing, whole tiles: tiles[0 .. ntl)). Only pairs above the diagonal
 * count: row r pairs with the columns from first[r] on. */
typedef struct block {
    size_t i0, ni, nj;
    const uint32_t *col, *first, *tiles;
    size_t ntl;
} block;

static size_t tile_len(const dbs *s, size_t u)
{
    return s->tstart[u + 1] - s->tstart[u];
}

/* Fixed tiles of T positions (no pruning). */
static int fixed_tiles(dbs *s)
{
    s->ntiles = (s->n + s->T - 1) / s->T;
    s->tstart = malloc((s->ntiles + 1) * sizeof *s->tstart);
    if (!s->tstart)
        return 0;
    for (size_t t = 0; t < s->ntiles; t++)
        s->tstart[t] = (uint32_t)(t * s->T);
    s->tstart[s->ntiles] = (uint32_t)s->n;
    return 1;
}

/* The row block of tiles [t0, *t1): whole tiles, at most R positions. */
static size_t row_block(const dbs *s, size_t t0, size_t *t1)
{
    size_t t = t0 + 1;
    while (t < s->ntiles && s->tstart[t + 1] - s->tstart[t0] <= s->R)
        t++;
    *t1 = t;
    return s->tstart[t] - s->tstart[t0];
}

/* The column tiles a row block may reach: from the block's first tile on,
 * those not proven far from all of the block's tiles. */
static size_t candidates(dbs *s, size_t t0, size_t t1)
{
    size_t nc = 0;
    for (size_t u = t0; u < s->ntiles; u++) {
        int take = !s->prune;
        for (size_t t = t0; !take && t < t1; t++)
            take = !far_tiles(s, t, u);
        if (take)
            s->cand[nc++] = (uint32_t)u;
    }
    return nc;
}

/* The next chunk of a row block: candidate tiles from *next on, while they
 * fit in C columns. */
static void make_chunk(dbs *s, size_t i0, size_t ni, size_t nc, size_t *next, block *b)
{
    b->i0 = i0;
    b->ni = ni;
    b->nj = 0;
    b->ntl = 0;
    b->tiles = s->cand + *next;
    while (*next < nc) {
        size_t u = s->cand[*next], len = tile_len(s, u);
        if (b->nj + len > s->C)
            break;
        for (size_t q = 0; q < len; q++)
            s->cols[b->nj++] = (uint32_t)(s->tstart[u] + q);
        b->ntl++;
        (*next)++;
    }
    size_t c = 0;
    for (size_t r = 0; r < ni; r++) {
        while (c < b->nj && s->cols[c] <= i0 + r)
            c++;
        s->first[r] = (uint32_t)c;
    }
    b->col = s->cols;
    b->first = s->first;
}

/* ---- scanning a block ---- */

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
        const size_t i = b->i0 + r, c0 = b->first[r], start = sc->nhits;
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
                    if (!near64(s, sc, i, b->col[c])) {
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
            s->cnt[b->col[c]] += acc[c];
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
        size_t c0 = hits ? 0 : b->first[r], c1 = hits ? listed : b->nj;
        int ci = s->cnt[i] >= M;
        uint32_t ri = ci ? find(s->parent, i) : 0;
        for (size_t k = c0; k < c1; k++) {
            size_t c = hits ? hits[k] : k;
            if (!hits && !(row[c] >= hi))
                continue;
            uint32_t j = b->col[c];
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
    const size_t d = s->d;
    const float *cols = s->a + (size_t)b->col[0] * d;
    if ((size_t)(b->col[b->nj - 1] - b->col[0]) != b->nj - 1) {
        /* not one run of positions: gather the tiles */
        size_t at = 0;
        for (size_t t = 0; t < b->ntl; t++) {
            size_t len = tile_len(s, b->tiles[t]);
            memcpy(s->pack + at * d, s->a + (size_t)s->tstart[b->tiles[t]] * d, len * d * sizeof *s->pack);
            at += len;
        }
        cols = s->pack;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b->ni, (int)b->nj, (int)d, 1.0f, s->a + b->i0 * d, (int)d,
                cols, (int)d, 0.0f, s->blk, (int)b->nj);
    for (size_t r = 0; r < b->ni; r++)
        s->pairs += b->nj - b->first[r];
}

static void progress(dbs *s)
{
    s->units_done++;
    if (s->p->progress && s->units_total)
        s->p->progress(s->p->ctx, (double)s->units_done / (double)s->units_total);
}

/* Later passes skip blocks without work: pass 1 one whose points are all
 * core and already in one cluster, pass 2 one without core points on both
 * sides not yet all in one cluster, pass 3 one without a border candidate
 * on one side and a core point on the other. */
typedef struct side_info {
    int core, cand, noncore;
    uint32_t root; /* common root of the core points, UINT32_MAX if several */
} side_info;

/* The points [from, from + len), or list[0 .. len) when list is not NULL. */
static void side_scan(dbs *s, const uint32_t *list, size_t from, size_t len, const uint8_t *cand, side_info *si)
{
    const uint32_t M = s->minpts;
    si->core = si->cand = si->noncore = 0;
    si->root = UINT32_MAX;
    int several = 0;
    for (size_t q = 0; q < len; q++) {
        size_t k = list ? list[q] : from + q;
        if (s->cnt[k] >= M) {
            uint32_t r = find(s->parent, (uint32_t)k);
            if (!si->core)
                si->root = r;
            else if (r != si->root)
                several = 1;
            si->core = 1;
        } else {
            si->noncore = 1;
            if (cand && cand[k])
                si->cand = 1;
        }
    }
    if (several)
        si->root = UINT32_MAX;
}

/* Pass 1 may skip a block whose points are all core and already in one
 * cluster: it can add no count that matters and no union. */
static int settled(dbs *s, const block *b)
{
    side_info rs, cs;
    side_scan(s, NULL, b->i0, b->ni, NULL, &rs);
    if (rs.noncore || rs.root == UINT32_MAX)
        return 0;
    side_scan(s, b->col, 0, b->nj, NULL, &cs);
    return !cs.noncore && cs.root == rs.root;
}

/* Pass 1: count, unite known-core pairs, keep edges. */
static void pass_count(dbs *s)
{
    uint64_t block_no = 0;
    size_t rb = 0;
    for (size_t t0 = 0, t1; t0 < s->ntiles; t0 = t1, rb++) {
        size_t i0 = s->tstart[t0], ni = row_block(s, t0, &t1), nc = candidates(s, t0, t1), next = 0;
        while (next < nc) {
            block b;
            make_chunk(s, i0, ni, nc, &next, &b);
            if (!settled(s, &b)) {
                multiply(s, &b);
                scan_count_all(s, &b);
                scan_link(s, &b, block_no);
            }
            block_no++;
        }
        if (s->overflow && s->overflow_rb == SIZE_MAX)
            s->overflow_rb = rb;
        progress(s);
    }
}

static void offer(int32_t *labels, size_t border, int32_t label)
{
    if (labels[border] < 0 || label < labels[border])
        labels[border] = label;
}

/* Pass 2 (after an overflow): unite core pairs in the chunks from the first
 * one that lost an edge. Pass 3 (cand not NULL): border points of those
 * chunks; labels holds the core points' labels. */
static void pass_again(dbs *s, const uint8_t *cand, int32_t *labels)
{
    const uint32_t M = s->minpts;
    uint64_t block_no = 0;
    size_t rb = 0;
    for (size_t t0 = 0, t1; t0 < s->ntiles; t0 = t1, rb++) {
        size_t i0 = s->tstart[t0], ni = row_block(s, t0, &t1), nc = candidates(s, t0, t1), next = 0;
        while (next < nc) {
            block b;
            make_chunk(s, i0, ni, nc, &next, &b);
            if (block_no++ < s->overflow_block)
                continue;
            side_info rs, cs;
            side_scan(s, NULL, b.i0, b.ni, cand, &rs);
            side_scan(s, b.col, 0, b.nj, cand, &cs);
            if (cand ? !((rs.cand && cs.core) || (rs.core && cs.cand))
                     : !rs.core || !cs.core || (rs.root != UINT32_MAX && rs.root == cs.root))
                continue;
            multiply(s, &b);
            for (size_t r = 0; r < b.ni; r++) {
                size_t i = b.i0 + r;
                int ci = s->cnt[i] >= M;
                if (cand ? !ci && !cand[i] : !ci)
                    continue;
                const float *row = s->blk + r * b.nj;
                uint32_t ri = ci ? find(s->parent, (uint32_t)i) : 0;
                for (size_t c = b.first[r]; c < b.nj; c++) {
                    size_t j = b.col[c];
                    int cj = s->cnt[j] >= M;
                    if (!cand) {
                        if (cj && decide(s, &s->sc[0], row[c], i, j))
                            ri = unite(s->parent, ri, (uint32_t)j);
                        continue;
                    }
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
        }
        if (rb >= s->overflow_rb)
            progress(s);
    }
}

static void dbs_free(dbs *s)
{
    free(s->a);
    free(s->norm);
    free(s->perm);
    free(s->cnt);
    free(s->parent);
    free(s->blk);
    free(s->pack);
    free(s->tstart);
    free(s->tlo);
    free(s->thi);
    free(s->own);
    free(s->nown);
    free(s->cand);
    free(s->cols);
    free(s->first);
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
    s.overflow_rb = SIZE_MAX;
    /* counts never exceed n, so a larger min_samples just means "no core point" */
    s.minpts = p->min_samples > n + 1 ? (uint32_t)n + 1 : (uint32_t)p->min_samples;
    s.R = p->block_rows ? p->block_rows : DEFAULT_ROWS;
    s.C = p->block_cols ? p->block_cols : DEFAULT_COLS;
    if (s.R > (size_t)INT_MAX || s.C > (size_t)INT_MAX / s.R)
        return vlit_err(err, VLIT_ERR_USAGE, "block of %zu x %zu is too large", s.R, s.C);
    /* tiles of at most T positions; row blocks and chunks hold whole tiles */
    s.T = s.R < TILE ? s.R : TILE;
    if (s.C < s.T)
        s.C = s.T;
    if (n && s.R > n)
        s.R = n;
    if (n && s.C > n)
        s.C = n;
    s.max_edges = p->max_edges ? p->max_edges : DEFAULT_EDGES;
    if (s.max_edges > SIZE_MAX / (2 * sizeof(uint32_t)))
        s.max_edges = SIZE_MAX / (2 * sizeof(uint32_t));
    /* One scanning thread by default: OpenBLAS already keeps every core busy in
     * sgemm, and a scan is a tenth of the work; more threads only compete with
     * OpenBLAS's waiting workers (measured in bench/dbscan/README.md). */
    s.threads = p->threads > 1 ? (p->threads > MAX_THREADS ? MAX_THREADS : p->threads) : 1;
    /* Pruning needs eps < 1 (rows without direction are then nobody's
     * neighbour) and a float32 product whose error bound means something. */
    s.prune = !p->no_pruning && s.eps < 1.0 && (double)dim * ldexp(1.0, -24) < 0.01 && n > s.T;
    if (s.prune) {
        size_t k = p->pivots;
        if (!k) {
            k = (size_t)(sqrt((double)n) / 2.0);
            if (k > MAX_PIVOTS)
                k = MAX_PIVOTS;
        }
        size_t cap = ((size_t)4 << 20) / dim; /* pivots of at most 16 MiB */
        if (k > cap)
            k = cap;
        if (k > n)
            k = n;
        if (k > UINT16_MAX - 1)
            k = UINT16_MAX - 1;
        s.k = k ? k : 1;
    }

    int32_t *labels = malloc((n ? n : 1) * sizeof *labels), *lab = NULL;
    uint8_t *core = malloc(n ? n : 1), *cand = NULL, *core_at = NULL;
    double *len = NULL;
    size_t *sizes = NULL, clusters = 0;
    if (!labels || !core) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory for %zu rows", n);
        goto out;
    }
    if (n == 0)
        goto finish;

    len = malloc(n * sizeof *len);
    s.a = big_alloc(n * dim * sizeof *s.a);
    s.norm = malloc(n * sizeof *s.norm);
    s.cnt = malloc(n * sizeof *s.cnt);
    s.parent = malloc(n * sizeof *s.parent);
    s.blk = big_alloc(s.R * s.C * sizeof *s.blk);
    s.colacc = calloc((size_t)s.threads * s.C, sizeof *s.colacc);
    s.row_start = malloc(s.R * sizeof *s.row_start);
    s.row_count = malloc(s.R * sizeof *s.row_count);
    s.row_thread = malloc(s.R);
    s.cols = malloc(s.C * sizeof *s.cols);
    s.first = malloc(s.R * sizeof *s.first);
    lab = malloc(n * sizeof *lab);
    core_at = malloc(n);
    if (!len || !s.a || !s.norm || !s.cnt || !s.parent || !s.blk || !s.colacc || !s.row_start || !s.row_count ||
        !s.row_thread || !s.cols || !s.first || !lab || !core_at) {
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
    if ((st = lengths(&s, len, err)))
        goto out;
    if (s.prune) {
        if (!setup_pruning(&s, len)) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory for the pruning bounds of %zu rows", n);
            goto out;
        }
    } else if (!fixed_tiles(&s)) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory for %zu rows", n);
        goto out;
    } else {
        place_rows(&s, len);
    }
    s.cand = malloc(s.ntiles * sizeof *s.cand);
    if (!s.cand) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory for %zu rows", n);
        goto out;
    }
    for (size_t t0 = 0, t1; t0 < s.ntiles; t0 = t1, s.nrb++)
        row_block(&s, t0, &t1);
    free(len);
    len = NULL;
    set_band(&s);
    s.units_total = s.nrb;

    pass_count(&s);
    out->passes = 1;

    for (size_t i = 0; i < n; i++)
        core_at[i] = s.cnt[i] >= s.minpts;
    if (s.overflow) {
        s.units_total += 2 * (s.nrb - s.overflow_rb);
        pass_again(&s, NULL, NULL);
        out->passes = 2;
    }
    /* kept edges between core points */
    for (size_t e = 0; e < s.nedges; e++) {
        uint32_t i = s.edges[2 * e], j = s.edges[2 * e + 1];
        if (core_at[i] && core_at[j])
            unite(s.parent, find(s.parent, i), j);
    }
    /* clusters in the order of their first core point in the caller's rows;
     * lab is by position, and a root's label is its cluster's */
    for (size_t i = 0; i < n; i++)
        lab[i] = -1;
    {
        /* the position of each row: the inverse of perm, kept in labels for now */
        uint32_t *pos = (uint32_t *)labels;
        for (size_t q = 0; q < n; q++)
            pos[row_of(&s, q)] = (uint32_t)q;
        for (size_t i = 0; i < n; i++) {
            uint32_t q = pos[i];
            if (!core_at[q])
                continue;
            uint32_t r = find(s.parent, q);
            if (lab[r] < 0)
                lab[r] = (int32_t)clusters++;
            lab[q] = lab[r];
        }
    }
    /* border points: the smallest label among their core neighbours */
    for (size_t e = 0; e < s.nedges; e++) {
        uint32_t i = s.edges[2 * e], j = s.edges[2 * e + 1];
        if (core_at[i] && !core_at[j])
            offer(lab, j, lab[i]);
        else if (core_at[j] && !core_at[i])
            offer(lab, i, lab[j]);
    }
    if (s.overflow) {
        cand = malloc(n);
        if (!cand) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t self = s.norm[i] != 0.0 || s.eps >= 1.0;
            cand[i] = !core_at[i] && s.cnt[i] > self;
        }
        pass_again(&s, cand, lab);
        out->passes = 3;
    }
    for (size_t q = 0; q < n; q++) {
        size_t i = row_of(&s, q);
        labels[i] = lab[q];
        core[i] = core_at[q];
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
    out->pivots = s.k;
    for (int t = 0; t < s.threads; t++)
        out->rechecked += s.sc[t].rechecked;
    labels = NULL;
    core = NULL;
    sizes = NULL;
out:
    if (st)
        memset(out, 0, sizeof *out);
    dbs_free(&s);
    free(len);
    free(lab);
    free(core_at);
    free(cand);
    free(labels);
    free(core);
    free(sizes);
    return st;
}
