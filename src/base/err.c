#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

vlit_status vlit_err(vlit_error *err, vlit_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

void vlit_err_prefix(vlit_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[VLIT_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* long messages are cut at VLIT_ERRMSG_MAX, on purpose */
    char joined[2 * VLIT_ERRMSG_MAX + 2];
    size_t a = strlen(prefix), b = strnlen(err->message, VLIT_ERRMSG_MAX - 1);
    memcpy(joined, prefix, a);
    memcpy(joined + a, ": ", 2);
    memcpy(joined + a + 2, err->message, b);
    joined[a + 2 + b] = '\0';
    memcpy(err->message, joined, VLIT_ERRMSG_MAX - 1);
    err->message[VLIT_ERRMSG_MAX - 1] = '\0';
}

const char *vlit_status_str(vlit_status status)
{
    switch (status) {
    case VLIT_OK: return "ok";
    case VLIT_END: return "end of input";
    case VLIT_ERR_NOMEM: return "out of memory";
    case VLIT_ERR_IO: return "I/O error";
    case VLIT_ERR_PARSE: return "parse error";
    case VLIT_ERR_DATA: return "invalid data";
    case VLIT_ERR_USAGE: return "usage error";
    case VLIT_ERR_LIMIT: return "size limit exceeded";
    case VLIT_ERR_IMAGE: return "image error";
    case VLIT_ERR_UNSUPPORTED: return "not supported in this build";
    }
    return "unknown status";
}

const char *vlit_version(void) { return VLIT_VERSION; }
