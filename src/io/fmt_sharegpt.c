/* ShareGPT JSON as multimodal trainers read it: [{"id", "conversations":
 * [{"from": "human"|"gpt"|"system", "value"}], "system", "images": [..]}].
 * Also read: OpenAI-style "messages" with "role"/"content", and "image". A
 * "system" field becomes a leading system turn. */
#include <string.h>

#include "formats.h"

static const char *const known[] = {"id", "conversations", "messages", "system", "images", "image", NULL};

static vlit_status decode(const vj *v, const char *member, vlit_arena *a, vlit_sample *out, vlit_error *err)
{
    (void)member;
    if (v->type != VJ_OBJECT)
        return vlit_err(err, VLIT_ERR_DATA, "record must be an object, not %s", vj_type_name(v->type));
    vlit_status st = VLIT_OK;
    const vj *id = vj_get(v, "id");
    if (id)
        st = vlit_decode_id(id, out, err);
    const char *turns_field = vj_get(v, "conversations") ? "conversations" : "messages";
    if (!st)
        st = vlit_decode_turns(vj_get(v, turns_field), turns_field, 1, a, out, err);
    const vj *images = vj_get(v, "images");
    if (!st)
        st = images ? vlit_decode_images(images, "images", a, out, err)
                    : vlit_decode_images(vj_get(v, "image"), "image", a, out, err);
    const vj *sys = vj_get(v, "system");
    if (!st && sys) {
        if (!vj_is_text(sys))
            return vlit_err(err, VLIT_ERR_DATA, "field \"system\" must be a string");
        vlit_turn *t = vlit_arena_alloc(a, (out->n_turns + 1) * sizeof *t);
        if (!t)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        t[0].role = "system";
        t[0].text = sys->str;
        if (out->n_turns)
            memcpy(t + 1, out->turns, out->n_turns * sizeof *t);
        out->turns = t;
        out->n_turns++;
    }
    if (!st)
        st = vlit_decode_extra(v, known, a, out, err);
    return st;
}

static vlit_status encode(vlit_buf *b, const vlit_sample *s, size_t seq, vlit_error *err)
{
    (void)seq;
    vlit_status st = VLIT_OK;
    if (s->id) {
        st = vlit_buf_puts(b, "{\"id\":");
        if (!st)
            st = vlit_encode_id(b, s);
        if (!st)
            st = vlit_buf_putc(b, ',');
    } else {
        st = vlit_buf_putc(b, '{');
    }
    if (!st)
        st = vlit_encode_conversations(b, s, 0);
    if (!st && s->n_images)
        st = vlit_encode_strings(b, "images", s->images, s->n_images);
    if (st)
        return vlit_err(err, st, "%s", vlit_status_str(st));
    if ((st = vlit_encode_extra(b, s, err)))
        return st;
    st = vlit_buf_putc(b, '}');
    return st ? vlit_err(err, st, "%s", vlit_status_str(st)) : VLIT_OK;
}

const vlit_format_ops vlit_fmt_sharegpt = {
    .name = "sharegpt",
    .decode = decode,
    .doc_begin = "[\n",
    .separator = ",\n",
    .doc_end = "\n]\n",
    .encode = encode,
};
