/* Embedding sets (vlit/embed.h): TF-IDF against a direct computation of the
 * documented formulas, properties of the projection, shard partials merged
 * byte for byte, malformed partials, the image descriptor on made-up images,
 * image sets with a missing image. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vlit/embed.h"

#include "check.h"
#include "testutil.h"

/* ---- a direct computation of docs/embed.md's definitions ------------------------- */

static uint64_t mix64(uint64_t x) /* splitmix64, one step from state x */
{
    uint64_t z = x + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#define BITS 20
#define MAXW 64

typedef struct bag {
    uint32_t id[MAXW];
    double tf[MAXW];
    int n;
} bag;

/* Words: runs of ASCII letters/digits and bytes >= 0x80, lower-cased; FNV-1a. */
static void direct_bag(const char *t, bag *b)
{
    b->n = 0;
    const unsigned char *p = (const unsigned char *)t;
    while (*p) {
        while (*p && !(isalnum(*p) || *p >= 0x80))
            p++;
        if (!*p)
            break;
        uint64_t h = 0xcbf29ce484222325ull;
        while (*p && (isalnum(*p) || *p >= 0x80)) {
            h = (h ^ (unsigned char)tolower(*p)) * 0x100000001b3ull;
            p++;
        }
        uint32_t id = (uint32_t)(h & ((1u << BITS) - 1));
        int k;
        for (k = 0; k < b->n && b->id[k] != id; k++)
            ;
        if (k == b->n) {
            b->id[b->n] = id;
            b->tf[b->n++] = 0;
        }
        b->tf[k] += 1;
    }
}

/* The exact (unprojected) TF-IDF vectors as sparse bags with weights, and the projection of one. */
static void direct_tfidf(const char **docs, int n, bag *bags)
{
    for (int i = 0; i < n; i++)
        direct_bag(docs[i], &bags[i]);
    for (int i = 0; i < n; i++) {
        double norm = 0;
        double w[MAXW];
        for (int k = 0; k < bags[i].n; k++) {
            int df = 0;
            for (int j = 0; j < n; j++)
                for (int q = 0; q < bags[j].n; q++)
                    df += bags[j].id[q] == bags[i].id[k];
            double idf = log((1.0 + n) / (1.0 + df)) + 1.0;
            w[k] = (1.0 + log(bags[i].tf[k])) * idf;
            norm += w[k] * w[k];
        }
        for (int k = 0; k < bags[i].n; k++)
            bags[i].tf[k] = w[k] / sqrt(norm); /* now the unit TF-IDF weights */
    }
}

static void direct_project(const bag *b, size_t dim, uint64_t seed, double *y)
{
    memset(y, 0, dim * sizeof *y);
    for (int k = 0; k < b->n; k++) {
        uint64_t base = mix64(seed ^ mix64(b->id[k]));
        for (size_t j = 0; j < dim; j++) {
            uint64_t r = mix64(base + j / 64);
            y[j] += ((r >> (j % 64)) & 1) ? -b->tf[k] : b->tf[k];
        }
    }
    double n = 0;
    for (size_t j = 0; j < dim; j++)
        n += y[j] * y[j];
    for (size_t j = 0; j < dim && n > 0; j++)
        y[j] /= sqrt(n);
}

static double sparse_cos(const bag *a, const bag *b)
{
    double d = 0;
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++)
            if (a->id[i] == b->id[j])
                d += a->tf[i] * b->tf[j];
    return d;
}

static const char *texts[] = {
    "A black dog runs on the beach.",
    "The dog is running along the BEACH, chasing a ball; the dog is black.",
    "Two people ride bicycles down a city street.",
    "",
    "!!! ... ???",
    "A red double-decker bus parked near the curb in London.",
    "The bus is red. The bus is parked; people wait at the stop.",
    "Café au lait on a wooden table, next to a croissant.",
    "3 cats sleep on a sofa; one cat is orange, 2 are grey.",
    "An airplane takes off from the runway at sunset.",
};
#define NT (sizeof texts / sizeof *texts)

