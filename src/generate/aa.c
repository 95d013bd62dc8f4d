/* Annotation Adaption: clue records -> instruction samples from templates.
 *
 * Two passes over the clue file: the first collects the dataset's object
 * vocabulary (negative questions ask about categories absent from an image),
 * the second writes samples. Every random choice comes from a generator
 * seeded by (seed, image id, task, index), so the output does not depend on
 * the order or the sharding of the records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlit/collect.h"
#include "vlit/generate.h"

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/err.h"
#include "../base/expand.h"
#include "../base/random.h"
#include "../base/strmap.h"
#include "aa_templates.h"
#include "english.h"

static const char *const task_names[VLIT_AA_TASK_COUNT] = {
    "detail", "brief", "vqa", "counting", "existence", "negative", "attribute", "location", "region", "ocr",
};

const char *vlit_aa_task_name(vlit_aa_task task)
{
    return (unsigned)task < VLIT_AA_TASK_COUNT ? task_names[task] : "?";
}

vlit_aa_params vlit_aa_default_params(void)
{
    vlit_aa_params p;
    memset(&p, 0, sizeof p);
    p.seed = 1;
    p.max_per_task = 2;
    p.turns = 1;
    p.source = "aa";
    return p;
}

/* ---- deterministic choices ------------------------------------------------ */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r) { return vlit_splitmix64(&r->s); }

static rng rng_for(uint64_t seed, const char *id, int task, size_t k)
{
    rng r = {seed ^ vlit_hash(id, strlen(id))};
    r.s ^= (uint64_t)(task + 1) * 0x2545f4914f6cdd1dull + (uint64_t)k * 0x9e3779b97f4a7c15ull;
    rng_next(&r);
    return r;
}

static size_t pick(rng *r, size_t n) { return n ? (size_t)(rng_next(r) % n) : 0; }

/* ---- one record's rounds -------------------------------------------------- */

typedef struct round {
    int task;
    const char *variant; /* NULL: the task name; else how a derived round was made */
    const char *question, *answer;
    int has_region;
    double region[4];
} round;

typedef struct gen {
    const vlit_aa_params *p;
    const aa_templates *t;
    const char *const *vocab; /* sorted object names of the whole dataset */
    size_t n_vocab;
    vlit_arena *a;
    round *rounds;
    size_t n_rounds, cap_rounds;
    vlit_buf tmp, name_a, name_A, plural, text;
    size_t derived; /* rounds derived from other annotations (this record) */
} gen;

static int wanted(const gen *g, int task) { return !g->p->tasks || (g->p->tasks >> task & 1u); }

static const char *fill(gen *g, int section, rng *r, const vlit_field *f, size_t nf)
{
    vlit_buf_clear(&g->tmp);
    const aa_templates *t = g->t;
    if (vlit_expand(&g->tmp, t->lines[section][pick(r, t->n[section])], f, nf))
        return NULL;
    return vlit_arena_strndup(g->a, g->tmp.data ? g->tmp.data : "", g->tmp.len);
}

static round *add_round(gen *g, int task, const char *q, const char *a)
{
    if (!q || !a)
        return NULL;
    if (g->n_rounds == g->cap_rounds) {
        size_t cap = g->cap_rounds ? g->cap_rounds * 2 : 32;
        round *r = realloc(g->rounds, cap * sizeof *r);
        if (!r)
            return NULL;
        g->rounds = r;
        g->cap_rounds = cap;
    }
    round *r = &g->rounds[g->n_rounds++];
    memset(r, 0, sizeof *r);
    r->task = task;
    r->question = q;
    r->answer = a;
    return r;
}

/* The fields every object phrasing can use. */
static size_t object_fields(gen *g, const char *name, vlit_field *f)
{
    en_article(name, 0, &g->name_a);
    en_article(name, 1, &g->name_A);
    en_plural(name, &g->plural);
    f[0] = (vlit_field){"name", name};
    f[1] = (vlit_field){"a_name", g->name_a.data};
    f[2] = (vlit_field){"A_name", g->name_A.data};
    f[3] = (vlit_field){"plural", g->plural.data};
    return 4;
}

