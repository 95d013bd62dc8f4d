#!/usr/bin/env bash
# vlit score with the three backend methods (matching:embeddings,
# correctness:judge, instruction_complexity:llm) against
# tests/server/llm_server.py on a loopback port:
# 1. the judge's and the embeddings' requests carry the images as base64 data
#    URLs (the server logs each image's type and SHA-256: they are the files');
#    k = 3 votes per sample are stored; the verdict is the majority; the
#    cosine is the one the server's vectors give; a missing image is a missing
#    value with the file named;
# 2. a rerun with the same store is answered from it: same scores, no request;
# 3. against a failing server every backend value is missing with the HTTP
#    reason, never a number, and the run goes on while under the error budget;
#    with more failures the budget stops the run, and no output is written;
# 4. the API key appears nowhere: store, scores, server logs, messages.
set -euo pipefail
VLIT=${1:?usage: score_backends.sh VLIT}
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
KEY=sk-test-SECRET123
export VLIT_DATA_DIR=${VLIT_DATA_DIR:-$root/data}

start_server() { # name, extra flags... (prints the base URL)
  local name=$1; shift
  python3 "$root/tests/server/llm_server.py" --port 0 --port-file "$tmp/$name.port" --log "$tmp/$name.log" \
    --replies "$tmp/replies.jsonl" --idle-exit 300 "$@" > /dev/null 2> "$tmp/$name.server.err" &
  echo $! > "$tmp/$name.pid"
  for _ in $(seq 400); do [ -s "$tmp/$name.port" ] && break; sleep 0.05; done
  echo "http://127.0.0.1:$(cat "$tmp/$name.port")/v1"
}
sq() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$2"; }
lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }

"$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
cat > "$tmp/replies.jsonl" <<'EOF'
{"match": "MARK-A", "contents": ["yes", "No.", "**Yes**, that is right."]}
{"match": "MARK-B", "contents": ["no", "Verdict: no", "I am not sure"]}
{"match": "CX-7", "content": "Score: 7"}
{"match": "CX-3", "content": "3"}
EOF
# samples: (id, image, instruction, answer); s4's image does not exist
python3 - "$tmp" <<'PY'
import json, sys
rows = [("s1", "astronaut.png", "What is she wearing? CX-7", "An orange flight suit with a mission patch. MARK-A"),
        ("s2", "coffee.png", "What is in the cup? CX-3", "Green tea with a slice of lemon. MARK-B"),
        ("s3", "chelsea.png", "Which animal is this, and what is it doing? CX-7", "A tabby cat resting on a wooden floor. MARK-A"),
        ("s4", "nothere.png", "Is it day or night? CX-3", "It is day. MARK-A")]
def sample(i, img, q, a):
    return {"id": i, "image": img, "turns": [{"role": "user", "text": "<image>\n" + q}, {"role": "assistant", "text": a}]}
