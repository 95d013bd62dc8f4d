#!/usr/bin/env bash
# vlit report end to end: the demo (clues, AA samples, scores, images), the
# LLaVA GPT-4 samples of ../shared/data (converted here; skipped with 77 when
# absent) and both side by side: the table printed, the JSON checked with
# python3 (structure, a method on every number, null only with a reason),
# 4 partials merged == one process byte for byte (one dataset and several,
# with --equalize), and the errors of bad partials and options.
set -euo pipefail
VLIT=${1:?usage: report.sh VLIT}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export VLIT_DATA_DIR=$root/data
A=$root/data/demo/annotations
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# ---- the demo
"$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
"$VLIT" collect -q --coco-captions "$A/captions_demo.json" --coco-instances "$A/instances_demo.json" \
  --vqa-questions "$A/vqa_questions_demo.json" --vqa-annotations "$A/vqa_annotations_demo.json" \
  --coco-text "$A/cocotext_demo.json" --vaw "$A/vaw_demo.json" --image-root "$tmp/images" -o "$tmp/clues.jsonl"
"$VLIT" generate -q --mode aa --turns 3 "$tmp/clues.jsonl" -o "$tmp/demo.jsonl"
"$VLIT" score -q "$tmp/demo.jsonl" --clues "$tmp/clues.jsonl" --image-root "$tmp/images" -o "$tmp/demo.scores.jsonl"
D=("$tmp/demo.jsonl" --clues "$tmp/clues.jsonl" --scores "$tmp/demo.scores.jsonl" --image-root "$tmp/images"
   --threads 1)

"$VLIT" report -q "${D[@]}" -o "$tmp/demo.txt"
for row in "Text readability" "Task diversity" "Instruction diversity" "Response diversity" "Visual diversity" \
           "Object diversity" "Balance"; do
    grep -q "^$row " "$tmp/demo.txt" && ok || bad "demo table has no row '$row'"
done
"$VLIT" report -q "${D[@]}" --format json -o "$tmp/demo.json"

