/* \summary: NLB tests: flow hash, cross-zone, client IP, ALB targets, idle RST, NLCU, exact delays */
#include "lbnet.h"
#include "pcap_check.h"

/*
 * One VPC, 10.0.0.0/16: subnet a (10.0.1.0/24, use1-az1) and b
 * (10.0.2.0/24, use1-az2).  The NLB "nlb" has a node in each (10.0.1.100,
 * 10.0.2.100) and one listener, TCP 80, forwarding to target group "tg"
 * (instances, port 8080).  Targets and clients vary per test.
 */
typedef struct {
	lbnet ln;
	int sa, sb, lb, tg;
} world1;

static void world1_init(world1 *w, const char *const *targets, const int *target_subnet_b, guint nt,
                        const char *const *clients, const int *client_subnet_b, guint nc)
{
	lbnet *ln = &w->ln;
	ln_init(ln);
	int v = ln_vpc(ln, "vpc", "10.0.0.0/16");
	w->sa = ln_subnet(ln, v, "a", "10.0.1.0/24", 0);
	w->sb = ln_subnet(ln, v, "b", "10.0.2.0/24", 1);
	int tix[LN_MAX];
	for (guint i = 0; i < nc; i++) {
		char *name = g_strdup_printf("client-%u", i + 1);
		ln_instance(ln, name, client_subnet_b[i] ? w->sb : w->sa, clients[i]);
		g_free(name);
	}
	for (guint i = 0; i < nt; i++) {
		char *name = g_strdup_printf("srv-%u", i + 1);
		tix[i] = ln_instance(ln, name, target_subnet_b[i] ? w->sb : w->sa, targets[i]);
		g_free(name);
	}
	w->tg = ln_tg(ln, "tg", SC_TG_INSTANCE, v, 8080, tix, nt);
	const int subnets[] = { w->sa, w->sb };
	const char *const ips[] = { "10.0.1.100", "10.0.2.100" };
	w->lb = ln_lb(ln, "nlb", SC_LB_NETWORK, v, subnets, ips, 2);
	ln_listener(ln, w->lb, SC_PROTO_TCP, 80, w->tg);
}

static host *client(world1 *w, guint i) { return w->ln.hosts[i]; }

/* Instance index of target i: clients come first. */
static host *target(world1 *w, guint nc, guint i) { return w->ln.hosts[nc + i]; }

static uint64_t accepted(host *h) { return tcp_stack_get_stats(host_tcp(h))->passive_opens; }

/* ---- flow hash ---- */

/* 200 connections from one client over four targets in its AZ: each
 * target gets its share (binomial, 50 +- 25 is four standard deviations),
 * and every packet of a connection goes to one target, as the capture at
 * the NLB node shows. */
static void run_spread(uint64_t counts[4])
{
	const char *const t[] = { "10.0.1.21", "10.0.1.22", "10.0.1.23", "10.0.1.24" };
	const int tb[] = { 0, 0, 0, 0 };
	const char *const c[] = { "10.0.1.10" };
	const int cb[] = { 0 };
	world1 w;
	world1_init(&w, t, tb, 4, c, cb, 1);
	lbnet *ln = &w.ln;
	ln_build(ln);
	ln_finish(ln);
	for (guint i = 0; i < 4; i++)
		ln_serve(target(&w, 1, i), 8080, 2000, 0);
	host_workload *wl = ln_get(client(&w, 0), "get", "10.0.1.100", 80, 200, SIM_MS, FALSE);
	const char *cap = ln_capture(ln, node_port(ln->lbs[w.lb], 0), "nlb-a");
	sim_run(ln->nt->sim);
	ln_close_captures(ln);
	ln_check_completed(wl, 200);

	uint64_t sum = 0;
	for (guint i = 0; i < 4; i++) {
		counts[i] = accepted(target(&w, 1, i));
		sum += counts[i];
		CU_ASSERT(counts[i] >= 25 && counts[i] <= 75);
	}
	CU_ASSERT_EQUAL(sum, 200);
	const nlb_stats *st = nlb_get_stats(ln->lbs[w.lb]);
	CU_ASSERT_EQUAL(st->tcp_flows, 200);
	CU_ASSERT_EQUAL(st->preserved, 200);

	/* Client port -> the one target its packets went to. */
	GArray *pk = ln_read(cap);
	GHashTable *to = g_hash_table_new(g_direct_hash, g_direct_equal);
	guint mixed = 0, seen = 0;
	for (guint i = 0; i < pk->len; i++) {
		const cap_pkt *p = &g_array_index(pk, cap_pkt, i);
		if (p->dport != 8080)
			continue;
		CU_ASSERT_EQUAL(p->src, IP(10, 0, 1, 10)); /* client address preserved */
		seen++;
		gpointer k = GUINT_TO_POINTER(p->sport);
		gpointer v = g_hash_table_lookup(to, k);
		if (!v)
			g_hash_table_insert(to, k, GUINT_TO_POINTER(p->dst));
		else if (GPOINTER_TO_UINT(v) != p->dst)
			mixed++;
	}
	CU_ASSERT(seen >= 200 * 3);
	CU_ASSERT_EQUAL(g_hash_table_size(to), 200);
	CU_ASSERT_EQUAL(mixed, 0);
	g_hash_table_unref(to);
	g_array_unref(pk);
	ln_free(ln);
}

