/* WordNet 3.0 database files: see wordnet.h. The reader is ours, written
 * from the format's manual pages (wndb(5WN), cntlist(5WN), morphy(7WN)). */
#include "wordnet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/strmap.h" /* vlit_hash */

#define MAX_WORD 128         /* longest form kept (WordNet's longest lemma has 71 bytes) */
#define MAX_FILE (64u << 20) /* a larger file is not WordNet's */
#define MAX_EXC_BASES 255

const char *const wordnet_file_names[WORDNET_NFILES] = {
    "index.noun", "index.verb", "index.adj", "index.adv", "noun.exc", "verb.exc", "adj.exc", "adv.exc", "cntlist.rev",
};

struct wordnet {
    uint32_t *slots; /* open addressing: entry index + 1, 0 = empty */
    size_t mask;
    wordnet_entry *entries;
    uint32_t *hashes; /* parallel to entries */
    size_t n, cap;
    vlit_arena chars; /* the forms */
    uint32_t *exc;    /* base forms of the exception lists (entry indexes) */
    size_t n_exc, cap_exc;
};

static uint32_t hash_of(const char *w, size_t len)
{
    uint64_t h = vlit_hash(w, len);
    return (uint32_t)(h ^ (h >> 32));
}

static wordnet_entry *entry_get(const wordnet *wn, const char *w, size_t len)
{
    if (!wn->slots)
        return NULL;
    uint32_t h = hash_of(w, len);
    for (size_t j = h & wn->mask;; j = (j + 1) & wn->mask) {
        uint32_t v = wn->slots[j];
        if (!v)
            return NULL;
        wordnet_entry *e = &wn->entries[v - 1];
        if (wn->hashes[v - 1] == h && e->len == len && memcmp(e->word, w, len) == 0)
            return e;
    }
}

static int slots_resize(wordnet *wn, size_t cap)
{
    uint32_t *s = calloc(cap, sizeof *s);
    if (!s)
        return 0;
    for (size_t i = 0; i < wn->n; i++) {
        size_t j = wn->hashes[i] & (cap - 1);
        while (s[j])
            j = (j + 1) & (cap - 1);
        s[j] = (uint32_t)(i + 1);
    }
    free(wn->slots);
    wn->slots = s;
    wn->mask = cap - 1;
    return 1;
}

/* Room for n entries (the loader sizes the table from the files' line counts). */
static int reserve(wordnet *wn, size_t n)
{
    if (n > wn->cap) {
        wordnet_entry *e = realloc(wn->entries, n * sizeof *e);
        if (!e)
            return 0;
        wn->entries = e;
        uint32_t *h = realloc(wn->hashes, n * sizeof *h);
        if (!h)
            return 0;
        wn->hashes = h;
        wn->cap = n;
    }
    size_t slots = wn->slots ? wn->mask + 1 : 0;
    if (n * 2 > slots) {
        size_t cap = 1024;
        while (cap < n * 2)
            cap *= 2;
        if (!slots_resize(wn, cap))
            return 0;
    }
    return 1;
}

/* The entry of w, made if new; NULL when out of memory. *idx receives its index. */
static wordnet_entry *entry_put(wordnet *wn, const char *w, size_t len, uint32_t *idx)
{
    wordnet_entry *e = entry_get(wn, w, len);
    if (!e) {
        if (wn->n >= UINT32_MAX - 1 || (wn->n + 1 > wn->cap && !reserve(wn, wn->cap ? 2 * wn->cap : 4096)) ||
            ((wn->n + 1) * 2 > wn->mask + 1 && !reserve(wn, wn->n + 1)))
            return NULL;
        char *k = vlit_arena_strndup(&wn->chars, w, len);
        if (!k)
            return NULL;
        uint32_t h = hash_of(w, len);
        e = &wn->entries[wn->n];
        memset(e, 0, sizeof *e);
        e->word = k;
        e->len = (uint32_t)len;
        wn->hashes[wn->n] = h;
        size_t j = h & wn->mask;
        while (wn->slots[j])
            j = (j + 1) & wn->mask;
        wn->slots[j] = (uint32_t)(wn->n + 1);
        wn->n++;
    }
    if (idx)
        *idx = (uint32_t)(e - wn->entries);
    return e;
}

/* Cuts the next line out of [*p, end): returns its start, sets *len
 * (without "\n" or "\r\n") and advances *p. */
static const char *next_line(const char **p, const char *end, size_t *len)
{
    const char *s = *p;
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    *p = nl ? nl + 1 : end;
    if (e > s && e[-1] == '\r')
        e--;
    *len = (size_t)(e - s);
    return s;
}

