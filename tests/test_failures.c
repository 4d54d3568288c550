/* \summary: what goes wrong, and says why: missing route, security group, overlap, no public IP, NAT ports */
#define _DEFAULT_SOURCE
#include "scenario_run.h"

/*
 * Each failure the fabric models, produced from a shipped scenario with one
 * override, must end in its documented drop reason (or load error), never
 * in a crash or a silent loss.
 */

static void expect_failures(const char *file, const char *const *sets, const char *wl,
                            const char *drop_what)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, file, sets, FALSE));
	const report_workload *w = workload(rn.r, wl);
	CU_ASSERT(w->sent > 0);
	CU_ASSERT_EQUAL(w->completed, 0);
	uint64_t d = drops_matching(rn.r, drop_what);
	printf("\n    %s: %" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT " drops matching '%s'",
	       rn.sc->name, (guint64)w->sent, (guint64)d, drop_what);
	CU_ASSERT(d > 0);
	run_free(&rn);
}

static void test_missing_route(void)
{
	/* VPC-A forgets its route to VPC-B: the VPC router has nowhere to send. */
	const char *const sets[] = { "scenario.duration=1s", "route_table:a-app.routes=", NULL };
	expect_failures("scenarios/vpc-peering.ini", sets, "web",
	                "vpc-a-router: no-route: from client-1 to 10.1.");
}

static void test_security_group_deny(void)
{
	/* The servers' group allows only 8080: port 80 is denied at the server
	 * ENI, and the drop names the group set that denied it. */
	const char *const sets[] = { "scenario.duration=1s",
		                     "security_group:sg-web.ingress=tcp 8080 from 10.0.0.0/16", NULL };
	expect_failures("scenarios/vpc-peering.ini", sets, "web",
	                "server-1: security-group: sg-web (denied by a security group)");
}

static void test_client_egress_deny(void)
{
	const char *const sets[] = { "scenario.duration=1s",
		                     "security_group:sg-client.egress=tcp 443 to 10.1.0.0/16", NULL };
	expect_failures("scenarios/vpc-peering.ini", sets, "web", "client-1: security-group: sg-client");
}

static void test_no_public_ip(void)
{
	/* The private subnet routes straight to the internet gateway: the
	 * instances have no public address, so the gateway cannot translate. */
	const char *const sets[] = { "scenario.duration=1s",
		                     "route_table:a-private.routes=0.0.0.0/0 -> igw-a", NULL };
	expect_failures("scenarios/s3-natgw.ini", sets, "s3-get",
	                "igw-a: no-public-ip: 10.0.1.4 has no public IP");
}

