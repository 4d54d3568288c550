/* \summary: vpcsim reach: the SYN scan of each ALB option against hand counts, open security groups, configuration counts, captures */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "drops.h"
#include "lesson_facts.h"
#include "node.h"
#include "pcap_check.h"
#include "reach.h"

static reach_result *scan(const char *rel, const reach_options *ro)
{
	char *file = harness_source_path(rel);
	GError *err = NULL;
	reach_result *r = reach_run(file, NULL, ro, &err);
	if (!r) {
		fprintf(stderr, "\n%s: %s\n", rel, err->message);
		g_error_free(err);
	}
	g_free(file);
	return r;
}

static const reach_probe *probe_at(const reach_pass *ps, const char *ip, uint16_t tport)
{
	uint32_t a = 0;
	pkt_ip_parse(ip, &a);
	for (guint i = 0; i < ps->probes->len; i++) {
		const reach_probe *p = &g_array_index(ps->probes, reach_probe, i);
		if (p->ip == a && p->port == tport)
			return p;
	}
	return NULL;
}

/*
 * The hand count, from the scenario files.  The scanner is client-1
 * (10.0.1.4); ports 22, 80, 443, 3306, 5432, 6379 and 8080 (the common
 * ones, with the listener's 80 and the targets' 8080): 7.
 *
 *  - alb-peering, alb-tgw: VPC-B's route table b-app (subnets b-app-1 and
 *    b-app-2, two /24) routes 10.0.0.0/16 back; the TGW variant's
 *    attachment subnets use the main table, local only.  Routable: 512.
 *    Scenario groups: sg-client lets out tcp 80 only; of VPC-B's holders
 *    on 80, the ALB's two nodes admit it (sg-alb), web-1 and web-2 do not
 *    (sg-web: 8080 from sg-alb): 2 pairs answer, both the listener.
 *    Groups open: the ALB answers on 80 only (no listener elsewhere: no
 *    answer), web-1 and web-2 on all 7 (SYN-ACK on 8080, RST on the 6
 *    others): 2 + 14 = 16, 14 other than the listener.
 *  - alb-privatelink: VPC-A has no route to VPC-B; the endpoint ENI
 *    10.0.1.6 is local.  Routable 1, answering 1 (port 80, the NLB's only
 *    listener) with either groups: opening them changes nothing.
 *  - alb-public: VPC-B's private range is not routed on the internet; the
 *    ALB's two public addresses are, through the NAT gateway.  Routable 2,
 *    answering 2 (port 80; no listener elsewhere) with either groups.
 */
typedef struct {
	const char *file;
	guint64 addresses, routable, answer, answer_open, other, other_open;
} hand_count;

static const hand_count hand[] = {
	{ "scenarios/alb-peering.ini", 65536, 512, 2, 16, 0, 14 },
	{ "scenarios/alb-tgw.ini", 65536, 512, 2, 16, 0, 14 },
	{ "scenarios/alb-privatelink.ini", 65537, 1, 1, 1, 0, 0 },
	{ "scenarios/alb-public.ini", 65538, 2, 2, 2, 0, 0 },
};

static void test_hand_counts(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(hand); i++) {
		const hand_count *h = &hand[i];
		reach_options ro = { 0 };
		reach_result *r = scan(h->file, &ro);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->ports->len, 7);
		CU_ASSERT_EQUAL(r->addresses, h->addresses);
		CU_ASSERT_EQUAL(r->routable, h->routable);
		CU_ASSERT_EQUAL(r->scen.synack + r->scen.rst, h->answer);
		CU_ASSERT_EQUAL(r->open.synack + r->open.rst, h->answer_open);
		CU_ASSERT_EQUAL(r->scen.other, h->other);
		CU_ASSERT_EQUAL(r->open.other, h->other_open);
		/* Every pair is either answered or dropped, in both runs. */
		CU_ASSERT_EQUAL(r->scen.pairs, h->addresses * 7);
		CU_ASSERT_EQUAL(r->scen.synack + r->scen.rst + r->scen.dropped, r->scen.pairs);
		CU_ASSERT_EQUAL(r->open.synack + r->open.rst + r->open.dropped, r->open.pairs);
		/* Far fewer SYNs than pairs: one per range of unassigned addresses. */
		CU_ASSERT(r->scen.sent < 200);
		if (r->routable != h->routable || r->open.synack + r->open.rst != h->answer_open)
			printf("\n    %s: routable %" G_GUINT64_FORMAT ", answering %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT,
			       h->file, r->routable, r->scen.synack + r->scen.rst, r->open.synack + r->open.rst);
		reach_free(r);
	}
}

