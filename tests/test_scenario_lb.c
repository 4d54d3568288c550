/* \summary: scenario loader tests for load balancers, target groups and PrivateLink */
#include "scenario_text.h"

#include <stdarg.h>
#include <string.h>

/* ---- helpers (tests/scenario_text.h, without overrides) --------------- */

#define load_rel(rel, err) st_load_rel((rel), NULL, (err))
#define load_text(body, err) st_load_text((body), NULL, (err))
#define expect_errors_v(body, n, want) st_expect_errors((body), NULL, (n), (want))

/* A small valid topology with an ALB, an NLB, an endpoint service and S3;
 * the error tests add one fault to it. */
static const char base[] =
	"[vpc a]\ncidr = 10.0.0.0/16\n"
	"[vpc b]\ncidr = 10.1.0.0/16\n"
	"[internet_gateway igw-a]\nvpc = a\n"
	"[route_table a-pub-rt]\nvpc = a\nroutes = 0.0.0.0/0 -> igw-a\n"
	"[subnet a-pub]\nvpc = a\ncidr = 10.0.0.0/24\naz = use1-az1\nroute_table = a-pub-rt\n"
	"[subnet a-pub-2]\nvpc = a\ncidr = 10.0.3.0/24\naz = use1-az2\nroute_table = a-pub-rt\n"
	"[subnet a-app]\nvpc = a\ncidr = 10.0.1.0/24\naz = use1-az1\n"
	"[subnet a-app-2]\nvpc = a\ncidr = 10.0.2.0/24\naz = use1-az2\n"
	"[subnet a-app-3]\nvpc = a\ncidr = 10.0.4.0/24\naz = use1-az3\n"
	"[subnet b-app]\nvpc = b\ncidr = 10.1.1.0/24\naz = use1-az1\n"
	"[subnet b-app-2]\nvpc = b\ncidr = 10.1.2.0/24\naz = use1-az2\n"
	"[security_group sg-a]\nvpc = a\n"
	"[security_group sg-b]\nvpc = b\n"
	"[instance web-1]\nsubnet = a-app\n"
	"[instance web-2]\nsubnet = a-app-2\n"
	"[instance b-1]\nsubnet = b-app\n"
	"[target_group tg-web]\nport = 80\ntargets = web-*\n"
	"[target_group tg-b]\nport = 80\ntargets = b-1\n"
	"[target_group tg-alb]\ntype = alb\ntargets = alb\n"
	"[load_balancer alb]\ntype = application\nsubnets = a-app, a-app-2\nsecurity_groups = sg-a\n"
	"listeners = http 80 -> tg-web\n"
	"[load_balancer nlb-b]\ntype = network\nsubnets = b-app, b-app-2\n"
	"listeners = tcp 443 -> tg-b\n"
	"[endpoint_service svc-b]\nload_balancer = nlb-b\n"
	"[service s3]\nkind = s3\nprefixes = 52.216.0.0/15\nip = 52.216.0.10\nlatency = 5ms\n"
	"[transit_gateway tgw]\n"
	"[tgw_route_table tgw-rt]\ntransit_gateway = tgw\n";

static void expect_with(const char *extra, guint nlines, const char *const *want)
{
	char *body = g_strconcat(base, extra, NULL);
	expect_errors_v(body, nlines, want);
	g_free(body);
}

#define EXPECT_WITH(extra, ...) expect_with((extra), 1, WANT(__VA_ARGS__))

/* Loads base + extra, which must be valid; returns it for more checks. */
static scenario *load_with(const char *extra)
{
	char *body = g_strconcat(base, extra, NULL);
	GError *err = NULL;
	scenario *sc = load_text(body, &err);
	if (err)
		fprintf(stderr, "\n%s\n", err->message);
	CU_ASSERT_PTR_NOT_NULL(sc);
	g_clear_error(&err);
	g_free(body);
	return sc;
}

static void valid_with(const char *extra)
{
	scenario_free(load_with(extra));
}

