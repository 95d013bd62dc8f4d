/* The scoring driver: samples in, one line of scores per sample out.
 *
 * Samples are read in batches of BATCH, copied into the batch's arena, and
 * turned into score_items (texts, clue record, image path). Each selected
 * method's prepare() sees the whole batch (backends send their requests
 * there), then worker threads score the items (each thread takes the next
 * unscored item), and the batch is written in input order. Memory is bounded
 * by the batch, the clue records and the models, not by the input. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/json.h"
#include "../base/strmap.h"
#include "clue_index.h"
#include "indicator.h"

#define BATCH 1024
#define MAX_SELECTED 64
#define MAX_THREADS 64

vlit_score_params vlit_score_default_params(void)
{
    vlit_score_params p;
    memset(&p, 0, sizeof p);
    p.temperature = -1;
    p.max_failed = -1;
    p.shard_count = 1;
    return p;
}

/* ---- which methods ------------------------------------------------------ */

typedef struct selected {
    const score_method *m;
    void *state;
} selected;

static const score_method *find_method(const char *name, size_t nlen, const char *method, size_t mlen)
{
    for (size_t i = 0; i < score_method_count; i++) {
        const vlit_indicator_info *in = &score_methods[i]->info;
        if (strlen(in->name) != nlen || memcmp(in->name, name, nlen) != 0)
            continue;
        if (!method && in->embedded) /* the first embedded method is the default */
            return score_methods[i];
        if (!method)
            continue;
        if (strlen(in->method) == mlen && memcmp(in->method, method, mlen) == 0)
            return score_methods[i];
    }
    return NULL;
}

static vlit_status select_methods(const char *spec, const score_method **out, size_t *n, vlit_error *err)
{
    *n = 0;
    if (!spec || !*spec) {
        /* every indicator with an embedded method, the first one listed */
        for (size_t i = 0; i < score_method_count; i++) {
            const vlit_indicator_info *in = &score_methods[i]->info;
            int taken = !in->embedded;
            for (size_t k = 0; k < *n && !taken; k++)
                taken = strcmp(out[k]->info.name, in->name) == 0;
            if (taken)
                continue;
            if (*n == MAX_SELECTED)
                return vlit_err(err, VLIT_ERR_LIMIT, "more than %d indicators", MAX_SELECTED);
            out[(*n)++] = score_methods[i];
        }
        return VLIT_OK;
    }
    for (const char *p = spec; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        size_t nlen = colon ? (size_t)(colon - p) : len;
        const score_method *m =
            find_method(p, nlen, colon ? colon + 1 : NULL, colon ? len - nlen - 1 : 0);
        if (len == 0)
            return vlit_err(err, VLIT_ERR_USAGE, "--indicators: empty name in \"%s\"", spec);
        if (!m && !colon)
            for (size_t i = 0; i < score_method_count; i++)
                if (strlen(score_methods[i]->info.name) == len && memcmp(score_methods[i]->info.name, p, len) == 0)
                    return vlit_err(err, VLIT_ERR_USAGE,
                                    "--indicators: %s has no embedded method; name one of its methods as %s:%s",
                                    score_methods[i]->info.name, score_methods[i]->info.name,
                                    score_methods[i]->info.method);
        if (!m)
            return vlit_err(err, VLIT_ERR_USAGE,
                            "--indicators: no indicator%s \"%.*s\" (vlit score --list shows them)",
                            colon ? " with method" : "", (int)len, p);
        for (size_t i = 0; i < *n; i++)
            if (strcmp(out[i]->info.name, m->info.name) == 0)
                return vlit_err(err, VLIT_ERR_USAGE, "--indicators: %s is listed twice", m->info.name);
        if (*n == MAX_SELECTED)
            return vlit_err(err, VLIT_ERR_LIMIT, "more than %d indicators", MAX_SELECTED);
        out[(*n)++] = m;
        if (!comma)
            break;
        p = comma + 1;
    }
    return VLIT_OK;
}

/* ---- items ---------------------------------------------------------------- */

static char *copy_str(vlit_arena *a, const char *s) { return s ? vlit_arena_strdup(a, s) : NULL; }

static int is_role(const char *role, const char *a, const char *b)
{
    return role && (strcmp(role, a) == 0 || (b && strcmp(role, b) == 0));
}

