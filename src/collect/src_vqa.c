/* VQA v2: questions file {"questions": [{image_id, question, question_id}]}
 * and annotations file {"annotations": [{question_id, image_id, answers:
 * [{answer, answer_confidence, answer_id}], multiple_choice_answer}]}. The ten
 * answers are kept as distinct answers with counts. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "collect_internal.h"

#define MAX_ANSWERS 1000

static vlit_status question_elem(cl_table *t, uint16_t file, const vj_elem *e, vlit_error *err)
{
    cl_loc loc = cl_loc_of(t, file, e);
    const vj *q = e->value;
    char id[128], why[256];
    int64_t qid;
    if (q->type != VJ_OBJECT)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "question must be an object, not %s", vj_type_name(q->type));
    if (!vj_int(vj_get(q, "question_id"), &qid))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"question_id\" must be an integer");
    if (!cl_text(t, vj_get(q, "question"), "question", why, sizeof why))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "question %" PRId64 ": %s", qid, why);
    if (!vj_id(vj_get(q, "image_id"), id, sizeof id))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "question %" PRId64 ": field \"image_id\" must be an integer", qid);
    int inserted;
    uint32_t *slot = vlit_u64map_put(&t->qids, (uint64_t)qid, (uint32_t)t->qa.n, &inserted);
    if (!slot)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (!inserted)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "duplicate question_id %" PRId64, qid);
    uint32_t img;
    vlit_status st = cl_image_ref(t, id, loc, &img, err);
    if (st)
        return st;
    cl_qa *qa = CL_PUSH(t->qa);
    const vj *text = vj_get(q, "question");
    if (!qa || !(qa->question = cl_strdup(t, text->str, text->len)))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    qa->img = img;
    qa->qid = qid;
    qa->source = CL_SRC_VQA;
    qa->loc = loc;
    t->images.v[img].sources |= CL_SRC_VQA;
    return VLIT_OK;
}

vlit_status cl_read_vqa_questions(cl_table *t, const char *path, vlit_error *err)
{
    static const char *const sections[] = {"questions", NULL};
    return cl_stream(t, path, sections, NULL, "vqa questions", question_elem, err);
}

/* Adds answers (strings) to qa as distinct answers with counts. */
static vlit_status add_answers(cl_table *t, cl_qa *qa, const vj *const *texts, size_t n, vlit_error *err)
{
    qa->ans_first = (uint32_t)t->answers.n;
    qa->n_ans = 0;
    for (size_t i = 0; i < n; i++) {
        const vj *s = texts[i];
        cl_answer *a = NULL;
        for (uint32_t k = 0; k < qa->n_ans; k++) {
            cl_answer *c = &t->answers.v[qa->ans_first + k];
            if (strcmp(c->text, s->str) == 0) {
                a = c;
                break;
            }
        }
        if (!a) {
            a = CL_PUSH(t->answers);
            if (!a || !(a->text = cl_intern(t, s->str, s->len)))
                return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            qa->n_ans++;
        }
        a->count++;
    }
    return VLIT_OK;
}

static vlit_status annotation_elem(cl_table *t, uint16_t file, const vj_elem *e, vlit_error *err)
{
    cl_loc loc = cl_loc_of(t, file, e);
    const vj *a = e->value;
    int64_t qid;
    char id[128], why[256];
    if (a->type != VJ_OBJECT)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "annotation must be an object, not %s", vj_type_name(a->type));
    if (!vj_int(vj_get(a, "question_id"), &qid))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"question_id\" must be an integer");
    uint32_t *slot = vlit_u64map_get(&t->qids, (uint64_t)qid);
    if (!slot)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "question_id %" PRId64 " is not in the questions file", qid);
    cl_qa *qa = &t->qa.v[*slot];
    if (qa->n_ans)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "question_id %" PRId64 " is annotated twice", qid);
    if (!vj_id(vj_get(a, "image_id"), id, sizeof id) || strcmp(id, t->images.v[qa->img].id) != 0)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "question %" PRId64 ": image_id does not match the questions file (%s)",
                      qid, t->images.v[qa->img].id);
    const vj *ans = vj_get(a, "answers");
    if (!ans || ans->type != VJ_ARRAY)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "question %" PRId64 ": field \"answers\" must be an array", qid);
    if (ans->len > MAX_ANSWERS)
        return cl_bad(t, loc, err, VLIT_ERR_LIMIT, "question %" PRId64 ": %zu answers, more than %d", qid, ans->len,
                      MAX_ANSWERS);
    const vj *texts[MAX_ANSWERS];
    for (size_t i = 0; i < ans->len; i++) {
        const vj *one = ans->items[i];
        if (one->type != VJ_OBJECT || !cl_text(t, vj_get(one, "answer"), "answer", why, sizeof why))
            return cl_bad(t, loc, err, VLIT_ERR_DATA, "question %" PRId64 ": answers[%zu]: %s", qid, i,
                          one->type != VJ_OBJECT ? "must be an object" : why);
        texts[i] = vj_get(one, "answer");
    }
    const vj *mc = vj_get(a, "multiple_choice_answer");
    if (mc && vj_is_text(mc) && !(qa->mc_answer = cl_intern(t, mc->str, mc->len)))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    return add_answers(t, qa, texts, ans->len, err);
}

