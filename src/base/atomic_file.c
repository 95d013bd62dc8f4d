#define _POSIX_C_SOURCE 200809L
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

vlit_status vlit_atomic_open(vlit_atomic_file *f, const char *path, vlit_error *err)
{
    memset(f, 0, sizeof *f);
    if (strcmp(path, "-") == 0) {
        f->fp = stdout;
        f->path = strdup(path);
        return f->path ? VLIT_OK : vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    size_t n = strlen(path);
    f->path = strdup(path);
    f->tmp_path = malloc(n + 32);
    if (!f->path || !f->tmp_path) {
        vlit_atomic_abort(f);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    /* same folder as the target, so that rename() is atomic */
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
    snprintf(f->tmp_path, n + 32, "%.*s.%s.tmp%ld", (int)dir, path, path + dir, (long)getpid());
    int fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || !(f->fp = fdopen(fd, "w"))) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        vlit_status st = vlit_err(err, VLIT_ERR_IO, "%s: cannot create output: %s", path, strerror(e));
        free(f->tmp_path);
        f->tmp_path = NULL;
        vlit_atomic_abort(f);
        return st;
    }
    return VLIT_OK;
}

vlit_status vlit_atomic_commit(vlit_atomic_file *f, vlit_error *err)
{
    vlit_status st = VLIT_OK;
    if (!f->tmp_path) {
        if (f->fp && fflush(f->fp) != 0)
            st = vlit_err(err, VLIT_ERR_IO, "standard output: write failed: %s", strerror(errno));
        f->fp = NULL;
        free(f->path);
        f->path = NULL;
        return st;
    }
    int failed = ferror(f->fp) || fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0;
    int e = errno;
    if (fclose(f->fp) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    f->fp = NULL;
    if (!failed && rename(f->tmp_path, f->path) != 0) {
        failed = 1;
        e = errno;
    }
    if (failed)
        st = vlit_err(err, VLIT_ERR_IO, "%s: write failed: %s", f->path, strerror(e));
    vlit_atomic_abort(f);
    return st;
}

void vlit_atomic_abort(vlit_atomic_file *f)
{
    if (f->fp && f->fp != stdout)
        fclose(f->fp);
    f->fp = NULL;
    if (f->tmp_path)
        unlink(f->tmp_path); /* harmless after a successful rename: the name is gone */
    free(f->tmp_path);
    free(f->path);
    f->tmp_path = NULL;
    f->path = NULL;
}

/* ---- public wrapper (vlit/base.h) ---- */

struct vlit_output {
    vlit_atomic_file f;
};

vlit_status vlit_output_open(const char *path, vlit_output **out, vlit_error *err)
{
    *out = NULL;
    vlit_output *o = calloc(1, sizeof *o);
    if (!o)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    vlit_status st = vlit_atomic_open(&o->f, path, err);
    if (st) {
        free(o);
        return st;
    }
    *out = o;
    return VLIT_OK;
}

FILE *vlit_output_file(vlit_output *o) { return o->f.fp; }

vlit_status vlit_output_commit(vlit_output *o, vlit_error *err)
{
    vlit_status st = vlit_atomic_commit(&o->f, err);
    free(o);
    return st;
}

void vlit_output_abort(vlit_output *o)
{
    if (!o)
        return;
    vlit_atomic_abort(&o->f);
    free(o);
}
