/* The generic streaming reader: opens a file, streams its records (lines or
 * array/object elements) and hands each to its format's decoder. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../base/lines.h"
#include "formats.h"

struct vlit_reader {
    const vlit_format_ops *ops;
    vlit_reader_params p;
    char *name;
    FILE *fp;
    int own_fp;
    vlit_lines lines; /* line-based formats */
    vj_stream *stream; /* the others */
    vlit_arena arena;  /* the current record */
    vlit_sample sample;
    size_t skipped;
};

vlit_reader_params vlit_reader_default_params(void)
{
    vlit_reader_params p;
    memset(&p, 0, sizeof p);
    return p;
}

vlit_status vlit_reader_open(const char *path, vlit_format fmt, const vlit_reader_params *params, vlit_reader **out,
                             vlit_error *err)
{
    *out = NULL;
    const vlit_format_ops *ops = vlit_format_ops_get(fmt);
    if (!ops)
        return vlit_err(err, VLIT_ERR_USAGE, "unknown format %d", (int)fmt);
    vlit_reader *r = calloc(1, sizeof *r);
    if (!r)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    r->ops = ops;
    r->p = params ? *params : vlit_reader_default_params();
    vlit_arena_init(&r->arena, 16 * 1024);
    r->name = strdup(path);
    vlit_status st = VLIT_OK;
    if (!r->name) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (strcmp(path, "-") == 0) {
        r->fp = stdin;
    } else {
        r->fp = fopen(path, "rb");
        r->own_fp = 1;
        if (!r->fp) {
            st = vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
            goto out;
        }
    }
    if (ops->line_based) {
        st = vlit_lines_init(&r->lines, r->fp, r->name, 0, err);
    } else {
        vj_stream_params sp = {0};
        sp.sections = ops->sections;
        sp.limits.max_string = r->p.max_string;
        st = vj_stream_open_file(r->fp, r->name, &sp, &r->stream, err);
    }
out:
    if (st) {
        vlit_reader_close(r);
        return st;
    }
    *out = r;
    return VLIT_OK;
}

static void sample_reset(vlit_sample *s)
{
    memset(s, 0, sizeof *s);
    s->completion = -1;
}

/* One record, or a record-level error that --skip-bad may skip. Returns
 * VLIT_END, VLIT_OK, or an error; *fatal says whether reading can go on. */
static vlit_status read_one(vlit_reader *r, int *fatal, vlit_error *err)
{
    vlit_arena_reset(&r->arena);
    sample_reset(&r->sample);
    vlit_error local = {0};
    if (r->ops->line_based) {
        vlit_status st;
        do {
            st = vlit_lines_next(&r->lines, err);
            if (st) {
                *fatal = 1;
                return st;
            }
        } while (strspn(r->lines.line.data, " \t") == r->lines.line.len); /* blank lines */
        vj *v;
        vj_limits lim = {0};
        lim.max_string = r->p.max_string;
        st = vj_parse(r->lines.line.data, r->lines.line.len, &lim, &r->arena, &v, &local);
        if (!st)
            st = r->ops->decode(v, NULL, &r->arena, &r->sample, &local);
        if (st) {
            *fatal = st == VLIT_ERR_NOMEM;
            return vlit_err(err, st, "%s: line %zu (byte %" PRIu64 "): %s", r->name, r->lines.lineno, r->lines.offset,
                            local.message);
        }
        return VLIT_OK;
    }
    vj_elem e;
    vlit_status st = vj_stream_next(r->stream, &e, err);
    if (st) {
        *fatal = 1; /* a syntax error ends a JSON document: nothing after it is reliable */
        return st;
    }
    st = r->ops->decode(e.value, e.member, &r->arena, &r->sample, &local);
    if (st) {
        *fatal = st == VLIT_ERR_NOMEM;
        if (e.member)
            return vlit_err(err, st, "%s: %s[\"%s\"] (byte %" PRIu64 "): %s", r->name, e.section ? e.section : "",
                            e.member, e.offset, local.message);
        return vlit_err(err, st, "%s: %s[%zu] (byte %" PRIu64 "): %s", r->name, e.section ? e.section : "record ",
                        e.index, e.offset, local.message);
    }
    return VLIT_OK;
}

vlit_status vlit_reader_next(vlit_reader *r, const vlit_sample **sample, vlit_error *err)
{
    for (;;) {
        int fatal = 0;
        vlit_status st = read_one(r, &fatal, err);
        if (st == VLIT_OK) {
            *sample = &r->sample;
            return VLIT_OK;
        }
        if (st == VLIT_END || fatal || !r->p.skip_bad)
            return st;
        r->skipped++;
        if (r->p.on_skip)
            r->p.on_skip(r->p.ctx, err);
    }
}

size_t vlit_reader_skipped(const vlit_reader *r) { return r->skipped; }

void vlit_reader_close(vlit_reader *r)
{
    if (!r)
        return;
    if (r->ops && r->ops->line_based)
        vlit_lines_free(&r->lines);
    vj_stream_close(r->stream);
    if (r->own_fp && r->fp)
        fclose(r->fp);
    vlit_arena_free(&r->arena);
    free(r->name);
    free(r);
}
