/* The elements of an instruction: see instruction_elements.h, and
 * docs/indicators-instruction-complexity.md for the definition. */
#include "instruction_elements.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/lines.h"
#include "../base/strmap.h"

/* ---- tags and roles ---------------------------------------------------- */

/* clang-format off */
enum {
    T_BOS, /* sentence boundary (start and end state of the tagger) */
    T_NOUN, T_PROPN, T_PRON, T_VB, T_VBZ, T_VED, T_VBG, T_ADJ, T_ADV, T_NUM, T_DET, T_PREP, T_TO, T_AUX,
    T_MODAL, T_CONJ, T_SCONJ, T_WH, T_PART, T_POSS, T_PUNCT, T_INTJ, T_EX, T_DEG,
    NT,
    G_VERB = 100 /* the lexicon's VERB: any of VB VBZ VED VBG */
};
static const char *const tag_names[NT] = {"BOS", "NOUN", "PROPN", "PRON", "VB",    "VBZ",  "VED",  "VBG",
                                          "ADJ", "ADV",  "NUM",   "DET",  "PREP",  "TO",   "AUX",  "MODAL",
                                          "CONJ", "SCONJ", "WH",  "PART", "POSS",  "PUNCT", "INTJ", "EX", "DEG"};

enum {
    R_NONE, R_QUANT, R_NEG, R_CMP, R_REF, R_ADDR, R_FOCUS, R_QUANTITY, R_KIND, R_SPATIAL, R_DIRECTION,
    R_TEMPORAL, R_CAUSE, R_COND, R_CONTRAST, R_PURPOSE, R_MEANS, R_ACCOMP, R_EXCEPT, R_LINK, R_TOPIC,
    R_COMPL, R_MOD, R_NUM, R_ORD, R_FRAME, R_PLACE, R_UNIT, R_OUTPUT, R_STYLE, R_STYLEOUT, R_FRAMEMOD, R_USE,
    NROLES
};
static const char *const role_names[NROLES] = {
    "-",        "quant",    "neg",    "cmp",     "ref",     "addr",   "focus",  "quantity", "kind",
    "spatial",  "direction", "temporal", "cause", "cond",    "contrast", "purpose", "means", "accomp",
    "except",   "link",     "topic",  "compl",   "mod",     "num",    "ord",    "frame",    "place",
    "unit",     "output",   "style",  "styleout", "framemod", "use"};

/* clang-format on */

/* roles of prepositions and conjunctions that make a relation element */
static int is_relation_role(int r)
{
    return r == R_CMP || (r >= R_SPATIAL && r <= R_EXCEPT);
}

#define B(t) (1u << (t))
#define VERBS (B(T_VB) | B(T_VBZ) | B(T_VED) | B(T_VBG))
#define NOMS (B(T_NOUN) | B(T_PROPN))
#define CLOSED                                                                                                         \
    (B(T_PRON) | B(T_NUM) | B(T_DET) | B(T_PREP) | B(T_TO) | B(T_AUX) | B(T_MODAL) | B(T_CONJ) | B(T_SCONJ) |          \
     B(T_WH) | B(T_PART) | B(T_POSS) | B(T_INTJ) | B(T_EX) | B(T_DEG))
#define ALL ((1u << NT) - 1)

/* The tagger's transition scores (natural log units, added up when several
 * lines apply; 0 where none does). Ours, written from English grammar and
 * checked on the hand-written cases of tests/unit/test_instruction_complexity.c. */
static const struct {
    uint32_t from, to;
    float w;
} grammar[] = {
    /* sentence start: imperatives and questions */
    {B(T_BOS), B(T_VB), 1.0f},
    {B(T_BOS), B(T_VBZ) | B(T_VED) | B(T_POSS), -2.0f},
    /* noun phrases */
    {B(T_DET), NOMS, 2.0f},
    {B(T_DET), B(T_ADJ), 1.5f},
    {B(T_DET), B(T_NUM), 1.0f},
    {B(T_DET), VERBS, -3.0f},
    {B(T_DET), B(T_VBG) | B(T_VED), 1.0f},
    {B(T_DET), B(T_DET) | B(T_PRON) | B(T_AUX) | B(T_MODAL) | B(T_PREP) | B(T_TO) | B(T_POSS) | B(T_WH), -3.0f},
    {B(T_DET), B(T_BOS) | B(T_PUNCT) | B(T_CONJ), -2.5f},
    {B(T_ADJ) | B(T_NUM), NOMS, 2.0f},
    {B(T_ADJ), VERBS, -1.5f},
    {B(T_NUM), VERBS, -1.0f},
    {B(T_POSS), NOMS, 2.5f},
    {B(T_POSS), B(T_ADJ) | B(T_NUM), 1.0f},
    {B(T_POSS), VERBS | B(T_PREP) | B(T_AUX) | B(T_BOS) | B(T_DET), -3.0f},
    {NOMS, B(T_POSS), 1.5f},
    {NOMS, B(T_VBZ) | B(T_VED) | B(T_AUX) | B(T_MODAL) | B(T_PREP), 1.0f},
    {NOMS, B(T_VB), -0.5f},
    {NOMS, B(T_DET), -1.0f},
    {B(T_PRON), VERBS | B(T_AUX) | B(T_MODAL), 1.5f},
    {B(T_PRON), B(T_VBG), -1.5f},
    {B(T_PRON), NOMS | B(T_ADJ) | B(T_POSS) | B(T_DET), -1.5f},
    {B(T_SCONJ), B(T_DET) | B(T_PRON) | NOMS | B(T_EX), 0.5f},
    {B(T_WH) | B(T_EX), B(T_POSS), -3.0f},
    /* verb groups */
    {B(T_MODAL), B(T_VB), 3.0f},
    {B(T_MODAL), B(T_VBZ) | B(T_VED) | B(T_VBG), -3.0f},
    {B(T_MODAL), B(T_PRON) | B(T_PART) | B(T_AUX), 1.0f},
    {B(T_MODAL), NOMS | B(T_ADJ), -1.5f},
    {B(T_TO), ALL, -2.0f},
    {B(T_TO), B(T_VB), 5.0f},
    {B(T_TO), B(T_AUX), 4.0f},
    {B(T_PREP), B(T_DET) | B(T_NUM) | B(T_ADJ) | NOMS | B(T_PRON) | B(T_VBG) | B(T_WH), 1.0f},
    {B(T_PREP), B(T_VB) | B(T_VBZ) | B(T_VED) | B(T_MODAL) | B(T_AUX), -2.5f},
    {B(T_AUX), B(T_VBG) | B(T_VED), 2.0f},
    {B(T_AUX), B(T_VB) | B(T_VBZ), -1.5f},
    {B(T_AUX), B(T_PRON) | B(T_DET) | B(T_EX) | B(T_ADJ) | B(T_PART) | B(T_NUM), 1.0f},
    {B(T_AUX), B(T_PREP) | NOMS | B(T_ADV) | B(T_AUX) | B(T_DEG), 0.5f},
    {B(T_WH), B(T_AUX) | B(T_MODAL), 2.0f},
    {B(T_WH), NOMS, 1.0f},
    {B(T_WH), B(T_ADJ) | B(T_ADV) | B(T_VBZ) | B(T_VED), 0.5f},
    {B(T_WH), B(T_VB), -1.0f},
    {VERBS, B(T_DET) | B(T_PRON) | B(T_PREP) | B(T_ADV) | B(T_NUM) | B(T_TO) | B(T_PART) | B(T_WH), 0.7f},
    {VERBS, NOMS | B(T_ADJ), 0.3f},
    {VERBS, VERBS, -1.5f},
    {B(T_VB), B(T_SCONJ), 0.5f},
    {B(T_VED), B(T_PREP), 0.5f},
    {B(T_PART), VERBS | B(T_ADJ), 1.0f},
    {B(T_CONJ), B(T_VB), 0.3f},
    {B(T_INTJ), B(T_VB), 1.0f},
    {B(T_ADV) | B(T_DEG), B(T_ADJ) | B(T_ADV), 0.7f},
    {B(T_DEG), VERBS, 0.3f},
    {B(T_EX), B(T_AUX) | B(T_MODAL), 3.0f},
    {B(T_EX), ALL & ~(B(T_AUX) | B(T_MODAL)), -1.0f},
    /* sentence end */
    {B(T_DET) | B(T_TO) | B(T_POSS) | B(T_MODAL), B(T_BOS), -3.0f},
    {B(T_PREP) | B(T_CONJ), B(T_BOS), -1.0f},
    {NOMS, B(T_BOS), 0.5f},
};

