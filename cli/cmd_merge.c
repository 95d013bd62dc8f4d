/* vlit merge: the outputs of shards put back together. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: vlit merge scores PART... -o OUT\n"
    "       vlit merge report PART_DIR... -o OUT [--format table|json|html]\n"
    "\n"
    "Puts the outputs of the shards of one run back together, exactly as a single\n"
    "process would have written them.\n"
    "\n"
    "kinds:\n"
    "  scores   outputs of vlit score --shard i/N (any order of PART); lines are\n"
    "           merged by sample index; a sample in two parts is an error\n"
    "  report   partials of vlit report --partial --shard i/N (folders, any order, each\n"
    "           shard exactly once): the report one process would have written\n"
    "\n"
    "options:\n"
    "  -o, --output F     merged file, written atomically ('-' = standard output)\n"
    "  --format F         report: table (default), json or html\n"
    "  --threads N        report: threads of the DBSCAN scans and image decoding (default 2)\n"
    "  -q, --quiet        no summary\n"
    "  --json             log messages as JSON lines on stderr\n"
    "  -h, --help         this text\n";

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
        return cli_usage_error("merge", usage, "say what to merge: scores or report");
    const char *kind = argv[optind++];
    if (strcmp(kind, "scores") != 0 && strcmp(kind, "report") != 0)
        return cli_usage_error("merge", usage, "unknown kind '%s' (known: scores, report)", kind);
    if (argc - optind < 1)
        return cli_usage_error("merge", usage, "no parts given");
    if (!out)
        return cli_usage_error("merge", usage, "no output: give -o OUT");
    char data_dir[4096];
    cli_data_path(".", data_dir, sizeof data_dir);
    rp.data_dir = data_dir; /* the stop words the partials' TF-IDF used */
    vlit_error err = {0};
    double t0 = cli_now();
    vlit_status st = strcmp(kind, "report") == 0
                         ? vlit_report_merge((const char *const *)argv + optind, (size_t)(argc - optind), &rp, fmt,
                                             out, &err)
                         : vlit_score_merge((const char *const *)argv + optind, (size_t)(argc - optind), out, &err);
    if (st) {
        cli_error(&c, "merge", err.message);
        return cli_exit(st);
    }
    cli_info(&c, "merge", "%d parts merged into %s in %.1f s", argc - optind, out, cli_now() - t0);
    return EXIT_OK;
}