/* A word of a line: printable bytes other than space (UTF-8 allowed). */
static int word_ok(const char *w, size_t len)
{
    if (len == 0 || len > MAX_WORD)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)w[i] <= ' ' || w[i] == 0x7f)
            return 0;
    return 1;
}

static vlit_status bad_line(vlit_error *err, const wordnet_source *s, size_t lineno, const char *why)
{
    return vlit_err(err, VLIT_ERR_PARSE, "WordNet %s: line %zu: %s", s->name, lineno, why);
}

static vlit_status load_index(wordnet *wn, const wordnet_source *s, wordnet_pos pos, vlit_error *err)
{
    static const char pos_char[WORDNET_NPOS] = {'n', 'v', 'a', 'r'};
    const char *p = s->data, *end = s->data + s->len;
    size_t lineno = 0, lemmas = 0;
    while (p < end) {
        size_t len;
        const char *line = next_line(&p, end, &len);
        lineno++;
        if (len == 0 || line[0] == ' ') /* the licence at the top is indented */
            continue;
        const char *sp = memchr(line, ' ', len);
        if (!sp || (size_t)(sp - line) + 2 > len || ((size_t)(sp - line) + 2 < len && sp[2] != ' '))
            return bad_line(err, s, lineno, "expected \"lemma pos ...\"");
        size_t wlen = (size_t)(sp - line);
        if (!word_ok(line, wlen))
            return bad_line(err, s, lineno, "bad lemma (empty, too long or with control bytes)");
        char c = sp[1];
        if (c != pos_char[pos] && !(pos == WORDNET_ADJ && c == 's'))
            return bad_line(err, s, lineno, "part of speech does not match the file");
        wordnet_entry *e = entry_put(wn, line, wlen, NULL);
        if (!e)
            return vlit_err(err, VLIT_ERR_NOMEM, "WordNet %s: out of memory", s->name);
        e->pos |= (uint8_t)WORDNET_POS_BIT(pos);
        lemmas++;
        /* a multi-word lemma: remember the longest behind its first word */
        const char *us = memchr(line, '_', wlen);
        if (us && us > line) {
            size_t words = 1;
            for (size_t i = 0; i < wlen; i++)
                words += line[i] == '_';
            wordnet_entry *head = entry_put(wn, line, (size_t)(us - line), NULL);
            if (!head)
                return vlit_err(err, VLIT_ERR_NOMEM, "WordNet %s: out of memory", s->name);
            if (words > head->colloc)
                head->colloc = (uint8_t)(words > 255 ? 255 : words);
        }
    }
    if (lemmas == 0)
        return vlit_err(err, VLIT_ERR_DATA, "WordNet %s: no lemmas (is it WordNet's index file?)", s->name);
    return VLIT_OK;
}

static vlit_status exc_push(wordnet *wn, uint32_t v)
{
    if (wn->n_exc == wn->cap_exc) {
        size_t cap = wn->cap_exc ? wn->cap_exc * 2 : 4096;
        uint32_t *e = realloc(wn->exc, cap * sizeof *e);
        if (!e)
            return VLIT_ERR_NOMEM;
        wn->exc = e;
        wn->cap_exc = cap;
    }
    wn->exc[wn->n_exc++] = v;
    return VLIT_OK;
}

