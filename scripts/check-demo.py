#!/usr/bin/env python3
"""Consistency check for the demo dataset in data/demo (standard library only).

Usage: scripts/check-demo.py [DEMO_DIR]   (default: data/demo next to this script)

Checks that every annotation file is valid JSON in its public layout, that all
image ids resolve, that there are 5 captions per image and 10 answers per
question, that boxes lie inside their images, that polygons lie inside their
boxes, and that keypoints lie inside their person boxes. Prints the counts and
a closing 'N passed, N failed' line; exits 1 if any check failed.
"""
import collections
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', 'data', 'demo')
ANN = os.path.join(DEMO, 'annotations')

passed = 0
failures = []


def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)


def load(name):
    with open(os.path.join(ANN, name), encoding='utf-8') as f:
        return json.load(f)


def poly_area(p):
    s = 0.0
    n = len(p) // 2
    for i in range(n):
        j = (i + 1) % n
        s += p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1]
    return abs(s) / 2.0


def box_in_image(b, w, h):
    x, y, bw, bh = b
    return bw > 0 and bh > 0 and x >= 0 and y >= 0 and x + bw <= w + 1e-6 and y + bh <= h + 1e-6


def pt_in_box(x, y, b, tol=0.5):
    return b[0] - tol <= x <= b[0] + b[2] + tol and b[1] - tol <= y <= b[1] + b[3] + tol


# ------------------------------------------------------------------ images.tsv
rows = []
with open(os.path.join(DEMO, 'images.tsv'), encoding='utf-8') as f:
    lines = f.read().splitlines()
header = lines[0].split('\t')
check(header == ['file_name', 'debian_package', 'path_in_package', 'sha256', 'width', 'height',
                 'licence', 'credit'], 'images.tsv header')
for ln in lines[1:]:
    cols = ln.split('\t')
    check(len(cols) == 8, 'images.tsv row has 8 columns: %r' % ln[:40])
    if len(cols) == 8:
        rows.append(cols)
        check(len(cols[3]) == 64 and all(c in '0123456789abcdef' for c in cols[3]),
              'sha256 of %s' % cols[0])
        check(cols[6].strip() != '' and cols[7].strip() != '', 'licence and credit of %s' % cols[0])
TSV = {r[0]: (int(r[4]), int(r[5])) for r in rows}

# ------------------------------------------------------------------ COCO files
caps = load('captions_demo.json')
inst = load('instances_demo.json')
kps = load('person_keypoints_demo.json')

IMG = {im['id']: im for im in inst['images']}
for name, d in (('captions', caps), ('instances', inst), ('person_keypoints', kps)):
    for k in ('info', 'licenses', 'images', 'annotations'):
        check(k in d, '%s has %s' % (name, k))
    check([(i['id'], i['file_name'], i['width'], i['height']) for i in d['images']] ==
          [(i['id'], i['file_name'], i['width'], i['height']) for i in inst['images']],
          '%s images list equals instances images list' % name)
    lic_ids = {l['id'] for l in d['licenses']}
    for im in d['images']:
        for k in ('license', 'file_name', 'height', 'width', 'id'):
            check(k in im, '%s image %s has %s' % (name, im.get('id'), k))
        check(im['license'] in lic_ids, '%s image %s licence id exists' % (name, im['id']))
for im in inst['images']:
    check(im['file_name'] in TSV, '%s listed in images.tsv' % im['file_name'])
    check(TSV.get(im['file_name']) == (im['width'], im['height']),
          'size of %s matches images.tsv' % im['file_name'])
check(len(TSV) == len(IMG), 'images.tsv and COCO images list have the same length')

# captions
per_img = collections.Counter()
ids = set()
for a in caps['annotations']:
    check(set(a) == {'image_id', 'id', 'caption'}, 'caption %s fields' % a.get('id'))
    check(a['image_id'] in IMG, 'caption %s image exists' % a['id'])
    check(a['id'] not in ids, 'caption id %s unique' % a['id'])
    check(isinstance(a['caption'], str) and len(a['caption'].split()) >= 5, 'caption %s text' % a['id'])
    ids.add(a['id'])
    per_img[a['image_id']] += 1
for i in IMG:
    check(per_img[i] == 5, 'image %s has 5 captions (has %d)' % (i, per_img[i]))

# instances
CAT = {c['id']: c for c in inst['categories']}
check(len(CAT) == 80, '80 COCO categories')
for c in inst['categories']:
    check(set(c) == {'supercategory', 'id', 'name'}, 'category %s fields' % c.get('id'))
