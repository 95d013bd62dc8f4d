/* One clue record as a JSON line (format: docs/formats.md). */
#include <string.h>

#include "collect_internal.h"

#define TRY(x)                                                                                                         \
    do {                                                                                                               \
        vlit_status st_ = (x);                                                                                         \
        if (st_)                                                                                                       \
            return st_;                                                                                                \
    } while (0)

static vlit_status key(vlit_buf *b, const char *k)
{
    TRY(vlit_buf_putc(b, ','));
    TRY(vj_write_cstr(b, k));
    return vlit_buf_putc(b, ':');
}

/* Integers without printf: this runs for every object and question. */
static vlit_status put_int(vlit_buf *b, long long v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return vlit_buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

static vlit_status bbox(vlit_buf *b, const double v[4])
{
    TRY(vlit_buf_putc(b, '['));
    for (int i = 0; i < 4; i++) {
        if (i)
            TRY(vlit_buf_putc(b, ','));
        TRY(vj_write_num(b, v[i]));
    }
    return vlit_buf_putc(b, ']');
}

static const char *majority(const cl_table *t, const cl_qa *q)
{
    const cl_answer *best = NULL;
    for (uint32_t a = 0; a < q->n_ans; a++) {
        const cl_answer *c = &t->answers.v[q->ans_first + a];
        if (!best || c->count > best->count)
            best = c;
        else if (c->count == best->count && q->mc_answer && strcmp(c->text, q->mc_answer) == 0)
            best = c; /* ties go to the dataset's own choice */
    }
    return best ? best->text : NULL;
}

static const struct {
    uint32_t bit;
    const char *name;
} source_names[] = {
    {CL_SRC_CAPTIONS, "coco-captions"}, {CL_SRC_INSTANCES, "coco-instances"}, {CL_SRC_KEYPOINTS, "coco-keypoints"},
    {CL_SRC_VQA, "vqa"},                {CL_SRC_COCOTEXT, "coco-text"},       {CL_SRC_VAW, "vaw"},
    {CL_SRC_TEXTVQA, "textvqa"},        {CL_SRC_TESSERACT, "tesseract"},
};

static const char *source_name(uint32_t bit)
{
    for (size_t i = 0; i < sizeof source_names / sizeof source_names[0]; i++)
        if (source_names[i].bit == bit)
            return source_names[i].name;
    return "?";
}

vlit_status cl_record_write(const cl_table *t, const cl_record_view *r, vlit_buf *b)
{
    const cl_image *im = r->img;
    TRY(vlit_buf_puts(b, "{\"id\":"));
    TRY(vj_write_cstr(b, im->id));
    if (im->file_name) {
        TRY(key(b, "image"));
        TRY(vj_write_cstr(b, im->file_name));
    }
    TRY(vlit_buf_puts(b, ",\"width\":"));
    TRY(put_int(b, im->width));
    TRY(vlit_buf_puts(b, ",\"height\":"));
    TRY(put_int(b, im->height));

    TRY(key(b, "captions"));
    TRY(vlit_buf_putc(b, '['));
    for (size_t i = 0; i < r->n_captions; i++) {
        if (i)
            TRY(vlit_buf_putc(b, ','));
        TRY(vj_write_cstr(b, r->captions[i]->text));
    }
    TRY(vlit_buf_putc(b, ']'));

    TRY(key(b, "objects"));
    TRY(vlit_buf_putc(b, '['));
    for (size_t i = 0; i < r->n_objects; i++) {
        const cl_object *o = r->objects[i];
        TRY(vlit_buf_puts(b, i ? ",{" : "{"));
        if (o->ann_id >= 0) {
            TRY(vlit_buf_puts(b, "\"id\":"));
            TRY(put_int(b, o->ann_id));
            TRY(vlit_buf_putc(b, ','));
        }
        TRY(vlit_buf_puts(b, "\"category\":"));
        TRY(vj_write_cstr(b, o->category));
        if (o->supercategory) {
            TRY(key(b, "supercategory"));
            TRY(vj_write_cstr(b, o->supercategory));
        }
        if (o->has_bbox) {
            TRY(key(b, "bbox"));
            TRY(vlit_buf_puts(b, o->bbox_json));
        }
        if (o->area_text) {
            TRY(key(b, "area"));
            TRY(vlit_buf_puts(b, o->area_text));
        }
        if (o->iscrowd)
            TRY(vlit_buf_puts(b, ",\"iscrowd\":1"));
        if (o->n_attr) {
            TRY(key(b, "attributes"));
            TRY(vlit_buf_putc(b, '['));
            for (uint32_t a = 0; a < o->n_attr; a++) {
                if (a)
                    TRY(vlit_buf_putc(b, ','));
                TRY(vj_write_cstr(b, t->attr_names.v[o->attr_first + a]));
            }
            TRY(vlit_buf_putc(b, ']'));
        }
        TRY(key(b, "source"));
        TRY(vj_write_cstr(b, o->cat_file == UINT16_MAX ? "vaw" : "coco-instances"));
        TRY(vlit_buf_putc(b, '}'));
    }
    TRY(vlit_buf_putc(b, ']'));

    if (im->sources & CL_SRC_KEYPOINTS)
        TRY(vlit_buf_printf(b, ",\"keypoints\":{\"people\":%d,\"people_visible\":%d,\"visible\":%d}", (int)im->people,
                            (int)im->people_visible, (int)im->keypoints_visible));

    TRY(key(b, "qa"));
    TRY(vlit_buf_putc(b, '['));
    for (size_t i = 0; i < r->n_qa; i++) {
        const cl_qa *q = r->qa[i];
        TRY(vlit_buf_puts(b, i ? ",{" : "{"));
        if (q->qid >= 0) {
            TRY(vlit_buf_puts(b, "\"id\":"));
            TRY(put_int(b, q->qid));
            TRY(vlit_buf_putc(b, ','));
        }
        TRY(vlit_buf_puts(b, "\"question\":"));
        TRY(vj_write_cstr(b, q->question));
        TRY(key(b, "answers"));
        TRY(vlit_buf_putc(b, '['));
        for (uint32_t a = 0; a < q->n_ans; a++) {
            const cl_answer *c = &t->answers.v[q->ans_first + a];
            TRY(vlit_buf_puts(b, a ? ",{\"answer\":" : "{\"answer\":"));
            TRY(vj_write_cstr(b, c->text));
            TRY(vlit_buf_puts(b, ",\"count\":"));
            TRY(put_int(b, c->count));
            TRY(vlit_buf_putc(b, '}'));
        }
        TRY(vlit_buf_putc(b, ']'));
        const char *m = majority(t, q);
        if (m) {
            TRY(key(b, "majority"));
            TRY(vj_write_cstr(b, m));
        }
        TRY(key(b, "source"));
        TRY(vj_write_cstr(b, source_name(q->source)));
        TRY(vlit_buf_putc(b, '}'));
    }
    TRY(vlit_buf_putc(b, ']'));

    TRY(key(b, "ocr"));
    TRY(vlit_buf_putc(b, '['));
    for (size_t i = 0; i < r->n_ocr; i++) {
        const cl_ocr *o = r->ocr[i];
        TRY(vlit_buf_puts(b, i ? ",{\"text\":" : "{\"text\":"));
        TRY(vj_write_cstr(b, o->text));
        if (o->has_bbox) {
            TRY(key(b, "bbox"));
            TRY(bbox(b, o->bbox));
        }
        TRY(vlit_buf_puts(b, o->legible ? ",\"legible\":true" : ",\"legible\":false"));
        TRY(key(b, "source"));
        TRY(vj_write_cstr(b, source_name(o->source)));
        TRY(vlit_buf_putc(b, '}'));
    }
    TRY(vlit_buf_putc(b, ']'));

    TRY(key(b, "sources"));
    TRY(vlit_buf_putc(b, '['));
    int n = 0;
    for (size_t i = 0; i < sizeof source_names / sizeof source_names[0]; i++) {
        if (!(im->sources & source_names[i].bit))
            continue;
        if (n++)
            TRY(vlit_buf_putc(b, ','));
        TRY(vj_write_cstr(b, source_names[i].name));
    }
    TRY(vlit_buf_puts(b, "]}"));
    return VLIT_OK;
}
