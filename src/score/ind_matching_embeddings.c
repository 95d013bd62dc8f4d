/* Principle 2, matching degree, backend: 100 x the cosine of the image's
 * embedding and the text's embedding from an OpenAI-compatible
 * /v1/embeddings endpoint serving a joint image-text model (CLIP, SigLIP,
 * ...), clamped at 0 as CLIPScore does; the raw cosine is the extra
 * "cosine".
 *
 * The text is the sample's answers (assistant turns), cut to their first
 * MAX_WORDS words: CLIP-family text encoders read 77 tokens (SigLIP 64) and
 * some servers refuse longer inputs rather than truncate them. Texts go
 * TEXT_BATCH to a request as "input" strings. Images go as base64 data
 * URLs, in one of two request forms (the servers disagree, see
 * docs/indicators-backends.md): "messages" (vLLM's chat-style embeddings, one
 * image per request, the default) or "input" strings with "modality":
 * "image" (Infinity; IMAGE_BATCH to a request), chosen by
 * VLIT_EMBED_IMAGE_FORMAT=messages|input.
 *
 * Every vector is cached in the run store under the hash of the model, the
 * kind and the input (the text, or the SHA-256 of the image file), so a
 * rerun, or another dataset sharing images, is answered from the store; the
 * cosine is always computed from the stored float32 values, so a rerun gives
 * the same numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/json.h"
#include "../base/strmap.h"
#include "backend_batch.h"
#include "backend_parse.h"

#define MAX_WORDS 40
#define TEXT_BATCH 32
#define IMAGE_BATCH 8 /* input form; Infinity takes at most 32 */

enum { KIND_TEXT = 0, KIND_IMAGE = 1 };
enum { FORM_MESSAGES = 0, FORM_INPUT = 1 };

typedef struct input {
    char key[65];
    int kind;
    const char *text;        /* KIND_TEXT */
    const char *path, *mime; /* KIND_IMAGE */
    char sha256[65];
    const float *vec; /* in the batch arena */
    size_t dim;
    bb_state state;
    char error[BB_ERROR_MAX];
} input;

typedef struct job {
    size_t *members; /* input indexes, in the order of the request */
    size_t count;
} job;

typedef struct matching {
    const score_config *cfg;
    bb_session *s;
    int form;
    bb_values values;
    float *scratch; /* BP_MAX_DIM floats for reading the store */
    /* the batch */
    vlit_arena arena;
    input *inputs;
    size_t n_inputs, cap_inputs;
    job *jobs;
    vlit_status st; /* a store error inside a callback */
    vlit_error *err;
} matching;

