/* The report document: finishes a run's state (Ego-Splitting per task, the
 * text and image vectors put in position order, DBSCAN, means, histograms)
 * and writes the JSON of docs/report.md. Everything here depends only on the
 * state, never on how it was put together, which is why N shards merged give
 * the bytes of one process. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/json.h"
#include "report_internal.h"
#include "vlit/cluster.h"
#include "vlit/score.h"

#define TRY(x)                                                                                                         \
    do {                                                                                                               \
        if ((st = (x)))                                                                                                \
            goto out;                                                                                                  \
    } while (0)

static vlit_status key(vlit_buf *b, const char *k)
{
    vlit_status st = vlit_buf_puts(b, ",\"");
    if (!st)
        st = vlit_buf_puts(b, k);
    if (!st)
        st = vlit_buf_puts(b, "\":");
    return st;
}

static vlit_status kstr(vlit_buf *b, const char *k, const char *v)
{
    vlit_status st = key(b, k);
    if (!st)
        st = v ? vj_write_cstr(b, v) : vlit_buf_puts(b, "null");
    return st;
}

static vlit_status knum(vlit_buf *b, const char *k, double v)
{
    vlit_status st = key(b, k);
    if (!st)
        st = isfinite(v) ? vj_write_num(b, v) : vlit_buf_puts(b, "null");
    return st;
}

static vlit_status ku64(vlit_buf *b, const char *k, uint64_t v)
{
    vlit_status st = key(b, k);
    if (!st)
        st = vlit_buf_printf(b, "%" PRIu64, v);
    return st;
}

/* The fields every indicator entry starts with; value NAN = null with missing. */
static vlit_status head(vlit_buf *b, const char *k, int principle, const char *title, const char *level, double value,
                        const char *missing, const char *unit, const char *method, int direction)
{
    vlit_status st = vlit_buf_puts(b, "\n    {\"key\":");
    if (!st)
        st = vj_write_cstr(b, k);
    if (!st)
        st = vlit_buf_printf(b, ",\"principle\":%d", principle);
    if (!st)
        st = kstr(b, "title", title);
    if (!st)
        st = kstr(b, "level", level);
    if (!st)
        st = knum(b, "value", value);
    if (!st && !isfinite(value))
        st = kstr(b, "missing", missing ? missing : "not computed");
    if (!st)
        st = kstr(b, "unit", unit);
    if (!st)
        st = kstr(b, "method", method);
    if (!st)
        st = kstr(b, "direction", direction > 0 ? "higher" : "lower");
    return st;
}

static int cmp_desc(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x < y) - (x > y);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* DBSCAN of rows (already in canonical order); fills clusters, sizes (descending), noise.
 * The time goes to the notes (stderr), never into the document. */
static vlit_status cluster_rows(const rp_run *run, const float *x, size_t n, size_t dim, double eps, size_t ms,
                                vlit_dbscan_result *r, vlit_error *err)
{
    double t0 = now();
    vlit_dbscan_params p = vlit_dbscan_default_params();
    p.eps = eps;
    p.min_samples = ms;
    p.threads = (int)run->p.threads;
    vlit_status st = vlit_dbscan(x, n, dim, &p, r, err);
    if (!st && r->clusters)
        qsort(r->sizes, r->clusters, sizeof *r->sizes, cmp_desc);
    if (!st && run->p.on_note) {
        char m[256];
        snprintf(m, sizeof m, "DBSCAN of %zu x %zu: %zu clusters, %zu noise, %.2f s", n, dim, r->clusters,
                 r->noise_points, now() - t0);
        run->p.on_note(run->p.ctx, m);
    }
    return st;
}

static vlit_status write_clusters(vlit_buf *b, const vlit_dbscan_result *r)
{
    vlit_status st = ku64(b, "clusters", r->clusters);
    if (!st)
        st = ku64(b, "points", r->n);
    if (!st)
        st = ku64(b, "core_points", r->core_points);
    if (!st)
        st = knum(b, "noise_share", r->n ? (double)r->noise_points / (double)r->n : NAN);
    if (!st)
        st = vlit_buf_puts(b, ",\"cluster_sizes\":[");
    for (size_t i = 0; i < r->clusters && !st; i++)
        st = vlit_buf_printf(b, "%s%zu", i ? "," : "", r->sizes[i]);
    if (!st)
        st = vlit_buf_putc(b, ']');
    return st;
}

