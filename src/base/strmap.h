/* Internal: open-addressing hash map from strings to uint32 values. Keys are
 * copied into the map's own arena. Used to join annotations by image id. */
#ifndef VLIT_BASE_STRMAP_H
#define VLIT_BASE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct vlit_strmap {
    struct vlit_strmap_slot *slots;
    size_t cap, len;
    vlit_arena keys;
} vlit_strmap;

void vlit_strmap_init(vlit_strmap *m);
/* Returns a pointer to the value slot for key, inserting value `fresh` if the
 * key is new (*inserted = 1). If stored is not NULL it receives the map's own
 * NUL-terminated copy of the key, valid as long as the map. NULL when out of
 * memory. */
uint32_t *vlit_strmap_put(vlit_strmap *m, const char *key, size_t len, uint32_t fresh, int *inserted,
                          const char **stored);
/* NULL if absent. */
uint32_t *vlit_strmap_get(const vlit_strmap *m, const char *key, size_t len);
/* Writes the map's keys (m->len of them, in no useful order) into out. */
void vlit_strmap_keys(const vlit_strmap *m, const char **out);
void vlit_strmap_free(vlit_strmap *m);
uint64_t vlit_hash(const void *data, size_t len); /* 64-bit FNV-1a */

#endif
