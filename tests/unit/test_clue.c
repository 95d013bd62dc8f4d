/* src/collect/clue_*: the template loader and the renderer. */
#include <stdlib.h>

#include "vlit/vlit.h"

#include "check.h"
#include "testutil.h"

static const char *tmpl_text = "# test template\n"
                               "[header]\n== {id} {width}x{height} ==\n"
                               "[objects.title]\nObjects:\n"
                               "[object]\n{count} {name}\n"
                               "[captions.title]\nCaptions:\n"
                               "[caption]\n* {text}\n"
                               "[box]\n{name} {box}\n"
                               "[qa]\n{question} -> {answer} ({votes}/{total}) {{literal}}\n"
                               "[ocr]\n\"{text}\"{box}\n"
                               "[people]\npeople: {people_visible}/{people}\n";

static void test_render(void)
{
    vlit_clue_template *t;
    vlit_error err = {0};
    CHECK(vlit_clue_template_load(write_file("t.tmpl", tmpl_text), &t, &err) == VLIT_OK);
    const char *caps[] = {"A cup.", "Two cups."};
    const char *attrs[] = {"red"};
    vlit_clue_object objs[3] = {
        {"cup", "kitchen", {10, 20, 30, 40}, 1, 1200, 0, attrs, 1},
        {"dog", "animal", {0, 0, 50, 50}, 1, 2500, 0, NULL, 0},
        {"cup", "kitchen", {60, 20, 30, 40}, 1, 1200, 0, NULL, 0},
    };
    vlit_clue_answer ans[] = {{"red", 7}, {"pink", 3}};
    vlit_clue_qa qa[] = {{"What color?", ans, 2, "red", "vqa"}};
    vlit_clue_ocr ocr[] = {{"STOP", {5, 5, 10, 10}, 1, 1, "coco-text"}, {"??", {0, 0, 1, 1}, 1, 0, "coco-text"}};
    vlit_clue_record r = {"42", "a.jpg", 100, 200, caps, 2, objs, 3, 2, 1, 9, qa, 1, ocr, 2};
    char *text;
    CHECK(vlit_clue_render(t, &r, VLIT_BOXES_NONE, &text, &err) == VLIT_OK);
    CHECK_STR(text, "== 42 100x200 ==\n"
                    "Objects:\n2 kitchen_cup\n1 animal_dog\n"
                    "Captions:\n* A cup.\n* Two cups.\n"
                    "What color? -> red (7/10) {literal}\n"
                    "\"STOP\"\n"
                    "people: 1/2\n");
    free(text);
    CHECK(vlit_clue_render(t, &r, VLIT_BOXES_PIXEL, &text, &err) == VLIT_OK);
    CHECK_HAS(text, "kitchen_cup [10, 20, 40, 60]\nanimal_dog [0, 0, 50, 50]\nkitchen_cup [60, 20, 90, 60]\n");
    CHECK_HAS(text, "\"STOP\" [5, 5, 15, 15]\n");
    free(text);
    CHECK(vlit_clue_render(t, &r, VLIT_BOXES_NORM, &text, &err) == VLIT_OK);
    CHECK_HAS(text, "kitchen_cup [0.100, 0.100, 0.400, 0.300]\n");
    free(text);
    /* empty groups are left out */
    vlit_clue_record empty = {"7", NULL, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, NULL, 0, NULL, 0};
    CHECK(vlit_clue_render(t, &empty, VLIT_BOXES_PIXEL, &text, &err) == VLIT_OK);
    CHECK_STR(text, "== 7 0x0 ==\n");
    free(text);
    vlit_clue_template_free(t);
}

static void test_template_errors(void)
{
    vlit_clue_template *t;
    vlit_error err = {0};
    CHECK(vlit_clue_template_load(write_file("u.tmpl", "[caption]\n{nope}\n"), &t, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "u.tmpl: section [caption] (from line 1): unknown placeholder {nope}");
    CHECK(vlit_clue_template_load(write_file("s.tmpl", "[captions]\n"), &t, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "s.tmpl: line 1: unknown section [captions]");
    CHECK(vlit_clue_template_load(write_file("o.tmpl", "text\n[caption]\n"), &t, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "text before the first [section]");
    CHECK(vlit_clue_template_load(write_file("b.tmpl", "[caption]\n{text\n"), &t, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "unclosed");
    CHECK(vlit_clue_template_load(write_file("x.tmpl", "[caption]\n\xff\n"), &t, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "x.tmpl: byte 10: not valid UTF-8");
}

static void test_reader_errors(void)
{
    vlit_clue_reader *r;
    vlit_error err = {0};
    const vlit_clue_record *rec;
    const char *in = write_file("c.jsonl", "{\"id\":\"1\",\"captions\":[\"a\"]}\n{\"id\":\"2\",\"captions\":\"a\"}\n"
                                           "{\"id\":3}\n");
    CHECK(vlit_clue_reader_open(in, 0, &r, &err) == VLIT_OK);
    CHECK(vlit_clue_reader_next(r, &rec, &err) == VLIT_OK);
    CHECK(vlit_clue_reader_next(r, &rec, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "c.jsonl: line 2 (byte 28): field \"captions\" must be an array, not string");
    vlit_clue_reader_close(r);
    CHECK(vlit_clue_reader_open(in, 1, &r, &err) == VLIT_OK);
    int n = 0;
    while (vlit_clue_reader_next(r, &rec, &err) == VLIT_OK)
        n++;
    CHECK(n == 2 && vlit_clue_reader_skipped(r) == 1);
    vlit_clue_reader_close(r);
}

int main(void)
{
    test_render();
    test_template_errors();
    test_reader_errors();
    cleanup_dir();
    return CHECK_DONE();
}
