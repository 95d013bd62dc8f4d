/* Report partials: a folder per shard with manifest.jsonl (counts, exact
 * sums, value counts, worst lists, positions, images, categories; one JSON
 * object a line) and the side files of the engines: one co-occurrence graph
 * partial per task (vlit_graph_write_partial) and the text and image set
 * partials (vlit/embed.h). docs/report.md describes the format. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/json.h"
#include "report_internal.h"

#define PARTIAL_VERSION 1

static const char *format_name(vlit_format f)
{
    return vlit_format_name(f);
}

vlit_status rp_options_json(const rp_run *run, vlit_buf *b, vlit_error *err)
{
    const vlit_report_params *p = &run->p;
    vlit_status st = vlit_buf_printf(b, "{\"equalize\":%s,\"seed\":%" PRIu64 ",\"min_cluster\":%zu,\"min_weight\":",
                                     p->equalize ? "true" : "false", p->seed, p->min_cluster);
    if (!st)
        st = vj_write_num(b, p->min_weight);
    if (!st)
        st = vlit_buf_printf(b, ",\"lemmatize\":%s,\"text_method\":", p->lemmatize ? "true" : "false");
    if (!st)
        st = vj_write_cstr(b, p->text_method);
    if (!st)
        st = vlit_buf_printf(b, ",\"text_dim\":%zu,\"eps_text\":", p->text_dim);
    if (!st)
        st = vj_write_num(b, p->eps_text);
    if (!st)
        st = vlit_buf_printf(b, ",\"min_samples_text\":%zu,\"image_method\":", p->min_samples_text);
    if (!st)
        st = vj_write_cstr(b, p->image_method);
    if (!st)
        st = vlit_buf_puts(b, ",\"eps_image\":");
    if (!st)
        st = vj_write_num(b, p->eps_image);
    if (!st)
        st = vlit_buf_printf(b, ",\"min_samples_image\":%zu,\"embed_model\":", p->min_samples_image);
    if (!st)
        st = p->embed_model ? vj_write_cstr(b, p->embed_model) : vlit_buf_puts(b, "null");
    if (!st)
        st = vlit_buf_putc(b, '}');
    return st ? vlit_err(err, st, "out of memory") : VLIT_OK;
}

/* ---- writing ---- */

/* dir/file into out; 0 when it does not fit */
static int join(char *out, size_t cap, const char *dir, const char *file)
{
    int n = snprintf(out, cap, "%s/%s", dir, file);
    return n >= 0 && (size_t)n < cap;
}

static vlit_status put_str(vlit_buf *b, const char *key, const char *v)
{
    vlit_status st = vlit_buf_printf(b, ",\"%s\":", key);
    if (!st)
        st = v ? vj_write_cstr(b, v) : vlit_buf_puts(b, "null");
    return st;
}

