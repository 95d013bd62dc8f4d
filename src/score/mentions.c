/* Object mentions in text, by lexicon, and their check against clue records
 * (mentions.h). */
#include "mentions.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/err.h"
#include "../base/strmap.h"

/* ---- the lexicon -------------------------------------------------------- */

#define KEY_MAX 128 /* longest term in bytes */
#define WORDS_MAX 8 /* most words in a term */

typedef struct lex_term {
    int category;            /* -1: a phrase that names no object */
    unsigned char narrower;  /* "~" */
    unsigned char adjective; /* "*", on the singular only */
} lex_term;

/* Closed word classes the grammar rules use (a bit set per word). */
enum {
    W_FUNC = 1,       /* function word: not a modifier of a noun */
    W_NEG = 2,        /* negation cue */
    W_NEG_STRONG = 4, /* a cue that denies existence by itself: "no", "without" */
    W_STOP = 8,       /* ends a negation's scope */
    W_EXIST = 16,     /* speaks of existence or seeing */
    W_AUX = 32,       /* opens a yes/no question */
    W_VAGUE = 64,     /* makes the number after it approximate: "at least", "about" */
    W_EXACT = 128,    /* "only one", "just one" */
    W_COORD = 256,    /* joins noun phrases: "or", "and", "nor" */
    W_DET = 512,      /* a determiner: starts a new noun phrase */
    W_HEDGE = 1024    /* speculation: the clause's objects are not claimed */
};

static const struct {
    const char *word;
    unsigned cls;
} word_classes[] = {
    {"a", W_FUNC | W_DET},
    {"an", W_FUNC | W_DET},
    {"the", W_FUNC | W_DET},
    {"this", W_FUNC | W_DET},
    {"that", W_FUNC | W_DET | W_STOP},
    {"these", W_FUNC | W_DET},
    {"those", W_FUNC | W_DET},
    {"its", W_FUNC | W_DET},
    {"his", W_FUNC | W_DET},
    {"her", W_FUNC | W_DET},
    {"their", W_FUNC | W_DET},
    {"our", W_FUNC | W_DET},
    {"my", W_FUNC | W_DET},
    {"your", W_FUNC | W_DET},
    {"and", W_FUNC | W_COORD},
    {"or", W_FUNC | W_COORD | W_VAGUE},
    {"nor", W_FUNC | W_COORD | W_NEG | W_NEG_STRONG},
    {"but", W_FUNC | W_STOP},
    {"so", W_FUNC | W_STOP},
    {"yet", W_FUNC | W_STOP},
    {"of", W_FUNC},
    {"in", W_FUNC},
    {"on", W_FUNC},
    {"at", W_FUNC},
    {"to", W_FUNC | W_VAGUE},
    {"for", W_FUNC},
    {"from", W_FUNC},
    {"with", W_FUNC},
    {"by", W_FUNC},
    {"near", W_FUNC},
    {"next", W_FUNC},
    {"beside", W_FUNC},
    {"behind", W_FUNC},
    {"under", W_FUNC | W_VAGUE},
    {"above", W_FUNC},
    {"below", W_FUNC},
    {"over", W_FUNC | W_VAGUE},
    {"between", W_FUNC},
    {"into", W_FUNC},
    {"onto", W_FUNC},
    {"inside", W_FUNC},
    {"outside", W_FUNC},
    {"around", W_FUNC | W_VAGUE},
    {"along", W_FUNC},
    {"across", W_FUNC},
    {"against", W_FUNC},
    {"among", W_FUNC},
    {"beneath", W_FUNC},
    {"atop", W_FUNC},
    {"upon", W_FUNC},
    {"within", W_FUNC},
    {"without", W_FUNC | W_NEG | W_NEG_STRONG},
    {"through", W_FUNC},
    {"toward", W_FUNC},
    {"towards", W_FUNC},
    {"as", W_FUNC},
    {"than", W_FUNC | W_VAGUE},
    {"then", W_FUNC},
    {"is", W_FUNC | W_AUX},
    {"are", W_FUNC | W_AUX},
    {"was", W_FUNC | W_AUX},
    {"were", W_FUNC | W_AUX},
    {"be", W_FUNC},
    {"been", W_FUNC},
    {"being", W_FUNC},
    {"has", W_FUNC | W_AUX | W_EXIST},
    {"have", W_FUNC | W_AUX | W_EXIST},
    {"had", W_FUNC | W_AUX},
    {"does", W_FUNC | W_AUX},
    {"do", W_FUNC | W_AUX},
    {"did", W_FUNC | W_AUX},
    {"can", W_FUNC | W_AUX},
    {"could", W_FUNC | W_AUX | W_HEDGE},
    {"will", W_FUNC | W_AUX},
    {"would", W_FUNC | W_AUX | W_HEDGE},
    {"should", W_FUNC | W_AUX},
    {"may", W_FUNC | W_AUX | W_HEDGE},
    {"might", W_FUNC | W_AUX | W_HEDGE},
    {"must", W_FUNC},
    {"which", W_FUNC | W_STOP},
    {"who", W_FUNC | W_STOP},
    {"whom", W_FUNC | W_STOP},
    {"whose", W_FUNC | W_STOP},
    {"where", W_FUNC | W_STOP},
    {"when", W_FUNC | W_STOP},
    {"while", W_FUNC | W_STOP},
    {"although", W_FUNC | W_STOP},
    {"though", W_FUNC | W_STOP},
    {"because", W_FUNC | W_STOP},
    {"whereas", W_FUNC | W_STOP},
    {"instead", W_FUNC | W_STOP},
    {"rather", W_FUNC | W_STOP},
    {"except", W_FUNC | W_STOP},
    {"there", W_FUNC | W_EXIST},
    {"here", W_FUNC},
    {"it", W_FUNC},
    {"they", W_FUNC},
    {"he", W_FUNC},
    {"she", W_FUNC},
    {"we", W_FUNC},
    {"you", W_FUNC},
    {"i", W_FUNC},
    {"also", W_FUNC},
    {"too", W_FUNC},
    {"very", W_FUNC},
    {"more", W_FUNC},
    {"most", W_FUNC | W_VAGUE},
    {"other", W_FUNC},
    {"others", W_FUNC},
    {"another", W_FUNC | W_VAGUE},
    {"some", W_FUNC | W_VAGUE},
    {"any", W_FUNC | W_EXIST},
    {"each", W_FUNC},
    {"every", W_FUNC},
    {"all", W_FUNC},
    {"both", W_FUNC},
    {"either", W_FUNC},
    {"neither", W_FUNC | W_NEG | W_NEG_STRONG},
    {"such", W_FUNC},
    {"same", W_FUNC},
    {"only", W_FUNC | W_EXACT},
    {"just", W_FUNC | W_EXACT},
    {"exactly", W_FUNC | W_EXACT},
    {"not", W_FUNC | W_NEG},
    {"no", W_FUNC | W_NEG | W_NEG_STRONG},
    {"never", W_FUNC | W_NEG},
    {"none", W_FUNC | W_NEG | W_NEG_STRONG},
    {"cannot", W_FUNC | W_NEG | W_AUX},
    {"least", W_FUNC | W_VAGUE},
    {"about", W_FUNC | W_VAGUE},
    {"approximately", W_FUNC | W_VAGUE},
    {"nearly", W_FUNC | W_VAGUE},
    {"almost", W_FUNC | W_VAGUE},
    {"roughly", W_FUNC | W_VAGUE},
    {"several", W_FUNC | W_VAGUE},
    {"many", W_FUNC | W_VAGUE},
    {"few", W_FUNC | W_VAGUE},
    {"up", W_FUNC},
    {"see", W_EXIST},
    {"seen", W_EXIST},
    {"sees", W_EXIST},
    {"spot", W_EXIST},
    {"spotted", W_EXIST},
    {"find", W_EXIST},
    {"found", W_EXIST},
    {"contain", W_EXIST},
    {"contains", W_EXIST},
    {"include", W_EXIST},
    {"includes", W_EXIST},
    {"show", W_EXIST},
    {"shows", W_EXIST},
    {"shown", W_EXIST},
    {"visible", W_EXIST},
    {"present", W_EXIST},
    {"notice", W_EXIST},
    {"depict", W_EXIST},
    {"depicts", W_EXIST},
    {"depicted", W_EXIST},
    {"feature", W_EXIST},
    {"features", W_EXIST},
    {"appear", W_EXIST},
    {"appears", W_EXIST},
    {"exist", W_EXIST},
    {"exists", W_EXIST},
    {"possibly", W_HEDGE},
    {"perhaps", W_HEDGE},
    {"maybe", W_HEDGE},
    {"probably", W_HEDGE},
    {"likely", W_HEDGE},
    {"potentially", W_HEDGE},
    {"presumably", W_HEDGE},
    {"if", W_FUNC | W_HEDGE},
    {"unless", W_FUNC | W_HEDGE},
    {"whether", W_FUNC | W_HEDGE},
    {"imagine", W_HEDGE},
    {"suppose", W_HEDGE},
};

