/* Reads ARPA n-gram files as KenLM, SRILM and IRSTLM write them:
 *
 *   (any text)
 *   \data\
 *   ngram 1=COUNT
 *   ...
 *   \1-grams:
 *   LOG10PROB  WORD  [LOG10BACKOFF]
 *   \2-grams:
 *   LOG10PROB  WORD WORD  [LOG10BACKOFF]
 *   ...
 *   \end\
 *
 * Fields are separated by tabs or spaces; blank lines are ignored; so is
 * what follows \end\. Everything else that deviates is an error naming the
 * file, the line and the problem. Header counts are checked against the
 * sections but never used to allocate, so a lying header cannot make us
 * reserve memory. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/lines.h"
#include "../base/utf8.h"
#include "lm_model.h"

#define MAX_LINE ((size_t)1 << 20)

typedef struct reader {
    const char *path;
    vlit_lines lines;
    vlit_error *err;
} reader;

static vlit_status fail(reader *r, vlit_status st, const char *fmt, ...) VLIT_PRINTF(3, 4);

/* An error about the current line: "FILE: line N: message". */
static vlit_status fail(reader *r, vlit_status st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vlit_err(r->err, st, "%s: line %zu: %s", r->path, r->lines.lineno, msg);
}

/* Next line that is not blank, with trailing white space removed. */
static vlit_status next_line(reader *r, char **line, size_t *len)
{
    for (;;) {
        vlit_status st = vlit_lines_next(&r->lines, r->err);
        if (st)
            return st;
        char *s = r->lines.line.data;
        size_t n = r->lines.line.len;
        size_t bad;
        if (memchr(s, '\0', n))
            return fail(r, VLIT_ERR_PARSE, "a NUL byte in the line");
        if (!vlit_utf8_valid(s, n, &bad))
            return fail(r, VLIT_ERR_PARSE, "not UTF-8 (byte %zu of the line)", bad + 1);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
            s[--n] = '\0';
        size_t lead = strspn(s, " \t");
        if (lead == n)
            continue;
        *line = s + lead;
        *len = n - lead;
        return VLIT_OK;
    }
}

/* "\N-grams:" -> N; 0 if the line is not such a header. */
static unsigned section_header(const char *s)
{
    if (s[0] != '\\' || s[1] < '1' || s[1] > '9')
        return 0;
    char *end;
    unsigned long n = strtoul(s + 1, &end, 10);
    if (strcmp(end, "-grams:") != 0 || n > 1000)
        return 0;
    return (unsigned)n;
}

/* A log10 value: a decimal number or -inf; NaN and +inf are refused. */
static int parse_log(const char *s, float *out)
{
    if (strcmp(s, "-inf") == 0 || strcmp(s, "-Inf") == 0 || strcmp(s, "-INF") == 0 || strcmp(s, "-Infinity") == 0 ||
        strcmp(s, "-infinity") == 0) {
        *out = -INFINITY;
        return 0;
    }
    /* strtod also takes "nan", "inf" and hex floats: allow decimal only */
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE", *p))
            return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || isnan(v) || (errno == ERANGE && v > 0) || v > 1e30)
        return -1;
    *out = (float)v; /* a hugely negative value becomes -inf, which it practically is */
    return 0;
}

