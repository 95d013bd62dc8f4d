/*
 * The report's HTML page (report_html.h).
 *
 * Two passes: read() checks the whole JSON document against the contract and
 * copies what the page shows into small structs (so every error names its
 * place before a byte is written), then render() writes the page into a
 * buffer, which goes to the output file in one piece. Charts are drawn here,
 * as inline SVG: histograms, horizontal bars (task shares, clusters per task)
 * and rank-size plots of cluster sizes. Numbers are printed with three
 * significant digits (integers in full), ticks at 1-2-5 steps.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/err.h"
#include "../base/json.h"
#include "report_html.h"

#define MAX_DATASETS 64   /* columns of one table; the page is meant for a handful */
#define BAR_ROWS 40       /* rows of a bar chart; the rest are summed into one */
#define TEXT_SHOWN 320    /* code points of a worst sample's text in the table */
#define TEXT_TOOLTIP 2000 /* ... and in its tooltip */
#define LABEL_CHARS 22    /* code points of a bar label */

/* ---- the document, as the page needs it ------------------------------- */

typedef struct rh_item { /* one bar: a task share, or one task's clusters */
    const char *label;
    double value, count; /* count: NAN when not given */
} rh_item;

typedef struct rh_worst {
    const char *id, *text; /* id: NULL when absent; text may contain NUL */
    size_t id_len, text_len;
    double position, value; /* NAN when absent or null */
} rh_worst;

typedef struct rh_ind {
    const char *key, *title, *unit, *method, *level, *direction, *reason;
    const char *missing_reason; /* why some samples have no value */
    int principle; /* 0: none given */
    double value, n, missing_count, clusters, noise_share; /* NAN when absent */
    double *edges, *counts;
    size_t bins; /* counts; edges has bins + 1 */
    int has_hist, has_sizes, has_per_task, has_worst;
    double *sizes; /* sorted, largest first */
    size_t n_sizes;
    rh_item *per_task;
    size_t n_per_task;
    rh_worst *worst;
    size_t n_worst;
} rh_ind;

typedef struct rh_ds {
    const char *name, *path;
    double samples, equalized_to;
    int has_tasks;
    rh_item *tasks;
    size_t n_tasks;
    rh_ind *inds;
    size_t n_inds;
} rh_ds;

typedef struct rh_doc {
    const char *version;
    const vj *options;
    rh_ds *ds;
    size_t n_ds;
    /* table rows: distinct indicator keys in principle order, each with the
     * first indicator that has it (for title, principle, direction) */
    const rh_ind **rows;
    size_t n_rows;
} rh_doc;

/* ---- reading ------------------------------------------------------------ */

typedef struct rd {
    vlit_arena *a;
    vlit_error *err;
} rd;

static vlit_status bad(rd *r, const char *where, const char *field, const char *fmt, ...) VLIT_PRINTF(4, 5);
static vlit_status bad(rd *r, const char *where, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!field)
        field = "";
    const char *dot = *where && *field && field[0] != '[' ? "." : "";
    return vlit_err(r->err, VLIT_ERR_DATA, "report JSON: %s%s%s: %s", *where || *field ? where : "document", dot,
                    field, msg);
}

static vlit_status nomem(rd *r) { return vlit_err(r->err, VLIT_ERR_NOMEM, "report JSON: out of memory"); }

