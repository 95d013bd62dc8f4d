#!/usr/bin/env bash
# vlit run on the demo's config (data/demo/pipeline.conf): every stage's file
# is there and equals what the stage's own command gives by hand; a second run
# skips every stage; a changed setting re-runs that stage and those after it
# whose input changed; a failing stage stops the run, keeps the stages before
# it, and the next run goes on from it; config errors name file and line.
set -euo pipefail
VLIT=${1:?usage: run.sh VLIT}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }

"$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
W=$tmp/w
run() { "$VLIT" run data/demo/pipeline.conf --set run.image-root="$tmp/images" --workdir "$W" "$@"; }

# 1. the whole pipeline
run > "$tmp/out1" 2> "$tmp/err1" || bad "first run failed: $(tail -3 "$tmp/err1")"
for f in clues.jsonl samples.jsonl scores.jsonl report.json report.html train.llava.json dropped.jsonl; do
  check "[ -s '$W/$f' ]" "$f missing after the first run"
done
check "[ \$(grep -c '^vlit run: \[[0-9]/5\] ' '$tmp/err1') = 5 ]" "five stages announced"
check "grep -q 'training file: $W/train.llava.json' '$tmp/err1'" "the end names the training file"

# ... each stage's file is what its command gives by hand
A=data/demo/annotations
"$VLIT" collect -q --coco-captions $A/captions_demo.json --coco-instances $A/instances_demo.json \
  --coco-keypoints $A/person_keypoints_demo.json --vqa-questions $A/vqa_questions_demo.json \
  --vqa-annotations $A/vqa_annotations_demo.json --coco-text $A/cocotext_demo.json --vaw $A/vaw_demo.json \
  --textvqa $A/textvqa_demo.json --ocr --image-root "$tmp/images" -o "$tmp/clues.jsonl"
check "cmp -s '$tmp/clues.jsonl' '$W/clues.jsonl'" "collect by hand differs"
"$VLIT" generate -q "$tmp/clues.jsonl" --mode aa --seed 1 --turns 3 -o "$tmp/samples.jsonl"
check "cmp -s '$tmp/samples.jsonl' '$W/samples.jsonl'" "generate by hand differs"
"$VLIT" score -q "$tmp/samples.jsonl" --clues "$tmp/clues.jsonl" --image-root "$tmp/images" -o "$tmp/scores.jsonl"
check "cmp -s '$tmp/scores.jsonl' '$W/scores.jsonl'" "score by hand differs"
"$VLIT" select -q "$tmp/samples.jsonl" --scores "$tmp/scores.jsonl" --min-text-readability p10 \
  --min-instruction-complexity 2 --target 40 --seed 1 --reasons "$tmp/dropped.jsonl" -o "$tmp/train.json"
check "cmp -s '$tmp/train.json' '$W/train.llava.json'" "select by hand differs"
check "cmp -s '$tmp/dropped.jsonl' '$W/dropped.jsonl'" "select's reasons by hand differ"
python3 - "$W" <<'PY' && ok || bad "report.json / train.llava.json content"
import json, sys
w = sys.argv[1]
r = json.load(open(w + "/report.json"))
ds = r["datasets"]
assert len(ds) == 1 and ds[0]["samples"] == sum(1 for _ in open(w + "/samples.jsonl"))
assert all("method" in i for i in ds[0]["indicators"])
train = json.load(open(w + "/train.llava.json"))
dropped = sum(1 for _ in open(w + "/dropped.jsonl"))
assert 0 < len(train) <= 40 and len(train) + dropped == ds[0]["samples"], (len(train), dropped)
PY
check "grep -q '<svg' '$W/report.html'" "report.html has charts"

# 2. nothing changed: every stage skipped, no file rewritten
stat -c '%n %Y %s' "$W"/*.json* > "$tmp/stat1"
sleep 1
run > /dev/null 2> "$tmp/err2" || bad "second run failed"
check "[ \$(grep -c 'up to date' '$tmp/err2') = 5 ]" "second run: five stages up to date"
stat -c '%n %Y %s' "$W"/*.json* > "$tmp/stat2"
check "cmp -s '$tmp/stat1' '$tmp/stat2'" "second run rewrote a file"
run --dry-run > "$tmp/dry" 2>&1
check "[ \$(grep -c '^# \[[0-9]/5\] .*: up to date' '$tmp/dry') = 5 ] && grep -q '^vlit score ' '$tmp/dry'" "dry run"

# 3. another generation seed: collect skipped, the rest runs again
run --set generate.seed=2 > /dev/null 2> "$tmp/err3" || bad "seed-2 run failed"
check "grep -q '\[1/5\] collect: up to date' '$tmp/err3'" "seed 2: collect skipped"
check "grep -q '\[2/5\] generate: vlit generate' '$tmp/err3' && grep -q '\[3/5\] score: vlit score' '$tmp/err3'" "seed 2: generate and score run"
check "! cmp -s '$tmp/samples.jsonl' '$W/samples.jsonl'" "seed 2 gives other samples"

# 4. a failing stage: stops, keeps the earlier ones, the next run goes on from it
run --set score.indicators=no_such_indicator > /dev/null 2> "$tmp/err4" && bad "a bad indicator must fail" || ok
check "grep -q 'stage score failed' '$tmp/err4'" "the failing stage is named"
check "[ ! -e '$W/.vlit-run/score.done' ] && [ -e '$W/.vlit-run/generate.done' ]" "stamps after a failure"
run > /dev/null 2> "$tmp/err5" || bad "run after the failure failed"
check "grep -q '\[1/5\] collect: up to date' '$tmp/err5' && grep -q '\[3/5\] score: vlit score' '$tmp/err5'" "resumed at score"
check "cmp -s '$tmp/samples.jsonl' '$W/samples.jsonl' && cmp -s '$tmp/scores.jsonl' '$W/scores.jsonl'" "back to seed 1: the same files as by hand"

# 5. config errors, before anything runs
printf '[run]\nworkdir = %s\n[colect]\nx = 1\n' "$tmp/e" > "$tmp/bad1.conf"
"$VLIT" run "$tmp/bad1.conf" 2> "$tmp/e1" && bad "unknown section accepted" || ok
check "grep -q 'bad1.conf:3: unknown section \[colect\]' '$tmp/e1' && [ ! -e '$tmp/e' ]" "unknown section message"
printf '[score]\noutput = x.jsonl\n' > "$tmp/bad2.conf"
"$VLIT" run "$tmp/bad2.conf" --set run.samples=x 2> "$tmp/e2" && bad "output key accepted" || ok
check "grep -q 'bad2.conf:2: \[score\] output is set by vlit run itself' '$tmp/e2'" "reserved key message"
printf 'seed = 1\n' > "$tmp/bad3.conf"
"$VLIT" run "$tmp/bad3.conf" 2> "$tmp/e3" && bad "key before section accepted" || ok
check "grep -q \"bad3.conf:1: 'seed' comes before any \[section\]\" '$tmp/e3'" "grammar error message"
printf '[score]\n' > "$tmp/bad4.conf"
"$VLIT" run "$tmp/bad4.conf" 2> "$tmp/e4" && bad "score without samples accepted" || ok
check "grep -q 'needs samples' '$tmp/e4'" "missing input message"
rc=0; "$VLIT" run 2> /dev/null || rc=$?
check "[ $rc = 2 ]" "no config: usage error"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
