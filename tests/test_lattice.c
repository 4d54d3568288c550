/* \summary: VPC Lattice tests: link-local front, own connection from 169.254.171.x, SGs, costs, delays */
/* lbnet.h first: it asks for the BSD types pcap.h needs. */
#include "lbnet.h"
#include "lattice.h"
#include "pcap_check.h"
#include "scenario.h"

#include <math.h>

/*
 * Consumer VPC-A 10.0.0.0/16 (subnet a-1 10.0.1.0/24, use1-az1) with
 * client-1 10.0.1.4; provider VPC-B 10.1.0.0/16 (b-1 10.1.1.0/24 use1-az1,
 * b-2 10.1.2.0/24 use1-az2) with the ALB "alb-b", stood in for by a host at
 * each node address (10.1.1.5, 10.1.2.5) answering HTTP on port 80.  The
 * service network "sn-ab" is associated with VPC-A; its service "svc-b"
 * (front 169.254.171.32:80) forwards to alb-b:80 in VPC-B.  The
 * association's security group, when a test gives one, is the only group
 * checked on Lattice's consumer side.
 */
typedef struct {
	lbnet ln;
	int va, vb, a1, b1, b2, lb;
	lattice *lat;
	int assoc_sg;  /* -1: none */
	uint8_t alb_azs[2];
	guint n_alb;   /* ALB nodes given to the service (1: only the first) */
	guint first_alb;
} ltworld;

static void lt_init(ltworld *w, const char *cidr_b)
{
	memset(w, 0, sizeof *w);
	lbnet *ln = &w->ln;
	ln_init(ln);
	w->va = ln_vpc(ln, "vpc-a", "10.0.0.0/16");
	w->vb = ln_vpc(ln, "vpc-b", cidr_b);
	w->a1 = ln_subnet(ln, w->va, "a-1", "10.0.1.0/24", 0);
	gboolean same = strcmp(cidr_b, "10.0.0.0/16") == 0;
	w->b1 = ln_subnet(ln, w->vb, "b-1", same ? "10.0.1.0/24" : "10.1.1.0/24", 0);
	w->b2 = ln_subnet(ln, w->vb, "b-2", same ? "10.0.2.0/24" : "10.1.2.0/24", 1);
	ln_instance(ln, "client-1", w->a1, "10.0.1.4");
	int subnets[] = { w->b1, w->b2 };
	/* With overlapping CIDRs the ALB's first node has the client's own
	 * address: Lattice does not care. */
	const char *ips[] = { same ? "10.0.1.4" : "10.1.1.5", same ? "10.0.2.5" : "10.1.2.5" };
	w->lb = ln_lb(ln, "alb-b", SC_LB_APPLICATION, w->vb, subnets, ips, 2);
	w->assoc_sg = -1;
	w->alb_azs[0] = 1;
	w->alb_azs[1] = 2;
	w->n_alb = 2;
}

/* Builds the network with the service network joined to both routers. */
static void lt_build(ltworld *w)
{
	lbnet *ln = &w->ln;
	ln_build(ln);
	w->lat = lattice_new(&ln->fab, "sn-ab", ln->sgw);
	GArray *sgs = NULL;
	if (w->assoc_sg >= 0)
		sgs = ln_ints(&w->assoc_sg, 1);
	port *pa = lattice_add_association(w->lat, "vpc-a", sgs);
	if (sgs)
		g_array_unref(sgs);
	ln_link(ln, pa, vpc_router_add_port(ln->routers[w->va], VPC_PORT_LATTICE, -1, -1, 0, "sn-ab"));
	port *pb;
	guint tv = lattice_add_target_vpc(w->lat, &pb);
	ln_link(ln, pb, vpc_router_add_port(ln->routers[w->vb], VPC_PORT_LATTICE, -1, -1, 0, "sn-ab"));
	const sc_lb *lb = ln_lb_at(ln, w->lb);
	uint32_t ips[2];
	for (guint k = 0; k < 2; k++)
		ips[k] = g_array_index(lb->node_ips, uint32_t, k);
	uint32_t front = lattice_add_service(w->lat, "svc-b", 80, ips + w->first_alb,
	                                     w->alb_azs + w->first_alb, w->n_alb, 80, tv);
	CU_ASSERT_EQUAL(front, IP(169, 254, 171, 32));
	ln_finish(ln);
	for (guint k = 0; k < 2; k++)
		ln_serve(ln->alb_nodes[w->lb][k], 80, 16000, 0);
}