static void test_overlapping_peering_refused(void)
{
	char *path = harness_source_path("scenarios/vpc-peering.ini");
	const char *const sets[] = { "vpc:vpc-b.cidr=10.0.0.0/16", "subnet:b-app-1.cidr=10.0.101.0/24",
		                     "subnet:b-app-2.cidr=10.0.102.0/24", "route_table:a-app.routes=",
		                     "route_table:b-app.routes=", "security_group:sg-client.egress=",
		                     NULL };
	GError *err = NULL;
	scenario *sc = scenario_load(path, sets, &err);
	g_free(path);
	CU_ASSERT_PTR_NULL(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	printf("\n    %s", err->message);
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "[peering pcx-ab]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "overlapping CIDRs"));
	g_error_free(err);
	scenario_free(sc);
}

/* One client of s3-natgw for 2 s, a connection per request, through a NAT
 * gateway allowed `ports` connections per destination and, if `idle` is
 * not 0, that idle timeout (both set on the loaded profile): what was sent,
 * completed, and dropped for want of a port (to 10.0.1.4's flows). */
static void nat_per_request(uint32_t ports, sim_time idle, uint64_t *sent, uint64_t *completed,
                            uint64_t *drops)
{
	char *path = harness_source_path("scenarios/s3-natgw.ini");
	const char *const sets[] = { "scenario.duration=2s", "vars.clients=1",
		                     "workload:s3-get.connection=per-request",
		                     "workload:s3-get.response_size=1KB", NULL };
	GError *err = NULL;
	scenario *sc = scenario_load(path, sets, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	profile *prof = scenario_own_profile(sc);
	prof->limits.natgw_connections_per_destination = ports;
	if (idle)
		prof->limits.natgw_idle_timeout = idle;
	world *w = world_new(sc, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	world_run(w, NULL, NULL, NULL);
	report *r = world_report(w, FALSE, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	const report_workload *wl = workload(r, "s3-get");
	*sent = wl->sent;
	*completed = wl->completed;
	*drops = drops_matching(r, "nat-a: nat-port-allocation: 10.0.1.4:");
	printf("\n    sent %" G_GUINT64_FORMAT ", completed %" G_GUINT64_FORMAT ", nat drops %" G_GUINT64_FORMAT,
	       (guint64)*sent, (guint64)*completed, (guint64)*drops);
	report_free(r);
	world_free(w);
	scenario_free(sc);
}

/* The NAT gateway allows a limited number of connections per destination
 * (55,000 per address in AWS; 4 here): with one connection per request and
 * mappings that live for the idle timeout (350 s), the fifth connection to
 * S3 cannot get a port. */
static void test_nat_port_exhaustion(void)
{
	uint64_t sent, completed, drops;
	nat_per_request(4, 0, &sent, &completed, &drops);
	CU_ASSERT(sent > 4);
	CU_ASSERT_EQUAL(completed, 4);
	CU_ASSERT(drops > 0);
}

/* The same four ports, but mappings idle for 100 ms expire: each new
 * mapping first lets the idle ones go, so the ports come back and every
 * request gets one (before, an idle mapping kept its port until a packet
 * of its own flow came, which with a new connection per request never
 * happens, and the gateway refused all after the fourth for good). */
static void test_nat_ports_come_back(void)
{
	uint64_t sent, completed, drops;
	nat_per_request(4, 100 * SIM_MS, &sent, &completed, &drops);
	CU_ASSERT(sent > 8);
	CU_ASSERT_EQUAL(completed, sent);
	CU_ASSERT_EQUAL(drops, 0);
}

/* UDP datagrams carry DF: over a TGW (MTU 8500) an 8000-byte datagram
 * arrives and an 8600-byte one is dropped at the TGW, saying why. */
static void test_udp_mtu_per_path(void)
{
	const char *big[] = { "scenario.duration=1s", "workload:web.kind=udp",
		              "workload:web.request_size=8600B",
		              "security_group:sg-web.ingress=udp 80 from 10.0.0.0/16",
		              "security_group:sg-client.egress=udp 80 to 10.1.0.0/16", NULL };
	expect_failures("scenarios/vpc-tgw.ini", big, "web", "tgw-1: mtu-exceeded: 8628 bytes > MTU 8500");
	big[2] = "workload:web.request_size=8000B";
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/vpc-tgw.ini", big, FALSE));
	const report_workload *w = workload(rn.r, "web");
	CU_ASSERT(w->sent > 0 && w->completed == w->sent);
	CU_ASSERT_STRING_EQUAL(w->kind, "udp");
	run_free(&rn);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("failures and their reasons");
	CU_add_test(s, "missing route", test_missing_route);
	CU_add_test(s, "security group denies inbound", test_security_group_deny);
	CU_add_test(s, "security group denies outbound", test_client_egress_deny);
	CU_add_test(s, "no public IP at the internet gateway", test_no_public_ip);
	CU_add_test(s, "overlapping CIDRs refused for peering", test_overlapping_peering_refused);
	CU_add_test(s, "NAT gateway port allocation", test_nat_port_exhaustion);
	CU_add_test(s, "NAT gateway ports come back after the idle timeout", test_nat_ports_come_back);
	CU_add_test(s, "UDP larger than the path MTU", test_udp_mtu_per_path);
}
