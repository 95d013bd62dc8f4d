/* The tags file of `vlit tag`: one JSON line per sample,
 *   {"position":N,"id":"..","task":"..","method":".."}  or  {..,"missing":"reason"}
 * Reader and line writer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/err.h"
#include "../base/json.h"
#include "../base/lines.h"
#include "tasks_internal.h"

#define MAX_LINE (1u << 20)

vlit_status tf_write_line(vlit_buf *b, size_t position, const char *id, const char *task, const char *method,
                          const char *missing)
{
    vlit_status st = vlit_buf_printf(b, "{\"position\":%zu,\"id\":", position);
    if (!st)
        st = vj_write_cstr(b, id ? id : "");
    if (!st && task) {
        st = vlit_buf_puts(b, ",\"task\":");
        if (!st)
            st = vj_write_cstr(b, task);
    }
    if (!st)
        st = vlit_buf_puts(b, ",\"method\":");
    if (!st)
        st = vj_write_cstr(b, method);
    if (!st && !task) {
        st = vlit_buf_puts(b, ",\"missing\":");
        if (!st)
            st = vj_write_cstr(b, missing && *missing ? missing : "no label");
    }
    if (!st)
        st = vlit_buf_puts(b, "}\n");
    return st;
}

struct vlit_tag_reader {
    FILE *fp;
    int own_fp;
    char *name;
    vlit_lines lines;
    vlit_arena a;
    int have_prev;
    size_t prev;
    const char *missing;
};

static vlit_status open_fp(FILE *fp, int own, const char *name, vlit_tag_reader **out, vlit_error *err)
{
    vlit_tag_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(name))) {
        free(r);
        if (own)
            fclose(fp);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    r->fp = fp;
    r->own_fp = own;
    vlit_arena_init(&r->a, 4096);
    vlit_status st = vlit_lines_init(&r->lines, fp, r->name, MAX_LINE, err);
    if (st) {
        vlit_arena_free(&r->a);
        free(r->name);
        if (own)
            fclose(fp);
        free(r);
        return st;
    }
    *out = r;
    return VLIT_OK;
}

vlit_status vlit_tag_reader_open(const char *path, vlit_tag_reader **out, vlit_error *err)
{
    *out = NULL;
    if (!path)
        return vlit_err(err, VLIT_ERR_USAGE, "no tags file given");
    if (strcmp(path, "-") == 0)
        return open_fp(stdin, 0, "(stdin)", out, err);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return open_fp(fp, 1, path, out, err);
}

vlit_status vlit_tag_reader_open_mem(const char *data, size_t len, const char *name, vlit_tag_reader **out,
                                     vlit_error *err)
{
    *out = NULL;
    FILE *fp = fmemopen((void *)(len ? data : ""), len ? len : 1, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (!len)
        fgetc(fp); /* fmemopen needs a size of at least 1: consume the dummy byte */
    return open_fp(fp, 1, name, out, err);
}

static int nonempty_text(const vj *v)
{
    return vj_is_text(v) && v->str[0];
}

vlit_status vlit_tag_reader_next(vlit_tag_reader *r, size_t *position, const char **id, const char **task,
                                 const char **method, vlit_error *err)
{
    vlit_status st;
    r->missing = NULL;
    for (;;) {
        if ((st = vlit_lines_next(&r->lines, err)) != VLIT_OK)
            return st;
        size_t k = 0;
        while (k < r->lines.line.len && (r->lines.line.data[k] == ' ' || r->lines.line.data[k] == '\r'))
            k++;
        if (k < r->lines.line.len)
            break; /* blank lines are skipped */
    }
    size_t ln = r->lines.lineno;
    vlit_arena_reset(&r->a);
    vj *v;
    vlit_error local = {0};
    vj_limits lim = {MAX_LINE, 4 * (size_t)MAX_LINE, 8};
    if (vj_parse(r->lines.line.data, r->lines.line.len, &lim, &r->a, &v, &local))
        return vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: %s", r->name, ln, local.message);
    if (v->type != VJ_OBJECT)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: not a JSON object", r->name, ln);
    int64_t pos;
    if (!vj_int(vj_get(v, "position"), &pos) || pos < 0)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: \"position\" must be an integer >= 0", r->name, ln);
    if (r->have_prev && (uint64_t)pos <= r->prev)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: position %lld does not come after %zu", r->name, ln,
                        (long long)pos, r->prev);
    const vj *vid = vj_get(v, "id");
    if (!vj_is_text(vid))
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: \"id\" must be a string", r->name, ln);
    const vj *vm = vj_get(v, "method");
    if (!nonempty_text(vm))
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: \"method\" must be a non-empty string", r->name, ln);
    const vj *vt = vj_get(v, "task"), *vmiss = vj_get(v, "missing");
    if (vt && vmiss)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: both \"task\" and \"missing\"", r->name, ln);
    if (!vt && !vmiss)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: neither \"task\" nor \"missing\"", r->name, ln);
    if (vt && !nonempty_text(vt))
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: \"task\" must be a non-empty string", r->name, ln);
    if (vmiss && !nonempty_text(vmiss))
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: \"missing\" must be a non-empty string (the reason)",
                        r->name, ln);
    r->have_prev = 1;
    r->prev = (size_t)pos;
    r->missing = vmiss ? vmiss->str : NULL;
    *position = (size_t)pos;
    *id = vid->str;
    *task = vt ? vt->str : NULL;
    *method = vm->str;
    return VLIT_OK;
}

const char *vlit_tag_reader_missing(const vlit_tag_reader *r)
{
    return r ? r->missing : NULL;
}

void vlit_tag_reader_close(vlit_tag_reader *r)
{
    if (!r)
        return;
    vlit_lines_free(&r->lines);
    vlit_arena_free(&r->a);
    if (r->own_fp)
        fclose(r->fp);
    free(r->name);
    free(r);
}
