/* COCO captions, instances and person keypoints (2014 and 2017 layouts are
 * the same: "images", "annotations", "categories"). Polygons and keypoint
 * coordinates are skipped while parsing: they are never built in memory. */
#include <inttypes.h>
#include <string.h>

#include "collect_internal.h"

static vlit_status image_of(cl_table *t, const vj *ann, cl_loc loc, uint32_t *img, int *ok, vlit_error *err)
{
    char id[128];
    *ok = 0;
    if (!vj_id(vj_get(ann, "image_id"), id, sizeof id))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"image_id\" must be an integer or a non-empty string");
    vlit_status st = cl_image_ref(t, id, loc, img, err);
    *ok = st == VLIT_OK;
    return st;
}

static vlit_status caption_elem(cl_table *t, uint16_t file, const vj_elem *e, vlit_error *err)
{
    cl_loc loc = cl_loc_of(t, file, e);
    if (strcmp(e->section, "images") == 0)
        return cl_image_define(t, e->value, loc, CL_SRC_CAPTIONS, err);
    const vj *a = e->value;
    if (a->type != VJ_OBJECT)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "annotation must be an object, not %s", vj_type_name(a->type));
    char why[256];
    const vj *cap = vj_get(a, "caption");
    if (!cl_text(t, cap, "caption", why, sizeof why))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "%s", why);
    uint32_t img;
    int ok;
    vlit_status st = image_of(t, a, loc, &img, &ok, err);
    if (!ok)
        return st;
    cl_caption *c = CL_PUSH(t->captions);
    if (!c || !(c->text = cl_strdup(t, cap->str, cap->len)))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    c->img = img;
    t->images.v[img].sources |= CL_SRC_CAPTIONS;
    return VLIT_OK;
}

vlit_status cl_read_coco_captions(cl_table *t, const char *path, vlit_error *err)
{
    static const char *const sections[] = {"images", "annotations", NULL};
    return cl_stream(t, path, sections, NULL, "captions", caption_elem, err);
}

static vlit_status category_elem(cl_table *t, uint16_t file, const vj_elem *e, cl_loc loc, vlit_error *err)
{
    const vj *c = e->value;
    int64_t id;
    char why[256];
    if (c->type != VJ_OBJECT || !vj_int(vj_get(c, "id"), &id))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "category must be an object with an integer \"id\"");
    if (!cl_text(t, vj_get(c, "name"), "name", why, sizeof why))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "category %" PRId64 ": %s", id, why);
    const vj *sup = vj_get(c, "supercategory");
    if (sup && !cl_text(t, sup, "supercategory", why, sizeof why))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "category %" PRId64 ": %s", id, why);
    for (size_t i = 0; i < t->categories.n; i++)
        if (t->categories.v[i].file == file && t->categories.v[i].id == id)
            return cl_bad(t, loc, err, VLIT_ERR_DATA, "duplicate category id %" PRId64, id);
    cl_category *cat = CL_PUSH(t->categories);
    if (!cat)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    cat->file = file;
    cat->id = id;
    const vj *name = vj_get(c, "name");
    cat->name = cl_intern(t, name->str, name->len);
    cat->supercategory = sup ? cl_intern(t, sup->str, sup->len) : NULL;
    if (!cat->name || (sup && !cat->supercategory))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    return VLIT_OK;
}

static vlit_status instance_elem(cl_table *t, uint16_t file, const vj_elem *e, vlit_error *err)
{
    cl_loc loc = cl_loc_of(t, file, e);
    if (strcmp(e->section, "images") == 0)
        return cl_image_define(t, e->value, loc, CL_SRC_INSTANCES, err);
    if (strcmp(e->section, "categories") == 0)
        return category_elem(t, file, e, loc, err);
    const vj *a = e->value;
    if (a->type != VJ_OBJECT)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "annotation must be an object, not %s", vj_type_name(a->type));
    int64_t cat, id, crowd = 0;
    double bbox[4];
    const char *area = NULL;
    if (!vj_int(vj_get(a, "id"), &id))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"id\" must be an integer");
    if (!vj_int(vj_get(a, "category_id"), &cat))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "annotation %" PRId64 ": field \"category_id\" must be an integer", id);
    if (!cl_bbox(vj_get(a, "bbox"), bbox))
        return cl_bad(t, loc, err, VLIT_ERR_DATA,
                      "annotation %" PRId64 ": field \"bbox\" must be [x, y, w, h] with finite numbers, w and h >= 0", id);
    const vj *av = vj_get(a, "area");
    if (av && !cl_nonneg_number(t, av, &area))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "annotation %" PRId64 ": field \"area\" must be a number >= 0", id);
    const vj *cv = vj_get(a, "iscrowd");
    if (cv && (!vj_int(cv, &crowd) || (crowd != 0 && crowd != 1)))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "annotation %" PRId64 ": field \"iscrowd\" must be 0 or 1", id);
    uint32_t img;
    int ok;
    vlit_status st = image_of(t, a, loc, &img, &ok, err);
    if (!ok)
        return st;
    cl_object *o = CL_PUSH(t->objects);
    if (!o)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    o->img = img;
    o->cat_file = file;
    o->cat_id = cat;
    o->ann_id = id;
    memcpy(o->bbox, bbox, sizeof bbox);
    o->has_bbox = 1;
    o->area_text = area;
    if (!(o->bbox_json = cl_bbox_json(t, vj_get(a, "bbox"))))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    o->iscrowd = (uint8_t)crowd;
    o->loc = loc;
    t->images.v[img].sources |= CL_SRC_INSTANCES;
    return VLIT_OK;
}

vlit_status cl_read_coco_instances(cl_table *t, const char *path, vlit_error *err)
{
    static const char *const sections[] = {"images", "annotations", "categories", NULL};
    static const char *const skip[] = {"segmentation", NULL};
    return cl_stream(t, path, sections, skip, "instances", instance_elem, err);
}

static vlit_status keypoint_elem(cl_table *t, uint16_t file, const vj_elem *e, vlit_error *err)
{
    cl_loc loc = cl_loc_of(t, file, e);
    if (strcmp(e->section, "images") == 0)
        return cl_image_define(t, e->value, loc, CL_SRC_KEYPOINTS, err);
    const vj *a = e->value;
    if (a->type != VJ_OBJECT)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "annotation must be an object, not %s", vj_type_name(a->type));
    int64_t n;
    if (!vj_int(vj_get(a, "num_keypoints"), &n) || n < 0 || n > 1000)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"num_keypoints\" must be an integer in 0..1000");
    uint32_t img;
    int ok;
    vlit_status st = image_of(t, a, loc, &img, &ok, err);
    if (!ok)
        return st;
    cl_image *im = &t->images.v[img];
    im->people++;
    if (n > 0)
        im->people_visible++;
    im->keypoints_visible += (int32_t)n;
    im->sources |= CL_SRC_KEYPOINTS;
    return VLIT_OK;
}

vlit_status cl_read_coco_keypoints(cl_table *t, const char *path, vlit_error *err)
{
    static const char *const sections[] = {"images", "annotations", NULL};
    static const char *const skip[] = {"segmentation", "keypoints", NULL};
    return cl_stream(t, path, sections, skip, "keypoints", keypoint_elem, err);
}
