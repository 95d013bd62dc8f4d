/* Graphs and Ego-Splitting (vlit/graph.h): hand-made graphs whose personas
 * are known, thresholds, duplicates, self-loops, partials, the edge-list
 * parser, and a brute-force version of the definition on random small graphs
 * (with and without the self-loop that makes the popular version degenerate). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vlit/graph.h"

#include "check.h"
#include "testutil.h"

/* The clusters as one string: "a b c|c d e". */
static char *clusters_str(const vlit_graph *g, vlit_egosplit_params p)
{
    static char buf[1 << 16];
    vlit_graph_clusters *c = NULL;
    vlit_error err = {0};
    if (vlit_graph_egosplit(g, p, &c, &err)) {
        snprintf(buf, sizeof buf, "ERROR %s", err.message);
        return buf;
    }
    size_t pos = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < vlit_graph_clusters_count(c); i++) {
        size_t n;
        const char *const *m = vlit_graph_clusters_members(c, i, &n);
        for (size_t j = 0; j < n; j++)
            pos += (size_t)snprintf(buf + pos, sizeof buf - pos, "%s%s", j ? " " : (i ? "|" : ""), m[j]);
    }
    vlit_graph_clusters_free(c);
    return buf;
}

/* A graph from "u-v u-v:w ..." */
static vlit_graph *make(const char *spec)
{
    vlit_graph *g;
    vlit_error err = {0};
    if (vlit_graph_new(&g, &err))
        abort();
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", spec);
    for (char *tok = strtok(tmp, " "); tok; tok = strtok(NULL, " ")) {
        char *dash = strchr(tok, '-'), *colon = strchr(tok, ':');
        double w = colon ? atof(colon + 1) : 1.0;
        if (colon)
            *colon = '\0';
        *dash = '\0';
        if (vlit_graph_add_edge(g, tok, strlen(tok), dash + 1, strlen(dash + 1), w, &err))
            abort();
    }
    return g;
}

static const char *split(const char *spec, double min_weight, size_t min_cluster)
{
    vlit_graph *g = make(spec);
    vlit_egosplit_params p = vlit_egosplit_default_params();
    p.min_weight = min_weight;
    p.min_cluster = min_cluster;
    const char *s = clusters_str(g, p);
    vlit_graph_free(g);
    return s;
}

static vlit_egosplit_stats stats_of(const char *spec, double min_weight)
{
    vlit_graph *g = make(spec);
    vlit_egosplit_params p = vlit_egosplit_default_params();
    p.min_weight = min_weight;
    vlit_graph_clusters *c;
    vlit_error err = {0};
    vlit_egosplit_stats s;
    memset(&s, 0, sizeof s);
    if (vlit_graph_egosplit(g, p, &c, &err) == VLIT_OK) {
        vlit_graph_clusters_get_stats(c, &s);
        vlit_graph_clusters_free(c);
    }
    vlit_graph_free(g);
    return s;
}

