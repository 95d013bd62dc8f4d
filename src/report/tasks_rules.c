/* Principle 3, task diversity, embedded method: the rule-based task tagger.
 *
 * Rules (data/tasks/rules.tsv, compiled into the library as text and parsed
 * once on first use) give votes to a label when their word pattern occurs in
 * an instruction; the label with the most votes wins, ties go to the label
 * listed first. A multi-turn sample is labelled turn by turn: two or more
 * different labels make it a "conversation". docs/tasks.md has the details
 * and the validation. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../base/err.h"
#include "../base/strmap.h"
#include "tasks_internal.h"

/* ---- the labels ---------------------------------------------------------------- */

/* The order is the tie-break order: narrower tasks before broader ones. */
static const struct {
    const char *name, *summary;
} labels[] = {
    {"text_recognition", "read text in the image: signs, labels, numbers, words"},
    {"instance_counting", "count objects of a kind (how many ...)"},
    {"spatial_relation", "how objects are placed relative to each other (left of, behind, next to)"},
    {"instance_location", "where an object is in the image (where, locate, which part)"},
    {"instance_attributes", "what an object is like: colour, shape, material, size, clothing"},
    {"instance_interaction", "what people or objects do, to or with each other"},
    {"visual_reasoning", "why, what might happen, what it implies: inference beyond what is shown"},
    {"scene_understanding", "the scene as a whole: place, setting, time of day, weather, event"},
    {"instance_identity", "what an object is, or whether it is there (identify, is there ...)"},
    {"description", "describe or caption the whole image, briefly or in detail"},
    {"conversation", "several turns asking for different tasks"},
    {"other", "no rule matched"},
};
#define N_LABELS (sizeof labels / sizeof labels[0])
#define L_CONVERSATION (N_LABELS - 2)
#define L_OTHER (N_LABELS - 1)

size_t vlit_task_count(void)
{
    return N_LABELS;
}

const char *vlit_task_name(size_t i)
{
    return i < N_LABELS ? labels[i].name : NULL;
}

const char *vlit_task_summary(size_t i)
{
    return i < N_LABELS ? labels[i].summary : NULL;
}

size_t vlit_task_find(const char *name)
{
    for (size_t i = 0; name && i < N_LABELS; i++)
        if (strcmp(labels[i].name, name) == 0)
            return i;
    return VLIT_TASK_NONE;
}

/* ---- words ---------------------------------------------------------------------- */

static int word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Bytes of a bracketed list of four numbers at p ("[0.1, 0.2, 0.5, 0.9]"), or 0. */
static size_t box_length(const unsigned char *p)
{
    size_t i = 1, commas = 0, digits = 0;
    for (; p[i] && p[i] != ']' && i < 96; i++) {
        if (p[i] == ',')
            commas++;
        else if (p[i] >= '0' && p[i] <= '9')
            digits++;
        else if (p[i] != '.' && p[i] != ' ' && p[i] != '-')
            return 0;
    }
    return p[i] == ']' && commas == 3 && digits >= 4 ? i + 1 : 0;
}

