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
void vlit_image_free(vlit_image *img);

#endif
