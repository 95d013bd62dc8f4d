/* Principle 7, instruction complexity, embedded method: the number of
 * elements of the sample's instruction (its user turns) from a lexicon-based
 * part-of-speech and role analysis (instruction_elements.h): predicates,
 * arguments, modifiers, relations, question foci and output constraints,
 * each counted once per instruction. WordNet is read from Debian's
 * wordnet-base at run time ($VLIT_WORDNET_DIR overrides /usr/share/wordnet);
 * the closed-class lexicon is data/lexicon/closed_class.tsv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicator.h"
#include "instruction_elements.h"

static vlit_status ic_open(const score_config *cfg, void **state, vlit_error *err)
{
    *state = NULL;
    if (!cfg || !cfg->data_dir || !cfg->data_dir[0])
        return vlit_err(err, VLIT_ERR_USAGE,
                        "instruction_complexity: no data folder set "
                        "(vlit_score_params.data_dir): the lexicon %s is needed",
                        IELEM_LEXICON_FILE);
    size_t n = strlen(cfg->data_dir) + sizeof IELEM_LEXICON_FILE + 2;
    char *path = malloc(n);
    if (!path)
        return vlit_err(err, VLIT_ERR_NOMEM, "out of memory");
    snprintf(path, n, "%s/%s", cfg->data_dir, IELEM_LEXICON_FILE);
    ielem *an;
    vlit_error local = {0};
    vlit_status st = ielem_open(NULL, path, &an, &local);
    free(path);
    if (st)
        return vlit_err(err, st, "instruction_complexity: %s", local.message);
    *state = an;
    return VLIT_OK;
}

static void *ic_scratch_new(void *state)
{
    (void)state;
    return ielem_scratch_new();
}

static void ic_scratch_free(void *scratch)
{
    ielem_scratch_free(scratch);
}

static void ic_score(void *state, void *scratch, const score_item *it, score_value *out)
{
    const char *text = it->instruction ? it->instruction : "";
    ielem_counts c;
    if (ielem_count(state, scratch, text, strlen(text), &c, NULL)) {
        score_missing(out, "out of memory");
        return;
    }
    out->value = c.total;
    score_extra(out, "predicates", c.predicates);
    score_extra(out, "arguments", c.arguments);
    score_extra(out, "modifiers", c.modifiers);
    score_extra(out, "relations", c.relations);
    score_extra(out, "focus", c.focus);
    score_extra(out, "constraints", c.constraints);
    score_extra(out, "words", c.words);
    score_extra(out, "unknown_words", c.unknown);
}

static void ic_close(void *state)
{
    ielem_close(state);
}

const score_method score_instruction_complexity_lexicon = {
    .info = {.name = "instruction_complexity",
             .principle = 7,
             .principle_name = "instruction complexity",
             .level = "sample",
             .direction = +1,
             .method = "lexicon-elements",
             .embedded = 1,
             .inputs = VLIT_NEEDS_TEXT,
             .range = ">= 0",
             .summary = "distinct predicates, arguments, modifiers, relations, question foci and output "
                        "constraints of the instruction (WordNet + closed-class lexicon)"},
    .open = ic_open,
    .scratch_new = ic_scratch_new,
    .scratch_free = ic_scratch_free,
    .score = ic_score,
    .close = ic_close,
};
