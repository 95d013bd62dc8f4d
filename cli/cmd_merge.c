/* vlit merge: the outputs of shards put back together. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: vlit merge clues|samples|scores|select|tags PART... -o OUT\n"
    "       vlit merge report PART_DIR... -o OUT [--format table|json|html]\n"
    "       vlit merge stores PART.db... -o ALL.db\n"
    "\n"
    "Puts the outputs of the shards of one run back together, exactly as a single\n"
    "process would have written them.\n"
    "\n"
    "Every PART of clues, samples, scores, select and tags needs its completion\n"
    "record (PART.shard.json, written when the shard finished; report partials when\n"
    "they have one): a missing or duplicated shard, shards of other counts or\n"
    "settings, and a part changed since its shard finished are refused, naming the\n"
    "shard. docs/scale.md has the details.\n"
    "\n"
    "kinds:\n"
    "  clues    outputs of vlit collect --shard i/N: records in the single run's order\n"
    "  samples  outputs of vlit generate --mode aa --shard i/N: samples in record order\n"
    "  select   outputs of vlit select --shard i/N: the kept samples in input order\n"
    "           (or the shards' --reasons files: the dropped samples in input order)\n"
    "  tags     outputs of vlit tag --shard i/N (rules): one line per sample in input order\n"
    "  scores   outputs of vlit score --shard i/N (any order of PART); lines are\n"
    "           merged by sample index; a sample in two parts is an error\n"
    "  report   partials of vlit report --partial --shard i/N (folders, any order, each\n"
    "           shard exactly once): the report one process would have written\n"
    "  stores   run stores (SQLite) of shards: requests, answers, heads and embeddings\n"
    "           copied into one new store; different rows under one key are refused\n"
    "\n"
    "options:\n"
    "  -o, --output F     merged file, written atomically ('-' = standard output)\n"
    "  --format F         report: table (default), json or html\n"
    "  --threads N        report: threads of the DBSCAN scans and image decoding (default 2)\n"
    "  -q, --quiet        no summary\n"
    "  --json             log messages as JSON lines on stderr\n"
    "  -h, --help         this text\n";

/* Everything but report: the same checks of the set (vlit_shard_check_set,
 * inside vlit_shard_merge for the kinds merged by position), then the kind's
 * merge. */
static vlit_status merge_sharded(const cli_common *c, const char *kind, const char *const *parts, size_t n,
                                 const char *out, vlit_error *err)
{
    if (strcmp(kind, "stores") == 0) {
        vlit_store_merge_summary sum;
        vlit_status st = vlit_store_merge(parts, n, out, &sum, err);
        if (!st)
            cli_info(c, "merge", "%zu requests (%zu answers), %zu heads, %zu embeddings; %zu rows in two parts kept once",
                     sum.requests, sum.answers, sum.heads, sum.embeddings, sum.duplicates);
        return st;
    }
    if (strcmp(kind, "scores") != 0)
        return vlit_shard_merge(kind, parts, n, out, err);
    /* scores: the checks here, then their own merge */
    vlit_shard_record *rec = calloc(n, sizeof *rec);
    size_t *order = calloc(n, sizeof *order);
    vlit_status st = VLIT_OK;
    if (!rec || !order) {
        st = VLIT_ERR_NOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
    } else if (!(st = vlit_shard_check_set("score", parts, n, rec, order, err))) {
        for (size_t k = 0; k < n; k++)
            vlit_shard_record_free(&rec[k]);
    }
    free(rec);
    free(order);
    return st ? st : vlit_score_merge(parts, n, out, err);
}

/* Report partials whose shards wrote completion records (then all must
 * have one) are checked part by part against them: a partial changed after
 * its shard finished is refused. vlit_report_merge checks the set itself
 * (a shard missing or twice, partials of other runs) from the partials'
 * manifests, with its own messages. */
static vlit_status check_report(const char *const *parts, size_t n, vlit_error *err)
{
    int any = 0;
    for (size_t k = 0; k < n && !any; k++) {
        char path[4096];
        FILE *fp = fopen(vlit_shard_record_path(parts[k], path, sizeof path), "rb");
        if (fp) {
            fclose(fp);
            any = 1;
        }
    }
    vlit_status st = VLIT_OK;
    for (size_t k = 0; k < n && any && !st; k++) {
        vlit_shard_record r;
        if (!(st = vlit_shard_check_part("report", parts[k], &r, err)))
            vlit_shard_record_free(&r);
    }
    return st;
}

int cmd_merge(int argc, char **argv)
{
    enum { O_JSON = 256, O_FORMAT, O_THREADS };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},      {"help", no_argument, NULL, 'h'},
        {"format", required_argument, NULL, O_FORMAT}, {"threads", required_argument, NULL, O_THREADS},
        {NULL, 0, NULL, 0},
    };
    cli_common c;
    cli_common_init(&c);
    const char *out = NULL;
    vlit_report_format fmt = VLIT_REPORT_TABLE;
    vlit_report_params rp = vlit_report_default_params();
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case 'q': c.quiet = 1; break;
        case O_JSON: c.json_log = 1; break;
        case O_FORMAT:
            if (vlit_report_format_parse(optarg, &fmt))
                return cli_usage_error("merge", usage, "unknown format '%s' (table, json, html)", optarg);
            break;
        case O_THREADS: {
            char *end;
            long t = strtol(optarg, &end, 10);
            if (*end || t < 1 || t > 1024)
                return cli_usage_error("merge", usage, "--threads needs a number in 1..1024");
            rp.threads = (unsigned)t;
            break;
        }
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("merge", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("merge", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    if (argc - optind < 1)
        return cli_usage_error("merge", usage, "say what to merge: clues, samples, scores, select, tags, report or stores");
    const char *kind = argv[optind++];
    static const char *const kinds[] = {"clues", "samples", "scores", "select", "tags", "report", "stores", NULL};
    int known = 0;
    for (int k = 0; kinds[k]; k++)
        known |= strcmp(kind, kinds[k]) == 0;
    if (!known)
        return cli_usage_error("merge", usage,
                               "unknown kind '%s' (known: clues, samples, scores, select, tags, report, stores)", kind);
    if (argc - optind < 1)
        return cli_usage_error("merge", usage, "no parts given");
    if (!out)
        return cli_usage_error("merge", usage, "no output: give -o OUT");
    char data_dir[4096];
    cli_data_path(".", data_dir, sizeof data_dir);
    rp.data_dir = data_dir; /* the stop words the partials' TF-IDF used */
    vlit_error err = {0};
    double t0 = cli_now();
    const char *const *parts = (const char *const *)argv + optind;
    size_t n_parts = (size_t)(argc - optind);
    vlit_status st;
    if (strcmp(kind, "report") != 0) {
        st = merge_sharded(&c, kind, parts, n_parts, out, &err);
        if (st) {
            cli_error(&c, "merge", err.message);
            return cli_exit(st);
        }
        cli_info(&c, "merge", "%zu parts merged into %s in %.1f s", n_parts, out, cli_now() - t0);
        return EXIT_OK;
    }
    st = check_report(parts, n_parts, &err);
    if (!st)
        st = vlit_report_merge(parts, n_parts, &rp, fmt, out, &err);
    if (st) {
        cli_error(&c, "merge", err.message);
        return cli_exit(st);
    }
    cli_info(&c, "merge", "%d parts merged into %s in %.1f s", argc - optind, out, cli_now() - t0);
    return EXIT_OK;
}
