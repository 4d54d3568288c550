/* \summary: DNS: wire format, the Route 53 Resolver's answers, caching per TTL, clients' picks across AZs, clean captures */
/* pcap.h needs the BSD u_int types that strict POSIX hides. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "scenario_run.h"
#include "pcap_check.h"
#include "dns.h"
#include "host.h"

/* ---- wire format ---- */

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_wire(void)
{
	GBytes *q = dns_encode_query(0x1234, "internal-alb-b-1.us-east-1.elb.amazonaws.com");
	gsize n;
	const uint8_t *b = g_bytes_get_data(q, &n);
	/* Header: id, flags RD only, one question, nothing else. */
	CU_ASSERT_EQUAL(b[0], 0x12);
	CU_ASSERT_EQUAL(b[1], 0x34);
	CU_ASSERT_EQUAL(b[2], 0x01);
	CU_ASSERT_EQUAL(b[3], 0x00);
	CU_ASSERT_EQUAL(b[5], 1);
	CU_ASSERT_EQUAL(b[7] | b[9] | b[11], 0);
	/* QNAME as labels, then type A, class IN. */
	CU_ASSERT_EQUAL(b[12], strlen("internal-alb-b-1"));
	CU_ASSERT_EQUAL(n, 12 + strlen("internal-alb-b-1.us-east-1.elb.amazonaws.com") + 2 + 4);
	CU_ASSERT_EQUAL(b[n - 3], DNS_TYPE_A);
	CU_ASSERT_EQUAL(b[n - 1], DNS_CLASS_IN);
	dns_message m;
	CU_ASSERT_TRUE_FATAL(dns_decode(b, n, &m));
	CU_ASSERT_FALSE(m.response);
	CU_ASSERT_STRING_EQUAL(m.name, "internal-alb-b-1.us-east-1.elb.amazonaws.com");

	uint32_t ips[] = { 0x0a010105, 0x0a010205 };
	GBytes *a = dns_encode_answer(&m, 0, ips, 2, 60);
	const uint8_t *ab = g_bytes_get_data(a, &n);
	CU_ASSERT_EQUAL(ab[2], 0x81); /* QR, RD */
	CU_ASSERT_EQUAL(ab[3], 0x80); /* RA, NOERROR */
	CU_ASSERT_EQUAL(ab[7], 2);
	dns_message r;
	CU_ASSERT_TRUE_FATAL(dns_decode(ab, n, &r));
	CU_ASSERT_TRUE(r.response);
	CU_ASSERT_EQUAL(r.id, 0x1234);
	CU_ASSERT_EQUAL(r.n, 2);
	CU_ASSERT_EQUAL(r.ips[0], ips[0]);
	CU_ASSERT_EQUAL(r.ips[1], ips[1]);
	CU_ASSERT_EQUAL(r.ttl, 60);
	/* Each answer's name is a pointer to the question's (0xc00c). */
	size_t first = 12 + strlen(m.name) + 2 + 4;
	CU_ASSERT_EQUAL(ab[first], 0xc0);
	CU_ASSERT_EQUAL(ab[first + 1], 12);
	/* Truncated or garbage messages are refused, not read past. */
	for (size_t k = 0; k < n; k++)
		CU_ASSERT_FALSE(dns_decode(ab, k, &r));
	uint8_t loop[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12 };
	CU_ASSERT_FALSE(dns_decode(loop, sizeof loop, &r));
	g_bytes_unref(q);
	g_bytes_unref(a);
}

/* ---- answers, through a host's stub and its VPC's resolver ---- */

typedef struct {
	int calls;
	gboolean ok;
} lookup;

static void on_done(gboolean ok, void *ud)
{
	lookup *l = ud;
	l->calls++;
	l->ok = ok;
}

