/* The server method of the embedding sets: an OpenAI-compatible
 * /v1/embeddings endpoint (docs/embed.md).
 *
 * Texts go `batch` to a request as "input" strings; images go as base64 data
 * URLs, in the two request forms the score stage uses (see
 * src/score/ind_matching_embeddings.c and docs/indicators-backends.md):
 * "messages" (vLLM, one image a request) or "input" with "modality": "image"
 * (Infinity, `batch` to a request). Requests go out concurrently through
 * src/backends/http (retries with backoff).
 *
 * Every vector is cached in the run store's embeddings table under the key
 * the score stage uses: SHA-256 of "vlit-embedding\n<text|image>\n<model>\n"
 * followed by the text, or by the SHA-256 of the image file, so the score
 * stage's vectors are reused and a rerun sends nothing. The same input twice
 * is sent once. A failure (after the retries, or a reply that cannot be
 * read) marks the inputs of its request failed with the reason; once more
 * than the error budget failed, no more requests are sent and the call
 * returns VLIT_ERR_REMOTE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/http.h"
#include "../backends/run_store.h"
#include "../base/arena.h"
#include "../base/json.h"
#include "../base/strmap.h"
#include "../score/backend_batch.h"
#include "../score/backend_parse.h"
#include "embed_internal.h"

typedef struct input {
    size_t item;     /* first item of r with this key */
    char key[65];
    char sha256[65]; /* images: of the file */
} input;

typedef struct srv {
    const vlit_embed_params *p;
    int images, form;
    em_rows *r;
    run_store *store;
    const char *api_key;
    input *in;
    size_t n_in;
    size_t *order; /* inputs in job order */
    size_t *job_start, n_jobs, next_job;
    size_t done, failed;
    char last[EM_REASON_MAX];
    vlit_arena arena;
    vlit_status st; /* a store or memory error inside a callback */
    vlit_error *err;
} srv;

typedef struct sent {
    size_t job;
    char *body;
} sent;

vlit_status em_server_config(const vlit_embed_params *p, int images, vlit_buf *out)
{
    return vlit_buf_printf(out, "server %s model=%s", images ? "image" : "text", p->model ? p->model : "");
}

static void scrub(const srv *s, char *text)
{
    if (!s->api_key || !*s->api_key)
        return;
    size_t n = strlen(s->api_key);
    for (char *q = strstr(text, s->api_key); q; q = strstr(q + n, s->api_key))
        memset(q, '*', n);
}

static int budget_spent(const srv *s)
{
    if (s->p->max_failed >= 0)
        return s->failed > (size_t)s->p->max_failed;
    return s->failed >= 20 && (double)s->failed > 0.1 * (double)(s->done + s->failed);
}

static void fail_item(srv *s, size_t item, const char *why)
{
    char msg[EM_REASON_MAX];
    snprintf(msg, sizeof msg, "%s", why);
    scrub(s, msg);
    if (!s->st && em_rows_set_failed(s->r, item, msg, s->err))
        s->st = s->err && s->err->status ? s->err->status : VLIT_ERR_NOMEM;
}

static char *full_path(const char *root, const char *path)
{
    if (!root || !*root || path[0] == '/')
        return strdup(path);
    size_t n = strlen(root) + strlen(path) + 2;
    char *f = malloc(n);
    if (f)
        snprintf(f, n, "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", path);
    return f;
}

static char *build(srv *s, size_t j)
{
    size_t a = s->job_start[j], b = s->job_start[j + 1];
    int msg_form = s->images && s->form == 0;
    vlit_buf body = VLIT_BUF_INIT;
    vlit_status st = vlit_buf_puts(&body, "{\"model\":");
    if (!st)
        st = vj_write_cstr(&body, s->p->model);
    if (!st)
        st = vlit_buf_puts(&body, msg_form ? ",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                                             "\"image_url\":{\"url\":"
                                           : ",\"input\":[");
    for (size_t k = a; k < b && !st; k++) {
        input *in = &s->in[s->order[k]];
        if (k > a)
            st = vlit_buf_putc(&body, ',');
        if (st)
            break;
        if (!s->images) {
            st = vj_write_cstr(&body, s->r->key[in->item]);
            continue;
        }
        char *full = full_path(s->p->image_root, s->r->key[in->item]);
        bb_image img;
        char why[BB_ERROR_MAX];
        int ok = full && bb_image_read(full, 1, &img, why, sizeof why);
        free(full);
        if (!ok) {
            vlit_buf_free(&body);
            return NULL; /* read before, now gone: done() is not called; marked below */
        }
        char *url = strcmp(img.sha256, in->sha256) == 0 ? bb_data_url(&img) : NULL;
        bb_image_free(&img);
        if (!url) {
            vlit_buf_free(&body);
            return NULL;
        }
        st = vj_write_cstr(&body, url);
        free(url);
    }
    if (!st)
        st = vlit_buf_puts(&body, msg_form ? "}}]}],\"encoding_format\":\"float\"}"
                                  : s->images ? "],\"modality\":\"image\",\"encoding_format\":\"float\"}"
                                              : "],\"encoding_format\":\"float\"}");
    if (st) {
        vlit_buf_free(&body);
        return NULL;
    }
    return body.data;
}

