/* The ARPA reader on arbitrary text. A model that loads is scored on its own
 * text (tokenised, and split on white space so that words like <s> are
 * looked up as they are), written in the binary form, loaded back, and must
 * give exactly the same scores. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vlit/vlit.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static void score(const vlit_lm *lm, const char *path, const uint8_t *data, size_t size, vlit_lm_stats *text,
                  vlit_lm_stats *raw)
{
    vlit_error err = {0};
    vlit_lm_score_text(lm, (const char *)data, size, text);
    vlit_lm_score_params p = vlit_lm_score_default_params();
    p.raw = 1;
    p.skip_bad = 1;
    vlit_lm_score_file(lm, p, path, raw, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = fuzz_file("arpa.in", data, size);
    vlit_lm *lm;
    vlit_error err = {0};
    if (vlit_lm_open(in, &lm, &err))
        return 0;
    vlit_lm_info info;
    vlit_lm_get_info(lm, &info);
    vlit_lm_stats text = {0}, raw = {0};
    score(lm, in, data, size, &text, &raw);
    vlit_lm_close(lm);
    const char *bin = fuzz_path("arpa.bin");
    if (vlit_lm_build_binary(in, bin, &err))
        abort(); /* it loaded, so it must convert */
    if (vlit_lm_open(bin, &lm, &err))
        abort();
    vlit_lm_stats text2 = {0}, raw2 = {0};
    score(lm, in, data, size, &text2, &raw2);
    vlit_lm_close(lm);
    if (!same(text.logprob, text2.logprob) || !same(raw.logprob, raw2.logprob) || text.tokens != text2.tokens ||
        raw.oov != raw2.oov)
        abort(); /* the binary form must score exactly as the ARPA file */
    return 0;
}