/*
 * Options 5 and 6 front the ALB with an address the scanner's VPC reaches
 * without any route to VPC-B: Lattice's link-local front 169.254.171.32
 * (VPC-A is associated with sn-ab) and the resource endpoint's ENI
 * 10.0.1.6 (in VPC-A's a-app-1).  Hand count on ports 22 and 80: the
 * scan covers VPC-B's /16 and that one address (65537); VPC-B is not
 * routed from VPC-A, so the one routable address is the front, which
 * answers on 80 only (Lattice's listener; the resource configuration's
 * port range), with either groups.  Before the kinds said what they
 * front, alb-lattice reported 0 routable (the scan saw VPC-B only).
 */
static void test_fronts(void)
{
	static const struct {
		const char *file, *front, *name;
	} cases[] = {
		{ "scenarios/alb-lattice.ini", "169.254.171.32", "svc-b 169.254.171.32" },
		{ "scenarios/alb-resource-endpoint.ini", "10.0.1.6", "vpce-rc-alb 10.0.1.6" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		reach_options ro = { .ports = "22,80" };
		reach_result *r = scan(cases[i].file, &ro);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->targets->len, 2);
		if (r->targets->len == 2)
			CU_ASSERT_STRING_EQUAL(g_array_index(r->targets, reach_target, 1).what, cases[i].name);
		CU_ASSERT_EQUAL(r->addresses, 65537);
		CU_ASSERT_EQUAL(r->routable, 1);
		uint32_t front = 0;
		pkt_ip_parse(cases[i].front, &front);
		CU_ASSERT_EQUAL(r->routable_ranges->len, 1);
		if (r->routable_ranges->len == 1) {
			CU_ASSERT_EQUAL(g_array_index(r->routable_ranges, reach_target, 0).first, front);
			CU_ASSERT_EQUAL(g_array_index(r->routable_ranges, reach_target, 0).last, front);
		}
		CU_ASSERT_EQUAL(r->scen.synack + r->scen.rst, 1);
		CU_ASSERT_EQUAL(r->open.synack + r->open.rst, 1);
		CU_ASSERT_EQUAL(r->scen.other, 0);
		const reach_probe *p = probe_at(&r->scen, cases[i].front, 80);
		CU_ASSERT(p && p->answer == REACH_SYNACK);
		p = probe_at(&r->open, cases[i].front, 22);
		CU_ASSERT(p && p->answer == REACH_DROPPED);
		reach_free(r);
	}
}

/* Opening every security group widens peering and TGW to the routed
 * range's hosts, and leaves PrivateLink and the internet-facing ALB as
 * they were. */
static void test_open_groups(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(hand); i++) {
		reach_options ro = { 0 };
		reach_result *r = scan(hand[i].file, &ro);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		gboolean widened = r->open.synack + r->open.rst > r->scen.synack + r->scen.rst;
		gboolean network = strstr(hand[i].file, "peering") || strstr(hand[i].file, "tgw");
		CU_ASSERT_EQUAL(widened, network);
		reach_free(r);
	}
}

/* What decided, for some pairs by hand: client-1's own group stops port 22
 * before it leaves; sg-web stops port 80 at web-1; with the groups open
 * web-1 answers 22 with a RST and 8080 with a SYN-ACK, and the ALB drops
 * a SYN to 22 (it has no listener there: before, its TCP answered RST). */
