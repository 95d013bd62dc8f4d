/*
 * Internal: the run store, a SQLite database (WAL) that journals every LLM
 * request and every completion of a generation run.
 *
 * A request is keyed by the SHA-256 of its full body, so the same request is
 * answered from the store instead of the server, and a killed run resumes
 * where it stopped: requests marked done are not sent again. Writes go
 * into one open transaction (begun by the first write) until rs_commit, so
 * a caller commits a whole batch of state changes at once, and does so
 * before it sends a recorded request or uses a stored completion; a killed
 * process loses only what it had not committed. API keys are request headers, never part of the body, so never stored.
 */
#ifndef VLIT_BACKENDS_RUN_STORE_H
#define VLIT_BACKENDS_RUN_STORE_H

#include <stddef.h>

#include "../base/err.h"

typedef struct run_store run_store;

typedef enum rs_state { RS_NONE = 0, RS_PENDING = 1, RS_DONE = 2, RS_FAILED = 3 } rs_state;

typedef struct rs_completion {
    const char *content; /* the model's text, as received */
    int parsed;          /* 1: a conversation was read from it; 0: kept, marked unparseable */
    const char *parse_error; /* why not, or NULL */
} rs_completion;

/* "sha256 hex" of data into out[65]. */
void rs_key(const void *data, size_t len, char out[65]);

/* The store is opened for this process alone (SQLite's exclusive locking):
 * a second run on the same store fails at once instead of sending the same
 * requests twice. */
vlit_status rs_open(const char *path, run_store **out, vlit_error *err);
/* Commits what is open, then closes. */
void rs_close(run_store *s);
/* Commits the open transaction, if any. */
vlit_status rs_commit(run_store *s, vlit_error *err);

vlit_status rs_state_of(run_store *s, const char *key, rs_state *state, vlit_error *err);
/* Records a request before it is sent (state pending); a known key is left as
 * it is. The first head_len bytes of body are a head that many requests share
 * (prompt and examples): stored once, in table heads; the view request_bodies
 * gives every request's whole body. */
vlit_status rs_add_request(run_store *s, const char *key, const char *record_id, const char *variant, const char *body,
                           size_t head_len, vlit_error *err);
/* Stores all completions of a request and marks it done (all or nothing). */
vlit_status rs_finish_request(run_store *s, const char *key, const rs_completion *c, size_t n, long prompt_tokens,
                              long completion_tokens, vlit_error *err);
/* Marks a request failed after its retries, with the last error. */
vlit_status rs_fail_request(run_store *s, const char *key, int attempts, const char *error, vlit_error *err);
/* Calls fn for each stored completion of key, in index order. */
vlit_status rs_completions(run_store *s, const char *key, void (*fn)(void *ctx, size_t idx, const rs_completion *c),
                           void *ctx, vlit_error *err);

/* The embeddings cache: one vector per key (the caller's hash of model and
 * input), kept as little-endian float32. Added to schema 2 without a version
 * change: a store made before it gains the table when opened, and an older
 * vlit ignores it. Writes join the open transaction like the others. */
/* Stores v under key; a known key is left as it is. kind says what was
 * embedded ("text", "image"), for people reading the store. */
vlit_status rs_put_embedding(run_store *s, const char *key, const char *model, const char *kind, const float *v,
                             size_t dim, vlit_error *err);
/* *dim = 0 when key is unknown; else *dim is the stored dimension and the
 * first min(*dim, cap) values are copied into out. */
vlit_status rs_get_embedding(run_store *s, const char *key, float *out, size_t cap, size_t *dim, vlit_error *err);

typedef struct rs_counts {
    long pending, done, failed, completions, unparsed, prompt_tokens, completion_tokens;
} rs_counts;
vlit_status rs_count(run_store *s, rs_counts *out, vlit_error *err);

#endif
