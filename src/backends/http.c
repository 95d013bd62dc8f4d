#include "http.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "../base/buf.h"
#include "../base/random.h"

#define MAX_BODY ((size_t)64 << 20) /* a reply larger than this is an error, not a memory spike */

http_params http_default_params(void)
{
    http_params p;
    memset(&p, 0, sizeof p);
    p.concurrency = 8;
    p.max_attempts = 5;
    p.timeout_s = 120;
    p.backoff_base_s = 0.5;
    p.backoff_max_s = 30;
    p.seed = 1;
    p.wake_fd = -1;
    return p;
}

typedef struct loop loop; /* the event loop's state, below */
static curl_socket_t on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr);

typedef struct slot {
    CURL *easy;
    const char *body;
    void *user;
    int attempts;
    int busy;          /* has a request (in flight or waiting to retry) */
    int in_flight;
    double retry_at;   /* monotonic seconds; when waiting */
    double retry_after; /* from the last response's Retry-After, -1 if none */
    vlit_buf reply;
    char error[CURL_ERROR_SIZE];
} slot;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    slot *s = arg;
    size_t len = size * n;
    if (s->reply.len + len > MAX_BODY || vlit_buf_append(&s->reply, data, len))
        return 0; /* curl reports a write error */
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    slot *s = arg;
    size_t len = size * n;
    if (len > 12 && strncasecmp(data, "retry-after:", 12) == 0) {
        char tmp[64];
        size_t k = len - 12 < sizeof tmp - 1 ? len - 12 : sizeof tmp - 1;
        memcpy(tmp, data + 12, k);
        tmp[k] = '\0';
        char *end;
        double v = strtod(tmp, &end);
        if (end != tmp && v >= 0 && v < 3600)
            s->retry_after = v; /* seconds; the HTTP-date form is rare from APIs and ignored */
    }
    return len;
}

/* The options that stay the same for every request of a slot: set once,
 * when the handle is made (curl_easy_reset and a dozen setopt calls per
 * request cost more than a fast server takes to answer). */
static void setup(const http_params *p, struct curl_slist *headers, loop *l, slot *s)
{
    curl_easy_setopt(s->easy, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(s->easy, CURLOPT_OPENSOCKETDATA, l);
    curl_easy_setopt(s->easy, CURLOPT_URL, p->url);
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(s->easy, CURLOPT_POST, 1L);
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->error);
    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
    curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, (long)(p->timeout_s * 1000));
    curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->easy, CURLOPT_TCP_KEEPALIVE, 1L);
}

static vlit_status start(CURLM *multi, slot *s, vlit_error *err)
{
    vlit_buf_clear(&s->reply);
    s->error[0] = '\0';
    s->retry_after = -1;
    size_t len = strlen(s->body);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
    if (curl_multi_add_handle(multi, s->easy) != CURLM_OK)
        return vlit_err(err, VLIT_ERR_IO, "cannot start a request");
    s->attempts++;
    s->in_flight = 1;
    return VLIT_OK;
}

/* libcurl's socket interface: curl says which sockets to watch (epoll) and
 * when to call it back (timer); only the transfers with events are driven,
 * so the cost per request does not grow with the concurrency.
 *
 * A connection that goes back to curl's pool between two requests is left
 * in the epoll set (curl says "remove", then "watch for input" again for the
 * next request): each change would cost a system call, two per request.
 * The table below says what epoll has and what curl wants; an event on a
 * socket curl does not want takes it out then (a server closing an idle
 * connection). A socket is marked unregistered when curl opens it, so a
 * descriptor number used again starts clean (epoll forgets closed ones). */
typedef struct fd_state {
    unsigned char events; /* what epoll watches for: EV_IN | EV_OUT, 0 = not in the set */
    unsigned char wanted; /* curl watches this socket */
} fd_state;

enum { EV_IN = 1, EV_OUT = 2 };

struct loop {
    CURLM *multi;
    int epfd;
    double timer_at; /* curl's timer, monotonic seconds; -1 none */
    fd_state *fds;
    size_t n_fds;
};

static fd_state *fd_get(loop *l, curl_socket_t fd)
{
    if (fd < 0)
        return NULL;
    if ((size_t)fd >= l->n_fds) {
        size_t n = l->n_fds ? l->n_fds : 256;
        while (n <= (size_t)fd)
            n *= 2;
        fd_state *grown = realloc(l->fds, n * sizeof *grown);
        if (!grown)
            return NULL;
        memset(grown + l->n_fds, 0, (n - l->n_fds) * sizeof *grown);
        l->fds = grown;
        l->n_fds = n;
    }
    return &l->fds[fd];
}

