"""Adds to clue records the object categories their captions assert, as
CHAIR's ground truth does (Rohrbach et al. 2018: objects of the instance
annotations or of the reference captions).

usage: augment.py CLUES.jsonl CAPTION_OBJECTS.tsv OUT.jsonl
CAPTION_OBJECTS.tsv: image TAB category (dump_mentions --captions). A
category already annotated is left as it is; another one is added as one
object without a box, "source": "captions".
"""
import json
import sys


def main():
    clues, extra, out = sys.argv[1:4]
    by_image = {}
    with open(extra, encoding="utf-8") as f:
        for line in f:
            image, category = line.rstrip("\n").split("\t")
            by_image.setdefault(image, []).append(category)
    added = 0
    with open(clues, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
        for line in f:
            r = json.loads(line)
            have = {x["category"] for x in r.get("objects", [])}
            for c in by_image.get(r["image"], []):
                if c not in have:
                    r.setdefault("objects", []).append({"category": c, "source": "captions"})
                    added += 1
            o.write(json.dumps(r) + "\n")
    print("augment: %d categories added from captions" % added)


if __name__ == "__main__":
    main()