static dns_stub *stub_of(world *w, const char *host_name)
{
	node *n = net_node(world_net(w), host_name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	/* A host's node is its first member. */
	return host_dns((host *)n);
}

/* Resolves `name` from `client` (running the world until answered) and
 * returns the set of addresses picks give, sorted, as "a,b"; NULL if the
 * lookup failed. */
static char *answers(world *w, const char *client, const char *name)
{
	dns_stub *s = stub_of(w, client);
	lookup l = { 0 };
	if (!dns_stub_resolve(s, name, on_done, &l)) {
		sim *sm = world_net(w)->sim;
		sim_run_until(sm, sim_now(sm) + 50 * SIM_MS);
		CU_ASSERT_EQUAL(l.calls, 1);
		if (!l.ok)
			return NULL;
	}
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (int i = 0; i < 200; i++)
		g_hash_table_add(seen, GUINT_TO_POINTER(dns_stub_pick(s, name)));
	GList *keys = g_hash_table_get_keys(seen);
	GPtrArray *txt = g_ptr_array_new_with_free_func(g_free);
	for (GList *k = keys; k; k = k->next) {
		char b[16];
		g_ptr_array_add(txt, g_strdup(pkt_ip_str(GPOINTER_TO_UINT(k->data), b)));
	}
	g_ptr_array_sort(txt, cmp_str);
	g_ptr_array_add(txt, NULL);
	char *out = g_strjoinv(",", (char **)txt->pdata);
	g_ptr_array_unref(txt);
	g_list_free(keys);
	g_hash_table_unref(seen);
	return out;
}

static char *ips_text(const GArray *ips, int only)
{
	GPtrArray *txt = g_ptr_array_new_with_free_func(g_free);
	for (guint k = 0; k < ips->len; k++) {
		char b[16];
		if (only < 0 || (guint)only == k)
			g_ptr_array_add(txt, g_strdup(pkt_ip_str(g_array_index(ips, uint32_t, k), b)));
	}
	g_ptr_array_sort(txt, cmp_str);
	g_ptr_array_add(txt, NULL);
	char *out = g_strjoinv(",", (char **)txt->pdata);
	g_ptr_array_unref(txt);
	return out;
}

static void expect_answers(world *w, const char *client, const char *name, const char *want)
{
	char *got = answers(w, client, name);
	if (!want) {
		CU_ASSERT_PTR_NULL(got);
	} else {
		CU_ASSERT_PTR_NOT_NULL(got);
		if (got && strcmp(got, want) != 0)
			printf("\n    %s from %s: got %s, wanted %s", name, client, got, want);
		CU_ASSERT(got && strcmp(got, want) == 0);
	}
	g_free(got);
}

static world *start(const char *file, scenario **sc)
{
	char *path = harness_source_path(file);
	GError *err = NULL;
	const char *const sets[] = { "scenario.duration=10ms", NULL };
	*sc = scenario_load(path, sets, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*sc);
	world *w = world_new(*sc, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	return w;
}

/* A load balancer's name gives every AZ's node; an endpoint's regional
 * name every ENI, each zonal name one; the private DNS name the ENIs, in
 * the endpoint's VPC only; an unknown name nothing. */
static void test_answers(void)
{
	scenario *sc;
	world *w = start("scenarios/alb-privatelink-2az.ini", &sc);
	const sc_lb *alb = SC_AT(sc->load_balancers, sc_lb, 0);
	CU_ASSERT_EQUAL(alb->node_ips->len, 2);
	char *lb = dns_lb_name(sc, 0);
	CU_ASSERT(g_str_has_prefix(lb, "internal-alb-b-") && g_str_has_suffix(lb, ".us-east-1.elb.amazonaws.com"));
	char *want = ips_text(alb->node_ips, -1);
	expect_answers(w, "client-1", lb, want);
	expect_answers(w, "web-1", lb, want); /* public DNS: from any VPC */
	g_free(want);
	g_free(lb);

	const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, 0);
	CU_ASSERT_EQUAL_FATAL(e->ips->len, 2);
	char *regional = dns_endpoint_name(sc, 0, -1);
	want = ips_text(e->ips, -1);
	expect_answers(w, "client-1", regional, want);
	char *priv = dns_private_name(sc, 0);
	CU_ASSERT_STRING_EQUAL(priv, "api.service-b.internal");
	expect_answers(w, "client-2", priv, want);
	expect_answers(w, "web-1", priv, NULL); /* another VPC: the private zone is not there */
	g_free(want);
	for (int k = 0; k < 2; k++) {
		char *zonal = dns_endpoint_name(sc, 0, k);
		const sc_subnet *sn = SC_AT(sc->subnets, sc_subnet, g_array_index(e->subnets, int, k));
		CU_ASSERT_PTR_NOT_NULL(strstr(zonal, sn->az));
		CU_ASSERT_STRING_NOT_EQUAL(zonal, regional);
		want = ips_text(e->ips, k);
		expect_answers(w, "client-1", zonal, want);
		g_free(want);
		g_free(zonal);
	}
	expect_answers(w, "client-1", "nothing.example.internal", NULL);
	/* The names every VPC resolves are one shared table: each resolver
	 * holds only its VPC's private zone (one name, in vpc-a), so N VPCs
	 * with an endpoint each cost N names, not N x N (bench vpcs at 10,000
	 * VPCs took minutes and gigabytes with a copy per resolver). */
	guint own = 0, resolvers = 0;
	const net *nt = world_net(w);
	for (guint i = 0; i < nt->nodes->len; i++) {
		node *n = g_ptr_array_index(nt->nodes, i);
		if (strcmp(n->ops->kind, "dns-resolver") == 0) {
			own += dns_resolver_n_own_records((dns_resolver *)n);
			resolvers++;
		}
	}
	CU_ASSERT_EQUAL(resolvers, 2);
	CU_ASSERT_EQUAL(own, 1);
	g_free(regional);
	g_free(priv);
	world_free(w);
	scenario_free(sc);
}

/* One query per name per TTL: asked again only once the answer expired
 * (the profile's lb_ttl, 60 s). */
static void test_ttl_cache(void)
{
	scenario *sc;
	world *w = start("scenarios/alb-peering.ini", &sc);
	CU_ASSERT_EQUAL(sc->profile->dns.lb_ttl, 60 * SIM_S);
	char *lb = dns_lb_name(sc, 0);
	dns_stub *s = stub_of(w, "client-1");
	sim *sm = world_net(w)->sim;
	lookup l = { 0 };
	CU_ASSERT_FALSE(dns_stub_resolve(s, lb, on_done, &l));
	CU_ASSERT_FALSE(dns_stub_resolve(s, lb, on_done, &l)); /* waits for the same query */
	CU_ASSERT_EQUAL(dns_stub_get_stats(s)->queries, 1);
	sim_run_until(sm, 10 * SIM_MS);
	CU_ASSERT_EQUAL(l.calls, 2);
	CU_ASSERT_TRUE(l.ok);
	sim_time answered = sim_now(sm);
	sim_run_until(sm, 59 * SIM_S);
	CU_ASSERT_TRUE(dns_stub_resolve(s, lb, on_done, &l));
	CU_ASSERT_EQUAL(dns_stub_get_stats(s)->queries, 1);
	sim_run_until(sm, answered + 61 * SIM_S);
	CU_ASSERT_FALSE(dns_stub_resolve(s, lb, on_done, &l));
	CU_ASSERT_EQUAL(dns_stub_get_stats(s)->queries, 2);
	g_free(lb);
	world_free(w);
	scenario_free(sc);
}

/* ---- clients' picks ---- */

typedef struct {
	const scenario *sc;
	GHashTable *ip_az;   /* address -> 1 + AZ index of the node or ENI */
	GHashTable *host_az; /* client name -> 1 + AZ index */
	guint conns, cross;
	uint64_t xaz_bytes;  /* on the bill's cross-AZ lines */
	uint64_t sent, completed;
} syn_count;

static void count_syns(void *ud, sim_time t, const node *n, const pkt *p, net_trace_kind kind,
                       const char *text)
{
	(void)t;
	(void)text;
	syn_count *c = ud;
	if (kind != NET_TRACE_SEND || !p || pkt_proto(p) != PKT_PROTO_TCP ||
	    (pkt_tcp_flags(p) & (PKT_TCP_SYN | PKT_TCP_ACK)) != PKT_TCP_SYN)
		return;
	gpointer from = g_hash_table_lookup(c->host_az, n->name);
	gpointer to = g_hash_table_lookup(c->ip_az, GUINT_TO_POINTER(pkt_ip_dst(p)));
	if (!from || !to)
		return;
	c->conns++;
	c->cross += from != to;
}

/* Runs a -2az variant (two clients, one per AZ, a connection per request)
 * and counts the connections that go to a node or ENI in another AZ. */
static uint64_t cross_az_bytes(const report *r);

static void run_picks(const char *file, const char *resolve, const char *extra, syn_count *c,
                      scenario **scp)
{
	char *path = harness_source_path(file);
	GError *err = NULL;
	char *set = g_strdup_printf("workload:web.resolve=%s", resolve);
	const char *const sets[] = { set, extra, NULL };
	scenario *sc = scenario_load(path, sets, &err);
	g_free(path);
	g_free(set);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	memset(c, 0, sizeof *c);
	c->sc = sc;
	c->ip_az = g_hash_table_new(g_direct_hash, g_direct_equal);
	c->host_az = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		for (guint k = 0; k < lb->node_ips->len; k++) {
			int az = SC_AT(sc->subnets, sc_subnet, g_array_index(lb->subnets, int, k))->az_index + 1;
			g_hash_table_insert(c->ip_az, GUINT_TO_POINTER(g_array_index(lb->node_ips, uint32_t, k)),
			                    GINT_TO_POINTER(az));
		}
	}
	for (guint i = 0; i < sc->interface_endpoints->len; i++) {
		const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, i);
		for (guint k = 0; k < e->ips->len; k++) {
			int az = SC_AT(sc->subnets, sc_subnet, g_array_index(e->subnets, int, k))->az_index + 1;
			g_hash_table_insert(c->ip_az, GUINT_TO_POINTER(g_array_index(e->ips, uint32_t, k)),
			                    GINT_TO_POINTER(az));
		}
	}
	for (guint i = 0; i < sc->instances->len; i++) {
		const sc_instance *in = SC_AT(sc->instances, sc_instance, i);
		if (g_str_has_prefix(in->name, "client-"))
			g_hash_table_insert(c->host_az, in->name,
			                    GINT_TO_POINTER(SC_AT(sc->subnets, sc_subnet, in->subnet)->az_index + 1));
	}
	world *w = world_new(sc, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	net_tracer tr = { .event = count_syns, .ud = c };
	world_net(w)->tracer = &tr;
	world_run(w, NULL, NULL, NULL);
	world_net(w)->tracer = NULL;
	report *r = world_report(w, FALSE, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	c->xaz_bytes = cross_az_bytes(r);
	CU_ASSERT_EQUAL(r->workloads->len, 1);
	const report_workload *rw = &g_array_index(r->workloads, report_workload, 0);
	c->sent = rw->sent;
	c->completed = rw->completed;
	report_free(r);
	world_free(w);
	g_hash_table_unref(c->ip_az);
	g_hash_table_unref(c->host_az);
	*scp = sc;
}

static uint64_t cross_az_bytes(const report *r)
{
	uint64_t b = 0;
	for (guint i = 0; i < cost_ledger_n_lines(r->ledger); i++) {
		const cost_line *l = cost_ledger_line_at(r->ledger, i);
		/* cross-az-*, and peering-cross-az-* after a peering connection. */
		if (strstr(l->type, "cross-az-"))
			b += l->bytes;
	}
	return b;
}

/* The documented policy: each connection goes to one of the answers,
 * uniformly at random, so with nodes (or ENIs) in two AZs and a client in
 * one of them, half the connections cross: the count is binomial(n, 1/2),
 * and 4 standard deviations bound it (a false alarm once in 16,000 runs,
 * and the run is deterministic).  The bill then has cross-AZ bytes; with
 * resolve = az-local no connection crosses and nothing is billed. */
static void check_share(const char *file)
{
	syn_count c;
	scenario *sc;
	run_picks(file, "dns", NULL, &c, &sc);
	double share = c.conns ? (double)c.cross / c.conns : 0;
	double tol = 4 * sqrt(0.25 / MAX(c.conns, 1));
	printf("\n    %s: %u of %u connections cross AZs (%.3f; 0.5 +- %.3f)", sc->name, c.cross, c.conns,
	       share, tol);
	CU_ASSERT(c.conns > 500);
	CU_ASSERT(fabs(share - 0.5) <= tol);
	CU_ASSERT(c.xaz_bytes > 0);
	CU_ASSERT(c.sent > 0 && c.completed == c.sent);
	scenario_free(sc);

	run_picks(file, "az-local", NULL, &c, &sc);
	printf(", az-local: %u of %u", c.cross, c.conns);
	CU_ASSERT(c.conns > 500);
	CU_ASSERT_EQUAL(c.cross, 0);
	CU_ASSERT_EQUAL(c.xaz_bytes, 0);
	scenario_free(sc);
}

/* Clients that use their AZ's zonal name of the endpoint never cross: the
 * zonal name answers with that AZ's ENI only. */
static void test_zonal_names(void)
{
	syn_count c;
	scenario *sc;
	run_picks("scenarios/alb-privatelink-2az.ini", "dns", "workload:web.dns_name=zonal", &c, &sc);
	printf("\n    zonal names: %u of %u connections cross AZs", c.cross, c.conns);
	CU_ASSERT(c.conns > 500);
	CU_ASSERT_EQUAL(c.cross, 0);
	CU_ASSERT_EQUAL(c.xaz_bytes, 0);
	CU_ASSERT(c.completed == c.sent);
	scenario_free(sc);
}

/* Bad values name the file, group, key, value and what was expected. */
static void test_keys(void)
{
	static const struct {
		const char *file, *set1, *set2, *want;
	} bad[] = {
		{ "scenarios/alb-peering.ini", "workload:web.resolve=maybe", NULL,
		  "[workload web] resolve: 'maybe' is not a known choice; expected one of dns, az-local" },
		{ "scenarios/alb-peering.ini", "workload:web.dns_name=zonal", NULL,
		  "[workload web] dns_name: 'zonal': the target is not an interface endpoint; expected no "
		  "dns_name (a load balancer has one name)" },
		{ "scenarios/alb-privatelink-2az.ini", "interface_endpoint:vpce-alb.private_dns=false",
		  "workload:web.dns_name=private",
		  "[workload web] dns_name: 'private': interface endpoint vpce-alb does not enable private "
		  "DNS; expected regional or zonal, or private_dns = true on the endpoint" },
		{ "scenarios/alb-privatelink-2az.ini", "workload:web.dns_name=global", NULL,
		  "[workload web] dns_name: 'global' is not a known choice; expected one of regional, zonal, private" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *path = harness_source_path(bad[i].file);
		const char *const sets[] = { bad[i].set1, bad[i].set2, NULL };
		GError *err = NULL;
		scenario *sc = scenario_load(path, sets, &err);
		CU_ASSERT_PTR_NULL(sc);
		CU_ASSERT(err && strstr(err->message, bad[i].file) && strstr(err->message, bad[i].want));
		if (err && !strstr(err->message, bad[i].want))
			printf("\n    got %s", err->message);
		g_clear_error(&err);
		scenario_free(sc);
		g_free(path);
	}
	/* The defaults: DNS, and an endpoint's private name when it has one. */
	char *path = harness_source_path("scenarios/alb-privatelink-2az.ini");
	GError *err = NULL;
	scenario *sc = scenario_load(path, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	const sc_workload *w = SC_AT(sc->workloads, sc_workload, 0);
	CU_ASSERT_EQUAL(w->resolve, SC_RESOLVE_DNS);
	CU_ASSERT_EQUAL(w->dns_name, SC_DNS_PRIVATE);
	scenario_free(sc);
	const char *const off[] = { "interface_endpoint:vpce-alb.private_dns=false", NULL };
	sc = scenario_load(path, off, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(SC_AT(sc->workloads, sc_workload, 0)->dns_name, SC_DNS_REGIONAL);
	scenario_free(sc);
	g_free(path);
}

static void test_share_peering(void) { check_share("scenarios/alb-peering-2az.ini"); }
static void test_share_privatelink(void) { check_share("scenarios/alb-privatelink-2az.ini"); }

/* The two-AZ variants bill cross-AZ transfer in `run`'s report. */
static void test_bill_lines(void)
{
	const char *files[] = { "scenarios/alb-peering-2az.ini", "scenarios/alb-tgw-2az.ini",
		                "scenarios/alb-privatelink-2az.ini", "scenarios/alb-public-2az.ini" };
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		char *file = harness_source_path(files[i]);
		char *out = NULL;
		CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "run", file, NULL), 0);
		CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "cross-az-out"));
		CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "cross-az-in"));
		g_free(out);
		g_free(file);
	}
}

