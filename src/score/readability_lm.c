/* The language model of text readability: the default model trained on the
 * clue records' captions, and the calibration against reference text. */
#include "readability_lm.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/lines.h"
#include "../base/random.h"
#include "../base/strmap.h"

/* ---- sentences ---------------------------------------------------------- */

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void readability_score_text(const vlit_lm *lm, const char *text, vlit_lm_stats *st)
{
    const char *start = text;
    for (const char *p = text;; p++) {
        int end = *p == '\0' || *p == '\n';
        if (!end && (*p == '.' || *p == '!' || *p == '?')) {
            /* the end of a sentence: the mark, any more marks or closing
             * quotes, then white space */
            const char *q = p + 1;
            while (*q == '.' || *q == '!' || *q == '?' || *q == '"' || *q == '\'' || *q == ')')
                q++;
            if (*q == '\0' || is_space(*q)) {
                vlit_lm_score_text(lm, start, (size_t)(q - start), st);
                start = q;
                p = q - 1;
                continue;
            }
            continue;
        }
        if (end) {
            if (p > start)
                vlit_lm_score_text(lm, start, (size_t)(p - start), st);
            if (*p == '\0')
                break;
            start = p + 1;
        }
    }
}

int readability_known_mean(const vlit_lm_stats *st, double *out)
{
    size_t known = st->tokens - st->oov_scored;
    if (known == 0)
        return 0;
    *out = (st->logprob - st->oov_logprob) / (double)known;
    return 1;
}

double readability_calibrate(const readability_lm *r, double x)
{
    /* lower: first reference >= x; upper: first reference > x */
    size_t lo = 0, hi = r->n_reference;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->reference[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t lower = lo;
    hi = r->n_reference;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->reference[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return ((double)lower + 0.5 * (double)(lo - lower)) / (double)r->n_reference;
}

/* ---- reference texts ------------------------------------------------------ */

typedef struct refs {
    double *v;
    size_t n, cap;
} refs;

static int add_reference(refs *rf, const vlit_lm *lm, const char *text)
{
    vlit_lm_stats st = {0};
    readability_score_text(lm, text, &st);
    double x;
    if (!readability_known_mean(&st, &x))
        return 0;
    if (rf->n == rf->cap) {
        size_t cap = rf->cap ? rf->cap * 2 : 4096;
        double *v = realloc(rf->v, cap * sizeof *v);
        if (!v)
            return -1;
        rf->v = v;
        rf->cap = cap;
    }
    rf->v[rf->n++] = x;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Scores every line of text (NUL-separated lines in buf) as a reference. */
static vlit_status references_from_buf(const vlit_buf *texts, const vlit_lm *lm, refs *rf, vlit_error *err)
{
    for (size_t off = 0; off < texts->len;) {
        const char *t = texts->data + off;
        size_t n = strlen(t);
        if (add_reference(rf, lm, t))
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        off += n + 1;
    }
    return VLIT_OK;
}

static vlit_status references_from_file(const char *path, const vlit_lm *lm, refs *rf, vlit_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open reference text: %s", path, strerror(errno));
    vlit_lines l;
    vlit_status st = vlit_lines_init(&l, fp, path, 0, err);
    while (!st && (st = vlit_lines_next(&l, err)) == VLIT_OK)
        if (add_reference(rf, lm, l.line.data ? l.line.data : ""))
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    if (st == VLIT_END)
        st = VLIT_OK;
    vlit_lines_free(&l);
    fclose(fp);
    return st;
}

/* ---- captions of the clue records ------------------------------------------ */

typedef struct caption {
    double u;   /* the record's place in the hold-out order: a hash of its id in [0, 1) */
    size_t off; /* of the caption's text in the buffer */
} caption;

static int cmp_caption(const void *a, const void *b)
{
    const caption *x = a, *y = b;
    if (x->u != y->u)
        return x->u < y->u ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

static double record_u(const char *id) { return (double)(vlit_mix64(vlit_hash(id, strlen(id))) >> 11) * 0x1p-53; }

/* Reads the captions of the clue records. With a corpus, whole records are
 * held out as reference in the order of a hash of their ids until
 * max(10 % of the captions, min(200, half of them)) are, the others are
 * written to corpus (one per line, line breaks made spaces); without one
 * all captions are reference. Reference texts are appended to reference,
 * NUL-separated. */
static vlit_status read_captions(const score_config *cfg, FILE *corpus, vlit_buf *reference, size_t *trained,
                                 vlit_error *err)
{
    vlit_clue_reader *r;
    vlit_status st = vlit_clue_reader_open(cfg->clues_path, cfg->skip_bad, &r, err);
    if (st)
        return st;
    vlit_buf text = VLIT_BUF_INIT;
    caption *caps = NULL;
    size_t n = 0, cap = 0;
    const vlit_clue_record *rec;
    while ((st = vlit_clue_reader_next(r, &rec, err)) == VLIT_OK) {
        double u = record_u(rec->id);
        for (size_t i = 0; i < rec->n_captions; i++) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 4096;
                caption *c = realloc(caps, nc * sizeof *c);
                if (!c) {
                    st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                    break;
                }
                caps = c;
                cap = nc;
            }
            caps[n].u = u;
            caps[n].off = text.len;
            n++;
            for (const char *p = rec->captions[i]; *p && !st; p++)
                if (vlit_buf_putc(&text, *p == '\n' || *p == '\r' ? ' ' : *p))
                    st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            if (!st && vlit_buf_putc(&text, '\0'))
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        }
        if (st)
            break;
    }
    vlit_clue_reader_close(r);
    if (st == VLIT_END)
        st = VLIT_OK;
    size_t held = n;
    if (!st && corpus) {
        size_t want = n / 2 < 200 ? n / 2 : 200;
        if (want < (n + 9) / 10)
            want = (n + 9) / 10;
        qsort(caps, n, sizeof *caps, cmp_caption);
        held = 0;
        while (held < n && (held < want || caps[held].u == caps[held - 1].u))
            held++;
    }
    for (size_t i = 0; i < n && !st; i++) {
        const char *t = text.data + caps[i].off;
        if (i < held) {
            if (vlit_buf_append(reference, t, strlen(t) + 1))
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        } else {
            fputs(t, corpus);
            putc('\n', corpus);
            (*trained)++;
        }
    }
    free(caps);
    vlit_buf_free(&text);
    if (!st && corpus && ferror(corpus))
        return vlit_err(err, VLIT_ERR_IO, "cannot write the training text of the default language model");
    return st;
}

/* Trains the default model in a temporary folder and maps its binary form;
 * the files are removed at once (the mapping stays). */
static vlit_status train_default(const score_config *cfg, readability_lm *out, vlit_buf *reference, vlit_error *err)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/vlit-lm-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot make a temporary folder for the default language model: %s",
                        dir, strerror(errno));
    char corpus_path[4200], arpa_path[4200], bin_path[4200];
    snprintf(corpus_path, sizeof corpus_path, "%s/captions.txt", dir);
    snprintf(arpa_path, sizeof arpa_path, "%s/captions.arpa", dir);
    snprintf(bin_path, sizeof bin_path, "%s/captions.bin", dir);
    vlit_status st = VLIT_OK;
    FILE *corpus = fopen(corpus_path, "wb");
    if (!corpus)
        st = vlit_err(err, VLIT_ERR_IO, "%s: %s", corpus_path, strerror(errno));
    if (!st)
        st = read_captions(cfg, corpus, reference, &out->trained_on, err);
    if (corpus && fclose(corpus) != 0 && !st)
        st = vlit_err(err, VLIT_ERR_IO, "%s: %s", corpus_path, strerror(errno));
    if (!st && out->trained_on == 0)
        st = vlit_err(err, VLIT_ERR_DATA,
                      "%s: the clue records have no captions to train the default language model on; "
                      "pass --lm MODEL (and --lm-reference TEXT)",
                      cfg->clues_path);
    if (!st) {
        vlit_lm_train_params tp = vlit_lm_train_default_params();
        tp.order = cfg->lm_order ? cfg->lm_order : 3;
        st = vlit_lm_train(tp, corpus_path, arpa_path, NULL, err);
    }
    if (!st)
        st = vlit_lm_build_binary(arpa_path, bin_path, err);
    if (!st)
        st = vlit_lm_open(bin_path, &out->lm, err);
    unlink(corpus_path);
    unlink(arpa_path);
    unlink(bin_path);
    rmdir(dir);
    return st;
}

