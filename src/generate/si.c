/* Self-Instruct: clue records -> LLM requests -> conversations.
 *
 * The clue records are read once, making one request per record and variant;
 * a request that the run store already has as done is not sent. Every
 * request is recorded (pending) and committed before it is sent, and its
 * completions are stored together and committed before they are used. Each
 * request is also noted, in order, in a temporary file with what its samples
 * need of the record; the samples are written from the store in that order,
 * each request's once it and all before it are finished, so the sample file
 * does not depend on the order in which answers came back, and a resumed run
 * writes exactly what an uninterrupted one would. The threads are described
 * at si_run. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/eventfd.h>

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

/* A request, from the moment it is made until its reply is stored. Jobs are
 * kept for reuse with their buffers, so a run does not allocate per request. */
typedef struct job {
    struct job *next; /* in a queue or the free list */
    struct job *all;  /* every job of the run, to free them */
    char key[65];
    rs_id id;    /* its row in the store */
    size_t note; /* its place in the order of the notes */
    vlit_buf body;
    /* the reply, copied by the network thread */
    vlit_buf reply;
    int ok, attempts;
    char error[HTTP_ERROR_MAX];
} job;

/* A queue of jobs, oldest first. */
typedef struct job_queue {
    job *head, *tail;
    size_t len;
} job_queue;

static void push_job(job_queue *q, job *j)
{
    j->next = NULL;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    q->len++;
}

static job *pop_job(job_queue *q)
{
    job *j = q->head;
    if (j) {
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
        q->len--;
    }
    return j;
}

/* Appends b to the end of a. */
static void join_jobs(job_queue *a, job_queue *b)
{
    if (!b->head)
        return;
    if (a->tail)
        a->tail->next = b->head;
    else
        a->head = b->head;
    a->tail = b->tail;
    a->len += b->len;
    memset(b, 0, sizeof *b);
}

/* The head of a request body (model, system prompt, the two examples), the
 * same for every request of a variant that draws the same two examples: made
 * once, and its SHA-256 state kept, so a request hashes only its own tail. */
typedef struct head {
    char *text;
    size_t len;
    rs_hasher *hash;
} head;

/* What writing the samples needs of each request, noted in record and
 * variant order as the requests are made, so that the clue file is read
 * once. Followed by the record id and the image path (image_len -1 when
 * none). */
typedef struct request_note {
    int64_t id; /* the request's row in the store */
    int32_t variant, has_region;
    double region[4];
    double width, height;
    uint32_t id_len;
    int32_t image_len;
} request_note;

/* Messages for p->on_skip, kept for the caller's thread. */
typedef struct skip_list {
    char **items;
    size_t len, cap;
} skip_list;

/*
 * Two threads. The network thread (the caller's) runs the HTTP client; the
 * journal thread owns the clue reader and the run store: it makes requests,
 * records them, commits, and only then hands them to the network thread
 * (`ready`), so nothing is sent before it is journaled; it takes the replies
 * back (`replies`), parses and stores them. Each of its turns is one
 * transaction: the replies that arrived and the requests made meanwhile. A
 * slot is used again only once the reply it had is committed (`open`), so a
 * run killed at any moment asks again at most `concurrency` requests.
 * The caller's callbacks (progress, skipped records) run on the caller's
 * thread: the journal thread leaves what they report in `progress` and
 * `skips`, and the network thread passes it on once per turn of its loop.
 */
