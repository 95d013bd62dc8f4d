/* The config file of vlit run and the stage fingerprints (vlit/run.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <utime.h>

#include "vlit/run.h"

#include "check.h"
#include "testutil.h"

static vlit_config *parse(const char *text, vlit_error *err)
{
    vlit_config *c = NULL;
    memset(err, 0, sizeof *err);
    if (vlit_config_parse(text, strlen(text), "t.conf", &c, err) != VLIT_OK)
        return NULL;
    return c;
}

/* "section.key=value|..." of every entry, in order */
static const char *dump(const vlit_config *c)
{
    static char out[4096];
    out[0] = '\0';
    for (size_t i = 0; i < vlit_config_count(c); i++) {
        const vlit_config_entry *e = vlit_config_entry_at(c, i);
        char one[512];
        snprintf(one, sizeof one, "%s%s.%s=%s", i ? "|" : "", e->section, e->key, e->value);
        strncat(out, one, sizeof out - strlen(out) - 1);
    }
    return out;
}

static void test_grammar(void)
{
    vlit_error err;
    vlit_config *c = parse("# comment\n; another\n\n[run]\nworkdir = out\n  [ score ]  \n"
                           "indicators=a,b\n\tx-y_2 =  spaced value  \r\nflag = true\n[run]\nimage-root = /img\n",
                           &err);
    CHECK(c != NULL);
    CHECK_STR(dump(c), "run.workdir=out|score.indicators=a,b|score.x-y_2=spaced value|score.flag=true|"
                       "run.image-root=/img");
    CHECK(vlit_config_entry_at(c, 2)->line == 8);
    CHECK(vlit_config_has_section(c, "score") && vlit_config_has_section(c, "run") &&
          !vlit_config_has_section(c, "report"));
    size_t line = 99;
    CHECK(vlit_config_section_count(c) == 2);
    CHECK_STR(vlit_config_section_at(c, 0, &line), "run");
    CHECK(line == 4);
    CHECK_STR(vlit_config_section_at(c, 1, &line), "score");
    CHECK(line == 6);
    CHECK(vlit_config_section_at(c, 2, &line) == NULL);
    CHECK_STR(vlit_config_get(c, "run", "image-root"), "/img");
    CHECK(vlit_config_get(c, "run", "nothing") == NULL);
    vlit_config_free(c);

    /* repeated keys are kept in order; get returns the last */
    c = parse("[a]\nk = 1\nk = 2\n[b]\n", &err);
    CHECK_STR(dump(c), "a.k=1|a.k=2");
    CHECK_STR(vlit_config_get(c, "a", "k"), "2");
    CHECK(vlit_config_has_section(c, "b"));
    vlit_config_free(c);

    /* quoted values: spaces kept, escapes, '#' inside */
    c = parse("[a]\nk = \"  x # \\\"y\\\" \\\\ \"\nempty = \"\"\n", &err);
    CHECK_STR(vlit_config_get(c, "a", "k"), "  x # \"y\" \\ ");
    CHECK_STR(vlit_config_get(c, "a", "empty"), "");
    vlit_config_free(c);

    /* an unquoted value keeps '#' and '=' (no inline comments) */
    c = parse("[a]\nurl = http://h/x?a=b#frag\n", &err);
    CHECK_STR(vlit_config_get(c, "a", "url"), "http://h/x?a=b#frag");
    vlit_config_free(c);

    /* no final newline, CRLF, empty file */
    c = parse("[a]\r\nk = v", &err);
    CHECK_STR(dump(c), "a.k=v");
    vlit_config_free(c);
    c = parse("", &err);
    CHECK(c != NULL && vlit_config_count(c) == 0);
    vlit_config_free(c);
}

static void bad(const char *text, const char *needle)
{
    vlit_error err;
    vlit_config *c = parse(text, &err);
    CHECK(c == NULL);
    CHECK_HAS(err.message, needle);
    CHECK(err.status == VLIT_ERR_PARSE || err.status == VLIT_ERR_LIMIT);
    vlit_config_free(c);
}

static void test_errors(void)
{
    bad("k = v\n", "t.conf:1: 'k' comes before any [section]");
    bad("[a]\nk v\n", "t.conf:2: expected 'key = value'");
    bad("[a]\nKey = v\n", "t.conf:2: expected");
    bad("[a]\n = v\n", "t.conf:2: expected");
    bad("[a]\nk =\n", "t.conf:2: 'k' has no value");
    bad("[a]\nk = \"open\n", "t.conf:2: a quoted value has no closing quote");
    bad("[a]\nk = \"x\" y\n", "t.conf:2: text after the closing quote");
    bad("[a]\nk = \"\\n\"\n", "t.conf:2: in a quoted value, a backslash");
    bad("[a\n", "t.conf:1: a section header is [name]");
    bad("[a] x\n", "t.conf:1: a section header");
    bad("[]\n", "t.conf:1: a section name is");
    bad("[A]\n", "t.conf:1:");
    bad("[a]\n\n\nk = \xff\n", "t.conf:4: not valid UTF-8");
    char longkey[200];
    memset(longkey, 'k', 100);
    snprintf(longkey + 100, sizeof longkey - 100, " = v\n");
    char text[300];
    snprintf(text, sizeof text, "[a]\n%s", longkey);
    bad(text, "t.conf:2: a key of more than 64");
    /* a NUL inside the text given with its length */
    vlit_error err;
    vlit_config *c = NULL;
    CHECK(vlit_config_parse("[a]\nk = v\0w\n", 12, "t.conf", &c, &err) == VLIT_ERR_PARSE && c == NULL);
    CHECK_HAS(err.message, "t.conf:2: a NUL byte");
    /* files */
    CHECK(vlit_config_read(tmp_path("none.conf"), &c, &err) == VLIT_ERR_IO && c == NULL);
    CHECK_HAS(err.message, "none.conf: cannot open");
    CHECK(vlit_config_read(write_file("ok.conf", "[a]\nk = 1\n"), &c, &err) == VLIT_OK);
    CHECK_STR(vlit_config_get(c, "a", "k"), "1");
    vlit_config_free(c);
}

