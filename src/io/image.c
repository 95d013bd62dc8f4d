#include "image.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

typedef enum { FMT_UNKNOWN, FMT_JPEG, FMT_PNG } file_format;

/* what image_read does: read the header only, decode as stored, decode to
 * gray, decode a JPEG reduced (vlit_image_load_small) */
enum { READ_PROBE = 0, READ_DECODE = 1, READ_GRAY = 2, READ_SMALL = 3 };

static file_format sniff(FILE *fp)
{
    unsigned char sig[8] = {0};
    size_t n = fread(sig, 1, sizeof sig, fp);
    rewind(fp);
    if (n >= 3 && sig[0] == 0xff && sig[1] == 0xd8 && sig[2] == 0xff)
        return FMT_JPEG;
    if (n == 8 && png_sig_cmp(sig, 0, 8) == 0)
        return FMT_PNG;
    return FMT_UNKNOWN;
}

/* ---- JPEG -------------------------------------------------------------- */

typedef struct jpeg_fail {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} jpeg_fail;

static void jpeg_on_error(j_common_ptr cinfo)
{
    jpeg_fail *f = (jpeg_fail *)cinfo->err;
    f->mgr.format_message(cinfo, f->message);
    longjmp(f->jump, 1);
}

static void jpeg_quiet(j_common_ptr cinfo, int level)
{
    (void)cinfo;
    (void)level; /* warnings (e.g. extraneous bytes) are not errors */
}

static vlit_status jpeg_read(FILE *fp, const char *path, int decode, vlit_image *out, vlit_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_fail fail;
    /* volatile: modified between setjmp and a possible longjmp */
    uint8_t *volatile pixels = NULL;
    cinfo.err = jpeg_std_error(&fail.mgr);
    fail.mgr.error_exit = jpeg_on_error;
    fail.mgr.emit_message = jpeg_quiet;
    if (setjmp(fail.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return vlit_err(err, VLIT_ERR_IMAGE, "%s: corrupt JPEG: %s", path, fail.message);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, fp);
    jpeg_read_header(&cinfo, TRUE);
    out->width = (int)cinfo.image_width;
    out->height = (int)cinfo.image_height;
    if (!decode) {
        jpeg_destroy_decompress(&cinfo);
        return VLIT_OK;
    }
    if ((size_t)cinfo.image_width * cinfo.image_height > VLIT_IMAGE_MAX_PIXELS) {
        jpeg_destroy_decompress(&cinfo);
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: %ux%u pixels is more than the limit", path, cinfo.image_width,
                        cinfo.image_height);
    }
    /* gray: libjpeg hands out the decoded luma plane as it is, which is both
     * the Y of the colour image and the fastest decode (no chroma work) */
    cinfo.out_color_space = cinfo.num_components == 1 || decode == READ_GRAY ? JCS_GRAYSCALE : JCS_RGB;
    if (decode == READ_SMALL) /* libjpeg's scaled IDCT: 1/2, 1/4 or 1/8 while both sides stay >= the minimum */
        for (unsigned d = 8; d >= 2; d /= 2)
            if (cinfo.image_width / d >= VLIT_IMAGE_SMALL_SIDE && cinfo.image_height / d >= VLIT_IMAGE_SMALL_SIDE) {
                cinfo.scale_num = 1;
                cinfo.scale_denom = d;
                break;
            }
    jpeg_start_decompress(&cinfo);
    out->width = (int)cinfo.output_width; /* reduced by READ_SMALL's scaling */
    out->height = (int)cinfo.output_height;
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    pixels = malloc(stride * cinfo.output_height);
    if (!pixels) {
        jpeg_destroy_decompress(&cinfo);
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    out->channels = cinfo.output_components;
    out->pixels = pixels;
    jpeg_destroy_decompress(&cinfo);
    return VLIT_OK;
}

/* ---- PNG --------------------------------------------------------------- */

/* In place, with libjpeg's fixed-point BT.601 weights (jccolor.c's scale of
 * 2^16), so a PNG and a JPEG of the same picture give the same gray. */
static void rgb_to_gray(vlit_image *img)
{
    size_t n = (size_t)img->width * (size_t)img->height;
    const uint8_t *src = img->pixels;
    uint8_t *dst = img->pixels;
    for (size_t i = 0; i < n; i++, src += 3)
        dst[i] = (uint8_t)((19595u * src[0] + 38470u * src[1] + 7471u * src[2] + 32768u) >> 16);
    img->channels = 1;
}

typedef struct png_fail {
    char message[256];
} png_fail;

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_fail *f = png_get_error_ptr(png);
    snprintf(f->message, sizeof f->message, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static vlit_status png_read(FILE *fp, const char *path, int decode, vlit_image *out, vlit_error *err)
{
    png_fail fail = {"unknown error"};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &fail, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        return vlit_err(err, VLIT_ERR_IMAGE, "%s: corrupt PNG: %s", path, fail.message);
    }
    png_init_io(png, fp);
    png_set_user_limits(png, 1 << 16, 1 << 16);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    out->width = (int)w;
    out->height = (int)h;
    if (!decode) {
        png_destroy_read_struct(&png, &info, NULL);
        return VLIT_OK;
    }
    if ((size_t)w * h > VLIT_IMAGE_MAX_PIXELS) {
        png_destroy_read_struct(&png, &info, NULL);
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: %ux%u pixels is more than the limit", path, (unsigned)w,
                        (unsigned)h);
    }
    int type = png_get_color_type(png, info);
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_packing(png);
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png), png_set_strip_alpha(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t stride = png_get_rowbytes(png, info);
    pixels = malloc(stride * h);
    rows = malloc(sizeof *rows * h);
    if (!pixels || !rows) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    }
    for (png_uint_32 y = 0; y < h; y++)
        rows[y] = pixels + y * stride;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    out->channels = channels;
    out->pixels = pixels;
    if (channels != 1 && channels != 3) {
        free(pixels);
        out->pixels = NULL;
        return vlit_err(err, VLIT_ERR_IMAGE, "%s: unsupported PNG layout (%d channels)", path, channels);
    }
    if (decode == READ_GRAY && channels == 3)
        rgb_to_gray(out);
    return VLIT_OK;
}

