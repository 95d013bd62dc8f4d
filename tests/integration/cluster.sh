#!/usr/bin/env bash
# vlit cluster dbscan against scikit-learn's DBSCAN(metric="cosine",
# algorithm="brute") (Debian's python3-sklearn; skipped with 77 without it):
#  1. on clustered sets with noise (8 to 300 dimensions), a set of small
#     integer vectors with eps equal to one of their distances (pairs exactly
#     on the boundary), and sets of duplicates, multiples, opposite and zero
#     rows (dbscan_ref.py lists them): the same core points, the same
#     partition of the core points, and the same labels (border points too);
#  2. the same rows as TSV, split into shards given in order, with one thread:
#     the same output byte for byte;
#  3. bad input: errors name the file and the row or byte, exit 1; usage
#     errors exit 2; a failed run leaves its output alone; --summary.
set -euo pipefail
VLIT=${1:?usage: cluster.sh VLIT}
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3 # Debian's, with numpy and scikit-learn
if ! "$PY" -c 'import sklearn' 2> /dev/null; then
  echo "cluster.sh: python3-sklearn is not installed; skipped" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
ok() { pass=$((pass + 1)); }

"$PY" "$here/dbscan_ref.py" prepare "$tmp"
pairs=()
while read -r k eps m; do
  if "$VLIT" cluster dbscan --eps "$eps" --min-samples "$m" --core "$tmp/set$k.npy" -o "$tmp/out$k.txt" 2> "$tmp/err"; then
    pairs+=("$tmp/ref$k.txt" "$tmp/out$k.txt")
  else
    bad "set $k: vlit failed: $(cat "$tmp/err")"
  fi
  # not trivial: some cluster
  if [ -f "$tmp/out$k.txt" ] && [ "$(cut -f1 "$tmp/out$k.txt" | grep -vc '^-1$')" -ge 1 ]; then ok; else bad "set $k: no cluster"; fi
done < "$tmp/cases.txt"
if msg=$("$PY" "$here/dbscan_ref.py" compare "${pairs[@]}"); then pass=$((pass + ${#pairs[@]} / 2)); else bad "$msg"; fi

# TSV rows, shards in order, one thread, no --core: the same labels
D=(cluster dbscan --eps 0.15 --min-samples 4)
"$VLIT" "${D[@]}" --core "$tmp/set2.tsv" > "$tmp/tsv.txt"
if cmp -s "$tmp/tsv.txt" "$tmp/out2.txt"; then ok; else bad "TSV input gives other labels"; fi
"$VLIT" "${D[@]}" --core "$tmp/part0.npy" "$tmp/part1.npy" "$tmp/part2.npy" > "$tmp/parts.txt"
if cmp -s "$tmp/parts.txt" "$tmp/out2.txt"; then ok; else bad "shards given in order give other labels"; fi
OPENBLAS_NUM_THREADS=1 "$VLIT" "${D[@]}" --threads 1 --core "$tmp/set2.npy" > "$tmp/t1.txt"
if cmp -s "$tmp/t1.txt" "$tmp/out2.txt"; then ok; else bad "one thread gives other labels"; fi
"$VLIT" "${D[@]}" "$tmp/set2.npy" > "$tmp/plain.txt"
if cmp -s "$tmp/plain.txt" <(cut -f1 "$tmp/out2.txt"); then ok; else bad "without --core the labels differ"; fi

# --summary
"$VLIT" "${D[@]}" --summary "$tmp/set2.npy" > /dev/null 2> "$tmp/sum"
if grep -q "clusters, .* core points, .* noise" "$tmp/sum" && grep -q "cluster sizes, largest first" "$tmp/sum"; then
  ok
else
  bad "--summary: $(cat "$tmp/sum")"
fi

# bad input: file and place named, exit 1; usage errors exit 2
expect() { # exit-code needle command...
  local want=$1 needle=$2
  shift 2
  set +e
  "$@" > /dev/null 2> "$tmp/err"
  local got=$?
  set -e
  if [ $got = "$want" ] && grep -qF -- "$needle" "$tmp/err"; then ok; else bad "$* -> exit $got: $(cat "$tmp/err") (want $want, '$needle')"; fi
}
E=(cluster dbscan --eps 0.1 --min-samples 2)
printf '1\t2\n3\tx\n' > "$tmp/bad.tsv"
expect 1 "bad.tsv: line 2, column 2 (byte 6): 'x' is not a number" "$VLIT" "${E[@]}" "$tmp/bad.tsv"
printf '1\t2\n3\n' > "$tmp/ragged.tsv"
expect 1 "ragged.tsv: line 2 (byte 4): 1 values, earlier rows have 2" "$VLIT" "${E[@]}" "$tmp/ragged.tsv"
expect 1 "f8.npy: dtype '<f8' is not supported" "$VLIT" "${E[@]}" "$tmp/f8.npy"
expect 1 "nan.npy: row 2, column 1 (byte 148): value is NaN" "$VLIT" "${E[@]}" "$tmp/nan.npy"
head -c 200 "$tmp/set1.npy" > "$tmp/cut.npy"
expect 1 "cut.npy: shape (600, 8) needs 19200 bytes of data from byte 128; the file has 72 there" "$VLIT" "${E[@]}" "$tmp/cut.npy"
expect 1 "nothere.npy: cannot open" "$VLIT" "${E[@]}" "$tmp/nothere.npy"
expect 1 "bad.tsv: line 1 (byte 0): 2 values, earlier rows have 64" "$VLIT" "${E[@]}" "$tmp/part0.npy" "$tmp/part1.npy" "$tmp/bad.tsv"
expect 2 "give --eps" "$VLIT" cluster dbscan --min-samples 2 "$tmp/set1.npy"
expect 2 "--eps: '0' is not a positive number" "$VLIT" cluster dbscan --eps 0 --min-samples 2 "$tmp/set1.npy"
expect 2 "--min-samples: '0' is not a positive integer" "$VLIT" cluster dbscan --eps 0.1 --min-samples 0 "$tmp/set1.npy"
expect 2 "unknown method 'kmeans'" "$VLIT" cluster kmeans
expect 2 "no VECTORS file" "$VLIT" "${E[@]}"
# a failed run leaves an existing output alone
echo keep > "$tmp/keep.txt"
expect 1 "bad.tsv" "$VLIT" "${E[@]}" "$tmp/bad.tsv" -o "$tmp/keep.txt"
if [ "$(cat "$tmp/keep.txt")" = keep ]; then ok; else bad "a failed run changed its output file"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
