/* The generic writer: an atomic output file and the document frame of the
 * format (array brackets, MIMIC-IT's object), records encoded by the format. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/atomic_file.h"
#include "formats.h"

struct vlit_writer {
    const vlit_format_ops *ops;
    vlit_atomic_file file;
    vlit_buf buf;
    size_t count;
};

vlit_status vlit_writer_open(const char *path, vlit_format fmt, vlit_writer **out, vlit_error *err)
{
    *out = NULL;
    const vlit_format_ops *ops = vlit_format_ops_get(fmt);
    if (!ops)
        return vlit_err(err, VLIT_ERR_USAGE, "unknown format %d", (int)fmt);
    vlit_writer *w = calloc(1, sizeof *w);
    if (!w)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    w->ops = ops;
    vlit_status st = vlit_atomic_open(&w->file, path, err);
    if (st) {
        free(w);
        return st;
    }
    *out = w;
    return VLIT_OK;
}

static vlit_status flush(vlit_writer *w, vlit_error *err)
{
    if (w->buf.len && fwrite(w->buf.data, 1, w->buf.len, w->file.fp) != w->buf.len)
        return vlit_err(err, VLIT_ERR_IO, "%s: write failed: %s", w->file.path, strerror(errno));
    vlit_buf_clear(&w->buf);
    return VLIT_OK;
}

vlit_status vlit_writer_write(vlit_writer *w, const vlit_sample *s, vlit_error *err)
{
    vlit_status st = VLIT_OK;
    if (w->ops->line_based)
        ;
    else if (w->count == 0)
        st = vlit_buf_puts(&w->buf, w->ops->doc_begin);
    else
        st = vlit_buf_puts(&w->buf, w->ops->separator);
    if (st)
        return vlit_err(err, st, "%s", vlit_status_str(st));
    if ((st = w->ops->encode(&w->buf, s, w->count, err)))
        return st;
    if (w->ops->line_based && (st = vlit_buf_putc(&w->buf, '\n')))
        return vlit_err(err, st, "%s", vlit_status_str(st));
    w->count++;
    return w->buf.len >= 1u << 20 ? flush(w, err) : VLIT_OK;
}

vlit_status vlit_writer_commit(vlit_writer *w, vlit_error *err)
{
    vlit_status st = VLIT_OK;
    if (!w->ops->line_based) {
        if (w->count == 0)
            st = vlit_buf_puts(&w->buf, w->ops->doc_begin);
        if (!st)
            st = vlit_buf_puts(&w->buf, w->count ? w->ops->doc_end : w->ops->doc_end + 1);
        if (st)
            st = vlit_err(err, st, "%s", vlit_status_str(st));
    }
    if (!st)
        st = flush(w, err);
    if (!st)
        st = vlit_atomic_commit(&w->file, err);
    vlit_writer_abort(w);
    return st;
}

void vlit_writer_abort(vlit_writer *w)
{
    if (!w)
        return;
    vlit_atomic_abort(&w->file);
    vlit_buf_free(&w->buf);
    free(w);
}
