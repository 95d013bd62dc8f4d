#!/usr/bin/env bash
# The measurement behind vlit's choice of JSON library: load COCO-scale files with
# each library Debian ships (yajl events, yajl tree, jansson, json-c, cJSON), one
# library per process, and report load time, throughput and peak RSS.
set -euo pipefail
export LC_ALL=C  # decimal points and sort order must not depend on the caller's locale

usage() {
    cat <<'EOF'
Usage: bench/json-choice/run.sh [--runs R] [FILE...]

Compiles json_choice.c with cc -O2 against yajl, jansson, json-c and cJSON, then loads
each FILE with every mode R times (round-robin, one process per load, under
/usr/bin/time) and prints a Markdown table: median load time, MB/s, median peak RSS,
and whether the API can stream an arbitrarily large array in bounded memory.

Default FILEs: instances_train2014.json and captions_train2014.json in $BENCH_DATA
(default /work/bench-data/collect), generated at full scale by
bench/collect/gen.py when missing (as bench/collect/run.sh does).

Options:
  --runs R    loads per mode and file (default 3)
  -h, --help  this text

Environment:
  BENCH_DATA         where the default input files are
  JSON_CHOICE_BUILD  where the binary and the results go
                     (default /work/bench-data/json-choice; never the repository)
EOF
}

RUNS=3
FILES=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "run.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
        *) FILES+=("$1"); shift ;;
    esac
done
case "$RUNS" in ''|*[!0-9]*|0) echo "run.sh: --runs must be a positive integer" >&2; exit 2 ;; esac

HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${BENCH_DATA:-/work/bench-data/collect}
BUILD=${JSON_CHOICE_BUILD:-/work/bench-data/json-choice}
if [ ${#FILES[@]} -eq 0 ]; then
    FILES=("$DATA/instances_train2014.json" "$DATA/captions_train2014.json")
    if ! [ -s "${FILES[0]}" ] || ! [ -s "${FILES[1]}" ]; then
        # Same data, stamp and defaults as bench/collect/run.sh, so that script
        # reuses what is made here instead of generating it again.
        echo "generating the full-scale inputs in $DATA" >&2
        mkdir -p "$DATA"
        rm -f "$DATA/.gen-stamp"
        /usr/bin/python3 "$HERE/../collect/gen.py" --out "$DATA" --scale 1 --seed 1 >&2
        echo "scale=1 seed=1 gen=$(sha256sum "$HERE/../collect/gen.py" | cut -c1-16)" \
            > "$DATA/.gen-stamp"
    fi
fi
for f in "${FILES[@]}"; do
    [ -s "$f" ] || { echo "run.sh: no input $f" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
for pc in yajl jansson json-c libcjson; do
    pkg-config --exists "$pc" || {
        echo "run.sh: pkg-config cannot find $pc (apt-get install libyajl-dev libjansson-dev libjson-c-dev libcjson-dev)" >&2
        exit 1
    }
done

# jansson's and json-c's headers clash in one translation unit, so the json-c part is
# compiled separately from the same file (see the comment at the top of json_choice.c).
mkdir -p "$BUILD"
BIN=$BUILD/json_choice
CFLAGS="-std=c11 -O2 -Wall -Wextra"
# shellcheck disable=SC2046,SC2086  # pkg-config output must split into words
cc $CFLAGS -DJSON_CHOICE_JSONC_PART -c "$HERE/json_choice.c" -o "$BUILD/jsonc_part.o" \
    $(pkg-config --cflags json-c)
# shellcheck disable=SC2046,SC2086
cc $CFLAGS "$HERE/json_choice.c" "$BUILD/jsonc_part.o" -o "$BIN" \
    $(pkg-config --cflags --libs yajl jansson json-c libcjson)

MODES=(yajl-sax yajl-sax-raw yajl-records yajl-tree jansson json-c cjson)
# What each API can do with one array larger than memory. Fixed facts about the
# APIs; the RSS column shows them in numbers (the yajl event modes stay flat).
streams() {
    case "$1" in
        yajl-sax|yajl-sax-raw|yajl-records) echo "yes: events, memory = nesting depth + chunk" ;;
        yajl-tree) echo "no: whole text + tree" ;;
        jansson) echo "no: input streams (json_load_callback), output is the whole tree" ;;
        json-c) echo "no: input streams (json_tokener_parse_ex), output is the whole tree" ;;
        cjson) echo "no: whole text + tree" ;;
    esac
}

