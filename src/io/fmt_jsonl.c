/* vlit JSONL, one sample per line:
 * {"id", "image" | "images", "source", "task", "turns": [{"role", "text"}],
 *  "region": [x, y, w, h], "provenance": {"mode", "variant", "model",
 *  "completion"}, "extra": {...}} - all but id and turns optional. */
#include <string.h>

#include "formats.h"

static vlit_status opt_text(const vj *obj, const char *field, const char **out, vlit_error *err)
{
    const vj *v = vj_get(obj, field);
    if (!v || v->type == VJ_NULL)
        return VLIT_OK;
    if (!vj_is_text(v))
        return vlit_err(err, VLIT_ERR_DATA, "field \"%s\" must be a string, not %s", field, vj_type_name(v->type));
    *out = v->str;
    return VLIT_OK;
}

static vlit_status decode(const vj *v, const char *member, vlit_arena *a, vlit_sample *out, vlit_error *err)
{
    (void)member;
    if (v->type != VJ_OBJECT)
        return vlit_err(err, VLIT_ERR_DATA, "record must be an object, not %s", vj_type_name(v->type));
    vlit_status st = vlit_decode_id(vj_get(v, "id"), out, err);
    if (!st)
        st = vj_get(v, "images") ? vlit_decode_images(vj_get(v, "images"), "images", a, out, err)
                                 : vlit_decode_images(vj_get(v, "image"), "image", a, out, err);
    if (!st)
        st = opt_text(v, "source", &out->source, err);
    if (!st)
        st = opt_text(v, "task", &out->task, err);
    if (!st)
        st = vlit_decode_turns(vj_get(v, "turns"), "turns", 0, a, out, err);
    if (st)
        return st;
    const vj *region = vj_get(v, "region");
    if (region && region->type != VJ_NULL) {
        if (region->type != VJ_ARRAY || region->len != 4)
            return vlit_err(err, VLIT_ERR_DATA, "field \"region\" must be an array of 4 numbers [x, y, w, h]");
        for (int i = 0; i < 4; i++)
            if (!vj_number(region->items[i], &out->region[i]))
                return vlit_err(err, VLIT_ERR_DATA, "region[%d] must be a finite number", i);
        if (out->region[2] < 0 || out->region[3] < 0)
            return vlit_err(err, VLIT_ERR_DATA, "region width and height must not be negative");
        out->has_region = 1;
    }
    const vj *prov = vj_get(v, "provenance");
    if (prov && prov->type != VJ_NULL) {
        if (prov->type != VJ_OBJECT)
            return vlit_err(err, VLIT_ERR_DATA, "field \"provenance\" must be an object");
        if ((st = opt_text(prov, "mode", &out->mode, err)) || (st = opt_text(prov, "variant", &out->variant, err)) ||
            (st = opt_text(prov, "model", &out->model, err)))
            return st;
        const vj *c = vj_get(prov, "completion");
        int64_t ci;
        if (c && c->type != VJ_NULL) {
            if (!vj_int(c, &ci) || ci < 0 || ci > 1000000)
                return vlit_err(err, VLIT_ERR_DATA, "provenance.completion must be a small non-negative integer");
            out->completion = (int)ci;
        }
    }
    const vj *extra = vj_get(v, "extra");
    if (extra && extra->type != VJ_NULL) {
        if (extra->type != VJ_OBJECT)
            return vlit_err(err, VLIT_ERR_DATA, "field \"extra\" must be an object");
        vlit_buf b = VLIT_BUF_INIT;
        st = vj_write_value(&b, extra);
        if (!st && !(out->extra_json = vlit_arena_strndup(a, b.data, b.len)))
            st = VLIT_ERR_NOMEM;
        vlit_buf_free(&b);
        if (st)
            return vlit_err(err, st, "%s", vlit_status_str(st));
    }
    return VLIT_OK;
}

static vlit_status field_str(vlit_buf *b, const char *key, const char *val)
{
    vlit_status st = vlit_buf_printf(b, ",\"%s\":", key);
    return st ? st : vj_write_cstr(b, val);
}

static vlit_status encode(vlit_buf *b, const vlit_sample *s, size_t seq, vlit_error *err)
{
    (void)seq;
    vlit_status st = vlit_buf_puts(b, "{\"id\":");
    if (!st)
        st = vlit_encode_id(b, s);
    if (!st && s->n_images == 1)
        st = field_str(b, "image", s->images[0]);
    if (!st && s->n_images > 1)
        st = vlit_encode_strings(b, "images", s->images, s->n_images);
    if (!st && s->source)
        st = field_str(b, "source", s->source);
    if (!st && s->task)
        st = field_str(b, "task", s->task);
    if (!st)
        st = vlit_buf_puts(b, ",\"turns\":[");
    for (size_t i = 0; i < s->n_turns && !st; i++) {
        st = vlit_buf_puts(b, i ? ",{\"role\":" : "{\"role\":");
        if (!st)
            st = vj_write_cstr(b, s->turns[i].role);
        if (!st)
            st = vlit_buf_puts(b, ",\"text\":");
        if (!st)
            st = vj_write_cstr(b, s->turns[i].text);
        if (!st)
            st = vlit_buf_putc(b, '}');
    }
    if (!st)
        st = vlit_buf_putc(b, ']');
    if (!st && s->has_region) {
        st = vlit_buf_puts(b, ",\"region\":[");
        for (int i = 0; i < 4 && !st; i++) {
            if (i)
                st = vlit_buf_putc(b, ',');
            if (!st)
                st = vj_write_num(b, s->region[i]);
        }
        if (!st)
            st = vlit_buf_putc(b, ']');
    }
    if (!st && (s->mode || s->variant || s->model || s->completion >= 0)) {
        st = vlit_buf_puts(b, ",\"provenance\":{");
        int n = 0;
        const char *keys[] = {"mode", "variant", "model"};
        const char *vals[] = {s->mode, s->variant, s->model};
        for (int i = 0; i < 3 && !st; i++) {
            if (!vals[i])
                continue;
            st = vlit_buf_printf(b, "%s\"%s\":", n++ ? "," : "", keys[i]);
            if (!st)
                st = vj_write_cstr(b, vals[i]);
        }
        if (!st && s->completion >= 0)
            st = vlit_buf_printf(b, "%s\"completion\":%d", n++ ? "," : "", s->completion);
        if (!st)
            st = vlit_buf_putc(b, '}');
    }
    if (!st && s->extra_json) {
        st = vlit_buf_puts(b, ",\"extra\":");
        if (!st)
            st = vlit_buf_puts(b, s->extra_json);
    }
    if (!st)
        st = vlit_buf_putc(b, '}');
    return st ? vlit_err(err, st, "%s", vlit_status_str(st)) : VLIT_OK;
}

const vlit_format_ops vlit_fmt_jsonl = {
    .name = "jsonl",
    .line_based = 1,
    .decode = decode,
    .doc_begin = "",
    .separator = "\n",
    .doc_end = "\n",
    .encode = encode,
};