size_t tr_words(const char *text, char *buf, uint32_t *start, uint16_t *len, uint8_t *sent, size_t max)
{
    size_t n = 0, o = 0;
    int new_sentence = 1;
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    /* lower-cased copy: "<image>" dropped, a typographic apostrophe as "'" */
    while (*p && o < TR_MAX_TEXT) {
        if (*p == '<' && strncmp((const char *)p, "<image>", 7) == 0) {
            buf[o++] = ' ';
            p += 7;
        } else if (*p == '[' && box_length(p)) {
            /* a region "[x1, y1, x2, y2]": one word "<box>" */
            if (o + 6 > TR_MAX_TEXT)
                break;
            memcpy(buf + o, " <box> ", 7);
            o += 7;
            p += box_length(p);
        } else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0x99) {
            buf[o++] = '\'';
            p += 3;
        } else {
            unsigned char c = *p++;
            buf[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
    }
    buf[o] = '\0';
    size_t i = 0;
    while (i < o && n < max) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '<' && strncmp(buf + i, "<box>", 5) == 0) {
            start[n] = (uint32_t)i;
            len[n] = 5;
            sent[n] = (uint8_t)new_sentence;
            new_sentence = 0;
            n++;
            i += 5;
            continue;
        }
        if (!word_byte(c)) {
            if (c == '.' || c == '?' || c == '!' || c == ';' || c == ':' || c == '\n')
                new_sentence = 1;
            i++;
            continue;
        }
        size_t b = i;
        while (i < o && (word_byte((unsigned char)buf[i]) ||
                         (buf[i] == '\'' && i + 1 < o && ((buf[i + 1] >= 'a' && buf[i + 1] <= 'z')))))
            i++;
        size_t l = i - b;
        if (l > 0xFFFF)
            l = 0xFFFF;
        start[n] = (uint32_t)b;
        len[n] = (uint16_t)l;
        sent[n] = (uint8_t)new_sentence;
        new_sentence = 0;
        n++;
    }
    return n;
}

/* ---- the rules ------------------------------------------------------------------- */

typedef struct tr_alt {
    const char *word;
    uint8_t len, prefix;
} tr_alt;

typedef struct tr_tok {
    uint16_t first_alt, n_alt;
    uint8_t gap; /* "...": zero to three words */
} tr_tok;

typedef struct tr_rule {
    uint16_t label, weight, first_tok, n_tok;
    uint8_t anchor;
} tr_rule;

struct tr_rules {
    vlit_arena a;
    tr_rule *rules;
    size_t n_rules;
    tr_tok *toks;
    size_t n_toks;
    tr_alt *alts;
    size_t n_alts;
    /* first word of a rule -> a list of rules (head[], next[]) */
    vlit_strmap index;
    int32_t *head;   /* per index entry */
    size_t n_heads;
    int32_t *next;   /* per list entry */
    uint16_t *entry_rule;
    size_t n_entries;
    uint16_t *always; /* rules whose first word has a prefix alternative */
    size_t n_always;
};

size_t tr_rules_count(const tr_rules *r)
{
    return r ? r->n_rules : 0;
}

void tr_rules_free(tr_rules *r)
{
    if (!r)
        return;
    vlit_strmap_free(&r->index);
    vlit_arena_free(&r->a);
    free(r->rules);
    free(r->toks);
    free(r->alts);
    free(r->head);
    free(r->next);
    free(r->entry_rule);
    free(r->always);
    free(r);
}

/* Growable arrays with a checked size. */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

typedef struct builder {
    tr_rules *r;
    size_t cap_rules, cap_toks, cap_alts, cap_heads, cap_entries, cap_always;
} builder;

static vlit_status index_word(builder *b, const char *w, size_t len, uint16_t rule)
{
    tr_rules *r = b->r;
    int inserted;
    uint32_t *slot = vlit_strmap_put(&r->index, w, len, (uint32_t)r->n_heads, &inserted, NULL);
    if (!slot)
        return VLIT_ERR_NOMEM;
    if (inserted) {
        if (grow((void **)&r->head, &b->cap_heads, r->n_heads + 1, sizeof *r->head))
            return VLIT_ERR_NOMEM;
        r->head[r->n_heads++] = -1;
    }
    /* a rule listed once per word, even when a word repeats in its alternatives */
    for (int32_t e = r->head[*slot]; e >= 0; e = r->next[e])
        if (r->entry_rule[e] == rule)
            return VLIT_OK;
    size_t cap = b->cap_entries;
    if (grow((void **)&r->next, &cap, r->n_entries + 1, sizeof *r->next) ||
        grow((void **)&r->entry_rule, &b->cap_entries, r->n_entries + 1, sizeof *r->entry_rule))
        return VLIT_ERR_NOMEM;
    if (cap != b->cap_entries) /* keep both arrays the same capacity */
        return VLIT_ERR_NOMEM;
    r->next[r->n_entries] = r->head[*slot];
    r->entry_rule[r->n_entries] = rule;
    r->head[*slot] = (int32_t)r->n_entries++;
    return VLIT_OK;
}

