/* Internal: what each dataset format provides to the generic reader and
 * writer (reader.c, writer.c). One file per format: fmt_<name>.c. */
#ifndef VLIT_IO_FORMATS_H
#define VLIT_IO_FORMATS_H

#include "vlit/sample.h"

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/json.h"

typedef struct vlit_format_ops {
    const char *name;
    /* how the reader streams the file */
    int line_based;                 /* JSONL: one value per line */
    const char *const *sections;    /* NULL: root array */
    /* Turns one streamed element into a sample; strings may point into the
     * tree (both live in the same record). member: the element's key when the
     * section is an object. Errors: VLIT_ERR_DATA with a message that names
     * the field; the reader adds file, record and offset. */
    vlit_status (*decode)(const vj *v, const char *member, vlit_arena *a, vlit_sample *out, vlit_error *err);
    /* writing */
    const char *doc_begin, *separator, *doc_end;
    /* Appends one record (no separator); `seq` counts records written. */
    vlit_status (*encode)(vlit_buf *b, const vlit_sample *s, size_t seq, vlit_error *err);
} vlit_format_ops;

extern const vlit_format_ops vlit_fmt_jsonl, vlit_fmt_llava, vlit_fmt_sharegpt, vlit_fmt_mimicit;

const vlit_format_ops *vlit_format_ops_get(vlit_format fmt);

/* Shared by the decoders (decode_common.c). */
vlit_status vlit_decode_id(const vj *v, vlit_sample *out, vlit_error *err); /* number or string */
/* Reads [{"from"|"role": .., "value"|"content": ..}] into out->turns.
 * map_roles: human->user, gpt->assistant. */
vlit_status vlit_decode_turns(const vj *arr, const char *field, int map_roles, vlit_arena *a, vlit_sample *out,
                              vlit_error *err);
vlit_status vlit_decode_images(const vj *v, const char *field, vlit_arena *a, vlit_sample *out, vlit_error *err);
/* Collects the members of obj not named in known[] as a JSON object text. */
vlit_status vlit_decode_extra(const vj *obj, const char *const *known, vlit_arena *a, vlit_sample *out,
                              vlit_error *err);
/* Writers: appends ,"key":value for every member of s->extra_json. */
vlit_status vlit_encode_extra(vlit_buf *b, const vlit_sample *s, vlit_error *err);
vlit_status vlit_encode_id(vlit_buf *b, const vlit_sample *s);
/* Appends ,"key":["a","b",...] */
vlit_status vlit_encode_strings(vlit_buf *b, const char *key, const char *const *items, size_t n);
/* "conversations":[{"from","value"}..]; add_image_token puts "<image>\n"
 * before the first user turn (fmt_llava.c). */
vlit_status vlit_encode_conversations(vlit_buf *b, const vlit_sample *s, int add_image_token);
/* LLaVA/ShareGPT role names for our roles. */
const char *vlit_role_to_sharegpt(const char *role);

#endif