with open(f"{sys.argv[1]}/samples.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps(sample(*r)) + "\n")
# many distinct samples with images, for the error budget
with open(f"{sys.argv[1]}/many.jsonl", "w") as f:
    for k in range(10):
        for r in rows[:3]:
            f.write(json.dumps(sample(f"{r[0]}-{k}", r[1], r[2], f"{r[3]} (copy {k})")) + "\n")
PY
IND=matching:embeddings,correctness:judge,instruction_complexity:llm
score() { # url store out err [more flags...]
  local url=$1 store=$2 out=$3 err=$4; shift 4
  VLIT_API_KEY=$KEY "$VLIT" score "$tmp/samples.jsonl" --image-root "$tmp/images" --indicators "$IND" \
    --llm-url "$url" --model judge-model --embed-url "$url" --embed-model clip-test --store "$store" \
    --judge-votes 3 -o "$out" "$@" 2> "$err"
}

# 1. a working server
url=$(start_server good)
if score "$url" "$tmp/run.db" "$tmp/scores.jsonl" "$tmp/run.err"; then ok; else bad "score failed: $(cat "$tmp/run.err")"; fi
python3 - "$tmp" "$root" <<'PY' && ok || bad "scores, votes or data URLs are not as expected (above)"
import hashlib, json, sqlite3, sys
tmp, root = sys.argv[1], sys.argv[2]
sys.path.insert(0, f"{root}/tests/server")
from llm_server import embedding
problems = []
def want(cond, what):
    if not cond:
        problems.append(what)
rows = [json.loads(l) for l in open(f"{tmp}/scores.jsonl")]
want([r["id"] for r in rows] == ["s1", "s2", "s3", "s4"], "ids in input order")
for r in rows:
    for name, method in (("matching", "embeddings"), ("correctness", "judge"), ("instruction_complexity", "llm")):
        want(r["scores"].get(name, {}).get("method") == method, f"{r['id']}: {name} tagged {method}")
s = {r["id"]: r["scores"] for r in rows}
want(s["s1"]["correctness"] == {"method": "judge", "value": 1, "votes_yes": 2, "votes_no": 1, "votes_unparsed": 0},
     f"s1 verdict: {s['s1']['correctness']}")
want(s["s2"]["correctness"] == {"method": "judge", "value": 0, "votes_yes": 0, "votes_no": 2, "votes_unparsed": 1},
     f"s2 verdict: {s['s2']['correctness']}")
want(s["s3"]["correctness"].get("value") == 1, "s3 verdict")
for name in ("correctness", "matching"):
    want("nothere.png" in s["s4"][name].get("missing", "") and "value" not in s["s4"][name], f"s4 {name}: {s['s4'][name]}")
want(s["s1"]["instruction_complexity"].get("value") == 7 and s["s2"]["instruction_complexity"].get("value") == 3
     and s["s4"]["instruction_complexity"].get("value") == 3, "complexity values")
answers = {"s1": "An orange flight suit with a mission patch. MARK-A", "s2": "Green tea with a slice of lemon. MARK-B",
           "s3": "A tabby cat resting on a wooden floor. MARK-A"}
images = {"s1": "astronaut.png", "s2": "coffee.png", "s3": "chelsea.png"}
for i in answers:
    a = embedding(" ".join(answers[i].split()[:40]), 64)
    b = embedding(open(f"{tmp}/images/{images[i]}", "rb").read(), 64)
    cos = sum(x * y for x, y in zip(a, b))
    m = s[i]["matching"]
    want(abs(m.get("cosine", 9) - cos) < 1e-6 and abs(m.get("value", -1) - 100 * max(cos, 0)) < 1e-4,
         f"{i} matching {m}, want cosine {cos}")
db = sqlite3.connect(f"{tmp}/run.db")
q = lambda sql: db.execute(sql).fetchone()[0]
want(q("select count(*) from requests where variant = 'correctness:judge' and state = 2") == 9, "9 judge requests done")
want(q("select count(*) from completions c join requests r on r.key = c.request_key where r.variant = 'correctness:judge'") == 9,
     "9 votes stored")
want(q("select count(*) from request_bodies where body like '%\"seed\":0}'") == 3
     and q("select count(*) from request_bodies where body like '%\"seed\":2}'") == 3, "votes 0..2 per sample")
want(q("select count(*) from request_bodies where body like '%base64%'") == 0, "no image bytes in the store")
want(q("select count(*) from embeddings where kind = 'image'") == 3 and q("select count(*) from embeddings where kind = 'text'") == 3,
     "3 image and 3 text vectors cached")
log = [json.loads(l) for l in open(f"{tmp}/good.log")]
sha = {i: hashlib.sha256(open(f"{tmp}/images/{images[i]}", "rb").read()).hexdigest() for i in images}
chat_images = [im["sha256"] for l in log if l["path"] == "/v1/chat/completions" for im in l["images"]]
emb_images = [im["sha256"] for l in log if l["path"] == "/v1/embeddings" for im in l["images"]]
want(sorted(chat_images) == sorted([sha[i] for i in images] * 3), "each judged image sent 3 times as a data URL")
want(sorted(emb_images) == sorted(sha.values()), "each image embedded once, as a data URL")
want(all(im["type"] == "image/png" for l in log for im in l["images"]), "data URLs typed image/png")
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

# 2. a rerun: from the store, the same scores, no request
before=$(lines "$tmp/good.log")
if score "$url" "$tmp/run.db" "$tmp/again.jsonl" "$tmp/again.err" && cmp -s "$tmp/scores.jsonl" "$tmp/again.jsonl" &&
   [ "$(lines "$tmp/good.log")" = "$before" ]; then
  ok
else
  bad "rerun: scores differ or requests were sent ($before -> $(lines "$tmp/good.log") log lines): $(cat "$tmp/again.err")"
fi

# 3. a failing server: 17 failed requests (9 votes, 4 instructions, 4 embeddings) stay under the budget
url=$(start_server broken --faults 500=1.0)
if score "$url" "$tmp/broken.db" "$tmp/broken.jsonl" "$tmp/broken.err"; then ok; else bad "failing server, under the budget: $(cat "$tmp/broken.err")"; fi
python3 - "$tmp/broken.jsonl" <<'PY' && ok || bad "failing server: a backend value is not missing with the HTTP reason"
import json, sys
bad = []
for l in open(sys.argv[1]):
    r = json.loads(l)
    for name in ("matching", "correctness", "instruction_complexity"):
        v = r["scores"][name]
        if "value" in v or "missing" not in v:
            bad.append((r["id"], name, v))
        elif r["id"] != "s4" or name == "instruction_complexity":
            if "HTTP 500 after 5 attempts" not in v["missing"]:
                bad.append((r["id"], name, v))
print(*bad, sep="\n", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
[ "$(sq "$tmp/broken.db" "select count(*) from requests where state = 3")" = 13 ] && ok ||
  bad "failing server: $(sq "$tmp/broken.db" "select count(*) from requests where state = 3") failed requests journaled, want 13"
# 90 judge requests: the budget (20 failures and more than 10 %) stops the run
set +e
VLIT_API_KEY=$KEY "$VLIT" score "$tmp/many.jsonl" --image-root "$tmp/images" --indicators correctness:judge \
  --llm-url "$url" --model judge-model --store "$tmp/budget.db" -o "$tmp/budget.jsonl" 2> "$tmp/budget.err"
rc=$?
set -e
failed=$(sq "$tmp/budget.db" "select count(*) from requests where state = 3")
if [ $rc = 1 ] && grep -q "over the error budget (last: .*HTTP 500 after 5 attempts" "$tmp/budget.err" &&
   [ "$failed" -ge 20 ] && [ "$failed" -le 36 ] && [ ! -e "$tmp/budget.jsonl" ]; then
  ok
else
  bad "budget: rc=$rc, $failed failed requests: $(cat "$tmp/budget.err")"
fi

# 4. the key appears nowhere
if ! grep -rqa "$KEY" "$tmp"/*.db "$tmp"/*.jsonl "$tmp"/*.err "$tmp"/*.log 2> /dev/null; then ok; else bad "the API key was written"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