static const struct {
    const char *word;
    int value;
} number_words[] = {
    {"zero", 0},      {"one", 1},       {"two", 2},       {"three", 3},    {"four", 4},     {"five", 5},
    {"six", 6},       {"seven", 7},     {"eight", 8},     {"nine", 9},     {"ten", 10},     {"eleven", 11},
    {"twelve", 12},   {"thirteen", 13}, {"fourteen", 14}, {"fifteen", 15}, {"sixteen", 16}, {"seventeen", 17},
    {"eighteen", 18}, {"nineteen", 19}, {"twenty", 20},   {"thirty", 30},  {"forty", 40},   {"fifty", 50},
    {"sixty", 60},    {"seventy", 70},  {"eighty", 80},   {"ninety", 90},  {"dozen", 12},
};

struct mention_lexicon {
    vlit_strmap terms; /* normalised term -> index into term[] */
    lex_term *term;
    size_t n_terms, cap_terms;
    char **name; /* per category */
    unsigned char *nocount;
    size_t n_cat, cap_cat;
    size_t max_words;
    uint64_t fingerprint; /* of the file's bytes: lexicons with equal content share mentions */
    vlit_strmap first;   /* first word of a term -> the most words of a term that starts with it */
    vlit_strmap words;   /* closed-class word -> W_* bits */
    vlit_strmap numbers; /* number word -> value */
    vlit_arena arena;
};

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Lower-cases s into out, hyphens and underscores as spaces, runs of spaces
 * as one, trimmed. Returns the length, or 0 if empty or too long. */
static size_t normalise(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    int space = 1;
    for (size_t i = 0; i < n; i++) {
        char c = lower(s[i]);
        if (c == '-' || c == '_' || c == ' ' || c == '\t') {
            if (!space && k < cap)
                out[k++] = ' ';
            space = 1;
            continue;
        }
        if (k >= cap)
            return 0;
        out[k++] = c;
        space = 0;
    }
    while (k && out[k - 1] == ' ')
        k--;
    if (k >= cap)
        return 0;
    out[k] = '\0';
    return k;
}

static size_t count_words(const char *key)
{
    size_t n = 1;
    for (; *key; key++)
        n += *key == ' ';
    return n;
}

/* The regular English plural of the last word of key, into out. */
static void regular_plural(const char *key, char *out, size_t cap)
{
    size_t n = strlen(key);
    char z = n ? key[n - 1] : '\0', y = n > 1 ? key[n - 2] : '\0';
    if (n + 3 >= cap) {
        out[0] = '\0';
        return;
    }
    memcpy(out, key, n + 1);
    if (z == 's' || z == 'x' || z == 'z' || (z == 'h' && (y == 'c' || y == 's')))
        strcpy(out + n, "es");
    else if (z == 'y' && y && !strchr("aeiou", y))
        strcpy(out + n - 1, "ies");
    else
        strcpy(out + n, "s");
}

static vlit_status add_term(mention_lexicon *lx, const char *key, int category, int narrower, int adjective,
                            const char *path, size_t line, vlit_error *err)
{
    size_t len = strlen(key);
    int inserted;
    uint32_t *slot = vlit_strmap_put(&lx->terms, key, len, (uint32_t)lx->n_terms, &inserted, NULL);
    if (!slot)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    if (!inserted) {
        const lex_term *t = &lx->term[*slot];
        if (t->category == category)
            return VLIT_OK; /* listed twice for the same category ("skis", "ski/skis") */
        return vlit_err(err, VLIT_ERR_DATA, "%s:%zu: the term \"%s\" is already listed for %s", path, line, key,
                        t->category < 0 ? "the phrases that name no object" : lx->name[t->category]);
    }
    if (lx->n_terms == lx->cap_terms) {
        size_t cap = lx->cap_terms ? lx->cap_terms * 2 : 256;
        lex_term *p = realloc(lx->term, cap * sizeof *p);
        if (!p)
            return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
        lx->term = p;
        lx->cap_terms = cap;
    }
    lx->term[lx->n_terms++] = (lex_term){category, (unsigned char)narrower, (unsigned char)adjective};
    size_t words = count_words(key);
    if (words > lx->max_words)
        lx->max_words = words;
    const char *space = strchr(key, ' ');
    uint32_t *first = vlit_strmap_put(&lx->first, key, space ? (size_t)(space - key) : len, 0, &inserted, NULL);
    if (!first)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    if (*first < words)
        *first = (uint32_t)words;
    return VLIT_OK;
}

