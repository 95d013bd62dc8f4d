#include "si_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../base/buf.h"
#include "../base/json.h"

enum { ROLE_NONE = -1, ROLE_USER = 0, ROLE_AI = 1 };

static const struct {
    const char *name;
    int role;
} role_names[] = {
    {"user", ROLE_USER},      {"human", ROLE_USER},   {"question", ROLE_USER}, {"q", ROLE_USER},
    {"assistant", ROLE_AI},   {"ai", ROLE_AI},        {"gpt", ROLE_AI},        {"bot", ROLE_AI},
    {"answer", ROLE_AI},      {"a", ROLE_AI},         {"model", ROLE_AI},
};

static int role_of(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (strlen(role_names[i].name) == n && strncasecmp(role_names[i].name, s, n) == 0)
            return role_names[i].role;
    return ROLE_NONE;
}

/* If line starts with a role label ("**User:**", "### AI:", "User 2:",
 * "Q:"), returns the role and sets *rest to the text after it. */
static int line_role(const char *line, size_t len, const char **rest, size_t *rest_len)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '*' || line[i] == '#' || line[i] == '-' ||
                       line[i] == '>' || line[i] == '_'))
        i++;
    size_t start = i;
    while (i < len && isalpha((unsigned char)line[i]))
        i++;
    size_t word_end = i;
    if (word_end == start || word_end - start > 12)
        return ROLE_NONE;
    while (i < len && (line[i] == ' ' || isdigit((unsigned char)line[i])))
        i++; /* "User 2:" */
    while (i < len && (line[i] == '*' || line[i] == '_'))
        i++;
    if (i >= len || line[i] != ':')
        return ROLE_NONE;
    i++;
    while (i < len && (line[i] == '*' || line[i] == '_'))
        i++;
    int role = role_of(line + start, word_end - start);
    if (role == ROLE_NONE)
        return ROLE_NONE;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    *rest = line + i;
    *rest_len = len - i;
    return role;
}

typedef struct builder {
    vlit_arena *a;
    vlit_turn *turns;
    size_t n, cap;
    vlit_buf cur;
    int cur_role;
} builder;

static int flush(builder *b)
{
    if (b->cur_role == ROLE_NONE)
        return 1;
    /* trim trailing blank lines and spaces */
    while (b->cur.len && isspace((unsigned char)b->cur.data[b->cur.len - 1]))
        b->cur.data[--b->cur.len] = '\0';
    const char *role = b->cur_role == ROLE_USER ? "user" : "assistant";
    if (b->n && strcmp(b->turns[b->n - 1].role, role) == 0) {
        /* two turns of one speaker in a row are one turn */
        vlit_buf joined = VLIT_BUF_INIT;
        vlit_buf_puts(&joined, b->turns[b->n - 1].text);
        vlit_buf_putc(&joined, '\n');
        vlit_buf_append(&joined, b->cur.data ? b->cur.data : "", b->cur.len);
        b->turns[b->n - 1].text = vlit_arena_strndup(b->a, joined.data ? joined.data : "", joined.len);
        vlit_buf_free(&joined);
    } else {
        if (b->n == b->cap) {
            size_t cap = b->cap ? b->cap * 2 : 8;
            vlit_turn *t = vlit_arena_alloc(b->a, cap * sizeof *t);
            if (!t)
                return 0;
            if (b->n)
                memcpy(t, b->turns, b->n * sizeof *t);
            b->turns = t;
            b->cap = cap;
        }
        b->turns[b->n].role = role;
        b->turns[b->n].text = vlit_arena_strndup(b->a, b->cur.data ? b->cur.data : "", b->cur.len);
        b->n++;
    }
    vlit_buf_clear(&b->cur);
    return b->turns[b->n - 1].text != NULL;
}

/* The text inside the first code fence, if there is one. */
static void unfence(const char **text, size_t *len)
{
    const char *s = *text, *end = s + *len;
    const char *open = NULL;
    for (const char *p = s; p + 3 <= end; p++)
        if (p[0] == '`' && p[1] == '`' && p[2] == '`' && (p == s || p[-1] == '\n')) {
            open = p;
            break;
        }
    if (!open)
        return;
    const char *body = memchr(open, '\n', (size_t)(end - open)); /* skip "```json" */
    if (!body)
        return;
    body++;
    const char *close = NULL;
    for (const char *p = body; p + 3 <= end; p++)
        if (p[0] == '`' && p[1] == '`' && p[2] == '`' && (p == body || p[-1] == '\n')) {
            close = p;
            break;
        }
    *text = body;
    *len = (size_t)((close ? close : end) - body);
}

static const vj *json_turns(const vj *v)
{
    if (v->type == VJ_ARRAY)
        return v;
    const char *keys[] = {"conversations", "conversation", "messages", "dialogue", NULL};
    for (int i = 0; v->type == VJ_OBJECT && keys[i]; i++) {
        const vj *t = vj_get(v, keys[i]);
        if (t && t->type == VJ_ARRAY)
            return t;
    }
    return NULL;
}