static vlit_status load_exc(wordnet *wn, const wordnet_source *s, wordnet_pos pos, vlit_error *err)
{
    const char *p = s->data, *end = s->data + s->len;
    size_t lineno = 0;
    while (p < end) {
        size_t len;
        const char *line = next_line(&p, end, &len);
        lineno++;
        if (len == 0)
            continue;
        const char *q = line, *qe = line + len;
        const char *sp = memchr(q, ' ', len);
        if (!sp || sp == q)
            return bad_line(err, s, lineno, "expected \"form base...\"");
        if (!word_ok(q, (size_t)(sp - q)))
            return bad_line(err, s, lineno, "bad inflected form");
        uint32_t form;
        if (!entry_put(wn, q, (size_t)(sp - q), &form))
            return vlit_err(err, VLIT_ERR_NOMEM, "WordNet %s: out of memory", s->name);
        q = sp + 1;
        while (q < qe) {
            const char *b = q;
            while (q < qe && *q != ' ')
                q++;
            if (!word_ok(b, (size_t)(q - b)))
                return bad_line(err, s, lineno, "bad base form");
            uint32_t base;
            if (!entry_put(wn, b, (size_t)(q - b), &base))
                return vlit_err(err, VLIT_ERR_NOMEM, "WordNet %s: out of memory", s->name);
            /* entries may have moved: index afresh */
            wordnet_entry *f = &wn->entries[form];
            int dup = 0;
            for (size_t i = 0; i < f->exc_n[pos]; i++)
                dup |= wn->exc[f->exc_first[pos] + i] == base;
            if (!dup && f->exc_n[pos] < MAX_EXC_BASES) {
                /* a form's bases are kept together: move them to the end first if another form's came after */
                if (f->exc_n[pos] && f->exc_first[pos] + f->exc_n[pos] != wn->n_exc) {
                    size_t first = wn->n_exc;
                    for (size_t i = 0; i < f->exc_n[pos]; i++)
                        if (exc_push(wn, wn->exc[f->exc_first[pos] + i]))
                            return vlit_err(err, VLIT_ERR_NOMEM, "WordNet %s: out of memory", s->name);
                    f->exc_first[pos] = (uint32_t)first;
                }
                if (!f->exc_n[pos])
                    f->exc_first[pos] = (uint32_t)wn->n_exc;
                if (exc_push(wn, base))
                    return vlit_err(err, VLIT_ERR_NOMEM, "WordNet %s: out of memory", s->name);
                f->exc_n[pos]++;
            }
            if (q < qe)
                q++; /* the space */
        }
    }
    return VLIT_OK;
}

/* cntlist.rev: "lemma%t:ff:ii:head:hh sense_number tag_count", t = 1 noun,
 * 2 verb, 3 adjective, 4 adverb, 5 adjective satellite. */
static vlit_status load_cntlist(wordnet *wn, const wordnet_source *s, vlit_error *err)
{
    static const int type_pos[6] = {-1, WORDNET_NOUN, WORDNET_VERB, WORDNET_ADJ, WORDNET_ADV, WORDNET_ADJ};
    const char *p = s->data, *end = s->data + s->len;
    size_t lineno = 0;
    while (p < end) {
        size_t len;
        const char *line = next_line(&p, end, &len);
        lineno++;
        if (len == 0)
            continue;
        const char *pct = memchr(line, '%', len);
        if (!pct || pct == line || (size_t)(pct - line) + 1 >= len || pct[1] < '1' || pct[1] > '5')
            return bad_line(err, s, lineno, "expected \"lemma%type:... sense count\"");
        /* the count is the last field */
        const char *q = line + len;
        unsigned long count = 0, scale = 1;
        size_t digits = 0;
        while (q > pct && q[-1] >= '0' && q[-1] <= '9' && digits < 9) {
            count += (unsigned long)(q[-1] - '0') * scale;
            scale *= 10;
            q--;
            digits++;
        }
        if (!digits || q[-1] != ' ')
            return bad_line(err, s, lineno, "no tag count at the end of the line");
        size_t wlen = (size_t)(pct - line);
        if (!word_ok(line, wlen))
            return bad_line(err, s, lineno, "bad lemma");
        int pos = type_pos[pct[1] - '0'];
        wordnet_entry *e = entry_get(wn, line, wlen);
        if (e && (e->pos & WORDNET_POS_BIT(pos))) {
            uint64_t t = (uint64_t)e->tagged[pos] + count;
            e->tagged[pos] = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
        }
    }
    return VLIT_OK;
}

vlit_status wordnet_load(const wordnet_source src[WORDNET_NFILES], wordnet **out, vlit_error *err)
{
    *out = NULL;
    wordnet *wn = calloc(1, sizeof *wn);
    if (!wn)
        return vlit_err(err, VLIT_ERR_NOMEM, "WordNet: out of memory");
    vlit_arena_init(&wn->chars, 1 << 20);
    /* one entry per line at most, plus the first words of multi-word lemmas */
    size_t lines = 0;
    for (int i = 0; i < WORDNET_CNTLIST; i++)
        for (const char *p = src[i].data, *end = p + src[i].len; p && p < end; p++) {
            p = memchr(p, '\n', (size_t)(end - p));
            if (!p)
                break;
            lines++;
        }
    vlit_status st =
        reserve(wn, lines + lines / 8 + 1024) ? VLIT_OK : vlit_err(err, VLIT_ERR_NOMEM, "WordNet: out of memory");
    for (int p = 0; p < WORDNET_NPOS && !st; p++)
        st = load_index(wn, &src[WORDNET_INDEX_NOUN + p], (wordnet_pos)p, err);
    for (int p = 0; p < WORDNET_NPOS && !st; p++)
        st = load_exc(wn, &src[WORDNET_EXC_NOUN + p], (wordnet_pos)p, err);
    if (!st)
        st = load_cntlist(wn, &src[WORDNET_CNTLIST], err);
    if (st) {
        wordnet_close(wn);
        return st;
    }
    *out = wn;
    return VLIT_OK;
}

