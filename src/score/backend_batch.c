#include "backend_batch.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../base/arena.h"
#include "../base/json.h"
#include "../base/strmap.h"
#include "backend_parse.h"

/* ---- the session --------------------------------------------------------------- */

struct bb_session {
    bb_session *next;
    const score_config *cfg;
    int refs;
    run_store *store;
    char *api_key;
    char *chat_url, *embed_url;
    size_t done, failed; /* requests finished by the server in this run, for the budget */
    char last_failure[BB_ERROR_MAX];
};

/* The process-wide table of open sessions (see the header for why). */
static pthread_mutex_t sessions_lock = PTHREAD_MUTEX_INITIALIZER;
static bb_session *sessions;

static char *join_url(const char *base, const char *path)
{
    if (!base || !*base)
        return NULL;
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    size_t len = n + strlen(path) + 1;
    char *u = malloc(len);
    if (u)
        snprintf(u, len, "%.*s%s", (int)n, base, path);
    return u;
}

static void session_free(bb_session *s)
{
    if (!s)
        return;
    rs_close(s->store);
    if (s->api_key) {
        memset(s->api_key, 0, strlen(s->api_key));
        free(s->api_key);
    }
    free(s->chat_url);
    free(s->embed_url);
    free(s);
}

vlit_status bb_session_get(const score_config *cfg, bb_session **out, vlit_error *err)
{
    *out = NULL;
    vlit_status st = VLIT_OK;
    pthread_mutex_lock(&sessions_lock);
    for (bb_session *s = sessions; s; s = s->next)
        if (s->cfg == cfg) {
            s->refs++;
            *out = s;
            goto out;
        }
    bb_session *s = calloc(1, sizeof *s);
    if (!s) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    s->cfg = cfg;
    s->refs = 1;
    const char *key = cfg->api_key;
    if (!key || !*key)
        key = getenv("VLIT_API_KEY");
    if (!key || !*key)
        key = getenv("OPENAI_API_KEY");
    if ((key && *key && !(s->api_key = strdup(key))) ||
        (cfg->llm_url && !(s->chat_url = join_url(cfg->llm_url, "/chat/completions"))) ||
        (cfg->embed_url && !(s->embed_url = join_url(cfg->embed_url, "/embeddings")))) {
        session_free(s);
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (cfg->store_path && (st = rs_open(cfg->store_path, &s->store, err))) {
        session_free(s);
        goto out;
    }
    s->next = sessions;
    sessions = s;
    *out = s;
out:
    pthread_mutex_unlock(&sessions_lock);
    return st;
}

void bb_session_put(bb_session *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&sessions_lock);
    int last = --s->refs == 0;
    if (last)
        for (bb_session **p = &sessions; *p; p = &(*p)->next)
            if (*p == s) {
                *p = s->next;
                break;
            }
    pthread_mutex_unlock(&sessions_lock);
    if (last)
        session_free(s);
}

run_store *bb_session_store(const bb_session *s)
{
    return s->store;
}
const char *bb_session_chat_url(const bb_session *s)
{
    return s->chat_url;
}
const char *bb_session_embed_url(const bb_session *s)
{
    return s->embed_url;
}

void bb_scrub(const bb_session *s, char *text)
{
    if (!s->api_key || !text)
        return;
    size_t n = strlen(s->api_key);
    if (n == 0)
        return;
    for (char *p = strstr(text, s->api_key); p; p = strstr(p + n, s->api_key))
        memset(p, '*', n);
}

/* ---- sending ------------------------------------------------------------------ */

/* The run-level error budget, as vlit generate's. */
static int budget_spent(const bb_session *s)
{
    if (s->cfg->max_failed >= 0)
        return s->failed > (size_t)s->cfg->max_failed;
    return s->failed >= 20 && (double)s->failed > 0.1 * (double)(s->done + s->failed);
}

typedef struct send_job {
    size_t i;
    char *body;
} send_job;

typedef struct sender {
    bb_session *s;
    size_t n, next;
    bb_build_fn build;
    bb_done_fn done;
    void *ctx;
    int nomem;
} sender;

static int send_next(void *ctx, const char **body, void **user)
{
    sender *r = ctx;
    while (r->next < r->n && !budget_spent(r->s) && !r->nomem) {
        size_t i = r->next++;
        char *b = r->build(r->ctx, i);
        if (!b)
            continue;
        send_job *j = malloc(sizeof *j);
        if (!j) {
            free(b);
            r->nomem = 1;
            return 0;
        }
        j->i = i;
        j->body = b;
        *body = b;
        *user = j;
        return 1;
    }
    return 0;
}

