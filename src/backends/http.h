/*
 * Internal: POSTs many JSON requests to an HTTP server concurrently, through
 * libcurl's multi interface, with retries.
 *
 * Requests are pulled from the caller (next_fn) as slots free up, so a run of
 * millions of requests never holds more than `concurrency` of them. A caller
 * that prepares requests on another thread can answer "none yet" and wake
 * the loop through wake_fd when it has more. A request
 * is retried after 429, 5xx, timeouts and connection errors, waiting with
 * exponential backoff and full jitter, or as long as the server's
 * Retry-After says; other statuses end it. done_fn is called once per
 * request, from the calling thread. The API key goes into a header only.
 */
#ifndef VLIT_BACKENDS_HTTP_H
#define VLIT_BACKENDS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

typedef struct http_params {
    const char *url;        /* e.g. http://127.0.0.1:8000/v1/chat/completions */
    const char *api_key;    /* sent as "Authorization: Bearer ..."; NULL = none */
    int concurrency;        /* requests in flight; default 8 */
    int max_attempts;       /* default 5 */
    double timeout_s;       /* per attempt; default 120 */
    double backoff_base_s;  /* first retry waits up to this; default 0.5 */
    double backoff_max_s;   /* cap of one wait; default 30 */
    uint64_t seed;          /* jitter */
    /* Optional: called once per turn of the event loop in which done_fn ran
     * or requests were pulled, before those requests go out and before the
     * loop waits again, so a caller journaling requests and answers commits
     * them in one batch before anything is sent. An error ends the run. */
    vlit_status (*commit)(void *ctx, vlit_error *err);
    /* Pull new requests once this many slots are free (or all are); default
     * (0): an eighth of the concurrency, so that a caller committing in the
     * commit hook commits batches, not single requests. */
    int refill_min;
    /* Optional (-1 = none, the default): a descriptor that becomes readable
     * when a next_fn that answered "none yet" has requests again (an
     * eventfd, or a pipe's read end); the loop watches it and reads it empty. */
    int wake_fd;
} http_params;

http_params http_default_params(void);

#define HTTP_ERROR_MAX 320 /* the longest http_result.error, NUL included */

typedef struct http_result {
    int ok;             /* 2xx received */
    long status;        /* last HTTP status, 0 if none */
    const char *body;   /* last response body (NUL-terminated), valid during the callback */
    size_t body_len;
    int attempts;
    const char *error;  /* why it failed: "HTTP 500", "timeout", "connection: ..." */
} http_result;

/* Returns 1 and sets *body (NUL-terminated, kept by the caller until its
 * done_fn ran) and *user; 0 when there are no more requests; -1 when there
 * are none yet (asked again after wake_fd or network activity). */
typedef int (*http_next_fn)(void *ctx, const char **body, void **user);
typedef void (*http_done_fn)(void *ctx, void *user, const http_result *r);

typedef struct http_stats {
    size_t requests, succeeded, failed, retries;
} http_stats;

vlit_status http_run(const http_params *p, http_next_fn next, http_done_fn done, void *ctx, http_stats *stats,
                     vlit_error *err);

#endif
