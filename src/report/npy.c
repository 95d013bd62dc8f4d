/*
 * Float32 matrices: NumPy .npy files and TSV rows (vlit/cluster.h).
 *
 * A .npy file is read straight into the matrix (no second copy), after its
 * header has been checked against the file's size. TSV is read line by line
 * into a buffer that doubles, so neither format holds more than the matrix
 * and one line.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "../base/atomic_file.h"
#include "../base/err.h"
#include "../base/lines.h"
#include "npy.h"
#include "vlit/cluster.h"

/* ---- the header dict ---- */

typedef struct hp {
    const char *s;
    size_t len, pos;
    char *why;
    size_t cap;
} hp;

static int hp_fail(hp *p, const char *what)
{
    snprintf(p->why, p->cap, "%s at byte %zu of the header", what, p->pos);
    return -1;
}

static void hp_ws(hp *p)
{
    while (p->pos < p->len &&
           (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static int hp_char(hp *p, char c)
{
    hp_ws(p);
    if (p->pos < p->len && p->s[p->pos] == c) {
        p->pos++;
        return 1;
    }
    return 0;
}

/* A Python string literal in single or double quotes, without escapes
 * (numpy never writes any in these keys and values). */
static int hp_string(hp *p, char *out, size_t cap)
{
    hp_ws(p);
    if (p->pos >= p->len || (p->s[p->pos] != '\'' && p->s[p->pos] != '"'))
        return hp_fail(p, "expected a quoted string");
    char q = p->s[p->pos++];
    size_t start = p->pos;
    while (p->pos < p->len && p->s[p->pos] != q) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '\\' || c < 0x20 || c >= 0x7f)
            return hp_fail(p, "unsupported character in a string");
        p->pos++;
    }
    if (p->pos >= p->len)
        return hp_fail(p, "unterminated string");
    size_t n = p->pos - start;
    p->pos++;
    if (n >= cap)
        return hp_fail(p, "string too long");
    memcpy(out, p->s + start, n);
    out[n] = '\0';
    return 0;
}

static int hp_word(hp *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0) {
        size_t after = p->pos + n;
        if (after < p->len) {
            char c = p->s[after];
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
                return 0;
        }
        p->pos = after;
        return 1;
    }
    return 0;
}

static int hp_shape(hp *p, npy_header *h)
{
    if (!hp_char(p, '('))
        return hp_fail(p, "shape: expected a tuple '('");
    h->ndim = 0;
    for (;;) {
        if (hp_char(p, ')'))
            break;
        hp_ws(p);
        if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
            return hp_fail(p, "shape: expected a non-negative integer");
        uint64_t v = 0;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            unsigned dgt = (unsigned)(p->s[p->pos] - '0');
            if (v > (UINT64_MAX - dgt) / 10)
                return hp_fail(p, "shape: number too large");
            v = v * 10 + dgt;
            p->pos++;
        }
        if (h->ndim == NPY_MAX_DIMS)
            return hp_fail(p, "shape: too many dimensions");
        h->shape[h->ndim++] = v;
        if (hp_char(p, ','))
            continue;
        if (hp_char(p, ')'))
            break;
        return hp_fail(p, "shape: expected ',' or ')'");
    }
    return 0;
}

