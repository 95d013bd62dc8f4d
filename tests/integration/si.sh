#!/usr/bin/env bash
# generate --mode si against tests/server/llm_server.py on a loopback port:
# 1. with every fault mode at 10 %, the run ends with each request completed or
#    failed after its retries, and the store holds every completion the server sent;
# 2. killed with SIGKILL at 10 random moments and resumed each time, the run
#    ends with the same completions as an uninterrupted run, none twice, and no
#    more requests sent than those finished plus those in flight at each kill;
# 3. the API key appears nowhere: not in the store, the output, the messages;
# 4. the error budget: against a server that always fails, the run stops after
#    21 failures (--max-failed 20), or at 20 failures making more than 10 %, and
#    says so; a rerun against a working server resumes and finishes.
set -euo pipefail
VLIT=${1:?usage: si.sh VLIT}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
cleanup() {
  for f in "$tmp"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2> /dev/null; done
  wait 2> /dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
KEY=sk-test-SECRET123

start_server() { # name, extra flags... (prints the URL; the server's output goes elsewhere,
                  # or the command substitution would wait for the server to end)
  local name=$1; shift
  python3 "$root/tests/server/llm_server.py" --port 0 --port-file "$tmp/$name.port" --idle-exit 300 "$@" \
    > /dev/null 2>&1 &
  echo $! > "$tmp/$name.pid"
  for _ in $(seq 200); do [ -s "$tmp/$name.port" ] && break; sleep 0.05; done
  echo "http://127.0.0.1:$(cat "$tmp/$name.port")/v1"
}
stats() { python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))[sys.argv[2]])' "${1%/v1}" "$2"; }
sq() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$2"; }
completions() { python3 -c '
import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute("select request_key, idx, content from completions order by 1, 2"):
    print(repr(row))' "$1"; }

# clue records: the demo's, repeated under new ids so that a run lasts a while
"$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
A=$root/data/demo/annotations
"$VLIT" collect -q --coco-captions "$A/captions_demo.json" --coco-instances "$A/instances_demo.json" \
  --vqa-questions "$A/vqa_questions_demo.json" --vqa-annotations "$A/vqa_annotations_demo.json" -o "$tmp/demo.jsonl"
python3 - "$tmp/demo.jsonl" "$tmp" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for name, copies in (("clues", 8), ("long", 16)):
    with open(f"{sys.argv[2]}/{name}.jsonl", "w") as f:
        for k in range(copies):
            for r in recs:
                f.write(json.dumps(dict(r, id=f"{r['id']}-{k}")) + "\n")
PY
GEN=(generate --mode si "$tmp/clues.jsonl" --model test --variants conversation,region --n 3 --concurrency 4
     --max-attempts 8 --timeout 10)
LONG=(generate --mode si "$tmp/long.jsonl" --model test --variants conversation,region --n 3 --concurrency 4
      --max-attempts 8 --timeout 10)

# 1. faults
url=$(start_server faults --faults "429=0.1,500=0.1,delay=0.1,drop=0.1,malformed=0.1,notconv=0.1" --delay-seconds 0.3 \
      --retry-after 1 --seed 3)
set +e
VLIT_API_KEY=$KEY "$VLIT" "${GEN[@]}" --llm-url "$url" --store "$tmp/faults.db" -o "$tmp/faults.jsonl" 2> "$tmp/faults.err"
rc=$?
set -e
requests=$(sq "$tmp/faults.db" "select count(*) from requests")
ended=$(sq "$tmp/faults.db" "select count(*) from requests where state in (2, 3)")
stored=$(sq "$tmp/faults.db" "select count(*) from completions")
sent=$(stats "$url" completions_sent)
if [ "$requests" -gt 0 ] && [ "$ended" = "$requests" ] && [ "$stored" = "$sent" ]; then
  pass=$((pass + 1))
else
  bad "faults: rc=$rc, $ended of $requests requests ended, store has $stored completions, server sent $sent"
fi
grep -q "requests for 80 records" "$tmp/faults.err" && pass=$((pass + 1)) || bad "faults: no summary: $(cat "$tmp/faults.err")"

# 2. kill -9 at random moments, resume, compare with an uninterrupted run
# every answer takes 0.1 s, so a whole run takes about 7 s and each kill comes
# while there is work left; after each kill, every request the server got
# must be in the store (journaled before it was sent)
url=$(start_server clean --faults delay=1.0 --delay-seconds 0.1)
VLIT_API_KEY=$KEY "$VLIT" "${LONG[@]}" --llm-url "$url" --store "$tmp/whole.db" -o "$tmp/whole.jsonl" -q
total=$(sq "$tmp/whole.db" "select count(*) from requests")
url=$(start_server killed --faults delay=1.0 --delay-seconds 0.1 --log "$tmp/killed.log")
kills=0 unjournaled=0
# the moments, drawn before the loop: a Python start-up between the start of
# the run and the kill would add its own (load-dependent) time
moments=($(python3 -c "import random; random.seed(1); print(*(round(random.uniform(0.1, 0.6), 3) for _ in range(10)))"))
for i in $(seq 10); do
  VLIT_API_KEY=$KEY "$VLIT" "${LONG[@]}" --llm-url "$url" --store "$tmp/killed.db" -o "$tmp/killed.jsonl" -q &
  gen=$!
  sleep "${moments[$((i - 1))]}"
  if kill -9 "$gen" 2> /dev/null; then kills=$((kills + 1)); fi
  wait "$gen" 2> /dev/null || true
  n=$(python3 - "$tmp/killed.log" "$tmp/killed.db" <<'PY'
import json, sqlite3, sys
sent = set()
for line in open(sys.argv[1]):
    rec = json.loads(line)
    if rec["path"] == "/v1/chat/completions":
        sent.add(rec["request_sha256"])
db = sqlite3.connect(sys.argv[2])
# killed before its first commit, the store may have no tables yet
has = db.execute("select count(*) from sqlite_master where name = 'requests'").fetchone()[0]
stored = {k for (k,) in db.execute("select key from requests")} if has else set()
db.close()
print(len(sent - stored))
PY
)
  unjournaled=$((unjournaled + n))
done
VLIT_API_KEY=$KEY "$VLIT" "${LONG[@]}" --llm-url "$url" --store "$tmp/killed.db" -o "$tmp/killed.jsonl" -q
[ "$kills" = 10 ] && pass=$((pass + 1)) || bad "only $kills of 10 kills found the run still going"
[ "$unjournaled" = 0 ] && pass=$((pass + 1)) || bad "killed runs: the server got $unjournaled requests that were not in the store"
if [ "$(completions "$tmp/whole.db")" = "$(completions "$tmp/killed.db")" ] && cmp -s "$tmp/whole.jsonl" "$tmp/killed.jsonl"; then
  pass=$((pass + 1))
else
  bad "killed runs: completions or samples differ from the uninterrupted run"
fi
dups=$(python3 -c 'import json,sys,collections; c=collections.Counter(json.loads(l)["id"] for l in open(sys.argv[1])); print(sum(v > 1 for v in c.values()))' "$tmp/killed.jsonl")
[ "$dups" = 0 ] && pass=$((pass + 1)) || bad "killed runs: $dups duplicate sample ids"
# chat requests only: the /stats call that asks is a request too
received=$(python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))["by_path"].get("/v1/chat/completions", 0))' "${url%/v1}")
# each kill may lose the requests in flight (4) and those answered but not yet stored
if [ "$received" -le $((total + kills * 4)) ]; then pass=$((pass + 1)); else
  bad "killed runs: server received $received requests for $total (with $kills kills at concurrency 4)"; fi
