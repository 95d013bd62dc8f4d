/* The report's HTML page (src/report/report_html.c): escaping of untrusted
 * text, the page's structure (one column per dataset, one chart per
 * histogram / cluster-size list / task-share list), missing values, number
 * formatting, errors naming the place in the document, and the atomic
 * output.
 *
 * With arguments it is the helper of tests/integration/report_html.sh
 * instead: `test_report_html REPORT.json OUT.html` renders one document
 * (until `vlit report --from-json` exists), and `test_report_html
 * --png-stats SHOT.png` prints "WIDTH HEIGHT COLOURS INKED" for a
 * screenshot, read with the project's PNG reader: the number of distinct
 * RGB colours and the share of pixels that are not the top-left pixel's
 * colour (the page background). */
#include <stdlib.h>
#include <string.h>

#include "../../src/base/utf8.h"
#include "../../src/io/image.h"
#include "../../src/report/report_html.h"

#include "check.h"
#include "testutil.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)); p += len)
        n++;
    return n;
}

/* renders text; NULL on failure (err filled) */
static char *page(const char *json, vlit_status *st, vlit_error *err)
{
    char *html = NULL;
    size_t len = 0;
    *st = vlit_report_html_mem(json, strlen(json), &html, &len, err);
    if (*st == VLIT_OK && strlen(html) != len) {
        free(html);
        return NULL;
    }
    return html;
}

static char *ok_page(const char *json)
{
    vlit_status st;
    vlit_error err = {0};
    char *html = page(json, &st, &err);
    if (st)
        fprintf(stderr, "unexpected error: %s\n", err.message);
    CHECK(st == VLIT_OK && html);
    return html;
}

#define DOC(datasets) "{\"vlit_report\":1,\"vlit_version\":\"9.9\",\"options\":{\"seed\":1},\"datasets\":[" datasets "]}"

