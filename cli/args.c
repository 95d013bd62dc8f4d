/* Helpers shared by the commands: messages, progress, exit codes, shards. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void json_line(const char *level, const char *cmd, const char *msg)
{
    fprintf(stderr, "{\"level\":\"%s\",\"command\":\"%s\",\"message\":\"", level, cmd);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(stderr, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(stderr, "\\u%04x", *p);
        else
            fputc(*p, stderr);
    }
    fputs("\"}\n", stderr);
}

void cli_error(const cli_common *c, const char *cmd, const char *msg)
{
    if (c && c->json_log)
        json_line("error", cmd, msg);
    else
        fprintf(stderr, "vlit %s: %s\n", cmd, msg);
}

void cli_info(const cli_common *c, const char *cmd, const char *fmt, ...)
{
    if (c && c->quiet)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c && c->json_log)
        json_line("info", cmd, msg);
    else
        fprintf(stderr, "vlit %s: %s\n", cmd, msg);
}

int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "vlit %s: %s\n\n%s", cmd, msg, usage);
    return EXIT_USAGE;
}

static void draw_bar(const char *phase, double fraction)
{
    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    int width = 30, done = (int)(fraction * width + 0.5);
    fprintf(stderr, "\r%-16.16s [", phase);
    for (int i = 0; i < width; i++)
        fputc(i < done ? '#' : ' ', stderr);
    fprintf(stderr, "] %3.0f%%", fraction * 100);
}

void cli_progress(const cli_common *c, const char *phase, double fraction)
{
    if (!c->progress)
        return;
    draw_bar(phase, fraction);
    if (fraction >= 1)
        fputc('\n', stderr);
    fflush(stderr);
}

void cli_progress_text(const cli_common *c, const char *phase, double fraction, const char *text)
{
    if (!c->progress)
        return;
    draw_bar(phase, fraction);
    fprintf(stderr, " %s\033[K", text); /* clear what a longer line left */
    fflush(stderr);
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

size_t cli_count_lines(const char *path)
{
    struct stat sb;
    if (!path || strcmp(path, "-") == 0 || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0; /* reading a pipe here would consume it */
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    static char chunk[1 << 16];
    size_t n, lines = 0;
    char last = '\n';
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        for (const char *q = chunk, *end = chunk + n; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
            lines++;
        last = chunk[n - 1];
    }
    fclose(fp);
    return lines + (last != '\n');
}

int cli_exit(int status)
{
    switch (status) {
    case VLIT_OK: return EXIT_OK;
    case VLIT_ERR_USAGE: return EXIT_USAGE;
    default: return EXIT_FAIL;
    }
}

int cli_parse_shard(const char *s, unsigned *index, unsigned *count)
{
    char *end;
    unsigned long i = strtoul(s, &end, 10);
    if (end == s || *end != '/')
        return -1;
    const char *rest = end + 1;
    unsigned long n = strtoul(rest, &end, 10);
    if (end == rest || *end || n == 0 || n > 1000000 || i >= n)
        return -1;
    *index = (unsigned)i;
    *count = (unsigned)n;
    return 0;
}

void cli_default_shard(unsigned *index, unsigned *count)
{
    const char *id = getenv("SLURM_ARRAY_TASK_ID"), *n = getenv("SLURM_ARRAY_TASK_COUNT");
    if (!id || !n)
        return;
    char buf[64];
    snprintf(buf, sizeof buf, "%s/%s", id, n);
    unsigned i, k;
    if (cli_parse_shard(buf, &i, &k) == 0) {
        *index = i;
        *count = k;
    }
}

const char *cli_data_path(const char *name, char *buf, size_t cap)
{
    const char *dir = getenv("VLIT_DATA_DIR");
    if (!dir || !*dir)
        dir = VLIT_DATA_DIR;
    snprintf(buf, cap, "%s/%s", dir, name);
    return buf;
}

void cli_common_init(cli_common *c)
{
    memset(c, 0, sizeof *c);
    c->progress = isatty(2);
}

vlit_format cli_guess_format(const char *path)
{
    size_t n = strlen(path);
    return n > 6 && strcmp(path + n - 6, ".jsonl") == 0 ? VLIT_FMT_JSONL : VLIT_FMT_LLAVA;
}

int cli_parse_name_set(const char *list, const char *(*name_of)(int), int count, unsigned *out)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    *out = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int found = 0;
        for (int i = 0; i < count; i++)
            if (strcmp(tok, name_of(i)) == 0) {
                *out |= 1u << i;
                found = 1;
            }
        if (!found)
            return -1;
    }
    return *out ? 0 : -1;
}