static void send_done(void *ctx, void *user, const http_result *res)
{
    sender *r = ctx;
    send_job *j = user;
    char why[BB_ERROR_MAX] = "";
    if (r->done(r->ctx, j->i, res, why, sizeof why)) {
        r->s->failed++;
        bb_scrub(r->s, why);
        snprintf(r->s->last_failure, sizeof r->s->last_failure, "%s", why);
    } else {
        r->s->done++;
    }
    free(j->body);
    free(j);
}

static vlit_status send_commit(void *ctx, vlit_error *err)
{
    sender *r = ctx;
    return r->s->store ? rs_commit(r->s->store, err) : VLIT_OK;
}

static vlit_status budget_error(const bb_session *s, vlit_error *err)
{
    char kept[600];
    if (s->cfg->store_path)
        snprintf(kept, sizeof kept, "what was done is kept in the run store %s, and running again resumes",
                 s->cfg->store_path);
    else
        snprintf(kept, sizeof kept, "no run store was given (--store), so nothing was kept");
    return vlit_err(err, VLIT_ERR_REMOTE,
                    "stopped: %zu of %zu finished requests failed after their retries, over the error budget "
                    "(last: %s); %s",
                    s->failed, s->failed + s->done, s->last_failure, kept);
}

vlit_status bb_send(bb_session *s, const char *url, size_t n, bb_build_fn build, bb_done_fn done, void *ctx,
                    vlit_error *err)
{
    if (budget_spent(s))
        return budget_error(s, err);
    if (n == 0)
        return VLIT_OK;
    sender r = {s, n, 0, build, done, ctx, 0};
    http_params hp = http_default_params();
    hp.url = url;
    hp.api_key = s->api_key;
    hp.concurrency = s->cfg->concurrency ? (int)s->cfg->concurrency : 16;
    hp.commit = send_commit;
    vlit_status st = http_run(&hp, send_next, send_done, &r, NULL, err);
    if (!st && r.nomem)
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (!st && s->store)
        st = rs_commit(s->store, err);
    if (!st && budget_spent(s))
        st = budget_error(s, err);
    return st;
}

