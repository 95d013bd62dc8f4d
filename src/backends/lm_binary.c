/* The binary model file: a header, then the model's arrays (lm_model.h)
 * exactly as the scorer reads them, each at a 64-byte aligned offset, so
 * loading is mmap plus checks of the header; nothing is parsed or copied.
 *
 *   header (struct bin_header, 64-bit little-endian fields)
 *   strings   the words, NUL-terminated          strings_size bytes
 *   word_off  uint32 offset of each word          4 * vocab_size
 *   vslots    word hash table {uint32 id, check}  8 * vocab_cap
 *   uni       {float prob, bow} per word          8 * vocab_size
 *   tab[n]    n = 2..order: {uint32 ctx, word; float prob, bow}   16 * cap
 *
 * Floats are IEEE 754 binary32 and integers are in the writer's byte order;
 * the byte_order field lets a reader of the other order refuse the file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/atomic_file.h"
#include "lm_model.h"

#define VERSION 1
#define BYTE_ORDER_MARK UINT64_C(0x0102030405060708)
#define ALIGN 64

typedef struct bin_table {
    uint64_t off, cap, count, listed, max_probe;
} bin_table;

typedef struct bin_header {
    char magic[8];
    uint64_t version, byte_order, header_size, file_size, order;
    uint64_t vocab_size, vocab_cap, vocab_max_probe, unk, bos, eos;
    uint64_t strings_off, strings_size, word_off_off, vslots_off, uni_off;
    bin_table tab[VLIT_LM_MAX_ORDER + 1]; /* tab[2] .. tab[order] */
    uint64_t reserved[8];
} bin_header;

_Static_assert(sizeof(bin_header) == 8 + 16 * 8 + (VLIT_LM_MAX_ORDER + 1) * 40 + 64, "no padding in the header");
_Static_assert(sizeof(lm_entry) == 16 && sizeof(lm_uni) == 8 && sizeof(lm_vslot) == 8, "packed entries");

static uint64_t align_up(uint64_t x)
{
    return (x + ALIGN - 1) / ALIGN * ALIGN;
}

/* ---- writing ---- */

static uint64_t id64(uint32_t id)
{
    return id == LM_NONE ? UINT64_MAX : id;
}

static int write_at(FILE *fp, uint64_t *pos, uint64_t off, const void *data, uint64_t size)
{
    static const char zeros[ALIGN];
    while (*pos < off) {
        uint64_t pad = off - *pos < ALIGN ? off - *pos : ALIGN;
        if (fwrite(zeros, 1, (size_t)pad, fp) != pad)
            return -1;
        *pos += pad;
    }
    if (size && fwrite(data, 1, (size_t)size, fp) != size)
        return -1;
    *pos += size;
    return 0;
}

vlit_status lm_write_binary(const struct vlit_lm *lm, const char *out_path, vlit_error *err)
{
    const lm_model *m = &lm->m;
    bin_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, LM_BINARY_MAGIC, 8);
    h.version = VERSION;
    h.byte_order = BYTE_ORDER_MARK;
    h.header_size = sizeof h;
    h.order = m->order;
    h.vocab_size = m->vocab_size;
    h.vocab_cap = m->vcap;
    h.vocab_max_probe = m->vmax_probe;
    h.unk = id64(m->unk);
    h.bos = id64(m->bos);
    h.eos = id64(m->eos);
    uint64_t at = align_up(sizeof h);
    h.strings_off = at;
    h.strings_size = m->strings_size;
    at = align_up(at + m->strings_size);
    h.word_off_off = at;
    at = align_up(at + 4 * (uint64_t)m->vocab_size);
    h.vslots_off = at;
    at = align_up(at + sizeof(lm_vslot) * (uint64_t)m->vcap);
    h.uni_off = at;
    at = align_up(at + sizeof(lm_uni) * (uint64_t)m->vocab_size);
    for (unsigned n = 2; n <= m->order; n++) {
        const lm_table *t = &m->tab[n];
        h.tab[n] = (bin_table){at, t->cap, t->count, t->listed, t->max_probe};
        at = align_up(at + sizeof(lm_entry) * t->cap);
    }
    h.file_size = at;

    vlit_atomic_file f;
    vlit_status st = vlit_atomic_open(&f, out_path, err);
    if (st)
        return st;
    uint64_t pos = 0;
    int bad = write_at(f.fp, &pos, 0, &h, sizeof h) ||
              write_at(f.fp, &pos, h.strings_off, m->strings, m->strings_size) ||
              write_at(f.fp, &pos, h.word_off_off, m->word_off, 4 * (uint64_t)m->vocab_size) ||
              write_at(f.fp, &pos, h.vslots_off, m->vslots, sizeof(lm_vslot) * (uint64_t)m->vcap) ||
              write_at(f.fp, &pos, h.uni_off, m->uni, sizeof(lm_uni) * (uint64_t)m->vocab_size);
    for (unsigned n = 2; n <= m->order && !bad; n++)
        bad = write_at(f.fp, &pos, h.tab[n].off, m->tab[n].slots, sizeof(lm_entry) * m->tab[n].cap);
    if (!bad)
        bad = write_at(f.fp, &pos, h.file_size, NULL, 0);
    if (bad) {
        st = vlit_err(err, VLIT_ERR_IO, "%s: write failed: %s", out_path, strerror(errno));
        vlit_atomic_abort(&f);
        return st;
    }
    return vlit_atomic_commit(&f, err);
}

