/* Shards (vlit/shard.h). The first byte selects:
 * even: the completion-record parser (vlit_shard_record_parse) on the rest;
 *   an accepted record is consistent (index below count, groups with
 *   increasing positions adding up to units, 64 hex digits) and every error
 *   names the record;
 * odd: the merge's record scanner (vlit_shard_merge) on the rest as one
 *   shard's output, in the format of byte 1 (jsonl, llava, sharegpt,
 *   mimicit) claiming byte 2 records at positions 0, 1, ...; a merge that
 *   succeeds gives back exactly the bytes it read (one shard, every position). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vlit/shard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hex64(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

static void parse(const uint8_t *data, size_t size)
{
    vlit_shard_record r;
    vlit_error err = {0};
    if (vlit_shard_record_parse((const char *)data, size, "fuzz.shard.json", &r, &err) != VLIT_OK) {
        if (!err.message[0] || !strstr(err.message, "fuzz.shard.json"))
            __builtin_trap(); /* every error names the record */
        return;
    }
    if (r.count == 0 || r.index >= r.count || !r.command[0] || !r.format[0] || !hex64(r.settings) || !hex64(r.sha256))
        __builtin_trap();
    uint64_t total = 0;
    for (size_t g = 0; g < r.n_groups; g++) {
        if (g && r.groups[2 * g] <= r.groups[2 * g - 2])
            __builtin_trap();
        total += r.groups[2 * g + 1];
    }
    if (r.has_groups && total != r.units)
        __builtin_trap();
    vlit_shard_record_free(&r);
}

static void scan(const uint8_t *data, size_t size)
{
    static const char *const formats[] = {"jsonl", "llava", "sharegpt", "mimicit"};
    if (size < 2)
        return;
    const char *format = formats[data[0] % 4];
    unsigned units = data[1];
    data += 2;
    size -= 2;
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/vlit-fuzz-shard-%ld", (long)getpid());
        mkdir(dir, 0700);
    }
    char part[128], out[128];
    snprintf(part, sizeof part, "%s/part", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    FILE *fp = fopen(part, "wb");
    if (!fp)
        return;
    fwrite(data, 1, size, fp);
    fclose(fp);
    vlit_shard_record r;
    vlit_error err = {0};
    vlit_shard_record_init(&r, "select", 0, 1);
    memset(r.settings, 'a', 64);
    snprintf(r.format, sizeof r.format, "%s", format);
    r.has_groups = 1;
    for (unsigned k = 0; k < units; k++)
        vlit_shard_record_add_group(&r, k, 1, &err);
    r.units = units;
    vlit_status st = vlit_shard_record_write(part, &r, &err);
    vlit_shard_record_free(&r);
    if (st)
        return;
    const char *parts[1] = {part};
    unlink(out);
    if (vlit_shard_merge("select", parts, 1, out, &err) != VLIT_OK) {
        if (!err.message[0])
            __builtin_trap();
        return;
    }
    fp = fopen(out, "rb");
    if (!fp)
        __builtin_trap();
    char *got = malloc(size + 2);
    size_t n = got ? fread(got, 1, size + 1, fp) : 0;
    fclose(fp);
    if (!got || n != size || memcmp(got, data, size) != 0)
        __builtin_trap(); /* the merge of one whole shard is that shard */
    free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] % 2 == 0)
        parse(data + 1, size - 1);
    else
        scan(data + 1, size - 1);
    return 0;
}
