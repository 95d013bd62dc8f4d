/* Internal: reading the conversation out of an LLM's completion, tolerantly.
 *
 * Accepted: "User:/AI:" lines (also Human, Question, Q, Assistant, GPT, Bot,
 * Answer, A; any case; with markdown decoration such as "**User:**" or
 * "### User"), or JSON ([{"from"|"role", "value"|"content"}] or an object
 * with "conversations"/"conversation"/"messages"); a code fence around either
 * is removed, as are prose before the first turn and anything after a closing
 * fence. Consecutive lines belong to the turn above them. */
#ifndef VLIT_GENERATE_SI_PARSE_H
#define VLIT_GENERATE_SI_PARSE_H

#include <stddef.h>

#include "vlit/sample.h"

#include "../base/arena.h"

/* On success *turns (in a) alternate user/assistant, start with the user and
 * hold at least one of each. Otherwise VLIT_ERR_PARSE and why says what is
 * wrong; the caller keeps the raw text and marks it. */
vlit_status si_parse_conversation(const char *text, size_t len, vlit_arena *a, vlit_turn **turns, size_t *n,
                                  char *why, size_t cap);

/* A chat completion reply: each choice's message content, whether a
 * conversation could be read from it (and why not), and the usage counts. */
typedef struct si_reply {
    size_t n;
    const char **content; /* "" for a choice without text content */
    int *parsed;
    const char **parse_error; /* NULL when parsed */
    long prompt_tokens, completion_tokens;
} si_reply;

/* VLIT_ERR_PARSE with why when the body is not JSON or has no "choices". */
vlit_status si_parse_reply(const char *body, size_t len, vlit_arena *a, si_reply *out, char *why, size_t cap);

#endif
