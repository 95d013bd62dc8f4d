/* The join: resolve categories, check images and boxes, group every item by
 * image (counting sort, so the cost is linear), attach attributes, and write
 * one record per image in the order the images were first seen. */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../base/atomic_file.h"
#include "../io/image.h"
#include "collect_internal.h"

#define BOX_TOLERANCE 1.0 /* pixels a box may overhang the image (rounding in real data) */

/* Item positions grouped by image: order[first[i] .. first[i+1]) */
typedef struct group {
    uint32_t *first; /* n_images + 1 */
    uint32_t *order;
} group;

static int group_build(group *g, size_t n_images, size_t n_items, const void *items, size_t stride, size_t img_off,
                       const uint8_t *drop)
{
    g->first = calloc(n_images + 1, sizeof *g->first);
    g->order = malloc((n_items ? n_items : 1) * sizeof *g->order);
    if (!g->first || !g->order)
        return 0;
    const char *base = items;
    for (size_t i = 0; i < n_items; i++) {
        if (drop && drop[i])
            continue;
        uint32_t img;
        memcpy(&img, base + i * stride + img_off, sizeof img);
        g->first[img + 1]++;
    }
    for (size_t i = 0; i < n_images; i++)
        g->first[i + 1] += g->first[i];
    uint32_t *fill = malloc((n_images + 1) * sizeof *fill);
    if (!fill)
        return 0;
    memcpy(fill, g->first, (n_images + 1) * sizeof *fill);
    for (size_t i = 0; i < n_items; i++) {
        if (drop && drop[i])
            continue;
        uint32_t img;
        memcpy(&img, base + i * stride + img_off, sizeof img);
        g->order[fill[img]++] = (uint32_t)i;
    }
    free(fill);
    return 1;
}

static void group_free(group *g)
{
    free(g->first);
    free(g->order);
}

#define GROUP(g, t, vec, drop) group_build(&(g), (t)->images.n, (t)->vec.n, (t)->vec.v, sizeof *(t)->vec.v, \
                                           offsetof(__typeof__(*(t)->vec.v), img), drop)

static int category_cmp(const void *pa, const void *pb)
{
    const cl_category *a = pa, *b = pb;
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static const cl_category *find_category(const cl_table *t, uint16_t file, int64_t id)
{
    size_t lo = 0, hi = t->categories.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const cl_category *c = &t->categories.v[mid];
        if (c->file < file || (c->file == file && c->id < id))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->categories.n && t->categories.v[lo].file == file && t->categories.v[lo].id == id)
        return &t->categories.v[lo];
    return NULL;
}

static vlit_status resolve_categories(cl_table *t, uint8_t *drop, vlit_error *err)
{
    if (t->categories.n)
        qsort(t->categories.v, t->categories.n, sizeof *t->categories.v, category_cmp);
    for (size_t i = 0; i < t->objects.n; i++) {
        cl_object *o = &t->objects.v[i];
        const cl_category *c = find_category(t, o->cat_file, o->cat_id);
        if (!c) {
            drop[i] = 1;
            vlit_status st = cl_bad(t, o->loc, err, VLIT_ERR_DATA,
                                    "annotation %" PRId64 ": category_id %" PRId64 " is not in the file's \"categories\"",
                                    o->ann_id, o->cat_id);
            if (st)
                return st;
            continue;
        }
        o->category = c->name;
        o->supercategory = c->supercategory;
    }
    return VLIT_OK;
}

/* Marks images that cannot be written: never defined though an images list
 * exists (unknown id), or another shard's. */
static vlit_status check_images(cl_table *t, vlit_error *err)
{
    for (size_t i = 0; i < t->images.n; i++) {
        cl_image *im = &t->images.v[i];
        if (im->bad == 2) {
            t->sum->outside_shard++;
            continue;
        }
        if (t->have_image_list && !im->defined) {
            im->bad = 1;
            vlit_status st = cl_bad(t, im->loc, err, VLIT_ERR_DATA, "image id %s is not in any images list", im->id);
            if (st)
                return st;
        }
    }
    return VLIT_OK;
}

