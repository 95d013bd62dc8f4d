/* The JSON layer: one value (JSONL lines) and the section stream (COCO-style
 * documents, root arrays), with skipped keys and small limits. */
#include "../../src/base/json.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vlit_arena a;
    vlit_arena_init(&a, 4096);
    vj *v;
    vlit_error err = {0};
    vj_limits lim = {64, 1 << 16, 16};
    if (vj_parse((const char *)data, size, &lim, &a, &v, &err) == VLIT_OK) {
        vlit_buf b = VLIT_BUF_INIT;
        vj_write_value(&b, v);
        vlit_buf_free(&b);
    }
    vlit_arena_free(&a);

    static const char *const sections[] = {"images", "annotations", "categories", "anns", NULL};
    static const char *const skip[] = {"segmentation", NULL};
    vj_stream_params ps[2];
    memset(ps, 0, sizeof ps);
    ps[0].sections = sections;
    ps[0].skip_keys = skip;
    for (int i = 0; i < 2; i++) {
        vj_stream *s;
        if (vj_stream_open_mem((const char *)data, size, "fuzz.json", &ps[i], &s, &err))
            continue;
        vj_elem e;
        while (vj_stream_next(s, &e, &err) == VLIT_OK) {
            double d;
            char id[32];
            vj_number(vj_get(e.value, "id"), &d);
            vj_id(vj_get(e.value, "image_id"), id, sizeof id);
        }
        vj_stream_close(s);
    }
    return 0;
}
