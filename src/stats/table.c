/*
 * Tables of results and indicators (vlit/stats.h): CSV (RFC 4180 with a
 * header row) and JSON (an array of flat objects).
 *
 * These are small files (a row per dataset and model), so a table is read
 * whole, up to a cap. While parsing, cell texts go into one buffer and cells
 * are kept as (row, column, offset) triples; the matrix of pointers is built
 * at the end, because a JSON table learns its columns as it goes.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/json.h"
#include "../base/strmap.h"
#include "../base/utf8.h"
#include "stats_internal.h"
#include "vlit/stats.h"

#define MAX_TABLE_BYTES ((size_t)256 << 20)
#define MAX_CELLS ((size_t)1 << 26)
#define NO_TEXT SIZE_MAX

typedef struct cellref {
    size_t row, col, off;
} cellref;

typedef struct builder {
    const char *name;
    vlit_buf text;      /* cell and header texts, NUL-separated */
    cellref *cells;
    size_t ncells, capcells;
    size_t *header_off; /* offsets of the column names */
    size_t cols, capcols;
    size_t *record;
    size_t rows, caprows;
    vlit_strmap names;  /* column name -> index */
} builder;

static vlit_status nomem(builder *b, vlit_error *err)
{
    return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", b->name);
}

static vlit_status add_text(builder *b, const char *s, size_t len, size_t *off, vlit_error *err)
{
    *off = b->text.len;
    if (vlit_buf_append(&b->text, s, len) || vlit_buf_putc(&b->text, '\0'))
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: the table's text does not fit in memory", b->name);
    return VLIT_OK;
}

static vlit_status add_cell(builder *b, size_t row, size_t col, size_t off, vlit_error *err)
{
    if (b->ncells == b->capcells) {
        if (b->ncells >= MAX_CELLS)
            return vlit_err(err, VLIT_ERR_LIMIT, "%s: more than %zu cells", b->name, MAX_CELLS);
        size_t cap = b->capcells ? b->capcells * 2 : 256;
        cellref *p = realloc(b->cells, cap * sizeof *p);
        if (!p)
            return nomem(b, err);
        b->cells = p;
        b->capcells = cap;
    }
    b->cells[b->ncells++] = (cellref){row, col, off};
    return VLIT_OK;
}

static vlit_status add_row(builder *b, size_t record, vlit_error *err)
{
    if (b->rows == b->caprows) {
        size_t cap = b->caprows ? b->caprows * 2 : 64;
        size_t *p = realloc(b->record, cap * sizeof *p);
        if (!p)
            return nomem(b, err);
        b->record = p;
        b->caprows = cap;
    }
    b->record[b->rows++] = record;
    return VLIT_OK;
}

/* Adds a column name; *dup = 1 (and *index the existing column) if known. */
static vlit_status add_column(builder *b, const char *s, size_t len, size_t *index, int *dup, vlit_error *err)
{
    int inserted = 0;
    uint32_t *slot = vlit_strmap_put(&b->names, s, len, (uint32_t)b->cols, &inserted, NULL);
    if (!slot)
        return nomem(b, err);
    *dup = !inserted;
    *index = *slot;
    if (!inserted)
        return VLIT_OK;
    if (b->cols >= 65536)
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: more than 65536 columns", b->name);
    if (b->cols == b->capcols) {
        size_t cap = b->capcols ? b->capcols * 2 : 16;
        size_t *p = realloc(b->header_off, cap * sizeof *p);
        if (!p)
            return nomem(b, err);
        b->header_off = p;
        b->capcols = cap;
    }
    vlit_status st = add_text(b, s, len, &b->header_off[b->cols], err);
    if (st)
        return st;
    b->cols++;
    return VLIT_OK;
}

static void builder_free(builder *b)
{
    vlit_buf_free(&b->text);
    free(b->cells);
    free(b->header_off);
    free(b->record);
    vlit_strmap_free(&b->names);
}

