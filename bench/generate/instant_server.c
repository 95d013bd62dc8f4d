/* An OpenAI-compatible chat endpoint that answers at once, for measuring
 * clients: one thread, epoll, HTTP/1.1 keep-alive, a fixed conversation as
 * every completion (n of them when the request asks for n). It costs the
 * server a few microseconds per request (one read and one write system call:
 * no second read to find nothing, no epoll change unless a reply has to
 * wait), so a benchmark against it measures the client, where tests/server/llm_server.py (Python) would be the
 * bottleneck on a small machine. Not a test server: no faults, no scripts.
 *
 *   cc -O2 -o instant_server instant_server.c
 *   ./instant_server PORT_FILE      # listens on 127.0.0.1, an ephemeral port
 *
 * It exits on SIGTERM or SIGINT and prints the requests it answered. */
#define _GNU_SOURCE /* memmem, accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REQUEST (1 << 22)

typedef struct conn {
    int fd;
    char *in;
    size_t len, cap;
    char *out;
    size_t out_len, out_cap, out_pos;
    int watching_out; /* epoll has EPOLLOUT for it */
} conn;

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static const char content[] =
    "User: What is the animal on the sofa doing?\\nAI: The cat is curled up asleep on the sofa cushion.\\n"
    "User: What colour is the sofa?\\nAI: The sofa is dark green.";

static int append(conn *c, const char *s, size_t n)
{
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 8192;
        while (cap < c->out_len + n)
            cap *= 2;
        char *o = realloc(c->out, cap);
        if (!o)
            return -1;
        c->out = o;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
    return 0;
}

/* "n": of the body, 1 if absent */
static int completions_wanted(const char *body, size_t len)
{
    for (size_t i = 0; i + 4 < len; i++) {
        if (body[i] == '"' && body[i + 1] == 'n' && body[i + 2] == '"') {
            size_t k = i + 3;
            while (k < len && (body[k] == ' ' || body[k] == ':'))
                k++;
            int n = 0;
            while (k < len && body[k] >= '0' && body[k] <= '9' && n < 1000)
                n = n * 10 + (body[k++] - '0');
            return n > 0 ? n : 1;
        }
    }
    return 1;
}

static int respond(conn *c, int status, const char *body, size_t body_len)
{
    char head[256];
    int n =
        snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                 status, status == 200 ? "OK" : "Bad Request", body_len);
    return append(c, head, (size_t)n) || append(c, body, body_len);
}

static unsigned long answered;

/* Answers every complete request in c->in; -1 closes the connection. */
static int serve(conn *c)
{
    size_t pos = 0;
    char body[16384];
    for (;;) {
        char *start = c->in + pos;
        size_t avail = c->len - pos;
        char *end = avail >= 4 ? memmem(start, avail, "\r\n\r\n", 4) : NULL;
        if (!end)
            break;
        size_t head_len = (size_t)(end - start) + 4, clen = 0;
        for (char *p = start; p < end; p++)
            if ((*p == '\n') && strncasecmp(p + 1, "content-length:", 15) == 0)
                clen = strtoul(p + 16, NULL, 10);
        if (clen > MAX_REQUEST)
            return -1;
        if (avail < head_len + clen)
            break;
        if (strncmp(start, "POST /v1/chat/completions ", 26) != 0) {
            static const char bad[] = "{\"error\":{\"message\":\"only POST /v1/chat/completions\"}}";
            if (respond(c, 400, bad, sizeof bad - 1))
                return -1;
        } else {
            int n = completions_wanted(start + head_len, clen);
            size_t len =
                (size_t)snprintf(body, sizeof body,
                                 "{\"id\":\"chatcmpl-%lu\",\"object\":\"chat.completion\",\"model\":\"instant\","
                                 "\"choices\":[",
                                 answered);
            for (int i = 0; i < n && len < sizeof body - 512; i++)
                len += (size_t)snprintf(body + len, sizeof body - len,
                                        "%s{\"index\":%d,\"message\":{\"role\":\"assistant\",\"content\":\"%s\"},"
                                        "\"finish_reason\":\"stop\"}",
                                        i ? "," : "", i, content);
            len +=
                (size_t)snprintf(body + len, sizeof body - len,
                                 "],\"usage\":{\"prompt_tokens\":%zu,\"completion_tokens\":%d,\"total_tokens\":%zu}}",
                                 clen / 4, 40 * n, clen / 4 + (size_t)(40 * n));
            if (respond(c, 200, body, len))
                return -1;
            answered++;
        }
        pos += head_len + clen;
    }
    memmove(c->in, c->in + pos, c->len - pos);
    c->len -= pos;
    return 0;
}

static void drop(int ep, conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    free(c->out);
    free(c);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: instant_server PORT_FILE\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    if (bind(ls, (struct sockaddr *)&addr, sizeof addr) || listen(ls, 1024) ||
        getsockname(ls, (struct sockaddr *)&addr, &alen)) {
        perror("instant_server");
        return 1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    FILE *pf = fopen(tmp, "w");
    if (!pf || fprintf(pf, "%d\n", ntohs(addr.sin_port)) < 0 || fclose(pf) || rename(tmp, argv[1])) {
        perror(argv[1]);
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    struct epoll_event events[256];
    while (!stop) {
        int n = epoll_wait(ep, events, 256, 200);
        for (int i = 0; i < n; i++) {
            conn *c = events[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn *nc = calloc(1, sizeof *nc);
                    if (!nc) {
                        close(fd);
                        continue;
                    }
                    nc->fd = fd;
                    struct epoll_event e = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
                }
                continue;
            }
            int dead = 0;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                /* one read per event: epoll is level-triggered, so what is
                 * left is reported again (a second read would mostly find
                 * nothing, a system call per request for no data) */
                if (c->cap - c->len < 65536) {
                    size_t cap = c->cap ? c->cap * 2 : 131072;
                    char *in = cap <= 2 * MAX_REQUEST ? realloc(c->in, cap) : NULL;
                    if (!in)
                        dead = 1;
                    else {
                        c->in = in;
                        c->cap = cap;
                    }
                }
                if (!dead) {
                    ssize_t r = read(c->fd, c->in + c->len, c->cap - c->len);
                    if (r > 0)
                        c->len += (size_t)r;
                    else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                        dead = 1;
                }
                if (!dead && serve(c))
                    dead = 1;
            }
            while (!dead && c->out_pos < c->out_len) {
                ssize_t w = write(c->fd, c->out + c->out_pos, c->out_len - c->out_pos);
                if (w > 0)
                    c->out_pos += (size_t)w;
                else if (w < 0 && errno == EAGAIN)
                    break;
                else
                    dead = 1;
            }
            if (!dead) {
                if (c->out_pos == c->out_len)
                    c->out_pos = c->out_len = 0;
                /* change what epoll watches only when it changes */
                int want_out = c->out_len != 0;
                if (want_out != c->watching_out) {
                    struct epoll_event e = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0u), .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
                    c->watching_out = want_out;
                }
            }
            if (dead)
                drop(ep, c);
        }
    }
    fprintf(stderr, "instant_server: %lu requests answered\n", answered);
    return 0;
}
