#!/usr/bin/python3
"""Accuracy of vlit's TF-IDF projection: pairwise cosines of `vlit embed text`
rows against the exact TF-IDF cosines, computed here from docs/embed.md's
definitions (words, FNV-1a hashed ids, sublinear tf, smoothed idf) without
projection, and against an exact TF-IDF over a real vocabulary (no hashing).

usage: text_accuracy.py SAMPLES.jsonl... -- VECTORS.npy...
Prints, per vectors file: mean and max absolute cosine error over all pairs of
documents that have words, and the same against the unhashed vocabulary."""
import json
import math
import re
import sys

import numpy as np

args = sys.argv[1:]
cut = args.index("--")
samples, vectors = args[:cut], args[cut + 1:]

docs = []
for path in samples:
    for line in open(path, encoding="utf-8"):
        s = json.loads(line)
        docs.append("\n".join(t["text"] for t in s["turns"] if t["role"] == "assistant"))

WORD = re.compile(rb"[A-Za-z0-9\x80-\xff]+")


def words(text):
    # typographic apostrophes separate words, as the ASCII one does
    b = text.encode("utf-8").replace("\u2018".encode(), b" ").replace("\u2019".encode(), b" ")
    return [w.lower() for w in WORD.findall(b)]


def fnv1a(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def tfidf(keyed):
    n = len(keyed)
    df = {}
    for d in keyed:
        for t in set(d):
            df[t] = df.get(t, 0) + 1
    vocab = {t: i for i, t in enumerate(sorted(df))}
    m = np.zeros((n, len(vocab)))
    for i, d in enumerate(keyed):
        tf = {}
        for t in d:
            tf[t] = tf.get(t, 0) + 1
        for t, c in tf.items():
            m[i, vocab[t]] = (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1)
    norms = np.linalg.norm(m, axis=1)
    ok = norms > 0
    m[ok] /= norms[ok, None]
    return m, ok


toks = [words(d) for d in docs]
hashed, ok = tfidf([[fnv1a(w) & ((1 << 20) - 1) for w in d] for d in toks])
vocab, _ = tfidf(toks)
exact_h = hashed @ hashed.T
exact_v = vocab @ vocab.T
iu = np.triu_indices(len(docs), 1)
sel = ok[iu[0]] & ok[iu[1]]
print(f"{len(docs)} documents, {int(ok.sum())} with words, {int(sel.sum())} pairs; "
      f"hashing alone: mean |error| {np.abs(exact_h - exact_v)[iu][sel].mean():.2e}, "
      f"max {np.abs(exact_h - exact_v)[iu][sel].max():.2e}")
for path in vectors:
    v = np.load(path).astype(np.float64)
    assert v.shape[0] == len(docs), (path, v.shape)
    c = v @ v.T
    e = np.abs(c - exact_h)[iu][sel]
    ev = np.abs(c - exact_v)[iu][sel]
    near = exact_h[iu][sel] > 0.5
    print(f"{path}: dim {v.shape[1]}: mean |error| {e.mean():.4f}, max {e.max():.4f}, "
          f"95th pct {np.percentile(e, 95):.4f}; pairs with exact cosine > 0.5: mean |error| "
          f"{e[near].mean() if near.any() else float('nan'):.4f} ({int(near.sum())} pairs); "
          f"against the unhashed vocabulary: mean {ev.mean():.4f}, max {ev.max():.4f}")
