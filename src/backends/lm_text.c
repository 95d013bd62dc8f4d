/* Text files line by line: scoring each line as a sentence, and writing the
 * tokens that training and scoring see. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/atomic_file.h"
#include "../base/lines.h"
#include "../base/utf8.h"
#include "lm_model.h"

#define MAX_LINE ((size_t)64 << 20)

vlit_lm_score_params vlit_lm_score_default_params(void)
{
    vlit_lm_score_params p;
    memset(&p, 0, sizeof p);
    return p;
}

typedef struct text_in {
    FILE *fp;
    const char *name;
    vlit_lines lines;
} text_in;

static vlit_status text_open(text_in *in, const char *path, vlit_error *err)
{
    memset(in, 0, sizeof *in);
    int is_stdin = strcmp(path, "-") == 0;
    in->fp = is_stdin ? stdin : fopen(path, "rb");
    in->name = is_stdin ? "standard input" : path;
    if (!in->fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    vlit_status st = vlit_lines_init(&in->lines, in->fp, in->name, MAX_LINE, err);
    if (st && !is_stdin) {
        fclose(in->fp);
        in->fp = NULL;
    }
    return st;
}

static void text_close(text_in *in)
{
    vlit_lines_free(&in->lines);
    if (in->fp && in->fp != stdin)
        fclose(in->fp);
}

/* VLIT_OK for a good line, VLIT_END at the end; a line that is not UTF-8 is
 * an error, or with skip_bad *bad = 1 and message filled. */
static vlit_status text_next(text_in *in, int skip_bad, int *bad, vlit_error *msg, vlit_error *err)
{
    *bad = 0;
    vlit_status st = vlit_lines_next(&in->lines, err);
    if (st)
        return st;
    size_t at;
    if (vlit_utf8_valid(in->lines.line.data, in->lines.line.len, &at))
        return VLIT_OK;
    vlit_err(msg, VLIT_ERR_PARSE, "%s: line %zu: not UTF-8 (byte %zu of the line)", in->name, in->lines.lineno, at + 1);
    if (!skip_bad)
        return vlit_err(err, VLIT_ERR_PARSE, "%s", msg->message);
    *bad = 1;
    return VLIT_OK;
}

static void add_stats(vlit_lm_stats *to, const vlit_lm_stats *s)
{
    to->sentences += s->sentences;
    to->words += s->words;
    to->oov += s->oov;
    to->oov_scored += s->oov_scored;
    to->tokens += s->tokens;
    to->logprob += s->logprob;
    to->oov_logprob += s->oov_logprob;
}

vlit_status vlit_lm_score_file(const vlit_lm *lm, vlit_lm_score_params params, const char *path, vlit_lm_stats *total,
                               vlit_error *err)
{
    if (!lm || !path || !total)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_lm_score_file needs a model, a path and stats");
    text_in in;
    vlit_status st = text_open(&in, path, err);
    if (st)
        return st;
    const char **tokens = NULL;
    size_t cap = 0;
    int bad;
    vlit_error msg = {0};
    while ((st = text_next(&in, params.skip_bad, &bad, &msg, err)) == VLIT_OK) {
        vlit_lm_stats line = {0};
        if (bad) {
            if (params.on_skip)
                params.on_skip(params.ctx, msg.message);
        } else if (!params.raw) {
            vlit_lm_score_text(lm, in.lines.line.data, in.lines.line.len, &line);
        } else {
            /* split in place on white space */
            size_t n = 0;
            char *s = in.lines.line.data;
            for (;;) {
                s += strspn(s, " \t\r\v\f");
                if (!*s)
                    break;
                if (n == cap) {
                    size_t grown_cap = cap ? cap * 2 : 64;
                    const char **grown = malloc(grown_cap * sizeof *grown);
                    if (!grown) {
                        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                        break;
                    }
                    if (n)
                        memcpy(grown, tokens, n * sizeof *grown);
                    free(tokens);
                    tokens = grown;
                    cap = grown_cap;
                }
                tokens[n++] = s;
                s += strcspn(s, " \t\r\v\f");
                if (*s)
                    *s++ = '\0';
            }
            if (st)
                break;
            vlit_lm_score_tokens(lm, tokens, n, &line);
        }
        if (params.on_line)
            params.on_line(params.ctx, in.lines.lineno, &line);
        add_stats(total, &line);
    }
    if (st == VLIT_END)
        st = VLIT_OK;
    free(tokens);
    text_close(&in);
    return st;
}

vlit_status vlit_lm_tokenize_file(const char *in_path, const char *out_path, int skip_bad, size_t *skipped,
                                  vlit_error *err)
{
    if (skipped)
        *skipped = 0;
    if (!in_path || !out_path)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_lm_tokenize_file needs an input and an output path");
    text_in in;
    vlit_status st = text_open(&in, in_path, err);
    if (st)
        return st;
    vlit_atomic_file out;
    if ((st = vlit_atomic_open(&out, out_path, err))) {
        text_close(&in);
        return st;
    }
    char tok[VLIT_LM_TOKEN_MAX];
    int bad;
    vlit_error msg = {0};
    while ((st = text_next(&in, skip_bad, &bad, &msg, err)) == VLIT_OK) {
        if (bad && skipped)
            (*skipped)++;
        size_t pos = 0, n, k = 0;
        while (!bad && (n = vlit_lm_next_token(in.lines.line.data, in.lines.line.len, &pos, tok)) > 0) {
            if (k++)
                fputc(' ', out.fp);
            fwrite(tok, 1, n, out.fp);
        }
        fputc('\n', out.fp);
    }
    if (st == VLIT_END)
        st = vlit_atomic_commit(&out, err);
    else
        vlit_atomic_abort(&out);
    text_close(&in);
    return st;
}
