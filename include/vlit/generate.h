/*
 * vlit/generate.h - stage 2: clue records -> instruction samples.
 *
 * Annotation Adaption (AA) turns the annotations of each clue record into
 * instruction-response samples with phrasings from a template file
 * (data/aa_templates.txt): detailed and brief description, VQA, counting,
 * existence, negative existence, attributes, location, region-marked
 * questions and text reading. The output is deterministic for a seed and does
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
    unsigned shard_index, shard_count; /* records whose id hashes to this shard */
    void (*on_skip)(void *ctx, const char *message);
    void *ctx;
} vlit_aa_params;

vlit_aa_params vlit_aa_default_params(void);

typedef struct vlit_aa_summary {
    size_t records;                        /* clue records used */
    size_t samples;                        /* samples written */
    size_t per_task[VLIT_AA_TASK_COUNT];   /* rounds written, by task */
    size_t conversations;                  /* multi-turn samples (turns > 1) */
    size_t skipped;                        /* bad records skipped */
} vlit_aa_summary;

/* Reads clue records (vlit collect's output), writes samples to out_path in
 * format fmt, atomically. */
vlit_status vlit_generate_aa(const vlit_aa_params *params, const char *clues_path, const char *out_path,
                             vlit_format fmt, vlit_aa_summary *summary, vlit_error *err);

#ifdef __cplusplus
}
#endif

#endif
