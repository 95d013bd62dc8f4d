/* Principle 7, instruction complexity, backend: a chat model rates the
 * sample's instruction (its user turns) from 1 to 10, guided by our own
 * scored examples (data/score/complexity_llm_examples.jsonl, shown as
 * earlier turns of the chat) and the rubric in
 * data/score/complexity_llm_system.txt. Text only: any chat model will do.
 *
 * One request per distinct instruction, content-keyed in the run store (the
 * prompt and the examples are the request's shared head, stored once). A
 * reply without a score 1..10 leaves the value missing ("no score in the
 * reply"), as does a request that failed after its retries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/json.h"
#include "../base/lines.h"
#include "backend_batch.h"
#include "backend_parse.h"

#define MAX_TEXT (16u << 10)
#define MAX_TOKENS 64
#define MIN_EXAMPLES 8

typedef struct complexity {
    const score_config *cfg;
    bb_session *s;
    double temperature;
    char *head; /* model, rubric and examples */
    size_t head_len;
    bb_values values;
} complexity;

static vlit_status message(vlit_buf *b, const char *role, const char *prefix, const char *content)
{
    vlit_status st = vlit_buf_puts(b, ",{\"role\":");
    if (!st)
        st = vj_write_cstr(b, role);
    if (!st)
        st = vlit_buf_puts(b, ",\"content\":");
    if (!st) {
        vlit_buf t = VLIT_BUF_INIT;
        st = vlit_buf_puts(&t, prefix);
        if (!st)
            st = vlit_buf_puts(&t, content);
        if (!st)
            st = vj_write_cstr(b, t.data);
        vlit_buf_free(&t);
    }
    return st ? st : vlit_buf_putc(b, '}');
}

/* Appends the examples as user/assistant turns; checks there are enough. */
static vlit_status load_examples(const char *path, vlit_buf *b, vlit_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open", path);
    vlit_lines l;
    vlit_status st = vlit_lines_init(&l, fp, path, 1 << 20, err);
    if (st) {
        fclose(fp);
        return st;
    }
    vlit_arena a;
    vlit_arena_init(&a, 0);
    size_t count = 0;
    while ((st = vlit_lines_next(&l, err)) == VLIT_OK) {
        if (!l.line.len)
            continue;
        vlit_arena_reset(&a);
        vj *e;
        vlit_error local = {0};
        if (vj_parse(l.line.data, l.line.len, NULL, &a, &e, &local)) {
            st = vlit_err(err, VLIT_ERR_PARSE, "%s: line %zu: %s", path, l.lineno, local.message);
            break;
        }
        const vj *ins = vj_get(e, "instruction");
        int64_t score;
        if (!vj_is_text(ins) || !ins->str[0] || !vj_int(vj_get(e, "score"), &score) || score < 1 || score > 10) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: line %zu: needs an \"instruction\" and an integer \"score\" 1..10",
                          path, l.lineno);
            break;
        }
        char answer[32];
        snprintf(answer, sizeof answer, "Score: %d", (int)score);
        if ((st = message(b, "user", "Instruction: ", ins->str)) || (st = message(b, "assistant", "", answer))) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            break;
        }
        count++;
    }
    if (st == VLIT_END)
        st = count >= MIN_EXAMPLES ? VLIT_OK
                                   : vlit_err(err, VLIT_ERR_DATA, "%s: %zu scored examples, at least %d are needed",
                                              path, count, MIN_EXAMPLES);
    vlit_lines_free(&l);
    fclose(fp);
    vlit_arena_free(&a);
    return st;
}

