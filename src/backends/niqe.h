/* Internal: NIQE (Mittal, Soundararajan, Bovik, IEEE SPL 2013), split by job:
 * niqe_features.c turns a gray image into one 36-number row per 96x96 patch,
 * niqe_fit.c fits the pristine multivariate Gaussian, niqe_model_io.c reads
 * and writes it, niqe_score.c measures the distance of a test image to it.
 * docs/iqa.md describes the algorithm and every choice made here. */
#ifndef VLIT_BACKENDS_NIQE_H
#define VLIT_BACKENDS_NIQE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"
#include "vlit/iqa.h"

#define NIQE_PATCH 96       /* patch side at the original scale (48 at the second) */
#define NIQE_SCALES 2       /* original and half size */
#define NIQE_FEAT_SCALE 18  /* per scale: GGD (2) + 4 x AGGD (4) */
#define NIQE_FEATURES (NIQE_FEAT_SCALE * NIQE_SCALES)
#define NIQE_SHARPNESS 0.75 /* pristine patches: sharpness above this share of the image's sharpest */

/* The shape grid of the moment-matching lookup (the reference's
 * gam = 0.2:0.001:10), as integers so that every index is exact. */
#define NIQE_GAM_FIRST 200 /* 0.200 in thousandths */
#define NIQE_GAM_COUNT 9801

struct vlit_niqe_model {
    double mean[NIQE_FEATURES];
    double cov[NIQE_FEATURES * NIQE_FEATURES]; /* row-major, symmetric */
    size_t images, patches;                    /* what the fit used, for the record */
    char *sources;                             /* fit only: "path patches kept" lines, saved as comments */
};

/* Scratch memory, grown to the largest image seen and kept between images,
 * plus the ratio table of the shape lookup. One per thread. */
struct vlit_iqa_workspace {
    double ratio[NIQE_GAM_COUNT]; /* Gamma(2/a)^2 / (Gamma(1/a) Gamma(3/a)), increasing in a */
    size_t cap;                   /* pixels the buffers below hold */
    double *img;                  /* the image at the current scale */
    double *tmp;                  /* the first direction of the half-size resampling */
    double *rows;                 /* two padded rows of the MSCN filter (mean, mean of squares) */
    size_t row_cap;               /* width rows holds */
    float *mscn;                  /* MSCN coefficients */
    float *sigma;                 /* local standard deviation */
    double *half;                 /* the image at the next scale */
    double *feat;                 /* patches x NIQE_FEATURES */
    double *sharp;                /* mean sigma per patch (original scale) */
    size_t feat_cap;              /* patches feat and sharp hold */
};

/* Shape of a generalised Gaussian from the moment ratio
 * rho = E[|x|]^2 / E[x^2] (the grid point nearest to it, as the reference's
 * lookup). */
double niqe_shape_from_ratio(const vlit_iqa_workspace *ws, double rho);

/* Per-patch features of an 8-bit gray image (stride bytes per row). The
 * image is cropped to whole patches from the top-left corner; *patches gets
 * their number, ws->feat their rows and ws->sharp their sharpness. A patch
 * whose statistics are undefined (flat: no negative or no positive
 * products) gets NaN features; callers drop such rows. */
vlit_status niqe_image_features(vlit_iqa_workspace *ws, const uint8_t *gray, int width, int height, size_t stride,
                                size_t *patches, vlit_error *err);

/* Feature helpers, exposed for the unit tests. */
void niqe_ggd_fit(const vlit_iqa_workspace *ws, const float *x, size_t n, double *shape, double *variance);
void niqe_aggd_fit(const vlit_iqa_workspace *ws, const float *x, size_t n, double *shape, double *mean,
                   double *left_var, double *right_var);
/* MSCN of a w x h double image into ws->mscn and its local standard
 * deviation into ws->sigma (buffers from niqe_workspace_reserve). */
void niqe_mscn(vlit_iqa_workspace *ws, const double *img, int w, int h);
/* Grows the buffers to a w x h image of so many patches. */
vlit_status niqe_workspace_reserve(vlit_iqa_workspace *ws, int w, int h, size_t patches, vlit_error *err);
/* Half-size bicubic resampling as MATLAB imresize(im, 0.5) (w, h even). */
void niqe_half(const double *src, int w, int h, double *tmp, double *dst);

/* A feature row is usable when all its numbers are finite. */
int niqe_row_ok(const double *row);

#endif