static int next_fn(void *ctx, const char **body, void **user)
{
    srv *s = ctx;
    while (s->next_job < s->n_jobs && !budget_spent(s) && !s->st) {
        size_t j = s->next_job++;
        char *b = build(s, j);
        if (!b) {
            for (size_t k = s->job_start[j]; k < s->job_start[j + 1]; k++)
                fail_item(s, s->in[s->order[k]].item,
                          s->images ? "the image could not be read again, or changed, during the run"
                                    : "out of memory");
            continue;
        }
        sent *x = malloc(sizeof *x);
        if (!x) {
            free(b);
            s->st = vlit_err(s->err, VLIT_ERR_NOMEM, "out of memory");
            return 0;
        }
        x->job = j;
        x->body = b;
        *body = b;
        *user = x;
        return 1;
    }
    return 0;
}

/* "HTTP 500 after 5 attempts: <the server's message>" */
static void http_failure(const http_result *res, char *why, size_t cap)
{
    int n = snprintf(why, cap, "%s after %d attempt%s", res->error ? res->error : "failed", res->attempts,
                     res->attempts == 1 ? "" : "s");
    if (n > 0 && (size_t)n < cap && res->body_len && res->body_len < (1u << 20)) {
        vlit_arena a;
        vlit_arena_init(&a, 4096);
        vj *v = NULL;
        vlit_error local = {0};
        vj_limits lim = {1 << 16, 1 << 20, 16};
        if (vj_parse(res->body, res->body_len, &lim, &a, &v, &local) == VLIT_OK) {
            const vj *m = vj_get(vj_get(v, "error"), "message");
            if (!vj_is_text(m))
                m = vj_get(v, "error");
            if (vj_is_text(m) && m->str[0])
                snprintf(why + n, cap - (size_t)n, ": %.150s", m->str);
        }
        vlit_arena_free(&a);
    }
}

static void done_fn(void *ctx, void *user, const http_result *res)
{
    srv *s = ctx;
    sent *x = user;
    size_t a = s->job_start[x->job], b = s->job_start[x->job + 1];
    char why[EM_REASON_MAX];
    float *vecs = NULL;
    size_t dim = 0;
    vlit_arena_reset(&s->arena);
    if (!res->ok)
        http_failure(res, why, sizeof why);
    else if (bp_embeddings(res->body, res->body_len, b - a, &s->arena, &vecs, &dim, why, sizeof why) != VLIT_OK)
        vecs = NULL;
    else if (s->r->dim && dim != s->r->dim) {
        snprintf(why, sizeof why, "a vector of dimension %zu after vectors of dimension %zu", dim, s->r->dim);
        vecs = NULL;
    }
    if (!vecs) {
        for (size_t k = a; k < b; k++)
            fail_item(s, s->in[s->order[k]].item, why);
        s->failed++;
        snprintf(s->last, sizeof s->last, "%s", why);
        scrub(s, s->last);
    } else {
        s->done++;
        for (size_t k = a; k < b && !s->st; k++) {
            input *in = &s->in[s->order[k]];
            const float *v = vecs + (k - a) * dim;
            if (em_rows_set_vec(s->r, in->item, v, dim, s->err) ||
                (s->store && rs_put_embedding(s->store, in->key, s->p->model, s->images ? "image" : "text", v, dim,
                                              s->err)))
                s->st = s->err && s->err->status ? s->err->status : VLIT_ERR_IO;
        }
    }
    free(x->body);
    free(x);
}

static vlit_status commit_fn(void *ctx, vlit_error *err)
{
    srv *s = ctx;
    if (s->st)
        return s->st; /* ends the run */
    return s->store ? rs_commit(s->store, err) : VLIT_OK;
}

static void make_key(const srv *s, const char *content, size_t len, char out[65])
{
    vlit_buf b = VLIT_BUF_INIT;
    vlit_buf_printf(&b, "vlit-embedding\n%s\n%s\n", s->images ? "image" : "text", s->p->model);
    vlit_buf_append(&b, content, len);
    rs_key(b.data ? b.data : "", b.len, out);
    vlit_buf_free(&b);
}

