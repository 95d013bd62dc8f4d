/* Principle 9, visual complexity: compression ratio, edge density, spatial
 * information and colour entropy of the image, combined into 0-1
 * (vlit/iqa.h, src/score/visual_complexity.h). */
#include "indicator.h"
#include "vlit/iqa.h"

static vlit_status vc_open(const score_config *cfg, void **state, vlit_error *err)
{
    (void)cfg;
    (void)err;
    *state = NULL;
    return VLIT_OK;
}

static void vc_score(void *state, void *scratch, const score_item *it, score_value *out)
{
    (void)state;
    (void)scratch;
    if (!it->image_path) {
        score_missing(out, "%s", it->image_problem);
        return;
    }
    vlit_visual_complexity vc;
    vlit_error err = {0};
    if (vlit_visual_complexity_file(it->image_path, &vc, &err)) {
        score_missing(out, "%s", err.message);
        return;
    }
    out->value = vc.score;
    score_extra(out, "compression_ratio", vc.compression_ratio);
    score_extra(out, "edge_density", vc.edge_density);
    score_extra(out, "spatial_information", vc.spatial_information);
    score_extra(out, "colour_entropy", vc.colour_entropy);
}

static void vc_close(void *state) { (void)state; }

const score_method score_visual_complexity_classical = {
    .info = {.name = "visual_complexity",
             .principle = 9,
             .principle_name = "visual complexity",
             .level = "sample",
             .direction = +1,
             .method = "classical",
             .embedded = 1,
             .inputs = VLIT_NEEDS_IMAGE,
             .range = "0-1",
             .summary = "mean of normalised compression ratio, edge density, spatial information, colour entropy"},
    .open = vc_open,
    .score = vc_score,
    .close = vc_close,
};
