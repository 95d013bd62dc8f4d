#include "run_store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <sqlite3.h>

struct run_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *get_state, *add, *add_head, *add_completion, *set_done, *set_failed, *list, *put_emb, *get_emb;
    int in_tx; /* a transaction is open */
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;" /* durable across a killed process, which is what resuming needs */
    "PRAGMA wal_autocheckpoint=8192;" /* fewer checkpoints (each one syncs): WAL up to 32 MiB */
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "INSERT OR IGNORE INTO meta VALUES('schema', '2');"
    /* the shared heads of request bodies (system prompt, in-context examples),
     * stored once: a request row holds only the rest of its body */
    "CREATE TABLE IF NOT EXISTS heads(key TEXT PRIMARY KEY, text TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS requests("
    " key TEXT PRIMARY KEY, record_id TEXT, variant TEXT, head_key TEXT REFERENCES heads(key), tail TEXT NOT NULL,"
    " state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,"
    " prompt_tokens INTEGER, completion_tokens INTEGER, created REAL, finished REAL);"
    "CREATE TABLE IF NOT EXISTS completions("
    " request_key TEXT NOT NULL REFERENCES requests(key), idx INTEGER NOT NULL, content TEXT NOT NULL,"
    " parsed INTEGER NOT NULL, parse_error TEXT, PRIMARY KEY(request_key, idx));"
    /* cached embedding vectors (little-endian float32), keyed by the caller's
     * hash of model and input; added later, so created if missing */
    "CREATE TABLE IF NOT EXISTS embeddings("
    " key TEXT PRIMARY KEY, model TEXT NOT NULL, kind TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,"
    " created REAL);"
    /* each request's full body, as it was sent */
    "CREATE VIEW IF NOT EXISTS request_bodies(key, body) AS"
    " SELECT r.key, coalesce(h.text, '') || r.tail FROM requests r LEFT JOIN heads h ON h.key = r.head_key;";

