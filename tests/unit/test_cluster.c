/* DBSCAN on cosine distance (hand-made sets, the eps boundary, duplicates,
 * rows without direction, an independent O(n^2) reference on random sets
 * with every block size, thread count and edge budget) and the matrix
 * readers (.npy headers good and bad, TSV rows good and bad). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/random.h"
#include "../../src/report/npy.h"
#include "vlit/cluster.h"

#include "check.h"
#include "testutil.h"

#define PI 3.14159265358979323846

static const char *write_bytes(const char *name, const void *data, size_t len)
{
    const char *p = tmp_path(name);
    FILE *fp = fopen(p, "wb");
    if (!fp || (len && fwrite(data, 1, len, fp) != len))
        abort();
    fclose(fp);
    return p;
}

/* Runs DBSCAN with the defaults and the given eps / min_samples. */
static vlit_status run(const float *x, size_t n, size_t dim, double eps, size_t min_samples, vlit_dbscan_result *r,
                       vlit_error *err)
{
    vlit_dbscan_params p = vlit_dbscan_default_params();
    p.eps = eps;
    p.min_samples = min_samples;
    return vlit_dbscan(x, n, dim, &p, r, err);
}

static int labels_are(const vlit_dbscan_result *r, const int *want, size_t n)
{
    if (r->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (r->labels[i] != want[i]) {
            fprintf(stderr, "  row %zu: label %d, want %d\n", i, (int)r->labels[i], want[i]);
            return 0;
        }
    return 1;
}

/* 2-D unit vectors at the given angles (degrees): cosine distance between
 * two of them is 1 - cos(difference). */
static float *at_angles(const double *deg, size_t n)
{
    float *x = malloc(2 * n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        x[2 * i] = (float)cos(deg[i] * PI / 180);
        x[2 * i + 1] = (float)sin(deg[i] * PI / 180);
    }
    return x;
}

static void test_hand_made(void)
{
    vlit_error err = {0};
    vlit_dbscan_result r = {0};
    /* two tight groups, one point between them far from both, eps = 3 degrees */
    double deg[] = {0, 1, 2, 60, 61, 62, 30, 2.5};
    float *x = at_angles(deg, 8);
    double eps = 1 - cos(3.0 * PI / 180);
    CHECK(run(x, 8, 2, eps, 3, &r, &err) == VLIT_OK);
    int want[] = {0, 0, 0, 1, 1, 1, -1, 0};
    CHECK(labels_are(&r, want, 8));
    CHECK(r.clusters == 2 && r.core_points == 7 && r.noise_points == 1 && r.border_points == 0);
    CHECK(r.sizes[0] == 4 && r.sizes[1] == 3);
    vlit_dbscan_result_free(&r);

    /* min_samples counts the point itself: 3 points within eps of each
     * other are core with min_samples 3, not with 4 */
    CHECK(run(x, 8, 2, eps, 4, &r, &err) == VLIT_OK);
    /* with 4: 0,1,2,2.5 are within 2.5 degrees of each other: 4 neighbours each */
    int want4[] = {0, 0, 0, -1, -1, -1, -1, 0};
    CHECK(labels_are(&r, want4, 8));
    CHECK(r.core_points == 4);
    vlit_dbscan_result_free(&r);
    CHECK(run(x, 8, 2, eps, 5, &r, &err) == VLIT_OK);
    CHECK(r.clusters == 0 && r.noise_points == 8);
    vlit_dbscan_result_free(&r);
    /* min_samples 1: every point is core, the lonely one is its own cluster */
    CHECK(run(x, 8, 2, eps, 1, &r, &err) == VLIT_OK);
    int want1[] = {0, 0, 0, 1, 1, 1, 2, 0};
    CHECK(labels_are(&r, want1, 8));
    vlit_dbscan_result_free(&r);
    free(x);
}

/* Border points: a point that reaches only the end of a cluster joins it;
 * a point that reaches two clusters joins the one whose first core point
 * comes first (the one scikit-learn's search finds first); labels follow
 * the clusters' first core points, not their first members. */
static void test_borders(void)
{
    vlit_error err = {0};
    vlit_dbscan_result r = {0};
    double eps = 1 - cos(2.0 * PI / 180); /* 2 degrees */
    /* rows 1-3: cluster A at 0, 0.9, 1.8 deg; rows 4-6: cluster B at 9, 10,
     * 10.8; row 0 at 12.5 reaches only B's 10.8, row 8 at 3.5 only A's 1.8,
     * row 7 at 6 reaches nothing (no pair is near 2 deg, where float
     * rounding would decide) */
    double deg[] = {12.5, 0, 0.9, 1.8, 9, 10, 10.8, 6, 3.5};
    float *x = at_angles(deg, 9);
    CHECK(run(x, 9, 2, eps, 3, &r, &err) == VLIT_OK);
    int want[] = {1, 0, 0, 0, 1, 1, 1, -1, 0};
    CHECK(labels_are(&r, want, 9));
    CHECK(r.border_points == 2 && r.core[0] == 0 && r.core[8] == 0 && r.core[1] == 1);
    vlit_dbscan_result_free(&r);
    free(x);

    /* rows 0-3: cluster B at 6..7.2 deg, rows 4-7: cluster A at 0..1.2;
     * row 8 at 3.6 is 2.4 deg from A's 1.2 and from B's 6: 3 neighbours
     * with itself, a border of both; B's first core point (row 0) comes
     * first, so B takes it */
    double deg2[] = {6, 6.4, 6.8, 7.2, 0, 0.4, 0.8, 1.2, 3.6};
    double eps2 = 1 - cos(2.45 * PI / 180);
    x = at_angles(deg2, 9);
    CHECK(run(x, 9, 2, eps2, 4, &r, &err) == VLIT_OK);
    int want2[] = {0, 0, 0, 0, 1, 1, 1, 1, 0};
    CHECK(labels_are(&r, want2, 9));
    CHECK(r.core[8] == 0 && r.border_points == 1);
    vlit_dbscan_result_free(&r);
    /* the same rows in another order: A's first core point first */
    double deg3[] = {0, 0.4, 0.8, 1.2, 6, 6.4, 6.8, 7.2, 3.6};
    free(x);
    x = at_angles(deg3, 9);
    CHECK(run(x, 9, 2, eps2, 4, &r, &err) == VLIT_OK);
    int want3[] = {0, 0, 0, 0, 1, 1, 1, 1, 0};
    CHECK(labels_are(&r, want3, 9));
    vlit_dbscan_result_free(&r);
    /* the border row first: it still takes the label of its cluster */
    double deg4[] = {3.6, 6, 6.4, 6.8, 7.2, 0, 0.4, 0.8, 1.2};
    free(x);
    x = at_angles(deg4, 9);
    CHECK(run(x, 9, 2, eps2, 4, &r, &err) == VLIT_OK);
    int want4[] = {0, 0, 0, 0, 0, 1, 1, 1, 1};
    CHECK(labels_are(&r, want4, 9));
    vlit_dbscan_result_free(&r);
    free(x);
}

/* The reference distance of the header, written out independently. */
static double ref_dist(const float *x, const float *y, size_t d)
{
    double nx = 0, ny = 0;
    for (size_t k = 0; k < d; k++) {
        nx += (double)x[k] * x[k];
        ny += (double)y[k] * y[k];
    }
    nx = sqrt(nx);
    ny = sqrt(ny);
    double s = 0;
    if (nx >= 10 * DBL_EPSILON && ny >= 10 * DBL_EPSILON)
        for (size_t k = 0; k < d; k++)
            s += ((double)x[k] / nx) * ((double)y[k] / ny);
    double dist = 1.0 - s;
    return dist < 0 ? 0 : dist > 2 ? 2 : dist;
}

/* Pairs at exactly eps are neighbours (<=), a hair below eps they are not;
 * the float32 shortcut must not decide such ties. */
static void test_eps_boundary(void)
{
    vlit_error err = {0};
    vlit_dbscan_result r = {0};
    float pairs[][4] = {{1, 0, 1, 1}, {3, 4, 4, 3}, {1, 2, 2, 1}, {0.6f, 0.8f, 1, 0}, {5, 1, 1, 5}};
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        double d = ref_dist(pairs[k], pairs[k] + 2, 2);
        CHECK(run(pairs[k], 2, 2, d, 2, &r, &err) == VLIT_OK);
        CHECK(r.clusters == 1 && r.core_points == 2);
        vlit_dbscan_result_free(&r);
        CHECK(run(pairs[k], 2, 2, nextafter(d, 0), 2, &r, &err) == VLIT_OK);
        CHECK(r.clusters == 0 && r.noise_points == 2);
        vlit_dbscan_result_free(&r);
    }
    /* the same in 300 dimensions, where the float32 product's error is
     * largest: random pairs tested at their own distance */
    uint64_t seed = 7;
    size_t d = 300;
    float *x = malloc(2 * d * sizeof *x);
    for (int rep = 0; rep < 50; rep++) {
        for (size_t k = 0; k < 2 * d; k++)
            x[k] = (float)(vlit_uniform01(&seed) - 0.3);
        double dist = ref_dist(x, x + d, d);
        CHECK(run(x, 2, d, dist, 2, &r, &err) == VLIT_OK);
        CHECK(r.core_points == 2);
        vlit_dbscan_result_free(&r);
        CHECK(run(x, 2, d, nextafter(dist, 0), 2, &r, &err) == VLIT_OK);
        CHECK(r.core_points == 0);
        CHECK(r.rechecked >= 1);
        vlit_dbscan_result_free(&r);
    }
    free(x);
}