int npy_parse_header(const char *text, size_t len, npy_header *h, char *why, size_t cap)
{
    hp p = {text, len, 0, why, cap};
    memset(h, 0, sizeof *h);
    int seen_descr = 0, seen_order = 0, seen_shape = 0;
    if (!hp_char(&p, '{'))
        return hp_fail(&p, "expected '{'");
    for (;;) {
        if (hp_char(&p, '}'))
            break;
        char key[32];
        if (hp_string(&p, key, sizeof key))
            return -1;
        if (!hp_char(&p, ':'))
            return hp_fail(&p, "expected ':'");
        hp_ws(&p);
        if (strcmp(key, "descr") == 0) {
            if (seen_descr++)
                return hp_fail(&p, "key 'descr' given twice");
            if (p.pos < p.len && (p.s[p.pos] == '[' || p.s[p.pos] == '{'))
                return hp_fail(&p, "structured dtypes are not supported");
            if (hp_string(&p, h->descr, sizeof h->descr))
                return -1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (seen_order++)
                return hp_fail(&p, "key 'fortran_order' given twice");
            if (hp_word(&p, "True"))
                h->fortran_order = 1;
            else if (hp_word(&p, "False"))
                h->fortran_order = 0;
            else
                return hp_fail(&p, "fortran_order: expected True or False");
        } else if (strcmp(key, "shape") == 0) {
            if (seen_shape++)
                return hp_fail(&p, "key 'shape' given twice");
            if (hp_shape(&p, h))
                return -1;
        } else {
            return hp_fail(&p, "unknown key (a .npy header has descr, fortran_order and shape)");
        }
        if (hp_char(&p, ','))
            continue;
        if (hp_char(&p, '}'))
            break;
        return hp_fail(&p, "expected ',' or '}'");
    }
    hp_ws(&p);
    if (p.pos != p.len)
        return hp_fail(&p, "text after the dict");
    if (!seen_descr || !seen_order || !seen_shape) {
        snprintf(why, cap, "the header lacks '%s'", !seen_descr ? "descr" : !seen_order ? "fortran_order" : "shape");
        return -1;
    }
    return 0;
}

/* ---- reading ---- */

static int host_little_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

/* Checks that values are finite, turning '<f4' bytes into host floats on a
 * big-endian host. first_byte is the file offset of v[0]. */
static vlit_status check_values(float *v, size_t rows, size_t cols, const char *path, uint64_t first_byte,
                                vlit_error *err)
{
    int swap = !host_little_endian();
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < cols; c++) {
            float *f = v + r * cols + c;
            if (swap) {
                uint32_t u;
                memcpy(&u, f, 4);
                u = (u >> 24) | ((u >> 8) & 0xff00u) | ((u << 8) & 0xff0000u) | (u << 24);
                memcpy(f, &u, 4);
            }
            if (!isfinite(*f))
                return vlit_err(err, VLIT_ERR_DATA, "%s: row %zu, column %zu (byte %" PRIu64 "): value is %s", path, r,
                                c, first_byte + ((uint64_t)r * cols + c) * 4, isnan(*f) ? "NaN" : "infinite");
        }
    }
    return VLIT_OK;
}

/* Makes room for `rows` more rows of `cols` in m (m->rows unchanged). */
static vlit_status grow(vlit_matrix *m, size_t cols, size_t rows, const char *path, vlit_error *err)
{
    if (rows == 0)
        return VLIT_OK;
    size_t total = m->rows + rows;
    if (total < m->rows || (cols && total > SIZE_MAX / sizeof(float) / cols))
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: %zu rows of %zu values do not fit in memory", path, total, cols);
    float *d = realloc(m->data, total * cols * sizeof *d + 1);
    if (!d)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory for %zu rows of %zu values", path, total, cols);
    m->data = d;
#if defined(MADV_HUGEPAGE)
    /* Transparent huge pages for a large matrix (advice only): the first
     * touch of its pages by the read then costs a few page faults instead of
     * one per 4 KiB. */
    size_t bytes = total * cols * sizeof *d;
    if (bytes >= ((size_t)4 << 20)) {
        uintptr_t from = ((uintptr_t)d + 4095) & ~(uintptr_t)4095, to = ((uintptr_t)d + bytes) & ~(uintptr_t)4095;
        madvise((void *)from, to - from, MADV_HUGEPAGE);
    }
#endif
    return VLIT_OK;
}

