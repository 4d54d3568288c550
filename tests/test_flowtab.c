/* \summary: flowtab tests: both indexes, last-use order, idle timeout, forget callback, prune, reuse, the shared key */
#include "harness.h"
#include "flowtab.h"


typedef flowtab_key tkey; /* a -> b, port c */

typedef struct {
	tkey fwd, rev;
	int payload;
} tflow;

/* What the forget callback saw, in order. */
typedef struct {
	GArray *payloads; /* int */
	GArray *times;    /* sim_time */
} seen;

static void record_forget(void *user, void *flow, sim_time now)
{
	seen *s = user;
	tflow *f = flow;
	/* Still whole: its reply key is the forward key mirrored. */
	CU_ASSERT_EQUAL(f->rev.a, f->fwd.b);
	CU_ASSERT_EQUAL(f->rev.b, f->fwd.a);
	g_array_append_val(s->payloads, f->payload);
	g_array_append_val(s->times, now);
}

static const flowtab_ops tflow_ops = {
	FLOWTAB_LAYOUT(tflow, fwd, rev),
	.forget = record_forget,
};

static flowtab *table(seen *s, sim_time idle)
{
	s->payloads = g_array_new(FALSE, FALSE, sizeof(int));
	s->times = g_array_new(FALSE, FALSE, sizeof(sim_time));
	return flowtab_new(&tflow_ops, idle, s);
}

static void seen_clear(seen *s)
{
	g_array_unref(s->payloads);
	g_array_unref(s->times);
}

/* Flow n: 10.0.0.n -> 10.0.1.1 port 1000+n, its reply mirrored. */
static tkey fwd_of(int n)
{
	return (tkey){ .a = 0x0a000000u + (uint32_t)n, .b = 0x0a000101u, .c = (uint16_t)(1000 + n) };
}

static tkey rev_of(int n)
{
	return (tkey){ .a = 0x0a000101u, .b = 0x0a000000u + (uint32_t)n, .c = (uint16_t)(1000 + n) };
}

static tflow *add(flowtab *t, int n, sim_time now)
{
	tkey f = fwd_of(n), r = rev_of(n);
	tflow *fl = flowtab_add(t, &f, &r, now);
	fl->payload = n;
	return fl;
}

/* The payloads in last-use order, as a string "1 2 3". */
static char *order(const flowtab *t)
{
	GString *s = g_string_new(NULL);
	for (const tflow *f = flowtab_next(t, NULL); f; f = flowtab_next(t, f))
		g_string_append_printf(s, "%s%d", s->len ? " " : "", f->payload);
	return g_string_free(s, FALSE);
}

static char *forgotten(const seen *s)
{
	GString *o = g_string_new(NULL);
	for (guint i = 0; i < s->payloads->len; i++)
		g_string_append_printf(o, "%s%d@%" G_GINT64_FORMAT, i ? " " : "",
		                       g_array_index(s->payloads, int, i), g_array_index(s->times, sim_time, i));
	return g_string_free(o, FALSE);
}

#define ASSERT_TEXT(expr, want)                   \
	do {                                      \
		char *got_ = (expr);              \
		CU_ASSERT_STRING_EQUAL(got_, want); \
		g_free(got_);                     \
	} while (0)

static void test_add_and_find(void)
{
	seen s;
	flowtab *t = table(&s, 100);
	tflow *f1 = add(t, 1, 0), *f2 = add(t, 2, 0);
	CU_ASSERT_EQUAL(flowtab_len(t), 2);
	tkey k = fwd_of(1), r = rev_of(2);
	CU_ASSERT_PTR_EQUAL(flowtab_find(t, FLOWTAB_FWD, &k), f1);
	CU_ASSERT_PTR_EQUAL(flowtab_find(t, FLOWTAB_REV, &r), f2);
	CU_ASSERT_PTR_EQUAL(flowtab_lookup(t, FLOWTAB_REV, &r, 100), f2);
	/* A key is found on its own side only. */
	CU_ASSERT_PTR_NULL(flowtab_find(t, FLOWTAB_REV, &k));
	CU_ASSERT_PTR_NULL(flowtab_find(t, FLOWTAB_FWD, &r));
	tkey none = fwd_of(3);
	CU_ASSERT_PTR_NULL(flowtab_find(t, FLOWTAB_FWD, &none));
	/* The keys were copied into the flow, the rest zeroed. */
	CU_ASSERT(flowtab_key_equal(&f1->fwd, &k));
	CU_ASSERT_EQUAL(flowtab_last_used(f1), 0);
	CU_ASSERT_EQUAL(s.payloads->len, 0);
	flowtab_free(t);
	/* Freeing the table forgets nothing. */
	CU_ASSERT_EQUAL(s.payloads->len, 0);
	seen_clear(&s);
}

