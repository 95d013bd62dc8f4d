/* Helpers shared by the annotation sources: locations, bad-record handling,
 * image registry, interning, field checks, and the element loop. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect_internal.h"

#define MAX_DIM 100000

int cl_grow(void **v, size_t *cap, size_t elem)
{
    size_t n = *cap ? *cap * 2 : 1024;
    void *p = realloc(*v, n * elem);
    if (!p)
        return 0;
    *v = p;
    *cap = n;
    return 1;
}

uint16_t cl_add_file(cl_table *t, const char *path)
{
    t->files[t->n_files] = path;
    return (uint16_t)t->n_files++;
}

static uint16_t section_id(cl_table *t, const char *name)
{
    if (!name)
        return UINT16_MAX;
    for (size_t i = 0; i < t->n_sections; i++)
        if (strcmp(t->sections[i], name) == 0)
            return (uint16_t)i;
    if (t->n_sections == sizeof t->sections / sizeof t->sections[0])
        return UINT16_MAX;
    const char *s = cl_intern(t, name, strlen(name));
    if (!s)
        return UINT16_MAX;
    t->sections[t->n_sections] = s;
    return (uint16_t)t->n_sections++;
}

cl_loc cl_loc_of(cl_table *t, uint16_t file, const vj_elem *e)
{
    cl_loc l;
    l.offset = e->offset;
    l.index = (uint32_t)e->index;
    l.file = file;
    l.section = section_id(t, e->section);
    return l;
}

void cl_format_loc(const cl_table *t, cl_loc loc, char *out, size_t cap)
{
    const char *sec = loc.section == UINT16_MAX ? "" : t->sections[loc.section];
    snprintf(out, cap, "%s: %s[%" PRIu32 "] (byte %" PRIu64 ")", t->files[loc.file], sec, loc.index, loc.offset);
}

vlit_status cl_bad(cl_table *t, cl_loc loc, vlit_error *err, vlit_status st, const char *fmt, ...)
{
    char where[512], what[512];
    cl_format_loc(t, loc, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (!t->p->skip_bad)
        return vlit_err(err, st, "%s: %s", where, what);
    t->sum->skipped++;
    if (t->p->on_skip) {
        char msg[1100];
        snprintf(msg, sizeof msg, "%s: %s", where, what);
        if (t->callback_lock)
            pthread_mutex_lock(t->callback_lock);
        t->p->on_skip(t->p->ctx, msg);
        if (t->callback_lock)
            pthread_mutex_unlock(t->callback_lock);
    }
    return VLIT_OK;
}

const char *cl_strdup(cl_table *t, const char *s, size_t len) { return vlit_arena_strndup(&t->strings, s, len); }

const char *cl_intern(cl_table *t, const char *s, size_t len)
{
    int inserted;
    const char *stored = NULL;
    return vlit_strmap_put(&t->interned, s, len, 0, &inserted, &stored) ? stored : NULL;
}

int cl_text(const cl_table *t, const vj *v, const char *field, char *why, size_t cap)
{
    if (!v) {
        snprintf(why, cap, "missing field \"%s\"", field);
        return 0;
    }
    if (v->type != VJ_STRING) {
        snprintf(why, cap, "field \"%s\" must be a string, not %s", field, vj_type_name(v->type));
        return 0;
    }
    if (strlen(v->str) != v->len) {
        snprintf(why, cap, "field \"%s\" contains a NUL character", field);
        return 0;
    }
    size_t max = t->p->max_text ? t->p->max_text : 64 * 1024;
    if (v->len > max) {
        snprintf(why, cap, "field \"%s\" has %zu bytes, more than the limit of %zu", field, v->len, max);
        return 0;
    }
    return 1;
}

int cl_bbox(const vj *v, double out[4])
{
    if (!v || v->type != VJ_ARRAY || v->len != 4)
        return 0;
    for (int i = 0; i < 4; i++)
        if (!vj_number(v->items[i], &out[i]))
            return 0;
    return out[2] >= 0 && out[3] >= 0;
}

const char *cl_bbox_json(cl_table *t, const vj *v)
{
    size_t n = 3 + 4;
    for (int i = 0; i < 4; i++)
        n += v->items[i]->len;
    char *out = vlit_arena_alloc(&t->strings, n);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '[';
    for (int i = 0; i < 4; i++) {
        if (i)
            *p++ = ',';
        memcpy(p, v->items[i]->str, v->items[i]->len);
        p += v->items[i]->len;
    }
    *p++ = ']';
    *p = '\0';
    return out;
}

int cl_nonneg_number(cl_table *t, const vj *v, const char **text)
{
    if (!v || v->type != VJ_NUMBER || v->str[0] == '-')
        return 0;
    /* JSON number text is finite unless an exponent overflows */
    double d;
    if (strpbrk(v->str, "eE") && !vj_number(v, &d))
        return 0;
    return (*text = cl_strdup(t, v->str, v->len)) != NULL;
}

