/* vlit/stats.h: special functions against closed forms, libm and tabulated
 * values; ICC on Shrout & Fleiss's (1979) published example; ranks and
 * correlations; the CSV and JSON table readers and their messages. The
 * comparison with scipy on the paper's tables is tests/integration/stats.sh. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vlit/stats.h"

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))
#define REL(a, b, tol) (fabs((a) - (b)) <= (tol) * fabs(b))

static const double PI = 3.14159265358979323846;

static void test_lgamma(void)
{
    CHECK(NEAR(vlit_lgamma(1), 0, 1e-14));
    CHECK(NEAR(vlit_lgamma(2), 0, 1e-14));
    CHECK(NEAR(vlit_lgamma(0.5), 0.5 * log(PI), 1e-14));
    CHECK(NEAR(vlit_lgamma(10), log(362880.0), 1e-13));
    CHECK(REL(vlit_lgamma(171), lgamma(171.0), 1e-14));
    /* against the C library's log-gamma, an independent implementation */
    double worst = 0;
    for (double x = 1e-6; x < 1e6; x *= 1.37) {
        double d = fabs(vlit_lgamma(x) - lgamma(x)) / (1 + fabs(lgamma(x)));
        worst = d > worst ? d : worst;
    }
    CHECK(worst < 1e-13);
    CHECK(isnan(vlit_lgamma(0)));
    CHECK(isnan(vlit_lgamma(-1.5)));
    CHECK(isnan(vlit_lgamma(NAN)));
}

static void test_betainc(void)
{
    double worst = 0;
    for (double x = 0.001; x < 1; x += 0.0371) {
        double e[] = {
            fabs(vlit_betainc(1, 1, x) - x),
            fabs(vlit_betainc(3, 1, x) - x * x * x),
            fabs(vlit_betainc(1, 4, x) - (1 - pow(1 - x, 4))),
            fabs(vlit_betainc(0.5, 0.5, x) - 2 / PI * asin(sqrt(x))),
            /* I_x(2, 2) = 3x^2 - 2x^3 */
            fabs(vlit_betainc(2, 2, x) - (3 * x * x - 2 * x * x * x)),
            /* symmetry and complement */
            fabs(vlit_betainc(2.5, 7.25, x) + vlit_betainc(7.25, 2.5, 1 - x) - 1),
            fabs(vlit_betainc(2.5, 7.25, x) + vlit_betainc_upper(2.5, 7.25, x) - 1),
        };
        for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
            worst = e[i] > worst ? e[i] : worst;
    }
    CHECK(worst < 1e-13);
    CHECK(NEAR(vlit_betainc(40, 40, 0.5), 0.5, 1e-13));
    CHECK(NEAR(vlit_betainc(1e4, 1e4, 0.5), 0.5, 1e-10));
    /* a far tail keeps its relative precision: 1 - I_x(1, b) = (1 - x)^b */
    CHECK(REL(vlit_betainc_upper(1, 50, 0.9), pow(0.1, 50), 1e-12));
    CHECK(REL(vlit_betainc(50, 1, 0.1), pow(0.1, 50), 1e-12));
    CHECK(vlit_betainc(2, 3, 0) == 0 && vlit_betainc(2, 3, 1) == 1);
    CHECK(isnan(vlit_betainc(0, 1, 0.5)) && isnan(vlit_betainc(1, 1, 1.5)) && isnan(vlit_betainc(1, -2, 0.5)));
}

static void test_t(void)
{
    double worst = 0;
    for (double t = 0; t < 50; t += 0.173) {
        /* df = 1 is Cauchy, df = 2 has a closed form */
        double e1 = fabs(vlit_t_p2(t, 1) - (1 - 2 / PI * atan(t)));
        double e2 = fabs(vlit_t_p2(-t, 2) - (1 - t / sqrt(2 + t * t)));
        worst = e1 > worst ? e1 : worst;
        worst = e2 > worst ? e2 : worst;
    }
    CHECK(worst < 1e-14);
    /* tabulated two-sided critical values */
    CHECK(NEAR(vlit_t_p2(2.228139, 10), 0.05, 1e-6));
    CHECK(NEAR(vlit_t_p2(12.7062, 1), 0.05, 1e-5));
    CHECK(NEAR(vlit_t_p2(2.7500, 30), 0.01, 1e-5));
    CHECK(NEAR(vlit_t_p2(1.9600, 1e6), 0.05, 1e-4));
    CHECK(vlit_t_p2(0, 5) == 1);
    CHECK(vlit_t_p2(INFINITY, 5) == 0);
    /* small p: for df = 1 the tail is 2 / (pi t) for large t */
    CHECK(REL(vlit_t_p2(1e8, 1), 2 / (PI * 1e8), 1e-9));
    CHECK(isnan(vlit_t_p2(1, 0)) && isnan(vlit_t_p2(NAN, 3)));
}

