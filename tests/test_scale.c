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
	host_target tg = { IP(10, 0, 2, 1), 80, NULL }, tu = { IP(10, 0, 2, 1), 53, NULL };
	for (int i = 0; i < n; i++) {
		char name[32];
		g_snprintf(name, sizeof name, "client-%d", i + 1);
		host_config hc = { .ip = IP(10, 0, 1, 1 + i) };
		host *h = host_new(nt, name, &hc);
		port *rp = node_add_port(router_node(r));
		link_new(nt, rp, node_port(host_node(h), 0), (sim_time)(10 + i) * SIM_US, 100000000, 0);
		router_add_route(r, hc.ip, 32, rp);
		host_workload_config wc = { .name = "w", .targets = &tg, .n_targets = 1, .count = 200,
		                            .keepalive = i % 2, .max_conns = i % 2,
		                            .latency = shared_http };
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

/* A counted group whose every element has the same mistake reports the
 * first 20 and one line for the rest, right after them; another counted
 * group's problems and plain groups' are reported as before. */
static void test_capped_errors(void)
{
	const char *body =
		"[vpc v]\ncidr = 10.0.0.0/16\n\n"
		"[subnet s]\nvpc = v\ncidr = 10.0.0.0/16\naz = use1-az1\n\n"
		"[instance bad-{i}]\ncount = 1000\nsubnet = s\nip = 10.5.0.1\n\n"
		"[instance few-{i}]\ncount = 3\nsubnet = s\nip = 10.6.0.1\n\n"
		"[instance one]\nsubnet = s\nip = 10.7.0.1\n";
	GError *err = NULL;
	scenario *sc = st_load_text(body, NULL, &err);
	CU_ASSERT_PTR_NULL(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	char **lines = g_strsplit(err->message, "\n", -1);
	CU_ASSERT_EQUAL_FATAL(g_strv_length(lines), 20 + 1 + 3 + 1);
	for (int i = 0; i < 20; i++) {
		char *want = g_strdup_printf("t.ini:16: [instance bad-%d] ip: '10.5.0.1' is not inside the subnet", i + 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(lines[i], want));
		g_free(want);
	}
	CU_ASSERT_PTR_NOT_NULL(g_str_has_suffix(lines[20], "t.ini:16: [instance bad-{i}] ip: ... and 980 more like this")
	                               ? lines[20] : NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[21], "[instance few-1] ip: '10.6.0.1'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[23], "[instance few-3] ip: '10.6.0.1'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[24], "[instance one] ip: '10.7.0.1'"));
	g_strfreev(lines);
	g_clear_error(&err);

	/* Two keys of one counted group are capped apart; the line for the
	 * ones found first comes first. */
	const char *two =
		"[vpc v]\ncidr = 10.0.0.0/16\n\n"
		"[subnet s]\nvpc = v\ncidr = 10.0.0.0/16\naz = use1-az1\n\n"
		"[instance c-{i}]\ncount = 30\nsubnet = s\nip = 10.5.0.1\npublic_ip = maybe\n";
	sc = st_load_text(two, NULL, &err);
	CU_ASSERT_PTR_NULL(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	lines = g_strsplit(err->message, "\n", -1);
	CU_ASSERT_EQUAL(g_strv_length(lines), 2 * 21);
	guint more = 0;
	for (guint i = 0; lines[i]; i++)
		more += strstr(lines[i], ": ... and 10 more like this") != NULL;
	CU_ASSERT_EQUAL(more, 2);
	g_strfreev(lines);
	g_clear_error(&err);
}

/* Automatic addresses resume where the subnet's last one was found: with
 * explicit addresses scattered through the subnet and load balancer nodes
 * competing in file order, every address is the first free one, and a /16
 * holds exactly 65,531 (its first four and last are AWS's). */
static void test_address_assignment(void)
{
	const char *body =
		"[vpc v]\ncidr = 10.0.0.0/16\n\n"
		"[subnet s]\nvpc = v\ncidr = 10.0.0.0/24\naz = use1-az1\n\n"
		"[subnet t]\nvpc = v\ncidr = 10.0.1.0/24\naz = use1-az2\n\n"
		"[security_group sg]\nvpc = v\n\n"
		"[instance a-{i}]\ncount = 3\nsubnet = s\n\n"
		"[instance fixed-1]\nsubnet = s\nip = 10.0.0.6\n\n"
		"[instance fixed-2]\nsubnet = s\nip = 10.0.0.8\n\n"
		"[instance fixed-3]\nsubnet = s\nip = 10.0.0.10\n\n"
		"[instance fixed-4]\nsubnet = s\nip = 10.0.0.12\n\n"
		"[load_balancer lb]\ntype = application\nsubnets = s, t\nsecurity_groups = sg\n"
		"listeners = http 80 -> tg\n\n"
		"[target_group tg]\nport = 80\ntargets = a-1\n\n"
		"[instance b-{i}]\ncount = 5\nsubnet = s\n";
	GError *err = NULL;
	scenario *sc = st_load_text(body, NULL, &err);
	CU_ASSERT_PTR_NULL(err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	/* Explicit: .6 .8 .10 .12.  Then in file order a-1..3 take .4 .5 .7,
	 * the ALB node in s takes .9, b-1..5 take .11 .13 .14 .15 .16. */
	const char *want[][2] = {
		{ "a-1", "10.0.0.4" }, { "a-2", "10.0.0.5" }, { "a-3", "10.0.0.7" },
		{ "fixed-1", "10.0.0.6" }, { "fixed-4", "10.0.0.12" },
		{ "b-1", "10.0.0.11" }, { "b-2", "10.0.0.13" }, { "b-5", "10.0.0.16" },
	};
	for (guint k = 0; k < G_N_ELEMENTS(want); k++) {
		gboolean found = FALSE;
		for (guint i = 0; i < sc->instances->len; i++) {
			const sc_instance *in = SC_AT(sc->instances, sc_instance, i);
			if (strcmp(in->name, want[k][0]) != 0)
				continue;
			char ip[16];
			g_snprintf(ip, sizeof ip, "%u.%u.%u.%u", in->ip >> 24, (in->ip >> 16) & 255,
			           (in->ip >> 8) & 255, in->ip & 255);
			CU_ASSERT_STRING_EQUAL(ip, want[k][1]);
			found = TRUE;
		}
		CU_ASSERT_TRUE(found);
	}
	const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, 0);
	CU_ASSERT_EQUAL(g_array_index(lb->node_ips, uint32_t, 0), IP(10, 0, 0, 9));
	CU_ASSERT_EQUAL(g_array_index(lb->node_ips, uint32_t, 1), IP(10, 0, 1, 4));
	scenario_free(sc);

	/* A full /16: 65,531 addresses, then one problem per instance left. */
	st_expect_errors("[vpc v]\ncidr = 10.0.0.0/16\n\n"
	                 "[subnet s]\nvpc = v\ncidr = 10.0.0.0/16\naz = use1-az1\n\n"
	                 "[instance c-{i}]\ncount = 65536\nsubnet = s\n",
	                 NULL, 5,
	                 WANT("[instance c-65532]: subnet s (10.0.0.0/16) has no free address left",
	                      "[instance c-65536]: subnet s (10.0.0.0/16) has no free address left"));
}

/* The scale benchmarks run small and print one line of figures each. */
static void test_bench_scale_prints(void)
{
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, &err, "bench", "vpcs", "--n", "20", NULL), 0);
	CU_ASSERT(g_str_has_prefix(out, "vpcs n=20 load_s="));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " events_per_s="));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " peak_rss_kb="));
	g_free(out);
	g_free(err);
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, &err, "bench", "clients", "--n", "30", NULL), 0);
	CU_ASSERT(g_str_has_prefix(out, "clients n=30 load_s="));
	g_free(out);
	g_free(err);
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, &err, "bench", "vpcs", "--n", "0", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--n must be from 1 to 1000000"));
	g_free(out);
	g_free(err);
}

