#include "run_store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "../base/strmap.h"

/* The key index: request key -> row id, in memory (see the header for why).
 * Open addressing; a slot holds a 64-bit hash of the key and the row id, so a
 * hit is confirmed by reading the row. */
typedef struct key_slot {
    uint64_t hash;
    sqlite3_int64 id; /* 0 = empty */
} key_slot;

struct run_store {
    sqlite3 *db;
    char *path;
    long long page_size, wal_frames; /* frames in the WAL after the last commit */
    sqlite3_stmt *get_row, *add, *add_tail, *add_head, *add_completion, *set_done, *set_failed, *list, *put_emb,
        *get_emb;
    sqlite3_stmt *begin, *commit, *drop_answers;
    int in_tx; /* a transaction is open */
    key_slot *slots;
    size_t cap, len;
    vlit_strmap heads; /* head keys written by this process (or known before) */
    /* the last key found, so that state_of followed by add_request reads the row once */
    char memo_key[65];
    sqlite3_int64 memo_id;
};

struct rs_hasher {
    EVP_MD_CTX *prefix; /* SHA-256 after the prefix */
    EVP_MD_CTX *work;
    char key[65]; /* rs_key of the prefix alone */
};

static const char pragmas[] =
    "PRAGMA page_size=16384;" /* a new store only: fewer, larger page writes per commit */
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;" /* durable across a killed process, which is what resuming needs */
    "PRAGMA cache_size=-4096;";  /* 4 MiB: what a run appends stays cached until written */

/* Schema 3. Requests are rows in insertion order, found by key through an
 * index kept in memory (built when the store is opened), not an SQL index:
 * content hashes are random, so an index on them costs a random page write
 * per request; these tables only grow at their ends. `completions` is a view
 * with schema 2's columns, for people and scripts reading the store. */
static const char schema3[] =
    "CREATE TABLE IF NOT EXISTS heads(key TEXT PRIMARY KEY, text TEXT NOT NULL);"
    "CREATE TABLE requests("
    " id INTEGER PRIMARY KEY, key TEXT NOT NULL, record_id TEXT, variant TEXT, head_key TEXT REFERENCES heads(key),"
    " state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,"
    " prompt_tokens INTEGER, completion_tokens INTEGER, created REAL, finished REAL);"
    "CREATE TABLE request_tails(request INTEGER PRIMARY KEY REFERENCES requests(id), tail TEXT NOT NULL);"
    "CREATE TABLE answers("
    " request INTEGER NOT NULL REFERENCES requests(id), idx INTEGER NOT NULL, content TEXT NOT NULL,"
    " parsed INTEGER NOT NULL, parse_error TEXT, PRIMARY KEY(request, idx));";

static const char views3[] =
    "CREATE VIEW IF NOT EXISTS completions(request_key, idx, content, parsed, parse_error) AS"
    " SELECT r.key, a.idx, a.content, a.parsed, a.parse_error FROM answers a JOIN requests r ON r.id = a.request;"
    /* each request's full body, as it was sent */
    "CREATE VIEW IF NOT EXISTS request_bodies(key, body) AS"
    " SELECT r.key, coalesce(h.text, '') || t.tail FROM requests r JOIN request_tails t ON t.request = r.id"
    " LEFT JOIN heads h ON h.key = r.head_key;"
    /* cached embedding vectors (little-endian float32), keyed by the caller's
     * hash of model and input */
    "CREATE TABLE IF NOT EXISTS embeddings("
    " key TEXT PRIMARY KEY, model TEXT NOT NULL, kind TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,"
    " created REAL);";

/* Schema 2 -> 3, in one transaction: the rows keep their order and their row
 * ids, completions move to answers under their request's id. */