INST = {}
for a in inst['annotations']:
    for k in ('segmentation', 'area', 'iscrowd', 'image_id', 'bbox', 'category_id', 'id'):
        check(k in a, 'instance %s has %s' % (a.get('id'), k))
    check(a['id'] not in INST, 'instance id %s unique' % a['id'])
    INST[a['id']] = a
    check(a['image_id'] in IMG, 'instance %s image exists' % a['id'])
    check(a['category_id'] in CAT, 'instance %s category exists' % a['id'])
    check(a['iscrowd'] == 0, 'instance %s iscrowd 0' % a['id'])
    im = IMG.get(a['image_id'], {'width': 0, 'height': 0})
    check(box_in_image(a['bbox'], im['width'], im['height']), 'instance %s box inside image' % a['id'])
    total = 0.0
    for p in a['segmentation']:
        check(len(p) >= 6 and len(p) % 2 == 0, 'instance %s polygon shape' % a['id'])
        check(all(pt_in_box(p[k], p[k + 1], a['bbox']) for k in range(0, len(p) - 1, 2)),
              'instance %s polygon inside box' % a['id'])
        total += poly_area(p)
    check(abs(total - a['area']) <= 1.0, 'instance %s area = polygon area' % a['id'])

# keypoints
kc = kps['categories']
check(len(kc) == 1 and kc[0]['id'] == 1 and len(kc[0]['keypoints']) == 17 and len(kc[0]['skeleton']) == 19,
      'keypoint category')
for a in kps['annotations']:
    k = a['keypoints']
    check(len(k) == 51, 'keypoints %s has 17x3 values' % a['id'])
    check(all(v in (0, 1, 2) for v in k[2::3]), 'keypoints %s visibility flags' % a['id'])
    check(a['num_keypoints'] == sum(1 for v in k[2::3] if v > 0), 'keypoints %s num_keypoints' % a['id'])
    check(a['category_id'] == 1, 'keypoints %s is a person' % a['id'])
    ref = INST.get(a['id'])
    check(ref is not None and ref['category_id'] == 1 and ref['image_id'] == a['image_id']
          and ref['bbox'] == a['bbox'], 'keypoints %s matches person instance' % a['id'])
    for i in range(17):
        x, y, v = k[3 * i:3 * i + 3]
        if v:
            check(pt_in_box(x, y, a['bbox']), 'keypoint %s/%s inside box' % (a['id'], kc[0]['keypoints'][i]))
        else:
            check(x == 0 and y == 0, 'unlabelled keypoint %s/%s is 0,0' % (a['id'], i))

# ------------------------------------------------------------------ VQA
vq = load('vqa_questions_demo.json')
va = load('vqa_annotations_demo.json')
check(vq.get('task_type') == 'Open-Ended' and vq.get('data_type') == 'mscoco', 'VQA questions header')
for k in ('info', 'license', 'data_subtype', 'questions'):
    check(k in vq, 'VQA questions has %s' % k)
for k in ('info', 'license', 'data_subtype', 'data_type', 'annotations'):
    check(k in va, 'VQA annotations has %s' % k)
Q = {}
for q in vq['questions']:
    check(set(q) == {'image_id', 'question', 'question_id'}, 'question %s fields' % q.get('question_id'))
    check(q['question_id'] not in Q, 'question id %s unique' % q['question_id'])
    check(q['image_id'] in IMG, 'question %s image exists' % q['question_id'])
    Q[q['question_id']] = q
qpi = collections.Counter(q['image_id'] for q in vq['questions'])
for i in IMG:
    check(2 <= qpi[i] <= 3, 'image %s has 2-3 questions' % i)
seen = set()
for a in va['annotations']:
    qid = a['question_id']
    seen.add(qid)
    check(qid in Q and Q[qid]['image_id'] == a['image_id'], 'answer %s matches its question' % qid)
    check(a['answer_type'] in ('yes/no', 'number', 'other'), 'answer %s answer_type' % qid)
    ans = a['answers']
    check(len(ans) == 10, 'question %s has 10 answers' % qid)
    check(sorted(x['answer_id'] for x in ans) == list(range(1, 11)), 'question %s answer ids 1..10' % qid)
    check(all(x['answer_confidence'] in ('yes', 'maybe', 'no') for x in ans), 'question %s confidences' % qid)
    cnt = collections.Counter(x['answer'] for x in ans)
    top = max(cnt.values())
    check(cnt[a['multiple_choice_answer']] == top, 'question %s multiple_choice_answer is most frequent' % qid)
    check(isinstance(a['question_type'], str) and a['question_type'], 'question %s question_type' % qid)
    if a['answer_type'] == 'yes/no':
        check(a['multiple_choice_answer'] in ('yes', 'no'), 'question %s yes/no answer' % qid)
    if a['answer_type'] == 'number':
        check(a['multiple_choice_answer'].isdigit(), 'question %s numeric answer' % qid)
check(seen == set(Q), 'every question has one annotation')