/* Moves what the builder holds into a table. */
static vlit_status finish(builder *b, int json, vlit_table *out, vlit_error *err)
{
    if (b->rows && b->cols && b->rows > MAX_CELLS / b->cols)
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: %zu rows x %zu columns is too large", b->name, b->rows, b->cols);
    vlit_table t = {0};
    t.json = json;
    t.rows = b->rows;
    t.cols = b->cols;
    t.name = st_strdup(b->name);
    t.header = calloc(b->cols ? b->cols : 1, sizeof *t.header);
    t.cell = calloc(b->rows && b->cols ? b->rows * b->cols : 1, sizeof *t.cell);
    t.record = malloc((b->rows ? b->rows : 1) * sizeof *t.record);
    if (!t.name || !t.header || !t.cell || !t.record) {
        vlit_table_free(&t);
        return nomem(b, err);
    }
    /* The texts move into the table as one block. A column's name is stored
     * when the column is created, before any cell of it, so the first name
     * sits at offset 0 and header[0] is the block's start: vlit_table_free()
     * frees it through that pointer. Without columns there are no texts. */
    char *text = b->text.data;
    for (size_t c = 0; c < b->cols; c++)
        t.header[c] = text + b->header_off[c];
    for (size_t i = 0; i < b->ncells; i++)
        t.cell[b->cells[i].row * b->cols + b->cells[i].col] = text + b->cells[i].off;
    if (b->rows)
        memcpy(t.record, b->record, b->rows * sizeof *t.record);
    if (b->cols)
        b->text.data = NULL; /* now the table's */
    b->text.len = b->text.cap = 0;
    *out = t;
    return VLIT_OK;
}

void vlit_table_free(vlit_table *t)
{
    if (!t)
        return;
    if (t->header && t->cols)
        free(t->header[0]); /* the start of the text block (see finish) */
    free(t->header);
    free(t->cell);
    free(t->record);
    free(t->name);
    memset(t, 0, sizeof *t);
}

long vlit_table_column(const vlit_table *t, const char *name)
{
    if (!t || !name)
        return -1;
    for (size_t c = 0; c < t->cols; c++)
        if (strcmp(t->header[c], name) == 0)
            return (long)c;
    return -1;
}

/* ---- CSV ---------------------------------------------------------------- */

/* Line and column (1-based, in bytes) of offset pos. */
static void line_col(const char *s, size_t pos, size_t *line, size_t *col)
{
    size_t l = 1, start = 0;
    for (size_t i = 0; i < pos; i++) {
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= pos || s[i + 1] != '\n'))) {
            l++;
            start = i + 1;
        }
    }
    *line = l;
    *col = pos - start + 1;
}

