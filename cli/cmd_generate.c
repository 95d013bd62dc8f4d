/* vlit generate: clue records -> instruction samples. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shard_cli.h"

static const char usage[] =
    "usage: vlit generate --mode aa|si CLUES.jsonl -o OUT [options]\n"
    "\n"
    "Turns clue records (from 'vlit collect') into instruction-response samples.\n"
    "Mode aa (Annotation Adaption) phrases the annotations with the templates of\n"
    "data/aa_templates.txt: detail, brief, vqa, counting, existence, negative,\n"
    "attribute, location, region, ocr. The same seed gives the same output.\n"
    "Mode si (Self-Instruct) asks an OpenAI-compatible server to write conversations\n"
    "from each record's clue text, with our prompts (data/si/); every request and\n"
    "completion is journaled in a SQLite run store, so a killed run resumes when run\n"
    "again and nothing is asked twice. The API key comes from VLIT_API_KEY or\n"
    "OPENAI_API_KEY only, and is never written anywhere.\n"
    "\n"
    "options:\n"
    "  --mode aa|si         generation mode\n"
    "  -o, --output F       output file, written atomically ('-' = standard output)\n"
    "  --format FMT         jsonl (default), llava, sharegpt or mimicit\n"
    "  --seed N             random seed (default 1)\n"
    "  --tasks LIST         comma-separated tasks to generate (default: all)\n"
    "  --max-per-task N     samples per image and task (default 2)\n"
    "  --turns N            join short-answer samples of an image into conversations of up\n"
    "                       to N rounds (default 1: one round per sample)\n"
    "  --source TAG         source tag of every sample (default aa)\n"
    "  --templates F        template file (default: data/aa_templates.txt)\n"
    "  --no-derive          no VQA rounds from objects, nor colour rounds from captions, for\n"
    "                       records that lack VQA or attribute annotations\n"
    "  --skip-bad           skip bad clue records (listed on stderr) instead of failing\n"
    "  --shard i/N          only the records of shard i of N (default: from SLURM_ARRAY_TASK_ID/COUNT)\n"
    "  -q, --quiet          no summary\n"
    "  --json               log messages as JSON lines on stderr\n"
    "  -h, --help           this text\n"
    "si options:\n"
    "  --llm-url URL        server base URL, e.g. http://127.0.0.1:8080/v1 (default $VLIT_LLM_URL)\n"
    "  --model NAME         model name (default $VLIT_MODEL)\n"
    "  --store F            run store (SQLite), required\n"
    "  --variants LIST      conversation,region,negative,knowledge,detail,reasoning (default conversation)\n"
    "  --n N                completions per request (default 5)\n"
    "  --temperature T      sampling temperature (default 0.8)\n"
    "  --max-tokens N       per completion (default 1024)\n"
    "  --concurrency N      requests in flight (default 8)\n"
    "  --max-attempts N     tries per request on 429/5xx/timeouts (default 5)\n"
    "  --timeout S          seconds per attempt (default 120)\n"
    "  --max-failed N|P%    error budget: stop (resumably) once more than N requests, or\n"
    "                       more than P% of those finished (from 20 on), failed after their\n"
    "                       retries (default 10%)\n"
    "  --prompts DIR        prompt folder (default data/si)\n";

static void on_skip(void *ctx, const char *message) { cli_info(ctx, "generate", "skipped: %s", message); }

static int positive(const char *s, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v == 0 || v > 1000)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static const char *task_name(int i) { return vlit_aa_task_name((vlit_aa_task)i); }
static const char *variant_name(int i) { return vlit_si_variant_name((vlit_si_variant)i); }

/* Progress of a Self-Instruct run: requests finished of an estimate of all
 * (clue records in the file x requests per record so far), rates and ETA. */
typedef struct si_watch {
    cli_common *c;
    size_t total_records; /* lines of the clue file; 0 = unknown */
    unsigned shard_count;
    double start, last;
} si_watch;

