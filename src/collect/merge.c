/* Merging the join tables that reader threads filled, one per group of
 * inputs. Image ids are matched by value; every index into another vector
 * (image, file, section, answers, attribute names) is shifted or mapped. */
#include <stdlib.h>
#include <string.h>

#include "collect_internal.h"

#define APPEND(dst, src, fix)                                                                                          \
    do {                                                                                                               \
        for (size_t i_ = 0; i_ < (src).n; i_++) {                                                                      \
            __typeof__((dst).v) e_ = CL_PUSH(dst);                                                                     \
            if (!e_)                                                                                                   \
                goto nomem;                                                                                            \
            *e_ = (src).v[i_];                                                                                         \
            fix;                                                                                                       \
        }                                                                                                              \
    } while (0)

static uint16_t map_section(cl_table *dst, const cl_table *src, uint16_t s)
{
    if (s == UINT16_MAX)
        return s;
    const char *name = src->sections[s];
    for (size_t i = 0; i < dst->n_sections; i++)
        if (strcmp(dst->sections[i], name) == 0)
            return (uint16_t)i;
    if (dst->n_sections == sizeof dst->sections / sizeof dst->sections[0])
        return UINT16_MAX;
    dst->sections[dst->n_sections] = name; /* src's string, alive as long as src */
    return (uint16_t)dst->n_sections++;
}

static cl_loc map_loc(cl_table *dst, const cl_table *src, cl_loc l, uint16_t file_offset)
{
    l.file = (uint16_t)(l.file + file_offset);
    l.section = map_section(dst, src, l.section);
    return l;
}

vlit_status cl_merge(cl_table *dst, cl_table *src, vlit_error *err)
{
    uint16_t fo = (uint16_t)dst->n_files;
    for (size_t i = 0; i < src->n_files; i++)
        dst->files[dst->n_files++] = src->files[i];
    uint32_t *img = malloc((src->images.n ? src->images.n : 1) * sizeof *img);
    if (!img)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    vlit_status st = VLIT_OK;
    for (size_t i = 0; i < src->images.n && !st; i++) {
        const cl_image *s = &src->images.v[i];
        cl_loc loc = map_loc(dst, src, s->loc, fo);
        size_t before = dst->images.n;
        st = cl_image_ref(dst, s->id, loc, &img[i], err);
        if (st)
            break;
        cl_image *d = &dst->images.v[img[i]];
        if (img[i] >= before || s->first_seen < d->first_seen)
            d->first_seen = s->first_seen;
        if (s->defined && d->defined && (s->width != d->width || s->height != d->height)) {
            st = cl_bad(dst, loc, err, VLIT_ERR_DATA, "image %s: size %dx%d differs from %dx%d given by %s", s->id,
                        (int)s->width, (int)s->height, (int)d->width, (int)d->height, dst->files[d->loc.file]);
        } else if (s->defined && !d->defined) {
            d->file_name = s->file_name;
            d->width = s->width;
            d->height = s->height;
            d->defined = 1;
            d->loc = loc;
        } else if (!d->defined && !d->file_name && s->file_name) {
            d->file_name = s->file_name; /* TextVQA's own images */
            d->width = s->width;
            d->height = s->height;
        }
        if (s->bad > d->bad)
            d->bad = s->bad;
        d->people += s->people;
        d->people_visible += s->people_visible;
        d->keypoints_visible += s->keypoints_visible;
        d->sources |= s->sources;
    }
    if (st) {
        free(img);
        return st;
    }
    uint32_t ans0 = (uint32_t)dst->answers.n, attr0 = (uint32_t)dst->attr_names.n;
    APPEND(dst->captions, src->captions, e_->img = img[e_->img]);
    APPEND(dst->objects, src->objects, (e_->img = img[e_->img], e_->loc = map_loc(dst, src, e_->loc, fo),
                                        e_->cat_file = (uint16_t)(e_->cat_file + fo)));
    APPEND(dst->qa, src->qa, (e_->img = img[e_->img], e_->loc = map_loc(dst, src, e_->loc, fo), e_->ans_first += ans0));
    APPEND(dst->answers, src->answers, (void)0);
    APPEND(dst->ocr, src->ocr, (e_->img = img[e_->img], e_->loc = map_loc(dst, src, e_->loc, fo)));
    APPEND(dst->vaw, src->vaw, (e_->img = img[e_->img], e_->loc = map_loc(dst, src, e_->loc, fo), e_->attr_first += attr0));
    APPEND(dst->attr_names, src->attr_names, (void)0);
    APPEND(dst->categories, src->categories, e_->file = (uint16_t)(e_->file + fo));
    dst->have_image_list |= src->have_image_list;
    free(img);
    return VLIT_OK;
nomem:
    free(img);
    return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
}
