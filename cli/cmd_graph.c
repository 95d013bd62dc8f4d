/* vlit graph: look inside the graphs of the report. egosplit (the overlapping
 * clusters of a weighted edge list) and merge (sum edge-list partials). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vlit/graph.h"

static const char usage[] = "usage: vlit graph <subcommand> [options] ...\n"
                            "\n"
                            "Weighted graphs of named nodes, as instruction diversity builds them\n"
                            "(docs/graph.md).\n"
                            "\n"
                            "subcommands:\n"
                            "  egosplit   the Ego-Splitting clusters of an edge list, one per line\n"
                            "  merge      sum edge lists (shard partials) into one sorted partial\n"
                            "\n"
                            "'vlit graph <subcommand> --help' describes each one.\n";

static const char usage_egosplit[] = "usage: vlit graph egosplit EDGES... [options]\n"
                                     "\n"
                                     "Splits the graph of the edge lists (summed when several: shard partials)\n"
                                     "with exact Ego-Splitting: the personas of a node are the connected\n"
                                     "components of its neighbourhood without it; the clusters are the connected\n"
                                     "components of the graph of personas; a node is in every cluster of its\n"
                                     "personas. Prints one cluster per line, its nodes in byte order separated by\n"
                                     "spaces; clusters by size (largest first), then by their node lists.\n"
                                     "\n"
                                     "An edge list has one edge per line: u TAB v [TAB weight] (weight 1 when\n"
                                     "absent, a decimal number >= 0). Weights of repeated edges add up; an edge\n"
                                     "from a node to itself is ignored. '-' is standard input.\n"
                                     "\n"
                                     "options:\n"
                                     "  --min-cluster K     list clusters of at least K nodes (default 2: all)\n"
                                     "  --min-weight W      use only edges whose summed weight is >= W (default 0)\n"
                                     "  -o, --output FILE   write there (atomically) instead of standard output\n"
                                     "  --skip-bad          report bad lines and go on instead of failing\n"
                                     "  -q, --quiet         no summary\n"
                                     "  --json              log messages as JSON lines on stderr\n"
                                     "  -h, --help          this text\n";

static const char usage_merge[] = "usage: vlit graph merge EDGES... -o OUT [options]\n"
                                  "\n"
                                  "Sums edge lists (the partials of shards, or any edge lists) into one partial:\n"
                                  "u TAB v TAB weight, u before v in byte order, sorted, each edge once. Counts\n"
                                  "add up exactly, so the merged partial is the single-process graph.\n"
                                  "\n"
                                  "options:\n"
                                  "  -o, --output FILE   the partial to write, atomically ('-' = standard output)\n"
                                  "  --skip-bad          report bad lines and go on instead of failing\n"
                                  "  -q, --quiet         no summary\n"
                                  "  --json              log messages as JSON lines on stderr\n"
                                  "  -h, --help          this text\n";

enum { O_SKIPBAD = 256, O_JSON, O_MINCLUSTER, O_MINWEIGHT };

typedef struct graph_opts {
    cli_common c;
    const char *cmd, *output;
    int skip_bad;
    vlit_egosplit_params ep;
} graph_opts;

static int parse(int argc, char **argv, const char *use, graph_opts *o)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"min-cluster", required_argument, NULL, O_MINCLUSTER},
        {"min-weight", required_argument, NULL, O_MINWEIGHT},
        {"skip-bad", no_argument, NULL, O_SKIPBAD},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":qho:", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': o->output = optarg; break;
        case O_MINCLUSTER: {
            char *end;
            errno = 0;
            unsigned long long k = strtoull(optarg, &end, 10);
            if (end == optarg || *end || optarg[0] == '-' || errno)
                return cli_usage_error(o->cmd, use, "--min-cluster must be a whole number >= 0, not '%s'", optarg);
            o->ep.min_cluster = (size_t)k;
            break;
        }
        case O_MINWEIGHT: {
            char *end;
            double w = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(w) || w < 0)
                return cli_usage_error(o->cmd, use, "--min-weight must be a number >= 0, not '%s'", optarg);
            o->ep.min_weight = w;
            break;
        }
        case O_SKIPBAD: o->skip_bad = 1; break;
        case 'q': o->c.quiet = 1; break;
        case O_JSON: o->c.json_log = 1; break;
        case 'h': fputs(use, stdout); return EXIT_OK;
        case ':': return cli_usage_error(o->cmd, use, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(o->cmd, use, "unknown option %s", argv[optind - 1]);
        }
    }
    return -1;
}

static void on_skip(void *ctx, const char *message)
{
    graph_opts *o = ctx;
    cli_error(&o->c, o->cmd, message);
}

/* Reads every file into g; prints the error and returns the exit code, or -1. */
static int read_all(graph_opts *o, vlit_graph *g, char **paths, int n, size_t *skipped, size_t *self_loops)
{
    vlit_graph_read_params rp = vlit_graph_read_default_params();
    rp.skip_bad = o->skip_bad;
    rp.on_skip = on_skip;
    rp.ctx = o;
    for (int i = 0; i < n; i++) {
        vlit_graph_read_summary sum;
        vlit_error err = {0};
        vlit_status st = vlit_graph_read_edges(g, paths[i], rp, &sum, &err);
        if (st) {
            cli_error(&o->c, o->cmd, err.message);
            return cli_exit(st);
        }
        *skipped += sum.skipped;
        *self_loops += sum.self_loops;
    }
    return -1;
}

