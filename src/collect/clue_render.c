/* Renders a clue record with a template: captions, the object inventory
 * with counts (supercategory_category), boxes, attributes, people, QA pairs
 * with the majority answer, and recognised text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/expand.h"
#include "clue_template.h"

typedef vlit_field field;

static vlit_status expand(vlit_buf *b, const char *text, const field *f, size_t nf) { return vlit_expand(b, text, f, nf); }

static void object_name(const vlit_clue_object *o, vlit_buf *out)
{
    vlit_buf_clear(out);
    if (o->supercategory && o->supercategory[0]) {
        vlit_buf_puts(out, o->supercategory);
        vlit_buf_putc(out, '_');
    }
    vlit_buf_puts(out, o->category);
}

static void format_box(const double bbox[4], int w, int h, vlit_box_mode mode, char *out, size_t cap)
{
    double x1 = bbox[0], y1 = bbox[1], x2 = bbox[0] + bbox[2], y2 = bbox[1] + bbox[3];
    if (mode == VLIT_BOXES_NORM && w > 0 && h > 0)
        snprintf(out, cap, "[%.3f, %.3f, %.3f, %.3f]", x1 / w, y1 / h, x2 / w, y2 / h);
    else
        snprintf(out, cap, "[%.0f, %.0f, %.0f, %.0f]", x1, y1, x2, y2);
}

typedef struct ctx {
    const vlit_clue_template *t;
    const vlit_clue_record *r;
    vlit_box_mode boxes;
    vlit_buf *out;
    char id_w[16], id_h[16];
} ctx;

static vlit_status header_fields(ctx *c, int s)
{
    field f[] = {{"id", c->r->id}, {"image", c->r->image}, {"width", c->id_w}, {"height", c->id_h}};
    return c->t->text[s] ? expand(c->out, c->t->text[s], f, 4) : VLIT_OK;
}

static vlit_status title(ctx *c, int s) { return c->t->text[s] ? expand(c->out, c->t->text[s], NULL, 0) : VLIT_OK; }

static vlit_status group_captions(ctx *c)
{
    if (!c->r->n_captions || !c->t->text[CS_CAPTION])
        return VLIT_OK;
    vlit_status st = title(c, CS_CAPTIONS_TITLE);
    for (size_t i = 0; i < c->r->n_captions && !st; i++) {
        field f[] = {{"text", c->r->captions[i]}};
        st = expand(c->out, c->t->text[CS_CAPTION], f, 1);
    }
    return st;
}

/* Inventory: one line per distinct name, in order of first appearance. */
static vlit_status group_objects(ctx *c)
{
    size_t n = c->r->n_objects;
    if (!n || !c->t->text[CS_OBJECT])
        return VLIT_OK;
    vlit_status st = title(c, CS_OBJECTS_TITLE);
    vlit_buf name = VLIT_BUF_INIT, other = VLIT_BUF_INIT;
    char *done = calloc(n, 1);
    if (!done)
        return VLIT_ERR_NOMEM;
    for (size_t i = 0; i < n && !st; i++) {
        if (done[i])
            continue;
        object_name(&c->r->objects[i], &name);
        int count = 0;
        for (size_t j = i; j < n; j++) {
            object_name(&c->r->objects[j], &other);
            if (strcmp(name.data, other.data) == 0) {
                done[j] = 1;
                count++;
            }
        }
        char num[16];
        snprintf(num, sizeof num, "%d", count);
        field f[] = {{"count", num}, {"name", name.data}};
        st = expand(c->out, c->t->text[CS_OBJECT], f, 2);
    }
    free(done);
    vlit_buf_free(&name);
    vlit_buf_free(&other);
    return st;
}

static vlit_status group_boxes(ctx *c)
{
    if (c->boxes == VLIT_BOXES_NONE || !c->t->text[CS_BOX])
        return VLIT_OK;
    size_t with = 0;
    for (size_t i = 0; i < c->r->n_objects; i++)
        with += c->r->objects[i].has_bbox;
    if (!with)
        return VLIT_OK;
    vlit_status st = title(c, CS_BOXES_TITLE);
    vlit_buf name = VLIT_BUF_INIT;
    for (size_t i = 0; i < c->r->n_objects && !st; i++) {
        const vlit_clue_object *o = &c->r->objects[i];
        if (!o->has_bbox)
            continue;
        object_name(o, &name);
        char box[128];
        format_box(o->bbox, c->r->width, c->r->height, c->boxes, box, sizeof box);
        field f[] = {{"name", name.data}, {"box", box}};
        st = expand(c->out, c->t->text[CS_BOX], f, 2);
    }
    vlit_buf_free(&name);
    return st;
}

static vlit_status group_attributes(ctx *c)
{
    size_t with = 0;
    for (size_t i = 0; i < c->r->n_objects; i++)
        with += c->r->objects[i].n_attributes > 0;
    if (!with || !c->t->text[CS_ATTRIBUTE])
        return VLIT_OK;
    vlit_status st = title(c, CS_ATTRIBUTES_TITLE);
    vlit_buf name = VLIT_BUF_INIT, list = VLIT_BUF_INIT;
    for (size_t i = 0; i < c->r->n_objects && !st; i++) {
        const vlit_clue_object *o = &c->r->objects[i];
        if (!o->n_attributes)
            continue;
        object_name(o, &name);
        vlit_buf_clear(&list);
        for (size_t k = 0; k < o->n_attributes; k++) {
            if (k)
                vlit_buf_puts(&list, ", ");
            vlit_buf_puts(&list, o->attributes[k]);
        }
        field f[] = {{"name", name.data}, {"attributes", list.data}};
        st = expand(c->out, c->t->text[CS_ATTRIBUTE], f, 2);
    }
    vlit_buf_free(&name);
    vlit_buf_free(&list);
    return st;
}

