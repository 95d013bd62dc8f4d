#!/usr/bin/env bash
# Benchmark the Self-Instruct client (`vlit generate --mode si`, journaling every
# request and completion in its SQLite run store) against a Python 3 thread-pool
# client with urllib (baseline.py) that sends the same request bodies to the same
# server and writes each reply to a JSONL file; against the test server
# (tests/server/llm_server.py) and a C server that answers at once
# (instant_server.c). See README.md.
set -euo pipefail
export LC_ALL=C

usage() {
    cat <<'USAGE'
Usage: bench/generate/run.sh [--requests N] [--concurrency C] [--n K] [--runs R]

Makes N clue records (the demo's, under new ids) and, against each of two servers
that answer at once (the Python test server, then a C one that costs almost
nothing), runs vlit and the baseline alternately R times each with C requests in
flight, each request asking for K completions. Prints, per server and tool, the
median completed requests per second and the median client CPU time per request
(user + system of the client process alone, start-up included), and the ratios;
then the CPU per request of vlit run again on its last store, answered from it.

Options:
  --requests N     requests per run (default 10000)
  --concurrency C  requests in flight (default 64)
  --n K            completions per request (default 1)
  --runs R         runs per tool (default 3)
  -h, --help       this text

Environment:
  VLIT        vlit binary (default build/vlit)
  BENCH_DATA  scratch directory (default /work/bench-data/generate)
USAGE
}

REQUESTS=10000 CONC=64 N=1 RUNS=3
while [ $# -gt 0 ]; do
    case "$1" in
        --requests) REQUESTS=${2:?}; shift 2 ;;
        --concurrency) CONC=${2:?}; shift 2 ;;
        --n) N=${2:?}; shift 2 ;;
        --runs) RUNS=${2:?}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
for v in "$REQUESTS" "$CONC" "$N" "$RUNS"; do
    case "$v" in ''|*[!0-9]*|0) echo "run.sh: numbers must be positive integers" >&2; exit 2 ;; esac
done

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PY=/usr/bin/python3   # Debian's interpreter: the baseline is quoted for it
TIME=/usr/bin/time
VLIT=$(realpath "${VLIT:-build/vlit}")
DATA=${BENCH_DATA:-/work/bench-data/generate}
for tool in "$PY" "$TIME" "$VLIT"; do
    [ -x "$tool" ] || { echo "run.sh: $tool not found (scripts/setup.sh; apt-get install python3 time)" >&2; exit 1; }
done
mkdir -p "$DATA"
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null; wait 2> /dev/null || true; }
trap cleanup EXIT

# 1. N clue records: the demo's, repeated under new ids
CLUES=$DATA/clues-$REQUESTS.jsonl
if [ ! -s "$CLUES" ]; then
    A=data/demo/annotations
    "$VLIT" collect -q --coco-captions "$A/captions_demo.json" --coco-instances "$A/instances_demo.json" \
        --vqa-questions "$A/vqa_questions_demo.json" --vqa-annotations "$A/vqa_annotations_demo.json" \
        -o "$DATA/demo.jsonl"
    "$PY" - "$DATA/demo.jsonl" "$REQUESTS" "$CLUES.tmp" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
with open(sys.argv[3], "w") as f:
    for k in range(int(sys.argv[2])):
        r = recs[k % len(recs)]
        f.write(json.dumps(dict(r, id=f"{r['id']}-{k}")) + "\n")
PY
    mv "$CLUES.tmp" "$CLUES"
fi

# 2. the servers, answering at once: tests/server/llm_server.py (the test server,
#    Python asyncio) and instant_server.c (C, epoll; a few microseconds per
#    request, so that the clients, not the server, set the pace)
cc -O2 -std=c11 -Wall -Wextra -o "$DATA/instant_server" bench/generate/instant_server.c
start_server() {
    rm -f "$DATA/port"
    case "$1" in
        python) "$PY" tests/server/llm_server.py --port 0 --port-file "$DATA/port" --idle-exit 600 > /dev/null 2>&1 & ;;
        c) "$DATA/instant_server" "$DATA/port" 2> /dev/null & ;;
    esac
    server_pid=$!
    for _ in $(seq 200); do [ -s "$DATA/port" ] && break; sleep 0.05; done
    URL=http://127.0.0.1:$(cat "$DATA/port")/v1
}
stop_server() { kill "$server_pid" 2> /dev/null; wait "$server_pid" 2> /dev/null || true; server_pid=; }