static vlit_status parse_line(builder *b, const char *line, size_t len, const char *name, size_t lineno,
                              vlit_error *err)
{
    tr_rules *r = b->r;
    const char *tab1 = memchr(line, '\t', len);
    const char *tab2 = tab1 ? memchr(tab1 + 1, '\t', len - (size_t)(tab1 + 1 - line)) : NULL;
    if (!tab2)
        return vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: needs LABEL<TAB>WEIGHT<TAB>PATTERN", name, lineno);
    char label[64];
    size_t ll = (size_t)(tab1 - line);
    if (ll == 0 || ll >= sizeof label)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: no label or a label too long", name, lineno);
    memcpy(label, line, ll);
    label[ll] = '\0';
    size_t li = vlit_task_find(label);
    if (li == VLIT_TASK_NONE || li >= L_CONVERSATION)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: unknown label '%.63s'%s", name, lineno, label,
                        li == VLIT_TASK_NONE ? "" : " (not one a rule can give)");
    if (tab2 - tab1 != 2 || tab1[1] < '1' || tab1[1] > '9')
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: the weight must be one digit 1..9", name, lineno);
    if (r->n_rules >= TR_MAX_RULES)
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: line %zu: more than %d rules", name, lineno, TR_MAX_RULES);
    if (grow((void **)&r->rules, &b->cap_rules, r->n_rules + 1, sizeof *r->rules))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    tr_rule *rule = &r->rules[r->n_rules];
    memset(rule, 0, sizeof *rule);
    rule->label = (uint16_t)li;
    rule->weight = (uint16_t)(tab1[1] - '0');
    rule->first_tok = (uint16_t)r->n_toks;
    const char *p = tab2 + 1, *end = line + len;
    while (p < end && end[-1] == ' ')
        end--;
    size_t n_tok = 0;
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        if (p >= end)
            break;
        const char *q = p;
        while (q < end && *q != ' ')
            q++;
        if (n_tok == 0 && *p == '^' && !rule->anchor) { /* "^word" or "^ word" */
            rule->anchor = 1;
            if (++p == q)
                continue;
        }
        size_t wl = (size_t)(q - p);
        if (n_tok >= TR_MAX_TOKENS)
            return vlit_err(err, VLIT_ERR_LIMIT, "%s: line %zu: more than %d words in the pattern", name, lineno,
                            TR_MAX_TOKENS);
        if (r->n_toks >= 0xFFFF || grow((void **)&r->toks, &b->cap_toks, r->n_toks + 1, sizeof *r->toks))
            return vlit_err(err, VLIT_ERR_NOMEM, "%s: line %zu: out of memory or too many words", name, lineno);
        tr_tok *t = &r->toks[r->n_toks];
        memset(t, 0, sizeof *t);
        if (wl == 3 && memcmp(p, "...", 3) == 0) {
            if (n_tok == 0)
                return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: a pattern cannot start with '...'", name, lineno);
            t->gap = 1;
        } else {
            t->first_alt = (uint16_t)r->n_alts;
            const char *a = p;
            while (a <= q) {
                const char *bar = a;
                while (bar < q && *bar != '|')
                    bar++;
                size_t al = (size_t)(bar - a);
                int prefix = al > 0 && a[al - 1] == '*';
                if (prefix)
                    al--;
                if (al == 0 || al > TR_MAX_WORD)
                    return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: an empty or too long word in '%.*s'", name,
                                    lineno, (int)(q - p), p);
                int is_box = al == 5 && memcmp(a, "<box>", 5) == 0; /* the word of a region */
                for (size_t k = 0; k < al && !is_box; k++) {
                    unsigned char c = (unsigned char)a[k];
                    if (!(word_byte(c) || (c == '\'' && k > 0 && k + 1 < al)) || (c >= 'A' && c <= 'Z'))
                        return vlit_err(err, VLIT_ERR_DATA,
                                        "%s: line %zu: '%.*s' is not a lower-case word (letters, digits, "
                                        "apostrophes inside)",
                                        name, lineno, (int)al, a);
                }
                if (r->n_alts >= 0xFFFF || grow((void **)&r->alts, &b->cap_alts, r->n_alts + 1, sizeof *r->alts))
                    return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                char *w = vlit_arena_strndup(&r->a, a, al);
                if (!w)
                    return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                r->alts[r->n_alts++] = (tr_alt){w, (uint8_t)al, (uint8_t)prefix};
                t->n_alt++;
                a = bar + 1;
            }
        }
        if (n_tok > 0 && t->gap && r->toks[r->n_toks - 1].gap)
            return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: two '...' in a row", name, lineno);
        r->n_toks++;
        n_tok++;
        p = q;
    }
    if (n_tok == 0)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: empty pattern", name, lineno);
    if (r->toks[r->n_toks - 1].gap)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: a pattern cannot end with '...'", name, lineno);
    rule->n_tok = (uint16_t)n_tok;
    uint16_t id = (uint16_t)r->n_rules++;
    /* index by the first word's alternatives; a prefix alternative makes the
     * rule one to try at every word */
    const tr_tok *first = &r->toks[rule->first_tok];
    int any_prefix = 0;
    for (size_t k = 0; k < first->n_alt; k++)
        any_prefix |= r->alts[first->first_alt + k].prefix;
    if (any_prefix) {
        if (grow((void **)&r->always, &b->cap_always, r->n_always + 1, sizeof *r->always))
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        r->always[r->n_always++] = id;
        return VLIT_OK;
    }
    for (size_t k = 0; k < first->n_alt; k++) {
        const tr_alt *al = &r->alts[first->first_alt + k];
        if (index_word(b, al->word, al->len, id))
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    return VLIT_OK;
}

