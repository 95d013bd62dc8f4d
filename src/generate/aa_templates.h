/* Internal: the AA template file, parsed into lists of phrasings per
 * section (format in data/aa_templates.txt and docs/generate.md). */
#ifndef VLIT_GENERATE_AA_TEMPLATES_H
#define VLIT_GENERATE_AA_TEMPLATES_H

#include <stddef.h>

#include "vlit/base.h"

enum aa_section {
    AS_DETAIL_INS,
    AS_BRIEF_INS,
    AS_VQA_ANS,
    AS_VQA_YES,
    AS_VQA_NO,
    AS_COUNT_INS,
    AS_COUNT_ONE,
    AS_COUNT_MANY,
    AS_EXIST_INS,
    AS_EXIST_ANS,
    AS_NEG_ANS,
    AS_ATTR_INS,
    AS_ATTR_ANS,
    AS_LOC_INS,
    AS_LOC_ANS,
    AS_REGION_INS,
    AS_REGION_ANS,
    AS_OCR_INS,
    AS_OCR_ANS,
    AS_GROUP_INS,     /* vqa from objects: which member of a group is shown */
    AS_GROUP_ANS,
    AS_GROUP_NAMES,   /* "supercategory = how a question names it" */
    AS_COLOUR_INS,    /* attribute from captions: an object's colour */
    AS_COLOURS,       /* the colour words looked for in captions */
    AS_COUNT
};

typedef struct aa_templates {
    char **lines[AS_COUNT];
    size_t n[AS_COUNT];
} aa_templates;

/* Every section must be present with at least one phrasing; an unknown
 * section or placeholder is an error naming the file and line. */
vlit_status aa_templates_load(const char *path, aa_templates **out, vlit_error *err);
void aa_templates_free(aa_templates *t);

#endif