static vlit_status write_manifest(rp_run *run, const char *dir, vlit_error *err)
{
    char path[PATH_MAX];
    vlit_buf b = VLIT_BUF_INIT;
    vlit_status st =
        vlit_buf_printf(&b, "{\"vlit_report_partial\":%d,\"shard\":%u,\"shards\":%u,\"options\":", PARTIAL_VERSION,
                        run->shard_index, run->shard_count);
    if (!st)
        st = rp_options_json(run, &b, err);
    if (!st)
        st = vlit_buf_puts(&b, ",\"datasets\":[");
    for (size_t i = 0; i < run->n && !st; i++) {
        rp_ds *d = &run->ds[i];
        st = vlit_buf_printf(&b, "%s{\"format\":\"%s\"", i ? "," : "", format_name(d->format));
        if (!st)
            st = put_str(&b, "name", d->name);
        if (!st)
            st = put_str(&b, "path", d->path);
        if (!st)
            st = put_str(&b, "clues", d->clues_path);
        if (!st)
            st = put_str(&b, "scores", d->scores_path);
        if (!st)
            st = put_str(&b, "tags", d->tags_path);
        if (!st)
            st = vlit_buf_putc(&b, '}');
    }
    if (!st)
        st = vlit_buf_puts(&b, "]}\n");
    for (size_t i = 0; i < run->n && !st; i++) {
        rp_ds *d = &run->ds[i];
        st = vlit_buf_printf(&b,
                             "{\"dataset\":%zu,\"total\":%" PRIu64 ",\"selected\":%" PRIu64 ",\"skipped\":%" PRIu64
                             ",\"samples\":%" PRIu64 ",\"untagged\":%" PRIu64 ",\"no_response\":%" PRIu64
                             ",\"no_image\":%" PRIu64 ",\"no_score_line\":%" PRIu64,
                             i, d->total, d->selected, d->skipped, d->samples, d->untagged, d->no_response, d->no_image,
                             d->no_score_line);
        if (!st)
            st = put_str(&b, "task_method", d->task_method);
        if (!st)
            st = vlit_buf_puts(&b, "}\n");
        for (size_t t = 0; t < d->n_tasks && !st; t++) {
            rp_task *tk = &d->tasks[t];
            char file[64];
            snprintf(file, sizeof file, "d%zu-t%zu.tsv", i, t);
            if (!join(path, sizeof path, dir, file)) {
                st = vlit_err(err, VLIT_ERR_USAGE, "%s: path too long", dir);
                break;
            }
            st = vlit_graph_write_partial(tk->g, path, err);
            if (st)
                break;
            st = vlit_buf_printf(&b, "{\"task\":%zu", i);
            if (!st)
                st = put_str(&b, "name", tk->name);
            if (!st)
                st = vlit_buf_printf(&b, ",\"count\":%" PRIu64 ",\"instructions\":%" PRIu64 ",\"edges\":\"%s\"}\n",
                                     tk->count, tk->instructions, file);
        }
        if (st)
            break;
        char file[64];
        snprintf(file, sizeof file, "d%zu-texts.part", i);
        if (!join(path, sizeof path, dir, file)) {
            st = vlit_err(err, VLIT_ERR_USAGE, "%s: path too long", dir);
            break;
        }
        if ((st = vlit_text_set_write_partial(d->texts, path, err)))
            break;
        st = vlit_buf_printf(&b, "{\"texts\":%zu,\"file\":\"%s\",\"positions\":[", i, file);
        for (size_t k = 0; k < d->n_text && !st; k++)
            st = vlit_buf_printf(&b, "%s%" PRIu64, k ? "," : "", d->text_pos[k]);
        if (!st)
            st = vlit_buf_puts(&b, "]}\n");
        snprintf(file, sizeof file, "d%zu-images.part", i);
        if (!join(path, sizeof path, dir, file)) {
            st = vlit_err(err, VLIT_ERR_USAGE, "%s: path too long", dir);
            break;
        }
        if (!st && (st = vlit_image_set_write_partial(d->images, path, err)))
            break;
        if (!st)
            st = vlit_buf_printf(&b, "{\"images\":%zu,\"file\":\"%s\"}\n", i, file);
        for (size_t k = 0; k < d->n_imgs && !st; k++) {
            st = vlit_buf_printf(&b, "{\"image\":%zu", i);
            if (!st)
                st = put_str(&b, "path", d->imgs[k].path);
            if (!st)
                st =
                    vlit_buf_printf(&b, ",\"first\":%" PRIu64 ",\"clue\":%d}\n", d->imgs[k].first, d->imgs[k].has_clue);
        }
        if (!st && d->cats.len) {
            const char **names = malloc(d->cats.len * sizeof *names);
            if (!names) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
            vlit_strmap_keys(&d->cats, names);
            st = vlit_buf_printf(&b, "{\"categories\":%zu,\"names\":[", i);
            for (size_t k = 0; k < d->cats.len && !st; k++) {
                if (k)
                    st = vlit_buf_putc(&b, ',');
                if (!st)
                    st = vj_write_cstr(&b, names[k]);
            }
            if (!st)
                st = vlit_buf_puts(&b, "]}\n");
            free(names);
        }
        for (size_t k = 0; k < d->n_inds && !st; k++) {
            rp_ind *ind = &d->inds[k];
            st = vlit_buf_printf(&b, "{\"indicator\":%zu", i);
            if (!st)
                st = put_str(&b, "name", ind->name);
            if (!st)
                st = put_str(&b, "method", ind->method);
            if (!st)
                st = vlit_buf_puts(&b, ",\"sum\":[");
            for (size_t j = 0; j < ind->sum.n && !st; j++) {
                if (j)
                    st = vlit_buf_putc(&b, ',');
                if (!st)
                    st = vj_write_num(&b, ind->sum.p[j]);
            }
            if (!st)
                st = vlit_buf_puts(&b, "],\"values\":[");
            for (size_t j = 0; j < ind->nvals && !st; j++) {
                st = vlit_buf_puts(&b, j ? ",[" : "[");
                if (!st)
                    st = vj_write_num(&b, ind->vals[j]);
                if (!st)
                    st = vlit_buf_printf(&b, ",%" PRIu64 "]", ind->counts[j]);
            }
            if (!st)
                st = vlit_buf_puts(&b, "],\"worst\":[");
            for (size_t j = 0; j < ind->n_worst && !st; j++) {
                rp_worst *w = &ind->worst[j];
                st = vlit_buf_printf(&b, "%s{\"position\":%" PRIu64 ",\"value\":", j ? "," : "", w->position);
                if (!st)
                    st = vj_write_num(&b, w->value);
                if (!st)
                    st = put_str(&b, "id", w->id);
                if (!st)
                    st = put_str(&b, "text", w->text);
                if (!st)
                    st = vlit_buf_putc(&b, '}');
            }
            if (!st)
                st = vlit_buf_putc(&b, ']');
            if (!st && ind->have_missing) {
                st = vlit_buf_printf(&b, ",\"missing\":{\"position\":%" PRIu64, ind->missing_pos);
                if (!st)
                    st = put_str(&b, "reason", ind->missing_reason);
                if (!st)
                    st = vlit_buf_putc(&b, '}');
            }
            if (!st)
                st = vlit_buf_puts(&b, "}\n");
        }
    }
    if (st && err && !err->message[0])
        vlit_err(err, st, "out of memory");
    if (!st) {
        if (!join(path, sizeof path, dir, "manifest.jsonl"))
            return vlit_err(err, VLIT_ERR_USAGE, "%s: path too long", dir);
        vlit_output *o;
        st = vlit_output_open(path, &o, err);
        if (!st) {
            if (fwrite(b.data, 1, b.len, vlit_output_file(o)) != b.len) {
                vlit_output_abort(o);
                st = vlit_err(err, VLIT_ERR_IO, "%s: write failed: %s", path, strerror(errno));
            } else {
                st = vlit_output_commit(o, err);
            }
        }
    }
    vlit_buf_free(&b);
    return st;
}

