/* \summary: seeding of random streams from (run seed, component name) */
#include "rng.h"

#include <glib.h>

/* splitmix64, the seeding generator its authors recommend for xoshiro. */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void rng_init(rng *r, uint64_t seed, const char *stream)
{
	/* FNV-1a over the name, then mixed with the seed: stable across
	 * platforms and GLib versions, unlike g_str_hash. */
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (const unsigned char *p = (const unsigned char *)(stream ? stream : ""); *p; p++) {
		h ^= *p;
		h *= UINT64_C(0x100000001b3);
	}
	uint64_t x = seed ^ splitmix64(&h);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t rng_seed_from_text(const char *text)
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(c, (const guchar *)text, -1);
	guint8 d[32];
	gsize n = sizeof d;
	g_checksum_get_digest(c, d, &n);
	g_checksum_free(c);
	uint64_t seed = 0;
	for (int i = 0; i < 8; i++)
		seed = seed << 8 | d[i];
	return seed;
}
