/* \summary: a map from 16-byte keys to pointers, open addressing with the keys inline, for lookups on every packet */
#ifndef VPCSIM_KEYMAP_H
#define VPCSIM_KEYMAP_H

#include <stdint.h>
#include <string.h>

#include <glib.h>

/*
 * What a node looks up on every packet (a connection by its addresses and
 * ports, a tracked flow, a local address): a key of at most 16 bytes,
 * which the caller zero-fills past its fields, to a non-NULL pointer.
 *
 * Written by hand rather than used from GLib, on purpose: a GHashTable
 * lookup calls the hash and equality functions through pointers, reduces
 * the hash modulo a prime and reads three arrays and the key behind a
 * pointer; here a lookup mixes two words and usually reads one slot, the
 * key in it (the table's lookups were 8% of alb-privatelink x100's time).
 * Linear probing, at most half full, grown by doubling and never shrunk;
 * removing shifts the slots after it back (no tombstones).  sim/flowtab.c
 * indexes its flows with two.  Nothing depends on the order of the slots: keymap_next() walks
 * them for freeing and for order-free scans only.
 */

typedef struct {
	uint64_t k[2];
	void *v; /* NULL: empty */
} keymap_slot;

typedef struct {
	keymap_slot *slots;
	guint bits; /* 2^bits slots */
	guint len;
} keymap;

/* A key from up to 16 bytes of the caller's, the rest zero. */
typedef struct {
	uint64_t k[2];
} keymap_key;

static inline keymap_key keymap_key_of(const void *data, size_t len)
{
	/* A longer key would be cut, and keys that differ past 16 bytes would
	 * be one: a caller's mistake, stopped here.  Callers pass a constant
	 * size, so the check compiles away. */
	if (G_UNLIKELY(len > sizeof(keymap_key)))
		g_error("keymap_key_of: a key of %zu bytes; keys are at most %zu", len,
		        sizeof(keymap_key));
	keymap_key key = { { 0, 0 } };
	memcpy(key.k, data, len);
	return key;
}

/* A key from a flow's fields, put together in registers: the words a
 * little-endian copy of {a, b, c, d, e, f} (two 32-bit, three 16-bit
 * fields and a byte) would give.  Faster than keymap_key_of() on a struct
 * just built field by field: its 8-byte loads span several of those
 * stores, which the CPU cannot forward, so each waited for the stores to
 * reach the cache (about a sixth of the security groups' lookup time on
 * alb-privatelink x100). */
static inline keymap_key keymap_key_flow(uint32_t a, uint32_t b, uint16_t c, uint16_t d, uint16_t e,
                                         uint8_t f)
{
	keymap_key key = { { (uint64_t)a | (uint64_t)b << 32,
		             (uint64_t)c | (uint64_t)d << 16 | (uint64_t)e << 32 | (uint64_t)f << 48 } };
	return key;
}

/* The slot a key's probe starts at: the top bits of a multiplicative mix
 * of its two words (Stafford's variant 13 finalizer). */
static inline guint keymap_home(const keymap *m, const keymap_key *key)
{
	uint64_t z = key->k[0] * UINT64_C(0x9E3779B97F4A7C15) ^ key->k[1] * UINT64_C(0xC2B2AE3D27D4EB4F);
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return (guint)((z ^ (z >> 31)) >> (64 - m->bits));
}

/* The slot holding key, or the empty one where it would go. */
static inline keymap_slot *keymap_slot_of(const keymap *m, const keymap_key *key)
{
	guint mask = (1u << m->bits) - 1;
	for (guint i = keymap_home(m, key);; i = (i + 1) & mask) {
		keymap_slot *s = &m->slots[i];
		if (!s->v || (s->k[0] == key->k[0] && s->k[1] == key->k[1]))
			return s;
	}
}

void keymap_init(keymap *m);
/* Frees the slots, not what the values point to. */
void keymap_clear(keymap *m);

/* The value of key, NULL if absent. */
static inline void *keymap_get(const keymap *m, keymap_key key)
{
	return keymap_slot_of(m, &key)->v;
}

/* Sets key's value (non-NULL), replacing any. */
void keymap_put(keymap *m, keymap_key key, void *v);
/* Takes key out; FALSE if it was absent. */
gboolean keymap_remove(keymap *m, keymap_key key);

static inline guint keymap_len(const keymap *m) { return m->len; }

/* The entries in slot order: start with *at = 0; NULL after the last.
 * Nothing may be put or removed while walking. */
const keymap_slot *keymap_next(const keymap *m, guint *at);

#endif