vlit_status em_server_embed(const vlit_embed_params *p, int images, em_rows *r, vlit_error *err)
{
    size_t pending = 0;
    for (size_t i = 0; i < r->n; i++)
        pending += r->state[i] == EM_PENDING;
    if (!pending)
        return VLIT_OK;
    if (!p->url || !p->model)
        return vlit_err(err, VLIT_ERR_USAGE, "the server method needs a URL and a model");
    srv s;
    memset(&s, 0, sizeof s);
    s.p = p;
    s.images = images;
    s.r = r;
    s.err = err;
    s.api_key = p->api_key && *p->api_key ? p->api_key : getenv("VLIT_API_KEY");
    if (!s.api_key || !*s.api_key)
        s.api_key = getenv("OPENAI_API_KEY");
    s.form = p->image_form;
    vlit_arena_init(&s.arena, 1 << 16);
    vlit_strmap seen;
    vlit_strmap_init(&seen);
    size_t *dup_of = malloc(r->n * sizeof *dup_of); /* item -> its input, or SIZE_MAX */
    s.in = malloc(pending * sizeof *s.in);
    s.order = malloc(pending * sizeof *s.order);
    s.job_start = malloc((pending + 1) * sizeof *s.job_start);
    float *scratch = malloc(BP_MAX_DIM * sizeof *scratch);
    char *url = NULL;
    vlit_status st = VLIT_OK;
    if (!dup_of || !s.in || !s.order || !s.job_start || !scratch) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t ulen = strlen(p->url);
    while (ulen && p->url[ulen - 1] == '/')
        ulen--;
    if (!(url = malloc(ulen + 12))) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    snprintf(url, ulen + 12, "%.*s/embeddings", (int)ulen, p->url);
    if (p->store_path && (st = rs_open(p->store_path, &s.store, err)))
        goto out;
    /* keys, the store, duplicates */
    for (size_t i = 0; i < r->n && !st; i++) {
        dup_of[i] = SIZE_MAX;
        if (r->state[i] != EM_PENDING)
            continue;
        input in;
        memset(&in, 0, sizeof in);
        in.item = i;
        if (images) {
            char *full = full_path(p->image_root, r->key[i]);
            bb_image img;
            char why[BB_ERROR_MAX];
            if (!full) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
            int ok = bb_image_read(full, 0, &img, why, sizeof why);
            free(full);
            if (!ok) {
                if ((st = em_rows_set_failed(r, i, why, err)))
                    break;
                continue;
            }
            memcpy(in.sha256, img.sha256, sizeof in.sha256);
            make_key(&s, img.sha256, 64, in.key);
        } else {
            make_key(&s, r->key[i], r->key_len[i], in.key);
        }
        int inserted;
        uint32_t *slot = vlit_strmap_put(&seen, in.key, 64, (uint32_t)s.n_in, &inserted, NULL);
        if (!slot) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            break;
        }
        if (!inserted) {
            dup_of[i] = *slot;
            continue;
        }
        size_t dim = 0;
        if (s.store && (st = rs_get_embedding(s.store, in.key, scratch, BP_MAX_DIM, &dim, err)))
            break;
        if (dim > 0 && dim <= BP_MAX_DIM && (!r->dim || dim == r->dim)) {
            if ((st = em_rows_set_vec(r, i, scratch, dim, err)))
                break;
            dup_of[i] = s.n_in; /* so that duplicates copy it */
        }
        s.in[s.n_in++] = in;
    }
    if (st)
        goto out;
    /* jobs: the inputs still pending, `per` to a request */
    size_t per = images ? (s.form == 0 ? 1 : (p->batch ? p->batch : 8)) : (p->batch ? p->batch : 32);
    size_t k = 0;
    for (size_t i = 0; i < s.n_in; i++) {
        if (r->state[s.in[i].item] != EM_PENDING)
            continue;
        if (k % per == 0)
            s.job_start[s.n_jobs++] = k;
        s.order[k++] = i;
    }
    s.job_start[s.n_jobs] = k;
    if (s.n_jobs) {
        http_params hp = http_default_params();
        hp.url = url;
        hp.api_key = s.api_key;
        hp.concurrency = p->concurrency ? (int)(p->concurrency > 1024 ? 1024 : p->concurrency) : 8;
        hp.commit = commit_fn;
        st = http_run(&hp, next_fn, done_fn, &s, NULL, err);
        if (s.st)
            st = s.st;
        if (!st && s.store)
            st = rs_commit(s.store, err);
        if (!st && budget_spent(&s))
            st = vlit_err(err, VLIT_ERR_REMOTE,
                          "stopped: %zu of %zu requests to %s failed after their retries, over the error budget "
                          "(last: %s)%s",
                          s.failed, s.failed + s.done, url, s.last,
                          p->store_path ? "; the vectors received are kept in the run store" : "");
    }
    /* inputs never sent, and duplicates */
    for (size_t i = 0; i < s.n_in; i++)
        if (r->state[s.in[i].item] == EM_PENDING)
            fail_item(&s, s.in[i].item, "not sent: the run stopped");
    for (size_t i = 0; i < r->n && !s.st; i++) {
        if (dup_of[i] == SIZE_MAX || r->state[i] != EM_PENDING)
            continue;
        size_t first = s.in[dup_of[i]].item;
        if (r->state[first] == EM_OK)
            s.st = em_rows_set_vec(r, i, r->vec[first], r->dim, err);
        else
            s.st = em_rows_set_failed(r, i, r->reason[first] ? r->reason[first] : "not embedded", err);
    }
    if (!st && s.st)
        st = s.st;
out:
    if (s.store)
        rs_close(s.store);
    vlit_strmap_free(&seen);
    vlit_arena_free(&s.arena);
    free(dup_of);
    free(s.in);
    free(s.order);
    free(s.job_start);
    free(scratch);
    free(url);
    return st;
}