vlit_status vlit_lm_build_binary(const char *in_path, const char *out_path, vlit_error *err)
{
    if (!in_path || !out_path)
        return vlit_err(err, VLIT_ERR_USAGE, "vlit_lm_build_binary needs an input and an output path");
    vlit_lm *lm;
    vlit_status st = vlit_lm_open(in_path, &lm, err);
    if (st)
        return st;
    st = lm_write_binary(lm, out_path, err);
    vlit_lm_close(lm);
    return st;
}

/* ---- loading ---- */

static int is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

/* The section [off, off + size) lies inside the file, after the header, aligned. */
static int section_ok(const bin_header *h, uint64_t off, uint64_t size)
{
    return off >= sizeof *h && off % 8 == 0 && off <= h->file_size && size <= h->file_size - off;
}

static uint32_t id32(uint64_t id)
{
    return id == UINT64_MAX ? LM_NONE : (uint32_t)id;
}

/* Checks everything the scorer relies on without reading the tables. */
static const char *check_header(const bin_header *h, uint64_t file_size)
{
    if (h->version != VERSION)
        return "a binary model of another version of vlit (rebuild it with 'vlit lm build')";
    if (h->byte_order != BYTE_ORDER_MARK)
        return "a binary model written on a machine of the other byte order (rebuild it here)";
    if (h->header_size != sizeof *h)
        return "damaged header (header size)";
    if (h->file_size != file_size)
        return file_size < h->file_size ? "truncated file (shorter than its header says)"
                                        : "damaged file (longer than its header says)";
    if (h->order < 1 || h->order > VLIT_LM_MAX_ORDER)
        return "damaged header (order)";
    if (h->vocab_size > LM_MAX_WORDS || h->vocab_cap > ((uint64_t)LM_MAX_WORDS << 1) || !is_pow2(h->vocab_cap) ||
        h->vocab_cap <= h->vocab_size || h->vocab_max_probe >= h->vocab_cap)
        return "damaged header (vocabulary sizes)";
    uint64_t ids[3] = {h->unk, h->bos, h->eos};
    for (int i = 0; i < 3; i++)
        if (ids[i] != UINT64_MAX && ids[i] >= h->vocab_size)
            return "damaged header (special word ids)";
    if (!section_ok(h, h->strings_off, h->strings_size) || h->strings_size < 1 ||
        !section_ok(h, h->word_off_off, 4 * h->vocab_size) ||
        !section_ok(h, h->vslots_off, sizeof(lm_vslot) * h->vocab_cap) ||
        !section_ok(h, h->uni_off, sizeof(lm_uni) * h->vocab_size))
        return "damaged header (vocabulary offsets)";
    for (unsigned n = 2; n <= h->order; n++) {
        const bin_table *t = &h->tab[n];
        if (t->cap && (!is_pow2(t->cap) || t->cap > ((uint64_t)LM_MAX_NGRAMS << 1)))
            return "damaged header (table size)";
        if (t->count > t->cap || t->listed > t->count || (t->cap && t->max_probe >= t->cap) ||
            (!t->cap && t->max_probe))
            return "damaged header (table counts)";
        if (t->cap && !section_ok(h, t->off, sizeof(lm_entry) * t->cap))
            return "damaged header (table offsets)";
    }
    return NULL;
}

vlit_status lm_load_binary(const char *path, struct vlit_lm **out, vlit_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vlit_err(err, VLIT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    vlit_status st = VLIT_OK;
    void *map = MAP_FAILED;
    struct vlit_lm *lm = NULL;
    if (fstat(fd, &sb) != 0) {
        st = vlit_err(err, VLIT_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size < sizeof(bin_header)) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: not a complete binary model (%s)", path,
                      S_ISREG(sb.st_mode) ? "shorter than its header" : "not a regular file");
        goto out;
    }
    map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        st = vlit_err(err, VLIT_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
        goto out;
    }
    const bin_header *h = map;
    const char *problem = check_header(h, (uint64_t)sb.st_size);
    const char *base = map;
    if (!problem && base[h->strings_off + h->strings_size - 1] != '\0')
        problem = "damaged word list (not NUL-terminated)";
    if (problem) {
        st = vlit_err(err, VLIT_ERR_PARSE, "%s: %s", path, problem);
        goto out;
    }
    if (!(lm = calloc(1, sizeof *lm))) {
        st = vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
        goto out;
    }
    lm_model *m = &lm->m;
    m->order = (unsigned)h->order;
    m->vocab_size = (uint32_t)h->vocab_size;
    m->strings = base + h->strings_off;
    m->strings_size = h->strings_size;
    m->word_off = (const uint32_t *)(const void *)(base + h->word_off_off);
    m->vslots = (const lm_vslot *)(const void *)(base + h->vslots_off);
    m->vcap = (uint32_t)h->vocab_cap;
    m->vmax_probe = (uint32_t)h->vocab_max_probe;
    m->uni = (const lm_uni *)(const void *)(base + h->uni_off);
    m->uni_listed = h->vocab_size;
    m->unk = id32(h->unk);
    m->bos = id32(h->bos);
    m->eos = id32(h->eos);
    for (unsigned n = 2; n <= m->order; n++) {
        const bin_table *t = &h->tab[n];
        m->tab[n] = (lm_table){t->cap ? (const lm_entry *)(const void *)(base + t->off) : NULL, t->cap, t->count,
                               t->listed, (uint32_t)t->max_probe};
        lm->implied[n] = t->count - t->listed;
    }
    lm->binary = 1;
    lm->map = map;
    lm->map_size = (size_t)sb.st_size;
    map = MAP_FAILED;
out:
    if (map != MAP_FAILED)
        munmap(map, (size_t)sb.st_size);
    close(fd);
    if (st)
        return st;
    *out = lm;
    return VLIT_OK;
}
