/* \summary: `vpcsim run`: load a scenario, build it, run it, report */
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "cli.h"
#include "error.h"
#include "interrupt.h"
#include "estimate.h"
#include "outfile.h"

static void progress(sim_time now, sim_time end, void *ud)
{
	(void)ud;
	fprintf(stderr, "\rvpcsim: simulated %.2f s of %.2f s", (double)now / 1e9, (double)end / 1e9);
}

/* "--snaplen 128" as the override scenario.snaplen=128B: a plain number on
 * the command line is bytes, as tcpdump's -s; a size with a unit passes
 * as written. */
static char *snaplen_override(const char *text)
{
	const char *t = text + strspn(text, " ");
	gboolean plain = *t && t[strspn(t, "0123456789")] == '\0';
	return g_strdup_printf("scenario.snaplen=%s%s", t, plain ? "B" : "");
}

int cmd_run(int argc, char **argv)
{
	char *format_s = NULL, *pcap_dir = NULL, *capture = NULL, *out_path = NULL;
	char *duration = NULL, *seed = NULL, *snaplen = NULL, *max_memory = NULL, *max_events = NULL;
	char **sets = NULL;
	gboolean fingerprint = FALSE;
	GOptionEntry entries[] = {
		{ "seed", 0, 0, G_OPTION_ARG_STRING, &seed, "Run seed (overrides [scenario] seed)", "N" },
		{ "duration", 0, 0, G_OPTION_ARG_STRING, &duration,
		  "Time during which requests start (overrides [scenario] duration)", "T" },
		{ "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
		  "Override a key: GROUP.KEY=VALUE, GROUP as scenario, vars or KIND:NAME (repeatable)",
		  "G.K=V" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format_s,
		  "Report format: text (default), csv, json, md", "FMT" },
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path,
		  "Write the report to FILE (complete or not at all) instead of standard output", "FILE" },
		{ "pcap-dir", 0, 0, G_OPTION_ARG_FILENAME, &pcap_dir, "Write captures into DIR", "DIR" },
		{ "capture", 0, 0, G_OPTION_ARG_STRING, &capture,
		  "Capture points: all, none, or node names, globs allowed (client-*,nat-a); "
		  "overrides [scenario] capture (default all)",
		  "POINTS" },
		{ "snaplen", 0, 0, G_OPTION_ARG_STRING, &snaplen,
		  "Bytes kept of each captured packet, 0 (whole packets) to 65535; "
		  "overrides [scenario] snaplen (default whole packets)",
		  "N" },
		{ "fingerprint", 0, 0, G_OPTION_ARG_NONE, &fingerprint,
		  "Add the trajectory fingerprint (a hash over every event's time and every delivered "
		  "packet's node and headers) to the report",
		  NULL },
		{ "max-memory", 0, 0, G_OPTION_ARG_STRING, &max_memory,
		  "Refuse a run estimated to need more memory (default: the memory available)", "SIZE" },
		{ "max-events", 0, 0, G_OPTION_ARG_STRING, &max_events,
		  "Refuse a run estimated to execute more events (default: no limit)", "N" },
		{ NULL },
	};
	int rc = CLI_USAGE;
	scenario *sc = NULL;
	world *w = NULL;
	report *rep = NULL;
	GPtrArray *ovr = g_ptr_array_new_with_free_func(g_free);
	if (!cli_parse(&argc, &argv, "vpcsim run SCENARIO",
	               "Runs a scenario and reports per workload: requests, latency percentiles, the\n"
	               "constructs a request crosses, bytes, drops, and cost per component and charge\n"
	               "type for the run and projected to a 730-hour month.",
	               "Example:\n  vpcsim run scenarios/vpc-peering.ini --set workload:web.rate=200/s --format json\n"
	               "Press Ctrl-C to stop early: the report is marked partial and captures stay valid.",
	               entries))
		goto out;
	if (argc != 2) {
		cli_error("run takes exactly one scenario file (got %d); see 'vpcsim run --help'", argc - 1);
		goto out;
	}
	report_format fmt = REPORT_TEXT;
	if (format_s && !report_format_parse(format_s, &fmt)) {
		cli_error("--format '%s': expected text, csv, json or md", format_s);
		goto out;
	}
	if (!cli_check_run_options(seed, duration, snaplen) || !cli_check_sets(sets))
		goto out;
	estimate_limits lim;
	if (!cli_limits(max_memory, max_events, &lim))
		goto out;
	/* --capture and --snaplen go through the scenario's own keys, so the
	 * loader checks them (a capture point must name a node of this
	 * scenario) and reports them like any other value. */
	if (capture)
		g_ptr_array_add(ovr, g_strdup_printf("scenario.capture=%s", capture));
	if (snaplen)
		g_ptr_array_add(ovr, snaplen_override(snaplen));
	if (seed)
		g_ptr_array_add(ovr, g_strdup_printf("scenario.seed=%s", seed));
	if (duration)
		g_ptr_array_add(ovr, g_strdup_printf("scenario.duration=%s", duration));
	for (char **s = sets; s && *s; s++)
		g_ptr_array_add(ovr, g_strdup(*s));
	g_ptr_array_add(ovr, NULL);

	rc = CLI_FAIL;
	/* Before world_new() opens the captures: from then on a signal must
	 * find a handler, or their temporary files would stay behind. */
	interrupt_install();
	GError *err = NULL;
	sc = scenario_load(argv[1], (const char *const *)ovr->pdata, &err);
	if (!sc) {
		fprintf(stderr, "%s\n", err->message);
		g_error_free(err);
		goto out;
	}
	/* The guard: refuse before building what would not fit. */
	estimate est;
	estimate_run(sc, NULL, pcap_dir != NULL, NULL, &est);
	gboolean fits = estimate_check(&est, sc, &lim, 0, &err);
	estimate_clear(&est);
	if (!fits) {
		fprintf(stderr, "%s\n", err->message);
		g_error_free(err);
		goto out;
	}
	world_options wo = { .pcap_dir = pcap_dir, .fingerprint = fingerprint };
	w = world_new(sc, &wo, &err);
	if (!w) {
		cli_error("%s", err->message);
		g_error_free(err);
		goto out;
	}
	gint64 t0 = g_get_monotonic_time();
	gboolean complete = world_run(w, &interrupt_flag, cli_stderr_is_tty() ? progress : NULL, NULL);
	double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
	if (wall > 1 && cli_stderr_is_tty())
		fputc('\n', stderr);
	double simulated = (double)sim_now(world_net(w)->sim) / 1e9;
	if (world_net(w)->capture_failed) {
		/* A failed run publishes no capture (world_free removes them). */
		cli_error("%s; the run stopped at %.3f s of simulated time and keeps no capture",
		          net_capture_error(world_net(w))->message, simulated);
		goto out;
	}
	if (!complete)
		cli_error("interrupted by %s: the report covers %.3f s of simulated time and is marked "
		          "partial", interrupt_name(), simulated);
	rep = world_report(w, !complete, wall, &err);
	if (!rep) {
		cli_error("%s", err->message);
		g_error_free(err);
		goto out;
	}
	if (!outfile_write_report(out_path, rep, fmt, &err)) {
		cli_error("%s", err->message);
		g_error_free(err);
		goto out;
	}
	rc = !complete ? CLI_FAIL : report_all_carried(rep) ? CLI_OK : CLI_NOT_CARRIED;
out:
	report_free(rep);
	world_free(w);
	scenario_free(sc);
	g_ptr_array_unref(ovr);
	g_strfreev(sets);
	g_free(format_s);
	g_free(pcap_dir);
	g_free(capture);
	g_free(out_path);
	g_free(duration);
	g_free(seed);
	g_free(snaplen);
	g_free(max_memory);
	g_free(max_events);
	return rc;
}