typedef struct row_key {
    uint64_t pos;
    const char *path;
    size_t row;
} row_key;

static int cmp_row(const void *a, const void *b)
{
    const row_key *x = a, *y = b;
    if (x->pos != y->pos)
        return (x->pos > y->pos) - (x->pos < y->pos);
    if (x->path && y->path) {
        int c = strcmp(x->path, y->path);
        if (c)
            return c;
    }
    return (x->row > y->row) - (x->row < y->row);
}

/* Rows of res put in the order of keys (sorted); malloc'ed. */
static float *reorder(const vlit_embed_result *res, row_key *keys)
{
    qsort(keys, res->rows, sizeof *keys, cmp_row);
    float *x = malloc((res->rows ? res->rows : 1) * res->dim * sizeof *x + 1);
    if (!x)
        return NULL;
    for (size_t i = 0; i < res->rows; i++)
        memcpy(x + i * res->dim, res->data + keys[i].row * res->dim, res->dim * sizeof *x);
    return x;
}

static void embed_method(const rp_run *run, int images, char *out, size_t cap)
{
    const vlit_report_params *p = &run->p;
    const char *m = images ? p->image_method : p->text_method;
    if (strcmp(m, "server") == 0)
        snprintf(out, cap, "server:%s", p->embed_model ? p->embed_model : "?");
    else if (images)
        snprintf(out, cap, "descriptor-%d", VLIT_EMBED_IMAGE_DIM);
    else
        snprintf(out, cap, "tfidf-%zu", p->text_dim);
    size_t l = strlen(out);
    snprintf(out + l, cap - l, " + dbscan (eps %g, min samples %zu)", images ? p->eps_image : p->eps_text,
             images ? p->min_samples_image : p->min_samples_text);
}

static vlit_status failures(vlit_buf *b, const vlit_embed_result *res)
{
    vlit_status st = ku64(b, "failed", res->failed);
    if (!st && res->failed)
        st = kstr(b, "failed_first", res->failed_reason[0]);
    return st;
}

static vlit_status response_diversity(rp_run *run, rp_ds *d, vlit_buf *b, vlit_error *err)
{
    char method[256], why[VLIT_ERRMSG_MAX + 64];
    embed_method(run, 0, method, sizeof method);
    vlit_embed_result res = {0};
    vlit_dbscan_result r = {0};
    row_key *keys = NULL;
    float *x = NULL;
    vlit_status st = VLIT_OK;
    if (d->n_text == 0) {
        st = head(b, "response_diversity", 5, "Response diversity", "dataset", NAN, "no responses", "log10 clusters",
                  method, 1);
        goto out;
    }
    TRY(vlit_text_set_embed(d->texts, &res, err));
    keys = malloc((res.rows + 1) * sizeof *keys);
    if (!keys) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < res.rows; i++) {
        size_t item = res.row_item[i];
        keys[i] = (row_key){item < d->n_text ? d->text_pos[item] : UINT64_MAX, NULL, i};
    }
    if (!(x = reorder(&res, keys))) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (run->p.on_note) {
        snprintf(why, sizeof why, "%s: DBSCAN of %zu response vectors (%zu dimensions)", d->name, res.rows, res.dim);
        run->p.on_note(run->p.ctx, why);
    }
    TRY(cluster_rows(run, x, res.rows, res.dim, run->p.eps_text, run->p.min_samples_text, &r, err));
    double value = r.clusters ? log10((double)r.clusters) : NAN;
    if (!r.clusters)
        snprintf(why, sizeof why, "DBSCAN found no cluster: all %zu responses are noise", r.n);
    if (!res.rows)
        snprintf(why, sizeof why, "no response has a vector (%zu failed: %s)", res.failed,
                 res.failed ? res.failed_reason[0] : "?");
    TRY(head(b, "response_diversity", 5, "Response diversity", "dataset", value, why, "log10 clusters", method, 1));
    TRY(write_clusters(b, &r));
    TRY(failures(b, &res));
