/*
 * vlit/generate.h - stage 2: clue records -> instruction samples.
 *
 * Data Mixing (vlit_mix) draws samples from several datasets by counts or
 * ratios, keeping each sample's source tag.
 *
 * Annotation Adaption (AA) turns the annotations of each clue record into
 * instruction-response samples with phrasings from a template file
 * (data/aa_templates.txt): detailed and brief description, VQA, counting,
 * existence, negative existence, attributes, location, region-marked
 * questions and text reading. A record without VQA or attribute annotations
 * gets VQA rounds derived from its objects (which animal, which vehicle) and
 * attribute rounds from the colours its captions give its objects, unless
 * no_derive is set; their samples' variant says so. The output is deterministic for a seed and does
 * not depend on sharding: each sample's random choices come from the seed,
 * the image id and the task alone.
 *
 *   vlit_aa_params p = vlit_aa_default_params();
 *   p.templates = "data/aa_templates.txt";
 *   vlit_aa_summary sum;  vlit_error err = {0};
 *   vlit_generate_aa(&p, "clues.jsonl", "samples.jsonl", VLIT_FMT_JSONL, &sum, &err);
 */
#ifndef VLIT_GENERATE_H
#define VLIT_GENERATE_H

#include <stdint.h>

#include "base.h"
#include "sample.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The AA tasks, also the samples' task labels. */
typedef enum vlit_aa_task {
    VLIT_AA_DETAIL,
    VLIT_AA_BRIEF,
    VLIT_AA_VQA,
    VLIT_AA_COUNTING,
    VLIT_AA_EXISTENCE,
    VLIT_AA_NEGATIVE,
    VLIT_AA_ATTRIBUTE,
    VLIT_AA_LOCATION,
    VLIT_AA_REGION,
    VLIT_AA_OCR,
    VLIT_AA_TASK_COUNT
} vlit_aa_task;

/* "detail", "brief", "vqa", "counting", "existence", "negative", "attribute",
 * "location", "region", "ocr". */
const char *vlit_aa_task_name(vlit_aa_task task);

typedef struct vlit_aa_params {
    const char *templates;  /* template file (required) */
    uint64_t seed;          /* default 1 */
    unsigned tasks;         /* bit set of 1u << vlit_aa_task; 0 = all */
    unsigned max_per_task;  /* samples per image and task; default 2 */
    unsigned turns;         /* >1: short-answer samples of an image are joined into
                               conversations of up to this many rounds (task
                               "conversation"); default 1 */
    const char *source;     /* source tag of every sample; default "aa" */
    int skip_bad;           /* skip bad clue records */
    int no_derive;          /* 1: no VQA from objects or colours from captions for
                               records without VQA or attribute annotations */
    unsigned shard_index, shard_count; /* records whose id hashes to this shard */
    void (*on_skip)(void *ctx, const char *message);
    void *ctx;
    /* Called after each record of the shard with its position among the
     * records read (of every shard) and the samples written for it (what
     * vlit merge samples orders by); may be NULL. */
    void (*on_record)(void *record_ctx, size_t position, size_t samples);
    void *record_ctx;
} vlit_aa_params;

vlit_aa_params vlit_aa_default_params(void);

typedef struct vlit_aa_summary {
    size_t records;                        /* clue records used */
    size_t samples;                        /* samples written */
    size_t per_task[VLIT_AA_TASK_COUNT];   /* rounds written, by task */
    size_t conversations;                  /* multi-turn samples (turns > 1) */
    size_t derived;                        /* rounds derived: vqa from objects, colours from captions */
    size_t skipped;                        /* bad records skipped */
} vlit_aa_summary;

/* Reads clue records (vlit collect's output), writes samples to out_path in
 * format fmt, atomically. */
vlit_status vlit_generate_aa(const vlit_aa_params *params, const char *clues_path, const char *out_path,
                             vlit_format fmt, vlit_aa_summary *summary, vlit_error *err);

/* ---- Self-Instruct through an LLM server ---------------------------------- */

typedef enum vlit_si_variant {
    VLIT_SI_CONVERSATION,
    VLIT_SI_REGION,
    VLIT_SI_NEGATIVE,
    VLIT_SI_KNOWLEDGE,
    VLIT_SI_DETAIL,
    VLIT_SI_REASONING,
    VLIT_SI_VARIANT_COUNT
} vlit_si_variant;

const char *vlit_si_variant_name(vlit_si_variant v);

struct vlit_si_progress;

