/* The edge-list reader and Ego-Splitting on arbitrary bytes. The first byte
 * chooses the parameters (min_cluster = b & 3, min_weight = (b >> 2) & 3),
 * the rest is the edge list, read strictly and then with skip_bad. Checked:
 * members distinct and in byte order, clusters in their documented order and
 * of the minimum size; the partial reads back to the same partial and the same
 * clusters; and on graphs of at most 16 nodes, the clusters equal those of a
 * brute-force version of the definition. */
#include <stdlib.h>
#include <string.h>

#include "vlit/graph.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BN 16

static int bfind(int *p, int x)
{
    while (p[x] != x)
        x = p[x] = p[p[x]];
    return x;
}

/* Clusters of the graph adj (n nodes; node i is the i-th name in byte order)
 * as bitmasks, in no order. */
static int brute(int n, const unsigned char adj[BN][BN], uint32_t *out)
{
    int comp[BN][BN], base[BN + 1], np = 0;
    for (int u = 0; u < n; u++) {
        base[u] = np;
        int p[BN], id[BN], k = 0;
        for (int v = 0; v < n; v++)
            p[v] = v, id[v] = -1;
        for (int v = 0; v < n; v++)
            for (int w = 0; w < n; w++)
                if (v != u && w != u && adj[u][v] && adj[u][w] && adj[v][w])
                    p[bfind(p, v)] = bfind(p, w);
        for (int v = 0; v < n; v++)
            if (adj[u][v]) {
                int r = bfind(p, v);
                if (id[r] < 0)
                    id[r] = k++;
                comp[u][v] = base[u] + id[r];
            }
        np += k;
    }
    base[n] = np;
    int pp[BN * BN], owner[BN * BN];
    uint32_t mask[BN * BN];
    for (int i = 0; i < np; i++)
        pp[i] = i, mask[i] = 0;
    for (int u = 0; u < n; u++) {
        for (int i = base[u]; i < base[u + 1]; i++)
            owner[i] = u;
        for (int v = u + 1; v < n; v++)
            if (adj[u][v])
                pp[bfind(pp, comp[u][v])] = bfind(pp, comp[v][u]);
    }
    for (int i = 0; i < np; i++)
        mask[bfind(pp, i)] |= 1u << owner[i];
    int nc = 0;
    for (int i = 0; i < np; i++)
        if (bfind(pp, i) == i)
            out[nc++] = mask[i];
    return nc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Checks the brute force on the partial's edges (sorted: u < v by name). */
static void check_brute(const char *partial, double min_weight, size_t min_cluster, const vlit_graph_clusters *c)
{
    char *names[BN];
    int n = 0;
    unsigned char adj[BN][BN];
    memset(adj, 0, sizeof adj);
    char *text = strdup(partial);
    if (!text)
        abort();
    /* the partial's node names: collect, sort, index */
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t1 || !t2)
            abort(); /* a partial always has three fields */
        *t1 = *t2 = '\0';
        if (strtod(t2 + 1, NULL) < min_weight)
            continue;
        char *ends[2] = {line, t1 + 1};
        int idx[2];
        for (int e = 0; e < 2; e++) {
            int k = 0;
            while (k < n && strcmp(names[k], ends[e]) != 0)
                k++;
            if (k == n) {
                if (n == BN)
                    goto out; /* too large for the brute force */
                names[n++] = ends[e];
            }
            idx[e] = k;
        }
        adj[idx[0]][idx[1]] = adj[idx[1]][idx[0]] = 1;
    }
    /* renumber nodes in byte order of names */
    int order[BN];
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(names[order[j - 1]], names[order[j]]) > 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    unsigned char sadj[BN][BN];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            sadj[i][j] = adj[order[i]][order[j]];
    uint32_t want[BN * BN], got[BN * BN];
    int nw = 0, all = brute(n, sadj, want);
    for (int i = 0; i < all; i++)
        if ((size_t)__builtin_popcount(want[i]) >= min_cluster)
            want[nw++] = want[i];
    int ng = (int)vlit_graph_clusters_count(c);
    if (ng != nw)
        abort();
    for (int i = 0; i < ng; i++) {
        size_t m;
        const char *const *mem = vlit_graph_clusters_members(c, (size_t)i, &m);
        got[i] = 0;
        for (size_t j = 0; j < m; j++) {
            int k = 0;
            while (k < n && strcmp(names[order[k]], mem[j]) != 0)
                k++;
            if (k == n)
                abort(); /* a member that is no node */
            got[i] |= 1u << k;
        }
    }
    qsort(want, (size_t)nw, sizeof *want, cmp_u32);
    qsort(got, (size_t)ng, sizeof *got, cmp_u32);
    if (memcmp(want, got, (size_t)nw * sizeof *want) != 0)
        abort();
