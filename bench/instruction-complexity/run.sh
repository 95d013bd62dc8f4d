#!/usr/bin/env bash
# Instruction complexity, embedded method (lexicon-elements): validation and speed.
#  1. element counts of the instructions of LLaVA's GPT-4 samples (30 each of
#     conversation, detailed description, complex reasoning), read in place from
#     ../shared/data/llava-gpt4-samples: distribution per subset, and how often an
#     instruction of a "simpler" subset counts fewer elements than one of the next;
#  2. the same counts through `vlit score` (must be equal);
#  3. speed of the analyser on one core (ic_bench, CPU time; median of RUNS): the 90
#     instructions, and 158,000 LLaVA-Instruct-150K-shaped instructions (1-6 turns);
#  4. `vlit score --indicators instruction_complexity` on those 158,000 samples with 2
#     threads: wall time, CPU time, peak RSS.
# usage: bench/instruction-complexity/run.sh [--runs N]   (VLIT_BUILD, BENCH_DATA, SHARED_DATA)
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/instruction-complexity
build=$(realpath "${VLIT_BUILD:-$root/build}")
data=${BENCH_DATA:-/work/bench-data}/instruction-complexity
shared=$(realpath "${SHARED_DATA:-$root/../shared/data}")
qa=$shared/llava-gpt4-samples/coco2014_val_gpt4_qa_30x3.jsonl
runs=3
[ "${1:-}" = --runs ] && runs=$2

[ -x "$build/vlit" ] && [ -f "$build/libvlit.a" ] || { echo "bench: build vlit first (scripts/setup.sh), or set VLIT_BUILD" >&2; exit 1; }
[ -f "$qa" ] || { echo "bench: $qa not found (set SHARED_DATA)" >&2; exit 1; }
[ -f "${VLIT_WORDNET_DIR:-/usr/share/wordnet}/index.noun" ] || { echo "bench: install wordnet-base" >&2; exit 1; }
mkdir -p "$data"
lexicon=$root/data/lexicon/closed_class.tsv
cc -O2 -std=c11 -Wall -Wextra -I "$root/include" "$here/ic_bench.c" "$build/libvlit.a" -lyajl -lm -o "$data/ic_bench"
python3 "$here/prepare.py" "$qa" "$data"
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "== element counts of LLaVA's GPT-4 instructions ($qa)"
"$data/ic_bench" --explain "$lexicon" "$qa" > "$data/explained.txt" 2> /dev/null
"$data/ic_bench" "$lexicon" "$qa" > "$data/counts.tsv" 2> /dev/null
python3 "$here/summarise.py" "$data/counts.tsv"

echo
echo "== the same through vlit score"
"$build/vlit" score -q "$data/samples.jsonl" --indicators instruction_complexity -o "$data/scores.jsonl"
python3 - "$data/scores.jsonl" "$data/counts.tsv" <<'PY'
import json, sys
scores = [json.loads(l)["scores"]["instruction_complexity"]["value"] for l in open(sys.argv[1])]
counts = [int(l.split("\t")[1]) for l in open(sys.argv[2])]
same = sum(a == b for a, b in zip(scores, counts))
print(f"{same} of {len(counts)} equal" + ("" if same == len(counts) == len(scores) else "  <-- MISMATCH"))
sys.exit(0 if same == len(counts) == len(scores) else 1)
PY

echo
echo "== speed of the analyser, one core (CPU time of ic_bench; median of $runs runs)"
for set in gpt4 llava158k; do
  if [ $set = gpt4 ]; then in=$qa; rep=2000; else in=$data/llava158k-instructions.jsonl; rep=1; fi
  for r in $(seq "$runs"); do
    taskset -c 0 "$data/ic_bench" --repeat $rep "$lexicon" "$in" 2>&1 > /dev/null | tail -1
  done > "$data/speed-$set.txt"
  rate=$(sed -E 's/.*: ([0-9]+) instructions\/s \(CPU\).*/\1/' "$data/speed-$set.txt" | median)
  words=$(sed -E 's/.* ([0-9.]+) words each.*/\1/' "$data/speed-$set.txt" | head -1)
  load=$(sed -E 's/.*loaded in ([0-9]+) ms CPU.*/\1/' "$data/speed-$set.txt" | median)
  printf '%-10s %8.0f instructions/s per core (%s words each); WordNet + lexicon load %s ms CPU\n' \
    "$set" "$rate" "$words" "$load"
done

echo
echo "== vlit score --indicators instruction_complexity, 158,000 samples, 2 threads (median of $runs runs)"
for r in $(seq "$runs"); do
  /usr/bin/time -f "%e %U %S %M" "$build/vlit" score -q "$data/llava158k.jsonl" --threads 2 \
    --indicators instruction_complexity -o "$data/scores158k.jsonl" 2>&1 | tail -1
done > "$data/score-times.txt"
awk '{ print $1 }' "$data/score-times.txt" | median | xargs printf 'wall %s s, '
awk '{ print $2 + $3 }' "$data/score-times.txt" | median | xargs printf 'CPU (user + sys) %s s, '
awk '{ print $4 / 1024 }' "$data/score-times.txt" | median | xargs printf 'peak RSS %.0f MB\n'
