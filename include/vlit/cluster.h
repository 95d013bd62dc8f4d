/*
 * vlit/cluster.h - exact DBSCAN on cosine distance, and the float32 matrices
 * it reads (.npy files and TSV rows).
 *
 * Response and visual diversity (principles 5 and 6) count the clusters that
 * DBSCAN (Ester, Kriegel, Sander, Xu, KDD 1996) finds among embedding vectors.
 * vlit_dbscan() gives the same core points and the same clusters as
 * scikit-learn's DBSCAN(metric="cosine", algorithm="brute") with the same eps
 * and min_samples, and puts border points where scikit-learn does; it works
 * through the similarity matrix in blocks with OpenBLAS, so memory grows with
 * the number of vectors, never with its square, and skips the blocks that
 * bounds from a few pivots (triangle inequality) prove to hold no neighbour
 * pair. docs/cluster.md gives the algorithm, the exactness argument and the
 * file formats.
 *
 *   vlit_matrix m = {0};  vlit_dbscan_result r = {0};  vlit_error err = {0};
 *   if (vlit_matrix_read("responses.npy", VLIT_MATRIX_AUTO, &m, &err)) { report err.message }
 *   vlit_dbscan_params p = vlit_dbscan_default_params();
 *   p.eps = 0.2;  p.min_samples = 5;
 *   if (vlit_dbscan(m.data, m.rows, m.cols, &p, &r, &err) == VLIT_OK)
 *       printf("%zu clusters, %zu noise\n", r.clusters, r.noise_points);
 *   vlit_dbscan_result_free(&r);  vlit_matrix_free(&m);
 *
 * Definitions (scikit-learn's conventions):
 *  - cosine distance d(x, y) = 1 - x.y / (|x| |y|), clipped to [0, 2];
 *  - y is a neighbour of x when d(x, y) <= eps; every point is its own
 *    neighbour, and min_samples counts it: x is a core point when it has at
 *    least min_samples neighbours, itself included;
 *  - clusters are the connected components of core points under the
 *    neighbour relation; a non-core point with a core neighbour is a border
 *    point and joins the cluster, among those of its core neighbours, that
 *    was found first (the one whose first core point comes first in row
 *    order) - the choice scikit-learn's own search makes; other points are
 *    noise (label -1);
 *  - clusters are numbered 0, 1, ... in the order of their first core point
 *    in the rows, so labels are exactly scikit-learn's labels_;
 *  - a row whose length is below 10 * DBL_EPSILON (an all-zero row) has no
 *    direction: like scikit-learn we give it cosine 0 with every row, itself
 *    included, so its distance to everything is 1: with eps < 1 it is never
 *    a neighbour of anything, is never core and is always noise;
 *  - distances are evaluated in float64 (rows divided by their float64
 *    length, float64 dot product, 1 - dot); a float32 BLAS product decides
 *    every pair whose distance is provably far from eps and the float64
 *    formula decides the rest, so the float32 shortcut never changes a
 *    result.
 *
 * Ownership: the caller owns the vlit_matrix and vlit_dbscan_result structs
 * it passes in; the arrays a call puts into them are freed with
 * vlit_matrix_free() and vlit_dbscan_result_free(), which accept zeroed or
 * already freed structs. vlit_dbscan() reads the caller's rows during the
 * call and keeps no pointer to them.
 *
 * Threads: nothing here has global state; calls with their own structs may
 * run at the same time. vlit_dbscan() multiplies through OpenBLAS, which runs
 * on its own threads (OPENBLAS_NUM_THREADS, all cores by default), and scans
 * the products on the calling thread, or on params.threads threads.
 *
 * Errors: functions return a vlit_status and fill err with one line naming
 * the file, the row (or byte offset) and the problem: VLIT_ERR_IO (open or
 * read failed), VLIT_ERR_PARSE (malformed file), VLIT_ERR_DATA (wrong shape,
 * dtype or a value that is not finite), VLIT_ERR_USAGE (bad parameters),
 * VLIT_ERR_LIMIT (sizes beyond what fits), VLIT_ERR_NOMEM.
 */
#ifndef VLIT_CLUSTER_H
#define VLIT_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- float32 matrices -------------------------------------------------- */

/* rows x cols floats, row-major (row r starts at data + r * cols). */
typedef struct vlit_matrix {
    float *data;
    size_t rows, cols;
} vlit_matrix;

typedef enum vlit_matrix_format {
    VLIT_MATRIX_AUTO = 0, /* .npy when the file starts with the NumPy magic, else TSV */
    VLIT_MATRIX_NPY = 1,  /* NumPy .npy, format 1.0, 2.0 or 3.0: dtype '<f4', C order, 2-D */
    VLIT_MATRIX_TSV = 2   /* one row per line, decimal numbers separated by tabs or spaces */
} vlit_matrix_format;