void rs_key(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < n && i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

static vlit_status db_error(run_store *s, vlit_error *err, const char *what)
{
    return vlit_err(err, VLIT_ERR_IO, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

vlit_status rs_open(const char *path, run_store **out, vlit_error *err)
{
    *out = NULL;
    run_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    vlit_status st = VLIT_OK;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        st = db_error(s, err, "cannot open the run store");
        goto out;
    }
    char *msg = NULL;
    /* one process per store; taken by the first write below, so a store in use
     * by another run is refused here */
    if (sqlite3_exec(s->db, "PRAGMA locking_mode=EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK) {
        st = db_error(s, err, "cannot open the run store");
        goto out;
    }
    if (sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        if (sqlite3_errcode(s->db) == SQLITE_BUSY)
            st = vlit_err(err, VLIT_ERR_IO, "%s: the run store is in use by another process (one run per store)", path);
        else
            st = vlit_err(err, VLIT_ERR_IO, "%s: not a usable run store: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        goto out;
    }
    sqlite3_stmt *ver;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'schema'", -1, &ver, NULL) == SQLITE_OK) {
        int rc = sqlite3_step(ver);
        const char *v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(ver, 0) : NULL;
        if (!v || strcmp(v, "2") != 0)
            st = vlit_err(err, VLIT_ERR_DATA, "%s: a run store of schema %s, this vlit reads schema 2", path,
                          v ? v : "?");
        sqlite3_finalize(ver);
        if (st)
            goto out;
    }
    struct {
        sqlite3_stmt **stmt;
        const char *sql;
    } prep[] = {
        {&s->get_state, "SELECT state FROM requests WHERE key = ?1"},
        {&s->add, "INSERT OR IGNORE INTO requests(key, record_id, variant, head_key, tail, state, created) "
                  "VALUES(?1, ?2, ?3, ?4, ?5, 1, ?6)"},
        {&s->add_head, "INSERT OR IGNORE INTO heads(key, text) VALUES(?1, ?2)"},
        {&s->add_completion, "INSERT OR REPLACE INTO completions(request_key, idx, content, parsed, parse_error) "
                             "VALUES(?1, ?2, ?3, ?4, ?5)"},
        {&s->set_done, "UPDATE requests SET state = 2, error = NULL, prompt_tokens = ?2, completion_tokens = ?3, "
                       "finished = ?4 WHERE key = ?1"},
        {&s->set_failed, "UPDATE requests SET state = 3, attempts = ?2, error = ?3, finished = ?4 WHERE key = ?1"},
        {&s->list, "SELECT idx, content, parsed, parse_error FROM completions WHERE request_key = ?1 ORDER BY idx"},
        {&s->put_emb,
         "INSERT OR IGNORE INTO embeddings(key, model, kind, dim, vector, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"},
        {&s->get_emb, "SELECT dim, vector FROM embeddings WHERE key = ?1"},
    };
    for (size_t i = 0; i < sizeof prep / sizeof prep[0] && !st; i++)
        if (sqlite3_prepare_v2(s->db, prep[i].sql, -1, prep[i].stmt, NULL) != SQLITE_OK)
            st = db_error(s, err, "preparing a statement");
out:
    if (st) {
        rs_close(s);
        return st;
    }
    *out = s;
    return VLIT_OK;
}

static vlit_status begin(run_store *s, vlit_error *err)
{
    if (s->in_tx)
        return VLIT_OK;
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, err, "starting a transaction");
    s->in_tx = 1;
    return VLIT_OK;
}

vlit_status rs_commit(run_store *s, vlit_error *err)
{
    if (!s->in_tx)
        return VLIT_OK;
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, err, "committing");
    s->in_tx = 0;
    return VLIT_OK;
}

void rs_close(run_store *s)
{
    if (!s)
        return;
    if (s->db)
        rs_commit(s, NULL);
    sqlite3_finalize(s->get_state);
    sqlite3_finalize(s->add);
    sqlite3_finalize(s->add_head);
    sqlite3_finalize(s->add_completion);
    sqlite3_finalize(s->set_done);
    sqlite3_finalize(s->set_failed);
    sqlite3_finalize(s->list);
    sqlite3_finalize(s->put_emb);
    sqlite3_finalize(s->get_emb);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

/* Runs a prepared statement to completion and resets it. */
static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE;
}

vlit_status rs_state_of(run_store *s, const char *key, rs_state *state, vlit_error *err)
{
    sqlite3_bind_text(s->get_state, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s->get_state);
    *state = rc == SQLITE_ROW ? (rs_state)sqlite3_column_int(s->get_state, 0) : RS_NONE;
    sqlite3_reset(s->get_state);
    sqlite3_clear_bindings(s->get_state);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_error(s, err, "reading a request");
    return VLIT_OK;
}

vlit_status rs_add_request(run_store *s, const char *key, const char *record_id, const char *variant, const char *body,
                           size_t head_len, vlit_error *err)
{
    vlit_status st = begin(s, err);
    if (st)
        return st;
    size_t len = strlen(body);
    if (head_len > len)
        head_len = len;
    char head_key[65];
    if (head_len) {
        rs_key(body, head_len, head_key);
        sqlite3_bind_text(s->add_head, 1, head_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->add_head, 2, body, (int)head_len, SQLITE_STATIC);
        if (!step_done(s->add_head))
            return db_error(s, err, "recording a request");
        sqlite3_bind_text(s->add, 4, head_key, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(s->add, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->add, 2, record_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->add, 3, variant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->add, 5, body + head_len, (int)(len - head_len), SQLITE_STATIC);
    sqlite3_bind_double(s->add, 6, now());
    return step_done(s->add) ? VLIT_OK : db_error(s, err, "recording a request");
}

vlit_status rs_finish_request(run_store *s, const char *key, const rs_completion *c, size_t n, long prompt_tokens,
                              long completion_tokens, vlit_error *err)
{
    vlit_status st = begin(s, err);
    if (st)
        return st;
    if (sqlite3_exec(s->db, "SAVEPOINT finish", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, err, "starting a transaction");
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        sqlite3_bind_text(s->add_completion, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->add_completion, 2, (sqlite3_int64)i);
        sqlite3_bind_text(s->add_completion, 3, c[i].content, -1, SQLITE_STATIC);
        sqlite3_bind_int(s->add_completion, 4, c[i].parsed);
        if (c[i].parse_error)
            sqlite3_bind_text(s->add_completion, 5, c[i].parse_error, -1, SQLITE_STATIC);
        ok = step_done(s->add_completion);
    }
    if (ok) {
        sqlite3_bind_text(s->set_done, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->set_done, 2, prompt_tokens);
        sqlite3_bind_int64(s->set_done, 3, completion_tokens);
        sqlite3_bind_double(s->set_done, 4, now());
        ok = step_done(s->set_done) && sqlite3_changes(s->db) == 1;
    }
    if (!ok) {
        st = db_error(s, err, "storing completions");
        sqlite3_exec(s->db, "ROLLBACK TO finish; RELEASE finish", NULL, NULL, NULL);
        return st;
    }
    return sqlite3_exec(s->db, "RELEASE finish", NULL, NULL, NULL) == SQLITE_OK ? VLIT_OK
                                                                               : db_error(s, err, "storing completions");
}

vlit_status rs_fail_request(run_store *s, const char *key, int attempts, const char *error, vlit_error *err)
{
    vlit_status st = begin(s, err);
    if (st)
        return st;
    sqlite3_bind_text(s->set_failed, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int(s->set_failed, 2, attempts);
    sqlite3_bind_text(s->set_failed, 3, error, -1, SQLITE_STATIC);
    sqlite3_bind_double(s->set_failed, 4, now());
    return step_done(s->set_failed) ? VLIT_OK : db_error(s, err, "recording a failure");
}

vlit_status rs_completions(run_store *s, const char *key, void (*fn)(void *ctx, size_t idx, const rs_completion *c),
                           void *ctx, vlit_error *err)
{
    sqlite3_bind_text(s->list, 1, key, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s->list)) == SQLITE_ROW) {
        rs_completion c = {(const char *)sqlite3_column_text(s->list, 1), sqlite3_column_int(s->list, 2),
                           (const char *)sqlite3_column_text(s->list, 3)};
        fn(ctx, (size_t)sqlite3_column_int64(s->list, 0), &c);
    }
    sqlite3_reset(s->list);
    sqlite3_clear_bindings(s->list);
    return rc == SQLITE_DONE ? VLIT_OK : db_error(s, err, "reading completions");
}

vlit_status rs_put_embedding(run_store *s, const char *key, const char *model, const char *kind, const float *v,
                             size_t dim, vlit_error *err)
{
    if (dim == 0 || dim > (size_t)1 << 24)
        return vlit_err(err, VLIT_ERR_USAGE, "%s: an embedding of dimension %zu", s->path, dim);
    vlit_status st = begin(s, err);
    if (st)
        return st;
    unsigned char *blob = malloc(dim * 4);
    if (!blob)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < dim; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        for (int b = 0; b < 4; b++)
            blob[4 * i + (size_t)b] = (unsigned char)(u >> (8 * b));
    }
    sqlite3_bind_text(s->put_emb, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->put_emb, 2, model, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->put_emb, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->put_emb, 4, (sqlite3_int64)dim);
    sqlite3_bind_blob(s->put_emb, 5, blob, (int)(dim * 4), SQLITE_STATIC);
    sqlite3_bind_double(s->put_emb, 6, now());
    int ok = step_done(s->put_emb);
    free(blob);
    return ok ? VLIT_OK : db_error(s, err, "storing an embedding");
}

vlit_status rs_get_embedding(run_store *s, const char *key, float *out, size_t cap, size_t *dim, vlit_error *err)
{
    *dim = 0;
    sqlite3_bind_text(s->get_emb, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s->get_emb);
    vlit_status st = VLIT_OK;
    if (rc == SQLITE_ROW) {
        sqlite3_int64 d = sqlite3_column_int64(s->get_emb, 0);
        const unsigned char *blob = sqlite3_column_blob(s->get_emb, 1);
        int bytes = sqlite3_column_bytes(s->get_emb, 1);
        if (d <= 0 || !blob || (sqlite3_int64)bytes != d * 4) {
            st = vlit_err(err, VLIT_ERR_DATA, "%s: embedding %.16s...: %d bytes for dimension %lld", s->path, key,
                          bytes, (long long)d);
        } else {
            *dim = (size_t)d;
            for (size_t i = 0; i < *dim && i < cap; i++) {
                uint32_t u = 0;
                for (int b = 0; b < 4; b++)
                    u |= (uint32_t)blob[4 * i + (size_t)b] << (8 * b);
                memcpy(&out[i], &u, 4);
            }
        }
    } else if (rc != SQLITE_DONE) {
        st = db_error(s, err, "reading an embedding");
    }
    sqlite3_reset(s->get_emb);
    sqlite3_clear_bindings(s->get_emb);
    return st;
}

vlit_status rs_count(run_store *s, rs_counts *out, vlit_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    const char *sql = "SELECT (SELECT count(*) FROM requests WHERE state = 1), (SELECT count(*) FROM requests WHERE state = 2),"
                      " (SELECT count(*) FROM requests WHERE state = 3), (SELECT count(*) FROM completions),"
                      " (SELECT count(*) FROM completions WHERE parsed = 0),"
                      " (SELECT coalesce(sum(prompt_tokens), 0) FROM requests), (SELECT coalesce(sum(completion_tokens), 0) FROM requests)";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "counting");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        long *f[] = {&out->pending, &out->done, &out->failed, &out->completions, &out->unparsed, &out->prompt_tokens,
                     &out->completion_tokens};
        for (int i = 0; i < 7; i++)
            *f[i] = (long)sqlite3_column_int64(st, i);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? VLIT_OK : db_error(s, err, "counting");
}
