/*
 * Intra-class correlation in the six forms of Shrout & Fleiss (1979), with
 * the F tests and confidence intervals of Shrout & Fleiss and McGraw & Wong
 * (1996) (vlit/stats.h; docs/stats.md writes the formulas out).
 *
 * The sums of squares are formed from deviations (rows' and columns' means
 * first), never as differences of raw sums of squares, so that scores with a
 * large common offset keep their precision.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/err.h"
#include "../base/strmap.h"
#include "stats_internal.h"
#include "vlit/stats.h"

const char *vlit_icc_form_name(int form)
{
    static const char *const n[] = {"ICC1", "ICC1k", "ICC2", "ICC2k", "ICC3", "ICC3k"};
    return form >= 0 && form < VLIT_ICC_FORMS ? n[form] : NULL;
}

const char *vlit_icc_form_label(int form)
{
    static const char *const n[] = {"ICC(1,1)", "ICC(1,k)", "ICC(2,1)", "ICC(2,k)", "ICC(3,1)", "ICC(3,k)"};
    return form >= 0 && form < VLIT_ICC_FORMS ? n[form] : NULL;
}

/* Single-measure bound from an F bound: (f - 1) / (f + k - 1); average: 1 - 1 / f. */
static double single_bound(double f, double k)
{
    return isinf(f) ? 1 : (f - 1) / (f + k - 1);
}

static double average_bound(double f)
{
    return isinf(f) ? 1 : 1 - 1 / f;
}

vlit_status vlit_icc(const double *y, size_t n, size_t k, double confidence, vlit_icc_result *out, vlit_error *err)
{
    if (!out || !y)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_icc: no data or no result");
    memset(out, 0, sizeof *out);
    if (n < 2 || k < 2)
        return vlit_err(err, VLIT_ERR_USAGE, "ICC needs at least 2 targets and 2 raters (got %zu x %zu)", n, k);
    if (!(confidence > 0 && confidence < 1))
        return vlit_err(err, VLIT_ERR_USAGE, "ICC: confidence %g is not between 0 and 1", confidence);
    if (n > ((size_t)1 << 40) / k)
        return vlit_err(err, VLIT_ERR_LIMIT, "ICC: %zu x %zu values are too many", n, k);
    for (size_t i = 0; i < n * k; i++)
        if (!isfinite(y[i]))
            return vlit_err(err, VLIT_ERR_DATA, "ICC: value at row %zu, column %zu is not finite", i / k, i % k);
    double *rowm = malloc(n * sizeof *rowm), *colm = calloc(k, sizeof *colm);
    if (!rowm || !colm) {
        free(rowm);
        free(colm);
        return vlit_err(err, VLIT_ERR_NOMEM, "ICC: out of memory");
    }
    double grand = 0;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < k; j++) {
            s += y[i * k + j];
            colm[j] += y[i * k + j];
        }
        rowm[i] = s / (double)k;
        grand += s;
    }
    grand /= (double)(n * k);
    for (size_t j = 0; j < k; j++)
        colm[j] /= (double)n;
    double ssr = 0, ssc = 0, ssw = 0, sse = 0;
    for (size_t i = 0; i < n; i++) {
        double d = rowm[i] - grand;
        ssr += d * d;
    }
    ssr *= (double)k;
    for (size_t j = 0; j < k; j++) {
        double d = colm[j] - grand;
        ssc += d * d;
    }
    ssc *= (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            double w = y[i * k + j] - rowm[i];
            double e = w - colm[j] + grand;
            ssw += w * w;
            sse += e * e;
        }
    free(rowm);
    free(colm);

    double dn = (double)n, dk = (double)k;
    double msr = ssr / (dn - 1), msc = ssc / (dk - 1), msw = ssw / (dn * (dk - 1)),
           mse = sse / ((dn - 1) * (dk - 1));
    out->n = n;
    out->k = k;
    out->msr = msr;
    out->msc = msc;
    out->msw = msw;
    out->mse = mse;
    out->confidence = confidence;
    double q = 1 - (1 - confidence) / 2; /* upper quantile of a two-sided interval */

    /* one-way random effects: F = MSR / MSW on (n - 1, n (k - 1)) */
    {
        double df1 = dn - 1, df2 = dn * (dk - 1), F = msr / msw;
        double fl = F / vlit_f_quantile(q, df1, df2), fu = F * vlit_f_quantile(q, df2, df1);
        vlit_icc_value *a = &out->form[VLIT_ICC1], *b = &out->form[VLIT_ICC1K];
        a->value = (msr - msw) / (msr + (dk - 1) * msw);
        b->value = (msr - msw) / msr;
        a->F = b->F = F;
        a->df1 = b->df1 = df1;
        a->df2 = b->df2 = df2;
        a->p = b->p = vlit_f_sf(F, df1, df2);
        a->lo = single_bound(fl, dk);
        a->hi = single_bound(fu, dk);
        b->lo = average_bound(fl);
        b->hi = average_bound(fu);
    }
    /* two-way models: F = MSR / MSE on (n - 1, (n - 1)(k - 1)) */
    double df1 = dn - 1, df2 = (dn - 1) * (dk - 1), F = msr / mse, p = vlit_f_sf(F, df1, df2);
    {
        /* consistency (mixed effects) */
        double fl = F / vlit_f_quantile(q, df1, df2), fu = F * vlit_f_quantile(q, df2, df1);
        vlit_icc_value *a = &out->form[VLIT_ICC3], *b = &out->form[VLIT_ICC3K];
        a->value = (msr - mse) / (msr + (dk - 1) * mse);
        b->value = (msr - mse) / msr;
        a->F = b->F = F;
        a->df1 = b->df1 = df1;
        a->df2 = b->df2 = df2;
        a->p = b->p = p;
        a->lo = single_bound(fl, dk);
        a->hi = single_bound(fu, dk);
        b->lo = average_bound(fl);
        b->hi = average_bound(fu);
    }
    {
        /* absolute agreement (random effects); the interval uses
         * Satterthwaite's degrees of freedom v for the denominator */
        vlit_icc_value *a = &out->form[VLIT_ICC2], *b = &out->form[VLIT_ICC2K];
        double icc = (msr - mse) / (msr + (dk - 1) * mse + dk * (msc - mse) / dn);
        a->value = icc;
        b->value = (msr - mse) / (msr + (msc - mse) / dn);
        a->F = b->F = F;
        a->df1 = b->df1 = df1;
        a->df2 = b->df2 = df2;
        a->p = b->p = p;
        double ca = dk * icc / (dn * (1 - icc));
        double cb = 1 + dk * icc * (dn - 1) / (dn * (1 - icc));
        double num = ca * msc + cb * mse;
        double v = num * num / ((ca * msc) * (ca * msc) / (dk - 1) + (cb * mse) * (cb * mse) / ((dn - 1) * (dk - 1)));
        double fs = vlit_f_quantile(q, df1, v), fi = vlit_f_quantile(q, v, df1);
        double base = dk * msc + (dk * dn - dk - dn) * mse;
        double lo = dn * (msr - fs * mse) / (fs * base + dn * msr);
        double hi = dn * (fi * msr - mse) / (base + dn * fi * msr);
        a->lo = lo;
        a->hi = hi;
        b->lo = lo * dk / (1 + lo * (dk - 1));
        b->hi = hi * dk / (1 + hi * (dk - 1));
    }
    return VLIT_OK;
}