static vlit_status read_file(const char *dir, const char *name, char **data, size_t *len, vlit_error *err)
{
    char path[4096];
    *data = NULL;
    *len = 0;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return vlit_err(err, VLIT_ERR_USAGE, "WordNet folder name too long: %s", dir);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO,
                        "WordNet file %s: cannot open (%s); install Debian's wordnet-base "
                        "(apt-get install wordnet-base) or set %s to a folder with WordNet 3.0's "
                        "index.*, *.exc and cntlist.rev",
                        path, strerror(errno), WORDNET_DIR_ENV);
    vlit_status st = VLIT_OK;
    long size = -1;
    if (fseek(fp, 0, SEEK_END) == 0)
        size = ftell(fp);
    if (size < 0 || fseek(fp, 0, SEEK_SET) != 0)
        st = vlit_err(err, VLIT_ERR_IO, "WordNet file %s: cannot read (%s)", path, strerror(errno));
    else if ((unsigned long)size > MAX_FILE)
        st = vlit_err(err, VLIT_ERR_LIMIT, "WordNet file %s: %ld bytes, more than WordNet's files have", path, size);
    else if (!(*data = malloc((size_t)size + 1)))
        st = vlit_err(err, VLIT_ERR_NOMEM, "WordNet file %s: out of memory", path);
    else if (fread(*data, 1, (size_t)size, fp) != (size_t)size)
        st = vlit_err(err, VLIT_ERR_IO, "WordNet file %s: read error", path);
    else
        *len = (size_t)size;
    fclose(fp);
    if (st) {
        free(*data);
        *data = NULL;
    }
    return st;
}

vlit_status wordnet_open(const char *dir, wordnet **out, vlit_error *err)
{
    *out = NULL;
    if (!dir || !dir[0])
        dir = getenv(WORDNET_DIR_ENV);
    if (!dir || !dir[0])
        dir = WORDNET_DEFAULT_DIR;
    char *data[WORDNET_NFILES] = {0};
    wordnet_source src[WORDNET_NFILES];
    vlit_status st = VLIT_OK;
    for (int i = 0; i < WORDNET_NFILES && !st; i++) {
        src[i].name = wordnet_file_names[i];
        st = read_file(dir, wordnet_file_names[i], &data[i], &src[i].len, err);
        src[i].data = data[i];
    }
    if (!st)
        st = wordnet_load(src, out, err);
    for (int i = 0; i < WORDNET_NFILES; i++)
        free(data[i]);
    return st;
}

void wordnet_close(wordnet *wn)
{
    if (!wn)
        return;
    free(wn->slots);
    free(wn->entries);
    free(wn->hashes);
    vlit_arena_free(&wn->chars);
    free(wn->exc);
    free(wn);
}

const wordnet_entry *wordnet_lookup(const wordnet *wn, const char *word, size_t len)
{
    if (len == 0 || len > MAX_WORD)
        return NULL;
    return entry_get(wn, word, len);
}

size_t wordnet_size(const wordnet *wn)
{
    return wn->n;
}

/* WordNet's detachment rules (morphy(7WN)): suffix -> ending. */
typedef struct rule {
    const char *suffix, *ending;
    uint8_t slen, elen;
} rule;
#define R(s, e)                                                                                                        \
    {                                                                                                                  \
        s, e, sizeof s - 1, sizeof e - 1                                                                               \
    }
static const rule noun_rules[] = {R("s", ""),      R("ses", "s"),   R("xes", "x"),   R("zes", "z"),
                                  R("ches", "ch"), R("shes", "sh"), R("men", "man"), R("ies", "y")};
static const rule verb_rules[] = {R("s", ""),   R("ies", "y"), R("es", "e"),  R("es", ""),
                                  R("ed", "e"), R("ed", ""),   R("ing", "e"), R("ing", "")};
static const rule adj_rules[] = {R("er", ""), R("est", ""), R("er", "e"), R("est", "e")};
#undef R
static const rule *const pos_rules[WORDNET_NPOS] = {noun_rules, verb_rules, adj_rules, NULL};
static const size_t pos_n_rules[WORDNET_NPOS] = {sizeof noun_rules / sizeof *noun_rules,
                                                 sizeof verb_rules / sizeof *verb_rules,
                                                 sizeof adj_rules / sizeof *adj_rules, 0};

