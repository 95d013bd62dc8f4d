/* The clue record reader with the renderer (first byte % 3 == 0), the clue
 * template parser rendering a fixed record (1), and the AA template parser
 * generating from a fixed clue file (2). */
#include <stdlib.h>
#include <string.h>

#include "vlit/vlit.h"

#include "fuzz_util.h"

#ifndef VLIT_DATA_DIR
#define VLIT_DATA_DIR "data"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vlit_clue_template *default_template(void)
{
    static vlit_clue_template *t;
    vlit_error err = {0};
    if (!t && vlit_clue_template_load(VLIT_DATA_DIR "/clue.tmpl", &t, &err))
        abort();
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *in = fuzz_file("clue.in", data + 1, size - 1);
    vlit_error err = {0};
    vlit_box_mode mode = (vlit_box_mode)((data[0] >> 2) % 3);
    char *text;
    if (data[0] % 3 == 2) {
        static const char clue[] =
            "{\"id\":\"1\",\"image\":\"a.jpg\",\"width\":10,\"height\":10,\"captions\":[\"a cup\"],\"objects\":"
            "[{\"category\":\"cup\",\"bbox\":[1,1,2,2],\"attributes\":[\"red\"]}],\"qa\":[{\"question\":\"q?\","
            "\"answers\":[{\"answer\":\"yes\",\"count\":3}],\"majority\":\"yes\"}],\"ocr\":[{\"text\":\"STOP\"}]}\n";
        vlit_aa_params p = vlit_aa_default_params();
        p.templates = in;
        p.turns = 1 + (data[0] >> 2) % 3;
        vlit_aa_summary sum;
        vlit_generate_aa(&p, fuzz_file("clue.records", (const uint8_t *)clue, sizeof clue - 1), fuzz_path("clue.out"),
                         VLIT_FMT_JSONL, &sum, &err);
        return 0;
    }
    if (data[0] % 3 == 1) {
        vlit_clue_template *t;
        if (vlit_clue_template_load(in, &t, &err))
            return 0;
        const char *caps[] = {"a cup"};
        const char *attrs[] = {"red"};
        vlit_clue_object obj = {"cup", "kitchen", {1, 2, 3, 4}, 1, 12, 0, attrs, 1};
        vlit_clue_answer ans = {"red", 3};
        vlit_clue_qa qa = {"color?", &ans, 1, "red", "vqa"};
        vlit_clue_ocr ocr = {"STOP", {1, 1, 2, 2}, 1, 1, "coco-text"};
        vlit_clue_record r = {"1", "a.jpg", 10, 10, caps, 1, &obj, 1, 2, 1, 5, &qa, 1, &ocr, 1};
        if (vlit_clue_render(t, &r, mode, &text, &err) == VLIT_OK)
            free(text);
        vlit_clue_template_free(t);
        return 0;
    }
    vlit_clue_reader *r;
    if (vlit_clue_reader_open(in, (data[0] >> 4) & 1, &r, &err))
        return 0;
    const vlit_clue_record *rec;
    while (vlit_clue_reader_next(r, &rec, &err) == VLIT_OK)
        if (vlit_clue_render(default_template(), rec, mode, &text, &err) == VLIT_OK)
            free(text);
    vlit_clue_reader_close(r);
    return 0;
}