static void test_duplicates_and_zero_rows(void)
{
    vlit_error err = {0};
    vlit_dbscan_result r = {0};
    /* duplicates and positive multiples share a direction: distance 0, and
     * they are neighbours even for a tiny eps */
    float dup[] = {1, 2, 3, 1, 2, 3, 2, 4, 6, 0.5f, 1, 1.5f, 3, 2, 1};
    CHECK(run(dup, 5, 3, 1e-12, 4, &r, &err) == VLIT_OK);
    int want[] = {0, 0, 0, 0, -1};
    CHECK(labels_are(&r, want, 5));
    vlit_dbscan_result_free(&r);

    /* all-zero rows: no direction, distance 1 to every row (themselves
     * too): with eps < 1 never a neighbour, never core, even with
     * min_samples 1; two zero rows are not neighbours of each other */
    float z[] = {0, 0, 1, 0, 0, 0, 1, 0.01f, 0, 1, 1e-30f, 0};
    /* rows: 0 zero, 1 (1,0), 2 zero, 3 (1,0.01), 4 (0,1), 5 tiny (length < 10 DBL_EPSILON) */
    CHECK(run(z, 6, 2, 0.5, 1, &r, &err) == VLIT_OK);
    int wantz[] = {-1, 0, -1, 0, 1, -1};
    CHECK(labels_are(&r, wantz, 6));
    CHECK(r.core[0] == 0 && r.core[2] == 0 && r.core[5] == 0 && r.core[1] == 1);
    vlit_dbscan_result_free(&r);
    /* eps >= 1: distance 1 is within eps, so a zero row is everybody's
     * neighbour and all rows here (none at an obtuse angle) form one cluster */
    CHECK(run(z, 6, 2, 1.0, 6, &r, &err) == VLIT_OK);
    int wantz1[] = {0, 0, 0, 0, 0, 0};
    CHECK(labels_are(&r, wantz1, 6));
    CHECK(r.core_points == 6);
    vlit_dbscan_result_free(&r);
    /* only zero rows */
    float zeros[8] = {0};
    CHECK(run(zeros, 4, 2, 0.3, 1, &r, &err) == VLIT_OK);
    CHECK(r.clusters == 0 && r.noise_points == 4);
    vlit_dbscan_result_free(&r);
    /* eps >= 2: everything is within eps, opposite directions too */
    float opp[] = {1, 0, -1, 0, 0, 1};
    CHECK(run(opp, 3, 2, 2.0, 3, &r, &err) == VLIT_OK);
    CHECK(r.clusters == 1 && r.core_points == 3);
    vlit_dbscan_result_free(&r);
    /* below 2 the opposite pair is not: only (0, 1) reaches both */
    CHECK(run(opp, 3, 2, 1.999, 3, &r, &err) == VLIT_OK);
    CHECK(r.clusters == 1 && r.core_points == 1 && r.core[2] == 1 && r.border_points == 2);
    vlit_dbscan_result_free(&r);
}

