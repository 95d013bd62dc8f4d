/* Internal: bump allocator. Records and batches allocate from an arena and are
 * freed together by vlit_arena_reset()/vlit_arena_free(). Allocation failure
 * returns NULL (callers report VLIT_ERR_NOMEM); nothing aborts. */
#ifndef VLIT_BASE_ARENA_H
#define VLIT_BASE_ARENA_H

#include <stddef.h>

typedef struct vlit_arena_block vlit_arena_block;

typedef struct vlit_arena {
    vlit_arena_block *head;  /* current block */
    vlit_arena_block *spare; /* blocks kept by reset for reuse */
    size_t block_size;       /* default size of new blocks */
    size_t used;             /* bytes handed out since last reset */
} vlit_arena;

void vlit_arena_init(vlit_arena *a, size_t block_size);
void *vlit_arena_alloc(vlit_arena *a, size_t size); /* 8-byte aligned */
char *vlit_arena_strndup(vlit_arena *a, const char *s, size_t n); /* NUL-terminated copy */
char *vlit_arena_strdup(vlit_arena *a, const char *s);
void vlit_arena_reset(vlit_arena *a); /* frees everything handed out, keeps one block */
void vlit_arena_free(vlit_arena *a);

#endif
