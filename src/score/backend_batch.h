/*
 * Internal: what the three backend methods share (matching:embeddings,
 * correctness:judge, instruction_complexity:llm): the session of a run, a
 * batch sender over src/backends/http with the run-level error budget, the
 * chat-request journal over the run store, and reading images for data URLs.
 *
 * All of it runs on the main thread, inside the methods' prepare(); score()
 * only reads what prepare left.
 *
 * The session. The driver opens each method on its own, but SQLite's
 * exclusive lock (one process per store) allows one connection per store
 * file, and the error budget is the run's, not a method's: so the methods of
 * one run (one score_config) share one session, reference-counted, found in
 * a small process-wide table. It holds the run store (or none), the API key
 * (cfg->api_key, else VLIT_API_KEY, else OPENAI_API_KEY; only ever put into
 * the Authorization header, and scrubbed from any server text we keep) and
 * the budget counters.
 *
 * Ownership: a session belongs to the methods that got it; strings in
 * bb_chat are owned by the bb_chat and freed by bb_chat_clear.
 */
#ifndef VLIT_SCORE_BACKEND_BATCH_H
#define VLIT_SCORE_BACKEND_BATCH_H

#include <stddef.h>

#include "../backends/http.h"
#include "../base/buf.h"
#include "../backends/run_store.h"
#include "indicator.h"

#define BB_ERROR_MAX 256
#define BB_MAX_IMAGE_BYTES ((size_t)20 << 20) /* OpenAI's limit per image */

typedef struct bb_session bb_session;

/* The session of cfg's run: created by the first method that asks, shared by
 * the others (same cfg pointer). Opens cfg->store_path when set. */
vlit_status bb_session_get(const score_config *cfg, bb_session **out, vlit_error *err);
/* Drops one reference; the last one commits and closes the store. NULL ok. */
void bb_session_put(bb_session *s);
run_store *bb_session_store(const bb_session *s); /* NULL: no store */
/* ".../chat/completions" and ".../embeddings" of cfg's URLs, or NULL when not given. */
const char *bb_session_chat_url(const bb_session *s);
const char *bb_session_embed_url(const bb_session *s);
/* Replaces every occurrence of the API key in text with '*'s. */
void bb_scrub(const bb_session *s, char *text);

/* ---- sending ------------------------------------------------------------------ */

/* Builds job i's request body (malloc'ed, freed by the sender), or returns
 * NULL when the job cannot be sent (a local problem the callback records
 * itself: it is not a server failure and is not sent). */
typedef char *(*bb_build_fn)(void *ctx, size_t i);
/* Job i's answer (after retries). Returns 1 when the request counts as failed
 * for the error budget (an HTTP failure or a reply that cannot be used) and
 * then puts the reason into why. */
typedef int (*bb_done_fn)(void *ctx, size_t i, const http_result *r, char *why, size_t cap);

/* Sends jobs 0..n-1 to url, concurrently (cfg->concurrency), with retries,
 * committing the run store once per turn of the event loop. Stops pulling
 * jobs once the run's error budget is spent (cfg->max_failed failures, or
 * with -1 at least 20 making more than 10 % of the finished requests), lets
 * those in flight finish, and returns VLIT_ERR_REMOTE saying so; jobs not
 * pulled get no callback. */
vlit_status bb_send(bb_session *s, const char *url, size_t n, bb_build_fn build, bb_done_fn done, void *ctx,
                    vlit_error *err);

/* "HTTP 500 after 5 attempts: <the server's error message>" for a failed
 * result, scrubbed of the key. */
void bb_http_failure(const bb_session *s, const http_result *r, char *why, size_t cap);

/* ---- chat requests through the run store --------------------------------------- */

typedef enum bb_state { BB_PENDING = 0, BB_OK, BB_FAILED, BB_LOCAL } bb_state;

typedef struct bb_chat {
    /* set by the caller */
    char key[65];          /* rs_key of stored */
    char *stored;          /* the body as journaled: images as "data:<type>;sha256,<hex>" (malloc'ed) */
    size_t head_len;       /* bytes of stored shared by many requests (model, prompt, examples) */
    const char *record_id; /* the sample's id, for the store */
    const char *variant;   /* "correctness:judge", ... */
    /* results */
    bb_state state;           /* BB_LOCAL: set by the caller, skipped */
    int from_store;           /* answered from the run store */
    char *content;            /* BB_OK: the completion's text (malloc'ed) */
    char error[BB_ERROR_MAX]; /* BB_FAILED / BB_LOCAL: why */
} bb_chat;

/* The body to send for c (with the image data), malloc'ed; NULL = send
 * c->stored as it is. On a local failure: NULL with c->state = BB_LOCAL and
 * c->error set. */
typedef char *(*bb_body_fn)(void *ctx, bb_chat *c);
/* Whether a completion can be read (stored as the completion's parsed flag). */
typedef int (*bb_check_fn)(const char *content, const char **why);

/* Answers every request not BB_LOCAL: from the store when it holds it as
 * done, else sends it (once per distinct key) to the chat URL, journaling
 * it first (pending), then its completion or its failure. */
vlit_status bb_chat_run(bb_session *s, bb_chat *reqs, size_t n, bb_body_fn body, bb_check_fn check, void *ctx,
                        vlit_error *err);
void bb_chat_clear(bb_chat *c);

/* ---- the batch's values ---------------------------------------------------------- */

/* What prepare() computed for each item of the batch, for score() to copy. */
typedef struct bb_values {
    const score_item *items; /* the batch prepare() was given */
    size_t n, cap;
    score_value *v;
} bb_values;

/* Makes room for n cleared values; NULL when out of memory. */
score_value *bb_values_reset(bb_values *b, const score_item *items, size_t n);
/* Copies item's value into out (the item must be one of the last batch). */
void bb_values_get(const bb_values *b, const score_item *item, score_value *out);
void bb_values_free(bb_values *b);

/* ---- text and images ------------------------------------------------------------ */

typedef struct bb_image {
    char sha256[65];     /* of the file's bytes */
    const char *mime;    /* "image/jpeg", ... by the file's signature */
    unsigned char *data; /* the bytes when asked for (malloc'ed), else NULL */
    size_t len;
} bb_image;

/* Reads path (at most BB_MAX_IMAGE_BYTES): hash, type, and the bytes when
 * keep is set. 0 with why naming the file on failure. */
int bb_image_read(const char *path, int keep, bb_image *img, char *why, size_t cap);
void bb_image_free(bb_image *img);
/* "data:<mime>;base64,<...>" of img's bytes, malloc'ed; NULL when out of memory. */
char *bb_data_url(const bb_image *img);

/* Appends text to b with the sample's "<image>" placeholders removed. */
vlit_status bb_put_text(vlit_buf *b, const char *text);
/* Reads a whole small file (prompts) into a malloc'ed string, trailing blanks removed. */
char *bb_slurp(const char *path, vlit_error *err);

#endif
