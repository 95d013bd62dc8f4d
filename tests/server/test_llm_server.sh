#!/usr/bin/env bash
# Tests of the OpenAI-compatible test server (llm_server.py): every endpoint,
# scripted replies, n distinct choices, each fault mode at probability 1,
# --fail-first, seeded fault sequences, /stats, the log (and that the API key
# never reaches it), keep-alive, hundreds of concurrent connections, loopback
# only, and the three ways the server stops (SIGTERM, --idle-exit, --max-requests).
#
# HTTP is done by one python3 helper (urllib / http.client, standard library only)
# running as a coprocess, so the test needs nothing beyond python3 and bash.
# Prints "N passed, N failed"; exit status 0 only if nothing failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
SERVER="$here/llm_server.py"
PY=${PYTHON:-python3}
KEY=sk-test-SECRET123
tmp=$(mktemp -d)
pids=()
pass=0 fail=0

# Stops every process this script started and waits for it, so nothing outlives
# the test; a server that ignores SIGTERM for 10 s is killed.
cleanup() {
  local pid i
  for pid in "${pids[@]}" ${CLIENT_PID:-}; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${pids[@]}" ${CLIENT_PID:-}; do
    for i in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# The helper reads one request per line: PORT, METHOD, PATH, BODY and a python
# expression, separated by \x1f. It makes the request (with the fake key as a
# Bearer token), evaluates the expression over the result and answers "ok" or a
# reason. METHOD "-" makes no request, for expressions that do their own I/O.
cat > "$tmp/client.py" <<'PYEOF'
import hashlib, http.client, json, sys, threading, time, urllib.error, urllib.request

KEY = "sk-test-SECRET123"
HEADERS = {"Authorization": "Bearer " + KEY, "Content-Type": "application/json"}


def request(port, method, path, body):
    data = body.encode() if method in ("POST", "PUT", "PATCH") else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                 method=method, headers=HEADERS)
    r = {"status": None, "headers": {}, "body": "", "error": None}
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            r["status"], raw, hdrs = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as e:
        r["status"], raw, hdrs = e.code, e.read(), e.headers
    except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
        r["error"], raw, hdrs = f"{type(e).__name__}: {e}", b"", {}
    r["elapsed"] = time.monotonic() - start
    r["headers"] = {k.lower(): v for k, v in hdrs.items()}
    r["body"] = raw.decode("utf-8", "replace")
    try:
        r["j"] = json.loads(raw)
    except ValueError:
        r["j"] = None
    try:
        r["contents"] = [c["message"]["content"] for c in r["j"]["choices"]]
    except (TypeError, KeyError):
        r["contents"] = None
    return r


def keepalive(port):
    """Two requests on one connection, and the connection is the same socket both times."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/health", headers=HEADERS)
    first = conn.getresponse()
    first.read()
    sock = conn.sock
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "again"}]})
    conn.request("POST", "/v1/chat/completions", body=body, headers=HEADERS)
    second = conn.getresponse()
    json.loads(second.read())
    same = sock is not None and conn.sock is sock
    conn.close()
    return first.status == 200 and second.status == 200 and same


def concurrent(port, count):
    """Opens COUNT connections, and only once all are open sends a chat request on each."""
    barrier = threading.Barrier(count, timeout=120)
    good = []
    lock = threading.Lock()

    def one(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.connect()
            barrier.wait()
            body = json.dumps({"model": "m", "messages": [{"role": "user", "content": f"load {i}"}]})
            conn.request("POST", "/v1/chat/completions", body=body, headers=HEADERS)
            resp = conn.getresponse()
            if resp.status == 200 and len(json.loads(resp.read())["choices"]) == 1:
                with lock:
                    good.append(i)
        except Exception:
            pass
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(good)


def listening(port):
    """Local addresses (hex, as in /proc/net/tcp*) of sockets listening on PORT."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    addr, hexport = fields[1].rsplit(":", 1)
                    if int(hexport, 16) == port and fields[3] == "0A":
                        found.append(addr)
        except OSError:
            pass
    return found


def log_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def norm(v):
    return sum(x * x for x in v) ** 0.5


