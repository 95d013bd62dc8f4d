/*
 * json_choice: load one JSON file with one library, report the load time and what
 * was seen, so that bench/json-choice/run.sh can compare the JSON libraries Debian
 * ships (yajl, jansson, json-c, cJSON) on COCO-scale annotation files.
 *
 *   json_choice MODE FILE
 *
 * Each invocation uses exactly one library, so the peak RSS that time(1) reports for
 * the process belongs to that library alone.
 *
 * Modes:
 *   yajl-sax      yajl event parser, callbacks count values; numbers are converted
 *                 (integer/double callbacks), as a tree parser would convert them
 *   yajl-sax-raw  same, but with the raw-number callback: yajl hands over the digits
 *                 and no number is converted unless the callback wants it
 *   yajl-records  yajl event parser building one record at a time: every object that
 *                 is an element of a top-level array becomes a small struct of its
 *                 scalar fields (strings copied, kept numbers converted) plus short
 *                 number arrays such as bbox; deeper data (segmentation) is skipped
 *                 without conversion; the record is freed when its object closes.
 *                 This is the shape `vlit collect` would have on yajl.
 *   yajl-tree     yajl_tree_parse on the whole file read into memory
 *   jansson       json_load_file
 *   json-c        json_object_from_file
 *   cjson         cJSON_ParseWithLength on the whole file read into memory
 *
 *   json_choice touch MIB
 *                 not a parser: time the first touch of MIB fresh MiB, i.e. what
 *                 page faults cost on this machine. Tree parsers pay it for every
 *                 MiB of RSS, so it says how much of their time is the machine.
 *
 * Output, one line: mode, bytes, load_s (read + parse, the number compared),
 * free_s (tearing the tree down), and counts (objects, arrays, keys, strings,
 * numbers, other) that must agree across modes, proving each parsed the same thing.
 * yajl-records prints records and a checksum instead of value counts.
 *
 * Build: jansson's and json-c's headers cannot share a translation unit (both define
 * json_object, json_type, ...), so this file is compiled twice and linked together:
 *   cc -O2 -DJSON_CHOICE_JSONC_PART -c json_choice.c -o jc.o $(pkg-config --cflags json-c)
 *   cc -O2 json_choice.c jc.o -o json_choice $(pkg-config --cflags --libs yajl jansson json-c libcjson)
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    long long objects, arrays, keys, strings, numbers, other;
} counts_t;

/* json-c part: load FILE, count, free; sets the load and free durations. */
void load_jsonc(const char *path, counts_t *c, double *load_s, double *free_s);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "json_choice: %s: %s\n", what, detail ? detail : "");
    exit(1);
}

#ifdef JSON_CHOICE_JSONC_PART

#include <json.h>

static void walk_jsonc(struct json_object *v, counts_t *c)
{
    switch (json_object_get_type(v)) {
    case json_type_object: {
        c->objects++;
        json_object_object_foreach(v, key, val) {
            (void)key;
            c->keys++;
            walk_jsonc(val, c);
        }
        break;
    }
    case json_type_array: {
        c->arrays++;
        size_t n = json_object_array_length(v);
        for (size_t k = 0; k < n; k++)
            walk_jsonc(json_object_array_get_idx(v, k), c);
        break;
    }
    case json_type_string: c->strings++; break;
    case json_type_int: case json_type_double: c->numbers++; break;
    default: c->other++; break; /* null (a NULL object) and booleans */
    }
}

void load_jsonc(const char *path, counts_t *c, double *load_s, double *free_s)
{
    double t0 = now_s();
    struct json_object *root = json_object_from_file(path);
    if (!root)
        die(path, json_util_get_last_err());
    double t1 = now_s();
    walk_jsonc(root, c);
    double t2 = now_s();
    json_object_put(root);
    *load_s = t1 - t0;
    *free_s = now_s() - t2;
}

#else /* everything but json-c */

#include <cjson/cJSON.h>
#include <jansson.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

/* Whole file in memory, NUL-terminated: what the non-streaming APIs require. */
static char *read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0)
        die(path, strerror(errno));
    long len = ftell(f);
    if (len < 0)
        die(path, strerror(errno));
    rewind(f);
    char *buf = malloc((size_t)len + 1);
    if (!buf)
        die(path, "out of memory");
    if (fread(buf, 1, (size_t)len, f) != (size_t)len)
        die(path, "short read");
    buf[len] = '\0';
    fclose(f);
    *len_out = (size_t)len;
    return buf;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

