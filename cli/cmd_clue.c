/* vlit clue: clue records -> text blocks, one per record. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: vlit clue IN.jsonl [--boxes none|pixel|norm] [options]\n"
    "\n"
    "Renders each clue record (from 'vlit collect') as the textual visual clue a\n"
    "language-only LLM reads: captions, object inventory with counts, boxes,\n"
    "attributes, QA pairs with the majority answer, recognised text.\n"
    "\n"
    "options:\n"
    "  --boxes MODE       none (default), pixel ([x1, y1, x2, y2] in pixels) or norm (0-1, 3 decimals)\n"
    "  --template F       template file (default: data/clue.tmpl; format in docs/clue.md)\n"
    "  -o, --output F     write to F atomically instead of standard output\n"
    "  --skip-bad         skip bad lines (listed on stderr) instead of failing\n"
    "  -q, --quiet        no messages\n"
    "  -h, --help         this text\n";

static void on_skip(void *ctx, const char *message) { cli_info(ctx, "clue", "skipped: %s", message); }

int cmd_clue(int argc, char **argv)
{
    enum { O_BOXES = 256, O_TEMPLATE, O_SKIPBAD };
    static const struct option opts[] = {
        {"boxes", required_argument, NULL, O_BOXES},   {"template", required_argument, NULL, O_TEMPLATE},
        {"skip-bad", no_argument, NULL, O_SKIPBAD},    {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},             {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common c;
    cli_common_init(&c);
    vlit_box_mode boxes = VLIT_BOXES_NONE;
    const char *tmpl_path = NULL, *out = "-";
    int skip_bad = 0, ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (ch) {
        case O_BOXES:
            if (strcmp(optarg, "none") == 0)
                boxes = VLIT_BOXES_NONE;
            else if (strcmp(optarg, "pixel") == 0)
                boxes = VLIT_BOXES_PIXEL;
            else if (strcmp(optarg, "norm") == 0)
                boxes = VLIT_BOXES_NORM;
            else
                return cli_usage_error("clue", usage, "--boxes must be none, pixel or norm, not '%s'", optarg);
            break;
        case O_TEMPLATE: tmpl_path = optarg; break;
        case O_SKIPBAD: skip_bad = 1; break;
        case 'o': out = optarg; break;
        case 'q': c.quiet = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("clue", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("clue", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("clue", usage, "give exactly one input file");
    char buf[4096];
    if (!tmpl_path)
        tmpl_path = cli_data_path("clue.tmpl", buf, sizeof buf);

    vlit_error err = {0};
    vlit_clue_template *t = NULL;
    vlit_clue_reader *r = NULL;
    vlit_output *o = NULL;
    int rc = EXIT_FAIL;
    vlit_status st = vlit_clue_template_load(tmpl_path, &t, &err);
    if (!st)
        st = vlit_clue_reader_open(argv[optind], skip_bad, &r, &err);
    if (!st)
        st = vlit_output_open(out, &o, &err);
    if (st)
        goto out;
    vlit_clue_reader_on_skip(r, on_skip, &c);
    FILE *fp = vlit_output_file(o);
    const vlit_clue_record *rec;
    while ((st = vlit_clue_reader_next(r, &rec, &err)) == VLIT_OK) {
        char *text;
        if ((st = vlit_clue_render(t, rec, boxes, &text, &err)))
            break;
        fputs(text, fp);
        free(text);
    }
    if (st != VLIT_END)
        goto out;
    st = vlit_output_commit(o, &err);
    o = NULL;
    if (!st)
        rc = EXIT_OK;
out:
    if (rc != EXIT_OK)
        cli_error(&c, "clue", err.message);
    vlit_output_abort(o);
    vlit_clue_reader_close(r);
    vlit_clue_template_free(t);
    return rc;
}
