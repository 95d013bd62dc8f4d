/*
 * vlit/base.h - status codes, error details, version.
 *
 * Every public vlit function returns a vlit_status. When it is not VLIT_OK and
 * the caller passed a vlit_error, the error holds a one-line message that names
 * the file, the record (line or array index), the byte offset and the problem.
 * The library never prints and never exits; the `vlit` command does that.
 *
 * Ownership, for every vlit header: a pointer returned inside a struct that a
 * `*_next()` call filled stays valid until the next call on the same handle or
 * until the handle is closed; copy what you keep. Handles are freed by their
 * own `*_close()`/`*_free()`, which accept NULL.
 */
#ifndef VLIT_BASE_H
#define VLIT_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VLIT_VERSION "0.1.0"

/* Stable status codes: values never change once released. */
typedef enum vlit_status {
    VLIT_OK = 0,
    VLIT_END = 1,       /* a reader has no more records: not an error */
    VLIT_ERR_NOMEM = 2, /* out of memory */
    VLIT_ERR_IO = 3,    /* open/read/write/rename failed */
    VLIT_ERR_PARSE = 4, /* malformed JSON, truncated file, bad UTF-8 */
    VLIT_ERR_DATA = 5,  /* well-formed but wrong: types, ranges, unknown ids */
    VLIT_ERR_USAGE = 6, /* bad argument to a function or command */
    VLIT_ERR_LIMIT = 7, /* an input exceeds a configured size limit */
    VLIT_ERR_IMAGE = 8, /* image missing, corrupt or outside the image root */
    VLIT_ERR_UNSUPPORTED = 9, /* feature not compiled in */
    VLIT_ERR_REMOTE = 10      /* a server failed too often (error budget spent) */
} vlit_status;

#define VLIT_ERRMSG_MAX 1024

/* Error details. Zero-initialise; functions fill it on failure. */
typedef struct vlit_error {
    vlit_status status;
    char message[VLIT_ERRMSG_MAX];
} vlit_error;

/* Short constant name of a status ("parse error", ...). Never NULL. */
const char *vlit_status_str(vlit_status status);

/* Library version string, equal to VLIT_VERSION of the headers it was built with. */
const char *vlit_version(void);

/* Output files: written under a temporary name beside the target and renamed
 * over it on commit, so a failure never leaves a half file and never damages
 * the file that was there. path "-" is standard output. */
typedef struct vlit_output vlit_output;
vlit_status vlit_output_open(const char *path, vlit_output **out, vlit_error *err);
/* The stream to write to; owned by the output. */
FILE *vlit_output_file(vlit_output *o);
/* Flushes, syncs, renames into place, frees o. */
vlit_status vlit_output_commit(vlit_output *o, vlit_error *err);
/* Removes the temporary file, frees o; accepts NULL. */
void vlit_output_abort(vlit_output *o);

#ifdef __cplusplus
}
#endif

#endif
