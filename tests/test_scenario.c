/* \summary: scenario loader tests: topology, counted groups, overrides, addresses, errors, validate */
#include "scenario_text.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

#define load_rel st_load_rel
#define load_text st_load_text
#define expect_errors_v st_expect_errors

#define SETS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define EXPECT1(body, ...) expect_errors_v((body), NULL, 1, WANT(__VA_ARGS__))

/* A small valid topology the error tests add one fault to. */
static const char base[] =
	"[vpc a]\ncidr = 10.0.0.0/16\n"
	"[vpc b]\ncidr = 10.1.0.0/16\n"
	"[subnet a-pub]\nvpc = a\ncidr = 10.0.0.0/24\naz = use1-az1\nroute_table = a-pub-rt\n"
	"[subnet a-app]\nvpc = a\ncidr = 10.0.1.0/24\naz = use1-az1\n"
	"[subnet a-app-2]\nvpc = a\ncidr = 10.0.2.0/24\naz = use1-az2\n"
	"[subnet b-app]\nvpc = b\ncidr = 10.1.1.0/24\naz = use1-az1\n"
	"[internet_gateway igw-a]\nvpc = a\n"
	"[internet_gateway igw-b]\nvpc = b\n"
	"[route_table a-pub-rt]\nvpc = a\nroutes = 0.0.0.0/0 -> igw-a\n"
	"[nat_gateway nat-a]\nsubnet = a-pub\n"
	"[instance a-1]\nsubnet = a-app\n"
	"[instance b-1]\nsubnet = b-app\n"
	"[security_group sg-a]\nvpc = a\n"
	"[security_group sg-b]\nvpc = b\n"
	"[transit_gateway tgw]\n"
	"[tgw_route_table tgw-rt]\ntransit_gateway = tgw\n";

/* base followed by `extra`. */
static char *with(const char *extra)
{
	return g_strconcat(base, extra, NULL);
}

static void expect_with(const char *extra, guint nlines, const char *const *want)
{
	char *body = with(extra);
	expect_errors_v(body, NULL, nlines, want);
	g_free(body);
}

#define EXPECT_WITH(extra, ...) expect_with((extra), 1, WANT(__VA_ARGS__))

