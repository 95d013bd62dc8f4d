/* The image decoders (src/io/image.c) on bytes, through the memory entry
 * points that share every line with the file ones: probe (first byte % 3 ==
 * 0), decode as stored (1), decode to gray (2). What decodes goes on to the
 * pixel code that sees arbitrary sizes: visual complexity, and NIQE with the
 * default model for images small enough to keep the run fast. NIQE keeps
 * one workspace for the whole run, as the CLI does, so its buffers are
 * grown and reused across images of every size. */
#include <stdlib.h>

#include "../../src/io/image.h"
#include "vlit/vlit.h"

#ifndef VLIT_DATA_DIR
#define VLIT_DATA_DIR "data"
#endif

/* decoding a huge claimed size from a few bytes only measures memset speed */
#define MAX_PIXELS (1u << 22)
#define MAX_NIQE_PIXELS (384u * 384u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vlit_niqe_model *default_model(void)
{
    static vlit_niqe_model *m;
    vlit_error err = {0};
    if (!m && vlit_niqe_model_load(VLIT_DATA_DIR "/niqe/pristine.model", &m, &err))
        abort();
    return m;
}

static vlit_iqa_workspace *workspace(void)
{
    static vlit_iqa_workspace *ws;
    vlit_error err = {0};
    if (!ws && vlit_iqa_workspace_new(&ws, &err))
        abort();
    return ws;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % 3;
    vlit_error err = {0};
    int w, h;
    if (vlit_image_probe_mem(data + 1, size - 1, "fuzz", &w, &h, &err) || mode == 0)
        return 0;
    if ((size_t)w * (size_t)h > MAX_PIXELS)
        return 0;
    vlit_image img;
    if (vlit_image_load_mem(data + 1, size - 1, "fuzz", mode == 2, &img, &err))
        return 0;
    if (img.width != w || img.height != h || (img.channels != 1 && img.channels != 3) ||
        (mode == 2 && img.channels != 1))
        abort(); /* the decoders disagree with their own header */
    size_t stride = (size_t)img.width * (size_t)img.channels;
    vlit_visual_complexity vc;
    if (vlit_visual_complexity_pixels(img.pixels, img.width, img.height, img.channels, stride, &vc, &err) == VLIT_OK &&
        !(vc.score >= 0 && vc.score <= 1))
        abort();
    if (img.channels == 1 && (size_t)w * (size_t)h <= MAX_NIQE_PIXELS) {
        double q;
        if (vlit_niqe_score_gray(default_model(), workspace(), img.pixels, img.width, img.height, stride, &q, &err) ==
                VLIT_OK &&
            !(q >= 0))
            abort();
    }
    vlit_image_free(&img);
    return 0;
}
