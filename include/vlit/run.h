/*
 * vlit/run.h - the pipeline config file of `vlit run` and the fingerprints that
 * decide whether a stage must run again (docs/run.md).
 *
 * The config file is an INI-like text, UTF-8, one setting per line:
 *
 *   # a comment (also ';'), on a line of its own
 *   [score]                      # a section: a stage, or [run]
 *   indicators = text_readability,instruction_complexity
 *   shuffle = true               # a switch: passed as --shuffle
 *   prompt = "  leading spaces kept; \"quotes\" and \\ escaped  "
 *
 * Keys are lower-case letters, digits, '-' and '_'; a key may be given several
 * times (each becomes one flag). Sections may repeat (they add up).
 *
 *   vlit_config *c;
 *   if (vlit_config_read("pipeline.conf", &c, &err) != VLIT_OK) ...
 *   for (size_t i = 0; i < vlit_config_count(c); i++) {
 *       const vlit_config_entry *e = vlit_config_entry_at(c, i);   // in file order
 *       ...
 *   }
 *   vlit_config_free(c);
 *
 * Ownership: strings returned live as long as the config.
 */
#ifndef VLIT_RUN_H
#define VLIT_RUN_H

#include <stddef.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vlit_config vlit_config;

typedef struct vlit_config_entry {
    const char *section;
    const char *key;
    const char *value;
    size_t line; /* 1-based line in the file; 0 for a value set by vlit_config_set */
} vlit_config_entry;

/* Reads and checks a config file (at most 1 MiB). Errors name the file, the
 * line and the problem. */
vlit_status vlit_config_read(const char *path, vlit_config **out, vlit_error *err);
/* The same on text in memory; name labels the messages. */
vlit_status vlit_config_parse(const char *text, size_t len, const char *name, vlit_config **out, vlit_error *err);

size_t vlit_config_count(const vlit_config *c);
const vlit_config_entry *vlit_config_entry_at(const vlit_config *c, size_t i);
/* 1 if the section appears (even empty), else 0. */
int vlit_config_has_section(const vlit_config *c, const char *section);
/* The sections named, in order of first appearance, with the line of their
 * first header (0 for one added by vlit_config_set). */
size_t vlit_config_section_count(const vlit_config *c);
const char *vlit_config_section_at(const vlit_config *c, size_t i, size_t *line);
/* The last value of section.key, or NULL. */
const char *vlit_config_get(const vlit_config *c, const char *section, const char *key);
/* "section.key=value": replaces every value of section.key (adds the section
 * if needed); "section.key=" removes them. For command-line overrides. */
vlit_status vlit_config_set(vlit_config *c, const char *assignment, vlit_error *err);
void vlit_config_free(vlit_config *c);

/* A SHA-256 over texts and files, to tell whether a stage's inputs or settings
 * changed since it last ran. */
typedef struct vlit_fingerprint vlit_fingerprint;

vlit_status vlit_fingerprint_new(vlit_fingerprint **out, vlit_error *err);
/* Adds a text (length-prefixed, so "ab"+"c" differs from "a"+"bc"). */
void vlit_fingerprint_add_text(vlit_fingerprint *f, const char *text);
/* Adds a path: a regular file by its content, a folder by the names, sizes and
 * modification times of what it holds (recursively, in byte order of names),
 * a missing path as missing. */
vlit_status vlit_fingerprint_add_path(vlit_fingerprint *f, const char *path, vlit_error *err);
/* The digest in hex (64 characters and a NUL); the fingerprint can go on. */
void vlit_fingerprint_hex(const vlit_fingerprint *f, char out[65]);
void vlit_fingerprint_free(vlit_fingerprint *f);

#ifdef __cplusplus
}
#endif

#endif
