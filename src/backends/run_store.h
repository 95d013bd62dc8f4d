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
 * process loses only what it had not committed. API keys are request
 * headers, never part of the body, so never stored.
 *
 * Schema 3 (docs/generate.md): rows are appended in order and found by key
 * through an index held in memory, built when the store is opened (a 16-byte
 * slot per request in a table at most 70 % full: 23 to 46 bytes a request),
 * instead of an SQL index whose random pages would cost a page write per
 * request. A store of schema 2 is migrated when opened. Strings passed in
 * are copied before the call returns; strings passed to callbacks are valid
 * during the callback. A store is used by one thread at a time.
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

/* rs_key of bodies that begin with the same prefix, hashing the prefix once:
 * rs_hasher_key(h, rest, n, out) gives rs_key(prefix followed by rest). Not
 * to be shared between threads. */
typedef struct rs_hasher rs_hasher;
rs_hasher *rs_hasher_new(const void *prefix, size_t len);                    /* NULL when out of memory */
const char *rs_hasher_prefix_key(const rs_hasher *h);                        /* rs_key of the prefix alone */
int rs_hasher_key(rs_hasher *h, const void *rest, size_t len, char out[65]); /* -1 on failure */
void rs_hasher_free(rs_hasher *h);

/* The store is opened for this process alone (SQLite's exclusive locking):
 * a second run on the same store fails at once instead of sending the same
 * requests twice. */
vlit_status rs_open(const char *path, run_store **out, vlit_error *err);
/* Commits what is open, then closes. */
void rs_close(run_store *s);
/* Commits the open transaction, if any. */
vlit_status rs_commit(run_store *s, vlit_error *err);
/* Says the caller has nothing else to do for a moment: with no transaction
 * open and more than 8 MiB in the write-ahead log (1 MiB when `closing`, the
 * caller expecting to close the store soon), copies it into the database
 * file now (a checkpoint, with its syncs), which a commit would otherwise do
 * at 64 MiB, and closing the store at the end. */
vlit_status rs_idle(run_store *s, int closing, vlit_error *err);

vlit_status rs_state_of(run_store *s, const char *key, rs_state *state, vlit_error *err);

/* A request's row in the store, for callers that keep it: the functions
 * taking an rs_id skip looking the key up again. 0 = none. */
typedef long long rs_id;
/* The state and row of key (RS_NONE and 0 when unknown). */
vlit_status rs_find(run_store *s, const char *key, rs_state *state, rs_id *id, vlit_error *err);
/* Records a request before it is sent (state pending); a known key is left as
 * it is. The first head_len bytes of body are a head that many requests share
 * (prompt and examples): stored once, in table heads; the view request_bodies
 * gives every request's whole body. */
vlit_status rs_add_request(run_store *s, const char *key, const char *record_id, const char *variant, const char *body,
                           size_t head_len, vlit_error *err);
/* The same, with the head's key (rs_key of its head_len bytes, e.g. from
 * rs_hasher_prefix_key) given by a caller that has it, so that the head is
 * not hashed again for every request; *id (if id is not NULL) receives the
 * request's row, new or known. */
vlit_status rs_add_request_head(run_store *s, const char *key, const char *record_id, const char *variant,
                                const char *body, size_t head_len, const char *head_key, rs_id *id, vlit_error *err);
/* Stores all completions of a request and marks it done (all or nothing). */
vlit_status rs_finish_request(run_store *s, const char *key, const rs_completion *c, size_t n, long prompt_tokens,
                              long completion_tokens, vlit_error *err);
/* Marks a request failed after its retries, with the last error. */
vlit_status rs_fail_request(run_store *s, const char *key, int attempts, const char *error, vlit_error *err);
/* Calls fn for each stored completion of key, in index order. */
vlit_status rs_completions(run_store *s, const char *key, void (*fn)(void *ctx, size_t idx, const rs_completion *c),
                           void *ctx, vlit_error *err);
/* The same three by row (from rs_find or rs_add_request_head). */
vlit_status rs_finish_id(run_store *s, rs_id id, const rs_completion *c, size_t n, long prompt_tokens,
                         long completion_tokens, vlit_error *err);
vlit_status rs_fail_id(run_store *s, rs_id id, int attempts, const char *error, vlit_error *err);
vlit_status rs_completions_id(run_store *s, rs_id id, void (*fn)(void *ctx, size_t idx, const rs_completion *c),
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