static vlit_text_set *text_set(size_t dim, uint64_t seed, const char *stop)
{
    vlit_embed_params p = vlit_embed_default_params();
    p.dim = dim;
    p.seed = seed;
    p.stopwords = stop;
    vlit_text_set *s = NULL;
    vlit_error err = {0};
    if (vlit_text_set_new(&p, &s, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return NULL;
    }
    return s;
}

static void test_tfidf_direct(void)
{
    bag bags[NT];
    direct_tfidf(texts, (int)NT, bags);
    size_t dims[] = {7, 64, 256, 1000};
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++) {
        vlit_text_set *s = text_set(dims[d], 42, NULL);
        CHECK(s != NULL);
        if (!s)
            return;
        vlit_error err = {0};
        for (size_t i = 0; i < NT; i++)
            CHECK(vlit_text_set_add(s, texts[i], strlen(texts[i]), &err) == VLIT_OK);
        CHECK(vlit_text_set_count(s) == NT);
        float *v = NULL;
        size_t n = 0, dim = 0;
        CHECK(vlit_text_set_vectors(s, &v, &n, &dim, &err) == VLIT_OK);
        CHECK(n == NT && dim == dims[d]);
        double *y = malloc(dims[d] * sizeof *y);
        double worst = 0;
        for (size_t i = 0; v && i < NT; i++) {
            direct_project(&bags[i], dims[d], 42, y);
            for (size_t j = 0; j < dims[d]; j++)
                worst = fmax(worst, fabs(y[j] - v[i * dims[d] + j]));
        }
        CHECK(worst < 2e-6);
        if (worst >= 2e-6)
            fprintf(stderr, "dim %zu: largest difference from the direct computation %g\n", dims[d], worst);
        /* documents without words are zero rows; the others unit rows */
        for (size_t i = 0; v && i < NT; i++) {
            double nn = 0;
            for (size_t j = 0; j < dims[d]; j++)
                nn += (double)v[i * dims[d] + j] * v[i * dims[d] + j];
            CHECK(i == 3 || i == 4 ? nn == 0 : fabs(nn - 1) < 1e-5);
        }
        free(y);
        free(v);
        vlit_text_set_free(s);
    }
    /* a direct check of one value of the formulas: doc 0 and doc 1 share "a"? no:
     * "black", "dog", "the", "beach" and "a" - the exact cosine is their idf-weighted overlap */
    double c01 = sparse_cos(&bags[0], &bags[1]), c02 = sparse_cos(&bags[0], &bags[2]);
    CHECK(c01 > 0.4 && c02 < 0.1);
}

/* cosines after projection approach the exact ones as dim grows */
static void test_projection(void)
{
    bag bags[NT];
    direct_tfidf(texts, (int)NT, bags);
    double err_by_dim[2];
    size_t dims[2] = {64, 4096};
    for (int d = 0; d < 2; d++) {
        vlit_text_set *s = text_set(dims[d], 7, NULL);
        vlit_error err = {0};
        for (size_t i = 0; i < NT; i++)
            vlit_text_set_add(s, texts[i], strlen(texts[i]), &err);
        float *v = NULL;
        size_t n, dim;
        CHECK(vlit_text_set_vectors(s, &v, &n, &dim, &err) == VLIT_OK);
        double sum = 0;
        int pairs = 0;
        for (size_t i = 0; v && i < NT; i++)
            for (size_t j = i + 1; j < NT; j++) {
                if (!bags[i].n || !bags[j].n)
                    continue;
                double c = 0;
                for (size_t k = 0; k < dim; k++)
                    c += (double)v[i * dim + k] * v[j * dim + k];
                sum += fabs(c - sparse_cos(&bags[i], &bags[j]));
                pairs++;
            }
        err_by_dim[d] = sum / pairs;
        free(v);
        vlit_text_set_free(s);
    }
    CHECK(err_by_dim[1] < 0.03);
    CHECK(err_by_dim[1] < err_by_dim[0]);
    /* the seed changes the projection; the same seed repeats it */
    float *a = NULL, *b = NULL, *c = NULL;
    size_t n, dim;
    vlit_error err = {0};
    uint64_t seeds[3] = {1, 1, 2};
    float **outs[3] = {&a, &b, &c};
    for (int k = 0; k < 3; k++) {
        vlit_text_set *s = text_set(32, seeds[k], NULL);
        vlit_text_set_add(s, texts[0], strlen(texts[0]), &err);
        vlit_text_set_vectors(s, outs[k], &n, &dim, &err);
        vlit_text_set_free(s);
    }
    CHECK(a && b && c && memcmp(a, b, 32 * sizeof *a) == 0 && memcmp(a, c, 32 * sizeof *a) != 0);
    free(a);
    free(b);
    free(c);
}

