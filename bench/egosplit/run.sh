#!/usr/bin/env bash
# Ego-Splitting: vlit's exact C implementation against a plain networkx reference
# (tests/integration/egosplit_ref.py, Debian's python3-networkx).
#  1. 120 random graphs of five shapes (uniform, overlapping near-cliques,
#     preferential attachment, geometric, random co-occurrence), 10-3,000 nodes,
#     with and without --min-weight / --min-cluster: identical output;
#  2. the real word co-occurrence graphs of LLaVA's GPT-4 samples (instructions
#     and responses per task type conv / detail / complex, and LLaVA's captions),
#     read in place from ../shared/data/llava-gpt4-samples: identical output,
#     the indicator (clusters of >= 2 and >= 3 words), and 4 shards merged
#     through partials = the whole graph;
#  3. time and peak memory of both on a uniform random graph of 200,000 nodes and
#     2,000,000 edges (medians of RUNS alternating runs), and on a co-occurrence
#     graph of 300,000 random "instructions" over 50,000 Zipf-distributed words
#     (1.5 M edges, 46 M triangles; one networkx run).
# usage: bench/egosplit/run.sh [--runs N] [--no-large]   (VLIT_BUILD, BENCH_DATA, SHARED_DATA)
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/egosplit
build=$(realpath "${VLIT_BUILD:-$root/build}")
data=${BENCH_DATA:-/work/bench-data}/egosplit
shared=$(realpath "${SHARED_DATA:-$root/../shared/data}")
qa=$shared/llava-gpt4-samples/coco2014_val_gpt4_qa_30x3.jsonl
caps=$shared/llava-gpt4-samples/caps_boxes_coco2014_val_80.jsonl
py=/usr/bin/python3 # Debian's python, where python3-networkx is
ref=$root/tests/integration/egosplit_ref.py
runs=3 large=1
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --no-large) large=0; shift ;;
    *) echo "usage: run.sh [--runs N] [--no-large]" >&2; exit 2 ;;
  esac
done
vlit=$build/vlit
[ -x "$vlit" ] || { echo "bench: build vlit first (scripts/setup.sh), or set VLIT_BUILD" >&2; exit 1; }
"$py" -c 'import networkx' 2> /dev/null || { echo "bench: apt-get install python3-networkx" >&2; exit 1; }
[ -f "$qa" ] && [ -f "$caps" ] || { echo "bench: $qa or $caps not found (set SHARED_DATA)" >&2; exit 1; }
mkdir -p "$data/small" "$data/real" "$data/large"
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
status=0

echo "== 1. 120 random graphs: vlit graph egosplit vs networkx"
"$py" "$here/gen.py" small "$data/small" 120
same=0 total=0 clusters=0 edges=0
while IFS=$'\t' read -r name shape opts; do
  g=$data/small/$name.tsv
  # shellcheck disable=SC2086
  "$vlit" graph egosplit -q $opts "$g" -o "$data/small/$name.vlit"
  # shellcheck disable=SC2086
  "$py" "$ref" $opts "$g" > "$data/small/$name.ref"
  total=$((total + 1))
  if cmp -s "$data/small/$name.vlit" "$data/small/$name.ref"; then
    same=$((same + 1))
  else
    echo "  DIFFERENT: $name ($shape, $opts)"
    status=1
  fi
  clusters=$((clusters + $(wc -l < "$data/small/$name.vlit")))
  edges=$((edges + $(wc -l < "$g")))
done < "$data/small/manifest.tsv"
echo "$same of $total identical ($edges edge lines, $clusters clusters in all)"
for shape in gnp planted attach geometric cooc; do
  awk -F'\t' -v s=$shape '$2 == s { print $1 }' "$data/small/manifest.tsv" | while read -r name; do
    "$vlit" graph egosplit "$data/small/$name.tsv" -o /dev/null 2>&1 | sed -n 1p |
      sed -E 's/.*: ([0-9]+) nodes, ([0-9]+) edges.*, ([0-9]+) triangles, ([0-9]+) personas.*, ([0-9]+) clusters of.*/\1 \2 \3 \5/'
  done | awk -v s=$shape 'NR == 1 || $1 < n0 { n0 = $1 } NR == 1 || $1 > n1 { n1 = $1 } NR == 1 || $2 < m0 { m0 = $2 }
         NR == 1 || $2 > m1 { m1 = $2 } { t += $3; c += $4 }
         END { printf "  %-10s %3d graphs, %5d-%5d nodes, %5d-%6d edges, %8d triangles, %6d clusters\n", s, NR, n0, n1, m0, m1, t, c }'
done

