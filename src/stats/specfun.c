/*
 * Special functions for the p-values and intervals of vlit stats
 * (vlit/stats.h): log-gamma, the regularised incomplete beta function,
 * Student's t and the F distribution.
 *
 * The incomplete beta function is evaluated by its continued fraction
 * (Abramowitz & Stegun 26.5.8) with the modified Lentz method. The fraction
 * converges fast for x < (a + 1) / (a + b + 2); beyond that the symmetry
 * I_x(a, b) = 1 - I_{1-x}(b, a) is used, and the side that was evaluated
 * directly gives the complement without subtracting from 1. Callers that
 * know 1 - x exactly (t and F statistics, 1 - r^2) pass it separately, so no
 * precision is lost forming it.
 */
#include <float.h>
#include <math.h>

#include "stats_internal.h"
#include "vlit/stats.h"

double vlit_lgamma(double x)
{
    if (!(x > 0) || isinf(x))
        return isinf(x) && x > 0 ? INFINITY : NAN;
    /* Shift to z >= 10 with Gamma(x) = Gamma(x + m) / (x (x+1) ... (x+m-1)). */
    double shift = 0, z = x;
    if (z < 10) {
        double prod = 1;
        while (z < 10) {
            prod *= z;
            z += 1;
        }
        shift = log(prod);
    }
    /* Stirling's series; the coefficients are B_2j / (2j (2j - 1)). At z >=
     * 10 the first omitted term, 3617 / (122400 z^15), is below 3e-17. */
    double r = 1 / z, r2 = r * r;
    double series =
        r * (1.0 / 12 +
             r2 * (-1.0 / 360 +
                   r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188 + r2 * (-691.0 / 360360 + r2 / 156))))));
    const double half_log_2pi = 0.91893853320467274178032973640562;
    return (z - 0.5) * log(z) - z + half_log_2pi + series - shift;
}

static double lbeta(double a, double b)
{
    return vlit_lgamma(a) + vlit_lgamma(b) - vlit_lgamma(a + b);
}

/* The continued fraction of I_x(a, b) without its front factor, for x below
 * the turning point (a + 1) / (a + b + 2). NaN if it does not converge. */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-16;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 100000; m++) {
        double m2 = 2.0 * m;
        /* even step: d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)) */
        double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + num * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + num / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        h *= d * c;
        /* odd step: d_2m+1 = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + num * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + num / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double step = d * c;
        h *= step;
        if (fabs(step - 1) < eps)
            return h;
    }
    return NAN;
}

/* I_x(a, b) (upper = 0) or 1 - I_x(a, b) (upper = 1), given x and y = 1 - x. */
double st_betainc_xy(double a, double b, double x, double y, int upper)
{
    if (!(a > 0) || !(b > 0) || isinf(a) || isinf(b) || !(x >= 0) || !(y >= 0) || x > 1 || y > 1)
        return NAN;
    if (x == 0)
        return upper ? 1 : 0;
    if (y == 0)
        return upper ? 0 : 1;
    int swap = x > (a + 1) / (a + b + 2);
    if (swap) {
        double t = a;
        a = b;
        b = t;
        t = x;
        x = y;
        y = t;
        upper = !upper;
    }
    /* front = x^a y^b / (a B(a, b)) */
    double lfront = a * log(x) + b * log(y) - lbeta(a, b) - log(a);
    double cf = beta_cf(a, b, x);
    if (isnan(cf))
        return NAN;
    double direct = exp(lfront) * cf;
    if (direct > 1)
        direct = 1;
    return upper ? 1 - direct : direct;
}

double vlit_betainc(double a, double b, double x)
{
    return st_betainc_xy(a, b, x, 1 - x, 0);
}

double vlit_betainc_upper(double a, double b, double x)
{
    return st_betainc_xy(a, b, x, 1 - x, 1);
}

double vlit_t_p2(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    if (isinf(t))
        return 0;
    /* P(|T| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2) */
    double t2 = t * t;
    if (isinf(df))
        return NAN;
    double den = df + t2;
    return st_betainc_xy(df / 2, 0.5, df / den, t2 / den, 0);
}

double vlit_f_cdf(double f, double d1, double d2)
{
    if (isnan(f) || !(d1 > 0) || !(d2 > 0) || isinf(d1) || isinf(d2))
        return NAN;
    if (f <= 0)
        return 0;
    if (isinf(f))
        return 1;
    double u = d1 * f, den = u + d2;
    return st_betainc_xy(d1 / 2, d2 / 2, u / den, d2 / den, 0);
}

double vlit_f_sf(double f, double d1, double d2)
{
    if (isnan(f) || !(d1 > 0) || !(d2 > 0) || isinf(d1) || isinf(d2))
        return NAN;
    if (f <= 0)
        return 1;
    if (isinf(f))
        return 0;
    double u = d1 * f, den = u + d2;
    return st_betainc_xy(d1 / 2, d2 / 2, u / den, d2 / den, 1);
}

double vlit_f_quantile(double p, double d1, double d2)
{
    if (!(p >= 0) || p > 1 || !(d1 > 0) || !(d2 > 0) || isinf(d1) || isinf(d2))
        return NAN;
    if (p == 0)
        return 0;
    if (p == 1)
        return INFINITY;
    /* Solve on u = ln q, where both tails are monotone. Above the median the
     * upper tail is matched (sf(q) = 1 - p), so that small tail areas keep
     * their relative precision. g(u) increases with u. */
    int upper = p > 0.5;
    double target = upper ? 1 - p : p;
#define G(u) (upper ? target - vlit_f_sf(exp(u), d1, d2) : vlit_f_cdf(exp(u), d1, d2) - target)
    double lo = -1, hi = 1, glo = G(lo), ghi = G(hi);
    if (isnan(glo) || isnan(ghi))
        return NAN;
    while (glo > 0) { /* the root is below lo */
        hi = lo;
        ghi = glo;
        lo *= 2;
        if (lo < -1400)
            return 0; /* below the smallest double */
        glo = G(lo);
        if (isnan(glo))
            return NAN;
    }
    while (ghi < 0) {
        lo = hi;
        glo = ghi;
        hi *= 2;
        if (hi > 1400)
            return INFINITY;
        ghi = G(hi);
        if (isnan(ghi))
            return NAN;
    }
    for (int it = 0; it < 400 && hi - lo > 1e-15 * (1 + fabs(lo)); it++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi)
            break;
        double gm = G(mid);
        if (isnan(gm))
            return NAN;
        if (gm < 0)
            lo = mid;
        else if (gm > 0)
            hi = mid;
        else
            return exp(mid);
    }
#undef G
    return exp(0.5 * (lo + hi));
}
