/* vlit select: threshold parsing, percentiles against hand-computed values,
 * every rule on small made-up files (absolute and percentile thresholds,
 * missing values kept and dropped, the complexity floor, near duplicates and
 * their representative, balance by tags), the reasons file, --without, the
 * balance allocation against a brute-force minimum of the share variance on
 * many random small cases, determinism per seed, and bad inputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/random.h"
#include "vlit/select.h"

#include "check.h"
#include "testutil.h"

/* ---- pieces --------------------------------------------------------------- */

static void test_parse(void)
{
    vlit_select_threshold t = {0};
    CHECK(vlit_select_threshold_parse("0.3", &t) == VLIT_OK && t.on && !t.percentile && t.value == 0.3);
    CHECK(vlit_select_threshold_parse("p10", &t) == VLIT_OK && t.on && t.percentile && t.value == 10);
    CHECK(vlit_select_threshold_parse("-2", &t) == VLIT_OK && t.value == -2);
    CHECK(vlit_select_threshold_parse("off", &t) == VLIT_OK && !t.on);
    CHECK(vlit_select_threshold_parse("p", &t) == VLIT_ERR_USAGE);
    CHECK(vlit_select_threshold_parse("p101", &t) == VLIT_ERR_USAGE);
    CHECK(vlit_select_threshold_parse("p-1", &t) == VLIT_ERR_USAGE);
    CHECK(vlit_select_threshold_parse("0.3x", &t) == VLIT_ERR_USAGE);
    CHECK(vlit_select_threshold_parse("", &t) == VLIT_ERR_USAGE);
    CHECK(vlit_select_threshold_parse("nan", &t) == VLIT_ERR_USAGE);
    int g = -1;
    CHECK(vlit_select_group_parse("diversity", &g) == VLIT_OK && g == VLIT_SELECT_DIVERSITY);
    CHECK(vlit_select_group_parse("quality", &g) == VLIT_ERR_USAGE);
    CHECK_STR(vlit_select_rule_indicator(VLIT_RULE_IMAGE_READABILITY), "image_readability");
    CHECK(vlit_select_rule_sense(VLIT_RULE_IMAGE_READABILITY) == -1);
    CHECK(vlit_select_rule_group(VLIT_RULE_INSTRUCTION_COMPLEXITY) == VLIT_SELECT_COMPLEXITY);
}

static void test_percentile(void)
{
    /* NumPy: np.percentile([1,2,3,4], q) = 1.3 (10), 2.5 (50), 3.7 (90); unsorted input */
    double a[] = {4, 1, 3, 2};
    CHECK(fabs(vlit_select_percentile(a, 4, 10) - 1.3) < 1e-12);
    CHECK(fabs(vlit_select_percentile(a, 4, 50) - 2.5) < 1e-12);
    CHECK(fabs(vlit_select_percentile(a, 4, 90) - 3.7) < 1e-12);
    CHECK(vlit_select_percentile(a, 4, 0) == 1 && vlit_select_percentile(a, 4, 100) == 4);
    double one[] = {7};
    CHECK(vlit_select_percentile(one, 1, 37) == 7);
    double ties[] = {0, 0, 0, 0, 5};
    CHECK(vlit_select_percentile(ties, 5, 10) == 0);
}

/* ---- balance against brute force ------------------------------------------ */

/* Population variance of the shares in percent points^2, written apart from
 * the library's. */
static double variance_ref(const size_t *a, size_t k)
{
    double sum = 0;
    for (size_t t = 0; t < k; t++)
        sum += (double)a[t];
    if (sum == 0)
        return 0;
    double mean = 0;
    for (size_t t = 0; t < k; t++)
        mean += 100.0 * (double)a[t] / sum;
    mean /= (double)k;
    double q = 0;
    for (size_t t = 0; t < k; t++) {
        double d = 100.0 * (double)a[t] / sum - mean;
        q += d * d;
    }
    return q / (double)k;
}

/* The least variance over every allocation a (0 <= a[t] <= c[t], sum T),
 * enumerated. */
