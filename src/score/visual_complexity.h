/* Internal: visual complexity (principle 9), the constants that define it.
 * The public functions are vlit_visual_complexity_file/_pixels in
 * vlit/iqa.h; docs/iqa.md explains each choice. */
#ifndef VLIT_SCORE_VISUAL_COMPLEXITY_H
#define VLIT_SCORE_VISUAL_COMPLEXITY_H

/* Measures are taken on the image reduced by a whole factor until its
 * longer side is at most this (box filter): complexity as seen at a normal
 * viewing size, and the same for a photo and its 4K original. */
#define VC_MAX_SIDE 1024

/* A pixel is on an edge when its Sobel magnitude (|Gx, Gy| with the
 * kernels' gain of 4: a step of 255 gives 1020) exceeds this, i.e. a step
 * of about 25 gray levels. */
#define VC_EDGE_THRESHOLD 100.0

/* The colour histogram: 3 bits of each of R, G, B (512 bins; entropy at
 * most 9 bits). */
#define VC_COLOUR_BITS 3

/* Normalisation: each component divided by the value that maps to 1, and
 * clipped at 1. Each value is the 95th percentile, rounded, of that
 * component on the 41 photos of the default NIQE model (data/niqe/
 * images.tsv: landscapes, macro shots, textures, portraits), so 1 means
 * "as busy as the busiest twentieth of varied sharp photos". They were
 * set before the validation photos were looked at (docs/iqa.md). */
#define VC_NORM_COMPRESSION 0.80 /* deflated / raw bytes */
#define VC_NORM_EDGES 0.50       /* share of edge pixels */
#define VC_NORM_SI 110.0         /* P.910 SI on the 0-255 scale (Sobel gain 4 included) */
#define VC_NORM_ENTROPY 5.5      /* bits, of at most 9 */

#endif