static uint32_t ip(const char *dotted)
{
	unsigned a, b, c, d;
	CU_ASSERT_EQUAL_FATAL(sscanf(dotted, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	return a << 24 | b << 16 | c << 8 | d;
}

static gboolean ints_are(const GArray *a, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	gboolean ok = a->len == (guint)n;
	for (int i = 0; i < n; i++) {
		int want = va_arg(ap, int);
		ok &= (guint)i < a->len && g_array_index(a, int, i) == want;
	}
	va_end(ap);
	return ok;
}

/* The addresses of a uint32_t array, each given as a dotted quad or NULL
 * for 0. */
static gboolean ips_are(const GArray *a, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	gboolean ok = a->len == (guint)n;
	for (int i = 0; i < n; i++) {
		const char *want = va_arg(ap, const char *);
		ok &= (guint)i < a->len && g_array_index(a, uint32_t, i) == (want ? ip(want) : 0);
	}
	va_end(ap);
	return ok;
}

static const sc_listener *listener(const sc_lb *lb, guint i)
{
	CU_ASSERT_FATAL(i < lb->listeners->len);
	return SC_AT(lb->listeners, sc_listener, i);
}

/* ---- the valid file ------------------------------------------------------ */

/* lb-privatelink.ini resolved to the indices and addresses worked out by
 * hand from the file (see its comments). */
static void test_lb_privatelink_file(void)
{
	GError *err = NULL;
	scenario *sc = load_rel("tests/scenarios/lb-privatelink.ini", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL_FATAL(sc->load_balancers->len, 4);
	CU_ASSERT_EQUAL_FATAL(sc->target_groups->len, 5);
	CU_ASSERT_EQUAL_FATAL(sc->endpoint_services->len, 2);
	CU_ASSERT_EQUAL_FATAL(sc->interface_endpoints->len, 3);
	CU_ASSERT_EQUAL_FATAL(sc->instances->len, 9);
	/* Subnets: a-pub-1 0, a-pub-2 1, a-app-1 2, a-app-2 3, b-app-1..3 4-6. */
	CU_ASSERT_EQUAL_FATAL(sc->subnets->len, 7);

	/* alb-pub: internet-facing, two public subnets; its node in a-pub-1
	 * skips 10.0.0.4, which bastion (later in the file) names explicitly;
	 * public addresses 3.80.0.1-2 before bastion's 3.80.0.3. */
	const sc_lb *alb = SC_AT(sc->load_balancers, sc_lb, 0);
	CU_ASSERT_STRING_EQUAL(alb->name, "alb-pub");
	CU_ASSERT_EQUAL(alb->type, SC_LB_APPLICATION);
	CU_ASSERT_TRUE(alb->internet_facing);
	CU_ASSERT_EQUAL(alb->vpc, 0);
	CU_ASSERT_TRUE(ints_are(alb->subnets, 2, 0, 1));
	CU_ASSERT_TRUE(ips_are(alb->node_ips, 2, "10.0.0.5", "10.0.1.4"));
	CU_ASSERT_TRUE(ips_are(alb->node_public_ips, 2, "3.80.0.1", "3.80.0.2"));
	CU_ASSERT_TRUE(ints_are(alb->sgs, 1, 0));
	CU_ASSERT_TRUE(alb->cross_zone);
	CU_ASSERT_EQUAL(alb->idle_timeout, 120 * SIM_S);
	CU_ASSERT_EQUAL(alb->algorithm, SC_LB_ROUND_ROBIN);
	CU_ASSERT_FALSE(alb->preserve_client_ip);
	CU_ASSERT_EQUAL_FATAL(alb->listeners->len, 1);
	const sc_listener *ls = listener(alb, 0);
	CU_ASSERT_EQUAL(ls->proto, SC_PROTO_TCP);
	CU_ASSERT_TRUE(ls->http);
	CU_ASSERT_EQUAL(ls->port, 80);
	CU_ASSERT_EQUAL(ls->default_tg, 0);
	CU_ASSERT_EQUAL(ls->rules->len, 0);

	/* alb-b: internal, rules copied to both listeners in order. */
	const sc_lb *albb = SC_AT(sc->load_balancers, sc_lb, 1);
	CU_ASSERT_FALSE(albb->internet_facing);
	CU_ASSERT_EQUAL(albb->vpc, 1);
	CU_ASSERT_TRUE(ints_are(albb->subnets, 2, 4, 5));
	CU_ASSERT_TRUE(ips_are(albb->node_ips, 2, "10.0.10.6", "10.0.11.5"));
	CU_ASSERT_TRUE(ips_are(albb->node_public_ips, 2, NULL, NULL));
	CU_ASSERT_TRUE(ints_are(albb->sgs, 1, 3));
	CU_ASSERT_TRUE(albb->cross_zone);
	CU_ASSERT_EQUAL(albb->idle_timeout, 60 * SIM_S); /* constant.ini alb_idle_timeout */
	CU_ASSERT_EQUAL(albb->algorithm, SC_LB_LEAST_OUTSTANDING);
	CU_ASSERT_EQUAL_FATAL(albb->listeners->len, 2);
	CU_ASSERT_EQUAL(listener(albb, 0)->port, 80);
	CU_ASSERT_EQUAL(listener(albb, 0)->default_tg, 1);
	CU_ASSERT_EQUAL(listener(albb, 1)->port, 8080);
	CU_ASSERT_EQUAL(listener(albb, 1)->default_tg, 2);
	for (guint i = 0; i < 2; i++) {
		const GArray *rules = listener(albb, i)->rules;
		CU_ASSERT_EQUAL_FATAL(rules->len, 2);
		const sc_lb_rule *r = SC_AT(rules, sc_lb_rule, 0);
		CU_ASSERT_EQUAL(r->kind, SC_RULE_PATH);
		CU_ASSERT_STRING_EQUAL(r->pattern, "/api/*");
		CU_ASSERT_EQUAL(r->target_group, 1);
		CU_ASSERT_STRING_EQUAL(r->text, "path /api/* -> tg-api");
		r = SC_AT(rules, sc_lb_rule, 1);
		CU_ASSERT_EQUAL(r->kind, SC_RULE_HOST);
		CU_ASSERT_STRING_EQUAL(r->pattern, "*.admin.example.com");
		CU_ASSERT_EQUAL(r->target_group, 2);
	}
	/* Each listener owns its copy of the strings. */
	CU_ASSERT_PTR_NOT_EQUAL(SC_AT(listener(albb, 0)->rules, sc_lb_rule, 0)->pattern,
	                        SC_AT(listener(albb, 1)->rules, sc_lb_rule, 0)->pattern);

	/* nlb-b: every NLB key set. */
	const sc_lb *nlb = SC_AT(sc->load_balancers, sc_lb, 2);
	CU_ASSERT_EQUAL(nlb->type, SC_LB_NETWORK);
	CU_ASSERT_TRUE(ips_are(nlb->node_ips, 2, "10.0.10.7", "10.0.11.6"));
	CU_ASSERT_TRUE(ints_are(nlb->sgs, 1, 4));
	CU_ASSERT_TRUE(nlb->cross_zone);
	CU_ASSERT_FALSE(nlb->preserve_client_ip);
	CU_ASSERT_EQUAL(nlb->idle_timeout, 600 * SIM_S);
	CU_ASSERT_EQUAL_FATAL(nlb->listeners->len, 2);
	CU_ASSERT_FALSE(listener(nlb, 0)->http);
	CU_ASSERT_EQUAL(listener(nlb, 0)->proto, SC_PROTO_TCP);
	CU_ASSERT_EQUAL(listener(nlb, 0)->port, 443);
	CU_ASSERT_EQUAL(listener(nlb, 0)->default_tg, 3);
	CU_ASSERT_EQUAL(listener(nlb, 0)->rules->len, 0);
	CU_ASSERT_EQUAL(listener(nlb, 1)->port, 8443);
	CU_ASSERT_EQUAL(listener(nlb, 1)->default_tg, 4);

	/* nlb-plain: the defaults. */
	const sc_lb *plain = SC_AT(sc->load_balancers, sc_lb, 3);
	CU_ASSERT_FALSE(plain->internet_facing);
	CU_ASSERT_FALSE(plain->cross_zone);
	CU_ASSERT_TRUE(plain->preserve_client_ip);
	CU_ASSERT_EQUAL(plain->sgs->len, 0);
	CU_ASSERT_EQUAL(plain->idle_timeout, 350 * SIM_S); /* constant.ini nlb_idle_timeout */
	CU_ASSERT_TRUE(ips_are(plain->node_ips, 1, "10.0.12.5"));

	/* Target groups: VPC from the targets; tg-alb-b's port is alb-b's
	 * first listener's. */
	const sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, 0);
	CU_ASSERT_EQUAL(tg->type, SC_TG_INSTANCE);
	CU_ASSERT_EQUAL(tg->vpc, 0);
	CU_ASSERT_EQUAL(tg->port, 80);
	CU_ASSERT_TRUE(ints_are(tg->targets, 2, 2, 3)); /* web-1, web-2 */
	tg = SC_AT(sc->target_groups, sc_target_group, 1);
	CU_ASSERT_EQUAL(tg->vpc, 1);
	CU_ASSERT_EQUAL(tg->port, 8080);
	CU_ASSERT_TRUE(ints_are(tg->targets, 3, 5, 6, 7)); /* api-* */
	tg = SC_AT(sc->target_groups, sc_target_group, 2);
	CU_ASSERT_TRUE(ints_are(tg->targets, 1, 8));
	CU_ASSERT_EQUAL(tg->port, 9000);
	tg = SC_AT(sc->target_groups, sc_target_group, 3);
	CU_ASSERT_EQUAL(tg->type, SC_TG_ALB);
	CU_ASSERT_EQUAL(tg->vpc, 1);
	CU_ASSERT_EQUAL(tg->port, 80);
	CU_ASSERT_TRUE(ints_are(tg->targets, 1, 1)); /* alb-b */
	CU_ASSERT_TRUE(ints_are(SC_AT(sc->target_groups, sc_target_group, 4)->targets, 2, 5, 6));

	const sc_endpoint_service *es = SC_AT(sc->endpoint_services, sc_endpoint_service, 0);
	CU_ASSERT_STRING_EQUAL(es->name, "svc-b");
	CU_ASSERT_EQUAL(es->lb, 2);
	CU_ASSERT_STRING_EQUAL(es->private_dns, "api.example.internal");
	es = SC_AT(sc->endpoint_services, sc_endpoint_service, 1);
	CU_ASSERT_EQUAL(es->lb, 3);
	CU_ASSERT_PTR_NULL(es->private_dns);

	/* Interface endpoints: vpc-a and vpc-b share 10.0.0.0/16, which
	 * PrivateLink allows.  ENIs take the next free addresses in file order. */
	const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, 0);
	CU_ASSERT_STRING_EQUAL(e->name, "ep-svc");
	CU_ASSERT_EQUAL(e->vpc, 0);
	CU_ASSERT_EQUAL(e->kind, SC_IFE_ENDPOINT_SERVICE);
	CU_ASSERT_EQUAL(e->service, 0);
	CU_ASSERT_TRUE(ints_are(e->subnets, 2, 2, 3));
	CU_ASSERT_TRUE(ips_are(e->ips, 2, "10.0.10.6", "10.0.11.6"));
	CU_ASSERT_TRUE(ints_are(e->sgs, 1, 2));
	CU_ASSERT_TRUE(e->private_dns); /* svc-b has a name */
	e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, 1);
	CU_ASSERT_EQUAL(e->kind, SC_IFE_AWS_SERVICE);
	CU_ASSERT_EQUAL(e->service, 0);
	CU_ASSERT_TRUE(ips_are(e->ips, 1, "10.0.11.7"));
	CU_ASSERT_EQUAL(e->sgs->len, 0);
	CU_ASSERT_FALSE(e->private_dns); /* written */
	e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, 2);
	CU_ASSERT_EQUAL(e->vpc, 1);
	CU_ASSERT_EQUAL(e->service, 1);
	CU_ASSERT_TRUE(ips_are(e->ips, 1, "10.0.12.6"));
	CU_ASSERT_FALSE(e->private_dns); /* svc-plain has no name */

	/* Instances among them, in file order. */
	const char *names[] = { "client-1", "client-2", "web-1", "web-2", "bastion", "api-1",
		                "api-2", "api-3", "admin" };
	const char *ips[] = { "10.0.10.4", "10.0.11.4", "10.0.10.5", "10.0.11.5", "10.0.0.4",
		              "10.0.10.4", "10.0.11.4", "10.0.12.4", "10.0.10.5" };
	for (int i = 0; i < 9; i++) {
		const sc_instance *in = SC_AT(sc->instances, sc_instance, i);
		CU_ASSERT_STRING_EQUAL(in->name, names[i]);
		CU_ASSERT_EQUAL(in->ip, ip(ips[i]));
		CU_ASSERT_EQUAL(in->public_ip, i == 4 ? ip("3.80.0.3") : 0);
	}

	/* Workloads: the default port is the first listener's (the LB's, or
	 * the endpoint service's NLB's); S3 through an endpoint keeps 80. */
	CU_ASSERT_EQUAL_FATAL(sc->workloads->len, 5);
	static const struct {
		sc_wl_target_kind kind;
		int target;
		uint16_t port;
	} wl[] = {
		{ SC_TARGET_IS_LB, 0, 80 },       { SC_TARGET_IS_ENDPOINT, 0, 443 },
		{ SC_TARGET_IS_ENDPOINT, 0, 8443 }, { SC_TARGET_IS_ENDPOINT, 1, 80 },
		{ SC_TARGET_IS_LB, 1, 8080 },
	};
	for (guint i = 0; i < G_N_ELEMENTS(wl); i++) {
		const sc_workload *w = SC_AT(sc->workloads, sc_workload, i);
		CU_ASSERT_EQUAL(w->target_kind, wl[i].kind);
		CU_ASSERT_TRUE(ints_are(w->targets, 1, wl[i].target));
		CU_ASSERT_EQUAL(w->port, wl[i].port);
	}
	scenario_free(sc);
}