/* ---- the lexicon ---------------------------------------------------------- */

#define LEX_MAX_WORDS 6
#define MAX_WORD 64  /* longer words are not looked up */
#define MAX_FORM 160 /* longest multi-word form */

typedef struct lex_entry {
    const char *form; /* '_' between words, owned by the map */
    uint16_t len;
    uint8_t tag, role, open;
    uint32_t next; /* the form's next entry, or UINT32_MAX */
} lex_entry;

struct ielem {
    wordnet *wn;
    vlit_strmap lex;   /* form -> first entry */
    vlit_strmap heads; /* first word of a multi-word form -> most words */
    lex_entry *entries;
    size_t n_entries, cap_entries;
    float trans[NT][NT];
};

static int closed_tag(int t)
{
    return t < NT && (CLOSED & B(t));
}

static int name_index(const char *const *names, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return (int)i;
    return -1;
}

static vlit_status lex_line(ielem *an, char *line, size_t len, const char *path, size_t lineno, vlit_error *err)
{
    char *field[5];
    size_t flen[5], nf = 0;
    char *p = line, *end = line + len;
    while (nf < 5) {
        char *tab = memchr(p, '\t', (size_t)(end - p));
        field[nf] = p;
        flen[nf] = (size_t)((tab ? tab : end) - p);
        nf++;
        if (!tab)
            break;
        p = tab + 1;
    }
    if (nf < 3 || nf > 4)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: expected form, tag, role and optional flags", path, lineno);
    /* the form: lower case words joined by '_' */
    char form[MAX_FORM + 1];
    size_t n = 0, words = 1;
    if (flen[0] == 0 || flen[0] > MAX_FORM)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: empty or too long form", path, lineno);
    for (size_t i = 0; i < flen[0]; i++) {
        char c = field[0][i];
        if (c == ' ') {
            if (n == 0 || form[n - 1] == '_')
                return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: words separated by more than one space", path,
                                lineno);
            c = '_';
            words++;
        } else if (c >= 'A' && c <= 'Z') {
            return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: forms are lower case", path, lineno);
        } else if ((unsigned char)c < ' ') {
            return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: control character in the form", path, lineno);
        }
        form[n++] = c;
    }
    if (form[n - 1] == '_' || words > LEX_MAX_WORDS)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: bad form (at most %d words)", path, lineno, LEX_MAX_WORDS);
    int tag = name_index(tag_names, NT, field[1], flen[1]);
    if (flen[1] == 4 && memcmp(field[1], "VERB", 4) == 0)
        tag = G_VERB;
    if (tag < 0 || tag == T_BOS || tag == T_PUNCT || tag == T_POSS || tag == T_PROPN ||
        (tag != G_VERB && tag >= T_VB && tag <= T_VBG))
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: unknown tag \"%.*s\"", path, lineno, (int)flen[1], field[1]);
    int role = name_index(role_names, NROLES, field[2], flen[2]);
    if (role < 0)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: unknown role \"%.*s\"", path, lineno, (int)flen[2],
                        field[2]);
    int open = 0;
    if (nf == 4) {
        if (flen[3] != 4 || memcmp(field[3], "open", 4) != 0)
            return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: unknown flag \"%.*s\"", path, lineno, (int)flen[3],
                            field[3]);
        open = 1;
    }
    if (an->n_entries == an->cap_entries) {
        size_t cap = an->cap_entries ? 2 * an->cap_entries : 256;
        lex_entry *e = realloc(an->entries, cap * sizeof *e);
        if (!e)
            return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
        an->entries = e;
        an->cap_entries = cap;
    }
    int inserted;
    const char *stored;
    uint32_t idx = (uint32_t)an->n_entries;
    uint32_t *first = vlit_strmap_put(&an->lex, form, n, idx, &inserted, &stored);
    if (!first)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    for (uint32_t k = *first; !inserted && k != UINT32_MAX; k = an->entries[k].next)
        if (an->entries[k].tag == tag)
            return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: \"%.*s\" %s given twice", path, lineno, (int)flen[0],
                            field[0], tag == G_VERB ? "VERB" : tag_names[tag]);
    lex_entry *e = &an->entries[an->n_entries++];
    e->form = stored;
    e->len = (uint16_t)n;
    e->tag = (uint8_t)tag;
    e->role = (uint8_t)role;
    e->open = (uint8_t)open;
    e->next = inserted ? UINT32_MAX : *first;
    *first = idx;
    if (words > 1) {
        size_t head = (size_t)((char *)memchr(form, '_', n) - form);
        uint32_t *m = vlit_strmap_put(&an->heads, form, head, (uint32_t)words, &inserted, NULL);
        if (!m)
            return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
        if (*m < words)
            *m = (uint32_t)words;
    }
    return VLIT_OK;
}

static vlit_status lex_load(ielem *an, const char *path, vlit_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open the closed-class lexicon", path);
    vlit_lines l;
    vlit_status st = vlit_lines_init(&l, fp, path, 4096, err);
    if (st) {
        fclose(fp);
        return st;
    }
    while ((st = vlit_lines_next(&l, err)) == VLIT_OK) {
        char *s = l.line.data;
        size_t len = l.line.len;
        if (len && s[len - 1] == '\r')
            len--;
        if (len == 0 || s[0] == '#')
            continue;
        if ((st = lex_line(an, s, len, path, l.lineno, err)))
            break;
    }
    vlit_lines_free(&l);
    fclose(fp);
    if (st == VLIT_END)
        st = an->n_entries ? VLIT_OK : vlit_err(err, VLIT_ERR_DATA, "%s: no entries", path);
    return st;
}