static void brute(const size_t *c, size_t k, size_t t, size_t *a, size_t left, double *best)
{
    if (t == k) {
        if (left == 0) {
            double v = variance_ref(a, k);
            if (v < *best)
                *best = v;
        }
        return;
    }
    for (size_t x = 0; x <= c[t] && x <= left; x++) {
        a[t] = x;
        brute(c, k, t + 1, a, left - x, best);
    }
}

static void test_balance_optimal(void)
{
    uint64_t rng = 42;
    int cases = 0, bad = 0;
    double worst = 0;
    for (int trial = 0; trial < 3000; trial++) {
        size_t k = 1 + vlit_splitmix64(&rng) % 6, c[6], a[6], tmp[6], total = 0;
        for (size_t t = 0; t < k; t++)
            total += c[t] = vlit_splitmix64(&rng) % 9;
        size_t target = total ? vlit_splitmix64(&rng) % (total + 2) : 0;
        vlit_select_allocate(c, k, target, a);
        size_t want = target < total ? target : total, got = 0;
        int ok = 1;
        for (size_t t = 0; t < k; t++) {
            got += a[t];
            ok &= a[t] <= c[t];
        }
        ok &= got == want;
        double best = INFINITY;
        brute(c, k, 0, tmp, want, &best);
        double v = vlit_select_share_variance(a, k);
        ok &= fabs(v - variance_ref(a, k)) < 1e-9 && v <= best + 1e-9;
        if (v - best > worst)
            worst = v - best;
        if (!ok && bad++ < 5) {
            fprintf(stderr, "  allocation k=%zu target=%zu:", k, target);
            for (size_t t = 0; t < k; t++)
                fprintf(stderr, " %zu/%zu", a[t], c[t]);
            fprintf(stderr, " variance %.6f, minimum %.6f\n", v, best);
        }
        cases++;
    }
    CHECK(bad == 0);
    CHECK(worst < 1e-9);
    printf("balance: %d random cases, allocation variance - brute-force minimum <= %.3g pp^2\n", cases, worst);
    /* larger counts: the variance is within 1 pp^2 of the continuous bound */
    size_t c[] = {500, 20, 130, 7, 1000, 45}, a[6];
    vlit_select_allocate(c, 6, 300, a);
    size_t s = 0;
    for (int t = 0; t < 6; t++)
        s += a[t];
    CHECK(s == 300 && a[3] == 7 && a[1] == 20 && a[5] == 45 && a[0] >= 76 && a[0] <= 77 && a[4] >= 76);
}

/* ---- whole runs on small files ---------------------------------------------- */

typedef struct spec {
    const char *id, *instruction, *response, *task;
    double tr, niqe, match, corr, ic; /* NAN = missing */
} spec;

static void put_score(FILE *fp, const char *name, const char *method, double v, int *first)
{
    fprintf(fp, "%s\"%s\":{\"method\":\"%s\",", *first ? "" : ",", name, method);
    if (isnan(v))
        fprintf(fp, "\"missing\":\"made up for the test\"}");
    else
        fprintf(fp, "\"value\":%.17g}", v);
    *first = 0;
}

/* Writes samples.jsonl, scores.jsonl and tags.jsonl for the specs. */
static void write_set(const spec *s, size_t n, char *samples, char *scores, char *tags)
{
    strcpy(samples, tmp_path("samples.jsonl"));
    strcpy(scores, tmp_path("scores.jsonl"));
    strcpy(tags, tmp_path("tags.jsonl"));
    FILE *a = fopen(samples, "wb"), *b = fopen(scores, "wb"), *c = fopen(tags, "wb");
    if (!a || !b || !c)
        abort();
    for (size_t i = 0; i < n; i++) {
        fprintf(a,
                "{\"id\":\"%s\",\"image\":\"img%zu.jpg\",\"turns\":[{\"role\":\"user\",\"text\":\"<image>\\n%s\"},"
                "{\"role\":\"assistant\",\"text\":\"%s\"}]}\n",
                s[i].id, i, s[i].instruction, s[i].response);
        fprintf(b, "{\"index\":%zu,\"id\":\"%s\",\"image\":\"img%zu.jpg\",\"scores\":{", i, s[i].id, i);
        int first = 1;
        put_score(b, "text_readability", "ngram-lm", s[i].tr, &first);
        put_score(b, "image_readability", "niqe", s[i].niqe, &first);
        put_score(b, "matching", "grounding", s[i].match, &first);
        put_score(b, "correctness", "annotation-consistency", s[i].corr, &first);
        put_score(b, "instruction_complexity", "lexicon-elements", s[i].ic, &first);
        fprintf(b, "}}\n");
        fprintf(c, "{\"position\":%zu,\"id\":\"%s\",\"task\":\"%s\",\"method\":\"rules\"}\n", i, s[i].id,
                s[i].task ? s[i].task : "other");
    }
    fclose(a);
    fclose(b);
    fclose(c);
}

