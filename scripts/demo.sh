#!/usr/bin/env bash
# The main job on the bundled demo data: take the demo photographs from their
# Debian packages, join all annotation sources into clue records, render the
# clue text, generate instruction samples from the annotations (AA) and export
# them for LLaVA. Outputs go to ${1:-demo-out}/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-demo-out}")
VLIT=$root/build/vlit
A=$root/data/demo/annotations
mkdir -p "$out"
"$root/scripts/demo-images.sh" "$out/images"
"$VLIT" collect \
  --coco-captions "$A/captions_demo.json" --coco-instances "$A/instances_demo.json" \
  --coco-keypoints "$A/person_keypoints_demo.json" \
  --vqa-questions "$A/vqa_questions_demo.json" --vqa-annotations "$A/vqa_annotations_demo.json" \
  --coco-text "$A/cocotext_demo.json" --vaw "$A/vaw_demo.json" --textvqa "$A/textvqa_demo.json" \
  --image-root "$out/images" --ocr -o "$out/clues.jsonl"
"$VLIT" clue "$out/clues.jsonl" --boxes norm -o "$out/clues.txt"
"$VLIT" generate --mode aa --turns 3 "$out/clues.jsonl" -o "$out/samples.jsonl"
"$VLIT" convert -q --from jsonl --to llava "$out/samples.jsonl" "$out/samples.llava.json"
"$VLIT" score "$out/samples.jsonl" --clues "$out/clues.jsonl" --image-root "$out/images" -o "$out/scores.jsonl"
echo
head -n 24 "$out/clues.txt"
echo "..."
echo
echo "demo: clue records in $out/clues.jsonl, clue text in $out/clues.txt,"
echo "      instruction samples in $out/samples.jsonl and, for LLaVA training, $out/samples.llava.json,"
echo "      their quality indicators in $out/scores.jsonl"
