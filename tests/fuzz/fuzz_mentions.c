/* The object lexicon parser (first byte odd) and, with the shipped lexicon,
 * the mention finder, the quote finder and the OCR matcher on arbitrary
 * text (first byte even). */
#include <stdlib.h>
#include <string.h>

#include "vlit/vlit.h"

#include "../../src/score/mentions.h"
#include "fuzz_util.h"

#ifndef VLIT_DATA_DIR
#define VLIT_DATA_DIR "data"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mention_lexicon *default_lexicon(void)
{
    static mention_lexicon *lx;
    vlit_error err = {0};
    if (!lx && mention_lexicon_load(VLIT_DATA_DIR "/" MENTION_LEXICON_FILE, &lx, &err))
        abort();
    return lx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    vlit_error err = {0};
    if (data[0] % 2) {
        mention_lexicon *lx = NULL;
        if (mention_lexicon_load(fuzz_file("lexicon.tsv", data + 1, size - 1), &lx, &err) == VLIT_OK) {
            mention_list ml = MENTION_LIST_INIT;
            if (mention_find(lx, "Two hot dogs, no cats; is there a man?", &ml))
                abort();
            mention_list_free(&ml);
            mention_lexicon_free(lx);
        }
        return 0;
    }
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    mention_lexicon *lx = default_lexicon();
    mention_list ml = MENTION_LIST_INIT;
    if (mention_find(lx, text, &ml))
        abort();
    size_t len = strlen(text);
    for (size_t i = 0; i < ml.n; i++)
        if (ml.m[i].start >= ml.m[i].end || ml.m[i].end > len || ml.m[i].category < 0 ||
            (size_t)ml.m[i].category >= mention_lexicon_size(lx))
            abort();
    mention_list_free(&ml);
    mention_span q[16];
    size_t nq = mention_quotes(text, q, 16);
    vlit_clue_ocr ocr[2] = {{"STOP", {0, 0, 0, 0}, 0, 1, "coco-text"}, {text, {0, 0, 0, 0}, 0, 1, "tesseract"}};
    score_clue clue = {0};
    clue.ocr = ocr;
    clue.n_ocr = 2;
    for (size_t i = 0; i < nq && i < 16; i++) {
        if (q[i].start > q[i].end || q[i].end > len)
            abort();
        mention_ocr_match(&clue, text + q[i].start, q[i].end - q[i].start);
    }
    free(text);
    return 0;
}
