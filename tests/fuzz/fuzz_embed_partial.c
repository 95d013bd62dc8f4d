/* The shard partials of the embedding sets (vlit/embed.h, docs/embed.md).
 * Selector byte: bit 0 set = fix the trailing checksum first (so that the
 * mutations reach the parser behind it), bit 1 = read as an image partial
 * (else as a text partial). A partial that the internal parsers accept must
 * be accepted by the public reader too; what a set merged is written as a
 * partial again, read into a fresh set, and must give the same vectors byte
 * for byte. */
#include <stdlib.h>
#include <string.h>

#include "../../src/report/embed_internal.h"
#include "vlit/embed.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_result(const vlit_embed_result *a, const vlit_embed_result *b)
{
    if (a->rows != b->rows || a->items != b->items || a->failed != b->failed || (a->rows && a->dim != b->dim))
        abort();
    if (a->rows && memcmp(a->data, b->data, a->rows * a->dim * sizeof(float)) != 0)
        abort();
    for (size_t i = 0; i < a->failed; i++)
        if (a->failed_item[i] != b->failed_item[i] || strcmp(a->failed_reason[i], b->failed_reason[i]) != 0)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    uint8_t sel = data[0];
    uint8_t *d = malloc(size);
    if (!d)
        return 0;
    size_t n = size - 1;
    memcpy(d, data + 1, n);
    if ((sel & 1) && n >= 8) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t i = 0; i + 8 < n; i++)
            h = (h ^ d[i]) * 0x100000001b3ull;
        for (int k = 0; k < 8; k++)
            d[n - 8 + (size_t)k] = (uint8_t)(h >> (8 * k));
    }
    const char *in = fuzz_file("embed.in", d, n);
    const char *again = fuzz_path("embed.again");
    vlit_error err = {0};
    int images = (sel >> 1) & 1;
    vlit_embed_params p = vlit_embed_default_params();
    p.dim = 8;
    if (!images) {
        unsigned bits;
        uint64_t fp, docs;
        const uint8_t *payload;
        size_t plen;
        vlit_status ok = em_parse_tfidf(d, n, "in", &bits, &fp, &docs, &payload, &plen, &err);
        if (ok == VLIT_OK && bits <= 22 && docs <= 100000) {
            p.hash_bits = bits;
            vlit_text_set *s = NULL, *t = NULL;
            if (vlit_text_set_new(&p, &s, &err) == VLIT_OK &&
                vlit_text_set_add_partial(s, in, &err) == VLIT_OK) {
                vlit_embed_result a = {0}, b = {0};
                if (vlit_text_set_embed(s, &a, &err) == VLIT_OK &&
                    vlit_text_set_write_partial(s, again, &err) == VLIT_OK &&
                    vlit_text_set_new(&p, &t, &err) == VLIT_OK) {
                    if (vlit_text_set_add_partial(t, again, &err) != VLIT_OK || vlit_text_set_embed(t, &b, &err))
                        abort();
                    same_result(&a, &b);
                }
                vlit_embed_result_free(&a);
                vlit_embed_result_free(&b);
            }
            vlit_text_set_free(s);
            vlit_text_set_free(t);
        }
    } else {
        char *cfg = NULL;
        int img = 0;
        em_rows rows = {0};
        if (em_parse_rows(d, n, "in", &cfg, &img, &rows, &err) == VLIT_OK && img &&
            strcmp(cfg, "descriptor v1 dim=256") == 0) {
            vlit_image_set *s = NULL, *t = NULL;
            p.image_root = "/nonexistent-vlit-fuzz";
            if (vlit_image_set_new(&p, &s, &err) == VLIT_OK) {
                if (vlit_image_set_add_partial(s, in, &err) != VLIT_OK)
                    abort();
                vlit_embed_result a = {0}, b = {0};
                /* every item came with a row or a failure: nothing is decoded */
                if (vlit_image_set_vectors(s, &a, &err) == VLIT_OK &&
                    vlit_image_set_write_partial(s, again, &err) == VLIT_OK &&
                    vlit_image_set_new(&p, &t, &err) == VLIT_OK) {
                    if (vlit_image_set_add_partial(t, again, &err) != VLIT_OK || vlit_image_set_vectors(t, &b, &err))
                        abort();
                    same_result(&a, &b);
                }
                vlit_embed_result_free(&a);
                vlit_embed_result_free(&b);
            }
            vlit_image_set_free(s);
            vlit_image_set_free(t);
        }
        free(cfg);
        em_rows_free(&rows);
    }
    remove(in);
    remove(again);
    free(d);
    return 0;
}