/* 1 when the jsonl output holds the sample id */
static int has_id(const char *out, const char *id)
{
    char needle[128];
    snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
    return strstr(out, needle) != NULL;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; p && *p; p++)
        n += *p == '\n';
    return n;
}

/* Everything off but the rules a test sets. */
static vlit_select_params bare(void)
{
    vlit_select_params p = vlit_select_default_params();
    for (int k = 0; k < VLIT_SELECT_RULES; k++)
        p.threshold[k].on = 0;
    p.off = (1u << VLIT_SELECT_DIVERSITY) | (1u << VLIT_SELECT_BALANCE);
    p.out_format = VLIT_FMT_JSONL;
    return p;
}

static const spec base_set[] = {
    {"a", "What is the man holding?", "He holds a red umbrella.", "vqa", 0.9, 3.0, 100, 1, 5},
    {"b", "How many dogs are there?", "There are two dogs on the grass.", "counting", 0.1, 3.5, 100, 1, 4},
    {"c", "Describe the scene.", "A busy street with cars and people walking.", "detail", 0.5, 9.0, 50, 1, 1},
    {"d", "Where is the cat sitting?", "The cat sits on a wooden chair.", "vqa", NAN, 4.0, 100, 0.5, 6},
    {"e", "What colour is the bus?", "The bus is yellow.", "vqa", 0.7, 2.5, NAN, 1, 3},
};

static char *run_select(const vlit_select_params *p, const char *samples, const char *scores, vlit_select_summary *sum,
                        vlit_status *st, vlit_error *err)
{
    const char *out = tmp_path("out.jsonl");
    char outp[512];
    snprintf(outp, sizeof outp, "%s", out);
    remove(outp);
    *st = vlit_select(samples, scores, p, outp, sum, err);
    return read_file(outp);
}

