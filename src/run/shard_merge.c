/* vlit merge clues|samples|select (vlit/shard.h): the records of the shards
 * put back in the order of their positions. Every shard's output is in the
 * format's document frame (JSON Lines; or "[\n" a ",\n" b "\n]\n" and the
 * like, vlit_format_ops); its records are cut out of the frame byte for byte
 * and copied, never decoded and encoded again, so the merged file is the
 * single process's as long as each record's bytes do not depend on where it
 * is in the file (true of every format: encode() ignores `seq`). The records
 * are read one at a time: memory is one record plus the shards' groups. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "vlit/shard.h"

#include "../base/buf.h"
#include "../base/err.h"
#include "../io/formats.h"

typedef struct unit_reader {
    FILE *fp;
    const char *path;
    const vlit_format_ops *ops;
    unsigned shard, count;
    uint64_t read; /* records returned */
    int last;      /* the frame's end was met after the last record */
    vlit_buf unit; /* framed formats: the record */
    char *line;    /* line formats: the record and its '\n' */
    size_t line_cap, line_len;
} unit_reader;

static vlit_status ur_fail(unit_reader *u, vlit_error *err, const char *what)
{
    return vlit_err(err, VLIT_ERR_PARSE, "%s: shard %u/%u: after record %" PRIu64 ": %s", u->path, u->shard, u->count,
                    u->read, what);
}

/* Reads the exact bytes of text, or fails. */
static vlit_status expect(unit_reader *u, const char *text, vlit_error *err)
{
    for (const char *p = text; *p; p++) {
        int c = getc(u->fp);
        if (c != (unsigned char)*p) {
            char msg[128];
            snprintf(msg, sizeof msg, "expected the %s frame's \"%s\"%s", u->ops->name, text,
                     c == EOF ? ", found the end of the file (truncated?)" : "");
            return ur_fail(u, err, msg);
        }
    }
    return VLIT_OK;
}

static vlit_status expect_eof(unit_reader *u, vlit_error *err)
{
    return getc(u->fp) == EOF ? VLIT_OK : ur_fail(u, err, "bytes after the end of the document");
}

static vlit_status ur_open(unit_reader *u, const char *path, const char *format, unsigned shard, unsigned count,
                           vlit_error *err)
{
    memset(u, 0, sizeof *u);
    u->path = path;
    u->shard = shard;
    u->count = count;
    vlit_format fmt;
    if (vlit_format_parse(format, &fmt) || !(u->ops = vlit_format_ops_get(fmt)))
        return vlit_err(err, VLIT_ERR_DATA, "%s: shard %u/%u: records in format '%s' cannot be merged", path, shard,
                        count, format);
    if (!(u->fp = fopen(path, "rb")))
        return vlit_err(err, VLIT_ERR_IO, "%s: %s", path, strerror(errno));
    if (u->ops->line_based)
        return VLIT_OK;
    vlit_status st = expect(u, u->ops->doc_begin, err);
    if (st)
        return st;
    int c = getc(u->fp);
    if (c == (unsigned char)u->ops->doc_end[1]) { /* an empty document */
        ungetc(c, u->fp);
        u->last = 1;
        if (!(st = expect(u, u->ops->doc_end + 1, err)))
            st = expect_eof(u, err);
        return st;
    }
    if (c != EOF)
        ungetc(c, u->fp);
    return VLIT_OK;
}

static void ur_close(unit_reader *u)
{
    if (u->fp)
        fclose(u->fp);
    vlit_buf_free(&u->unit);
    free(u->line);
    memset(u, 0, sizeof *u);
}

/* The next record's bytes into u->unit (a line without its '\n', or one
 * element of the frame). VLIT_END after the last. */
