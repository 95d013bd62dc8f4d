/* The clue records of a scoring run, in memory, by image path. */
#include "clue_index.h"

#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/strmap.h"

#define AMBIGUOUS UINT32_MAX

struct clue_index {
    vlit_arena arena;
    vlit_strmap strings;   /* interned categories, attributes, sources */
    vlit_strmap by_path;   /* image path -> record number */
    vlit_strmap by_name;   /* file name -> record number, or AMBIGUOUS */
    score_clue **records;
    size_t n, cap, skipped;
};

static const char *intern(clue_index *ix, const char *s)
{
    if (!s)
        return NULL;
    const char *stored = NULL;
    int inserted;
    if (!vlit_strmap_put(&ix->strings, s, strlen(s), 0, &inserted, &stored))
        return NULL;
    return stored;
}

static char *dup(clue_index *ix, const char *s) { return s ? vlit_arena_strdup(&ix->arena, s) : NULL; }

/* A copy of rec without its captions; NULL when out of memory. */
static score_clue *copy_record(clue_index *ix, const vlit_clue_record *rec)
{
    vlit_arena *a = &ix->arena;
    score_clue *c = vlit_arena_alloc(a, sizeof *c);
    if (!c)
        return NULL;
    *c = *rec;
    c->id = dup(ix, rec->id);
    c->image = dup(ix, rec->image);
    c->captions = NULL;
    c->n_captions = 0;
    vlit_clue_object *objs = rec->n_objects ? vlit_arena_alloc(a, rec->n_objects * sizeof *objs) : NULL;
    if ((rec->n_objects && !objs) || !c->id || !c->image)
        return NULL;
    for (size_t i = 0; i < rec->n_objects; i++) {
        objs[i] = rec->objects[i];
        objs[i].category = intern(ix, rec->objects[i].category);
        objs[i].supercategory = intern(ix, rec->objects[i].supercategory);
        if (rec->objects[i].n_attributes) {
            const char **attrs = vlit_arena_alloc(a, rec->objects[i].n_attributes * sizeof *attrs);
            if (!attrs)
                return NULL;
            for (size_t k = 0; k < rec->objects[i].n_attributes; k++)
                attrs[k] = intern(ix, rec->objects[i].attributes[k]);
            objs[i].attributes = attrs;
        }
    }
    c->objects = objs;
    vlit_clue_qa *qa = rec->n_qa ? vlit_arena_alloc(a, rec->n_qa * sizeof *qa) : NULL;
    if (rec->n_qa && !qa)
        return NULL;
    for (size_t i = 0; i < rec->n_qa; i++) {
        qa[i] = rec->qa[i];
        qa[i].question = dup(ix, rec->qa[i].question);
        qa[i].source = intern(ix, rec->qa[i].source);
        vlit_clue_answer *ans = rec->qa[i].n_answers ? vlit_arena_alloc(a, rec->qa[i].n_answers * sizeof *ans) : NULL;
        if (rec->qa[i].n_answers && !ans)
            return NULL;
        qa[i].majority = NULL;
        for (size_t k = 0; k < rec->qa[i].n_answers; k++) {
            ans[k].answer = intern(ix, rec->qa[i].answers[k].answer);
            ans[k].count = rec->qa[i].answers[k].count;
            if (rec->qa[i].majority && rec->qa[i].answers[k].answer == rec->qa[i].majority)
                qa[i].majority = ans[k].answer;
        }
        if (rec->qa[i].majority && !qa[i].majority)
            qa[i].majority = intern(ix, rec->qa[i].majority);
        qa[i].answers = ans;
    }
    c->qa = qa;
    vlit_clue_ocr *ocr = rec->n_ocr ? vlit_arena_alloc(a, rec->n_ocr * sizeof *ocr) : NULL;
    if (rec->n_ocr && !ocr)
        return NULL;
    for (size_t i = 0; i < rec->n_ocr; i++) {
        ocr[i] = rec->ocr[i];
        ocr[i].text = dup(ix, rec->ocr[i].text);
        ocr[i].source = intern(ix, rec->ocr[i].source);
    }
    c->ocr = ocr;
    return c;
}

static const char *file_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static vlit_status add(clue_index *ix, const vlit_clue_record *rec, const char *path, vlit_error *err)
{
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 1024;
        score_clue **r = realloc(ix->records, cap * sizeof *r);
        if (!r)
            return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
        ix->records = r;
        ix->cap = cap;
    }
    int inserted;
    uint32_t *slot = vlit_strmap_put(&ix->by_path, rec->image, strlen(rec->image), (uint32_t)ix->n, &inserted, NULL);
    if (!slot)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    if (!inserted)
        return VLIT_OK; /* a second record of the same image: the first one counts */
    score_clue *c = copy_record(ix, rec);
    if (!c)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    const char *name = file_name(rec->image);
    uint32_t *by_name = vlit_strmap_put(&ix->by_name, name, strlen(name), (uint32_t)ix->n, &inserted, NULL);
    if (!by_name)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    if (!inserted)
        *by_name = AMBIGUOUS;
    ix->records[ix->n++] = c;
    return VLIT_OK;
}

vlit_status clue_index_load(const char *path, int skip_bad, void (*on_skip)(void *ctx, const char *message),
                            void *ctx, clue_index **out, vlit_error *err)
{
    *out = NULL;
    clue_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
    vlit_arena_init(&ix->arena, 1 << 20);
    vlit_strmap_init(&ix->strings);
    vlit_strmap_init(&ix->by_path);
    vlit_strmap_init(&ix->by_name);
    vlit_clue_reader *r;
    vlit_status st = vlit_clue_reader_open(path, skip_bad, &r, err);
    if (st) {
        clue_index_free(ix);
        return st;
    }
    vlit_clue_reader_on_skip(r, on_skip, ctx);
    const vlit_clue_record *rec;
    while ((st = vlit_clue_reader_next(r, &rec, err)) == VLIT_OK) {
        if (ix->n >= AMBIGUOUS - 1) {
            st = vlit_err(err, VLIT_ERR_LIMIT, "%s: more than %u clue records", path, AMBIGUOUS - 1);
            break;
        }
        if ((st = add(ix, rec, path, err)))
            break;
    }
    ix->skipped = vlit_clue_reader_skipped(r);
    vlit_clue_reader_close(r);
    if (st != VLIT_END) {
        clue_index_free(ix);
        return st;
    }
    *out = ix;
    return VLIT_OK;
}

const score_clue *clue_index_find(const clue_index *ix, const char *image)
{
    if (!ix || !image)
        return NULL;
    const uint32_t *slot = vlit_strmap_get(&ix->by_path, image, strlen(image));
    if (slot)
        return ix->records[*slot];
    const char *name = file_name(image);
    slot = vlit_strmap_get(&ix->by_name, name, strlen(name));
    return slot && *slot != AMBIGUOUS ? ix->records[*slot] : NULL;
}

size_t clue_index_size(const clue_index *ix) { return ix ? ix->n : 0; }
size_t clue_index_skipped(const clue_index *ix) { return ix ? ix->skipped : 0; }

void clue_index_free(clue_index *ix)
{
    if (!ix)
        return;
    vlit_arena_free(&ix->arena);
    vlit_strmap_free(&ix->strings);
    vlit_strmap_free(&ix->by_path);
    vlit_strmap_free(&ix->by_name);
    free(ix->records);
    free(ix);
}
