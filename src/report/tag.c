/* vlit_tag: a tags file for a samples file, by rules (streaming) or by the
 * LLM tagger (tasks_llm.c). */
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "tasks_internal.h"

vlit_tag_params vlit_tag_default_params(void)
{
    vlit_tag_params p;
    memset(&p, 0, sizeof p);
    p.method = VLIT_TAG_RULES;
    p.max_failed = -1;
    p.shard_count = 1;
    return p;
}

typedef struct skip_ctx {
    const vlit_tag_params *p;
} skip_ctx;

static void on_skip(void *ctx, const vlit_error *why)
{
    const skip_ctx *c = ctx;
    if (c->p->on_skip)
        c->p->on_skip(c->p->ctx, why->message);
}

static vlit_status tag_rules(const char *samples_path, vlit_format fmt, const vlit_tag_params *p, const char *out_path,
                             vlit_tag_summary *sum, vlit_error *err)
{
    vlit_status st = vlit_task_rules_check(err);
    if (st)
        return st;
    unsigned shards = p->shard_count ? p->shard_count : 1;
    skip_ctx sc = {p};
    vlit_reader_params rp = vlit_reader_default_params();
    rp.skip_bad = p->skip_bad;
    rp.on_skip = on_skip;
    rp.ctx = &sc;
    vlit_reader *rd = NULL;
    vlit_output *out = NULL;
    vlit_buf line = VLIT_BUF_INIT;
    if ((st = vlit_reader_open(samples_path, fmt, &rp, &rd, err)))
        return st;
    if ((st = vlit_output_open(out_path, &out, err))) {
        vlit_reader_close(rd);
        return st;
    }
    FILE *fp = vlit_output_file(out);
    const vlit_sample *s;
    size_t position = 0;
    while ((st = vlit_reader_next(rd, &s, err)) == VLIT_OK) {
        size_t pos = position++;
        if (shards > 1 && pos % shards != p->shard_index)
            continue;
        size_t l = vlit_task_tag_rules(s);
        const char *name = vlit_task_name(l);
        if (!name) { /* cannot happen after vlit_task_rules_check */
            st = vlit_err(err, VLIT_ERR_DATA, "the embedded task rules are not loaded");
            break;
        }
        vlit_buf_clear(&line);
        char idbuf[32];
        const char *id = s->id;
        if (!id) {
            snprintf(idbuf, sizeof idbuf, "#%zu", pos);
            id = idbuf;
        }
        if ((st = tf_write_line(&line, pos, id, name, "rules", NULL))) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            break;
        }
        if (fwrite(line.data, 1, line.len, fp) != line.len) {
            st = vlit_err(err, VLIT_ERR_IO, "%s: write error", out_path);
            break;
        }
        sum->samples++;
        if (s->task && *s->task) {
            sum->with_task++;
            sum->agree += strcmp(s->task, name) == 0;
        }
    }
    if (st == VLIT_END)
        st = VLIT_OK;
    sum->skipped = vlit_reader_skipped(rd);
    vlit_reader_close(rd);
    vlit_buf_free(&line);
    if (st) {
        vlit_output_abort(out);
        return st;
    }
    return vlit_output_commit(out, err);
}

vlit_status vlit_tag(const char *samples_path, vlit_format fmt, const vlit_tag_params *params, const char *out_path,
                     vlit_tag_summary *summary, vlit_error *err)
{
    vlit_tag_summary local;
    vlit_tag_summary *sum = summary ? summary : &local;
    memset(sum, 0, sizeof *sum);
    vlit_tag_params p = params ? *params : vlit_tag_default_params();
    if (!samples_path || !out_path)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_tag needs a samples file and an output file");
    unsigned shards = p.shard_count ? p.shard_count : 1;
    if (p.shard_index >= shards)
        return vlit_err(err, VLIT_ERR_USAGE, "shard %u/%u: index must be below the count", p.shard_index, shards);
    switch (p.method) {
    case VLIT_TAG_RULES: return tag_rules(samples_path, fmt, &p, out_path, sum, err);
    case VLIT_TAG_LLM:
        if (shards > 1)
            return vlit_err(err, VLIT_ERR_USAGE,
                            "the LLM tagger builds one tag list from the whole dataset: run it without --shard "
                            "(its requests are answered from the run store when run again)");
        return tl_run(samples_path, fmt, &p, out_path, sum, err);
    }
    return vlit_err(err, VLIT_ERR_USAGE, "unknown tagging method %d", (int)p.method);
}
