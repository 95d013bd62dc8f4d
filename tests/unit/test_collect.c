/* src/collect: the join, counts, categories, VQA answers, COCO-Text, VAW,
 * TextVQA, shards, and every kind of bad input (message + prior output kept). */
#include <stdlib.h>

#include "vlit/vlit.h"

#include "check.h"
#include "testutil.h"

#define IMAGES "\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":100,\"height\":80},"                            \
               "{\"id\":2,\"file_name\":\"b.jpg\",\"width\":50,\"height\":50}]"

static const char captions[] = "{\"info\":{},\"licenses\":[]," IMAGES ",\"annotations\":["
                               "{\"image_id\":1,\"id\":1,\"caption\":\"A red cup.\"},"
                               "{\"image_id\":2,\"id\":2,\"caption\":\"Two dogs.\"},"
                               "{\"image_id\":1,\"id\":3,\"caption\":\"A cup on a table.\"}]}";

static const char instances[] = "{" IMAGES ",\"annotations\":["
                                "{\"segmentation\":[[1,2,3,4,5,6]],\"area\":100,\"iscrowd\":0,\"image_id\":1,"
                                "\"bbox\":[10,10,20,20],\"category_id\":47,\"id\":501},"
                                "{\"segmentation\":{\"counts\":[1,2],\"size\":[50,50]},\"area\":30,\"iscrowd\":1,"
                                "\"image_id\":2,\"bbox\":[0,0,50,50],\"category_id\":18,\"id\":502},"
                                "{\"area\":30,\"iscrowd\":0,\"image_id\":2,\"bbox\":[1,1,5,5],\"category_id\":18,"
                                "\"id\":503}],"
                                "\"categories\":[{\"supercategory\":\"kitchen\",\"id\":47,\"name\":\"cup\"},"
                                "{\"supercategory\":\"animal\",\"id\":18,\"name\":\"dog\"}]}";

static const char vqa_q[] = "{\"questions\":[{\"image_id\":1,\"question\":\"What color is the cup?\","
                            "\"question_id\":11},{\"image_id\":2,\"question\":\"How many dogs?\",\"question_id\":21}]}";
static const char vqa_a[] = "{\"annotations\":[{\"question_id\":11,\"image_id\":1,\"multiple_choice_answer\":\"red\","
                            "\"answers\":[{\"answer\":\"red\"},{\"answer\":\"red\"},{\"answer\":\"pink\"},"
                            "{\"answer\":\"red\"}]},{\"question_id\":21,\"image_id\":2,\"answers\":[{\"answer\":"
                            "\"2\"},{\"answer\":\"two\"}],\"multiple_choice_answer\":\"two\"}]}";

static vlit_collect_params params(void)
{
    vlit_collect_params p = vlit_collect_default_params();
    p.coco_captions = write_file("captions.json", captions);
    p.coco_instances = write_file("instances.json", instances);
    return p;
}

