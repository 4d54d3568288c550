/* \summary: data transfer per construct, by hand: NAT gateway, interface endpoint, peering, TGW and S3 rates and switches */
/* pcap.h (through scenario_run.h) needs the BSD u_int types that strict POSIX hides. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "scenario_run.h"

/*
 * Each case runs a bundled scenario, with --set overrides that make every
 * byte of its workload cross AZs (or stay in one) by construction, and
 * checks the bill of the price table's key for that hop against a hand
 * computation from the bytes on the clients' wire (the report's
 * request_bytes and response_bytes: billed_bytes is ip-packet, and every
 * construct on these paths keeps a packet's IP length).  A changed price
 * or switch is given in a copy of the price table (scenario.prices).
 */

/* A copy of the shipped price table with group.key = value, in a fresh
 * directory; returns its path (free it with drop_prices). */
static char *prices_with(const char *group, const char *key, const char *value)
{
	char *table = harness_source_path("scenarios/prices/us-east-1.ini");
	GKeyFile *kf = g_key_file_new();
	CU_ASSERT_FATAL(g_key_file_load_from_file(kf, table, G_KEY_FILE_KEEP_COMMENTS, NULL));
	if (group)
		g_key_file_set_value(kf, group, key, value);
	char *dir = harness_tmpdir();
	char *copy = g_build_filename(dir, "prices.ini", NULL);
	CU_ASSERT_FATAL(g_key_file_save_to_file(kf, copy, NULL));
	g_key_file_free(kf);
	g_free(table);
	g_free(dir);
	return copy;
}

static void drop_prices(char *path)
{
	char *dir = g_path_get_dirname(path);
	harness_rmtree(dir);
	g_free(dir);
	g_free(path);
}

/* Bytes and run USD on the lines of `component` (NULL: every component)
 * whose type is `type`. */
static uint64_t line_bytes(const run *rn, const char *component, const char *type, double *usd)
{
	uint64_t b = 0;
	double u = 0;
	for (guint i = 0; i < cost_ledger_n_lines(rn->r->ledger); i++) {
		const cost_line *l = cost_ledger_line_at(rn->r->ledger, i);
		if ((!component || strcmp(l->component, component) == 0) && strcmp(l->type, type) == 0) {
			b += l->bytes;
			u += l->run_usd;
		}
	}
	if (usd)
		*usd = u;
	return b;
}

static gboolean has_line(const run *rn, const char *type)
{
	for (guint i = 0; i < cost_ledger_n_lines(rn->r->ledger); i++)
		if (strcmp(cost_ledger_line_at(rn->r->ledger, i)->type, type) == 0)
			return TRUE;
	return FALSE;
}

static const report_workload *wl0(const run *rn)
{
	return &g_array_index(rn->r->workloads, report_workload, 0);
}

/* Runs `file` with the table at `table` (NULL: the shipped one) and the
 * sets. */
static gboolean run_with(run *rn, const char *file, const char *table, const char *const *sets)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	for (const char *const *s = sets; s && *s; s++)
		g_ptr_array_add(a, g_strdup(*s));
	if (table)
		g_ptr_array_add(a, g_strdup_printf("scenario.prices=%s", table));
	g_ptr_array_add(a, NULL);
	gboolean ok = run_scenario(rn, file, (const char *const *)a->pdata, FALSE);
	g_ptr_array_unref(a);
	return ok;
}

#define USD(bytes, rate) ((double)(bytes) / 1073741824.0 * (rate))

/* client-1 in use1-az1 uses a NAT gateway moved to use1-az2: every byte
 * crosses, out on the sender and in on the receiver, at 0.01 USD/GB each;
 * charge_cross_az = false bills none of it.  S3 reached through the IGW
 * from the NAT gateway's address pays s3.transfer_same_region on the NAT
 * gateway, both ways. */