static vlit_status read_npy(FILE *fp, const char *path, vlit_matrix *m, vlit_error *err)
{
    unsigned char pre[12];
    size_t got = fread(pre, 1, 10, fp);
    if (got < 10)
        return vlit_err(err, VLIT_ERR_PARSE, "%s: byte %zu: truncated .npy preamble", path, got);
    if (memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return vlit_err(err, VLIT_ERR_PARSE, "%s: byte 0: not a .npy file (no \\x93NUMPY magic)", path);
    unsigned major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return vlit_err(err, VLIT_ERR_PARSE, "%s: byte 6: .npy format version %u.%u is not supported (1.0, 2.0, 3.0)",
                        path, major, minor);
    size_t hlen, hstart;
    if (major == 1) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
        hstart = 10;
    } else {
        if (fread(pre + 10, 1, 2, fp) != 2)
            return vlit_err(err, VLIT_ERR_PARSE, "%s: byte 10: truncated .npy preamble", path);
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        hstart = 12;
    }
    if (hlen > NPY_MAX_HEADER)
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: byte 8: .npy header of %zu bytes is beyond the limit of %zu", path,
                        hlen, NPY_MAX_HEADER);
    char *htext = malloc(hlen ? hlen : 1);
    if (!htext)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    got = fread(htext, 1, hlen, fp);
    if (got < hlen) {
        free(htext);
        return vlit_err(err, VLIT_ERR_PARSE, "%s: byte %zu: truncated .npy header (%zu of %zu bytes)", path,
                        hstart + got, got, hlen);
    }
    npy_header h;
    char why[200];
    int bad = npy_parse_header(htext, hlen, &h, why, sizeof why);
    free(htext);
    if (bad)
        return vlit_err(err, VLIT_ERR_PARSE, "%s: .npy header (from byte %zu): %s", path, hstart, why);
    if (strcmp(h.descr, "<f4") != 0)
        return vlit_err(err, VLIT_ERR_DATA,
                        "%s: dtype '%s' is not supported: vectors must be little-endian float32 ('<f4'); "
                        "save them with x.astype('<f4')",
                        path, h.descr);
    if (h.fortran_order)
        return vlit_err(err, VLIT_ERR_DATA,
                        "%s: the array is in Fortran order; save it in C order (np.ascontiguousarray)", path);
    if (h.ndim != 2)
        return vlit_err(err, VLIT_ERR_DATA, "%s: the array has %zu dimensions; vectors must be 2-D (rows, dim)", path,
                        h.ndim);
    uint64_t rows = h.shape[0], cols = h.shape[1];
    if (rows && cols == 0)
        return vlit_err(err, VLIT_ERR_DATA, "%s: shape (%" PRIu64 ", 0): rows without values", path, rows);
    if (rows > SIZE_MAX || cols > SIZE_MAX || (cols && rows > UINT64_MAX / 4 / cols))
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: shape (%" PRIu64 ", %" PRIu64 ") is too large", path, rows, cols);
    uint64_t bytes = rows * cols * 4, start = hstart + hlen;
    struct stat sb;
    if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size != start + bytes)
        return vlit_err(err, VLIT_ERR_PARSE,
                        "%s: shape (%" PRIu64 ", %" PRIu64 ") needs %" PRIu64 " bytes of data from byte %" PRIu64
                        "; the file has %" PRIu64 " there",
                        path, rows, cols, bytes, start,
                        (uint64_t)sb.st_size > start ? (uint64_t)sb.st_size - start : 0);
    if (rows == 0)
        return VLIT_OK;
    if (m->rows && m->cols != cols)
        return vlit_err(err, VLIT_ERR_DATA, "%s: rows of %" PRIu64 " values, earlier rows have %zu", path, cols,
                        m->cols);
    vlit_status st = grow(m, (size_t)cols, (size_t)rows, path, err);
    if (st)
        return st;
    float *dst = m->data + m->rows * (size_t)cols;
    got = fread(dst, 1, (size_t)bytes, fp);
    if (got < bytes) {
        if (ferror(fp))
            return vlit_err(err, VLIT_ERR_IO, "%s: read error near byte %" PRIu64, path, start + got);
        return vlit_err(err, VLIT_ERR_PARSE,
                        "%s: byte %" PRIu64 ": data ends early (row %" PRIu64 " of %" PRIu64 "; %" PRIu64
                        " bytes expected)",
                        path, start + got, (uint64_t)got / 4 / cols, rows, bytes);
    }
    if (fgetc(fp) != EOF)
        return vlit_err(err, VLIT_ERR_PARSE, "%s: byte %" PRIu64 ": data after the array", path, start + bytes);
    if ((st = check_values(dst, (size_t)rows, (size_t)cols, path, start, err)))
        return st;
    m->cols = (size_t)cols;
    m->rows += (size_t)rows;
    return VLIT_OK;
}