/* s cut to at most max bytes on a UTF-8 boundary, for messages */
static int cut_len(const char *s, int max)
{
    int n = (int)strlen(s);
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static vlit_status get_text(rd *r, const char *where, const vj *obj, const char *key, int required,
                            const char **out)
{
    const vj *v = vj_get(obj, key);
    *out = NULL;
    if (!v || v->type == VJ_NULL)
        return required ? bad(r, where, key, "missing (a string is required)") : VLIT_OK;
    if (v->type != VJ_STRING)
        return bad(r, where, key, "expected a string, found %s", vj_type_name(v->type));
    if (!vj_is_text(v))
        return bad(r, where, key, "contains a NUL character");
    *out = v->str;
    return VLIT_OK;
}

/* A number in [lo, hi]; absent or null gives NAN. */
static vlit_status num_value(rd *r, const char *where, const char *field, const vj *v, double lo, double hi,
                             double *out)
{
    *out = NAN;
    if (!v || v->type == VJ_NULL)
        return VLIT_OK;
    if (v->type != VJ_NUMBER)
        return bad(r, where, field, "expected a number, found %s", vj_type_name(v->type));
    double x;
    if (!vj_number(v, &x))
        return bad(r, where, field, "%s is not a finite number", v->str);
    if (x < lo || x > hi)
        return bad(r, where, field, "%s is out of range [%g, %g]", v->str, lo, hi);
    *out = x;
    return VLIT_OK;
}

static vlit_status get_num(rd *r, const char *where, const vj *obj, const char *key, double lo, double hi,
                           double *out)
{
    return num_value(r, where, key, vj_get(obj, key), lo, hi, out);
}

/* An array of numbers >= 0 (no nulls). */
static vlit_status num_array(rd *r, const char *where, const char *field, const vj *v, double **out, size_t *n)
{
    if (v->type != VJ_ARRAY)
        return bad(r, where, field, "expected an array of numbers, found %s", vj_type_name(v->type));
    double *x = vlit_arena_alloc(r->a, (v->len ? v->len : 1) * sizeof *x);
    if (!x)
        return nomem(r);
    for (size_t i = 0; i < v->len; i++) {
        char f[96];
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        vlit_status st = num_value(r, where, f, v->items[i], 0, HUGE_VAL, &x[i]);
        if (st)
            return st;
        if (isnan(x[i]))
            return bad(r, where, f, "null where a number is required");
    }
    *out = x;
    *n = v->len;
    return VLIT_OK;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

static vlit_status read_histogram(rd *r, const char *where, const vj *h, rh_ind *ind)
{
    if (!h || h->type == VJ_NULL)
        return VLIT_OK;
    if (h->type != VJ_OBJECT)
        return bad(r, where, "histogram", "expected an object with edges and counts, found %s",
                   vj_type_name(h->type));
    const vj *e = vj_get(h, "edges"), *c = vj_get(h, "counts");
    if (!e || !c)
        return bad(r, where, "histogram", "needs both \"edges\" and \"counts\"");
    if (e->type != VJ_ARRAY)
        return bad(r, where, "histogram.edges", "expected an array of numbers, found %s", vj_type_name(e->type));
    double *edges = vlit_arena_alloc(r->a, (e->len ? e->len : 1) * sizeof *edges);
    if (!edges)
        return nomem(r);
    for (size_t i = 0; i < e->len; i++) {
        char f[64];
        snprintf(f, sizeof f, "histogram.edges[%zu]", i);
        vlit_status st = num_value(r, where, f, e->items[i], -HUGE_VAL, HUGE_VAL, &edges[i]);
        if (st)
            return st;
        if (isnan(edges[i]))
            return bad(r, where, f, "null where a number is required");
        if (i > 0 && !(edges[i] > edges[i - 1]))
            return bad(r, where, f, "edges must increase (%g after %g)", edges[i], edges[i - 1]);
    }
    if (e->len < 2)
        return bad(r, where, "histogram.edges", "needs at least 2 edges, found %zu", e->len);
    if (!isfinite(edges[e->len - 1] - edges[0]))
        return bad(r, where, "histogram.edges", "span from %g to %g is too wide to draw", edges[0],
                   edges[e->len - 1]);
    size_t nc;
    vlit_status st = num_array(r, where, "histogram.counts", c, &ind->counts, &nc);
    if (st)
        return st;
    if (nc != e->len - 1)
        return bad(r, where, "histogram", "%zu edges need %zu counts, found %zu", e->len, e->len - 1, nc);
    ind->edges = edges;
    ind->bins = nc;
    ind->has_hist = 1;
    return VLIT_OK;
}

static vlit_status read_worst(rd *r, const char *where, const vj *w, rh_ind *ind)
{
    if (!w || w->type == VJ_NULL)
        return VLIT_OK;
    if (w->type != VJ_ARRAY)
        return bad(r, where, "worst", "expected an array of samples, found %s", vj_type_name(w->type));
    ind->worst = vlit_arena_alloc(r->a, (w->len ? w->len : 1) * sizeof *ind->worst);
    if (!ind->worst)
        return nomem(r);
    for (size_t i = 0; i < w->len; i++) {
        const vj *s = w->items[i];
        rh_worst *o = &ind->worst[i];
        char f[64];
        snprintf(f, sizeof f, "worst[%zu]", i);
        if (s->type != VJ_OBJECT)
            return bad(r, where, f, "expected an object (id, position, value, text), found %s",
                       vj_type_name(s->type));
        const vj *id = vj_get(s, "id"), *text = vj_get(s, "text");
        o->id = NULL;
        o->id_len = 0;
        if (id && id->type != VJ_NULL) {
            if (id->type != VJ_STRING && id->type != VJ_NUMBER)
                return bad(r, where, f, "id: expected a string or a number, found %s", vj_type_name(id->type));
            o->id = id->str;
            o->id_len = id->len;
        }
        o->text = NULL;
        o->text_len = 0;
        if (text && text->type != VJ_NULL) {
            if (text->type != VJ_STRING)
                return bad(r, where, f, "text: expected a string, found %s", vj_type_name(text->type));
            o->text = text->str;
            o->text_len = text->len;
        }
        char g[80];
        snprintf(g, sizeof g, "%s.position", f);
        vlit_status st = num_value(r, where, g, vj_get(s, "position"), 0, 9.2e18, &o->position);
        if (st)
            return st;
        if (!isnan(o->position) && o->position != floor(o->position))
            return bad(r, where, g, "%g is not a whole number", o->position);
        snprintf(g, sizeof g, "%s.value", f);
        if ((st = num_value(r, where, g, vj_get(s, "value"), -HUGE_VAL, HUGE_VAL, &o->value)))
            return st;
    }
    ind->n_worst = w->len;
    ind->has_worst = 1;
    return VLIT_OK;
}

static int cmp_item(const void *a, const void *b)
{
    const rh_item *x = a, *y = b;
    if (x->value != y->value)
        return (x->value < y->value) - (x->value > y->value);
    return strcmp(x->label, y->label);
}

static vlit_status read_per_task(rd *r, const char *where, const vj *p, rh_ind *ind)
{
    if (!p || p->type == VJ_NULL)
        return VLIT_OK;
    if (p->type != VJ_OBJECT)
        return bad(r, where, "per_task", "expected an object {task: number}, found %s", vj_type_name(p->type));
    ind->per_task = vlit_arena_alloc(r->a, (p->len ? p->len : 1) * sizeof *ind->per_task);
    if (!ind->per_task)
        return nomem(r);
    size_t n = 0;
    for (size_t i = 0; i < p->len; i++) {
        char f[96];
        snprintf(f, sizeof f, "per_task.%.*s", cut_len(p->keys[i], 48), p->keys[i]);
        double x;
        vlit_status st = num_value(r, where, f, p->items[i], -HUGE_VAL, HUGE_VAL, &x);
        if (st)
            return st;
        if (isnan(x))
            continue; /* a task without a value has no bar */
        ind->per_task[n].label = p->keys[i];
        ind->per_task[n].value = x;
        ind->per_task[n].count = NAN;
        n++;
    }
    qsort(ind->per_task, n, sizeof *ind->per_task, cmp_item);
    ind->n_per_task = n;
    ind->has_per_task = 1;
    return VLIT_OK;
}

static vlit_status read_indicator(rd *r, const char *ds_where, size_t i, const vj *v, rh_ind *ind)
{
    char where[256];
    snprintf(where, sizeof where, "%s.indicators[%zu]", ds_where, i);
    if (v->type != VJ_OBJECT)
        return bad(r, where, NULL, "expected an object, found %s", vj_type_name(v->type));
    vlit_status st = get_text(r, where, v, "key", 1, &ind->key);
    if (st)
        return st;
    snprintf(where, sizeof where, "%s.indicators[%zu] (\"%.*s\")", ds_where, i, cut_len(ind->key, 40), ind->key);
    if ((st = get_text(r, where, v, "title", 0, &ind->title)) || (st = get_text(r, where, v, "unit", 0, &ind->unit)) ||
        (st = get_text(r, where, v, "method", 0, &ind->method)) ||
        (st = get_text(r, where, v, "level", 0, &ind->level)) ||
        (st = get_text(r, where, v, "direction", 0, &ind->direction)))
        return st;
    double p;
    if ((st = get_num(r, where, v, "principle", 1, 1000, &p)))
        return st;
    if (!isnan(p) && p != floor(p))
        return bad(r, where, "principle", "%g is not a whole number", p);
    ind->principle = isnan(p) ? 0 : (int)p;
    if ((st = get_num(r, where, v, "value", -HUGE_VAL, HUGE_VAL, &ind->value)) ||
        (st = get_num(r, where, v, "n", 0, HUGE_VAL, &ind->n)) ||
        (st = get_num(r, where, v, "clusters", 0, HUGE_VAL, &ind->clusters)) ||
        (st = get_num(r, where, v, "noise_share", 0, 1, &ind->noise_share)))
        return st;
    /* "missing" is the reason when the value is null, or the number of
     * samples without a value for a sample-level indicator */
    const vj *m = vj_get(v, "missing");
    ind->reason = NULL;
    ind->missing_count = NAN;
    if (m && m->type == VJ_STRING) {
        if ((st = get_text(r, where, v, "missing", 0, &ind->reason)))
            return st;
    } else if (m && m->type != VJ_NULL) {
        if (m->type != VJ_NUMBER)
            return bad(r, where, "missing", "expected a reason (string) or a count (number), found %s",
                       vj_type_name(m->type));
        if ((st = get_num(r, where, v, "missing", 0, HUGE_VAL, &ind->missing_count)))
            return st;
    }
    if ((st = get_text(r, where, v, "missing_reason", 0, &ind->missing_reason)))
        return st;
    if (!ind->reason && isnan(ind->value))
        ind->reason = ind->missing_reason;
    const vj *sizes = vj_get(v, "cluster_sizes");
    if (sizes && sizes->type != VJ_NULL) {
        if ((st = num_array(r, where, "cluster_sizes", sizes, &ind->sizes, &ind->n_sizes)))
            return st;
        qsort(ind->sizes, ind->n_sizes, sizeof *ind->sizes, cmp_desc);
        ind->has_sizes = 1;
    }
    if ((st = read_histogram(r, where, vj_get(v, "histogram"), ind)) ||
        (st = read_per_task(r, where, vj_get(v, "per_task"), ind)) ||
        (st = read_worst(r, where, vj_get(v, "worst"), ind)))
        return st;
    return VLIT_OK;
}

static vlit_status read_tasks(rd *r, const char *where, const vj *t, rh_ds *ds)
{
    if (!t || t->type == VJ_NULL)
        return VLIT_OK;
    if (t->type != VJ_ARRAY)
        return bad(r, where, "task_shares", "expected an array, found %s", vj_type_name(t->type));
    ds->tasks = vlit_arena_alloc(r->a, (t->len ? t->len : 1) * sizeof *ds->tasks);
    if (!ds->tasks)
        return nomem(r);
    for (size_t i = 0; i < t->len; i++) {
        char w[320];
        snprintf(w, sizeof w, "%s.task_shares[%zu]", where, i);
        const vj *e = t->items[i];
        if (e->type != VJ_OBJECT)
            return bad(r, w, NULL, "expected an object (task, count, share), found %s", vj_type_name(e->type));
        rh_item *it = &ds->tasks[i];
        vlit_status st = get_text(r, w, e, "task", 1, &it->label);
        if (st || (st = get_num(r, w, e, "count", 0, HUGE_VAL, &it->count)) ||
            (st = get_num(r, w, e, "share", 0, 100, &it->value)))
            return st;
        if (isnan(it->value))
            return bad(r, w, "share", "missing (the share in percent is required)");
    }
    qsort(ds->tasks, t->len, sizeof *ds->tasks, cmp_item);
    ds->n_tasks = t->len;
    ds->has_tasks = 1;
    return VLIT_OK;
}

static vlit_status read_dataset(rd *r, size_t i, const vj *v, rh_ds *ds)
{
    char where[160];
    snprintf(where, sizeof where, "datasets[%zu]", i);
    if (v->type != VJ_OBJECT)
        return bad(r, where, NULL, "expected an object, found %s", vj_type_name(v->type));
    vlit_status st = get_text(r, where, v, "name", 1, &ds->name);
    if (st)
        return st;
    snprintf(where, sizeof where, "datasets[%zu] (\"%.*s\")", i, cut_len(ds->name, 40), ds->name);
    if ((st = get_text(r, where, v, "path", 0, &ds->path)) ||
        (st = get_num(r, where, v, "samples", 0, HUGE_VAL, &ds->samples)) ||
        (st = get_num(r, where, v, "equalized_to", 0, HUGE_VAL, &ds->equalized_to)) ||
        (st = read_tasks(r, where, vj_get(v, "task_shares"), ds)))
        return st;
    const vj *inds = vj_get(v, "indicators");
    if (!inds || inds->type == VJ_NULL)
        return bad(r, where, "indicators", "missing (an array is required)");
    if (inds->type != VJ_ARRAY)
        return bad(r, where, "indicators", "expected an array, found %s", vj_type_name(inds->type));
    ds->inds = vlit_arena_alloc(r->a, (inds->len ? inds->len : 1) * sizeof *ds->inds);
    if (!ds->inds)
        return nomem(r);
    memset(ds->inds, 0, (inds->len ? inds->len : 1) * sizeof *ds->inds);
    for (size_t k = 0; k < inds->len; k++) {
        if ((st = read_indicator(r, where, k, inds->items[k], &ds->inds[k])))
            return st;
        for (size_t j = 0; j < k; j++)
            if (strcmp(ds->inds[j].key, ds->inds[k].key) == 0) {
                char f[48];
                snprintf(f, sizeof f, "indicators[%zu]", k);
                return bad(r, where, f, "key \"%.*s\" appears twice (also at indicators[%zu])",
                           cut_len(ds->inds[k].key, 40), ds->inds[k].key, j);
            }
    }
    ds->n_inds = inds->len;
    return VLIT_OK;
}

static int row_principle(const rh_ind *x) { return x->principle ? x->principle : 1 << 20; }

static vlit_status read_doc(rd *r, const vj *root, rh_doc *d)
{
    if (root->type != VJ_OBJECT)
        return bad(r, "", NULL, "expected an object, found %s", vj_type_name(root->type));
    const vj *ver = vj_get(root, "vlit_report");
    double fmt;
    vlit_status st = num_value(r, "", "vlit_report", ver, -HUGE_VAL, HUGE_VAL, &fmt);
    if (st)
        return st;
    if (isnan(fmt))
        return bad(r, "", "vlit_report", "missing: not a vlit report document");
    if (fmt != 1)
        return bad(r, "", "vlit_report", "format %g is not supported (this vlit reads format 1)", fmt);
    if ((st = get_text(r, "", root, "vlit_version", 0, &d->version)))
        return st;
    d->options = vj_get(root, "options");
    if (d->options && d->options->type == VJ_NULL)
        d->options = NULL;
    if (d->options && d->options->type != VJ_OBJECT)
        return bad(r, "", "options", "expected an object, found %s", vj_type_name(d->options->type));
    const vj *ds = vj_get(root, "datasets");
    if (!ds || ds->type == VJ_NULL)
        return bad(r, "", "datasets", "missing (an array is required)");
    if (ds->type != VJ_ARRAY)
        return bad(r, "", "datasets", "expected an array, found %s", vj_type_name(ds->type));
    if (ds->len == 0)
        return bad(r, "", "datasets", "empty: a report has at least one dataset");
    if (ds->len > MAX_DATASETS)
        return vlit_err(r->err, VLIT_ERR_LIMIT, "report JSON: datasets: %zu datasets, the page shows at most %d",
                        ds->len, MAX_DATASETS);
    d->ds = vlit_arena_alloc(r->a, ds->len * sizeof *d->ds);
    if (!d->ds)
        return nomem(r);
    memset(d->ds, 0, ds->len * sizeof *d->ds);
    size_t total = 0;
    for (size_t i = 0; i < ds->len; i++) {
        if ((st = read_dataset(r, i, ds->items[i], &d->ds[i])))
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->ds[j].name, d->ds[i].name) == 0) {
                char f[48];
                snprintf(f, sizeof f, "datasets[%zu]", i);
                return bad(r, "", f, "name \"%.*s\" is used twice (also by datasets[%zu]); names label the columns",
                           cut_len(d->ds[i].name, 40), d->ds[i].name, j);
            }
        total += d->ds[i].n_inds;
    }
    d->n_ds = ds->len;
    /* rows: distinct keys in order of first appearance, then by principle
     * (insertion sort: stable, and there are a dozen rows) */
    d->rows = vlit_arena_alloc(r->a, (total ? total : 1) * sizeof *d->rows);
    if (!d->rows)
        return nomem(r);
    size_t n = 0;
    for (size_t i = 0; i < d->n_ds; i++)
        for (size_t k = 0; k < d->ds[i].n_inds; k++) {
            const rh_ind *x = &d->ds[i].inds[k];
            size_t j = 0;
            while (j < n && strcmp(d->rows[j]->key, x->key) != 0)
                j++;
            if (j == n)
                d->rows[n++] = x;
        }
    for (size_t i = 1; i < n; i++) {
        const rh_ind *x = d->rows[i];
        size_t j = i;
        while (j > 0 && row_principle(d->rows[j - 1]) > row_principle(x)) {
            d->rows[j] = d->rows[j - 1];
            j--;
        }
        d->rows[j] = x;
    }
    d->n_rows = n;
    return VLIT_OK;
}