/* Removes a folder that holds only files (a partial); refuses anything else. */
static int remove_partial_dir(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return -1;
    struct dirent *e;
    char path[PATH_MAX];
    int rc = 0;
    while ((e = readdir(dp))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (!join(path, sizeof path, dir, e->d_name))
            continue;
        if (unlink(path))
            rc = -1;
    }
    closedir(dp);
    return rmdir(dir) || rc ? -1 : 0;
}

vlit_status rp_write_partial(rp_run *run, const char *out_dir, vlit_error *err)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out_dir) >= (int)sizeof tmp)
        return vlit_err(err, VLIT_ERR_USAGE, "%s: path too long", out_dir);
    struct stat sb;
    char mf[PATH_MAX];
    if (!join(mf, sizeof mf, out_dir, "manifest.jsonl"))
        return vlit_err(err, VLIT_ERR_USAGE, "%s: path too long", out_dir);
    int exists = stat(out_dir, &sb) == 0;
    if (exists && (!S_ISDIR(sb.st_mode) || stat(mf, &sb) != 0))
        return vlit_err(err, VLIT_ERR_USAGE, "%s: exists and is not a vlit report partial; not replacing it", out_dir);
    if (!mkdtemp(tmp))
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot create a folder: %s", tmp, strerror(errno));
    vlit_status st = write_manifest(run, tmp, err);
    if (!st) {
        char old[PATH_MAX];
        snprintf(old, sizeof old, "%s.old-XXXXXX", out_dir);
        if (exists) {
            /* the old partial is moved away, the new one put in place, then the old one removed */
            if (!mkdtemp(old) || rename(out_dir, old) != 0) /* onto the empty folder just made */
                st = vlit_err(err, VLIT_ERR_IO, "%s: cannot move the old partial away: %s", out_dir, strerror(errno));
        }
        if (!st && rename(tmp, out_dir) != 0)
            st = vlit_err(err, VLIT_ERR_IO, "%s: cannot rename %s into place: %s", out_dir, tmp, strerror(errno));
        if (exists && !st)
            remove_partial_dir(old);
    }
    if (st)
        remove_partial_dir(tmp);
    return st;
}