static void test_flow_hash(void)
{
	uint64_t a[4], b[4];
	run_spread(a);
	run_spread(b);
	printf("\n    per target: %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
	       " %" G_GUINT64_FORMAT, a[0], a[1], a[2], a[3]);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(a[i], b[i]); /* deterministic */
}

/* ---- cross-zone ---- */

static double cross_az_usd(lbnet *ln)
{
	double usd = 0;
	for (guint i = 0; i < cost_ledger_n_lines(ln->ledger); i++) {
		const cost_line *l = cost_ledger_line_at(ln->ledger, i);
		if (strstr(l->type, "cross-az"))
			usd += l->run_usd;
	}
	return usd;
}

/* Bytes on the lines whose type starts with `prefix` ("" for every
 * cross-AZ line: cross-az-*, nlb-cross-az-*). */
static uint64_t cross_az_bytes_of(lbnet *ln, const char *prefix)
{
	uint64_t b = 0;
	for (guint i = 0; i < cost_ledger_n_lines(ln->ledger); i++) {
		const cost_line *l = cost_ledger_line_at(ln->ledger, i);
		if (strstr(l->type, "cross-az") && g_str_has_prefix(l->type, prefix))
			b += l->bytes;
	}
	return b;
}

static uint64_t cross_az_bytes(lbnet *ln) { return cross_az_bytes_of(ln, ""); }

