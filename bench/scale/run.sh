#!/usr/bin/env bash
# The scale benchmark: a generated LLaVA-style set 10x LLaVA-Instruct-150K
# (1,580,000 samples) with its clue records, scored (`vlit score`) and reported
# (`vlit report --partial`) in N shards run P at a time, then merged
# (`vlit merge scores` / `vlit merge report`, which check the shards'
# completion records). Prints per-shard wall, CPU and peak RSS, the totals,
# and the throughput of 2 shards at the same time vs the same 2 one after the
# other. README.md has the results.
set -euo pipefail
export LC_ALL=C

usage() {
    cat <<'USAGE'
Usage: bench/scale/run.sh [--samples N] [--shards N] [--parallel P] [--skip-report]

Makes the dataset once (bench/score/make-dataset.py; kept in $BENCH_DATA), then:
  1. score: every embedded text indicator, N shards (--shard i/N --threads 1),
     P at a time, + `vlit merge scores`;
  2. the 2-vs-1 ratio: score shards 0 and 1 one after the other, then the same
     two at the same time; ratio = sequential wall / parallel wall; R times,
     each followed by the same with a fixed pure-CPU Python loop (baseline:
     how far the machine itself scales from 1 to 2 processes);
  3. report (unless --skip-report): `vlit report --partial --shard i/N
     --threads 1` over the samples, clues, merged scores and image links, P at
     a time, + `vlit merge report --format json`.

Options:
  --samples N    dataset size (default 1580000, 10x LLaVA-Instruct-150K)
  --shards N     shards (default 8)
  --parallel P   shards run at the same time (default 2, the cores here)
  --skip-report  only the score part and the ratio
  --ratio-runs R repetitions of the 2-vs-1 measurement (default 3; medians)
  -h, --help     this text

Environment:
  VLIT        vlit binary (default build/vlit)
  BENCH_DATA  scratch directory (default /work/bench-data/scale)
  SHARED_DATA the real data (default ../shared/data beside the checkout)
USAGE
}

SAMPLES=1580000 SHARDS=8 PAR=2 REPORT=1 RUNS=3
while [ $# -gt 0 ]; do
    case "$1" in
        --samples) SAMPLES=${2:?}; shift 2 ;;
        --shards) SHARDS=${2:?}; shift 2 ;;
        --parallel) PAR=${2:?}; shift 2 ;;
        --skip-report) REPORT=0; shift ;;
        --ratio-runs) RUNS=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
[ "$SHARDS" -ge 2 ] && [ "$PAR" -ge 1 ] || { echo "run.sh: needs --shards >= 2 and --parallel >= 1" >&2; exit 2; }

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
VLIT=$(realpath "${VLIT:-build/vlit}")
DATA=${BENCH_DATA:-/work/bench-data/scale}
SHARED=${SHARED_DATA:-$ROOT/../shared/data}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "run.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
mkdir -p "$DATA"

SAMPLES_FILE=$DATA/samples-$SAMPLES.json CLUES=$DATA/clues.jsonl
if [ ! -s "$SAMPLES_FILE" ] || [ ! -s "$CLUES" ]; then
    [ -d "$SHARED/llava-gpt4-samples" ] || { echo "run.sh: no real data at $SHARED" >&2; exit 1; }
    start=$(date +%s.%N)
    /usr/bin/python3 bench/score/make-dataset.py "$SHARED" "$VLIT" "$DATA" --samples "$SAMPLES"
    mv "$DATA/samples.json" "$SAMPLES_FILE"
    echo "dataset made in $(echo "$(date +%s.%N) - $start" | bc) s"
fi
echo "dataset: $SAMPLES_FILE ($(du -m "$SAMPLES_FILE" | cut -f1) MB), $(wc -l < "$CLUES") clue records"