/* ---- per group of a table ------------------------------------------------ */

void vlit_icc_set_free(vlit_icc_set *s)
{
    if (!s)
        return;
    for (size_t g = 0; g < s->groups; g++) {
        free(s->group[g].name);
        if (s->group[g].raters)
            for (size_t j = 0; j < s->group[g].r.k; j++)
                free(s->group[g].raters[j]);
        free(s->group[g].raters);
    }
    free(s->group);
    if (s->target)
        for (size_t i = 0; i < s->targets; i++)
            free(s->target[i]);
    free(s->target);
    memset(s, 0, sizeof *s);
}

vlit_status vlit_icc_table(const vlit_table *t, const char *group_col, const char *rater_col, double confidence,
                           vlit_icc_set *out, vlit_error *err)
{
    if (!t || !group_col || !rater_col || !out)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_icc_table: missing argument");
    memset(out, 0, sizeof *out);
    long gc = vlit_table_column(t, group_col), rc = vlit_table_column(t, rater_col);
    if (gc < 0)
        return vlit_err(err, VLIT_ERR_USAGE, "%s: no column '%s' (for the groups)", t->name, group_col);
    if (rc < 0)
        return vlit_err(err, VLIT_ERR_USAGE, "%s: no column '%s' (for the raters)", t->name, rater_col);
    if (gc == rc)
        return vlit_err(err, VLIT_ERR_USAGE, "%s: the group and rater columns are the same ('%s')", t->name,
                        group_col);
    long skip[2] = {gc, rc};
    size_t *cols = NULL, ncols = 0, *order = NULL, *gid = NULL;
    double *y = NULL;
    vlit_strmap groups;
    vlit_strmap_init(&groups);
    char w1[64], w2[64];
    vlit_status st = st_numeric_columns(t, skip, 2, &cols, &ncols, err);
    if (st)
        goto out;
    if (ncols < 2) {
        st = vlit_err(err, VLIT_ERR_DATA, "%s: %zu numeric column%s; ICC needs at least 2 targets", t->name, ncols,
                      ncols == 1 ? "" : "s");
        goto out;
    }
    /* every cell used must be a number (checked once, in row order) */
    for (size_t r = 0; r < t->rows; r++)
        for (size_t i = 0; i < ncols; i++) {
            double v;
            if ((st = st_number(t, r, cols[i], &v, err)))
                goto out;
        }
    /* group of every row, groups in order of first appearance */
    gid = malloc((t->rows ? t->rows : 1) * sizeof *gid);
    if (!gid)
        goto nomem;
    size_t ngroups = 0;
    for (size_t r = 0; r < t->rows; r++) {
        const char *g = t->cell[r * t->cols + (size_t)gc];
        const char *who = t->cell[r * t->cols + (size_t)rc];
        if (st_is_missing(g) || st_is_missing(who)) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: %s, column '%s': missing value", t->name,
                          st_where(t, r, w1, sizeof w1), st_is_missing(g) ? group_col : rater_col);
            goto out;
        }
        int inserted;
        uint32_t *slot = vlit_strmap_put(&groups, g, strlen(g), (uint32_t)ngroups, &inserted, NULL);
        if (!slot)
            goto nomem;
        ngroups += (size_t)inserted;
        gid[r] = *slot;
    }
    if (ngroups == 0) {
        st = vlit_err(err, VLIT_ERR_DATA, "%s: no rows", t->name);
        goto out;
    }
    out->target = calloc(ncols, sizeof *out->target);
    out->group = calloc(ngroups, sizeof *out->group);
    order = malloc(t->rows * sizeof *order);
    y = malloc(ncols * t->rows * sizeof *y);
    if (!out->target || !out->group || !order || !y)
        goto nomem;
    out->targets = ncols;
    for (size_t i = 0; i < ncols; i++)
        if (!(out->target[i] = st_strdup(t->header[cols[i]])))
            goto nomem;
    for (size_t g = 0; g < ngroups; g++) {
        /* the group's rows, in table order: its raters */
        size_t k = 0;
        for (size_t r = 0; r < t->rows; r++)
            if (gid[r] == g)
                order[k++] = r;
        const char *gname = t->cell[order[0] * t->cols + (size_t)gc];
        for (size_t a = 0; a < k; a++)
            for (size_t b = a + 1; b < k; b++)
                if (strcmp(t->cell[order[a] * t->cols + (size_t)rc], t->cell[order[b] * t->cols + (size_t)rc]) == 0) {
                    st = vlit_err(err, VLIT_ERR_DATA, "%s: %s and %s: rater '%.200s' appears twice in group '%.200s'",
                                  t->name, st_where(t, order[a], w1, sizeof w1), st_where(t, order[b], w2, sizeof w2),
                                  t->cell[order[a] * t->cols + (size_t)rc], gname);
                    goto out;
                }
        if (k < 2) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: %s: group '%.200s' has only one rater; ICC needs at least 2",
                          t->name, st_where(t, order[0], w1, sizeof w1), gname);
            goto out;
        }
        vlit_icc_group *G = &out->group[g];
        out->groups = g + 1;
        if (!(G->name = st_strdup(gname)) || !(G->raters = calloc(k, sizeof *G->raters)))
            goto nomem;
        G->r.k = k; /* so that a failure below frees what was set */
        for (size_t j = 0; j < k; j++)
            if (!(G->raters[j] = st_strdup(t->cell[order[j] * t->cols + (size_t)rc])))
                goto nomem;
        for (size_t i = 0; i < ncols; i++)
            for (size_t j = 0; j < k; j++)
                st_parse_number(t->cell[order[j] * t->cols + cols[i]], &y[i * k + j]);
        vlit_icc_result res;
        if ((st = vlit_icc(y, ncols, k, confidence, &res, err))) {
            char msg[VLIT_ERRMSG_MAX];
            snprintf(msg, sizeof msg, "%s", err ? err->message : "");
            st = vlit_err(err, st, "%s: group '%.200s': %s", t->name, gname, msg);
            goto out;
        }
        G->r = res;
    }
    goto out;
nomem:
    st = vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", t->name);
out:
    if (st)
        vlit_icc_set_free(out);
    vlit_strmap_free(&groups);
    free(cols);
    free(order);
    free(gid);
    free(y);
    return st;
}