echo
echo "== 2. real co-occurrence graphs (LLaVA GPT-4 samples, read in place)"
"$py" "$here/cooc.py" "$qa" "$caps" "$root/data/lexicon/stopwords.txt" "$data/real" 4
printf '%-24s %6s %6s %8s %8s %5s %9s %9s %9s %s\n' graph nodes edges triangles personas maxp "k>=2" "k>=3" "w>=2,k>=2" "networkx"
for g in instructions-conv instructions-detail instructions-complex responses-conv responses-detail responses-complex captions; do
  f=$data/real/$g.tsv
  line=$("$vlit" graph egosplit "$f" -o "$data/real/$g.vlit" 2>&1 | sed -n 1p)
  read -r nodes edges tri pers maxp < <(echo "$line" | sed -E 's/.*: ([0-9]+) nodes, ([0-9]+) edges.*, ([0-9]+) triangles, ([0-9]+) personas \(at most ([0-9]+) per.*/\1 \2 \3 \4 \5/')
  k2=$(wc -l < "$data/real/$g.vlit")
  k3=$("$vlit" graph egosplit -q --min-cluster 3 "$f" | wc -l)
  w2=$("$vlit" graph egosplit -q --min-weight 2 "$f" | wc -l)
  verdict=identical
  for opts in "" "--min-cluster 3" "--min-weight 2"; do
    # shellcheck disable=SC2086
    cmp -s <("$vlit" graph egosplit -q $opts "$f") <("$py" "$ref" $opts "$f") || { verdict="DIFFERENT ($opts)"; status=1; }
  done
  # shards: the partials of 4 parts of the texts, merged, are the whole graph
  "$vlit" graph merge -q "$data/real/shards/$g".*.tsv -o "$data/real/$g.merged"
  cmp -s "$data/real/$g.merged" "$f" || { verdict="$verdict; SHARDS DIFFER"; status=1; }
  printf '%-24s %6d %6d %8d %8d %5d %9d %9d %9d %s\n' "$g" "$nodes" "$edges" "$tri" "$pers" "$maxp" "$k2" "$k3" "$w2" "$verdict"
done
echo "(k>=K: clusters of at least K words; w>=2: only word pairs of at least 2 texts; the"
echo " 4-shard partials merged by vlit graph merge equal each whole graph byte for byte)"

if [ $large = 1 ]; then
  echo
  echo "== 3. large graphs: time (wall, CPU = user + sys) and peak RSS"
  g1=$data/large/gnm-200k-2m.tsv g2=$data/large/cooc-300k.tsv
  [ -f "$g1" ] || "$py" "$here/gen.py" gnm 200000 2000000 "$g1"
  [ -f "$g2" ] || "$py" "$here/gen.py" cooc 300000 50000 "$g2"
  measure() { # out-file command...  -> "wall cpu rss_mb"
    local out=$1
    shift
    /usr/bin/time -f '%e %U %S %M' -o "$data/large/time.txt" "$@" > "$out"
    awk '{ printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }' "$data/large/time.txt"
  }
  for g in "$g1" "$g2"; do
    n=$runs
    [ "$g" = "$g2" ] && n=1
    : > "$data/large/vlit.times"
    : > "$data/large/ref.times"
    for r in $(seq "$n"); do # alternating
      measure "$data/large/out.vlit" "$vlit" graph egosplit -q "$g" >> "$data/large/vlit.times"
      measure "$data/large/out.ref" "$py" "$ref" "$g" >> "$data/large/ref.times"
    done
    if cmp -s "$data/large/out.vlit" "$data/large/out.ref"; then verdict=identical; else verdict=DIFFERENT; status=1; fi
    stats=$("$vlit" graph egosplit "$g" -o /dev/null 2>&1 | sed -n 1p | sed -E 's/^vlit graph egosplit: //; s/ \(0 below weight 0 left out\)//; s/ in [0-9.]+ s$//')
    echo "$(basename "$g"): $stats"
    for tool in vlit ref; do
      f=$data/large/$tool.times
      printf '  %-8s wall %8.2f s   CPU %8.2f s   peak RSS %6d MB   (median of %d)\n' \
        "$([ $tool = ref ] && echo networkx || echo vlit)" "$(cut -d' ' -f1 "$f" | median)" \
        "$(cut -d' ' -f2 "$f" | median)" "$(cut -d' ' -f3 "$f" | median)" "$n"
    done
    vc=$(cut -d' ' -f2 "$data/large/vlit.times" | median)
    rc=$(cut -d' ' -f2 "$data/large/ref.times" | median)
    echo "  outputs $verdict ($(wc -l < "$data/large/out.vlit") clusters); CPU time ratio $(awk -v a="$rc" -v b="$vc" 'BEGIN { printf "%.0f", a / b }') x"
  done
fi
exit $status