static void format_box(const double b[4], int w, int h, char *out, size_t cap)
{
    if (w > 0 && h > 0)
        snprintf(out, cap, "[%.3f, %.3f, %.3f, %.3f]", b[0] / w, b[1] / h, (b[0] + b[2]) / w, (b[1] + b[3]) / h);
    else
        snprintf(out, cap, "[%.0f, %.0f, %.0f, %.0f]", b[0], b[1], b[0] + b[2], b[1] + b[3]);
}

/* The third of the image the box centre falls in, in words. */
static const char *where(const double b[4], int w, int h)
{
    static const char *const grid[3][3] = {
        {"upper left part", "upper part", "upper right part"},
        {"left part", "centre", "right part"},
        {"lower left part", "lower part", "lower right part"}};
    if (w <= 0 || h <= 0)
        return "centre";
    double cx = (b[0] + b[2] / 2) / w, cy = (b[1] + b[3] / 2) / h;
    int col = cx < 1.0 / 3 ? 0 : cx < 2.0 / 3 ? 1 : 2, row = cy < 1.0 / 3 ? 0 : cy < 2.0 / 3 ? 1 : 2;
    return grid[row][col];
}

/* Distinct object names of a record, first-seen order, with counts. */
typedef struct inventory {
    const char *name;
    int count, crowd, first;
} inventory;

static size_t take_inventory(const vlit_clue_record *rec, inventory *inv)
{
    size_t n = 0;
    for (size_t i = 0; i < rec->n_objects; i++) {
        const vlit_clue_object *o = &rec->objects[i];
        size_t k = 0;
        while (k < n && strcmp(inv[k].name, o->category) != 0)
            k++;
        if (k == n)
            inv[n++] = (inventory){o->category, 0, 0, (int)i};
        inv[k].count++;
        inv[k].crowd |= o->iscrowd;
    }
    return n;
}

static int yes_no(const char *a)
{
    if (strcmp(a, "yes") == 0)
        return 1;
    if (strcmp(a, "no") == 0)
        return 0;
    return -1;
}

/* How questions name a supercategory: its line in [vqa.derived.groups], or itself. */
static const char *group_noun(const gen *g, const char *super)
{
    size_t n = strlen(super);
    for (size_t i = 0; i < g->t->n[AS_GROUP_NAMES]; i++) {
        const char *line = g->t->lines[AS_GROUP_NAMES][i];
        const char *eq = strchr(line, '=');
        if (!eq)
            continue;
        const char *end = eq;
        while (end > line && end[-1] == ' ')
            end--;
        if ((size_t)(end - line) == n && memcmp(line, super, n) == 0) {
            eq++;
            while (*eq == ' ')
                eq++;
            return eq;
        }
    }
    return super;
}

static int is_word_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\''; }

static int is_colour(const gen *g, const char *w, size_t n)
{
    for (size_t i = 0; i < g->t->n[AS_COLOURS]; i++)
        if (strlen(g->t->lines[AS_COLOURS][i]) == n && memcmp(g->t->lines[AS_COLOURS][i], w, n) == 0)
            return 1;
    return 0;
}

/* Colours that captions put directly before an object's name ("a red and
 * white bus"), in the order first seen, at most 4; a colour is kept only if
 * more than half of the captions that colour the object name it, so one
 * caption's "green truck" does not outvote four "white truck"s. */
