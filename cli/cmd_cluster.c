/* vlit cluster: clustering of embedding vectors (DBSCAN on cosine distance). */
#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vlit/cluster.h"

static const char usage[] =
    "usage: vlit cluster dbscan --eps E --min-samples M VECTORS... [-o OUT]\n"
    "\n"
    "Exact DBSCAN on cosine distance: the same core points and clusters as\n"
    "scikit-learn's DBSCAN(metric=\"cosine\", algorithm=\"brute\"). Prints one label\n"
    "per input row: clusters are numbered 0, 1, ... in the order of their first\n"
    "core point, -1 is noise. A border point joins the cluster of its core\n"
    "neighbours that comes first (as scikit-learn does). An all-zero row has no\n"
    "direction: its distance to every row is 1. docs/cluster.md has the details.\n"
    "\n"
    "VECTORS: float32 .npy files (2-D, C order, '<f4') or text files with one row\n"
    "per line, numbers separated by tabs or spaces. Several files are read one\n"
    "after the other as one set of rows (per-shard vectors, in sample order).\n"
    "\n"
    "options:\n"
    "  --eps E            neighbours when the cosine distance 1 - cos is at most E (E > 0)\n"
    "  --min-samples M    neighbours, the point itself included, that make a core point (M >= 1)\n"
    "  -o, --output F     labels, written atomically ('-' = standard output, the default)\n"
    "  --core             a second column, tab-separated: 1 for core points, 0 for the others\n"
    "  --summary          clusters, core points, noise share and cluster sizes on stderr\n"
    "  --format F         auto (by the file's first bytes, the default), npy or tsv\n"
    "  --threads N        threads scanning the similarity blocks (default 1; OpenBLAS\n"
    "                     multiplies on all cores: OPENBLAS_NUM_THREADS)\n"
    "  --no-pruning       multiply every pair (no pivot bounds); same result, slower\n"
    "  -q, --quiet        no progress bar\n"
    "  --json             log messages as JSON lines on stderr\n"
    "  -h, --help         this text\n";

static void on_progress(void *ctx, double fraction)
{
    cli_progress((const cli_common *)ctx, "dbscan", fraction);
}

static void print_summary(cli_common *c, const vlit_matrix *m, const vlit_dbscan_params *p, const vlit_dbscan_result *r,
                          double seconds)
{
    cli_common s = *c;
    s.quiet = 0; /* asked for */
    cli_info(&s, "cluster", "%zu rows of %zu values, eps %g, min-samples %zu", m->rows, m->cols, p->eps,
             p->min_samples);
    cli_info(&s, "cluster", "%zu clusters, %zu core points, %zu border points, %zu noise (%.1f%%)", r->clusters,
             r->core_points, r->border_points, r->noise_points,
             r->n ? 100.0 * (double)r->noise_points / (double)r->n : 0.0);
    if (r->clusters) {
        size_t *sz = malloc(r->clusters * sizeof *sz);
        if (sz) {
            memcpy(sz, r->sizes, r->clusters * sizeof *sz);
            /* largest first; insertion sort on the shown prefix is enough, but
             * clusters can be many: a simple heap-free selection of 30 */
            size_t show = r->clusters < 30 ? r->clusters : 30;
            for (size_t i = 0; i < show; i++) {
                size_t best = i;
                for (size_t j = i + 1; j < r->clusters; j++)
                    if (sz[j] > sz[best])
                        best = j;
                size_t t = sz[i];
                sz[i] = sz[best];
                sz[best] = t;
            }
            char line[1024];
            size_t len = 0;
            for (size_t i = 0; i < show && len < sizeof line - 32; i++)
                len += (size_t)snprintf(line + len, sizeof line - len, "%s%zu", i ? " " : "", sz[i]);
            if (show < r->clusters)
                snprintf(line + len, sizeof line - len, " ... and %zu more", r->clusters - show);
            cli_info(&s, "cluster", "cluster sizes, largest first: %s", line);
            free(sz);
        }
    }
    double all = (double)r->n * ((double)r->n - 1.0) / 2.0;
    cli_info(&s, "cluster", "%.2f s (%zu pass%s, %llu pairs multiplied, %llu decided in float64)", seconds, r->passes,
             r->passes == 1 ? "" : "es", (unsigned long long)r->pairs, (unsigned long long)r->rechecked);
    cli_info(&s, "cluster", "multiplied %.1f%% of the %.0f pairs (%zu pivots%s); OpenBLAS kernels: %s",
             all > 0 ? 100.0 * (double)r->pairs / all : 0.0, all, r->pivots, r->pivots ? "" : ": no pruning",
             openblas_get_corename());
}

