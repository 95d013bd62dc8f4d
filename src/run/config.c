/* The config file of `vlit run` (vlit/run.h, docs/run.md): an INI-like text
 * read line by line into (section, key, value) entries in file order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlit/run.h"

#include "../base/err.h"
#include "../base/utf8.h"

#define CONFIG_MAX_BYTES (1u << 20)
#define CONFIG_MAX_NAME 64

typedef struct entry {
    char *section, *key, *value;
    size_t line;
} entry;

struct vlit_config {
    entry *e;
    size_t n, cap;
    char **sections; /* every section named, even empty ones */
    size_t *section_lines;
    size_t n_sections, cap_sections;
    vlit_config_entry view; /* filled by vlit_config_entry_at */
};

static char *dup_range(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

static int is_name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

static int add_section(vlit_config *c, const char *name, size_t len, size_t line)
{
    for (size_t i = 0; i < c->n_sections; i++)
        if (strlen(c->sections[i]) == len && memcmp(c->sections[i], name, len) == 0)
            return 0;
    if (c->n_sections == c->cap_sections) {
        size_t cap = c->cap_sections ? 2 * c->cap_sections : 8;
        char **s = realloc(c->sections, cap * sizeof *s);
        if (!s)
            return -1;
        c->sections = s;
        size_t *l = realloc(c->section_lines, cap * sizeof *l);
        if (!l)
            return -1;
        c->section_lines = l;
        c->cap_sections = cap;
    }
    if (!(c->sections[c->n_sections] = dup_range(name, len)))
        return -1;
    c->section_lines[c->n_sections] = line;
    c->n_sections++;
    return 0;
}

static int add_entry(vlit_config *c, const char *section, const char *key, size_t klen, const char *value,
                     size_t vlen, size_t line)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        entry *e = realloc(c->e, cap * sizeof *e);
        if (!e)
            return -1;
        c->e = e;
        c->cap = cap;
    }
    entry *e = &c->e[c->n];
    e->section = dup_range(section, strlen(section));
    e->key = dup_range(key, klen);
    e->value = dup_range(value, vlen);
    e->line = line;
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        return -1;
    }
    c->n++;
    return 0;
}

/* A quoted value: s points after the opening quote; writes the unescaped text
 * to out (at most end - s bytes) and returns the length, or -1 with *why. */
static long unquote(const char *s, const char *end, char *out, const char **rest, const char **why)
{
    size_t n = 0;
    while (s < end) {
        char ch = *s++;
        if (ch == '"') {
            *rest = s;
            return (long)n;
        }
        if (ch == '\\') {
            if (s == end || (*s != '"' && *s != '\\')) {
                *why = "in a quoted value, a backslash must be followed by \" or \\";
                return -1;
            }
            ch = *s++;
        }
        out[n++] = ch;
    }
    *why = "a quoted value has no closing quote";
    return -1;
}

void vlit_config_free(vlit_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].section);
        free(c->e[i].key);
        free(c->e[i].value);
    }
    for (size_t i = 0; i < c->n_sections; i++)
        free(c->sections[i]);
    free(c->sections);
    free(c->section_lines);
    free(c->e);
    free(c);
}

vlit_status vlit_config_parse(const char *text, size_t len, const char *name, vlit_config **out, vlit_error *err)
{
    *out = NULL;
    if (!name)
        name = "config";
    if (len > CONFIG_MAX_BYTES)
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: %zu bytes, more than a config file may hold (%u)", name, len,
                        CONFIG_MAX_BYTES);
    size_t bad;
    if (!vlit_utf8_valid(text, len, &bad)) {
        size_t line = 1;
        for (size_t i = 0; i < bad; i++)
            line += text[i] == '\n';
        return vlit_err(err, VLIT_ERR_PARSE, "%s:%zu: not valid UTF-8 (byte offset %zu)", name, line, bad);
    }
    vlit_config *c = calloc(1, sizeof *c);
    char *scratch = malloc(len + 1);
    if (!c || !scratch) {
        free(c);
        free(scratch);
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", name);
    }
    char section[CONFIG_MAX_NAME + 1] = "";
    size_t line = 0;
    const char *p = text, *end = text + len;
    vlit_status st = VLIT_OK;
    while (p < end && st == VLIT_OK) {
        line++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        size_t line_len = (size_t)(eol - p);
        const char *s = p, *e = eol;
        p = eol < end ? eol + 1 : end;
        if (memchr(s, '\0', line_len)) {
            st = vlit_err(err, VLIT_ERR_PARSE, "%s:%zu: a NUL byte", name, line);
            break;
        }
        if (e > s && e[-1] == '\r')
            e--;
        while (s < e && is_space(*s))
            s++;
        while (e > s && is_space(e[-1]))
            e--;
        if (s == e || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            const char *q = s + 1;
            while (q < e && is_space(*q))
                q++;
            const char *n0 = q;
            while (q < e && is_name_char(*q))
                q++;
            size_t nlen = (size_t)(q - n0);
            while (q < e && is_space(*q))
                q++;
            if (q == e || *q != ']' || q + 1 != e) {
                st = vlit_err(err, VLIT_ERR_PARSE, "%s:%zu: a section header is [name], alone on its line", name,
                              line);
            } else if (nlen == 0 || nlen > CONFIG_MAX_NAME) {
                st = vlit_err(err, VLIT_ERR_PARSE,
                              "%s:%zu: a section name is 1 to %d of a-z, 0-9, '-', '_'", name, line,
                              CONFIG_MAX_NAME);
            } else {
                memcpy(section, n0, nlen);
                section[nlen] = '\0';
                if (add_section(c, section, nlen, line) != 0)
                    st = vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", name);
            }
            continue;
        }
        const char *k0 = s, *q = s;
        while (q < e && is_name_char(*q))
            q++;
        size_t klen = (size_t)(q - k0);
        while (q < e && is_space(*q))
            q++;
        if (klen == 0 || q == e || *q != '=') {
            st = vlit_err(err, VLIT_ERR_PARSE,
                          "%s:%zu: expected 'key = value' (keys are a-z, 0-9, '-', '_'), a [section] or a comment",
                          name, line);
            break;
        }
        if (klen > CONFIG_MAX_NAME) {
            st = vlit_err(err, VLIT_ERR_PARSE, "%s:%zu: a key of more than %d characters", name, line,
                          CONFIG_MAX_NAME);
            break;
        }
        if (!section[0]) {
            st = vlit_err(err, VLIT_ERR_PARSE, "%s:%zu: '%.*s' comes before any [section]", name, line, (int)klen,
                          k0);
            break;
        }
        q++;
        while (q < e && is_space(*q))
            q++;
        const char *value = q;
        size_t vlen = (size_t)(e - q);
        if (vlen == 0) {
            st = vlit_err(err, VLIT_ERR_PARSE, "%s:%zu: '%.*s' has no value (a switch is 'key = true')", name, line,
                          (int)klen, k0);
            break;
        }
        if (*q == '"') {
            const char *why = NULL, *rest = NULL;
            long n = unquote(q + 1, e, scratch, &rest, &why);
            if (n >= 0 && rest != e)
                why = "text after the closing quote", n = -1;
            if (n < 0) {
                st = vlit_err(err, VLIT_ERR_PARSE, "%s:%zu: %s", name, line, why);
                break;
            }
            value = scratch;
            vlen = (size_t)n;
        }
        if (add_entry(c, section, k0, klen, value, vlen, line) != 0)
            st = vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", name);
    }
    free(scratch);
    if (st != VLIT_OK) {
        vlit_config_free(c);
        return st;
    }
    *out = c;
    return VLIT_OK;
}