vlit_status ielem_new(wordnet *wn, const char *lexicon_path, ielem **out, vlit_error *err)
{
    *out = NULL;
    ielem *an = calloc(1, sizeof *an);
    if (!an) {
        wordnet_close(wn);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    an->wn = wn;
    vlit_strmap_init(&an->lex);
    vlit_strmap_init(&an->heads);
    vlit_status st = lex_load(an, lexicon_path, err);
    if (st) {
        ielem_close(an);
        return st;
    }
    for (size_t r = 0; r < sizeof grammar / sizeof grammar[0]; r++)
        for (int f = 0; f < NT; f++)
            for (int t = 0; t < NT; t++)
                if ((grammar[r].from & B(f)) && (grammar[r].to & B(t)))
                    an->trans[f][t] += grammar[r].w;
    *out = an;
    return VLIT_OK;
}

vlit_status ielem_open(const char *wordnet_dir, const char *lexicon_path, ielem **out, vlit_error *err)
{
    wordnet *wn;
    *out = NULL;
    vlit_status st = wordnet_open(wordnet_dir, &wn, err);
    return st ? st : ielem_new(wn, lexicon_path, out, err);
}

void ielem_close(ielem *an)
{
    if (!an)
        return;
    wordnet_close(an->wn);
    vlit_strmap_free(&an->lex);
    vlit_strmap_free(&an->heads);
    free(an->entries);
    free(an);
}

/* ---- tokens ---------------------------------------------------------------- */

#define MAX_TOK 160 /* a longer sentence is read in pieces */
#define MAX_CAND 8
#define CHARS 8192 /* the text of one piece, lower-cased, with merged forms */

enum { K_WORD, K_CLITIC, K_NUM, K_ORD, K_PUNCT };

typedef struct cand {
    const char *lemma;
    const wordnet_entry *entry; /* the lemma's WordNet entry, if any */
    float score;                /* weight, then log-probability */
    uint16_t lemma_len;
    uint8_t tag, role, cmp;
} cand;

typedef struct tok {
    const char *text;
    const wordnet_entry *self; /* WordNet's entry of the form itself */
    uint16_t len;
    uint8_t kind, cap, initial, dead, frame, used, unknown, closed;
    uint8_t n, best;
    cand c[MAX_CAND];
} tok;

struct ielem_scratch {
    tok t[MAX_TOK];
    size_t n;
    char chars[CHARS];
    size_t n_chars;
    size_t live[MAX_TOK]; /* tokens left after merging */
    size_t n_live;
    float score[MAX_TOK][MAX_CAND];
    uint8_t back[MAX_TOK][MAX_CAND];
    /* elements seen in this instruction (hashes, generation-stamped) */
    uint64_t *set_key;
    uint32_t *set_gen;
    size_t set_cap, set_len;
    uint32_t gen;
    int nomem;
    ielem_counts *out;
    vlit_buf *explain;
};

ielem_scratch *ielem_scratch_new(void)
{
    return calloc(1, sizeof(ielem_scratch));
}

void ielem_scratch_free(ielem_scratch *s)
{
    if (!s)
        return;
    free(s->set_key);
    free(s->set_gen);
    free(s);
}

typedef struct reader {
    const char *p, *end;
    int line_start;
    unsigned options;
} reader;

static int ascii_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Bytes of a word starting at p: ASCII letters and digits, apostrophes
 * (also U+2019), hyphens, and other non-ASCII bytes (letters of other
 * scripts) except typographic quotes, dashes and the no-break space. */
static size_t word_bytes(const char *p, const char *end, int *apostrophe)
{
    const unsigned char *q = (const unsigned char *)p, *e = (const unsigned char *)end;
    *apostrophe = 0;
    while (q < e) {
        if (ascii_alnum(*q) || *q == '\'' || *q == '-') {
            q++;
        } else if (*q == 0xE2 && e - q >= 3 && q[1] == 0x80) {
            if (q[2] != 0x99)
                break;
            *apostrophe = 1;
            q += 3;
        } else if (*q == 0xC2 && e - q >= 2 && q[1] == 0xA0) {
            break;
        } else if (*q >= 0x80) {
            q++;
        } else {
            break;
        }
    }
    return (size_t)(q - (const unsigned char *)p);
}

static tok *push_tok(ielem_scratch *s, const char *text, size_t len, int kind)
{
    if (s->n >= MAX_TOK || s->n_chars + len + 1 > CHARS)
        return NULL;
    char *d = s->chars + s->n_chars;
    memcpy(d, text, len);
    d[len] = '\0';
    s->n_chars += len + 1;
    tok *t = &s->t[s->n++];
    memset(t, 0, offsetof(tok, c));
    t->text = d;
    t->len = (uint16_t)len;
    t->kind = (uint8_t)kind;
    return t;
}

static int is_digits(const char *w, size_t n)
{
    if (!n || w[0] < '0' || w[0] > '9')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((w[i] >= '0' && w[i] <= '9') ||
              ((w[i] == '.' || w[i] == ',') && i + 1 < n && w[i + 1] >= '0' && w[i + 1] <= '9')))
            return 0;
    return 1;
}

/* Adds the word w (already lower-cased, apostrophes normalised) and its clitics. */
static void push_word(ielem_scratch *s, const char *w, size_t n, int cap, int initial)
{
    static const char *const clitics[] = {"n't", "'s", "'re", "'ve", "'ll", "'d", "'m"};
    while (n && (w[0] == '\'' || w[0] == '-')) {
        w++;
        n--;
    }
    int plural_poss = 0;
    while (n && (w[n - 1] == '\'' || w[n - 1] == '-')) {
        plural_poss |= w[n - 1] == '\'' && n >= 2 && w[n - 2] == 's';
        n--;
    }
    if (!n)
        return;
    const char *clitic = NULL;
    size_t cl = 0;
    if (n == 6 && memcmp(w, "cannot", 6) == 0) {
        clitic = "not";
        cl = 3;
        n = 3;
    } else {
        for (size_t i = 0; i < sizeof clitics / sizeof *clitics; i++) {
            size_t k = strlen(clitics[i]);
            if (n > k && memcmp(w + n - k, clitics[i], k) == 0) {
                clitic = clitics[i];
                cl = k;
                n -= k;
                break;
            }
        }
    }
    int kind = K_WORD;
    if (is_digits(w, n))
        kind = K_NUM;
    else if (n >= 3 && w[0] >= '0' && w[0] <= '9' && is_digits(w, n - 2) &&
             (!memcmp(w + n - 2, "st", 2) || !memcmp(w + n - 2, "nd", 2) || !memcmp(w + n - 2, "rd", 2) ||
              !memcmp(w + n - 2, "th", 2)))
        kind = K_ORD;
    tok *t = push_tok(s, w, n, kind);
    if (t) {
        t->cap = (uint8_t)cap;
        t->initial = (uint8_t)initial;
    }
    if (clitic)
        push_tok(s, clitic, cl, K_CLITIC);
    else if (plural_poss)
        push_tok(s, "'s", 2, K_CLITIC);
}

/* An answer option at the start of a line: "A. ...", "(B) ...", "C) ...". */
static int option_line(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p < end && *p == '(')
        p++;
    if (p >= end || *p < 'A' || *p > 'H')
        return 0;
    p++;
    if (p >= end || (*p != '.' && *p != ')'))
        return 0;
    p++;
    return p == end || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
}

/* Reads the next sentence (or a piece of a long one) into s->t. Returns 0 at the end of the text. */
static int read_sentence(reader *rd, ielem_scratch *s)
{
    s->n = 0;
    s->n_chars = 0;
    int initial = 1;
    while (rd->p < rd->end) {
        if (s->n + 3 >= MAX_TOK || s->n_chars + MAX_WORD + 8 >= CHARS)
            return 1;
        if (rd->line_start) {
            rd->line_start = 0;
            if (option_line(rd->p, rd->end)) {
                rd->options++;
                const char *nl = memchr(rd->p, '\n', (size_t)(rd->end - rd->p));
                rd->p = nl ? nl : rd->end;
                continue;
            }
        }
        unsigned char c = (unsigned char)*rd->p;
        if (c == '\n' || c == '.' || c == '!' || c == '?' || c == ';') {
            rd->line_start = c == '\n';
            rd->p++;
            if (s->n)
                return 1;
            continue;
        }
        if (c == ',' || c == ':' || c == '(' || c == ')' || c == '[' || c == ']' || c == '/') {
            rd->p++;
            if (s->n && s->t[s->n - 1].kind != K_PUNCT)
                push_tok(s, ",", 1, K_PUNCT);
            continue;
        }
        if (c == 0xE2 && rd->end - rd->p >= 3 && rd->p[1] == (char)0x80 && rd->p[2] != (char)0x99) {
            /* typographic quotes are skipped; dashes and the ellipsis separate */
            unsigned char d = (unsigned char)rd->p[2];
            rd->p += 3;
            if ((d == 0x93 || d == 0x94 || d == 0xA6) && s->n && s->t[s->n - 1].kind != K_PUNCT)
                push_tok(s, ",", 1, K_PUNCT);
            continue;
        }
        int apostrophe;
        size_t n = word_bytes(rd->p, rd->end, &apostrophe);
        if (n == 0) {
            rd->p++; /* spaces, quotes, symbols */
            continue;
        }
        char w[MAX_WORD + 1];
        size_t k = 0;
        int cap = c >= 'A' && c <= 'Z';
        for (size_t i = 0; i < n && k < MAX_WORD; i++) {
            unsigned char b = (unsigned char)rd->p[i];
            if (b == 0xE2 && apostrophe && i + 2 < n && (unsigned char)rd->p[i + 1] == 0x80 &&
                (unsigned char)rd->p[i + 2] == 0x99) {
                w[k++] = '\'';
                i += 2;
            } else {
                w[k++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
            }
        }
        /* a number may go on with "." or "," and digits ("3.5", "1,000") */
        size_t used = n;
        while (k && w[k - 1] >= '0' && w[k - 1] <= '9' && rd->p + used + 1 < rd->end &&
               (rd->p[used] == '.' || rd->p[used] == ',') && rd->p[used + 1] >= '0' && rd->p[used + 1] <= '9' &&
               is_digits(w, k)) {
            size_t more = word_bytes(rd->p + used + 1, rd->end, &apostrophe);
            if (k + 1 + more > MAX_WORD)
                break;
            w[k++] = rd->p[used];
            for (size_t i = 0; i < more; i++)
                w[k++] = rd->p[used + 1 + i];
            used += 1 + more;
        }
        rd->p += used;
        if (n > MAX_WORD) /* kept as a word of its own, not looked up */
            k = MAX_WORD;
        push_word(s, w, k, cap, initial);
        initial = 0;
    }
    return s->n > 0;
}

/* ---- candidate tags -------------------------------------------------------- */

static void add_cand(tok *t, int tag, int role, int cmp, const char *lemma, size_t len, const wordnet_entry *e, float w)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->c[i].tag == tag && t->c[i].lemma_len == len && memcmp(t->c[i].lemma, lemma, len) == 0) {
            if (w > t->c[i].score)
                t->c[i].score = w;
            return;
        }
    if (t->n >= MAX_CAND)
        return;
    cand *c = &t->c[t->n++];
    c->lemma = lemma;
    c->lemma_len = (uint16_t)len;
    c->entry = e;
    c->score = w;
    c->tag = (uint8_t)tag;
    c->role = (uint8_t)role;
    c->cmp = (uint8_t)cmp;
}

