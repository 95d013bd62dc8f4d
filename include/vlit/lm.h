/*
 * vlit/lm.h - n-gram language models: read ARPA files, a compact binary form,
 * a modified Kneser-Ney trainer, and scoring of sentences.
 *
 * The text-readability indicator scores every turn of a sample as one
 * sentence (<s> tokens </s>) with such a model. Models come from KenLM,
 * SRILM or IRSTLM (ARPA files) or from vlit_lm_train(); vlit_lm_build_binary()
 * turns either into a file that vlit_lm_open() maps into memory in
 * milliseconds. docs/lm.md describes the formats and the choices.
 *
 *   vlit_lm *lm;  vlit_error err = {0};
 *   if (vlit_lm_open("captions.bin", &lm, &err)) { report err.message }
 *   vlit_lm_stats st = {0};
 *   vlit_lm_score_text(lm, "A dog runs on the beach.", 24, &st);
 *   printf("%f %f\n", st.logprob, vlit_lm_perplexity(&st));
 *   vlit_lm_close(lm);
 *
 * Threads: an open model is never changed by scoring, so any number of
 * threads may score with one vlit_lm at once, each with its own stats and
 * states. Scoring allocates nothing.
 *
 * Log probabilities are base 10 throughout, as in ARPA files.
 */
#ifndef VLIT_LM_H
#define VLIT_LM_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Highest order a model may have. */
#define VLIT_LM_MAX_ORDER 10

/* ---- tokenisation ---- */

/* Size of a token buffer: tokens are cut to VLIT_LM_TOKEN_MAX - 1 bytes (at a
 * UTF-8 character boundary), so a run of letters without spaces costs no
 * memory; the same cut happens in training and scoring. */
#define VLIT_LM_TOKEN_MAX 128

/* The one tokeniser of training and scoring. Finds the token that starts at
 * or after text[*pos] (len bytes in all), writes it NUL-terminated to out,
 * sets *pos just past it and returns its length; returns 0 when no token is
 * left. The rules:
 *  - ASCII whitespace separates tokens; ASCII letters are lower-cased; other
 *    bytes (non-ASCII UTF-8) are kept as they are and belong to words;
 *  - a word is a run of letters, digits and non-ASCII characters; an
 *    apostrophe or hyphen between two such characters stays inside it
 *    ("don't", "t-shirt"), and so does a period or comma between two digits
 *    ("3.5", "1,000");
 *  - every other ASCII punctuation character is a token of its own (kept,
 *    because punctuation is part of how readable a text is);
 *  - typographic quotes and dashes (U+2018, U+2019, U+201C, U+201D, U+2013,
 *    U+2014) are read as ' ' " " - - first, and the ellipsis U+2026 as "...".
 * Tokenising a text that this function produced, joined by spaces, gives the
 * same tokens again. */
size_t vlit_lm_next_token(const char *text, size_t len, size_t *pos, char out[VLIT_LM_TOKEN_MAX]);

/* ---- models ---- */

typedef struct vlit_lm vlit_lm;

/* Opens a model: a binary file written by vlit_lm_build_binary() (mapped,
 * checked in milliseconds) or an ARPA file (read and indexed, which takes
 * time proportional to its size); the kind is told by the file's first bytes.
 * Every problem in the file is an error naming the file, the line (ARPA) and
 * what is wrong. A binary file whose header, sizes and offsets pass the checks
 * is used as it is: damage inside its tables gives wrong numbers, never a
 * crash. *out is NULL on failure. */
vlit_status vlit_lm_open(const char *path, vlit_lm **out, vlit_error *err);

/* Frees the model and unmaps its file; accepts NULL. No state or stats from it
 * may be used afterwards. */
void vlit_lm_close(vlit_lm *lm);