static vlit_status check_boxes(cl_table *t, uint8_t *drop, vlit_error *err)
{
    for (size_t i = 0; i < t->objects.n; i++) {
        cl_object *o = &t->objects.v[i];
        const cl_image *im = &t->images.v[o->img];
        if (drop[i] || im->bad || !im->width || !im->height)
            continue;
        const double *b = o->bbox;
        if (b[0] < -BOX_TOLERANCE || b[1] < -BOX_TOLERANCE || b[0] + b[2] > im->width + BOX_TOLERANCE ||
            b[1] + b[3] > im->height + BOX_TOLERANCE) {
            drop[i] = 1;
            vlit_status st = cl_bad(t, o->loc, err, VLIT_ERR_DATA,
                                    "annotation %" PRId64 ": bbox [%g, %g, %g, %g] lies outside the %dx%d image %s",
                                    o->ann_id, b[0], b[1], b[2], b[3], (int)im->width, (int)im->height, im->id);
            if (st)
                return st;
        }
    }
    return VLIT_OK;
}

static int path_escapes(const char *name)
{
    if (name[0] == '/')
        return 1;
    for (const char *p = name; *p;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        if (!slash)
            break;
        p = slash + 1;
    }
    return 0;
}

/* With an image root: the file must be inside it, exist, be a JPEG or PNG
 * whose header we can read, and have the annotated size. */
static vlit_status check_image_file(cl_table *t, cl_image *im, char *path, size_t cap, vlit_error *err)
{
    const char *root = t->p->image_root;
    const char *name = im->file_name;
    if (path_escapes(name)) {
        im->bad = 1;
        return cl_bad(t, im->loc, err, VLIT_ERR_IMAGE, "image %s: file name \"%s\" escapes the image root", im->id,
                      name);
    }
    snprintf(path, cap, "%s/%s", root, name);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        im->bad = 1;
        return cl_bad(t, im->loc, err, VLIT_ERR_IMAGE, "image %s: missing image file %s", im->id, path);
    }
    int w, h;
    vlit_error ierr = {0};
    if (vlit_image_probe(path, &w, &h, &ierr)) {
        im->bad = 1;
        return cl_bad(t, im->loc, err, VLIT_ERR_IMAGE, "image %s: %s", im->id, ierr.message);
    }
    if (im->width && im->height && (w != im->width || h != im->height)) {
        im->bad = 1;
        return cl_bad(t, im->loc, err, VLIT_ERR_IMAGE, "image %s: %s is %dx%d but annotated as %dx%d", im->id, path,
                      w, h, (int)im->width, (int)im->height);
    }
    im->width = w;
    im->height = h;
    return VLIT_OK;
}

static double iou(const double a[4], const double b[4])
{
    double x1 = a[0] > b[0] ? a[0] : b[0], y1 = a[1] > b[1] ? a[1] : b[1];
    double x2 = a[0] + a[2] < b[0] + b[2] ? a[0] + a[2] : b[0] + b[2];
    double y2 = a[1] + a[3] < b[1] + b[3] ? a[1] + a[3] : b[1] + b[3];
    double inter = (x2 > x1 && y2 > y1) ? (x2 - x1) * (y2 - y1) : 0;
    double uni = a[2] * a[3] + b[2] * b[3] - inter;
    return uni > 0 ? inter / uni : 0;
}

typedef struct scratch {
    const cl_caption **captions;
    const cl_object **objects;
    cl_object *vaw_objects; /* unmatched VAW entries as objects */
    const cl_qa **qa;
    const cl_ocr **ocr;
    uint32_t *attr_tmp;
    size_t cap;
} scratch;

static int scratch_fit(scratch *s, size_t n)
{
    if (n <= s->cap)
        return 1;
    size_t cap = n * 2;
    void *a = realloc(s->captions, cap * sizeof *s->captions);
    if (!a)
        return 0;
    s->captions = a;
    if (!(a = realloc(s->objects, cap * sizeof *s->objects)))
        return 0;
    s->objects = a;
    if (!(a = realloc(s->vaw_objects, cap * sizeof *s->vaw_objects)))
        return 0;
    s->vaw_objects = a;
    if (!(a = realloc(s->qa, cap * sizeof *s->qa)))
        return 0;
    s->qa = a;
    if (!(a = realloc(s->ocr, cap * sizeof *s->ocr)))
        return 0;
    s->ocr = a;
    s->cap = cap;
    return 1;
}

