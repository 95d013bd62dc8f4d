/*
 * Internal: the objects a text mentions, found with an object lexicon, and
 * how they compare with a clue record's annotations. Shared by the
 * grounding (matching), annotation-consistency (correctness), CHAIR
 * (hallucination) and annotation-mentions (object complexity) methods.
 *
 *   mention_lexicon *lx;                       // once, in open()
 *   mention_lexicon_open(cfg, &lx, &err);      // <data_dir>/lexicon/coco_objects.tsv
 *   mention_list ml = MENTION_LIST_INIT;       // per sample, any thread
 *   mention_find(lx, item->response, &ml);     // ml.m[i]: category, mode, count
 *   mention_truth t;
 *   mention_truth_build(lx, item->clue, &t);   // instances per category
 *   mention_truth_present(&t, ml.m[0].category);
 *   mention_list_free(&ml);  mention_truth_free(&t);
 *
 * The lexicon (format in its header comment) maps words and phrases to
 * categories: every term, its plural, multi-word names ("hot dog", "cell
 * phone"), synonyms ("sofa"), narrower words ("man" for person), and
 * phrases that hide an object word ("train station"). Text is matched
 * longest phrase first. A mention directly followed by another one is a
 * modifier and dropped ("mother elephant", "bus driver"), and so is one
 * joined by a hyphen to the next word ("cake-style"). Negation ("no",
 * "without", "not", "n't", "never", "neither/nor") covers the next noun
 * phrase and the ones joined to it by "or", "and", "nor" or commas; a yes/no
 * question about existence ("Is there a dog?") queries its objects instead
 * of asserting them, and a clause with a modal of possibility ("might",
 * "could", "possibly", "likely", "if", ...) hedges the objects after it. A
 * number right before a mention ("three dogs", "2 cars", up to two
 * adjectives between) is its count.
 *
 * Ownership: a lexicon is read-only after loading and may be shared by
 * threads; lists and truths belong to their caller and are freed by
 * mention_list_free / mention_truth_free.
 */
#ifndef VLIT_SCORE_MENTIONS_H
#define VLIT_SCORE_MENTIONS_H

#include <stddef.h>

#include "indicator.h"

/* The lexicon inside the data folder. */
#define MENTION_LEXICON_FILE "lexicon/coco_objects.tsv"

typedef struct mention_lexicon mention_lexicon;

/* Loads a lexicon file; errors name the file, the line and the problem. */
vlit_status mention_lexicon_load(const char *path, mention_lexicon **out, vlit_error *err);
/* Loads <cfg->data_dir>/MENTION_LEXICON_FILE; a clear error if the data
 * folder is not set or the file is missing. */
vlit_status mention_lexicon_open(const score_config *cfg, mention_lexicon **out, vlit_error *err);
void mention_lexicon_free(mention_lexicon *lx);
/* Number of categories; categories are 0..size-1 in file order. */
size_t mention_lexicon_size(const mention_lexicon *lx);
const char *mention_lexicon_name(const mention_lexicon *lx, size_t category);
/* The category an annotation's category name belongs to (through the
 * terms: "motorbike" -> motorcycle; case, '_' and '-' ignored), or -1. */
int mention_lexicon_category(const mention_lexicon *lx, const char *name);

typedef enum mention_mode {
    MENTION_ASSERTED = 0, /* the text says or presupposes it is there */
    MENTION_NEGATED = 1,  /* inside a negation ("no cats", "is not holding a bat") */
    MENTION_QUERIED = 2,  /* in a yes/no existence question ("Is there a cat?") */
    MENTION_HEDGED = 3    /* in a clause that speculates ("the driver may have gone", "someone
                             might have left it"): neither claimed nor denied */
} mention_mode;

typedef struct mention {
    int category;
    size_t start, end; /* bytes of the text: text[start..end) is the term */
    mention_mode mode;
    int absence;  /* negated so that it claims absence: "there are no cats",
                     "without a dog", "I do not see any cat" (not "is not holding a bat") */
    int narrower; /* a narrower word ("men" for person): its count is a lower bound */
    int count;    /* the number before it ("two dogs" -> 2; "only one", "a single" -> 1);
                     -1 when there is none or the category has "nocount" */
} mention;

typedef struct mention_list {
    mention *m;
    size_t n, cap;
} mention_list;

#define MENTION_LIST_INIT                                                                                              \
    {                                                                                                                  \
        NULL, 0, 0                                                                                                     \
    }

/* Finds the mentions of text (UTF-8; NULL = empty) into out, replacing its
 * contents, in text order. VLIT_ERR_NOMEM when out of memory. */
vlit_status mention_find(const mention_lexicon *lx, const char *text, mention_list *out);

/* The mentions of a sample's instruction (response 0) or response (1),
 * found once per sample and shared by every method that asks with a
 * lexicon of the same content (through it->memo); *out stays valid until
 * the driver finishes the batch. Without a memo it is found each time into
 * a list owned by the memo-less caller: pass own (initialised), else NULL. */
vlit_status mention_find_shared(const mention_lexicon *lx, const score_item *it, int response, mention_list *own,
                                const mention_list **out);
void mention_list_free(mention_list *l);

/* Marks seen[c] = 1 for the category c of every mention of l whose mode is
 * in `modes` (a bit set of 1u << MENTION_*); seen has mention_lexicon_size()
 * entries. Returns the number of categories newly marked. */
size_t mention_mark(const mention_list *l, unsigned modes, unsigned char *seen, size_t n_categories);

/* What a clue record's objects say per lexicon category. */
typedef struct mention_truth {
    size_t n;             /* categories (mention_lexicon_size) */
    int *instances;       /* objects without iscrowd, per category */
    unsigned char *crowd; /* 1: the category has an iscrowd object (a group of unknown size) */
    size_t mapped;        /* objects whose category is in the lexicon */
    size_t unmapped;      /* objects of other categories (ignored) */
} mention_truth;

/* Counts clue's objects per category. VLIT_ERR_NOMEM when out of memory. */
vlit_status mention_truth_build(const mention_lexicon *lx, const score_clue *clue, mention_truth *t);
int mention_truth_present(const mention_truth *t, int category);
/* Whether "count objects of category" agrees with the annotations: exactly
 * the instances, or, when lower_bound (a narrower word: "two men"), at most
 * them. An iscrowd object stands for at least one more instance of unknown
 * number: then an exact count must exceed the other instances and a lower
 * bound always agrees. */
int mention_truth_count_ok(const mention_truth *t, int category, int count, int lower_bound);
void mention_truth_free(mention_truth *t);

/* A quoted string: text[start..end) is inside the quotes. */
typedef struct mention_span {
    size_t start, end;
} mention_span;

/* Quoted strings ("...", “...”, '...', ‘...’; 1 to 12 words, one line) in
 * sentences that speak of writing (reads, says, written, text, sign, label,
 * logo, ...), as text claimed to be seen in the image. Writes up to max
 * spans and returns how many there are. */
size_t mention_quotes(const char *text, mention_span *out, size_t max);

/* 1 if every word of s[0..len) is among the words of clue's OCR tokens:
 * case and punctuation ignored, one edit allowed in words of 5 or more
 * characters (OCR misreads). 0 otherwise, and 0 for a string without words. */
int mention_ocr_match(const score_clue *clue, const char *s, size_t len);

#endif
