#!/usr/bin/env bash
# The similarity threshold of vlit select's diversity group, measured.
#
# Two questions, asked of the TF-IDF vectors (vlit's default, 256 dimensions)
# through `vlit select` itself (only its diversity group on):
#  1. distinct texts: how many real, different texts (LLaVA's GPT-4
#     instructions and answers; the demo pipeline's instructions and answers)
#     a threshold would wrongly merge;
#  2. near duplicates: how many edited copies of the GPT-4 answers (one word
#     dropped, one word replaced, case and punctuation changed, a tenth of the
#     words dropped, the first sentence moved to the end; and, for contrast, a
#     quarter of the words replaced) it merges with their original.
# Each text is put in its own sample with a constant partner text, so only
# the text under test decides. Prints one table; docs/select.md quotes it.
#
#   bench/select-threshold/run.sh [VLIT] [LLAVA_GPT4_JSONL] [DEMO_SAMPLES_JSONL]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
VLIT=${1:-$root/build/vlit}
GPT4=${2:-$root/../shared/data/llava-gpt4-samples/coco2014_val_gpt4_qa_30x3.jsonl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -n "${3:-}" ]; then
  DEMO=$3
else
  "$root/scripts/demo.sh" "$tmp/demo" > /dev/null 2>&1 || { echo "demo failed" >&2; exit 1; }
  DEMO=$tmp/demo/samples.jsonl
fi
python3 - "$VLIT" "$GPT4" "$DEMO" "$tmp" <<'PY'
import json, random, re, subprocess, sys
vlit, gpt4, demo, tmp = sys.argv[1:5]
g = [json.loads(l) for l in open(gpt4)]
d = [json.loads(l) for l in open(demo)]
def turns(s, role):
    return "\n".join(t["text"] for t in s["turns"] if t["role"] == role)
def distinct(xs):
    seen, out = set(), []
    for x in xs:
        if x not in seen:
            seen.add(x); out.append(x)
    return out
sets = {
    "GPT-4 instructions": distinct(x["instruction"] for x in g),
    "GPT-4 answers": distinct(x["output"] for x in g),
    "demo instructions": distinct(turns(s, "user") for s in d),
    "demo answers": distinct(turns(s, "assistant") for s in d),
}
rng = random.Random(1)
answers = sets["GPT-4 answers"]
vocab = sorted({w for a in answers for w in re.findall(r"[A-Za-z]+", a)})
def words(t): return t.split(" ")
def drop_one(t):
    w = words(t); del w[rng.randrange(len(w))]; return " ".join(w)
def replace_k(t, share):
    w = words(t)
    for i in rng.sample(range(len(w)), max(1, round(share * len(w)))):
        w[i] = rng.choice(vocab)
    return " ".join(w)
def drop_share(t, share):
    w = words(t)
    for i in sorted(rng.sample(range(len(w)), max(1, round(share * len(w)))), reverse=True):
        del w[i]
    return " ".join(w)
def recase(t): return re.sub(r"[.,!?;:]", "", t).lower()
def move_first(t):
    s = re.split(r"(?<=[.!?]) ", t)
    return " ".join(s[1:] + s[:1]) if len(s) > 1 else None
edits = {
    "one word dropped": drop_one,
    "one word replaced": lambda t: replace_k(t, 0),
    "case, punctuation": recase,
    "10% words dropped": lambda t: drop_share(t, 0.10),
    "first sentence last": move_first,
    "25% words replaced": lambda t: replace_k(t, 0.25),
}
thresholds = [0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98]

def run(texts, sim):
    """samples: each text as the answer (instruction constant); returns the
    positions dropped as near duplicates and the position each was merged into"""
    with open(f"{tmp}/s.jsonl", "w") as f, open(f"{tmp}/sc.jsonl", "w") as h:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": str(i), "image": f"{i}.jpg", "turns": [
                {"role": "user", "text": "q"}, {"role": "assistant", "text": t}]}) + "\n")
            h.write(json.dumps({"index": i, "id": str(i), "image": f"{i}.jpg", "scores": {}}) + "\n")
    subprocess.run([vlit, "select", f"{tmp}/s.jsonl", "--scores", f"{tmp}/sc.jsonl", "-q", "--format-out", "jsonl",
                    "--without", "usability,complexity,balance", "--similarity", str(sim),
                    "-o", f"{tmp}/o.jsonl", "--reasons", f"{tmp}/r.jsonl"], check=True)
    out = {}
    for l in open(f"{tmp}/r.jsonl"):
        r = json.loads(l)
        out[r["position"]] = int(re.search(r"position (\d+)", r["rule"]).group(1))
    return out

print("distinct real texts wrongly merged (samples dropped) at each similarity threshold")
print("%-22s %5s " % ("texts", "n") + " ".join("%6s" % t for t in thresholds))
for name, texts in sets.items():
    print("%-22s %5d " % (name, len(texts)) + " ".join("%6d" % len(run(texts, t)) for t in thresholds))
print()
print("edited copies of the %d GPT-4 answers merged with their original (%%)" % len(answers))
print("%-22s %5s " % ("edit", "n") + " ".join("%6s" % t for t in thresholds))
for name, f in edits.items():
    texts, orig_of = [], {}
    for a in answers:
        v = f(a)
        if v is None or v == a:
            continue
        texts.append(a); o = len(texts) - 1
        texts.append(v); orig_of[len(texts) - 1] = o
    n = len(orig_of)
    row = []
    for t in thresholds:
        merged = run(texts, t)
        hit = sum(1 for v, o in orig_of.items() if merged.get(v) == o)
        row.append("%6.1f" % (100.0 * hit / n))
    print("%-22s %5d " % (name, n) + " ".join(row))
PY
