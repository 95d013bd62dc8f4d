/* NIQE model files: a small text file, so that a model can be read, diffed
 * and checked into a repository. Numbers are written with 17 significant
 * digits, which reads back to the same doubles. Format (docs/iqa.md):
 *
 *   # comments and blank lines anywhere
 *   vlit-niqe-model 1
 *   features 36
 *   images N
 *   patches N
 *   mean
 *   36 numbers on one line
 *   cov
 *   36 lines of 36 numbers
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/atomic_file.h"
#include "niqe.h"

#define MODEL_MAX_BYTES (1u << 20) /* a model is ~25 KB; anything far larger is not one */
#define MAGIC "vlit-niqe-model"

typedef struct reader {
    char *text;
    char *pos;   /* start of the next line */
    char *line;  /* current line, NUL-terminated */
    int lineno;
} reader;

/* Next line that is not blank or a comment; NULL at the end. */
static char *next_line(reader *r)
{
    while (r->pos && *r->pos) {
        char *s = r->pos, *nl = strchr(s, '\n');
        if (nl) {
            *nl = '\0';
            r->pos = nl + 1;
        } else {
            r->pos = s + strlen(s);
        }
        r->lineno++;
        size_t n = strlen(s);
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            s[--n] = '\0';
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s && *s != '#')
            return r->line = s;
    }
    r->line = NULL;
    return NULL;
}

/* "key VALUE" with a non-negative integer value */
static int read_count(reader *r, const char *key, size_t *out)
{
    char *line = next_line(r);
    size_t k = strlen(key);
    if (!line || strncmp(line, key, k) != 0 || (line[k] != ' ' && line[k] != '\t'))
        return -1;
    char *p = line + k, *end;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (errno || *end)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* exactly n finite numbers on the current line */
static int read_numbers(reader *r, double *out, int n)
{
    char *p = next_line(r);
    if (!p)
        return -1;
    for (int i = 0; i < n; i++) {
        char *end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return -1;
        out[i] = strtod(p, &end);
        if (end == p || !isfinite(out[i]) || (*end && *end != ' ' && *end != '\t'))
            return -1;
        p = end;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    return *p ? -1 : 0;
}

static vlit_status read_all(const char *path, char **out, vlit_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open NIQE model: %s", path, strerror(errno));
    vlit_status st = VLIT_OK;
    char *buf = malloc(MODEL_MAX_BYTES + 1);
    if (!buf) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    size_t n = fread(buf, 1, MODEL_MAX_BYTES + 1, fp);
    if (ferror(fp)) {
        st = vlit_err(err, VLIT_ERR_IO, "%s: read failed: %s", path, strerror(errno));
        goto out;
    }
    if (n > MODEL_MAX_BYTES) {
        st = vlit_err(err, VLIT_ERR_LIMIT, "%s: larger than %u bytes: not a NIQE model", path, MODEL_MAX_BYTES);
        goto out;
    }
    if (memchr(buf, '\0', n)) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: byte %zu: NUL byte: not a NIQE model", path,
                      (size_t)((char *)memchr(buf, '\0', n) - buf));
        goto out;
    }
    buf[n] = '\0';
    *out = buf;
    buf = NULL;
out:
    free(buf);
    fclose(fp);
    return st;
}