static void test_cross_zone(void)
{
	const char *const t[] = { "10.0.1.21", "10.0.1.22", "10.0.2.23", "10.0.2.24" };
	const int tb[] = { 0, 0, 1, 1 };
	const char *const c[] = { "10.0.1.10", "10.0.2.10" };
	const int cb[] = { 0, 1 };

	/* Off (the default): each node keeps its flows in its AZ; no cross-AZ
	 * byte anywhere. */
	world1 w;
	world1_init(&w, t, tb, 4, c, cb, 2);
	lbnet *ln = &w.ln;
	ln_build(ln);
	ln_finish(ln);
	for (guint i = 0; i < 4; i++)
		ln_serve(target(&w, 2, i), 8080, 2000, 0);
	host_workload *w1 = ln_get(client(&w, 0), "a", "10.0.1.100", 80, 60, SIM_MS, FALSE);
	host_workload *w2 = ln_get(client(&w, 1), "b", "10.0.2.100", 80, 60, SIM_MS, FALSE);
	sim_run(ln->nt->sim);
	ln_check_completed(w1, 60);
	ln_check_completed(w2, 60);
	uint64_t n[4];
	for (guint i = 0; i < 4; i++) {
		n[i] = accepted(target(&w, 2, i));
		CU_ASSERT(n[i] > 0);
	}
	CU_ASSERT_EQUAL(n[0] + n[1], 60);
	CU_ASSERT_EQUAL(n[2] + n[3], 60);
	cost_ledger_finish(ln->ledger, net_now(ln->nt));
	CU_ASSERT_EQUAL(cross_az_bytes(ln), 0);
	ln_free(ln);

	/* On: the AZ-1 client's flows reach AZ-2 targets too, and every byte
	 * between the AZ-1 node and them crosses once, billed at the price
	 * table's nlb.cross_az_to_targets (0.01 USD per GB out plus 0.01 in),
	 * on the nlb-cross-az-* lines, both ways. */
	world1_init(&w, t, tb, 4, c, cb, 2);
	ln_lb_at(ln, w.lb)->cross_zone = TRUE;
	ln_build(ln);
	ln_finish(ln);
	for (guint i = 0; i < 4; i++)
		ln_serve(target(&w, 2, i), 8080, 2000, 0);
	w1 = ln_get(client(&w, 0), "a", "10.0.1.100", 80, 60, SIM_MS, FALSE);
	const char *c3 = ln_capture(ln, node_port(ln->inst[4], 0), "srv-3");
	const char *c4 = ln_capture(ln, node_port(ln->inst[5], 0), "srv-4");
	sim_run(ln->nt->sim);
	ln_close_captures(ln);
	ln_check_completed(w1, 60);
	for (guint i = 0; i < 4; i++)
		CU_ASSERT(accepted(target(&w, 2, i)) > 0);
	GArray *p3 = ln_read(c3), *p4 = ln_read(c4);
	uint64_t crossing = ln_ip_bytes(p3) + ln_ip_bytes(p4);
	g_array_unref(p3);
	g_array_unref(p4);
	cost_ledger_finish(ln->ledger, net_now(ln->nt));
	const prices *pr = ln->sc->prices;
	double hand = 2 * (double)crossing / pr->gb_bytes * pr->nlb.cross_az_to_targets.usd_per_gb[0];
	CU_ASSERT(crossing > 0);
	CU_ASSERT_EQUAL(cross_az_bytes(ln), 2 * crossing);
	CU_ASSERT_EQUAL(cross_az_bytes_of(ln, "nlb-"), 2 * crossing);
	CU_ASSERT_DOUBLE_EQUAL(cross_az_usd(ln), hand, 1e-15);
	ln_free(ln);

	/* Off with no target in AZ 2: the AZ-2 node drops new flows; a port
	 * with no listener is dropped too. */
	const char *const t1[] = { "10.0.1.21" };
	const int tb1[] = { 0 };
	world1_init(&w, t1, tb1, 1, c, cb, 2);
	ln_build(ln);
	ln_finish(ln);
	ln_serve(target(&w, 2, 0), 8080, 100, 0);
	w1 = ln_get(client(&w, 0), "a", "10.0.1.100", 80, 3, SIM_MS, FALSE);
	w2 = ln_get(client(&w, 1), "b", "10.0.2.100", 80, 1, SIM_MS, FALSE);
	host_workload *w3 = ln_get(client(&w, 0), "c", "10.0.1.100", 81, 1, SIM_MS, FALSE);
	sim_run_until(ln->nt->sim, 10 * SIM_S);
	ln_check_completed(w1, 3);
	CU_ASSERT_EQUAL(host_workload_get_result(w2)->completed, 0);
	CU_ASSERT_EQUAL(host_workload_get_result(w3)->completed, 0);
	node *nb = ln->lbs[w.lb];
	CU_ASSERT(nb->drops[DROP_NO_TARGET] >= 2); /* the SYN and its retries */
	CU_ASSERT(nb->drops[DROP_NO_LISTENER] >= 2);
	CU_ASSERT_EQUAL(nlb_get_stats(nb)->tcp_flows, 3);
	CU_ASSERT(nb->drop_details &&
	          g_hash_table_lookup(nb->drop_details,
	                              "no-target-in-az: tg from the node in use1-az2 (cross-zone off)"));
	ln_free(ln);
}

/* ---- client IP preservation, source NAT, ALB targets ---- */

typedef struct {
	GHashTable *srcs; /* source addresses seen */
	uint64_t pkts;
} seen_ctx;

static int record_src(host *h, pkt *p, void *ud)
{
	(void)h;
	seen_ctx *s = ud;
	g_hash_table_add(s->srcs, GUINT_TO_POINTER(pkt_ip_src(p)));
	s->pkts++;
	return HOST_ALLOW;
}

static void check_only_source(seen_ctx *s, uint32_t ip)
{
	CU_ASSERT(s->pkts > 0);
	CU_ASSERT_EQUAL(g_hash_table_size(s->srcs), 1);
	CU_ASSERT(g_hash_table_contains(s->srcs, GUINT_TO_POINTER(ip)));
	g_hash_table_remove_all(s->srcs);
	s->pkts = 0;
}