SI=(generate --mode si "$CLUES" --model bench --variants conversation --n "$N" --concurrency "$CONC" -q)

# 3. the request bodies, as vlit builds them (a warm-up run), for the baseline
start_server python
rm -f "$DATA"/prep.db*
"$VLIT" "${SI[@]}" --llm-url "$URL" --store "$DATA/prep.db" -o "$DATA/prep.jsonl"
"$PY" - "$DATA/prep.db" "$DATA/bodies.jsonl" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("select body from request_bodies").fetchall()
with open(sys.argv[2], "w") as f:
    for (body,) in rows:
        f.write(body.replace("\n", "\\n") + "\n")
print(f"bench/generate: {len(rows)} request bodies", file=__import__("sys").stderr)
PY
stop_server

# 4. per server, alternate runs; each prints: server tool wall user sys completed
results=$DATA/results.txt
: > "$results"
for server in python c; do
    start_server "$server"
    for run in $(seq "$RUNS"); do
        rm -f "$DATA"/run.db* "$DATA/out.jsonl"
        $TIME -f "%e %U %S" -o "$DATA/time.txt" "$VLIT" "${SI[@]}" --llm-url "$URL" --store "$DATA/run.db" \
            -o "$DATA/out.jsonl"
        read -r wall user sys < "$DATA/time.txt"
        done_n=$("$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from requests where state = 2").fetchone()[0])' "$DATA/run.db")
        echo "$server vlit $wall $user $sys $done_n" | tee -a "$results"
        line=$("$PY" bench/generate/baseline.py "$DATA/bodies.jsonl" "$URL/chat/completions" "$DATA/baseline.jsonl" \
            --concurrency "$CONC")
        set -- $line  # requests R completed C failed F wall W cpu U
        echo "$server python $8 ${10} 0 $4" | tee -a "$results"
    done
    if [ "$server" = c ]; then
        # the last store again: every request answered from it, nothing sent; the
        # client's own work per request (clues, prompts, hashing, lookups, samples)
        $TIME -f "%e %U %S" -o "$DATA/time.txt" "$VLIT" "${SI[@]}" --llm-url "$URL" --store "$DATA/run.db" \
            -o "$DATA/out-again.jsonl"
        read -r wall user sys < "$DATA/time.txt"
        cmp -s "$DATA/out.jsonl" "$DATA/out-again.jsonl" || { echo "run.sh: the rerun wrote other samples" >&2; exit 1; }
        echo "$server vlit-rerun $wall $user $sys $REQUESTS" | tee -a "$results"
    fi
    stop_server
done

# 5. medians and ratios, per server
"$PY" - "$results" "$REQUESTS" "$CONC" "$N" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
req, conc, n = sys.argv[2:5]
names = {"python": "test server (tests/server/llm_server.py)", "c": "instant server (bench/generate/instant_server.c)"}
for server in ("python", "c"):
    print(f"{names[server]}:")
    stat = {}
    for tool in ("vlit", "python"):
        mine = [r for r in rows if r[0] == server and r[1] == tool]
        rps = statistics.median(int(r[5]) / float(r[2]) for r in mine)
        cpu = statistics.median((float(r[3]) + float(r[4])) / max(int(r[5]), 1) * 1000 for r in mine)
        done = min(int(r[5]) for r in mine)
        stat[tool] = (rps, cpu)
        print(f"  {tool:7s} median {rps:8.1f} completed req/s, {cpu:.3f} ms client CPU per request "
              f"({len(mine)} runs, fewest completed {done} of {req})")
    print(f"  ratio   {stat['vlit'][0] / stat['python'][0]:.2f}x requests per second, "
          f"{stat['python'][1] / stat['vlit'][1]:.2f}x less CPU per request "
          f"({req} requests, concurrency {conc}, n {n})")
again = [r for r in rows if r[1] == "vlit-rerun"]
if again:
    r = again[-1]
    print(f"vlit rerun answered from the store (nothing sent): "
          f"{(float(r[3]) + float(r[4])) / int(r[5]) * 1000:.3f} ms CPU per request, {float(r[2]):.2f} s")
PY
