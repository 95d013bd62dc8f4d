/* src/backends/lm_*: the tokeniser; the ARPA backoff rules on hand-computed
 * models of orders 1-3; errors of the ARPA reader; the binary form (same
 * log-probs, damaged files refused or harmless); the Kneser-Ney trainer
 * (hand-computed tiny models, every history's distribution sums to 1,
 * train -> ARPA -> binary gives the same scores); text files. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/backends/lm_model.h"
#include "../../src/base/random.h"
#include "check.h"
#include "testutil.h"
#include "vlit/vlit.h"

#ifndef VLIT_DATA_DIR
#define VLIT_DATA_DIR "data"
#endif
#define FIXTURES VLIT_DATA_DIR "/../tests/fixtures/"

#define NEAR(a, b, tol) (fabs((double)(a) - (double)(b)) <= (tol))

/* ---- tokeniser ---- */

/* The tokens of text joined by '|'. */
static const char *tokens_of(const char *text)
{
    static char out[4096];
    char tok[VLIT_LM_TOKEN_MAX];
    size_t pos = 0, n, at = 0;
    out[0] = '\0';
    while ((n = vlit_lm_next_token(text, strlen(text), &pos, tok)) > 0)
        at += (size_t)snprintf(out + at, sizeof out - at, "%s%s", at ? "|" : "", tok);
    return out;
}

static void test_tokenize(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"A dog's T-shirt costs $3.50, really!!!", "a|dog's|t-shirt|costs|$|3.50|,|really|!!!"},
        {"don\xe2\x80\x99t \xe2\x80\x9cquote\xe2\x80\x9d \xe2\x80\x94 wait\xe2\x80\xa6",
         "don't|\"|quote|\"|-|wait|..."},
        {"e.g. 1,000 people, 2.5.", "e|.|g|.|1,000|people|,|2.5|."},
        {"Caf\xc3\xa9 na\xc3\xafve \xc3\x89T\xc3\x89", "caf\xc3\xa9|na\xc3\xafve|\xc3\x89t\xc3\x89"},
        {" \t\r\n ", ""},
        {"'quoted' -dash- a--b", "'|quoted|'|-|dash|-|a|--|b"},
        {"What is in the image?\nThe cat (black) sits.", "what|is|in|the|image|?|the|cat|(|black|)|sits|."},
        {"x\xe2\x80", "x\xe2\x80"}, /* a cut-off UTF-8 character stays part of the word */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = tokens_of(cases[i].in);
        CHECK_STR(got, cases[i].want);
        /* tokenising the tokens again changes nothing */
        char joined[4096];
        snprintf(joined, sizeof joined, "%s", got);
        for (char *p = joined; *p; p++)
            if (*p == '|')
                *p = ' ';
        CHECK_STR(tokens_of(joined), got);
    }
    /* long tokens are cut to VLIT_LM_TOKEN_MAX - 1 bytes at a character boundary */
    char long_ascii[400], long_utf8[400];
    memset(long_ascii, 'A', 300);
    long_ascii[300] = '\0';
    for (int i = 0; i < 150; i++)
        memcpy(long_utf8 + 2 * i, "\xc3\xa9", 2);
    long_utf8[300] = '\0';
    char tok[VLIT_LM_TOKEN_MAX];
    size_t pos = 0;
    CHECK(vlit_lm_next_token(long_ascii, 300, &pos, tok) == VLIT_LM_TOKEN_MAX - 1 && pos == 300 && tok[0] == 'a');
    pos = 0;
    size_t n = vlit_lm_next_token(long_utf8, 300, &pos, tok);
    CHECK(n == VLIT_LM_TOKEN_MAX - 2 && pos == 300 && strlen(tok) == n); /* 63 whole characters */
    CHECK(vlit_lm_next_token(long_utf8, 300, &pos, tok) == 0);
}

/* ---- the ARPA rules, by hand ---- */

static vlit_lm *open_text(const char *name, const char *arpa)
{
    vlit_lm *lm = NULL;
    vlit_error err = {0};
    if (vlit_lm_open(write_file(name, arpa), &lm, &err) != VLIT_OK)
        fprintf(stderr, "%s: %s\n", name, err.message);
    return lm;
}

/* log10 p(words[k] | <s> words[0..k)) */
static double word_lp(const vlit_lm *lm, const char *const *words, size_t k, vlit_lm_word_kind *kind)
{
    vlit_lm_state s;
    vlit_lm_state_begin(lm, &s);
    double lp = 0;
    for (size_t i = 0; i <= k; i++)
        lp = vlit_lm_state_next(lm, &s, words[i], strlen(words[i]), kind);
    return lp;
}

static double end_lp(const vlit_lm *lm, const char *const *words, size_t n)
{
    vlit_lm_state s;
    vlit_lm_state_begin(lm, &s);
    for (size_t i = 0; i < n; i++)
        vlit_lm_state_next(lm, &s, words[i], strlen(words[i]), NULL);
    return vlit_lm_state_end(lm, &s);
}