static void test_client_ip(void)
{
	const char *const t[] = { "10.0.1.21", "10.0.1.22" };
	const int tb[] = { 0, 0 };
	const char *const c[] = { "10.0.1.10" };
	const int cb[] = { 0 };
	seen_ctx tgt = { g_hash_table_new(g_direct_hash, g_direct_equal), 0 };
	seen_ctx cli = { g_hash_table_new(g_direct_hash, g_direct_equal), 0 };

	for (int preserve = 1; preserve >= 0; preserve--) {
		world1 w;
		world1_init(&w, t, tb, 2, c, cb, 1);
		lbnet *ln = &w.ln;
		ln_lb_at(ln, w.lb)->preserve_client_ip = preserve;
		ln_build(ln);
		ln_finish(ln);
		for (guint i = 0; i < 2; i++) {
			ln_serve(target(&w, 1, i), 8080, 20000, 0);
			host_set_filters(target(&w, 1, i), NULL, record_src, &tgt);
		}
		host_set_filters(client(&w, 0), NULL, record_src, &cli);
		host_workload *wl = ln_get(client(&w, 0), "get", "10.0.1.100", 80, 10, 5 * SIM_MS, FALSE);
		const char *cc = ln_capture(ln, node_port(ln->inst[0], 0), "client");
		const char *tc = ln_capture(ln, node_port(ln->inst[1], 0), "srv-1");
		sim_run(ln->nt->sim);
		ln_close_captures(ln);
		/* The client's TCP completes: replies came back through the NLB,
		 * from the address the client connected to. */
		ln_check_completed(wl, 10);
		check_only_source(&cli, IP(10, 0, 1, 100));
		check_only_source(&tgt, preserve ? IP(10, 0, 1, 10) : IP(10, 0, 1, 100));
		vpc_router *r = ln->routers[0];
		CU_ASSERT_EQUAL(vpc_router_n_redirects(r), preserve ? 10 : 0);
		CU_ASSERT_EQUAL(nlb_get_stats(ln->lbs[w.lb])->preserved, preserve ? 10 : 0);
		if (preserve) {
			pcap_check_lint(cc);
			pcap_check_lint(tc);
		}
		ln_free(ln);
	}

	/* An ALB-type target group: to the ALB's node in the NLB node's AZ,
	 * port tg.port, from the NLB node's address (never preserved). */
	lbnet ln;
	ln_init(&ln);
	int v = ln_vpc(&ln, "vpc", "10.0.0.0/16");
	int sa = ln_subnet(&ln, v, "a", "10.0.1.0/24", 0), sb = ln_subnet(&ln, v, "b", "10.0.2.0/24", 1);
	ln_instance(&ln, "client-1", sa, "10.0.1.10");
	const int subnets[] = { sa, sb };
	const char *const albips[] = { "10.0.1.200", "10.0.2.200" };
	int alb = ln_lb(&ln, "alb", SC_LB_APPLICATION, v, subnets, albips, 2);
	int tg = ln_tg(&ln, "tg-alb", SC_TG_ALB, v, 80, &alb, 1);
	const char *const nlbips[] = { "10.0.1.100", "10.0.2.100" };
	int nlb = ln_lb(&ln, "nlb", SC_LB_NETWORK, v, subnets, nlbips, 2);
	ln_listener(&ln, nlb, SC_PROTO_TCP, 443, tg);
	ln_build(&ln);
	ln_finish(&ln);
	for (guint k = 0; k < 2; k++) {
		ln_serve(ln.alb_nodes[alb][k], 80, 1000, 0);
		host_set_filters(ln.alb_nodes[alb][k], NULL, record_src, &tgt);
	}
	host_workload *wl = ln_get(ln.hosts[0], "get", "10.0.1.100", 443, 5, 5 * SIM_MS, FALSE);
	sim_run(ln.nt->sim);
	ln_check_completed(wl, 5);
	CU_ASSERT_EQUAL(accepted(ln.alb_nodes[alb][0]), 5);
	CU_ASSERT_EQUAL(accepted(ln.alb_nodes[alb][1]), 0);
	check_only_source(&tgt, IP(10, 0, 1, 100));
	ln_free(&ln);
	g_hash_table_unref(tgt.srcs);
	g_hash_table_unref(cli.srcs);
}

