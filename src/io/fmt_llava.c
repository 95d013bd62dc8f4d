/* LLaVA JSON: [{"id", "image", "conversations": [{"from": "human"|"gpt", "value"}]}].
 * The "<image>" placeholder is kept in the text as found; when a sample with
 * an image has none (samples vlit generated), the writer puts "<image>\n"
 * before the first user turn, where LLaVA's training script expects it. */
#include <string.h>

#include "formats.h"

static const char *const known[] = {"id", "image", "conversations", NULL};

static vlit_status decode(const vj *v, const char *member, vlit_arena *a, vlit_sample *out, vlit_error *err)
{
    (void)member;
    if (v->type != VJ_OBJECT)
        return vlit_err(err, VLIT_ERR_DATA, "record must be an object, not %s", vj_type_name(v->type));
    vlit_status st = vlit_decode_id(vj_get(v, "id"), out, err);
    if (!st)
        st = vlit_decode_images(vj_get(v, "image"), "image", a, out, err);
    if (!st)
        st = vlit_decode_turns(vj_get(v, "conversations"), "conversations", 1, a, out, err);
    if (!st)
        st = vlit_decode_extra(v, known, a, out, err);
    return st;
}

static int has_image_token(const vlit_sample *s)
{
    for (size_t i = 0; i < s->n_turns; i++)
        if (strstr(s->turns[i].text, "<image>"))
            return 1;
    return 0;
}

vlit_status vlit_encode_conversations(vlit_buf *b, const vlit_sample *s, int add_image_token)
{
    vlit_status st = vlit_buf_puts(b, "\"conversations\":[");
    int token_pending = add_image_token;
    for (size_t i = 0; i < s->n_turns && !st; i++) {
        const vlit_turn *t = &s->turns[i];
        if (i)
            st = vlit_buf_putc(b, ',');
        if (!st)
            st = vlit_buf_puts(b, "{\"from\":");
        if (!st)
            st = vj_write_cstr(b, vlit_role_to_sharegpt(t->role));
        if (!st)
            st = vlit_buf_puts(b, ",\"value\":");
        if (!st && token_pending && strcmp(t->role, "user") == 0) {
            vlit_buf tmp = VLIT_BUF_INIT;
            st = vlit_buf_puts(&tmp, "<image>\n");
            if (!st)
                st = vlit_buf_puts(&tmp, t->text);
            if (!st)
                st = vj_write_str(b, tmp.data, tmp.len);
            vlit_buf_free(&tmp);
            token_pending = 0;
        } else if (!st) {
            st = vj_write_cstr(b, t->text);
        }
        if (!st)
            st = vlit_buf_putc(b, '}');
    }
    if (!st)
        st = vlit_buf_putc(b, ']');
    return st;
}

static vlit_status encode(vlit_buf *b, const vlit_sample *s, size_t seq, vlit_error *err)
{
    (void)seq;
    vlit_status st = vlit_buf_puts(b, "{\"id\":");
    if (!st)
        st = vlit_encode_id(b, s);
    if (!st && s->n_images == 1) {
        st = vlit_buf_puts(b, ",\"image\":");
        if (!st)
            st = vj_write_cstr(b, s->images[0]);
    } else if (!st && s->n_images > 1) {
        st = vlit_encode_strings(b, "image", s->images, s->n_images);
    }
    if (!st)
        st = vlit_buf_putc(b, ',');
    if (!st)
        st = vlit_encode_conversations(b, s, s->n_images > 0 && !has_image_token(s));
    if (st)
        return vlit_err(err, st, "%s", vlit_status_str(st));
    st = vlit_encode_extra(b, s, err);
    if (st)
        return st;
    st = vlit_buf_putc(b, '}');
    return st ? vlit_err(err, st, "%s", vlit_status_str(st)) : VLIT_OK;
}

const vlit_format_ops vlit_fmt_llava = {
    .name = "llava",
    .decode = decode,
    .doc_begin = "[\n",
    .separator = ",\n",
    .doc_end = "\n]\n",
    .encode = encode,
};
