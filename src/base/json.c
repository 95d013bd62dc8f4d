#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#define DEFAULT_MAX_STRING ((size_t)16 << 20)
#define DEFAULT_MAX_ELEMENT ((size_t)512 << 20)
#define DEFAULT_MAX_DEPTH 256u
#define READ_CHUNK (256u * 1024u)
/* Bytes handed to yajl per call: small, so that few elements complete per
 * call and the queue of finished elements stays short. */
#define FEED_SLICE (16u * 1024u)

/* ---- value helpers ---------------------------------------------------- */

const char *vj_type_name(vj_type t)
{
    switch (t) {
    case VJ_NULL: return "null";
    case VJ_FALSE:
    case VJ_TRUE: return "boolean";
    case VJ_NUMBER: return "number";
    case VJ_STRING: return "string";
    case VJ_ARRAY: return "array";
    case VJ_OBJECT: return "object";
    }
    return "?";
}

vj *vj_get(const vj *obj, const char *key)
{
    if (!obj || obj->type != VJ_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->len; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

int vj_is_text(const vj *v) { return v && v->type == VJ_STRING && strlen(v->str) == v->len; }

/* Decimal text with at most 15 significant digits and no exponent is
 * mantissa / 10^k with both factors exact in a double, so one division gives
 * the correctly rounded value, as strtod would (Clinger's fast path). COCO
 * numbers are nearly all of this kind; the rest go to strtod. */
static int fast_decimal(const char *s, double *out)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    int neg = *s == '-';
    s += neg;
    uint64_t m = 0;
    int digits = 0, frac = -1;
    for (;; s++) {
        if (*s >= '0' && *s <= '9') {
            m = m * 10 + (uint64_t)(*s - '0');
            if (m)
                digits++;
            if (frac >= 0)
                frac++;
        } else if (*s == '.' && frac < 0) {
            frac = 0;
        } else {
            break;
        }
    }
    if (*s || digits > 15)
        return 0;
    double x = (double)m;
    if (frac > 0)
        x /= pow10[frac > 15 ? 15 : frac];
    if (frac > 15)
        return 0;
    *out = neg ? -x : x;
    return 1;
}

int vj_number(const vj *v, double *out)
{
    if (!v || v->type != VJ_NUMBER)
        return 0;
    if (fast_decimal(v->str, out))
        return 1;
    char *end;
    errno = 0;
    double x = strtod(v->str, &end);
    if (*end || !isfinite(x))
        return 0;
    *out = x;
    return 1;
}

int vj_int(const vj *v, int64_t *out)
{
    if (!v || v->type != VJ_NUMBER)
        return 0;
    char *end;
    errno = 0;
    long long x = strtoll(v->str, &end, 10);
    if (*end == '\0' && errno == 0) {
        *out = x;
        return 1;
    }
    double d;
    if (!vj_number(v, &d) || d != floor(d) || d < -9.2e18 || d > 9.2e18)
        return 0;
    *out = (int64_t)d;
    return 1;
}

int vj_id(const vj *v, char *out, size_t cap)
{
    if (!v)
        return 0;
    if (v->type == VJ_NUMBER) {
        /* JSON integers are already canonical decimal text (no leading
         * zeros, no '+'), except "-0" */
        const char *p = v->str + (v->str[0] == '-');
        if (v->len < cap && v->len < 19 && *p && strspn(p, "0123456789") == strlen(p) && strcmp(v->str, "-0") != 0) {
            memcpy(out, v->str, v->len + 1);
            return 1;
        }
        int64_t x;
        if (!vj_int(v, &x))
            return 0;
        int n = snprintf(out, cap, "%" PRId64, x);
        return n > 0 && (size_t)n < cap;
    }
    if (vj_is_text(v) && v->len > 0 && v->len < cap) {
        memcpy(out, v->str, v->len + 1);
        return 1;
    }
    return 0;
}

/* ---- tree builder ------------------------------------------------------ */

typedef struct frame {
    vj *node;
    size_t first; /* index of the first child in the scratch vectors */
} frame;

typedef struct builder {
    vlit_arena *arena;
    frame *frames;
    size_t n_frames, cap_frames;
    vj **kids; /* scratch: children of all open containers, stacked */
    const char **kid_keys;
    size_t n_kids, cap_kids;
    const char *pending_key; /* key read, value not yet */
    vj *root;                /* the finished value */
    size_t base_used;        /* arena bytes before this element */
} builder;

static void builder_free(builder *b)
{
    free(b->frames);
    free(b->kids);
    free(b->kid_keys);
}

static void builder_begin(builder *b, vlit_arena *a)
{
    b->arena = a;
    b->n_frames = 0;
    b->n_kids = 0;
    b->pending_key = NULL;
    b->root = NULL;
    b->base_used = a->used;
}

static int push_kid(builder *b, vj *v, const char *key)
{
    if (b->n_kids == b->cap_kids) {
        size_t cap = b->cap_kids ? b->cap_kids * 2 : 64;
        vj **k = realloc(b->kids, cap * sizeof *k);
        if (!k)
            return 0;
        b->kids = k;
        const char **kk = realloc(b->kid_keys, cap * sizeof *kk);
        if (!kk)
            return 0;
        b->kid_keys = kk;
        b->cap_kids = cap;
    }
    b->kids[b->n_kids] = v;
    b->kid_keys[b->n_kids] = key;
    b->n_kids++;
    return 1;
}

/* Attaches a new value to the open container, or makes it the root. */
static int builder_add(builder *b, vj *v)
{
    if (b->n_frames == 0) {
        b->root = v;
        return 1;
    }
    const char *key = b->pending_key;
    b->pending_key = NULL;
    return push_kid(b, v, key);
}

static vj *new_node(builder *b, vj_type t)
{
    vj *v = vlit_arena_alloc(b->arena, sizeof *v);
    if (!v)
        return NULL;
    memset(v, 0, sizeof *v);
    v->type = t;
    return v;
}

static int builder_open(builder *b, vj_type t)
{
    vj *v = new_node(b, t);
    if (!v || !builder_add(b, v))
        return 0;
    if (b->n_frames == b->cap_frames) {
        size_t cap = b->cap_frames ? b->cap_frames * 2 : 16;
        frame *f = realloc(b->frames, cap * sizeof *f);
        if (!f)
            return 0;
        b->frames = f;
        b->cap_frames = cap;
    }
    b->frames[b->n_frames].node = v;
    b->frames[b->n_frames].first = b->n_kids;
    b->n_frames++;
    return 1;
}

static int builder_close(builder *b)
{
    frame *f = &b->frames[--b->n_frames];
    size_t n = b->n_kids - f->first;
    vj *v = f->node;
    v->len = n;
    if (n) {
        v->items = vlit_arena_alloc(b->arena, n * sizeof *v->items);
        if (!v->items)
            return 0;
        memcpy(v->items, b->kids + f->first, n * sizeof *v->items);
        if (v->type == VJ_OBJECT) {
            v->keys = vlit_arena_alloc(b->arena, n * sizeof *v->keys);
            if (!v->keys)
                return 0;
            memcpy(v->keys, b->kid_keys + f->first, n * sizeof *v->keys);
        }
    }
    b->n_kids = f->first;
    return 1;
}

/* ---- stream ------------------------------------------------------------ */

typedef struct queued {
    vj_elem elem;
    vlit_arena arena;
} queued;

enum { PROBLEM_NONE, PROBLEM_NOMEM, PROBLEM_LIMIT, PROBLEM_SHAPE };

struct vj_stream {
    vj_stream_params p;
    const char *name;
    FILE *fp;
    const char *mem;
    size_t mem_len, mem_pos;
    char *chunk;
    size_t chunk_len, chunk_pos;
    uint64_t chunk_base; /* file offset of chunk[0] */
    size_t slice_start;  /* chunk offset handed to the current yajl_parse call */
    int eof, finished;
    yajl_handle h;

    /* Document position outside elements. */
    unsigned depth;    /* open containers outside the element being built */
    int section_open;  /* the container at the streaming depth is a streamed section */
    int section_is_object;
    char section_name[256];
    char key_buf[256];  /* top-level key awaiting its value */
    char member_buf[256];
    size_t index;
    unsigned skip;       /* >0: inside a value being skipped */
    unsigned build;      /* >0: open containers of the element being built */
    int skip_next_value; /* a skip_key was read inside an element */

    builder b;
    queued *q;
    size_t q_len, q_head, q_cap;
    vlit_arena *elem_arena; /* arena of the element being built (q[q_len]) */
    vlit_arena *external;   /* vj_parse: build into the caller's arena */

    int any_value; /* some value has started: the input is not empty */
    int problem;
    char problem_msg[512];
    uint64_t problem_offset;
};

static uint64_t cur_offset(const vj_stream *s)
{
    /* yajl_complete_parse feeds yajl one byte of its own: at the end of the
     * input, the position is the input's length */
    if (s->finished && s->eof && s->chunk_pos == s->chunk_len)
        return s->chunk_base + s->chunk_len;
    return s->chunk_base + s->slice_start + yajl_get_bytes_consumed(s->h);
}

static int fail(vj_stream *s, int kind, const char *msg)
{
    if (!s->problem) {
        s->problem = kind;
        snprintf(s->problem_msg, sizeof s->problem_msg, "%s", msg);
        s->problem_offset = cur_offset(s);
    }
    return 0;
}

static size_t limit_string(const vj_stream *s)
{
    return s->p.limits.max_string ? s->p.limits.max_string : DEFAULT_MAX_STRING;
}

static int in_list(const char *const *list, const char *key, size_t len)
{
    if (!list)
        return 0;
    for (; *list; list++)
        if (strlen(*list) == len && memcmp(*list, key, len) == 0)
            return 1;
    return 0;
}

/* Reserves the queue slot for a new element and starts building into it. */
static int element_begin(vj_stream *s, uint64_t offset)
{
    if (s->q_len == s->q_cap) {
        size_t cap = s->q_cap ? s->q_cap * 2 : 8;
        queued *q = realloc(s->q, cap * sizeof *q);
        if (!q)
            return fail(s, PROBLEM_NOMEM, "out of memory");
        for (size_t i = s->q_cap; i < cap; i++)
            vlit_arena_init(&q[i].arena, 8 * 1024);
        s->q = q;
        s->q_cap = cap;
    }
    queued *slot = &s->q[s->q_len];
    vlit_arena *a = &slot->arena;
    if (s->external) {
        a = s->external;
    } else {
        vlit_arena_reset(a);
    }
    s->elem_arena = a;
    builder_begin(&s->b, a);
    memset(&slot->elem, 0, sizeof slot->elem);
    slot->elem.index = s->index++;
    slot->elem.offset = offset;
    /* names are copied: the stream's buffers change before a queued element is used */
    if (s->section_open && s->section_name[0]) {
        slot->elem.section = vlit_arena_strdup(a, s->section_name);
        if (!slot->elem.section)
            return fail(s, PROBLEM_NOMEM, "out of memory");
    }
    if (s->section_open && s->section_is_object) {
        slot->elem.member = vlit_arena_strdup(a, s->member_buf);
        if (!slot->elem.member)
            return fail(s, PROBLEM_NOMEM, "out of memory");
    }
    return 1;
}

static void element_end(vj_stream *s)
{
    s->q[s->q_len].elem.value = s->b.root;
    s->q_len++;
    s->elem_arena = NULL;
}

static int check_element_size(vj_stream *s)
{
    size_t max = s->p.limits.max_element ? s->p.limits.max_element : DEFAULT_MAX_ELEMENT;
    if (s->elem_arena && s->elem_arena->used > max) {
        char msg[128];
        snprintf(msg, sizeof msg, "element larger than the limit of %zu bytes", max);
        return fail(s, PROBLEM_LIMIT, msg);
    }
    return 1;
}

/* Is the value that starts now an element to build? Handles the document
 * structure outside elements. Returns 1 to build, 0 to skip/ignore, -1 on a
 * shape error. */
static int outside_value(vj_stream *s, int is_container, int is_array)
{
    if (s->p.whole)
        return 1;
    if (s->depth == 0) {
        if (!is_container)
            return fail(s, PROBLEM_SHAPE, s->p.sections ? "expected a JSON object at the top level"
                                                        : "expected a JSON array at the top level"),
                   -1;
        if (!s->p.sections && !is_array)
            return fail(s, PROBLEM_SHAPE, "expected a JSON array at the top level, found an object"), -1;
        if (s->p.sections && is_array)
            return fail(s, PROBLEM_SHAPE, "expected a JSON object at the top level, found an array"), -1;
        s->depth = 1;
        if (!s->p.sections) {
            s->section_open = 1;
            s->section_is_object = 0;
            s->section_name[0] = '\0';
            s->index = 0;
        }
        return 0;
    }
    if (s->section_open)
        return 1; /* a value directly inside a streamed container */
    /* depth 1 in a root object: the value of key_buf */
    if (in_list(s->p.sections, s->key_buf, strlen(s->key_buf))) {
        if (!is_container) {
            char msg[400];
            snprintf(msg, sizeof msg, "\"%s\" must be an array or an object", s->key_buf);
            return fail(s, PROBLEM_SHAPE, msg), -1;
        }
        s->depth = 2;
        s->section_open = 1;
        s->section_is_object = !is_array;
        snprintf(s->section_name, sizeof s->section_name, "%s", s->key_buf);
        s->index = 0;
        return 0;
    }
    if (is_container)
        s->skip = 1;
    return 0;
}

/* Common entry of every value callback. kind: the node type. Returns 0 to
 * stop the parse. */
static int on_value(vj_stream *s, vj_type t, const char *text, size_t len)
{
    int is_container = t == VJ_ARRAY || t == VJ_OBJECT;
    s->any_value = 1;
    if (s->skip) {
        if (is_container)
            s->skip++;
        return 1;
    }
    if (s->build) {
        if (s->skip_next_value) {
            s->skip_next_value = 0;
            s->b.pending_key = NULL;
            if (is_container)
                s->skip = 1;
            return 1;
        }
        if (is_container && s->build >= (s->p.limits.max_depth ? s->p.limits.max_depth : DEFAULT_MAX_DEPTH))
            return fail(s, PROBLEM_LIMIT, "nesting deeper than the limit");
    } else {
        int r = outside_value(s, is_container, t == VJ_ARRAY);
        if (r < 0)
            return 0;
        if (r == 0)
            return 1;
        uint64_t off = cur_offset(s);
        if (is_container && off > 0)
            off--; /* point at the opening bracket */
        else if (!is_container && off >= len)
            off -= len;
        if (!element_begin(s, off))
            return 0;
    }
    if (is_container) {
        if (!builder_open(&s->b, t))
            return fail(s, PROBLEM_NOMEM, "out of memory");
        s->build++;
    } else {
        vj *v = new_node(&s->b, t);
        if (!v)
            return fail(s, PROBLEM_NOMEM, "out of memory");
        if (text) {
            if (len > limit_string(s)) {
                char msg[160];
                snprintf(msg, sizeof msg, "string of %zu bytes exceeds the limit of %zu bytes", len,
                         limit_string(s));
                return fail(s, PROBLEM_LIMIT, msg);
            }
            v->str = vlit_arena_strndup(s->b.arena, text, len);
            if (!v->str)
                return fail(s, PROBLEM_NOMEM, "out of memory");
            v->len = len;
        }
        if (!builder_add(&s->b, v))
            return fail(s, PROBLEM_NOMEM, "out of memory");
        if (!s->build)
            element_end(s);
    }
    return check_element_size(s);
}

static int cb_null(void *ctx) { return on_value(ctx, VJ_NULL, NULL, 0); }
static int cb_bool(void *ctx, int b) { return on_value(ctx, b ? VJ_TRUE : VJ_FALSE, NULL, 0); }
static int cb_number(void *ctx, const char *t, size_t n) { return on_value(ctx, VJ_NUMBER, t, n); }
static int cb_string(void *ctx, const unsigned char *t, size_t n)
{
    return on_value(ctx, VJ_STRING, (const char *)t, n);
}
static int cb_start_map(void *ctx) { return on_value(ctx, VJ_OBJECT, NULL, 0); }
static int cb_start_array(void *ctx) { return on_value(ctx, VJ_ARRAY, NULL, 0); }

static int cb_map_key(void *ctx, const unsigned char *k, size_t n)
{
    vj_stream *s = ctx;
    if (s->skip)
        return 1;
    if (n > limit_string(s))
        return fail(s, PROBLEM_LIMIT, "object key longer than the string limit");
    if (s->build) {
        if (s->p.skip_keys && in_list(s->p.skip_keys, (const char *)k, n)) {
            s->skip_next_value = 1;
            return 1;
        }
        s->b.pending_key = vlit_arena_strndup(s->b.arena, (const char *)k, n);
        return s->b.pending_key ? 1 : fail(s, PROBLEM_NOMEM, "out of memory");
    }
    char *dst = s->section_open ? s->member_buf : s->key_buf;
    size_t cap = s->section_open ? sizeof s->member_buf : sizeof s->key_buf;
    if (n >= cap)
        n = cap - 1; /* long top-level keys are never section names */
    memcpy(dst, k, n);
    dst[n] = '\0';
    return 1;
}

static int on_end(vj_stream *s)
{
    if (s->skip) {
        s->skip--;
        return 1;
    }
    if (s->build) {
        if (!builder_close(&s->b))
            return fail(s, PROBLEM_NOMEM, "out of memory");
        s->build--;
        if (!s->build)
            element_end(s);
        return check_element_size(s);
    }
    if (s->section_open && s->depth == (s->p.sections ? 2u : 1u)) {
        s->section_open = 0;
        s->section_name[0] = '\0';
    }
    if (s->depth)
        s->depth--;
    return 1;
}

static int cb_end(void *ctx) { return on_end(ctx); }

static const yajl_callbacks callbacks = {
    cb_null, cb_bool, NULL, NULL, cb_number, cb_string, cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end,
};

static vlit_status stream_open(vj_stream **out, const char *name, const vj_stream_params *p, vlit_error *err)
{
    vj_stream *s = calloc(1, sizeof *s);
    if (!s)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", name);
    s->p = *p;
    s->name = name;
    s->h = yajl_alloc(&callbacks, NULL, s);
    if (!s->h) {
        free(s);
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", name);
    }
    *out = s;
    return VLIT_OK;
}

vlit_status vj_stream_open_file(FILE *fp, const char *name, const vj_stream_params *p, vj_stream **out,
                                vlit_error *err)
{
    vlit_status st = stream_open(out, name, p, err);
    if (st)
        return st;
    (*out)->fp = fp;
    (*out)->chunk = malloc(READ_CHUNK);
    if (!(*out)->chunk) {
        vj_stream_close(*out);
        *out = NULL;
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", name);
    }
    return VLIT_OK;
}

vlit_status vj_stream_open_mem(const char *data, size_t len, const char *name, const vj_stream_params *p,
                               vj_stream **out, vlit_error *err)
{
    vlit_status st = stream_open(out, name, p, err);
    if (st)
        return st;
    (*out)->mem = data;
    (*out)->mem_len = len;
    return VLIT_OK;
}

/* Describes where the parser is, for messages: "annotations[12] " or "". */
static void where(const vj_stream *s, char *out, size_t cap)
{
    out[0] = '\0';
    if (s->p.whole || (!s->section_open && !s->build))
        return;
    const char *sec = s->section_name;
    if (s->build && s->section_is_object)
        snprintf(out, cap, "%s[\"%.80s\"] ", sec, s->member_buf);
    else if (s->build)
        snprintf(out, cap, "%s[%zu] ", sec, s->index ? s->index - 1 : 0);
    else if (s->index)
        snprintf(out, cap, "%s after [%zu] ", sec[0] ? sec : "array", s->index - 1);
    else
        snprintf(out, cap, "%s ", sec[0] ? sec : "array");
}

static vlit_status report(vj_stream *s, vlit_error *err, vlit_status st, const char *msg, uint64_t offset)
{
    char w[400];
    where(s, w, sizeof w);
    s->finished = 1;
    if (!s->name[0])
        return vlit_err(err, st, "%sbyte %" PRIu64 ": %s", w, offset, msg);
    return vlit_err(err, st, "%s: %s(byte %" PRIu64 "): %s", s->name, w, offset, msg);
}

static vlit_status parse_status(vj_stream *s, yajl_status ys, vlit_error *err)
{
    if (ys == yajl_status_ok)
        return VLIT_OK;
    if (s->problem) {
        vlit_status st = s->problem == PROBLEM_NOMEM   ? VLIT_ERR_NOMEM
                         : s->problem == PROBLEM_LIMIT ? VLIT_ERR_LIMIT
                                                       : VLIT_ERR_DATA;
        return report(s, err, st, s->problem_msg, s->problem_offset);
    }
    unsigned char *e = yajl_get_error(s->h, 0, NULL, 0);
    char msg[256];
    snprintf(msg, sizeof msg, "%s", e ? (const char *)e : "parse error");
    if (e)
        yajl_free_error(s->h, e);
    /* yajl says "parse error: premature EOF" etc.; keep the part after the colon */
    char *m = msg;
    if (strncmp(m, "parse error: ", 13) == 0 || strncmp(m, "lexical error: ", 15) == 0)
        m = strchr(m, ':') + 2;
    char *nl = strchr(m, '\n');
    if (nl)
        *nl = '\0';
    if (strstr(m, "premature EOF"))
        m = "truncated JSON: the file ends inside a value";
    return report(s, err, VLIT_ERR_PARSE, m, cur_offset(s));
}

/* Feeds the parser until an element is queued or the input ends. */
static vlit_status feed(vj_stream *s, vlit_error *err)
{
    while (s->q_len == s->q_head && !s->finished) {
        if (s->chunk_pos == s->chunk_len) {
            if (s->eof) {
                s->finished = 1;
                s->slice_start = s->chunk_pos;
                yajl_status ys = yajl_complete_parse(s->h);
                if (!s->any_value && !s->problem)
                    return report(s, err, VLIT_ERR_PARSE, "empty input: no JSON value", cur_offset(s));
                vlit_status st = parse_status(s, ys, err);
                if (st)
                    return st;
                break;
            }
            s->chunk_base += s->chunk_len;
            if (s->fp) {
                s->chunk_len = fread(s->chunk, 1, READ_CHUNK, s->fp);
                if (s->chunk_len < READ_CHUNK) {
                    if (ferror(s->fp)) {
                        s->finished = 1;
                        return vlit_err(err, VLIT_ERR_IO, "%s: read error at byte %" PRIu64, s->name,
                                        s->chunk_base + s->chunk_len);
                    }
                    s->eof = 1;
                }
            } else {
                s->chunk = (char *)s->mem; /* read-only use: yajl_parse takes const */
                s->chunk_len = s->mem_pos == 0 ? s->mem_len : 0;
                s->chunk_base = 0;
                s->mem_pos = s->mem_len;
                s->eof = 1;
            }
            s->chunk_pos = 0;
            continue;
        }
        size_t n = s->chunk_len - s->chunk_pos;
        if (n > FEED_SLICE)
            n = FEED_SLICE;
        s->slice_start = s->chunk_pos;
        yajl_status ys = yajl_parse(s->h, (const unsigned char *)s->chunk + s->chunk_pos, n);
        s->chunk_pos += n;
        vlit_status st = parse_status(s, ys, err);
        if (st)
            return st;
    }
    return VLIT_OK;
}

vlit_status vj_stream_next(vj_stream *s, vj_elem *out, vlit_error *err)
{
    if (s->q_head == s->q_len && s->q_head > 0) {
        /* the previous element is released; slots are reused from the start,
         * except the one being built, which moves to slot 0 */
        if (s->build && !s->external) {
            queued tmp = s->q[0];
            s->q[0] = s->q[s->q_len];
            s->q[s->q_len] = tmp;
            s->elem_arena = &s->q[0].arena;
            s->b.arena = s->elem_arena;
        }
        s->q_head = s->q_len = 0;
    }
    if (s->q_head == s->q_len) {
        vlit_status st = feed(s, err);
        if (st)
            return st;
        if (s->q_head == s->q_len)
            return VLIT_END;
    }
    *out = s->q[s->q_head++].elem;
    return VLIT_OK;
}

uint64_t vj_stream_offset(const vj_stream *s) { return s->chunk_base + s->chunk_pos; }

void vj_stream_close(vj_stream *s)
{
    if (!s)
        return;
    if (s->h)
        yajl_free(s->h);
    if (s->fp)
        free(s->chunk);
    for (size_t i = 0; i < s->q_cap; i++)
        vlit_arena_free(&s->q[i].arena);
    free(s->q);
    builder_free(&s->b);
    free(s);
}

vlit_status vj_parse(const char *text, size_t len, const vj_limits *lim, vlit_arena *a, vj **out, vlit_error *err)
{
    vj_stream_params p = {0};
    p.whole = 1;
    if (lim)
        p.limits = *lim;
    vj_stream *s;
    vlit_status st = vj_stream_open_mem(text, len, "", &p, &s, err);
    if (st)
        return st;
    s->external = a;
    vj_elem e;
    st = vj_stream_next(s, &e, err);
    if (st == VLIT_END)
        st = vlit_err(err, VLIT_ERR_PARSE, "byte 0: empty: no JSON value");
    if (st == VLIT_OK) {
        vj_elem extra;
        vlit_status st2 = vj_stream_next(s, &extra, err);
        if (st2 != VLIT_END)
            st = st2 == VLIT_OK ? vlit_err(err, VLIT_ERR_PARSE, "more than one JSON value") : st2;
        *out = e.value;
    }
    vj_stream_close(s);
    return st;
}

/* ---- writer ------------------------------------------------------------ */

vlit_status vj_write_str(vlit_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    vlit_status st = vlit_buf_reserve(b, len + 2);
    if (st)
        return st;
    b->data[b->len++] = '"';
    size_t run = 0; /* bytes copied in one go */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if ((st = vlit_buf_append(b, s + run, i - run)))
            return st;
        run = i + 1;
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        if ((st = vlit_buf_append(b, esc, n)))
            return st;
    }
    if ((st = vlit_buf_append(b, s + run, len - run)))
        return st;
    return vlit_buf_putc(b, '"');
}

