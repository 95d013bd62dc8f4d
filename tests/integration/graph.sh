#!/usr/bin/env bash
# vlit graph egosplit against the networkx reference (egosplit_ref.py, Debian's
# python3-networkx) on 20 random graphs of several shapes and thresholds:
# identical output (same clusters, same order). Then: shards merged through
# partials give the single-process graph; bad lines; usage errors.
set -euo pipefail
VLIT=${1:?usage: graph.sh VLIT}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3 # Debian's python, where python3-networkx is
"$py" -c 'import networkx' 2> /dev/null || { echo "graph.sh: needs python3-networkx (scripts/setup.sh installs it)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# 20 graphs: G(n, p), overlapping near-cliques (the shape of word
# co-occurrence), preferential attachment (hubs); integer weights, repeated
# edges in both directions, self-loops, names beyond ASCII
"$py" - "$tmp" <<'PY'
import random, sys
out = sys.argv[1]
names = ["w%d" % i for i in range(400)] + ["é%d" % i for i in range(50)] + ["Z-%d" % i for i in range(50)]
for k in range(20):
    r = random.Random(1000 + k)
    shape = k % 3
    n = r.randint(5, 300)
    pool = r.sample(names, n)
    edges = []
    if shape == 0:
        p = r.uniform(0.5, 6) / n
        edges = [(pool[i], pool[j]) for i in range(n) for j in range(i + 1, n) if r.random() < p]
    elif shape == 1:
        for _ in range(r.randint(2, max(2, n // 4))):
            group = r.sample(pool, r.randint(2, min(n, 9)))
            q = r.uniform(0.6, 1.0)
            edges += [(a, b) for i, a in enumerate(group) for b in group[i + 1:] if r.random() < q]
        edges += [(r.choice(pool), r.choice(pool)) for _ in range(r.randint(0, n // 3))]
    else:
        deg = [1] * n
        for i in range(1, n):
            for _ in range(r.randint(1, 3)):
                j = r.choices(range(i), weights=deg[:i])[0]
                edges.append((pool[i], pool[j]))
                deg[i] += 1
                deg[j] += 1
    with open("%s/g%02d.tsv" % (out, k), "w", encoding="utf-8") as f:
        for a, b in edges:
            if r.random() < 0.5:
                a, b = b, a
            w = r.randint(1, 4)
            f.write("%s\t%s\t%d\n" % (a, b, w) if r.random() < 0.7 else "%s\t%s\n" % (a, b))
            if r.random() < 0.1:  # the same edge again, reversed
                f.write("%s\t%s\t%d\n" % (b, a, r.randint(1, 3)))
        for _ in range(r.randint(0, 3)):
            a = r.choice(pool)
            f.write("%s\t%s\t5\n" % (a, a))
PY

for k in $(seq -w 0 19); do
  g=$tmp/g$k.tsv
  case $((10#$k % 4)) in
    0) opts=() ;;
    1) opts=(--min-weight 2) ;;
    2) opts=(--min-cluster 3) ;;
    3) opts=(--min-weight 3 --min-cluster 3) ;;
  esac
  "$VLIT" graph egosplit -q "$g" "${opts[@]}" -o "$tmp/vlit$k.txt"
  "$py" "$here/egosplit_ref.py" "$g" "${opts[@]}" > "$tmp/ref$k.txt"
  if cmp -s "$tmp/vlit$k.txt" "$tmp/ref$k.txt"; then
    ok
  else
    bad "graph $k (${opts[*]}): vlit and networkx differ"
    diff "$tmp/vlit$k.txt" "$tmp/ref$k.txt" | head -5 >&2
  fi
done
echo "compared with networkx: $pass of 20 graphs identical ($(cat "$tmp"/vlit*.txt | wc -l) clusters in all)"

# shards: three parts of a graph, each turned into a partial, merged = whole
g=$tmp/g04.tsv
n=$(wc -l < "$g")
head -n $((n / 3)) "$g" > "$tmp/p0.tsv"
sed -n "$((n / 3 + 1)),$((2 * n / 3))p" "$g" > "$tmp/p1.tsv"
tail -n +$((2 * n / 3 + 1)) "$g" > "$tmp/p2.tsv"
for i in 0 1 2; do "$VLIT" graph merge -q "$tmp/p$i.tsv" -o "$tmp/partial$i.tsv"; done
"$VLIT" graph merge -q "$tmp/partial2.tsv" "$tmp/partial0.tsv" "$tmp/partial1.tsv" -o "$tmp/merged.tsv"
"$VLIT" graph merge -q "$g" -o "$tmp/whole.tsv"
if cmp -s "$tmp/merged.tsv" "$tmp/whole.tsv"; then ok; else bad "merged partials differ from the whole graph's"; fi
"$VLIT" graph egosplit -q --min-weight 2 "$tmp/partial1.tsv" "$tmp/partial0.tsv" "$tmp/partial2.tsv" > "$tmp/sharded.txt"
"$VLIT" graph egosplit -q --min-weight 2 "$g" > "$tmp/single.txt"
if cmp -s "$tmp/sharded.txt" "$tmp/single.txt"; then ok; else bad "clusters of the partials differ from the single process"; fi
if LC_ALL=C sort -c "$tmp/whole.tsv" 2> /dev/null; then ok; else bad "partial not sorted"; fi

# bad input: the file, line and problem; nothing written; --skip-bad goes on
printf 'a\tb\nb\tc\tmany\nc\ta\n' > "$tmp/bad.tsv"
echo previous > "$tmp/out.txt"
set +e
"$VLIT" graph egosplit "$tmp/bad.tsv" -o "$tmp/out.txt" 2> "$tmp/err.txt"
rc=$?
set -e
if [ $rc = 1 ] && grep -q "bad.tsv: line 2 (byte 4): weight is not a decimal number: 'many'" "$tmp/err.txt" &&
   [ "$(cat "$tmp/out.txt")" = previous ]; then ok; else bad "bad line: exit $rc, $(cat "$tmp/err.txt")"; fi
"$VLIT" graph egosplit --skip-bad "$tmp/bad.tsv" -o "$tmp/out.txt" 2> "$tmp/err.txt"
if [ "$(tr '\n' '|' < "$tmp/out.txt")" = "a b|a c|" ] &&
   grep -q "line 2" "$tmp/err.txt" && grep -q "1 bad lines skipped" "$tmp/err.txt"; then ok; else bad "--skip-bad: $(cat "$tmp/out.txt")"; fi
set +e
"$VLIT" graph egosplit "$tmp/missing.tsv" 2> /dev/null; rc1=$?
"$VLIT" graph egosplit --min-weight -1 "$g" 2> /dev/null; rc2=$?
"$VLIT" graph egosplit 2> /dev/null; rc3=$?
"$VLIT" graph bogus 2> /dev/null; rc4=$?
"$VLIT" graph merge "$g" 2> /dev/null; rc5=$?
set -e
if [ "$rc1 $rc2 $rc3 $rc4 $rc5" = "1 2 2 2 2" ]; then ok; else bad "exit codes $rc1 $rc2 $rc3 $rc4 $rc5, want 1 2 2 2 2"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
