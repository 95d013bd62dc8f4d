/* Element counts of instructions, and the analyser's speed on one core.
 *
 *   cc -O2 -std=c11 -I include ic_bench.c build/libvlit.a -lyajl -lm -o ic_bench
 *   ic_bench [--explain] [--repeat N] LEXICON FILE.jsonl > counts.tsv
 *
 * FILE.jsonl: one JSON object per line with "instruction" (a string) and,
 * optionally, "type" (the subset). Prints one line per instruction:
 *   type TAB total TAB predicates arguments modifiers relations focus constraints TAB instruction
 * and on standard error the time per instruction, over N passes (the CPU
 * time of this single-threaded process, and the wall clock), and the time
 * WordNet and the lexicon take to load (CPU and wall). --explain prints each analysis. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/base/json.h"
#include "../../src/base/lines.h"
#include "../../src/score/instruction_elements.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *m)
{
    fprintf(stderr, "ic_bench: %s\n", m);
    exit(1);
}

int main(int argc, char **argv)
{
    int explain = 0;
    long repeat = 1;
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (!strcmp(argv[a], "--explain"))
            explain = 1;
        else if (!strcmp(argv[a], "--repeat") && a + 1 < argc)
            repeat = atol(argv[++a]);
        else
            die("usage: ic_bench [--explain] [--repeat N] LEXICON FILE.jsonl");
    }
    if (argc - a != 2 || repeat < 1)
        die("usage: ic_bench [--explain] [--repeat N] LEXICON FILE.jsonl");
    vlit_error err = {0};
    double t0 = clock_s(CLOCK_MONOTONIC), u0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    ielem *an;
    if (ielem_open(NULL, argv[a], &an, &err))
        die(err.message);
    double load = clock_s(CLOCK_MONOTONIC) - t0, load_cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - u0;

    /* the instructions */
    FILE *fp = fopen(argv[a + 1], "rb");
    if (!fp)
        die("cannot open the instructions");
    vlit_lines l;
    if (vlit_lines_init(&l, fp, argv[a + 1], 0, &err))
        die(err.message);
    char **text = NULL, **type = NULL;
    size_t n = 0, cap = 0;
    vlit_arena ar;
    vlit_arena_init(&ar, 0);
    vlit_status st;
    while ((st = vlit_lines_next(&l, &err)) == VLIT_OK) {
        if (!l.line.len)
            continue;
        vj *v;
        if (vj_parse(l.line.data, l.line.len, NULL, &ar, &v, &err))
            die(err.message);
        const vj *ins = vj_get(v, "instruction"), *ty = vj_get(v, "type");
        if (!ins || !vj_is_text(ins))
            die("a line without \"instruction\"");
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            char **t1 = realloc(text, cap * sizeof *t1), **t2 = realloc(type, cap * sizeof *t2);
            if (!t1 || !t2)
                die("out of memory");
            text = t1;
            type = t2;
        }
        text[n] = strdup(ins->str);
        type[n] = strdup(ty && vj_is_text(ty) ? ty->str : "-");
        n++;
    }
    if (st != VLIT_END)
        die(err.message);
    vlit_lines_free(&l);
    fclose(fp);

    ielem_scratch *s = ielem_scratch_new();
    vlit_buf ex = VLIT_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        ielem_counts c;
        vlit_buf_clear(&ex);
        if (ielem_count(an, s, text[i], strlen(text[i]), &c, explain ? &ex : NULL))
            die("out of memory");
        printf("%s\t%u\t%u %u %u %u %u %u\t", type[i], c.total, c.predicates, c.arguments, c.modifiers, c.relations,
               c.focus, c.constraints);
        for (const char *p = text[i]; *p; p++)
            putchar(*p == '\n' || *p == '\t' ? ' ' : *p);
        putchar('\n');
        if (explain)
            printf("%s", ex.data ? ex.data : "");
    }
    /* speed: every instruction, repeat times */
    double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
    unsigned long sink = 0, words = 0;
    for (long r = 0; r < repeat; r++)
        for (size_t i = 0; i < n; i++) {
            ielem_counts c;
            ielem_count(an, s, text[i], strlen(text[i]), &c, NULL);
            sink += c.total;
            words += c.words;
        }
    double cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0, wall = clock_s(CLOCK_MONOTONIC) - w0;
    double count = (double)n * (double)repeat;
    fprintf(stderr,
            "ic_bench: %zu instructions x %ld: %.0f instructions/s (CPU), %.0f/s (wall), %.2f us each, "
            "%.1f words each; WordNet + lexicon loaded in %.0f ms CPU, %.0f ms wall (check %lu)\n",
            n, repeat, count / cpu, count / wall, 1e6 * cpu / count, (double)words / count, 1e3 * load_cpu, 1e3 * load,
            sink);
    vlit_buf_free(&ex);
    ielem_scratch_free(s);
    ielem_close(an);
    for (size_t i = 0; i < n; i++) {
        free(text[i]);
        free(type[i]);
    }
    free(text);
    free(type);
    vlit_arena_free(&ar);
    return 0;
}
