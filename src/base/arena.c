#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct vlit_arena_block {
    vlit_arena_block *next;
    size_t size;
    size_t pos;
    _Alignas(max_align_t) unsigned char data[];
};

void vlit_arena_init(vlit_arena *a, size_t block_size)
{
    a->head = NULL;
    a->spare = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->used = 0;
}

static vlit_arena_block *new_block(vlit_arena *a, size_t need)
{
    size_t size = need > a->block_size ? need : a->block_size;
    vlit_arena_block *b = NULL;
    if (a->spare && a->spare->size >= size) {
        b = a->spare;
        a->spare = b->next;
    } else {
        if (size > SIZE_MAX - sizeof *b)
            return NULL;
        b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->size = size;
    }
    b->pos = 0;
    b->next = a->head;
    a->head = b;
    return b;
}

void *vlit_arena_alloc(vlit_arena *a, size_t size)
{
    size_t aligned = (size + 7u) & ~(size_t)7u;
    if (aligned < size)
        return NULL;
    vlit_arena_block *b = a->head;
    if (!b || b->size - b->pos < aligned) {
        b = new_block(a, aligned);
        if (!b)
            return NULL;
    }
    void *p = b->data + b->pos;
    b->pos += aligned;
    a->used += aligned;
    return p;
}

char *vlit_arena_strndup(vlit_arena *a, const char *s, size_t n)
{
    char *p = vlit_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vlit_arena_strdup(vlit_arena *a, const char *s) { return vlit_arena_strndup(a, s, strlen(s)); }

void vlit_arena_reset(vlit_arena *a)
{
    /* Keep the blocks for reuse: records of a stream have similar sizes. Only
     * blocks of the default size go to the spare list, so one huge record does
     * not pin its memory for the rest of the run. */
    vlit_arena_block *b = a->head;
    while (b) {
        vlit_arena_block *next = b->next;
        if (b->size == a->block_size) {
            b->next = a->spare;
            a->spare = b;
        } else {
            free(b);
        }
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}

void vlit_arena_free(vlit_arena *a)
{
    vlit_arena_reset(a);
    vlit_arena_block *b = a->spare;
    while (b) {
        vlit_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->spare = NULL;
}
