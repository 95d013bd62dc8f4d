/* vlit embed: the vectors response and visual diversity cluster (vlit/embed.h),
 * written as .npy for `vlit cluster dbscan` and for users who want to look. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: vlit embed text SAMPLES... [--field responses|instructions|all] [options] -o VECTORS.npy\n"
    "       vlit embed image SAMPLES... --image-root DIR [options] -o VECTORS.npy [--paths PATHS.txt]\n"
    "\n"
    "Embeds every sample's text (one row per sample, in order) or every distinct\n"
    "image of the samples (one row per image, in order of first use) and writes\n"
    "the rows as a float32 .npy matrix that `vlit cluster dbscan` reads. Methods:\n"
    "  text:  tfidf (default): hashed words, sublinear tf x smoothed idf, a seeded\n"
    "         random projection to --dim values, L2-normalised; a text without\n"
    "         words is a zero row\n"
    "  image: descriptor (default): colour histogram and gradient-orientation\n"
    "         energies from a downscaled decode, 256 values, L2-normalised\n"
    "  both:  server: an OpenAI-compatible /v1/embeddings endpoint, batched,\n"
    "         concurrent, cached in the run store (--store)\n"
    "An image that cannot be read (missing, corrupt) gets no row: it is listed\n"
    "on stderr and left out (--paths names the image of every row). docs/embed.md\n"
    "gives the formulas and the measured accuracy.\n"
    "\n"
    "Shards: --partial writes the shard's partial instead of vectors; --merge\n"
    "reads partials (in shard order) instead of samples and writes the vectors,\n"
    "identical to those of one run over all samples.\n"
    "\n"
    "options:\n"
    "  -o, --output F        vectors (.npy) or, with --partial, the partial ('-' = stdout)\n"
    "  --format F            samples' format: jsonl, llava, sharegpt, mimicit (default: by name)\n"
    "  --field F             text: responses (assistant turns, default), instructions (user\n"
    "                        turns) or all turns, joined by newlines\n"
    "  --method M            tfidf | descriptor | server\n"
    "  --dim N               tfidf: output dimension (default 256)\n"
    "  --seed N              tfidf: seed of the projection (default 0)\n"
    "  --hash-bits B         tfidf: 2^B hashed term ids (default 20)\n"
    "  --stopwords F         tfidf: leave out the words of F (one a line), e.g.\n"
    "                        data/lexicon/stopwords.txt; default: keep every word\n"
    "  --image-root DIR      image paths of the samples are relative to DIR\n"
    "  --paths F             image: the path of every row, one a line\n"
    "  --threads N           decoding threads (image) or projection threads (text); default 2\n"
    "  --url U               server: base URL, e.g. http://127.0.0.1:8000/v1\n"
    "  --model M             server: model name\n"
    "  --store F             server: run store caching every vector (a rerun sends nothing)\n"
    "  --batch N             server: inputs per request (default 32 texts, 8 images)\n"
    "  --concurrency N       server: requests in flight (default 8)\n"
    "  --image-form F        server: messages (vLLM, default) or input (Infinity)\n"
    "  --max-failed N        server: stop after more than N failed requests (default: 20 and 10 %)\n"
    "  --partial             write this shard's partial\n"
    "  --merge               the inputs are partials\n"
    "  -q, --quiet           no summary\n"
    "  --json                log messages as JSON lines on stderr\n"
    "  -h, --help            this text\n";

static int parse_size(const char *opt, const char *s, size_t lo, size_t hi, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
        return cli_usage_error("embed", usage, "%s: '%s' is not a number from %zu to %zu", opt, s, lo, hi);
    *out = (size_t)v;
    return 0;
}

/* The sample's turns of the field, joined by newlines, into b. */
static int sample_text(const vlit_sample *s, int field, char **b, size_t *cap, size_t *len)
{
    *len = 0;
    for (size_t t = 0; t < s->n_turns; t++) {
        const char *role = s->turns[t].role ? s->turns[t].role : "";
        int user = strcmp(role, "user") == 0, asst = strcmp(role, "assistant") == 0;
        if ((field == 0 && !asst) || (field == 1 && !user) || (field == 2 && !user && !asst))
            continue;
        const char *text = s->turns[t].text ? s->turns[t].text : "";
        size_t n = strlen(text);
        if (*len + n + 2 > *cap) {
            size_t c = (*len + n + 2) * 2;
            char *g = realloc(*b, c);
            if (!g)
                return -1;
            *b = g;
            *cap = c;
        }
        if (*len)
            (*b)[(*len)++] = '\n';
        memcpy(*b + *len, text, n);
        *len += n;
    }
    return 0;
}

static vlit_status write_paths(const char *path, const vlit_embed_result *r, vlit_error *err)
{
    vlit_output *o;
    vlit_status st = vlit_output_open(path, &o, err);
    if (st)
        return st;
    FILE *fp = vlit_output_file(o);
    for (size_t i = 0; i < r->rows; i++)
        fprintf(fp, "%s\n", r->paths[r->row_item[i]]);
    return vlit_output_commit(o, err);
}