static void test_deciders(void)
{
	reach_options ro = { 0 };
	reach_result *r = scan("scenarios/alb-peering.ini", &ro);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	const reach_probe *p = probe_at(&r->scen, "10.1.1.4", 22);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->answer, REACH_DROPPED);
	CU_ASSERT_STRING_EQUAL(p->who, "client-1");
	CU_ASSERT_EQUAL(p->drop, DROP_SG);
	CU_ASSERT_PTR_NOT_NULL(strstr(p->why, "outbound: no rule of sg-client"));
	p = probe_at(&r->scen, "10.1.1.4", 80);
	CU_ASSERT_EQUAL(p->answer, REACH_DROPPED);
	CU_ASSERT_STRING_EQUAL(p->who, "web-1");
	CU_ASSERT_PTR_NOT_NULL(strstr(p->why, "inbound: no rule of sg-web"));
	p = probe_at(&r->scen, "10.1.1.5", 80);
	CU_ASSERT_EQUAL(p->answer, REACH_SYNACK);
	CU_ASSERT_STRING_EQUAL(p->who, "alb-b");
	CU_ASSERT_PTR_NOT_NULL(strstr(p->why, "alb-b: tcp 80 from 10.0.0.0/16 in sg-alb"));
	p = probe_at(&r->open, "10.1.1.4", 22);
	CU_ASSERT_EQUAL(p->answer, REACH_RST);
	CU_ASSERT_STRING_EQUAL(p->who, "web-1");
	p = probe_at(&r->open, "10.1.1.4", 8080);
	CU_ASSERT_EQUAL(p->answer, REACH_SYNACK);
	p = probe_at(&r->open, "10.1.1.5", 22);
	CU_ASSERT_EQUAL(p->answer, REACH_DROPPED);
	CU_ASSERT_STRING_EQUAL(p->who, "alb-b");
	CU_ASSERT_EQUAL(p->drop, DROP_NO_LISTENER);
	/* An unassigned address: VPC-B has no ENI there and says nothing. */
	p = probe_at(&r->open, "10.1.3.0", 80);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->answer, REACH_DROPPED);
	CU_ASSERT_STRING_EQUAL(p->who, "vpc-b-router");
	CU_ASSERT_EQUAL(p->drop, DROP_NO_ADDRESS);
	CU_ASSERT_FALSE(p->routable); /* outside every subnet: no route table to answer from */
	reach_free(r);
}

/* One address per range stands for the range: the same figures as
 * probing every address, over a /22 that holds subnets, holes and hosts. */
static void test_ranges_equal_exhaustive(void)
{
	const char *files[] = { "scenarios/alb-tgw.ini", "scenarios/alb-peering.ini" };
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		reach_options a = { .to = "10.1.0.0/22" }, b = { .to = "10.1.0.0/22", .exhaustive = TRUE };
		reach_result *x = scan(files[i], &a), *y = scan(files[i], &b);
		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		CU_ASSERT_PTR_NOT_NULL_FATAL(y);
		CU_ASSERT_EQUAL(y->scen.sent, 1024 * 7);
		CU_ASSERT(x->scen.sent < y->scen.sent / 50);
		CU_ASSERT_EQUAL(x->routable, y->routable);
		CU_ASSERT_EQUAL(x->routable, 512);
		const reach_pass *px[2] = { &x->scen, &x->open }, *py[2] = { &y->scen, &y->open };
		for (int k = 0; k < 2; k++) {
			CU_ASSERT_EQUAL(px[k]->pairs, py[k]->pairs);
			CU_ASSERT_EQUAL(px[k]->synack, py[k]->synack);
			CU_ASSERT_EQUAL(px[k]->rst, py[k]->rst);
			CU_ASSERT_EQUAL(px[k]->dropped, py[k]->dropped);
			CU_ASSERT_EQUAL(px[k]->other, py[k]->other);
		}
		reach_free(x);
		reach_free(y);
	}
}