static void test_bad_arguments(void)
{
    vlit_error err = {0};
    vlit_dbscan_result r = {0};
    float x[] = {1, 0, 0, 1, NAN, 1};
    CHECK(run(x, 2, 2, 0, 2, &r, &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "eps");
    CHECK(run(x, 2, 2, -1, 2, &r, &err) == VLIT_ERR_USAGE);
    CHECK(run(x, 2, 2, NAN, 2, &r, &err) == VLIT_ERR_USAGE);
    CHECK(run(x, 2, 2, INFINITY, 2, &r, &err) == VLIT_ERR_USAGE);
    CHECK(run(x, 2, 2, 0.5, 0, &r, &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "min_samples");
    CHECK(run(x, 2, 0, 0.5, 2, &r, &err) == VLIT_ERR_USAGE);
    CHECK(run(x, 3, 2, 0.5, 2, &r, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "row 2, column 0");
    CHECK(r.labels == NULL && r.n == 0);
    x[4] = INFINITY;
    CHECK(run(x, 3, 2, 0.5, 2, &r, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "infinite");
    /* no rows, one row, min_samples beyond n */
    CHECK(run(NULL, 0, 0, 0.5, 2, &r, &err) == VLIT_OK);
    CHECK(r.n == 0 && r.clusters == 0);
    vlit_dbscan_result_free(&r);
    CHECK(run(x, 1, 2, 0.5, 1, &r, &err) == VLIT_OK);
    CHECK(r.n == 1 && r.clusters == 1 && r.labels[0] == 0);
    vlit_dbscan_result_free(&r);
    CHECK(run(x, 2, 2, 0.5, (size_t)-1, &r, &err) == VLIT_OK);
    CHECK(r.clusters == 0 && r.noise_points == 2);
    vlit_dbscan_result_free(&r);
    vlit_dbscan_result_free(&r); /* twice is fine */
    vlit_dbscan_result_free(NULL);
}

/* ---- an independent reference: all distances, then scikit-learn's search ---- */

static void reference(const float *x, size_t n, size_t d, double eps, size_t minpts, int *labels, uint8_t *core)
{
    size_t *cnt = calloc(n, sizeof *cnt);
    uint8_t *adj = malloc(n * n);
    /* a point is its own neighbour when its distance to itself (0 with a
     * direction, 1 without) is within eps, as in scikit-learn */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            adj[i * n + j] = ref_dist(x + i * d, x + j * d, d) <= eps;
            cnt[i] += adj[i * n + j];
        }
    for (size_t i = 0; i < n; i++) {
        core[i] = cnt[i] >= minpts;
        labels[i] = -1;
    }
    size_t *stack = malloc(n * n * sizeof *stack + 1);
    int next = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] != -1 || !core[i])
            continue;
        size_t top = 0;
        size_t v = i;
        for (;;) {
            if (labels[v] == -1) {
                labels[v] = next;
                if (core[v])
                    for (size_t j = 0; j < n; j++)
                        if (adj[v * n + j] && labels[j] == -1)
                            stack[top++] = j;
            }
            if (!top)
                break;
            v = stack[--top];
        }
        next++;
    }
    free(stack);
    free(adj);
    free(cnt);
}

