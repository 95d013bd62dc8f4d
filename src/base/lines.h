/* Internal: reads a text file line by line with a cap on line length, so a
 * file without newlines cannot make us allocate without bound. */
#ifndef VLIT_BASE_LINES_H
#define VLIT_BASE_LINES_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"

typedef struct vlit_lines {
    FILE *fp;
    const char *name;
    char *chunk;
    size_t chunk_len, chunk_pos;
    vlit_buf line;       /* the current line, without its newline */
    uint64_t offset;     /* byte offset of the current line */
    uint64_t next_offset;
    size_t lineno;       /* 1-based number of the current line */
    size_t max_line;
    int eof;
} vlit_lines;

/* max_line 0 = 256 MiB. The FILE is not closed by vlit_lines_free. */
vlit_status vlit_lines_init(vlit_lines *l, FILE *fp, const char *name, size_t max_line, vlit_error *err);
/* VLIT_OK with l->line filled, VLIT_END at the end, or an error. */
vlit_status vlit_lines_next(vlit_lines *l, vlit_error *err);
void vlit_lines_free(vlit_lines *l);

#endif
