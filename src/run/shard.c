/* Completion records of shard outputs (vlit/shard.h): writing, parsing,
 * checking one output and a whole set. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "vlit/run.h"
#include "vlit/shard.h"

#include "../base/arena.h"
#include "../base/buf.h"
#include "../base/err.h"
#include "../base/json.h"

#define RECORD_MAX (256u << 20) /* a record larger than this is not one of ours */

void vlit_shard_record_init(vlit_shard_record *r, const char *command, unsigned index, unsigned count)
{
    memset(r, 0, sizeof *r);
    snprintf(r->command, sizeof r->command, "%s", command ? command : "");
    r->index = index;
    r->count = count;
}

void vlit_shard_record_free(vlit_shard_record *r)
{
    if (!r)
        return;
    free(r->groups);
    r->groups = NULL;
    r->n_groups = r->cap_groups = 0;
}

vlit_status vlit_shard_record_add_group(vlit_shard_record *r, uint64_t position, uint64_t units, vlit_error *err)
{
    if (r->n_groups && position <= r->groups[2 * r->n_groups - 2])
        return vlit_err(err, VLIT_ERR_USAGE, "shard record: position %" PRIu64 " after %" PRIu64, position,
                        r->groups[2 * r->n_groups - 2]);
    if (r->n_groups == r->cap_groups) {
        size_t cap = r->cap_groups ? 2 * r->cap_groups : 256;
        uint64_t *g = realloc(r->groups, 2 * cap * sizeof *g);
        if (!g)
            return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        r->groups = g;
        r->cap_groups = cap;
    }
    r->groups[2 * r->n_groups] = position;
    r->groups[2 * r->n_groups + 1] = units;
    r->n_groups++;
    r->has_groups = 1;
    return VLIT_OK;
}

const char *vlit_shard_record_path(const char *output, char *buf, size_t cap)
{
    size_t n = strlen(output);
    while (n > 1 && output[n - 1] == '/') /* a folder given as "part/" */
        n--;
    snprintf(buf, cap, "%.*s.shard.json", (int)n, output);
    return buf;
}

static int in_list(const char *const *list, const char *name, size_t len)
{
    for (; list && *list; list++)
        if (strlen(*list) == len && strncmp(*list, name, len) == 0)
            return 1;
    return 0;
}

vlit_status vlit_shard_settings(int argc, char *const *argv, const char *const *skip_value,
                                const char *const *skip_flag, char out[65], vlit_error *err)
{
    static const char *const always[] = {"--shard", NULL};
    vlit_fingerprint *f = NULL;
    vlit_status st = vlit_fingerprint_new(&f, err);
    if (st)
        return st;
    for (int i = 0; i < argc && !st; i++) {
        const char *a = argv[i];
        if (i > 0 && a[0] == '-' && a[1]) {
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            if (in_list(always, a, len) || in_list(skip_value, a, len)) {
                if (!eq)
                    i++; /* its value */
                continue;
            }
            /* short options with their value attached: -oFILE */
            if (a[1] != '-' && a[2] && skip_value) {
                char two[3] = {a[0], a[1], 0};
                if (in_list(skip_value, two, 2))
                    continue;
            }
            if (in_list(skip_flag, a, len))
                continue;
        }
        vlit_fingerprint_add_text(f, a);
        struct stat sb;
        if (i > 0 && stat(a, &sb) == 0 && S_ISREG(sb.st_mode))
            st = vlit_fingerprint_add_path(f, a, err);
    }
    if (!st)
        vlit_fingerprint_hex(f, out);
    vlit_fingerprint_free(f);
    return st;
}

