/*
 * vlit/vlit.h - everything: include this one header.
 *
 * vlit builds and quality-controls vision-language instruction-tuning data.
 * The library follows the pipeline, one header per stage:
 *   base.h     status codes, errors, ownership rule
 *   sample.h   instruction samples and their dataset formats (LLaVA, ...)
 *   collect.h  stage 1: annotations -> clue records -> clue text
 *   generate.h stage 2: clue records -> instruction samples (AA)
 *   lm.h       n-gram language models (ARPA, binary form, Kneser-Ney trainer)
 *   iqa.h      image indicators: NIQE, visual complexity
 *   score.h    stage 3: per-sample quality indicators (vlit score)
 *   embed.h    text (TF-IDF) and image (descriptor) vectors, or a /v1/embeddings server
 *   report.h   stage 4: dataset-level indicators and the report (vlit report)
 *   select.h   stage 5: quality control: thresholds, near duplicates, balance (vlit select)
 *   run.h      the config file of vlit run, fingerprints of stage inputs
 *   shard.h    completion records of shard outputs; merging shards exactly (vlit merge)
 *   stats.h    statistics on benchmark results: ICC, correlations (vlit stats)
 * The library never prints and never exits; the `vlit` command does.
 */
#ifndef VLIT_VLIT_H
#define VLIT_VLIT_H

#include "base.h"
#include "cluster.h"
#include "collect.h"
#include "embed.h"
#include "generate.h"
#include "graph.h"
#include "iqa.h"
#include "lm.h"
#include "report.h"
#include "run.h"
#include "score.h"
#include "sample.h"
#include "select.h"
#include "shard.h"
#include "stats.h"
#include "tasks.h"

#endif