/* One comma-separated item of the terms column. */
static vlit_status parse_term(mention_lexicon *lx, const char *s, size_t n, int category, const char *path, size_t line,
                              vlit_error *err)
{
    int narrower = 0, adjective = 0;
    while (n && (*s == ' ' || *s == '~' || *s == '*')) {
        narrower |= *s == '~';
        adjective |= *s == '*';
        s++;
        n--;
    }
    const char *slash = memchr(s, '/', n);
    size_t sg_len = slash ? (size_t)(slash - s) : n;
    char sg[KEY_MAX], pl[KEY_MAX];
    if (!normalise(s, sg_len, sg, sizeof sg))
        return vlit_err(err, VLIT_ERR_DATA, "%s:%zu: empty or over-long term \"%.*s\"", path, line, (int)n, s);
    for (const char *p = sg; *p; p++)
        if (!is_alnum((unsigned char)*p) && *p != ' ' && *p != '\'' && (unsigned char)*p < 0x80)
            return vlit_err(err, VLIT_ERR_DATA, "%s:%zu: term \"%s\": only letters, digits, spaces, hyphens", path,
                            line, sg);
    if (count_words(sg) > WORDS_MAX)
        return vlit_err(err, VLIT_ERR_DATA, "%s:%zu: term \"%s\" has more than %d words", path, line, sg, WORDS_MAX);
    if (slash) {
        const char *p = slash + 1;
        size_t pl_n = n - sg_len - 1;
        while (pl_n && *p == ' ') {
            p++;
            pl_n--;
        }
        if (pl_n == 1 && *p == '-')
            pl[0] = '\0'; /* no plural */
        else if (!normalise(p, pl_n, pl, sizeof pl))
            return vlit_err(err, VLIT_ERR_DATA, "%s:%zu: empty plural in \"%.*s\"", path, line, (int)n, s);
        else if (count_words(pl) > WORDS_MAX)
            return vlit_err(err, VLIT_ERR_DATA, "%s:%zu: term \"%s\" has more than %d words", path, line, pl,
                            WORDS_MAX);
    } else {
        regular_plural(sg, pl, sizeof pl);
    }
    vlit_status st = add_term(lx, sg, category, narrower, adjective, path, line, err);
    if (!st && pl[0] && strcmp(pl, sg) != 0)
        st = add_term(lx, pl, category, narrower, 0, path, line, err);
    return st;
}

static vlit_status parse_line(mention_lexicon *lx, char *s, const char *path, size_t line, vlit_error *err)
{
    char *col[4];
    size_t k = 0;
    col[k++] = s;
    for (char *p = s; *p; p++)
        if (*p == '\t') {
            *p = '\0';
            if (k == 4)
                return vlit_err(err, VLIT_ERR_DATA, "%s:%zu: more than 4 tab-separated columns", path, line);
            col[k++] = p + 1;
        }
    if (k != 4)
        return vlit_err(err, VLIT_ERR_DATA,
                        "%s:%zu: expected 4 tab-separated columns (category, supercategory, "
                        "flags, terms), found %zu",
                        path, line, k);
    int category = -1;
    if (strcmp(col[0], "-") != 0) {
        char key[KEY_MAX];
        if (!normalise(col[0], strlen(col[0]), key, sizeof key))
            return vlit_err(err, VLIT_ERR_DATA, "%s:%zu: empty or over-long category name", path, line);
        for (size_t c = 0; c < lx->n_cat; c++)
            if (strcmp(lx->name[c], key) == 0)
                return vlit_err(err, VLIT_ERR_DATA, "%s:%zu: category \"%s\" listed twice", path, line, key);
        if (lx->n_cat == lx->cap_cat) {
            size_t cap = lx->cap_cat ? lx->cap_cat * 2 : 128;
            char **names = realloc(lx->name, cap * sizeof *names);
            if (!names)
                return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
            lx->name = names;
            unsigned char *nc = realloc(lx->nocount, cap);
            if (!nc)
                return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
            lx->nocount = nc;
            lx->cap_cat = cap;
        }
        if (strcmp(col[2], "-") != 0 && strcmp(col[2], "nocount") != 0)
            return vlit_err(err, VLIT_ERR_DATA, "%s:%zu: unknown flags \"%s\" (\"-\" or \"nocount\")", path, line,
                            col[2]);
        if (!(lx->name[lx->n_cat] = vlit_arena_strdup(&lx->arena, key)))
            return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
        lx->nocount[lx->n_cat] = strcmp(col[2], "nocount") == 0;
        category = (int)lx->n_cat++;
    }
    for (char *t = col[3];;) {
        char *comma = strchr(t, ',');
        size_t n = comma ? (size_t)(comma - t) : strlen(t);
        while (n && (t[n - 1] == ' ' || t[n - 1] == '\r'))
            n--;
        while (n && *t == ' ') {
            t++;
            n--;
        }
        if (n) {
            vlit_status st = parse_term(lx, t, n, category, path, line, err);
            if (st)
                return st;
        }
        if (!comma)
            break;
        t = comma + 1;
    }
    if (category >= 0) {
        const uint32_t *slot = vlit_strmap_get(&lx->terms, lx->name[category], strlen(lx->name[category]));
        if (!slot || lx->term[*slot].category != category)
            return vlit_err(err, VLIT_ERR_DATA, "%s:%zu: the category name \"%s\" must be one of its terms", path, line,
                            lx->name[category]);
    }
    return VLIT_OK;
}

static vlit_status load_classes(mention_lexicon *lx)
{
    int inserted;
    for (size_t i = 0; i < sizeof word_classes / sizeof word_classes[0]; i++) {
        uint32_t *v =
            vlit_strmap_put(&lx->words, word_classes[i].word, strlen(word_classes[i].word), 0, &inserted, NULL);
        if (!v)
            return VLIT_ERR_NOMEM;
        *v |= word_classes[i].cls;
    }
    for (size_t i = 0; i < sizeof number_words / sizeof number_words[0]; i++) {
        uint32_t *v = vlit_strmap_put(&lx->numbers, number_words[i].word, strlen(number_words[i].word),
                                      (uint32_t)number_words[i].value, &inserted, NULL);
        if (!v)
            return VLIT_ERR_NOMEM;
    }
    return VLIT_OK;
}