static void test_usability(void)
{
    char samples[512], scores[512], tags[512];
    write_set(base_set, 5, samples, scores, tags);
    vlit_select_summary sum;
    vlit_error err = {0};
    vlit_status st;
    char reasons[512];
    snprintf(reasons, sizeof reasons, "%s", tmp_path("reasons.jsonl"));

    /* absolute floor: b (0.1) goes; d is missing and kept by default, counted */
    vlit_select_params p = bare();
    p.threshold[VLIT_RULE_TEXT_READABILITY] = (vlit_select_threshold){1, 0, 0.3, 1};
    p.reasons_path = reasons;
    char *out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK);
    CHECK(out && has_id(out, "a") && !has_id(out, "b") && has_id(out, "c") && has_id(out, "d") && has_id(out, "e"));
    CHECK(sum.samples == 5 && sum.kept == 4 && sum.dropped[VLIT_SELECT_USABILITY] == 1);
    CHECK(sum.missing[VLIT_RULE_TEXT_READABILITY] == 1 && sum.dropped_rule[VLIT_RULE_TEXT_READABILITY] == 1);
    CHECK_STR(sum.method[VLIT_RULE_TEXT_READABILITY], "ngram-lm");
    char *why = read_file(reasons);
    CHECK_STR(why, "{\"id\":\"b\",\"position\":1,\"group\":\"usability\",\"rule\":\"text_readability 0.1 < 0.3 "
                   "(ngram-lm)\"}\n");
    free(why);
    free(out);
    vlit_select_summary_free(&sum);

    /* --missing drop: d goes too, with its reason */
    p.missing_drop = 1;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && out && !has_id(out, "d") && sum.kept == 3);
    why = read_file(reasons);
    CHECK_HAS(why, "{\"id\":\"d\",\"position\":3,\"group\":\"usability\",\"rule\":\"text_readability missing");
    CHECK(count_lines(why) == 2);
    free(why);
    free(out);
    vlit_select_summary_free(&sum);

    /* percentile ceiling on NIQE: p75 of {3, 3.5, 9, 4, 2.5} = 4 -> c (9) goes */
    p = bare();
    p.threshold[VLIT_RULE_IMAGE_READABILITY] = (vlit_select_threshold){1, 1, 75, 1};
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && out && !has_id(out, "c") && sum.kept == 4);
    CHECK(fabs(sum.cut[VLIT_RULE_IMAGE_READABILITY] - 4.0) < 1e-12);
    free(out);
    vlit_select_summary_free(&sum);

    /* percentile floor on matching: p50 of {100, 100, 50, 100} = 100 -> c (50) goes, e missing kept */
    p = bare();
    p.threshold[VLIT_RULE_MATCHING] = (vlit_select_threshold){1, 1, 50, 1};
    p.threshold[VLIT_RULE_CORRECTNESS] = (vlit_select_threshold){1, 0, 0.75, 1};
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && out && !has_id(out, "c") && !has_id(out, "d") && has_id(out, "e") && sum.kept == 3);
    CHECK(sum.dropped_rule[VLIT_RULE_MATCHING] == 1 && sum.dropped_rule[VLIT_RULE_CORRECTNESS] == 1);
    CHECK(sum.missing[VLIT_RULE_MATCHING] == 1);
    free(out);
    vlit_select_summary_free(&sum);

    /* the first failing rule names the drop: c fails matching and image readability */
    p.threshold[VLIT_RULE_IMAGE_READABILITY] = (vlit_select_threshold){1, 0, 5, 1};
    p.reasons_path = reasons;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    why = read_file(reasons);
    CHECK_HAS(why, "\"id\":\"c\",\"position\":2,\"group\":\"usability\",\"rule\":\"image_readability 9 > 5 (niqe)\"");
    CHECK(sum.dropped_rule[VLIT_RULE_MATCHING] == 0 && sum.dropped_rule[VLIT_RULE_IMAGE_READABILITY] == 1);
    free(why);
    free(out);
    vlit_select_summary_free(&sum);

    /* complexity floor: c (1 element) goes to the complexity group, after usability */
    p = bare();
    p.threshold[VLIT_RULE_INSTRUCTION_COMPLEXITY] = (vlit_select_threshold){1, 0, 2, 1};
    p.reasons_path = reasons;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    why = read_file(reasons);
    CHECK(st == VLIT_OK && sum.dropped[VLIT_SELECT_COMPLEXITY] == 1 && sum.kept == 4);
    CHECK_HAS(why, "\"group\":\"complexity\",\"rule\":\"instruction_complexity 1 < 2 (lexicon-elements)\"");
    free(why);
    free(out);
    vlit_select_summary_free(&sum);
    /* ... and --without complexity keeps it */
    p.off |= 1u << VLIT_SELECT_COMPLEXITY;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && sum.kept == 5 && sum.dropped[VLIT_SELECT_COMPLEXITY] == 0);
    free(out);
    vlit_select_summary_free(&sum);

    /* a required rule whose indicator nobody scored is an error; an optional one is skipped */
    p = bare();
    p.threshold[VLIT_RULE_HALLUCINATION] = (vlit_select_threshold){1, 0, 0.5, 1};
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "hallucination");
    free(out);
    vlit_select_summary_free(&sum);
    p.threshold[VLIT_RULE_HALLUCINATION].required = 0;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && sum.kept == 5);
    free(out);
    vlit_select_summary_free(&sum);
}

