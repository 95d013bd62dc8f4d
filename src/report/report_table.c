/* The terminal table (the paper's Table 3: one row per indicator with its
 * principle and method, one column per dataset), made from the report JSON so
 * that table, JSON and HTML always show the same numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/json.h"
#include "report_internal.h"

#include "report_html.h"

static const char *text_of(const vj *o, const char *key)
{
    vj *v = vj_get(o, key);
    return v && vj_is_text(v) ? v->str : "";
}

static void fmt_value(const vj *ind, char *out, size_t cap)
{
    double v;
    if (!vj_number(vj_get(ind, "value"), &v)) {
        snprintf(out, cap, "n/a");
        return;
    }
    if (fabs(v - nearbyint(v)) < 1e-9 && fabs(v) < 1e15)
        snprintf(out, cap, "%.0f", v);
    else if (fabs(v) >= 1000)
        snprintf(out, cap, "%.1f", v);
    else
        snprintf(out, cap, "%.4g", v);
}

/* Display width of UTF-8 text: code points. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static vlit_status pad(vlit_buf *b, const char *s, size_t w, int right)
{
    size_t n = width(s);
    vlit_status st = VLIT_OK;
    if (right)
        for (size_t i = n; i < w && !st; i++)
            st = vlit_buf_putc(b, ' ');
    if (!st)
        st = vlit_buf_puts(b, s);
    if (!right)
        for (size_t i = n; i < w && !st; i++)
            st = vlit_buf_putc(b, ' ');
    return st;
}

#define TRY(x)                                                                                                         \
    do {                                                                                                               \
        if ((st = (x)))                                                                                                \
            goto out;                                                                                                  \
    } while (0)

vlit_status rp_render_table(const char *json, size_t len, vlit_buf *b, vlit_error *err)
{
    vlit_arena a;
    vlit_arena_init(&a, 0);
    vj *doc;
    vlit_error e = {0};
    vlit_status st = VLIT_OK;
    char **cells = NULL;
    if (vj_parse(json, len, NULL, &a, &doc, &e)) {
        vlit_arena_free(&a);
        return vlit_err(err, VLIT_ERR_PARSE, "report JSON: %s", e.message);
    }
    vj *ds = vj_get(doc, "datasets");
    if (!ds || ds->type != VJ_ARRAY || ds->len == 0) {
        vlit_arena_free(&a);
        return vlit_err(err, VLIT_ERR_DATA, "report JSON: no datasets");
    }
    size_t nd = ds->len;
    /* rows: the keys of the first dataset's indicators, then any others */
    const char *keys[64];
    const vj *rowref[64];
    size_t nrows = 0;
    for (size_t d = 0; d < nd; d++) {
        vj *inds = vj_get(ds->items[d], "indicators");
        for (size_t i = 0; inds && inds->type == VJ_ARRAY && i < inds->len; i++) {
            const char *k = text_of(inds->items[i], "key");
            size_t r = 0;
            while (r < nrows && strcmp(keys[r], k))
                r++;
            if (r == nrows && nrows < 64) {
                keys[nrows] = k;
                rowref[nrows++] = inds->items[i];
            }
        }
    }
    /* cells[r * (nd + 3) + c]: title, principle, method, then one per dataset */
    size_t ncol = nd + 3;
    cells = calloc((nrows + 1) * ncol, sizeof *cells);
    vlit_buf notes = VLIT_BUF_INIT;
    if (!cells) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    cells[0] = strdup("indicator");
    cells[1] = strdup("P");
    cells[2] = strdup("method");
    for (size_t d = 0; d < nd; d++)
        cells[3 + d] = strdup(text_of(ds->items[d], "name"));
    int nnote = 0;
    for (size_t r = 0; r < nrows; r++) {
        char buf[1024];
        char **row = cells + (r + 1) * ncol;
        row[0] = strdup(text_of(rowref[r], "title"));
        double p = 0;
        vj_number(vj_get(rowref[r], "principle"), &p);
        snprintf(buf, sizeof buf, "%.0f", p);
        row[1] = strdup(buf);
        vlit_buf methods = VLIT_BUF_INIT;
        for (size_t d = 0; d < nd; d++) {
            vj *inds = vj_get(ds->items[d], "indicators");
            const vj *ind = NULL;
            for (size_t i = 0; inds && inds->type == VJ_ARRAY && i < inds->len; i++)
                if (strcmp(text_of(inds->items[i], "key"), keys[r]) == 0)
                    ind = inds->items[i];
            if (!ind) {
                row[3 + d] = strdup("-");
                continue;
            }
            const char *m = text_of(ind, "method");
            if (!strstr(methods.data ? methods.data : "", m)) {
                if (methods.len)
                    vlit_buf_puts(&methods, " | ");
                vlit_buf_puts(&methods, m);
            }
            fmt_value(ind, buf, sizeof buf);
            vj *miss = vj_get(ind, "missing");
            if (miss && vj_is_text(miss) && !vj_number(vj_get(ind, "value"), &p)) {
                nnote++;
                size_t l = strlen(buf);
                snprintf(buf + l, sizeof buf - l, " [%d]", nnote);
                vlit_buf_printf(&notes, "[%d] %s, %s: %s\n", nnote, text_of(ds->items[d], "name"),
                                text_of(ind, "title"), miss->str);
            }
            row[3 + d] = strdup(buf);
        }
        row[2] = strdup(methods.data ? methods.data : "");
        vlit_buf_free(&methods);
    }
    for (size_t i = 0; i < (nrows + 1) * ncol; i++)
        if (!cells[i]) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            goto out;
        }
    size_t *w = calloc(ncol, sizeof *w);
    if (!w) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t r = 0; r <= nrows; r++)
        for (size_t c = 0; c < ncol; c++)
            if (width(cells[r * ncol + c]) > w[c])
                w[c] = width(cells[r * ncol + c]);
    for (size_t r = 0; r <= nrows && !st; r++) {
        for (size_t c = 0; c < ncol && !st; c++) {
            if (c)
                st = vlit_buf_puts(b, "  ");
            if (!st)
                st = pad(b, cells[r * ncol + c], w[c], c == 1 || c >= 3);
        }
        if (!st)
            st = vlit_buf_putc(b, '\n');
        if (!st && r == 0) {
            size_t total = 0;
            for (size_t c = 0; c < ncol; c++)
                total += w[c] + (c ? 2 : 0);
            for (size_t i = 0; i < total && !st; i++)
                st = vlit_buf_putc(b, '-');
            if (!st)
                st = vlit_buf_putc(b, '\n');
        }
    }
    free(w);
    /* samples per dataset, then the task shares */
    for (size_t d = 0; d < nd && !st; d++) {
        double n = 0, eq = 0;
        vj_number(vj_get(ds->items[d], "samples"), &n);
        int equal = vj_number(vj_get(ds->items[d], "equalized_to"), &eq);
        st = vlit_buf_printf(b, "%s%s: %.0f samples%s", d ? "; " : "\n", text_of(ds->items[d], "name"), n,
                             equal ? " (equalized)" : "");
        vj *sh = vj_get(ds->items[d], "task_shares");
        if (!st && sh && sh->type == VJ_ARRAY && sh->len) {
            st = vlit_buf_puts(b, ", tasks");
            for (size_t i = 0; i < sh->len && !st; i++) {
                double s = 0;
                vj_number(vj_get(sh->items[i], "share"), &s);
                st = vlit_buf_printf(b, "%s %s %.1f%%", i ? "," : "", text_of(sh->items[i], "task"), s);
            }
        }
    }
    if (!st)
        st = vlit_buf_putc(b, '\n');
    if (!st && notes.len)
        st = vlit_buf_printf(b, "\n%s", notes.data);
    if (st && err && !err->message[0])
        vlit_err(err, st, "out of memory");
