/* vlit: the command. Dispatches to one cmd_*.c per command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"collect", cmd_collect, "join image annotations (COCO, VQA, COCO-Text, VAW, TextVQA) into clue records"},
    {"clue", cmd_clue, "render clue records as the text a language-only LLM reads"},
    {"generate", cmd_generate, "turn clue records into instruction samples (templates, or an LLM server)"},
    {"mix", cmd_mix, "mix several sample files by counts or ratios (data mixing)"},
    {"convert", cmd_convert, "convert samples between jsonl, llava, sharegpt and mimicit"},
    {"score", cmd_score, "score every sample with the quality indicators (readability, correctness, complexity)"},
    {"tag", cmd_tag, "one task label per sample: embedded rules, or an LLM tagger (task diversity)"},
    {"report", cmd_report, "dataset-level indicators and sample-level averages, one column per dataset"},
    {"merge", cmd_merge, "put the outputs of shards back together (clues, samples, scores, select, report, run stores)"},
    {"lm", cmd_lm, "n-gram language models: train (Kneser-Ney), build binary, score text"},
    {"iqa", cmd_iqa, "image indicators: NIQE readability (fit a model, score) and visual complexity"},
    {"graph", cmd_graph, "ego-split a weighted edge list into overlapping clusters (instruction diversity)"},
    {"cluster", cmd_cluster, "exact DBSCAN on cosine distance: a cluster label for every vector (.npy or TSV)"},
    {"embed", cmd_embed, "vectors of texts (TF-IDF) or images (descriptor), or from a /v1/embeddings server"},
    {"select", cmd_select, "quality control: thresholds, near-duplicate removal, task-balanced sampling"},
    {"run", cmd_run, "the whole pipeline from one config file, resuming where it stopped"},
    {"stats", cmd_stats, "statistics on benchmark results: ICC (six Shrout-Fleiss forms), indicator correlations"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: vlit <command> [options]\n\n"
                 "Builds and quality-controls vision-language instruction-tuning data.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'vlit <command> --help' describes each one. 'vlit --version' prints the version.\n"
                 "Exit codes: 0 ok, 1 failure, 2 usage error.\n");
}

/* Tesseract (collect --ocr) parallelises with OpenMP, whose idle threads spin:
 * beside collect's own reader threads on a small machine that made OCR five
 * times slower (25 s against 5 s on coco-mini's 80 images). libgomp reads
 * OMP_THREAD_LIMIT when it is loaded, before main, so the only way to set it
 * for ourselves is to start again with it. A user's own setting is kept. */
static void limit_openmp(int argc, char **argv)
{
    if (getenv("OMP_THREAD_LIMIT") || strcmp(argv[1], "collect") != 0)
        return;
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--ocr") == 0) {
            setenv("OMP_THREAD_LIMIT", "1", 1);
            execv("/proc/self/exe", argv); /* returns only on failure: then go on as we are */
            return;
        }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("vlit %s\n", vlit_version());
        return EXIT_OK;
    }
    limit_openmp(argc, argv);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "vlit: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