static void test_nat_gateway(void)
{
	const char *sets[] = { "subnet:a-public-1.az=use1-az2", "vars.clients=1", NULL };
	run rn;
	CU_ASSERT_FATAL(run_with(&rn, "scenarios/s3-natgw.ini", NULL, sets));
	uint64_t req = wl0(&rn)->request_bytes, resp = wl0(&rn)->response_bytes;
	CU_ASSERT(req > 0 && resp > 1000000);
	double usd;
	CU_ASSERT_EQUAL(line_bytes(&rn, "client-1", "cross-az-out", NULL), req);
	CU_ASSERT_EQUAL(line_bytes(&rn, "nat-a", "cross-az-in", NULL), req);
	CU_ASSERT_EQUAL(line_bytes(&rn, "nat-a", "cross-az-out", NULL), resp);
	CU_ASSERT_EQUAL(line_bytes(&rn, "client-1", "cross-az-in", &usd), resp);
	CU_ASSERT_DOUBLE_EQUAL(usd, USD(resp, 0.01), 1e-15);
	line_bytes(&rn, NULL, "cross-az-out", &usd);
	CU_ASSERT_DOUBLE_EQUAL(usd, USD(req + resp, 0.01), 1e-15);
	CU_ASSERT_FALSE(has_line(&rn, "s3-transfer"));
	run_free(&rn);

	char *p = prices_with("nat_gateway", "charge_cross_az", "false");
	CU_ASSERT_FATAL(run_with(&rn, "scenarios/s3-natgw.ini", p, sets));
	CU_ASSERT(wl0(&rn)->response_bytes > 1000000);
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "cross-az-out", NULL), 0);
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "cross-az-in", NULL), 0);
	run_free(&rn);
	drop_prices(p);

	/* Billed where the region's public network carries it: every byte
	 * (IP) the region received (all of it S3's traffic with the NAT gateway's
	 * address here), not the client's wire, which counts an ACK still on
	 * its way when the run ends. */
	p = prices_with("s3", "transfer_same_region_usd_per_gb", "0.02");
	CU_ASSERT_FATAL(run_with(&rn, "scenarios/s3-natgw.ini", p, sets));
	uint64_t region = 0;
	for (guint i = 0; i < rn.r->components->len; i++) {
		const report_component *c = &g_array_index(rn.r->components, report_component, i);
		if (strcmp(c->name, "region") == 0)
			region = c->rx_bytes - 14 * c->rx_pkts; /* less Ethernet headers */
	}
	CU_ASSERT(region > 1000000);
	CU_ASSERT_EQUAL(line_bytes(&rn, "nat-a", "s3-transfer", &usd), region);
	CU_ASSERT_DOUBLE_EQUAL(usd, USD(region, 0.02), 1e-15);
	run_free(&rn);
	drop_prices(p);
}

/* Only client-2 (use1-az2) sends, to the endpoint's one ENI in use1-az1:
 * all its bytes cross, and nothing else on the path does (the ALB's
 * crossing to web-2 is free by alb.cross_az_to_targets).  With
 * interface_endpoint.charge_cross_az = false nothing is billed. */
static void test_interface_endpoint(void)
{
	const char *sets[] = { "workload:web.clients=client-2", NULL };
	run rn;
	CU_ASSERT_FATAL(run_with(&rn, "scenarios/alb-privatelink-az.ini", NULL, sets));
	uint64_t req = wl0(&rn)->request_bytes, resp = wl0(&rn)->response_bytes;
	CU_ASSERT(req > 0 && resp > 0);
	double out, in;
	CU_ASSERT_EQUAL(line_bytes(&rn, "client-2", "cross-az-out", NULL), req);
	CU_ASSERT_EQUAL(line_bytes(&rn, "vpce-alb", "cross-az-in", NULL), req);
	CU_ASSERT_EQUAL(line_bytes(&rn, "vpce-alb", "cross-az-out", NULL), resp);
	CU_ASSERT_EQUAL(line_bytes(&rn, "client-2", "cross-az-in", NULL), resp);
	line_bytes(&rn, NULL, "cross-az-out", &out);
	line_bytes(&rn, NULL, "cross-az-in", &in);
	CU_ASSERT_DOUBLE_EQUAL(out + in, USD(2 * (req + resp), 0.01), 1e-15);
	run_free(&rn);

	char *p = prices_with("interface_endpoint", "charge_cross_az", "false");
	CU_ASSERT_FATAL(run_with(&rn, "scenarios/alb-privatelink-az.ini", p, sets));
	CU_ASSERT(wl0(&rn)->response_bytes > 0);
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "cross-az-out", NULL), 0);
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "cross-az-in", NULL), 0);
	run_free(&rn);
	drop_prices(p);
}

/* Clients in use1-az1 of VPC-A call server-2 in use1-az2 of VPC-B over
 * peering: every byte is billed at vpc_peering.cross_az (here 0.05, not
 * data_transfer's 0.01) on each side; calling server-1 in use1-az1
 * instead bills vpc_peering.same_az (here 0.002) once, on the sender. */
