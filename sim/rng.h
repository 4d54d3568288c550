/* \summary: random streams keyed by (run seed, component name) */
#ifndef VPCSIM_RNG_H
#define VPCSIM_RNG_H

#include <stdint.h>

/*
 * xoshiro256** (Blackman and Vigna), written here by hand on purpose: GLib's
 * GRand is a Mersenne Twister that is slower on the per-event path and cannot
 * be seeded from a (seed, name) pair without our own hashing anyway.  Each
 * component draws from its own stream, seeded by hashing the run seed and the
 * component's name, so adding a component does not change what the others
 * draw.
 */
typedef struct {
	uint64_t s[4];
} rng;

/* Seeds `r` from the run seed and a stream name (e.g. "vpc-a/client-1"). */
void rng_init(rng *r, uint64_t seed, const char *stream);

/* A seed derived from text (the first 8 bytes of its SHA-256, big-endian):
 * how sweeps and compare's repetitions make seeds that depend on what a run
 * is, not on where it sits in a list. */
uint64_t rng_seed_from_text(const char *text);

static inline uint64_t rng__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rng__rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng__rotl(s[3], 45);
	return result;
}

/* Uniform on the open interval (0, 1): never 0, so log() is safe, and never
 * 1.  The top 52 bits k give (k + 0.5) / 2^52, which is exact in a double;
 * with 53 bits, k + 0.5 would round to 2^53 for k = 2^53 - 1 and return 1. */
static inline double rng_uniform_open(rng *r)
{
	return ((double)(rng_next(r) >> 12) + 0.5) * (1.0 / 4503599627370496.0);
}

/* Uniform integer in [0, n), n > 0 (Lemire's multiply-shift, tiny bias
 * below 2^-32 for n < 2^32 accepted). */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

#endif
