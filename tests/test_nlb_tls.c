/* \summary: NLB TLS listeners: exact delays, the wire on both sides, NLCU TLS charges by hand, PrivateLink, bad keys */
#include "lbnet.h"
#include "pcap_check.h"

#include <stdlib.h>

/*
 * One VPC, 10.0.0.0/16: subnet a (10.0.1.0/24, use1-az1) and b
 * (10.0.2.0/24, use1-az2).  The NLB "nlb" has a node in each (10.0.1.100,
 * 10.0.2.100), cross-zone on, and one listener, TLS 443 or TCP 443,
 * forwarding to target group "tg": srv-1 (10.0.2.21, in the other AZ than
 * the client), port 8080 (protocol tcp: plain HTTP) or 8443 (tls: HTTPS).
 * client-1 (10.0.1.10) connects to the node in its AZ by address, so its
 * ClientHello has no server_name (the scenario test below checks SNI).
 */
typedef struct {
	lbnet ln;
	int lb, tg;
	http_server *srv;
	host_workload *wl;
} tworld;

enum { LISTEN_TCP, LISTEN_TLS, LISTEN_TLS_TO_TLS };

static void tworld_init(tworld *w, int mode, sim_time delays)
{
	lbnet *ln = &w->ln;
	ln_init(ln);
	if (delays)
		profile_set_all_delays(scenario_own_profile(ln->sc), delays);
	int v = ln_vpc(ln, "vpc", "10.0.0.0/16");
	int sa = ln_subnet(ln, v, "a", "10.0.1.0/24", 0);
	int sb = ln_subnet(ln, v, "b", "10.0.2.0/24", 1);
	ln_instance(ln, "client-1", sa, "10.0.1.10");
	int t = ln_instance(ln, "srv-1", sb, "10.0.2.21");
	w->tg = ln_tg(ln, "tg", SC_TG_INSTANCE, v, mode == LISTEN_TLS_TO_TLS ? 8443 : 8080, &t, 1);
	SC_AT(ln->sc->target_groups, sc_target_group, w->tg)->tls = mode == LISTEN_TLS_TO_TLS;
	const int subnets[] = { sa, sb };
	const char *const ips[] = { "10.0.1.100", "10.0.2.100" };
	w->lb = ln_lb(ln, "nlb", SC_LB_NETWORK, v, subnets, ips, 2);
	ln_lb_at(ln, w->lb)->cross_zone = TRUE;
	ln_listener(ln, w->lb, SC_PROTO_TCP, 443, w->tg);
	SC_AT(ln_lb_at(ln, w->lb)->listeners, sc_listener, 0)->tls = mode != LISTEN_TCP;
}

static host *tclient(tworld *w) { return w->ln.hosts[0]; }
static host *tserver(tworld *w) { return w->ln.hosts[1]; }

/* Builds, serves (HTTPS for a tls target group) and starts `count` GETs
 * from client-1 to the node in its AZ, TLS unless the listener is tcp. */
static void tworld_start(tworld *w, int mode, uint64_t count, sim_time every, gboolean keepalive,
                         uint64_t body, sim_time think)
{
	lbnet *ln = &w->ln;
	ln_build(ln);
	ln_finish(ln);
	host_http_server_config hc = { .port = mode == LISTEN_TLS_TO_TLS ? 8443 : 8080 };
	dist_set_const(&hc.response_size, UNIT_SIZE, (double)body);
	dist_set_const(&hc.think, UNIT_TIME, (double)think);
	if (mode == LISTEN_TLS_TO_TLS) {
		hc.tls = TRUE;
		hc.cert_bytes = (uint32_t)ln->sc->profile->tls.certificate_bytes;
		hc.cert_count = ln->sc->profile->tls.certificate_count;
	}
	GError *err = NULL;
	w->srv = host_serve_http(tserver(w), &hc, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w->srv);
	dist_clear(&hc.response_size);
	dist_clear(&hc.think);
	if (count == 0)
		return; /* the test brings its own clients */
	host_target t = { ln_ip("10.0.1.100"), 443, NULL };
	host_workload_config wc = { .name = "get", .targets = &t, .n_targets = 1, .count = count,
		                    .keepalive = keepalive, .tls = mode != LISTEN_TCP };
	dist_set_const(&wc.interval, UNIT_TIME, (double)every);
	w->wl = host_add_workload(tclient(w), &wc);
	dist_clear(&wc.interval);
}

