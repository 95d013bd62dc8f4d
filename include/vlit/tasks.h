/*
 * vlit/tasks.h - task tagging (principle 3, task diversity): one task label
 * per sample, from the embedded rule-based tagger or from a TagGPT-style LLM
 * tagger, and the tags file that `vlit tag` writes and the report reads.
 *
 *   // one sample, rules (no files, no server; deterministic, thread-safe)
 *   size_t t = vlit_task_tag_rules(sample);
 *   printf("%s\n", t == VLIT_TASK_NONE ? "?" : vlit_task_name(t));
 *
 *   // a whole file, either method, written as a tags file
 *   vlit_tag_params p = vlit_tag_default_params();
 *   p.method = VLIT_TAG_LLM;  p.llm_url = "http://host:8000/v1";  p.model = "m";  p.store_path = "run.db";
 *   vlit_tag_summary sum;  vlit_error err = {0};
 *   if (vlit_tag("samples.jsonl", VLIT_FMT_JSONL, &p, "tags.jsonl", &sum, &err)) report(err.message);
 *
 *   // reading a tags file
 *   vlit_tag_reader *r;  size_t pos;  const char *id, *task, *method;
 *   vlit_tag_reader_open("tags.jsonl", &r, &err);
 *   while ((st = vlit_tag_reader_next(r, &pos, &id, &task, &method, &err)) == VLIT_OK)
 *       use(pos, id, task ? task : vlit_tag_reader_missing(r));
 *   vlit_tag_reader_close(r);   // st == VLIT_END at the end
 *
 * The tags file: JSON Lines, one line per sample in input order,
 *   {"position":N,"id":"..","task":"..","method":"rules"}  or
 *   {"position":N,"id":"..","method":"llm:<model>","missing":"reason"}
 * position is the sample's 0-based index in its input file. docs/tasks.md
 * lists the labels, the rules and the LLM procedure.
 *
 * Ownership: see vlit/base.h. Strings from vlit_tag_reader_next() live until
 * the next call on the reader; label names are constant.
 */
#ifndef VLIT_TASKS_H
#define VLIT_TASKS_H

#include <stddef.h>

#include "base.h"
#include "sample.h"

