/*
 * vlit/sample.h - instruction samples and the dataset formats that hold them.
 *
 * A sample is one image conversation: an id, the image (a path relative to an
 * image root), where it came from, a task label, the turns, an optional marked
 * region and provenance. Formats: our JSONL (one sample per line), LLaVA JSON,
 * ShareGPT JSON and MIMIC-IT instruction JSON. Readers stream: memory does not
 * grow with the file.
 *
 *   vlit_reader *r;  const vlit_sample *s;  vlit_error err = {0};
 *   vlit_reader_params rp = vlit_reader_default_params();
 *   if (vlit_reader_open("in.json", VLIT_FMT_LLAVA, &rp, &r, &err)) die(err.message);
 *   vlit_writer *w;
 *   vlit_writer_open("out.jsonl", VLIT_FMT_JSONL, &w, &err);
 *   while ((st = vlit_reader_next(r, &s, &err)) == VLIT_OK)
 *       vlit_writer_write(w, s, &err);
 *   // st == VLIT_END: commit; else vlit_writer_abort(w) leaves no file behind
 *   vlit_writer_commit(w, &err);
 *   vlit_reader_close(r);
 *
 * Ownership: see vlit/base.h. A sample from vlit_reader_next() lives until the
 * next call on the reader.
 */
#ifndef VLIT_SAMPLE_H
#define VLIT_SAMPLE_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vlit_format {
    VLIT_FMT_JSONL = 0,   /* ours: one JSON sample per line */
    VLIT_FMT_LLAVA = 1,   /* [{"id","image","conversations":[{"from","value"}]}] */
    VLIT_FMT_SHAREGPT = 2, /* [{"id","conversations":[{"from","value"}],"system","images":[..]}] */
    VLIT_FMT_MIMICIT = 3  /* {"meta":{..},"data":{"ID":{"instruction","answer","image_ids","rel_ins_ids"}}} */
} vlit_format;

/* Parses "jsonl", "llava", "sharegpt", "mimicit". VLIT_ERR_USAGE if unknown. */
vlit_status vlit_format_parse(const char *name, vlit_format *out);
const char *vlit_format_name(vlit_format fmt);

/* Roles are "user", "assistant" or "system"; other names read from a file are
 * kept as they are. */
typedef struct vlit_turn {
    const char *role;
    const char *text;
} vlit_turn;

typedef struct vlit_sample {
    const char *id;
    int id_is_number;     /* the id was a JSON number in the source */
    const char **images;  /* image paths; n_images is 0 for text-only samples */
    size_t n_images;
    const char *source;   /* dataset or generator the sample came from, or NULL */
    const char *task;     /* task label, or NULL */
    const vlit_turn *turns;
    size_t n_turns;
    int has_region;       /* region = [x, y, w, h] in pixels */
    double region[4];
    /* provenance; NULL / -1 when unknown */
    const char *mode;     /* "aa", "si", "mix", "import" */
    const char *variant;  /* prompt variant or template task */
    const char *model;
    int completion;       /* index of the completion within its request */
    /* Fields of the source record that vlit does not interpret, as the JSON
     * text of an object ("{...}"), written back by every writer; or NULL. */
    const char *extra_json;
} vlit_sample;

typedef struct vlit_reader_params {
    int skip_bad;       /* skip malformed records (they are counted and listed) */
    size_t max_string;  /* longest string in bytes; 0 = 16 MiB */
    /* Called for every skipped record when skip_bad is set; may be NULL. */
    void (*on_skip)(void *ctx, const vlit_error *why);
    void *ctx;
} vlit_reader_params;

vlit_reader_params vlit_reader_default_params(void);

typedef struct vlit_reader vlit_reader;

/* Opens path ("-" = standard input) for streaming. */
vlit_status vlit_reader_open(const char *path, vlit_format fmt, const vlit_reader_params *params,
                             vlit_reader **out, vlit_error *err);
/* VLIT_OK and *sample, VLIT_END after the last, or an error naming the file,
 * the record (line or index), the byte offset and the problem. */
vlit_status vlit_reader_next(vlit_reader *r, const vlit_sample **sample, vlit_error *err);
size_t vlit_reader_skipped(const vlit_reader *r);
void vlit_reader_close(vlit_reader *r);

typedef struct vlit_writer vlit_writer;

/* Creates a temporary file beside path ("-" = standard output); nothing
 * appears at path until vlit_writer_commit(). */
vlit_status vlit_writer_open(const char *path, vlit_format fmt, vlit_writer **out, vlit_error *err);
vlit_status vlit_writer_write(vlit_writer *w, const vlit_sample *s, vlit_error *err);
/* Finishes the document, renames it into place and frees the writer. */
vlit_status vlit_writer_commit(vlit_writer *w, vlit_error *err);
/* Discards the output and frees the writer; the target is untouched. */
void vlit_writer_abort(vlit_writer *w);

#ifdef __cplusplus
}
#endif

#endif
