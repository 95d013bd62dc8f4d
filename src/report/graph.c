/* Weighted graphs of named nodes (vlit/graph.h): building, edge-list files,
 * partials. The algorithm is in egosplit.c. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/atomic_file.h"
#include "../base/err.h"
#include "../base/lines.h"
#include "../base/random.h"
#include "graph_internal.h"

#define LINE_MAX_BYTES ((size_t)1 << 20)
#define WEIGHT_MAX_BYTES 64

vlit_status vlit_graph_new(vlit_graph **out, vlit_error *err)
{
    *out = NULL;
    vlit_graph *g = calloc(1, sizeof *g);
    if (!g)
        return vlit_err(err, VLIT_ERR_NOMEM, "graph: out of memory");
    vlit_strmap_init(&g->ids);
    *out = g;
    return VLIT_OK;
}

void vlit_graph_free(vlit_graph *g)
{
    if (!g)
        return;
    vlit_strmap_free(&g->ids);
    free(g->name);
    free(g->slots);
    free(g);
}

void vlit_graph_get_info(const vlit_graph *g, vlit_graph_info *info)
{
    memset(info, 0, sizeof *info);
    info->nodes = g->n;
    info->edges = g->m;
    info->self_loops = g->self_loops;
    for (size_t i = 0; i < g->cap; i++)
        if (g->slots[i].key != GRAPH_NO_KEY)
            info->total_weight += g->slots[i].weight;
}

/* NULL if the name is fine, else what is wrong with it. */
static const char *name_problem(const char *s, size_t len)
{
    if (len == 0)
        return "empty node name";
    if (len > VLIT_GRAPH_NAME_MAX)
        return "node name longer than 4096 bytes";
    if (memchr(s, '\0', len))
        return "node name contains a NUL byte";
    if (memchr(s, '\t', len))
        return "node name contains a tab";
    if (memchr(s, '\n', len) || memchr(s, '\r', len))
        return "node name contains a line break";
    return NULL;
}

/* The id of name, added when new. UINT32_MAX when out of memory or full. */
static uint32_t intern(vlit_graph *g, const char *s, size_t len, vlit_status *st)
{
    uint32_t *v = vlit_strmap_get(&g->ids, s, len);
    if (v)
        return *v;
    if (g->n >= GRAPH_MAX_NODES) {
        *st = VLIT_ERR_LIMIT;
        return UINT32_MAX;
    }
    if (g->n == g->name_cap) {
        size_t cap = g->name_cap ? 2 * g->name_cap : 1024;
        const char **name = realloc(g->name, cap * sizeof *name);
        if (!name) {
            *st = VLIT_ERR_NOMEM;
            return UINT32_MAX;
        }
        g->name = name;
        g->name_cap = cap;
    }
    int inserted;
    const char *stored;
    v = vlit_strmap_put(&g->ids, s, len, (uint32_t)g->n, &inserted, &stored);
    if (!v) {
        *st = VLIT_ERR_NOMEM;
        return UINT32_MAX;
    }
    g->name[g->n++] = stored;
    return *v;
}

static size_t slot_of(uint64_t key, size_t cap)
{
    return (size_t)vlit_mix64(key) & (cap - 1);
}

static int grow_edges(vlit_graph *g)
{
    size_t cap = g->cap ? 2 * g->cap : 1024;
    if (cap > SIZE_MAX / sizeof(graph_edge_slot))
        return 0;
    graph_edge_slot *s = malloc(cap * sizeof *s);
    if (!s)
        return 0;
    for (size_t i = 0; i < cap; i++)
        s[i].key = GRAPH_NO_KEY;
    for (size_t i = 0; i < g->cap; i++) {
        if (g->slots[i].key == GRAPH_NO_KEY)
            continue;
        size_t j = slot_of(g->slots[i].key, cap);
        while (s[j].key != GRAPH_NO_KEY)
            j = (j + 1) & (cap - 1);
        s[j] = g->slots[i];
    }
    free(g->slots);
    g->slots = s;
    g->cap = cap;
    return 1;
}

