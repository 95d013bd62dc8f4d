#!/usr/bin/env bash
# The demo dataset end to end: images from Debian packages, every annotation
# source joined, counts equal to what the annotation files hold (counted
# here independently with python3's json), and the clue text rendered.
set -euo pipefail
VLIT=${1:?usage: demo.sh VLIT}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
A=$root/data/demo/annotations
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

"$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
"$VLIT" collect -q --coco-captions "$A/captions_demo.json" --coco-instances "$A/instances_demo.json" \
  --coco-keypoints "$A/person_keypoints_demo.json" --vqa-questions "$A/vqa_questions_demo.json" \
  --vqa-annotations "$A/vqa_annotations_demo.json" --coco-text "$A/cocotext_demo.json" --vaw "$A/vaw_demo.json" \
  --textvqa "$A/textvqa_demo.json" --image-root "$tmp/images" --summary-json "$tmp/sum.json" -o "$tmp/clues.jsonl"

python3 - "$A" "$tmp/sum.json" "$tmp/clues.jsonl" <<'PY' || fail=$((fail + 1))
import json, sys
a, summary, clues = sys.argv[1], json.load(open(sys.argv[2])), [json.loads(l) for l in open(sys.argv[3])]
load = lambda n: json.load(open(f"{a}/{n}"))
caps, inst, kp = load("captions_demo.json"), load("instances_demo.json"), load("person_keypoints_demo.json")
q, ans, ct = load("vqa_questions_demo.json"), load("vqa_annotations_demo.json"), load("cocotext_demo.json")
tv = load("textvqa_demo.json")
want = {
    "images": len(caps["images"]),
    "captions": len(caps["annotations"]),
    "objects": len(inst["annotations"]),
    "keypoint_people": len(kp["annotations"]),
    "qa": len(q["questions"]) + len(tv["data"]),
    "answers": sum(len(x["answers"]) for x in ans["annotations"]) + sum(len(x["answers"]) for x in tv["data"]),
    "ocr_tokens": sum(1 for x in ct["anns"].values() if x.get("utf8_string")),
}
bad = [(k, summary[k], v) for k, v in want.items() if summary[k] != v]
per_image = {}
for c in caps["annotations"]:
    per_image.setdefault(str(c["image_id"]), [0, 0])[0] += 1
for o in inst["annotations"]:
    per_image.setdefault(str(o["image_id"]), [0, 0])[1] += 1
for r in clues:
    got = [len(r["captions"]), sum(1 for o in r["objects"] if o["source"] == "coco-instances")]
    if got != per_image.get(r["id"], [0, 0]):
        bad.append((r["id"], got, per_image.get(r["id"])))
if len(clues) != len(caps["images"]):
    bad.append(("records", len(clues), len(caps["images"])))
for b in bad:
    print("FAIL: demo count", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
pass=$((pass + 1))

"$VLIT" clue "$tmp/clues.jsonl" --boxes norm > "$tmp/clues.txt"
blocks=$(grep -c '^Image ' "$tmp/clues.txt")
if [ "$blocks" = 10 ]; then pass=$((pass + 1)); else bad "clue printed $blocks blocks, want 10"; fi
if grep -q 'Text visible in the image' "$tmp/clues.txt" && grep -q 'Object attributes' "$tmp/clues.txt"; then
  pass=$((pass + 1)); else bad "clue text lacks OCR or attributes"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