static vlit_status read_stream(FILE *fp, const char *name, int mode, vlit_image *out, vlit_error *err)
{
    switch (sniff(fp)) {
    case FMT_JPEG: return jpeg_read(fp, name, mode, out, err);
    case FMT_PNG: return png_read(fp, name, mode, out, err);
    default: return vlit_err(err, VLIT_ERR_IMAGE, "%s: not a JPEG or PNG image", name);
    }
}

static vlit_status image_read(const char *path, int mode, vlit_image *out, vlit_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IMAGE, "%s: cannot open image: %s", path, strerror(errno));
    vlit_status st = read_stream(fp, path, mode, out, err);
    fclose(fp);
    return st;
}

/* Memory goes through fmemopen so that files and bytes share every line of
 * the decoders. */
static vlit_status mem_read(const void *data, size_t size, const char *name, int mode, vlit_image *out,
                            vlit_error *err)
{
    memset(out, 0, sizeof *out);
    if (size == 0) /* fmemopen refuses an empty buffer */
        return vlit_err(err, VLIT_ERR_IMAGE, "%s: not a JPEG or PNG image", name);
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: cannot read image bytes: %s", name, strerror(errno));
    vlit_status st = read_stream(fp, name, mode, out, err);
    fclose(fp);
    return st;
}

vlit_status vlit_image_probe(const char *path, int *width, int *height, vlit_error *err)
{
    vlit_image img;
    vlit_status st = image_read(path, READ_PROBE, &img, err);
    if (!st) {
        *width = img.width;
        *height = img.height;
    }
    return st;
}

vlit_status vlit_image_load(const char *path, vlit_image *out, vlit_error *err)
{
    return image_read(path, READ_DECODE, out, err);
}

vlit_status vlit_image_load_small(const char *path, vlit_image *out, vlit_error *err)
{
    return image_read(path, READ_SMALL, out, err);
}

vlit_status vlit_image_load_gray(const char *path, vlit_image *out, vlit_error *err)
{
    return image_read(path, READ_GRAY, out, err);
}

vlit_status vlit_image_probe_mem(const void *data, size_t size, const char *name, int *width, int *height,
                                 vlit_error *err)
{
    vlit_image img;
    vlit_status st = mem_read(data, size, name, READ_PROBE, &img, err);
    if (!st) {
        *width = img.width;
        *height = img.height;
    }
    return st;
}

vlit_status vlit_image_load_mem(const void *data, size_t size, const char *name, int gray, vlit_image *out,
                                vlit_error *err)
{
    return mem_read(data, size, name, gray ? READ_GRAY : READ_DECODE, out, err);
}

void vlit_image_free(vlit_image *img)
{
    free(img->pixels);
    img->pixels = NULL;
}