static void test_diversity(void)
{
    /* a, c, d say the same; c scores best, so it stays; b and e differ */
    static const spec set[] = {
        {"a", "What is on the table?", "A red apple lies on the wooden table.", "vqa", 0.5, 3, 100, 1, 4},
        {"b", "How many people are there?", "Three people stand near the bus stop.", "counting", 0.6, 3, 100, 1, 4},
        {"c", "What is on the table?", "A red apple lies on the wooden table.", "vqa", 0.9, 3, 100, 1, 4},
        {"d", "What is on the table ?", "A red apple lies on the wooden table!", "vqa", 0.2, 3, 100, 1, 4},
        {"e", "What is on the table?", "Nothing but a newspaper and a cup of coffee.", "vqa", 0.1, 3, 100, 1, 4},
        /* equal scores: the first one stays */
        {"f", "Is it raining?", "Yes, it is raining hard.", "vqa", 0.5, 3, 100, 1, 4},
        {"g", "Is it raining?", "Yes, it is raining hard.", "vqa", 0.5, 3, 100, 1, 4},
    };
    char samples[512], scores[512], tags[512], reasons[512];
    write_set(set, 7, samples, scores, tags);
    snprintf(reasons, sizeof reasons, "%s", tmp_path("reasons.jsonl"));
    vlit_select_params p = bare();
    p.off = 1u << VLIT_SELECT_BALANCE;
    p.reasons_path = reasons;
    vlit_select_summary sum;
    vlit_error err = {0};
    vlit_status st;
    char *out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK);
    if (st)
        fprintf(stderr, "  %s\n", err.message);
    CHECK(out && !has_id(out, "a") && has_id(out, "b") && has_id(out, "c") && !has_id(out, "d") && has_id(out, "e"));
    CHECK(out && has_id(out, "f") && !has_id(out, "g"));
    CHECK(sum.dropped[VLIT_SELECT_DIVERSITY] == 3 && sum.duplicate_groups == 2 && sum.kept == 4);
    char *why = read_file(reasons);
    CHECK_HAS(why, "{\"id\":\"a\",\"position\":0,\"group\":\"diversity\",\"rule\":\"near duplicate of position 2: "
                   "instruction cosine 1.000, response cosine 1.000");
    CHECK_HAS(why, "{\"id\":\"g\",\"position\":6,\"group\":\"diversity\",\"rule\":\"near duplicate of position 5");
    free(why);
    free(out);
    vlit_select_summary_free(&sum);

    /* usability runs first: d and e go there, so diversity drops only a and g */
    p.threshold[VLIT_RULE_TEXT_READABILITY] = (vlit_select_threshold){1, 0, 0.3, 1};
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && out && !has_id(out, "d") && !has_id(out, "e") && has_id(out, "c"));
    CHECK(sum.dropped[VLIT_SELECT_USABILITY] == 2 && sum.dropped[VLIT_SELECT_DIVERSITY] == 2);
    free(out);
    vlit_select_summary_free(&sum);

    /* d differs from a and c by punctuation only, which the tokenizer drops: a duplicate even at 0.999 */
    p = bare();
    p.off = 1u << VLIT_SELECT_BALANCE;
    p.similarity = 0.999;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && out && !has_id(out, "d"));
    free(out);
    vlit_select_summary_free(&sum);
    /* a loose one merges e (same instruction, another answer) into the group only when the answers are close:
     * they are not, so e stays at 0.5 too */
    p.similarity = 0.5;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && out && has_id(out, "e"));
    free(out);
    vlit_select_summary_free(&sum);
    /* by instruction cluster only: e joins a, c, d (same question), c stays */
    p.similarity = 0.9;
    p.dedup_by = VLIT_DEDUP_INSTRUCTION;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && out && has_id(out, "c") && !has_id(out, "e") && !has_id(out, "a") && has_id(out, "b"));
    CHECK(sum.dropped[VLIT_SELECT_DIVERSITY] == 4 && sum.duplicate_groups == 2);
    free(out);
    vlit_select_summary_free(&sum);
    /* ... and within one image: every sample has its own image here, so nothing goes */
    p.dedup_same_image = 1;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && sum.dropped[VLIT_SELECT_DIVERSITY] == 0 && sum.kept == 7);
    free(out);
    vlit_select_summary_free(&sum);
}

