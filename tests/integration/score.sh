#!/usr/bin/env bash
# vlit score on the demo pipeline's output (AA samples of the demo images):
#  1. every default indicator of the registry (vlit score --list --json) is on
#     every line, tagged with its method, with a value or a reason;
#  2. a sample whose image file is gone gets its image indicators marked
#     missing with a reason naming the file, and the run goes on;
#  3. two shards merged give the single run's file byte for byte; a part given
#     twice is refused;
#  4. a bad --indicators list is a usage error (exit 2) naming the name.
set -euo pipefail
VLIT=${1:?usage: score.sh VLIT}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
A=$root/data/demo/annotations
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

"$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
"$VLIT" collect -q --coco-captions "$A/captions_demo.json" --coco-instances "$A/instances_demo.json" \
  --vqa-questions "$A/vqa_questions_demo.json" --vqa-annotations "$A/vqa_annotations_demo.json" \
  --coco-text "$A/cocotext_demo.json" --vaw "$A/vaw_demo.json" --image-root "$tmp/images" -o "$tmp/clues.jsonl"
"$VLIT" generate -q --mode aa --turns 2 "$tmp/clues.jsonl" -o "$tmp/samples.jsonl"
gone=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["image"])' "$tmp/samples.jsonl")
rm "$tmp/images/$gone"
"$VLIT" score --list --json > "$tmp/list.jsonl"

S=(score "$tmp/samples.jsonl" --clues "$tmp/clues.jsonl" --image-root "$tmp/images" -q)
if "$VLIT" "${S[@]}" -o "$tmp/scores.jsonl" 2> "$tmp/err"; then pass=$((pass + 1)); else bad "score failed: $(cat "$tmp/err")"; fi

python3 - "$tmp/list.jsonl" "$tmp/samples.jsonl" "$tmp/scores.jsonl" "$gone" <<'PY' && pass=$((pass + 1)) || fail=$((fail + 1))
import json, sys
listed = [json.loads(l) for l in open(sys.argv[1])]
default = {}
for x in listed:                      # the first embedded method of each indicator is its default
    if x["embedded"]:
        default.setdefault(x["name"], x)
samples = [json.loads(l) for l in open(sys.argv[2])]
scores = [json.loads(l) for l in open(sys.argv[3])]
gone = sys.argv[4]
problems = []
if len(scores) != len(samples):
    problems.append(f"{len(scores)} score lines for {len(samples)} samples")
for k, (s, line) in enumerate(zip(samples, scores)):
    if line["index"] != k or line["id"] != s["id"]:
        problems.append(f"line {k + 1}: index/id {line['index']}/{line['id']} for sample {s['id']}")
    if set(line["scores"]) != set(default):
        problems.append(f"line {k + 1}: indicators {sorted(line['scores'])}, registry {sorted(default)}")
    for name, v in line["scores"].items():
        if name in default and v.get("method") != default[name]["method"]:
            problems.append(f"line {k + 1}: {name} method {v.get('method')}")
        if ("value" in v) == ("missing" in v):
            problems.append(f"line {k + 1}: {name} has {'both' if 'value' in v else 'neither'} value and missing")
        if "image" in default.get(name, {}).get("inputs", "").split():
            if s["image"] == gone and not ("missing" in v and gone in v["missing"]):
                problems.append(f"line {k + 1}: {name} of the deleted image: {v}")
            if s["image"] != gone and "missing" in v:
                problems.append(f"line {k + 1}: {name} missing: {v['missing']}")
missing_text = sum("missing" in v for line in scores for n, v in line["scores"].items()
                   if "image" not in default[n]["inputs"].split())
if missing_text > len(scores) * len(default) // 2:
    problems.append(f"{missing_text} text values missing")
for p in problems[:10]:
    print("FAIL:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY

"$VLIT" "${S[@]}" --shard 1/2 -o "$tmp/p1.jsonl"
"$VLIT" "${S[@]}" --shard 0/2 -o "$tmp/p0.jsonl"
"$VLIT" merge scores -q "$tmp/p1.jsonl" "$tmp/p0.jsonl" -o "$tmp/merged.jsonl"
cmp -s "$tmp/scores.jsonl" "$tmp/merged.jsonl" && pass=$((pass + 1)) || bad "shards 0/2 + 1/2 merged differ from the single run"
if "$VLIT" merge scores -q "$tmp/p0.jsonl" "$tmp/p0.jsonl" -o "$tmp/twice.jsonl" 2> "$tmp/err"; then
  bad "merge accepted a part given twice"
else
  grep -q "overlapping shards" "$tmp/err" && [ ! -e "$tmp/twice.jsonl" ] && pass=$((pass + 1)) || bad "merge twice: $(cat "$tmp/err")"
fi

set +e
"$VLIT" "${S[@]}" --indicators text_readability,bogus -o "$tmp/x.jsonl" 2> "$tmp/err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q 'no indicator "bogus"' "$tmp/err" && pass=$((pass + 1)) || bad "bad --indicators: rc=$rc $(cat "$tmp/err")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