vlit_status mention_lexicon_load(const char *path, mention_lexicon **out, vlit_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open the object lexicon: %s", path, strerror(errno));
    mention_lexicon *lx = calloc(1, sizeof *lx);
    if (!lx) {
        fclose(fp);
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    }
    vlit_strmap_init(&lx->terms);
    vlit_strmap_init(&lx->first);
    vlit_strmap_init(&lx->words);
    vlit_strmap_init(&lx->numbers);
    vlit_arena_init(&lx->arena, 4096);
    vlit_status st = load_classes(lx);
    if (st)
        st = vlit_err(err, st, "%s: out of memory", path);
    char buf[16384];
    size_t line = 0;
    while (!st && fgets(buf, sizeof buf, fp)) {
        line++;
        size_t n = strlen(buf);
        if (n == sizeof buf - 1 && buf[n - 1] != '\n') {
            st = vlit_err(err, VLIT_ERR_LIMIT, "%s:%zu: line longer than %zu bytes", path, line, sizeof buf - 2);
            break;
        }
        lx->fingerprint = lx->fingerprint * 0x100000001b3ull ^ vlit_hash(buf, n);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        if (n == 0 || buf[0] == '#')
            continue;
        st = parse_line(lx, buf, path, line, err);
    }
    if (!st && ferror(fp))
        st = vlit_err(err, VLIT_ERR_IO, "%s: read error", path);
    fclose(fp);
    if (!st && lx->n_cat == 0)
        st = vlit_err(err, VLIT_ERR_DATA, "%s: no categories", path);
    if (st) {
        mention_lexicon_free(lx);
        return st;
    }
    *out = lx;
    return VLIT_OK;
}

vlit_status mention_lexicon_open(const score_config *cfg, mention_lexicon **out, vlit_error *err)
{
    *out = NULL;
    if (!cfg || !cfg->data_dir || !cfg->data_dir[0])
        return vlit_err(err, VLIT_ERR_USAGE,
                        "no data folder set (vlit_score_params.data_dir): the object lexicon "
                        "%s is needed",
                        MENTION_LEXICON_FILE);
    size_t n = strlen(cfg->data_dir) + sizeof MENTION_LEXICON_FILE + 2;
    char *path = malloc(n);
    if (!path)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    snprintf(path, n, "%s/%s", cfg->data_dir, MENTION_LEXICON_FILE);
    vlit_status st = mention_lexicon_load(path, out, err);
    free(path);
    return st;
}

void mention_lexicon_free(mention_lexicon *lx)
{
    if (!lx)
        return;
    vlit_strmap_free(&lx->terms);
    vlit_strmap_free(&lx->first);
    vlit_strmap_free(&lx->words);
    vlit_strmap_free(&lx->numbers);
    vlit_arena_free(&lx->arena);
    free(lx->term);
    free(lx->name);
    free(lx->nocount);
    free(lx);
}

size_t mention_lexicon_size(const mention_lexicon *lx)
{
    return lx->n_cat;
}

const char *mention_lexicon_name(const mention_lexicon *lx, size_t category)
{
    return category < lx->n_cat ? lx->name[category] : NULL;
}

int mention_lexicon_category(const mention_lexicon *lx, const char *name)
{
    char key[KEY_MAX];
    size_t n = name ? normalise(name, strlen(name), key, sizeof key) : 0;
    if (!n)
        return -1;
    const uint32_t *slot = vlit_strmap_get(&lx->terms, key, n);
    return slot ? lx->term[*slot].category : -1;
}

/* ---- tokens ------------------------------------------------------------- */

enum { T_WORD, T_NUM, T_END, T_COMMA, T_OTHER };
enum { TF_POSS = 1, TF_NEG = 2, TF_QMARK = 4 };

typedef struct tok {
    size_t start, len; /* the word: text[start..start+len), without "'s" or "n't" */
    size_t end;        /* after the whole token */
    unsigned char kind, flags;
    unsigned cls; /* W_* of the word */
    int value;    /* T_NUM */
    int mention;  /* index of the candidate mention covering it, or -1 */
} tok;

typedef struct toks {
    tok *t;
    size_t n, cap;
} toks;

static int push(toks *ts, tok t)
{
    if (ts->n == ts->cap) {
        size_t cap = ts->cap ? ts->cap * 2 : 64;
        tok *p = realloc(ts->t, cap * sizeof *p);
        if (!p)
            return -1;
        ts->t = p;
        ts->cap = cap;
    }
    ts->t[ts->n++] = t;
    return 0;
}

/* Bytes that continue a word: letters, digits, and every non-ASCII byte but
 * the general punctuation block (U+2000-U+206F: dashes, curly quotes). */
static size_t word_char(const unsigned char *s, size_t i, size_t n)
{
    if (is_alnum(s[i]))
        return 1;
    if (s[i] < 0x80)
        return 0;
    if (s[i] == 0xE2 && i + 1 < n && (s[i + 1] == 0x80 || s[i + 1] == 0x81))
        return 0;
    if (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0xA0) /* no-break space */
        return 0;
    return 1;
}

/* An apostrophe at s[i] (' or U+2019): its length, else 0. */
static size_t apostrophe(const unsigned char *s, size_t i, size_t n)
{
    if (s[i] == '\'')
        return 1;
    if (s[i] == 0xE2 && i + 2 < n && s[i + 1] == 0x80 && s[i + 2] == 0x99)
        return 3;
    return 0;
}

static int word_eq(const char *text, const tok *t, const char *w)
{
    size_t n = strlen(w);
    if (t->len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(text[t->start + i]) != w[i])
            return 0;
    return 1;
}

/* Lower-cased word of t into buf; 0 if longer than cap - 1. */
static size_t word_of(const char *text, const tok *t, char *buf, size_t cap)
{
    if (t->len >= cap)
        return 0;
    for (size_t i = 0; i < t->len; i++)
        buf[i] = lower(text[t->start + i]);
    buf[t->len] = '\0';
    return t->len;
}

static void classify(const mention_lexicon *lx, const char *text, tok *t)
{
    char w[64];
    size_t n = word_of(text, t, w, sizeof w);
    if (!n)
        return;
    const uint32_t *v = vlit_strmap_get(&lx->words, w, n);
    if (v)
        t->cls = *v;
    if ((v = vlit_strmap_get(&lx->numbers, w, n))) {
        t->kind = T_NUM;
        t->value = (int)*v;
        return;
    }
    size_t k = 0;
    while (k < n && w[k] >= '0' && w[k] <= '9')
        k++;
    if (k == n && n <= 6) {
        t->kind = T_NUM;
        t->value = atoi(w);
    }
}

