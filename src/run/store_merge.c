/* vlit merge stores (vlit/shard.h): the run stores of shards copied into one.
 *
 * The new store is created by the run store itself (schema 3), under a
 * temporary name; each part is attached read-only and its rows appended in
 * their order: heads by key, requests under new row ids (the same request,
 * i.e. the same key, in two parts is copied once when its state and answers
 * agree, refused otherwise), their body tails and answers under the new ids,
 * embeddings by key (the same key must have the same vector). Then the
 * temporary file is renamed over the output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "vlit/shard.h"

#include "../backends/run_store.h"
#include "../base/err.h"

static vlit_status sql_fail(sqlite3 *db, const char *what, const char *part, vlit_error *err)
{
    return vlit_err(err, VLIT_ERR_IO, "%s: %s: %s", part, what, sqlite3_errmsg(db));
}

static vlit_status run(sqlite3 *db, const char *sql, const char *what, const char *part, vlit_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        vlit_status st = vlit_err(err, VLIT_ERR_IO, "%s: %s: %s", part, what, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return st;
    }
    return VLIT_OK;
}

/* The first text column of the first row of sql (into out), 1 if there is a row. */
static int first_text(sqlite3 *db, const char *sql, char *out, size_t cap, int *failed)
{
    sqlite3_stmt *s = NULL;
    int found = 0;
    *failed = 0;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        *failed = 1;
        return 0;
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        snprintf(out, cap, "%s", t ? (const char *)t : "");
        found = 1;
    } else if (rc != SQLITE_DONE) {
        *failed = 1;
    }
    sqlite3_finalize(s);
    return found;
}