out:
    free(text);
}

/* Members distinct and ascending, clusters in order, sizes >= min. */
static void check_order(const vlit_graph_clusters *c, size_t min_cluster)
{
    size_t prev_n = 0;
    const char *const *prev = NULL;
    for (size_t i = 0; i < vlit_graph_clusters_count(c); i++) {
        size_t n;
        const char *const *m = vlit_graph_clusters_members(c, i, &n);
        if (n < 2 || n < min_cluster)
            abort();
        for (size_t j = 1; j < n; j++)
            if (strcmp(m[j - 1], m[j]) >= 0)
                abort();
        if (prev) {
            if (n > prev_n)
                abort();
            if (n == prev_n) {
                size_t j = 0;
                while (j < n && strcmp(prev[j], m[j]) == 0)
                    j++;
                if (j < n && strcmp(prev[j], m[j]) > 0)
                    abort();
            }
        }
        prev = m;
        prev_n = n;
    }
}

static int same_clusters(const vlit_graph_clusters *a, const vlit_graph_clusters *b)
{
    if (vlit_graph_clusters_count(a) != vlit_graph_clusters_count(b))
        return 0;
    for (size_t i = 0; i < vlit_graph_clusters_count(a); i++) {
        size_t na, nb;
        const char *const *ma = vlit_graph_clusters_members(a, i, &na);
        const char *const *mb = vlit_graph_clusters_members(b, i, &nb);
        if (na != nb)
            return 0;
        for (size_t j = 0; j < na; j++)
            if (strcmp(ma[j], mb[j]) != 0)
                return 0;
    }
    return 1;
}

/* Partials are written atomically, with an fsync that costs milliseconds on a
 * disk: in shared memory it costs nothing, so the harness keeps its speed. */
static const char *partial_path(const char *name)
{
    static char buf[2][256];
    static int k;
    if (access("/dev/shm", W_OK) != 0)
        return fuzz_path(name);
    k = !k;
    snprintf(buf[k], sizeof buf[k], "/dev/shm/vlit-fuzz-%ld-%s", (long)getpid(), name);
    return buf[k];
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        abort();
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (!s || fread(s, 1, (size_t)n, fp) != (size_t)n)
        abort();
    s[n] = '\0';
    fclose(fp);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    vlit_egosplit_params p = vlit_egosplit_default_params();
    p.min_cluster = data[0] & 3;
    p.min_weight = (data[0] >> 2) & 3;
    const char *in = fuzz_file("egosplit.tsv", data + 1, size - 1);
    vlit_error err = {0};
    vlit_graph *g = NULL, *g2 = NULL;
    vlit_graph_clusters *c = NULL, *c2 = NULL;
    if (vlit_graph_new(&g, &err))
        abort();
    vlit_graph_read_summary sum;
    vlit_graph_read_params rp = vlit_graph_read_default_params();
    vlit_status strict = vlit_graph_read_edges(g, in, rp, &sum, &err);
    vlit_graph_free(g);
    if (vlit_graph_new(&g, &err))
        abort();
    rp.skip_bad = 1;
    vlit_status st = vlit_graph_read_edges(g, in, rp, &sum, &err);
    if (strict == VLIT_OK && (st != VLIT_OK || sum.skipped))
        abort(); /* a file read strictly has nothing to skip */
    if (st != VLIT_OK)
        goto out; /* only an over-long line fails with skip_bad */
    if (vlit_graph_egosplit(g, p, &c, &err))
        abort();
    check_order(c, p.min_cluster);
    /* the partial reads back to the same partial and the same clusters */
    const char *part = partial_path("egosplit.partial"), *part2 = partial_path("egosplit.partial2");
    if (vlit_graph_write_partial(g, part, &err) || vlit_graph_new(&g2, &err) ||
        vlit_graph_read_edges(g2, part, vlit_graph_read_default_params(), NULL, &err) ||
        vlit_graph_write_partial(g2, part2, &err) || vlit_graph_egosplit(g2, p, &c2, &err))
        abort();
    char *a = slurp(part), *b = slurp(part2);
    if (strcmp(a, b) != 0 || !same_clusters(c, c2))
        abort();
    check_brute(a, p.min_weight, p.min_cluster, c);
    free(a);
    free(b);
    remove(part);
    remove(part2);
out:
    vlit_graph_clusters_free(c);
    vlit_graph_clusters_free(c2);
    vlit_graph_free(g);
    vlit_graph_free(g2);
    remove(in);
    return 0;
}
