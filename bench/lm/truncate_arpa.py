#!/usr/bin/env python3
"""Writes the first LEVEL orders of an ARPA model (IN) to OUT, unchanged.
IRSTLM's compile-lm --score prints full-precision log-probs only for windows
of the model's full order; p(w_k | <s> w_1 .. w_k-1) for k + 1 < order uses
only n-grams up to order k + 1, so the truncated model gives it exactly.
usage: truncate_arpa.py IN LEVEL OUT"""
import re
import sys

src, level, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
keep = True
with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
    for line in f:
        m = re.match(r"\s*ngram\s+(\d+)\s*=", line)
        if m and int(m.group(1)) > level:
            continue
        m = re.match(r"\\(\d+)-grams:", line)
        if m:
            keep = int(m.group(1)) <= level
        if line.startswith("\\end\\"):
            keep = True
        if keep:
            out.write(line)
