/* Completion records of shards (vlit/shard.h): write and read back, checks
 * of the output (file and folder), every parse error, the settings
 * fingerprint, the checks of a set, and the merge of framed and line outputs
 * by positions (made-up parts, the expected output written by hand). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vlit/shard.h"

#include "check.h"
#include "testutil.h"

static vlit_status parse(const char *text, vlit_error *err)
{
    vlit_shard_record r;
    vlit_status st = vlit_shard_record_parse(text, strlen(text), "rec", &r, err);
    vlit_shard_record_free(&r);
    return st;
}

static const char H[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void test_roundtrip(void)
{
    const char *out = write_file("a.jsonl", "{\"x\":1}\n{\"x\":2}\n");
    vlit_shard_record r;
    vlit_error err = {0};
    vlit_shard_record_init(&r, "generate", 2, 5);
    memcpy(r.settings, H, 65);
    snprintf(r.format, sizeof r.format, "jsonl");
    CHECK(vlit_shard_record_add_group(&r, 7, 1, &err) == VLIT_OK);
    CHECK(vlit_shard_record_add_group(&r, 12, 1, &err) == VLIT_OK);
    CHECK(vlit_shard_record_add_group(&r, 12, 1, &err) == VLIT_ERR_USAGE); /* positions increase */
    r.units = 3;
    CHECK(vlit_shard_record_write(out, &r, &err) == VLIT_ERR_USAGE); /* units do not add up */
    r.units = 2;
    CHECK(vlit_shard_record_write(out, &r, &err) == VLIT_OK);
    CHECK(r.size == 16);
    /* sha256 of the two lines, computed by sha256sum */
    CHECK_STR(r.sha256, "3e6a8c3511808e1212484bc8612bb6efe37b6e1999b0d011cac0924f52184e45");
    vlit_shard_record_free(&r);

    char path[600];
    CHECK_STR(vlit_shard_record_path(out, path, sizeof path) + strlen(path) - 18, "a.jsonl.shard.json");
    char *text = read_file(path);
    CHECK_STR(
        text,
        "{\"vlit_shard\":1,\"command\":\"generate\",\"shard\":2,\"of\":5,\"settings\":\"0123456789abcdef0123456789"
        "abcdef0123456789abcdef0123456789abcdef\",\"format\":\"jsonl\",\"size\":16,\"sha256\":\"3e6a8c3511808e121248"
        "4bc8612bb6efe37b6e1999b0d011cac0924f52184e45\",\"units\":2,\"groups\":[7,1,12,1]}\n");
    free(text);

    vlit_shard_record b;
    CHECK(vlit_shard_record_read(out, &b, &err) == VLIT_OK);
    CHECK_STR(b.command, "generate");
    CHECK(b.index == 2 && b.count == 5 && b.size == 16 && b.units == 2 && b.has_groups && b.n_groups == 2);
    CHECK(b.n_groups == 2 && b.groups[0] == 7 && b.groups[1] == 1 && b.groups[2] == 12 && b.groups[3] == 1);
    CHECK(vlit_shard_record_verify(out, &b, &err) == VLIT_OK);
    write_file("a.jsonl", "{\"x\":1}\n{\"x\":3}\n"); /* same size, other content */
    CHECK(vlit_shard_record_verify(out, &b, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "content differs");
    CHECK_HAS(err.message, "shard 2/5");
    write_file("a.jsonl", "{\"x\":1}\n");
    CHECK(vlit_shard_record_verify(out, &b, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "8 bytes, its completion record says 16");
    vlit_shard_record_free(&b);

    CHECK(vlit_shard_record_remove(out, &err) == VLIT_OK);
    CHECK(vlit_shard_record_remove(out, &err) == VLIT_OK); /* none: fine */
    CHECK(vlit_shard_record_read(out, &b, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "no completion record");
    CHECK(vlit_shard_record_write("-", &r, &err) == VLIT_ERR_USAGE);
}

static void test_folder(void)
{
    const char *dir = tmp_path("part");
    CHECK(mkdir(dir, 0755) == 0);
    write_file("part/b.bin", "bb");
    write_file("part/a.txt", "a");
    vlit_shard_record r;
    vlit_error err = {0};
    vlit_shard_record_init(&r, "report", 0, 2);
    memcpy(r.settings, H, 65);
    CHECK(vlit_shard_record_write(dir, &r, &err) == VLIT_OK);
    CHECK_STR(r.format, "folder");
    CHECK(r.size == 3 && !r.has_groups);
    vlit_shard_record_free(&r);
    char slash[600];
    snprintf(slash, sizeof slash, "%s/", dir); /* "part/" has the same record */
    CHECK(vlit_shard_record_read(slash, &r, &err) == VLIT_OK);
    CHECK(vlit_shard_record_verify(dir, &r, &err) == VLIT_OK);
    write_file("part/c", "");
    CHECK(vlit_shard_record_verify(dir, &r, &err) == VLIT_ERR_DATA); /* a file more: other digest */
    vlit_shard_record_free(&r);
}

static void test_parse_errors(void)
{
    vlit_error err = {0};
    char ok[1024];
    snprintf(ok, sizeof ok,
             "{\"vlit_shard\":1,\"command\":\"collect\",\"shard\":0,\"of\":1,\"settings\":\"%s\",\"format\":\"jsonl\","
             "\"size\":0,\"sha256\":\"%s\",\"units\":0}",
             H, H);
    CHECK(parse(ok, &err) == VLIT_OK);
    struct {
        const char *from, *to, *msg;
    } cases[] = {
        {"{\"vlit_shard\":1", "[", "not a completion record"},
        {"\"vlit_shard\":1", "\"vlit_shard\":2", "version 2"},
        {"\"vlit_shard\":1", "\"vlit\":1", "no \"vlit_shard\""},
        {"\"shard\":0", "\"shard\":1", "below \"of\""},
        {"\"of\":1", "\"of\":0", "shard count"},
        {"\"shard\":0", "\"shard\":-1", "below \"of\""},
        {"\"shard\":0", "\"shard\":0.5", "below \"of\""},
        {"\"command\":\"collect\"", "\"command\":\"\"", "\"command\""},
        {"\"command\":\"collect\"", "\"command\":7", "\"command\""},
        {"\"size\":0", "\"size\":99999999999999999999999", "\"size\""},
        {"\"units\":0", "\"units\":1e3", "\"units\""},
        {"\"format\":\"jsonl\"", "\"formats\":\"jsonl\"", "\"format\""},
        {"\"units\":0", "\"units\":0,\"groups\":[1]", "pairs"},
        {"\"units\":0", "\"units\":0,\"groups\":{}", "pairs"},
        {"\"units\":0", "\"units\":2,\"groups\":[5,1,5,1]", "does not follow"},
        {"\"units\":0", "\"units\":3,\"groups\":[5,1,6,1]", "the groups hold 2 records"},
        {"\"units\":0", "\"units\":1,\"groups\":[5,\"1\"]", "non-negative integers"},
        {"\"units\":0", "\"units\":0,\"groups\":[0,18446744073709551615,1,1]", "too many units"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[1200];
        const char *at = strstr(ok, cases[k].from);
        if (!at) {
            CHECK(at != NULL);
            continue;
        }
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - ok), ok, cases[k].to, at + strlen(cases[k].from));
        memset(&err, 0, sizeof err);
        CHECK(parse(text, &err) != VLIT_OK);
        CHECK_HAS(err.message, cases[k].msg);
        CHECK_HAS(err.message, "rec");
    }
    /* settings and sha256: 64 lower-case hex digits */
    char bad[1024];
    snprintf(bad, sizeof bad, "%s", ok);
    char *s = strstr(bad, "\"settings\":\"") + 12;
    s[3] = 'A';
    CHECK(parse(bad, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "\"settings\"");
    CHECK(parse("", &err) == VLIT_ERR_PARSE);
    CHECK(parse("{\"vlit_shard\":1,", &err) == VLIT_ERR_PARSE);
}

static void test_settings(void)
{
    const char *in = write_file("in.txt", "one");
    char a[65], b[65], c[65];
    vlit_error err = {0};
    static const char *const sv[] = {"-o", "--output", "--store", NULL};
    static const char *const sf[] = {"-q", NULL};
    char *argv1[] = {"generate", "--seed", "1", (char *)in, "--shard", "0/3", "-o", "x.0", "-q", NULL};
    char *argv2[] = {"generate", "--shard=2/3", "--output=x.2", "--seed", "1", (char *)in, "--store", "s2.db", NULL};
    char *argv3[] = {"generate", "-ox.1", "--seed", "1", (char *)in, NULL};
    CHECK(vlit_shard_settings(9, argv1, sv, sf, a, &err) == VLIT_OK);
    CHECK(vlit_shard_settings(8, argv2, sv, sf, b, &err) == VLIT_OK);
    CHECK(vlit_shard_settings(5, argv3, sv, sf, c, &err) == VLIT_OK);
    CHECK_STR(a, b);
    CHECK_STR(a, c);
    char *argv4[] = {"generate", "--seed", "2", (char *)in, NULL};
    CHECK(vlit_shard_settings(4, argv4, sv, sf, b, &err) == VLIT_OK);
    CHECK(strcmp(a, b) != 0);
    write_file("in.txt", "two"); /* the input's content counts */
    CHECK(vlit_shard_settings(5, argv3, sv, sf, b, &err) == VLIT_OK);
    CHECK(strcmp(a, b) != 0);
    char *argv5[] = {"score", "--seed", "1", (char *)in, NULL}; /* the command counts */
    CHECK(vlit_shard_settings(4, argv5, sv, sf, c, &err) == VLIT_OK);
    CHECK(strcmp(b, c) != 0);
}

/* A part: content, its format and groups (position, units)..., written with
 * its record. The paths are kept to the end (tmp_path's are reused). */
static char *kept[64];
static size_t n_kept;

static const char *part(const char *name, const char *content, const char *format, unsigned i, unsigned n,
                        const uint64_t *groups, size_t n_groups)
{
    char *p = strdup(write_file(name, content));
    if (!p || n_kept == sizeof kept / sizeof kept[0])
        abort();
    kept[n_kept++] = p;
    vlit_shard_record r;
    vlit_error err = {0};
    vlit_shard_record_init(&r, "select", i, n);
    memcpy(r.settings, H, 65);
    snprintf(r.format, sizeof r.format, "%s", format);
    r.has_groups = 1;
    for (size_t g = 0; g < n_groups; g++) {
        vlit_shard_record_add_group(&r, groups[2 * g], groups[2 * g + 1], &err);
        r.units += groups[2 * g + 1];
    }
    if (vlit_shard_record_write(p, &r, &err))
        fprintf(stderr, "%s\n", err.message);
    vlit_shard_record_free(&r);
    return p;
}

static void test_merge(void)
{
    vlit_error err = {0};
    /* JSON Lines: positions 0 2 3 | 1 4 | none */
    const uint64_t g0[] = {0, 1, 2, 2}, g1[] = {1, 1, 4, 1};
    const char *l[3] = {part("l0", "a\nc\nd\n", "jsonl", 0, 3, g0, 2), part("l1", "b\ne\n", "jsonl", 1, 3, g1, 2),
                        part("l2", "", "jsonl", 2, 3, NULL, 0)};
    const char *lp[3] = {l[2], l[0], l[1]};
    char out[600];
    snprintf(out, sizeof out, "%s", tmp_path("l.out"));
    CHECK(vlit_shard_merge("select", lp, 3, out, &err) == VLIT_OK);
    char *text = read_file(out);
    CHECK_STR(text, "a\nb\nc\nd\ne\n");
    free(text);

    /* LLaVA frame: elements with commas, brackets and newlines inside strings */
    const char *j[2] = {part("j0", "[\n{\"a\":\"x,\\n]\",\"b\":[1,2]},\n{\"c\":{}}\n]\n", "llava", 0, 2, g1, 2),
                        part("j1", "[\n[\"q\",\"}\"]\n]\n", "llava", 1, 2, (const uint64_t[]){3, 1}, 1)};
    CHECK(vlit_shard_merge("select", j, 2, out, &err) == VLIT_OK);
    text = read_file(out);
    CHECK_STR(text, "[\n{\"a\":\"x,\\n]\",\"b\":[1,2]},\n[\"q\",\"}\"],\n{\"c\":{}}\n]\n");
    free(text);
    /* empty shards: the frame alone, as the writer writes it */
    const char *e[2] = {part("e0", "[\n]\n", "llava", 0, 2, NULL, 0), part("e1", "[\n]\n", "llava", 1, 2, NULL, 0)};
    CHECK(vlit_shard_merge("select", e, 2, out, &err) == VLIT_OK);
    text = read_file(out);
    CHECK_STR(text, "[\n]\n");
    free(text);
    /* MIMIC-IT: members of the data object */
    const char *mb = "{\"meta\":{\"version\":\"0.0.1\",\"time\":\"\",\"author\":\"vlit\"},\"data\":{\n";
    char m0[256], m1[256];
    snprintf(m0, sizeof m0, "%s\"k1\":{\"v\":[1]}\n}}\n", mb);
    snprintf(m1, sizeof m1, "%s\"k0\":{\"v\":0}\n}}\n", mb);
    const char *m[2] = {part("m0", m0, "mimicit", 0, 2, (const uint64_t[]){1, 1}, 1),
                        part("m1", m1, "mimicit", 1, 2, (const uint64_t[]){0, 1}, 1)};
    CHECK(vlit_shard_merge("select", m, 2, out, &err) == VLIT_OK);
    text = read_file(out);
    char want[512];
    snprintf(want, sizeof want, "%s\"k0\":{\"v\":0},\n\"k1\":{\"v\":[1]}\n}}\n", mb);
    CHECK_STR(text, want);
    free(text);

    /* the same position in two shards */
    const char *d[2] = {part("d0", "a\n", "jsonl", 0, 2, (const uint64_t[]){5, 1}, 1),
                        part("d1", "b\n", "jsonl", 1, 2, (const uint64_t[]){5, 1}, 1)};
    remove(out);
    CHECK(vlit_shard_merge("select", d, 2, out, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "position 5 is in shard 0/2");
    CHECK(read_file(out) == NULL);
    /* a record that promises more lines than the part has */
    const char *s[2] = {part("s0", "a\n", "jsonl", 0, 2, (const uint64_t[]){0, 2}, 1), l[2]};
    s[1] = part("s1", "", "jsonl", 1, 2, NULL, 0);
    CHECK(vlit_shard_merge("select", s, 2, out, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "ends after 1 records");
    /* a frame that is not the writer's */
    const char *f[1] = {part("f0", "[\n{\"a\":1}]\n", "llava", 0, 1, (const uint64_t[]){0, 1}, 1)};
    CHECK(vlit_shard_merge("select", f, 1, out, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "unbalanced");

    /* the checks of a set */
    vlit_shard_record rec[4];
    size_t order[4];
    const char *missing[2] = {l[0], l[2]};
    CHECK(vlit_shard_check_set("select", missing, 2, rec, order, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "shard 1/3 missing");
    const char *twice[3] = {l[0], l[1], l[1]};
    CHECK(vlit_shard_check_set("select", twice, 3, rec, order, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "shard 1/3 given twice");
    const char *four[4] = {l[0], l[1], l[2], l[1]};
    CHECK(vlit_shard_check_set("select", four, 4, rec, order, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "shard 1/3 given twice");
    const char *mixed[3] = {l[0], l[1], j[1]};
    CHECK(vlit_shard_check_set("select", mixed, 3, rec, order, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "shard 1/2, but");
    CHECK(vlit_shard_check_set("score", lp, 3, rec, order, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "of vlit select, not of vlit score");
    CHECK(vlit_shard_check_set("select", lp, 3, rec, order, &err) == VLIT_OK);
    CHECK(order[0] == 1 && order[1] == 2 && order[2] == 0);
    for (int k = 0; k < 3; k++)
        vlit_shard_record_free(&rec[k]);
    CHECK(vlit_shard_merge("bogus", lp, 3, out, &err) == VLIT_ERR_USAGE);

    /* one part alone */
    vlit_shard_record one;
    CHECK(vlit_shard_check_part("select", l[1], &one, &err) == VLIT_OK && one.index == 1 && one.units == 2);
    vlit_shard_record_free(&one);
    CHECK(vlit_shard_check_part("report", l[1], &one, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "not of vlit report");
    write_file("l1", "b\nE\n");
    CHECK(vlit_shard_check_part("select", l[1], &one, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "content differs");
}

int main(void)
{
    test_roundtrip();
    test_folder();
    test_parse_errors();
    test_settings();
    test_merge();
    for (size_t k = 0; k < n_kept; k++)
        free(kept[k]);
    cleanup_dir();
    return CHECK_DONE();
}
