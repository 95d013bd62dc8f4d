/* vlit iqa: image indicators. fit (a NIQE pristine model from sharp
 * photos), score (NIQE per image), complexity (visual complexity per image). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char usage[] =
    "usage: vlit iqa <subcommand> [options] ...\n"
    "\n"
    "Image indicators (docs/iqa.md): readability as NIQE (lower is better) and\n"
    "visual complexity (0-1).\n"
    "\n"
    "subcommands:\n"
    "  fit         fit a NIQE pristine model on sharp natural photos\n"
    "  score       NIQE of each image\n"
    "  complexity  visual complexity of each image and its four components\n"
    "\n"
    "'vlit iqa <subcommand> --help' describes each one.\n";

static const char usage_fit[] =
    "usage: vlit iqa fit DIR|IMAGE... -o MODEL [options]\n"
    "\n"
    "Fits a NIQE pristine model (mean and covariance of the features of the\n"
    "sharp 96x96 patches) on JPEG/PNG photos: the files given, and the .jpg,\n"
    ".jpeg and .png files of each folder given (not its subfolders), in name\n"
    "order. Give sharp, undistorted natural photos. MODEL is written atomically.\n"
    "\n"
    "options:\n"
    "  -o, --output MODEL  the model file to write (required)\n"
    "  --sharpness S       keep patches sharper than S x the image's sharpest (default 0.75)\n"
    "  --skip-bad          leave out unreadable images (listed, counted) instead of failing\n"
    "  -q, --quiet         no summary\n"
    "  --json              log messages as JSON lines on stderr\n"
    "  -h, --help          this text\n";

static const char usage_score[] =
    "usage: vlit iqa score IMAGE... [options]\n"
    "\n"
    "Prints the NIQE of each JPEG/PNG image, one line each: image, tab, score\n"
    "(4 decimals). Lower is better. Images must be at least 96x96.\n"
    "\n"
    "options:\n"
    "  -m, --model MODEL   NIQE model (default: the data folder's niqe/pristine.model)\n"
    "  --format F          tsv (default) or jsonl: {\"image\": ..., \"niqe\": ...}\n"
    "  -o, --output FILE   write there (atomically) instead of standard output\n"
    "  --skip-bad          report bad images and go on instead of failing\n"
    "  -q, --quiet         no summary\n"
    "  --json              log messages as JSON lines on stderr\n"
    "  -h, --help          this text\n";

static const char usage_complexity[] =
    "usage: vlit iqa complexity IMAGE... [options]\n"
    "\n"
    "Prints the visual complexity (0-1) of each JPEG/PNG image with its four\n"
    "components: compression ratio, edge density, spatial information (ITU-T\n"
    "P.910 SI) and colour entropy (bits). tsv has a header line.\n"
    "\n"
    "options:\n"
    "  --format F          tsv (default) or jsonl\n"
    "  -o, --output FILE   write there (atomically) instead of standard output\n"
    "  --skip-bad          report bad images and go on instead of failing\n"
    "  -q, --quiet         no summary\n"
    "  --json              log messages as JSON lines on stderr\n"
    "  -h, --help          this text\n";

enum { O_SKIPBAD = 256, O_JSON, O_FORMAT, O_SHARP };

typedef struct iqa_opts {
    cli_common c;
    const char *output, *model;
    int skip_bad, jsonl;
    double sharpness;
} iqa_opts;

static int parse(int argc, char **argv, const char *cmd, const char *use, iqa_opts *o)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},   {"model", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, O_FORMAT}, {"sharpness", required_argument, NULL, O_SHARP},
        {"skip-bad", no_argument, NULL, O_SKIPBAD}, {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":qho:m:", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': o->output = optarg; break;
        case 'm': o->model = optarg; break;
        case O_FORMAT:
            if (strcmp(optarg, "tsv") == 0)
                o->jsonl = 0;
            else if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
                o->jsonl = 1;
            else
                return cli_usage_error(cmd, use, "--format must be tsv or jsonl, not '%s'", optarg);
            break;
        case O_SHARP: {
            char *end;
            o->sharpness = strtod(optarg, &end);
            if (end == optarg || *end || !(o->sharpness >= 0 && o->sharpness <= 1))
                return cli_usage_error(cmd, use, "--sharpness must be a number in [0, 1]");
            break;
        }
        case O_SKIPBAD: o->skip_bad = 1; break;
        case 'q': o->c.quiet = 1; break;
        case O_JSON: o->c.json_log = 1; break;
        case 'h': fputs(use, stdout); return EXIT_OK;
        case ':': return cli_usage_error(cmd, use, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, use, "unknown option %s", argv[optind - 1]);
        }
    }
    return -1;
}

/* ---- fit ---------------------------------------------------------------- */

