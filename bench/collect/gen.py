#!/usr/bin/python3
"""Generate synthetic COCO train2014-scale annotation files for benchmarks.

The real COCO / VQA files cannot ship with the project, but `vlit collect` has to be
measured at their scale (0.1-0.4 GB per file), so this script writes look-alikes with
the same layout, key order, counts and roughly the same byte sizes:

  captions_train2014.json                 82,783 images, 414,113 captions
  instances_train2014.json                82,783 images, 604,907 objects, 80 categories
  OpenEnded_mscoco_train2014_questions.json   443,757 questions  (VQA v2 layout)
  mscoco_train2014_annotations.json           443,757 answer sets (10 answers each)

Output is a pure function of (--scale, --seed): every file draws from its own
seeded stream, so regenerating one file never changes another.

Details chosen to exercise a streaming joiner the way the real files do:
  - caption annotations are in shuffled order (not grouped by image);
  - instance annotations are ordered by category, then id, as in the real files, so
    one image's objects are spread over the whole array;
  - about 1% of objects are crowds with uncompressed RLE segmentation and ids above
    2^32 (as real crowd ids are), about 7% have multi-part polygons;
  - a few captions contain JSON escapes (quotes, \\u00e9, trailing newline);
  - areas are printed with full float precision, coordinates with 2 decimals.

Usage: gen.py --out DIR [--scale 1.0] [--seed 1]
"""

import argparse
import json
import math
import os
import random
import sys
import time

# Real COCO train2014 / VQA v2 train counts; --scale multiplies all of them.
FULL_COUNTS = {
    "images": 82783,
    "captions": 414113,
    "instances": 604907,
    "questions": 443757,
}

# The 80 COCO categories: (id, name, supercategory). Ids have gaps, as in COCO.
CATEGORIES = [
    (1, "person", "person"), (2, "bicycle", "vehicle"), (3, "car", "vehicle"),
    (4, "motorcycle", "vehicle"), (5, "airplane", "vehicle"), (6, "bus", "vehicle"),
    (7, "train", "vehicle"), (8, "truck", "vehicle"), (9, "boat", "vehicle"),
    (10, "traffic light", "outdoor"), (11, "fire hydrant", "outdoor"),
    (13, "stop sign", "outdoor"), (14, "parking meter", "outdoor"),
    (15, "bench", "outdoor"), (16, "bird", "animal"), (17, "cat", "animal"),
    (18, "dog", "animal"), (19, "horse", "animal"), (20, "sheep", "animal"),
    (21, "cow", "animal"), (22, "elephant", "animal"), (23, "bear", "animal"),
    (24, "zebra", "animal"), (25, "giraffe", "animal"), (27, "backpack", "accessory"),
    (28, "umbrella", "accessory"), (31, "handbag", "accessory"), (32, "tie", "accessory"),
    (33, "suitcase", "accessory"), (34, "frisbee", "sports"), (35, "skis", "sports"),
    (36, "snowboard", "sports"), (37, "sports ball", "sports"), (38, "kite", "sports"),
    (39, "baseball bat", "sports"), (40, "baseball glove", "sports"),
    (41, "skateboard", "sports"), (42, "surfboard", "sports"),
    (43, "tennis racket", "sports"), (44, "bottle", "kitchen"),
    (46, "wine glass", "kitchen"), (47, "cup", "kitchen"), (48, "fork", "kitchen"),
    (49, "knife", "kitchen"), (50, "spoon", "kitchen"), (51, "bowl", "kitchen"),
    (52, "banana", "food"), (53, "apple", "food"), (54, "sandwich", "food"),
    (55, "orange", "food"), (56, "broccoli", "food"), (57, "carrot", "food"),
    (58, "hot dog", "food"), (59, "pizza", "food"), (60, "donut", "food"),
    (61, "cake", "food"), (62, "chair", "furniture"), (63, "couch", "furniture"),
    (64, "potted plant", "furniture"), (65, "bed", "furniture"),
    (67, "dining table", "furniture"), (70, "toilet", "furniture"),
    (72, "tv", "electronic"), (73, "laptop", "electronic"), (74, "mouse", "electronic"),
    (75, "remote", "electronic"), (76, "keyboard", "electronic"),
    (77, "cell phone", "electronic"), (78, "microwave", "appliance"),
    (79, "oven", "appliance"), (80, "toaster", "appliance"), (81, "sink", "appliance"),
    (82, "refrigerator", "appliance"), (84, "book", "indoor"), (85, "clock", "indoor"),
    (86, "vase", "indoor"), (87, "scissors", "indoor"), (88, "teddy bear", "indoor"),
    (89, "hair drier", "indoor"), (90, "toothbrush", "indoor"),
]
assert len(CATEGORIES) == 80

