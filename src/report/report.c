/* vlit report: the driver. Reads each dataset once (twice with --equalize:
 * a first pass counts the samples), and its scores and tags files alongside,
 * in position order; then the clue records once for the images used. What it
 * keeps is the state of report_internal.h; report_json.c finishes it. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../base/json.h"
#include "../base/lines.h"
#include "../score/wordnet.h"
#include "report_internal.h"
#include "vlit/collect.h"
#include "vlit/score.h"
#include "vlit/tasks.h"

vlit_report_params vlit_report_default_params(void)
{
    vlit_report_params p;
    memset(&p, 0, sizeof p);
    p.seed = 1;
    p.min_cluster = 2;
    p.min_weight = 1;
    p.text_method = "tfidf";
    p.text_dim = 128;
    p.eps_text = 0.5;
    p.min_samples_text = 5;
    p.image_method = "descriptor";
    p.eps_image = 0.1;
    p.min_samples_image = 5;
    p.threads = 2;
    return p;
}

vlit_status vlit_report_format_parse(const char *name, vlit_report_format *out)
{
    static const char *const names[] = {"table", "json", "html"};
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, names[i]) == 0) {
            *out = (vlit_report_format)i;
            return VLIT_OK;
        }
    return VLIT_ERR_USAGE;
}

/* ---- the state ---- */

static char *sdup(vlit_arena *a, const char *s)
{
    return s ? vlit_arena_strdup(a, s) : NULL;
}

vlit_status rp_run_init(rp_run *run, const vlit_report_params *p, vlit_error *err)
{
    memset(run, 0, sizeof *run);
    vlit_arena_init(&run->strings, 0);
    run->p = p ? *p : vlit_report_default_params();
    vlit_report_params *q = &run->p;
    vlit_arena *a = &run->strings;
    q->stopwords_path = sdup(a, q->stopwords_path);
    q->wordnet_dir = sdup(a, q->wordnet_dir);
    q->data_dir = sdup(a, q->data_dir);
    q->text_method = sdup(a, q->text_method ? q->text_method : "tfidf");
    q->image_method = sdup(a, q->image_method ? q->image_method : "descriptor");
    q->image_root = sdup(a, q->image_root);
    q->embed_url = sdup(a, q->embed_url);
    q->embed_model = sdup(a, q->embed_model);
    q->api_key = sdup(a, q->api_key);
    q->store_path = sdup(a, q->store_path);
    if (!q->threads)
        q->threads = 2;
    if (!q->stopwords_path) {
        /* the stop words of the instruction graphs; TF-IDF leaves them out too */
        const char *dd = q->data_dir ? q->data_dir : "data";
        size_t n = strlen(dd) + sizeof "/lexicon/stopwords.txt";
        char *sw = vlit_arena_alloc(a, n);
        if (!sw)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        snprintf(sw, n, "%s/lexicon/stopwords.txt", dd);
        q->stopwords_path = sw;
    }
    run->shard_index = q->shard_index;
    run->shard_count = q->shard_count ? q->shard_count : 1;
    if (!q->text_method || !q->image_method)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (strcmp(q->text_method, "tfidf") && strcmp(q->text_method, "server"))
        return vlit_err(err, VLIT_ERR_USAGE, "unknown text method '%s' (known: tfidf, server)", q->text_method);
    if (strcmp(q->image_method, "descriptor") && strcmp(q->image_method, "server"))
        return vlit_err(err, VLIT_ERR_USAGE, "unknown image method '%s' (known: descriptor, server)", q->image_method);
    if (!(q->eps_text > 0 && q->eps_text <= 2) || !(q->eps_image > 0 && q->eps_image <= 2))
        return vlit_err(err, VLIT_ERR_USAGE, "eps must be a cosine distance in (0, 2]");
    if (!q->min_samples_text || !q->min_samples_image)
        return vlit_err(err, VLIT_ERR_USAGE, "min samples must be at least 1");
    if (!(q->min_weight >= 0) || !isfinite(q->min_weight))
        return vlit_err(err, VLIT_ERR_USAGE, "min weight must be a finite number >= 0");
    if (!q->text_dim || q->text_dim > 65536)
        return vlit_err(err, VLIT_ERR_USAGE, "text dimension must be 1..65536");
    if (run->shard_index >= run->shard_count)
        return vlit_err(err, VLIT_ERR_USAGE, "shard %u/%u does not exist", run->shard_index, run->shard_count);
    return VLIT_OK;
}

vlit_status rp_embed_params(const rp_run *run, int images, vlit_embed_params *ep, vlit_error *err)
{
    (void)err;
    *ep = vlit_embed_default_params();
    const vlit_report_params *q = &run->p;
    ep->method = images ? q->image_method : q->text_method;
    if (!images) {
        ep->dim = q->text_dim;
        ep->stopwords = q->stopwords_path;
    }
    ep->url = q->embed_url;
    ep->model = q->embed_model;
    ep->store_path = q->store_path;
    ep->api_key = q->api_key;
    ep->image_root = q->image_root;
    ep->threads = (int)q->threads;
    return VLIT_OK;
}

