/* \summary: ALB options, S3 endpoint, overlap and AZ scenarios: costs by hand, addresses, exact delays */
/* pcap.h needs the BSD u_int types that strict POSIX hides. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "scenario_run.h"
#include "alb.h"
#include "lattice.h"
#include "nlb.h"
#include "resource_endpoint.h"

/*
 * As in test_scenarios.c: every cost is computed by hand from the price
 * table, with the bytes each per-GB charge applies to counted from the
 * captures (IPv4 total lengths, read back with libpcap), never from the
 * simulator's ledger.  Capacity units (ALB LCU, NLB NLCU) are recomputed
 * here from the price table's dimensions: the bytes and new connections
 * from the captures (and checked against what the models counted), the
 * active connections from the models' own integrals (alb_get_counters,
 * nlb_usage), which no capture shows.  The ledger must agree to the cent
 * and to 1e-9 USD.
 */

static const char *const fixed[] = { "scenario.duration=2s", NULL };
/* Clients on the ALB node in their own AZ (no DNS): the bills below add
 * up hops that all stay in use1-az1.  By DNS, some of the pool's
 * connections go to the node in use1-az2 and pay cross-AZ transfer
 * (test_dns and test_cross_az bill those). */
static const char *const az_local[] = { "scenario.duration=2s", "workload:web.resolve=az-local", NULL };

static double gb(const run *rn, uint64_t bytes) { return (double)bytes / rn->sc->prices->gb_bytes; }

/* The run as the ledger bills it: capacity units for the exact time... */
static double run_hours(const run *rn) { return (double)MAX(rn->r->simulated_ns, 1) / 3.6e12; }
static double run_seconds(const run *rn) { return (double)MAX(rn->r->simulated_ns, 1) / 1e9; }

/* ...and provisioned things for every started hour. */
static double billed_hours(const run *rn) { return ceil(run_hours(rn)); }

static void check_cost(const run *rn, double hand_run)
{
	double got = cost_ledger_total_run_usd(rn->r->ledger);
	printf("\n    %s: run cost %.9f USD, by hand %.9f USD", rn->sc->name, got, hand_run);
	CU_ASSERT_DOUBLE_EQUAL(cost_round_cents(got), cost_round_cents(hand_run), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(got, hand_run, 1e-9);
}

static void check_all_completed(const run *rn)
{
	for (guint i = 0; i < rn->r->workloads->len; i++) {
		const report_workload *w = &g_array_index(rn->r->workloads, report_workload, i);
		CU_ASSERT(w->sent > 0);
		CU_ASSERT_EQUAL(w->completed, w->sent);
		CU_ASSERT_EQUAL(w->failed, 0);
	}
}

static const sc_lb *lb_named(const scenario *sc, const char *name)
{
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const sc_lb *l = SC_AT(sc->load_balancers, sc_lb, i);
		if (strcmp(l->name, name) == 0)
			return l;
	}
	CU_FAIL_FATAL("no load balancer of that name");
	return NULL;
}

static uint32_t ip_of(const scenario *sc, const char *instance)
{
	int i = scenario_find_instance(sc, instance);
	CU_ASSERT_FATAL(i >= 0);
	return SC_AT(sc->instances, sc_instance, i)->ip;
}

static gboolean ip_in(const GArray *ips, uint32_t ip)
{
	for (guint i = 0; i < ips->len; i++)
		if (g_array_index(ips, uint32_t, i) == ip)
			return TRUE;
	return FALSE;
}

static char *cap_name(const run *rn, const char *what)
{
	return g_strdup_printf("%s-%s", rn->sc->name, what);
}

/* Sum of IPv4 lengths in `<scenario>-<what>.pcap`. */
static uint64_t cap_bytes(const run *rn, const char *what)
{
	char *name = cap_name(rn, what);
	uint64_t b = pcap_ip_bytes(rn->dir, name);
	g_free(name);
	return b;
}

static GArray *cap_packets(const run *rn, const char *what)
{
	char *name = cap_name(rn, what);
	GArray *a = pcap_packets(rn->dir, name);
	g_free(name);
	return a;
}

/* ---- capacity units by hand ---- */

