#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX ((size_t)1 << 30)

vlit_status vlit_buf_reserve(vlit_buf *b, size_t extra)
{
    size_t max = b->max ? b->max : DEFAULT_MAX;
    if (extra > max || b->len > max - extra)
        return VLIT_ERR_LIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return VLIT_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return VLIT_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return VLIT_OK;
}

vlit_status vlit_buf_append(vlit_buf *b, const void *p, size_t n)
{
    vlit_status st = vlit_buf_reserve(b, n);
    if (st)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return VLIT_OK;
}

vlit_status vlit_buf_puts(vlit_buf *b, const char *s) { return vlit_buf_append(b, s, strlen(s)); }

vlit_status vlit_buf_putc(vlit_buf *b, char c) { return vlit_buf_append(b, &c, 1); }

vlit_status vlit_buf_printf(vlit_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return VLIT_ERR_USAGE;
    if ((size_t)n < sizeof small)
        return vlit_buf_append(b, small, (size_t)n);
    vlit_status st = vlit_buf_reserve(b, (size_t)n);
    if (st)
        return st;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return VLIT_OK;
}

void vlit_buf_clear(vlit_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void vlit_buf_free(vlit_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
