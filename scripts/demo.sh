#!/usr/bin/env bash
# The main job on the bundled demo data: take the demo photographs from their
# Debian packages, then run the whole pipeline of data/demo/pipeline.conf with
# `vlit run` (collect -> generate -> score -> report -> select), and print the
# report table and where everything is. Outputs go to ${1:-demo-out}/; a second
# run skips the stages that are up to date.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-demo-out}")
VLIT=$root/build/vlit
cd "$root"
mkdir -p "$out"
"$root/scripts/demo-images.sh" "$out/images"
"$VLIT" run data/demo/pipeline.conf --workdir "$out" --set run.image-root="$out/images"
"$VLIT" clue "$out/clues.jsonl" --boxes norm -o "$out/clues.txt"
echo
head -n 12 "$out/clues.txt"
echo "..."
echo
"$VLIT" report --from-json "$out/report.json" --format table -o -
echo
echo "demo: clue records in $out/clues.jsonl (as text: $out/clues.txt),"
echo "      instruction samples in $out/samples.jsonl, their quality indicators in $out/scores.jsonl,"
echo "      the report in $out/report.html (and $out/report.json),"
echo "      the filtered LLaVA training file in $out/train.llava.json (dropped samples and why: $out/dropped.jsonl)"