/* ---- exact delays ---- */

/*
 * Every delay X, think time T.  One way, client -> NLB node: VPC router
 * (processing X + propagation X) = 2X; NLB node -> target: the node's
 * processing X, then the router's 2X = 3X; back the same.  Through a tcp
 * listener the client's handshake runs end to end (5X each way): a new
 * connection's request takes 4 x 5X + T = 20X + T.
 *
 * Through a TLS listener, on a new connection: SYN and SYN-ACK with the
 * node (2X + 3X), ClientHello and the node's flight (5X), the client's
 * Finished with the request reaching the node (2X): 12X; the node's SYN to
 * the target and its SYN-ACK (3X + 2X), the request (3X): 20X; the target
 * thinks T; the response to the node (2X) and on to the client (3X): 25X
 * + T, one client-node round trip (5X) more than a tcp listener.  With a
 * tls target group the node's own handshake adds one node-target round
 * trip (5X): 30X + T.  On a kept-alive connection a request takes 10X + T
 * either way.
 */
static void run_delays(int mode, gboolean keepalive, int64_t *lo, int64_t *hi)
{
	const sim_time X = 100 * SIM_US, T = SIM_MS;
	tworld w;
	tworld_init(&w, mode, X);
	tworld_start(&w, mode, 5, 10 * SIM_MS, keepalive, 100, T);
	sim_run(w.ln.nt->sim);
	ln_check_completed(w.wl, 5);
	const hdr_hist *lat = host_workload_get_result(w.wl)->latency;
	*lo = hdr_min(lat);
	*hi = hdr_max(lat);
	printf("\n    mode %d keepalive %d: min %" G_GINT64_FORMAT " max %" G_GINT64_FORMAT, mode, keepalive,
	       *lo, *hi);
	ln_free(&w.ln);
}

static void test_exact_delays(void)
{
	const int64_t X = 100 * SIM_US, T = SIM_MS;
	int64_t lo, hi;
	run_delays(LISTEN_TCP, FALSE, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 20 * X + T);
	CU_ASSERT_EQUAL(hi, 20 * X + T);
	run_delays(LISTEN_TLS, FALSE, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 25 * X + T);
	CU_ASSERT_EQUAL(hi, 25 * X + T);
	run_delays(LISTEN_TLS, TRUE, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 10 * X + T);
	CU_ASSERT_EQUAL(hi, 25 * X + T);
	run_delays(LISTEN_TLS_TO_TLS, FALSE, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 30 * X + T);
	CU_ASSERT_EQUAL(hi, 30 * X + T);
	run_delays(LISTEN_TLS_TO_TLS, TRUE, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 10 * X + T);
	CU_ASSERT_EQUAL(hi, 30 * X + T);
}

/* ---- the wire ---- */

static char *tshark_fields(const char *path, const char *filter, const char *const *fields)
{
	GPtrArray *a = g_ptr_array_new();
	const char *head[] = { "tshark", "-n", "-r", path, "-Y", filter, "-T", "fields" };
	for (size_t i = 0; i < G_N_ELEMENTS(head); i++)
		g_ptr_array_add(a, (gpointer)head[i]);
	for (const char *const *f = fields; *f; f++) {
		g_ptr_array_add(a, (gpointer) "-e");
		g_ptr_array_add(a, (gpointer)*f);
	}
	g_ptr_array_add(a, NULL);
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(harness_run((const char *const *)a->pdata, &out, &err), 0);
	g_ptr_array_unref(a);
	g_free(err);
	return out ? out : g_strdup("");
}

