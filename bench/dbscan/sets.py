#!/usr/bin/python3
"""Inputs and the scikit-learn side of bench/dbscan/run.sh.

  sets.py gen DIR                 the validation sets: DIR/NAME.npy and DIR/sets.txt ("NAME eps min_samples")
  sets.py big N D SEED OUT.npy    one large clustered set (timing)
  sets.py text N D SEED OUT.npy   TF-IDF-like text vectors hashed to D dimensions (timing)
  sets.py ref IN EPS MIN OUT      scikit-learn's DBSCAN(metric="cosine", algorithm="brute") on IN widened to
                                  float64: "label<TAB>core" per row; prints the seconds of fit() to stdout
  sets.py compare REF OUT         core points, partition of the core points, labels: "yes"/"no" for each
  sets.py gap IN EPS              the float64 cosine distance (scikit-learn's cosine_distances) closest to EPS
                                  over all pairs, and the pairs within 1e-12 of it
"""
import sys
import time

import numpy as np

# name: n, dim, clusters, spread, noise share, eps factor, min_samples
# A point is centre + spread * N(0, I/dim) around a unit centre, so two points
# of a cluster are about spread^2 / (1 + spread^2) apart in cosine distance;
# eps is that times the factor (below 1: clusters fray into borders and noise).
CONFIGS = [
    (1000, 64, 5, 0.4, 0.2, 1.0, 5),
    (1000, 128, 20, 0.5, 0.3, 0.9, 3),
    (1500, 768, 8, 0.3, 0.1, 1.1, 10),
    (2000, 64, 50, 0.6, 0.4, 0.95, 4),
    (2000, 256, 10, 0.45, 0.2, 1.0, 8),
    (2500, 384, 30, 0.5, 0.25, 0.92, 5),
    (3000, 512, 15, 0.35, 0.15, 1.05, 6),
    (3000, 96, 100, 0.7, 0.3, 0.9, 3),
    (4000, 768, 25, 0.4, 0.2, 0.97, 12),
    (4000, 128, 5, 0.5, 0.35, 0.85, 20),
    (5000, 256, 60, 0.55, 0.3, 0.95, 4),
    (5000, 64, 200, 0.65, 0.2, 0.9, 3),
    (6000, 384, 40, 0.45, 0.25, 1.0, 8),
    (7000, 192, 12, 0.3, 0.1, 1.1, 15),
    (8000, 512, 80, 0.5, 0.4, 0.93, 5),
    (10000, 256, 100, 0.6, 0.3, 0.95, 6),
    (10000, 64, 30, 0.35, 0.2, 1.0, 10),
    (12000, 768, 50, 0.45, 0.2, 0.98, 7),
    (14000, 128, 150, 0.55, 0.35, 0.92, 4),
    (16000, 320, 70, 0.5, 0.25, 0.96, 9),
    (18000, 256, 20, 0.4, 0.15, 1.02, 25),
    (20000, 256, 50, 0.5, 0.2, 0.95, 10),
    (20000, 64, 300, 0.6, 0.3, 0.9, 5),
    (20000, 512, 120, 0.45, 0.3, 1.0, 6),
]


def blobs(n, d, k, spread, noise, rng):
    centres = rng.normal(size=(k, d))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    weights = 1.0 / np.arange(1, k + 1)  # clusters of uneven size
    lab = rng.choice(k, size=n, p=weights / weights.sum())
    x = centres[lab] + spread * rng.normal(size=(n, d)) / np.sqrt(d)
    m = rng.random(n) < noise
    x[m] = rng.normal(size=(int(m.sum()), d))
    return (x * rng.uniform(0.5, 2.0, size=(n, 1))).astype(np.float32)  # lengths vary


def gen(folder):
    with open(f"{folder}/sets.txt", "w") as f:
        for i, (n, d, k, spread, noise, factor, m) in enumerate(CONFIGS):
            rng = np.random.default_rng(1000 + i)
            name = f"s{i + 1:02d}-{n}x{d}"
            np.save(f"{folder}/{name}.npy", blobs(n, d, k, spread, noise, rng))
            eps = round(factor * spread**2 / (1 + spread**2), 4)
            f.write(f"{name} {eps} {m}\n")


