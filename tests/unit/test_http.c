/* src/backends/http against tests/server/llm_server.py on a loopback port:
 * many concurrent requests, retries after 500 and 429 (Retry-After waited
 * for), give-up after max_attempts, and every fault mode at once. Against a
 * small server of its own: a next_fn that answers "none yet" and wakes the
 * loop through wake_fd, while the server closes the idle keep-alive
 * connections (which the loop leaves in its epoll set) in between. */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../src/backends/http.h"
#include "check.h"
#include "testutil.h"

extern char **environ;

static pid_t server;

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}
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

/* ---- a keep-alive server that closes its idle connections on request ---- */

typedef struct tiny {
    int listen_fd, port;
    int answered;
    int close_after;     /* close every connection once this many are answered */
    volatile int closed; /* it did */
    int total;           /* then serve until this many, and end */
} tiny;

static void *tiny_main(void *arg)
{
    tiny *t = arg;
    struct pollfd fds[33];
    char bufs[32][16384];
    size_t lens[32];
    int n = 1;
    fds[0].fd = t->listen_fd;
    fds[0].events = POLLIN;
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
                                "{\"choices\":[]}\n";
    while (t->answered < t->total) {
        if (poll(fds, (nfds_t)n, 5000) <= 0)
            break;
        if ((fds[0].revents & POLLIN) && n < 33) {
            int c = accept(t->listen_fd, NULL, NULL);
            if (c >= 0) {
                fds[n].fd = c;
                fds[n].events = POLLIN;
                fds[n].revents = 0;
                lens[n - 1] = 0;
                n++;
            }
        }
        for (int i = 1; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(fds[i].fd, bufs[i - 1] + lens[i - 1], sizeof bufs[0] - lens[i - 1] - 1);
            if (got <= 0) {
                close(fds[i].fd);
                fds[i] = fds[--n];
                memcpy(bufs[i - 1], bufs[n - 1], lens[n - 1]);
                lens[i - 1] = lens[n - 1];
                i--;
                continue;
            }
            lens[i - 1] += (size_t)got;
            bufs[i - 1][lens[i - 1]] = '\0';
            char *end = strstr(bufs[i - 1], "\r\n\r\n");
            char *cl = strstr(bufs[i - 1], "Content-Length: ");
            if (!end || !cl || lens[i - 1] < (size_t)(end + 4 - bufs[i - 1]) + (size_t)atoi(cl + 16))
                continue;
            lens[i - 1] = 0; /* one request at a time per connection */
            if (write(fds[i].fd, reply, sizeof reply - 1) != (ssize_t)(sizeof reply - 1))
                break;
            t->answered++;
        }
        if (t->answered == t->close_after && !t->closed) {
            nanosleep(&(struct timespec){0, 100000000}, NULL); /* let the client put them back in its pool */
            for (int i = 1; i < n; i++)
                close(fds[i].fd);
            n = 1;
            t->closed = 1;
        }
    }
    for (int i = 1; i < n; i++)
        close(fds[i].fd);
    return NULL;
}

typedef struct later {
    int made, first, total, none_yet, done, ok, woken;
    int wake_fd;
    tiny *server;
} later;

static int later_next(void *ctx, const char **b, void **user)
{
    later *l = ctx;
    if (l->made == l->total)
        return 0;
    if (l->made == l->first && !l->woken) {
        l->none_yet++;
        if (l->server->closed) { /* the helper's eventfd write below wakes the loop */
            uint64_t one = 1;
            if (write(l->wake_fd, &one, sizeof one) == sizeof one)
                l->woken = 1;
        }
        return -1;
    }
    *b = body;
    *user = (void *)(intptr_t)l->made++;
    return 1;
}

static void later_done(void *ctx, void *user, const http_result *res)
{
    (void)user;
    later *l = ctx;
    l->done++;
    l->ok += res->ok && res->attempts == 1;
}

static void test_none_yet(void)
{
    tiny t = {0};
    t.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    CHECK(bind(t.listen_fd, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(t.listen_fd, 64) == 0 &&
          getsockname(t.listen_fd, (struct sockaddr *)&addr, &alen) == 0);
    t.close_after = 8;
    t.total = 16;
    pthread_t th;
    CHECK(pthread_create(&th, NULL, tiny_main, &t) == 0);
    http_params p = http_default_params();
    char u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/v1/chat/completions", ntohs(addr.sin_port));
    p.url = u;
    p.concurrency = 4;
    p.refill_min = 1;
    p.timeout_s = 5;
    p.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    later l = {.first = 8, .total = 16, .wake_fd = p.wake_fd, .server = &t};
    vlit_error err = {0};
    http_stats stats;
    CHECK(http_run(&p, later_next, later_done, &l, &stats, &err) == VLIT_OK);
    /* every request answered at its first attempt: the closed connections
     * were noticed before use, and replaced */
    CHECK(l.done == 16 && l.ok == 16 && stats.retries == 0);
    CHECK(t.closed == 1);
    /* the loop waited for the wake-up instead of spinning on the closed
     * sockets (a spin would ask next_fn thousands of times) */
    CHECK(l.none_yet >= 1 && l.none_yet < 50);
    pthread_join(th, NULL);
    close(p.wake_fd);
    close(t.listen_fd);
}

int main(void)
{
    test_none_yet();
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
    double cpu0 = cpu_seconds();
    CHECK(http_run(&p, next, done, &rl, &stats, &err) == VLIT_OK);
    double cpu = cpu_seconds() - cpu0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(rl.failed == 1 && rl.last_status == 429 && waited >= 0.9);
    CHECK(cpu < 0.5 * waited); /* the wait sleeps: no loop spinning on an expired timer */
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
