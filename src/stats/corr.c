/*
 * Pearson and Spearman correlations with two-sided p-values, and the join of
 * an indicator table with a results table (vlit/stats.h).
 *
 * r is computed from centred values (two passes), and its p-value from
 * I_{1 - r^2}((n - 2) / 2, 1 / 2), which is P(|T| >= |t|) for
 * t = r sqrt((n - 2) / (1 - r^2)) on n - 2 degrees of freedom; 1 - r^2 is
 * formed as (1 - r)(1 + r) so that r near +-1 keeps its small p-values.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/err.h"
#include "../base/strmap.h"
#include "stats_internal.h"
#include "vlit/stats.h"

static double p_from_r(double r, double df)
{
    double ar = fabs(r);
    if (ar >= 1)
        return 0;
    /* I_{1 - r^2}(df / 2, 1 / 2), with 1 - r^2 and r^2 both exact enough */
    return st_betainc_xy(df / 2, 0.5, (1 - ar) * (1 + ar), ar * ar, 0);
}

const char *vlit_stars(double p)
{
    if (isnan(p))
        return "";
    return p < 0.01 ? "***" : p < 0.05 ? "**" : p < 0.10 ? "*" : "";
}

typedef struct ranked {
    double v;
    size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->v < y->v)
        return -1;
    if (x->v > y->v)
        return 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

vlit_status vlit_rank_average(const double *x, size_t n, double *ranks, vlit_error *err)
{
    if (n && (!x || !ranks))
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_rank_average: no data");
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return vlit_err(err, VLIT_ERR_DATA, "ranks: value %zu is NaN", i);
    if (n == 0)
        return VLIT_OK;
    ranked *r = malloc(n * sizeof *r);
    if (!r)
        return vlit_err(err, VLIT_ERR_NOMEM, "ranks: out of memory");
    for (size_t i = 0; i < n; i++)
        r[i] = (ranked){x[i], i};
    qsort(r, n, sizeof *r, cmp_ranked);
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && r[b].v == r[a].v)
            b++;
        /* positions a .. b-1 hold ranks a+1 .. b: their mean */
        double mean = ((double)a + 1 + (double)b) / 2;
        for (size_t j = a; j < b; j++)
            ranks[r[j].i] = mean;
        a = b;
    }
    free(r);
    return VLIT_OK;
}

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (sxx == 0 || syy == 0)
        return NAN;
    double r = sxy / (sqrt(sxx) * sqrt(syy));
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