/* Appends text to b with every "<image>" placeholder (and the newline after
 * it) removed, and trims the result's leading blanks. */
static vlit_status append_without_image_tokens(vlit_buf *b, const char *text)
{
    vlit_status st = VLIT_OK;
    while (*text && !st) {
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

static const char *join_turns(vlit_arena *a, vlit_buf *tmp, const vlit_sample *s, int user)
{
    vlit_buf_clear(tmp);
    for (size_t i = 0; i < s->n_turns; i++) {
        const char *role = s->turns[i].role;
        int mine = user ? is_role(role, "user", "human") : is_role(role, "assistant", "gpt");
        if (!mine)
            continue;
        if (tmp->len && vlit_buf_putc(tmp, '\n'))
            return NULL;
        if (append_without_image_tokens(tmp, s->turns[i].text))
            return NULL;
    }
    return vlit_arena_strndup(a, tmp->data ? tmp->data : "", tmp->len);
}

static int path_escapes(const char *name)
{
    if (name[0] == '/')
        return 1;
    for (const char *p = name; *p;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        if (!slash)
            break;
        p = slash + 1;
    }
    return 0;
}

/* Copies the sample into the arena (it must outlive the reader's next call). */
static vlit_sample *copy_sample(vlit_arena *a, const vlit_sample *s)
{
    vlit_sample *c = vlit_arena_alloc(a, sizeof *c);
    if (!c)
        return NULL;
    *c = *s;
    c->id = copy_str(a, s->id);
    c->source = copy_str(a, s->source);
    c->task = copy_str(a, s->task);
    c->mode = copy_str(a, s->mode);
    c->variant = copy_str(a, s->variant);
    c->model = copy_str(a, s->model);
    c->extra_json = NULL;
    const char **images = s->n_images ? vlit_arena_alloc(a, s->n_images * sizeof *images) : NULL;
    vlit_turn *turns = s->n_turns ? vlit_arena_alloc(a, s->n_turns * sizeof *turns) : NULL;
    if ((s->n_images && !images) || (s->n_turns && !turns) || (s->id && !c->id))
        return NULL;
    for (size_t i = 0; i < s->n_images; i++)
        if (!(images[i] = copy_str(a, s->images[i])))
            return NULL;
    for (size_t i = 0; i < s->n_turns; i++) {
        turns[i].role = copy_str(a, s->turns[i].role);
        turns[i].text = copy_str(a, s->turns[i].text);
        if (!turns[i].text)
            return NULL;
    }
    c->images = images;
    c->turns = turns;
    return c;
}

enum { PLAN_SCORE = -1, PLAN_DONE = -2 };

typedef struct image_cache {
    int on;
    vlit_strmap index; /* image path -> slot in values */
    score_value *values;
    size_t n, cap;
} image_cache;

typedef struct run {
    const vlit_score_params *p;
    const char *samples_path;
    clue_index *clues;
    selected sel[MAX_SELECTED];
    size_t n_sel;
    /* the batch */
    vlit_arena arena;
    vlit_buf tmp;
    score_item items[BATCH];
    score_memo memos[BATCH];
    score_value *values; /* BATCH x n_sel */
    size_t n_items;
    atomic_size_t next;
    /* threads */
    unsigned n_threads;
    void *scratch[MAX_THREADS][MAX_SELECTED];
    /* Methods that read the image alone are run once per image: their
     * values are kept by image path (cache) and copied to later samples of
     * the same image (plan: PLAN_SCORE, PLAN_DONE, or the item to copy). */
    image_cache cache[MAX_SELECTED];
    long *plan; /* BATCH x n_sel */
} run;

static vlit_status make_item(run *r, const vlit_sample *s, size_t index, score_item *it, vlit_error *err)
{
    vlit_arena *a = &r->arena;
    memset(it, 0, sizeof *it);
    it->index = index;
    it->memo = &r->memos[it - r->items];
    if (!(it->sample = copy_sample(a, s)) || !(it->instruction = join_turns(a, &r->tmp, s, 1)) ||
        !(it->response = join_turns(a, &r->tmp, s, 0)))
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: record %zu: out of memory", r->samples_path, index + 1);
    if (s->n_images == 0) {
        it->image_problem = "the sample has no image";
        return VLIT_OK;
    }
    const char *image = it->sample->images[0];
    it->clue = clue_index_find(r->clues, image);
    if (path_escapes(image)) {
        it->image_problem = "the image path escapes the image root";
        return VLIT_OK;
    }
    const char *root = r->p->image_root ? r->p->image_root : ".";
    size_t len = strlen(root) + strlen(image) + 2;
    char *path = vlit_arena_alloc(a, len);
    if (!path)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: record %zu: out of memory", r->samples_path, index + 1);
    snprintf(path, len, "%s/%s", root, image);
    it->image_path = path;
    return VLIT_OK;
}

/* ---- threads ---------------------------------------------------------------- */

typedef struct worker {
    run *r;
    unsigned t;
} worker;

static void score_one(run *r, unsigned t, size_t i)
{
    for (size_t k = 0; k < r->n_sel; k++) {
        if (r->plan[i * r->n_sel + k] != PLAN_SCORE)
            continue;
        score_value *v = &r->values[i * r->n_sel + k];
        memset(v, 0, sizeof *v);
        const score_method *m = r->sel[k].m;
        m->score(r->sel[k].state, r->scratch[t][k], &r->items[i], v);
    }
}

static void *work(void *arg)
{
    worker *w = arg;
    run *r = w->r;
    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= r->n_items)
            break;
        score_one(r, w->t, i);
    }
    return NULL;
}

