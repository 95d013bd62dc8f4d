/*
 * vlit/embed.h - the vectors that response diversity and visual diversity
 * cluster with DBSCAN (vlit/cluster.h): texts and images to float32 rows.
 *
 * Methods (docs/embed.md gives every formula and the measured accuracy):
 *  - text "tfidf" (embedded default): words of vlit_lm_next_token() (lower
 *    case; punctuation tokens dropped; optional stop-word list), hashed into
 *    2^hash_bits term ids (64-bit FNV-1a of the word's bytes, low bits),
 *    sublinear tf 1 + ln(tf) times smoothed idf ln((1 + N) / (1 + df)) + 1,
 *    L2-normalised, then a seeded dense random projection to dim values (+1
 *    or -1 per term and coordinate, drawn from the term id and the seed, so
 *    no matrix is stored), L2-normalised again. A document without a term is
 *    a zero row: DBSCAN puts it at distance 1 from everything (noise).
 *  - image "descriptor" (embedded default): a colour histogram and a
 *    gist-like map of gradient orientations from a downscaled decode, both
 *    invariant to a horizontal flip, VLIT_EMBED_IMAGE_DIM (256) values,
 *    L2-normalised.
 *  - "server" (text and images): an OpenAI-compatible /v1/embeddings
 *    endpoint, inputs batched, requests concurrent, every vector cached in
 *    the run store (store_path) so a rerun sends nothing.
 *
 * Sets collect their items in order (documents; images keyed by path, a path
 * added twice being one image) and compute the vectors at the end.
 * Shards: each shard writes a partial (vlit_*_set_write_partial); a set that
 * adds the partials in shard order (vlit_*_set_add_partial) gives exactly the
 * vectors, byte for byte, of one set that added all items itself. A TF-IDF
 * partial holds each document's hashed term counts (document frequencies are
 * summed from them when merging); image and server partials hold the shard's
 * finished rows.
 *
 *   vlit_embed_params p = vlit_embed_default_params();
 *   vlit_text_set *s;  vlit_error err = {0};
 *   vlit_text_set_new(&p, &s, &err);
 *   for (each response) vlit_text_set_add(s, text, strlen(text), &err);
 *   float *v;  size_t n, dim;
 *   vlit_text_set_vectors(s, &v, &n, &dim, &err);   // n x dim, free(v)
 *   vlit_text_set_free(s);
 *
 * A failed item (an image missing or corrupt, a server that failed after its
 * retries) is never given a made-up vector: vlit_*_set_embed() lists it with
 * the reason and leaves it out of the rows.
 *
 * Threads: a set is used by one thread at a time; sets are independent.
 * Errors: VLIT_ERR_USAGE (bad parameters, partials of another
 * configuration), VLIT_ERR_IO, VLIT_ERR_PARSE (a malformed partial: the
 * message names the file, the byte offset and the problem), VLIT_ERR_REMOTE
 * (server error budget spent), VLIT_ERR_LIMIT, VLIT_ERR_NOMEM.
 */
#ifndef VLIT_EMBED_H
#define VLIT_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VLIT_EMBED_IMAGE_DIM 256 /* values of the image descriptor */

typedef struct vlit_embed_params {
    const char *method; /* "tfidf" (default for text), "descriptor" (default for images), "server"; NULL = default */
    size_t dim;         /* output dimension of tfidf (default 256, 1..65536); the descriptor has VLIT_EMBED_IMAGE_DIM */
    uint64_t seed;      /* of the tfidf projection (default 0) */
    unsigned hash_bits; /* tfidf: 2^hash_bits term ids (default 20, 8..30) */
    const char *stopwords; /* tfidf: a stop-word file (one word a line, '#' comments), NULL = keep every word */
    /* server method */
    const char *url;        /* base URL, ".../v1": requests go to url + "/embeddings" */
    const char *model;      /* the model name sent */
    const char *store_path; /* run store (SQLite) caching the vectors; NULL = no cache */
    const char *api_key;    /* NULL: VLIT_API_KEY, else OPENAI_API_KEY, else none */
    size_t batch;           /* inputs per request (default 32 for text, 8 for images) */
    size_t concurrency;     /* requests in flight (default 8) */
    int image_form;         /* 0: "messages" (vLLM, one image a request, default), 1: "input" + "modality" */
    int max_failed;         /* error budget: -1 (default) = stop when >= 20 failed and > 10 %; else that many */
    /* images */
    const char *image_root; /* image paths are relative to it (NULL: as given) */
    int threads;            /* descriptor decoding / tfidf vector threads (0 or 1 = the calling thread) */
} vlit_embed_params;

