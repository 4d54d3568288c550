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
 */

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
	printf("hold n=%" G_GUINT64_FORMAT " holds=%" G_GUINT64_FORMAT
	       " wall_s=%.3f holds_per_s=%.0f ns_per_hold=%.1f peak_rss_kb=%ld\n",
	       (guint64)n, (guint64)h.holds, wall, (double)h.holds / wall,
	       wall * 1e9 / (double)h.holds, cli_peak_rss_kb());
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
	               "  hold n=N holds=H wall_s=W holds_per_s=X ns_per_hold=Y peak_rss_kb=R",
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
