/* Internal: the clue records of a run kept in memory, found by image path.
 *
 * Scoring joins a sample to the clue record of its image: first by the exact
 * path ("train2017/0001.jpg"), then by the file name alone ("0001.jpg") when
 * that name belongs to one record only. Captions are not kept (the indicators
 * do not read them), strings of categories and attributes are stored once, so
 * COCO train (118k images) takes some tens of megabytes. */
#ifndef VLIT_SCORE_CLUE_INDEX_H
#define VLIT_SCORE_CLUE_INDEX_H

#include "indicator.h"

typedef struct clue_index clue_index;

vlit_status clue_index_load(const char *path, int skip_bad, void (*on_skip)(void *ctx, const char *message),
                            void *ctx, clue_index **out, vlit_error *err);
/* The record of image, or NULL. */
const score_clue *clue_index_find(const clue_index *ix, const char *image);
size_t clue_index_size(const clue_index *ix);
size_t clue_index_skipped(const clue_index *ix);
void clue_index_free(clue_index *ix);

#endif
