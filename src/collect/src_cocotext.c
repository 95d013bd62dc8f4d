/* COCO-Text v2: {"imgs": {"<id>": {id, file_name, width, height, set}},
 * "anns": {"<id>": {image_id, bbox, utf8_string, legibility, class,
 * language}}, "imgToAnns": {...}}. Illegible tokens without text are left
 * out; their boxes say nothing a language model can use. */
#include <inttypes.h>
#include <string.h>

#include "collect_internal.h"

static vlit_status cocotext_elem(cl_table *t, uint16_t file, const vj_elem *e, vlit_error *err)
{
    cl_loc loc = cl_loc_of(t, file, e);
    if (strcmp(e->section, "imgs") == 0)
        return cl_image_define(t, e->value, loc, CL_SRC_COCOTEXT, err);
    const vj *a = e->value;
    char id[128], why[256];
    if (a->type != VJ_OBJECT)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "annotation must be an object, not %s", vj_type_name(a->type));
    if (!vj_id(vj_get(a, "image_id"), id, sizeof id))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"image_id\" must be an integer");
    const vj *leg = vj_get(a, "legibility");
    int legible = 1;
    if (leg) {
        if (!vj_is_text(leg) || (strcmp(leg->str, "legible") != 0 && strcmp(leg->str, "illegible") != 0))
            return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"legibility\" must be \"legible\" or \"illegible\"");
        legible = strcmp(leg->str, "legible") == 0;
    }
    const vj *text = vj_get(a, "utf8_string");
    if (!legible && (!text || (text->type == VJ_STRING && text->len == 0)))
        return VLIT_OK;
    if (!cl_text(t, text, "utf8_string", why, sizeof why))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "%s", why);
    double bbox[4];
    const vj *bv = vj_get(a, "bbox");
    int has_bbox = bv != NULL;
    if (bv && !cl_bbox(bv, bbox))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"bbox\" must be [x, y, w, h] with finite numbers, w and h >= 0");
    uint32_t img;
    vlit_status st = cl_image_ref(t, id, loc, &img, err);
    if (st)
        return st;
    cl_ocr *o = CL_PUSH(t->ocr);
    if (!o || !(o->text = cl_strdup(t, text->str, text->len)))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    o->img = img;
    o->source = CL_SRC_COCOTEXT;
    o->legible = (uint8_t)legible;
    o->has_bbox = (uint8_t)has_bbox;
    if (has_bbox)
        memcpy(o->bbox, bbox, sizeof bbox);
    o->loc = loc;
    t->images.v[img].sources |= CL_SRC_COCOTEXT;
    return VLIT_OK;
}

vlit_status cl_read_coco_text(cl_table *t, const char *path, vlit_error *err)
{
    static const char *const sections[] = {"imgs", "anns", NULL};
    static const char *const skip[] = {"mask", NULL};
    return cl_stream(t, path, sections, skip, "coco-text", cocotext_elem, err);
}