static long long count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* Which part a merged request came from, for messages. */
static vlit_status add_part(sqlite3 *db, const char *part, size_t k, const char *const *parts,
                            vlit_store_merge_summary *sum, vlit_error *err)
{
    vlit_status st;
    char *sql = sqlite3_mprintf("ATTACH DATABASE %Q AS p", part);
    if (!sql)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    st = run(db, sql, "cannot open it as a run store", part, err);
    sqlite3_free(sql);
    if (st)
        return st;
    if ((st = run(db, "BEGIN", "starting a transaction", part, err))) {
        run(db, "DETACH DATABASE p", "closing it", part, NULL);
        return st;
    }
    char text[512];
    int failed;
    if (!first_text(db, "SELECT value FROM p.meta WHERE key = 'schema'", text, sizeof text, &failed) || failed) {
        st = vlit_err(err, VLIT_ERR_DATA, "%s: not a vlit run store (no schema in table meta)", part);
        goto detach;
    }
    if (strcmp(text, "3") != 0) {
        st = vlit_err(err, VLIT_ERR_DATA,
                      "%s: a run store of schema %s; merge reads schema 3 (a schema-2 store is migrated when a run "
                      "opens it)",
                      part, text);
        goto detach;
    }
    /* conflicts first: nothing of this part is copied when one is found */
    static const char conflict_head[] = "SELECT p.key FROM p.heads p JOIN main.heads m ON m.key = p.key"
                                        " WHERE m.text IS NOT p.text LIMIT 1";
    if (first_text(db, conflict_head, text, sizeof text, &failed) || failed) {
        st = failed ? sql_fail(db, "reading heads", part, err)
                    : vlit_err(err, VLIT_ERR_DATA,
                               "%s: head %s differs from the one of an earlier part: conflicting rows", part, text);
        goto detach;
    }
    /* a request in two parts: the same state and answers, or a conflict */
    static const char conflict_req[] =
        "SELECT r.key, k.part FROM p.requests r JOIN temp.keymap k ON k.key = r.key JOIN main.requests m ON m.id = k.id"
        " WHERE r.state IS NOT m.state"
        " OR (SELECT group_concat(idx || ':' || parsed || ':' || content, char(30))"
        "     FROM (SELECT idx, parsed, content FROM p.answers WHERE request = r.id ORDER BY idx))"
        " IS NOT (SELECT group_concat(idx || ':' || parsed || ':' || content, char(30))"
        "     FROM (SELECT idx, parsed, content FROM main.answers WHERE request = m.id ORDER BY idx))"
        " LIMIT 1";
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, conflict_req, -1, &s, NULL) != SQLITE_OK) {
        st = sql_fail(db, "reading requests", part, err);
        goto detach;
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        long long other = sqlite3_column_int64(s, 1);
        st = vlit_err(err, VLIT_ERR_DATA,
                      "%s: request %s is also in %s with another state or other answers: conflicting rows", part,
                      (const char *)sqlite3_column_text(s, 0), other >= 0 && (size_t)other < k ? parts[other] : "?");
    } else if (rc != SQLITE_DONE) {
        st = sql_fail(db, "reading requests", part, err);
    }
    sqlite3_finalize(s);
    if (st)
        goto detach;
    static const char conflict_emb[] = "SELECT p.key FROM p.embeddings p JOIN main.embeddings m ON m.key = p.key"
                                       " WHERE m.model IS NOT p.model OR m.kind IS NOT p.kind OR m.dim IS NOT p.dim"
                                       " OR m.vector IS NOT p.vector LIMIT 1";
    if (first_text(db, conflict_emb, text, sizeof text, &failed) || failed) {
        st = failed
                 ? sql_fail(db, "reading embeddings", part, err)
                 : vlit_err(err, VLIT_ERR_DATA,
                            "%s: embedding %s differs from the one of an earlier part: conflicting rows", part, text);
        goto detach;
    }
    long long dup = count(db, "SELECT count(*) FROM p.requests r JOIN temp.keymap k ON k.key = r.key");
    long long dup_emb = count(db, "SELECT count(*) FROM p.embeddings p JOIN main.embeddings m ON m.key = p.key");
    long long heads0 = count(db, "SELECT count(*) FROM main.heads");
    long long emb0 = count(db, "SELECT count(*) FROM main.embeddings");
    long long ans0 = count(db, "SELECT count(*) FROM main.answers");
    long long base = count(db, "SELECT coalesce(max(id), 0) FROM main.requests");
    if (dup < 0 || dup_emb < 0 || heads0 < 0 || emb0 < 0 || ans0 < 0 || base < 0) {
        st = sql_fail(db, "counting rows", part, err);
        goto detach;
    }
    sql = sqlite3_mprintf(
        "DELETE FROM temp.idmap;"
        "INSERT INTO temp.idmap(old, new) SELECT r.id, %lld + row_number() OVER (ORDER BY r.id) FROM p.requests r"
        " WHERE NOT EXISTS (SELECT 1 FROM temp.keymap k WHERE k.key = r.key);"
        "INSERT INTO main.heads(key, text) SELECT key, text FROM p.heads WHERE key NOT IN (SELECT key FROM main.heads);"
        "INSERT INTO main.requests(id, key, record_id, variant, head_key, state, attempts, error, prompt_tokens,"
        " completion_tokens, created, finished)"
        " SELECT m.new, r.key, r.record_id, r.variant, r.head_key, r.state, r.attempts, r.error, r.prompt_tokens,"
        " r.completion_tokens, r.created, r.finished FROM p.requests r JOIN temp.idmap m ON m.old = r.id ORDER BY "
        "m.new;"
        "INSERT INTO main.request_tails(request, tail) SELECT m.new, t.tail FROM p.request_tails t"
        " JOIN temp.idmap m ON m.old = t.request ORDER BY m.new;"
        "INSERT INTO main.answers(request, idx, content, parsed, parse_error)"
        " SELECT m.new, a.idx, a.content, a.parsed, a.parse_error FROM p.answers a JOIN temp.idmap m ON m.old = "
        "a.request"
        " ORDER BY m.new, a.idx;"
        "INSERT INTO temp.keymap(key, id, part) SELECT r.key, m.new, %lld FROM p.requests r"
        " JOIN temp.idmap m ON m.old = r.id;"
        "INSERT INTO main.embeddings(key, model, kind, dim, vector, created) SELECT key, model, kind, dim, vector,"
        " created FROM p.embeddings WHERE key NOT IN (SELECT key FROM main.embeddings);",
        base, (long long)k);
    if (!sql) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto detach;
    }
    st = run(db, sql, "copying its rows", part, err);
    sqlite3_free(sql);
    if (!st) {
        sum->requests += (size_t)count(db, "SELECT count(*) FROM temp.idmap");
        sum->heads += (size_t)(count(db, "SELECT count(*) FROM main.heads") - heads0);
        sum->embeddings += (size_t)(count(db, "SELECT count(*) FROM main.embeddings") - emb0);
        sum->answers += (size_t)(count(db, "SELECT count(*) FROM main.answers") - ans0);
        sum->duplicates += (size_t)(dup + dup_emb);
    }
