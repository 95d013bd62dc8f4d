/* src/base/json: tree building, streaming sections, limits, messages, writer. */
#include "../../src/base/json.h"

#include <stdlib.h>

#include "check.h"

static vj *parse(vlit_arena *a, const char *text, vlit_error *err)
{
    vj *v = NULL;
    memset(err, 0, sizeof *err);
    if (vj_parse(text, strlen(text), NULL, a, &v, err))
        return NULL;
    return v;
}

static void test_tree(void)
{
    vlit_arena a;
    vlit_arena_init(&a, 0);
    vlit_error err;
    vj *v = parse(&a, "{\"a\": [1, 2.5, \"x\\u00e9\"], \"b\": {\"c\": null, \"d\": true}, \"e\": -7}", &err);
    CHECK(v && v->type == VJ_OBJECT && v->len == 3);
    vj *arr = vj_get(v, "a");
    CHECK(arr && arr->type == VJ_ARRAY && arr->len == 3);
    double d;
    CHECK(vj_number(arr->items[1], &d) && d == 2.5);
    CHECK_STR(arr->items[2]->str, "x\xc3\xa9");
    CHECK(vj_get(vj_get(v, "b"), "d")->type == VJ_TRUE);
    int64_t i;
    CHECK(vj_int(vj_get(v, "e"), &i) && i == -7);
    CHECK(!vj_int(arr->items[1], &i));
    char id[16];
    CHECK(vj_id(arr->items[0], id, sizeof id) && strcmp(id, "1") == 0);
    CHECK(vj_get(v, "missing") == NULL);
    vlit_arena_free(&a);
}

static void test_errors(void)
{
    vlit_arena a;
    vlit_arena_init(&a, 0);
    vlit_error err;
    CHECK(parse(&a, "{\"a\": [1, 2", &err) == NULL);
    CHECK_HAS(err.message, "truncated");
    CHECK(parse(&a, "{\"a\" 1}", &err) == NULL);
    CHECK_HAS(err.message, "byte");
    CHECK(parse(&a, "\"\xff\xfe\"", &err) == NULL);
    CHECK_HAS(err.message, "UTF8");
    CHECK(parse(&a, "", &err) == NULL);
    CHECK(parse(&a, "1 2", &err) == NULL);
    /* string limit */
    char big[300];
    memset(big, 'x', sizeof big);
    big[0] = '"';
    big[298] = '"';
    big[299] = '\0';
    vj_limits lim = {100, 0, 0};
    vj *v;
    CHECK(vj_parse(big, strlen(big), &lim, &a, &v, &err) == VLIT_ERR_LIMIT);
    CHECK_HAS(err.message, "exceeds the limit");
    vlit_arena_free(&a);
}