static void lt_finish(ltworld *w)
{
	sim_time end = net_now(w->ln.nt);
	lattice_finish(w->lat, end);
	cost_ledger_finish(w->ln.ledger, end);
}

/* No line of any component bills cross-AZ transfer. */
static guint cross_az_lines(lbnet *ln)
{
	guint n = 0;
	for (guint i = 0; i < cost_ledger_n_lines(ln->ledger); i++) {
		const cost_line *l = cost_ledger_line_at(ln->ledger, i);
		n += g_str_has_prefix(l->type, "cross-az") && l->bytes > 0;
	}
	return n;
}

/*
 * The data path: the client talks to 169.254.171.32 only; the ALB node
 * sees connections from 169.254.171.128 (Lattice's address in use1-az1),
 * never the client; X-Forwarded-For names the client.
 */
static void test_data_path(void)
{
	ltworld w;
	lt_init(&w, "10.1.0.0/16");
	lt_build(&w);
	lbnet *ln = &w.ln;
	const char *cc = ln_capture(ln, node_port(ln->inst[0], 0), "client-1");
	const char *ac = ln_capture(ln, node_port(host_node(ln->alb_nodes[w.lb][0]), 0), "alb-b-1");
	host_workload *wl = ln_get(ln->hosts[0], "get", "169.254.171.32", 80, 20, 10 * SIM_MS, TRUE);
	sim_run(ln->nt->sim);
	ln_close_captures(ln);
	ln_check_completed(wl, 20);
	const lattice_stats *st = lattice_get_stats(w.lat);
	CU_ASSERT_EQUAL(st->requests, 20);
	CU_ASSERT_EQUAL(st->forwarded, 20);
	CU_ASSERT_EQUAL(st->client_connections, 1);
	CU_ASSERT_EQUAL(st->backend_connections, 1);

	GArray *cp = ln_read(cc);
	guint n = 0;
	for (guint i = 0; i < cp->len; i++) {
		const cap_pkt *c = &g_array_index(cp, cap_pkt, i);
		CU_ASSERT(c->src == IP(169, 254, 171, 32) || c->dst == IP(169, 254, 171, 32));
		/* Lattice's SYN-ACK offers the MSS of its 8500-byte MTU. */
		if ((c->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == (PKT_TCP_SYN | PKT_TCP_ACK)) {
			CU_ASSERT_EQUAL(c->mss, 8460);
			n++;
		}
	}
	CU_ASSERT_EQUAL(n, 1);
	g_array_unref(cp);

	GArray *ap = ln_read(ac);
	n = 0;
	for (guint i = 0; i < ap->len; i++) {
		const cap_pkt *c = &g_array_index(ap, cap_pkt, i);
		uint32_t peer = c->src == IP(10, 1, 1, 5) ? c->dst : c->src;
		CU_ASSERT_EQUAL(peer, IP(169, 254, 171, 128));
		n += (c->flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN;
	}
	CU_ASSERT_EQUAL(n, 1);
	g_array_unref(ap);
	pcap_check_lint(cc);
	pcap_check_lint(ac);
	if (pcap_check_have_tshark()) {
		char *xff = pcap_check_fact_lines(ac, "http.request", "http.x_forwarded_for");
		CU_ASSERT_STRING_EQUAL(xff, "10.0.1.4");
		g_free(xff);
	}
	ln_free(ln);
}

/*
 * Every delay X (propagation and processing), the ALB stand-in answers at
 * once.  One way, client -> ALB: VPC-A router (X, Lattice is in no AZ) +
 * into Lattice (X, same AZ) + VPC-B router (X + X to the node in use1-az1)
 * = 4X; back the same 4X; Lattice's processing X per request.  A request
 * on two open connections: 9X; the first opens both (2 x 4X more): 17X.
 */
static void test_exact_delays(void)
{
	const sim_time X = 100 * SIM_US;
	ltworld w;
	lt_init(&w, "10.1.0.0/16");
	profile_set_all_delays(scenario_own_profile(w.ln.sc), X);
	lt_build(&w);
	lbnet *ln = &w.ln;
	host_workload *wl = ln_get(ln->hosts[0], "get", "169.254.171.32", 80, 10, 10 * SIM_MS, TRUE);
	sim_run(ln->nt->sim);
	ln_check_completed(wl, 10);
	const hdr_hist *lat = host_workload_get_result(wl)->latency;
	printf("\n    min %" G_GINT64_FORMAT " max %" G_GINT64_FORMAT, hdr_min(lat), hdr_max(lat));
	CU_ASSERT_EQUAL(hdr_min(lat), 9 * X);
	CU_ASSERT_EQUAL(hdr_max(lat), 17 * X);
	ln_free(ln);
}

/*
 * Costs by hand from the price table: one service-hour (a partial hour is
 * a full one), 0.025 USD per 2^30 bytes of HTTP requests and responses as
 * the client sent and received them, no request line while the hour's
 * requests are under the free 300,000; with the free allowance at 0, 0.10
 * USD per million requests.  Lattice's leg to an ALB node in another AZ
 * bills no cross-AZ transfer anywhere.
 */
static void test_costs(void)
{
	for (int free_none = 0; free_none < 2; free_none++) {
		ltworld w;
		lt_init(&w, "10.1.0.0/16");
		/* Only the use1-az2 node: every back-end byte crosses AZs. */
		w.first_alb = 1;
		w.n_alb = 1;
		prices *pr = (prices *)w.ln.sc->prices;
		if (free_none)
			pr->vpc_lattice.free_requests_per_hour = 0;
		lt_build(&w);
		lbnet *ln = &w.ln;
		host_workload *wl = ln_get(ln->hosts[0], "get", "169.254.171.32", 80, 200, 5 * SIM_MS, TRUE);
		sim_run(ln->nt->sim);
		ln_check_completed(wl, 200);
		lt_finish(&w);
		const host_workload_result *r = host_workload_get_result(wl);
		const lattice_stats *st = lattice_get_stats(w.lat);
		CU_ASSERT_EQUAL(st->request_bytes, r->bytes_sent);
		CU_ASSERT_EQUAL(st->response_bytes, r->bytes_received);
		double gb = (double)(r->bytes_sent + r->bytes_received) / 1073741824.0;
		CU_ASSERT_DOUBLE_EQUAL(ln_cost(ln, "svc-b", "hourly"), 0.025, 1e-12);
		CU_ASSERT_DOUBLE_EQUAL(ln_cost(ln, "svc-b", "processing"), gb * 0.025, 1e-12);
		if (free_none) {
			CU_ASSERT_DOUBLE_EQUAL(ln_cost(ln, "svc-b", "requests"), 200 * 0.10 / 1e6, 1e-12);
		} else {
			CU_ASSERT_EQUAL(ln_cost(ln, "svc-b", "requests"), -1);
		}
		CU_ASSERT_EQUAL(cross_az_lines(ln), 0);
		/* To the cent, as a bill shows it. */
		double total = 0.025 + gb * 0.025 + (free_none ? 200 * 0.10 / 1e6 : 0);
		CU_ASSERT_EQUAL(llround(cost_ledger_total_run_usd(ln->ledger) * 100), llround(total * 100));
		ln_free(ln);
	}
}

/* The association's security group decides which clients may use the
 * service network: a group that allows only 10.9.0.0/16 drops the SYNs at
 * Lattice, and nothing reaches the ALB. */
static void test_association_sg(void)
{
	ltworld w;
	lt_init(&w, "10.1.0.0/16");
	w.assoc_sg = ln_sg(&w.ln, "sg-assoc", w.va, SC_PROTO_TCP, 80, 80, "10.9.0.0/16");
	lt_build(&w);
	lbnet *ln = &w.ln;
	host_workload *wl = ln_get(ln->hosts[0], "get", "169.254.171.32", 80, 1, 10 * SIM_MS, TRUE);
	sim_run(ln->nt->sim);
	CU_ASSERT_EQUAL(host_workload_get_result(wl)->completed, 0);
	node *n = lattice_node(w.lat);
	CU_ASSERT(n->drops[DROP_SG] > 0);
	CU_ASSERT(n->drop_details && g_hash_table_lookup(n->drop_details, "security-group: sg-assoc"));
	CU_ASSERT_EQUAL(lattice_get_stats(w.lat)->requests, 0);
	ln_free(ln);

	/* Allowing the client's VPC lets the same request through. */
	lt_init(&w, "10.1.0.0/16");
	w.assoc_sg = ln_sg(&w.ln, "sg-assoc", w.va, SC_PROTO_TCP, 80, 80, "10.0.0.0/16");
	lt_build(&w);
	ln = &w.ln;
	wl = ln_get(ln->hosts[0], "get", "169.254.171.32", 80, 1, 10 * SIM_MS, TRUE);
	sim_run(ln->nt->sim);
	ln_check_completed(wl, 1);
	ln_free(ln);
}

/* Overlapping CIDRs: both VPCs 10.0.0.0/16, the ALB's node even has the
 * client's own address; the client reaches it through Lattice. */
static void test_overlap(void)
{
	ltworld w;
	lt_init(&w, "10.0.0.0/16");
	lt_build(&w);
	lbnet *ln = &w.ln;
	host_workload *wl = ln_get(ln->hosts[0], "get", "169.254.171.32", 80, 5, 10 * SIM_MS, TRUE);
	sim_run(ln->nt->sim);
	ln_check_completed(wl, 5);
	CU_ASSERT_EQUAL(lattice_get_stats(w.lat)->forwarded, 5);
	ln_free(ln);
}

/* A VPC without an association has no way to Lattice: the link-local
 * address is not routed. */
static void test_not_associated(void)
{
	ltworld w;
	lt_init(&w, "10.1.0.0/16");
	lbnet *ln = &w.ln;
	int vc = ln_vpc(ln, "vpc-c", "10.2.0.0/16");
	int c1 = ln_subnet(ln, vc, "c-1", "10.2.1.0/24", 0);
	ln_instance(ln, "client-c", c1, "10.2.1.4");
	lt_build(&w);
	host_workload *wl = ln_get(ln->hosts[1], "get", "169.254.171.32", 80, 1, 10 * SIM_MS, TRUE);
	sim_run(ln->nt->sim);
	CU_ASSERT_EQUAL(host_workload_get_result(wl)->completed, 0);
	CU_ASSERT(vpc_router_node(ln->routers[vc])->drops[DROP_NO_ROUTE] > 0);
	CU_ASSERT_EQUAL(lattice_get_stats(w.lat)->requests, 0);
	ln_free(ln);
}

/* Bad Lattice groups in scenarios/alb-lattice.ini: one clear message
 * each, naming the file, group, key and value and what was expected. */
static void expect_refused(const char *set, const char *want)
{
	char *path = harness_source_path("scenarios/alb-lattice.ini");
	const char *sets[] = { set, NULL };
	GError *err = NULL;
	scenario *sc = scenario_load(path, sets, &err);
	g_free(path);
	CU_ASSERT_PTR_NULL(sc);
	if (sc) {
		scenario_free(sc);
		return;
	}
	gboolean ok = strstr(err->message, want) && strstr(err->message, "alb-lattice.ini:");
	CU_ASSERT(ok);
	if (!ok)
		printf("\n    %s: got '%s', wanted '%s'", set, err->message, want);
	g_error_free(err);
}

static void test_bad_groups(void)
{
	expect_refused("lattice_service:svc-b.listeners=https 443 -> tg-alb-b",
	               "[lattice_service svc-b] listeners: 'https 443 -> tg-alb-b': protocol 'https' is not "
	               "modelled; expected http");
	expect_refused("lattice_service:svc-b.listeners=http 80 -> tg-nope",
	               "[lattice_service svc-b] listeners: 'tg-nope'");
	expect_refused("lattice_target_group:tg-alb-b.port=8080",
	               "[lattice_target_group tg-alb-b] port: '8080' is not a listener port of alb-b; "
	               "expected one of 80");
	expect_refused("lattice_target_group:tg-alb-b.targets=web-1",
	               "[lattice_target_group tg-alb-b] targets: 'web-1'");
	expect_refused("lattice_target_group:tg-alb-b.type=instance",
	               "[lattice_target_group tg-alb-b] type: 'instance'");
	expect_refused("service_network:sn-ab.security_groups=sg-alb",
	               "[service_network sn-ab] security_groups: 'sg-alb' is a security group of vpc-b, "
	               "which is not associated with sn-ab");
	expect_refused("workload:web.port=8080",
	               "[workload web] port: '8080' is not the listener port of Lattice service svc-b; "
	               "expected 80");
}

/* What compare derives for option 5 comes from the Lattice kind: not
 * transitive, overlapping CIDRs allowed (the scenario reloads with both
 * VPCs on one CIDR), private addresses only, the path through sn-ab and
 * the ALB, and the configuration: the network, the service and its target
 * group once, a VPC association per consumer. */
static void test_compare_properties(void)
{
	char *file = harness_source_path("scenarios/alb-lattice.ini");
	char *out = NULL;
	int rc = harness_vpcsim_v(&out, NULL, "compare", file, "--duration", "500ms", "--format", "json",
	                          NULL);
	g_free(file);
	CU_ASSERT_EQUAL(rc, 0);
	const char *want[] = {
		"\"transitive_routing\": \"no: only clients in VPCs associated with the service network",
		"\"overlapping_cidrs\": \"allowed (the scenario loads with both VPCs on one CIDR)\"",
		"\"internet_exposure\": \"private addresses only\"",
		"\"path\": \"client-1 > vpc-a-router > sn-ab > vpc-b-router > alb-b > vpc-b-router > web-1\"",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		gboolean ok = out && strstr(out, want[i]);
		CU_ASSERT(ok);
		if (!ok)
			printf("\n    compare --format json lacks %s", want[i]);
	}
	g_free(out);
}

/* `vpcsim trace` to a Lattice service: the router hands the link-local
 * address to Lattice, the association's group is checked, Lattice says
 * where it forwards. */
static void test_trace(void)
{
	char *file = harness_source_path("scenarios/alb-lattice.ini");
	char *out = NULL;
	int rc = harness_vpcsim_v(&out, NULL, "trace", file, "--from", "client-1", "--to", "svc-b", NULL);
	g_free(file);
	CU_ASSERT_EQUAL(rc, 0);
	const char *want[] = {
		"10.0.1.4:40665 > 169.254.171.32:80",
		"route VPC Lattice (169.254.171.0/24, link-local): to sn-ab",
		"service network association sn-ab/vpc-a, security group inbound: tcp 80 from 10.0.0.0/16 in "
		"sg-lattice-a",
		"sn-ab decides: VPC Lattice: service svc-b, listener http:80 default action -> ALB target "
		"10.1.1.5:80; forwarded on its own connection from 169.254.171.128",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		gboolean ok = out && strstr(out, want[i]);
		CU_ASSERT(ok);
		if (!ok)
			printf("\n    trace lacks %s", want[i]);
	}
	g_free(out);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("VPC Lattice");
	CU_add_test(s, "client sees 169.254.171.32, the ALB 169.254.171.128", test_data_path);
	CU_add_test(s, "constant delays: latency is the exact sum", test_exact_delays);
	CU_add_test(s, "costs by hand from the price table", test_costs);
	CU_add_test(s, "association security groups", test_association_sg);
	CU_add_test(s, "overlapping CIDRs", test_overlap);
	CU_add_test(s, "a VPC without association cannot reach Lattice", test_not_associated);
	CU_add_test(s, "bad Lattice groups: one clear message each", test_bad_groups);
	CU_add_test(s, "compare: what option 5 allows, from the Lattice kind", test_compare_properties);
	CU_add_test(s, "trace to a Lattice service", test_trace);
}