vlit_status vlit_shard_record_remove(const char *output, vlit_error *err)
{
    char path[4096];
    vlit_shard_record_path(output, path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot remove the old completion record: %s", path, strerror(errno));
    return VLIT_OK;
}

/* ---- measuring an output -------------------------------------------------- */

static void hex_of(const unsigned char *md, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

static vlit_status digest_file(EVP_MD_CTX *ctx, const char *path, uint64_t *size, vlit_error *err)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    static unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        EVP_DigestUpdate(ctx, buf, n);
        *size += n;
    }
    int bad = ferror(in);
    fclose(in);
    return bad ? vlit_err(err, VLIT_ERR_IO, "%s: read error", path) : VLIT_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder: for each entry in byte order of names, the name, then a file's
 * size and content digest, or a folder's own listing. */
static vlit_status digest_dir(EVP_MD_CTX *ctx, const char *path, uint64_t *size, int depth, vlit_error *err)
{
    if (depth > 16)
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: folders nested more than 16 deep", path);
    DIR *d = opendir(path);
    if (!d)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot list: %s", path, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    vlit_status st = VLIT_OK;
    struct dirent *de;
    while ((de = readdir(d)) && !st) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name)))
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        else
            n++;
    }
    closedir(d);
    if (!st && n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && !st; i++) {
        char child[4096];
        if ((size_t)snprintf(child, sizeof child, "%s/%s", path, names[i]) >= sizeof child) {
            st = vlit_err(err, VLIT_ERR_LIMIT, "%s/%s: path too long", path, names[i]);
            break;
        }
        struct stat sb;
        if (lstat(child, &sb) != 0) {
            st = vlit_err(err, VLIT_ERR_IO, "%s: %s", child, strerror(errno));
            break;
        }
        unsigned char len[8];
        uint64_t l = strlen(names[i]);
        for (int k = 0; k < 8; k++)
            len[k] = (unsigned char)(l >> (8 * k));
        EVP_DigestUpdate(ctx, len, 8);
        EVP_DigestUpdate(ctx, names[i], l);
        if (S_ISDIR(sb.st_mode)) {
            EVP_DigestUpdate(ctx, "d", 1);
            st = digest_dir(ctx, child, size, depth + 1, err);
        } else if (S_ISREG(sb.st_mode)) {
            EVP_MD_CTX *sub = EVP_MD_CTX_new();
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned mdlen = 0;
            uint64_t fsize = 0;
            if (!sub || EVP_DigestInit_ex(sub, EVP_sha256(), NULL) != 1) {
                EVP_MD_CTX_free(sub);
                st = vlit_err(err, VLIT_ERR_NOMEM, "cannot start a SHA-256 digest");
                break;
            }
            st = digest_file(sub, child, &fsize, err);
            EVP_DigestFinal_ex(sub, md, &mdlen);
            EVP_MD_CTX_free(sub);
            *size += fsize;
            for (int k = 0; k < 8; k++)
                len[k] = (unsigned char)(fsize >> (8 * k));
            EVP_DigestUpdate(ctx, "f", 1);
            EVP_DigestUpdate(ctx, len, 8);
            EVP_DigestUpdate(ctx, md, mdlen);
        } else {
            EVP_DigestUpdate(ctx, "?", 1);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

/* Size and SHA-256 of a file or a folder; *is_dir tells which. */
static vlit_status measure(const char *path, uint64_t *size, char hex[65], int *is_dir, vlit_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return vlit_err(err, VLIT_ERR_IO, "%s: %s", path, strerror(errno));
    *is_dir = S_ISDIR(sb.st_mode) != 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return vlit_err(err, VLIT_ERR_NOMEM, "cannot start a SHA-256 digest");
    }
    *size = 0;
    vlit_status st = *is_dir ? digest_dir(ctx, path, size, 0, err) : digest_file(ctx, path, size, err);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    EVP_MD_CTX_free(ctx);
    if (!st)
        hex_of(md, hex);
    return st;
}

/* ---- writing ---------------------------------------------------------------- */

vlit_status vlit_shard_record_write(const char *output, vlit_shard_record *r, vlit_error *err)
{
    if (!output || strcmp(output, "-") == 0)
        return vlit_err(err, VLIT_ERR_USAGE, "a shard's output must be a file, not standard output");
    int is_dir = 0;
    vlit_status st = measure(output, &r->size, r->sha256, &is_dir, err);
    if (st)
        return st;
    if (is_dir)
        snprintf(r->format, sizeof r->format, "folder");
    else if (!r->format[0])
        snprintf(r->format, sizeof r->format, "file");
    uint64_t units = 0;
    for (size_t g = 0; g < r->n_groups; g++)
        units += r->groups[2 * g + 1];
    if (r->has_groups && units != r->units)
        return vlit_err(err, VLIT_ERR_USAGE, "%s: the groups hold %" PRIu64 " records, the output %" PRIu64, output,
                        units, r->units);
    vlit_buf b = VLIT_BUF_INIT;
    st = vlit_buf_printf(&b, "{\"vlit_shard\":1,\"command\":");
    if (!st)
        st = vj_write_cstr(&b, r->command);
    if (!st)
        st = vlit_buf_printf(&b, ",\"shard\":%u,\"of\":%u,\"settings\":\"%s\",\"format\":", r->index, r->count,
                             r->settings);
    if (!st)
        st = vj_write_cstr(&b, r->format);
    if (!st)
        st = vlit_buf_printf(&b, ",\"size\":%" PRIu64 ",\"sha256\":\"%s\",\"units\":%" PRIu64, r->size, r->sha256,
                             r->units);
    if (!st && r->has_groups) {
        st = vlit_buf_puts(&b, ",\"groups\":[");
        for (size_t g = 0; g < r->n_groups && !st; g++)
            st = vlit_buf_printf(&b, "%s%" PRIu64 ",%" PRIu64, g ? "," : "", r->groups[2 * g], r->groups[2 * g + 1]);
        if (!st)
            st = vlit_buf_putc(&b, ']');
    }
    if (!st)
        st = vlit_buf_puts(&b, "}\n");
    if (st) {
        vlit_buf_free(&b);
        return vlit_err(err, st, "out of memory");
    }
    char path[4096];
    vlit_shard_record_path(output, path, sizeof path);
    vlit_output *o = NULL;
    st = vlit_output_open(path, &o, err);
    if (!st && fwrite(b.data, 1, b.len, vlit_output_file(o)) != b.len) {
        vlit_output_abort(o);
        o = NULL;
        st = vlit_err(err, VLIT_ERR_IO, "%s: write failed", path);
    }
    if (!st)
        st = vlit_output_commit(o, err);
    vlit_buf_free(&b);
    return st;
}

/* ---- reading ---------------------------------------------------------------- */

static int is_hex64(const vj *v)
{
    if (!v || v->type != VJ_STRING || v->len != 64)
        return 0;
    for (size_t i = 0; i < 64; i++)
        if (!((v->str[i] >= '0' && v->str[i] <= '9') || (v->str[i] >= 'a' && v->str[i] <= 'f')))
            return 0;
    return 1;
}

static int get_u64(const vj *v, uint64_t *out)
{
    if (!v || v->type != VJ_NUMBER)
        return 0;
    const char *s = v->str;
    if (!*s || *s == '-' || *s == '+')
        return 0;
    uint64_t x = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        unsigned d = (unsigned)(*s - '0');
        if (x > (UINT64_MAX - d) / 10)
            return 0;
        x = x * 10 + d;
    }
    *out = x;
    return 1;
}

