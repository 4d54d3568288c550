/* \summary: PrivateLink resource endpoints: cross-AZ charges by hand, config errors naming file, group, key and value, overlapping CIDRs */
/* pcap.h needs the BSD u_int types that strict POSIX hides. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "scenario_run.h"
#include "resource_endpoint.h"

static uint64_t line_bytes(const report *r, const char *component, const char *type)
{
	const cost_line *l = ledger_line(r, component, type);
	return l ? l->bytes : 0;
}

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

static const char *const two_s[] = { "scenario.duration=2s", NULL };

/*
 * tests/scenarios/resource-endpoint-az.ini: client-2 and the endpoint's
 * second ENI in use1-az2, the resource gateway in use1-az1 only.
 * client-2's packets cross from its ENI to the gateway and back: the
 * endpoint's PrivateLink port (capture vpce-rc-alb-rgw-b) shows each once,
 * with client-2's address.  Out on the endpoint and in on the gateway what
 * client-2 sent, out on the gateway and in on the endpoint what it got;
 * client-1 (use1-az1, its ENI and the gateway there) crosses nothing, and
 * neither does the gateway's leg to the ALB node in use1-az1.  The bill:
 * 0.01 + 0.01 USD per GB crossing.  With resource_endpoint.charge_cross_az
 * false, no cross-AZ line has a byte.
 */
