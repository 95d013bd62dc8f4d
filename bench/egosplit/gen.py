#!/usr/bin/python3
"""Random graphs for bench/egosplit, as edge lists (u TAB v TAB weight).

  gen.py small OUTDIR [COUNT]   COUNT (default 120) graphs of five shapes, sizes
                                10-3,000 nodes, with a manifest (name, shape,
                                options to run them with)
  gen.py gnm N M OUT            a uniform random graph: N nodes, M distinct edges
  gen.py cooc T V OUT           the word co-occurrence graph of T random
                                "instructions" of 3-9 words drawn from V words
                                with Zipf frequencies (hubs, like real text)

Seeded: the same arguments give the same files.
"""
import random
import sys


def name(i):
    return "n%d" % i


def write(path, edges, r, weights=True):
    with open(path, "w") as f:
        for a, b in edges:
            if r.random() < 0.5:
                a, b = b, a
            if weights:
                f.write("%s\t%s\t%d\n" % (name(a), name(b), r.choice((1, 1, 1, 2, 3, 5))))
            else:
                f.write("%s\t%s\n" % (name(a), name(b)))


def gnp(r, n, avg_deg):
    p = avg_deg / max(n - 1, 1)
    return [(i, j) for i in range(n) for j in range(i + 1, n) if r.random() < p]


def planted(r, n, groups, size, q, noise):
    """Overlapping near-cliques plus noise: the shape of co-occurrence graphs."""
    edges = []
    for _ in range(groups):
        g = r.sample(range(n), min(n, r.randint(2, size)))
        edges += [(a, b) for i, a in enumerate(g) for b in g[i + 1:] if r.random() < q]
    edges += [(r.randrange(n), r.randrange(n)) for _ in range(noise)]
    return [(a, b) for a, b in edges if a != b]


def attach(r, n, k):
    """Preferential attachment: a few hubs of high degree."""
    targets, edges = [0], []
    for i in range(1, n):
        for _ in range(r.randint(1, k)):
            j = r.choice(targets)
            edges.append((i, j))
            targets += [i, j]
    return edges


def geometric(r, n, radius):
    """Points in the unit square joined when close: many triangles, few hubs."""
    pts = [(r.random(), r.random()) for _ in range(n)]
    cell = {}
    for i, (x, y) in enumerate(pts):
        cell.setdefault((int(x / radius), int(y / radius)), []).append(i)
    edges = []
    for i, (x, y) in enumerate(pts):
        cx, cy = int(x / radius), int(y / radius)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in cell.get((cx + dx, cy + dy), ()):
                    if j > i and (pts[j][0] - x) ** 2 + (pts[j][1] - y) ** 2 < radius * radius:
                        edges.append((i, j))
    return edges


def cooc(r, texts, vocab, lo=3, hi=9):
    cum, total = [], 0.0
    for k in range(vocab):
        total += 1.0 / (k + 1) ** 1.1
        cum.append(total)
    edges = {}
    for _ in range(texts):
        words = sorted(set(r.choices(range(vocab), cum_weights=cum, k=r.randint(lo, hi))))
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                edges[(a, b)] = edges.get((a, b), 0) + 1
    return edges


def small(out, count):
    r = random.Random(20240611)
    shapes = ["gnp", "planted", "attach", "geometric", "cooc"]
    options = ["", "--min-weight 2", "--min-cluster 3", "--min-weight 3 --min-cluster 4"]
    with open("%s/manifest.tsv" % out, "w") as man:
        for k in range(count):
            shape = shapes[k % len(shapes)]
            n = int(10 ** r.uniform(1, 3.5))
            if shape == "gnp":
                edges = gnp(r, n, r.uniform(0.5, 12))
            elif shape == "planted":
                edges = planted(r, n, r.randint(2, max(2, n // 3)), r.randint(3, 12), r.uniform(0.5, 1), r.randint(0, n))
            elif shape == "attach":
                edges = attach(r, n, r.randint(1, 5))
            elif shape == "geometric":
                edges = geometric(r, n, r.uniform(0.5, 4) / n ** 0.5)
            else:
                w = cooc(r, n, max(5, n // 2))
                edges = [e for e, c in w.items() for _ in range(c)]  # repeated lines add up
            path = "%s/g%03d.tsv" % (out, k)
            write(path, edges, r)
            man.write("g%03d\t%s\t%s\n" % (k, shape, options[k % len(options)]))


def main(argv):
    if argv[0] == "small":
        small(argv[1], int(argv[2]) if len(argv) > 2 else 120)
    elif argv[0] == "gnm":
        n, m, out = int(argv[1]), int(argv[2]), argv[3]
        r = random.Random(7)
        seen = set()
        while len(seen) < m:
            a, b = r.randrange(n), r.randrange(n)
            if a != b:
                seen.add((a, b) if a < b else (b, a))
        write(out, sorted(seen), r, weights=False)
    elif argv[0] == "cooc":
        t, v, out = int(argv[1]), int(argv[2]), argv[3]
        r = random.Random(11)
        with open(out, "w") as f:
            for (a, b), c in sorted(cooc(r, t, v).items()):
                f.write("%s\t%s\t%d\n" % (name(a), name(b), c))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