/* Adds weight to the edge between two different ids. */
static vlit_status add_ids(vlit_graph *g, uint32_t a, uint32_t b, double weight)
{
    uint64_t key = a < b ? ((uint64_t)a << 32) | b : ((uint64_t)b << 32) | a;
    if (g->cap) {
        for (size_t j = slot_of(key, g->cap);; j = (j + 1) & (g->cap - 1)) {
            if (g->slots[j].key == key) {
                g->slots[j].weight += weight;
                return VLIT_OK;
            }
            if (g->slots[j].key == GRAPH_NO_KEY)
                break;
        }
    }
    if (g->m >= GRAPH_MAX_EDGES)
        return VLIT_ERR_LIMIT;
    if ((g->m + 1) * 10 > g->cap * 7 && !grow_edges(g))
        return VLIT_ERR_NOMEM;
    size_t j = slot_of(key, g->cap);
    while (g->slots[j].key != GRAPH_NO_KEY)
        j = (j + 1) & (g->cap - 1);
    g->slots[j].key = key;
    g->slots[j].weight = weight;
    g->m++;
    return VLIT_OK;
}

static vlit_status limit_error(vlit_error *err, vlit_status st)
{
    if (st == VLIT_ERR_LIMIT)
        return vlit_err(err, st, "graph: more than %" PRIu32 " nodes or %d edges", (uint32_t)GRAPH_MAX_NODES,
                        GRAPH_MAX_EDGES);
    return vlit_err(err, st, "graph: out of memory");
}

/* Both names already checked. */
static vlit_status add_checked(vlit_graph *g, const char *u, size_t ulen, const char *v, size_t vlen, double weight)
{
    if (ulen == vlen && memcmp(u, v, ulen) == 0) {
        g->self_loops++;
        return VLIT_OK;
    }
    vlit_status st = VLIT_OK;
    uint32_t a = intern(g, u, ulen, &st);
    if (a == UINT32_MAX)
        return st;
    uint32_t b = intern(g, v, vlen, &st);
    if (b == UINT32_MAX)
        return st;
    return add_ids(g, a, b, weight == 0 ? 0.0 : weight); /* -0 becomes 0 */
}

vlit_status vlit_graph_add_edge(vlit_graph *g, const char *u, size_t ulen, const char *v, size_t vlen, double weight,
                                vlit_error *err)
{
    const char *why = name_problem(u, ulen);
    if (why || (why = name_problem(v, vlen)) != NULL)
        return vlit_err(err, VLIT_ERR_DATA, "graph: %s", why);
    if (!isfinite(weight) || weight < 0)
        return vlit_err(err, VLIT_ERR_DATA, "graph: edge weight %g is not a finite number >= 0", weight);
    vlit_status st = add_checked(g, u, ulen, v, vlen, weight);
    return st ? limit_error(err, st) : VLIT_OK;
}

typedef struct word_ref {
    const char *s;
    size_t len;
} word_ref;

static int cmp_word(const void *a, const void *b)
{
    const word_ref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

vlit_status vlit_graph_add_cooccurrence(vlit_graph *g, const char *const *words, const size_t *lens, size_t n,
                                        vlit_error *err)
{
    if (n == 0)
        return VLIT_OK;
    word_ref *w = malloc(n * sizeof *w);
    uint32_t *id = malloc(n * sizeof *id);
    vlit_status st = VLIT_OK;
    if (!w || !id) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "graph: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        w[i].s = words[i];
        w[i].len = lens ? lens[i] : strlen(words[i]);
        const char *why = name_problem(w[i].s, w[i].len);
        if (why) {
            st = vlit_err(err, VLIT_ERR_DATA, "graph: word %zu: %s", i + 1, why);
            goto out;
        }
    }
    /* distinct words first, so that a text of one word adds no node */
    qsort(w, n, sizeof *w, cmp_word);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || cmp_word(&w[k - 1], &w[i]) != 0)
            w[k++] = w[i];
    if (k < 2)
        goto out;
    for (size_t i = 0; i < k; i++)
        if ((id[i] = intern(g, w[i].s, w[i].len, &st)) == UINT32_MAX) {
            st = limit_error(err, st);
            goto out;
        }
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++)
            if ((st = add_ids(g, id[i], id[j], 1.0)) != VLIT_OK) {
                st = limit_error(err, st);
                goto out;
            }
out:
    free(w);
    free(id);
    return st;
}

/* ---- names in byte order ---- */

typedef struct name_ref {
    const char *s;
    uint32_t id;
} name_ref;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const name_ref *)a)->s, ((const name_ref *)b)->s); /* unsigned bytes, names have no NUL */
}

