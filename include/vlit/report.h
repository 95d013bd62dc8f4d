/*
 * vlit/report.h - stage 4: the dataset-level indicators and the report.
 *
 * vlit_report() measures one or several datasets as wholes - task diversity
 * (principle 3), instruction diversity (4), response diversity (5), visual
 * and object diversity (6), balance (10) - and averages the sample-level
 * indicators of their `vlit score` files, then writes the result as JSON (the
 * contract of docs/report.md), a terminal table like the paper's Table 3, or
 * a self-contained HTML page. Every number carries the method that made it;
 * a number that cannot be computed is null with the reason.
 *
 *   vlit_report_dataset ds[2] = {{.path = "a.jsonl", .scores_path = "a.scores.jsonl"},
 *                                {.path = "b.json", .format = VLIT_FMT_LLAVA}};
 *   vlit_report_params p = vlit_report_default_params();
 *   p.equalize = 1;
 *   vlit_error err = {0};
 *   if (vlit_report(ds, 2, &p, VLIT_REPORT_JSON, "report.json", &err)) report(err.message);
 *
 * Shards: with params.shard_count N > 1, vlit_report_partial() measures the
 * samples at positions p with p % N == shard_index (after --equalize's
 * subsampling) and writes a partial (a folder); vlit_report_merge() of the N
 * partials writes exactly, byte for byte, what vlit_report() writes in one
 * process.
 *
 * Ownership: the library keeps no pointer to the caller's structs after a
 * call returns. Threads: calls are independent (no global state); DBSCAN
 * multiplies through OpenBLAS's own threads.
 */
#ifndef VLIT_REPORT_H
#define VLIT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "sample.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One dataset of the report. Only path is required. */
typedef struct vlit_report_dataset {
    const char *path;        /* the samples */
    vlit_format format;      /* of path */
    const char *name;        /* column title; NULL = the file name without its extension */
    const char *clues_path;  /* clue records (vlit collect) for object diversity; NULL = missing */
    const char *scores_path; /* vlit score output of these samples; NULL = no sample-level rows */
    const char *tags_path;   /* vlit tag output (task per sample); NULL = the embedded rule tagger */
} vlit_report_dataset;

typedef enum vlit_report_format {
    VLIT_REPORT_TABLE = 0, /* terminal table, one row per indicator, one column per dataset */
    VLIT_REPORT_JSON = 1,  /* the JSON document of docs/report.md */
    VLIT_REPORT_HTML = 2   /* self-contained HTML page */
} vlit_report_format;

/* Parses "table", "json", "html" (VLIT_ERR_USAGE otherwise). */
vlit_status vlit_report_format_parse(const char *name, vlit_report_format *out);

typedef struct vlit_report_params {
    int equalize;  /* subsample every dataset to the smallest one's size first */
    uint64_t seed; /* of that subsampling (default 1) */
    /* instruction diversity */
    size_t min_cluster;         /* clusters of fewer words are not counted (default 2) */
    double min_weight;          /* co-occurrence edges seen fewer times are dropped (default 1: every edge) */
    int lemmatize;              /* reduce words to their WordNet base form (wordnet-base) */
    const char *stopwords_path; /* NULL = data_dir/lexicon/stopwords.txt */
    const char *wordnet_dir;    /* NULL = $VLIT_WORDNET_DIR or /usr/share/wordnet */
    const char *data_dir;       /* vlit's data folder; NULL = "data" */
    /* response diversity */
    const char *text_method; /* "tfidf" (default) or "server" */
    size_t text_dim;         /* tfidf dimension (default 128) */
    double eps_text;         /* DBSCAN eps, cosine distance (default 0.5) */
    size_t min_samples_text; /* DBSCAN min_samples (default 5) */
    /* visual diversity */
    const char *image_method; /* "descriptor" (default) or "server" */
    const char *image_root;   /* images are image_root/<sample image>; NULL = "." */
    double eps_image;         /* default 0.1 */
    size_t min_samples_image; /* default 5 */
    /* server methods */
    const char *embed_url, *embed_model, *api_key, *store_path;
    /* running */
    unsigned threads;                                /* image decoding and DBSCAN scan threads; 0 = 2 */
    unsigned shard_index, shard_count;               /* shard_count 0 or 1: everything */
    int skip_bad;                                    /* skip malformed sample records (counted) */
    void (*on_note)(void *ctx, const char *message); /* progress notes; may be NULL */
    void *ctx;
} vlit_report_params;

vlit_report_params vlit_report_default_params(void);

/* Measures the n datasets and writes the report in format fmt to out_path
 * ("-" = standard output), atomically. shard_count must be 0 or 1. */
vlit_status vlit_report(const vlit_report_dataset *datasets, size_t n, const vlit_report_params *params,
                        vlit_report_format fmt, const char *out_path, vlit_error *err);

/* Measures the shard params->shard_index of params->shard_count and writes
 * its partial to the folder out_dir (created; replaced atomically by
 * renaming a temporary folder beside it). */
vlit_status vlit_report_partial(const vlit_report_dataset *datasets, size_t n, const vlit_report_params *params,
                                const char *out_dir, vlit_error *err);

/* Merges the partials of shards 0..N-1 (any order; each exactly once, all of
 * one run: same datasets and options) and writes the report as vlit_report()
 * would have. params supplies only what is not part of the measurement
 * (threads, on_note, the server key); NULL = defaults. */
vlit_status vlit_report_merge(const char *const *partials, size_t n, const vlit_report_params *params,
                              vlit_report_format fmt, const char *out_path, vlit_error *err);

/* Renders a report JSON document (as vlit_report writes it) as a terminal
 * table or HTML into *out (malloc'ed, NUL-terminated; free()). */
vlit_status vlit_report_render(const char *json, size_t len, vlit_report_format fmt, char **out, size_t *out_len,
                               vlit_error *err);

#ifdef __cplusplus
}
#endif

#endif