static void test_f(void)
{
    /* F(2, d2): P(F > f) = (1 + 2 f / d2)^(-d2 / 2); its quantile in closed form */
    double worst = 0, worstq = 0;
    double d2s[] = {1, 2.5, 7, 30, 200};
    for (size_t i = 0; i < 5; i++)
        for (double f = 0.01; f < 100; f *= 1.7) {
            double d2 = d2s[i], sf = pow(1 + 2 * f / d2, -d2 / 2);
            double e = fabs(vlit_f_sf(f, 2, d2) - sf) / sf;
            worst = e > worst ? e : worst;
            e = fabs(vlit_f_cdf(f, 2, d2) + vlit_f_sf(f, 2, d2) - 1);
            worst = e > worst ? e : worst;
            double p = 1 - sf, q = d2 / 2 * (pow(1 - p, -2 / d2) - 1);
            e = fabs(vlit_f_quantile(p, 2, d2) - q) / q;
            worstq = e > worstq ? e : worstq;
        }
    CHECK(worst < 1e-12);
    CHECK(worstq < 1e-9);
    /* round trips with fractional degrees of freedom (ICC2's Satterthwaite df) */
    double rt = 0;
    double dfs[][2] = {{9, 20}, {20, 9}, {9, 3.7}, {3.7, 9}, {1, 1}, {50, 200}, {0.5, 2.5}};
    for (size_t i = 0; i < sizeof dfs / sizeof dfs[0]; i++)
        for (double p = 0.001; p < 1; p += 0.0503) {
            double q = vlit_f_quantile(p, dfs[i][0], dfs[i][1]);
            double e = fabs(vlit_f_cdf(q, dfs[i][0], dfs[i][1]) - p) / p;
            rt = e > rt ? e : rt;
        }
    CHECK(rt < 1e-11);
    /* tabulated upper 5 % and 2.5 % points */
    CHECK(NEAR(vlit_f_quantile(0.95, 1, 1), 161.4476, 1e-3));
    CHECK(NEAR(vlit_f_quantile(0.95, 5, 10), 3.3258, 1e-4));
    CHECK(NEAR(vlit_f_quantile(0.975, 10, 20), 2.7737, 1e-4));
    CHECK(vlit_f_quantile(0, 3, 4) == 0 && isinf(vlit_f_quantile(1, 3, 4)));
    CHECK(isnan(vlit_f_quantile(0.5, 0, 4)) && isnan(vlit_f_cdf(1, 3, -1)));
}

/* Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges. */
static const double sf_data[6 * 4] = {9, 2, 5, 8, 6, 1, 3, 2, 8, 4, 6, 8, 7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7};