static void test_stopwords(void)
{
    const char *stop = write_file("stop.txt", "# comment\nthe\na is\n");
    vlit_text_set *s = text_set(64, 0, stop);
    vlit_error err = {0};
    CHECK(s != NULL);
    const char *d1 = "the dog", *d2 = "a dog is", *d3 = "the a is";
    vlit_text_set_add(s, d1, strlen(d1), &err);
    vlit_text_set_add(s, d2, strlen(d2), &err);
    vlit_text_set_add(s, d3, strlen(d3), &err);
    float *v = NULL;
    size_t n, dim;
    CHECK(vlit_text_set_vectors(s, &v, &n, &dim, &err) == VLIT_OK);
    CHECK(v && memcmp(v, v + 64, 64 * sizeof *v) == 0); /* both are just "dog" */
    double z = 0;
    for (int j = 0; v && j < 64; j++)
        z += fabs(v[128 + j]);
    CHECK(z == 0); /* only stop words: a zero row */
    free(v);
    vlit_text_set_free(s);
    vlit_embed_params p = vlit_embed_default_params();
    p.stopwords = tmp_path("no-such-stop.txt");
    CHECK(vlit_text_set_new(&p, &s, &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "no-such-stop.txt");
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *d = malloc((size_t)n + 1);
    if (fread(d, 1, (size_t)n, fp) != (size_t)n)
        abort();
    fclose(fp);
    *len = (size_t)n;
    return d;
}

static void spit(const char *path, const unsigned char *d, size_t n)
{
    FILE *fp = fopen(path, "wb");
    fwrite(d, 1, n, fp);
    fclose(fp);
}

static void test_text_partials(void)
{
    /* more documents: the texts repeated with numbers, so shards differ */
    enum { N = 300 };
    char docs[N][160];
    for (int i = 0; i < N; i++)
        snprintf(docs[i], sizeof docs[i], "%s item%d %s", texts[(size_t)i % NT], i % 17, texts[(size_t)(i * 7) % NT]);
    vlit_error err = {0};
    vlit_text_set *whole = text_set(128, 3, NULL);
    for (int i = 0; i < N; i++)
        vlit_text_set_add(whole, docs[i], strlen(docs[i]), &err);
    float *vw = NULL;
    size_t nw, dw;
    CHECK(vlit_text_set_vectors(whole, &vw, &nw, &dw, &err) == VLIT_OK);
    CHECK(vlit_text_set_bytes(whole) > 0);
    vlit_text_set_free(whole);
    int cut[4] = {0, 97, 98, 300}; /* a shard of one document too */
    const char *names[3] = {"p0.bin", "p1.bin", "p2.bin"};
    for (int k = 0; k < 3; k++) {
        vlit_text_set *s = text_set(16, 99, NULL); /* dim and seed of a shard do not matter */
        for (int i = cut[k]; i < cut[k + 1]; i++)
            vlit_text_set_add(s, docs[i], strlen(docs[i]), &err);
        CHECK(vlit_text_set_write_partial(s, tmp_path(names[k]), &err) == VLIT_OK);
        vlit_text_set_free(s);
    }
    vlit_text_set *m = text_set(128, 3, NULL);
    for (int k = 0; k < 3; k++)
        CHECK(vlit_text_set_add_partial(m, tmp_path(names[k]), &err) == VLIT_OK);
    CHECK(vlit_text_set_count(m) == N);
    float *vm = NULL;
    size_t nm = 0, dm = 0;
    CHECK(vlit_text_set_vectors(m, &vm, &nm, &dm, &err) == VLIT_OK);
    CHECK(nm == nw && dm == dw && vm && vw && memcmp(vm, vw, nw * dw * sizeof *vw) == 0);
    free(vm);
    /* two threads give the same bytes (n >= 4096 to use them) */
    vlit_text_set_free(m);
    free(vw);

    /* a partial of other settings is refused */
    vlit_embed_params p = vlit_embed_default_params();
    p.hash_bits = 18;
    vlit_text_set *o = NULL;
    vlit_text_set_new(&p, &o, &err);
    CHECK(vlit_text_set_add_partial(o, tmp_path(names[0]), &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "other settings");
    vlit_text_set_free(o);

    /* damaged partials: every truncation and a flipped byte are refused with the file's name */
    size_t len;
    unsigned char *d = slurp(tmp_path(names[1]), &len);
    CHECK(d != NULL);
    int refused = 0, tried = 0;
    for (size_t cutlen = 0; d && cutlen < len; cutlen += 1 + cutlen / 8) {
        spit(tmp_path("bad.bin"), d, cutlen);
        vlit_text_set *b = text_set(16, 0, NULL);
        memset(&err, 0, sizeof err);
        tried++;
        refused += vlit_text_set_add_partial(b, tmp_path("bad.bin"), &err) == VLIT_ERR_PARSE &&
                   strstr(err.message, "bad.bin") && vlit_text_set_count(b) == 0;
        vlit_text_set_free(b);
    }
    CHECK(tried > 10 && refused == tried);
    if (d) {
        d[len / 2] ^= 0x10;
        spit(tmp_path("bad.bin"), d, len);
        vlit_text_set *b = text_set(16, 0, NULL);
        CHECK(vlit_text_set_add_partial(b, tmp_path("bad.bin"), &err) == VLIT_ERR_PARSE);
        CHECK_HAS(err.message, "checksum");
        vlit_text_set_free(b);
    }
    free(d);
    CHECK(vlit_text_set_add_partial(m = text_set(16, 0, NULL), tmp_path("missing.bin"), &err) == VLIT_ERR_IO);
    vlit_text_set_free(m);
}

static void test_threads_same(void)
{
    enum { N = 5000 };
    vlit_error err = {0};
    float *v[2] = {NULL, NULL};
    size_t n, dim;
    for (int t = 0; t < 2; t++) {
        vlit_embed_params p = vlit_embed_default_params();
        p.threads = t ? 2 : 1;
        p.dim = 48;
        vlit_text_set *s = NULL;
        vlit_text_set_new(&p, &s, &err);
        char doc[200];
        for (int i = 0; i < N; i++) {
            snprintf(doc, sizeof doc, "%s w%d", texts[(size_t)i % NT], i % 101);
            vlit_text_set_add(s, doc, strlen(doc), &err);
        }
        CHECK(vlit_text_set_vectors(s, &v[t], &n, &dim, &err) == VLIT_OK);
        vlit_text_set_free(s);
    }
    CHECK(v[0] && v[1] && memcmp(v[0], v[1], (size_t)N * 48 * sizeof(float)) == 0);
    free(v[0]);
    free(v[1]);
}

/* ---- images -------------------------------------------------------------------------- */

static double cosine(const float *a, const float *b, size_t n)
{
    double d = 0, x = 0, y = 0;
    for (size_t i = 0; i < n; i++) {
        d += (double)a[i] * b[i];
        x += (double)a[i] * a[i];
        y += (double)b[i] * b[i];
    }
    return d / sqrt(x * y);
}

static void make_image(uint8_t *px, int w, int h, int kind, int flip, uint32_t noise_seed)
{
    uint64_t st = noise_seed;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int sx = flip ? w - 1 - x : x;
            uint8_t *p = px + 3 * ((size_t)y * w + x);
            int r, g, b;
            if (kind == 0) { /* vertical stripes, red and white, left half darker */
                int on = (sx / 6) % 2;
                r = on ? 220 : 250;
                g = on ? 30 : 250;
                b = on ? 30 : 250;
                if (sx < w / 2) {
                    r /= 2;
                    g /= 2;
                    b /= 2;
                }
            } else if (kind == 1) { /* blue sky over green grass, diagonal texture */
                int sky = y < h / 2;
                int t = ((sx + y) / 5) % 2 ? 20 : 0;
                r = sky ? 80 + t : 40 + t;
                g = sky ? 140 + t : 160 + t;
                b = sky ? 230 : 50;
            } else { /* grey noise */
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                r = g = b = (int)(st >> 56);
            }
            if (noise_seed && kind != 2) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                int e = (int)((st >> 59) & 7) - 4;
                r = r + e < 0 ? 0 : r + e > 255 ? 255 : r + e;
                g = g + e < 0 ? 0 : g + e > 255 ? 255 : g + e;
                b = b + e < 0 ? 0 : b + e > 255 ? 255 : b + e;
            }
            p[0] = (uint8_t)r;
            p[1] = (uint8_t)g;
            p[2] = (uint8_t)b;
        }
}