static void test_known_graphs(void)
{
    /* a triangle: every ego-net is one edge, one persona each */
    CHECK_STR(split("a-b b-c c-a", 0, 2), "a b c");
    vlit_egosplit_stats s = stats_of("a-b b-c c-a", 0);
    CHECK(s.personas == 3 && s.triangles == 1 && s.clusters == 1 && s.max_personas == 1);
    /* two triangles sharing c: c's ego-net is {a,b} and {d,e}, two personas */
    CHECK_STR(split("a-b b-c c-a c-d d-e e-c", 0, 2), "a b c|c d e");
    s = stats_of("a-b b-c c-a c-d d-e e-c", 0);
    CHECK(s.personas == 6 && s.max_personas == 2 && s.triangles == 2 && s.memberships == 6);
    /* a star: the centre's ego-net has no edges, one persona per leaf */
    CHECK_STR(split("c-l1 c-l2 c-l3 c-l4", 0, 2), "c l1|c l2|c l3|c l4");
    s = stats_of("c-l1 c-l2 c-l3 c-l4", 0);
    CHECK(s.personas == 8 && s.max_personas == 4);
    /* a path: every edge is its own cluster */
    CHECK_STR(split("a-b b-c c-d", 0, 2), "a b|b c|c d");
    /* isolated edges */
    CHECK_STR(split("x-y a-b", 0, 2), "a b|x y");
    /* a 4-cycle: no triangles, four clusters; K4: one */
    CHECK_STR(split("a-b b-c c-d d-a", 0, 2), "a b|a d|b c|c d");
    CHECK_STR(split("a-b a-c a-d b-c b-d c-d", 0, 2), "a b c d");
    /* a triangle with a pendant edge: the pendant is a persona of c of its own */
    CHECK_STR(split("a-b b-c c-a c-d", 0, 2), "a b c|c d");
    /* two cliques bridged by one edge b-d: the bridge is a cluster */
    CHECK_STR(split("a-b b-c c-a d-e e-f f-d b-d", 0, 2), "a b c|d e f|b d");
    /* empty graph */
    CHECK_STR(split("", 0, 2), "");
}

static void test_weights(void)
{
    /* abc and cde heavy, a light edge b-d makes the triangle b,c,d that joins
       c's two personas: one cluster; dropping it splits them again */
    const char *g = "a-b:2 b-c:2 c-a:2 c-d:2 d-e:2 e-c:2 b-d:1";
    CHECK_STR(split(g, 0, 2), "a b c d e");
    CHECK_STR(split(g, 1, 2), "a b c d e");
    CHECK_STR(split(g, 2, 2), "a b c|c d e");
    CHECK_STR(split(g, 1.5, 2), "a b c|c d e");
    CHECK_STR(split(g, 3, 2), "");
    vlit_egosplit_stats s = stats_of(g, 2);
    CHECK(s.edges == 6 && s.edges_dropped == 1 && s.nodes == 5);
    s = stats_of(g, 3);
    CHECK(s.edges == 0 && s.edges_dropped == 7 && s.nodes == 0 && s.clusters == 0);
    /* duplicate edges, both directions, add up */
    CHECK_STR(split("a-b b-a a-b:0.5 b-c c-b", 2.5, 2), "a b");
    CHECK_STR(split("a-b b-a a-b:0.5 b-c c-b", 2, 2), "a b|b c");
    vlit_graph *gr = make("a-b b-a a-b:0.5 b-c c-b");
    vlit_graph_info info;
    vlit_graph_get_info(gr, &info);
    CHECK(info.nodes == 3 && info.edges == 2 && info.total_weight == 4.5 && info.self_loops == 0);
    vlit_graph_free(gr);
    /* zero weights are edges unless a minimum excludes them */
    CHECK_STR(split("a-b:0 b-c:0 c-a:0", 0, 2), "a b c");
    CHECK_STR(split("a-b:0 b-c:0 c-a:0", 0.001, 2), "");
    /* min-cluster */
    CHECK_STR(split("a-b b-c c-a c-d", 0, 3), "a b c");
    CHECK_STR(split("a-b b-c c-a c-d", 0, 4), "");
    CHECK_STR(split("a-b b-c c-a c-d", 0, 0), "a b c|c d");
}

/* ---- brute force: the definition, on at most 16 nodes ---- */

#define BN 16

typedef struct bgraph {
    int n;
    int adj[BN][BN];
} bgraph;

static int bfind(int *p, int x)
{
    while (p[x] != x)
        x = p[x] = p[p[x]];
    return x;
}

/* Clusters as bitmasks, sorted as vlit sorts them. with_self: the popular
 * variant, where a node is in its own ego-net. */
static int cmp_mask(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int cx = __builtin_popcount(x), cy = __builtin_popcount(y);
    if (cx != cy)
        return cx > cy ? -1 : 1;
    if (x == y)
        return 0;
    uint32_t d = x ^ y;
    return (x & d & -d) ? -1 : 1;
}