/* A connection's first segment (SYN without ACK). */
static gboolean is_syn(const cap_pkt *c)
{
	return c->proto == PKT_PROTO_TCP &&
	       (c->tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN;
}

/* The ALB's two node ports (use1-az1, use1-az2) are captured as
 * alb-b-vpc-b-router and alb-b-vpc-b-router-2; between them they see every
 * packet the ALB sends or receives, once.  The front end is its listener
 * port 80 (the back end is the targets' 8080): the TCP payload there is
 * exactly the HTTP requests from clients and responses to them, the LCU's
 * processed bytes, and its SYNs are the new connections. */
static void alb_front_end(const run *rn, uint64_t *http_bytes, uint64_t *syns)
{
	*http_bytes = *syns = 0;
	const char *caps[] = { "alb-b-vpc-b-router", "alb-b-vpc-b-router-2" };
	for (guint k = 0; k < G_N_ELEMENTS(caps); k++) {
		GArray *a = cap_packets(rn, caps[k]);
		for (guint i = 0; i < a->len; i++) {
			const cap_pkt *c = &g_array_index(a, cap_pkt, i);
			if (c->proto != PKT_PROTO_TCP || (c->sport != 80 && c->dport != 80))
				continue;
			*http_bytes += c->payload_len;
			if (c->dport == 80 && is_syn(c))
				(*syns)++;
		}
		g_array_unref(a);
	}
}

/* USD of the ALB's LCUs for the run: per the price table, one LCU-hour
 * buys any one of N new connections per second, M active connections, G
 * processed GB per hour or R billed rule evaluations per second; the hourly
 * units are the largest of the four ratios, billed for the exact run time. */
static double alb_lcu_usd(const run *rn)
{
	const prices *p = rn->sc->prices;
	const alb_counters *c = alb_get_counters(world_node(rn->w, "alb-b"));
	uint64_t bytes, syns;
	alb_front_end(rn, &bytes, &syns);
	/* The captures and the ALB agree on what it processed. */
	CU_ASSERT(bytes > 0);
	CU_ASSERT_EQUAL(c->processed_bytes, bytes);
	CU_ASSERT_EQUAL(c->new_connections, syns);
	/* No listener rules in these scenarios: no rule evaluations. */
	CU_ASSERT_EQUAL(c->rule_evaluations, 0);
	double s = run_seconds(rn), h = run_hours(rn);
	double dims[4] = {
		(double)syns / s / p->alb.lcu_new_connections_per_second,
		c->active_connection_seconds / s / p->alb.lcu_active_connections,
		gb(rn, bytes) / h / p->alb.lcu_processed_gb_per_hour,
		(double)c->billed_rule_evaluations / s / p->alb.lcu_rule_evaluations_per_second,
	};
	double lcu = 0;
	for (int i = 0; i < 4; i++)
		lcu = MAX(lcu, dims[i]);
	double usd = p->alb.usd_per_lcu_hour * lcu * h;
	printf("\n    alb-b: LCU/h new %.6f active %.6f bytes %.6f rules %.6f -> %.6f = %.9f USD", dims[0],
	       dims[1], dims[2], dims[3], lcu, usd);
	const cost_line *l = ledger_line(rn->r, "alb-b", "lcu");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_DOUBLE_EQUAL(l->run_usd, usd, 1e-12);
	return usd;
}

/* USD of the NLB's NLCUs: the largest of new TCP connections / 800 per s,
 * active TCP connections / 100000, processed GB / 1 per hour (UDP and TLS:
 * none).  Its PrivateLink port (capture nlb-b-vpce-alb) carries every
 * packet it processes, once: in from consumers and back out to them. */
static double nlb_nlcu_usd(const run *rn)
{
	const prices *p = rn->sc->prices;
	node *n = world_node(rn->w, "nlb-b");
	const nlb_stats *st = nlb_get_stats(n);
	uint64_t bytes = 0, syns = 0;
	GArray *a = cap_packets(rn, "nlb-b-vpce-alb");
	for (guint i = 0; i < a->len; i++) {
		const cap_pkt *c = &g_array_index(a, cap_pkt, i);
		bytes += c->ip_len;
		if (is_syn(c))
			syns++;
	}
	g_array_unref(a);
	CU_ASSERT(bytes > 0);
	CU_ASSERT_EQUAL(st->bytes, bytes);
	CU_ASSERT_EQUAL(st->tcp_flows, syns);
	CU_ASSERT_EQUAL(st->udp_flows, 0);
	nlb_rates u;
	nlb_usage(n, rn->r->simulated_ns, &u);
	double s = run_seconds(rn), h = run_hours(rn);
	double dims[3] = {
		(double)syns / s / p->nlb.nlcu_tcp_new_connections_per_second,
		u.tcp_active_connections / p->nlb.nlcu_tcp_active_connections,
		gb(rn, bytes) / h / p->nlb.nlcu_processed_gb_per_hour,
	};
	double nlcu = MAX(dims[0], MAX(dims[1], dims[2]));
	double usd = p->nlb.usd_per_nlcu_hour * nlcu * h;
	printf("\n    nlb-b: NLCU/h new %.6f active %.6f bytes %.6f -> %.6f = %.9f USD", dims[0], dims[1],
	       dims[2], nlcu, usd);
	const cost_line *l = ledger_line(rn->r, "nlb-b", "nlcu");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_DOUBLE_EQUAL(l->run_usd, usd, 1e-12);
	return usd;
}

/* Every cross-AZ line of a run, in bytes. */
static uint64_t cross_az_bytes(const report *r)
{
	uint64_t b = 0;
	for (guint i = 0; i < cost_ledger_n_lines(r->ledger); i++) {
		const cost_line *l = cost_ledger_line_at(r->ledger, i);
		if (g_str_has_prefix(l->type, "cross-az"))
			b += l->bytes;
	}
	return b;
}

/* ---- costs ---- */

/* Peering: no hourly charge; the clients and the ALB node they use are in
 * use1-az1, so nothing crosses an AZ on the way (peering is free in one
 * AZ); the ALB's crossing to web-2 is free (alb.cross_az_to_targets = 0).
 * What is left: the ALB's hour and its LCUs. */
static void test_alb_peering_cost(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-peering.ini", az_local, TRUE));
	check_all_completed(&rn);
	const prices *p = rn.sc->prices;
	CU_ASSERT_EQUAL(cross_az_bytes(rn.r), 0);
	double hand = p->alb.hourly_usd * billed_hours(&rn) + alb_lcu_usd(&rn);
	check_cost(&rn, hand);
	run_free(&rn);
}

/* Transit Gateway: two attachments per hour, 0.02 USD per GB that enters
 * the TGW (requests from VPC-A and responses from VPC-B: each packet shows
 * once on the TGW port it enters by and once on the one it leaves by, so
 * the sum over its three ports is twice the processed bytes), the ALB's
 * hour and LCUs.  Every hop stays in use1-az1 (the client's attachment
 * ENI, VPC-B's attachment ENI in the same AZ, the ALB node there). */
static void test_alb_tgw_cost(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-tgw.ini", az_local, TRUE));
	check_all_completed(&rn);
	const prices *p = rn.sc->prices;
	uint64_t tgw = cap_bytes(&rn, "tgw-1-vpc-a-router") + cap_bytes(&rn, "tgw-1-vpc-b-router") +
	               cap_bytes(&rn, "tgw-1-vpc-b-router-2");
	CU_ASSERT(tgw > 0 && tgw % 2 == 0);
	CU_ASSERT_EQUAL(cross_az_bytes(rn.r), 0);
	double hand = 2 * p->transit_gateway.attachment_hourly_usd * billed_hours(&rn) +
	              gb(&rn, tgw / 2) * p->transit_gateway.processing.usd_per_gb[0] +
	              p->alb.hourly_usd * billed_hours(&rn) + alb_lcu_usd(&rn);
	check_cost(&rn, hand);
	run_free(&rn);
}

/* PrivateLink: the endpoint per AZ-hour (one ENI) and per GB in both
 * directions (its service-side port, capture vpce-alb-nlb-b, carries every
 * packet it processes once: towards the NLB or back from it), the NLB's
 * hour and NLCUs, the ALB's hour and LCUs. */
static double privatelink_by_hand(const run *rn)
{
	const prices *p = rn->sc->prices;
	uint64_t vpce = cap_bytes(rn, "vpce-alb-nlb-b");
	CU_ASSERT(vpce > 0);
	return p->interface_endpoint.hourly_usd_per_az * 1 * billed_hours(rn) +
	       gb(rn, vpce) * p->interface_endpoint.processing.usd_per_gb[0] +
	       p->nlb.hourly_usd * billed_hours(rn) + nlb_nlcu_usd(rn) +
	       p->alb.hourly_usd * billed_hours(rn) + alb_lcu_usd(rn);
}

static void test_alb_privatelink_cost(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-privatelink.ini", fixed, TRUE));
	check_all_completed(&rn);
	CU_ASSERT_EQUAL(cross_az_bytes(rn.r), 0);
	check_cost(&rn, privatelink_by_hand(&rn));
	run_free(&rn);
}

/* Public: the NAT gateway's hour, its Elastic IP's hour, 0.045 USD per GB
 * it processes in both directions (its single port's capture holds every
 * packet twice: in, then out translated, of equal length); public-IP
 * transfer in the Region, 0.01 USD per GB out of the sender's public
 * address and 0.01 in to the receiver's, for every packet that crosses the
 * Region's public network (the region's port towards igw-a sees each one
 * once, in either direction); the ALB's hour, its two nodes' public
 * addresses' hours, and its LCUs.  Nothing crosses an AZ. */
static void test_alb_public_cost(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-public.ini", fixed, TRUE));
	check_all_completed(&rn);
	const prices *p = rn.sc->prices;
	uint64_t nat = cap_bytes(&rn, "nat-a-vpc-a-router");
	uint64_t pub = cap_bytes(&rn, "region-igw-a");
	CU_ASSERT(nat > 0 && nat % 2 == 0);
	CU_ASSERT(pub > 0);
	/* What crosses the Region is what the NAT gateway translated. */
	CU_ASSERT_EQUAL(pub, nat / 2);
	CU_ASSERT_EQUAL(cross_az_bytes(rn.r), 0);
	double h = billed_hours(&rn);
	double hand = (p->nat_gateway.hourly_usd + p->public_ipv4.hourly_usd_per_address) * h +
	              gb(&rn, nat / 2) * p->nat_gateway.processing.usd_per_gb[0] +
	              2 * gb(&rn, pub) * p->data_transfer.public_ip_in_region.usd_per_gb[0] +
	              (p->alb.hourly_usd + 2 * p->public_ipv4.hourly_usd_per_address) * h +
	              alb_lcu_usd(&rn);
	check_cost(&rn, hand);
	run_free(&rn);
}

/* S3 through an interface endpoint: 0.01 USD per AZ-hour (one ENI) and
 * 0.01 USD per GB both ways; the endpoint's service-side port (capture
 * vpce-s3-s3-endpoint) carries every packet it processes once.  S3 in the
 * Region charges no transfer.  S3 sees the instances' private addresses:
 * every packet reaching the S3 host comes from a client's address, never
 * the endpoint's or a public one. */
static void test_s3_interface_endpoint(void)
{
	run rn;
	/* Only the endpoint and S3: the clients' 1 MiB objects make large
	 * captures, and no other is needed. */
	CU_ASSERT_FATAL(run_scenario_capture(&rn, "scenarios/s3-interface-endpoint.ini", fixed,
	                                     "vpce-s3,s3"));
	check_all_completed(&rn);
	const prices *p = rn.sc->prices;
	uint64_t vpce = cap_bytes(&rn, "vpce-s3-s3-endpoint");
	CU_ASSERT(vpce > 0);
	/* The same packets as on the endpoint's ENI, seen from the other side. */
	CU_ASSERT_EQUAL(vpce, cap_bytes(&rn, "vpce-s3-vpc-a-router"));
	double hand = p->interface_endpoint.hourly_usd_per_az * 1 * billed_hours(&rn) +
	              gb(&rn, vpce) * p->interface_endpoint.processing.usd_per_gb[0];
	check_cost(&rn, hand);

	uint32_t s3 = SC_AT(rn.sc->services, sc_service, 0)->ip;
	uint32_t c1 = ip_of(rn.sc, "client-1"), c2 = ip_of(rn.sc, "client-2");
	GArray *a = cap_packets(&rn, "s3-s3-endpoint");
	guint in = 0, bad = 0;
	for (guint i = 0; i < a->len; i++) {
		const cap_pkt *c = &g_array_index(a, cap_pkt, i);
		if (c->dst != s3)
			continue;
		in++;
		if (c->src != c1 && c->src != c2)
			bad++;
	}
	g_array_unref(a);
	printf("\n    S3 received %u packets, %u not from a client's private address", in, bad);
	CU_ASSERT(in > 0);
	CU_ASSERT_EQUAL(bad, 0);
	run_free(&rn);
}

/* ---- what each side sees ---- */

/* Runs tshark on a capture: the X-Forwarded-For of every HTTP request, one
 * per line; NULL (and a notice) when tshark is not installed. */
static char *xff_lines(const run *rn, const char *what)
{
	if (!harness_have("tshark")) {
		printf("\n    tshark not installed: X-Forwarded-For not checked");
		return NULL;
	}
	char *name = cap_name(rn, what);
	char *path = g_strdup_printf("%s/%s.pcap", rn->dir, name);
	const char *const argv[] = { "tshark", "-r", path, "-Y", "http.request", "-T", "fields",
		                     "-e", "http.x_forwarded_for", NULL };
	char *out = NULL, *err = NULL;
	int rc = harness_run(argv, &out, &err);
	CU_ASSERT_EQUAL(rc, 0);
	g_free(err);
	g_free(path);
	g_free(name);
	return out;
}

/* Every X-Forwarded-For on the targets' captures is `want`; returns how
 * many requests carried one, or -1 without tshark. */
static int check_xff(const run *rn, uint32_t want)
{
	char expect[16];
	pkt_ip_str(want, expect);
	int n = 0;
	const char *caps[] = { "web-1-vpc-b-router", "web-2-vpc-b-router" };
	for (guint k = 0; k < G_N_ELEMENTS(caps); k++) {
		char *out = xff_lines(rn, caps[k]);
		if (!out)
			return -1;
		char **lines = g_strsplit(out, "\n", -1);
		for (char **l = lines; *l; l++) {
			if (!**l)
				continue;
			n++;
			if (strcmp(*l, expect) != 0) {
				printf("\n    %s: X-Forwarded-For '%s', expected '%s'", caps[k], *l, expect);
				CU_FAIL("X-Forwarded-For names another address");
			}
		}
		g_strfreev(lines);
		g_free(out);
	}
	printf("\n    %d requests reached the targets with X-Forwarded-For: %s", n, expect);
	return n;
}

/* The targets web-1 and web-2 receive only from the ALB's nodes (their
 * private addresses); returns the packets they received. */
static guint check_targets_see_alb(const run *rn)
{
	const sc_lb *alb = lb_named(rn->sc, "alb-b");
	guint n = 0;
	const char *names[] = { "web-1", "web-2" };
	for (guint k = 0; k < G_N_ELEMENTS(names); k++) {
		char *what = g_strdup_printf("%s-vpc-b-router", names[k]);
		uint32_t me = ip_of(rn->sc, names[k]);
		GArray *a = cap_packets(rn, what);
		guint in = 0;
		for (guint i = 0; i < a->len; i++) {
			const cap_pkt *c = &g_array_index(a, cap_pkt, i);
			if (c->dst != me)
				continue;
			in++;
			CU_ASSERT(ip_in(alb->node_ips, c->src));
		}
		CU_ASSERT(in > 0);
		n += in;
		g_array_unref(a);
		g_free(what);
	}
	return n;
}

/* What the ALB receives on its listener (port 80): the sources, which must
 * all be `allowed`; the single source seen is returned.  Everything else it
 * receives must be its targets' answers (from port 8080). */
static uint32_t check_alb_sees(const run *rn, const GArray *allowed)
{
	const sc_lb *alb = lb_named(rn->sc, "alb-b");
	uint32_t seen = 0;
	guint front = 0, back = 0, other = 0;
	const char *caps[] = { "alb-b-vpc-b-router", "alb-b-vpc-b-router-2" };
	for (guint k = 0; k < G_N_ELEMENTS(caps); k++) {
		GArray *a = cap_packets(rn, caps[k]);
		for (guint i = 0; i < a->len; i++) {
			const cap_pkt *c = &g_array_index(a, cap_pkt, i);
			if (!ip_in(alb->node_ips, c->dst))
				continue; /* sent by the ALB */
			if (c->dport == 80) {
				front++;
				CU_ASSERT(ip_in(allowed, c->src));
				if (seen && c->src != seen)
					CU_FAIL("the ALB saw more than one front-end source");
				seen = c->src;
			} else if (c->sport == 8080) {
				back++;
			} else {
				other++;
			}
		}
		g_array_unref(a);
	}
	char s[16];
	printf("\n    the ALB received %u front-end packets from %s, %u from targets, %u other", front,
	       pkt_ip_str(seen, s), back, other);
	CU_ASSERT(front > 0 && back > 0);
	CU_ASSERT_EQUAL(other, 0);
	return seen;
}

/* PrivateLink: the targets see the ALB, the ALB sees the NLB (source NAT
 * at its node in use1-az1, the clients' AZ), and X-Forwarded-For, which the
 * ALB fills with the address it saw, names that NLB node: the consumers'
 * addresses reach the provider nowhere. */
static void test_alb_privatelink_addresses(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-privatelink.ini", fixed, TRUE));
	check_all_completed(&rn);
	const sc_lb *nlb = lb_named(rn.sc, "nlb-b");
	check_targets_see_alb(&rn);
	uint32_t seen = check_alb_sees(&rn, nlb->node_ips);
	CU_ASSERT_EQUAL(seen, g_array_index(nlb->node_ips, uint32_t, 0));
	int n = check_xff(&rn, seen);
	if (n >= 0)
		CU_ASSERT_EQUAL((uint64_t)n, workload(rn.r, "web")->completed);
	run_free(&rn);
}

/* Public: the targets see the ALB; the ALB sees the NAT gateway's Elastic
 * IP, 3.80.0.1 (the first address of the public pool, handed to nat-a as
 * the first group that needs one), and X-Forwarded-For names it. */
static void test_alb_public_addresses(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-public.ini", fixed, TRUE));
	check_all_completed(&rn);
	uint32_t eip = SC_AT(rn.sc->natgws, sc_natgw, 0)->public_ip;
	CU_ASSERT_EQUAL(eip, (uint32_t)3 << 24 | 80u << 16 | 0u << 8 | 1u);
	GArray *allowed = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	g_array_append_val(allowed, eip);
	check_targets_see_alb(&rn);
	CU_ASSERT_EQUAL(check_alb_sees(&rn, allowed), eip);
	g_array_unref(allowed);
	int n = check_xff(&rn, eip);
	if (n >= 0)
		CU_ASSERT_EQUAL((uint64_t)n, workload(rn.r, "web")->completed);
	run_free(&rn);
}

/* ---- overlapping CIDRs ---- */

/* PrivateLink joins two VPCs of one CIDR; here client-1 and web-1 even
 * share an address.  Every request completes, and the cost is
 * alb-privatelink's, by the same hand computation. */
static void test_overlap_privatelink_runs(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-overlap-privatelink.ini", fixed, TRUE));
	const scenario *sc = rn.sc;
	CU_ASSERT_EQUAL(SC_AT(sc->vpcs, sc_vpc, 0)->cidr.addr, SC_AT(sc->vpcs, sc_vpc, 1)->cidr.addr);
	CU_ASSERT_EQUAL(SC_AT(sc->vpcs, sc_vpc, 0)->cidr.len, SC_AT(sc->vpcs, sc_vpc, 1)->cidr.len);
	CU_ASSERT_EQUAL(ip_of(sc, "client-1"), ip_of(sc, "web-1"));
	check_all_completed(&rn);
	const report_workload *w = workload(rn.r, "web");
	printf("\n    %s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " requests completed", sc->name,
	       (guint64)w->completed, (guint64)w->sent);
	CU_ASSERT_EQUAL(rn.r->drops->len, 0);
	check_targets_see_alb(&rn);
	check_alb_sees(&rn, lb_named(sc, "nlb-b")->node_ips);
	check_cost(&rn, privatelink_by_hand(&rn));
	run_free(&rn);
}

/* Loads a scenario that must be refused for one reason only: the message
 * has exactly one line, and it contains every `want`. */
static void expect_refused(const char *file, const char *const *sets, const char *const *want)
{
	char *path = harness_source_path(file);
	GError *err = NULL;
	scenario *sc = scenario_load(path, sets, &err);
	g_free(path);
	CU_ASSERT_PTR_NULL(sc);
	scenario_free(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	printf("\n    %s", err->message);
	CU_ASSERT_PTR_NULL(strchr(g_strchomp(err->message), '\n'));
	for (const char *const *w = want; *w; w++) {
		if (!strstr(err->message, *w)) {
			printf("\n    missing: %s", *w);
			CU_FAIL("refusal does not say why");
		}
	}
	g_error_free(err);
}

/* The same file with VPC-B moved back to 10.1.0.0/16 loads: the overlap
 * is the only reason for the refusal. */
static void expect_loads_renumbered(const char *file)
{
	char *path = harness_source_path(file);
	const char *const sets[] = { "vpc:vpc-b.cidr=10.1.0.0/16", "subnet:b-app-1.cidr=10.1.1.0/24",
		                     "subnet:b-app-2.cidr=10.1.2.0/24", NULL };
	const char *const tgw_sets[] = { "vpc:vpc-b.cidr=10.1.0.0/16", "subnet:b-app-1.cidr=10.1.1.0/24",
		                         "subnet:b-app-2.cidr=10.1.2.0/24", "subnet:b-tgw-1.cidr=10.1.255.0/28",
		                         "subnet:b-tgw-2.cidr=10.1.255.16/28", NULL };
	GError *err = NULL;
	scenario *sc = scenario_load(path, strstr(file, "tgw") ? tgw_sets : sets, &err);
	g_free(path);
	if (!sc)
		printf("\n    %s", err->message);
	CU_ASSERT_PTR_NOT_NULL(sc);
	scenario_free(sc);
	g_clear_error(&err);
}

static void test_overlap_peering_refused(void)
{
	const char *const want[] = { "[peering pcx-ab] accepter",
		                     "VPC peering does not support overlapping CIDRs",
		                     "vpc-a 10.0.0.0/16 overlaps vpc-b 10.0.0.0/16", NULL };
	expect_refused("scenarios/alb-overlap-peering.ini", NULL, want);
	expect_loads_renumbered("scenarios/alb-overlap-peering.ini");
}

static void test_overlap_tgw_refused(void)
{
	const char *const want[] = { "[tgw_attachment tgw-att-b] propagate_to",
		                     "Transit Gateway cannot route between overlapping CIDRs",
		                     "vpc-a 10.0.0.0/16 and vpc-b 10.0.0.0/16 both propagate into tgw-rt",
		                     NULL };
	expect_refused("scenarios/alb-overlap-tgw.ini", NULL, want);
	expect_loads_renumbered("scenarios/alb-overlap-tgw.ini");
}

/* ---- a client AZ without an endpoint ENI ---- */

static uint64_t line_bytes(const report *r, const char *component, const char *type)
{
	const cost_line *l = ledger_line(r, component, type);
	return l ? l->bytes : 0;
}

/* client-2 (use1-az2) reaches the only endpoint ENI (use1-az1): everything
 * it sends is billed cross-AZ out on client-2 and in on the endpoint, and
 * everything it receives out on the endpoint and in on client-2; its own
 * capture holds exactly those packets.  client-1 (use1-az1) crosses
 * nothing, and in alb-privatelink (both clients in use1-az1) no cross-AZ
 * line has a byte.  The whole bill: alb-privatelink's by hand, plus
 * 0.01 + 0.01 USD per GB of client-2's traffic. */
static void test_privatelink_az(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-privatelink-az.ini", fixed, TRUE));
	check_all_completed(&rn);
	uint32_t me = ip_of(rn.sc, "client-2");
	uint64_t sent = 0, received = 0, dns = 0;
	GArray *a = cap_packets(&rn, "client-2-vpc-a-router");
	for (guint i = 0; i < a->len; i++) {
		const cap_pkt *c = &g_array_index(a, cap_pkt, i);
		/* Its DNS lookup goes to its VPC's resolver, on its own host:
		 * no AZ crossed, nothing billed. */
		if (c->proto == PKT_PROTO_UDP && (c->dport == 53 || c->sport == 53))
			dns++;
		else if (c->src == me)
			sent += c->ip_len;
		else if (c->dst == me)
			received += c->ip_len;
		else
			CU_FAIL("client-2's capture holds another host's packet");
	}
	g_array_unref(a);
	printf("\n    client-2 sent %" G_GUINT64_FORMAT " B and received %" G_GUINT64_FORMAT
	       " B across AZs", (guint64)sent, (guint64)received);
	CU_ASSERT(sent > 0 && received > 0);
	CU_ASSERT_EQUAL(dns, 2); /* one query and its answer: the TTL outlasts the run */
	CU_ASSERT_EQUAL(line_bytes(rn.r, "client-2", "cross-az-out"), sent);
	CU_ASSERT_EQUAL(line_bytes(rn.r, "vpce-alb", "cross-az-in"), sent);
	CU_ASSERT_EQUAL(line_bytes(rn.r, "vpce-alb", "cross-az-out"), received);
	CU_ASSERT_EQUAL(line_bytes(rn.r, "client-2", "cross-az-in"), received);
	CU_ASSERT_EQUAL(line_bytes(rn.r, "client-1", "cross-az-out"), 0);
	CU_ASSERT_EQUAL(line_bytes(rn.r, "client-1", "cross-az-in"), 0);
	CU_ASSERT_EQUAL(cross_az_bytes(rn.r), 2 * (sent + received));
	const cost_line *out = ledger_line(rn.r, "client-2", "cross-az-out");
	CU_ASSERT(out && out->run_usd > 0);
	const prices *p = rn.sc->prices;
	check_cost(&rn, privatelink_by_hand(&rn) +
	                        2 * gb(&rn, sent + received) * p->data_transfer.cross_az.usd_per_gb[0]);
	run_free(&rn);

	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-privatelink.ini", fixed, FALSE));
	check_all_completed(&rn);
	CU_ASSERT_EQUAL(cross_az_bytes(rn.r), 0);
	for (guint i = 0; i < cost_ledger_n_lines(rn.r->ledger); i++) {
		const cost_line *l = cost_ledger_line_at(rn.r->ledger, i);
		if (g_str_has_prefix(l->type, "cross-az"))
			CU_ASSERT_EQUAL(l->run_usd, 0);
	}
	run_free(&rn);
}

/* ---- exact delay sums ---- */

/*
 * With every delay one constant X (propagation and processing alike), no
 * bandwidth limit and a constant think time T at the targets, a request
 * through an ALB takes exactly: the client-to-ALB path F one way and back,
 * the ALB's processing X once per request (alb.c: drawn when the request is
 * complete, before it is forwarded; nothing per packet), the ALB-to-target
 * path B one way and back, and T.  Per direction, by the models' rules:
 *
 *   VPC router (vpc.c, fabric.h): its processing X, plus the propagation X
 *     when it hands the packet to a port in an AZ and the packet is in an
 *     AZ (0 towards or from a port with no AZ: peering, internet gateway;
 *     0 for a packet the region's public network put in no AZ).
 *   peering, NAT gateway, internet gateway, NLB: processing X per packet.
 *   TGW (tgw.c): processing X + propagation X to the attachment ENI.
 *   interface endpoint (endpoint.c): processing X + propagation X to the
 *     NLB node, and the same back to the ENI.
 *   region's public network (internet.c): regional propagation X.
 *   hosts and the ALB add nothing per packet (the ALB's processing is
 *     once per request).
 *
 *   B, ALB node to target and back (every option): router (X + X)  = 2X
 *   F, client to the ALB node, and back the same way:
 *     peering:     router A (X) + pcx (X) + router B (X + X)          = 4X
 *     TGW:         router A (X + X) + TGW (X + X) + router B (X + X)  = 6X
 *     PrivateLink: router A (X + X) + endpoint (X + X) + NLB (X)
 *                  + router B (X + X)                                 = 7X
 *     public:      router A (X + X) + NAT (X) + router A (X) + igw-a (X)
 *                  + region (X) + igw-b (X) + router B (X)            = 8X
 *                  (back: router B (X) + igw-b + region + igw-a
 *                  + router A (X) + NAT (X) + router A (X + X)        = 8X)
 *
 * A request on open connections takes S = 2F + X + 2B + T.  With one
 * client sending at a constant rate (never two requests at once), the
 * first request also waits for the DNS lookup of the load balancer's or
 * endpoint's name (D = 3X: router, resolver, router; the resolver is on
 * the client's own host, no propagation), for the client's handshake (2F)
 * and for the ALB's first connection to web-1 (2B); the second goes round
 * robin to web-2 and waits for that connection (2B); every later one takes
 * S.  So min = S, max = S + D + 2F + 2B and the mean is
 * S + (D + 2F + 4B) / n.
 */
static void check_exact_alb(const char *file, int front, int back)
{
	const sim_time X = 100 * SIM_US, T = SIM_MS;
	const char *const sets[] = { "scenario.duration=1s", "workload:web.think_time=1ms",
		                     "workload:web.response_size=100B", "workload:web.rate=20/s",
		                     "workload:web.arrival=constant", "vars.clients=1",
		                     "workload:web.resolve=dns", NULL };
	char *path = harness_source_path(file);
	GError *err = NULL;
	scenario *sc = scenario_load(path, sets, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	profile *pf = scenario_own_profile(sc);
	profile_set_all_delays(pf, X);
	pf->bandwidth.instance = pf->bandwidth.natgw = pf->bandwidth.tgw_attachment = 0;
	pf->bandwidth.interface_endpoint = pf->bandwidth.igw = pf->bandwidth.gw_endpoint = 0;
	world *w = world_new(sc, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	world_run(w, NULL, NULL, NULL);
	report *r = world_report(w, FALSE, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	const report_workload *wl = workload(r, "web");
	sim_time F = front * X, B = back * X, D = 3 * X;
	sim_time S = 2 * F + X + 2 * B + T;
	uint64_t n = wl->completed;
	double mean = (double)S + (double)(D + 2 * F + 4 * B) / (double)n;
	printf("\n    %s: %" G_GUINT64_FORMAT " requests, latency min %" G_GINT64_FORMAT
	       " max %" G_GINT64_FORMAT " mean %.3f ns; expected %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
	       ", %.3f",
	       sc->name, (guint64)n, hdr_min(wl->latency), hdr_max(wl->latency), hdr_mean(wl->latency), S,
	       S + D + 2 * F + 2 * B, mean);
	CU_ASSERT(n > 5 && n == wl->sent);
	CU_ASSERT_EQUAL(hdr_min(wl->latency), S);
	CU_ASSERT_EQUAL(hdr_max(wl->latency), S + D + 2 * F + 2 * B);
	ASSERT_NEAR(hdr_mean(wl->latency), mean, 1e-6);
	report_free(r);
	world_free(w);
	scenario_free(sc);
}

/*
 * VPC Lattice: the service per hour, 0.025 USD per GB of HTTP requests and
 * responses (the TCP payload on Lattice's side towards VPC-A, capture
 * sn-ab-vpc-a-router: exactly what the clients sent and received), the
 * requests of the run's hours beyond the free 300,000 an hour at 0.10 USD
 * per million (2 clients x 50/s = 360,000 an hour: 60,000 billed), the
 * ALB's hour and LCUs; no cross-AZ transfer anywhere, though the ALB's
 * own connections reach web-2 in use1-az2.
 */
#define LATTICE_FRONT (LATTICE_PREFIX | LATTICE_FRONT_BASE) /* 169.254.171.32 */

static void test_alb_lattice_cost(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-lattice.ini", fixed, TRUE));
	check_all_completed(&rn);
	const prices *p = rn.sc->prices;
	uint64_t http = 0;
	GArray *a = cap_packets(&rn, "sn-ab-vpc-a-router");
	for (guint i = 0; i < a->len; i++) {
		const cap_pkt *c = &g_array_index(a, cap_pkt, i);
		CU_ASSERT(c->src == LATTICE_FRONT || c->dst == LATTICE_FRONT);
		http += c->payload_len;
	}
	g_array_unref(a);
	const lattice_stats *st = lattice_get_stats(lattice_of(world_node(rn.w, "sn-ab")));
	CU_ASSERT_EQUAL(st->request_bytes + st->response_bytes, http);
	const report_workload *wl = workload(rn.r, "web");
	double per_hour = (double)wl->completed / run_hours(&rn);
	double billed = MAX(0.0, per_hour - p->vpc_lattice.free_requests_per_hour);
	CU_ASSERT(billed > 0);
	CU_ASSERT_EQUAL(cross_az_bytes(rn.r), 0);
	double hand = p->vpc_lattice.service_hourly_usd * billed_hours(&rn) +
	              gb(&rn, http) * p->vpc_lattice.processing.usd_per_gb[0] +
	              billed * p->vpc_lattice.usd_per_million_requests / 1e6 * run_hours(&rn) +
	              p->alb.hourly_usd * billed_hours(&rn) + alb_lcu_usd(&rn);
	check_cost(&rn, hand);
	run_free(&rn);
}

/*
 * Lattice with constant delays.  Client to Lattice, one way: router A (X;
 * Lattice is in no AZ) + into Lattice in the client's AZ (X) = 2X, back
 * router A (X + X) = 2X; Lattice's processing X per request; Lattice to
 * the ALB node in use1-az1 and back: router B (X + X) = 2X each way; then
 * the ALB (X) and its 2X legs to the targets.  S = 2(2X) + X + 2(2X) + X
 * + 2(2X) + T = 14X + T.  The first request also waits for the DNS lookup
 * of the service's name (3X), the client's handshake (4X), Lattice's to
 * the ALB (4X) and the ALB's to web-1 (4X); the second for the ALB's to
 * web-2 (4X).
 */
static void test_exact_alb_lattice(void)
{
	const sim_time X = 100 * SIM_US, T = SIM_MS;
	const char *const sets[] = { "scenario.duration=1s", "workload:web.think_time=1ms",
		                     "workload:web.response_size=100B", "workload:web.rate=20/s",
		                     "workload:web.arrival=constant", "vars.clients=1", NULL };
	char *path = harness_source_path("scenarios/alb-lattice.ini");
	GError *err = NULL;
	scenario *sc = scenario_load(path, sets, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	profile_set_all_delays(scenario_own_profile(sc), X);
	sc->profile->bandwidth.instance = 0;
	world *w = world_new(sc, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	world_run(w, NULL, NULL, NULL);
	report *r = world_report(w, FALSE, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	const report_workload *wl = workload(r, "web");
	sim_time S = 14 * X + T, first = S + 3 * X + 4 * X + 4 * X + 4 * X;
	uint64_t n = wl->completed;
	double mean = (double)S + (double)(3 * X + 4 * X + 4 * X + 8 * X) / (double)n;
	printf("\n    alb-lattice: %" G_GUINT64_FORMAT " requests, latency min %" G_GINT64_FORMAT
	       " max %" G_GINT64_FORMAT " mean %.3f ns; expected %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
	       ", %.3f", (guint64)n, hdr_min(wl->latency), hdr_max(wl->latency), hdr_mean(wl->latency), S,
	       first, mean);
	CU_ASSERT(n > 5 && n == wl->sent);
	CU_ASSERT_EQUAL(hdr_min(wl->latency), S);
	CU_ASSERT_EQUAL(hdr_max(wl->latency), first);
	ASSERT_NEAR(hdr_mean(wl->latency), mean, 1e-6);
	report_free(r);
	world_free(w);
	scenario_free(sc);
}

/*
 * PrivateLink resource endpoint (option 6): the endpoint per hour (0.10
 * USD, one endpoint whatever its ENIs) and 0.01 USD per GB in both
 * directions; the resource gateway 0.01 USD per GB in both directions;
 * the ALB's hour and LCUs; no NLB.  The endpoint's PrivateLink port
 * (capture vpce-rc-alb-rgw-b) carries every packet either processes once,
 * with the consumer's addresses (client <-> endpoint ENI 10.0.1.6); the
 * gateway's ENI port (rgw-b-vpc-b-router) the same packets rewritten,
 * between its address 10.1.1.6 and the ALB node 10.1.1.5 (the ALB never
 * sees a client).  The endpoint clamps the MSS of the SYN and the SYN-ACK
 * to 8460 (its 8500 MTU).  Everything stays in use1-az1: no cross-AZ line has a byte.
 */
static void test_alb_resource_endpoint_cost(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-resource-endpoint.ini", fixed, TRUE));
	check_all_completed(&rn);
	const prices *p = rn.sc->prices;
	uint32_t eni = 0, gw = 0, alb = 0;
	pkt_ip_parse("10.0.1.6", &eni);
	pkt_ip_parse("10.1.1.6", &gw);
	pkt_ip_parse("10.1.1.5", &alb);
	uint32_t c1 = ip_of(rn.sc, "client-1"), c2 = ip_of(rn.sc, "client-2");
	uint64_t side = 0, syns = 0;
	GArray *a = cap_packets(&rn, "vpce-rc-alb-rgw-b");
	for (guint i = 0; i < a->len; i++) {
		const cap_pkt *c = &g_array_index(a, cap_pkt, i);
		uint32_t client = c->src == eni ? c->dst : c->src;
		CU_ASSERT(c->src == eni || c->dst == eni);
		CU_ASSERT(client == c1 || client == c2);
		side += c->ip_len;
		syns += is_syn(c);
	}
	g_array_unref(a);
	uint64_t out = 0;
	a = cap_packets(&rn, "rgw-b-vpc-b-router");
	for (guint i = 0; i < a->len; i++) {
		const cap_pkt *c = &g_array_index(a, cap_pkt, i);
		CU_ASSERT((c->src == gw && c->dst == alb) || (c->src == alb && c->dst == gw));
		out += c->ip_len;
	}
	g_array_unref(a);
	/* Rewriting addresses changes no length. */
	CU_ASSERT(side > 0);
	CU_ASSERT_EQUAL(out, side);
	const resource_stats *es = resource_endpoint_get_stats(world_node(rn.w, "vpce-rc-alb"));
	const resource_stats *gs = resource_gateway_get_stats(world_node(rn.w, "rgw-b"));
	CU_ASSERT_EQUAL(es->bytes, side);
	CU_ASSERT_EQUAL(gs->bytes, side);
	CU_ASSERT_EQUAL(gs->flows, syns);
	/* Each connection's SYN (8961) and the ALB's SYN-ACK (8961). */
	CU_ASSERT_EQUAL(es->mss_clamped, 2 * syns);
	CU_ASSERT_EQUAL(cross_az_bytes(rn.r), 0);
	double hand = p->resource_endpoint.hourly_usd * billed_hours(&rn) +
	              gb(&rn, side) * p->resource_endpoint.processing.usd_per_gb[0] +
	              gb(&rn, out) * p->resource_gateway.processing.usd_per_gb[0] +
	              p->alb.hourly_usd * billed_hours(&rn) + alb_lcu_usd(&rn);
	check_cost(&rn, hand);
	run_free(&rn);
}

static void test_exact_alb_peering(void) { check_exact_alb("scenarios/alb-peering.ini", 4, 2); }
static void test_exact_alb_tgw(void) { check_exact_alb("scenarios/alb-tgw.ini", 6, 2); }
static void test_exact_alb_privatelink(void)
{
	check_exact_alb("scenarios/alb-privatelink.ini", 7, 2);
}
static void test_exact_alb_public(void) { check_exact_alb("scenarios/alb-public.ini", 8, 2); }
/* Resource endpoint, one way: router A (X + X) + endpoint (X + X, to the
 * gateway ENI in its AZ) + gateway (X) + router B (X + X) = 7X; back:
 * router B (X + X) + gateway (X) + endpoint (X + X) + router A (X + X). */
static void test_exact_alb_resource_endpoint(void)
{
	check_exact_alb("scenarios/alb-resource-endpoint.ini", 7, 2);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("ALB options and new scenarios");
	CU_add_test(s, "alb-peering: cost by hand", test_alb_peering_cost);
	CU_add_test(s, "alb-tgw: cost by hand", test_alb_tgw_cost);
	CU_add_test(s, "alb-privatelink: cost by hand", test_alb_privatelink_cost);
	CU_add_test(s, "alb-public: cost by hand", test_alb_public_cost);
	CU_add_test(s, "s3-interface-endpoint: cost by hand, S3 sees private addresses",
	            test_s3_interface_endpoint);
	CU_add_test(s, "alb-privatelink: targets see the ALB, the ALB sees the NLB, XFF names it",
	            test_alb_privatelink_addresses);
	CU_add_test(s, "alb-public: targets see the ALB, the ALB sees the NAT EIP, XFF names it",
	            test_alb_public_addresses);
	CU_add_test(s, "alb-overlap-privatelink: runs, every request completes",
	            test_overlap_privatelink_runs);
	CU_add_test(s, "alb-overlap-peering: refused, and says why", test_overlap_peering_refused);
	CU_add_test(s, "alb-overlap-tgw: refused, and says why", test_overlap_tgw_refused);
	CU_add_test(s, "alb-privatelink-az: cross-AZ charges for the client without an ENI",
	            test_privatelink_az);
	CU_add_test(s, "constant delays: alb-peering latency is the exact sum", test_exact_alb_peering);
	CU_add_test(s, "constant delays: alb-tgw latency is the exact sum", test_exact_alb_tgw);
	CU_add_test(s, "constant delays: alb-privatelink latency is the exact sum",
	            test_exact_alb_privatelink);
	CU_add_test(s, "constant delays: alb-public latency is the exact sum", test_exact_alb_public);
	CU_add_test(s, "alb-lattice: costs by hand", test_alb_lattice_cost);
	CU_add_test(s, "constant delays: alb-lattice latency is the exact sum", test_exact_alb_lattice);
	CU_add_test(s, "alb-resource-endpoint: costs by hand, rewritten addresses",
	            test_alb_resource_endpoint_cost);
	CU_add_test(s, "constant delays: alb-resource-endpoint latency is the exact sum",
	            test_exact_alb_resource_endpoint);
}
