/*
 * Internal: what one indicator implementation is, and what it is given.
 *
 * An indicator (vlit/score.h: name, principle, level, direction) may have
 * several methods: the embedded default first, then backends that call a
 * model server. Each (indicator, method) pair is one `score_method`, defined
 * in its own file ind_<name>[_<method>].c and listed once in registry.c.
 *
 * The driver (score.c) reads samples in batches. For each batch it calls
 * every selected method's `prepare` (backends send their requests there,
 * all of the batch at once, through the run store), then `score` for each
 * sample, from several threads at once, then writes the batch in order.
 *
 *   open      once, before the first batch: load models, read data files,
 *             check the configuration; an error here stops the run.
 *   prepare   optional; once per batch, on the main thread.
 *   score     per sample, any thread; must not change the state (or must
 *             lock). Fills *out: a value, or `missing` with the reason.
 *             Never substitutes a default number for a failure.
 *   close     frees the state; accepts NULL.
 *
 * Per-thread scratch memory (image buffers, NIQE workspaces): `scratch_new`
 * makes one for each worker thread, passed to `score` as `scratch`.
 */
#ifndef VLIT_SCORE_INDICATOR_H
#define VLIT_SCORE_INDICATOR_H

#include <stddef.h>

#include "../base/err.h"
#include "vlit/collect.h"
#include "vlit/sample.h"
#include "vlit/score.h"

/* The clue record of a sample's image, as kept in memory for scoring
 * (clue_index.c): captions are left out; objects, VQA and OCR are kept. */
typedef vlit_clue_record score_clue;

/* Results that several methods need for the same sample (the object
 * mentions of its texts): the first method that asks computes and stores
 * them here, the others reuse them. Every method of a sample runs on one
 * thread, so no locking; the driver frees the slots after the batch. */
enum { SCORE_MEMO_MENTIONS_INSTRUCTION, SCORE_MEMO_MENTIONS_RESPONSE, SCORE_MEMO_SLOTS };
typedef struct score_memo {
    void *slot[SCORE_MEMO_SLOTS];
    void (*free_slot[SCORE_MEMO_SLOTS])(void *);
} score_memo;

/* Everything the driver knows about one sample. */
typedef struct score_item {
    const vlit_sample *sample;
    size_t index;             /* 0-based position in the input file */
    const score_clue *clue;   /* the clue record of its image, or NULL (none matched, or no --clues) */
    const char *instruction;  /* the user turns joined by "\n", "<image>" tokens removed */
    const char *response;     /* the assistant turns joined by "\n" */
    const char *image_path;   /* image root + the first image, or NULL: */
    const char *image_problem; /* why image_path is NULL ("sample has no image",
                                  "image path escapes the image root", ...) */
    score_memo *memo;          /* shared results of this sample (see score_memo) */
} score_item;

#define SCORE_MAX_EXTRA 12
#define SCORE_REASON_MAX 256

/* One indicator's result for one sample. */
typedef struct score_value {
    int missing;                    /* 1: no value; reason says why */
    char reason[SCORE_REASON_MAX];  /* names the file / server and the problem */
    double value;                   /* the indicator's number (see its info.range) */
    size_t n_extra;                 /* further named numbers (components, counts) */
    struct {
        const char *name;           /* a string constant */
        double value;
    } extra[SCORE_MAX_EXTRA];
} score_value;

/* Sets out->missing with a printf-style reason. */
void score_missing(score_value *out, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends a named extra number (ignored past SCORE_MAX_EXTRA). */
void score_extra(score_value *out, const char *name, double value);

/* What the methods get from the command line / vlit_score_params. */
typedef vlit_score_params score_config;

typedef struct score_method {
    vlit_indicator_info info;
    vlit_status (*open)(const score_config *cfg, void **state, vlit_error *err);
    vlit_status (*prepare)(void *state, const score_item *items, size_t n, vlit_error *err); /* may be NULL */
    void *(*scratch_new)(void *state);   /* may be NULL; NULL return = out of memory */
    void (*scratch_free)(void *scratch); /* may be NULL */
    void (*score)(void *state, void *scratch, const score_item *item, score_value *out);
    void (*close)(void *state);
} score_method;

/* The registry (registry.c): every method, embedded ones first per indicator. */
extern const score_method *const score_methods[];
extern const size_t score_method_count;

#endif