vlit_status vlit_corr(const double *x, const double *y, size_t n, vlit_corr_method method, double *r, double *p,
                      vlit_error *err)
{
    if (!x || !y || !r || !p)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_corr: missing argument");
    if (method != VLIT_CORR_PEARSON && method != VLIT_CORR_SPEARMAN)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_corr: unknown method %d", (int)method);
    if (n < 3)
        return vlit_err(err, VLIT_ERR_DATA, "correlation needs at least 3 pairs (got %zu)", n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return vlit_err(err, VLIT_ERR_DATA, "correlation: pair %zu is not finite", i);
    double rr;
    if (method == VLIT_CORR_SPEARMAN) {
        double *rx = malloc(2 * n * sizeof *rx);
        if (!rx)
            return vlit_err(err, VLIT_ERR_NOMEM, "correlation: out of memory");
        vlit_rank_average(x, n, rx, NULL);
        vlit_rank_average(y, n, rx + n, NULL);
        rr = pearson(rx, rx + n, n);
        free(rx);
    } else {
        rr = pearson(x, y, n);
    }
    *r = rr;
    *p = isnan(rr) ? NAN : p_from_r(rr, (double)n - 2);
    return VLIT_OK;
}

/* ---- tables ------------------------------------------------------------- */

static void free_strs(char **v, size_t n)
{
    if (v)
        for (size_t i = 0; i < n; i++)
            free(v[i]);
    free(v);
}

void vlit_corr_set_free(vlit_corr_set *s)
{
    if (!s)
        return;
    free_strs(s->key, s->keys);
    free_strs(s->indicator, s->indicators);
    free_strs(s->column, s->columns);
    free(s->key_rows);
    free(s->x);
    free(s->y);
    free(s->cell);
    memset(s, 0, sizeof *s);
}

vlit_status vlit_corr_tables(const vlit_table *ind, const vlit_table *res, const char *by, vlit_corr_method method,
                             vlit_corr_set *out, vlit_error *err)
{
    if (!ind || !res || !by || !out)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_corr_tables: missing argument");
    memset(out, 0, sizeof *out);
    if (method != VLIT_CORR_PEARSON && method != VLIT_CORR_SPEARMAN)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_corr_tables: unknown method %d", (int)method);
    out->method = method;
    long ik = vlit_table_column(ind, by), rk = vlit_table_column(res, by);
    if (ik < 0)
        return vlit_err(err, VLIT_ERR_USAGE, "%s: no column '%s' to join on", ind->name, by);
    if (rk < 0)
        return vlit_err(err, VLIT_ERR_USAGE, "%s: no column '%s' to join on", res->name, by);
    size_t *icols = NULL, ni = 0, *rcols = NULL, nr = 0;
    double *xs = NULL, *ys = NULL;
    vlit_strmap keys;
    vlit_strmap_init(&keys);
    char w1[64], w2[64];
    vlit_status st;
    if ((st = st_numeric_columns(ind, &ik, 1, &icols, &ni, err)) ||
        (st = st_numeric_columns(res, &rk, 1, &rcols, &nr, err)))
        goto out;
    if (ni == 0) {
        st = vlit_err(err, VLIT_ERR_DATA, "%s: no numeric column besides '%s'", ind->name, by);
        goto out;
    }
    if (nr == 0) {
        st = vlit_err(err, VLIT_ERR_DATA, "%s: no numeric column besides '%s'", res->name, by);
        goto out;
    }
    size_t n = ind->rows;
    if (n < 3) {
        st = vlit_err(err, VLIT_ERR_DATA, "%s: %zu row%s; a correlation needs at least 3 keys", ind->name, n,
                      n == 1 ? "" : "s");
        goto out;
    }
    out->key = calloc(n, sizeof *out->key);
    out->key_rows = calloc(n, sizeof *out->key_rows);
    out->indicator = calloc(ni, sizeof *out->indicator);
    out->column = calloc(nr, sizeof *out->column);
    out->x = malloc(n * ni * sizeof *out->x);
    out->y = calloc(n * nr, sizeof *out->y);
    out->cell = calloc(ni * nr, sizeof *out->cell);
    xs = malloc(n * sizeof *xs);
    ys = malloc(n * sizeof *ys);
    if (!out->key || !out->key_rows || !out->indicator || !out->column || !out->x || !out->y || !out->cell || !xs ||
        !ys)
        goto nomem;
    out->indicators = ni;
    out->columns = nr;
    for (size_t i = 0; i < ni; i++)
        if (!(out->indicator[i] = st_strdup(ind->header[icols[i]])))
            goto nomem;
    for (size_t j = 0; j < nr; j++)
        if (!(out->column[j] = st_strdup(res->header[rcols[j]])))
            goto nomem;
    /* the indicator rows: unique keys, numbers */
    out->keys = n;
    for (size_t r = 0; r < n; r++) {
        const char *key = ind->cell[r * ind->cols + (size_t)ik];
        if (st_is_missing(key)) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: %s, column '%s': missing key", ind->name,
                          st_where(ind, r, w1, sizeof w1), by);
            goto out;
        }
        int inserted;
        uint32_t *slot = vlit_strmap_put(&keys, key, strlen(key), (uint32_t)r, &inserted, NULL);
        if (!slot)
            goto nomem;
        if (!inserted) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: %s and %s: key '%.200s' appears twice", ind->name,
                          st_where(ind, *slot, w1, sizeof w1), st_where(ind, r, w2, sizeof w2), key);
            goto out;
        }
        if (!(out->key[r] = st_strdup(key)))
            goto nomem;
        for (size_t i = 0; i < ni; i++)
            if ((st = st_number(ind, r, icols[i], &out->x[r * ni + i], err)))
                goto out;
    }
    /* the results rows: summed per key (in row order, then divided) */
    for (size_t r = 0; r < res->rows; r++) {
        const char *key = res->cell[r * res->cols + (size_t)rk];
        uint32_t *slot = st_is_missing(key) ? NULL : vlit_strmap_get(&keys, key, strlen(key));
        if (!slot) {
            out->unused_rows++;
            continue;
        }
        size_t kr = *slot;
        out->key_rows[kr]++;
        for (size_t j = 0; j < nr; j++) {
            double v;
            if ((st = st_number(res, r, rcols[j], &v, err)))
                goto out;
            out->y[kr * nr + j] += v;
        }
    }
    for (size_t r = 0; r < n; r++) {
        if (!out->key_rows[r]) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: %s: key '%.200s' has no rows in %s", ind->name,
                          st_where(ind, r, w1, sizeof w1), out->key[r], res->name);
            goto out;
        }
        for (size_t j = 0; j < nr; j++)
            out->y[r * nr + j] /= (double)out->key_rows[r];
    }
    for (size_t i = 0; i < ni; i++)
        for (size_t j = 0; j < nr; j++) {
            for (size_t r = 0; r < n; r++) {
                xs[r] = out->x[r * ni + i];
                ys[r] = out->y[r * nr + j];
            }
            vlit_corr_cell *c = &out->cell[i * nr + j];
            c->n = n;
            if ((st = vlit_corr(xs, ys, n, method, &c->r, &c->p, err)))
                goto out;
        }
    goto out;
nomem:
    st = vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", ind->name);
out:
    if (st)
        vlit_corr_set_free(out);
    vlit_strmap_free(&keys);
    free(icols);
    free(rcols);
    free(xs);
    free(ys);
    return st;
}
