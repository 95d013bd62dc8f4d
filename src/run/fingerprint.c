/* Fingerprints of a stage's settings and inputs (vlit/run.h): SHA-256 over
 * length-prefixed texts, file contents and folder listings. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "vlit/run.h"

#include "../base/err.h"

struct vlit_fingerprint {
    EVP_MD_CTX *ctx;
};

vlit_status vlit_fingerprint_new(vlit_fingerprint **out, vlit_error *err)
{
    *out = NULL;
    vlit_fingerprint *f = calloc(1, sizeof *f);
    if (!f || !(f->ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(f->ctx, EVP_sha256(), NULL) != 1) {
        vlit_fingerprint_free(f);
        return vlit_err(err, VLIT_ERR_NOMEM, "cannot start a SHA-256 digest");
    }
    *out = f;
    return VLIT_OK;
}

void vlit_fingerprint_free(vlit_fingerprint *f)
{
    if (!f)
        return;
    EVP_MD_CTX_free(f->ctx);
    free(f);
}

static void add_bytes(vlit_fingerprint *f, const void *p, size_t n)
{
    unsigned char len[8];
    unsigned long long v = n;
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(v >> (8 * i));
    EVP_DigestUpdate(f->ctx, len, sizeof len);
    EVP_DigestUpdate(f->ctx, p, n);
}

void vlit_fingerprint_add_text(vlit_fingerprint *f, const char *text)
{
    add_bytes(f, text, strlen(text));
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static vlit_status add_dir(vlit_fingerprint *f, const char *path, int depth, vlit_error *err)
{
    if (depth > 32)
        return vlit_err(err, VLIT_ERR_LIMIT, "%s: folders nested more than 32 deep", path);
    DIR *d = opendir(path);
    if (!d)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot list: %s", path, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    vlit_status st = VLIT_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name))) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        n++;
    }
    closedir(d);
    if (st == VLIT_OK && n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && st == VLIT_OK; i++) {
        size_t len = strlen(path) + strlen(names[i]) + 2;
        char *child = malloc(len);
        if (!child) {
            st = vlit_err(err, VLIT_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        snprintf(child, len, "%s/%s", path, names[i]);
        struct stat sb;
        add_bytes(f, names[i], strlen(names[i]));
        if (lstat(child, &sb) != 0) {
            add_bytes(f, "?", 1);
        } else if (S_ISDIR(sb.st_mode)) {
            add_bytes(f, "d", 1);
            st = add_dir(f, child, depth + 1, err);
        } else {
            char meta[96];
            snprintf(meta, sizeof meta, "f %lld %lld.%09ld", (long long)sb.st_size, (long long)sb.st_mtim.tv_sec,
                     (long)sb.st_mtim.tv_nsec);
            add_bytes(f, meta, strlen(meta));
        }
        free(child);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

vlit_status vlit_fingerprint_add_path(vlit_fingerprint *f, const char *path, vlit_error *err)
{
    struct stat sb;
    add_bytes(f, path, strlen(path));
    if (stat(path, &sb) != 0) {
        add_bytes(f, "missing", 7);
        return VLIT_OK;
    }
    if (S_ISDIR(sb.st_mode)) {
        add_bytes(f, "folder", 6);
        return add_dir(f, path, 0, err);
    }
    FILE *in = fopen(path, "rb");
    if (!in)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    /* the content's own digest, so that it cannot run into what follows */
    EVP_MD_CTX *sub = EVP_MD_CTX_new();
    if (!sub || EVP_DigestInit_ex(sub, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(sub);
        fclose(in);
        return vlit_err(err, VLIT_ERR_NOMEM, "%s: cannot start a SHA-256 digest", path);
    }
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        EVP_DigestUpdate(sub, buf, n);
    int bad = ferror(in);
    fclose(in);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(sub, md, &mdlen);
    EVP_MD_CTX_free(sub);
    if (bad)
        return vlit_err(err, VLIT_ERR_IO, "%s: read error", path);
    add_bytes(f, "file", 4);
    add_bytes(f, md, mdlen);
    return VLIT_OK;
}

void vlit_fingerprint_hex(const vlit_fingerprint *f, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    if (!copy || EVP_MD_CTX_copy_ex(copy, f->ctx) != 1 || EVP_DigestFinal_ex(copy, md, &n) != 1 || n != 32) {
        memset(out, '0', 64);
        out[64] = '\0';
        EVP_MD_CTX_free(copy);
        return;
    }
    EVP_MD_CTX_free(copy);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}
