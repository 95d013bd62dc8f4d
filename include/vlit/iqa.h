/*
 * vlit/iqa.h - image indicators: readability (NIQE) and visual complexity.
 *
 * Image readability (principle 1) is NIQE (Mittal, Soundararajan, Bovik,
 * "Making a completely blind image quality analyzer", IEEE SPL 2013): the
 * distance between the statistics of a test image's 96x96 patches and a
 * multivariate Gaussian fitted to the sharp patches of pristine photos.
 * Lower is better: sharp natural photos score about 2-5, blurred, noisy or
 * blocky ones more. Visual complexity (principle 9) combines compression
 * ratio, edge density, spatial information and colour entropy into 0-1.
 * docs/iqa.md gives the algorithms, the model file format and the default
 * model's recipe.
 *
 *   vlit_niqe_model *m;  vlit_iqa_workspace *ws;  vlit_error err = {0};
 *   if (vlit_niqe_model_load("data/niqe/pristine.model", &m, &err)) { report err.message }
 *   vlit_iqa_workspace_new(&ws, &err);
 *   double q;
 *   if (vlit_niqe_score_file(m, ws, "cat.jpg", &q, &err) == VLIT_OK) printf("%.3f\n", q);
 *   vlit_visual_complexity vc;
 *   if (vlit_visual_complexity_file("cat.jpg", &vc, &err) == VLIT_OK) printf("%.3f\n", vc.score);
 *   vlit_iqa_workspace_free(ws);  vlit_niqe_model_free(m);
 *
 * Ownership: the caller owns what a _new, _load or _fit call hands out and
 * frees it with the matching _free (which accepts NULL); nothing else keeps
 * pointers to the caller's memory after a call returns.
 *
 * Threads: nothing here has global state. A model is never changed by
 * scoring, so threads may share one; a workspace is scratch memory and
 * belongs to one thread at a time (make one per thread and reuse it: it
 * keeps its buffers between images, so scoring allocates nothing once they
 * have grown to the largest image).
 */
#ifndef VLIT_IQA_H
#define VLIT_IQA_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Number of NIQE features per patch: 18 at each of two scales. */
#define VLIT_NIQE_FEATURES 36

typedef struct vlit_niqe_model vlit_niqe_model;
typedef struct vlit_iqa_workspace vlit_iqa_workspace;

/* Makes a workspace for one thread. */
vlit_status vlit_iqa_workspace_new(vlit_iqa_workspace **out, vlit_error *err);
void vlit_iqa_workspace_free(vlit_iqa_workspace *ws);

/* ---- NIQE model -------------------------------------------------------- */

/* Reads a model file (format in docs/iqa.md). A malformed file is
 * VLIT_ERR_PARSE (or VLIT_ERR_DATA for wrong values) naming file and line. */
vlit_status vlit_niqe_model_load(const char *path, vlit_niqe_model **out, vlit_error *err);

/* Writes a model file atomically (a temporary file renamed into place);
 * "-" is standard output. Loading it back gives the same numbers. */
vlit_status vlit_niqe_model_save(const vlit_niqe_model *m, const char *path, vlit_error *err);

void vlit_niqe_model_free(vlit_niqe_model *m);

/* What a model was fitted on, and its numbers (mean: 36, cov: 36 x 36
 * row-major); pointers stay valid while the model lives. */
typedef struct vlit_niqe_model_info {
    size_t images, patches;
    const double *mean, *cov;
} vlit_niqe_model_info;
vlit_niqe_model_info vlit_niqe_model_get_info(const vlit_niqe_model *m);

typedef struct vlit_niqe_fit_params {
    /* patches kept from each image: mean local deviation above this share
     * of the image's sharpest patch (the paper's 0.75) */
    double sharpness;
    int skip_bad; /* an unreadable image is reported through on_skip and left out */
    /* Called once per image used, with its patches and those kept; may be NULL. */
    void (*on_image)(void *ctx, const char *path, size_t patches, size_t kept);
    /* Called for each image left out (skip_bad); may be NULL. */
    void (*on_skip)(void *ctx, const vlit_error *why);
    void *ctx;
} vlit_niqe_fit_params;

vlit_niqe_fit_params vlit_niqe_fit_default_params(void);

/* Fits a pristine model on the given JPEG/PNG photos (sharp, natural,
 * undistorted). Fails with VLIT_ERR_DATA when fewer than
 * VLIT_NIQE_FEATURES + 1 patches are kept in all (the covariance would be
 * singular). Without skip_bad the first unreadable image fails the fit, and
 * the message names it. */
vlit_status vlit_niqe_fit(const char *const *paths, size_t count, const vlit_niqe_fit_params *params,
                          vlit_niqe_model **out, vlit_error *err);

/* ---- NIQE score -------------------------------------------------------- */

/* NIQE of an image file (JPEG or PNG, any size from 96x96 up; it is
 * cropped to whole 96x96 patches from the top-left corner). ws may be NULL
 * (a temporary one is made: slower). Errors name the file: missing or
 * corrupt image (VLIT_ERR_IMAGE), too small or without any textured patch
 * (VLIT_ERR_DATA). */
vlit_status vlit_niqe_score_file(const vlit_niqe_model *m, vlit_iqa_workspace *ws, const char *path, double *score,
                                 vlit_error *err);

/* The same from a decoded 8-bit gray image (stride bytes per row). Use the
 * luma (Y of BT.601), as vlit_niqe_score_file does. */
vlit_status vlit_niqe_score_gray(const vlit_niqe_model *m, vlit_iqa_workspace *ws, const uint8_t *gray, int width,
                                 int height, size_t stride, double *score, vlit_error *err);

/* ---- visual complexity ------------------------------------------------- */

/* Components and score, all documented in docs/iqa.md. The normalised
 * components and the score are in [0, 1]; 0 is a flat image. */
typedef struct vlit_visual_complexity {
    double compression_ratio;   /* deflated size of the filtered gray image / raw size */
    double edge_density;        /* share of pixels whose Sobel magnitude exceeds the threshold */
    double spatial_information; /* ITU-T P.910 SI: standard deviation of the Sobel magnitude */
    double colour_entropy;      /* Shannon entropy (bits) of the 8x8x8 RGB histogram */
    double norm[4];             /* the four above, normalised to 0-1, in that order */
    double score;               /* mean of norm[] */
    int width, height;          /* of the image the measures were taken on (see docs) */
} vlit_visual_complexity;

/* Visual complexity of a JPEG or PNG file. Errors name the file. */
vlit_status vlit_visual_complexity_file(const char *path, vlit_visual_complexity *out, vlit_error *err);

/* The same from decoded pixels: channels 1 (gray) or 3 (RGB), stride bytes
 * per row. */
vlit_status vlit_visual_complexity_pixels(const uint8_t *pixels, int width, int height, int channels, size_t stride,
                                          vlit_visual_complexity *out, vlit_error *err);

#ifdef __cplusplus
}
#endif

#endif