#ifdef __cplusplus
extern "C" {
#endif

/* No label: only when the embedded rules could not be loaded (see
 * vlit_task_rules_check), never for an ordinary sample. */
#define VLIT_TASK_NONE ((size_t)-1)

/* The labels of the rule-based tagger, in a fixed order (which is also the
 * order that breaks ties between equal rule scores). The last two are
 * "conversation" (user turns of different labels) and "other" (no rule
 * matched). */
size_t vlit_task_count(void);
/* "text_recognition", ...; NULL when i >= vlit_task_count(). */
const char *vlit_task_name(size_t i);
/* One line saying what the label covers; NULL when out of range. */
const char *vlit_task_summary(size_t i);
/* Index of a label name, VLIT_TASK_NONE when unknown. */
size_t vlit_task_find(const char *name);

/* Loads the embedded rules (data/tasks/rules.tsv, compiled into the library)
 * on first use; VLIT_OK when they are usable. Call once before tagging to
 * turn a broken build into an error instead of VLIT_TASK_NONE labels. */
vlit_status vlit_task_rules_check(vlit_error *err);
/* The label of one instruction text (one user turn). */
size_t vlit_task_tag_text(const char *instruction);
/* The label of a sample, from its user turns (role "user"; the sample's own
 * task field is not read): every user turn is labelled alone; a sample whose
 * turns carry two or more different labels (other than "other") is a
 * "conversation"; else the one label they carry; else "other".
 * Deterministic and thread-safe. */
size_t vlit_task_tag_rules(const vlit_sample *s);

/* ---- tagging a file --------------------------------------------------------------- */

typedef enum vlit_tag_method { VLIT_TAG_RULES = 0, VLIT_TAG_LLM = 1 } vlit_tag_method;

typedef struct vlit_tag_params {
    vlit_tag_method method;
    /* LLM tagger (docs/tasks.md): chat server base URL (.../v1), model, key */
    const char *llm_url, *model;
    const char *api_key;      /* NULL = from VLIT_API_KEY / OPENAI_API_KEY */
    const char *store_path;   /* run store: every request and reply, reruns send nothing; NULL = none */
    const char *data_dir;     /* vlit's data folder (the prompts in tasks/); NULL = the installed one */
    unsigned batch;           /* samples per request; 0 = 10 */
    unsigned concurrency;     /* requests in flight; 0 = 16 */
    long max_failed;          /* error budget of requests; -1 = 20 and more than 10 % */
    double coverage;          /* keep tags until this share of the samples is covered; <= 0: 0.95 */
    unsigned min_support;     /* a kept tag was proposed for at least this many samples; 0 = 2 */
    unsigned max_tags;        /* at most this many kept tags; 0 = 30 */
    double merge_overlap;     /* merge two kept tags when this share of the smaller one's samples
                                 are also the larger one's; <= 0: 0.8 (> 1: never) */
    /* running */
    unsigned shard_index, shard_count; /* rules: tag samples with position % count == index */
    int skip_bad;             /* skip malformed sample records (counted) */
    void (*on_skip)(void *ctx, const char *message);
    void (*on_note)(void *ctx, const char *message); /* "kept 12 tags covering 96.1 % ..." */
    void *ctx;
} vlit_tag_params;

vlit_tag_params vlit_tag_default_params(void);

typedef struct vlit_tag_summary {
    size_t samples;            /* tagged lines written (this shard) */
    size_t skipped;            /* bad records skipped */
    size_t missing;            /* samples without a label, with a reason */
    size_t with_task, agree;   /* samples carrying their own task field; of them, equal to our label */
    /* LLM tagger */
    size_t tags_proposed;      /* distinct normalised tags proposed */
    size_t tags_kept;          /* after coverage and merging */
    size_t tags_merged;        /* kept tags merged into another */
    double coverage;           /* share of the samples with a proposal covered by the kept tags */
    size_t requests_sent, requests_from_store, requests_failed;
} vlit_tag_summary;

/* Tags every sample of samples_path and writes the tags file out_path
 * atomically. Rules: streams. LLM: reads the file twice (propose, then
 * assign) and keeps the proposed tags of every sample in memory (a few
 * bytes a sample); a sample whose label cannot be had (failed request,
 * unparseable or unknown answer) is written with "missing" and the reason.
 * VLIT_ERR_REMOTE when the error budget is spent (no output written) or when
 * no tag at all could be proposed (the output is written, every sample
 * missing). */
vlit_status vlit_tag(const char *samples_path, vlit_format fmt, const vlit_tag_params *params, const char *out_path,
                     vlit_tag_summary *summary, vlit_error *err);

/* ---- the tags file ------------------------------------------------------------------ */

typedef struct vlit_tag_reader vlit_tag_reader;

/* Opens a tags file ("-" = standard input). */
vlit_status vlit_tag_reader_open(const char *path, vlit_tag_reader **out, vlit_error *err);
/* VLIT_OK with the next line's fields, VLIT_END after the last, or an error
 * naming the file, the line and the problem (not JSON, a field missing or of
 * the wrong type, both or neither of task and missing, positions not
 * increasing). *task is NULL for a sample marked missing. */
vlit_status vlit_tag_reader_next(vlit_tag_reader *r, size_t *position, const char **id, const char **task,
                                 const char **method, vlit_error *err);
/* The reason of the last line read when it was marked missing, else NULL. */
const char *vlit_tag_reader_missing(const vlit_tag_reader *r);
void vlit_tag_reader_close(vlit_tag_reader *r);

#ifdef __cplusplus
}
#endif

#endif