/* ---- yajl events: counting ---------------------------------------------------- */

static int c_null(void *ctx) { ((counts_t *)ctx)->other++; return 1; }
static int c_bool(void *ctx, int b) { (void)b; ((counts_t *)ctx)->other++; return 1; }
static int c_int(void *ctx, long long v) { (void)v; ((counts_t *)ctx)->numbers++; return 1; }
static int c_double(void *ctx, double v) { (void)v; ((counts_t *)ctx)->numbers++; return 1; }
static int c_number(void *ctx, const char *s, size_t n)
{
    (void)s; (void)n;
    ((counts_t *)ctx)->numbers++;
    return 1;
}
static int c_string(void *ctx, const unsigned char *s, size_t n)
{
    (void)s; (void)n;
    ((counts_t *)ctx)->strings++;
    return 1;
}
static int c_start_map(void *ctx) { ((counts_t *)ctx)->objects++; return 1; }
static int c_key(void *ctx, const unsigned char *s, size_t n)
{
    (void)s; (void)n;
    ((counts_t *)ctx)->keys++;
    return 1;
}
static int c_end(void *ctx) { (void)ctx; return 1; }
static int c_start_array(void *ctx) { ((counts_t *)ctx)->arrays++; return 1; }

/* Feed the file in fixed chunks: memory stays at one chunk plus yajl's own state. */
static void yajl_feed(const char *path, yajl_handle h)
{
    static unsigned char chunk[1 << 16];
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path, strerror(errno));
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (yajl_parse(h, chunk, n) != yajl_status_ok) {
            unsigned char *err = yajl_get_error(h, 1, chunk, n);
            die(path, (const char *)err);
        }
    }
    if (yajl_complete_parse(h) != yajl_status_ok) {
        unsigned char *err = yajl_get_error(h, 0, NULL, 0);
        die(path, (const char *)err);
    }
    fclose(f);
}

static void run_yajl_sax(const char *path, int raw, counts_t *c)
{
    yajl_callbacks cb = {
        c_null, c_bool, raw ? NULL : c_int, raw ? NULL : c_double, raw ? c_number : NULL,
        c_string, c_start_map, c_key, c_end, c_start_array, c_end,
    };
    yajl_handle h = yajl_alloc(&cb, NULL, c);
    if (!h)
        die("yajl_alloc", "failed");
    yajl_feed(path, h);
    yajl_free(h);
}

/* ---- yajl events: one record at a time ---------------------------------------- */

enum { MAX_FIELDS = 16, MAX_NUMS = 8 };

typedef struct {
    char *key;
    enum { F_STR, F_INT, F_DBL, F_NUMS, F_OTHER } kind;
    char *str;
    long long i;
    double d;
    double nums[MAX_NUMS];
    int n_nums;
} field_t;

typedef struct {
    int depth;             /* 1 inside the top-level object, 2 in its arrays, ... */
    int in_record;         /* inside an object that is an element of a top-level array */
    char *key;             /* last key seen at record depth */
    field_t fields[MAX_FIELDS];
    int n_fields;
    long long records;
    double checksum;       /* keeps the compiler from discarding the record work */
} rec_state;

