/* The task tagging parsers: the tags-file reader, the rules-file parser and
 * the LLM tagger's reply readers (numbered lines, tag lists, answers). The
 * first byte selects; any bytes; results stay in range. */
#include <stdlib.h>
#include <string.h>

#include "../../src/report/tasks_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0] % 3;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    vlit_error err = {0};
    if (sel == 0) {
        vlit_tag_reader *r;
        if (vlit_tag_reader_open_mem(text, len, "fuzz.jsonl", &r, &err) != VLIT_OK)
            return 0;
        size_t pos, last = 0;
        int any = 0;
        const char *id, *task, *method;
        while (vlit_tag_reader_next(r, &pos, &id, &task, &method, &err) == VLIT_OK) {
            if ((any && pos <= last) || !id || !method || !method[0] || (!task && !vlit_tag_reader_missing(r)))
                __builtin_trap();
            last = pos;
            any = 1;
        }
        vlit_tag_reader_close(r);
        return 0;
    }
    char *z = malloc(len + 1); /* NUL-terminated copy for the string readers */
    if (!z)
        return 0;
    memcpy(z, text, len);
    z[len] = '\0';
    if (sel == 1) {
        tr_rules *rules;
        if (tr_rules_parse(text, len, "fuzz.tsv", &rules, &err) == VLIT_OK) {
            size_t l = tr_tag_text(rules, "How many red cars are to the left of the sign?", NULL);
            if (l >= vlit_task_count())
                __builtin_trap();
            l = tr_tag_text(rules, z, NULL);
            if (l >= vlit_task_count())
                __builtin_trap();
            tr_rules_free(rules);
        }
        size_t l = vlit_task_tag_text(z);
        if (l >= vlit_task_count())
            __builtin_trap();
    } else {
        vlit_arena a;
        vlit_arena_init(&a, 0);
        tl_line *lines;
        size_t n = tl_reply_lines(text, len, 64, &a, &lines);
        const char *kept[] = {"counting", "object counting", "colour recognition", "scene"};
        for (size_t i = 0; i < n; i++) {
            if (lines[i].number < 1 || lines[i].number > 64)
                __builtin_trap();
            for (size_t j = 0; j < i; j++)
                if (lines[j].number == lines[i].number)
                    __builtin_trap();
            const char **tags;
            size_t nt = tl_split_tags(lines[i].text, &a, &tags);
            for (size_t k = 0; k < nt; k++)
                if (!tags[k][0] || strlen(tags[k]) >= TL_MAX_TAG)
                    __builtin_trap();
            char why[256];
            long m = tl_match_answer(lines[i].text, kept, 4, why, sizeof why);
            if (m < -1 || m >= 4)
                __builtin_trap();
        }
        char out[TL_MAX_TAG];
        if (tl_normalise(z, len, out) >= TL_MAX_TAG)
            __builtin_trap();
        vlit_arena_free(&a);
    }
    free(z);
    return 0;
}