static double gauss(uint64_t *s)
{
    double u = vlit_uniform01(s), v = vlit_uniform01(s);
    return sqrt(-2 * log(u + 1e-300)) * cos(2 * PI * v);
}

/* k clustered directions with noise rows, duplicates and zero rows mixed in */
static float *random_set(size_t n, size_t d, size_t k, double spread, uint64_t seed)
{
    float *c = malloc(k * d * sizeof *c), *x = malloc(n * d * sizeof *x);
    for (size_t i = 0; i < k * d; i++)
        c[i] = (float)gauss(&seed);
    for (size_t i = 0; i < n; i++) {
        double u = vlit_uniform01(&seed);
        size_t ck = (size_t)(vlit_uniform01(&seed) * (double)k);
        for (size_t j = 0; j < d; j++) {
            if (u < 0.15)
                x[i * d + j] = (float)gauss(&seed); /* noise */
            else
                x[i * d + j] = (float)(c[ck * d + j] + spread * gauss(&seed));
        }
        if (u > 0.97 && i > 0)
            memcpy(x + i * d, x + (i - 1) * d, d * sizeof *x); /* duplicate */
        else if (u > 0.96 && u <= 0.97)
            memset(x + i * d, 0, d * sizeof *x); /* zero row */
    }
    free(c);
    return x;
}

static void test_against_reference(void)
{
    struct {
        size_t n, d, k;
        double spread, eps;
        size_t minpts;
    } cases[] = {
        {300, 8, 5, 0.35, 0.05, 4},  {400, 16, 8, 0.5, 0.1, 5}, {250, 3, 4, 0.3, 0.01, 3},  {500, 32, 20, 0.6, 0.2, 3},
        {350, 64, 6, 0.45, 0.2, 10}, {200, 5, 3, 0.2, 1.2, 6},  {300, 12, 10, 0.7, 0.3, 2}, {257, 7, 2, 0.4, 0.02, 1},
    };
    vlit_error err = {0};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        size_t n = cases[t].n, d = cases[t].d;
        float *x = random_set(n, d, cases[t].k, cases[t].spread, 100 + t);
        int *want = malloc(n * sizeof *want);
        uint8_t *wcore = malloc(n);
        reference(x, n, d, cases[t].eps, cases[t].minpts, want, wcore);
        /* block sizes (odd, tiny, default), threads, and an edge budget so
         * small that the extra passes run */
        size_t blocks[][2] = {{0, 0}, {7, 13}, {64, 64}, {1, 1}, {33, 500}};
        size_t budgets[] = {0, 1, 17};
        int threads[] = {1, 3};
        int all_same = 1, some_extra = 0, some_clusters = 0;
        for (size_t bi = 0; bi < 5; bi++)
            for (size_t ei = 0; ei < 3; ei++)
                for (size_t ti = 0; ti < 2; ti++) {
                    vlit_dbscan_params p = vlit_dbscan_default_params();
                    p.eps = cases[t].eps;
                    p.min_samples = cases[t].minpts;
                    p.block_rows = blocks[bi][0];
                    p.block_cols = blocks[bi][1];
                    p.max_edges = budgets[ei];
                    p.threads = threads[ti];
                    vlit_dbscan_result r = {0};
                    if (vlit_dbscan(x, n, d, &p, &r, &err) != VLIT_OK) {
                        all_same = 0;
                        continue;
                    }
                    int same = labels_are(&r, want, n) && memcmp(r.core, wcore, n) == 0;
                    if (!same)
                        fprintf(stderr, "  case %zu, block %zux%zu, edges %zu, threads %d: differs\n", t, blocks[bi][0],
                                blocks[bi][1], budgets[ei], threads[ti]);
                    all_same &= same;
                    some_extra |= r.passes > 1;
                    some_clusters |= r.clusters > 1;
                    vlit_dbscan_result_free(&r);
                }
        CHECK(all_same);
        CHECK(some_clusters || t == 5);
        CHECK(some_extra || cases[t].minpts <= 2); /* with 2, a neighbour makes both core at once */
        if ((!some_clusters && t != 5) || (!some_extra && cases[t].minpts > 2))
            fprintf(stderr, "  case %zu: clusters %d, extra passes %d\n", t, some_clusters, some_extra);
        free(want);
        free(wcore);
        free(x);
    }
}

