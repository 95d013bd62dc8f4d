/* Internal: growable byte buffer with a hard cap. Appends fail with
 * VLIT_ERR_NOMEM or VLIT_ERR_LIMIT instead of aborting; the buffer stays valid
 * and NUL-terminated after a failure. */
#ifndef VLIT_BASE_BUF_H
#define VLIT_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

typedef struct vlit_buf {
    char *data; /* NUL-terminated when cap > 0 */
    size_t len;
    size_t cap;
    size_t max; /* 0 = default cap (1 GiB) */
} vlit_buf;

#define VLIT_BUF_INIT {NULL, 0, 0, 0}

vlit_status vlit_buf_reserve(vlit_buf *b, size_t extra);
vlit_status vlit_buf_append(vlit_buf *b, const void *p, size_t n);
vlit_status vlit_buf_puts(vlit_buf *b, const char *s);
vlit_status vlit_buf_putc(vlit_buf *b, char c);
vlit_status vlit_buf_printf(vlit_buf *b, const char *fmt, ...) VLIT_PRINTF(2, 3);
void vlit_buf_clear(vlit_buf *b);
void vlit_buf_free(vlit_buf *b);

#endif