static size_t caption_colours(gen *g, const vlit_clue_record *rec, const char *name, const char **out)
{
    enum { MAXC = 8 };
    const char *seen[MAXC];
    size_t votes[MAXC], n_seen = 0, colouring = 0, name_len = strlen(name);
    for (size_t c = 0; c < rec->n_captions; c++) {
        vlit_buf_clear(&g->tmp);
        vlit_buf_puts(&g->tmp, rec->captions[c]);
        char *low = g->tmp.data;
        if (!low)
            continue;
        for (char *q = low; *q; q++)
            if (*q >= 'A' && *q <= 'Z')
                *q = (char)(*q - 'A' + 'a');
        int voted[MAXC] = {0}, any = 0;
        for (char *hit = strstr(low, name); hit; hit = strstr(hit + 1, name)) {
            if ((hit > low && is_word_char(hit[-1])) || is_word_char(hit[name_len]))
                continue; /* part of another word */
            /* walk back over "colour", "and", "colour", ... */
            char *q = hit;
            for (;;) {
                while (q > low && (q[-1] == ' ' || q[-1] == ',' || q[-1] == '-'))
                    q--;
                char *end = q;
                while (q > low && is_word_char(q[-1]))
                    q--;
                size_t wl = (size_t)(end - q);
                if (wl == 3 && memcmp(q, "and", 3) == 0)
                    continue;
                if (!wl || !is_colour(g, q, wl))
                    break;
                size_t k = 0;
                while (k < n_seen && !(strlen(seen[k]) == wl && memcmp(seen[k], q, wl) == 0))
                    k++;
                if (k == n_seen) {
                    if (n_seen == MAXC)
                        continue;
                    seen[n_seen] = vlit_arena_strndup(g->a, q, wl);
                    votes[n_seen++] = 0;
                }
                if (!voted[k]) {
                    voted[k] = 1;
                    votes[k]++;
                }
                any = 1;
            }
        }
        colouring += any;
    }
    /* reading order within a caption was walked backwards: "red and white"
     * is seen as white, red; restore the caption's order for the kept ones */
    size_t n_out = 0;
    for (size_t k = n_seen; k-- > 0 && n_out < 4;)
        if (seen[k] && 2 * votes[k] > colouring)
            out[n_out++] = seen[k];
    return n_out;
}

