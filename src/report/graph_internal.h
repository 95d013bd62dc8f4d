/* Internal: the graph behind vlit/graph.h, shared by graph.c (building,
 * reading, partials) and egosplit.c (the algorithm).
 *
 * Nodes get ids in the order they are first seen; names live in the name
 * map's arena. Edges live in one open-addressing table keyed by the two ids
 * (smaller in the high half), holding the summed weight. Everything that
 * leaves the graph (partials, clusters) is ordered by names, never by ids, so
 * results do not depend on the order edges were added. */
#ifndef VLIT_REPORT_GRAPH_INTERNAL_H
#define VLIT_REPORT_GRAPH_INTERNAL_H

#include <stdint.h>

#include "../base/strmap.h"
#include "vlit/graph.h"

#define GRAPH_NO_KEY UINT64_MAX          /* empty slot of the edge table */
#define GRAPH_MAX_NODES (UINT32_MAX - 1) /* ids fit 32 bits */
#define GRAPH_MAX_EDGES INT32_MAX        /* half-edge ids (2 per edge) fit 32 bits */

typedef struct graph_edge_slot {
    uint64_t key; /* (smaller id << 32) | larger id, or GRAPH_NO_KEY */
    double weight;
} graph_edge_slot;

struct vlit_graph {
    vlit_strmap ids;   /* name -> id */
    const char **name; /* id -> the map's NUL-terminated copy */
    size_t n, name_cap;
    graph_edge_slot *slots; /* capacity a power of two, at most 70 % full */
    size_t cap, m;
    size_t self_loops;
};

static inline uint32_t graph_key_hi(uint64_t key)
{
    return (uint32_t)(key >> 32);
}
static inline uint32_t graph_key_lo(uint64_t key)
{
    return (uint32_t)key;
}

/* The ids in byte order of their names: by_rank[r] = id, rank[id] = r (either
 * may be NULL). VLIT_ERR_NOMEM on failure. */
vlit_status graph_name_order(const vlit_graph *g, uint32_t *by_rank, uint32_t *rank, vlit_error *err);

/* Sorts n keys whose two 32-bit halves are both below `bound`, ascending;
 * tmp has room for n keys. 0, or -1 when out of memory (keys unchanged). */
int graph_sort_keys(uint64_t *keys, uint64_t *tmp, size_t n, uint32_t bound);

#endif
