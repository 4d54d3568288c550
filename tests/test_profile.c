/* \summary: latency profile tests: the shipped profiles, every validation error, constant delays */
#include "harness.h"
#include "error.h"
#include "profile.h"
#include "tcp.h"
#include "build.h"
#include "host.h"
#include "scenario.h"

#include <string.h>

#define DEFAULT "scenarios/profiles/default.ini"
#define CONSTANT "scenarios/profiles/constant.ini"

static profile *load_shipped(const char *rel)
{
	char *path = harness_source_path(rel);
	GError *err = NULL;
	profile *p = profile_load(path, &err);
	if (!p)
		fprintf(stderr, "\n%s\n", err->message);
	g_clear_error(&err);
	g_free(path);
	return p;
}

/* A copy of `text` where, inside [group], the line of `key` is replaced by
 * `repl` (NULL deletes it); NULL when there is no such line, so a test whose
 * edit did not apply fails instead of passing on the unmodified file. */
static char *edit_key(const char *text, const char *group, const char *key, const char *repl)
{
	char **lines = g_strsplit(text, "\n", -1);
	GString *out = g_string_new(NULL);
	char *cur = NULL;
	gboolean done = FALSE;
	for (int i = 0; lines[i]; i++) {
		const char *ln = lines[i];
		if (ln[0] == '[') {
			g_free(cur);
			cur = g_strndup(ln + 1, strcspn(ln + 1, "]"));
		} else if (!done && cur && strcmp(cur, group) == 0 && ln[0] != '#' &&
		           strchr(ln, '=')) {
			char *k = g_strndup(ln, strchr(ln, '=') - ln);
			gboolean match = strcmp(g_strstrip(k), key) == 0;
			g_free(k);
			if (match) {
				done = TRUE;
				if (repl)
					g_string_append_printf(out, "%s\n", repl);
				continue;
			}
		}
		g_string_append(out, ln);
		if (lines[i + 1])
			g_string_append_c(out, '\n');
	}
	g_free(cur);
	g_strfreev(lines);
	return g_string_free(out, !done);
}

/* Loads an edited copy of the shipped profile and returns the error, after
 * checking that it has exactly `lines` lines each naming the file. */
static GError *load_bad(const char *text, guint lines)
{
	GError *err = NULL;
	profile *p = profile_load_data(text, strlen(text), "bad.ini", &err);
	CU_ASSERT_PTR_NULL(p);
	profile_free(p);
	if (!err)
		return NULL;
	char *msg = harness_unline(err->message);
	char **l = g_strsplit(msg, "\n", -1);
	CU_ASSERT_EQUAL(g_strv_length(l), lines);
	for (int i = 0; l[i]; i++)
		CU_ASSERT_TRUE(g_str_has_prefix(l[i], "bad.ini: ["));
	g_strfreev(l);
	g_free(msg);
	return err;
}

static void expect_one_error(const char *group, const char *key, const char *repl,
                             const char *want)
{
	char *text = harness_source_text(DEFAULT);
	char *bad = edit_key(text, group, key, repl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
	GError *err = load_bad(bad, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_INVALID));
	gboolean found = strstr(err->message, want) != NULL;
	if (!found)
		fprintf(stderr, "\nmissing '%s' in: %s\n", want, err->message);
	CU_ASSERT_TRUE(found);
	g_error_free(err);
	g_free(bad);
	g_free(text);
}

