/* \summary: network ACLs: stateless rules by number at subnet boundaries, loading errors */
/* pcap.h (scenario_run.h) needs the BSD u_int types that strict POSIX hides. */
#define _DEFAULT_SOURCE
#include <pcap/pcap.h>

#include "harness.h"
#include "scenario_run.h"
#include "scenario_text.h"

/* The drops counted for the network ACL, and whether one names `detail`. */
static uint64_t nacl_drops(const report *r, const char *detail)
{
	uint64_t n = 0;
	for (guint i = 0; i < r->drops->len; i++) {
		const report_count *c = &g_array_index(r->drops, report_count, i);
		if (strstr(c->what, "network-acl") && (!detail || strstr(c->what, detail)))
			n += c->count;
	}
	return n;
}

static const report_workload *only_workload(const run *rn)
{
	CU_ASSERT_EQUAL_FATAL(rn->r->workloads->len, 1);
	return &g_array_index(rn->r->workloads, report_workload, 0);
}

/* Requests in and answers out to the ephemeral ports: everything carried,
 * nothing dropped. */
static void test_allowed(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "tests/scenarios/nacl.ini", NULL, FALSE));
	const report_workload *w = only_workload(&rn);
	CU_ASSERT(w->sent >= 20 && w->completed == w->sent);
	CU_ASSERT_EQUAL(nacl_drops(rn.r, NULL), 0);
	run_free(&rn);
}

/* Stateless: letting the request in does not let its answer out.  Without
 * the ephemeral-port rule every answer meets the final deny. */
static void test_stateless(void)
{
	const char *sets[] = { "network_acl:nacl-web.egress=100 allow tcp 80 to 10.0.1.0/24", NULL };
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "tests/scenarios/nacl.ini", sets, FALSE));
	const report_workload *w = only_workload(&rn);
	CU_ASSERT(w->sent > 0 && w->completed == 0);
	CU_ASSERT(nacl_drops(rn.r, "nacl-web outbound rule '*' (no rule matched)") > 0);
	run_free(&rn);
}

/* The lowest number decides: a deny at 90 beats the allow at 100, whatever
 * the order written; and it is the inbound side that drops. */
static void test_order(void)
{
	const char *sets[] = { "network_acl:nacl-web.ingress=100 allow tcp 80 from 10.0.1.0/24, "
	                       "90 deny tcp 80 from 10.0.1.0/24", NULL };
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "tests/scenarios/nacl.ini", sets, FALSE));
	const report_workload *w = only_workload(&rn);
	CU_ASSERT(w->sent > 0 && w->completed == 0);
	CU_ASSERT(nacl_drops(rn.r, "nacl-web inbound rule '90 deny tcp 80 from 10.0.1.0/24'") > 0);
	run_free(&rn);

	/* With the numbers swapped the allow comes first. */
	const char *swapped[] = { "network_acl:nacl-web.ingress=90 allow tcp 80 from 10.0.1.0/24, "
	                          "100 deny tcp 80 from 10.0.1.0/24", NULL };
	CU_ASSERT_FATAL(run_scenario(&rn, "tests/scenarios/nacl.ini", swapped, FALSE));
	w = only_workload(&rn);
	CU_ASSERT(w->sent > 0 && w->completed == w->sent);
	run_free(&rn);
}

/* Traffic within a subnet is not checked: the client moved into the web
 * subnet is carried though the ACL would deny it (wrong source range). */
static void test_within_subnet(void)
{
	const char *sets[] = { "instance:client-1.subnet=a-web", NULL };
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "tests/scenarios/nacl.ini", sets, FALSE));
	const report_workload *w = only_workload(&rn);
	CU_ASSERT(w->sent > 0 && w->completed == w->sent);
	CU_ASSERT_EQUAL(nacl_drops(rn.r, NULL), 0);
	run_free(&rn);
}

/* A subnet without a network ACL uses the VPC's default one: everything
 * passes, so the client's own subnet (no ACL) never drops. */
