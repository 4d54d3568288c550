/* \summary: scale tests: memory and work that grow linearly with the scenario, not with its square */
#include <string.h>

#include "build.h"
#include "host.h"
#include "router.h"
#include "scenario_text.h"
#include "vpc.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

/* N consumer VPCs on one CIDR (they are not peered, so they may overlap),
 * each with a subnet, a route table of its own and an instance. */
static char *vpcs_text(int n)
{
	return g_strdup_printf("[vars]\nn = %d\n\n"
	                       "[vpc v-{i}]\ncount = ${n}\ncidr = 10.0.0.0/16\n\n"
	                       "[route_table rt-{i}]\ncount = ${n}\nvpc = v-{i}\n\n"
	                       "[subnet s-{i}]\ncount = ${n}\nvpc = v-{i}\ncidr = 10.0.1.0/24\n"
	                       "az = use1-az1\nroute_table = rt-{i}\n\n"
	                       "[instance c-{i}]\ncount = ${n}\nsubnet = s-{i}\n",
	                       n);
}

/* Every VPC router compiles its own route table only: N tables and N
 * local routes over N routers (the routers used to hold a slot for every
 * table of the scenario, N^2 in all). */
static void test_router_tables_linear(void)
{
	const int ns[] = { 10, 200 };
	for (guint k = 0; k < G_N_ELEMENTS(ns); k++) {
		char *text = vpcs_text(ns[k]);
		GError *err = NULL;
		scenario *sc = st_load_text(text, NULL, &err);
		g_free(text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
		world *w = world_new(sc, NULL, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		net *nt = world_net(w);
		guint routers = 0, tables = 0, routes = 0;
		for (guint i = 0; i < nt->nodes->len; i++) {
			vpc_router *v = vpc_router_of(g_ptr_array_index(nt->nodes, i));
			if (!v)
				continue;
			routers++;
			tables += vpc_router_n_tables(v);
			routes += vpc_router_n_routes(v);
		}
		CU_ASSERT_EQUAL(routers, (guint)ns[k]);
		CU_ASSERT_EQUAL(tables, (guint)ns[k]);
		CU_ASSERT_EQUAL(routes, (guint)ns[k]); /* the local route each */
		world_free(w);
		scenario_free(sc);
	}
}

/* Clients 10.0.1.1.. and a server 10.0.2.1 behind one router; every
 * client runs an HTTP workload and a UDP flow, recording into the shared
 * histograms when given (else each its own), and the histograms of the
 * clients are returned merged. */
static void run_clients(int n, hdr_hist *shared_http, hdr_hist *shared_udp, hdr_hist *http_out,
                        hdr_hist *udp_out)
{
	net *nt = net_new(5);
	router *r = router_new(nt, "r");
	host_config sc = { .ip = IP(10, 0, 2, 1) };
	host *srv = host_new(nt, "server", &sc);
	port *rs = node_add_port(router_node(r));
	link_new(nt, rs, node_port(host_node(srv), 0), 20 * SIM_US, 1000000000, 0);
	router_add_route(r, IP(10, 0, 2, 0), 24, rs);
	host_http_server_config hs = { .port = 80 };
	CU_ASSERT(dist_parse("exp(mean=2ms)", UNIT_TIME, &hs.think, NULL));
	CU_ASSERT(dist_parse("uniform(min=1KB, max=64KB)", UNIT_SIZE, &hs.response_size, NULL));
	CU_ASSERT_PTR_NOT_NULL(host_serve_http(srv, &hs, NULL));
	host_listen_udp(srv, 53);
	dist_clear(&hs.think);
	dist_clear(&hs.response_size);
	GPtrArray *wls = g_ptr_array_new(), *flows = g_ptr_array_new();
	host_target tg = { IP(10, 0, 2, 1), 80 }, tu = { IP(10, 0, 2, 1), 53 };
	for (int i = 0; i < n; i++) {
		char name[32];
		g_snprintf(name, sizeof name, "client-%d", i + 1);
		host_config hc = { .ip = IP(10, 0, 1, 1 + i) };
		host *h = host_new(nt, name, &hc);
		port *rp = node_add_port(router_node(r));
		link_new(nt, rp, node_port(host_node(h), 0), (sim_time)(10 + i) * SIM_US, 100000000, 0);
		router_add_route(r, hc.ip, 32, rp);
		host_workload_config wc = { .name = "w", .targets = &tg, .n_targets = 1, .count = 200,
		                            .keepalive = i % 2, .latency = shared_http };
		CU_ASSERT(dist_parse("exp(mean=1ms)", UNIT_TIME, &wc.interval, NULL));
		g_ptr_array_add(wls, host_add_workload(h, &wc));
		dist_clear(&wc.interval);
		host_udp_config uc = { .name = "u", .targets = &tu, .n_targets = 1, .count = 100,
		                       .latency = shared_udp };
		CU_ASSERT(dist_parse("exp(mean=1ms)", UNIT_TIME, &uc.interval, NULL));
		CU_ASSERT(dist_parse("100B", UNIT_SIZE, &uc.size, NULL));
		g_ptr_array_add(flows, host_add_udp_flow(h, &uc));
		dist_clear(&uc.interval);
		dist_clear(&uc.size);
	}
	sim_run(nt->sim);
	for (guint i = 0; i < wls->len; i++) {
		const host_workload_result *res = host_workload_get_result(g_ptr_array_index(wls, i));
		CU_ASSERT_EQUAL(res->completed, 200);
		CU_ASSERT(shared_http ? res->latency == shared_http : res->latency != NULL);
		if (!shared_http)
			hdr_merge(http_out, res->latency);
	}
	for (guint i = 0; i < flows->len; i++) {
		const host_udp_result *res = host_udp_flow_result(g_ptr_array_index(flows, i));
		CU_ASSERT(shared_udp ? res->latency == shared_udp : res->latency != NULL);
		if (!shared_udp)
			hdr_merge(udp_out, res->latency);
	}
	if (shared_http)
		hdr_merge(http_out, shared_http);
	if (shared_udp)
		hdr_merge(udp_out, shared_udp);
	g_ptr_array_unref(wls);
	g_ptr_array_unref(flows);
	net_free(nt);
}

typedef struct {
	GString *s;
} bucket_text;

static void bucket_line(int64_t lo, int64_t hi, uint64_t count, void *ud)
{
	g_string_append_printf(((bucket_text *)ud)->s, "%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
	                       lo, hi, count);
}

static char *buckets(const hdr_hist *h)
{
	bucket_text t = { g_string_new(NULL) };
	hdr_foreach(h, bucket_line, &t);
	g_string_append_printf(t.s, "n %" G_GUINT64_FORMAT " min %" G_GINT64_FORMAT " max %" G_GINT64_FORMAT
	                       " mean %.9f p50 %" G_GINT64_FORMAT " p99 %" G_GINT64_FORMAT
	                       " p99.9 %" G_GINT64_FORMAT "\n",
	                       hdr_count(h), hdr_min(h), hdr_max(h), hdr_mean(h), hdr_quantile(h, 0.5),
	                       hdr_quantile(h, 0.99), hdr_quantile(h, 0.999));
	return g_string_free(t.s, FALSE);
}

/* Clients recording into one shared histogram per workload give exactly
 * the histogram (every bucket, mean, percentiles) that merging one per
 * client gives: the same runs, the same report. */
static void test_shared_histogram(void)
{
	hdr_hist *own_h = hdr_new(8), *own_u = hdr_new(8);
	run_clients(6, NULL, NULL, own_h, own_u);
	hdr_hist *sh = hdr_new(8), *su = hdr_new(8), *got_h = hdr_new(8), *got_u = hdr_new(8);
	run_clients(6, sh, su, got_h, got_u);
	CU_ASSERT_EQUAL(hdr_count(own_h), 6 * 200);
	CU_ASSERT(hdr_count(own_u) > 0);
	char *a = buckets(own_h), *b = buckets(got_h), *c = buckets(own_u), *d = buckets(got_u);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_STRING_EQUAL(c, d);
	g_free(a);
	g_free(b);
	g_free(c);
	g_free(d);
	hdr_free(own_h);
	hdr_free(own_u);
	hdr_free(sh);
	hdr_free(su);
	hdr_free(got_h);
	hdr_free(got_u);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("scale");
	CU_add_test(s, "VPC routers hold their own route tables only", test_router_tables_linear);
	CU_add_test(s, "one histogram per workload: the same as one per client, merged",
	            test_shared_histogram);
}