/* Reads "ngram N=COUNT" lines; *line is left at the first other line. */
static vlit_status read_header(reader *r, unsigned *order, uint64_t counts[VLIT_LM_MAX_ORDER + 1], char **line,
                               size_t *len)
{
    vlit_status st;
    *order = 0;
    for (;;) {
        st = next_line(r, line, len);
        if (st == VLIT_END)
            return vlit_err(r->err, VLIT_ERR_PARSE, "%s: the file ends after \\data\\: no sections", r->path);
        if (st)
            return st;
        if ((*line)[0] == '\\')
            break;
        char *s = *line, *end;
        if (strncmp(s, "ngram", 5) != 0 || (s[5] != ' ' && s[5] != '\t'))
            return fail(r, VLIT_ERR_PARSE, "expected 'ngram N=COUNT' in the \\data\\ header, found '%.60s'", s);
        s += 5 + strspn(s + 5, " \t");
        unsigned long n = strtoul(s, &end, 10);
        if (end == s)
            return fail(r, VLIT_ERR_PARSE, "expected 'ngram N=COUNT', found '%.60s'", *line);
        s = end + strspn(end, " \t");
        if (*s != '=')
            return fail(r, VLIT_ERR_PARSE, "expected 'ngram N=COUNT', found '%.60s'", *line);
        s++;
        s += strspn(s, " \t");
        errno = 0;
        unsigned long long c = strtoull(s, &end, 10);
        if (end == s || *end || s[0] == '-')
            return fail(r, VLIT_ERR_PARSE, "bad n-gram count in '%.60s'", *line);
        if (n != *order + 1)
            return fail(r, VLIT_ERR_PARSE, "'ngram %lu=' follows 'ngram %u=': the orders must be 1, 2, 3, ...", n,
                        *order);
        if (n > VLIT_LM_MAX_ORDER)
            return fail(r, VLIT_ERR_LIMIT, "order %lu is above the maximum of %d", n, VLIT_LM_MAX_ORDER);
        if (errno == ERANGE || c > (n == 1 ? LM_MAX_WORDS : LM_MAX_NGRAMS))
            return fail(r, VLIT_ERR_LIMIT, "%llu %lu-grams: more than the limit of %u", c, n,
                        (unsigned)(n == 1 ? LM_MAX_WORDS : LM_MAX_NGRAMS));
        *order = (unsigned)n;
        counts[n] = c;
    }
    if (*order == 0)
        return fail(r, VLIT_ERR_PARSE, "no 'ngram N=COUNT' lines after \\data\\");
    return VLIT_OK;
}

/* Splits line into at most max fields on tabs and spaces (NUL-terminating
 * them in place); returns the number of fields, max + 1 if there are more. */
static size_t split(char *s, char **fields, size_t max)
{
    size_t n = 0;
    for (;;) {
        s += strspn(s, " \t");
        if (!*s)
            return n;
        if (n == max)
            return max + 1;
        fields[n++] = s;
        s += strcspn(s, " \t");
        if (!*s)
            return n;
        *s++ = '\0';
    }
}

static vlit_status read_entry(reader *r, lm_builder *b, unsigned n, unsigned order, char *line)
{
    char *f[VLIT_LM_MAX_ORDER + 3];
    size_t nf = split(line, f, n + 2);
    if (nf < n + 1 || nf > n + 2)
        return fail(r, VLIT_ERR_PARSE,
                    "a %u-gram line needs a log10 probability, %u word%s and an optional backoff "
                    "weight: found %s%zu fields",
                    n, n, n > 1 ? "s" : "", nf > n + 2 ? "more than " : "", nf > n + 2 ? n + 2 : nf);
    float prob, bow = 0.0f;
    if (parse_log(f[0], &prob))
        return fail(r, VLIT_ERR_PARSE, "bad log10 probability '%.40s'", f[0]);
    if (prob > 0.0f) {
        /* rounding in other tools' output can make log10(1) slightly positive */
        if (prob > 1e-4f)
            return fail(r, VLIT_ERR_DATA, "log10 probability %s is above 0 (a probability above 1)", f[0]);
        prob = 0.0f;
    }
    if (nf == n + 2 && parse_log(f[n + 1], &bow))
        return fail(r, VLIT_ERR_PARSE, "bad log10 backoff weight '%.40s'", f[n + 1]);
    if (n == order)
        bow = 0.0f; /* the highest order never backs off; some tools write 0 there */
    int existed;
    vlit_error e = {0};
    vlit_status st;
    if (n == 1) {
        uint32_t id;
        if ((st = lm_builder_add_word(b, f[1], strlen(f[1]), prob, bow, &id, &existed, &e)))
            return fail(r, st, "%s", e.message);
        if (existed)
            return fail(r, VLIT_ERR_DATA, "the 1-gram '%.60s' is listed twice", f[1]);
        return VLIT_OK;
    }
    uint32_t words[VLIT_LM_MAX_ORDER];
    for (unsigned k = 0; k < n; k++) {
        words[k] = lm_builder_word_id(b, f[k + 1], strlen(f[k + 1]));
        if (words[k] == LM_NONE)
            return fail(r, VLIT_ERR_DATA, "the word '%.60s' of this %u-gram is not among the 1-grams", f[k + 1], n);
    }
    if ((st = lm_builder_add_ngram(b, n, words, prob, bow, &existed, &e)))
        return fail(r, st, "%s", e.message);
    if (existed) {
        /* the fields were split in place: join them again for the message */
        for (unsigned k = 1; k < n; k++)
            f[k][strlen(f[k])] = ' ';
        return fail(r, VLIT_ERR_DATA, "the %u-gram '%.80s' is listed twice", n, f[1]);
    }
    return VLIT_OK;
}