static void test_touch_order(void)
{
	seen s;
	flowtab *t = table(&s, 100);
	tflow *f1 = add(t, 1, 0);
	add(t, 2, 1);
	tflow *f3 = add(t, 3, 2);
	ASSERT_TEXT(order(t), "1 2 3");
	flowtab_touch(t, f1, 3);
	ASSERT_TEXT(order(t), "2 3 1");
	CU_ASSERT_EQUAL(flowtab_last_used(f1), 3);
	flowtab_touch(t, f1, 4); /* already the youngest */
	flowtab_touch(t, f3, 5);
	ASSERT_TEXT(order(t), "2 1 3");
	CU_ASSERT_EQUAL(flowtab_last_used(f1), 4);
	flowtab_free(t);
	seen_clear(&s);
}

/* Idle means unused for longer than the timeout, not as long. */
static void test_idle_lookup(void)
{
	seen s;
	flowtab *t = table(&s, 10);
	tflow *f1 = add(t, 1, 5);
	add(t, 2, 5);
	tkey k = fwd_of(1), r = rev_of(1);
	CU_ASSERT_FALSE(flowtab_idle(t, f1, 15));
	CU_ASSERT_TRUE(flowtab_idle(t, f1, 16));
	CU_ASSERT_PTR_EQUAL(flowtab_lookup(t, FLOWTAB_FWD, &k, 15), f1);
	CU_ASSERT_EQUAL(s.payloads->len, 0);
	/* find does not forget, whatever the time */
	CU_ASSERT_PTR_EQUAL(flowtab_find(t, FLOWTAB_REV, &r), f1);
	CU_ASSERT_PTR_NULL(flowtab_lookup(t, FLOWTAB_REV, &r, 16));
	ASSERT_TEXT(forgotten(&s), "1@16");
	CU_ASSERT_PTR_NULL(flowtab_find(t, FLOWTAB_FWD, &k));
	CU_ASSERT_PTR_NULL(flowtab_find(t, FLOWTAB_REV, &r));
	CU_ASSERT_EQUAL(flowtab_len(t), 1);
	ASSERT_TEXT(order(t), "2");
	flowtab_free(t);
	seen_clear(&s);
}

/* Prune forgets from the old end while flows are idle, in last-use order
 * (not the order they were made), and stops at the first that is not. */
static void test_prune_order(void)
{
	seen s;
	flowtab *t = table(&s, 10);
	add(t, 1, 0);
	tflow *f2 = add(t, 2, 1);
	add(t, 3, 2);
	flowtab_touch(t, f2, 3);
	add(t, 4, 5);
	ASSERT_TEXT(order(t), "1 3 2 4");
	CU_ASSERT_EQUAL(flowtab_prune(t, 10), 0);
	CU_ASSERT_EQUAL(flowtab_prune(t, 14), 3);
	ASSERT_TEXT(forgotten(&s), "1@14 3@14 2@14");
	ASSERT_TEXT(order(t), "4");
	CU_ASSERT_EQUAL(flowtab_len(t), 1);
	for (int n = 1; n <= 3; n++) {
		tkey k = fwd_of(n), r = rev_of(n);
		CU_ASSERT_PTR_NULL(flowtab_find(t, FLOWTAB_FWD, &k));
		CU_ASSERT_PTR_NULL(flowtab_find(t, FLOWTAB_REV, &r));
	}
	CU_ASSERT_EQUAL(flowtab_prune(t, 16), 1);
	CU_ASSERT_EQUAL(flowtab_len(t), 0);
	CU_ASSERT_PTR_NULL(flowtab_next(t, NULL));
	CU_ASSERT_EQUAL(flowtab_prune(t, 100), 0);
	flowtab_free(t);
	seen_clear(&s);
}

/* forget calls back whatever the flow's age; its memory serves the next
 * flow, zeroed, and the keys it had are free again. */