/* The shipped default carries the figures of aws-facts.md sections 2 and 4. */
static void test_default_values(void)
{
	profile *p = load_shipped(DEFAULT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->tcp.congestion_control, TCP_CC_CUBIC);
	/* Half the measured RTTs, as lognormals: median 150us and 500us. */
	CU_ASSERT_EQUAL(p->propagation.same_az.type, DIST_LOGNORMAL);
	ASSERT_NEAR(p->propagation.same_az.p1, log(150e3), 1e-9);
	ASSERT_NEAR(p->propagation.same_az.p2, 0.3, 1e-12);
	ASSERT_NEAR(p->propagation.cross_az.p1, log(500e3), 1e-9);
	/* Placeholder ranges of section 4, uniform. */
	CU_ASSERT_EQUAL(p->processing.tgw.type, DIST_UNIFORM);
	ASSERT_NEAR(p->processing.tgw.p1, 100e3, 1e-6);
	ASSERT_NEAR(p->processing.tgw.p2, 500e3, 1e-6);
	ASSERT_NEAR(p->processing.natgw.p1, 50e3, 1e-6);
	ASSERT_NEAR(p->processing.natgw.p2, 300e3, 1e-6);
	ASSERT_NEAR(p->processing.igw.p2, 1e6, 1e-6);
	ASSERT_NEAR(p->processing.alb.p1, 500e3, 1e-6);
	ASSERT_NEAR(p->processing.alb.p2, 3e6, 1e-6);
	/* Endpoint + NLB together span 50-300us. */
	ASSERT_NEAR(p->processing.interface_endpoint.p1 + p->processing.nlb.p1, 50e3, 1e-6);
	ASSERT_NEAR(p->processing.interface_endpoint.p2 + p->processing.nlb.p2, 300e3, 1e-6);
	CU_ASSERT_TRUE(dist_is_const(&p->processing.peering));
	CU_ASSERT_EQUAL(dist_mean(&p->processing.peering), 0.0);
	CU_ASSERT_EQUAL(dist_mean(&p->processing.vpc_router), 0.0);

	CU_ASSERT_EQUAL(p->bandwidth.instance, UINT64_C(5000000000));
	CU_ASSERT_EQUAL(p->bandwidth.natgw, UINT64_C(5000000000));
	CU_ASSERT_EQUAL(p->bandwidth.tgw_attachment, UINT64_C(100000000000));
	CU_ASSERT_EQUAL(p->bandwidth.interface_endpoint, UINT64_C(10000000000));
	CU_ASSERT_EQUAL(p->bandwidth.igw, 0);
	CU_ASSERT_EQUAL(p->bandwidth.gw_endpoint, 0);

	CU_ASSERT_EQUAL(p->mtu.vpc, 9001);
	CU_ASSERT_EQUAL(p->mtu.igw, 1500);
	CU_ASSERT_EQUAL(p->mtu.peering, 9001);
	CU_ASSERT_EQUAL(p->mtu.tgw, 8500);
	CU_ASSERT_EQUAL(p->mtu.interface_endpoint, 8500);

	CU_ASSERT_EQUAL(p->limits.natgw_connections_per_destination, 55000);
	CU_ASSERT_EQUAL(p->limits.natgw_idle_timeout, 350 * SIM_S);
	CU_ASSERT_EQUAL(p->limits.nlb_idle_timeout, 350 * SIM_S);
	CU_ASSERT_EQUAL(p->limits.alb_idle_timeout, 60 * SIM_S);
	CU_ASSERT_EQUAL(p->limits.queue_bytes, 1048576);
	profile_free(p);
}

/* Every delay of a profile, in schema order. */
static int all_delays(const profile *p, const dist *out[12])
{
	const dist *d[] = { &p->propagation.same_az, &p->propagation.cross_az,
		            &p->propagation.regional_public, &p->processing.vpc_router,
		            &p->processing.peering, &p->processing.tgw, &p->processing.natgw,
		            &p->processing.igw, &p->processing.gw_endpoint,
		            &p->processing.interface_endpoint, &p->processing.nlb,
		            &p->processing.alb };
	memcpy(out, d, sizeof d);
	return (int)G_N_ELEMENTS(d);
}

static gboolean has(const GPtrArray *a, const char *s)
{
	for (guint i = 0; i < a->len; i++)
		if (strcmp(a->pdata[i], s) == 0)
			return TRUE;
	return FALSE;
}

/* Every value has a source; the assumptions are exactly the unsourced
 * ones: every processing placeholder and the queue, never an AWS figure. */