static void test_diversity_response(void)
{
    /* the same answer to differently worded questions about one image is a near duplicate by response;
     * the same answer about another image is not, with --same-image */
    static const spec set[] = {
        {"a", "Tell me everything notable about this image.", "A dog runs along the beach at sunset.", "detail", 0.4, 3,
         100, 1, 4},
        {"b", "Describe the scene in a few words.", "A dog runs along the beach at sunset.", "detail", 0.8, 3, 100, 1,
         4},
        {"c", "What happens here?", "A dog runs along the beach at sunset.", "detail", 0.9, 3, 100, 1, 4},
    };
    char samples[512], scores[512], tags[512];
    write_set(set, 3, samples, scores, tags);
    /* give a and b the same image */
    char *text = read_file(samples);
    char *im = strstr(strstr(text, "\"id\":\"b\""), "img1.jpg");
    im[3] = '0';
    write_file("samples.jsonl", text);
    free(text);
    vlit_select_params p = bare();
    p.off = 1u << VLIT_SELECT_BALANCE;
    vlit_select_summary sum;
    vlit_error err = {0};
    vlit_status st;
    char *out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && sum.kept == 3); /* the instructions differ */
    free(out);
    vlit_select_summary_free(&sum);
    p.dedup_by = VLIT_DEDUP_RESPONSE;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && sum.kept == 1 && out && has_id(out, "c"));
    free(out);
    vlit_select_summary_free(&sum);
    p.dedup_same_image = 1;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && sum.kept == 2 && out && has_id(out, "b") && has_id(out, "c") && !has_id(out, "a"));
    free(out);
    vlit_select_summary_free(&sum);
}

static void test_balance_run(void)
{
    /* 12 vqa, 4 counting, 2 detail, target 9: water level 3 (4+... ) -> detail 2, counting 3 or 4, vqa 3 or 4 */
    spec set[18];
    static char ids[18][8], ins[18][64], res[18][64];
    for (int i = 0; i < 18; i++) {
        snprintf(ids[i], sizeof ids[i], "s%d", i);
        snprintf(ins[i], sizeof ins[i], "question number %d about thing %d", i, i * 7);
        snprintf(res[i], sizeof res[i], "answer %d says %d", i, i * 13);
        set[i] = (spec){ids[i], ins[i], res[i], i < 12 ? "vqa" : i < 16 ? "counting" : "detail", 0.5, 3, 100, 1, 4};
    }
    char samples[512], scores[512], tags[512];
    write_set(set, 18, samples, scores, tags);
    vlit_select_params p = bare();
    p.off = 1u << VLIT_SELECT_DIVERSITY;
    p.tags_path = tags;
    p.target = 9;
    p.seed = 7;
    vlit_select_summary sum;
    vlit_error err = {0};
    vlit_status st;
    char *out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK);
    if (st)
        fprintf(stderr, "  %s\n", err.message);
    CHECK(sum.kept == 9 && sum.dropped[VLIT_SELECT_BALANCE] == 9 && sum.tasks == 3 && sum.balanced);
    /* tasks in name order: counting, detail, vqa; level 3, one more for the first above it (counting) */
    CHECK(sum.tasks == 3 && strcmp(sum.shares[0].task, "counting") == 0 && sum.shares[0].before == 4 &&
          sum.shares[0].after == 4 && sum.shares[1].after == 2 && sum.shares[2].before == 12 &&
          sum.shares[2].after == 3);
    size_t before[3] = {4, 2, 12}, after[3] = {4, 2, 3};
    CHECK(fabs(sum.variance_before - variance_ref(before, 3)) < 1e-9);
    CHECK(fabs(sum.variance_after - variance_ref(after, 3)) < 1e-9);
    CHECK(sum.variance_after < sum.variance_before);
    /* determinism: the same seed picks the same samples; other seeds pick others */
    vlit_select_summary_free(&sum);
    char *again = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(out && again && strcmp(out, again) == 0);
    free(again);
    vlit_select_summary_free(&sum);
    int differs = 0;
    for (uint64_t seed = 8; seed < 14; seed++) {
        p.seed = seed;
        char *o = run_select(&p, samples, scores, &sum, &st, &err);
        differs += o && out && strcmp(o, out) != 0;
        CHECK(st == VLIT_OK && sum.kept == 9);
        free(o);
        vlit_select_summary_free(&sum);
    }
    CHECK(differs > 0);
    free(out);
    /* every vqa sample is picked by some seed (a uniform sample, not the first ones) */
    int picked[12] = {0};
    for (uint64_t seed = 0; seed < 60; seed++) {
        p.seed = seed;
        char *o = run_select(&p, samples, scores, &sum, &st, &err);
        for (int i = 0; i < 12; i++)
            picked[i] |= o && has_id(o, ids[i]);
        free(o);
        vlit_select_summary_free(&sum);
    }
    int all = 1;
    for (int i = 0; i < 12; i++)
        all &= picked[i];
    CHECK(all);
    /* --shard: the two halves hold the single run's samples, the decisions being global */
    p.seed = 7;
    char *whole = run_select(&p, samples, scores, &sum, &st, &err);
    vlit_select_summary_free(&sum);
    size_t n = 0;
    for (unsigned i = 0; i < 2; i++) {
        p.shard_index = i;
        p.shard_count = 2;
        char *o = run_select(&p, samples, scores, &sum, &st, &err);
        for (int j = 0; j < 18; j++)
            if (o && has_id(o, ids[j])) {
                n++;
                CHECK(j % 2 == (int)i && whole && has_id(whole, ids[j]));
            }
        free(o);
        vlit_select_summary_free(&sum);
    }
    CHECK(n == 9);
    free(whole);
    /* the rule tagger labels when there is no tags file */
    p = bare();
    p.off = 1u << VLIT_SELECT_DIVERSITY;
    p.target = 5;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_OK && sum.kept == 5 && sum.tasks >= 1);
    free(out);
    vlit_select_summary_free(&sum);
}

static void test_bad_input(void)
{
    char samples[512], scores[512], tags[512];
    write_set(base_set, 5, samples, scores, tags);
    vlit_select_params p = bare();
    vlit_select_summary sum;
    vlit_error err = {0};
    vlit_status st;
    /* scores of another file: an id differs */
    char *text = read_file(scores);
    char *at = strstr(text, "\"id\":\"c\"");
    at[6] = 'x';
    write_file("scores.jsonl", text);
    free(text);
    char *out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_ERR_DATA && out == NULL);
    CHECK_HAS(err.message, "record 2 has id c");
    vlit_select_summary_free(&sum);
    /* a line missing: 5 records, 4 score lines */
    write_set(base_set, 5, samples, scores, tags);
    text = read_file(scores);
    *(strstr(text, "{\"index\":4")) = '\0';
    write_file("scores.jsonl", text);
    free(text);
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "no scores line");
    free(out);
    vlit_select_summary_free(&sum);
    /* a method that changes between lines */
    write_set(base_set, 5, samples, scores, tags);
    text = read_file(scores);
    char *m = strstr(strstr(text, "\"index\":3"), "\"niqe\"");
    memcpy(m, "\"brsq\"", 6);
    write_file("scores.jsonl", text);
    free(text);
    p.threshold[VLIT_RULE_IMAGE_READABILITY] = (vlit_select_threshold){1, 0, 5, 1};
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "line 4: image_readability scored by method brsq");
    free(out);
    vlit_select_summary_free(&sum);
    /* not score output; indexes out of order */
    write_file("scores.jsonl", "{\"index\":1,\"id\":\"a\",\"scores\":{}}\n");
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "line 1: index 1 where 0 was expected");
    free(out);
    vlit_select_summary_free(&sum);
    write_file("scores.jsonl", "[1,2]\n");
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "not a line of vlit score output");
    free(out);
    vlit_select_summary_free(&sum);
    /* bad parameters */
    p.similarity = 1;
    out = run_select(&p, samples, scores, &sum, &st, &err);
    CHECK(st == VLIT_ERR_USAGE);
    free(out);
    vlit_select_summary_free(&sum);
}

int main(void)
{
    test_parse();
    test_percentile();
    test_balance_optimal();
    test_usability();
    test_diversity();
    test_diversity_response();
    test_balance_run();
    test_bad_input();
    cleanup_dir();
    return CHECK_DONE();
}
