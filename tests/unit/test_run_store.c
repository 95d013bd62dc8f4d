/* src/backends/run_store: keys, states, completions, counts, persistence,
 * that what was committed survives a process killed with SIGKILL, the key
 * index held in memory (colliding hashes, many keys), prefix hashing, and
 * schema 2 stores migrated to schema 3 (or refused, unchanged). */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>
#include <string.h>

#include "../../src/backends/run_store.h"
#include "check.h"
#include "testutil.h"

typedef struct seen {
    size_t n;
    char text[4][64];
    int parsed[4];
} seen;

static void collect(void *ctx, size_t idx, const rs_completion *c)
{
    seen *s = ctx;
    if (idx < 4 && s->n < 4) {
        snprintf(s->text[idx], sizeof s->text[idx], "%s", c->content);
        s->parsed[idx] = c->parsed;
        s->n++;
    }
}

static void test_states(void)
{
    char key[65];
    rs_key("abc", 3, key);
    CHECK_STR(key, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    run_store *s;
    vlit_error err = {0};
    char *path = strdup(tmp_path("run.db"));
    CHECK(rs_open(path, &s, &err) == VLIT_OK);
    rs_state st;
    CHECK(rs_state_of(s, key, &st, &err) == VLIT_OK && st == RS_NONE);
    CHECK(rs_add_request(s, key, "img1", "conversation", "{\"model\":\"m\"}", 0, &err) == VLIT_OK);
    CHECK(rs_add_request(s, key, "img1", "conversation", "{\"model\":\"m\"}", 0, &err) == VLIT_OK); /* idempotent */
    CHECK(rs_state_of(s, key, &st, &err) == VLIT_OK && st == RS_PENDING);
    rs_completion c[3] = {{"User: a\nAI: b", 1, NULL}, {"I cannot.", 0, "no turn found"}, {"User: c\nAI: d", 1, NULL}};
    CHECK(rs_finish_request(s, key, c, 3, 120, 45, &err) == VLIT_OK);
    CHECK(rs_state_of(s, key, &st, &err) == VLIT_OK && st == RS_DONE);
    seen got = {0};
    CHECK(rs_completions(s, key, collect, &got, &err) == VLIT_OK);
    CHECK(got.n == 3 && strcmp(got.text[1], "I cannot.") == 0 && got.parsed[1] == 0 && got.parsed[2] == 1);

    char key2[65];
    rs_key("other", 5, key2);
    CHECK(rs_add_request(s, key2, "img2", "detail", "{}", 0, &err) == VLIT_OK);
    CHECK(rs_fail_request(s, key2, 5, "HTTP 500 after 5 attempts", &err) == VLIT_OK);
    rs_counts n;
    CHECK(rs_count(s, &n, &err) == VLIT_OK);
    CHECK(n.done == 1 && n.failed == 1 && n.pending == 0 && n.completions == 3 && n.unparsed == 1 &&
          n.prompt_tokens == 120 && n.completion_tokens == 45);
    /* finishing an unknown request is refused and changes nothing */
    char key3[65];
    rs_key("never added", 11, key3);
    CHECK(rs_finish_request(s, key3, c, 1, 1, 1, &err) == VLIT_ERR_IO);
    CHECK(rs_count(s, &n, &err) == VLIT_OK && n.completions == 3);
    rs_close(s);

    /* persistence */
    CHECK(rs_open(path, &s, &err) == VLIT_OK);
    CHECK(rs_state_of(s, key, &st, &err) == VLIT_OK && st == RS_DONE);
    rs_close(s);
    free(path);
}

static void test_killed_process(void)
{
    char *path = strdup(tmp_path("kill.db"));
    char done_key[65], pending_key[65], lost_key[65];
    rs_key("done", 4, done_key);
    rs_key("pending", 7, pending_key);
    rs_key("lost", 4, lost_key);
    pid_t pid = fork();
    if (pid == 0) {
        run_store *s;
        vlit_error err = {0};
        if (rs_open(path, &s, &err))
            _exit(1);
        rs_completion c = {"User: q\nAI: a", 1, NULL};
        rs_add_request(s, done_key, "1", "conversation", "{}", 0, &err);
        rs_finish_request(s, done_key, &c, 1, 1, 1, &err);
        rs_add_request(s, pending_key, "2", "conversation", "{}", 0, &err);
        if (rs_commit(s, &err))
            _exit(1);
        rs_add_request(s, lost_key, "3", "conversation", "{}", 0, &err); /* not committed */
        kill(getpid(), SIGKILL); /* no close, no flush */
        _exit(2);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    run_store *s;
    vlit_error err = {0};
    rs_state st;
    CHECK(rs_open(path, &s, &err) == VLIT_OK);
    CHECK(rs_state_of(s, done_key, &st, &err) == VLIT_OK && st == RS_DONE);
    CHECK(rs_state_of(s, pending_key, &st, &err) == VLIT_OK && st == RS_PENDING);
    CHECK(rs_state_of(s, lost_key, &st, &err) == VLIT_OK && st == RS_NONE);
    seen got = {0};
    CHECK(rs_completions(s, done_key, collect, &got, &err) == VLIT_OK && got.n == 1);
    rs_close(s);
    free(path);
}

/* Requests sharing a head store it once; the view gives whole bodies back. */
static void test_heads(void)
{
    char *path = strdup(tmp_path("heads.db"));
    run_store *s;
    vlit_error err = {0};
    CHECK(rs_open(path, &s, &err) == VLIT_OK);
    const char *bodies[3] = {"{\"messages\":[\"shared prompt\",\"one\"]}", "{\"messages\":[\"shared prompt\",\"two\"]}",
                             "{\"no\":\"head\"}"};
    size_t head = strlen("{\"messages\":[\"shared prompt\",");
    for (int i = 0; i < 3; i++) {
        char key[65];
        rs_key(bodies[i], strlen(bodies[i]), key);
        CHECK(rs_add_request(s, key, "img", "conversation", bodies[i], i < 2 ? head : 0, &err) == VLIT_OK);
    }
    rs_close(s);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *q;
    CHECK(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM heads), body FROM request_bodies ORDER BY body", -1, &q,
                             NULL) == SQLITE_OK);
    const char *want[3] = {bodies[0], bodies[1], bodies[2]};
    for (int i = 0; i < 3; i++) {
        CHECK(sqlite3_step(q) == SQLITE_ROW);
        CHECK(sqlite3_column_int(q, 0) == 1);
        CHECK_STR((const char *)sqlite3_column_text(q, 1), want[i]);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    free(path);
}

/* One process per store: a second opener is refused while the first has it. */
static void test_in_use(void)
{
    char *path = strdup(tmp_path("busy.db"));
    run_store *a, *b;
    vlit_error err = {0};
    CHECK(rs_open(path, &a, &err) == VLIT_OK);
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        vlit_error e = {0};
        run_store *c;
        vlit_status st = rs_open(path, &c, &e);
        char ok = st == VLIT_ERR_IO && strstr(e.message, "in use by another process") ? 'y' : 'n';
        if (write(fds[1], &ok, 1) != 1)
            _exit(3);
        _exit(0);
    }
    char ok = 0;
    CHECK(read(fds[0], &ok, 1) == 1 && ok == 'y');
    waitpid(pid, NULL, 0);
    close(fds[0]);
    close(fds[1]);
    rs_close(a);
    CHECK(rs_open(path, &b, &err) == VLIT_OK); /* free again once closed */
    rs_close(b);
    free(path);
}

