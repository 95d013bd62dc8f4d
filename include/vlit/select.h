/*
 * vlit/select.h - stage 5: quality control. Turns scored samples into a
 * filtered, deduplicated, task-balanced training set, with a reason for every
 * sample it drops.
 *
 * Four groups of rules, applied in this order (each sees only the samples the
 * groups before it kept), as the paper ablates them:
 *   1. usability   thresholds on text readability, image readability,
 *                  matching, correctness (and, when asked, hallucination);
 *   2. complexity  a floor on instruction complexity;
 *   3. diversity   near-duplicates inside instruction and response clusters:
 *                  one representative per group, the best scored;
 *   4. balance     uniform sampling per task label to a target size, with the
 *                  allocation that minimises the variance of the task shares.
 * docs/select.md gives every rule, its default and the measurements behind it.
 *
 *   vlit_select_params p = vlit_select_default_params();
 *   p.target = 5000;  p.reasons_path = "dropped.jsonl";
 *   p.off = 1u << VLIT_SELECT_DIVERSITY;           // an ablation row
 *   vlit_select_summary sum = {0};  vlit_error err = {0};
 *   if (vlit_select("samples.jsonl", "scores.jsonl", &p, "train.json", &sum, &err)) report(err.message);
 *   vlit_select_summary_free(&sum);
 *
 * Memory: a few tens of bytes per sample (its scores, label and verdict) and,
 * for the diversity group, two embedding rows per sample that reaches it; the
 * samples themselves are streamed twice (decide, then write).
 *
 * Ownership: see vlit/base.h. The summary's arrays belong to the summary
 * (vlit_select_summary_free).
 */
#ifndef VLIT_SELECT_H
#define VLIT_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "sample.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vlit_select_group {
    VLIT_SELECT_USABILITY = 0,
    VLIT_SELECT_COMPLEXITY = 1,
    VLIT_SELECT_DIVERSITY = 2,
    VLIT_SELECT_BALANCE = 3
} vlit_select_group;
#define VLIT_SELECT_GROUPS 4

/* "usability", "complexity", "diversity", "balance"; NULL when out of range. */
const char *vlit_select_group_name(int group);
/* Index of a group name; VLIT_ERR_USAGE if unknown. */
vlit_status vlit_select_group_parse(const char *name, int *group);

/* The threshold rules, each reading one indicator of the scores file (the
 * value of whatever method scored it; every line must use the same method). */
typedef enum vlit_select_rule {
    VLIT_RULE_TEXT_READABILITY = 0,      /* usability: drop value < min */
    VLIT_RULE_IMAGE_READABILITY = 1,     /* usability: drop value > max (NIQE: lower is better) */
    VLIT_RULE_MATCHING = 2,              /* usability: drop value < min */
    VLIT_RULE_CORRECTNESS = 3,           /* usability: drop value < min */
    VLIT_RULE_HALLUCINATION = 4,         /* usability: drop value > max (off by default) */
    VLIT_RULE_INSTRUCTION_COMPLEXITY = 5 /* complexity: drop value < min */
} vlit_select_rule;
#define VLIT_SELECT_RULES 6

/* The indicator a rule reads ("text_readability", ...), NULL when out of range. */
const char *vlit_select_rule_indicator(int rule);
/* VLIT_SELECT_USABILITY or VLIT_SELECT_COMPLEXITY. */
int vlit_select_rule_group(int rule);
/* +1: the rule is a floor (drops values below it); -1: a ceiling. */
int vlit_select_rule_sense(int rule);

typedef struct vlit_select_threshold {
    int on;         /* 0: the rule drops nothing */
    int percentile; /* 1: value is a percentile (0-100) of the indicator's values in the input */
    double value;   /* the threshold in the indicator's units, or the percentile */
    int required;   /* 1: an error when no scores line has the indicator (else the rule
                       is skipped with a note); the command sets it for thresholds it was given */
} vlit_select_threshold;

/* Parses "0.3" (absolute), "p10" (percentile 0-100) or "off" into t
 * (t->on = 1, or 0 for "off"). VLIT_ERR_USAGE for anything else. */
vlit_status vlit_select_threshold_parse(const char *text, vlit_select_threshold *t);

/* A group of near duplicates: samples in the same instruction cluster and the
 * same response cluster (VLIT_DEDUP_BOTH), or in the same response cluster,
 * or in the same instruction cluster, whatever the other text says. */
typedef enum vlit_dedup_by { VLIT_DEDUP_BOTH = 0, VLIT_DEDUP_RESPONSE = 1, VLIT_DEDUP_INSTRUCTION = 2 } vlit_dedup_by;

