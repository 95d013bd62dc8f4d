/* Visual complexity: four classical measures of how much is going on in
 * an image, each normalised to 0-1, and their mean.
 *  - compression ratio: PNG's own recipe on the gray image (Paeth filter
 *    per row, then deflate), compressed bytes over raw bytes: the share of
 *    the picture a good predictor cannot guess;
 *  - edge density: share of pixels on an edge (Sobel magnitude over a
 *    threshold);
 *  - spatial information, ITU-T P.910: standard deviation of the Sobel
 *    magnitude over the image;
 *  - colour entropy: Shannon entropy of the 8x8x8 RGB histogram.
 * A flat image scores 0 on all four. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "../io/image.h"
#include "visual_complexity.h"
#include "vlit/iqa.h"

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* compressed / raw size of the w x h gray image */
static vlit_status compression_ratio(const uint8_t *g, int w, int h, double *ratio, vlit_error *err)
{
    size_t raw = (size_t)w * (size_t)h;
    uLongf cap = compressBound((uLong)raw);
    uint8_t *filtered = malloc(raw), *packed = malloc(cap);
    vlit_status st = VLIT_OK;
    if (!filtered || !packed) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int y = 0; y < h; y++) {
        const uint8_t *row = g + (size_t)y * (size_t)w, *up = y ? row - w : NULL;
        uint8_t *out = filtered + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) {
            int a = x ? row[x - 1] : 0, b = up ? up[x] : 0, c = x && up ? up[x - 1] : 0;
            out[x] = (uint8_t)(row[x] - paeth(a, b, c));
        }
    }
    /* level 1, the fastest: the ratio only has to rank images, and
     * deflate's slower levels mostly gain on long repeats that photos lack */
    if (compress2(packed, &cap, filtered, (uLong)raw, 1) != Z_OK) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "zlib failed (out of memory)");
        goto out;
    }
    *ratio = (double)cap / (double)raw;
out:
    free(filtered);
    free(packed);
    return st;
}

/* Sobel magnitude on the interior (the border has no full neighbourhood
 * and is left out, as P.910 filters whole frames): edge share and SI. */
static void sobel_measures(const uint8_t *g, int w, int h, double *edges, double *si)
{
    if (w < 3 || h < 3) {
        *edges = *si = 0;
        return;
    }
    double sum = 0, sq = 0;
    size_t on = 0, n = (size_t)(w - 2) * (size_t)(h - 2);
    const double t2 = VC_EDGE_THRESHOLD * VC_EDGE_THRESHOLD;
    for (int y = 1; y < h - 1; y++) {
        const uint8_t *a = g + (size_t)(y - 1) * (size_t)w, *b = a + w, *c = b + w;
        double rs = 0, rq = 0;
        size_t ron = 0;
        for (int x = 1; x < w - 1; x++) {
            int gx = (a[x + 1] + 2 * b[x + 1] + c[x + 1]) - (a[x - 1] + 2 * b[x - 1] + c[x - 1]);
            int gy = (c[x - 1] + 2 * c[x] + c[x + 1]) - (a[x - 1] + 2 * a[x] + a[x + 1]);
            double m2 = (double)(gx * gx + gy * gy);
            double m = sqrt(m2);
            rs += m;
            rq += m2;
            ron += m2 > t2;
        }
        sum += rs, sq += rq, on += ron;
    }
    double mean = sum / (double)n;
    *si = sqrt(fmax(0, sq / (double)n - mean * mean));
    *edges = (double)on / (double)n;
}

static double entropy_bits(const size_t *hist, size_t bins, size_t total)
{
    double h = 0;
    for (size_t i = 0; i < bins; i++)
        if (hist[i]) {
            double p = (double)hist[i] / (double)total;
            h -= p * log2(p);
        }
    return h;
}

static double unit(double x, double top) { return x <= 0 ? 0 : x >= top ? 1 : x / top; }

vlit_status vlit_visual_complexity_pixels(const uint8_t *pixels, int width, int height, int channels, size_t stride,
                                          vlit_visual_complexity *out, vlit_error *err)
{
    memset(out, 0, sizeof *out);
    if (width < 1 || height < 1 || (channels != 1 && channels != 3) || stride < (size_t)width * (size_t)channels)
        return vlit_err(err, VLIT_ERR_USAGE, "bad image layout: %dx%d, %d channels, stride %zu", width, height,
                        channels, stride);
    int f = 1;
    while ((width + f - 1) / f > VC_MAX_SIDE || (height + f - 1) / f > VC_MAX_SIDE)
        f++;
    int w = width / f, h = height / f;
    if (w < 1 || h < 1) /* a sliver thinner than the factor: keep one row or column */
        w = w < 1 ? 1 : w, h = h < 1 ? 1 : h;
    uint8_t *gray = malloc((size_t)w * (size_t)h);
    size_t hist[1 << (3 * VC_COLOUR_BITS)] = {0};
    if (!gray)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    /* box reduction by f (the leftover right and bottom pixels are
     * dropped), gray with libjpeg's BT.601 weights, colour histogram */
    const int shift = 8 - VC_COLOUR_BITS;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned r = 0, g = 0, b = 0, n = 0;
            for (int dy = 0; dy < f && y * f + dy < height; dy++) {
                const uint8_t *p = pixels + (size_t)(y * f + dy) * stride + (size_t)x * (size_t)f * (size_t)channels;
                for (int dx = 0; dx < f && x * f + dx < width; dx++, p += channels, n++) {
                    r += p[0];
                    g += p[channels == 3 ? 1 : 0];
                    b += p[channels == 3 ? 2 : 0];
                }
            }
            unsigned half = n / 2;
            r = (r + half) / n, g = (g + half) / n, b = (b + half) / n;
            gray[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
            hist[((r >> shift) << (2 * VC_COLOUR_BITS)) | ((g >> shift) << VC_COLOUR_BITS) | (b >> shift)]++;
        }
    vlit_status st = compression_ratio(gray, w, h, &out->compression_ratio, err);
    if (!st) {
        sobel_measures(gray, w, h, &out->edge_density, &out->spatial_information);
        out->colour_entropy = entropy_bits(hist, sizeof hist / sizeof hist[0], (size_t)w * (size_t)h);
        out->norm[0] = unit(out->compression_ratio, VC_NORM_COMPRESSION);
        out->norm[1] = unit(out->edge_density, VC_NORM_EDGES);
        out->norm[2] = unit(out->spatial_information, VC_NORM_SI);
        out->norm[3] = unit(out->colour_entropy, VC_NORM_ENTROPY);
        out->score = (out->norm[0] + out->norm[1] + out->norm[2] + out->norm[3]) / 4;
        out->width = w;
        out->height = h;
    }
    free(gray);
    return st;
}

vlit_status vlit_visual_complexity_file(const char *path, vlit_visual_complexity *out, vlit_error *err)
{
    memset(out, 0, sizeof *out);
    vlit_image img;
    vlit_status st = vlit_image_load(path, &img, err);
    if (st)
        return st;
    vlit_error inner = {0};
    st = vlit_visual_complexity_pixels(img.pixels, img.width, img.height, img.channels,
                                       (size_t)img.width * (size_t)img.channels, out, &inner);
    vlit_image_free(&img);
    if (st)
        return vlit_err(err, st, "%s: %s", path, inner.message);
    return VLIT_OK;
}