static vlit_status rounds_for(gen *g, const vlit_clue_record *rec)
{
    const char *id = rec->id;
    vlit_field f[8];
    size_t max = g->p->max_per_task ? g->p->max_per_task : 2;
    inventory *inv = rec->n_objects ? vlit_arena_alloc(g->a, rec->n_objects * sizeof *inv) : NULL;
    if (rec->n_objects && !inv)
        return VLIT_ERR_NOMEM;
    size_t n_inv = take_inventory(rec, inv);
    g->n_rounds = 0;

    if (rec->n_captions && wanted(g, VLIT_AA_DETAIL)) {
        /* every caption as a sentence, then what the annotations list */
        rng r = rng_for(g->p->seed, id, VLIT_AA_DETAIL, 0);
        vlit_buf_clear(&g->text);
        for (size_t i = 0; i < rec->n_captions; i++) {
            en_sentence(rec->captions[i], &g->tmp);
            if (!g->tmp.len || (g->text.data && strstr(g->text.data, g->tmp.data)))
                continue;
            if (g->text.len)
                vlit_buf_putc(&g->text, ' ');
            vlit_buf_puts(&g->text, g->tmp.data);
        }
        if (n_inv) {
            const char **items = vlit_arena_alloc(g->a, n_inv * sizeof *items);
            if (!items)
                return VLIT_ERR_NOMEM;
            for (size_t k = 0; k < n_inv; k++) {
                if (inv[k].count == 1) {
                    en_article(inv[k].name, 0, &g->tmp);
                } else {
                    en_plural(inv[k].name, &g->plural);
                    vlit_buf_clear(&g->tmp);
                    vlit_buf_printf(&g->tmp, "%d %s", inv[k].count, g->plural.data);
                }
                items[k] = vlit_arena_strndup(g->a, g->tmp.data, g->tmp.len);
            }
            vlit_buf tmp2 = VLIT_BUF_INIT;
            en_list(items, n_inv, &tmp2);
            vlit_buf_printf(&g->text, " The picture contains %s.", tmp2.data);
            vlit_buf_free(&tmp2);
        }
        const char *answer = vlit_arena_strndup(g->a, g->text.data, g->text.len);
        if (!add_round(g, VLIT_AA_DETAIL, fill(g, AS_DETAIL_INS, &r, NULL, 0), answer))
            return VLIT_ERR_NOMEM;
    }
    if (rec->n_captions && wanted(g, VLIT_AA_BRIEF)) {
        rng r = rng_for(g->p->seed, id, VLIT_AA_BRIEF, 0);
        en_sentence(rec->captions[pick(&r, rec->n_captions)], &g->text);
        const char *answer = vlit_arena_strndup(g->a, g->text.data ? g->text.data : "", g->text.len);
        if (g->text.len && !add_round(g, VLIT_AA_BRIEF, fill(g, AS_BRIEF_INS, &r, NULL, 0), answer))
            return VLIT_ERR_NOMEM;
    }
    for (size_t i = 0, made = 0; i < rec->n_qa && made < max && wanted(g, VLIT_AA_VQA); i++) {
        const vlit_clue_qa *q = &rec->qa[i];
        if (!q->majority || !q->majority[0])
            continue;
        rng r = rng_for(g->p->seed, id, VLIT_AA_VQA, i);
        const char *answer;
        int yn = yes_no(q->majority);
        if (yn >= 0) {
            answer = fill(g, yn ? AS_VQA_YES : AS_VQA_NO, &r, NULL, 0);
        } else if (strchr(q->majority, ' ')) {
            en_sentence(q->majority, &g->text); /* already a phrase: keep the annotator's words */
            answer = vlit_arena_strndup(g->a, g->text.data, g->text.len);
        } else {
            f[0] = (vlit_field){"answer", q->majority};
            answer = fill(g, AS_VQA_ANS, &r, f, 1);
        }
        if (!add_round(g, VLIT_AA_VQA, q->question, answer))
            return VLIT_ERR_NOMEM;
        made++;
    }
    for (size_t k = 0, made = 0; !rec->n_qa && !g->p->no_derive && k < n_inv && made < max && wanted(g, VLIT_AA_VQA);
         k++) {
        /* no VQA annotations: which member of a supercategory is shown, when the
         * image has exactly one category of it */
        const char *super = rec->objects[inv[k].first].supercategory;
        if (!super || !super[0] || strcmp(super, inv[k].name) == 0)
            continue;
        int alone = 1;
        for (size_t j = 0; j < n_inv && alone; j++) {
            const char *other = rec->objects[inv[j].first].supercategory;
            alone = j == k || !other || strcmp(other, super) != 0;
        }
        if (!alone)
            continue;
        rng r = rng_for(g->p->seed, id, VLIT_AA_VQA, 100000 + k);
        size_t nf = object_fields(g, inv[k].name, f);
        f[nf++] = (vlit_field){"group", group_noun(g, super)};
        const char *q = fill(g, AS_GROUP_INS, &r, f, nf);
        round *rd = add_round(g, VLIT_AA_VQA, q, fill(g, AS_GROUP_ANS, &r, f, nf));
        if (!rd)
            return VLIT_ERR_NOMEM;
        rd->variant = "vqa-from-objects";
        g->derived++;
        made++;
    }
    for (size_t k = 0, made = 0; k < n_inv && made < max && wanted(g, VLIT_AA_COUNTING); k++) {
        if (inv[k].crowd)
            continue; /* a crowd annotation has no count */
        rng r = rng_for(g->p->seed, id, VLIT_AA_COUNTING, k);
        size_t nf = object_fields(g, inv[k].name, f);
        char num[16];
        snprintf(num, sizeof num, "%d", inv[k].count);
        f[nf++] = (vlit_field){"count", num};
        const char *q = fill(g, AS_COUNT_INS, &r, f, nf);
        const char *a = fill(g, inv[k].count == 1 ? AS_COUNT_ONE : AS_COUNT_MANY, &r, f, nf);
        if (!add_round(g, VLIT_AA_COUNTING, q, a))
            return VLIT_ERR_NOMEM;
        made++;
    }
    for (size_t k = 0; k < n_inv && k < max && wanted(g, VLIT_AA_EXISTENCE); k++) {
        rng r = rng_for(g->p->seed, id, VLIT_AA_EXISTENCE, k);
        size_t nf = object_fields(g, inv[k].name, f);
        const char *q = fill(g, AS_EXIST_INS, &r, f, nf);
        if (!add_round(g, VLIT_AA_EXISTENCE, q, fill(g, AS_EXIST_ANS, &r, f, nf)))
            return VLIT_ERR_NOMEM;
    }
    if (g->n_vocab && wanted(g, VLIT_AA_NEGATIVE)) {
        /* categories of the dataset that this image does not have */
        rng r = rng_for(g->p->seed, id, VLIT_AA_NEGATIVE, 0);
        const char *used[16];
        size_t made = 0;
        for (int attempt = 0; attempt < 32 && made < max && made < 16; attempt++) {
            const char *name = g->vocab[pick(&r, g->n_vocab)];
            int present = 0;
            for (size_t k = 0; k < n_inv && !present; k++)
                present = strcmp(inv[k].name, name) == 0;
            for (size_t u = 0; u < made && !present; u++)
                present = used[u] == name;
            if (present)
                continue;
            used[made++] = name;
            size_t nf = object_fields(g, name, f);
            const char *q = fill(g, AS_EXIST_INS, &r, f, nf);
            if (!add_round(g, VLIT_AA_NEGATIVE, q, fill(g, AS_NEG_ANS, &r, f, nf)))
                return VLIT_ERR_NOMEM;
        }
    }
    for (size_t i = 0, made = 0; i < rec->n_objects && made < max && wanted(g, VLIT_AA_ATTRIBUTE); i++) {
        const vlit_clue_object *o = &rec->objects[i];
        if (!o->n_attributes)
            continue;
        rng r = rng_for(g->p->seed, id, VLIT_AA_ATTRIBUTE, i);
        size_t nf = object_fields(g, o->category, f);
        en_list(o->attributes, o->n_attributes, &g->text);
        const char *attrs = vlit_arena_strndup(g->a, g->text.data, g->text.len);
        f[nf++] = (vlit_field){"attributes", attrs};
        const char *q = fill(g, AS_ATTR_INS, &r, f, nf);
        if (!add_round(g, VLIT_AA_ATTRIBUTE, q, fill(g, AS_ATTR_ANS, &r, f, nf)))
            return VLIT_ERR_NOMEM;
        made++;
    }
    size_t with_attributes = 0;
    for (size_t i = 0; i < rec->n_objects; i++)
        with_attributes += rec->objects[i].n_attributes > 0;
    for (size_t k = 0, made = 0; !with_attributes && !g->p->no_derive && k < n_inv && made < max &&
                                 wanted(g, VLIT_AA_ATTRIBUTE);
         k++) {
        /* no attribute annotations: colours the captions give an object that
         * the image has once */
        if (inv[k].count != 1 || inv[k].crowd)
            continue;
        const char *colours[4];
        size_t n_colours = caption_colours(g, rec, inv[k].name, colours);
        if (!n_colours)
            continue;
        rng r = rng_for(g->p->seed, id, VLIT_AA_ATTRIBUTE, 100000 + k);
        size_t nf = object_fields(g, inv[k].name, f);
        en_list(colours, n_colours, &g->text);
        f[nf++] = (vlit_field){"attributes", vlit_arena_strndup(g->a, g->text.data, g->text.len)};
        const char *q = fill(g, AS_COLOUR_INS, &r, f, nf);
        round *rd = add_round(g, VLIT_AA_ATTRIBUTE, q, fill(g, AS_ATTR_ANS, &r, f, nf));
        if (!rd)
            return VLIT_ERR_NOMEM;
        rd->variant = "attribute-from-captions";
        g->derived++;
        made++;
    }
    for (size_t k = 0, made = 0; k < n_inv && made < max && wanted(g, VLIT_AA_LOCATION); k++) {
        const vlit_clue_object *o = &rec->objects[inv[k].first];
        if (inv[k].count != 1 || !o->has_bbox)
            continue; /* "where is the cup" needs exactly one cup */
        rng r = rng_for(g->p->seed, id, VLIT_AA_LOCATION, k);
        char box[96];
        format_box(o->bbox, rec->width, rec->height, box, sizeof box);
        size_t nf = object_fields(g, o->category, f);
        f[nf++] = (vlit_field){"box", box};
        f[nf++] = (vlit_field){"where", where(o->bbox, rec->width, rec->height)};
        const char *q = fill(g, AS_LOC_INS, &r, f, nf);
        if (!add_round(g, VLIT_AA_LOCATION, q, fill(g, AS_LOC_ANS, &r, f, nf)))
            return VLIT_ERR_NOMEM;
        made++;
    }
    for (size_t i = 0, made = 0; i < rec->n_objects && made < max && wanted(g, VLIT_AA_REGION); i++) {
        const vlit_clue_object *o = &rec->objects[i];
        if (!o->has_bbox || o->iscrowd)
            continue;
        rng r = rng_for(g->p->seed, id, VLIT_AA_REGION, i);
        char box[96];
        format_box(o->bbox, rec->width, rec->height, box, sizeof box);
        size_t nf = object_fields(g, o->category, f);
        f[nf++] = (vlit_field){"box", box};
        const char *q = fill(g, AS_REGION_INS, &r, f, nf);
        round *rd = add_round(g, VLIT_AA_REGION, q, fill(g, AS_REGION_ANS, &r, f, nf));
        if (!rd)
            return VLIT_ERR_NOMEM;
        rd->has_region = 1;
        memcpy(rd->region, o->bbox, sizeof rd->region);
        made++;
    }
    size_t legible = 0;
    for (size_t i = 0; i < rec->n_ocr; i++)
        legible += rec->ocr[i].legible;
    if (legible && wanted(g, VLIT_AA_OCR)) {
        rng r = rng_for(g->p->seed, id, VLIT_AA_OCR, 0);
        const char **words = vlit_arena_alloc(g->a, legible * sizeof *words);
        if (!words)
            return VLIT_ERR_NOMEM;
        size_t n = 0;
        for (size_t i = 0; i < rec->n_ocr; i++) {
            if (!rec->ocr[i].legible)
                continue;
            vlit_buf_clear(&g->tmp);
            vlit_buf_printf(&g->tmp, "\"%s\"", rec->ocr[i].text);
            words[n++] = vlit_arena_strndup(g->a, g->tmp.data, g->tmp.len);
        }
        en_list(words, n, &g->text);
        f[0] = (vlit_field){"text", vlit_arena_strndup(g->a, g->text.data, g->text.len)};
        const char *q = fill(g, AS_OCR_INS, &r, f, 1);
        if (!add_round(g, VLIT_AA_OCR, q, fill(g, AS_OCR_ANS, &r, f, 1)))
            return VLIT_ERR_NOMEM;
    }
    return VLIT_OK;
}