static const char migrate2[] =
    "DROP VIEW IF EXISTS request_bodies;"
    "ALTER TABLE requests RENAME TO requests_v2;"
    "ALTER TABLE completions RENAME TO completions_v2;"
    "CREATE TABLE requests("
    " id INTEGER PRIMARY KEY, key TEXT NOT NULL, record_id TEXT, variant TEXT, head_key TEXT REFERENCES heads(key),"
    " state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,"
    " prompt_tokens INTEGER, completion_tokens INTEGER, created REAL, finished REAL);"
    "CREATE TABLE request_tails(request INTEGER PRIMARY KEY REFERENCES requests(id), tail TEXT NOT NULL);"
    "INSERT INTO requests(id, key, record_id, variant, head_key, state, attempts, error, prompt_tokens,"
    " completion_tokens, created, finished)"
    " SELECT rowid, key, record_id, variant, head_key, state, attempts, error, prompt_tokens, completion_tokens,"
    " created, finished FROM requests_v2 ORDER BY rowid;"
    "INSERT INTO request_tails(request, tail) SELECT rowid, tail FROM requests_v2 ORDER BY rowid;"
    "CREATE TABLE answers("
    " request INTEGER NOT NULL REFERENCES requests(id), idx INTEGER NOT NULL, content TEXT NOT NULL,"
    " parsed INTEGER NOT NULL, parse_error TEXT, PRIMARY KEY(request, idx));"
    "INSERT INTO answers(request, idx, content, parsed, parse_error)"
    " SELECT r.rowid, c.idx, c.content, c.parsed, c.parse_error FROM completions_v2 c"
    " JOIN requests_v2 r ON r.key = c.request_key ORDER BY r.rowid, c.idx;";

static const char migrate2_end[] = "DROP TABLE completions_v2;"
                                   "DROP TABLE requests_v2;"
                                   "UPDATE meta SET value = '3' WHERE key = 'schema';";

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

static void hex_digest(EVP_MD_CTX *ctx, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < n && i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

rs_hasher *rs_hasher_new(const void *prefix, size_t len)
{
    rs_hasher *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->prefix = EVP_MD_CTX_new();
    h->work = EVP_MD_CTX_new();
    if (!h->prefix || !h->work || !EVP_DigestInit_ex(h->prefix, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(h->prefix, prefix, len) || !EVP_MD_CTX_copy_ex(h->work, h->prefix)) {
        rs_hasher_free(h);
        return NULL;
    }
    hex_digest(h->work, h->key);
    return h;
}

const char *rs_hasher_prefix_key(const rs_hasher *h)
{
    return h->key;
}

int rs_hasher_key(rs_hasher *h, const void *rest, size_t len, char out[65])
{
    if (!EVP_MD_CTX_copy_ex(h->work, h->prefix) || !EVP_DigestUpdate(h->work, rest, len))
        return -1;
    hex_digest(h->work, out);
    return 0;
}

void rs_hasher_free(rs_hasher *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->prefix);
    EVP_MD_CTX_free(h->work);
    free(h);
}

/* Checkpoints (copying the WAL into the database file, with a sync each) are
 * made by a commit once the WAL reaches WAL_MAX bytes, in place of SQLite's
 * automatic ones, and earlier, from WAL_IDLE bytes on, when the caller says it
 * has nothing else to do (rs_idle): a run then rarely waits for one, and
 * closing the store has little left to copy. */
#define WAL_MAX ((long long)64 << 20)
#define WAL_IDLE ((long long)8 << 20)
#define WAL_CLOSING ((long long)1 << 20) /* rs_idle when the caller will close soon */

static int on_wal(void *arg, sqlite3 *db, const char *name, int frames)
{
    run_store *s = arg;
    s->wal_frames = frames;
    if (frames * s->page_size >= WAL_MAX &&
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK)
        s->wal_frames = 0;
    return SQLITE_OK; /* a checkpoint that failed is tried again after the next commit */
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

/* ---- the key index ------------------------------------------------------------- */

/* The first column of the first row of sql, -1 when there is none. */
static sqlite3_int64 count_of(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    sqlite3_int64 n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* A key made by rs_key is hex: its first 16 digits are as good a hash as any. */
static uint64_t key_hash(const char *key)
{
    uint64_t h = 0;
    for (int i = 0; i < 16; i++) {
        char c = key[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 99;
        if (d > 15)
            return vlit_hash(key, strlen(key));
        h = h << 4 | d;
    }
    return h;
}

/* Room for `more` keys in a table at most 70 % full. */
static int index_reserve(run_store *s, size_t more)
{
    if (10 * (s->len + more) > 7 * s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 4096;
        while (10 * (s->len + more) > 7 * cap)
            cap *= 2;
        key_slot *n = calloc(cap, sizeof *n);
        if (!n)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slots[i].id)
                continue;
            size_t j = s->slots[i].hash & (cap - 1);
            while (n[j].id)
                j = (j + 1) & (cap - 1);
            n[j] = s->slots[i];
        }
        free(s->slots);
        s->slots = n;
        s->cap = cap;
    }
    return 0;
}

static int index_put(run_store *s, uint64_t hash, sqlite3_int64 id)
{
    if (index_reserve(s, 1))
        return -1;
    size_t j = hash & (s->cap - 1);
    while (s->slots[j].id)
        j = (j + 1) & (s->cap - 1);
    s->slots[j].hash = hash;
    s->slots[j].id = id;
    s->len++;
    return 0;
}

/* The row id and state of key, *id = 0 if unknown. A slot with the key's
 * hash is confirmed by reading its row (a hash can collide; a row whose
 * insert was rolled back is gone). */
static vlit_status find(run_store *s, const char *key, sqlite3_int64 *id, rs_state *state, vlit_error *err)
{
    *id = 0;
    if (state)
        *state = RS_NONE;
    if (!s->len)
        return VLIT_OK;
    if (!state && s->memo_id && strcmp(s->memo_key, key) == 0) {
        *id = s->memo_id;
        return VLIT_OK;
    }
    uint64_t h = key_hash(key);
    for (size_t j = h & (s->cap - 1); s->slots[j].id; j = (j + 1) & (s->cap - 1)) {
        if (s->slots[j].hash != h)
            continue;
        sqlite3_bind_int64(s->get_row, 1, s->slots[j].id);
        int rc = sqlite3_step(s->get_row);
        int same = rc == SQLITE_ROW && sqlite3_column_text(s->get_row, 0) &&
                   strcmp((const char *)sqlite3_column_text(s->get_row, 0), key) == 0;
        if (same && state)
            *state = (rs_state)sqlite3_column_int(s->get_row, 1);
        sqlite3_reset(s->get_row);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return db_error(s, err, "reading a request");
        if (same) {
            *id = s->slots[j].id;
            if (strlen(key) < sizeof s->memo_key) {
                memcpy(s->memo_key, key, strlen(key) + 1);
                s->memo_id = *id;
            }
            return VLIT_OK;
        }
    }
    return VLIT_OK;
}

static vlit_status load_index(run_store *s, vlit_error *err)
{
    /* sized once: ids grow by one per request, so the largest is the count
     * (or a little more), and is found without reading the table */
    sqlite3_int64 most = count_of(s->db, "SELECT max(id) FROM requests");
    if (most > 0 && (uint64_t)most < SIZE_MAX / 32 && index_reserve(s, (size_t)most))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT id, key FROM requests", -1, &q, NULL) != SQLITE_OK)
        return db_error(s, err, "reading the requests");
    int rc;
    vlit_status st = VLIT_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(q, 1);
        if (key && index_put(s, key_hash(key), sqlite3_column_int64(q, 0))) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            break;
        }
    }
    if (!st && rc != SQLITE_DONE)
        st = db_error(s, err, "reading the requests");
    sqlite3_finalize(q);
    return st;
}