/*
 * Configuration to keep, by hand from the files, per consumer VPC and once:
 *  - peering: per consumer a-app's route to VPC-B, b-app's route to the
 *    consumer, the peering, sg-client's egress rule and sg-alb's rule for
 *    the consumer's CIDR: 5; nothing once.  N=2: 10, N=10: 50.  The
 *    service VPC's 51st peering is over the 50 per VPC.
 *  - TGW: per consumer the two routes, the attachment, its association
 *    and propagation, the two rules: 7; once the TGW, the service's
 *    attachment, the TGW route table, the service attachment's
 *    association and propagation: 5.  N=2: 19, N=10: 75.  sg-alb's rule
 *    per consumer meets 60 rules per group at 61 (routes per table: 501,
 *    attachments: 5000).
 *  - PrivateLink: per consumer the endpoint, the permission, sg-client's
 *    and sg-endpoint's rules: 4; once the endpoint service and its NLB,
 *    sg-alb's rule for the NLB's range, the TXT record of the private DNS
 *    name: 4.  N=2: 12, N=10: 44.  No quota grows with the consumers.
 *  - public: per consumer a-app's and a-public's default routes, the two
 *    rules (sg-alb's for the NAT gateway's Elastic IP), the NAT gateway,
 *    its Elastic IP and the internet gateway: 7; once b-public's default
 *    route and VPC-B's internet gateway: 2.  N=2: 16, N=10: 72.  Rules
 *    per group at 61.
 */
static void test_config_counts(void)
{
	static const struct {
		const char *file;
		guint64 n2, n10, quota_n;
	} want[] = {
		{ "scenarios/alb-peering.ini", 10, 50, 51 },
		{ "scenarios/alb-tgw.ini", 19, 75, 61 },
		{ "scenarios/alb-privatelink.ini", 12, 44, 0 },
		{ "scenarios/alb-public.ini", 16, 72, 61 },
		/* S3: per consumer the gateway endpoint and sg-client's rule; the
		 * interface endpoint (no permission: an AWS service) and two
		 * rules; two routes, a rule, the NAT gateway, its Elastic IP and
		 * the internet gateway.  Nothing once. */
		{ "scenarios/s3-gateway-endpoint.ini", 4, 20, 0 },
		{ "scenarios/s3-interface-endpoint.ini", 6, 30, 0 },
		{ "scenarios/s3-natgw.ini", 12, 60, 0 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		char *file = harness_source_path(want[i].file);
		GError *err = NULL;
		scenario *sc = scenario_load(file, NULL, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
		sc_config c;
		sc_config_count(sc, &c);
		CU_ASSERT_EQUAL(c.consumers, 1);
		CU_ASSERT_EQUAL(sc_config_total(&c, 2), want[i].n2);
		CU_ASSERT_EQUAL(sc_config_total(&c, 10), want[i].n10);
		CU_ASSERT_EQUAL(c.quota_n, want[i].quota_n);
		if (sc_config_total(&c, 2) != want[i].n2 || sc_config_total(&c, 10) != want[i].n10)
			printf("\n    %s: N=2 %" G_GUINT64_FORMAT ", N=10 %" G_GUINT64_FORMAT, want[i].file,
			       sc_config_total(&c, 2), sc_config_total(&c, 10));
		sc_config_clear(&c);
		scenario_free(sc);
		g_free(file);
	}
	/* By kind, for peering at N=10: 20 routes, 10 peerings, 20 rules. */
	char *file = harness_source_path("scenarios/alb-peering.ini");
	scenario *sc = scenario_load(file, NULL, NULL);
	sc_config c;
	sc_config_count(sc, &c);
	CU_ASSERT_EQUAL(sc_config_kind(&c, CFG_ROUTES, 10), 20);
	CU_ASSERT_EQUAL(sc_config_kind(&c, CFG_PEERINGS, 10), 10);
	CU_ASSERT_EQUAL(sc_config_kind(&c, CFG_SG_RULES, 10), 20);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.quota, "peering connections per VPC"));
	sc_config_clear(&c);
	scenario_free(sc);
	g_free(file);
}

/* The command: JSON a script reads, the same bytes twice, captures that
 * Wireshark finds clean but for the RSTs a scan is made of, bad options
 * refused with exit 2. */
