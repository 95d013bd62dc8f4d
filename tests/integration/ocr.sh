#!/usr/bin/env bash
# collect --ocr runs Tesseract on an image without OCR annotations: a scanned
# page from scikit-image's data (python3-skimage) must give real words, with
# boxes inside the image and "tesseract" as their source.
set -euo pipefail
VLIT=${1:?usage: ocr.sh VLIT}
page=/usr/lib/python3/dist-packages/skimage/data/page.png
[ -f "$page" ] || { echo "no $page (apt-get install python3-skimage): skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/images"
cp "$page" "$tmp/images/page.png"
cat > "$tmp/captions.json" <<'JSON'
{"images":[{"id":1,"file_name":"page.png","width":384,"height":191}],
 "annotations":[{"image_id":1,"id":1,"caption":"A scanned page of printed text."}]}
JSON
"$VLIT" collect -q --coco-captions "$tmp/captions.json" --image-root "$tmp/images" --ocr --summary-json "$tmp/sum.json" \
  -o "$tmp/clues.jsonl"
python3 - "$tmp/clues.jsonl" "$tmp/sum.json" <<'PY'
import json, sys
rec = json.loads(open(sys.argv[1]).readline())
summary = json.load(open(sys.argv[2]))
words = [o["text"].lower().strip(".,;:()\"'") for o in rec["ocr"]]
fails = 0
for want in ("markers", "object", "background"):
    if want not in words:
        print("FAIL: Tesseract did not read", want, "in", words); fails += 1
inside = all(o["source"] == "tesseract" and o["bbox"][0] >= 0 and o["bbox"][0] + o["bbox"][2] <= 384 and
             o["bbox"][1] + o["bbox"][3] <= 191 for o in rec["ocr"])
if not inside:
    print("FAIL: OCR boxes or sources wrong"); fails += 1
if summary["ocr_recognised"] != len(rec["ocr"]) or summary["ocr_recognised"] < 10:
    print("FAIL: summary", summary); fails += 1
print(f"{3 - min(fails, 3)} passed, {fails} failed")
sys.exit(1 if fails else 0)
PY
