/* Internal: the header of a NumPy .npy file (format 1.0, 2.0 and 3.0),
 * exposed for the unit tests. The header is a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (1000, 256), }
 * followed by spaces and a newline; vlit_matrix_read() reads the data after
 * it. */
#ifndef VLIT_REPORT_NPY_H
#define VLIT_REPORT_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_MAX_HEADER ((size_t)1 << 20) /* numpy itself writes a few hundred bytes */
#define NPY_MAX_DIMS 32

typedef struct npy_header {
    char descr[16];    /* e.g. "<f4" (longer descriptors are an error) */
    int fortran_order; /* 0 or 1 */
    size_t ndim;
    uint64_t shape[NPY_MAX_DIMS];
} npy_header;

/* Parses the dict text (len bytes, not NUL-terminated). Returns 0 and fills
 * h, or -1 with the problem in why (text, with the offset inside the header
 * where it was found). Checks only the syntax and the three keys; the caller
 * checks dtype, order and rank. */
int npy_parse_header(const char *text, size_t len, npy_header *h, char *why, size_t cap);

#endif