static void test_forget_and_reuse(void)
{
	seen s;
	flowtab *t = table(&s, 10);
	tflow *f1 = add(t, 1, 0);
	tflow *f2 = add(t, 2, 0);
	add(t, 3, 0);
	f2->payload = 42;
	flowtab_forget(t, f2, 1);
	ASSERT_TEXT(forgotten(&s), "42@1");
	ASSERT_TEXT(order(t), "1 3");
	tflow *f4 = add(t, 4, 2);
	CU_ASSERT_PTR_EQUAL(f4, f2);
	CU_ASSERT_EQUAL(f4->payload, 4);
	tflow *again = add(t, 2, 2);
	CU_ASSERT_PTR_NOT_NULL(again);
	CU_ASSERT_PTR_NOT_EQUAL(again, f1);
	ASSERT_TEXT(order(t), "1 3 4 2");
	CU_ASSERT_EQUAL(flowtab_len(t), 4);
	flowtab_free(t);
	seen_clear(&s);
}

/* Many flows through the table: the indexes and the list agree. */
static void test_many(void)
{
	seen s;
	flowtab *t = table(&s, 50);
	for (int n = 0; n < 2000; n++) {
		flowtab_prune(t, n);
		add(t, n, n);
		if (n >= 10) {
			tkey k = fwd_of(n - 10);
			tflow *f = flowtab_lookup(t, FLOWTAB_FWD, &k, n);
			CU_ASSERT_PTR_NOT_NULL_FATAL(f);
			flowtab_touch(t, f, n);
		}
	}
	/* Each flow was used at its birth and 10 later; at 1999 the ones
	 * last used before 1949 are gone. */
	CU_ASSERT_EQUAL(flowtab_len(t), 1999 - 1949 + 1 + 10);
	CU_ASSERT_EQUAL(s.payloads->len, 2000 - flowtab_len(t));
	for (guint i = 0; i < s.payloads->len; i++)
		CU_ASSERT_EQUAL(g_array_index(s.payloads, int, i), (int)i);
	flowtab_free(t);
	seen_clear(&s);
}

/* Random adds, touches and forgets, checked against a GHashTable after
 * every step: first among 3,000 flows (the indexes grow), then among 40 of
 * them while the others stay (forgets in the middle of probe runs, which
 * must shift the run back). */
static void test_random_against_ghash(void)
{
	seen s;
	flowtab *t = table(&s, G_MAXINT64);
	GHashTable *live = g_hash_table_new(g_direct_hash, g_direct_equal); /* n -> flow */
	GRand *r = g_rand_new_with_seed(7);
	for (int step = 0; step < 20000; step++) {
		int n = g_rand_int_range(r, 0, step < 10000 ? 3000 : 40);
		tflow *f = g_hash_table_lookup(live, GINT_TO_POINTER(n + 1));
		tkey k = fwd_of(n), rk = rev_of(n);
		CU_ASSERT_PTR_EQUAL_FATAL(flowtab_find(t, FLOWTAB_FWD, &k), f);
		CU_ASSERT_PTR_EQUAL_FATAL(flowtab_find(t, FLOWTAB_REV, &rk), f);
		if (!f)
			g_hash_table_insert(live, GINT_TO_POINTER(n + 1), add(t, n, step));
		else if (g_rand_boolean(r))
			flowtab_touch(t, f, step);
		else {
			flowtab_forget(t, f, step);
			g_hash_table_remove(live, GINT_TO_POINTER(n + 1));
		}
		CU_ASSERT_EQUAL_FATAL(flowtab_len(t), g_hash_table_size(live));
	}
	GHashTableIter it;
	gpointer key, val;
	g_hash_table_iter_init(&it, live);
	while (g_hash_table_iter_next(&it, &key, &val)) {
		tflow *f = val;
		CU_ASSERT_EQUAL(f->payload, GPOINTER_TO_INT(key) - 1);
		CU_ASSERT_PTR_EQUAL(flowtab_find(t, FLOWTAB_REV, &f->rev), f);
	}
	g_rand_free(r);
	g_hash_table_unref(live);
	flowtab_free(t);
	seen_clear(&s);
}

/* The shared key: every field counts, `in` included. */
static void test_key(void)
{
	flowtab_key k = { 0x0a000001u, 0x0a000102u, 40000, 443, 0, 6 };
	flowtab_key same = k;
	CU_ASSERT_TRUE(flowtab_key_equal(&k, &same));
	CU_ASSERT_EQUAL(flowtab_key_hash(&k), flowtab_key_hash(&same));
	flowtab_key other[] = { k, k, k, k, k, k };
	other[0].a++;
	other[1].b++;
	other[2].c++;
	other[3].d++;
	other[4].in = 1;
	other[5].proto = 17;
	for (guint i = 0; i < G_N_ELEMENTS(other); i++) {
		CU_ASSERT_FALSE(flowtab_key_equal(&k, &other[i]));
		CU_ASSERT_NOT_EQUAL(flowtab_key_hash(&k), flowtab_key_hash(&other[i]));
	}
}

