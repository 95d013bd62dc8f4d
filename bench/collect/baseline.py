#!/usr/bin/python3
"""Plain-Python baseline for `vlit collect`: the script a practitioner would write.

It json.load()s each annotation file whole, builds dicts keyed by image id and writes
one JSON record per image (JSONL), in the order of the captions file's images (the
instances file's when no captions are given). It is deliberately the straightforward
version -- standard library only, no streaming, no tricks -- because that is what the
C tool is measured against. Each file is loaded inside its own function so that the
parsed document can be freed once its index is built; keeping every document alive
would make the baseline look worse than a careful script.

Record layout (one line per image):
  {"id", "image", "width", "height",
   "captions": [str, ...],                               file order
   "objects": [{"category", "supercategory", "bbox", "area", "iscrowd"}, ...],
   "qa": [{"question_id", "question", "answer_type", "answer",
           "answers": [{"answer", "count"}, ...]}, ...]}
"answer" is the most frequent of the ten answers; ties go to the one seen first, and
"answers" lists the distinct answers by count (descending), ties in first-seen order.
Segmentation is dropped. Annotations whose image id is not in the image list are
counted and skipped.

Usage: baseline.py --coco-captions F --coco-instances F --vqa-questions F
                   --vqa-annotations F -o OUT.jsonl [--quiet]
"""

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict


def load(path):
    with open(path, "rb") as f:
        return json.load(f)


def load_captions(path):
    doc = load(path)
    captions = defaultdict(list)
    for ann in doc["annotations"]:
        captions[ann["image_id"]].append(ann["caption"])
    return doc["images"], captions


def load_instances(path):
    doc = load(path)
    cats = {c["id"]: (c["name"], c.get("supercategory", "")) for c in doc["categories"]}
    objects = defaultdict(list)
    for ann in doc["annotations"]:
        name, supercategory = cats[ann["category_id"]]
        objects[ann["image_id"]].append({
            "category": name,
            "supercategory": supercategory,
            "bbox": ann["bbox"],
            "area": ann["area"],
            "iscrowd": ann.get("iscrowd", 0),
        })
    return doc["images"], objects


def load_vqa(questions_path, annotations_path):
    answers_by_qid = {}
    for ann in load(annotations_path)["annotations"]:
        counts = Counter(a["answer"] for a in ann["answers"]).most_common()
        answers_by_qid[ann["question_id"]] = (ann.get("answer_type"), counts)
    qa = defaultdict(list)
    for q in load(questions_path)["questions"]:
        answer_type, counts = answers_by_qid.get(q["question_id"], (None, []))
        qa[q["image_id"]].append({
            "question_id": q["question_id"],
            "question": q["question"],
            "answer_type": answer_type,
            "answer": counts[0][0] if counts else None,
            "answers": [{"answer": a, "count": n} for a, n in counts],
        })
    return qa


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Plain-Python baseline of `vlit collect`: join COCO captions, "
                    "instances and VQA v2 into one JSON record per image (JSONL).")
    ap.add_argument("--coco-captions", metavar="F", help="COCO captions_*.json")
    ap.add_argument("--coco-instances", metavar="F", help="COCO instances_*.json")
    ap.add_argument("--vqa-questions", metavar="F", help="VQA v2 questions JSON")
    ap.add_argument("--vqa-annotations", metavar="F", help="VQA v2 annotations JSON")
    ap.add_argument("-o", "--output", metavar="OUT", required=True, help="output JSONL")
    ap.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = ap.parse_args(argv)
    if not (args.coco_captions or args.coco_instances):
        ap.error("need --coco-captions or --coco-instances (they list the images)")
    if bool(args.vqa_questions) != bool(args.vqa_annotations):
        ap.error("--vqa-questions and --vqa-annotations go together")

    t0 = time.time()
    images, captions, objects, qa = None, {}, {}, {}
    if args.coco_captions:
        images, captions = load_captions(args.coco_captions)
    if args.coco_instances:
        inst_images, objects = load_instances(args.coco_instances)
        images = images if images is not None else inst_images
        del inst_images
    if args.vqa_questions:
        qa = load_vqa(args.vqa_questions, args.vqa_annotations)

    # Write beside the target and rename, so a failed run leaves no partial output.
    tmp = "%s.tmp.%d" % (args.output, os.getpid())
    known = set()
    with open(tmp, "w", encoding="utf-8") as out:
        for im in images:
            image_id = im["id"]
            known.add(image_id)
            rec = {
                "id": image_id,
                "image": im["file_name"],
                "width": im["width"],
                "height": im["height"],
                "captions": captions.get(image_id, []),
                "objects": objects.get(image_id, []),
                "qa": qa.get(image_id, []),
            }
            out.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
    os.replace(tmp, args.output)

    if not args.quiet:
        orphans = {name: sum(len(v) for k, v in table.items() if k not in known)
                   for name, table in (("captions", captions), ("objects", objects), ("qa", qa))}
        print("baseline: %d records -> %s in %.1f s; annotations without an image: %s"
              % (len(images), args.output, time.time() - t0,
                 ", ".join("%s %d" % kv for kv in orphans.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
