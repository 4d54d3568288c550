/* \summary: the bulk-transfer benchmark: one TCP connection through a bottleneck, throughput and recovery */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "host.h"
#include "link.h"
#include "router.h"
#include "units.h"

/*
 * One connection sends --bytes from a client to a server through a
 * router: client -> router at ten times the bottleneck's rate (an
 * unbounded host queue, as Linux's socket holds what the NIC cannot take),
 * router -> server at --rate with a tail-drop queue of --queue bytes, the
 * propagation of --rtt split over the four one-way crossings.  MTU 1500.
 * The same path as bench/ns3_bulk.cc builds in ns-3.  Prints one line:
 *
 *   tcp bytes=B rate_bps=R rtt_ns=T queue=Q cc=C sack=S time_ns=N mbps=M
 *   retransmits=X fast_recoveries=F timeouts=O drops=D
 *
 * where time_ns runs from the SYN to the last byte's arrival at the
 * server, and mbps is bytes * 8 over it.
 */

#define CLI_IP 0x0A000105u /* 10.0.1.5 */
#define SRV_IP 0x0A00020Au /* 10.0.2.10 */

typedef struct {
	net *nt;
	uint64_t got;
	sim_time t_last;
} sink;

static void sink_data(tcp_conn *c, const pkt_msg *msg, uint64_t off, uint32_t len, void *ud)
{
	(void)c;
	(void)msg;
	(void)off;
	sink *s = ud;
	s->got += len;
	s->t_last = net_now(s->nt);
}

static void sink_eof(tcp_conn *c, void *ud)
{
	(void)ud;
	tcp_close(c);
}

