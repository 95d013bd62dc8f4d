/*
 * vlit/score.h - stage 3: per-sample quality indicators.
 *
 * Every indicator serves one of the paper's ten principles. It has an
 * embedded method that needs no model server and, where the paper used a
 * neural model, backend methods that call an OpenAI-compatible server.
 * vlit_score() streams samples and writes one JSON line of scores per
 * sample, each value tagged with the method that produced it, or marked
 * missing with the reason (a failure never becomes a default number).
 * docs/indicators.md defines every indicator and gives its validation.
 *
 *   vlit_score_params p = vlit_score_default_params();
 *   p.clues_path = "clues.jsonl";  p.image_root = "images";
 *   vlit_score_summary sum;  vlit_error err = {0};
 *   if (vlit_score("samples.jsonl", VLIT_FMT_JSONL, &p, "scores.jsonl", &sum, &err)) report(err.message);
 *
 * Output line: {"index":N,"id":"..","image":"..","scores":{"NAME":{"method":"..",
 * "value":X, <extras>} or {"method":"..","missing":"reason"}, ...}}
 * index is the sample's 0-based position in the input; lines come in input
 * order, so shard outputs merge by index (vlit_score_merge).
 */
#ifndef VLIT_SCORE_H
#define VLIT_SCORE_H

#include <stddef.h>

#include "base.h"
#include "sample.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What an indicator needs (vlit_indicator_info.inputs, a bit set). */
enum {
    VLIT_NEEDS_TEXT = 1,   /* the sample's turns */
    VLIT_NEEDS_CLUES = 2,  /* the clue record of its image (--clues) */
    VLIT_NEEDS_IMAGE = 4,  /* the image file (--image-root) */
    VLIT_NEEDS_SERVER = 8  /* a model server */
};

typedef struct vlit_indicator_info {
    const char *name;        /* "text_readability", ... */
    int principle;           /* 1..10, the paper's Section 4.1 */
    const char *principle_name;
    const char *level;       /* "sample" */
    int direction;           /* +1: higher is better; -1: lower is better */
    const char *method;      /* "ngram-lm", "niqe", "grounding", "judge", ... */
    int embedded;            /* 1: needs no model server */
    unsigned inputs;         /* VLIT_NEEDS_* */
    const char *range;       /* "0-1", "0-100", ">= 0", ... */
    const char *summary;     /* one line */
} vlit_indicator_info;

/* Every (indicator, method) pair, embedded methods first per indicator. */
size_t vlit_indicator_count(void);
const vlit_indicator_info *vlit_indicator_get(size_t i);

typedef struct vlit_score_progress {
    size_t samples, missing; /* scored so far; values marked missing */
} vlit_score_progress;

typedef struct vlit_score_params {
    /* Which indicators: comma-separated "name" or "name:method"; NULL or ""
     * = every indicator with its embedded method. */
    const char *indicators;
    const char *clues_path;   /* clue records (vlit collect), joined by image path; may be NULL */
    const char *image_root;   /* images are image_root/<sample image>; NULL = "." */
    const char *data_dir;     /* vlit's data folder; NULL = the installed one */
    /* text readability */
    const char *lm_path;      /* ARPA or binary LM; NULL = train one on the clue records' captions */
    const char *lm_reference; /* human-written reference text (one per line) for the 0-1 calibration;
                                 NULL = the held-out captions of the clue records */
    unsigned lm_order;        /* of the default LM; 0 = 3 */
    /* image readability */
    const char *niqe_model;   /* NULL = data/niqe/pristine.model */
    /* backends */
    const char *llm_url, *llm_model;     /* chat endpoint base URL (.../v1) and model */
    const char *embed_url, *embed_model; /* embeddings endpoint base URL and model */
    const char *api_key;                 /* NULL = from VLIT_API_KEY / OPENAI_API_KEY */
    const char *store_path;              /* run store for backend requests; NULL = none (no resume) */
    unsigned judge_votes;                /* k, odd; 0 = 3 */
    unsigned concurrency;                /* requests in flight; 0 = 16 */
    double temperature;                  /* of judge / LLM scoring requests; < 0 = 0.7 */
    long max_failed;                     /* error budget of backend requests; -1 = by share */
    /* running */
    unsigned threads;         /* worker threads; 0 = the number of cores */
    unsigned shard_index, shard_count; /* score samples with index % count == shard_index */
    int skip_bad;             /* skip malformed sample or clue records (counted) */
    void (*on_skip)(void *ctx, const char *message);
    void (*on_progress)(void *ctx, const vlit_score_progress *p);
    void (*on_note)(void *ctx, const char *message); /* e.g. "trained the default LM on N captions" */
    void *ctx;
} vlit_score_params;

vlit_score_params vlit_score_default_params(void);

typedef struct vlit_score_summary {
    size_t samples;          /* scored (in this shard) */
    size_t skipped;          /* bad records skipped */
    size_t without_clue;     /* samples whose image has no clue record */
    size_t indicators;       /* methods run */
    size_t missing;          /* values marked missing, in all */
} vlit_score_summary;

/* Scores samples_path (in format fmt) and writes out_path atomically. */
vlit_status vlit_score(const char *samples_path, vlit_format fmt, const vlit_score_params *params,
                       const char *out_path, vlit_score_summary *summary, vlit_error *err);

/* Merges score files of shards 0..n-1 (each in index order) into out_path,
 * in index order; refuses duplicate indexes. */
vlit_status vlit_score_merge(const char *const *paths, size_t n, const char *out_path, vlit_error *err);

#ifdef __cplusplus
}
#endif

#endif