static void test_command(void)
{
	char *file = harness_source_path("scenarios/alb-peering.ini");
	char *dir = harness_tmpdir();
	char *out = NULL, *err = NULL, *out2 = NULL;
	int rc = harness_vpcsim_v(&out, &err, "reach", file, "-f", "json", "--pcap", dir, NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"routable\": 512"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"answering\": 2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"answering\": 16"));
	g_free(err);
	rc = harness_vpcsim_v(&out2, &err, "reach", file, "-f", "json", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(out, out2);
	g_free(out);
	g_free(out2);
	g_free(err);
	if (pcap_check_have_tshark()) {
		GDir *d = g_dir_open(dir, 0, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		const char *n;
		guint files = 0;
		while ((n = g_dir_read_name(d))) {
			char *path = g_build_filename(dir, n, NULL);
			/* No malformed packet, no bad checksum, and no expert note
			 * of warning level but "Connection reset (RST)". */
			const char *argv[] = { "tshark", "-n", "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
				               "-r", path, "-Y",
				               "_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || "
				               "(_ws.expert.severity >= warning && !(tcp.flags.reset == 1))",
				               NULL };
			char *o = NULL, *e = NULL;
			CU_ASSERT_EQUAL(harness_run(argv, &o, &e), 0);
			CU_ASSERT_STRING_EQUAL(g_strstrip(o), "");
			if (*o)
				printf("\n    %s: %s", n, o);
			g_free(o);
			g_free(e);
			g_free(path);
			files++;
		}
		g_dir_close(d);
		CU_ASSERT(files >= 6);
	}
	const char *bad[][2] = { { "--ports", "0" }, { "--ports", "80,x" }, { "--to", "10.1.0.1/16" },
		                 { "--from", "nobody" } };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		rc = harness_vpcsim_v(&out, &err, "reach", file, bad[i][0], bad[i][1], NULL);
		CU_ASSERT_EQUAL(rc, 2);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i][0]));
		g_free(out);
		g_free(err);
	}
	/* A scan too big to send is refused before anything is built. */
	rc = harness_vpcsim_v(&out, &err, "reach", file, "--to", "10.0.0.0/8", "--exhaustive", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--exhaustive: the scan would send more than"));
	g_free(out);
	g_free(err);
	harness_rmtree(dir);
	g_free(dir);
	g_free(file);
}

/* [route] groups: a counted one adds a route per copy to its table, where
 * they are checked like routes written there. */