/* DNS in the client's capture: a query to base + 2 and its answer, which
 * Wireshark dissects without a warning (names, A records, TTL). */
static void test_capture(void)
{
	char *file = harness_source_path("scenarios/alb-privatelink-2az.ini");
	char *dir = harness_tmpdir();
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "run", file, "--set", "scenario.duration=1s",
	                                 "--capture", "client-*", "--pcap-dir", dir, NULL), 0);
	char *pcap = g_build_filename(dir, "alb-privatelink-2az-client-1-vpc-a-router.pcap", NULL);
	pcap_check_lint(pcap);
	if (pcap_check_have_tshark()) {
		const char *argv[] = { "tshark", "-n", "-r", pcap, "-Y", "dns", "-T", "fields", "-E", "separator=|",
			               "-e", "ip.dst", "-e", "udp.dstport", "-e", "dns.flags.response",
			               "-e", "dns.qry.name", "-e", "dns.count.answers", "-e", "dns.resp.ttl", NULL };
		char *out = NULL;
		CU_ASSERT_EQUAL(harness_run(argv, &out, NULL), 0);
		printf("\n    %s", out ? out : "");
		/* The query, then the answer: both ENIs, TTL 60 each. */
		CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "10.0.0.2|53|0|api.service-b.internal|0|\n"));
		CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "|1|api.service-b.internal|2|60,60\n"));
		g_free(out);
	}
	g_free(pcap);
	harness_rmtree(dir);
	g_free(dir);
	g_free(file);
}