vlit_status vlit_config_read(const char *path, vlit_config **out, vlit_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc(CONFIG_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    vlit_status st;
    if (bad)
        st = vlit_err(err, VLIT_ERR_IO, "%s: read error", path);
    else
        st = vlit_config_parse(buf, n, path, out, err);
    free(buf);
    return st;
}

size_t vlit_config_count(const vlit_config *c)
{
    return c ? c->n : 0;
}

const vlit_config_entry *vlit_config_entry_at(const vlit_config *c, size_t i)
{
    if (!c || i >= c->n)
        return NULL;
    vlit_config *m = (vlit_config *)c;
    m->view.section = c->e[i].section;
    m->view.key = c->e[i].key;
    m->view.value = c->e[i].value;
    m->view.line = c->e[i].line;
    return &m->view;
}

int vlit_config_has_section(const vlit_config *c, const char *section)
{
    for (size_t i = 0; c && i < c->n_sections; i++)
        if (strcmp(c->sections[i], section) == 0)
            return 1;
    return 0;
}

size_t vlit_config_section_count(const vlit_config *c)
{
    return c ? c->n_sections : 0;
}

const char *vlit_config_section_at(const vlit_config *c, size_t i, size_t *line)
{
    if (!c || i >= c->n_sections)
        return NULL;
    if (line)
        *line = c->section_lines[i];
    return c->sections[i];
}

const char *vlit_config_get(const vlit_config *c, const char *section, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; c && i < c->n; i++)
        if (strcmp(c->e[i].section, section) == 0 && strcmp(c->e[i].key, key) == 0)
            v = c->e[i].value;
    return v;
}

vlit_status vlit_config_set(vlit_config *c, const char *assignment, vlit_error *err)
{
    const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');
    if (!dot || !eq || dot > eq)
        return vlit_err(err, VLIT_ERR_USAGE, "'%s': an override is section.key=value", assignment);
    size_t slen = (size_t)(dot - assignment), klen = (size_t)(eq - dot - 1);
    int ok = slen > 0 && slen <= CONFIG_MAX_NAME && klen > 0 && klen <= CONFIG_MAX_NAME;
    for (size_t i = 0; ok && i < slen; i++)
        ok = is_name_char(assignment[i]);
    for (size_t i = 0; ok && i < klen; i++)
        ok = is_name_char(dot[1 + i]);
    if (!ok)
        return vlit_err(err, VLIT_ERR_USAGE,
                        "'%s': section and key of an override are a-z, 0-9, '-', '_' (section.key=value)",
                        assignment);
    size_t vlen = strlen(eq + 1), bad;
    if (!vlit_utf8_valid(eq + 1, vlen, &bad))
        return vlit_err(err, VLIT_ERR_USAGE, "'%s': the value is not valid UTF-8", assignment);
    char section[CONFIG_MAX_NAME + 1], key[CONFIG_MAX_NAME + 1];
    memcpy(section, assignment, slen);
    section[slen] = '\0';
    memcpy(key, dot + 1, klen);
    key[klen] = '\0';
    size_t w = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->e[i].section, section) == 0 && strcmp(c->e[i].key, key) == 0) {
            free(c->e[i].section);
            free(c->e[i].key);
            free(c->e[i].value);
            continue;
        }
        c->e[w++] = c->e[i];
    }
    c->n = w;
    if (add_section(c, section, slen, 0) != 0 || (vlen > 0 && add_entry(c, section, key, klen, eq + 1, vlen, 0) != 0))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    return VLIT_OK;
}
