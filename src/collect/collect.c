/* vlit_collect(): reads each given annotation file in a fixed order (image
 * lists first, then what refers to them), then joins and writes. */
#include <stdlib.h>
#include <string.h>

#include "collect_internal.h"

vlit_collect_params vlit_collect_default_params(void)
{
    vlit_collect_params p;
    memset(&p, 0, sizeof p);
    p.ocr_lang = "eng";
    p.ocr_min_confidence = 60;
    p.max_text = 64 * 1024;
    return p;
}

static void table_free(cl_table *t)
{
    vlit_arena_free(&t->strings);
    vlit_strmap_free(&t->image_ids);
    vlit_strmap_free(&t->interned);
    vlit_strmap_free(&t->qids);
    free(t->images.v);
    free(t->captions.v);
    free(t->objects.v);
    free(t->qa.v);
    free(t->answers.v);
    free(t->ocr.v);
    free(t->vaw.v);
    free(t->attr_names.v);
    free(t->categories.v);
}

vlit_status vlit_collect(const vlit_collect_params *p, const char *out_path, vlit_collect_summary *summary,
                         vlit_error *err)
{
    vlit_collect_summary local;
    if (!summary)
        summary = &local;
    memset(summary, 0, sizeof *summary);
    if (!p->coco_captions && !p->coco_instances && !p->coco_keypoints && !p->vqa_questions && !p->coco_text &&
        !p->vaw && !p->textvqa)
        return vlit_err(err, VLIT_ERR_USAGE, "no input: give at least one annotation file");
    if (p->vqa_annotations && !p->vqa_questions)
        return vlit_err(err, VLIT_ERR_USAGE, "VQA annotations need the VQA questions file too");
    if (p->shard_count > 1 && p->shard_index >= p->shard_count)
        return vlit_err(err, VLIT_ERR_USAGE, "shard %u/%u: index must be below the count", p->shard_index,
                        p->shard_count);
    if (p->ocr && !p->image_root)
        return vlit_err(err, VLIT_ERR_USAGE, "OCR needs the images: give an image root");

    cl_table t;
    memset(&t, 0, sizeof t);
    t.p = p;
    t.sum = summary;
    vlit_arena_init(&t.strings, 1 << 20);
    vlit_strmap_init(&t.image_ids);
    vlit_strmap_init(&t.interned);
    vlit_strmap_init(&t.qids);

    /* Files that define images come first so that image order follows them. */
    struct {
        const char *path;
        vlit_status (*read)(cl_table *, const char *, vlit_error *);
    } steps[] = {
        {p->coco_captions, cl_read_coco_captions}, {p->coco_instances, cl_read_coco_instances},
        {p->coco_keypoints, cl_read_coco_keypoints}, {p->coco_text, cl_read_coco_text},
        {p->vqa_questions, cl_read_vqa_questions}, {p->vqa_annotations, cl_read_vqa_annotations},
        {p->textvqa, cl_read_textvqa},             {p->vaw, cl_read_vaw},
    };
    vlit_status st = VLIT_OK;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && !st; i++)
        if (steps[i].path)
            st = steps[i].read(&t, steps[i].path, err);
    if (!st)
        st = cl_join_and_write(&t, out_path, err);
    table_free(&t);
    return st;
}
