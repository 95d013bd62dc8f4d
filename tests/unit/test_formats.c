/* src/io: each format reads and writes samples; round trips keep content;
 * bad records give file/record/offset messages; skip_bad skips and counts. */
#include <stdlib.h>

#include "vlit/vlit.h"

#include "check.h"
#include "testutil.h"

static const char llava_doc[] =
    "[\n"
    "{\"id\": \"a1\", \"image\": \"x/1.jpg\", \"conversations\": [{\"from\": \"human\", \"value\": \"<image>\\nWhat is "
    "this?\"}, {\"from\": \"gpt\", \"value\": \"A cat \\\"Tom\\\".\"}]},\n"
    "{\"id\": 7, \"image\": \"2.jpg\", \"conversations\": [{\"from\": \"human\", \"value\": \"Color?\\n<image>\"}, "
    "{\"from\": \"gpt\", \"value\": \"Red.\"}, {\"from\": \"human\", \"value\": \"Sure?\"}, {\"from\": \"gpt\", "
    "\"value\": \"Yes.\"}], \"model\": \"gpt-4\", \"meta\": {\"k\": [1, 2.5]}}\n"
    "]\n";

/* reads all samples of path as fmt, re-encodes them as JSONL text */
static char *to_jsonl(const char *path, vlit_format fmt, size_t *n)
{
    vlit_reader *r;
    vlit_error err = {0};
    if (vlit_reader_open(path, fmt, NULL, &r, &err))
        return NULL;
    const char *out = tmp_path("tmp.jsonl");
    vlit_writer *w;
    vlit_writer_open(out, VLIT_FMT_JSONL, &w, &err);
    const vlit_sample *s;
    *n = 0;
    while (vlit_reader_next(r, &s, &err) == VLIT_OK) {
        vlit_writer_write(w, s, &err);
        (*n)++;
    }
    vlit_writer_commit(w, &err);
    vlit_reader_close(r);
    return read_file(out);
}

static void convert(const char *in, vlit_format fin, const char *out, vlit_format fout)
{
    vlit_reader *r;
    vlit_writer *w;
    vlit_error err = {0};
    CHECK(vlit_reader_open(in, fin, NULL, &r, &err) == VLIT_OK);
    CHECK(vlit_writer_open(out, fout, &w, &err) == VLIT_OK);
    const vlit_sample *s;
    vlit_status st;
    while ((st = vlit_reader_next(r, &s, &err)) == VLIT_OK)
        CHECK(vlit_writer_write(w, s, &err) == VLIT_OK);
    CHECK(st == VLIT_END);
    CHECK(vlit_writer_commit(w, &err) == VLIT_OK);
    vlit_reader_close(r);
}

static void test_llava_fields(void)
{
    const char *in = write_file("in.json", llava_doc);
    vlit_reader *r;
    vlit_error err = {0};
    CHECK(vlit_reader_open(in, VLIT_FMT_LLAVA, NULL, &r, &err) == VLIT_OK);
    const vlit_sample *s;
    CHECK(vlit_reader_next(r, &s, &err) == VLIT_OK);
    CHECK_STR(s->id, "a1");
    CHECK(!s->id_is_number && s->n_images == 1 && s->n_turns == 2);
    CHECK_STR(s->turns[0].role, "user");
    CHECK_STR(s->turns[1].role, "assistant");
    CHECK_STR(s->turns[1].text, "A cat \"Tom\".");
    CHECK(vlit_reader_next(r, &s, &err) == VLIT_OK);
    CHECK(s->id_is_number && strcmp(s->id, "7") == 0 && s->n_turns == 4);
    CHECK_STR(s->extra_json, "{\"model\":\"gpt-4\",\"meta\":{\"k\":[1,2.5]}}");
    CHECK(vlit_reader_next(r, &s, &err) == VLIT_END);
    vlit_reader_close(r);
}

static void test_round_trips(void)
{
    const char *in = write_file("rt.json", llava_doc);
    size_t n0, n1, n2;
    char *ref = to_jsonl(in, VLIT_FMT_LLAVA, &n0);
    CHECK(ref && n0 == 2);

    /* LLaVA -> JSONL -> LLaVA: the same samples */
    convert(in, VLIT_FMT_LLAVA, tmp_path("a.jsonl"), VLIT_FMT_JSONL);
    convert(tmp_path("a.jsonl"), VLIT_FMT_JSONL, tmp_path("b.json"), VLIT_FMT_LLAVA);
    char *back = to_jsonl(tmp_path("b.json"), VLIT_FMT_LLAVA, &n1);
    CHECK_STR(back, ref);
    free(back);

    /* ShareGPT keeps everything too */
    convert(in, VLIT_FMT_LLAVA, tmp_path("c.sharegpt"), VLIT_FMT_SHAREGPT);
    back = to_jsonl(tmp_path("c.sharegpt"), VLIT_FMT_SHAREGPT, &n2);
    CHECK(n2 == 2);
    CHECK_HAS(back, "\"turns\":[{\"role\":\"user\",\"text\":\"Color?\\n<image>\"}");
    free(back);

    /* MIMIC-IT: a two-round conversation becomes two linked entries */
    convert(in, VLIT_FMT_LLAVA, tmp_path("d.mimicit"), VLIT_FMT_MIMICIT);
    char *m = read_file(tmp_path("d.mimicit"));
    CHECK_HAS(m, "\"7_T1\":{\"instruction\":\"Color?\\n<image>\",\"answer\":\"Red.\"");
    CHECK_HAS(m, "\"rel_ins_ids\":[\"7_T2\"]");
    free(m);
    back = to_jsonl(tmp_path("d.mimicit"), VLIT_FMT_MIMICIT, &n2);
    CHECK(n2 == 3);
    free(back);
    free(ref);
}