#define TSV_MAX_FIELD 256

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static vlit_status read_tsv(FILE *fp, const char *path, vlit_matrix *m, vlit_error *err)
{
    vlit_lines l;
    vlit_status st = vlit_lines_init(&l, fp, path, 0, err);
    if (st)
        return st;
    size_t cols = m->rows ? m->cols : 0, rows = 0, cap_rows = 0;
    size_t blank_line = 0; /* first blank line not yet followed by a row */
    uint64_t blank_offset = 0;
    float *row = NULL; /* values of the current line, until cols is known */
    size_t row_cap = 0;
    while ((st = vlit_lines_next(&l, err)) == VLIT_OK) {
        const char *s = l.line.data;
        size_t len = l.line.len, pos = 0, k = 0;
        while (pos < len && is_space(s[pos]))
            pos++;
        if (pos == len) {
            if (!blank_line) {
                blank_line = l.lineno;
                blank_offset = l.offset;
            }
            continue;
        }
        if (blank_line) {
            st = vlit_err(err, VLIT_ERR_PARSE,
                          "%s: line %zu (byte %" PRIu64 "): blank line between rows (every line is one vector)", path,
                          blank_line, blank_offset);
            break;
        }
        while (pos < len) {
            size_t start = pos;
            while (pos < len && !is_space(s[pos]))
                pos++;
            size_t n = pos - start;
            uint64_t at = l.offset + start;
            char field[TSV_MAX_FIELD + 1];
            if (n > TSV_MAX_FIELD) {
                st = vlit_err(err, VLIT_ERR_PARSE,
                              "%s: line %zu, column %zu (byte %" PRIu64 "): value longer than %d bytes", path, l.lineno,
                              k + 1, at, TSV_MAX_FIELD);
                break;
            }
            memcpy(field, s + start, n);
            field[n] = '\0';
            int ok = 1;
            for (size_t c = 0; c < n && ok; c++)
                ok = (field[c] >= '0' && field[c] <= '9') || field[c] == '.' || field[c] == '-' || field[c] == '+' ||
                     field[c] == 'e' || field[c] == 'E';
            char *end = field;
            float v = 0.0f;
            if (ok) {
                errno = 0;
                v = strtof(field, &end);
            }
            if (!ok || end != field + n) {
                for (size_t c = 0; c < n; c++)
                    if ((unsigned char)field[c] < 0x20 || (unsigned char)field[c] >= 0x7f)
                        field[c] = '?';
                st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu, column %zu (byte %" PRIu64 "): '%s' is not a number",
                              path, l.lineno, k + 1, at, field);
                break;
            }
            if (!isfinite(v)) {
                st = vlit_err(err, VLIT_ERR_DATA,
                              "%s: line %zu, column %zu (byte %" PRIu64 "): %s is beyond the float32 range", path,
                              l.lineno, k + 1, at, field);
                break;
            }
            if (cols == 0) { /* first row: collect its values, then fix the width */
                if (k == row_cap) {
                    size_t nc = row_cap ? row_cap * 2 : 64;
                    float *r = realloc(row, nc * sizeof *r);
                    if (!r) {
                        st = vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
                        break;
                    }
                    row = r;
                    row_cap = nc;
                }
                row[k] = v;
            } else {
                if (k == cols) {
                    st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu (byte %" PRIu64 "): more than %zu values", path,
                                  l.lineno, at, cols);
                    break;
                }
                if (rows == cap_rows) {
                    size_t nr = cap_rows ? cap_rows * 2 : 256;
                    if ((st = grow(m, cols, nr, path, err)))
                        break;
                    cap_rows = nr;
                }
                m->data[(m->rows + rows) * cols + k] = v;
            }
            k++;
            while (pos < len && is_space(s[pos]))
                pos++;
        }
        if (st)
            break;
        if (cols == 0) {
            cols = k;
            if ((st = grow(m, cols, 256, path, err)))
                break;
            cap_rows = 256;
            memcpy(m->data + m->rows * cols, row, cols * sizeof *row);
        } else if (k < cols) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu (byte %" PRIu64 "): %zu values, earlier rows have %zu",
                          path, l.lineno, l.offset, k, cols);
            break;
        }
        rows++;
    }
    free(row);
    vlit_lines_free(&l);
    if (st != VLIT_END)
        return st;
    if (rows) {
        float *d = realloc(m->data, (m->rows + rows) * cols * sizeof *d);
        if (d)
            m->data = d;
        m->cols = cols;
        m->rows += rows;
    }
    return VLIT_OK;
}