# every embedded indicator that needs no image (as bench/score)
IND=$("$VLIT" score --list --json | /usr/bin/python3 -c '
import json, sys
seen = []
for x in map(json.loads, sys.stdin):
    if x["embedded"] and "image" not in x["inputs"].split() and x["name"] not in seen:
        seen.append(x["name"])
print(",".join(seen))')
echo "indicators: $IND"

now() { date +%s.%N; }
# shard_line KIND I TIMEFILE: one line "KIND shard I/N: wall, CPU, peak RSS"
shard_line() {
    read -r wall rss user sys < "$3"
    printf '%-6s shard %d/%d: wall %7.1f s, CPU %7.1f s, peak RSS %6.0f MB\n' \
        "$1" "$2" "$SHARDS" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "$rss / 1024" | bc -l)"
}
# run_shards KIND CMD...: runs shard i of CMD as CMD --shard i/N -o OUT_i, P at a time
# (OUT_i = $DATA/KIND-i, with .jsonl for score), times each into $DATA/time-KIND-i.txt
run_shards() {
    local kind=$1; shift
    local i j out
    for ((i = 0; i < SHARDS; i += PAR)); do
        for ((j = i; j < i + PAR && j < SHARDS; j++)); do
            out=$DATA/$kind-$j; [ "$kind" = score ] && out=$out.jsonl
            rm -rf "$out"
            $TIME -f "%e %M %U %S" -o "$DATA/time-$kind-$j.txt" "$@" --shard "$j/$SHARDS" -o "$out" &
        done
        wait
    done
}
totals() { # totals KIND WALL: sums and maxima over the shards + merge
    local kind=$1 wall=$2
    cat $(seq -f "$DATA/time-$kind-%g.txt" 0 $((SHARDS - 1))) "$DATA/time-$kind-merge.txt" | awk -v k="$kind" -v w="$wall" -v n="$SAMPLES" '
        { c += $3 + $4; if ($2 > m) m = $2 }
        END { printf "%-6s total: wall %.1f s (%.0f samples/s), CPU %.1f s (shards + merge), peak RSS %.0f MB\n",
              k, w, n / w, c, m / 1024 }'
}

echo "load before: $(uptime)"

# 1. score
S=("$VLIT" score "$SAMPLES_FILE" --clues "$CLUES" --indicators "$IND" -q --threads 1)
rm -f "$DATA"/time-score-*.txt
start=$(now)
run_shards score "${S[@]}"
$TIME -f "%e %M %U %S" -o "$DATA/time-score-merge.txt" \
    "$VLIT" merge scores -q $(seq -f "$DATA/score-%g.jsonl" 0 $((SHARDS - 1))) -o "$DATA/scores.jsonl"
score_wall=$(echo "$(now) - $start" | bc)
for ((i = 0; i < SHARDS; i++)); do shard_line score "$i" "$DATA/time-score-$i.txt"; done
read -r mwall mrss _ < "$DATA/time-score-merge.txt"
echo "score  merge: wall $mwall s, peak RSS $((mrss / 1024)) MB, $(wc -l < "$DATA/scores.jsonl") lines"
totals score "$score_wall"
echo "load after score: $(uptime)"