/* Runs with pruning on and off, several pivot counts and block shapes, and
 * compares each run with the reference; returns 1 when all agree. */
static int pruned_runs_agree(const float *x, size_t n, size_t d, double eps, size_t minpts, uint64_t *pruned_pairs,
                             uint64_t *all_pairs)
{
    int *want = malloc(n * sizeof *want);
    uint8_t *wcore = malloc(n);
    reference(x, n, d, eps, minpts, want, wcore);
    size_t pivots[] = {0, 1, 7, n};
    size_t blocks[][2] = {{0, 0}, {1, 1}, {5, 9}, {64, 130}};
    int ok = 1;
    vlit_error err = {0};
    for (size_t off = 0; off < 2; off++)
        for (size_t pi = 0; pi < 4; pi++)
            for (size_t bi = 0; bi < 4; bi++) {
                if (off && pi)
                    continue; /* pivots mean nothing without pruning */
                vlit_dbscan_params p = vlit_dbscan_default_params();
                p.eps = eps;
                p.min_samples = minpts;
                p.no_pruning = (int)off;
                p.pivots = pivots[pi];
                p.block_rows = blocks[bi][0];
                p.block_cols = blocks[bi][1];
                p.max_edges = bi == 2 ? 5 : 0; /* and the extra passes, pruned */
                vlit_dbscan_result r = {0};
                if (vlit_dbscan(x, n, d, &p, &r, &err) != VLIT_OK) {
                    ok = 0;
                    continue;
                }
                int same = labels_are(&r, want, n) && memcmp(r.core, wcore, n) == 0;
                if (!same)
                    fprintf(stderr, "  eps %.17g, pruning %s, pivots %zu, block %zux%zu: differs\n", eps,
                            off ? "off" : "on", pivots[pi], blocks[bi][0], blocks[bi][1]);
                ok &= same;
                if (bi == 0 && pi == 0) {
                    if (off && all_pairs)
                        *all_pairs = r.pairs;
                    else if (!off && pruned_pairs)
                        *pruned_pairs = r.pairs;
                }
                vlit_dbscan_result_free(&r);
            }
    free(want);
    free(wcore);
    return ok;
}

/* Pruning skips pairs on bounds from pivots: the bounds must never lose a
 * neighbour pair, even one exactly at eps whose rows are exactly at the
 * bound's margin (rows used as pivots, one row per tile), nor a pair of
 * duplicates or rows without direction, for any eps. */
static void test_pruning(void)
{
    /* 16 groups in 16 dimensions: 4 copies of e_g (core) and a bridge row
     * (c e_g + s e_g+1) at exactly eps from them; eps is their distance, a
     * hair below it, and a hair above it */
    const size_t d = 16, groups = 16, n = groups * 5;
    float *x = calloc(n * d, sizeof *x);
    const float c = 0.8f, s = 0.6f;
    for (size_t g = 0; g < groups; g++) {
        for (size_t k = 0; k < 4; k++)
            x[(g * 5 + k) * d + g] = 1.0f;
        x[(g * 5 + 4) * d + g] = c;
        x[(g * 5 + 4) * d + (g + 1) % d] = s;
    }
    double tie = ref_dist(x, x + 4 * d, d);
    CHECK(tie > 0.1 && tie < 0.3);
    double eps_at[] = {tie, nextafter(tie, 0), nextafter(tie, 1)};
    for (size_t e = 0; e < 3; e++) {
        CHECK(pruned_runs_agree(x, n, d, eps_at[e], 5, NULL, NULL));
        CHECK(pruned_runs_agree(x, n, d, eps_at[e], 6, NULL, NULL));
    }
    free(x);

    /* random sets with noise, duplicates and zero rows, eps from near 0 to
     * near 2 (pruning applies below 1) */
    double eps_list[] = {1e-6, 0.02, 0.15, 0.5, 0.99, 1.0, 1.5, 1.99};
    for (size_t e = 0; e < sizeof eps_list / sizeof eps_list[0]; e++) {
        float *y = random_set(240, 24, 9, 0.3, 500 + e);
        /* a few exact duplicates of one row and zero rows in a block */
        for (size_t k = 0; k < 6; k++)
            memcpy(y + (100 + k) * 24, y + 3 * 24, 24 * sizeof *y);
        memset(y + 200 * 24, 0, 5 * 24 * sizeof *y);
        CHECK(pruned_runs_agree(y, 240, 24, eps_list[e], 3, NULL, NULL));
        free(y);
    }

    /* well separated clusters: pruning multiplies far fewer pairs, with the
     * same result */
    float *z = random_set(1500, 32, 8, 0.15, 77);
    uint64_t pruned = 0, all = 0;
    CHECK(pruned_runs_agree(z, 1500, 32, 0.05, 5, &pruned, &all));
    CHECK(all == 1500ull * 1499 / 2);
    CHECK(pruned > 0 && pruned < all / 2);
    if (!(pruned < all / 2))
        fprintf(stderr, "  pruning multiplied %llu of %llu pairs\n", (unsigned long long)pruned,
                (unsigned long long)all);
    free(z);
}

