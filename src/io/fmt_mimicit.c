/* MIMIC-IT instruction JSON: {"meta": {...}, "data": {"<ins id>":
 * {"instruction", "answer", "image_ids": [..], "rel_ins_ids": [..]}}}.
 * MIMIC-IT holds one instruction-answer pair per entry and links the turns of
 * a conversation through rel_ins_ids; so the writer splits a multi-turn
 * sample into entries "<id>_T1", "<id>_T2", ... that list each other, and the
 * reader returns each entry as a one-turn sample (it does not re-join). */
#include <stdio.h>
#include <string.h>

#include "formats.h"

static const char *const sections[] = {"data", NULL};
static const char *const known[] = {"instruction", "answer", "image_ids", NULL};

static vlit_status decode(const vj *v, const char *member, vlit_arena *a, vlit_sample *out, vlit_error *err)
{
    if (v->type != VJ_OBJECT)
        return vlit_err(err, VLIT_ERR_DATA, "entry must be an object, not %s", vj_type_name(v->type));
    out->id = member;
    const vj *ins = vj_get(v, "instruction"), *ans = vj_get(v, "answer");
    if (!vj_is_text(ins))
        return vlit_err(err, VLIT_ERR_DATA, "field \"instruction\" must be a string");
    if (!vj_is_text(ans))
        return vlit_err(err, VLIT_ERR_DATA, "field \"answer\" must be a string");
    vlit_turn *t = vlit_arena_alloc(a, 2 * sizeof *t);
    if (!t)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    t[0].role = "user";
    t[0].text = ins->str;
    t[1].role = "assistant";
    t[1].text = ans->str;
    out->turns = t;
    out->n_turns = 2;
    vlit_status st = vlit_decode_images(vj_get(v, "image_ids"), "image_ids", a, out, err);
    if (!st)
        st = vlit_decode_extra(v, known, a, out, err);
    return st;
}

static vlit_status put_key(vlit_buf *b, const vlit_sample *s, size_t pair, size_t n_pairs)
{
    if (n_pairs == 1)
        return vj_write_cstr(b, s->id ? s->id : "");
    char suffix[32];
    snprintf(suffix, sizeof suffix, "_T%zu", pair + 1);
    vlit_buf k = VLIT_BUF_INIT;
    vlit_status st = vlit_buf_puts(&k, s->id ? s->id : "");
    if (!st)
        st = vlit_buf_puts(&k, suffix);
    if (!st)
        st = vj_write_str(b, k.data, k.len);
    vlit_buf_free(&k);
    return st;
}

static vlit_status encode(vlit_buf *b, const vlit_sample *s, size_t seq, vlit_error *err)
{
    (void)seq;
    /* pair up user turns with the assistant turn that follows */
    size_t n_pairs = 0;
    for (size_t i = 0; i + 1 < s->n_turns; i++)
        if (strcmp(s->turns[i].role, "user") == 0 && strcmp(s->turns[i + 1].role, "assistant") == 0)
            n_pairs++, i++;
    if (n_pairs == 0)
        return vlit_err(err, VLIT_ERR_DATA, "sample %s has no user turn followed by an assistant turn",
                        s->id ? s->id : "?");
    vlit_status st = VLIT_OK;
    size_t pair = 0;
    for (size_t i = 0; i + 1 < s->n_turns && !st; i++) {
        if (strcmp(s->turns[i].role, "user") != 0 || strcmp(s->turns[i + 1].role, "assistant") != 0)
            continue;
        if (pair)
            st = vlit_buf_puts(b, ",\n");
        if (!st)
            st = put_key(b, s, pair, n_pairs);
        if (!st)
            st = vlit_buf_puts(b, ":{\"instruction\":");
        if (!st)
            st = vj_write_cstr(b, s->turns[i].text);
        if (!st)
            st = vlit_buf_puts(b, ",\"answer\":");
        if (!st)
            st = vj_write_cstr(b, s->turns[i + 1].text);
        if (!st)
            st = vlit_encode_strings(b, "image_ids", s->images, s->n_images);
        if (!st && !(s->extra_json && strstr(s->extra_json, "\"rel_ins_ids\""))) {
            st = vlit_buf_puts(b, ",\"rel_ins_ids\":[");
            size_t w = 0;
            for (size_t o = 0; o < n_pairs && !st; o++) {
                if (o == pair)
                    continue;
                if (w++)
                    st = vlit_buf_putc(b, ',');
                if (!st)
                    st = put_key(b, s, o, n_pairs);
            }
            if (!st)
                st = vlit_buf_putc(b, ']');
        }
        if (st)
            break;
        if ((st = vlit_encode_extra(b, s, err)))
            return st;
        st = vlit_buf_putc(b, '}');
        pair++;
        i++;
    }
    return st ? vlit_err(err, st, "%s", vlit_status_str(st)) : VLIT_OK;
}

const vlit_format_ops vlit_fmt_mimicit = {
    .name = "mimicit",
    .sections = sections,
    .decode = decode,
    .doc_begin = "{\"meta\":{\"version\":\"0.0.1\",\"time\":\"\",\"author\":\"vlit\"},\"data\":{\n",
    .separator = ",\n",
    .doc_end = "\n}}\n",
    .encode = encode,
};
