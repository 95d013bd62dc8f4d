#!/usr/bin/env bash
# The full `vlit report` (embedded methods) on a LLaVA-Instruct-150K-sized
# dataset with clue records, scores and images: wall time, CPU time and peak
# RSS (median of R runs), the DBSCAN time of the responses on its own, and the
# same report from 4 shards (--partial, two at a time) merged with
# `vlit merge report`, which must be byte-identical. README.md has the results.
set -euo pipefail
export LC_ALL=C

usage() {
    cat <<'USAGE'
Usage: bench/report/run.sh [--runs R] [--samples N]

Makes the dataset once (bench/score/make-dataset.py; its scores with `vlit score`,
the text indicators; every image path a symbolic link to one of the 10 demo
photographs of scripts/demo-images.sh), then R times: one `vlit report --format
json` process, and 4 partials (2 at a time) + `vlit merge report`.

Options:
  --runs R      repetitions (default 3)
  --samples N   dataset size (default 157712, LLaVA-Instruct-150K's)
  -h, --help    this text

Environment:
  VLIT        vlit binary (default build/vlit)
  BENCH_DATA  scratch directory (default /work/bench-data/report)
  SCORE_DATA  where bench/score keeps its dataset, reused when there (default /work/bench-data/score)
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
DATA=${BENCH_DATA:-/work/bench-data/report}
SCORE=${SCORE_DATA:-/work/bench-data/score}
SHARED=${SHARED_DATA:-$ROOT/../shared/data}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "run.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
mkdir -p "$DATA"

# the dataset and its clue records (shared with bench/score)
if [ -s "$SCORE/samples-$SAMPLES.json" ] && [ -s "$SCORE/clues.jsonl" ]; then
    SAMPLES_FILE=$SCORE/samples-$SAMPLES.json CLUES=$SCORE/clues.jsonl
else
    [ -d "$SHARED/llava-gpt4-samples" ] || { echo "run.sh: no real data at $SHARED" >&2; exit 1; }
    if [ ! -s "$DATA/samples-$SAMPLES.json" ]; then
        /usr/bin/python3 bench/score/make-dataset.py "$SHARED" "$VLIT" "$DATA" --samples "$SAMPLES"
        mv "$DATA/samples.json" "$DATA/samples-$SAMPLES.json"
    fi
    SAMPLES_FILE=$DATA/samples-$SAMPLES.json CLUES=$DATA/clues.jsonl
fi
# its scores: every embedded indicator that needs no image (as bench/score)
if [ ! -s "$DATA/scores-$SAMPLES.jsonl" ]; then
    IND=$("$VLIT" score --list --json | /usr/bin/python3 -c '
import json, sys
seen = []
for x in map(json.loads, sys.stdin):
    if x["embedded"] and "image" not in x["inputs"].split() and x["name"] not in seen:
        seen.append(x["name"])
print(",".join(seen))')
    "$VLIT" score -q "$SAMPLES_FILE" --clues "$CLUES" --indicators "$IND" -o "$DATA/scores-$SAMPLES.jsonl"
fi
# images: every path a link to one of the demo photographs (real decodes, 10 looks)
if [ ! -s "$DATA/images.done" ]; then
    "$ROOT/scripts/demo-images.sh" "$DATA/photos" >/dev/null
    /usr/bin/python3 - "$SAMPLES_FILE" "$DATA/photos" "$DATA/images" <<'PY'
import json, os, sys
samples, photos, root = sys.argv[1:]
pics = sorted(os.path.join(os.path.abspath(photos), p) for p in os.listdir(photos))
seen = set()
for s in json.load(open(samples)):
    img = s.get("image")
    if not img or img in seen:
        continue
    seen.add(img)
    dst = os.path.join(root, img)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if not os.path.lexists(dst):
        os.symlink(pics[len(seen) % len(pics)], dst)
print(f"{len(seen)} image paths linked to {len(pics)} photographs")
PY
    echo ok > "$DATA/images.done"
fi

R=(report "$SAMPLES_FILE" --clues "$CLUES" --scores "$DATA/scores-$SAMPLES.jsonl" --image-root "$DATA/images"
   --format json)
results=$DATA/results.txt
: > "$results"
echo "load before: $(cat /proc/loadavg)"
for run in $(seq "$RUNS"); do
    $TIME -f "%e %M %U %S" -o "$DATA/time.txt" "$VLIT" "${R[@]}" -o "$DATA/single.json" 2> "$DATA/single.log"
    read -r wall rss user sys < "$DATA/time.txt"
    dbscan=$(sed -n 's/.*DBSCAN of [0-9]* x [0-9]*: .*, \([0-9.]*\) s$/\1/p' "$DATA/single.log" | head -1)
    echo "single $wall $rss $(echo "$user + $sys" | bc) $dbscan" | tee -a "$results"

    start=$(date +%s.%N)
    for pair in "0 1" "2 3"; do
        for i in $pair; do
            $TIME -f "%e %M %U %S" -o "$DATA/time-$i.txt" "$VLIT" "${R[@]}" -q --threads 1 --partial --shard "$i/4" \
                -o "$DATA/part-$i" &
        done
        wait
    done
    $TIME -f "%e %M %U %S" -o "$DATA/time-m.txt" "$VLIT" merge report -q --format json "$DATA"/part-{0,1,2,3} \
        -o "$DATA/merged.json"
    end=$(date +%s.%N)
    rss=$(cat "$DATA"/time-{0,1,2,3,m}.txt | awk '$2 > m { m = $2 } END { print m }')
    cpu=$(cat "$DATA"/time-{0,1,2,3,m}.txt | awk '{ c += $3 + $4 } END { print c }')
    same=$(cmp -s "$DATA/single.json" "$DATA/merged.json" && echo identical || echo DIFFERENT)
    echo "shards $(echo "$end - $start" | bc) $rss $cpu $same" | tee -a "$results"
done
echo "load after: $(cat /proc/loadavg)"

/usr/bin/python3 - "$results" "$SAMPLES" "$DATA/single.json" <<'PY'
import json, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
n = int(sys.argv[2])
for kind, label in (("single", "one process"), ("shards", "4 partials, 2 at a time, + merge")):
    mine = [r for r in rows if r[0] == kind]
    wall = statistics.median(float(r[1]) for r in mine)
    rss = max(int(r[2]) for r in mine) / 1024
    cpu = statistics.median(float(r[3]) for r in mine)
    extra = ""
    if kind == "single" and all(len(r) > 4 for r in mine):
        extra = f", of which DBSCAN of the responses {statistics.median(float(r[4]) for r in mine):.1f} s"
    if kind == "shards":
        extra = ", merged report " + ("identical to the single run in every run" if all(r[4] == "identical" for r in mine)
                                      else "DIFFERENT from the single run")
    print(f"{label:34s} median {wall:6.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:,.0f} MB{extra}")
d = json.load(open(sys.argv[3]))["datasets"][0]
for i in d["indicators"]:
    print(f"  {i['key']:24s} {i['value']!s:>22s}  {i['method']}")
PY