static void test_escaping(void)
{
    const char *doc = DOC(
        "{\"name\":\"a<b>&\\\"c'\",\"samples\":3,\"task_shares\":[{\"task\":\"<i>t</i>\",\"count\":3,\"share\":100}],"
        "\"indicators\":[{\"key\":\"text_readability\",\"principle\":1,\"level\":\"sample\",\"value\":0.5,"
        "\"unit\":\"<u>\",\"method\":\"m & <m>\",\"n\":3,\"missing\":0,"
        "\"histogram\":{\"edges\":[0,0.5,1],\"counts\":[1,2]},"
        "\"worst\":[{\"id\":\"<id>\",\"position\":2,\"value\":0.1,"
        "\"text\":\"<script>alert(\\\"x\\\")</script> & 'q' caf\\u00e9 \\u0007\\u0000!\"}]}]}");
    char *html = ok_page(doc);
    if (!html)
        return;
    CHECK(strstr(html, "<script") == NULL);
    CHECK(strstr(html, "<i>t</i>") == NULL);
    CHECK(strstr(html, "<u>") == NULL);
    CHECK_HAS(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; caf\xc3\xa9 \xEF\xBF\xBD\xEF\xBF\xBD!");
    CHECK_HAS(html, "data-dataset=\"a&lt;b&gt;&amp;&quot;c&#39;\"");
    CHECK_HAS(html, "&lt;i&gt;t&lt;/i&gt;");
    CHECK_HAS(html, "m &amp; &lt;m&gt;");
    CHECK_HAS(html, "&lt;id&gt;");
    CHECK(vlit_utf8_valid(html, strlen(html), NULL));
    free(html);
}

/* bytes the JSON layer lets through that are not well-formed UTF-8 (an
 * overlong E0 91 9A, found by fuzz_report_html) become U+FFFD */
static void test_bad_utf8(void)
{
    const char *doc = DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"value\":1,"
                          "\"worst\":[{\"id\":\"x\",\"value\":0,\"text\":\"ab\xe0\x91\x9a" "cd\"}]}]}");
    vlit_status st;
    vlit_error err = {0};
    char *html = page(doc, &st, &err);
    CHECK(st == VLIT_OK || st == VLIT_ERR_PARSE);
    if (html) {
        CHECK(vlit_utf8_valid(html, strlen(html), NULL));
        CHECK_HAS(html, "ab\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "cd");
        free(html);
    }
}

/* long texts are cut on a code point boundary, with the length and a
 * longer tooltip */
static void test_truncation(void)
{
    size_t n = 1000;
    char *text = malloc(n * 2 + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(text + 2 * i, "\xc3\xa9", 2); /* 1000 x e-acute, 2 bytes each */
    text[2 * n] = '\0';
    char *doc = malloc(4 * n + 1024);
    sprintf(doc,
            DOC("{\"name\":\"d\",\"indicators\":[{\"key\":\"k\",\"value\":1,\"worst\":[{\"id\":7,\"value\":0,"
                "\"text\":\"%s\"}]}]}"),
            text);
    char *html = ok_page(doc);
    if (html) {
        CHECK(vlit_utf8_valid(html, strlen(html), NULL));
        CHECK_HAS(html, "(1000 characters)");
        /* the cell shows exactly 320 code points, then an ellipsis */
        char *want = malloc(n * 2 + 16);
        memcpy(want, ">", 1);
        for (size_t i = 0; i < 320; i++)
            memcpy(want + 1 + 2 * i, "\xc3\xa9", 2);
        memcpy(want + 1 + 640, "\xE2\x80\xA6 <span", 9);
        want[1 + 640 + 9] = '\0';
        CHECK_HAS(html, want);
        free(want);
        CHECK_HAS(html, "<td class=\"n\">1</td><td>7</td>"); /* a numeric id */
        free(html);
    }
    free(doc);
    free(text);
}

static void test_structure(void)
{
    /* two datasets: a has a histogram, cluster sizes, per-task values and
     * task shares; b has the indicator without a histogram (null value) and
     * no task shares; c lacks it altogether */
    const char *doc = DOC(
        "{\"name\":\"a\",\"samples\":10,\"task_shares\":[{\"task\":\"x\",\"count\":3,\"share\":30},"
        "{\"task\":\"y\",\"count\":7,\"share\":70}],\"indicators\":["
        "{\"key\":\"balance\",\"principle\":10,\"value\":400,\"unit\":\"pp\",\"method\":\"exact\"},"
        "{\"key\":\"r\",\"principle\":1,\"level\":\"sample\",\"value\":0.47123,\"method\":\"lm\","
        "\"histogram\":{\"edges\":[0,1,2,3],\"counts\":[1,0,4]}},"
        "{\"key\":\"rd\",\"principle\":5,\"value\":158000,\"clusters\":3,\"noise_share\":0.125,"
        "\"cluster_sizes\":[2,50,9]},"
        "{\"key\":\"id\",\"principle\":4,\"value\":12.4,\"per_task\":{\"x\":3,\"y\":null,\"z\":5}}]},"
        "{\"name\":\"b\",\"indicators\":[{\"key\":\"r\",\"principle\":1,\"value\":null,"
        "\"missing\":\"no LM: <none>\",\"method\":\"lm\"},{\"key\":\"rd\",\"value\":2}]},"
        "{\"name\":\"c\",\"task_shares\":[],\"indicators\":[]}");
    char *html = ok_page(doc);
    if (!html)
        return;
    CHECK(count(html, "data-chart=\"histogram\"") == 1);
    CHECK(count(html, "data-chart=\"cluster_sizes\"") == 1);
    CHECK(count(html, "data-chart=\"per_task\"") == 1);
    CHECK(count(html, "data-chart=\"task_shares\"") == 2); /* a, and c's empty list */
    CHECK(count(html, "<svg ") == 5);
    CHECK(count(html, "<svg ") == count(html, "</svg>"));
    CHECK(count(html, "<svg ") == count(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart="));
    CHECK_HAS(html, "data-chart=\"histogram\" data-dataset=\"a\" data-indicator=\"r\"");
    CHECK_HAS(html, "data-chart=\"task_shares\" data-dataset=\"a\" data-indicator=\"task_shares\"");
    CHECK(count(html, "<title>") == count(html, "</title>"));
    /* every chart has an accessible title right after its opening tag */
    for (const char *p = html; (p = strstr(p, "<svg ")); p++) {
        const char *end = strchr(p, '>');
        CHECK(end && strncmp(end + 1, "<title>", 7) == 0);
    }
    /* one column per dataset, one row per distinct key */
    CHECK(count(html, "<th data-dataset=") == 3);
    CHECK(count(html, "<tr data-indicator=") == 4);
    /* rows by principle: r (1), id (4), rd (5), balance (10) */
    const char *r = strstr(html, "<tr data-indicator=\"r\""), *id = strstr(html, "<tr data-indicator=\"id\""),
               *rd = strstr(html, "<tr data-indicator=\"rd\""), *bal = strstr(html, "<tr data-indicator=\"balance\"");
    CHECK(r && id && rd && bal && r < id && id < rd && rd < bal);
    CHECK_HAS(html, "Principle 10 &middot; Balance");
    /* numbers */
    CHECK_HAS(html, "<span class=\"num\">0.471</span>");
    CHECK_HAS(html, "<span class=\"num\">12.4</span>");
    CHECK_HAS(html, "<span class=\"num\">158\xE2\x80\xAF" "000</span>");
    CHECK_HAS(html, "<span class=\"num\">400</span>");
    CHECK_HAS(html, "noise 12.5%");
    CHECK_HAS(html, "noise: 12.5% of samples");
    /* missing values: a dash with the reason as tooltip, and absent ones */
    CHECK_HAS(html, "title=\"missing: no LM: &lt;none&gt;\">&mdash;</span>");
    CHECK_HAS(html, "title=\"not in this dataset&#39;s report\">&mdash;</span>");
    CHECK_HAS(html, "no histogram: no LM: &lt;none&gt;");
    /* cluster sizes are drawn largest first: 50, 9, 2 */
    const char *c1 = strstr(html, "cluster 1: 50 samples"), *c3 = strstr(html, "cluster 3: 2 samples");
    CHECK(c1 && c3 && c1 < c3);
    /* task shares largest first; null per-task values have no bar */
    const char *ty = strstr(html, "<title>y: 70% (7)</title>"), *tx = strstr(html, "<title>x: 30% (3)</title>");
    CHECK(ty && tx && ty < tx);
    CHECK(strstr(html, "<title>y: ") == ty);
    CHECK_HAS(html, "<title>z: 5</title>");
    CHECK(vlit_utf8_valid(html, strlen(html), NULL));
    CHECK(strstr(html, "http://") == strstr(html, "http://www.w3.org/2000/svg")); /* nothing fetched */
    CHECK(strstr(html, "src=") == NULL && strstr(html, "<link") == NULL && strstr(html, "@import") == NULL);
    free(html);
}

/* what vlit report writes for sample-level indicators: a count of samples
 * without a value, and why (missing_reason) */
static void test_missing_reason(void)
{
    const char *doc = DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"x\",\"value\":0.5,\"n\":8,\"missing\":2,"
                          "\"missing_reason\":\"first (sample 3): no image <x>\"},"
                          "{\"key\":\"y\",\"value\":null,\"n\":0,\"missing\":10,\"missing_reason\":\"no LM\"},"
                          "{\"key\":\"z\",\"value\":1,\"n\":10,\"missing\":0,\"missing_reason\":\"unused\"}]}");
    char *html = ok_page(doc);
    if (!html)
        return;
    CHECK_HAS(html, "n = 8 &middot; <span class=\"missing\" title=\"first (sample 3): no image &lt;x&gt;\">2 missing</span>");
    CHECK_HAS(html, "title=\"missing: no LM\">&mdash;</span>");
    CHECK_HAS(html, "n = 10 &middot; 0 missing</div>");
    free(html);
}

static void test_many_tasks(void)
{
    /* 45 tasks: 39 bars and one "6 more" bar */
    char doc[8192], *p = doc;
    p += sprintf(p, "{\"vlit_report\":1,\"datasets\":[{\"name\":\"d\",\"indicators\":[],\"task_shares\":[");
    for (int i = 0; i < 45; i++)
        p += sprintf(p, "%s{\"task\":\"t%02d\",\"count\":%d,\"share\":%g}", i ? "," : "", i, 45 - i, (45 - i) / 10.35);
    sprintf(p, "]}]}");
    char *html = ok_page(doc);
    if (!html)
        return;
    CHECK(count(html, "<rect ") == 40);
    CHECK_HAS(html, ">6 more</text>");
    CHECK_HAS(html, ">t00</text>");
    CHECK(strstr(html, ">t39</text>") == NULL);
    free(html);
}

static void check_error(const char *json, vlit_status want, const char *needle)
{
    vlit_status st;
    vlit_error err = {0};
    char *html = page(json, &st, &err);
    CHECK(st == want);
    CHECK(html == NULL);
    CHECK_HAS(err.message, "report JSON: ");
    CHECK_HAS(err.message, needle);
}

static void test_errors(void)
{
    check_error("{\"vlit_report\":1,", VLIT_ERR_PARSE, "byte");
    check_error("", VLIT_ERR_PARSE, "empty");
    check_error("[1]", VLIT_ERR_DATA, "document: expected an object, found array");
    check_error("{\"datasets\":[]}", VLIT_ERR_DATA, "vlit_report: missing: not a vlit report document");
    check_error("{\"vlit_report\":2,\"datasets\":[]}", VLIT_ERR_DATA, "format 2 is not supported");
    check_error("{\"vlit_report\":1}", VLIT_ERR_DATA, "datasets: missing");
    check_error("{\"vlit_report\":1,\"datasets\":[]}", VLIT_ERR_DATA, "datasets: empty");
    check_error(DOC("{\"samples\":1,\"indicators\":[]}"), VLIT_ERR_DATA, "datasets[0].name: missing");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[]},{\"name\":\"a\",\"indicators\":[]}"), VLIT_ERR_DATA,
                "datasets[1]: name \"a\" is used twice (also by datasets[0])");
    check_error(DOC("{\"name\":\"a\"}"), VLIT_ERR_DATA, "datasets[0] (\"a\").indicators: missing");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\"},{\"key\":\"k\"}]}"), VLIT_ERR_DATA,
                "datasets[0] (\"a\").indicators[1]: key \"k\" appears twice");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"value\":\"high\"}]}"), VLIT_ERR_DATA,
                "datasets[0] (\"a\").indicators[0] (\"k\").value: expected a number, found string");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"histogram\":{\"edges\":[0,1,2],"
                    "\"counts\":[1,\"2\"]}}]}"),
                VLIT_ERR_DATA, "indicators[0] (\"k\").histogram.counts[1]: expected a number, found string");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"histogram\":{\"edges\":[0,1,2],"
                    "\"counts\":[1]}}]}"),
                VLIT_ERR_DATA, "histogram: 3 edges need 2 counts, found 1");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"histogram\":{\"edges\":[0,1,1],"
                    "\"counts\":[1,1]}}]}"),
                VLIT_ERR_DATA, "histogram.edges[2]: edges must increase");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"histogram\":{\"edges\":[-1e308,1e308],"
                    "\"counts\":[1]}}]}"),
                VLIT_ERR_DATA, "too wide");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"value\":1e999}]}"), VLIT_ERR_DATA,
                "value: 1e999 is not a finite number");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"noise_share\":12}]}"), VLIT_ERR_DATA,
                "noise_share: 12 is out of range [0, 1]");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"cluster_sizes\":[3,-1]}]}"), VLIT_ERR_DATA,
                "cluster_sizes[1]: -1 is out of range");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"missing\":true}]}"), VLIT_ERR_DATA,
                "missing: expected a reason (string) or a count (number), found boolean");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"worst\":[{\"text\":3}]}]}"), VLIT_ERR_DATA,
                "worst[0]: text: expected a string, found number");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"principle\":2.5}]}"), VLIT_ERR_DATA,
                "principle: 2.5 is not a whole number");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[],\"task_shares\":[{\"task\":\"t\",\"count\":1}]}"),
                VLIT_ERR_DATA, "datasets[0] (\"a\").task_shares[0].share: missing");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[],\"task_shares\":[{\"task\":\"t\",\"share\":101}]}"),
                VLIT_ERR_DATA, "share: 101 is out of range [0, 100]");
    check_error(DOC("{\"name\":\"a\",\"indicators\":[7]}"), VLIT_ERR_DATA,
                "datasets[0] (\"a\").indicators[0]: expected an object, found number");
}

