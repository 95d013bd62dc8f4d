#include <string.h>

#include "formats.h"

const vlit_format_ops *vlit_format_ops_get(vlit_format fmt)
{
    switch (fmt) {
    case VLIT_FMT_JSONL: return &vlit_fmt_jsonl;
    case VLIT_FMT_LLAVA: return &vlit_fmt_llava;
    case VLIT_FMT_SHAREGPT: return &vlit_fmt_sharegpt;
    case VLIT_FMT_MIMICIT: return &vlit_fmt_mimicit;
    }
    return NULL;
}

vlit_status vlit_format_parse(const char *name, vlit_format *out)
{
    static const vlit_format all[] = {VLIT_FMT_JSONL, VLIT_FMT_LLAVA, VLIT_FMT_SHAREGPT, VLIT_FMT_MIMICIT};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, vlit_format_ops_get(all[i])->name) == 0) {
            *out = all[i];
            return VLIT_OK;
        }
    return VLIT_ERR_USAGE;
}

const char *vlit_format_name(vlit_format fmt)
{
    const vlit_format_ops *ops = vlit_format_ops_get(fmt);
    return ops ? ops->name : "?";
}

vlit_status vlit_decode_id(const vj *v, vlit_sample *out, vlit_error *err)
{
    if (!v)
        return vlit_err(err, VLIT_ERR_DATA, "missing field \"id\"");
    if (v->type == VJ_NUMBER) {
        out->id = v->str;
        out->id_is_number = 1;
        return VLIT_OK;
    }
    if (!vj_is_text(v))
        return vlit_err(err, VLIT_ERR_DATA, "field \"id\" must be a string or a number, not %s",
                        vj_type_name(v->type));
    out->id = v->str;
    return VLIT_OK;
}

static const char *map_role(const char *r)
{
    if (strcmp(r, "human") == 0)
        return "user";
    if (strcmp(r, "gpt") == 0)
        return "assistant";
    return r;
}

const char *vlit_role_to_sharegpt(const char *role)
{
    if (strcmp(role, "user") == 0)
        return "human";
    if (strcmp(role, "assistant") == 0)
        return "gpt";
    return role;
}

vlit_status vlit_decode_turns(const vj *arr, const char *field, int map_roles, vlit_arena *a, vlit_sample *out,
                              vlit_error *err)
{
    if (!arr)
        return vlit_err(err, VLIT_ERR_DATA, "missing field \"%s\"", field);
    if (arr->type != VJ_ARRAY)
        return vlit_err(err, VLIT_ERR_DATA, "field \"%s\" must be an array, not %s", field,
                        vj_type_name(arr->type));
    vlit_turn *t = arr->len ? vlit_arena_alloc(a, arr->len * sizeof *t) : NULL;
    if (arr->len && !t)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < arr->len; i++) {
        const vj *m = arr->items[i];
        if (m->type != VJ_OBJECT)
            return vlit_err(err, VLIT_ERR_DATA, "%s[%zu] must be an object, not %s", field, i,
                            vj_type_name(m->type));
        const vj *role = vj_get(m, "from");
        const char *rname = "from";
        if (!role) {
            role = vj_get(m, "role");
            rname = "role";
        }
        const vj *text = vj_get(m, "value");
        const char *tname = "value";
        if (!text) {
            text = vj_get(m, "content");
            tname = "content";
        }
        if (!text) {
            text = vj_get(m, "text");
            tname = "text";
        }
        if (!role || !vj_is_text(role))
            return vlit_err(err, VLIT_ERR_DATA, "%s[%zu].%s must be a string", field, i, rname);
        if (!text || !vj_is_text(text))
            return vlit_err(err, VLIT_ERR_DATA, "%s[%zu].%s must be a string%s", field, i, tname,
                            text && text->type == VJ_STRING ? " without NUL characters" : "");
        t[i].role = map_roles ? map_role(role->str) : role->str;
        t[i].text = text->str;
    }
    out->turns = t;
    out->n_turns = arr->len;
    return VLIT_OK;
}