static void test_join(void)
{
    vlit_collect_params p = params();
    p.vqa_questions = write_file("q.json", vqa_q);
    p.vqa_annotations = write_file("a.json", vqa_a);
    vlit_collect_summary sum;
    vlit_error err = {0};
    const char *out = tmp_path("clues.jsonl");
    CHECK(vlit_collect(&p, out, &sum, &err) == VLIT_OK);
    CHECK(sum.images == 2 && sum.captions == 3 && sum.objects == 3 && sum.qa == 2 && sum.answers == 6);
    char *text = read_file(out);
    CHECK_HAS(text, "{\"id\":\"1\",\"image\":\"a.jpg\",\"width\":100,\"height\":80,\"captions\":[\"A red cup.\","
                    "\"A cup on a table.\"],\"objects\":[{\"id\":501,\"category\":\"cup\",\"supercategory\":"
                    "\"kitchen\",\"bbox\":[10,10,20,20],\"area\":100,\"source\":\"coco-instances\"}]");
    CHECK_HAS(text, "\"answers\":[{\"answer\":\"red\",\"count\":3},{\"answer\":\"pink\",\"count\":1}],"
                    "\"majority\":\"red\"");
    /* a 1:1 tie goes to the dataset's multiple_choice_answer */
    CHECK_HAS(text, "\"majority\":\"two\"");
    CHECK_HAS(text, "\"iscrowd\":1");
    free(text);

    /* read back and render */
    vlit_clue_reader *r;
    CHECK(vlit_clue_reader_open(out, 0, &r, &err) == VLIT_OK);
    const vlit_clue_record *rec;
    CHECK(vlit_clue_reader_next(r, &rec, &err) == VLIT_OK);
    CHECK(rec->n_captions == 2 && rec->n_objects == 1 && rec->n_qa == 1 && rec->width == 100);
    CHECK_STR(rec->objects[0].supercategory, "kitchen");
    CHECK(rec->qa[0].n_answers == 2 && rec->qa[0].answers[0].count == 3);
    CHECK(vlit_clue_reader_next(r, &rec, &err) == VLIT_OK);
    CHECK(rec->n_objects == 2 && rec->objects[0].iscrowd == 1);
    CHECK(vlit_clue_reader_next(r, &rec, &err) == VLIT_END);
    vlit_clue_reader_close(r);
}

/* Inputs read on two threads give byte-identical output to one thread. */
static void test_threads_same_output(void)
{
    vlit_collect_params p = params();
    p.vqa_questions = write_file("q.json", vqa_q);
    p.vqa_annotations = write_file("a.json", vqa_a);
    p.vaw = write_file("vaw-t.json", "[{\"image_id\":\"2\",\"instance_bbox\":[1,1,5,5],\"object_name\":\"dog\","
                                     "\"positive_attributes\":[\"small\"]},{\"image_id\":\"7\",\"object_name\":\"x\","
                                     "\"positive_attributes\":[]}]");
    p.skip_bad = 1; /* image 7 is unknown: skipped on either path */
    vlit_collect_summary s1, s2;
    vlit_error err = {0};
    p.threads = 1;
    CHECK(vlit_collect(&p, tmp_path("one.jsonl"), &s1, &err) == VLIT_OK);
    p.threads = 0;
    CHECK(vlit_collect(&p, tmp_path("two.jsonl"), &s2, &err) == VLIT_OK);
    char *a = read_file(tmp_path("one.jsonl")), *b = read_file(tmp_path("two.jsonl"));
    CHECK_STR(a, b);
    CHECK(memcmp(&s1, &s2, sizeof s1) == 0);
    CHECK(s1.skipped == 1);
    free(a);
    free(b);
}

