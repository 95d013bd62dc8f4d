/* src/base: arena, buffer caps, hash map, UTF-8, lines, atomic files. */
#include "../../src/base/arena.h"
#include "../../src/base/atomic_file.h"
#include "../../src/base/buf.h"
#include "../../src/base/lines.h"
#include "../../src/base/strmap.h"
#include "../../src/base/utf8.h"

#include "check.h"
#include "testutil.h"

static void test_arena(void)
{
    vlit_arena a;
    vlit_arena_init(&a, 64);
    char *p = vlit_arena_strdup(&a, "hello");
    void *big = vlit_arena_alloc(&a, 1000); /* larger than a block */
    CHECK(p && big && strcmp(p, "hello") == 0);
    CHECK(((uintptr_t)vlit_arena_alloc(&a, 3) & 7) == 0);
    vlit_arena_reset(&a);
    CHECK(a.used == 0);
    CHECK(vlit_arena_strdup(&a, "again") != NULL);
    vlit_arena_free(&a);
}

static void test_buf(void)
{
    vlit_buf b = VLIT_BUF_INIT;
    b.max = 10;
    CHECK(vlit_buf_puts(&b, "12345") == VLIT_OK);
    CHECK(vlit_buf_puts(&b, "123456") == VLIT_ERR_LIMIT);
    CHECK_STR(b.data, "12345");
    CHECK(vlit_buf_printf(&b, "%d", 42) == VLIT_OK);
    CHECK_STR(b.data, "1234542");
    vlit_buf_free(&b);
}

static void test_strmap(void)
{
    vlit_strmap m;
    vlit_strmap_init(&m);
    int ins, ok = 1;
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        uint32_t *v = vlit_strmap_put(&m, key, strlen(key), (uint32_t)i, &ins, NULL);
        ok &= v && ins && *v == (uint32_t)i;
    }
    CHECK(ok);
    const char *stored;
    uint32_t *v = vlit_strmap_put(&m, "k77", 3, 9, &ins, &stored);
    CHECK(v && !ins && *v == 77 && strcmp(stored, "k77") == 0);
    CHECK(vlit_strmap_get(&m, "nope", 4) == NULL);
    vlit_strmap_free(&m);
}

static void test_utf8(void)
{
    size_t bad;
    CHECK(vlit_utf8_valid("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 17, &bad));
    CHECK(!vlit_utf8_valid("ab\xc3", 3, &bad) && bad == 2);
    CHECK(!vlit_utf8_valid("\xc0\xaf", 2, &bad) && bad == 0);     /* overlong */
    CHECK(!vlit_utf8_valid("x\xed\xa0\x80", 4, &bad) && bad == 1); /* surrogate */
}

static void test_lines(void)
{
    const char *p = write_file("lines.txt", "one\r\n\ntwo\nthree");
    FILE *fp = fopen(p, "rb");
    vlit_lines l;
    vlit_error err = {0};
    CHECK(vlit_lines_init(&l, fp, p, 0, &err) == VLIT_OK);
    CHECK(vlit_lines_next(&l, &err) == VLIT_OK && strcmp(l.line.data, "one") == 0 && l.offset == 0);
    CHECK(vlit_lines_next(&l, &err) == VLIT_OK && l.line.len == 0 && l.lineno == 2);
    CHECK(vlit_lines_next(&l, &err) == VLIT_OK && strcmp(l.line.data, "two") == 0 && l.offset == 6);
    CHECK(vlit_lines_next(&l, &err) == VLIT_OK && strcmp(l.line.data, "three") == 0);
    CHECK(vlit_lines_next(&l, &err) == VLIT_END);
    vlit_lines_free(&l);
    fclose(fp);

    p = write_file("long.txt", "0123456789abcdef\n");
    fp = fopen(p, "rb");
    vlit_lines_init(&l, fp, p, 8, &err);
    CHECK(vlit_lines_next(&l, &err) == VLIT_ERR_LIMIT);
    CHECK_HAS(err.message, "line 1");
    vlit_lines_free(&l);
    fclose(fp);
}

static void test_atomic(void)
{
    const char *target = write_file("target.txt", "old contents\n");
    vlit_atomic_file f;
    vlit_error err = {0};
    CHECK(vlit_atomic_open(&f, target, &err) == VLIT_OK);
    fputs("new", f.fp);
    char *mid = read_file(target);
    CHECK_STR(mid, "old contents\n"); /* untouched until commit */
    free(mid);
    vlit_atomic_abort(&f);
    char *after = read_file(target);
    CHECK_STR(after, "old contents\n");
    free(after);
    CHECK(vlit_atomic_open(&f, target, &err) == VLIT_OK);
    fputs("new", f.fp);
    CHECK(vlit_atomic_commit(&f, &err) == VLIT_OK);
    after = read_file(target);
    CHECK_STR(after, "new");
    free(after);
    CHECK(vlit_atomic_open(&f, "/nonexistent-dir/x.txt", &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "/nonexistent-dir/x.txt");
}

int main(void)
{
    test_arena();
    test_buf();
    test_strmap();
    test_utf8();
    test_lines();
    test_atomic();
    cleanup_dir();
    return CHECK_DONE();
}