vlit_status tr_rules_parse(const char *text, size_t len, const char *name, tr_rules **out, vlit_error *err)
{
    *out = NULL;
    tr_rules *r = calloc(1, sizeof *r);
    if (!r)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    vlit_arena_init(&r->a, 4096);
    vlit_strmap_init(&r->index);
    builder b = {r, 0, 0, 0, 0, 0, 0};
    vlit_status st = VLIT_OK;
    size_t lineno = 0, pos = 0;
    while (pos < len && !st) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + (nl ? 1 : 0);
        lineno++;
        if (ll && line[ll - 1] == '\r')
            ll--;
        if (memchr(line, '\0', ll)) {
            st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: a NUL byte", name, lineno);
            break;
        }
        size_t k = 0;
        while (k < ll && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == ll || line[k] == '#')
            continue;
        st = parse_line(&b, line, ll, name, lineno, err);
    }
    if (!st && r->n_rules == 0)
        st = vlit_err(err, VLIT_ERR_DATA, "%s: no rules", name);
    if (st) {
        tr_rules_free(r);
        return st;
    }
    *out = r;
    return VLIT_OK;
}

/* ---- matching ------------------------------------------------------------------ */

typedef struct words {
    const char *buf;
    const uint32_t *start;
    const uint16_t *len;
    const uint8_t *sent;
    size_t n;
} words;

static int word_is(const tr_rules *r, const tr_tok *t, const words *w, size_t i)
{
    const char *s = w->buf + w->start[i];
    size_t l = w->len[i];
    for (size_t k = 0; k < t->n_alt; k++) {
        const tr_alt *a = &r->alts[t->first_alt + k];
        if (a->prefix ? l >= a->len && memcmp(s, a->word, a->len) == 0
                      : l == a->len && memcmp(s, a->word, a->len) == 0)
            return 1;
    }
    return 0;
}

/* Pattern tokens k.. of rule against words from i on. */
static int match_from(const tr_rules *r, const tr_rule *rule, size_t k, const words *w, size_t i)
{
    if (k == rule->n_tok)
        return 1;
    const tr_tok *t = &r->toks[rule->first_tok + k];
    if (t->gap) {
        for (size_t skip = 0; skip <= 3 && i + skip <= w->n; skip++)
            if (match_from(r, rule, k + 1, w, i + skip))
                return 1;
        return 0;
    }
    return i < w->n && word_is(r, t, w, i) && match_from(r, rule, k + 1, w, i + 1);
}

