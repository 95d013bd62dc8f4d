#!/usr/bin/env bash
# The full text scoring run on a LLaVA-Instruct-150K-sized dataset: every
# embedded indicator that reads text (no image indicators: the images are not
# there), as one process and as 4 shards run 2 at a time and merged; wall
# time and peak RSS of each, and whether the merge equals the single run.
# README.md has the results.
set -euo pipefail
export LC_ALL=C

usage() {
    cat <<'USAGE'
Usage: bench/score/run.sh [--runs R] [--samples N]

Makes the dataset (make-dataset.py, from ../shared/data; kept between runs in
$BENCH_DATA), then R times: one `vlit score` process over all samples, and 4
shards (--shard i/4, two at a time, as on this 2-core machine) merged with
`vlit merge scores`. Prints the median wall time and peak RSS, and checks that
every merge is byte-identical to the single run.

Options:
  --runs R      repetitions (default 3)
  --samples N   dataset size (default 157712, LLaVA-Instruct-150K's)
  -h, --help    this text

Environment:
  VLIT        vlit binary (default build/vlit)
  BENCH_DATA  scratch directory (default /work/bench-data/score)
  SHARED_DATA the real data (default ../shared/data beside the checkout)
USAGE
}

RUNS=3 SAMPLES=157712
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=${2:?}; shift 2 ;;
        --samples) SAMPLES=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
VLIT=$(realpath "${VLIT:-build/vlit}")
DATA=${BENCH_DATA:-/work/bench-data/score}
SHARED=${SHARED_DATA:-$ROOT/../shared/data}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "run.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ -d "$SHARED/llava-gpt4-samples" ] || { echo "run.sh: no real data at $SHARED" >&2; exit 1; }
mkdir -p "$DATA"

if [ ! -s "$DATA/samples-$SAMPLES.json" ]; then
    /usr/bin/python3 bench/score/make-dataset.py "$SHARED" "$VLIT" "$DATA" --samples "$SAMPLES"
    mv "$DATA/samples.json" "$DATA/samples-$SAMPLES.json"
fi

# every embedded indicator that needs no image
IND=$("$VLIT" score --list --json | /usr/bin/python3 -c '
import json, sys
seen = []
for x in map(json.loads, sys.stdin):
    if x["embedded"] and "image" not in x["inputs"].split() and x["name"] not in seen:
        seen.append(x["name"])
print(",".join(seen))')
echo "indicators: $IND"
S=(score "$DATA/samples-$SAMPLES.json" --clues "$DATA/clues.jsonl" --indicators "$IND" -q)

results=$DATA/results.txt
: > "$results"
for run in $(seq "$RUNS"); do
    $TIME -f "%e %M %U %S" -o "$DATA/time.txt" "$VLIT" "${S[@]}" -o "$DATA/single.jsonl"
    read -r wall rss user sys < "$DATA/time.txt"
    echo "single $wall $rss $(echo "$user + $sys" | bc)" | tee -a "$results"

    start=$(date +%s.%N)
    for pair in "0 1" "2 3"; do
        for i in $pair; do
            $TIME -f "%e %M %U %S" -o "$DATA/time-$i.txt" "$VLIT" "${S[@]}" --threads 1 --shard "$i/4" \
                -o "$DATA/shard-$i.jsonl" &
        done
        wait
    done
    "$VLIT" merge scores -q "$DATA"/shard-{0,1,2,3}.jsonl -o "$DATA/merged.jsonl"
    end=$(date +%s.%N)
    rss=$(cat "$DATA"/time-{0,1,2,3}.txt | awk '$2 > m { m = $2 } END { print m }')
    cpu=$(cat "$DATA"/time-{0,1,2,3}.txt | awk '{ c += $3 + $4 } END { print c }')
    same=$(cmp -s "$DATA/single.jsonl" "$DATA/merged.jsonl" && echo identical || echo DIFFERENT)
    echo "shards $(echo "$end - $start" | bc) $rss $cpu $same" | tee -a "$results"
done

/usr/bin/python3 - "$results" "$SAMPLES" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
n = int(sys.argv[2])
for kind, label in (("single", "one process (2 threads)"), ("shards", "4 shards, 2 at a time, + merge")):
    mine = [r for r in rows if r[0] == kind]
    wall = statistics.median(float(r[1]) for r in mine)
    rss = max(int(r[2]) for r in mine) / 1024
    cpu = statistics.median(float(r[3]) for r in mine)
    extra = ""
    if kind == "shards":
        extra = ", merged file " + ("identical to the single run in every run" if all(r[4] == "identical" for r in mine)
                                    else "DIFFERENT from the single run")
    print(f"{label:32s} median {wall:6.1f} s wall ({n / wall:,.0f} samples/s), {cpu:.1f} s CPU, "
          f"peak RSS {rss:,.0f} MB{extra}")
PY
