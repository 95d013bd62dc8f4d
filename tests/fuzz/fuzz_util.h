/* Shared by the harnesses: parsers that read files get the input through a
 * per-process temporary file. */
#ifndef VLIT_FUZZ_UTIL_H
#define VLIT_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *fuzz_path(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "/tmp/vlit-fuzz-%ld-%s", (long)getpid(), name);
    return buf[k];
}

static const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    const char *p = fuzz_path(name);
    FILE *fp = fopen(p, "wb");
    if (!fp)
        abort();
    if (size && fwrite(data, 1, size, fp) != size)
        abort();
    fclose(fp);
    return p;
}

#endif
