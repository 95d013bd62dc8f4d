/* The WordNet reader (index, exception lists, cntlist) on arbitrary files,
 * and the instruction analyser on arbitrary text with the WordNet so made.
 *
 * Input: up to ten parts separated by NUL bytes: index.noun, index.verb,
 * index.adj, index.adv, noun.exc, verb.exc, adj.exc, adv.exc, cntlist.rev
 * (missing parts are empty), then a text to analyse. A WordNet that loads
 * must keep morphy's promises: every lemma it returns is in the index under
 * the asked part of speech, and is found again by lookup. The element counts
 * must add up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/score/instruction_elements.h"
#include "../../src/score/wordnet.h"

#ifndef VLIT_DATA_DIR
#define VLIT_DATA_DIR "data"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_words(const wordnet *wn, const char *p, size_t n)
{
    size_t words = 0;
    for (size_t i = 0; i < n && words < 64;) {
        while (i < n && (p[i] == ' ' || p[i] == '\n'))
            i++;
        size_t j = i;
        while (j < n && p[j] != ' ' && p[j] != '\n')
            j++;
        if (j == i)
            break;
        words++;
        wordnet_lemma all[WORDNET_NPOS][WORDNET_MAX_LEMMAS];
        size_t nall[WORDNET_NPOS];
        const wordnet_entry *self;
        wordnet_morphy_all(wn, p + i, j - i, &self, all, nall);
        if (self && (self->len != j - i || memcmp(self->word, p + i, j - i)))
            __builtin_trap();
        for (int pos = 0; pos < WORDNET_NPOS; pos++) {
            for (size_t l = 0; l < nall[pos]; l++) {
                const wordnet_entry *e = all[pos][l].entry;
                if (!(e->pos & WORDNET_POS_BIT(pos)) || strlen(e->word) != e->len ||
                    wordnet_lookup(wn, e->word, e->len) != e)
                    __builtin_trap();
            }
        }
        /* the one-part-of-speech call agrees (one part of speech per word, in turn) */
        wordnet_pos pos = (wordnet_pos)(words % WORDNET_NPOS);
        wordnet_lemma one[WORDNET_MAX_LEMMAS];
        size_t k = wordnet_morphy(wn, p + i, j - i, pos, one, WORDNET_MAX_LEMMAS);
        if (k != nall[pos] || (k && one[0].entry != all[pos][0].entry))
            __builtin_trap();
        i = j;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    wordnet_source src[WORDNET_NFILES];
    for (int i = 0; i < WORDNET_NFILES; i++) {
        const char *z = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
        const char *e = z ? z : end;
        src[i].name = wordnet_file_names[i];
        src[i].data = p < end ? p : "";
        src[i].len = p < end ? (size_t)(e - p) : 0;
        p = z ? z + 1 : end;
    }
    const char *text = p < end ? p : "";
    size_t text_len = p < end ? (size_t)(end - p) : 0;
    wordnet *wn;
    vlit_error err = {0};
    if (wordnet_load(src, &wn, &err))
        return 0;
    for (int i = 0; i < WORDNET_NFILES; i++)
        check_words(wn, src[i].data, src[i].len);
    check_words(wn, text, text_len);
    ielem *an;
    if (ielem_new(wn, VLIT_DATA_DIR "/" IELEM_LEXICON_FILE, &an, &err))
        abort();             /* the project's lexicon must load */
    static ielem_scratch *s; /* independent of the analyser: made once */
    if (!s && !(s = ielem_scratch_new()))
        abort();
    ielem_counts c;
    if (ielem_count(an, s, text, text_len, &c, NULL) == VLIT_OK &&
        c.total != c.predicates + c.arguments + c.modifiers + c.relations + c.focus + c.constraints)
        __builtin_trap();
    ielem_close(an);
    return 0;
}