static void scratch_free(scratch *s)
{
    free(s->captions);
    free(s->objects);
    free(s->vaw_objects);
    free(s->qa);
    free(s->ocr);
}

/* Attaches the image's VAW entries to its objects (same instance id, else a
 * box with IoU >= 0.9); the others become objects of their own. Works on
 * copies in sc->vaw_objects, so the shared table is not modified. Returns
 * the number of objects. */
static size_t attach_vaw(cl_table *t, scratch *sc, size_t n_obj, const group *gv, uint32_t img)
{
    for (size_t j = 0; j < n_obj; j++) {
        sc->vaw_objects[j] = *sc->objects[j];
        sc->objects[j] = &sc->vaw_objects[j];
    }
    for (uint32_t k = gv->first[img]; k < gv->first[img + 1]; k++) {
        const cl_vaw *v = &t->vaw.v[gv->order[k]];
        size_t match = n_obj;
        for (size_t j = 0; j < n_obj && v->instance_id; j++) {
            char id[32];
            snprintf(id, sizeof id, "%" PRId64, sc->vaw_objects[j].ann_id);
            if (sc->vaw_objects[j].ann_id >= 0 && strcmp(id, v->instance_id) == 0)
                match = j;
        }
        for (size_t j = 0; j < n_obj && match == n_obj && v->has_bbox; j++)
            if (sc->vaw_objects[j].has_bbox && iou(sc->vaw_objects[j].bbox, v->bbox) >= 0.9)
                match = j;
        cl_object *o = &sc->vaw_objects[match];
        if (match == n_obj) {
            memset(o, 0, sizeof *o);
            o->img = img;
            o->cat_file = UINT16_MAX;
            o->ann_id = -1;
            o->category = v->object_name;
            o->has_bbox = v->has_bbox;
            memcpy(o->bbox, v->bbox, sizeof o->bbox);
            o->bbox_json = v->bbox_json;
            sc->objects[n_obj++] = o;
        } else if (o->n_attr) {
            continue; /* a second VAW entry for the same object: the first one's attributes stay */
        }
        o->attr_first = v->attr_first;
        o->n_attr = v->n_attr;
    }
    return n_obj;
}

/* qsort has no context argument in C11; the join runs on one thread. */
static const cl_table *sort_table;

static int by_first_seen(const void *a, const void *b)
{
    uint64_t x = sort_table->images.v[*(const uint32_t *)a].first_seen;
    uint64_t y = sort_table->images.v[*(const uint32_t *)b].first_seen;
    return x < y ? -1 : x > y;
}

