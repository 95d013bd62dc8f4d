#!/usr/bin/python3
"""Test sets and the reference for `vlit cluster dbscan` (tests/integration/cluster.sh).

  dbscan_ref.py prepare DIR               the test sets, their references and bad files in DIR
  dbscan_ref.py gen KIND SEED OUT.npy     write one float32 test set
  dbscan_ref.py ref IN.npy EPS MIN OUT    scikit-learn's labels and core flags, "label<TAB>core" per row
  dbscan_ref.py compare REF OUT...        same core points, same partition of the core points,
                                          same labels; prints what differs

The reference is scikit-learn's DBSCAN(metric="cosine", algorithm="brute") on
the same float32 values widened to float64 - an independent implementation,
used only at test time.
"""
import sys

import numpy as np


def gen(kind, seed, out):
    rng = np.random.default_rng(seed)
    if kind.startswith("blobs"):  # blobs-N-D-K-SPREAD-NOISE
        _, n, d, k, spread, noise = kind.split("-")
        n, d, k, spread, noise = int(n), int(d), int(k), float(spread), float(noise)
        centres = rng.normal(size=(k, d))
        x = centres[rng.integers(0, k, size=n)] + spread * rng.normal(size=(n, d))
        m = rng.random(n) < noise
        x[m] = rng.normal(size=(int(m.sum()), d))
    elif kind == "ties":
        # small integer vectors: many pairs at exactly the same distances,
        # so an eps equal to one of them puts pairs right on the boundary
        x = rng.integers(-3, 4, size=(300, 3)).astype(np.float64)
    elif kind == "dups":
        # duplicates, multiples, zero rows and opposite directions
        base = rng.normal(size=(40, 6))
        x = np.concatenate([base, base[:20], 3 * base[20:35], -base[:10], np.zeros((5, 6)), base[:5] * 1e-3])
        x = x[rng.permutation(len(x))]
    else:
        raise SystemExit(f"unknown kind {kind}")
    np.save(out, x.astype(np.float32))


def tie_eps(path):
    """The float64 cosine distance of the first two distinct directions of a set."""
    from sklearn.metrics.pairwise import cosine_distances

    x = np.load(path).astype(np.float64)
    d = cosine_distances(x[:50], x[:50])
    vals = sorted(set(d[d > 0.05].ravel().tolist()))
    return vals[len(vals) // 3]


def ref(path, eps, min_samples, out):
    from sklearn.cluster import DBSCAN

    x = np.load(path).astype(np.float64)
    db = DBSCAN(eps=eps, min_samples=min_samples, metric="cosine", algorithm="brute").fit(x)
    core = np.zeros(len(x), dtype=int)
    core[db.core_sample_indices_] = 1
    with open(out, "w") as f:
        for label, c in zip(db.labels_, core):
            f.write(f"{label}\t{c}\n")


def read(path):
    rows = [line.split("\t") for line in open(path).read().splitlines()]
    return [int(r[0]) for r in rows], [int(r[1]) for r in rows]


def compare(a, b):
    la, ca = read(a)
    lb, cb = read(b)
    if len(la) != len(lb):
        print(f"{len(la)} rows against {len(lb)}")
        return 1
    if ca != cb:
        diff = [i for i in range(len(ca)) if ca[i] != cb[i]]
        print(f"core points differ at {len(diff)} rows, first {diff[:10]}")
        return 1
    # the partition of the core points: the same pairs together
    pairs = {}
    for i, (x, y) in enumerate(zip(la, lb)):
        if ca[i]:
            if pairs.setdefault(x, y) != y:
                print(f"core row {i}: cluster {x} of the reference maps to two clusters")
                return 1
    if len(set(pairs.values())) != len(pairs):
        print("two reference clusters are one cluster here")
        return 1
    if la != lb:
        diff = [i for i in range(len(la)) if la[i] != lb[i]]
        print(f"same core clusters, but labels differ at {len(diff)} rows (border points), first {diff[:10]}")
        return 1
    return 0


# The sets of tests/integration/cluster.sh: kind, seed, eps, min_samples.
CASES = [
    ("blobs-600-8-6-0.3-0.2", 1, 0.05, 5),
    ("blobs-800-64-10-0.5-0.3", 2, 0.15, 4),
    ("blobs-500-300-5-0.6-0.2", 3, 0.3, 8),
    ("blobs-700-16-40-0.4-0.5", 4, 0.1, 3),
    ("blobs-400-32-3-0.8-0.1", 5, 0.3, 20),
    ("dups", 6, 0.01, 3),
    ("dups", 7, 1.0, 4),
    ("ties", 8, None, 3),  # eps: one of the set's own distances
    ("ties", 8, None, 10),
]


def prepare(folder):
    """Writes setK.npy and refK.txt for every case, and cases.txt: "K eps min" lines."""
    with open(f"{folder}/cases.txt", "w") as f:
        for k, (kind, seed, eps, m) in enumerate(CASES, 1):
            path = f"{folder}/set{k}.npy"
            gen(kind, seed, path)
            if eps is None:
                eps = tie_eps(path)
            ref(path, eps, m, f"{folder}/ref{k}.txt")
            f.write(f"{k} {eps!r} {m}\n")
    np.save(f"{folder}/f8.npy", np.ones((3, 2)))
    a = np.ones((3, 2), np.float32)
    a[2, 1] = np.nan
    np.save(f"{folder}/nan.npy", a)
    np.savetxt(f"{folder}/set2.tsv", np.load(f"{folder}/set2.npy"), fmt="%.9g", delimiter="\t")
    for k, part in enumerate(np.array_split(np.load(f"{folder}/set2.npy"), 3)):
        np.save(f"{folder}/part{k}.npy", part)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "prepare":
        prepare(sys.argv[2])
    elif cmd == "compare":  # compare REF OUT [REF OUT ...]
        status = 0
        for a, b in zip(sys.argv[2::2], sys.argv[3::2]):
            if compare(a, b):
                print(f"  ({a} against {b})")
                status = 1
        sys.exit(status)
    elif cmd == "gen":
        gen(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "ref":
        ref(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        raise SystemExit(__doc__)
