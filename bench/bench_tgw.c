/* \summary: the Transit Gateway scenario benchmark: requests and packet-hops per second */
#include <stdio.h>

#include "bench.h"
#include "build.h"
#include "cli.h"
#include "units.h"

/*
 * Runs scenarios/vpc-tgw.ini (or another scenario with an HTTP workload
 * named by --workload) until N requests have completed in total, with
 * captures off, and prints the simulation's speed.  A packet-hop is one
 * packet crossing one link, as in `bench chain`.
 */
int bench_tgw_main(int argc, char **argv)
{
	gint64 requests = 100000;
	char *file = NULL, *wl = NULL, *rate = NULL;
	GOptionEntry entries[] = {
		{ "requests", 0, 0, G_OPTION_ARG_INT64, &requests, "Requests in total (default 100000)", "N" },
		{ "scenario", 0, 0, G_OPTION_ARG_FILENAME, &file,
		  "Scenario (default scenarios/vpc-tgw.ini in the source tree)", "FILE" },
		{ "workload", 0, 0, G_OPTION_ARG_STRING, &wl, "Its HTTP workload (default web)", "NAME" },
		{ "rate", 0, 0, G_OPTION_ARG_STRING, &rate, "Request rate per client (default 500/s)", "R" },
		{ NULL },
	};
	int rc = CLI_USAGE;
	scenario *sc = NULL;
	world *w = NULL;
	report *r = NULL;
	GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
	if (!cli_parse(&argc, &argv, "vpcsim bench tgw",
	               "Runs the Transit Gateway scenario for N requests and prints one line:\n"
	               "  tgw requests=N completed=C events=E wall_s=W sim_requests_per_s=X "
	               "packet_hops_per_s=Y peak_rss_kb=R",
	               NULL, entries))
		goto out;
	if (argc > 1) {
		cli_error("bench tgw takes no arguments");
		goto out;
	}
	if (!cli_in_range("requests", requests, 1, CLI_MAX_COUNT))
		goto out;
	double per_s = 0;
	GError *rerr = NULL;
	if (rate && !units_parse(rate, UNIT_RATE, &per_s, &rerr)) {
		cli_error("--rate %s", rerr->message);
		g_error_free(rerr);
		goto out;
	}
	if (rate && !(per_s * units_max(UNIT_TIME) >= 1e9)) {
		cli_error("--rate '%s': expected a rate from 1/8760h to 1000/us", rate);
		goto out;
	}
	char *path = file ? g_strdup(file) : g_build_filename(VPCSIM_SOURCE_DIR, "scenarios", "vpc-tgw.ini", NULL);
	const char *name = wl ? wl : "web";
	/* Load once to learn the number of clients, then with the overrides. */
	GError *err = NULL;
	sc = scenario_load(path, NULL, &err);
	guint clients = 0;
	for (guint i = 0; sc && i < sc->workloads->len; i++)
		if (g_strcmp0(SC_AT(sc->workloads, sc_workload, i)->name, name) == 0)
			clients = SC_AT(sc->workloads, sc_workload, i)->clients->len;
	scenario_free(sc);
	sc = NULL;
	rc = CLI_FAIL;
	if (err || clients == 0) {
		cli_error("%s", err ? err->message : "the scenario has no such HTTP workload");
		g_clear_error(&err);
		g_free(path);
		goto out;
	}
	uint64_t per = ((uint64_t)requests + clients - 1) / clients;
	g_ptr_array_add(sets, g_strdup_printf("workload:%s.requests=%" G_GUINT64_FORMAT, name, (guint64)per));
	g_ptr_array_add(sets, g_strdup_printf("workload:%s.rate=%s", name, rate ? rate : "500/s"));
	g_ptr_array_add(sets, g_strdup("scenario.duration=100000s"));
	g_ptr_array_add(sets, NULL);
	sc = scenario_load(path, (const char *const *)sets->pdata, &err);
	g_free(path);
	if (!sc || !(w = world_new(sc, NULL, &err))) {
		cli_error("%s", err->message);
		g_error_free(err);
		goto out;
	}
	gint64 t0 = g_get_monotonic_time();
	world_run(w, NULL, NULL, NULL);
	double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
	r = world_report(w, FALSE, wall, &err);
	if (!r) {
		cli_error("%s", err->message);
		g_error_free(err);
		goto out;
	}
	net *nt = world_net(w);
	uint64_t hops = 0;
	for (guint i = 0; i < nt->links->len; i++) {
		link *l = g_ptr_array_index(nt->links, i);
		hops += l->dir[0].pkts + l->dir[1].pkts;
	}
	uint64_t completed = 0;
	for (guint i = 0; i < r->workloads->len; i++)
		completed += g_array_index(r->workloads, report_workload, i).completed;
	printf("tgw requests=%" G_GUINT64_FORMAT " completed=%" G_GUINT64_FORMAT " events=%" G_GUINT64_FORMAT
	       " wall_s=%.3f sim_requests_per_s=%.0f packet_hops_per_s=%.0f peak_rss_kb=%ld\n",
	       (guint64)(per * clients), (guint64)completed, (guint64)sim_events_run(nt->sim), wall,
	       (double)completed / wall, (double)hops / wall, cli_peak_rss_kb());
	rc = CLI_OK;
out:
	report_free(r);
	world_free(w);
	scenario_free(sc);
	g_ptr_array_unref(sets);
	g_free(file);
	g_free(wl);
	g_free(rate);
	return rc;
}
