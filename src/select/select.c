/* vlit select: the driver. Reads the scores (one small record per sample),
 * decides usability and complexity, reads the samples once to embed the
 * survivors' texts and label them, removes near duplicates and samples per
 * task, then reads the samples again to write the kept ones and the reasons.
 * docs/select.md is the user's side of this file. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/err.h"
#include "../base/json.h"
#include "../base/lines.h"
#include "../base/random.h"
#include "../base/strmap.h"
#include "vlit/cluster.h"
#include "vlit/embed.h"
#include "vlit/select.h"
#include "vlit/tasks.h"

enum { KEEP = 0 }; /* item.group: 0 kept, else 1 + the group that dropped it */
enum { WHY_VALUE = 0, WHY_MISSING = 1 };

/* What one sample needs for the decisions; no text is kept. */
typedef struct item {
    double v[VLIT_SELECT_RULES]; /* the indicators the rules read */
    uint64_t id_hash;            /* of the scores line's id, checked against the sample */
    uint64_t rep;                /* diversity: the position of the kept representative */
    float quality;               /* diversity: mean rank score of the usability indicators, -1 without any */
    float cos_i, cos_r;          /* diversity: cosine to the representative */
    uint32_t label;              /* balance: task label */
    uint8_t has;                 /* bit r: v[r] is a value */
    uint8_t group;               /* KEEP or 1 + group */
    uint8_t rule;                /* the rule that dropped it (usability, complexity) */
    uint8_t why;                 /* WHY_VALUE or WHY_MISSING */
} item;

typedef struct run {
    const vlit_select_params *p;
    vlit_select_summary *sum;
    const char *samples_path, *scores_path;
    item *items;
    size_t n, cap;
    int present[VLIT_SELECT_RULES]; /* some line has the indicator */
    int active[VLIT_SELECT_RULES];  /* the rule runs */
    /* diversity: rows of the survivors */
    size_t *rows;        /* position of each row */
    uint64_t *row_image; /* hash of each row's first image (0: none) */
    size_t n_rows;
    float *vi, *vr; /* instruction and response vectors, n_rows x dim */
    size_t dim;
    /* balance: labels */
    vlit_strmap labels;
    const char **label_names; /* by label id */
    size_t n_labels, cap_labels;
    uint32_t *label_order; /* label id -> task index in name order */
    size_t *alloc;         /* by label id */
    size_t *count;         /* by label id: samples entering balance */
} run;

static void note(const run *r, const char *fmt, ...) VLIT_PRINTF(2, 3);
static void note(const run *r, const char *fmt, ...)
{
    if (!r->p->on_note)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->p->on_note(r->p->ctx, msg);
}

static int group_on(const run *r, int g)
{
    return !(r->p->off & (1u << g));
}

/* ---- pass 0: the scores ------------------------------------------------- */