vlit_status vlit_matrix_append_file(vlit_matrix *m, const char *path, vlit_matrix_format format, vlit_error *err)
{
    if (!m || !path)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_matrix_append_file: no matrix or no path");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    vlit_status st;
    if (format == VLIT_MATRIX_AUTO) {
        char magic[NPY_MAGIC_LEN];
        size_t got = fread(magic, 1, sizeof magic, fp);
        format =
            got == NPY_MAGIC_LEN && memcmp(magic, NPY_MAGIC, NPY_MAGIC_LEN) == 0 ? VLIT_MATRIX_NPY : VLIT_MATRIX_TSV;
        if (fseek(fp, 0, SEEK_SET) != 0) {
            st = vlit_err(err, VLIT_ERR_IO, "%s: cannot rewind (give a file, not a pipe): %s", path, strerror(errno));
            goto out;
        }
    }
    size_t rows_before = m->rows;
    if (format == VLIT_MATRIX_NPY)
        st = read_npy(fp, path, m, err);
    else if (format == VLIT_MATRIX_TSV)
        st = read_tsv(fp, path, m, err);
    else
        st = vlit_err(err, VLIT_ERR_USAGE, "%s: unknown matrix format %d", path, (int)format);
    if (st)
        m->rows = rows_before;
out:
    fclose(fp);
    return st;
}

vlit_status vlit_matrix_read(const char *path, vlit_matrix_format format, vlit_matrix *out, vlit_error *err)
{
    vlit_matrix m = {NULL, 0, 0};
    vlit_status st = vlit_matrix_append_file(&m, path, format, err);
    if (st) {
        vlit_matrix_free(&m);
        memset(out, 0, sizeof *out);
        return st;
    }
    *out = m;
    return VLIT_OK;
}

void vlit_matrix_free(vlit_matrix *m)
{
    if (!m)
        return;
    free(m->data);
    memset(m, 0, sizeof *m);
}

vlit_status vlit_matrix_write_npy(const vlit_matrix *m, const char *path, vlit_error *err)
{
    char dict[160];
    int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", m->rows,
                     m->cols);
    /* pad with spaces and a newline so that the data starts at a multiple of 64 */
    size_t hlen = (size_t)n + 1;
    hlen += (64 - (10 + hlen) % 64) % 64;
    unsigned char pre[10];
    memcpy(pre, NPY_MAGIC, NPY_MAGIC_LEN);
    pre[6] = 1;
    pre[7] = 0;
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);
    vlit_atomic_file f;
    vlit_status st = vlit_atomic_open(&f, path, err);
    if (st)
        return st;
    fwrite(pre, 1, sizeof pre, f.fp);
    fputs(dict, f.fp);
    for (size_t k = (size_t)n; k + 1 < hlen; k++)
        fputc(' ', f.fp);
    fputc('\n', f.fp);
    size_t count = m->rows * m->cols;
    if (host_little_endian()) {
        if (count)
            fwrite(m->data, sizeof(float), count, f.fp);
    } else {
        for (size_t k = 0; k < count; k++) {
            uint32_t u;
            memcpy(&u, m->data + k, 4);
            unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                                  (unsigned char)(u >> 24)};
            fwrite(b, 1, 4, f.fp);
        }
    }
    if (ferror(f.fp)) {
        vlit_atomic_abort(&f);
        return vlit_err(err, VLIT_ERR_IO, "%s: write failed", path);
    }
    return vlit_atomic_commit(&f, err);
}
