/* The pieces of vlit select that need no file: the rule table, threshold
 * parsing, percentiles, the balance allocation and the share variance. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/err.h"
#include "vlit/select.h"

static const char *const group_names[VLIT_SELECT_GROUPS] = {"usability", "complexity", "diversity", "balance"};

static const struct {
    const char *indicator;
    int group;
    int sense; /* +1 floor, -1 ceiling */
} rules[VLIT_SELECT_RULES] = {
    {"text_readability", VLIT_SELECT_USABILITY, +1}, {"image_readability", VLIT_SELECT_USABILITY, -1},
    {"matching", VLIT_SELECT_USABILITY, +1},         {"correctness", VLIT_SELECT_USABILITY, +1},
    {"hallucination", VLIT_SELECT_USABILITY, -1},    {"instruction_complexity", VLIT_SELECT_COMPLEXITY, +1},
};

const char *vlit_select_group_name(int group)
{
    return group >= 0 && group < VLIT_SELECT_GROUPS ? group_names[group] : NULL;
}

vlit_status vlit_select_group_parse(const char *name, int *group)
{
    for (int g = 0; g < VLIT_SELECT_GROUPS; g++)
        if (name && strcmp(name, group_names[g]) == 0) {
            *group = g;
            return VLIT_OK;
        }
    return VLIT_ERR_USAGE;
}

const char *vlit_select_rule_indicator(int rule)
{
    return rule >= 0 && rule < VLIT_SELECT_RULES ? rules[rule].indicator : NULL;
}

int vlit_select_rule_group(int rule)
{
    return rule >= 0 && rule < VLIT_SELECT_RULES ? rules[rule].group : -1;
}

int vlit_select_rule_sense(int rule)
{
    return rule >= 0 && rule < VLIT_SELECT_RULES ? rules[rule].sense : 0;
}

vlit_status vlit_select_threshold_parse(const char *text, vlit_select_threshold *t)
{
    if (!text || !*text)
        return VLIT_ERR_USAGE;
    if (strcmp(text, "off") == 0) {
        t->on = 0;
        return VLIT_OK;
    }
    int pct = text[0] == 'p' || text[0] == 'P';
    const char *s = text + pct;
    if (!*s || *s == ' ' || *s == '\t')
        return VLIT_ERR_USAGE;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || (pct && (v < 0 || v > 100)))
        return VLIT_ERR_USAGE;
    t->on = 1;
    t->percentile = pct;
    t->value = v;
    return VLIT_OK;
}

vlit_select_params vlit_select_default_params(void)
{
    vlit_select_params p;
    memset(&p, 0, sizeof p);
    p.threshold[VLIT_RULE_TEXT_READABILITY] = (vlit_select_threshold){1, 1, 10, 0};
    p.threshold[VLIT_RULE_IMAGE_READABILITY] = (vlit_select_threshold){1, 1, 90, 0};
    p.threshold[VLIT_RULE_MATCHING] = (vlit_select_threshold){1, 1, 10, 0};
    p.threshold[VLIT_RULE_CORRECTNESS] = (vlit_select_threshold){1, 1, 10, 0};
    p.threshold[VLIT_RULE_INSTRUCTION_COMPLEXITY] = (vlit_select_threshold){1, 0, 2, 0};
    p.similarity = 0.9;
    p.dim = 256;
    p.seed = 1;
    p.in_format = VLIT_FMT_JSONL;
    p.out_format = VLIT_FMT_LLAVA;
    p.shard_count = 1;
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double vlit_select_percentile(double *values, size_t n, double p)
{
    qsort(values, n, sizeof *values, cmp_double);
    if (p <= 0)
        return values[0];
    if (p >= 100)
        return values[n - 1];
    double h = (double)(n - 1) * p / 100.0;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return values[n - 1];
    double f = h - (double)lo;
    return values[lo] + f * (values[lo + 1] - values[lo]);
}

void vlit_select_allocate(const size_t *counts, size_t k, size_t target, size_t *alloc)
{
    size_t total = 0, top = 0;
    for (size_t t = 0; t < k; t++) {
        total += counts[t];
        top = counts[t] > top ? counts[t] : top;
    }
    if (target >= total) {
        memcpy(alloc, counts, k * sizeof *alloc);
        return;
    }
    /* the largest level L with sum min(c, L) <= target, by bisection (no
     * memory, k log(max count) steps) */
    size_t lo = 0, hi = top < target ? top : target;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2, s = 0;
        for (size_t t = 0; t < k; t++)
            s += counts[t] < mid ? counts[t] : mid;
        if (s <= target)
            lo = mid;
        else
            hi = mid - 1;
    }
    size_t used = 0;
    for (size_t t = 0; t < k; t++)
        used += alloc[t] = counts[t] < lo ? counts[t] : lo;
    /* L + 1 does not fit, so fewer samples are left than tasks above L */
    for (size_t t = 0; t < k && used < target; t++)
        if (counts[t] > lo) {
            alloc[t]++;
            used++;
        }
}

double vlit_select_share_variance(const size_t *counts, size_t k)
{
    if (k == 0)
        return 0;
    double total = 0;
    for (size_t t = 0; t < k; t++)
        total += (double)counts[t];
    if (total == 0)
        return 0;
    double mean = 100.0 / (double)k, q = 0;
    for (size_t t = 0; t < k; t++) {
        double d = 100.0 * (double)counts[t] / total - mean;
        q += d * d;
    }
    return q / (double)k;
}