static int epoll_set(loop *l, curl_socket_t fd, fd_state *f, unsigned char events)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.data.fd = fd;
    ev.events = (events & EV_IN ? EPOLLIN : 0u) | (events & EV_OUT ? EPOLLOUT : 0u);
    int op = !events ? EPOLL_CTL_DEL : f->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(l->epfd, op, fd, &ev) != 0) {
        /* the table was wrong about the set: try the other way */
        if (op == EPOLL_CTL_DEL ||
            epoll_ctl(l->epfd, op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) {
            f->events = 0;
            return op == EPOLL_CTL_DEL ? 0 : -1;
        }
    }
    f->events = events;
    return 0;
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
    (void)easy;
    (void)sockp;
    loop *l = arg;
    fd_state *f = fd_get(l, fd);
    if (!f)
        return -1;
    if (what == CURL_POLL_REMOVE) {
        f->wanted = 0; /* stays in the set until an event comes or curl wants it again */
        return 0;
    }
    f->wanted = 1;
    unsigned char events = (unsigned char)((what & CURL_POLL_IN ? EV_IN : 0) | (what & CURL_POLL_OUT ? EV_OUT : 0));
    if (events == f->events)
        return 0;
    return epoll_set(l, fd, f, events);
}

static curl_socket_t on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    (void)purpose;
    loop *l = arg;
    curl_socket_t fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    fd_state *f = fd >= 0 ? fd_get(l, fd) : NULL;
    if (fd >= 0 && !f) {
        close(fd);
        return CURL_SOCKET_BAD;
    }
    if (f)
        memset(f, 0, sizeof *f);
    return fd;
}

static int on_timer(CURLM *multi, long timeout_ms, void *arg)
{
    (void)multi;
    ((loop *)arg)->timer_at = timeout_ms < 0 ? -1 : now() + (double)timeout_ms / 1000;
    return 0;
}

