#!/usr/bin/env python3
"""Spearman correlation of NIQE with the distortion level, per photo and
distortion type, averaged over the photos. Reads `vlit iqa score --format
jsonl` lines on stdin (file names NAME_TYPELEVEL.ext, from
make-distortions.sh)."""
import json
import re
import sys
from collections import defaultdict

# level order of increasing distortion for each type
ORDER = {"blur": [0, 1, 2, 3, 4], "jpeg": [90, 50, 20, 10, 5], "noise": [0, 10, 20, 30, 40]}


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(xs):  # ties share their mean rank
        j = i
        while j + 1 < len(xs) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def pearson(a, b):
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    sab = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    saa = sum((x - ma) ** 2 for x in a)
    sbb = sum((y - mb) ** 2 for y in b)
    return sab / (saa * sbb) ** 0.5 if saa > 0 and sbb > 0 else 0.0


def main():
    scores = defaultdict(dict)  # (photo, type) -> level -> niqe
    for line in sys.stdin:
        rec = json.loads(line)
        m = re.match(r"(.*)_(blur|jpeg|noise)(\d+)\.\w+$", rec["image"].rsplit("/", 1)[-1])
        if m:
            scores[(m.group(1), m.group(2))][int(m.group(3))] = rec["niqe"]
    print("| distortion | photos | mean Spearman | median | photos with rho = 1 | mean NIQE per level |")
    print("|---|---|---|---|---|---|")
    worst = []
    for t, levels in ORDER.items():
        rhos, means = [], [[] for _ in levels]
        for (photo, tt), s in sorted(scores.items()):
            if tt != t or any(l not in s for l in levels):
                continue
            q = [s[l] for l in levels]
            rho = pearson(ranks(list(range(len(levels)))), ranks(q))
            rhos.append(rho)
            worst.append((rho, t, photo, q))
            for i, v in enumerate(q):
                means[i].append(v)
        if not rhos:
            continue
        rs = sorted(rhos)
        med = rs[len(rs) // 2] if len(rs) % 2 else (rs[len(rs) // 2 - 1] + rs[len(rs) // 2]) / 2
        per = " / ".join("%.2f" % (sum(m) / len(m)) for m in means)
        print("| %s (%s) | %d | %.3f | %.3f | %d | %s |" % (t, " ".join(map(str, levels)), len(rhos),
              sum(rhos) / len(rhos), med, sum(r == 1.0 for r in rhos), per))
    worst.sort()
    print("\nlowest per-photo correlations:")
    for rho, t, photo, q in worst[:8]:
        print("  %s %s rho=%.2f niqe=%s" % (t, photo, rho, " ".join("%.2f" % v for v in q)))


if __name__ == "__main__":
    main()
