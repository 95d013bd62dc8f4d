#include "lines.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (256u * 1024u)

vlit_status vlit_lines_init(vlit_lines *l, FILE *fp, const char *name, size_t max_line, vlit_error *err)
{
    memset(l, 0, sizeof *l);
    l->fp = fp;
    l->name = name;
    l->max_line = max_line ? max_line : (size_t)256 << 20;
    l->chunk = malloc(CHUNK);
    if (!l->chunk)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", name);
    return VLIT_OK;
}

vlit_status vlit_lines_next(vlit_lines *l, vlit_error *err)
{
    vlit_buf_clear(&l->line);
    l->offset = l->next_offset;
    int got = 0;
    for (;;) {
        if (l->chunk_pos == l->chunk_len) {
            if (l->eof)
                break;
            l->chunk_len = fread(l->chunk, 1, CHUNK, l->fp);
            l->chunk_pos = 0;
            if (l->chunk_len < CHUNK) {
                if (ferror(l->fp))
                    return vlit_err(err, VLIT_ERR_IO, "%s: read error near byte %" PRIu64, l->name, l->next_offset);
                l->eof = 1;
            }
            if (l->chunk_len == 0)
                break;
        }
        got = 1;
        const char *start = l->chunk + l->chunk_pos;
        size_t avail = l->chunk_len - l->chunk_pos;
        const char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        if (l->line.len + take > l->max_line)
            return vlit_err(err, VLIT_ERR_LIMIT, "%s: line %zu (byte %" PRIu64 "): line longer than the limit of %zu bytes",
                            l->name, l->lineno + 1, l->offset, l->max_line);
        vlit_status st = vlit_buf_append(&l->line, start, take);
        if (st)
            return vlit_err(err, st, "%s: line %zu: %s", l->name, l->lineno + 1, vlit_status_str(st));
        l->chunk_pos += take + (nl ? 1 : 0);
        l->next_offset += take + (nl ? 1 : 0);
        if (nl)
            break;
    }
    if (!got)
        return VLIT_END;
    l->lineno++;
    if (l->line.len && l->line.data[l->line.len - 1] == '\r')
        l->line.data[--l->line.len] = '\0';
    if (!l->line.data) /* empty line at a chunk boundary: keep data non-NULL */
        return vlit_buf_reserve(&l->line, 1) ? vlit_err(err, VLIT_ERR_NOMEM, "out of memory") : VLIT_OK;
    return VLIT_OK;
}

void vlit_lines_free(vlit_lines *l)
{
    free(l->chunk);
    vlit_buf_free(&l->line);
}
