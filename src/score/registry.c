/* The one table of indicator methods (vlit score --list prints it). Each
 * method lives in its own ind_*.c file; add it here, embedded method first
 * within its indicator, indicators in the order of the paper's principles. */
#include "indicator.h"

extern const score_method score_text_readability_ngram;
extern const score_method score_image_readability_niqe;
extern const score_method score_visual_complexity_classical;

const score_method *const score_methods[] = {
    &score_text_readability_ngram,     /* principle 1 */
    &score_image_readability_niqe,     /* principle 1 */
    &score_visual_complexity_classical, /* principle 9 */
};

const size_t score_method_count = sizeof score_methods / sizeof score_methods[0];

size_t vlit_indicator_count(void) { return score_method_count; }

const vlit_indicator_info *vlit_indicator_get(size_t i)
{
    return i < score_method_count ? &score_methods[i]->info : NULL;
}