void bb_http_failure(const bb_session *s, const http_result *r, char *why, size_t cap)
{
    int n = snprintf(why, cap, "%s after %d attempt%s", r->error ? r->error : "failed", r->attempts,
                     r->attempts == 1 ? "" : "s");
    /* the server's own message, when it sent an OpenAI-style error */
    if (n > 0 && (size_t)n < cap && r->body_len && r->body_len < (1u << 20)) {
        vlit_arena a;
        vlit_arena_init(&a, 4096);
        vj *v = NULL;
        vlit_error local = {0};
        vj_limits lim = {1 << 16, 1 << 20, 16};
        if (vj_parse(r->body, r->body_len, &lim, &a, &v, &local) == VLIT_OK) {
            const vj *m = vj_get(vj_get(v, "error"), "message");
            if (!vj_is_text(m))
                m = vj_get(v, "error"); /* some servers: {"error": "text"} */
            if (vj_is_text(m) && m->str[0])
                snprintf(why + n, cap - (size_t)n, ": %.150s", m->str);
        }
        vlit_arena_free(&a);
    }
    for (char *p = why; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    bb_scrub(s, why);
}

/* ---- chat requests through the run store --------------------------------------- */

typedef struct chat_run {
    bb_session *s;
    bb_chat *reqs;
    size_t *todo;
    bb_body_fn body;
    bb_check_fn check;
    void *ctx;
    vlit_status st; /* a store error inside a callback */
    vlit_error *err;
} chat_run;

static char *chat_build(void *ctx, size_t i)
{
    chat_run *r = ctx;
    bb_chat *c = &r->reqs[r->todo[i]];
    if (r->st)
        return NULL;
    char *b = r->body ? r->body(r->ctx, c) : NULL;
    if (!b && c->state == BB_LOCAL)
        return NULL;
    if (!b && !(b = strdup(c->stored))) {
        c->state = BB_LOCAL;
        snprintf(c->error, sizeof c->error, "out of memory");
    }
    return b;
}

static int chat_fail(chat_run *r, bb_chat *c, int attempts, const char *why, char *out, size_t cap)
{
    c->state = BB_FAILED;
    snprintf(c->error, sizeof c->error, "%s", why);
    bb_scrub(r->s, c->error);
    snprintf(out, cap, "%s", c->error);
    if (r->s->store && !r->st && rs_fail_request(r->s->store, c->key, attempts, c->error, r->err))
        r->st = r->err && r->err->status ? r->err->status : VLIT_ERR_IO;
    return 1;
}

static int chat_done(void *ctx, size_t i, const http_result *res, char *why, size_t cap)
{
    chat_run *r = ctx;
    bb_chat *c = &r->reqs[r->todo[i]];
    char msg[BB_ERROR_MAX];
    if (!res->ok) {
        bb_http_failure(r->s, res, msg, sizeof msg);
        return chat_fail(r, c, res->attempts, msg, why, cap);
    }
    vlit_arena a;
    vlit_arena_init(&a, 0);
    const char *content;
    long pt = 0, ct = 0;
    if (bp_chat_content(res->body, res->body_len, &a, &content, &pt, &ct, msg, sizeof msg)) {
        vlit_arena_free(&a);
        return chat_fail(r, c, res->attempts, msg, why, cap);
    }
    if (!(c->content = strdup(content))) {
        vlit_arena_free(&a);
        return chat_fail(r, c, res->attempts, "out of memory", why, cap);
    }
    vlit_arena_free(&a);
    bb_scrub(r->s, c->content);
    c->state = BB_OK;
    const char *perr = NULL;
    int parsed = r->check ? r->check(c->content, &perr) : 1;
    rs_completion comp = {c->content, parsed, parsed ? NULL : perr};
    if (r->s->store && !r->st && rs_finish_request(r->s->store, c->key, &comp, 1, pt, ct, r->err))
        r->st = r->err && r->err->status ? r->err->status : VLIT_ERR_IO;
    return 0;
}

static void first_completion(void *ctx, size_t idx, const rs_completion *comp)
{
    bb_chat *c = ctx;
    if (idx == 0 && !c->content && comp->content)
        c->content = strdup(comp->content);
}

vlit_status bb_chat_run(bb_session *s, bb_chat *reqs, size_t n, bb_body_fn body, bb_check_fn check, void *ctx,
                        vlit_error *err)
{
    if (!s->chat_url)
        return vlit_err(err, VLIT_ERR_USAGE, "no chat server URL (--llm-url)");
    size_t *todo = malloc((n ? n : 1) * sizeof *todo);
    size_t *primary = malloc((n ? n : 1) * sizeof *primary);
    vlit_strmap seen;
    vlit_strmap_init(&seen);
    vlit_status st = VLIT_OK;
    size_t n_todo = 0;
    if (!todo || !primary) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* one request per distinct key; duplicates copy its result afterwards */
    for (size_t i = 0; i < n && !st; i++) {
        bb_chat *c = &reqs[i];
        primary[i] = i;
        if (c->state == BB_LOCAL)
            continue;
        int inserted;
        uint32_t *slot = vlit_strmap_put(&seen, c->key, 64, (uint32_t)i, &inserted, NULL);
        if (!slot) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            break;
        }
        if (!inserted) {
            primary[i] = *slot;
            continue;
        }
        rs_state state = RS_NONE;
        if (s->store && (st = rs_state_of(s->store, c->key, &state, err)))
            break;
        if (state == RS_DONE) {
            if ((st = rs_completions(s->store, c->key, first_completion, c, err)))
                break;
            if (c->content) {
                c->state = BB_OK;
                c->from_store = 1;
                continue;
            }
        } else if (s->store &&
                   (st = rs_add_request(s->store, c->key, c->record_id, c->variant, c->stored, c->head_len, err))) {
            break;
        }
        todo[n_todo++] = i;
    }
    if (!st) {
        chat_run r = {s, reqs, todo, body, check, ctx, VLIT_OK, err};
        st = bb_send(s, s->chat_url, n_todo, chat_build, chat_done, &r, err);
        if (r.st && (!st || st == VLIT_ERR_REMOTE))
            st = r.st; /* the store failed: that is the error to report */
    }
    for (size_t i = 0; i < n; i++) {
        bb_chat *c = &reqs[i];
        if (primary[i] != i) {
            const bb_chat *p = &reqs[primary[i]];
            c->state = p->state;
            c->from_store = p->from_store;
            memcpy(c->error, p->error, sizeof c->error); /* same size; c != p */
            if (p->content && !(c->content = strdup(p->content))) {
                c->state = BB_LOCAL;
                snprintf(c->error, sizeof c->error, "out of memory");
            }
        } else if (c->state == BB_PENDING) {
            c->state = BB_FAILED;
            snprintf(c->error, sizeof c->error, "not sent: the run stopped");
        }
    }
out:
    vlit_strmap_free(&seen);
    free(todo);
    free(primary);
    return st;
}

void bb_chat_clear(bb_chat *c)
{
    free(c->stored);
    free(c->content);
    memset(c, 0, sizeof *c);
}

/* ---- the batch's values ---------------------------------------------------------- */

score_value *bb_values_reset(bb_values *b, const score_item *items, size_t n)
{
    if (n > b->cap || !b->v) {
        size_t cap = n ? n : 1;
        score_value *v = malloc(cap * sizeof *v);
        if (!v)
            return NULL;
        free(b->v);
        b->v = v;
        b->cap = cap;
    }
    b->items = items;
    b->n = n;
    memset(b->v, 0, b->cap * sizeof *b->v);
    return b->v;
}

