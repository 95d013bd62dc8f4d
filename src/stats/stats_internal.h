/* Internal to src/stats: what icc.c and corr.c share about tables. */
#ifndef VLIT_STATS_INTERNAL_H
#define VLIT_STATS_INTERNAL_H

#include <stddef.h>

#include "vlit/stats.h"

/* "line 12" (CSV) or "element 3" (JSON) for row r, into buf. */
const char *st_where(const vlit_table *t, size_t row, char *buf, size_t cap);

/* 1 if the cell text is a missing value: NULL, "", or (spaces aside) NA,
 * N/A, NaN, nan, null, None. */
int st_is_missing(const char *s);

/* 1 and *out set if s is a finite decimal number (spaces around allowed;
 * no hex, no inf/nan). */
int st_parse_number(const char *s, double *out);

/* The numeric columns of t, leaving out the columns in skip (nskip of them,
 * entries < 0 ignored): columns with at least one number and no other text.
 * A column that mixes numbers and text is an error naming the first text
 * cell. *cols is malloc'ed (may be NULL when *ncols is 0). */
vlit_status st_numeric_columns(const vlit_table *t, const long *skip, size_t nskip, size_t **cols, size_t *ncols,
                               vlit_error *err);

/* The number in row r, column c of a numeric column; an error naming the
 * file, the row and the column if the cell is missing. */
vlit_status st_number(const vlit_table *t, size_t r, size_t c, double *out, vlit_error *err);

/* I_x(a, b) (upper = 0) or 1 - I_x(a, b) (upper = 1), given x and y = 1 - x
 * separately (specfun.c). */
double st_betainc_xy(double a, double b, double x, double y, int upper);

/* strdup that returns NULL for NULL */
char *st_strdup(const char *s);

#endif