static int ends_with(const char *w, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n > k && memcmp(w + n - k, suffix, k) == 0;
}

/* The verb tag of an inflected form. */
static int verb_form(const char *w, size_t n, int how)
{
    if (how == WORDNET_AS_IS)
        return T_VB;
    if (ends_with(w, n, "ing"))
        return T_VBG;
    if (ends_with(w, n, "s") && !ends_with(w, n, "ss"))
        return T_VBZ;
    return T_VED;
}

static int in_group(int tag, int group)
{
    return group == G_VERB ? (VERBS & B(tag)) != 0 : tag == group;
}

/* WordNet's readings of the form w; returns their total weight. */
static float wordnet_cands(const ielem *an, tok *t, const char *w, size_t n)
{
    wordnet_lemma L[WORDNET_NPOS][WORDNET_MAX_LEMMAS];
    size_t nl[WORDNET_NPOS];
    wordnet_morphy_all(an->wn, w, n, &t->self, L, nl);
    float sum = 0;
    for (int p = 0; p < WORDNET_NPOS; p++)
        for (size_t i = 0; i < nl[p] && i < 3; i++) {
            const wordnet_entry *e = L[p][i].entry;
            int how = L[p][i].how;
            float wt = (float)e->tagged[p] + 1.0f;
            /* "owner", "number": a noun in use, not the comparative of "own", "numb" */
            if (p == WORDNET_ADJ && how == WORDNET_BY_RULE && t->self &&
                (t->self->pos & WORDNET_POS_BIT(WORDNET_NOUN)) && t->self->tagged[WORDNET_NOUN] > 0)
                continue;
            int tag = p == WORDNET_NOUN   ? T_NOUN
                      : p == WORDNET_VERB ? verb_form(w, n, how)
                      : p == WORDNET_ADJ  ? T_ADJ
                                          : T_ADV;
            add_cand(t, tag, R_NONE, p >= WORDNET_ADJ && how != WORDNET_AS_IS, e->word, e->len, e, wt);
            sum += wt;
        }
    return sum;
}

/* "one-sentence", "50-word", "three-paragraph": a number, a hyphen and a
 * unit of the answer (singular). */
static int unit_compound(const ielem *an, const tok *t)
{
    const char *h = memchr(t->text, '-', t->len);
    if (!h || h == t->text || h + 1 >= t->text + t->len || memchr(h + 1, '-', (size_t)(t->text + t->len - h - 1)))
        return 0;
    size_t n1 = (size_t)(h - t->text), n2 = (size_t)(t->text + t->len - h - 1);
    int number = is_digits(t->text, n1);
    const uint32_t *f = vlit_strmap_get(&an->lex, t->text, n1);
    for (uint32_t k = f ? *f : UINT32_MAX; k != UINT32_MAX && !number; k = an->entries[k].next)
        number = an->entries[k].tag == T_NUM;
    if (!number)
        return 0;
    f = vlit_strmap_get(&an->lex, h + 1, n2);
    for (uint32_t k = f ? *f : UINT32_MAX; k != UINT32_MAX; k = an->entries[k].next)
        if (an->entries[k].tag == T_NOUN && an->entries[k].role == R_UNIT)
            return 1;
    return 0;
}

/* All possible tags of token t, with log-probabilities. */
static void analyse(const ielem *an, tok *t)
{
    t->n = 0;
    t->closed = 0;
    t->unknown = 0;
    t->self = NULL;
    if (t->kind == K_PUNCT) {
        add_cand(t, T_PUNCT, R_NONE, 0, t->text, t->len, NULL, 1);
        t->c[0].score = 0;
        return;
    }
    if (t->kind == K_NUM || t->kind == K_ORD) {
        add_cand(t, T_NUM, t->kind == K_ORD ? R_ORD : R_NUM, 0, t->text, t->len, NULL, 1);
        t->c[0].score = 0;
        return;
    }
    if (t->kind == K_CLITIC && t->len == 2 && memcmp(t->text, "'s", 2) == 0) {
        add_cand(t, T_POSS, R_NONE, 0, "'s", 2, NULL, 1);
        add_cand(t, T_AUX, R_NONE, 0, "be", 2, NULL, 1);
    }
    struct {
        int group, role;
    } ann[4];
    size_t n_ann = 0, n_closed = 0;
    int open = 0;
    const uint32_t *first = vlit_strmap_get(&an->lex, t->text, t->len);
    for (uint32_t k = first ? *first : UINT32_MAX; k != UINT32_MAX; k = an->entries[k].next) {
        const lex_entry *e = &an->entries[k];
        if (closed_tag(e->tag)) {
            add_cand(t, e->tag, e->role, 0, e->form, e->len, NULL, -1);
            n_closed++;
            open |= e->open;
        } else if (n_ann < 4) {
            ann[n_ann].group = e->tag;
            ann[n_ann].role = e->role;
            n_ann++;
        }
    }
    t->closed = n_closed && !open;
    float wsum = 0;
    if ((!n_closed || open) && t->kind == K_WORD)
        wsum = wordnet_cands(an, t, t->text, t->len);
    for (size_t i = 0; i < t->n; i++)
        if (t->c[i].score < 0)
            t->c[i].score = open && wsum > 1 ? wsum : 1;
    uint8_t annotated[MAX_CAND] = {0};
    for (size_t a = 0; a < n_ann; a++) {
        int found = 0;
        for (size_t i = 0; i < t->n; i++)
            if (in_group(t->c[i].tag, ann[a].group)) {
                t->c[i].role = (uint8_t)ann[a].role;
                annotated[i] = 1;
                found = 1;
            }
        if (!found && t->n < MAX_CAND) {
            int tag = ann[a].group == G_VERB ? verb_form(t->text, t->len, WORDNET_BY_RULE) : ann[a].group;
            annotated[t->n] = 1;
            add_cand(t, tag, ann[a].role, 0, t->text, t->len, NULL, wsum > 1 ? wsum : 1);
        }
    }
    /* the lexicon's roles apply to WordNet's lemmas too ("sentences", "images", "using") */
    for (size_t i = 0; i < t->n; i++) {
        const cand *c = &t->c[i];
        if (!c->entry || c->role || (c->lemma_len == t->len && !memcmp(c->lemma, t->text, t->len)))
            continue;
        const uint32_t *lf = vlit_strmap_get(&an->lex, c->lemma, c->lemma_len);
        for (uint32_t k = lf ? *lf : UINT32_MAX; k != UINT32_MAX; k = an->entries[k].next)
            if (!closed_tag(an->entries[k].tag) && in_group(c->tag, an->entries[k].tag)) {
                t->c[i].role = an->entries[k].role;
                annotated[i] = 1;
            }
    }
    /* a reading the lexicon describes is how instructions use the word: at least even odds */
    float all = 0;
    for (size_t i = 0; i < t->n; i++)
        all += t->c[i].score;
    for (size_t i = 0; i < t->n; i++)
        if (annotated[i] && t->c[i].score < all - t->c[i].score)
            t->c[i].score = all - t->c[i].score;
    if (t->n == 0 && unit_compound(an, t))
        add_cand(t, T_ADJ, R_UNIT, 0, t->text, t->len, NULL, 1);
    if (t->n == 0) {
        /* unknown to both: guess from the shape */
        const char *w = t->text;
        size_t n = t->len;
        t->unknown = 1;
        if (t->cap) {
            add_cand(t, T_PROPN, R_NONE, 0, w, n, NULL, 1);
        } else if (ends_with(w, n, "ly")) {
            add_cand(t, T_ADV, R_NONE, 0, w, n, NULL, 1);
        } else if (ends_with(w, n, "ing")) {
            add_cand(t, T_VBG, R_NONE, 0, w, n, NULL, 1);
            add_cand(t, T_NOUN, R_NONE, 0, w, n, NULL, 1);
        } else if (ends_with(w, n, "ed")) {
            add_cand(t, T_VED, R_NONE, 0, w, n, NULL, 1);
            add_cand(t, T_ADJ, R_NONE, 0, w, n, NULL, 1);
        } else {
            add_cand(t, T_NOUN, R_NONE, 0, w, n, NULL, 2);
            add_cand(t, T_ADJ, R_NONE, 0, w, n, NULL, 1);
        }
    }
    float total = 0;
    for (size_t i = 0; i < t->n; i++)
        total += t->c[i].score;
    for (size_t i = 0; i < t->n; i++)
        t->c[i].score = logf(t->c[i].score / total);
}

