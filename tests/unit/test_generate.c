/* src/generate: English helpers, AA templates, and the AA generator (every
 * task, determinism, seeds, shards, conversations, task filter, errors). */
#include <stdlib.h>

#include "vlit/vlit.h"

#include "../../src/base/buf.h"
#include "../../src/generate/english.h"
#include "check.h"
#include "testutil.h"

#ifndef VLIT_DATA_DIR
#define VLIT_DATA_DIR "data"
#endif

static void test_english(void)
{
    vlit_buf b = VLIT_BUF_INIT;
    const char *cases[][2] = {{"cup", "cups"},         {"wine glass", "wine glasses"}, {"person", "people"},
                              {"bus", "buses"},        {"sandwich", "sandwiches"},     {"teddy bear", "teddy bears"},
                              {"knife", "knives"},     {"sheep", "sheep"},             {"toothbrush", "toothbrushes"},
                              {"butterfly", "butterflies"}, {"toy", "toys"},           {"skis", "skis"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        en_plural(cases[i][0], &b);
        CHECK_STR(b.data, cases[i][1]);
    }
    en_article("apple", 0, &b);
    CHECK_STR(b.data, "an apple");
    en_article("umbrella", 1, &b);
    CHECK_STR(b.data, "An umbrella");
    en_article("cup", 0, &b);
    CHECK_STR(b.data, "a cup");
    en_sentence("  a dog on a couch ", &b);
    CHECK_STR(b.data, "A dog on a couch.");
    en_sentence("Is it?", &b);
    CHECK_STR(b.data, "Is it?");
    const char *items[] = {"a", "b", "c"};
    en_list(items, 3, &b);
    CHECK_STR(b.data, "a, b and c");
    en_list(items, 1, &b);
    CHECK_STR(b.data, "a");
    vlit_buf_free(&b);
}

static const char clues[] =
    "{\"id\":\"1\",\"image\":\"a.jpg\",\"width\":100,\"height\":100,\"captions\":[\"two cups on a table\","
    "\"A table with cups.\"],\"objects\":[{\"category\":\"cup\",\"supercategory\":\"kitchen\",\"bbox\":[10,10,20,20],"
    "\"attributes\":[\"red\",\"ceramic\"]},{\"category\":\"cup\",\"bbox\":[50,10,20,20]},{\"category\":\"dining table\","
    "\"bbox\":[0,40,100,60]}],\"qa\":[{\"question\":\"What color is the cup?\",\"answers\":[{\"answer\":\"red\","
    "\"count\":9}],\"majority\":\"red\"},{\"question\":\"Is it daytime?\",\"answers\":[{\"answer\":\"yes\",\"count\":10}],"
    "\"majority\":\"yes\"}],\"ocr\":[{\"text\":\"CAFE\",\"legible\":true}]}\n"
    "{\"id\":\"2\",\"image\":\"b.jpg\",\"width\":50,\"height\":80,\"captions\":[\"an apple\"],\"objects\":[{\"category\":"
    "\"apple\",\"bbox\":[5,5,10,10]},{\"category\":\"umbrella\",\"bbox\":[0,0,50,40],\"iscrowd\":1}]}\n"
    "{\"id\":\"3\",\"image\":\"c.jpg\",\"width\":10,\"height\":10,\"captions\":[],\"objects\":[]}\n";

static char *run(vlit_aa_params p, const char *name, vlit_format fmt, vlit_aa_summary *sum)
{
    vlit_error err = {0};
    const char *out = tmp_path(name);
    vlit_status st = vlit_generate_aa(&p, write_file("clues.jsonl", clues), out, fmt, sum, &err);
    if (st) {
        fprintf(stderr, "generate: %s\n", err.message);
        return NULL;
    }
    return read_file(out);
}

static vlit_aa_params params(void)
{
    vlit_aa_params p = vlit_aa_default_params();
    p.templates = VLIT_DATA_DIR "/aa_templates.txt";
    return p;
}

static void test_every_task_and_determinism(void)
{
    vlit_aa_summary sum;
    char *a = run(params(), "a.jsonl", VLIT_FMT_JSONL, &sum);
    CHECK(a != NULL);
    for (int t = 0; t < VLIT_AA_TASK_COUNT; t++) {
        char want[64];
        snprintf(want, sizeof want, "\"task\":\"%s\"", vlit_aa_task_name((vlit_aa_task)t));
        CHECK_HAS(a, want);
        CHECK(sum.per_task[t] > 0);
    }
    CHECK(sum.records == 3);
    /* facts from the annotations */
    CHECK_HAS(a, "Two cups on a table. A table with cups."); /* captions as sentences */
    const char *count = strstr(a, "\"id\":\"1_counting_0\"");
    CHECK(count && strstr(count, "2 cups") && strstr(count, "2 cups") < strstr(count, "\n")); /* counted */
    CHECK_HAS(a, "The picture contains 2 cups and a dining table.");
    CHECK_HAS(a, "\"region\":[10,10,20,20]");               /* region-marked sample */
    CHECK_HAS(a, "red and ceramic");                        /* attributes */
    CHECK_HAS(a, "\\\"CAFE\\\"");                           /* text reading */
    CHECK(strstr(a, "how many umbrellas") == NULL && strstr(a, "How many umbrellas") == NULL); /* crowd: no count */
    CHECK(strstr(a, "Where is the cup") == NULL);           /* two cups: no location question */

    char *b = run(params(), "b.jsonl", VLIT_FMT_JSONL, &sum);
    CHECK_STR(a, b); /* same seed: byte-identical */
    vlit_aa_params p = params();
    p.seed = 2;
    char *c = run(p, "c.jsonl", VLIT_FMT_JSONL, &sum);
    CHECK(c && strcmp(a, c) != 0);
    free(a);
    free(b);
    free(c);
}

/* Records without VQA or attribute annotations: VQA from objects (one
 * category of a supercategory), colours from captions (a majority of the
 * captions that colour the object), unless no_derive. */
static void test_derived(void)
{
    const char *in = write_file(
        "derived.jsonl",
        "{\"id\":\"d1\",\"image\":\"d.jpg\",\"width\":100,\"height\":100,\"captions\":["
        "\"A white truck and a black and white dog.\",\"A dog on a WHITE truck\",\"a green truck\","
        "\"A person next to a red car\",\"a person by a blue car\"],"
        "\"objects\":[{\"category\":\"truck\",\"supercategory\":\"vehicle\",\"bbox\":[0,0,50,50]},"
        "{\"category\":\"car\",\"supercategory\":\"vehicle\",\"bbox\":[50,0,50,50]},"
        "{\"category\":\"dog\",\"supercategory\":\"animal\",\"bbox\":[0,50,20,20]},"
        "{\"category\":\"person\",\"supercategory\":\"person\",\"bbox\":[60,60,10,30]}]}\n");
    vlit_aa_params p = params();
    p.tasks = 1u << VLIT_AA_VQA | 1u << VLIT_AA_ATTRIBUTE;
    p.max_per_task = 5;
    vlit_aa_summary sum;
    vlit_error err = {0};
    const char *out = tmp_path("derived.out.jsonl");
    CHECK(vlit_generate_aa(&p, in, out, VLIT_FMT_JSONL, &sum, &err) == VLIT_OK);
    char *a = read_file(out);
    CHECK(a != NULL);
    if (!a)
        return;
    /* vqa: only the dog (the sole animal); two vehicles and person/person are not asked */
    CHECK(sum.per_task[VLIT_AA_VQA] == 1);
    CHECK_HAS(a, "a dog.");
    CHECK_HAS(a, "\"variant\":\"vqa-from-objects\"");
    /* colours: the truck is white (2 of 3 captions), the dog black and white;
     * the car gets none (red against blue) */
    CHECK(sum.per_task[VLIT_AA_ATTRIBUTE] == 2);
    CHECK_HAS(a, "black and white");
    const char *truck = strstr(a, "colour");
    CHECK(truck != NULL);
    CHECK(strstr(a, "green") == NULL && strstr(a, " red") == NULL && strstr(a, "blue") == NULL);
    CHECK_HAS(a, "\"variant\":\"attribute-from-captions\"");
    CHECK(sum.derived == 3);
    free(a);
    p.no_derive = 1;
    CHECK(vlit_generate_aa(&p, in, out, VLIT_FMT_JSONL, &sum, &err) == VLIT_OK);
    CHECK(sum.samples == 0 && sum.derived == 0);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

static void test_shards_and_options(void)
{
    vlit_aa_summary sum, s0, s1;
    char *all = run(params(), "all.jsonl", VLIT_FMT_JSONL, &sum);
    vlit_aa_params p = params();
    p.shard_count = 2;
    p.shard_index = 0;
    char *a = run(p, "s0.jsonl", VLIT_FMT_JSONL, &s0);
    p.shard_index = 1;
    char *b = run(p, "s1.jsonl", VLIT_FMT_JSONL, &s1);
    CHECK(s0.samples + s1.samples == sum.samples);
    /* every line of a shard is a line of the whole run */
    int ok = 1;
    for (char *line = strtok(a, "\n"); line; line = strtok(NULL, "\n"))
        ok &= strstr(all, line) != NULL;
    for (char *line = strtok(b, "\n"); line; line = strtok(NULL, "\n"))
        ok &= strstr(all, line) != NULL;
    CHECK(ok);
    free(a);
    free(b);

    p = params();
    p.turns = 3;
    char *conv = run(p, "conv.jsonl", VLIT_FMT_JSONL, &s0);
    CHECK(s0.conversations > 0 && count_lines(conv) < count_lines(all));
    CHECK_HAS(conv, "\"task\":\"conversation\"");
    free(conv);

    p = params();
    p.tasks = 1u << VLIT_AA_COUNTING | 1u << VLIT_AA_OCR;
    char *some = run(p, "some.jsonl", VLIT_FMT_LLAVA, &s0);
    CHECK(s0.per_task[VLIT_AA_COUNTING] > 0 && s0.per_task[VLIT_AA_OCR] == 1 && s0.per_task[VLIT_AA_DETAIL] == 0);
    CHECK_HAS(some, "\"value\":\"<image>\\n"); /* LLaVA export puts the image token first */
    free(some);
    free(all);
}

static void test_template_errors(void)
{
    vlit_aa_params p = params();
    vlit_error err = {0};
    vlit_aa_summary sum;
    p.templates = write_file("t1.txt", "[detail.instructions]\nDescribe {nope}.\n");
    CHECK(vlit_generate_aa(&p, write_file("c.jsonl", clues), tmp_path("o.jsonl"), VLIT_FMT_JSONL, &sum, &err) ==
          VLIT_ERR_DATA);
    CHECK_HAS(err.message, "t1.txt: line 2: unknown placeholder {nope}");
    p.templates = write_file("t2.txt", "[detail.instructions]\nDescribe it.\n");
    CHECK(vlit_generate_aa(&p, write_file("c.jsonl", clues), tmp_path("o.jsonl"), VLIT_FMT_JSONL, &sum, &err) ==
          VLIT_ERR_DATA);
    CHECK_HAS(err.message, "section [brief.instructions] is missing or empty");
    p.templates = write_file("t3.txt", "[detail]\nDescribe it.\n");
    CHECK(vlit_generate_aa(&p, write_file("c.jsonl", clues), tmp_path("o.jsonl"), VLIT_FMT_JSONL, &sum, &err) ==
          VLIT_ERR_DATA);
    CHECK_HAS(err.message, "t3.txt: line 1: unknown section [detail]");
    /* a bad clue record: named, and skippable */
    p = params();
    const char *bad = write_file("bad.jsonl", "{\"id\":\"1\",\"captions\":\"x\"}\n{\"id\":\"2\",\"captions\":[\"a cat\"]}\n");
    CHECK(vlit_generate_aa(&p, bad, tmp_path("o.jsonl"), VLIT_FMT_JSONL, &sum, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "bad.jsonl: line 1 (byte 0)");
    p.skip_bad = 1;
    CHECK(vlit_generate_aa(&p, bad, tmp_path("o.jsonl"), VLIT_FMT_JSONL, &sum, &err) == VLIT_OK);
    CHECK(sum.skipped == 1 && sum.records == 1);
}

static const char *ten_samples(void)
{
    vlit_buf b = VLIT_BUF_INIT;
    for (int i = 0; i < 10; i++)
        vlit_buf_printf(&b, "{\"id\":\"s%d\",%s\"turns\":[{\"role\":\"user\",\"text\":\"q%d\"}]}\n", i,
                        i == 3 ? "\"source\":\"own\"," : "", i);
    const char *p = write_file("ten.jsonl", b.data);
    vlit_buf_free(&b);
    return p;
}

static void test_mix(void)
{
    /* tmp_path() reuses its buffers: keep copies of the input paths */
    char *ten = strdup(ten_samples());
    char *five = strdup(write_file("five.jsonl", "{\"id\":\"f0\",\"turns\":[]}\n{\"id\":\"f1\",\"turns\":[]}\n"
                                                "{\"id\":\"f2\",\"turns\":[]}\n{\"id\":\"f3\",\"turns\":[]}\n"
                                                "{\"id\":\"f4\",\"turns\":[]}\n"));
    vlit_mix_input in[2] = {{ten, VLIT_FMT_JSONL, VLIT_MIX_COUNT, 4, NULL}, {five, VLIT_FMT_JSONL, VLIT_MIX_PERCENT, 40, "F"}};
    vlit_mix_params p = vlit_mix_default_params();
    p.inputs = in;
    p.n_inputs = 2;
    vlit_mix_summary sum;
    vlit_error err = {0};
    CHECK(vlit_mix(&p, tmp_path("m1.jsonl"), VLIT_FMT_JSONL, &sum, &err) == VLIT_OK);
    CHECK(sum.samples == 6 && sum.taken[0] == 4 && sum.taken[1] == 2 && sum.available[0] == 10 && sum.available[1] == 5);
    char *a = read_file(tmp_path("m1.jsonl"));
    CHECK_HAS(a, "\"source\":\"F\"");
    CHECK(count_lines(a) == 6);
    /* untagged samples get the file name; tagged ones keep theirs */
    CHECK(vlit_mix(&p, tmp_path("m2.jsonl"), VLIT_FMT_JSONL, &sum, &err) == VLIT_OK);
    char *b = read_file(tmp_path("m2.jsonl"));
    CHECK_STR(a, b); /* same seed, same mix */
    free(a);
    free(b);
    in[0].take = VLIT_MIX_ALL;
    CHECK(vlit_mix(&p, tmp_path("m3.jsonl"), VLIT_FMT_JSONL, &sum, &err) == VLIT_OK);
    a = read_file(tmp_path("m3.jsonl"));
    CHECK_HAS(a, "\"id\":\"s0\",\"source\":\"ten\"");
    CHECK_HAS(a, "\"id\":\"s3\",\"source\":\"own\"");
    free(a);
    /* shares of a total */
    in[0] = (vlit_mix_input){ten, VLIT_FMT_JSONL, VLIT_MIX_SHARE, 0.75, NULL};
    in[1] = (vlit_mix_input){five, VLIT_FMT_JSONL, VLIT_MIX_SHARE, 0.25, NULL};
    p.total = 8;
    CHECK(vlit_mix(&p, tmp_path("m4.jsonl"), VLIT_FMT_JSONL, &sum, &err) == VLIT_OK);
    CHECK(sum.taken[0] == 6 && sum.taken[1] == 2);
    /* more than there is: an error naming the input, and no output file */
    in[1].amount = 1.0;
    CHECK(vlit_mix(&p, tmp_path("m5.jsonl"), VLIT_FMT_JSONL, &sum, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "five.jsonl: 8 samples asked for, but it has 5");
    CHECK(read_file(tmp_path("m5.jsonl")) == NULL);

    /* uniform: drawing 1 of 10 with 2000 seeds picks each sample about 200 times */
    int hits[10] = {0};
    in[0] = (vlit_mix_input){ten, VLIT_FMT_JSONL, VLIT_MIX_COUNT, 1, NULL};
    p.n_inputs = 1;
    int ok = 1;
    for (uint64_t seed = 1; seed <= 2000 && ok; seed++) {
        p.seed = seed;
        ok = vlit_mix(&p, tmp_path("m6.jsonl"), VLIT_FMT_JSONL, &sum, &err) == VLIT_OK;
        char *one = read_file(tmp_path("m6.jsonl"));
        const char *id = one ? strstr(one, "\"id\":\"s") : NULL;
        if (id)
            hits[id[7] - '0']++;
        free(one);
    }
    CHECK(ok);
    int fair = 1;
    for (int i = 0; i < 10; i++)
        fair &= hits[i] > 140 && hits[i] < 260;
    CHECK(fair);
    free(ten);
    free(five);
}

int main(void)
{
    test_mix();
    test_english();
    test_every_task_and_determinism();
    test_derived();
    test_shards_and_options();
    test_template_errors();
    cleanup_dir();
    return CHECK_DONE();
}