/* ---- samples -------------------------------------------------------------- */

static vlit_status write_sample(gen *g, vlit_writer *w, const vlit_clue_record *rec, const round *const *rs, size_t n,
                                const char *task, const char *id_suffix, vlit_aa_summary *sum, vlit_error *err)
{
    vlit_turn *turns = vlit_arena_alloc(g->a, 2 * n * sizeof *turns);
    char *sid = vlit_arena_alloc(g->a, strlen(rec->id) + strlen(id_suffix) + 2);
    if (!turns || !sid)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        turns[2 * i] = (vlit_turn){"user", rs[i]->question};
        turns[2 * i + 1] = (vlit_turn){"assistant", rs[i]->answer};
        sum->per_task[rs[i]->task]++;
    }
    sprintf(sid, "%s_%s", rec->id, id_suffix);
    const char *image = rec->image;
    vlit_sample s;
    memset(&s, 0, sizeof s);
    s.id = sid;
    s.images = image ? &image : NULL;
    s.n_images = image ? 1 : 0;
    s.source = g->p->source ? g->p->source : "aa";
    s.task = task;
    s.turns = turns;
    s.n_turns = 2 * n;
    if (n == 1 && rs[0]->has_region) {
        s.has_region = 1;
        memcpy(s.region, rs[0]->region, sizeof s.region);
    }
    s.mode = "aa";
    s.variant = n > 1 ? "conversation" : rs[0]->variant ? rs[0]->variant : task_names[rs[0]->task];
    s.completion = -1;
    sum->samples++;
    if (n > 1)
        sum->conversations++;
    return vlit_writer_write(w, &s, err);
}

