/* \summary: the shipped scenarios end to end: costs by hand from the price table, exact delay sums, failures */
/* pcap.h needs the BSD u_int types that strict POSIX hides. */
#define _DEFAULT_SOURCE
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "scenario_run.h"

/*
 * Every shipped scenario runs here at a fixed workload.  Costs are computed
 * by hand from the price table, with the bytes that the per-GB charges
 * apply to counted independently of the simulator's ledger: by reading the
 * captures back with libpcap and adding up the IPv4 total-length fields.
 */

static double gb(const run *rn, uint64_t bytes) { return (double)bytes / rn->sc->prices->gb_bytes; }

static double run_hours_billed(const run *rn)
{
	double h = (double)rn->r->simulated_ns / 3.6e12;
	return h <= 0 ? 1 : (double)(int64_t)(h + 0.999999999999);
}

static void check_cost(const run *rn, double hand_run)
{
	double got = cost_ledger_total_run_usd(rn->r->ledger);
	printf("\n    %s: run cost %.6f USD, by hand %.6f USD", rn->sc->name, got, hand_run);
	CU_ASSERT_DOUBLE_EQUAL(cost_round_cents(got), cost_round_cents(hand_run), 1e-9);
	/* And more tightly than the cent: the same bytes, the same prices. */
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

static const char *const fixed[] = { "scenario.duration=2s", NULL };

/* Peering: no hourly charge, nothing for same-AZ traffic, cross-AZ transfer
 * in each direction for what server-2 (use1-az2) exchanges with the clients
 * (use1-az1): 0.01 USD/GB out + 0.01 USD/GB in. */
static void test_peering_cost(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/vpc-peering.ini", fixed, TRUE));
	check_all_completed(&rn);
	const prices *p = rn.sc->prices;
	uint64_t cross = pcap_ip_bytes(rn.dir, "vpc-peering-server-2-vpc-b-router");
	CU_ASSERT(cross > 0);
	double hand = 2 * gb(&rn, cross) * p->data_transfer.cross_az.usd_per_gb[0];
	check_cost(&rn, hand);
	run_free(&rn);
}

/* Transit Gateway: 0.05 USD per attachment-hour (2 attachments, one billed
 * hour), 0.02 USD per GB processed (every packet that enters the TGW: it
 * shows once in its ingress port's capture and once in its egress port's,
 * so the sum over the TGW's ports is twice the processed bytes), plus the
 * same cross-AZ transfer as peering. */
static void test_tgw_cost(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/vpc-tgw.ini", fixed, TRUE));
	check_all_completed(&rn);
	const prices *p = rn.sc->prices;
	uint64_t tgw = pcap_ip_bytes(rn.dir, "vpc-tgw-tgw-1-vpc-a-router") +
	               pcap_ip_bytes(rn.dir, "vpc-tgw-tgw-1-vpc-b-router") +
	               pcap_ip_bytes(rn.dir, "vpc-tgw-tgw-1-vpc-b-router-2");
	uint64_t cross = pcap_ip_bytes(rn.dir, "vpc-tgw-server-2-vpc-b-router");
	CU_ASSERT(tgw > 0 && tgw % 2 == 0);
	double hand = 2 * p->transit_gateway.attachment_hourly_usd * run_hours_billed(&rn) +
	              gb(&rn, tgw / 2) * p->transit_gateway.processing.usd_per_gb[0] +
	              2 * gb(&rn, cross) * p->data_transfer.cross_az.usd_per_gb[0];
	check_cost(&rn, hand);
	run_free(&rn);
}

/* Gateway endpoint: free, and S3 in the same Region charges no transfer. */
static void test_s3_gateway_endpoint_cost(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/s3-gateway-endpoint.ini", fixed, TRUE));
	check_all_completed(&rn);
	check_cost(&rn, 0.0);
	/* S3 saw the instances' private addresses. */
	const report_workload *w = workload(rn.r, "s3-get");
	CU_ASSERT(w->request_path->len >= 3);
	run_free(&rn);
}

/* NAT gateway: 0.045 USD per hour, the Elastic IP's 0.005 USD per hour, and
 * 0.045 USD per GB processed in both directions.  The gateway has one port,
 * so its capture holds every packet twice (in, then out translated). */
static void test_s3_natgw_cost(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/s3-natgw.ini", fixed, TRUE));
	check_all_completed(&rn);
	const prices *p = rn.sc->prices;
	uint64_t nat = pcap_ip_bytes(rn.dir, "s3-natgw-nat-a-vpc-a-router");
	CU_ASSERT(nat > 0 && nat % 2 == 0);
	double hours = run_hours_billed(&rn);
	double hand = (p->nat_gateway.hourly_usd + p->public_ipv4.hourly_usd_per_address) * hours +
	              gb(&rn, nat / 2) * p->nat_gateway.processing.usd_per_gb[0];
	check_cost(&rn, hand);
	run_free(&rn);
}

/* The three-VPC scenarios, priced by hand: everything is in use1-az1, so
 * peering costs nothing (no hourly charge, same-AZ transfer free, and the
 * requests to C die at VPC-B's router); the TGW costs three attachment-hours
 * and 0.02 USD per GB processed, each packet counted once on entering (its
 * ingress and egress ports' captures hold it twice). */
static void test_three_vpcs_cost(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/vpc-three-peering.ini", fixed, TRUE));
	check_cost(&rn, 0.0);
	run_free(&rn);
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/vpc-three-tgw.ini", fixed, TRUE));
	check_all_completed(&rn);
	const prices *p = rn.sc->prices;
	uint64_t tgw = pcap_ip_bytes(rn.dir, "vpc-three-tgw-tgw-1-vpc-a-router") +
	               pcap_ip_bytes(rn.dir, "vpc-three-tgw-tgw-1-vpc-b-router") +
	               pcap_ip_bytes(rn.dir, "vpc-three-tgw-tgw-1-vpc-c-router");
	CU_ASSERT(tgw > 0 && tgw % 2 == 0);
	double hand = 3 * p->transit_gateway.attachment_hourly_usd * run_hours_billed(&rn) +
	              gb(&rn, tgw / 2) * p->transit_gateway.processing.usd_per_gb[0];
	check_cost(&rn, hand);
	run_free(&rn);
}

/* Three VPCs: peering does not carry A's traffic on to C; the TGW does. */
static void test_three_vpcs(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/vpc-three-peering.ini", NULL, FALSE));
	const report_workload *ab = workload(rn.r, "a-to-b"), *ac = workload(rn.r, "a-to-c");
	CU_ASSERT(ab->sent > 0 && ab->completed == ab->sent);
	/* Nothing arrives; the clients are still retrying their SYNs when the
	 * run ends (TCP gives up after about two minutes). */
	CU_ASSERT(ac->sent > 0 && ac->completed == 0 && ac->failed + ac->unfinished == ac->sent);
	gboolean seen = FALSE;
	for (guint i = 0; i < rn.r->drops->len; i++) {
		const report_count *c = &g_array_index(rn.r->drops, report_count, i);
		if (strstr(c->what, "vpc-b-router: peering-not-transitive") &&
		    strstr(c->what, "peering is not transitive"))
			seen = TRUE;
	}
	CU_ASSERT(seen);
	run_free(&rn);

	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/vpc-three-tgw.ini", NULL, FALSE));
	check_all_completed(&rn);
	CU_ASSERT_EQUAL(rn.r->drops->len, 0);
	run_free(&rn);
}

/*
 * With every delay one constant X, no bandwidth limit and a constant think
 * time T, a request on a kept-alive connection takes exactly the sum of the
 * delays along its path and back, plus T.  Per direction, by the model's
 * rules (fabric.h): a VPC router adds its processing X, plus propagation X
 * when it hands the packet to a port in an AZ; a construct adds its
 * processing X (a TGW also the propagation X to the attachment ENI it
 * leaves from).
 *   peering: router A (X, peering port has no AZ) + pcx (X) + router B (X + X) = 4X
 *   TGW:     router A (X + X) + TGW (X + X) + router B (X + X)             = 6X
 * The first request of a connection also waits for the handshake (SYN and
 * SYN-ACK take the same paths), so it takes twice the round trip plus T.
 */
static void check_exact(const char *file, int per_direction)
{
	const sim_time X = 100 * SIM_US, T = SIM_MS;
	const char *const sets[] = { "scenario.duration=1s", "workload:web.think_time=1ms",
		                     "workload:web.response_size=100B", "workload:web.rate=20/s",
		                     "vars.clients=1", NULL };
	char *path = harness_source_path(file);
	GError *err = NULL;
	scenario *sc = scenario_load(path, sets, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	profile_set_all_delays(scenario_own_profile(sc), X);
	sc->profile->bandwidth.instance = 0;
	sc->profile->bandwidth.tgw_attachment = 0;
	sc->profile->bandwidth.natgw = 0;
	world *w = world_new(sc, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	world_run(w, NULL, NULL, NULL);
	report *r = world_report(w, FALSE, 0, &err);
	const report_workload *wl = workload(r, "web");
	sim_time rtt = 2 * per_direction * X;
	printf("\n    %s: %" G_GUINT64_FORMAT " requests, latency min %" G_GINT64_FORMAT
	       " ns, max %" G_GINT64_FORMAT " ns; expected %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
	       sc->name, (guint64)wl->completed, hdr_min(wl->latency), hdr_max(wl->latency),
	       rtt + T, 2 * rtt + T);
	CU_ASSERT(wl->completed > 5 && wl->completed == wl->sent);
	CU_ASSERT_EQUAL(hdr_min(wl->latency), rtt + T);
	CU_ASSERT_EQUAL(hdr_max(wl->latency), 2 * rtt + T);
	report_free(r);
	world_free(w);
	scenario_free(sc);
}

static void test_exact_peering(void) { check_exact("scenarios/vpc-peering.ini", 4); }
static void test_exact_tgw(void) { check_exact("scenarios/vpc-tgw.ini", 6); }

/* Same scenario and seed: byte-identical JSON reports. */
static void test_deterministic(void)
{
	char *out[2];
	for (int i = 0; i < 2; i++) {
		run rn;
		CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/vpc-tgw.ini", fixed, FALSE));
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		rn.r->wall_s = 0;
		report_write(rn.r, REPORT_JSON, f);
		fclose(f);
		out[i] = buf;
		run_free(&rn);
	}
	CU_ASSERT_STRING_EQUAL(out[0], out[1]);
	free(out[0]);
	free(out[1]);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("shipped scenarios");
	CU_add_test(s, "vpc-peering: cost by hand", test_peering_cost);
	CU_add_test(s, "vpc-tgw: cost by hand", test_tgw_cost);
	CU_add_test(s, "s3-gateway-endpoint: cost by hand", test_s3_gateway_endpoint_cost);
	CU_add_test(s, "s3-natgw: cost by hand", test_s3_natgw_cost);
	CU_add_test(s, "three VPCs: peering is not transitive, TGW is", test_three_vpcs);
	CU_add_test(s, "three VPCs: cost by hand", test_three_vpcs_cost);
	CU_add_test(s, "constant delays: peering latency is the exact sum", test_exact_peering);
	CU_add_test(s, "constant delays: TGW latency is the exact sum", test_exact_tgw);
	CU_add_test(s, "same seed, same report", test_deterministic);
}
