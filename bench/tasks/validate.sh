#!/usr/bin/env bash
# Validation of the rule-based task tagger (docs/tasks.md):
# 1. AA samples of the demo data and of coco-mini (when ../shared/data is there):
#    the generator's own task names give the expected label (map below), agreement
#    per AA task;
# 2. LLaVA's GPT-4 samples (../shared/data/llava-gpt4-samples/coco2014_val_gpt4_qa_30x3.jsonl):
#    labels per LLaVA type, and every label printed beside its instruction for hand checking.
# usage: bench/tasks/validate.sh [VLIT] [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
VLIT=${1:-$root/build/vlit}
out=$(realpath -m "${2:-$(mktemp -d)}")
mkdir -p "$out"
A=$root/data/demo/annotations
shared=$root/../shared/data
"$VLIT" collect -q --coco-captions "$A/captions_demo.json" --coco-instances "$A/instances_demo.json" \
  --coco-keypoints "$A/person_keypoints_demo.json" \
  --vqa-questions "$A/vqa_questions_demo.json" --vqa-annotations "$A/vqa_annotations_demo.json" \
  --coco-text "$A/cocotext_demo.json" --vaw "$A/vaw_demo.json" --textvqa "$A/textvqa_demo.json" \
  -o "$out/demo-clues.jsonl"
"$VLIT" generate -q --mode aa "$out/demo-clues.jsonl" -o "$out/demo-aa.jsonl"
"$VLIT" generate -q --mode aa --turns 3 "$out/demo-clues.jsonl" -o "$out/demo-aa3.jsonl"
sets=(demo-aa demo-aa3)
if [ -d "$shared/coco-mini-train2017" ]; then
  C=$shared/coco-mini-train2017/annotations
  "$VLIT" collect -q --coco-captions "$C/captions_train2017.json" --coco-instances "$C/instances_train2017.json" \
    --coco-keypoints "$C/person_keypoints_train2017.json" -o "$out/mini-clues.jsonl"
  "$VLIT" generate -q --mode aa --max-per-task 5 "$out/mini-clues.jsonl" -o "$out/mini-aa.jsonl"
  sets+=(mini-aa)
fi
for s in "${sets[@]}"; do
  "$VLIT" tag -q "$out/$s.jsonl" -o "$out/$s.tags.jsonl"
done
python3 - "$out" "${sets[@]}" <<'PY'
import collections, json, sys
out, sets = sys.argv[1], sys.argv[2:]
# AA task (or derived variant) -> the label the rules should give
expect = {"detail": "description", "brief": "description", "counting": "instance_counting",
          "existence": "instance_identity", "negative": "instance_identity", "region": "instance_identity",
          "attribute": "instance_attributes", "location": "instance_location", "ocr": "text_recognition",
          "vqa.derived": "instance_identity", "attribute.colour": "instance_attributes"}
for name in sets:
    samples = [json.loads(l) for l in open(f"{out}/{name}.jsonl")]
    tags = [json.loads(l) for l in open(f"{out}/{name}.tags.jsonl")]
    assert len(samples) == len(tags)
    per = collections.defaultdict(lambda: [0, 0])
    wrong = []
    for s, t in zip(samples, tags):
        task = s.get("task")
        variant = (s.get("provenance") or {}).get("variant")
        key = variant if variant in expect else task
        if key == "conversation":
            continue  # mixed turns: checked below
        if key not in expect:
            per[key + " (no expected label)"][1] += 1
            continue
        ok = t["task"] == expect[key]
        per[key][0] += ok
        per[key][1] += 1
        if not ok:
            wrong.append((key, t["task"], " | ".join(x["text"] for x in s["turns"] if x["role"] == "user")))
    conv = [(s, t) for s, t in zip(samples, tags) if s.get("task") == "conversation"]
    checked = sum(v[1] for k, v in per.items() if k in expect)
    right = sum(v[0] for k, v in per.items() if k in expect)
    print(f"== {name}: {len(samples)} samples; single-task agreement {right}/{checked}"
          f" = {100 * right / max(checked, 1):.1f} %")
    for k in sorted(per):
        print(f"   {k:34s} {per[k][0]:4d}/{per[k][1]:<4d}")
    if conv:
        c = collections.Counter(t["task"] for _, t in conv)
        print(f"   conversations ({len(conv)}): " + ", ".join(f"{k} {v}" for k, v in c.most_common()))
    for w in wrong[:15]:
        print("   wrong:", w)
llava = f"{out}/../llava" if False else None
PY
# LLaVA's GPT-4 samples: our JSONL, then tagged
if [ -f "$shared/llava-gpt4-samples/coco2014_val_gpt4_qa_30x3.jsonl" ]; then
  python3 - "$shared/llava-gpt4-samples/coco2014_val_gpt4_qa_30x3.jsonl" "$out/llava.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w") as f:
    for i, l in enumerate(open(sys.argv[1])):
        r = json.loads(l)
        f.write(json.dumps({"id": f"{r['id']}-{i}", "image": r["image"], "task": r["type"],
                            "turns": [{"role": "user", "text": r["instruction"]},
                                      {"role": "assistant", "text": r["output"]}]}) + "\n")
PY
  "$VLIT" tag -q "$out/llava.jsonl" -o "$out/llava.tags.jsonl"
  python3 - "$out/llava.jsonl" "$out/llava.tags.jsonl" <<'PY'
import collections, json, sys
s = [json.loads(l) for l in open(sys.argv[1])]
t = [json.loads(l) for l in open(sys.argv[2])]
by = collections.defaultdict(collections.Counter)
for a, b in zip(s, t):
    by[a["task"]][b["task"]] += 1
print("== LLaVA GPT-4 samples (90): label counts per LLaVA type")
for k in sorted(by):
    print(f"   {k:8s} " + ", ".join(f"{x} {n}" for x, n in by[k].most_common()))
print("-- every label, for hand checking (type, label, instruction):")
for a, b in zip(s, t):
    print(f"   {a['task']:8s} {b['task']:22s} {a['turns'][0]['text']}")
PY
fi