static uint32_t ip(const char *dotted)
{
	unsigned a, b, c, d;
	CU_ASSERT_EQUAL_FATAL(sscanf(dotted, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	return a << 24 | b << 16 | c << 8 | d;
}

static int ints_at(const GArray *a, guint i)
{
	return i < a->len ? g_array_index(a, int, i) : -99;
}

static gboolean ints_are(const GArray *a, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	gboolean ok = a->len == (guint)n;
	for (int i = 0; i < n; i++)
		ok &= ints_at(a, (guint)i) == va_arg(ap, int);
	va_end(ap);
	return ok;
}

static const sc_route *route(const scenario *sc, int table, guint i)
{
	const GArray *r = SC_AT(sc->route_tables, sc_route_table, table)->routes;
	CU_ASSERT_FATAL(i < r->len);
	return SC_AT(r, sc_route, i);
}

static void check_route(const sc_route *r, const char *dst, int len, sc_target_kind kind,
                        int target, int prefix_list)
{
	CU_ASSERT_EQUAL(r->dst.addr, ip(dst));
	CU_ASSERT_EQUAL(r->dst.len, len);
	CU_ASSERT_EQUAL(r->kind, kind);
	CU_ASSERT_EQUAL(r->target, target);
	CU_ASSERT_EQUAL(r->prefix_list, prefix_list);
}

/* ---- valid scenarios ---------------------------------------------------- */

/* Every construct of all-kinds.ini resolved to the indices and addresses
 * worked out by hand from the file. */
static void test_all_kinds(void)
{
	GError *err = NULL;
	scenario *sc = load_rel("tests/scenarios/all-kinds.ini", NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_STRING_EQUAL(sc->name, "all-kinds");
	CU_ASSERT_STRING_EQUAL(sc->description, "every kind of group once");
	CU_ASSERT_EQUAL(sc->seed, 7); /* ${seed} from [vars] */
	CU_ASSERT_EQUAL(sc->duration, 2 * SIM_S);
	CU_ASSERT_EQUAL(sc->drain, 500 * SIM_MS);
	CU_ASSERT_PTR_NOT_NULL(sc->prices);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc->profile);
	CU_ASSERT_EQUAL(dist_mean(&sc->profile->propagation.same_az), 100e3); /* constant.ini */

	CU_ASSERT_EQUAL(sc->vpcs->len, 3);
	CU_ASSERT_EQUAL(sc->subnets->len, 5);
	CU_ASSERT_EQUAL(sc->instances->len, 6);
	CU_ASSERT_EQUAL(sc->workloads->len, 2);
	CU_ASSERT_EQUAL_FATAL(sc->azs->len, 2);
	CU_ASSERT_STRING_EQUAL(sc->azs->pdata[0], "use1-az1");
	CU_ASSERT_STRING_EQUAL(sc->azs->pdata[1], "use1-az2");

	const sc_vpc *a = SC_AT(sc->vpcs, sc_vpc, 0);
	CU_ASSERT_STRING_EQUAL(a->name, "vpc-a");
	CU_ASSERT_EQUAL(a->cidr.addr, ip("10.0.0.0"));
	CU_ASSERT_EQUAL(a->cidr.len, 16);
	CU_ASSERT_EQUAL(a->igw, 0);
	CU_ASSERT_EQUAL(SC_AT(sc->vpcs, sc_vpc, 1)->igw, -1);
	CU_ASSERT_EQUAL(SC_AT(sc->igws, sc_igw, 0)->vpc, 0);

	/* Tables: the four written, then implicit mains for vpc-a and shared
	 * (vpc-b marks b-main). */
	CU_ASSERT_EQUAL_FATAL(sc->route_tables->len, 6);
	const char *tables[] = { "a-public-rt", "a-private", "b-main", "shared-rt", "vpc-a-main",
		                 "shared-main" };
	for (int i = 0; i < 6; i++)
		CU_ASSERT_STRING_EQUAL(SC_AT(sc->route_tables, sc_route_table, i)->name, tables[i]);
	CU_ASSERT_EQUAL(a->main_route_table, 4);
	CU_ASSERT_EQUAL(SC_AT(sc->vpcs, sc_vpc, 1)->main_route_table, 2);
	CU_ASSERT_EQUAL(SC_AT(sc->vpcs, sc_vpc, 2)->main_route_table, 5);
	CU_ASSERT_TRUE(SC_AT(sc->route_tables, sc_route_table, 2)->main);
	CU_ASSERT_TRUE(SC_AT(sc->route_tables, sc_route_table, 4)->main);
	CU_ASSERT_FALSE(SC_AT(sc->route_tables, sc_route_table, 1)->main);
	CU_ASSERT_EQUAL(SC_AT(sc->route_tables, sc_route_table, 5)->vpc, 2);

	const sc_subnet *app2 = SC_AT(sc->subnets, sc_subnet, 2);
	CU_ASSERT_STRING_EQUAL(app2->az, "use1-az2");
	CU_ASSERT_EQUAL(app2->az_index, 1);
	CU_ASSERT_EQUAL(app2->route_table, 1);
	CU_ASSERT_EQUAL(SC_AT(sc->subnets, sc_subnet, 3)->route_table, -1);
	CU_ASSERT_EQUAL(scenario_subnet_route_table(sc, 3), 2);
	CU_ASSERT_EQUAL(scenario_subnet_route_table(sc, 4), 5);
	CU_ASSERT_EQUAL(scenario_subnet_route_table(sc, 0), 0);

	/* a-private: local first, the written routes, then the endpoint's two
	 * prefix-list routes. */
	const GArray *priv = SC_AT(sc->route_tables, sc_route_table, 1)->routes;
	CU_ASSERT_EQUAL_FATAL(priv->len, 6);
	check_route(route(sc, 1, 0), "10.0.0.0", 16, SC_TARGET_LOCAL, -1, -1);
	check_route(route(sc, 1, 1), "0.0.0.0", 0, SC_TARGET_NATGW, 0, -1);
	check_route(route(sc, 1, 2), "10.1.0.0", 16, SC_TARGET_PEERING, 0, -1);
	check_route(route(sc, 1, 3), "10.2.0.0", 16, SC_TARGET_TGW, 0, -1);
	check_route(route(sc, 1, 4), "52.216.0.0", 15, SC_TARGET_GW_ENDPOINT, 0, 0);
	check_route(route(sc, 1, 5), "3.5.0.0", 19, SC_TARGET_GW_ENDPOINT, 0, 0);
	/* The implicit main table gets the endpoint routes too. */
	CU_ASSERT_EQUAL(SC_AT(sc->route_tables, sc_route_table, 4)->routes->len, 3);
	check_route(route(sc, 4, 0), "10.0.0.0", 16, SC_TARGET_LOCAL, -1, -1);
	check_route(route(sc, 4, 2), "3.5.0.0", 19, SC_TARGET_GW_ENDPOINT, 0, 0);
	/* Only local in the shared VPC's implicit main table. */
	CU_ASSERT_EQUAL(SC_AT(sc->route_tables, sc_route_table, 5)->routes->len, 1);
	check_route(route(sc, 5, 0), "10.2.0.0", 16, SC_TARGET_LOCAL, -1, -1);
	check_route(route(sc, 0, 1), "0.0.0.0", 0, SC_TARGET_IGW, 0, -1);
	check_route(route(sc, 3, 2), "10.2.9.0", 24, SC_TARGET_BLACKHOLE, -1, -1);

	/* Security groups: the default egress rule, a cross-VPC reference over
	 * the peering, port ranges. */
	const sc_sg *csg = SC_AT(sc->security_groups, sc_sg, 0);
	const sc_sg *web = SC_AT(sc->security_groups, sc_sg, 1);
	CU_ASSERT_EQUAL_FATAL(csg->egress->len, 1);
	const sc_sg_rule *r = SC_AT(csg->egress, sc_sg_rule, 0);
	CU_ASSERT_EQUAL(r->proto, SC_PROTO_ALL);
	CU_ASSERT_EQUAL(r->port_hi, 65535);
	CU_ASSERT_EQUAL(r->peer.len, 0);
	CU_ASSERT_EQUAL(r->peer_sg, -1);
	CU_ASSERT_EQUAL_FATAL(web->ingress->len, 3);
	r = SC_AT(web->ingress, sc_sg_rule, 1);
	CU_ASSERT_EQUAL(r->proto, SC_PROTO_TCP);
	CU_ASSERT_EQUAL(r->port_lo, 443);
	CU_ASSERT_EQUAL(r->port_hi, 443);
	CU_ASSERT_EQUAL(r->peer_sg, 0);
	CU_ASSERT_STRING_EQUAL(r->text, "tcp 443 from client-sg");
	r = SC_AT(web->ingress, sc_sg_rule, 2);
	CU_ASSERT_EQUAL(r->proto, SC_PROTO_ICMP);
	CU_ASSERT_EQUAL(r->port_lo, 0);
	CU_ASSERT_EQUAL(r->port_hi, 65535);
	CU_ASSERT_EQUAL_FATAL(web->egress->len, 1);
	r = SC_AT(web->egress, sc_sg_rule, 0);
	CU_ASSERT_EQUAL(r->port_lo, 1024);
	CU_ASSERT_EQUAL(r->port_hi, 65535);
	CU_ASSERT_EQUAL(r->peer.addr, ip("10.0.0.0"));
	CU_ASSERT_EQUAL(r->peer.len, 16);

	/* Addresses in file order: clients .4-.6 of a-app-1; bastion then the
	 * NAT gateway in a-public; public addresses from 3.80.0.1 up. */
	const char *names[] = { "client-1", "client-2", "client-3", "server-1", "bastion", "tools" };
	const char *ips[] = { "10.0.1.4", "10.0.1.5", "10.0.1.6", "10.1.1.10", "10.0.0.4",
		              "10.2.1.4" };
	for (int i = 0; i < 6; i++) {
		const sc_instance *in = SC_AT(sc->instances, sc_instance, i);
		CU_ASSERT_STRING_EQUAL(in->name, names[i]);
		CU_ASSERT_EQUAL(in->ip, ip(ips[i]));
		CU_ASSERT_EQUAL(in->public_ip, i == 4 ? ip("3.80.0.1") : 0);
		CU_ASSERT_EQUAL(scenario_find_instance(sc, names[i]), i);
	}
	CU_ASSERT_EQUAL(scenario_find_instance(sc, "client-4"), -1);
	CU_ASSERT_TRUE(ints_are(SC_AT(sc->instances, sc_instance, 0)->sgs, 1, 0));
	CU_ASSERT_TRUE(ints_are(SC_AT(sc->instances, sc_instance, 4)->sgs, 1, 0)); /* client-* */
	CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, 5)->sgs->len, 0);
	const sc_natgw *nat = SC_AT(sc->natgws, sc_natgw, 0);
	CU_ASSERT_EQUAL(nat->subnet, 0);
	CU_ASSERT_EQUAL(nat->ip, ip("10.0.0.5"));
	CU_ASSERT_EQUAL(nat->public_ip, ip("3.80.0.2"));

	const sc_peering *pcx = SC_AT(sc->peerings, sc_peering, 0);
	CU_ASSERT_EQUAL(pcx->vpc_a, 0);
	CU_ASSERT_EQUAL(pcx->vpc_b, 1);
	CU_ASSERT_STRING_EQUAL(SC_AT(sc->tgws, sc_tgw, 0)->name, "tgw-1");
	const sc_tgw_attachment *att = SC_AT(sc->tgw_attachments, sc_tgw_attachment, 0);
	CU_ASSERT_EQUAL(att->tgw, 0);
	CU_ASSERT_EQUAL(att->vpc, 0);
	CU_ASSERT_TRUE(ints_are(att->subnets, 2, 1, 2));
	CU_ASSERT_EQUAL(att->route_table, 0);
	CU_ASSERT_TRUE(ints_are(att->propagate_to, 1, 0));
	CU_ASSERT_TRUE(ints_are(SC_AT(sc->tgw_attachments, sc_tgw_attachment, 1)->subnets, 1, 4));
	CU_ASSERT_EQUAL(SC_AT(sc->tgw_attachments, sc_tgw_attachment, 1)->propagate_to->len, 0);
	const sc_tgw_route_table *trt = SC_AT(sc->tgw_route_tables, sc_tgw_route_table, 0);
	CU_ASSERT_EQUAL(trt->tgw, 0);
	CU_ASSERT_EQUAL_FATAL(trt->routes->len, 2);
	check_route(SC_AT(trt->routes, sc_route, 0), "10.9.0.0", 16, SC_TARGET_BLACKHOLE, -1, -1);
	check_route(SC_AT(trt->routes, sc_route, 1), "10.2.0.0", 16, SC_TARGET_TGW, 1, -1);

	const sc_service *s3 = SC_AT(sc->services, sc_service, 0);
	CU_ASSERT_STRING_EQUAL(s3->kind, "s3");
	CU_ASSERT_EQUAL(s3->prefixes->len, 2);
	CU_ASSERT_EQUAL(s3->ip, ip("52.216.0.10"));
	CU_ASSERT_EQUAL(s3->latency.type, DIST_LOGNORMAL);
	const sc_gw_endpoint *ep = SC_AT(sc->gw_endpoints, sc_gw_endpoint, 0);
	CU_ASSERT_EQUAL(ep->vpc, 0);
	CU_ASSERT_EQUAL(ep->service, 0);
	CU_ASSERT_TRUE(ints_are(ep->route_tables, 2, 1, 4));

	/* Workloads: defaults, and every key set. */
	const sc_workload *w = SC_AT(sc->workloads, sc_workload, 0);
	CU_ASSERT_EQUAL(w->kind, SC_WL_HTTP);
	CU_ASSERT_TRUE(ints_are(w->clients, 3, 0, 1, 2));
	CU_ASSERT_EQUAL(w->target_kind, SC_TARGET_IS_INSTANCE);
	CU_ASSERT_TRUE(ints_are(w->targets, 1, 3));
	CU_ASSERT_EQUAL(w->port, 80);
	/* 50/s Poisson: exponential gaps of mean 20 ms. */
	CU_ASSERT_EQUAL(w->interval.type, DIST_EXP);
	ASSERT_NEAR(dist_mean(&w->interval), 20e6, 1e-3);
	CU_ASSERT_EQUAL(w->requests, 0);
	CU_ASSERT_STRING_EQUAL(w->method, "GET");
	CU_ASSERT_STRING_EQUAL(w->path, "/");
	CU_ASSERT_EQUAL(dist_mean(&w->request_size), 0);
	CU_ASSERT_EQUAL(dist_mean(&w->response_size), 1000);
	CU_ASSERT_EQUAL(dist_mean(&w->think_time), 0);
	CU_ASSERT_TRUE(w->keepalive);
	w = SC_AT(sc->workloads, sc_workload, 1);
	CU_ASSERT_TRUE(ints_are(w->clients, 2, 0, 4));
	CU_ASSERT_EQUAL(w->target_kind, SC_TARGET_IS_SERVICE);
	CU_ASSERT_TRUE(ints_are(w->targets, 1, 0));
	CU_ASSERT_TRUE(dist_is_const(&w->interval));
	ASSERT_NEAR(dist_mean(&w->interval), 100e6, 1e-3);
	CU_ASSERT_EQUAL(w->requests, 5);
	CU_ASSERT_STRING_EQUAL(w->method, "PUT");
	CU_ASSERT_STRING_EQUAL(w->path, "/bucket/key");
	ASSERT_NEAR(dist_mean(&w->request_size), 2500, 1e-9);
	CU_ASSERT_EQUAL(dist_mean(&w->response_size), 0);
	CU_ASSERT_EQUAL(w->think_time.type, DIST_EXP);
	CU_ASSERT_FALSE(w->keepalive);
	CU_ASSERT_EQUAL(w->port, 8080);
	scenario_free(sc);
}

