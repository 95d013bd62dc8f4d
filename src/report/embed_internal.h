/* Internal: what the embedding sources share (vlit/embed.h).
 *
 * embed_text.c   text sets: TF-IDF documents (hashed term counts) and texts for the server
 * embed_image.c  image sets and the descriptor
 * embed_server.c the /v1/embeddings backend over src/backends/http and the run store
 * embed_partial.c shard partial files: the byte format, writing and checked reading
 *
 * Items that the vector methods embed one by one (images, and texts of the
 * server method) are kept in an em_rows: a key (the text, or the image path
 * as added), a state, and the vector or the reason it failed. */
#ifndef VLIT_REPORT_EMBED_INTERNAL_H
#define VLIT_REPORT_EMBED_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "vlit/embed.h"

enum { EM_PENDING = 0, EM_OK = 1, EM_FAILED = 2 };

#define EM_REASON_MAX 512 /* longest failure reason kept, NUL included */

typedef struct em_rows {
    size_t n, cap;
    size_t dim;      /* of every EM_OK vector; 0 until the first */
    uint8_t *state;  /* EM_PENDING, EM_OK, EM_FAILED */
    char **key;      /* NUL-terminated copies */
    size_t *key_len;
    float **vec;     /* EM_OK: dim floats (malloc'ed) */
    char **reason;   /* EM_FAILED: malloc'ed line */
} em_rows;

/* Appends an item (key copied) in state EM_PENDING; its index in *at. */
vlit_status em_rows_push(em_rows *r, const char *key, size_t len, size_t *at, vlit_error *err);
/* Sets item i's vector (copied; must have r->dim values, or sets r->dim when it is 0). */
vlit_status em_rows_set_vec(em_rows *r, size_t i, const float *v, size_t dim, vlit_error *err);
/* Marks item i failed with a copy of why. */
vlit_status em_rows_set_failed(em_rows *r, size_t i, const char *why, vlit_error *err);
void em_rows_free(em_rows *r);
/* The rows of r as a result: EM_OK items give rows, the others failures
 * (a pending one fails with "not embedded"). paths: set result paths to the keys. */
vlit_status em_rows_result(const em_rows *r, int paths, vlit_embed_result *out, vlit_error *err);

/* ---- partial files (embed_partial.c, docs/embed.md) ------------------------------- */

#define EM_MAGIC_TFIDF "VLITEMT1" /* TF-IDF documents */
#define EM_MAGIC_ROWS "VLITEMR1"  /* finished rows (images, server texts) */

/* A TF-IDF partial: hash_bits, the configuration fingerprint, n documents,
 * then the documents' encoding (em_doc_* below), docs_len bytes. */
vlit_status em_write_tfidf(const char *path, unsigned hash_bits, uint64_t fingerprint, uint64_t n, const void *docs,
                           size_t docs_len, vlit_error *err);
/* Reads and checks a whole TF-IDF partial held in memory (name labels the
 * messages): *docs points into data. Every document is decoded and checked
 * (term ids ascending below 2^hash_bits, counts >= 1). */
vlit_status em_parse_tfidf(const uint8_t *data, size_t len, const char *name, unsigned *hash_bits,
                           uint64_t *fingerprint, uint64_t *n, const uint8_t **docs, size_t *docs_len,
                           vlit_error *err);
/* A rows partial: the configuration string (method, model, ...), whether the
 * keys are images, and every item of r (all must be EM_OK or EM_FAILED). */
vlit_status em_write_rows(const char *path, const char *config, int images, const em_rows *r, vlit_error *err);
/* Reads a rows partial held in memory into out (zeroed by the caller);
 * *config is a malloc'ed copy. */
vlit_status em_parse_rows(const uint8_t *data, size_t len, const char *name, char **config, int *images, em_rows *out,
                          vlit_error *err);
/* A whole file into memory (at most 1 TiB; malloc'ed). */
vlit_status em_slurp(const char *path, uint8_t **data, size_t *len, vlit_error *err);

/* The document encoding: LEB128 varints: the number of distinct terms, then
 * per term (ascending ids) the id's difference from the previous id (the
 * first: the id itself) and the count. */
static inline size_t em_put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}
/* Reads a varint at p (before end): bytes read, 0 when malformed or cut. */
static inline size_t em_get_varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < 10 && p + i < end; i++) {
        uint64_t b = p[i];
        if (i == 9 && b > 1)
            return 0;
        x |= (b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

/* ---- the server (embed_server.c) ------------------------------------------------ */

/* Embeds every EM_PENDING item of r through p's server (images: keys are
 * paths under p->image_root). Failures are marked on the items; returns an
 * error only when the run cannot go on (usage, store, budget spent). */
vlit_status em_server_embed(const vlit_embed_params *p, int images, em_rows *r, vlit_error *err);
/* "server text|image model=<model>": the configuration of its rows. */
vlit_status em_server_config(const vlit_embed_params *p, int images, vlit_buf *out);

#endif
