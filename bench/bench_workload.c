/* \summary: `bench workload`: a bundled scenario at K times its clients, events per packet-hop and rates */
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "bench.h"
#include "build.h"
#include "cli.h"

/*
 * Loads a scenario with its `[vars] clients` multiplied by K (the bundled
 * ALB and S3 scenarios count their clients with it; each client keeps its
 * rate, so the offered load grows K times), runs it without captures (or,
 * with --pcap-dir, at the scenario's capture points or --capture's, at
 * --snaplen, to compare the two)
 * and prints one line: events, packet-hops (packets a link accepted: one
 * packet crossing one link), events per packet-hop, events/s and
 * packet-hops/s of the run alone, the peak resident memory and the bytes
 * captured.  Events
 * per packet-hop is the figure the engine's design aims at: a packet
 * crossing a link is one event, so everything above 1.0 is timers, HTTP
 * and constructs that schedule events of their own.
 */

static double since(gint64 t0) { return (double)(g_get_monotonic_time() - t0) / 1e6; }

/* The scenario's [vars] clients, or 0 if it has none. */
static guint64 vars_clients(const char *path, GError **error)
{
	GKeyFile *kf = g_key_file_new();
	guint64 n = 0;
	if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error)) {
		char *v = g_key_file_get_value(kf, "vars", "clients", NULL);
		if (!v || !g_ascii_string_to_unsigned(v, 10, 1, G_MAXUINT32, &n, NULL))
			n = 0;
		g_free(v);
	}
	g_key_file_free(kf);
	return n;
}

static char *scenario_path(const char *name)
{
	if (strchr(name, '/') || g_str_has_suffix(name, ".ini"))
		return g_strdup(name);
	char *base = g_strconcat(name, ".ini", NULL);
	char *path = g_build_filename(VPCSIM_SOURCE_DIR, "scenarios", base, NULL);
	g_free(base);
	return path;
}