static void score_batch(run *r)
{
    atomic_store(&r->next, 0);
    unsigned n = r->n_threads;
    if (n > r->n_items)
        n = (unsigned)r->n_items;
    pthread_t tid[MAX_THREADS];
    worker w[MAX_THREADS];
    unsigned started = 0;
    for (unsigned t = 1; t < n; t++) {
        w[t] = (worker){r, t};
        if (pthread_create(&tid[t], NULL, work, &w[t]) != 0)
            break; /* fewer threads: the ones we have do the work */
        started = t;
    }
    w[0] = (worker){r, 0};
    work(&w[0]);
    for (unsigned t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
}

/* ---- output ------------------------------------------------------------------- */

static vlit_status write_item(run *r, vlit_buf *b, size_t i, size_t *missing)
{
    const score_item *it = &r->items[i];
    vlit_status st = vlit_buf_printf(b, "{\"index\":%zu,\"id\":", it->index);
    if (!st)
        st = it->sample->id ? vj_write_cstr(b, it->sample->id) : vlit_buf_puts(b, "null");
    if (!st && it->sample->n_images) {
        st = vlit_buf_puts(b, ",\"image\":");
        if (!st)
            st = vj_write_cstr(b, it->sample->images[0]);
    }
    if (!st)
        st = vlit_buf_puts(b, ",\"scores\":{");
    for (size_t k = 0; k < r->n_sel && !st; k++) {
        const score_value *v = &r->values[i * r->n_sel + k];
        const vlit_indicator_info *in = &r->sel[k].m->info;
        st = vlit_buf_printf(b, "%s\"%s\":{\"method\":\"%s\"", k ? "," : "", in->name, in->method);
        if (!st && v->missing) {
            (*missing)++;
            st = vlit_buf_puts(b, ",\"missing\":");
            if (!st)
                st = vj_write_cstr(b, v->reason[0] ? v->reason : "no reason given");
        } else if (!st) {
            st = vlit_buf_puts(b, ",\"value\":");
            if (!st)
                st = vj_write_num(b, v->value);
            for (size_t e = 0; e < v->n_extra && !st; e++) {
                st = vlit_buf_printf(b, ",\"%s\":", v->extra[e].name);
                if (!st)
                    st = vj_write_num(b, v->extra[e].value);
            }
        }
        if (!st)
            st = vlit_buf_putc(b, '}');
    }
    if (!st)
        st = vlit_buf_puts(b, "}}\n");
    return st;
}

/* ---- the run ------------------------------------------------------------------ */

static void skip_sample(void *ctx, const vlit_error *why)
{
    const vlit_score_params *p = ctx;
    if (p->on_skip)
        p->on_skip(p->ctx, why->message);
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static void free_memos(run *r);

static void close_all(run *r)
{
    free_memos(r);
    for (size_t k = 0; k < r->n_sel; k++) {
        const score_method *m = r->sel[k].m;
        for (unsigned t = 0; t < r->n_threads; t++)
            if (m->scratch_free && r->scratch[t][k])
                m->scratch_free(r->scratch[t][k]);
        if (m->close && r->sel[k].state)
            m->close(r->sel[k].state);
    }
    clue_index_free(r->clues);
    vlit_arena_free(&r->arena);
    vlit_buf_free(&r->tmp);
    free(r->values);
    free(r->plan);
    for (size_t k = 0; k < MAX_SELECTED; k++)
        if (r->cache[k].on) {
            vlit_strmap_free(&r->cache[k].index);
            free(r->cache[k].values);
        }
}

static void note(const vlit_score_params *p, const char *msg)
{
    if (p->on_note)
        p->on_note(p->ctx, msg);
}

static void free_memos(run *r)
{
    for (size_t i = 0; i < r->n_items; i++) {
        score_memo *m = &r->memos[i];
        for (int k = 0; k < SCORE_MEMO_SLOTS; k++)
            if (m->slot[k] && m->free_slot[k])
                m->free_slot[k](m->slot[k]);
        memset(m, 0, sizeof *m);
    }
}

/* Decides which values are computed: for an image-only method, the first
 * sample of an image not seen before; the others copy. */
static int plan_batch(run *r)
{
    for (size_t k = 0; k < r->n_sel; k++) {
        image_cache *c = &r->cache[k];
        for (size_t i = 0; i < r->n_items; i++) {
            long *plan = &r->plan[i * r->n_sel + k];
            const char *path = r->items[i].image_path;
            *plan = PLAN_SCORE;
            if (!c->on || !path)
                continue;
            int inserted;
            uint32_t *slot = vlit_strmap_put(&c->index, path, strlen(path), (uint32_t)(c->n + i), &inserted, NULL);
            if (!slot)
                return -1;
            if (inserted)
                continue; /* (c->n + i: a provisional slot, fixed in finish_batch) */
            if (*slot >= c->n) {
                *plan = (long)(*slot - c->n); /* an earlier item of this batch */
            } else {
                r->values[i * r->n_sel + k] = c->values[*slot];
                *plan = PLAN_DONE;
            }
        }
    }
    return 0;
}

/* Copies values to the later samples of an image and keeps the new ones. */
static int finish_batch(run *r)
{
    for (size_t k = 0; k < r->n_sel; k++) {
        image_cache *c = &r->cache[k];
        if (!c->on)
            continue;
        size_t base = c->n;
        for (size_t i = 0; i < r->n_items; i++) {
            long plan = r->plan[i * r->n_sel + k];
            const char *path = r->items[i].image_path;
            if (plan >= 0)
                r->values[i * r->n_sel + k] = r->values[(size_t)plan * r->n_sel + k];
            if (plan != PLAN_SCORE || !path)
                continue;
            if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 4096;
                score_value *v = realloc(c->values, cap * sizeof *v);
                if (!v)
                    return -1;
                c->values = v;
                c->cap = cap;
            }
            c->values[c->n] = r->values[i * r->n_sel + k];
            uint32_t *slot = vlit_strmap_get(&c->index, path, strlen(path));
            if (slot && *slot == base + i)
                *slot = (uint32_t)c->n;
            c->n++;
        }
    }
    return 0;
}

static vlit_status flush_batch(run *r, FILE *fp, vlit_buf *line, vlit_score_summary *sum, vlit_error *err)
{
    for (size_t k = 0; k < r->n_sel; k++) {
        const score_method *m = r->sel[k].m;
        if (m->prepare) {
            vlit_status st = m->prepare(r->sel[k].state, r->items, r->n_items, err);
            if (st)
                return st;
        }
    }
    if (plan_batch(r))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    score_batch(r);
    if (finish_batch(r))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n_items; i++) {
        vlit_buf_clear(line);
        if (write_item(r, line, i, &sum->missing))
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory writing scores");
        if (fwrite(line->data, 1, line->len, fp) != line->len)
            return vlit_err(err, VLIT_ERR_IO, "cannot write scores");
    }
    sum->samples += r->n_items;
    free_memos(r);
    r->n_items = 0;
    vlit_arena_reset(&r->arena);
    if (r->p->on_progress) {
        vlit_score_progress pr = {sum->samples, sum->missing};
        r->p->on_progress(r->p->ctx, &pr);
    }
    return VLIT_OK;
}