int bench_tcp_main(int argc, char **argv)
{
	char *bytes_s = NULL, *rate_s = NULL, *rtt_s = NULL, *queue_s = NULL, *cc_s = NULL;
	gboolean no_sack = FALSE;
	GOptionEntry entries[] = {
		{ "bytes", 0, 0, G_OPTION_ARG_STRING, &bytes_s, "Bytes to send (default 1GB)", "SIZE" },
		{ "rate", 0, 0, G_OPTION_ARG_STRING, &rate_s, "Bottleneck rate (default 1Gbps)", "BPS" },
		{ "rtt", 0, 0, G_OPTION_ARG_STRING, &rtt_s, "Round-trip propagation (default 2ms)", "TIME" },
		{ "queue", 0, 0, G_OPTION_ARG_STRING, &queue_s, "Bottleneck queue (default 64KiB)", "SIZE" },
		{ "cc", 0, 0, G_OPTION_ARG_STRING, &cc_s, "cubic (default) or newreno", "NAME" },
		{ "no-sack", 0, 0, G_OPTION_ARG_NONE, &no_sack, "Turn SACK off on both sides", NULL },
		{ NULL },
	};
	int rc = CLI_USAGE;
	if (!cli_parse(&argc, &argv, "vpcsim bench tcp",
	               "Sends one bulk transfer through a bottleneck and prints one line:\n"
	               "  tcp bytes=B rate_bps=R rtt_ns=T queue=Q cc=C sack=S time_ns=N mbps=M "
	               "retransmits=X fast_recoveries=F timeouts=O drops=D",
	               NULL, entries))
		goto out;
	if (argc > 1) {
		cli_error("bench tcp takes no arguments");
		goto out;
	}
	double bytes = 1e9, rate = 1e9, queue = 65536;
	sim_time rtt = 2 * SIM_MS;
	GError *e = NULL;
	const char *bad = NULL, *val = NULL;
	if (bytes_s && !units_parse(bytes_s, UNIT_SIZE, &bytes, &e))
		bad = "--bytes", val = bytes_s;
	else if (rate_s && !units_parse(rate_s, UNIT_BITRATE, &rate, &e))
		bad = "--rate", val = rate_s;
	else if (queue_s && !units_parse(queue_s, UNIT_SIZE, &queue, &e))
		bad = "--queue", val = queue_s;
	else if (rtt_s && !units_parse_time(rtt_s, &rtt, &e))
		bad = "--rtt", val = rtt_s;
	if (bad) {
		cli_error("%s '%s': %s", bad, val, e->message);
		g_error_free(e);
		goto out;
	}
	if (bytes < 1 || bytes > 1e12 || bytes != (double)(uint64_t)bytes) {
		cli_error("--bytes '%s': expected a whole number of bytes from 1B to 1TB", bytes_s);
		goto out;
	}
	if (rate < 1e3 || rate > 1e12) {
		cli_error("--rate '%s': expected a bit rate from 1kbps to 1Tbps", rate_s);
		goto out;
	}
	if (rtt < 0 || rtt > 60 * SIM_S) {
		cli_error("--rtt '%s': expected a time from 0 to 60s", rtt_s);
		goto out;
	}
	tcp_config tc;
	tcp_config_default(&tc);
	if (cc_s && strcmp(cc_s, "newreno") == 0) {
		tc.cc = TCP_CC_NEWRENO;
	} else if (cc_s && strcmp(cc_s, "cubic") != 0) {
		cli_error("--cc '%s': expected cubic or newreno", cc_s);
		goto out;
	}
	tc.sack = !no_sack;

	net *nt = net_new(1);
	host_config hc = { .ip = CLI_IP, .mtu = 1500, .tcp = &tc };
	host *cli = host_new(nt, "client", &hc);
	hc.ip = SRV_IP;
	host *srv = host_new(nt, "server", &hc);
	router *r = router_new(nt, "r");
	port *w = node_add_port(router_node(r)), *east = node_add_port(router_node(r));
	sim_time d = rtt / 4;
	link_new(nt, node_port(host_node(cli), 0), w, d, (uint64_t)rate * 10, 0);
	link *bottleneck = link_new(nt, east, node_port(host_node(srv), 0), d, (uint64_t)rate,
	                            (uint64_t)queue);
	/* The server's own direction (its ACKs) is a host queue: unbounded. */
	link_set_queue(bottleneck, node_port(host_node(srv), 0), 0);
	router_add_route(r, CLI_IP & 0xFFFFFF00u, 24, w);
	router_add_route(r, SRV_IP & 0xFFFFFF00u, 24, east);

	sink s = { .nt = nt };
	static const tcp_callbacks srv_cb = { .on_data = sink_data, .on_eof = sink_eof };
	static const tcp_callbacks cli_cb = { 0 };
	tcp_listen(host_tcp(srv), 0, 9000, 0, &srv_cb, &s);
	tcp_conn *c = tcp_connect(host_tcp(cli), CLI_IP, 0, SRV_IP, 9000, 0, &cli_cb, NULL);
	pkt_msg *m = pkt_msg_new(NULL, (uint64_t)bytes, 1);
	tcp_write(c, m, 0, (uint64_t)bytes);
	tcp_close(c);
	pkt_msg_unref(m);
	sim_run(nt->sim);

	const tcp_stack_stats *cs = tcp_stack_get_stats(host_tcp(cli));
	double secs = (double)s.t_last / SIM_S;
	printf("tcp bytes=%.0f rate_bps=%.0f rtt_ns=%" G_GINT64_FORMAT " queue=%.0f cc=%s sack=%s "
	       "time_ns=%" G_GINT64_FORMAT " mbps=%.1f retransmits=%" G_GUINT64_FORMAT
	       " fast_recoveries=%" G_GUINT64_FORMAT " timeouts=%" G_GUINT64_FORMAT
	       " drops=%" G_GUINT64_FORMAT "\n",
	       bytes, rate, (gint64)rtt, queue, tc.cc == TCP_CC_NEWRENO ? "newreno" : "cubic",
	       tc.sack ? "on" : "off", (gint64)s.t_last, secs > 0 ? (double)s.got * 8 / secs / 1e6 : 0,
	       cs->retransmits, cs->fast_retransmits, cs->timeouts, bottleneck->dir[0].drops);
	rc = s.got == (uint64_t)bytes ? CLI_OK : CLI_FAIL;
	net_free(nt);
out:
	g_free(bytes_s);
	g_free(rate_s);
	g_free(rtt_s);
	g_free(queue_s);
	g_free(cc_s);
	return rc;
}