int bench_workload_main(int argc, char **argv)
{
	gint64 scale = 100, snaplen = 128;
	char *duration = NULL, *pcap_dir = NULL, *capture = NULL;
	char **user_sets = NULL;
	GOptionEntry entries[] = {
		{ "scale", 'k', 0, G_OPTION_ARG_INT64, &scale,
		  "Multiply [vars] clients by K (default 100)", "K" },
		{ "duration", 0, 0, G_OPTION_ARG_STRING, &duration,
		  "Sending time (default: the scenario's)", "T" },
		{ "pcap-dir", 0, 0, G_OPTION_ARG_FILENAME, &pcap_dir,
		  "Capture into DIR at the scenario's capture points (default: no captures)", "DIR" },
		{ "capture", 0, 0, G_OPTION_ARG_STRING, &capture,
		  "With --pcap-dir: capture these points instead ('all' for every port)", "POINTS" },
		{ "snaplen", 0, 0, G_OPTION_ARG_INT64, &snaplen,
		  "Bytes kept of each captured packet with --pcap-dir, 0 for whole packets (default 128)",
		  "N" },
		{ "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &user_sets,
		  "Override a key, as vpcsim run --set (repeatable)", "G.K=V" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "vpcsim bench workload SCENARIO",
	               "Runs a scenario (a bundled name such as alb-privatelink, or a path) with K\n"
	               "times its clients, without captures unless --pcap-dir is given (then at its\n"
	               "capture points or --capture's, at --snaplen), and prints one line:\n"
	               "  workload scenario=S scale=K clients=N requests=R events=E packet_hops=H\n"
	               "  events_per_packet_hop=X run_s=W events_per_s=Y packet_hops_per_s=Z "
	               "peak_rss_kb=M pcap_bytes=B queue_peak=Q timers_peak=T",
	               NULL, entries))
		return CLI_USAGE;
	if (argc != 2) {
		cli_error("bench workload: expected one scenario (e.g. alb-privatelink)");
		g_strfreev(user_sets);
		g_free(duration);
		g_free(pcap_dir);
		g_free(capture);
		return CLI_USAGE;
	}
	if (!cli_in_range("scale", scale, 1, 100000) || !cli_in_range("snaplen", snaplen, 0, 65535) ||
	    !cli_check_sets(user_sets)) {
		g_strfreev(user_sets);
		g_free(duration);
		g_free(pcap_dir);
		g_free(capture);
		return CLI_USAGE;
	}
	char *path = scenario_path(argv[1]);
	GError *err = NULL;
	scenario *sc = NULL;
	world *w = NULL;
	report *r = NULL;
	int rc = CLI_FAIL;
	GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
	guint64 clients = vars_clients(path, &err);
	if (err)
		goto out;
	if (clients == 0) {
		cli_error("%s: no [vars] clients to scale; expected a scenario that counts its clients "
		          "with it, as the bundled alb-* and s3-* ones do",
		          path);
		rc = CLI_USAGE;
		goto out;
	}
	g_ptr_array_add(sets, g_strdup_printf("vars.clients=%" G_GUINT64_FORMAT, clients * (guint64)scale));
	if (pcap_dir) {
		if (capture)
			g_ptr_array_add(sets, g_strdup_printf("scenario.capture=%s", capture));
		g_ptr_array_add(sets, g_strdup_printf("scenario.snaplen=%" G_GINT64_FORMAT "B", snaplen));
	} else {
		g_ptr_array_add(sets, g_strdup("scenario.capture=none"));
	}
	if (duration)
		g_ptr_array_add(sets, g_strdup_printf("scenario.duration=%s", duration));
	for (char **u = user_sets; u && *u; u++)
		g_ptr_array_add(sets, g_strdup(*u));
	g_ptr_array_add(sets, NULL);
	sc = scenario_load(path, (const char *const *)sets->pdata, &err);
	if (!sc)
		goto out;
	world_options wo = { .pcap_dir = pcap_dir };
	w = world_new(sc, &wo, &err);
	if (!w)
		goto out;
	gint64 t0 = g_get_monotonic_time();
	world_run(w, NULL, NULL, NULL);
	double run_s = since(t0);
	uint64_t pcap_bytes = net_capture_bytes(world_net(w));
	r = world_report(w, FALSE, run_s, &err);
	if (!r)
		goto out;
	const net *nt = world_net(w);
	uint64_t hops = 0;
	for (guint i = 0; i < nt->links->len; i++) {
		const link *l = g_ptr_array_index(nt->links, i);
		hops += l->dir[0].pkts + l->dir[1].pkts;
	}
	uint64_t sent = 0;
	for (guint i = 0; i < r->workloads->len; i++)
		sent += g_array_index(r->workloads, report_workload, i).sent;
	uint64_t events = sim_events_run(nt->sim);
	printf("workload scenario=%s scale=%" G_GINT64_FORMAT " clients=%" G_GUINT64_FORMAT
	       " requests=%" G_GUINT64_FORMAT " events=%" G_GUINT64_FORMAT " packet_hops=%" G_GUINT64_FORMAT
	       " events_per_packet_hop=%.3f run_s=%.3f events_per_s=%.0f packet_hops_per_s=%.0f "
	       "peak_rss_kb=%ld pcap_bytes=%" G_GUINT64_FORMAT " queue_peak=%" G_GUINT64_FORMAT
	       " timers_peak=%" G_GUINT64_FORMAT "\n",
	       sc->name, scale, clients * (guint64)scale, (guint64)sent, (guint64)events, (guint64)hops,
	       hops ? (double)events / (double)hops : 0, run_s, (double)events / run_s,
	       (double)hops / run_s, cli_peak_rss_kb(), (guint64)pcap_bytes,
	       (guint64)sim_queue_peak(nt->sim), (guint64)sim_timers_peak(nt->sim));
	rc = CLI_OK;
out:
	if (err) {
		cli_error("%s", err->message);
		g_error_free(err);
	}
	report_free(r);
	world_free(w);
	scenario_free(sc);
	g_ptr_array_unref(sets);
	g_strfreev(user_sets);
	g_free(path);
	g_free(duration);
	g_free(pcap_dir);
	g_free(capture);
	return rc;
}