vlit_status http_run(const http_params *p, http_next_fn next, http_done_fn done, void *ctx, http_stats *stats,
                     vlit_error *err)
{
    http_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!p->url)
        return vlit_err(err, VLIT_ERR_USAGE, "no server URL");
    int conc = p->concurrency > 0 ? p->concurrency : 8;
    int max_attempts = p->max_attempts > 0 ? p->max_attempts : 5;
    uint64_t rnd = p->seed;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return vlit_err(err, VLIT_ERR_IO, "libcurl could not start");
    loop l = {curl_multi_init(), epoll_create1(EPOLL_CLOEXEC), -1, NULL, 0};
    slot *slots = calloc((size_t)conc, sizeof *slots);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    char auth[1024];
    vlit_status st = VLIT_OK;
    if (p->api_key) {
        /* the key lives only in this buffer and the header list: never logged */
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", p->api_key);
        headers = curl_slist_append(headers, auth);
        memset(auth, 0, sizeof auth);
    }
    headers = curl_slist_append(headers, "Expect:");
    if (!l.multi || !slots || !headers) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (l.epfd < 0) {
        st = vlit_err(err, VLIT_ERR_IO, "epoll_create1 failed");
        goto out;
    }
    if (p->wake_fd >= 0) {
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.fd = p->wake_fd;
        if (epoll_ctl(l.epfd, EPOLL_CTL_ADD, p->wake_fd, &ev) != 0) {
            st = vlit_err(err, VLIT_ERR_IO, "epoll_ctl failed: %s", strerror(errno));
            goto out;
        }
    }
    curl_multi_setopt(l.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)conc);
    curl_multi_setopt(l.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(l.multi, CURLMOPT_SOCKETDATA, &l);
    curl_multi_setopt(l.multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(l.multi, CURLMOPT_TIMERDATA, &l);
    for (int i = 0; i < conc; i++) {
        if (!(slots[i].easy = curl_easy_init())) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
            goto out;
        }
        setup(p, headers, &l, &slots[i]);
    }

    int more = 1, running = 0, finished = 0;
    int refill_min = p->refill_min > 0 ? p->refill_min : conc >= 8 ? conc / 8 : 1;
    struct epoll_event events[64];
    for (;;) {
        double t = now();
        int active = 0, pulled = 0, idle = 0, none_yet = 0;
        for (int i = 0; i < conc; i++)
            idle += !slots[i].busy;
        /* Refill only when an eighth of the slots are free (or all): each
         * refill costs the caller a commit before the requests go out, and
         * against a fast server single replies would make it one commit, with
         * its page writes, per request. */
        int refill = more && (idle >= refill_min || idle == conc);
        /* fill free slots, start due retries */
        for (int i = 0; i < conc && !st; i++) {
            slot *s = &slots[i];
            if (!s->busy && refill && more && !none_yet) {
                int got = next(ctx, &s->body, &s->user);
                if (got > 0) {
                    s->busy = 1;
                    s->attempts = 0;
                    s->retry_at = 0;
                    stats->requests++;
                    pulled = 1;
                } else if (got < 0) {
                    none_yet = 1;
                } else {
                    more = 0;
                }
            }
            if (s->busy && !s->in_flight && s->retry_at <= t)
                st = start(l.multi, s, err);
            active += s->busy;
        }
        /* one commit per turn of the loop: the answers of the last turn and the
         * requests about to go out */
        if (!st && p->commit && (pulled || finished))
            st = p->commit(ctx, err);
        finished = 0;
        if (st)
            goto out;
        if (!active && !more)
            break;
        /* wait for network activity, curl's timer, or the next retry */
        double next_due = -1;
        for (int i = 0; i < conc; i++)
            if (slots[i].busy && !slots[i].in_flight && (next_due < 0 || slots[i].retry_at < next_due))
                next_due = slots[i].retry_at;
        if (l.timer_at >= 0 && (next_due < 0 || l.timer_at < next_due))
            next_due = l.timer_at;
        long wait_ms = 100;
        if (next_due >= 0) {
            double d = (next_due - now()) * 1000;
            if (d < wait_ms)
                wait_ms = d < 0 ? 0 : (long)ceil(d);
        }
        int n = wait_ms > 0 ? epoll_wait(l.epfd, events, 64, (int)wait_ms) : 0;
        if (n < 0 && errno != EINTR) {
            st = vlit_err(err, VLIT_ERR_IO, "epoll_wait failed: %s", strerror(errno));
            goto out;
        }
        for (int i = 0; i < n; i++) {
            if (p->wake_fd >= 0 && events[i].data.fd == p->wake_fd) {
                char drain[64]; /* an eventfd's counter, or a pipe's bytes: read to clear it */
                ssize_t got = read(p->wake_fd, drain, sizeof drain);
                (void)got; /* nothing to read (another reader was first) is fine too */
                continue;
            }
            fd_state *f =
                events[i].data.fd >= 0 && (size_t)events[i].data.fd < l.n_fds ? &l.fds[events[i].data.fd] : NULL;
            if (f && !f->wanted) {
                epoll_set(&l, events[i].data.fd, f, 0); /* an idle connection that curl will find closed */
                continue;
            }
            int flags = (events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                        (events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                        (events[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(l.multi, events[i].data.fd, flags, &running);
        }
        /* curl's timer fires once (curl sets it again only when its next
         * deadline changes): cleared when it is due, or an expired timer
         * would turn every wait of the loop into a busy one */
        int due = l.timer_at >= 0 && l.timer_at <= now();
        if (due)
            l.timer_at = -1;
        if (due || n == 0)
            curl_multi_socket_action(l.multi, CURL_SOCKET_TIMEOUT, 0, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(l.multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            slot *s;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            CURLcode rc = m->data.result;
            long status = 0;
            curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
            curl_multi_remove_handle(l.multi, s->easy);
            s->in_flight = 0;
            char why[HTTP_ERROR_MAX];
            int retry;
            if (rc != CURLE_OK) {
                snprintf(why, sizeof why, "%s: %s", rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connection",
                         s->error[0] ? s->error : curl_easy_strerror(rc));
                retry = rc != CURLE_WRITE_ERROR; /* an oversized reply will not shrink */
            } else {
                snprintf(why, sizeof why, "HTTP %ld", status);
                retry = status == 429 || status >= 500;
            }
            int ok = rc == CURLE_OK && status >= 200 && status < 300;
            if (!ok && retry && s->attempts < max_attempts) {
                double cap = p->backoff_base_s * pow(2, s->attempts - 1);
                if (cap > p->backoff_max_s)
                    cap = p->backoff_max_s;
                double wait = cap * vlit_uniform01(&rnd); /* full jitter */
                if (s->retry_after > wait)
                    wait = s->retry_after < p->backoff_max_s ? s->retry_after : p->backoff_max_s;
                s->retry_at = now() + wait;
                stats->retries++;
                continue;
            }
            http_result r = {ok, status, s->reply.data ? s->reply.data : "", s->reply.len, s->attempts,
                             ok ? NULL : why};
            done(ctx, s->user, &r);
            finished = 1;
            if (ok)
                stats->succeeded++;
            else
                stats->failed++;
            s->busy = 0;
        }
    }
out:
    for (int i = 0; slots && i < conc; i++) {
        if (slots[i].easy) {
            if (slots[i].in_flight)
                curl_multi_remove_handle(l.multi, slots[i].easy);
            curl_easy_cleanup(slots[i].easy);
        }
        vlit_buf_free(&slots[i].reply);
    }
    free(slots);
    curl_slist_free_all(headers);
    if (l.multi)
        curl_multi_cleanup(l.multi);
    if (l.epfd >= 0)
        close(l.epfd);
    free(l.fds);
    curl_global_cleanup();
    return st;
}
