#!/usr/bin/env bash
# vlit embed text|image, read back by vlit cluster dbscan:
# 1. TF-IDF: one row per sample, unit rows (zero for a sample without words);
#    three shard partials merged give the same .npy byte for byte; a damaged
#    partial is refused naming the file;
# 2. images (demo images): one row per distinct image, --paths names them, a
#    missing image gets no row and is named on stderr; shards merge identical;
#    full-size JPEGs of ../shared/data/coco-mini (when present) go through the
#    reduced decode;
# 3. the server method against tests/server/llm_server.py: texts batched as
#    "input" arrays, images as data URLs of the files (the server logs their
#    SHA-256); vectors cached in the run store, so a rerun sends nothing and
#    gives the same bytes; a failing server fails the command with the HTTP
#    reason and writes no vectors.
set -euo pipefail
VLIT=${1:?usage: embed.sh VLIT}
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
check() { if eval "$1"; then ok; else bad "$2"; fi; }
PY=/usr/bin/python3
npy_info() { # rows cols min-norm max-norm zero-rows
  $PY - "$1" <<'PY'
import struct, sys, ast, math
d = open(sys.argv[1], "rb").read()
hl = struct.unpack("<H", d[8:10])[0]
h = ast.literal_eval(d[10:10 + hl].decode())
r, c = h["shape"]
v = struct.unpack("<%df" % (r * c), d[10 + hl:])
norms = [math.sqrt(sum(x * x for x in v[i * c:(i + 1) * c])) for i in range(r)]
nz = [n for n in norms if n > 0]
print(r, c, "%.5f" % min(nz), "%.5f" % max(nz), sum(1 for n in norms if n == 0))
PY
}

# ---- 1. text -----------------------------------------------------------------------
$PY - "$tmp" <<'PY'
import json, sys
words = "dog cat beach bus red city street table cup tea kite sky grass snow ball".split()
with open(f"{sys.argv[1]}/s.jsonl", "w") as f:
    for i in range(60):
        a = " ".join(words[(i * k) % len(words)] for k in range(1, 6 + i % 4))
        if i == 7:
            a = "... !!!"  # no words
        f.write(json.dumps({"id": f"s{i}", "image": f"img{i % 9}.jpg",
                            "turns": [{"role": "user", "text": f"<image>\nWhat is in picture {i}?"},
                                      {"role": "assistant", "text": a if i == 7 else f"A {a}."}]}) + "\n")
PY
head -n 20 "$tmp/s.jsonl" > "$tmp/a.jsonl"
sed -n 21,21p "$tmp/s.jsonl" > "$tmp/b.jsonl"
tail -n +22 "$tmp/s.jsonl" > "$tmp/c.jsonl"
"$VLIT" embed text "$tmp/s.jsonl" --dim 64 -o "$tmp/t.npy" 2> "$tmp/t.err"
read -r rows cols lo hi zero <<< "$(npy_info "$tmp/t.npy")"
check '[ "$rows" = 60 ] && [ "$cols" = 64 ] && [ "$zero" = 1 ]' "text: $rows x $cols, $zero zero rows"
check '[ "$lo" = 1.00000 ] && [ "$hi" = 1.00000 ]' "text rows not unit: $lo $hi"
labels=$("$VLIT" cluster dbscan --eps 0.3 --min-samples 2 "$tmp/t.npy" | wc -l)
check '[ "$labels" = 60 ]' "dbscan read $labels rows"
for s in a b c; do "$VLIT" embed text -q "$tmp/$s.jsonl" --partial -o "$tmp/$s.part"; done
"$VLIT" embed text -q --merge "$tmp/a.part" "$tmp/b.part" "$tmp/c.part" --dim 64 -o "$tmp/m.npy"
check 'cmp -s "$tmp/t.npy" "$tmp/m.npy"' "text: merged shards differ from the whole"
"$VLIT" embed text -q "$tmp/s.jsonl" --field instructions --dim 64 -o "$tmp/ti.npy"
check '! cmp -s "$tmp/t.npy" "$tmp/ti.npy"' "--field instructions gives the responses' vectors"
head -c 50 "$tmp/a.part" > "$tmp/cut.part"
if "$VLIT" embed text --merge "$tmp/cut.part" -o "$tmp/x.npy" 2> "$tmp/cut.err"; then bad "a cut partial was merged"; else ok; fi
check 'grep -q "cut.part" "$tmp/cut.err" && [ ! -e "$tmp/x.npy" ]' "cut partial: $(cat "$tmp/cut.err")"
if "$VLIT" embed text "$tmp/s.jsonl" --dim 0 -o "$tmp/x.npy" 2> /dev/null; then bad "--dim 0 accepted"; else
  check '[ $? -ne 0 ]' "dim 0"; fi

# ---- 2. images ---------------------------------------------------------------------
"$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
ls "$tmp/images" | head -n 4 > "$tmp/imgs.txt"
$PY - "$tmp" <<'PY'
import json, sys
t = sys.argv[1]
imgs = open(f"{t}/imgs.txt").read().split()
rows = imgs + ["nothere.png"] + imgs[:2]  # a missing image; two images used twice
with open(f"{t}/i.jsonl", "w") as f:
    for k, im in enumerate(rows):
        f.write(json.dumps({"id": f"i{k}", "image": im, "turns": [{"role": "user", "text": "?"}]}) + "\n")
