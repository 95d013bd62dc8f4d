/* Self-Instruct: clue records -> LLM requests -> conversations.
 *
 * Pass 1 streams the clue records and pulls one request per record and
 * variant into the HTTP client; a request that the run store already has as
 * done is not sent. Every request is recorded (pending) before it is sent,
 * and its completions are stored in one transaction when they arrive. Pass 2
 * streams the records again and writes the samples from the store, so the
 * sample file does not depend on the order in which answers came back, and
 * a resumed run writes exactly what an uninterrupted one would. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlit/collect.h"
#include "vlit/generate.h"

#include "../backends/http.h"
#include "../backends/run_store.h"
#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/err.h"
#include "../base/json.h"
#include "../base/lines.h"
#include "../base/random.h"
#include "../base/strmap.h"
#include "si_parse.h"

static const char *const variant_names[VLIT_SI_VARIANT_COUNT] = {
    "conversation", "region", "negative", "knowledge", "detail", "reasoning",
};

const char *vlit_si_variant_name(vlit_si_variant v)
{
    return (unsigned)v < VLIT_SI_VARIANT_COUNT ? variant_names[v] : "?";
}

vlit_si_params vlit_si_default_params(void)
{
    vlit_si_params p;
    memset(&p, 0, sizeof p);
    p.n = 5;
    p.temperature = 0.8;
    p.max_tokens = 1024;
    p.concurrency = 8;
    p.max_attempts = 5;
    p.timeout_s = 120;
    p.seed = 1;
    p.source = "si";
    p.max_failed = -1;
    p.max_failed_share = 0.1;
    return p;
}

/* ---- prompts ---------------------------------------------------------------- */

/* The prompts as JSON text, escaped once: a request body is then mostly
 * copied, not escaped again for every record. */
typedef struct prompts {
    char *system[VLIT_SI_VARIANT_COUNT]; /* {"role":"system",...}: common + variant */
    char **ex[VLIT_SI_VARIANT_COUNT];    /* ,{"role":"user",...},{"role":"assistant",...} per example */
    size_t n_ex[VLIT_SI_VARIANT_COUNT];
} prompts;

static char *slurp(const char *path, vlit_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        vlit_err(err, VLIT_ERR_IO, "%s: cannot open", path);
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
    fclose(fp);
    while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
        b.data[--b.len] = '\0';
    if (!b.data)
        vlit_buf_reserve(&b, 1);
    return b.data;
}

static void prompts_free(prompts *p)
{
    for (int v = 0; v < VLIT_SI_VARIANT_COUNT; v++) {
        free(p->system[v]);
        for (size_t i = 0; i < p->n_ex[v]; i++)
            free(p->ex[v][i]);
        free(p->ex[v]);
    }
}

static vlit_status message(vlit_buf *b, const char *role, const char *content, int first)
{
    vlit_status st = vlit_buf_puts(b, first ? "{\"role\":" : ",{\"role\":");
    if (!st)
        st = vj_write_cstr(b, role);
    if (!st)
        st = vlit_buf_puts(b, ",\"content\":");
    if (!st)
        st = vj_write_cstr(b, content);
    return st ? st : vlit_buf_putc(b, '}');
}

static void append_region(vlit_buf *b, const double r[4])
{
    vlit_buf_printf(b, "\n\nMarked region: [%.3f, %.3f, %.3f, %.3f]", r[0], r[1], r[2], r[3]);
}

