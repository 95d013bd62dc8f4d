/*
 * vlit/stats.h - stage 6: statistics on benchmark results (SPEC.md 2.7).
 *
 * Tables of benchmark results (rows = dataset x model, columns = benchmark
 * tasks) and of dataset indicators are read from CSV or JSON; on them:
 *  - intra-class correlation in the six Shrout-Fleiss forms with their F
 *    tests and confidence intervals (vlit_icc, vlit_icc_table);
 *  - Pearson and Spearman correlations with two-sided p-values from the t
 *    distribution with n - 2 degrees of freedom (vlit_corr, vlit_corr_tables);
 *  - the special functions under them (log-gamma, the regularised incomplete
 *    beta function, Student's t and the F distribution).
 * docs/stats.md gives the formulas, the file rules and the paper check.
 *
 *   vlit_table t = {0};  vlit_icc_set s = {0};  vlit_error err = {0};
 *   if (vlit_table_read("results.csv", VLIT_TABLE_AUTO, &t, &err) ||
 *       vlit_icc_table(&t, "dataset", "model", 0.95, &s, &err)) { report err.message }
 *   for (size_t g = 0; g < s.groups; g++)
 *       printf("%s ICC1 %.4f\n", s.group[g].name, s.group[g].r.form[VLIT_ICC1].value);
 *   vlit_icc_set_free(&s);  vlit_table_free(&t);
 *
 * Ownership: the caller owns the structs it passes in; the arrays and strings
 * a call puts into them belong to the struct and are freed by its *_free(),
 * which accepts zeroed or already freed structs. A set keeps no pointer into
 * the table it was computed from.
 *
 * Numbers that are undefined (a constant column, a zero variance) are NaN;
 * writers print them as null. Nothing here has global state.
 */
#ifndef VLIT_STATS_H
#define VLIT_STATS_H

#include <stddef.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tables ------------------------------------------------------------ */

typedef enum vlit_table_format {
    VLIT_TABLE_AUTO = 0, /* JSON when the first byte after spaces (and a UTF-8 BOM) is '[', else CSV */
    VLIT_TABLE_CSV = 1,  /* RFC 4180 with a header row; LF, CRLF or CR line ends */
    VLIT_TABLE_JSON = 2  /* an array of flat objects: strings, numbers, booleans, null */
} vlit_table_format;

/* A table of text cells. cell[r * cols + c] is row r's value in column c:
 * the field's text (numbers keep their source text), "" for an empty CSV
 * field, or NULL when a JSON object lacks the key or gives null. */
typedef struct vlit_table {
    char *name;       /* the file name given, for messages */
    int json;         /* 1: read from JSON (records are array indices), 0: CSV (line numbers) */
    size_t rows, cols;
    char **header;    /* cols names: the CSV header row, or the JSON keys in order of first appearance */
    char **cell;      /* rows * cols */
    size_t *record;   /* per row: the CSV line where the record starts (1-based), or the JSON array index (0-based) */
} vlit_table;

/* Reads a whole table (path "-" is standard input) into *out, which the call
 * overwrites. Files above 256 MiB are refused (VLIT_ERR_LIMIT): these are
 * tables of results, not datasets. CSV: the first record is the header; its
 * names must be non-empty and unique; every record has as many fields as the
 * header; quoted fields may hold commas, quotes ("") and line breaks; a quote
 * inside an unquoted field, text after a closing quote and an unterminated
 * quote are errors; empty lines are skipped. Text must be UTF-8 without NUL
 * bytes. JSON: a root array whose elements are objects with scalar values;
 * nested values and repeated keys are errors. Errors name the file, the line
 * and column (CSV) or the array index and key (JSON), and the problem. */
vlit_status vlit_table_read(const char *path, vlit_table_format format, vlit_table *out, vlit_error *err);

/* The same on bytes in memory; name is used in messages. */
vlit_status vlit_table_parse(const char *data, size_t len, const char *name, vlit_table_format format,
                             vlit_table *out, vlit_error *err);

/* Index of the column named name, or -1. */
long vlit_table_column(const vlit_table *t, const char *name);

/* Frees what the table holds and zeroes it. */
void vlit_table_free(vlit_table *t);

/* ---- special functions -------------------------------------------------
 * Pure functions of their arguments; NaN for arguments outside their domain. */

/* ln |Gamma(x)| for x > 0 (Stirling series after shifting x to >= 10; an
 * absolute error near 1e-15). */
double vlit_lgamma(double x);

/* Regularised incomplete beta I_x(a, b) for a, b > 0, 0 <= x <= 1, and its
 * complement 1 - I_x(a, b) computed without cancellation (continued fraction
 * by the modified Lentz method on the side where it converges fast). */
double vlit_betainc(double a, double b, double x);
double vlit_betainc_upper(double a, double b, double x);

/* Two-sided p-value of Student's t statistic with df > 0 degrees of freedom:
 * P(|T| >= |t|). t may be infinite (p = 0). */
double vlit_t_p2(double t, double df);

/* F distribution with d1, d2 > 0 degrees of freedom (not necessarily whole):
 * P(F <= f), P(F > f), and the quantile q with P(F <= q) = p for 0 <= p <= 1
 * (found by bisection on ln q inside an expanding bracket, until the bracket
 * is narrower than 1e-15 (1 + |ln q|)). */
double vlit_f_cdf(double f, double d1, double d2);
double vlit_f_sf(double f, double d1, double d2);
double vlit_f_quantile(double p, double d1, double d2);

/* ---- intra-class correlation ------------------------------------------- */

/* The six forms of Shrout & Fleiss (1979), in this order; McGraw & Wong (1996)
 * call ICC2 ICC(A,1) and ICC3 ICC(C,1). */