static vlit_status ur_next(unit_reader *u, vlit_error *err)
{
    vlit_buf_clear(&u->unit);
    if (u->last)
        return VLIT_END;
    int c;
    if (u->ops->line_based) {
        errno = 0;
        ssize_t n = getline(&u->line, &u->line_cap, u->fp);
        if (n < 0) {
            if (ferror(u->fp) || errno == ENOMEM)
                return vlit_err(err, errno == ENOMEM ? VLIT_ERR_NOMEM : VLIT_ERR_IO, "%s: read error", u->path);
            u->last = 1;
            return VLIT_END;
        }
        if (u->line[n - 1] != '\n')
            return ur_fail(u, err, "a last line without its end (truncated?)");
        u->line_len = (size_t)n - 1;
        u->read++;
        return VLIT_OK;
    }
    /* an element: up to a ',' or '\n' outside strings and brackets */
    int depth = 0, in_str = 0, esc = 0;
    for (;;) {
        c = getc_unlocked(u->fp);
        if (c == EOF)
            return ur_fail(u, err, "the file ends inside a record (truncated?)");
        if (in_str) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            if (--depth < 0)
                return ur_fail(u, err, "an unbalanced bracket");
        } else if (depth == 0 && (c == ',' || c == '\n')) {
            break;
        }
        if (vlit_buf_putc(&u->unit, (char)c))
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    if (u->unit.len == 0)
        return ur_fail(u, err, "an empty record");
    vlit_status st;
    if (c == ',') {
        if ((st = expect(u, u->ops->separator + 1, err)))
            return st;
    } else {
        u->last = 1;
        if ((st = expect(u, u->ops->doc_end + 1, err)) || (st = expect_eof(u, err)))
            return st;
    }
    u->read++;
    return VLIT_OK;
}

/* ---- the merge -------------------------------------------------------------- */

typedef struct cursor {
    unit_reader u;
    const vlit_shard_record *r;
    size_t group; /* the next group */
} cursor;

/* A min-heap of cursors by their next group's position. */
static uint64_t pos_of(const cursor *c)
{
    return c->r->groups[2 * c->group];
}

static void sift_down(cursor **h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && pos_of(h[l]) < pos_of(h[m]))
            m = l;
        if (l + 1 < n && pos_of(h[l + 1]) < pos_of(h[m]))
            m = l + 1;
        if (m == i)
            return;
        cursor *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static const char *command_of(const char *kind)
{
    if (strcmp(kind, "clues") == 0)
        return "collect";
    if (strcmp(kind, "samples") == 0)
        return "generate";
    if (strcmp(kind, "select") == 0)
        return "select";
    if (strcmp(kind, "tags") == 0)
        return "tag";
    return NULL;
}