vlit_status rp_ds_init(rp_run *run, rp_ds *d, const vlit_report_dataset *src, vlit_error *err)
{
    memset(d, 0, sizeof *d);
    vlit_arena *a = &run->strings;
    d->path = sdup(a, src->path);
    d->format = src->format;
    d->clues_path = sdup(a, src->clues_path);
    d->scores_path = sdup(a, src->scores_path);
    d->tags_path = sdup(a, src->tags_path);
    d->have_clues = src->clues_path != NULL;
    d->have_scores = src->scores_path != NULL;
    if (src->name) {
        d->name = sdup(a, src->name);
    } else if (src->path) {
        const char *base = strrchr(src->path, '/');
        base = base ? base + 1 : src->path;
        const char *dot = strchr(base, '.');
        size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
        d->name = vlit_arena_strndup(a, base, len);
    }
    if (!d->path || !d->name)
        return vlit_err(err, src->path ? VLIT_ERR_NOMEM : VLIT_ERR_USAGE,
                        src->path ? "out of memory" : "a dataset without a path");
    vlit_embed_params ep;
    rp_embed_params(run, 0, &ep, err);
    vlit_status st = vlit_text_set_new(&ep, &d->texts, err);
    if (st)
        return st;
    rp_embed_params(run, 1, &ep, err);
    return vlit_image_set_new(&ep, &d->images, err);
}

static void ind_free(rp_ind *ind)
{
    free(ind->name);
    free(ind->method);
    free(ind->missing_reason);
    rp_fsum_free(&ind->sum);
    vlit_u64map_free(&ind->vmap);
    free(ind->vals);
    free(ind->counts);
    for (size_t i = 0; i < ind->n_worst; i++) {
        free(ind->worst[i].id);
        free(ind->worst[i].text);
    }
}

void rp_run_free(rp_run *run)
{
    for (size_t i = 0; i < run->n; i++) {
        rp_ds *d = &run->ds[i];
        free(d->task_method);
        for (size_t t = 0; t < d->n_tasks; t++) {
            free(d->tasks[t].name);
            vlit_graph_free(d->tasks[t].g);
        }
        free(d->tasks);
        vlit_text_set_free(d->texts);
        free(d->text_pos);
        vlit_image_set_free(d->images);
        for (size_t k = 0; k < d->n_imgs; k++)
            free(d->imgs[k].path);
        free(d->imgs);
        vlit_strmap_free(&d->img_index);
        vlit_strmap_free(&d->cats);
        for (size_t k = 0; k < d->n_inds; k++)
            ind_free(&d->inds[k]);
        free(d->inds);
    }
    free(run->ds);
    vlit_buf_free(&run->canon);
    vlit_arena_free(&run->strings);
    memset(run, 0, sizeof *run);
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    void *q = realloc(p, c * size);
    if (q)
        *cap = c;
    return q;
}

