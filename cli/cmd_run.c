/* vlit run CONFIG: the whole pipeline (collect -> generate -> score -> tag ->
 * report -> select) from one config file, each stage a `vlit <stage>` child
 * process; a stage whose settings and inputs have not changed since it last
 * succeeded is not run again (docs/run.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "vlit/run.h"

static const char *const USAGE =
    "usage: vlit run CONFIG [--workdir DIR] [--set SECTION.KEY=VALUE]... [--force] [--dry-run]\n"
    "\n"
    "Runs the pipeline that CONFIG describes: each [stage] section present runs, in this\n"
    "order: collect, generate, score, tag, report, select, as 'vlit <stage>' with one\n"
    "--key value per line of its section ('key = true' gives --key alone). The run\n"
    "connects the stages' files in the work folder: clues.jsonl, samples.jsonl,\n"
    "scores.jsonl, tags.jsonl, report.json + report.html, train.llava.json and\n"
    "dropped.jsonl. A stage that succeeded before, with the same settings and the\n"
    "same input files (content), is skipped; a failed or killed run goes on from the\n"
    "stage that did not finish when run again. docs/run.md describes the file;\n"
    "data/demo/pipeline.conf is a commented example.\n"
    "\n"
    "  vlit run data/demo/pipeline.conf --set run.image-root=demo-out/images\n"
    "\n"
    "options:\n"
    "  --workdir DIR          the work folder (default: [run] workdir, else vlit-run)\n"
    "  --set S.K=V            set a config value (replaces the file's; 'S.K=' removes it)\n"
    "  --force                run every stage, even those up to date\n"
    "  --dry-run              print each stage's command and whether it is up to date\n"
    "  -q, --quiet            only errors (the stages run with -q too)\n"
    "  --json                 log messages as JSON lines on stderr\n"
    "  -h, --help             this text\n";

#define CMD "run"
#define MAX_ARGS 512

typedef enum { ST_COLLECT, ST_GENERATE, ST_SCORE, ST_TAG, ST_REPORT, ST_SELECT, ST_COUNT } stage_id;
static const char *const STAGE_NAMES[ST_COUNT] = {"collect", "generate", "score", "tag", "report", "select"};

/* [run] keys */
static const char *const RUN_KEYS[] = {"workdir", "image-root", "clues", "samples", "scores", "tags", NULL};

typedef struct run_ctx {
    cli_common common;
    const vlit_config *cfg;
    const char *workdir;
    const char *image_root;           /* [run] image-root or NULL */
    char *file[ST_COUNT];             /* each stage's main output (or [run]'s given file) */
    char *html;                       /* report.html */
    char *reasons;                    /* dropped.jsonl */
    char *si_store;                   /* generate.db: the run store of --mode si */
    int force, dry_run;
} run_ctx;

typedef struct argv_buf {
    char *v[MAX_ARGS + 1];
    int n;
    int overflow;
    char *owned[MAX_ARGS];
    int n_owned;
} argv_buf;

static void argv_push(argv_buf *a, const char *s)
{
    if (a->n >= MAX_ARGS) {
        a->overflow = 1;
        return;
    }
    a->v[a->n++] = (char *)s;
    a->v[a->n] = NULL;
}

static void argv_push_flag(argv_buf *a, const char *key)
{
    if (a->n_owned >= MAX_ARGS) {
        a->overflow = 1;
        return;
    }
    size_t len = strlen(key) + 3;
    char *f = malloc(len);
    if (!f) {
        a->overflow = 1;
        return;
    }
    snprintf(f, len, "--%s", key);
    a->owned[a->n_owned++] = f;
    argv_push(a, f);
}

static void argv_free(argv_buf *a)
{
    for (int i = 0; i < a->n_owned; i++)
        free(a->owned[i]);
    a->n_owned = a->n = 0;
}

static char *path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%s/%s", dir, name);
    return p;
}

