/* \summary: PrivateLink tests: endpoint services and S3 endpoints; NAT, MTU, MSS, costs, delays */
#include "lbnet.h"
#include "pcap_check.h"

/*
 * Consumer and provider VPCs both 10.0.0.0/16 (PrivateLink does not care),
 * each with subnet a (10.0.1.0/24, use1-az1) and b (10.0.2.0/24,
 * use1-az2).  The consumer's client-1 is 10.0.1.10; so is the provider's
 * srv-1.  srv-2 is 10.0.2.20.  The provider's NLB "svc-nlb" (nodes
 * 10.0.1.100 and 10.0.2.100, cross-zone off) listens on TCP 80 for target
 * group "tg" (port 8080) and is the endpoint service "svc"; the consumer's
 * interface endpoint "vpce-svc" has ENIs 10.0.1.50 and 10.0.2.50.
 * Instances: 0 client-1, 1 srv-1, 2 srv-2, then any extra.
 */
typedef struct {
	lbnet ln;
	int cv, pv, ca, cb, pa, pb, lb, tg, ife;
} plworld;

static void pl_init(plworld *w)
{
	lbnet *ln = &w->ln;
	ln_init(ln);
	w->cv = ln_vpc(ln, "consumer", "10.0.0.0/16");
	w->pv = ln_vpc(ln, "provider", "10.0.0.0/16");
	w->ca = ln_subnet(ln, w->cv, "c-a", "10.0.1.0/24", 0);
	w->cb = ln_subnet(ln, w->cv, "c-b", "10.0.2.0/24", 1);
	w->pa = ln_subnet(ln, w->pv, "p-a", "10.0.1.0/24", 0);
	w->pb = ln_subnet(ln, w->pv, "p-b", "10.0.2.0/24", 1);
	ln_instance(ln, "client-1", w->ca, "10.0.1.10");
	int t[2] = { ln_instance(ln, "srv-1", w->pa, "10.0.1.10"),
		     ln_instance(ln, "srv-2", w->pb, "10.0.2.20") };
	w->tg = ln_tg(ln, "tg", SC_TG_INSTANCE, w->pv, 8080, t, 2);
	const int ps[] = { w->pa, w->pb };
	const char *const nips[] = { "10.0.1.100", "10.0.2.100" };
	w->lb = ln_lb(ln, "svc-nlb", SC_LB_NETWORK, w->pv, ps, nips, 2);
	ln_listener(ln, w->lb, SC_PROTO_TCP, 80, w->tg);
	int es = ln_endpoint_service(ln, "svc", w->lb);
	const int cs[] = { w->ca, w->cb };
	const char *const eips[] = { "10.0.1.50", "10.0.2.50" };
	w->ife = ln_ife(ln, "vpce-svc", w->cv, SC_IFE_ENDPOINT_SERVICE, es, cs, eips, 2);
}

static uint64_t accepted(host *h) { return tcp_stack_get_stats(host_tcp(h))->passive_opens; }

/* Every packet addressed to `to` in a capture comes from `from`; returns
 * how many there were. */
static guint only_from(GArray *pk, uint32_t to, uint32_t from)
{
	guint n = 0;
	for (guint i = 0; i < pk->len; i++) {
		const cap_pkt *p = &g_array_index(pk, cap_pkt, i);
		if (p->dst != to)
			continue;
		n++;
		CU_ASSERT_EQUAL(p->src, from);
	}
	return n;
}

/*
 * Ten GETs of 100 KB, a new connection each.  The provider's target sees
 * only the NLB node's address; the consumer sees only the endpoint ENI's.
 * The consumer's SYN (MSS 8961, from its 9001-byte MTU) reaches the target
 * with 8460, and the target's SYN-ACK the consumer with 8460 as well, so
 * the 100 KB come in segments of exactly 8500 bytes, the endpoint's MTU
 * (without the clamp they would be 9001 and dropped).  Charges by hand:
 * the endpoint's two AZ-hours, 0.01 USD per GB of every packet through it
 * (each shows once in the capture at its service side), no cross-AZ
 * transfer, the NLB's hour; the NLB processed the same bytes.
 */