/* ---- reading ---- */

#define BAD(...) vlit_err(err, VLIT_ERR_PARSE, __VA_ARGS__)

static int get_u64(const vj *o, const char *key, uint64_t *out)
{
    int64_t v;
    if (!vj_int(vj_get(o, key), &v) || v < 0)
        return 0;
    *out = (uint64_t)v;
    return 1;
}

static const char *get_text(const vj *o, const char *key)
{
    vj *v = vj_get(o, key);
    return v && vj_is_text(v) ? v->str : NULL;
}

/* A side file's name: a plain file name inside the partial's folder. */
static int side_path(const char *dir, const char *file, char *out, size_t cap)
{
    if (!file || !*file || strchr(file, '/') || strcmp(file, ".") == 0 || strcmp(file, "..") == 0)
        return 0;
    return join(out, cap, dir, file);
}

static vlit_status set_options(rp_run *run, const vj *o, const char *name, vlit_error *err)
{
    vlit_report_params *p = &run->p;
    vj *eq = vj_get(o, "equalize"), *lem = vj_get(o, "lemmatize");
    uint64_t seed, mc, dim, mst, msi;
    double mw, et, ei;
    const char *tm = get_text(o, "text_method"), *im = get_text(o, "image_method");
    vj *model = vj_get(o, "embed_model");
    if (!o || o->type != VJ_OBJECT || !eq || (eq->type != VJ_TRUE && eq->type != VJ_FALSE) || !lem ||
        (lem->type != VJ_TRUE && lem->type != VJ_FALSE) || !get_u64(o, "seed", &seed) ||
        !get_u64(o, "min_cluster", &mc) || !vj_number(vj_get(o, "min_weight"), &mw) || !tm || !im ||
        !get_u64(o, "text_dim", &dim) || !vj_number(vj_get(o, "eps_text"), &et) ||
        !get_u64(o, "min_samples_text", &mst) || !vj_number(vj_get(o, "eps_image"), &ei) ||
        !get_u64(o, "min_samples_image", &msi) || !model || (model->type != VJ_NULL && !vj_is_text(model)))
        return BAD("%s: line 1: the options are incomplete or of the wrong types", name);
    p->equalize = eq->type == VJ_TRUE;
    p->lemmatize = lem->type == VJ_TRUE;
    p->seed = seed;
    p->min_cluster = (size_t)mc;
    p->min_weight = mw;
    p->text_method = vlit_arena_strdup(&run->strings, tm);
    p->image_method = vlit_arena_strdup(&run->strings, im);
    p->text_dim = (size_t)dim;
    p->eps_text = et;
    p->eps_image = ei;
    p->min_samples_text = (size_t)mst;
    p->min_samples_image = (size_t)msi;
    p->embed_model = model->type == VJ_NULL ? NULL : vlit_arena_strdup(&run->strings, model->str);
    if (!p->text_method || !p->image_method)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (strcmp(tm, "tfidf") && strcmp(tm, "server"))
        return BAD("%s: line 1: unknown text method '%s'", name, tm);
    if (strcmp(im, "descriptor") && strcmp(im, "server"))
        return BAD("%s: line 1: unknown image method '%s'", name, im);
    if (!(et > 0 && et <= 2) || !(ei > 0 && ei <= 2) || !mst || !msi || !(mw >= 0) || !dim || dim > 65536)
        return BAD("%s: line 1: an option out of range", name);
    return VLIT_OK;
}