static guint count_lines(const char *s)
{
	guint n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/*
 * Two requests on one kept-alive connection through the TLS listener.  The
 * client's side is TLS as Wireshark reads it: one ClientHello without
 * server_name (an address), one ServerHello, the flight's records, the two
 * requests and responses in application-data records, no HTTP.  The
 * target's side is the node's own connection from the client's address:
 * plain HTTP (tcp target group), or TLS again (tls target group: a
 * ClientHello from the client's address without server_name, no HTTP).
 * pcap-lint finds every capture clean.
 */
static void run_wire(int mode)
{
	tworld w;
	tworld_init(&w, mode, 0);
	tworld_start(&w, mode, 2, 10 * SIM_MS, TRUE, 20000, 0);
	lbnet *ln = &w.ln;
	const char *cc = ln_capture(ln, node_port(ln->inst[0], 0), "client");
	const char *sc = ln_capture(ln, node_port(ln->inst[1], 0), "target");
	sim_run(ln->nt->sim);
	ln_close_captures(ln);
	ln_check_completed(w.wl, 2);
	const nlb_stats *st = nlb_get_stats(ln->lbs[w.lb]);
	CU_ASSERT_EQUAL(st->tls_connections, 1);
	CU_ASSERT_EQUAL(st->tls_refused, 0);
	CU_ASSERT_EQUAL(st->tcp_flows, 0); /* a TLS listener makes no flow */
	CU_ASSERT_EQUAL(st->preserved, 1);
	CU_ASSERT_EQUAL(http_server_get_stats(w.srv)->requests, 2);
	pcap_check_lint(cc);
	pcap_check_lint(sc);
	if (!pcap_check_have_tshark()) {
		ln_free(ln);
		return;
	}
	const char *hello[] = { "ip.src", "ip.dst", "tcp.dstport", "tls.handshake.extensions_server_name",
		                "tls.handshake.extensions.supported_version", NULL };
	char *out = tshark_fields(cc, "tls.handshake.type == 1", hello);
	CU_ASSERT_STRING_EQUAL(out, "10.0.1.10\t10.0.1.100\t443\t\t0x0304,0x0303\n");
	g_free(out);
	const char *sh[] = { "ip.src", "tls.handshake.extensions.supported_version", NULL };
	out = tshark_fields(cc, "tls.handshake.type == 2", sh);
	CU_ASSERT_STRING_EQUAL(out, "10.0.1.100\t0x0304\n");
	g_free(out);
	const char *none[] = { "ip.src", NULL };
	out = tshark_fields(cc, "http", none);
	CU_ASSERT_STRING_EQUAL(out, "");
	g_free(out);
	/* Application data both ways.  The node relays what arrives as it
	 * arrives: each of the target's segments (MSS 8949 on the VPC's 9001
	 * bytes) becomes a record of 8949 + 17 (two per 20 KB response, then
	 * the rest); from a tls target group, each of its records (16384 of
	 * plaintext) becomes one. */
	gboolean tls_tg = mode == LISTEN_TLS_TO_TLS;
	out = tshark_fields(cc, tls_tg ? "tls.record.opaque_type == 23 && ip.src == 10.0.1.100 && "
	                                 "tls.record.length == 16401"
	                               : "tls.record.opaque_type == 23 && ip.src == 10.0.1.100 && "
	                                 "tls.record.length == 8966",
	                    none);
	CU_ASSERT_EQUAL(count_lines(out), tls_tg ? 2 : 4);
	g_free(out);
	out = tshark_fields(cc, "tls.record.opaque_type == 23 && ip.src == 10.0.1.10", none);
	CU_ASSERT(count_lines(out) >= 3); /* Finished, two requests (close_notify too) */
	g_free(out);

	const char *req[] = { "ip.src", "ip.dst", "tcp.dstport", NULL };
	if (mode == LISTEN_TLS) {
		out = tshark_fields(sc, "http.request", req);
		CU_ASSERT_STRING_EQUAL(out, "10.0.1.10\t10.0.2.21\t8080\n10.0.1.10\t10.0.2.21\t8080\n");
		g_free(out);
		out = tshark_fields(sc, "tls", none);
		CU_ASSERT_STRING_EQUAL(out, "");
		g_free(out);
	} else {
		out = tshark_fields(sc, "tls.handshake.type == 1", hello);
		CU_ASSERT_STRING_EQUAL(out, "10.0.1.10\t10.0.2.21\t8443\t\t0x0304,0x0303\n");
		g_free(out);
		out = tshark_fields(sc, "http", none);
		CU_ASSERT_STRING_EQUAL(out, "");
		g_free(out);
	}
	/* The node's connection is its own: the client's SYN never reaches
	 * the target, whose SYN has other sequence numbers. */
	const char *syn[] = { "ip.src", "tcp.srcport", "tcp.seq_raw", NULL };
	char *a = tshark_fields(cc, "tcp.flags.syn == 1 && tcp.flags.ack == 0", syn);
	char *b = tshark_fields(sc, "tcp.flags.syn == 1 && tcp.flags.ack == 0", syn);
	CU_ASSERT_EQUAL(count_lines(a), 1);
	CU_ASSERT_EQUAL(count_lines(b), 1);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	CU_ASSERT(strncmp(a, b, strlen("10.0.1.10\t")) == 0); /* the client's address and port kept */
	char **fa = g_strsplit(a, "\t", -1), **fb = g_strsplit(b, "\t", -1);
	CU_ASSERT_STRING_EQUAL(fa[1], fb[1]);
	CU_ASSERT_STRING_NOT_EQUAL(fa[2], fb[2]);
	g_strfreev(fa);
	g_strfreev(fb);
	g_free(a);
	g_free(b);
	ln_free(ln);
}

static void test_wire_tcp_target(void) { run_wire(LISTEN_TLS); }
static void test_wire_tls_target(void) { run_wire(LISTEN_TLS_TO_TLS); }

/* ---- NLCU ---- */

/*
 * 200 connections (one request each) in one second through the TLS
 * listener: 200 new TLS connections a second, 200 / 50 = 4 NLCU by the
 * price table's nlcu_tls_new_connections_per_second, more than any other
 * dimension (a 1 KB certificate chain and 100-byte responses keep the bytes
 * under 4 GB an hour; the connections last a few milliseconds each, far
 * from 3000 active).  The NLCU line is then 4 x 0.006 USD an hour: 17.52
 * USD a month (730 h), beside the NLB's own 0.0225 USD an hour (16.43).
 * No TCP dimension counts: a TLS listener makes no TCP flow.
 */
static void test_nlcu_tls(void)
{
	tworld w;
	tworld_init(&w, LISTEN_TLS, 0);
	ln_lb_at(&w.ln, w.lb)->certificate_bytes = 1024;
	tworld_start(&w, LISTEN_TLS, 200, 4 * SIM_MS, FALSE, 100, 0);
	lbnet *ln = &w.ln;
	sim_run_until(ln->nt->sim, SIM_S);
	ln_check_completed(w.wl, 200);
	node *n = ln->lbs[w.lb];
	CU_ASSERT_EQUAL(nlb_get_stats(n)->tls_connections, 200);
	const prices *pr = ln->sc->prices;
	CU_ASSERT_EQUAL(pr->nlb.nlcu_tls_new_connections_per_second, 50);
	CU_ASSERT_EQUAL(pr->nlb.usd_per_nlcu_hour, 0.006);
	nlb_rates u;
	nlb_usage(n, SIM_S, &u);
	nlb_nlcu_dims d;
	double nlcu = nlb_nlcu_per_hour(pr, &u, &d);
	printf("\n    %.1f new TLS/s, %.4f active TLS, %.4f GB/h, %.4f NLCU", u.tls_new_connections_per_second,
	       u.tls_active_connections, u.processed_gb_per_hour, nlcu);
	CU_ASSERT_EQUAL(u.tls_new_connections_per_second, 200.0);
	CU_ASSERT_EQUAL(d.tls_new_connections, 4.0);
	CU_ASSERT_EQUAL(nlcu, 4.0);
	CU_ASSERT(u.tls_active_connections > 0 && u.tls_active_connections < 200 * 0.010);
	CU_ASSERT(u.processed_gb_per_hour > 0 && d.processed_bytes < 4.0);
	CU_ASSERT_EQUAL(u.tcp_new_connections_per_second, 0);
	CU_ASSERT_EQUAL(u.tcp_active_connections, 0);
	nlb_finish(n, SIM_S);
	cost_ledger_finish(ln->ledger, SIM_S);
	const cost_line *l = ln_line(ln, "nlb", "nlcu");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->quantity, 4.0);
	ASSERT_NEAR(l->month_usd, 17.52, 0.005);
	ASSERT_NEAR(l->run_usd, 0.024 / 3600, 1e-12);
	ASSERT_NEAR(ln_line(ln, "nlb", "hourly")->month_usd, 16.43, 0.005);
	/* Let the connections close before the network goes. */
	sim_run(ln->nt->sim);
	ln_free(ln);
}