static void test_endpoint_service(void)
{
	plworld w;
	pl_init(&w);
	lbnet *ln = &w.ln;
	ln_build(ln);
	ln_finish(ln);
	node *e = ln->ifes[w.ife];
	ln_serve(ln->hosts[1], 8080, 100000, 0);
	ln_serve(ln->hosts[2], 8080, 100000, 0);
	host_workload *wl = ln_get(ln->hosts[0], "get", "10.0.1.50", 80, 10, 20 * SIM_MS, FALSE);
	const char *cc = ln_capture(ln, node_port(ln->inst[0], 0), "client-1");
	const char *sc = ln_capture(ln, interface_endpoint_service_port(e), "vpce-svc-service");
	const char *tc = ln_capture(ln, node_port(ln->inst[1], 0), "srv-1");
	sim_run(ln->nt->sim);
	ln_close_captures(ln);
	ln_check_completed(wl, 10);
	CU_ASSERT_EQUAL(accepted(ln->hosts[1]), 10);
	CU_ASSERT_EQUAL(accepted(ln->hosts[2]), 0); /* the other AZ's target: cross-zone off */

	GArray *cp = ln_read(cc), *sp = ln_read(sc), *tp = ln_read(tc);
	CU_ASSERT(only_from(tp, IP(10, 0, 1, 10), IP(10, 0, 1, 100)) > 10 * 4);
	CU_ASSERT(only_from(cp, IP(10, 0, 1, 10), IP(10, 0, 1, 50)) > 10 * 12);
	guint syn_t = 0, synack_c = 0, full = 0;
	uint32_t biggest = 0;
	for (guint i = 0; i < tp->len; i++) {
		const cap_pkt *p = &g_array_index(tp, cap_pkt, i);
		if ((p->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN) {
			syn_t++;
			CU_ASSERT_EQUAL(p->mss, 8460);
		}
		if ((p->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == (PKT_TCP_SYN | PKT_TCP_ACK))
			CU_ASSERT_EQUAL(p->mss, 9001 - 40); /* before the endpoint */
		biggest = MAX(biggest, p->ip_len);
		full += p->ip_len == 8500;
	}
	for (guint i = 0; i < cp->len; i++) {
		const cap_pkt *p = &g_array_index(cp, cap_pkt, i);
		if ((p->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN)
			CU_ASSERT_EQUAL(p->mss, 9001 - 40);
		if ((p->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == (PKT_TCP_SYN | PKT_TCP_ACK)) {
			synack_c++;
			CU_ASSERT_EQUAL(p->mss, 8460);
		}
	}
	CU_ASSERT_EQUAL(syn_t, 10);
	CU_ASSERT_EQUAL(synack_c, 10);
	CU_ASSERT_EQUAL(biggest, 8500);
	CU_ASSERT_EQUAL(full, 10 * (100000 / 8460)); /* and a shorter last segment each */
	CU_ASSERT_EQUAL(interface_endpoint_get_stats(e)->mss_clamped, 20);
	CU_ASSERT_EQUAL(net_drops(ln->nt, DROP_MTU), 0);
	pcap_check_lint(cc);
	pcap_check_lint(tc);

	uint64_t through = ln_ip_bytes(sp);
	CU_ASSERT_EQUAL(interface_endpoint_get_stats(e)->bytes, through);
	CU_ASSERT_EQUAL(nlb_get_stats(ln->lbs[w.lb])->bytes, through);
	sim_time run = net_now(ln->nt);
	nlb_finish(ln->lbs[w.lb], run);
	cost_ledger_finish(ln->ledger, run);
	const prices *pr = ln->sc->prices;
	ASSERT_NEAR(ln_cost(ln, "vpce-svc", "hourly"), 2 * pr->interface_endpoint.hourly_usd_per_az, 1e-12);
	double per_gb = pr->interface_endpoint.processing.usd_per_gb[0];
	ASSERT_NEAR(ln_cost(ln, "vpce-svc", "processing"), (double)through / pr->gb_bytes * per_gb, 1e-15);
	ASSERT_NEAR(ln_cost(ln, "svc-nlb", "hourly"), pr->nlb.hourly_usd, 1e-12);
	for (guint i = 0; i < cost_ledger_n_lines(ln->ledger); i++) {
		const cost_line *l = cost_ledger_line_at(ln->ledger, i);
		if (g_str_has_prefix(l->type, "cross-az"))
			CU_ASSERT_EQUAL(l->bytes, 0);
	}
	g_array_unref(cp);
	g_array_unref(sp);
	g_array_unref(tp);
	ln_free(ln);
}

/*
 * UDP through the endpoint to a UDP listener: IP packets up to 8500 bytes
 * pass, larger ones are dropped at the endpoint with DROP_MTU whether DF
 * is set or not, and nobody receives an ICMP message.  The provider's UDP
 * target sees the NLB node's address.
 */
static void test_mtu(void)
{
	plworld w;
	pl_init(&w);
	lbnet *ln = &w.ln;
	int sink = ln_instance(ln, "sink", w.pa, "10.0.1.30");
	ln->is_sink[sink] = TRUE;
	int utg = ln_tg(ln, "tg-udp", SC_TG_INSTANCE, w.pv, 5353, &sink, 1);
	ln_listener(ln, w.lb, SC_PROTO_UDP, 5353, utg);
	ln_build(ln);
	static const struct {
		uint32_t payload;
		gboolean df;
		uint64_t count;
	} srcs[] = {
		{ 1000, TRUE, 3 },  /* IP 1028: through */
		{ 9000, TRUE, 2 },  /* IP 9028: dropped */
		{ 8600, FALSE, 2 }, /* IP 8628, no DF: dropped all the same */
		{ 8472, TRUE, 2 },  /* IP 8500, the MTU: through */
		{ 8473, TRUE, 1 },  /* IP 8501: dropped */
	};
	udp_source *us[G_N_ELEMENTS(srcs)];
	const char *ucap[G_N_ELEMENTS(srcs)];
	for (guint i = 0; i < G_N_ELEMENTS(srcs); i++) {
		char *name = g_strdup_printf("udp-%u", i + 1);
		udp_source_config uc = { .addrs = { .src_ip = IP(10, 0, 1, 11 + i), .dst_ip = IP(10, 0, 1, 50),
			                            .sport = (uint16_t)(40000 + i), .dport = 5353,
			                            .df = srcs[i].df },
			                 .count = srcs[i].count };
		dist_set_const(&uc.interval, UNIT_TIME, (double)SIM_MS);
		dist_set_const(&uc.size, UNIT_SIZE, srcs[i].payload);
		us[i] = udp_source_new(ln->nt, name, &uc);
		dist_clear(&uc.interval);
		dist_clear(&uc.size);
		ln_link(ln, node_port(udp_source_node(us[i]), 0),
		        ln_router_port(ln, w.ca, -1, uc.addrs.src_ip, name));
		ucap[i] = ln_capture(ln, node_port(udp_source_node(us[i]), 0), name);
		g_free(name);
	}
	ln_finish(ln);
	const char *kc = ln_capture(ln, node_port(ln->inst[sink], 0), "sink");
	sim_run(ln->nt->sim);
	ln_close_captures(ln);
	node *e = ln->ifes[w.ife];
	CU_ASSERT_EQUAL(e->drops[DROP_MTU], 5);
	CU_ASSERT_EQUAL(net_drops(ln->nt, DROP_MTU), 5);
	CU_ASSERT_EQUAL(udp_sink_received(ln->sinks[sink]), 5);
	CU_ASSERT_EQUAL(nlb_get_stats(ln->lbs[w.lb])->udp_flows, 2);
	CU_ASSERT(e->drop_details && g_hash_table_lookup(e->drop_details, "mtu-exceeded: 8628 bytes > "
	                                                 "MTU 8500 without DF (endpoints do not fragment)"));
	GArray *kp = ln_read(kc);
	CU_ASSERT_EQUAL(only_from(kp, IP(10, 0, 1, 30), IP(10, 0, 1, 100)), 5);
	guint at_mtu = 0;
	for (guint i = 0; i < kp->len; i++)
		at_mtu += g_array_index(kp, cap_pkt, i).ip_len == 8500;
	CU_ASSERT_EQUAL(at_mtu, 2);
	g_array_unref(kp);
	/* No ICMP, nor anything else, came back to any source. */
	for (guint i = 0; i < G_N_ELEMENTS(srcs); i++) {
		GArray *p = ln_read(ucap[i]);
		CU_ASSERT_EQUAL(p->len, srcs[i].count);
		for (guint k = 0; k < p->len; k++)
			CU_ASSERT_EQUAL(g_array_index(p, cap_pkt, k).src, IP(10, 0, 1, 11 + i));
		g_array_unref(p);
	}
	ln_free(ln);
}

/*
 * Every delay X, think time T, a kept-alive connection.  One way, consumer
 * -> provider: consumer VPC router (X + X to the endpoint ENI) + endpoint
 * (X + X to the NLB node in its AZ) + NLB (X) + provider VPC router (X + X
 * to the target) = 7X; the reply crosses the same seven.  A request on an
 * open connection: 14X + T; the first, after the handshake: 28X + T.
 */
static void test_exact_delays(void)
{
	const sim_time X = 100 * SIM_US, T = SIM_MS;
	plworld w;
	pl_init(&w);
	lbnet *ln = &w.ln;
	profile_set_all_delays(scenario_own_profile(ln->sc), X);
	ln_build(ln);
	ln_finish(ln);
	ln_serve(ln->hosts[1], 8080, 100, T);
	host_workload *wl = ln_get(ln->hosts[0], "get", "10.0.1.50", 80, 10, 10 * SIM_MS, TRUE);
	sim_run(ln->nt->sim);
	ln_check_completed(wl, 10);
	const hdr_hist *lat = host_workload_get_result(wl)->latency;
	printf("\n    min %" G_GINT64_FORMAT " max %" G_GINT64_FORMAT, hdr_min(lat), hdr_max(lat));
	CU_ASSERT_EQUAL(hdr_min(lat), 14 * X + T);
	CU_ASSERT_EQUAL(hdr_max(lat), 28 * X + T);
	ln_free(ln);
}

/* The NLB's idle timeout through PrivateLink: the consumer's late segment
 * gets the RST through the endpoint, from the endpoint's address. */
static void test_idle_rst(void)
{
	plworld w;
	pl_init(&w);
	lbnet *ln = &w.ln;
	ln_lb_at(ln, w.lb)->idle_timeout = 10 * SIM_S;
	ln_build(ln);
	ln_finish(ln);
	const char *cc = ln_capture(ln, node_port(ln->inst[0], 0), "client-1");
	idle_ctx x;
	idle_start(&x, ln->nt, ln->hosts[0], ln->hosts[1], IP(10, 0, 1, 50), 80, 8080, 20 * SIM_S);
	sim_run(ln->nt->sim);
	ln_close_captures(ln);
	CU_ASSERT_EQUAL(x.srv_bytes, 200);
	CU_ASSERT_EQUAL(x.cli_closed, 1 + TCP_CLOSE_RESET);
	CU_ASSERT_EQUAL(x.srv_closed, 1 + TCP_CLOSE_RESET);
	CU_ASSERT_EQUAL(nlb_get_stats(ln->lbs[w.lb])->resets, 2);
	GArray *pk = ln_read(cc);
	const cap_pkt *last_sent = NULL, *rst = NULL;
	for (guint k = 0; k < pk->len; k++) {
		const cap_pkt *p = &g_array_index(pk, cap_pkt, k);
		if (p->src == IP(10, 0, 1, 10) && !rst)
			last_sent = p;
		if (p->flags & PKT_TCP_RST)
			rst = p;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(rst);
	CU_ASSERT_PTR_NOT_NULL_FATAL(last_sent);
	CU_ASSERT_EQUAL(rst->src, IP(10, 0, 1, 50));
	CU_ASSERT_EQUAL(rst->sport, 80);
	CU_ASSERT_EQUAL(rst->seq, last_sent->ack);
	g_array_unref(pk);
	pkt_msg_unref(x.msg);
	ln_free(ln);
}

/* ---- S3 through interface endpoints ---- */

static host_workload *get_sized(host *h, const char *name, const char *ip, uint64_t count,
                                uint64_t size, gboolean keepalive)
{
	host_target t = { ln_ip(ip), 80, NULL };
	host_workload_config wc = { .name = name, .targets = &t, .n_targets = 1, .count = count,
		                    .keepalive = keepalive, .max_conns = keepalive ? 1 : 0 };
	dist_set_const(&wc.interval, UNIT_TIME, (double)(10 * SIM_MS));
	dist_set_const(&wc.response_size, UNIT_SIZE, (double)size);
	host_workload *w = host_add_workload(h, &wc);
	dist_clear(&wc.interval);
	dist_clear(&wc.response_size);
	return w;
}

static int record_src(host *h, pkt *p, void *ud)
{
	(void)h;
	g_hash_table_add(ud, GUINT_TO_POINTER(pkt_ip_src(p)));
	return HOST_ALLOW;
}

/*
 * One consumer VPC (10.0.0.0/16, subnets a in use1-az1 and b in use1-az2),
 * S3 at 52.216.0.10.  "vpce-s3-1" has ENIs 10.0.1.60 (a) and 10.0.2.60
 * (b); "vpce-s3-2" one ENI, 10.0.1.70 (a), with a security group letting
 * in TCP 80 from 10.0.1.0/24 only.  client-1 (10.0.1.10, a) uses
 * vpce-s3-2; client-2 (10.0.2.10, b) uses vpce-s3-1's ENI in a (so its
 * traffic crosses AZs), and also tries vpce-s3-2, which its group denies.
 */
static void test_s3(void)
{
	lbnet ln;
	ln_init(&ln);
	int v = ln_vpc(&ln, "consumer", "10.0.0.0/16");
	int a = ln_subnet(&ln, v, "a", "10.0.1.0/24", 0), b = ln_subnet(&ln, v, "b", "10.0.2.0/24", 1);
	ln_instance(&ln, "client-1", a, "10.0.1.10");
	ln_instance(&ln, "client-2", b, "10.0.2.10");
	int s3 = ln_service(&ln, "s3", "52.216.0.10", 2 * SIM_MS);
	const int s1[] = { a, b };
	const char *const ip1[] = { "10.0.1.60", "10.0.2.60" };
	int e1 = ln_ife(&ln, "vpce-s3-1", v, SC_IFE_AWS_SERVICE, s3, s1, ip1, 2);
	const char *const ip2[] = { "10.0.1.70" };
	int e2 = ln_ife(&ln, "vpce-s3-2", v, SC_IFE_AWS_SERVICE, s3, &a, ip2, 1);
	int sg = ln_sg(&ln, "sg-vpce", v, SC_PROTO_TCP, 80, 80, "10.0.1.0/24");
	g_array_append_val(SC_AT(ln.sc->interface_endpoints, sc_interface_endpoint, e2)->sgs, sg);
	ln_build(&ln);
	ln_finish(&ln);
	GHashTable *srcs = g_hash_table_new(g_direct_hash, g_direct_equal);
	host_set_filters(service_host(ln.services[s3]), NULL, record_src, srcs);
	host_workload *w1 = get_sized(ln.hosts[0], "get", "10.0.1.70", 5, 10000, FALSE);
	host_workload *w2 = get_sized(ln.hosts[1], "get", "10.0.1.60", 5, 10000, FALSE);
	host_workload *w3 = get_sized(ln.hosts[1], "denied", "10.0.1.70", 1, 10000, FALSE);
	const char *c1 = ln_capture(&ln, node_port(ln.inst[0], 0), "client-1");
	const char *c2 = ln_capture(&ln, node_port(ln.inst[1], 0), "client-2");
	const char *s1c = ln_capture(&ln, interface_endpoint_service_port(ln.ifes[e1]), "vpce-s3-1");
	const char *s2c = ln_capture(&ln, interface_endpoint_service_port(ln.ifes[e2]), "vpce-s3-2");
	sim_run(ln.nt->sim);
	ln_close_captures(&ln);
	ln_check_completed(w1, 5);
	ln_check_completed(w2, 5);
	CU_ASSERT_EQUAL(host_workload_get_result(w3)->completed, 0);
	CU_ASSERT(ln.ifes[e2]->drops[DROP_SG] >= 1);
	CU_ASSERT_EQUAL(ln.ifes[e1]->drops[DROP_SG], 0);
	/* S3 saw the consumers' private addresses, and nothing else. */
	CU_ASSERT_EQUAL(g_hash_table_size(srcs), 2);
	CU_ASSERT(g_hash_table_contains(srcs, GUINT_TO_POINTER(IP(10, 0, 1, 10))));
	CU_ASSERT(g_hash_table_contains(srcs, GUINT_TO_POINTER(IP(10, 0, 2, 10))));
	GArray *p1 = ln_read(c1), *p2 = ln_read(c2), *q1 = ln_read(s1c), *q2 = ln_read(s2c);
	CU_ASSERT(only_from(p1, IP(10, 0, 1, 10), IP(10, 0, 1, 70)) > 5 * 4);
	CU_ASSERT(only_from(q2, IP(52, 216, 0, 10), IP(10, 0, 1, 10)) > 5 * 3);
	pcap_check_lint(c1);
	pcap_check_lint(s2c);

	/* Charges: both endpoints' processing in one tier pool, the AZ-hours,
	 * and cross-AZ transfer for everything client-2 sent and received
	 * (0.01 USD per GB out plus 0.01 in). */
	sim_time run = net_now(ln.nt);
	cost_ledger_finish(ln.ledger, run);
	const prices *pr = ln.sc->prices;
	const cost_line *l1 = ln_line(&ln, "vpce-s3-1", "processing");
	const cost_line *l2 = ln_line(&ln, "vpce-s3-2", "processing");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l2);
	CU_ASSERT_PTR_EQUAL(l1->rate, &pr->interface_endpoint.processing);
	CU_ASSERT_PTR_EQUAL(l2->rate, &pr->interface_endpoint.processing);
	uint64_t b1 = ln_ip_bytes(q1), b2 = ln_ip_bytes(q2);
	CU_ASSERT_EQUAL(l1->bytes, b1);
	CU_ASSERT_EQUAL(l2->bytes, b2);
	double pool = prices_tier_cost(&pr->interface_endpoint.processing, 0,
	                               (double)(b1 + b2) / pr->gb_bytes);
	ASSERT_NEAR(l1->run_usd + l2->run_usd, pool, 1e-15);
	ASSERT_NEAR(l1->run_usd, (double)b1 / pr->gb_bytes * 0.01, 1e-15);
	double az_hour = pr->interface_endpoint.hourly_usd_per_az;
	ASSERT_NEAR(ln_cost(&ln, "vpce-s3-1", "hourly"), 2 * az_hour, 1e-12);
	ASSERT_NEAR(ln_cost(&ln, "vpce-s3-2", "hourly"), az_hour, 1e-12);
	double xaz = 0;
	for (guint i = 0; i < cost_ledger_n_lines(ln.ledger); i++) {
		const cost_line *l = cost_ledger_line_at(ln.ledger, i);
		if (g_str_has_prefix(l->type, "cross-az"))
			xaz += l->run_usd;
	}
	uint64_t crossing = ln_ip_bytes(p2);
	ASSERT_NEAR(xaz, 2 * (double)crossing / pr->gb_bytes * pr->data_transfer.cross_az.usd_per_gb[0],
	            1e-15);
	g_array_unref(p1);
	g_array_unref(p2);
	g_array_unref(q1);
	g_array_unref(q2);
	g_hash_table_unref(srcs);
	ln_free(&ln);
}

/*
 * Every delay X, S3's latency L, a kept-alive connection.  One way: VPC
 * router (X + X to the ENI) + endpoint (X; S3 is outside any AZ, so no
 * propagation is added towards it) = 3X, the same back.  A request on an
 * open connection: 6X + L; the first, after the handshake: 12X + L.
 */
static void test_s3_exact_delays(void)
{
	const sim_time X = 100 * SIM_US, L = 2 * SIM_MS;
	lbnet ln;
	ln_init(&ln);
	profile_set_all_delays(scenario_own_profile(ln.sc), X);
	/* No serialization anywhere: S3 sends at the instance rate otherwise. */
	ln.sc->profile->bandwidth.instance = 0;
	int v = ln_vpc(&ln, "consumer", "10.0.0.0/16");
	int a = ln_subnet(&ln, v, "a", "10.0.1.0/24", 0);
	ln_instance(&ln, "client-1", a, "10.0.1.10");
	int s3 = ln_service(&ln, "s3", "52.216.0.10", L);
	const char *const ips[] = { "10.0.1.60" };
	ln_ife(&ln, "vpce-s3", v, SC_IFE_AWS_SERVICE, s3, &a, ips, 1);
	ln_build(&ln);
	ln_finish(&ln);
	host_workload *wl = get_sized(ln.hosts[0], "get", "10.0.1.60", 10, 100, TRUE);
	sim_run(ln.nt->sim);
	ln_check_completed(wl, 10);
	const hdr_hist *lat = host_workload_get_result(wl)->latency;
	printf("\n    min %" G_GINT64_FORMAT " max %" G_GINT64_FORMAT, hdr_min(lat), hdr_max(lat));
	CU_ASSERT_EQUAL(hdr_min(lat), 6 * X + L);
	CU_ASSERT_EQUAL(hdr_max(lat), 12 * X + L);
	ln_free(&ln);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("privatelink");
	CU_add_test(s, "endpoint service over same CIDRs: NLB source, ENI replies, MSS 8460, lint, costs",
	            test_endpoint_service);
	CU_add_test(s, "MTU 8500: larger packets dropped at the endpoint, no ICMP; UDP listener", test_mtu);
	CU_add_test(s, "constant delays: endpoint + NLB latency is the exact sum", test_exact_delays);
	CU_add_test(s, "idle timeout through PrivateLink: RST from the endpoint's address", test_idle_rst);
	CU_add_test(s, "S3 interface endpoints: private source, security group, shared tiers, cross-AZ",
	            test_s3);
	CU_add_test(s, "constant delays: S3 through an interface endpoint", test_s3_exact_delays);
}
