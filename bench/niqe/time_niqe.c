/* Milliseconds per image of vlit_niqe_score_file (decoding included) and of
 * vlit_visual_complexity_file, through the public API, by wall clock and by
 * the process's CPU time (which other jobs on a shared VM disturb less).
 * Each image is timed REPEAT times; per image the median run is kept, and
 * the report gives the median and the largest over the images (and, for
 * the wall clock, the median of the per-image best runs: the undisturbed
 * cost). usage: time_niqe MODEL REPEAT IMAGE... */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vlit/vlit.h"

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}
static double cpu_ms(void)
{
    return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median of v[0..n-1] (sorted in place) */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* what is kept for one measure: per image the median run (wall, CPU) and the best wall run */
typedef struct series {
    double *run_wall, *run_cpu, *med_wall, *med_cpu, *best_wall;
} series;

static int series_new(series *s, int repeat, int n)
{
    s->run_wall = malloc(sizeof(double) * (size_t)repeat);
    s->run_cpu = malloc(sizeof(double) * (size_t)repeat);
    s->med_wall = malloc(sizeof(double) * (size_t)n);
    s->med_cpu = malloc(sizeof(double) * (size_t)n);
    s->best_wall = malloc(sizeof(double) * (size_t)n);
    return s->run_wall && s->run_cpu && s->med_wall && s->med_cpu && s->best_wall ? 0 : -1;
}

static void series_image(series *s, int i, int repeat)
{
    s->med_wall[i] = median(s->run_wall, repeat);
    s->best_wall[i] = s->run_wall[0]; /* sorted by median() */
    s->med_cpu[i] = median(s->run_cpu, repeat);
}

static double largest(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

static void series_print(series *s, const char *name, int n)
{
    double mw = largest(s->med_wall, n), mc = largest(s->med_cpu, n);
    printf("  %-11s wall ms: median %.2f  max %.2f   CPU ms: median %.2f  max %.2f   (best wall runs: median %.2f)\n",
           name, median(s->med_wall, n), mw, median(s->med_cpu, n), mc, median(s->best_wall, n));
}

static void series_free(series *s)
{
    free(s->run_wall);
    free(s->run_cpu);
    free(s->med_wall);
    free(s->med_cpu);
    free(s->best_wall);
}

int main(int argc, char **argv)
{
    if (argc < 4 || atoi(argv[2]) < 1) {
        fprintf(stderr, "usage: time_niqe MODEL REPEAT IMAGE...\n");
        return 2;
    }
    vlit_error err = {0};
    vlit_niqe_model *m;
    vlit_iqa_workspace *ws;
    if (vlit_niqe_model_load(argv[1], &m, &err) || vlit_iqa_workspace_new(&ws, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    int repeat = atoi(argv[2]), n = argc - 3;
    series niqe, vc;
    if (series_new(&niqe, repeat, n) || series_new(&vc, repeat, n)) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        for (int r = 0; r < repeat; r++) {
            double q, t0 = now_ms(), c0 = cpu_ms();
            if (vlit_niqe_score_file(m, ws, argv[3 + i], &q, &err)) {
                fprintf(stderr, "%s\n", err.message);
                return 1;
            }
            double t1 = now_ms(), c1 = cpu_ms();
            vlit_visual_complexity v;
            if (vlit_visual_complexity_file(argv[3 + i], &v, &err)) {
                fprintf(stderr, "%s\n", err.message);
                return 1;
            }
            double t2 = now_ms(), c2 = cpu_ms();
            niqe.run_wall[r] = t1 - t0, niqe.run_cpu[r] = c1 - c0;
            vc.run_wall[r] = t2 - t1, vc.run_cpu[r] = c2 - c1;
        }
        series_image(&niqe, i, repeat);
        series_image(&vc, i, repeat);
    }
    printf("images %d, %d runs each; per image the median run, then over the images:\n", n, repeat);
    series_print(&niqe, "niqe", n);
    series_print(&vc, "complexity", n);
    series_free(&niqe);
    series_free(&vc);
    vlit_iqa_workspace_free(ws);
    vlit_niqe_model_free(m);
    return 0;
}