/* ---- idle timeout ---- */

/*
 * A TLS listener's idle timeout is the profile's nlb_tls_idle_timeout
 * (AWS's fixed 350 s; 2 s here): two requests 5 s apart on one kept-alive
 * connection, the second meets a relay idle for longer, which resets both
 * connections; the client's request fails with "connection reset".  With
 * the requests 1 s apart both are answered on the one connection.
 */
static void test_idle_timeout(void)
{
	for (int idle = 0; idle < 2; idle++) {
		tworld w;
		tworld_init(&w, LISTEN_TLS, 0);
		scenario_own_profile(w.ln.sc)->limits.nlb_tls_idle_timeout = 2 * SIM_S;
		tworld_start(&w, LISTEN_TLS, 2, idle ? 5 * SIM_S : SIM_S, TRUE, 100, 0);
		sim_run(w.ln.nt->sim);
		const nlb_stats *st = nlb_get_stats(w.ln.lbs[w.lb]);
		const host_workload_result *r = host_workload_get_result(w.wl);
		CU_ASSERT_EQUAL(st->tls_connections, 1);
		CU_ASSERT_EQUAL(st->tls_expired, idle ? 1 : 0);
		CU_ASSERT_EQUAL(r->completed, idle ? 1 : 2);
		CU_ASSERT_EQUAL(r->failed[HTTP_FAIL_RESET], idle ? 1 : 0);
		CU_ASSERT_EQUAL(http_server_get_stats(w.srv)->requests, idle ? 1 : 2);
		ln_free(&w.ln);
	}
}

