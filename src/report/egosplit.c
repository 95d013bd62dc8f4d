/* Exact Ego-Splitting (Epasto, Lattanzi, Paes Leme, KDD 2017) on a vlit_graph.
 *
 * Every edge (u, v) is two half-edges, u->v and v->u; the half-edges out of u
 * stand for u's neighbours, so u's ego-net without u is a graph on them, and
 * its edges are exactly the triangles through u: a triangle (u, v, w) joins
 * v and w in u's ego-net. One union-find over all half-edges therefore finds
 * every ego-net's components at once: for each triangle, unite u->v with u->w,
 * v->u with v->w, and w->u with w->v. The classes are the personas (each class
 * holds half-edges of one node only, so it is a component of that node's
 * ego-net). The persona graph joins, for every edge, the persona of u holding
 * u->v with the persona of v holding v->u; its components are the classes of
 * the same union-find after also uniting each half-edge with its twin. No
 * self-loop appears anywhere: u is never among its own half-edges' targets.
 *
 * Triangles are listed once each, in degree order (every edge points from the
 * end of lower (degree, rank) to the other; for each node u, mark its
 * out-neighbours, then scan the out-neighbours of each of them): each node's
 * out-list has at most sqrt(2m) entries, so hubs cost no more than the sum
 * over edges of the smaller degree (Chiba and Nishizeki 1985), and a hub's
 * large ego-net is never scanned as a whole.
 *
 * Node ids here are the ranks of the names in byte order, so adjacency is
 * sorted by name and members come out in byte order without further sorting.
 * Memory, per kept edge: the sorted keys (8 bytes, plus 8 while sorting),
 * the out-lists (12), the union-find (8 + 2), the personas (4 + 4 each).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/err.h"
#include "graph_internal.h"

struct vlit_graph_clusters {
    size_t count;
    size_t *start;        /* count + 1 offsets into members */
    const char **members; /* names, owned by the arena */
    vlit_arena names;
    vlit_egosplit_stats stats;
};

vlit_egosplit_params vlit_egosplit_default_params(void)
{
    vlit_egosplit_params p;
    memset(&p, 0, sizeof p);
    p.min_weight = 0;
    p.min_cluster = 2;
    return p;
}

size_t vlit_graph_clusters_count(const vlit_graph_clusters *c)
{
    return c->count;
}

const char *const *vlit_graph_clusters_members(const vlit_graph_clusters *c, size_t i, size_t *n)
{
    if (i >= c->count) {
        *n = 0;
        return NULL;
    }
    *n = c->start[i + 1] - c->start[i];
    return (const char *const *)c->members + c->start[i];
}

void vlit_graph_clusters_get_stats(const vlit_graph_clusters *c, vlit_egosplit_stats *stats)
{
    *stats = c->stats;
}

void vlit_graph_clusters_free(vlit_graph_clusters *c)
{
    if (!c)
        return;
    free(c->start);
    free(c->members);
    vlit_arena_free(&c->names);
    free(c);
}

/* ---- union-find over half-edges: path halving, union by rank ---- */

static inline uint32_t uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static inline void uf_union(uint32_t *parent, uint8_t *rank, uint32_t a, uint32_t b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a == b)
        return;
    if (rank[a] < rank[b]) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    parent[b] = a;
    if (rank[a] == rank[b])
        rank[a]++;
}

/* ---- ordering the clusters ---- */

typedef struct cluster_ref {
    const uint32_t *mem; /* node ranks, ascending */
    size_t size;
} cluster_ref;

static int cmp_cluster(const void *a, const void *b)
{
    const cluster_ref *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    for (size_t i = 0; i < x->size; i++)
        if (x->mem[i] != y->mem[i])
            return x->mem[i] < y->mem[i] ? -1 : 1;
    return 0;
}

static void *alloc_n(size_t n, size_t size)
{
    return malloc((n ? n : 1) * size); /* overflow impossible: n < 2^33 and size <= 16 */
}

