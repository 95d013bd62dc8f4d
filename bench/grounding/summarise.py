"""Figures of bench/grounding from `vlit score` outputs, per LLaVA subset.

usage: summarise.py SAMPLES.jsonl SCORES.jsonl [LABEL]

Per subset (the samples' task: conv, detail, complex for LLaVA; the AA task
labels for vlit generate's output) and over all samples:
  matching       mean grounding precision (0-100) of the samples that have a
                 value; n = how many (the others mention no annotated category)
  CHAIR_i        mean per sample, and pooled: hallucinated / mentioned
                 categories summed over the samples (the paper's form)
  CHAIR_s        share of samples with a value that hallucinate any category
  consistency    mean per sample, pooled (claims that agree / all claims),
                 and per kind: agreeing / claims
  object_compl.  mean number of annotated categories the instruction refers to
"""
import json
import sys

LLAVA = ["conv", "detail", "complex"]


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def figures(rows):
    f = {"n": len(rows)}
    m = [r["matching"]["value"] for r in rows if "value" in r.get("matching", {})]
    f["matching"] = (mean(m), len(m))
    h = [r["hallucination"] for r in rows if "value" in r.get("hallucination", {})]
    f["chair_i"] = mean([x["value"] for x in h])
    f["chair_i_pooled"] = (sum(x["hallucinated"] for x in h) / sum(x["mentions"] for x in h)) if h else float("nan")
    f["chair_s"] = mean([x["chair_s"] for x in h])
    f["chair_n"] = len(h)
    c = [r["correctness"] for r in rows if "value" in r.get("correctness", {})]
    f["consistency"] = mean([x["value"] for x in c])
    f["consistency_n"] = len(c)
    kinds = ["existence", "absence", "count", "ocr"]
    claims = {k: sum(x[k] for x in c) for k in kinds}
    ok = {k: sum(x[k + "_ok"] for x in c) for k in kinds}
    f["consistency_pooled"] = sum(ok.values()) / sum(claims.values()) if c else float("nan")
    f["kinds"] = {k: (ok[k], claims[k]) for k in kinds}
    o = [r["object_complexity"]["value"] for r in rows if "value" in r.get("object_complexity", {})]
    f["object_complexity"] = (mean(o), len(o))
    return f


def main():
    samples, scores = sys.argv[1:3]
    label = sys.argv[3] if len(sys.argv) > 3 else scores
    task = {}
    with open(samples, encoding="utf-8") as f:
        for i, line in enumerate(f):
            task[i] = json.loads(line).get("task") or "-"
    found = sorted(set(task.values()))
    subsets = [t for t in LLAVA if t in found] + [t for t in found if t not in LLAVA]
    groups = {s: [] for s in subsets + ["all"]}
    with open(scores, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            groups[task[r["index"]]].append(r["scores"])
            groups["all"].append(r["scores"])
    print("### %s\n" % label)
    print("| subset | samples | matching (n) | CHAIR_i mean / pooled | CHAIR_s | consistency mean / pooled (n) "
          "| existence | count | absence | OCR | object complexity |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for s in subsets + ["all"]:
        f = figures(groups[s])
        k = f["kinds"]
        print("| %s | %d | %.1f (%d) | %.3f / %.3f | %.3f | %.3f / %.3f (%d) | %d/%d | %d/%d | %d/%d | %d/%d | %.2f |" % (
            s, f["n"], f["matching"][0], f["matching"][1], f["chair_i"], f["chair_i_pooled"], f["chair_s"],
            f["consistency"], f["consistency_pooled"], f["consistency_n"],
            k["existence"][0], k["existence"][1], k["count"][0], k["count"][1], k["absence"][0], k["absence"][1],
            k["ocr"][0], k["ocr"][1], f["object_complexity"][0]))
    print()


if __name__ == "__main__":
    main()
