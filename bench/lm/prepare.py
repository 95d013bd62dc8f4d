#!/usr/bin/env python3
"""Writes the benchmark's text files (one sentence per line) into DIR:
  wordnet.txt  the glosses and examples of WordNet 3.0 (Debian package
               wordnet-base), split at ';': the training corpus (~9 MB)
  eval.txt     real vision-language text: COCO captions of coco-mini and the
               LLaVA samples (captions, instructions, answers; one turn a line)
usage: prepare.py SHARED_DATA_DIR OUT_DIR"""
import json
import os
import sys

shared, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)


def one_line(s):
    return " ".join(s.split())


n = 0
with open(os.path.join(out, "wordnet.txt"), "w", encoding="utf-8") as f:
    for pos in ("noun", "verb", "adj", "adv"):
        with open("/usr/share/wordnet/data." + pos, encoding="utf-8", errors="replace") as src:
            for line in src:
                if line.startswith("  ") or " | " not in line:
                    continue  # licence header
                for part in line.split(" | ", 1)[1].split(";"):
                    part = one_line(part).strip('"').strip()
                    if part:
                        f.write(part + "\n")
                        n += 1
print(f"wordnet.txt: {n} lines")

lines = []
with open(os.path.join(shared, "coco-mini-train2017/annotations/captions_train2017.json"), encoding="utf-8") as src:
    lines += [a["caption"] for a in json.load(src)["annotations"]]
llava = os.path.join(shared, "llava-gpt4-samples")
with open(os.path.join(llava, "caps_boxes_coco2014_val_80.jsonl"), encoding="utf-8") as src:
    for rec in map(json.loads, src):
        lines += rec["captions"]
with open(os.path.join(llava, "coco2014_val_gpt4_qa_30x3.jsonl"), encoding="utf-8") as src:
    for rec in map(json.loads, src):
        lines += [rec["instruction"], rec["output"]]
lines = [one_line(s) for s in lines if one_line(s)]
with open(os.path.join(out, "eval.txt"), "w", encoding="utf-8") as f:
    f.write("".join(s + "\n" for s in lines))
print(f"eval.txt: {len(lines)} lines")