LICENSES = [
    ("http://creativecommons.org/licenses/by-nc-sa/2.0/", 1,
     "Attribution-NonCommercial-ShareAlike License"),
    ("http://creativecommons.org/licenses/by-nc/2.0/", 2, "Attribution-NonCommercial License"),
    ("http://creativecommons.org/licenses/by-nc-nd/2.0/", 3,
     "Attribution-NonCommercial-NoDerivs License"),
    ("http://creativecommons.org/licenses/by/2.0/", 4, "Attribution License"),
    ("http://creativecommons.org/licenses/by-sa/2.0/", 5, "Attribution-ShareAlike License"),
    ("http://creativecommons.org/licenses/by-nd/2.0/", 6, "Attribution-NoDerivs License"),
    ("http://flickr.com/commons/usage/", 7, "No known copyright restrictions"),
    ("http://www.usa.gov/copyright.shtml", 8, "United States Government Work"),
]

# Vocabulary for captions and questions. Kept free of characters that need JSON
# escaping so the fast writers can splice words in without json.dumps.
SUBJECTS = ["man", "woman", "person", "young boy", "little girl", "dog", "cat",
            "group of people", "couple", "skier", "surfer", "tennis player",
            "baseball player", "giraffe", "elephant", "zebra", "horse", "bus", "train",
            "plane", "truck", "motorcycle", "bird", "teddy bear", "pizza", "plate of food",
            "kitchen", "living room", "bathroom", "street sign", "child", "herd of sheep"]
ADJECTIVES = ["large", "small", "white", "black", "red", "young", "old", "wooden", "busy",
              "empty", "tall", "brown", "green", "blue", "yellow", "cute", "colorful",
              "clean", "dirty", "big", "little", "smiling", "open", "crowded"]
VERBS = ["sitting", "standing", "riding", "holding", "walking", "eating", "looking",
         "playing", "flying", "parked", "laying", "waiting", "crossing", "carrying",
         "driving", "resting", "posing", "grazing"]
PREPS = ["on", "in", "next to", "near", "in front of", "on top of", "under", "behind",
         "at", "with", "across", "down", "along", "beside"]
PLACES = ["street", "table", "field", "beach", "kitchen counter", "sidewalk", "grass",
          "snow", "water", "couch", "bed", "track", "runway", "park", "city", "road",
          "wall", "window", "plate", "building"]
FILLERS = ["with", "and", "while", "a", "the", "some", "of", "its", "near", "two"]

COLORS = ["white", "black", "red", "blue", "green", "yellow", "brown", "gray", "orange",
          "pink", "purple", "silver"]
NUMBERS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "10"]
YESNO = ["yes", "no"]
THINGS = ["frisbee", "umbrella", "pizza", "phone", "kite", "bat", "food", "cake",
          "surfboard", "skateboard", "remote", "nothing", "book", "bag"]
PLACE_ANSWERS = ["table", "kitchen", "street", "field", "beach", "on table", "in sky",
                 "on plate", "ground", "left", "right", "background"]
SPORTS = ["tennis", "baseball", "soccer", "skiing", "surfing", "frisbee", "skateboarding"]
ROOMS = ["kitchen", "bathroom", "living room", "bedroom", "dining room", "office"]
NOUNS = [n for _, n, _ in CATEGORIES]

