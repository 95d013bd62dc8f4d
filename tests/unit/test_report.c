/* vlit report: exact sums, variance, equalize, per-task graph counts by hand,
 * partials merged == one process, the partial reader's errors. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/json.h"
#include "../../src/base/random.h"
#include "../../src/report/report_internal.h"
#include "vlit/report.h"

#include "check.h"
#include "testutil.h"

static void test_fsum(void)
{
    rp_fsum s = {0};
    double a[] = {1e100, 1.0, -1e100};
    for (int i = 0; i < 3; i++)
        CHECK(rp_fsum_add(&s, a[i], NULL) == VLIT_OK);
    CHECK(rp_fsum_value(&s) == 1.0);
    rp_fsum_free(&s);
    for (int i = 0; i < 10; i++)
        rp_fsum_add(&s, 0.1, NULL);
    CHECK(rp_fsum_value(&s) == 1.0); /* naive summation gives 0.9999999999999999 */
    rp_fsum_free(&s);
    /* a tie in the last place: 1 + 2^-53 + 2^-80 rounds up, 1 + 2^-53 rounds to even (1) */
    rp_fsum_add(&s, 1.0, NULL);
    rp_fsum_add(&s, ldexp(1, -53), NULL);
    CHECK(rp_fsum_value(&s) == 1.0);
    rp_fsum_add(&s, ldexp(1, -80), NULL);
    CHECK(rp_fsum_value(&s) == 1.0 + ldexp(1, -52));
    rp_fsum_free(&s);

    /* 2,000 values of wide magnitudes: every order and every split into
       merged parts gives the same bits */
    enum { N = 2000 };
    double *x = malloc(N * sizeof *x);
    uint64_t st = 7;
    for (int i = 0; i < N; i++)
        x[i] = (vlit_uniform01(&st) - 0.5) * ldexp(1, (int)(vlit_splitmix64(&st) % 120) - 60);
    rp_fsum ref = {0};
    for (int i = 0; i < N; i++)
        rp_fsum_add(&ref, x[i], NULL);
    double want = rp_fsum_value(&ref);
    int same = 1;
    for (int round = 0; round < 20; round++) {
        for (int i = N - 1; i > 0; i--) {
            int j = (int)(vlit_splitmix64(&st) % (uint64_t)(i + 1));
            double t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
        rp_fsum parts[4] = {{0}};
        for (int i = 0; i < N; i++)
            rp_fsum_add(&parts[vlit_splitmix64(&st) % 4], x[i], NULL);
        rp_fsum all = {0};
        for (int k = 3; k >= 0; k--) {
            rp_fsum_merge(&all, &parts[k], NULL);
            rp_fsum_free(&parts[k]);
        }
        double got = rp_fsum_value(&all);
        same &= memcmp(&got, &want, sizeof got) == 0;
        rp_fsum_free(&all);
    }
    CHECK(same);
    rp_fsum_free(&ref);
    free(x);
}

static void test_variance(void)
{
    double a[] = {50, 30, 20};
    CHECK(fabs(rp_variance(a, 3) - 1400.0 / 9.0) < 1e-9);
    double b[] = {25, 25, 25, 25};
    CHECK(rp_variance(b, 4) == 0);
    double c[] = {100};
    CHECK(rp_variance(c, 1) == 0);
    double d[] = {400.0 / 7.0, 300.0 / 7.0};
    CHECK(fabs(rp_variance(d, 2) - 2500.0 / 49.0) < 1e-9);
}

static int count_bits(const uint8_t *s, uint64_t n)
{
    int c = 0;
    for (uint64_t i = 0; i < n; i++)
        c += (s[i / 8] >> (i % 8)) & 1;
    return c;
}

static void test_select(void)
{
    uint8_t a[126], b[126];
    rp_select(1, 0, 1000, 100, a);
    rp_select(1, 0, 1000, 100, b);
    CHECK(memcmp(a, b, 125) == 0);
    CHECK(count_bits(a, 1000) == 100);
    rp_select(2, 0, 1000, 100, b);
    CHECK(memcmp(a, b, 125) != 0);
    rp_select(1, 1, 1000, 100, b); /* another dataset: another draw */
    CHECK(memcmp(a, b, 125) != 0);
    rp_select(5, 0, 1000, 1000, a);
    CHECK(count_bits(a, 1000) == 1000);
    rp_select(5, 0, 1000, 0, a);
    CHECK(count_bits(a, 1000) == 0);
    rp_select(5, 0, 1000, 999, a);
    CHECK(count_bits(a, 1000) == 999);
    /* uniform: position 0 and position 999 are each taken about k/n of the time */
    int first = 0, last = 0;
    for (uint64_t seed = 0; seed < 4000; seed++) {
        rp_select(seed, 0, 1000, 100, a);
        first += a[0] & 1;
        last += (a[124] >> 7) & 1;
    }
    CHECK(first > 320 && first < 480);
    CHECK(last > 320 && last < 480);
}