check_json() { # FILE DATASETS...
    python3 - "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
names = sys.argv[2:]
errors = []
def need(cond, what):
    if not cond:
        errors.append(what)
need(doc.get("vlit_report") == 1 and isinstance(doc.get("vlit_version"), str), "header")
need(isinstance(doc.get("options"), dict) and "eps_text" in doc["options"], "options")
ds = doc.get("datasets", [])
need([d.get("name") for d in ds] == names, f"dataset names {[d.get('name') for d in ds]}")
dataset_keys = ["tasks", "instruction_diversity", "response_diversity", "visual_diversity", "object_diversity",
                "balance"]
for d in ds:
    keys = [i["key"] for i in d["indicators"]]
    for k in dataset_keys:
        need(k in keys, f"{d['name']}: no {k}")
    principles = [i["principle"] for i in d["indicators"]]
    need(principles == sorted(principles), f"{d['name']}: not in principle order")
    need(keys == [i["key"] for i in ds[0]["indicators"]], f"{d['name']}: rows differ from the first dataset")
    shares = d["task_shares"]
    need(shares and abs(sum(s["share"] for s in shares) - 100) < 1e-9, f"{d['name']}: shares do not sum to 100")
    need(sum(s["count"] for s in shares) <= d["samples"], f"{d['name']}: more tagged than samples")
    for i in d["indicators"]:
        where = f"{d['name']}/{i['key']}"
        need(isinstance(i.get("method"), str) and i["method"], f"{where}: no method")
        need(i.get("level") in ("sample", "dataset") and i.get("direction") in ("higher", "lower"), f"{where}: level")
        if i["value"] is None:
            need(isinstance(i.get("missing"), str) and i["missing"], f"{where}: null without a reason")
        else:
            need(isinstance(i["value"], (int, float)), f"{where}: value not a number")
        if i["level"] == "sample" and i["value"] is not None:
            h = i["histogram"]
            need(len(h["edges"]) == 21 and len(h["counts"]) == 20, f"{where}: histogram shape")
            need(sum(h["counts"]) == i["n"], f"{where}: histogram counts {sum(h['counts'])} != n {i['n']}")
            need(i["n"] + i["missing"] == d["samples"], f"{where}: n + missing != samples")
            w = [x["value"] for x in i["worst"]]
            need(len(w) == min(20, i["n"]), f"{where}: {len(w)} worst samples")
            need(w == sorted(w, reverse=i["direction"] == "lower"), f"{where}: worst not ordered")
            need(all(x["text"] for x in i["worst"]), f"{where}: worst sample without text")
        if i["key"] == "balance" and i["value"] is not None:
            s = [x["share"] for x in shares]
            m = sum(s) / len(s)
            need(abs(i["value"] - sum((x - m) ** 2 for x in s) / len(s)) < 1e-6, f"{where}: not the variance")
        if i["key"] == "tasks" and i["value"] is not None:
            need(i["value"] == len(shares), f"{where}: != number of shares")
        if i["key"] == "instruction_diversity" and i["value"] is not None:
            pt = i["per_task"]
            need(abs(i["value"] - sum(pt.values()) / len(pt)) < 1e-9, f"{where}: not the mean over tasks")
        if i["key"] == "response_diversity" and i["value"] is not None:
            import math
            need(abs(i["value"] - math.log10(i["clusters"])) < 1e-12, f"{where}: not log10 clusters")
            need(sum(i["cluster_sizes"]) + round(i["noise_share"] * i["points"]) == i["points"], f"{where}: sizes")
for e in errors:
    print("FAIL:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
}
check_json "$tmp/demo.json" demo && ok || bad "demo JSON"
python3 - "$tmp/demo.json" <<'PY' && ok || bad "demo values"
import json, sys
d = json.load(open(sys.argv[1]))["datasets"][0]
ind = {i["key"]: i for i in d["indicators"]}
assert ind["object_diversity"]["value"] >= 5, ind["object_diversity"]
assert ind["visual_diversity"]["value"] is not None and ind["visual_diversity"]["failed"] == 0
assert ind["image_readability"]["value"] is not None
PY

# the HTML page is written (helper-html's renderer; its own test checks the page)
"$VLIT" report -q "${D[@]}" --format html -o "$tmp/demo.html" && grep -q "<svg" "$tmp/demo.html" && ok \
  || bad "no HTML page"

shards_equal() { # NAME -- report arguments
    local name=$1; shift
    "$VLIT" report -q "$@" --format json -o "$tmp/$name.whole.json"
    for i in 0 1 2 3; do
        "$VLIT" report -q "$@" --partial --shard "$i/4" -o "$tmp/$name.part$i"
    done
    "$VLIT" merge report -q --format json "$tmp/$name".part{3,1,0,2} -o "$tmp/$name.merged.json"
    cmp -s "$tmp/$name.whole.json" "$tmp/$name.merged.json" && ok || bad "$name: 4 shards merged differ from one process"
    "$VLIT" merge report -q "$tmp/$name".part{0,1,2,3} -o "$tmp/$name.merged.txt"
    "$VLIT" report -q "$@" -o "$tmp/$name.whole.txt"
    cmp -s "$tmp/$name.whole.txt" "$tmp/$name.merged.txt" && ok || bad "$name: merged table differs"
}
shards_equal demo "${D[@]}"

# merge errors: a shard missing, a shard twice, a partial of another run, not a partial
set +e
"$VLIT" merge report -q "$tmp"/demo.part{0,1,2} -o "$tmp/x.json" 2> "$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "3 partials given for a run of 4 shards" "$tmp/err" && ok || bad "missing shard: rc $rc"
"$VLIT" merge report -q "$tmp"/demo.part{0,0,2,3} -o "$tmp/x.json" 2> "$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "each shard" "$tmp/err" && ok || bad "shard twice: rc $rc"
"$VLIT" report -q "${D[@]}" --min-cluster 3 --partial --shard 1/4 -o "$tmp/other.part1"
"$VLIT" merge report -q "$tmp"/demo.part{0,2,3} "$tmp/other.part1" -o "$tmp/x.json" 2> "$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "another run" "$tmp/err" && ok || bad "mixed runs: rc $rc"
mkdir -p "$tmp/junk" && echo "hello" > "$tmp/junk/manifest.jsonl"
"$VLIT" merge report -q "$tmp/junk" -o "$tmp/x.json" 2> "$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q "junk/manifest.jsonl: line 1" "$tmp/err" && ok || bad "junk partial: rc $rc"
[ ! -e "$tmp/x.json" ] && ok || bad "a failed merge left an output"
"$VLIT" report -q "${D[@]}" --shard 1/4 -o "$tmp/x.json" 2> /dev/null; rc=$?
[ $rc -eq 2 ] && ok || bad "--shard without --partial: rc $rc"
"$VLIT" report -q "${D[@]}" --scores a --scores b -o "$tmp/x.json" 2> /dev/null; rc=$?
[ $rc -eq 2 ] && ok || bad "two --scores for one dataset: rc $rc"
"$VLIT" report -q "$tmp/nope.jsonl" -o "$tmp/x.json" 2> "$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q "nope.jsonl" "$tmp/err" && ok || bad "missing dataset: rc $rc"
set -e

# ---- the LLaVA GPT-4 samples, and both side by side
L=$root/../shared/data/llava-gpt4-samples
if [ ! -d "$L" ]; then
    echo "report.sh: $pass passed, $fail failed (no $L: LLaVA part skipped)"
    [ $fail -eq 0 ] || exit 1
    exit 77
fi
python3 - "$L" "$tmp" <<'PY'
import json, os, sys
src, out = sys.argv[1:]
samples = []
for k, line in enumerate(open(os.path.join(src, "coco2014_val_gpt4_qa_30x3.jsonl"))):
    s = json.loads(line)
    samples.append({"id": f"{s['id']}-{s['type']}-{k}", "image": s["image"],
                    "conversations": [{"from": "human", "value": "<image>\n" + s["instruction"]},
                                      {"from": "gpt", "value": s["output"]}]})
json.dump(samples, open(os.path.join(out, "llava.json"), "w"))
with open(os.path.join(out, "llava.clues.jsonl"), "w") as f:
    for line in open(os.path.join(src, "caps_boxes_coco2014_val_80.jsonl")):
        r = json.loads(line)
        objs = [{"category": i["category"], "bbox": [round(i["bbox"][0] * 640, 1), round(i["bbox"][1] * 480, 1),
                 round((i["bbox"][2] - i["bbox"][0]) * 640, 1), round((i["bbox"][3] - i["bbox"][1]) * 480, 1)]}
                for i in r["instances"]]
        f.write(json.dumps({"id": r["id"], "image": f"COCO_val2014_{r['id']}.jpg", "width": 640, "height": 480,
                            "captions": r["captions"], "objects": objs}) + "\n")
PY
"$VLIT" score -q "$tmp/llava.json" --clues "$tmp/llava.clues.jsonl" \
  --indicators text_readability,matching,correctness,hallucination,instruction_complexity,object_complexity \
  -o "$tmp/llava.scores.jsonl"
LL=("$tmp/llava.json" --clues "$tmp/llava.clues.jsonl" --scores "$tmp/llava.scores.jsonl" --threads 1)
"$VLIT" report -q "${LL[@]}" -o "$tmp/llava.txt"
grep -q "^Instruction diversity " "$tmp/llava.txt" && ok || bad "llava table"
"$VLIT" report -q "${LL[@]}" --format json -o "$tmp/llava.json.out"
check_json "$tmp/llava.json.out" llava && ok || bad "llava JSON"
python3 - "$tmp/llava.json.out" <<'PY' && ok || bad "llava values"
import json, sys
d = json.load(open(sys.argv[1]))["datasets"][0]
ind = {i["key"]: i for i in d["indicators"]}
assert d["samples"] == 90, d["samples"]
assert ind["object_diversity"]["value"] > 10 and ind["object_diversity"]["images_with_clue"] == 30, ind["object_diversity"]
assert ind["visual_diversity"]["value"] is None and "no image could be read" in ind["visual_diversity"]["missing"]
assert ind["instruction_diversity"]["value"] > 0
PY

M=("$tmp/demo.jsonl" "$tmp/llava.json" --clues "$tmp/clues.jsonl" --clues "$tmp/llava.clues.jsonl"
   --scores "$tmp/demo.scores.jsonl" --scores "$tmp/llava.scores.jsonl" --image-root "$tmp/images" --threads 1)
"$VLIT" report -q "${M[@]}" -o "$tmp/mix.txt"
head -1 "$tmp/mix.txt" | grep -q "demo  *llava$" && ok || bad "mix table header: $(head -1 "$tmp/mix.txt")"
"$VLIT" report -q "${M[@]}" --format json -o "$tmp/mix.json"
check_json "$tmp/mix.json" demo llava && ok || bad "mix JSON"
shards_equal mix "${M[@]}"
shards_equal mixeq "${M[@]}" --equalize --seed 7
python3 - "$tmp/mixeq.whole.json" <<'PY' && ok || bad "equalize"
import json, sys
ds = json.load(open(sys.argv[1]))["datasets"]
n = min(d["records"] for d in ds)
assert all(d["samples"] == n and d["equalized_to"] == n for d in ds), [(d["samples"], d["equalized_to"]) for d in ds]
PY

echo "report.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
