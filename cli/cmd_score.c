/* vlit score: per-sample quality indicators. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shard_cli.h"

static const char usage[] =
    "usage: vlit score SAMPLES -o SCORES.jsonl [options]\n"
    "       vlit score --list [--json]\n"
    "\n"
    "Scores every sample with the quality indicators of the paper's principles and\n"
    "writes one JSON line per sample, in input order:\n"
    "  {\"index\":0,\"id\":\"..\",\"image\":\"..\",\"scores\":{\"text_readability\":{\"method\":\"ngram-lm\",\n"
    "   \"value\":0.61,\"logprob\":-2.1,...},\"image_readability\":{\"method\":\"niqe\",\"missing\":\"..\"}}}\n"
    "A value that cannot be computed (missing image, server failure) is marked missing\n"
    "with the reason; the run goes on. docs/indicators.md defines every indicator.\n"
    "\n"
    "  vlit score samples.jsonl --clues clues.jsonl --image-root images -o scores.jsonl\n"
    "  vlit score samples.json --clues clues.jsonl --indicators text_readability,matching -o s.jsonl\n"
    "\n"
    "options:\n"
    "  -o, --output F        scores file, written atomically ('-' = standard output)\n"
    "  --from FMT            samples format: jsonl, llava, sharegpt, mimicit (default: by extension)\n"
    "  --clues F             clue records of the images (vlit collect), joined by image path\n"
    "  --image-root DIR      folder the samples' image paths are relative to (default .)\n"
    "  --indicators LIST     NAME or NAME:METHOD, comma-separated (default: every indicator,\n"
    "                        embedded method); --list shows them\n"
    "  --lm F                language model (ARPA or vlit binary) for text_readability; default:\n"
    "                        trained on the captions of --clues at the start of the run\n"
    "  --lm-reference F      human-written text, one per line, calibrating the 0-1 readability\n"
    "                        (default: held-out captions of --clues)\n"
    "  --lm-order N          order of the default language model (default 3)\n"
    "  --niqe-model F        NIQE model (default: the one in vlit's data folder)\n"
    "  --llm-url URL         chat server for judge / llm methods (or VLIT_LLM_URL), e.g. http://host:8000/v1\n"
    "  --model NAME          its model (or VLIT_MODEL)\n"
    "  --embed-url URL       embeddings server (or VLIT_EMBED_URL)\n"
    "  --embed-model NAME    its model (or VLIT_EMBED_MODEL)\n"
    "  --store F             run store of the server requests (SQLite): reruns answer from it\n"
    "  --judge-votes K       votes per judged sample, odd (default 3)\n"
    "  --concurrency N       server requests in flight (default 16)\n"
    "  --max-failed N        stop after more than N server requests failed after their retries\n"
    "                        (default: 20 and more than 10 % of those finished)\n"
    "  --threads N           worker threads (default: the number of cores)\n"
    "  --shard i/N           score samples i, i+N, i+2N, ... (default: SLURM_ARRAY_TASK_ID/COUNT);\n"
    "                        vlit merge scores puts the shards back together\n"
    "  --skip-bad            skip malformed records (listed on stderr) instead of failing\n"
    "  --list                print the indicators and their methods\n"
    "  -q, --quiet           no summary\n"
    "  --json                log messages as JSON lines on stderr (with --list: the list as JSON)\n"
    "  -h, --help            this text\n"
    "\n"
    "The API key of the servers comes from VLIT_API_KEY or OPENAI_API_KEY only.\n";

static const char *inputs_text(unsigned in, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s%s%s", in & VLIT_NEEDS_TEXT ? "text " : "", in & VLIT_NEEDS_CLUES ? "clues " : "",
             in & VLIT_NEEDS_IMAGE ? "image " : "", in & VLIT_NEEDS_SERVER ? "server " : "");
    size_t n = strlen(buf);
    if (n)
        buf[n - 1] = '\0';
    return buf;
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static int list_indicators(int json)
{
    char in[64];
    if (json) {
        for (size_t i = 0; i < vlit_indicator_count(); i++) {
            const vlit_indicator_info *x = vlit_indicator_get(i);
            printf("{\"name\":");
            json_str(x->name);
            printf(",\"principle\":%d,\"principle_name\":", x->principle);
            json_str(x->principle_name);
            printf(",\"level\":");
            json_str(x->level);
            printf(",\"direction\":%d,\"method\":", x->direction);
            json_str(x->method);
            printf(",\"embedded\":%s,\"inputs\":", x->embedded ? "true" : "false");
            json_str(inputs_text(x->inputs, in, sizeof in));
            printf(",\"range\":");
            json_str(x->range);
            printf(",\"summary\":");
            json_str(x->summary);
            printf("}\n");
        }
        return EXIT_OK;
    }
    printf("%-24s %-2s %-22s %-6s %-4s %-22s %-9s %-18s %s\n", "indicator", "P", "principle", "level", "dir",
           "method", "kind", "inputs", "range");
    for (size_t i = 0; i < vlit_indicator_count(); i++) {
        const vlit_indicator_info *x = vlit_indicator_get(i);
        int first = x->embedded; /* the first embedded method of its indicator is the default */
        for (size_t k = 0; k < i && first; k++)
            first = !(vlit_indicator_get(k)->embedded && strcmp(vlit_indicator_get(k)->name, x->name) == 0);
        printf("%-24s %-2d %-22s %-6s %-4s %-22s %-9s %-18s %s\n", x->name, x->principle, x->principle_name, x->level,
               x->direction > 0 ? "up" : "down", x->method,
               x->embedded ? (first ? "default" : "embedded") : "backend", inputs_text(x->inputs, in, sizeof in),
               x->range);
    }
    printf("\nup: higher is better; down: lower is better. vlit score runs the default method of every\n"
           "indicator; choose others with --indicators NAME:METHOD. Backends need a model server.\n");
    return EXIT_OK;
}