static vlit_status prompts_load(const char *dir, unsigned variants, prompts *p, vlit_error *err)
{
    memset(p, 0, sizeof *p);
    char path[4096];
    snprintf(path, sizeof path, "%s/system_common.txt", dir);
    char *common = slurp(path, err);
    if (!common)
        return err ? err->status : VLIT_ERR_IO;
    vlit_status st = VLIT_OK;
    for (int v = 0; v < VLIT_SI_VARIANT_COUNT && !st; v++) {
        if (!(variants >> v & 1u))
            continue;
        snprintf(path, sizeof path, "%s/variant_%s.txt", dir, variant_names[v]);
        char *text = slurp(path, err);
        if (!text) {
            st = err ? err->status : VLIT_ERR_IO;
            break;
        }
        vlit_buf b = VLIT_BUF_INIT, m = VLIT_BUF_INIT;
        vlit_buf_printf(&b, "%s\n\n%s", common, text);
        st = message(&m, "system", b.data, 1);
        p->system[v] = m.data;
        vlit_buf_free(&b);
        free(text);
        if (st || !p->system[v])
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    free(common);
    if (st)
        return st;
    /* the in-context example pool */
    snprintf(path, sizeof path, "%s/examples.jsonl", dir);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open", path);
    vlit_lines l;
    vlit_arena a;
    vlit_arena_init(&a, 0);
    if ((st = vlit_lines_init(&l, fp, path, 1 << 20, err))) {
        fclose(fp);
        return st;
    }
    while (!st && (st = vlit_lines_next(&l, err)) == VLIT_OK) {
        if (!l.line.len)
            continue;
        vlit_arena_reset(&a);
        vj *e;
        vlit_error local = {0};
        if (vj_parse(l.line.data, l.line.len, NULL, &a, &e, &local)) {
            st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: %s", path, l.lineno, local.message);
            break;
        }
        const vj *var = vj_get(e, "variant"), *clue = vj_get(e, "clue"), *conv = vj_get(e, "conversation");
        int v = -1;
        for (int k = 0; var && vj_is_text(var) && k < VLIT_SI_VARIANT_COUNT; k++)
            if (strcmp(var->str, variant_names[k]) == 0)
                v = k;
        if (v < 0 || !vj_is_text(clue) || !vj_is_text(conv)) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: needs a known \"variant\", a \"clue\" and a \"conversation\"",
                          path, l.lineno);
            break;
        }
        char **grown = realloc(p->ex[v], (p->n_ex[v] + 1) * sizeof *grown);
        if (!grown) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            break;
        }
        p->ex[v] = grown;
        vlit_buf user = VLIT_BUF_INIT, m = VLIT_BUF_INIT;
        vlit_buf_puts(&user, clue->str);
        const vj *reg = vj_get(e, "region");
        if (reg && reg->type == VJ_ARRAY && reg->len == 4) {
            double r4[4] = {0, 0, 0, 0};
            for (int i = 0; i < 4; i++)
                vj_number(reg->items[i], &r4[i]);
            append_region(&user, r4);
        }
        vlit_status ms = message(&m, "user", user.data ? user.data : "", 0);
        if (!ms)
            ms = message(&m, "assistant", conv->str, 0);
        vlit_buf_free(&user);
        grown[p->n_ex[v]++] = m.data;
        if (ms || !m.data)
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    if (st == VLIT_END)
        st = VLIT_OK;
    vlit_lines_free(&l);
    fclose(fp);
    vlit_arena_free(&a);
    for (int v = 0; v < VLIT_SI_VARIANT_COUNT && !st; v++)
        if ((variants >> v & 1u) && p->n_ex[v] < 2)
            st = vlit_err(err, VLIT_ERR_DATA, "%s: variant %s needs at least two examples, has %zu", path,
                          variant_names[v], p->n_ex[v]);
    return st;
}

/* ---- requests ----------------------------------------------------------------- */

typedef struct job {
    char key[65];
    char *body;
    char *record_id;
    int variant;
} job;

typedef struct si_run {
    const vlit_si_params *p;
    prompts pr;
    vlit_clue_template *tmpl;
    run_store *store;
    vlit_clue_reader *reader;
    const vlit_clue_record *rec; /* current record of pass 1 */
    int next_variant;
    vlit_si_summary *sum;
    vlit_status st; /* first error inside a callback */
    vlit_error *err;
    FILE *keys; /* pass 1's request keys in record and variant order, for pass 2 */
    size_t done, failed;
    int budget_spent; /* stop sending; requests in flight still finish and are stored */
    char last_failure[VLIT_ERRMSG_MAX + 64];
} si_run;