static void test_route_groups(void)
{
	char *file = harness_source_path("scenarios/sweeps/vpc-count/peering.ini");
	const char *sets[] = { "vars.consumers=3", NULL };
	GError *err = NULL;
	scenario *sc = scenario_load(file, sets, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(sc->routes->len, 3);
	const sc_route_table *b = NULL;
	for (guint i = 0; i < sc->route_tables->len; i++)
		if (strcmp(SC_AT(sc->route_tables, sc_route_table, i)->name, "b-app") == 0)
			b = SC_AT(sc->route_tables, sc_route_table, i);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->routes->len, 4); /* local, then 10.1, 10.2, 10.3 to pcx-1..3 */
	const sc_route *r = SC_AT(b->routes, sc_route, 3);
	CU_ASSERT_EQUAL(r->kind, SC_TARGET_PEERING);
	CU_ASSERT_STRING_EQUAL(SC_AT(sc->peerings, sc_peering, r->target)->name, "pcx-3");
	CU_ASSERT_EQUAL(r->dst.addr, 0x0a030000u);
	CU_ASSERT_EQUAL(r->dst.len, 16);
	scenario_free(sc);
	/* Errors name the group and key. */
	const char *bad[][2] = {
		{ "route:back-{i}.target=pcx-9", "[route back-1] target: 'pcx-9' is not defined" },
		{ "route:back-{i}.route_table=vpc-b-main", "implicit main route table" },
		{ "route:back-{i}.destination=10.{i}.0.0/16, 10.9.0.0/16", "one route per group" },
		{ "route:back-{i}.target=client-1", "instance client-1 is in consumer-1, not vpc-b" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		const char *s2[] = { "vars.consumers=3", bad[i][0], NULL };
		sc = scenario_load(file, s2, &err);
		CU_ASSERT_PTR_NULL(sc);
		if (!sc) {
			if (!strstr(err->message, bad[i][1]))
				printf("\n    %s: %s", bad[i][0], err->message);
			CU_ASSERT_PTR_NOT_NULL(strstr(err->message, bad[i][1]));
			g_clear_error(&err);
		} else {
			scenario_free(sc);
		}
	}
	g_free(file);
}

/*
 * The vpc-count options, loaded with N consumer VPCs, counted by hand:
 *  - peering: per consumer its route to the service, the service's route
 *    back ([route back-i]), the peering, sg-client's rule: 4; once
 *    sg-alb's rule for 10.0.0.0/8: 1.  1 + 4N.
 *  - TGW: per consumer its route, the attachment, its association and
 *    propagation, sg-client's rule: 5; once the service's route for
 *    10.0.0.0/8, the TGW, its route table, the service's attachment with
 *    its association and propagation, sg-alb's rule: 7.  7 + 5N.
 *  - PrivateLink: per consumer the endpoint, its permission, sg-client's
 *    and sg-endpoint's rules: 4; once the endpoint service, its NLB,
 *    sg-alb's rule for the NLB's range, the TXT record: 4.  4 + 4N.
 *  - public: per consumer two default routes, sg-client's rule, the NAT
 *    gateway, its Elastic IP, the internet gateway: 6; once the service's
 *    default route, its internet gateway, sg-alb's rule: 3.  3 + 6N.
 * And the scenario's own consumers (N) equal the count asked for.
 */
static void test_vpc_count_configs(void)
{
	static const struct {
		const char *file;
		guint64 fixed, per;
	} want[] = {
		{ "peering", 1, 4 }, { "tgw", 7, 5 }, { "privatelink", 4, 4 }, { "public", 3, 6 },
	};
	const guint ns[] = { 2, 10 };
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		for (size_t k = 0; k < G_N_ELEMENTS(ns); k++) {
			char *rel = g_strdup_printf("scenarios/sweeps/vpc-count/%s.ini", want[i].file);
			char *file = harness_source_path(rel);
			char *set = g_strdup_printf("vars.consumers=%u", ns[k]);
			const char *sets[] = { set, NULL };
			scenario *sc = scenario_load(file, sets, NULL);
			CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
			sc_config c;
			sc_config_count(sc, &c);
			CU_ASSERT_EQUAL(c.consumers, ns[k]);
			CU_ASSERT_EQUAL(sc_config_total(&c, c.consumers), want[i].fixed + ns[k] * want[i].per);
			if (sc_config_total(&c, c.consumers) != want[i].fixed + ns[k] * want[i].per)
				printf("\n    %s N=%u: %" G_GUINT64_FORMAT, want[i].file, ns[k],
				       sc_config_total(&c, c.consumers));
			sc_config_clear(&c);
			scenario_free(sc);
			g_free(set);
			g_free(file);
			g_free(rel);
		}
}

/* The sweep rows carry the counts: a two-point vpc-count sweep. */
static void test_sweep_rows(void)
{
	char *dir = harness_tmpdir();
	char *opts = harness_source_path("scenarios/sweeps/vpc-count");
	char *text = g_strdup_printf("[sweep]\noptions = %s/peering.ini, %s/tgw.ini\nrepeat = 1\nduration = 200ms\n"
	                             "[set]\nvars.consumers = ${n=2,10}\n", opts, opts);
	char *file = g_build_filename(dir, "vc.ini", NULL);
	g_file_set_contents(file, text, -1, NULL);
	char *out = g_build_filename(dir, "out", NULL);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "sweep", file, "--out", out, "--jobs", "1", NULL), 0);
	char *rp = g_build_filename(out, "results.csv", NULL), *csv = NULL;
	CU_ASSERT_TRUE_FATAL(g_file_get_contents(rp, &csv, NULL, NULL));
	char **lines = g_strsplit(csv, "\n", -1);
	char **head = g_strsplit(lines[0], ",", -1);
	int ci = -1, qi = -1, mi = -1, oi = -1;
	for (int i = 0; head[i]; i++) {
		ci = strcmp(head[i], "config_objects") == 0 ? i : ci;
		qi = strcmp(head[i], "config_quota_n") == 0 ? i : qi;
		mi = strcmp(head[i], "mesh_peering_connections") == 0 ? i : mi;
		oi = strcmp(head[i], "option") == 0 ? i : oi;
	}
	CU_ASSERT_FATAL(ci >= 0 && qi >= 0 && mi >= 0 && oi >= 0);
	/* Runs: n=2 peering, tgw; n=10 peering, tgw. */
	const char *want[][4] = { { "peering", "9", "51", "3" }, { "tgw", "17", "5000", "" },
		                  { "peering", "41", "51", "55" }, { "tgw", "57", "5000", "" } };
	for (int r = 0; r < 4; r++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(lines[r + 1]);
		char **f = g_strsplit(lines[r + 1], ",", -1);
		CU_ASSERT_STRING_EQUAL(f[oi], want[r][0]);
		CU_ASSERT_STRING_EQUAL(f[ci], want[r][1]);
		CU_ASSERT_STRING_EQUAL(f[qi], want[r][2]);
		CU_ASSERT_STRING_EQUAL(f[mi], want[r][3]);
		g_strfreev(f);
	}
	g_strfreev(head);
	g_strfreev(lines);
	g_free(csv);
	g_free(rp);
	g_free(out);
	g_free(file);
	g_free(text);
	g_free(opts);
	harness_rmtree(dir);
	g_free(dir);
}

