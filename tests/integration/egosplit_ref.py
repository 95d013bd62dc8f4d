#!/usr/bin/python3
"""Ego-Splitting written the plain way with networkx, as a reference for
`vlit graph egosplit` (tests/integration/graph.sh, bench/egosplit).

usage: egosplit_ref.py EDGES... [--min-cluster K] [--min-weight W]

Reads the same edge lists (u TAB v [TAB weight]; weights of repeated edges add
up, self-loops are ignored), keeps the edges of summed weight >= W, and prints
the clusters the way vlit does: one per line, members in byte order separated
by spaces, the largest clusters first, ties by their member lists.

The definition, step by step, with nothing clever:
  - personas: for each node u, the connected components of the subgraph
    induced by u's neighbours (u itself is not in it: no self-loop);
  - persona graph: for each edge (u, v), an edge between the persona of u whose
    component holds v and the persona of v whose component holds u;
  - clusters: connected components of the persona graph; a node belongs to
    every cluster holding one of its personas.
"""
import sys

import networkx as nx


def read_graph(paths, min_weight):
    weight = {}
    for path in paths:
        with open(path, "rb") as f:
            for line in f:
                line = line.rstrip(b"\n")
                if line.endswith(b"\r"):
                    line = line[:-1]
                if not line:
                    continue
                fields = line.split(b"\t")
                u, v = fields[0], fields[1]
                w = float(fields[2]) if len(fields) > 2 else 1.0
                if u == v:
                    continue
                key = (u, v) if u < v else (v, u)
                weight[key] = weight.get(key, 0.0) + w
    g = nx.Graph()
    g.add_edges_from(key for key, w in weight.items() if w >= min_weight)
    return g


def ego_split(g):
    persona = {}  # (u, v) -> the persona of u whose component holds v
    for u in g.nodes:
        ego = g.subgraph(v for v in g.neighbors(u) if v != u)
        for i, component in enumerate(nx.connected_components(ego)):
            for v in component:
                persona[(u, v)] = (u, i)
    personas = nx.Graph()
    personas.add_nodes_from(set(persona.values()))
    for u, v in g.edges:
        personas.add_edge(persona[(u, v)], persona[(v, u)])
    return [sorted({node for node, _ in component}) for component in nx.connected_components(personas)]


def main(argv):
    paths, min_cluster, min_weight = [], 2, 0.0
    i = 0
    while i < len(argv):
        if argv[i] == "--min-cluster":
            min_cluster, i = int(argv[i + 1]), i + 2
        elif argv[i] == "--min-weight":
            min_weight, i = float(argv[i + 1]), i + 2
        else:
            paths.append(argv[i])
            i += 1
    clusters = [c for c in ego_split(read_graph(paths, min_weight)) if len(c) >= min_cluster]
    clusters.sort(key=lambda c: (-len(c), c))
    out = sys.stdout.buffer
    for c in clusters:
        out.write(b" ".join(c) + b"\n")


if __name__ == "__main__":
    main(sys.argv[1:])