/* Task a: a triangle dog-cat-mouse (one cluster of 3) and an edge sun-moon (a
 * cluster of 2); task b: a star around "tree" (3 clusters of 2). */
static const char samples[] =
    "{\"id\":\"s0\",\"image\":\"i0.jpg\",\"turns\":[{\"role\":\"user\",\"text\":\"<image>\\nThe dog and the cat?\"},"
    "{\"role\":\"assistant\",\"text\":\"A dog sits next to a cat.\"}]}\n"
    "{\"id\":\"s1\",\"image\":\"i1.jpg\",\"turns\":[{\"role\":\"user\",\"text\":\"Is the CAT near 3 mice, mouse?\"},"
    "{\"role\":\"assistant\",\"text\":\"The cat is near the mouse.\"}]}\n"
    "{\"id\":\"s2\",\"image\":\"i0.jpg\",\"turns\":[{\"role\":\"user\",\"text\":\"dog, mouse\"},"
    "{\"role\":\"assistant\",\"text\":\"A dog chases a mouse.\"}]}\n"
    "{\"id\":\"s3\",\"image\":\"i2.jpg\",\"turns\":[{\"role\":\"user\",\"text\":\"sun moon\"},"
    "{\"role\":\"assistant\",\"text\":\"Sun and moon.\"}]}\n"
    "{\"id\":\"s4\",\"image\":\"i2.jpg\",\"turns\":[{\"role\":\"user\",\"text\":\"tree apple\"},"
    "{\"role\":\"assistant\",\"text\":\"An apple tree.\"}]}\n"
    "{\"id\":\"s5\",\"image\":\"i3.jpg\",\"turns\":[{\"role\":\"user\",\"text\":\"tree pear\"},"
    "{\"role\":\"assistant\",\"text\":\"A pear tree.\"}]}\n"
    "{\"id\":\"s6\",\"image\":\"i3.jpg\",\"turns\":[{\"role\":\"user\",\"text\":\"tree plum\"},"
    "{\"role\":\"assistant\",\"text\":\"A plum tree.\"}]}\n";

static const char tags[] = "{\"position\":0,\"id\":\"s0\",\"task\":\"a\",\"method\":\"rules\"}\n"
                           "{\"position\":1,\"id\":\"s1\",\"task\":\"a\",\"method\":\"rules\"}\n"
                           "{\"position\":2,\"id\":\"s2\",\"task\":\"a\",\"method\":\"rules\"}\n"
                           "{\"position\":3,\"id\":\"s3\",\"task\":\"a\",\"method\":\"rules\"}\n"
                           "{\"position\":4,\"id\":\"s4\",\"task\":\"b\",\"method\":\"rules\"}\n"
                           "{\"position\":5,\"id\":\"s5\",\"task\":\"b\",\"method\":\"rules\"}\n"
                           "{\"position\":6,\"id\":\"s6\",\"task\":\"b\",\"method\":\"rules\"}\n";

static const char scores[] =
    "{\"index\":0,\"id\":\"s0\",\"scores\":{\"text_readability\":{\"method\":\"ngram-lm\",\"value\":0.5}}}\n"
    "{\"index\":1,\"id\":\"s1\",\"scores\":{\"text_readability\":{\"method\":\"ngram-lm\",\"value\":0.25}}}\n"
    "{\"index\":2,\"id\":\"s2\",\"scores\":{\"text_readability\":{\"method\":\"ngram-lm\",\"missing\":\"why\"}}}\n"
    "{\"index\":4,\"id\":\"s4\",\"scores\":{\"text_readability\":{\"method\":\"ngram-lm\",\"value\":1}}}\n"
    "{\"index\":5,\"id\":\"s5\",\"scores\":{\"text_readability\":{\"method\":\"ngram-lm\",\"value\":0.1}}}\n"
    "{\"index\":6,\"id\":\"s6\",\"scores\":{\"text_readability\":{\"method\":\"ngram-lm\",\"value\":0.1}}}\n";

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, fp) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b)
        b[n] = 0;
    fclose(fp);
    *len = (size_t)n;
    return b;
}

