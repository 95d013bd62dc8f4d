/* The matrix readers (.npy and TSV; the first byte picks the format and
 * DBSCAN's parameters) and DBSCAN on what they read. A matrix that loads is
 * written as .npy and must read back bit for bit; a small one is clustered
 * twice, with different block sizes, threads and edge budgets, pivot
 * pruning off and on (with many pivots and tiles of 3 rows), and both
 * results must agree and be consistent (labels in range, core points
 * labelled, sizes summing up). */
#include <stdlib.h>
#include <string.h>

#include "vlit/cluster.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const vlit_dbscan_result *r, size_t n)
{
    size_t total = 0, core = 0, noise = 0;
    for (size_t c = 0; c < r->clusters; c++)
        total += r->sizes[c];
    for (size_t i = 0; i < n; i++) {
        if (r->labels[i] < -1 || r->labels[i] >= (int32_t)r->clusters)
            abort();
        if (r->core[i] && r->labels[i] < 0)
            abort(); /* a core point is always in a cluster */
        core += r->core[i];
        noise += r->labels[i] < 0;
    }
    if (total + noise != n || core != r->core_points || noise != r->noise_points ||
        r->border_points != n - core - noise)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    vlit_matrix_format fmt = (vlit_matrix_format)(sel % 3); /* auto, npy, tsv */
    const char *in = fuzz_file("npy.in", data + 1, size - 1);
    vlit_matrix m = {0};
    vlit_error err = {0};
    if (vlit_matrix_read(in, fmt, &m, &err))
        return 0;
    const char *out = fuzz_path("npy.out");
    vlit_matrix back = {0};
    if (vlit_matrix_write_npy(&m, out, &err) || vlit_matrix_read(out, VLIT_MATRIX_NPY, &back, &err))
        abort(); /* what was read must write and read back */
    if (back.rows != m.rows || (m.rows && (back.cols != m.cols || memcmp(back.data, m.data, m.rows * m.cols * 4))))
        abort();
    vlit_matrix_free(&back);
    if (m.rows <= 300 && m.cols <= 64) {
        static const double eps[] = {1e-6, 0.01, 0.1, 0.5, 1.0, 1.5, 2.0, 3.0};
        vlit_dbscan_params p = vlit_dbscan_default_params();
        p.eps = eps[(sel >> 2) & 7];
        p.min_samples = 1 + (size_t)(sel >> 5);
        p.threads = 1;
        p.no_pruning = 1; /* every pair multiplied: the plain reading of the definition */
        vlit_dbscan_result a = {0}, b = {0};
        if (vlit_dbscan(m.data, m.rows, m.cols, &p, &a, &err))
            abort(); /* finite values, positive eps: it must run */
        check(&a, m.rows);
        p.block_rows = 3;
        p.block_cols = 5;
        p.max_edges = 2;
        p.threads = 2;
        p.no_pruning = 0;
        p.pivots = 1 + m.rows / 3;
        if (vlit_dbscan(m.data, m.rows, m.cols, &p, &b, &err))
            abort();
        if (a.clusters != b.clusters || memcmp(a.labels, b.labels, m.rows * sizeof *a.labels) ||
            memcmp(a.core, b.core, m.rows))
            abort(); /* blocks, threads, edge budget and pruning never change the result */
        vlit_dbscan_result_free(&a);
        vlit_dbscan_result_free(&b);
    }
    vlit_matrix_free(&m);
    return 0;
}