/* The base topology is valid, and its defaults are what the header says. */
static void test_base_is_valid(void)
{
	scenario *sc = load_with("");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	const sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, 2);
	CU_ASSERT_EQUAL(tg->type, SC_TG_ALB);
	CU_ASSERT_EQUAL(tg->port, 80);
	CU_ASSERT_EQUAL(tg->vpc, 0);
	const sc_lb *nlb = SC_AT(sc->load_balancers, sc_lb, 1);
	CU_ASSERT_EQUAL(nlb->vpc, 1);
	CU_ASSERT_EQUAL(nlb->sgs->len, 0);
	scenario_free(sc);
}

/* Instances, load balancer nodes and endpoint ENIs share one allocation
 * order: the file's, after explicit addresses. */
static void test_address_competition(void)
{
	const char net[] =
		"[subnet small]\nvpc = a\ncidr = 10.0.9.0/28\naz = use1-az1\n"
		"[subnet small-2]\nvpc = a\ncidr = 10.0.9.16/28\naz = use1-az2\n"
		"[instance i-1]\nsubnet = small\n"
		"[load_balancer n]\ntype = network\nsubnets = small, small-2\n"
		"listeners = tcp 80 -> tg-web\n"
		"[interface_endpoint e]\nvpc = a\nservice = s3\nsubnets = small-2, small\n"
		"[instance i-2]\nsubnet = small\n"
		"[instance i-3]\nsubnet = small-2\nip = 10.0.9.20\n";
	scenario *sc = load_with(net);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	/* small: i-1 .4, n .5, e .6, i-2 .7; small-2 (from .20): i-3's
	 * explicit .20 first, then n .21, e .22. */
	int i1 = scenario_find_instance(sc, "i-1"), i2 = scenario_find_instance(sc, "i-2");
	CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, i1)->ip, ip("10.0.9.4"));
	CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, i2)->ip, ip("10.0.9.7"));
	const sc_lb *n = SC_AT(sc->load_balancers, sc_lb, 2);
	CU_ASSERT_STRING_EQUAL(n->name, "n");
	CU_ASSERT_TRUE(ips_are(n->node_ips, 2, "10.0.9.5", "10.0.9.21"));
	const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, 0);
	CU_ASSERT_TRUE(ips_are(e->ips, 2, "10.0.9.22", "10.0.9.6"));
	CU_ASSERT_TRUE(e->private_dns); /* an AWS service */
	scenario_free(sc);

	/* A /28 holds 11 (.4-.14): nine instances, then the NLB's node takes
	 * the tenth, the endpoint's ENI the eleventh, and the last instance
	 * finds none. */
	expect_with("[subnet small]\nvpc = a\ncidr = 10.0.9.0/28\naz = use1-az1\n"
	            "[instance i-{i}]\ncount = 9\nsubnet = small\n"
	            "[load_balancer n]\ntype = network\nsubnets = small\n"
	            "listeners = tcp 80 -> tg-web\n"
	            "[interface_endpoint e]\nvpc = a\nservice = s3\nsubnets = small\n"
	            "[instance last]\nsubnet = small\n",
	            1, WANT("[instance last]: subnet small (10.0.9.0/28) has no free address left"));
	expect_with("[subnet small]\nvpc = a\ncidr = 10.0.9.0/28\naz = use1-az1\n"
	            "[instance i-{i}]\ncount = 11\nsubnet = small\n"
	            "[load_balancer n]\ntype = network\nsubnets = small\n"
	            "listeners = tcp 80 -> tg-web\n",
	            1, WANT("[load_balancer n]: subnet small (10.0.9.0/28) has no free address "
	                    "left; expected a larger subnet"));

	/* Internet-facing nodes take public addresses in file order too. */
	sc = load_with("[load_balancer pub]\ntype = application\nscheme = internet-facing\n"
	               "subnets = a-pub, a-pub-2\nsecurity_groups = sg-a\n"
	               "listeners = http 80 -> tg-web\n"
	               "[instance x]\nsubnet = a-pub\npublic_ip = true\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	const sc_lb *pub = SC_AT(sc->load_balancers, sc_lb, 2);
	CU_ASSERT_TRUE(ips_are(pub->node_ips, 2, "10.0.0.4", "10.0.3.4"));
	CU_ASSERT_TRUE(ips_are(pub->node_public_ips, 2, "3.80.0.1", "3.80.0.2"));
	int x = scenario_find_instance(sc, "x");
	CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, x)->ip, ip("10.0.0.5"));
	CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, x)->public_ip, ip("3.80.0.3"));
	scenario_free(sc);
}