static vlit_status samples_for(gen *g, vlit_writer *w, const vlit_clue_record *rec, vlit_aa_summary *sum,
                               vlit_error *err)
{
    size_t turns = g->p->turns ? g->p->turns : 1;
    const round **chat = vlit_arena_alloc(g->a, (g->n_rounds + 1) * sizeof *chat);
    if (!chat)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    size_t n_chat = 0, per_task[VLIT_AA_TASK_COUNT] = {0};
    char suffix[64];
    vlit_status st = VLIT_OK;
    for (size_t i = 0; i < g->n_rounds && !st; i++) {
        const round *r = &g->rounds[i];
        /* descriptions and marked regions stand alone; short answers may be
         * joined into conversations */
        int alone = turns <= 1 || r->task == VLIT_AA_DETAIL || r->task == VLIT_AA_BRIEF || r->task == VLIT_AA_REGION;
        if (!alone) {
            chat[n_chat++] = r;
            continue;
        }
        snprintf(suffix, sizeof suffix, "%s_%zu", task_names[r->task], per_task[r->task]++);
        st = write_sample(g, w, rec, &r, 1, task_names[r->task], suffix, sum, err);
    }
    if (st || !n_chat)
        return st;
    rng rr = rng_for(g->p->seed, rec->id, VLIT_AA_TASK_COUNT, 0);
    for (size_t i = n_chat; i > 1; i--) { /* Fisher-Yates */
        size_t j = pick(&rr, i);
        const round *tmp = chat[i - 1];
        chat[i - 1] = chat[j];
        chat[j] = tmp;
    }
    for (size_t i = 0, k = 0; i < n_chat && !st; i += turns, k++) {
        size_t n = n_chat - i < turns ? n_chat - i : turns;
        snprintf(suffix, sizeof suffix, "conversation_%zu", k);
        st = write_sample(g, w, rec, chat + i, n, n == 1 ? task_names[chat[i]->task] : "conversation", suffix, sum,
                          err);
    }
    return st;
}

