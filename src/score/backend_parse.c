#include "backend_parse.h"

#include <ctype.h>
#include <float.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../base/json.h"

/* Server replies are small; these bound what a hostile one can make us build. */
static const vj_limits reply_limits = {16 << 20, 256 << 20, 64};

vlit_status bp_chat_content(const char *body, size_t len, vlit_arena *a, const char **content, long *prompt_tokens,
                            long *completion_tokens, char *why, size_t cap)
{
    *content = NULL;
    *prompt_tokens = *completion_tokens = 0;
    vj *v = NULL;
    vlit_error local = {0};
    if (vj_parse(body, len, &reply_limits, a, &v, &local)) {
        snprintf(why, cap, "malformed reply (%s)", local.message);
        return VLIT_ERR_PARSE;
    }
    const vj *choices = vj_get(v, "choices");
    if (!choices || choices->type != VJ_ARRAY || choices->len == 0) {
        snprintf(why, cap, "reply without \"choices\"");
        return VLIT_ERR_PARSE;
    }
    const vj *c = vj_get(vj_get(choices->items[0], "message"), "content");
    if (!vj_is_text(c)) {
        snprintf(why, cap, "reply whose first choice has no text content");
        return VLIT_ERR_PARSE;
    }
    *content = c->str;
    int64_t pt = 0, ct = 0;
    const vj *usage = vj_get(v, "usage");
    if (vj_int(vj_get(usage, "prompt_tokens"), &pt) && pt >= 0 && pt < (int64_t)1 << 40)
        *prompt_tokens = (long)pt;
    if (vj_int(vj_get(usage, "completion_tokens"), &ct) && ct >= 0 && ct < (int64_t)1 << 40)
        *completion_tokens = (long)ct;
    return VLIT_OK;
}

vlit_status bp_embeddings(const char *body, size_t len, size_t n, vlit_arena *a, float **vecs, size_t *dim, char *why,
                          size_t cap)
{
    *vecs = NULL;
    *dim = 0;
    vj *v = NULL;
    vlit_error local = {0};
    if (vj_parse(body, len, &reply_limits, a, &v, &local)) {
        snprintf(why, cap, "malformed reply (%s)", local.message);
        return VLIT_ERR_PARSE;
    }
    const vj *data = vj_get(v, "data");
    if (!data || data->type != VJ_ARRAY) {
        snprintf(why, cap, "reply without a \"data\" array");
        return VLIT_ERR_PARSE;
    }
    if (data->len != n) {
        snprintf(why, cap, "reply with %zu vectors for %zu inputs", data->len, n);
        return VLIT_ERR_PARSE;
    }
    if (n == 0)
        return VLIT_OK;
    size_t d = 0;
    float *out = NULL;
    unsigned char *seen = vlit_arena_alloc(a, n);
    if (!seen) {
        snprintf(why, cap, "out of memory");
        return VLIT_ERR_NOMEM;
    }
    memset(seen, 0, n);
    for (size_t i = 0; i < n; i++) {
        const vj *item = data->items[i];
        const vj *e = vj_get(item, "embedding");
        if (!e || e->type != VJ_ARRAY) {
            snprintf(why, cap, "data[%zu] without an \"embedding\" array%s", i,
                     e && e->type == VJ_STRING ? " (base64 vectors were not asked for)" : "");
            return VLIT_ERR_PARSE;
        }
        if (i == 0) {
            d = e->len;
            if (d == 0 || d > BP_MAX_DIM) {
                snprintf(why, cap, "data[0]: an embedding of dimension %zu", d);
                return VLIT_ERR_PARSE;
            }
            if (!(out = vlit_arena_alloc(a, n * d * sizeof *out))) {
                snprintf(why, cap, "out of memory");
                return VLIT_ERR_NOMEM;
            }
        } else if (e->len != d) {
            snprintf(why, cap, "data[%zu]: dimension %zu, data[0] has %zu", i, e->len, d);
            return VLIT_ERR_PARSE;
        }
        size_t at = i;
        const vj *index = vj_get(item, "index");
        if (index) {
            int64_t k;
            if (!vj_int(index, &k) || k < 0 || (uint64_t)k >= n) {
                snprintf(why, cap, "data[%zu]: index is not an input position 0..%zu", i, n - 1);
                return VLIT_ERR_PARSE;
            }
            at = (size_t)k;
        }
        if (seen[at]) {
            snprintf(why, cap, "data[%zu]: a second vector for input %zu", i, at);
            return VLIT_ERR_PARSE;
        }
        seen[at] = 1;
        for (size_t j = 0; j < d; j++) {
            double x;
            if (!vj_number(e->items[j], &x) || x > FLT_MAX || x < -FLT_MAX) {
                snprintf(why, cap, "data[%zu].embedding[%zu] is not a finite number", i, j);
                return VLIT_ERR_PARSE;
            }
            out[at * d + j] = (float)x;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!seen[i]) { /* unreachable: n distinct indexes below n cover all; kept as a guard */
            snprintf(why, cap, "no vector for input %zu", i);
            return VLIT_ERR_PARSE;
        }
    *vecs = out;
    *dim = d;
    return VLIT_OK;
}

/* ---- verdicts and scores --------------------------------------------------- */

static int is_deco(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '*' || c == '_' || c == '#' || c == '`' || c == '"' ||
           c == '\'' || c == '>' || c == '-';
}

static const char *skip_deco(const char *p, const char *e)
{
    while (p < e && is_deco(*p))
        p++;
    return p;
}

/* If [p, e) starts with one of the labels (case-insensitive) followed by
 * decoration and ':', returns the position after the ':' and decoration. */
static const char *skip_label(const char *p, const char *e, const char *const *labels)
{
    for (size_t i = 0; labels[i]; i++) {
        size_t n = strlen(labels[i]);
        if ((size_t)(e - p) < n || strncasecmp(p, labels[i], n) != 0)
            continue;
        const char *q = p + n;
        while (q < e && (*q == '*' || *q == '_' || *q == ' '))
            q++;
        if (q < e && *q == ':')
            return skip_deco(q + 1, e);
    }
    return p;
}

/* What may follow a verdict word or a score for the line still to count:
 * the end, punctuation, a spaced dash ("yes - two dogs") or decoration. */
static int ends_ok(const char *p, const char *e)
{
    while (p < e && (*p == '*' || *p == '_' || *p == '`' || *p == '"' || *p == '\''))
        p++;
    if (p == e || *p == '.' || *p == ',' || *p == ';' || *p == ':' || *p == '!' || *p == ')' || *p == '\r')
        return 1;
    const char *q = p;
    while (q < e && (*q == ' ' || *q == '\t'))
        q++;
    if (q > p && q < e && (*q == '-' || ((size_t)(e - q) >= 3 && memcmp(q, "\xe2\x80\x94", 3) == 0)))
        return 1; /* a spaced hyphen or em dash */
    while (q < e && is_deco(*q))
        q++;
    return q == e;
}

static const char *const vote_labels[] = {"final verdict", "final answer", "verdict", "answer",
                                          "judgment",      "judgement",    NULL};

static bp_vote line_vote(const char *p, const char *e)
{
    p = skip_deco(p, e);
    p = skip_label(p, e, vote_labels);
    const char *w = p;
    while (p < e && isalpha((unsigned char)*p))
        p++;
    size_t n = (size_t)(p - w);
    static const struct {
        const char *word;
        bp_vote vote;
    } words[] = {{"yes", BP_VOTE_YES},      {"correct", BP_VOTE_YES}, {"true", BP_VOTE_YES}, {"no", BP_VOTE_NO},
                 {"incorrect", BP_VOTE_NO}, {"false", BP_VOTE_NO},    {"wrong", BP_VOTE_NO}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i].word) == n && strncasecmp(w, words[i].word, n) == 0)
            return ends_ok(p, e) ? words[i].vote : BP_VOTE_UNPARSED;
    return BP_VOTE_UNPARSED;
}