prev = None
for line in iter(sys.stdin.readline, ""):
    port, method, path, body, expr = line.rstrip("\n").split("\x1f")
    try:
        r = request(int(port), method, path, body) if method != "-" else {}
        env = dict(r, prev=prev, keepalive=keepalive, concurrent=concurrent, listening=listening,
                   log_lines=log_lines, norm=norm, sha256=lambda s: hashlib.sha256(s.encode()).hexdigest(),
                   port=int(port))
        if eval(expr, env):
            answer = "ok"
        else:
            answer = f"false: {expr} (status {r.get('status')}, error {r.get('error')}, body {r.get('body', '')[:300]!r})"
        if method != "-":
            prev = r
    except Exception as e:
        answer = f"{type(e).__name__}: {e} in {expr}"
    print(answer.replace("\n", "\\n"), flush=True)
PYEOF

coproc CLIENT { exec "$PY" -u "$tmp/client.py"; }
CLIENT_PID=$!

# check NAME METHOD PATH BODY EXPR: one request against $PORT, judged by EXPR.
check() {
  local name=$1 reply
  printf '%s\x1f%s\x1f%s\x1f%s\x1f%s\n' "$PORT" "$2" "$3" "$4" "$5" >&"${CLIENT[1]}"
  if ! IFS= read -r -t 300 reply <&"${CLIENT[0]}"; then
    reply="no answer from the client helper"
  fi
  if [ "$reply" = ok ]; then ok; else bad "$name: $reply"; fi
}

