/* The tokeniser of training and scoring (rules in vlit/lm.h). It works on
 * "units": one byte, or one of a few typographic characters read as their
 * ASCII counterparts, so that "don’t" and "don't" are the same word. */
#include "vlit/lm.h"

enum { C_SPACE, C_ALPHA, C_DIGIT, C_HIGH, C_PUNCT };

/* Class of each byte: control characters count as space, bytes >= 0x80 (the
 * parts of non-ASCII UTF-8 characters) as letters. */
static int byte_class(unsigned char c)
{
    if (c <= ' ' || c == 0x7f)
        return C_SPACE;
    if (c >= 0x80)
        return C_HIGH;
    if (c >= '0' && c <= '9')
        return C_DIGIT;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return C_ALPHA;
    return C_PUNCT;
}

#define U_ELLIPSIS 0x100 /* U+2026, read as "..." */

/* The unit at text[i]: a byte value, or the ASCII character a typographic
 * one stands for (*ulen = 3), or U_ELLIPSIS. */
static int unit_at(const unsigned char *t, size_t len, size_t i, size_t *ulen)
{
    *ulen = 1;
    if (t[i] == 0xe2 && i + 2 < len && t[i + 1] == 0x80) {
        int c;
        switch (t[i + 2]) {
        case 0x98:
        case 0x99: c = '\''; break;
        case 0x9c:
        case 0x9d: c = '"'; break;
        case 0x93:
        case 0x94: c = '-'; break;
        case 0xa6: c = U_ELLIPSIS; break;
        default: return t[i];
        }
        *ulen = 3;
        return c;
    }
    return t[i];
}

static int unit_class(int u, size_t ulen)
{
    if (u == U_ELLIPSIS || ulen == 3)
        return C_PUNCT;
    return byte_class((unsigned char)u);
}

static int is_word(int cls)
{
    return cls == C_ALPHA || cls == C_DIGIT || cls == C_HIGH;
}

/* Appends a byte if it fits; returns 0 once the buffer is full. */
static int put(char *out, size_t *n, int c)
{
    if (*n + 1 >= VLIT_LM_TOKEN_MAX)
        return 0;
    out[(*n)++] = (char)c;
    return 1;
}

/* After a cut, drops a UTF-8 character that lost its last bytes. */
static size_t trim_partial(const char *out, size_t n)
{
    size_t back = 0;
    while (back < n && back < 4 && ((unsigned char)out[n - 1 - back] & 0xc0) == 0x80)
        back++;
    if (back == n)
        return n;
    unsigned char lead = (unsigned char)out[n - 1 - back];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    return need > back + 1 ? n - 1 - back : n;
}

size_t vlit_lm_next_token(const char *text, size_t len, size_t *pos, char out[VLIT_LM_TOKEN_MAX])
{
    const unsigned char *t = (const unsigned char *)text;
    size_t i = *pos, ulen, n = 0;
    int full = 0;
    while (i < len && byte_class(t[i]) == C_SPACE)
        i++;
    if (i >= len) {
        *pos = len;
        out[0] = '\0';
        return 0;
    }
    int u = unit_at(t, len, i, &ulen);
    int cls = unit_class(u, ulen);
    if (cls == C_PUNCT) {
        /* a run of one punctuation character is one token: "...", "!!" */
        int c = u == U_ELLIPSIS ? '.' : u;
        while (i < len) {
            int v = unit_at(t, len, i, &ulen);
            int vc = v == U_ELLIPSIS ? '.' : v;
            if (unit_class(v, ulen) != C_PUNCT || vc != c)
                break;
            for (int k = 0; k < (v == U_ELLIPSIS ? 3 : 1); k++)
                put(out, &n, c);
            i += ulen;
        }
        out[n] = '\0';
        *pos = i;
        return n;
    }
    int prev = cls;
    for (;;) {
        if (!full) {
            int c = (u >= 'A' && u <= 'Z') ? u + ('a' - 'A') : u;
            full = !put(out, &n, c);
        }
        i += ulen;
        if (i >= len)
            break;
        u = unit_at(t, len, i, &ulen);
        cls = unit_class(u, ulen);
        if (is_word(cls)) {
            prev = cls;
            continue;
        }
        /* a joiner stays inside the word when a word character follows it */
        if (cls != C_PUNCT || u == U_ELLIPSIS || i + ulen >= len)
            break;
        size_t nlen;
        int next = unit_at(t, len, i + ulen, &nlen);
        int ncls = unit_class(next, nlen);
        int joins = ((u == '\'' || u == '-') && is_word(ncls)) ||
                    ((u == '.' || u == ',') && prev == C_DIGIT && ncls == C_DIGIT);
        if (!joins)
            break;
        prev = C_PUNCT;
    }
    if (full)
        n = trim_partial(out, n);
    out[n] = '\0';
    *pos = i;
    return n;
}