/* The embeddings cache: put, get, a known key left as it is, persistence,
 * the exact float32 values back, and a store made before the table existed. */
static void test_embeddings(void)
{
    char *path = strdup(tmp_path("emb.db"));
    run_store *s;
    vlit_error err = {0};
    CHECK(rs_open(path, &s, &err) == VLIT_OK);
    float v[5] = {0.25f, -1.5f, 3.0e-7f, 1.0f / 3.0f, -0.0f}, w[5] = {9, 9, 9, 9, 9}, out[8];
    size_t dim = 99;
    CHECK(rs_get_embedding(s, "k1", out, 8, &dim, &err) == VLIT_OK && dim == 0);
    CHECK(rs_put_embedding(s, "k1", "clip", "image", v, 5, &err) == VLIT_OK);
    CHECK(rs_put_embedding(s, "k1", "clip", "image", w, 5, &err) == VLIT_OK); /* left as it was */
    CHECK(rs_put_embedding(s, "k0", "clip", "text", v, 0, &err) == VLIT_ERR_USAGE);
    CHECK(rs_get_embedding(s, "k1", out, 8, &dim, &err) == VLIT_OK && dim == 5 && memcmp(out, v, sizeof v) == 0);
    CHECK(rs_get_embedding(s, "k1", out, 2, &dim, &err) == VLIT_OK && dim == 5 && out[1] == -1.5f); /* cap */
    rs_close(s);
    CHECK(rs_open(path, &s, &err) == VLIT_OK);
    memset(out, 0, sizeof out);
    CHECK(rs_get_embedding(s, "k1", out, 8, &dim, &err) == VLIT_OK && dim == 5 && memcmp(out, v, sizeof v) == 0);
    rs_close(s);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *q;
    CHECK(sqlite3_prepare_v2(db, "SELECT model, kind, dim, length(vector), hex(substr(vector, 1, 4)) FROM embeddings",
                             -1, &q, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(q) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(q, 0), "clip");
    CHECK_STR((const char *)sqlite3_column_text(q, 1), "image");
    CHECK(sqlite3_column_int(q, 2) == 5 && sqlite3_column_int(q, 3) == 20);
    CHECK_STR((const char *)sqlite3_column_text(q, 4), "0000803E"); /* 0.25f, little-endian */
    sqlite3_finalize(q);
    sqlite3_close(db);

    /* a schema-2 store from before the embeddings table */
    char *old = strdup(tmp_path("old.db"));
    CHECK(sqlite3_open(old, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES('schema', '2');"
                       "CREATE TABLE heads(key TEXT PRIMARY KEY, text TEXT NOT NULL);"
                       "CREATE TABLE requests(key TEXT PRIMARY KEY, record_id TEXT, variant TEXT, head_key TEXT, "
                       "tail TEXT NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,"
                       " prompt_tokens INTEGER, completion_tokens INTEGER, created REAL, finished REAL);"
                       "INSERT INTO requests(key, tail, state) VALUES('r1', '{}', 2);"
                       "CREATE TABLE completions(request_key TEXT NOT NULL, idx INTEGER NOT NULL, content TEXT NOT NULL,"
                       " parsed INTEGER NOT NULL, parse_error TEXT, PRIMARY KEY(request_key, idx));",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(rs_open(old, &s, &err) == VLIT_OK);
    rs_state st;
    CHECK(rs_state_of(s, "r1", &st, &err) == VLIT_OK && st == RS_DONE);
    CHECK(rs_put_embedding(s, "k2", "m", "text", v, 3, &err) == VLIT_OK);
    CHECK(rs_get_embedding(s, "k2", out, 8, &dim, &err) == VLIT_OK && dim == 3 && out[2] == v[2]);
    rs_close(s);
    free(old);
    free(path);
}

static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    long long v = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return v;
}

static char *sql_text(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    char *v = NULL;
    if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
            v = strdup((const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return v;
}

/* rs_hasher: the key of prefix + rest without hashing the prefix again. */
static void test_hasher(void)
{
    const char *prefix = "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"a long shared head\"}";
    const char *rests[3] = {"", ",{\"role\":\"user\",\"content\":\"one\"}]}",
                            ",{\"role\":\"user\",\"content\":\"two\"}]}"};
    rs_hasher *h = rs_hasher_new(prefix, strlen(prefix));
    CHECK(h != NULL);
    char want[65], got[65], buf[512];
    rs_key(prefix, strlen(prefix), want);
    CHECK_STR(rs_hasher_prefix_key(h), want);
    for (int i = 0; i < 3; i++) {
        snprintf(buf, sizeof buf, "%s%s", prefix, rests[i]);
        rs_key(buf, strlen(buf), want);
        CHECK(rs_hasher_key(h, rests[i], strlen(rests[i]), got) == 0);
        CHECK_STR(got, want);
    }
    rs_hasher_free(h);
}

/* The key index: keys whose hashes collide (same first 16 hex digits, and
 * keys that are not hex at all) are told apart by their rows; thousands of
 * keys are all found again after reopening; the row functions. */
static void test_index(void)
{
    char *path = strdup(tmp_path("index.db"));
    run_store *s;
    vlit_error err = {0};
    CHECK(rs_open(path, &s, &err) == VLIT_OK);
    char a[65], b[65];
    rs_key("x", 1, a);
    memcpy(b, a, sizeof a);
    b[63] = b[63] == '0' ? '1' : '0'; /* same index hash, another key */
    rs_id ia = 0, ib = 0, ic = 0;
    CHECK(rs_add_request_head(s, a, "r", "conversation", "{\"a\":1}", 0, NULL, &ia, &err) == VLIT_OK && ia > 0);
    rs_state st;
    rs_id found;
    CHECK(rs_find(s, b, &st, &found, &err) == VLIT_OK && st == RS_NONE && found == 0);
    CHECK(rs_add_request_head(s, b, "r", "conversation", "{\"b\":1}", 0, NULL, &ib, &err) == VLIT_OK && ib > ia);
    CHECK(rs_add_request_head(s, "not hex", "r", "detail", "{\"c\":1}", 0, NULL, &ic, &err) == VLIT_OK && ic > ib);
    rs_id again = 0;
    CHECK(rs_add_request_head(s, a, "r", "conversation", "{\"a\":1}", 0, NULL, &again, &err) == VLIT_OK && again == ia);
    rs_completion c = {"User: q\nAI: a", 1, NULL};
    CHECK(rs_finish_id(s, ib, &c, 1, 3, 4, &err) == VLIT_OK);
    CHECK(rs_fail_id(s, ic, 2, "HTTP 500 after 2 attempts", &err) == VLIT_OK);
    CHECK(rs_fail_id(s, ic + 100, 2, "no such row", &err) == VLIT_ERR_IO);
    CHECK(rs_finish_id(s, ic + 100, &c, 1, 3, 4, &err) == VLIT_ERR_IO);
    CHECK(rs_find(s, a, &st, &found, &err) == VLIT_OK && st == RS_PENDING && found == ia);
    CHECK(rs_find(s, b, &st, &found, &err) == VLIT_OK && st == RS_DONE && found == ib);
    CHECK(rs_state_of(s, "not hex", &st, &err) == VLIT_OK && st == RS_FAILED);
    seen got = {0};
    CHECK(rs_completions_id(s, ib, collect, &got, &err) == VLIT_OK && got.n == 1);
    memset(&got, 0, sizeof got);
    CHECK(rs_completions_id(s, ia, collect, &got, &err) == VLIT_OK && got.n == 0);
    /* many keys, found again after reopening */
    char key[65], body[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(body, sizeof body, "{\"i\":%d}", i);
        rs_key(body, strlen(body), key);
        if (rs_add_request(s, key, "r", "detail", body, 0, &err) != VLIT_OK)
            break;
    }
    rs_close(s);
    CHECK(rs_open(path, &s, &err) == VLIT_OK);
    int missing = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(body, sizeof body, "{\"i\":%d}", i);
        rs_key(body, strlen(body), key);
        missing += rs_find(s, key, &st, &found, &err) != VLIT_OK || st != RS_PENDING || found <= ic;
    }
    CHECK(missing == 0);
    CHECK(rs_find(s, b, &st, &found, &err) == VLIT_OK && st == RS_DONE && found == ib);
    rs_close(s);
    CHECK(sql_int(path, "PRAGMA page_size") == 16384);
    CHECK(sql_int(path, "SELECT count(*) FROM requests") == 5003);
    free(path);
}

/* The schema 2 layout, as vlit wrote it before schema 3. */
static const char schema2[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES('schema', '2');"
    "CREATE TABLE heads(key TEXT PRIMARY KEY, text TEXT NOT NULL);"
    "CREATE TABLE requests(key TEXT PRIMARY KEY, record_id TEXT, variant TEXT, head_key TEXT REFERENCES heads(key),"
    " tail TEXT NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,"
    " prompt_tokens INTEGER, completion_tokens INTEGER, created REAL, finished REAL);"
    "CREATE TABLE completions(request_key TEXT NOT NULL REFERENCES requests(key), idx INTEGER NOT NULL,"
    " content TEXT NOT NULL, parsed INTEGER NOT NULL, parse_error TEXT, PRIMARY KEY(request_key, idx));"
    "CREATE TABLE embeddings(key TEXT PRIMARY KEY, model TEXT NOT NULL, kind TEXT NOT NULL, dim INTEGER NOT NULL,"
    " vector BLOB NOT NULL, created REAL);"
    "CREATE VIEW request_bodies(key, body) AS"
    " SELECT r.key, coalesce(h.text, '') || r.tail FROM requests r LEFT JOIN heads h ON h.key = r.head_key;"
    "INSERT INTO heads VALUES('h1', '{\"messages\":[\"shared\",');"
    "INSERT INTO requests(key, record_id, variant, head_key, tail, state, prompt_tokens, completion_tokens)"
    " VALUES('k-done', 'img1', 'conversation', 'h1', '\"one\"]}', 2, 10, 20);"
    "INSERT INTO requests(key, record_id, variant, head_key, tail, state) VALUES('k-pending', 'img2', 'detail', 'h1',"
    " '\"two\"]}', 1);"
    "INSERT INTO requests(key, record_id, variant, tail, state, attempts, error) VALUES('k-failed', 'img3', 'region',"
    " '{\"alone\":1}', 3, 5, 'HTTP 500 after 5 attempts');"
    "INSERT INTO completions VALUES('k-done', 1, 'I cannot.', 0, 'no turn found');"
    "INSERT INTO completions VALUES('k-done', 0, 'User: a\nAI: b', 1, NULL);"
    "INSERT INTO embeddings VALUES('e1', 'clip', 'text', 1, x'0000803e', 0);";

static void test_migration(void)
{
    char *path = strdup(tmp_path("v2.db"));
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, schema2, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    run_store *s;
    vlit_error err = {0};
    CHECK(rs_open(path, &s, &err) == VLIT_OK);
    rs_state st;
    rs_id id;
    CHECK(rs_find(s, "k-done", &st, &id, &err) == VLIT_OK && st == RS_DONE && id == 1);
    CHECK(rs_state_of(s, "k-pending", &st, &err) == VLIT_OK && st == RS_PENDING);
    CHECK(rs_state_of(s, "k-failed", &st, &err) == VLIT_OK && st == RS_FAILED);
    seen got = {0};
    CHECK(rs_completions(s, "k-done", collect, &got, &err) == VLIT_OK && got.n == 2);
    CHECK_STR(got.text[0], "User: a\nAI: b");
    CHECK(got.parsed[0] == 1 && got.parsed[1] == 0);
    float v[1];
    size_t dim;
    CHECK(rs_get_embedding(s, "e1", v, 1, &dim, &err) == VLIT_OK && dim == 1 && v[0] == 0.25f);
    /* it goes on as a schema 3 store */
    rs_completion c = {"User: c\nAI: d", 1, NULL};
    CHECK(rs_finish_request(s, "k-pending", &c, 1, 1, 1, &err) == VLIT_OK);
    CHECK(rs_add_request(s, "k-new", "img4", "detail", "{\"new\":1}", 0, &err) == VLIT_OK);
    rs_counts n;
    CHECK(rs_count(s, &n, &err) == VLIT_OK);
    CHECK(n.done == 2 && n.pending == 1 && n.failed == 1 && n.completions == 3 && n.unparsed == 1 &&
          n.prompt_tokens == 11 && n.completion_tokens == 21);
    rs_close(s);
    CHECK(sql_int(path, "SELECT value FROM meta WHERE key = 'schema'") == 3);
    CHECK(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%_v2'") == 0);
    /* the views keep schema 2's columns */
    char *body = sql_text(path, "SELECT body FROM request_bodies WHERE key = 'k-pending'");
    CHECK_STR(body, "{\"messages\":[\"shared\",\"two\"]}");
    free(body);
    body = sql_text(path, "SELECT body FROM request_bodies WHERE key = 'k-failed'");
    CHECK_STR(body, "{\"alone\":1}");
    free(body);
    CHECK(sql_int(path, "SELECT count(*) FROM completions c JOIN requests r ON r.key = c.request_key"
                        " WHERE r.key = 'k-done'") == 2);
    char *err_text = sql_text(path, "SELECT error FROM requests WHERE key = 'k-failed'");
    CHECK_STR(err_text, "HTTP 500 after 5 attempts");
    free(err_text);
    /* opened again: nothing to migrate */
    CHECK(rs_open(path, &s, &err) == VLIT_OK);
    CHECK(rs_state_of(s, "k-new", &st, &err) == VLIT_OK && st == RS_PENDING);
    rs_close(s);
    free(path);

    /* a schema 2 store that cannot be migrated is refused and left as it was */
    path = strdup(tmp_path("orphan.db"));
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, schema2, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "INSERT INTO completions VALUES('k-gone', 0, 'x', 1, NULL)", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(rs_open(path, &s, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "orphan.db");
    CHECK_HAS(err.message, "cannot migrate");
    CHECK(sql_int(path, "SELECT value FROM meta WHERE key = 'schema'") == 2);
    CHECK(sql_int(path, "SELECT count(*) FROM completions") == 3);
    free(path);

    /* a store from a newer vlit is refused, naming the file and what to do */
    path = strdup(tmp_path("v9.db"));
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES('schema', '9');",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(rs_open(path, &s, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "v9.db");
    CHECK_HAS(err.message, "schema 9");
    CHECK_HAS(err.message, "start a new store");
    free(path);
}

static void test_not_a_store(void)
{
    const char *p = write_file("junk.db", "this is not a database, just text that is long enough to be read as a header");
    run_store *s;
    vlit_error err = {0};
    CHECK(rs_open(p, &s, &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "junk.db");
}

int main(void)
{
    test_states();
    test_killed_process();
    test_in_use();
    test_heads();
    test_embeddings();
    test_hasher();
    test_index();
    test_migration();
    test_not_a_store();
    cleanup_dir();
    return CHECK_DONE();
}
