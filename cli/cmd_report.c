/* vlit report: dataset-level indicators and the averages of the sample-level
 * ones, one column per dataset. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shard_cli.h"

static const char usage[] =
    "usage: vlit report DATASET... -o OUT [options]\n"
    "       vlit report DATASET... --partial --shard i/N -o PART_DIR [options]\n"
    "       vlit report --from-json REPORT.json --format table|html -o OUT\n"
    "\n"
    "Measures each dataset as a whole - task diversity (principle 3), instruction\n"
    "diversity (4), response diversity (5), visual and object diversity (6), balance\n"
    "(10) - and averages the sample-level indicators of its `vlit score` file; one\n"
    "column per dataset, every number labelled with its method. docs/report.md\n"
    "defines every number.\n"
    "\n"
    "  vlit report samples.jsonl --clues clues.jsonl --scores scores.jsonl -o -\n"
    "  vlit report a.json b.jsonl --scores a.s.jsonl --scores b.s.jsonl --equalize --format json -o r.json\n"
    "  vlit report a.json --partial --shard 0/4 -o part0   ...   vlit merge report part0 ... part3 -o r.json\n"
    "\n"
    "options (--scores, --tags, --name: once per dataset, in order; --clues: once for all or once each):\n"
    "  -o, --output F          report file ('-' = standard output), or the partial's folder\n"
    "  --format F              table (default), json or html\n"
    "  --from-json F           render a report JSON written before (no dataset is read)\n"
    "  --from FMT              samples format: jsonl, llava, sharegpt, mimicit (default: by extension)\n"
    "  --name NAME             column title (default: the file name without extension)\n"
    "  --clues F               clue records (vlit collect): object diversity\n"
    "  --scores F              vlit score output of the dataset: the sample-level rows\n"
    "  --tags F                vlit tag output (e.g. --method llm); default: the embedded rule tagger\n"
    "  --equalize              subsample every dataset to the smallest one's size first\n"
    "  --seed S                seed of --equalize (default 1)\n"
    "  --min-cluster K         instruction diversity: count clusters of >= K words (default 2)\n"
    "  --min-weight W          drop co-occurrence edges seen fewer than W times (default 1)\n"
    "  --lemmatize             reduce instruction words to their WordNet base form (wordnet-base)\n"
    "  --text-method M         response vectors: tfidf (default) or server\n"
    "  --text-dim D            TF-IDF dimension (default 128)\n"
    "  --eps-text E            DBSCAN eps for responses, cosine distance (default 0.5)\n"
    "  --min-samples-text M    DBSCAN min samples for responses (default 5)\n"
    "  --image-method M        image vectors: descriptor (default) or server\n"
    "  --image-root DIR        folder the samples' image paths are relative to (default .)\n"
    "  --eps-image E           DBSCAN eps for images (default 0.1)\n"
    "  --min-samples-image M   DBSCAN min samples for images (default 5)\n"
    "  --embed-url URL         embeddings server (or VLIT_EMBED_URL)\n"
    "  --embed-model NAME      its model (or VLIT_EMBED_MODEL)\n"
    "  --store F               run store caching server vectors (SQLite)\n"
    "  --threads N             threads for image decoding and DBSCAN scans (default 2)\n"
    "  --partial               write this shard's partial (a folder) instead of the report\n"
    "  --shard i/N             measure samples i, i+N, ... (needs --partial; default:\n"
    "                          SLURM_ARRAY_TASK_ID/COUNT); vlit merge report finishes\n"
    "  --skip-bad              skip malformed sample records instead of failing\n"
    "  -q, --quiet             no progress notes\n"
    "  --json                  log messages as JSON lines on stderr\n"
    "  -h, --help              this text\n";

static void on_note(void *ctx, const char *message)
{
    const cli_common *c = ctx;
    cli_info(c, "report", "%s", message);
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-')
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* vlit report --from-json: a report JSON rendered again, as a table or a page. */
static int render_json(const cli_common *c, const char *path, vlit_report_format fmt, const char *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        char msg[4200];
        snprintf(msg, sizeof msg, "%s: cannot open: %s", path, strerror(errno));
        cli_error(c, "report", msg);
        return EXIT_FAIL;
    }
    char *json = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            char *j = cap > ((size_t)1 << 32) ? NULL : realloc(json, cap);
            if (!j) {
                free(json);
                fclose(f);
                cli_error(c, "report", cap > ((size_t)1 << 32) ? "a report JSON of more than 4 GiB" : "out of memory");
                return EXIT_FAIL;
            }
            json = j;
        }
        size_t n = fread(json + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(json);
        char msg[4200];
        snprintf(msg, sizeof msg, "%s: read error", path);
        cli_error(c, "report", msg);
        return EXIT_FAIL;
    }
    vlit_error err = {0};
    char *text = NULL;
    size_t text_len = 0;
    vlit_status st = vlit_report_render(json, len, fmt, &text, &text_len, &err);
    free(json);
    if (st) {
        char msg[4200];
        snprintf(msg, sizeof msg, "%s: %s", path, err.message);
        cli_error(c, "report", msg);
        return cli_exit(st);
    }
    if (strcmp(out, "-") == 0) {
        fwrite(text, 1, text_len, stdout);
        free(text);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
    }
    vlit_output *o;
    st = vlit_output_open(out, &o, &err);
    if (!st) {
        fwrite(text, 1, text_len, vlit_output_file(o));
        st = vlit_output_commit(o, &err);
    }
    free(text);
    if (st) {
        cli_error(c, "report", err.message);
        return cli_exit(st);
    }
    return EXIT_OK;
}

