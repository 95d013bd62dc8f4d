/*
 * Internal: the elements of an instruction, counted from a lexicon-based
 * part-of-speech and role analysis (principle 7, instruction complexity;
 * the paper counted the semantic roles of instructions).
 *
 *   ielem *an;  vlit_error err = {0};
 *   ielem_open(NULL, "data/lexicon/closed_class.tsv", &an, &err);  // WordNet: $VLIT_WORDNET_DIR or /usr/share/wordnet
 *   ielem_scratch *s = ielem_scratch_new();                           // one per thread
 *   ielem_counts c;
 *   ielem_count(an, s, text, strlen(text), &c, NULL);                // c.total elements
 *   ielem_scratch_free(s);  ielem_close(an);
 *
 * The analysis, sentence by sentence (docs/indicators-instruction-complexity.md
 * has the full definition):
 *   1. tokens: words (clitics split: "what's", "don't", "dog's"), numbers,
 *      punctuation; lines that are answer options ("A. red") are not read,
 *      they make one output constraint;
 *   2. each word's possible tags: the closed-class lexicon (determiners,
 *      pronouns, prepositions, ...), else WordNet: lemmas by morphy, one tag
 *      per part of speech (verbs by inflection: base, -s, -ed, -ing),
 *      weighted by WordNet's sense-tagged counts; multi-word lemmas of the
 *      lexicon ("in front of") and of WordNet ("traffic light", "take
 *      apart") become one token;
 *   3. one tag per word: a first-order Viterbi over 24 coarse tags, with
 *      the weights as emission scores and a small hand-written table of tag
 *      transitions (ours);
 *   4. elements, each counted once per instruction (by kind and lemma):
 *      predicates (content verbs), arguments (noun-phrase heads, pronouns
 *      that refer to something), modifiers (adjectives, numbers,
 *      quantifiers, noun modifiers, content adverbs, modals, negation),
 *      relations (prepositions with their object, subordinating
 *      conjunctions, comparatives), question foci (wh-questions) and output
 *      constraints (units such as "in two sentences", style words such as
 *      "briefly", answer options). References to the image itself ("in the
 *      picture", "the given image") and to the user or the assistant ("can
 *      you", "for me") count nothing.
 *
 * The analyser is read-only after ielem_open and may be shared by threads;
 * each thread needs its own scratch.
 */
#ifndef VLIT_SCORE_INSTRUCTION_ELEMENTS_H
#define VLIT_SCORE_INSTRUCTION_ELEMENTS_H

#include <stddef.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "wordnet.h"

#define IELEM_LEXICON_FILE "lexicon/closed_class.tsv" /* under the data folder */

typedef struct ielem ielem;
typedef struct ielem_scratch ielem_scratch;

typedef struct ielem_counts {
    unsigned total;       /* the sum of the six kinds */
    unsigned predicates;  /* distinct content verbs */
    unsigned arguments;   /* distinct noun-phrase heads and referring pronouns */
    unsigned modifiers;   /* attributes, numbers, quantifiers, manner adverbs, modals, negation */
    unsigned relations;   /* spatial, temporal, causal, comparative ... */
    unsigned focus;       /* question foci */
    unsigned constraints; /* constraints on the answer's form */
    unsigned words;       /* word tokens read */
    unsigned unknown;     /* words neither in the lexicon nor in WordNet */
} ielem_counts;

/* Loads WordNet from wordnet_dir (NULL: $VLIT_WORDNET_DIR, else
 * /usr/share/wordnet) and the closed-class lexicon. */
vlit_status ielem_open(const char *wordnet_dir, const char *lexicon_path, ielem **out, vlit_error *err);

/* The same with a WordNet already loaded; takes wn over (closes it on
 * failure too). */
vlit_status ielem_new(wordnet *wn, const char *lexicon_path, ielem **out, vlit_error *err);

void ielem_close(ielem *an);

ielem_scratch *ielem_scratch_new(void); /* NULL when out of memory */
void ielem_scratch_free(ielem_scratch *s);

/* Counts the elements of text[0..len) (UTF-8; invalid bytes are read as
 * letters of unknown words). If explain is not NULL, appends for each
 * sentence its tagged words ("word/TAG ...") and each new element
 * ("  predicate describe"). Fails only when out of memory. */
vlit_status ielem_count(const ielem *an, ielem_scratch *s, const char *text, size_t len, ielem_counts *out,
                        vlit_buf *explain);

#endif