static void test_sources(void)
{
    vlit_collect_params p = vlit_collect_default_params();
    p.coco_text = write_file("ct.json",
                             "{\"cats\":{},\"imgs\":{\"9\":{\"id\":9,\"set\":\"train\",\"width\":200,\"height\":100,"
                             "\"file_name\":\"s.jpg\"}},\"anns\":{\"1\":{\"mask\":[1,2,3,4],\"class\":\"machine printed\","
                             "\"bbox\":[5,5,40,10],\"image_id\":9,\"id\":1,\"language\":\"english\",\"area\":400,"
                             "\"utf8_string\":\"STOP\",\"legibility\":\"legible\"},\"2\":{\"bbox\":[1,1,2,2],\"image_id\":9,"
                             "\"id\":2,\"legibility\":\"illegible\"}},\"imgToAnns\":{\"9\":[1,2]}}");
    p.vaw = write_file("vaw.json", "[{\"image_id\":\"9\",\"instance_id\":\"77\",\"instance_bbox\":[5,5,40,10],"
                                   "\"instance_polygon\":[[[5,5],[45,5],[45,15]]],\"object_name\":\"sign\","
                                   "\"positive_attributes\":[\"red\",\"octagonal\"],\"negative_attributes\":[\"blue\"]}]");
    p.textvqa = write_file("tv.json", "{\"data\":[{\"question\":\"what does the sign say?\",\"image_id\":\"9\","
                                      "\"answers\":[\"stop\",\"stop\",\"STOP\"],\"question_id\":5,"
                                      "\"image_width\":200,\"image_height\":100}]}");
    vlit_collect_summary sum;
    vlit_error err = {0};
    const char *out = tmp_path("src.jsonl");
    CHECK(vlit_collect(&p, out, &sum, &err) == VLIT_OK);
    CHECK(sum.images == 1 && sum.ocr_tokens == 1 && sum.qa == 1 && sum.attributes == 2 && sum.objects == 1);
    char *text = read_file(out);
    CHECK_HAS(text, "\"ocr\":[{\"text\":\"STOP\",\"bbox\":[5,5,40,10],\"legible\":true,\"source\":\"coco-text\"}]");
    CHECK_HAS(text, "{\"category\":\"sign\",\"bbox\":[5,5,40,10],\"attributes\":[\"red\",\"octagonal\"],"
                    "\"source\":\"vaw\"}");
    CHECK_HAS(text, "\"majority\":\"stop\",\"source\":\"textvqa\"");
    CHECK_HAS(text, "\"sources\":[\"coco-text\",\"vaw\",\"textvqa\"]");
    free(text);
}

static void test_keypoints_and_vaw_attach(void)
{
    vlit_collect_params p = params();
    p.coco_keypoints = write_file("kp.json", "{" IMAGES ",\"annotations\":[{\"num_keypoints\":5,\"keypoints\":[1,2,2],"
                                             "\"image_id\":1,\"id\":1},{\"num_keypoints\":0,\"image_id\":1,\"id\":2}]}");
    p.vaw = write_file("vaw2.json", "[{\"image_id\":\"1\",\"instance_id\":\"501\",\"object_name\":\"cup\","
                                    "\"positive_attributes\":[\"red\"]},{\"image_id\":\"2\",\"instance_bbox\":[1,1,5,5],"
                                    "\"object_name\":\"dog\",\"positive_attributes\":[\"small\",\"white\"]}]");
    vlit_collect_summary sum;
    vlit_error err = {0};
    CHECK(vlit_collect(&p, tmp_path("kp.jsonl"), &sum, &err) == VLIT_OK);
    CHECK(sum.keypoint_people == 2 && sum.objects == 3 && sum.attributes == 3);
    char *text = read_file(tmp_path("kp.jsonl"));
    CHECK_HAS(text, "\"keypoints\":{\"people\":2,\"people_visible\":1,\"visible\":5}");
    CHECK_HAS(text, "\"id\":501,\"category\":\"cup\",\"supercategory\":\"kitchen\",\"bbox\":[10,10,20,20],\"area\":100,"
                    "\"attributes\":[\"red\"]");
    CHECK_HAS(text, "\"id\":503,\"category\":\"dog\",\"supercategory\":\"animal\",\"bbox\":[1,1,5,5],\"area\":30,"
                    "\"attributes\":[\"small\",\"white\"]");
    free(text);
}

static void test_shards(void)
{
    /* the shards partition the images */
    size_t total = 0;
    for (unsigned i = 0; i < 3; i++) {
        vlit_collect_params p = params();
        p.shard_index = i;
        p.shard_count = 3;
        vlit_collect_summary sum;
        vlit_error err = {0};
        CHECK(vlit_collect(&p, tmp_path("shard.jsonl"), &sum, &err) == VLIT_OK);
        CHECK(sum.images + sum.outside_shard == 2);
        total += sum.images;
    }
    CHECK(total == 2);
}

/* ---- bad input: the message names file, record and offset; the output
 * that was there before is untouched ---- */

static int skips;
static void count_skip(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
    skips++;
}