static vlit_status group_people(ctx *c)
{
    if (!c->r->people || !c->t->text[CS_PEOPLE])
        return VLIT_OK;
    char a[16], b[16];
    snprintf(a, sizeof a, "%d", c->r->people);
    snprintf(b, sizeof b, "%d", c->r->people_visible);
    field f[] = {{"people", a}, {"people_visible", b}};
    return expand(c->out, c->t->text[CS_PEOPLE], f, 2);
}

static vlit_status group_qa(ctx *c)
{
    if (!c->r->n_qa || !c->t->text[CS_QA])
        return VLIT_OK;
    vlit_status st = title(c, CS_QA_TITLE);
    for (size_t i = 0; i < c->r->n_qa && !st; i++) {
        const vlit_clue_qa *q = &c->r->qa[i];
        int votes = 0, total = 0;
        for (size_t k = 0; k < q->n_answers; k++) {
            total += q->answers[k].count;
            if (q->majority && strcmp(q->answers[k].answer, q->majority) == 0)
                votes = q->answers[k].count;
        }
        char v[16], tt[16];
        snprintf(v, sizeof v, "%d", votes);
        snprintf(tt, sizeof tt, "%d", total);
        field f[] = {{"question", q->question}, {"answer", q->majority ? q->majority : ""}, {"votes", v}, {"total", tt}};
        st = expand(c->out, c->t->text[CS_QA], f, 4);
    }
    return st;
}

static vlit_status group_ocr(ctx *c)
{
    size_t legible = 0;
    for (size_t i = 0; i < c->r->n_ocr; i++)
        legible += c->r->ocr[i].legible;
    if (!legible || !c->t->text[CS_OCR])
        return VLIT_OK;
    vlit_status st = title(c, CS_OCR_TITLE);
    for (size_t i = 0; i < c->r->n_ocr && !st; i++) {
        const vlit_clue_ocr *o = &c->r->ocr[i];
        if (!o->legible)
            continue;
        char box[130] = "";
        if (o->has_bbox && c->boxes != VLIT_BOXES_NONE) {
            box[0] = ' '; /* the box follows the text when there is one */
            format_box(o->bbox, c->r->width, c->r->height, c->boxes, box + 1, sizeof box - 1);
        }
        field f[] = {{"text", o->text}, {"box", box}};
        st = expand(c->out, c->t->text[CS_OCR], f, 2);
    }
    return st;
}

vlit_status vlit_clue_render(const vlit_clue_template *t, const vlit_clue_record *rec, vlit_box_mode boxes,
                             char **out, vlit_error *err)
{
    *out = NULL;
    vlit_buf b = VLIT_BUF_INIT;
    ctx c = {t, rec, boxes, &b, "", ""};
    snprintf(c.id_w, sizeof c.id_w, "%d", rec->width);
    snprintf(c.id_h, sizeof c.id_h, "%d", rec->height);
    vlit_status st = VLIT_OK;
    /* each group is emitted where its first section stands in the file */
    int emitted[CS_COUNT] = {0};
    for (int k = 0; k < t->n_order && !st; k++) {
        int s = t->order[k];
        int g;
        switch (s) {
        case CS_CAPTIONS_TITLE:
        case CS_CAPTION: g = CS_CAPTION; break;
        case CS_OBJECTS_TITLE:
        case CS_OBJECT: g = CS_OBJECT; break;
        case CS_BOXES_TITLE:
        case CS_BOX: g = CS_BOX; break;
        case CS_ATTRIBUTES_TITLE:
        case CS_ATTRIBUTE: g = CS_ATTRIBUTE; break;
        case CS_QA_TITLE:
        case CS_QA: g = CS_QA; break;
        case CS_OCR_TITLE:
        case CS_OCR: g = CS_OCR; break;
        default: g = s;
        }
        if (emitted[g])
            continue;
        emitted[g] = 1;
        switch (g) {
        case CS_HEADER:
        case CS_FOOTER: st = header_fields(&c, g); break;
        case CS_CAPTION: st = group_captions(&c); break;
        case CS_OBJECT: st = group_objects(&c); break;
        case CS_BOX: st = group_boxes(&c); break;
        case CS_ATTRIBUTE: st = group_attributes(&c); break;
        case CS_PEOPLE: st = group_people(&c); break;
        case CS_QA: st = group_qa(&c); break;
        case CS_OCR: st = group_ocr(&c); break;
        }
    }
    if (st) {
        vlit_buf_free(&b);
        return vlit_err(err, st, "record %s: %s", rec->id, vlit_status_str(st));
    }
    if (!b.data && vlit_buf_reserve(&b, 1)) {
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    *out = b.data;
    return VLIT_OK;
}