vlit_status vj_write_cstr(vlit_buf *b, const char *s) { return vj_write_str(b, s, strlen(s)); }

vlit_status vj_write_num(vlit_buf *b, double x)
{
    if (!isfinite(x))
        return vlit_buf_puts(b, "null");
    char tmp[40];
    /* Fast path: numbers with up to 6 decimals and few digits (COCO boxes)
     * are printed from an integer. r / 10^k == x in double arithmetic means
     * the decimal text reads back as exactly x, so this is the shortest form
     * whenever no shorter k worked. */
    if (fabs(x) < 1e9) {
        double scale = 1;
        for (int k = 0; k <= 6; k++, scale *= 10) {
            double r = nearbyint(x * scale);
            if (r / scale != x)
                continue;
            long long n = (long long)(r < 0 ? -r : r);
            char digits[32];
            int len = snprintf(digits, sizeof digits, "%lld", n);
            char *p = tmp;
            if (r < 0)
                *p++ = '-';
            if (k == 0) {
                memcpy(p, digits, (size_t)len + 1);
            } else if (len > k) {
                memcpy(p, digits, (size_t)(len - k));
                p += len - k;
                *p++ = '.';
                memcpy(p, digits + len - k, (size_t)k + 1);
            } else {
                *p++ = '0';
                *p++ = '.';
                for (int z = 0; z < k - len; z++)
                    *p++ = '0';
                memcpy(p, digits, (size_t)len + 1);
            }
            if (strcmp(tmp, "-0") == 0)
                strcpy(tmp, "0");
            return vlit_buf_puts(b, tmp);
        }
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, x);
        if (strtod(tmp, NULL) == x)
            break;
    }
    return vlit_buf_puts(b, tmp);
}

vlit_status vj_write_value(vlit_buf *b, const vj *v)
{
    vlit_status st = VLIT_OK;
    switch (v->type) {
    case VJ_NULL: return vlit_buf_puts(b, "null");
    case VJ_FALSE: return vlit_buf_puts(b, "false");
    case VJ_TRUE: return vlit_buf_puts(b, "true");
    case VJ_NUMBER: return vlit_buf_puts(b, v->str);
    case VJ_STRING: return vj_write_str(b, v->str, v->len);
    case VJ_ARRAY:
    case VJ_OBJECT:
        if ((st = vlit_buf_putc(b, v->type == VJ_ARRAY ? '[' : '{')))
            return st;
        for (size_t i = 0; i < v->len; i++) {
            if (i && (st = vlit_buf_putc(b, ',')))
                return st;
            if (v->type == VJ_OBJECT) {
                if ((st = vj_write_cstr(b, v->keys[i])) || (st = vlit_buf_putc(b, ':')))
                    return st;
            }
            if ((st = vj_write_value(b, v->items[i])))
                return st;
        }
        return vlit_buf_putc(b, v->type == VJ_ARRAY ? ']' : '}');
    }
    return st;
}
