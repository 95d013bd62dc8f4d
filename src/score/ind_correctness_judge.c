/* Principle 2, correctness, backend: a vision chat model judges the sample
 * k times (cfg->judge_votes, odd, default 3) whether its answers are correct
 * for the image; the verdict is the most frequent answer.
 *
 * Each vote is its own request, the same body but for "seed": the vote's
 * index (0..k-1), so that servers that refuse n > 1 (llama-server) or ignore
 * it (Ollama) still give k samples, and each vote is a content-keyed
 * request in the run store: a rerun, or a rerun with a larger k, sends only
 * what the store lacks. The image goes as a base64 data URL in an OpenAI
 * vision message; the store journals the body with the image as
 * "data:<type>;sha256,<hex of the file>", so the key still changes with the
 * image's content but the store does not hold a copy of every image k times.
 *
 * Value 1 (correct) or 0, extras votes_yes / votes_no / votes_unparsed. A
 * vote whose reply names no verdict is counted as unparsed, never guessed;
 * the value is given only when yes or no has more votes than each of the
 * other two outcomes. A vote that failed after its retries makes the value
 * missing, with the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/json.h"
#include "backend_batch.h"
#include "backend_parse.h"

#define MAX_TEXT (32u << 10) /* a conversation longer than this is not judged */
#define MAX_TOKENS 64        /* "yes"/"no", or a short reason and a last line with the verdict */

typedef struct judge_req {
    size_t item;
    unsigned vote;
    const char *path, *mime, *text;
    char sha256[65];
} judge_req;

typedef struct judge {
    const score_config *cfg;
    bb_session *s;
    unsigned k;
    double temperature;
    char *head; /* {"model":..,"messages":[{"role":"system",..} */
    size_t head_len;
    bb_values values;
    vlit_arena arena; /* the batch's texts */
    /* during prepare */
    bb_chat *reqs;
    judge_req *side;
    char cached_sha[65]; /* the last image sent: the votes of one sample come in a row */
    char *cached_url;
} judge;