vlit_status readability_lm_open(const score_config *cfg, readability_lm *out, vlit_error *err)
{
    memset(out, 0, sizeof *out);
    vlit_buf reference = VLIT_BUF_INIT;
    vlit_status st = VLIT_OK;
    if (cfg->lm_path) {
        st = vlit_lm_open(cfg->lm_path, &out->lm, err);
        if (!st && !cfg->lm_reference) {
            if (!cfg->clues_path)
                st = vlit_err(err, VLIT_ERR_USAGE,
                              "text_readability: the 0-1 calibration needs human-written reference text: "
                              "--lm-reference FILE, or --clues with captions");
            else
                st = read_captions(cfg, NULL, &reference, &out->trained_on, err);
        }
    } else if (!cfg->clues_path) {
        st = vlit_err(err, VLIT_ERR_USAGE,
                      "text_readability: without --lm, vlit trains its language model on the captions of "
                      "--clues; pass one of them");
    } else {
        st = train_default(cfg, out, &reference, err);
    }
    refs rf = {0};
    if (!st)
        st = cfg->lm_reference && cfg->lm_path ? references_from_file(cfg->lm_reference, out->lm, &rf, err)
                                                : references_from_buf(&reference, out->lm, &rf, err);
    vlit_buf_free(&reference);
    if (!st && rf.n < READABILITY_MIN_REFERENCES)
        st = vlit_err(err, VLIT_ERR_DATA,
                      "text_readability: %zu reference texts, fewer than the %d the calibration needs (%s)", rf.n,
                      READABILITY_MIN_REFERENCES,
                      cfg->lm_reference && cfg->lm_path ? cfg->lm_reference : "captions of the clue records");
    if (st) {
        free(rf.v);
        readability_lm_close(out);
        return st;
    }
    qsort(rf.v, rf.n, sizeof *rf.v, cmp_double);
    out->reference = rf.v;
    out->n_reference = rf.n;
    return VLIT_OK;
}

void readability_lm_close(readability_lm *r)
{
    vlit_lm_close(r->lm);
    free(r->reference);
    memset(r, 0, sizeof *r);
}