static int in_shard(const cl_table *t, const char *id)
{
    unsigned n = t->p->shard_count;
    if (n <= 1)
        return 1;
    return vlit_hash(id, strlen(id)) % n == t->p->shard_index;
}

vlit_status cl_image_ref(cl_table *t, const char *id, cl_loc loc, uint32_t *out, vlit_error *err)
{
    int inserted;
    const char *stored = NULL;
    uint32_t *slot = vlit_strmap_put(&t->image_ids, id, strlen(id), (uint32_t)t->images.n, &inserted, &stored);
    if (!slot)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (inserted) {
        cl_image *im = CL_PUSH(t->images);
        if (!im)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        im->id = stored;
        im->loc = loc;
        im->first_seen = t->rank << 40 | t->mentions++;
        if (!in_shard(t, id))
            im->bad = 2; /* another shard's: dropped quietly */
    }
    *out = *slot;
    return VLIT_OK;
}

vlit_status cl_image_define(cl_table *t, const vj *img, cl_loc loc, uint32_t source, vlit_error *err)
{
    char id[128], why[256];
    if (img->type != VJ_OBJECT)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "image entry must be an object, not %s", vj_type_name(img->type));
    if (!vj_id(vj_get(img, "id"), id, sizeof id))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"id\" must be an integer or a non-empty string");
    const vj *fn = vj_get(img, "file_name");
    if (!cl_text(t, fn, "file_name", why, sizeof why))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "image %s: %s", id, why);
    int64_t w = 0, h = 0;
    const vj *wv = vj_get(img, "width"), *hv = vj_get(img, "height");
    if (!vj_int(wv, &w) || !vj_int(hv, &h))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "image %s: \"width\" and \"height\" must be integers", id);
    if (w < 1 || h < 1 || w > MAX_DIM || h > MAX_DIM)
        return cl_bad(t, loc, err, VLIT_ERR_LIMIT, "image %s: size %" PRId64 "x%" PRId64 " is out of range 1..%d", id,
                      w, h, MAX_DIM);
    uint32_t k;
    vlit_status st = cl_image_ref(t, id, loc, &k, err);
    if (st)
        return st;
    cl_image *im = &t->images.v[k];
    if (im->defined) {
        if (im->width != w || im->height != h)
            return cl_bad(t, loc, err, VLIT_ERR_DATA,
                          "image %s: size %" PRId64 "x%" PRId64 " differs from %dx%d given by %s", id, w, h,
                          (int)im->width, (int)im->height, t->files[im->loc.file]);
        im->sources |= source;
        return VLIT_OK;
    }
    im->file_name = cl_strdup(t, fn->str, fn->len);
    if (!im->file_name)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    im->width = (int32_t)w;
    im->height = (int32_t)h;
    im->defined = 1;
    im->loc = loc;
    im->sources |= source;
    t->have_image_list = 1;
    return VLIT_OK;
}

vlit_status cl_stream(cl_table *t, const char *path, const char *const *sections, const char *const *skip_keys,
                      const char *phase, cl_elem_fn fn, vlit_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint16_t file = cl_add_file(t, path);
    vj_stream_params sp = {0};
    sp.sections = sections;
    sp.skip_keys = skip_keys;
    vj_stream *s;
    vlit_status st = vj_stream_open_file(fp, path, &sp, &s, err);
    if (st) {
        fclose(fp);
        return st;
    }
    vj_elem e;
    size_t n = 0;
    while ((st = vj_stream_next(s, &e, err)) == VLIT_OK) {
        if ((st = fn(t, file, &e, err)))
            break;
        if (t->p->on_progress && (++n & 0xffff) == 0 && size > 0 && t->callback_lock &&
            pthread_mutex_trylock(t->callback_lock) == 0) {
            t->p->on_progress(t->p->ctx, phase, (double)vj_stream_offset(s) / (double)size);
            pthread_mutex_unlock(t->callback_lock);
        }
    }
    vj_stream_close(s);
    fclose(fp);
    if (st == VLIT_END) {
        if (t->p->on_progress && t->callback_lock) {
            pthread_mutex_lock(t->callback_lock);
            t->p->on_progress(t->p->ctx, phase, 1.0);
            pthread_mutex_unlock(t->callback_lock);
        }
        return VLIT_OK;
    }
    return st;
}
