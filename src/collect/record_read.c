/* Reads clue records (the JSONL that collect writes) back into structs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/lines.h"
#include "collect_internal.h"

struct vlit_clue_reader {
    FILE *fp;
    char *name;
    int skip_bad;
    size_t skipped;
    vlit_lines lines;
    vlit_arena arena;
    vlit_clue_record rec;
    void (*on_skip)(void *ctx, const char *message);
    void *ctx;
};

void vlit_clue_reader_on_skip(vlit_clue_reader *r, void (*fn)(void *ctx, const char *message), void *ctx)
{
    r->on_skip = fn;
    r->ctx = ctx;
}

vlit_status vlit_clue_reader_open(const char *path, int skip_bad, vlit_clue_reader **out, vlit_error *err)
{
    *out = NULL;
    vlit_clue_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(path))) {
        free(r);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    r->skip_bad = skip_bad;
    vlit_arena_init(&r->arena, 16 * 1024);
    r->fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!r->fp) {
        vlit_status st = vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        free(r->name);
        free(r);
        return st;
    }
    vlit_status st = vlit_lines_init(&r->lines, r->fp, r->name, 0, err);
    if (st) {
        vlit_clue_reader_close(r);
        return st;
    }
    *out = r;
    return VLIT_OK;
}

static vlit_status text_or_null(const vj *v, const char *field, const char **out, vlit_error *err)
{
    *out = NULL;
    if (!v || v->type == VJ_NULL)
        return VLIT_OK;
    if (!vj_is_text(v))
        return vlit_err(err, VLIT_ERR_DATA, "field \"%s\" must be a string", field);
    *out = v->str;
    return VLIT_OK;
}

static vlit_status array_of(const vj *v, const char *field, const vj **out, vlit_error *err)
{
    *out = NULL;
    if (!v || v->type == VJ_NULL)
        return VLIT_OK;
    if (v->type != VJ_ARRAY)
        return vlit_err(err, VLIT_ERR_DATA, "field \"%s\" must be an array, not %s", field, vj_type_name(v->type));
    *out = v;
    return VLIT_OK;
}

static int get_bbox(const vj *v, double out[4])
{
    if (!v || v->type != VJ_ARRAY || v->len != 4)
        return 0;
    for (int i = 0; i < 4; i++)
        if (!vj_number(v->items[i], &out[i]))
            return 0;
    return 1;
}

static int small_int(const vj *v, int *out)
{
    int64_t x;
    if (!vj_int(v, &x) || x < 0 || x > 1000000000)
        return 0;
    *out = (int)x;
    return 1;
}

#define ALLOC(a, n, T) ((n) ? (T *)vlit_arena_alloc((a), (n) * sizeof(T)) : (T *)NULL)

static vlit_status decode(const vj *v, vlit_arena *a, vlit_clue_record *r, vlit_error *err)
{
    memset(r, 0, sizeof *r);
    if (v->type != VJ_OBJECT)
        return vlit_err(err, VLIT_ERR_DATA, "record must be an object");
    char id[128];
    if (!vj_id(vj_get(v, "id"), id, sizeof id))
        return vlit_err(err, VLIT_ERR_DATA, "field \"id\" must be a non-empty string or an integer");
    if (!(r->id = vlit_arena_strdup(a, id)))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    vlit_status st = text_or_null(vj_get(v, "image"), "image", &r->image, err);
    if (st)
        return st;
    const vj *w = vj_get(v, "width"), *h = vj_get(v, "height");
    if ((w && !small_int(w, &r->width)) || (h && !small_int(h, &r->height)))
        return vlit_err(err, VLIT_ERR_DATA, "\"width\" and \"height\" must be non-negative integers");

    const vj *caps, *objs, *qa, *ocr;
    if ((st = array_of(vj_get(v, "captions"), "captions", &caps, err)) ||
        (st = array_of(vj_get(v, "objects"), "objects", &objs, err)) ||
        (st = array_of(vj_get(v, "qa"), "qa", &qa, err)) || (st = array_of(vj_get(v, "ocr"), "ocr", &ocr, err)))
        return st;

    if (caps) {
        const char **c = ALLOC(a, caps->len, const char *);
        if (caps->len && !c)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < caps->len; i++) {
            if (!vj_is_text(caps->items[i]))
                return vlit_err(err, VLIT_ERR_DATA, "captions[%zu] must be a string", i);
            c[i] = caps->items[i]->str;
        }
        r->captions = c;
        r->n_captions = caps->len;
    }
    if (objs) {
        vlit_clue_object *o = ALLOC(a, objs->len, vlit_clue_object);
        if (objs->len && !o)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < objs->len; i++) {
            const vj *x = objs->items[i];
            memset(&o[i], 0, sizeof o[i]);
            if (x->type != VJ_OBJECT)
                return vlit_err(err, VLIT_ERR_DATA, "objects[%zu] must be an object", i);
            if (!vj_is_text(vj_get(x, "category")))
                return vlit_err(err, VLIT_ERR_DATA, "objects[%zu].category must be a string", i);
            o[i].category = vj_get(x, "category")->str;
            if ((st = text_or_null(vj_get(x, "supercategory"), "supercategory", &o[i].supercategory, err)))
                return st;
            const vj *b = vj_get(x, "bbox");
            if (b && !(o[i].has_bbox = get_bbox(b, o[i].bbox)))
                return vlit_err(err, VLIT_ERR_DATA, "objects[%zu].bbox must be 4 numbers", i);
            const vj *ar = vj_get(x, "area");
            if (ar && !vj_number(ar, &o[i].area))
                return vlit_err(err, VLIT_ERR_DATA, "objects[%zu].area must be a number", i);
            const vj *cr = vj_get(x, "iscrowd");
            if (cr && !small_int(cr, &o[i].iscrowd))
                return vlit_err(err, VLIT_ERR_DATA, "objects[%zu].iscrowd must be 0 or 1", i);
            const vj *at;
            if ((st = array_of(vj_get(x, "attributes"), "attributes", &at, err)))
                return st;
            if (at) {
                const char **names = ALLOC(a, at->len, const char *);
                if (at->len && !names)
                    return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                for (size_t k = 0; k < at->len; k++) {
                    if (!vj_is_text(at->items[k]))
                        return vlit_err(err, VLIT_ERR_DATA, "objects[%zu].attributes[%zu] must be a string", i, k);
                    names[k] = at->items[k]->str;
                }
                o[i].attributes = names;
                o[i].n_attributes = at->len;
            }
        }
        r->objects = o;
        r->n_objects = objs->len;
    }
    const vj *kp = vj_get(v, "keypoints");
    if (kp && kp->type == VJ_OBJECT) {
        const vj *p = vj_get(kp, "people"), *pv = vj_get(kp, "people_visible"), *vis = vj_get(kp, "visible");
        if ((p && !small_int(p, &r->people)) || (pv && !small_int(pv, &r->people_visible)) ||
            (vis && !small_int(vis, &r->keypoints_visible)))
            return vlit_err(err, VLIT_ERR_DATA, "keypoints counts must be non-negative integers");
    } else if (kp && kp->type != VJ_NULL) {
        return vlit_err(err, VLIT_ERR_DATA, "field \"keypoints\" must be an object");
    }
    if (qa) {
        vlit_clue_qa *q = ALLOC(a, qa->len, vlit_clue_qa);
        if (qa->len && !q)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < qa->len; i++) {
            const vj *x = qa->items[i];
            memset(&q[i], 0, sizeof q[i]);
            if (x->type != VJ_OBJECT || !vj_is_text(vj_get(x, "question")))
                return vlit_err(err, VLIT_ERR_DATA, "qa[%zu] must be an object with a string \"question\"", i);
            q[i].question = vj_get(x, "question")->str;
            if ((st = text_or_null(vj_get(x, "majority"), "majority", &q[i].majority, err)) ||
                (st = text_or_null(vj_get(x, "source"), "source", &q[i].source, err)))
                return st;
            const vj *ans;
            if ((st = array_of(vj_get(x, "answers"), "answers", &ans, err)))
                return st;
            if (ans) {
                vlit_clue_answer *an = ALLOC(a, ans->len, vlit_clue_answer);
                if (ans->len && !an)
                    return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                for (size_t k = 0; k < ans->len; k++) {
                    const vj *y = ans->items[k];
                    if (y->type != VJ_OBJECT || !vj_is_text(vj_get(y, "answer")) ||
                        !small_int(vj_get(y, "count"), &an[k].count))
                        return vlit_err(err, VLIT_ERR_DATA,
                                        "qa[%zu].answers[%zu] must be {\"answer\": string, \"count\": integer}", i, k);
                    an[k].answer = vj_get(y, "answer")->str;
                }
                q[i].answers = an;
                q[i].n_answers = ans->len;
            }
        }
        r->qa = q;
        r->n_qa = qa->len;
    }
    if (ocr) {
        vlit_clue_ocr *o = ALLOC(a, ocr->len, vlit_clue_ocr);
        if (ocr->len && !o)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < ocr->len; i++) {
            const vj *x = ocr->items[i];
            memset(&o[i], 0, sizeof o[i]);
            if (x->type != VJ_OBJECT || !vj_is_text(vj_get(x, "text")))
                return vlit_err(err, VLIT_ERR_DATA, "ocr[%zu] must be an object with a string \"text\"", i);
            o[i].text = vj_get(x, "text")->str;
            const vj *b = vj_get(x, "bbox");
            if (b && !(o[i].has_bbox = get_bbox(b, o[i].bbox)))
                return vlit_err(err, VLIT_ERR_DATA, "ocr[%zu].bbox must be 4 numbers", i);
            const vj *leg = vj_get(x, "legible");
            o[i].legible = !leg || leg->type == VJ_TRUE;
            if ((st = text_or_null(vj_get(x, "source"), "source", &o[i].source, err)))
                return st;
        }
        r->ocr = o;
        r->n_ocr = ocr->len;
    }
    return VLIT_OK;
}

vlit_status vlit_clue_reader_next(vlit_clue_reader *r, const vlit_clue_record **rec, vlit_error *err)
{
    for (;;) {
        vlit_arena_reset(&r->arena);
        vlit_status st;
        do {
            if ((st = vlit_lines_next(&r->lines, err)))
                return st;
        } while (strspn(r->lines.line.data, " \t") == r->lines.line.len);
        vj *v;
        vlit_error local = {0};
        st = vj_parse(r->lines.line.data, r->lines.line.len, NULL, &r->arena, &v, &local);
        if (!st)
            st = decode(v, &r->arena, &r->rec, &local);
        if (!st) {
            *rec = &r->rec;
            return VLIT_OK;
        }
        vlit_err(err, st, "%s: line %zu (byte %" PRIu64 "): %s", r->name, r->lines.lineno, r->lines.offset,
                 local.message);
        if (!r->skip_bad || st == VLIT_ERR_NOMEM)
            return st;
        r->skipped++;
        if (r->on_skip)
            r->on_skip(r->ctx, err ? err->message : "bad record");
    }
}

size_t vlit_clue_reader_skipped(const vlit_clue_reader *r) { return r->skipped; }

void vlit_clue_reader_close(vlit_clue_reader *r)
{
    if (!r)
        return;
    vlit_lines_free(&r->lines);
    if (r->fp && r->fp != stdin)
        fclose(r->fp);
    vlit_arena_free(&r->arena);
    free(r->name);
    free(r);
}