vlit_embed_params vlit_embed_default_params(void);

/* The rows a set produced. Items are numbered 0, 1, ... in the order they
 * were added (documents; distinct images). */
typedef struct vlit_embed_result {
    float *data;       /* rows x dim floats, row-major; every row L2-normalised, or zero (a text without terms) */
    size_t rows, dim;
    size_t *row_item;  /* the item of each row, ascending */
    size_t items;      /* items added */
    char **paths;      /* images: the path of each item (as added, not joined with the root); NULL for texts */
    size_t failed;     /* items without a row */
    size_t *failed_item; /* their numbers, ascending */
    char **failed_reason; /* one line each: why */
} vlit_embed_result;

/* Frees every array of r and zeroes it; accepts a zeroed struct. */
void vlit_embed_result_free(vlit_embed_result *r);

/* ---- texts ------------------------------------------------------------- */

typedef struct vlit_text_set vlit_text_set; /* documents in order */

vlit_status vlit_text_set_new(const vlit_embed_params *p, vlit_text_set **out, vlit_error *err);
/* Adds one document (len bytes; need not be NUL-terminated). */
vlit_status vlit_text_set_add(vlit_text_set *s, const char *text, size_t len, vlit_error *err);
/* Writes the documents added so far as a shard partial (atomically). The
 * server method embeds them first (that is the shard's work). */
vlit_status vlit_text_set_write_partial(vlit_text_set *s, const char *path, vlit_error *err);
/* Appends a shard's partial: its documents follow those already in s. The
 * partial must come from the same method and parameters. */
vlit_status vlit_text_set_add_partial(vlit_text_set *s, const char *path, vlit_error *err);
/* Documents added so far, and the bytes the set holds for them. */
size_t vlit_text_set_count(const vlit_text_set *s);
size_t vlit_text_set_bytes(const vlit_text_set *s);
/* All rows and failures (*out is overwritten; free with vlit_embed_result_free). */
vlit_status vlit_text_set_embed(vlit_text_set *s, vlit_embed_result *out, vlit_error *err);
/* n x dim floats, one L2-normalised (or zero) row per document, malloc'ed.
 * Fails (VLIT_ERR_REMOTE, naming the first failure) if a document has no
 * vector; use vlit_text_set_embed() to keep the others. */
vlit_status vlit_text_set_vectors(vlit_text_set *s, float **out, size_t *n, size_t *dim, vlit_error *err);
void vlit_text_set_free(vlit_text_set *s);

/* ---- images ------------------------------------------------------------ */

typedef struct vlit_image_set vlit_image_set; /* distinct image paths in order */

vlit_status vlit_image_set_new(const vlit_embed_params *p, vlit_image_set **out, vlit_error *err);
/* Adds an image by path (relative to image_root); a path already in the set
 * is not added again. Nothing is read yet. */
vlit_status vlit_image_set_add(vlit_image_set *s, const char *path, vlit_error *err);
/* Embeds the images added so far and writes their rows and failures. */
vlit_status vlit_image_set_write_partial(vlit_image_set *s, const char *path, vlit_error *err);
/* Appends a shard's partial: its images, minus those already in s. */
vlit_status vlit_image_set_add_partial(vlit_image_set *s, const char *path, vlit_error *err);
size_t vlit_image_set_count(const vlit_image_set *s);
/* Embeds what is not embedded yet; rows in item order, failures listed. */
vlit_status vlit_image_set_vectors(vlit_image_set *s, vlit_embed_result *out, vlit_error *err);
void vlit_image_set_free(vlit_image_set *s);

/* The image descriptor of one decoded image (RGB or gray, 8-bit, as
 * vlit_image_load gives it: width * channels bytes a row) into
 * out[VLIT_EMBED_IMAGE_DIM]. For tests and for callers that decode
 * themselves. */
vlit_status vlit_image_descriptor(const uint8_t *pixels, int width, int height, int channels, float *out,
                                  vlit_error *err);

#ifdef __cplusplus
}
#endif

#endif