typedef struct vlit_lm_info {
    unsigned order;                        /* highest n */
    size_t vocab_size;                     /* words, including <s> </s> <unk> when present */
    size_t ngrams[VLIT_LM_MAX_ORDER + 1];  /* ngrams[n]: n-grams of order n listed in the model */
    size_t implied[VLIT_LM_MAX_ORDER + 1]; /* prefixes of listed n-grams that the file lacked (kept
                                              as contexts without probability, backoff 0) */
    int has_unk;                           /* the model has <unk>: unknown words are scored with it */
    int binary;                            /* opened from a binary file */
} vlit_lm_info;

/* Describes the model. */
void vlit_lm_get_info(const vlit_lm *lm, vlit_lm_info *info);

/* ---- scoring ---- */

/* Totals over the sentences scored into one struct. Zero-initialise it. */
typedef struct vlit_lm_stats {
    size_t sentences;
    size_t words;       /* tokens of the sentences, without <s> and </s>; OOVs included */
    size_t oov;         /* words not in the model's vocabulary */
    size_t tokens;      /* tokens whose log10 p is in logprob: the words and one </s> per sentence,
                           less the OOVs when the model has no <unk> */
    double logprob;     /* sum of log10 p(token | history) over those tokens */
    size_t oov_scored;  /* OOVs scored as <unk> (so counted in tokens) */
    double oov_logprob; /* the part of logprob that they contributed */
} vlit_lm_stats;

/* Scores text as one sentence: tokenised by vlit_lm_next_token(), then
 * <s> w1 .. wn </s>, adding the n words and the </s> into *stats. An unknown
 * word is an OOV: with <unk> in the model it is scored as <unk> and counted
 * in tokens (as KenLM, IRSTLM and SRILM with -unk do); without <unk> it gets
 * no probability and is left out of tokens (as SRILM does), and the history
 * after it starts afresh. A text without tokens is not a sentence and adds
 * nothing. Never fails; text need not be NUL-terminated. */
void vlit_lm_score_text(const vlit_lm *lm, const char *text, size_t len, vlit_lm_stats *stats);

/* The same for a sentence already split into n tokens (NUL-terminated, used
 * as they are: not lower-cased or split further). */
void vlit_lm_score_tokens(const vlit_lm *lm, const char *const *tokens, size_t n, vlit_lm_stats *stats);

/* 10^(-logprob / tokens): perplexity as SRILM's ppl and IRSTLM's PP define it
 * (</s> tokens included). With <unk> in the model OOVs are included, which is
 * IRSTLM's PP with its OOV penalty off (-dub=|V|+1); without <unk> they are
 * excluded, as in SRILM. NAN when no token was scored. */
double vlit_lm_perplexity(const vlit_lm_stats *stats);

/* The perplexity of the known words and </s> alone (OOVs left out). */
double vlit_lm_perplexity_without_oov(const vlit_lm_stats *stats);

/* ---- text files ---- */

typedef struct vlit_lm_score_params {
    int raw;      /* split lines on white space only and take the words as they are (for
                     models with a tokenisation of their own); default: vlit_lm_next_token() */
    int skip_bad; /* skip lines that are not UTF-8 instead of failing */
    /* called for every line with that line's own stats (all zero for a line
       without tokens or a skipped one); may be NULL */
    void (*on_line)(void *ctx, size_t lineno, const vlit_lm_stats *line);
    void (*on_skip)(void *ctx, const char *message); /* told about each skipped line, may be NULL */
    void *ctx;
} vlit_lm_score_params;

vlit_lm_score_params vlit_lm_score_default_params(void);

/* Scores every line of path ("-" = standard input) as one sentence and adds
 * it into *total. A line that is not UTF-8 is an error naming the file and
 * line, unless params.skip_bad. */
vlit_status vlit_lm_score_file(const vlit_lm *lm, vlit_lm_score_params params, const char *path, vlit_lm_stats *total,
                               vlit_error *err);