/* ---- errors ------------------------------------------------------------- */

static void test_lb_errors(void)
{
	EXPECT_WITH("[load_balancer x]\nsubnets = a-app\nlisteners = tcp 80 -> tg-web\n",
	            "[load_balancer x] type: missing; expected application or network");
	EXPECT_WITH("[load_balancer x]\ntype = classic\nsubnets = a-app\n"
	            "listeners = tcp 80 -> tg-web\n",
	            "[load_balancer x] type: 'classic' is not a known choice; expected one of "
	            "application, network");
	EXPECT_WITH("[load_balancer x]\ntype = network\nscheme = public\nsubnets = a-app\n"
	            "listeners = tcp 80 -> tg-web\n",
	            "[load_balancer x] scheme: 'public' is not a known choice; expected one of "
	            "internal, internet-facing");
	EXPECT_WITH("[load_balancer x]\ntype = network\nsubnets = a-app, b-app-2\n"
	            "listeners = tcp 80 -> tg-web\n",
	            "[load_balancer x] subnets: 'b-app-2' is a subnet of b, not of a (the VPC of "
	            "a-app, the first subnet); expected subnets of one VPC");
	EXPECT_WITH("[load_balancer x]\ntype = network\nsubnets = a-app, a-pub\n"
	            "listeners = tcp 80 -> tg-web\n",
	            "[load_balancer x] subnets: 'a-pub' and a-app are both in use1-az1; expected "
	            "one subnet per AZ for the load balancer nodes");
	EXPECT_WITH("[load_balancer x]\ntype = application\nsubnets = a-app\nsecurity_groups = sg-a\n"
	            "listeners = http 80 -> tg-web\n",
	            "[load_balancer x] subnets: 'a-app' covers one AZ (use1-az1); expected subnets "
	            "in two AZs or more, which AWS requires of an application load balancer");
	EXPECT_WITH("[load_balancer x]\ntype = application\nsubnets = a-app, a-app-2\n"
	            "listeners = http 80 -> tg-web\n",
	            "[load_balancer x] security_groups: missing; expected comma-separated "
	            "[security_group] names of the load balancer's VPC (at least one for an "
	            "application load balancer)");
	EXPECT_WITH("[load_balancer x]\ntype = application\nsubnets = a-app, a-app-2\n"
	            "security_groups = sg-a, sg-b\nlisteners = http 80 -> tg-web\n",
	            "[load_balancer x] security_groups: 'sg-b' is a security group of b, not of a; "
	            "expected groups of the load balancer's VPC");
	EXPECT_WITH("[load_balancer x]\ntype = application\nsubnets = a-app, a-app-2\n"
	            "security_groups = \nlisteners = http 80 -> tg-web\n",
	            "[load_balancer x] security_groups: '' names nothing; expected");
	EXPECT_WITH("[load_balancer x]\ntype = application\nsubnets = a-app, a-app-2\n"
	            "security_groups = sg-a\ncross_zone = false\nlisteners = http 80 -> tg-web\n",
	            "[load_balancer x] cross_zone: 'false': ALB cross-zone load balancing is always "
	            "on; expected true, or no cross_zone key, on an application load balancer");
	EXPECT_WITH("[load_balancer x]\ntype = network\nsubnets = a-app\ncross_zone = maybe\n"
	            "listeners = tcp 80 -> tg-web\n",
	            "[load_balancer x] cross_zone: 'maybe' is not a switch; expected true or false");

	/* Idle timeouts: AWS's ranges per type, whole seconds, with a unit. */
	const char alb[] = "[load_balancer x]\ntype = application\nsubnets = a-app, a-app-2\n"
	                   "security_groups = sg-a\nlisteners = http 80 -> tg-web\n";
	const char nlb[] = "[load_balancer x]\ntype = network\nsubnets = a-app\n"
	                   "listeners = tcp 80 -> tg-web\n";
	static const struct {
		gboolean network;
		const char *extra, *want;
	} cases[] = {
		{ FALSE, "idle_timeout = 5000s\n",
		  "[load_balancer x] idle_timeout: '5000s' is out of range for an application load "
		  "balancer; expected 1s to 4000s" },
		{ FALSE, "idle_timeout = 4001s\n", "'4001s' is out of range" },
		{ TRUE, "idle_timeout = 30s\n",
		  "[load_balancer x] idle_timeout: '30s' is out of range for a network load "
		  "balancer; expected 60s to 6000s" },
		{ TRUE, "idle_timeout = 6001s\n", "'6001s' is out of range" },
		{ TRUE, "idle_timeout = 90.5s\n",
		  "[load_balancer x] idle_timeout: '90.5s' is not a whole number of seconds; "
		  "expected a whole number of seconds, 1s to 4000s" },
		{ FALSE, "idle_timeout = 0s\n",
		  "'0s' is out of range for an application load balancer; expected 1s to 4000s" },
		{ FALSE, "idle_timeout = 60\n", "[load_balancer x] idle_timeout: '60' has no unit" },
		{ TRUE, "algorithm = round_robin\n",
		  "[load_balancer x] algorithm: 'round_robin': the key algorithm is for application "
		  "load balancers only; expected no algorithm key on a network load balancer" },
		{ FALSE, "algorithm = random\n",
		  "[load_balancer x] algorithm: 'random' is not a known choice; expected one of "
		  "round_robin, least_outstanding_requests" },
		{ FALSE, "preserve_client_ip = false\n",
		  "[load_balancer x] preserve_client_ip: 'false': the key preserve_client_ip is for "
		  "network load balancers only; expected no preserve_client_ip key on an "
		  "application load balancer" },
		{ TRUE, "preserve_client_ip = 1\n", "'1' is not a switch" },
		{ TRUE, "rules = path /x -> tg-web\n",
		  "[load_balancer x] rules: 'path /x -> tg-web': the key rules is for application "
		  "load balancers only; expected no rules key on a network load balancer" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *t = g_strconcat(cases[i].network ? nlb : alb, cases[i].extra, NULL);
		EXPECT_WITH(t, cases[i].want);
		g_free(t);
	}
	/* The bounds themselves are allowed. */
	valid_with("[load_balancer x]\ntype = network\nsubnets = a-app\nidle_timeout = 6000s\n"
	           "listeners = tcp 80 -> tg-web\n"
	           "[load_balancer y]\ntype = application\nsubnets = a-app, a-app-2\n"
	           "security_groups = sg-a\nidle_timeout = 1s\nlisteners = http 80 -> tg-web\n");

	/* Internet-facing in private subnets: one line per subnet. */
	expect_with("[load_balancer x]\ntype = application\nscheme = internet-facing\n"
	            "subnets = a-app, a-pub-2\nsecurity_groups = sg-a\n"
	            "listeners = http 80 -> tg-web\n",
	            1, WANT("[load_balancer x] subnets: 'a-app' is not a public subnet: its route "
	                    "table a-main has no '0.0.0.0/0 -> INTERNET_GATEWAY' route; expected "
	                    "subnets whose route table sends 0.0.0.0/0 to an internet gateway, as "
	                    "an internet-facing load balancer needs"));
	/* Internal load balancers may sit in public subnets. */
	valid_with("[load_balancer x]\ntype = network\nsubnets = a-pub\n"
	           "listeners = tcp 80 -> tg-web\n");
}

static void test_listener_and_rule_errors(void)
{
	const char alb[] = "[load_balancer x]\ntype = application\nsubnets = a-app, a-app-2\n"
	                   "security_groups = sg-a\n";
	const char nlb[] = "[load_balancer x]\ntype = network\nsubnets = a-app\n";
	static const struct {
		gboolean network;
		const char *extra, *want;
	} cases[] = {
		{ FALSE, "",
		  "[load_balancer x] listeners: missing; expected comma-separated listeners 'PROTO "
		  "PORT -> TARGET_GROUP', http or https for an application load balancer and tcp "
		  "or tls for a network one" },
		{ FALSE, "listeners = ,\n",
		  "[load_balancer x] listeners: ',' names nothing; expected comma-separated "
		  "listeners" },
		{ FALSE, "listeners = http80 -> tg-web\n",
		  "[load_balancer x] listeners: 'http80 -> tg-web' is not a listener; expected "
		  "'PROTO PORT -> TARGET_GROUP' such as 'http 80 -> tg-web'" },
		{ TRUE, "listeners = tcp 80 tg-web\n",
		  "'tcp 80 tg-web' is not a listener; expected 'PROTO PORT -> TARGET_GROUP' such as "
		  "'tcp 443 -> tg-app'" },
		{ FALSE, "listeners = udp 53 -> tg-web\n",
		  "[load_balancer x] listeners: 'udp 53 -> tg-web': protocol 'udp' is not "
		  "known; expected http or https (application load balancers) or tcp or tls (network "
		  "load balancers); UDP listeners are not modelled" },
		{ TRUE, "listeners = https 443 -> tg-web\n",
		  "[load_balancer x] listeners: 'https 443 -> tg-web': a network load balancer takes "
		  "tcp and tls listeners only; expected 'tcp 443 -> tg-web'" },
		{ FALSE, "listeners = tls 443 -> tg-web\n",
		  "[load_balancer x] listeners: 'tls 443 -> tg-web': an application load balancer "
		  "takes http and https listeners only; expected 'http 443 -> tg-web'" },
		{ TRUE, "listeners = http 80 -> tg-web\n",
		  "[load_balancer x] listeners: 'http 80 -> tg-web': a network load balancer takes "
		  "tcp and tls listeners only; expected 'tcp 80 -> tg-web'" },
		{ FALSE, "listeners = tcp 80 -> tg-web\n",
		  "'tcp 80 -> tg-web': an application load balancer takes http and https listeners "
		  "only; expected 'http 80 -> tg-web'" },
		{ FALSE, "listeners = http 0 -> tg-web\n",
		  "[load_balancer x] listeners: 'http 0 -> tg-web': port '0' is not a port; "
		  "expected a whole number from 1 to 65535" },
		{ TRUE, "listeners = tcp 80 -> tg-web, tcp 80 -> tg-web\n",
		  "[load_balancer x] listeners: 'tcp 80 -> tg-web': the load balancer already has "
		  "a listener on port 80; expected one listener per port" },
		{ FALSE, "listeners = http 80 -> tg-nope\n",
		  "[load_balancer x] listeners: 'tg-nope' is not defined; expected the name of a "
		  "[target_group] (defined: tg-web, tg-b, tg-alb)" },
		{ FALSE, "listeners = http 80 -> tg-alb\n",
		  "[load_balancer x] listeners: 'http 80 -> tg-alb': target group tg-alb is of type "
		  "alb, which only a network load balancer's listener can use; expected a target "
		  "group of type instance" },
		{ TRUE, "listeners = tcp 80 -> tg-b\n",
		  "[load_balancer x] listeners: 'tcp 80 -> tg-b': target group tg-b is in b (its "
		  "targets' VPC), not a (the load balancer's); expected a target group of the load "
		  "balancer's VPC" },
		/* Rules. */
		{ FALSE, "listeners = http 80 -> tg-web\nrules = path/api -> tg-web\n",
		  "[load_balancer x] rules: 'path/api -> tg-web' is not a rule; expected 'path "
		  "PATTERN -> TARGET_GROUP' or 'host PATTERN -> TARGET_GROUP' such as 'path /api/* "
		  "-> tg-api'" },
		{ FALSE, "listeners = http 80 -> tg-web\nrules = query a=b -> tg-web\n",
		  "[load_balancer x] rules: 'query a=b -> tg-web': condition 'query' is not known; "
		  "expected path or host (other ALB conditions are not modelled)" },
		{ FALSE, "listeners = http 80 -> tg-web\nrules = path api/* -> tg-web\n",
		  "[load_balancer x] rules: 'path api/* -> tg-web': path pattern 'api/*' does not "
		  "start with '/'; expected a pattern such as /api/*" },
		{ FALSE, "listeners = http 80 -> tg-web\nrules = host exa_mple.com -> tg-web\n",
		  "[load_balancer x] rules: 'host exa_mple.com -> tg-web': host pattern "
		  "'exa_mple.com' is not a host name pattern; expected letters, digits, '-', '.' "
		  "and the wildcards * and ?, such as *.example.com" },
		{ FALSE, "listeners = http 80 -> tg-web\nrules = path /x -> tg-b\n",
		  "[load_balancer x] rules: 'path /x -> tg-b': target group tg-b is in b (its "
		  "targets' VPC), not a (the load balancer's)" },
		{ FALSE, "listeners = http 80 -> tg-web\nrules = host a.example.com -> tg-alb\n",
		  "[load_balancer x] rules: 'host a.example.com -> tg-alb': target group tg-alb is "
		  "of type alb" },
		{ FALSE, "listeners = http 80 -> tg-web\nrules = path /x -> nope\n",
		  "[load_balancer x] rules: 'nope' is not defined; expected the name of a "
		  "[target_group]" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *t = g_strconcat(cases[i].network ? nlb : alb, cases[i].extra, NULL);
		EXPECT_WITH(t, cases[i].want);
		g_free(t);
	}
	/* 128 characters is AWS's limit for a pattern. */
	GString *t = g_string_new(alb);
	g_string_append(t, "listeners = http 80 -> tg-web\nrules = path /");
	for (int i = 0; i < 127; i++)
		g_string_append_c(t, 'a');
	char *ok = g_strconcat(t->str, " -> tg-web\n", NULL);
	valid_with(ok);
	g_free(ok);
	g_string_append(t, "a -> tg-web\n");
	EXPECT_WITH(t->str, "[load_balancer x] rules: 'path /aaaa", "-> tg-web': the pattern is "
	                    "longer than 128 characters; expected at most 128, as AWS allows");
	g_string_free(t, TRUE);
}

static void test_target_group_errors(void)
{
	EXPECT_WITH("[target_group t]\ntargets = web-1\n",
	            "[target_group t] port: missing; expected the port the targets listen on, a "
	            "whole number from 1 to 65535 (a target group of type instance needs one)");
	EXPECT_WITH("[target_group t]\nport = 70000\ntargets = web-1\n",
	            "[target_group t] port: '70000' is not a port; expected a whole number from 1 "
	            "to 65535");
	EXPECT_WITH("[target_group t]\ntype = ip\nport = 80\ntargets = web-1\n",
	            "[target_group t] type: 'ip' is not a known choice; expected one of instance, "
	            "alb");
	EXPECT_WITH("[target_group t]\nport = 80\ntargets = web-1, b-1\n",
	            "[target_group t] targets: 'b-1' is in b, not a (the VPC of web-1, the first "
	            "target); expected targets in one VPC");
	EXPECT_WITH("[target_group t]\nport = 80\ntargets = api-*\n",
	            "[target_group t] targets: 'api-*' matches no [instance]");
	EXPECT_WITH("[target_group t]\nport = 80\n",
	            "[target_group t] targets: missing; expected instance names or globs of one VPC "
	            "(type instance), or one application [load_balancer] (type alb)");
	EXPECT_WITH("[target_group t]\ntype = alb\ntargets = nlb-b\n",
	            "[target_group t] targets: 'nlb-b' is a network load balancer; expected an "
	            "application one (a target group of type alb forwards to an ALB)");
	EXPECT_WITH("[target_group t]\ntype = alb\ntargets = alb, alb2\n",
	            "[target_group t] targets: 'alb, alb2' is not one name; expected exactly one "
	            "application [load_balancer] (AWS allows one ALB per target group of type alb)");
	EXPECT_WITH("[target_group t]\ntype = alb\ntargets = web-1\n",
	            "[target_group t] targets: 'web-1' is an [instance], not a [load_balancer]");
	EXPECT_WITH("[target_group t]\ntype = alb\ntargets = nope\n",
	            "[target_group t] targets: 'nope' is not defined; expected the name of a "
	            "[load_balancer] (defined: alb, nlb-b)");
	EXPECT_WITH("[target_group t]\ntype = alb\nport = 8080\ntargets = alb\n",
	            "[target_group t] port: '8080' is not a listener port of alb; expected one of "
	            "its listener ports (80)");
	/* An NLB may forward to an ALB of its own VPC only. */
	EXPECT_WITH("[load_balancer nlb-x]\ntype = network\nsubnets = b-app\n"
	            "listeners = tcp 80 -> tg-alb\n",
	            "[load_balancer nlb-x] listeners: 'tcp 80 -> tg-alb': target group tg-alb is in "
	            "a (its targets' VPC), not b (the load balancer's)");
	valid_with("[target_group t]\ntype = alb\nport = 80\ntargets = alb\n"
	           "[load_balancer nlb-x]\ntype = network\nsubnets = a-app\n"
	           "listeners = tcp 80 -> t, tcp 81 -> tg-alb\n");
	/* TLS: a target group's protocol; https only behind an ALB, tls only
	 * behind an NLB's tls listener (AWS: a TCP listener's target groups
	 * are TCP or TCP_UDP). */
	EXPECT_WITH("[target_group t]\nprotocol = tls\nport = 80\ntargets = web-1\n"
	            "[load_balancer nlb-x]\ntype = network\nsubnets = a-app\nlisteners = tcp 80 -> t\n",
	            "[load_balancer nlb-x] listeners: 'tcp 80 -> t': target group t has protocol tls, "
	            "which a tcp listener cannot use (AWS: a TCP listener's target groups are TCP or "
	            "TCP_UDP); expected a tls listener, or a target group of protocol tcp");
	valid_with("[target_group t]\nprotocol = tls\nport = 443\ntargets = web-1\n"
	           "[load_balancer nlb-x]\ntype = network\nsubnets = a-app\nlisteners = tls 443 -> t\n");
	EXPECT_WITH("[target_group t]\nprotocol = ftp\nport = 80\ntargets = web-1\n",
	            "[target_group t] protocol: 'ftp' is not a known choice; expected one of http, "
	            "https, tcp, tls");
	EXPECT_WITH("[target_group t]\nprotocol = https\nport = 80\ntargets = web-1\n"
	            "[load_balancer nlb-x]\ntype = network\nsubnets = a-app\nlisteners = tcp 80 -> t\n",
	            "[load_balancer nlb-x] listeners: 'tcp 80 -> t': target group t has protocol https, "
	            "which only an application load balancer speaks to targets; expected a target "
	            "group of protocol tcp or tls");
	EXPECT_WITH("[load_balancer nlb-x]\ntype = network\nsubnets = a-app\nlisteners = tcp 80 -> t\n"
	            "certificate_size = 1MB\n[target_group t]\nport = 80\ntargets = web-1\n",
	            "[load_balancer nlb-x] certificate_size: '1MB' is out of range; expected a whole "
	            "number of bytes from 64B to 64KiB");
	EXPECT_WITH("[load_balancer nlb-x]\ntype = network\nsubnets = a-app\nlisteners = tcp 80 -> t\n"
	            "certificate_size = big\n[target_group t]\nport = 80\ntargets = web-1\n",
	            "[load_balancer nlb-x] certificate_size: ");
	valid_with("[target_group t]\nprotocol = https\nport = 443\ntargets = web-1\n"
	           "[load_balancer alb-x]\ntype = application\nsubnets = a-app, a-app-2\n"
	           "security_groups = sg-a\nlisteners = https 443 -> t\ncertificate_size = 4KB\n"
	           "ssl_policy = ELBSecurityPolicy-TLS13-1-3-2021-06\n");
}

static void test_privatelink_errors(void)
{
	EXPECT_WITH("[endpoint_service s]\nload_balancer = alb\n",
	            "[endpoint_service s] load_balancer: 'alb' is an application load balancer; "
	            "expected a network one (an endpoint service fronts an NLB; to reach an ALB, "
	            "give the NLB a target group of type alb)");
	EXPECT_WITH("[endpoint_service s]\nload_balancer = tg-b\n",
	            "[endpoint_service s] load_balancer: 'tg-b' is a [target_group], not a "
	            "[load_balancer]");
	EXPECT_WITH("[endpoint_service s]\nload_balancer = nlb-b\nprivate_dns_name = bad_name.com\n",
	            "[endpoint_service s] private_dns_name: 'bad_name.com' is not a DNS name; "
	            "expected a DNS name such as api.example.internal");
	EXPECT_WITH("[endpoint_service s]\nload_balancer = nlb-b\nprivate_dns_name = internal\n",
	            "'internal' is not a DNS name");
	EXPECT_WITH("[endpoint_service s]\nload_balancer = nlb-b\nprivate_dns_name = -a.example\n",
	            "'-a.example' is not a DNS name");
	EXPECT_WITH("[endpoint_service s]\nload_balancer = nlb-b\nprivate_dns_name = a..example\n",
	            "'a..example' is not a DNS name");

	EXPECT_WITH("[interface_endpoint e]\nvpc = a\nservice = nope\nsubnets = a-app\n",
	            "[interface_endpoint e] service: 'nope' is not defined; expected the name of an "
	            "[endpoint_service], or of a [service] (s3 or dynamodb) (endpoint services: "
	            "defined: svc-b; services: defined: s3)");
	EXPECT_WITH("[interface_endpoint e]\nvpc = a\nservice = nlb-b\nsubnets = a-app\n",
	            "[interface_endpoint e] service: 'nlb-b' is a [load_balancer]; expected the name "
	            "of an [endpoint_service], or of a [service]");
	EXPECT_WITH("[interface_endpoint e]\nvpc = a\nservice = s3\n",
	            "[interface_endpoint e] subnets: missing; expected comma-separated [subnet] "
	            "names of the endpoint's VPC, one per AZ");
	EXPECT_WITH("[interface_endpoint e]\nvpc = a\nservice = s3\nsubnets = a-app, b-app-2\n",
	            "[interface_endpoint e] subnets: 'b-app-2' is a subnet of b, not of a; expected "
	            "subnets of the endpoint's VPC");
	EXPECT_WITH("[interface_endpoint e]\nvpc = a\nservice = s3\nsubnets = a-app, a-pub\n",
	            "[interface_endpoint e] subnets: 'a-pub' and a-app are both in use1-az1; "
	            "expected one subnet per AZ for the endpoint ENIs");
	EXPECT_WITH("[interface_endpoint e]\nvpc = a\nservice = s3\nsubnets = a-app\n"
	            "security_groups = sg-b\n",
	            "[interface_endpoint e] security_groups: 'sg-b' is a security group of b, not "
	            "of a; expected groups of the endpoint's VPC");
	/* nlb-b has nodes in az1 and az2 only. */
	EXPECT_WITH("[interface_endpoint e]\nvpc = a\nservice = svc-b\n"
	            "subnets = a-app, a-app-3\n",
	            "[interface_endpoint e] subnets: 'a-app-3': the endpoint service is not "
	            "available in use1-az3 (its load balancer has nodes in use1-az1, use1-az2); "
	            "expected subnets in AZs where svc-b's load balancer nlb-b has a node");
	/* S3 is in every AZ. */
	valid_with("[interface_endpoint e]\nvpc = a\nservice = s3\nsubnets = a-app-3\n");
	EXPECT_WITH("[interface_endpoint e]\nvpc = a\nservice = svc-b\nsubnets = a-app\n"
	            "private_dns = true\n",
	            "[interface_endpoint e] private_dns: 'true': endpoint service svc-b has no "
	            "private_dns_name; expected false, or a private_dns_name in [endpoint_service "
	            "svc-b]");
	EXPECT_WITH("[interface_endpoint e]\nvpc = a\nservice = s3\nsubnets = a-app\n"
	            "private_dns = no\n",
	            "[interface_endpoint e] private_dns: 'no' is not a switch");
	/* Two endpoints for one service in one VPC: private DNS on one only. */
	const char two[] = "[interface_endpoint e1]\nvpc = a\nservice = s3\nsubnets = a-app\n"
	                   "[interface_endpoint e2]\nvpc = a\nservice = s3\nsubnets = a-app-2\n";
	EXPECT_WITH(two, "[interface_endpoint e2] private_dns: 'true': e1 already gives s3 private "
	                 "DNS in a; expected private_dns = false on all but one endpoint of a "
	                 "service in a VPC (their names would conflict)");
	char *t = g_strconcat(two, "private_dns = false\n", NULL);
	scenario *sc = load_with(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_TRUE(SC_AT(sc->interface_endpoints, sc_interface_endpoint, 0)->private_dns);
	CU_ASSERT_FALSE(SC_AT(sc->interface_endpoints, sc_interface_endpoint, 1)->private_dns);
	scenario_free(sc);
	g_free(t);
	/* In another VPC, each has its own. */
	valid_with("[interface_endpoint e1]\nvpc = a\nservice = s3\nsubnets = a-app\n"
	           "[interface_endpoint e2]\nvpc = b\nservice = s3\nsubnets = b-app\n");
}

static void test_workload_target_errors(void)
{
	const char ep[] = "[interface_endpoint e]\nvpc = a\nservice = svc-b\nsubnets = a-app\n";
	EXPECT_WITH("[workload w]\nclients = web-1\ntarget = alb\nport = 8080\nrate = 1/s\n",
	            "[workload w] port: '8080' is not a listener port of load balancer alb; "
	            "expected one of 80");
	char *t = g_strconcat(ep, "[workload w]\nclients = web-1\ntarget = e\nport = 80\n"
	                          "rate = 1/s\n", NULL);
	EXPECT_WITH(t, "[workload w] port: '80' is not a listener port of nlb-b, the load balancer "
	               "of endpoint service svc-b; expected one of 443");
	g_free(t);
	EXPECT_WITH("[workload w]\nkind = udp\nclients = web-1\ntarget = alb\nrate = 1/s\n",
	            "[workload w] target: 'alb' is a load balancer, whose listeners are http or tcp "
	            "only; expected instances as the target of a udp workload");
	t = g_strconcat(ep, "[workload w]\nkind = udp\nclients = web-1\ntarget = e\nrate = 1/s\n",
	                NULL);
	EXPECT_WITH(t, "[workload w] target: 'e' is an interface endpoint, which carries TCP only; "
	               "expected instances as the target of a udp workload");
	g_free(t);
	EXPECT_WITH("[workload w]\nclients = web-1\ntarget = svc-b\nrate = 1/s\n",
	            "[workload w] target: 'svc-b' is an [endpoint_service], not an [instance]; "
	            "expected instance names or globs (served round robin), or one [service], "
	            "[load_balancer], [interface_endpoint], [lattice_service] or [resource_endpoint]");
	/* Names a workload's target may use are unique across the kinds. */
	EXPECT_WITH("[instance alb]\nsubnet = a-app\n",
	            "[instance alb]: the name 'alb' is also used by [load_balancer alb]; expected "
	            "names unique across instances, services, load balancers, interface "
	            "endpoints, Lattice services and resource endpoints, because a workload's target "
	            "names one without "
	            "saying its kind");
	EXPECT_WITH("[interface_endpoint s3]\nvpc = a\nservice = svc-b\nsubnets = a-app\n",
	            "[interface_endpoint s3]: the name 's3' is also used by [service s3]");
	EXPECT_WITH("[endpoint_service s3]\nload_balancer = nlb-b\n",
	            "[endpoint_service s3]: the name 's3' is also used by [service s3]; expected "
	            "names unique across endpoint services and services, because an interface "
	            "endpoint's service names one without saying its kind");
	/* The defaults: the LB's first listener; through an endpoint, its
	 * service's NLB's. */
	t = g_strconcat(ep, "[workload w1]\nclients = web-1\ntarget = alb\nrate = 1/s\n"
	                    "[workload w2]\nclients = web-1\ntarget = e\nrate = 1/s\n"
	                    "[workload w3]\nclients = web-1\ntarget = nlb-b\nport = 443\n"
	                    "rate = 1/s\n", NULL);
	scenario *sc = load_with(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(SC_AT(sc->workloads, sc_workload, 0)->port, 80);
	CU_ASSERT_EQUAL(SC_AT(sc->workloads, sc_workload, 1)->port, 443);
	CU_ASSERT_EQUAL(SC_AT(sc->workloads, sc_workload, 2)->target_kind, SC_TARGET_IS_LB);
	CU_ASSERT_TRUE(ints_are(SC_AT(sc->workloads, sc_workload, 2)->targets, 1, 1));
	scenario_free(sc);
	g_free(t);
}

/* Overlapping CIDRs: a Transit Gateway route table cannot take both; an
 * interface endpoint (PrivateLink) does not care. */
static void test_overlap(void)
{
	const char vpcs[] = "[vpc c]\ncidr = 10.0.0.0/16\n"
	                    "[subnet c-app]\nvpc = c\ncidr = 10.0.1.0/24\naz = use1-az1\n"
	                    "[tgw_attachment att-a]\ntransit_gateway = tgw\nvpc = a\n"
	                    "subnets = a-app\nroute_table = tgw-rt\npropagate_to = tgw-rt\n";
	char *t = g_strconcat(vpcs, "[tgw_attachment att-c]\ntransit_gateway = tgw\nvpc = c\n"
	                            "subnets = c-app\nroute_table = tgw-rt\n"
	                            "propagate_to = tgw-rt\n", NULL);
	EXPECT_WITH(t, "[tgw_attachment att-c] propagate_to: 'tgw-rt': Transit Gateway cannot "
	               "route between overlapping CIDRs: a 10.0.0.0/16 and c 10.0.0.0/16 both "
	               "propagate into tgw-rt; expected VPCs whose CIDRs do not overlap in one TGW "
	               "route table (an interface endpoint, PrivateLink, connects overlapping VPCs)");
	g_free(t);
	/* A partial overlap too. */
	EXPECT_WITH("[vpc c]\ncidr = 10.0.128.0/17\n"
	            "[subnet c-app]\nvpc = c\ncidr = 10.0.128.0/24\naz = use1-az1\n"
	            "[tgw_attachment att-c]\ntransit_gateway = tgw\nvpc = c\nsubnets = c-app\n"
	            "route_table = tgw-rt\npropagate_to = tgw-rt\n"
	            "[tgw_attachment att-a]\ntransit_gateway = tgw\nvpc = a\nsubnets = a-app\n"
	            "route_table = tgw-rt\npropagate_to = tgw-rt\n",
	            "[tgw_attachment att-a] propagate_to: 'tgw-rt': Transit Gateway cannot route "
	            "between overlapping CIDRs: c 10.0.128.0/17 and a 10.0.0.0/16 both propagate "
	            "into tgw-rt");
	/* Overlapping VPCs on one TGW propagating into different tables, or
	 * only one of them propagating: allowed. */
	t = g_strconcat(vpcs, "[tgw_route_table tgw-rt-2]\ntransit_gateway = tgw\n"
	                      "[tgw_attachment att-c]\ntransit_gateway = tgw\nvpc = c\n"
	                      "subnets = c-app\nroute_table = tgw-rt-2\n"
	                      "propagate_to = tgw-rt-2\n", NULL);
	valid_with(t);
	g_free(t);
	t = g_strconcat(vpcs, "[tgw_attachment att-c]\ntransit_gateway = tgw\nvpc = c\n"
	                      "subnets = c-app\nroute_table = tgw-rt\n", NULL);
	valid_with(t);
	g_free(t);
	/* Non-overlapping VPCs into one table: allowed. */
	valid_with("[tgw_attachment att-a]\ntransit_gateway = tgw\nvpc = a\nsubnets = a-app\n"
	           "route_table = tgw-rt\npropagate_to = tgw-rt\n"
	           "[tgw_attachment att-b]\ntransit_gateway = tgw\nvpc = b\nsubnets = b-app\n"
	           "route_table = tgw-rt\npropagate_to = tgw-rt\n");

	/* PrivateLink between identical CIDRs: an NLB in c (10.0.0.0/16, like
	 * a) behind an endpoint service, an endpoint to it in a. */
	scenario *sc = load_with("[vpc c]\ncidr = 10.0.0.0/16\n"
	                         "[subnet c-app]\nvpc = c\ncidr = 10.0.1.0/24\naz = use1-az1\n"
	                         "[instance c-1]\nsubnet = c-app\n"
	                         "[target_group tg-c]\nport = 80\ntargets = c-1\n"
	                         "[load_balancer nlb-c]\ntype = network\nsubnets = c-app\n"
	                         "listeners = tcp 80 -> tg-c\n"
	                         "[endpoint_service svc-c]\nload_balancer = nlb-c\n"
	                         "[interface_endpoint e]\nvpc = a\nservice = svc-c\n"
	                         "subnets = a-app\n"
	                         "[workload w]\nclients = web-1\ntarget = e\nrate = 1/s\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	/* c-1 and nlb-c's node take .4 and .5 of c's 10.0.1.0/24; the endpoint
	 * ENI the next free address of a's 10.0.1.0/24 (web-1 has .4, alb .5). */
	CU_ASSERT_EQUAL(SC_AT(sc->instances, sc_instance, 3)->ip, ip("10.0.1.4"));
	CU_ASSERT_TRUE(ips_are(SC_AT(sc->load_balancers, sc_lb, 2)->node_ips, 1, "10.0.1.5"));
	CU_ASSERT_TRUE(ips_are(SC_AT(sc->interface_endpoints, sc_interface_endpoint, 0)->ips, 1,
	                       "10.0.1.6"));
	CU_ASSERT_EQUAL(SC_AT(sc->workloads, sc_workload, 0)->port, 80);
	scenario_free(sc);
}

/* ---- vpcsim validate ----------------------------------------------------- */

static void test_validate_counts(void)
{
	char *good = harness_source_path("tests/scenarios/lb-privatelink.ini");
	const char *b = g_getenv("VPCSIM_BIN");
	const char *argv[] = { b ? b : "vpcsim", "validate", good, NULL };
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(harness_run(argv, &out, &err), 0);
	char *line = g_strconcat(good, ": ok (2 VPCs, 7 subnets, 9 instances, 4 load balancers, "
	                         "5 target groups, 2 endpoint services, 3 interface endpoints, "
	                         "5 workloads)\n", NULL);
	CU_ASSERT_TRUE(g_str_has_prefix(out, line)); /* then the resource estimate */
	CU_ASSERT_STRING_EQUAL(err, "");
	g_free(line);
	g_free(out);
	g_free(err);
	g_free(good);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("scenario loader: load balancers and PrivateLink");
	CU_add_test(s, "lb-privatelink.ini resolved by hand", test_lb_privatelink_file);
	CU_add_test(s, "the error tests' base topology is valid", test_base_is_valid);
	CU_add_test(s, "instances, LB nodes and endpoint ENIs share addresses",
	            test_address_competition);
	CU_add_test(s, "load balancer errors", test_lb_errors);
	CU_add_test(s, "listener and rule errors", test_listener_and_rule_errors);
	CU_add_test(s, "target group errors", test_target_group_errors);
	CU_add_test(s, "endpoint service and interface endpoint errors", test_privatelink_errors);
	CU_add_test(s, "workload targets: load balancers and endpoints",
	            test_workload_target_errors);
	CU_add_test(s, "overlapping CIDRs: TGW refused, PrivateLink allowed", test_overlap);
	CU_add_test(s, "vpcsim validate counts", test_validate_counts);
}
