/* \summary: the point-to-point chain benchmark, comparable with ns-3's */
#include <stdio.h>

#include "bench.h"
#include "chain.h"
#include "cli.h"
#include "interrupt.h"
#include "error.h"
#include "units.h"

/*
 * H routers in a line joined by 10 Gbps links with 50 us delay; the client
 * sends N UDP datagrams with a 1000-byte payload at a fixed interval (1 us by
 * default, below the 10 Gbps line rate of ~0.83 us per frame, so queues stay
 * empty).  A packet-hop is one packet crossing one link, so a delivered
 * packet makes H + 1 of them.  With --pcap-dir every port of every node
 * captures, so each packet-hop is written twice (sent and received).
 */

int bench_chain_main(int argc, char **argv)
{
	gint hops = 10;
	gint64 packets = 1000000;
	char *pcap_dir = NULL, *interval_s = NULL, *delay_s = NULL;
	gint64 seed = 1;
	GOptionEntry entries[] = {
		{ "hops", 0, 0, G_OPTION_ARG_INT, &hops, "Routers in the chain (default 10)", "H" },
		{ "packets", 0, 0, G_OPTION_ARG_INT64, &packets, "Datagrams to send (default 1000000)",
		  "N" },
		{ "interval", 0, 0, G_OPTION_ARG_STRING, &interval_s,
		  "Time between datagrams (default 1us)", "T" },
		{ "delay", 0, 0, G_OPTION_ARG_STRING, &delay_s, "Link propagation delay (default 50us)",
		  "T" },
		{ "pcap-dir", 0, 0, G_OPTION_ARG_FILENAME, &pcap_dir,
		  "Capture every port into DIR (default: no captures)", "DIR" },
		{ "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 1)", "S" },
		{ NULL },
	};
	int rc = CLI_USAGE;
	if (!cli_parse(&argc, &argv, "vpcsim bench chain",
	               "Pushes UDP datagrams through a chain of routers and prints one line:\n"
	               "  chain hops=H packets=N delivered=D events=E wall_s=W packet_hops_per_s=X "
	               "pcap_bytes=B peak_rss_kb=R",
	               NULL, entries))
		goto out;
	sim_time interval = SIM_US, delay = 50 * SIM_US;
	if (argc > 1) {
		cli_error("bench chain takes no arguments");
		goto out;
	}
	if (!cli_in_range("hops", hops, 0, 1000) || !cli_in_range("packets", packets, 1, CLI_MAX_COUNT) ||
	    !cli_in_range("seed", seed, 0, G_MAXINT64))
		goto out;
	if ((interval_s && !cli_time("interval", interval_s, 1, (sim_time)units_max(UNIT_TIME), &interval)) ||
	    (delay_s && !cli_time("delay", delay_s, 0, (sim_time)units_max(UNIT_TIME), &delay)))
		goto out;

	net *nt = net_new((uint64_t)seed);
	udp_source_config traffic = { .count = (uint64_t)packets };
	dist_set_const(&traffic.interval, UNIT_TIME, (double)interval);
	dist_set_const(&traffic.size, UNIT_SIZE, 1000);
	chain c;
	chain_build(&c, nt, (guint)hops, delay, UINT64_C(10000000000), 0, &traffic);
	dist_clear(&traffic.interval);
	dist_clear(&traffic.size);
	rc = CLI_OK;
	interrupt_install(); /* before the captures open (see cmd_run.c) */
	if (pcap_dir) {
		for (guint i = 0; i < nt->nodes->len && rc == CLI_OK; i++) {
			node *n = g_ptr_array_index(nt->nodes, i);
			for (guint j = 0; j < n->ports->len; j++) {
				char *name = g_strdup_printf("chain-%s-p%u", n->name, j);
				GError *err = NULL;
				gboolean ok = net_capture(nt, node_port(n, j), pcap_dir, name, 0, &err);
				g_free(name);
				if (!ok) {
					cli_error("%s", err->message);
					g_error_free(err);
					rc = CLI_FAIL;
					break;
				}
			}
		}
	}
	if (rc == CLI_OK) {
		gint64 t0 = g_get_monotonic_time();
		gboolean complete = net_run(nt, &interrupt_flag);
		double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
		uint64_t pcap_bytes = net_capture_bytes(nt);
		GError *err = NULL;
		if (nt->capture_failed) {
			cli_error("%s; no capture is kept", net_capture_error(nt)->message);
			net_abort_captures(nt);
			rc = CLI_FAIL;
		} else if (!net_close_captures(nt, &err)) {
			cli_error("%s", err->message);
			g_error_free(err);
			rc = CLI_FAIL;
		} else if (!complete) {
			cli_error("interrupted by %s: the figures are partial", interrupt_name());
			rc = CLI_FAIL;
		}
		uint64_t hop_count = 0;
		for (guint i = 0; i < nt->links->len; i++) {
			link *l = g_ptr_array_index(nt->links, i);
			hop_count += l->dir[0].pkts + l->dir[1].pkts;
		}
		printf("chain hops=%d packets=%" G_GINT64_FORMAT " delivered=%" G_GUINT64_FORMAT
		       " events=%" G_GUINT64_FORMAT " wall_s=%.3f packet_hops_per_s=%.0f"
		       " pcap_bytes=%" G_GUINT64_FORMAT " peak_rss_kb=%ld%s\n",
		       hops, packets, (guint64)udp_sink_received(c.dst), (guint64)sim_events_run(nt->sim),
		       wall, (double)hop_count / wall, (guint64)pcap_bytes, cli_peak_rss_kb(),
		       complete ? "" : " partial=1");
	}
	chain_clear(&c);
	net_free(nt);
out:
	g_free(pcap_dir);
	g_free(interval_s);
	g_free(delay_s);
	return rc;
}