static size_t add(wordnet_lemma *out, size_t n, size_t cap, const wordnet_entry *e, int how)
{
    if (n >= cap)
        return n;
    for (size_t i = 0; i < n; i++)
        if (out[i].entry == e)
            return n;
    out[n].entry = e;
    out[n].how = how;
    return n + 1;
}

static int is_consonant(char c)
{
    return c >= 'b' && c <= 'z' && !strchr("aeiou", c);
}

#define MAX_STEMS 24

size_t wordnet_morphy_all(const wordnet *wn, const char *word, size_t len, const wordnet_entry **self,
                          wordnet_lemma out[WORDNET_NPOS][WORDNET_MAX_LEMMAS], size_t n[WORDNET_NPOS])
{
    for (int p = 0; p < WORDNET_NPOS; p++)
        n[p] = 0;
    if (self)
        *self = NULL;
    if (len == 0 || len > MAX_WORD)
        return 0;
    const wordnet_entry *e = entry_get(wn, word, len);
    if (self)
        *self = e;
    if (e) {
        for (int p = 0; p < WORDNET_NPOS; p++) {
            if (e->pos & WORDNET_POS_BIT(p))
                n[p] = add(out[p], n[p], WORDNET_MAX_LEMMAS, e, WORDNET_AS_IS);
            for (size_t i = 0; i < e->exc_n[p]; i++) {
                const wordnet_entry *b = &wn->entries[wn->exc[e->exc_first[p] + i]];
                if (b->pos & WORDNET_POS_BIT(p))
                    n[p] = add(out[p], n[p], WORDNET_MAX_LEMMAS, b, WORDNET_BY_EXCEPTION);
            }
        }
    }
    /* the distinct stems the rules make, each looked up once */
    char buf[MAX_STEMS][MAX_WORD + 4];
    size_t blen[MAX_STEMS];
    unsigned bpos[MAX_STEMS];
    size_t nb = 0;
    for (int undouble = 0; undouble < 2; undouble++)
        for (int p = 0; p < WORDNET_NPOS; p++)
            for (size_t r = 0; r < pos_n_rules[p]; r++) {
                const rule *ru = &pos_rules[p][r];
                if (len <= ru->slen || memcmp(word + len - ru->slen, ru->suffix, ru->slen) != 0)
                    continue;
                size_t stem = len - ru->slen;
                if (undouble) {
                    /* ours: "stopping", "bigger" -> "stop", "big" (only with the empty ending) */
                    if (ru->elen || stem < 3 || word[stem - 1] != word[stem - 2] || !is_consonant(word[stem - 1]))
                        continue;
                    stem--;
                }
                size_t k;
                for (k = 0; k < nb; k++)
                    if (blen[k] == stem + ru->elen && memcmp(buf[k], word, stem) == 0 &&
                        memcmp(buf[k] + stem, ru->ending, ru->elen) == 0)
                        break;
                if (k == nb) {
                    if (nb == MAX_STEMS)
                        continue;
                    memcpy(buf[nb], word, stem);
                    memcpy(buf[nb] + stem, ru->ending, ru->elen);
                    blen[nb] = stem + ru->elen;
                    bpos[nb] = 0;
                    nb++;
                }
                bpos[k] |= WORDNET_POS_BIT(p);
            }
    for (size_t k = 0; k < nb; k++) {
        const wordnet_entry *b = entry_get(wn, buf[k], blen[k]);
        if (!b)
            continue;
        for (int p = 0; p < WORDNET_NPOS; p++)
            if ((bpos[k] & WORDNET_POS_BIT(p)) && (b->pos & WORDNET_POS_BIT(p)))
                n[p] = add(out[p], n[p], WORDNET_MAX_LEMMAS, b, WORDNET_BY_RULE);
    }
    return n[0] + n[1] + n[2] + n[3];
}

size_t wordnet_morphy(const wordnet *wn, const char *word, size_t len, wordnet_pos pos, wordnet_lemma *out, size_t cap)
{
    wordnet_lemma all[WORDNET_NPOS][WORDNET_MAX_LEMMAS];
    size_t n[WORDNET_NPOS];
    if ((unsigned)pos >= WORDNET_NPOS)
        return 0;
    wordnet_morphy_all(wn, word, len, NULL, all, n);
    size_t k = n[pos] < cap ? n[pos] : cap;
    memcpy(out, all[pos], k * sizeof *out);
    return k;
}
