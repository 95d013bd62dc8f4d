/* Exact sums for the report's means, seeded subsampling for --equalize, and
 * the variance of the task shares. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/random.h"
#include "report_internal.h"

/* Adds x to the expansion: after the loop the components are non-overlapping
 * and in increasing magnitude, and their exact sum is the old sum plus x
 * (each step is Knuth's two-sum, which is exact in binary floating point). */
vlit_status rp_fsum_add(rp_fsum *s, double x, vlit_error *err)
{
    size_t i = 0;
    for (size_t j = 0; j < s->n; j++) {
        double y = s->p[j];
        if (fabs(x) < fabs(y)) {
            double t = x;
            x = y;
            y = t;
        }
        double hi = x + y;
        double lo = y - (hi - x);
        if (lo != 0.0)
            s->p[i++] = lo;
        x = hi;
    }
    if (i >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        double *p = realloc(s->p, cap * sizeof *p);
        if (!p)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        s->p = p;
        s->cap = cap;
    }
    s->p[i++] = x;
    s->n = i;
    return VLIT_OK;
}

vlit_status rp_fsum_merge(rp_fsum *s, const rp_fsum *t, vlit_error *err)
{
    for (size_t i = 0; i < t->n; i++) {
        vlit_status st = rp_fsum_add(s, t->p[i], err);
        if (st)
            return st;
    }
    return VLIT_OK;
}

/* The exact sum rounded once to nearest, ties to even: the largest
 * components are added from the top until a rounding happens; if what was
 * lost and the next component below have the same sign, the rounding went
 * the wrong way at a tie and is corrected (the last step of Python's
 * math.fsum). */
double rp_fsum_value(const rp_fsum *s)
{
    size_t n = s->n;
    if (n == 0)
        return 0.0;
    double hi = s->p[--n], lo = 0.0;
    while (n > 0) {
        double x = hi, y = s->p[--n];
        hi = x + y;
        double yr = hi - x;
        lo = y - yr;
        if (lo != 0.0)
            break;
    }
    if (n > 0 && ((lo < 0 && s->p[n - 1] < 0) || (lo > 0 && s->p[n - 1] > 0))) {
        double y = lo * 2, x = hi + y, yr = x - hi;
        if (y == yr)
            hi = x;
    }
    return hi;
}

void rp_fsum_free(rp_fsum *s)
{
    free(s->p);
    memset(s, 0, sizeof *s);
}

double rp_variance(const double *x, size_t n)
{
    if (n == 0)
        return 0.0;
    rp_fsum a = {0};
    for (size_t i = 0; i < n; i++)
        if (rp_fsum_add(&a, x[i], NULL)) {
            rp_fsum_free(&a);
            return NAN;
        }
    double mean = rp_fsum_value(&a) / (double)n;
    rp_fsum_free(&a);
    rp_fsum q = {0};
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - mean;
        if (rp_fsum_add(&q, d * d, NULL)) {
            rp_fsum_free(&q);
            return NAN;
        }
    }
    double v = rp_fsum_value(&q) / (double)n;
    rp_fsum_free(&q);
    return v;
}

void rp_select(uint64_t seed, uint64_t stream, uint64_t n, uint64_t k, uint8_t *sel)
{
    memset(sel, 0, (size_t)((n + 7) / 8));
    uint64_t state = vlit_mix64(seed ^ vlit_mix64(stream + 0x5eedull));
    uint64_t chosen = 0;
    for (uint64_t i = 0; i < n && chosen < k; i++) {
        /* position i is taken with probability (still needed) / (still left) */
        double u = vlit_uniform01(&state);
        if (n - i <= k - chosen || (double)(n - i) * u < (double)(k - chosen)) {
            sel[i / 8] |= (uint8_t)(1u << (i % 8));
            chosen++;
        }
    }
}
