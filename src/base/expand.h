/* Internal: "{name}" placeholders in data-file templates (clue text, AA
 * phrasings). "{{" and "}}" stand for braces. */
#ifndef VLIT_BASE_EXPAND_H
#define VLIT_BASE_EXPAND_H

#include <stddef.h>

#include "buf.h"

typedef struct vlit_field {
    const char *name;
    const char *value; /* NULL = empty */
} vlit_field;

/* Appends text with each {name} replaced by its field's value; unknown
 * names expand to nothing (templates are checked when loaded). */
vlit_status vlit_expand(vlit_buf *b, const char *text, const vlit_field *fields, size_t n);

/* Checks that every {name} in text is one of names (NULL-terminated) and that
 * braces match; returns 0 and writes the problem into why otherwise. */
int vlit_expand_check(const char *text, const char *const *names, char *why, size_t cap);

#endif
