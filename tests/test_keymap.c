/* \summary: keymap tests: put, get, replace, remove with the backward shift, growth, the walk, random operations against a GHashTable, flow keys from fields */
#include "harness.h"
#include "keymap.h"

#include "rng.h"

#include <stddef.h>
#include <string.h>

typedef struct {
	uint32_t a, b;
	uint16_t c, d;
} tkey;

static keymap_key key_of(uint32_t a, uint32_t b, uint16_t c, uint16_t d)
{
	tkey k = { a, b, c, d };
	return keymap_key_of(&k, sizeof k);
}

/* The fields keymap_key_flow() takes, as a struct lays them out. */
typedef struct {
	uint32_t a, b;
	uint16_t c, d, e;
	uint8_t f;
} fkey;

static int vals[1024];

/* keymap_key_flow() gives the words keymap_key_of() gives for the same
 * fields laid out in memory (on a little-endian machine: the tables' slots
 * did not move when the lookups changed to it); on any machine, distinct
 * fields give distinct keys. */
static void test_key_flow(void)
{
	uint64_t x = 12345;
	const uint16_t probe = 1;
	uint8_t first;
	memcpy(&first, &probe, 1);
	for (int i = 0; i < 10000; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		uint64_t y = x * 0x9E3779B97F4A7C15u;
		fkey k = { (uint32_t)x, (uint32_t)(x >> 32), (uint16_t)y, (uint16_t)(y >> 16), (uint16_t)(y >> 32),
		        (uint8_t)(y >> 48) };
		keymap_key w = keymap_key_flow(k.a, k.b, k.c, k.d, k.e, k.f);
		if (first == 1) {
			keymap_key m = keymap_key_of(&k, offsetof(fkey, f) + 1);
			CU_ASSERT_EQUAL(w.k[0], m.k[0]);
			CU_ASSERT_EQUAL(w.k[1], m.k[1]);
		}
		keymap_key v = keymap_key_flow(k.a, k.b, k.c, k.d, k.e, (uint8_t)(k.f ^ 1));
		CU_ASSERT_NOT_EQUAL(w.k[1], v.k[1]);
		v = keymap_key_flow(k.a, k.b, (uint16_t)(k.c ^ 0x8000), k.d, k.e, k.f);
		CU_ASSERT_NOT_EQUAL(w.k[1], v.k[1]);
		v = keymap_key_flow(k.a, k.b ^ 0x80000000u, k.c, k.d, k.e, k.f);
		CU_ASSERT_NOT_EQUAL(w.k[0], v.k[0]);
	}
}

static void test_basic(void)
{
	keymap m;
	keymap_init(&m);
	CU_ASSERT_PTR_NULL(keymap_get(&m, key_of(1, 2, 3, 4)));
	keymap_put(&m, key_of(1, 2, 3, 4), &vals[0]);
	keymap_put(&m, key_of(2, 1, 4, 3), &vals[1]);
	CU_ASSERT_PTR_EQUAL(keymap_get(&m, key_of(1, 2, 3, 4)), &vals[0]);
	CU_ASSERT_PTR_EQUAL(keymap_get(&m, key_of(2, 1, 4, 3)), &vals[1]);
	/* Every byte of the key counts, the last port's high byte too. */
	CU_ASSERT_PTR_NULL(keymap_get(&m, key_of(1, 2, 3, 4 + 256)));
	CU_ASSERT_EQUAL(keymap_len(&m), 2);
	/* Replacing keeps the count. */
	keymap_put(&m, key_of(1, 2, 3, 4), &vals[2]);
	CU_ASSERT_PTR_EQUAL(keymap_get(&m, key_of(1, 2, 3, 4)), &vals[2]);
	CU_ASSERT_EQUAL(keymap_len(&m), 2);
	CU_ASSERT_TRUE(keymap_remove(&m, key_of(1, 2, 3, 4)));
	CU_ASSERT_FALSE(keymap_remove(&m, key_of(1, 2, 3, 4)));
	CU_ASSERT_PTR_NULL(keymap_get(&m, key_of(1, 2, 3, 4)));
	CU_ASSERT_PTR_EQUAL(keymap_get(&m, key_of(2, 1, 4, 3)), &vals[1]);
	CU_ASSERT_EQUAL(keymap_len(&m), 1);
	keymap_clear(&m);
}

