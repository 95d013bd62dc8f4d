/* vlit tag: one task label per sample (principle 3, task diversity). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shard_cli.h"

static const char usage[] =
    "usage: vlit tag SAMPLES -o TAGS.jsonl [options]\n"
    "       vlit tag --list\n"
    "\n"
    "Gives every sample one task label and writes one JSON line per sample, in input order:\n"
    "  {\"position\":0,\"id\":\"..\",\"task\":\"instance_counting\",\"method\":\"rules\"}\n"
    "  {\"position\":1,\"id\":\"..\",\"method\":\"llm:MODEL\",\"missing\":\"reason\"}\n"
    "The default method is the embedded rule-based tagger (--list shows its labels); the\n"
    "LLM tagger proposes tags per sample, keeps them by coverage, merges redundant ones\n"
    "and assigns one to every sample (docs/tasks.md). The sample's own task field is\n"
    "not used.\n"
    "\n"
    "  vlit tag samples.jsonl -o tags.jsonl\n"
    "  vlit tag samples.json --method llm --llm-url http://host:8000/v1 --model M --store run.db -o tags.jsonl\n"
    "\n"
    "options:\n"
    "  -o, --output F        tags file, written atomically ('-' = standard output)\n"
    "  --format FMT          samples format: jsonl, llava, sharegpt, mimicit (default: by extension)\n"
    "  --method M            rules (default) or llm\n"
    "  --llm-url URL         chat server of the LLM tagger (or VLIT_LLM_URL), e.g. http://host:8000/v1\n"
    "  --model NAME          its model (or VLIT_MODEL)\n"
    "  --store F             run store of the requests (SQLite): a rerun sends nothing\n"
    "  --batch N             samples per request, 1..64 (default 10)\n"
    "  --concurrency N       requests in flight (default 16)\n"
    "  --max-failed N        stop after more than N requests failed after their retries\n"
    "                        (default: 20 and more than 10 % of those finished)\n"
    "  --coverage X          keep tags until they cover this share of the samples (default 0.95)\n"
    "  --min-support N       keep only tags proposed for at least N samples (default 2)\n"
    "  --max-tags N          keep at most N tags (default 30)\n"
    "  --merge-overlap X     merge two kept tags sharing this share of the smaller one's samples\n"
    "                        (default 0.8; above 1: only tags whose words are within another's)\n"
    "  --shard i/N           tag samples i, i+N, ... (rules only; default: SLURM_ARRAY_TASK_ID/COUNT)\n"
    "  --skip-bad            skip malformed records (listed on stderr) instead of failing\n"
    "  --list                print the labels of the rule-based tagger\n"
    "  -q, --quiet           no summary\n"
    "  --json                log messages as JSON lines on stderr\n"
    "  -h, --help            this text\n"
    "\n"
    "The API key of the server comes from VLIT_API_KEY or OPENAI_API_KEY only.\n";

typedef struct ctx {
    cli_common *c;
} ctx;

static void on_skip(void *p, const char *message)
{
    cli_info(((ctx *)p)->c, "tag", "skipped: %s", message);
}

static void on_note(void *p, const char *message)
{
    cli_info(((ctx *)p)->c, "tag", "%s", message);
}

static int number(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int share(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v > lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

int cmd_tag(int argc, char **argv)
{
    enum {
        O_FORMAT = 256, O_METHOD, O_URL, O_MODEL, O_STORE, O_BATCH, O_CONC, O_MAXFAILED, O_COVERAGE, O_SUPPORT,
        O_MAXTAGS, O_OVERLAP, O_SHARD, O_SKIPBAD, O_LIST, O_JSON
    };
    static const struct option opts[] = {
        {"format", required_argument, NULL, O_FORMAT},     {"method", required_argument, NULL, O_METHOD},
        {"llm-url", required_argument, NULL, O_URL},       {"model", required_argument, NULL, O_MODEL},
        {"store", required_argument, NULL, O_STORE},       {"batch", required_argument, NULL, O_BATCH},
        {"concurrency", required_argument, NULL, O_CONC},  {"max-failed", required_argument, NULL, O_MAXFAILED},
        {"coverage", required_argument, NULL, O_COVERAGE}, {"min-support", required_argument, NULL, O_SUPPORT},
        {"max-tags", required_argument, NULL, O_MAXTAGS},  {"merge-overlap", required_argument, NULL, O_OVERLAP},
        {"shard", required_argument, NULL, O_SHARD},       {"skip-bad", no_argument, NULL, O_SKIPBAD},
        {"list", no_argument, NULL, O_LIST},               {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},                 {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},                  {NULL, 0, NULL, 0},
    };
    cli_common c;
    cli_common_init(&c);
    vlit_tag_params p = vlit_tag_default_params();
    cli_default_shard(&p.shard_index, &p.shard_count);
    cli_shard sh = {.on = cli_shard_from_env()};
    p.llm_url = getenv("VLIT_LLM_URL");
    p.model = getenv("VLIT_MODEL");
    const char *out = NULL;
    vlit_format fmt = VLIT_FMT_JSONL;
    int have_fmt = 0, list = 0, ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (ch) {
        case O_FORMAT:
            if (vlit_format_parse(optarg, &fmt))
                return cli_usage_error("tag", usage, "unknown format '%s'", optarg);
            have_fmt = 1;
            break;
        case O_METHOD:
            if (strcmp(optarg, "rules") == 0)
                p.method = VLIT_TAG_RULES;
            else if (strcmp(optarg, "llm") == 0)
                p.method = VLIT_TAG_LLM;
            else
                return cli_usage_error("tag", usage, "--method is rules or llm, not '%s'", optarg);
            break;
        case O_URL: p.llm_url = optarg; break;
        case O_MODEL: p.model = optarg; break;
        case O_STORE: p.store_path = optarg; break;
        case O_BATCH:
            if (number(optarg, 1, 64, &p.batch))
                return cli_usage_error("tag", usage, "--batch needs a number in 1..64, not '%s'", optarg);
            break;
        case O_CONC:
            if (number(optarg, 1, 1000, &p.concurrency))
                return cli_usage_error("tag", usage, "--concurrency needs a number in 1..1000, not '%s'", optarg);
            break;
        case O_MAXFAILED: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 0)
                return cli_usage_error("tag", usage, "--max-failed needs a number >= 0, not '%s'", optarg);
            p.max_failed = v;
            break;
        }
        case O_COVERAGE:
            if (share(optarg, 0, 1, &p.coverage))
                return cli_usage_error("tag", usage, "--coverage needs a share in (0, 1], not '%s'", optarg);
            break;
        case O_SUPPORT:
            if (number(optarg, 1, 1000000, &p.min_support))
                return cli_usage_error("tag", usage, "--min-support needs a number >= 1, not '%s'", optarg);
            break;
        case O_MAXTAGS:
            if (number(optarg, 1, 1000, &p.max_tags))
                return cli_usage_error("tag", usage, "--max-tags needs a number in 1..1000, not '%s'", optarg);
            break;
        case O_OVERLAP:
            if (share(optarg, 0, 2, &p.merge_overlap))
                return cli_usage_error("tag", usage, "--merge-overlap needs a number in (0, 2], not '%s'", optarg);
            break;
        case O_SHARD:
            if (cli_parse_shard(optarg, &p.shard_index, &p.shard_count))
                return cli_usage_error("tag", usage, "--shard needs i/N with 0 <= i < N, not '%s'", optarg);
            sh.on = 1;
            break;
        case O_SKIPBAD: p.skip_bad = 1; break;
        case O_LIST: list = 1; break;
        case 'o': out = optarg; break;
        case 'q': c.quiet = 1; break;
        case O_JSON: c.json_log = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("tag", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("tag", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    if (list) {
        for (size_t i = 0; i < vlit_task_count(); i++)
            printf("%-22s %s\n", vlit_task_name(i), vlit_task_summary(i));
        return EXIT_OK;
    }
    if (argc - optind != 1)
        return cli_usage_error("tag", usage, argc - optind ? "give one samples file" : "no samples file given");
    if (!out)
        return cli_usage_error("tag", usage, "no output: give -o TAGS.jsonl");
    const char *samples = argv[optind];
    if (!have_fmt)
        fmt = cli_guess_format(samples);
    p.api_key = getenv("VLIT_API_KEY");
    if (!p.api_key || !*p.api_key)
        p.api_key = getenv("OPENAI_API_KEY");
    if (p.api_key && !*p.api_key)
        p.api_key = NULL;
    char data_dir[4096];
    cli_data_path(".", data_dir, sizeof data_dir);
    data_dir[strlen(data_dir) - 2] = '\0'; /* drop the "/." */
    p.data_dir = data_dir;
    ctx x = {&c};
    p.on_skip = on_skip;
    p.on_note = on_note;
    p.ctx = &x;
    double start = cli_now();
    int rc = cli_shard_begin(&sh, &c, "tag", argc, argv, p.shard_index, p.shard_count, out, "jsonl");
    if (rc)
        return rc;
    vlit_tag_summary sum;
    vlit_error err = {0};
    vlit_status st = vlit_tag(samples, fmt, &p, out, &sum, &err);
    if (st == VLIT_ERR_USAGE) {
        cli_shard_free(&sh);
        return cli_usage_error("tag", usage, "%s", err.message);
    }
    if (st) {
        cli_shard_free(&sh);
        cli_error(&c, "tag", err.message);
        return cli_exit(st);
    }
    /* a shard has a line for every position i, i+N, i+2N, ... of the samples read */
    unsigned n = p.shard_count ? p.shard_count : 1;
    sh.rec.has_groups = sh.on;
    for (size_t k = 0; sh.on && k < sum.samples; k++)
        cli_shard_at(&sh, p.shard_index + k * n);
    if ((rc = cli_shard_finish(&sh, &c, "tag", out, sum.samples)))
        return rc;
    if (p.method == VLIT_TAG_LLM)
        cli_info(&c, "tag",
                 "%zu samples tagged in %.1f s, %zu missing; %zu tags kept of %zu proposed (%zu merged); requests: "
                 "%zu sent, %zu from the store, %zu failed; %zu bad records skipped",
                 sum.samples, cli_now() - start, sum.missing, sum.tags_kept, sum.tags_proposed, sum.tags_merged,
                 sum.requests_sent, sum.requests_from_store, sum.requests_failed, sum.skipped);
    else
        cli_info(&c, "tag", "%zu samples tagged in %.1f s (%zu carried a task field, %zu of them equal to our "
                 "label); %zu bad records skipped",
                 sum.samples, cli_now() - start, sum.with_task, sum.agree, sum.skipped);
    return EXIT_OK;
}