static void test_icc(void)
{
    vlit_icc_result r;
    vlit_error err = {0};
    CHECK(vlit_icc(sf_data, 6, 4, 0.95, &r, &err) == VLIT_OK);
    /* their Table 3 (two decimals) and ANOVA mean squares (Table 2) */
    CHECK(NEAR(r.form[VLIT_ICC1].value, 0.17, 0.005));
    CHECK(NEAR(r.form[VLIT_ICC2].value, 0.29, 0.005));
    CHECK(NEAR(r.form[VLIT_ICC3].value, 0.71, 0.005));
    CHECK(NEAR(r.form[VLIT_ICC1K].value, 0.44, 0.005));
    CHECK(NEAR(r.form[VLIT_ICC2K].value, 0.62, 0.005));
    CHECK(NEAR(r.form[VLIT_ICC3K].value, 0.91, 0.005));
    CHECK(NEAR(r.msr, 11.24, 0.005));
    CHECK(NEAR(r.msw, 6.26, 0.005));
    CHECK(NEAR(r.msc, 32.49, 0.005));
    CHECK(NEAR(r.mse, 1.02, 0.005));
    /* tests: F = MSR / MSW on (5, 18), MSR / MSE on (5, 15) */
    CHECK(NEAR(r.form[VLIT_ICC1].F, r.msr / r.msw, 1e-12) && r.form[VLIT_ICC1].df1 == 5 &&
          r.form[VLIT_ICC1].df2 == 18);
    CHECK(NEAR(r.form[VLIT_ICC3K].F, r.msr / r.mse, 1e-12) && r.form[VLIT_ICC3K].df2 == 15);
    CHECK(NEAR(r.form[VLIT_ICC3].p, vlit_f_sf(r.msr / r.mse, 5, 15), 1e-15));
    /* the averages of ICC1 and ICC3 are the Spearman-Brown step-ups of the singles */
    for (int f = VLIT_ICC1; f <= VLIT_ICC3; f += 4) {
        double s = r.form[f].value, k = 4;
        CHECK(NEAR(r.form[f + 1].value, k * s / (1 + (k - 1) * s), 1e-12));
        CHECK(NEAR(r.form[f + 1].lo, k * r.form[f].lo / (1 + (k - 1) * r.form[f].lo), 1e-12));
    }
    /* intervals hold their point estimates */
    for (int f = 0; f < VLIT_ICC_FORMS; f++)
        CHECK(r.form[f].lo < r.form[f].value && r.form[f].value < r.form[f].hi);
    /* a wider confidence gives a wider interval */
    vlit_icc_result r99;
    CHECK(vlit_icc(sf_data, 6, 4, 0.99, &r99, &err) == VLIT_OK);
    CHECK(r99.form[VLIT_ICC2].lo < r.form[VLIT_ICC2].lo && r99.form[VLIT_ICC2].hi > r.form[VLIT_ICC2].hi);
    /* an offset common to all scores changes nothing */
    double shifted[24];
    for (int i = 0; i < 24; i++)
        shifted[i] = sf_data[i] + 1e6;
    vlit_icc_result rs;
    CHECK(vlit_icc(shifted, 6, 4, 0.95, &rs, &err) == VLIT_OK);
    CHECK(NEAR(rs.form[VLIT_ICC2].value, r.form[VLIT_ICC2].value, 1e-8));
    /* raters in another order: the same coefficients */
    double perm[24];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 4; j++)
            perm[i * 4 + j] = sf_data[i * 4 + (3 - j)];
    vlit_icc_result rp;
    CHECK(vlit_icc(perm, 6, 4, 0.95, &rp, &err) == VLIT_OK);
    for (int f = 0; f < VLIT_ICC_FORMS; f++)
        CHECK(NEAR(rp.form[f].value, r.form[f].value, 1e-12) && NEAR(rp.form[f].hi, r.form[f].hi, 1e-10));
    CHECK(vlit_icc(sf_data, 1, 4, 0.95, &r, &err) == VLIT_ERR_USAGE);
    CHECK(vlit_icc(sf_data, 6, 4, 1.5, &r, &err) == VLIT_ERR_USAGE);
    double bad[4] = {1, 2, NAN, 4};
    CHECK(vlit_icc(bad, 2, 2, 0.95, &r, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "row 1, column 0");
    CHECK_STR(vlit_icc_form_name(VLIT_ICC2K), "ICC2k");
    CHECK_STR(vlit_icc_form_label(VLIT_ICC3), "ICC(3,1)");
    CHECK(vlit_icc_form_name(6) == NULL);
}

static void test_corr(void)
{
    double x[] = {10, 20, 20, 30, 5}, rk[5];
    vlit_error err = {0};
    CHECK(vlit_rank_average(x, 5, rk, &err) == VLIT_OK);
    CHECK(rk[0] == 2 && rk[1] == 3.5 && rk[2] == 3.5 && rk[3] == 5 && rk[4] == 1);
    double a[] = {1, 2, 3, 4, 5}, b[] = {2, 4, 5, 4, 5}, r, p;
    CHECK(vlit_corr(a, b, 5, VLIT_CORR_PEARSON, &r, &p, &err) == VLIT_OK);
    CHECK(NEAR(r, sqrt(0.6), 1e-14));
    CHECK(NEAR(p, vlit_t_p2(r * sqrt(3 / (1 - r * r)), 3), 1e-14));
    double c[] = {5, 4, 3, 2, 1};
    CHECK(vlit_corr(a, c, 5, VLIT_CORR_PEARSON, &r, &p, &err) == VLIT_OK && NEAR(r, -1, 1e-15) && p < 1e-12);
    /* Spearman: monotone but not linear gives 1 */
    double e[] = {1, 8, 27, 64, 125};
    CHECK(vlit_corr(a, e, 5, VLIT_CORR_SPEARMAN, &r, &p, &err) == VLIT_OK && NEAR(r, 1, 1e-15));
    CHECK(vlit_corr(a, e, 5, VLIT_CORR_PEARSON, &r, &p, &err) == VLIT_OK && r < 0.99);
    double k[] = {3, 3, 3, 3, 3};
    CHECK(vlit_corr(a, k, 5, VLIT_CORR_PEARSON, &r, &p, &err) == VLIT_OK && isnan(r) && isnan(p));
    CHECK(vlit_corr(a, b, 2, VLIT_CORR_PEARSON, &r, &p, &err) == VLIT_ERR_DATA);
    CHECK_STR(vlit_stars(0.009), "***");
    CHECK_STR(vlit_stars(0.01), "**");
    CHECK_STR(vlit_stars(0.049), "**");
    CHECK_STR(vlit_stars(0.05), "*");
    CHECK_STR(vlit_stars(0.0999), "*");
    CHECK_STR(vlit_stars(0.1), "");
    CHECK_STR(vlit_stars(NAN), "");
}