static void check_tiny(const vlit_lm *lm)
{
    vlit_lm_word_kind kind;
    const char *s1[] = {"a", "b", "c", "dog's"};
    CHECK(NEAR(word_lp(lm, s1, 0, &kind), -0.3, 1e-6) && kind == VLIT_LM_KNOWN); /* <s> a */
    CHECK(NEAR(word_lp(lm, s1, 1, NULL), -0.1, 1e-6));                           /* <s> a b */
    CHECK(NEAR(word_lp(lm, s1, 2, NULL), -0.05, 1e-6));                          /* a b c */
    CHECK(NEAR(word_lp(lm, s1, 3, NULL), -0.02, 1e-6));                          /* b c dog's */
    /* </s> after "c dog's": no trigram, bow(c dog's) = -0.05; no bigram "dog's </s>",
     * bow(dog's) = -0.25; p(</s>) = -0.8 */
    CHECK(NEAR(end_lp(lm, s1, 4), -0.05 - 0.25 - 0.8, 1e-6));
    const char *s2[] = {"a", "c", "b"};
    /* "<s> a c": bow(<s> a) -0.4 + [no "a c": bow(a) -0.3 + p(c) -0.9] */
    CHECK(NEAR(word_lp(lm, s2, 1, NULL), -1.6, 1e-6));
    /* "a c b": "a c" not listed (bow 0); no "c b": bow(c) -0.1 + p(b) -0.7 */
    CHECK(NEAR(word_lp(lm, s2, 2, NULL), -0.8, 1e-6));
    CHECK(NEAR(end_lp(lm, s2, 3), -0.5, 1e-6)); /* "c b </s>" -> "b </s>" (bow(c b) = 0) */
    const char *s3[] = {"x", "a", "b"};
    /* an unknown word is <unk>: bow(<s>) -0.5 + p(<unk>) -1.0 */
    CHECK(NEAR(word_lp(lm, s3, 0, &kind), -1.5, 1e-6) && kind == VLIT_LM_OOV_UNK);
    CHECK(NEAR(word_lp(lm, s3, 1, NULL), -0.6, 1e-6)); /* bow(<unk>) 0, no "<unk> a": p(a) */
    CHECK(NEAR(word_lp(lm, s3, 2, NULL), -0.4, 1e-6)); /* "<unk> a b" absent, bow 0; "a b" */
    CHECK(NEAR(end_lp(lm, s3, 3), -0.15 - 0.5, 1e-6)); /* bow(a b) + p(</s> | b) */
    const char *s4[] = {"A", "b"};                     /* words are matched as given: "A" is not "a" */
    CHECK(NEAR(word_lp(lm, s4, 0, &kind), -1.5, 1e-6) && kind == VLIT_LM_OOV_UNK);

    /* sentences: text is tokenised, </s> added, sums and counts */
    vlit_lm_stats st = {0};
    vlit_lm_score_text(lm, "A b C dog's", 11, &st);
    CHECK(st.sentences == 1 && st.words == 4 && st.oov == 0 && st.tokens == 5);
    CHECK(NEAR(st.logprob, -0.3 - 0.1 - 0.05 - 0.02 - 1.1, 1e-6));
    vlit_lm_score_text(lm, "x a b", 5, &st);
    CHECK(st.sentences == 2 && st.words == 7 && st.oov == 1 && st.oov_scored == 1 && st.tokens == 9);
    CHECK(NEAR(st.logprob, -1.57 - 3.15, 1e-6) && NEAR(st.oov_logprob, -1.5, 1e-6));
    CHECK(NEAR(vlit_lm_perplexity(&st), pow(10, 4.72 / 9), 1e-6));
    CHECK(NEAR(vlit_lm_perplexity_without_oov(&st), pow(10, 3.22 / 8), 1e-6));
    vlit_lm_score_text(lm, " \t ", 3, &st); /* no tokens: no sentence */
    CHECK(st.sentences == 2);
    vlit_lm_stats st2 = {0};
    const char *toks[] = {"a", "b", "c", "dog's"};
    vlit_lm_score_tokens(lm, toks, 4, &st2);
    CHECK(NEAR(st2.logprob, -1.57, 1e-6) && st2.tokens == 5);
}

static const char no_unk_unigram[] = "\\data\\\nngram 1=3\n\n\\1-grams:\n-0.5 a\n-0.3 </s>\n-99 <s>\n\\end\\\n";

/* A model whose file lacks the prefix "x y" of the trigram "x y z": "x y" is
 * then a context with backoff 0 and no probability of its own. Also: spaces
 * and tabs mixed, CRLF line ends, a backoff weight on the highest order. */
