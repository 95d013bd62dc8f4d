/* src/score: the driver (selection, missing values with reasons, shards and
 * their merge), the clue index and the readability calibration. */
#include <math.h>
#include <stdlib.h>

#include "vlit/vlit.h"

#include "../../src/base/buf.h"
#include "../../src/score/clue_index.h"
#include "../../src/score/readability_lm.h"
#include "check.h"
#include "testutil.h"

#ifndef VLIT_DATA_DIR
#define VLIT_DATA_DIR "data"
#endif
#define SKIMAGE "/usr/lib/python3/dist-packages/skimage/data"

static const char *subjects[] = {"A brown dog", "Two cats", "A man", "A red bus", "Three children", "A woman"};
static const char *verbs[] = {"sits on", "runs across", "stands near", "waits beside", "looks at"};
static const char *places[] = {"a wooden bench.", "the green grass.", "a busy street.", "the old house.",
                               "a small table."};

/* 40 clue records with five captions each; record 0 is chelsea.png. */
static const char *make_clues(void)
{
    vlit_buf b = VLIT_BUF_INIT;
    for (int r = 0; r < 40; r++) {
        vlit_buf_printf(&b, "{\"id\":\"%d\",\"image\":\"%s\",\"captions\":[", r,
                        r == 0 ? "chelsea.png" : r == 1 ? "coffee.png" : "x.png");
        for (int c = 0; c < 5; c++)
            vlit_buf_printf(&b, "%s\"%s %s %s\"", c ? "," : "", subjects[(r + c) % 6], verbs[(r * 3 + c) % 5],
                            places[(r + 2 * c) % 5]);
        vlit_buf_puts(&b, "],\"objects\":[{\"category\":\"cat\",\"supercategory\":\"animal\",\"bbox\":[1,2,3,4]}]}\n");
    }
    const char *p = strdup(write_file("clues.jsonl", b.data)); /* tmp_path's buffers are reused */
    vlit_buf_free(&b);
    return p;
}

static const char *make_samples(void)
{
    vlit_buf b = VLIT_BUF_INIT;
    const char *images[] = {"chelsea.png", "missing.png", "../escape.png", NULL, "coffee.png", "chelsea.png",
                            "coffee.png"};
    for (int i = 0; i < 7; i++) {
        vlit_buf_printf(&b, "{\"id\":\"s%d\",", i);
        if (images[i])
            vlit_buf_printf(&b, "\"image\":\"%s\",", images[i]);
        vlit_buf_printf(&b,
                        "\"turns\":[{\"role\":\"user\",\"text\":\"<image>\\nWhat does the %s do?\"},"
                        "{\"role\":\"assistant\",\"text\":\"%s %s %s\"}]}\n",
                        i % 2 ? "cat" : "dog", subjects[i % 6], verbs[i % 5], places[i % 5]);
    }
    const char *p = strdup(write_file("samples.jsonl", b.data));
    vlit_buf_free(&b);
    return p;
}