PY
"$VLIT" embed image "$tmp/i.jsonl" --image-root "$tmp/images" -o "$tmp/i.npy" --paths "$tmp/i.paths" 2> "$tmp/i.err"
read -r rows cols lo hi zero <<< "$(npy_info "$tmp/i.npy")"
check '[ "$rows" = 4 ] && [ "$cols" = 256 ] && [ "$lo" = 1.00000 ]' "images: $rows x $cols ($lo)"
check 'diff -q "$tmp/i.paths" "$tmp/imgs.txt" > /dev/null' "paths: $(cat "$tmp/i.paths")"
check 'grep -q "nothere.png" "$tmp/i.err"' "missing image not named: $(cat "$tmp/i.err")"
head -n 2 "$tmp/i.jsonl" > "$tmp/i1.jsonl"
tail -n +2 "$tmp/i.jsonl" > "$tmp/i2.jsonl" # shares an image with i1
"$VLIT" embed image -q "$tmp/i1.jsonl" --image-root "$tmp/images" --partial -o "$tmp/i1.part"
"$VLIT" embed image -q "$tmp/i2.jsonl" --image-root "$tmp/images" --partial -o "$tmp/i2.part"
"$VLIT" embed image -q --merge "$tmp/i1.part" "$tmp/i2.part" -o "$tmp/im.npy" --paths "$tmp/im.paths" 2> /dev/null
check 'cmp -s "$tmp/i.npy" "$tmp/im.npy" && cmp -s "$tmp/i.paths" "$tmp/im.paths"' "images: merged shards differ"
coco=$root/../shared/data/coco-mini-train2017/images
if [ -d "$coco" ]; then
  ls "$coco" | head -n 6 | while read -r f; do echo "{\"id\":\"$f\",\"image\":\"$f\",\"turns\":[]}"; done > "$tmp/coco.jsonl"
  "$VLIT" embed image -q "$tmp/coco.jsonl" --image-root "$coco" -o "$tmp/coco.npy"
  read -r rows cols lo hi zero <<< "$(npy_info "$tmp/coco.npy")"
  check '[ "$rows" = 6 ] && [ "$lo" = 1.00000 ]' "coco-mini: $rows rows ($lo)"
fi

# ---- 3. the server -----------------------------------------------------------------
start_server() { # name, extra flags... (prints the base URL)
  local name=$1; shift
  python3 "$root/tests/server/llm_server.py" --port 0 --port-file "$tmp/$name.port" --log "$tmp/$name.log" \
    --idle-exit 300 "$@" > /dev/null 2> "$tmp/$name.server.err" &
  echo $! > "$tmp/$name.pid"
  for _ in $(seq 400); do [ -s "$tmp/$name.port" ] && break; sleep 0.05; done
  echo "http://127.0.0.1:$(cat "$tmp/$name.port")/v1"
}
url=$(start_server ok --embed-dim 48)
"$VLIT" embed text -q "$tmp/s.jsonl" --method server --url "$url" --model m --store "$tmp/store.db" --batch 16 \
  -o "$tmp/st.npy"
read -r rows cols lo hi zero <<< "$(npy_info "$tmp/st.npy")"
check '[ "$rows" = 60 ] && [ "$cols" = 48 ]' "server text: $rows x $cols"
n1=$(wc -l < "$tmp/ok.log")
check '[ "$n1" -ge 4 ] && [ "$n1" -le 5 ]' "60 texts in batches of 16 took $n1 requests" # 4 (repeated texts are sent once)
"$VLIT" embed text -q "$tmp/s.jsonl" --method server --url "$url" --model m --store "$tmp/store.db" -o "$tmp/st2.npy"
n2=$(wc -l < "$tmp/ok.log")
check '[ "$n2" = "$n1" ] && cmp -s "$tmp/st.npy" "$tmp/st2.npy"' "rerun sent $((n2 - n1)) requests or differs"
"$VLIT" embed image -q "$tmp/i.jsonl" --image-root "$tmp/images" --method server --url "$url" --model m \
  --store "$tmp/store.db" -o "$tmp/si.npy" --paths "$tmp/si.paths" 2> /dev/null
read -r rows cols lo hi zero <<< "$(npy_info "$tmp/si.npy")"
check '[ "$rows" = 4 ] && [ "$cols" = 48 ]' "server images: $rows x $cols"
want=$(cd "$tmp/images" && sha256sum $(cat "$tmp/imgs.txt") | cut -d' ' -f1 | sort | tr '\n' ' ')
got=$($PY -c 'import json,sys; print(" ".join(sorted(i["sha256"] for l in open(sys.argv[1]) for i in json.loads(l).get("images", []))))' "$tmp/ok.log")
check '[ "$got " = "$want" ]' "images sent: $got / $want"
bad_url=$(start_server broken --fail-first 1000)
if "$VLIT" embed text "$tmp/s.jsonl" --method server --url "$bad_url" --model m --max-failed 0 -o "$tmp/sb.npy" \
  2> "$tmp/sb.err"; then bad "a failing server gave vectors"; else ok; fi
check 'grep -q "HTTP 500" "$tmp/sb.err" && [ ! -e "$tmp/sb.npy" ]' "failing server: $(cat "$tmp/sb.err")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
