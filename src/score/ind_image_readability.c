/* Principle 1, image readability: NIQE of the sample's image against the
 * pristine model (vlit/iqa.h; default data/niqe/pristine.model). Lower is
 * better. */
#include <stdio.h>
#include <stdlib.h>

#include "indicator.h"
#include "vlit/iqa.h"

static vlit_status ir_open(const score_config *cfg, void **state, vlit_error *err)
{
    char path[4096];
    const char *model = cfg->niqe_model;
    if (!model) {
        if (!cfg->data_dir)
            return vlit_err(err, VLIT_ERR_USAGE, "image_readability: no NIQE model: pass --niqe-model or a data folder");
        snprintf(path, sizeof path, "%s/niqe/pristine.model", cfg->data_dir);
        model = path;
    }
    vlit_niqe_model *m;
    vlit_status st = vlit_niqe_model_load(model, &m, err);
    if (st)
        return st;
    *state = m;
    return VLIT_OK;
}

static void *ir_scratch_new(void *state)
{
    (void)state;
    vlit_iqa_workspace *ws;
    vlit_error err = {0};
    return vlit_iqa_workspace_new(&ws, &err) ? NULL : ws;
}

static void ir_scratch_free(void *scratch) { vlit_iqa_workspace_free(scratch); }

static void ir_score(void *state, void *scratch, const score_item *it, score_value *out)
{
    if (!it->image_path) {
        score_missing(out, "%s", it->image_problem);
        return;
    }
    vlit_error err = {0};
    if (vlit_niqe_score_file(state, scratch, it->image_path, &out->value, &err))
        score_missing(out, "%s", err.message);
}

static void ir_close(void *state) { vlit_niqe_model_free(state); }

const score_method score_image_readability_niqe = {
    .info = {.name = "image_readability",
             .principle = 1,
             .principle_name = "readability",
             .level = "sample",
             .direction = -1,
             .method = "niqe",
             .embedded = 1,
             .inputs = VLIT_NEEDS_IMAGE,
             .range = ">= 0 (sharp photos about 2-5)",
             .summary = "NIQE: distance of the image's patch statistics from sharp natural photos (lower is better)"},
    .open = ir_open,
    .scratch_new = ir_scratch_new,
    .scratch_free = ir_scratch_free,
    .score = ir_score,
    .close = ir_close,
};
