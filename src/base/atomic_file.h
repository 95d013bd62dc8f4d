/* Internal: outputs are written to a temporary name in the target's folder
 * and renamed over the target only when complete, so a failure or a kill
 * never leaves a half-written file and never damages the previous one. */
#ifndef VLIT_BASE_ATOMIC_FILE_H
#define VLIT_BASE_ATOMIC_FILE_H

#include <stdio.h>

#include "err.h"

typedef struct vlit_atomic_file {
    FILE *fp;        /* write here */
    char *path;      /* final name; "-" means standard output (no rename) */
    char *tmp_path;  /* temporary name, NULL for standard output */
} vlit_atomic_file;

vlit_status vlit_atomic_open(vlit_atomic_file *f, const char *path, vlit_error *err);
/* Flushes, syncs and renames. On failure the temporary file is removed. */
vlit_status vlit_atomic_commit(vlit_atomic_file *f, vlit_error *err);
/* Removes the temporary file; the target is left as it was. Accepts a
 * zeroed or already committed struct. */
void vlit_atomic_abort(vlit_atomic_file *f);

#endif