static int tokenize(const mention_lexicon *lx, const char *text, toks *ts)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (word_char(s, i, n)) {
            size_t b = i;
            for (;;) {
                while (i < n && word_char(s, i, n))
                    i++;
                size_t ap;
                /* "o'clock", "isn't", "dog's": an apostrophe between letters */
                if (i < n && (ap = apostrophe(s, i, n)) && i + ap < n && word_char(s, i + ap, n)) {
                    i += ap;
                    continue;
                }
                /* "2.5": a dot between digits */
                if (i + 1 < n && s[i] == '.' && s[i - 1] >= '0' && s[i - 1] <= '9' && s[i + 1] >= '0' &&
                    s[i + 1] <= '9') {
                    i++;
                    continue;
                }
                break;
            }
            tok t = {b, i - b, i, T_WORD, 0, 0, 0, -1};
            /* possessive and n't */
            size_t e = i, ap;
            if (e - b > 2 && lower((char)s[e - 1]) == 's' && s[e - 2] == '\'') {
                t.len = e - 2 - b;
                t.flags |= TF_POSS;
            } else if (e - b > 4 && lower((char)s[e - 1]) == 's' && s[e - 2] == 0x99 && s[e - 3] == 0x80 &&
                       s[e - 4] == 0xE2) {
                t.len = e - 4 - b;
                t.flags |= TF_POSS;
            } else if (e - b > 3 && lower((char)s[e - 1]) == 't' && s[e - 2] == '\'' && lower((char)s[e - 3]) == 'n') {
                t.len = e - 3 - b;
                t.flags |= TF_NEG;
            } else if (e - b > 5 && lower((char)s[e - 1]) == 't' && s[e - 2] == 0x99 && s[e - 3] == 0x80 &&
                       s[e - 4] == 0xE2 && lower((char)s[e - 5]) == 'n') {
                t.len = e - 5 - b;
                t.flags |= TF_NEG;
            }
            /* "dogs'" */
            if (i < n && (ap = apostrophe(s, i, n)) && lower((char)s[i - 1]) == 's') {
                t.flags |= TF_POSS;
                i += ap;
                t.end = i;
            }
            classify(lx, text, &t);
            if (push(ts, t))
                return -1;
            continue;
        }
        tok t = {i, 0, i + 1, T_OTHER, 0, 0, 0, -1};
        if (c == '.' || c == '!' || c == '?' || c == ';' || c == ':' || c == '\n') {
            t.kind = T_END;
            if (c == '?')
                t.flags |= TF_QMARK;
        } else if (c == ',') {
            t.kind = T_COMMA;
        } else if (c == '-') {
            /* a hyphen between two words joins them ("hot-dog"); elsewhere a break */
            if (i > 0 && i + 1 < n && word_char(s, i - 1, n) && word_char(s, i + 1, n)) {
                i++;
                continue;
            }
            t.kind = T_COMMA;
        } else if (c == 0xE2 && i + 2 < n && (s[i + 1] == 0x80 || s[i + 1] == 0x81)) {
            t.end = i + 3; /* general punctuation: quotes, dashes, ellipsis */
            if (s[i + 1] == 0x80 && (s[i + 2] == 0x93 || s[i + 2] == 0x94)) /* en and em dashes */
                t.kind = T_COMMA;
            else if (s[i + 1] == 0x80 && s[i + 2] == 0xA6) /* ellipsis */
                t.kind = T_END;
        } else if (c == 0xC2 && i + 1 < n && s[i + 1] == 0xA0) {
            i += 2;
            continue;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            i++;
            continue;
        }
        i = t.end;
        if (push(ts, t))
            return -1;
    }
    /* "twenty-five" */
    size_t k = 0;
    for (size_t j = 0; j < ts->n; j++) {
        tok *a = &ts->t[j];
        if (k && a->kind == T_NUM && a->value < 10 && ts->t[k - 1].kind == T_NUM && ts->t[k - 1].value >= 20 &&
            ts->t[k - 1].value % 10 == 0 && ts->t[k - 1].end + 1 == a->start && text[a->start - 1] == '-') {
            ts->t[k - 1].value += a->value;
            ts->t[k - 1].end = a->end;
            ts->t[k - 1].len = a->end - ts->t[k - 1].start;
            continue;
        }
        ts->t[k++] = *a;
    }
    ts->n = k;
    return 0;
}

/* ---- finding mentions --------------------------------------------------- */

static int is_word(const tok *t)
{
    return t->kind == T_WORD || t->kind == T_NUM;
}

static int ends_ing(const char *text, const tok *t)
{
    return t->len > 4 && lower(text[t->start + t->len - 3]) == 'i' && lower(text[t->start + t->len - 2]) == 'n' &&
           lower(text[t->start + t->len - 1]) == 'g';
}

/* After an adjective-like term ("orange", "remote"): 1 if the next tokens
 * make it a noun (end of phrase, a function word, a verb in -ing, or "and" /
 * "or" / "," followed by a new noun phrase), 0 if it modifies what follows
 * ("an orange cat", "an orange and white cat"). */
static int noun_follows(const char *text, const toks *ts, size_t j)
{
    if (j >= ts->n || !is_word(&ts->t[j])) {
        if (j < ts->n && ts->t[j].kind == T_COMMA)
            goto coordination;
        return 1;
    }
    if (ts->t[j].cls & W_COORD)
        goto coordination;
    return (ts->t[j].cls & (W_FUNC | W_EXIST)) || ends_ing(text, &ts->t[j]); /* "no orange visible" */
coordination:
    if (j + 1 >= ts->n || !is_word(&ts->t[j + 1]))
        return 1;
    return (ts->t[j + 1].cls & (W_DET | W_FUNC)) || ts->t[j + 1].kind == T_NUM;
}

typedef struct cand {
    size_t first, last; /* tokens */
    const lex_term *term;
    mention m;
} cand;

static int push_mention(mention_list *l, const mention *m)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        mention *p = realloc(l->m, cap * sizeof *p);
        if (!p)
            return -1;
        l->m = p;
        l->cap = cap;
    }
    l->m[l->n++] = *m;
    return 0;
}

