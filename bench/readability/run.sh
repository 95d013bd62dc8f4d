#!/usr/bin/env bash
# Validation of the 0-1 text readability (docs/indicators.md): does it rank
# human text, fluent generated text and broken text as a reader would?
#
# Human-written text: the 800 real captions of ../shared/data (coco-mini's 400
# and the 400 of LLaVA's caps_boxes file). The clue records of coco-mini and of
# 60 of the 80 caps images go to `vlit score --clues`: vlit trains its default
# model on most of them and holds whole images out as reference, as it always
# does. The captions of the other 20 caps images are never seen by vlit. It
# scores, as samples:
#   human      each unseen caption alone (same kind of text as the reference:
#              a mean near 0.5 says the calibration is fair)
#   aa         the template answers vlit generates from coco-mini (fluent,
#              formulaic)
#   gpt4       the 90 GPT-4 answers of llava-gpt4-samples (fluent, longer,
#              another register)
#   shuffled   the unseen captions with their words in random order
#   reversed   the unseen captions word by word backwards
# and prints the mean and quartiles of readability and the mean log10 p per
# known token for each set.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VLIT=$(realpath "${VLIT:-$ROOT/build/vlit}")
SHARED=${SHARED_DATA:-$ROOT/../shared/data}
DATA=${BENCH_DATA:-/work/bench-data/readability}
mkdir -p "$DATA"
A=$SHARED/coco-mini-train2017/annotations
"$VLIT" collect -q --coco-captions "$A/captions_train2017.json" --coco-instances "$A/instances_train2017.json" \
    -o "$DATA/mini.jsonl"
"$VLIT" generate -q --mode aa --tasks detail,brief,counting,existence,location "$DATA/mini.jsonl" -o "$DATA/aa.jsonl"

/usr/bin/python3 - "$SHARED" "$DATA" <<'PY'
import json, random, sys
shared, data = sys.argv[1:3]
clues = [json.loads(l) for l in open(f"{data}/mini.jsonl")]
unseen = []
for k, line in enumerate(open(f"{shared}/llava-gpt4-samples/caps_boxes_coco2014_val_80.jsonl")):
    r = json.loads(line)
    if k % 4 == 3:
        unseen += r["captions"]
    else:
        clues.append({"id": "caps-" + r["id"], "image": "caps/" + r["image"], "captions": r["captions"], "objects": []})
with open(f"{data}/clues.jsonl", "w") as f:
    for c in clues:
        f.write(json.dumps(c) + "\n")

def sample(i, kind, q, a):
    return {"id": f"{kind}-{i}", "task": kind, "turns": [{"role": "user", "text": q}, {"role": "assistant", "text": a}]}

rnd = random.Random(7)
out = []
for i, c in enumerate(unseen):
    out.append(sample(i, "human", "", c))
    words = c.split()
    rnd.shuffle(words)
    out.append(sample(i, "shuffled", "", " ".join(words)))
    out.append(sample(i, "reversed", "", " ".join(reversed(c.split()))))
for i, line in enumerate(open(f"{shared}/llava-gpt4-samples/coco2014_val_gpt4_qa_30x3.jsonl")):
    s = json.loads(line)
    out.append(sample(i, "gpt4", "", s["output"]))
for i, line in enumerate(open(f"{data}/aa.jsonl")):
    s = json.loads(line)
    out.append(sample(i, "aa", "", " ".join(t["text"] for t in s["turns"] if t["role"] == "assistant")))
with open(f"{data}/samples.jsonl", "w") as f:
    for s in out:
        f.write(json.dumps(s) + "\n")
PY

"$VLIT" score "$DATA/samples.jsonl" --clues "$DATA/clues.jsonl" --indicators text_readability -o "$DATA/scores.jsonl"

/usr/bin/python3 - "$DATA" <<'PY'
import json, statistics, sys
data = sys.argv[1]
rows = {}
for line in open(f"{data}/scores.jsonl"):
    s = json.loads(line)
    kind = s["id"].split("-")[0]
    v = s["scores"]["text_readability"]
    if "value" in v:
        rows.setdefault(kind, []).append((v["value"], v["logprob_known"]))
print(f"{'set':10s} {'n':>5s} {'mean':>6s} {'q1':>6s} {'median':>6s} {'q3':>6s}   mean log10 p (known tokens)")
for kind in ("human", "aa", "gpt4", "shuffled", "reversed"):
    v = sorted(x for x, _ in rows.get(kind, []))
    if not v:
        continue
    q = lambda p: v[min(len(v) - 1, int(p * len(v)))]
    lp = statistics.mean(y for _, y in rows[kind])
    print(f"{kind:10s} {len(v):5d} {statistics.mean(v):6.3f} {q(0.25):6.3f} {q(0.5):6.3f} {q(0.75):6.3f}   {lp:.3f}")
PY
