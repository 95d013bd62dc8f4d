#include "err.h"

#include <stdarg.h>
#include <stdio.h>

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
    case VLIT_ERR_REMOTE: return "remote server failure";
    }
    return "unknown status";
}

const char *vlit_version(void) { return VLIT_VERSION; }