/* Source ports: per destination, round 1024-65535 from where the last
 * search stopped, skipping the taken ones, counted in in_use, refused at
 * the limit or when every port is taken. */
typedef struct {
	GHashTable *held; /* ports taken */
	guint asked;
} port_world;

static gboolean ports_taken(void *ud, const flowtab_key *reply)
{
	port_world *w = ud;
	w->asked++;
	return g_hash_table_contains(w->held, GUINT_TO_POINTER(reply->d));
}

/* The next port for p towards r's destination, probing r's d. */
#define TAKE(p, limit) flowtab_ports_take((p), (limit), t, &r, &r.d, ports_taken, &w)

static void test_ports(void)
{
	GHashTable *dests = flowtab_ports_table(flowtab_key_hash);
	flowtab_key d1 = { .a = 1, .c = 80, .proto = 6 }, d2 = { .a = 2, .c = 80, .proto = 6 };
	flowtab_ports *p1 = flowtab_ports_of(dests, &d1);
	CU_ASSERT_PTR_EQUAL(flowtab_ports_of(dests, &d1), p1);
	flowtab_ports *p2 = flowtab_ports_of(dests, &d2);
	CU_ASSERT_PTR_NOT_EQUAL(p1, p2);
	CU_ASSERT_EQUAL(p1->next_port, 1024);
	port_world w = { g_hash_table_new(g_direct_hash, NULL), 0 };
	g_hash_table_add(w.held, GUINT_TO_POINTER(1025));
	/* The reply keys probed (port d), and a flow whose reply key holds 1027. */
	seen s;
	flowtab *t = table(&s, 100);
	tkey r = rev_of(5), fk = fwd_of(5), held = rev_of(5);
	held.d = 1027;
	tflow *f = flowtab_add(t, &fk, &held, 0);
	CU_ASSERT_EQUAL(TAKE(p1, 10), 1024);
	CU_ASSERT_EQUAL(r.d, 1024); /* left in the key */
	CU_ASSERT_EQUAL(TAKE(p1, 10), 1026); /* 1025 is taken */
	CU_ASSERT_EQUAL(p1->in_use, 2);
	CU_ASSERT_EQUAL(TAKE(p1, 10), 1028); /* 1027 is a flow's */
	flowtab_forget(t, f, 0);
	p1->in_use = 2;
	CU_ASSERT_EQUAL(TAKE(p2, 10), 1024); /* its own round */
	/* The limit counts the destination's ports in use, without probing. */
	p1->in_use = 10;
	w.asked = 0;
	CU_ASSERT_EQUAL(TAKE(p1, 10), 0);
	CU_ASSERT_EQUAL(w.asked, 0);
	p1->in_use = 2;
	/* The round wraps from 65535 to 1024. */
	p1->next_port = 65535;
	CU_ASSERT_EQUAL(TAKE(p1, 10), 65535);
	CU_ASSERT_EQUAL(TAKE(p1, 10), 1024);
	/* Every port taken: 0 after trying each once. */
	for (guint pt = 1024; pt <= 65535; pt++)
		g_hash_table_add(w.held, GUINT_TO_POINTER(pt));
	w.asked = 0;
	CU_ASSERT_EQUAL(TAKE(p1, FLOWTAB_PORTS), 0);
	CU_ASSERT_EQUAL(w.asked, FLOWTAB_PORTS);
	CU_ASSERT_EQUAL(p1->in_use, 4);
	flowtab_free(t);
	seen_clear(&s);
	g_hash_table_unref(w.held);
	g_hash_table_unref(dests);
}
#undef TAKE

void register_tests(void)
{
	CU_pSuite s = harness_suite("flowtab");
	CU_add_test(s, "add and find on both sides", test_add_and_find);
	CU_add_test(s, "touch moves to the young end", test_touch_order);
	CU_add_test(s, "lookup forgets an idle flow", test_idle_lookup);
	CU_add_test(s, "prune in last-use order", test_prune_order);
	CU_add_test(s, "forget and reuse", test_forget_and_reuse);
	CU_add_test(s, "many flows", test_many);
	CU_add_test(s, "random against a GHashTable", test_random_against_ghash);
	CU_add_test(s, "the shared key", test_key);
	CU_add_test(s, "source ports", test_ports);
}