static vlit_status cx_open(const score_config *cfg, void **state, vlit_error *err)
{
    *state = NULL;
    if (!cfg->llm_url || !cfg->llm_model)
        return vlit_err(err, VLIT_ERR_USAGE,
                        "instruction_complexity:llm needs a chat server and a model (--llm-url, --model)");
    if (!cfg->data_dir)
        return vlit_err(err, VLIT_ERR_USAGE, "instruction_complexity:llm needs vlit's data folder (its prompt)");
    char path[4096];
    snprintf(path, sizeof path, "%s/score/complexity_llm_system.txt", cfg->data_dir);
    char *rubric = bb_slurp(path, err);
    if (!rubric)
        return err ? err->status : VLIT_ERR_IO;
    vlit_buf b = VLIT_BUF_INIT;
    vlit_status st = vlit_buf_puts(&b, "{\"model\":");
    if (!st)
        st = vj_write_cstr(&b, cfg->llm_model);
    if (!st)
        st = vlit_buf_puts(&b, ",\"messages\":[{\"role\":\"system\",\"content\":");
    if (!st)
        st = vj_write_cstr(&b, rubric);
    if (!st)
        st = vlit_buf_putc(&b, '}');
    free(rubric);
    if (st) {
        vlit_buf_free(&b);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    snprintf(path, sizeof path, "%s/score/complexity_llm_examples.jsonl", cfg->data_dir);
    if ((st = load_examples(path, &b, err))) {
        vlit_buf_free(&b);
        return st;
    }
    complexity *c = calloc(1, sizeof *c);
    if (!c) {
        vlit_buf_free(&b);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    c->cfg = cfg;
    c->temperature = cfg->temperature < 0 ? 0.7 : cfg->temperature;
    c->head = b.data;
    c->head_len = b.len;
    if ((st = bb_session_get(cfg, &c->s, err))) {
        free(c->head);
        free(c);
        return st;
    }
    *state = c;
    return VLIT_OK;
}

static char *body(const complexity *c, const char *instruction)
{
    vlit_buf b = VLIT_BUF_INIT;
    vlit_status st = vlit_buf_append(&b, c->head, c->head_len);
    if (!st)
        st = message(&b, "user", "Instruction: ", instruction);
    if (!st)
        st = vlit_buf_puts(&b, "],\"temperature\":");
    if (!st)
        st = vj_write_num(&b, c->temperature);
    if (!st)
        st = vlit_buf_printf(&b, ",\"max_tokens\":%d}", MAX_TOKENS);
    if (st) {
        vlit_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int score_readable(const char *content, const char **why)
{
    if (bp_parse_score(content, strlen(content)))
        return 1;
    *why = "no score 1..10";
    return 0;
}

static vlit_status cx_prepare(void *state, const score_item *items, size_t n, vlit_error *err)
{
    complexity *c = state;
    score_value *vals = bb_values_reset(&c->values, items, n);
    bb_chat *reqs = calloc(n ? n : 1, sizeof *reqs);
    if (!vals || !reqs) {
        free(reqs);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    vlit_status st = VLIT_OK;
    char ids[64];
    vlit_arena ida;
    vlit_arena_init(&ida, 4096);
    for (size_t i = 0; i < n && !st; i++) {
        bb_chat *r = &reqs[i];
        const char *ins = items[i].instruction ? items[i].instruction : "";
        while (*ins == ' ' || *ins == '\n' || *ins == '\t')
            ins++;
        if (!*ins) {
            r->state = BB_LOCAL;
            snprintf(r->error, sizeof r->error, "the sample has no instruction");
            continue;
        }
        if (strlen(ins) > MAX_TEXT) {
            r->state = BB_LOCAL;
            snprintf(r->error, sizeof r->error, "the instruction is longer than %u KiB", MAX_TEXT >> 10);
            continue;
        }
        if (!(r->stored = body(c, ins))) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            break;
        }
        rs_key(r->stored, strlen(r->stored), r->key);
        r->head_len = c->head_len;
        r->record_id = items[i].sample->id;
        if (!r->record_id) {
            snprintf(ids, sizeof ids, "#%zu", items[i].index);
            r->record_id = vlit_arena_strdup(&ida, ids);
        }
        r->variant = "instruction_complexity:llm";
    }
    if (!st)
        st = bb_chat_run(c->s, reqs, n, NULL, score_readable, c, err);
    for (size_t i = 0; i < n && !st; i++) {
        const bb_chat *r = &reqs[i];
        if (r->state != BB_OK) {
            score_missing(&vals[i], "%s", r->error);
            continue;
        }
        int v = bp_parse_score(r->content, strlen(r->content));
        if (v) {
            vals[i].value = v;
        } else {
            char shown[64];
            size_t k = 0;
            for (const char *p = r->content; *p && k + 1 < sizeof shown; p++)
                shown[k++] = *p == '\n' || *p == '\r' || *p == '\t' || *p == '"' ? ' ' : *p;
            while (k && ((unsigned char)r->content[k] & 0xC0) == 0x80)
                k--; /* not in the middle of a UTF-8 character */
            shown[k] = '\0';
            score_missing(&vals[i], "no score 1..10 in the reply \"%s%s\"", shown, r->content[k] ? "..." : "");
        }
    }
    for (size_t i = 0; i < n; i++)
        bb_chat_clear(&reqs[i]);
    free(reqs);
    vlit_arena_free(&ida);
    return st;
}

static void cx_score(void *state, void *scratch, const score_item *it, score_value *out)
{
    (void)scratch;
    bb_values_get(&((complexity *)state)->values, it, out);
}

static void cx_close(void *state)
{
    complexity *c = state;
    if (!c)
        return;
    bb_session_put(c->s);
    bb_values_free(&c->values);
    free(c->head);
    free(c);
}

const score_method score_instruction_complexity_llm = {
    .info = {.name = "instruction_complexity",
             .principle = 7,
             .principle_name = "instruction complexity",
             .level = "sample",
             .direction = 1,
             .method = "llm",
             .embedded = 0,
             .inputs = VLIT_NEEDS_TEXT | VLIT_NEEDS_SERVER,
             .range = "1-10",
             .summary = "a chat model rates the instruction's complexity 1-10, guided by our scored examples"},
    .open = cx_open,
    .prepare = cx_prepare,
    .score = cx_score,
    .close = cx_close,
};