typedef enum vlit_icc_form {
    VLIT_ICC1 = 0,  /* ICC(1,1): one-way random effects, single rater */
    VLIT_ICC1K = 1, /* ICC(1,k): one-way random effects, mean of k raters */
    VLIT_ICC2 = 2,  /* ICC(2,1): two-way random effects, absolute agreement, single rater */
    VLIT_ICC2K = 3, /* ICC(2,k): the same, mean of k raters */
    VLIT_ICC3 = 4,  /* ICC(3,1): two-way mixed effects, consistency, single rater */
    VLIT_ICC3K = 5, /* ICC(3,k): the same, mean of k raters */
    VLIT_ICC_FORMS = 6
} vlit_icc_form;

/* "ICC1", "ICC1k", "ICC2", "ICC2k", "ICC3", "ICC3k"; NULL for other values. */
const char *vlit_icc_form_name(int form);
/* "ICC(1,1)", "ICC(1,k)", ...; NULL for other values. */
const char *vlit_icc_form_label(int form);

typedef struct vlit_icc_value {
    double value;      /* the coefficient */
    double F, df1, df2; /* its F test of ICC = 0 */
    double p;          /* P(F(df1, df2) > F) */
    double lo, hi;     /* the confidence interval */
} vlit_icc_value;

typedef struct vlit_icc_result {
    size_t n, k;                 /* targets, raters */
    double msr, msw, msc, mse;   /* mean squares: rows (targets), within rows, columns (raters), residual */
    double confidence;           /* of the intervals, e.g. 0.95 */
    vlit_icc_value form[VLIT_ICC_FORMS];
} vlit_icc_result;

/* ICC of y, n targets x k raters, row-major (y[i * k + j] = rater j's score
 * of target i); n >= 2, k >= 2, values finite, 0 < confidence < 1. Fails with
 * VLIT_ERR_USAGE for bad sizes or confidence and VLIT_ERR_DATA for a value
 * that is not finite (naming its row and column, from 0). */
vlit_status vlit_icc(const double *y, size_t n, size_t k, double confidence, vlit_icc_result *out, vlit_error *err);

typedef struct vlit_icc_group {
    char *name;       /* the group column's value */
    char **raters;    /* r.k names: the rater column's values, in row order */
    vlit_icc_result r;
} vlit_icc_group;

typedef struct vlit_icc_set {
    size_t groups;
    vlit_icc_group *group; /* in order of first appearance */
    size_t targets;
    char **target;         /* the target columns' names */
} vlit_icc_set;

/* ICC per group of a results table: rows with the same value in group_col
 * form a group; within it every row is a rater (named by rater_col, each at
 * most once per group) and the targets are the table's numeric columns (all
 * columns but group_col and rater_col whose cells are numbers; columns of
 * text only are left out). A numeric column with an empty, missing or
 * non-numeric cell is an error naming the file, the row and the column. A
 * group needs at least 2 raters, and there must be at least 2 targets. */
vlit_status vlit_icc_table(const vlit_table *t, const char *group_col, const char *rater_col, double confidence,
                           vlit_icc_set *out, vlit_error *err);
void vlit_icc_set_free(vlit_icc_set *s);

/* ---- correlation ------------------------------------------------------- */

typedef enum vlit_corr_method { VLIT_CORR_PEARSON = 0, VLIT_CORR_SPEARMAN = 1 } vlit_corr_method;

/* Ranks 1..n of x with ties given the mean of the ranks they span. */
vlit_status vlit_rank_average(const double *x, size_t n, double *ranks, vlit_error *err);

/* Correlation of x and y (n >= 3 pairs, finite) and its two-sided p-value
 * from the t distribution with n - 2 degrees of freedom; Spearman's is
 * Pearson's on the average ranks. r and p are NaN when x or y is constant. */
vlit_status vlit_corr(const double *x, const double *y, size_t n, vlit_corr_method method, double *r, double *p,
                      vlit_error *err);

typedef struct vlit_corr_cell {
    double r, p;
    size_t n;
} vlit_corr_cell;

typedef struct vlit_corr_set {
    vlit_corr_method method;
    size_t keys;             /* joined keys: the n of every cell */
    char **key;              /* in the indicator table's row order */
    size_t *key_rows;        /* results rows averaged for each key */
    size_t indicators, columns;
    char **indicator;        /* the indicator table's numeric columns */
    char **column;           /* the results table's numeric columns */
    double *x;               /* keys x indicators: the indicator values */
    double *y;               /* keys x columns: the results' means per key */
    vlit_corr_cell *cell;    /* indicators x columns */
    size_t unused_rows;      /* results rows whose key is not in the indicator table */
} vlit_corr_set;

/* Joins two tables on the column by (present in both): each indicator row's
 * key must be unique and have at least one results row; the results' numeric
 * columns are averaged over the rows of each key (e.g. over models); results
 * rows of other keys are counted in unused_rows and left out. Then every
 * numeric indicator column is correlated with every numeric results column.
 * Numeric columns are found as in vlit_icc_table; missing or non-numeric
 * cells in them are errors naming file, row and column. */
vlit_status vlit_corr_tables(const vlit_table *indicators, const vlit_table *results, const char *by,
                             vlit_corr_method method, vlit_corr_set *out, vlit_error *err);
void vlit_corr_set_free(vlit_corr_set *s);

/* Significance stars of a p-value: "***" p < 0.01, "**" p < 0.05, "*" p < 0.10,
 * "" otherwise (and for NaN). */
const char *vlit_stars(double p);

#ifdef __cplusplus
}
#endif

#endif