vlit_status vlit_score(const char *samples_path, vlit_format fmt, const vlit_score_params *params,
                       const char *out_path, vlit_score_summary *summary, vlit_error *err)
{
    vlit_score_summary sum_local;
    vlit_score_summary *sum = summary ? summary : &sum_local;
    memset(sum, 0, sizeof *sum);
    const vlit_score_params *p = params;
    unsigned shards = p->shard_count ? p->shard_count : 1;
    if (p->shard_index >= shards)
        return vlit_err(err, VLIT_ERR_USAGE, "shard %u/%u: index must be below the count", p->shard_index, shards);

    run *r = calloc(1, sizeof *r);
    if (!r)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    r->p = p;
    r->samples_path = samples_path;
    vlit_arena_init(&r->arena, 1 << 20);
    const score_method *chosen[MAX_SELECTED];
    size_t n_chosen = 0;
    vlit_status st = select_methods(p->indicators, chosen, &n_chosen, err);
    r->n_threads = p->threads ? (p->threads > MAX_THREADS ? MAX_THREADS : p->threads) : default_threads();
    if (!st && p->clues_path) {
        st = clue_index_load(p->clues_path, p->skip_bad, p->on_skip, p->ctx, &r->clues, err);
        if (!st) {
            char msg[256];
            snprintf(msg, sizeof msg, "%zu clue records read from %s", clue_index_size(r->clues), p->clues_path);
            note(p, msg);
            sum->skipped += clue_index_skipped(r->clues);
        }
    }
    for (size_t k = 0; k < n_chosen && !st; k++) {
        const score_method *m = chosen[k];
        if ((m->info.inputs & VLIT_NEEDS_CLUES) && !p->clues_path)
            note(p, "no --clues: indicators that compare with the annotations are marked missing");
        r->sel[k].m = m;
        r->n_sel = k + 1;
        st = m->open(p, &r->sel[k].state, err);
        for (unsigned t = 0; t < r->n_threads && !st && m->scratch_new; t++)
            if (!(r->scratch[t][k] = m->scratch_new(r->sel[k].state)))
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    sum->indicators = r->n_sel;
    if (!st && (!(r->values = calloc((size_t)BATCH * (r->n_sel ? r->n_sel : 1), sizeof *r->values)) ||
                !(r->plan = calloc((size_t)BATCH * (r->n_sel ? r->n_sel : 1), sizeof *r->plan))))
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < r->n_sel && !st; k++)
        if (r->sel[k].m->info.inputs == VLIT_NEEDS_IMAGE) {
            r->cache[k].on = 1;
            vlit_strmap_init(&r->cache[k].index);
        }
    if (st) {
        close_all(r);
        free(r);
        return st;
    }

    vlit_reader_params rp = vlit_reader_default_params();
    rp.skip_bad = p->skip_bad;
    rp.on_skip = skip_sample;
    rp.ctx = (void *)p;
    vlit_reader *rd = NULL;
    vlit_output *out = NULL;
    vlit_buf line = VLIT_BUF_INIT;
    st = vlit_reader_open(samples_path, fmt, &rp, &rd, err);
    if (!st)
        st = vlit_output_open(out_path, &out, err);
    const vlit_sample *s;
    size_t index = 0;
    while (!st && (st = vlit_reader_next(rd, &s, err)) == VLIT_OK) {
        size_t i = index++;
        if (shards > 1 && i % shards != p->shard_index)
            continue;
        score_item *it = &r->items[r->n_items];
        if ((st = make_item(r, s, i, it, err)))
            break;
        if (p->clues_path && s->n_images && !it->clue)
            sum->without_clue++;
        if (++r->n_items == BATCH)
            st = flush_batch(r, vlit_output_file(out), &line, sum, err);
    }
    if (st == VLIT_END)
        st = r->n_items ? flush_batch(r, vlit_output_file(out), &line, sum, err) : VLIT_OK;
    if (rd)
        sum->skipped += vlit_reader_skipped(rd);
    vlit_reader_close(rd);
    if (!st)
        st = vlit_output_commit(out, err);
    else
        vlit_output_abort(out);
    vlit_buf_free(&line);
    close_all(r);
    free(r);
    return st;
}
