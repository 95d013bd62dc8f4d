/* Completion records of shard runs (cli/shard_cli.h). */
#include <stdlib.h>
#include <string.h>

#include "shard_cli.h"

/* Options that do not change what a shard writes (speed, logging, where a
 * server is: shards on several machines may each use their own), or that name
 * its own outputs: left out of the settings fingerprint. The model counts. */
static const char *const skip_value[] = {
    "-o",
    "--output",
    "--store",
    "--threads",
    "--summary-json",
    "--concurrency",
    "--timeout",
    "--max-attempts",
    "--max-failed",
    "--reasons",
    "--llm-url",
    "--embed-url",
    "--url",
    NULL,
};
static const char *const skip_flag[] = {"-q", "--quiet", "--json", NULL};

int cli_shard_from_env(void)
{
    const char *id = getenv("SLURM_ARRAY_TASK_ID"), *n = getenv("SLURM_ARRAY_TASK_COUNT");
    if (!id || !n)
        return 0;
    char buf[64];
    unsigned i, k;
    snprintf(buf, sizeof buf, "%s/%s", id, n);
    return cli_parse_shard(buf, &i, &k) == 0;
}

int cli_shard_begin(cli_shard *s, const cli_common *c, const char *cmd, int argc, char **argv, unsigned index,
                    unsigned count, const char *out, const char *format)
{
    vlit_shard_record_init(&s->rec, cmd, index, count ? count : 1);
    s->failed = 0;
    if (!s->on)
        return EXIT_OK;
    if (!out || strcmp(out, "-") == 0) { /* a shard to standard output: nowhere to put a record, none needed */
        s->on = 0;
        return EXIT_OK;
    }
    snprintf(s->rec.format, sizeof s->rec.format, "%s", format ? format : "file");
    vlit_error err = {0};
    if (vlit_shard_settings(argc, argv, skip_value, skip_flag, s->rec.settings, &err) ||
        vlit_shard_record_remove(out, &err)) {
        cli_error(c, cmd, err.message);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

void cli_shard_size(void *ctx, size_t position, size_t units)
{
    cli_shard *s = ctx;
    if (!s->on || s->failed || units == 0)
        return;
    if (vlit_shard_record_add_group(&s->rec, position, units, NULL))
        s->failed = 1;
}

void cli_shard_one(void *ctx, uint64_t position)
{
    cli_shard_size(ctx, (size_t)position, 1);
}

void cli_shard_at(void *ctx, size_t position)
{
    cli_shard_size(ctx, position, 1);
}

int cli_shard_finish(cli_shard *s, const cli_common *c, const char *cmd, const char *out, uint64_t units)
{
    if (!s->on)
        return EXIT_OK;
    vlit_error err = {0};
    int rc = EXIT_OK;
    s->rec.units = units;
    if (s->failed) {
        cli_error(c, cmd, "out of memory keeping the shard's record positions; no completion record written");
        rc = EXIT_FAIL;
    } else if (vlit_shard_record_write(out, &s->rec, &err)) {
        cli_error(c, cmd, err.message);
        rc = EXIT_FAIL;
    }
    cli_shard_free(s);
    return rc;
}

void cli_shard_free(cli_shard *s)
{
    vlit_shard_record_free(&s->rec);
}