static int brute(const bgraph *g, int with_self, uint32_t *out)
{
    int comp[BN][BN]; /* comp[u][v]: persona index of u holding v */
    int base[BN + 1], np = 0;
    for (int u = 0; u < g->n; u++) {
        base[u] = np;
        int p[BN + 1];
        for (int v = 0; v <= g->n; v++)
            p[v] = v;
        for (int v = 0; v < g->n; v++)
            for (int w = 0; w < g->n; w++)
                if (v != u && w != u && g->adj[u][v] && g->adj[u][w] && g->adj[v][w])
                    p[bfind(p, v)] = bfind(p, w);
        if (with_self) /* u is its own neighbour: it joins all of them */
            for (int v = 0; v < g->n; v++)
                if (g->adj[u][v])
                    p[bfind(p, v)] = bfind(p, u);
        int id[BN + 1];
        for (int v = 0; v <= g->n; v++)
            id[v] = -1;
        int k = 0;
        for (int v = 0; v < g->n; v++)
            if (g->adj[u][v]) {
                int r = bfind(p, v);
                if (id[r] < 0)
                    id[r] = k++;
                comp[u][v] = base[u] + id[r];
            }
        np += k;
    }
    int pp[BN * BN], owner[BN * BN];
    for (int i = 0; i < np; i++)
        pp[i] = i;
    for (int u = 0; u < g->n; u++) {
        for (int i = base[u]; i < (u + 1 < g->n ? base[u + 1] : np); i++)
            owner[i] = u;
        for (int v = u + 1; v < g->n; v++)
            if (g->adj[u][v])
                pp[bfind(pp, comp[u][v])] = bfind(pp, comp[v][u]);
    }
    uint32_t mask[BN * BN] = {0};
    for (int i = 0; i < np; i++)
        mask[bfind(pp, i)] |= 1u << owner[i];
    int nc = 0;
    for (int i = 0; i < np; i++)
        if (bfind(pp, i) == i)
            out[nc++] = mask[i];
    qsort(out, (size_t)nc, sizeof *out, cmp_mask);
    return nc;
}

static const char *const node_names[BN] = {"n00", "n01", "n02", "n03", "n04", "n05", "n06", "n07",
                                           "n08", "n09", "n10", "n11", "n12", "n13", "n14", "n15"};

static int ours(const bgraph *b, uint32_t *out, int shuffle_seed)
{
    vlit_graph *g;
    vlit_error err = {0};
    if (vlit_graph_new(&g, &err))
        abort();
    /* edges in a seeded order and direction, to show the order does not matter */
    int eu[BN * BN], ev[BN * BN], m = 0;
    for (int u = 0; u < b->n; u++)
        for (int v = u + 1; v < b->n; v++)
            if (b->adj[u][v])
                eu[m] = u, ev[m] = v, m++;
    uint64_t s = (uint64_t)shuffle_seed * 2654435761u + 1;
    for (int i = m - 1; i > 0; i--) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        int j = (int)((s >> 33) % (uint64_t)(i + 1)), t;
        t = eu[i], eu[i] = eu[j], eu[j] = t;
        t = ev[i], ev[i] = ev[j], ev[j] = t;
    }
    for (int i = 0; i < m; i++) {
        int flip = (int)((s >> (i % 60)) & 1);
        const char *x = node_names[flip ? ev[i] : eu[i]], *y = node_names[flip ? eu[i] : ev[i]];
        vlit_graph_add_edge(g, x, 3, y, 3, 1.0, &err);
    }
    vlit_graph_clusters *c;
    int nc = -1;
    if (vlit_graph_egosplit(g, vlit_egosplit_default_params(), &c, &err) == VLIT_OK) {
        nc = (int)vlit_graph_clusters_count(c);
        for (int i = 0; i < nc; i++) {
            size_t n;
            const char *const *mem = vlit_graph_clusters_members(c, (size_t)i, &n);
            out[i] = 0;
            for (size_t j = 0; j < n; j++)
                out[i] |= 1u << atoi(mem[j] + 1);
        }
        vlit_graph_clusters_free(c);
    }
    vlit_graph_free(g);
    return nc;
}

