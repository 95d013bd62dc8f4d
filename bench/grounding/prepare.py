"""Inputs of bench/grounding, written outside the repository.

usage: prepare.py SHARED_DATA OUT_DIR LEXICON

From llava-gpt4-samples/caps_boxes_coco2014_val_80.jsonl (LLaVA's symbolic
inputs: five captions and boxes normalised to 0-1 as [x1, y1, x2, y2] per
image) it writes a COCO-layout captions file and instances file, so that
`vlit collect` builds the clue records as it does from COCO itself:
  - images: id = the COCO id, file_name = COCO_val2014_<id>.jpg (the name the
    GPT-4 samples use), width = height = 1000: the file does not give the
    image sizes, so boxes are scaled to a 1000 x 1000 frame (the grounding
    indicators do not read boxes);
  - categories: the category names of the file, supercategories from vlit's
    object lexicon (the caps file has none); iscrowd = 0 (not in the file).
From coco2014_val_gpt4_qa_30x3.jsonl it writes samples.jsonl (vlit's JSONL):
one sample per instruction/output pair, task = its LLaVA type (conv, detail,
complex).
"""
import json
import os
import sys


def main():
    shared, out, lexicon = sys.argv[1:4]
    src = os.path.join(shared, "llava-gpt4-samples")
    supers = {}
    with open(lexicon, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if cols[0] != "-":
                supers[cols[0]] = cols[1]
    with open(os.path.join(src, "caps_boxes_coco2014_val_80.jsonl"), encoding="utf-8") as f:
        caps = [json.loads(line) for line in f if line.strip()]
    names = sorted({i["category"] for c in caps for i in c["instances"]})
    cat_id = {n: k + 1 for k, n in enumerate(names)}
    W = H = 1000
    images, captions, objects = [], [], []
    for c in caps:
        iid = int(c["id"])
        images.append({"id": iid, "file_name": "COCO_val2014_%s.jpg" % c["id"], "width": W, "height": H})
        for t in c["captions"]:
            captions.append({"id": len(captions) + 1, "image_id": iid, "caption": t})
        for i in c["instances"]:
            x1, y1, x2, y2 = i["bbox"]
            box = [round(x1 * W, 2), round(y1 * H, 2), round((x2 - x1) * W, 2), round((y2 - y1) * H, 2)]
            objects.append({"id": len(objects) + 1, "image_id": iid, "category_id": cat_id[i["category"]],
                            "bbox": box, "area": round(box[2] * box[3], 2), "iscrowd": 0})
    categories = [{"id": cat_id[n], "name": n, "supercategory": supers.get(n, "other")} for n in names]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "captions.json"), "w", encoding="utf-8") as f:
        json.dump({"images": images, "annotations": captions}, f)
    with open(os.path.join(out, "instances.json"), "w", encoding="utf-8") as f:
        json.dump({"images": images, "annotations": objects, "categories": categories}, f)
    n = 0
    with open(os.path.join(src, "coco2014_val_gpt4_qa_30x3.jsonl"), encoding="utf-8") as f, \
            open(os.path.join(out, "samples.jsonl"), "w", encoding="utf-8") as o:
        for line in f:
            if not line.strip():
                continue
            q = json.loads(line)
            s = {"id": "%s_%s" % (q["id"], q["type"]), "image": q["image"], "task": q["type"],
                 "turns": [{"role": "user", "text": q["instruction"]},
                           {"role": "assistant", "text": q["output"]}]}
            o.write(json.dumps(s) + "\n")
            n += 1
    print("prepare: %d images, %d captions, %d objects, %d categories; %d samples"
          % (len(images), len(captions), len(objects), len(categories), n))


if __name__ == "__main__":
    main()