static void test_set(void)
{
    vlit_error err;
    vlit_config *c = parse("[a]\nk = 1\nj = 0\nk = 2\n", &err);
    CHECK(vlit_config_set(c, "a.k=3", &err) == VLIT_OK);
    CHECK_STR(dump(c), "a.j=0|a.k=3");
    CHECK(vlit_config_set(c, "b.new=x y", &err) == VLIT_OK);
    CHECK(vlit_config_has_section(c, "b"));
    CHECK_STR(vlit_config_get(c, "b", "new"), "x y");
    CHECK(vlit_config_set(c, "a.j=", &err) == VLIT_OK);
    CHECK_STR(dump(c), "a.k=3|b.new=x y");
    CHECK(vlit_config_set(c, "c.only=", &err) == VLIT_OK && vlit_config_has_section(c, "c"));
    CHECK(vlit_config_set(c, "noequals", &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "section.key=value");
    CHECK(vlit_config_set(c, "nodot=1", &err) == VLIT_ERR_USAGE);
    CHECK(vlit_config_set(c, "a.K=1", &err) == VLIT_ERR_USAGE);
    CHECK(vlit_config_set(c, ".k=1", &err) == VLIT_ERR_USAGE);
    CHECK(vlit_config_set(c, "a.k=\xc3", &err) == VLIT_ERR_USAGE);
    CHECK(vlit_config_set(c, "a.=1", &err) == VLIT_ERR_USAGE);
    CHECK_STR(dump(c), "a.k=3|b.new=x y");
    vlit_config_free(c);
}

static const char *fp_of(const char *text1, const char *path)
{
    static char hex[4][65];
    static int k;
    k = (k + 1) % 4;
    vlit_fingerprint *f;
    vlit_error err;
    if (vlit_fingerprint_new(&f, &err) != VLIT_OK)
        abort();
    vlit_fingerprint_add_text(f, text1);
    if (path && vlit_fingerprint_add_path(f, path, &err) != VLIT_OK)
        strcpy(hex[k], "error");
    else
        vlit_fingerprint_hex(f, hex[k]);
    vlit_fingerprint_free(f);
    return hex[k];
}

static void test_fingerprint(void)
{
    /* texts are length-prefixed */
    vlit_fingerprint *f, *g;
    vlit_error err;
    char a[65], b[65];
    CHECK(vlit_fingerprint_new(&f, &err) == VLIT_OK && vlit_fingerprint_new(&g, &err) == VLIT_OK);
    vlit_fingerprint_add_text(f, "ab");
    vlit_fingerprint_add_text(f, "c");
    vlit_fingerprint_add_text(g, "a");
    vlit_fingerprint_add_text(g, "bc");
    vlit_fingerprint_hex(f, a);
    vlit_fingerprint_hex(g, b);
    CHECK(strlen(a) == 64 && strcmp(a, b) != 0);
    /* hex does not end the digest: the same twice, and more text changes it */
    vlit_fingerprint_hex(f, b);
    CHECK_STR(a, b);
    vlit_fingerprint_add_text(f, "");
    vlit_fingerprint_hex(f, b);
    CHECK(strcmp(a, b) != 0);
    vlit_fingerprint_free(f);
    vlit_fingerprint_free(g);

    /* a file by its content: the same content = the same fingerprint,
     * whatever its time; a byte changed = another one */
    const char *p = strdup(write_file("in.txt", "hello\n"));
    char f1[65];
    strcpy(f1, fp_of("x", p));
    struct utimbuf t = {1000000, 1000000};
    CHECK(utime(p, &t) == 0);
    CHECK_STR(fp_of("x", p), f1);
    write_file("in.txt", "hellO\n");
    CHECK(strcmp(fp_of("x", p), f1) != 0);
    write_file("in.txt", "hello\n");
    CHECK_STR(fp_of("x", p), f1);
    CHECK(strcmp(fp_of("y", p), f1) != 0);
    /* missing paths are fingerprinted as missing, not an error */
    char m1[65];
    strcpy(m1, fp_of("x", tmp_path("absent")));
    CHECK(strcmp(m1, "error") != 0 && strcmp(m1, f1) != 0);
    /* a folder by its listing: a new file, a changed size or time changes it */
    const char *d = strdup(tmp_path("dir"));
    CHECK(mkdir(d, 0777) == 0);
    write_file("dir/a.jpg", "1");
    char d1[65], d2[65];
    strcpy(d1, fp_of("x", d));
    CHECK_STR(fp_of("x", d), d1);
    write_file("dir/b.jpg", "2");
    strcpy(d2, fp_of("x", d));
    CHECK(strcmp(d1, d2) != 0);
    const char *bpath = tmp_path("dir/b.jpg");
    struct utimbuf t2 = {2000000, 2000000};
    CHECK(utime(bpath, &t2) == 0);
    CHECK(strcmp(fp_of("x", d), d2) != 0);
    free((void *)p);
    free((void *)d);
}

int main(void)
{
    test_grammar();
    test_errors();
    test_set();
    test_fingerprint();
    cleanup_dir();
    return CHECK_DONE();
}
