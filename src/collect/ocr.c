/* Tesseract through its C API, for images that have no OCR annotation.
 * Words below the confidence threshold are dropped. */
#include <stdlib.h>
#include <string.h>

#include "../io/image.h"
#include "collect_internal.h"

#ifdef VLIT_WITH_OCR
#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

struct cl_ocr_engine {
    TessBaseAPI *api;
    int min_conf;
};

/* Tesseract reads texture as words ("=", "|", "¥", "A"): a word is kept
 * when it has at least two letters or digits and they are at least half of
 * its characters. */
static int looks_like_text(const char *w)
{
    int alnum = 0, chars = 0;
    for (const unsigned char *p = (const unsigned char *)w; *p; p++) {
        if ((*p & 0xc0) == 0x80)
            continue; /* continuation byte: counted with its lead byte */
        chars++;
        if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
            alnum++;
    }
    return alnum >= 2 && 2 * alnum >= chars;
}

vlit_status cl_ocr_open(const vlit_collect_params *p, cl_ocr_engine **out, vlit_error *err)
{
    cl_ocr_engine *e = calloc(1, sizeof *e);
    if (!e)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    e->api = TessBaseAPICreate();
    const char *lang = p->ocr_lang ? p->ocr_lang : "eng";
    if (!e->api || TessBaseAPIInit3(e->api, p->tessdata, lang) != 0) {
        cl_ocr_close(e);
        return vlit_err(err, VLIT_ERR_IO,
                        "Tesseract could not load language \"%s\"%s%s (install tesseract-ocr-%s, or give --tessdata)",
                        lang, p->tessdata ? " from " : "", p->tessdata ? p->tessdata : "", lang);
    }
    TessBaseAPISetPageSegMode(e->api, PSM_SPARSE_TEXT);
    /* the library never prints: Tesseract's diagnostics go nowhere, and a
     * fixed resolution spares its "Estimating resolution" guess */
    TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
    setMsgSeverity(L_SEVERITY_NONE); /* nor Leptonica's ("Error in boxClipToRectangle") */
    TessBaseAPISetVariable(e->api, "user_defined_dpi", "150");
    e->min_conf = p->ocr_min_confidence;
    *out = e;
    return VLIT_OK;
}

vlit_status cl_ocr_image(cl_ocr_engine *e, cl_table *t, uint32_t img, const char *path, cl_ocr **items, size_t *n,
                         vlit_error *err)
{
    *items = NULL;
    *n = 0;
    vlit_image im;
    vlit_error ierr = {0};
    vlit_status st = vlit_image_load(path, &im, &ierr);
    if (st)
        return cl_bad(t, t->images.v[img].loc, err, st, "OCR: %s", ierr.message);
    TessBaseAPISetImage(e->api, im.pixels, im.width, im.height, im.channels, im.width * im.channels);
    if (TessBaseAPIRecognize(e->api, NULL) != 0) {
        vlit_image_free(&im);
        return cl_bad(t, t->images.v[img].loc, err, VLIT_ERR_IMAGE, "OCR: Tesseract failed on %s", path);
    }
    size_t cap = 0;
    TessResultIterator *it = TessBaseAPIGetIterator(e->api);
    if (it) {
        TessPageIterator *pit = TessResultIteratorGetPageIterator(it);
        do {
            char *word = TessResultIteratorGetUTF8Text(it, RIL_WORD);
            float conf = TessResultIteratorConfidence(it, RIL_WORD);
            int x1, y1, x2, y2;
            int has_box = TessPageIteratorBoundingBox(pit, RIL_WORD, &x1, &y1, &x2, &y2);
            if (word && conf >= (float)e->min_conf && looks_like_text(word)) {
                if (*n == cap) {
                    cap = cap ? cap * 2 : 16;
                    cl_ocr *grown = realloc(*items, cap * sizeof *grown);
                    if (!grown) {
                        TessDeleteText(word);
                        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                        break;
                    }
                    *items = grown;
                }
                cl_ocr *o = &(*items)[(*n)++];
                memset(o, 0, sizeof *o);
                o->img = img;
                o->source = CL_SRC_TESSERACT;
                o->legible = 1;
                o->text = cl_strdup(t, word, strlen(word));
                if (has_box) {
                    o->has_bbox = 1;
                    o->bbox[0] = x1;
                    o->bbox[1] = y1;
                    o->bbox[2] = x2 - x1;
                    o->bbox[3] = y2 - y1;
                }
                if (!o->text)
                    st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            }
            if (word)
                TessDeleteText(word);
        } while (!st && TessResultIteratorNext(it, RIL_WORD));
        TessResultIteratorDelete(it);
    }
    TessBaseAPIClear(e->api);
    vlit_image_free(&im);
    return st;
}

void cl_ocr_close(cl_ocr_engine *e)
{
    if (!e)
        return;
    if (e->api) {
        TessBaseAPIEnd(e->api);
        TessBaseAPIDelete(e->api);
    }
    free(e);
}

#else

struct cl_ocr_engine {
    int unused;
};

vlit_status cl_ocr_open(const vlit_collect_params *p, cl_ocr_engine **out, vlit_error *err)
{
    (void)p;
    *out = NULL;
    return vlit_err(err, VLIT_ERR_UNSUPPORTED, "this vlit was built without Tesseract: --ocr is not available");
}

vlit_status cl_ocr_image(cl_ocr_engine *e, cl_table *t, uint32_t img, const char *path, cl_ocr **items, size_t *n,
                         vlit_error *err)
{
    (void)e, (void)t, (void)img, (void)path, (void)items, (void)n;
    return vlit_err(err, VLIT_ERR_UNSUPPORTED, "built without Tesseract");
}

void cl_ocr_close(cl_ocr_engine *e) { (void)e; }

#endif
