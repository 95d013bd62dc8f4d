/* NIQE (estimators, MSCN, score behaviour, model files) and visual
 * complexity. Photos come from python3-skimage (scripts/setup.sh installs
 * it); the default model from the data folder. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/backends/niqe.h"
#include "../../src/base/random.h"
#include "../../src/io/image.h"
#include "vlit/vlit.h"

#include "check.h"
#include "testutil.h"

#define SKIMAGE "/usr/lib/python3/dist-packages/skimage/data/"
#define PI 3.14159265358979323846
#define PHOTO SKIMAGE "motorcycle_right.png" /* not among the default model's photos */

static double gauss(uint64_t *s)
{
    double u = vlit_uniform01(s), v = vlit_uniform01(s);
    return sqrt(-2 * log(u + 1e-300)) * cos(2 * PI * v);
}

static vlit_iqa_workspace *ws_new(void)
{
    vlit_iqa_workspace *ws = NULL;
    vlit_error err = {0};
    if (vlit_iqa_workspace_new(&ws, &err))
        abort();
    return ws;
}

static void test_estimators(void)
{
    vlit_iqa_workspace *ws = ws_new();
    size_t n = 400000;
    float *x = malloc(n * sizeof *x);
    uint64_t seed = 42;
    double shape, var, mean, lv, rv;
    /* Gaussian: GGD shape 2, variance 4 */
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(2 * gauss(&seed));
    niqe_ggd_fit(ws, x, n, &shape, &var);
    CHECK(fabs(shape - 2) < 0.03);
    CHECK(fabs(var - 4) < 0.05);
    /* Laplacian: shape 1 */
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((vlit_uniform01(&seed) < 0.5 ? -1 : 1) * -log(vlit_uniform01(&seed) + 1e-300));
    niqe_ggd_fit(ws, x, n, &shape, &var);
    CHECK(fabs(shape - 1) < 0.03);
    CHECK(fabs(var - 2) < 0.05); /* variance of a unit Laplacian */
    /* AGGD of shape 2, left sd 1, right sd 3: a side is chosen with
     * probability proportional to its scale */
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(vlit_uniform01(&seed) < 0.25 ? -fabs(gauss(&seed)) : 3 * fabs(gauss(&seed)));
    niqe_aggd_fit(ws, x, n, &shape, &mean, &lv, &rv);
    CHECK(fabs(shape - 2) < 0.05);
    CHECK(fabs(lv - 1) < 0.03);
    CHECK(fabs(rv - 9) < 0.2);
    CHECK(fabs(mean - 2 * sqrt(2 / PI)) < 0.05); /* (beta_r - beta_l) Gamma(1)/Gamma(1/2) */
    /* the lookup returns grid points, and a table value gives its own shape */
    CHECK(fabs(niqe_shape_from_ratio(ws, ws->ratio[1234]) - 1.434) < 1e-9);
    CHECK(niqe_shape_from_ratio(ws, 0) == 0.2);
    CHECK(niqe_shape_from_ratio(ws, 1) == 10.0);
    free(x);
    vlit_iqa_workspace_free(ws);
}