static int get_text(const vj *v, char *out, size_t cap)
{
    if (!v || !vj_is_text(v) || v->len == 0 || v->len >= cap)
        return 0;
    memcpy(out, v->str, v->len + 1);
    return 1;
}

vlit_status vlit_shard_record_parse(const char *text, size_t len, const char *name, vlit_shard_record *r,
                                    vlit_error *err)
{
    vlit_shard_record_init(r, "", 0, 0);
    vlit_arena a;
    vlit_arena_init(&a, 64 * 1024);
    vj *root = NULL;
    vj_limits lim = {4096, RECORD_MAX, 8};
    vlit_error perr = {0};
    vlit_status st = vj_parse(text, len, &lim, &a, &root, &perr);
    if (st) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: not a completion record: %s", name, perr.message);
        goto out;
    }
    uint64_t version = 0, idx = 0, cnt = 0;
#define BAD(...)                                                                                                       \
    do {                                                                                                               \
        st = vlit_err(err, VLIT_ERR_DATA, __VA_ARGS__);                                                                \
        goto out;                                                                                                      \
    } while (0)
    if (root->type != VJ_OBJECT)
        BAD("%s: a completion record is a JSON object, not %s", name, vj_type_name(root->type));
    if (!get_u64(vj_get(root, "vlit_shard"), &version))
        BAD("%s: not a completion record (no \"vlit_shard\")", name);
    if (version != 1)
        BAD("%s: a completion record of version %" PRIu64 "; this vlit reads version 1", name, version);
    if (!get_text(vj_get(root, "command"), r->command, sizeof r->command))
        BAD("%s: field \"command\" must be a short non-empty string", name);
    if (!get_u64(vj_get(root, "of"), &cnt) || cnt == 0 || cnt > 1000000)
        BAD("%s: field \"of\" must be a shard count in 1..1000000", name);
    if (!get_u64(vj_get(root, "shard"), &idx) || idx >= cnt)
        BAD("%s: field \"shard\" must be an index below \"of\" (%" PRIu64 ")", name, cnt);
    r->index = (unsigned)idx;
    r->count = (unsigned)cnt;
    const vj *v = vj_get(root, "settings");
    if (!is_hex64(v))
        BAD("%s: field \"settings\" must be 64 lower-case hex digits", name);
    memcpy(r->settings, v->str, 65);
    if (!is_hex64(v = vj_get(root, "sha256")))
        BAD("%s: field \"sha256\" must be 64 lower-case hex digits", name);
    memcpy(r->sha256, v->str, 65);
    if (!get_text(vj_get(root, "format"), r->format, sizeof r->format))
        BAD("%s: field \"format\" must be a short non-empty string", name);
    if (!get_u64(vj_get(root, "size"), &r->size))
        BAD("%s: field \"size\" must be a non-negative integer", name);
    if (!get_u64(vj_get(root, "units"), &r->units))
        BAD("%s: field \"units\" must be a non-negative integer", name);
    const vj *g = vj_get(root, "groups");
    if (g) {
        if (g->type != VJ_ARRAY || g->len % 2)
            BAD("%s: field \"groups\" must be an array of (position, units) pairs", name);
        uint64_t total = 0;
        for (size_t k = 0; k < g->len; k += 2) {
            uint64_t pos, units;
            if (!get_u64(g->items[k], &pos) || !get_u64(g->items[k + 1], &units))
                BAD("%s: groups item %zu: positions and units must be non-negative integers", name, k);
            if (r->n_groups && pos <= r->groups[2 * r->n_groups - 2])
                BAD("%s: groups item %zu: position %" PRIu64 " does not follow %" PRIu64, name, k, pos,
                    r->groups[2 * r->n_groups - 2]);
            if (units > UINT64_MAX - total)
                BAD("%s: groups item %zu: too many units", name, k + 1);
            total += units;
            if ((st = vlit_shard_record_add_group(r, pos, units, err)))
                goto out;
        }
        r->has_groups = 1;
        if (total != r->units)
            BAD("%s: the groups hold %" PRIu64 " records, \"units\" says %" PRIu64, name, total, r->units);
    }
