#!/usr/bin/env bash
# The grounding indicators on real data: matching (grounding precision),
# correctness (annotation consistency), hallucination (CHAIR) and object
# complexity.
#  1. LLaVA's GPT-4 samples (../shared/data/llava-gpt4-samples): the caps file
#     (captions and boxes of 80 COCO val2014 images) becomes COCO-layout
#     captions and instances files (prepare.py), which `vlit collect` turns
#     into clue records; the 90 samples become vlit JSONL with task = subset;
#  2. `vlit score` with the four indicators, once against the annotated
#     objects (what vlit score sees) and once against the objects plus the
#     categories the captions assert (CHAIR's ground truth; augment.py);
#     figures per subset (summarise.py);
#  3. `vlit generate --mode aa` on coco-mini-train2017 with Tesseract OCR:
#     template answers derive from the annotations, so every claim the
#     finder reads right agrees with them (counts, negatives, OCR);
#  4. speed: the four indicators on 151,200 AA samples (the AA set 150 times);
#  5. the mention listing for hand checks (dump_mentions.c -> mentions.tsv).
# usage: bench/grounding/run.sh     (VLIT=path/to/vlit, BENCH_DATA, SHARED_DATA)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/grounding
vlit=$(realpath "${VLIT:-$root/build/vlit}")
lib=$(dirname "$vlit")/libvlit.a
data=${BENCH_DATA:-/work/bench-data}/grounding
shared=$(realpath "${SHARED_DATA:-$root/../shared/data}")
lexicon=$root/data/lexicon/coco_objects.tsv
inds=matching,correctness,hallucination,object_complexity
[ -x "$vlit" ] && [ -f "$lib" ] || { echo "bench/grounding: build vlit first, or set VLIT (libvlit.a beside it)" >&2; exit 1; }
[ -d "$shared/llava-gpt4-samples" ] || { echo "bench/grounding: no $shared/llava-gpt4-samples" >&2; exit 1; }
mkdir -p "$data"
cd "$data"
export VLIT_DATA_DIR=$root/data

echo "== LLaVA GPT-4 samples"
python3 "$here/prepare.py" "$shared" "$data" "$lexicon"
"$vlit" collect --coco-captions captions.json --coco-instances instances.json -o clues.jsonl
cc -O2 -std=c11 -Wall -Wextra -I"$root/include" -I"$root/src" "$here/dump_mentions.c" "$lib" -lyajl -lm -o dump_mentions
./dump_mentions --captions "$lexicon" clues.jsonl > caption_objects.tsv
python3 "$here/augment.py" clues.jsonl caption_objects.tsv clues_caps.jsonl
"$vlit" score -q samples.jsonl --clues clues.jsonl --indicators $inds -o scores.jsonl
"$vlit" score -q samples.jsonl --clues clues_caps.jsonl --indicators $inds -o scores_caps.jsonl
python3 "$here/summarise.py" samples.jsonl scores.jsonl "LLaVA GPT-4 samples, truth = annotated objects"
python3 "$here/summarise.py" samples.jsonl scores_caps.jsonl "LLaVA GPT-4 samples, truth = objects + caption mentions"
./dump_mentions "$lexicon" samples.jsonl clues.jsonl > mentions.tsv
echo "mention listing: $data/mentions.tsv ($(wc -l < mentions.tsv) mentions)"

mini=$shared/coco-mini-train2017
if [ -d "$mini/annotations" ]; then
  echo "== AA on coco-mini-train2017 (OCR by Tesseract)"
  A=$mini/annotations
  OMP_THREAD_LIMIT=1 "$vlit" collect -q --coco-captions "$A/captions_train2017.json" \
    --coco-instances "$A/instances_train2017.json" --image-root "$mini/images" --ocr -o aa_clues.jsonl
  "$vlit" generate -q --mode aa aa_clues.jsonl -o aa.jsonl --seed 7
  "$vlit" score -q aa.jsonl --clues aa_clues.jsonl --indicators $inds -o aa_scores.jsonl
  python3 "$here/summarise.py" aa.jsonl aa_scores.jsonl "AA (vlit generate) on coco-mini"
  ./dump_mentions "$lexicon" aa.jsonl aa_clues.jsonl > aa_mentions.tsv

  echo "== speed: 151,200 AA samples, the four indicators"
  for i in $(seq 150); do cat aa.jsonl; done > aa_big.jsonl
  for t in 1 2; do
    /usr/bin/time -f "threads $t: %e s wall, %U s user, peak RSS %M KB" \
      "$vlit" score -q aa_big.jsonl --clues aa_clues.jsonl --indicators $inds --threads $t -o aa_big_scores.jsonl
  done
fi
