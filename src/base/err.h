/* Internal: filling a vlit_error. */
#ifndef VLIT_BASE_ERR_H
#define VLIT_BASE_ERR_H

#include "vlit/base.h"

#if defined(__GNUC__)
#define VLIT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define VLIT_PRINTF(a, b)
#endif

/* Sets err (if not NULL) and returns status, so callers can `return vlit_err(...)`. */
vlit_status vlit_err(vlit_error *err, vlit_status status, const char *fmt, ...) VLIT_PRINTF(3, 4);

#endif