# 2. the 2-vs-1 ratio (score shards 0 and 1), R times, and the same for a fixed
# pure-CPU job (the machine's own scaling, the baseline)
BASE=(/usr/bin/python3 -c 'x = 0
for i in range(80000000): x += i * i')
job() { # job NAME I: the command of job I (score: shard I; baseline: the loop)
    if [ "$1" = score ]; then CMD=("${S[@]}" --shard "$2/$SHARDS" -o "$DATA/ratio-$2.jsonl"); else CMD=("${BASE[@]}"); fi
}
ratio() { # ratio NAME: prints "NAME SEQ PAR"
    local name=$1
    local seq=0 start i
    for i in 0 1; do
        job "$name" "$i"
        $TIME -f "%e %M %U %S" -o "$DATA/time-ratio-$name-seq-$i.txt" "${CMD[@]}"
        seq=$(echo "$seq + $(cut -d' ' -f1 "$DATA/time-ratio-$name-seq-$i.txt")" | bc)
    done
    start=$(now)
    for i in 0 1; do
        job "$name" "$i"
        $TIME -f "%e %M %U %S" -o "$DATA/time-ratio-$name-par-$i.txt" "${CMD[@]}" &
    done
    wait
    echo "$name $seq $(echo "$(now) - $start" | bc)"
}
: > "$DATA/ratio.txt"
for ((run = 1; run <= RUNS; run++)); do
    ratio score | tee -a "$DATA/ratio.txt"
    ratio baseline | tee -a "$DATA/ratio.txt"
    cat "$DATA"/time-ratio-score-seq-*.txt "$DATA"/time-ratio-score-par-*.txt | awk -v r="$run" '
        NR <= 2 { s += $3 + $4 } NR > 2 { p += $3 + $4 }
        END { printf "  run %d: CPU of score shards 0+1: %.1f s one after the other, %.1f s at the same time\n", r, s, p }'
done
/usr/bin/python3 - "$DATA/ratio.txt" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for name, label in (("score", "score shards 0 and 1"), ("baseline", "baseline (pure-CPU Python loop)")):
    r = [float(x[1]) / float(x[2]) for x in rows if x[0] == name]
    seq = statistics.median(float(x[1]) for x in rows if x[0] == name)
    par = statistics.median(float(x[2]) for x in rows if x[0] == name)
    print(f"2 vs 1, {label}: one after the other median {seq:.1f} s, at the same time {par:.1f} s; "
          f"throughput ratio median {statistics.median(r):.2f} (runs: {', '.join(f'{v:.2f}' for v in r)})"
          + (" (target >= 1.7)" if name == "score" else ""))
PY
echo "load after ratio: $(uptime)"

[ "$REPORT" = 1 ] || exit 0

# 3. report: every image path a link to one of the demo photographs (as bench/report)
if [ ! -s "$DATA/images.done" ]; then
    "$ROOT/scripts/demo-images.sh" "$DATA/photos" >/dev/null
    /usr/bin/python3 - "$SAMPLES_FILE" "$DATA/photos" "$DATA/images" <<'PY'
import os, re, sys
samples, photos, root = sys.argv[1:]
pics = sorted(os.path.join(os.path.abspath(photos), p) for p in os.listdir(photos))
seen = set()
pat = re.compile(r'"image": "([^"]+)"')
with open(samples) as f:          # make-dataset.py writes one sample per line
    for line in f:
        m = pat.search(line)
        if not m or m.group(1) in seen:
            continue
        img = m.group(1)
        seen.add(img)
        dst = os.path.join(root, img)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.lexists(dst):
            os.symlink(pics[len(seen) % len(pics)], dst)
print(f"{len(seen)} image paths linked to {len(pics)} photographs")
PY
    echo ok > "$DATA/images.done"
fi
R=("$VLIT" report "$SAMPLES_FILE" --clues "$CLUES" --scores "$DATA/scores.jsonl" --image-root "$DATA/images"
   --format json -q --threads 1 --partial)
rm -f "$DATA"/time-report-*.txt
start=$(now)
run_shards report "${R[@]}"
$TIME -f "%e %M %U %S" -o "$DATA/time-report-merge.txt" \
    "$VLIT" merge report -q --format json $(seq -f "$DATA/report-%g" 0 $((SHARDS - 1))) -o "$DATA/report.json"
report_wall=$(echo "$(now) - $start" | bc)
for ((i = 0; i < SHARDS; i++)); do shard_line report "$i" "$DATA/time-report-$i.txt"; done
read -r mwall mrss muser msys < "$DATA/time-report-merge.txt"
echo "report merge: wall $mwall s, CPU $(echo "$muser + $msys" | bc) s, peak RSS $((mrss / 1024)) MB"
totals report "$report_wall"
echo "load after report: $(uptime)"
/usr/bin/python3 - "$DATA/report.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["datasets"][0]
print(f"report: {d['samples']} samples")
for i in d["indicators"]:
    print(f"  {i['key']:24s} {i['value']!s:>22s}  {i['method']}")
PY
