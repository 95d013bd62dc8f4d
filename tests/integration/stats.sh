#!/usr/bin/env bash
# vlit stats against scipy (Debian's python3-scipy; skipped with 77 without it):
#  1. corr on the paper's Table 3 indicators vs the 3-model means of Table 2
#     (tests/fixtures/paper): Pearson and Spearman r and p agree with
#     scipy.stats.pearsonr / spearmanr to 1e-6;
#  2. icc on Table 2: all six forms, F, df, p and 95 % intervals agree with a
#     reference written from the formulas on scipy.stats.f (relative 1e-9),
#     and ICC1/ICC1k (only they) reproduce Table 3's SM/AM on the rows where
#     Table 2 is consistent with it;
#  3. the same on random tables (ties, CSV and JSON input, 1 to 5 raters);
#  4. the HTML heatmap (self-contained, labels escaped) and bad input: errors
#     name file, line and column, exit 1; usage errors exit 2; a failed run
#     leaves an existing output alone.
set -euo pipefail
VLIT=${1:?usage: stats.sh VLIT}
here=$(cd "$(dirname "$0")" && pwd)
paper=$here/../fixtures/paper
PY=/usr/bin/python3 # Debian's, with numpy and scipy
if ! "$PY" -c 'import scipy.stats' 2> /dev/null; then
  echo "stats.sh: python3-scipy is not installed; skipped" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
ok() { pass=$((pass + 1)); }
check() { if "$@"; then ok; else bad "$*"; fi; }

# 1. the paper's tables, both methods
for m in pearson spearman; do
  "$VLIT" stats corr -q "$paper/table3_indicators.csv" "$paper/table2.csv" --by dataset --method $m --format json -o "$tmp/corr_$m.json"
  check "$PY" "$here/stats_ref.py" corr "$paper/table3_indicators.csv" "$paper/table2.csv" dataset $m "$tmp/corr_$m.json"
done

# 2. ICC on Table 2, and which form the paper used
"$VLIT" stats icc -q "$paper/table2.csv" --group dataset --rater model --format json -o "$tmp/icc.json"
check "$PY" "$here/stats_ref.py" icc "$paper/table2.csv" dataset model "$tmp/icc.json"
check "$PY" "$here/stats_ref.py" paper "$tmp/icc.json" "$paper/table3_icc.csv"
# the same table as JSON input gives the same output
"$PY" -c 'import csv,json,sys; json.dump(list(csv.DictReader(open(sys.argv[1]))), open(sys.argv[2],"w"))' \
  "$paper/table2.csv" "$tmp/table2.json"
"$VLIT" stats icc -q "$tmp/table2.json" --group dataset --rater model --format json -o "$tmp/icc2.json"
check cmp -s "$tmp/icc.json" "$tmp/icc2.json"

# 3. random tables
for seed in 1 2 3 4 5; do
  d=$tmp/r$seed
  mkdir -p "$d"
  "$PY" "$here/stats_ref.py" random "$d" $seed
  for m in pearson spearman; do
    "$VLIT" stats corr -q "$d/ind.csv" "$d/res.json" --by key --method $m --format json -o "$d/c_$m.json"
    check "$PY" "$here/stats_ref.py" corr "$d/ind.csv" "$d/res.json" key $m "$d/c_$m.json"
  done
  "$VLIT" stats icc -q "$d/icc.csv" --group group --rater rater --format json -o "$d/icc.json"
  check "$PY" "$here/stats_ref.py" icc "$d/icc.csv" group rater "$d/icc.json"
done

# 4. HTML: one self-contained page, escaped labels, a cell per pair
printf 'key,"<b>&""x"\n' > "$tmp/ind.csv"
printf 'A,1\nB,2\nC,4\nD,3\n' >> "$tmp/ind.csv"
printf 'key,model,s<1>\nA,m,2\nB,m,1\nC,m,5\nD,m,4\n' > "$tmp/res.csv"
"$VLIT" stats corr -q "$tmp/ind.csv" "$tmp/res.csv" --by key --format html -o "$tmp/h.html"
check grep -q '&lt;b&gt;&amp;&quot;x' "$tmp/h.html"
check grep -q 's&lt;1&gt;' "$tmp/h.html"
if grep -qiE '<script|https?:|<b>&|src=|<link' "$tmp/h.html"; then bad "html: script, link or unescaped label"; else ok; fi
check test "$(grep -c '<rect x=' "$tmp/h.html")" -ge 2
"$VLIT" stats corr -q "$paper/table3_indicators.csv" "$paper/table2.csv" --by dataset --format html -o "$tmp/paper.html"
check test "$(grep -c '<g><title>' "$tmp/paper.html")" -eq 90
check grep -q '0.97\*\*\*' "$tmp/paper.html"
# the table form has every pair with stars from the same p-values
"$VLIT" stats corr -q "$paper/table3_indicators.csv" "$paper/table2.csv" --by dataset -o "$tmp/t.txt"
check grep -q '^MD  *0.902 (0.002)\*\*\* ' "$tmp/t.txt"

# bad input: file, line, column; exit codes; outputs left alone
expect() { # code needle command...
  local code=$1 needle=$2
  shift 2
  set +e
  "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  set -e
  if [ $rc -ne "$code" ]; then bad "exit $rc, not $code: $*: $(cat "$tmp/err")"; return; fi
  if ! grep -qF -- "$needle" "$tmp/err"; then bad "no '$needle' in: $(cat "$tmp/err")"; return; fi
  ok
}
printf 'dataset,model,a,b\nd,m1,1,2\nd,m2,,4\n' > "$tmp/miss.csv"
expect 1 "miss.csv: line 3, column 'a': missing value" "$VLIT" stats icc "$tmp/miss.csv" --group dataset --rater model
printf 'dataset,model,a,b\nd,m1,1,2\nd,m2,"3,4\n' > "$tmp/quote.csv"
expect 1 "quote.csv: line 3, column 6: quoted field never closed" "$VLIT" stats icc "$tmp/quote.csv" --group dataset --rater model
expect 2 "no column 'grp'" "$VLIT" stats icc "$paper/table2.csv" --group grp --rater model
expect 1 "cannot open" "$VLIT" stats icc "$tmp/nope.csv" --group dataset --rater model
expect 2 "give --rater" "$VLIT" stats icc "$paper/table2.csv" --group dataset
expect 2 "not pearson or spearman" "$VLIT" stats corr "$tmp/ind.csv" "$tmp/res.csv" --by key --method kendall
expect 2 "belongs to 'stats corr'" "$VLIT" stats icc "$paper/table2.csv" --by x
expect 2 "unknown statistic" "$VLIT" stats anova
printf 'key,u\nA,1\nB,2\nQ,3\n' > "$tmp/ind2.csv"
expect 1 "ind2.csv: line 4: key 'Q' has no rows in" "$VLIT" stats corr "$tmp/ind2.csv" "$tmp/res.csv" --by key
echo keep > "$tmp/keep.json"
set +e
"$VLIT" stats icc -q "$tmp/miss.csv" --group dataset --rater model --format json -o "$tmp/keep.json" 2> /dev/null
set -e
check grep -qx keep "$tmp/keep.json"
check "$VLIT" stats --help > /dev/null

echo "stats.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