/* ---- idle timeout ---- */

/*
 * Idle timeout 10 s: the client's segment at 5 s goes through; the one at
 * 20 s finds the flow forgotten and gets a RST whose sequence number is
 * the segment's ACK (so the client's TCP accepts it: connection reset);
 * the target's segment at 30 s gets a RST from the NLB too (source NAT:
 * it is addressed to the NLB).
 */
static void test_idle_rst(void)
{
	const char *const t[] = { "10.0.1.21" };
	const int tb[] = { 0 };
	const char *const c[] = { "10.0.1.10" };
	const int cb[] = { 0 };
	world1 w;
	world1_init(&w, t, tb, 1, c, cb, 1);
	lbnet *ln = &w.ln;
	ln_lb_at(ln, w.lb)->idle_timeout = 10 * SIM_S;
	ln_lb_at(ln, w.lb)->preserve_client_ip = FALSE;
	ln_build(ln);
	ln_finish(ln);
	const char *cc = ln_capture(ln, node_port(ln->inst[0], 0), "client");
	const char *tc = ln_capture(ln, node_port(ln->inst[1], 0), "srv-1");
	idle_ctx x;
	idle_start(&x, ln->nt, client(&w, 0), target(&w, 1, 0), IP(10, 0, 1, 100), 80, 8080, 20 * SIM_S);
	sim_run(ln->nt->sim);
	ln_close_captures(ln);
	CU_ASSERT_EQUAL(x.srv_bytes, 200);
	CU_ASSERT_EQUAL(x.cli_closed, 1 + TCP_CLOSE_RESET);
	CU_ASSERT_EQUAL(x.srv_closed, 1 + TCP_CLOSE_RESET);
	const nlb_stats *st = nlb_get_stats(ln->lbs[w.lb]);
	CU_ASSERT_EQUAL(st->resets, 2);
	CU_ASSERT_EQUAL(st->expired, 1);
	CU_ASSERT_EQUAL(ln->lbs[w.lb]->drops[DROP_NO_FLOW], 2);
	CU_ASSERT_EQUAL(nlb_flow_count(ln->lbs[w.lb]), 0);

	/* The RSTs on the wire: each answers the last segment its side sent,
	 * with that segment's ACK as sequence number. */
	const char *files[2] = { cc, tc };
	uint32_t mine[2] = { IP(10, 0, 1, 10), IP(10, 0, 1, 21) };
	for (int i = 0; i < 2; i++) {
		GArray *pk = ln_read(files[i]);
		const cap_pkt *last_sent = NULL, *rst = NULL;
		for (guint k = 0; k < pk->len; k++) {
			const cap_pkt *p = &g_array_index(pk, cap_pkt, k);
			if (p->src == mine[i] && !rst)
				last_sent = p;
			if (p->dst == mine[i] && (p->flags & PKT_TCP_RST))
				rst = p;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(rst);
		CU_ASSERT_PTR_NOT_NULL_FATAL(last_sent);
		CU_ASSERT_EQUAL(rst->src, IP(10, 0, 1, 100));
		CU_ASSERT_EQUAL(rst->flags, PKT_TCP_RST);
		CU_ASSERT_EQUAL(rst->seq, last_sent->ack);
		CU_ASSERT_EQUAL(last_sent->payload, 100);
		CU_ASSERT(rst->t >= (i ? 30 : 20) * SIM_S);
		g_array_unref(pk);
	}
	pkt_msg_unref(x.msg);
	ln_free(ln);
}

/* ---- NLCU by hand ---- */

/*
 * 20 GETs of 1 MB, one new connection each, 50 ms apart.  From the
 * capture at the NLB's node (every packet shows twice there: in, then out
 * translated), by hand: processed GB per hour, new connections per
 * second (SYNs arriving for the listener), and the average active
 * connections: each flow from its SYN to its second FIN, as they arrive at
 * the NLB.  NLCU = the largest of new/s / 800, active / 100000 and GB/h /
 * 1; the run pays NLCU x 0.006 USD x run hours, plus 0.0225 USD for the
 * hour begun.
 */
static void test_nlcu(void)
{
	const char *const t[] = { "10.0.1.21", "10.0.1.22" };
	const int tb[] = { 0, 0 };
	const char *const c[] = { "10.0.1.10" };
	const int cb[] = { 0 };
	world1 w;
	world1_init(&w, t, tb, 2, c, cb, 1);
	lbnet *ln = &w.ln;
	ln_lb_at(ln, w.lb)->preserve_client_ip = FALSE;
	ln_build(ln);
	ln_finish(ln);
	for (guint i = 0; i < 2; i++)
		ln_serve(target(&w, 1, i), 8080, 1000000, 0);
	host_workload *wl = ln_get(client(&w, 0), "get", "10.0.1.100", 80, 20, 50 * SIM_MS, FALSE);
	const char *cap = ln_capture(ln, node_port(ln->lbs[w.lb], 0), "nlb-a");
	sim_run(ln->nt->sim);
	ln_close_captures(ln);
	ln_check_completed(wl, 20);
	sim_time run = net_now(ln->nt);

	const uint32_t vip = IP(10, 0, 1, 100);
	GArray *pk = ln_read(cap);
	uint64_t bytes = ln_ip_bytes(pk);
	CU_ASSERT_EQUAL(bytes % 2, 0);
	GHashTable *start = g_hash_table_new(g_direct_hash, g_direct_equal);
	GHashTable *fin_c = g_hash_table_new(g_direct_hash, g_direct_equal);
	GHashTable *fin_t = g_hash_table_new(g_direct_hash, g_direct_equal);
	guint syns = 0;
	for (guint i = 0; i < pk->len; i++) {
		const cap_pkt *p = &g_array_index(pk, cap_pkt, i);
		gpointer when = GSIZE_TO_POINTER((gsize)p->t);
		if (p->dst == vip && p->dport == 80) { /* client -> NLB */
			if ((p->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN) {
				syns++;
				g_hash_table_insert(start, GUINT_TO_POINTER(p->sport), when);
			}
			if ((p->flags & PKT_TCP_FIN) && !g_hash_table_contains(fin_c, GUINT_TO_POINTER(p->sport)))
				g_hash_table_insert(fin_c, GUINT_TO_POINTER(p->sport), when);
		} else if (p->dst == vip && (p->flags & PKT_TCP_FIN)) { /* target -> NLB */
			/* NAT ports are per target: key by both. */
			gpointer tk = GSIZE_TO_POINTER((gsize)p->src << 16 | p->dport);
			if (!g_hash_table_contains(fin_t, tk))
				g_hash_table_insert(fin_t, tk, when);
		}
	}
	/* Map each NAT port back to its client port through the SYNs' order:
	 * both sides' SYNs of a flow are consecutive in the capture. */
	GHashTable *nat_to_client = g_hash_table_new(g_direct_hash, g_direct_equal);
	uint16_t last_client_port = 0;
	for (guint i = 0; i < pk->len; i++) {
		const cap_pkt *p = &g_array_index(pk, cap_pkt, i);
		if ((p->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) != PKT_TCP_SYN)
			continue;
		if (p->dst == vip)
			last_client_port = p->sport;
		else if (p->src == vip)
			g_hash_table_insert(nat_to_client, GSIZE_TO_POINTER((gsize)p->dst << 16 | p->sport),
			                    GUINT_TO_POINTER(last_client_port));
	}
	sim_time active_ns = 0;
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, fin_t);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		gpointer cport = g_hash_table_lookup(nat_to_client, k);
		CU_ASSERT(cport && g_hash_table_contains(start, cport) &&
		          g_hash_table_contains(fin_c, cport));
		sim_time t0 = (sim_time)GPOINTER_TO_SIZE(g_hash_table_lookup(start, cport));
		sim_time tc = (sim_time)GPOINTER_TO_SIZE(g_hash_table_lookup(fin_c, cport));
		sim_time tt = (sim_time)GPOINTER_TO_SIZE(v);
		CU_ASSERT(tc > t0 && tt > t0);
		active_ns += MAX(tc, tt) - t0;
	}
	CU_ASSERT_EQUAL(syns, 20);
	CU_ASSERT_EQUAL(g_hash_table_size(fin_t), 20);

	const prices *pr = ln->sc->prices;
	double secs = (double)run / 1e9, hours = secs / 3600;
	double gbh = (double)(bytes / 2) / pr->gb_bytes / hours;
	double new_s = syns / secs;
	double active = (double)active_ns / (double)run;
	nlb_rates u;
	nlb_usage(ln->lbs[w.lb], run, &u);
	ASSERT_NEAR(u.processed_gb_per_hour, gbh, 1e-9 * gbh);
	ASSERT_NEAR(u.tcp_new_connections_per_second, new_s, 1e-12);
	ASSERT_NEAR(u.tcp_active_connections, active, 1e-12);
	CU_ASSERT_EQUAL(u.udp_new_flows_per_second, 0);
	double nlcu = MAX(MAX(new_s / pr->nlb.nlcu_tcp_new_connections_per_second,
	                      active / pr->nlb.nlcu_tcp_active_connections),
	                  gbh / pr->nlb.nlcu_processed_gb_per_hour);
	printf("\n    run %.3f s, %.6f GB/h, %.4f new/s, %.6f active: %.6f NLCU", secs, gbh, new_s, active,
	       nlcu);
	nlb_finish(ln->lbs[w.lb], run);
	cost_ledger_finish(ln->ledger, run);
	ASSERT_NEAR(ln_cost(ln, "nlb", "nlcu"), nlcu * pr->nlb.usd_per_nlcu_hour * hours, 1e-12);
	ASSERT_NEAR(ln_cost(ln, "nlb", "hourly"), pr->nlb.hourly_usd, 1e-12);
	CU_ASSERT(nlcu > 0);
	g_hash_table_unref(start);
	g_hash_table_unref(fin_c);
	g_hash_table_unref(fin_t);
	g_hash_table_unref(nat_to_client);
	g_array_unref(pk);
	ln_free(ln);
}