static const char implied[] =
    "\\data\\\r\nngram 1=5\r\nngram  2 = 2\r\nngram 3=1\r\n\r\n\\1-grams:\r\n"
    "-1 <unk>\r\n-99\t<s>  -0.2\r\n-0.5 </s>\r\n-0.6\tx\t-0.3\r\n-0.7 y -0.4\r\n"
    "\r\n\\2-grams:\r\n-0.2 <s> x\r\n-0.1 y </s>\r\n\\3-grams:\r\n-0.05 x y x 0\r\n\\end\\\r\n";

static void test_arpa_rules(void)
{
    vlit_lm *lm = NULL;
    vlit_error err = {0};
    CHECK(vlit_lm_open(FIXTURES "lm_tiny.arpa", &lm, &err) == VLIT_OK);
    if (lm) {
        vlit_lm_info info;
        vlit_lm_get_info(lm, &info);
        CHECK(info.order == 3 && info.vocab_size == 7 && info.ngrams[1] == 7 && info.ngrams[2] == 6 &&
              info.ngrams[3] == 3 && info.has_unk && !info.binary && info.implied[2] == 0);
        check_tiny(lm);
        vlit_lm_close(lm);
    }

    /* order 1, no <unk>: OOVs are left out (SRILM), known words get p(w) */
    lm = open_text("uni.arpa", no_unk_unigram);
    CHECK(lm != NULL);
    if (lm) {
        vlit_lm_stats st = {0};
        vlit_lm_score_text(lm, "a zz a", 6, &st);
        CHECK(st.words == 3 && st.oov == 1 && st.oov_scored == 0 && st.tokens == 3);
        CHECK(NEAR(st.logprob, -0.5 - 0.5 - 0.3, 1e-6));
        vlit_lm_word_kind kind;
        vlit_lm_state s;
        vlit_lm_state_begin(lm, &s);
        CHECK(vlit_lm_state_next(lm, &s, "zz", 2, &kind) == 0.0 && kind == VLIT_LM_OOV_SKIPPED);
        vlit_lm_close(lm);
    }

    lm = open_text("implied.arpa", implied);
    CHECK(lm != NULL);
    if (lm) {
        vlit_lm_info info;
        vlit_lm_get_info(lm, &info);
        CHECK(info.ngrams[2] == 2 && info.implied[2] == 1 && info.ngrams[3] == 1);
        const char *w[] = {"x", "y", "x", "y"};
        CHECK(NEAR(word_lp(lm, w, 0, NULL), -0.2, 1e-6));       /* <s> x */
        CHECK(NEAR(word_lp(lm, w, 1, NULL), -0.3 - 0.7, 1e-6)); /* "x y" not listed: bow(x) + p(y) */
        CHECK(NEAR(word_lp(lm, w, 2, NULL), -0.05, 1e-6));      /* x y x */
        /* "y x y": no trigram; "y x" absent (bow 0); "x y" implied, no prob: bow(x) + p(y) */
        CHECK(NEAR(word_lp(lm, w, 3, NULL), -0.3 - 0.7, 1e-6));
        /* </s> after "x y": "x y" has backoff 0, then "y </s>" */
        CHECK(NEAR(end_lp(lm, w, 2), -0.1, 1e-6));
        vlit_lm_close(lm);
    }
}

/* ---- ARPA errors ---- */

static void expect_error(const char *name, const char *text, vlit_status want, const char *needle)
{
    vlit_lm *lm = (vlit_lm *)1;
    vlit_error err = {0};
    const char *path = write_file(name, text);
    vlit_status st = vlit_lm_open(path, &lm, &err);
    CHECK(st == want && lm == NULL);
    if (st != want)
        fprintf(stderr, "  %s: status %d, want %d: %s\n", name, st, want, err.message);
    CHECK_HAS(err.message, needle);
    CHECK_HAS(err.message, name); /* the message names the file */
    if (st == VLIT_OK)
        vlit_lm_close(lm);
}

#define HEAD2 "\\data\\\nngram 1=3\nngram 2=2\n\n\\1-grams:\n-1 <s>\n-1 a -0.5\n-1 </s>\n\n\\2-grams:\n"