static void try_rule(const tr_rules *r, uint16_t id, const words *w, size_t i, uint8_t *seen, int *scores)
{
    if (seen[id])
        return;
    const tr_rule *rule = &r->rules[id];
    if (rule->anchor && !w->sent[i])
        return;
    if (match_from(r, rule, 0, w, i)) {
        seen[id] = 1;
        scores[rule->label] += rule->weight;
    }
}

size_t tr_tag_text(const tr_rules *r, const char *text, int *scores_out)
{
    char buf[TR_MAX_TEXT + 1];
    uint32_t start[TR_MAX_WORDS];
    uint16_t len[TR_MAX_WORDS];
    uint8_t sent[TR_MAX_WORDS];
    uint8_t seen[TR_MAX_RULES];
    int scores[N_LABELS] = {0};
    words w = {buf, start, len, sent, tr_words(text, buf, start, len, sent, TR_MAX_WORDS)};
    memset(seen, 0, r->n_rules);
    for (size_t i = 0; i < w.n; i++) {
        uint32_t *slot = vlit_strmap_get(&r->index, buf + start[i], len[i]);
        if (slot)
            for (int32_t e = r->head[*slot]; e >= 0; e = r->next[e])
                try_rule(r, r->entry_rule[e], &w, i, seen, scores);
        for (size_t k = 0; k < r->n_always; k++)
            try_rule(r, r->always[k], &w, i, seen, scores);
    }
    size_t best = L_OTHER;
    int top = 0;
    for (size_t l = 0; l < L_CONVERSATION; l++)
        if (scores[l] > top) {
            top = scores[l];
            best = l;
        }
    if (scores_out)
        memcpy(scores_out, scores, sizeof scores);
    return best;
}

/* ---- the embedded rules ---------------------------------------------------------- */

/* data/tasks/rules.tsv, as bytes (generated by CMake: tasks_rules_data.c) */
extern const unsigned char vlit_task_rules_text[];
extern const size_t vlit_task_rules_size;

static pthread_once_t embedded_once = PTHREAD_ONCE_INIT;
static tr_rules *embedded; /* written once, under embedded_once; read-only after */
static vlit_error embedded_err;

static void load_embedded(void)
{
    tr_rules_parse((const char *)vlit_task_rules_text, vlit_task_rules_size, "data/tasks/rules.tsv (embedded)",
                   &embedded, &embedded_err);
}

const tr_rules *tr_embedded(vlit_error *err)
{
    pthread_once(&embedded_once, load_embedded);
    if (!embedded && err)
        *err = embedded_err;
    return embedded;
}

vlit_status vlit_task_rules_check(vlit_error *err)
{
    return tr_embedded(err) ? VLIT_OK : embedded_err.status ? embedded_err.status : VLIT_ERR_DATA;
}

size_t vlit_task_tag_text(const char *instruction)
{
    const tr_rules *r = tr_embedded(NULL);
    return r ? tr_tag_text(r, instruction, NULL) : VLIT_TASK_NONE;
}

size_t vlit_task_tag_rules(const vlit_sample *s)
{
    const tr_rules *r = tr_embedded(NULL);
    if (!r)
        return VLIT_TASK_NONE;
    size_t label = L_OTHER;
    for (size_t i = 0; s && i < s->n_turns; i++) {
        const vlit_turn *t = &s->turns[i];
        if (!t->role || !t->text || (strcmp(t->role, "user") != 0 && strcmp(t->role, "human") != 0))
            continue;
        size_t l = tr_tag_text(r, t->text, NULL);
        if (l == L_OTHER || l == label)
            continue;
        if (label != L_OTHER)
            return L_CONVERSATION; /* a second, different label */
        label = l;
    }
    return label;
}
