/*
 * Internal: readers of model-server replies for the backend methods
 * (ind_matching_embeddings.c, ind_correctness_judge.c,
 * ind_instruction_complexity_llm.c). Every reader takes any bytes, never
 * reads past len, and either returns a result or says why not; nothing is
 * guessed. Results live in the caller's arena.
 */
#ifndef VLIT_SCORE_BACKEND_PARSE_H
#define VLIT_SCORE_BACKEND_PARSE_H

#include <stddef.h>

#include "vlit/base.h"

#include "../base/arena.h"

/* The text of choices[0].message.content of a chat completion reply, as a
 * NUL-terminated string in a, and the usage counts (0 when absent).
 * VLIT_ERR_PARSE with why when the body is not JSON, has no choices, or the
 * first choice has no text content. */
vlit_status bp_chat_content(const char *body, size_t len, vlit_arena *a, const char **content, long *prompt_tokens,
                            long *completion_tokens, char *why, size_t cap);

/* The n vectors of an /v1/embeddings reply: "data" holds exactly n objects
 * whose "embedding" is an array of finite numbers, all of one dimension
 * (at most BP_MAX_DIM); an object's "index", when present, says which input
 * it belongs to (each index once). On success *vecs is n * *dim floats in
 * input order, in a. */
#define BP_MAX_DIM 65536
vlit_status bp_embeddings(const char *body, size_t len, size_t n, vlit_arena *a, float **vecs, size_t *dim, char *why,
                          size_t cap);

/* A judge's vote. The reply must start (or, after any reasoning, end) with a
 * verdict word on a line of its own or followed by punctuation: "yes",
 * "No.", "**Yes**, the count is right", "Verdict: no". Markdown decoration,
 * a leading "Verdict:"/"Answer:" label and a leading <think>...</think> block
 * are skipped. yes/correct/true count as yes, no/incorrect/false/wrong as
 * no. Anything else, and a first and last line that disagree, is
 * unparsed: "Yes and no" is not read as yes. */
typedef enum bp_vote { BP_VOTE_UNPARSED = 0, BP_VOTE_YES = 1, BP_VOTE_NO = 2 } bp_vote;
bp_vote bp_parse_vote(const char *text, size_t len);

/* A complexity score: an integer 1..10 at the start of the first or the last
 * line, after an optional "Score:"/"Complexity:"/"Rating:" label, followed by
 * the end of the line, punctuation or "/10". 0 when there is none (also for
 * "7.5", "11", "between 6 and 8" or disagreeing first and last lines). */
int bp_parse_score(const char *text, size_t len);

#endif
