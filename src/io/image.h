/* Internal: image files. JPEG through libjpeg-turbo, PNG through libpng; a
 * corrupt file is an error with a message, never a crash. */
#ifndef VLIT_IO_IMAGE_H
#define VLIT_IO_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

#define VLIT_IMAGE_MAX_PIXELS ((size_t)1 << 28) /* refuse to decode more */

/* Reads only the header: width and height. */
vlit_status vlit_image_probe(const char *path, int *width, int *height, vlit_error *err);

typedef struct vlit_image {
    int width, height, channels; /* channels: 1 (gray) or 3 (RGB) */
    uint8_t *pixels;             /* row-major, width * channels bytes per row */
} vlit_image;

/* Decodes to 8-bit gray or RGB (alpha dropped, 16-bit reduced, palettes
 * expanded). free() pixels, or call vlit_image_free. */
vlit_status vlit_image_load(const char *path, vlit_image *out, vlit_error *err);
/* Decodes as vlit_image_load, but a JPEG reduced by libjpeg's scaled IDCT
 * (1/2, 1/4 or 1/8) as far as both sides stay at least
 * VLIT_IMAGE_SMALL_SIDE pixels: several times faster, for descriptors that
 * downscale anyway (vlit/embed.h). PNGs are decoded whole. */
#define VLIT_IMAGE_SMALL_SIDE 128
vlit_status vlit_image_load_small(const char *path, vlit_image *out, vlit_error *err);
/* Decodes to 8-bit gray (channels 1). A JPEG is decoded straight to its
 * luma (libjpeg's JCS_GRAYSCALE: no chroma upsampling or colour conversion);
 * a PNG is decoded as above and converted with libjpeg's BT.601 weights
 * (0.299 R + 0.587 G + 0.114 B, rounded), so both give the same Y. */
vlit_status vlit_image_load_gray(const char *path, vlit_image *out, vlit_error *err);
/* The same from bytes in memory (fuzzing, images inside archives); name
 * labels the messages. gray: decode as vlit_image_load_gray, else as
 * vlit_image_load. */
vlit_status vlit_image_probe_mem(const void *data, size_t size, const char *name, int *width, int *height,
                                 vlit_error *err);
vlit_status vlit_image_load_mem(const void *data, size_t size, const char *name, int gray, vlit_image *out,
                                vlit_error *err);
void vlit_image_free(vlit_image *img);

#endif