/* Keys that share a home slot: removing the first of a run must move the
 * others back, or they are lost behind the hole. */
static void test_runs(void)
{
	keymap m;
	keymap_init(&m);
	/* Seven keys with one home in the 16-slot table, found by search
	 * (the table keeps 16 slots up to 8 keys). */
	keymap_key same[7];
	guint n = 0, home = 0;
	for (uint32_t a = 0; n < G_N_ELEMENTS(same); a++) {
		keymap_key k = key_of(a, 7, 80, 443);
		guint h = keymap_home(&m, &k);
		if (n == 0)
			home = h;
		if (h == home)
			same[n++] = k;
	}
	for (guint i = 0; i < n; i++)
		keymap_put(&m, same[i], &vals[i]);
	CU_ASSERT_EQUAL(m.bits, 4);
	for (guint i = 0; i < n; i++) {
		CU_ASSERT_TRUE(keymap_remove(&m, same[i]));
		for (guint j = i + 1; j < n; j++)
			CU_ASSERT_PTR_EQUAL(keymap_get(&m, same[j]), &vals[j]);
	}
	CU_ASSERT_EQUAL(keymap_len(&m), 0);
	keymap_clear(&m);
}

/* Random puts and removes over a small key space, checked after each
 * against a GHashTable holding the same entries; then the walk visits
 * each entry once. */
static void test_random_against_ghash(void)
{
	keymap m;
	keymap_init(&m);
	GHashTable *ref = g_hash_table_new(g_direct_hash, NULL);
	rng r;
	rng_init(&r, 42, "keymap");
	for (int step = 0; step < 200000; step++) {
		guint x = (guint)rng_below(&r, 3000);
		keymap_key k = key_of(0x0A000000u + x, 0x0A010000u + x % 7, (uint16_t)(x * 3), 443);
		gpointer rk = GUINT_TO_POINTER(x + 1);
		int op = (int)rng_below(&r, 3);
		if (op == 0) {
			gboolean had = g_hash_table_contains(ref, rk);
			CU_ASSERT_EQUAL(keymap_remove(&m, k), had);
			g_hash_table_remove(ref, rk);
		} else {
			void *v = &vals[x % G_N_ELEMENTS(vals)];
			keymap_put(&m, k, v);
			g_hash_table_insert(ref, rk, v);
		}
		void *want = g_hash_table_lookup(ref, rk);
		if (keymap_get(&m, k) != want)
			CU_FAIL_FATAL("keymap disagrees with the GHashTable");
		if (keymap_len(&m) != g_hash_table_size(ref))
			CU_FAIL_FATAL("keymap's count disagrees");
	}
	/* Every entry of the reference is found. */
	GHashTableIter it;
	gpointer rk, v;
	g_hash_table_iter_init(&it, ref);
	while (g_hash_table_iter_next(&it, &rk, &v)) {
		guint x = GPOINTER_TO_UINT(rk) - 1;
		CU_ASSERT_PTR_EQUAL(keymap_get(&m, key_of(0x0A000000u + x, 0x0A010000u + x % 7, (uint16_t)(x * 3), 443)), v);
	}
	guint at = 0, walked = 0;
	for (const keymap_slot *s; (s = keymap_next(&m, &at));)
		walked++;
	CU_ASSERT_EQUAL(walked, g_hash_table_size(ref));
	/* At most half full. */
	CU_ASSERT_TRUE(2 * keymap_len(&m) <= (1u << m.bits));
	g_hash_table_unref(ref);
	keymap_clear(&m);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("keymap");
	CU_add_test(s, "put, get, replace, remove", test_basic);
	CU_add_test(s, "flow keys from fields: the words of the fields' bytes", test_key_flow);
	CU_add_test(s, "remove in a run of one home", test_runs);
	CU_add_test(s, "random against a GHashTable", test_random_against_ghash);
}
