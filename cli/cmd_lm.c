/* vlit lm: n-gram language models (train, build, score, tokenize, info). */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: vlit lm <subcommand> [options]\n"
    "\n"
    "N-gram language models for the text-readability indicator (docs/lm.md).\n"
    "\n"
    "subcommands:\n"
    "  train     train an interpolated modified Kneser-Ney model on a corpus, write ARPA\n"
    "  build     write a model as the binary form that loads in milliseconds\n"
    "  score     log10 probability and perplexity of text under a model\n"
    "  tokenize  print text as the tokens that training and scoring see\n"
    "  info      order, vocabulary and n-gram counts of a model\n"
    "\n"
    "'vlit lm <subcommand> --help' describes each one.\n";

static const char usage_train[] =
    "usage: vlit lm train [--order N] CORPUS -o OUT.arpa [options]\n"
    "\n"
    "Trains an interpolated modified Kneser-Ney model (three discounts per order from\n"
    "the counts of counts; continuation counts below the highest order; unigrams\n"
    "interpolated with the uniform distribution) and writes it as an ARPA file.\n"
    "CORPUS: one sentence per line ('-' = standard input), tokenised as 'vlit lm tokenize'\n"
    "shows. OUT is written atomically ('-' = standard output).\n"
    "\n"
    "options:\n"
    "  --order N        highest n-gram order, 1..10 (default 3)\n"
    "  -o, --output F   the ARPA file to write (required)\n"
    "  --skip-bad       skip lines that are not UTF-8 (listed, counted) instead of failing\n"
    "  -q, --quiet      no summary\n"
    "  --json           log messages as JSON lines on stderr\n"
    "  -h, --help       this text\n";

static const char usage_build[] =
    "usage: vlit lm build IN OUT\n"
    "\n"
    "Writes the model IN (ARPA, or binary) in vlit's binary form to OUT, atomically.\n"
    "The binary form is mapped into memory when opened, which takes milliseconds, and\n"
    "gives exactly the log-probabilities of the ARPA file.\n"
    "\n"
    "options:\n"
    "  -q, --quiet      no summary\n"
    "  --json           log messages as JSON lines on stderr\n"
    "  -h, --help       this text\n";

static const char usage_score[] =
    "usage: vlit lm score --lm MODEL TEXT [options]\n"
    "\n"
    "Scores every line of TEXT ('-' = standard input) as one sentence <s> ... </s> and\n"
    "prints the totals: sentences, words, OOVs, tokens (words and </s>), the total log10\n"
    "probability, the perplexity 10^(-logprob/tokens) as SRILM and IRSTLM define it\n"
    "(</s> included; OOVs scored as <unk> and included when the model has <unk>, left\n"
    "out as SRILM does when it has not), the perplexity without OOVs, and the mean\n"
    "log10 probability per token. Lines without tokens are not sentences.\n"
    "\n"
    "options:\n"
    "  --lm MODEL       an ARPA or binary model (told apart by the file's first bytes)\n"
    "  --per-line       first one row per line: line, words, oov, tokens, logprob, ppl\n"
    "  --raw            split lines on white space only and take the words as they are\n"
    "                   (for models with a tokenisation of their own)\n"
    "  --skip-bad       skip lines that are not UTF-8 (listed, counted) instead of failing\n"
    "  --json           log messages as JSON lines on stderr\n"
    "  -h, --help       this text\n";

static const char usage_tokenize[] =
    "usage: vlit lm tokenize [IN [OUT]]\n"
    "\n"
    "Writes each line of IN (default '-', standard input) as its tokens joined by single\n"
    "spaces to OUT (default '-'): lower-cased ASCII, split on white space, punctuation as\n"
    "tokens of its own (docs/lm.md). Lines without tokens stay empty.\n"
    "\n"
    "options:\n"
    "  --skip-bad       write lines that are not UTF-8 as empty lines instead of failing\n"
    "  -q, --quiet      no summary\n"
    "  --json           log messages as JSON lines on stderr\n"
    "  -h, --help       this text\n";

static const char usage_info[] =
    "usage: vlit lm info MODEL\n"
    "\n"
    "Prints the kind of file, the order, the vocabulary size and the n-gram counts of an\n"
    "ARPA or binary model, and the time it took to open it.\n"
    "\n"
    "options:\n"
    "  -h, --help       this text\n";

enum { O_ORDER = 256, O_SKIPBAD, O_JSON, O_LM, O_PERLINE, O_RAW };

/* Parses the options shared by the subcommands; returns -1 to go on, else an exit code. */
typedef struct lm_opts {
    cli_common c;
    unsigned order;
    const char *output, *model;
    int skip_bad, per_line, raw;
} lm_opts;

