/* NIQE of a test image: all its patches (no sharpness selection), a
 * multivariate Gaussian fitted to their features, and the distance
 *   sqrt((mu1 - mu2)^T ((S1 + S2) / 2)^+ (mu1 - mu2))
 * to the pristine model, ^+ being the Moore-Penrose pseudo-inverse (the
 * pooled covariance of a small image can be singular). The pseudo-inverse
 * comes from a cyclic Jacobi eigen-decomposition: 36 x 36 is far too small
 * to need LAPACK, and Jacobi is accurate for symmetric matrices. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/image.h"
#include "niqe.h"

#define N NIQE_FEATURES

/* Eigen-decomposition of the symmetric a (destroyed): eigenvalues in
 * lambda, eigenvectors in the columns of v. */
static void jacobi_eigen(double *a, double *lambda, double *v)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            v[i * N + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, total = 0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                total += a[i * N + j] * a[i * N + j];
                if (i != j)
                    off += a[i * N + j] * a[i * N + j];
            }
        if (off <= DBL_EPSILON * DBL_EPSILON * total || off == 0)
            break;
        for (int p = 0; p < N - 1; p++)
            for (int q = p + 1; q < N; q++) {
                double apq = a[p * N + q];
                if (apq == 0)
                    continue;
                /* the rotation that zeroes a[p][q] (Golub & Van Loan, 8.4) */
                double theta = (a[q * N + q] - a[p * N + p]) / (2 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < N; k++) { /* columns p and q */
                    double akp = a[k * N + p], akq = a[k * N + q];
                    a[k * N + p] = c * akp - s * akq;
                    a[k * N + q] = s * akp + c * akq;
                }
                for (int k = 0; k < N; k++) { /* rows p and q */
                    double apk = a[p * N + k], aqk = a[q * N + k];
                    a[p * N + k] = c * apk - s * aqk;
                    a[q * N + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < N; k++) {
                    double vkp = v[k * N + p], vkq = v[k * N + q];
                    v[k * N + p] = c * vkp - s * vkq;
                    v[k * N + q] = s * vkp + c * vkq;
                }
            }
    }
    for (int i = 0; i < N; i++)
        lambda[i] = a[i * N + i];
}

/* d^T pinv(s) d for symmetric s (destroyed). MATLAB's pinv drops singular
 * values at or below max(size) * norm * eps; for a symmetric matrix the
 * singular values are the eigenvalues' magnitudes. */
static double pinv_quadratic(double *s, const double *d)
{
    double lambda[N], v[N * N];
    jacobi_eigen(s, lambda, v);
    double top = 0;
    for (int i = 0; i < N; i++)
        top = fmax(top, fabs(lambda[i]));
    double tol = N * top * DBL_EPSILON, q = 0;
    for (int k = 0; k < N; k++) {
        if (fabs(lambda[k]) <= tol)
            continue;
        double proj = 0;
        for (int i = 0; i < N; i++)
            proj += v[i * N + k] * d[i];
        q += proj * proj / lambda[k];
    }
    return q;
}

vlit_status vlit_niqe_score_gray(const vlit_niqe_model *m, vlit_iqa_workspace *ws, const uint8_t *gray, int width,
                                 int height, size_t stride, double *score, vlit_error *err)
{
    *score = NAN;
    vlit_iqa_workspace *own = NULL;
    if (!ws) {
        vlit_status st = vlit_iqa_workspace_new(&own, err);
        if (st)
            return st;
        ws = own;
    }
    size_t np = 0, n = 0;
    vlit_status st = niqe_image_features(ws, gray, width, height, stride, &np, err);
    if (st)
        goto out;
    /* Patches with undefined features (flat ones) are left out, as the
     * reference's nanmean/nancov leave out their NaNs. */
    double mean[N] = {0}, cov[N * N] = {0};
    for (size_t i = 0; i < np; i++) {
        const double *row = ws->feat + i * N;
        if (!niqe_row_ok(row))
            continue;
        n++;
        for (int k = 0; k < N; k++)
            mean[k] += row[k];
    }
    if (n == 0) {
        st = vlit_err(err, VLIT_ERR_DATA, "no textured %dx%d patch (a flat image has no NIQE)", NIQE_PATCH,
                      NIQE_PATCH);
        goto out;
    }
    for (int k = 0; k < N; k++)
        mean[k] /= (double)n;
    if (n > 1) {
        for (size_t r = 0; r < np; r++) {
            const double *row = ws->feat + r * N;
            if (!niqe_row_ok(row))
                continue;
            double d[N];
            for (int k = 0; k < N; k++)
                d[k] = row[k] - mean[k];
            for (int i = 0; i < N; i++)
                for (int j = i; j < N; j++)
                    cov[i * N + j] += d[i] * d[j];
        }
        for (int i = 0; i < N; i++)
            for (int j = i; j < N; j++)
                cov[i * N + j] = cov[j * N + i] = cov[i * N + j] / (double)(n - 1);
    }
    double pooled[N * N], diff[N];
    for (int i = 0; i < N * N; i++)
        pooled[i] = (m->cov[i] + cov[i]) / 2;
    for (int k = 0; k < N; k++)
        diff[k] = m->mean[k] - mean[k];
    *score = sqrt(fmax(0, pinv_quadratic(pooled, diff)));
out:
    vlit_iqa_workspace_free(own);
    return st;
}

vlit_status vlit_niqe_score_file(const vlit_niqe_model *m, vlit_iqa_workspace *ws, const char *path, double *score,
                                 vlit_error *err)
{
    *score = NAN;
    vlit_image img;
    vlit_status st = vlit_image_load_gray(path, &img, err);
    if (st)
        return st;
    vlit_error inner = {0};
    st = vlit_niqe_score_gray(m, ws, img.pixels, img.width, img.height, (size_t)img.width, score, &inner);
    vlit_image_free(&img);
    if (st)
        return vlit_err(err, st, "%s: %s", path, inner.message);
    return VLIT_OK;
}