/* One big cluster: most blocks are skipped once it is joined. */
static void test_one_cluster(void)
{
    size_t n = 3000, d = 4;
    float *x = random_set(n, d, 1, 0.01, 5);
    for (size_t i = 0; i < n * d; i++)
        x[i] = fabsf(x[i]) + 1.0f;
    vlit_dbscan_params p = vlit_dbscan_default_params();
    p.eps = 0.5;
    p.min_samples = 3;
    p.block_rows = 100;
    p.block_cols = 100;
    vlit_dbscan_result r = {0};
    vlit_error err = {0};
    CHECK(vlit_dbscan(x, n, d, &p, &r, &err) == VLIT_OK);
    CHECK(r.clusters == 1 && r.noise_points == 0);
    CHECK(r.pairs < (uint64_t)n * (n - 1) / 2 / 4); /* settled blocks skipped */
    vlit_dbscan_result_free(&r);
    free(x);
}

/* ---- matrix files ---- */

/* A .npy file: version, header text (padded as given), then data bytes. */
static const char *npy_file(const char *name, int major, const char *header, const float *data, size_t count,
                            size_t extra_bytes)
{
    size_t hl = strlen(header);
    size_t pre = major == 1 ? 10 : 12;
    size_t len = pre + hl + count * 4 + extra_bytes;
    unsigned char *b = calloc(len + 1, 1);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    b[8] = (unsigned char)(hl & 0xff);
    b[9] = (unsigned char)(hl >> 8);
    if (major != 1) {
        b[10] = (unsigned char)(hl >> 16);
        b[11] = (unsigned char)(hl >> 24);
    }
    memcpy(b + pre, header, hl);
    if (count)
        memcpy(b + pre + hl, data, count * 4); /* little-endian host */
    const char *p = write_bytes(name, b, len);
    free(b);
    return p;
}

static void test_npy(void)
{
    vlit_error err = {0};
    vlit_matrix m = {0};
    float v[6] = {1, 2, 3, 4, 5, -6.5f};
    const char *h23 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }         \n";
    for (int major = 1; major <= 3; major++) {
        const char *p = npy_file("v.npy", major, h23, v, 6, 0);
        CHECK(vlit_matrix_read(p, VLIT_MATRIX_AUTO, &m, &err) == VLIT_OK);
        CHECK(m.rows == 2 && m.cols == 3 && m.data && m.data[5] == -6.5f && m.data[1] == 2);
        vlit_matrix_free(&m);
    }
    /* other spellings numpy accepts: double quotes, any key order, no trailing comma */
    const char *p = npy_file("o.npy", 1, "{\"shape\": (3,2), \"fortran_order\": False, \"descr\": \"<f4\"}\n", v, 6, 0);
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_NPY, &m, &err) == VLIT_OK);
    CHECK(m.rows == 3 && m.cols == 2);
    vlit_matrix_free(&m);
    /* zero rows */
    p = npy_file("z.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }\n", v, 0, 0);
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_AUTO, &m, &err) == VLIT_OK);
    CHECK(m.rows == 0);
    vlit_matrix_free(&m);

    struct {
        const char *header;
        size_t count, extra;
        vlit_status st;
        const char *needle;
    } bad[] = {
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n", 12, 0, VLIT_ERR_DATA, "'<f8'"},
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }\n", 6, 0, VLIT_ERR_DATA, "'>f4'"},
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", 6, 0, VLIT_ERR_DATA, "Fortran"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }\n", 6, 0, VLIT_ERR_DATA, "1 dimensions"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }\n", 6, 0, VLIT_ERR_DATA, "3 dimensions"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", 5, 0, VLIT_ERR_PARSE, "needs 24 bytes"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", 6, 3, VLIT_ERR_PARSE, "needs 24 bytes"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0), }\n", 0, 0, VLIT_ERR_DATA, "without values"},
        {"{'descr': '<f4', 'fortran_order': False}\n", 0, 0, VLIT_ERR_PARSE, "lacks 'shape'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}\n", 6, 0, VLIT_ERR_PARSE, "unknown key"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}\n", 6, 0, VLIT_ERR_PARSE, "twice"},
        {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}\n", 6, 0, VLIT_ERR_PARSE, "True or False"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 3)}\n", 6, 0, VLIT_ERR_PARSE,
         "too large"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4)}\n", 6, 0, VLIT_ERR_LIMIT,
         "too large"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} x\n", 6, 0, VLIT_ERR_PARSE, "after the dict"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}\n", 2, 0, VLIT_ERR_PARSE, "structured"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)\n", 6, 0, VLIT_ERR_PARSE, "expected ','"},
        {"", 0, 0, VLIT_ERR_PARSE, "expected '{'"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        float big[12] = {0};
        p = npy_file("bad.npy", 1, bad[k].header, big, bad[k].count, bad[k].extra);
        vlit_status st = vlit_matrix_read(p, VLIT_MATRIX_AUTO, &m, &err);
        CHECK(st == bad[k].st);
        if (st != bad[k].st)
            fprintf(stderr, "  case %zu: status %d: %s\n", k, (int)st, err.message);
        CHECK_HAS(err.message, bad[k].needle);
        CHECK_HAS(err.message, "bad.npy");
        CHECK(m.data == NULL && m.rows == 0);
    }
    /* preamble problems */
    p = write_bytes("short.npy", "\x93NUMPY\x01", 7);
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_NPY, &m, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "truncated");
    p = write_bytes("v4.npy", "\x93NUMPY\x04\x00\x10\x00{}", 12);
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_NPY, &m, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "version 4.0");
    p = write_bytes("hdr.npy", "\x93NUMPY\x01\x00\x40\x00{'descr'", 17);
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_NPY, &m, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "truncated .npy header");
    p = write_bytes("notnpy.npy", "NUMPY!\x01\x00\x10\x00{}", 12);
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_NPY, &m, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "magic");
    /* a value that is not finite: named by row, column and byte */
    float nanv[6] = {1, 2, 3, 4, NAN, 6};
    p = npy_file("nan.npy", 1, h23, nanv, 6, 0);
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_AUTO, &m, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "row 1, column 1");
    CHECK_HAS(err.message, "byte ");
    CHECK_HAS(err.message, "NaN");
    CHECK(vlit_matrix_read(tmp_path("missing.npy"), VLIT_MATRIX_AUTO, &m, &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "missing.npy");

    /* the header parser alone */
    npy_header h;
    char why[200];
    const char *t = "{'descr':'<f4','fortran_order':False,'shape':(10,)}";
    CHECK(npy_parse_header(t, strlen(t), &h, why, sizeof why) == 0 && h.ndim == 1 && h.shape[0] == 10);
    t = "{'descr':'<f4','fortran_order':False,'shape':()}";
    CHECK(npy_parse_header(t, strlen(t), &h, why, sizeof why) == 0 && h.ndim == 0);
    t = "{'descr':'<f4','fortran_order':False,'shape':(1,2,),}   \n";
    CHECK(npy_parse_header(t, strlen(t), &h, why, sizeof why) == 0 && h.ndim == 2 && h.shape[1] == 2);
    t = "{'descr':'<f4\\n','fortran_order':False,'shape':(1,2)}";
    CHECK(npy_parse_header(t, strlen(t), &h, why, sizeof why) == -1);
    CHECK_HAS(why, "unsupported character");
    t = "{'descr':'<f4','fortran_order':Falsey,'shape':(1,2)}";
    CHECK(npy_parse_header(t, strlen(t), &h, why, sizeof why) == -1);
    t = "{'descr':'<f4','fortran_order':False,'shape':(1,,2)}";
    CHECK(npy_parse_header(t, strlen(t), &h, why, sizeof why) == -1);
    CHECK_HAS(why, "byte ");
}

