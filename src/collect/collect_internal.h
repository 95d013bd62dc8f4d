/*
 * Internal to collect: the join table that every annotation source fills
 * (one src_*.c per source), and the join/write step (join.c).
 *
 * Sources stream their files and add compact items keyed by image; nothing
 * is resolved until every file is read, because COCO files list categories
 * after the annotations that use them and any file may name images that
 * another file defines.
 */
#ifndef VLIT_COLLECT_INTERNAL_H
#define VLIT_COLLECT_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "vlit/collect.h"

#include "../base/arena.h"
#include "../base/json.h"
#include "../base/strmap.h"
#include "../base/u64map.h"

/* Where an item came from, for messages: file, record index, byte offset. */
typedef struct cl_loc {
    uint64_t offset;
    uint32_t index;
    uint16_t file;    /* index into cl_table.files */
    uint16_t section; /* index into cl_table.sections */
} cl_loc;

typedef struct cl_image {
    const char *id;
    const char *file_name; /* NULL until an images list names it */
    int32_t width, height; /* 0 = unknown */
    cl_loc loc;            /* where it was defined (or first referenced) */
    uint8_t defined;       /* listed in an images list */
    uint8_t bad;           /* a bad record was skipped for it: drop the image */
    int32_t people, people_visible, keypoints_visible;
    uint32_t sources;      /* bit set of CL_SRC_* that contributed */
    uint64_t first_seen;   /* (input rank << 40) | order of first mention: output order */
} cl_image;

enum {
    CL_SRC_CAPTIONS = 1u << 0,
    CL_SRC_INSTANCES = 1u << 1,
    CL_SRC_KEYPOINTS = 1u << 2,
    CL_SRC_VQA = 1u << 3,
    CL_SRC_COCOTEXT = 1u << 4,
    CL_SRC_VAW = 1u << 5,
    CL_SRC_TEXTVQA = 1u << 6,
    CL_SRC_TESSERACT = 1u << 7,
};

typedef struct cl_caption {
    uint32_t img;
    const char *text;
} cl_caption; /* a bad caption image is reported at the image's first reference */

typedef struct cl_object {
    uint32_t img;
    uint16_t cat_file; /* file whose categories resolve cat_id; UINT16_MAX: category given by name */
    uint8_t iscrowd, has_bbox;
    int64_t cat_id;
    int64_t ann_id;    /* COCO annotation id; -1 for VAW-only objects */
    const char *category, *supercategory; /* resolved by the join */
    double bbox[4];
    /* the source's own number text, written back verbatim: exact, and no
     * float formatting on the hot path */
    const char *bbox_json; /* "[x,y,w,h]" */
    const char *area_text; /* NULL if the annotation had none */
    uint32_t attr_first, n_attr; /* into cl_table.attr_names */
    cl_loc loc;
} cl_object;

typedef struct cl_qa {
    uint32_t img;
    uint8_t source; /* CL_SRC_VQA or CL_SRC_TEXTVQA */
    int64_t qid;
    const char *question;
    const char *mc_answer;    /* VQA multiple_choice_answer, for ties */
    uint32_t ans_first, n_ans; /* into cl_table.answers */
    cl_loc loc;
} cl_qa;

typedef struct cl_answer {
    const char *text; /* interned */
    uint32_t count;
} cl_answer;

typedef struct cl_ocr {
    uint32_t img;
    uint8_t source, has_bbox, legible;
    const char *text;
    double bbox[4];
    cl_loc loc;
} cl_ocr;

typedef struct cl_vaw {
    uint32_t img;
    const char *instance_id, *object_name;
    double bbox[4];
    const char *bbox_json;
    uint8_t has_bbox;
    uint32_t attr_first, n_attr;
    cl_loc loc;
} cl_vaw;

typedef struct cl_category {
    uint16_t file;
    int64_t id;
    const char *name, *supercategory;
} cl_category;

#define CL_VEC(T) struct { T *v; size_t n, cap; }

typedef struct cl_table {
    const vlit_collect_params *p;
    vlit_collect_summary *sum;
    vlit_arena strings;   /* all retained text */
    vlit_strmap image_ids; /* id -> index in images */
    vlit_strmap interned;  /* answers, attribute names, categories */
    vlit_u64map qids;      /* VQA question id -> index in qa */
    CL_VEC(cl_image) images;
    CL_VEC(cl_caption) captions;
    CL_VEC(cl_object) objects;
    CL_VEC(cl_qa) qa;
    CL_VEC(cl_answer) answers;
    CL_VEC(cl_ocr) ocr;
    CL_VEC(cl_vaw) vaw;
    CL_VEC(const char *) attr_names;
    CL_VEC(cl_category) categories;
    const char *files[16];   /* input paths, for messages */
    size_t n_files;
    const char *sections[64]; /* interned section names, for messages */
    size_t n_sections;
    int have_image_list;      /* some images list was read: others must refer to it */
    uint64_t rank;            /* rank of the input being read (its place in the fixed order) */
    uint64_t mentions;        /* images created so far */
    pthread_mutex_t *callback_lock; /* serialises on_skip/on_progress across reader threads */
} cl_table;