static vlit_status parse_csv(builder *b, const char *s, size_t len, vlit_error *err)
{
    size_t pos = 0, line = 1;
    vlit_buf field = VLIT_BUF_INIT;
    vlit_status st = VLIT_OK;
    int have_header = 0;
    while (pos < len) {
        /* an empty line (no fields at all) is skipped */
        if (s[pos] == '\n' || s[pos] == '\r') {
            if (s[pos] == '\r' && pos + 1 < len && s[pos + 1] == '\n')
                pos++;
            pos++;
            line++;
            continue;
        }
        size_t record_line = line, nfield = 0;
        if (have_header && (st = add_row(b, record_line, err)))
            goto out;
        for (;;) {
            size_t field_start = pos;
            vlit_buf_clear(&field);
            if (pos < len && s[pos] == '"') {
                size_t open_line = line;
                pos++;
                for (;;) {
                    if (pos >= len) {
                        size_t l, c;
                        line_col(s, field_start, &l, &c);
                        st = vlit_err(err, VLIT_ERR_PARSE,
                                      "%s: line %zu, column %zu: quoted field never closed (a '\"' is missing)",
                                      b->name, open_line, c);
                        goto out;
                    }
                    char ch = s[pos];
                    if (ch == '"') {
                        if (pos + 1 < len && s[pos + 1] == '"') {
                            if (vlit_buf_putc(&field, '"'))
                                goto toolong;
                            pos += 2;
                            continue;
                        }
                        pos++;
                        break;
                    }
                    if (ch == '\n' || (ch == '\r' && !(pos + 1 < len && s[pos + 1] == '\n')))
                        line++;
                    if (vlit_buf_putc(&field, ch))
                        goto toolong;
                    pos++;
                }
                if (pos < len && s[pos] != ',' && s[pos] != '\n' && s[pos] != '\r') {
                    size_t l, c;
                    line_col(s, pos, &l, &c);
                    st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu, column %zu: text after the closing quote of field %zu",
                                  b->name, l, c, nfield + 1);
                    goto out;
                }
            } else {
                while (pos < len && s[pos] != ',' && s[pos] != '\n' && s[pos] != '\r') {
                    if (s[pos] == '"') {
                        size_t l, c;
                        line_col(s, pos, &l, &c);
                        st = vlit_err(err, VLIT_ERR_PARSE,
                                      "%s: line %zu, column %zu: quote inside an unquoted field %zu (quote the whole "
                                      "field and double the quote)",
                                      b->name, l, c, nfield + 1);
                        goto out;
                    }
                    pos++;
                }
                if (vlit_buf_append(&field, s + field_start, pos - field_start))
                    goto toolong;
            }
            /* the field is complete */
            if (!have_header) {
                if (field.len == 0) {
                    st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: column %zu of the header row has no name", b->name,
                                  record_line, nfield + 1);
                    goto out;
                }
                size_t idx;
                int dup;
                if ((st = add_column(b, field.data, field.len, &idx, &dup, err)))
                    goto out;
                if (dup) {
                    st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: column name '%.200s' appears twice in the header",
                                  b->name, record_line, field.data);
                    goto out;
                }
            } else {
                if (nfield >= b->cols) {
                    st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: more than the header's %zu fields", b->name,
                                  record_line, b->cols);
                    goto out;
                }
                size_t off;
                if ((st = add_text(b, field.data ? field.data : "", field.len, &off, err)) ||
                    (st = add_cell(b, b->rows - 1, nfield, off, err)))
                    goto out;
            }
            nfield++;
            if (pos < len && s[pos] == ',') {
                pos++;
                continue;
            }
            /* end of record */
            if (pos < len) {
                if (s[pos] == '\r' && pos + 1 < len && s[pos + 1] == '\n')
                    pos++;
                pos++;
                line++;
            }
            break;
        }
        if (!have_header) {
            have_header = 1;
        } else if (nfield != b->cols) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: %zu field%s where the header has %zu", b->name,
                          record_line, nfield, nfield == 1 ? "" : "s", b->cols);
            goto out;
        }
    }
    if (!have_header)
        st = vlit_err(err, VLIT_ERR_DATA, "%s: empty file: a header row is needed", b->name);
out:
    vlit_buf_free(&field);
    return st;
toolong:
    vlit_buf_free(&field);
    return vlit_err(err, VLIT_ERR_LIMIT, "%s: line %zu: a field too long to hold", b->name, line);
}

/* ---- JSON --------------------------------------------------------------- */

static vlit_status parse_json(builder *b, const char *s, size_t len, vlit_error *err)
{
    vj_stream_params p = {0};
    vj_stream *js = NULL;
    vlit_status st = vj_stream_open_mem(s, len, b->name, &p, &js, err);
    if (st)
        return st;
    vj_elem e;
    while ((st = vj_stream_next(js, &e, err)) == VLIT_OK) {
        const vj *v = e.value;
        if (v->type != VJ_OBJECT) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: element %zu (byte %llu): %s where a row object is expected",
                          b->name, e.index, (unsigned long long)e.offset, vj_type_name(v->type));
            break;
        }
        size_t row = b->rows;
        if ((st = add_row(b, e.index, err)))
            break;
        size_t first_cell = b->ncells;
        for (size_t i = 0; i < v->len && !st; i++) {
            const char *key = v->keys[i];
            const vj *x = v->items[i];
            size_t klen = strlen(key);
            if (klen == 0) {
                st = vlit_err(err, VLIT_ERR_DATA, "%s: element %zu: an empty key names no column", b->name, e.index);
                break;
            }
            size_t col;
            int dup;
            if ((st = add_column(b, key, klen, &col, &dup, err)))
                break;
            for (size_t j = first_cell; j < b->ncells; j++)
                if (b->cells[j].col == col) {
                    st = vlit_err(err, VLIT_ERR_DATA, "%s: element %zu: key '%.200s' appears twice", b->name, e.index,
                                  key);
                    break;
                }
            if (st)
                break;
            const char *text = NULL;
            switch (x->type) {
            case VJ_NULL: break; /* missing */
            case VJ_TRUE: text = "true"; break;
            case VJ_FALSE: text = "false"; break;
            case VJ_NUMBER: text = x->str; break;
            case VJ_STRING:
                if (!vj_is_text(x)) {
                    st = vlit_err(err, VLIT_ERR_DATA, "%s: element %zu, key '%.200s': string holds a NUL character",
                                  b->name, e.index, key);
                    break;
                }
                text = x->str;
                break;
            default:
                st = vlit_err(err, VLIT_ERR_DATA,
                              "%s: element %zu, key '%.200s': %s value; a table row holds only strings, numbers, "
                              "booleans and null",
                              b->name, e.index, key, vj_type_name(x->type));
                break;
            }
            if (st || !text)
                continue;
            size_t off;
            if ((st = add_text(b, text, strlen(text), &off, err)) || (st = add_cell(b, row, col, off, err)))
                break;
        }
        if (st)
            break;
    }
    vj_stream_close(js);
    if (st == VLIT_END)
        st = VLIT_OK;
    return st;
}

