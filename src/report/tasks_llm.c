/* Principle 3, task diversity, backend: the TagGPT-style LLM tagger.
 *
 *   1. propose: batches of samples (their user turns), one chat request per
 *      batch with our prompt (data/tasks/llm_propose.txt); the model answers
 *      "N: tag, tag" per sample;
 *   2. normalise every tag (tl_normalise);
 *   3. keep tags by frequency and coverage: tags proposed for at least
 *      min_support samples, chosen greedily (the one covering most samples
 *      not yet covered) until the kept tags cover `coverage` of the samples
 *      that got proposals, or max_tags are kept, or nothing more is gained;
 *   4. merge redundant kept tags: when one's words are all among the
 *      other's, or when `merge_overlap` of the smaller one's samples are also
 *      the larger one's, the less supported tag joins the other;
 *   5. assign: a second round of batched requests (data/tasks/llm_assign.txt
 *      plus the kept list) asks for one kept tag per sample; an answer that
 *      names no kept tag, or no answer, leaves the sample missing with the
 *      reason.
 * Every request goes through the run store (src/score/backend_batch.h: keyed
 * by the SHA-256 of its body), so a rerun sends nothing. docs/tasks.md. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/err.h"
#include "../base/json.h"
#include "../base/strmap.h"
#include "../score/backend_batch.h"
#include "tasks_internal.h"

#define MAX_INSTRUCTION 2000   /* bytes of a sample's instructions put into a request */
#define MAX_TAGS_PER_SAMPLE 8
#define CHUNK_REQUESTS 256     /* requests handed to the sender at once */

/* ---- tags and replies ---------------------------------------------------------- */

static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static size_t singular(char *w, size_t n)
{
    if (n > 4 && memcmp(w + n - 3, "ies", 3) == 0) {
        w[n - 3] = 'y';
        return n - 2;
    }
    if (n > 4 && memcmp(w + n - 4, "sses", 4) == 0)
        return n - 2;
    if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' && w[n - 2] != 'i')
        return n - 1;
    return n;
}

size_t tl_normalise(const char *tag, size_t len, char *out)
{
    char tmp[256];
    size_t n = 0;
    int space = 1;
    for (size_t i = 0; i < len && n + 1 < sizeof tmp; i++) {
        unsigned char c = (unsigned char)tag[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        if (is_word(c)) {
            tmp[n++] = (char)c;
            space = 0;
        } else if (!space) {
            tmp[n++] = ' ';
            space = 1;
        }
    }
    while (n && tmp[n - 1] == ' ')
        n--;
    /* words: leading articles dropped, singularised, at most 6 */
    size_t o = 0, words = 0, i = 0;
    while (i < n && words < 6) {
        size_t b = i;
        while (i < n && tmp[i] != ' ')
            i++;
        size_t wl = i - b;
        i++; /* the space */
        if (o == 0 && ((wl == 1 && tmp[b] == 'a') || (wl == 2 && memcmp(tmp + b, "an", 2) == 0) ||
                       (wl == 3 && memcmp(tmp + b, "the", 3) == 0)))
            continue;
        wl = singular(tmp + b, wl);
        if (o + (o ? 1 : 0) + wl >= TL_MAX_TAG)
            break;
        /* not in the middle of a UTF-8 character: words are whole */
        if (o)
            out[o++] = ' ';
        memcpy(out + o, tmp + b, wl);
        o += wl;
        words++;
    }
    out[o] = '\0';
    return o;
}

static const char *skip_decoration(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '*' || *p == '-' || *p == '#' || *p == '>' || *p == '`' ||
                       *p == '_' || *p == '[' || *p == '(' || *p == '+'))
        p++;
    return p;
}