echo "si: $kills kills, $total requests, server received $received" >&2

# 4. the error budget
url=$(start_server broken --faults 500=1.0)
for budget in 20 default; do
  flag=(--max-failed 20); [ $budget = default ] && flag=()
  set +e
  VLIT_API_KEY=$KEY "$VLIT" "${GEN[@]}" --max-attempts 1 --concurrency 2 "${flag[@]}" --llm-url "$url" \
    --store "$tmp/budget-$budget.db" -o "$tmp/budget.jsonl" 2> "$tmp/budget-$budget.err"
  rc=$?
  set -e
  failed=$(sq "$tmp/budget-$budget.db" "select count(*) from requests where state = 3")
  want=21; [ $budget = default ] && want=20
  # the requests in flight when the budget is spent (2) also end, failed
  if [ $rc = 1 ] && grep -q "over the error budget (last: HTTP 500" "$tmp/budget-$budget.err" &&
     [ "$failed" -ge $want ] && [ "$failed" -le $((want + 2)) ] && [ ! -e "$tmp/budget.jsonl" ]; then
    pass=$((pass + 1))
  else
    bad "budget $budget: rc=$rc, $failed failed requests (want $want..$((want + 2))): $(cat "$tmp/budget-$budget.err")"
  fi
done
url=$(start_server mended)
VLIT_API_KEY=$KEY "$VLIT" "${GEN[@]}" --llm-url "$url" --store "$tmp/budget-20.db" -o "$tmp/budget.jsonl" -q &&
  [ "$(sq "$tmp/budget-20.db" "select count(*) from requests where state <> 2")" = 0 ] && pass=$((pass + 1)) ||
  bad "budget: the rerun against a working server did not finish every request"

# 3. the key appears nowhere
if ! grep -rqa "$KEY" "$tmp"/*.db "$tmp"/*.jsonl "$tmp"/*.err 2> /dev/null; then pass=$((pass + 1)); else bad "the API key was written"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