/* ---- PrivateLink ---- */

/*
 * A consumer in vpc-c (the provider's CIDR again) reaches the TLS listener
 * through an interface endpoint: the endpoint's PrivateLink port gets a
 * stack of its own; the handshake is with the NLB, and the target sees the
 * NLB node's address (PrivateLink never keeps the consumer's).
 */
static void test_privatelink(void)
{
	tworld w;
	tworld_init(&w, LISTEN_TLS, 0);
	lbnet *ln = &w.ln;
	int vc = ln_vpc(ln, "vpc-c", "10.0.0.0/16");
	int sc = ln_subnet(ln, vc, "c", "10.0.1.0/24", 0);
	ln_instance(ln, "consumer", sc, "10.0.1.50");
	int es = ln_endpoint_service(ln, "svc", w.lb);
	const int subnets[] = { sc };
	const char *const ips[] = { "10.0.1.60" };
	ln_ife(ln, "ep", vc, SC_IFE_ENDPOINT_SERVICE, es, subnets, ips, 1);
	tworld_start(&w, LISTEN_TLS, 0, SIM_MS, FALSE, 100, 0);
	host_target t = { ln_ip("10.0.1.60"), 443, NULL };
	host_workload_config wc = { .name = "pl", .targets = &t, .n_targets = 1, .count = 3,
		                    .keepalive = FALSE, .tls = TRUE };
	dist_set_const(&wc.interval, UNIT_TIME, (double)(5 * SIM_MS));
	host_workload *pl = host_add_workload(ln->hosts[2], &wc);
	dist_clear(&wc.interval);
	const char *tc = ln_capture(ln, node_port(ln->inst[1], 0), "target");
	sim_run(ln->nt->sim);
	ln_close_captures(ln);
	ln_check_completed(pl, 3);
	CU_ASSERT_EQUAL(nlb_get_stats(ln->lbs[w.lb])->tls_connections, 3);
	CU_ASSERT_EQUAL(nlb_get_stats(ln->lbs[w.lb])->preserved, 0);
	GArray *pk = ln_read(tc);
	guint syns = 0;
	for (guint i = 0; i < pk->len; i++) {
		const cap_pkt *p = &g_array_index(pk, cap_pkt, i);
		if (p->dport == 8080 && (p->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN) {
			syns++;
			CU_ASSERT(p->src == IP(10, 0, 1, 100) || p->src == IP(10, 0, 2, 100));
		}
	}
	CU_ASSERT(syns >= 3); /* health checks may add their own */
	g_array_unref(pk);
	pcap_check_lint(tc);
	ln_free(ln);
}

/* ---- the bundled scenario ---- */

static char *run_dir(const char *const *extra, char **out)
{
	char *dir = harness_tmpdir();
	char *file = harness_source_path("scenarios/nlb-tls.ini");
	GPtrArray *argv = g_ptr_array_new();
	const char *head[] = { "run", file, "--pcap-dir", dir, "--set", "scenario.duration=1s" };
	for (size_t i = 0; i < G_N_ELEMENTS(head); i++)
		g_ptr_array_add(argv, (gpointer)head[i]);
	for (const char *const *e = extra; e && *e; e++)
		g_ptr_array_add(argv, (gpointer)*e);
	g_ptr_array_add(argv, NULL);
	const char *bin = g_getenv("VPCSIM_BIN");
	CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
	GPtrArray *full = g_ptr_array_new();
	g_ptr_array_add(full, (gpointer)bin);
	for (guint i = 0; i < argv->len; i++)
		g_ptr_array_add(full, argv->pdata[i]);
	char *err = NULL;
	CU_ASSERT_EQUAL(harness_run((const char *const *)full->pdata, out, &err), 0);
	if (err && *err)
		fprintf(stderr, "\n%s", err);
	g_free(err);
	g_ptr_array_unref(full);
	g_ptr_array_unref(argv);
	g_free(file);
	return dir;
}

/*
 * scenarios/nlb-tls.ini: the clients resolve the NLB's name, which their
 * ClientHello carries as server_name; the NLB answers with its flight;
 * web-1 sees plain HTTP from the clients' addresses.  With protocol tls
 * (port 8443) web-1 sees the node's ClientHello instead, without
 * server_name.  Every capture lints clean; the report counts no failure.
 */
static void test_scenario(void)
{
	for (int tls_tg = 0; tls_tg < 2; tls_tg++) {
		const char *const extra[] = { "--set", "target_group:tg-web.protocol=tls", "--set",
			                      "target_group:tg-web.port=8443", "--set",
			                      "security_group:sg-web.ingress=tcp 8443 from 10.0.0.0/8", NULL };
		char *out = NULL;
		char *dir = run_dir(tls_tg ? extra : NULL, &out);
		CU_ASSERT_PTR_NOT_NULL(strstr(out ? out : "", "requests   sent "));
		CU_ASSERT_PTR_NOT_NULL(strstr(out ? out : "", " failed 0\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(out ? out : "", "nlb-b: TLS listener: handshake done"));
		/* A connection per request: the report's TLS connections are the
		 * requests completed. */
		const char *c = strstr(out ? out : "", ", completed "), *t = strstr(out ? out : "", "  tls        ");
		CU_ASSERT_FATAL(c && t);
		unsigned long nc = strtoul(c + strlen(", completed "), NULL, 10);
		unsigned long nt = strtoul(t + strlen("  tls        "), NULL, 10);
		CU_ASSERT(nc > 80);
		CU_ASSERT_EQUAL(nt, nc);
		CU_ASSERT_PTR_NOT_NULL(strstr(t, " connections ended and relayed to a target, 0 reset after the "
		                                 "handshake (no target or port), 0 reset after the idle timeout\n"));
		g_free(out);
		char *cc = g_build_filename(dir, "nlb-tls-client-1-vpc-a-router.pcap", NULL);
		char *wc = g_build_filename(dir, "nlb-tls-web-1-vpc-b-router.pcap", NULL);
		char *n1 = g_build_filename(dir, "nlb-tls-nlb-b-vpc-b-router.pcap", NULL);
		pcap_check_lint(cc);
		pcap_check_lint(wc);
		pcap_check_lint(n1);
		if (pcap_check_have_tshark()) {
			char *sni = pcap_check_fact_lines(cc, "tls.handshake.type == 1",
			                                  "tls.handshake.extensions_server_name");
			CU_ASSERT(g_str_has_prefix(sni, "internal-nlb-b-") &&
			          g_str_has_suffix(sni, ".elb.us-east-1.amazonaws.com"));
			g_free(sni);
			char *srv = pcap_check_fact_lines(cc, "tls.handshake.type == 2", "ip.src");
			CU_ASSERT(g_str_has_prefix(srv, "10.1."));
			g_free(srv);
			char *data = pcap_check_fact_lines(cc, "tls.record.opaque_type == 23", "ip.src");
			CU_ASSERT(strstr(data, "10.0.1.4") && strstr(data, "10.1."));
			g_free(data);
			char *clear = pcap_check_fact_lines(cc, "http", "ip.src");
			CU_ASSERT_STRING_EQUAL(clear, "");
			g_free(clear);
			if (!tls_tg) {
				char *http = pcap_check_fact_lines(wc, "http.request", "ip.src tcp.dstport");
				CU_ASSERT_STRING_EQUAL(http, "10.0.1.4 8080;10.0.1.5 8080");
				g_free(http);
			} else {
				char *hs = pcap_check_fact_lines(wc, "tls.handshake.type == 1",
				                                 "ip.src tls.handshake.extensions_server_name");
				CU_ASSERT(strcmp(hs, "10.0.1.4 ;10.0.1.5 ") == 0 || strcmp(hs, "10.0.1.4;10.0.1.5") == 0);
				if (strcmp(hs, "10.0.1.4 ;10.0.1.5 ") != 0 && strcmp(hs, "10.0.1.4;10.0.1.5") != 0)
					printf("\n    web-1's ClientHellos: '%s'", hs);
				g_free(hs);
				char *http = pcap_check_fact_lines(wc, "http", "ip.src");
				CU_ASSERT_STRING_EQUAL(http, "");
				g_free(http);
			}
		}
		g_free(cc);
		g_free(wc);
		g_free(n1);
		harness_rmtree(dir);
		g_free(dir);
	}
}

/* ---- bad keys ---- */

static void expect_refused(const char *rel, const char *set1, const char *set2, const char *want)
{
	char *file = harness_source_path(rel);
	char *err = NULL;
	int rc = set2 ? harness_vpcsim_v(NULL, &err, "validate", file, "--set", set1, "--set", set2, NULL)
	              : harness_vpcsim_v(NULL, &err, "validate", file, "--set", set1, NULL);
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err ? err : "", want));
	if (!strstr(err ? err : "", want))
		fprintf(stderr, "\nwanted: %s\ngot: %s\n", want, err ? err : "");
	g_free(err);
	g_free(file);
}

static void test_bad_keys(void)
{
	/* Each protocol on the load balancer that has it. */
	expect_refused("scenarios/alb-https.ini", "load_balancer:alb-b.listeners=tls 443 -> tg-web", NULL,
	               "[load_balancer alb-b] listeners: 'tls 443 -> tg-web': an application load "
	               "balancer takes http and https listeners only; expected 'http 443 -> tg-web'");
	expect_refused("scenarios/nlb-tls.ini", "load_balancer:nlb-b.listeners=https 443 -> tg-web", NULL,
	               "[load_balancer nlb-b] listeners: 'https 443 -> tg-web': a network load "
	               "balancer takes tcp and tls listeners only; expected 'tcp 443 -> tg-web'");
	/* AWS: a TCP listener's target groups are TCP or TCP_UDP. */
	expect_refused("scenarios/nlb-tls.ini", "load_balancer:nlb-b.listeners=tcp 443 -> tg-web",
	               "target_group:tg-web.protocol=tls",
	               "[load_balancer nlb-b] listeners: 'tcp 443 -> tg-web': target group tg-web has "
	               "protocol tls, which a tcp listener cannot use (AWS: a TCP listener's target "
	               "groups are TCP or TCP_UDP); expected a tls listener, or a target group of "
	               "protocol tcp");
	expect_refused("scenarios/nlb-tls.ini", "target_group:tg-web.protocol=https", NULL,
	               "target group tg-web has protocol https, which only an application load "
	               "balancer speaks to targets; expected a target group of protocol tcp or tls");
	expect_refused("scenarios/alb-https.ini", "target_group:tg-web.protocol=tls", NULL,
	               "target group tg-web has protocol tls, which only a network load balancer "
	               "speaks to targets; expected a target group of protocol http or https");
	/* A TLS listener in front of an ALB-type target group. */
	expect_refused("scenarios/alb-privatelink.ini", "load_balancer:nlb-b.listeners=tls 80 -> tg-alb",
	               NULL, "target group tg-alb is of type alb, which only a tcp listener forwards to "
	               "here");
	/* What is accepted: both target group protocols behind a tls listener. */
	char *file = harness_source_path("scenarios/nlb-tls.ini");
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "validate", file, NULL), 0);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "validate", file, "--set",
	                                 "target_group:tg-web.protocol=tls", NULL),
	                0);
	g_free(file);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("NLB TLS listeners");
	CU_add_test(s, "constant delays: one client-node round trip more than tcp, another for tls targets",
	            test_exact_delays);
	CU_add_test(s, "the wire: TLS to the client, plain HTTP to a tcp target group", test_wire_tcp_target);
	CU_add_test(s, "the wire: TLS to the client, TLS without server_name to a tls target group",
	            test_wire_tls_target);
	CU_add_test(s, "NLCU: 200 new TLS connections a second = 4 NLCU, 17.52 USD a month",
	            test_nlcu_tls);
	CU_add_test(s, "idle timeout: a relay idle past nlb_tls_idle_timeout is reset", test_idle_timeout);
	CU_add_test(s, "PrivateLink: a consumer's TLS through an endpoint, the target sees the node",
	            test_privatelink);
	CU_add_test(s, "nlb-tls.ini: SNI and the flight at the client, HTTP or TLS at the target",
	            test_scenario);
	CU_add_test(s, "bad keys: tls on an ALB, https on an NLB, tls target group behind tcp", test_bad_keys);
}