static int parse(int argc, char **argv, const char *cmd, const char *use, const struct option *opts, lm_opts *o)
{
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":qho:", opts, NULL)) != -1) {
        switch (ch) {
        case O_ORDER: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > VLIT_LM_MAX_ORDER)
                return cli_usage_error(cmd, use, "--order must be 1..%d", VLIT_LM_MAX_ORDER);
            o->order = (unsigned)v;
            break;
        }
        case 'o': o->output = optarg; break;
        case O_LM: o->model = optarg; break;
        case O_SKIPBAD: o->skip_bad = 1; break;
        case O_PERLINE: o->per_line = 1; break;
        case O_RAW: o->raw = 1; break;
        case 'q': o->c.quiet = 1; break;
        case O_JSON: o->c.json_log = 1; break;
        case 'h': fputs(use, stdout); return EXIT_OK;
        case ':': return cli_usage_error(cmd, use, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, use, "unknown option %s", argv[optind - 1]);
        }
    }
    return -1;
}

static void on_skip(void *ctx, const char *message)
{
    lm_opts *o = ctx;
    cli_info(&o->c, "lm", "skipped: %s", message);
}

static int lm_train(int argc, char **argv)
{
    static const struct option opts[] = {
        {"order", required_argument, NULL, O_ORDER}, {"output", required_argument, NULL, 'o'},
        {"skip-bad", no_argument, NULL, O_SKIPBAD},  {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},         {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lm_opts o = {0};
    cli_common_init(&o.c);
    vlit_lm_train_params p = vlit_lm_train_default_params();
    o.order = p.order;
    int rc = parse(argc, argv, "lm train", usage_train, opts, &o);
    if (rc >= 0)
        return rc;
    if (argc - optind != 1)
        return cli_usage_error("lm train", usage_train, "give one corpus file");
    if (!o.output)
        return cli_usage_error("lm train", usage_train, "give the output file with -o");
    p.order = o.order;
    p.skip_bad = o.skip_bad;
    p.on_skip = on_skip;
    p.ctx = &o;
    vlit_lm_train_summary sum;
    vlit_error err = {0};
    double t0 = cli_now();
    if (vlit_lm_train(p, argv[optind], o.output, &sum, &err)) {
        cli_error(&o.c, "lm train", err.message);
        return EXIT_FAIL;
    }
    char counts[512] = "";
    size_t at = 0;
    for (unsigned n = 1; n <= p.order && at < sizeof counts; n++)
        at += (size_t)snprintf(counts + at, sizeof counts - at, "%s%zu", n > 1 ? " / " : "", sum.ngrams[n]);
    cli_info(&o.c, "lm train", "%zu sentences, %zu words, vocabulary %zu; n-grams by order %s; %zu bad lines skipped; "
             "%.1f s", sum.sentences, sum.words, sum.vocab_size, counts, sum.skipped, cli_now() - t0);
    for (unsigned n = 1; n <= p.order; n++)
        cli_info(&o.c, "lm train", "order %u discounts D1 %.4f D2 %.4f D3+ %.4f%s", n, sum.discount[n][0],
                 sum.discount[n][1], sum.discount[n][2],
                 sum.fallback[n] ? " (fallback: the counts of counts gave none)" : "");
    return EXIT_OK;
}

static int lm_build(int argc, char **argv)
{
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'}, {"json", no_argument, NULL, O_JSON}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lm_opts o = {0};
    cli_common_init(&o.c);
    int rc = parse(argc, argv, "lm build", usage_build, opts, &o);
    if (rc >= 0)
        return rc;
    if (argc - optind != 2)
        return cli_usage_error("lm build", usage_build, "give an input model and an output file");
    vlit_error err = {0};
    double t0 = cli_now();
    if (vlit_lm_build_binary(argv[optind], argv[optind + 1], &err)) {
        cli_error(&o.c, "lm build", err.message);
        return EXIT_FAIL;
    }
    cli_info(&o.c, "lm build", "%s -> %s in %.2f s", argv[optind], argv[optind + 1], cli_now() - t0);
    return EXIT_OK;
}

static void print_ppl(const char *name, double v)
{
    if (isnan(v))
        printf("%s: -\n", name);
    else
        printf("%s: %.6f\n", name, v);
}

static void on_line(void *ctx, size_t lineno, const vlit_lm_stats *s)
{
    (void)ctx;
    double ppl = vlit_lm_perplexity(s);
    printf("%zu\t%zu\t%zu\t%zu\t%.6f\t", lineno, s->words, s->oov, s->tokens, s->logprob);
    if (isnan(ppl))
        puts("-");
    else
        printf("%.6f\n", ppl);
}

static int lm_score(int argc, char **argv)
{
    static const struct option opts[] = {
        {"lm", required_argument, NULL, O_LM},    {"per-line", no_argument, NULL, O_PERLINE},
        {"raw", no_argument, NULL, O_RAW},        {"skip-bad", no_argument, NULL, O_SKIPBAD},
        {"json", no_argument, NULL, O_JSON},      {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lm_opts o = {0};
    cli_common_init(&o.c);
    int rc = parse(argc, argv, "lm score", usage_score, opts, &o);
    if (rc >= 0)
        return rc;
    if (!o.model)
        return cli_usage_error("lm score", usage_score, "give the model with --lm");
    if (argc - optind != 1)
        return cli_usage_error("lm score", usage_score, "give one text file");
    vlit_error err = {0};
    vlit_lm *lm;
    if (vlit_lm_open(o.model, &lm, &err)) {
        cli_error(&o.c, "lm score", err.message);
        return EXIT_FAIL;
    }
    vlit_lm_score_params p = vlit_lm_score_default_params();
    p.raw = o.raw;
    p.skip_bad = o.skip_bad;
    p.on_skip = on_skip;
    p.ctx = &o;
    if (o.per_line) {
        p.on_line = on_line;
        puts("line\twords\toov\ttokens\tlogprob\tppl");
    }
    vlit_lm_stats st = {0};
    vlit_status s = vlit_lm_score_file(lm, p, argv[optind], &st, &err);
    vlit_lm_close(lm);
    if (s) {
        fflush(stdout);
        cli_error(&o.c, "lm score", err.message);
        return EXIT_FAIL;
    }
    if (o.per_line)
        putchar('\n');
    printf("sentences: %zu\nwords: %zu\noov: %zu\ntokens: %zu\nlogprob: %.6f\n", st.sentences, st.words, st.oov,
           st.tokens, st.logprob);
    print_ppl("ppl", vlit_lm_perplexity(&st));
    print_ppl("ppl_without_oov", vlit_lm_perplexity_without_oov(&st));
    if (st.tokens)
        printf("mean_logprob: %.6f\n", st.logprob / (double)st.tokens);
    else
        puts("mean_logprob: -");
    return EXIT_OK;
}

static int lm_tokenize(int argc, char **argv)
{
    static const struct option opts[] = {
        {"skip-bad", no_argument, NULL, O_SKIPBAD}, {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lm_opts o = {0};
    cli_common_init(&o.c);
    int rc = parse(argc, argv, "lm tokenize", usage_tokenize, opts, &o);
    if (rc >= 0)
        return rc;
    if (argc - optind > 2)
        return cli_usage_error("lm tokenize", usage_tokenize, "give at most an input and an output file");
    const char *in = argc - optind >= 1 ? argv[optind] : "-";
    const char *out = argc - optind >= 2 ? argv[optind + 1] : "-";
    vlit_error err = {0};
    size_t skipped;
    if (vlit_lm_tokenize_file(in, out, o.skip_bad, &skipped, &err)) {
        cli_error(&o.c, "lm tokenize", err.message);
        return EXIT_FAIL;
    }
    if (skipped)
        cli_info(&o.c, "lm tokenize", "%zu lines that are not UTF-8 written empty", skipped);
    return EXIT_OK;
}

static int lm_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lm_opts o = {0};
    cli_common_init(&o.c);
    int rc = parse(argc, argv, "lm info", usage_info, opts, &o);
    if (rc >= 0)
        return rc;
    if (argc - optind != 1)
        return cli_usage_error("lm info", usage_info, "give one model file");
    vlit_error err = {0};
    vlit_lm *lm;
    double t0 = cli_now();
    if (vlit_lm_open(argv[optind], &lm, &err)) {
        cli_error(&o.c, "lm info", err.message);
        return EXIT_FAIL;
    }
    double ms = (cli_now() - t0) * 1e3;
    vlit_lm_info info;
    vlit_lm_get_info(lm, &info);
    printf("file: %s\nformat: %s\norder: %u\nvocabulary: %zu\nunk: %s\n", argv[optind],
           info.binary ? "binary" : "arpa", info.order, info.vocab_size, info.has_unk ? "yes" : "no");
    for (unsigned n = 1; n <= info.order; n++) {
        printf("ngram %u: %zu", n, info.ngrams[n]);
        if (info.implied[n])
            printf(" (+%zu prefixes the file lacked)", info.implied[n]);
        putchar('\n');
    }
    printf("open_ms: %.3f\n", ms);
    vlit_lm_close(lm);
    return EXIT_OK;
}

int cmd_lm(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } subs[] = {
        {"train", lm_train}, {"build", lm_build}, {"score", lm_score}, {"tokenize", lm_tokenize}, {"info", lm_info},
    };
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    return cli_usage_error("lm", usage, "unknown subcommand '%s'", argv[1]);
}