static int from_json(builder *b, const char *text, size_t len, char *why, size_t cap)
{
    vj *v;
    vlit_error err = {0};
    vj_limits lim = {1 << 20, 16 << 20, 32};
    if (vj_parse(text, len, &lim, b->a, &v, &err)) {
        snprintf(why, cap, "JSON reply: %s", err.message);
        return 0;
    }
    const vj *arr = json_turns(v);
    if (!arr) {
        snprintf(why, cap, "JSON reply without a list of turns");
        return 0;
    }
    for (size_t i = 0; i < arr->len; i++) {
        const vj *m = arr->items[i];
        const vj *r = vj_get(m, "from"), *t = vj_get(m, "value");
        if (!r)
            r = vj_get(m, "role");
        if (!r)
            r = vj_get(m, "speaker");
        if (!t)
            t = vj_get(m, "content");
        if (!t)
            t = vj_get(m, "text");
        int role = r && vj_is_text(r) ? role_of(r->str, r->len) : ROLE_NONE;
        if (role == ROLE_NONE || !t || !vj_is_text(t)) {
            snprintf(why, cap, "JSON turn %zu has no known role or no text", i);
            return 0;
        }
        b->cur_role = role;
        vlit_buf_clear(&b->cur);
        vlit_buf_append(&b->cur, t->str, t->len);
        if (!flush(b)) {
            snprintf(why, cap, "out of memory");
            return 0;
        }
    }
    return 1;
}

static int from_lines(builder *b, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n && p[n - 1] == '\r')
            n--;
        const char *rest;
        size_t rest_len;
        int role = line_role(p, n, &rest, &rest_len);
        if (role != ROLE_NONE) {
            if (!flush(b))
                return 0;
            b->cur_role = role;
            vlit_buf_append(&b->cur, rest, rest_len);
        } else if (b->cur_role != ROLE_NONE) {
            /* a continuation line; prose before the first turn is dropped */
            if (b->cur.len || n)
                vlit_buf_putc(&b->cur, '\n');
            vlit_buf_append(&b->cur, p, n);
        }
        p = nl ? nl + 1 : end;
    }
    return flush(b);
}

vlit_status si_parse_conversation(const char *text, size_t len, vlit_arena *a, vlit_turn **turns, size_t *n,
                                  char *why, size_t cap)
{
    *turns = NULL;
    *n = 0;
    builder b;
    memset(&b, 0, sizeof b);
    b.a = a;
    b.cur_role = ROLE_NONE;
    unfence(&text, &len);
    size_t skip = 0;
    while (skip < len && isspace((unsigned char)text[skip]))
        skip++;
    int ok;
    if (skip < len && (text[skip] == '[' || text[skip] == '{'))
        ok = from_json(&b, text + skip, len - skip, why, cap);
    else if (!(ok = from_lines(&b, text, len)))
        snprintf(why, cap, "out of memory");
    vlit_buf_free(&b.cur);
    if (!ok)
        return VLIT_ERR_PARSE;
    if (b.n == 0) {
        snprintf(why, cap, "no turn found (no line starts with a role such as \"User:\" or \"AI:\")");
        return VLIT_ERR_PARSE;
    }
    if (strcmp(b.turns[0].role, "user") != 0) {
        snprintf(why, cap, "the conversation starts with the assistant, not the user");
        return VLIT_ERR_PARSE;
    }
    if (b.n < 2) {
        snprintf(why, cap, "no assistant turn");
        return VLIT_ERR_PARSE;
    }
    for (size_t i = 0; i < b.n; i++)
        if (!b.turns[i].text[0]) {
            snprintf(why, cap, "turn %zu is empty", i + 1);
            return VLIT_ERR_PARSE;
        }
    *turns = b.turns;
    *n = b.n;
    return VLIT_OK;
}

vlit_status si_parse_reply(const char *body, size_t len, vlit_arena *a, si_reply *out, char *why, size_t cap)
{
    memset(out, 0, sizeof *out);
    vj *v = NULL;
    vlit_error local = {0};
    vj_limits lim = {16 << 20, 256 << 20, 64};
    if (vj_parse(body, len, &lim, a, &v, &local)) {
        snprintf(why, cap, "malformed reply (%s)", local.message);
        return VLIT_ERR_PARSE;
    }
    const vj *choices = vj_get(v, "choices");
    if (!choices || choices->type != VJ_ARRAY || choices->len == 0) {
        snprintf(why, cap, "reply without \"choices\"");
        return VLIT_ERR_PARSE;
    }
    size_t n = choices->len;
    out->content = vlit_arena_alloc(a, n * sizeof *out->content);
    out->parsed = vlit_arena_alloc(a, n * sizeof *out->parsed);
    out->parse_error = vlit_arena_alloc(a, n * sizeof *out->parse_error);
    if (!out->content || !out->parsed || !out->parse_error) {
        snprintf(why, cap, "out of memory");
        return VLIT_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const vj *content = vj_get(vj_get(choices->items[i], "message"), "content");
        out->content[i] = vj_is_text(content) ? content->str : "";
        out->parse_error[i] = NULL;
        char *perr = vlit_arena_alloc(a, 256);
        vlit_turn *turns;
        size_t nt;
        out->parsed[i] = perr && vj_is_text(content) &&
                         si_parse_conversation(out->content[i], strlen(out->content[i]), a, &turns, &nt, perr, 256) ==
                             VLIT_OK;
        if (!out->parsed[i])
            out->parse_error[i] = !vj_is_text(content) ? "choice without message content" : perr ? perr : "out of memory";
    }
    int64_t pt = 0, ct = 0;
    const vj *usage = vj_get(v, "usage");
    vj_int(vj_get(usage, "prompt_tokens"), &pt);
    vj_int(vj_get(usage, "completion_tokens"), &ct);
    out->prompt_tokens = (long)pt;
    out->completion_tokens = (long)ct;
    out->n = n;
    return VLIT_OK;
}