static const rh_ind *find_ind(const rh_ds *ds, const char *key)
{
    for (size_t k = 0; k < ds->n_inds; k++)
        if (strcmp(ds->inds[k].key, key) == 0)
            return &ds->inds[k];
    return NULL;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct hout {
    vlit_buf b;
    vlit_status st; /* the first failure; later writes do nothing */
} hout;

static void put(hout *o, const char *s)
{
    if (!o->st)
        o->st = vlit_buf_puts(&o->b, s);
}

static void putf(hout *o, const char *fmt, ...) VLIT_PRINTF(2, 3);
static void putf(hout *o, const char *fmt, ...)
{
    if (o->st)
        return;
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        o->st = VLIT_ERR_LIMIT; /* only short fixed formats come here */
    else
        o->st = vlit_buf_append(&o->b, tmp, (size_t)n);
}

/* Length of the well-formed UTF-8 sequence at s[0..len) (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF), or 0. The JSON layer
 * checks UTF-8 too, but the page must be valid whatever it lets through. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* HTML-escapes s[0..len) (text and attribute values alike), at most
 * max_cp code points (0 = all); returns 1 if it cut. NUL, control
 * characters other than tab and newline, and bytes that are not well-formed
 * UTF-8 become U+FFFD, so the page is valid UTF-8 whatever the input. */
static int esc_n(hout *o, const char *s, size_t len, size_t max_cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t cp = 0, run = 0, i = 0;
    int cut = 0;
    while (i < len && !o->st) {
        if (max_cp && cp == max_cp) {
            cut = 1;
            break;
        }
        cp++;
        unsigned char c = u[i];
        size_t n = utf8_seq(u + i, len - i);
        const char *rep = NULL;
        if (n == 0) {
            rep = "\xEF\xBF\xBD";
            n = 1;
        } else if (n == 1) {
            switch (c) {
            case '&': rep = "&amp;"; break;
            case '<': rep = "&lt;"; break;
            case '>': rep = "&gt;"; break;
            case '"': rep = "&quot;"; break;
            case '\'': rep = "&#39;"; break;
            case '\t':
            case '\n': break;
            case '\r': rep = ""; break; /* CRLF texts: the LF stays */
            default:
                if (c < 0x20 || c == 0x7F)
                    rep = "\xEF\xBF\xBD";
            }
        }
        if (rep) {
            o->st = vlit_buf_append(&o->b, s + run, i - run);
            put(o, rep);
            run = i + n;
        }
        i += n;
    }
    if (!o->st)
        o->st = vlit_buf_append(&o->b, s + run, i - run);
    return cut;
}

static void esc(hout *o, const char *s)
{
    if (s)
        esc_n(o, s, strlen(s), 0);
}

/* Three significant digits, integers in full; thin spaces group the
 * thousands of large integers. */
static void fmt_num(char *buf, size_t cap, double x)
{
    double ax = fabs(x);
    if (x == 0) {
        snprintf(buf, cap, "0");
        return;
    }
    if (x == floor(x) && ax < 1e15) {
        char digits[32];
        snprintf(digits, sizeof digits, "%.0f", ax);
        size_t nd = strlen(digits), k = 0;
        if (x < 0 && k + 1 < cap)
            buf[k++] = '-';
        for (size_t i = 0; i < nd && k + 4 < cap; i++) {
            if (ax >= 10000 && i > 0 && (nd - i) % 3 == 0) {
                memcpy(buf + k, "\xE2\x80\xAF", 3); /* narrow no-break space */
                k += 3;
            }
            buf[k++] = digits[i];
        }
        buf[k] = '\0';
        return;
    }
    if (ax >= 1e15 || ax < 1e-3) {
        snprintf(buf, cap, "%.3g", x);
        return;
    }
    int decimals = 2 - (int)floor(log10(ax));
    if (decimals < 0)
        decimals = 0;
    snprintf(buf, cap, "%.*f", decimals, x);
    if (strchr(buf, '.')) { /* 0.470 -> 0.47, 2.00 -> 2 */
        size_t n = strlen(buf);
        while (n > 0 && buf[n - 1] == '0')
            buf[--n] = '\0';
        if (n > 0 && buf[n - 1] == '.')
            buf[--n] = '\0';
    }
}

static void put_num(hout *o, double x)
{
    char b[64];
    fmt_num(b, sizeof b, x);
    put(o, b);
}

/* ---- axes --------------------------------------------------------------- */

/* A 1-2-5 step giving about `target` intervals over range (> 0). */
static double nice_step(double range, int target)
{
    double raw = range / target;
    if (!(raw > 0) || !isfinite(raw))
        return 0;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double s = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return s * mag;
}

static void fmt_tick(char *buf, size_t cap, double v, double step)
{
    if (fabs(v) < step * 1e-9)
        v = 0;
    if (fabs(v) >= 1e6 || (step < 1e-4 && v != 0)) {
        snprintf(buf, cap, "%.3g", v);
        return;
    }
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (decimals > 6)
        decimals = 6;
    snprintf(buf, cap, "%.*f", decimals, v);
}

typedef struct frame { /* plot area inside an svg */
    double x, y, w, h;
} frame;

static const char *const palette[] = {"#2f6fb0", "#d9822b", "#2e9e6e", "#b0558f", "#56a7d8", "#c4472d"};

static const char *ds_colour(size_t i) { return palette[i % (sizeof palette / sizeof palette[0])]; }

static const char *ind_title(const rh_ind *x, char *buf, size_t cap)
{
    if (x->title)
        return x->title;
    /* "text_readability" -> "Text readability" */
    snprintf(buf, cap, "%s", x->key);
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = ' ';
    if (buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
    return buf;
}

static void svg_open(hout *o, const char *kind, const rh_ds *ds, const char *indicator, int w, int h,
                     const char *what, const char *ind_name)
{
    putf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"%s\" data-dataset=\"", kind);
    esc(o, ds->name);
    put(o, "\" data-indicator=\"");
    esc(o, indicator);
    putf(o, "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>", w, h, w, h);
    esc(o, what);
    if (ind_name) {
        put(o, ": ");
        esc(o, ind_name);
    }
    put(o, " (dataset ");
    esc(o, ds->name);
    put(o, ")</title>");
}

static void axis_lines(hout *o, const frame *f)
{
    putf(o, "<path class=\"axis\" d=\"M%.1f %.1fV%.1fH%.1f\"/>", f->x, f->y, f->y + f->h, f->x + f->w);
}

/* y ticks and grid for a linear axis 0..top (returns top) */
static double y_axis_linear(hout *o, const frame *f, double max)
{
    double step = nice_step(max > 0 ? max : 1, 4);
    double top = step > 0 ? ceil((max > 0 ? max : 1) / step - 1e-9) * step : 1;
    for (int k = 0; step > 0 && k <= 50; k++) {
        double v = k * step;
        if (v > top * (1 + 1e-9))
            break;
        double y = f->y + f->h - v / top * f->h;
        char t[48];
        fmt_tick(t, sizeof t, v, step);
        putf(o, "<path class=\"grid\" d=\"M%.1f %.1fH%.1f\"/>", f->x, y, f->x + f->w);
        putf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">%s</text>", f->x - 4, y, t);
    }
    return top;
}