# (question_type, answer_type, template, answer pool); {n} noun, {a} adjective,
# {p} place, {v} verb.
QUESTION_TEMPLATES = [
    ("what color is the", "other", "What color is the {n}?", COLORS),
    ("how many", "number", "How many {n}s are there?", NUMBERS),
    ("how many", "number", "How many {n}s are in the picture?", NUMBERS),
    ("is the", "yes/no", "Is the {n} {a}?", YESNO),
    ("is this a", "yes/no", "Is this a {n}?", YESNO),
    ("are there", "yes/no", "Are there any {n}s in the picture?", YESNO),
    ("is there a", "yes/no", "Is there a {n} on the {p}?", YESNO),
    ("does the", "yes/no", "Does the {n} look {a}?", YESNO),
    ("what is the", "other", "What is the {n} {v} on?", THINGS),
    ("what is the man", "other", "What is the man holding?", THINGS),
    ("where is the", "other", "Where is the {n}?", PLACE_ANSWERS),
    ("what sport is", "other", "What sport is being played?", SPORTS),
    ("what room is", "other", "What room is this?", ROOMS),
    ("what", "other", "What is on the {p}?", THINGS),
    ("what is", "other", "What is next to the {n}?", THINGS),
]

CONFIDENCES = ["yes"] * 16 + ["maybe"] * 3 + ["no"]


def stream(seed, name):
    """An independent, reproducible random stream per file (str seeds hash stably)."""
    return random.Random("vlit-gen:%s:%s" % (seed, name))


def scaled(name, scale):
    return max(1, int(round(FULL_COUNTS[name] * scale)))


def distribute(total, n, rng, draw, lo, step_choices=(1,)):
    """Per-item counts drawn from `draw`, then nudged at random items so they sum to
    exactly `total` (the real files' counts are what benchmarks are compared on).
    Never goes below `lo` unless `total` leaves no other choice."""
    counts = [draw() for _ in range(n)]
    if total < lo * n:
        lo = 0
    diff = total - sum(counts)
    while diff > 0:
        step = min(diff, rng.choice(step_choices))
        counts[rng.randrange(n)] += step
        diff -= step
    while diff < 0:
        i = rng.randrange(n)
        if counts[i] > lo:
            counts[i] -= 1
            diff += 1
    return counts


class AtomicWriter:
    """Write to a temporary name beside the target and rename on success, so an
    interrupted run never leaves a truncated file that looks complete."""

    def __init__(self, path):
        self.path = path
        self.tmp = "%s.tmp.%d" % (path, os.getpid())
        self.f = None

    def __enter__(self):
        self.f = open(self.tmp, "w", encoding="ascii", buffering=1 << 20)
        return self.f

    def __exit__(self, exc_type, exc, tb):
        self.f.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)
        return False


def dumps(obj):
    """Python's default separators, as the real files were written with json.dump."""
    return json.dumps(obj)


def make_images(n, seed):
    """Image table shared by the captions and instances files (same order in both)."""
    rng = stream(seed, "images")
    # Real train2014 ids are sparse in 1..581929; keep that density at full scale.
    ids = rng.sample(range(1, max(581930, 8 * n)), n)
    sizes = [(640, 480)] * 10 + [(640, 427)] * 6 + [(480, 640)] * 5 + [(640, 425)] * 2 + [
        (640, 426), (427, 640), (640, 360), (500, 375), (640, 640), (612, 612), (640, 512)]
    images = []
    for image_id in ids:
        w, h = rng.choice(sizes)
        images.append((image_id, w, h, rng.randint(1, 8), rng.randint(1, 30),
                       rng.randrange(86400), rng.randint(1, 9), rng.randint(1000, 9999),
                       rng.randint(10 ** 9, 10 ** 10 - 1), rng.getrandbits(40)))
    return images


def images_json(images):
    parts = []
    for image_id, w, h, lic, day, sec, farm, server, photo, secret in images:
        name = "COCO_train2014_%012d.jpg" % image_id
        parts.append(
            '{"license": %d, "file_name": "%s", "coco_url": '
            '"http://images.cocodataset.org/train2014/%s", "height": %d, "width": %d, '
            '"date_captured": "2013-11-%02d %02d:%02d:%02d", "flickr_url": '
            '"http://farm%d.staticflickr.com/%d/%d_%010x_z.jpg", "id": %d}'
            % (lic, name, name, h, w, day, sec // 3600, sec // 60 % 60, sec % 60,
               farm, server, photo, secret, image_id))
    return "[" + ", ".join(parts) + "]"


def coco_header(what):
    info = {"description": "Synthetic COCO 2014 %s (vlit bench/collect/gen.py)" % what,
            "url": "http://cocodataset.org", "version": "1.0", "year": 2014,
            "contributor": "vlit benchmark generator", "date_created": "2015-01-27 09:11:52.357475"}
    lic = [{"url": u, "id": i, "name": nm} for u, i, nm in LICENSES]
    return '{"info": %s, "licenses": %s, "images": ' % (dumps(info), dumps(lic))