rp_task *rp_task_get(rp_ds *d, const char *name, size_t len, vlit_error *err)
{
    for (size_t i = 0; i < d->n_tasks; i++)
        if (strlen(d->tasks[i].name) == len && memcmp(d->tasks[i].name, name, len) == 0)
            return &d->tasks[i];
    rp_task *t = grow(d->tasks, &d->cap_tasks, d->n_tasks + 1, sizeof *t);
    if (!t) {
        vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    d->tasks = t;
    t = &d->tasks[d->n_tasks];
    memset(t, 0, sizeof *t);
    t->name = malloc(len + 1);
    if (!t->name || vlit_graph_new(&t->g, err)) {
        free(t->name);
        vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    memcpy(t->name, name, len);
    t->name[len] = 0;
    d->n_tasks++;
    return t;
}

static const vlit_indicator_info *indicator_info(const char *name, const char *method)
{
    for (size_t i = 0; i < vlit_indicator_count(); i++) {
        const vlit_indicator_info *in = vlit_indicator_get(i);
        if (strcmp(in->name, name) == 0 && strcmp(in->method, method) == 0)
            return in;
    }
    return NULL;
}

rp_ind *rp_ind_get(rp_ds *d, const char *name, const char *method, vlit_error *err)
{
    for (size_t i = 0; i < d->n_inds; i++)
        if (strcmp(d->inds[i].name, name) == 0) {
            if (strcmp(d->inds[i].method, method) != 0) {
                vlit_err(err, VLIT_ERR_DATA, "indicator %s has method %s and %s in one dataset", name,
                         d->inds[i].method, method);
                return NULL;
            }
            return &d->inds[i];
        }
    const vlit_indicator_info *in = indicator_info(name, method);
    if (!in) {
        vlit_err(err, VLIT_ERR_DATA, "indicator %s with method %s is not one vlit score makes", name, method);
        return NULL;
    }
    rp_ind *x = grow(d->inds, &d->cap_inds, d->n_inds + 1, sizeof *x);
    if (!x) {
        vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    d->inds = x;
    x = &d->inds[d->n_inds];
    memset(x, 0, sizeof *x);
    x->name = strdup(name);
    x->method = strdup(method);
    x->principle = in->principle;
    x->direction = in->direction;
    if (!x->name || !x->method) {
        free(x->name);
        free(x->method);
        vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        return NULL;
    }
    d->n_inds++;
    return x;
}

vlit_status rp_ind_add_value(rp_ind *ind, double v, uint64_t count, vlit_error *err)
{
    if (!isfinite(v))
        return vlit_err(err, VLIT_ERR_DATA, "indicator %s: a value that is not a finite number", ind->name);
    if (v == 0)
        v = 0; /* -0 and 0 are one value */
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int inserted = 0;
    uint32_t *slot = vlit_u64map_put(&ind->vmap, bits, (uint32_t)ind->nvals, &inserted);
    if (!slot)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (inserted) {
        if (ind->nvals >= UINT32_MAX - 1)
            return vlit_err(err, VLIT_ERR_LIMIT, "indicator %s: more than 2^32 distinct values", ind->name);
        if (ind->nvals + 1 > ind->capvals) {
            size_t cap = ind->capvals ? ind->capvals * 2 : 16;
            double *vals = realloc(ind->vals, cap * sizeof *vals);
            if (!vals)
                return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            ind->vals = vals;
            uint64_t *counts = realloc(ind->counts, cap * sizeof *counts);
            if (!counts)
                return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            ind->counts = counts;
            ind->capvals = cap;
        }
        ind->vals[ind->nvals] = v;
        ind->counts[ind->nvals] = 0;
        ind->nvals++;
    }
    ind->counts[*slot] += count;
    ind->n += count;
    /* the sum: v added count times, exactly (count * v is exact only when
       it fits 53 bits: add the product's rounding error too) */
    double prod = (double)count * v;
    double perr = fma((double)count, v, -prod);
    vlit_status st = rp_fsum_add(&ind->sum, prod, err);
    if (!st && perr != 0)
        st = rp_fsum_add(&ind->sum, perr, err);
    return st;
}

/* a before b in the worst list */
static int worse(const rp_ind *ind, double av, uint64_t ap, double bv, uint64_t bp)
{
    if (av != bv)
        return ind->direction < 0 ? av > bv : av < bv;
    return ap < bp;
}

static int would_take(const rp_ind *ind, uint64_t position, double value)
{
    if (ind->n_worst < RP_WORST)
        return 1;
    const rp_worst *last = &ind->worst[ind->n_worst - 1];
    return worse(ind, value, position, last->value, last->position);
}

vlit_status rp_ind_offer_worst(rp_ind *ind, uint64_t position, double value, const char *id, const char *text,
                               vlit_error *err)
{
    if (!would_take(ind, position, value))
        return VLIT_OK;
    for (size_t i = 0; i < ind->n_worst; i++)
        if (ind->worst[i].position == position)
            return vlit_err(err, VLIT_ERR_DATA, "indicator %s: sample %llu given twice", ind->name,
                            (unsigned long long)position);
    rp_worst w = {position, value, strdup(id ? id : ""), strdup(text ? text : "")};
    if (!w.id || !w.text) {
        free(w.id);
        free(w.text);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    if (ind->n_worst == RP_WORST) {
        ind->n_worst--;
        free(ind->worst[ind->n_worst].id);
        free(ind->worst[ind->n_worst].text);
    }
    size_t i = ind->n_worst;
    while (i > 0 && worse(ind, value, position, ind->worst[i - 1].value, ind->worst[i - 1].position)) {
        ind->worst[i] = ind->worst[i - 1];
        i--;
    }
    ind->worst[i] = w;
    ind->n_worst++;
    return VLIT_OK;
}

vlit_status rp_image_note(rp_ds *d, const char *path, uint64_t first, int has_clue, int add_to_set, vlit_error *err)
{
    int inserted = 0;
    uint32_t *slot = vlit_strmap_put(&d->img_index, path, strlen(path), (uint32_t)d->n_imgs, &inserted, NULL);
    if (!slot)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (!inserted) {
        rp_image *im = &d->imgs[*slot];
        if (first < im->first)
            im->first = first;
        im->has_clue |= has_clue;
        return VLIT_OK;
    }
    rp_image *im = grow(d->imgs, &d->cap_imgs, d->n_imgs + 1, sizeof *im);
    if (!im)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    d->imgs = im;
    im = &d->imgs[d->n_imgs];
    im->path = strdup(path);
    im->first = first;
    im->has_clue = has_clue;
    if (!im->path)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    d->n_imgs++;
    return add_to_set ? vlit_image_set_add(d->images, path, err) : VLIT_OK;
}

/* ---- words of the instructions ---- */

typedef struct words_ctx {
    vlit_strmap stop;
    wordnet *wn;
    vlit_buf lower;
    const char **w;
    size_t *len;
    size_t cap;
} words_ctx;

static vlit_status load_stopwords(words_ctx *w, const char *path, vlit_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open the stop-word list: %s", path, strerror(errno));
    vlit_lines l;
    vlit_status st = vlit_lines_init(&l, fp, path, 4096, err);
    while (!st && (st = vlit_lines_next(&l, err)) == VLIT_OK) {
        char *s = l.line.data ? l.line.data : (char *)"";
        char *hash = strchr(s, '#');
        if (hash)
            *hash = 0;
        size_t a = 0, b = strlen(s);
        while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r'))
            a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r'))
            b--;
        if (b > a) {
            for (size_t i = a; i < b; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                    s[i] = (char)(s[i] - 'A' + 'a');
            int ins;
            if (!vlit_strmap_put(&w->stop, s + a, b - a, 1, &ins, NULL))
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        }
    }
    if (st == VLIT_END)
        st = VLIT_OK;
    if (!st)
        vlit_lines_free(&l);
    fclose(fp);
    return st;
}

static int word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Adds the co-occurrences of one instruction's content words to g: runs of
 * letters and digits (bytes >= 0x80 count as letters), lower-cased, without
 * "<image>", stop words and numbers, optionally lemmatised. */
static vlit_status add_instruction(words_ctx *w, vlit_graph *g, const char *text, vlit_error *err)
{
    vlit_buf_clear(&w->lower);
    vlit_status st = vlit_buf_puts(&w->lower, text);
    if (st)
        return vlit_err(err, st, "out of memory");
    char *s = w->lower.data ? w->lower.data : (char *)"";
    for (char *p = strstr(s, "<image>"); p; p = strstr(p, "<image>"))
        memset(p, ' ', 7);
    size_t n = 0;
    for (size_t i = 0; s[i];) {
        if (!word_byte((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t a = i;
        int letter = 0;
        while (s[i] && word_byte((unsigned char)s[i])) {
            if (s[i] >= 'A' && s[i] <= 'Z')
                s[i] = (char)(s[i] - 'A' + 'a');
            if (!(s[i] >= '0' && s[i] <= '9'))
                letter = 1;
            i++;
        }
        size_t len = i - a;
        if (!letter || len > VLIT_GRAPH_NAME_MAX || vlit_strmap_get(&w->stop, s + a, len))
            continue;
        const char *word = s + a;
        if (w->wn) {
            for (int pos = 0; pos < WORDNET_NPOS; pos++) {
                wordnet_lemma lem[WORDNET_MAX_LEMMAS];
                if (wordnet_morphy(w->wn, word, len, (wordnet_pos)pos, lem, WORDNET_MAX_LEMMAS) > 0) {
                    word = lem[0].entry->word;
                    len = lem[0].entry->len;
                    break;
                }
            }
            if (vlit_strmap_get(&w->stop, word, len))
                continue;
        }
        if (n + 1 > w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 32;
            const char **ws = realloc(w->w, cap * sizeof *ws);
            if (!ws)
                return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            w->w = ws;
            size_t *ls = realloc(w->len, cap * sizeof *ls);
            if (!ls)
                return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            w->len = ls;
            w->cap = cap;
        }
        w->w[n] = word;
        w->len[n] = len;
        n++;
    }
    if (n < 2)
        return VLIT_OK;
    return vlit_graph_add_cooccurrence(g, w->w, w->len, n, err);
}

/* ---- reading ---- */

/* A sample's turns as one text for the worst-sample lists. */
static void sample_text(const vlit_sample *s, vlit_buf *b)
{
    vlit_buf_clear(b);
    for (size_t i = 0; i < s->n_turns; i++) {
        const char *role = s->turns[i].role ? s->turns[i].role : "";
        const char *label = strcmp(role, "user") == 0 ? "USER" : strcmp(role, "assistant") == 0 ? "ASSISTANT" : role;
        if (vlit_buf_printf(b, "%s%s: %s", i ? "\n" : "", label, s->turns[i].text ? s->turns[i].text : ""))
            break;
        if (b->len > RP_TEXT_MAX)
            break;
    }
    if (b->len > RP_TEXT_MAX) {
        size_t cut = RP_TEXT_MAX;
        while (cut > 0 && ((unsigned char)b->data[cut] & 0xC0) == 0x80)
            cut--;
        b->len = cut;
        b->data[cut] = 0;
        vlit_buf_puts(b, "\xe2\x80\xa6");
    }
}

typedef struct score_file {
    const char *path;
    FILE *fp;
    vlit_lines lines;
    vlit_arena arena;
    int live;
    uint64_t index;
    vj *line;
} score_file;

static vlit_status score_advance(score_file *f, vlit_error *err)
{
    vlit_status st = vlit_lines_next(&f->lines, err);
    if (st == VLIT_END) {
        f->live = 0;
        return VLIT_OK;
    }
    if (st)
        return st;
    uint64_t prev = f->index;
    int had = f->live;
    vlit_arena_reset(&f->arena);
    vlit_error e = {0};
    if (vj_parse(f->lines.line.data ? f->lines.line.data : "", f->lines.line.len, NULL, &f->arena, &f->line, &e))
        return vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: %s", f->path, f->lines.lineno, e.message);
    int64_t idx;
    if (f->line->type != VJ_OBJECT || !vj_int(vj_get(f->line, "index"), &idx) || idx < 0)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: not a line of vlit score output (no \"index\")", f->path,
                        f->lines.lineno);
    vj *scores = vj_get(f->line, "scores");
    if (!scores || scores->type != VJ_OBJECT)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: no \"scores\" object", f->path, f->lines.lineno);
    f->index = (uint64_t)idx;
    if (had && f->index <= prev)
        return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: index %llu after %llu: not in index order", f->path,
                        f->lines.lineno, (unsigned long long)f->index, (unsigned long long)prev);
    f->live = 1;
    return VLIT_OK;
}

static vlit_status score_sample(rp_ds *d, score_file *f, uint64_t position, const vlit_sample *s, vlit_buf *text,
                                vlit_error *err)
{
    vj *scores = vj_get(f->line, "scores");
    vj *sid = vj_get(f->line, "id");
    if (sid && vj_is_text(sid) && s->id && strcmp(sid->str, s->id) != 0)
        return vlit_err(err, VLIT_ERR_DATA,
                        "%s: line %zu: sample %llu is \"%s\" here but \"%s\" in %s: the scores "
                        "file belongs to other samples",
                        f->path, f->lines.lineno, (unsigned long long)position, sid->str, s->id, d->path);
    int have_text = 0;
    for (size_t i = 0; i < scores->len; i++) {
        const char *name = scores->keys[i];
        vj *v = scores->items[i];
        vj *method = vj_get(v, "method");
        if (v->type != VJ_OBJECT || !method || !vj_is_text(method))
            return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: indicator %s has no \"method\"", f->path,
                            f->lines.lineno, name);
        rp_ind *ind = rp_ind_get(d, name, method->str, err);
        if (!ind) {
            char m[VLIT_ERRMSG_MAX];
            snprintf(m, sizeof m, "%s", err ? err->message : "");
            return vlit_err(err, err ? err->status : VLIT_ERR_DATA, "%s: line %zu: %s", f->path, f->lines.lineno, m);
        }
        vj *val = vj_get(v, "value");
        vj *miss = vj_get(v, "missing");
        double x;
        if (val && vj_number(val, &x)) {
            vlit_status st = rp_ind_add_value(ind, x, 1, err);
            if (!st && would_take(ind, position, x)) {
                if (!have_text) {
                    sample_text(s, text);
                    have_text = 1;
                }
                st = rp_ind_offer_worst(ind, position, x, s->id, text->data, err);
            }
            if (st)
                return st;
        } else if (miss && vj_is_text(miss)) {
            if (!ind->have_missing) {
                ind->have_missing = 1;
                ind->missing_pos = position;
                ind->missing_reason = strdup(miss->str);
                if (!ind->missing_reason)
                    return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            }
        } else {
            return vlit_err(err, VLIT_ERR_DATA,
                            "%s: line %zu: indicator %s has neither a number \"value\" nor "
                            "a \"missing\" reason",
                            f->path, f->lines.lineno, name);
        }
    }
    return VLIT_OK;
}

typedef struct tag_file {
    const char *path;
    vlit_tag_reader *r;
    int live;
    size_t position;
    const char *task, *method;
} tag_file;

static vlit_status tag_advance(tag_file *t, vlit_error *err)
{
    const char *id;
    vlit_status st = vlit_tag_reader_next(t->r, &t->position, &id, &t->task, &t->method, err);
    if (st == VLIT_END) {
        t->live = 0;
        return VLIT_OK;
    }
    t->live = st == VLIT_OK;
    return st;
}

static vlit_status set_task_method(rp_ds *d, const char *method, vlit_error *err)
{
    if (!d->task_method) {
        d->task_method = strdup(method);
        return d->task_method ? VLIT_OK : vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    if (strcmp(d->task_method, method) != 0)
        return vlit_err(err, VLIT_ERR_DATA, "%s: tasks of two methods in one dataset (%s and %s)",
                        d->tags_path ? d->tags_path : d->path, d->task_method, method);
    return VLIT_OK;
}

static void note(const rp_run *run, const char *fmt, ...) VLIT_PRINTF(2, 3);
static void note(const rp_run *run, const char *fmt, ...)
{
    if (!run->p.on_note)
        return;
    char m[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    run->p.on_note(run->p.ctx, m);
}

static vlit_status open_reader(const rp_run *run, const rp_ds *d, vlit_reader **r, vlit_error *err)
{
    vlit_reader_params rp = vlit_reader_default_params();
    rp.skip_bad = run->p.skip_bad;
    return vlit_reader_open(d->path, d->format, &rp, r, err);
}

static vlit_status count_samples(const rp_run *run, rp_ds *d, vlit_error *err)
{
    vlit_reader *r;
    vlit_status st = open_reader(run, d, &r, err);
    if (st)
        return st;
    const vlit_sample *s;
    uint64_t n = 0;
    while ((st = vlit_reader_next(r, &s, err)) == VLIT_OK)
        n++;
    vlit_reader_close(r);
    d->total = n;
    return st == VLIT_END ? VLIT_OK : st;
}

static vlit_status measure(rp_run *run, rp_ds *d, const uint8_t *sel, words_ctx *w, vlit_error *err)
{
    vlit_reader *r = NULL;
    score_file sf = {0};
    tag_file tf = {0};
    vlit_buf text = VLIT_BUF_INIT, resp = VLIT_BUF_INIT;
    vlit_arena_init(&sf.arena, 0);
    vlit_status st = open_reader(run, d, &r, err);
    if (!st && d->scores_path) {
        sf.path = d->scores_path;
        if (!(sf.fp = fopen(sf.path, "rb")))
            st = vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", sf.path, strerror(errno));
        else if (!(st = vlit_lines_init(&sf.lines, sf.fp, sf.path, 0, err)))
            st = score_advance(&sf, err);
    }
    if (!st && d->tags_path) {
        tf.path = d->tags_path;
        if (!(st = vlit_tag_reader_open(tf.path, &tf.r, err)))
            st = tag_advance(&tf, err);
    } else if (!st) {
        st = set_task_method(d, "rules", err);
    }
    uint64_t pos = 0;
    const vlit_sample *s;
    while (!st && (st = vlit_reader_next(r, &s, err)) == VLIT_OK) {
        uint64_t p = pos++;
        if (sel && !((sel[p / 8] >> (p % 8)) & 1))
            continue;
        if (p % run->shard_count != run->shard_index)
            continue;
        d->samples++;
        /* task */
        const char *task = NULL;
        if (tf.r) {
            while (!st && tf.live && tf.position < p)
                st = tag_advance(&tf, err);
            if (!st && tf.live && tf.position == p) {
                task = tf.task;
                st = set_task_method(d, tf.method, err);
            }
        } else {
            size_t t = vlit_task_tag_rules(s);
            task = t == VLIT_TASK_NONE ? NULL : vlit_task_name(t);
        }
        if (st)
            break;
        rp_task *tk = NULL;
        if (!task || !*task) {
            d->untagged++;
        } else {
            if (!(tk = rp_task_get(d, task, strlen(task), err))) {
                st = err ? err->status : VLIT_ERR_NOMEM;
                break;
            }
            tk->count++;
        }
        /* instructions and responses */
        vlit_buf_clear(&resp);
        for (size_t i = 0; i < s->n_turns && !st; i++) {
            const char *role = s->turns[i].role ? s->turns[i].role : "";
            const char *t = s->turns[i].text ? s->turns[i].text : "";
            if (strcmp(role, "user") == 0 && tk) {
                tk->instructions++;
                st = add_instruction(w, tk->g, t, err);
            } else if (strcmp(role, "assistant") == 0 && *t) {
                if ((resp.len && vlit_buf_putc(&resp, '\n')) || vlit_buf_puts(&resp, t))
                    st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            }
        }
        if (st)
            break;
        if (resp.len) {
            uint64_t *tp = grow(d->text_pos, &d->cap_text, d->n_text + 1, sizeof *tp);
            if (!tp) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
            d->text_pos = tp;
            d->text_pos[d->n_text++] = p;
            st = vlit_text_set_add(d->texts, resp.data, resp.len, err);
        } else {
            d->no_response++;
        }
        /* images */
        if (!s->n_images)
            d->no_image++;
        for (size_t i = 0; i < s->n_images && !st; i++)
            if (s->images[i] && *s->images[i])
                st = rp_image_note(d, s->images[i], p, 0, 1, err);
        /* scores */
        if (!st && sf.fp) {
            while (!st && sf.live && sf.index < p)
                st = score_advance(&sf, err);
            if (!st && sf.live && sf.index == p)
                st = score_sample(d, &sf, p, s, &text, err);
            else if (!st)
                d->no_score_line++;
        }
    }
    if (st == VLIT_END) {
        st = VLIT_OK;
        d->skipped = vlit_reader_skipped(r);
        if (!sel)
            d->total = pos;
        else if (pos != d->total)
            st = vlit_err(err, VLIT_ERR_IO, "%s: %llu samples now, %llu a moment ago: the file changed", d->path,
                          (unsigned long long)pos, (unsigned long long)d->total);
    }
    if (!st && !d->task_method)
        st = set_task_method(d, "tags", err);
    vlit_reader_close(r);
    if (sf.fp) {
        vlit_lines_free(&sf.lines);
        fclose(sf.fp);
    }
    vlit_arena_free(&sf.arena);
    vlit_tag_reader_close(tf.r);
    vlit_buf_free(&text);
    vlit_buf_free(&resp);
    return st;
}

/* Object categories of the images used: a clue record belongs to a sample
 * image with the same path, else (as vlit score joins them) with the same
 * file name when only one record has that file name. */
static const char *file_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static vlit_status read_clues(rp_ds *d, int skip_bad, vlit_error *err)
{
    if (!d->clues_path)
        return VLIT_OK;
    vlit_strmap names = {0}; /* file name of a sample image without a path match -> image, or UINT32_MAX */
    vlit_strmap_init(&names);
    vlit_clue_reader *r;
    vlit_status st = vlit_clue_reader_open(d->clues_path, skip_bad, &r, err);
    if (st) {
        vlit_strmap_free(&names);
        return st;
    }
    for (size_t i = 0; i < d->n_imgs && !st; i++) {
        const char *fn = file_name(d->imgs[i].path);
        int ins;
        uint32_t *slot = vlit_strmap_put(&names, fn, strlen(fn), (uint32_t)i, &ins, NULL);
        if (!slot)
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        else if (!ins)
            *slot = UINT32_MAX;
    }
    /* per image: records with its file name (0, 1, more), and the categories of the one */
    size_t *name_hits = calloc(d->n_imgs ? d->n_imgs : 1, sizeof *name_hits);
    char ***pending = calloc(d->n_imgs ? d->n_imgs : 1, sizeof *pending);
    size_t *n_pending = calloc(d->n_imgs ? d->n_imgs : 1, sizeof *n_pending);
    if (!st && (!name_hits || !pending || !n_pending))
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    const vlit_clue_record *rec;
    while (!st && (st = vlit_clue_reader_next(r, &rec, err)) == VLIT_OK) {
        if (!rec->image)
            continue;
        uint32_t *hit = vlit_strmap_get(&d->img_index, rec->image, strlen(rec->image));
        if (hit) {
            d->imgs[*hit].has_clue = 1;
            for (size_t k = 0; k < rec->n_objects && !st; k++) {
                const char *c = rec->objects[k].category;
                int ins;
                if (c && *c && !vlit_strmap_put(&d->cats, c, strlen(c), 1, &ins, NULL))
                    st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            }
            continue;
        }
        const char *fn = file_name(rec->image);
        uint32_t *nm = vlit_strmap_get(&names, fn, strlen(fn));
        if (!nm || *nm == UINT32_MAX)
            continue;
        if (++name_hits[*nm] == 1 && rec->n_objects) {
            pending[*nm] = calloc(rec->n_objects, sizeof(char *));
            if (!pending[*nm]) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
            for (size_t k = 0; k < rec->n_objects; k++)
                if (rec->objects[k].category && !(pending[*nm][n_pending[*nm]++] = strdup(rec->objects[k].category)))
                    st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        }
    }
    if (st == VLIT_END)
        st = VLIT_OK;
    for (size_t i = 0; i < d->n_imgs && name_hits && pending; i++) {
        if (!st && !d->imgs[i].has_clue && name_hits[i] == 1) {
            d->imgs[i].has_clue = 1;
            for (size_t k = 0; k < n_pending[i] && !st; k++) {
                int ins;
                if (*pending[i][k] && !vlit_strmap_put(&d->cats, pending[i][k], strlen(pending[i][k]), 1, &ins, NULL))
                    st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            }
        }
        if (pending[i]) {
            for (size_t k = 0; k < n_pending[i]; k++)
                free(pending[i][k]);
            free(pending[i]);
        }
    }
    free(name_hits);
    free(pending);
    free(n_pending);
    vlit_strmap_free(&names);
    vlit_clue_reader_close(r);
    return st;
}

/* Reads every dataset into run's state (shard run->shard_index). */
static vlit_status measure_all(rp_run *run, const vlit_report_dataset *datasets, size_t n, vlit_error *err)
{
    if (n == 0)
        return vlit_err(err, VLIT_ERR_USAGE, "no dataset given");
    run->ds = calloc(n, sizeof *run->ds);
    if (!run->ds)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    vlit_status st = VLIT_OK;
    for (size_t i = 0; i < n && !st; i++) {
        st = rp_ds_init(run, &run->ds[i], &datasets[i], err);
        run->n = i + 1;
    }
    int rules = 0;
    for (size_t i = 0; i < n; i++)
        rules |= !datasets[i].tags_path;
    if (!st && rules)
        st = vlit_task_rules_check(err);
    words_ctx w;
    memset(&w, 0, sizeof w);
    vlit_strmap_init(&w.stop);
    if (!st) {
        st = load_stopwords(&w, run->p.stopwords_path, err);
    }
    if (!st && run->p.lemmatize)
        st = wordnet_open(run->p.wordnet_dir, &w.wn, err);
    uint8_t **sel = calloc(n, sizeof *sel);
    if (!st && !sel)
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (!st && run->p.equalize) {
        uint64_t k = UINT64_MAX;
        for (size_t i = 0; i < n && !st; i++) {
            st = count_samples(run, &run->ds[i], err);
            if (!st && run->ds[i].total < k)
                k = run->ds[i].total;
        }
        for (size_t i = 0; i < n && !st; i++) {
            rp_ds *d = &run->ds[i];
            d->selected = k;
            if (!(sel[i] = malloc((size_t)((d->total + 7) / 8) + 1)))
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            else
                rp_select(run->p.seed, i, d->total, k, sel[i]);
        }
        if (!st)
            note(run, "equalized every dataset to %llu samples", (unsigned long long)k);
    }
    for (size_t i = 0; i < n && !st; i++) {
        rp_ds *d = &run->ds[i];
        note(run, "reading %s", d->path);
        st = measure(run, d, sel[i], &w, err);
        if (!run->p.equalize)
            d->selected = d->total;
        if (!st)
            st = read_clues(d, run->p.skip_bad, err);
    }
    for (size_t i = 0; sel && i < n; i++)
        free(sel[i]);
    free(sel);
    vlit_strmap_free(&w.stop);
    wordnet_close(w.wn);
    vlit_buf_free(&w.lower);
    free(w.w);
    free(w.len);
    return st;
}

static vlit_status write_text(const char *out_path, const char *data, size_t len, vlit_error *err)
{
    vlit_output *o;
    vlit_status st = vlit_output_open(out_path, &o, err);
    if (st)
        return st;
    if (len && fwrite(data, 1, len, vlit_output_file(o)) != len) {
        vlit_output_abort(o);
        return vlit_err(err, VLIT_ERR_IO, "%s: write failed: %s", out_path, strerror(errno));
    }
    return vlit_output_commit(o, err);
}

static vlit_status finish(rp_run *run, vlit_report_format fmt, const char *out_path, vlit_error *err)
{
    vlit_buf json = VLIT_BUF_INIT;
    vlit_status st = rp_finish_json(run, &json, err);
    if (!st && fmt == VLIT_REPORT_JSON) {
        st = write_text(out_path, json.data, json.len, err);
    } else if (!st) {
        char *out = NULL;
        size_t len = 0;
        st = vlit_report_render(json.data, json.len, fmt, &out, &len, err);
        if (!st)
            st = write_text(out_path, out, len, err);
        free(out);
    }
    vlit_buf_free(&json);
    return st;
}

vlit_status vlit_report(const vlit_report_dataset *datasets, size_t n, const vlit_report_params *params,
                        vlit_report_format fmt, const char *out_path, vlit_error *err)
{
    if (params && params->shard_count > 1)
        return vlit_err(err, VLIT_ERR_USAGE, "a shard writes a partial (--partial), not a report");
    rp_run run;
    vlit_status st = rp_run_init(&run, params, err);
    if (!st)
        st = measure_all(&run, datasets, n, err);
    if (!st)
        st = finish(&run, fmt, out_path, err);
    rp_run_free(&run);
    return st;
}

vlit_status vlit_report_partial(const vlit_report_dataset *datasets, size_t n, const vlit_report_params *params,
                                const char *out_dir, vlit_error *err)
{
    rp_run run;
    vlit_status st = rp_run_init(&run, params, err);
    if (!st)
        st = measure_all(&run, datasets, n, err);
    if (!st)
        st = rp_write_partial(&run, out_dir, err);
    rp_run_free(&run);
    return st;
}

static vlit_status read_file(const char *path, char **out, size_t *len, vlit_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    vlit_buf b = VLIT_BUF_INIT;
    char chunk[65536];
    size_t k;
    vlit_status st = VLIT_OK;
    while (!st && (k = fread(chunk, 1, sizeof chunk, fp)) > 0)
        st = vlit_buf_append(&b, chunk, k);
    if (!st && ferror(fp))
        st = vlit_err(err, VLIT_ERR_IO, "%s: read failed", path);
    else if (st)
        st = vlit_err(err, st, "%s: too large", path);
    fclose(fp);
    if (st) {
        vlit_buf_free(&b);
        return st;
    }
    if (!b.data && vlit_buf_putc(&b, 0) == VLIT_OK)
        b.len = 0;
    *out = b.data;
    *len = b.len;
    return VLIT_OK;
}

typedef struct part_ref {
    const char *dir;
    char *manifest;
    size_t len;
    long shard, shards;
} part_ref;

static int by_shard(const void *a, const void *b)
{
    const part_ref *x = a, *y = b;
    return (x->shard > y->shard) - (x->shard < y->shard);
}

vlit_status vlit_report_merge(const char *const *partials, size_t n, const vlit_report_params *params,
                              vlit_report_format fmt, const char *out_path, vlit_error *err)
{
    if (n == 0)
        return vlit_err(err, VLIT_ERR_USAGE, "no partials given");
    part_ref *parts = calloc(n, sizeof *parts);
    if (!parts)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    vlit_status st = VLIT_OK;
    char path[4096];
    for (size_t i = 0; i < n && !st; i++) {
        parts[i].dir = partials[i];
        snprintf(path, sizeof path, "%s/manifest.jsonl", partials[i]);
        st = read_file(path, &parts[i].manifest, &parts[i].len, err);
        if (!st) {
            /* the shard numbers, from the first line, to add them in shard order */
            const char *s = strstr(parts[i].manifest, "\"shard\":");
            const char *t = strstr(parts[i].manifest, "\"shards\":");
            const char *nl = strchr(parts[i].manifest, '\n');
            if (!s || !t || !nl || s > nl || t > nl)
                st = vlit_err(err, VLIT_ERR_PARSE, "%s: line 1: not a vlit report partial", path);
            else {
                parts[i].shard = strtol(s + 8, NULL, 10);
                parts[i].shards = strtol(t + 9, NULL, 10);
            }
        }
    }
    if (!st) {
        qsort(parts, n, sizeof *parts, by_shard);
        if ((long)n != parts[0].shards)
            st = vlit_err(err, VLIT_ERR_USAGE, "%zu partials given for a run of %ld shards", n, parts[0].shards);
        for (size_t i = 0; i < n && !st; i++)
            if (parts[i].shard != (long)i || parts[i].shards != parts[0].shards)
                st = vlit_err(err, VLIT_ERR_USAGE,
                              "%s: shard %ld/%ld where shard %zu/%ld was expected (each shard "
                              "exactly once)",
                              parts[i].dir, parts[i].shard, parts[i].shards, i, parts[0].shards);
    }
    rp_run run;
    vlit_report_params p = params ? *params : vlit_report_default_params();
    p.shard_index = 0;
    p.shard_count = 0;
    vlit_status st2 = rp_run_init(&run, &p, st ? NULL : err);
    if (!st)
        st = st2;
    for (size_t i = 0; i < n && !st; i++) {
        if (params && params->on_note) {
            char m[512];
            snprintf(m, sizeof m, "adding %s", parts[i].dir);
            params->on_note(params->ctx, m);
        }
        snprintf(path, sizeof path, "%s/manifest.jsonl", parts[i].dir);
        st = rp_add_partial(&run, parts[i].manifest, parts[i].len, parts[i].dir, path, err);
    }
    if (!st)
        st = finish(&run, fmt, out_path, err);
    rp_run_free(&run);
    for (size_t i = 0; i < n; i++)
        free(parts[i].manifest);
    free(parts);
    return st;
}
