/*
 * vlit/graph.h - weighted undirected graphs of named nodes, and their exact
 * Ego-Splitting into overlapping clusters (Epasto, Lattanzi, Paes Leme,
 * KDD 2017).
 *
 * Instruction diversity (principle 4) builds, per task, the graph whose nodes
 * are the content words of the task's instructions and whose edges join words
 * that occur in one instruction, weighted by how many instructions they share;
 * the indicator is the number of Ego-Splitting clusters of that graph.
 * docs/graph.md gives the definitions, the algorithm and its validation.
 *
 *   vlit_graph *g;  vlit_error err = {0};
 *   vlit_graph_new(&g, &err);
 *   const char *words[] = {"dog", "beach", "run"};
 *   vlit_graph_add_cooccurrence(g, words, NULL, 3, &err);   // one instruction
 *   vlit_graph_add_edge(g, "cat", 3, "sofa", 4, 2.0, &err);  // or edges one by one
 *   vlit_graph_clusters *c;
 *   vlit_egosplit_params p = vlit_egosplit_default_params();
 *   p.min_cluster = 3;
 *   if (vlit_graph_egosplit(g, p, &c, &err)) { report err.message }
 *   for (size_t i = 0; i < vlit_graph_clusters_count(c); i++) {
 *       size_t n;
 *       const char *const *members = vlit_graph_clusters_members(c, i, &n);
 *       ...                                     // n names in byte order
 *   }
 *   vlit_graph_clusters_free(c);
 *   vlit_graph_free(g);
 *
 * Ownership: a graph owns copies of the node names given to it; a clusters
 * result owns copies of the names it lists, so it may outlive its graph.
 * Everything a function returns through a pointer belongs to the handle it
 * came from and lives until that handle is freed.
 *
 * Threads: adding edges changes a graph; vlit_graph_egosplit(),
 * vlit_graph_get_info() and vlit_graph_write_partial() only read it, so any
 * number of threads may run them on one graph at once while no thread adds
 * to it. Different graphs are independent.
 *
 * Errors: every function that can fail returns a vlit_status and fills err (may
 * be NULL) with a one-line message; out of memory is VLIT_ERR_NOMEM, never an
 * abort. An add refused for bad data (VLIT_ERR_DATA) changes nothing; after
 * VLIT_ERR_NOMEM or VLIT_ERR_LIMIT the graph may hold part of what the call
 * added (at worst a node without edges, which is in no cluster and no
 * partial) and stays valid to use and free.
 */
#ifndef VLIT_GRAPH_H
#define VLIT_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest node name, in bytes. */
#define VLIT_GRAPH_NAME_MAX 4096

typedef struct vlit_graph vlit_graph;

/* ---- building ---- */

/* Makes an empty graph. *out is NULL on failure. */
vlit_status vlit_graph_new(vlit_graph **out, vlit_error *err);

/* Frees the graph; accepts NULL. */
void vlit_graph_free(vlit_graph *g);

/* Adds weight to the undirected edge between the nodes named u (ulen bytes)
 * and v, creating the nodes and the edge when they are new: an edge given
 * several times, in either direction, has the sum of its weights. A name is 1
 * to VLIT_GRAPH_NAME_MAX bytes without NUL, tab, CR or LF (anything else is
 * VLIT_ERR_DATA); names are compared byte by byte. weight must be finite and
 * >= 0 (VLIT_ERR_DATA). An edge from a node to itself is not part of the
 * graph: it is counted (vlit_graph_info.self_loops) and otherwise ignored, and
 * the call succeeds. The graph holds at most 2^32 - 2 nodes and 2^31 - 1
 * edges (VLIT_ERR_LIMIT). */
vlit_status vlit_graph_add_edge(vlit_graph *g, const char *u, size_t ulen, const char *v, size_t vlen, double weight,
                                vlit_error *err);

/* Adds the co-occurrences of one text: weight 1 to the edge between every two
 * distinct words among the n given (a word given twice counts once). lens[i]
 * is the length of words[i]; lens NULL means the words are NUL-terminated.
 * Names follow the rules of vlit_graph_add_edge(). */
vlit_status vlit_graph_add_cooccurrence(vlit_graph *g, const char *const *words, const size_t *lens, size_t n,
                                        vlit_error *err);

typedef struct vlit_graph_read_params {
    int skip_bad;                                    /* skip bad lines (counted, told to on_skip) instead of failing */
    void (*on_skip)(void *ctx, const char *message); /* may be NULL */
    void *ctx;
} vlit_graph_read_params;

vlit_graph_read_params vlit_graph_read_default_params(void);

typedef struct vlit_graph_read_summary {
    size_t lines;      /* lines read, empty ones included */
    size_t edges;      /* edge lines added (self-loops included) */
    size_t self_loops; /* lines joining a node to itself (ignored) */
    size_t skipped;    /* bad lines skipped (skip_bad) */
} vlit_graph_read_summary;