/* The count of the mention starting at token s, or -1. */
static int count_before(const char *text, const toks *ts, size_t s)
{
    size_t j = s, skipped = 0;
    int single = 0;
    while (j > 0 && skipped < 2) {
        const tok *t = &ts->t[j - 1];
        if (t->kind != T_WORD || (t->cls & W_FUNC) || t->mention >= 0 || (t->flags & TF_POSS))
            break;
        if (word_eq(text, t, "single") && j >= 2 && is_word(&ts->t[j - 2]) &&
            (word_eq(text, &ts->t[j - 2], "a") || word_eq(text, &ts->t[j - 2], "one")))
            single = 1;
        j--;
        skipped++;
    }
    if (single)
        return 1;
    if (j == 0 || ts->t[j - 1].kind != T_NUM)
        return -1;
    const tok *num = &ts->t[j - 1];
    const tok *prev = j >= 2 ? &ts->t[j - 2] : NULL;
    if (prev && (prev->kind == T_NUM || (prev->kind == T_WORD && (prev->cls & W_VAGUE))))
        return -1; /* "two or three", "at least two", "about 20" */
    if (num->value < 1)
        return -1;
    if (num->value == 1) /* "one" is mostly "one of" / "one man ... another": only "only one", "just one" */
        return prev && prev->kind == T_WORD && (prev->cls & W_EXACT) ? 1 : -1;
    if (num->start > 0 && (text[num->start - 1] == '$' || text[num->end] == '%'))
        return -1;
    return num->value;
}

/* Negation: marks the mentions in the scope of the cue at token k. */
static void negate_from(const char *text, toks *ts, size_t k, cand *c)
{
    const tok *cue = &ts->t[k];
    int strong = (cue->cls & W_NEG_STRONG) && !(cue->flags & TF_NEG);
    size_t from = k + 1;
    if (cue->flags & TF_NEG) /* "isn't": the word itself is "is" */
        strong = 0;
    /* "not only", "not just", "no one", "no longer", "no matter" */
    if (from < ts->n && is_word(&ts->t[from]) &&
        (word_eq(text, &ts->t[from], "only") || word_eq(text, &ts->t[from], "just") ||
         word_eq(text, &ts->t[from], "one") || word_eq(text, &ts->t[from], "longer") ||
         word_eq(text, &ts->t[from], "matter") || word_eq(text, &ts->t[from], "doubt")))
        return;
    /* "without holding an umbrella" negates the verb: the umbrella is not
     * said to be absent */
    if (strong && from < ts->n && is_word(&ts->t[from]) && ends_ing(text, &ts->t[from]))
        strong = 0;
    int absence = strong;
    if (!absence)
        for (size_t b = k >= 2 ? k - 2 : 0; b <= k; b++)
            if (is_word(&ts->t[b]) && word_eq(text, &ts->t[b], "there"))
                absence = 1;
    size_t limit = strong ? 4 : 6, steps = 0;
    size_t j = from;
    for (; j < ts->n && steps < limit; j++, steps++) {
        tok *t = &ts->t[j];
        if (!is_word(t) || (t->cls & W_STOP))
            return;
        if (t->mention >= 0)
            break;
        if (t->cls & W_EXIST)
            absence = 1;
        if (strong && ends_ing(text, t))
            return;
    }
    if (j >= ts->n || steps >= limit || ts->t[j].mention < 0)
        return;
    /* the first mention and those coordinated with it */
    for (;;) {
        cand *m = &c[ts->t[j].mention];
        m->m.mode = MENTION_NEGATED;
        m->m.absence = absence;
        j = m->last + 1;
        if (j >= ts->n || !((ts->t[j].kind == T_COMMA) || (is_word(&ts->t[j]) && (ts->t[j].cls & W_COORD))))
            return;
        /* "or" and "nor" may start a new noun phrase ("no cat or a dog"); after
         * "and" or a comma only adjectives may come before the next noun: "no
         * cats and dogs", not "no cat, and a dog sleeps" */
        int alternative = is_word(&ts->t[j]) && !word_eq(text, &ts->t[j], "and");
        j++;
        size_t look = 0;
        while (j < ts->n && look < 3 && is_word(&ts->t[j]) && ts->t[j].mention < 0 &&
               !(ts->t[j].cls & (W_STOP | W_COORD | W_NEG)) && (alternative || !(ts->t[j].cls & W_FUNC))) {
            j++;
            look++;
        }
        if (j >= ts->n || ts->t[j].mention < 0)
            return;
    }
}