/* Grows a CL_VEC by one zeroed element; returns it or NULL. */
#define CL_PUSH(vec) ((vec).n < (vec).cap || cl_grow((void **)&(vec).v, &(vec).cap, sizeof *(vec).v) \
                          ? (memset(&(vec).v[(vec).n], 0, sizeof *(vec).v), &(vec).v[(vec).n++])         \
                          : NULL)
int cl_grow(void **v, size_t *cap, size_t elem);

/* sources.c: helpers shared by the sources */
uint16_t cl_add_file(cl_table *t, const char *path);
cl_loc cl_loc_of(cl_table *t, uint16_t file, const vj_elem *e);
/* Formats "FILE: section[index] (byte N): " + message. */
void cl_format_loc(const cl_table *t, cl_loc loc, char *out, size_t cap);
/* Reports a bad record: with skip_bad it is counted and passed to on_skip
 * (VLIT_OK is returned so the caller continues); otherwise an error. */
vlit_status cl_bad(cl_table *t, cl_loc loc, vlit_error *err, vlit_status st, const char *fmt, ...)
    VLIT_PRINTF(5, 6);
/* Image by id: returns its index, creating an undefined entry if new. */
vlit_status cl_image_ref(cl_table *t, const char *id, cl_loc loc, uint32_t *out, vlit_error *err);
/* Registers an image from an images list (id, file_name, width, height). */
vlit_status cl_image_define(cl_table *t, const vj *img, cl_loc loc, uint32_t source, vlit_error *err);
const char *cl_strdup(cl_table *t, const char *s, size_t len);
const char *cl_intern(cl_table *t, const char *s, size_t len);
/* Text field check: string, no NUL, not longer than max_text. Returns 1 if
 * ok, else writes the problem into why. */
int cl_text(const cl_table *t, const vj *v, const char *field, char *why, size_t cap);
/* [x, y, w, h] with w, h >= 0. */
int cl_bbox(const vj *v, double out[4]);
/* "[x,y,w,h]" from the source's number text (v passed cl_bbox). */
const char *cl_bbox_json(cl_table *t, const vj *v);
/* A non-negative finite number; its text is kept in *text. */
int cl_nonneg_number(cl_table *t, const vj *v, const char **text);
/* Streams file with the given sections, calling fn for each element. */
typedef vlit_status (*cl_elem_fn)(cl_table *t, uint16_t file, const vj_elem *e, vlit_error *err);
vlit_status cl_stream(cl_table *t, const char *path, const char *const *sections, const char *const *skip_keys,
                      const char *phase, cl_elem_fn fn, vlit_error *err);

/* one per source */
vlit_status cl_read_coco_captions(cl_table *t, const char *path, vlit_error *err);
vlit_status cl_read_coco_instances(cl_table *t, const char *path, vlit_error *err);
vlit_status cl_read_coco_keypoints(cl_table *t, const char *path, vlit_error *err);
vlit_status cl_read_vqa_questions(cl_table *t, const char *path, vlit_error *err);
vlit_status cl_read_vqa_annotations(cl_table *t, const char *path, vlit_error *err);
vlit_status cl_read_coco_text(cl_table *t, const char *path, vlit_error *err);
vlit_status cl_read_vaw(cl_table *t, const char *path, vlit_error *err);
vlit_status cl_read_textvqa(cl_table *t, const char *path, vlit_error *err);

/* merge.c: moves everything of src into dst (src keeps owning its strings,
 * so it must outlive dst's use); image ids are matched by value. */
vlit_status cl_merge(cl_table *dst, cl_table *src, vlit_error *err);

/* join.c: resolve, check, group by image, write records */
vlit_status cl_join_and_write(cl_table *t, const char *out_path, vlit_error *err);

/* record_write.c: one clue record as a JSON line */
#include "../base/buf.h"
typedef struct cl_record_view {
    const cl_image *img;
    const cl_caption *const *captions; size_t n_captions;
    const cl_object *const *objects; size_t n_objects;
    const cl_qa *const *qa; size_t n_qa;
    const cl_ocr *const *ocr; size_t n_ocr;
} cl_record_view;
vlit_status cl_record_write(const cl_table *t, const cl_record_view *r, vlit_buf *b);

/* ocr.c: Tesseract on an image file; *items (malloc'ed, free() it) holds the
 * recognised words of img, their text in t's string arena. Without Tesseract
 * in the build, cl_ocr_open fails with VLIT_ERR_UNSUPPORTED. */
typedef struct cl_ocr_engine cl_ocr_engine;
vlit_status cl_ocr_open(const vlit_collect_params *p, cl_ocr_engine **out, vlit_error *err);
vlit_status cl_ocr_image(cl_ocr_engine *e, cl_table *t, uint32_t img, const char *path, cl_ocr **items, size_t *n,
                         vlit_error *err);
void cl_ocr_close(cl_ocr_engine *e);

#endif
