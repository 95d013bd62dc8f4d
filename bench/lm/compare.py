#!/usr/bin/env python3
"""Compares vlit's per-sentence log10 probabilities with IRSTLM's.
IRSTLM side: compile-lm --score output (natural logs in hex) for the full
model and for the truncated models of levels 2 .. order-1, all run on the
same "<s> w1 .. wn </s>" lines. A word at position k (1-based, </s> = n+1)
is scored by the level-(k+1) run when k + 1 < order, else by the full run.
vlit side: 'vlit lm score --per-line' rows.
usage: compare.py ORDER VLIT_PER_LINE SCORE_FULL [SCORE_LEVEL2 ...]
Prints: sentences, max |difference|, totals."""
import math
import sys

order = int(sys.argv[1])
vlit_rows = []
with open(sys.argv[2]) as f:
    for line in f:
        p = line.rstrip("\n").split("\t")
        if len(p) == 6 and p[0] != "line" and int(p[1]) > 0:
            vlit_rows.append(float(p[4]))


def windows(path):
    """Per sentence, its windows in order: (length, log10 p or None). The
    window of a word is the n-gram that ends with it; </s> ends a sentence."""
    sents, cur = [], []
    with open(path) as f:
        for line in f:
            if not line.startswith("> ") or "\t" not in line:
                continue
            ngram, rest = line[2:].rstrip("\n").split("\t", 1)
            words = ngram.split()
            value = rest.split("p= ", 1)[1].split()[0]
            cur.append((len(words), None if value == "NULL" else float.fromhex(value) / math.log(10)))
            if words[-1] == "</s>":
                sents.append(cur)
                cur = []
    return sents


full = windows(sys.argv[3])
levels = {i + 2: windows(path) for i, path in enumerate(sys.argv[4:])}

irst = []
for s, sent in enumerate(full):
    total = 0.0
    # full-order windows score words k >= order - 1; the first window of a
    # sentence (<s> w1 [w2 ..]) is NULL when shorter than the order
    for n, lp in sent:
        if n == order:
            total += lp
    for k in range(1, min(order - 1, len(sent) + 1)):  # word k needs the level-(k + 1) model
        n, lp = levels[k + 1][s][k - 1]
        assert n == k + 1 and lp is not None, (s, k)
        total += lp
    irst.append(total)

if len(irst) != len(vlit_rows):
    sys.exit(f"sentence counts differ: IRSTLM {len(irst)}, vlit {len(vlit_rows)}")
diffs = [abs(a - b) for a, b in zip(irst, vlit_rows)]
worst = max(range(len(diffs)), key=lambda i: diffs[i])
print(f"sentences {len(irst)}  max |vlit - IRSTLM| per sentence {diffs[worst]:.2e} (sentence {worst + 1})  "
      f"total vlit {sum(vlit_rows):.6f} IRSTLM {sum(irst):.6f}")
sys.exit(0 if diffs[worst] <= 1e-4 else 1)
