/* Merging the score files of shards: every file is in index order, so the
 * merge takes the smallest index among the files' current lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/lines.h"
#include "indicator.h"

typedef struct part {
    const char *path;
    FILE *fp;
    vlit_lines lines;
    int live;         /* has a current line */
    size_t index;     /* of the current line */
    int have_prev;
    size_t prev;
} part;

/* Reads the next line of p and its index. */
static vlit_status advance(part *p, vlit_error *err)
{
    vlit_status st = vlit_lines_next(&p->lines, err);
    if (st == VLIT_END) {
        p->live = 0;
        return VLIT_OK;
    }
    if (st)
        return st;
    const char *s = p->lines.line.data ? p->lines.line.data : "";
    static const char prefix[] = "{\"index\":";
    if (strncmp(s, prefix, sizeof prefix - 1) != 0 || s[sizeof prefix - 1] < '0' || s[sizeof prefix - 1] > '9')
        return vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: not a line of vlit score output (it must start with %s)",
                        p->path, p->lines.lineno, prefix);
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s + sizeof prefix - 1, &end, 10);
    if (errno || *end != ',')
        return vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: bad index", p->path, p->lines.lineno);
    p->index = (size_t)v;
    if (p->have_prev && p->index <= p->prev)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: index %zu after %zu: the file is not in index order",
                        p->path, p->lines.lineno, p->index, p->prev);
    p->prev = p->index;
    p->have_prev = 1;
    p->live = 1;
    return VLIT_OK;
}

vlit_status vlit_score_merge(const char *const *paths, size_t n, const char *out_path, vlit_error *err)
{
    part *parts = calloc(n ? n : 1, sizeof *parts);
    if (!parts)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    vlit_status st = VLIT_OK;
    size_t opened = 0;
    for (; opened < n && !st; opened++) {
        part *p = &parts[opened];
        p->path = paths[opened];
        if (!(p->fp = fopen(p->path, "rb"))) {
            st = vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", p->path, strerror(errno));
            break;
        }
        st = vlit_lines_init(&p->lines, p->fp, p->path, 0, err);
        if (!st)
            st = advance(p, err);
    }
    vlit_output *out = NULL;
    if (!st)
        st = vlit_output_open(out_path, &out, err);
    size_t last = 0;
    int have_last = 0;
    const char *last_path = NULL;
    while (!st) {
        part *best = NULL;
        for (size_t i = 0; i < n; i++)
            if (parts[i].live && (!best || parts[i].index < best->index))
                best = &parts[i];
        if (!best)
            break;
        if (have_last && best->index == last) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: index %zu is also in %s: overlapping shards", best->path,
                          best->lines.lineno, best->index, last_path);
            break;
        }
        FILE *fp = vlit_output_file(out);
        if (fwrite(best->lines.line.data, 1, best->lines.line.len, fp) != best->lines.line.len || putc('\n', fp) == EOF) {
            st = vlit_err(err, VLIT_ERR_IO, "%s: cannot write", out_path);
            break;
        }
        last = best->index;
        have_last = 1;
        last_path = best->path;
        st = advance(best, err);
    }
    if (!st)
        st = vlit_output_commit(out, err);
    else
        vlit_output_abort(out);
    for (size_t i = 0; i < opened && i < n; i++) {
        if (parts[i].fp) {
            vlit_lines_free(&parts[i].lines);
            fclose(parts[i].fp);
        }
    }
    free(parts);
    return st;
}