static void test_sources_and_assumptions(void)
{
	profile *p = load_shipped(DEFAULT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	const char *s = profile_source(p, "mtu", "tgw");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_TRUE(g_str_has_prefix(s, "https://docs.aws.amazon.com/vpc/latest/tgw/"));
	CU_ASSERT_PTR_NOT_NULL(strstr(profile_source(p, "propagation", "same_az"), "[third-party]"));
	CU_ASSERT_PTR_NULL(profile_source(p, "mtu", "nope"));
	GPtrArray *a = profile_assumptions(p);
	const char *must[] = { "propagation.regional_public", "processing.vpc_router",
		               "processing.peering", "processing.tgw", "processing.natgw",
		               "processing.igw", "processing.gw_endpoint",
		               "processing.interface_endpoint", "processing.nlb", "processing.alb",
		               "limits.queue_bytes" };
	for (size_t i = 0; i < G_N_ELEMENTS(must); i++) {
		if (!has(a, must[i]))
			fprintf(stderr, "\nnot an assumption: %s\n", must[i]);
		CU_ASSERT_TRUE(has(a, must[i]));
	}
	const char *never[] = { "mtu.vpc", "mtu.tgw", "bandwidth.instance", "bandwidth.natgw",
		                "limits.natgw_idle_timeout", "limits.alb_idle_timeout" };
	for (size_t i = 0; i < G_N_ELEMENTS(never); i++)
		CU_ASSERT_FALSE(has(a, never[i]));
	g_ptr_array_unref(a);
	profile_free(p);
}

/* The teaching profile: every delay a constant, 100us per hop and 50us per
 * construct, each labelled an assumption; the rest as in the default. */
static void test_constant_profile(void)
{
	profile *p = load_shipped(CONSTANT);
	profile *d = load_shipped(DEFAULT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	const dist *all[12];
	int n = all_delays(p, all);
	CU_ASSERT_EQUAL(n, 12);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_TRUE(dist_is_const(all[i]));
		/* The first three are propagation, the rest processing. */
		CU_ASSERT_EQUAL(dist_mean(all[i]), i < 3 ? 100e3 : 50e3);
	}
	CU_ASSERT_EQUAL(memcmp(&p->bandwidth, &d->bandwidth, sizeof p->bandwidth), 0);
	CU_ASSERT_EQUAL(memcmp(&p->mtu, &d->mtu, sizeof p->mtu), 0);
	CU_ASSERT_EQUAL(memcmp(&p->limits, &d->limits, sizeof p->limits), 0);
	GPtrArray *a = profile_assumptions(p);
	CU_ASSERT_TRUE(has(a, "propagation.same_az"));
	CU_ASSERT_TRUE(has(a, "processing.alb"));
	g_ptr_array_unref(a);
	profile_free(d);
	profile_free(p);
}

/* profile_set_all_delays: every delay becomes the constant, nothing else
 * changes; a path of host + router + hop then sums exactly. */
static void test_set_all_delays(void)
{
	profile *p = load_shipped(DEFAULT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	uint32_t mtu = p->mtu.tgw;
	profile_set_all_delays(p, 7 * SIM_US);
	rng r;
	rng_init(&r, 1, "test");
	const dist *all[12];
	int n = all_delays(p, all);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_TRUE(dist_is_const(all[i]));
		CU_ASSERT_EQUAL(dist_sample_ns(all[i], &r), 7000);
	}
	CU_ASSERT_EQUAL(dist_sample_ns(&p->processing.alb, &r) +
	                        dist_sample_ns(&p->processing.vpc_router, &r) +
	                        dist_sample_ns(&p->propagation.cross_az, &r),
	                21000);
	profile_set_all_delays(p, 0);
	CU_ASSERT_EQUAL(dist_sample_ns(&p->processing.alb, &r), 0);
	CU_ASSERT_EQUAL(p->mtu.tgw, mtu);
	profile_free(p);
}

static void test_schema_errors(void)
{
	expect_one_error("mtu", "vpc", "vpc = 9001B\njumbo = 9001B",
	                 "[mtu] jumbo: unknown key (value '9001B'); expected one of vpc, igw, "
	                 "peering, tgw, interface_endpoint");
	expect_one_error("limits", "alb_idle_timeout", NULL,
	                 "[limits] alb_idle_timeout: missing; expected the ALB connection idle "
	                 "timeout");
	expect_one_error("processing", "tgw.source", NULL,
	                 "[processing] tgw.source: missing; every value needs a source");
	expect_one_error("processing", "tgw.source", "tgw.source = AWS says nothing",
	                 "[processing] tgw.source: 'AWS says nothing' is not a source; expected a "
	                 "URL (or '-' when there is none), then an evidence kind");
	expect_one_error("mtu", "vpc", "vpc = 9001B\nvpc = 1500B",
	                 "[mtu] vpc: duplicate key (the last value, '1500B', would win)");

	char *text = harness_source_text(DEFAULT);
	char *bad = g_strconcat(text, "\n[latency]\nsame_az = 1ms\n", NULL);
	GError *err = load_bad(bad, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	/* The line of [latency]: after the text's lines and the blank one. */
	guint line = 2;
	for (const char *c = text; *c; c++)
		line += *c == '\n';
	char *want = g_strdup_printf("bad.ini:%u: [latency]: unknown group; expected one of "
	                             "propagation, processing, bandwidth, mtu, ttl, limits", line);
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, want));
	g_free(want);
	g_error_free(err);
	g_free(bad);
	/* A missing group is reported once, not once per key. */
	char *start = strstr(text, "\n[mtu]");
	char *end = strstr(text, "\n[ttl]");
	CU_ASSERT_PTR_NOT_NULL_FATAL(start && end);
	bad = g_strdup_printf("%.*s%s", (int)(start - text), text, end);
	err = load_bad(bad, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "[mtu]: missing group; expected [mtu] with the "
	                                            "keys vpc, igw, peering, tgw, "
	                                            "interface_endpoint"));
	g_error_free(err);
	g_free(bad);
	g_free(text);
}