vlit_status vlit_graph_egosplit(const vlit_graph *g, vlit_egosplit_params params, vlit_graph_clusters **out,
                                vlit_error *err)
{
    *out = NULL;
    if (!(params.min_weight >= 0) || !isfinite(params.min_weight))
        return vlit_err(err, VLIT_ERR_USAGE, "egosplit: the minimum weight must be a finite number >= 0");
    vlit_status st = VLIT_OK;
    const size_t n = g->n;
    vlit_egosplit_stats stats;
    memset(&stats, 0, sizeof stats);

    uint32_t *rank = NULL, *by_rank = NULL, *off = NULL, *cur = NULL, *ooff = NULL, *ocur = NULL, *mark = NULL;
    uint32_t *onbr = NULL, *otwin = NULL, *parent = NULL, *pers = NULL, *poff = NULL, *csize = NULL, *mem = NULL;
    uint64_t *keys = NULL, *tmp = NULL;
    uint8_t *urank = NULL;
    cluster_ref *refs = NULL;
    const char **name_copy = NULL;
    vlit_graph_clusters *res = calloc(1, sizeof *res);
    if (!res)
        goto nomem;
    vlit_arena_init(&res->names, 64 * 1024);

    /* 1. the kept edges, as (smaller rank, larger rank), sorted */
    rank = alloc_n(n, sizeof *rank);
    by_rank = alloc_n(n, sizeof *by_rank);
    if (!rank || !by_rank)
        goto nomem;
    if ((st = graph_name_order(g, by_rank, rank, err)) != VLIT_OK)
        goto fail;
    size_t m = 0;
    for (size_t i = 0; i < g->cap; i++)
        if (g->slots[i].key != GRAPH_NO_KEY && g->slots[i].weight >= params.min_weight)
            m++;
    stats.edges = m;
    stats.edges_dropped = g->m - m;
    keys = alloc_n(m, sizeof *keys);
    tmp = alloc_n(m, sizeof *tmp);
    if (!keys || !tmp)
        goto nomem;
    m = 0;
    for (size_t i = 0; i < g->cap; i++) {
        uint64_t k = g->slots[i].key;
        if (k == GRAPH_NO_KEY || !(g->slots[i].weight >= params.min_weight))
            continue;
        uint32_t a = rank[graph_key_hi(k)], b = rank[graph_key_lo(k)];
        keys[m++] = a < b ? ((uint64_t)a << 32) | b : ((uint64_t)b << 32) | a;
    }
    if (graph_sort_keys(keys, tmp, m, (uint32_t)n))
        goto nomem;
    free(tmp);
    tmp = NULL;
    free(by_rank);
    by_rank = NULL;

    /* 2. half-edges: those out of node r are off[r] .. off[r + 1] - 1, by neighbour */
    off = calloc(n + 1, sizeof *off);
    cur = alloc_n(n, sizeof *cur);
    ooff = calloc(n + 1, sizeof *ooff);
    ocur = alloc_n(n, sizeof *ocur);
    if (!off || !cur || !ooff || !ocur)
        goto nomem;
    for (size_t i = 0; i < m; i++) {
        off[graph_key_hi(keys[i]) + 1]++;
        off[graph_key_lo(keys[i]) + 1]++;
    }
    for (size_t r = 0; r < n; r++) {
        if (off[r + 1])
            stats.nodes++;
        off[r + 1] += off[r];
    }
    memcpy(cur, off, n * sizeof *cur);
    /* every edge points from its end of lower (degree, rank): out-lists are short */
#define DEG(r) (off[(r) + 1] - off[r])
#define POINTS_UP(a, b) (DEG(a) < DEG(b) || (DEG(a) == DEG(b) && (a) < (b)))
    for (size_t i = 0; i < m; i++) {
        uint32_t a = graph_key_hi(keys[i]), b = graph_key_lo(keys[i]);
        ooff[(POINTS_UP(a, b) ? a : b) + 1]++;
    }
    for (size_t r = 0; r < n; r++)
        ooff[r + 1] += ooff[r];
    memcpy(ocur, ooff, n * sizeof *ocur);
    /* out-entry i: its target onbr[i], its half-edge otwin[2i] (source -> target)
       and the twin otwin[2i + 1]; out-lists come out sorted by target because
       the keys are sorted */
    onbr = alloc_n(m, sizeof *onbr);
    otwin = alloc_n(2 * m, sizeof *otwin);
    if (!onbr || !otwin)
        goto nomem;
    for (size_t i = 0; i < m; i++) {
        uint32_t a = graph_key_hi(keys[i]), b = graph_key_lo(keys[i]);
        uint32_t ab = cur[a]++, ba = cur[b]++;
        if (POINTS_UP(a, b)) {
            uint32_t k = ocur[a]++;
            onbr[k] = b, otwin[2 * k] = ab, otwin[2 * k + 1] = ba;
        } else {
            uint32_t k = ocur[b]++;
            onbr[k] = a, otwin[2 * k] = ba, otwin[2 * k + 1] = ab;
        }
    }
#undef POINTS_UP
#undef DEG
    free(keys);
    keys = NULL;
    free(cur);
    cur = NULL;
    free(ocur);
    ocur = NULL;

    /* 3. ego-net components: one union per triangle corner */
    const size_t h = 2 * m;
    parent = alloc_n(h, sizeof *parent);
    urank = calloc(h ? h : 1, 1);
    mark = calloc(n ? n : 1, sizeof *mark);
    if (!parent || !urank || !mark)
        goto nomem;
    for (size_t i = 0; i < h; i++)
        parent[i] = (uint32_t)i;
    for (size_t u = 0; u < n; u++) {
        uint32_t b = ooff[u], e = ooff[u + 1];
        if (e - b < 2)
            continue; /* a triangle needs two out-edges at its lowest corner */
        for (uint32_t i = b; i < e; i++)
            mark[onbr[i]] = i + 1;
        for (uint32_t i = b; i < e; i++) {
            uint32_t v = onbr[i];
            for (uint32_t j = ooff[v]; j < ooff[v + 1]; j++) {
                uint32_t k = mark[onbr[j]];
                if (!k)
                    continue;
                k--; /* triangle u, v, w = onbr[j]: i is u->v, k is u->w, j is v->w */
                stats.triangles++;
                uf_union(parent, urank, otwin[2 * i], otwin[2 * k]);         /* in u's ego-net, v ~ w */
                uf_union(parent, urank, otwin[2 * i + 1], otwin[2 * j]);     /* in v's, u ~ w */
                uf_union(parent, urank, otwin[2 * k + 1], otwin[2 * j + 1]); /* in w's, u ~ v */
            }
        }
        for (uint32_t i = b; i < e; i++)
            mark[onbr[i]] = 0;
    }
    free(mark);
    mark = NULL;
    free(onbr);
    onbr = NULL;
    free(ooff);
    ooff = NULL;

    /* 4. personas: the classes now; pers[] holds one half-edge of each, poff[]
       where each node's personas start */
    size_t P = 0;
    for (size_t i = 0; i < h; i++)
        P += parent[i] == i;
    stats.personas = P;
    pers = alloc_n(P, sizeof *pers);
    poff = calloc(n + 1, sizeof *poff);
    if (!pers || !poff)
        goto nomem;
    P = 0;
    for (size_t r = 0; r < n; r++) {
        for (uint32_t i = off[r]; i < off[r + 1]; i++)
            if (parent[i] == i)
                pers[P++] = i;
        poff[r + 1] = (uint32_t)P;
        if (poff[r + 1] - poff[r] > stats.max_personas)
            stats.max_personas = poff[r + 1] - poff[r];
    }
    free(off);
    off = NULL;

    /* 5. the persona graph's components: each half-edge joins its twin */
    for (size_t i = 0; i < m; i++)
        uf_union(parent, urank, otwin[2 * i], otwin[2 * i + 1]);
    free(urank);
    urank = NULL;

    /* 6. clusters: number the roots (otwin is free now: 2m slots, one per
       half-edge), then bucket the personas by cluster in node order */
    uint32_t *cl_of = otwin;
    memset(cl_of, 0xff, h * sizeof *cl_of);
    size_t C = 0;
    for (size_t p = 0; p < P; p++) {
        uint32_t root = uf_find(parent, pers[p]);
        if (cl_of[root] == UINT32_MAX)
            cl_of[root] = (uint32_t)C++;
        pers[p] = cl_of[root]; /* from here on: the persona's cluster */
    }
    free(parent);
    parent = NULL;
    stats.clusters_all = C;
    csize = calloc(C + 1, sizeof *csize);
    mem = alloc_n(P, sizeof *mem);
    if (!csize || !mem)
        goto nomem;
    for (size_t p = 0; p < P; p++)
        csize[pers[p] + 1]++;
    for (size_t c = 0; c < C; c++)
        csize[c + 1] += csize[c];
    /* csize[c] is now where cluster c starts; fill in node order, so each
       cluster's members come ascending and a node's repeats are adjacent */
    for (size_t r = 0; r < n; r++)
        for (uint32_t p = poff[r]; p < poff[r + 1]; p++)
            mem[csize[pers[p]]++] = (uint32_t)r;
    /* csize[c] is now where cluster c ends */
    free(poff);
    poff = NULL;
    free(pers);
    pers = NULL;

    refs = alloc_n(C, sizeof *refs);
    if (!refs)
        goto nomem;
    size_t kept = 0, total = 0;
    for (size_t c = 0; c < C; c++) {
        uint32_t b = c ? csize[c - 1] : 0, e = csize[c], k = b;
        for (uint32_t i = b; i < e; i++)
            if (i == b || mem[i] != mem[k - 1])
                mem[k++] = mem[i];
        size_t size = k - b;
        if (size >= params.min_cluster) {
            refs[kept].mem = mem + b;
            refs[kept].size = size;
            kept++;
            total += size;
        }
    }
    qsort(refs, kept, sizeof *refs, cmp_cluster);
    stats.clusters = kept;
    stats.memberships = total;

    /* 7. the result, with its own copies of the names it lists */
    res->start = alloc_n(kept + 1, sizeof *res->start);
    res->members = alloc_n(total, sizeof *res->members);
    name_copy = calloc(n ? n : 1, sizeof *name_copy);
    if (!res->start || !res->members || !name_copy)
        goto nomem;
    if (n && !by_rank) {
        by_rank = alloc_n(n, sizeof *by_rank);
        if (!by_rank)
            goto nomem;
        for (size_t id = 0; id < n; id++)
            by_rank[rank[id]] = (uint32_t)id;
    }
    size_t pos = 0;
    for (size_t c = 0; c < kept; c++) {
        res->start[c] = pos;
        for (size_t i = 0; i < refs[c].size; i++) {
            uint32_t r = refs[c].mem[i];
            if (!name_copy[r] && !(name_copy[r] = vlit_arena_strdup(&res->names, g->name[by_rank[r]])))
                goto nomem;
            res->members[pos++] = name_copy[r];
        }
    }
    res->start[kept] = pos;
    res->count = kept;
    res->stats = stats;
    *out = res;
    res = NULL;
    goto done;

nomem:
    st = vlit_err(err, VLIT_ERR_NOMEM, "egosplit: out of memory");
fail:
    vlit_graph_clusters_free(res);
    res = NULL;
done:
    free(rank);
    free(by_rank);
    free(off);
    free(cur);
    free(ooff);
    free(ocur);
    free(mark);
    free(onbr);
    free(otwin);
    free(parent);
    free(pers);
    free(poff);
    free(csize);
    free(mem);
    free(keys);
    free(tmp);
    free(urank);
    free(refs);
    free(name_copy);
    return st;
}