static void test_against_brute_force(void)
{
    uint64_t s = 12345;
    int mismatches = 0, differ_with_self = 0, graphs = 400;
    for (int t = 0; t < graphs; t++) {
        bgraph b;
        memset(&b, 0, sizeof b);
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        b.n = 2 + (int)((s >> 33) % (BN - 1));
        double p = 0.1 + 0.8 * (double)((s >> 20) & 1023) / 1023.0;
        for (int u = 0; u < b.n; u++)
            for (int v = u + 1; v < b.n; v++) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                if ((double)(s >> 40) / (double)(1ull << 24) < p)
                    b.adj[u][v] = b.adj[v][u] = 1;
            }
        uint32_t want[BN * BN], got[BN * BN], self[BN * BN];
        int nw = brute(&b, 0, want), ng = ours(&b, got, t);
        int ns = brute(&b, 1, self);
        if (nw != ng || memcmp(want, got, (size_t)nw * sizeof *want) != 0)
            mismatches++;
        if (ns != nw || memcmp(want, self, (size_t)nw * sizeof *want) != 0)
            differ_with_self++;
        uint32_t again[BN * BN];
        if (ours(&b, again, t + 1000) != ng || memcmp(again, got, (size_t)(ng > 0 ? ng : 0) * sizeof *got) != 0)
            mismatches++;
    }
    CHECK(mismatches == 0);
    if (mismatches)
        fprintf(stderr, "%d of %d random graphs differ from the brute-force definition\n", mismatches, graphs);
    /* the self-loop variant is a different algorithm on most graphs */
    CHECK(differ_with_self > graphs / 4);
    printf("brute force: %d random graphs; the self-loop variant differs on %d\n", graphs, differ_with_self);
}

static void test_no_self_loop_degeneration(void)
{
    /* two triangles sharing c: with self-loops c would be one persona and the
       answer would be the connected component {a..e} */
    bgraph b;
    memset(&b, 0, sizeof b);
    b.n = 5;
    int e[][2] = {{0, 1}, {1, 2}, {0, 2}, {2, 3}, {3, 4}, {2, 4}};
    for (size_t i = 0; i < 6; i++)
        b.adj[e[i][0]][e[i][1]] = b.adj[e[i][1]][e[i][0]] = 1;
    uint32_t self[BN * BN], want[BN * BN], got[BN * BN];
    CHECK(brute(&b, 1, self) == 1 && self[0] == 0x1f);
    CHECK(brute(&b, 0, want) == 2 && want[0] == 0x07 && want[1] == 0x1c);
    CHECK(ours(&b, got, 1) == 2 && got[0] == 0x07 && got[1] == 0x1c);
    /* a self-loop given as input is ignored, never a persona edge */
    CHECK_STR(split("a-b b-c c-a c-d d-e e-c c-c a-a", 0, 2), "a b c|c d e");
    vlit_graph *g = make("a-b b-c c-a c-c");
    vlit_graph_info info;
    vlit_graph_get_info(g, &info);
    CHECK(info.self_loops == 1 && info.edges == 3 && info.nodes == 3);
    vlit_graph_free(g);
    /* a node with only a self-loop is no node */
    g = make("z-z");
    vlit_graph_get_info(g, &info);
    CHECK(info.nodes == 0 && info.edges == 0 && info.self_loops == 1);
    vlit_graph_free(g);
}