static void test_value_errors(void)
{
	expect_one_error("processing", "tgw", "tgw = uniform(min=500us, max=100us)",
	                 "[processing] tgw: 'uniform(min=500us, max=100us)': min must be <= max; "
	                 "expected time added by one transit gateway traversal");
	expect_one_error("processing", "natgw", "natgw = 0.2",
	                 "[processing] natgw: '0.2' has no unit");
	expect_one_error("processing", "natgw", "natgw = -1ms", "must be >= 0");
	expect_one_error("propagation", "same_az", "same_az = gamma(k=2)",
	                 "[propagation] same_az: ");
	expect_one_error("bandwidth", "instance", "instance = 5",
	                 "[bandwidth] instance: '5' has no unit; expected a bit rate");
	expect_one_error("bandwidth", "instance", "instance = 5GB",
	                 "[bandwidth] instance: '5GB' is a size; expected a bit rate");
	/* Only gateways without a published limit may be unlimited. */
	expect_one_error("bandwidth", "natgw", "natgw = unlimited",
	                 "[bandwidth] natgw: 'unlimited' does not start with a number");
	expect_one_error("bandwidth", "tgw_attachment", "tgw_attachment = 0bps",
	                 "[bandwidth] tgw_attachment: '0bps' is not a whole number from 1bps to");
	expect_one_error("mtu", "igw", "igw = 1500.5B",
	                 "[mtu] igw: '1500.5B' is not a whole number from 68B to 65535B; expected "
	                 "the IP MTU through an internet gateway");
	expect_one_error("mtu", "tgw", "tgw = 70000B", "[mtu] tgw: '70000B' is not a whole number "
	                                               "from 68B to 65535B");
	expect_one_error("mtu", "vpc", "vpc = 9001", "[mtu] vpc: '9001' has no unit");
	expect_one_error("limits", "natgw_connections_per_destination",
	                 "natgw_connections_per_destination = 55000.5",
	                 "'55000.5' is not a whole number from 1 to 4294967295; expected "
	                 "concurrent connections");
	expect_one_error("tcp", "congestion_control", "congestion_control = bbr",
	                 "[tcp] congestion_control: 'bbr' is not a congestion control; expected the "
	                 "congestion control of every TCP endpoint: cubic or newreno");
	expect_one_error("limits", "nlb_idle_timeout", "nlb_idle_timeout = 0s",
	                 "[limits] nlb_idle_timeout: '0s' is not positive; expected the NLB TCP "
	                 "idle timeout");
	/* A delay that can reach past a year (here past the clock's 292
	 * years, which once overflowed the engine's sums) is refused. */
	expect_one_error("processing", "alb", "alb = pareto(scale=100us, shape=0.01)",
	                 "[processing] alb: 'pareto(scale=100us, shape=0.01)' can draw delays up "
	                 "to inf, beyond 8760h (a year); expected time the ALB adds to each "
	                 "request, a distribution whose largest sample is at most 8760h");
	expect_one_error("propagation", "cross_az", "cross_az = lognormal(median=1ms, sigma=3)",
	                 "[propagation] cross_az: 'lognormal(median=1ms, sigma=3)' can draw delays "
	                 "up to ");
	expect_one_error("limits", "queue_bytes", "queue_bytes = 1Mbps",
	                 "[limits] queue_bytes: '1Mbps' is a bit rate; expected a size");
}