/* Hub and spokes from counted groups: {i-1}, {i*K} and {i+K} evaluated per
 * copy, globs resolved in file order, copies in place of the group. */
static void test_counted_groups(void)
{
	GError *err = NULL;
	scenario *sc = load_rel("tests/scenarios/counted.ini", NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_STRING_EQUAL(sc->name, "counted"); /* the file name */
	CU_ASSERT_EQUAL(sc->seed, 1);
	CU_ASSERT_EQUAL(sc->duration, 10 * SIM_S);
	CU_ASSERT_EQUAL(sc->drain, 5 * SIM_S);
	CU_ASSERT_EQUAL_FATAL(sc->vpcs->len, 4);
	CU_ASSERT_STRING_EQUAL(SC_AT(sc->vpcs, sc_vpc, 0)->name, "hub");
	for (int i = 1; i <= 3; i++) {
		const sc_vpc *v = SC_AT(sc->vpcs, sc_vpc, i);
		char *name = g_strdup_printf("spoke-%d", i);
		CU_ASSERT_STRING_EQUAL(v->name, name);
		CU_ASSERT_EQUAL(v->cidr.addr, (uint32_t)(10u << 24 | (unsigned)(i - 1) << 16));
		/* Each spoke marks its own table main; the hub gets hub-main. */
		CU_ASSERT_EQUAL(v->main_route_table, i - 1);
		g_free(name);
	}
	CU_ASSERT_EQUAL(SC_AT(sc->vpcs, sc_vpc, 0)->main_route_table, 3);
	CU_ASSERT_STRING_EQUAL(SC_AT(sc->route_tables, sc_route_table, 3)->name, "hub-main");
	check_route(route(sc, 2, 1), "0.0.0.0", 0, SC_TARGET_TGW, 0, -1);

	/* server-1..3 at 10.{i-1}.1.{i*10}; clients take .4 of theirs. */
	CU_ASSERT_EQUAL_FATAL(sc->instances->len, 7);
	const char *ips[] = { "10.0.1.10", "10.1.1.20", "10.2.1.30", "10.0.1.4", "10.1.1.4",
		              "10.2.1.4", "172.16.1.4" };
	for (int i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, i)->ip, ip(ips[i]));
	CU_ASSERT_STRING_EQUAL(SC_AT(sc->instances, sc_instance, 3)->name, "client-1");

	/* Attachments: spoke-{i}-* is exactly spoke-i's subnet (subnet i). */
	CU_ASSERT_EQUAL_FATAL(sc->tgw_attachments->len, 4);
	for (int i = 0; i < 3; i++) {
		const sc_tgw_attachment *a = SC_AT(sc->tgw_attachments, sc_tgw_attachment, i);
		CU_ASSERT_EQUAL(a->vpc, i + 1);
		CU_ASSERT_TRUE(ints_are(a->subnets, 1, i + 1));
	}
	CU_ASSERT_TRUE(ints_are(SC_AT(sc->tgw_attachments, sc_tgw_attachment, 3)->subnets, 1, 0));

	CU_ASSERT_EQUAL_FATAL(sc->workloads->len, 4);
	const sc_workload *w = SC_AT(sc->workloads, sc_workload, 0);
	CU_ASSERT_TRUE(ints_are(w->clients, 3, 3, 4, 5)); /* client-*, file order */
	CU_ASSERT_TRUE(ints_are(w->targets, 1, 6));
	for (int i = 1; i <= 3; i++) {
		w = SC_AT(sc->workloads, sc_workload, i);
		CU_ASSERT_EQUAL(w->port, 8000 + i);
		CU_ASSERT_TRUE(ints_are(w->clients, 1, i + 2));
		CU_ASSERT_TRUE(ints_are(w->targets, 1, i - 1));
	}
	/* The default profile, loaded relative to the file. */
	CU_ASSERT_EQUAL(sc->profile->propagation.same_az.type, DIST_LOGNORMAL);
	scenario_free(sc);
}

/* --set: vars, scenario keys, a written (counted) group, one copy of a
 * counted group, added keys, and the forms that are errors. */
static void test_overrides(void)
{
	GError *err = NULL;
	scenario *sc = load_rel("tests/scenarios/counted.ini",
	                        SETS("vars.spokes=5", "scenario.seed=42", "scenario.name=five",
	                             "instance:client-2.ip=10.1.1.99",
	                             "instance hub-server.ip = 172.16.1.200"),
	                        &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(sc->vpcs->len, 6);
	CU_ASSERT_EQUAL(sc->instances->len, 11);
	CU_ASSERT_EQUAL(sc->workloads->len, 6);
	CU_ASSERT_EQUAL(sc->seed, 42);           /* a key added to [scenario] */
	CU_ASSERT_STRING_EQUAL(sc->name, "five");
	/* server-5 at 10.{5-1}.1.{5*10} */
	CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, 4)->ip, ip("10.4.1.50"));
	int c2 = scenario_find_instance(sc, "client-2");
	CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, c2)->ip, ip("10.1.1.99"));
	int hub = scenario_find_instance(sc, "hub-server");
	CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, hub)->ip, ip("172.16.1.200"));
	scenario_free(sc);

	/* Overriding the counted group as written: {i} works in the value. */
	sc = load_rel("tests/scenarios/counted.ini",
	              SETS("instance:server-{i}.ip=10.{i-1}.1.{i+100}"), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, 2)->ip, ip("10.2.1.103"));
	scenario_free(sc);

	/* A valid file made invalid: spokes at 10.{2i}/16 leave their subnets
	 * outside; and a count of zero. */
	char *path = harness_source_path("tests/scenarios/counted.ini");
	CU_ASSERT_PTR_NULL(scenario_load(path, SETS("vpc:spoke-{i}.cidr=10.{i*2}.0.0/16"), &err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "[subnet spoke-1-app] cidr: '10.0.1.0/24' is "
	                                            "not inside VPC spoke-1 (10.2.0.0/16)"));
	g_clear_error(&err);
	CU_ASSERT_PTR_NULL(scenario_load(path, SETS("vars.spokes=0"), &err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "[vpc spoke-{i}] count: '0' is not a positive "
	                                            "whole number; expected count = N with N from 1 "
	                                            "to 65536"));
	g_clear_error(&err);
	/* A key added by --set is checked like any other. */
	CU_ASSERT_PTR_NULL(scenario_load(path, SETS("instance:hub-server.ip=10.9.9.9"), &err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "[instance hub-server] ip: '10.9.9.9' is not "
	                                            "inside the subnet; expected an address of "
	                                            "subnet hub-app (172.16.1.0/24)"));
	g_clear_error(&err);
	CU_ASSERT_PTR_NULL(scenario_load(path, SETS("vpc:hub.colour=blue"), &err));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "[vpc hub] colour: unknown key (value "
	                                                   "'blue'); expected one of cidr, count"));
	g_clear_error(&err);
	g_free(path);

	expect_errors_v(base, SETS("vpc:nope.cidr=10.0.0.0/16"), 1,
	                WANT("[vpc nope] cidr: --set 'vpc:nope.cidr=10.0.0.0/16' names a group "
	                     "that is not in the file; expected scenario, vars or an existing "
	                     "group as KIND:NAME, such as vpc:a"));
	expect_errors_v(base, SETS("nonsense", "vpc:a=1"), 2,
	                WANT("t.ini: --set 'nonsense' is not GROUP.KEY=VALUE; expected e.g. "
	                     "vars.clients=8",
	                     "t.ini: --set 'vpc:a=1' is not GROUP.KEY=VALUE"));
	expect_errors_v(base, SETS("instance:a-1.sub[net]=x"), 1,
	                WANT("--set 'instance:a-1.sub[net]=x': 'sub[net]' is not a key name"));
	expect_errors_v(base, SETS("scenario.duration=0s"), 1,
	                WANT("[scenario] duration: '0s' is out of range; expected a positive time"));
	/* A copy of a counted group takes no count. */
	char *body = with("[instance x-{i}]\ncount = 2\nsubnet = a-app\n");
	expect_errors_v(body, SETS("instance:x-2.count=3"), 1,
	                WANT("[instance x-2] count: --set 'instance:x-2.count=3': unknown key; "
	                     "expected one of subnet, ip, public_ip, security_groups, fail_at, "
	                     "recover_at, fail_mode (count only on "
	                     "the group as written, instance x-{i})"));
	g_free(body);
}

/* The base topology itself is valid (the error tests rely on it). */
static void test_base_is_valid(void)
{
	GError *err = NULL;
	scenario *sc = load_text(base, NULL, &err);
	if (err)
		fprintf(stderr, "\n%s\n", err->message);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(sc->instances->len, 2);
	CU_ASSERT_STRING_EQUAL(sc->name, "t");
	scenario_free(sc);
	g_clear_error(&err);
}

/* Private addresses: explicit ones first, then the first free from .4 in
 * file order; public ones from 3.80.0.1 in file order. */