static void test_descriptor(void)
{
    int w = 150, h = 100;
    uint8_t *px = malloc((size_t)w * h * 3);
    float d[6][VLIT_EMBED_IMAGE_DIM];
    vlit_error err = {0};
    make_image(px, w, h, 0, 0, 0);
    CHECK(vlit_image_descriptor(px, w, h, 3, d[0], &err) == VLIT_OK);
    make_image(px, w, h, 0, 1, 0); /* flipped */
    CHECK(vlit_image_descriptor(px, w, h, 3, d[1], &err) == VLIT_OK);
    make_image(px, w, h, 0, 0, 5); /* noisy */
    CHECK(vlit_image_descriptor(px, w, h, 3, d[2], &err) == VLIT_OK);
    make_image(px, w, h, 1, 0, 0); /* another picture */
    CHECK(vlit_image_descriptor(px, w, h, 3, d[3], &err) == VLIT_OK);
    free(px);
    px = malloc((size_t)75 * 50 * 3);
    make_image(px, 75, 50, 0, 0, 0); /* the first, half size */
    CHECK(vlit_image_descriptor(px, 75, 50, 3, d[4], &err) == VLIT_OK);
    free(px);
    /* gray input: one channel */
    uint8_t gray[40 * 30];
    for (int i = 0; i < 40 * 30; i++)
        gray[i] = (uint8_t)((i % 40) * 6);
    CHECK(vlit_image_descriptor(gray, 40, 30, 1, d[5], &err) == VLIT_OK);
    for (int k = 0; k < 6; k++) {
        double n = 0;
        for (int i = 0; i < VLIT_EMBED_IMAGE_DIM; i++) {
            n += (double)d[k][i] * d[k][i];
            CHECK(d[k][i] >= 0 && isfinite(d[k][i]));
        }
        CHECK(fabs(n - 1) < 1e-5);
    }
    double flip = cosine(d[0], d[1], VLIT_EMBED_IMAGE_DIM);
    double noisy = cosine(d[0], d[2], VLIT_EMBED_IMAGE_DIM);
    double half = cosine(d[0], d[4], VLIT_EMBED_IMAGE_DIM);
    double other = cosine(d[0], d[3], VLIT_EMBED_IMAGE_DIM);
    CHECK(flip > 1 - 1e-6);
    CHECK(noisy > other && half > other && other < 0.6);
    if (!(noisy > other && half > other))
        fprintf(stderr, "flip %.4f noisy %.4f half %.4f other %.4f\n", flip, noisy, half, other);
    /* a gray picture has no colour bins */
    double colour = 0;
    for (int i = 8; i < 128; i++)
        colour += d[5][i];
    CHECK(colour == 0);
    /* bad arguments */
    CHECK(vlit_image_descriptor(gray, 0, 30, 1, d[5], &err) == VLIT_ERR_USAGE);
    CHECK(vlit_image_descriptor(gray, 40, 30, 2, d[5], &err) == VLIT_ERR_USAGE);
    /* flat image: colour only, still unit length */
    uint8_t flat[10 * 10 * 3];
    memset(flat, 128, sizeof flat);
    CHECK(vlit_image_descriptor(flat, 10, 10, 3, d[5], &err) == VLIT_OK);
    double tex = 0;
    for (int i = 128; i < 256; i++)
        tex += d[5][i];
    CHECK(tex == 0);
}