static void test_default_allows(void)
{
	const char *sets[] = { "network_acl:nacl-web.subnets=a-client",
	                       "network_acl:nacl-web.ingress=100 allow tcp 32768-60999 from 10.0.2.0/24",
	                       "network_acl:nacl-web.egress=100 allow tcp 80 to 10.0.2.0/24", NULL };
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "tests/scenarios/nacl.ini", sets, FALSE));
	const report_workload *w = only_workload(&rn);
	CU_ASSERT(w->sent > 0 && w->completed == w->sent);
	run_free(&rn);
}

static void test_load_errors(void)
{
	static const char base[] =
		"[vpc v]\ncidr = 10.0.0.0/16\n"
		"[vpc w]\ncidr = 10.1.0.0/16\n"
		"[subnet s1]\nvpc = v\ncidr = 10.0.1.0/24\naz = use1-az1\n"
		"[subnet s2]\nvpc = w\ncidr = 10.1.1.0/24\naz = use1-az1\n";
	char *t = g_strconcat(base,
	                      "[network_acl a]\nvpc = v\nsubnets = s1\n"
	                      "ingress = 100 allow tcp 80 from 10.0.0.0/16, 100 deny all any from 0.0.0.0/0\n"
	                      "egress = 0 allow all any to 0.0.0.0/0, 5 permit all any to 0.0.0.0/0, "
	                      "7 allow icmp 8 to 0.0.0.0/0, 9 allow tcp 80 from 0.0.0.0/0\n"
	                      "[network_acl b]\nvpc = v\nsubnets = s1, s2\n", NULL);
	const char *want[] = {
		"[network_acl a] ingress: '100 deny all any from 0.0.0.0/0': rule number 100 is used twice",
		"[network_acl a] egress: '0 allow all any to 0.0.0.0/0': rule number '0' is not one; "
		"expected a whole number from 1 to 32766",
		"'5 permit all any to 0.0.0.0/0': action 'permit' is not known; expected allow or deny",
		"'7 allow icmp 8 to 0.0.0.0/0': icmp has no ports",
		"'9 allow tcp 80 from 0.0.0.0/0' is not a rule; expected 'NUMBER allow|deny PROTO PORTS to CIDR'",
		"[network_acl b] subnets: 's1' is already associated with network ACL a",
		"[network_acl b] subnets: 's2' is a subnet of w, not of v",
		NULL,
	};
	st_expect_errors(t, NULL, 7, want);
	g_free(t);
}

/* trace shows the rule that allowed each packet, and, when the answer is
 * denied, the answer's journey up to the network ACL that dropped it. */
static void test_trace(void)
{
	char *out = NULL;
	const char *ok[] = { "trace", "tests/scenarios/nacl.ini", "--from", "client-1", "--to", "web-1", NULL };
	CU_ASSERT_EQUAL(harness_vpcsim(&out, NULL, ok), 0);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "network ACL nacl-web inbound: rule '100 allow tcp 80 from "
	                                           "10.0.1.0/24'"));
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "network ACL nacl-web outbound: rule '100 allow tcp "
	                                           "32768-60999 to 10.0.1.0/24'"));
	g_free(out);
	const char *denied[] = { "trace", "tests/scenarios/nacl.ini", "--from", "client-1", "--to", "web-1",
	                         "--set", "network_acl:nacl-web.egress=100 allow tcp 80 to 10.0.1.0/24", NULL };
	CU_ASSERT_NOT_EQUAL(harness_vpcsim(&out, NULL, denied), 0);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "the first packet dropped (sent by web-1)"));
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "denied by a network ACL"));
	CU_ASSERT_PTR_NULL(out && strstr(out, "no drop was traced"));
	g_free(out);
}

void register_tests(void)
{
	CU_pSuite s = CU_add_suite("nacl", NULL, NULL);
	CU_add_test(s, "requests in, answers out", test_allowed);
	CU_add_test(s, "stateless: answers need their own rule", test_stateless);
	CU_add_test(s, "the lowest number decides", test_order);
	CU_add_test(s, "within a subnet nothing is checked", test_within_subnet);
	CU_add_test(s, "no ACL: the default allows all", test_default_allows);
	CU_add_test(s, "load errors", test_load_errors);
	CU_add_test(s, "trace: the allowing rules, the denied answer", test_trace);
}