/* ---- the two passes --------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void skip_note(void *ctx, const char *message)
{
    const vlit_aa_params *p = ctx;
    if (p->on_skip)
        p->on_skip(p->ctx, message);
}

static vlit_status read_vocabulary(const vlit_aa_params *p, const char *clues_path, vlit_strmap *names,
                                   const char ***vocab, size_t *n_vocab, vlit_error *err)
{
    vlit_clue_reader *r;
    vlit_status st = vlit_clue_reader_open(clues_path, p->skip_bad, &r, err);
    if (st)
        return st;
    const vlit_clue_record *rec;
    while ((st = vlit_clue_reader_next(r, &rec, err)) == VLIT_OK)
        for (size_t i = 0; i < rec->n_objects; i++) {
            int ins;
            if (!vlit_strmap_put(names, rec->objects[i].category, strlen(rec->objects[i].category), 0, &ins, NULL)) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
        }
    vlit_clue_reader_close(r);
    if (st != VLIT_END)
        return st;
    *vocab = malloc((names->len ? names->len : 1) * sizeof **vocab);
    if (!*vocab)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    /* sorted: the vocabulary's order must not depend on hashing */
    vlit_strmap_keys(names, *vocab);
    *n_vocab = names->len;
    qsort(*vocab, *n_vocab, sizeof **vocab, cmp_str);
    return VLIT_OK;
}

