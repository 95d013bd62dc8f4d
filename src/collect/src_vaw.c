/* VAW attributes: a JSON list of {image_id, instance_id, instance_bbox,
 * object_name, positive_attributes, negative_attributes}. The join attaches
 * them to the COCO instance with the same id, else to the instance of the
 * same image whose box matches, else keeps them as an object of their own. */
#include <string.h>

#include "collect_internal.h"

#define MAX_ATTRS 256

static vlit_status vaw_elem(cl_table *t, uint16_t file, const vj_elem *e, vlit_error *err)
{
    cl_loc loc = cl_loc_of(t, file, e);
    const vj *a = e->value;
    char id[128], inst[128], why[256];
    if (a->type != VJ_OBJECT)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "entry must be an object, not %s", vj_type_name(a->type));
    if (!vj_id(vj_get(a, "image_id"), id, sizeof id))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"image_id\" must be a non-empty string or an integer");
    const vj *iv = vj_get(a, "instance_id");
    if (iv && !vj_id(iv, inst, sizeof inst))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"instance_id\" must be a non-empty string or an integer");
    if (!cl_text(t, vj_get(a, "object_name"), "object_name", why, sizeof why))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "%s", why);
    double bbox[4];
    const vj *bv = vj_get(a, "instance_bbox");
    if (bv && !cl_bbox(bv, bbox))
        return cl_bad(t, loc, err, VLIT_ERR_DATA,
                      "field \"instance_bbox\" must be [x, y, w, h] with finite numbers, w and h >= 0");
    const vj *pos = vj_get(a, "positive_attributes");
    if (!pos || pos->type != VJ_ARRAY)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"positive_attributes\" must be an array of strings");
    if (pos->len > MAX_ATTRS)
        return cl_bad(t, loc, err, VLIT_ERR_LIMIT, "%zu positive attributes, more than %d", pos->len, MAX_ATTRS);
    for (size_t i = 0; i < pos->len; i++)
        if (!cl_text(t, pos->items[i], "positive_attributes[]", why, sizeof why))
            return cl_bad(t, loc, err, VLIT_ERR_DATA, "positive_attributes[%zu]: %s", i, why);
    uint32_t img;
    vlit_status st = cl_image_ref(t, id, loc, &img, err);
    if (st)
        return st;
    cl_vaw *v = CL_PUSH(t->vaw);
    const vj *name = vj_get(a, "object_name");
    if (!v || !(v->object_name = cl_intern(t, name->str, name->len)) ||
        (iv && !(v->instance_id = cl_strdup(t, inst, strlen(inst)))))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    v->img = img;
    v->has_bbox = bv != NULL;
    if (bv) {
        memcpy(v->bbox, bbox, sizeof bbox);
        if (!(v->bbox_json = cl_bbox_json(t, bv)))
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    v->attr_first = (uint32_t)t->attr_names.n;
    v->n_attr = (uint32_t)pos->len;
    for (size_t i = 0; i < pos->len; i++) {
        const char **slot = CL_PUSH(t->attr_names);
        if (!slot || !(*slot = cl_intern(t, pos->items[i]->str, pos->items[i]->len)))
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    v->loc = loc;
    t->images.v[img].sources |= CL_SRC_VAW;
    return VLIT_OK;
}

vlit_status cl_read_vaw(cl_table *t, const char *path, vlit_error *err)
{
    static const char *const skip[] = {"instance_polygon", NULL};
    return cl_stream(t, path, NULL, skip, "vaw", vaw_elem, err);
}