static char *dup_n(const unsigned char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        die("malloc", "out of memory");
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static field_t *new_field(rec_state *st)
{
    if (st->n_fields == MAX_FIELDS || !st->key)
        return NULL;
    field_t *f = &st->fields[st->n_fields++];
    memset(f, 0, sizeof *f);
    f->key = st->key;
    st->key = NULL;
    return f;
}

static void end_record(rec_state *st)
{
    for (int k = 0; k < st->n_fields; k++) {
        field_t *f = &st->fields[k];
        if (f->kind == F_INT)
            st->checksum += (double)f->i;
        else if (f->kind == F_DBL)
            st->checksum += f->d;
        else if (f->kind == F_NUMS && f->n_nums > 0)
            st->checksum += f->nums[0];
        else if (f->kind == F_STR)
            st->checksum += (double)strlen(f->str);
        free(f->key);
        free(f->str);
    }
    free(st->key);
    st->key = NULL;
    st->n_fields = 0;
    st->records++;
}

static int r_scalar(rec_state *st, int kind, const char *s, size_t n)
{
    if (!st->in_record)
        return 1;
    if (st->depth == 3) {
        field_t *f = new_field(st);
        if (!f)
            return 1;
        if (kind == F_STR) {
            f->kind = F_STR;
            f->str = dup_n((const unsigned char *)s, n);
        } else if (kind == F_INT || kind == F_DBL) {
            char tmp[64];
            if (n >= sizeof tmp)
                n = sizeof tmp - 1;
            memcpy(tmp, s, n);
            tmp[n] = '\0';
            if (memchr(tmp, '.', n) || memchr(tmp, 'e', n) || memchr(tmp, 'E', n)) {
                f->kind = F_DBL;
                f->d = strtod(tmp, NULL);
            } else {
                f->kind = F_INT;
                f->i = strtoll(tmp, NULL, 10);
            }
        } else {
            f->kind = F_OTHER;
        }
    } else if (st->depth == 4 && kind == F_INT && st->n_fields > 0) {
        /* Short number arrays directly in the record (bbox) are kept; longer ones
         * and anything deeper (segmentation polygons) are skipped unconverted. */
        field_t *f = &st->fields[st->n_fields - 1];
        if (f->kind == F_NUMS && f->n_nums < MAX_NUMS) {
            char tmp[64];
            if (n >= sizeof tmp)
                n = sizeof tmp - 1;
            memcpy(tmp, s, n);
            tmp[n] = '\0';
            f->nums[f->n_nums++] = strtod(tmp, NULL);
        }
    }
    return 1;
}

static int r_null(void *ctx) { return r_scalar(ctx, F_OTHER, NULL, 0); }
static int r_bool(void *ctx, int b) { (void)b; return r_scalar(ctx, F_OTHER, NULL, 0); }
static int r_number(void *ctx, const char *s, size_t n) { return r_scalar(ctx, F_INT, s, n); }
static int r_string(void *ctx, const unsigned char *s, size_t n)
{
    return r_scalar(ctx, F_STR, (const char *)s, n);
}
static int r_key(void *ctx, const unsigned char *s, size_t n)
{
    rec_state *st = ctx;
    if (st->in_record && st->depth == 3) {
        free(st->key);
        st->key = dup_n(s, n);
    }
    return 1;
}
static int r_start_map(void *ctx)
{
    rec_state *st = ctx;
    st->depth++;
    if (st->depth == 3)
        st->in_record = 1;
    return 1;
}
static int r_end_map(void *ctx)
{
    rec_state *st = ctx;
    if (st->depth == 3) {
        end_record(st);
        st->in_record = 0;
    }
    st->depth--;
    return 1;
}
static int r_start_array(void *ctx)
{
    rec_state *st = ctx;
    st->depth++;
    if (st->in_record && st->depth == 4) {
        field_t *f = new_field(st);
        if (f)
            f->kind = F_NUMS;
    }
    return 1;
}
static int r_end_array(void *ctx)
{
    ((rec_state *)ctx)->depth--;
    return 1;
}

static void run_yajl_records(const char *path, rec_state *st)
{
    yajl_callbacks cb = {
        r_null, r_bool, NULL, NULL, r_number, r_string,
        r_start_map, r_key, r_end_map, r_start_array, r_end_array,
    };
    yajl_handle h = yajl_alloc(&cb, NULL, st);
    if (!h)
        die("yajl_alloc", "failed");
    yajl_feed(path, h);
    yajl_free(h);
}

/* ---- trees: walk to count (not timed) ----------------------------------------- */

static void walk_yajl(yajl_val v, counts_t *c)
{
    switch (v->type) {
    case yajl_t_object:
        c->objects++;
        c->keys += (long long)v->u.object.len;
        for (size_t k = 0; k < v->u.object.len; k++)
            walk_yajl(v->u.object.values[k], c);
        break;
    case yajl_t_array:
        c->arrays++;
        for (size_t k = 0; k < v->u.array.len; k++)
            walk_yajl(v->u.array.values[k], c);
        break;
    case yajl_t_string: c->strings++; break;
    case yajl_t_number: c->numbers++; break;
    default: c->other++; break;
    }
}

static void walk_jansson(json_t *v, counts_t *c)
{
    const char *key;
    json_t *val;
    size_t k;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        c->objects++;
        json_object_foreach(v, key, val) {
            c->keys++;
            walk_jansson(val, c);
        }
        break;
    case JSON_ARRAY:
        c->arrays++;
        json_array_foreach(v, k, val)
            walk_jansson(val, c);
        break;
    case JSON_STRING: c->strings++; break;
    case JSON_INTEGER: case JSON_REAL: c->numbers++; break;
    default: c->other++; break;
    }
}

