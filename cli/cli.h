/* The vlit command: shared helpers for the cmd_*.c files. The command uses
 * only the public API (include/vlit/). Exit codes: 0 ok, 1 failure, 2 usage. */
#ifndef VLIT_CLI_H
#define VLIT_CLI_H

#include <stdio.h>

#include "vlit/vlit.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef struct cli_common {
    int quiet;
    int json_log; /* messages as JSON lines on stderr */
    int progress; /* stderr is a terminal and not quiet */
} cli_common;

/* Progress on when stderr is a terminal. */
void cli_common_init(cli_common *c);
/* Prints "vlit CMD: message" (or a JSON line) to stderr. */
void cli_error(const cli_common *c, const char *cmd, const char *msg);
void cli_info(const cli_common *c, const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Prints usage text for a usage error and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* A progress bar on stderr, only when c->progress. Call with fraction 1 to finish the line. */
void cli_progress(const cli_common *c, const char *phase, double fraction);
/* The same with a text after the bar (rates, ETA); does not end the line. */
void cli_progress_text(const cli_common *c, const char *phase, double fraction, const char *text);
/* Seconds on a monotonic clock. */
double cli_now(void);
/* Lines in a regular file (for progress estimates); 0 if unknown. */
size_t cli_count_lines(const char *path);
/* Maps a status to the exit code. */
int cli_exit(int status);
/* Parses "i/N". Returns 0 on success. */
int cli_parse_shard(const char *s, unsigned *index, unsigned *count);
/* Default shard from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT, if set. */
void cli_default_shard(unsigned *index, unsigned *count);
/* Format from a file name: ".jsonl" is jsonl, anything else llava. */
vlit_format cli_guess_format(const char *path);
/* A comma-separated list of names (name_of(0 .. count-1)) as a bit set;
 * -1 if a name is unknown or the list is empty. */
int cli_parse_name_set(const char *list, const char *(*name_of)(int), int count, unsigned *out);
/* Path of a file in the data folder: $VLIT_DATA_DIR, else the build's. */
const char *cli_data_path(const char *name, char *buf, size_t cap);

int cmd_collect(int argc, char **argv);
int cmd_clue(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_mix(int argc, char **argv);
int cmd_lm(int argc, char **argv);
int cmd_iqa(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_embed(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_select(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif
