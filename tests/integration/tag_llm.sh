#!/usr/bin/env bash
# vlit tag --method llm against tests/server/llm_server.py with scripted replies:
# 1. tags proposed (two batched requests), normalised, kept by greedy coverage,
#    merged ("object counting" joins "counting": its words are within), assigned
#    (an alias answer maps to its kept tag, an unknown answer and a sample without
#    instruction are missing with the reason);
# 2. a rerun with the same run store sends no request and writes the same file;
# 3. a failing server: every sample missing with the HTTP reason, non-zero exit;
# 4. the rule-based tagger on the same file, --list, and usage errors.
set -euo pipefail
VLIT=${1:?usage: tag_llm.sh VLIT}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
cleanup() {
  for f in "$tmp"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2> /dev/null; done
  wait 2> /dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
export VLIT_DATA_DIR=${VLIT_DATA_DIR:-$root/data}
KEY=sk-test-TAGSECRET

start_server() { # name, extra flags... (prints the base URL)
  local name=$1; shift
  python3 "$root/tests/server/llm_server.py" --port 0 --port-file "$tmp/$name.port" --log "$tmp/$name.log" \
    --replies "$tmp/replies.jsonl" --idle-exit 300 "$@" > /dev/null 2> "$tmp/$name.server.err" &
  echo $! > "$tmp/$name.pid"
  for _ in $(seq 400); do [ -s "$tmp/$name.port" ] && break; sleep 0.05; done
  echo "http://127.0.0.1:$(cat "$tmp/$name.port")/v1"
}
lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }

cat > "$tmp/replies.jsonl" <<'R'
{"match": "Tag these instructions:\n1. ALPHA", "content": "Here are the tags:\n1: Counting\n**2.** colour recognition\n3: object counting"}
{"match": "Tag these instructions:\n1. BRAVO", "content": "1. Reading text; OCR\n2. Colour recognition"}
{"match": "Choose a tag for each of these instructions:\n1. ALPHA", "content": "1: counting\n2: Colour recognition.\n3: object counting"}
{"match": "Choose a tag for each of these instructions:\n1. BRAVO", "content": "1: ocr - reads the sign\n2: dancing"}
R
python3 - "$tmp/samples.jsonl" <<'PY'
import json, sys
rows = [("s1", "<image>\nALPHA How many dogs are there?"), ("s2", "What color is the car?"),
        ("s3", "Count the birds."), ("s4", "BRAVO What is written on the sign?"),
        ("s5", "What colour is the hat?"), ("s6", None)]
with open(sys.argv[1], "w") as f:
    for i, q in rows:
        turns = ([{"role": "user", "text": q}] if q else []) + [{"role": "assistant", "text": "An answer."}]
        f.write(json.dumps({"id": i, "image": "x.jpg", "task": "generator-name", "turns": turns}) + "\n")
