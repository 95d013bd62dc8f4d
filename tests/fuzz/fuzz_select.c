/* vlit select's readers: the first byte selects. 0: the rest is a scores
 * file for three fixed samples, run through the whole selection (every group
 * on, a balance target); 1: a threshold text. Any bytes; on success every
 * sample is either kept or dropped by exactly one group. */
#include <stdlib.h>
#include <string.h>

#include "vlit/select.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char samples[] =
    "{\"id\":\"a\",\"image\":\"x.jpg\",\"turns\":[{\"role\":\"user\",\"text\":\"How many dogs?\"},"
    "{\"role\":\"assistant\",\"text\":\"Two dogs.\"}]}\n"
    "{\"id\":\"b\",\"image\":\"x.jpg\",\"turns\":[{\"role\":\"user\",\"text\":\"How many dogs?\"},"
    "{\"role\":\"assistant\",\"text\":\"Two dogs.\"}]}\n"
    "{\"id\":\"c\",\"image\":\"y.jpg\",\"turns\":[{\"role\":\"user\",\"text\":\"Describe the image.\"},"
    "{\"role\":\"assistant\",\"text\":\"A red bus on a street.\"}]}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] % 2 == 1) {
        char *z = malloc(size);
        if (!z)
            return 0;
        memcpy(z, data + 1, size - 1);
        z[size - 1] = '\0';
        vlit_select_threshold t = {0};
        if (vlit_select_threshold_parse(z, &t) == VLIT_OK && t.on && t.percentile && !(t.value >= 0 && t.value <= 100))
            __builtin_trap();
        free(z);
        return 0;
    }
    const char *sp = fuzz_file("samples.jsonl", (const uint8_t *)samples, sizeof samples - 1);
    char spath[256];
    snprintf(spath, sizeof spath, "%s", sp);
    const char *sc = fuzz_file("scores.jsonl", data + 1, size - 1);
    char scpath[256];
    snprintf(scpath, sizeof scpath, "%s", sc);
    char out[256];
    snprintf(out, sizeof out, "%s", fuzz_path("out.jsonl"));
    vlit_select_params p = vlit_select_default_params();
    p.out_format = VLIT_FMT_JSONL;
    p.target = 1 + data[0] / 2 % 3;
    p.missing_drop = data[0] / 8 % 2;
    vlit_select_summary sum;
    vlit_error err = {0};
    if (vlit_select(spath, scpath, &p, out, &sum, &err) == VLIT_OK) {
        size_t dropped = 0;
        for (int g = 0; g < VLIT_SELECT_GROUPS; g++)
            dropped += sum.dropped[g];
        if (sum.samples != 3 || sum.kept + dropped != 3)
            __builtin_trap();
    } else if (!err.message[0]) {
        __builtin_trap();
    }
    vlit_select_summary_free(&sum);
    remove(out);
    return 0;
}