static void bad_case(const char *name, const char *captions_text, const char *want1, const char *want2,
                     vlit_status want_status, int skippable)
{
    const char *prior = "prior output\n";
    const char *out = write_file("out.jsonl", prior);
    vlit_collect_params p = vlit_collect_default_params();
    p.coco_captions = write_file(name, captions_text);
    vlit_error err = {0};
    vlit_collect_summary sum;
    vlit_status st = vlit_collect(&p, out, &sum, &err);
    CHECK(st == want_status);
    if (st != want_status)
        fprintf(stderr, "  case %s: status %d: %s\n", name, st, err.message);
    CHECK_HAS(err.message, name);
    CHECK_HAS(err.message, want1);
    CHECK_HAS(err.message, want2);
    char *now = read_file(out);
    CHECK_STR(now, prior);
    free(now);
    /* with skip_bad: skippable records are skipped and counted */
    p.skip_bad = 1;
    p.on_skip = count_skip;
    skips = 0;
    st = vlit_collect(&p, out, &sum, &err);
    CHECK(skippable ? st == VLIT_OK && sum.skipped >= 1 && skips == (int)sum.skipped : st == want_status);
}

static void test_bad_input(void)
{
    const char *img = "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":10,\"height\":10}],\"annotations\":[";
    char buf[4096];

    /* truncated JSON */
    snprintf(buf, sizeof buf, "%s{\"image_id\":1,\"id\":1,\"caption\":\"a\"},{\"image_id\":1,\"id\":2,\"capt", img);
    bad_case("truncated.json", buf, "annotations[1]", "truncated JSON", VLIT_ERR_PARSE, 0);
    /* invalid JSON */
    snprintf(buf, sizeof buf, "%s{\"image_id\":1,\"id\":1,\"caption\":\"a\"} {\"x\":1}]}", img);
    bad_case("invalid.json", buf, "(byte 116)", "annotations after [0]", VLIT_ERR_PARSE, 0);
    /* wrong field type */
    snprintf(buf, sizeof buf, "%s{\"image_id\":1,\"id\":1,\"caption\":[\"a\"]}]}", img);
    bad_case("types.json", buf, "annotations[0] (byte 79)", "field \"caption\" must be a string, not array",
             VLIT_ERR_DATA, 1);
    /* unknown image id */
    snprintf(buf, sizeof buf, "%s{\"image_id\":1,\"id\":1,\"caption\":\"a\"},{\"image_id\":99,\"id\":2,\"caption\":\"b\"}]}",
             img);
    bad_case("unknown.json", buf, "annotations[1]", "image id 99 is not in any images list", VLIT_ERR_DATA, 1);
    /* non-UTF-8 */
    snprintf(buf, sizeof buf, "%s{\"image_id\":1,\"id\":1,\"caption\":\"caf\xe9\"}]}", img);
    bad_case("latin1.json", buf, "annotations[0]", "UTF8", VLIT_ERR_PARSE, 0);
    /* absurd sizes: image dimensions, and a huge caption */
    bad_case("huge-image.json",
             "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":10,\"height\":2000000000}],\"annotations\":[]}",
             "images[0] (byte 11)", "out of range", VLIT_ERR_LIMIT, 1);
    char *big = malloc(200000);
    int n = snprintf(big, 200000, "%s{\"image_id\":1,\"id\":1,\"caption\":\"", img);
    memset(big + n, 'x', 100000);
    snprintf(big + n + 100000, 200000 - (size_t)n - 100000, "\"}]}");
    bad_case("huge-caption.json", big, "annotations[0]", "more than the limit of 65536", VLIT_ERR_DATA, 1);
    free(big);
}

