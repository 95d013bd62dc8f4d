/*
 * Internal: the n-gram model as the scorer reads it. The arrays are the same
 * whether the model came from an ARPA file (on the heap) or from a binary
 * file (in the mapped file), so both give identical log-probabilities and the
 * binary writer just writes the arrays out.
 *
 * Words have dense ids 0..V-1 (the order of the 1-grams); the 1-gram of word
 * w is uni[w]. An n-gram of order n >= 2 is an entry of table tab[n], an open
 * addressing hash table keyed by (ctx, word), where ctx is the id of the
 * n-gram's first n-1 words as an (n-1)-gram: the word id for n = 2, else the
 * slot index of that (n-1)-gram in tab[n-1]. An n-gram's id is its slot index,
 * so a scorer keeps the ids of its history's suffixes and finds the next
 * n-gram with one probe sequence per order. Every listed n-gram's prefix is
 * in the tables: a prefix the file lacked is added as an entry without
 * probability (prob > 0 or NaN; real probabilities are <= 0) and backoff 0,
 * which is what the ARPA rules give it.
 *
 * Lookups never trust the tables: probe sequences stop after max_probe + 1
 * slots, word ids and string offsets are checked before use, so a damaged
 * binary file gives wrong numbers but no out-of-bounds read.
 */
#ifndef VLIT_BACKENDS_LM_MODEL_H
#define VLIT_BACKENDS_LM_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../base/err.h"
#include "vlit/lm.h"

#define LM_NONE UINT32_MAX

/* Limits that keep sizes and ids inside 32 bits with room to spare. */
#define LM_MAX_WORDS (UINT32_C(1) << 30)
#define LM_MAX_NGRAMS (UINT32_C(1) << 30) /* per order */

typedef struct lm_entry {
    uint32_t ctx;  /* id of the first n-1 words as an (n-1)-gram */
    uint32_t word; /* last word; LM_NONE in an empty slot */
    float prob;    /* log10 p(word | ctx words); > 0 or NaN: not listed */
    float bow;     /* log10 backoff weight of this n-gram as a context */
} lm_entry;

typedef struct lm_uni {
    float prob, bow;
} lm_uni;

typedef struct lm_vslot {
    uint32_t id;    /* word id; LM_NONE in an empty slot */
    uint32_t check; /* high 32 bits of the word's hash, to skip most string compares */
} lm_vslot;

typedef struct lm_table {
    const lm_entry *slots;
    uint64_t cap;       /* power of two (0 for an empty table) */
    uint64_t count;     /* entries, implied prefixes included */
    uint64_t listed;    /* entries the model listed */
    uint32_t max_probe; /* longest probe sequence of any entry, minus one */
} lm_table;

typedef struct lm_model {
    unsigned order;
    uint32_t vocab_size;
    const char *strings; /* the words, each NUL-terminated */
    uint64_t strings_size;
    const uint32_t *word_off; /* [vocab_size]: offset of each word in strings */
    const lm_vslot *vslots;   /* word hash table */
    uint32_t vcap;            /* power of two */
    uint32_t vmax_probe;
    const lm_uni *uni;                   /* [vocab_size] */
    lm_table tab[VLIT_LM_MAX_ORDER + 1]; /* tab[2] .. tab[order] */
    uint32_t unk, bos, eos;              /* ids of <unk> <s> </s>, LM_NONE if absent */
    uint64_t uni_listed;
} lm_model;

/* The hash of a word's bytes (FNV-1a, then a 64-bit finaliser so that the
 * low bits are good): part of the binary format, so it never changes. */