static void test_cooccurrence(void)
{
    vlit_graph *g;
    vlit_error err = {0};
    CHECK(vlit_graph_new(&g, &err) == VLIT_OK);
    const char *t1[] = {"dog", "beach", "dog", "run"};
    const char *t2[] = {"dog", "beach"};
    const char *t3[] = {"alone"};
    const char *t4[] = {"same", "same"};
    CHECK(vlit_graph_add_cooccurrence(g, t1, NULL, 4, &err) == VLIT_OK);
    CHECK(vlit_graph_add_cooccurrence(g, t2, NULL, 2, &err) == VLIT_OK);
    CHECK(vlit_graph_add_cooccurrence(g, t3, NULL, 1, &err) == VLIT_OK);
    CHECK(vlit_graph_add_cooccurrence(g, t4, NULL, 2, &err) == VLIT_OK);
    CHECK(vlit_graph_add_cooccurrence(g, NULL, NULL, 0, &err) == VLIT_OK);
    size_t lens[] = {3, 2};
    const char *t5[] = {"catalog", "cat"};
    CHECK(vlit_graph_add_cooccurrence(g, t5, lens, 2, &err) == VLIT_OK); /* "cat" and "ca" */
    vlit_graph_info info;
    vlit_graph_get_info(g, &info);
    CHECK(info.nodes == 5 && info.edges == 4 && info.total_weight == 5);
    vlit_egosplit_params p = vlit_egosplit_default_params();
    CHECK_STR(clusters_str(g, p), "beach dog run|ca cat");
    p.min_weight = 2;
    CHECK_STR(clusters_str(g, p), "beach dog");
    const char *bad[] = {"ok", "has\ttab"};
    CHECK(vlit_graph_add_cooccurrence(g, bad, NULL, 2, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "word 2");
    vlit_graph_get_info(g, &info);
    CHECK(info.nodes == 5 && info.edges == 4);
    vlit_graph_free(g);
}

static void test_api_errors(void)
{
    vlit_graph *g;
    vlit_error err = {0};
    CHECK(vlit_graph_new(&g, &err) == VLIT_OK);
    CHECK(vlit_graph_add_edge(g, "a", 1, "", 0, 1, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "empty node name");
    CHECK(vlit_graph_add_edge(g, "a\tb", 3, "c", 1, 1, &err) == VLIT_ERR_DATA);
    CHECK(vlit_graph_add_edge(g, "a\nb", 3, "c", 1, 1, &err) == VLIT_ERR_DATA);
    CHECK(vlit_graph_add_edge(g, "a\0b", 3, "c", 1, 1, &err) == VLIT_ERR_DATA);
    CHECK(vlit_graph_add_edge(g, "a", 1, "c", 1, -1, &err) == VLIT_ERR_DATA);
    CHECK(vlit_graph_add_edge(g, "a", 1, "c", 1, NAN, &err) == VLIT_ERR_DATA);
    char *big = malloc(VLIT_GRAPH_NAME_MAX + 2);
    memset(big, 'x', VLIT_GRAPH_NAME_MAX + 1);
    big[VLIT_GRAPH_NAME_MAX + 1] = '\0';
    CHECK(vlit_graph_add_edge(g, big, VLIT_GRAPH_NAME_MAX + 1, "c", 1, 1, &err) == VLIT_ERR_DATA);
    CHECK(vlit_graph_add_edge(g, big, VLIT_GRAPH_NAME_MAX, "c", 1, 1, &err) == VLIT_OK);
    free(big);
    vlit_graph_info info;
    vlit_graph_get_info(g, &info);
    CHECK(info.nodes == 2 && info.edges == 1);
    vlit_graph_clusters *c = (vlit_graph_clusters *)&info;
    vlit_egosplit_params p = vlit_egosplit_default_params();
    p.min_weight = -1;
    CHECK(vlit_graph_egosplit(g, p, &c, &err) == VLIT_ERR_USAGE && c == NULL);
    p.min_weight = INFINITY;
    CHECK(vlit_graph_egosplit(g, p, &c, &err) == VLIT_ERR_USAGE);
    size_t n = 9;
    p = vlit_egosplit_default_params();
    CHECK(vlit_graph_egosplit(g, p, &c, &err) == VLIT_OK);
    CHECK(vlit_graph_clusters_members(c, 5, &n) == NULL && n == 0);
    vlit_graph_clusters_free(c);
    vlit_graph_free(g);
    vlit_graph_free(NULL);
    vlit_graph_clusters_free(NULL);
}

static void test_reader(void)
{
    vlit_graph *g;
    vlit_error err = {0};
    CHECK(vlit_graph_new(&g, &err) == VLIT_OK);
    const char *path = write_file("e.tsv", "a\tb\r\n\nb\tc\t2\nc\ta\t0.5\nc\tc\t3\nd\te\t1e1\n");
    vlit_graph_read_summary sum;
    CHECK(vlit_graph_read_edges(g, path, vlit_graph_read_default_params(), &sum, &err) == VLIT_OK);
    CHECK(sum.lines == 6 && sum.edges == 5 && sum.self_loops == 1 && sum.skipped == 0);
    vlit_graph_info info;
    vlit_graph_get_info(g, &info);
    CHECK(info.nodes == 5 && info.edges == 4 && info.total_weight == 13.5);
    vlit_egosplit_params p = vlit_egosplit_default_params();
    CHECK_STR(clusters_str(g, p), "a b c|d e");
    vlit_graph_free(g);

    static const struct {
        const char *line, *problem;
    } bad[] = {
        {"a b", "no tab"},
        {"a\tb\t1\tx", "more than 3 tab-separated fields"},
        {"\tb", "empty node name in the first node"},
        {"a\t", "empty node name in the second node"},
        {"a\tb\t", "empty weight"},
        {"a\tb\tx", "weight is not a decimal number: 'x'"},
        {"a\tb\t-1", "weight is negative"},
        {"a\tb\t1e999", "weight is out of range"},
        {"a\tb\tinf", "not a decimal number"},
        {"a\tb\t0x10", "not a decimal number"},
        {"a\tb\t 1", "not a decimal number"},
        {"a\tb\t1.5.", "not a decimal number"},
        {"a\rz\tb", "line break in the first node"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "x\ty\n%s\nz\tw\n", bad[i].line);
        path = write_file("bad.tsv", text);
        CHECK(vlit_graph_new(&g, &err) == VLIT_OK);
        memset(&err, 0, sizeof err);
        CHECK(vlit_graph_read_edges(g, path, vlit_graph_read_default_params(), &sum, &err) == VLIT_ERR_PARSE);
        CHECK_HAS(err.message, "bad.tsv: line 2 (byte 4): ");
        CHECK_HAS(err.message, bad[i].problem);
        vlit_graph_get_info(g, &info);
        CHECK(info.edges == 1);
        vlit_graph_free(g);
        /* skipped: the rest goes on */
        CHECK(vlit_graph_new(&g, &err) == VLIT_OK);
        vlit_graph_read_params rp = vlit_graph_read_default_params();
        rp.skip_bad = 1;
        CHECK(vlit_graph_read_edges(g, path, rp, &sum, &err) == VLIT_OK);
        CHECK(sum.skipped == 1 && sum.edges == 2);
        vlit_graph_get_info(g, &info);
        CHECK(info.edges == 2);
        vlit_graph_free(g);
    }
    CHECK(vlit_graph_new(&g, &err) == VLIT_OK);
    CHECK(vlit_graph_read_edges(g, tmp_path("missing.tsv"), vlit_graph_read_default_params(), NULL, &err) ==
          VLIT_ERR_IO);
    CHECK_HAS(err.message, "missing.tsv: cannot open");
    vlit_graph_free(g);
}

static void test_partials(void)
{
    /* a co-occurrence graph built whole, and in three shards merged through
       partials: same partial bytes, same clusters */
    static const char *const texts[][5] = {
        {"dog", "beach", "run", NULL},  {"cat", "sofa", NULL},
        {"dog", "ball", "beach", NULL}, {"cat", "sofa", "sleep", NULL},
        {"red", "car", "street", NULL}, {"car", "street", "night", "light"},
        {"dog", "run", NULL},           {"light", "lamp", "night", NULL},
        {"sofa", "lamp", NULL},
    };
    size_t nt = sizeof texts / sizeof texts[0];
    vlit_graph *whole, *shard[3], *merged;
    vlit_error err = {0};
    CHECK(vlit_graph_new(&whole, &err) == VLIT_OK);
    for (int k = 0; k < 3; k++)
        CHECK(vlit_graph_new(&shard[k], &err) == VLIT_OK);
    for (size_t i = 0; i < nt; i++) {
        size_t n = 0;
        while (n < 5 && texts[i][n])
            n++;
        CHECK(vlit_graph_add_cooccurrence(whole, texts[i], NULL, n, &err) == VLIT_OK);
        CHECK(vlit_graph_add_cooccurrence(shard[(i * 7) % 3], texts[i], NULL, n, &err) == VLIT_OK);
    }
    const char *pw = tmp_path("whole.tsv"), *pm = tmp_path("merged.tsv");
    char ps[3][512];
    CHECK(vlit_graph_write_partial(whole, pw, &err) == VLIT_OK);
    CHECK(vlit_graph_new(&merged, &err) == VLIT_OK);
    for (int k = 2; k >= 0; k--) {
        char name[32];
        snprintf(name, sizeof name, "part%d.tsv", k);
        snprintf(ps[k], sizeof ps[k], "%s", tmp_path(name));
        CHECK(vlit_graph_write_partial(shard[k], ps[k], &err) == VLIT_OK);
        CHECK(vlit_graph_read_edges(merged, ps[k], vlit_graph_read_default_params(), NULL, &err) == VLIT_OK);
    }
    CHECK(vlit_graph_write_partial(merged, pm, &err) == VLIT_OK);
    char *a = read_file(pw), *b = read_file(pm);
    CHECK(a && b && strcmp(a, b) == 0);
    /* sorted, u before v, integer counts */
    CHECK(a && strncmp(a, "ball\tbeach\t1\nball\tdog\t1\nbeach\tdog\t2\n", 36) == 0);
    free(a);
    free(b);
    vlit_egosplit_params p = vlit_egosplit_default_params();
    char want[4096];
    snprintf(want, sizeof want, "%s", clusters_str(whole, p));
    CHECK_STR(clusters_str(merged, p), want);
    CHECK_STR(want, "car lamp light night red street|ball beach dog run|cat sleep sofa|lamp sofa");
    p.min_weight = 2;
    snprintf(want, sizeof want, "%s", clusters_str(whole, p));
    CHECK_STR(clusters_str(merged, p), want);
    CHECK_STR(want, "beach dog|car street|cat sofa|dog run|light night");
    /* an empty graph writes an empty partial */
    vlit_graph *e;
    CHECK(vlit_graph_new(&e, &err) == VLIT_OK);
    CHECK(vlit_graph_write_partial(e, pw, &err) == VLIT_OK);
    a = read_file(pw);
    CHECK(a && a[0] == '\0');
    free(a);
    vlit_graph_free(e);
    /* weights that are not integers read back exactly */
    CHECK(vlit_graph_new(&e, &err) == VLIT_OK);
    CHECK(vlit_graph_add_edge(e, "x", 1, "y", 1, 0.1, &err) == VLIT_OK);
    CHECK(vlit_graph_add_edge(e, "x", 1, "z", 1, 1.0 / 3.0, &err) == VLIT_OK);
    CHECK(vlit_graph_write_partial(e, pw, &err) == VLIT_OK);
    a = read_file(pw);
    CHECK_STR(a, "x\ty\t0.1\nx\tz\t0.3333333333333333\n");
    free(a);
    vlit_graph_free(e);
    vlit_graph_free(whole);
    vlit_graph_free(merged);
    for (int k = 0; k < 3; k++)
        vlit_graph_free(shard[k]);
}

/* A larger graph: overlapping cliques, shuffled; the same result whatever
 * the order of the edges, and the hub's personas are its cliques. */
static void test_determinism_large(void)
{
    enum { CLIQUES = 300, SIZE = 6 };
    char name[16];
    vlit_graph *g1, *g2;
    vlit_error err = {0};
    CHECK(vlit_graph_new(&g1, &err) == VLIT_OK);
    CHECK(vlit_graph_new(&g2, &err) == VLIT_OK);
    /* clique k: nodes w{k*5} .. w{k*5+4} and the hub "hub" */
    char *words[CLIQUES][SIZE];
    for (int k = 0; k < CLIQUES; k++) {
        for (int i = 0; i < SIZE - 1; i++) {
            snprintf(name, sizeof name, "w%05d", k * (SIZE - 1) + i);
            words[k][i] = strdup(name);
        }
        words[k][SIZE - 1] = strdup("hub");
        CHECK(vlit_graph_add_cooccurrence(g1, (const char *const *)words[k], NULL, SIZE, &err) == VLIT_OK);
    }
    for (int k = CLIQUES - 1; k >= 0; k--) {
        char *rev[SIZE];
        for (int i = 0; i < SIZE; i++)
            rev[i] = words[k][SIZE - 1 - i];
        CHECK(vlit_graph_add_cooccurrence(g2, (const char *const *)rev, NULL, SIZE, &err) == VLIT_OK);
    }
    vlit_graph_clusters *c1, *c2;
    vlit_egosplit_params p = vlit_egosplit_default_params();
    CHECK(vlit_graph_egosplit(g1, p, &c1, &err) == VLIT_OK);
    CHECK(vlit_graph_egosplit(g2, p, &c2, &err) == VLIT_OK);
    vlit_egosplit_stats s;
    vlit_graph_clusters_get_stats(c1, &s);
    CHECK(s.clusters == CLIQUES && s.max_personas == CLIQUES && s.personas == CLIQUES * SIZE);
    int same = vlit_graph_clusters_count(c1) == vlit_graph_clusters_count(c2);
    for (size_t i = 0; same && i < vlit_graph_clusters_count(c1); i++) {
        size_t n1, n2;
        const char *const *m1 = vlit_graph_clusters_members(c1, i, &n1);
        const char *const *m2 = vlit_graph_clusters_members(c2, i, &n2);
        same = n1 == n2 && n1 == SIZE;
        for (size_t j = 0; same && j < n1; j++)
            same = strcmp(m1[j], m2[j]) == 0;
    }
    CHECK(same);
    size_t n;
    const char *const *m = vlit_graph_clusters_members(c1, 0, &n);
    CHECK(n == SIZE && strcmp(m[0], "hub") == 0 && strcmp(m[1], "w00000") == 0);
    /* the result outlives its graph */
    vlit_graph_free(g1);
    m = vlit_graph_clusters_members(c1, CLIQUES - 1, &n);
    CHECK(n == SIZE && strcmp(m[5], "w01499") == 0);
    vlit_graph_clusters_free(c1);
    vlit_graph_clusters_free(c2);
    vlit_graph_free(g2);
    for (int k = 0; k < CLIQUES; k++)
        for (int i = 0; i < SIZE; i++)
            free(words[k][i]);
}

int main(void)
{
    test_known_graphs();
    test_weights();
    test_against_brute_force();
    test_no_self_loop_degeneration();
    test_cooccurrence();
    test_api_errors();
    test_reader();
    test_partials();
    test_determinism_large();
    cleanup_dir();
    return CHECK_DONE();
}