/* The run-level error budget (see vlit_si_params). */
static int budget_spent(const si_run *r)
{
    if (r->p->max_failed >= 0)
        return r->failed > (size_t)r->p->max_failed;
    size_t finished = r->done + r->failed;
    return r->failed >= 20 && (double)r->failed > r->p->max_failed_share * (double)finished;
}

static void report_progress(const si_run *r)
{
    if (!r->p->on_progress)
        return;
    vlit_si_progress pr = {r->sum->records, r->sum->requests, r->sum->from_store, r->sum->sent,
                           r->done, r->failed, r->sum->prompt_tokens, r->sum->completion_tokens};
    r->p->on_progress(r->p->ctx, &pr);
}


/* The record's region for the region variant: a seeded choice among its
 * boxed objects, normalised [x1, y1, x2, y2]; 0 if it has none. */
static int record_region(const vlit_si_params *p, const vlit_clue_record *rec, double out[4])
{
    size_t n = 0;
    for (size_t i = 0; i < rec->n_objects; i++)
        n += rec->objects[i].has_bbox && !rec->objects[i].iscrowd;
    if (!n || rec->width <= 0 || rec->height <= 0)
        return 0;
    size_t pick = (size_t)(vlit_mix64(p->seed ^ vlit_hash(rec->id, strlen(rec->id)) ^ 0x5151) % n);
    for (size_t i = 0; i < rec->n_objects; i++) {
        const vlit_clue_object *o = &rec->objects[i];
        if (!o->has_bbox || o->iscrowd || pick--)
            continue;
        out[0] = o->bbox[0] / rec->width;
        out[1] = o->bbox[1] / rec->height;
        out[2] = (o->bbox[0] + o->bbox[2]) / rec->width;
        out[3] = (o->bbox[1] + o->bbox[3]) / rec->height;
        return 1;
    }
    return 0;
}


/* The request body for a record and variant, or NULL with *skip set when the
 * variant does not apply (region without boxes). */
static char *build_request(si_run *r, const vlit_clue_record *rec, int v, int *skip, size_t *head_len,
                           vlit_error *err)
{
    *skip = 0;
    double region[4];
    if (v == VLIT_SI_REGION && !record_region(r->p, rec, region)) {
        *skip = 1;
        return NULL;
    }
    char *clue = NULL;
    if (vlit_clue_render(r->tmpl, rec, VLIT_BOXES_NORM, &clue, err))
        return NULL;
    size_t n = strlen(clue);
    while (n && (clue[n - 1] == '\n' || clue[n - 1] == ' '))
        clue[--n] = '\0';
    vlit_buf user = VLIT_BUF_INIT, b = VLIT_BUF_INIT;
    vlit_buf_puts(&user, clue);
    free(clue);
    if (v == VLIT_SI_REGION)
        append_region(&user, region);
    /* two different examples of the variant, seeded by record and variant */
    size_t pool = r->pr.n_ex[v];
    uint64_t h = vlit_mix64(r->p->seed ^ vlit_hash(rec->id, strlen(rec->id)) ^ (uint64_t)(v + 1) * 0x9e37ull);
    size_t a = (size_t)(h % pool), c = (size_t)(vlit_mix64(h) % (pool - 1));
    if (c >= a)
        c++;
    vlit_buf_printf(&b, "{\"model\":");
    vj_write_cstr(&b, r->p->model ? r->p->model : "");
    vlit_buf_puts(&b, ",\"messages\":[");
    vlit_buf_puts(&b, r->pr.system[v]);
    vlit_buf_puts(&b, r->pr.ex[v][a]);
    vlit_buf_puts(&b, r->pr.ex[v][c]);
    *head_len = b.len; /* what requests of this variant and these examples share */
    message(&b, "user", user.data, 0);
    vlit_buf_printf(&b, "],\"n\":%d,\"temperature\":", r->p->n);
    vj_write_num(&b, r->p->temperature);
    vlit_buf_printf(&b, ",\"max_tokens\":%d}", r->p->max_tokens);
    vlit_buf_free(&user);
    return b.data;
}

