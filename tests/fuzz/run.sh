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
[ ${#harnesses[@]} -gt 0 ] || harnesses=(json samples collect clue conversation reply image niqe_model arpa lmbin mentions embed_reply verdict wordnet egosplit npy report_html tags select embed_partial report_partial table config shard_record)

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
  # embedding partials (selector bit 0: fix the checksum, bit 1: image partial)
  "$build_vlit" embed text -q "$tmp/s.jsonl" --partial -o "$tmp/t.part"
  "$build_vlit" embed text -q "$tmp/s.jsonl" --hash-bits 10 --partial -o "$tmp/t10.part"
  printf '{"id":"a","image":"rgb.jpg","turns":[]}\n{"id":"b","image":"missing.png","turns":[]}\n{"id":"c","image":"gray.png","turns":[]}\n' > "$tmp/i.jsonl"
  "$build_vlit" embed image -q "$tmp/i.jsonl" --image-root "$root/tests/fuzz/seeds/image" --partial -o "$tmp/i.part"
  seed embed_partial text 1 "$tmp/t.part"
  seed embed_partial text10 0 "$tmp/t10.part"
  seed embed_partial image 3 "$tmp/i.part"
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
# task tagging (selector 0: tags file, 1: rules file, 2: an LLM tagger reply)
mkdir -p "$corpus/tags"
printf '\x00{"position":0,"id":"a","task":"instance_counting","method":"rules"}\n{"position":2,"id":"b","method":"llm:m","missing":"no line"}\n' > "$corpus/tags/file"
seed tags rules 1 "$root/data/tasks/rules.tsv"
printf '\x02Tags:\n1: Counting, object counting\n**2.** colour recognition; attributes\nSample 3: ocr - reads text\n' > "$corpus/tags/reply"
# select (selector 0: a scores file for the harness's three samples, 1: a threshold)
mkdir -p "$corpus/select"
printf '\x00{"index":0,"id":"a","scores":{"text_readability":{"method":"ngram-lm","value":0.4},"instruction_complexity":{"method":"lexicon-elements","value":3}}}\n{"index":1,"id":"b","scores":{"text_readability":{"method":"ngram-lm","missing":"no text"},"matching":{"method":"grounding","value":50}}}\n{"index":2,"id":"c","scores":{"text_readability":{"method":"ngram-lm","value":0.9},"image_readability":{"method":"niqe","value":4.5}}}\n' > "$corpus/select/scores"
printf '\x01p10' > "$corpus/select/pct"
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
# report JSON documents for the HTML page (tests/fixtures/report) and a tiny one
mkdir -p "$corpus/report_html"
cp "$root"/tests/fixtures/report/*.json "$corpus/report_html/"
printf '{"vlit_report":1,"datasets":[{"name":"<a>","task_shares":[{"task":"t","count":1,"share":100}],"indicators":[{"key":"k","principle":1,"value":null,"missing":"why","histogram":{"edges":[0,1],"counts":[1]},"cluster_sizes":[3,1],"noise_share":0.5,"per_task":{"t":2},"worst":[{"id":1,"position":0,"value":0,"text":"<script>"}]}]}]}' > "$corpus/report_html/tiny.json"

# report partials (manifest.jsonl; the harness's folder has empty side files d<D>-t<T>.tsv,
# d<D>-texts.part, d<D>-images.part): one written by hand, and real ones when build/vlit has report
mkdir -p "$corpus/report_partial"
{
  printf '{"vlit_report_partial":1,"shard":0,"shards":2,"options":{"equalize":false,"seed":1,"min_cluster":2,"min_weight":1,"lemmatize":false,"text_method":"tfidf","text_dim":128,"eps_text":0.3,"min_samples_text":5,"image_method":"descriptor","eps_image":0.1,"min_samples_image":5,"embed_model":null},"datasets":[{"format":"jsonl","name":"a","path":"a.jsonl","clues":"c.jsonl","scores":"s.jsonl","tags":null}]}\n'
  printf '{"dataset":0,"total":4,"selected":4,"skipped":0,"samples":2,"untagged":0,"no_response":0,"no_image":0,"no_score_line":1,"task_method":"rules"}\n'
  printf '{"task":0,"name":"counting","count":2,"instructions":3,"edges":"d0-t0.tsv"}\n'
  printf '{"texts":0,"file":"d0-texts.part","positions":[]}\n{"images":0,"file":"d0-images.part"}\n'
  printf '{"image":0,"path":"x.jpg","first":0,"clue":1}\n{"categories":0,"names":["dog","cat"]}\n'
  printf '{"indicator":0,"name":"text_readability","method":"ngram-lm","sum":[0.75],"values":[[0.5,1],[0.25,1]],"worst":[{"position":2,"value":0.25,"id":"b","text":"USER: hi"},{"position":0,"value":0.5,"id":"a","text":"x"}],"missing":{"position":4,"reason":"why"}}\n'
} > "$corpus/report_partial/hand.jsonl"
if "$build_vlit" report --help > /dev/null 2>&1; then
  "$build_vlit" report -q "$root/tests/fixtures/llava_small.json" --partial --shard 0/2 -o "$tmp/rp0" &&
    cp "$tmp/rp0/manifest.jsonl" "$corpus/report_partial/llava_small.jsonl" || true
fi

# tables for vlit stats (selector: 0 auto, 1 CSV, 2 JSON): the paper's
# tables, quoting corner cases, a JSON table
mkdir -p "$corpus/table"
for f in "$root"/tests/fixtures/paper/*.csv; do
  seed table "$(basename "$f")" 1 "$f"
done
printf '\xef\xbb\xbfg,r,"a,b",c\r\nx,1,"say ""hi""",2\r\n\r\nx,2,"two\nlines",3\ny,1,,4\ny,2,5,NA' > "$tmp/q.csv"
seed table quoting 0 "$tmp/q.csv"
printf '[{"g":"x","r":"m1","a":1.5,"b":2},{"g":"x","r":"m2","a":3,"b":null},{"r":"m1","g":"y","a":-2e3,"b":true}]' > "$tmp/t.json"
seed table json 2 "$tmp/t.json"

# vlit run's config files: the demo's and a small one with every form
mkdir -p "$corpus/config"
cp "$root/data/demo/pipeline.conf" "$corpus/config/demo.conf"
printf '; c\n[run]\nworkdir = w\n[score]\nk = "  q \\" \\\\ "\nflag = true\r\n[ a-b_1 ]\nurl = http://x/?a=b#c\n' > "$corpus/config/forms.conf"

# shards (selector even: a completion record, one by hand with groups, one without, a
# real one; odd: a shard output for the merge's scanner, then format (0 jsonl, 1 llava,
# 2 sharegpt, 3 mimicit) and record count bytes)
mkdir -p "$corpus/shard_record"
h64=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
printf '\x00{"vlit_shard":1,"command":"generate","shard":1,"of":4,"settings":"%s","format":"llava","size":120,"sha256":"%s","units":5,"groups":[0,2,4,1,9,2]}\n' $h64 $h64 > "$corpus/shard_record/groups.json"
printf '\x00{"vlit_shard":1,"command":"report","shard":0,"of":1,"settings":"%s","format":"folder","size":0,"sha256":"%s","units":0}' $h64 $h64 > "$corpus/shard_record/plain.json"
printf '\x01\x00\x02{"a":"x,y"}\n{"b":[1,{"c":"]"}]}\n' > "$corpus/shard_record/lines"
printf '\x01\x01\x02[\n{"a":"x,\\n]","b":[1,2]},\n{"c":{}}\n]\n' > "$corpus/shard_record/llava"
printf '\x01\x01\x00[\n]\n' > "$corpus/shard_record/empty"
printf '\x01\x03\x01{"meta":{"version":"0.0.1","time":"","author":"vlit"},"data":{\n"k":{"v":[1]}\n}}\n' > "$corpus/shard_record/mimicit"
if [ -x "$build_vlit" ] && "$build_vlit" collect -q --coco-captions "$A/captions_demo.json" --shard 0/2 -o "$tmp/c0.jsonl" 2> /dev/null &&
   [ -f "$tmp/c0.jsonl.shard.json" ]; then
  seed shard_record collect.json 0 "$tmp/c0.jsonl.shard.json"
fi
if [ -f "$tmp/s.sharegpt" ]; then # a real ShareGPT frame with its record count
  n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))) % 256)' "$tmp/s.sharegpt")
  { printf "\\x01\\x02\\x$(printf %02x "$n")"; cat "$tmp/s.sharegpt"; } > "$corpus/shard_record/sharegpt"
fi

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
rm -rf /tmp/vlit-fuzz-*
exit $status