typedef struct path_list {
    char **v;
    size_t n, cap;
} path_list;

static int push(path_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v, l->cap = cap;
    }
    return (l->v[l->n] = strdup(s)) ? (int)(l->n++, 0) : -1;
}

static void list_free(path_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int is_image_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || name[0] == '.')
        return 0;
    char ext[8] = {0};
    for (size_t i = 0; i < sizeof ext - 1 && dot[1 + i]; i++)
        ext[i] = (char)tolower((unsigned char)dot[1 + i]);
    return strcmp(ext, "jpg") == 0 || strcmp(ext, "jpeg") == 0 || strcmp(ext, "png") == 0;
}

/* The images of a folder, sorted, appended to l. 0, or an errno. */
static int add_folder(path_list *l, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno;
    size_t first = l->n;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (!is_image_name(e->d_name))
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (!p || (snprintf(p, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name), push(l, p))) {
            free(p);
            rc = ENOMEM;
            break;
        }
        free(p);
    }
    closedir(d);
    qsort(l->v + first, l->n - first, sizeof *l->v, by_name);
    return rc;
}

static void on_fit_image(void *ctx, const char *path, size_t patches, size_t kept)
{
    cli_info(ctx, "iqa fit", "%s: %zu patches, %zu sharp", path, patches, kept);
}

static void on_fit_skip(void *ctx, const vlit_error *why) { cli_info(ctx, "iqa fit", "skipped: %s", why->message); }

static int iqa_fit(int argc, char **argv)
{
    iqa_opts o = {.sharpness = -1};
    cli_common_init(&o.c);
    int rc = parse(argc, argv, "iqa fit", usage_fit, &o);
    if (rc >= 0)
        return rc;
    if (!o.output)
        return cli_usage_error("iqa fit", usage_fit, "give the model file to write with -o");
    if (optind >= argc)
        return cli_usage_error("iqa fit", usage_fit, "give folders or images of sharp photos");
    path_list l = {0};
    char msg[1200];
    rc = EXIT_OK;
    for (int i = optind; i < argc; i++) {
        struct stat sb;
        int e = stat(argv[i], &sb) != 0 ? errno : S_ISDIR(sb.st_mode) ? add_folder(&l, argv[i]) : push(&l, argv[i]) ? ENOMEM : 0;
        if (e) {
            snprintf(msg, sizeof msg, "%s: %s", argv[i], strerror(e));
            cli_error(&o.c, "iqa fit", msg);
            rc = EXIT_FAIL;
            goto out;
        }
    }
    vlit_niqe_fit_params p = vlit_niqe_fit_default_params();
    if (o.sharpness >= 0)
        p.sharpness = o.sharpness;
    p.skip_bad = o.skip_bad;
    p.on_image = on_fit_image;
    p.on_skip = on_fit_skip;
    p.ctx = &o.c;
    vlit_niqe_model *m = NULL;
    vlit_error err = {0};
    vlit_status st = vlit_niqe_fit((const char *const *)l.v, l.n, &p, &m, &err);
    if (!st)
        st = vlit_niqe_model_save(m, o.output, &err);
    if (st) {
        cli_error(&o.c, "iqa fit", err.message);
        rc = cli_exit(st) == EXIT_USAGE ? EXIT_USAGE : EXIT_FAIL;
    } else {
        vlit_niqe_model_info info = vlit_niqe_model_get_info(m);
        cli_info(&o.c, "iqa fit", "%s: %zu sharp patches from %zu images", o.output, info.patches, info.images);
    }
    vlit_niqe_model_free(m);
out:
    list_free(&l);
    return rc;
}

/* ---- score and complexity ----------------------------------------------- */

/* A file name as a JSON string. */
static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* Shared by score and complexity: one image at a time through measure(),
 * which prints its line. */
typedef vlit_status (*measure_fn)(void *ctx, const iqa_opts *o, const char *path, FILE *out, vlit_error *err);