/* http_next_fn: the next request that the store does not have as done. */
static int next_request(void *ctx, const char **body, void **user)
{
    si_run *r = ctx;
    if (!r->budget_spent && budget_spent(r))
        r->budget_spent = 1;
    while (!r->st && !r->budget_spent) {
        if (!r->rec || r->next_variant >= VLIT_SI_VARIANT_COUNT) {
            vlit_status st;
            do {
                st = vlit_clue_reader_next(r->reader, &r->rec, r->err);
            } while (st == VLIT_OK && r->p->shard_count > 1 &&
                     vlit_hash(r->rec->id, strlen(r->rec->id)) % r->p->shard_count != r->p->shard_index);
            if (st) {
                if (st != VLIT_END)
                    r->st = st;
                r->rec = NULL;
                return 0;
            }
            r->sum->records++;
            r->next_variant = 0;
        }
        int v = r->next_variant++;
        unsigned variants = r->p->variants ? r->p->variants : 1u;
        if (!(variants >> v & 1u))
            continue;
        int skip;
        size_t head_len = 0;
        char *b = build_request(r, r->rec, v, &skip, &head_len, r->err);
        if (skip)
            continue;
        if (!b) {
            r->st = r->err && r->err->status ? r->err->status : VLIT_ERR_NOMEM;
            return 0;
        }
        r->sum->requests++;
        job *j = calloc(1, sizeof *j);
        if (!j) {
            free(b);
            r->st = vlit_err(r->err, VLIT_ERR_NOMEM, "out of memory");
            return 0;
        }
        rs_key(b, strlen(b), j->key);
        if (fprintf(r->keys, "%s\n", j->key) < 0) {
            free(b);
            free(j);
            r->st = vlit_err(r->err, VLIT_ERR_IO, "writing a temporary file: %s", strerror(errno));
            return 0;
        }
        rs_state state;
        if ((r->st = rs_state_of(r->store, j->key, &state, r->err)) ||
            (state != RS_DONE && (r->st = rs_add_request(r->store, j->key, r->rec->id, variant_names[v], b, head_len, r->err)))) {
            free(b);
            free(j);
            return 0;
        }
        if (state == RS_DONE) {
            r->sum->from_store++;
            free(b);
            free(j);
            continue;
        }
        j->body = b;
        j->variant = v;
        j->record_id = strdup(r->rec->id);
        r->sum->sent++;
        *body = b;
        *user = j;
        return 1;
    }
    return 0;
}

/* Parses a chat completion reply and stores all its completions in one
 * transaction; an unreadable reply marks the request failed. */
static void store_reply(si_run *r, job *j, const http_result *res)
{
    vlit_arena a;
    vlit_arena_init(&a, 0);
    si_reply reply;
    char why[VLIT_ERRMSG_MAX + 64];
    if (si_parse_reply(res->body, res->body_len, &a, &reply, why, sizeof why)) {
        vlit_arena_free(&a);
        snprintf(r->last_failure, sizeof r->last_failure, "%s", why);
        if (rs_fail_request(r->store, j->key, res->attempts, why, r->err))
            r->st = r->err->status;
        r->failed++;
        return;
    }
    rs_completion *c = vlit_arena_alloc(&a, reply.n * sizeof *c);
    for (size_t i = 0; c && i < reply.n; i++)
        c[i] = (rs_completion){reply.content[i], reply.parsed[i], reply.parse_error[i]};
    if (!c || rs_finish_request(r->store, j->key, c, reply.n, reply.prompt_tokens, reply.completion_tokens, r->err)) {
        r->st = r->err && r->err->status ? r->err->status : VLIT_ERR_NOMEM;
    } else {
        r->sum->prompt_tokens += reply.prompt_tokens;
        r->sum->completion_tokens += reply.completion_tokens;
        r->done++;
    }
    vlit_arena_free(&a);
}

