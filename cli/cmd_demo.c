/* \summary: `vpcsim demo`: a small chain with captures, the first thing to run */
#include <stdio.h>

#include "chain.h"
#include "cli.h"
#include "drops.h"
#include "interrupt.h"
#include "units.h"

/*
 * Until the AWS constructs exist this is the main job: a client sends
 * Poisson UDP traffic through two routers to a server over 1 Gbps links with
 * 20 us of propagation delay, and every port is captured into the pcap
 * directory so the result opens in Wireshark.
 */

static void print_ms(const char *label, int64_t ns)
{
	printf("  %-8s %10.3f ms\n", label, (double)ns / 1e6);
}

int cmd_demo(int argc, char **argv)
{
	char *pcap_dir = NULL;
	gint64 seed = 1, packets = 1000;
	GOptionEntry entries[] = {
		{ "pcap-dir", 0, 0, G_OPTION_ARG_FILENAME, &pcap_dir,
		  "Where to write the captures (default pcaps)", "DIR" },
		{ "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 1)", "N" },
		{ "packets", 0, 0, G_OPTION_ARG_INT64, &packets, "Datagrams to send (default 1000)",
		  "N" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "vpcsim demo",
	               "Sends Poisson UDP traffic from a client through two routers to a server\n"
	               "and writes a capture of every port (demo-NODE-pPORT.pcap).",
	               NULL, entries))
		return CLI_USAGE;
	if (argc > 1) {
		cli_error("demo takes no arguments");
		g_free(pcap_dir);
		return CLI_USAGE;
	}
	if (!cli_in_range("seed", seed, 0, G_MAXINT64) ||
	    !cli_in_range("packets", packets, 1, CLI_MAX_COUNT)) {
		g_free(pcap_dir);
		return CLI_USAGE;
	}
	const char *dir = pcap_dir ? pcap_dir : "pcaps";
	interrupt_install(); /* before the captures open (see cmd_run.c) */
	net *nt = net_new((uint64_t)seed);
	udp_source_config traffic = { .count = (uint64_t)packets };
	GError *err = NULL;
	gboolean ok = dist_parse("exp(mean=20us)", UNIT_TIME, &traffic.interval, &err) &&
	              dist_parse("uniform(min=64B, max=1400B)", UNIT_SIZE, &traffic.size, &err);
	g_assert_no_error(err);
	chain c;
	chain_build(&c, nt, 2, 20 * SIM_US, UINT64_C(1000000000), 256 * 1024, &traffic);
	dist_clear(&traffic.interval);
	dist_clear(&traffic.size);
	for (guint i = 0; ok && i < nt->nodes->len; i++) {
		node *n = g_ptr_array_index(nt->nodes, i);
		for (guint j = 0; ok && j < n->ports->len; j++) {
			char *name = g_strdup_printf("demo-%s-p%u", n->name, j);
			ok = net_capture(nt, node_port(n, j), dir, name, 0, &err);
			g_free(name);
		}
	}
	int rc = CLI_OK;
	gboolean complete = TRUE;
	if (ok) {
		complete = net_run(nt, &interrupt_flag);
		if (nt->capture_failed) {
			/* A failed run publishes no capture. */
			err = g_error_copy(net_capture_error(nt));
			net_abort_captures(nt);
			ok = FALSE;
		} else {
			ok = net_close_captures(nt, &err);
		}
	}
	if (!ok) {
		cli_error("%s", err->message);
		g_error_free(err);
		rc = CLI_FAIL;
	} else {
		if (!complete) {
			cli_error("interrupted by %s at %.3f ms of simulated time: the figures are partial",
			          interrupt_name(), (double)sim_now(nt->sim) / 1e6);
			printf("PARTIAL: interrupted at %.3f ms of simulated time\n", (double)sim_now(nt->sim) / 1e6);
			rc = CLI_FAIL;
		}
		const hdr_hist *h = udp_sink_latency(c.dst);
		printf("demo: client -> r1 -> r2 -> server, 1 Gbps links, 20 us delay, seed %" G_GINT64_FORMAT
		       "\n",
		       seed);
		printf("  sent %" G_GUINT64_FORMAT ", delivered %" G_GUINT64_FORMAT
		       ", dropped (queue full) %" G_GUINT64_FORMAT "\n",
		       (guint64)udp_source_sent(c.src), (guint64)udp_sink_received(c.dst),
		       (guint64)net_drops(nt, DROP_QUEUE));
		printf("one-way latency:\n");
		printf("  %-8s %10.3f ms\n", "mean", hdr_mean(h) / 1e6);
		print_ms("p50", hdr_quantile(h, 0.5));
		print_ms("p90", hdr_quantile(h, 0.9));
		print_ms("p99", hdr_quantile(h, 0.99));
		print_ms("p99.9", hdr_quantile(h, 0.999));
		print_ms("max", hdr_max(h));
		printf("captures in %s/: demo-client-p0.pcap ... demo-server-p0.pcap (%u files)\n", dir,
		       2 * 2 + 2);
	}
	chain_clear(&c);
	net_free(nt);
	g_free(pcap_dir);
	return rc;
}
