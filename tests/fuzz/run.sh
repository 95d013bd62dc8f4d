#!/usr/bin/env bash
# Builds the fuzz harnesses (clang, libFuzzer, ASan+UBSan) and runs each for
# SECONDS (default 20) on a seed corpus made from the project's own files.
# usage: tests/fuzz/run.sh [SECONDS] [BUILD_DIR] [HARNESS...]
set -euo pipefail
seconds=${1:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath -m "${2:-$root/build-fuzz}")
shift $(( $# > 2 ? 2 : $# )) || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(json samples collect clue conversation reply image niqe_model arpa lmbin mentions embed_reply verdict wordnet egosplit npy)

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DVLIT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build" -j2 --target $(printf 'fuzz_%s ' "${harnesses[@]}") > /dev/null

# seeds: real documents of each kind, with the selector byte the harness reads
corpus=$build/corpus
A=$root/data/demo/annotations
seed() { # harness name selector-byte file
  mkdir -p "$corpus/$1"
  { printf "\\x$(printf %02x "$3")"; cat "$4"; } > "$corpus/$1/$2"
}
mkdir -p "$corpus/json"
cp "$A"/*.json "$root/tests/fixtures/llava_small.json" "$corpus/json/"
for f in 0 1 2 3; do
  seed samples "llava$f" $((1 | f << 2)) "$root/tests/fixtures/llava_small.json"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build_vlit=$root/build/vlit
if [ -x "$build_vlit" ]; then
  "$build_vlit" convert -q --from llava --to jsonl "$root/tests/fixtures/llava_small.json" "$tmp/s.jsonl"
  "$build_vlit" convert -q --from llava --to sharegpt "$root/tests/fixtures/llava_small.json" "$tmp/s.sharegpt"
  "$build_vlit" convert -q --from llava --to mimicit "$root/tests/fixtures/llava_small.json" "$tmp/s.mimicit"
  seed samples jsonl 0 "$tmp/s.jsonl"
  seed samples sharegpt 2 "$tmp/s.sharegpt"
  seed samples mimicit 3 "$tmp/s.mimicit"
  "$build_vlit" collect -q --coco-captions "$A/captions_demo.json" --coco-instances "$A/instances_demo.json" \
    --vqa-questions "$A/vqa_questions_demo.json" --vqa-annotations "$A/vqa_annotations_demo.json" \
    --coco-text "$A/cocotext_demo.json" --vaw "$A/vaw_demo.json" -o "$tmp/c.jsonl"
  seed clue records 0 "$tmp/c.jsonl"
fi
seed collect captions 0 "$A/captions_demo.json"
seed collect instances 1 "$A/instances_demo.json"
seed collect keypoints 2 "$A/person_keypoints_demo.json"
seed collect questions 3 "$A/vqa_questions_demo.json"
seed collect answers 4 "$A/vqa_annotations_demo.json"
seed collect cocotext 5 "$A/cocotext_demo.json"
seed collect vaw 6 "$A/vaw_demo.json"
seed collect textvqa 7 "$A/textvqa_demo.json"
seed clue template 1 "$root/data/clue.tmpl"
seed clue aa-templates 2 "$root/data/aa_templates.txt"
mkdir -p "$corpus/conversation"
printf 'Here you go:\n```\nUser: What is on the table?\nAI: Two cups.\n\nBoth are red.\n```\nThanks' > "$corpus/conversation/lines"
printf '[{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]' > "$corpus/conversation/json"
mkdir -p "$corpus/reply"
printf '{"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"User: q?\\nAI: a."},"finish_reason":"stop"},{"index":1,"message":{"role":"assistant","content":"I cannot help."}}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}' > "$corpus/reply/two"
mkdir -p "$corpus/arpa" "$corpus/lmbin"
cp "$root/tests/fixtures/lm_tiny.arpa" "$corpus/arpa/" && cp "$root/tests/fixtures/lm_tiny.bin" "$corpus/lmbin/"
# images (tests/fuzz/seeds/image: every JPEG and PNG layout the decoders
# handle; the textured ones are large enough for NIQE), each decoded as
# stored (selector 1) and to gray (2), and one probed only (0)
for f in "$root"/tests/fuzz/seeds/image/*; do
  n=$(basename "$f")
  seed image "$n.decode" 1 "$f"
  seed image "$n.gray" 2 "$f"
done
seed image rgb.jpg.probe 0 "$root/tests/fuzz/seeds/image/rgb.jpg"
# NIQE models: the default one, and the same without comments and with CRLF
mkdir -p "$corpus/niqe_model"
cp "$root/data/niqe/pristine.model" "$corpus/niqe_model/pristine.model"
grep -v '^#' "$root/data/niqe/pristine.model" | sed 's/$/\r/' > "$corpus/niqe_model/bare-crlf.model"
# object mentions: the shipped lexicon (odd selector: the lexicon parser) and
# texts for the finder (even selector)
seed mentions lexicon 1 "$root/data/lexicon/coco_objects.tsv"
mkdir -p "$corpus/mentions"
printf '\x00There are two hot dogs and no cats; is there a man near the "STOP" sign?' > "$corpus/mentions/text"
printf '\x02Three people, possibly a dog. The sofa (not a couch) has 2 remotes.' > "$corpus/mentions/counts"
# server replies: embeddings (first byte: inputs expected) and judge verdicts
mkdir -p "$corpus/embed_reply" "$corpus/verdict"
printf '\x02{"data":[{"index":1,"embedding":[0.5,-0.25]},{"index":0,"embedding":[1,2]}]}' > "$corpus/embed_reply/two"
printf '\x01{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3]}],"model":"m"}' > "$corpus/embed_reply/one"
printf '\x01{"choices":[{"index":0,"message":{"role":"assistant","content":"yes"}}]}' > "$corpus/embed_reply/chat"
printf 'yes' > "$corpus/verdict/yes"
printf 'Verdict: no' > "$corpus/verdict/no"
printf 'Score: 7' > "$corpus/verdict/score"
printf '<think>x</think>\nyes' > "$corpus/verdict/think"

# WordNet reader (fuzz_wordnet.c): the nine files' heads or a few dozen of their
# lemmas, NUL-separated, then an instruction; from Debian's wordnet-base
wn=${VLIT_WORDNET_DIR:-/usr/share/wordnet}
mkdir -p "$corpus/wordnet"
if [ -f "$wn/index.noun" ]; then
  words='^(dog|dogs|run|running|car|cars|light|traffic|traffic_light|take|take_apart|red|big|bigger|left|leave|park|parked|close|closer|man|men|goose|geese|quickly|describe|image|picture|hot_dog|go_on|look_at) '
  for mode in lemmas head; do
    {
      for f in index.noun index.verb index.adj index.adv noun.exc verb.exc adj.exc adv.exc; do
        if [ $mode = head ]; then head -n 40 "$wn/$f"; else head -n 3 "$wn/$f"; grep -E "$words" "$wn/$f" || true; fi
        printf '\0'
      done
      grep -E '^(dog|run|car|light|take|red|big|close|park|man|goose|quickly|describe)%' "$wn/cntlist.rev" | head -40
      printf '\0'
      printf 'Compare the colour of the two cars on the left and explain which one is parked closer to the red sign, in two sentences.\nWhat are the geese taking apart next to the traffic lights?\nA. dog\nB. hot dog\n'
    } > "$corpus/wordnet/$mode"
  done
fi

# matrices for DBSCAN (tests/fuzz/seeds/npy; selector: format in bits 0-1,
# eps step in 2-4, min-samples - 1 in 5-7) and edge lists for Ego-Splitting
# (selector: min-cluster in bits 0-1, min-weight in 2-3)
for f in "$root"/tests/fuzz/seeds/npy/*; do
  n=$(basename "$f")
  seed npy "$n.a" $((0 | 2 << 2 | 2 << 5)) "$f"
  seed npy "$n.b" $((1 | 4 << 2)) "$f"
  seed npy "$n.c" $((2 | 1 << 2 | 4 << 5)) "$f"
done
printf 'a\tb\na\tc\nb\tc\nc\td\t2\nd\te\ne\tc\nx\ty\t3\n' > "$tmp/g.tsv"
seed egosplit triangles 0 "$tmp/g.tsv"
seed egosplit weighted $((2 | 1 << 2)) "$tmp/g.tsv"
printf 'dog\tcat\t1\ncat\tsofa\t4\nsofa\tdog\n\xc3\xa9t\xc3\xa9\tplage\t2\nplage\tsable\nsable\t\xc3\xa9t\xc3\xa9\nw\tw\t5\n' > "$tmp/h.tsv"
seed egosplit words 1 "$tmp/h.tsv"

status=0
for h in "${harnesses[@]}"; do
  mkdir -p "$build/findings/$h" "$corpus/$h"
  echo "fuzz_$h: ${seconds}s"
  if ! (cd "$build/findings/$h" && "$build/tests/fuzz/fuzz_$h" -max_total_time="$seconds" -max_len=65536 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$corpus/$h" > "$build/findings/$h/log.txt" 2>&1); then
    echo "fuzz_$h: FOUND A PROBLEM, see $build/findings/$h/log.txt" >&2
    tail -40 "$build/findings/$h/log.txt" >&2
    status=1
  else
    grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb' "$build/findings/$h/log.txt" | tr '\n' ' '
    echo
  fi
done
rm -f /tmp/vlit-fuzz-*
exit $status