/* ticks for a linear x axis over [lo, hi] (drawn over [lo - offset,
 * hi + offset]), at least min_step apart (1 for ranks) */
static void x_ticks(hout *o, const frame *f, double lo, double hi, double offset, int target, double min_step)
{
    double step = nice_step(hi - lo, target);
    if (step < min_step)
        step = min_step;
    if (!(step > 0))
        return;
    double first = ceil(lo / step - 1e-9) * step;
    for (int k = 0; k <= 50; k++) {
        double v = first + k * step;
        if (v > hi + step * 1e-9)
            break;
        double x = f->x + (v - lo + offset) / (hi - lo + 2 * offset) * f->w;
        char t[48];
        fmt_tick(t, sizeof t, v, step);
        putf(o, "<path class=\"tick\" d=\"M%.1f %.1fv4\"/>", x, f->y + f->h);
        putf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", x, f->y + f->h + 15, t);
    }
}

static void x_label(hout *o, const frame *f, const char *text, const char *unit)
{
    putf(o, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", f->x + f->w / 2, f->y + f->h + 31);
    esc(o, text);
    if (unit) {
        put(o, " (");
        esc(o, unit);
        put(o, ")");
    }
    put(o, "</text>");
}

static void y_label(hout *o, const frame *f, const char *text)
{
    putf(o, "<text class=\"label\" transform=\"translate(11 %.1f) rotate(-90)\" text-anchor=\"middle\">%s</text>",
         f->y + f->h / 2, text);
}

/* ---- charts ------------------------------------------------------------- */

static void chart_histogram(hout *o, const rh_ds *ds, size_t di, const rh_ind *x, const char *title)
{
    const int W = 380, H = 210;
    frame f = {50, 12, W - 50 - 14, H - 12 - 44};
    svg_open(o, "histogram", ds, x->key, W, H, "Histogram", title);
    double lo = x->edges[0], hi = x->edges[x->bins], max = 0, total = 0;
    for (size_t i = 0; i < x->bins; i++) {
        max = x->counts[i] > max ? x->counts[i] : max;
        total += x->counts[i];
    }
    double top = y_axis_linear(o, &f, max);
    putf(o, "<g fill=\"%s\">", ds_colour(di));
    for (size_t i = 0; i < x->bins; i++) {
        if (!(x->counts[i] > 0))
            continue;
        double x0 = f.x + (x->edges[i] - lo) / (hi - lo) * f.w, x1 = f.x + (x->edges[i + 1] - lo) / (hi - lo) * f.w;
        double bw = x1 - x0 > 2 ? x1 - x0 - 1 : x1 - x0;
        double bh = x->counts[i] / top * f.h;
        char a[64], b[64], c[64];
        fmt_num(a, sizeof a, x->edges[i]);
        fmt_num(b, sizeof b, x->edges[i + 1]);
        fmt_num(c, sizeof c, x->counts[i]);
        putf(o, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"><title>%s to %s: %s samples</title></rect>",
             x0, f.y + f.h - bh, bw > 0.3 ? bw : 0.3, bh, a, b, c);
    }
    put(o, "</g>");
    if (total == 0)
        putf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no samples counted</text>", f.x + f.w / 2,
             f.y + f.h / 2);
    if (isfinite(x->value) && x->value >= lo && x->value <= hi) {
        double mx = f.x + (x->value - lo) / (hi - lo) * f.w;
        char v[64];
        fmt_num(v, sizeof v, x->value);
        putf(o, "<path class=\"mean\" d=\"M%.1f %.1fV%.1f\"/>", mx, f.y, f.y + f.h);
        putf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s %s</text>", mx + (mx > f.x + f.w * 0.7 ? -3 : 3),
             f.y + 9, mx > f.x + f.w * 0.7 ? "end" : "start", x->unit && strcmp(x->unit, "mean") == 0 ? "mean" : "value",
             v);
    }
    axis_lines(o, &f);
    x_ticks(o, &f, lo, hi, 0, 5, 0);
    x_label(o, &f, title, NULL);
    y_label(o, &f, "samples");
    put(o, "</svg>");
}