def text(n, d, rng):
    """Bag-of-words documents as hashed TF-IDF vectors: non-negative, sparse-ish
    (a few to a few dozen non-zero values of D), with topics of Zipf-like
    sizes, near-duplicates and short documents - the shape of the report's
    text vectors, not their content."""
    vocab, topics = 20000, max(10, n // 500)
    zipf = 1.0 / np.arange(1, vocab + 1) ** 1.1
    background = zipf / zipf.sum()
    tw = 1.0 / np.arange(1, topics + 1)
    topic = rng.choice(topics, size=n, p=tw / tw.sum())
    words_of = [rng.choice(vocab, size=60, replace=False) for _ in range(topics)]
    length = rng.integers(5, 40, size=n)
    docs = []
    for i in range(n):
        k = length[i]
        own = rng.random(k) < 0.6  # most words from the topic, the rest from the language
        w = np.where(own, words_of[topic[i]][rng.integers(0, 60, size=k)], rng.choice(vocab, size=k, p=background))
        docs.append(w)
    df = np.zeros(vocab)
    for w in docs:
        df[np.unique(w)] += 1
    idf = np.log((1 + n) / (1 + df)) + 1
    bucket = rng.integers(0, d, size=vocab)  # feature hashing
    x = np.zeros((n, d), dtype=np.float32)
    for i, w in enumerate(docs):
        u, c = np.unique(w, return_counts=True)
        np.add.at(x[i], bucket[u], (c * idf[u]).astype(np.float32))
    dup = rng.random(n) < 0.05  # near-duplicates of an earlier document
    src = (rng.random(n) * np.arange(n)).astype(int)
    x[dup] = x[src[dup]] * rng.uniform(0.9, 1.1, size=(int(dup.sum()), 1)).astype(np.float32)
    return x


def ref(path, eps, m, out):
    from sklearn.cluster import DBSCAN

    x = np.load(path).astype(np.float64)
    t = time.perf_counter()
    db = DBSCAN(eps=eps, min_samples=m, metric="cosine", algorithm="brute").fit(x)
    seconds = time.perf_counter() - t
    core = np.zeros(len(x), dtype=int)
    core[db.core_sample_indices_] = 1
    with open(out, "w") as f:
        f.writelines(f"{label}\t{c}\n" for label, c in zip(db.labels_, core))
    print(f"{seconds:.3f}")


def read(path):
    a = np.loadtxt(path, dtype=np.int64, ndmin=2)
    return a[:, 0], a[:, 1]


def compare(a, b):
    la, ca = read(a)
    lb, cb = read(b)
    same_core = len(la) == len(lb) and bool((ca == cb).all())
    same_part = False
    if same_core:
        c = ca == 1
        pairs = set(zip(la[c].tolist(), lb[c].tolist()))
        same_part = len(pairs) == len(set(la[c].tolist())) == len(set(lb[c].tolist()))
    same_labels = len(la) == len(lb) and bool((la == lb).all())
    yn = lambda v: "yes" if v else "no"
    print(yn(same_core), yn(same_part), yn(same_labels))


def gap(path, eps):
    from sklearn.metrics.pairwise import cosine_distances

    x = np.load(path).astype(np.float64)
    best, near = np.inf, 0
    for s in range(0, len(x), 2000):
        d = cosine_distances(x[s : s + 2000], x)
        g = np.abs(d - eps)
        best = min(best, float(g.min()))
        near += int((g < 1e-12).sum())
    print(f"{best:.2e} {near}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "big":
        n, d, seed = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        np.save(sys.argv[5], blobs(n, d, max(10, n // 400), 0.5, 0.2, np.random.default_rng(seed)))
    elif cmd == "text":
        n, d, seed = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        np.save(sys.argv[5], text(n, d, np.random.default_rng(seed)))
    elif cmd == "ref":
        ref(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif cmd == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif cmd == "gap":
        gap(sys.argv[2], float(sys.argv[3]))
    else:
        raise SystemExit(__doc__)