static void test_cross_az(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "tests/scenarios/resource-endpoint-az.ini", two_s, TRUE));
	uint32_t me = SC_AT(rn.sc->instances, sc_instance, scenario_find_instance(rn.sc, "client-2"))->ip;
	uint64_t sent = 0, got = 0;
	char *name = g_strdup_printf("%s-vpce-rc-alb-rgw-b", rn.sc->name);
	GArray *a = pcap_packets(rn.dir, name);
	g_free(name);
	for (guint i = 0; i < a->len; i++) {
		const cap_pkt *c = &g_array_index(a, cap_pkt, i);
		if (c->src == me)
			sent += c->ip_len;
		else if (c->dst == me)
			got += c->ip_len;
	}
	g_array_unref(a);
	printf("\n    client-2: %" G_GUINT64_FORMAT " B to the gateway, %" G_GUINT64_FORMAT " B back",
	       (guint64)sent, (guint64)got);
	CU_ASSERT(sent > 0 && got > 0);
	CU_ASSERT_EQUAL(line_bytes(rn.r, "vpce-rc-alb", "cross-az-out"), sent);
	CU_ASSERT_EQUAL(line_bytes(rn.r, "rgw-b", "cross-az-in"), sent);
	CU_ASSERT_EQUAL(line_bytes(rn.r, "rgw-b", "cross-az-out"), got);
	CU_ASSERT_EQUAL(line_bytes(rn.r, "vpce-rc-alb", "cross-az-in"), got);
	CU_ASSERT_EQUAL(cross_az_bytes(rn.r), 2 * (sent + got));
	const prices *p = rn.sc->prices;
	double usd = 0;
	const char *lines[][2] = { { "vpce-rc-alb", "cross-az-out" }, { "vpce-rc-alb", "cross-az-in" },
		                   { "rgw-b", "cross-az-out" }, { "rgw-b", "cross-az-in" } };
	for (guint i = 0; i < G_N_ELEMENTS(lines); i++) {
		const cost_line *l = ledger_line(rn.r, lines[i][0], lines[i][1]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(l);
		usd += l->run_usd;
	}
	double hand = 2 * (double)(sent + got) / p->gb_bytes * p->data_transfer.cross_az.usd_per_gb[0];
	CU_ASSERT_DOUBLE_EQUAL(usd, hand, 1e-12);
	run_free(&rn);

	/* The switch off: the same run, nothing billed across AZs. */
	char *path = harness_source_path("tests/scenarios/resource-endpoint-az.ini");
	GError *err = NULL;
	scenario *sc = scenario_load(path, two_s, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	((prices *)sc->prices)->resource_endpoint.charge_cross_az = FALSE;
	world *w = world_new(sc, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	world_run(w, NULL, NULL, NULL);
	report *r = world_report(w, FALSE, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(cross_az_bytes(r), 0);
	report_free(r);
	world_free(w);
	scenario_free(sc);
}

/* Each bad value is refused with one message naming the file, the line,
 * the group, the key, the value and what was expected. */
static void test_bad_groups(void)
{
	static const struct {
		const char *set, *want;
	} cases[] = {
		{ "resource_gateway:rgw-b.ipv4_addresses_per_eni=63",
		  "[resource_gateway rgw-b] ipv4_addresses_per_eni: '63' is not a whole number from 1 to 62" },
		{ "resource_gateway:rgw-b.subnets=b-app-1, a-app-1",
		  "[resource_gateway rgw-b] subnets: 'a-app-1' is a subnet of vpc-a, not of vpc-b" },
		{ "resource_gateway:rgw-b.vpc=vpc-x",
		  "[resource_gateway rgw-b] vpc: 'vpc-x'" },
		{ "resource_configuration:rc-alb-b.target=web-9",
		  "[resource_configuration rc-alb-b] target: 'web-9' is neither a load balancer nor an IPv4 "
		  "address; expected the name of a [load_balancer] in the gateway's VPC" },
		{ "resource_configuration:rc-alb-b.target=10.0.1.9",
		  "[resource_configuration rc-alb-b] target: '10.0.1.9' is not in vpc-b, the VPC of resource "
		  "gateway rgw-b" },
		{ "resource_configuration:rc-alb-b.port_ranges=443",
		  "[resource_configuration rc-alb-b] port_ranges: '443': no listener of alb-b in 443-443; "
		  "expected ranges holding one of its listener ports" },
		{ "resource_configuration:rc-alb-b.port_ranges=http",
		  "[resource_configuration rc-alb-b] port_ranges: 'http' is not a port or a range" },
		{ "resource_configuration:rc-alb-b.protocol=udp",
		  "[resource_configuration rc-alb-b] protocol: 'udp'" },
		{ "resource_configuration:rc-alb-b.type=group",
		  "[resource_configuration rc-alb-b] type: 'group'" },
		{ "resource_configuration:rc-alb-b.resource_gateway=rgw-x",
		  "[resource_configuration rc-alb-b] resource_gateway: 'rgw-x'" },
		{ "resource_endpoint:vpce-rc-alb.resource_configuration=rc-x",
		  "[resource_endpoint vpce-rc-alb] resource_configuration: 'rc-x'" },
		{ "resource_endpoint:vpce-rc-alb.subnets=b-app-1",
		  "[resource_endpoint vpce-rc-alb] subnets: 'b-app-1' is a subnet of vpc-b, not of vpc-a" },
		{ "resource_endpoint:vpce-rc-alb.security_groups=sg-alb",
		  "[resource_endpoint vpce-rc-alb] security_groups: 'sg-alb'" },
		{ "workload:web.port=81",
		  "[workload web] port: '81' is not a port vpce-rc-alb takes; expected a port of resource "
		  "configuration rc-alb-b (80)" },
		{ "workload:web.kind=udp",
		  "[workload web] target: 'vpce-rc-alb' is a resource endpoint, which carries TCP only; "
		  "expected instances as the target of a udp workload" },
	};
	char *path = harness_source_path("scenarios/alb-resource-endpoint.ini");
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *sets[] = { cases[i].set, NULL };
		GError *err = NULL;
		scenario *sc = scenario_load(path, sets, &err);
		CU_ASSERT_PTR_NULL(sc);
		if (sc) {
			printf("\n    loaded with %s", cases[i].set);
			scenario_free(sc);
			continue;
		}
		gboolean ok = strstr(err->message, "scenarios/alb-resource-endpoint.ini:") &&
		              strstr(err->message, cases[i].want);
		if (!ok)
			printf("\n    %s: missing '%s' in:\n%s", cases[i].set, cases[i].want, err->message);
		CU_ASSERT(ok);
		g_error_free(err);
	}
	g_free(path);
}

/* No AZ in common between the endpoint and the gateway: refused (R-gw). */
static void test_no_common_az(void)
{
	char *path = harness_source_path("scenarios/alb-resource-endpoint.ini");
	const char *sets[] = { "resource_gateway:rgw-b.subnets=b-app-2", NULL };
	GError *err = NULL;
	scenario *sc = scenario_load(path, sets, &err);
	g_free(path);
	CU_ASSERT_PTR_NULL_FATAL(sc);
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "[resource_endpoint vpce-rc-alb] subnets: 'a-app-1': no "
	                                            "AZ in common with resource gateway rgw-b"));
	g_error_free(err);
}