static void test_ip_assignment(void)
{
	char *body = with("[subnet small]\nvpc = a\ncidr = 10.0.9.0/28\naz = use1-az1\n"
	                  "[instance x-{i}]\ncount = 3\nsubnet = small\npublic_ip = true\n"
	                  "[nat_gateway nat-b]\nsubnet = a-pub\n"
	                  "[instance fixed]\nsubnet = small\nip = 10.0.9.5\npublic_ip = true\n");
	GError *err = NULL;
	scenario *sc = load_text(body, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	const char *priv[] = { "10.0.1.4", "10.1.1.4", "10.0.9.4", "10.0.9.6", "10.0.9.7",
		               "10.0.9.5" };
	const char *pub[] = { NULL, NULL, "3.80.0.2", "3.80.0.3", "3.80.0.4", "3.80.0.6" };
	for (int i = 0; i < 6; i++) {
		const sc_instance *in = SC_AT(sc->instances, sc_instance, i);
		CU_ASSERT_EQUAL(in->ip, ip(priv[i]));
		CU_ASSERT_EQUAL(in->public_ip, pub[i] ? ip(pub[i]) : 0);
	}
	/* nat-a (in base, before everything) gets 3.80.0.1, nat-b 3.80.0.5
	 * between the x-{i} and `fixed`; private .4 and .5 of a-pub. */
	CU_ASSERT_EQUAL(SC_AT(sc->natgws, sc_natgw, 0)->public_ip, ip("3.80.0.1"));
	CU_ASSERT_EQUAL(SC_AT(sc->natgws, sc_natgw, 1)->public_ip, ip("3.80.0.5"));
	CU_ASSERT_EQUAL(SC_AT(sc->natgws, sc_natgw, 0)->ip, ip("10.0.0.4"));
	CU_ASSERT_EQUAL(SC_AT(sc->natgws, sc_natgw, 1)->ip, ip("10.0.0.5"));
	scenario_free(sc);
	g_free(body);

	/* A /28 has 16 addresses, 11 usable (.4 to .14): the twelfth fails. */
	body = with("[subnet small]\nvpc = a\ncidr = 10.0.9.0/28\naz = use1-az1\n"
	            "[instance x-{i}]\ncount = 12\nsubnet = small\n");
	sc = load_text(body, NULL, &err);
	CU_ASSERT_PTR_NULL(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(strchr(err->message, '['),
	                       "[instance x-12]: subnet small (10.0.9.0/28) has no free address "
	                       "left; expected a larger subnet (AWS reserves its first four and "
	                       "last addresses)");
	g_clear_error(&err);
	g_free(body);
	body = with("[subnet small]\nvpc = a\ncidr = 10.0.9.0/28\naz = use1-az1\n"
	            "[instance x-{i}]\ncount = 11\nsubnet = small\n");
	sc = load_text(body, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, 12)->ip, ip("10.0.9.14"));
	scenario_free(sc);
	g_free(body);

	/* Explicit addresses: outside, reserved, broadcast, taken, malformed. */
	expect_with("[instance c]\nsubnet = a-app\nip = 10.0.2.10\n", 1,
	            WANT("[instance c] ip: '10.0.2.10' is not inside the subnet; expected an "
	                 "address of subnet a-app (10.0.1.0/24) from 10.0.1.4 to 10.0.1.254"));
	EXPECT_WITH("[instance c]\nsubnet = a-app\nip = 10.0.1.3\n",
	            "'10.0.1.3' is one of the four addresses AWS reserves at the start of a subnet");
	EXPECT_WITH("[instance c]\nsubnet = a-app\nip = 10.0.1.0\n",
	            "'10.0.1.0' is one of the four addresses AWS reserves");
	EXPECT_WITH("[instance c]\nsubnet = a-app\nip = 10.0.1.255\n",
	            "'10.0.1.255' is the subnet's broadcast address, which AWS reserves");
	EXPECT_WITH("[instance c]\nsubnet = a-app\nip = 10.0.1.9\n"
	            "[instance d]\nsubnet = a-app\nip = 10.0.1.9\n",
	            "[instance d] ip: '10.0.1.9' is already used by [instance c]; expected a free "
	            "address");
	EXPECT_WITH("[instance c]\nsubnet = a-app\nip = 10.0.1\n",
	            "[instance c] ip: '10.0.1' is not an IPv4 address; expected a dotted quad");
	EXPECT_WITH("[instance c]\nsubnet = a-app\nip = 10.0.1.010\n", "'10.0.1.010' is not an IPv4");
	EXPECT_WITH("[nat_gateway nat-c]\nsubnet = a-pub\nip = 10.0.0.3\n",
	            "[nat_gateway nat-c] ip: '10.0.0.3' is one of the four");
}

/* ---- errors ------------------------------------------------------------- */

static void test_group_and_key_errors(void)
{
	EXPECT_WITH("[vcp x]\ncidr = 10.5.0.0/16\n",
	            "[vcp x]: unknown group kind 'vcp'; expected [scenario], [vars] or [KIND NAME] "
	            "with KIND one of vpc, subnet, route_table");
	EXPECT_WITH("[vpc c]\ncdir = 10.5.0.0/16\ncidr = 10.5.0.0/16\n",
	            "[vpc c] cdir: unknown key (value '10.5.0.0/16'); expected one of cidr, count");
	EXPECT_WITH("[subnet s]\nvpc = a\ncidr = 10.0.7.0/24\n",
	            "[subnet s] az: missing; expected an AZ ID such as use1-az1");
	/* Missing in a counted group: once, under the name as written. */
	EXPECT_WITH("[subnet s-{i}]\ncount = 4\nvpc = a\ncidr = 10.0.{i+10}.0/24\n",
	            "[subnet s-{i}] az: missing; expected an AZ ID");
	EXPECT_WITH("[vpc a.b]\ncidr = 10.5.0.0/16\n",
	            "[vpc a.b]: 'a.b' is not a valid name; expected [vpc NAME] with NAME made of "
	            "letters, digits, '-' and '_'");
	EXPECT_WITH("[vpc]\ncidr = 10.5.0.0/16\n", "[vpc]: '' is not a valid name");
	EXPECT_WITH("[vpc x{y}]\ncidr = 10.5.0.0/16\n", "[vpc x{y}]: 'x{y}' is not a valid name");
	EXPECT_WITH("[vpc c]\ncidr = 10.5.0.0/16\ncidr = 10.6.0.0/16\n",
	            "[vpc c] cidr: duplicate key (the last value would win); expected each key once");
	/* GKeyFile merges the two; their repeated keys are not reported again. */
	EXPECT_WITH("[vpc a]\ncidr = 10.0.0.0/16\n",
	            "[vpc a]: the group appears more than once; expected each group once");
	EXPECT_WITH("[vpc c-{i}]\ncount = 0\ncidr = 10.5.0.0/16\n",
	            "[vpc c-{i}] count: '0' is not a positive whole number; expected count = N with "
	            "N from 1 to 65536");
	EXPECT_WITH("[vpc c-{i}]\ncount = two\ncidr = 10.5.0.0/16\n",
	            "[vpc c-{i}] count: 'two' is not a positive whole number");
	EXPECT_WITH("[vpc c-{i}]\ncount = 99999999\ncidr = 10.5.0.0/16\n",
	            "'99999999' is not a positive whole number");
	EXPECT_WITH("[vpc c]\ncount = 2\ncidr = 10.5.0.0/16\n",
	            "[vpc c] count: '2': the name c has no {i}; expected a name such as c-{i}, so "
	            "that the 2 groups differ");
	EXPECT_WITH("[vpc c-{i}]\ncidr = 10.5.0.0/16\n",
	            "[vpc c-{i}]: the name uses {i} but the group has no count; expected count = N");
	EXPECT_WITH("[vpc c]\ncidr = 10.{i}.0.0/16\n",
	            "[vpc c] cidr: '10.{i}.0.0/16' uses {i} but the group has no count");
	EXPECT_WITH("[vpc c-{i}]\ncount = 2\ncidr = 10.{i/2}.0.0/16\n",
	            "[vpc c-{i}] cidr: '10.{i/2}.0.0/16' has '{i/2}', which is not an index "
	            "expression; expected {i}, {i+K}, {i-K} or {i*K}");
	EXPECT_WITH("[vpc c-{i}-{x}]\ncount = 2\ncidr = 10.{i+4}.0.0/16\n",
	            "[vpc c-{i}-{x}]: the name 'c-{i}-{x}' gives 'c-1-{x}', which is not a valid "
	            "name");
	EXPECT_WITH("[vpc c]\ncidr = 10.${n}.0.0/16\n",
	            "[vpc c] cidr: '10.${n}.0.0/16' uses ${n}, which [vars] does not define; "
	            "expected one of the [vars] (none)");
	/* With [vars] defined, the message lists them: the list is joined from
	 * the names in file order, which once read past the end of an array
	 * that was not NULL-terminated (16 names fill GLib's first allocation,
	 * so the read left the block; AddressSanitizer caught it). */
	EXPECT_WITH("[vars]\nn = 5\n[vpc c]\ncidr = 10.${m}.0.0/16\n",
	            "[vpc c] cidr: '10.${m}.0.0/16' uses ${m}, which [vars] does not define; "
	            "expected one of the [vars] (n)");
	EXPECT_WITH("[vars]\nv0 = 0\nv1 = 1\nv2 = 2\nv3 = 3\nv4 = 4\nv5 = 5\nv6 = 6\nv7 = 7\n"
	            "v8 = 8\nv9 = 9\nv10 = 10\nv11 = 11\nv12 = 12\nv13 = 13\nv14 = 14\nv15 = 15\n"
	            "[vpc c]\ncidr = 10.${v16}.0.0/16\n",
	            "uses ${v16}, which [vars] does not define; expected one of the [vars] (v0, v1, "
	            "v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15)");
	EXPECT_WITH("[vars]\nn = 5\n[vpc c]\ncidr = 10.${n.0.0/16\n",
	            "[vpc c] cidr: '10.${n.0.0/16' has '${' without a closing '}'");
	expect_with("[vars]\nm = five\n", 1,
	            WANT("[vars] m: 'five' is not a whole number; expected a whole number such as "
	                 "4, used elsewhere as ${m}"));
	/* Duplicate names from two groups, and across route-target kinds. */
	EXPECT_WITH("[vpc c-{i}]\ncount = 2\ncidr = 10.{i+4}.0.0/16\n[vpc c-2]\ncidr = 10.9.0.0/16\n",
	            "[vpc c-2]: the name 'c-2' is used by another [vpc] group; expected names "
	            "unique within a kind");
	EXPECT_WITH("[instance nat-a]\nsubnet = a-app\n",
	            "[instance nat-a]: the name 'nat-a' is also used by [nat_gateway nat-a]; "
	            "expected names unique across peerings, transit gateways, NAT gateways, "
	            "internet gateways and instances, because routes name their target");
	EXPECT_WITH("[instance local]\nsubnet = a-app\n",
	            "[instance local]: 'local' is a reserved route target");
	EXPECT_WITH("[route_table a-main]\nvpc = b\n",
	            "[route_table a-main]: the name 'a-main' is that of a's implicit main route "
	            "table; expected another name, or main = true in this table");
}

static void test_value_errors(void)
{
	EXPECT_WITH("[vpc c]\ncidr = 10.5.0.0/33\n",
	            "[vpc c] cidr: '10.5.0.0/33' is not a CIDR; expected an IPv4 CIDR such as "
	            "10.0.0.0/16");
	EXPECT_WITH("[vpc c]\ncidr = 10.5.0.0\n", "'10.5.0.0' is not a CIDR");
	EXPECT_WITH("[vpc c]\ncidr = 10.5.0.256/16\n", "'10.5.0.256/16' is not a CIDR");
	EXPECT_WITH("[vpc c]\ncidr = 10.5.0.1/16\n",
	            "[vpc c] cidr: '10.5.0.1/16' has host bits set; expected its network address, "
	            "10.5.0.0/16");
	EXPECT_WITH("[vpc c]\ncidr = 10.0.0.0/8\n",
	            "[vpc c] cidr: '10.0.0.0/8' is a /8; expected a VPC CIDR from /16 to /28");
	EXPECT_WITH("[subnet s]\nvpc = a\ncidr = 10.0.7.0/29\naz = use1-az1\n",
	            "'10.0.7.0/29' is a /29; expected a subnet CIDR from /16 to /28");
	EXPECT_WITH("[subnet s]\nvpc = a\ncidr = 10.0.7.0/24\naz = us-east-1a\n",
	            "[subnet s] az: 'us-east-1a' is not an AZ ID; expected an AZ ID such as use1-az1 "
	            "(AZ IDs, not names such as us-east-1a, are the same in every account)");
	EXPECT_WITH("[subnet s]\nvpc = a\ncidr = 10.0.7.0/24\naz = usw2-az1\n",
	            "[subnet s] az: 'usw2-az1' is in another Region than use1-az1, the first AZ "
	            "used; expected AZ IDs of one Region");
	EXPECT_WITH("[instance c]\nsubnet = a-app\npublic_ip = yes\n",
	            "[instance c] public_ip: 'yes' is not a switch; expected true or false");
	EXPECT_WITH("[route_table r]\nvpc = a\nmain = 1\n",
	            "[route_table r] main: '1' is not a switch");
	const char wl[] = "[workload w]\nclients = a-1\ntarget = b-1\n";
	char *t = g_strconcat(wl, "rate = 5\n", NULL);
	EXPECT_WITH(t, "[workload w] rate: '5' has no unit; expected a rate such as 100/s");
	g_free(t);
	t = g_strconcat(wl, "rate = 0/s\n", NULL);
	EXPECT_WITH(t, "[workload w] rate: '0/s' is not positive; expected requests per second");
	g_free(t);
	/* Upper bounds (README "Scenario files"): a rate whose gap is below the
	 * clock's nanosecond, one whose gap is beyond the longest time, a size
	 * no uint64 holds, a request count that wrapped. */
	t = g_strconcat(wl, "rate = 1e10/s\n", NULL);
	EXPECT_WITH(t, "t.ini: [workload w] rate: '1e10/s' is out of range: a rate is at most "
	               "1000/us (one per nanosecond, the clock's resolution); expected a rate");
	g_free(t);
	t = g_strconcat(wl, "rate = 1e-30/s\n", NULL);
	EXPECT_WITH(t, "[workload w] rate: '1e-30/s' is out of range: a rate is at least 1/8760h "
	               "(one a year); expected requests per second");
	g_free(t);
	t = g_strconcat(wl, "rate = 1/s\nresponse_size = 1e30B\n", NULL);
	EXPECT_WITH(t, "t.ini: [workload w] response_size: '1e30B' is out of range: a size is at "
	               "most 1PB; expected a size");
	g_free(t);
	t = g_strconcat(wl, "rate = 1/s\nthink_time = exp(mean=2e6h)\n", NULL);
	EXPECT_WITH(t, "[workload w] think_time: 'exp(mean=2e6h)': mean: '2e6h' is out of range: "
	               "a time is at most 8760h (a year)");
	g_free(t);
	t = g_strconcat(wl, "rate = 1/s\nrequests = 18446744073709551615\n", NULL);
	EXPECT_WITH(t, "[workload w] requests: '18446744073709551615' is not a whole number from "
	               "0 to 1000000000000; expected requests per client");
	g_free(t);
	t = g_strconcat(wl, "rate = 1/s\nport = 70000\narrival = bursty\nmethod = get\n"
	                    "path = index.html\nconnection = close\nkind = tcp\nrequests = -1\n"
	                    "think_time = exp(mean=-1ms)\nresponse_size = 1KBps\n",
	                NULL);
	expect_with(t, 9,
	            WANT("[workload w] port: '70000' is not a port; expected a whole number from 1 "
	                 "to 65535",
	                 "[workload w] arrival: 'bursty' is not a known choice; expected one of "
	                 "poisson, constant",
	                 "[workload w] method: 'get' is not a known choice; expected one of GET, "
	                 "PUT, POST",
	                 "[workload w] path: 'index.html' does not start with '/'",
	                 "[workload w] connection: 'close' is not a known choice; expected one of "
	                 "keepalive, per-request",
	                 "[workload w] kind: 'tcp' is not a known choice; expected one of http, udp",
	                 "[workload w] requests: '-1' is not a whole number",
	                 "[workload w] think_time: 'exp(mean=-1ms)': mean must be > 0; expected a "
	                 "time distribution",
	                 "[workload w] response_size: "));
	g_free(t);
	EXPECT_WITH("[service s]\nkind = s4\nprefixes = 52.216.0.0/15\nip = 52.216.0.1\n"
	            "latency = 5ms\n",
	            "[service s] kind: 's4' is not a known choice; expected one of s3, dynamodb");
	EXPECT_WITH("[service s]\nkind = s3\nprefixes = 52.216.0.0/15\nip = 52.218.0.1\n"
	            "latency = 5ms\n",
	            "[service s] ip: '52.218.0.1' is not inside any of the service's prefixes");
	EXPECT_WITH("[service s]\nkind = s3\nprefixes = 52.216.0.0/15, 52.x\nip = 52.216.0.1\n"
	            "latency = 5ms\n",
	            "[service s] prefixes: '52.x' is not a CIDR");
	EXPECT_WITH("[service s]\nkind = s3\nprefixes = 52.216.0.0/15\nip = 52.216.0.1\n"
	            "latency = soon\n",
	            "[service s] latency: ");
	expect_errors_v(base, SETS("scenario.seed=-1", "scenario.drain=-1s", "scenario.name=a b"),
	                3,
	                WANT("[scenario] seed: '-1' is not a whole number; expected a whole number",
	                     "[scenario] drain: '-1s' is out of range; expected a time such as 5s",
	                     "[scenario] name: 'a b' cannot name capture files"));
	expect_errors_v(base, SETS("scenario.sede=3"), 1,
	                WANT("[scenario] sede: unknown key (value '3'); expected one of name, "
	                     "description, prices, profile, seed, duration, drain"));
}

static void test_reference_errors(void)
{
	EXPECT_WITH("[subnet s]\nvpc = nope\ncidr = 10.0.7.0/24\naz = use1-az1\n",
	            "[subnet s] vpc: 'nope' is not defined; expected the name of a [vpc] (defined: "
	            "a, b)");
	EXPECT_WITH("[subnet s]\nvpc = a-app\ncidr = 10.0.7.0/24\naz = use1-az1\n",
	            "[subnet s] vpc: 'a-app' is a [subnet], not a [vpc]; expected the name of a "
	            "[vpc]");
	EXPECT_WITH("[workload w]\nclients = nat-a, a-1\ntarget = b-1\nrate = 1/s\n",
	            "[workload w] clients: 'nat-a' is a [nat_gateway], not an [instance]; expected "
	            "comma-separated instance names or globs");
	EXPECT_WITH("[workload w]\nclients = web-*\ntarget = b-1\nrate = 1/s\n",
	            "[workload w] clients: 'web-*' matches no [instance]; expected a glob matching "
	            "at least one name (defined: a-1, b-1)");
	EXPECT_WITH("[workload w]\nclients = ,\ntarget = b-1\nrate = 1/s\n",
	            "[workload w] clients: ',' names nothing; expected comma-separated instance");
	EXPECT_WITH("[service s3]\nkind = s3\nprefixes = 52.216.0.0/15\nip = 52.216.0.1\n"
	            "latency = 5ms\n[workload w]\nclients = a-1\ntarget = s3\nrate = 1/s\nkind = udp\n",
	            "[workload w] target: 's3' is a service, which answers HTTP only");
	EXPECT_WITH("[route_table r]\nvpc = a\nroutes = 10.7.0.0/16 -> nowhere\n",
	            "[route_table r] routes: '10.7.0.0/16 -> nowhere': target 'nowhere' is not "
	            "defined; expected local, blackhole or the name of a peering, transit_gateway, "
	            "nat_gateway, internet_gateway or instance");
	EXPECT_WITH("[route_table r]\nvpc = a\nroutes = 10.7.0.0/16 via igw-a\n",
	            "[route_table r] routes: '10.7.0.0/16 via igw-a' is not a route; expected 'CIDR "
	            "-> TARGET' such as '0.0.0.0/0 -> igw-a'");
	EXPECT_WITH("[route_table r]\nvpc = a\nroutes = 10.7.0.0 -> igw-a\n",
	            "'10.7.0.0 -> igw-a': destination '10.7.0.0' is not a CIDR");
	/* Targets in another VPC. */
	EXPECT_WITH("[route_table r]\nvpc = b\nroutes = 0.0.0.0/0 -> nat-a\n",
	            "[route_table r] routes: '0.0.0.0/0 -> nat-a': nat_gateway nat-a is in a, not b; "
	            "expected a target in this table's VPC");
	EXPECT_WITH("[route_table r]\nvpc = b\nroutes = 10.9.0.0/16 -> a-1\n",
	            "'10.9.0.0/16 -> a-1': instance a-1 is in a, not b");
	EXPECT_WITH("[route_table r]\nvpc = b\nroutes = 0.0.0.0/0 -> igw-a\n",
	            "'0.0.0.0/0 -> igw-a': internet_gateway igw-a is in a, not b; expected a target "
	            "in this table's VPC (an internet gateway serves only the VPC it is attached "
	            "to)");
	EXPECT_WITH("[vpc c]\ncidr = 10.5.0.0/16\n[peering p]\nrequester = a\naccepter = b\n"
	            "[route_table r]\nvpc = c\nroutes = 10.0.0.0/16 -> p\n",
	            "'10.0.0.0/16 -> p': peering p connects a and b, not c; expected a peering of "
	            "this table's VPC");
	EXPECT_WITH("[route_table r]\nvpc = a\nroutes = 10.1.0.0/16 -> tgw\n",
	            "'10.1.0.0/16 -> tgw': a is not attached to transit gateway tgw; expected a "
	            "[tgw_attachment] of a to it first");
	EXPECT_WITH("[route_table r]\nvpc = a\nroutes = 10.0.0.0/16 -> a-1\n",
	            "'10.0.0.0/16 -> a-1': the table already has a route for 10.0.0.0/16 (the local "
	            "route); expected one route per destination");
	EXPECT_WITH("[route_table r]\nvpc = a\nroutes = 10.0.5.0/24 -> local\n",
	            "'10.0.5.0/24 -> local': local is only for the VPC's own CIDR 10.0.0.0/16");
	/* Writing the local route out, and blackhole, are fine; a repeated
	 * destination is not. */
	EXPECT_WITH("[route_table r]\nvpc = a\nroutes = 10.0.0.0/16 -> local, 10.8.0.0/16 -> "
	            "blackhole, 10.8.0.0/16 -> a-1\n",
	            "'10.8.0.0/16 -> a-1': the table already has a route for 10.8.0.0/16; expected");
	/* References to another VPC's route table, security group. */
	EXPECT_WITH("[route_table rb]\nvpc = b\n[subnet s]\nvpc = a\ncidr = 10.0.7.0/24\n"
	            "az = use1-az1\nroute_table = rb\n",
	            "[subnet s] route_table: 'rb' is a route table of b, not of a; expected a route "
	            "table of the subnet's VPC");
	EXPECT_WITH("[instance c]\nsubnet = a-app\nsecurity_groups = sg-a, sg-b\n",
	            "[instance c] security_groups: 'sg-b' is a security group of b, not of a (the "
	            "VPC of subnet a-app); expected groups of the instance's VPC");
	EXPECT_WITH("[service s3]\nkind = s3\nprefixes = 52.216.0.0/15\nip = 52.216.0.1\n"
	            "latency = 5ms\n[route_table rb]\nvpc = b\n[gateway_endpoint e]\nvpc = a\n"
	            "service = s3\nroute_tables = rb\n",
	            "[gateway_endpoint e] route_tables: 'rb' is a route table of b, not of a; "
	            "expected route tables of the endpoint's VPC");
	EXPECT_WITH("[gateway_endpoint e]\nvpc = a\nservice = s3\nroute_tables = a-pub-rt\n",
	            "[gateway_endpoint e] service: 's3' is not defined; expected the name of a "
	            "[service] (none are defined)");
	EXPECT_WITH("[service s3]\nkind = s3\nprefixes = 52.216.0.0/15\nip = 52.216.0.1\n"
	            "latency = 5ms\n[gateway_endpoint e]\nvpc = a\nservice = s3\n"
	            "route_tables = a-pub-rt\n[route_table r]\nvpc = a\nroutes = 1.0.0.0/8 -> e\n",
	            "'1.0.0.0/8 -> e': 'e' is a gateway endpoint, whose routes it adds itself");
	EXPECT_WITH("[service s3]\nkind = s3\nprefixes = 52.216.0.0/15\nip = 52.216.0.1\n"
	            "latency = 5ms\n[gateway_endpoint e]\nvpc = a\nservice = s3\n"
	            "route_tables = a-pub-rt\n[gateway_endpoint e2]\nvpc = a\nservice = s3\n"
	            "route_tables = a-*\n",
	            "[gateway_endpoint e2] route_tables: 'a-pub-rt (service s3)': the table already "
	            "has a route for 52.216.0.0/15");
}

static void test_topology_errors(void)
{
	EXPECT_WITH("[subnet s]\nvpc = a\ncidr = 10.9.1.0/24\naz = use1-az1\n",
	            "[subnet s] cidr: '10.9.1.0/24' is not inside VPC a (10.0.0.0/16); expected a "
	            "CIDR within the VPC's");
	EXPECT_WITH("[subnet s]\nvpc = a\ncidr = 10.0.1.128/25\naz = use1-az1\n",
	            "[subnet s] cidr: '10.0.1.128/25' overlaps subnet a-app (10.0.1.0/24) of a; "
	            "expected subnets of a VPC not to overlap");
	/* The same CIDR in two VPCs is no overlap. */
	char *body = with("[subnet s]\nvpc = b\ncidr = 10.1.2.0/24\naz = use1-az1\n");
	GError *err = NULL;
	scenario *sc = load_text(body, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL(sc);
	scenario_free(sc);
	g_free(body);

	EXPECT_WITH("[vpc c]\ncidr = 10.0.128.0/17\n[peering p]\nrequester = a\naccepter = c\n",
	            "[peering p] accepter: 'c': VPC peering does not support overlapping CIDRs: a "
	            "10.0.0.0/16 overlaps c 10.0.128.0/17; expected VPCs whose CIDRs do not overlap");
	EXPECT_WITH("[peering p]\nrequester = a\naccepter = a\n",
	            "[peering p] accepter: 'a' is also the requester; expected two different VPCs");
	EXPECT_WITH("[peering p]\nrequester = a\naccepter = b\n[peering q]\nrequester = b\n"
	            "accepter = a\n",
	            "[peering q] accepter: 'a': b and a are already peered by p; expected one "
	            "peering connection per pair of VPCs");
	EXPECT_WITH("[internet_gateway igw-a2]\nvpc = a\n",
	            "[internet_gateway igw-a2] vpc: 'a' already has internet gateway igw-a; expected "
	            "one internet gateway per VPC");
	EXPECT_WITH("[route_table m1]\nvpc = a\nmain = true\n[route_table m2]\nvpc = a\n"
	            "main = true\n",
	            "[route_table m2] main: 'true': a already has the main route table m1; expected "
	            "one main route table per VPC");
	EXPECT_WITH("[nat_gateway nat-x]\nsubnet = a-app\n",
	            "[nat_gateway nat-x] subnet: 'a-app' is not a public subnet: its route table "
	            "a-main has no '0.0.0.0/0 -> INTERNET_GATEWAY' route; expected a subnet whose "
	            "route table sends 0.0.0.0/0 to an internet gateway");

	const char att[] = "[tgw_attachment att]\ntransit_gateway = tgw\nvpc = a\n"
	                   "route_table = tgw-rt\n";
	char *t = g_strconcat(att, "subnets = a-pub, a-app\n", NULL);
	EXPECT_WITH(t, "[tgw_attachment att] subnets: 'a-app' and a-pub are both in use1-az1; "
	               "expected at most one subnet per AZ for the attachment ENIs");
	g_free(t);
	t = g_strconcat(att, "subnets = a-app, b-app\n", NULL);
	EXPECT_WITH(t, "[tgw_attachment att] subnets: 'b-app' is a subnet of b, not of a; expected "
	               "subnets of the attached VPC");
	g_free(t);
	t = g_strconcat(att, "subnets = a-app\n", att, NULL);
	char *t2 = g_strconcat(t, "subnets = a-app-2\n", NULL);
	g_free(t);
	/* Written twice: the duplicate group and, merged, nothing else. */
	EXPECT_WITH(t2, "[tgw_attachment att]: the group appears more than once");
	g_free(t2);
	EXPECT_WITH("[tgw_attachment att-1]\ntransit_gateway = tgw\nvpc = a\nroute_table = tgw-rt\n"
	            "subnets = a-app\n[tgw_attachment att-2]\ntransit_gateway = tgw\nvpc = a\n"
	            "route_table = tgw-rt\nsubnets = a-app-2\n",
	            "[tgw_attachment att-2] vpc: 'a' is already attached to tgw by att-1; expected "
	            "one attachment per VPC and transit gateway");
	EXPECT_WITH("[transit_gateway tgw2]\n[tgw_route_table rt2]\ntransit_gateway = tgw2\n"
	            "[tgw_attachment att]\ntransit_gateway = tgw\nvpc = a\nroute_table = rt2\n"
	            "subnets = a-app\n",
	            "[tgw_attachment att] route_table: 'rt2' is a route table of transit gateway "
	            "tgw2, not of tgw; expected a route table of the attachment's transit gateway");
	EXPECT_WITH("[tgw_route_table rt2]\ntransit_gateway = tgw\nroutes = 10.0.0.0/16 -> att-x\n",
	            "[tgw_route_table rt2] routes: '10.0.0.0/16 -> att-x': target 'att-x' is not "
	            "defined; expected blackhole or the name of a [tgw_attachment] (none are "
	            "defined)");

	/* Security group rules. */
	EXPECT_WITH("[security_group s]\nvpc = a\ningress = tcp 80 to 10.0.0.0/16\n",
	            "[security_group s] ingress: 'tcp 80 to 10.0.0.0/16' is not a rule; expected "
	            "'PROTO PORTS from SOURCE' such as 'tcp 443 from 10.0.0.0/16'");
	EXPECT_WITH("[security_group s]\nvpc = a\negress = sctp 80 to 10.0.0.0/16\n",
	            "[security_group s] egress: 'sctp 80 to 10.0.0.0/16': protocol 'sctp' is not "
	            "known; expected tcp, udp, icmp or all");
	EXPECT_WITH("[security_group s]\nvpc = a\ningress = icmp 8 from 0.0.0.0/0\n",
	            "'icmp 8 from 0.0.0.0/0': icmp has no ports; expected 'icmp any from ...'");
	EXPECT_WITH("[security_group s]\nvpc = a\ningress = tcp 99999 from 0.0.0.0/0\n",
	            "'tcp 99999 from 0.0.0.0/0': ports '99999' are not a port or range; expected 80, "
	            "1024-65535 or any");
	EXPECT_WITH("[security_group s]\nvpc = a\ningress = tcp 90-80 from 0.0.0.0/0\n",
	            "ports '90-80' are not a port or range");
	EXPECT_WITH("[security_group s]\nvpc = a\ningress = udp 53 from 10.0.0.1/16\n",
	            "'udp 53 from 10.0.0.1/16': '10.0.0.1/16' has host bits set");
	EXPECT_WITH("[security_group s]\nvpc = a\ningress = tcp 22 from bastion-sg\n",
	            "'tcp 22 from bastion-sg': 'bastion-sg' is neither a CIDR nor a "
	            "[security_group]");
	EXPECT_WITH("[security_group s]\nvpc = a\ningress = tcp 22 from sg-b\n",
	            "[security_group s] ingress: 'tcp 22 from sg-b': security group sg-b is in b, "
	            "which is neither this group's VPC (a) nor peered with it; expected a group of "
	            "the same VPC or of a peered VPC");
	/* Peered, or (ingress only) on one transit gateway: allowed. */
	const char *ok[] = {
		"[peering p]\nrequester = a\naccepter = b\n[security_group s]\nvpc = a\n"
		"ingress = tcp 22 from sg-b\negress = tcp 22 to sg-b\n",
		"[tgw_attachment x]\ntransit_gateway = tgw\nvpc = a\nroute_table = tgw-rt\n"
		"subnets = a-app\n[tgw_attachment y]\ntransit_gateway = tgw\nvpc = b\n"
		"route_table = tgw-rt\nsubnets = b-app\n[security_group s]\nvpc = a\n"
		"ingress = tcp 22 from sg-b\n",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
		body = with(ok[i]);
		sc = load_text(body, NULL, &err);
		if (err)
			fprintf(stderr, "\n%s\n", err->message);
		CU_ASSERT_PTR_NOT_NULL(sc);
		g_clear_error(&err);
		scenario_free(sc);
		g_free(body);
	}
	EXPECT_WITH("[tgw_attachment x]\ntransit_gateway = tgw\nvpc = a\nroute_table = tgw-rt\n"
	            "subnets = a-app\n[tgw_attachment y]\ntransit_gateway = tgw\nvpc = b\n"
	            "route_table = tgw-rt\nsubnets = b-app\n[security_group s]\nvpc = a\n"
	            "egress = tcp 22 to sg-b\n",
	            "'tcp 22 to sg-b': security group sg-b is in b");
}

/* invalid-many.ini: every problem reported, one line each, naming the file
 * and the line of the key (GKeyFile keeps no line numbers: the loader finds
 * them in the text). */
static void test_several_errors_together(void)
{
	char *path = harness_source_path("tests/scenarios/invalid-many.ini");
	GError *err = NULL;
	CU_ASSERT_PTR_NULL(scenario_load(path, NULL, &err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_INVALID));
	char **lines = g_strsplit(err->message, "\n", -1);
	CU_ASSERT_EQUAL(g_strv_length(lines), 13);
	char *prefix = g_strconcat(path, ":", NULL);
	for (int i = 0; lines[i]; i++)
		CU_ASSERT_TRUE(g_str_has_prefix(lines[i], prefix));
	const char *want[] = {
		".ini:8: [scenario] sede: unknown key",
		".ini:16: [vcp typo]: unknown group kind 'vcp'",
		".ini:49: [instance web-1] colour: unknown key",
		".ini:21: [subnet a-app] cidr: '10.9.1.0/24' is not inside VPC vpc-a (10.0.0.0/16); "
		"expected a CIDR within the VPC's",
		".ini:27: [subnet a-web] az: 'us-east-1a' is not an AZ ID",
		".ini:28: [subnet a-web] route_table: 'b-rt' is a route table of vpc-b, not of vpc-a",
		".ini:32: [subnet a-db] cidr: '10.0.1.128/25' overlaps subnet a-web",
		".ini:44: [peering pcx] accepter: 'vpc-b': VPC peering does not support overlapping "
		"CIDRs: vpc-a 10.0.0.0/16 overlaps vpc-b 10.0.0.0/16",
		".ini:37: [route_table b-rt] routes: '0.0.0.0/0 -> igw-a': internet_gateway igw-a is in "
		"vpc-a, not vpc-b",
		".ini:37: [route_table b-rt] routes: '10.7.0.0/16 -> nowhere': target 'nowhere' is not "
		"defined",
		".ini:48: [instance web-1] ip: '10.0.1.2' is one of the four addresses AWS reserves",
		".ini:52: [workload w] clients: 'igw-a' is an [internet_gateway], not an [instance]",
		".ini:54: [workload w] rate: 'fast' does not start with a number",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		gboolean found = strstr(err->message, want[i]) != NULL;
		if (!found)
			fprintf(stderr, "\nmissing '%s'\n", want[i]);
		CU_ASSERT_TRUE(found);
	}
	g_free(prefix);
	g_strfreev(lines);
	g_error_free(err);
	g_free(path);
}

/* The price table and profile are found relative to the scenario; their
 * own problems come back with their own file names. */
static void test_tables_and_files(void)
{
	expect_errors_v(base, SETS("scenario.prices=nope/prices.ini"), 1,
	                WANT("[scenario] prices: 'nope/prices.ini': ", "cannot read the price table",
	                     "expected a price table, relative to this file"));
	char *prices_path = harness_source_path("scenarios/prices/us-east-1.ini");
	char *set = g_strconcat("scenario.profile=", prices_path, NULL);
	GError *err = NULL;
	scenario *sc = load_text(base, SETS(set), &err);
	CU_ASSERT_PTR_NULL(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	char *want = g_strconcat(prices_path, ": [meta]: unknown group; expected one of propagation",
	                         NULL);
	char *msg = harness_unline(err->message);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, want));
	g_free(msg);
	g_free(want);
	g_clear_error(&err);
	g_free(set);
	g_free(prices_path);

	CU_ASSERT_PTR_NULL(scenario_load("/nonexistent/vpcsim/s.ini", NULL, &err));
	CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_IO));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "/nonexistent/vpcsim/s.ini: cannot read "
	                                                   "the scenario"));
	g_clear_error(&err);
	sc = load_text("[vpc a\ncidr = 10.0.0.0/16\n", NULL, &err);
	CU_ASSERT_PTR_NULL(sc);
	CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_PARSE));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "t.ini: not a valid key file"));
	g_clear_error(&err);
}

