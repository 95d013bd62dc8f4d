/* src/generate/si_parse: table-driven: a completion, and the turns read from
 * it ("U:" / "A:" prefixed, joined by '|') or the start of the error. */
#include <stdlib.h>

#include "../../src/base/buf.h"
#include "../../src/generate/si_parse.h"
#include "check.h"

static const struct {
    const char *in, *want;
} cases[] = {
    {"User: What is on the table?\nAI: Two cups.", "U:What is on the table?|A:Two cups."},
    /* prose before the first turn, role variants, markdown */
    {"Sure! Here is a conversation:\n\n**User:** Is it raining?\n**AI:** No, the street is dry.",
     "U:Is it raining?|A:No, the street is dry."},
    {"### Human: Count the dogs.\n### Assistant: There are three dogs.\nHuman: Which is largest?\nGPT: The brown one.",
     "U:Count the dogs.|A:There are three dogs.|U:Which is largest?|A:The brown one."},
    {"Q: Why?\nA: Because.", "U:Why?|A:Because."},
    {"USER: hi\nASSISTANT: hello", "U:hi|A:hello"},
    {"User 1: first\nAI 1: one", "U:first|A:one"},
    /* multi-line answers keep their paragraphs */
    {"User: Describe it.\nAI: A kitchen.\n\nIt has a stove.\n", "U:Describe it.|A:A kitchen.\n\nIt has a stove."},
    /* code fences, with text after the closing fence dropped */
    {"```\nUser: a?\nAI: b.\n```\nI hope this helps!", "U:a?|A:b."},
    {"```text\nUser: a?\nAI: b.\n```", "U:a?|A:b."},
    /* two lines of one speaker are one turn */
    {"User: a\nUser: b\nAI: c", "U:a\nb|A:c"},
    /* JSON forms */
    {"[{\"from\": \"human\", \"value\": \"q1\"}, {\"from\": \"gpt\", \"value\": \"a1\"}]", "U:q1|A:a1"},
    {"```json\n{\"conversation\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": "
     "\"a\"}]}\n```",
     "U:q|A:a"},
    /* failures, with reasons */
    {"I cannot help with that.", "!no turn found"},
    {"AI: Hello.\nUser: Hi.", "!the conversation starts with the assistant"},
    {"User: only a question?", "!no assistant turn"},
    {"User: q\nAI:", "!turn 2 is empty"},
    {"[{\"from\": \"narrator\", \"value\": \"x\"}]", "!JSON turn 0 has no known role"},
    {"{\"answer\": 42}", "!JSON reply without a list of turns"},
    {"[{\"from\": \"human\", \"value\": \"q\"", "!JSON reply:"},
    {"", "!no turn found"},
};

int main(void)
{
    vlit_arena a;
    vlit_arena_init(&a, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vlit_arena_reset(&a);
        vlit_turn *t;
        size_t n;
        char why[256] = "";
        vlit_status st = si_parse_conversation(cases[i].in, strlen(cases[i].in), &a, &t, &n, why, sizeof why);
        if (cases[i].want[0] == '!') {
            CHECK(st == VLIT_ERR_PARSE);
            CHECK_HAS(why, cases[i].want + 1);
            continue;
        }
        CHECK(st == VLIT_OK);
        if (st) {
            fprintf(stderr, "  case %zu: %s\n", i, why);
            continue;
        }
        vlit_buf got = VLIT_BUF_INIT;
        for (size_t k = 0; k < n; k++) {
            if (k)
                vlit_buf_putc(&got, '|');
            vlit_buf_puts(&got, strcmp(t[k].role, "user") == 0 ? "U:" : "A:");
            vlit_buf_puts(&got, t[k].text);
        }
        CHECK_STR(got.data, cases[i].want);
        vlit_buf_free(&got);
    }
    vlit_arena_free(&a);
    return CHECK_DONE();
}