static vlit_status read_scores(run *r, vlit_error *err)
{
    FILE *fp = fopen(r->scores_path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", r->scores_path, strerror(errno));
    vlit_lines ln;
    vlit_status st = vlit_lines_init(&ln, fp, r->scores_path, 0, err);
    if (st) {
        fclose(fp);
        return st;
    }
    vlit_arena a;
    vlit_arena_init(&a, 1 << 14);
    while ((st = vlit_lines_next(&ln, err)) == VLIT_OK) {
        vlit_arena_reset(&a);
        vj *v = NULL;
        vlit_error perr = {0};
        if (vj_parse(ln.line.data ? ln.line.data : "", ln.line.len, NULL, &a, &v, &perr)) {
            st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: %s", r->scores_path, ln.lineno, perr.message);
            break;
        }
        int64_t index;
        char id[1024];
        vj *scores = vj_get(v, "scores");
        if (!vj_int(vj_get(v, "index"), &index) || !vj_id(vj_get(v, "id"), id, sizeof id) || !scores ||
            scores->type != VJ_OBJECT) {
            st = vlit_err(err, VLIT_ERR_PARSE,
                          "%s: line %zu: not a line of vlit score output (it needs \"index\", \"id\" and \"scores\")",
                          r->scores_path, ln.lineno);
            break;
        }
        if (index != (int64_t)r->n) {
            st = vlit_err(err, VLIT_ERR_DATA,
                          "%s: line %zu: index %lld where %zu was expected: the scores must have one line per sample "
                          "in input order (vlit merge scores puts shards together)",
                          r->scores_path, ln.lineno, (long long)index, r->n);
            break;
        }
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 1024;
            item *t = realloc(r->items, cap * sizeof *t);
            if (!t) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
            r->items = t;
            r->cap = cap;
        }
        item *it = &r->items[r->n];
        memset(it, 0, sizeof *it);
        it->id_hash = vlit_hash(id, strlen(id));
        for (int k = 0; k < VLIT_SELECT_RULES && !st; k++) {
            const char *name = vlit_select_rule_indicator(k);
            vj *x = vj_get(scores, name);
            it->v[k] = NAN;
            if (!x)
                continue;
            vj *m = vj_get(x, "method");
            if (x->type != VJ_OBJECT || !m || !vj_is_text(m)) {
                st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: %s is not an object with a method", r->scores_path,
                              ln.lineno, name);
                break;
            }
            if (!r->present[k]) {
                r->present[k] = 1;
                snprintf(r->sum->method[k], sizeof r->sum->method[k], "%s", m->str);
            } else if (strcmp(r->sum->method[k], m->str) != 0) {
                st = vlit_err(err, VLIT_ERR_DATA,
                              "%s: line %zu: %s scored by method %s, earlier lines by %s: values of different methods "
                              "are not comparable",
                              r->scores_path, ln.lineno, name, m->str, r->sum->method[k]);
                break;
            }
            double d;
            vj *val = vj_get(x, "value");
            if (val && vj_number(val, &d)) {
                it->v[k] = d;
                it->has |= (uint8_t)(1u << k);
            } else if (val) {
                st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: %s value is not a finite number", r->scores_path,
                              ln.lineno, name);
            }
            /* else "missing": has stays 0 */
        }
        if (st)
            break;
        r->n++;
    }
    if (st == VLIT_END)
        st = VLIT_OK;
    vlit_arena_free(&a);
    vlit_lines_free(&ln);
    fclose(fp);
    return st;
}

/* ---- usability and complexity ------------------------------------------- */

static vlit_status decide_thresholds(run *r, vlit_error *err)
{
    const vlit_select_params *p = r->p;
    double *vals = NULL;
    vlit_status st = VLIT_OK;
    for (int k = 0; k < VLIT_SELECT_RULES; k++) {
        r->sum->cut[k] = NAN;
        const vlit_select_threshold *t = &p->threshold[k];
        if (!t->on || !group_on(r, vlit_select_rule_group(k)))
            continue;
        const char *name = vlit_select_rule_indicator(k);
        if (!r->present[k]) {
            if (t->required) {
                st = vlit_err(err, VLIT_ERR_USAGE,
                              "%s: no line has %s: score it (vlit score --indicators) or turn its threshold off",
                              r->scores_path, name);
                goto out;
            }
            note(r, "%s: not in the scores, rule skipped", name);
            continue;
        }
        double cut = t->value;
        if (t->percentile) {
            size_t m = 0;
            if (!vals && !(vals = malloc((r->n ? r->n : 1) * sizeof *vals))) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                goto out;
            }
            for (size_t i = 0; i < r->n; i++)
                if (r->items[i].has & (1u << k))
                    vals[m++] = r->items[i].v[k];
            if (m == 0) {
                note(r, "%s: every value is missing, p%g has no value; rule judged as missing", name, t->value);
                cut = NAN;
            } else {
                cut = vlit_select_percentile(vals, m, t->value);
                note(r, "%s p%g = %.6g (%zu values)", name, t->value, cut, m);
            }
        }
        r->sum->cut[k] = cut;
        r->active[k] = 1;
    }
    int sense[VLIT_SELECT_RULES];
    for (int k = 0; k < VLIT_SELECT_RULES; k++)
        sense[k] = vlit_select_rule_sense(k);
    for (size_t i = 0; i < r->n; i++) {
        item *it = &r->items[i];
        for (int k = 0; k < VLIT_SELECT_RULES && it->group == KEEP; k++) {
            if (!r->active[k])
                continue;
            int g = vlit_select_rule_group(k);
            if (!(it->has & (1u << k)) || isnan(r->sum->cut[k])) {
                r->sum->missing[k]++;
                if (p->missing_drop) {
                    it->group = (uint8_t)(1 + g);
                    it->rule = (uint8_t)k;
                    it->why = WHY_MISSING;
                }
                continue;
            }
            double v = it->v[k], cut = r->sum->cut[k];
            if ((sense[k] > 0 && v < cut) || (sense[k] < 0 && v > cut)) {
                it->group = (uint8_t)(1 + g);
                it->rule = (uint8_t)k;
                it->why = WHY_VALUE;
            }
        }
        if (it->group != KEEP && it->group <= 2) {
            r->sum->dropped[it->group - 1]++;
            r->sum->dropped_rule[it->rule]++;
        }
    }
