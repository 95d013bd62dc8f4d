/* Internal: the language model of text readability and its calibration.
 *
 * Without --lm, vlit trains its own model on human-written text: the
 * captions of the run's clue records. Whole records are held out as
 * reference text, in the order of a hash of their ids, until
 * max(10 %, min(200 captions, half)) of the captions are; the rest train a
 * modified Kneser-Ney model (vlit_lm_train, order --lm-order, default 3).
 * With --lm the reference is --lm-reference, or else all the captions.
 *
 * Calibration: each reference text is scored like a sample, by the mean
 * log10 probability of its known tokens (words in the model's vocabulary and
 * the sentence ends; unknown words are left out, as they measure how far the
 * vocabulary of the text is from the model's rather than how well it reads);
 * a sample's readability is the share of reference texts that score lower,
 * ties counted half (the mid-rank empirical distribution function). 0.5 = as
 * probable as the median human caption. */
#ifndef VLIT_SCORE_READABILITY_LM_H
#define VLIT_SCORE_READABILITY_LM_H

#include "indicator.h"
#include "vlit/lm.h"

/* Fewest reference texts the calibration accepts. */
#define READABILITY_MIN_REFERENCES 20

typedef struct readability_lm {
    vlit_lm *lm;
    double *reference; /* mean log10 p per token of each reference text, sorted */
    size_t n_reference;
    size_t trained_on; /* captions the default model was trained on; 0 with --lm */
} readability_lm;

vlit_status readability_lm_open(const score_config *cfg, readability_lm *out, vlit_error *err);
void readability_lm_close(readability_lm *r);

/* Scores text the way samples are scored: split into sentences at line
 * breaks and at . ! ? followed by white space, each sentence <s> .. </s>. */
void readability_score_text(const vlit_lm *lm, const char *text, vlit_lm_stats *st);

/* The mean log10 p of the known tokens of st (without OOVs); 0 when there
 * are none. */
int readability_known_mean(const vlit_lm_stats *st, double *out);

/* The calibrated 0-1 score of such a mean. */
double readability_calibrate(const readability_lm *r, double mean_logprob);

#endif