vlit_status lm_read_arpa(const char *path, struct vlit_lm **out, vlit_error *err)
{
    *out = NULL;
    reader r = {path, {0}, err};
    lm_builder *b = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    vlit_status st = vlit_lines_init(&r.lines, fp, path, MAX_LINE, err);
    if (st)
        goto out;
    char *line;
    size_t len;
    /* anything before \data\ is ignored, as the format allows */
    for (;;) {
        st = next_line(&r, &line, &len);
        if (st == VLIT_END) {
            st = vlit_err(err, VLIT_ERR_PARSE, "%s: no \\data\\ line: not an ARPA file%s", path,
                          r.lines.lineno ? "" : " (empty)");
            goto out;
        }
        if (st)
            goto out;
        if (strcmp(line, "\\data\\") == 0)
            break;
    }
    unsigned order;
    uint64_t counts[VLIT_LM_MAX_ORDER + 1] = {0};
    if ((st = read_header(&r, &order, counts, &line, &len)))
        goto out;
    if ((st = lm_builder_new(order, &b, err)))
        goto out;
    for (unsigned n = 1; n <= order; n++) {
        if (section_header(line) != n) {
            st = fail(&r, VLIT_ERR_PARSE, "expected the section \\%u-grams:, found '%.60s'", n, line);
            goto out;
        }
        size_t header_line = r.lines.lineno;
        uint64_t seen = 0;
        for (;;) {
            st = next_line(&r, &line, &len);
            if (st == VLIT_END) {
                st = vlit_err(err, VLIT_ERR_PARSE,
                              "%s: the file ends inside \\%u-grams: (line %zu) without \\end\\: truncated?", path, n,
                              header_line);
                goto out;
            }
            if (st)
                goto out;
            if (line[0] == '\\')
                break;
            if ((st = read_entry(&r, b, n, order, line)))
                goto out;
            seen++;
        }
        if (seen != counts[n]) {
            st = fail(&r, VLIT_ERR_PARSE,
                      "the header says ngram %u=%" PRIu64 ", but \\%u-grams: (line %zu) has %" PRIu64 " n-grams", n,
                      counts[n], n, header_line, seen);
            goto out;
        }
    }
    if (strcmp(line, "\\end\\") != 0) {
        unsigned extra = section_header(line);
        if (extra)
            st = fail(&r, VLIT_ERR_PARSE, "a section \\%u-grams: that the header does not announce (ngram %u=)", extra,
                      extra);
        else
            st = fail(&r, VLIT_ERR_PARSE, "expected \\end\\, found '%.60s'", line);
        goto out;
    }
    st = lm_builder_finish(b, out, err);
out:
    lm_builder_free(b);
    vlit_lines_free(&r.lines);
    fclose(fp);
    return st;
}