/* ---- entry points ------------------------------------------------------- */

static vlit_status check_text(const char *name, const char *s, size_t len, vlit_error *err)
{
    const char *nul = memchr(s, '\0', len);
    size_t bad = 0;
    int valid = vlit_utf8_valid(s, len, &bad);
    if (!nul && valid)
        return VLIT_OK;
    size_t at = nul ? (size_t)(nul - s) : bad;
    if (!valid && nul && bad < at)
        at = bad;
    size_t line, col;
    line_col(s, at, &line, &col);
    return vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu, column %zu (byte %zu): %s", name, line, col, at,
                    s[at] == '\0' ? "NUL byte in text" : "not valid UTF-8");
}

vlit_status vlit_table_parse(const char *data, size_t len, const char *name, vlit_table_format format,
                             vlit_table *out, vlit_error *err)
{
    if (!out || (!data && len))
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_table_parse: no table or no data");
    memset(out, 0, sizeof *out);
    if (!name)
        name = "table";
    if (len > MAX_TABLE_BYTES)
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: %zu bytes; tables above %zu MiB are refused", name, len,
                        MAX_TABLE_BYTES >> 20);
    if (!data)
        data = "";
    size_t skip = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        skip = 3; /* a UTF-8 byte-order mark */
    if (format == VLIT_TABLE_AUTO) {
        size_t i = skip;
        while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
            i++;
        format = i < len && data[i] == '[' ? VLIT_TABLE_JSON : VLIT_TABLE_CSV;
    }
    if (format != VLIT_TABLE_CSV && format != VLIT_TABLE_JSON)
        return vlit_err(err, VLIT_ERR_USAGE, "%s: unknown table format %d", name, (int)format);
    builder b = {0};
    b.name = name;
    vlit_strmap_init(&b.names);
    vlit_status st;
    if (format == VLIT_TABLE_CSV) {
        st = check_text(name, data + skip, len - skip, err);
        if (!st)
            st = parse_csv(&b, data + skip, len - skip, err);
    } else {
        st = parse_json(&b, data + skip, len - skip, err);
    }
    if (!st)
        st = finish(&b, format == VLIT_TABLE_JSON, out, err);
    builder_free(&b);
    return st;
}

vlit_status vlit_table_read(const char *path, vlit_table_format format, vlit_table *out, vlit_error *err)
{
    if (!path || !out)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_table_read: no path or no table");
    memset(out, 0, sizeof *out);
    int is_stdin = strcmp(path, "-") == 0;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    vlit_buf data = VLIT_BUF_INIT;
    data.max = MAX_TABLE_BYTES + 1;
    char chunk[65536];
    size_t n;
    vlit_status st = VLIT_OK;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (vlit_buf_append(&data, chunk, n)) {
            st = vlit_err(err, VLIT_ERR_LIMIT, "%s: tables above %zu MiB are refused", path, MAX_TABLE_BYTES >> 20);
            break;
        }
    }
    if (!st && ferror(fp))
        st = vlit_err(err, VLIT_ERR_IO, "%s: read failed: %s", path, strerror(errno));
    if (!is_stdin)
        fclose(fp);
    if (!st)
        st = vlit_table_parse(data.data, data.len, is_stdin ? "(stdin)" : path, format, out, err);
    vlit_buf_free(&data);
    return st;
}

