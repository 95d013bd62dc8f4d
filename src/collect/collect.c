/* vlit_collect(): reads each given annotation file in a fixed order (image
 * lists first, then what refers to them), then joins and writes. */
#include <stdlib.h>
#include <string.h>

#include "collect_internal.h"

vlit_collect_params vlit_collect_default_params(void)
{
    vlit_collect_params p;
    memset(&p, 0, sizeof p);
    p.ocr_lang = "eng";
    p.ocr_min_confidence = 60;
    p.max_text = 64 * 1024;
    return p;
}

static void table_free(cl_table *t)
{
    vlit_arena_free(&t->strings);
    vlit_strmap_free(&t->image_ids);
    vlit_strmap_free(&t->interned);
    vlit_u64map_free(&t->qids);
    free(t->images.v);
    free(t->captions.v);
    free(t->objects.v);
    free(t->qa.v);
    free(t->answers.v);
    free(t->ocr.v);
    free(t->vaw.v);
    free(t->attr_names.v);
    free(t->categories.v);
}

/* One input with its fixed rank; VQA questions and answers are one input
 * because the answers are looked up by question id. */
typedef struct unit {
    vlit_status (*read)(cl_table *, const char *, vlit_error *);
    const char *path, *path2;
    vlit_status (*read2)(cl_table *, const char *, vlit_error *);
    uint64_t rank;
    long long size;
    int group;
} unit;

typedef struct group {
    cl_table t;
    vlit_collect_summary sum;
    vlit_error err;
    vlit_status st;
    int failed_rank;
    unit *units;
    size_t n_units;
    int index;
} group;

static void table_init(cl_table *t, const vlit_collect_params *p, vlit_collect_summary *sum, pthread_mutex_t *lock)
{
    memset(t, 0, sizeof *t);
    t->p = p;
    t->sum = sum;
    t->callback_lock = lock;
    vlit_arena_init(&t->strings, 1 << 20);
    vlit_strmap_init(&t->image_ids);
    vlit_strmap_init(&t->interned);
}

static void *read_group(void *arg)
{
    group *g = arg;
    g->st = VLIT_OK;
    for (size_t i = 0; i < g->n_units && !g->st; i++) {
        unit *u = &g->units[i];
        if (u->group != g->index)
            continue;
        g->t.rank = u->rank;
        g->st = u->read(&g->t, u->path, &g->err);
        if (!g->st && u->read2)
            g->st = u->read2(&g->t, u->path2, &g->err);
        if (g->st)
            g->failed_rank = (int)u->rank;
    }
    return NULL;
}

static long long file_size(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    fseek(fp, 0, SEEK_END);
    long long n = ftell(fp);
    fclose(fp);
    return n;
}

vlit_status vlit_collect(const vlit_collect_params *p, const char *out_path, vlit_collect_summary *summary,
                         vlit_error *err)
{
    vlit_collect_summary local;
    if (!summary)
        summary = &local;
    memset(summary, 0, sizeof *summary);
    if (!p->coco_captions && !p->coco_instances && !p->coco_keypoints && !p->vqa_questions && !p->coco_text &&
        !p->vaw && !p->textvqa)
        return vlit_err(err, VLIT_ERR_USAGE, "no input: give at least one annotation file");
    if (p->vqa_annotations && !p->vqa_questions)
        return vlit_err(err, VLIT_ERR_USAGE, "VQA annotations need the VQA questions file too");
    if (p->shard_count > 1 && p->shard_index >= p->shard_count)
        return vlit_err(err, VLIT_ERR_USAGE, "shard %u/%u: index must be below the count", p->shard_index,
                        p->shard_count);
    if (p->ocr && !p->image_root)
        return vlit_err(err, VLIT_ERR_USAGE, "OCR needs the images: give an image root");

    /* The fixed order: files with images lists first, then what refers to
     * them. Output follows the order in which images are first mentioned in
     * this order, however the inputs are spread over threads. */
    unit all[] = {
        {cl_read_coco_captions, p->coco_captions, NULL, NULL, 0, 0, 0},
        {cl_read_coco_instances, p->coco_instances, NULL, NULL, 1, 0, 0},
        {cl_read_coco_keypoints, p->coco_keypoints, NULL, NULL, 2, 0, 0},
        {cl_read_coco_text, p->coco_text, NULL, NULL, 3, 0, 0},
        {cl_read_vqa_questions, p->vqa_questions, p->vqa_annotations, p->vqa_annotations ? cl_read_vqa_annotations : NULL,
         4, 0, 0},
        {cl_read_textvqa, p->textvqa, NULL, NULL, 5, 0, 0},
        {cl_read_vaw, p->vaw, NULL, NULL, 6, 0, 0},
    };
    unit units[7];
    size_t n = 0;
    for (size_t i = 0; i < 7; i++)
        if (all[i].path)
            units[n++] = all[i];

    /* Spread the inputs over at most two reader threads (reading is
     * parsing, and the machines we target have two cores or more): the
     * largest input first, each onto the lighter thread. */
    int n_groups = p->threads == 1 || n < 2 ? 1 : 2;
    for (size_t i = 0; i < n; i++)
        units[i].size = file_size(units[i].path) + (units[i].path2 ? file_size(units[i].path2) : 0);
    size_t by_size[7];
    for (size_t i = 0; i < n; i++) {
        size_t k = i;
        while (k > 0 && units[by_size[k - 1]].size < units[i].size) {
            by_size[k] = by_size[k - 1];
            k--;
        }
        by_size[k] = i;
    }
    long long load[2] = {0, 0};
    for (size_t k = 0; k < n; k++) {
        unit *u = &units[by_size[k]];
        u->group = n_groups == 2 && load[1] < load[0] ? 1 : 0;
        load[u->group] += u->size;
    }

    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    group groups[2];
    memset(groups, 0, sizeof groups);
    for (int g = 0; g < n_groups; g++) {
        table_init(&groups[g].t, p, &groups[g].sum, &lock);
        groups[g].units = units;
        groups[g].n_units = n;
        groups[g].index = g;
    }
    pthread_t thread;
    int threaded = n_groups == 2 && pthread_create(&thread, NULL, read_group, &groups[1]) == 0;
    read_group(&groups[0]);
    if (threaded)
        pthread_join(thread, NULL);
    else if (n_groups == 2)
        read_group(&groups[1]);

    vlit_status st = VLIT_OK;
    /* report the failure of the earliest input, as a sequential run would */
    int first = -1;
    for (int g = 0; g < n_groups; g++)
        if (groups[g].st && (first < 0 || groups[g].failed_rank < groups[first].failed_rank))
            first = g;
    if (first >= 0) {
        st = groups[first].st;
        if (err)
            *err = groups[first].err;
    }
    if (!st && n_groups == 2)
        st = cl_merge(&groups[0].t, &groups[1].t, err);
    if (!st)
        st = cl_join_and_write(&groups[0].t, out_path, err);
    *summary = groups[0].sum;
    summary->skipped += groups[1].sum.skipped;
    for (int g = 0; g < n_groups; g++)
        table_free(&groups[g].t);
    return st;
}