static void walk_cjson(const cJSON *v, counts_t *c)
{
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        if (cJSON_IsObject(v))
            c->objects++;
        else
            c->arrays++;
        for (const cJSON *k = v->child; k; k = k->next) {
            if (cJSON_IsObject(v))
                c->keys++;
            walk_cjson(k, c);
        }
    } else if (cJSON_IsString(v)) {
        c->strings++;
    } else if (cJSON_IsNumber(v)) {
        c->numbers++;
    } else {
        c->other++;
    }
}

/* ---- main ---------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: json_choice MODE FILE\n"
            "       json_choice touch MIB\n"
            "modes: yajl-sax yajl-sax-raw yajl-records yajl-tree jansson json-c cjson\n"
            "Loads FILE with one JSON library and prints load time and value counts;\n"
            "`touch` times the first write to MIB fresh MiB (page-fault cost).\n");
}

static int touch(const char *mib_arg)
{
    long mib = strtol(mib_arg, NULL, 10);
    if (mib <= 0)
        die("touch", "MIB must be a positive number");
    size_t n = (size_t)mib << 20;
    double t0 = now_s();
    volatile char *p = malloc(n);
    if (!p)
        die("touch", "out of memory");
    for (size_t k = 0; k < n; k += 4096)
        p[k] = 1;
    double t1 = now_s();
    printf("mode=touch mib=%ld touch_s=%.4f s_per_gib=%.3f\n", mib, t1 - t0,
           (t1 - t0) * 1024.0 / (double)mib);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argc != 3) {
        usage(stderr);
        return 2;
    }
    const char *mode = argv[1], *path = argv[2];
    if (!strcmp(mode, "touch"))
        return touch(argv[2]);
    counts_t c = {0};
    rec_state st = {0};
    double t0 = now_s(), t_loaded = 0, t_freed = 0;
    int records = 0;

    if (!strcmp(mode, "yajl-sax") || !strcmp(mode, "yajl-sax-raw")) {
        run_yajl_sax(path, !strcmp(mode, "yajl-sax-raw"), &c);
        t_loaded = t_freed = now_s();
    } else if (!strcmp(mode, "yajl-records")) {
        run_yajl_records(path, &st);
        t_loaded = t_freed = now_s();
        records = 1;
    } else if (!strcmp(mode, "yajl-tree")) {
        size_t len;
        char *buf = read_file(path, &len);
        char err[256];
        yajl_val root = yajl_tree_parse(buf, err, sizeof err);
        if (!root)
            die(path, err);
        t_loaded = now_s();
        walk_yajl(root, &c);
        double tw = now_s();
        yajl_tree_free(root);
        free(buf);
        t_freed = now_s() - (tw - t_loaded);
    } else if (!strcmp(mode, "jansson")) {
        json_error_t err;
        json_t *root = json_load_file(path, 0, &err);
        if (!root)
            die(path, err.text);
        t_loaded = now_s();
        walk_jansson(root, &c);
        double tw = now_s();
        json_decref(root);
        t_freed = now_s() - (tw - t_loaded);
    } else if (!strcmp(mode, "json-c")) {
        double load_s, free_s;
        load_jsonc(path, &c, &load_s, &free_s);
        t_loaded = t0 + load_s;
        t_freed = t_loaded + free_s;
    } else if (!strcmp(mode, "cjson")) {
        size_t len;
        char *buf = read_file(path, &len);
        cJSON *root = cJSON_ParseWithLength(buf, len);
        if (!root)
            die(path, "cJSON_ParseWithLength failed");
        t_loaded = now_s();
        walk_cjson(root, &c);
        double tw = now_s();
        cJSON_Delete(root);
        free(buf);
        t_freed = now_s() - (tw - t_loaded);
    } else {
        usage(stderr);
        return 2;
    }

    printf("mode=%s bytes=%ld load_s=%.4f free_s=%.4f ", mode, file_size(path),
           t_loaded - t0, t_freed - t_loaded);
    if (records)
        printf("records=%lld checksum=%.6g\n", st.records, st.checksum);
    else
        printf("objects=%lld arrays=%lld keys=%lld strings=%lld numbers=%lld other=%lld\n",
               c.objects, c.arrays, c.keys, c.strings, c.numbers, c.other);
    return 0;
}

#endif /* JSON_CHOICE_JSONC_PART */