/* Several problems together, one line each, in schema order. */
/* [tcp] congestion_control reaches the instances' TCP (and the services'
 * and load balancers', built the same way): NewReno in a copy of the
 * default profile, CUBIC in the shipped one. */
static void test_tcp_key_reaches_hosts(void)
{
	char *text = harness_source_text(DEFAULT);
	char *reno = edit_key(text, "tcp", "congestion_control", "congestion_control = newreno");
	CU_ASSERT_PTR_NOT_NULL_FATAL(reno);
	char *dir = harness_tmpdir();
	char *copy = g_build_filename(dir, "reno.ini", NULL);
	CU_ASSERT_TRUE_FATAL(g_file_set_contents(copy, reno, -1, NULL));
	char *scn = harness_source_path("scenarios/alb-peering.ini");
	for (int k = 0; k < 2; k++) {
		char *set = g_strdup_printf("scenario.profile=%s", copy);
		const char *const sets[] = { "scenario.duration=10ms", k ? set : NULL, NULL };
		GError *err = NULL;
		scenario *sc = scenario_load(scn, sets, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
		world *w = world_new(sc, NULL, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		const char *names[] = { "client-1", "web-1" };
		for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
			node *n = net_node(world_net(w), names[i]);
			CU_ASSERT_PTR_NOT_NULL_FATAL(n);
			CU_ASSERT_EQUAL(tcp_stack_config(host_tcp((host *)n))->cc,
			                k ? TCP_CC_NEWRENO : TCP_CC_CUBIC);
		}
		world_free(w);
		scenario_free(sc);
		g_free(set);
	}
	g_free(scn);
	harness_rmtree(dir);
	g_free(copy);
	g_free(dir);
	g_free(reno);
	g_free(text);
}

static void test_all_errors_together(void)
{
	char *t0 = harness_source_text(DEFAULT);
	char *t1 = edit_key(t0, "limits", "queue_bytes", "queue_bytes = lots");
	char *t2 = edit_key(t1, "propagation", "cross_az", "cross_az = exp(mean=0ms)");
	char *t3 = edit_key(t2, "mtu", "peering.source", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t3);
	char *t4 = g_strconcat(t3, "[extra]\nx = 1\n", NULL);
	GError *err = load_bad(t4, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	char **lines = g_strsplit(err->message, "\n", -1);
	CU_ASSERT_EQUAL_FATAL(g_strv_length(lines), 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[0], "[extra]: unknown group"));
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[1], "[propagation] cross_az: 'exp(mean=0ms)'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[2], "[mtu] peering.source: missing"));
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[3], "[limits] queue_bytes: 'lots'"));
	g_strfreev(lines);
	g_error_free(err);
	g_free(t4);
	g_free(t3);
	g_free(t2);
	g_free(t1);
	g_free(t0);
}

static void test_syntax_and_io_errors(void)
{
	GError *err = NULL;
	const char *text = "[mtu]\nthis line has no equals sign\n";
	CU_ASSERT_PTR_NULL(profile_load_data(text, strlen(text), "syntax.ini", &err));
	CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_PARSE));
	CU_ASSERT_PTR_NOT_NULL(err && g_str_has_prefix(err->message, "syntax.ini: "));
	g_clear_error(&err);
	CU_ASSERT_PTR_NULL(profile_load("/nonexistent/vpcsim/profile.ini", &err));
	CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_IO));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "/nonexistent/vpcsim/profile.ini: cannot "
	                                                   "read the latency profile"));
	g_clear_error(&err);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("latency profile");
	CU_add_test(s, "default.ini carries the facts sheet's figures", test_default_values);
	CU_add_test(s, "sources and assumptions", test_sources_and_assumptions);
	CU_add_test(s, "constant.ini: constant delays, same limits", test_constant_profile);
	CU_add_test(s, "profile_set_all_delays", test_set_all_delays);
	CU_add_test(s, "unknown, missing, duplicate and unsourced keys", test_schema_errors);
	CU_add_test(s, "bad distributions, units and ranges", test_value_errors);
	CU_add_test(s, "several errors in one message", test_all_errors_together);
	CU_add_test(s, "[tcp] congestion_control reaches the hosts' TCP", test_tcp_key_reaches_hosts);
	CU_add_test(s, "syntax and I/O errors", test_syntax_and_io_errors);
}