out:
    vlit_embed_result_free(&res);
    vlit_dbscan_result_free(&r);
    free(keys);
    free(x);
    return st;
}

static vlit_status visual_diversity(rp_run *run, rp_ds *d, vlit_buf *b, vlit_error *err)
{
    char method[256], why[VLIT_ERRMSG_MAX + 64];
    embed_method(run, 1, method, sizeof method);
    vlit_embed_result res = {0};
    vlit_dbscan_result r = {0};
    row_key *keys = NULL;
    float *x = NULL;
    vlit_status st = VLIT_OK;
    if (d->n_imgs == 0) {
        st = head(b, "visual_diversity", 6, "Visual diversity", "dataset", NAN, "the samples have no images",
                  "clusters", method, 1);
        goto out;
    }
    TRY(vlit_image_set_vectors(d->images, &res, err));
    keys = malloc((res.rows + 1) * sizeof *keys);
    if (!keys) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < res.rows; i++) {
        const char *path = res.paths ? res.paths[res.row_item[i]] : NULL;
        uint32_t *ix = path ? vlit_strmap_get(&d->img_index, path, strlen(path)) : NULL;
        keys[i] = (row_key){ix ? d->imgs[*ix].first : UINT64_MAX, path, i};
    }
    if (!(x = reorder(&res, keys))) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (res.rows)
        TRY(cluster_rows(run, x, res.rows, res.dim, run->p.eps_image, run->p.min_samples_image, &r, err));
    /* a count: 0 clusters (every image noise) is a value; no image read is not */
    double value = res.rows ? (double)r.clusters : NAN;
    if (!res.rows)
        snprintf(why, sizeof why, "no image could be read (%zu failed; first: %s)", res.failed,
                 res.failed ? res.failed_reason[0] : "?");
    TRY(head(b, "visual_diversity", 6, "Visual diversity", "dataset", value, why, "clusters", method, 1));
    TRY(ku64(b, "images", d->n_imgs));
    if (res.rows)
        TRY(write_clusters(b, &r));
    TRY(failures(b, &res));
out:
    vlit_embed_result_free(&res);
    vlit_dbscan_result_free(&r);
    free(keys);
    free(x);
    return st;
}

static int cmp_task_name(const void *a, const void *b)
{
    const rp_task *x = *(rp_task *const *)a, *y = *(rp_task *const *)b;
    return strcmp(x->name, y->name);
}