out:
    free(vals);
    return st;
}

/* The quality that picks a duplicate group's representative: for every
 * usability indicator the sample has, its mid-rank among the input's values
 * scaled to 0-1 with 1 the best (so scales and directions do not matter),
 * averaged; -1 for a sample without any. */
typedef struct rank_pair {
    double v;
    size_t i;
} rank_pair;

static int cmp_pair(const void *a, const void *b)
{
    const rank_pair *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static vlit_status compute_quality(run *r, vlit_error *err)
{
    float *acc = calloc(r->n ? r->n : 1, sizeof *acc);
    uint8_t *cnt = calloc(r->n ? r->n : 1, 1);
    rank_pair *pr = malloc((r->n ? r->n : 1) * sizeof *pr);
    if (!acc || !cnt || !pr) {
        free(acc);
        free(cnt);
        free(pr);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < VLIT_SELECT_RULES; k++) {
        if (vlit_select_rule_group(k) != VLIT_SELECT_USABILITY || !r->present[k])
            continue;
        size_t m = 0;
        for (size_t i = 0; i < r->n; i++)
            if (r->items[i].has & (1u << k))
                pr[m++] = (rank_pair){r->items[i].v[k], i};
        qsort(pr, m, sizeof *pr, cmp_pair);
        for (size_t a = 0; a < m;) {
            size_t b = a;
            while (b < m && pr[b].v == pr[a].v)
                b++;
            double mid = m > 1 ? ((double)(a + b - 1) / 2.0) / (double)(m - 1) : 1.0;
            if (vlit_select_rule_sense(k) < 0)
                mid = 1.0 - mid;
            for (size_t j = a; j < b; j++) {
                acc[pr[j].i] += (float)mid;
                cnt[pr[j].i]++;
            }
            a = b;
        }
    }
    for (size_t i = 0; i < r->n; i++)
        r->items[i].quality = cnt[i] ? acc[i] / (float)cnt[i] : -1.0f;
    free(acc);
    free(cnt);
    free(pr);
    return VLIT_OK;
}

/* ---- pass 1: texts and labels ------------------------------------------- */

/* The turns of one role joined by newlines, "<image>" markers removed. */
static vlit_status join_turns(const vlit_sample *s, int user, vlit_buf *b)
{
    vlit_buf_clear(b);
    vlit_status st = vlit_buf_reserve(b, 1);
    for (size_t t = 0; t < s->n_turns && !st; t++) {
        const char *role = s->turns[t].role ? s->turns[t].role : "";
        int is_user = strcmp(role, "user") == 0;
        if (strcmp(role, "system") == 0 || is_user != user)
            continue;
        const char *x = s->turns[t].text ? s->turns[t].text : "";
        if (b->len)
            st = vlit_buf_putc(b, '\n');
        while (!st && *x) {
            const char *m = strstr(x, "<image>");
            size_t len = m ? (size_t)(m - x) : strlen(x);
            st = vlit_buf_append(b, x, len);
            x += len;
            if (m)
                x += 7;
        }
    }
    return st;
}

static vlit_status add_label(run *r, const char *name, uint32_t *out, vlit_error *err)
{
    int inserted;
    const char *stored;
    uint32_t *slot = vlit_strmap_put(&r->labels, name, strlen(name), (uint32_t)r->n_labels, &inserted, &stored);
    if (!slot)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (inserted) {
        if (r->n_labels == r->cap_labels) {
            size_t cap = r->cap_labels ? r->cap_labels * 2 : 32;
            const char **t = realloc(r->label_names, cap * sizeof *t);
            if (!t)
                return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            r->label_names = t;
            r->cap_labels = cap;
        }
        r->label_names[r->n_labels++] = stored;
    }
    *out = *slot;
    return VLIT_OK;
}

static vlit_status read_samples(run *r, vlit_error *err)
{
    const vlit_select_params *p = r->p;
    int diversity = group_on(r, VLIT_SELECT_DIVERSITY), balance = group_on(r, VLIT_SELECT_BALANCE);
    vlit_reader *rd = NULL;
    vlit_tag_reader *tr = NULL;
    vlit_text_set *ti = NULL, *tt = NULL;
    vlit_buf b = VLIT_BUF_INIT;
    vlit_embed_params ep = vlit_embed_default_params();
    ep.dim = p->dim ? p->dim : 256;
    vlit_reader_params rp = vlit_reader_default_params();
    vlit_status st = vlit_reader_open(r->samples_path, p->in_format, &rp, &rd, err);
    if (!st && balance && p->tags_path)
        st = vlit_tag_reader_open(p->tags_path, &tr, err);
    if (!st && balance && !p->tags_path)
        st = vlit_task_rules_check(err);
    if (!st && diversity)
        st = vlit_text_set_new(&ep, &ti, err);
    if (!st && diversity)
        st = vlit_text_set_new(&ep, &tt, err);
    if (!st && diversity &&
        (!(r->rows = malloc((r->n ? r->n : 1) * sizeof *r->rows)) ||
         !(r->row_image = malloc((r->n ? r->n : 1) * sizeof *r->row_image))))
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    size_t pos = 0;
    const vlit_sample *s;
    while (!st && (st = vlit_reader_next(rd, &s, err)) == VLIT_OK) {
        if (pos >= r->n) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: record %zu (id %s) has no scores line: %s has %zu lines",
                          r->samples_path, pos, s->id ? s->id : "?", r->scores_path, r->n);
            break;
        }
        item *it = &r->items[pos];
        const char *sid = s->id ? s->id : "";
        if (vlit_hash(sid, strlen(sid)) != it->id_hash) {
            st = vlit_err(err, VLIT_ERR_DATA,
                          "%s: record %zu has id %s but line %zu of %s has another: the scores are of another file",
                          r->samples_path, pos, sid, pos + 1, r->scores_path);
            break;
        }
        if (tr) {
            size_t tpos;
            const char *tid, *task, *method;
            st = vlit_tag_reader_next(tr, &tpos, &tid, &task, &method, err);
            if (st == VLIT_END) {
                st = vlit_err(err, VLIT_ERR_DATA, "%s: ends before sample %zu (id %s)", p->tags_path, pos, sid);
                break;
            }
            if (st)
                break;
            if (tpos != pos || strcmp(tid ? tid : "", sid) != 0) {
                st = vlit_err(err, VLIT_ERR_DATA,
                              "%s: line %zu is position %zu id %s, the sample at position %zu is %s: tags of another "
                              "file",
                              p->tags_path, pos + 1, tpos, tid ? tid : "?", pos, sid);
                break;
            }
            st = add_label(r, task ? task : "(missing)", &it->label, err);
        } else if (balance) {
            size_t t = vlit_task_tag_rules(s);
            const char *name = t == VLIT_TASK_NONE ? NULL : vlit_task_name(t);
            st = add_label(r, name ? name : "(none)", &it->label, err);
        }
        if (!st && diversity && it->group == KEEP) {
            if (join_turns(s, 1, &b))
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            if (!st)
                st = vlit_text_set_add(ti, b.data, b.len, err);
            if (!st && join_turns(s, 0, &b))
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            if (!st)
                st = vlit_text_set_add(tt, b.data, b.len, err);
            r->row_image[r->n_rows] = s->n_images && s->images[0] ? vlit_hash(s->images[0], strlen(s->images[0])) : 0;
            r->rows[r->n_rows++] = pos;
        }
        pos++;
    }
    if (st == VLIT_END) {
        st = VLIT_OK;
        if (pos != r->n)
            st = vlit_err(err, VLIT_ERR_DATA, "%s has %zu records, %s has %zu lines: the scores are of another file",
                          r->samples_path, pos, r->scores_path, r->n);
    }
    if (!st && diversity && r->n_rows) {
        size_t n1 = 0, n2 = 0, d1 = 0, d2 = 0;
        st = vlit_text_set_vectors(ti, &r->vi, &n1, &d1, err);
        if (!st)
            st = vlit_text_set_vectors(tt, &r->vr, &n2, &d2, err);
        if (!st && (n1 != r->n_rows || n2 != r->n_rows || d1 != d2))
            st = vlit_err(err, VLIT_ERR_DATA, "embedding gave %zu and %zu rows for %zu texts", n1, n2, r->n_rows);
        r->dim = d1;
    }
    vlit_buf_free(&b);
    vlit_text_set_free(ti);
    vlit_text_set_free(tt);
    vlit_tag_reader_close(tr);
    vlit_reader_close(rd);
    return st;
}