static void test_tsv(void)
{
    vlit_error err = {0};
    vlit_matrix m = {0};
    const char *p = write_file("a.tsv", "1\t2\t3\n  -4.5 5e-1\t\t6  \r\n7 8 9\n\n\n");
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_AUTO, &m, &err) == VLIT_OK);
    CHECK(m.rows == 3 && m.cols == 3 && m.data[3] == -4.5f && m.data[4] == 0.5f && m.data[8] == 9);
    vlit_matrix_free(&m);
    p = write_file("nonl.tsv", "1 2");
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_TSV, &m, &err) == VLIT_OK);
    CHECK(m.rows == 1 && m.cols == 2);
    vlit_matrix_free(&m);
    p = write_file("empty.tsv", "");
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_AUTO, &m, &err) == VLIT_OK);
    CHECK(m.rows == 0 && m.cols == 0);
    vlit_matrix_free(&m);

    struct {
        const char *text;
        vlit_status st;
        const char *needles[2];
    } bad[] = {
        {"1 2 3\n4 5\n", VLIT_ERR_DATA, {"line 2", "2 values, earlier rows have 3"}},
        {"1 2\n3 4 5\n", VLIT_ERR_DATA, {"line 2", "more than 2 values"}},
        {"1 2\n3 x\n", VLIT_ERR_PARSE, {"line 2, column 2 (byte 6)", "'x' is not a number"}},
        {"1 2\nnan 4\n", VLIT_ERR_PARSE, {"line 2, column 1", "'nan'"}},
        {"1 inf\n", VLIT_ERR_PARSE, {"line 1, column 2", "'inf'"}},
        {"0x10 1\n", VLIT_ERR_PARSE, {"line 1, column 1", "'0x10'"}},
        {"1e39 1\n", VLIT_ERR_DATA, {"line 1, column 1", "float32 range"}},
        {"1 2\n\n3 4\n", VLIT_ERR_PARSE, {"line 2", "blank line"}},
        {"1,2\n", VLIT_ERR_PARSE, {"line 1", "'1,2'"}},
        {"1 --2\n", VLIT_ERR_PARSE, {"column 2", "'--2'"}},
        {"1 \x01\n", VLIT_ERR_PARSE, {"column 2", "'?'"}},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        p = write_file("bad.tsv", bad[k].text);
        vlit_status st = vlit_matrix_read(p, VLIT_MATRIX_AUTO, &m, &err);
        CHECK(st == bad[k].st);
        if (st != bad[k].st)
            fprintf(stderr, "  tsv case %zu: status %d: %s\n", k, (int)st, err.message);
        CHECK_HAS(err.message, "bad.tsv");
        CHECK_HAS(err.message, bad[k].needles[0]);
        CHECK_HAS(err.message, bad[k].needles[1]);
        CHECK(m.data == NULL && m.rows == 0);
    }
    /* a long value */
    char longv[400];
    memset(longv, '1', sizeof longv - 2);
    longv[sizeof longv - 2] = '\n';
    longv[sizeof longv - 1] = '\0';
    p = write_file("long.tsv", longv);
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_AUTO, &m, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "longer than");
    /* many rows: the buffer grows */
    FILE *fp = fopen(tmp_path("many.tsv"), "w");
    for (int i = 0; i < 5000; i++)
        fprintf(fp, "%d\t%d.25\n", i, -i);
    fclose(fp);
    CHECK(vlit_matrix_read(tmp_path("many.tsv"), VLIT_MATRIX_AUTO, &m, &err) == VLIT_OK);
    CHECK(m.rows == 5000 && m.cols == 2 && m.data[2 * 4999] == 4999 && m.data[2 * 4999 + 1] == -4999.25f);
    vlit_matrix_free(&m);
}