/* ---- multi-word forms ------------------------------------------------------ */

/* Joins the texts of live tokens i.. (k of them, all words) with '_' into
 * buf; 0 if they are not k words in a row. last: replaces the last word. */
static size_t join(const ielem_scratch *s, size_t i, size_t k, const char *first, size_t first_len, const char *last,
                   size_t last_len, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t j = 0; j < k; j++) {
        if (i + j >= s->n_live)
            return 0;
        const tok *t = &s->t[s->live[i + j]];
        if (t->kind != K_WORD)
            return 0;
        const char *w = t->text;
        size_t wl = t->len;
        if (j == 0 && first) {
            w = first;
            wl = first_len;
        } else if (j == k - 1 && last) {
            w = last;
            wl = last_len;
        }
        if (n + wl + 1 > cap)
            return 0;
        if (j)
            buf[n++] = '_';
        memcpy(buf + n, w, wl);
        n += wl;
    }
    return n;
}

/* Makes live token i the merged form (k tokens long) and drops the others. */
static tok *merge(ielem_scratch *s, size_t i, size_t k, const char *form, size_t len)
{
    if (s->n_chars + len + 1 > CHARS)
        return NULL;
    char *d = s->chars + s->n_chars;
    memcpy(d, form, len);
    d[len] = '\0';
    s->n_chars += len + 1;
    tok *t = &s->t[s->live[i]];
    t->text = d;
    t->len = (uint16_t)len;
    for (size_t j = 1; j < k; j++)
        s->t[s->live[i + j]].dead = 1;
    memmove(&s->live[i + 1], &s->live[i + k], (s->n_live - i - k) * sizeof s->live[0]);
    s->n_live -= k - 1;
    return t;
}

static int has_tag(const tok *t, uint32_t tags)
{
    for (size_t i = 0; i < t->n; i++)
        if (tags & B(t->c[i].tag))
            return 1;
    return 0;
}

/* A token after a verb + particle that shows the particle takes an object. */
static int starts_phrase(const tok *t)
{
    if (t->kind == K_PUNCT)
        return 0;
    if (t->kind != K_WORD)
        return 1;
    return !t->closed || has_tag(t, B(T_DET) | B(T_PRON) | B(T_NUM));
}

static void merge_forms(const ielem *an, ielem_scratch *s)
{
    char buf[MAX_FORM + 1];
    for (size_t i = 0; i < s->n_live; i++) {
        tok *t = &s->t[s->live[i]];
        if (t->kind != K_WORD)
            continue;
        /* the lexicon's multi-word forms, longest first */
        const uint32_t *most = vlit_strmap_get(&an->heads, t->text, t->len);
        int done = 0;
        for (size_t k = most ? *most : 0; k >= 2 && !done; k--) {
            if (i + k > s->n_live)
                continue;
            /* as written, then with the last word's noun lemma ("bullet points") */
            const tok *lastt = &s->t[s->live[i + k - 1]];
            for (int variant = 0; variant < 2 && !done; variant++) {
                const char *last = NULL;
                size_t last_len = 0;
                for (size_t c = 0; variant && c < lastt->n && !last; c++)
                    if (lastt->c[c].tag == T_NOUN && lastt->c[c].entry) {
                        last = lastt->c[c].lemma;
                        last_len = lastt->c[c].lemma_len;
                    }
                if (variant && !last)
                    break;
                size_t n = join(s, i, k, NULL, 0, last, last_len, buf, sizeof buf);
                if (n && vlit_strmap_get(&an->lex, buf, n)) {
                    tok *m = merge(s, i, k, buf, n);
                    if (m) {
                        analyse(an, m);
                        done = 1;
                    }
                }
            }
        }
        if (done || t->closed)
            continue;
        /* WordNet's multi-word nouns and verbs: the word itself or its verb lemma begins one */
        const wordnet_entry *heads[MAX_CAND + 1];
        int head_verb[MAX_CAND + 1];
        size_t nh = 0;
        if (t->self && t->self->colloc >= 2) {
            heads[nh] = t->self;
            head_verb[nh++] = -1;
        }
        for (size_t c = 0; c < t->n; c++)
            if ((VERBS & B(t->c[c].tag)) && t->c[c].entry && t->c[c].entry->colloc >= 2 && t->c[c].entry != t->self) {
                heads[nh] = t->c[c].entry;
                head_verb[nh++] = t->c[c].tag;
            }
        size_t most_words = 0;
        for (size_t h = 0; h < nh; h++)
            if (heads[h]->colloc > most_words)
                most_words = heads[h]->colloc;
        if (most_words > 4)
            most_words = 4;
        if (most_words > s->n_live - i)
            most_words = s->n_live - i;
        for (size_t k = most_words; k >= 2 && !done; k--) {
            /* function words inside: only a verb's particle that ends its clause
             * ("what is going on?"), not a preposition with an object ("sit on the bench") */
            int inner_closed = 0;
            for (size_t j = 1; j < k; j++)
                inner_closed |= s->t[s->live[i + j]].closed;
            int particle_ok = !inner_closed || i + k >= s->n_live || !starts_phrase(&s->t[s->live[i + k]]);
            const tok *lastt = &s->t[s->live[i + k - 1]];
            const char *last_noun = NULL;
            size_t last_noun_len = 0;
            for (size_t c = 0; c < lastt->n && !last_noun; c++)
                if (lastt->c[c].tag == T_NOUN && lastt->c[c].entry) {
                    last_noun = lastt->c[c].lemma;
                    last_noun_len = lastt->c[c].lemma_len;
                }
            cand found[MAX_CAND];
            size_t nf = 0;
            for (size_t h = 0; h < nh; h++) {
                if (heads[h]->colloc < k)
                    continue;
                /* as written, then with the last word's noun lemma ("traffic lights") */
                for (int variant = 0; variant < 2; variant++) {
                    if (variant && !last_noun)
                        break;
                    size_t n = join(s, i, k, heads[h]->word, heads[h]->len, variant ? last_noun : NULL, last_noun_len,
                                    buf, sizeof buf);
                    const wordnet_entry *e = n ? wordnet_lookup(an->wn, buf, n) : NULL;
                    if (!e)
                        continue;
                    if ((e->pos & WORDNET_POS_BIT(WORDNET_VERB)) && particle_ok && nf < MAX_CAND) {
                        found[nf].tag = (uint8_t)(head_verb[h] > 0 ? head_verb[h] : T_VB);
                        found[nf].entry = e;
                        found[nf++].score = (float)e->tagged[WORDNET_VERB] + 1;
                    }
                    if ((e->pos & WORDNET_POS_BIT(WORDNET_NOUN)) && head_verb[h] < 0 && !inner_closed &&
                        nf < MAX_CAND) {
                        found[nf].tag = T_NOUN;
                        found[nf].entry = e;
                        found[nf++].score = (float)e->tagged[WORDNET_NOUN] + 1;
                    }
                }
            }
            if (!nf)
                continue;
            size_t n = join(s, i, k, NULL, 0, NULL, 0, buf, sizeof buf);
            tok *m = n ? merge(s, i, k, buf, n) : NULL;
            if (!m)
                continue;
            m->n = 0;
            m->self = found[0].entry;
            float total = 0;
            for (size_t c = 0; c < nf; c++) {
                add_cand(m, found[c].tag, R_NONE, 0, found[c].entry->word, found[c].entry->len, found[c].entry,
                         found[c].score);
            }
            for (size_t c = 0; c < m->n; c++)
                total += m->c[c].score;
            for (size_t c = 0; c < m->n; c++)
                m->c[c].score = logf(m->c[c].score / total);
            done = 1;
        }
    }
}