vlit_status mention_find(const mention_lexicon *lx, const char *text, mention_list *out)
{
    out->n = 0;
    if (!text || !*text)
        return VLIT_OK;
    toks ts = {NULL, 0, 0};
    cand *c = NULL;
    size_t nc = 0, capc = 0;
    vlit_status st = VLIT_ERR_NOMEM;
    if (tokenize(lx, text, &ts))
        goto out;

    /* terms, longest first */
    char key[KEY_MAX];
    for (size_t i = 0; i < ts.n;) {
        if (ts.t[i].kind != T_WORD && ts.t[i].kind != T_NUM) {
            i++;
            continue;
        }
        const lex_term *found = NULL;
        size_t words = 0;
        size_t len = 0;
        size_t max = lx->max_words;
        size_t keylen[WORDS_MAX + 1];
        /* build the key of tokens i.. up to max words; possessives end it */
        size_t w = 0;
        for (; w < max && i + w < ts.n; w++) {
            const tok *t = &ts.t[i + w];
            if (!is_word(t) || len + t->len + 1 >= sizeof key)
                break;
            if (w)
                key[len++] = ' ';
            for (size_t b = 0; b < t->len; b++)
                key[len++] = lower(text[t->start + b]);
            keylen[w + 1] = len;
            if (w == 0) { /* most words start no term: one lookup says so */
                const uint32_t *most = vlit_strmap_get(&lx->first, key, len);
                if (!most) {
                    w = 0;
                    break;
                }
                max = *most < max ? *most : max;
            }
            if (t->flags & TF_POSS) {
                w++;
                break;
            }
        }
        for (size_t k = w; k >= 1; k--) {
            const uint32_t *slot = vlit_strmap_get(&lx->terms, key, keylen[k]);
            if (slot) {
                found = &lx->term[*slot];
                words = k;
                break;
            }
        }
        if (!found) {
            i++;
            continue;
        }
        size_t last = i + words - 1;
        if (found->category >= 0 && !(found->adjective && !noun_follows(text, &ts, last + 1))) {
            if (nc == capc) {
                size_t cap = capc ? capc * 2 : 16;
                cand *p = realloc(c, cap * sizeof *p);
                if (!p)
                    goto out;
                c = p;
                capc = cap;
            }
            cand *m = &c[nc];
            m->first = i;
            m->last = last;
            m->term = found;
            m->m = (mention){found->category,
                             ts.t[i].start,
                             ts.t[last].start + ts.t[last].len,
                             MENTION_ASSERTED,
                             0,
                             found->narrower,
                             -1};
            for (size_t k = i; k <= last; k++)
                ts.t[k].mention = (int)nc;
            nc++;
        }
        i = last + 1;
    }

    /* a mention right before another one modifies it ("mother elephant"), as
     * does one joined to the next word by a hyphen ("cake-style") */
    for (size_t k = 0; k < nc; k++) {
        const tok *l = &ts.t[c[k].last];
        int before = k + 1 < nc && c[k].last + 1 == c[k + 1].first && !(l->flags & TF_POSS);
        int hyphen = c[k].last + 1 < ts.n && text[l->end] == '-' && ts.t[c[k].last + 1].start == l->end + 1;
        if (before || hyphen) {
            for (size_t t = c[k].first; t <= c[k].last; t++)
                ts.t[t].mention = -1;
            c[k].term = NULL; /* dropped */
        }
    }

    /* counts */
    for (size_t k = 0; k < nc; k++)
        if (c[k].term && !lx->nocount[c[k].m.category])
            c[k].m.count = count_before(text, &ts, c[k].first);

    /* negation */
    for (size_t k = 0; k < ts.n; k++)
        if ((ts.t[k].kind == T_WORD && (ts.t[k].cls & W_NEG)) || (ts.t[k].flags & TF_NEG))
            negate_from(text, &ts, k, c);

    /* yes/no existence questions */
    for (size_t b = 0; b < ts.n;) {
        size_t e = b;
        int exist = 0;
        while (e < ts.n && ts.t[e].kind != T_END) {
            exist |= (ts.t[e].cls & W_EXIST) != 0;
            e++;
        }
        if (e < ts.n && (ts.t[e].flags & TF_QMARK) && e > b && ts.t[b].kind == T_WORD && (ts.t[b].cls & W_AUX) && exist)
            for (size_t t = b; t < e; t++)
                if (ts.t[t].mention >= 0 && c[ts.t[t].mention].m.mode == MENTION_ASSERTED)
                    c[ts.t[t].mention].m.mode = MENTION_QUERIED;
        b = e + 1;
    }

    /* speculation: clauses (between commas and sentence ends) with a hedge,
     * except in questions ("What might the man be doing?" presupposes him) */
    for (size_t b = 0; b < ts.n;) {
        size_t e = b;
        while (e < ts.n && ts.t[e].kind != T_END)
            e++;
        int question = e < ts.n && (ts.t[e].flags & TF_QMARK);
        for (size_t cb = b; !question && cb < e;) {
            size_t ce = cb, hedge = e;
            while (ce < e && ts.t[ce].kind != T_COMMA) {
                if ((ts.t[ce].cls & W_HEDGE) && hedge == e)
                    hedge = ce;
                ce++;
            }
            /* what comes before the modal is presupposed: "the woman on the
             * motorcycle might face challenges" */
            if (hedge < ce)
                for (size_t t = hedge + 1; t < ce; t++) {
                    int k = ts.t[t].mention;
                    if (k < 0)
                        continue;
                    if (c[k].m.mode == MENTION_ASSERTED)
                        c[k].m.mode = MENTION_HEDGED;
                    else if (c[k].m.mode == MENTION_NEGATED)
                        c[k].m.absence = 0; /* "there may be no cat" is no firm claim */
                }
            cb = ce + 1;
        }
        b = e + 1;
    }

    for (size_t k = 0; k < nc; k++)
        if (c[k].term && push_mention(out, &c[k].m))
            goto out;
    st = VLIT_OK;
out:
    free(ts.t);
    free(c);
    return st;
}

typedef struct shared_mentions {
    uint64_t fingerprint;
    mention_list list;
} shared_mentions;

static void free_shared(void *p)
{
    shared_mentions *sm = p;
    mention_list_free(&sm->list);
    free(sm);
}

vlit_status mention_find_shared(const mention_lexicon *lx, const score_item *it, int response, mention_list *own,
                                const mention_list **out)
{
    const char *text = response ? it->response : it->instruction;
    int slot = response ? SCORE_MEMO_MENTIONS_RESPONSE : SCORE_MEMO_MENTIONS_INSTRUCTION;
    score_memo *memo = it->memo;
    if (!memo) {
        vlit_status st = mention_find(lx, text, own);
        *out = own;
        return st;
    }
    shared_mentions *sm = memo->slot[slot];
    if (sm && sm->fingerprint == lx->fingerprint) {
        *out = &sm->list;
        return VLIT_OK;
    }
    if (!sm) {
        if (!(sm = calloc(1, sizeof *sm)))
            return VLIT_ERR_NOMEM;
        memo->slot[slot] = sm;
        memo->free_slot[slot] = free_shared;
    }
    sm->fingerprint = lx->fingerprint;
    vlit_status st = mention_find(lx, text, &sm->list);
    if (st)
        sm->fingerprint = ~lx->fingerprint; /* not valid */
    *out = &sm->list;
    return st;
}

void mention_list_free(mention_list *l)
{
    free(l->m);
    l->m = NULL;
    l->n = l->cap = 0;
}

size_t mention_mark(const mention_list *l, unsigned modes, unsigned char *seen, size_t n_categories)
{
    size_t added = 0;
    for (size_t i = 0; i < l->n; i++) {
        const mention *m = &l->m[i];
        if (!(modes & (1u << m->mode)) || m->category < 0 || (size_t)m->category >= n_categories)
            continue;
        if (!seen[m->category]) {
            seen[m->category] = 1;
            added++;
        }
    }
    return added;
}

/* ---- annotations -------------------------------------------------------- */

vlit_status mention_truth_build(const mention_lexicon *lx, const score_clue *clue, mention_truth *t)
{
    memset(t, 0, sizeof *t);
    t->n = lx->n_cat;
    t->instances = calloc(t->n, sizeof *t->instances);
    t->crowd = calloc(t->n, 1);
    if (!t->instances || !t->crowd) {
        mention_truth_free(t);
        return VLIT_ERR_NOMEM;
    }
    if (!clue)
        return VLIT_OK;
    for (size_t i = 0; i < clue->n_objects; i++) {
        int c = mention_lexicon_category(lx, clue->objects[i].category);
        if (c < 0) {
            t->unmapped++;
            continue;
        }
        t->mapped++;
        if (clue->objects[i].iscrowd)
            t->crowd[c] = 1;
        else
            t->instances[c]++;
    }
    return VLIT_OK;
}

int mention_truth_present(const mention_truth *t, int category)
{
    return category >= 0 && (size_t)category < t->n && (t->instances[category] > 0 || t->crowd[category]);
}

