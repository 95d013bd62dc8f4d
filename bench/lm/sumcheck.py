#!/usr/bin/env python3
"""An independent check of a model's normalisation: reads an ARPA file and,
by the ARPA backoff rules (written here again, in Python), sums p(w | h) over
the vocabulary without <s> for HISTORIES random histories (seed 1): half of
them suffixes of listed n-grams, half random words. Prints the worst |sum - 1|.
usage: sumcheck.py MODEL.arpa [HISTORIES]"""
import random
import sys

path, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100
ng, order, n = {}, 0, 0
with open(path, encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        if line.startswith("\\"):
            if line.endswith("-grams:"):
                n = int(line[1:line.index("-")])
            continue
        if n == 0:
            if line.startswith("ngram"):
                order = max(order, int(line.split()[1].split("=")[0]))
            continue
        p = line.split()
        ng[tuple(p[1:1 + n])] = (float(p[0]), float(p[1 + n]) if len(p) > n + 1 else 0.0)


def lp(h, w):
    while True:
        if h + (w,) in ng:
            return ng[h + (w,)][0]
        if not h:
            return ng[("<unk>",)][0]
        h, bow = h[1:], ng[h][1] if h in ng else 0.0
        return bow + lp(h, w)


vocab = [k[0] for k in ng if len(k) == 1 and k[0] != "<s>"]
contexts = [k for k in ng if len(k) < order]
random.seed(1)
worst = 0.0
for i in range(count):
    if i % 2:
        h = random.choice(contexts)
    else:
        h = tuple(random.choice(vocab) for _ in range(random.randint(0, order - 1)))
    worst = max(worst, abs(sum(10 ** lp(h, w) for w in vocab) - 1))
print(f"{path}: worst |sum over the vocabulary of p(w|h) - 1| over {count} histories: {worst:.2e}")
sys.exit(0 if worst <= 1e-4 else 1)
