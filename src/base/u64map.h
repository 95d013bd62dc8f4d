/* Internal: open-addressing hash map from uint64 keys to uint32 values (VQA
 * question ids). */
#ifndef VLIT_BASE_U64MAP_H
#define VLIT_BASE_U64MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct vlit_u64map {
    struct vlit_u64map_slot *slots;
    size_t cap, len;
} vlit_u64map;

/* Returns the value slot for key, inserting `fresh` if new (*inserted = 1);
 * NULL when out of memory. The map starts zeroed. */
uint32_t *vlit_u64map_put(vlit_u64map *m, uint64_t key, uint32_t fresh, int *inserted);
uint32_t *vlit_u64map_get(const vlit_u64map *m, uint64_t key);
void vlit_u64map_free(vlit_u64map *m);

#endif