vlit_status graph_name_order(const vlit_graph *g, uint32_t *by_rank, uint32_t *rank, vlit_error *err)
{
    if (g->n == 0)
        return VLIT_OK;
    name_ref *v = malloc(g->n * sizeof *v);
    if (!v)
        return vlit_err(err, VLIT_ERR_NOMEM, "graph: out of memory");
    for (size_t i = 0; i < g->n; i++) {
        v[i].s = g->name[i];
        v[i].id = (uint32_t)i;
    }
    qsort(v, g->n, sizeof *v, cmp_name);
    for (size_t r = 0; r < g->n; r++) {
        if (by_rank)
            by_rank[r] = v[r].id;
        if (rank)
            rank[v[r].id] = (uint32_t)r;
    }
    free(v);
    return VLIT_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int graph_sort_keys(uint64_t *keys, uint64_t *tmp, size_t n, uint32_t bound)
{
    if (n < 4096) {
        qsort(keys, n, sizeof *keys, cmp_u64);
        return 0;
    }
    /* LSD radix sort on 16-bit digits, only over the bits the ids use */
    unsigned bits = 0;
    while (bits < 32 && ((uint64_t)1 << bits) < bound)
        bits++;
    size_t *count = malloc(65536 * sizeof *count);
    if (!count)
        return -1;
    uint64_t *src = keys, *dst = tmp;
    for (unsigned half = 0; half < 2; half++)
        for (unsigned lo = 0; lo < bits; lo += 16) {
            unsigned shift = half * 32 + lo;
            memset(count, 0, 65536 * sizeof *count);
            for (size_t i = 0; i < n; i++)
                count[(src[i] >> shift) & 0xffff]++;
            size_t sum = 0;
            for (size_t d = 0; d < 65536; d++) {
                size_t c = count[d];
                count[d] = sum;
                sum += c;
            }
            for (size_t i = 0; i < n; i++)
                dst[count[(src[i] >> shift) & 0xffff]++] = src[i];
            uint64_t *t = src;
            src = dst;
            dst = t;
        }
    if (src != keys)
        memcpy(keys, src, n * sizeof *keys);
    free(count);
    return 0;
}

/* ---- edge lists ---- */

vlit_graph_read_params vlit_graph_read_default_params(void)
{
    vlit_graph_read_params p;
    memset(&p, 0, sizeof p);
    return p;
}

/* Parses a weight field; NULL if fine, else the problem. */
static const char *parse_weight(const char *s, size_t len, double *out)
{
    if (len == 0)
        return "empty weight";
    if (len > WEIGHT_MAX_BYTES)
        return "weight is not a decimal number";
    char buf[WEIGHT_MAX_BYTES + 1];
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return "weight is not a decimal number";
        buf[i] = c;
    }
    buf[len] = '\0';
    char *end;
    errno = 0;
    double w = strtod(buf, &end);
    if (end != buf + len || end == buf)
        return "weight is not a decimal number";
    if (!isfinite(w) || errno == ERANGE)
        return "weight is out of range";
    if (w < 0)
        return "weight is negative";
    *out = w;
    return NULL;
}