void bb_values_get(const bb_values *b, const score_item *item, score_value *out)
{
    size_t i = b->n;
    uintptr_t p = (uintptr_t)item, base = (uintptr_t)b->items;
    if (b->items && p >= base && p - base < b->n * sizeof *b->items && (p - base) % sizeof *b->items == 0)
        i = (p - base) / sizeof *b->items; /* the driver passes &items[i] */
    else
        for (i = 0; i < b->n && b->items[i].index != item->index; i++)
            ;
    if (i < b->n)
        *out = b->v[i];
    else
        score_missing(out, "internal error: the sample was not prepared");
}

void bb_values_free(bb_values *b)
{
    free(b->v);
    memset(b, 0, sizeof *b);
}

/* ---- text and images ------------------------------------------------------------ */

static const char *sniff(const unsigned char *d, size_t n)
{
    if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
        return "image/jpeg";
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
        return "image/gif";
    if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return "image/webp";
    if (n >= 2 && d[0] == 'B' && d[1] == 'M')
        return "image/bmp";
    return NULL;
}

int bb_image_read(const char *path, int keep, bb_image *img, char *why, size_t cap)
{
    memset(img, 0, sizeof *img);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(why, cap, "%s: cannot open: %s", path, strerror(errno));
        return 0;
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(why, cap, "%s: not a regular file", path);
        fclose(fp);
        return 0;
    }
    if ((unsigned long long)sb.st_size > BB_MAX_IMAGE_BYTES) {
        snprintf(why, cap, "%s: %lld bytes, larger than the %zu MiB a server takes", path, (long long)sb.st_size,
                 BB_MAX_IMAGE_BYTES >> 20);
        fclose(fp);
        return 0;
    }
    size_t n = (size_t)sb.st_size;
    unsigned char *d = malloc(n ? n : 1);
    if (!d) {
        snprintf(why, cap, "%s: out of memory", path);
        fclose(fp);
        return 0;
    }
    size_t got = fread(d, 1, n, fp);
    int bad = ferror(fp);
    fclose(fp);
    if (bad || got != n) {
        snprintf(why, cap, "%s: read error", path);
        free(d);
        return 0;
    }
    img->mime = sniff(d, n);
    if (!img->mime) {
        snprintf(why, cap, "%s: not a JPEG, PNG, GIF, WebP or BMP image", path);
        free(d);
        return 0;
    }
    rs_key(d, n, img->sha256);
    img->len = n;
    if (keep)
        img->data = d;
    else
        free(d);
    return 1;
}

void bb_image_free(bb_image *img)
{
    free(img->data);
    img->data = NULL;
}

char *bb_data_url(const bb_image *img)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t prefix = strlen("data:;base64,") + strlen(img->mime);
    size_t len = prefix + (img->len + 2) / 3 * 4 + 1;
    char *u = malloc(len);
    if (!u)
        return NULL;
    char *o = u + snprintf(u, len, "data:%s;base64,", img->mime);
    const unsigned char *d = img->data;
    size_t i = 0;
    for (; i + 3 <= img->len; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[v >> 12 & 63];
        *o++ = tab[v >> 6 & 63];
        *o++ = tab[v & 63];
    }
    if (i < img->len) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < img->len ? (unsigned)d[i + 1] << 8 : 0u);
        *o++ = tab[v >> 18];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < img->len ? tab[v >> 6 & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return u;
}

vlit_status bb_put_text(vlit_buf *b, const char *text)
{
    vlit_status st = VLIT_OK;
    while (text && *text && !st) {
        const char *tag = strstr(text, "<image>");
        size_t n = tag ? (size_t)(tag - text) : strlen(text);
        st = vlit_buf_append(b, text, n);
        if (!tag)
            break;
        text = tag + 7;
        while (*text == '\n' || *text == ' ')
            text++;
    }
    return st;
}

char *bb_slurp(const char *path, vlit_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    vlit_buf b = VLIT_BUF_INIT;
    b.max = 1 << 20;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (vlit_buf_append(&b, chunk, n)) {
            vlit_err(err, VLIT_ERR_LIMIT, "%s: larger than 1 MiB", path);
            vlit_buf_free(&b);
            fclose(fp);
            return NULL;
        }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        vlit_err(err, VLIT_ERR_IO, "%s: read error", path);
        vlit_buf_free(&b);
        return NULL;
    }
    while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\r'))
        b.data[--b.len] = '\0';
    if (!b.data && vlit_buf_reserve(&b, 1)) {
        vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    return b.data;
}