int cmd_embed(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc < 2)
            return cli_usage_error("embed", usage, "say what to embed: text or image");
        fputs(usage, stdout);
        return EXIT_OK;
    }
    int images;
    if (strcmp(argv[1], "text") == 0)
        images = 0;
    else if (strcmp(argv[1], "image") == 0)
        images = 1;
    else
        return cli_usage_error("embed", usage, "unknown kind '%s' (known: text, image)", argv[1]);
    argc--;
    argv++;
    enum {
        O_FORMAT = 256, O_FIELD, O_METHOD, O_DIM, O_SEED, O_BITS, O_STOP, O_ROOT, O_PATHS, O_THREADS, O_URL, O_MODEL,
        O_STORE, O_BATCH, O_CONC, O_FORM, O_MAXF, O_PARTIAL, O_MERGE, O_JSON
    };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},   {"format", required_argument, NULL, O_FORMAT},
        {"field", required_argument, NULL, O_FIELD}, {"method", required_argument, NULL, O_METHOD},
        {"dim", required_argument, NULL, O_DIM},     {"seed", required_argument, NULL, O_SEED},
        {"hash-bits", required_argument, NULL, O_BITS}, {"stopwords", required_argument, NULL, O_STOP},
        {"image-root", required_argument, NULL, O_ROOT}, {"paths", required_argument, NULL, O_PATHS},
        {"threads", required_argument, NULL, O_THREADS}, {"url", required_argument, NULL, O_URL},
        {"model", required_argument, NULL, O_MODEL}, {"store", required_argument, NULL, O_STORE},
        {"batch", required_argument, NULL, O_BATCH}, {"concurrency", required_argument, NULL, O_CONC},
        {"image-form", required_argument, NULL, O_FORM}, {"max-failed", required_argument, NULL, O_MAXF},
        {"partial", no_argument, NULL, O_PARTIAL},   {"merge", no_argument, NULL, O_MERGE},
        {"quiet", no_argument, NULL, 'q'},          {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    cli_common c;
    cli_common_init(&c);
    vlit_embed_params p = vlit_embed_default_params();
    p.threads = 2;
    const char *out = NULL, *paths_out = NULL, *fmt_name = NULL;
    int field = 0, partial = 0, merge = 0, have_format = 0;
    vlit_format fmt = VLIT_FMT_JSONL;
    size_t v;
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case O_FORMAT:
            fmt_name = optarg;
            if (vlit_format_parse(optarg, &fmt) != VLIT_OK)
                return cli_usage_error("embed", usage, "--format: unknown format '%s'", optarg);
            have_format = 1;
            break;
        case O_FIELD:
            if (strcmp(optarg, "responses") == 0)
                field = 0;
            else if (strcmp(optarg, "instructions") == 0)
                field = 1;
            else if (strcmp(optarg, "all") == 0)
                field = 2;
            else
                return cli_usage_error("embed", usage, "--field: '%s' is not responses, instructions or all", optarg);
            break;
        case O_METHOD: p.method = optarg; break;
        case O_DIM:
            if (parse_size("--dim", optarg, 1, 65536, &p.dim))
                return EXIT_USAGE;
            break;
        case O_SEED:
            if (parse_size("--seed", optarg, 0, SIZE_MAX, &v))
                return EXIT_USAGE;
            p.seed = v;
            break;
        case O_BITS:
            if (parse_size("--hash-bits", optarg, 8, 30, &v))
                return EXIT_USAGE;
            p.hash_bits = (unsigned)v;
            break;
        case O_STOP: p.stopwords = optarg; break;
        case O_ROOT: p.image_root = optarg; break;
        case O_PATHS: paths_out = optarg; break;
        case O_THREADS:
            if (parse_size("--threads", optarg, 1, 64, &v))
                return EXIT_USAGE;
            p.threads = (int)v;
            break;
        case O_URL: p.url = optarg; break;
        case O_MODEL: p.model = optarg; break;
        case O_STORE: p.store_path = optarg; break;
        case O_BATCH:
            if (parse_size("--batch", optarg, 1, 2048, &p.batch))
                return EXIT_USAGE;
            break;
        case O_CONC:
            if (parse_size("--concurrency", optarg, 1, 1024, &p.concurrency))
                return EXIT_USAGE;
            break;
        case O_FORM:
            if (strcmp(optarg, "messages") == 0)
                p.image_form = 0;
            else if (strcmp(optarg, "input") == 0)
                p.image_form = 1;
            else
                return cli_usage_error("embed", usage, "--image-form: '%s' is not messages or input", optarg);
            break;
        case O_MAXF:
            if (parse_size("--max-failed", optarg, 0, 1000000000, &v))
                return EXIT_USAGE;
            p.max_failed = (int)v;
            break;
        case O_PARTIAL: partial = 1; break;
        case O_MERGE: merge = 1; break;
        case 'q': c.quiet = 1; break;
        case O_JSON: c.json_log = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("embed", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("embed", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    (void)fmt_name;
    if (!out)
        return cli_usage_error("embed", usage, "give the output file (-o)");
    if (optind >= argc)
        return cli_usage_error("embed", usage, merge ? "no partial given" : "no SAMPLES file given");
    if (partial && merge)
        return cli_usage_error("embed", usage, "--partial and --merge do not go together");
    if (paths_out && !images)
        return cli_usage_error("embed", usage, "--paths is for images");
    if (!p.method)
        p.method = images ? "descriptor" : "tfidf";
    if (getenv("VLIT_EMBED_IMAGE_FORMAT") && strcmp(getenv("VLIT_EMBED_IMAGE_FORMAT"), "input") == 0)
        p.image_form = 1;

    vlit_error err = {0};
    vlit_status st;
    vlit_text_set *ts = NULL;
    vlit_image_set *is = NULL;
    vlit_embed_result r = {0};
    char *text = NULL;
    size_t cap = 0, samples = 0;
    double t0 = cli_now();
    if ((st = images ? vlit_image_set_new(&p, &is, &err) : vlit_text_set_new(&p, &ts, &err)))
        goto fail;
    for (int i = optind; i < argc; i++) {
        if (merge) {
            if ((st = images ? vlit_image_set_add_partial(is, argv[i], &err)
                             : vlit_text_set_add_partial(ts, argv[i], &err)))
                goto fail;
            continue;
        }
        vlit_reader_params rp = vlit_reader_default_params();
        vlit_reader *rd;
        if ((st = vlit_reader_open(argv[i], have_format ? fmt : cli_guess_format(argv[i]), &rp, &rd, &err)))
            goto fail;
        const vlit_sample *s;
        while ((st = vlit_reader_next(rd, &s, &err)) == VLIT_OK) {
            samples++;
            if (images) {
                for (size_t k = 0; k < s->n_images && !st; k++)
                    st = vlit_image_set_add(is, s->images[k], &err);
            } else {
                size_t len;
                if (sample_text(s, field, &text, &cap, &len)) {
                    st = VLIT_ERR_NOMEM;
                    snprintf(err.message, sizeof err.message, "out of memory");
                } else {
                    st = vlit_text_set_add(ts, text ? text : "", len, &err);
                }
            }
            if (st)
                break;
        }
        vlit_reader_close(rd);
        if (st != VLIT_END)
            goto fail;
    }
    if (partial) {
        if ((st = images ? vlit_image_set_write_partial(is, out, &err) : vlit_text_set_write_partial(ts, out, &err)))
            goto fail;
        if (!c.quiet)
            cli_info(&c, "embed", "%zu samples, %zu %s: partial written to %s (%.2f s)", samples,
                     images ? vlit_image_set_count(is) : vlit_text_set_count(ts), images ? "images" : "documents", out,
                     cli_now() - t0);
        goto done;
    }
    double t1 = cli_now();
    if ((st = images ? vlit_image_set_vectors(is, &r, &err) : vlit_text_set_embed(ts, &r, &err)))
        goto fail;
    double t2 = cli_now();
    if (!images && r.failed) {
        st = VLIT_ERR_REMOTE;
        snprintf(err.message, sizeof err.message, "%zu of %zu texts have no vector; text %zu: %.800s", r.failed,
                 r.items, r.failed_item[0], r.failed_reason[0]);
        goto fail;
    }
    vlit_matrix m = {r.data, r.rows, r.dim};
    if (r.rows == 0 && m.cols == 0)
        m.cols = images ? VLIT_EMBED_IMAGE_DIM : p.dim;
    if ((st = vlit_matrix_write_npy(&m, out, &err)))
        goto fail;
    if (paths_out && (st = write_paths(paths_out, &r, &err)))
        goto fail;
    for (size_t i = 0; i < r.failed; i++) {
        if (i == 20) {
            cli_info(&c, "embed", "... and %zu more images without a vector", r.failed - 20);
            break;
        }
        cli_info(&c, "embed", "no vector for image %zu (%s): %s", r.failed_item[i], r.paths[r.failed_item[i]],
                 r.failed_reason[i]);
    }
    if (!c.quiet)
        cli_info(&c, "embed", "%zu %s: %zu rows of %zu values, %zu failed (%.2f s: reading %.2f s, vectors %.2f s)",
                 r.items, images ? "images" : "texts", r.rows, r.dim, r.failed, cli_now() - t0, t1 - t0, t2 - t1);
    if (!c.quiet && !images)
        cli_info(&c, "embed", "the set held %.1f MB for its texts (%.0f bytes a text)",
                 (double)vlit_text_set_bytes(ts) / 1e6, r.items ? (double)vlit_text_set_bytes(ts) / (double)r.items : 0.0);
done:
    vlit_embed_result_free(&r);
    vlit_text_set_free(ts);
    vlit_image_set_free(is);
    free(text);
    return EXIT_OK;
fail:
    cli_error(&c, "embed", err.message);
    vlit_embed_result_free(&r);
    vlit_text_set_free(ts);
    vlit_image_set_free(is);
    free(text);
    return cli_exit(st);
}
