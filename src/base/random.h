/* Internal: the one pseudo-random generator of vlit (splitmix64): seeded
 * choices everywhere must be reproducible across platforms and versions. */
#ifndef VLIT_BASE_RANDOM_H
#define VLIT_BASE_RANDOM_H

#include <stdint.h>

static inline uint64_t vlit_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* One step from a given state: a good 64-bit hash of x. */
static inline uint64_t vlit_mix64(uint64_t x) { return vlit_splitmix64(&x); }

/* Uniform in [0, 1), 53 random bits. */
static inline double vlit_uniform01(uint64_t *state)
{
    return (double)(vlit_splitmix64(state) >> 11) * (1.0 / 9007199254740992.0);
}

#endif