/* ---- diversity ------------------------------------------------------------ */

static float dot(const float *a, const float *b, size_t d)
{
    double s = 0;
    for (size_t i = 0; i < d; i++)
        s += (double)a[i] * b[i];
    return (float)s;
}

typedef struct member {
    int64_t ci, cr; /* cluster labels (-1: a text without a term) */
    uint64_t image; /* hash of the first image, when groups share it */
    size_t row;
} member;

static int cmp_member(const void *a, const void *b)
{
    const member *x = a, *y = b;
    if (x->ci != y->ci)
        return x->ci < y->ci ? -1 : 1;
    if (x->cr != y->cr)
        return x->cr < y->cr ? -1 : 1;
    if (x->image != y->image)
        return x->image < y->image ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static vlit_status decide_diversity(run *r, vlit_error *err)
{
    const vlit_select_params *p = r->p;
    if (r->n_rows == 0)
        return VLIT_OK;
    vlit_dbscan_params dp = vlit_dbscan_default_params();
    dp.eps = 1.0 - p->similarity;
    dp.min_samples = 1;
    vlit_dbscan_result ci = {0}, cr = {0};
    member *m = NULL;
    vlit_status st = VLIT_OK;
    if (p->dedup_by != VLIT_DEDUP_RESPONSE)
        st = vlit_dbscan(r->vi, r->n_rows, r->dim, &dp, &ci, err);
    if (!st && p->dedup_by != VLIT_DEDUP_INSTRUCTION)
        st = vlit_dbscan(r->vr, r->n_rows, r->dim, &dp, &cr, err);
    if (!st && !(m = malloc(r->n_rows * sizeof *m)))
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (st)
        goto out;
    for (size_t j = 0; j < r->n_rows; j++) {
        m[j].ci = ci.labels ? ci.labels[j] : 0;
        m[j].cr = cr.labels ? cr.labels[j] : 0;
        m[j].image = p->dedup_same_image ? r->row_image[j] : 0;
        m[j].row = j;
    }
    /* groups are runs of equal (ci, cr, image); rows stay in input order inside a run */
    qsort(m, r->n_rows, sizeof *m, cmp_member);
    for (size_t a = 0; a < r->n_rows;) {
        size_t b = a + 1;
        /* a text without a term (label -1) has no neighbour: a group of its own */
        if (m[a].ci >= 0 && m[a].cr >= 0)
            while (b < r->n_rows && m[b].ci == m[a].ci && m[b].cr == m[a].cr && m[b].image == m[a].image)
                b++;
        if (b - a > 1) {
            r->sum->duplicate_groups++;
            /* the best quality; ties keep the first in input order */
            size_t best = m[a].row;
            for (size_t j = a + 1; j < b; j++)
                if (r->items[r->rows[m[j].row]].quality > r->items[r->rows[best]].quality)
                    best = m[j].row;
            for (size_t j = a; j < b; j++) {
                size_t row = m[j].row;
                if (row == best)
                    continue;
                item *it = &r->items[r->rows[row]];
                it->group = 1 + VLIT_SELECT_DIVERSITY;
                it->rep = r->rows[best];
                it->cos_i = dot(r->vi + row * r->dim, r->vi + best * r->dim, r->dim);
                it->cos_r = dot(r->vr + row * r->dim, r->vr + best * r->dim, r->dim);
                r->sum->dropped[VLIT_SELECT_DIVERSITY]++;
            }
        }
        a = b;
    }
out:
    vlit_dbscan_result_free(&ci);
    vlit_dbscan_result_free(&cr);
    free(m);
    return st;
}

/* ---- balance ---------------------------------------------------------------- */

typedef struct draw {
    uint64_t key;
    size_t pos;
    uint32_t task; /* index in name order */
} draw;

static int cmp_draw(const void *a, const void *b)
{
    const draw *x = a, *y = b;
    if (x->task != y->task)
        return x->task < y->task ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static vlit_status decide_balance(run *r, vlit_error *err)
{
    const vlit_select_params *p = r->p;
    size_t k = r->n_labels;
    vlit_select_summary *sum = r->sum;
    uint32_t *order = malloc((k ? k : 1) * sizeof *order);
    size_t *byname = malloc((k ? k : 1) * sizeof *byname);
    size_t *counts = calloc(k ? k : 1, sizeof *counts), *alloc = calloc(k ? k : 1, sizeof *alloc);
    draw *dr = NULL;
    vlit_status st = VLIT_OK;
    if (!order || !byname || !counts || !alloc) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* tasks in byte order of their names (insertion sort: labels are few) */
    for (size_t i = 0; i < k; i++) {
        size_t j = i;
        while (j > 0 && strcmp(r->label_names[byname[j - 1]], r->label_names[i]) > 0) {
            byname[j] = byname[j - 1];
            j--;
        }
        byname[j] = i;
    }
    for (size_t t = 0; t < k; t++)
        order[byname[t]] = (uint32_t)t;
    size_t entering = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].group == KEEP) {
            counts[order[r->items[i].label]]++;
            entering++;
        }
    /* the tasks present among the samples entering balance */
    size_t present = 0;
    for (size_t t = 0; t < k; t++)
        present += counts[t] > 0;
    if (!(sum->shares = calloc(present ? present : 1, sizeof *sum->shares))) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t target = p->target && p->target < entering ? p->target : entering;
    vlit_select_allocate(counts, k, target, alloc);
    size_t *cb = malloc((present ? present : 1) * sizeof *cb), *ca = malloc((present ? present : 1) * sizeof *ca);
    if (!cb || !ca) {
        free(cb);
        free(ca);
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t t = 0, m = 0; t < k; t++) {
        if (!counts[t])
            continue;
        char *name = strdup(r->label_names[byname[t]]);
        if (!name) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            break;
        }
        sum->shares[m] = (vlit_select_share){name, counts[t], alloc[t]};
        cb[m] = counts[t];
        ca[m] = alloc[t];
        m++;
        sum->tasks = m;
    }
    if (!st) {
        sum->variance_before = vlit_select_share_variance(cb, present);
        sum->variance_after = vlit_select_share_variance(ca, present);
    }
    free(cb);
    free(ca);
    if (st || target >= entering) {
        if (!st && p->target)
            note(r, "balance: target %zu >= the %zu samples left: nothing sampled", p->target, entering);
        goto out;
    }
    sum->balanced = 1;
    if (!(dr = malloc((entering ? entering : 1) * sizeof *dr))) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t m = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].group == KEEP)
            dr[m++] = (draw){vlit_mix64(p->seed ^ vlit_mix64((uint64_t)i)), i, order[r->items[i].label]};
    /* a uniform sample of alloc[t] per task: the smallest seeded keys */
    qsort(dr, m, sizeof *dr, cmp_draw);
    for (size_t a = 0; a < m;) {
        size_t b = a;
        while (b < m && dr[b].task == dr[a].task)
            b++;
        for (size_t j = a + alloc[dr[a].task]; j < b; j++) {
            r->items[dr[j].pos].group = 1 + VLIT_SELECT_BALANCE;
            sum->dropped[VLIT_SELECT_BALANCE]++;
        }
        a = b;
    }
    r->label_order = order;
    r->alloc = alloc;
    r->count = counts;
    order = NULL;
    alloc = counts = NULL;