static vlit_status m_open(const score_config *cfg, void **state, vlit_error *err)
{
    *state = NULL;
    if (!cfg->embed_url || !cfg->embed_model)
        return vlit_err(err, VLIT_ERR_USAGE,
                        "matching:embeddings needs an embeddings server and a model (--embed-url, --embed-model)");
    const char *form = getenv("VLIT_EMBED_IMAGE_FORMAT");
    int f = FORM_MESSAGES;
    if (form && *form) {
        if (strcmp(form, "input") == 0)
            f = FORM_INPUT;
        else if (strcmp(form, "messages") != 0)
            return vlit_err(err, VLIT_ERR_USAGE,
                            "VLIT_EMBED_IMAGE_FORMAT must be \"messages\" or \"input\", not \"%.40s\"", form);
    }
    matching *m = calloc(1, sizeof *m);
    if (!m || !(m->scratch = malloc(BP_MAX_DIM * sizeof *m->scratch))) {
        free(m);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    m->cfg = cfg;
    m->form = f;
    vlit_arena_init(&m->arena, 1 << 20);
    vlit_status st = bb_session_get(cfg, &m->s, err);
    if (st) {
        free(m->scratch);
        vlit_arena_free(&m->arena);
        free(m);
        return st;
    }
    *state = m;
    return VLIT_OK;
}

/* The first MAX_WORDS words of the answers, single-spaced, in the arena; ""
 * when there are none. */
static const char *answer_words(vlit_arena *a, const char *response)
{
    vlit_buf b = VLIT_BUF_INIT;
    vlit_buf clean = VLIT_BUF_INIT;
    const char *out = NULL;
    if (bb_put_text(&clean, response ? response : "") == VLIT_OK) {
        const char *p = clean.data ? clean.data : "";
        int words = 0, bad = 0;
        while (*p && words < MAX_WORDS && !bad) {
            while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
                p++;
            const char *w = p;
            while (*p && *p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
                p++;
            if (p > w) {
                bad = (b.len && vlit_buf_putc(&b, ' ')) || vlit_buf_append(&b, w, (size_t)(p - w));
                words++;
            }
        }
        if (!bad)
            out = vlit_arena_strndup(a, b.data ? b.data : "", b.len);
    }
    vlit_buf_free(&b);
    vlit_buf_free(&clean);
    return out;
}

/* The input with this key: an existing one, or a new one (*fresh). */
static size_t add_input(matching *m, vlit_strmap *seen, const char *key, int *fresh)
{
    int inserted;
    uint32_t *slot = vlit_strmap_put(seen, key, 64, (uint32_t)m->n_inputs, &inserted, NULL);
    if (!slot)
        return SIZE_MAX;
    *fresh = inserted;
    if (!inserted)
        return *slot;
    if (m->n_inputs == m->cap_inputs) {
        size_t cap = m->cap_inputs ? 2 * m->cap_inputs : 256;
        input *grown = realloc(m->inputs, cap * sizeof *grown);
        if (!grown)
            return SIZE_MAX;
        m->inputs = grown;
        m->cap_inputs = cap;
    }
    input *in = &m->inputs[m->n_inputs];
    memset(in, 0, sizeof *in);
    memcpy(in->key, key, 65);
    return m->n_inputs++;
}

static void input_key(const matching *m, int kind, const char *content, char out[65])
{
    vlit_buf b = VLIT_BUF_INIT;
    vlit_buf_printf(&b, "vlit-embedding\n%s\n%s\n", kind == KIND_TEXT ? "text" : "image", m->cfg->embed_model);
    vlit_buf_puts(&b, content);
    rs_key(b.data ? b.data : "", b.len, out);
    vlit_buf_free(&b);
}

static void fail_input(matching *m, input *in, bb_state state, const char *why)
{
    in->state = state;
    snprintf(in->error, sizeof in->error, "%s", why);
    bb_scrub(m->s, in->error);
}

/* bb_build_fn */
static char *m_build(void *ctx, size_t i)
{
    matching *m = ctx;
    job *jb = &m->jobs[i];
    int image = m->inputs[jb->members[0]].kind == KIND_IMAGE;
    vlit_buf b = VLIT_BUF_INIT;
    vlit_status st = vlit_buf_puts(&b, "{\"model\":");
    if (!st)
        st = vj_write_cstr(&b, m->cfg->embed_model);
    if (!st)
        st = vlit_buf_puts(
            &b, image && m->form == FORM_MESSAGES
                    ? ",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
                    : ",\"input\":[");
    size_t kept = 0;
    for (size_t k = 0; k < jb->count && !st; k++) {
        input *in = &m->inputs[jb->members[k]];
        if (!image) {
            st = (kept && vlit_buf_putc(&b, ',')) || vj_write_cstr(&b, in->text) ? VLIT_ERR_NOMEM : VLIT_OK;
            jb->members[kept++] = jb->members[k];
            continue;
        }
        bb_image img;
        char why[BB_ERROR_MAX];
        if (!bb_image_read(in->path, 1, &img, why, sizeof why)) {
            fail_input(m, in, BB_LOCAL, why);
            continue;
        }
        if (strcmp(img.sha256, in->sha256) != 0) {
            bb_image_free(&img);
            snprintf(why, sizeof why, "%.200s: the image changed during the run", in->path);
            fail_input(m, in, BB_LOCAL, why);
            continue;
        }
        char *url = bb_data_url(&img);
        bb_image_free(&img);
        st = !url || (kept && vlit_buf_putc(&b, ',')) || vj_write_cstr(&b, url) ? VLIT_ERR_NOMEM : VLIT_OK;
        free(url);
        jb->members[kept++] = jb->members[k];
    }
    jb->count = kept;
    if (!st)
        st = vlit_buf_puts(&b, image && m->form == FORM_MESSAGES ? "}}]}],\"encoding_format\":\"float\"}"
                               : image ? "],\"modality\":\"image\",\"encoding_format\":\"float\"}"
                                       : "],\"encoding_format\":\"float\"}");
    if (st || !kept) {
        if (st)
            for (size_t k = 0; k < kept; k++)
                fail_input(m, &m->inputs[jb->members[k]], BB_LOCAL, "out of memory");
        vlit_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* bb_done_fn */
static int m_done(void *ctx, size_t i, const http_result *r, char *why, size_t cap)
{
    matching *m = ctx;
    job *jb = &m->jobs[i];
    char msg[BB_ERROR_MAX];
    float *vecs = NULL;
    size_t dim = 0;
    if (!r->ok)
        bb_http_failure(m->s, r, msg, sizeof msg);
    else if (bp_embeddings(r->body, r->body_len, jb->count, &m->arena, &vecs, &dim, msg, sizeof msg) != VLIT_OK)
        vecs = NULL;
    if (!vecs) {
        for (size_t k = 0; k < jb->count; k++)
            fail_input(m, &m->inputs[jb->members[k]], BB_FAILED, msg);
        snprintf(why, cap, "%s", msg);
        return 1;
    }
    run_store *store = bb_session_store(m->s);
    for (size_t k = 0; k < jb->count; k++) {
        input *in = &m->inputs[jb->members[k]];
        in->vec = vecs + k * dim;
        in->dim = dim;
        in->state = BB_OK;
        if (store && !m->st &&
            rs_put_embedding(store, in->key, m->cfg->embed_model, in->kind == KIND_TEXT ? "text" : "image", in->vec,
                             dim, m->err))
            m->st = m->err && m->err->status ? m->err->status : VLIT_ERR_IO;
    }
    return 0;
}

/* Groups the inputs still without a vector into requests. */
static vlit_status make_jobs(matching *m, size_t *n_jobs, vlit_error *err)
{
    *n_jobs = 0;
    size_t *order = vlit_arena_alloc(&m->arena, (m->n_inputs ? m->n_inputs : 1) * sizeof *order);
    m->jobs = vlit_arena_alloc(&m->arena, (m->n_inputs ? m->n_inputs : 1) * sizeof *m->jobs);
    if (!order || !m->jobs)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    size_t k = 0;
    for (int kind = KIND_TEXT; kind <= KIND_IMAGE; kind++) {
        size_t per = kind == KIND_TEXT ? TEXT_BATCH : m->form == FORM_MESSAGES ? 1 : IMAGE_BATCH;
        for (size_t i = 0; i < m->n_inputs; i++) {
            if (m->inputs[i].kind != kind || m->inputs[i].state != BB_PENDING)
                continue;
            job *last = *n_jobs ? &m->jobs[*n_jobs - 1] : NULL;
            if (!last || m->inputs[last->members[0]].kind != kind || last->count == per) {
                last = &m->jobs[(*n_jobs)++];
                last->members = &order[k];
                last->count = 0;
            }
            order[k++] = i;
            last->count++;
        }
    }
    return VLIT_OK;
}

static void value_of(const input *t, const input *im, score_value *out)
{
    if (im->state != BB_OK) {
        score_missing(out, "image embedding: %s", im->error);
        return;
    }
    if (t->state != BB_OK) {
        score_missing(out, "text embedding: %s", t->error);
        return;
    }
    if (t->dim != im->dim) {
        score_missing(out, "the text and image embeddings differ in dimension (%zu, %zu): not one joint model?", t->dim,
                      im->dim);
        return;
    }
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < t->dim; i++) {
        dot += (double)t->vec[i] * im->vec[i];
        na += (double)t->vec[i] * t->vec[i];
        nb += (double)im->vec[i] * im->vec[i];
    }
    if (!(na > 0) || !(nb > 0)) {
        score_missing(out, "the %s embedding is the zero vector", na > 0 ? "image" : "text");
        return;
    }
    double cos = dot / (sqrt(na) * sqrt(nb));
    if (cos > 1)
        cos = 1;
    if (cos < -1)
        cos = -1;
    out->value = 100 * (cos > 0 ? cos : 0);
    score_extra(out, "cosine", cos);
}

static vlit_status m_prepare(void *state, const score_item *items, size_t n, vlit_error *err)
{
    matching *m = state;
    score_value *vals = bb_values_reset(&m->values, items, n);
    if (!vals)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    vlit_arena_reset(&m->arena);
    m->n_inputs = 0;
    m->st = VLIT_OK;
    m->err = err;
    vlit_strmap seen;
    vlit_strmap_init(&seen);
    size_t *pair = vlit_arena_alloc(&m->arena, 2 * (n ? n : 1) * sizeof *pair); /* text, image input of each item */
    vlit_status st = pair ? VLIT_OK : vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    run_store *store = bb_session_store(m->s);
    for (size_t i = 0; i < n && !st; i++) {
        pair[2 * i] = pair[2 * i + 1] = SIZE_MAX;
        char why[BB_ERROR_MAX], key[65];
        if (!items[i].image_path) {
            score_missing(&vals[i], "%s", items[i].image_problem ? items[i].image_problem : "no image");
            continue;
        }
        const char *text = answer_words(&m->arena, items[i].response);
        if (!text) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            break;
        }
        if (!*text) {
            score_missing(&vals[i], "the sample has no answer text");
            continue;
        }
        bb_image img;
        if (!bb_image_read(items[i].image_path, 0, &img, why, sizeof why)) {
            score_missing(&vals[i], "%s", why);
            continue;
        }
        for (int kind = KIND_TEXT; kind <= KIND_IMAGE && !st; kind++) {
            input_key(m, kind, kind == KIND_TEXT ? text : img.sha256, key);
            int fresh;
            size_t at = add_input(m, &seen, key, &fresh);
            if (at == SIZE_MAX) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
            pair[2 * i + (size_t)kind] = at;
            if (!fresh)
                continue;
            input *in = &m->inputs[at];
            in->kind = kind;
            in->text = text;
            in->path = items[i].image_path;
            in->mime = img.mime;
            memcpy(in->sha256, img.sha256, sizeof in->sha256);
            size_t dim = 0;
            if (store && (st = rs_get_embedding(store, key, m->scratch, BP_MAX_DIM, &dim, err)))
                break;
            if (dim > 0 && dim <= BP_MAX_DIM) {
                float *v = vlit_arena_alloc(&m->arena, dim * sizeof *v);
                if (!v) {
                    st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                    break;
                }
                memcpy(v, m->scratch, dim * sizeof *v);
                in->vec = v;
                in->dim = dim;
                in->state = BB_OK;
            }
        }
    }
    vlit_strmap_free(&seen);
    size_t n_jobs = 0;
    if (!st)
        st = make_jobs(m, &n_jobs, err);
    if (!st) {
        st = bb_send(m->s, bb_session_embed_url(m->s), n_jobs, m_build, m_done, m, err);
        if (m->st && (!st || st == VLIT_ERR_REMOTE))
            st = m->st;
    }
    if (!st)
        for (size_t i = 0; i < m->n_inputs; i++)
            if (m->inputs[i].state == BB_PENDING)
                fail_input(m, &m->inputs[i], BB_FAILED, "not sent: the run stopped");
    for (size_t i = 0; i < n && !st; i++)
        if (pair[2 * i] != SIZE_MAX && pair[2 * i + 1] != SIZE_MAX)
            value_of(&m->inputs[pair[2 * i]], &m->inputs[pair[2 * i + 1]], &vals[i]);
    m->err = NULL;
    return st;
}

static void m_score(void *state, void *scratch, const score_item *it, score_value *out)
{
    (void)scratch;
    bb_values_get(&((matching *)state)->values, it, out);
}

static void m_close(void *state)
{
    matching *m = state;
    if (!m)
        return;
    bb_session_put(m->s);
    bb_values_free(&m->values);
    vlit_arena_free(&m->arena);
    free(m->inputs);
    free(m->scratch);
    free(m);
}

const score_method score_matching_embeddings = {
    .info = {.name = "matching",
             .principle = 2,
             .principle_name = "correctness",
             .level = "sample",
             .direction = 1,
             .method = "embeddings",
             .embedded = 0,
             .inputs = VLIT_NEEDS_TEXT | VLIT_NEEDS_IMAGE | VLIT_NEEDS_SERVER,
             .range = "0-100",
             .summary = "100 x cosine (clamped at 0) of image and answer-text embeddings from an OpenAI-compatible "
                        "/v1/embeddings server (CLIP-like model)"},
    .open = m_open,
    .prepare = m_prepare,
    .score = m_score,
    .close = m_close,
};