/* Rank-size plot: clusters sorted by size, largest first; a log scale for
 * the sizes once they span more than a factor of 20. Wider than the plot,
 * ranks are grouped per pixel column and each column shows its largest. */
static void chart_cluster_sizes(hout *o, const rh_ds *ds, size_t di, const rh_ind *x, const char *title)
{
    const int W = 380, H = 210;
    frame f = {50, 12, W - 50 - 14, H - 12 - 44};
    svg_open(o, "cluster_sizes", ds, x->key, W, H, "Cluster sizes", title);
    size_t n = x->n_sizes;
    double max = n ? x->sizes[0] : 0, min_pos = 0;
    for (size_t i = 0; i < n; i++)
        if (x->sizes[i] > 0)
            min_pos = x->sizes[i];
    int logy = n && min_pos > 0 && max >= 20 * min_pos;
    double top;
    if (logy) {
        int k_top = (int)ceil(log10(max) - 1e-12);
        if (k_top < 1)
            k_top = 1;
        top = k_top;
        for (int k = 0; k <= k_top; k++) {
            double y = f.y + f.h - (double)k / k_top * f.h;
            char t[32];
            fmt_num(t, sizeof t, pow(10, k));
            putf(o, "<path class=\"grid\" d=\"M%.1f %.1fH%.1f\"/>", f.x, y, f.x + f.w);
            putf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">%s</text>", f.x - 4,
                 y, t);
        }
    } else {
        top = y_axis_linear(o, &f, max);
    }
    size_t cols = n < (size_t)f.w ? n : (size_t)f.w;
    putf(o, "<g fill=\"%s\">", ds_colour(di));
    for (size_t c = 0; c < cols; c++) {
        size_t first = (size_t)((double)c * n / cols), last = (size_t)((double)(c + 1) * n / cols);
        if (last <= first)
            last = first + 1;
        double v = x->sizes[first];
        double bh = logy ? (v >= 1 ? log10(v) / top * f.h : 0) : v / top * f.h;
        if (v > 0 && bh < 1)
            bh = 1;
        double bw = f.w / cols;
        char a[64], rank[96];
        fmt_num(a, sizeof a, v);
        if (last - first == 1)
            snprintf(rank, sizeof rank, "cluster %zu", first + 1);
        else
            snprintf(rank, sizeof rank, "clusters %zu to %zu (largest shown)", first + 1, last);
        putf(o, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"><title>%s: %s samples</title></rect>",
             f.x + c * bw, f.y + f.h - bh, bw > 2 ? bw - 0.5 : bw, bh, rank, a);
    }
    put(o, "</g>");
    if (n == 0)
        putf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no clusters</text>", f.x + f.w / 2,
             f.y + f.h / 2);
    if (isfinite(x->noise_share)) {
        char v[64];
        fmt_num(v, sizeof v, x->noise_share * 100);
        putf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">noise: %s%% of samples</text>", f.x + f.w - 2,
             f.y + 10, v);
    }
    axis_lines(o, &f);
    if (n)
        x_ticks(o, &f, 1, (double)n, 0.5, 5, 1);
    x_label(o, &f, "cluster rank (largest first)", NULL);
    y_label(o, &f, logy ? "samples (log scale)" : "samples");
    put(o, "</svg>");
}

/* Horizontal bars, largest first (items are sorted); beyond BAR_ROWS the
 * rest are summed into one grey bar. percent: values are shares in %. */
static void chart_bars(hout *o, const char *kind, const rh_ds *ds, size_t di, const char *indicator,
                       const char *what, const char *ind_name, const rh_item *items, size_t n, int percent,
                       const char *axis)
{
    size_t shown = n > BAR_ROWS ? BAR_ROWS - 1 : n;
    size_t rows = shown + (n > shown);
    const int W = 480, row_h = 18, label_w = 170, value_w = 80;
    int H = 10 + (int)(rows ? rows : 1) * row_h + 36;
    frame f = {label_w, 8, W - label_w - value_w, (double)(rows ? rows : 1) * row_h};
    svg_open(o, kind, ds, indicator, W, H, what, ind_name);
    double rest = 0, rest_count = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        if (i >= shown) {
            rest += items[i].value;
            rest_count += isnan(items[i].count) ? 0 : items[i].count;
        } else if (items[i].value > max)
            max = items[i].value;
    }
    if (rest > max)
        max = rest;
    double step = n ? nice_step(max > 0 ? max : 1, 4) : 0; /* no bars: no scale */
    double top = step > 0 ? ceil((max > 0 ? max : 1) / step - 1e-9) * step : 1;
    for (int k = 0; step > 0 && k <= 50; k++) {
        double v = k * step;
        if (v > top * (1 + 1e-9))
            break;
        double gx = f.x + v / top * f.w;
        char t[48];
        fmt_tick(t, sizeof t, v, step);
        putf(o, "<path class=\"grid\" d=\"M%.1f %.1fV%.1f\"/>", gx, f.y, f.y + f.h);
        putf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s%s</text>", gx, f.y + f.h + 14, t,
             percent ? "%" : "");
    }
    for (size_t i = 0; i < rows; i++) {
        int is_rest = i == shown;
        double v = is_rest ? rest : items[i].value, cnt = is_rest ? rest_count : items[i].count;
        double y = f.y + (double)i * row_h;
        double bw = v > 0 && top > 0 ? (v < 0 ? 0 : v) / top * f.w : 0;
        char a[64], c[64];
        fmt_num(a, sizeof a, v);
        fmt_num(c, sizeof c, isnan(cnt) ? 0 : cnt);
        put(o, "<g><title>");
        if (is_rest)
            putf(o, "%zu more", n - shown);
        else
            esc(o, items[i].label);
        putf(o, ": %s%s", a, percent ? "%" : "");
        if (!isnan(cnt) && (percent || is_rest))
            putf(o, " (%s)", c);
        put(o, "</title>");
        putf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">", label_w - 6,
             y + row_h / 2.0);
        if (is_rest) {
            putf(o, "%zu more", n - shown);
        } else {
            const char *l = items[i].label;
            if (esc_n(o, l, strlen(l), LABEL_CHARS))
                put(o, "\xE2\x80\xA6");
        }
        put(o, "</text>");
        putf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>", f.x, y + 2, bw, row_h - 4,
             is_rest ? "#a0a0a0" : ds_colour(di));
        putf(o, "<text x=\"%.1f\" y=\"%.1f\" dominant-baseline=\"middle\">%s%s", f.x + bw + 4, y + row_h / 2.0, a,
             percent ? "%" : "");
        if (!isnan(cnt) && percent)
            putf(o, " (%s)", c);
        put(o, "</text></g>");
    }
    if (n == 0)
        putf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" dominant-baseline=\"middle\">none</text>",
             f.x + f.w / 2, f.y + f.h / 2);
    putf(o, "<path class=\"axis\" d=\"M%.1f %.1fV%.1f\"/>", f.x, f.y, f.y + f.h);
    putf(o, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", f.x + f.w / 2, f.y + f.h + 30);
    esc(o, axis);
    put(o, "</text>");
    put(o, "</svg>");
}

