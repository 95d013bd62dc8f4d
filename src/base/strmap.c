#include "strmap.h"

#include <stdlib.h>
#include <string.h>

struct vlit_strmap_slot {
    const char *key; /* NULL = empty */
    uint32_t len;
    uint32_t value;
    uint64_t hash;
};

uint64_t vlit_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

void vlit_strmap_init(vlit_strmap *m)
{
    memset(m, 0, sizeof *m);
    vlit_arena_init(&m->keys, 256 * 1024);
}

static int grow(vlit_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    struct vlit_strmap_slot *s = calloc(cap, sizeof *s);
    if (!s)
        return 0;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = m->slots[i].hash & (cap - 1);
        while (s[j].key)
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
    return 1;
}

static struct vlit_strmap_slot *find(const vlit_strmap *m, const char *key, size_t len)
{
    if (!m->cap)
        return NULL;
    uint64_t h = vlit_hash(key, len);
    for (size_t j = h & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
        struct vlit_strmap_slot *s = &m->slots[j];
        if (!s->key)
            return NULL;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return s;
    }
}

uint32_t *vlit_strmap_get(const vlit_strmap *m, const char *key, size_t len)
{
    struct vlit_strmap_slot *s = find(m, key, len);
    return s ? &s->value : NULL;
}

uint32_t *vlit_strmap_put(vlit_strmap *m, const char *key, size_t len, uint32_t fresh, int *inserted,
                          const char **stored)
{
    *inserted = 0;
    struct vlit_strmap_slot *found = find(m, key, len);
    if (found) {
        if (stored)
            *stored = found->key;
        return &found->value;
    }
    if (len > UINT32_MAX)
        return NULL;
    if ((m->len + 1) * 4 > m->cap * 3 && !grow(m))
        return NULL;
    uint64_t h = vlit_hash(key, len);
    size_t j = h & (m->cap - 1);
    while (m->slots[j].key)
        j = (j + 1) & (m->cap - 1);
    char *k = vlit_arena_strndup(&m->keys, key, len);
    if (!k)
        return NULL;
    m->slots[j].key = k;
    m->slots[j].len = (uint32_t)len;
    m->slots[j].hash = h;
    m->slots[j].value = fresh;
    m->len++;
    *inserted = 1;
    if (stored)
        *stored = k;
    return &m->slots[j].value;
}

void vlit_strmap_keys(const vlit_strmap *m, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            out[n++] = m->slots[i].key;
}

void vlit_strmap_free(vlit_strmap *m)
{
    free(m->slots);
    vlit_arena_free(&m->keys);
    memset(m, 0, sizeof *m);
}