vlit_status cl_read_vqa_annotations(cl_table *t, const char *path, vlit_error *err)
{
    static const char *const sections[] = {"annotations", NULL};
    return cl_stream(t, path, sections, NULL, "vqa annotations", annotation_elem, err);
}

/* TextVQA / ST-VQA style: {"data": [{question, image_id, answers: [strings],
 * question_id, image_width, image_height}]}. Without an images list from
 * another file, TextVQA defines its images as "<image_id>.jpg". */
static vlit_status textvqa_elem(cl_table *t, uint16_t file, const vj_elem *e, vlit_error *err)
{
    cl_loc loc = cl_loc_of(t, file, e);
    const vj *q = e->value;
    char id[128], why[256];
    if (q->type != VJ_OBJECT)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "entry must be an object, not %s", vj_type_name(q->type));
    if (!vj_id(vj_get(q, "image_id"), id, sizeof id))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"image_id\" must be a non-empty string or an integer");
    if (!cl_text(t, vj_get(q, "question"), "question", why, sizeof why))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "%s", why);
    int64_t qid = -1;
    const vj *qv = vj_get(q, "question_id");
    if (qv && !vj_int(qv, &qid))
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"question_id\" must be an integer");
    const vj *ans = vj_get(q, "answers");
    if (!ans || ans->type != VJ_ARRAY)
        return cl_bad(t, loc, err, VLIT_ERR_DATA, "field \"answers\" must be an array of strings");
    if (ans->len > MAX_ANSWERS)
        return cl_bad(t, loc, err, VLIT_ERR_LIMIT, "%zu answers, more than %d", ans->len, MAX_ANSWERS);
    const vj *texts[MAX_ANSWERS];
    for (size_t i = 0; i < ans->len; i++) {
        if (!cl_text(t, ans->items[i], "answers[]", why, sizeof why))
            return cl_bad(t, loc, err, VLIT_ERR_DATA, "answers[%zu]: %s", i, why);
        texts[i] = ans->items[i];
    }
    uint32_t img;
    vlit_status st = cl_image_ref(t, id, loc, &img, err);
    if (st)
        return st;
    cl_image *im = &t->images.v[img];
    if (!im->defined && !im->file_name) {
        int64_t w = 0, h = 0;
        char name[160];
        snprintf(name, sizeof name, "%s.jpg", id);
        vj_int(vj_get(q, "image_width"), &w);
        vj_int(vj_get(q, "image_height"), &h);
        if (w < 0 || h < 0 || w > 100000 || h > 100000)
            return cl_bad(t, loc, err, VLIT_ERR_LIMIT, "image size %" PRId64 "x%" PRId64 " is out of range", w, h);
        if (!(im->file_name = cl_strdup(t, name, strlen(name))))
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        im->width = (int32_t)w;
        im->height = (int32_t)h;
    }
    cl_qa *qa = CL_PUSH(t->qa);
    const vj *text = vj_get(q, "question");
    if (!qa || !(qa->question = cl_strdup(t, text->str, text->len)))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    qa->img = img;
    qa->qid = qid;
    qa->source = CL_SRC_TEXTVQA;
    qa->loc = loc;
    im->sources |= CL_SRC_TEXTVQA;
    return add_answers(t, qa, texts, ans->len, err);
}

vlit_status cl_read_textvqa(cl_table *t, const char *path, vlit_error *err)
{
    static const char *const sections[] = {"data", NULL};
    return cl_stream(t, path, sections, NULL, "textvqa", textvqa_elem, err);
}
