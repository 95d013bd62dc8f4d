/* vlit collect: annotations -> clue records (JSONL). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "shard_cli.h"

static const char usage[] =
    "usage: vlit collect [inputs] -o OUT.jsonl [options]\n"
    "\n"
    "Joins image annotations by image id into one clue record per image (JSONL).\n"
    "\n"
    "inputs (each optional, at least one):\n"
    "  --coco-captions F     COCO captions_*.json (2014 or 2017 layout)\n"
    "  --coco-instances F    COCO instances_*.json\n"
    "  --coco-keypoints F    COCO person_keypoints_*.json\n"
    "  --vqa-questions F     VQA v2 questions file\n"
    "  --vqa-annotations F   VQA v2 annotations file (with --vqa-questions)\n"
    "  --coco-text F         COCO-Text v2 (cocotext.v2.json)\n"
    "  --vaw F               VAW attribute annotations\n"
    "  --textvqa F           TextVQA / ST-VQA style OCR QA\n"
    "options:\n"
    "  -o, --output F        output JSONL ('-' = standard output), written atomically\n"
    "  --image-root DIR      check that every image exists under DIR and has its annotated size\n"
    "  --ocr                 run Tesseract on images without OCR annotations (needs --image-root)\n"
    "  --ocr-lang L          Tesseract language (default eng)\n"
    "  --tessdata DIR        Tesseract data folder (default: Tesseract's own)\n"
    "  --ocr-min-conf N      drop recognised words below confidence N (0-100, default 60)\n"
    "  --skip-bad            skip bad records (listed on stderr, counted) instead of failing\n"
    "  --shard i/N           keep only the images of shard i of N (default: from SLURM_ARRAY_TASK_ID/COUNT)\n"
    "  --max-text N          longest caption/question/answer in bytes (default 65536)\n"
    "  --threads N           reader threads: 1, or 0 for automatic (default: 2 when there are 2+ inputs)\n"
    "  --summary-json F      also write the summary as JSON to F\n"
    "  -q, --quiet           no summary, no progress\n"
    "  --json                log messages as JSON lines on stderr\n"
    "  -h, --help            this text\n";

typedef struct state {
    cli_common c;
    size_t listed;
} state;

static void on_skip(void *ctx, const char *message)
{
    state *s = ctx;
    s->listed++;
    cli_info(&s->c, "collect", "skipped: %s", message);
}

static void on_progress(void *ctx, const char *phase, double f)
{
    state *s = ctx;
    cli_progress(&s->c, phase, f);
}

static int write_summary_json(const char *path, const vlit_collect_summary *m)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        return -1;
    fprintf(fp,
            "{\"images\":%zu,\"captions\":%zu,\"objects\":%zu,\"keypoint_people\":%zu,\"qa\":%zu,\"answers\":%zu,"
            "\"ocr_tokens\":%zu,\"ocr_recognised\":%zu,\"attributes\":%zu,\"skipped\":%zu,\"outside_shard\":%zu}\n",
            m->images, m->captions, m->objects, m->keypoint_people, m->qa, m->answers, m->ocr_tokens,
            m->ocr_recognised, m->attributes, m->skipped, m->outside_shard);
    return fclose(fp);
}

int cmd_collect(int argc, char **argv)
{
    enum {
        O_CAPTIONS = 256, O_INSTANCES, O_KEYPOINTS, O_VQAQ, O_VQAA, O_COCOTEXT, O_VAW, O_TEXTVQA, O_ROOT, O_OCR,
        O_OCRLANG, O_TESSDATA, O_OCRCONF, O_SKIPBAD, O_SHARD, O_MAXTEXT, O_SUMMARY, O_JSON, O_THREADS
    };
    static const struct option opts[] = {
        {"coco-captions", required_argument, NULL, O_CAPTIONS},
        {"coco-instances", required_argument, NULL, O_INSTANCES},
        {"coco-keypoints", required_argument, NULL, O_KEYPOINTS},
        {"vqa-questions", required_argument, NULL, O_VQAQ},
        {"vqa-annotations", required_argument, NULL, O_VQAA},
        {"coco-text", required_argument, NULL, O_COCOTEXT},
        {"vaw", required_argument, NULL, O_VAW},
        {"textvqa", required_argument, NULL, O_TEXTVQA},
        {"image-root", required_argument, NULL, O_ROOT},
        {"ocr", no_argument, NULL, O_OCR},
        {"ocr-lang", required_argument, NULL, O_OCRLANG},
        {"tessdata", required_argument, NULL, O_TESSDATA},
        {"ocr-min-conf", required_argument, NULL, O_OCRCONF},
        {"skip-bad", no_argument, NULL, O_SKIPBAD},
        {"shard", required_argument, NULL, O_SHARD},
        {"max-text", required_argument, NULL, O_MAXTEXT},
        {"summary-json", required_argument, NULL, O_SUMMARY},
        {"threads", required_argument, NULL, O_THREADS},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    state s;
    cli_common_init(&s.c);
    s.listed = 0;
    vlit_collect_params p = vlit_collect_default_params();
    cli_default_shard(&p.shard_index, &p.shard_count);
    cli_shard sh = {.on = cli_shard_from_env()};
    const char *out = NULL, *summary_json = NULL;
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case O_CAPTIONS: p.coco_captions = optarg; break;
        case O_INSTANCES: p.coco_instances = optarg; break;
        case O_KEYPOINTS: p.coco_keypoints = optarg; break;
        case O_VQAQ: p.vqa_questions = optarg; break;
        case O_VQAA: p.vqa_annotations = optarg; break;
        case O_COCOTEXT: p.coco_text = optarg; break;
        case O_VAW: p.vaw = optarg; break;
        case O_TEXTVQA: p.textvqa = optarg; break;
        case O_ROOT: p.image_root = optarg; break;
        case O_OCR: p.ocr = 1; break;
        case O_OCRLANG: p.ocr_lang = optarg; break;
        case O_TESSDATA: p.tessdata = optarg; break;
        case O_OCRCONF:
            p.ocr_min_confidence = (int)strtol(optarg, &end, 10);
            if (*end || p.ocr_min_confidence < 0 || p.ocr_min_confidence > 100)
                return cli_usage_error("collect", usage, "--ocr-min-conf needs a number in 0..100, not '%s'", optarg);
            break;
        case O_SKIPBAD: p.skip_bad = 1; break;
        case O_SHARD:
            if (cli_parse_shard(optarg, &p.shard_index, &p.shard_count))
                return cli_usage_error("collect", usage, "--shard needs i/N with 0 <= i < N, not '%s'", optarg);
            sh.on = 1;
            break;
        case O_MAXTEXT:
            p.max_text = (size_t)strtoull(optarg, &end, 10);
            if (*end || p.max_text == 0)
                return cli_usage_error("collect", usage, "--max-text needs a positive number, not '%s'", optarg);
            break;
        case O_SUMMARY: summary_json = optarg; break;
        case O_THREADS:
            p.threads = (int)strtol(optarg, &end, 10);
            if (*end || p.threads < 0 || p.threads > 64)
                return cli_usage_error("collect", usage, "--threads needs a number in 0..64, not '%s'", optarg);
            break;
        case 'o': out = optarg; break;
        case 'q': s.c.quiet = 1; s.c.progress = 0; break;
        case O_JSON: s.c.json_log = 1; s.c.progress = 0; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("collect", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("collect", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("collect", usage, "unexpected argument '%s'", argv[optind]);
    if (!out)
        return cli_usage_error("collect", usage, "no output: give -o OUT.jsonl");
    if (strcmp(out, "-") == 0)
        s.c.progress = 0;
    p.on_skip = on_skip;
    p.on_progress = on_progress;
    p.ctx = &s;
    int rc = cli_shard_begin(&sh, &s.c, "collect", argc, argv, p.shard_index, p.shard_count, out, "jsonl");
    if (rc)
        return rc;
    if (sh.on) {
        sh.rec.has_groups = 1;
        p.on_record = cli_shard_one;
        p.record_ctx = &sh;
    }
    vlit_collect_summary sum;
    vlit_error err = {0};
    vlit_status st = vlit_collect(&p, out, &sum, &err);
    if (st == VLIT_ERR_USAGE) {
        cli_shard_free(&sh);
        return cli_usage_error("collect", usage, "%s", err.message);
    }
    if (st) {
        cli_shard_free(&sh);
        cli_error(&s.c, "collect", err.message);
        return EXIT_FAIL;
    }
    if ((rc = cli_shard_finish(&sh, &s.c, "collect", out, sum.images)))
        return rc;
    char shards[64] = "";
    if (sum.outside_shard)
        snprintf(shards, sizeof shards, "; %zu images left to other shards", sum.outside_shard);
    cli_info(&s.c, "collect",
             "collected %zu images: %zu captions, %zu objects, %zu people with keypoints, %zu QA pairs (%zu answers), "
             "%zu OCR tokens (%zu recognised), %zu attributes; %zu bad records skipped%s",
             sum.images, sum.captions, sum.objects, sum.keypoint_people, sum.qa, sum.answers, sum.ocr_tokens,
             sum.ocr_recognised, sum.attributes, sum.skipped, shards);
    if (summary_json && write_summary_json(summary_json, &sum) != 0) {
        cli_error(&s.c, "collect", "cannot write the summary JSON");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