/* ---- exact delays ---- */

/*
 * Every delay X, think time T, a kept-alive connection.  One way,
 * client -> target: VPC router (processing X + propagation X to the NLB
 * node's ENI) + NLB (processing X) + VPC router (X + X to the target) =
 * 5X; the reply takes the same five (through the redirect when the client
 * address is kept, to the NLB node by address otherwise).  A request on
 * an open connection takes 10X + T; the first also waits for the
 * handshake: 20X + T.  The target sits in the other AZ (cross-zone on):
 * cross-AZ propagation is X too.
 */
static void test_exact_delays(void)
{
	const sim_time X = 100 * SIM_US, T = SIM_MS;
	const char *const t[] = { "10.0.2.21" };
	const int tb[] = { 1 };
	const char *const c[] = { "10.0.1.10" };
	const int cb[] = { 0 };
	for (int preserve = 0; preserve < 2; preserve++) {
		world1 w;
		world1_init(&w, t, tb, 1, c, cb, 1);
		lbnet *ln = &w.ln;
		profile_set_all_delays(scenario_own_profile(ln->sc), X);
		ln_lb_at(ln, w.lb)->preserve_client_ip = preserve;
		ln_lb_at(ln, w.lb)->cross_zone = TRUE;
		ln_build(ln);
		ln_finish(ln);
		ln_serve(target(&w, 1, 0), 8080, 100, T);
		host_workload *wl = ln_get(client(&w, 0), "get", "10.0.1.100", 80, 10, 10 * SIM_MS, TRUE);
		sim_run(ln->nt->sim);
		ln_check_completed(wl, 10);
		const hdr_hist *lat = host_workload_get_result(wl)->latency;
		printf("\n    preserve %d: min %" G_GINT64_FORMAT " max %" G_GINT64_FORMAT, preserve,
		       hdr_min(lat), hdr_max(lat));
		CU_ASSERT_EQUAL(hdr_min(lat), 10 * X + T);
		CU_ASSERT_EQUAL(hdr_max(lat), 20 * X + T);
		ln_free(ln);
	}
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("network load balancer");
	CU_add_test(s, "flow hash spreads flows, keeps each on one target, same each run", test_flow_hash);
	CU_add_test(s, "cross-zone off/on: flows in the AZ or not, cross-AZ charges; no target, no listener",
	            test_cross_zone);
	CU_add_test(s, "client IP preservation: target sees the client, replies return; NAT; ALB targets",
	            test_client_ip);
	CU_add_test(s, "idle timeout: the next segment from either side gets a RST", test_idle_rst);
	CU_add_test(s, "NLCU and hourly charges by hand from a capture", test_nlcu);
	CU_add_test(s, "constant delays: latency is the exact sum", test_exact_delays);
}