/* ---- page sections ------------------------------------------------------- */

static const char *const principle_names[] = {
    "",
    "Readability",
    "Correctness",
    "Task diversity",
    "Instruction diversity",
    "Response diversity",
    "Visual diversity",
    "Instruction complexity",
    "Object complexity",
    "Visual complexity",
    "Balance",
};

static const char css[] =
    "body{font-family:system-ui,\"DejaVu Sans\",\"Liberation Sans\",Arial,sans-serif;color:#1f2328;background:#fff;"
    "margin:0 auto;max-width:1240px;padding:20px 24px 40px;line-height:1.4;font-size:15px}"
    "h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.25em;margin:1.8em 0 .6em;padding-bottom:.2em;"
    "border-bottom:1px solid #d8dee4}h3{font-size:1.05em;margin:1.3em 0 .4em}"
    ".meta{color:#57606a;font-size:.9em}.meta code{font-size:.95em}"
    "nav a{margin-right:1em}a{color:#0b5cad}"
    "table{border-collapse:collapse;font-size:.92em}"
    "th,td{border:1px solid #d8dee4;padding:4px 8px;vertical-align:top;text-align:left}"
    "thead th{background:#f6f8fa}"
    "table.ind td.v{text-align:right;min-width:9em}"
    "tr.principle th{background:#eef1f4;font-weight:600}"
    ".num{font-variant-numeric:tabular-nums;font-weight:600}"
    ".unit{color:#57606a;font-size:.85em}"
    ".sub{color:#57606a;font-size:.8em}"
    ".method{color:#6e7781;font-size:.78em;font-style:italic}"
    ".key{color:#6e7781;font-size:.8em;font-family:ui-monospace,\"DejaVu Sans Mono\",monospace}"
    ".dir{color:#6e7781;font-size:.85em}"
    ".missing{color:#b42318;cursor:help}"
    ".swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em}"
    ".charts{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}"
    "figure{margin:0;border:1px solid #e1e4e8;border-radius:4px;padding:6px 8px;background:#fcfcfd}"
    "figcaption{font-size:.88em;margin-bottom:2px}"
    ".note{color:#57606a;font-size:.88em;font-style:italic;max-width:360px}"
    "svg.chart{display:block}"
    "svg text{font-size:11px;fill:#3d444d}svg text.label{font-size:11.5px;fill:#1f2328}"
    "svg .axis{stroke:#57606a;fill:none}svg .tick{stroke:#57606a}svg .grid{stroke:#e6e9ec}"
    "svg .mean{stroke:#1f2328;stroke-dasharray:4 3}"
    "table.worst{margin-bottom:1em}table.worst td.text{max-width:62em;white-space:pre-line;overflow-wrap:anywhere}"
    "table.worst td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "details>summary{cursor:pointer;font-weight:600;margin:.6em 0}"
    "footer{margin-top:3em;color:#6e7781;font-size:.82em}";

static void swatch(hout *o, size_t di) { putf(o, "<span class=\"swatch\" style=\"background:%s\"></span>", ds_colour(di)); }

