/* score_value helpers shared by every indicator method. */
#include <stdarg.h>
#include <stdio.h>

#include "indicator.h"

void score_missing(score_value *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
    out->missing = 1;
    out->n_extra = 0;
}

void score_extra(score_value *out, const char *name, double value)
{
    if (out->n_extra >= SCORE_MAX_EXTRA)
        return;
    out->extra[out->n_extra].name = name;
    out->extra[out->n_extra].value = value;
    out->n_extra++;
}