# Fresh-memory cost varies a lot between machines (VMs can be 20x slower than bare
# metal) and it is most of what separates the tree parsers from the event parser.
PF=$(for i in $(seq 1 "$RUNS"); do "$BIN" touch 1024; done | sed -n 's/.*s_per_gib=\([^ ]*\).*/\1/p' |
     sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
echo "  page-fault probe: $PF s/GiB" >&2

RES=$BUILD/raw.txt
: > "$RES"
# The load average shows whether something else competed for the cores.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for f in "${FILES[@]}"; do
    cat "$f" > /dev/null  # warm the page cache: measure parsing, not the disk
    for i in $(seq 1 "$RUNS"); do
        # Round-robin over modes so slow drift in machine load spreads evenly.
        for m in "${MODES[@]}"; do
            tf=$BUILD/time.txt
            line=$(/usr/bin/time -f '%e %M' -o "$tf" "$BIN" "$m" "$f")
            echo "$(basename "$f") $i $line $(tail -n 1 "$tf" | awk '{print "wall_s=" $1, "rss_kb=" $2}')" >> "$RES"
            echo "  $(basename "$f") run $i: $line" >&2
        done
    done
done

# Every tree and event mode must have seen the same values, or the timings compare
# different work.
agree=yes
for f in "${FILES[@]}"; do
    n=$(grep "^$(basename "$f") " "$RES" | grep -v mode=yajl-records |
        sed 's/.*objects=/objects=/; s/ wall_s=.*//' | sort -u | wc -l)
    [ "$n" = 1 ] || agree="NO ($(basename "$f"))"
done

field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p"; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

{
    echo "| file | MB | library / API | load s | (min-max) | MB/s | process wall s | peak RSS MB | RSS / file | streams a huge array? |"
    echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---|"
    for f in "${FILES[@]}"; do
        b=$(basename "$f")
        for m in "${MODES[@]}"; do
            rows=$(grep "^$b .* mode=$m " "$RES")
            bytes=$(echo "$rows" | head -n 1 | field bytes)
            t=$(echo "$rows" | field load_s | median)
            # The spread is shown because a shared VM is noisy; the median is compared.
            range=$(echo "$rows" | field load_s | sort -g | sed -n '1p;$p' | paste -sd' ')
            wall=$(echo "$rows" | field wall_s | median)
            rss=$(echo "$rows" | field rss_kb | median)
            awk -v b="$b" -v m="$m" -v bytes="$bytes" -v t="$t" -v r="$range" -v w="$wall" \
                -v rss="$rss" -v s="$(streams "$m")" 'BEGIN {
                split(r, lh, " ")
                printf "| %s | %.1f | %s | %.3f | %.2f-%.2f | %.0f | %.2f | %.1f | %.2f | %s |\n",
                    b, bytes / 1e6, m, t, lh[1], lh[2], (t > 0 ? bytes / 1e6 / t : 0), w,
                    rss / 1024, rss * 1024 / bytes, s }'
        done
    done
    echo
    echo "Median of $RUNS runs each; load = read + parse (tree built, or events consumed),"
    echo "timed inside the process; process wall adds start-up, freeing the tree and exit."
    echo "Value counts agree across modes: $agree."
    echo "Page faults on this machine: first touch of fresh memory costs $PF s/GiB"
    echo "(median of $RUNS touches of 1 GiB); every GiB of peak RSS pays about that in time."
    echo "Load average before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"\
         "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr);"\
         "$(cc --version | head -n 1);"\
         "yajl $(pkg-config --modversion yajl), jansson $(pkg-config --modversion jansson),"\
         "json-c $(pkg-config --modversion json-c), cJSON $(pkg-config --modversion libcjson)."
} | tee "$BUILD/results.md"
[ "$agree" = yes ]