/* Reads a matrix file into *out (which the call overwrites: free it first if
 * it held one). In TSV every line is one row with the same number of values;
 * blank lines are allowed only at the end; values are decimal numbers
 * ("1", "-0.5", "2.5e-3"), read as strtof reads them in the C locale.
 * A .npy file must hold a 2-D float32 array in C order; the file's size must
 * match its shape. Values must be finite in both formats. Errors name the
 * file and the line and column (TSV) or the byte offset (.npy). */
vlit_status vlit_matrix_read(const char *path, vlit_matrix_format format, vlit_matrix *out, vlit_error *err);

/* Appends the rows of a matrix file to m, which may be empty (zeroed) or
 * hold rows of the same width; this is how per-shard vectors are put back
 * together in sample order. On failure m is left as it was. */
vlit_status vlit_matrix_append_file(vlit_matrix *m, const char *path, vlit_matrix_format format, vlit_error *err);

/* Writes m as a .npy file (format 1.0, '<f4', C order), atomically; "-" is
 * standard output. */
vlit_status vlit_matrix_write_npy(const vlit_matrix *m, const char *path, vlit_error *err);

/* Frees m's data and zeroes it. */
void vlit_matrix_free(vlit_matrix *m);

/* ---- DBSCAN ------------------------------------------------------------ */

typedef struct vlit_dbscan_params {
    double eps;         /* > 0; neighbours when cosine distance <= eps (default 0.5, as scikit-learn) */
    size_t min_samples; /* >= 1; neighbours, itself included, that make a core point (default 5) */
    int threads;        /* threads that scan the products; 0 or 1 = the calling thread (default) */
    /* Cap on the neighbour pairs kept for the end of the pass (pairs with a
     * point not yet known to be core; at most n (min_samples - 1), see
     * docs/cluster.md); 0 = default (16 Mi pairs, 128 MiB). Beyond it the
     * result is the same, but the remaining blocks are multiplied again in up
     * to two more passes. */
    size_t max_edges;
    /* Block of the similarity matrix computed at once: rows x columns;
     * 0 = defaults (128 x 2048: 1 MiB of floats). Rows are cut in tiles of
     * at most 64 (and at most block_rows) for the pruning bounds. For tests
     * and tuning. */
    size_t block_rows, block_cols;
    /* Pivot pruning (docs/cluster.md, "Pruning"): 0 = on (the default),
     * 1 = off: every block of the upper triangle is multiplied. The result is
     * the same either way; only the time differs. */
    int no_pruning;
    size_t pivots; /* pivots of the pruning bounds; 0 = default (sqrt(n) / 2, at most 256). For tests and tuning. */
    /* Called after every row block with the share of the work done; may be NULL. */
    void (*progress)(void *ctx, double fraction);
    void *ctx;
} vlit_dbscan_params;

vlit_dbscan_params vlit_dbscan_default_params(void);

/* What vlit_dbscan() found. Arrays have one entry per row, except sizes. */
typedef struct vlit_dbscan_result {
    size_t n;           /* rows */
    int32_t *labels;    /* cluster 0 .. clusters-1, or -1 for noise */
    uint8_t *core;      /* 1 for core points */
    size_t clusters;    /* number of clusters */
    size_t *sizes;      /* members of each cluster, border points included */
    size_t core_points; /* rows with core[i] == 1 */
    size_t border_points;
    size_t noise_points; /* rows labelled -1 */
    /* How the work went (for benchmarks): */
    size_t passes;      /* passes over the blocks: 1, or up to 3 beyond max_edges */
    uint64_t pairs;     /* pairs whose similarity was multiplied (pairs pruned or in skipped blocks are not) */
    size_t pivots;      /* pivots of the pruning bounds; 0 when pruning was off */
    uint64_t rechecked; /* pairs too close to eps for float32, decided in float64 */
} vlit_dbscan_result;

/* DBSCAN of the n rows of x (n x dim floats, row-major) on cosine distance,
 * as defined at the top of this header; params NULL means the defaults.
 * *out is overwritten (free it first if it held a result); on failure it is
 * left zeroed. n may be 0. Fails with VLIT_ERR_USAGE for an eps that is not
 * a finite positive number, min_samples 0, dim 0 with n > 0, and VLIT_ERR_DATA for a value that is not finite (the
 * message names its row and column, counted from 0). Memory beyond the result: one float copy of x (n x dim), a few
 * bytes per row, one block, one block of gathered columns (block_cols x dim floats), the pruning bounds (8 bytes per
 * tile and pivot) and at most max_edges edges. Results do not depend on threads, block sizes, pivots or pruning. */
vlit_status vlit_dbscan(const float *x, size_t n, size_t dim, const vlit_dbscan_params *params, vlit_dbscan_result *out,
                        vlit_error *err);

/* Frees the result's arrays and zeroes it. */
void vlit_dbscan_result_free(vlit_dbscan_result *r);

#ifdef __cplusplus
}
#endif

#endif
