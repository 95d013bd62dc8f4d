/* vlit mix: Data Mixing of several sample files by counts or ratios. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: vlit mix INPUT[=AMOUNT][@TAG]... -o OUT [options]\n"
    "\n"
    "Draws samples from several datasets, uniformly without replacement and seeded,\n"
    "and writes them in input order. Samples keep their source tag; those without\n"
    "one get TAG, or the file name without folder and extension.\n"
    "\n"
    "AMOUNT: N (that many samples), P% (that percent of the input), F with a decimal\n"
    "point (that fraction of --total); no AMOUNT takes every sample.\n"
    "  vlit mix llava.json=40000 aa.jsonl=25% si.jsonl@si-gpt4 -o mix.jsonl\n"
    "  vlit mix a.jsonl=0.7 b.jsonl=0.3 --total 10000 -o mix.jsonl\n"
    "\n"
    "options:\n"
    "  -o, --output F     output file, written atomically ('-' = standard output)\n"
    "  --format FMT       output format: jsonl (default), llava, sharegpt, mimicit\n"
    "  --from FMT         format of every input (default: .jsonl -> jsonl, else llava)\n"
    "  --total N          size of the mix, for fractional amounts\n"
    "  --seed N           random seed (default 1)\n"
    "  --skip-bad         skip bad records (listed on stderr) instead of failing\n"
    "  -q, --quiet        no summary\n"
    "  --json             log messages as JSON lines on stderr\n"
    "  -h, --help         this text\n";

static void on_skip(void *ctx, const vlit_error *why) { cli_info(ctx, "mix", "skipped: %s", why->message); }

/* PATH[=AMOUNT][@TAG], parsed from the right and only after the last '/'. */
static int parse_input(char *spec, vlit_mix_input *in)
{
    memset(in, 0, sizeof *in);
    char *slash = strrchr(spec, '/');
    char *start = slash ? slash + 1 : spec;
    char *at = strrchr(start, '@');
    if (at) {
        *at = '\0';
        in->source = at + 1;
        if (!*in->source)
            return -1;
    }
    char *eq = strrchr(start, '=');
    in->path = spec;
    in->take = VLIT_MIX_ALL;
    if (!eq)
        return *spec ? 0 : -1;
    *eq = '\0';
    char *amount = eq + 1, *end;
    size_t n = strlen(amount);
    if (n && amount[n - 1] == '%') {
        amount[n - 1] = '\0';
        in->take = VLIT_MIX_PERCENT;
    } else if (strchr(amount, '.')) {
        in->take = VLIT_MIX_SHARE;
    } else {
        in->take = VLIT_MIX_COUNT;
    }
    in->amount = strtod(amount, &end);
    if (!*amount || *end || in->amount < 0 || (in->take == VLIT_MIX_PERCENT && in->amount > 100) ||
        (in->take == VLIT_MIX_SHARE && in->amount > 1))
        return -1;
    return *spec ? 0 : -1;
}

int cmd_mix(int argc, char **argv)
{
    enum { O_FORMAT = 256, O_FROM, O_TOTAL, O_SEED, O_SKIPBAD, O_JSON };
    static const struct option opts[] = {
        {"format", required_argument, NULL, O_FORMAT}, {"from", required_argument, NULL, O_FROM},
        {"total", required_argument, NULL, O_TOTAL},   {"seed", required_argument, NULL, O_SEED},
        {"skip-bad", no_argument, NULL, O_SKIPBAD},    {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},             {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},              {NULL, 0, NULL, 0},
    };
    cli_common c;
    cli_common_init(&c);
    vlit_mix_params p = vlit_mix_default_params();
    vlit_format fmt = VLIT_FMT_JSONL, from = VLIT_FMT_JSONL;
    int have_from = 0, ch;
    const char *out = NULL;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case O_FORMAT:
            if (vlit_format_parse(optarg, &fmt))
                return cli_usage_error("mix", usage, "unknown format '%s'", optarg);
            break;
        case O_FROM:
            if (vlit_format_parse(optarg, &from))
                return cli_usage_error("mix", usage, "unknown format '%s'", optarg);
            have_from = 1;
            break;
        case O_TOTAL:
            p.total = (size_t)strtoull(optarg, &end, 10);
            if (*end || !p.total)
                return cli_usage_error("mix", usage, "--total needs a positive number, not '%s'", optarg);
            break;
        case O_SEED:
            p.seed = strtoull(optarg, &end, 10);
            if (*end || !*optarg)
                return cli_usage_error("mix", usage, "--seed needs a non-negative integer, not '%s'", optarg);
            break;
        case O_SKIPBAD: p.skip_bad = 1; break;
        case 'o': out = optarg; break;
        case 'q': c.quiet = 1; break;
        case O_JSON: c.json_log = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("mix", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("mix", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    size_t n = (size_t)(argc - optind);
    if (n == 0)
        return cli_usage_error("mix", usage, "give at least one input");
    if (n > 64)
        return cli_usage_error("mix", usage, "at most 64 inputs");
    if (!out)
        return cli_usage_error("mix", usage, "no output: give -o OUT");
    vlit_mix_input inputs[64];
    for (size_t i = 0; i < n; i++) {
        if (parse_input(argv[optind + (int)i], &inputs[i]))
            return cli_usage_error("mix", usage, "cannot read input '%s': PATH[=N|=P%%|=F][@TAG]", argv[optind + (int)i]);
        inputs[i].format = have_from ? from : cli_guess_format(inputs[i].path);
    }
    p.inputs = inputs;
    p.n_inputs = n;
    p.on_skip = on_skip;
    p.ctx = &c;
    vlit_mix_summary sum;
    vlit_error err = {0};
    vlit_status st = vlit_mix(&p, out, fmt, &sum, &err);
    if (st == VLIT_ERR_USAGE)
        return cli_usage_error("mix", usage, "%s", err.message);
    if (st) {
        cli_error(&c, "mix", err.message);
        return EXIT_FAIL;
    }
    for (size_t i = 0; i < n; i++)
        cli_info(&c, "mix", "%s: %zu of %zu samples", inputs[i].path, sum.taken[i], sum.available[i]);
    cli_info(&c, "mix", "%zu samples in the mix; %zu bad records skipped", sum.samples, sum.skipped);
    return EXIT_OK;
}
