#!/usr/bin/python3
"""Makes the LLaVA-style dataset of bench/score from the real data in ../shared/data.

LLaVA-Instruct-150K has 157,712 samples on 81,479 COCO images: 56,681
conversations, 23,240 detailed descriptions, 76,643 complex-reasoning answers
(shares 36 %, 15 %, 49 %). This script makes a set of the same size and shares:

  clues.jsonl    N_IMAGES clue records (vlit collect's format): the 80 images of
                 LLaVA's caps_boxes file (captions + boxes, boxes scaled to
                 640x480) and the 80 of coco-mini (through `vlit collect`),
                 repeated under new image names img/000123.jpg;
  samples.json   N_SAMPLES samples in LLaVA JSON, each on one of those images,
                 made from the 90 real GPT-4 samples of llava-gpt4-samples (their
                 30 images are among the 80 of the caps file): a sample on a copy
                 of image X uses X's own GPT-4 text; conversations join X's
                 conversation pair with its complex-reasoning pair as a second
                 round.

Text is repeated, so the language model sees a realistic length and vocabulary
per sample but no new words; the point is the cost of scoring, not the scores.

usage: make-dataset.py SHARED_DATA VLIT OUT_DIR [--samples N] [--images N]
"""
import argparse
import json
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shared")
    ap.add_argument("vlit")
    ap.add_argument("out")
    ap.add_argument("--samples", type=int, default=157712)
    ap.add_argument("--images", type=int, default=81479)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    llava = os.path.join(a.shared, "llava-gpt4-samples")
    coco = os.path.join(a.shared, "coco-mini-train2017", "annotations")

    # base clue records: the caps file ...
    base = []
    with open(os.path.join(llava, "caps_boxes_coco2014_val_80.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            objs = []
            for inst in r["instances"]:
                x1, y1, x2, y2 = inst["bbox"]
                objs.append({"category": inst["category"],
                             "bbox": [round(x1 * 640, 1), round(y1 * 480, 1),
                                      round((x2 - x1) * 640, 1), round((y2 - y1) * 480, 1)]})
            base.append({"id": r["id"], "width": 640, "height": 480, "captions": r["captions"], "objects": objs})
    # ... and coco-mini through vlit collect
    mini = os.path.join(a.out, "coco-mini-clues.jsonl")
    subprocess.run([a.vlit, "collect", "-q", "--coco-captions", os.path.join(coco, "captions_train2017.json"),
                    "--coco-instances", os.path.join(coco, "instances_train2017.json"), "-o", mini], check=True)
    with open(mini) as f:
        for line in f:
            r = json.loads(line)
            r.pop("image", None)
            base.append(r)

    # the GPT-4 text of each of the 30 images, by image id
    text = {}
    with open(os.path.join(llava, "coco2014_val_gpt4_qa_30x3.jsonl")) as f:
        for line in f:
            s = json.loads(line)
            text.setdefault(s["id"], {})[s["type"]] = (s["instruction"], s["output"])
    with_text = [i for i, r in enumerate(base) if r["id"] in text and len(text[r["id"]]) == 3]
    if not with_text:
        sys.exit("make-dataset.py: no image of the GPT-4 samples in the caps file")

    tmp = os.path.join(a.out, "clues.jsonl.tmp")
    with open(tmp, "w") as f:
        for k in range(a.images):
            r = dict(base[k % len(base)], id=f"img{k:06d}", image=f"img/{k:06d}.jpg")
            f.write(json.dumps(r) + "\n")
    os.replace(tmp, os.path.join(a.out, "clues.jsonl"))

    # samples: image k runs over the copies of the images with text
    keep = set(with_text)
    copies = [k for k in range(a.images) if k % len(base) in keep]
    kinds = [("conv", 36), ("detail", 15), ("complex", 49)]
    wheel = [name for name, share in kinds for _ in range(share)]
    tmp = os.path.join(a.out, "samples.json.tmp")
    with open(tmp, "w") as f:
        f.write("[\n")
        for n in range(a.samples):
            k = copies[n % len(copies)]
            t = text[base[k % len(base)]["id"]]
            kind = wheel[(n * 37) % 100]
            q, ans = t[kind]
            turns = [("human", "<image>\n" + q), ("gpt", ans)]
            if kind == "conv":
                q2, a2 = t["complex"]
                turns += [("human", q2), ("gpt", a2)]
            sample = {"id": f"{k:06d}-{n}", "image": f"img/{k:06d}.jpg",
                      "conversations": [{"from": fr, "value": v} for fr, v in turns]}
            f.write(("," if n else "") + json.dumps(sample) + "\n")
        f.write("]\n")
    os.replace(tmp, os.path.join(a.out, "samples.json"))
    print(f"make-dataset.py: {a.samples} samples on {len(copies)} of {a.images} images "
          f"({len(base)} base images, {len(with_text)} with GPT-4 text)", file=sys.stderr)


if __name__ == "__main__":
    main()