typedef struct progress {
    cli_common *c;
    size_t total;
    double start;
} progress;

static void on_skip(void *ctx, const char *message)
{
    progress *pr = ctx;
    cli_info(pr->c, "score", "skipped: %s", message);
}

static void on_note(void *ctx, const char *message)
{
    progress *pr = ctx;
    cli_info(pr->c, "score", "%s", message);
}

static void on_progress(void *ctx, const vlit_score_progress *p)
{
    progress *pr = ctx;
    if (!pr->c->progress)
        return;
    double el = cli_now() - pr->start;
    char text[128];
    double rate = el > 0 ? (double)p->samples / el : 0;
    snprintf(text, sizeof text, "%zu samples, %.0f/s, %zu missing values", p->samples, rate, p->missing);
    double f = pr->total ? (double)p->samples / (double)pr->total : 0;
    cli_progress_text(pr->c, "score", f > 1 ? 1 : f, text);
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

int cmd_score(int argc, char **argv)
{
    enum {
        O_FROM = 256, O_CLUES, O_ROOT, O_IND, O_LM, O_LMREF, O_LMORDER, O_NIQE, O_URL, O_MODEL, O_EURL, O_EMODEL,
        O_STORE, O_VOTES, O_CONC, O_MAXFAILED, O_THREADS, O_SHARD, O_SKIPBAD, O_LIST, O_JSON
    };
    static const struct option opts[] = {
        {"from", required_argument, NULL, O_FROM},          {"clues", required_argument, NULL, O_CLUES},
        {"image-root", required_argument, NULL, O_ROOT},    {"indicators", required_argument, NULL, O_IND},
        {"lm", required_argument, NULL, O_LM},              {"lm-reference", required_argument, NULL, O_LMREF},
        {"lm-order", required_argument, NULL, O_LMORDER},   {"niqe-model", required_argument, NULL, O_NIQE},
        {"llm-url", required_argument, NULL, O_URL},        {"model", required_argument, NULL, O_MODEL},
        {"embed-url", required_argument, NULL, O_EURL},     {"embed-model", required_argument, NULL, O_EMODEL},
        {"store", required_argument, NULL, O_STORE},        {"judge-votes", required_argument, NULL, O_VOTES},
        {"concurrency", required_argument, NULL, O_CONC},   {"threads", required_argument, NULL, O_THREADS},
        {"max-failed", required_argument, NULL, O_MAXFAILED},
        {"shard", required_argument, NULL, O_SHARD},        {"skip-bad", no_argument, NULL, O_SKIPBAD},
        {"list", no_argument, NULL, O_LIST},                {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},                  {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},                   {NULL, 0, NULL, 0},
    };
    cli_common c;
    cli_common_init(&c);
    vlit_score_params p = vlit_score_default_params();
    cli_default_shard(&p.shard_index, &p.shard_count);
    cli_shard sh = {.on = cli_shard_from_env()};
    p.llm_url = getenv("VLIT_LLM_URL");
    p.llm_model = getenv("VLIT_MODEL");
    p.embed_url = getenv("VLIT_EMBED_URL");
    p.embed_model = getenv("VLIT_EMBED_MODEL");
    const char *out = NULL;
    vlit_format from = VLIT_FMT_JSONL;
    int have_from = 0, list = 0, ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (ch) {
        case O_FROM:
            if (vlit_format_parse(optarg, &from))
                return cli_usage_error("score", usage, "unknown format '%s'", optarg);
            have_from = 1;
            break;
        case O_CLUES: p.clues_path = optarg; break;
        case O_ROOT: p.image_root = optarg; break;
        case O_IND: p.indicators = optarg; break;
        case O_LM: p.lm_path = optarg; break;
        case O_LMREF: p.lm_reference = optarg; break;
        case O_LMORDER:
            if (number(optarg, 1, VLIT_LM_MAX_ORDER, &p.lm_order))
                return cli_usage_error("score", usage, "--lm-order needs a number in 1..%d, not '%s'",
                                       VLIT_LM_MAX_ORDER, optarg);
            break;
        case O_NIQE: p.niqe_model = optarg; break;
        case O_URL: p.llm_url = optarg; break;
        case O_MODEL: p.llm_model = optarg; break;
        case O_EURL: p.embed_url = optarg; break;
        case O_EMODEL: p.embed_model = optarg; break;
        case O_STORE: p.store_path = optarg; break;
        case O_VOTES:
            if (number(optarg, 1, 99, &p.judge_votes) || p.judge_votes % 2 == 0)
                return cli_usage_error("score", usage, "--judge-votes needs an odd number in 1..99, not '%s'", optarg);
            break;
        case O_CONC:
            if (number(optarg, 1, 1000, &p.concurrency))
                return cli_usage_error("score", usage, "--concurrency needs a number in 1..1000, not '%s'", optarg);
            break;
        case O_MAXFAILED: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 0)
                return cli_usage_error("score", usage, "--max-failed needs a number >= 0, not '%s'", optarg);
            p.max_failed = v;
            break;
        }
        case O_THREADS:
            if (number(optarg, 1, 64, &p.threads))
                return cli_usage_error("score", usage, "--threads needs a number in 1..64, not '%s'", optarg);
            break;
        case O_SHARD:
            if (cli_parse_shard(optarg, &p.shard_index, &p.shard_count))
                return cli_usage_error("score", usage, "--shard needs i/N with 0 <= i < N, not '%s'", optarg);
            sh.on = 1;
            break;
        case O_SKIPBAD: p.skip_bad = 1; break;
        case O_LIST: list = 1; break;
        case 'o': out = optarg; break;
        case 'q': c.quiet = 1; break;
        case O_JSON: c.json_log = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("score", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("score", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    if (list)
        return list_indicators(c.json_log);
    if (argc - optind != 1)
        return cli_usage_error("score", usage, argc - optind ? "give one samples file" : "no samples file given");
    if (!out)
        return cli_usage_error("score", usage, "no output: give -o SCORES.jsonl");
    const char *samples = argv[optind];
    if (!have_from)
        from = cli_guess_format(samples);
    p.api_key = getenv("VLIT_API_KEY");
    if (!p.api_key || !*p.api_key)
        p.api_key = getenv("OPENAI_API_KEY");
    if (p.api_key && !*p.api_key)
        p.api_key = NULL;
    char data_dir[4096];
    cli_data_path(".", data_dir, sizeof data_dir);
    data_dir[strlen(data_dir) - 2] = '\0'; /* drop the "/." */
    p.data_dir = data_dir;
    progress pr = {&c, from == VLIT_FMT_JSONL ? cli_count_lines(samples) : 0, cli_now()};
    if (pr.total && p.shard_count > 1)
        pr.total = (pr.total + p.shard_count - 1 - p.shard_index) / p.shard_count;
    p.on_skip = on_skip;
    p.on_note = on_note;
    p.on_progress = on_progress;
    p.ctx = &pr;
    int rc = cli_shard_begin(&sh, &c, "score", argc, argv, p.shard_index, p.shard_count, out, "jsonl");
    if (rc)
        return rc;
    vlit_score_summary sum;
    vlit_error err = {0};
    vlit_status st = vlit_score(samples, from, &p, out, &sum, &err);
    if (c.progress)
        cli_progress(&c, "score", 1);
    if (st == VLIT_ERR_USAGE) {
        cli_shard_free(&sh);
        return cli_usage_error("score", usage, "%s", err.message);
    }
    if (st) {
        cli_shard_free(&sh);
        cli_error(&c, "score", err.message);
        return cli_exit(st);
    }
    if ((rc = cli_shard_finish(&sh, &c, "score", out, sum.samples)))
        return rc;
    char clues[96] = "";
    if (p.clues_path && sum.without_clue)
        snprintf(clues, sizeof clues, "; %zu without a clue record", sum.without_clue);
    cli_info(&c, "score", "%zu samples scored with %zu indicators in %.1f s; %zu values missing%s; %zu bad records skipped",
             sum.samples, sum.indicators, cli_now() - pr.start, sum.missing, clues, sum.skipped);
    return EXIT_OK;
}