static void test_stream_sections(void)
{
    const char *doc = "{\"info\": {\"x\": [1,2,3]}, \"images\": [{\"id\": 1}, {\"id\": 2}],"
                      " \"annotations\": [{\"id\": 10, \"segmentation\": [[1,2,3,4]], \"bbox\": [1,2,3,4]}],"
                      " \"anns\": {\"k1\": {\"t\": 1}, \"k2\": 5}}";
    static const char *const sections[] = {"images", "annotations", "anns", NULL};
    static const char *const skip[] = {"segmentation", NULL};
    vj_stream_params p = {0};
    p.sections = sections;
    p.skip_keys = skip;
    vj_stream *s;
    vlit_error err = {0};
    CHECK(vj_stream_open_mem(doc, strlen(doc), "doc.json", &p, &s, &err) == VLIT_OK);
    vj_elem e;
    const char *want_sec[] = {"images", "images", "annotations", "anns", "anns"};
    int n = 0;
    vlit_status st;
    while ((st = vj_stream_next(s, &e, &err)) == VLIT_OK) {
        if (n < 5)
            CHECK_STR(e.section, want_sec[n]);
        if (n == 1)
            CHECK(e.index == 1 && doc[e.offset] == '{');
        if (n == 2) {
            CHECK(vj_get(e.value, "segmentation") == NULL);
            CHECK(vj_get(e.value, "bbox") != NULL);
            CHECK(e.value->len == 2);
        }
        if (n == 3)
            CHECK_STR(e.member, "k1");
        if (n == 4)
            CHECK(e.value->type == VJ_NUMBER);
        n++;
    }
    CHECK(st == VLIT_END);
    CHECK(n == 5);
    vj_stream_close(s);

    /* a truncated stream names the section and the element */
    const char *bad = "{\"images\": [{\"id\": 1}, {\"id\": ";
    CHECK(vj_stream_open_mem(bad, strlen(bad), "bad.json", &p, &s, &err) == VLIT_OK);
    while ((st = vj_stream_next(s, &e, &err)) == VLIT_OK)
        ;
    CHECK(st == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "bad.json: images[1]");
    CHECK_HAS(err.message, "truncated");
    vj_stream_close(s);

    /* a section that is not a container */
    const char *shape = "{\"images\": 5}";
    CHECK(vj_stream_open_mem(shape, strlen(shape), "s.json", &p, &s, &err) == VLIT_OK);
    CHECK(vj_stream_next(s, &e, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "\"images\" must be an array or an object");
    vj_stream_close(s);
}

static void test_stream_root_array_large(void)
{
    /* many elements across feed slices: each arrives intact and in order */
    vlit_buf b = VLIT_BUF_INIT;
    vlit_buf_puts(&b, "[");
    for (int i = 0; i < 20000; i++)
        vlit_buf_printf(&b, "%s{\"i\": %d, \"s\": \"%0*d\"}", i ? "," : "", i, (i % 50) + 1, i);
    vlit_buf_puts(&b, "]");
    vj_stream_params p = {0};
    vj_stream *s;
    vlit_error err = {0};
    CHECK(vj_stream_open_mem(b.data, b.len, "big.json", &p, &s, &err) == VLIT_OK);
    vj_elem e;
    int n = 0, ok = 1;
    while (vj_stream_next(s, &e, &err) == VLIT_OK) {
        int64_t i;
        if (!vj_int(vj_get(e.value, "i"), &i) || i != n || e.index != (size_t)n)
            ok = 0;
        n++;
    }
    CHECK(ok);
    CHECK(n == 20000);
    vj_stream_close(s);
    vlit_buf_free(&b);
}

static void test_writer(void)
{
    vlit_buf b = VLIT_BUF_INIT;
    vj_write_cstr(&b, "a\"b\\c\n\x01\xc3\xa9");
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    vlit_buf_clear(&b);
    vj_write_num(&b, 150.59);
    vlit_buf_putc(&b, ' ');
    vj_write_num(&b, 640);
    vlit_buf_putc(&b, ' ');
    vj_write_num(&b, 0.1 + 0.2);
    CHECK_STR(b.data, "150.59 640 0.30000000000000004");
    vlit_buf_free(&b);
}

/* Numbers read through the fast path equal strtod's, and every written
 * number reads back to the same double. */
static void test_numbers(void)
{
    vlit_arena a;
    vlit_arena_init(&a, 0);
    vlit_buf b = VLIT_BUF_INIT;
    unsigned seed = 12345;
    int read_ok = 1, write_ok = 1;
    for (int i = 0; i < 200000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8;
        char text[64];
        switch (i % 4) {
        case 0: snprintf(text, sizeof text, "%u.%02u", r % 100000, r % 100); break;
        case 1: snprintf(text, sizeof text, "-%u.%u", r % 1000, r); break;
        case 2: snprintf(text, sizeof text, "%.17g", (double)r / 7.0); break;
        default: snprintf(text, sizeof text, "0.%09u%u", r % 1000, r); break;
        }
        vj node = {VJ_NUMBER, strlen(text), text, NULL, NULL};
        double got;
        if (!vj_number(&node, &got) || got != strtod(text, NULL))
            read_ok = 0;
        vlit_buf_clear(&b);
        vj_write_num(&b, got);
        if (strtod(b.data, NULL) != got)
            write_ok = 0;
    }
    CHECK(read_ok);
    CHECK(write_ok);
    vlit_buf_free(&b);
    vlit_arena_free(&a);
}

int main(void)
{
    test_numbers();
    test_tree();
    test_errors();
    test_stream_sections();
    test_stream_root_array_large();
    test_writer();
    return CHECK_DONE();
}