#define MAX_LIST 256

typedef struct list {
    const char *v[MAX_LIST];
    int n;
} list;

static int push(list *l, const char *v)
{
    if (l->n >= MAX_LIST)
        return -1;
    l->v[l->n++] = v;
    return 0;
}

/* The value of a per-dataset option for dataset i: one for all, or one each. */
static const char *per_dataset(const list *l, int i)
{
    return l->n == 0 ? NULL : l->n == 1 ? l->v[0] : l->v[i];
}

int cmd_report(int argc, char **argv)
{
    enum {
        O_JSON = 256,
        O_FORMAT,
        O_FROM,
        O_NAME,
        O_CLUES,
        O_SCORES,
        O_TAGS,
        O_EQUALIZE,
        O_SEED,
        O_MIN_CLUSTER,
        O_MIN_WEIGHT,
        O_LEMMATIZE,
        O_TEXT_METHOD,
        O_TEXT_DIM,
        O_EPS_TEXT,
        O_MS_TEXT,
        O_IMAGE_METHOD,
        O_IMAGE_ROOT,
        O_EPS_IMAGE,
        O_MS_IMAGE,
        O_EMBED_URL,
        O_EMBED_MODEL,
        O_STORE,
        O_THREADS,
        O_PARTIAL,
        O_SHARD,
        O_SKIP_BAD,
        O_FROM_JSON
    };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, O_FORMAT},
        {"from-json", required_argument, NULL, O_FROM_JSON},
        {"from", required_argument, NULL, O_FROM},
        {"name", required_argument, NULL, O_NAME},
        {"clues", required_argument, NULL, O_CLUES},
        {"scores", required_argument, NULL, O_SCORES},
        {"tags", required_argument, NULL, O_TAGS},
        {"equalize", no_argument, NULL, O_EQUALIZE},
        {"seed", required_argument, NULL, O_SEED},
        {"min-cluster", required_argument, NULL, O_MIN_CLUSTER},
        {"min-weight", required_argument, NULL, O_MIN_WEIGHT},
        {"lemmatize", no_argument, NULL, O_LEMMATIZE},
        {"text-method", required_argument, NULL, O_TEXT_METHOD},
        {"text-dim", required_argument, NULL, O_TEXT_DIM},
        {"eps-text", required_argument, NULL, O_EPS_TEXT},
        {"min-samples-text", required_argument, NULL, O_MS_TEXT},
        {"image-method", required_argument, NULL, O_IMAGE_METHOD},
        {"image-root", required_argument, NULL, O_IMAGE_ROOT},
        {"eps-image", required_argument, NULL, O_EPS_IMAGE},
        {"min-samples-image", required_argument, NULL, O_MS_IMAGE},
        {"embed-url", required_argument, NULL, O_EMBED_URL},
        {"embed-model", required_argument, NULL, O_EMBED_MODEL},
        {"store", required_argument, NULL, O_STORE},
        {"threads", required_argument, NULL, O_THREADS},
        {"partial", no_argument, NULL, O_PARTIAL},
        {"shard", required_argument, NULL, O_SHARD},
        {"skip-bad", no_argument, NULL, O_SKIP_BAD},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common c;
    cli_common_init(&c);
    vlit_report_params p = vlit_report_default_params();
    p.embed_url = getenv("VLIT_EMBED_URL");
    p.embed_model = getenv("VLIT_EMBED_MODEL");
    cli_default_shard(&p.shard_index, &p.shard_count);
    const char *out = NULL, *from = NULL, *from_json = NULL;
    vlit_report_format fmt = VLIT_REPORT_TABLE;
    int partial = 0, shard_given = 0;
    list names = {0}, clues = {0}, scores = {0}, tags = {0};
    size_t sz;
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case O_FORMAT:
            if (vlit_report_format_parse(optarg, &fmt))
                return cli_usage_error("report", usage, "unknown format '%s' (table, json, html)", optarg);
            break;
        case O_FROM: from = optarg; break;
        case O_FROM_JSON: from_json = optarg; break;
        case O_NAME:
            if (push(&names, optarg))
                return cli_usage_error("report", usage, "too many --name");
            break;
        case O_CLUES:
            if (push(&clues, optarg))
                return cli_usage_error("report", usage, "too many --clues");
            break;
        case O_SCORES:
            if (push(&scores, optarg))
                return cli_usage_error("report", usage, "too many --scores");
            break;
        case O_TAGS:
            if (push(&tags, optarg))
                return cli_usage_error("report", usage, "too many --tags");
            break;
        case O_EQUALIZE: p.equalize = 1; break;
        case O_SEED:
            if (parse_size(optarg, &sz))
                return cli_usage_error("report", usage, "--seed needs a number >= 0");
            p.seed = (uint64_t)sz;
            break;
        case O_MIN_CLUSTER:
            if (parse_size(optarg, &p.min_cluster))
                return cli_usage_error("report", usage, "--min-cluster needs a number >= 0");
            break;
        case O_MIN_WEIGHT:
            if (parse_double(optarg, &p.min_weight) || p.min_weight < 0)
                return cli_usage_error("report", usage, "--min-weight needs a number >= 0");
            break;
        case O_LEMMATIZE: p.lemmatize = 1; break;
        case O_TEXT_METHOD: p.text_method = optarg; break;
        case O_TEXT_DIM:
            if (parse_size(optarg, &p.text_dim) || !p.text_dim || p.text_dim > 65536)
                return cli_usage_error("report", usage, "--text-dim needs a number in 1..65536");
            break;
        case O_EPS_TEXT:
            if (parse_double(optarg, &p.eps_text) || !(p.eps_text > 0 && p.eps_text <= 2))
                return cli_usage_error("report", usage, "--eps-text needs a cosine distance in (0, 2]");
            break;
        case O_MS_TEXT:
            if (parse_size(optarg, &p.min_samples_text) || !p.min_samples_text)
                return cli_usage_error("report", usage, "--min-samples-text needs a number >= 1");
            break;
        case O_IMAGE_METHOD: p.image_method = optarg; break;
        case O_IMAGE_ROOT: p.image_root = optarg; break;
        case O_EPS_IMAGE:
            if (parse_double(optarg, &p.eps_image) || !(p.eps_image > 0 && p.eps_image <= 2))
                return cli_usage_error("report", usage, "--eps-image needs a cosine distance in (0, 2]");
            break;
        case O_MS_IMAGE:
            if (parse_size(optarg, &p.min_samples_image) || !p.min_samples_image)
                return cli_usage_error("report", usage, "--min-samples-image needs a number >= 1");
            break;
        case O_EMBED_URL: p.embed_url = optarg; break;
        case O_EMBED_MODEL: p.embed_model = optarg; break;
        case O_STORE: p.store_path = optarg; break;
        case O_THREADS:
            if (parse_size(optarg, &sz) || sz < 1 || sz > 1024)
                return cli_usage_error("report", usage, "--threads needs a number in 1..1024");
            p.threads = (unsigned)sz;
            break;
        case O_PARTIAL: partial = 1; break;
        case O_SHARD:
            if (cli_parse_shard(optarg, &p.shard_index, &p.shard_count))
                return cli_usage_error("report", usage, "--shard needs i/N with 0 <= i < N");
            shard_given = 1;
            break;
        case O_SKIP_BAD: p.skip_bad = 1; break;
        case 'q': c.quiet = 1; break;
        case O_JSON: c.json_log = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("report", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("report", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    int nd = argc - optind;
    if (from_json) {
        if (nd > 0)
            return cli_usage_error("report", usage, "--from-json renders a report: no dataset with it");
        if (!out)
            return cli_usage_error("report", usage, "no output: give -o OUT ('-' = standard output)");
        return render_json(&c, from_json, fmt, out);
    }
    if (nd < 1)
        return cli_usage_error("report", usage, "no dataset given");
    if (nd > MAX_LIST)
        return cli_usage_error("report", usage, "at most %d datasets", MAX_LIST);
    if (!out)
        return cli_usage_error("report", usage, "no output: give -o OUT");
    const list *lists[] = {&names, &clues, &scores, &tags};
    const char *lnames[] = {"--name", "--clues", "--scores", "--tags"};
    for (int i = 0; i < 4; i++)
        if (lists[i]->n > 1 && lists[i]->n != nd)
            return cli_usage_error("report", usage, "%d %s for %d datasets: give one for all, or one per dataset",
                                   lists[i]->n, lnames[i], nd);
    if (names.n == 1 && nd > 1)
        return cli_usage_error("report", usage, "--name: give one per dataset");
    if (scores.n == 1 && nd > 1)
        return cli_usage_error("report", usage, "--scores: give one per dataset (scores belong to their samples)");
    if (tags.n == 1 && nd > 1)
        return cli_usage_error("report", usage, "--tags: give one per dataset (tags belong to their samples)");
    if (p.shard_count > 1 && !partial)
        return cli_usage_error("report", usage,
                               "--shard %u/%u writes a partial: add --partial (then vlit merge "
                               "report)",
                               p.shard_index, p.shard_count);
    if (partial && p.shard_count < 1) {
        p.shard_index = 0;
        p.shard_count = 1;
    }
    (void)shard_given;
    if (p.text_method && strcmp(p.text_method, "server") == 0 && (!p.embed_url || !p.embed_model))
        return cli_usage_error("report", usage, "--text-method server needs --embed-url and --embed-model");
    if (p.image_method && strcmp(p.image_method, "server") == 0 && (!p.embed_url || !p.embed_model))
        return cli_usage_error("report", usage, "--image-method server needs --embed-url and --embed-model");
    vlit_report_dataset *ds = calloc((size_t)nd, sizeof *ds);
    if (!ds) {
        cli_error(&c, "report", "out of memory");
        return EXIT_FAIL;
    }
    for (int i = 0; i < nd; i++) {
        ds[i].path = argv[optind + i];
        if (from) {
            if (vlit_format_parse(from, &ds[i].format)) {
                free(ds);
                return cli_usage_error("report", usage, "unknown format '%s'", from);
            }
        } else {
            ds[i].format = cli_guess_format(ds[i].path);
        }
        ds[i].name = per_dataset(&names, i);
        ds[i].clues_path = per_dataset(&clues, i);
        ds[i].scores_path = per_dataset(&scores, i);
        ds[i].tags_path = per_dataset(&tags, i);
    }
    char data_dir[4096];
    cli_data_path(".", data_dir, sizeof data_dir);
    p.data_dir = data_dir;
    p.api_key = getenv("VLIT_API_KEY");
    if (!p.api_key)
        p.api_key = getenv("OPENAI_API_KEY");
    if (!c.quiet) {
        p.on_note = on_note;
        p.ctx = &c;
    }
    /* a shard's partial gets its completion record (docs/scale.md) */
    cli_shard sh = {.on = partial && (shard_given || cli_shard_from_env())};
    int rc = cli_shard_begin(&sh, &c, "report", argc, argv, p.shard_index, p.shard_count, out, "folder");
    if (rc) {
        free(ds);
        return rc;
    }
    vlit_error err = {0};
    double t0 = cli_now();
    vlit_status st =
        partial ? vlit_report_partial(ds, (size_t)nd, &p, out, &err) : vlit_report(ds, (size_t)nd, &p, fmt, out, &err);
    free(ds);
    if (st) {
        cli_shard_free(&sh);
        cli_error(&c, "report", err.message);
        return cli_exit(st);
    }
    if ((rc = cli_shard_finish(&sh, &c, "report", out, 0)))
        return rc;
    if (partial)
        cli_info(&c, "report", "shard %u/%u of %d datasets: partial in %s (%.1f s)", p.shard_index, p.shard_count, nd,
                 out, cli_now() - t0);
    else if (strcmp(out, "-") != 0)
        cli_info(&c, "report", "%d datasets reported in %s (%.1f s)", nd, out, cli_now() - t0);
    return EXIT_OK;
}