static int cmp_task_share(const void *a, const void *b)
{
    const rp_task *x = *(rp_task *const *)a, *y = *(rp_task *const *)b;
    if (x->count != y->count)
        return (x->count < y->count) - (x->count > y->count);
    return strcmp(x->name, y->name);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Lower and upper end of an indicator's declared range ("0-1", ">= 0"). */
static void declared_range(const char *name, const char *method, double *lo, double *hi)
{
    *lo = NAN;
    *hi = NAN;
    for (size_t i = 0; i < vlit_indicator_count(); i++) {
        const vlit_indicator_info *in = vlit_indicator_get(i);
        if (strcmp(in->name, name) || strcmp(in->method, method) || !in->range)
            continue;
        double a, c;
        if (sscanf(in->range, ">= %lf", &a) == 1) {
            *lo = a;
        } else if (sscanf(in->range, "%lf-%lf", &a, &c) == 2 && c > a) {
            *lo = a;
            *hi = c;
        }
    }
}

static const char *title_of(const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", name);
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = ' ';
    if (buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
    return buf;
}

typedef struct sample_key {
    const char *name, *method;
    int principle, direction;
    size_t order;
    double lo, hi; /* histogram range over all datasets */
} sample_key;

static vlit_status sample_indicator(rp_run *run, rp_ds *d, const sample_key *k, vlit_buf *b, vlit_error *err)
{
    (void)run;
    char title[128], why[VLIT_ERRMSG_MAX];
    title_of(k->name, title, sizeof title);
    rp_ind *ind = NULL;
    for (size_t i = 0; i < d->n_inds; i++)
        if (strcmp(d->inds[i].name, k->name) == 0)
            ind = &d->inds[i];
    vlit_status st = VLIT_OK;
    if (!ind || ind->n == 0) {
        if (!d->have_scores)
            snprintf(why, sizeof why, "no --scores file for this dataset");
        else if (!ind)
            snprintf(why, sizeof why, "not in this dataset's scores file");
        else if (ind->have_missing)
            snprintf(why, sizeof why, "missing for every sample; the first (sample %" PRIu64 "): %s", ind->missing_pos,
                     ind->missing_reason);
        else
            snprintf(why, sizeof why, "no sample has a value");
        st = head(b, k->name, k->principle, title, "sample", NAN, why, "mean", ind ? ind->method : k->method,
                  k->direction);
        if (!st) /* "missing" holds the reason here, not the count */
            st = ku64(b, "n", 0);
        return st ? vlit_err(err, st, "out of memory") : VLIT_OK;
    }
    double mean = rp_fsum_value(&ind->sum) / (double)ind->n;
    st = head(b, k->name, k->principle, title, "sample", mean, NULL, "mean", ind->method, ind->direction);
    if (!st)
        st = ku64(b, "n", ind->n);
    if (!st)
        st = ku64(b, "missing", d->samples >= ind->n ? d->samples - ind->n : 0);
    if (!st && ind->have_missing) {
        snprintf(why, sizeof why, "first (sample %" PRIu64 "): %s", ind->missing_pos, ind->missing_reason);
        st = kstr(b, "missing_reason", why);
    } else if (!st && d->no_score_line) {
        snprintf(why, sizeof why, "%" PRIu64 " samples have no line in the scores file", d->no_score_line);
        st = kstr(b, "missing_reason", why);
    }
    /* histogram: RP_BINS equal bins over the range shared by every dataset */
    uint64_t counts[RP_BINS] = {0};
    double lo = k->lo, hi = k->hi;
    for (size_t i = 0; i < ind->nvals; i++) {
        double t = (ind->vals[i] - lo) / (hi - lo) * RP_BINS;
        long bin = t < 0 ? 0 : t >= RP_BINS ? RP_BINS - 1 : (long)t;
        counts[bin] += ind->counts[i];
    }
    if (!st)
        st = vlit_buf_puts(b, ",\"histogram\":{\"edges\":[");
    for (int i = 0; i <= RP_BINS && !st; i++) {
        if (i)
            st = vlit_buf_putc(b, ',');
        if (!st)
            st = vj_write_num(b, i == RP_BINS ? hi : lo + (hi - lo) * i / RP_BINS);
    }
    if (!st)
        st = vlit_buf_puts(b, "],\"counts\":[");
    for (int i = 0; i < RP_BINS && !st; i++)
        st = vlit_buf_printf(b, "%s%" PRIu64, i ? "," : "", counts[i]);
    if (!st)
        st = vlit_buf_puts(b, "]},\"worst\":[");
    for (size_t i = 0; i < ind->n_worst && !st; i++) {
        rp_worst *w = &ind->worst[i];
        st = vlit_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        if (!st)
            st = vj_write_cstr(b, w->id);
        if (!st)
            st = ku64(b, "position", w->position);
        if (!st)
            st = knum(b, "value", w->value);
        if (!st)
            st = kstr(b, "text", w->text);
        if (!st)
            st = vlit_buf_putc(b, '}');
    }
    if (!st)
        st = vlit_buf_putc(b, ']');
    return st ? vlit_err(err, st, "out of memory") : VLIT_OK;
}

static vlit_status dataset_json(rp_run *run, rp_ds *d, const sample_key *keys, size_t nkeys, vlit_buf *b,
                                vlit_error *err)
{
    vlit_status st = VLIT_OK;
    rp_task **tasks = malloc((d->n_tasks + 1) * sizeof *tasks);
    double *shares = malloc((d->n_tasks + 1) * sizeof *shares);
    size_t *clusters = calloc(d->n_tasks + 1, sizeof *clusters);
    if (!tasks || !shares || !clusters) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    uint64_t tagged = 0;
    size_t present = 0;
    for (size_t i = 0; i < d->n_tasks; i++)
        if (d->tasks[i].count) {
            tasks[present++] = &d->tasks[i];
            tagged += d->tasks[i].count;
        }
    TRY(vlit_buf_puts(b, "\n  {\"name\":"));
    TRY(vj_write_cstr(b, d->name));
    TRY(kstr(b, "path", d->path));
    TRY(ku64(b, "samples", d->samples));
    TRY(ku64(b, "records", d->total));
    TRY(ku64(b, "skipped", d->skipped));
    TRY(key(b, "equalized_to"));
    TRY(run->p.equalize ? vlit_buf_printf(b, "%" PRIu64, d->selected) : vlit_buf_puts(b, "null"));
    TRY(vlit_buf_puts(b, ",\"task_shares\":["));
    qsort(tasks, present, sizeof *tasks, cmp_task_share);
    for (size_t i = 0; i < present; i++) {
        TRY(vlit_buf_puts(b, i ? ",{\"task\":" : "{\"task\":"));
        TRY(vj_write_cstr(b, tasks[i]->name));
        TRY(ku64(b, "count", tasks[i]->count));
        shares[i] = (double)tasks[i]->count * 100.0 / (double)tagged;
        TRY(knum(b, "share", shares[i]));
        TRY(vlit_buf_putc(b, '}'));
    }
    TRY(vlit_buf_puts(b, "],\"indicators\":["));
    /* instruction diversity per task, by name */
    qsort(tasks, present, sizeof *tasks, cmp_task_name);
    vlit_egosplit_params ep = vlit_egosplit_default_params();
    ep.min_cluster = run->p.min_cluster;
    ep.min_weight = run->p.min_weight;
    size_t sum_clusters = 0;
    for (size_t i = 0; i < present; i++) {
        vlit_graph_clusters *c;
        TRY(vlit_graph_egosplit(tasks[i]->g, ep, &c, err));
        clusters[i] = vlit_graph_clusters_count(c);
        sum_clusters += clusters[i];
        vlit_graph_clusters_free(c);
    }
    char method[256];
    int first = 1;
    size_t ki = 0;
    /* entries in principle order: sample-level ones (1, 2, 7, 8, 9) around the dataset-level ones */
    for (int principle = 1; principle <= 10; principle++) {
        for (; ki < nkeys && keys[ki].principle <= principle; ki++) {
            if (!first)
                TRY(vlit_buf_putc(b, ','));
            first = 0;
            TRY(sample_indicator(run, d, &keys[ki], b, err));
            TRY(vlit_buf_putc(b, '}'));
        }
        int dataset_level = principle == 3 || principle == 4 || principle == 5 || principle == 6 || principle == 10;
        if (!dataset_level)
            continue;
        if (!first)
            TRY(vlit_buf_putc(b, ','));
        first = 0;
        if (principle == 3) {
            TRY(head(b, "tasks", 3, "Task diversity", "dataset", present ? (double)present : NAN,
                     "no sample has a task label", "tasks", d->task_method ? d->task_method : "?", 1));
            TRY(ku64(b, "untagged", d->untagged));
        } else if (principle == 4) {
            snprintf(method, sizeof method, "egosplit (content words%s, min cluster %zu, min weight %g)",
                     run->p.lemmatize ? ", lemmatised" : "", run->p.min_cluster, run->p.min_weight);
            TRY(head(b, "instruction_diversity", 4, "Instruction diversity", "dataset",
                     present ? (double)sum_clusters / (double)present : NAN, "no task has instructions", "clusters",
                     method, 1));
            TRY(vlit_buf_puts(b, ",\"per_task\":{"));
            for (size_t i = 0; i < present; i++) {
                if (i)
                    TRY(vlit_buf_putc(b, ','));
                TRY(vj_write_cstr(b, tasks[i]->name));
                TRY(vlit_buf_printf(b, ":%zu", clusters[i]));
            }
            TRY(vlit_buf_putc(b, '}'));
        } else if (principle == 5) {
            TRY(response_diversity(run, d, b, err));
        } else if (principle == 6) {
            TRY(visual_diversity(run, d, b, err));
            TRY(vlit_buf_puts(b, "},"));
            size_t with_clue = 0;
            for (size_t i = 0; i < d->n_imgs; i++)
                with_clue += d->imgs[i].has_clue;
            const char *why = !d->have_clues ? "no --clues file for this dataset"
                              : !with_clue   ? "no image of the dataset has a clue record"
                                             : NULL;
            TRY(head(b, "object_diversity", 6, "Object diversity", "dataset", why ? NAN : (double)d->cats.len, why,
                     "categories", "annotations", 1));
            TRY(ku64(b, "images", d->n_imgs));
            TRY(ku64(b, "images_with_clue", with_clue));
        } else {
            double v = present ? rp_variance(shares, present) : NAN;
            TRY(head(b, "balance", 10, "Balance", "dataset", v, "no sample has a task label", "pp\xc2\xb2",
                     "exact (population variance over the tasks present)", -1));
            TRY(ku64(b, "labels", present));
        }
        TRY(vlit_buf_putc(b, '}'));
    }
    TRY(vlit_buf_puts(b, "\n  ]}"));
out:
    if (st && err && !err->message[0])
        vlit_err(err, st, "out of memory");
    free(tasks);
    free(shares);
    free(clusters);
    return st;
}

static int cmp_key(const void *a, const void *b)
{
    const sample_key *x = a, *y = b;
    if (x->principle != y->principle)
        return x->principle - y->principle;
    return (x->order > y->order) - (x->order < y->order);
}

vlit_status rp_finish_json(rp_run *run, vlit_buf *b, vlit_error *err)
{
    /* the sample-level indicators of any dataset, in the registry's order */
    size_t cap = 0;
    for (size_t i = 0; i < run->n; i++)
        cap += run->ds[i].n_inds;
    sample_key *keys = calloc(cap + 1, sizeof *keys);
    if (!keys)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    size_t nkeys = 0;
    for (size_t i = 0; i < run->n; i++)
        for (size_t k = 0; k < run->ds[i].n_inds; k++) {
            rp_ind *ind = &run->ds[i].inds[k];
            size_t j = 0;
            while (j < nkeys && strcmp(keys[j].name, ind->name))
                j++;
            if (j == nkeys) {
                size_t order = 0;
                while (order < vlit_indicator_count() && strcmp(vlit_indicator_get(order)->name, ind->name))
                    order++;
                keys[nkeys++] = (sample_key){ind->name, ind->method, ind->principle, ind->direction, order, NAN, NAN};
            }
            /* the histogram's range: declared, else what the values of every dataset span */
            double lo, hi;
            declared_range(ind->name, ind->method, &lo, &hi);
            sample_key *sk = &keys[j];
            for (size_t v = 0; v < ind->nvals; v++) {
                double x = ind->vals[v];
                if (isnan(lo) && (isnan(sk->lo) || x < sk->lo))
                    sk->lo = x;
                if (isnan(hi) && (isnan(sk->hi) || x > sk->hi))
                    sk->hi = x;
            }
            if (!isnan(lo))
                sk->lo = lo;
            if (!isnan(hi))
                sk->hi = hi;
        }
    for (size_t j = 0; j < nkeys; j++) {
        if (isnan(keys[j].lo))
            keys[j].lo = 0;
        if (isnan(keys[j].hi) || keys[j].hi <= keys[j].lo)
            keys[j].hi = keys[j].lo + 1;
    }
    qsort(keys, nkeys, sizeof *keys, cmp_key);
    vlit_status st = vlit_buf_printf(b, "{\"vlit_report\":1,\"vlit_version\":\"%s\",\"options\":", vlit_version());
    if (!st)
        st = rp_options_json(run, b, err);
    if (!st)
        st = vlit_buf_puts(b, ",\"datasets\":[");
    for (size_t i = 0; i < run->n && !st; i++) {
        if (i)
            st = vlit_buf_putc(b, ',');
        if (!st)
            st = dataset_json(run, &run->ds[i], keys, nkeys, b, err);
    }
    if (!st)
        st = vlit_buf_puts(b, "\n]}\n");
    if (st && err && !err->message[0])
        vlit_err(err, st, "out of memory");
    free(keys);
    (void)cmp_double;
    return st;
}