typedef struct vlit_si_params {
    const char *url;           /* the server's base URL, e.g. http://127.0.0.1:8080/v1 */
    const char *model;
    const char *api_key;       /* NULL: none; never written anywhere */
    const char *prompts_dir;   /* data/si */
    const char *clue_template; /* data/clue.tmpl */
    const char *store_path;    /* the run store (SQLite); required */
    unsigned variants;         /* bit set of 1u << vlit_si_variant; 0 = conversation */
    int n;                     /* completions per request; default 5 */
    double temperature;        /* default 0.8 */
    int max_tokens;            /* default 1024 */
    int concurrency;           /* default 8 */
    int max_attempts;          /* default 5 */
    double timeout_s;          /* per attempt; default 120 */
    uint64_t seed;             /* examples and regions; default 1 */
    const char *source;        /* default "si" */
    int skip_bad;
    unsigned shard_index, shard_count;
    void (*on_skip)(void *ctx, const char *message);
    /* Error budget: the run stops sending (and fails, resumable) once more
     * than max_failed requests failed after their retries, or, when
     * max_failed is -1 (the default), once at least 20 failed and they are
     * more than max_failed_share (default 0.1) of the requests finished. */
    long max_failed;
    double max_failed_share;
    void (*on_progress)(void *ctx, const struct vlit_si_progress *progress);
    void *ctx;
} vlit_si_params;

/* What on_progress sees, after every finished request. */
typedef struct vlit_si_progress {
    size_t records;          /* clue records read so far */
    size_t requests;         /* requests made from them so far */
    size_t from_store;       /* of which answered by the run store */
    size_t sent, done, failed; /* sent this run; finished ok; failed after retries */
    long prompt_tokens, completion_tokens;
} vlit_si_progress;

vlit_si_params vlit_si_default_params(void);

typedef struct vlit_si_summary {
    size_t records;
    size_t requests;         /* one per record and variant */
    size_t from_store;       /* answered by the run store (done before) */
    size_t sent;             /* sent to the server in this run */
    size_t failed;           /* failed after their retries (kept in the store as failed) */
    size_t completions;      /* completions in the store for these requests */
    size_t unparsed;         /* of which no conversation could be read (kept, marked) */
    size_t samples;          /* written */
    long prompt_tokens, completion_tokens; /* from the servers' usage, this run */
    size_t skipped;          /* bad clue records */
} vlit_si_summary;

/* For every clue record and variant: a request (system prompt, two seeded
 * in-context examples, the record's clue text) journaled in the run store
 * before it is sent; completions are stored in one transaction before use.
 * Requests already done in the store are not sent again, so a killed run is
 * resumed by running it again. Samples are then written from the store, in
 * record and variant order, one per parsed completion. */
vlit_status vlit_generate_si(const vlit_si_params *params, const char *clues_path, const char *out_path, vlit_format fmt,
                             vlit_si_summary *summary, vlit_error *err);

/* ---- Data Mixing ----------------------------------------------------------- */

typedef enum vlit_mix_take {
    VLIT_MIX_ALL = 0,     /* every sample */
    VLIT_MIX_COUNT = 1,   /* amount = number of samples */
    VLIT_MIX_PERCENT = 2, /* amount = percent of this input's samples */
    VLIT_MIX_SHARE = 3    /* amount = fraction of vlit_mix_params.total */
} vlit_mix_take;

typedef struct vlit_mix_input {
    const char *path;
    vlit_format format;
    vlit_mix_take take;
    double amount;
    const char *source; /* tag for samples that have none; NULL = the file name without folder and extension */
} vlit_mix_input;

typedef struct vlit_mix_params {
    const vlit_mix_input *inputs;
    size_t n_inputs;
    uint64_t seed;   /* default 1 */
    size_t total;    /* size of the mix, for VLIT_MIX_SHARE inputs */
    int skip_bad;
    void (*on_skip)(void *ctx, const vlit_error *why);
    void *ctx;
} vlit_mix_params;

vlit_mix_params vlit_mix_default_params(void);

typedef struct vlit_mix_summary {
    size_t samples;        /* written */
    size_t available[64];  /* per input: samples read */
    size_t taken[64];      /* per input: samples written */
    size_t skipped;
} vlit_mix_summary;

/* Draws the requested number of samples from each input, uniformly without
 * replacement and seeded (two streaming passes: count, then select), and
 * writes them in input order to out_path, atomically. Asking for more samples
 * than an input has is an error that names the input. At most 64 inputs. */
vlit_status vlit_mix(const vlit_mix_params *params, const char *out_path, vlit_format fmt, vlit_mix_summary *summary,
                     vlit_error *err);

#ifdef __cplusplus
}
#endif

#endif