size_t tl_reply_lines(const char *text, size_t len, size_t max, vlit_arena *a, tl_line **lines)
{
    *lines = NULL;
    size_t n = 0, cap = max < 4096 ? max : 4096;
    if (cap == 0 || !(*lines = vlit_arena_alloc(a, cap * sizeof **lines)))
        return 0;
    uint8_t seen[4096] = {0};
    size_t pos = 0;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        const char *end = nl ? nl : text + len;
        pos = (size_t)(end - text) + (nl ? 1 : 0);
        const char *p = skip_decoration(line, end);
        /* an optional word before the number: "Sample 3:", "Instruction #3 -" */
        static const char *const words[] = {"sample", "instruction", "item", "no.", "number"};
        for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
            size_t wl = strlen(words[k]);
            if ((size_t)(end - p) > wl && strncasecmp(p, words[k], wl) == 0) {
                p += wl;
                while (p < end && (*p == ' ' || *p == '#'))
                    p++;
                break;
            }
        }
        if (p < end && *p == '#')
            p++;
        size_t num = 0, digits = 0;
        while (p < end && *p >= '0' && *p <= '9' && digits < 6) {
            num = num * 10 + (size_t)(*p - '0');
            p++;
            digits++;
        }
        if (!digits || (p < end && *p >= '0' && *p <= '9'))
            continue;
        while (p < end && (*p == '*' || *p == '_' || *p == ']' || *p == '`'))
            p++;
        if (p < end && (*p == ':' || *p == '.' || *p == ')' || *p == '-' || *p == '=')) {
            p++;
            while (p < end && (*p == '*' || *p == '_' || *p == '`'))
                p++;
        } else if (!(p < end && (*p == ' ' || *p == '\t'))) {
            continue; /* "3rd", "10x": not a numbered line */
        }
        if (num < 1 || num > max || num > cap || seen[num - 1])
            continue;
        while (p < end && (*p == ' ' || *p == '\t' || *p == '*' || *p == '`' || *p == '"' || *p == '\''))
            p++;
        const char *q = end;
        while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r' || q[-1] == '*' || q[-1] == '`' ||
                         q[-1] == '"' || q[-1] == '\''))
            q--;
        if (q <= p)
            continue;
        const char *t = vlit_arena_strndup(a, p, (size_t)(q - p));
        if (!t)
            return n;
        seen[num - 1] = 1;
        (*lines)[n].number = num;
        (*lines)[n].text = t;
        n++;
    }
    return n;
}

size_t tl_split_tags(const char *text, vlit_arena *a, const char ***tags)
{
    const char **out = vlit_arena_alloc(a, MAX_TAGS_PER_SAMPLE * sizeof *out);
    *tags = out;
    if (!out)
        return 0;
    size_t n = 0;
    const char *p = text;
    while (*p && n < MAX_TAGS_PER_SAMPLE) {
        const char *q = p;
        while (*q && *q != ',' && *q != ';' && *q != '|' && *q != '/')
            q++;
        char norm[TL_MAX_TAG];
        size_t l = tl_normalise(p, (size_t)(q - p), norm);
        int dup = 0;
        for (size_t k = 0; k < n && !dup; k++)
            dup = strcmp(out[k], norm) == 0;
        if (l && !dup && (out[n] = vlit_arena_strdup(a, norm)))
            n++;
        p = *q ? q + 1 : q;
    }
    return n;
}

/* tag occurs in text as whole words (both normalised) */
static int has_words(const char *text, const char *tag)
{
    size_t tl = strlen(tag);
    for (const char *p = strstr(text, tag); p; p = strstr(p + 1, tag))
        if ((p == text || p[-1] == ' ') && (p[tl] == '\0' || p[tl] == ' '))
            return 1;
    return 0;
}

long tl_match_answer(const char *answer, const char *const *tags, size_t n, char *why, size_t cap)
{
    char a[TL_MAX_TAG * 4];
    /* the answer normalised: first cut to its first line and a sane length */
    size_t len = strcspn(answer, "\n");
    if (len > sizeof a - 1)
        len = sizeof a - 1;
    char tmp[TL_MAX_TAG * 4];
    memcpy(tmp, answer, len);
    tmp[len] = '\0';
    /* normalise in pieces of words so that long answers keep all their words */
    size_t o = 0;
    const char *p = tmp;
    while (*p && o + TL_MAX_TAG + 1 < sizeof a) {
        size_t k = strcspn(p, " ");
        char piece[TL_MAX_TAG];
        size_t l = k < TL_MAX_TAG / 2 ? tl_normalise(p, k, piece) : 0;
        if (l) {
            if (o)
                a[o++] = ' ';
            memcpy(a + o, piece, l);
            o += l;
        }
        p += k;
        while (*p == ' ')
            p++;
    }
    a[o] = '\0';
    if (!o) {
        snprintf(why, cap, "an empty answer");
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        if (strcmp(a, tags[k]) == 0)
            return (long)k;
    /* the tag's number in the list, alone */
    size_t d = strspn(a, "0123456789");
    if (d && d < 6 && a[d] == '\0') {
        long v = atol(a);
        if (v >= 1 && (size_t)v <= n)
            return v - 1;
    }
    /* exactly one kept tag named, ignoring tags inside a longer named one */
    long found = -1;
    size_t count = 0;
    for (size_t k = 0; k < n; k++) {
        if (!has_words(a, tags[k]))
            continue;
        int inside = 0;
        for (size_t j = 0; j < n && !inside; j++)
            inside = j != k && strlen(tags[j]) > strlen(tags[k]) && has_words(tags[j], tags[k]) &&
                     has_words(a, tags[j]);
        if (!inside) {
            found = (long)k;
            count++;
        }
    }
    if (count == 1)
        return found;
    char shown[64];
    size_t k = 0;
    for (; tmp[k] && k + 1 < sizeof shown; k++)
        shown[k] = tmp[k] == '"' || tmp[k] == '\t' || tmp[k] == '\r' || tmp[k] == '\\' ? ' ' : tmp[k];
    while (k && tmp[k] && ((unsigned char)tmp[k] & 0xC0) == 0x80)
        k--; /* not in the middle of a UTF-8 character */
    shown[k] = '\0';
    snprintf(why, cap, "the answer \"%s%s\" names %s kept tag", shown, tmp[k] ? "..." : "",
             count ? "more than one" : "no");
    return -1;
}

/* ---- the run ------------------------------------------------------------------- */

typedef struct tagset {
    vlit_strmap ids;       /* tag -> id */
    const char **names;    /* id -> the map's copy */
    size_t n, cap;
    /* proposals: sample -> tags (flat) */
    uint32_t *prop;
    size_t n_prop, cap_prop;
    size_t *off;           /* per sample: start in prop (n_samples + 1) */
    size_t n_samples, cap_samples;
} tagset;

typedef struct run {
    const vlit_tag_params *p;
    vlit_tag_summary *sum;
    bb_session *s;
    const char *model;
    char *propose_head, *assign_head;
    size_t propose_head_len, assign_head_len;
    char last_failure[BB_ERROR_MAX];
    size_t propose_failed, propose_unread;
    tagset t;
    /* the kept list after merging: names (normalised), and aliases -> index */
    const char **final;
    size_t n_final;
    const char **match_names; /* final tags then merged ones */
    size_t *match_target;
    size_t n_match;
} run;

static void note(const run *r, const char *fmt, ...) VLIT_PRINTF(2, 3);
static void note(const run *r, const char *fmt, ...)
{
    if (!r->p->on_note)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->p->on_note(r->p->ctx, msg);
}

static vlit_status chat_head(const char *model, const char *system, vlit_buf *b)
{
    vlit_status st = vlit_buf_puts(b, "{\"model\":");
    if (!st)
        st = vj_write_cstr(b, model);
    if (!st)
        st = vlit_buf_puts(b, ",\"messages\":[{\"role\":\"system\",\"content\":");
    if (!st)
        st = vj_write_cstr(b, system);
    if (!st)
        st = vlit_buf_putc(b, '}');
    return st;
}

/* A sample's instructions as one line: its user turns, "<image>" removed,
 * blanks collapsed, joined by " | ", at most MAX_INSTRUCTION bytes (cut at
 * a character boundary). Empty when there is none. */
static vlit_status instruction_of(const vlit_sample *s, vlit_buf *out)
{
    vlit_buf_clear(out);
    vlit_buf t = VLIT_BUF_INIT;
    vlit_status st = VLIT_OK;
    for (size_t i = 0; i < s->n_turns && !st; i++) {
        const vlit_turn *tu = &s->turns[i];
        if (!tu->role || !tu->text || (strcmp(tu->role, "user") != 0 && strcmp(tu->role, "human") != 0))
            continue;
        vlit_buf_clear(&t);
        if ((st = bb_put_text(&t, tu->text)))
            break;
        if (!t.len)
            continue;
        if (out->len && (st = vlit_buf_puts(out, " | ")))
            break;
        int space = out->len == 0;
        for (size_t k = 0; k < t.len && !st; k++) {
            char c = t.data[k];
            if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
                if (!space)
                    st = vlit_buf_putc(out, ' ');
                space = 1;
            } else {
                st = vlit_buf_putc(out, c);
                space = 0;
            }
        }
    }
    vlit_buf_free(&t);
    while (!st && out->len && out->data[out->len - 1] == ' ')
        out->data[--out->len] = '\0';
    if (!st && out->len > MAX_INSTRUCTION) {
        size_t n = MAX_INSTRUCTION;
        while (n && ((unsigned char)out->data[n] & 0xC0) == 0x80)
            n--;
        out->len = n;
        out->data[n] = '\0';
    }
    return st;
}

#define MAX_BATCH 64

/* One request's samples. */
typedef struct batch {
    size_t first, n;             /* position of its first sample; samples */
    const char *ids[MAX_BATCH];  /* in the pass arena */
    uint8_t empty[MAX_BATCH];    /* the sample has no instruction (not sent) */
} batch;

typedef struct pass {
    run *r;
    int assign; /* 0: propose, 1: assign */
    bb_chat reqs[CHUNK_REQUESTS];
    batch batches[CHUNK_REQUESTS];
    size_t n_req;
    vlit_buf user; /* numbered instructions of the batch being built */
    size_t sent;   /* samples with text in it */
    vlit_arena a;  /* ids of the chunk */
    FILE *out;
    const char *out_path;
    vlit_buf line;
    char method[256];
    const char *no_tags; /* assign without a tag list: every sample missing, this reason */
} pass;

static int reply_readable(const char *content, const char **why)
{
    vlit_arena a;
    vlit_arena_init(&a, 4096);
    tl_line *l;
    size_t n = tl_reply_lines(content, strlen(content), MAX_BATCH, &a, &l);
    vlit_arena_free(&a);
    if (n)
        return 1;
    *why = "no numbered line";
    return 0;
}

static vlit_status tagset_add_sample(tagset *t, const char *const *tags, size_t n)
{
    if (t->n_samples + 2 > t->cap_samples) {
        size_t c = t->cap_samples ? t->cap_samples * 2 : 1024;
        size_t *o = realloc(t->off, c * sizeof *o);
        if (!o)
            return VLIT_ERR_NOMEM;
        t->off = o;
        t->cap_samples = c;
    }
    if (t->n_samples == 0)
        t->off[0] = 0;
    for (size_t k = 0; k < n; k++) {
        int inserted;
        const char *stored;
        uint32_t *slot = vlit_strmap_put(&t->ids, tags[k], strlen(tags[k]), (uint32_t)t->n, &inserted, &stored);
        if (!slot)
            return VLIT_ERR_NOMEM;
        if (inserted) {
            if (t->n == t->cap) {
                size_t c = t->cap ? t->cap * 2 : 256;
                const char **nm = realloc(t->names, c * sizeof *nm);
                if (!nm)
                    return VLIT_ERR_NOMEM;
                t->names = nm;
                t->cap = c;
            }
            t->names[t->n++] = stored;
        }
        if (t->n_prop == t->cap_prop) {
            size_t c = t->cap_prop ? t->cap_prop * 2 : 4096;
            uint32_t *pp = realloc(t->prop, c * sizeof *pp);
            if (!pp)
                return VLIT_ERR_NOMEM;
            t->prop = pp;
            t->cap_prop = c;
        }
        t->prop[t->n_prop++] = *slot;
    }
    t->off[++t->n_samples] = t->n_prop;
    return VLIT_OK;
}

/* Reads the answered requests of a chunk: proposals, or output lines. */
static vlit_status finish_chunk(pass *ps, vlit_error *err)
{
    run *r = ps->r;
    vlit_status st = VLIT_OK;
    vlit_arena a;
    vlit_arena_init(&a, 8192);
    for (size_t q = 0; q < ps->n_req && !st; q++) {
        const bb_chat *c = &ps->reqs[q];
        const batch *b = &ps->batches[q];
        vlit_arena_reset(&a);
        if (c->state == BB_OK)
            c->from_store ? r->sum->requests_from_store++ : r->sum->requests_sent++;
        else if (c->state == BB_FAILED)
            r->sum->requests_failed++;
        tl_line *lines = NULL;
        size_t nl = c->state == BB_OK ? tl_reply_lines(c->content, strlen(c->content), b->n, &a, &lines) : 0;
        if (c->state == BB_FAILED)
            snprintf(r->last_failure, sizeof r->last_failure, "%s", c->error);
        if (!ps->assign && c->state == BB_FAILED)
            r->propose_failed++;
        else if (!ps->assign && c->state == BB_OK && !nl)
            r->propose_unread++;
        /* numbers within a request count only the samples sent */
        size_t number = 0;
        for (size_t i = 0; i < b->n && !st; i++) {
            const char *answer = NULL;
            if (!b->empty[i]) {
                number++;
                for (size_t k = 0; k < nl && !answer; k++)
                    if (lines[k].number == number)
                        answer = lines[k].text;
            }
            if (!ps->assign) {
                const char **tags = NULL;
                size_t nt = answer ? tl_split_tags(answer, &a, &tags) : 0;
                if (tagset_add_sample(&r->t, tags, nt))
                    st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                continue;
            }
            char why[BB_ERROR_MAX + 96] = "";
            const char *task = NULL;
            if (b->empty[i])
                snprintf(why, sizeof why, "the sample has no instruction (no user turn with text)");
            else if (c->state == BB_LOCAL)
                snprintf(why, sizeof why, "%s", c->error);
            else if (c->state != BB_OK)
                snprintf(why, sizeof why, "the assign request failed: %s", c->error);
            else if (!answer)
                snprintf(why, sizeof why, "the reply has no line for this sample (number %zu of its request)",
                         number);
            else {
                long k = tl_match_answer(answer, r->match_names, r->n_match, why, sizeof why);
                if (k >= 0)
                    task = r->final[r->match_target[k]];
            }
            vlit_buf_clear(&ps->line);
            if (tf_write_line(&ps->line, b->first + i, b->ids[i], task, ps->method, why)) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
            if (fwrite(ps->line.data, 1, ps->line.len, ps->out) != ps->line.len) {
                st = vlit_err(err, VLIT_ERR_IO, "%s: write error", ps->out_path);
                break;
            }
            r->sum->samples++;
            r->sum->missing += task == NULL;
        }
    }
    vlit_arena_free(&a);
    return st;
}

static vlit_status run_chunk(pass *ps, vlit_error *err)
{
    vlit_status st = VLIT_OK;
    if (ps->n_req)
        st = bb_chat_run(ps->r->s, ps->reqs, ps->n_req, NULL, reply_readable, NULL, err);
    if (!st)
        st = finish_chunk(ps, err);
    for (size_t q = 0; q < ps->n_req; q++)
        bb_chat_clear(&ps->reqs[q]);
    ps->n_req = 0;
    vlit_arena_reset(&ps->a);
    return st;
}

/* Turns the batch being built into a request. */
static vlit_status close_batch(pass *ps, vlit_error *err)
{
    run *r = ps->r;
    bb_chat *c = &ps->reqs[ps->n_req];
    const batch *b = &ps->batches[ps->n_req];
    memset(c, 0, sizeof *c);
    ps->n_req++;
    if (ps->no_tags) {
        c->state = BB_LOCAL;
        snprintf(c->error, sizeof c->error, "%s", ps->no_tags);
        return VLIT_OK;
    }
    if (ps->sent == 0) {
        c->state = BB_LOCAL;
        snprintf(c->error, sizeof c->error, "no sample of the request has an instruction");
        return VLIT_OK;
    }
    const char *head = ps->assign ? r->assign_head : r->propose_head;
    size_t head_len = ps->assign ? r->assign_head_len : r->propose_head_len;
    vlit_buf body = VLIT_BUF_INIT;
    vlit_status st = vlit_buf_append(&body, head, head_len);
    if (!st)
        st = vlit_buf_puts(&body, ",{\"role\":\"user\",\"content\":");
    if (!st)
        st = vj_write_str(&body, ps->user.data, ps->user.len);
    if (!st)
        st = vlit_buf_printf(&body, "}],\"temperature\":0,\"max_tokens\":%zu}", (ps->assign ? 24 : 48) * ps->sent + 16);
    if (st) {
        vlit_buf_free(&body);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    c->stored = body.data;
    c->head_len = head_len;
    rs_key(c->stored, body.len, c->key);
    c->record_id = b->ids[0];
    c->variant = ps->assign ? "tag:assign" : "tag:propose";
    return VLIT_OK;
}

static void on_reader_skip(void *ctx, const vlit_error *why)
{
    const vlit_tag_params *p = ctx;
    if (p->on_skip)
        p->on_skip(p->ctx, why->message);
}

static vlit_status pass_run(pass *ps, const char *samples_path, vlit_format fmt, vlit_error *err)
{
    const vlit_tag_params *p = ps->r->p;
    size_t per = p->batch ? p->batch : 10;
    vlit_reader_params rp = vlit_reader_default_params();
    rp.skip_bad = p->skip_bad;
    rp.on_skip = on_reader_skip;
    rp.ctx = (void *)p;
    vlit_reader *rd;
    vlit_status st = vlit_reader_open(samples_path, fmt, &rp, &rd, err);
    if (st)
        return st;
    vlit_buf ins = VLIT_BUF_INIT;
    const vlit_sample *s;
    size_t position = 0;
    batch *b = NULL;
    while ((st = vlit_reader_next(rd, &s, err)) == VLIT_OK) {
        if (!b) {
            b = &ps->batches[ps->n_req];
            b->first = position;
            b->n = 0;
            ps->sent = 0;
            vlit_buf_clear(&ps->user);
            if (vlit_buf_puts(&ps->user, ps->assign ? "Choose a tag for each of these instructions:\n"
                                                    : "Tag these instructions:\n")) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
        }
        char idbuf[32];
        const char *id = s->id;
        if (!id) {
            snprintf(idbuf, sizeof idbuf, "#%zu", position);
            id = idbuf;
        }
        if ((st = instruction_of(s, &ins)) || !(b->ids[b->n] = vlit_arena_strdup(&ps->a, id))) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            break;
        }
        b->empty[b->n] = ins.len == 0;
        if (ins.len) {
            ps->sent++;
            if ((st = vlit_buf_printf(&ps->user, "%zu. ", ps->sent)) || (st = vlit_buf_append(&ps->user, ins.data, ins.len)) ||
                (st = vlit_buf_putc(&ps->user, '\n'))) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
        }
        b->n++;
        position++;
        if (b->n == per) {
            b = NULL;
            if ((st = close_batch(ps, err)) || (ps->n_req == CHUNK_REQUESTS && (st = run_chunk(ps, err))))
                break;
        }
    }
    if (st == VLIT_END) {
        st = VLIT_OK;
        if (b)
            st = close_batch(ps, err);
        if (!st)
            st = run_chunk(ps, err);
    }
    if (!ps->assign)
        ps->r->sum->skipped = vlit_reader_skipped(rd);
    vlit_reader_close(rd);
    vlit_buf_free(&ins);
    return st;
}

/* ---- keep and merge ------------------------------------------------------------ */

static size_t intersect(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t i = 0, j = 0, n = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else {
            n++;
            i++;
            j++;
        }
    }
    return n;
}

/* every word of a is a word of b */
static int words_within(const char *a, const char *b)
{
    const char *p = a;
    while (*p) {
        size_t l = strcspn(p, " ");
        char w[TL_MAX_TAG];
        memcpy(w, p, l);
        w[l] = '\0';
        if (!has_words(b, w))
            return 0;
        p += l;
        while (*p == ' ')
            p++;
    }
    return 1;
}

static vlit_status keep_and_merge(run *r, vlit_error *err)
{
    const vlit_tag_params *p = r->p;
    tagset *t = &r->t;
    size_t T = t->n, S = t->n_samples;
    double target = p->coverage > 0 ? p->coverage : 0.95;
    size_t min_support = p->min_support ? p->min_support : 2;
    size_t max_tags = p->max_tags ? p->max_tags : 30;
    double overlap = p->merge_overlap > 0 ? p->merge_overlap : 0.8;
    size_t *start = calloc(T + 1, sizeof *start), *fill = calloc(T + 1, sizeof *fill);
    uint32_t *list = malloc((t->n_prop ? t->n_prop : 1) * sizeof *list);
    uint8_t *covered = calloc(S ? S : 1, 1), *kept_flag = calloc(T ? T : 1, 1);
    size_t *kept = malloc(max_tags * sizeof *kept), *winner = malloc(max_tags * sizeof *winner);
    vlit_status st = VLIT_OK;
    if (!start || !fill || !list || !covered || !kept_flag || !kept || !winner) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* each tag's samples, in increasing order (a tag appears once per sample) */
    for (size_t k = 0; k < t->n_prop; k++)
        start[t->prop[k] + 1]++;
    for (size_t k = 0; k < T; k++)
        start[k + 1] += start[k];
    size_t with = 0;
    for (size_t s = 0; s < S; s++) {
        with += t->off[s + 1] > t->off[s];
        for (size_t k = t->off[s]; k < t->off[s + 1]; k++) {
            uint32_t g = t->prop[k];
            list[start[g] + fill[g]++] = (uint32_t)s;
        }
    }
    r->sum->tags_proposed = T;
    /* greedy cover */
    size_t n_kept = 0, n_cov = 0;
    while (n_kept < max_tags && with && (double)n_cov < target * (double)with) {
        size_t best = T, best_gain = 0;
        for (size_t g = 0; g < T; g++) {
            size_t support = start[g + 1] - start[g];
            if (kept_flag[g] || support < min_support)
                continue;
            size_t gain = 0;
            for (size_t k = start[g]; k < start[g + 1]; k++)
                gain += !covered[list[k]];
            if (gain == 0)
                continue;
            size_t bs = best < T ? start[best + 1] - start[best] : 0;
            if (best == T || gain > best_gain || (gain == best_gain && support > bs) ||
                (gain == best_gain && support == bs && strcmp(t->names[g], t->names[best]) < 0)) {
                best = g;
                best_gain = gain;
            }
        }
        if (best == T)
            break;
        kept_flag[best] = 1;
        kept[n_kept++] = best;
        for (size_t k = start[best]; k < start[best + 1]; k++)
            if (!covered[list[k]]) {
                covered[list[k]] = 1;
                n_cov++;
            }
    }
    r->sum->coverage = with ? (double)n_cov / (double)with : 0;
    note(r, "%zu distinct tags proposed for %zu of %zu samples; kept %zu covering %.1f %% of them (greedy cover to "
            "%.0f %%, support >= %zu, at most %zu)",
         T, with, S, n_kept, 100 * r->sum->coverage, 100 * target, min_support, max_tags);
    /* merge: the less supported of a redundant pair joins the other */
    for (size_t i = 0; i < n_kept; i++)
        winner[i] = i;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < n_kept; i++)
            for (size_t j = i + 1; j < n_kept; j++) {
                if (winner[i] != i || winner[j] != j)
                    continue;
                size_t gi = kept[i], gj = kept[j];
                size_t si = start[gi + 1] - start[gi], sj = start[gj + 1] - start[gj];
                size_t both = intersect(list + start[gi], si, list + start[gj], sj);
                size_t smaller = si < sj ? si : sj;
                int by_words = words_within(t->names[gi], t->names[gj]) || words_within(t->names[gj], t->names[gi]);
                int by_samples = overlap <= 1 && smaller && (double)both >= overlap * (double)smaller;
                if (!by_words && !by_samples)
                    continue;
                size_t lose = sj > si ? i : j, win = lose == i ? j : i;
                winner[lose] = win;
                r->sum->tags_merged++;
                note(r, "merged \"%s\" into \"%s\" (%s; %zu of %zu samples shared)", t->names[kept[lose]],
                     t->names[kept[win]], by_words ? "its words are within the other's" : "their samples overlap",
                     both, smaller);
                changed = 1;
            }
    }
    r->final = malloc((n_kept ? n_kept : 1) * sizeof *r->final);
    r->match_names = malloc((n_kept ? n_kept : 1) * sizeof *r->match_names);
    r->match_target = malloc((n_kept ? n_kept : 1) * sizeof *r->match_target);
    size_t *final_of = malloc((n_kept ? n_kept : 1) * sizeof *final_of);
    if (!r->final || !r->match_names || !r->match_target || !final_of) {
        free(final_of);
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_kept; i++)
        if (winner[i] == i) {
            final_of[i] = r->n_final;
            r->final[r->n_final++] = t->names[kept[i]];
        }
    for (size_t i = 0; i < n_kept; i++) /* final tags first, then the merged names */
        if (winner[i] == i) {
            r->match_names[r->n_match] = t->names[kept[i]];
            r->match_target[r->n_match++] = final_of[i];
        }
    for (size_t i = 0; i < n_kept; i++)
        if (winner[i] != i) {
            size_t w = winner[i];
            while (winner[w] != w)
                w = winner[w];
            r->match_names[r->n_match] = t->names[kept[i]];
            r->match_target[r->n_match++] = final_of[w];
        }
    free(final_of);
    r->sum->tags_kept = r->n_final;
out:
    free(start);
    free(fill);
    free(list);
    free(covered);
    free(kept_flag);
    free(kept);
    free(winner);
    return st;
}

/* ---- the driver ----------------------------------------------------------------- */

static char *load_prompt(const char *dir, const char *name, vlit_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tasks/%s", dir, name);
    return bb_slurp(path, err);
}

vlit_status tl_run(const char *samples_path, vlit_format fmt, const vlit_tag_params *p, const char *out_path,
                   vlit_tag_summary *sum, vlit_error *err)
{
    if (!p->llm_url || !*p->llm_url || !p->model || !*p->model)
        return vlit_err(err, VLIT_ERR_USAGE, "the LLM tagger needs a chat server and a model (--llm-url, --model)");
    if (!p->data_dir)
        return vlit_err(err, VLIT_ERR_USAGE, "the LLM tagger needs vlit's data folder (its prompts)");
    if (p->batch > MAX_BATCH)
        return vlit_err(err, VLIT_ERR_USAGE, "at most %d samples per request, not %u", MAX_BATCH, p->batch);
    vlit_score_params cfg = vlit_score_default_params();
    cfg.llm_url = p->llm_url;
    cfg.llm_model = p->model;
    cfg.api_key = p->api_key;
    cfg.store_path = p->store_path;
    cfg.concurrency = p->concurrency;
    cfg.max_failed = p->max_failed;
    run *r = calloc(1, sizeof *r);
    pass *ps = calloc(1, sizeof *ps);
    char *propose = NULL, *assign = NULL;
    vlit_buf head = VLIT_BUF_INIT;
    vlit_output *out = NULL;
    vlit_status st = VLIT_OK;
    if (!r || !ps) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    r->p = p;
    r->sum = sum;
    r->model = p->model;
    vlit_strmap_init(&r->t.ids);
    vlit_arena_init(&ps->a, 8192);
    if (!(propose = load_prompt(p->data_dir, "llm_propose.txt", err)) ||
        !(assign = load_prompt(p->data_dir, "llm_assign.txt", err))) {
        st = err && err->status ? err->status : VLIT_ERR_IO;
        goto out;
    }
    if (chat_head(p->model, propose, &head)) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    r->propose_head = head.data;
    r->propose_head_len = head.len;
    head = (vlit_buf)VLIT_BUF_INIT;
    if ((st = bb_session_get(&cfg, &r->s, err)))
        goto out;
    /* 1-2: propose */
    ps->r = r;
    ps->assign = 0;
    if ((st = pass_run(ps, samples_path, fmt, err)))
        goto out;
    /* 3-4: keep, merge */
    if ((st = keep_and_merge(r, err)))
        goto out;
    char no_tags[BB_ERROR_MAX + 160] = "";
    if (r->n_final == 0) {
        if (r->propose_failed)
            snprintf(no_tags, sizeof no_tags, "no tags: %zu propose request%s failed (last: %s)", r->propose_failed,
                     r->propose_failed == 1 ? "" : "s", r->last_failure);
        else
            snprintf(no_tags, sizeof no_tags,
                     "no tags: no tag was proposed for at least %u samples (%zu replies had no numbered line)",
                     p->min_support ? p->min_support : 2, r->propose_unread);
        ps->no_tags = no_tags;
    } else {
        vlit_buf sys = VLIT_BUF_INIT;
        st = vlit_buf_puts(&sys, assign);
        if (!st)
            st = vlit_buf_puts(&sys, "\n\nTags:");
        for (size_t k = 0; k < r->n_final && !st; k++)
            st = vlit_buf_printf(&sys, "\n- %s", r->final[k]);
        if (!st)
            st = chat_head(p->model, sys.data, &head);
        vlit_buf_free(&sys);
        if (st) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            goto out;
        }
        r->assign_head = head.data;
        r->assign_head_len = head.len;
        head = (vlit_buf)VLIT_BUF_INIT;
        vlit_buf list = VLIT_BUF_INIT;
        for (size_t k = 0; k < r->n_final; k++)
            vlit_buf_printf(&list, "%s%s", k ? ", " : "", r->final[k]);
        note(r, "task tags: %s", list.data ? list.data : "");
        vlit_buf_free(&list);
    }
    /* 5: assign, written as the answers come */
    if ((st = vlit_output_open(out_path, &out, err)))
        goto out;
    ps->assign = 1;
    ps->out = vlit_output_file(out);
    ps->out_path = out_path;
    snprintf(ps->method, sizeof ps->method, "llm:%s", p->model);
    if ((st = pass_run(ps, samples_path, fmt, err)))
        goto out;
    st = vlit_output_commit(out, err);
    out = NULL;
    if (!st && r->n_final == 0)
        st = vlit_err(err, VLIT_ERR_REMOTE, "%s; every sample is marked missing in %s", no_tags, out_path);
out:
    vlit_output_abort(out);
    if (r) {
        bb_session_put(r->s);
        free(r->propose_head);
        free(r->assign_head);
        vlit_strmap_free(&r->t.ids);
        free(r->t.names);
        free(r->t.prop);
        free(r->t.off);
        free(r->final);
        free(r->match_names);
        free(r->match_target);
    }
    if (ps) {
        for (size_t q = 0; q < ps->n_req; q++)
            bb_chat_clear(&ps->reqs[q]);
        vlit_buf_free(&ps->user);
        vlit_buf_free(&ps->line);
        vlit_arena_free(&ps->a);
    }
    free(r);
    free(ps);
    free(propose);
    free(assign);
    vlit_buf_free(&head);
    return st;
}
