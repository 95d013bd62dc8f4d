/*
 * vlit/shard.h - completion records of shard outputs, and putting shards back
 * together exactly (docs/scale.md).
 *
 * A command run with --shard i/N writes its output (atomically), then a small
 * completion record beside it, OUT.shard.json, also atomically:
 *
 *   {"vlit_shard":1,"command":"generate","shard":1,"of":4,"settings":"<sha256>",
 *    "format":"jsonl","size":1234,"sha256":"<sha256 of OUT>","units":37,
 *    "groups":[0,3,5,2,...]}
 *
 * `settings` is a fingerprint of what must agree across the shards of a set
 * (the command line without --shard, -o and the like, and the content of the
 * input files). `groups` tells the merge where the shard's records go in the
 * single-process output: pairs (position, units), positions increasing: the
 * next `units` records of the output belong at `position` (an image of
 * collect's order, an input record of generate, a sample of select). A
 * command whose shards merge by other means (score's index, report's
 * partials) writes no groups.
 *
 * The record is removed when the shard starts and written only after the
 * output is complete, so a shard that was killed, failed or is still running
 * has no record, and one whose output was changed afterwards has a record
 * that does not match it: the merge refuses both, naming the shard.
 */
#ifndef VLIT_SHARD_H
#define VLIT_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vlit_shard_record {
    char command[32];  /* collect, generate, score, select, report */
    unsigned index;    /* shard i ... */
    unsigned count;    /* ... of N */
    char settings[65]; /* hex SHA-256 of the settings shared by the set */
    char format[16];   /* the output's format (jsonl, llava, sharegpt, mimicit), or "folder", or "file" */
    uint64_t size;     /* bytes of the output (a folder: of its files) */
    char sha256[65];   /* hex SHA-256 of the output (a folder: of its files' names and contents) */
    uint64_t units;    /* records in the output */
    int has_groups;    /* 1: groups below are given (possibly none) */
    size_t n_groups;
    uint64_t *groups; /* 2 * n_groups values: position, units */
    size_t cap_groups;
} vlit_shard_record;

/* Zeroes r and sets command, index and count. */
void vlit_shard_record_init(vlit_shard_record *r, const char *command, unsigned index, unsigned count);
/* Appends a group (positions must increase); sets has_groups. */
vlit_status vlit_shard_record_add_group(vlit_shard_record *r, uint64_t position, uint64_t units, vlit_error *err);
void vlit_shard_record_free(vlit_shard_record *r);

/* The record's file name for an output: OUT + ".shard.json", into buf. */
const char *vlit_shard_record_path(const char *output, char *buf, size_t cap);

/* The settings fingerprint of a command line (argv[0] is the command's
 * name): every argument, except the options of `skip_value` with their
 * values ("--opt V" and "--opt=V") and the flags of `skip_flag` (both lists
 * NULL-terminated or NULL), and --shard always; an argument naming a regular
 * file adds the file's content. */
vlit_status vlit_shard_settings(int argc, char *const *argv, const char *const *skip_value,
                                const char *const *skip_flag, char out[65], vlit_error *err);

/* Removes the record of output, if any (a shard starting). */
vlit_status vlit_shard_record_remove(const char *output, vlit_error *err);
/* Measures output (a file or a folder: size, SHA-256), stores that in r and
 * writes r beside it, atomically. */
vlit_status vlit_shard_record_write(const char *output, vlit_shard_record *r, vlit_error *err);
/* Parses a record's text; name labels the messages. r is initialised here. */
vlit_status vlit_shard_record_parse(const char *text, size_t len, const char *name, vlit_shard_record *r,
                                    vlit_error *err);
/* Reads the record beside output (an error naming it when there is none). */
vlit_status vlit_shard_record_read(const char *output, vlit_shard_record *r, vlit_error *err);
/* Checks that output is what r describes (size and SHA-256). */
vlit_status vlit_shard_record_verify(const char *output, const vlit_shard_record *r, vlit_error *err);

/* The checks of one part alone: it has its record, of `command`, matching
 * its content. Fills r (freed on failure). */
vlit_status vlit_shard_check_part(const char *command, const char *part, vlit_shard_record *r, vlit_error *err);

/* Checks that parts are the complete set of shards of one run of `command`:
 * each has its record, matching its content; all of the same N and
 * settings; every shard 0..N-1 exactly once. Fills records[k] for parts[k]
 * and order[i] = k for shard i (both arrays of n). Messages name the shard
 * and the part ("shard 2/4 missing", "shard 1/4 given twice: A and B"). */
vlit_status vlit_shard_check_set(const char *command, const char *const *parts, size_t n, vlit_shard_record *records,
                                 size_t *order, vlit_error *err);

/* vlit merge clues|samples|select|tags: checks the set, then writes the
 * single-process output to out (atomically, "-" = standard output): the
 * shards' records put in the order of their positions, in the format the
 * shards wrote. kind: "clues" (collect), "samples" (generate), "select"
 * (the kept samples, or the --reasons files), "tags" (tag --shard). */
vlit_status vlit_shard_merge(const char *kind, const char *const *parts, size_t n, const char *out, vlit_error *err);

typedef struct vlit_store_merge_summary {
    size_t requests, answers, heads, embeddings; /* rows copied */
    size_t duplicates;                           /* identical rows found in two parts, copied once */
} vlit_store_merge_summary;

/* vlit merge stores: copies the requests (with their bodies and answers),
 * heads and embeddings of run stores (schema 3, or 2: migrated when
 * opened) into a new store out, in the order of parts, atomically. The same
 * request or embedding in two parts must be identical; different rows under
 * one key are refused, naming both parts and the key. */
vlit_status vlit_store_merge(const char *const *parts, size_t n, const char *out, vlit_store_merge_summary *summary,
                             vlit_error *err);

#ifdef __cplusplus
}
#endif

#endif