# start_server NAME ARGS...: starts a server and sets PORT and PID. Start-up can be
# slow on a loaded machine, hence the long wait for the port file.
start_server() {
  local name=$1 i
  shift
  "$PY" "$SERVER" --port 0 --port-file "$tmp/$name.port" --log "$tmp/$name.log" "$@" \
    2> "$tmp/$name.err" &
  PID=$!
  pids+=("$PID")
  for i in $(seq 600); do
    [ -s "$tmp/$name.port" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  PORT=$(cat "$tmp/$name.port" 2>/dev/null)
  if [[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -gt 0 ]; then
    ok
  else
    bad "$name: server did not start: $(cat "$tmp/$name.err")"
    PORT=1
  fi
}

# wait_exit PID SECONDS: the server's exit status, or 124 if it is still running.
wait_exit() {
  local i
  for i in $(seq $(($2 * 10))); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$1" 2>/dev/null && return 124
  wait "$1"
}

chat() { # chat TEXT [N]: a one-message chat request body
  printf '{"model":"vlit-test","messages":[{"role":"system","content":"Write a conversation."},{"role":"user","content":"%s"}],"n":%s}' "$1" "${2:-1}"
}
CHAT=/v1/chat/completions
EMB=/v1/embeddings

# --- the main server: endpoints, replies, embeddings, stats, log ------------------
cat > "$tmp/replies.jsonl" <<'EOF'
{"match": "cat", "content": "User: Is there a cat?\nAI: Yes, on the sofa."}

{"match": "colors", "contents": ["User: Colors?\nAI: Red.", "User: Colors?\nAI: Blue."]}
{"match": "judge VOTES", "contents": ["yes", "no", "unsure"]}
EOF
start_server main --replies "$tmp/replies.jsonl"
check "listens on 127.0.0.1 only" - - - 'listening(port) == ["0100007F"]'
check "health" GET /health '' 'status == 200 and j == {"status": "ok"}'
check "models" GET /v1/models '' 'status == 200 and j["object"] == "list" and [m["id"] for m in j["data"]] == ["vlit-test-model"]'
check "unknown path is 404 with an OpenAI error" GET /v1/nothing '' 'status == 404 and j["error"]["type"] == "invalid_request_error" and "message" in j["error"]'
check "wrong method is 405" GET $CHAT '' 'status == 405 and headers["allow"] == "POST" and "error" in j'
check "invalid JSON is 400" POST $CHAT '{"model":' 'status == 400 and "error" in j'
check "no messages is 400" POST $CHAT '{"model":"m","messages":[]}' 'status == 400 and "error" in j'
check "n=0 is 400" POST $CHAT "$(chat hi 0)" 'status == 400'

body=$(chat "Describe the picture." 1)
check "default reply is a conversation" POST $CHAT "$body" \
  'status == 200 and j["object"] == "chat.completion" and j["model"] == "vlit-test" and len(j["choices"]) == 1 and j["choices"][0]["index"] == 0 and j["choices"][0]["message"]["role"] == "assistant" and j["choices"][0]["finish_reason"] == "stop" and contents[0].startswith("User: ") and "\nAI: " in contents[0] and isinstance(j["id"], str) and isinstance(j["created"], int)'
check "usage counts whitespace words" POST $CHAT "$body" \
  'j["usage"] == {"prompt_tokens": 6, "completion_tokens": len(contents[0].split()), "total_tokens": 6 + len(contents[0].split())}'
check "the same request gives the same text" POST $CHAT "$body" 'contents == prev["contents"]'
check "n=5 gives 5 distinct conversations" POST $CHAT "$(chat "Describe the picture." 5)" \
  'status == 200 and [c["index"] for c in j["choices"]] == [0, 1, 2, 3, 4] and len(set(contents)) == 5 and all(c.startswith("User: ") for c in contents) and contents[0] == prev["contents"][0]'
check "a different request gives a different text" POST $CHAT "$(chat "Something else." 1)" 'status == 200 and contents[0] != prev["contents"][0]'

check "scripted reply by substring" POST $CHAT "$(chat "is there a cat here" 2)" \
  'status == 200 and contents == ["User: Is there a cat?\nAI: Yes, on the sofa."] * 2'
check "scripted contents cycle over choices; text parts of a list are matched" POST $CHAT \
  '{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},{"type":"text","text":"name the colors"}]}],"n":3}' \
  'status == 200 and contents == ["User: Colors?\nAI: Red.", "User: Colors?\nAI: Blue.", "User: Colors?\nAI: Red."]'
check "only the last user message is matched" POST $CHAT \
  '{"model":"m","messages":[{"role":"user","content":"a cat"},{"role":"assistant","content":"ok"},{"role":"user","content":"a dog"}]}' \
  'status == 200 and contents[0] != "User: Is there a cat?\nAI: Yes, on the sofa." and contents[0].startswith("User: ")'
check "the last user message counts even when an assistant turn follows" POST $CHAT \
  '{"model":"m","messages":[{"role":"user","content":"a cat"},{"role":"assistant","content":"a dog"}]}' \
  'contents == ["User: Is there a cat?\nAI: Yes, on the sofa."]'

check "embedding of a string" POST $EMB '{"model":"e","input":"a red car"}' \
  'status == 200 and j["object"] == "list" and j["model"] == "e" and len(j["data"]) == 1 and j["data"][0]["object"] == "embedding" and j["data"][0]["index"] == 0 and len(j["data"][0]["embedding"]) == 64 and abs(norm(j["data"][0]["embedding"]) - 1) < 1e-9 and j["usage"] == {"prompt_tokens": 3, "total_tokens": 3}'
check "embeddings are deterministic per input" POST $EMB '{"model":"e","input":["a red car","a blue car","a red car"]}' \
  'status == 200 and [d["index"] for d in j["data"]] == [0, 1, 2] and j["data"][0]["embedding"] == j["data"][2]["embedding"] == prev["j"]["data"][0]["embedding"] and j["data"][0]["embedding"] != j["data"][1]["embedding"]'
check "embedding input must be text" POST $EMB '{"model":"e","input":[1,2]}' 'status == 400'

check "keep-alive: two requests on one connection" - - - 'keepalive(port)'
check "300 concurrent connections all answered" - - - 'concurrent(port, 300) == 300'

body=$(chat "hash me" 1)
check "a request to find in the log" POST $CHAT "$body" 'status == 200'
check "stats agree with the log" GET /stats '' \
  "status == 200 and j['requests'] == len(log_lines('$tmp/main.log')) and j['completions_sent'] == sum(l['n'] for l in log_lines('$tmp/main.log') if l['path'] == '$CHAT' and l['status'] == 200) and j['by_fault']['none'] == sum(1 for l in log_lines('$tmp/main.log') if l['fault'] == 'none')"
check "stats count what was sent" GET /stats '' \
  'j["completions_sent"] == 318 and j["embeddings_sent"] == 4 and j["by_status"]["404"] == 1 and j["by_status"]["405"] == 1'
check "log lines have exactly the documented fields" - - - \
  "all(set(l) == {'seq', 'time', 'path', 'fault', 'n', 'status', 'request_sha256', 'images'} for l in log_lines('$tmp/main.log')) and sorted(l['seq'] for l in log_lines('$tmp/main.log')) == list(range(1, len(log_lines('$tmp/main.log')) + 1))"
sum=$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)
if grep -q "\"request_sha256\":\"$sum\"" "$tmp/main.log"; then ok; else bad "log: no line with the sha256 of the request body"; fi

# --- images: data URLs in chat and embedding requests, logged by type and sha256 ---
# "YSByZWQgY2Fy" is base64 of the bytes "a red car": that image embeds like the text
RED=YSByZWQgY2Fy
red_sha=$(printf 'a red car' | sha256sum | cut -d' ' -f1)
check "a chat image is logged with its type and sha256" POST $CHAT \
  "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,$RED\"}},{\"type\":\"text\",\"text\":\"log my image\"}]}]}" \
  "status == 200 and log_lines('$tmp/main.log')[-1]['images'] == [{'type': 'image/jpeg', 'sha256': '$red_sha'}]"
check "requests without images log none" POST $CHAT "$(chat "no image" 1)" "log_lines('$tmp/main.log')[-1]['images'] == []"
check "a malformed data URL in a chat request is 400" POST $CHAT \
  '{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,@@@"}}]}]}' \
  'status == 400 and "base64" in j["error"]["message"]'
check "a data URL without a media type is 400" POST $CHAT \
  '{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:;base64,AAAA"}}]}]}' 'status == 400'
check "an http image URL is accepted and not fetched" POST $CHAT \
  '{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://127.0.0.1:9/x.jpg"}}]}]}' \
  "status == 200 and log_lines('$tmp/main.log')[-1]['images'] == []"
for seed in 0 1 2 3; do
  want=$(( seed % 3 ))
  check "scripted contents start at the request's seed ($seed)" POST $CHAT \
    "{\"model\":\"m\",\"seed\":$seed,\"messages\":[{\"role\":\"user\",\"content\":\"judge VOTES\"}]}" \
    "contents == [['yes', 'no', 'unsure'][$want]]"
done
check "seed and n together: choice i gets (seed + i)" POST $CHAT \
  '{"model":"m","seed":2,"n":2,"messages":[{"role":"user","content":"judge VOTES"}]}' 'contents == ["unsure", "yes"]'
check "image input with modality image embeds the decoded bytes" POST $EMB \
  "{\"model\":\"e\",\"modality\":\"image\",\"input\":[\"data:image/png;base64,$RED\",\"data:image/png;base64,AAAA\"]}" \
  "status == 200 and len(j['data']) == 2 and j['data'][0]['embedding'] != j['data'][1]['embedding'] and j['usage']['prompt_tokens'] == 0 and log_lines('$tmp/main.log')[-1]['images'] == [{'type': 'image/png', 'sha256': '$red_sha'}, {'type': 'image/png', 'sha256': sha256('\\0\\0\\0')}]"
check "the text of the same bytes" POST $EMB '{"model":"e","input":"a red car"}' \
  "status == 200 and j['data'][0]['embedding'] == prev['j']['data'][0]['embedding']"
check "messages form: one image" POST $EMB \
  "{\"model\":\"e\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,$RED\"}}]}]}" \
  "status == 200 and len(j['data']) == 1 and j['data'][0]['embedding'] == prev['j']['data'][0]['embedding'] and log_lines('$tmp/main.log')[-1]['n'] == 1"
check "messages form: one text" POST $EMB '{"model":"e","messages":[{"role":"user","content":[{"type":"text","text":"a red car"}]}]}' \
  "status == 200 and j['data'][0]['embedding'] == prev['j']['data'][0]['embedding']"
check "messages form: image and text together is 400" POST $EMB \
  "{\"model\":\"e\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,$RED\"}},{\"type\":\"text\",\"text\":\"x\"}]}]}" 'status == 400'
check "modality image needs data URLs" POST $EMB '{"model":"e","modality":"image","input":["a red car"]}' 'status == 400'
check "unknown modality is 400" POST $EMB '{"model":"e","modality":"audio","input":["x"]}' 'status == 400'
check "input and messages together is 400" POST $EMB '{"model":"e","input":"x","messages":[{"role":"user","content":"x"}]}' 'status == 400'

# Stopping on SIGTERM, promptly and cleanly.
kill -TERM "$PID"
wait_exit "$PID" 20
rc=$?
if [ "$rc" = 0 ]; then ok; else bad "SIGTERM: exit status $rc, want 0"; fi

# --- each fault at probability 1 --------------------------------------------------
start_server f429 --faults 429=1.0 --retry-after 3
check "429 with Retry-After and an OpenAI error" POST $CHAT "$(chat hi)" \
  'status == 429 and headers["retry-after"] == "3" and j["error"]["type"] == "rate_limit_error"'
check "429 on embeddings too" POST $EMB '{"model":"e","input":"x"}' 'status == 429'
check "429 stats" GET /stats '' 'j["requests"] == 3 and j["by_fault"]["429"] == 2 and j["completions_sent"] == 0'

start_server f500 --faults 500=1
check "500 with an OpenAI error" POST $CHAT "$(chat hi)" 'status == 500 and j["error"]["type"] == "server_error"'

start_server fdelay --faults delay=1 --delay-seconds 0.5
check "delay answers normally, late" POST $CHAT "$(chat hi)" 'status == 200 and elapsed >= 0.5 and contents[0].startswith("User: ")'

start_server fdrop --faults drop=1
check "drop: connection error, no response" POST $CHAT "$(chat hi)" 'status is None and error is not None'
check "drop stats" GET /stats '' 'j["by_fault"]["drop"] == 1 and j["by_status"]["dropped"] == 1'

start_server fmal --faults malformed=1.0
check "malformed: 200 with a body that is not JSON" POST $CHAT "$(chat hi)" 'status == 200 and j is None and body.startswith("{")'
check "malformed embeddings" POST $EMB '{"model":"e","input":"x"}' 'status == 200 and j is None'
check "malformed answers are not counted as sent" GET /stats '' 'j["by_fault"]["malformed"] == 2 and j["completions_sent"] == 0'

start_server fnot --faults notconv=1
check "notconv: valid JSON, prose instead of a conversation" POST $CHAT "$(chat hi 2)" \
  'status == 200 and len(contents) == 2 and all("User:" not in c and "AI:" not in c for c in contents)'
check "notconv ignores scripted rules too" POST $CHAT "$(chat "a cat" 3)" 'status == 200 and all("User:" not in c for c in contents)'
check "notconv stats" GET /stats '' 'j["requests"] == 3 and j["by_fault"]["notconv"] == 2 and j["completions_sent"] == 5'

# --- --fail-first with --max-requests: 500, 500, 200, then the server stops ------
start_server failfirst --fail-first 2 --max-requests 3
check "fail-first 1" POST $CHAT "$(chat hi)" 'status == 500'
check "fail-first 2" POST $EMB '{"model":"e","input":"x"}' 'status == 500'
check "after fail-first" POST $CHAT "$(chat hi)" 'status == 200'
wait_exit "$PID" 20
rc=$?
if [ "$rc" = 0 ]; then ok; else bad "--max-requests 3: exit status $rc, want 0"; fi
if [ "$(grep -c '"fault":"fail-first"' "$tmp/failfirst.log")" = 2 ]; then ok; else bad "fail-first: log does not show 2 fail-first requests"; fi

# --- the same seed gives the same fault sequence ----------------------------------
for run in seed1 seed2; do
  start_server $run --faults 429=0.3,500=0.3,malformed=0.2 --seed 7
  for i in $(seq 12); do
    check "seeded request $i" POST $CHAT "$(chat "q $i")" 'status in (200, 429, 500)'
  done
  kill -TERM "$PID"
  wait_exit "$PID" 20 >/dev/null
done
faults() { grep -o '"fault":"[^"]*"' "$1" | tr '\n' ' '; }
if [ "$(faults "$tmp/seed1.log")" = "$(faults "$tmp/seed2.log")" ] && [ "$(faults "$tmp/seed1.log" | tr ' ' '\n' | sort -u | wc -l)" -gt 2 ]; then
  ok
else
  bad "seed 7 gave different or trivial fault sequences: $(faults "$tmp/seed1.log") / $(faults "$tmp/seed2.log")"
fi

# --- --idle-exit ---------------------------------------------------------------------
start_server idle --idle-exit 1
wait_exit "$PID" 30
rc=$?
if [ "$rc" = 0 ]; then ok; else bad "--idle-exit 1: exit status $rc, want 0"; fi

# --- bad arguments are refused ------------------------------------------------------
printf '{"match": "x"}\n' > "$tmp/bad_replies.jsonl"
for args in "--faults bogus=1" "--faults drop=0.7,500=0.7" "--replies $tmp/bad_replies.jsonl"; do
  # shellcheck disable=SC2086  # the arguments are split on purpose
  "$PY" "$SERVER" --port 0 $args 2> "$tmp/badarg.err" &
  bpid=$!
  pids+=("$bpid")
  wait_exit "$bpid" 60
  rc=$?
  if [ "$rc" = 2 ] && grep -q . "$tmp/badarg.err"; then ok; else bad "'$args': exit status $rc, want 2 and a message"; fi
done

# --- the API key was sent with every request and must appear nowhere ----------------
if grep -rqF "$KEY" "$tmp"/*.log "$tmp"/*.err; then
  bad "the API key appears in a log or on the server's stderr"
else
  ok
fi
leftover=$(find "$tmp" -name '*.port.tmp*')
if [ -n "$leftover" ]; then bad "a temporary port file was left behind: $leftover"; else ok; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