static void test_peering(void)
{
	const char *cross[] = { "workload:web.target=server-2", NULL };
	const char *same[] = { "workload:web.target=server-1", NULL };
	run rn;
	char *p = prices_with("vpc_peering", "cross_az_usd_per_gb_each_direction", "0.05");
	CU_ASSERT_FATAL(run_with(&rn, "scenarios/vpc-peering.ini", p, cross));
	uint64_t req = wl0(&rn)->request_bytes, resp = wl0(&rn)->response_bytes;
	CU_ASSERT(req > 0 && resp > 0);
	double out, in;
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "peering-cross-az-out", &out), req + resp);
	CU_ASSERT_EQUAL(line_bytes(&rn, "server-2", "peering-cross-az-out", NULL), resp);
	CU_ASSERT_EQUAL(line_bytes(&rn, "server-2", "peering-cross-az-in", NULL), req);
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "peering-cross-az-in", &in), req + resp);
	CU_ASSERT_DOUBLE_EQUAL(out + in, USD(2 * (req + resp), 0.05), 1e-15);
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "cross-az-out", NULL), 0);
	CU_ASSERT_FALSE(has_line(&rn, "peering-same-az"));
	run_free(&rn);
	drop_prices(p);

	p = prices_with("vpc_peering", "same_az_usd_per_gb", "0.002");
	CU_ASSERT_FATAL(run_with(&rn, "scenarios/vpc-peering.ini", p, same));
	req = wl0(&rn)->request_bytes;
	resp = wl0(&rn)->response_bytes;
	double usd;
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "peering-same-az", &usd), req + resp);
	CU_ASSERT_EQUAL(line_bytes(&rn, "server-1", "peering-same-az", NULL), resp);
	CU_ASSERT_DOUBLE_EQUAL(usd, USD(req + resp, 0.002), 1e-15);
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "peering-cross-az-out", NULL), 0);
	/* The hops inside each VPC stay in the AZ too, but only a packet that
	 * crossed the peering connection pays its rate; the others pay
	 * data_transfer.same_az, 0 here, so no line. */
	CU_ASSERT_FALSE(has_line(&rn, "same-az"));
	run_free(&rn);
	drop_prices(p);
}

/* data_transfer.same_az bills each same-AZ hop once, on its sender: in
 * s3-natgw.ini the client's packets to the NAT gateway and the NAT
 * gateway's answers to the client each make one such hop (the hops to and
 * from the internet gateway leave the AZ).  In vpc-peering.ini towards
 * server-1 the only same-AZ hop comes after the peering connection and
 * pays vpc_peering.same_az instead (0 here: no line at all). */
static void test_same_az(void)
{
	const char *same[] = { "workload:web.target=server-1", NULL };
	char *p = prices_with("data_transfer", "same_az_usd_per_gb", "0.003");
	run rn;
	CU_ASSERT_FATAL(run_with(&rn, "scenarios/s3-natgw.ini", p, NULL));
	uint64_t req = wl0(&rn)->request_bytes, resp = wl0(&rn)->response_bytes;
	double usd;
	/* Client to NAT gateway in one AZ, and back: once each way. */
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "same-az", &usd), req + resp);
	CU_ASSERT_DOUBLE_EQUAL(usd, USD(req + resp, 0.003), 1e-15);
	run_free(&rn);
	CU_ASSERT_FATAL(run_with(&rn, "scenarios/vpc-peering.ini", p, same));
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "same-az", NULL), 0);
	run_free(&rn);
	drop_prices(p);
}

/* vpc-tgw.ini: processing is billed on the bytes sent into the TGW, both
 * ways by default; with processing_both_directions = false only the
 * requests' way (the flows' first packets'). */
static void test_tgw_directions(void)
{
	run rn;
	CU_ASSERT_FATAL(run_with(&rn, "scenarios/vpc-tgw.ini", NULL, NULL));
	uint64_t req = wl0(&rn)->request_bytes, resp = wl0(&rn)->response_bytes;
	double usd;
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "processing", &usd), req + resp);
	CU_ASSERT_DOUBLE_EQUAL(usd, USD(req + resp, 0.02), 1e-15);
	run_free(&rn);
	char *p = prices_with("transit_gateway", "processing_both_directions", "false");
	CU_ASSERT_FATAL(run_with(&rn, "scenarios/vpc-tgw.ini", p, NULL));
	req = wl0(&rn)->request_bytes;
	CU_ASSERT(req > 0 && wl0(&rn)->response_bytes > req);
	CU_ASSERT_EQUAL(line_bytes(&rn, NULL, "processing", &usd), req);
	CU_ASSERT_DOUBLE_EQUAL(usd, USD(req, 0.02), 1e-15);
	run_free(&rn);
	drop_prices(p);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("data transfer by construct");
	CU_add_test(s, "NAT gateway in another AZ; S3 through the IGW", test_nat_gateway);
	CU_add_test(s, "interface endpoint in another AZ", test_interface_endpoint);
	CU_add_test(s, "peering rates, cross-AZ and same AZ", test_peering);
	CU_add_test(s, "same-AZ transfer", test_same_az);
	CU_add_test(s, "TGW processing one or both directions", test_tgw_directions);
}
