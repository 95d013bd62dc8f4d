/* Fitting the pristine model: the sharp patches of every image (mean local
 * deviation above 0.75 of the image's sharpest patch, as the paper says:
 * the blurred background of a photo is not what a pristine image looks
 * like), pooled into one mean and covariance. The covariance is
 * accumulated with Welford's update, so no patch needs to be kept. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../io/image.h"
#include "niqe.h"

vlit_niqe_fit_params vlit_niqe_fit_default_params(void)
{
    vlit_niqe_fit_params p;
    memset(&p, 0, sizeof p);
    p.sharpness = NIQE_SHARPNESS;
    return p;
}

typedef struct pool {
    size_t n;
    double mean[NIQE_FEATURES];
    double comoment[NIQE_FEATURES * NIQE_FEATURES]; /* sum of (x - mean_before)(x - mean_after)^T */
} pool;

static void pool_add(pool *p, const double *x)
{
    double d[NIQE_FEATURES];
    p->n++;
    for (int i = 0; i < NIQE_FEATURES; i++) {
        d[i] = x[i] - p->mean[i];
        p->mean[i] += d[i] / (double)p->n;
    }
    for (int i = 0; i < NIQE_FEATURES; i++) {
        double e = x[i] - p->mean[i];
        for (int j = 0; j < NIQE_FEATURES; j++)
            p->comoment[i * NIQE_FEATURES + j] += e * d[j];
    }
}

vlit_status vlit_niqe_fit(const char *const *paths, size_t count, const vlit_niqe_fit_params *params,
                          vlit_niqe_model **out, vlit_error *err)
{
    *out = NULL;
    vlit_niqe_fit_params p = params ? *params : vlit_niqe_fit_default_params();
    vlit_iqa_workspace *ws = NULL;
    vlit_niqe_model *m = NULL;
    pool *acc = NULL;
    vlit_buf sources = VLIT_BUF_INIT;
    vlit_image img = {0, 0, 0, NULL};
    size_t images = 0;
    vlit_status st = vlit_iqa_workspace_new(&ws, err);
    if (st)
        goto out;
    acc = calloc(1, sizeof *acc);
    m = calloc(1, sizeof *m);
    if (!acc || !m) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (!(p.sharpness >= 0 && p.sharpness <= 1)) {
        st = vlit_err(err, VLIT_ERR_USAGE, "sharpness threshold %g is outside [0, 1]", p.sharpness);
        goto out;
    }
    for (size_t k = 0; k < count; k++) {
        vlit_error ierr = {0};
        size_t np = 0;
        st = vlit_image_load_gray(paths[k], &img, &ierr);
        if (!st) {
            st = niqe_image_features(ws, img.pixels, img.width, img.height, (size_t)img.width, &np, &ierr);
            if (st) { /* the features do not know the file's name */
                char why[VLIT_ERRMSG_MAX];
                snprintf(why, sizeof why, "%s", ierr.message);
                vlit_err(&ierr, st, "%s: %s", paths[k], why);
            }
        }
        vlit_image_free(&img);
        if (st) {
            if (!p.skip_bad || st == VLIT_ERR_NOMEM) {
                if (err)
                    *err = ierr;
                goto out;
            }
            if (p.on_skip)
                p.on_skip(p.ctx, &ierr);
            st = VLIT_OK;
            continue;
        }
        double top = 0;
        for (size_t i = 0; i < np; i++)
            top = fmax(top, ws->sharp[i]);
        size_t kept = 0;
        for (size_t i = 0; i < np; i++) {
            const double *row = ws->feat + i * NIQE_FEATURES;
            if (ws->sharp[i] > p.sharpness * top && niqe_row_ok(row)) {
                pool_add(acc, row);
                kept++;
            }
        }
        images++;
        const char *slash = strrchr(paths[k], '/');
        st = vlit_buf_printf(&sources, "%s %zu %zu\n", slash ? slash + 1 : paths[k], np, kept);
        if (st) {
            st = vlit_err(err, st, "out of memory");
            goto out;
        }
        if (p.on_image)
            p.on_image(p.ctx, paths[k], np, kept);
    }
    if (acc->n < NIQE_FEATURES + 1) {
        st = vlit_err(err, VLIT_ERR_DATA,
                      "%zu sharp patches from %zu images: a model needs at least %d (give more or larger photos)",
                      acc->n, images, NIQE_FEATURES + 1);
        goto out;
    }
    memcpy(m->mean, acc->mean, sizeof m->mean);
    for (int i = 0; i < NIQE_FEATURES; i++)
        for (int j = 0; j < NIQE_FEATURES; j++) /* symmetric by construction up to rounding: make it exact */
            m->cov[i * NIQE_FEATURES + j] =
                (acc->comoment[i * NIQE_FEATURES + j] + acc->comoment[j * NIQE_FEATURES + i]) / 2 / (double)(acc->n - 1);
    m->images = images;
    m->patches = acc->n;
    m->sources = sources.data;
    sources.data = NULL;
    *out = m;
    m = NULL;
out:
    vlit_buf_free(&sources);
    vlit_niqe_model_free(m);
    free(acc);
    vlit_iqa_workspace_free(ws);
    return st;
}