static const vj *indicator(const vj *doc, size_t d, const char *key)
{
    vj *ds = vj_get(doc, "datasets");
    vj *inds = ds && d < ds->len ? vj_get(ds->items[d], "indicators") : NULL;
    for (size_t i = 0; inds && i < inds->len; i++) {
        vj *k = vj_get(inds->items[i], "key");
        if (k && vj_is_text(k) && strcmp(k->str, key) == 0)
            return inds->items[i];
    }
    return NULL;
}

static double num(const vj *o, const char *key)
{
    double x = NAN;
    if (o)
        vj_number(vj_get(o, key), &x);
    return x;
}

static void test_tiny_report(void)
{
    vlit_report_dataset ds = {0};
    ds.path = strdup(write_file("tiny.jsonl", samples)); /* tmp_path buffers rotate */
    ds.format = VLIT_FMT_JSONL;
    ds.name = "tiny";
    ds.tags_path = strdup(write_file("tiny.tags.jsonl", tags));
    ds.scores_path = strdup(write_file("tiny.scores.jsonl", scores));
    vlit_report_params p = vlit_report_default_params();
    p.data_dir = VLIT_DATA_DIR;
    p.min_samples_text = 2;
    vlit_error err = {0};
    char *whole = strdup(tmp_path("tiny.json"));
    vlit_status st = vlit_report(&ds, 1, &p, VLIT_REPORT_JSON, whole, &err);
    CHECK(st == VLIT_OK);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    size_t len = 0;
    char *text = slurp(whole, &len);
    CHECK(text != NULL);
    if (!text)
        return;
    vlit_arena a;
    vlit_arena_init(&a, 0);
    vj *doc = NULL;
    CHECK(vj_parse(text, len, NULL, &a, &doc, &err) == VLIT_OK);
    const vj *id = indicator(doc, 0, "instruction_diversity");
    CHECK(id != NULL);
    vj *per = id ? vj_get(id, "per_task") : NULL;
    CHECK(num(per, "a") == 2); /* {cat, dog, mice, mouse} ("3" is left out) and {moon, sun} */
    CHECK(num(per, "b") == 3);
    CHECK(num(id, "value") == 2.5);
    CHECK(num(indicator(doc, 0, "tasks"), "value") == 2);
    CHECK(fabs(num(indicator(doc, 0, "balance"), "value") - 2500.0 / 49.0) < 1e-9);
    const vj *tr = indicator(doc, 0, "text_readability");
    CHECK(num(tr, "n") == 5);
    CHECK(num(tr, "missing") == 2); /* one "missing", one sample without a line */
    CHECK(fabs(num(tr, "value") - 1.95 / 5) < 1e-15);
    vj *worst = tr ? vj_get(tr, "worst") : NULL;
    CHECK(worst && worst->len == 5);
    if (worst && worst->len == 5) {
        CHECK(num(worst->items[0], "position") == 5); /* 0.1 twice: the earlier first */
        CHECK(num(worst->items[1], "position") == 6);
        CHECK(num(worst->items[4], "position") == 4);
    }
    vj *hist = tr ? vj_get(tr, "histogram") : NULL;
    vj *counts = hist ? vj_get(hist, "counts") : NULL;
    CHECK(counts && counts->len == RP_BINS);
    if (counts && counts->len == RP_BINS) {
        double c2 = 0, c5 = 0, c10 = 0, c19 = 0;
        vj_number(counts->items[2], &c2);
        vj_number(counts->items[5], &c5);
        vj_number(counts->items[10], &c10);
        vj_number(counts->items[19], &c19);
        CHECK(c2 == 2 && c5 == 1 && c10 == 1 && c19 == 1);
    }
    CHECK(num(indicator(doc, 0, "object_diversity"), "value") != num(indicator(doc, 0, "object_diversity"), "value"));
    vlit_arena_free(&a);

    /* min cluster 3: only the triangle of task a is left */
    p.min_cluster = 3;
    CHECK(vlit_report(&ds, 1, &p, VLIT_REPORT_JSON, tmp_path("tiny3.json"), &err) == VLIT_OK);
    size_t len3;
    char *t3 = slurp(tmp_path("tiny3.json"), &len3);
    CHECK(t3 && strstr(t3, "\"per_task\":{\"a\":1,\"b\":0}"));
    free(t3);
    p.min_cluster = 2;

    /* 3 shards merged give the same bytes, in any order of the partials */
    const char *parts[3];
    char names[3][64];
    for (unsigned i = 0; i < 3; i++) {
        snprintf(names[i], sizeof names[i], "part%u", i);
        parts[2 - i] = strdup(tmp_path(names[i]));
        vlit_report_params q = p;
        q.shard_index = i;
        q.shard_count = 3;
        st = vlit_report_partial(&ds, 1, &q, parts[2 - i], &err);
        CHECK(st == VLIT_OK);
        if (st)
            fprintf(stderr, "%s\n", err.message);
    }
    char *merged = strdup(tmp_path("merged.json"));
    st = vlit_report_merge(parts, 3, &p, VLIT_REPORT_JSON, merged, &err);
    CHECK(st == VLIT_OK);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    size_t mlen = 0;
    char *mtext = slurp(merged, &mlen);
    CHECK(mtext && mlen == len && memcmp(mtext, text, len) == 0);
    free(mtext);
    /* a shard missing, a shard twice */
    CHECK(vlit_report_merge(parts, 2, &p, VLIT_REPORT_JSON, merged, &err) == VLIT_ERR_USAGE);
    const char *twice[3] = {parts[0], parts[0], parts[1]};
    CHECK(vlit_report_merge(twice, 3, &p, VLIT_REPORT_JSON, merged, &err) == VLIT_ERR_USAGE);
    /* --shard without --partial is refused by vlit_report */
    vlit_report_params q = p;
    q.shard_count = 2;
    CHECK(vlit_report(&ds, 1, &q, VLIT_REPORT_JSON, merged, &err) == VLIT_ERR_USAGE);
    free(text);

    /* equalize: two datasets, the larger cut to the smaller's size, the same each time */
    vlit_report_dataset two[2] = {ds, ds};
    two[1].path =
        strdup(write_file("small.jsonl", "{\"id\":\"x\",\"turns\":[{\"role\":\"user\",\"text\":\"dog cat\"}]}\n"
                                         "{\"id\":\"y\",\"turns\":[{\"role\":\"user\",\"text\":\"cat mouse\"}]}\n"));
    two[1].name = "small";
    two[1].tags_path = NULL;
    two[1].scores_path = NULL;
    p.equalize = 1;
    CHECK(vlit_report(two, 2, &p, VLIT_REPORT_JSON, tmp_path("eq1.json"), &err) == VLIT_OK);
    CHECK(vlit_report(two, 2, &p, VLIT_REPORT_JSON, tmp_path("eq2.json"), &err) == VLIT_OK);
    size_t l1, l2;
    char *e1 = slurp(tmp_path("eq1.json"), &l1), *e2 = slurp(tmp_path("eq2.json"), &l2);
    CHECK(e1 && e2 && l1 == l2 && memcmp(e1, e2, l1) == 0);
    CHECK(e1 && strstr(e1, "\"samples\":2,\"records\":7,\"skipped\":0,\"equalized_to\":2"));
    free(e1);
    free(e2);
    free((char *)two[1].path);
    for (int i = 0; i < 3; i++)
        free((char *)parts[i]);
    free(merged);
    free(whole);
    free((char *)ds.path);
    free((char *)ds.tags_path);
    free((char *)ds.scores_path);
}

static void test_partial_errors(void)
{
    static const char *bad[] = {
        "",
        "not json\n",
        "{\"vlit_report_partial\":2,\"shard\":0,\"shards\":1}\n",
        "{\"vlit_report_partial\":1,\"shard\":1,\"shards\":1,\"options\":{},\"datasets\":[]}\n",
        "{\"vlit_report_partial\":1,\"shard\":0,\"shards\":1,\"options\":{},\"datasets\":[{}]}\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rp_run run;
        vlit_error err = {0};
        rp_run_init(&run, NULL, &err);
        CHECK(rp_add_partial(&run, bad[i], strlen(bad[i]), "/nonexistent", "m", &err) != VLIT_OK);
        CHECK(err.message[0] != 0);
        rp_run_free(&run);
    }
}

int main(void)
{
    test_fsum();
    test_variance();
    test_select();
    test_tiny_report();
    test_partial_errors();
    return CHECK_DONE();
}
