/* src/backends/http against tests/server/llm_server.py on a loopback port:
 * many concurrent requests, retries after 500 and 429 (Retry-After waited
 * for), give-up after max_attempts, and every fault mode at once. */
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../src/backends/http.h"
#include "check.h"
#include "testutil.h"

extern char **environ;

static pid_t server;
static char url[128];

static int start_server(const char *faults, const char *fail_first)
{
    char port_file[300];
    snprintf(port_file, sizeof port_file, "%s", tmp_path("port"));
    unlink(port_file);
    char *argv[16];
    int k = 0;
    argv[k++] = "python3";
    argv[k++] = VLIT_SOURCE_DIR "/tests/server/llm_server.py";
    argv[k++] = "--port";
    argv[k++] = "0";
    argv[k++] = "--port-file";
    argv[k++] = port_file;
    argv[k++] = "--delay-seconds";
    argv[k++] = "0.2";
    argv[k++] = "--idle-exit";
    argv[k++] = "60";
    if (faults) {
        argv[k++] = "--faults";
        argv[k++] = (char *)faults;
    }
    if (fail_first) {
        argv[k++] = "--fail-first";
        argv[k++] = (char *)fail_first;
    }
    argv[k] = NULL;
    if (posix_spawnp(&server, "python3", NULL, NULL, argv, environ) != 0)
        return 0;
    for (int i = 0; i < 200; i++) {
        char *port = read_file(port_file);
        if (port) {
            snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/chat/completions", atoi(port));
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

typedef struct run {
    int total, made;
    int done, ok, failed, twice;
    int calls[512];
    long last_status;
    int last_attempts;
    char last_error[128];
} run;

static const char body[] = "{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"Describe it.\"}]}";

static int next(void *ctx, const char **b, void **user)
{
    run *r = ctx;
    if (r->made == r->total)
        return 0;
    *b = body;
    *user = (void *)(intptr_t)r->made++;
    return 1;
}

static void done(void *ctx, void *user, const http_result *res)
{
    run *r = ctx;
    int i = (int)(intptr_t)user;
    if (r->calls[i]++)
        r->twice++;
    r->done++;
    if (res->ok && strstr(res->body, "\"choices\""))
        r->ok++;
    if (!res->ok)
        r->failed++;
    r->last_status = res->status;
    r->last_attempts = res->attempts;
    snprintf(r->last_error, sizeof r->last_error, "%s", res->error ? res->error : "");
}

static http_params params(void)
{
    http_params p = http_default_params();
    p.url = url;
    p.backoff_base_s = 0.02;
    p.backoff_max_s = 2;
    p.timeout_s = 5;
    p.api_key = "sk-test-SECRET123";
    return p;
}

int main(void)
{
    vlit_error err = {0};
    http_stats stats;
    if (!start_server(NULL, NULL)) {
        printf("no python3 or server: skipped\n0 passed, 0 failed\n");
        return 77;
    }
    http_params p = params();
    p.concurrency = 16;
    run r = {.total = 300};
    CHECK(http_run(&p, next, done, &r, &stats, &err) == VLIT_OK);
    CHECK(r.done == 300 && r.ok == 300 && r.twice == 0 && stats.succeeded == 300 && stats.retries == 0);
    stop_server();

    /* the first 3 attempts get a 500: the 4th succeeds; with 2 attempts it fails */
    CHECK(start_server(NULL, "3"));
    p = params();
    run one = {.total = 1};
    CHECK(http_run(&p, next, done, &one, &stats, &err) == VLIT_OK);
    CHECK(one.ok == 1 && one.last_attempts == 4 && stats.retries == 3);
    stop_server();
    CHECK(start_server(NULL, "3"));
    p.max_attempts = 2;
    run two = {.total = 1};
    CHECK(http_run(&p, next, done, &two, &stats, &err) == VLIT_OK);
    CHECK(two.failed == 1 && two.last_attempts == 2 && two.last_status == 500);
    CHECK_HAS(two.last_error, "HTTP 500");
    stop_server();

    /* 429 with Retry-After: 1 is waited for (a lower bound only) */
    CHECK(start_server("429=1.0", NULL));
    p = params();
    p.max_attempts = 2;
    run rl = {.total = 1};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(http_run(&p, next, done, &rl, &stats, &err) == VLIT_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(rl.failed == 1 && rl.last_status == 429 && waited >= 0.9);
    stop_server();

    /* every fault at 10 %: each request ends exactly once, completed or failed */
    CHECK(start_server("429=0.1,500=0.1,delay=0.1,drop=0.1,malformed=0.1,notconv=0.1", NULL));
    p = params();
    p.concurrency = 16;
    p.max_attempts = 6;
    p.backoff_max_s = 0.2; /* Retry-After is capped by it, so the test stays short */
    run f = {.total = 400};
    CHECK(http_run(&p, next, done, &f, &stats, &err) == VLIT_OK);
    CHECK(f.done == 400 && f.twice == 0 && stats.retries > 0);
    CHECK(stats.succeeded + stats.failed == 400);
    stop_server();

    /* nothing listening: connection errors, retried, then failed */
    p = params();
    snprintf(url, sizeof url, "http://127.0.0.1:9/v1/chat/completions");
    p.max_attempts = 2;
    run none = {.total = 2};
    CHECK(http_run(&p, next, done, &none, &stats, &err) == VLIT_OK);
    CHECK(none.failed == 2);
    CHECK_HAS(none.last_error, "connection");
    cleanup_dir();
    return CHECK_DONE();
}