/* A reply an NLB steers back to itself (client IP preserved) is a route
 * decision the trace names; it used to print an uninitialized pointer. */
static void test_trace_reply_redirect(void)
{
	char *dir = harness_tmpdir();
	char *prices_path = harness_source_path("scenarios/prices/us-east-1.ini");
	char *profile_path = harness_source_path("scenarios/profiles/constant.ini");
	char *text = g_strdup_printf(
		"[scenario]\nprices = %s\nprofile = %s\n\n"
		"[vpc v]\ncidr = 10.0.0.0/16\n\n"
		"[subnet s]\nvpc = v\ncidr = 10.0.1.0/24\naz = use1-az1\n\n"
		"[security_group sg]\nvpc = v\ningress = tcp 80 from 10.0.0.0/16\n\n"
		"[instance client]\nsubnet = s\nsecurity_groups = sg\n\n"
		"[instance web]\nsubnet = s\nsecurity_groups = sg\n\n"
		"[load_balancer nlb]\ntype = network\nsubnets = s\nlisteners = tcp 80 -> tg\n\n"
		"[target_group tg]\nport = 80\ntargets = web\n\n"
		"[workload w]\nclients = client\ntarget = nlb\nrate = 10/s\n",
		prices_path, profile_path);
	char *path = g_build_filename(dir, "t.ini", NULL);
	CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, &err, "trace", path, "--from", "client", "--to", "nlb", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "route reply redirect: to nlb"));
	g_free(out);
	g_free(err);
	harness_rmtree(dir);
	g_free(path);
	g_free(text);
	g_free(prices_path);
	g_free(profile_path);
	g_free(dir);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("scale");
	CU_add_test(s, "VPC routers hold their own route tables only", test_router_tables_linear);
	CU_add_test(s, "one histogram per workload: the same as one per client, merged",
	            test_shared_histogram);
	CU_add_test(s, "a counted group's problems: the first 20, then how many more",
	            test_capped_errors);
	CU_add_test(s, "addresses: the first free one, resuming; a /16 holds 65,531",
	            test_address_assignment);
	CU_add_test(s, "bench vpcs and bench clients print their figures", test_bench_scale_prints);
	CU_add_test(s, "trace: a reply the NLB redirects names the redirect", test_trace_reply_redirect);
}
