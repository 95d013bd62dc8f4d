/*
 * vlit/collect.h - stage 1: image annotations -> clue records -> clue text.
 *
 * vlit_collect() joins annotation files by image id into one clue record per
 * image and writes them as JSONL (SPEC 2.1). A clue record holds the image's
 * captions, objects (category, supercategory, bbox, area, attributes),
 * person-keypoint counts, QA pairs with answer counts, OCR tokens, and the
 * sources that contributed. vlit_clue_reader reads them back; vlit_clue_render
 * turns one into the text a language-only LLM reads, from a template file.
 *
 *   vlit_collect_params p = vlit_collect_default_params();
 *   p.coco_captions = "captions_train2017.json";
 *   p.coco_instances = "instances_train2017.json";
 *   vlit_collect_summary sum;  vlit_error err = {0};
 *   if (vlit_collect(&p, "clues.jsonl", &sum, &err)) fprintf(stderr, "%s\n", err.message);
 *
 * Memory: the inputs are streamed; what is kept is the joined content (no
 * polygons), and `shard` keeps only the images of one shard.
 */
#ifndef VLIT_COLLECT_H
#define VLIT_COLLECT_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vlit_collect_params {
    /* inputs, each optional (NULL); at least one is needed */
    const char *coco_captions;   /* COCO captions_*.json (2014 or 2017) */
    const char *coco_instances;  /* COCO instances_*.json */
    const char *coco_keypoints;  /* COCO person_keypoints_*.json */
    const char *vqa_questions;   /* VQA v2 questions (needs vqa_annotations for answers) */
    const char *vqa_annotations; /* VQA v2 annotations */
    const char *coco_text;       /* COCO-Text v2 (cocotext.v2.json) */
    const char *vaw;             /* VAW attributes (list of instances) */
    const char *textvqa;         /* TextVQA / ST-VQA style OCR QA ({"data": [...]}) */
    const char *image_root;      /* if set: images must exist under it */
    int ocr;                     /* run Tesseract on images without OCR annotations */
    const char *ocr_lang;        /* Tesseract language, default "eng" */
    const char *tessdata;        /* Tesseract data folder, NULL = its default */
    int ocr_min_confidence;      /* words below this confidence (0-100) are dropped; default 60 */
    int skip_bad;                /* skip bad records instead of failing */
    int threads;                 /* reader threads: 0 = automatic (up to 2), 1 = one */
    unsigned shard_index, shard_count; /* keep images with hash(id) % count == index; count 0 or 1 = all */
    size_t max_text;             /* longest caption/question/answer/OCR string; default 64 KiB */
    /* Called for each skipped record (skip_bad) with its message; may be NULL. */
    void (*on_skip)(void *ctx, const char *message);
    /* Called now and then with a phase name and progress in [0,1]; may be NULL. */
    void (*on_progress)(void *ctx, const char *phase, double fraction);
    void *ctx;
    /* Called after each record is written with its position in the order of
     * all images of every shard (what vlit merge clues sorts by); may be NULL. */
    void (*on_record)(void *record_ctx, uint64_t position);
    void *record_ctx;
} vlit_collect_params;

vlit_collect_params vlit_collect_default_params(void);

typedef struct vlit_collect_summary {
    size_t images;          /* records written */
    size_t captions;
    size_t objects;
    size_t keypoint_people; /* person annotations in the keypoints file that were joined */
    size_t qa;
    size_t answers;
    size_t ocr_tokens;      /* annotated plus recognised */
    size_t ocr_recognised;  /* of which from Tesseract */
    size_t attributes;      /* attribute assignments (object, attribute) */
    size_t skipped;         /* bad records skipped (skip_bad) */
    size_t outside_shard;   /* images left to other shards */
} vlit_collect_summary;

/* Reads the inputs, joins them and writes out_path atomically (nothing is
 * left at out_path on failure, and a previous file there is untouched). */
vlit_status vlit_collect(const vlit_collect_params *params, const char *out_path, vlit_collect_summary *summary,
                         vlit_error *err);

/* ---- clue records ------------------------------------------------------ */

typedef struct vlit_clue_object {
    const char *category, *supercategory;
    double bbox[4]; /* x, y, w, h in pixels */
    int has_bbox;
    double area;
    int iscrowd;
    const char *const *attributes;
    size_t n_attributes;
} vlit_clue_object;

typedef struct vlit_clue_answer {
    const char *answer;
    int count;
} vlit_clue_answer;

typedef struct vlit_clue_qa {
    const char *question;
    const vlit_clue_answer *answers;
    size_t n_answers;
    const char *majority; /* most frequent answer, or NULL if none */
    const char *source;   /* "vqa", "textvqa" */
} vlit_clue_qa;

typedef struct vlit_clue_ocr {
    const char *text;
    double bbox[4];
    int has_bbox;
    int legible;
    const char *source; /* "coco-text", "tesseract" */
} vlit_clue_ocr;

typedef struct vlit_clue_record {
    const char *id;
    const char *image; /* path relative to the image root */
    int width, height; /* 0 when unknown */
    const char *const *captions;
    size_t n_captions;
    const vlit_clue_object *objects; /* COCO instances, then unmatched attributed objects */
    size_t n_objects;
    int people, people_visible, keypoints_visible; /* person keypoints */
    const vlit_clue_qa *qa;
    size_t n_qa;
    const vlit_clue_ocr *ocr;
    size_t n_ocr;
} vlit_clue_record;

typedef struct vlit_clue_reader vlit_clue_reader;

vlit_status vlit_clue_reader_open(const char *path, int skip_bad, vlit_clue_reader **out, vlit_error *err);
/* VLIT_OK, VLIT_END, or an error naming file, line and byte offset. With
 * skip_bad, bad lines are skipped and counted. */
vlit_status vlit_clue_reader_next(vlit_clue_reader *r, const vlit_clue_record **rec, vlit_error *err);
size_t vlit_clue_reader_skipped(const vlit_clue_reader *r);
/* Called with the message of every skipped line (skip_bad); fn may be NULL. */
void vlit_clue_reader_on_skip(vlit_clue_reader *r, void (*fn)(void *ctx, const char *message), void *ctx);
void vlit_clue_reader_close(vlit_clue_reader *r);

/* ---- clue text --------------------------------------------------------- */

typedef enum vlit_box_mode {
    VLIT_BOXES_NONE = 0,
    VLIT_BOXES_PIXEL = 1, /* [x1, y1, x2, y2] in pixels */
    VLIT_BOXES_NORM = 2   /* [x1, y1, x2, y2] divided by width/height, 3 decimals */
} vlit_box_mode;

typedef struct vlit_clue_template vlit_clue_template;

/* Loads a template file (format: docs/clue.md; default data/clue.tmpl). */
vlit_status vlit_clue_template_load(const char *path, vlit_clue_template **out, vlit_error *err);
void vlit_clue_template_free(vlit_clue_template *t);

/* Renders rec into a malloc'ed NUL-terminated string (*out, free() it). */
vlit_status vlit_clue_render(const vlit_clue_template *t, const vlit_clue_record *rec, vlit_box_mode boxes,
                             char **out, vlit_error *err);

#ifdef __cplusplus
}
#endif

#endif
