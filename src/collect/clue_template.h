/* Internal: the clue template, parsed. Format (docs/clue.md):
 *   # comment lines
 *   [section]        one of the names in clue_template.c
 *   text with {placeholders}; "{{" and "}}" stand for braces
 * Groups (captions, objects, ...) appear in the output in the order their
 * sections appear in the file; a group without items is left out. */
#ifndef VLIT_COLLECT_CLUE_TEMPLATE_H
#define VLIT_COLLECT_CLUE_TEMPLATE_H

#include "vlit/collect.h"

enum clue_section {
    CS_HEADER,
    CS_CAPTIONS_TITLE,
    CS_CAPTION,
    CS_OBJECTS_TITLE,
    CS_OBJECT,
    CS_BOXES_TITLE,
    CS_BOX,
    CS_ATTRIBUTES_TITLE,
    CS_ATTRIBUTE,
    CS_PEOPLE,
    CS_QA_TITLE,
    CS_QA,
    CS_OCR_TITLE,
    CS_OCR,
    CS_FOOTER,
    CS_COUNT
};

struct vlit_clue_template {
    char *text[CS_COUNT];   /* NULL when the file has no such section */
    int order[CS_COUNT];    /* sections in file order */
    int n_order;
};

const char *clue_section_name(int s);
/* Placeholders allowed in section s, NULL-terminated. */
const char *const *clue_section_fields(int s);

#endif