vlit_status vlit_niqe_model_load(const char *path, vlit_niqe_model **out, vlit_error *err)
{
    *out = NULL;
    reader r = {NULL, NULL, NULL, 0};
    vlit_niqe_model *m = NULL;
    vlit_status st = read_all(path, &r.text, err);
    if (st)
        return st;
    r.pos = r.text;
    m = calloc(1, sizeof *m);
    if (!m) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    size_t version = 0, features = 0;
    char *line = next_line(&r);
    if (!line || strncmp(line, MAGIC, sizeof MAGIC - 1) != 0 ||
        (line[sizeof MAGIC - 1] != ' ' && line[sizeof MAGIC - 1] != '\t')) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %d: expected '" MAGIC " 1': not a NIQE model file", path,
                      r.lineno);
        goto out;
    }
    char *end;
    errno = 0;
    version = strtoull(line + sizeof MAGIC, &end, 10);
    if (errno || *end || version != 1) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %d: unsupported model version '%s' (this vlit reads 1)", path,
                      r.lineno, line + sizeof MAGIC);
        goto out;
    }
    if (read_count(&r, "features", &features)) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %d: expected 'features 36'", path, r.lineno);
        goto out;
    }
    if (features != NIQE_FEATURES) {
        st = vlit_err(err, VLIT_ERR_DATA, "%s: line %d: %zu features; NIQE has %d", path, r.lineno, features,
                      NIQE_FEATURES);
        goto out;
    }
    if (read_count(&r, "images", &m->images) || read_count(&r, "patches", &m->patches)) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %d: expected 'images N' then 'patches N'", path, r.lineno);
        goto out;
    }
    if (!(line = next_line(&r)) || strcmp(line, "mean") != 0) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %d: expected 'mean'", path, r.lineno);
        goto out;
    }
    if (read_numbers(&r, m->mean, NIQE_FEATURES)) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %d: expected %d finite numbers", path, r.lineno, NIQE_FEATURES);
        goto out;
    }
    if (!(line = next_line(&r)) || strcmp(line, "cov") != 0) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %d: expected 'cov'", path, r.lineno);
        goto out;
    }
    for (int i = 0; i < NIQE_FEATURES; i++)
        if (read_numbers(&r, m->cov + i * NIQE_FEATURES, NIQE_FEATURES)) {
            st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %d: expected row %d of the covariance: %d finite numbers",
                          path, r.lineno, i + 1, NIQE_FEATURES);
            goto out;
        }
    if (next_line(&r)) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %d: unexpected text after the covariance", path, r.lineno);
        goto out;
    }
    /* A covariance is symmetric with a non-negative diagonal; a small
     * asymmetry (another tool's rounding) is averaged away. */
    for (int i = 0; i < NIQE_FEATURES; i++) {
        if (m->cov[i * NIQE_FEATURES + i] < 0) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: covariance entry (%d,%d) is negative: not a covariance", path,
                          i + 1, i + 1);
            goto out;
        }
        for (int j = 0; j < i; j++) {
            double a = m->cov[i * NIQE_FEATURES + j], b = m->cov[j * NIQE_FEATURES + i];
            if (fabs(a - b) > 1e-6 * fmax(fabs(a), fabs(b)) + 1e-300) {
                st = vlit_err(err, VLIT_ERR_DATA, "%s: covariance is not symmetric at (%d,%d): %g against %g", path,
                              i + 1, j + 1, a, b);
                goto out;
            }
            m->cov[i * NIQE_FEATURES + j] = m->cov[j * NIQE_FEATURES + i] = (a + b) / 2;
        }
    }
    *out = m;
    m = NULL;
out:
    vlit_niqe_model_free(m);
    free(r.text);
    return st;
}

vlit_status vlit_niqe_model_save(const vlit_niqe_model *m, const char *path, vlit_error *err)
{
    vlit_atomic_file f;
    vlit_status st = vlit_atomic_open(&f, path, err);
    if (st)
        return st;
    FILE *fp = f.fp;
    fprintf(fp, "# NIQE pristine model (vlit; format and recipe in docs/iqa.md)\n");
    if (m->sources) {
        fprintf(fp, "# fitted on: image, patches, sharp patches kept\n");
        for (const char *s = m->sources; *s;) {
            const char *nl = strchr(s, '\n');
            size_t n = nl ? (size_t)(nl - s) : strlen(s);
            fprintf(fp, "#   %.*s\n", (int)n, s);
            s += n + (nl != NULL);
        }
    }
    fprintf(fp, MAGIC " 1\nfeatures %d\nimages %zu\npatches %zu\nmean\n", NIQE_FEATURES, m->images, m->patches);
    for (int i = 0; i < NIQE_FEATURES; i++)
        fprintf(fp, "%s%.17g", i ? " " : "", m->mean[i]);
    fprintf(fp, "\ncov\n");
    for (int i = 0; i < NIQE_FEATURES; i++)
        for (int j = 0; j < NIQE_FEATURES; j++)
            fprintf(fp, "%.17g%c", m->cov[i * NIQE_FEATURES + j], j + 1 < NIQE_FEATURES ? ' ' : '\n');
    return vlit_atomic_commit(&f, err);
}

void vlit_niqe_model_free(vlit_niqe_model *m)
{
    if (!m)
        return;
    free(m->sources);
    free(m);
}

vlit_niqe_model_info vlit_niqe_model_get_info(const vlit_niqe_model *m)
{
    vlit_niqe_model_info info = {m->images, m->patches, m->mean, m->cov};
    return info;
}