static void on_done(void *ctx, void *user, const http_result *res)
{
    si_run *r = ctx;
    job *j = user;
    if (!r->st) {
        if (res->ok) {
            store_reply(r, j, res);
        } else {
            char why[300];
            snprintf(why, sizeof why, "%s after %d attempts", res->error ? res->error : "failed", res->attempts);
            snprintf(r->last_failure, sizeof r->last_failure, "%s", why);
            if (rs_fail_request(r->store, j->key, res->attempts, why, r->err))
                r->st = r->err->status;
            r->failed++;
        }
    }
    report_progress(r);
    free(j->body);
    free(j->record_id);
    free(j);
}

/* http_params.commit: what next_request and on_done journaled, at once. */
static vlit_status commit(void *ctx, vlit_error *err)
{
    si_run *r = ctx;
    return rs_commit(r->store, err);
}

/* ---- pass 2: samples from the store ------------------------------------------------ */

typedef struct writing {
    si_run *r;
    vlit_writer *w;
    const vlit_clue_record *rec;
    int variant;
    int has_region;
    double region[4];
    vlit_status st;
    vlit_error *err;
} writing;

static void write_completion(void *ctx, size_t idx, const rs_completion *c)
{
    writing *wr = ctx;
    si_run *r = wr->r;
    r->sum->completions++;
    if (!c->parsed) {
        r->sum->unparsed++;
        return;
    }
    if (wr->st)
        return;
    vlit_arena a;
    vlit_arena_init(&a, 0);
    vlit_turn *turns;
    size_t n;
    char why[256];
    if (si_parse_conversation(c->content, strlen(c->content), &a, &turns, &n, why, sizeof why) == VLIT_OK) {
        char id[512];
        snprintf(id, sizeof id, "%s_si_%s_%zu", wr->rec->id, variant_names[wr->variant], idx);
        const char *image = wr->rec->image;
        vlit_sample s;
        memset(&s, 0, sizeof s);
        s.id = id;
        s.images = image ? &image : NULL;
        s.n_images = image ? 1 : 0;
        s.source = r->p->source ? r->p->source : "si";
        s.task = variant_names[wr->variant];
        s.turns = turns;
        s.n_turns = n;
        if (wr->has_region && wr->rec->width > 0 && wr->rec->height > 0) {
            /* the sample's region is in pixels, [x, y, w, h] */
            s.has_region = 1;
            s.region[0] = wr->region[0] * wr->rec->width;
            s.region[1] = wr->region[1] * wr->rec->height;
            s.region[2] = (wr->region[2] - wr->region[0]) * wr->rec->width;
            s.region[3] = (wr->region[3] - wr->region[1]) * wr->rec->height;
        }
        s.mode = "si";
        s.variant = variant_names[wr->variant];
        s.model = r->p->model;
        s.completion = (int)idx;
        if (!(wr->st = vlit_writer_write(wr->w, &s, wr->err)))
            r->sum->samples++;
    }
    vlit_arena_free(&a);
}

static vlit_status write_samples(si_run *r, const char *clues_path, const char *out_path, vlit_format fmt,
                                 vlit_error *err)
{
    vlit_clue_reader *reader;
    vlit_writer *w;
    if (fflush(r->keys) || fseek(r->keys, 0, SEEK_SET))
        return vlit_err(err, VLIT_ERR_IO, "reading back a temporary file: %s", strerror(errno));
    vlit_status st = vlit_clue_reader_open(clues_path, r->p->skip_bad, &reader, err);
    if (st)
        return st;
    if ((st = vlit_writer_open(out_path, fmt, &w, err))) {
        vlit_clue_reader_close(reader);
        return st;
    }
    const vlit_clue_record *rec;
    unsigned variants = r->p->variants ? r->p->variants : 1u;
    while (!st && (st = vlit_clue_reader_next(reader, &rec, err)) == VLIT_OK) {
        if (r->p->shard_count > 1 && vlit_hash(rec->id, strlen(rec->id)) % r->p->shard_count != r->p->shard_index)
            continue;
        for (int v = 0; v < VLIT_SI_VARIANT_COUNT && !st; v++) {
            if (!(variants >> v & 1u))
                continue;
            writing wr = {r, w, rec, v, 0, {0, 0, 0, 0}, VLIT_OK, err};
            if (v == VLIT_SI_REGION && !(wr.has_region = record_region(r->p, rec, wr.region)))
                continue; /* as pass 1 skipped it */
            char key[66];
            if (!fgets(key, sizeof key, r->keys) || strlen(key) != 65) {
                st = vlit_err(err, VLIT_ERR_IO, "%s: the clue file changed during the run", clues_path);
                break;
            }
            key[64] = '\0';
            st = rs_completions(r->store, key, write_completion, &wr, err);
            if (!st)
                st = wr.st;
        }
    }
    if (st == VLIT_END) {
        st = vlit_writer_commit(w, err);
        w = NULL;
    }
    vlit_writer_abort(w);
    vlit_clue_reader_close(reader);
    return st;
}