static void test_image_token(void)
{
    /* a sample without "<image>" gets it before the first user turn in LLaVA */
    const char *in = write_file("gen.jsonl", "{\"id\":\"g1\",\"image\":\"a.jpg\",\"turns\":[{\"role\":\"user\",\"text\":"
                                             "\"Describe it.\"},{\"role\":\"assistant\",\"text\":\"A dog.\"}]}\n");
    convert(in, VLIT_FMT_JSONL, tmp_path("gen.json"), VLIT_FMT_LLAVA);
    char *t = read_file(tmp_path("gen.json"));
    CHECK_HAS(t, "{\"from\":\"human\",\"value\":\"<image>\\nDescribe it.\"}");
    free(t);
}

static int skipped_calls;
static void on_skip(void *ctx, const vlit_error *why)
{
    (void)ctx;
    (void)why;
    skipped_calls++;
}

static void test_bad_records(void)
{
    const char *in = write_file("bad.jsonl", "{\"id\":\"1\",\"turns\":[]}\n"
                                             "{\"id\":\"2\",\"turns\":[{\"role\":\"user\",\"text\":5}]}\n"
                                             "{not json\n"
                                             "\n"
                                             "{\"id\":\"4\",\"turns\":[]}\n");
    vlit_reader *r;
    vlit_error err = {0};
    const vlit_sample *s;
    CHECK(vlit_reader_open(in, VLIT_FMT_JSONL, NULL, &r, &err) == VLIT_OK);
    CHECK(vlit_reader_next(r, &s, &err) == VLIT_OK);
    CHECK(vlit_reader_next(r, &s, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "bad.jsonl: line 2 (byte 22): turns[0].text must be a string");
    vlit_reader_close(r);

    vlit_reader_params p = vlit_reader_default_params();
    p.skip_bad = 1;
    p.on_skip = on_skip;
    CHECK(vlit_reader_open(in, VLIT_FMT_JSONL, &p, &r, &err) == VLIT_OK);
    int n = 0;
    while (vlit_reader_next(r, &s, &err) == VLIT_OK)
        n++;
    CHECK(n == 2);
    CHECK(vlit_reader_skipped(r) == 2 && skipped_calls == 2);
    vlit_reader_close(r);

    /* LLaVA: wrong type in element 1, named with its index and offset */
    in = write_file("bad.json", "[{\"id\":\"a\",\"conversations\":[]},\n {\"id\":\"b\",\"conversations\":{}}]");
    CHECK(vlit_reader_open(in, VLIT_FMT_LLAVA, NULL, &r, &err) == VLIT_OK);
    CHECK(vlit_reader_next(r, &s, &err) == VLIT_OK);
    CHECK(vlit_reader_next(r, &s, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "bad.json: record [1] (byte 33): field \"conversations\" must be an array, not object");
    vlit_reader_close(r);

    /* truncated LLaVA */
    in = write_file("trunc.json", "[{\"id\":\"a\",\"conversations\":[]}, {\"id\":\"b\",\"conv");
    CHECK(vlit_reader_open(in, VLIT_FMT_LLAVA, NULL, &r, &err) == VLIT_OK);
    CHECK(vlit_reader_next(r, &s, &err) == VLIT_OK);
    CHECK(vlit_reader_next(r, &s, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "trunc.json: [1] (byte");
    CHECK_HAS(err.message, "truncated JSON");
    vlit_reader_close(r);

    /* not an array */
    in = write_file("obj.json", "{\"id\":1}");
    CHECK(vlit_reader_open(in, VLIT_FMT_LLAVA, NULL, &r, &err) == VLIT_OK);
    CHECK(vlit_reader_next(r, &s, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "expected a JSON array at the top level");
    vlit_reader_close(r);

    /* non-UTF-8 */
    in = write_file("latin1.jsonl", "{\"id\":\"1\",\"turns\":[{\"role\":\"user\",\"text\":\"caf\xe9\"}]}\n");
    CHECK(vlit_reader_open(in, VLIT_FMT_JSONL, NULL, &r, &err) == VLIT_OK);
    CHECK(vlit_reader_next(r, &s, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "latin1.jsonl: line 1");
    CHECK_HAS(err.message, "UTF8");
    vlit_reader_close(r);

    CHECK(vlit_reader_open(tmp_path("missing.json"), VLIT_FMT_LLAVA, NULL, &r, &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "missing.json: cannot open");
}

static void test_writer_abort_keeps_old(void)
{
    const char *out = write_file("keep.json", "precious\n");
    vlit_writer *w;
    vlit_error err = {0};
    CHECK(vlit_writer_open(out, VLIT_FMT_LLAVA, &w, &err) == VLIT_OK);
    vlit_turn t[1] = {{"user", "hi"}};
    vlit_sample s;
    memset(&s, 0, sizeof s);
    s.id = "x";
    s.turns = t;
    s.n_turns = 1;
    s.completion = -1;
    CHECK(vlit_writer_write(w, &s, &err) == VLIT_OK);
    vlit_writer_abort(w);
    char *t2 = read_file(out);
    CHECK_STR(t2, "precious\n");
    free(t2);
    /* an empty dataset is a valid empty array */
    CHECK(vlit_writer_open(out, VLIT_FMT_LLAVA, &w, &err) == VLIT_OK);
    CHECK(vlit_writer_commit(w, &err) == VLIT_OK);
    t2 = read_file(out);
    CHECK_STR(t2, "[\n]\n");
    free(t2);
}

int main(void)
{
    test_llava_fields();
    test_round_trips();
    test_image_token();
    test_bad_records();
    test_writer_abort_keeps_old();
    cleanup_dir();
    return CHECK_DONE();
}