static int each_image(int argc, char **argv, iqa_opts *o, const char *cmd, const char *header, measure_fn measure,
                      void *ctx)
{
    vlit_output *w = NULL;
    vlit_error err = {0};
    size_t done = 0, bad = 0;
    int n = argc - optind;
    double t0 = cli_now();
    vlit_status st = vlit_output_open(o->output ? o->output : "-", &w, &err);
    if (!st && header && !o->jsonl)
        fputs(header, vlit_output_file(w));
    for (int i = optind; !st && i < argc; i++) {
        st = measure(ctx, o, argv[i], vlit_output_file(w), &err);
        if (st && o->skip_bad && st != VLIT_ERR_NOMEM && st != VLIT_ERR_IO) {
            cli_info(&o->c, cmd, "skipped: %s", err.message);
            bad++;
            st = VLIT_OK;
        } else if (!st) {
            done++;
        }
        cli_progress(&o->c, cmd, (double)(i - optind + 1) / n);
    }
    if (!st) {
        st = vlit_output_commit(w, &err);
        w = NULL;
    }
    vlit_output_abort(w);
    if (st) {
        cli_error(&o->c, cmd, err.message);
        return EXIT_FAIL;
    }
    double dt = cli_now() - t0;
    cli_info(&o->c, cmd, "%zu images in %.2f s (%.1f ms each); %zu bad images skipped", done, dt,
             done ? 1000 * dt / (double)done : 0.0, bad);
    return EXIT_OK;
}

typedef struct score_ctx {
    vlit_niqe_model *model;
    vlit_iqa_workspace *ws;
} score_ctx;

static vlit_status score_one(void *ctx, const iqa_opts *o, const char *path, FILE *out, vlit_error *err)
{
    score_ctx *s = ctx;
    double q;
    vlit_status st = vlit_niqe_score_file(s->model, s->ws, path, &q, err);
    if (st)
        return st;
    if (o->jsonl) {
        fputs("{\"image\":", out);
        json_string(out, path);
        fprintf(out, ",\"niqe\":%.4f}\n", q);
    } else {
        fprintf(out, "%s\t%.4f\n", path, q);
    }
    return VLIT_OK;
}

static int iqa_score(int argc, char **argv)
{
    iqa_opts o = {0};
    cli_common_init(&o.c);
    int rc = parse(argc, argv, "iqa score", usage_score, &o);
    if (rc >= 0)
        return rc;
    if (optind >= argc)
        return cli_usage_error("iqa score", usage_score, "give one or more images");
    char buf[4096];
    const char *model = o.model ? o.model : cli_data_path("niqe/pristine.model", buf, sizeof buf);
    score_ctx s = {NULL, NULL};
    vlit_error err = {0};
    vlit_status st = vlit_niqe_model_load(model, &s.model, &err);
    if (!st)
        st = vlit_iqa_workspace_new(&s.ws, &err);
    if (st) {
        cli_error(&o.c, "iqa score", err.message);
        rc = EXIT_FAIL;
    } else {
        rc = each_image(argc, argv, &o, "iqa score", NULL, score_one, &s);
    }
    vlit_iqa_workspace_free(s.ws);
    vlit_niqe_model_free(s.model);
    return rc;
}

static vlit_status complexity_one(void *ctx, const iqa_opts *o, const char *path, FILE *out, vlit_error *err)
{
    (void)ctx;
    vlit_visual_complexity v;
    vlit_status st = vlit_visual_complexity_file(path, &v, err);
    if (st)
        return st;
    if (o->jsonl) {
        fputs("{\"image\":", out);
        json_string(out, path);
        fprintf(out,
                ",\"complexity\":%.4f,\"compression_ratio\":%.4f,\"edge_density\":%.4f,"
                "\"spatial_information\":%.3f,\"colour_entropy\":%.4f}\n",
                v.score, v.compression_ratio, v.edge_density, v.spatial_information, v.colour_entropy);
    } else {
        fprintf(out, "%s\t%.4f\t%.4f\t%.4f\t%.3f\t%.4f\n", path, v.score, v.compression_ratio, v.edge_density,
                v.spatial_information, v.colour_entropy);
    }
    return VLIT_OK;
}

static int iqa_complexity(int argc, char **argv)
{
    iqa_opts o = {0};
    cli_common_init(&o.c);
    int rc = parse(argc, argv, "iqa complexity", usage_complexity, &o);
    if (rc >= 0)
        return rc;
    if (optind >= argc)
        return cli_usage_error("iqa complexity", usage_complexity, "give one or more images");
    return each_image(argc, argv, &o, "iqa complexity",
                      "image\tcomplexity\tcompression_ratio\tedge_density\tspatial_information\tcolour_entropy\n",
                      complexity_one, NULL);
}

int cmd_iqa(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } subs[] = {{"fit", iqa_fit}, {"score", iqa_score}, {"complexity", iqa_complexity}};
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
    return cli_usage_error("iqa", usage, "unknown subcommand '%s'", argv[1]);
}