/* trace shows the lookup before the SYN. */
static void test_trace(void)
{
	char *file = harness_source_path("scenarios/alb-privatelink-az.ini");
	char *out = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "trace", file, "--from", "client-2", "--to", "vpce-alb", NULL), 0);
	const char *q = out ? strstr(out, "the DNS query for the target's name: 10.0.2.4:") : NULL;
	const char *a = q ? strstr(q, "the resolver's answer: 10.0.0.2:53 > 10.0.2.4:") : NULL;
	const char *syn = a ? strstr(a, "the connection's SYN") : NULL;
	CU_ASSERT_PTR_NOT_NULL(q);
	CU_ASSERT_PTR_NOT_NULL(a);
	CU_ASSERT_PTR_NOT_NULL(syn);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "vpc-a-resolver"));
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "from the DNS query to the last byte of the response"));
	g_free(out);
	g_free(file);
}

void register_tests(void)
{
	CU_pSuite s = CU_add_suite("dns", NULL, NULL);
	CU_add_test(s, "wire format: query and answer, round trip, bad input", test_wire);
	CU_add_test(s, "answers: LB all AZs, endpoint regional, zonal, private", test_answers);
	CU_add_test(s, "a stub asks once per TTL", test_ttl_cache);
	CU_add_test(s, "peering, two AZs: half the connections cross", test_share_peering);
	CU_add_test(s, "PrivateLink, two AZs: half the connections cross", test_share_privatelink);
	CU_add_test(s, "zonal endpoint names keep connections in their AZ", test_zonal_names);
	CU_add_test(s, "two-AZ variants bill cross-AZ lines", test_bill_lines);
	CU_add_test(s, "workload keys resolve and dns_name: defaults and errors", test_keys);
	CU_add_test(s, "DNS in the client's capture, dissected cleanly", test_capture);
	CU_add_test(s, "trace shows the lookup before the SYN", test_trace);
}
