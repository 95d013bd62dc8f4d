#!/usr/bin/env bash
# Real COCO 2017 data (../shared/data/coco-mini-train2017 beside the checkout,
# or $VLIT_COCO_MINI): 80 records whose caption, object and keypoint counts
# equal those of the source files, counted independently with python3's json.
# Skipped (exit 77) when the data is not there.
set -euo pipefail
VLIT=${1:?usage: coco_mini.sh VLIT}
root=$(cd "$(dirname "$0")/../.." && pwd)
D=${VLIT_COCO_MINI:-$root/../shared/data/coco-mini-train2017}
[ -d "$D/annotations" ] || { echo "no COCO mini data at $D: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
A=$D/annotations
"$VLIT" collect -q --coco-captions "$A/captions_train2017.json" --coco-instances "$A/instances_train2017.json" \
  --coco-keypoints "$A/person_keypoints_train2017.json" --image-root "$D/images" -o "$tmp/clues.jsonl"
"$VLIT" clue "$tmp/clues.jsonl" --boxes pixel > "$tmp/clues.txt"
python3 - "$A" "$tmp/clues.jsonl" "$tmp/clues.txt" <<'PY'
import json, sys
from collections import Counter
a, recs = sys.argv[1], [json.loads(l) for l in open(sys.argv[2])]
caps = json.load(open(f"{a}/captions_train2017.json"))
inst = json.load(open(f"{a}/instances_train2017.json"))
kp = json.load(open(f"{a}/person_keypoints_train2017.json"))
nc = Counter(str(x["image_id"]) for x in caps["annotations"])
no = Counter(str(x["image_id"]) for x in inst["annotations"])
nk = Counter(str(x["image_id"]) for x in kp["annotations"])
fails = 0
if len(recs) != 80 or len(recs) != len(caps["images"]):
    print("FAIL: records", len(recs)); fails += 1
for r in recs:
    got = (len(r["captions"]), len(r["objects"]), r["keypoints"]["people"])
    want = (nc[r["id"]], no[r["id"]], nk[r["id"]])
    if got != want:
        print("FAIL: image", r["id"], got, "!=", want); fails += 1
total = (sum(len(r["captions"]) for r in recs), sum(len(r["objects"]) for r in recs),
         sum(r["keypoints"]["people"] for r in recs))
print("records", len(recs), "captions/objects/keypoint people", total)
blocks = open(sys.argv[3]).read().count("\nImage ") + 1
if blocks != 80:
    print("FAIL: clue blocks", blocks); fails += 1
print(f"{3 - min(fails, 3)} passed, {fails} failed")
sys.exit(1 if fails else 0)
PY

# AA on the real data, OCR by Tesseract: every task type appears (vqa and
# attribute derived, as COCO has neither), and the same seed gives the same bytes
"$VLIT" collect -q --coco-captions "$A/captions_train2017.json" --coco-instances "$A/instances_train2017.json" \
  --image-root "$D/images" --ocr -o "$tmp/ocr.jsonl"
for k in 1 2; do "$VLIT" generate -q --mode aa "$tmp/ocr.jsonl" -o "$tmp/aa$k.jsonl" --seed 7; done
cmp -s "$tmp/aa1.jsonl" "$tmp/aa2.jsonl" || { echo "FAIL: aa output differs between two runs with one seed"; exit 1; }
python3 - "$tmp/aa1.jsonl" <<'PY'
import json, sys
from collections import Counter
tasks = Counter(json.loads(l)["task"] for l in open(sys.argv[1]))
want = ["detail", "brief", "vqa", "counting", "existence", "negative", "attribute", "location", "region", "ocr"]
missing = [t for t in want if not tasks[t]]
print("aa on coco-mini:", dict(tasks))
if missing:
    print("FAIL: no samples of", missing); sys.exit(1)
PY
