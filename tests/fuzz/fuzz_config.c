/* The config reader of vlit run on arbitrary bytes: it either refuses them
 * with a message naming the input and a line, or gives entries whose section
 * and key are names and whose values are valid text; printing the entries back
 * in the file's grammar (values quoted) and reading that gives the same
 * entries. An override on the result keeps it consistent. */
#include <stdlib.h>
#include <string.h>

#include "vlit/run.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vlit_config *c = NULL;
    vlit_error err;
    if (vlit_config_parse((const char *)data, size, "f.conf", &c, &err) != VLIT_OK) {
        if (c || strncmp(err.message, "f.conf", 6) != 0)
            abort();
        return 0;
    }
    /* write back: every entry in its own section header, value quoted */
    size_t cap = 64 + 4 * size + 160 * vlit_config_count(c), n = 0;
    char *text = malloc(cap);
    if (!text)
        abort();
    for (size_t i = 0; i < vlit_config_count(c); i++) {
        const vlit_config_entry *e = vlit_config_entry_at(c, i);
        if (!is_name(e->section) || !is_name(e->key) || e->line == 0 || e->line > size + 1)
            abort();
        n += (size_t)snprintf(text + n, cap - n, "[%s]\n%s = \"", e->section, e->key);
        for (const char *p = e->value; *p; p++) {
            if (*p == '"' || *p == '\\')
                text[n++] = '\\';
            text[n++] = *p;
        }
        n += (size_t)snprintf(text + n, cap - n, "\"\n");
    }
    vlit_config *d = NULL;
    if (vlit_config_parse(text, n, "g.conf", &d, &err) != VLIT_OK || vlit_config_count(d) != vlit_config_count(c))
        abort();
    for (size_t i = 0; i < vlit_config_count(c); i++) {
        const vlit_config_entry *e = vlit_config_entry_at(c, i);
        char sec[80], key[80];
        snprintf(sec, sizeof sec, "%s", e->section);
        snprintf(key, sizeof key, "%s", e->key);
        char *val = strdup(e->value);
        const vlit_config_entry *f = vlit_config_entry_at(d, i);
        if (!val || strcmp(sec, f->section) || strcmp(key, f->key) || strcmp(val, f->value))
            abort();
        free(val);
    }
    /* an override replaces every value of its key */
    if (vlit_config_count(c) > 0) {
        const vlit_config_entry *e = vlit_config_entry_at(c, 0);
        char set[200];
        snprintf(set, sizeof set, "%s.%s=new", e->section, e->key);
        char sec[80], key[80];
        snprintf(sec, sizeof sec, "%s", e->section);
        snprintf(key, sizeof key, "%s", e->key);
        if (vlit_config_set(c, set, &err) != VLIT_OK)
            abort();
        const char *v = vlit_config_get(c, sec, key);
        if (!v || strcmp(v, "new") != 0)
            abort();
    }
    vlit_config_free(d);
    vlit_config_free(c);
    free(text);
    return 0;
}