def write_chunked(f, items, chunk=20000):
    """Join array elements in chunks: one write per chunk, without holding the whole
    array as one string."""
    buf = []
    first = True
    for s in items:
        buf.append(s)
        if len(buf) >= chunk:
            f.write(("" if first else ", ") + ", ".join(buf))
            first = False
            buf = []
    if buf:
        f.write(("" if first else ", ") + ", ".join(buf))


def make_caption(rng):
    target = rng.randint(10, 12)
    words = ["A", rng.choice(ADJECTIVES)] + rng.choice(SUBJECTS).split()
    if rng.random() < 0.5:
        words.append("is")
    words.append(rng.choice(VERBS))
    words += rng.choice(PREPS).split() + ["the", rng.choice(ADJECTIVES)]
    words += rng.choice(PLACES).split()
    while len(words) < target:
        words.append(rng.choice(FILLERS))
        words += rng.choice(PLACES if rng.random() < 0.5 else SUBJECTS).split()
    text = " ".join(words[:target])
    r = rng.random()
    if r < 0.6:
        text += "."
    elif r < 0.65:
        text = text.lower()
    elif r < 0.67:
        text += " ."
    elif r < 0.6705:
        text += ".\n"  # real captions occasionally end with a newline
    elif r < 0.6710:
        text = text.replace(" the ", ' the "', 1) + '"'  # escaped quotes
    elif r < 0.6715:
        text += " at the caf\u00e9."  # non-ASCII, written as \u00e9
    return text


def gen_captions(path, images, scale, seed):
    rng = stream(seed, "captions")
    n_caps = scaled("captions", scale)
    counts = distribute(n_caps, len(images), rng, lambda: 5, 1, (1, 1, 1, 2))
    owners = [images[i][0] for i, c in enumerate(counts) for _ in range(c)]
    rng.shuffle(owners)
    # Sparse, increasing ids as in the real file (they are not array positions).
    ann_id = 0

    def anns():
        nonlocal ann_id
        for image_id in owners:
            ann_id += rng.randint(1, 3)
            yield '{"image_id": %d, "id": %d, "caption": %s}' % (
                image_id, ann_id, json.dumps(make_caption(rng)))

    with AtomicWriter(path) as f:
        f.write(coco_header("captions"))
        f.write(images_json(images))
        f.write(', "annotations": [')
        write_chunked(f, anns())
        f.write("]}")
    return n_caps


# Unit-circle tables per vertex count: polygons are jittered ellipses, and cos/sin
# per vertex would dominate the run time.
_CIRCLES = {}


def circle(n):
    t = _CIRCLES.get(n)
    if t is None:
        t = [(math.cos(2 * math.pi * k / n), math.sin(2 * math.pi * k / n)) for k in range(n)]
        _CIRCLES[n] = t
    return t


def polygon(rng, cx, cy, rx, ry, n):
    """A jittered ellipse; returns (flat coords, shoelace area, min/max x/y)."""
    rand = rng.random
    xs = []
    ys = []
    for c, s in circle(n):
        r = 0.7 + 0.3 * rand()
        xs.append(cx + rx * r * c)
        ys.append(cy + ry * r * s)
    area = 0.0
    px, py = xs[-1], ys[-1]
    for x, y in zip(xs, ys):
        area += px * y - x * py
        px, py = x, y
    flat = [v for xy in zip(xs, ys) for v in xy]
    return flat, abs(area) / 2, min(xs), min(ys), max(xs), max(ys)


def fmt_coords(flat):
    return ("%.2f, " * len(flat) % tuple(flat))[:-2]