out:
    free(order);
    free(byname);
    free(counts);
    free(alloc);
    free(dr);
    return st;
}

/* ---- pass 2: output ------------------------------------------------------- */

static vlit_status reason_line(const run *r, size_t pos, const vlit_sample *s, vlit_buf *b)
{
    const item *it = &r->items[pos];
    int g = it->group - 1;
    char rule[512];
    if (g == VLIT_SELECT_USABILITY || g == VLIT_SELECT_COMPLEXITY) {
        int k = it->rule;
        const vlit_select_threshold *t = &r->p->threshold[k];
        char how[64] = "";
        if (t->percentile)
            snprintf(how, sizeof how, ", p%g", t->value);
        if (it->why == WHY_MISSING)
            snprintf(rule, sizeof rule, "%s missing (%s), --missing drop", vlit_select_rule_indicator(k),
                     r->sum->method[k]);
        else
            snprintf(rule, sizeof rule, "%s %.4g %s %.4g (%s%s)", vlit_select_rule_indicator(k), it->v[k],
                     vlit_select_rule_sense(k) > 0 ? "<" : ">", r->sum->cut[k], r->sum->method[k], how);
    } else if (g == VLIT_SELECT_DIVERSITY) {
        static const char *const by[] = {"instruction and response clusters", "response cluster",
                                         "instruction cluster"};
        snprintf(rule, sizeof rule,
                 "near duplicate of position %llu: instruction cosine %.3f, response cosine %.3f; same %s%s at "
                 ">= %.3f (tfidf-%zu); kept the better scored (quality %.3f >= %.3f)",
                 (unsigned long long)it->rep, it->cos_i, it->cos_r, by[r->p->dedup_by],
                 r->p->dedup_same_image ? " and image" : "", r->p->similarity, r->dim, r->items[it->rep].quality,
                 it->quality);
    } else {
        uint32_t l = it->label, t = r->label_order[l];
        snprintf(rule, sizeof rule, "task %s: %zu of %zu kept (uniform sample, seed %llu, target %zu)",
                 r->label_names[l], r->alloc[t], r->count[t], (unsigned long long)r->p->seed, r->p->target);
    }
    vlit_buf_clear(b);
    vlit_status st = vlit_buf_puts(b, "{\"id\":");
    if (!st)
        st = vj_write_cstr(b, s->id ? s->id : "");
    if (!st)
        st = vlit_buf_printf(b, ",\"position\":%zu,\"group\":\"%s\",\"rule\":", pos, vlit_select_group_name(g));
    if (!st)
        st = vj_write_cstr(b, rule);
    if (!st)
        st = vlit_buf_puts(b, "}\n");
    return st;
}