vlit_status vlit_decode_images(const vj *v, const char *field, vlit_arena *a, vlit_sample *out, vlit_error *err)
{
    if (!v || v->type == VJ_NULL)
        return VLIT_OK;
    if (vj_is_text(v)) {
        const char **im = vlit_arena_alloc(a, sizeof *im);
        if (!im)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        im[0] = v->str;
        out->images = im;
        out->n_images = 1;
        return VLIT_OK;
    }
    if (v->type != VJ_ARRAY)
        return vlit_err(err, VLIT_ERR_DATA, "field \"%s\" must be a string or an array of strings, not %s", field,
                        vj_type_name(v->type));
    const char **im = v->len ? vlit_arena_alloc(a, v->len * sizeof *im) : NULL;
    if (v->len && !im)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < v->len; i++) {
        if (!vj_is_text(v->items[i]))
            return vlit_err(err, VLIT_ERR_DATA, "%s[%zu] must be a string", field, i);
        im[i] = v->items[i]->str;
    }
    out->images = im;
    out->n_images = v->len;
    return VLIT_OK;
}

static int is_known(const char *const *known, const char *k)
{
    for (; *known; known++)
        if (strcmp(*known, k) == 0)
            return 1;
    return 0;
}

vlit_status vlit_decode_extra(const vj *obj, const char *const *known, vlit_arena *a, vlit_sample *out,
                              vlit_error *err)
{
    vlit_buf b = VLIT_BUF_INIT;
    vlit_status st = VLIT_OK;
    size_t n = 0;
    for (size_t i = 0; i < obj->len && !st; i++) {
        if (is_known(known, obj->keys[i]))
            continue;
        st = vlit_buf_putc(&b, n++ ? ',' : '{');
        if (!st)
            st = vj_write_cstr(&b, obj->keys[i]);
        if (!st)
            st = vlit_buf_putc(&b, ':');
        if (!st)
            st = vj_write_value(&b, obj->items[i]);
    }
    if (!st && n) {
        st = vlit_buf_putc(&b, '}');
        if (!st && !(out->extra_json = vlit_arena_strndup(a, b.data, b.len)))
            st = VLIT_ERR_NOMEM;
    }
    vlit_buf_free(&b);
    return st ? vlit_err(err, st, "%s", vlit_status_str(st)) : VLIT_OK;
}

vlit_status vlit_encode_extra(vlit_buf *b, const vlit_sample *s, vlit_error *err)
{
    if (!s->extra_json)
        return VLIT_OK;
    /* extra_json is "{...}" written by vlit_decode_extra or read from JSONL:
     * splice its members in. */
    size_t n = strlen(s->extra_json);
    if (n < 2 || s->extra_json[0] != '{' || s->extra_json[n - 1] != '}')
        return vlit_err(err, VLIT_ERR_DATA, "sample %s: extra fields are not a JSON object", s->id ? s->id : "?");
    if (n == 2)
        return VLIT_OK;
    vlit_status st = vlit_buf_putc(b, ',');
    if (!st)
        st = vlit_buf_append(b, s->extra_json + 1, n - 2);
    return st ? vlit_err(err, st, "%s", vlit_status_str(st)) : VLIT_OK;
}

vlit_status vlit_encode_id(vlit_buf *b, const vlit_sample *s)
{
    if (s->id_is_number)
        return vlit_buf_puts(b, s->id);
    return vj_write_cstr(b, s->id ? s->id : "");
}

vlit_status vlit_encode_strings(vlit_buf *b, const char *key, const char *const *items, size_t n)
{
    vlit_status st = vlit_buf_putc(b, ',');
    if (!st)
        st = vj_write_cstr(b, key);
    if (!st)
        st = vlit_buf_puts(b, ":[");
    for (size_t i = 0; i < n && !st; i++) {
        if (i)
            st = vlit_buf_putc(b, ',');
        if (!st)
            st = vj_write_cstr(b, items[i]);
    }
    return st ? st : vlit_buf_putc(b, ']');
}