static void test_write_and_append(void)
{
    vlit_error err = {0};
    float v[8] = {1, 2, 3, 4, 5, 6, 7, 8.5f};
    vlit_matrix a = {v, 4, 2}, m = {0}, back = {0};
    const char *p = tmp_path("w.npy");
    CHECK(vlit_matrix_write_npy(&a, p, &err) == VLIT_OK);
    CHECK(vlit_matrix_read(p, VLIT_MATRIX_AUTO, &back, &err) == VLIT_OK);
    CHECK(back.rows == 4 && back.cols == 2 && memcmp(back.data, v, sizeof v) == 0);
    vlit_matrix_free(&back);
    /* the header is padded so the data starts at a multiple of 64 */
    unsigned char *bytes = (unsigned char *)read_file(p);
    CHECK(bytes && (10 + bytes[8]) % 64 == 0 && bytes[9 + bytes[8]] == '\n');
    free(bytes);
    /* shards put together in order: npy + tsv + npy; a zero-row shard too */
    const char *t = write_file("mid.tsv", "9 10\n11 12\n");
    vlit_matrix empty = {NULL, 0, 2};
    const char *pe = tmp_path("e.npy");
    CHECK(vlit_matrix_write_npy(&empty, pe, &err) == VLIT_OK);
    CHECK(vlit_matrix_append_file(&m, p, VLIT_MATRIX_AUTO, &err) == VLIT_OK);
    CHECK(vlit_matrix_append_file(&m, pe, VLIT_MATRIX_AUTO, &err) == VLIT_OK);
    CHECK(vlit_matrix_append_file(&m, t, VLIT_MATRIX_AUTO, &err) == VLIT_OK);
    CHECK(vlit_matrix_append_file(&m, p, VLIT_MATRIX_AUTO, &err) == VLIT_OK);
    CHECK(m.rows == 10 && m.cols == 2 && m.data[8] == 9 && m.data[11] == 12 && m.data[19] == 8.5f);
    /* a shard of another width is refused and m stays as it was */
    const char *w3 = write_file("w3.tsv", "1 2 3\n");
    CHECK(vlit_matrix_append_file(&m, w3, VLIT_MATRIX_AUTO, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "w3.tsv");
    CHECK(m.rows == 10 && m.cols == 2 && m.data[19] == 8.5f);
    float v3[3] = {1, 2, 3};
    vlit_matrix a3 = {v3, 1, 3};
    CHECK(vlit_matrix_write_npy(&a3, tmp_path("w3.npy"), &err) == VLIT_OK);
    CHECK(vlit_matrix_append_file(&m, tmp_path("w3.npy"), VLIT_MATRIX_AUTO, &err) == VLIT_ERR_DATA);
    CHECK(m.rows == 10);
    /* a bad row in the middle of a TSV shard leaves m as it was */
    const char *bt = write_file("badmid.tsv", "1 2\n3 4\n5 x\n");
    CHECK(vlit_matrix_append_file(&m, bt, VLIT_MATRIX_AUTO, &err) == VLIT_ERR_PARSE);
    CHECK(m.rows == 10 && m.data[19] == 8.5f);
    vlit_matrix_free(&m);
    vlit_matrix_free(&m);
}

int main(void)
{
    test_hand_made();
    test_borders();
    test_eps_boundary();
    test_duplicates_and_zero_rows();
    test_bad_arguments();
    test_against_reference();
    test_pruning();
    test_one_cluster();
    test_npy();
    test_tsv();
    test_write_and_append();
    cleanup_dir();
    return CHECK_DONE();
}