PY
tag() { # url store out err [flags]
  local url=$1 store=$2 out=$3 errf=$4; shift 4
  VLIT_API_KEY=$KEY "$VLIT" tag "$tmp/samples.jsonl" --method llm --llm-url "$url" --model tagger-1 \
    --store "$store" --batch 3 --min-support 1 -o "$out" "$@" 2> "$errf"
}
expect_tags() { # file
  python3 - "$1" <<'PY'
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = [(0, "s1", "counting"), (1, "s2", "colour recognition"), (2, "s3", "counting"), (3, "s4", "ocr")]
bad = []
if len(got) != 6:
    bad.append(f"{len(got)} lines")
for (p, i, t), g in zip(want, got):
    if (g.get("position"), g.get("id"), g.get("task"), g.get("method")) != (p, i, t, "llm:tagger-1"):
        bad.append(g)
if len(got) == 6:
    if "task" in got[4] or "names no kept tag" not in got[4].get("missing", "") or "dancing" not in got[4]["missing"]:
        bad.append(got[4])
    if "task" in got[5] or "no instruction" not in got[5].get("missing", ""):
        bad.append(got[5])
print(*bad, sep="\n", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# 1. proposed, kept, merged, assigned
url=$(start_server good)
if tag "$url" "$tmp/run.db" "$tmp/tags.jsonl" "$tmp/run.err"; then ok; else bad "tag failed: $(cat "$tmp/run.err")"; fi
expect_tags "$tmp/tags.jsonl" && ok || bad "labels not as scripted: $(cat "$tmp/tags.jsonl")"
[ "$(lines "$tmp/good.log")" = 4 ] && ok || bad "expected 4 requests (2 propose, 2 assign), server saw $(lines "$tmp/good.log")"
grep -q 'kept 4 covering 100.0 %' "$tmp/run.err" && ok || bad "coverage note: $(cat "$tmp/run.err")"
grep -q 'merged "object counting" into "counting"' "$tmp/run.err" && ok || bad "merge note: $(cat "$tmp/run.err")"
grep -q 'task tags: colour recognition, counting, ocr' "$tmp/run.err" && ok || bad "kept list: $(cat "$tmp/run.err")"
grep -q '3 tags kept of 5 proposed (1 merged)' "$tmp/run.err" && ok || bad "summary: $(cat "$tmp/run.err")"
# the requests batch several samples, numbered; the key never reaches store or log
python3 - "$tmp/run.db" <<'PY' && ok || bad "store: requests are not batched as expected"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
bodies = [r[0] for r in db.execute("select body from request_bodies")]
assert len(bodies) == 4, len(bodies)
assert sum("1. ALPHA How many dogs are there?\\n2. What color is the car?\\n3. Count the birds." in b for b in bodies) == 2
assert sum("1. BRAVO What is written on the sign?\\n2. What colour is the hat?\\n\"" in b for b in bodies) == 2
assert all("<image>" not in b for b in bodies)
assert sum("- colour recognition\\n- counting\\n- ocr" in b for b in bodies) == 2
PY
if grep -rqa "$KEY" "$tmp/run.db" "$tmp/good.log" "$tmp/tags.jsonl" "$tmp/run.err"; then bad "API key leaked"; else ok; fi

# 2. a rerun sends nothing, same output
cp "$tmp/tags.jsonl" "$tmp/tags.first"
if tag "$url" "$tmp/run.db" "$tmp/tags.jsonl" "$tmp/rerun.err"; then ok; else bad "rerun failed: $(cat "$tmp/rerun.err")"; fi
[ "$(lines "$tmp/good.log")" = 4 ] && ok || bad "rerun sent requests: $(lines "$tmp/good.log") in the log"
cmp -s "$tmp/tags.jsonl" "$tmp/tags.first" && ok || bad "rerun output differs"
grep -q '0 sent, 4 from the store' "$tmp/rerun.err" && ok || bad "rerun summary: $(cat "$tmp/rerun.err")"

# 3. a failing server: missing with the reason, non-zero exit
url=$(start_server broken --faults 500=1.0)
if tag "$url" "$tmp/broken.db" "$tmp/broken.jsonl" "$tmp/broken.err"; then bad "a failing server gave exit 0"; else ok; fi
grep -q 'no tags: 2 propose requests failed' "$tmp/broken.err" && ok || bad "failing server message: $(cat "$tmp/broken.err")"
python3 - "$tmp/broken.jsonl" <<'PY' && ok || bad "failing server: not every sample missing with the HTTP reason"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 6
assert all("task" not in r and "HTTP 500" in r["missing"] for r in rows[:5]), rows
PY

# 4. rules on the same file; --list; usage errors
"$VLIT" tag -q "$tmp/samples.jsonl" -o "$tmp/rules.jsonl" && ok || bad "rules tagging failed"
python3 - "$tmp/rules.jsonl" <<'PY' && ok || bad "rules labels"
import json, sys
got = [json.loads(l)["task"] for l in open(sys.argv[1])]
assert got == ["instance_counting", "instance_attributes", "instance_counting", "text_recognition",
               "instance_attributes", "other"], got
PY
"$VLIT" tag -q --shard 1/2 "$tmp/samples.jsonl" -o "$tmp/rules1.jsonl" && [ "$(lines "$tmp/rules1.jsonl")" = 3 ] &&
  head -1 "$tmp/rules1.jsonl" | grep -q '"position":1,' && ok || bad "shard 1/2"
[ "$("$VLIT" tag --list | wc -l)" -ge 12 ] && "$VLIT" tag --list | grep -q '^text_recognition ' && ok || bad "--list"
set +e
"$VLIT" tag "$tmp/samples.jsonl" --method magic -o x > /dev/null 2>&1; [ $? = 2 ] && ok || bad "bad method: not exit 2"
"$VLIT" tag "$tmp/samples.jsonl" --method llm -o "$tmp/x.jsonl" > /dev/null 2> "$tmp/nourl.err"; rc=$?
[ $rc = 2 ] && grep -q -- "--llm-url" "$tmp/nourl.err" && ok || bad "llm without url: exit $rc"
"$VLIT" tag "$tmp/samples.jsonl" --method llm --llm-url http://127.0.0.1:9/v1 --model m --shard 0/2 -o "$tmp/x.jsonl" \
  > /dev/null 2>&1; [ $? = 2 ] && ok || bad "llm with shard: not exit 2"
set -e
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