vlit_status vlit_shard_merge(const char *kind, const char *const *parts, size_t n, const char *out, vlit_error *err)
{
    const char *command = command_of(kind);
    if (!command)
        return vlit_err(err, VLIT_ERR_USAGE, "unknown kind '%s' (clues, samples, select, tags)", kind);
    vlit_shard_record *rec = calloc(n ? n : 1, sizeof *rec);
    size_t *order = calloc(n ? n : 1, sizeof *order);
    cursor *cur = calloc(n ? n : 1, sizeof *cur);
    cursor **heap = calloc(n ? n : 1, sizeof *heap);
    vlit_output *o = NULL;
    vlit_status st = VLIT_OK;
    if (!rec || !order || !cur || !heap) {
        free(rec);
        free(order);
        free(cur);
        free(heap);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    if (strcmp(kind, "select") == 0 && n) { /* the kept samples, or the reasons files of the same shards */
        vlit_shard_record first;
        if (vlit_shard_record_read(parts[0], &first, NULL) == VLIT_OK && strcmp(first.command, "select-reasons") == 0)
            command = "select-reasons";
        vlit_shard_record_free(&first);
    }
    if ((st = vlit_shard_check_set(command, parts, n, rec, order, err))) {
        free(rec);
        free(order);
        free(cur);
        free(heap);
        return st;
    }
    size_t nh = 0;
    for (size_t i = 0; i < n && !st; i++) {
        const vlit_shard_record *r = &rec[order[i]];
        if (!r->has_groups) {
            st = vlit_err(err, VLIT_ERR_DATA,
                          "%s: shard %u/%u: its record has no positions to merge by (generate --mode si writes "
                          "samples as their requests finish: merge the shards' stores with vlit merge stores, then "
                          "run generate once over all records on the merged store, which answers every request)",
                          parts[order[i]], r->index, r->count);
            break;
        }
        cur[i].r = r;
        st = ur_open(&cur[i].u, parts[order[i]], r->format, r->index, r->count, err);
        if (!st && r->n_groups)
            heap[nh++] = &cur[i];
    }
    for (size_t i = nh / 2; i-- > 0;)
        sift_down(heap, nh, i);
    const vlit_format_ops *ops = n && cur[0].u.ops ? cur[0].u.ops : NULL;
    if (!st)
        st = vlit_output_open(out, &o, err);
    FILE *fp = o ? vlit_output_file(o) : NULL;
    uint64_t written = 0, last_pos = 0;
    const cursor *last_from = NULL;
    while (!st && nh) {
        cursor *c = heap[0];
        uint64_t pos = pos_of(c), units = c->r->groups[2 * c->group + 1];
        if (last_from && pos == last_pos) {
            st = vlit_err(err, VLIT_ERR_DATA, "position %" PRIu64 " is in shard %u/%u (%s) and in shard %u/%u (%s)",
                          pos, last_from->r->index, last_from->r->count, last_from->u.path, c->r->index, c->r->count,
                          c->u.path);
            break;
        }
        for (uint64_t k = 0; k < units && !st; k++) {
            st = ur_next(&c->u, err);
            if (st == VLIT_END) {
                st = vlit_err(err, VLIT_ERR_DATA,
                              "%s: shard %u/%u: ends after %" PRIu64 " records, its completion record says %" PRIu64,
                              c->u.path, c->r->index, c->r->count, c->u.read, c->r->units);
                break;
            }
            if (st)
                break;
            if (ops->line_based) { /* the line with its '\n' */
                if (fwrite(c->u.line, 1, c->u.line_len + 1, fp) != c->u.line_len + 1)
                    st = vlit_err(err, VLIT_ERR_IO, "%s: write failed", out);
            } else if (fputs(written ? ops->separator : ops->doc_begin, fp) == EOF ||
                       fwrite(c->u.unit.data, 1, c->u.unit.len, fp) != c->u.unit.len) {
                st = vlit_err(err, VLIT_ERR_IO, "%s: write failed", out);
            }
            written++;
        }
        last_pos = pos;
        last_from = c;
        if (++c->group == c->r->n_groups)
            heap[0] = heap[--nh];
        sift_down(heap, nh, 0);
    }
    for (size_t i = 0; i < n && !st; i++) {
        st = ur_next(&cur[i].u, err);
        if (st == VLIT_OK)
            st = vlit_err(err, VLIT_ERR_DATA,
                          "%s: shard %u/%u: holds more records than its completion record's %" PRIu64, cur[i].u.path,
                          cur[i].r->index, cur[i].r->count, cur[i].r->units);
        else if (st == VLIT_END)
            st = VLIT_OK;
    }
    if (!st && !ops->line_based) {
        const char *end = written ? ops->doc_end : ops->doc_end + 1;
        if ((!written && fputs(ops->doc_begin, fp) == EOF) || fputs(end, fp) == EOF)
            st = vlit_err(err, VLIT_ERR_IO, "%s: write failed", out);
    }
    if (!st) {
        st = vlit_output_commit(o, err);
        o = NULL;
    }
    vlit_output_abort(o);
    for (size_t i = 0; i < n; i++) {
        ur_close(&cur[i].u);
        vlit_shard_record_free(&rec[i]);
    }
    free(rec);
    free(order);
    free(cur);
    free(heap);
    return st;
}