static int exists(const char *path)
{
    struct stat sb;
    return path && stat(path, &sb) == 0;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

/* Keys the run sets itself, per stage: refused in the config. */
static int reserved(stage_id s, const char *key)
{
    if (strcmp(key, "output") == 0 || strcmp(key, "o") == 0 || strcmp(key, "help") == 0 || strcmp(key, "h") == 0)
        return 1;
    switch (s) {
    case ST_SCORE:
        return strcmp(key, "clues") == 0;
    case ST_REPORT:
        return strcmp(key, "clues") == 0 || strcmp(key, "scores") == 0 || strcmp(key, "tags") == 0 ||
               strcmp(key, "format") == 0 || strcmp(key, "partial") == 0;
    case ST_SELECT:
        return strcmp(key, "scores") == 0 || strcmp(key, "tags") == 0 || strcmp(key, "reasons") == 0;
    default:
        return 0;
    }
}

/* The config's flags of a stage, in file order. */
static void push_section(argv_buf *a, const vlit_config *cfg, const char *section)
{
    for (size_t i = 0; i < vlit_config_count(cfg); i++) {
        const vlit_config_entry *e = vlit_config_entry_at(cfg, i);
        if (strcmp(e->section, section) != 0)
            continue;
        if (strcmp(e->value, "false") == 0)
            continue;
        argv_push_flag(a, e->key);
        if (strcmp(e->value, "true") != 0)
            argv_push(a, e->value);
    }
}

static int section_has(const vlit_config *cfg, const char *section, const char *key)
{
    return vlit_config_get(cfg, section, key) != NULL;
}

/* The input file of a stage that an earlier stage makes, or [run] gives. */
static const char *input_of(const run_ctx *r, stage_id producer)
{
    return r->file[producer];
}

/* Builds the command of a stage; the outputs it writes go to outs. */
static void build_stage(const run_ctx *r, stage_id s, argv_buf *a, const char **outs, int *n_outs)
{
    const vlit_config *cfg = r->cfg;
    const char *name = STAGE_NAMES[s];
    argv_push(a, "vlit");
    argv_push(a, name);
    *n_outs = 0;
    switch (s) {
    case ST_COLLECT:
        push_section(a, cfg, name);
        if (r->image_root && !section_has(cfg, name, "image-root")) {
            argv_push(a, "--image-root");
            argv_push(a, r->image_root);
        }
        break;
    case ST_GENERATE:
        argv_push(a, input_of(r, ST_COLLECT));
        push_section(a, cfg, name);
        if (!section_has(cfg, name, "store")) {
            const char *mode = vlit_config_get(cfg, name, "mode");
            if (mode && strcmp(mode, "si") == 0) {
                argv_push(a, "--store");
                argv_push(a, r->si_store);
            }
        }
        break;
    case ST_SCORE:
    case ST_TAG:
    case ST_REPORT:
    case ST_SELECT:
        argv_push(a, input_of(r, ST_GENERATE));
        push_section(a, cfg, name);
        if ((s == ST_SCORE || s == ST_REPORT) && input_of(r, ST_COLLECT)) {
            argv_push(a, "--clues");
            argv_push(a, input_of(r, ST_COLLECT));
        }
        if ((s == ST_SCORE || s == ST_REPORT) && r->image_root && !section_has(cfg, name, "image-root")) {
            argv_push(a, "--image-root");
            argv_push(a, r->image_root);
        }
        if ((s == ST_REPORT || s == ST_SELECT) && input_of(r, ST_SCORE)) {
            argv_push(a, "--scores");
            argv_push(a, input_of(r, ST_SCORE));
        }
        if ((s == ST_REPORT || s == ST_SELECT) && input_of(r, ST_TAG)) {
            argv_push(a, "--tags");
            argv_push(a, input_of(r, ST_TAG));
        }
        if (s == ST_REPORT) {
            argv_push(a, "--format");
            argv_push(a, "json");
        }
        if (s == ST_SELECT && r->reasons) {
            argv_push(a, "--reasons");
            argv_push(a, r->reasons);
            outs[(*n_outs)++] = r->reasons;
        }
        break;
    default:
        break;
    }
    if (r->common.quiet)
        argv_push(a, "-q");
    argv_push(a, "-o");
    argv_push(a, r->file[s]);
    outs[(*n_outs)++] = r->file[s];
}

/* Prints a command line, quoting what a shell would need quoted. */
static void print_command(FILE *out, char *const *argv)
{
    for (int i = 0; argv[i]; i++) {
        const char *s = argv[i];
        int plain = *s != '\0';
        for (const char *p = s; *p && plain; p++)
            plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+%@", *p) != NULL;
        fputs(i ? " " : "", out);
        if (plain) {
            fputs(s, out);
        } else {
            fputc('\'', out);
            for (const char *p = s; *p; p++)
                if (*p == '\'')
                    fputs("'\\''", out);
                else
                    fputc(*p, out);
            fputc('\'', out);
        }
    }
    fputc('\n', out);
}

/* The fingerprint of a stage: the version, its command, and every argument
 * that names an existing file or folder (content / listing), except its
 * outputs and run stores (which the stage itself changes). */
static vlit_status stage_fingerprint(char *const *argv, const char **outs, int n_outs, char hex[65],
                                     vlit_error *err)
{
    vlit_fingerprint *f;
    vlit_status st = vlit_fingerprint_new(&f, err);
    if (st != VLIT_OK)
        return st;
    vlit_fingerprint_add_text(f, vlit_version());
    for (int i = 0; argv[i]; i++)
        vlit_fingerprint_add_text(f, argv[i]);
    for (int i = 1; argv[i] && st == VLIT_OK; i++) {
        int skip = strcmp(argv[i - 1], "--store") == 0 || strcmp(argv[i - 1], "-o") == 0;
        for (int k = 0; k < n_outs && !skip; k++)
            skip = strcmp(argv[i], outs[k]) == 0;
        if (!skip && argv[i][0] != '-' && exists(argv[i]))
            st = vlit_fingerprint_add_path(f, argv[i], err);
    }
    if (st == VLIT_OK)
        vlit_fingerprint_hex(f, hex);
    vlit_fingerprint_free(f);
    return st;
}

/* 1 if the stamp holds this fingerprint. */
static int stamp_matches(const char *stamp, const char hex[65])
{
    FILE *f = fopen(stamp, "r");
    if (!f)
        return 0;
    char line[128] = "";
    int ok = fgets(line, sizeof line, f) && strncmp(line, hex, 64) == 0 && line[64] == '\n';
    fclose(f);
    return ok;
}

static vlit_status write_stamp(const char *stamp, const char hex[65], char *const *argv, vlit_error *err)
{
    vlit_output *o;
    vlit_status st = vlit_output_open(stamp, &o, err);
    if (st != VLIT_OK)
        return st;
    FILE *f = vlit_output_file(o);
    fprintf(f, "%s\n", hex);
    print_command(f, argv);
    return vlit_output_commit(o, err);
}

/* Runs argv (argv[0] = "vlit") as a child of this same program. Returns its
 * exit status, or -1 with a message in why. */
static int spawn(char *const *argv, char *why, size_t cap)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, cap, "cannot start a process: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execv("/proc/self/exe", argv);
        execvp("vlit", argv);
        fprintf(stderr, "vlit run: cannot run vlit: %s\n", strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(why, cap, "waiting for the stage: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFSIGNALED(status)) {
        snprintf(why, cap, "killed by signal %d", WTERMSIG(status));
        return -1;
    }
    return WEXITSTATUS(status);
}

/* The stage a section runs, or -1 ([run], or not a stage). */
static int stage_of(const char *section)
{
    for (int k = 0; k < ST_COUNT; k++)
        if (strcmp(section, STAGE_NAMES[k]) == 0)
            return k;
    return -1;
}

/* Unknown sections, unknown [run] keys and keys the run sets itself, before
 * anything runs. Every entry's section is among the sections checked first. */
static int check_config(const run_ctx *r, const char *path)
{
    const vlit_config *cfg = r->cfg;
    for (size_t i = 0; i < vlit_config_section_count(cfg); i++) {
        size_t line = 0;
        const char *name = vlit_config_section_at(cfg, i, &line);
        if (strcmp(name, "run") != 0 && stage_of(name) < 0) {
            char msg[512], where[64] = "";
            if (line)
                snprintf(where, sizeof where, ":%zu", line);
            snprintf(msg, sizeof msg,
                     "%s%s: unknown section [%s] (sections: run, collect, generate, score, tag, report, select)", path,
                     where, name);
            cli_error(&r->common, CMD, msg);
            return EXIT_USAGE;
        }
    }
    for (size_t i = 0; i < vlit_config_count(cfg); i++) {
        const vlit_config_entry *e = vlit_config_entry_at(cfg, i);
        char where[64] = "";
        if (e->line)
            snprintf(where, sizeof where, ":%zu", e->line);
        if (strcmp(e->section, "run") == 0) {
            int known = 0;
            for (int k = 0; RUN_KEYS[k] && !known; k++)
                known = strcmp(e->key, RUN_KEYS[k]) == 0;
            if (!known) {
                char msg[512];
                snprintf(msg, sizeof msg,
                         "%s%s: [run] has no key '%s' (it has workdir, image-root, clues, samples, scores, tags)",
                         path, where, e->key);
                cli_error(&r->common, CMD, msg);
                return EXIT_USAGE;
            }
            continue;
        }
        if (reserved((stage_id)stage_of(e->section), e->key)) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s%s: [%s] %s is set by vlit run itself (docs/run.md says which file it uses)",
                     path, where, e->section, e->key);
            cli_error(&r->common, CMD, msg);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
    run_ctx r;
    memset(&r, 0, sizeof r);
    cli_common_init(&r.common);
    const char *config_path = NULL, *workdir_opt = NULL;
    const char *sets[64];
    int n_sets = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(USAGE, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--workdir") == 0 && i + 1 < argc) {
            workdir_opt = argv[++i];
        } else if (strcmp(a, "--set") == 0 && i + 1 < argc) {
            if (n_sets == 64)
                return cli_usage_error(CMD, USAGE, "at most 64 --set");
            sets[n_sets++] = argv[++i];
        } else if (strcmp(a, "--force") == 0) {
            r.force = 1;
        } else if (strcmp(a, "--dry-run") == 0) {
            r.dry_run = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            r.common.quiet = 1;
            r.common.progress = 0;
        } else if (strcmp(a, "--json") == 0) {
            r.common.json_log = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error(CMD, USAGE, "unknown option or missing value: %s", a);
        } else if (!config_path) {
            config_path = a;
        } else {
            return cli_usage_error(CMD, USAGE, "one config file, not '%s' too", a);
        }
    }
    if (!config_path)
        return cli_usage_error(CMD, USAGE, "no config file given");

    vlit_error err = {0};
    vlit_config *cfg;
    if (vlit_config_read(config_path, &cfg, &err) != VLIT_OK) {
        cli_error(&r.common, CMD, err.message);
        return cli_exit(err.status);
    }
    for (int i = 0; i < n_sets; i++) {
        if (vlit_config_set(cfg, sets[i], &err) != VLIT_OK) {
            vlit_config_free(cfg);
            return cli_usage_error(CMD, USAGE, "--set %s", err.message);
        }
    }
    r.cfg = cfg;
    int rc = check_config(&r, config_path);
    if (rc != EXIT_OK) {
        vlit_config_free(cfg);
        return rc;
    }
    r.workdir = workdir_opt ? workdir_opt : vlit_config_get(cfg, "run", "workdir");
    if (!r.workdir)
        r.workdir = "vlit-run";
    r.image_root = vlit_config_get(cfg, "run", "image-root");

    int runs[ST_COUNT] = {0};
    int any = 0;
    for (int s = 0; s < ST_COUNT; s++)
        any |= runs[s] = vlit_config_has_section(cfg, STAGE_NAMES[s]);
    static const char *const OUT_NAMES[ST_COUNT] = {"clues.jsonl", "samples.jsonl", "scores.jsonl",
                                                    "tags.jsonl",  "report.json",   "train.llava.json"};
    static const char *const RUN_INPUT_KEYS[ST_COUNT] = {"clues", "samples", "scores", "tags", NULL, NULL};
    char *stampdir = path_join(r.workdir, ".vlit-run");
    r.si_store = path_join(r.workdir, "generate.db");
    int fail = !stampdir || !r.si_store;
    for (int s = 0; s < ST_COUNT && !fail; s++) {
        const char *given = RUN_INPUT_KEYS[s] ? vlit_config_get(cfg, "run", RUN_INPUT_KEYS[s]) : NULL;
        if (given && runs[s]) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s: [run] %s and a [%s] section: give one or the other", config_path,
                     RUN_INPUT_KEYS[s], STAGE_NAMES[s]);
            cli_error(&r.common, CMD, msg);
            free(stampdir);
            free(r.si_store);
            for (int k = 0; k < s; k++)
                free(r.file[k]);
            vlit_config_free(cfg);
            return EXIT_USAGE;
        }
        if (runs[s])
            fail |= !(r.file[s] = path_join(r.workdir, OUT_NAMES[s]));
        else if (given)
            fail |= !(r.file[s] = strdup(given));
    }
    r.reasons = path_join(r.workdir, "dropped.jsonl");
    r.html = path_join(r.workdir, "report.html");
    fail |= !r.reasons || !r.html;
    if (fail) {
        cli_error(&r.common, CMD, "out of memory");
        rc = EXIT_FAIL;
        goto done;
    }
    if (!any) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: no stage to run (add a [collect], [generate], [score], [tag], [report] or [select] section)",
                 config_path);
        cli_error(&r.common, CMD, msg);
        rc = EXIT_USAGE;
        goto done;
    }
    for (int s = ST_GENERATE; s < ST_COUNT; s++) {
        if (!runs[s])
            continue;
        if (s == ST_GENERATE && !r.file[ST_COLLECT]) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s: [generate] needs clue records: a [collect] section or [run] clues = FILE",
                     config_path);
            cli_error(&r.common, CMD, msg);
            rc = EXIT_USAGE;
            goto done;
        }
        if (s > ST_GENERATE && !r.file[ST_GENERATE]) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s: [%s] needs samples: a [generate] section or [run] samples = FILE",
                     config_path, STAGE_NAMES[s]);
            cli_error(&r.common, CMD, msg);
            rc = EXIT_USAGE;
            goto done;
        }
        if (s == ST_SELECT && !r.file[ST_SCORE]) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s: [select] needs scores: a [score] section or [run] scores = FILE",
                     config_path);
            cli_error(&r.common, CMD, msg);
            rc = EXIT_USAGE;
            goto done;
        }
    }
    if (!r.dry_run && (make_dirs(r.workdir) != 0 || make_dirs(stampdir) != 0)) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: cannot create the work folder: %s", r.workdir, strerror(errno));
        cli_error(&r.common, CMD, msg);
        rc = EXIT_FAIL;
        goto done;
    }

    int total = 0, done_n = 0;
    for (int s = 0; s < ST_COUNT; s++)
        total += runs[s];
    for (int s = 0; s < ST_COUNT && rc == EXIT_OK; s++) {
        if (!runs[s])
            continue;
        done_n++;
        argv_buf a = {0};
        const char *outs[4];
        int n_outs = 0;
        build_stage(&r, (stage_id)s, &a, outs, &n_outs);
        if (a.overflow) {
            cli_error(&r.common, CMD, "a stage has too many arguments (more than 512)");
            rc = EXIT_FAIL;
            argv_free(&a);
            break;
        }
        char *stamp_name = NULL, *stamp = NULL;
        size_t len = strlen(STAGE_NAMES[s]) + 6;
        if ((stamp_name = malloc(len)))
            snprintf(stamp_name, len, "%s.done", STAGE_NAMES[s]);
        stamp = stamp_name ? path_join(stampdir, stamp_name) : NULL;
        free(stamp_name);
        char hex[65];
        if (!stamp || stage_fingerprint(a.v, outs, n_outs, hex, &err) != VLIT_OK) {
            cli_error(&r.common, CMD, stamp ? err.message : "out of memory");
            rc = EXIT_FAIL;
            free(stamp);
            argv_free(&a);
            break;
        }
        int have_outputs = 1;
        for (int k = 0; k < n_outs; k++)
            have_outputs &= exists(outs[k]);
        int up_to_date = !r.force && have_outputs && stamp_matches(stamp, hex);
        if (s == ST_REPORT)
            up_to_date &= exists(r.html);
        if (r.dry_run) {
            printf("# [%d/%d] %s: %s\n", done_n, total, STAGE_NAMES[s], up_to_date ? "up to date" : "would run");
            print_command(stdout, a.v);
            free(stamp);
            argv_free(&a);
            continue;
        }
        if (up_to_date) {
            cli_info(&r.common, CMD, "[%d/%d] %s: up to date (same settings and inputs), skipped", done_n, total,
                     STAGE_NAMES[s]);
            free(stamp);
            argv_free(&a);
            continue;
        }
        if (!r.common.quiet) {
            fprintf(stderr, "vlit run: [%d/%d] %s: ", done_n, total, STAGE_NAMES[s]);
            print_command(stderr, a.v);
        }
        remove(stamp); /* a stage that starts is not done until it succeeds */
        char why[256] = "";
        int status = spawn(a.v, why, sizeof why);
        if (status == 0 && s == ST_REPORT) {
            /* the page, rendered from the JSON just written */
            char *h[] = {"vlit", "report", "--from-json", r.file[ST_REPORT], "--format", "html", "-o", r.html, NULL};
            status = spawn(h, why, sizeof why);
        }
        if (status != 0) {
            char msg[512];
            if (status < 0)
                snprintf(msg, sizeof msg, "stage %s failed: %s; stages before it are kept, run again to go on",
                         STAGE_NAMES[s], why);
            else
                snprintf(msg, sizeof msg,
                         "stage %s failed (exit %d, its message above); stages before it are kept, run again to go on",
                         STAGE_NAMES[s], status);
            cli_error(&r.common, CMD, msg);
            rc = status == EXIT_USAGE ? EXIT_USAGE : EXIT_FAIL;
        } else if (write_stamp(stamp, hex, a.v, &err) != VLIT_OK) {
            cli_error(&r.common, CMD, err.message);
            rc = EXIT_FAIL;
        }
        free(stamp);
        argv_free(&a);
    }
    if (rc == EXIT_OK && !r.dry_run && !r.common.quiet) {
        fprintf(stderr, "vlit run: done, in %s/\n", r.workdir);
        if (runs[ST_REPORT])
            fprintf(stderr, "  report:        %s (and %s)\n", r.html, r.file[ST_REPORT]);
        if (runs[ST_SELECT])
            fprintf(stderr, "  training file: %s (dropped samples and why: %s)\n", r.file[ST_SELECT], r.reasons);
    }
done:
    for (int s = 0; s < ST_COUNT; s++)
        free(r.file[s]);
    free(r.reasons);
    free(r.html);
    free(stampdir);
    free(r.si_store);
    vlit_config_free(cfg);
    return rc;
}