static const cand *chosen(const ielem_scratch *s, size_t i);
static int tag_at(const ielem_scratch *s, size_t i);
static int lemma_is(const cand *c, const char *w);

/* ---- tagging ---------------------------------------------------------------- */

static void viterbi(const ielem *an, ielem_scratch *s)
{
    size_t n = s->n_live;
    for (size_t i = 0; i < n; i++) {
        const tok *t = &s->t[s->live[i]];
        const tok *p = i ? &s->t[s->live[i - 1]] : NULL;
        for (size_t c = 0; c < t->n; c++) {
            float best = -INFINITY;
            uint8_t arg = 0;
            if (!p) {
                best = an->trans[T_BOS][t->c[c].tag];
            } else {
                for (size_t d = 0; d < p->n; d++) {
                    float v = s->score[i - 1][d] + an->trans[p->c[d].tag][t->c[c].tag];
                    if (v > best) {
                        best = v;
                        arg = (uint8_t)d;
                    }
                }
            }
            s->score[i][c] = best + t->c[c].score;
            s->back[i][c] = arg;
        }
    }
    if (!n)
        return;
    const tok *last = &s->t[s->live[n - 1]];
    float best = -INFINITY;
    uint8_t arg = 0;
    for (size_t c = 0; c < last->n; c++) {
        float v = s->score[n - 1][c] + an->trans[last->c[c].tag][T_BOS];
        if (v > best) {
            best = v;
            arg = (uint8_t)c;
        }
    }
    for (size_t i = n; i-- > 0;) {
        s->t[s->live[i]].best = arg;
        arg = s->back[i][arg];
    }
}

/* A first-order tagger cannot see that a modal or "do" asks for a verb
 * further on: "what challenges might the duck face ...?" tags "duck face"
 * as a compound. When a clause's modal or "do" has no verb after it, the
 * first noun after a noun that can be a base-form verb becomes one. */
static void repair(ielem_scratch *s)
{
    for (size_t i = 0; i < s->n_live; i++) {
        const cand *c = chosen(s, i);
        int needs =
            c->tag == T_MODAL || (c->tag == T_AUX && (lemma_is(c, "do") || lemma_is(c, "does") || lemma_is(c, "did")));
        if (!needs)
            continue;
        size_t end = i + 1;
        int has_verb = 0;
        for (; end < s->n_live; end++) {
            int t = tag_at(s, end);
            if ((B(T_PUNCT) | B(T_CONJ) | B(T_SCONJ)) & B(t))
                break;
            has_verb |= ((VERBS | B(T_AUX)) & B(t)) != 0;
        }
        if (has_verb)
            continue;
        for (size_t j = i + 2; j < end; j++) {
            tok *t = &s->t[s->live[j]];
            if (t->c[t->best].tag != T_NOUN || !(NOMS & B(tag_at(s, j - 1))))
                continue;
            size_t v;
            for (v = 0; v < t->n && t->c[v].tag != T_VB; v++)
                ;
            if (v < t->n) {
                t->best = (uint8_t)v;
                break;
            }
        }
    }
}

/* ---- elements --------------------------------------------------------------- */

enum { E_PRED, E_ARG, E_MOD, E_REL, E_FOCUS, E_CONSTR };
static const char *const kind_names[] = {"predicate", "argument", "modifier", "relation", "focus", "constraint"};