#undef BAD
out:
    vlit_arena_free(&a);
    if (st)
        vlit_shard_record_free(r);
    return st;
}

vlit_status vlit_shard_record_read(const char *output, vlit_shard_record *r, vlit_error *err)
{
    vlit_shard_record_init(r, "", 0, 0);
    char path[4096];
    vlit_shard_record_path(output, path, sizeof path);
    FILE *in = fopen(path, "rb");
    if (!in) {
        if (errno == ENOENT)
            return vlit_err(err, VLIT_ERR_DATA,
                            "%s: no completion record %s (the shard did not finish, or is not a shard's output)",
                            output, path);
        return vlit_err(err, VLIT_ERR_IO, "%s: %s", path, strerror(errno));
    }
    vlit_buf b = VLIT_BUF_INIT;
    char chunk[1 << 14];
    size_t n;
    vlit_status st = VLIT_OK;
    while (!st && (n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        if (b.len + n > RECORD_MAX)
            st = vlit_err(err, VLIT_ERR_LIMIT, "%s: larger than %u MiB: not a completion record", path,
                          RECORD_MAX >> 20);
        else if (vlit_buf_append(&b, chunk, n))
            st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    }
    if (!st && ferror(in))
        st = vlit_err(err, VLIT_ERR_IO, "%s: read error", path);
    fclose(in);
    if (!st)
        st = vlit_shard_record_parse(b.data ? b.data : "", b.len, path, r, err);
    vlit_buf_free(&b);
    return st;
}

vlit_status vlit_shard_record_verify(const char *output, const vlit_shard_record *r, vlit_error *err)
{
    uint64_t size = 0;
    char hex[65];
    int is_dir = 0;
    vlit_status st = measure(output, &size, hex, &is_dir, err);
    if (st)
        return st;
    if (is_dir != (strcmp(r->format, "folder") == 0))
        return vlit_err(err, VLIT_ERR_DATA, "%s: shard %u/%u: its record describes a %s, this is a %s", output,
                        r->index, r->count, is_dir ? "file" : "folder", is_dir ? "folder" : "file");
    if (size != r->size)
        return vlit_err(err, VLIT_ERR_DATA,
                        "%s: shard %u/%u: %" PRIu64 " bytes, its completion record says %" PRIu64
                        " (truncated, changed or rewritten after the shard finished)",
                        output, r->index, r->count, size, r->size);
    if (strcmp(hex, r->sha256) != 0)
        return vlit_err(err, VLIT_ERR_DATA,
                        "%s: shard %u/%u: content differs from its completion record (SHA-256 %.12s, record %.12s): "
                        "changed after the shard finished",
                        output, r->index, r->count, hex, r->sha256);
    return VLIT_OK;
}

/* ---- a set ------------------------------------------------------------------ */

static vlit_status check_command(const char *command, const char *part, const vlit_shard_record *r, vlit_error *err)
{
    if (strcmp(r->command, command) == 0)
        return VLIT_OK;
    return vlit_err(err, VLIT_ERR_DATA, "%s: shard %u/%u of vlit %s, not of vlit %s", part, r->index, r->count,
                    r->command, command);
}

vlit_status vlit_shard_check_part(const char *command, const char *part, vlit_shard_record *r, vlit_error *err)
{
    vlit_status st = vlit_shard_record_read(part, r, err);
    if (!st && !(st = check_command(command, part, r, err)))
        st = vlit_shard_record_verify(part, r, err);
    if (st)
        vlit_shard_record_free(r);
    return st;
}

vlit_status vlit_shard_check_set(const char *command, const char *const *parts, size_t n, vlit_shard_record *records,
                                 size_t *order, vlit_error *err)
{
    vlit_status st = VLIT_OK;
    for (size_t k = 0; k < n; k++)
        vlit_shard_record_init(&records[k], "", 0, 0);
    if (n == 0)
        return vlit_err(err, VLIT_ERR_USAGE, "no parts given");
    for (size_t k = 0; k < n && !st; k++)
        st = vlit_shard_record_read(parts[k], &records[k], err);
    for (size_t k = 0; k < n && !st; k++) {
        const vlit_shard_record *r = &records[k];
        if ((st = check_command(command, parts[k], r, err)))
            break;
        if (r->count != records[0].count)
            st = vlit_err(err, VLIT_ERR_DATA, "%s: shard %u/%u, but %s is shard %u/%u: a mixed set", parts[k], r->index,
                          r->count, parts[0], records[0].index, records[0].count);
        else if (strcmp(r->settings, records[0].settings) != 0)
            st = vlit_err(err, VLIT_ERR_DATA,
                          "%s: shard %u/%u ran with other settings or inputs than %s (shard %u/%u): a mixed set",
                          parts[k], r->index, r->count, parts[0], records[0].index, records[0].count);
        else if (strcmp(r->format, records[0].format) != 0)
            st = vlit_err(err, VLIT_ERR_DATA, "%s: shard %u/%u is %s, %s is %s: a mixed set", parts[k], r->index,
                          r->count, r->format, parts[0], records[0].format);
    }
    if (!st) {
        unsigned count = records[0].count;
        for (unsigned i = 0; i < count && i < n; i++)
            order[i] = (size_t)-1;
        for (size_t k = 0; k < n && !st; k++) {
            unsigned i = records[k].index;
            if (i >= n) /* more shards than parts: some are missing; found below */
                continue;
            if (order[i] != (size_t)-1)
                st = vlit_err(err, VLIT_ERR_DATA, "shard %u/%u given twice: %s and %s (overlapping shards)", i, count,
                              parts[order[i]], parts[k]);
            else
                order[i] = k;
        }
        if (!st && n > count) {
            for (size_t k = 0; k < n && !st; k++)
                for (size_t j = 0; j < k && !st; j++)
                    if (records[j].index == records[k].index)
                        st = vlit_err(err, VLIT_ERR_DATA, "shard %u/%u given twice: %s and %s (overlapping shards)",
                                      records[k].index, count, parts[j], parts[k]);
            if (!st)
                st = vlit_err(err, VLIT_ERR_DATA, "%zu parts for a set of %u shards", n, count);
        }
        for (unsigned i = 0; i < count && !st; i++) {
            int found = 0;
            for (size_t k = 0; k < n && !found; k++)
                found = records[k].index == i;
            if (!found)
                st = vlit_err(err, VLIT_ERR_DATA, "shard %u/%u missing (the set has %zu of its %u parts)", i, count, n,
                              count);
        }
    }
    for (size_t k = 0; k < n && !st; k++)
        st = vlit_shard_record_verify(parts[k], &records[k], err);
    if (st)
        for (size_t k = 0; k < n; k++)
            vlit_shard_record_free(&records[k]);
    return st;
}