static vlit_score_params params(const char *clues)
{
    vlit_score_params p = vlit_score_default_params();
    p.clues_path = clues;
    p.image_root = SKIMAGE;
    p.data_dir = VLIT_DATA_DIR;
    p.threads = 2;
    return p;
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_run(const char *clues, const char *samples)
{
    vlit_score_params p = params(clues);
    p.indicators = "text_readability,image_readability,visual_complexity";
    vlit_score_summary sum;
    vlit_error err = {0};
    const char *out = tmp_path("scores.jsonl");
    CHECK(vlit_score(samples, VLIT_FMT_JSONL, &p, out, &sum, &err) == VLIT_OK);
    CHECK(sum.samples == 7 && sum.indicators == 3);
    char *text = read_file(out);
    CHECK(text != NULL);
    if (!text)
        return;
    CHECK(count(text, "\n") == 7);
    CHECK(count(text, "\"method\":\"ngram-lm\"") == 7 && count(text, "\"method\":\"niqe\"") == 7 &&
          count(text, "\"method\":\"classical\"") == 7);
    /* the lines come in input order with their index */
    CHECK_HAS(text, "{\"index\":0,\"id\":\"s0\",\"image\":\"chelsea.png\",\"scores\":{\"text_readability\":{");
    CHECK_HAS(text, "\n{\"index\":6,\"id\":\"s6\"");
    /* image problems: missing values with their reason, for both image indicators */
    CHECK_HAS(text, "\"image_readability\":{\"method\":\"niqe\",\"missing\":\"" SKIMAGE "/missing.png: cannot open");
    CHECK_HAS(text, "\"visual_complexity\":{\"method\":\"classical\",\"missing\":\"" SKIMAGE "/missing.png");
    CHECK(count(text, "\"missing\":\"the image path escapes the image root\"") == 2);
    CHECK(count(text, "\"missing\":\"the sample has no image\"") == 2);
    CHECK(sum.missing == 6);
    /* samples of the same image get the same image values (computed once) */
    const char *a = strstr(text, "\"id\":\"s0\""), *b = strstr(text, "\"id\":\"s5\"");
    CHECK(a && b);
    if (a && b) {
        a = strstr(a, "\"image_readability\"");
        b = strstr(b, "\"image_readability\"");
        CHECK(a && b && strncmp(a, b, (size_t)(strchr(a, '\n') - a)) == 0);
    }
    CHECK(sum.without_clue == 2); /* missing.png and ../escape.png */
    free(text);
}

static void test_shards(const char *clues, const char *samples)
{
    vlit_score_params p = params(clues);
    p.indicators = "text_readability,visual_complexity";
    vlit_error err = {0};
    const char *whole = tmp_path("whole.jsonl");
    CHECK(vlit_score(samples, VLIT_FMT_JSONL, &p, whole, NULL, &err) == VLIT_OK);
    char parts[3][64];
    const char *paths[3];
    for (unsigned i = 0; i < 3; i++) {
        snprintf(parts[i], sizeof parts[i], "%s", tmp_path(i == 0 ? "p0" : i == 1 ? "p1" : "p2"));
        paths[2 - i] = parts[i]; /* any order */
        p.shard_index = i;
        p.shard_count = 3;
        p.threads = 1 + i;
        CHECK(vlit_score(samples, VLIT_FMT_JSONL, &p, parts[i], NULL, &err) == VLIT_OK);
    }
    const char *merged = tmp_path("merged.jsonl");
    CHECK(vlit_score_merge(paths, 3, merged, &err) == VLIT_OK);
    char *a = read_file(whole), *b = read_file(merged);
    CHECK(a && b && strcmp(a, b) == 0);
    free(a);
    free(b);
    /* a part given twice */
    const char *twice[] = {parts[0], parts[1], parts[0]};
    CHECK(vlit_score_merge(twice, 3, tmp_path("bad.jsonl"), &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "overlapping shards");
    CHECK(read_file(tmp_path("bad.jsonl")) == NULL);
    /* not a score file */
    const char *bad[] = {clues};
    CHECK(vlit_score_merge(bad, 1, tmp_path("bad.jsonl"), &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "clues.jsonl: line 1: not a line of vlit score output");
    /* a shard index out of range */
    p.shard_index = 3;
    CHECK(vlit_score(samples, VLIT_FMT_JSONL, &p, tmp_path("x"), NULL, &err) == VLIT_ERR_USAGE);
}

static void test_selection(const char *clues, const char *samples)
{
    vlit_score_params p = params(clues);
    vlit_error err = {0};
    p.indicators = "text_readability,nonsense";
    CHECK(vlit_score(samples, VLIT_FMT_JSONL, &p, tmp_path("x"), NULL, &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "no indicator \"nonsense\"");
    p.indicators = "text_readability:judge-of-nothing";
    CHECK(vlit_score(samples, VLIT_FMT_JSONL, &p, tmp_path("x"), NULL, &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "no indicator with method \"text_readability:judge-of-nothing\"");
    p.indicators = "visual_complexity,visual_complexity:classical";
    CHECK(vlit_score(samples, VLIT_FMT_JSONL, &p, tmp_path("x"), NULL, &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "visual_complexity is listed twice");
    /* the text indicator without anything to train or calibrate on */
    p.indicators = "text_readability";
    p.clues_path = NULL;
    CHECK(vlit_score(samples, VLIT_FMT_JSONL, &p, tmp_path("x"), NULL, &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "--clues");
    /* every registered indicator has a unique (name, method) and a sane row */
    for (size_t i = 0; i < vlit_indicator_count(); i++) {
        const vlit_indicator_info *a = vlit_indicator_get(i);
        CHECK(a->principle >= 1 && a->principle <= 10 && (a->direction == 1 || a->direction == -1));
        CHECK(a->summary && a->range && strcmp(a->level, "sample") == 0);
        for (size_t k = 0; k < i; k++) {
            const vlit_indicator_info *b = vlit_indicator_get(k);
            CHECK(strcmp(a->name, b->name) || strcmp(a->method, b->method));
        }
    }
    CHECK(vlit_indicator_get(vlit_indicator_count()) == NULL);
}

static void test_clue_index(const char *clues)
{
    clue_index *ix;
    vlit_error err = {0};
    CHECK(clue_index_load(clues, 0, NULL, NULL, &ix, &err) == VLIT_OK);
    CHECK(clue_index_size(ix) == 3); /* x.png is one record: the first counts */
    const score_clue *c = clue_index_find(ix, "chelsea.png");
    CHECK(c && strcmp(c->id, "0") == 0 && c->n_objects == 1 && strcmp(c->objects[0].category, "cat") == 0);
    CHECK(c && c->n_captions == 0);
    CHECK(clue_index_find(ix, "train2017/chelsea.png") == c); /* by file name */
    CHECK(clue_index_find(ix, "nothing.png") == NULL);
    clue_index_free(ix);
}

static void test_calibration(void)
{
    double ref[] = {-3, -2.5, -2, -2, -1.5};
    readability_lm r = {.reference = ref, .n_reference = 5};
    CHECK(readability_calibrate(&r, -4) == 0);
    CHECK(readability_calibrate(&r, -1) == 1);
    CHECK(fabs(readability_calibrate(&r, -2) - 0.6) < 1e-12); /* 2 below, 2 equal: (2 + 1) / 5 */
    CHECK(fabs(readability_calibrate(&r, -2.75) - 0.2) < 1e-12);

    vlit_lm *lm;
    vlit_error err = {0};
    CHECK(vlit_lm_open(VLIT_DATA_DIR "/../tests/fixtures/lm_tiny.arpa", &lm, &err) == VLIT_OK);
    if (!lm)
        return;
    vlit_lm_stats a = {0}, b = {0};
    readability_score_text(lm, "the cat sat. the dog ran!\nthe end", &a);
    CHECK(a.sentences == 3);
    readability_score_text(lm, "it is 3.5 m long... or so", &b);
    CHECK(b.sentences == 2);
    vlit_lm_stats c = {0};
    readability_score_text(lm, "", &c);
    CHECK(c.sentences == 0);
    vlit_lm_close(lm);
}

int main(void)
{
    const char *clues = make_clues();
    const char *samples = make_samples();
    test_run(clues, samples);
    test_shards(clues, samples);
    test_selection(clues, samples);
    test_clue_index(clues);
    test_calibration();
    cleanup_dir();
    free((void *)clues);
    free((void *)samples);
    return CHECK_DONE();
}