vlit_status cl_join_and_write(cl_table *t, const char *out_path, vlit_error *err)
{
    vlit_status st = VLIT_OK;
    group gc = {0}, go = {0}, gq = {0}, gr = {0}, gv = {0};
    scratch sc = {0};
    vlit_buf line = VLIT_BUF_INIT;
    vlit_atomic_file out = {0};
    cl_ocr_engine *ocr = NULL;
    cl_ocr *recognised = NULL;
    size_t n_recognised = 0;
    uint32_t *order = NULL;
    uint8_t *drop = calloc(t->objects.n ? t->objects.n : 1, 1);
    if (!drop)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");

    if ((st = resolve_categories(t, drop, err)) || (st = check_images(t, err)) || (st = check_boxes(t, drop, err)))
        goto out;
    if (!GROUP(gc, t, captions, NULL) || !GROUP(go, t, objects, drop) || !GROUP(gq, t, qa, NULL) ||
        !GROUP(gr, t, ocr, NULL) || !GROUP(gv, t, vaw, NULL)) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (t->p->ocr && (st = cl_ocr_open(t->p, &ocr, err)))
        goto out;
    if ((st = vlit_atomic_open(&out, out_path, err)))
        goto out;

    /* images in the order of their first mention in the fixed input order */
    if (!(order = malloc((t->images.n ? t->images.n : 1) * sizeof *order))) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < t->images.n; i++)
        order[i] = i;
    sort_table = t;
    qsort(order, t->images.n, sizeof *order, by_first_seen);

    char path[4096];
    for (uint32_t oi = 0; oi < t->images.n; oi++) {
        uint32_t i = order[oi];
        cl_image *im = &t->images.v[i];
        if (im->bad)
            continue;
        if (t->p->image_root && im->file_name) {
            if ((st = check_image_file(t, im, path, sizeof path, err)))
                goto out;
            if (im->bad)
                continue;
        }
        size_t nc = gc.first[i + 1] - gc.first[i], no = go.first[i + 1] - go.first[i];
        size_t nq = gq.first[i + 1] - gq.first[i], nr = gr.first[i + 1] - gr.first[i];
        size_t nv = gv.first[i + 1] - gv.first[i];
        size_t most = nc > no + nv ? nc : no + nv;
        most = most > nq ? most : nq;
        most = most > nr ? most : nr;
        if (!scratch_fit(&sc, most + 1)) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t k = 0; k < nc; k++)
            sc.captions[k] = &t->captions.v[gc.order[gc.first[i] + k]];
        for (size_t k = 0; k < no; k++)
            sc.objects[k] = &t->objects.v[go.order[go.first[i] + k]];
        for (size_t k = 0; k < nq; k++)
            sc.qa[k] = &t->qa.v[gq.order[gq.first[i] + k]];
        for (size_t k = 0; k < nr; k++)
            sc.ocr[k] = &t->ocr.v[gr.order[gr.first[i] + k]];
        if (nv)
            no = attach_vaw(t, &sc, no, &gv, i);
        if (ocr && nr == 0 && t->p->image_root && im->file_name) {
            free(recognised);
            recognised = NULL;
            if ((st = cl_ocr_image(ocr, t, i, path, &recognised, &n_recognised, err)))
                goto out;
            if (n_recognised) {
                if (!scratch_fit(&sc, n_recognised + 1)) {
                    st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                    goto out;
                }
                for (size_t k = 0; k < n_recognised; k++)
                    sc.ocr[k] = &recognised[k];
                nr = n_recognised;
                t->sum->ocr_recognised += nr;
                im->sources |= CL_SRC_TESSERACT;
            }
        }
        cl_record_view view = {im, sc.captions, nc, sc.objects, no, sc.qa, nq, sc.ocr, nr};
        vlit_buf_clear(&line);
        if ((st = cl_record_write(t, &view, &line)) || (st = vlit_buf_putc(&line, '\n'))) {
            st = vlit_err(err, st, "image %s: %s", im->id, vlit_status_str(st));
            goto out;
        }
        if (fwrite(line.data, 1, line.len, out.fp) != line.len) {
            st = vlit_err(err, VLIT_ERR_IO, "%s: write failed: %s", out_path, strerror(errno));
            goto out;
        }
        if (t->p->on_record)
            t->p->on_record(t->p->record_ctx, oi);
        t->sum->images++;
        t->sum->captions += nc;
        t->sum->objects += no;
        t->sum->qa += nq;
        for (size_t k = 0; k < nq; k++)
            for (uint32_t a = 0; a < sc.qa[k]->n_ans; a++)
                t->sum->answers += t->answers.v[sc.qa[k]->ans_first + a].count;
        t->sum->ocr_tokens += nr;
        t->sum->keypoint_people += (size_t)im->people;
        for (size_t k = 0; k < no; k++)
            t->sum->attributes += sc.objects[k]->n_attr;
        if (t->p->on_progress && (oi & 0xfff) == 0)
            t->p->on_progress(t->p->ctx, "writing", (double)oi / (double)t->images.n);
    }
    st = vlit_atomic_commit(&out, err);
out:
    free(order);
    vlit_atomic_abort(&out);
    cl_ocr_close(ocr);
    free(recognised);
    free(drop);
    group_free(&gc);
    group_free(&go);
    group_free(&gq);
    group_free(&gr);
    group_free(&gv);
    scratch_free(&sc);
    vlit_buf_free(&line);
    return st;
}