typedef struct vlit_select_params {
    unsigned off; /* bit (1u << group): the group is turned off */
    vlit_select_threshold threshold[VLIT_SELECT_RULES];
    int missing_drop; /* a value a rule needs is missing: 0 keep (default, counted), 1 drop */
    /* diversity */
    double similarity;      /* texts are in one cluster when linked by cosine >= this (default 0.9) */
    vlit_dedup_by dedup_by; /* which clusters make a group of near duplicates (default both) */
    int dedup_same_image;   /* 1: a group also shares its (first) image */
    size_t dim;             /* TF-IDF dimension (default 256) */
    /* balance */
    size_t target;         /* samples to keep; 0 = the balance group keeps everything */
    uint64_t seed;         /* of the per-task sampling (default 1) */
    const char *tags_path; /* task labels: a `vlit tag` file; NULL = the rule tagger */
    /* input and output */
    vlit_format in_format;                           /* of the samples (default jsonl) */
    vlit_format out_format;                          /* of the output (default llava) */
    const char *reasons_path;                        /* JSON Lines, one per dropped sample; NULL = not written */
    unsigned shard_index, shard_count;               /* write only the samples with position % count == index
                                                        (the decisions are the same in every shard) */
    void (*on_note)(void *ctx, const char *message); /* e.g. "text_readability p10 = 0.21" */
    void *ctx;
    /* Called for each sample written, with its position in the input (what
     * vlit merge select orders by); may be NULL. */
    void (*on_written)(void *written_ctx, size_t position);
    void *written_ctx;
    /* The same for each line of the reasons file (a dropped sample); may be NULL. */
    void (*on_reason)(void *reason_ctx, size_t position);
    void *reason_ctx;
} vlit_select_params;

/* Defaults: every group on; usability text_readability >= p10, image_readability
 * <= p90, matching >= p10, correctness >= p10 (percentiles of the input);
 * complexity instruction_complexity >= 2; similarity 0.9; no target; seed 1;
 * missing values keep the sample. */
vlit_select_params vlit_select_default_params(void);

typedef struct vlit_select_share {
    const char *task;     /* label (owned by the summary) */
    size_t before, after; /* samples entering the balance group / kept by it */
} vlit_select_share;

typedef struct vlit_select_summary {
    size_t samples;                         /* records read */
    size_t kept;                            /* written (all shards) */
    size_t dropped[VLIT_SELECT_GROUPS];     /* per group */
    size_t dropped_rule[VLIT_SELECT_RULES]; /* usability and complexity, by the first rule that failed */
    size_t missing[VLIT_SELECT_RULES];      /* samples a rule could not judge (value missing) */
    double cut[VLIT_SELECT_RULES];          /* the threshold applied, in the indicator's units (NAN: rule off) */
    char method[VLIT_SELECT_RULES][48];     /* the method that scored it ("" when not in the scores) */
    size_t duplicate_groups;                /* diversity: groups of two or more */
    /* balance (tasks in byte order of their names) */
    vlit_select_share *shares;
    size_t tasks;
    double variance_before, variance_after; /* of the task shares, percent points^2 */
    int balanced;                           /* 1 when the balance group ran with a target below its input */
} vlit_select_summary;

/* Frees the summary's arrays (vlit_select() overwrites a summary: free it
 * before passing it again). Accepts NULL and a zeroed summary. */
void vlit_select_summary_free(vlit_select_summary *s);

/* Reads samples_path (format params->in_format) and its scores file (vlit
 * score output, one line per sample in input order), decides, and writes the
 * kept samples to out_path in params->out_format, atomically, and the reasons
 * file when asked. Errors name the file, the line and the problem: a scores
 * line whose index or id does not match the sample, an indicator a rule needs
 * that no line has, methods that change between lines. */
vlit_status vlit_select(const char *samples_path, const char *scores_path, const vlit_select_params *params,
                        const char *out_path, vlit_select_summary *summary, vlit_error *err);

/* ---- the pieces, public for tests and for callers with their own loop ---- */

/* The p-th percentile (0-100) of n values, linear between closest ranks
 * (NumPy's default): sorts values in place. n must be > 0. */
double vlit_select_percentile(double *values, size_t n, double p);

/* Balance allocation: how many of each task's counts[t] samples to keep so
 * that they add up to min(target, sum counts) and the variance of the shares
 * is the least possible (water-filling: every task gets min(count, L) for the
 * largest common level L that fits, and the samples still to give go one each
 * to the tasks above L in index order). */
void vlit_select_allocate(const size_t *counts, size_t k, size_t target, size_t *alloc);

/* Population variance of the shares 100 * counts[t] / sum, in percent
 * points^2, over the k tasks (0 when the sum is 0). */
double vlit_select_share_variance(const size_t *counts, size_t k);

#ifdef __cplusplus
}
#endif

#endif