static vlit_status tparse(const char *text, const char *name, vlit_table_format f, vlit_table *t, vlit_error *err)
{
    return vlit_table_parse(text, strlen(text), name, f, t, err);
}

static vlit_status parse(const char *text, vlit_table *t, vlit_error *err)
{
    return vlit_table_parse(text, strlen(text), "t.csv", VLIT_TABLE_AUTO, t, err);
}

static void test_csv(void)
{
    vlit_table t = {0};
    vlit_error err = {0};
    /* BOM, CRLF, quotes with commas, doubled quotes and a line break, empty
     * fields, an empty line, no final newline */
    const char *doc = "\xEF\xBB\xBFname,\"a,b\",c\r\n"
                      "x,\"say \"\"hi\"\"\",3\r\n"
                      "\r\n"
                      "\"two\nlines\",,\"\"\n"
                      "z,1,";
    CHECK(parse(doc, &t, &err) == VLIT_OK);
    CHECK(t.rows == 3 && t.cols == 3 && !t.json);
    CHECK_STR(t.header[0], "name");
    CHECK_STR(t.header[1], "a,b");
    CHECK_STR(t.cell[1], "say \"hi\"");
    CHECK_STR(t.cell[3], "two\nlines");
    CHECK_STR(t.cell[4], "");
    CHECK_STR(t.cell[5], "");
    CHECK_STR(t.cell[8], "");
    CHECK(t.record[0] == 2 && t.record[1] == 4 && t.record[2] == 6);
    CHECK(vlit_table_column(&t, "a,b") == 1 && vlit_table_column(&t, "zz") == -1);
    vlit_table_free(&t);
    vlit_table_free(&t); /* twice is harmless */
    CHECK(parse("a,b\r1,2\r", &t, &err) == VLIT_OK && t.rows == 1);
    CHECK_STR(t.cell[1], "2");
    vlit_table_free(&t);
    CHECK(parse("only,header\n", &t, &err) == VLIT_OK && t.rows == 0 && t.cols == 2);
    vlit_table_free(&t);

    static const struct {
        const char *doc, *needle1, *needle2;
    } bad[] = {
        {"a,b\n1,\"open\n2,3\n", "line 2", "never closed"},
        {"a,b\n1,\"x\"y\n", "line 2, column 6", "after the closing quote"},
        {"a,b\n1,x\"y\n", "line 2, column 4", "quote inside an unquoted field"},
        {"a,b\n1,2\n3\n", "line 3", "1 field where the header has 2"},
        {"a,b\n1,2,3\n", "line 2", "more than the header's 2 fields"},
        {"a,b,a\n", "line 1", "'a' appears twice"},
        {"a,,b\n", "line 1", "column 2 of the header row has no name"},
        {"a,b\n1,\xff\n", "line 2, column 3", "not valid UTF-8"},
        {"", "t.csv", "empty file"},
        {"\n\n", "t.csv", "empty file"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        CHECK(parse(bad[i].doc, &t, &err) != VLIT_OK);
        CHECK_HAS(err.message, bad[i].needle1);
        CHECK_HAS(err.message, bad[i].needle2);
        CHECK(t.rows == 0 && t.cell == NULL);
    }
    const char nul[] = "a,b\n1,2\0\n";
    CHECK(vlit_table_parse(nul, sizeof nul - 1, "t.csv", VLIT_TABLE_CSV, &t, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "NUL byte");
}

static void test_json(void)
{
    vlit_table t = {0};
    vlit_error err = {0};
    const char *doc = " [{\"m\": \"A\", \"x\": 1.5, \"ok\": true},\n {\"x\": -2e3, \"m\": \"B\", \"y\": null},"
                      " {\"m\": \"C\", \"z\": \"7\"}]";
    CHECK(vlit_table_parse(doc, strlen(doc), "t.json", VLIT_TABLE_AUTO, &t, &err) == VLIT_OK);
    CHECK(t.json && t.rows == 3 && t.cols == 5);
    CHECK_STR(t.header[3], "y");
    CHECK_STR(t.cell[1], "1.5");
    CHECK_STR(t.cell[2], "true");
    CHECK_STR(t.cell[5 + 1], "-2e3");
    CHECK(t.cell[5 + 3] == NULL); /* null */
    CHECK(t.cell[2] && t.cell[5 + 2] == NULL); /* absent key */
    CHECK_STR(t.cell[10 + 4], "7");
    CHECK(t.record[2] == 2);
    vlit_table_free(&t);
    CHECK(tparse("[]", "t.json", VLIT_TABLE_JSON, &t, &err) == VLIT_OK && t.rows == 0 && t.cols == 0);
    vlit_table_free(&t);
    static const struct {
        const char *doc, *needle;
    } bad[] = {
        {"[{\"a\": 1}, 3]", "element 1"},
        {"[{\"a\": [1]}]", "element 0, key 'a': array value"},
        {"[{\"a\": 1, \"a\": 2}]", "key 'a' appears twice"},
        {"[{\"a\": 1}", "t.json"},
        {"[{\"\": 1}]", "empty key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        CHECK(vlit_table_parse(bad[i].doc, strlen(bad[i].doc), "t.json", VLIT_TABLE_JSON, &t, &err) != VLIT_OK);
        CHECK_HAS(err.message, bad[i].needle);
    }
}

static void test_icc_table(void)
{
    vlit_table t = {0};
    vlit_icc_set s = {0};
    vlit_error err = {0};
    /* the Shrout & Fleiss example laid out as a results table: two groups
     * (the second the same scores plus a constant), 4 raters each, a notes
     * column of text that is left out */
    const char *doc = "group,judge,note,t1,t2,t3,t4,t5,t6\n"
                      "g,j1,x,9,6,8,7,10,6\n"
                      "g,j2,x,2,1,4,1,5,2\n"
                      "g,j3,,5,3,6,2,6,4\n"
                      "g,j4,y,8,2,8,6,9,7\n"
                      "h,j1,,19,16,18,17,20,16\n"
                      "h,j2,,12,11,14,11,15,12\n"
                      "h,j3,,15,13,16,12,16,14\n"
                      "h,j4,,18,12,18,16,19,17\n";
    CHECK(parse(doc, &t, &err) == VLIT_OK);
    CHECK(vlit_icc_table(&t, "group", "judge", 0.95, &s, &err) == VLIT_OK);
    CHECK(s.groups == 2 && s.targets == 6);
    CHECK_STR(s.target[0], "t1");
    CHECK_STR(s.group[1].name, "h");
    CHECK_STR(s.group[0].raters[3], "j4");
    vlit_icc_result r;
    CHECK(vlit_icc(sf_data, 6, 4, 0.95, &r, &err) == VLIT_OK);
    for (int f = 0; f < VLIT_ICC_FORMS; f++) {
        CHECK(NEAR(s.group[0].r.form[f].value, r.form[f].value, 1e-12));
        CHECK(NEAR(s.group[1].r.form[f].value, r.form[f].value, 1e-12));
    }
    vlit_icc_set_free(&s);
    vlit_table_free(&t);

    static const struct {
        const char *doc, *n1, *n2;
    } bad[] = {
        {"group,judge,a,b\ng,j1,1,2\ng,j2,,4\n", "t.csv: line 3, column 'a'", "missing value"},
        {"group,judge,a,b\ng,j1,1,2\ng,j2,NA,4\n", "line 3, column 'a'", "missing value ('NA')"},
        {"group,judge,a,b\ng,j1,1,2\ng,j2,three,4\n", "line 3, column 'a': 'three' is not a number", "line 2"},
        {"group,judge,a,b\ng,j1,1,2\ng,j1,3,4\n", "line 2 and line 3", "rater 'j1' appears twice in group 'g'"},
        {"group,judge,a,b\ng,j1,1,2\ng,j2,3,4\nh,j1,5,6\n", "line 4", "group 'h' has only one rater"},
        {"group,judge,a\ng,j1,1\ng,j2,3\n", "t.csv", "1 numeric column"},
        {"group,judge,a,b\ng,,1,2\ng,j2,3,4\n", "line 2, column 'judge'", "missing value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        CHECK(parse(bad[i].doc, &t, &err) == VLIT_OK);
        CHECK(vlit_icc_table(&t, "group", "judge", 0.95, &s, &err) == VLIT_ERR_DATA);
        CHECK_HAS(err.message, bad[i].n1);
        CHECK_HAS(err.message, bad[i].n2);
        CHECK(s.groups == 0 && s.group == NULL);
        vlit_table_free(&t);
    }
    CHECK(parse("group,judge,a,b\n", &t, &err) == VLIT_OK);
    CHECK(vlit_icc_table(&t, "grp", "judge", 0.95, &s, &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "no column 'grp'");
    vlit_table_free(&t);
}

static void test_corr_tables(void)
{
    vlit_table ti = {0}, tr = {0};
    vlit_corr_set s = {0};
    vlit_error err = {0};
    CHECK(tparse("key,u,v\nA,1,5\nB,2,3\nC,4,4\nD,3,1\n", "ind.csv", VLIT_TABLE_CSV, &ti, &err) ==
          VLIT_OK);
    const char *res = "[{\"key\":\"A\",\"model\":\"m1\",\"s\":1},{\"key\":\"A\",\"model\":\"m2\",\"s\":3},"
                      "{\"key\":\"B\",\"model\":\"m1\",\"s\":3},{\"key\":\"C\",\"model\":\"m1\",\"s\":10},"
                      "{\"key\":\"D\",\"model\":\"m1\",\"s\":8},{\"key\":\"E\",\"model\":\"m1\",\"s\":0}]";
    CHECK(vlit_table_parse(res, strlen(res), "res.json", VLIT_TABLE_AUTO, &tr, &err) == VLIT_OK);
    CHECK(vlit_corr_tables(&ti, &tr, "key", VLIT_CORR_PEARSON, &s, &err) == VLIT_OK);
    CHECK(s.keys == 4 && s.indicators == 2 && s.columns == 1 && s.unused_rows == 1);
    CHECK(s.key_rows[0] == 2 && s.y[0] == 2); /* A's mean of 1 and 3 */
    double u[] = {1, 2, 4, 3}, y[] = {2, 3, 10, 8}, r, p;
    CHECK(vlit_corr(u, y, 4, VLIT_CORR_PEARSON, &r, &p, &err) == VLIT_OK);
    CHECK(s.cell[0].r == r && s.cell[0].p == p && s.cell[0].n == 4);
    vlit_corr_set_free(&s);
    vlit_table_free(&ti);
    CHECK(tparse("key,u\nA,1\nB,2\nZ,3\n", "ind.csv", VLIT_TABLE_CSV, &ti, &err) == VLIT_OK);
    CHECK(vlit_corr_tables(&ti, &tr, "key", VLIT_CORR_SPEARMAN, &s, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "ind.csv: line 4: key 'Z' has no rows in res.json");
    vlit_table_free(&ti);
    CHECK(tparse("key,u\nA,1\nB,2\nA,3\n", "ind.csv", VLIT_TABLE_CSV, &ti, &err) == VLIT_OK);
    CHECK(vlit_corr_tables(&ti, &tr, "key", VLIT_CORR_PEARSON, &s, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "line 2 and line 4: key 'A' appears twice");
    vlit_table_free(&ti);
    vlit_table_free(&tr);
    const char *res2 = "[{\"key\":\"A\",\"s\":1},{\"key\":\"B\",\"s\":null},{\"key\":\"C\",\"s\":1}]";
    CHECK(vlit_table_parse(res2, strlen(res2), "res.json", VLIT_TABLE_AUTO, &tr, &err) == VLIT_OK);
    CHECK(tparse("key,u\nA,1\nB,2\nC,3\n", "ind.csv", VLIT_TABLE_CSV, &ti, &err) == VLIT_OK);
    CHECK(vlit_corr_tables(&ti, &tr, "key", VLIT_CORR_PEARSON, &s, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "res.json: element 1, column 's': missing value");
    vlit_table_free(&ti);
    vlit_table_free(&tr);
}

int main(void)
{
    test_lgamma();
    test_betainc();
    test_t();
    test_f();
    test_icc();
    test_corr();
    test_csv();
    test_json();
    test_icc_table();
    test_corr_tables();
    return CHECK_DONE();
}