static vlit_status first_line(rp_run *run, const vj *o, const char *name, vlit_buf *canon, vlit_error *err)
{
    int64_t version;
    uint64_t shard, shards;
    vj *opts = vj_get(o, "options"), *dsl = vj_get(o, "datasets");
    if (!vj_int(vj_get(o, "vlit_report_partial"), &version) || version != PARTIAL_VERSION)
        return BAD("%s: line 1: not a vlit report partial of version %d", name, PARTIAL_VERSION);
    if (!get_u64(o, "shard", &shard) || !get_u64(o, "shards", &shards) || shard >= shards || !opts || !dsl ||
        dsl->type != VJ_ARRAY || dsl->len == 0 || dsl->len > 100000)
        return BAD("%s: line 1: bad shard, options or datasets", name);
    vlit_buf now = VLIT_BUF_INIT;
    vlit_status st = vj_write_value(&now, opts);
    if (!st)
        st = vj_write_value(&now, dsl);
    if (st) {
        vlit_buf_free(&now);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    if (run->shards_seen) {
        int same = now.len == canon->len && memcmp(now.data, canon->data, now.len) == 0;
        vlit_buf_free(&now);
        if (!same)
            return vlit_err(err, VLIT_ERR_USAGE, "%s: a partial of another run (other options or datasets)", name);
        return VLIT_OK;
    }
    vlit_buf_clear(canon);
    st = vlit_buf_append(canon, now.data, now.len);
    vlit_buf_free(&now);
    if (st)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if ((st = set_options(run, opts, name, err)))
        return st;
    run->ds = calloc(dsl->len, sizeof *run->ds);
    if (!run->ds)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < dsl->len; i++) {
        vj *x = dsl->items[i];
        vlit_report_dataset src = {0};
        src.path = get_text(x, "path");
        src.name = get_text(x, "name");
        const char *fmt = get_text(x, "format");
        vj *c = vj_get(x, "clues"), *s = vj_get(x, "scores"), *t = vj_get(x, "tags");
        if (!src.path || !src.name || !fmt || vlit_format_parse(fmt, &src.format) || !c || !s || !t ||
            (c->type != VJ_NULL && !vj_is_text(c)) || (s->type != VJ_NULL && !vj_is_text(s)) ||
            (t->type != VJ_NULL && !vj_is_text(t)))
            return BAD("%s: line 1: dataset %zu is incomplete", name, i);
        src.clues_path = c->type == VJ_NULL ? NULL : c->str;
        src.scores_path = s->type == VJ_NULL ? NULL : s->str;
        src.tags_path = t->type == VJ_NULL ? NULL : t->str;
        run->n = i + 1;
        if ((st = rp_ds_init(run, &run->ds[i], &src, err)))
            return st;
    }
    return VLIT_OK;
}

static rp_ds *dataset_of(rp_run *run, const vj *o, const char *key)
{
    uint64_t d;
    if (!get_u64(o, key, &d) || d >= run->n)
        return NULL;
    return &run->ds[d];
}