vlit_status vlit_graph_read_edges(vlit_graph *g, const char *path, vlit_graph_read_params params,
                                  vlit_graph_read_summary *summary, vlit_error *err)
{
    vlit_graph_read_summary sum = {0};
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "standard input" : path;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (!fp)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    vlit_lines l;
    vlit_status st = vlit_lines_init(&l, fp, name, LINE_MAX_BYTES, err);
    while (st == VLIT_OK && (st = vlit_lines_next(&l, err)) == VLIT_OK) {
        sum.lines++;
        const char *s = l.line.data;
        size_t len = l.line.len;
        if (len == 0)
            continue;
        const char *why = NULL, *t1 = memchr(s, '\t', len), *t2 = NULL;
        const char *u = s, *v = NULL, *w = NULL;
        size_t ulen = 0, vlen = 0, wlen = 0;
        double weight = 1.0;
        if (!t1) {
            why = "expected u TAB v [TAB weight]: no tab";
        } else {
            ulen = (size_t)(t1 - s);
            v = t1 + 1;
            t2 = memchr(v, '\t', len - ulen - 1);
            vlen = t2 ? (size_t)(t2 - v) : len - ulen - 1;
            if (t2) {
                w = t2 + 1;
                wlen = len - (size_t)(w - s);
                if (memchr(w, '\t', wlen))
                    why = "more than 3 tab-separated fields";
            }
        }
        const char *field = NULL;
        if (!why && (why = name_problem(u, ulen)) != NULL)
            field = "first node";
        if (!why && (why = name_problem(v, vlen)) != NULL)
            field = "second node";
        if (!why && w && (why = parse_weight(w, wlen, &weight)) != NULL)
            field = "weight";
        if (why) {
            char msg[VLIT_ERRMSG_MAX];
            if (field && w && strcmp(field, "weight") == 0)
                snprintf(msg, sizeof msg, "%s: line %zu (byte %" PRIu64 "): %s: '%.*s'", name, l.lineno, l.offset, why,
                         (int)(wlen > 40 ? 40 : wlen), w);
            else
                snprintf(msg, sizeof msg, "%s: line %zu (byte %" PRIu64 "): %s%s%s", name, l.lineno, l.offset, why,
                         field ? " in the " : "", field ? field : "");
            if (!params.skip_bad) {
                st = vlit_err(err, VLIT_ERR_PARSE, "%s", msg);
                break;
            }
            sum.skipped++;
            if (params.on_skip)
                params.on_skip(params.ctx, msg);
            continue;
        }
        sum.edges++;
        if (ulen == vlen && memcmp(u, v, ulen) == 0)
            sum.self_loops++;
        vlit_status ast = add_checked(g, u, ulen, v, vlen, weight);
        if (ast) {
            st = vlit_err(err, ast, "%s: line %zu: %s", name, l.lineno,
                          ast == VLIT_ERR_LIMIT ? "the graph is full (2^31 - 1 edges, 2^32 - 2 nodes)"
                                                : "out of memory");
            break;
        }
    }
    vlit_lines_free(&l);
    if (!is_stdin)
        fclose(fp);
    if (summary)
        *summary = sum;
    return st == VLIT_END ? VLIT_OK : st;
}

/* The shortest of %.15g, %.16g, %.17g that reads back to w. */
static void format_weight(char *buf, size_t cap, double w)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, w);
        if (strtod(buf, NULL) == w)
            return;
    }
}

vlit_status vlit_graph_write_partial(const vlit_graph *g, const char *path, vlit_error *err)
{
    vlit_status st = VLIT_OK;
    uint32_t *by_rank = malloc((g->n ? g->n : 1) * sizeof *by_rank);
    uint32_t *rank = malloc((g->n ? g->n : 1) * sizeof *rank);
    uint64_t *keys = malloc((g->m ? g->m : 1) * sizeof *keys);
    uint64_t *tmp = malloc((g->m ? g->m : 1) * sizeof *tmp);
    vlit_atomic_file f = {0};
    if (!by_rank || !rank || !keys || !tmp) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "graph: out of memory");
        goto out;
    }
    if ((st = graph_name_order(g, by_rank, rank, err)) != VLIT_OK)
        goto out;
    size_t m = 0;
    for (size_t i = 0; i < g->cap; i++) {
        uint64_t k = g->slots[i].key;
        if (k == GRAPH_NO_KEY)
            continue;
        uint32_t a = rank[graph_key_hi(k)], b = rank[graph_key_lo(k)];
        keys[m++] = a < b ? ((uint64_t)a << 32) | b : ((uint64_t)b << 32) | a;
    }
    if (graph_sort_keys(keys, tmp, m, (uint32_t)g->n)) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "graph: out of memory");
        goto out;
    }
    if ((st = vlit_atomic_open(&f, path, err)) != VLIT_OK)
        goto out;
    for (size_t i = 0; i < m; i++) {
        uint32_t a = by_rank[graph_key_hi(keys[i])], b = by_rank[graph_key_lo(keys[i])];
        uint64_t k = a < b ? ((uint64_t)a << 32) | b : ((uint64_t)b << 32) | a;
        size_t j = slot_of(k, g->cap);
        while (g->slots[j].key != k)
            j = (j + 1) & (g->cap - 1);
        char wbuf[40];
        format_weight(wbuf, sizeof wbuf, g->slots[j].weight);
        fputs(g->name[a], f.fp);
        fputc('\t', f.fp);
        fputs(g->name[b], f.fp);
        fputc('\t', f.fp);
        fputs(wbuf, f.fp);
        fputc('\n', f.fp);
    }
    if (ferror(f.fp)) {
        st = vlit_err(err, VLIT_ERR_IO, "%s: write failed", path);
        vlit_atomic_abort(&f);
        goto out;
    }
    st = vlit_atomic_commit(&f, err);
out:
    free(by_rank);
    free(rank);
    free(keys);
    free(tmp);
    return st;
}