typedef struct si_run {
    const vlit_si_params *p;
    prompts pr;
    vlit_clue_template *tmpl;
    vlit_si_summary *sum;
    FILE *keys; /* the request_notes, in record and variant order */

    /* the journal thread's (and the caller's before and after it) */
    run_store *store;
    vlit_clue_reader *reader;
    const vlit_clue_record *rec; /* the record requests are being made for */
    int next_variant;
    head *heads[VLIT_SI_VARIANT_COUNT]; /* [a * n_ex + c], made when first needed */
    vlit_buf user;                      /* the user message being made */
    vlit_buf end;                       /* what ends every body: ],"n":...,"max_tokens":...} */
    vlit_arena reply_arena;             /* for parsing one reply at a time */
    job *free_jobs, *all_jobs;
    vlit_status st;      /* the journal thread's first error */
    vlit_error jerr;     /* and its message */
    size_t done, failed; /* requests finished and stored */
    size_t sent;         /* requests journaled to be sent */
    char last_failure[VLIT_ERRMSG_MAX + 64];
    /* the samples, written in the notes' order as the requests finish */
    vlit_writer *w;
    size_t n_notes, written; /* requests noted; of which samples written */
    unsigned char *finished; /* a bit per note: stored, so its samples can be written */
    size_t finished_cap;     /* bytes */
    long long written_at;    /* offset in keys of the next note to write */
    vlit_buf notes;          /* notes read back from keys */
    vlit_buf names;          /* a note's record id and image, NUL-terminated */
    long long notes_at;      /* offset in keys of notes.data */
    size_t notes_pos;

    /* shared, under lock */
    pthread_mutex_t lock;
    pthread_cond_t work; /* the journal thread has something to do */
    int wake_fd;         /* eventfd: the network thread may pull requests again */
    job_queue ready;     /* committed, not yet sent */
    size_t low, high;    /* the journal thread refills ready from below low up to high */
    job_queue replies;   /* answered, not yet stored */
    skip_list skips;
    vlit_si_progress progress;
    unsigned progress_seq;
    size_t unreadable;  /* ok replies that the journal thread could not read */
    int exhausted;      /* every record read: no more requests will come */
    int starved;        /* the network thread found no request it may send, and waits for wake_fd */
    size_t open, slots; /* requests handed to the network thread whose replies are not committed
                         * yet, at most `slots` (the concurrency): a run killed at any moment
                         * has no more answered requests to ask again than there are slots */
    int net_done;       /* the network thread is done: store what is left and end */
    int stop;           /* an error or the error budget: send nothing more */
    int nomem;          /* the network thread could not keep a reply */

    /* the network thread's */
    job_queue gathered;        /* replies of this turn of the event loop */
    size_t net_ok, net_failed; /* for the error budget, counted as replies arrive */
    unsigned progress_seen;
    int budget_spent; /* stop sending; requests in flight still finish and are stored */
} si_run;

/* The run-level error budget (see vlit_si_params), from the network thread's
 * counts: a failure counts when it happens, not when it is stored. */
static int budget_spent(const si_run *r)
{
    size_t failed = r->net_failed + r->unreadable, done = r->net_ok - r->unreadable;
    if (r->p->max_failed >= 0)
        return failed > (size_t)r->p->max_failed;
    return failed >= 20 && (double)failed > r->p->max_failed_share * (double)(done + failed);
}

