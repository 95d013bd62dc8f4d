/* Internal: the state of a report run, shared by the driver (report.c), the
 * partials (report_partial.c), the JSON writer (report_json.c) and the table
 * (report_table.c).
 *
 * A run holds, per dataset, everything the dataset-level numbers are made of,
 * in forms that merge exactly: integer counts, co-occurrence graphs (integer
 * weights), text and image sets (vlit/embed.h partials), the sample positions
 * of their rows (rows are put back in position order before DBSCAN), exact
 * sums as floating-point expansions, value counts, and top-20 lists ordered by
 * (value, position). One process builds one such state; N shards build N that
 * vlit_report_merge() adds into one; report_json.c turns a state into the
 * document. */
#ifndef VLIT_REPORT_INTERNAL_H
#define VLIT_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/err.h"
#include "../base/strmap.h"
#include "../base/u64map.h"
#include "vlit/embed.h"
#include "vlit/graph.h"
#include "vlit/report.h"

#define RP_WORST 20     /* worst samples kept per indicator */
#define RP_TEXT_MAX 600 /* bytes of a worst sample's text */
#define RP_BINS 20      /* histogram bins */

/* ---- exact sums (report_sum.c) ----
 * A sum of doubles held exactly as a list of non-overlapping doubles
 * (Shewchuk's expansions, as Python's math.fsum keeps them). Adding in any
 * order and merging expansions give the same exact value, and rp_fsum_value()
 * rounds that value once, correctly, so the result does not depend on order. */
typedef struct rp_fsum {
    double *p;
    size_t n, cap;
} rp_fsum;
vlit_status rp_fsum_add(rp_fsum *s, double x, vlit_error *err); /* x finite */
vlit_status rp_fsum_merge(rp_fsum *s, const rp_fsum *t, vlit_error *err);
double rp_fsum_value(const rp_fsum *s);
void rp_fsum_free(rp_fsum *s);

/* Population variance (divide by n) of n values, from exact sums. */
double rp_variance(const double *x, size_t n);

/* ---- equalize ----
 * Marks k of n positions (uniform, without replacement, seeded): Knuth's
 * selection sampling, position by position, so the choice depends only on
 * (seed, stream, n, k). sel must hold (n + 7) / 8 bytes. */
void rp_select(uint64_t seed, uint64_t stream, uint64_t n, uint64_t k, uint8_t *sel);

typedef struct rp_worst {
    uint64_t position;
    double value;
    char *id;
    char *text;
} rp_worst;

/* A sample-level indicator of one dataset, from its scores file. */
typedef struct rp_ind {
    char *name, *method;
    int principle, direction;
    uint64_t n;       /* samples with a value */
    rp_fsum sum;      /* of the values */
    int have_missing; /* a line said missing: the first (by position) reason */
    uint64_t missing_pos;
    char *missing_reason;
    vlit_u64map vmap; /* value bits -> index into vals/counts */
    double *vals;
    uint64_t *counts;
    size_t nvals, capvals;
    rp_worst worst[RP_WORST];
    size_t n_worst;
} rp_ind;

typedef struct rp_task {
    char *name;
    uint64_t count;        /* samples */
    uint64_t instructions; /* user turns */
    vlit_graph *g;         /* co-occurrences of their content words */
} rp_task;

typedef struct rp_image {
    char *path;
    uint64_t first; /* position of the first sample that uses it */
    int has_clue;
} rp_image;

typedef struct rp_ds {
    char *name, *path, *clues_path, *scores_path, *tags_path;
    vlit_format format;
    /* file-level counts (every shard reads the whole file: equal in all partials) */
    uint64_t total;    /* sample records */
    uint64_t selected; /* after --equalize (== total without it) */
    uint64_t skipped;  /* bad records skipped */
    /* of the samples measured */
    uint64_t samples;
    char *task_method;
    uint64_t untagged;
    rp_task *tasks;
    size_t n_tasks, cap_tasks;
    vlit_text_set *texts;
    uint64_t *text_pos;
    size_t n_text, cap_text;
    uint64_t no_response;
    vlit_image_set *images;
    rp_image *imgs;
    size_t n_imgs, cap_imgs;
    vlit_strmap img_index; /* path -> index in imgs */
    uint64_t no_image;
    int have_clues;
    vlit_strmap cats; /* object categories of the images used */
    int have_scores;
    uint64_t no_score_line;
    rp_ind *inds;
    size_t n_inds, cap_inds;
} rp_ds;

typedef struct rp_run {
    vlit_report_params p;
    vlit_arena strings; /* copies of the params' strings */
    rp_ds *ds;
    size_t n;
    unsigned shard_index, shard_count;
    int shards_seen; /* merge: partials added */
    vlit_buf canon;  /* merge: options and datasets of the first partial */
} rp_run;

/* The canonical options object (the report's "options", and the first line
 * of a partial that merges compare). */
vlit_status rp_options_json(const rp_run *run, vlit_buf *b, vlit_error *err);

/* report.c */
vlit_status rp_run_init(rp_run *run, const vlit_report_params *p, vlit_error *err);
vlit_status rp_ds_init(rp_run *run, rp_ds *d, const vlit_report_dataset *src, vlit_error *err);
void rp_run_free(rp_run *run);
rp_task *rp_task_get(rp_ds *d, const char *name, size_t len, vlit_error *err);
rp_ind *rp_ind_get(rp_ds *d, const char *name, const char *method, vlit_error *err);
vlit_status rp_ind_add_value(rp_ind *ind, double v, uint64_t count, vlit_error *err);
vlit_status rp_ind_offer_worst(rp_ind *ind, uint64_t position, double value, const char *id, const char *text,
                               vlit_error *err);
vlit_status rp_image_note(rp_ds *d, const char *path, uint64_t first, int has_clue, int add_to_set, vlit_error *err);
vlit_status rp_embed_params(const rp_run *run, int images, vlit_embed_params *ep, vlit_error *err);

/* report_json.c: the finished document of a run (measures what is left:
 * Ego-Splitting, embeddings, DBSCAN). */
vlit_status rp_finish_json(rp_run *run, vlit_buf *out, vlit_error *err);

/* report_table.c */
vlit_status rp_render_table(const char *json, size_t len, vlit_buf *out, vlit_error *err);

/* report_partial.c */
vlit_status rp_write_partial(rp_run *run, const char *out_dir, vlit_error *err);
/* Parses one partial's manifest (text) and adds it into run; side files are
 * named relative to dir. The first partial added creates the datasets. */
vlit_status rp_add_partial(rp_run *run, const char *text, size_t len, const char *dir, const char *name,
                           vlit_error *err);

#endif
