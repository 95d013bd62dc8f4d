/* Data Mixing: samples drawn from several datasets by counts or ratios.
 *
 * Memory does not grow with the inputs: a first pass counts each input's
 * samples, a second selects exactly k of n with selection sampling (each
 * record is taken with probability (k - taken) / (n - seen)), which is
 * uniform over the k-subsets and needs no buffer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vlit/generate.h"

#include "../base/err.h"
#include "../base/random.h"

vlit_mix_params vlit_mix_default_params(void)
{
    vlit_mix_params p;
    memset(&p, 0, sizeof p);
    p.seed = 1;
    return p;
}

/* "data/llava_150k.json" -> "llava_150k" */
static void default_tag(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(out, cap, "%s", base);
    char *dot = strchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
}

static vlit_status count_input(const vlit_mix_params *p, const vlit_mix_input *in, size_t *n, vlit_error *err)
{
    vlit_reader_params rp = vlit_reader_default_params();
    rp.skip_bad = p->skip_bad;
    vlit_reader *r;
    vlit_status st = vlit_reader_open(in->path, in->format, &rp, &r, err);
    if (st)
        return st;
    const vlit_sample *s;
    *n = 0;
    while ((st = vlit_reader_next(r, &s, err)) == VLIT_OK)
        (*n)++;
    vlit_reader_close(r);
    return st == VLIT_END ? VLIT_OK : st;
}

static vlit_status wanted(const vlit_mix_params *p, const vlit_mix_input *in, size_t n, size_t *k, vlit_error *err)
{
    double want;
    switch (in->take) {
    case VLIT_MIX_ALL: *k = n; return VLIT_OK;
    case VLIT_MIX_COUNT: want = in->amount; break;
    case VLIT_MIX_PERCENT: want = floor(in->amount / 100.0 * (double)n + 0.5); break;
    case VLIT_MIX_SHARE:
        if (!p->total)
            return vlit_err(err, VLIT_ERR_USAGE, "%s: a share of the mix needs the mix's total size", in->path);
        want = floor(in->amount * (double)p->total + 0.5);
        break;
    default: return vlit_err(err, VLIT_ERR_USAGE, "%s: unknown kind of amount", in->path);
    }
    if (!(want >= 0) || want > 1e15)
        return vlit_err(err, VLIT_ERR_USAGE, "%s: the amount must be a non-negative number", in->path);
    if (want > (double)n)
        return vlit_err(err, VLIT_ERR_DATA, "%s: %.0f samples asked for, but it has %zu", in->path, want, n);
    *k = (size_t)want;
    return VLIT_OK;
}

vlit_status vlit_mix(const vlit_mix_params *p, const char *out_path, vlit_format fmt, vlit_mix_summary *summary,
                     vlit_error *err)
{
    vlit_mix_summary local;
    if (!summary)
        summary = &local;
    memset(summary, 0, sizeof *summary);
    if (!p->n_inputs)
        return vlit_err(err, VLIT_ERR_USAGE, "no inputs to mix");
    if (p->n_inputs > sizeof summary->taken / sizeof summary->taken[0])
        return vlit_err(err, VLIT_ERR_USAGE, "at most %zu inputs can be mixed at once",
                        sizeof summary->taken / sizeof summary->taken[0]);
    size_t k[64];
    vlit_status st = VLIT_OK;
    for (size_t i = 0; i < p->n_inputs && !st; i++) {
        st = count_input(p, &p->inputs[i], &summary->available[i], err);
        if (!st)
            st = wanted(p, &p->inputs[i], summary->available[i], &k[i], err);
    }
    if (st)
        return st;

    vlit_writer *w;
    if ((st = vlit_writer_open(out_path, fmt, &w, err)))
        return st;
    vlit_reader_params rp = vlit_reader_default_params();
    rp.skip_bad = p->skip_bad;
    rp.on_skip = p->on_skip;
    rp.ctx = p->ctx;
    for (size_t i = 0; i < p->n_inputs && !st; i++) {
        const vlit_mix_input *in = &p->inputs[i];
        char tag[256];
        if (in->source)
            snprintf(tag, sizeof tag, "%s", in->source);
        else
            default_tag(in->path, tag, sizeof tag);
        /* each input has its own stream of choices, from the seed and its
         * position (not its path, so a moved file mixes the same): adding an
         * input at the end does not change what is drawn from the others */
        uint64_t rng = p->seed * 0xd1342543de82ef95ull + (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ull;
        vlit_reader *r;
        if ((st = vlit_reader_open(in->path, in->format, &rp, &r, err)))
            break;
        const vlit_sample *s;
        size_t seen = 0, n = summary->available[i];
        while (summary->taken[i] < k[i] && (st = vlit_reader_next(r, &s, err)) == VLIT_OK) {
            size_t left = n - seen++;
            if (vlit_uniform01(&rng) * (double)left >= (double)(k[i] - summary->taken[i]))
                continue;
            vlit_sample copy = *s;
            if (!copy.source)
                copy.source = tag;
            if (!copy.mode)
                copy.mode = "mix";
            if ((st = vlit_writer_write(w, &copy, err)))
                break;
            summary->taken[i]++;
            summary->samples++;
        }
        if (st == VLIT_END || st == VLIT_OK)
            st = summary->taken[i] == k[i] ? VLIT_OK
                                           : vlit_err(err, VLIT_ERR_DATA, "%s changed while it was being mixed", in->path);
        summary->skipped += vlit_reader_skipped(r);
        vlit_reader_close(r);
    }
    if (st) {
        vlit_writer_abort(w);
        return st;
    }
    return vlit_writer_commit(w, err);
}