/* Adds the edges of a text file ("-" = standard input), one per line:
 * u TAB v [TAB weight], weight 1 when absent; empty lines are allowed and a
 * CR before the newline is dropped. A weight is a decimal number ("3",
 * "0.25", "1e3"). Partials written by vlit_graph_write_partial() are such
 * files, so reading several partials into one graph sums them. A bad line is
 * an error naming the file, the line, its byte offset and the problem, unless
 * params.skip_bad; a line longer than 1 MiB is always an error. summary may be
 * NULL; it receives the counts of this file even on failure. On failure the
 * edges of the lines before the bad one stay in the graph. */
vlit_status vlit_graph_read_edges(vlit_graph *g, const char *path, vlit_graph_read_params params,
                                  vlit_graph_read_summary *summary, vlit_error *err);

/* Writes the graph as a partial to path ("-" = standard output), atomically:
 * one line per edge, u TAB v TAB weight, with u before v in byte order, lines
 * sorted by u then v (byte order), each edge once, the weight in the shortest
 * of %.15g, %.16g and %.17g that reads back to the same double (counts print
 * as integers). The
 * same graph always gives the same bytes. Shards of a dataset each write the
 * partial of their part; reading all partials into one graph gives exactly
 * the graph of the whole, because weights are summed and integer counts below
 * 2^53 are summed exactly in any order. */
vlit_status vlit_graph_write_partial(const vlit_graph *g, const char *path, vlit_error *err);

typedef struct vlit_graph_info {
    size_t nodes;        /* nodes of the edges added (a node joined only to itself is not one) */
    size_t edges;        /* distinct undirected edges */
    double total_weight; /* sum of the edge weights */
    size_t self_loops;   /* self-loops given and ignored */
} vlit_graph_info;

/* Describes the graph. */
void vlit_graph_get_info(const vlit_graph *g, vlit_graph_info *info);

/* ---- Ego-Splitting ---- */

typedef struct vlit_egosplit_params {
    /* Edges whose summed weight is below min_weight are left out before
       splitting, and so are nodes left without edges; default 0: every edge. */
    double min_weight;
    /* Clusters with fewer distinct nodes are not listed (they are counted in
       vlit_egosplit_stats.clusters_all). Every cluster has at least 2 nodes,
       so 0, 1 and 2 list every cluster; default 2. */
    size_t min_cluster;
} vlit_egosplit_params;

vlit_egosplit_params vlit_egosplit_default_params(void);

typedef struct vlit_graph_clusters vlit_graph_clusters;

/* Exact Ego-Splitting of g's edges of weight >= params.min_weight:
 *  - the personas of a node u are the connected components of u's ego-net
 *    without u (the subgraph induced by u's neighbours), one persona each;
 *  - every edge (u, v) becomes an edge between the persona of u whose
 *    component contains v and the persona of v whose component contains u;
 *  - the clusters are the connected components of that persona graph, and a
 *    node belongs to every cluster that holds one of its personas.
 * No self-loops are ever added (they would merge every ego-net into one
 * persona and leave the connected components of g). The result lists the
 * clusters of at least params.min_cluster nodes, each as its distinct nodes
 * in byte order, the clusters ordered by size (largest first), then by their
 * member lists compared name by name in byte order; it depends only on the
 * graph and the parameters, not on the order edges were added. Time: a sort
 * of the kept edges, then one listing of the graph's triangles in degree
 * order, which costs at most the sum over edges of the smaller degree of the
 * two ends (so a hub's large neighbourhood is never scanned as a whole), with
 * a near-constant union-find step per triangle corner. Memory: at most about
 * 40 bytes per kept edge while splitting, then the result (a pointer per
 * membership and a copy of each listed name). Single-threaded. min_weight
 * must be a finite number >= 0 (VLIT_ERR_USAGE). *out is NULL on failure. */
vlit_status vlit_graph_egosplit(const vlit_graph *g, vlit_egosplit_params params, vlit_graph_clusters **out,
                                vlit_error *err);

/* Clusters listed (those of at least min_cluster nodes): the indicator. */
size_t vlit_graph_clusters_count(const vlit_graph_clusters *c);

/* The members of cluster i (i < count): *n names, distinct, in byte order
 * (NUL-terminated). */
const char *const *vlit_graph_clusters_members(const vlit_graph_clusters *c, size_t i, size_t *n);

typedef struct vlit_egosplit_stats {
    size_t nodes;         /* nodes with at least one edge kept */
    size_t edges;         /* edges kept (weight >= min_weight) */
    size_t edges_dropped; /* edges below min_weight */
    uint64_t triangles;   /* triangles of the kept graph */
    size_t personas;      /* personas of all nodes: the persona graph's nodes */
    size_t max_personas;  /* most personas of one node */
    size_t clusters_all;  /* clusters of every size */
    size_t clusters;      /* clusters listed (>= min_cluster nodes) */
    size_t memberships;   /* sum of the listed clusters' sizes */
} vlit_egosplit_stats;

/* Counts of the run that made c. */
void vlit_graph_clusters_get_stats(const vlit_graph_clusters *c, vlit_egosplit_stats *stats);

/* Frees the result; accepts NULL. */
void vlit_graph_clusters_free(vlit_graph_clusters *c);

#ifdef __cplusplus
}
#endif

#endif
