/*
 * Internal: a reader of the WordNet 3.0 database files (Debian's
 * wordnet-base, /usr/share/wordnet) for the instruction-complexity
 * indicator: which parts of speech a word has, its base forms (WordNet's
 * "morphy": exception lists, then suffix rules), how often each part of
 * speech was sense-tagged in the WordNet concordance (cntlist.rev), and
 * which words begin a multi-word lemma ("traffic_light", "take_apart").
 *
 *   wordnet *wn;  vlit_error err = {0};
 *   if (wordnet_open(NULL, &wn, &err)) fail(err.message);  // VLIT_WORDNET_DIR or /usr/share/wordnet
 *   wordnet_lemma out[WORDNET_MAX_LEMMAS];
 *   size_t n = wordnet_morphy(wn, "geese", 5, WORDNET_NOUN, out, WORDNET_MAX_LEMMAS);  // "goose"
 *   wordnet_close(wn);
 *
 * Files read: index.{noun,verb,adj,adv} (lemma and part of speech of every
 * line; the synset offsets are not kept), {noun,verb,adj,adv}.exc and
 * cntlist.rev. The data.* files (glosses, relations) are not needed.
 * Everything is loaded once; afterwards the handle is read-only and may be
 * shared by any number of threads. Strings returned point into the handle
 * and live as long as it. Words are looked up as given: callers fold case
 * (WordNet's lemmas are lower case, multi-word lemmas joined by '_').
 */
#ifndef VLIT_SCORE_WORDNET_H
#define VLIT_SCORE_WORDNET_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

typedef enum wordnet_pos { WORDNET_NOUN = 0, WORDNET_VERB = 1, WORDNET_ADJ = 2, WORDNET_ADV = 3 } wordnet_pos;
#define WORDNET_NPOS 4
#define WORDNET_POS_BIT(p) (1u << (p))

/* Where the files are when no folder is given, and the variable that overrides it. */
#define WORDNET_DEFAULT_DIR "/usr/share/wordnet"
#define WORDNET_DIR_ENV "VLIT_WORDNET_DIR"

/* The files, in this order, for wordnet_load(). */
enum {
    WORDNET_INDEX_NOUN,
    WORDNET_INDEX_VERB,
    WORDNET_INDEX_ADJ,
    WORDNET_INDEX_ADV,
    WORDNET_EXC_NOUN,
    WORDNET_EXC_VERB,
    WORDNET_EXC_ADJ,
    WORDNET_EXC_ADV,
    WORDNET_CNTLIST,
    WORDNET_NFILES
};
extern const char *const wordnet_file_names[WORDNET_NFILES]; /* "index.noun", ... */

typedef struct wordnet wordnet;

/* What WordNet knows of one written form. */
typedef struct wordnet_entry {
    const char *word; /* the form, NUL-terminated, owned by the handle */
    uint32_t len;
    uint8_t pos;                 /* WORDNET_POS_BIT set: a lemma in index.<pos> */
    uint8_t colloc;              /* >= 2: begins a multi-word lemma of at most this many words */
    uint8_t exc_n[WORDNET_NPOS]; /* base forms in <pos>.exc (internal: see wordnet_morphy) */
    uint32_t exc_first[WORDNET_NPOS];
    uint32_t tagged[WORDNET_NPOS]; /* sense-tagged occurrences as <pos> (cntlist.rev) */
} wordnet_entry;

/* A base form found by wordnet_morphy. */
typedef struct wordnet_lemma {
    const wordnet_entry *entry; /* entry->word is the lemma; entry->pos has the asked bit */
    int how;                    /* WORDNET_AS_IS, WORDNET_BY_EXCEPTION, WORDNET_BY_RULE */
} wordnet_lemma;
enum { WORDNET_AS_IS = 0, WORDNET_BY_EXCEPTION = 1, WORDNET_BY_RULE = 2 };
#define WORDNET_MAX_LEMMAS 8

/* One file's content, for wordnet_load. name is used in messages. */
typedef struct wordnet_source {
    const char *name;
    const char *data;
    size_t len;
} wordnet_source;

/* Loads the files of dir (NULL or "": $VLIT_WORDNET_DIR if set, else
 * /usr/share/wordnet). A missing file fails with a message that names it
 * and the Debian package to install. */
vlit_status wordnet_open(const char *dir, wordnet **out, vlit_error *err);

/* Builds the handle from file contents already in memory (all
 * WORDNET_NFILES of them, in the order above; an empty one is allowed
 * except for the four index files). Malformed lines fail with the file's
 * name and the line number. The sources are not kept. */
vlit_status wordnet_load(const wordnet_source src[WORDNET_NFILES], wordnet **out, vlit_error *err);

void wordnet_close(wordnet *wn);

/* The entry of a form, or NULL. */
const wordnet_entry *wordnet_lookup(const wordnet *wn, const char *word, size_t len);

/* Base forms of word as part of speech pos that are lemmas of index.<pos>,
 * without repeats, at most cap of them: the word itself if it is one, then
 * its exceptions (<pos>.exc), then the results of the suffix rules (for
 * nouns "-s", "-ses", "-xes", "-zes", "-ches", "-shes", "-men", "-ies"; verbs
 * "-s", "-ies", "-es", "-ed", "-ing"; adjectives "-er", "-est"; each with
 * WordNet's replacement endings), and finally, ours, the rules again with a
 * doubled final consonant undone ("stopping" -> "stop"). Returns how many. */
size_t wordnet_morphy(const wordnet *wn, const char *word, size_t len, wordnet_pos pos, wordnet_lemma *out, size_t cap);

/* wordnet_morphy for the four parts of speech at once (the instruction
 * analyser's path: each distinct stem is looked up once). out[p][0..n[p])
 * are the lemmas as part of speech p; *self (if not NULL) receives the
 * entry of word itself, or NULL. Returns the number of lemmas in all. */
size_t wordnet_morphy_all(const wordnet *wn, const char *word, size_t len, const wordnet_entry **self,
                          wordnet_lemma out[WORDNET_NPOS][WORDNET_MAX_LEMMAS], size_t n[WORDNET_NPOS]);

/* Number of distinct forms known (lemmas, exception forms, collocation heads). */
size_t wordnet_size(const wordnet *wn);

#endif