/* Writes every line of in_path as its tokens joined by single spaces to
 * out_path ("-" = standard input/output; the output is written atomically);
 * a line without tokens stays empty, so line numbers are kept. Lines that are
 * not UTF-8 are errors, or empty lines with skip_bad (*skipped counts them;
 * may be NULL). This is the text that vlit_lm_train() and vlit_lm_score_file()
 * see, ready for other tools. */
vlit_status vlit_lm_tokenize_file(const char *in_path, const char *out_path, int skip_bad, size_t *skipped,
                                  vlit_error *err);

/* Word-by-word scoring: a state holds the history of a sentence (the ids of
 * its last order-1 words); it belongs to the model it was begun with. */
typedef struct vlit_lm_state {
    uint32_t ctx[VLIT_LM_MAX_ORDER]; /* internal */
    unsigned len;                    /* internal */
} vlit_lm_state;

/* How a word was found (vlit_lm_state_next's *kind). */
typedef enum vlit_lm_word_kind {
    VLIT_LM_KNOWN = 0,      /* in the vocabulary */
    VLIT_LM_OOV_UNK = 1,    /* unknown, scored as <unk> */
    VLIT_LM_OOV_SKIPPED = 2 /* unknown and the model has no <unk>: no probability (0 is returned) */
} vlit_lm_word_kind;

/* Starts a sentence: the history is <s>. */
void vlit_lm_state_begin(const vlit_lm *lm, vlit_lm_state *state);

/* Returns log10 p(word | history) by the ARPA backoff rules and appends word
 * (len bytes, taken as it is) to the history. kind may be NULL. */
double vlit_lm_state_next(const vlit_lm *lm, vlit_lm_state *state, const char *word, size_t len,
                          vlit_lm_word_kind *kind);

/* Returns log10 p(</s> | history); the state is left unchanged. */
double vlit_lm_state_end(const vlit_lm *lm, const vlit_lm_state *state);

/* ---- building ---- */

/* Writes the model in in_path (ARPA or binary) as a binary model to out_path,
 * atomically (a temporary name beside it, renamed when complete). Its
 * log-probabilities are the same floats that scoring the ARPA file uses, so
 * both give identical results. */
vlit_status vlit_lm_build_binary(const char *in_path, const char *out_path, vlit_error *err);

/* ---- training ---- */

typedef struct vlit_lm_train_params {
    unsigned order;                                  /* 1 .. VLIT_LM_MAX_ORDER; default 3 */
    int skip_bad;                                    /* skip lines that are not UTF-8 instead of failing */
    void (*on_skip)(void *ctx, const char *message); /* told about each skipped line, may be NULL */
    void *ctx;
} vlit_lm_train_params;

vlit_lm_train_params vlit_lm_train_default_params(void);

typedef struct vlit_lm_train_summary {
    size_t sentences;                          /* lines with at least one token */
    size_t words;                              /* their tokens */
    size_t skipped;                            /* bad lines skipped */
    size_t vocab_size;                         /* including <s> </s> <unk> */
    size_t ngrams[VLIT_LM_MAX_ORDER + 1];      /* written, by order */
    double discount[VLIT_LM_MAX_ORDER + 1][3]; /* D1, D2, D3+ by order */
    int fallback[VLIT_LM_MAX_ORDER + 1];       /* 1: the counts of counts gave no usable discounts;
                                                  0.5, 1, 1.5 were used (KenLM's fallback) */
} vlit_lm_train_summary;

/* Trains an interpolated modified Kneser-Ney model (Chen & Goodman 1998) on
 * corpus_path ("-" = standard input: one sentence per line, tokenised by
 * vlit_lm_next_token(); lines without tokens are skipped) and writes it as
 * an ARPA file to out_path ("-" = standard output), atomically. Memory grows
 * with the number of distinct n-grams (about 80 bytes each), not with the
 * corpus. summary may be NULL. */
vlit_status vlit_lm_train(vlit_lm_train_params params, const char *corpus_path, const char *out_path,
                          vlit_lm_train_summary *summary, vlit_error *err);

#ifdef __cplusplus
}
#endif

#endif
