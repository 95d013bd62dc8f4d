/* Internal: UTF-8 validation for text that does not come through the JSON
 * parser (templates, OCR output). */
#ifndef VLIT_BASE_UTF8_H
#define VLIT_BASE_UTF8_H

#include <stddef.h>

/* 1 if s[0..len) is valid UTF-8 (no overlongs, no surrogates); else 0 and
 * *bad_offset = offset of the first bad byte. */
int vlit_utf8_valid(const char *s, size_t len, size_t *bad_offset);

#endif