static void header(hout *o, const rh_doc *d)
{
    put(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>vlit report: ");
    for (size_t i = 0; i < d->n_ds; i++) {
        if (i)
            put(o, ", ");
        esc(o, d->ds[i].name);
    }
    put(o, "</title>\n<style>");
    put(o, css);
    put(o, "</style>\n</head>\n<body>\n<header>\n<h1>vlit report: ");
    for (size_t i = 0; i < d->n_ds; i++) {
        if (i)
            put(o, ", ");
        esc(o, d->ds[i].name);
    }
    put(o, "</h1>\n<p class=\"meta\">");
    putf(o, "%zu dataset%s", d->n_ds, d->n_ds == 1 ? "" : "s");
    if (d->version) {
        put(o, " &middot; vlit ");
        esc(o, d->version);
    }
    put(o, "</p>\n<ul class=\"datasets\">\n");
    for (size_t i = 0; i < d->n_ds; i++) {
        const rh_ds *ds = &d->ds[i];
        put(o, "<li>");
        swatch(o, i);
        put(o, "<strong>");
        esc(o, ds->name);
        put(o, "</strong>");
        if (ds->path) {
            put(o, " <span class=\"meta\"><code>");
            esc(o, ds->path);
            put(o, "</code></span>");
        }
        if (!isnan(ds->samples)) {
            put(o, " &middot; ");
            put_num(o, ds->samples);
            put(o, " samples");
        }
        if (!isnan(ds->equalized_to)) {
            put(o, " &middot; equalized to ");
            put_num(o, ds->equalized_to);
        }
        put(o, "</li>\n");
    }
    put(o, "</ul>\n");
    if (d->options && d->options->len) {
        put(o, "<p class=\"meta options\">Options: ");
        vlit_buf tmp = VLIT_BUF_INIT;
        for (size_t i = 0; i < d->options->len; i++) {
            const vj *v = d->options->items[i];
            if (i)
                put(o, " &middot; ");
            put(o, "<code>");
            esc(o, d->options->keys[i]);
            put(o, "</code>: ");
            vlit_buf_clear(&tmp);
            if (v->type == VJ_STRING) {
                if (esc_n(o, v->str, v->len, 200))
                    put(o, "\xE2\x80\xA6");
            } else if (!o->st && !(o->st = vj_write_value(&tmp, v))) {
                if (esc_n(o, tmp.data, tmp.len, 200))
                    put(o, "\xE2\x80\xA6");
            }
        }
        vlit_buf_free(&tmp);
        put(o, "</p>\n");
    }
    put(o, "<nav class=\"meta\"><a href=\"#indicators\">Indicators</a><a href=\"#distributions\">Distributions</a>"
           "<a href=\"#tasks\">Task shares</a><a href=\"#clusters\">Clusters</a><a href=\"#worst\">Worst samples</a>"
           "</nav>\n</header>\n");
}

static void cell(hout *o, const rh_ind *x)
{
    put(o, "<td class=\"v\">");
    if (!x) {
        put(o, "<span class=\"missing\" title=\"not in this dataset&#39;s report\">&mdash;</span></td>");
        return;
    }
    if (isnan(x->value)) {
        put(o, "<span class=\"missing\" title=\"");
        if (x->reason) {
            put(o, "missing: ");
            esc(o, x->reason);
        } else {
            put(o, "missing (no reason given)");
        }
        put(o, "\">&mdash;</span>");
    } else {
        put(o, "<span class=\"num\">");
        put_num(o, x->value);
        put(o, "</span>");
        if (x->unit) {
            put(o, " <span class=\"unit\">");
            esc(o, x->unit);
            put(o, "</span>");
        }
    }
    if (!isnan(x->n) || !isnan(x->missing_count)) {
        put(o, "<div class=\"sub\">");
        if (!isnan(x->n)) {
            put(o, "n = ");
            put_num(o, x->n);
        }
        if (!isnan(x->missing_count)) {
            if (!isnan(x->n))
                put(o, " &middot; ");
            if (x->missing_reason && x->missing_count > 0) {
                put(o, "<span class=\"missing\" title=\"");
                esc(o, x->missing_reason);
                put(o, "\">");
            }
            put_num(o, x->missing_count);
            put(o, " missing");
            if (x->missing_reason && x->missing_count > 0)
                put(o, "</span>");
        }
        put(o, "</div>");
    }
    if (!isnan(x->clusters) || !isnan(x->noise_share)) {
        put(o, "<div class=\"sub\">");
        if (!isnan(x->clusters)) {
            put_num(o, x->clusters);
            put(o, x->clusters == 1 ? " cluster" : " clusters");
        }
        if (!isnan(x->noise_share)) {
            if (!isnan(x->clusters))
                put(o, " &middot; ");
            put(o, "noise ");
            put_num(o, x->noise_share * 100);
            put(o, "%");
        }
        put(o, "</div>");
    }
    if (x->method) {
        put(o, "<div class=\"method\">");
        esc(o, x->method);
        put(o, "</div>");
    }
    put(o, "</td>");
}

static void table(hout *o, const rh_doc *d)
{
    put(o, "<section id=\"indicators\">\n<h2>Indicators</h2>\n"
           "<p class=\"meta\">One column per dataset; under each number, the method that produced it. "
           "&mdash; marks a value that is missing (hover for the reason).</p>\n"
           "<table class=\"ind\" data-table=\"indicators\">\n<thead><tr><th>Indicator</th>");
    for (size_t i = 0; i < d->n_ds; i++) {
        put(o, "<th data-dataset=\"");
        esc(o, d->ds[i].name);
        put(o, "\">");
        swatch(o, i);
        esc(o, d->ds[i].name);
        if (!isnan(d->ds[i].samples)) {
            put(o, "<div class=\"sub\">");
            put_num(o, d->ds[i].samples);
            put(o, " samples");
            if (!isnan(d->ds[i].equalized_to)) {
                put(o, ", equalized to ");
                put_num(o, d->ds[i].equalized_to);
            }
            put(o, "</div>");
        }
        put(o, "</th>");
    }
    put(o, "</tr></thead>\n<tbody>\n");
    int group = -1;
    for (size_t r = 0; r < d->n_rows; r++) {
        const rh_ind *row = d->rows[r];
        if (row->principle != group) {
            group = row->principle;
            putf(o, "<tr class=\"principle\"><th colspan=\"%zu\">", d->n_ds + 1);
            if (group >= 1 && group <= 10)
                putf(o, "Principle %d &middot; %s", group, principle_names[group]);
            else if (group)
                putf(o, "Principle %d", group);
            else
                put(o, "Other indicators");
            put(o, "</th></tr>\n");
        }
        char tb[128];
        put(o, "<tr data-indicator=\"");
        esc(o, row->key);
        put(o, "\"><th scope=\"row\">");
        esc(o, ind_title(row, tb, sizeof tb));
        if (row->direction && strcmp(row->direction, "higher") == 0)
            put(o, " <span class=\"dir\" title=\"higher is better\">&uarr;</span>");
        else if (row->direction && strcmp(row->direction, "lower") == 0)
            put(o, " <span class=\"dir\" title=\"lower is better\">&darr;</span>");
        put(o, "<div class=\"key\">");
        esc(o, row->key);
        if (row->level) {
            put(o, " &middot; ");
            esc(o, row->level);
            put(o, " level");
        }
        put(o, "</div></th>");
        for (size_t i = 0; i < d->n_ds; i++)
            cell(o, find_ind(&d->ds[i], row->key));
        put(o, "</tr>\n");
    }
    if (d->n_rows == 0)
        putf(o, "<tr><td colspan=\"%zu\" class=\"note\">no indicators in this report</td></tr>\n", d->n_ds + 1);
    put(o, "</tbody>\n</table>\n</section>\n");
}

static void fig_open(hout *o, const rh_doc *d, size_t di)
{
    (void)d;
    put(o, "<figure><figcaption>");
    swatch(o, di);
    esc(o, d->ds[di].name);
    put(o, "</figcaption>");
}

static void no_chart(hout *o, const rh_doc *d, size_t di, const rh_ind *x, const char *what)
{
    fig_open(o, d, di);
    put(o, "<p class=\"note\">");
    if (!x) {
        put(o, "not in this dataset&#39;s report");
    } else {
        put(o, "no ");
        put(o, what);
        if (x->reason) {
            put(o, ": ");
            esc(o, x->reason);
        }
    }
    put(o, "</p></figure>\n");
}

/* One subsection per indicator that has `field` in some dataset, one figure
 * per dataset. */
enum { K_HIST, K_SIZES, K_PER_TASK };

static int has_kind(const rh_ind *x, int kind)
{
    return x && (kind == K_HIST ? x->has_hist : kind == K_SIZES ? x->has_sizes : x->has_per_task);
}

static void chart_rows(hout *o, const rh_doc *d, int kind)
{
    for (size_t r = 0; r < d->n_rows; r++) {
        const char *key = d->rows[r]->key;
        int any = 0;
        for (size_t i = 0; i < d->n_ds && !any; i++)
            any = has_kind(find_ind(&d->ds[i], key), kind);
        if (!any)
            continue;
        char tb[128];
        const char *title = ind_title(d->rows[r], tb, sizeof tb);
        put(o, "<h3>");
        esc(o, title);
        if (kind == K_SIZES)
            put(o, ": cluster sizes");
        else if (kind == K_PER_TASK)
            put(o, ": per task");
        put(o, " <span class=\"key\">");
        esc(o, key);
        put(o, "</span></h3>\n<div class=\"charts\">\n");
        for (size_t i = 0; i < d->n_ds; i++) {
            const rh_ind *x = find_ind(&d->ds[i], key);
            if (!has_kind(x, kind)) {
                no_chart(o, d, i, x, kind == K_HIST ? "histogram" : kind == K_SIZES ? "cluster sizes" : "per-task values");
                continue;
            }
            fig_open(o, d, i);
            if (kind == K_HIST) {
                chart_histogram(o, &d->ds[i], i, x, title);
            } else if (kind == K_SIZES) {
                chart_cluster_sizes(o, &d->ds[i], i, x, title);
            } else {
                chart_bars(o, "per_task", &d->ds[i], i, x->key, "Per task", title, x->per_task, x->n_per_task, 0,
                           x->unit ? x->unit : "value");
            }
            put(o, "</figure>\n");
        }
        put(o, "</div>\n");
    }
}

static void distributions(hout *o, const rh_doc *d)
{
    put(o, "<section id=\"distributions\">\n<h2>Distributions of the sample-level indicators</h2>\n"
           "<p class=\"meta\">Samples per bin; the dashed line is the dataset&#39;s value.</p>\n");
    size_t before = o->b.len;
    chart_rows(o, d, K_HIST);
    if (o->b.len == before)
        put(o, "<p class=\"note\">No histograms in this report.</p>\n");
    put(o, "</section>\n");
}

static void tasks(hout *o, const rh_doc *d)
{
    put(o, "<section id=\"tasks\">\n<h2>Task shares</h2>\n"
           "<p class=\"meta\">Share of the samples per task label, in percent (count in brackets), "
           "largest first.</p>\n<div class=\"charts\">\n");
    for (size_t i = 0; i < d->n_ds; i++) {
        const rh_ds *ds = &d->ds[i];
        if (!ds->has_tasks) {
            fig_open(o, d, i);
            put(o, "<p class=\"note\">no task shares in this dataset&#39;s report</p></figure>\n");
            continue;
        }
        fig_open(o, d, i);
        chart_bars(o, "task_shares", ds, i, "task_shares", "Task shares", NULL, ds->tasks, ds->n_tasks, 1,
                   "share of samples (%)");
        put(o, "</figure>\n");
    }
    put(o, "</div>\n</section>\n");
}

static void clusters(hout *o, const rh_doc *d)
{
    put(o, "<section id=\"clusters\">\n<h2>Clusters</h2>\n"
           "<p class=\"meta\">Cluster sizes sorted from the largest; samples outside every cluster are the "
           "noise. Per task: the instruction clusters of each task label.</p>\n");
    size_t before = o->b.len;
    chart_rows(o, d, K_SIZES);
    chart_rows(o, d, K_PER_TASK);
    if (o->b.len == before)
        put(o, "<p class=\"note\">No cluster sizes in this report.</p>\n");
    put(o, "</section>\n");
}

static void worst_table(hout *o, const rh_ds *ds, const rh_ind *x)
{
    put(o, "<table class=\"worst\" data-table=\"worst\" data-dataset=\"");
    esc(o, ds->name);
    put(o, "\" data-indicator=\"");
    esc(o, x->key);
    put(o, "\">\n<thead><tr><th>#</th><th>id</th><th>position</th><th>value</th><th>text</th></tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < x->n_worst; k++) {
        const rh_worst *w = &x->worst[k];
        putf(o, "<tr><td class=\"n\">%zu</td><td>", k + 1);
        if (w->id) {
            if (esc_n(o, w->id, w->id_len, 80))
                put(o, "\xE2\x80\xA6");
        }
        put(o, "</td><td class=\"n\">");
        if (!isnan(w->position))
            putf(o, "%.0f", w->position);
        put(o, "</td><td class=\"n\">");
        if (isnan(w->value))
            put(o, "<span class=\"missing\" title=\"no value\">&mdash;</span>");
        else
            put_num(o, w->value);
        put(o, "</td><td class=\"text\"");
        if (w->text) {
            /* long texts: the start in the cell, more in the tooltip */
            size_t cps = 0;
            for (size_t i = 0; i < w->text_len; i++)
                cps += ((unsigned char)w->text[i] & 0xC0) != 0x80;
            if (cps > TEXT_SHOWN) {
                put(o, " title=\"");
                if (esc_n(o, w->text, w->text_len, TEXT_TOOLTIP))
                    put(o, "\xE2\x80\xA6");
                put(o, "\"");
            }
            put(o, ">");
            if (esc_n(o, w->text, w->text_len, TEXT_SHOWN))
                putf(o, "\xE2\x80\xA6 <span class=\"sub\">(%zu characters)</span>", cps);
        } else {
            put(o, ">");
        }
        put(o, "</td></tr>\n");
    }
    if (x->n_worst == 0)
        put(o, "<tr><td colspan=\"5\" class=\"note\">no samples</td></tr>\n");
    put(o, "</tbody>\n</table>\n");
}

static void worst(hout *o, const rh_doc *d)
{
    put(o, "<section id=\"worst\">\n<h2>Worst samples</h2>\n"
           "<p class=\"meta\">Per indicator and dataset, the samples with the worst values, worst first "
           "(position: the sample&#39;s 0-based index in its file).</p>\n");
    size_t before = o->b.len;
    for (size_t r = 0; r < d->n_rows; r++) {
        const char *key = d->rows[r]->key;
        int any = 0;
        for (size_t i = 0; i < d->n_ds && !any; i++) {
            const rh_ind *x = find_ind(&d->ds[i], key);
            any = x && x->has_worst;
        }
        if (!any)
            continue;
        char tb[128];
        put(o, "<details open>\n<summary>");
        esc(o, ind_title(d->rows[r], tb, sizeof tb));
        put(o, " <span class=\"key\">");
        esc(o, key);
        put(o, "</span></summary>\n");
        for (size_t i = 0; i < d->n_ds; i++) {
            const rh_ind *x = find_ind(&d->ds[i], key);
            if (!x || !x->has_worst)
                continue;
            put(o, "<h3>");
            swatch(o, i);
            esc(o, d->ds[i].name);
            put(o, "</h3>\n");
            worst_table(o, &d->ds[i], x);
        }
        put(o, "</details>\n");
    }
    if (o->b.len == before)
        put(o, "<p class=\"note\">No worst samples in this report.</p>\n");
    put(o, "</section>\n");
}

static vlit_status render(const rh_doc *d, vlit_buf *b)
{
    hout o = {*b, VLIT_OK};
    header(&o, d);
    put(&o, "<main>\n");
    table(&o, d);
    distributions(&o, d);
    tasks(&o, d);
    clusters(&o, d);
    worst(&o, d);
    put(&o, "</main>\n<footer>Written by vlit");
    if (d->version) {
        put(&o, " ");
        esc(&o, d->version);
    }
    put(&o, " from a report JSON document. Self-contained: no scripts, no network.</footer>\n</body>\n</html>\n");
    *b = o.b;
    return o.st;
}

/* ---- entry points --------------------------------------------------------- */

static vlit_status build(const char *json, size_t len, vlit_buf *b, vlit_error *err)
{
    vlit_arena a;
    vlit_arena_init(&a, 1 << 16);
    vj *root;
    vlit_error local = {0};
    vlit_status st = vj_parse(json, len, NULL, &a, &root, &local);
    if (st) {
        vlit_err(err, st, "report JSON: %s", local.message);
        goto out;
    }
    rd r = {&a, err};
    rh_doc d;
    memset(&d, 0, sizeof d);
    if ((st = read_doc(&r, root, &d)))
        goto out;
    st = render(&d, b);
    if (st == VLIT_ERR_NOMEM)
        vlit_err(err, st, "report JSON: out of memory writing the page");
    else if (st)
        vlit_err(err, st, "report JSON: the page is too large (%zu bytes written)", b->len);
out:
    vlit_arena_free(&a);
    return st;
}

vlit_status vlit_report_html_mem(const char *json, size_t len, char **out, size_t *out_len, vlit_error *err)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!json)
        return vlit_err(err, VLIT_ERR_USAGE, "report JSON: no document given");
    vlit_buf b = VLIT_BUF_INIT;
    vlit_status st = build(json, len, &b, err);
    if (st) {
        vlit_buf_free(&b);
        return st;
    }
    *out = b.data;
    if (out_len)
        *out_len = b.len;
    return VLIT_OK;
}

vlit_status vlit_report_html(const char *json, size_t len, const char *out_path, vlit_error *err)
{
    if (!json || !out_path)
        return vlit_err(err, VLIT_ERR_USAGE, "report HTML: no document or no output path given");
    vlit_buf b = VLIT_BUF_INIT;
    vlit_status st = build(json, len, &b, err);
    if (st) {
        vlit_buf_free(&b);
        return st;
    }
    vlit_output *o;
    if ((st = vlit_output_open(out_path, &o, err))) {
        vlit_buf_free(&b);
        return st;
    }
    FILE *fp = vlit_output_file(o);
    if (fwrite(b.data, 1, b.len, fp) != b.len || ferror(fp)) {
        vlit_output_abort(o);
        vlit_buf_free(&b);
        return vlit_err(err, VLIT_ERR_IO, "%s: write failed", out_path);
    }
    vlit_buf_free(&b);
    return vlit_output_commit(o, err);
}
