/* vlit select: quality control - thresholds, near-duplicate removal and
 * task-balanced sampling, with a reason for every dropped sample. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shard_cli.h"

static const char usage[] = "usage: vlit select SAMPLES --scores SCORES.jsonl -o OUT [options]\n"
                            "\n"
                            "Keeps the samples that pass four groups of rules, in this order: usability\n"
                            "(thresholds on readability, matching, correctness), complexity (a floor on\n"
                            "instruction complexity), diversity (one sample per group of near duplicates,\n"
                            "the best scored) and balance (uniform sampling per task to --target).\n"
                            "SCORES is the output of 'vlit score' on SAMPLES. OUT is written atomically,\n"
                            "as LLaVA JSON unless --format-out says otherwise. docs/select.md has the details.\n"
                            "\n"
                            "thresholds (VALUE: a number in the indicator's units, pN: the N-th percentile\n"
                            "of the input's values, or off):\n"
                            "  --min-text-readability V      drop text_readability below V (default p10)\n"
                            "  --max-image-readability V     drop image_readability (NIQE) above V (default p90)\n"
                            "  --min-matching V              drop matching below V (default p10)\n"
                            "  --min-correctness V           drop correctness below V (default p10)\n"
                            "  --max-hallucination V         drop hallucination above V (default off)\n"
                            "  --min-instruction-complexity V  complexity floor (default 2)\n"
                            "  --missing keep|drop           a value a rule needs is missing (default keep, counted)\n"
                            "\n"
                            "options:\n"
                            "  --scores FILE       vlit score output for SAMPLES (required)\n"
                            "  -o, --output FILE   the kept samples\n"
                            "  --format-out FMT    llava (default), jsonl, sharegpt, mimicit\n"
                            "  --from FMT          format of SAMPLES (default: from its extension)\n"
                            "  --reasons FILE      JSON Lines: every dropped sample with its group and rule\n"
                            "  --without GROUP     turn a group off: usability, complexity, diversity, balance\n"
                            "                      (repeatable, or a comma-separated list)\n"
                            "  --similarity X      texts linked by cosine >= X share a cluster (default 0.9)\n"
                            "  --dedup-by W        near duplicates share: both (instruction and response\n"
                            "                      clusters, default), response, or instruction\n"
                            "  --same-image        ... and their first image\n"
                            "  --dim N             TF-IDF dimension of the diversity vectors (default 256)\n"
                            "  --target N          balance: samples to keep (default: none, nothing sampled)\n"
                            "  --seed S            balance: seed of the per-task sampling (default 1)\n"
                            "  --tags FILE         task labels from 'vlit tag' (default: the rule tagger)\n"
                            "  --shard i/N         write only the samples at positions p with p mod N = i\n"
                            "  -q, --quiet         no summary\n"
                            "  --json              log messages as JSON lines on stderr\n"
                            "  -h, --help          this text\n";

static void on_note(void *ctx, const char *msg)
{
    cli_info(ctx, "select", "%s", msg);
}

static const char *group_name(int g)
{
    return vlit_select_group_name(g);
}

int cmd_select(int argc, char **argv)
{
    enum {
        O_SCORES = 256,
        O_FMT_OUT,
        O_FROM,
        O_REASONS,
        O_WITHOUT,
        O_SIM,
        O_DIM,
        O_TARGET,
        O_SEED,
        O_TAGS,
        O_SHARD,
        O_MISSING,
        O_JSON,
        O_DEDUP_BY,
        O_SAME_IMAGE,
        O_RULE /* O_RULE + rule index */
    };
    static const struct option opts[] = {
        {"scores", required_argument, NULL, O_SCORES},
        {"output", required_argument, NULL, 'o'},
        {"format-out", required_argument, NULL, O_FMT_OUT},
        {"from", required_argument, NULL, O_FROM},
        {"reasons", required_argument, NULL, O_REASONS},
        {"without", required_argument, NULL, O_WITHOUT},
        {"similarity", required_argument, NULL, O_SIM},
        {"dim", required_argument, NULL, O_DIM},
        {"dedup-by", required_argument, NULL, O_DEDUP_BY},
        {"same-image", no_argument, NULL, O_SAME_IMAGE},
        {"target", required_argument, NULL, O_TARGET},
        {"seed", required_argument, NULL, O_SEED},
        {"tags", required_argument, NULL, O_TAGS},
        {"shard", required_argument, NULL, O_SHARD},
        {"missing", required_argument, NULL, O_MISSING},
        {"min-text-readability", required_argument, NULL, O_RULE + VLIT_RULE_TEXT_READABILITY},
        {"max-image-readability", required_argument, NULL, O_RULE + VLIT_RULE_IMAGE_READABILITY},
        {"min-matching", required_argument, NULL, O_RULE + VLIT_RULE_MATCHING},
        {"min-correctness", required_argument, NULL, O_RULE + VLIT_RULE_CORRECTNESS},
        {"max-hallucination", required_argument, NULL, O_RULE + VLIT_RULE_HALLUCINATION},
        {"min-instruction-complexity", required_argument, NULL, O_RULE + VLIT_RULE_INSTRUCTION_COMPLEXITY},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common c;
    cli_common_init(&c);
    vlit_select_params p = vlit_select_default_params();
    const char *scores = NULL, *out = NULL, *from = NULL;
    cli_default_shard(&p.shard_index, &p.shard_count);
    cli_shard sh = {.on = cli_shard_from_env()}, shr = {0};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case O_SCORES: scores = optarg; break;
        case 'o': out = optarg; break;
        case O_FMT_OUT:
            if (vlit_format_parse(optarg, &p.out_format))
                return cli_usage_error("select", usage, "unknown format '%s'", optarg);
            break;
        case O_FROM: from = optarg; break;
        case O_REASONS: p.reasons_path = optarg; break;
        case O_WITHOUT: {
            unsigned set;
            if (cli_parse_name_set(optarg, group_name, VLIT_SELECT_GROUPS, &set))
                return cli_usage_error("select", usage,
                                       "--without '%s': the groups are usability, complexity, "
                                       "diversity, balance",
                                       optarg);
            p.off |= set;
            break;
        }
        case O_SIM:
            errno = 0;
            p.similarity = strtod(optarg, &end);
            if (errno || *end || !(p.similarity > 0 && p.similarity < 1))
                return cli_usage_error("select", usage, "--similarity '%s' is not a number in (0, 1)", optarg);
            break;
        case O_DIM:
        case O_TARGET: {
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || *end || optarg[0] == '-' || !optarg[0] || (ch == O_DIM && (v < 1 || v > 65536)))
                return cli_usage_error("select", usage, "--dim or --target '%s' is not a valid count", optarg);
            if (ch == O_DIM)
                p.dim = (size_t)v;
            else
                p.target = (size_t)v;
            break;
        }
        case O_SEED:
            errno = 0;
            p.seed = strtoull(optarg, &end, 10);
            if (errno || *end || optarg[0] == '-' || !optarg[0])
                return cli_usage_error("select", usage, "--seed '%s' is not a number", optarg);
            break;
        case O_TAGS: p.tags_path = optarg; break;
        case O_DEDUP_BY:
            if (strcmp(optarg, "both") == 0)
                p.dedup_by = VLIT_DEDUP_BOTH;
            else if (strcmp(optarg, "response") == 0)
                p.dedup_by = VLIT_DEDUP_RESPONSE;
            else if (strcmp(optarg, "instruction") == 0)
                p.dedup_by = VLIT_DEDUP_INSTRUCTION;
            else
                return cli_usage_error("select", usage, "--dedup-by '%s': both, response or instruction", optarg);
            break;
        case O_SAME_IMAGE: p.dedup_same_image = 1; break;
        case O_SHARD:
            if (cli_parse_shard(optarg, &p.shard_index, &p.shard_count))
                return cli_usage_error("select", usage, "--shard '%s' is not i/N with 0 <= i < N", optarg);
            sh.on = 1;
            break;
        case O_MISSING:
            if (strcmp(optarg, "keep") == 0)
                p.missing_drop = 0;
            else if (strcmp(optarg, "drop") == 0)
                p.missing_drop = 1;
            else
                return cli_usage_error("select", usage, "--missing '%s': keep or drop", optarg);
            break;
        case 'q': c.quiet = 1; break;
        case O_JSON: c.json_log = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("select", usage, "option %s needs a value", argv[optind - 1]);
        default:
            if (ch >= O_RULE && ch < O_RULE + VLIT_SELECT_RULES) {
                vlit_select_threshold *t = &p.threshold[ch - O_RULE];
                if (vlit_select_threshold_parse(optarg, t))
                    return cli_usage_error("select", usage,
                                           "threshold '%s': give a number, pN (a percentile 0-100) or off", optarg);
                t->required = t->on;
                break;
            }
            return cli_usage_error("select", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("select", usage, "give one samples file");
    if (!scores)
        return cli_usage_error("select", usage, "--scores is required (the output of vlit score)");
    if (!out)
        return cli_usage_error("select", usage, "-o is required");
    const char *in = argv[optind];
    p.in_format = cli_guess_format(in);
    if (from && vlit_format_parse(from, &p.in_format))
        return cli_usage_error("select", usage, "unknown format '%s'", from);
    p.on_note = on_note;
    p.ctx = &c;
    int rc = cli_shard_begin(&sh, &c, "select", argc, argv, p.shard_index, p.shard_count, out,
                             vlit_format_name(p.out_format));
    if (rc)
        return rc;
    if (sh.on) {
        sh.rec.has_groups = 1;
        p.on_written = cli_shard_at;
        p.written_ctx = &sh;
        if (p.reasons_path) { /* the reasons file is a shard output too, with its own record */
            shr.on = 1;
            if ((rc = cli_shard_begin(&shr, &c, "select-reasons", argc, argv, p.shard_index, p.shard_count,
                                      p.reasons_path, "jsonl"))) {
                cli_shard_free(&sh);
                return rc;
            }
            memcpy(shr.rec.settings, sh.rec.settings, sizeof shr.rec.settings);
            shr.rec.has_groups = 1;
            p.on_reason = cli_shard_at;
            p.reason_ctx = &shr;
        }
    }

    vlit_select_summary sum;
    vlit_error err = {0};
    vlit_status st = vlit_select(in, scores, &p, out, &sum, &err);
    if (st) {
        cli_shard_free(&sh);
        cli_shard_free(&shr);
        cli_error(&c, "select", err.message);
        vlit_select_summary_free(&sum);
        return cli_exit(st);
    }
    if ((rc = cli_shard_finish(&shr, &c, "select", p.reasons_path, shr.rec.n_groups)) ||
        (rc = cli_shard_finish(&sh, &c, "select", out, sh.rec.n_groups))) {
        cli_shard_free(&sh);
        vlit_select_summary_free(&sum);
        return rc;
    }
    size_t dropped = 0;
    for (int g = 0; g < VLIT_SELECT_GROUPS; g++)
        dropped += sum.dropped[g];
    cli_info(&c, "select", "%zu samples: kept %zu, dropped %zu", sum.samples, sum.kept, dropped);
    for (int g = 0; g < VLIT_SELECT_GROUPS; g++) {
        if (p.off & (1u << g)) {
            cli_info(&c, "select", "  %-10s off", vlit_select_group_name(g));
            continue;
        }
        char detail[512] = "";
        size_t len = 0;
        for (int k = 0; k < VLIT_SELECT_RULES; k++) {
            if (vlit_select_rule_group(k) != g || !p.threshold[k].on || !sum.method[k][0] || len >= sizeof detail)
                continue;
            len += (size_t)snprintf(detail + len, sizeof detail - len,
                                    p.missing_drop ? "%s%s %s %.4g: %zu dropped (%zu of them missing)"
                                                   : "%s%s %s %.4g: %zu dropped, %zu missing kept",
                                    len ? "; " : "", vlit_select_rule_indicator(k),
                                    vlit_select_rule_sense(k) > 0 ? ">=" : "<=", sum.cut[k], sum.dropped_rule[k],
                                    sum.missing[k]);
        }
        if (g == VLIT_SELECT_DIVERSITY)
            snprintf(detail, sizeof detail, "%zu groups of near duplicates at cosine >= %g", sum.duplicate_groups,
                     p.similarity);
        if (g == VLIT_SELECT_BALANCE)
            snprintf(detail, sizeof detail, "%zu tasks, target %zu%s", sum.tasks, p.target,
                     p.target ? "" : " (none given: nothing sampled)");
        cli_info(&c, "select", "  %-10s dropped %zu (%s)", vlit_select_group_name(g), sum.dropped[g], detail);
    }
    if (sum.tasks) {
        size_t before = 0, after = 0;
        for (size_t t = 0; t < sum.tasks; t++) {
            before += sum.shares[t].before;
            after += sum.shares[t].after;
        }
        cli_info(&c, "select", "  task shares (%%) before -> after balance:");
        for (size_t t = 0; t < sum.tasks; t++)
            cli_info(&c, "select", "    %-24s %6zu %6.2f -> %6zu %6.2f", sum.shares[t].task, sum.shares[t].before,
                     before ? 100.0 * (double)sum.shares[t].before / (double)before : 0.0, sum.shares[t].after,
                     after ? 100.0 * (double)sum.shares[t].after / (double)after : 0.0);
        cli_info(&c, "select", "  variance of the task shares: %.4f -> %.4f pp^2", sum.variance_before,
                 sum.variance_after);
    }
    vlit_select_summary_free(&sum);
    return EXIT_OK;
}