static void test_arpa_errors(void)
{
    expect_error("e_count.arpa", HEAD2 "-0.5 <s> a\n\\end\\\n", VLIT_ERR_PARSE,
                 "line 12: the header says ngram 2=2, but \\2-grams: (line 10) has 1 n-grams");
    expect_error("e_count2.arpa", HEAD2 "-0.5 <s> a\n-0.5 a </s>\n-0.1 a a\n\\end\\\n", VLIT_ERR_PARSE,
                 "has 3 n-grams");
    expect_error("e_number.arpa", HEAD2 "-0.5 <s> a\nabc a </s>\n\\end\\\n", VLIT_ERR_PARSE,
                 "line 12: bad log10 probability 'abc'");
    expect_error("e_nan.arpa", HEAD2 "-0.5 <s> a\n-0.5 a </s> nan\n\\end\\\n", VLIT_ERR_PARSE,
                 "bad log10 backoff weight 'nan'");
    expect_error("e_hex.arpa", HEAD2 "-0.5 <s> a\n-0x1p-2 a </s>\n\\end\\\n", VLIT_ERR_PARSE, "bad log10 probability");
    expect_error("e_positive.arpa", HEAD2 "-0.5 <s> a\n0.5 a </s>\n\\end\\\n", VLIT_ERR_DATA, "above 0");
    expect_error("e_length.arpa", HEAD2 "-0.5 <s> a\n-0.5 a </s> a -1\n\\end\\\n", VLIT_ERR_PARSE,
                 "line 12: a 2-gram line needs a log10 probability, 2 words and an optional backoff weight: "
                 "found more than 4 fields");
    expect_error("e_short.arpa", HEAD2 "-0.5 <s> a\n-0.5 a\n\\end\\\n", VLIT_ERR_PARSE, "found 2 fields");
    expect_error("e_unknown.arpa", HEAD2 "-0.5 <s> a\n-0.5 a b\n\\end\\\n", VLIT_ERR_DATA,
                 "the word 'b' of this 2-gram is not among the 1-grams");
    expect_error("e_dup.arpa", HEAD2 "-0.5 <s> a\n-0.4 <s>  a\n\\end\\\n", VLIT_ERR_DATA,
                 "line 12: the 2-gram '<s>  a' is listed twice");
    expect_error("e_dup1.arpa", "\\data\\\nngram 1=2\n\\1-grams:\n-1 a\n-1 a\n\\end\\\n", VLIT_ERR_DATA,
                 "line 5: the 1-gram 'a' is listed twice");
    expect_error("e_missing.arpa", "\\data\\\nngram 1=1\nngram 2=0\nngram 3=0\n\\1-grams:\n-1 a\n\\2-grams:\n\\end\\\n",
                 VLIT_ERR_PARSE, "line 8: expected the section \\3-grams:, found '\\end\\'");
    expect_error("e_truncated.arpa", HEAD2 "-0.5 <s> a\n-0.5 a </s>\n", VLIT_ERR_PARSE,
                 "ends inside \\2-grams: (line 10) without \\end\\: truncated?");
    expect_error("e_extra.arpa", HEAD2 "-0.5 <s> a\n-0.5 a </s>\n\\3-grams:\n-1 a a a\n\\end\\\n", VLIT_ERR_PARSE,
                 "a section \\3-grams: that the header does not announce");
    expect_error("e_utf8.arpa", HEAD2 "-0.5 <s> a\n-0.5 a \xff\n\\end\\\n", VLIT_ERR_PARSE,
                 "line 12: not UTF-8 (byte 8 of the line)");
    expect_error("e_nodata.arpa", "hello\nworld\n", VLIT_ERR_PARSE, "no \\data\\ line: not an ARPA file");
    expect_error("e_empty.arpa", "", VLIT_ERR_PARSE, "not an ARPA file (empty)");
    expect_error("e_header.arpa", "\\data\\\nngram 1=2\nngram 3=1\n", VLIT_ERR_PARSE,
                 "line 3: 'ngram 3=' follows 'ngram 1=': the orders must be 1, 2, 3, ...");
    expect_error("e_header2.arpa", "\\data\\\nngrams 1=2\n", VLIT_ERR_PARSE, "expected 'ngram N=COUNT'");
    expect_error("e_header3.arpa", "\\data\\\n\\1-grams:\n", VLIT_ERR_PARSE, "no 'ngram N=COUNT' lines");
    expect_error("e_count_neg.arpa", "\\data\\\nngram 1=-2\n", VLIT_ERR_PARSE, "bad n-gram count");
    expect_error("e_order.arpa",
                 "\\data\\\nngram 1=1\nngram 2=1\nngram 3=1\nngram 4=1\nngram 5=1\nngram 6=1\nngram 7=1\nngram "
                 "8=1\nngram 9=1\nngram 10=1\nngram 11=1\n",
                 VLIT_ERR_LIMIT, "order 11 is above the maximum of 10");
    expect_error("e_huge.arpa", "\\data\\\nngram 1=99999999999999\n", VLIT_ERR_LIMIT, "more than the limit");
    {
        static const char nul[] = HEAD2 "-0.5 <s> a\n-0.5 a </s>\0\n\\end\\\n";
        FILE *fp = fopen(tmp_path("e_nul.arpa"), "wb");
        fwrite(nul, 1, sizeof nul - 1, fp);
        fclose(fp);
        vlit_lm *lm;
        vlit_error err = {0};
        CHECK(vlit_lm_open(tmp_path("e_nul.arpa"), &lm, &err) == VLIT_ERR_PARSE);
        CHECK_HAS(err.message, "line 12: a NUL byte in the line");
    }
    /* a header that promises many n-grams reserves nothing: the count is
     * checked when the section ends */
    expect_error("e_promise.arpa", "\\data\\\nngram 1=1000000000\n\\1-grams:\n-1 a\n\\end\\\n", VLIT_ERR_PARSE,
                 "the header says ngram 1=1000000000");
    vlit_lm *lm;
    vlit_error err = {0};
    CHECK(vlit_lm_open(tmp_path("does-not-exist.arpa"), &lm, &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "cannot open");
}

/* ---- binary form ---- */

/* Scores each line of text with both models; 1 if the sums are identical. */
static int same_scores(const vlit_lm *a, const vlit_lm *b, const char *text)
{
    int same = 1;
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        vlit_lm_stats sa = {0}, sb = {0};
        vlit_lm_score_text(a, line, len, &sa);
        vlit_lm_score_text(b, line, len, &sb);
        if (sa.logprob != sb.logprob || sa.tokens != sb.tokens || sa.oov != sb.oov) {
            fprintf(stderr, "  differ on '%.*s': %.9f %.9f\n", (int)len, line, sa.logprob, sb.logprob);
            same = 0;
        }
        line += len + (end != NULL);
    }
    return same;
}