static vlit_status write_output(run *r, const char *out_path, vlit_error *err)
{
    const vlit_select_params *p = r->p;
    unsigned si = p->shard_index, sn = p->shard_count ? p->shard_count : 1;
    vlit_reader *rd = NULL;
    vlit_writer *w = NULL;
    vlit_output *ro = NULL;
    vlit_buf b = VLIT_BUF_INIT;
    vlit_reader_params rp = vlit_reader_default_params();
    vlit_status st = vlit_reader_open(r->samples_path, p->in_format, &rp, &rd, err);
    if (!st)
        st = vlit_writer_open(out_path, p->out_format, &w, err);
    if (!st && p->reasons_path)
        st = vlit_output_open(p->reasons_path, &ro, err);
    size_t pos = 0;
    const vlit_sample *s;
    while (!st && (st = vlit_reader_next(rd, &s, err)) == VLIT_OK) {
        if (pos >= r->n) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s changed while it was read: record %zu is new", r->samples_path, pos);
            break;
        }
        const item *it = &r->items[pos];
        if (it->group == KEEP)
            r->sum->kept++;
        if (pos % sn == si) {
            if (it->group == KEEP) {
                st = vlit_writer_write(w, s, err);
                if (!st && p->on_written)
                    p->on_written(p->written_ctx, pos);
            } else if (ro) {
                st = reason_line(r, pos, s, &b);
                if (st)
                    st = vlit_err(err, st, "out of memory");
                else if (fwrite(b.data, 1, b.len, vlit_output_file(ro)) != b.len)
                    st = vlit_err(err, VLIT_ERR_IO, "%s: write failed", p->reasons_path);
                else if (p->on_reason)
                    p->on_reason(p->reason_ctx, pos);
            }
        }
        pos++;
    }
    if (st == VLIT_END)
        st = pos == r->n ? VLIT_OK
                         : vlit_err(err, VLIT_ERR_DATA, "%s changed while it was read: %zu records, %zu before",
                                    r->samples_path, pos, r->n);
    if (!st && ro) {
        st = vlit_output_commit(ro, err);
        ro = NULL;
    }
    if (!st) {
        st = vlit_writer_commit(w, err);
        w = NULL;
    }
    vlit_output_abort(ro);
    vlit_writer_abort(w);
    vlit_reader_close(rd);
    vlit_buf_free(&b);
    return st;
}