detach:
    if (st)
        run(db, "ROLLBACK", "rolling back", part, NULL);
    else
        st = run(db, "COMMIT", "committing", part, err);
    vlit_status st2 = run(db, "DETACH DATABASE p", "closing it", part, st ? NULL : err);
    return st ? st : st2;
}

static void remove_db(const char *path)
{
    char side[4300];
    if (strlen(path) > 4200)
        return;
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-journal", path);
    unlink(side);
}

vlit_status vlit_store_merge(const char *const *parts, size_t n, const char *out, vlit_store_merge_summary *summary,
                             vlit_error *err)
{
    vlit_store_merge_summary local;
    vlit_store_merge_summary *sum = summary ? summary : &local;
    memset(sum, 0, sizeof *sum);
    if (n == 0)
        return vlit_err(err, VLIT_ERR_USAGE, "no stores given");
    if (!out || strcmp(out, "-") == 0)
        return vlit_err(err, VLIT_ERR_USAGE, "a merged run store needs a file name, not standard output");
    if (strlen(out) > 4000)
        return vlit_err(err, VLIT_ERR_LIMIT, "%.100s...: file name too long", out);
    char side[4300];
    snprintf(side, sizeof side, "%s-wal", out);
    if (access(side, F_OK) == 0)
        return vlit_err(err, VLIT_ERR_USAGE, "%s: a run store in use or not closed (%s exists): give another output",
                        out, side);
    for (size_t k = 0; k < n; k++) {
        struct stat sb;
        if (stat(parts[k], &sb) != 0)
            return vlit_err(err, VLIT_ERR_IO, "%s: %s", parts[k], strerror(errno));
        for (size_t j = 0; j < k; j++)
            if (strcmp(parts[j], parts[k]) == 0)
                return vlit_err(err, VLIT_ERR_USAGE, "%s given twice", parts[k]);
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.merge-tmp", out);
    remove_db(tmp);
    run_store *rs = NULL;
    vlit_status st = rs_open(tmp, &rs, err); /* creates schema 3 */
    rs_close(rs);
    sqlite3 *db = NULL;
    if (!st && sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        st = sql_fail(db, "cannot open the new store", tmp, err);
    if (!st)
        st = run(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                 "CREATE TEMP TABLE keymap(key TEXT PRIMARY KEY, id INTEGER NOT NULL, part INTEGER NOT NULL);"
                 "CREATE TEMP TABLE idmap(old INTEGER PRIMARY KEY, new INTEGER NOT NULL);",
                 "preparing the merge", tmp, err);
    for (size_t k = 0; k < n && !st; k++)
        st = add_part(db, parts[k], k, parts, sum, err);
    if (!st)
        st = run(db, "PRAGMA wal_checkpoint(TRUNCATE)", "checkpoint", tmp, err);
    if (db && sqlite3_close(db) != SQLITE_OK && !st)
        st = vlit_err(err, VLIT_ERR_IO, "%s: cannot close the new store", tmp);
    if (!st) {
        snprintf(side, sizeof side, "%s-wal", tmp);
        unlink(side); /* empty after the checkpoint */
        snprintf(side, sizeof side, "%s-shm", out);
        unlink(side);
        if (rename(tmp, out) != 0)
            st = vlit_err(err, VLIT_ERR_IO, "%s: cannot rename to %s: %s", tmp, out, strerror(errno));
    }
    if (st)
        remove_db(tmp);
    return st;
}
