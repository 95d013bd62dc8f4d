#!/usr/bin/env bash
# Benchmark `vlit collect` against the plain-Python baseline (baseline.py) on
# synthetic COCO train2014-scale annotations (gen.py).
#
# Builds nothing: point VLIT at a built binary. Without one, only the baseline runs,
# so the data generation and the baseline can be checked before the C tool exists.
set -euo pipefail
export LC_ALL=C  # decimal points and sort order must not depend on the caller's locale

usage() {
    cat <<'EOF'
Usage: bench/collect/run.sh [--scale S] [--runs R] [--seed N]

Generates COCO/VQA look-alike data (if missing or made with other parameters), then
runs `vlit collect` and bench/collect/baseline.py alternately R times each, and prints
median wall time and median peak RSS of each, their ratios, and whether both outputs
have the same number of lines.

Options:
  --scale S   fraction of COCO train2014 counts (default 1.0; 0.01 for a quick check)
  --runs R    runs per tool (default 3)
  --seed N    generator seed (default 1)
  -h, --help  this text

Environment:
  VLIT        vlit binary (default build/vlit, relative to the repository root)
  BENCH_DATA  data and output directory (default /work/bench-data/collect);
              keep it outside the repository: the full-scale data is ~0.8 GB
EOF
}

SCALE=1.0
RUNS=3
SEED=1
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE=${2:?--scale needs a value}; shift 2 ;;
        --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
        --seed) SEED=${2:?--seed needs a value}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$RUNS" in ''|*[!0-9]*|0) echo "run.sh: --runs must be a positive integer" >&2; exit 2 ;; esac

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
# Debian's interpreter, not whatever `python3` resolves to: the baseline must be the
# same Python on every machine it is quoted from.
PY=/usr/bin/python3
TIME=/usr/bin/time
VLIT=${VLIT:-build/vlit}
DATA=${BENCH_DATA:-/work/bench-data/collect}
for tool in "$PY" "$TIME"; do
    [ -x "$tool" ] || { echo "run.sh: $tool not found (apt-get install python3 time)" >&2; exit 1; }
done

# Normalise the scale so "1" and "1.0" name the same data set.
SCALE=$(printf '%g' "$SCALE")
CAPTIONS=$DATA/captions_train2014.json
INSTANCES=$DATA/instances_train2014.json
QUESTIONS=$DATA/OpenEnded_mscoco_train2014_questions.json
ANSWERS=$DATA/mscoco_train2014_annotations.json

# The stamp records what the data was made from, including the generator's own hash,
# so a changed generator or scale regenerates instead of silently reusing old data.
STAMP=$DATA/.gen-stamp
WANT="scale=$SCALE seed=$SEED gen=$(sha256sum bench/collect/gen.py | cut -c1-16)"
HAVE=$(cat "$STAMP" 2>/dev/null || true)
if [ "$HAVE" != "$WANT" ] || ! [ -s "$CAPTIONS" ] || ! [ -s "$INSTANCES" ] \
        || ! [ -s "$QUESTIONS" ] || ! [ -s "$ANSWERS" ]; then
    echo "generating data in $DATA ($WANT; had: ${HAVE:-nothing})"
    mkdir -p "$DATA"
    rm -f "$STAMP"
    "$PY" bench/collect/gen.py --out "$DATA" --scale "$SCALE" --seed "$SEED"
    echo "$WANT" > "$STAMP"
fi

OUT=$DATA/out
mkdir -p "$OUT"
INPUTS=(--coco-captions "$CAPTIONS" --coco-instances "$INSTANCES"
        --vqa-questions "$QUESTIONS" --vqa-annotations "$ANSWERS")

HAVE_VLIT=1
if ! [ -x "$VLIT" ]; then
    HAVE_VLIT=0
    echo "note: no vlit binary at $VLIT (set VLIT=...): running the baseline only"
fi

# Read the inputs once so the first timed run does not pay for a cold page cache.
cat "$CAPTIONS" "$INSTANCES" "$QUESTIONS" "$ANSWERS" > /dev/null

# run NAME I CMD...: timed run I of NAME; appends "wall_s maxrss_kb" to $OUT/NAME.times.
run() {
    local name=$1 i=$2; shift 2
    local tf=$OUT/$name.time log=$OUT/$name.log
    rm -f "$OUT/$name.jsonl"  # a stale output must not pass the line check
    if ! "$TIME" -f '%e %M' -o "$tf" "$@" > "$log" 2>&1; then
        echo "run.sh: $name failed; its output:" >&2
        cat "$log" "$tf" >&2
        exit 1
    fi
    # time(1) may prefix its line with notes; the measurement is the last line.
    tail -n 1 "$tf" >> "$OUT/$name.times"
    echo "  run $i/$RUNS $name: $(tail -n 1 "$tf" | awk '{printf "%.2f s, %.1f MB", $1, $2 / 1024}')"
}

median() {  # median of column $1 in file $2
    awk -v c="$1" '{print $c}' "$2" | sort -g |
        awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

rm -f "$OUT/vlit.times" "$OUT/baseline.times"
INPUT_MB=$(du -cb "$CAPTIONS" "$INSTANCES" "$QUESTIONS" "$ANSWERS" | awk 'END {printf "%.0f", $1 / 1e6}')
# The load average shows whether something else competed for the 2 cores.
echo "collect benchmark: scale $SCALE, $RUNS run(s) each, inputs $INPUT_MB MB, $(nproc) cores," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
# Alternate the tools so drift in machine load hits both alike.
for i in $(seq 1 "$RUNS"); do
    if [ "$HAVE_VLIT" = 1 ]; then
        run vlit "$i" "$VLIT" collect "${INPUTS[@]}" -o "$OUT/vlit.jsonl" --quiet
    fi
    run baseline "$i" "$PY" bench/collect/baseline.py "${INPUTS[@]}" -o "$OUT/baseline.jsonl" --quiet
done

echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-10s %14s %20s\n' tool "median wall s" "median max RSS MB"
B_T=$(median 1 "$OUT/baseline.times")
B_M=$(median 2 "$OUT/baseline.times")
if [ "$HAVE_VLIT" = 1 ]; then
    V_T=$(median 1 "$OUT/vlit.times")
    V_M=$(median 2 "$OUT/vlit.times")
    printf '%-10s %14.2f %20.1f\n' vlit "$V_T" "$(awk -v m="$V_M" 'BEGIN {print m / 1024}')"
fi
printf '%-10s %14.2f %20.1f\n' baseline "$B_T" "$(awk -v m="$B_M" 'BEGIN {print m / 1024}')"

B_LINES=$(wc -l < "$OUT/baseline.jsonl")
if [ "$HAVE_VLIT" = 1 ]; then
    awk -v bt="$B_T" -v vt="$V_T" -v bm="$B_M" -v vm="$V_M" 'BEGIN {
        printf "ratio baseline/vlit: time %.1fx, RSS %.1fx\n",
            (vt > 0 ? bt / vt : 0), (vm > 0 ? bm / vm : 0) }'
    V_LINES=$(wc -l < "$OUT/vlit.jsonl")
    if [ "$V_LINES" = "$B_LINES" ]; then
        echo "lines: vlit $V_LINES, baseline $B_LINES: same"
        # the same captions, objects and answer counts per image, not just as many lines
        "$PY" bench/collect/compare.py "$OUT/vlit.jsonl" "$OUT/baseline.jsonl"
    else
        echo "lines: vlit $V_LINES, baseline $B_LINES: DIFFERENT"
        exit 1
    fi
else
    echo "lines: baseline $B_LINES (vlit not run)"
fi