static uint64_t fnv(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int set_insert(ielem_scratch *s, uint64_t key)
{
    if ((s->set_len + 1) * 2 > s->set_cap) {
        size_t cap = s->set_cap ? 2 * s->set_cap : 256;
        uint64_t *k = malloc(cap * sizeof *k);
        uint32_t *g = calloc(cap, sizeof *g);
        if (!k || !g) {
            free(k);
            free(g);
            s->nomem = 1;
            return 0;
        }
        for (size_t i = 0; i < s->set_cap; i++) {
            if (s->set_gen[i] != s->gen)
                continue;
            size_t j = (size_t)(s->set_key[i] & (cap - 1));
            while (g[j] == s->gen)
                j = (j + 1) & (cap - 1);
            k[j] = s->set_key[i];
            g[j] = s->gen;
        }
        free(s->set_key);
        free(s->set_gen);
        s->set_key = k;
        s->set_gen = g;
        s->set_cap = cap;
    }
    size_t j = (size_t)(key & (s->set_cap - 1));
    while (s->set_gen[j] == s->gen) {
        if (s->set_key[j] == key)
            return 0;
        j = (j + 1) & (s->set_cap - 1);
    }
    s->set_key[j] = key;
    s->set_gen[j] = s->gen;
    s->set_len++;
    return 1;
}

/* Counts element (kind, a[:b]) if it is new in this instruction. */
static void emit(ielem_scratch *s, int kind, const char *a, size_t alen, const char *b, size_t blen)
{
    uint64_t h = fnv(1469598103934665603ull ^ (uint64_t)(kind + 1), a, alen);
    if (b)
        h = fnv(fnv(h, ":", 1), b, blen);
    h ^= h >> 31;
    if (!set_insert(s, h))
        return;
    ielem_counts *c = s->out;
    unsigned *slot[] = {&c->predicates, &c->arguments, &c->modifiers, &c->relations, &c->focus, &c->constraints};
    (*slot[kind])++;
    c->total++;
    if (s->explain) {
        vlit_buf_printf(s->explain, "  %s %.*s", kind_names[kind], (int)alen, a);
        if (b)
            vlit_buf_printf(s->explain, ":%.*s", (int)blen, b);
        vlit_buf_putc(s->explain, '\n');
    }
}

static const cand *chosen(const ielem_scratch *s, size_t i)
{
    const tok *t = &s->t[s->live[i]];
    return &t->c[t->best];
}
static int tag_at(const ielem_scratch *s, size_t i)
{
    return i < s->n_live ? chosen(s, i)->tag : T_BOS;
}

static int lemma_is(const cand *c, const char *w)
{
    size_t n = strlen(w);
    return c->lemma_len == n && memcmp(c->lemma, w, n) == 0;
}

/* Marks the references to the image: a frame noun with its noun phrase, the
 * preposition before it ("in the picture"), a frame modifier next to them
 * ("visible in the image", "the picture provided"). */
static void mark_frame(ielem_scratch *s)
{
    for (size_t i = 0; i < s->n_live; i++) {
        const cand *c = chosen(s, i);
        if (c->tag != T_NOUN || c->role != R_FRAME || (NOMS & B(tag_at(s, i + 1))))
            continue;
        s->t[s->live[i]].frame = 1;
        size_t j = i;
        while (j > 0 &&
               ((B(T_DET) | B(T_ADJ) | B(T_NUM) | NOMS | B(T_DEG) | B(T_VBG) | B(T_VED)) & B(tag_at(s, j - 1))) &&
               !((VERBS & B(tag_at(s, j - 1))) && chosen(s, j - 1)->role != R_FRAMEMOD)) {
            j--;
            s->t[s->live[j]].frame = 1;
        }
        if (j > 0 && tag_at(s, j - 1) == T_PREP && !memchr(chosen(s, j - 1)->lemma, '_', chosen(s, j - 1)->lemma_len)) {
            j--;
            s->t[s->live[j]].frame = 1;
        }
        if (j > 0 && chosen(s, j - 1)->role == R_FRAMEMOD)
            s->t[s->live[j - 1]].frame = 1;
        if (i + 1 < s->n_live && chosen(s, i + 1)->role == R_FRAMEMOD)
            s->t[s->live[i + 1]].frame = 1;
    }
}

static int frame_at(const ielem_scratch *s, size_t i)
{
    return i < s->n_live && s->t[s->live[i]].frame;
}

/* A pending modifier of the current noun phrase. */
typedef struct npmod {
    const cand *c;
    int kind; /* E_MOD, E_REL (comparison) or E_CONSTR (style) */
} npmod;

typedef struct phrase {
    npmod mods[MAX_TOK];
    size_t n_mods;
    int has_count;  /* a number or "single" in it */
    long prep;      /* pending preposition (live index) or -1 */
    long use;       /* pending "use" verb or -1 */
    int unit_chain; /* the last head was a unit: "a word or phrase" is one constraint */
    int clause_cmp; /* a comparison was counted in this clause */
} phrase;

static void emit_cand(ielem_scratch *s, int kind, const cand *c, const char *prefix)
{
    if (prefix)
        emit(s, kind, prefix, strlen(prefix), c->lemma, c->lemma_len);
    else
        emit(s, kind, c->lemma, c->lemma_len, NULL, 0);
}

static void flush_mods(ielem_scratch *s, phrase *ph, int head_role)
{
    for (size_t m = 0; m < ph->n_mods; m++) {
        const npmod *md = &ph->mods[m];
        int kind = md->kind;
        if (md->c->role == R_STYLEOUT)
            kind = head_role == R_OUTPUT || head_role == R_UNIT ? E_CONSTR : E_MOD;
        if (kind == E_REL)
            ph->clause_cmp = 1;
        if (md->c->role == R_UNIT)
            kind = E_CONSTR;
        emit_cand(s, kind, md->c,
                  md->c->role == R_UNIT ? "unit"
                  : kind == E_CONSTR    ? "style"
                  : kind == E_REL       ? "cmp"
                  : md->c->tag == T_NUM ? "num"
                                        : NULL);
    }
    ph->n_mods = 0;
    ph->has_count = 0;
}

static void end_phrase(ielem_scratch *s, phrase *ph)
{
    flush_mods(s, ph, R_NONE);
    ph->prep = -1;
    if (ph->use >= 0)
        emit_cand(s, E_PRED, chosen(s, (size_t)ph->use), NULL);
    ph->use = -1;
}

/* The lemma a question asks about: the first content word after i. */
static const cand *focus_of(const ielem_scratch *s, size_t i)
{
    for (size_t j = i + 1; j < s->n_live; j++) {
        const cand *c = chosen(s, j);
        if (c->tag == T_PUNCT)
            return NULL;
        if (frame_at(s, j))
            continue;
        if (((NOMS | VERBS | B(T_ADJ) | B(T_ADV) | B(T_NUM)) & B(c->tag)) || (c->tag == T_PRON && c->role == R_REF))
            return c;
    }
    return NULL;
}

/* "do" and "have" are predicates when no verb follows in their clause
 * ("what is the man doing?", "what does he have in his hand?"). */
static int aux_is_main(const ielem_scratch *s, size_t i)
{
    static const char *const forms[] = {"do", "does", "did", "doing", "done", "have", "has", "had", "having"};
    const cand *c = chosen(s, i);
    int found = 0;
    for (size_t k = 0; k < sizeof forms / sizeof *forms && !found; k++)
        found = lemma_is(c, forms[k]);
    if (!found)
        return 0;
    for (size_t j = i + 1; j < s->n_live; j++) {
        int t = tag_at(s, j);
        if ((VERBS | B(T_AUX)) & B(t))
            return 0;
        if ((B(T_PUNCT) | B(T_CONJ) | B(T_SCONJ)) & B(t))
            break;
    }
    return 1;
}

static void elements(const ielem *an, ielem_scratch *s)
{
    (void)an;
    phrase ph;
    ph.n_mods = 0;
    ph.has_count = 0;
    ph.prep = -1;
    ph.use = -1;
    ph.unit_chain = 0;
    ph.clause_cmp = 0;
    int cmp_next = 0; /* "more"/"most" before an adjective */
    for (size_t i = 0; i < s->n_live; i++) {
        tok *t = &s->t[s->live[i]];
        const cand *c = &t->c[t->best];
        int tag = c->tag, next = tag_at(s, i + 1);
        if (t->used)
            continue;
        if (t->frame) {
            if ((NOMS & B(tag)) && !(NOMS & B(next))) { /* the frame's head: its phrase adds nothing */
                ph.n_mods = 0;
                ph.has_count = 0;
                if (ph.prep >= 0 &&
                    memchr(chosen(s, (size_t)ph.prep)->lemma, '_', chosen(s, (size_t)ph.prep)->lemma_len))
                    emit_cand(s, E_REL, chosen(s, (size_t)ph.prep), NULL);
                ph.prep = -1;
            }
            continue;
        }
        if (tag != T_CONJ && tag != T_DET && tag != T_ADJ && tag != T_NUM && tag != T_POSS && !(NOMS & B(tag)))
            ph.unit_chain = 0;
        switch (tag) {
        case T_DET:
            if (c->role == R_QUANT || c->role == R_NEG) {
                ph.mods[ph.n_mods].c = c;
                ph.mods[ph.n_mods++].kind = E_MOD;
            } else if (c->role == R_CMP) {
                if ((B(T_ADJ) | B(T_ADV)) & B(next)) {
                    cmp_next = 1;
                } else {
                    ph.mods[ph.n_mods].c = c;
                    ph.mods[ph.n_mods++].kind = E_REL;
                }
            }
            break;
        case T_NUM:
            ph.mods[ph.n_mods].c = c;
            ph.mods[ph.n_mods++].kind = E_MOD;
            ph.has_count = 1;
            break;
        case T_ADJ:
            if (cmp_next || c->cmp) {
                ph.mods[ph.n_mods].c = c;
                ph.mods[ph.n_mods++].kind = E_REL;
            } else if (c->role == R_STYLE) {
                ph.mods[ph.n_mods].c = c;
                ph.mods[ph.n_mods++].kind = E_CONSTR;
            } else {
                ph.mods[ph.n_mods].c = c;
                ph.mods[ph.n_mods++].kind = E_MOD;
                if (lemma_is(c, "single"))
                    ph.has_count = 1;
            }
            cmp_next = 0;
            if (!(NOMS & B(next)) && !((B(T_ADJ) | B(T_NUM) | B(T_CONJ)) & B(next)))
                flush_mods(s, &ph, R_NONE); /* a predicative adjective: "is red" */
            break;
        case T_NOUN:
        case T_PROPN:
            if (NOMS & B(next)) { /* a noun modifier: "the car door" */
                ph.mods[ph.n_mods].c = c;
                ph.mods[ph.n_mods++].kind = E_MOD;
                break;
            }
            {
                int role = c->role;
                const cand *prep = ph.prep >= 0 ? chosen(s, (size_t)ph.prep) : NULL;
                int unit_context =
                    ph.has_count || ph.use >= 0 ||
                    (prep && (lemma_is(prep, "in") || lemma_is(prep, "as") || lemma_is(prep, "into") ||
                              lemma_is(prep, "with") || lemma_is(prep, "within") || lemma_is(prep, "under")));
                if (role == R_UNIT && (unit_context || ph.unit_chain)) {
                    if (!ph.unit_chain)
                        emit_cand(s, E_CONSTR, c, "unit");
                    /* the count and the adjectives belong to the constraint */
                    size_t keep = 0;
                    for (size_t m = 0; m < ph.n_mods; m++)
                        if (ph.mods[m].kind == E_CONSTR)
                            ph.mods[keep++] = ph.mods[m];
                    ph.n_mods = keep;
                    flush_mods(s, &ph, R_UNIT);
                    ph.prep = -1;
                    ph.use = -1;
                    ph.unit_chain = 1;
                    break;
                }
                flush_mods(s, &ph, role);
                if (next == T_POSS && role != R_PLACE) {
                    /* a possessor: the preposition waits for the possessed ("behind the man's gesture") */
                    emit_cand(s, E_ARG, c, NULL);
                    break;
                }
                if (ph.use >= 0) {
                    emit_cand(s, E_PRED, chosen(s, (size_t)ph.use), NULL);
                    ph.use = -1;
                }
                if (role == R_PLACE && prep) {
                    emit(s, E_REL, prep->lemma, prep->lemma_len, c->lemma, c->lemma_len);
                } else {
                    emit_cand(s, E_ARG, c, NULL);
                    if (prep && is_relation_role(prep->role) && !(prep->role == R_CMP && ph.clause_cmp))
                        emit(s, E_REL, prep->lemma, prep->lemma_len, c->lemma, c->lemma_len);
                }
                ph.prep = -1;
            }
            break;
        case T_PRON:
            flush_mods(s, &ph, R_NONE);
            if (c->role == R_REF && !(i && tag_at(s, i - 1) == T_WH)) { /* "which one": the focus itself */
                emit_cand(s, E_ARG, c, NULL);
                const cand *prep = ph.prep >= 0 ? chosen(s, (size_t)ph.prep) : NULL;
                if (prep && is_relation_role(prep->role))
                    emit(s, E_REL, prep->lemma, prep->lemma_len, c->lemma, c->lemma_len);
            }
            ph.prep = -1;
            break;
        case T_VB:
        case T_VBZ:
        case T_VED:
        case T_VBG:
            end_phrase(s, &ph);
            if (c->role == R_USE)
                ph.use = (long)i;
            else
                emit_cand(s, E_PRED, c, NULL);
            break;
        case T_AUX:
            end_phrase(s, &ph);
            if (aux_is_main(s, i)) {
                /* its verb reading names the predicate ("do", "have") */
                const cand *v = NULL;
                for (size_t k = 0; k < t->n && !v; k++)
                    if (VERBS & B(t->c[k].tag))
                        v = &t->c[k];
                if (v)
                    emit_cand(s, E_PRED, v, NULL);
            }
            break;
        case T_ADV:
            if (c->role == R_STYLE)
                emit_cand(s, E_CONSTR, c, "style");
            else if (cmp_next || c->cmp) {
                emit_cand(s, E_REL, c, "cmp");
                ph.clause_cmp = 1;
            } else
                emit_cand(s, E_MOD, c, NULL);
            cmp_next = 0;
            break;
        case T_PREP:
            flush_mods(s, &ph, R_NONE);
            if (ph.use >= 0) {
                emit_cand(s, E_PRED, chosen(s, (size_t)ph.use), NULL);
                ph.use = -1;
            }
            ph.prep = (long)i;
            break;
        case T_MODAL:
            end_phrase(s, &ph);
            if (!(tag_at(s, i + 1) == T_PRON && chosen(s, i + 1)->role == R_ADDR)) {
                const char *m = c->lemma;
                size_t ml = c->lemma_len;
                if (lemma_is(c, "ca"))
                    m = "can", ml = 3;
                else if (lemma_is(c, "wo") || lemma_is(c, "'ll"))
                    m = "will", ml = 4;
                else if (lemma_is(c, "'d"))
                    m = "would", ml = 5;
                emit(s, E_MOD, "mod", 3, m, ml);
            }
            break;
        case T_PART: emit(s, E_MOD, "neg", 3, NULL, 0); break;
        case T_CONJ:
            flush_mods(s, &ph, R_NONE);
            if (is_relation_role(c->role))
                emit_cand(s, E_REL, c, "conj");
            ph.clause_cmp = 0;
            break;
        case T_SCONJ:
            end_phrase(s, &ph);
            if (is_relation_role(c->role) || c->role == R_COND)
                emit_cand(s, E_REL, c, "conj");
            ph.clause_cmp = 0;
            break;
        case T_WH: {
            end_phrase(s, &ph);
            int prev = i ? tag_at(s, i - 1) : T_BOS;
            int prev2 = i > 1 ? tag_at(s, i - 2) : T_BOS;
            int can_be_relative = !(lemma_is(c, "what") || lemma_is(c, "how") || lemma_is(c, "why") ||
                                    c->role == R_QUANTITY || c->role == R_KIND);
            int prev_names = (NOMS & B(prev)) || (prev == T_PRON && chosen(s, i - 1)->role != R_ADDR);
            if (can_be_relative && (prev_names || (prev == T_PREP && (NOMS & B(prev2)))))
                break; /* a relative pronoun: its clause's predicate counts */
            if ((lemma_is(c, "when") || lemma_is(c, "where")) && ((VERBS | B(T_ADJ) | NOMS | B(T_ADV)) & B(prev))) {
                emit_cand(s, E_REL, c, "conj");
                break;
            }
            if (lemma_is(c, "how") && ((B(T_ADJ) | B(T_ADV)) & B(next))) {
                const cand *a = chosen(s, i + 1);
                emit(s, E_FOCUS, "how", 3, a->lemma, a->lemma_len);
                s->t[s->live[i + 1]].used = 1;
                break;
            }
            const cand *f = focus_of(s, i);
            emit(s, E_FOCUS, c->lemma, c->lemma_len, f ? f->lemma : "", f ? f->lemma_len : 0);
            break;
        }
        case T_TO:
        case T_EX:
        case T_INTJ:
        case T_DEG: break;
        case T_POSS: break;
        case T_PUNCT:
        default:
            end_phrase(s, &ph);
            ph.clause_cmp = 0;
            break;
        }
    }
    end_phrase(s, &ph);
}

/* ---- driver ---------------------------------------------------------------- */

static void explain_tags(ielem_scratch *s)
{
    vlit_buf_puts(s->explain, "tags:");
    for (size_t i = 0; i < s->n_live; i++) {
        const tok *t = &s->t[s->live[i]];
        vlit_buf_printf(s->explain, " %s/%s%s", t->text, tag_names[t->c[t->best].tag], t->frame ? "*" : "");
    }
    vlit_buf_putc(s->explain, '\n');
}

vlit_status ielem_count(const ielem *an, ielem_scratch *s, const char *text, size_t len, ielem_counts *out,
                        vlit_buf *explain)
{
    memset(out, 0, sizeof *out);
    s->out = out;
    s->explain = explain;
    s->nomem = 0;
    s->set_len = 0;
    if (++s->gen == 0) { /* stamps wrapped: clear them */
        if (s->set_gen)
            memset(s->set_gen, 0, s->set_cap * sizeof *s->set_gen);
        s->gen = 1;
    }
    reader rd = {text, text + len, 1, 0};
    while (read_sentence(&rd, s)) {
        s->n_live = 0;
        for (size_t i = 0; i < s->n; i++) {
            tok *t = &s->t[i];
            analyse(an, t);
            if (t->kind != K_PUNCT) {
                out->words++;
                out->unknown += t->unknown;
            }
            s->live[s->n_live++] = i;
        }
        merge_forms(an, s);
        viterbi(an, s);
        repair(s);
        mark_frame(s);
        if (explain)
            explain_tags(s);
        elements(an, s);
    }
    if (rd.options >= 2)
        emit(s, E_CONSTR, "options", 7, NULL, 0);
    s->out = NULL;
    s->explain = NULL;
    return s->nomem ? VLIT_ERR_NOMEM : VLIT_OK;
}