static void test_mscn_constant(void)
{
    vlit_iqa_workspace *ws = ws_new();
    vlit_error err = {0};
    int w = 100, h = 80;
    CHECK(niqe_workspace_reserve(ws, w, h, 1, &err) == VLIT_OK);
    double *img = malloc(sizeof *img * (size_t)w * (size_t)h);
    for (int i = 0; i < w * h; i++)
        img[i] = 173;
    niqe_mscn(ws, img, w, h);
    int zero = 1;
    for (int i = 0; i < w * h; i++)
        zero &= fabsf(ws->mscn[i]) < 1e-6f && ws->sigma[i] < 1e-4f;
    CHECK(zero);
    /* a flat image has no NIQE: an error, not a NaN */
    uint8_t *gray = malloc(200 * 200);
    memset(gray, 90, 200 * 200);
    vlit_niqe_model *m;
    CHECK(vlit_niqe_model_load(VLIT_DATA_DIR "/niqe/pristine.model", &m, &err) == VLIT_OK);
    double q;
    CHECK(vlit_niqe_score_gray(m, ws, gray, 200, 200, 200, &q, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "no textured");
    vlit_niqe_model_free(m);
    free(gray);
    free(img);
    vlit_iqa_workspace_free(ws);
}

/* separable Gaussian blur with replicated borders, into out */
static void blur(const uint8_t *in, int w, int h, double sigma, uint8_t *out)
{
    int r = (int)ceil(3 * sigma);
    double k[64], sum = 0;
    for (int i = -r; i <= r; i++)
        sum += k[i + r] = exp(-i * i / (2 * sigma * sigma));
    double *t = malloc(sizeof *t * (size_t)w * (size_t)h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double v = 0;
            for (int i = -r; i <= r; i++) {
                int xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
                v += k[i + r] * in[y * w + xx];
            }
            t[y * w + x] = v / sum;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double v = 0;
            for (int i = -r; i <= r; i++) {
                int yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
                v += k[i + r] * t[yy * w + x];
            }
            out[y * w + x] = (uint8_t)lround(v / sum);
        }
    free(t);
}

static void add_noise(const uint8_t *in, int n, double sigma, uint8_t *out)
{
    uint64_t seed = 7;
    for (int i = 0; i < n; i++) {
        double v = in[i] + sigma * gauss(&seed);
        out[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
    }
}

static void test_niqe_distortions(void)
{
    vlit_error err = {0};
    vlit_image img;
    vlit_niqe_model *m;
    CHECK(vlit_niqe_model_load(VLIT_DATA_DIR "/niqe/pristine.model", &m, &err) == VLIT_OK);
    if (vlit_image_load_gray(PHOTO, &img, &err)) {
        fprintf(stderr, "%s (apt-get install python3-skimage)\n", err.message);
        CHECK(0);
        vlit_niqe_model_free(m);
        return;
    }
    vlit_iqa_workspace *ws = ws_new();
    int w = img.width, h = img.height;
    uint8_t *d = malloc((size_t)w * (size_t)h);
    double q0, q1, q2, n1, n2, qf;
    CHECK(vlit_niqe_score_gray(m, ws, img.pixels, w, h, (size_t)w, &q0, &err) == VLIT_OK);
    CHECK(vlit_niqe_score_file(m, NULL, PHOTO, &qf, &err) == VLIT_OK && qf == q0);
    blur(img.pixels, w, h, 1.5, d);
    CHECK(vlit_niqe_score_gray(m, ws, d, w, h, (size_t)w, &q1, &err) == VLIT_OK);
    blur(img.pixels, w, h, 3, d);
    CHECK(vlit_niqe_score_gray(m, ws, d, w, h, (size_t)w, &q2, &err) == VLIT_OK);
    printf("NIQE %s: %.3f; blurred 1.5: %.3f, 3: %.3f\n", PHOTO, q0, q1, q2);
    CHECK(q0 > 1 && q0 < 8);
    CHECK(q1 > q0 && q2 > q1);
    add_noise(img.pixels, w * h, 10, d);
    CHECK(vlit_niqe_score_gray(m, ws, d, w, h, (size_t)w, &n1, &err) == VLIT_OK);
    add_noise(img.pixels, w * h, 25, d);
    CHECK(vlit_niqe_score_gray(m, ws, d, w, h, (size_t)w, &n2, &err) == VLIT_OK);
    printf("NIQE with noise 10: %.3f, 25: %.3f\n", n1, n2);
    CHECK(n1 > q0 && n2 > n1);
    /* a stride wider than the image reads the same pixels */
    uint8_t *wide = calloc((size_t)(w + 13) * (size_t)h, 1);
    for (int y = 0; y < h; y++)
        memcpy(wide + (size_t)y * (size_t)(w + 13), img.pixels + (size_t)y * (size_t)w, (size_t)w);
    CHECK(vlit_niqe_score_gray(m, ws, wide, w, h, (size_t)w + 13, &qf, &err) == VLIT_OK && qf == q0);
    free(wide);
    free(d);
    vlit_image_free(&img);
    vlit_iqa_workspace_free(ws);
    vlit_niqe_model_free(m);
}

/* The features of one patch, as niqe_image_features computes them (single
 * precision products summed in vector lanes, wrap-around pairs apart),
 * against a plain double computation from the same MSCN coefficients with
 * the estimators above. */
static void test_patch_features(void)
{
    enum { W = 2 * NIQE_PATCH, H = NIQE_PATCH, P = NIQE_PATCH };
    uint8_t *noise = malloc(W * H), *gray = malloc(W * H);
    uint64_t seed = 11;
    for (int i = 0; i < W * H; i++)
        noise[i] = (uint8_t)(vlit_splitmix64(&seed) >> 56);
    blur(noise, W, H, 1.2, gray); /* neighbours correlate: products lean positive */
    vlit_iqa_workspace *ws = ws_new();
    vlit_error err = {0};
    size_t np = 0;
    CHECK(niqe_image_features(ws, gray, W, H, W, &np, &err) == VLIT_OK && np == 2);
    double got[NIQE_FEAT_SCALE];
    memcpy(got, ws->feat, sizeof got); /* patch 0, first scale */
    double *img = malloc(sizeof *img * W * H);
    for (int i = 0; i < W * H; i++)
        img[i] = gray[i];
    CHECK(niqe_workspace_reserve(ws, W, H, 2, &err) == VLIT_OK);
    niqe_mscn(ws, img, W, H);
    /* the patch, and its products with the neighbour left, above,
     * above-left and above-right, wrapping around inside the patch */
    float *x = malloc(sizeof *x * P * P), *prod[4];
    static const int dy[4] = {0, 1, 1, 1}, dx[4] = {1, 0, 1, -1};
    for (int k = 0; k < 4; k++)
        prod[k] = malloc(sizeof *prod[k] * P * P);
    for (int y = 0; y < P; y++)
        for (int c = 0; c < P; c++) {
            float v = ws->mscn[y * W + c];
            x[y * P + c] = v;
            for (int k = 0; k < 4; k++) {
                int yy = (y - dy[k] + P) % P, cc = (c - dx[k] + P) % P;
                prod[k][y * P + c] = (float)((double)v * ws->mscn[yy * W + cc]);
            }
        }
    double shape, var, mean, lv, rv;
    niqe_ggd_fit(ws, x, P * P, &shape, &var);
    CHECK(fabs(got[0] - shape) <= 0.0011);
    CHECK(fabs(got[1] - sqrt(var * tgamma(1 / shape) / tgamma(3 / shape))) < 1e-4 * got[1]);
    for (int k = 0; k < 4; k++) {
        const double *g = got + 2 + 4 * k;
        niqe_aggd_fit(ws, prod[k], P * P, &shape, &mean, &lv, &rv);
        double to_scale = tgamma(1 / shape) / tgamma(3 / shape);
        CHECK(fabs(g[0] - shape) <= 0.0011);
        CHECK(fabs(g[1] - mean) < 1e-3 * fabs(g[1]) + 1e-6);
        CHECK(fabs(g[2] - sqrt(lv * to_scale)) < 1e-4 * g[2]);
        CHECK(fabs(g[3] - sqrt(rv * to_scale)) < 1e-4 * g[3]);
        free(prod[k]);
    }
    free(x);
    free(img);
    free(noise);
    free(gray);
    vlit_iqa_workspace_free(ws);
}

static void test_gray_decode(void)
{
    /* a JPEG's luma and its RGB converted to gray agree but for rounding */
    vlit_error err = {0};
    vlit_image g, c;
    CHECK(vlit_image_load_gray(SKIMAGE "rocket.jpg", &g, &err) == VLIT_OK && g.channels == 1);
    CHECK(vlit_image_load(SKIMAGE "rocket.jpg", &c, &err) == VLIT_OK && c.channels == 3);
    double diff = 0;
    size_t n = (size_t)g.width * (size_t)g.height;
    for (size_t i = 0; i < n; i++) {
        int y = (int)lround(0.299 * c.pixels[3 * i] + 0.587 * c.pixels[3 * i + 1] + 0.114 * c.pixels[3 * i + 2]);
        diff += abs(y - g.pixels[i]);
    }
    CHECK(diff / (double)n < 1.5);
    vlit_image_free(&g);
    vlit_image_free(&c);
    /* PNG: RGB to gray with the same weights */
    CHECK(vlit_image_load_gray(SKIMAGE "chelsea.png", &g, &err) == VLIT_OK && g.channels == 1 && g.width == 451);
    CHECK(vlit_image_load(SKIMAGE "chelsea.png", &c, &err) == VLIT_OK);
    CHECK(g.pixels[1000] == (uint8_t)((19595u * c.pixels[3000] + 38470u * c.pixels[3001] + 7471u * c.pixels[3002] +
                                       32768u) >> 16));
    vlit_image_free(&g);
    vlit_image_free(&c);
}

static void test_model_files(void)
{
    vlit_error err = {0};
    const char *photos[] = {SKIMAGE "brick.png", SKIMAGE "grass.png", SKIMAGE "gravel.png"};
    vlit_niqe_model *m, *back;
    vlit_niqe_fit_params p = vlit_niqe_fit_default_params();
    CHECK(vlit_niqe_fit(photos, 3, &p, &m, &err) == VLIT_OK);
    vlit_niqe_model_info a = vlit_niqe_model_get_info(m);
    CHECK(a.images == 3 && a.patches > 40 && a.patches <= 75);
    const char *path = tmp_path("t.model");
    CHECK(vlit_niqe_model_save(m, path, &err) == VLIT_OK);
    CHECK(vlit_niqe_model_load(path, &back, &err) == VLIT_OK);
    vlit_niqe_model_info b = vlit_niqe_model_get_info(back);
    CHECK(a.images == b.images && a.patches == b.patches);
    CHECK(memcmp(a.mean, b.mean, sizeof(double) * VLIT_NIQE_FEATURES) == 0);
    CHECK(memcmp(a.cov, b.cov, sizeof(double) * VLIT_NIQE_FEATURES * VLIT_NIQE_FEATURES) == 0);
    char *text = read_file(path);
    CHECK_HAS(text, "#   gravel.png 25 ");
    /* a model scores its own photos close */
    double q;
    CHECK(vlit_niqe_score_file(back, NULL, SKIMAGE "gravel.png", &q, &err) == VLIT_OK && q < 10);
    vlit_niqe_model_free(back); /* a failed load sets back to NULL: free it first */

    /* malformed files: the message names file and line */
    CHECK(vlit_niqe_model_load(write_file("bad1.model", "hello\n"), &back, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "bad1.model: line 1");
    CHECK(vlit_niqe_model_load(write_file("bad2.model", "# c\nvlit-niqe-model 1\nfeatures 18\n"), &back, &err) ==
          VLIT_ERR_DATA);
    CHECK_HAS(err.message, "bad2.model: line 3");
    char *cut = strdup(text);
    char *cov = strstr(cut, "\ncov\n");
    cov[strlen(cov) / 2] = '\0'; /* truncated inside the covariance */
    CHECK(vlit_niqe_model_load(write_file("bad3.model", cut), &back, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "covariance");
    strcpy(cut, text);
    char *num = strstr(cut, "\ncov\n") + 5;
    num[0] = num[0] == '9' ? '8' : '9'; /* (1,1) changes: still symmetric */
    char *row2 = strchr(num, '\n') + 1;
    row2[0] = row2[0] == '-' ? ' ' : '-'; /* (2,1) changes sign: not symmetric */
    CHECK(vlit_niqe_model_load(write_file("bad4.model", cut), &back, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "not symmetric");
    CHECK(vlit_niqe_model_load(tmp_path("missing.model"), &back, &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "missing.model");
    free(cut);
    free(text);
    vlit_niqe_model_free(back);
    vlit_niqe_model_free(m);
}

static void test_bad_images(void)
{
    vlit_error err = {0};
    vlit_niqe_model *m;
    double q;
    CHECK(vlit_niqe_model_load(VLIT_DATA_DIR "/niqe/pristine.model", &m, &err) == VLIT_OK);
    CHECK(vlit_niqe_score_file(m, NULL, tmp_path("nothere.jpg"), &q, &err) == VLIT_ERR_IMAGE);
    CHECK_HAS(err.message, "nothere.jpg: cannot open");
    CHECK(vlit_niqe_score_file(m, NULL, write_file("text.jpg", "not an image"), &q, &err) == VLIT_ERR_IMAGE);
    CHECK_HAS(err.message, "text.jpg: not a JPEG or PNG");
    CHECK(vlit_niqe_score_file(m, NULL, write_file("cut.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF"), &q, &err) ==
          VLIT_ERR_IMAGE);
    CHECK_HAS(err.message, "cut.jpg: corrupt JPEG");
    CHECK(vlit_niqe_score_file(m, NULL, SKIMAGE "truncated.jpg", &q, &err) != VLIT_OK);
    CHECK_HAS(err.message, "truncated.jpg");
    CHECK(vlit_niqe_score_file(m, NULL, SKIMAGE "block.png", &q, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "block.png: 10x10 pixels is smaller than one 96x96 patch");
    vlit_visual_complexity vc;
    CHECK(vlit_visual_complexity_file(tmp_path("gone.png"), &vc, &err) == VLIT_ERR_IMAGE);
    CHECK_HAS(err.message, "gone.png");
    const char *paths[] = {SKIMAGE "gravel.png", tmp_path("absent.png")};
    vlit_niqe_fit_params p = vlit_niqe_fit_default_params();
    vlit_niqe_model *fitted = NULL;
    CHECK(vlit_niqe_fit(paths, 2, &p, &fitted, &err) == VLIT_ERR_IMAGE);
    CHECK_HAS(err.message, "absent.png");
    p.skip_bad = 1; /* then gravel alone has 25 patches: fewer than a covariance needs */
    CHECK(vlit_niqe_fit(paths, 2, &p, &fitted, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "at least 37");
    vlit_niqe_model_free(m);
}

static void test_complexity(void)
{
    vlit_error err = {0};
    vlit_visual_complexity flat, busy, photo;
    uint8_t *px = malloc(300 * 200 * 3);
    memset(px, 120, 300 * 200 * 3);
    CHECK(vlit_visual_complexity_pixels(px, 300, 200, 3, 900, &flat, &err) == VLIT_OK);
    CHECK(flat.edge_density == 0 && flat.spatial_information == 0 && flat.colour_entropy == 0);
    CHECK(flat.score < 0.02);
    uint64_t s = 1;
    for (int i = 0; i < 300 * 200 * 3; i++)
        px[i] = (uint8_t)(vlit_splitmix64(&s) >> 56);
    CHECK(vlit_visual_complexity_pixels(px, 300, 200, 3, 900, &busy, &err) == VLIT_OK);
    CHECK(busy.score > 0.95 && busy.score <= 1);
    CHECK(vlit_visual_complexity_file(SKIMAGE "chelsea.png", &photo, &err) == VLIT_OK);
    CHECK(photo.score > flat.score && photo.score < busy.score);
    for (int k = 0; k < 4; k++)
        CHECK(photo.norm[k] >= 0 && photo.norm[k] <= 1);
    /* reduced to at most 1024 px: a 2100-wide image is measured at 700 */
    uint8_t *big = calloc(2100 * 10, 1);
    CHECK(vlit_visual_complexity_pixels(big, 2100, 10, 1, 2100, &flat, &err) == VLIT_OK && flat.width == 700 &&
          flat.height == 3);
    CHECK(vlit_visual_complexity_pixels(big, 2100, 10, 2, 4200, &flat, &err) == VLIT_ERR_USAGE);
    free(big);
    free(px);
}

int main(void)
{
    test_estimators();
    test_mscn_constant();
    test_niqe_distortions();
    test_patch_features();
    test_gray_decode();
    test_model_files();
    test_bad_images();
    test_complexity();
    cleanup_dir();
    return CHECK_DONE();
}
