/* src/backends/run_store: keys, states, completions, counts, persistence, and
 * that what was committed survives a process killed with SIGKILL. */
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
    test_not_a_store();
    cleanup_dir();
    return CHECK_DONE();
}