static void test_output_file(void)
{
    const char *path = tmp_path("page.html");
    const char *good = DOC("{\"name\":\"a\",\"indicators\":[{\"key\":\"k\",\"value\":1}]}");
    vlit_error err = {0};
    CHECK(vlit_report_html(good, strlen(good), path, &err) == VLIT_OK);
    char *first = read_file(path);
    CHECK(first && strncmp(first, "<!DOCTYPE html>", 15) == 0);
    CHECK(first && strstr(first, "</html>\n") && first[strlen(first) - 1] == '\n');
    /* a bad document leaves the previous page as it was, and no temp file */
    const char *bad = "{\"vlit_report\":1,\"datasets\":[{\"name\":3}]}";
    CHECK(vlit_report_html(bad, strlen(bad), path, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "datasets[0].name: expected a string, found number");
    char *second = read_file(path);
    CHECK(first && second && strcmp(first, second) == 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", test_dir);
    CHECK(system(cmd) == 0);
    CHECK(vlit_report_html(good, strlen(good), "/nonexistent-dir/x.html", &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "/nonexistent-dir/x.html");
    free(first);
    free(second);
}

/* The fixtures render, with as many charts as their JSON asks for (counted
 * here by hand from the fixture generator's rules, checked independently in
 * tests/integration/report_html.sh from the JSON itself). */
static void test_fixtures(void)
{
    static const struct {
        const char *file;
        size_t datasets, hist;
    } fx[] = {{"one.json", 1, 3}, {"three.json", 3, 8}, {"missing.json", 2, 5}, {"hostile.json", 2, 6}, {"six.json", 6, 17}};
    for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/tests/fixtures/report/%s", VLIT_SOURCE_DIR, fx[i].file);
        char *json = read_file(path);
        CHECK(json != NULL);
        if (!json)
            continue;
        char *html = ok_page(json);
        if (html) {
            CHECK(count(html, "<th data-dataset=") == fx[i].datasets);
            CHECK(count(html, "data-chart=\"histogram\"") == fx[i].hist);
            CHECK(count(html, "data-chart=\"task_shares\"") == fx[i].datasets);
            CHECK(strstr(html, "<script") == NULL);
            CHECK(vlit_utf8_valid(html, strlen(html), NULL));
            free(html);
        }
        free(json);
    }
}

static int render_file(const char *in, const char *outp)
{
    char *json = read_file(in);
    if (!json) {
        fprintf(stderr, "%s: cannot read\n", in);
        return 1;
    }
    vlit_error err = {0};
    vlit_status st = vlit_report_html(json, strlen(json), outp, &err);
    free(json);
    if (st) {
        fprintf(stderr, "%s: %s\n", in, err.message);
        return 1;
    }
    return 0;
}

static int png_stats(const char *path)
{
    vlit_image img = {0};
    vlit_error err = {0};
    if (vlit_image_load(path, &img, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    unsigned char *seen = calloc((size_t)1 << 21, 1); /* one bit per 24-bit colour */
    if (!seen)
        abort();
    size_t n = (size_t)img.width * (size_t)img.height, colours = 0, inked = 0;
    uint32_t bg = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = img.pixels + i * (size_t)img.channels;
        uint32_t c = img.channels == 3 ? (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2] : (uint32_t)p[0] * 0x010101u;
        if (i == 0)
            bg = c;
        inked += c != bg;
        if (!(seen[c >> 3] & (1u << (c & 7)))) {
            seen[c >> 3] |= (unsigned char)(1u << (c & 7));
            colours++;
        }
    }
    printf("%d %d %zu %.4f\n", img.width, img.height, colours, n ? (double)inked / (double)n : 0.0);
    free(seen);
    vlit_image_free(&img);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--png-stats") == 0)
        return png_stats(argv[2]);
    if (argc == 3)
        return render_file(argv[1], argv[2]);
    test_escaping();
    test_truncation();
    test_bad_utf8();
    test_structure();
    test_missing_reason();
    test_many_tasks();
    test_errors();
    test_output_file();
    test_fixtures();
    cleanup_dir();
    return CHECK_DONE();
}
