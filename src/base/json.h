/*
 * Internal: JSON values, the streaming reader and the writer.
 *
 * Parsing is yajl's (its event API, with UTF-8 validation on). On top of it we
 * build small trees in arenas, one element at a time, so that a 400 MB COCO
 * file is read with memory bounded by the largest element, not by the file:
 *
 *   vj_stream *s;  vj_elem e;
 *   vj_stream_open_file(path, &params, &s, &err);
 *   while ((st = vj_stream_next(s, &e, &err)) == VLIT_OK)
 *       use(e.section, e.index, e.offset, e.value);   // valid until next call
 *   vj_stream_close(s);                               // st == VLIT_END at the end
 *
 * Numbers keep their source text (vj.str) and are converted on demand, so
 * skipped or unused numbers cost no conversion.
 */
#ifndef VLIT_BASE_JSON_H
#define VLIT_BASE_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "buf.h"
#include "err.h"

typedef enum vj_type { VJ_NULL, VJ_FALSE, VJ_TRUE, VJ_NUMBER, VJ_STRING, VJ_ARRAY, VJ_OBJECT } vj_type;

typedef struct vj vj;
struct vj {
    vj_type type;
    size_t len;        /* string bytes (may contain NUL), or number of items */
    const char *str;   /* NUL-terminated string value or number text */
    vj **items;        /* array elements or object values */
    const char **keys; /* object keys, parallel to items */
};

const char *vj_type_name(vj_type t); /* "string", "array", ... for messages */
vj *vj_get(const vj *obj, const char *key); /* NULL if absent or obj not an object */
int vj_is_text(const vj *v);                /* a string without embedded NUL */
int vj_number(const vj *v, double *out);    /* 1 if a finite number */
int vj_int(const vj *v, int64_t *out);      /* 1 if an integral number in int64 range */
/* Image and record ids: integers and strings both become a canonical string
 * (integers in decimal). Returns 0 if v is neither or too long. */
int vj_id(const vj *v, char *out, size_t cap);

typedef struct vj_limits {
    size_t max_string;  /* longest string or key in bytes; 0 = 16 MiB */
    size_t max_element; /* largest element's tree in bytes; 0 = 512 MiB */
    unsigned max_depth; /* deepest nesting inside an element; 0 = 256 */
} vj_limits;

typedef struct vj_stream_params {
    /* Top-level object keys whose values (arrays or objects) are streamed one
     * element at a time; NULL-terminated. Other top-level keys are skipped
     * without building. NULL: the document's root must be an array and its
     * elements are streamed. */
    const char *const *sections;
    /* Keys whose values are never built, at any depth inside an element (e.g.
     * COCO "segmentation" polygons); NULL-terminated or NULL. */
    const char *const *skip_keys;
    /* Stream the whole document as one element (JSONL lines, small files). */
    int whole;
    vj_limits limits;
} vj_stream_params;

typedef struct vj_elem {
    vj *value;
    const char *section; /* streamed key, or NULL for a root array / whole value */
    const char *member;  /* key of the element when the section is an object */
    size_t index;        /* 0-based position inside its section */
    uint64_t offset;     /* byte offset of the element's first byte */
} vj_elem;

typedef struct vj_stream vj_stream;

/* name is used in messages only. The stream reads the FILE but does not close it. */
vlit_status vj_stream_open_file(FILE *fp, const char *name, const vj_stream_params *p, vj_stream **out,
                                vlit_error *err);
vlit_status vj_stream_open_mem(const char *data, size_t len, const char *name, const vj_stream_params *p,
                               vj_stream **out, vlit_error *err);
/* VLIT_OK with *out filled, VLIT_END after the document, or an error whose
 * message names the file, the section and index, and the byte offset. */
vlit_status vj_stream_next(vj_stream *s, vj_elem *out, vlit_error *err);
uint64_t vj_stream_offset(const vj_stream *s); /* bytes consumed so far */
void vj_stream_close(vj_stream *s);

/* Parses one complete value (a JSONL line) into arena a. Error messages start
 * with "byte N:" relative to text. */
vlit_status vj_parse(const char *text, size_t len, const vj_limits *lim, vlit_arena *a, vj **out,
                     vlit_error *err);

/* Writer: appends JSON text to a buffer. Strings are escaped per RFC 8259;
 * numbers use the shortest form that reads back to the same double. */
vlit_status vj_write_str(vlit_buf *b, const char *s, size_t len);
vlit_status vj_write_cstr(vlit_buf *b, const char *s);
vlit_status vj_write_num(vlit_buf *b, double x);
vlit_status vj_write_value(vlit_buf *b, const vj *v); /* compact re-serialisation */

#endif