static void skip_note(void *ctx, const char *message)
{
    const vlit_si_params *p = ctx;
    if (p->on_skip)
        p->on_skip(p->ctx, message);
}

vlit_status vlit_generate_si(const vlit_si_params *p, const char *clues_path, const char *out_path, vlit_format fmt,
                             vlit_si_summary *summary, vlit_error *err)
{
    vlit_si_summary local;
    if (!summary)
        summary = &local;
    memset(summary, 0, sizeof *summary);
    if (!p->url || !p->model || !p->store_path || !p->prompts_dir || !p->clue_template)
        return vlit_err(err, VLIT_ERR_USAGE, "Self-Instruct needs a server URL, a model, a run store, prompts and the clue template");
    if (!(p->max_failed_share >= 0 && p->max_failed_share <= 1))
        return vlit_err(err, VLIT_ERR_USAGE, "the error budget share must be in 0..1");
    if (p->n < 1 || p->n > 128)
        return vlit_err(err, VLIT_ERR_USAGE, "n must be in 1..128");
    si_run r;
    memset(&r, 0, sizeof r);
    r.p = p;
    r.sum = summary;
    r.err = err;
    unsigned variants = p->variants ? p->variants : 1u;
    vlit_status st = prompts_load(p->prompts_dir, variants, &r.pr, err);
    if (!st)
        st = vlit_clue_template_load(p->clue_template, &r.tmpl, err);
    if (!st)
        st = rs_open(p->store_path, &r.store, err);
    if (!st)
        st = vlit_clue_reader_open(clues_path, p->skip_bad, &r.reader, err);
    if (!st && !(r.keys = tmpfile()))
        st = vlit_err(err, VLIT_ERR_IO, "cannot create a temporary file: %s", strerror(errno));
    if (st)
        goto out;
    vlit_clue_reader_on_skip(r.reader, skip_note, (void *)p);
    http_params hp = http_default_params();
    char url[2048];
    size_t n = strlen(p->url);
    snprintf(url, sizeof url, "%.*s/chat/completions", (int)(n && p->url[n - 1] == '/' ? n - 1 : n), p->url);
    hp.url = url;
    hp.api_key = p->api_key;
    hp.concurrency = p->concurrency;
    hp.max_attempts = p->max_attempts;
    hp.timeout_s = p->timeout_s;
    hp.seed = p->seed;
    hp.commit = commit;
    http_stats hs;
    st = http_run(&hp, next_request, on_done, &r, &hs, err);
    if (!st)
        st = r.st;
    if (!st)
        st = rs_commit(r.store, err);
    summary->skipped = vlit_clue_reader_skipped(r.reader);
    summary->failed = r.failed;
    if (!st && r.budget_spent)
        st = vlit_err(err, VLIT_ERR_REMOTE,
                      "stopped: %zu of %zu finished requests failed after their retries, over the error budget (last: %s); "
                      "what was done is kept in the run store %s, and running again resumes",
                      r.failed, r.failed + r.done, r.last_failure, p->store_path);
    if (!st)
        st = write_samples(&r, clues_path, out_path, fmt, err);
out:
    if (r.keys)
        fclose(r.keys);
    vlit_clue_reader_close(r.reader);
    rs_close(r.store);
    vlit_clue_template_free(r.tmpl);
    prompts_free(&r.pr);
    return st;
}