static const char *const score_labels[] = {"complexity score", "score", "complexity", "rating", "answer", NULL};

static int line_score(const char *p, const char *e)
{
    p = skip_deco(p, e);
    p = skip_label(p, e, score_labels);
    const char *d = p;
    int v = 0;
    while (p < e && isdigit((unsigned char)*p) && p - d < 3)
        v = v * 10 + (*p++ - '0');
    if (p == d || (p < e && isdigit((unsigned char)*p)) || v < 1 || v > 10)
        return 0;
    if (p < e && *p == '.' && p + 1 < e && isdigit((unsigned char)p[1]))
        return 0; /* 7.5: not an integer score */
    if ((size_t)(e - p) >= 3 && memcmp(p, "/10", 3) == 0)
        p += 3;
    else if ((size_t)(e - p) >= 10 && strncasecmp(p, " out of 10", 10) == 0)
        p += 10;
    return ends_ok(p, e) ? v : 0;
}

/* Calls fn on the first and last non-blank lines (after a leading
 * <think>...</think> block) and combines: equal or one-sided results count,
 * disagreement or nothing gives 0. */
static int first_last(const char *text, size_t len, int (*fn)(const char *, const char *))
{
    const char *p = text, *e = text + len;
    while (p < e && isspace((unsigned char)*p))
        p++;
    if ((size_t)(e - p) >= 7 && memcmp(p, "<think>", 7) == 0) {
        const char *close = NULL;
        for (const char *q = p + 7; q + 8 <= e; q++)
            if (memcmp(q, "</think>", 8) == 0) {
                close = q;
                break;
            }
        if (!close)
            return 0; /* the reasoning was cut off before any verdict */
        p = close + 8;
    }
    const char *first_b = NULL, *first_e = NULL, *last_b = NULL, *last_e = NULL;
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e;
        const char *q = skip_deco(p, le);
        if (q < le) {
            if (!first_b) {
                first_b = p;
                first_e = le;
            }
            last_b = p;
            last_e = le;
        }
        p = nl ? nl + 1 : e;
    }
    if (!first_b)
        return 0;
    int a = fn(first_b, first_e);
    if (last_b == first_b)
        return a;
    int b = fn(last_b, last_e);
    if (a && b && a != b)
        return 0;
    return a ? a : b;
}

static int vote_fn(const char *p, const char *e)
{
    return (int)line_vote(p, e);
}

bp_vote bp_parse_vote(const char *text, size_t len)
{
    return (bp_vote)first_last(text, len, vote_fn);
}

int bp_parse_score(const char *text, size_t len)
{
    return first_last(text, len, line_score);
}