static void si_progress(void *ctx, const vlit_si_progress *p)
{
    si_watch *w = ctx;
    double now = cli_now();
    if (!w->c->progress || now - w->last < 0.2)
        return;
    w->last = now;
    double secs = now - w->start, finished = (double)(p->done + p->failed);
    double expected = 0;
    if (w->total_records && p->records)
        expected = (double)w->total_records / (w->shard_count > 1 ? w->shard_count : 1) *
                   ((double)p->requests / (double)p->records) - (double)p->from_store;
    char eta[32] = "?";
    double rate = secs > 0 ? finished / secs : 0;
    if (expected > finished && rate > 0) {
        long left = (long)((expected - finished) / rate);
        snprintf(eta, sizeof eta, "%ld:%02ld:%02ld", left / 3600, left / 60 % 60, left % 60);
    } else if (expected > 0) {
        snprintf(eta, sizeof eta, "0:00:00");
    }
    char text[200];
    snprintf(text, sizeof text, "%zu done, %zu failed, %zu from store | %.1f req/s, %.0f tok/s | ETA %s", p->done,
             p->failed, p->from_store, rate, secs > 0 ? (double)(p->prompt_tokens + p->completion_tokens) / secs : 0,
             eta);
    cli_progress_text(w->c, "requests", expected > 0 ? finished / expected : 0, text);
}

static int run_si(cli_common *c, vlit_si_params *si, const vlit_aa_params *aa, const char *clues, const char *out,
                  vlit_format fmt, size_t *samples)
{
    char prompts[4096], tmpl[4096];
    if (!si->url)
        return cli_usage_error("generate", usage, "--mode si needs --llm-url (or VLIT_LLM_URL)");
    if (!si->model)
        return cli_usage_error("generate", usage, "--mode si needs --model (or VLIT_MODEL)");
    if (!si->store_path)
        return cli_usage_error("generate", usage, "--mode si needs --store RUN.db");
    if (!si->prompts_dir)
        si->prompts_dir = cli_data_path("si", prompts, sizeof prompts);
    si->clue_template = cli_data_path("clue.tmpl", tmpl, sizeof tmpl);
    si->api_key = getenv("VLIT_API_KEY");
    if (!si->api_key || !*si->api_key)
        si->api_key = getenv("OPENAI_API_KEY");
    if (si->api_key && !*si->api_key)
        si->api_key = NULL;
    si->seed = aa->seed;
    si->skip_bad = aa->skip_bad;
    si->shard_index = aa->shard_index;
    si->shard_count = aa->shard_count;
    if (strcmp(aa->source, "aa") != 0)
        si->source = aa->source;
    si->on_skip = on_skip;
    si->on_progress = si_progress;
    si_watch watch = {c, c->progress ? cli_count_lines(clues) : 0, aa->shard_count, cli_now(), 0};
    si->ctx = &watch;
    vlit_si_summary sum;
    vlit_error err = {0};
    vlit_status st = vlit_generate_si(si, clues, out, fmt, &sum, &err);
    if (c->progress)
        fputc('\n', stderr);
    if (st == VLIT_ERR_USAGE)
        return cli_usage_error("generate", usage, "%s", err.message);
    if (st) {
        cli_error(c, "generate", err.message);
        return EXIT_FAIL;
    }
    cli_info(c, "generate",
             "%zu requests for %zu records: %zu answered from the store, %zu sent, %zu failed after retries; "
             "%zu completions (%zu not conversations, kept in the store); %zu samples; tokens %ld prompt, %ld completion",
             sum.requests, sum.records, sum.from_store, sum.sent, sum.failed, sum.completions, sum.unparsed, sum.samples,
             sum.prompt_tokens, sum.completion_tokens);
    *samples = sum.samples;
    return sum.failed ? EXIT_FAIL : EXIT_OK;
}