/* Journal thread, under lock: what on_progress will see. */
static void note_progress(si_run *r)
{
    vlit_si_progress pr = {r->sum->records, r->sum->requests, r->sum->from_store,    r->sent,
                           r->done,         r->failed,        r->sum->prompt_tokens, r->sum->completion_tokens};
    r->progress = pr;
    r->progress_seq++;
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

/* The head for variant v and examples a, c; NULL when out of memory. */
static head *get_head(si_run *r, int v, size_t a, size_t c, vlit_error *err)
{
    size_t pool = r->pr.n_ex[v];
    if (!r->heads[v] && !(r->heads[v] = calloc(pool * pool, sizeof *r->heads[v]))) {
        vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    head *h = &r->heads[v][a * pool + c];
    if (h->hash)
        return h;
    vlit_buf b = VLIT_BUF_INIT;
    vlit_status st = vlit_buf_puts(&b, "{\"model\":");
    if (!st)
        st = vj_write_cstr(&b, r->p->model ? r->p->model : "");
    if (!st)
        st = vlit_buf_puts(&b, ",\"messages\":[");
    if (!st)
        st = vlit_buf_puts(&b, r->pr.system[v]);
    if (!st)
        st = vlit_buf_puts(&b, r->pr.ex[v][a]);
    if (!st)
        st = vlit_buf_puts(&b, r->pr.ex[v][c]);
    if (st || !(h->hash = rs_hasher_new(b.data, b.len))) {
        vlit_buf_free(&b);
        vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    h->text = b.data;
    h->len = b.len;
    return h;
}

static void heads_free(si_run *r)
{
    for (int v = 0; v < VLIT_SI_VARIANT_COUNT; v++) {
        for (size_t i = 0; r->heads[v] && i < r->pr.n_ex[v] * r->pr.n_ex[v]; i++) {
            free(r->heads[v][i].text);
            rs_hasher_free(r->heads[v][i].hash);
        }
        free(r->heads[v]);
    }
}

/* The request body for a record and variant into b, with its key and its
 * head; *skip set when the variant does not apply (region without boxes). */
static vlit_status build_request(si_run *r, const vlit_clue_record *rec, int v, vlit_buf *b, int *skip, head **hd,
                                 char key[65], vlit_error *err)
{
    *skip = 0;
    double region[4];
    if (v == VLIT_SI_REGION && !record_region(r->p, rec, region)) {
        *skip = 1;
        return VLIT_OK;
    }
    /* two different examples of the variant, seeded by record and variant */
    size_t pool = r->pr.n_ex[v];
    uint64_t hv = vlit_mix64(r->p->seed ^ vlit_hash(rec->id, strlen(rec->id)) ^ (uint64_t)(v + 1) * 0x9e37ull);
    size_t a = (size_t)(hv % pool), c = (size_t)(vlit_mix64(hv) % (pool - 1));
    if (c >= a)
        c++;
    head *h = get_head(r, v, a, c, err);
    if (!h)
        return VLIT_ERR_NOMEM;
    char *clue = NULL;
    vlit_status st = vlit_clue_render(r->tmpl, rec, VLIT_BOXES_NORM, &clue, err);
    if (st)
        return st;
    size_t n = strlen(clue);
    while (n && (clue[n - 1] == '\n' || clue[n - 1] == ' '))
        clue[--n] = '\0';
    vlit_buf *user = &r->user;
    vlit_buf_clear(user);
    st = vlit_buf_append(user, clue, n);
    free(clue);
    if (!st && v == VLIT_SI_REGION)
        append_region(user, region);
    vlit_buf_clear(b);
    if (!st)
        st = vlit_buf_reserve(b, h->len + 2 * user->len + 128);
    if (!st)
        st = vlit_buf_append(b, h->text, h->len);
    if (!st)
        st = message(b, "user", user->data ? user->data : "", 0);
    if (!st)
        st = vlit_buf_append(b, r->end.data, r->end.len);
    if (!st && rs_hasher_key(h->hash, b->data + h->len, b->len - h->len, key))
        st = VLIT_ERR_NOMEM;
    if (st)
        return vlit_err(err, st, "out of memory");
    *hd = h;
    return VLIT_OK;
}

/* Notes what the samples of a request need (see request_note). */
static vlit_status note_request(si_run *r, const vlit_clue_record *rec, int v, rs_id id)
{
    request_note n;
    memset(&n, 0, sizeof n);
    n.id = id;
    n.variant = v;
    if (v == VLIT_SI_REGION)
        n.has_region = record_region(r->p, rec, n.region);
    n.width = rec->width;
    n.height = rec->height;
    size_t id_len = strlen(rec->id), image_len = rec->image ? strlen(rec->image) : 0;
    n.id_len = (uint32_t)id_len;
    n.image_len = rec->image ? (int32_t)image_len : -1;
    if (id_len > UINT32_MAX / 2 || image_len > INT32_MAX / 2 || fwrite(&n, sizeof n, 1, r->keys) != 1 ||
        fwrite(rec->id, 1, id_len, r->keys) != id_len ||
        fwrite(rec->image ? rec->image : "", 1, image_len, r->keys) != image_len)
        return vlit_err(&r->jerr, VLIT_ERR_IO, "writing a temporary file: %s", strerror(errno));
    if (r->n_notes / 8 >= r->finished_cap) {
        size_t cap = r->finished_cap ? 2 * r->finished_cap : 4096;
        unsigned char *grown = realloc(r->finished, cap);
        if (!grown)
            return vlit_err(&r->jerr, VLIT_ERR_NOMEM, "out of memory");
        memset(grown + r->finished_cap, 0, cap - r->finished_cap);
        r->finished = grown;
        r->finished_cap = cap;
    }
    r->n_notes++;
    return VLIT_OK;
}

static void set_finished(si_run *r, size_t note)
{
    r->finished[note / 8] |= (unsigned char)(1u << (note % 8));
}

/* Journal thread: a job from the free list, or a new one. */
static job *get_job(si_run *r)
{
    job *j = r->free_jobs;
    if (j) {
        r->free_jobs = j->next;
        return j;
    }
    if (!(j = calloc(1, sizeof *j)))
        return NULL;
    j->all = r->all_jobs;
    r->all_jobs = j;
    return j;
}

/* Journal thread: back to the free list, buffers kept. */
static void put_job(si_run *r, job *j)
{
    j->next = r->free_jobs;
    r->free_jobs = j;
}

/* Journal thread: the next request that the store does not have as done,
 * recorded (not yet committed); NULL at the end of the clues or on an error
 * (r->st). */
static job *make_request(si_run *r)
{
    job *j = get_job(r);
    if (!j) {
        r->st = vlit_err(&r->jerr, VLIT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    while (!r->st) {
        if (!r->rec || r->next_variant >= VLIT_SI_VARIANT_COUNT) {
            vlit_status st;
            do {
                st = vlit_clue_reader_next(r->reader, &r->rec, &r->jerr);
            } while (st == VLIT_OK && r->p->shard_count > 1 &&
                     vlit_hash(r->rec->id, strlen(r->rec->id)) % r->p->shard_count != r->p->shard_index);
            if (st) {
                if (st != VLIT_END)
                    r->st = st;
                r->rec = NULL;
                break;
            }
            r->sum->records++;
            r->next_variant = 0;
        }
        int v = r->next_variant++;
        unsigned variants = r->p->variants ? r->p->variants : 1u;
        if (!(variants >> v & 1u))
            continue;
        int skip;
        head *h = NULL;
        if ((r->st = build_request(r, r->rec, v, &j->body, &skip, &h, j->key, &r->jerr)))
            break;
        if (skip)
            continue;
        r->sum->requests++;
        rs_state state;
        if ((r->st = rs_find(r->store, j->key, &state, &j->id, &r->jerr)))
            break;
        if (state == RS_DONE) {
            r->sum->from_store++;
            if ((r->st = note_request(r, r->rec, v, j->id)))
                break;
            set_finished(r, r->n_notes - 1);
            continue;
        }
        if ((!j->id && (r->st = rs_add_request_head(r->store, j->key, r->rec->id, variant_names[v], j->body.data,
                                                    h->len, rs_hasher_prefix_key(h->hash), &j->id, &r->jerr))) ||
            (r->st = note_request(r, r->rec, v, j->id)))
            break;
        j->note = r->n_notes - 1;
        r->sent++;
        return j;
    }
    put_job(r, j);
    return NULL;
}

/* Journal thread: parses a chat completion reply and stores all its
 * completions at once; an unreadable reply marks the request failed.
 * Returns 1 when the reply was unreadable. */
static int store_reply(si_run *r, const job *j)
{
    vlit_arena *a = &r->reply_arena;
    vlit_arena_reset(a);
    si_reply reply;
    char why[VLIT_ERRMSG_MAX + 64];
    if (si_parse_reply(j->reply.data ? j->reply.data : "", j->reply.len, a, &reply, why, sizeof why)) {
        snprintf(r->last_failure, sizeof r->last_failure, "%s", why);
        r->st = rs_fail_id(r->store, j->id, j->attempts, why, &r->jerr);
        r->failed++;
        return 1;
    }
    rs_completion *c = vlit_arena_alloc(a, reply.n * sizeof *c);
    for (size_t i = 0; c && i < reply.n; i++)
        c[i] = (rs_completion){reply.content[i], reply.parsed[i], reply.parse_error[i]};
    if (!c) {
        r->st = vlit_err(&r->jerr, VLIT_ERR_NOMEM, "out of memory");
    } else if (!(r->st = rs_finish_id(r->store, j->id, c, reply.n, reply.prompt_tokens, reply.completion_tokens,
                                      &r->jerr))) {
        r->sum->prompt_tokens += reply.prompt_tokens;
        r->sum->completion_tokens += reply.completion_tokens;
        r->done++;
    }
    return 0;
}

/* Journal thread: stores a reply, or the failure; returns 1 when an ok reply
 * turned out unreadable. */
static int store(si_run *r, const job *j)
{
    set_finished(r, j->note);
    if (j->ok)
        return store_reply(r, j);
    char why[HTTP_ERROR_MAX + 32];
    snprintf(why, sizeof why, "%s after %d attempts", j->error[0] ? j->error : "failed", j->attempts);
    snprintf(r->last_failure, sizeof r->last_failure, "%s", why);
    r->st = rs_fail_id(r->store, j->id, j->attempts, why, &r->jerr);
    r->failed++;
    return 0;
}

static vlit_status write_ready(si_run *r);

static void wake_network(si_run *r)
{
    uint64_t one = 1;
    ssize_t n = write(r->wake_fd, &one, sizeof one);
    (void)n; /* a full counter means the network thread is already woken */
}

static void *journal_main(void *arg)
{
    si_run *r = arg;
    job_queue made = {NULL, NULL, 0};
    int idle_done = 0; /* rs_idle was called since the last piece of work */
    pthread_mutex_lock(&r->lock);
    for (;;) {
        int produce = !r->exhausted && !r->stop && !r->st && r->ready.len < r->low;
        if (!r->replies.len && !r->net_done && !produce) {
            if (!r->st && !idle_done) {
                /* nothing to do: a good moment for the store's upkeep */
                int closing = r->exhausted || r->stop; /* only replies are left to come */
                pthread_mutex_unlock(&r->lock);
                r->st = rs_idle(r->store, closing, &r->jerr);
                pthread_mutex_lock(&r->lock);
                idle_done = 1;
                if (r->st) {
                    r->stop = 1;
                    if (r->starved) {
                        r->starved = 0;
                        wake_network(r);
                    }
                }
                continue;
            }
            pthread_cond_wait(&r->work, &r->lock);
            continue;
        }
        idle_done = 0;
        job_queue got = r->replies;
        memset(&r->replies, 0, sizeof r->replies);
        /* made one round of the slots at most at a time, so that a turn
         * (which holds the commit of the replies it stores) is never long */
        size_t want = produce ? r->high - r->ready.len : 0;
        if (want > r->slots)
            want = r->slots;
        size_t n_got = got.len;
        int last = r->net_done; /* the network thread has handed over everything */
        pthread_mutex_unlock(&r->lock);

        size_t unreadable = 0;
        job *j;
        while ((j = pop_job(&got))) {
            if (!r->st)
                unreadable += store(r, j);
            put_job(r, j);
        }
        int end = 0;
        while (made.len < want && !r->st) {
            if (!(j = make_request(r))) {
                end = !r->st;
                break;
            }
            push_job(&made, j);
        }
        /* the requests made are sent only once this commit is done, and
         * the completions stored are used (written) only after it */
        if (!r->st)
            r->st = rs_commit(r->store, &r->jerr);
        if (!r->st)
            r->st = write_ready(r);
        if (r->st) {
            r->sent -= made.len;
            while ((j = pop_job(&made)))
                put_job(r, j);
        }

        pthread_mutex_lock(&r->lock);
        r->unreadable += unreadable;
        if (r->st)
            r->stop = 1;
        else
            r->open -= n_got; /* their replies are committed: their slots may be used again */
        int more = made.len > 0 || n_got > 0;
        join_jobs(&r->ready, &made);
        if (end)
            r->exhausted = 1;
        if (r->starved && (more || r->exhausted || r->stop)) {
            r->starved = 0;
            wake_network(r);
        }
        note_progress(r);
        if (last)
            break;
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* http_next_fn (network thread): a committed request, "none yet", or the end. */
static int next_request(void *ctx, const char **body, void **user)
{
    si_run *r = ctx;
    int got;
    pthread_mutex_lock(&r->lock);
    if (!r->stop && budget_spent(r)) {
        r->budget_spent = 1;
        r->stop = 1;
        pthread_cond_signal(&r->work);
    }
    if (r->stop || r->nomem) {
        got = 0;
    } else if (r->ready.len && r->open < r->slots) {
        job *j = pop_job(&r->ready);
        r->open++;
        if (r->ready.len + 1 == r->low && !r->exhausted)
            pthread_cond_signal(&r->work); /* just went below the low mark */
        *body = j->body.data;
        *user = j;
        got = 1;
    } else if (!r->ready.len && r->exhausted) {
        got = 0;
    } else {
        r->starved = 1;
        pthread_cond_signal(&r->work);
        got = -1;
    }
    pthread_mutex_unlock(&r->lock);
    return got;
}

/* http_done_fn (network thread): the reply is copied into the job for the
 * journal thread, which gets it at the end of this turn of the loop. */
static void on_done(void *ctx, void *user, const http_result *res)
{
    si_run *r = ctx;
    job *j = user;
    j->ok = res->ok;
    j->attempts = res->attempts;
    snprintf(j->error, sizeof j->error, "%s", !res->ok && res->error ? res->error : "");
    vlit_buf_clear(&j->reply);
    if (res->ok && vlit_buf_append(&j->reply, res->body, res->body_len)) {
        /* stored as failed, so that the next run asks again */
        j->ok = 0;
        snprintf(j->error, sizeof j->error, "out of memory: the reply could not be kept");
        r->nomem = 1;
    }
    if (j->ok)
        r->net_ok++;
    else
        r->net_failed++;
    push_job(&r->gathered, j);
}

/* Network thread, once per turn of the event loop (http_params.commit) and
 * at the end: hands the replies over, and runs the caller's callbacks. */
static vlit_status hand_over(void *ctx, vlit_error *err)
{
    (void)err;
    si_run *r = ctx;
    skip_list skips = {NULL, 0, 0};
    vlit_si_progress pr;
    int report = 0;
    pthread_mutex_lock(&r->lock);
    if (r->gathered.len) {
        join_jobs(&r->replies, &r->gathered);
        pthread_cond_signal(&r->work);
    }
    if (r->skips.len) {
        skips = r->skips;
        memset(&r->skips, 0, sizeof r->skips);
    }
    if (r->progress_seq != r->progress_seen) {
        r->progress_seen = r->progress_seq;
        pr = r->progress;
        report = 1;
    }
    pthread_mutex_unlock(&r->lock);
    for (size_t i = 0; i < skips.len; i++) {
        if (r->p->on_skip)
            r->p->on_skip(r->p->ctx, skips.items[i]);
        free(skips.items[i]);
    }
    free(skips.items);
    if (report && r->p->on_progress)
        r->p->on_progress(r->p->ctx, &pr);
    return VLIT_OK;
}

/* ---- samples from the store ------------------------------------------------------- */

/* What write_completion needs of the request. */
typedef struct writing {
    si_run *r;
    const request_note *note;
    const char *record_id, *image;
    vlit_status st;
} writing;

static void write_completion(void *ctx, size_t idx, const rs_completion *c)
{
    writing *wr = ctx;
    si_run *r = wr->r;
    const request_note *n = wr->note;
    r->sum->completions++;
    if (!c->parsed) {
        r->sum->unparsed++;
        return;
    }
    if (wr->st)
        return;
    vlit_arena *a = &r->reply_arena;
    vlit_arena_reset(a);
    vlit_turn *turns;
    size_t nt;
    char why[256];
    if (si_parse_conversation(c->content, strlen(c->content), a, &turns, &nt, why, sizeof why) == VLIT_OK) {
        char id[512];
        snprintf(id, sizeof id, "%s_si_%s_%zu", wr->record_id, variant_names[n->variant], idx);
        const char *image = wr->image;
        vlit_sample s;
        memset(&s, 0, sizeof s);
        s.id = id;
        s.images = image ? &image : NULL;
        s.n_images = image ? 1 : 0;
        s.source = r->p->source ? r->p->source : "si";
        s.task = variant_names[n->variant];
        s.turns = turns;
        s.n_turns = nt;
        if (n->has_region && n->width > 0 && n->height > 0) {
            /* the sample's region is in pixels, [x, y, w, h] */
            s.has_region = 1;
            s.region[0] = n->region[0] * n->width;
            s.region[1] = n->region[1] * n->height;
            s.region[2] = (n->region[2] - n->region[0]) * n->width;
            s.region[3] = (n->region[3] - n->region[1]) * n->height;
        }
        s.mode = "si";
        s.variant = variant_names[n->variant];
        s.model = r->p->model;
        s.completion = (int)idx;
        if (!(wr->st = vlit_writer_write(r->w, &s, &r->jerr)))
            r->sum->samples++;
    }
}

/* The next note (header and names) read back from keys, at least need bytes
 * of it in r->notes from r->notes_pos on; 0 when they cannot be read. */
static int notes_have(si_run *r, size_t need)
{
    if (r->notes_pos + need <= r->notes.len)
        return 1;
    size_t want = need > 65536 ? need : 65536;
    vlit_buf_clear(&r->notes);
    if (vlit_buf_reserve(&r->notes, want))
        return 0;
    r->notes_at = r->written_at;
    r->notes_pos = 0;
    int fd = fileno(r->keys);
    while (r->notes.len < want) {
        ssize_t got = pread(fd, r->notes.data + r->notes.len, want - r->notes.len,
                            (off_t)(r->notes_at + (long long)r->notes.len));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        r->notes.len += (size_t)got;
    }
    return r->notes.len >= need;
}

/* Journal thread, after a commit: the samples of the noted requests, in
 * their order, up to the first one not finished yet. A sample file thus
 * does not depend on the order in which answers came back, and a resumed
 * run writes exactly what an uninterrupted one would. */
static vlit_status write_ready(si_run *r)
{
    if (r->written == r->n_notes || !(r->finished[r->written / 8] >> (r->written % 8) & 1u))
        return VLIT_OK;
    if (fflush(r->keys))
        return vlit_err(&r->jerr, VLIT_ERR_IO, "writing a temporary file: %s", strerror(errno));
    while (r->written < r->n_notes && (r->finished[r->written / 8] >> (r->written % 8) & 1u)) {
        request_note n;
        if (!notes_have(r, sizeof n))
            return vlit_err(&r->jerr, VLIT_ERR_IO, "reading back a temporary file: %s", strerror(errno));
        memcpy(&n, r->notes.data + r->notes_pos, sizeof n);
        size_t image_len = n.image_len < 0 ? 0 : (size_t)n.image_len, size = sizeof n + n.id_len + image_len;
        if (!notes_have(r, size))
            return vlit_err(&r->jerr, VLIT_ERR_IO, "reading back a temporary file: cut short");
        /* record id and image, NUL-terminated */
        const char *from = r->notes.data + r->notes_pos + sizeof n;
        vlit_buf_clear(&r->names);
        if (vlit_buf_reserve(&r->names, n.id_len + image_len + 2))
            return vlit_err(&r->jerr, VLIT_ERR_NOMEM, "out of memory");
        memcpy(r->names.data, from, n.id_len);
        r->names.data[n.id_len] = '\0';
        memcpy(r->names.data + n.id_len + 1, from + n.id_len, image_len);
        r->names.data[n.id_len + 1 + image_len] = '\0';
        writing wr = {r, &n, r->names.data, n.image_len < 0 ? NULL : r->names.data + n.id_len + 1, VLIT_OK};
        vlit_status st = rs_completions_id(r->store, n.id, write_completion, &wr, &r->jerr);
        if (st || (st = wr.st))
            return st;
        r->notes_pos += size;
        r->written_at += (long long)size;
        r->written++;
    }
    return VLIT_OK;
}

/* Journal thread: a skipped clue record, reported on the caller's thread. */
static void skip_note(void *ctx, const char *message)
{
    si_run *r = ctx;
    if (!r->p->on_skip)
        return;
    char *m = strdup(message);
    pthread_mutex_lock(&r->lock);
    if (m && r->skips.len == r->skips.cap) {
        size_t cap = r->skips.cap ? 2 * r->skips.cap : 16;
        char **grown = realloc(r->skips.items, cap * sizeof *grown);
        if (grown) {
            r->skips.items = grown;
            r->skips.cap = cap;
        }
    }
    if (m && r->skips.len < r->skips.cap)
        r->skips.items[r->skips.len++] = m;
    else
        free(m); /* out of memory: the message is lost, the count in the summary is not */
    pthread_mutex_unlock(&r->lock);
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
    r.wake_fd = -1;
    vlit_arena_init(&r.reply_arena, 0);
    int sync_made = 0;
    unsigned variants = p->variants ? p->variants : 1u;
    vlit_status st = prompts_load(p->prompts_dir, variants, &r.pr, err);
    if (!st)
        st = vlit_clue_template_load(p->clue_template, &r.tmpl, err);
    if (!st)
        st = rs_open(p->store_path, &r.store, err);
    if (!st)
        st = vlit_clue_reader_open(clues_path, p->skip_bad, &r.reader, err);
    if (!st && ((st = vlit_buf_printf(&r.end, "],\"n\":%d,\"temperature\":", p->n)) ||
                (st = vj_write_num(&r.end, p->temperature)) ||
                (st = vlit_buf_printf(&r.end, ",\"max_tokens\":%d}", p->max_tokens))))
        st = vlit_err(err, st, "out of memory");
    if (!st && !(r.keys = tmpfile()))
        st = vlit_err(err, VLIT_ERR_IO, "cannot create a temporary file: %s", strerror(errno));
    if (!st)
        st = vlit_writer_open(out_path, fmt, &r.w, err); /* made final only when the run succeeds */
    int conc = p->concurrency > 0 ? p->concurrency : 8;
    /* Requests made ahead: between one and two rounds of the slots. Between
     * two commits the network thread can start at most one round (a slot
     * is used again only once its reply is committed), so that is enough. */
    r.high = 2 * (size_t)conc;
    r.low = (size_t)conc;
    r.slots = (size_t)conc;
    if (!st && (r.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
        st = vlit_err(err, VLIT_ERR_IO, "eventfd: %s", strerror(errno));
    if (!st) {
        if (pthread_mutex_init(&r.lock, NULL))
            st = vlit_err(err, VLIT_ERR_NOMEM, "cannot make a lock");
        else if (pthread_cond_init(&r.work, NULL)) {
            pthread_mutex_destroy(&r.lock);
            st = vlit_err(err, VLIT_ERR_NOMEM, "cannot make a lock");
        } else {
            sync_made = 1;
        }
    }
    if (st)
        goto out;
    vlit_clue_reader_on_skip(r.reader, skip_note, &r);
    http_params hp = http_default_params();
    char url[2048];
    size_t n = strlen(p->url);
    snprintf(url, sizeof url, "%.*s/chat/completions", (int)(n && p->url[n - 1] == '/' ? n - 1 : n), p->url);
    hp.url = url;
    hp.api_key = p->api_key;
    hp.concurrency = conc;
    hp.max_attempts = p->max_attempts;
    hp.timeout_s = p->timeout_s;
    hp.seed = p->seed;
    hp.commit = hand_over;
    hp.refill_min = 1; /* requests are journaled ahead: a free slot is filled at once */
    hp.wake_fd = r.wake_fd;
    pthread_t journal;
    if (pthread_create(&journal, NULL, journal_main, &r)) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "cannot start a thread");
        goto out;
    }
    http_stats hs;
    st = http_run(&hp, next_request, on_done, &r, &hs, err);
    hand_over(&r, NULL);
    pthread_mutex_lock(&r.lock);
    r.net_done = 1;
    r.stop = 1;
    pthread_cond_signal(&r.work);
    pthread_mutex_unlock(&r.lock);
    pthread_join(journal, NULL);
    hand_over(&r, NULL); /* the last skips and progress */
    /* requests made ahead but not sent stay pending in the store */
    r.sent -= r.ready.len;
    summary->sent = r.sent;
    if (!st && r.st) {
        st = r.st;
        if (err)
            *err = r.jerr;
    }
    if (!st && r.nomem)
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    summary->skipped = vlit_clue_reader_skipped(r.reader);
    summary->failed = r.failed;
    if (!st && r.budget_spent)
        st = vlit_err(err, VLIT_ERR_REMOTE,
                      "stopped: %zu of %zu finished requests failed after their retries, over the error budget (last: %s); "
                      "what was done is kept in the run store %s, and running again resumes",
                      r.failed, r.failed + r.done, r.last_failure, p->store_path);
    if (!st && r.written != r.n_notes)
        st = vlit_err(err, VLIT_ERR_IO, "%zu of %zu requests were not finished at the end of the run",
                      r.n_notes - r.written, r.n_notes);
    if (!st) {
        st = vlit_writer_commit(r.w, err);
        r.w = NULL;
    }
out:
    vlit_writer_abort(r.w);
    while (r.all_jobs) {
        job *j = r.all_jobs;
        r.all_jobs = j->all;
        vlit_buf_free(&j->body);
        vlit_buf_free(&j->reply);
        free(j);
    }
    for (size_t i = 0; i < r.skips.len; i++)
        free(r.skips.items[i]);
    free(r.skips.items);
    if (sync_made) {
        pthread_cond_destroy(&r.work);
        pthread_mutex_destroy(&r.lock);
    }
    if (r.wake_fd >= 0)
        close(r.wake_fd);
    if (r.keys)
        fclose(r.keys);
    vlit_clue_reader_close(r.reader);
    rs_close(r.store);
    vlit_clue_template_free(r.tmpl);
    heads_free(&r);
    vlit_buf_free(&r.user);
    vlit_buf_free(&r.end);
    vlit_buf_free(&r.notes);
    vlit_buf_free(&r.names);
    free(r.finished);
    vlit_arena_free(&r.reply_arena);
    prompts_free(&r.pr);
    return st;
}