static vlit_status judge_open(const score_config *cfg, void **state, vlit_error *err)
{
    *state = NULL;
    unsigned k = cfg->judge_votes ? cfg->judge_votes : 3;
    if (k % 2 == 0 || k > 99)
        return vlit_err(err, VLIT_ERR_USAGE,
                        "correctness:judge: the number of votes must be odd and at most 99, not %u", k);
    if (!cfg->llm_url || !cfg->llm_model)
        return vlit_err(err, VLIT_ERR_USAGE, "correctness:judge needs a chat server and a model (--llm-url, --model)");
    if (!cfg->data_dir)
        return vlit_err(err, VLIT_ERR_USAGE, "correctness:judge needs vlit's data folder (its prompt)");
    char path[4096];
    snprintf(path, sizeof path, "%s/score/judge_correctness.txt", cfg->data_dir);
    char *prompt = bb_slurp(path, err);
    if (!prompt)
        return err ? err->status : VLIT_ERR_IO;
    judge *j = calloc(1, sizeof *j);
    vlit_buf b = VLIT_BUF_INIT;
    vlit_status st = j ? VLIT_OK : VLIT_ERR_NOMEM;
    if (!st)
        st = vlit_buf_puts(&b, "{\"model\":");
    if (!st)
        st = vj_write_cstr(&b, cfg->llm_model);
    if (!st)
        st = vlit_buf_puts(&b, ",\"messages\":[{\"role\":\"system\",\"content\":");
    if (!st)
        st = vj_write_cstr(&b, prompt);
    if (!st)
        st = vlit_buf_putc(&b, '}');
    free(prompt);
    if (st) {
        vlit_buf_free(&b);
        free(j);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    j->cfg = cfg;
    j->k = k;
    j->temperature = cfg->temperature < 0 ? 0.7 : cfg->temperature;
    j->head = b.data;
    j->head_len = b.len;
    vlit_arena_init(&j->arena, 1 << 16);
    if ((st = bb_session_get(cfg, &j->s, err))) {
        free(j->head);
        vlit_arena_free(&j->arena);
        free(j);
        return st;
    }
    *state = j;
    return VLIT_OK;
}

/* The conversation as the judge reads it, or NULL with why. */
static const char *render(judge *j, const score_item *it, char *why, size_t cap)
{
    vlit_buf b = VLIT_BUF_INIT;
    b.max = MAX_TEXT + 1024;
    vlit_status st = vlit_buf_puts(&b, "Conversation:\n");
    size_t start = b.len;
    for (size_t t = 0; t < it->sample->n_turns && !st; t++) {
        const vlit_turn *turn = &it->sample->turns[t];
        const char *role = turn->role ? turn->role : "";
        const char *who = strcmp(role, "user") == 0 || strcmp(role, "human") == 0      ? "User"
                          : strcmp(role, "assistant") == 0 || strcmp(role, "gpt") == 0 ? "Assistant"
                                                                                       : NULL;
        if (!who)
            continue; /* system turns are not the sample's content */
        st = vlit_buf_printf(&b, "%s: ", who);
        if (!st)
            st = bb_put_text(&b, turn->text);
        if (!st)
            st = vlit_buf_putc(&b, '\n');
    }
    const char *out = NULL;
    if (st == VLIT_ERR_LIMIT || b.len > MAX_TEXT)
        snprintf(why, cap, "the conversation is longer than %u KiB", MAX_TEXT >> 10);
    else if (st)
        snprintf(why, cap, "out of memory");
    else if (b.len == start)
        snprintf(why, cap, "the sample has no user or assistant turns");
    else if (vlit_buf_puts(&b, "\nAre the assistant's answers correct for this image? Reply yes or no.") ||
             !(out = vlit_arena_strndup(&j->arena, b.data, b.len)))
        snprintf(why, cap, "out of memory");
    vlit_buf_free(&b);
    return out;
}

/* The request of one vote: url is the image's data URL, or NULL for the
 * journaled form that names the image by its hash. */
static char *body(const judge *j, const judge_req *r, const char *url)
{
    vlit_buf b = VLIT_BUF_INIT;
    vlit_status st = vlit_buf_append(&b, j->head, j->head_len);
    if (!st)
        st = vlit_buf_puts(&b, ",{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":");
    if (!st && url)
        st = vj_write_cstr(&b, url);
    else if (!st)
        st = vlit_buf_printf(&b, "\"data:%s;sha256,%s\"", r->mime, r->sha256);
    if (!st)
        st = vlit_buf_puts(&b, "}},{\"type\":\"text\",\"text\":");
    if (!st)
        st = vj_write_cstr(&b, r->text);
    if (!st)
        st = vlit_buf_puts(&b, "}]}],\"temperature\":");
    if (!st)
        st = vj_write_num(&b, j->temperature);
    if (!st)
        st = vlit_buf_printf(&b, ",\"max_tokens\":%d,\"seed\":%u}", MAX_TOKENS, r->vote);
    if (st) {
        vlit_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* bb_body_fn: the body with the image's bytes, read again now (only the
 * requests in flight hold an image in memory). */
static char *send_body(void *ctx, bb_chat *c)
{
    judge *j = ctx;
    const judge_req *r = &j->side[c - j->reqs];
    if (!j->cached_url || strcmp(j->cached_sha, r->sha256) != 0) {
        free(j->cached_url);
        j->cached_url = NULL;
        bb_image img;
        char why[BB_ERROR_MAX];
        if (!bb_image_read(r->path, 1, &img, why, sizeof why)) {
            c->state = BB_LOCAL;
            snprintf(c->error, sizeof c->error, "%s", why);
            return NULL;
        }
        if (strcmp(img.sha256, r->sha256) != 0) {
            bb_image_free(&img);
            c->state = BB_LOCAL;
            snprintf(c->error, sizeof c->error, "%.200s: the image changed during the run", r->path);
            return NULL;
        }
        j->cached_url = bb_data_url(&img);
        bb_image_free(&img);
        memcpy(j->cached_sha, r->sha256, sizeof j->cached_sha);
    }
    char *b = j->cached_url ? body(j, r, j->cached_url) : NULL;
    if (!b) {
        c->state = BB_LOCAL;
        snprintf(c->error, sizeof c->error, "out of memory");
    }
    return b;
}

static int vote_readable(const char *content, const char **why)
{
    if (bp_parse_vote(content, strlen(content)) != BP_VOTE_UNPARSED)
        return 1;
    *why = "no yes/no verdict";
    return 0;
}

static void tally(judge *j, size_t i, const bb_chat *votes, score_value *out)
{
    unsigned yes = 0, no = 0, unparsed = 0;
    for (unsigned v = 0; v < j->k; v++) {
        const bb_chat *c = &votes[v];
        if (c->state != BB_OK) {
            score_missing(out, "vote %u of %u failed: %s", v + 1, j->k, c->error);
            return;
        }
        bp_vote r = bp_parse_vote(c->content, strlen(c->content));
        yes += r == BP_VOTE_YES;
        no += r == BP_VOTE_NO;
        unparsed += r == BP_VOTE_UNPARSED;
    }
    (void)i;
    if ((yes > no && yes > unparsed) || (no > yes && no > unparsed)) {
        out->value = yes > no ? 1 : 0;
        score_extra(out, "votes_yes", yes);
        score_extra(out, "votes_no", no);
        score_extra(out, "votes_unparsed", unparsed);
    } else {
        score_missing(out, "no majority among %u votes: %u yes, %u no, %u unparsed", j->k, yes, no, unparsed);
    }
}

static vlit_status judge_prepare(void *state, const score_item *items, size_t n, vlit_error *err)
{
    judge *j = state;
    score_value *vals = bb_values_reset(&j->values, items, n);
    if (!vals)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    vlit_arena_reset(&j->arena);
    size_t m = 0;
    const char **texts = vlit_arena_alloc(&j->arena, (n ? n : 1) * sizeof *texts);
    bb_image *imgs = vlit_arena_alloc(&j->arena, (n ? n : 1) * sizeof *imgs);
    if (!texts || !imgs)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char why[BB_ERROR_MAX];
        texts[i] = NULL;
        if (!items[i].image_path) {
            score_missing(&vals[i], "%s", items[i].image_problem ? items[i].image_problem : "no image");
            continue;
        }
        if (!bb_image_read(items[i].image_path, 0, &imgs[i], why, sizeof why)) {
            score_missing(&vals[i], "%s", why);
            continue;
        }
        if (!(texts[i] = render(j, &items[i], why, sizeof why))) {
            score_missing(&vals[i], "%s", why);
            continue;
        }
        m += j->k;
    }
    j->reqs = calloc(m ? m : 1, sizeof *j->reqs);
    j->side = calloc(m ? m : 1, sizeof *j->side);
    vlit_status st = j->reqs && j->side ? VLIT_OK : vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    char id[32];
    size_t r = 0;
    for (size_t i = 0; i < n && !st; i++) {
        if (!texts[i])
            continue;
        const char *record = items[i].sample->id;
        if (!record) {
            snprintf(id, sizeof id, "#%zu", items[i].index);
            record = vlit_arena_strdup(&j->arena, id);
        }
        for (unsigned v = 0; v < j->k && !st; v++, r++) {
            judge_req *q = &j->side[r];
            q->item = i;
            q->vote = v;
            q->path = items[i].image_path;
            q->mime = imgs[i].mime;
            q->text = texts[i];
            memcpy(q->sha256, imgs[i].sha256, sizeof q->sha256);
            bb_chat *c = &j->reqs[r];
            if (!record || !(c->stored = body(j, q, NULL))) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
            rs_key(c->stored, strlen(c->stored), c->key);
            c->head_len = j->head_len;
            c->record_id = record;
            c->variant = "correctness:judge";
        }
    }
    if (!st)
        st = bb_chat_run(j->s, j->reqs, m, send_body, vote_readable, j, err);
    if (!st)
        for (size_t i = 0, at = 0; i < n; i++)
            if (texts[i]) {
                tally(j, i, &j->reqs[at], &vals[i]);
                at += j->k;
            }
    for (size_t q = 0; j->reqs && q < m; q++)
        bb_chat_clear(&j->reqs[q]);
    free(j->reqs);
    free(j->side);
    j->reqs = NULL;
    j->side = NULL;
    free(j->cached_url);
    j->cached_url = NULL;
    return st;
}

static void judge_score(void *state, void *scratch, const score_item *it, score_value *out)
{
    (void)scratch;
    bb_values_get(&((judge *)state)->values, it, out);
}

static void judge_close(void *state)
{
    judge *j = state;
    if (!j)
        return;
    bb_session_put(j->s);
    bb_values_free(&j->values);
    vlit_arena_free(&j->arena);
    free(j->head);
    free(j);
}

const score_method score_correctness_judge = {
    .info = {.name = "correctness",
             .principle = 2,
             .principle_name = "correctness",
             .level = "sample",
             .direction = 1,
             .method = "judge",
             .embedded = 0,
             .inputs = VLIT_NEEDS_TEXT | VLIT_NEEDS_IMAGE | VLIT_NEEDS_SERVER,
             .range = "0-1",
             .summary = "a vision chat model asked k times (odd) whether the answers are correct for the image; "
                        "1 = the majority says yes"},
    .open = judge_open,
    .prepare = judge_prepare,
    .score = judge_score,
    .close = judge_close,
};
