/*
 * Internal: the pieces of task tagging (include/vlit/tasks.h) that tests and
 * fuzz harnesses reach directly: the rules parser, the word splitter, the
 * LLM tagger's tag normaliser and reply readers, and the tags-file line
 * writer.
 */
#ifndef VLIT_REPORT_TASKS_INTERNAL_H
#define VLIT_REPORT_TASKS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vlit/tasks.h"

#include "../base/arena.h"
#include "../base/buf.h"

/* ---- rules (tasks_rules.c) ---- */

#define TR_MAX_RULES 1024
#define TR_MAX_TOKENS 16   /* words of one pattern */
#define TR_MAX_WORD 48     /* bytes of one pattern word */
#define TR_MAX_TEXT 16384  /* bytes of one instruction read (the rest is ignored) */
#define TR_MAX_WORDS 2048  /* words of one instruction read */

typedef struct tr_rules tr_rules;

/* Parses a rules file's text (format in data/tasks/rules.tsv); name is used
 * in messages ("NAME: line N: problem"). */
vlit_status tr_rules_parse(const char *text, size_t len, const char *name, tr_rules **out, vlit_error *err);
void tr_rules_free(tr_rules *r);
size_t tr_rules_count(const tr_rules *r);
/* The label of one instruction under rules r; scores (vlit_task_count()
 * ints, may be NULL) receives every label's votes. */
size_t tr_tag_text(const tr_rules *r, const char *text, int *scores);
/* The embedded rules (NULL when they failed to load; then err says why). */
const tr_rules *tr_embedded(vlit_error *err);

/* Splits text into lower-cased words as the rules see them, into buf (at
 * least TR_MAX_TEXT + 1 bytes): start[i], len[i] index buf; sent[i] = 1 when
 * word i starts a sentence. Returns the number of words (<= max). */
size_t tr_words(const char *text, char *buf, uint32_t *start, uint16_t *len, uint8_t *sent, size_t max);

/* ---- the LLM tagger (tasks_llm.c) ---- */

#define TL_MAX_TAG 64 /* bytes of a normalised tag */

/* Normalises a proposed tag into out (TL_MAX_TAG bytes): lower case,
 * punctuation to single spaces, trimmed, leading articles dropped, each word
 * singularised lightly (see docs/tasks.md). Returns the length; 0 = nothing
 * left (the tag is dropped). */
size_t tl_normalise(const char *tag, size_t len, char *out);

/* One numbered line of a reply: sample number (1-based as sent) and its
 * text after the number. */
typedef struct tl_line {
    size_t number;
    const char *text; /* in the reader's arena, trimmed */
} tl_line;
/* Reads the numbered lines of a reply ("3: a, b", "**3.** a", "- 3) a",
 * "Sample 3: a"); lines without a number in 1..max are ignored; a number's
 * first line wins. Returns the count; *lines in a. */
size_t tl_reply_lines(const char *text, size_t len, size_t max, vlit_arena *a, tl_line **lines);
/* Splits a proposal line into tags (by , ; / and " and "), normalised; the
 * tags are written into a as NUL-terminated strings. Returns the count. */
size_t tl_split_tags(const char *text, vlit_arena *a, const char ***tags);
/* The kept tag an assignment answer names: its index in tags[0..n) (the
 * normalised kept tags), or -1 with why. Accepts the tag, the tag followed
 * by an explanation, the tag's number in the list, or a text naming exactly
 * one kept tag as whole words. */
long tl_match_answer(const char *answer, const char *const *tags, size_t n, char *why, size_t cap);

/* ---- the tags file (tags_file.c) ---- */

/* Appends one tags-file line (with its newline) to b. task NULL: missing
 * with the reason. */
vlit_status tf_write_line(vlit_buf *b, size_t position, const char *id, const char *task, const char *method,
                          const char *missing);
/* Reads tags-file lines from memory (for the fuzz harness). */
vlit_status vlit_tag_reader_open_mem(const char *data, size_t len, const char *name, vlit_tag_reader **out,
                                     vlit_error *err);

/* ---- the LLM driver (tasks_llm.c), called by vlit_tag (tag.c) ---- */
vlit_status tl_run(const char *samples_path, vlit_format fmt, const vlit_tag_params *p, const char *out_path,
                   vlit_tag_summary *sum, vlit_error *err);

#endif