static int dbscan_main(int argc, char **argv)
{
    enum { O_EPS = 256, O_MIN, O_CORE, O_SUMMARY, O_FORMAT, O_THREADS, O_JSON, O_NO_PRUNING };
    static const struct option opts[] = {
        {"eps", required_argument, NULL, O_EPS},
        {"min-samples", required_argument, NULL, O_MIN},
        {"output", required_argument, NULL, 'o'},
        {"core", no_argument, NULL, O_CORE},
        {"summary", no_argument, NULL, O_SUMMARY},
        {"format", required_argument, NULL, O_FORMAT},
        {"threads", required_argument, NULL, O_THREADS},
        {"no-pruning", no_argument, NULL, O_NO_PRUNING},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common c;
    cli_common_init(&c);
    vlit_dbscan_params p = vlit_dbscan_default_params();
    const char *out = "-";
    int have_eps = 0, have_min = 0, with_core = 0, summary = 0;
    vlit_matrix_format format = VLIT_MATRIX_AUTO;
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case O_EPS:
            errno = 0;
            p.eps = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(p.eps > 0) || isinf(p.eps))
                return cli_usage_error("cluster", usage, "--eps: '%s' is not a positive number", optarg);
            have_eps = 1;
            break;
        case O_MIN: {
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-' || v < 1)
                return cli_usage_error("cluster", usage, "--min-samples: '%s' is not a positive integer", optarg);
            p.min_samples = v > (unsigned long long)SIZE_MAX ? SIZE_MAX : (size_t)v;
            have_min = 1;
            break;
        }
        case O_NO_PRUNING: p.no_pruning = 1; break;
        case O_THREADS: {
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 64)
                return cli_usage_error("cluster", usage, "--threads: '%s' is not a number from 1 to 64", optarg);
            p.threads = (int)v;
            break;
        }
        case O_FORMAT:
            if (strcmp(optarg, "auto") == 0)
                format = VLIT_MATRIX_AUTO;
            else if (strcmp(optarg, "npy") == 0)
                format = VLIT_MATRIX_NPY;
            else if (strcmp(optarg, "tsv") == 0)
                format = VLIT_MATRIX_TSV;
            else
                return cli_usage_error("cluster", usage, "--format: '%s' is not auto, npy or tsv", optarg);
            break;
        case O_CORE: with_core = 1; break;
        case O_SUMMARY: summary = 1; break;
        case 'o': out = optarg; break;
        case 'q':
            c.quiet = 1;
            c.progress = 0;
            break;
        case O_JSON:
            c.json_log = 1;
            c.progress = 0;
            break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("cluster", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("cluster", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    if (!have_eps)
        return cli_usage_error("cluster", usage, "give --eps");
    if (!have_min)
        return cli_usage_error("cluster", usage, "give --min-samples");
    if (optind >= argc)
        return cli_usage_error("cluster", usage, "no VECTORS file given");

    vlit_error err = {0};
    vlit_matrix m = {0};
    vlit_dbscan_result r = {0};
    vlit_output *o = NULL;
    vlit_status st;
    for (int i = optind; i < argc; i++)
        if ((st = vlit_matrix_append_file(&m, argv[i], format, &err)))
            goto fail;
    if (c.progress) {
        p.progress = on_progress;
        p.ctx = &c;
    }
    double t0 = cli_now();
    if ((st = vlit_dbscan(m.data, m.rows, m.cols, &p, &r, &err)))
        goto fail;
    double seconds = cli_now() - t0;
    if ((st = vlit_output_open(out, &o, &err)))
        goto fail;
    FILE *fp = vlit_output_file(o);
    for (size_t i = 0; i < r.n; i++) {
        if (with_core)
            fprintf(fp, "%d\t%d\n", (int)r.labels[i], (int)r.core[i]);
        else
            fprintf(fp, "%d\n", (int)r.labels[i]);
    }
    if ((st = vlit_output_commit(o, &err))) {
        o = NULL;
        goto fail;
    }
    if (summary)
        print_summary(&c, &m, &p, &r, seconds);
    vlit_dbscan_result_free(&r);
    vlit_matrix_free(&m);
    return EXIT_OK;
fail:
    cli_error(&c, "cluster", err.message);
    vlit_output_abort(o);
    vlit_dbscan_result_free(&r);
    vlit_matrix_free(&m);
    return cli_exit(st);
}

int cmd_cluster(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc < 2)
            return cli_usage_error("cluster", usage, "say which method: dbscan");
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "dbscan") != 0)
        return cli_usage_error("cluster", usage, "unknown method '%s' (known: dbscan)", argv[1]);
    return dbscan_main(argc - 1, argv + 1);
}
