/* The one table of indicator methods (vlit score --list prints it). Each
 * method lives in its own ind_*.c file; add it here, embedded method first
 * within its indicator, indicators in the order of the paper's principles. */
#include "indicator.h"

extern const score_method score_text_readability_ngram;
extern const score_method score_image_readability_niqe;
extern const score_method score_matching_grounding;
extern const score_method score_matching_embeddings;
extern const score_method score_correctness_annotation_consistency;
extern const score_method score_correctness_judge;
extern const score_method score_hallucination_chair;
extern const score_method score_instruction_complexity_lexicon;
extern const score_method score_instruction_complexity_llm;
extern const score_method score_object_complexity_annotation_mentions;
extern const score_method score_visual_complexity_classical;

const score_method *const score_methods[] = {
    &score_text_readability_ngram,     /* principle 1 */
    &score_image_readability_niqe,     /* principle 1 */
    &score_matching_grounding,          /* principle 2 */
    &score_matching_embeddings,         /* principle 2 */
    &score_correctness_annotation_consistency, /* principle 2 */
    &score_correctness_judge,           /* principle 2 */
    &score_hallucination_chair,         /* principle 2 */
    &score_instruction_complexity_lexicon, /* principle 7 */
    &score_instruction_complexity_llm,  /* principle 7, after its embedded method */
    &score_object_complexity_annotation_mentions, /* principle 8 */
    &score_visual_complexity_classical, /* principle 9 */
};

const size_t score_method_count = sizeof score_methods / sizeof score_methods[0];

size_t vlit_indicator_count(void) { return score_method_count; }

const vlit_indicator_info *vlit_indicator_get(size_t i)
{
    return i < score_method_count ? &score_methods[i]->info : NULL;
}
