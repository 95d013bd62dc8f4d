/* The three backend methods (matching:embeddings, correctness:judge,
 * instruction_complexity:llm), called through their score_method functions
 * against tests/server/llm_server.py on a loopback port, and the readers of
 * their replies (table-driven, no server):
 * - the judge: k votes, each its own request with the image as a data URL,
 *   all stored; majority verdict; unparsed votes counted, never guessed;
 * - the complexity score from scripted replies; unreadable replies missing;
 * - the embeddings: cosine as the server's vectors give it, both image
 *   request forms, vectors cached in the store;
 * - a rerun with the same store sends nothing;
 * - a failing server: values missing with the HTTP reason, never a number;
 *   the error budget stops the run;
 * - the API key appears nowhere: store, server log, reasons. */
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../src/score/backend_parse.h"
#include "../../src/score/indicator.h"
#include "check.h"
#include "testutil.h"

extern char **environ;
extern const score_method score_matching_embeddings, score_correctness_judge, score_instruction_complexity_llm;

#define KEY "sk-test-SECRET123"

/* ---- the readers ------------------------------------------------------------- */

static void test_votes(void)
{
    static const struct {
        const char *text;
        bp_vote want;
    } cases[] = {
        {"yes", BP_VOTE_YES},
        {"No", BP_VOTE_NO},
        {"  YES.\n", BP_VOTE_YES},
        {"**Yes**", BP_VOTE_YES},
        {"Yes, the count is right.", BP_VOTE_YES},
        {"No - there are three dogs, not two.", BP_VOTE_NO},
        {"Verdict: no", BP_VOTE_NO},
        {"**Final answer:** yes", BP_VOTE_YES},
        {"correct", BP_VOTE_YES},
        {"Incorrect.", BP_VOTE_NO},
        {"The answer says two dogs; I count two.\nYes", BP_VOTE_YES},
        {"<think>two dogs, fine</think>\nyes", BP_VOTE_YES},
        {"<think>still thinking", BP_VOTE_UNPARSED},
        {"Yes.\nNo.", BP_VOTE_UNPARSED}, /* first and last line disagree */
        {"Yes.\nThere is no cat, as the answer says.", BP_VOTE_YES},
        {"Yes and no", BP_VOTE_UNPARSED},
        {"yesterday", BP_VOTE_UNPARSED},
        {"Nothing is wrong", BP_VOTE_UNPARSED},
        {"I am not sure", BP_VOTE_UNPARSED},
        {"I cannot help with that.", BP_VOTE_UNPARSED},
        {"", BP_VOTE_UNPARSED},
        {"***", BP_VOTE_UNPARSED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bp_vote got = bp_parse_vote(cases[i].text, strlen(cases[i].text));
        if (got != cases[i].want)
            fprintf(stderr, "vote of \"%s\": %d, want %d\n", cases[i].text, got, cases[i].want);
        CHECK(got == cases[i].want);
    }
}

static void test_scores(void)
{
    static const struct {
        const char *text;
        int want;
    } cases[] = {
        {"Score: 7", 7},
        {"7", 7},
        {"10", 10},
        {"**Score:** 3", 3},
        {"Complexity: 4/10", 4},
        {"8 out of 10", 8},
        {"Score: 5.", 5},
        {"Rating: 2\n", 2},
        {"It is fairly simple.\nScore: 2", 2},
        {"Score: 7.5", 0},
        {"11", 0},
        {"0", 0},
        {"Score: eleven", 0},
        {"between 6 and 8", 0},
        {"Score: 3\nScore: 9", 0},
        {"", 0},
        {"100", 0},
        {"7 because it asks", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = bp_parse_score(cases[i].text, strlen(cases[i].text));
        if (got != cases[i].want)
            fprintf(stderr, "score of \"%s\": %d, want %d\n", cases[i].text, got, cases[i].want);
        CHECK(got == cases[i].want);
    }
}

static void test_replies(void)
{
    vlit_arena a;
    vlit_arena_init(&a, 0);
    char why[256];
    const char *content;
    long pt, ct;
    const char *ok =
        "{\"choices\":[{\"message\":{\"content\":\"yes\"}}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}";
    CHECK(bp_chat_content(ok, strlen(ok), &a, &content, &pt, &ct, why, sizeof why) == VLIT_OK);
    CHECK_STR(content, "yes");
    CHECK(pt == 5 && ct == 1);
    const char *bad[] = {"{\"choices\":[]}", "{\"choices\":[{\"message\":{\"content\":null}}]}", "{\"choi", "[]"};
    for (size_t i = 0; i < 4; i++)
        CHECK(bp_chat_content(bad[i], strlen(bad[i]), &a, &content, &pt, &ct, why, sizeof why) == VLIT_ERR_PARSE);

    float *v;
    size_t dim;
    const char *two = "{\"data\":[{\"index\":1,\"embedding\":[3,4]},{\"index\":0,\"embedding\":[1,-2.5]}]}";
    CHECK(bp_embeddings(two, strlen(two), 2, &a, &v, &dim, why, sizeof why) == VLIT_OK);
    CHECK(dim == 2 && v[0] == 1 && v[1] == -2.5f && v[2] == 3 && v[3] == 4);
    const char *noindex = "{\"data\":[{\"embedding\":[1]},{\"embedding\":[2]}]}";
    CHECK(bp_embeddings(noindex, strlen(noindex), 2, &a, &v, &dim, why, sizeof why) == VLIT_OK && v[1] == 2);
    static const struct {
        const char *body;
        size_t n;
        const char *why;
    } bad_emb[] = {
        {"{\"data\":[{\"embedding\":[1,2]}]}", 2, "1 vectors for 2 inputs"},
        {"{\"data\":[{\"embedding\":[1,2]},{\"embedding\":[1]}]}", 2, "dimension"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1]},{\"index\":0,\"embedding\":[2]}]}", 2, "second vector"},
        {"{\"data\":[{\"index\":5,\"embedding\":[1]}]}", 1, "index"},
        {"{\"data\":[{\"embedding\":\"AAAAAA==\"}]}", 1, "base64"},
        {"{\"data\":[{\"embedding\":[1e300]}]}", 1, "finite"},
        {"{\"data\":[{\"embedding\":[]}]}", 1, "dimension 0"},
        {"{\"object\":\"list\"}", 1, "data"},
        {"{\"data\":[{\"emb", 1, "malformed"},
    };
    for (size_t i = 0; i < sizeof bad_emb / sizeof bad_emb[0]; i++) {
        why[0] = '\0';
        CHECK(bp_embeddings(bad_emb[i].body, strlen(bad_emb[i].body), bad_emb[i].n, &a, &v, &dim, why, sizeof why) ==
              VLIT_ERR_PARSE);
        CHECK_HAS(why, bad_emb[i].why);
    }
    vlit_arena_free(&a);
}

/* ---- against the test server ------------------------------------------------------- */

static pid_t server;
static char base_url[128], port_file[300], log_path[300];

static int start_server(const char *faults)
{
    snprintf(port_file, sizeof port_file, "%s", tmp_path("port"));
    snprintf(log_path, sizeof log_path, "%s", tmp_path("server.log"));
    unlink(port_file);
    unlink(log_path);
    char *argv[20];
    int k = 0;
    argv[k++] = "python3";
    argv[k++] = VLIT_SOURCE_DIR "/tests/server/llm_server.py";
    argv[k++] = "--port";
    argv[k++] = "0";
    argv[k++] = "--port-file";
    argv[k++] = port_file;
    argv[k++] = "--log";
    argv[k++] = log_path;
    argv[k++] = "--replies";
    argv[k++] = (char *)tmp_path("replies.jsonl");
    argv[k++] = "--idle-exit";
    argv[k++] = "120";
    if (faults) {
        argv[k++] = "--faults";
        argv[k++] = (char *)faults;
    }
    argv[k] = NULL;
    if (posix_spawnp(&server, "python3", NULL, NULL, argv, environ) != 0)
        return 0;
    for (int i = 0; i < 400; i++) {
        char *port = read_file(port_file);
        if (port) {
            snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d/v1", atoi(port));
            free(port);
            return 1;
        }
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    return 0;
}

static void stop_server(void)
{
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
}

static int log_lines(void)
{
    char *t = read_file(log_path);
    int n = 0;
    for (char *p = t; p && *p; p++)
        n += *p == '\n';
    free(t);
    return n;
}

/* The samples: turns, ids, image paths. */
#define N_SAMPLES 8
static vlit_turn turns[N_SAMPLES][2];
static vlit_sample samples[N_SAMPLES];
static const char *image_names[N_SAMPLES];
static score_item items[N_SAMPLES];
static char paths[N_SAMPLES][400];

static void make_image(const char *name, const char *payload)
{
    char bytes[256];
    int n = snprintf(bytes, sizeof bytes, "\xff\xd8\xff\xe0%s", payload); /* a JPEG signature, then anything */
    FILE *fp = fopen(tmp_path(name), "wb");
    if (!fp || fwrite(bytes, 1, (size_t)n, fp) != (size_t)n)
        abort();
    fclose(fp);
}

static void make_samples(void)
{
    static const struct {
        const char *id, *image, *instruction, *response;
    } s[N_SAMPLES] = {
        {"a", "a.jpg", "<image>\nHow many dogs are there? CX-7", "There are two dogs. MARK-A"},
        {"b", "b.jpg", "What color is the car? CX-3", "The car is red. MARK-B"},
        {"c", "a.jpg", "Describe the scene. CX-BAD", "A park with two dogs. MARK-C"},
        {"d", NULL, "Is it raining? CX-3", "No. MARK-A"},                              /* no image */
        {"e", "missing.jpg", "What is this? CX-3", "A cat. MARK-A"},                   /* image file missing */
        {"f", "b.jpg", "   ", "Nothing asked. MARK-A"},                                /* no instruction */
        {"g", "a.jpg", "How many dogs are there? CX-7", "There are two dogs. MARK-A"}, /* same as a */
        {"h", "b.jpg", "Which car? CX-3", "   "},                                      /* no answer text */
    };
    make_image("a.jpg", "two dogs in a park");
    make_image("b.jpg", "a red car");
    for (int i = 0; i < N_SAMPLES; i++) {
        turns[i][0] = (vlit_turn){"user", s[i].instruction};
        turns[i][1] = (vlit_turn){"assistant", s[i].response};
        samples[i] = (vlit_sample){0};
        samples[i].id = s[i].id;
        samples[i].turns = turns[i];
        samples[i].n_turns = 2;
        image_names[i] = s[i].image;
        samples[i].images = s[i].image ? &image_names[i] : NULL;
        samples[i].n_images = s[i].image ? 1 : 0;
        items[i] = (score_item){0};
        items[i].sample = &samples[i];
        items[i].index = (size_t)i;
        /* as the driver gives it: "<image>" and the newline after it removed */
        const char *ins = s[i].instruction;
        items[i].instruction = strncmp(ins, "<image>\n", 8) == 0 ? ins + 8 : ins;
        items[i].response = s[i].response;
        if (s[i].image) {
            snprintf(paths[i], sizeof paths[i], "%s", tmp_path(s[i].image));
            items[i].image_path = paths[i];
        } else {
            items[i].image_problem = "the sample has no image";
        }
    }
}

static score_config config(const char *store)
{
    score_config c = vlit_score_default_params();
    c.llm_url = base_url;
    c.llm_model = "judge-model";
    c.embed_url = base_url;
    c.embed_model = "clip-test";
    c.api_key = KEY;
    c.store_path = store;
    c.data_dir = VLIT_DATA_DIR;
    c.concurrency = 4;
    return c;
}

/* Runs one method over all samples: open, prepare, score, close. */
static vlit_status run_method(const score_method *m, const score_config *c, score_value *out, vlit_error *err)
{
    void *state = NULL;
    vlit_status st = m->open(c, &state, err);
    if (st)
        return st;
    if (m->prepare)
        st = m->prepare(state, items, N_SAMPLES, err);
    for (int i = 0; i < N_SAMPLES && !st; i++) {
        memset(&out[i], 0, sizeof out[i]);
        m->score(state, NULL, &items[i], &out[i]);
    }
    m->close(state);
    return st;
}

static double extra(const score_value *v, const char *name)
{
    for (size_t i = 0; i < v->n_extra; i++)
        if (strcmp(v->extra[i].name, name) == 0)
            return v->extra[i].value;
    return NAN;
}

static long sql_count(const char *db_path, const char *sql)
{
    sqlite3 *db;
    long n = -1;
    if (sqlite3_open(db_path, &db) != SQLITE_OK)
        return -1;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* The cosine the test server's vectors give for a text and an image's bytes,
 * computed by its own embedding() in Python. */
static double expected_cosine(const char *text, const char *image_path)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import sys; sys.path.insert(0, \"%s/tests/server\"); from llm_server import embedding; "
             "a = embedding(sys.argv[1], 64); b = embedding(open(sys.argv[2], \"rb\").read(), 64); "
             "print(repr(sum(x * y for x, y in zip(a, b))))' '%s' '%s'",
             VLIT_SOURCE_DIR, text, image_path);
    FILE *p = popen(cmd, "r");
    double v = NAN;
    if (p) {
        if (fscanf(p, "%lf", &v) != 1)
            v = NAN;
        pclose(p);
    }
    return v;
}

static int contains_key(const char *path)
{
    char *t = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    t = malloc((size_t)n + 1);
    size_t got = fread(t, 1, (size_t)n, fp);
    fclose(fp);
    int found = 0;
    for (size_t i = 0; i + strlen(KEY) <= got && !found; i++)
        found = memcmp(t + i, KEY, strlen(KEY)) == 0;
    free(t);
    return found;
}

static void check_no_key(const score_value *v, int n)
{
    for (int i = 0; i < n; i++)
        CHECK(!strstr(v[i].reason, KEY));
}

static void test_judge_and_complexity(void)
{
    vlit_error err = {0};
    char *store = strdup(tmp_path("run.db"));
    score_config c = config(store);
    score_value v[N_SAMPLES];

    /* judge: three votes each */
    CHECK(run_method(&score_correctness_judge, &c, v, &err) == VLIT_OK);
    CHECK(!v[0].missing && v[0].value == 1 && extra(&v[0], "votes_yes") == 2 && extra(&v[0], "votes_no") == 1 &&
          extra(&v[0], "votes_unparsed") == 0);
    CHECK(!v[1].missing && v[1].value == 0 && extra(&v[1], "votes_no") == 2 && extra(&v[1], "votes_unparsed") == 1);
    CHECK(v[2].missing);
    CHECK_HAS(v[2].reason, "no majority among 3 votes: 1 yes, 1 no, 1 unparsed");
    CHECK(v[3].missing);
    CHECK_HAS(v[3].reason, "no image");
    CHECK(v[4].missing);
    CHECK_HAS(v[4].reason, "missing.jpg: cannot open");
    CHECK(!v[6].missing && v[6].value == 1); /* the same request as sample a: answered once */
    int sent = log_lines();
    /* a, b, c, f, h judged (f and h have text in one turn) and g is a's twin: 5 x 3 requests */
    CHECK(sent == 15);
    CHECK(sql_count(store, "SELECT count(*) FROM requests WHERE variant = 'correctness:judge' AND state = 2") == 15);
    CHECK(sql_count(store, "SELECT count(*) FROM completions c JOIN requests r ON r.key = c.request_key"
                           " WHERE r.variant = 'correctness:judge'") == 15);
    CHECK(sql_count(store, "SELECT count(*) FROM request_bodies WHERE body LIKE '%\"url\":\"data:image/jpeg;sha256,%'"
                           " AND body LIKE '%\"seed\":2}'") == 5);
    CHECK(sql_count(store, "SELECT count(*) FROM request_bodies WHERE body LIKE '%base64%'") == 0);
    CHECK(sql_count(store, "SELECT count(*) FROM completions WHERE parsed = 0") >= 2);
    /* the server saw the images as data URLs: a's bytes in a's requests */
    char *log = read_file(log_path);
    CHECK(log && strstr(log, "\"images\":[{\"type\":\"image/jpeg\",\"sha256\":\""));
    free(log);

    /* rerun: everything from the store */
    score_value again[N_SAMPLES];
    CHECK(run_method(&score_correctness_judge, &c, again, &err) == VLIT_OK);
    CHECK(log_lines() == sent);
    for (int i = 0; i < N_SAMPLES; i++)
        CHECK(again[i].missing == v[i].missing && again[i].value == v[i].value);

    /* five votes: only votes 3 and 4 are new */
    c.judge_votes = 5;
    CHECK(run_method(&score_correctness_judge, &c, again, &err) == VLIT_OK);
    CHECK(log_lines() == sent + 5 * 2);
    CHECK(!again[0].missing && extra(&again[0], "votes_yes") + extra(&again[0], "votes_no") == 5);
    c.judge_votes = 4;
    CHECK(run_method(&score_correctness_judge, &c, again, &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "odd");
    c.judge_votes = 3;

    /* complexity */
    sent = log_lines();
    CHECK(run_method(&score_instruction_complexity_llm, &c, v, &err) == VLIT_OK);
    CHECK(!v[0].missing && v[0].value == 7);
    CHECK(!v[1].missing && v[1].value == 3);
    CHECK(v[2].missing);
    CHECK_HAS(v[2].reason, "no score 1..10 in the reply \"Score: eleven\"");
    CHECK(!v[3].missing && v[3].value == 3); /* text only: no image needed */
    CHECK(v[5].missing);
    CHECK_HAS(v[5].reason, "no instruction");
    CHECK(!v[6].missing && v[6].value == 7);
    int cx_sent = log_lines() - sent;
    CHECK(cx_sent == 6);                                        /* a (= g), b, c, d, e, h; f has no instruction */
    CHECK(sql_count(store, "SELECT count(*) FROM heads") == 2); /* the judge's prompt, the examples: once each */
    CHECK(run_method(&score_instruction_complexity_llm, &c, again, &err) == VLIT_OK);
    CHECK(log_lines() == sent + cx_sent);
    check_no_key(v, N_SAMPLES);
    CHECK(!contains_key(store));
    CHECK(!contains_key(log_path));
    free(store);
}

static void test_embeddings(void)
{
    vlit_error err = {0};
    char *store = strdup(tmp_path("emb.db"));
    score_config c = config(store);
    score_value v[N_SAMPLES];
    int before = log_lines();
    CHECK(run_method(&score_matching_embeddings, &c, v, &err) == VLIT_OK);
    double want_a = expected_cosine("There are two dogs. MARK-A", tmp_path("a.jpg"));
    double want_b = expected_cosine("The car is red. MARK-B", tmp_path("b.jpg"));
    CHECK(!isnan(want_a) && !isnan(want_b));
    CHECK(!v[0].missing && fabs(extra(&v[0], "cosine") - want_a) < 1e-6);
    CHECK(!v[0].missing && fabs(v[0].value - 100 * (want_a > 0 ? want_a : 0)) < 1e-4);
    CHECK(!v[1].missing && fabs(extra(&v[1], "cosine") - want_b) < 1e-6);
    CHECK(v[3].missing && v[4].missing);
    CHECK_HAS(v[4].reason, "missing.jpg");
    CHECK(v[7].missing);
    CHECK_HAS(v[7].reason, "no answer text");
    CHECK(!v[6].missing && v[6].value == v[0].value);
    /* texts of a, b, c, f (g = a) in one request; images a and b one request each */
    int sent = log_lines() - before;
    CHECK(sent == 3);
    CHECK(sql_count(store, "SELECT count(*) FROM embeddings WHERE kind = 'text'") == 4);
    CHECK(sql_count(store, "SELECT count(*) FROM embeddings WHERE kind = 'image' AND dim = 64") == 2);
    char *log = read_file(log_path);
    char want[200];
    snprintf(want, sizeof want, "\"path\":\"/v1/embeddings\"");
    CHECK(log && strstr(log, want));
    free(log);

    /* rerun: from the store, identical numbers */
    score_value again[N_SAMPLES];
    CHECK(run_method(&score_matching_embeddings, &c, again, &err) == VLIT_OK);
    CHECK(log_lines() - before == sent);
    for (int i = 0; i < N_SAMPLES; i++)
        CHECK(again[i].missing == v[i].missing && again[i].value == v[i].value);

    /* the input form (Infinity's): the same vectors, both images in one request */
    setenv("VLIT_EMBED_IMAGE_FORMAT", "input", 1);
    c.store_path = NULL;
    before = log_lines();
    CHECK(run_method(&score_matching_embeddings, &c, again, &err) == VLIT_OK);
    CHECK(log_lines() - before == 2);
    for (int i = 0; i < N_SAMPLES; i++)
        CHECK(again[i].missing == v[i].missing && again[i].value == v[i].value);
    setenv("VLIT_EMBED_IMAGE_FORMAT", "bogus", 1);
    CHECK(run_method(&score_matching_embeddings, &c, again, &err) == VLIT_ERR_USAGE);
    unsetenv("VLIT_EMBED_IMAGE_FORMAT");
    check_no_key(v, N_SAMPLES);
    CHECK(!contains_key(store));
    free(store);
}

static void test_failing_server(void)
{
    vlit_error err = {0};
    char *store = strdup(tmp_path("fail.db"));
    score_config c = config(store);
    c.concurrency = 16; /* every request at once: the retries' waits overlap */
    score_value v[N_SAMPLES];
    const score_method *methods[3] = {&score_correctness_judge, &score_instruction_complexity_llm,
                                      &score_matching_embeddings};
    for (int m = 0; m < 3; m++) {
        CHECK(run_method(methods[m], &c, v, &err) == VLIT_OK); /* under 20 failures: the run goes on */
        CHECK(v[0].missing && v[1].missing);
        CHECK_HAS(v[0].reason, "HTTP 500 after 5 attempts: The server had an error");
        CHECK(v[0].value == 0 && v[0].n_extra == 0);
        check_no_key(v, N_SAMPLES);
    }
    CHECK(
        sql_count(store, "SELECT count(*) FROM requests WHERE state = 3 AND error LIKE 'HTTP 500 after 5 attempts%'") ==
        15 + 6);
    CHECK(sql_count(store, "SELECT count(*) FROM embeddings") == 0);
    /* a budget of 2 failures: the third stops the run */
    c.max_failed = 2;
    c.store_path = NULL;
    CHECK(run_method(&score_correctness_judge, &c, v, &err) == VLIT_ERR_REMOTE);
    CHECK_HAS(err.message, "over the error budget (last: HTTP 500 after 5 attempts");
    CHECK_HAS(err.message, "no run store");
    CHECK(!strstr(err.message, KEY));
    CHECK(!contains_key(store));
    CHECK(!contains_key(log_path));
    free(store);
}

int main(void)
{
    test_votes();
    test_scores();
    test_replies();
    if (system("python3 -c pass") != 0) {
        printf("no python3: server tests skipped\n");
        return CHECK_DONE() ? 1 : 77;
    }
    write_file("replies.jsonl", "{\"match\": \"MARK-A\", \"contents\": [\"yes\", \"No.\", \"**Yes**, two dogs.\"]}\n"
                                "{\"match\": \"MARK-B\", \"contents\": [\"no\", \"Verdict: no\", \"I am not sure\"]}\n"
                                "{\"match\": \"MARK-C\", \"contents\": [\"yes\", \"no\", \"maybe\"]}\n"
                                "{\"match\": \"CX-7\", \"content\": \"Score: 7\"}\n"
                                "{\"match\": \"CX-3\", \"content\": \"3\"}\n"
                                "{\"match\": \"CX-BAD\", \"content\": \"Score: eleven\"}\n");
    make_samples();
    CHECK(start_server(NULL));
    test_judge_and_complexity();
    test_embeddings();
    stop_server();
    CHECK(start_server("500=1.0"));
    test_failing_server();
    stop_server();
    cleanup_dir();
    return CHECK_DONE();
}
