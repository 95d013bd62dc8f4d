#!/usr/bin/python3
"""Distribution of element counts per subset, from ic_bench's output.

usage: summarise.py COUNTS.tsv
COUNTS.tsv: type TAB total TAB "P A M R F C" TAB instruction (ic_bench).
"""
import statistics
import sys

KINDS = ["predicates", "arguments", "modifiers", "relations", "focus", "constraints"]


def main():
    rows = {}
    for line in open(sys.argv[1], encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 4:
            continue
        kinds = [int(x) for x in parts[2].split()]
        rows.setdefault(parts[0], []).append((int(parts[1]), kinds))
    print("subset     n   mean  sd    min  q1  median  q3  max   " + "  ".join(k[:5] for k in KINDS))
    for subset in sorted(rows, key=lambda s: statistics.mean(t for t, _ in rows[s])):
        totals = sorted(t for t, _ in rows[subset])
        q = statistics.quantiles(totals, n=4, method="inclusive")
        means = [statistics.mean(k[i] for _, k in rows[subset]) for i in range(len(KINDS))]
        print(f"{subset:8s} {len(totals):3d}  {statistics.mean(totals):5.2f} {statistics.stdev(totals):4.2f}"
              f"  {totals[0]:3d} {q[0]:4.1f}  {statistics.median(totals):5.1f} {q[2]:4.1f} {totals[-1]:4d}   "
              + "  ".join(f"{m:5.2f}" for m in means))
    print()
    print("histogram of element counts (count: instructions per subset)")
    subsets = sorted(rows, key=lambda s: statistics.mean(t for t, _ in rows[s]))
    top = max(t for s in subsets for t, _ in rows[s])
    print("count " + " ".join(f"{s:>8s}" for s in subsets))
    for c in range(0, top + 1):
        line = [sum(1 for t, _ in rows[s] if t == c) for s in subsets]
        if any(line):
            print(f"{c:5d} " + " ".join(f"{x:8d}" for x in line))
    # how well the count separates the subsets: the share of pairs ordered as expected
    order = subsets
    for a, b in zip(order, order[1:]):
        ta, tb = [t for t, _ in rows[a]], [t for t, _ in rows[b]]
        wins = sum((x < y) + 0.5 * (x == y) for x in ta for y in tb)
        print(f"P({a} < {b}) = {wins / (len(ta) * len(tb)):.3f} (pairs of one instruction from each; ties count half)")


if __name__ == "__main__":
    main()