int cmd_generate(int argc, char **argv)
{
    enum {
        O_MODE = 256, O_FORMAT, O_SEED, O_TASKS, O_MAX, O_TURNS, O_SOURCE, O_TEMPLATES, O_SKIPBAD, O_SHARD, O_JSON,
        O_NODERIVE, O_URL, O_MODEL, O_STORE, O_VARIANTS, O_N, O_TEMP, O_MAXTOK, O_CONC, O_ATTEMPTS, O_TIMEOUT, O_PROMPTS, O_MAXFAILED
    };
    static const struct option opts[] = {
        {"mode", required_argument, NULL, O_MODE},         {"format", required_argument, NULL, O_FORMAT},
        {"seed", required_argument, NULL, O_SEED},         {"tasks", required_argument, NULL, O_TASKS},
        {"max-per-task", required_argument, NULL, O_MAX},  {"turns", required_argument, NULL, O_TURNS},
        {"source", required_argument, NULL, O_SOURCE},     {"templates", required_argument, NULL, O_TEMPLATES},
        {"skip-bad", no_argument, NULL, O_SKIPBAD},        {"no-derive", no_argument, NULL, O_NODERIVE},        {"shard", required_argument, NULL, O_SHARD},
        {"output", required_argument, NULL, 'o'},          {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},               {"help", no_argument, NULL, 'h'},
        {"llm-url", required_argument, NULL, O_URL},       {"model", required_argument, NULL, O_MODEL},
        {"store", required_argument, NULL, O_STORE},       {"variants", required_argument, NULL, O_VARIANTS},
        {"n", required_argument, NULL, O_N},               {"temperature", required_argument, NULL, O_TEMP},
        {"max-tokens", required_argument, NULL, O_MAXTOK}, {"concurrency", required_argument, NULL, O_CONC},
        {"max-attempts", required_argument, NULL, O_ATTEMPTS}, {"timeout", required_argument, NULL, O_TIMEOUT},
        {"prompts", required_argument, NULL, O_PROMPTS},  {"max-failed", required_argument, NULL, O_MAXFAILED},
        {NULL, 0, NULL, 0},
    };
    cli_common c;
    cli_common_init(&c);
    vlit_aa_params p = vlit_aa_default_params();
    vlit_si_params si = vlit_si_default_params();
    cli_default_shard(&p.shard_index, &p.shard_count);
    cli_shard sh = {.on = cli_shard_from_env()};
    si.url = getenv("VLIT_LLM_URL");
    si.model = getenv("VLIT_MODEL");
    const char *mode = NULL, *out = NULL;
    vlit_format fmt = VLIT_FMT_JSONL;
    char tmpl[4096];
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case O_MODE: mode = optarg; break;
        case O_FORMAT:
            if (vlit_format_parse(optarg, &fmt))
                return cli_usage_error("generate", usage, "unknown format '%s'", optarg);
            break;
        case O_SEED:
            p.seed = strtoull(optarg, &end, 10);
            if (*end || !*optarg)
                return cli_usage_error("generate", usage, "--seed needs a non-negative integer, not '%s'", optarg);
            break;
        case O_TASKS:
            if (cli_parse_name_set(optarg, task_name, VLIT_AA_TASK_COUNT, &p.tasks))
                return cli_usage_error("generate", usage, "--tasks: unknown task in '%s'", optarg);
            break;
        case O_MAX:
            if (positive(optarg, &p.max_per_task))
                return cli_usage_error("generate", usage, "--max-per-task needs a number in 1..1000, not '%s'", optarg);
            break;
        case O_TURNS:
            if (positive(optarg, &p.turns))
                return cli_usage_error("generate", usage, "--turns needs a number in 1..1000, not '%s'", optarg);
            break;
        case O_SOURCE: p.source = optarg; break;
        case O_TEMPLATES: p.templates = optarg; break;
        case O_SKIPBAD: p.skip_bad = 1; break;
        case O_NODERIVE: p.no_derive = 1; break;
        case O_SHARD:
            if (cli_parse_shard(optarg, &p.shard_index, &p.shard_count))
                return cli_usage_error("generate", usage, "--shard needs i/N with 0 <= i < N, not '%s'", optarg);
            sh.on = 1;
            break;
        case O_URL: si.url = optarg; break;
        case O_MODEL: si.model = optarg; break;
        case O_STORE: si.store_path = optarg; break;
        case O_PROMPTS: si.prompts_dir = optarg; break;
        case O_VARIANTS:
            if (cli_parse_name_set(optarg, variant_name, VLIT_SI_VARIANT_COUNT, &si.variants))
                return cli_usage_error("generate", usage, "--variants: unknown variant in '%s'", optarg);
            break;
        case O_N:
        case O_MAXTOK:
        case O_CONC:
        case O_ATTEMPTS: {
            unsigned v;
            if (positive(optarg, &v))
                return cli_usage_error("generate", usage, "%s needs a number in 1..1000, not '%s'", argv[optind - 2],
                                       optarg);
            *(ch == O_N ? &si.n : ch == O_MAXTOK ? &si.max_tokens : ch == O_CONC ? &si.concurrency : &si.max_attempts) =
                (int)v;
            break;
        }
        case O_TEMP:
        case O_TIMEOUT: {
            double d = strtod(optarg, &end);
            if (*end || !*optarg || d < 0 || d > 100000)
                return cli_usage_error("generate", usage, "%s needs a non-negative number, not '%s'", argv[optind - 2],
                                       optarg);
            *(ch == O_TEMP ? &si.temperature : &si.timeout_s) = d;
            break;
        }
        case O_MAXFAILED: {
            double d = strtod(optarg, &end);
            int share = *end == '%';
            if (end == optarg || end[share] || d < 0 || (share ? d > 100 : d > 1e15 || d != (double)(long)d))
                return cli_usage_error("generate", usage, "--max-failed needs a count N or a percentage P%%, not '%s'",
                                       optarg);
            if (share) {
                si.max_failed = -1;
                si.max_failed_share = d / 100;
            } else {
                si.max_failed = (long)d;
            }
            break;
        }
        case 'o': out = optarg; break;
        case 'q': c.quiet = 1; break;
        case O_JSON: c.json_log = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("generate", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("generate", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    if (!mode)
        return cli_usage_error("generate", usage, "give --mode aa or --mode si");
    if (strcmp(mode, "aa") != 0 && strcmp(mode, "si") != 0)
        return cli_usage_error("generate", usage, "unknown mode '%s' (aa or si)", mode);
    if (argc - optind != 1)
        return cli_usage_error("generate", usage, "give exactly one clue file");
    if (!out)
        return cli_usage_error("generate", usage, "no output: give -o OUT");
    int rc = cli_shard_begin(&sh, &c, "generate", argc, argv, p.shard_index, p.shard_count, out, vlit_format_name(fmt));
    if (rc)
        return rc;
    if (strcmp(mode, "si") == 0) {
        /* samples in the order their requests finished: no positions to merge by */
        size_t samples = 0;
        if ((rc = run_si(&c, &si, &p, argv[optind], out, fmt, &samples)) != EXIT_OK) {
            cli_shard_free(&sh);
            return rc;
        }
        return cli_shard_finish(&sh, &c, "generate", out, samples);
    }
    if (sh.on) {
        sh.rec.has_groups = 1;
        p.on_record = cli_shard_size;
        p.record_ctx = &sh;
    }
    if (!p.templates)
        p.templates = cli_data_path("aa_templates.txt", tmpl, sizeof tmpl);
    p.on_skip = on_skip;
    p.ctx = &c;
    vlit_aa_summary sum;
    vlit_error err = {0};
    vlit_status st = vlit_generate_aa(&p, argv[optind], out, fmt, &sum, &err);
    if (st == VLIT_ERR_USAGE) {
        cli_shard_free(&sh);
        return cli_usage_error("generate", usage, "%s", err.message);
    }
    if (st) {
        cli_shard_free(&sh);
        cli_error(&c, "generate", err.message);
        return EXIT_FAIL;
    }
    if ((rc = cli_shard_finish(&sh, &c, "generate", out, sum.samples)))
        return rc;
    char tasks[512] = "";
    size_t used = 0;
    for (int t = 0; t < VLIT_AA_TASK_COUNT; t++) {
        int n = snprintf(tasks + used, sizeof tasks - used, "%s%s %zu", t ? ", " : "", vlit_aa_task_name((vlit_aa_task)t),
                         sum.per_task[t]);
        if (n > 0 && (size_t)n < sizeof tasks - used)
            used += (size_t)n;
    }
    cli_info(&c, "generate",
             "%zu samples (%zu conversations) from %zu records; rounds by task: %s (%zu derived: vqa from objects, "
             "colours from captions); %zu bad records skipped",
             sum.samples, sum.conversations, sum.records, tasks, sum.derived, sum.skipped);
    return EXIT_OK;
}