/* ---- opening -------------------------------------------------------------------- */

static int table_exists(sqlite3 *db, const char *name)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = ?1", -1, &q, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int found = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    return found;
}

/* The schema version in meta, "" for a new (empty) database; NULL and an
 * error when it cannot be read. */
static vlit_status schema_version(run_store *s, char *out, size_t cap, vlit_error *err)
{
    out[0] = '\0';
    if (!table_exists(s->db, "meta")) {
        if (table_exists(s->db, "requests"))
            return vlit_err(err, VLIT_ERR_DATA,
                            "%s: has a requests table but no schema version: not a run store of vlit", s->path);
        return VLIT_OK;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'schema'", -1, &q, NULL) != SQLITE_OK)
        return db_error(s, err, "reading the schema version");
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    if (!out[0])
        snprintf(out, cap, "?");
    return VLIT_OK;
}

static vlit_status exec(run_store *s, const char *sql, const char *what, vlit_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return VLIT_OK;
    vlit_status st = vlit_err(err, VLIT_ERR_IO, "%s: %s: %s", s->path, what, msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return st;
}

/* Creates schema 3 in a new store, or migrates a schema-2 store to it, inside
 * the transaction that rs_open holds. */
static vlit_status ensure_schema(run_store *s, vlit_error *err)
{
    char version[32];
    vlit_status st = schema_version(s, version, sizeof version, err);
    if (st)
        return st;
    if (!version[0]) {
        st = exec(s,
                  "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
                  "INSERT INTO meta VALUES('schema', '3');",
                  "creating the run store", err);
        if (!st)
            st = exec(s, schema3, "creating the run store", err);
    } else if (strcmp(version, "2") == 0) {
        sqlite3_int64 had = count_of(s->db, "SELECT count(*) FROM completions");
        st = exec(s, migrate2, "migrating the run store from schema 2 to 3", err);
        if (!st && count_of(s->db, "SELECT count(*) FROM answers") != had)
            st = vlit_err(err, VLIT_ERR_DATA,
                          "%s: cannot migrate this schema-2 run store to schema 3: some completions have no request; "
                          "nothing was changed (open it with the vlit that wrote it, or start a new store)",
                          s->path);
        if (!st)
            st = exec(s, migrate2_end, "migrating the run store from schema 2 to 3", err);
    } else if (strcmp(version, "3") != 0) {
        return vlit_err(err, VLIT_ERR_DATA,
                        "%s: a run store of schema %s; this vlit reads schema 3 (and migrates schema 2): "
                        "use the vlit that wrote it, or start a new store",
                        s->path, version);
    }
    if (!st)
        st = exec(s, views3, "opening the run store", err);
    return st;
}

vlit_status rs_open(const char *path, run_store **out, vlit_error *err)
{
    *out = NULL;
    run_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    vlit_strmap_init(&s->heads);
    vlit_status st = VLIT_OK;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        st = db_error(s, err, "cannot open the run store");
        goto out;
    }
    char *msg = NULL;
    /* one process per store: the lock is taken by the first transaction
     * below and kept, so a store in use by another run is refused here */
    if (sqlite3_exec(s->db, "PRAGMA locking_mode=EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK) {
        st = db_error(s, err, "cannot open the run store");
        goto out;
    }
    if (sqlite3_exec(s->db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK) {
        if (sqlite3_errcode(s->db) == SQLITE_BUSY)
            st = vlit_err(err, VLIT_ERR_IO, "%s: the run store is in use by another process (one run per store)", path);
        else
            st = vlit_err(err, VLIT_ERR_IO, "%s: not a usable run store: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        goto out;
    }
    st = ensure_schema(s, err);
    if (sqlite3_exec(s->db, st ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK && !st)
        st = db_error(s, err, "opening the run store");
    if (st)
        goto out;
    struct {
        sqlite3_stmt **stmt;
        const char *sql;
    } prep[] = {
        {&s->get_row, "SELECT key, state FROM requests WHERE id = ?1"},
        {&s->add,
         "INSERT INTO requests(key, record_id, variant, head_key, state, created) VALUES(?1, ?2, ?3, ?4, 1, ?5)"},
        {&s->add_tail, "INSERT INTO request_tails(request, tail) VALUES(?1, ?2)"},
        {&s->add_head, "INSERT OR IGNORE INTO heads(key, text) VALUES(?1, ?2)"},
        {&s->add_completion, "INSERT OR REPLACE INTO answers(request, idx, content, parsed, parse_error) "
                             "VALUES(?1, ?2, ?3, ?4, ?5)"},
        {&s->set_done, "UPDATE requests SET state = 2, error = NULL, prompt_tokens = ?2, completion_tokens = ?3, "
                       "finished = ?4 WHERE id = ?1"},
        {&s->set_failed, "UPDATE requests SET state = 3, attempts = ?2, error = ?3, finished = ?4 WHERE id = ?1"},
        {&s->list, "SELECT idx, content, parsed, parse_error FROM answers WHERE request = ?1 ORDER BY idx"},
        {&s->put_emb,
         "INSERT OR IGNORE INTO embeddings(key, model, kind, dim, vector, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"},
        {&s->get_emb, "SELECT dim, vector FROM embeddings WHERE key = ?1"},
        {&s->begin, "BEGIN IMMEDIATE"},
        {&s->commit, "COMMIT"},
        {&s->drop_answers, "DELETE FROM answers WHERE request = ?1"},
    };
    for (size_t i = 0; i < sizeof prep / sizeof prep[0] && !st; i++)
        if (sqlite3_prepare_v2(s->db, prep[i].sql, -1, prep[i].stmt, NULL) != SQLITE_OK)
            st = db_error(s, err, "preparing a statement");
    if (!st)
        st = load_index(s, err);
    if (!st) {
        s->page_size = count_of(s->db, "PRAGMA page_size");
        if (s->page_size <= 0)
            s->page_size = 4096;
        sqlite3_wal_hook(s->db, on_wal, s);
    }
out:
    if (st) {
        rs_close(s);
        return st;
    }
    *out = s;
    return VLIT_OK;
}

/* Runs a prepared statement to completion and resets it. */
static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE;
}

static vlit_status begin(run_store *s, vlit_error *err)
{
    if (s->in_tx)
        return VLIT_OK;
    if (!step_done(s->begin))
        return db_error(s, err, "starting a transaction");
    s->in_tx = 1;
    return VLIT_OK;
}

vlit_status rs_commit(run_store *s, vlit_error *err)
{
    if (!s->in_tx)
        return VLIT_OK;
    if (!step_done(s->commit)) {
        vlit_status st = db_error(s, err, "committing");
        /* what this transaction wrote may be gone: heads are looked up again */
        vlit_strmap_free(&s->heads);
        vlit_strmap_init(&s->heads);
        s->memo_id = 0;
        if (sqlite3_get_autocommit(s->db))
            s->in_tx = 0;
        return st;
    }
    s->in_tx = 0;
    return VLIT_OK;
}

vlit_status rs_idle(run_store *s, int closing, vlit_error *err)
{
    if (s->in_tx || s->wal_frames * s->page_size < (closing ? WAL_CLOSING : WAL_IDLE))
        return VLIT_OK;
    if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) != SQLITE_OK)
        return db_error(s, err, "copying the journal into the database (checkpoint)");
    s->wal_frames = 0;
    return VLIT_OK;
}

void rs_close(run_store *s)
{
    if (!s)
        return;
    if (s->db && s->commit)
        rs_commit(s, NULL);
    sqlite3_stmt *all[] = {s->get_row,  s->add,        s->add_tail,    s->add_head, s->add_completion,
                           s->set_done, s->set_failed, s->list,        s->put_emb,  s->get_emb,
                           s->begin,    s->commit,     s->drop_answers};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(s->db);
    free(s->slots);
    vlit_strmap_free(&s->heads);
    free(s->path);
    free(s);
}

vlit_status rs_state_of(run_store *s, const char *key, rs_state *state, vlit_error *err)
{
    sqlite3_int64 id;
    return find(s, key, &id, state, err);
}

vlit_status rs_find(run_store *s, const char *key, rs_state *state, rs_id *id, vlit_error *err)
{
    sqlite3_int64 row;
    vlit_status st = find(s, key, &row, state, err);
    *id = row;
    return st;
}

vlit_status rs_add_request_head(run_store *s, const char *key, const char *record_id, const char *variant,
                                const char *body, size_t head_len, const char *head_key, rs_id *id_out, vlit_error *err)
{
    sqlite3_int64 id;
    vlit_status st = find(s, key, &id, NULL, err);
    if (id_out)
        *id_out = id;
    if (st || id)
        return st; /* a known key is left as it is */
    if ((st = begin(s, err)))
        return st;
    size_t len = strlen(body);
    if (head_len > len)
        head_len = len;
    char own_key[65];
    if (head_len) {
        if (!head_key) {
            rs_key(body, head_len, own_key);
            head_key = own_key;
        }
        /* a head already written is not looked up again */
        if (!vlit_strmap_get(&s->heads, head_key, strlen(head_key))) {
            int inserted;
            sqlite3_bind_text(s->add_head, 1, head_key, -1, SQLITE_STATIC);
            sqlite3_bind_text(s->add_head, 2, body, (int)head_len, SQLITE_STATIC);
            if (!step_done(s->add_head))
                return db_error(s, err, "recording a request");
            if (!vlit_strmap_put(&s->heads, head_key, strlen(head_key), 1, &inserted, NULL))
                return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        }
        sqlite3_bind_text(s->add, 4, head_key, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(s->add, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->add, 2, record_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->add, 3, variant, -1, SQLITE_STATIC);
    sqlite3_bind_double(s->add, 5, now());
    if (!step_done(s->add))
        return db_error(s, err, "recording a request");
    id = sqlite3_last_insert_rowid(s->db);
    if (id_out)
        *id_out = id;
    sqlite3_bind_int64(s->add_tail, 1, id);
    sqlite3_bind_text(s->add_tail, 2, body + head_len, (int)(len - head_len), SQLITE_STATIC);
    if (!step_done(s->add_tail))
        return db_error(s, err, "recording a request");
    if (index_put(s, key_hash(key), id))
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    return VLIT_OK;
}

vlit_status rs_add_request(run_store *s, const char *key, const char *record_id, const char *variant, const char *body,
                           size_t head_len, vlit_error *err)
{
    return rs_add_request_head(s, key, record_id, variant, body, head_len, NULL, NULL, err);
}

vlit_status rs_finish_request(run_store *s, const char *key, const rs_completion *c, size_t n, long prompt_tokens,
                              long completion_tokens, vlit_error *err)
{
    sqlite3_int64 id;
    vlit_status st = find(s, key, &id, NULL, err);
    if (st)
        return st;
    if (!id)
        return vlit_err(err, VLIT_ERR_IO, "%s: storing completions: no request %.16s... was recorded", s->path, key);
    return rs_finish_id(s, id, c, n, prompt_tokens, completion_tokens, err);
}

vlit_status rs_finish_id(run_store *s, rs_id id, const rs_completion *c, size_t n, long prompt_tokens,
                         long completion_tokens, vlit_error *err)
{
    vlit_status st = begin(s, err);
    if (st)
        return st;
    /* All or nothing without a savepoint (which would copy every page it
     * touches into a statement journal): a failure removes what was added. */
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        sqlite3_bind_int64(s->add_completion, 1, id);
        sqlite3_bind_int64(s->add_completion, 2, (sqlite3_int64)i);
        sqlite3_bind_text(s->add_completion, 3, c[i].content, -1, SQLITE_STATIC);
        sqlite3_bind_int(s->add_completion, 4, c[i].parsed);
        if (c[i].parse_error)
            sqlite3_bind_text(s->add_completion, 5, c[i].parse_error, -1, SQLITE_STATIC);
        ok = step_done(s->add_completion);
    }
    if (ok) {
        sqlite3_bind_int64(s->set_done, 1, id);
        sqlite3_bind_int64(s->set_done, 2, prompt_tokens);
        sqlite3_bind_int64(s->set_done, 3, completion_tokens);
        sqlite3_bind_double(s->set_done, 4, now());
        ok = step_done(s->set_done) && sqlite3_changes(s->db) == 1;
    }
    if (!ok) {
        st = db_error(s, err, "storing completions");
        sqlite3_bind_int64(s->drop_answers, 1, id);
        step_done(s->drop_answers);
        return st;
    }
    return VLIT_OK;
}

vlit_status rs_fail_request(run_store *s, const char *key, int attempts, const char *error, vlit_error *err)
{
    sqlite3_int64 id;
    vlit_status st = find(s, key, &id, NULL, err);
    if (st)
        return st;
    if (!id)
        return vlit_err(err, VLIT_ERR_IO, "%s: recording a failure: no request %.16s... was recorded", s->path, key);
    return rs_fail_id(s, id, attempts, error, err);
}

vlit_status rs_fail_id(run_store *s, rs_id id, int attempts, const char *error, vlit_error *err)
{
    vlit_status st = begin(s, err);
    if (st)
        return st;
    sqlite3_bind_int64(s->set_failed, 1, id);
    sqlite3_bind_int(s->set_failed, 2, attempts);
    sqlite3_bind_text(s->set_failed, 3, error, -1, SQLITE_STATIC);
    sqlite3_bind_double(s->set_failed, 4, now());
    if (!step_done(s->set_failed) || sqlite3_changes(s->db) != 1)
        return db_error(s, err, "recording a failure");
    return VLIT_OK;
}

vlit_status rs_completions(run_store *s, const char *key, void (*fn)(void *ctx, size_t idx, const rs_completion *c),
                           void *ctx, vlit_error *err)
{
    sqlite3_int64 id;
    vlit_status st = find(s, key, &id, NULL, err);
    if (st || !id)
        return st;
    return rs_completions_id(s, id, fn, ctx, err);
}

vlit_status rs_completions_id(run_store *s, rs_id id, void (*fn)(void *ctx, size_t idx, const rs_completion *c),
                              void *ctx, vlit_error *err)
{
    sqlite3_bind_int64(s->list, 1, id);
    int rc;
    while ((rc = sqlite3_step(s->list)) == SQLITE_ROW) {
        rs_completion c = {(const char *)sqlite3_column_text(s->list, 1), sqlite3_column_int(s->list, 2),
                           (const char *)sqlite3_column_text(s->list, 3)};
        fn(ctx, (size_t)sqlite3_column_int64(s->list, 0), &c);
    }
    sqlite3_reset(s->list);
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
    const char *sql =
        "SELECT (SELECT count(*) FROM requests WHERE state = 1), (SELECT count(*) FROM requests WHERE state = 2),"
        " (SELECT count(*) FROM requests WHERE state = 3), (SELECT count(*) FROM answers),"
        " (SELECT count(*) FROM answers WHERE parsed = 0),"
        " (SELECT coalesce(sum(prompt_tokens), 0) FROM requests), (SELECT coalesce(sum(completion_tokens), 0) FROM "
        "requests)";
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
