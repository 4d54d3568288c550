/* \summary: the classic hold-model benchmark of the event queue */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "cli.h"
#include "engine.h"
#include "rng.h"

/*
 * The hold model (Vaucher and Duval, 1975; Jones, 1986): keep N events
 * pending; repeatedly pop the earliest and push it back at now + Exp(mean
 * 1 us).  It measures the queue alone, with a realistic spread of times.
 * Each event's handler does one draw and one schedule, so a "hold" is one
 * pop, one exponential draw and one push.
 *
 * Beside the engine, the same holds (same draws) through a tight 4-ary
 * heap written for the purpose: 16-byte entries of time and sequence
 * number, the same (time, sequence) order, no handlers, slots or
 * cancellation, pop then push as an event queue does.  Timed in the same
 * run, so `ratio` (engine / heap) is the figure to compare across
 * machines.
 */

typedef struct {
	sim_time t;
	uint64_t seq;
} h4_entry;

typedef struct {
	h4_entry *v;
	size_t len;
} h4;

static inline gboolean h4_less(const h4_entry *a, const h4_entry *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void h4_push(h4 *h, h4_entry e)
{
	size_t i = h->len++;
	while (i > 0) {
		size_t parent = (i - 1) / 4;
		if (!h4_less(&e, &h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = e;
}

static h4_entry h4_pop(h4 *h)
{
	h4_entry top = h->v[0], e = h->v[--h->len];
	size_t n = h->len, i = 0;
	for (;;) {
		size_t c = 4 * i + 1;
		if (c >= n)
			break;
		size_t best = c, end = c + 4 < n ? c + 4 : n;
		for (size_t j = c + 1; j < end; j++)
			if (h4_less(&h->v[j], &h->v[best]))
				best = j;
		if (!h4_less(&h->v[best], &e))
			break;
		h->v[i] = h->v[best];
		i = best;
	}
	if (n)
		h->v[i] = e;
	return top;
}

/* Holds per second of the tight heap at n pending. */
static double run_h4(uint64_t n, uint64_t holds, uint64_t seed)
{
	h4 h = { g_new(h4_entry, n + 1), 0 };
	rng r;
	rng_init(&r, seed, "bench-hold");
	uint64_t seq = 0;
	for (uint64_t i = 0; i < n; i++)
		h4_push(&h, (h4_entry){ (sim_time)(-1000.0 * log(rng_uniform_open(&r))), seq++ });
	uint64_t warm = n < 1000000 ? n : 1000000;
	gint64 t0 = 0;
	for (uint64_t k = 0; k < warm + holds; k++) {
		if (k == warm)
			t0 = g_get_monotonic_time();
		h4_entry e = h4_pop(&h);
		h4_push(&h, (h4_entry){ e.t + (sim_time)(-1000.0 * log(rng_uniform_open(&r))), seq++ });
	}
	double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
	/* Keeps the loop's result alive. */
	if (h.v[0].t < 0)
		printf("?\n");
	g_free(h.v);
	return (double)holds / wall;
}

typedef struct {
	rng r;
	uint64_t holds, target;
} hold_state;

static void hold_ev(sim *s, void *ctx, void *arg)
{
	hold_state *h = ctx;
	double u = rng_uniform_open(&h->r);
	sim_schedule(s, (sim_time)(-1000.0 * log(u)), hold_ev, h, arg);
	if (++h->holds == h->target)
		sim_stop(s);
}

static void run_hold(uint64_t n, uint64_t holds, uint64_t seed)
{
	sim *s = sim_new();
	hold_state h = { .target = holds };
	rng_init(&h.r, seed, "bench-hold");
	for (uint64_t i = 0; i < n; i++)
		sim_schedule(s, (sim_time)(-1000.0 * log(rng_uniform_open(&h.r))), hold_ev, &h, NULL);
	/* Warm up: let the time distribution of pending events settle. */
	h.target = n < 1000000 ? n : 1000000;
	sim_run(s);
	h.holds = 0;
	h.target = holds;
	gint64 t0 = g_get_monotonic_time();
	sim_run(s);
	double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
	double heap = run_h4(n, holds, seed);
	printf("hold n=%" G_GUINT64_FORMAT " holds=%" G_GUINT64_FORMAT
	       " wall_s=%.3f holds_per_s=%.0f ns_per_hold=%.1f heap4_holds_per_s=%.0f ratio=%.2f "
	       "peak_rss_kb=%ld\n",
	       (guint64)n, (guint64)h.holds, wall, (double)h.holds / wall,
	       wall * 1e9 / (double)h.holds, heap, (double)h.holds / wall / heap, cli_peak_rss_kb());
	fflush(stdout);
	sim_free(s);
}

int bench_hold_main(int argc, char **argv)
{
	gint64 holds = 20000000;
	gint64 seed = 1;
	char **sizes = NULL;
	GOptionEntry entries[] = {
		{ "n", 'n', 0, G_OPTION_ARG_STRING_ARRAY, &sizes,
		  "Pending events N (repeatable; default 100, 10000, 1000000)", "N" },
		{ "holds", 0, 0, G_OPTION_ARG_INT64, &holds, "Holds to time per N (default 20000000)",
		  "H" },
		{ "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 1)", "S" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "vpcsim bench hold",
	               "Times the event queue with the classic hold model and prints one line per N:\n"
	               "  hold n=N holds=H wall_s=W holds_per_s=X ns_per_hold=Y heap4_holds_per_s=Z "
               "ratio=X/Z peak_rss_kb=R\n"
               "(heap4: the same holds through a tight 4-ary heap, timed in the same run)",
	               NULL, entries))
		return CLI_USAGE;
	if (argc > 1) {
		cli_error("bench hold takes no arguments");
		g_strfreev(sizes);
		return CLI_USAGE;
	}
	if (!cli_in_range("holds", holds, 1, CLI_MAX_COUNT) ||
	    !cli_in_range("seed", seed, 0, G_MAXINT64)) {
		g_strfreev(sizes);
		return CLI_USAGE;
	}
	const char *def[] = { "100", "10000", "1000000", NULL };
	const char *const *list = sizes ? (const char *const *)sizes : def;
	int rc = CLI_OK;
	/* Every N is checked before the first runs; at most the engine's limit
	 * of pending events (2^26), past which it aborts. */
	for (int i = 0; list[i] && rc == CLI_OK; i++)
		if (!cli_whole("n", list[i], 1, G_GUINT64_CONSTANT(1) << 26, NULL))
			rc = CLI_USAGE;
	for (int i = 0; list[i] && rc == CLI_OK; i++) {
		guint64 n;
		cli_whole("n", list[i], 1, G_GUINT64_CONSTANT(1) << 26, &n);
		run_hold(n, (uint64_t)holds, (uint64_t)seed);
	}
	g_strfreev(sizes);
	return rc;
}