/* g_ptr_array_sort hands pointers to the elements. */
static gint cmp_strp(gconstpointer a, gconstpointer b) { return strcmp(*(char *const *)a, *(char *const *)b); }


/* Every option's scan captures: clean in Wireshark but for the RSTs, and
 * Lesson 10's facts (lesson_facts.h, where test_captures checks that each
 * quotes the lesson plan and that they cover its filters and figures). */
static void test_lesson(void)
{
	if (!pcap_check_have_tshark())
		return;
	char *dir = harness_tmpdir();
	const char *opts[] = { "peering", "tgw", "privatelink", "public" };
	for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
		char *rel = g_strdup_printf("scenarios/alb-%s.ini", opts[i]);
		char *file = harness_source_path(rel);
		char *out = NULL, *err = NULL;
		CU_ASSERT_EQUAL(harness_vpcsim_v(&out, &err, "reach", file, "--pcap", dir, NULL), 0);
		g_free(out);
		g_free(err);
		g_free(file);
		g_free(rel);
	}
	GDir *d = g_dir_open(dir, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *n;
	while ((n = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(n));
	g_dir_close(d);
	g_ptr_array_sort(names, cmp_strp);
	CU_ASSERT(names->len >= 50);
	for (guint i = 0; i < names->len; i++) {
		char *path = g_build_filename(dir, names->pdata[i], NULL);
		char *bad = pcap_check_fact_lines(path,
		                       "_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || "
		                       "(_ws.expert.severity >= warning && !(tcp.flags.reset == 1))",
		                       "frame.number");
		CU_ASSERT_STRING_EQUAL(bad, "");
		if (*bad)
			printf("\n    %s: frames %s", (char *)names->pdata[i], bad);
		g_free(bad);
		g_free(path);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(scan_facts); i++)
		lesson_fact_check(&scan_facts[i], dir);
	printf(" [%u facts of Lesson 10]", (guint)G_N_ELEMENTS(scan_facts));
	g_ptr_array_unref(names);
	harness_rmtree(dir);
	g_free(dir);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("reach");
	CU_add_test(s, "hand counts of the four ALB options", test_hand_counts);
	CU_add_test(s, "open groups widen peering and TGW only", test_open_groups);
	CU_add_test(s, "Lattice and resource endpoint fronts", test_fronts);
	CU_add_test(s, "what decided", test_deciders);
	CU_add_test(s, "ranges equal the exhaustive scan", test_ranges_equal_exhaustive);
	CU_add_test(s, "configuration counts for N = 2 and 10", test_config_counts);
	CU_add_test(s, "command, determinism, captures", test_command);
	CU_add_test(s, "[route] groups", test_route_groups);
	CU_add_test(s, "vpc-count options: configuration for N = 2 and 10", test_vpc_count_configs);
	CU_add_test(s, "sweep rows carry the counts", test_sweep_rows);
	CU_add_test(s, "Lesson 10: the scan's captures", test_lesson);
}
