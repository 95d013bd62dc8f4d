#include "u64map.h"

#include <stdlib.h>

struct vlit_u64map_slot {
    uint64_t key;
    uint32_t value;
    uint32_t used;
};

static size_t slot_of(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

uint32_t *vlit_u64map_get(const vlit_u64map *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    for (size_t j = slot_of(key, m->cap);; j = (j + 1) & (m->cap - 1)) {
        if (!m->slots[j].used)
            return NULL;
        if (m->slots[j].key == key)
            return &m->slots[j].value;
    }
}

static int grow(vlit_u64map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    struct vlit_u64map_slot *s = calloc(cap, sizeof *s);
    if (!s)
        return 0;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].used)
            continue;
        size_t j = slot_of(m->slots[i].key, cap);
        while (s[j].used)
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
    return 1;
}

uint32_t *vlit_u64map_put(vlit_u64map *m, uint64_t key, uint32_t fresh, int *inserted)
{
    *inserted = 0;
    uint32_t *v = vlit_u64map_get(m, key);
    if (v)
        return v;
    if ((m->len + 1) * 4 > m->cap * 3 && !grow(m))
        return NULL;
    size_t j = slot_of(key, m->cap);
    while (m->slots[j].used)
        j = (j + 1) & (m->cap - 1);
    m->slots[j].key = key;
    m->slots[j].value = fresh;
    m->slots[j].used = 1;
    m->len++;
    *inserted = 1;
    return &m->slots[j].value;
}

void vlit_u64map_free(vlit_u64map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->len = 0;
}