def crowd_rle(rng, w, h):
    """Uncompressed column-major RLE of a blob, as COCO stores crowd regions:
    alternating background/foreground runs that sum to h*w."""
    bw = rng.randint(max(2, w // 8), max(3, w * 3 // 4))
    x0 = rng.randrange(w - bw + 1)
    top = rng.randrange(h // 2)
    bot = rng.randint(top + 2, h)
    counts = []
    bg = x0 * h
    area = 0
    ymin, ymax = h, 0
    for _ in range(bw):
        a = min(h - 2, max(0, top + rng.randint(-3, 3)))
        b = max(a + 1, min(h, bot + rng.randint(-3, 3)))
        counts.append(bg + a)
        counts.append(b - a)
        area += b - a
        bg = h - b
        ymin, ymax = min(ymin, a), max(ymax, b)
    counts.append(bg + (w - x0 - bw) * h)
    assert sum(counts) == w * h
    return counts, area, (x0, ymin, bw, ymax - ymin)


def gen_instances(path, images, scale, seed):
    rng = stream(seed, "instances")
    n_inst = scaled("instances", scale)
    # Mean ~7.3 objects per image with a long tail, ~1% of images with none.
    counts = distribute(
        n_inst, len(images), rng,
        lambda: 0 if rng.random() < 0.01 else min(60, 1 + int(rng.expovariate(1 / 6.3))), 0)
    owners = [i for i, c in enumerate(counts) for _ in range(c)]
    rng.shuffle(owners)
    # Category frequencies: person dominates (~30% in COCO), then a long tail.
    weights = [30.0] + [8.0 / (1 + 0.08 * k) for k in range(79)]
    cats = rng.choices([c[0] for c in CATEGORIES], weights=weights, k=n_inst)
    cats.sort()  # the real file is ordered by category, then id

    def anns():
        ann_id = 0
        crowd_k = 0
        rand = rng.random
        for img_idx, cat in zip(owners, cats):
            image_id, w, h = images[img_idx][:3]
            ann_id += rng.randint(1, 3)
            if rand() < 0.01:
                crowd_k += 1
                rle, area, (bx, by, bw, bh) = crowd_rle(rng, w, h)
                yield ('{"segmentation": {"counts": [%s], "size": [%d, %d]}, "area": %d, '
                       '"iscrowd": 1, "image_id": %d, "bbox": [%d, %d, %d, %d], '
                       '"category_id": %d, "id": %d}'
                       % (", ".join(map(str, rle)), h, w, area, image_id, bx, by, bw, bh,
                          cat, 900100000000 + crowd_k * 1000000 + image_id))
                continue
            # Object size as a fraction of the image: mostly small, a few large.
            s = min(0.9, 0.03 + rng.expovariate(4.0))
            rx = max(1.0, w * s * (0.3 + 0.4 * rand()))
            ry = max(1.0, h * s * (0.3 + 0.4 * rand()))
            cx = rx + rand() * (w - 2 * rx) if w > 2 * rx else w / 2
            cy = ry + rand() * (h - 2 * ry) if h > 2 * ry else h / 2
            flat, area, x0, y0, x1, y1 = polygon(rng, cx, cy, rx, ry, rng.randint(8, 34))
            segs = [fmt_coords(flat)]
            if rand() < 0.07:  # occluded objects come in several parts
                flat2, a2, u0, v0, u1, v1 = polygon(
                    rng, cx + rx * 0.4, cy + ry * 0.4, rx * 0.3, ry * 0.3, rng.randint(4, 12))
                segs.append(fmt_coords(flat2))
                area += a2
                x0, y0, x1, y1 = min(x0, u0), min(y0, v0), max(x1, u1), max(y1, v1)
            x0, y0 = max(0.0, x0), max(0.0, y0)
            x1, y1 = min(float(w), x1), min(float(h), y1)
            yield ('{"segmentation": [[%s]], "area": %r, "iscrowd": 0, "image_id": %d, '
                   '"bbox": [%.2f, %.2f, %.2f, %.2f], "category_id": %d, "id": %d}'
                   % ("], [".join(segs), area, image_id, x0, y0, x1 - x0, y1 - y0, cat,
                      ann_id))

    cats_json = dumps([{"supercategory": sc, "id": i, "name": nm} for i, nm, sc in CATEGORIES])
    with AtomicWriter(path) as f:
        f.write(coco_header("instances"))
        f.write(images_json(images))
        f.write(', "annotations": [')
        write_chunked(f, anns())
        f.write('], "categories": %s}' % cats_json)
    return n_inst


def gen_vqa(q_path, a_path, images, scale, seed):
    rng = stream(seed, "vqa")
    n_q = scaled("questions", scale)
    counts = distribute(n_q, len(images), rng,
                        lambda: rng.choice((3, 4, 5, 5, 5, 6, 6, 7, 8)), 3)
    # The real files group questions by image, in an order unrelated to the COCO files.
    order = list(range(len(images)))
    rng.shuffle(order)
    info = {"description": "Synthetic VQA v2 train2014 (vlit bench/collect/gen.py)",
            "url": "http://visualqa.org", "version": "2.0", "year": 2017,
            "contributor": "vlit benchmark generator", "date_created": "2017-04-26 17:07:13"}
    license_ = {"url": "http://creativecommons.org/licenses/by/4.0/",
                "name": "Creative Commons Attribution 4.0 International License"}
    rand = rng.random
    choice = rng.choice

    def fill(t):
        return t.format(n=choice(NOUNS), a=choice(ADJECTIVES), p=choice(PLACES), v=choice(VERBS))

    # Both files are written in one pass so each answer set matches its question.
    with AtomicWriter(q_path) as fq, AtomicWriter(a_path) as fa:
        fq.write('{"info": %s, "task_type": "Open-Ended", "data_type": "mscoco", '
                 '"license": %s, "data_subtype": "train2014", "questions": ['
                 % (dumps(info), dumps(license_)))
        fa.write('{"info": %s, "license": %s, "data_subtype": "train2014", "annotations": ['
                 % (dumps(info), dumps(license_)))
        qbuf, abuf = [], []
        first = True
        for idx in order:
            image_id = images[idx][0]
            for k in range(counts[idx]):
                qtype, atype, tmpl, pool = choice(QUESTION_TEMPLATES)
                qid = image_id * 1000 + k
                qbuf.append('{"image_id": %d, "question": %s, "question_id": %d}'
                            % (image_id, json.dumps(fill(tmpl)), qid))
                truth = choice(pool)
                agree = choice((1.0, 0.9, 0.9, 0.8, 0.7, 0.5, 0.3))
                answers = [truth if rand() < agree else choice(pool) for _ in range(10)]
                tally = {}
                for a in answers:
                    tally[a] = tally.get(a, 0) + 1
                # Most frequent, ties to the first seen: the rule baseline.py applies too.
                majority = max(tally, key=tally.get)
                ans = ", ".join('{"answer": "%s", "answer_confidence": "%s", "answer_id": %d}'
                                % (a, choice(CONFIDENCES), j + 1) for j, a in enumerate(answers))
                abuf.append('{"question_type": "%s", "multiple_choice_answer": "%s", '
                            '"answers": [%s], "image_id": %d, "answer_type": "%s", '
                            '"question_id": %d}' % (qtype, majority, ans, image_id, atype, qid))
            if len(qbuf) >= 20000:
                sep = "" if first else ", "
                fq.write(sep + ", ".join(qbuf))
                fa.write(sep + ", ".join(abuf))
                first = False
                qbuf, abuf = [], []
        if qbuf:
            sep = "" if first else ", "
            fq.write(sep + ", ".join(qbuf))
            fa.write(sep + ", ".join(abuf))
        fq.write("]}")
        fa.write('], "data_type": "mscoco"}')
    return n_q


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Generate synthetic COCO train2014 / VQA v2 annotation files "
                    "(deterministic for a given --scale and --seed).")
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="fraction of the real train2014 counts (default 1.0; 0.01 for tests)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = ap.parse_args(argv)
    if not 0 < args.scale <= 10:
        ap.error("--scale must be in (0, 10]")
    os.makedirs(args.out, exist_ok=True)

    t0 = time.time()
    images = make_images(scaled("images", args.scale), args.seed)
    paths = {k: os.path.join(args.out, v) for k, v in (
        ("captions", "captions_train2014.json"),
        ("instances", "instances_train2014.json"),
        ("questions", "OpenEnded_mscoco_train2014_questions.json"),
        ("answers", "mscoco_train2014_annotations.json"))}
    n = {"images": len(images)}
    n["captions"] = gen_captions(paths["captions"], images, args.scale, args.seed)
    n["instances"] = gen_instances(paths["instances"], images, args.scale, args.seed)
    n["questions"] = gen_vqa(paths["questions"], paths["answers"], images, args.scale, args.seed)
    n["answers"] = n["questions"]

    print("generated in %.1f s (scale %g, seed %d, %d images):"
          % (time.time() - t0, args.scale, args.seed, len(images)))
    for key, path in paths.items():
        size = os.path.getsize(path)
        print("  %-44s %12d bytes %8.1f MB %9d records"
              % (os.path.basename(path), size, size / 1e6, n[key]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