vlit_status vlit_select(const char *samples_path, const char *scores_path, const vlit_select_params *params,
                        const char *out_path, vlit_select_summary *summary, vlit_error *err)
{
    vlit_select_params defaults = vlit_select_default_params();
    const vlit_select_params *p = params ? params : &defaults;
    vlit_select_summary local;
    vlit_select_summary *sum = summary ? summary : &local;
    memset(sum, 0, sizeof *sum);
    vlit_error local_err = {0};
    if (!err)
        err = &local_err;
    if (!samples_path || !scores_path || !out_path)
        return vlit_err(err, VLIT_ERR_USAGE, "select: the samples, their scores and an output are needed");
    if ((unsigned)p->dedup_by > VLIT_DEDUP_INSTRUCTION)
        return vlit_err(err, VLIT_ERR_USAGE, "select: unknown dedup_by %d", (int)p->dedup_by);
    if (!(p->similarity > 0 && p->similarity < 1))
        return vlit_err(err, VLIT_ERR_USAGE, "select: similarity %g is not in (0, 1)", p->similarity);
    if (p->shard_count && p->shard_index >= p->shard_count)
        return vlit_err(err, VLIT_ERR_USAGE, "select: shard %u/%u does not exist", p->shard_index, p->shard_count);
    for (int k = 0; k < VLIT_SELECT_RULES; k++)
        if (p->threshold[k].on && p->threshold[k].percentile &&
            !(p->threshold[k].value >= 0 && p->threshold[k].value <= 100))
            return vlit_err(err, VLIT_ERR_USAGE, "select: percentile %g of %s is not in 0-100", p->threshold[k].value,
                            vlit_select_rule_indicator(k));
    run r;
    memset(&r, 0, sizeof r);
    r.p = p;
    r.sum = sum;
    r.samples_path = samples_path;
    r.scores_path = scores_path;
    vlit_strmap_init(&r.labels);
    vlit_status st = read_scores(&r, err);
    sum->samples = r.n;
    if (!st)
        st = decide_thresholds(&r, err);
    if (!st && group_on(&r, VLIT_SELECT_DIVERSITY))
        st = compute_quality(&r, err);
    if (!st)
        st = read_samples(&r, err);
    if (!st && group_on(&r, VLIT_SELECT_DIVERSITY))
        st = decide_diversity(&r, err);
    if (!st && group_on(&r, VLIT_SELECT_BALANCE))
        st = decide_balance(&r, err);
    if (!st)
        st = write_output(&r, out_path, err);
    free(r.items);
    free(r.rows);
    free(r.row_image);
    free(r.vi);
    free(r.vr);
    free(r.label_names);
    free(r.label_order);
    free(r.alloc);
    free(r.count);
    vlit_strmap_free(&r.labels);
    if (sum == &local)
        vlit_select_summary_free(&local);
    return st;
}

void vlit_select_summary_free(vlit_select_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->tasks; i++)
        free((char *)s->shares[i].task);
    free(s->shares);
    s->shares = NULL;
    s->tasks = 0;
}