# ------------------------------------------------------------------ COCO-Text
ct = load('cocotext_demo.json')
for k in ('cats', 'info', 'imgs', 'anns', 'imgToAnns'):
    check(k in ct, 'cocotext has %s' % k)
for sid, im in ct['imgs'].items():
    check(str(im['id']) == sid and im['id'] in IMG and im['file_name'] == IMG[im['id']]['file_name']
          and (im['width'], im['height']) == (IMG[im['id']]['width'], IMG[im['id']]['height']),
          'cocotext image %s matches COCO image' % sid)
ntok = nleg = 0
for sid, a in ct['anns'].items():
    ntok += 1
    check(str(a['id']) == sid, 'cocotext ann %s id' % sid)
    check(str(a['image_id']) in ct['imgs'], 'cocotext ann %s image exists' % sid)
    check(a['class'] in ('machine printed', 'handwritten', 'others'), 'cocotext ann %s class' % sid)
    check(a['legibility'] in ('legible', 'illegible'), 'cocotext ann %s legibility' % sid)
    check(a['language'] in ('english', 'not english', 'na'), 'cocotext ann %s language' % sid)
    if a['legibility'] == 'legible':
        nleg += 1
        check(isinstance(a.get('utf8_string'), str) and a['utf8_string'], 'cocotext ann %s text' % sid)
    im = IMG.get(a['image_id'], {'width': 0, 'height': 0})
    check(box_in_image(a['bbox'], im['width'], im['height']), 'cocotext ann %s box inside image' % sid)
    m = a['mask']
    check(all(pt_in_box(m[k], m[k + 1], a['bbox']) for k in range(0, len(m) - 1, 2)),
          'cocotext ann %s mask inside box' % sid)
    check(sid in [str(x) for x in ct['imgToAnns'].get(str(a['image_id']), [])],
          'cocotext ann %s listed in imgToAnns' % sid)
check(sum(len(v) for v in ct['imgToAnns'].values()) == ntok, 'cocotext imgToAnns counts')

# ------------------------------------------------------------------ VAW
vaw = load('vaw_demo.json')
check(isinstance(vaw, list), 'VAW is a list')
nattr = 0
for v in vaw:
    iid = v['instance_id']
    ref = INST.get(int(iid)) if iid.isdigit() else None
    check(isinstance(v['image_id'], str) and int(v['image_id']) in IMG, 'VAW %s image exists' % iid)
    check(ref is not None and ref['image_id'] == int(v['image_id']) and ref['bbox'] == v['instance_bbox'],
          'VAW %s matches its COCO instance' % iid)
    check(ref is not None and CAT[ref['category_id']]['name'] == v['object_name'], 'VAW %s object_name' % iid)
    check(v['positive_attributes'] and not set(v['positive_attributes']) & set(v['negative_attributes']),
          'VAW %s attributes' % iid)
    for poly in v['instance_polygon']:
        check(all(pt_in_box(x, y, v['instance_bbox']) for x, y in poly), 'VAW %s polygon inside box' % iid)
    nattr += len(v['positive_attributes']) + len(v['negative_attributes'])

# ------------------------------------------------------------------ TextVQA
ntv = 0
if os.path.exists(os.path.join(ANN, 'textvqa_demo.json')):
    tv = load('textvqa_demo.json')
    check(tv.get('dataset_name') == 'textvqa', 'TextVQA header')
    for d in tv['data']:
        ntv += 1
        iid = int(d['image_id'])
        check(isinstance(d['image_id'], str) and iid in IMG, 'TextVQA %s image exists' % d['question_id'])
        check(len(d['answers']) == 10, 'TextVQA %s has 10 answers' % d['question_id'])
        check((d['image_width'], d['image_height']) == (IMG[iid]['width'], IMG[iid]['height']),
              'TextVQA %s image size' % d['question_id'])

# ------------------------------------------------------------------ report
print('images: %d' % len(IMG))
print('captions: %d' % len(caps['annotations']))
print('instances: %d (%s)' % (len(INST), ', '.join('%s %d' % (CAT[c]['name'], n) for c, n in
                                                sorted(collections.Counter(a['category_id'] for a in INST.values()).items()))))
print('person keypoint annotations: %d (%d labelled keypoints)' % (
    len(kps['annotations']), sum(a['num_keypoints'] for a in kps['annotations'])))
print('VQA questions: %d (%d answers)' % (len(Q), 10 * len(va['annotations'])))
print('OCR tokens: %d (%d legible)' % (ntok, nleg))
print('VAW instances: %d (%d attribute labels)' % (len(vaw), nattr))
print('TextVQA questions: %d' % ntv)
for f in failures:
    print('FAILED: ' + f)
print('%d passed, %d failed' % (passed, len(failures)))
sys.exit(1 if failures else 0)