int mention_truth_count_ok(const mention_truth *t, int category, int count, int lower_bound)
{
    if (category < 0 || (size_t)category >= t->n)
        return 0;
    int n = t->instances[category];
    if (t->crowd[category])
        return lower_bound || count > n;
    return lower_bound ? n >= count : n == count;
}

void mention_truth_free(mention_truth *t)
{
    free(t->instances);
    free(t->crowd);
    t->instances = NULL;
    t->crowd = NULL;
}

/* ---- quoted text and OCR ------------------------------------------------ */

static const char *const writing_cues[] = {
    "read",   "reads",    "reading",  "say",       "says",        "saying",    "said",      "written", "write",
    "writes", "writing",  "text",     "texts",     "word",        "words",     "sign",      "signs",   "signage",
    "label",  "labels",   "labeled",  "labelled",  "letter",      "letters",   "lettering", "printed", "print",
    "title",  "titled",   "brand",    "logo",      "inscription", "inscribed", "banner",    "slogan",  "spelled",
    "spells", "spelling", "displays", "displayed", "message",     "headline",
};

/* 1 if text[b..e) contains a writing cue as a whole word. */
static int has_cue(const char *text, size_t b, size_t e)
{
    size_t i = b;
    while (i < e) {
        while (i < e && !is_alnum((unsigned char)text[i]))
            i++;
        size_t s = i;
        while (i < e && is_alnum((unsigned char)text[i]))
            i++;
        size_t n = i - s;
        if (!n || n > 12)
            continue;
        char w[16];
        for (size_t k = 0; k < n; k++)
            w[k] = lower(text[s + k]);
        w[n] = '\0';
        for (size_t k = 0; k < sizeof writing_cues / sizeof writing_cues[0]; k++)
            if (strcmp(w, writing_cues[k]) == 0)
                return 1;
    }
    return 0;
}

static int at(const char *s, size_t i, const char *seq)
{
    return strncmp(s + i, seq, strlen(seq)) == 0;
}

size_t mention_quotes(const char *text, mention_span *out, size_t max)
{
    if (!text)
        return 0;
    size_t n = strlen(text), found = 0;
    size_t i = 0;
    while (i < n) {
        size_t open = 0; /* length of the opening quote */
        const char *close[2] = {NULL, NULL};
        int single = 0;
        if (text[i] == '"') {
            open = 1;
            close[0] = "\"";
        } else if (at(text, i, "\xE2\x80\x9C")) {
            open = 3;
            close[0] = "\xE2\x80\x9D";
            close[1] = "\"";
        } else if (at(text, i, "\xE2\x80\x98")) {
            open = 3;
            close[0] = "\xE2\x80\x99";
            single = 1;
        } else if (text[i] == '\'' && (i == 0 || !is_alnum((unsigned char)text[i - 1])) && i + 1 < n &&
                   (is_alnum((unsigned char)text[i + 1]) || (unsigned char)text[i + 1] >= 0x80)) {
            open = 1;
            close[0] = "'";
            single = 1;
        }
        if (!open) {
            i++;
            continue;
        }
        size_t b = i + open, e = b, words = 0;
        int ok = 0, inword = 0, alnum = 0;
        size_t close_len = 0;
        for (; e < n && e - b <= 200 && text[e] != '\n'; e++) {
            int hit = 0;
            for (int k = 0; k < 2 && !hit; k++)
                if (close[k] && at(text, e, close[k])) {
                    size_t cl = strlen(close[k]);
                    /* a single quote closes only before a non-letter: not "don't" */
                    if (single && e + cl < n && is_alnum((unsigned char)text[e + cl]))
                        continue;
                    hit = 1;
                    close_len = cl;
                }
            if (hit) {
                ok = 1;
                break;
            }
            int a = is_alnum((unsigned char)text[e]) || (unsigned char)text[e] >= 0x80;
            alnum |= a;
            if (a && !inword)
                words++;
            inword = a;
        }
        if (!ok) {
            i += open;
            continue;
        }
        if (alnum && words >= 1 && words <= 12) {
            /* the sentence around the quote, outside it */
            size_t sb = i, se = e + close_len;
            while (sb > 0 && !strchr(".!?\n", text[sb - 1]))
                sb--;
            while (se < n && !strchr(".!?\n", text[se]))
                se++;
            if (has_cue(text, sb, i) || has_cue(text, e + close_len, se)) {
                if (found < max)
                    out[found] = (mention_span){b, e};
                found++;
            }
        }
        i = e + close_len;
    }
    return found;
}

/* Next word of s[*i..n): lower-cased alphanumerics into w (cap bytes); 0 at the end. */
static size_t next_word(const char *s, size_t n, size_t *i, char *w, size_t cap)
{
    while (*i < n && !is_alnum((unsigned char)s[*i]))
        (*i)++;
    size_t k = 0;
    while (*i < n && is_alnum((unsigned char)s[*i])) {
        if (k + 1 < cap)
            w[k++] = lower(s[*i]);
        (*i)++;
    }
    w[k] = '\0';
    return k;
}

/* 1 if a and b differ by at most one insertion, deletion or substitution. */
static int one_edit(const char *a, size_t na, const char *b, size_t nb)
{
    if (na > nb + 1 || nb > na + 1)
        return 0;
    size_t i = 0, j = 0, edits = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) {
            i++;
            j++;
            continue;
        }
        if (++edits > 1)
            return 0;
        if (na > nb)
            i++;
        else if (nb > na)
            j++;
        else {
            i++;
            j++;
        }
    }
    return edits + (na - i) + (nb - j) <= 1;
}

static int ocr_has_word(const score_clue *clue, const char *w, size_t nw)
{
    char o[64];
    for (size_t k = 0; k < clue->n_ocr; k++) {
        const char *t = clue->ocr[k].text;
        if (!t)
            continue;
        size_t n = strlen(t), i = 0, no;
        while ((no = next_word(t, n, &i, o, sizeof o)) > 0) {
            if (no == nw && memcmp(o, w, nw) == 0)
                return 1;
            if (nw >= 5 && no >= 5 && one_edit(w, nw, o, no))
                return 1;
        }
    }
    return 0;
}

int mention_ocr_match(const score_clue *clue, const char *s, size_t len)
{
    if (!clue || !s)
        return 0;
    char w[64];
    size_t i = 0, nw, words = 0;
    while ((nw = next_word(s, len, &i, w, sizeof w)) > 0) {
        words++;
        if (!ocr_has_word(clue, w, nw))
            return 0;
    }
    return words > 0;
}