/* The gateway addresses: 16 per ENI by default, taken in a row after the
 * ALB's node in each subnet; its source NAT uses the first. */
static void test_addresses(void)
{
	char *path = harness_source_path("scenarios/alb-resource-endpoint.ini");
	GError *err = NULL;
	scenario *sc = scenario_load(path, NULL, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	const sc_resource_gateway *rg = SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, 0);
	CU_ASSERT_EQUAL(rg->addrs_per_eni, 16);
	CU_ASSERT_EQUAL(rg->ips->len, 32);
	uint32_t a = 0;
	pkt_ip_parse("10.1.1.6", &a);
	CU_ASSERT_EQUAL(g_array_index(rg->ips, uint32_t, 0), a);
	CU_ASSERT_EQUAL(g_array_index(rg->ips, uint32_t, 15), a + 15);
	pkt_ip_parse("10.1.2.6", &a);
	CU_ASSERT_EQUAL(g_array_index(rg->ips, uint32_t, 16), a);
	const sc_resource_endpoint *re = SC_AT(sc->of[GK_RESOURCE_ENDPOINT], sc_resource_endpoint, 0);
	pkt_ip_parse("10.0.1.6", &a);
	CU_ASSERT_EQUAL(g_array_index(re->ips, uint32_t, 0), a);
	char *name = resource_endpoint_dns_name(sc, 0);
	CU_ASSERT(g_str_has_prefix(name, "vpce-") && g_str_has_suffix(name, ".vpc-lattice-rsc.us-east-1.on.aws"));
	g_free(name);
	scenario_free(sc);
}

/* VPC-B renumbered onto VPC-A's CIDR: every request completes.  The
 * gateway's address (10.0.1.6 in b-app-1) is the endpoint ENI's in VPC-A,
 * and the ALB node's (10.0.1.5) client-2's: neither VPC sees the other's
 * addresses, so nothing clashes. */
static void test_overlap(void)
{
	const char *const sets[] = { "scenario.duration=1s", "vpc:vpc-b.cidr=10.0.0.0/16",
		                     "subnet:b-app-1.cidr=10.0.1.0/24", "subnet:b-app-2.cidr=10.0.2.0/24",
		                     "security_group:sg-alb.ingress=tcp 80 from 10.0.0.0/16",
		                     "security_group:sg-rgw.egress=tcp 80 to 10.0.0.0/16", NULL };
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/alb-resource-endpoint.ini", sets, FALSE));
	const sc_resource_gateway *rg = SC_AT(rn.sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, 0);
	const sc_resource_endpoint *re = SC_AT(rn.sc->of[GK_RESOURCE_ENDPOINT], sc_resource_endpoint, 0);
	CU_ASSERT_EQUAL(g_array_index(rg->ips, uint32_t, 0), g_array_index(re->ips, uint32_t, 0));
	const report_workload *w = &g_array_index(rn.r->workloads, report_workload, 0);
	CU_ASSERT(w->sent > 50);
	CU_ASSERT_EQUAL(w->completed, w->sent);
	CU_ASSERT_EQUAL(w->failed, 0);
	run_free(&rn);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("PrivateLink resource endpoints");
	CU_add_test(s, "cross-AZ between endpoint and gateway, by hand; the switch", test_cross_az);
	CU_add_test(s, "bad groups: one clear message each", test_bad_groups);
	CU_add_test(s, "no AZ in common with the gateway", test_no_common_az);
	CU_add_test(s, "gateway and endpoint addresses, the DNS name", test_addresses);
	CU_add_test(s, "overlapping CIDRs: every request completes", test_overlap);
}
