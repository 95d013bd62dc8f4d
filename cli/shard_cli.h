/* The vlit command: completion records of shard outputs (vlit/shard.h) for
 * the commands that take --shard i/N. */
#ifndef VLIT_CLI_SHARD_H
#define VLIT_CLI_SHARD_H

#include "cli.h"

typedef struct cli_shard {
    int on;                /* a shard run: --shard given, or from SLURM_ARRAY_TASK_ID/COUNT */
    vlit_shard_record rec; /* filled while the command runs */
    int failed;            /* a group could not be added (out of memory) */
} cli_shard;

/* 1 when SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT give a shard. */
int cli_shard_from_env(void);
/* Starts a shard run when s->on (turned off when out is standard output,
 * which has no place for a record): fingerprints the settings (argv without
 * --shard, -o, ...), removes the output's old record. Returns EXIT_OK, or an
 * exit code after printing why. */
int cli_shard_begin(cli_shard *s, const cli_common *c, const char *cmd, int argc, char **argv, unsigned index,
                    unsigned count, const char *out, const char *format);
/* Callbacks for the library's on_record hooks: one record at position, or
 * `units` records at position. ctx is the cli_shard. */
void cli_shard_one(void *ctx, uint64_t position);
void cli_shard_at(void *ctx, size_t position);
void cli_shard_size(void *ctx, size_t position, size_t units);
/* After the output is committed: writes its record (units records in it).
 * Returns EXIT_OK or EXIT_FAIL after printing why. Frees the record. */
int cli_shard_finish(cli_shard *s, const cli_common *c, const char *cmd, const char *out, uint64_t units);
void cli_shard_free(cli_shard *s);

#endif