static const char sentences[] = "a b c dog's\na c b\nx a b\nc c c c c a b\ndog's dog's b c dog's\nzz\nb\n"
                                "the dog runs\nA B C\n";

static void test_binary(void)
{
    vlit_error err = {0};
    const char *bin = tmp_path("tiny.bin");
    CHECK(vlit_lm_build_binary(FIXTURES "lm_tiny.arpa", bin, &err) == VLIT_OK);
    vlit_lm *arpa = NULL, *lm = NULL;
    CHECK(vlit_lm_open(FIXTURES "lm_tiny.arpa", &arpa, &err) == VLIT_OK);
    CHECK(vlit_lm_open(bin, &lm, &err) == VLIT_OK);
    if (!arpa || !lm) {
        vlit_lm_close(arpa);
        vlit_lm_close(lm);
        return;
    }
    vlit_lm_info info;
    vlit_lm_get_info(lm, &info);
    CHECK(info.binary && info.order == 3 && info.vocab_size == 7 && info.ngrams[3] == 3);
    check_tiny(lm);
    CHECK(same_scores(arpa, lm, sentences));
    vlit_lm_close(lm);

    /* the fixture the fuzz harness starts from is what build writes today */
    char *want = read_file(FIXTURES "lm_tiny.bin"), *got = read_file(bin);
    FILE *fp = fopen(bin, "rb");
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    CHECK(want && got && memcmp(want, got, (size_t)size) == 0);
    if (!want || !got || memcmp(want, got, (size_t)size) != 0)
        fprintf(stderr, "  tests/fixtures/lm_tiny.bin is stale: vlit lm build tests/fixtures/lm_tiny.arpa "
                        "tests/fixtures/lm_tiny.bin\n");
    free(want);

    /* building from the binary form gives the same bytes */
    const char *bin2 = tmp_path("tiny2.bin");
    CHECK(vlit_lm_build_binary(bin, bin2, &err) == VLIT_OK);
    char *again = read_file(bin2);
    CHECK(again && memcmp(again, got, (size_t)size) == 0);
    free(again);

    /* damaged files: a clear error, or (damage inside the tables) any numbers
     * but no crash; ASan and UBSan watch this */
    const char *bad = tmp_path("bad.bin");
    static const struct {
        long keep; /* bytes kept (-1: all) */
        size_t at; /* offset to change */
        unsigned char value;
        const char *needle;
    } cases[] = {
        {100, 0, 0, "not a complete binary model (shorter than its header)"},
        {-1, 8, 2, "another version"},
        {-1, 16, 9, "other byte order"},
        {-1, 40, 11, "damaged header (order)"},
        {-1, 48, 0xff, "damaged header (vocabulary sizes)"},
        {-1, 112, 1, "damaged header (vocabulary offsets)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fp = fopen(bad, "wb");
        long keep = cases[i].keep < 0 ? size : cases[i].keep;
        char *copy = malloc((size_t)size);
        memcpy(copy, got, (size_t)size);
        if (cases[i].keep < 0)
            copy[cases[i].at] = (char)cases[i].value;
        fwrite(copy, 1, (size_t)keep, fp);
        fclose(fp);
        free(copy);
        lm = NULL;
        CHECK(vlit_lm_open(bad, &lm, &err) == VLIT_ERR_PARSE && lm == NULL);
        CHECK_HAS(err.message, cases[i].needle);
    }
    /* truncated by one byte, longer by one byte */
    fp = fopen(bad, "wb");
    fwrite(got, 1, (size_t)size - 1, fp);
    fclose(fp);
    CHECK(vlit_lm_open(bad, &lm, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "truncated file");
    fp = fopen(bad, "wb");
    fwrite(got, 1, (size_t)size, fp);
    fputc(0, fp);
    fclose(fp);
    CHECK(vlit_lm_open(bad, &lm, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "longer than its header says");
    /* every byte after the header changed in turn: opens, scores, no crash */
    int opened = 0;
    for (long at = 0; at < size; at += 3) {
        char *copy = malloc((size_t)size);
        memcpy(copy, got, (size_t)size);
        copy[at] ^= (char)(0x5a + at);
        fp = fopen(bad, "wb");
        fwrite(copy, 1, (size_t)size, fp);
        fclose(fp);
        free(copy);
        if (vlit_lm_open(bad, &lm, &err) == VLIT_OK) {
            opened++;
            vlit_lm_stats st = {0};
            vlit_lm_score_text(lm, sentences, sizeof sentences - 1, &st);
            vlit_lm_close(lm);
        }
    }
    CHECK(opened > 0);
    free(got);
    vlit_lm_close(arpa);
}

/* ---- training ---- */

static vlit_lm *train(const char *corpus, unsigned order, const char *out, vlit_lm_train_summary *sum)
{
    vlit_lm_train_params p = vlit_lm_train_default_params();
    p.order = order;
    vlit_error err = {0};
    vlit_status st = vlit_lm_train(p, corpus, out, sum, &err);
    CHECK(st == VLIT_OK);
    if (st) {
        fprintf(stderr, "  train: %s\n", err.message);
        return NULL;
    }
    vlit_lm *lm = NULL;
    CHECK(vlit_lm_open(out, &lm, &err) == VLIT_OK);
    return lm;
}

static double lp_of(const vlit_lm *lm, const char *const *h, size_t nh, const char *w)
{
    vlit_lm_state s;
    vlit_lm_state_begin(lm, &s);
    for (size_t i = 0; i < nh; i++)
        vlit_lm_state_next(lm, &s, h[i], strlen(h[i]), NULL);
    return w ? vlit_lm_state_next(lm, &s, w, strlen(w), NULL) : vlit_lm_state_end(lm, &s);
}

static void test_train_by_hand(void)
{
    /* order 1 on "a a b": raw counts a 2, b 1, </s> 1 (total 4); the counts of
     * counts give no discounts, so D = 0.5, 1, 1.5; the mass taken,
     * 1 + 0.5 + 0.5 = 2, is spread over |V| = 4 (<unk> </s> a b):
     * p(a) = 1/4 + 2/4/4 = 0.375, p(b) = p(</s>) = 0.125 + 0.125, p(<unk>) = 0.125 */
    vlit_lm_train_summary sum;
    vlit_lm *lm = train(write_file("aab.txt", "a a b\n"), 1, tmp_path("aab.arpa"), &sum);
    if (lm) {
        CHECK(sum.sentences == 1 && sum.words == 3 && sum.vocab_size == 5 && sum.fallback[1]);
        CHECK(NEAR(lp_of(lm, NULL, 0, "a"), log10(0.375), 1e-6));
        CHECK(NEAR(lp_of(lm, NULL, 0, "b"), log10(0.25), 1e-6));
        CHECK(NEAR(lp_of(lm, NULL, 0, NULL), log10(0.25), 1e-6));
        CHECK(NEAR(lp_of(lm, NULL, 0, "zzz"), log10(0.125), 1e-6));
        vlit_lm_close(lm);
    }
    /* order 2 on "a b": bigrams <s> a, a b, b </s> (raw 1 each); unigrams by
     * continuation counts: a, b, </s> 1 each (total 3), <unk> 0; mass 1.5,
     * uniform share 1.5/3/4 = 0.125: p(a) = 0.5/3 + 0.125 = 0.2916667;
     * gamma(<s>) = 0.5: p(a | <s>) = 0.5 + 0.5 * 0.2916667 = 0.6458333,
     * p(b | <s>) = 0.5 * 0.2916667 (backoff). */
    lm = train(write_file("ab.txt", "a b\n"), 2, tmp_path("ab.arpa"), &sum);
    if (lm) {
        const char *h[] = {"a"};
        CHECK(NEAR(lp_of(lm, NULL, 0, "a"), log10(0.6458333333), 1e-6));
        CHECK(NEAR(lp_of(lm, NULL, 0, "b"), log10(0.5 * 0.2916666667), 1e-6));
        CHECK(NEAR(lp_of(lm, h, 1, "b"), log10(0.6458333333), 1e-6));
        CHECK(NEAR(lp_of(lm, h, 1, "zzz"), log10(0.5 * 0.125), 1e-6));
        CHECK(NEAR(lp_of(lm, h, 1, NULL), log10(0.5 * 0.2916666667), 1e-6));
        vlit_lm_close(lm);
    }
    vlit_error err = {0};
    vlit_lm_train_params p = vlit_lm_train_default_params();
    CHECK(vlit_lm_train(p, write_file("empty.txt", "\n  \n"), tmp_path("e.arpa"), NULL, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "no sentence with a token");
    CHECK(vlit_lm_train(p, write_file("bad.txt", "a b\nc \xc3\x28 d\n"), tmp_path("e.arpa"), NULL, &err) ==
          VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "bad.txt: line 2: not UTF-8 (byte 3 of the line)");
    p.skip_bad = 1;
    CHECK(vlit_lm_train(p, tmp_path("bad.txt"), tmp_path("e.arpa"), &sum, &err) == VLIT_OK && sum.skipped == 1);
    p.order = 11;
    CHECK(vlit_lm_train(p, tmp_path("bad.txt"), tmp_path("e.arpa"), NULL, &err) == VLIT_ERR_USAGE);
}

/* A corpus of simple sentences with Zipf-like word choice. */
static const char *make_corpus(size_t lines, uint64_t seed)
{
    static const char *det[] = {"a", "the", "two", "some", "this", "that", "every", "one"};
    static const char *adj[] = {"red",   "small", "big",   "old",     "young", "white", "black", "wooden",
                                "happy", "tall",  "green", "striped", "empty", "busy",  "quiet", "bright"};
    static const char *noun[] = {"dog",   "cat",      "man",        "woman",     "bus",     "train",
                                 "table", "plate",    "pizza",      "street",    "field",   "horse",
                                 "bird",  "kite",     "boat",       "child",     "giraffe", "bench",
                                 "clock", "umbrella", "skateboard", "surfboard", "laptop",  "zebra"};
    static const char *verb[] = {"sits on", "stands near", "looks at",   "runs across", "is next to",  "holds",
                                 "rides",   "eats",        "flies over", "walks past",  "is parked by"};
    const char *path = tmp_path("corpus.txt");
    FILE *fp = fopen(path, "wb");
    uint64_t s = seed;
#define PICK(arr) arr[(size_t)(pow(vlit_uniform01(&s), 2.0) * (sizeof arr / sizeof arr[0]))]
    for (size_t i = 0; i < lines; i++) {
        fprintf(fp, "%s %s %s %s", PICK(det), PICK(adj), PICK(noun), PICK(verb));
        fprintf(fp, " %s %s%s", PICK(det), PICK(noun), vlit_uniform01(&s) < 0.3 ? " ." : "");
        /* rare words, so that every order has singletons, doubletons, ... */
        if (vlit_uniform01(&s) < 0.2)
            fprintf(fp, " with rare%d", (int)(vlit_uniform01(&s) * 300));
        fputc('\n', fp);
    }
#undef PICK
    fclose(fp);
    return path;
}

/* The sum over the vocabulary without <s> (with </s> and <unk>) of p(w | h). */
static double total_mass(const vlit_lm *lm, const char *const *h, size_t nh)
{
    const lm_model *m = &lm->m;
    vlit_lm_state s;
    vlit_lm_state_begin(lm, &s);
    for (size_t i = 0; i < nh; i++)
        vlit_lm_state_next(lm, &s, h[i], strlen(h[i]), NULL);
    double sum = pow(10, vlit_lm_state_end(lm, &s));
    for (uint32_t id = 0; id < m->vocab_size; id++) {
        if (id == m->bos || id == m->eos)
            continue;
        vlit_lm_state t = s;
        const char *w = lm_word_text(m, id);
        sum += pow(10, vlit_lm_state_next(lm, &t, w, strlen(w), NULL));
    }
    return sum;
}

static void test_sums_to_one(void)
{
    char *corpus = strdup(make_corpus(3000, 42));
    for (unsigned order = 1; order <= 4; order++) {
        char name[32];
        snprintf(name, sizeof name, "kn%u.arpa", order);
        vlit_lm_train_summary sum;
        vlit_lm *lm = train(corpus, order, tmp_path(name), &sum);
        if (!lm)
            continue;
        CHECK(sum.sentences == 3000 && sum.ngrams[order] > 0);
        /* the highest order has raw counts, so real discounts; the lower
         * orders' continuation counts of this small synthetic language may
         * have no singletons, and then the fallback is used */
        CHECK(!sum.fallback[order]);
        for (unsigned n = 1; n <= order; n++)
            CHECK(sum.discount[n][0] > 0 && sum.discount[n][0] < 1 && sum.discount[n][1] > 0 &&
                  sum.discount[n][1] < 2 && sum.discount[n][2] > 0 && sum.discount[n][2] < 3);
        const lm_model *m = &lm->m;
        uint64_t seed = 7 + order;
        double worst = 0;
        for (int i = 0; i < 100; i++) {
            /* histories of every length up to order - 1 (and one more, which
             * the model cuts); half of them start with <s> (begin), all with
             * words drawn from the vocabulary, often unseen together */
            const char *h[VLIT_LM_MAX_ORDER];
            size_t nh = (size_t)(vlit_uniform01(&seed) * order);
            for (size_t k = 0; k < nh; k++) {
                uint32_t id = (uint32_t)(vlit_uniform01(&seed) * m->vocab_size);
                if (id == m->bos || id == m->eos)
                    id = 3;
                h[k] = lm_word_text(m, id);
            }
            double d = fabs(total_mass(lm, h, nh) - 1);
            if (d > worst)
                worst = d;
        }
        /* and the histories the corpus has: its first sentence, word by word */
        const char *seen[] = {"a", "red", "dog", "sits", "on", "the", "bus"};
        for (size_t nh = 0; nh <= 7; nh++) {
            double d = fabs(total_mass(lm, seen, nh) - 1);
            if (d > worst)
                worst = d;
        }
        CHECK(worst < 1e-4);
        if (worst >= 1e-4)
            fprintf(stderr, "  order %u: worst |sum - 1| = %g\n", order, worst);

        /* train -> ARPA -> binary: the same scores */
        char bname[32];
        snprintf(bname, sizeof bname, "kn%u.bin", order);
        vlit_error err = {0};
        vlit_lm *bin = NULL;
        CHECK(vlit_lm_build_binary(tmp_path(name), tmp_path(bname), &err) == VLIT_OK);
        CHECK(vlit_lm_open(tmp_path(bname), &bin, &err) == VLIT_OK);
        if (bin) {
            char *text = read_file(corpus);
            text[2000] = '\0';
            CHECK(same_scores(lm, bin, text));
            CHECK(same_scores(lm, bin, "a zebra eats the umbrella\nthe the the\nunseen words here\n"));
            free(text);
            vlit_lm_close(bin);
        }
        vlit_lm_close(lm);
    }
    free(corpus);
}

/* ---- text files ---- */

typedef struct lines_seen {
    size_t n, last_line;
    double sum;
} lines_seen;

static void on_line(void *ctx, size_t lineno, const vlit_lm_stats *s)
{
    lines_seen *l = ctx;
    l->n++;
    l->last_line = lineno;
    l->sum += s->logprob;
}

static void test_text_files(void)
{
    vlit_lm *lm = NULL;
    vlit_error err = {0};
    CHECK(vlit_lm_open(FIXTURES "lm_tiny.arpa", &lm, &err) == VLIT_OK);
    if (!lm)
        return;
    const char *text = write_file("text.txt", "A b C dog's\n\nx a b\n");
    vlit_lm_score_params p = vlit_lm_score_default_params();
    lines_seen seen = {0};
    p.on_line = on_line;
    p.ctx = &seen;
    vlit_lm_stats st = {0};
    CHECK(vlit_lm_score_file(lm, p, text, &st, &err) == VLIT_OK);
    CHECK(st.sentences == 2 && st.tokens == 9 && NEAR(st.logprob, -4.72, 1e-6));
    CHECK(seen.n == 3 && seen.last_line == 3 && NEAR(seen.sum, -4.72, 1e-6));
    /* raw: words as they are, so "A" and "C" are OOVs */
    p.raw = 1;
    memset(&st, 0, sizeof st);
    CHECK(vlit_lm_score_file(lm, p, text, &st, &err) == VLIT_OK);
    CHECK(st.sentences == 2 && st.oov == 3);
    p.raw = 0;
    const char *bad = write_file("bad_text.txt", "a b\na \xe9 b\nc\n");
    CHECK(vlit_lm_score_file(lm, p, bad, &st, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "bad_text.txt: line 2: not UTF-8 (byte 3 of the line)");
    p.skip_bad = 1;
    memset(&st, 0, sizeof st);
    CHECK(vlit_lm_score_file(lm, p, bad, &st, &err) == VLIT_OK && st.sentences == 2);
    vlit_lm_close(lm);

    const char *out = tmp_path("tok.txt");
    size_t skipped;
    CHECK(vlit_lm_tokenize_file(write_file("raw.txt", "The DOG, barks!\n\n  Caf\xc3\xa9\n"), out, 0, &skipped, &err) ==
          VLIT_OK);
    char *got = read_file(out);
    CHECK_STR(got, "the dog , barks !\n\ncaf\xc3\xa9\n");
    free(got);
    CHECK(vlit_lm_tokenize_file(bad, out, 0, &skipped, &err) == VLIT_ERR_PARSE);
    CHECK(vlit_lm_tokenize_file(bad, out, 1, &skipped, &err) == VLIT_OK && skipped == 1);
    got = read_file(out);
    CHECK_STR(got, "a b\n\nc\n");
    free(got);
}

int main(void)
{
    test_tokenize();
    test_arpa_rules();
    test_arpa_errors();
    test_binary();
    test_train_by_hand();
    test_sums_to_one();
    test_text_files();
    if (!getenv("VLIT_TEST_KEEP"))
        cleanup_dir();
    return CHECK_DONE();
}