static int graph_egosplit(int argc, char **argv)
{
    graph_opts o;
    memset(&o, 0, sizeof o);
    cli_common_init(&o.c);
    o.cmd = "graph egosplit";
    o.ep = vlit_egosplit_default_params();
    int rc = parse(argc, argv, usage_egosplit, &o);
    if (rc >= 0)
        return rc;
    if (optind >= argc)
        return cli_usage_error(o.cmd, usage_egosplit, "no edge list given");
    double t0 = cli_now();
    vlit_graph *g = NULL;
    vlit_graph_clusters *cl = NULL;
    vlit_output *out = NULL;
    vlit_error err = {0};
    size_t skipped = 0, self_loops = 0;
    vlit_status st = vlit_graph_new(&g, &err);
    if (st)
        goto fail;
    if ((rc = read_all(&o, g, argv + optind, argc - optind, &skipped, &self_loops)) >= 0)
        goto done;
    if ((st = vlit_graph_egosplit(g, o.ep, &cl, &err)) != VLIT_OK)
        goto fail;
    if ((st = vlit_output_open(o.output ? o.output : "-", &out, &err)) != VLIT_OK)
        goto fail;
    FILE *fp = vlit_output_file(out);
    for (size_t i = 0; i < vlit_graph_clusters_count(cl); i++) {
        size_t n;
        const char *const *mem = vlit_graph_clusters_members(cl, i, &n);
        for (size_t j = 0; j < n; j++) {
            if (j)
                fputc(' ', fp);
            fputs(mem[j], fp);
        }
        fputc('\n', fp);
    }
    st = vlit_output_commit(out, &err);
    out = NULL;
    if (st)
        goto fail;
    vlit_egosplit_stats s;
    vlit_graph_clusters_get_stats(cl, &s);
    cli_info(&o.c, o.cmd,
             "%zu nodes, %zu edges (%zu below weight %g left out), %llu triangles, %zu personas (at most %zu per "
             "node), %zu clusters of at least %zu nodes (%zu in all) in %.2f s",
             s.nodes, s.edges, s.edges_dropped, o.ep.min_weight, (unsigned long long)s.triangles, s.personas,
             s.max_personas, s.clusters, o.ep.min_cluster, s.clusters_all, cli_now() - t0);
    if (self_loops)
        cli_info(&o.c, o.cmd, "%zu self-loops ignored", self_loops);
    if (skipped)
        cli_info(&o.c, o.cmd, "%zu bad lines skipped", skipped);
    rc = EXIT_OK;
    goto done;
fail:
    cli_error(&o.c, o.cmd, err.message);
    rc = cli_exit(st);
done:
    vlit_output_abort(out);
    vlit_graph_clusters_free(cl);
    vlit_graph_free(g);
    return rc;
}

static int graph_merge(int argc, char **argv)
{
    graph_opts o;
    memset(&o, 0, sizeof o);
    cli_common_init(&o.c);
    o.cmd = "graph merge";
    int rc = parse(argc, argv, usage_merge, &o);
    if (rc >= 0)
        return rc;
    if (optind >= argc)
        return cli_usage_error(o.cmd, usage_merge, "no edge list given");
    if (!o.output)
        return cli_usage_error(o.cmd, usage_merge, "no output: give -o OUT");
    double t0 = cli_now();
    vlit_graph *g = NULL;
    vlit_error err = {0};
    size_t skipped = 0, self_loops = 0;
    vlit_status st = vlit_graph_new(&g, &err);
    if (st)
        goto fail;
    if ((rc = read_all(&o, g, argv + optind, argc - optind, &skipped, &self_loops)) >= 0)
        goto done;
    if ((st = vlit_graph_write_partial(g, o.output, &err)) != VLIT_OK)
        goto fail;
    vlit_graph_info info;
    vlit_graph_get_info(g, &info);
    cli_info(&o.c, o.cmd, "%d edge lists merged: %zu nodes, %zu edges in %.2f s", argc - optind, info.nodes, info.edges,
             cli_now() - t0);
    if (self_loops)
        cli_info(&o.c, o.cmd, "%zu self-loops ignored", self_loops);
    if (skipped)
        cli_info(&o.c, o.cmd, "%zu bad lines skipped", skipped);
    rc = EXIT_OK;
    goto done;
fail:
    cli_error(&o.c, o.cmd, err.message);
    rc = cli_exit(st);
done:
    vlit_graph_free(g);
    return rc;
}

int cmd_graph(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } subs[] = {{"egosplit", graph_egosplit}, {"merge", graph_merge}};
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    return cli_usage_error("graph", usage, "unknown subcommand '%s'", argv[1]);
}
