/* vlit convert: samples from one dataset format to another, streamed. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: vlit convert --from FMT --to FMT IN OUT [options]\n"
    "\n"
    "Converts instruction samples between formats, one record at a time.\n"
    "FMT: jsonl (vlit's own), llava, sharegpt, mimicit (docs/formats.md).\n"
    "IN or OUT may be '-' for standard input/output. OUT is written atomically.\n"
    "\n"
    "options:\n"
    "  --from FMT       input format (default: from IN's extension: .jsonl -> jsonl, else llava)\n"
    "  --to FMT         output format (default: from OUT's extension likewise)\n"
    "  --skip-bad       skip bad records (listed on stderr, counted) instead of failing\n"
    "  -q, --quiet      no summary\n"
    "  --json           log messages as JSON lines on stderr\n"
    "  -h, --help       this text\n";

static void on_skip(void *ctx, const vlit_error *why) { cli_info(ctx, "convert", "skipped: %s", why->message); }

int cmd_convert(int argc, char **argv)
{
    enum { O_FROM = 256, O_TO, O_SKIPBAD, O_JSON };
    static const struct option opts[] = {
        {"from", required_argument, NULL, O_FROM}, {"to", required_argument, NULL, O_TO},
        {"skip-bad", no_argument, NULL, O_SKIPBAD}, {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common c;
    cli_common_init(&c);
    const char *from = NULL, *to = NULL;
    vlit_reader_params rp = vlit_reader_default_params();
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
        switch (ch) {
        case O_FROM: from = optarg; break;
        case O_TO: to = optarg; break;
        case O_SKIPBAD: rp.skip_bad = 1; break;
        case 'q': c.quiet = 1; break;
        case O_JSON: c.json_log = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("convert", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("convert", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("convert", usage, "give an input and an output file");
    const char *in = argv[optind], *out = argv[optind + 1];
    vlit_format fin = cli_guess_format(in), fout = cli_guess_format(out);
    if (from && vlit_format_parse(from, &fin))
        return cli_usage_error("convert", usage, "unknown format '%s'", from);
    if (to && vlit_format_parse(to, &fout))
        return cli_usage_error("convert", usage, "unknown format '%s'", to);
    rp.on_skip = on_skip;
    rp.ctx = &c;

    vlit_error err = {0};
    vlit_reader *r = NULL;
    vlit_writer *w = NULL;
    size_t n = 0;
    vlit_status st = vlit_reader_open(in, fin, &rp, &r, &err);
    if (!st)
        st = vlit_writer_open(out, fout, &w, &err);
    const vlit_sample *s;
    while (!st && (st = vlit_reader_next(r, &s, &err)) == VLIT_OK) {
        st = vlit_writer_write(w, s, &err);
        n++;
    }
    if (st == VLIT_END) {
        st = vlit_writer_commit(w, &err);
        w = NULL;
    }
    size_t skipped = r ? vlit_reader_skipped(r) : 0;
    vlit_writer_abort(w);
    vlit_reader_close(r);
    if (st) {
        cli_error(&c, "convert", err.message);
        return EXIT_FAIL;
    }
    cli_info(&c, "convert", "%zu samples %s -> %s; %zu bad records skipped", n, vlit_format_name(fin),
             vlit_format_name(fout), skipped);
    return EXIT_OK;
}