static void test_image_sets(void)
{
    const char *root = VLIT_SOURCE_DIR "/tests/fuzz/seeds/image";
    const char *paths[] = {"rgb.jpg", "textured-420.jpg", "gray.png", "missing.jpg", "rgb.jpg", "rgba.png",
                           "textured-gray.jpg", "palette-interlaced.png"};
    size_t np = sizeof paths / sizeof *paths;
    vlit_embed_params p = vlit_embed_default_params();
    p.image_root = root;
    p.threads = 2;
    vlit_image_set *s = NULL;
    vlit_error err = {0};
    CHECK(vlit_image_set_new(&p, &s, &err) == VLIT_OK);
    for (size_t i = 0; i < np; i++)
        CHECK(vlit_image_set_add(s, paths[i], &err) == VLIT_OK);
    CHECK(vlit_image_set_count(s) == np - 1); /* rgb.jpg once */
    vlit_embed_result r;
    CHECK(vlit_image_set_vectors(s, &r, &err) == VLIT_OK);
    CHECK(r.items == np - 1 && r.rows == np - 2 && r.dim == VLIT_EMBED_IMAGE_DIM);
    CHECK(r.failed == 1 && r.failed_item && r.failed_item[0] == 3);
    if (r.failed)
        CHECK_HAS(r.failed_reason[0], "missing.jpg");
    CHECK(r.paths && strcmp(r.paths[3], "missing.jpg") == 0 && strcmp(r.paths[4], "rgba.png") == 0);
    CHECK(r.row_item && r.row_item[2] == 2 && r.row_item[3] == 4);
    /* partials: shards with an image in common merge to the same rows */
    vlit_image_set *a = NULL, *b = NULL, *m = NULL;
    vlit_image_set_new(&p, &a, &err);
    vlit_image_set_new(&p, &b, &err);
    for (size_t i = 0; i < np; i++)
        vlit_image_set_add(i < 4 ? a : b, paths[i], &err);
    CHECK(vlit_image_set_write_partial(a, tmp_path("ia.bin"), &err) == VLIT_OK);
    CHECK(vlit_image_set_write_partial(b, tmp_path("ib.bin"), &err) == VLIT_OK);
    vlit_image_set_new(&p, &m, &err);
    CHECK(vlit_image_set_add_partial(m, tmp_path("ia.bin"), &err) == VLIT_OK);
    CHECK(vlit_image_set_add_partial(m, tmp_path("ib.bin"), &err) == VLIT_OK);
    vlit_embed_result rm;
    CHECK(vlit_image_set_vectors(m, &rm, &err) == VLIT_OK);
    CHECK(rm.items == r.items && rm.rows == r.rows && rm.failed == 1 &&
          memcmp(rm.data, r.data, r.rows * r.dim * sizeof(float)) == 0);
    for (size_t i = 0; i < rm.items && i < r.items; i++)
        CHECK(strcmp(rm.paths[i], r.paths[i]) == 0);
    CHECK(rm.failed && strcmp(rm.failed_reason[0], r.failed_reason[0]) == 0);
    /* a text partial is not an image partial */
    vlit_text_set *t = text_set(8, 0, NULL);
    vlit_text_set_write_partial(t, tmp_path("t.bin"), &err);
    CHECK(vlit_image_set_add_partial(m, tmp_path("t.bin"), &err) == VLIT_ERR_PARSE);
    CHECK(vlit_text_set_add_partial(t, tmp_path("ia.bin"), &err) == VLIT_ERR_PARSE);
    vlit_text_set_free(t);
    vlit_embed_result_free(&rm);
    vlit_embed_result_free(&r);
    vlit_image_set_free(a);
    vlit_image_set_free(b);
    vlit_image_set_free(m);
    vlit_image_set_free(s);
    /* usage */
    p.method = "clip";
    CHECK(vlit_image_set_new(&p, &s, &err) == VLIT_ERR_USAGE);
    p.method = "server";
    CHECK(vlit_image_set_new(&p, &s, &err) == VLIT_ERR_USAGE);
    vlit_embed_params q = vlit_embed_default_params();
    q.dim = 0;
    vlit_text_set *ts = NULL;
    CHECK(vlit_text_set_new(&q, &ts, &err) == VLIT_ERR_USAGE);
}

int main(void)
{
    test_tfidf_direct();
    test_projection();
    test_stopwords();
    test_text_partials();
    test_threads_same();
    test_descriptor();
    test_image_sets();
    cleanup_dir();
    return CHECK_DONE();
}
