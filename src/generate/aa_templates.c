#include "aa_templates.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/expand.h"
#include "../base/lines.h"
#include "../base/utf8.h"

static const char *const names[AS_COUNT] = {
    "detail.instructions",   "brief.instructions",     "vqa.answers",            "vqa.answers.yes",
    "vqa.answers.no",        "counting.instructions",  "counting.answers.one",   "counting.answers.many",
    "existence.instructions", "existence.answers",     "negative.answers",       "attribute.instructions",
    "attribute.answers",     "location.instructions",  "location.answers",       "region.instructions",
    "region.answers",        "ocr.instructions",       "ocr.answers",            "vqa.derived.instructions",
    "vqa.derived.answers",   "vqa.derived.groups",     "attribute.colour.instructions", "attribute.colours",
};

static const char *const placeholders[] = {"name",  "a_name", "A_name",     "plural", "count",   "box",
                                           "where", "text",   "attributes", "answer", "caption", "group", NULL};

static vlit_status add_line(aa_templates *t, int s, const char *text, size_t len)
{
    char **grown = realloc(t->lines[s], (t->n[s] + 1) * sizeof *grown);
    if (!grown)
        return VLIT_ERR_NOMEM;
    t->lines[s] = grown;
    if (!(grown[t->n[s]] = malloc(len + 1)))
        return VLIT_ERR_NOMEM;
    memcpy(grown[t->n[s]], text, len);
    grown[t->n[s]][len] = '\0';
    t->n[s]++;
    return VLIT_OK;
}

vlit_status aa_templates_load(const char *path, aa_templates **out, vlit_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open templates: %s", path, strerror(errno));
    aa_templates *t = calloc(1, sizeof *t);
    vlit_lines l;
    vlit_status st = t ? vlit_lines_init(&l, fp, path, 64 * 1024, err) : vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (st) {
        free(t);
        fclose(fp);
        return st;
    }
    int cur = -1;
    while (!st && (st = vlit_lines_next(&l, err)) == VLIT_OK) {
        const char *s = l.line.data;
        size_t n = l.line.len, bad;
        if (!vlit_utf8_valid(s, n, &bad)) {
            st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: not valid UTF-8 at byte %zu", path, l.lineno, bad);
            break;
        }
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n == 0 || s[0] == '#')
            continue;
        if (s[0] == '[' && s[n - 1] == ']') {
            cur = -1;
            for (int k = 0; k < AS_COUNT; k++)
                if (strlen(names[k]) == n - 2 && memcmp(names[k], s + 1, n - 2) == 0)
                    cur = k;
            if (cur < 0)
                st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: unknown section %.*s", path, l.lineno, (int)n, s);
            else if (t->n[cur])
                st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: section %.*s given twice", path, l.lineno, (int)n, s);
            continue;
        }
        if (cur < 0) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: text before the first [section]", path, l.lineno);
            break;
        }
        char why[160];
        l.line.data[n] = '\0';
        if (!vlit_expand_check(s, placeholders, why, sizeof why)) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: %s", path, l.lineno, why);
            break;
        }
        if (add_line(t, cur, s, n))
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    if (st == VLIT_END) {
        st = VLIT_OK;
        for (int k = 0; k < AS_COUNT && !st; k++)
            if (!t->n[k])
                st = vlit_err(err, VLIT_ERR_DATA, "%s: section [%s] is missing or empty", path, names[k]);
    }
    vlit_lines_free(&l);
    fclose(fp);
    if (st) {
        aa_templates_free(t);
        return st;
    }
    *out = t;
    return VLIT_OK;
}

void aa_templates_free(aa_templates *t)
{
    if (!t)
        return;
    for (int k = 0; k < AS_COUNT; k++) {
        for (size_t i = 0; i < t->n[k]; i++)
            free(t->lines[k][i]);
        free(t->lines[k]);
    }
    free(t);
}