out:
    if (cells)
        for (size_t i = 0; i < (nrows + 1) * ncol; i++)
            free(cells[i]);
    free(cells);
    vlit_buf_free(&notes);
    vlit_arena_free(&a);
    return st;
}

vlit_status vlit_report_render(const char *json, size_t len, vlit_report_format fmt, char **out, size_t *out_len,
                               vlit_error *err)
{
    *out = NULL;
    *out_len = 0;
    vlit_buf b = VLIT_BUF_INIT;
    vlit_status st;
    if (fmt == VLIT_REPORT_TABLE) {
        st = rp_render_table(json, len, &b, err);
    } else if (fmt == VLIT_REPORT_JSON) {
        st = vlit_buf_append(&b, json, len);
        if (st)
            vlit_err(err, st, "out of memory");
    } else if (fmt == VLIT_REPORT_HTML) {
        char *html = NULL;
        size_t hl = 0;
        st = vlit_report_html_mem(json, len, &html, &hl, err);
        if (!st) {
            *out = html;
            *out_len = hl;
            return VLIT_OK;
        }
    } else {
        st = vlit_err(err, VLIT_ERR_USAGE, "unknown report format %d", (int)fmt);
    }
    if (st) {
        vlit_buf_free(&b);
        return st;
    }
    if (!b.data && vlit_buf_putc(&b, 0) == VLIT_OK)
        b.len = 0;
    *out = b.data;
    *out_len = b.len;
    return VLIT_OK;
}
