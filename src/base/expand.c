#include "expand.h"

#include <stdio.h>
#include <string.h>

vlit_status vlit_expand(vlit_buf *b, const char *text, const vlit_field *f, size_t nf)
{
    vlit_status st = VLIT_OK;
    for (const char *p = text; *p && !st; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            st = vlit_buf_putc(b, *p++);
            continue;
        }
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (!end) {
            st = vlit_buf_putc(b, *p);
            continue;
        }
        size_t n = (size_t)(end - p - 1);
        for (size_t i = 0; i < nf; i++)
            if (strlen(f[i].name) == n && memcmp(f[i].name, p + 1, n) == 0 && f[i].value)
                st = vlit_buf_puts(b, f[i].value);
        p = end;
    }
    return st;
}

int vlit_expand_check(const char *text, const char *const *names, char *why, size_t cap)
{
    for (const char *p = text; *p; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            p++;
            continue;
        }
        if (*p == '}') {
            snprintf(why, cap, "unmatched '}'");
            return 0;
        }
        if (*p != '{')
            continue;
        const char *end = strchr(p, '}');
        if (!end) {
            snprintf(why, cap, "unclosed '{'");
            return 0;
        }
        size_t n = (size_t)(end - p - 1);
        int ok = 0;
        for (const char *const *f = names; *f && !ok; f++)
            ok = strlen(*f) == n && memcmp(*f, p + 1, n) == 0;
        if (!ok) {
            snprintf(why, cap, "unknown placeholder {%.*s}", (int)(n > 60 ? 60 : n), p + 1);
            return 0;
        }
        p = end;
    }
    return 1;
}
