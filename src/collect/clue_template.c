#include "clue_template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/expand.h"
#include "../base/utf8.h"

#define MAX_TEMPLATE (1u << 20)

static const char *const names[CS_COUNT] = {
    "header",     "captions.title", "caption",          "objects.title", "object",
    "boxes.title", "box",           "attributes.title", "attribute",     "people",
    "qa.title",   "qa",             "ocr.title",        "ocr",           "footer",
};

static const char *const f_header[] = {"id", "image", "width", "height", NULL};
static const char *const f_caption[] = {"text", NULL};
static const char *const f_object[] = {"count", "name", NULL};
static const char *const f_box[] = {"name", "box", NULL};
static const char *const f_attribute[] = {"name", "attributes", NULL};
static const char *const f_people[] = {"people", "people_visible", NULL};
static const char *const f_qa[] = {"question", "answer", "votes", "total", NULL};
static const char *const f_ocr[] = {"text", "box", NULL};
static const char *const f_none[] = {NULL};

const char *clue_section_name(int s) { return s >= 0 && s < CS_COUNT ? names[s] : "?"; }

const char *const *clue_section_fields(int s)
{
    switch (s) {
    case CS_HEADER:
    case CS_FOOTER: return f_header;
    case CS_CAPTION: return f_caption;
    case CS_OBJECT: return f_object;
    case CS_BOX: return f_box;
    case CS_ATTRIBUTE: return f_attribute;
    case CS_PEOPLE: return f_people;
    case CS_QA: return f_qa;
    case CS_OCR: return f_ocr;
    default: return f_none;
    }
}

/* Every {name} in text must be a field of section s. */
static vlit_status check_fields(const char *path, size_t line, int s, const char *text, vlit_error *err)
{
    char why[160];
    if (vlit_expand_check(text, clue_section_fields(s), why, sizeof why))
        return VLIT_OK;
    return vlit_err(err, VLIT_ERR_DATA, "%s: section [%s] (from line %zu): %s", path, names[s], line, why);
}

static vlit_status finish(vlit_clue_template *t, const char *path, int s, size_t line, vlit_buf *body,
                          vlit_error *err)
{
    if (s < 0)
        return VLIT_OK;
    if (!(t->text[s] = strdup(body->data ? body->data : "")))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    t->order[t->n_order++] = s;
    return check_fields(path, line, s, t->text[s], err);
}

vlit_status vlit_clue_template_load(const char *path, vlit_clue_template **out, vlit_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open template: %s", path, strerror(errno));
    vlit_buf all = VLIT_BUF_INIT;
    all.max = MAX_TEMPLATE;
    char chunk[8192];
    size_t n;
    vlit_status st = VLIT_OK;
    while (!st && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        st = vlit_buf_append(&all, chunk, n);
    fclose(fp);
    if (st) {
        vlit_buf_free(&all);
        return vlit_err(err, st, "%s: template larger than %u bytes", path, MAX_TEMPLATE);
    }
    size_t bad;
    if (all.len && !vlit_utf8_valid(all.data, all.len, &bad)) {
        vlit_buf_free(&all);
        return vlit_err(err, VLIT_ERR_PARSE, "%s: byte %zu: not valid UTF-8", path, bad);
    }
    vlit_clue_template *t = calloc(1, sizeof *t);
    if (!t) {
        vlit_buf_free(&all);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    vlit_buf body = VLIT_BUF_INIT;
    int cur = -1;
    size_t cur_line = 0, lineno = 0;
    const char *p = all.data ? all.data : "";
    while (*p && !st) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        if (len && p[0] == '#') {
            /* comment */
        } else if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
            if ((st = finish(t, path, cur, cur_line, &body, err)))
                break;
            vlit_buf_clear(&body);
            cur = -1;
            for (int s = 0; s < CS_COUNT; s++)
                if (strlen(names[s]) == len - 2 && memcmp(names[s], p + 1, len - 2) == 0)
                    cur = s;
            if (cur < 0) {
                st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: unknown section %.*s", path, lineno, (int)len, p);
                break;
            }
            if (t->text[cur]) {
                st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: section [%s] given twice", path, lineno, names[cur]);
                break;
            }
            cur_line = lineno;
        } else if (cur >= 0) {
            st = vlit_buf_append(&body, p, len);
            if (!st)
                st = vlit_buf_putc(&body, '\n');
            if (st)
                st = vlit_err(err, st, "%s: %s", path, vlit_status_str(st));
        } else if (strspn(p, " \t\r") < len) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: text before the first [section]", path, lineno);
        }
        p = nl ? nl + 1 : p + len;
    }
    if (!st)
        st = finish(t, path, cur, cur_line, &body, err);
    vlit_buf_free(&body);
    vlit_buf_free(&all);
    if (st) {
        vlit_clue_template_free(t);
        return st;
    }
    *out = t;
    return VLIT_OK;
}

void vlit_clue_template_free(vlit_clue_template *t)
{
    if (!t)
        return;
    for (int i = 0; i < CS_COUNT; i++)
        free(t->text[i]);
    free(t);
}