static inline uint64_t lm_hash_word(const char *w, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)w[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* The hash of an n-gram key (murmur3's finaliser): part of the binary format. */
static inline uint64_t lm_hash_pair(uint32_t ctx, uint32_t word)
{
    uint64_t h = ((uint64_t)ctx << 32 | word) + 0x9e3779b97f4a7c15ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static inline int lm_prob_listed(float p)
{
    return p <= 0.0f;
}

/* The id of a word, or LM_NONE. */
static inline uint32_t lm_word_id(const lm_model *m, const char *w, size_t len)
{
    if (!m->vcap)
        return LM_NONE;
    uint64_t h = lm_hash_word(w, len);
    uint32_t check = (uint32_t)(h >> 32), mask = m->vcap - 1;
    uint32_t i = (uint32_t)h & mask;
    for (uint32_t probe = 0; probe <= m->vmax_probe; probe++, i = (i + 1) & mask) {
        lm_vslot s = m->vslots[i];
        if (s.id == LM_NONE)
            return LM_NONE;
        if (s.check != check || s.id >= m->vocab_size)
            continue;
        uint32_t off = m->word_off[s.id];
        if (off >= m->strings_size || m->strings_size - off <= len)
            continue;
        /* words are short: a loop beats a call to memcmp */
        const char *t = m->strings + off;
        size_t k = 0;
        while (k < len && t[k] == w[k])
            k++;
        if (k == len && t[len] == '\0')
            return s.id;
    }
    return LM_NONE;
}

/* The slot of n-gram (ctx, word) in t, or LM_NONE. */
static inline uint32_t lm_find(const lm_table *t, uint32_t ctx, uint32_t word)
{
    if (!t->cap)
        return LM_NONE;
    uint64_t mask = t->cap - 1, i = lm_hash_pair(ctx, word) & mask;
    for (uint32_t probe = 0; probe <= t->max_probe; probe++, i = (i + 1) & mask) {
        const lm_entry *e = &t->slots[i];
        if (e->word == word && e->ctx == ctx)
            return (uint32_t)i;
        if (e->word == LM_NONE)
            return LM_NONE;
    }
    return LM_NONE;
}

/* The word's text (NUL-terminated), or "" for a damaged offset. */
static inline const char *lm_word_text(const lm_model *m, uint32_t id)
{
    if (id >= m->vocab_size || m->word_off[id] >= m->strings_size)
        return "";
    return m->strings + m->word_off[id];
}

/* ---- building a model (lm_build.c) ---- */

/* A model under construction: words and n-grams are added in any order, with
 * dense ids in order of insertion; lm_builder_finish() then lays out the
 * lookup tables. Used by the ARPA reader. */
typedef struct lm_builder lm_builder;

vlit_status lm_builder_new(unsigned order, lm_builder **out, vlit_error *err);
void lm_builder_free(lm_builder *b);
/* Adds a word (a 1-gram); *id its id; *existed = 1 if it was there already
 * (then nothing changes). */
vlit_status lm_builder_add_word(lm_builder *b, const char *w, size_t len, float prob, float bow, uint32_t *id,
                                int *existed, vlit_error *err);
uint32_t lm_builder_word_id(const lm_builder *b, const char *w, size_t len);
uint32_t lm_builder_vocab_size(const lm_builder *b);
/* The text of word id (< lm_builder_vocab_size), NUL-terminated; valid until
 * the next word is added. */
const char *lm_builder_word_text(const lm_builder *b, uint32_t id);
/* Adds n-gram (words[0..n)) with prob and bow; missing prefixes are added
 * as implied entries. *existed = 1 if it was listed already. */
vlit_status lm_builder_add_ngram(lm_builder *b, unsigned n, const uint32_t *words, float prob, float bow, int *existed,
                                 vlit_error *err);
/* Lays out the tables. The builder is emptied; *out owns all arrays. */
vlit_status lm_builder_finish(lm_builder *b, struct vlit_lm **out, vlit_error *err);

/* ---- the handle (lm_score.c) ---- */

struct vlit_lm {
    lm_model m;
    int binary;
    void *map; /* binary: the mapped file */
    size_t map_size;
    void *heap[VLIT_LM_MAX_ORDER + 8]; /* arrays owned by the handle */
    uint64_t implied[VLIT_LM_MAX_ORDER + 1];
};

/* ---- formats ---- */

/* lm_arpa.c: reads an ARPA file. */
vlit_status lm_read_arpa(const char *path, struct vlit_lm **out, vlit_error *err);

/* lm_binary.c */
#define LM_BINARY_MAGIC "VLITNGLM"
vlit_status lm_load_binary(const char *path, struct vlit_lm **out, vlit_error *err);
vlit_status lm_write_binary(const struct vlit_lm *lm, const char *out_path, vlit_error *err);

#endif