vlit_status vlit_generate_aa(const vlit_aa_params *p, const char *clues_path, const char *out_path, vlit_format fmt,
                             vlit_aa_summary *summary, vlit_error *err)
{
    vlit_aa_summary local;
    if (!summary)
        summary = &local;
    memset(summary, 0, sizeof *summary);
    if (!p->templates)
        return vlit_err(err, VLIT_ERR_USAGE, "no AA template file given");
    if (p->shard_count > 1 && p->shard_index >= p->shard_count)
        return vlit_err(err, VLIT_ERR_USAGE, "shard %u/%u: index must be below the count", p->shard_index,
                        p->shard_count);
    aa_templates *t = NULL;
    vlit_strmap names;
    vlit_strmap_init(&names);
    const char **vocab = NULL;
    size_t n_vocab = 0;
    vlit_clue_reader *r = NULL;
    vlit_writer *w = NULL;
    vlit_arena arena;
    vlit_arena_init(&arena, 64 * 1024);
    gen g;
    memset(&g, 0, sizeof g);
    vlit_status st = aa_templates_load(p->templates, &t, err);
    if (!st)
        st = read_vocabulary(p, clues_path, &names, &vocab, &n_vocab, err);
    if (!st)
        st = vlit_clue_reader_open(clues_path, p->skip_bad, &r, err);
    if (!st)
        st = vlit_writer_open(out_path, fmt, &w, err);
    if (st)
        goto out;
    vlit_clue_reader_on_skip(r, skip_note, (void *)p);
    g.p = p;
    g.t = t;
    g.vocab = vocab;
    g.n_vocab = n_vocab;
    g.a = &arena;
    const vlit_clue_record *rec;
    size_t position = 0;
    for (; (st = vlit_clue_reader_next(r, &rec, err)) == VLIT_OK; position++) {
        if (p->shard_count > 1 && vlit_hash(rec->id, strlen(rec->id)) % p->shard_count != p->shard_index)
            continue;
        size_t before = summary->samples;
        vlit_arena_reset(&arena);
        summary->records++;
        if ((st = rounds_for(&g, rec))) {
            st = vlit_err(err, st, "record %s: %s", rec->id, vlit_status_str(st));
            break;
        }
        if ((st = samples_for(&g, w, rec, summary, err)))
            break;
        summary->derived += g.derived;
        g.derived = 0;
        if (p->on_record)
            p->on_record(p->record_ctx, position, summary->samples - before);
    }
    summary->skipped = vlit_clue_reader_skipped(r);
    if (st == VLIT_END) {
        st = vlit_writer_commit(w, err);
        w = NULL;
    }
out:
    vlit_writer_abort(w);
    vlit_clue_reader_close(r);
    aa_templates_free(t);
    free(vocab);
    vlit_strmap_free(&names);
    vlit_arena_free(&arena);
    free(g.rounds);
    vlit_buf_free(&g.tmp);
    vlit_buf_free(&g.name_a);
    vlit_buf_free(&g.name_A);
    vlit_buf_free(&g.plural);
    vlit_buf_free(&g.text);
    return st;
}