/* Scenarios naming the same price table and profile share one parsed copy
 * while the files keep their bytes; a changed file is parsed again, and a
 * broken one reports its problems every time it is named. */
static void test_tables_shared(void)
{
	char *dir = g_dir_make_tmp("vpcsim-tables-XXXXXX", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	char *src_prices = harness_source_path("scenarios/prices/us-east-1.ini");
	char *src_profile = harness_source_path("scenarios/profiles/default.ini");
	char *pr = g_build_filename(dir, "prices.ini", NULL);
	char *pf = g_build_filename(dir, "profile.ini", NULL);
	char *text = NULL;
	gsize len = 0;
	CU_ASSERT_TRUE_FATAL(g_file_get_contents(src_prices, &text, &len, NULL));
	CU_ASSERT_TRUE_FATAL(g_file_set_contents(pr, text, (gssize)len, NULL));
	char *ptext = NULL;
	CU_ASSERT_TRUE_FATAL(g_file_get_contents(src_profile, &ptext, NULL, NULL));
	CU_ASSERT_TRUE_FATAL(g_file_set_contents(pf, ptext, -1, NULL));
	char *sets = g_strdup_printf("scenario.prices=%s", pr);
	char *setf = g_strdup_printf("scenario.profile=%s", pf);
	GError *err = NULL;
	scenario *a = load_text(base, SETS(sets, setf), &err);
	scenario *b = load_text(base, SETS(sets, setf), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_EQUAL(a->prices, b->prices);
	CU_ASSERT_PTR_EQUAL(a->profile, b->profile);
	double hours = a->prices->hours_per_month;
	/* A test that changes its profile gets its own copy first. */
	profile_set_all_delays(scenario_own_profile(a), 0);
	CU_ASSERT_PTR_NOT_EQUAL(a->profile, b->profile);
	CU_ASSERT_EQUAL(dist_mean(&a->profile->propagation.same_az), 0);
	CU_ASSERT_TRUE(dist_mean(&b->profile->propagation.same_az) > 0);
	scenario_free(a); /* b's copy stays valid */
	CU_ASSERT_EQUAL(b->prices->hours_per_month, hours);

	/* Another month length in the same file: parsed again, b keeps its own. */
	char *changed = g_strdup(text);
	char *at = strstr(changed, "hours_per_month = 730");
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	memcpy(at, "hours_per_month = 720", 21);
	CU_ASSERT_TRUE_FATAL(g_file_set_contents(pr, changed, (gssize)len, NULL));
	scenario *c = load_text(base, SETS(sets, setf), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_EQUAL(c->prices, b->prices);
	CU_ASSERT_EQUAL(c->prices->hours_per_month, 720);
	CU_ASSERT_EQUAL(b->prices->hours_per_month, hours);
	CU_ASSERT_PTR_EQUAL(c->profile, b->profile);
	scenario_free(b);
	scenario_free(c);

	/* Broken: the same problem on each load. */
	memcpy(at, "hours_per_month = -72", 21);
	CU_ASSERT_TRUE_FATAL(g_file_set_contents(pr, changed, (gssize)len, NULL));
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_PTR_NULL(load_text(base, SETS(sets, setf), &err));
		CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "[meta] hours_per_month: '-72'"));
		g_clear_error(&err);
	}
	g_unlink(pr);
	g_unlink(pf);
	g_rmdir(dir);
	g_free(changed);
	g_free(sets);
	g_free(setf);
	g_free(text);
	g_free(ptext);
	g_free(pr);
	g_free(pf);
	g_free(src_prices);
	g_free(src_profile);
	g_free(dir);
}

