#!/usr/bin/python3
"""Samples for the instruction-complexity benchmark, written outside the repository.

usage: prepare.py QA.jsonl OUT_DIR

QA.jsonl: LLaVA's GPT-4 samples (coco2014_val_gpt4_qa_30x3.jsonl: "id", "image",
"instruction", "output", "type" = conv / detail / complex), read in place.
Writes to OUT_DIR:
  samples.jsonl   the 90 samples in vlit's JSONL format (task = the subset)
  llava158k.jsonl 158,000 samples shaped like LLaVA-Instruct-150K (same subset
                  shares: 58k conversations of 2-6 questions, 23k detailed
                  descriptions, 77k complex-reasoning questions), drawn with a
                  fixed seed from the 90 instructions and their answers
  llava158k-instructions.jsonl  their instructions (user turns joined by a
                  newline, as vlit score gives them to the indicator), for ic_bench
"""
import json
import random
import sys


def main():
    qa_path, out = sys.argv[1], sys.argv[2]
    rows = [json.loads(line) for line in open(qa_path, encoding="utf-8") if line.strip()]
    by_type = {}
    with open(f"{out}/samples.jsonl", "w", encoding="utf-8") as f:
        for i, r in enumerate(rows):
            by_type.setdefault(r["type"], []).append(r)
            f.write(json.dumps({"id": f"{r['type']}-{i}", "image": r["image"], "task": r["type"],
                                "turns": [{"role": "user", "text": "<image>\n" + r["instruction"]},
                                          {"role": "assistant", "text": r["output"]}]}) + "\n")
    rng = random.Random(158000)
    shares = [("conv", 58000), ("detail", 23000), ("complex", 77000)]
    with open(f"{out}/llava158k.jsonl", "w", encoding="utf-8") as f, \
            open(f"{out}/llava158k-instructions.jsonl", "w", encoding="utf-8") as g:
        n = 0
        for kind, count in shares:
            pool = by_type[kind]
            for _ in range(count):
                k = rng.randint(2, 6) if kind == "conv" else 1
                picks = [rng.choice(pool) for _ in range(k)]
                turns = []
                for j, r in enumerate(picks):
                    turns.append({"role": "user", "text": ("<image>\n" if j == 0 else "") + r["instruction"]})
                    turns.append({"role": "assistant", "text": r["output"]})
                f.write(json.dumps({"id": f"s{n}", "image": picks[0]["image"], "task": kind, "turns": turns}) + "\n")
                g.write(json.dumps({"type": kind, "instruction": "\n".join(r["instruction"] for r in picks)}) + "\n")
                n += 1


if __name__ == "__main__":
    main()
