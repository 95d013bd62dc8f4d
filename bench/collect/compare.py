#!/usr/bin/python3
"""Checks that vlit's clue records and the baseline's hold the same content:
per image, the same captions, the same objects (category, supercategory, box,
area) and the same questions with the same answer counts. Prints one line and
exits 1 on any difference.

usage: compare.py VLIT.jsonl BASELINE.jsonl
"""
import json
import sys


def key_objects(objs):
    return sorted((o["category"], o.get("supercategory", ""), tuple(map(float, o["bbox"])), float(o["area"]))
                  for o in objs)


def key_qa(qas):
    return sorted((q["question"], tuple(sorted((a["answer"], a["count"]) for a in q["answers"]))) for q in qas)


def main():
    vlit_path, base_path = sys.argv[1], sys.argv[2]
    base = {}
    with open(base_path) as f:
        for line in f:
            r = json.loads(line)
            base[str(r["id"])] = r
    diffs, n = 0, 0
    with open(vlit_path) as f:
        for line in f:
            n += 1
            v = json.loads(line)
            b = base.pop(v["id"], None)
            if b is None:
                diffs += 1
                continue
            if (v["captions"] != b["captions"] or key_objects(v["objects"]) != key_objects(b["objects"])
                    or key_qa(v["qa"]) != key_qa(b["qa"])):
                if diffs < 3:
                    print("differs: image", v["id"], file=sys.stderr)
                diffs += 1
    diffs += len(base)
    print(f"content: {n} records compared, {diffs} differ" + (", same" if diffs == 0 else ""))
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