static void test_bad_images(void)
{
    /* missing image and a path escaping the root, with an image root */
    const char *root = tmp_path("");
    (void)root;
    const char *prior = "prior\n";
    const char *out = write_file("img-out.jsonl", prior);
    vlit_collect_params p = vlit_collect_default_params();
    p.coco_captions = write_file("imgs.json", "{\"images\":[{\"id\":1,\"file_name\":\"nothere.jpg\",\"width\":10,"
                                              "\"height\":10},{\"id\":2,\"file_name\":\"../etc/passwd\",\"width\":10,"
                                              "\"height\":10}],\"annotations\":[]}");
    p.image_root = test_dir;
    vlit_error err = {0};
    vlit_collect_summary sum;
    CHECK(vlit_collect(&p, out, &sum, &err) == VLIT_ERR_IMAGE);
    CHECK_HAS(err.message, "imgs.json: images[0] (byte 11): image 1: missing image file");
    char *now = read_file(out);
    CHECK_STR(now, prior);
    free(now);
    p.skip_bad = 1;
    CHECK(vlit_collect(&p, out, &sum, &err) == VLIT_OK);
    CHECK(sum.skipped == 2 && sum.images == 0);

    /* a corrupt image file */
    write_file("broken.jpg", "\xff\xd8\xff\xe0 not really a jpeg");
    p.coco_captions = write_file("imgs2.json", "{\"images\":[{\"id\":1,\"file_name\":\"broken.jpg\",\"width\":10,"
                                               "\"height\":10}],\"annotations\":[]}");
    p.skip_bad = 0;
    CHECK(vlit_collect(&p, out, &sum, &err) == VLIT_ERR_IMAGE);
    CHECK_HAS(err.message, "imgs2.json: images[0] (byte 11): image 1:");
    CHECK_HAS(err.message, "corrupt JPEG");

    p.coco_captions = write_file("imgs3.json", "{\"images\":[{\"id\":1,\"file_name\":\"../x.jpg\",\"width\":10,"
                                               "\"height\":10}],\"annotations\":[]}");
    CHECK(vlit_collect(&p, out, &sum, &err) == VLIT_ERR_IMAGE);
    CHECK_HAS(err.message, "escapes the image root");
}

static void test_bad_instances(void)
{
    vlit_collect_params p = vlit_collect_default_params();
    vlit_error err = {0};
    vlit_collect_summary sum;
    p.coco_instances = write_file("inst-bad.json",
                                  "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":10,\"height\":10}],"
                                  "\"annotations\":[{\"image_id\":1,\"id\":1,\"category_id\":3,\"bbox\":[1,1,50,2]}],"
                                  "\"categories\":[{\"id\":3,\"name\":\"car\",\"supercategory\":\"vehicle\"}]}");
    CHECK(vlit_collect(&p, tmp_path("o.jsonl"), &sum, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "inst-bad.json: annotations[0]");
    CHECK_HAS(err.message, "lies outside the 10x10 image");
    p.coco_instances = write_file("inst-cat.json",
                                  "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":10,\"height\":10}],"
                                  "\"annotations\":[{\"image_id\":1,\"id\":1,\"category_id\":4,\"bbox\":[1,1,5,2]}],"
                                  "\"categories\":[{\"id\":3,\"name\":\"car\",\"supercategory\":\"vehicle\"}]}");
    CHECK(vlit_collect(&p, tmp_path("o.jsonl"), &sum, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "category_id 4 is not in the file's \"categories\"");
    p.coco_instances = write_file("inst-bbox.json",
                                  "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":10,\"height\":10}],"
                                  "\"annotations\":[{\"image_id\":1,\"id\":1,\"category_id\":3,\"bbox\":[1,1,\"5\",2]}]}");
    CHECK(vlit_collect(&p, tmp_path("o.jsonl"), &sum, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "field \"bbox\" must be [x, y, w, h]");
}

int main(void)
{
    test_join();
    test_threads_same_output();
    test_sources();
    test_keypoints_and_vaw_attach();
    test_shards();
    test_bad_input();
    test_bad_images();
    test_bad_instances();
    cleanup_dir();
    return CHECK_DONE();
}