static vlit_status add_line(rp_run *run, const vj *o, const char *dir, const char *name, size_t line, vlit_error *err)
{
    char path[PATH_MAX];
    rp_ds *d;
    vlit_status st = VLIT_OK;
    if (o->type != VJ_OBJECT || o->len == 0)
        return BAD("%s: line %zu: not a JSON object", name, line);
    const char *kind = o->keys[0];
    if (!(d = dataset_of(run, o, kind)))
        return BAD("%s: line %zu: no dataset number in \"%s\"", name, line, kind);
    if (strcmp(kind, "dataset") == 0) {
        uint64_t total, selected, skipped, samples, untagged, nr, ni, ns;
        const char *tm = get_text(o, "task_method");
        if (!get_u64(o, "total", &total) || !get_u64(o, "selected", &selected) || !get_u64(o, "skipped", &skipped) ||
            !get_u64(o, "samples", &samples) || !get_u64(o, "untagged", &untagged) || !get_u64(o, "no_response", &nr) ||
            !get_u64(o, "no_image", &ni) || !get_u64(o, "no_score_line", &ns) || !tm)
            return BAD("%s: line %zu: a dataset line with a field missing", name, line);
        if (run->shards_seen == 0) {
            d->total = total;
            d->selected = selected;
            d->skipped = skipped;
            if (!(d->task_method = strdup(tm)))
                return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        } else if (d->total != total || d->selected != selected || d->skipped != skipped || !d->task_method ||
                   strcmp(d->task_method, tm) != 0) {
            return vlit_err(err, VLIT_ERR_DATA,
                            "%s: line %zu: the shards saw different files (sample counts or "
                            "task methods differ)",
                            name, line);
        }
        d->samples += samples;
        d->untagged += untagged;
        d->no_response += nr;
        d->no_image += ni;
        d->no_score_line += ns;
        return VLIT_OK;
    }
    if (strcmp(kind, "task") == 0) {
        const char *tn = get_text(o, "name"), *file = get_text(o, "edges");
        uint64_t count, ins;
        if (!tn || !*tn || !get_u64(o, "count", &count) || !get_u64(o, "instructions", &ins) ||
            !side_path(dir, file, path, sizeof path))
            return BAD("%s: line %zu: a task line with a field missing", name, line);
        rp_task *t = rp_task_get(d, tn, strlen(tn), err);
        if (!t)
            return err ? err->status : VLIT_ERR_NOMEM;
        t->count += count;
        t->instructions += ins;
        vlit_graph_read_params gp = vlit_graph_read_default_params();
        return vlit_graph_read_edges(t->g, path, gp, NULL, err);
    }
    if (strcmp(kind, "texts") == 0) {
        const char *file = get_text(o, "file");
        vj *pos = vj_get(o, "positions");
        if (!side_path(dir, file, path, sizeof path) || !pos || pos->type != VJ_ARRAY)
            return BAD("%s: line %zu: a texts line with a field missing", name, line);
        uint64_t *tp = realloc(d->text_pos, (d->n_text + pos->len + 1) * sizeof *tp);
        if (!tp)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        d->text_pos = tp;
        d->cap_text = d->n_text + pos->len + 1;
        for (size_t i = 0; i < pos->len; i++) {
            int64_t p;
            if (!vj_int(pos->items[i], &p) || p < 0)
                return BAD("%s: line %zu: position %zu is not a number >= 0", name, line, i);
            d->text_pos[d->n_text + i] = (uint64_t)p;
        }
        if ((st = vlit_text_set_add_partial(d->texts, path, err)))
            return st;
        d->n_text += pos->len;
        if (vlit_text_set_count(d->texts) != d->n_text)
            return vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: %zu positions for %zu documents of %s", name, line,
                            d->n_text, vlit_text_set_count(d->texts), path);
        return VLIT_OK;
    }
    if (strcmp(kind, "images") == 0) {
        const char *file = get_text(o, "file");
        if (!side_path(dir, file, path, sizeof path))
            return BAD("%s: line %zu: an images line without its file", name, line);
        return vlit_image_set_add_partial(d->images, path, err);
    }
    if (strcmp(kind, "image") == 0) {
        const char *ip = get_text(o, "path");
        uint64_t first, clue;
        if (!ip || !*ip || !get_u64(o, "first", &first) || !get_u64(o, "clue", &clue) || clue > 1)
            return BAD("%s: line %zu: an image line with a field missing", name, line);
        return rp_image_note(d, ip, first, (int)clue, 0, err);
    }
    if (strcmp(kind, "categories") == 0) {
        vj *names = vj_get(o, "names");
        if (!names || names->type != VJ_ARRAY)
            return BAD("%s: line %zu: categories without names", name, line);
        for (size_t i = 0; i < names->len; i++) {
            vj *c = names->items[i];
            int ins;
            if (!vj_is_text(c) || !*c->str)
                return BAD("%s: line %zu: category %zu is not a string", name, line, i);
            if (!vlit_strmap_put(&d->cats, c->str, c->len, 1, &ins, NULL))
                return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        }
        return VLIT_OK;
    }
    if (strcmp(kind, "indicator") == 0) {
        const char *in = get_text(o, "name"), *im = get_text(o, "method");
        vj *sum = vj_get(o, "sum"), *vals = vj_get(o, "values"), *worst = vj_get(o, "worst");
        vj *miss = vj_get(o, "missing");
        if (!in || !im || !sum || sum->type != VJ_ARRAY || !vals || vals->type != VJ_ARRAY || !worst ||
            worst->type != VJ_ARRAY || worst->len > RP_WORST)
            return BAD("%s: line %zu: an indicator line with a field missing", name, line);
        rp_ind *ind = rp_ind_get(d, in, im, err);
        if (!ind)
            return err ? err->status : VLIT_ERR_DATA;
        rp_fsum part = {0};
        for (size_t i = 0; i < sum->len && !st; i++) {
            double x;
            if (!vj_number(sum->items[i], &x))
                st = BAD("%s: line %zu: sum part %zu is not a number", name, line, i);
            else
                st = rp_fsum_add(&part, x, err);
        }
        if (!st)
            st = rp_fsum_merge(&ind->sum, &part, err);
        rp_fsum_free(&part);
        rp_fsum saved = ind->sum; /* the values below must not add to the sum again */
        memset(&ind->sum, 0, sizeof ind->sum);
        for (size_t i = 0; i < vals->len && !st; i++) {
            vj *pair = vals->items[i];
            double v;
            uint64_t c;
            int64_t ci;
            if (pair->type != VJ_ARRAY || pair->len != 2 || !vj_number(pair->items[0], &v) ||
                !vj_int(pair->items[1], &ci) || ci <= 0)
                st = BAD("%s: line %zu: value %zu is not a [value, count] pair", name, line, i);
            else {
                c = (uint64_t)ci;
                if (ind->n + c < ind->n)
                    st = BAD("%s: line %zu: counts overflow", name, line);
                else
                    st = rp_ind_add_value(ind, v, c, err);
            }
        }
        rp_fsum_free(&ind->sum);
        ind->sum = saved;
        for (size_t i = 0; i < worst->len && !st; i++) {
            vj *w = worst->items[i];
            uint64_t p;
            double v;
            const char *id = get_text(w, "id"), *text = get_text(w, "text");
            if (!get_u64(w, "position", &p) || !vj_number(vj_get(w, "value"), &v) || !id || !text)
                st = BAD("%s: line %zu: worst sample %zu is incomplete", name, line, i);
            else
                st = rp_ind_offer_worst(ind, p, v, id, text, err);
        }
        if (!st && miss) {
            uint64_t p;
            const char *reason = get_text(miss, "reason");
            if (!get_u64(miss, "position", &p) || !reason)
                st = BAD("%s: line %zu: a missing reason without position or text", name, line);
            else if (!ind->have_missing || p < ind->missing_pos) {
                char *r = strdup(reason);
                if (!r)
                    return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                free(ind->missing_reason);
                ind->missing_reason = r;
                ind->missing_pos = p;
                ind->have_missing = 1;
            }
        }
        return st;
    }
    return BAD("%s: line %zu: unknown line kind \"%s\"", name, line, kind);
}

vlit_status rp_add_partial(rp_run *run, const char *text, size_t len, const char *dir, const char *name,
                           vlit_error *err)
{
    vlit_arena a;
    vlit_arena_init(&a, 0);
    vlit_status st = VLIT_OK;
    size_t line = 0;
    const char *p = text, *end = text + len;
    while (p < end && !st) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        line++;
        if (stop > p) {
            vlit_arena_reset(&a);
            vj *o;
            vlit_error e = {0};
            if (vj_parse(p, (size_t)(stop - p), NULL, &a, &o, &e))
                st = BAD("%s: line %zu: %s", name, line, e.message);
            else if (line == 1)
                st = first_line(run, o, name, &run->canon, err);
            else
                st = add_line(run, o, dir, name, line, err);
        } else if (line == 1) {
            st = BAD("%s: line 1: empty", name);
        }
        p = nl ? nl + 1 : end;
    }
    if (!st && line == 0)
        st = BAD("%s: empty", name);
    if (!st)
        run->shards_seen++;
    vlit_arena_free(&a);
    return st;
}