/* ---- shared by icc.c and corr.c ----------------------------------------- */

char *st_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

const char *st_where(const vlit_table *t, size_t row, char *buf, size_t cap)
{
    snprintf(buf, cap, t->json ? "element %zu" : "line %zu", t->record[row]);
    return buf;
}

static const char *trim(const char *s, size_t *len)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *len = n;
    return s;
}

int st_is_missing(const char *s)
{
    if (!s)
        return 1;
    size_t n;
    s = trim(s, &n);
    static const char *const words[] = {"", "NA", "N/A", "NaN", "nan", "null", "None"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && strncmp(s, words[i], n) == 0)
            return 1;
    return 0;
}

int st_parse_number(const char *s, double *out)
{
    if (!s)
        return 0;
    size_t n;
    s = trim(s, &n);
    if (n == 0 || n > 400)
        return 0;
    char buf[408];
    memcpy(buf, s, n);
    buf[n] = '\0';
    const char *q = buf;
    if (*q == '+' || *q == '-')
        q++;
    if (!((*q >= '0' && *q <= '9') || *q == '.'))
        return 0; /* inf, nan, words */
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
        return 0; /* no hex */
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

vlit_status st_numeric_columns(const vlit_table *t, const long *skip, size_t nskip, size_t **cols, size_t *ncols,
                               vlit_error *err)
{
    *cols = NULL;
    *ncols = 0;
    size_t *list = malloc((t->cols ? t->cols : 1) * sizeof *list);
    if (!list)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", t->name);
    size_t k = 0;
    for (size_t c = 0; c < t->cols; c++) {
        int skipped = 0;
        for (size_t i = 0; i < nskip; i++)
            if (skip[i] >= 0 && (size_t)skip[i] == c)
                skipped = 1;
        if (skipped)
            continue;
        size_t first_number = SIZE_MAX, first_text = SIZE_MAX;
        for (size_t r = 0; r < t->rows; r++) {
            const char *s = t->cell[r * t->cols + c];
            double v;
            if (st_is_missing(s))
                continue;
            if (st_parse_number(s, &v)) {
                if (first_number == SIZE_MAX)
                    first_number = r;
            } else if (first_text == SIZE_MAX) {
                first_text = r;
            }
        }
        if (first_number == SIZE_MAX)
            continue; /* a text column: labels, notes */
        if (first_text != SIZE_MAX) {
            char w1[64], w2[64];
            vlit_status st = vlit_err(err, VLIT_ERR_DATA,
                                      "%s: %s, column '%.200s': '%.100s' is not a number, but the column holds "
                                      "numbers (%s)",
                                      t->name, st_where(t, first_text, w1, sizeof w1), t->header[c],
                                      t->cell[first_text * t->cols + c], st_where(t, first_number, w2, sizeof w2));
            free(list);
            return st;
        }
        list[k++] = c;
    }
    *cols = list;
    *ncols = k;
    return VLIT_OK;
}

vlit_status st_number(const vlit_table *t, size_t r, size_t c, double *out, vlit_error *err)
{
    const char *s = t->cell[r * t->cols + c];
    if (st_parse_number(s, out))
        return VLIT_OK;
    char w[64];
    if (st_is_missing(s))
        return vlit_err(err, VLIT_ERR_DATA, "%s: %s, column '%.200s': missing value%s%s%s", t->name,
                        st_where(t, r, w, sizeof w), t->header[c], s ? " ('" : "", s ? s : "", s ? "')" : "");
    return vlit_err(err, VLIT_ERR_DATA, "%s: %s, column '%.200s': '%.100s' is not a number", t->name,
                    st_where(t, r, w, sizeof w), t->header[c], s);
}
