#!/usr/bin/env bash
# LLaVA JSON -> JSONL -> LLaVA JSON keeps the content (compared as parsed
# JSON); so do ShareGPT; MIMIC-IT keeps every instruction/answer pair.
set -euo pipefail
VLIT=${1:?usage: roundtrip.sh VLIT}
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
in=$here/fixtures/llava_small.json
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
same_json() { python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])) else 1)' "$1" "$2"; }

"$VLIT" convert -q --from llava --to jsonl "$in" "$tmp/a.jsonl"
"$VLIT" convert -q --from jsonl --to llava "$tmp/a.jsonl" "$tmp/b.json"
if same_json "$in" "$tmp/b.json"; then ok; else bad "llava -> jsonl -> llava differs"; fi

"$VLIT" convert -q --from jsonl --to sharegpt "$tmp/a.jsonl" "$tmp/c.json"
"$VLIT" convert -q --from sharegpt --to jsonl "$tmp/c.json" "$tmp/c.jsonl"
if cmp -s "$tmp/a.jsonl" "$tmp/c.jsonl"; then ok; else bad "sharegpt round trip differs"; fi

"$VLIT" convert -q --from jsonl --to mimicit "$tmp/a.jsonl" "$tmp/d.json"
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["data"]))' "$tmp/d.json")
if [ "$n" = 6 ]; then ok; else bad "mimicit: $n entries, want 6 (one per question/answer pair)"; fi

# standard input and output
"$VLIT" convert -q --from llava --to jsonl - - < "$in" > "$tmp/e.jsonl"
if cmp -s "$tmp/a.jsonl" "$tmp/e.jsonl"; then ok; else bad "stdin/stdout conversion differs"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