/* ---- the validate command ----------------------------------------------- */

#define run harness_vpcsim

static void test_validate_command(void)
{
	char *good = harness_source_path("tests/scenarios/all-kinds.ini");
	char *counted = harness_source_path("tests/scenarios/counted.ini");
	char *bad = harness_source_path("tests/scenarios/invalid-many.ini");
	char *out = NULL, *err = NULL;

	CU_ASSERT_EQUAL(run(&out, &err, SETS("validate", good)), 0);
	char *line = g_strconcat(good, ": ok (3 VPCs, 5 subnets, 6 instances, 2 workloads)\n", NULL);
	/* Then the resource estimate (tests/test_estimate.c). */
	CU_ASSERT_TRUE(g_str_has_prefix(out, line));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ": a run needs about "));
	CU_ASSERT_STRING_EQUAL(err, "");
	g_free(line);
	g_free(out);
	g_free(err);

	CU_ASSERT_EQUAL(run(&out, NULL, SETS("validate", counted, "--set", "vars.spokes=4")), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ": ok (5 VPCs, 5 subnets, 9 instances, 5 workloads)"));
	g_free(out);

	/* Invalid: every problem on stderr, nothing on stdout, exit 1. */
	CU_ASSERT_EQUAL(run(&out, &err, SETS("validate", bad)), 1);
	CU_ASSERT_STRING_EQUAL(out, "");
	char **lines = g_strsplit(g_strchomp(err), "\n", -1);
	CU_ASSERT_EQUAL(g_strv_length(lines), 13);
	g_strfreev(lines);
	g_free(out);
	g_free(err);

	/* An override that makes a valid file invalid. */
	CU_ASSERT_EQUAL(run(NULL, &err, SETS("validate", counted, "--set", "vars.spokes=zero")), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "[vars] spokes: 'zero' is not a whole number"));
	g_free(err);
	CU_ASSERT_EQUAL(run(NULL, &err, SETS("validate", "/nonexistent/x.ini")), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/x.ini: cannot read the scenario"));
	g_free(err);

	/* Usage errors. */
	CU_ASSERT_EQUAL(run(NULL, &err, SETS("validate")), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "validate takes exactly one scenario file"));
	g_free(err);
	CU_ASSERT_EQUAL(run(NULL, NULL, SETS("validate", good, counted)), 2);
	CU_ASSERT_EQUAL(run(NULL, &err, SETS("validate", good, "--bogus")), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Unknown option --bogus"));
	g_free(err);
	CU_ASSERT_EQUAL(run(&out, NULL, SETS("validate", "--help")), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--set"));
	g_free(out);

	g_free(good);
	g_free(counted);
	g_free(bad);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("scenario loader");
	CU_add_test(s, "all-kinds.ini resolved by hand", test_all_kinds);
	CU_add_test(s, "counted groups, index arithmetic, globs", test_counted_groups);
	CU_add_test(s, "--set overrides", test_overrides);
	CU_add_test(s, "the error tests' base topology is valid", test_base_is_valid);
	CU_add_test(s, "IP assignment", test_ip_assignment);
	CU_add_test(s, "group, key, count and name errors", test_group_and_key_errors);
	CU_add_test(s, "value errors", test_value_errors);
	CU_add_test(s, "reference errors", test_reference_errors);
	CU_add_test(s, "topology errors", test_topology_errors);
	CU_add_test(s, "several errors in one message", test_several_errors_together);
	CU_add_test(s, "price table, profile and file errors", test_tables_and_files);
	CU_add_test(s, "price tables and profiles parsed once, shared", test_tables_shared);
	CU_add_test(s, "vpcsim validate", test_validate_command);
}
