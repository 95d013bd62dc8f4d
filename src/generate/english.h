/* Internal: the bits of English grammar the templates need. */
#ifndef VLIT_GENERATE_ENGLISH_H
#define VLIT_GENERATE_ENGLISH_H

#include "../base/buf.h"

/* Plural of a (possibly multi-word) object name: "wine glass" -> "wine
 * glasses", "person" -> "people", "sheep" -> "sheep". */
void en_plural(const char *name, vlit_buf *out);
/* "a cup", "an apple"; capital: "A cup". */
void en_article(const char *name, int capital, vlit_buf *out);
/* A caption as a sentence: trimmed, first letter upper-case, final period. */
void en_sentence(const char *text, vlit_buf *out);
/* "a, b and c" */
void en_list(const char *const *items, size_t n, vlit_buf *out);

#endif
