/* \summary: VPC endpoint policies: parsing, IAM's evaluation, S3 requests answered 403 through an endpoint, trace */
/* pcap.h (scenario_run.h) needs the BSD u_int types that strict POSIX hides. */
#define _DEFAULT_SOURCE
#include <pcap/pcap.h>

#include "harness.h"
#include "policy.h"
#include "scenario_run.h"
#include "scenario_text.h"

static policy *parse_ok(const char *text)
{
	GString *why = g_string_new(NULL);
	policy *p = policy_parse(text, why);
	if (!p)
		fprintf(stderr, "\n%s\n", why->str);
	g_string_free(why, TRUE);
	return p;
}

static void expect_parse_error(const char *text, const char *want)
{
	GString *why = g_string_new(NULL);
	CU_ASSERT_PTR_NULL(policy_parse(text, why));
	if (!strstr(why->str, want))
		fprintf(stderr, "\nwanted '%s' in '%s'\n", want, why->str);
	CU_ASSERT_PTR_NOT_NULL(strstr(why->str, want));
	g_string_free(why, TRUE);
}

/* IAM's order: a matching deny wins wherever it is written, else a
 * matching allow, else an implicit deny; actions match without regard to
 * case, resources with; no policy is the default, full access. */
static void test_evaluate(void)
{
	policy *p = parse_ok("allow s3:GetObject,s3:ListBucket arn:aws:s3:::b,arn:aws:s3:::b/*;"
	                     " deny s3:* arn:aws:s3:::b/private/*");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	policy_decision d = policy_evaluate(p, "s3:GetObject", "arn:aws:s3:::b/x.bin");
	CU_ASSERT_TRUE(d.allowed);
	CU_ASSERT_EQUAL(d.statement, 1);
	d = policy_evaluate(p, "S3:getobject", "arn:aws:s3:::b/x.bin");
	CU_ASSERT_TRUE(d.allowed);
	d = policy_evaluate(p, "s3:GetObject", "arn:aws:s3:::B/x.bin");
	CU_ASSERT_FALSE(d.allowed);
	CU_ASSERT_EQUAL(d.statement, 0);
	d = policy_evaluate(p, "s3:GetObject", "arn:aws:s3:::b/private/k");
	CU_ASSERT_FALSE(d.allowed);
	CU_ASSERT_EQUAL(d.statement, 2);
	CU_ASSERT_STRING_EQUAL(d.text, "deny s3:* arn:aws:s3:::b/private/*");
	d = policy_evaluate(p, "s3:PutObject", "arn:aws:s3:::b/x.bin");
	CU_ASSERT_FALSE(d.allowed);
	CU_ASSERT_EQUAL(d.statement, 0);
	d = policy_evaluate(p, "s3:ListBucket", "arn:aws:s3:::b");
	CU_ASSERT_TRUE(d.allowed);
	policy_free(p);
	d = policy_evaluate(NULL, "s3:DeleteBucket", "arn:aws:s3:::anything");
	CU_ASSERT_TRUE(d.allowed);
	CU_ASSERT_EQUAL(d.statement, 0);
	p = parse_ok("allow s3:Get? *; allow * arn:aws:s3:::w/*");
	CU_ASSERT_FALSE(policy_evaluate(p, "s3:GetObject", "arn:aws:s3:::z/k").allowed);
	CU_ASSERT_TRUE(policy_evaluate(p, "s3:PutObject", "arn:aws:s3:::w/k").allowed);
	policy_free(p);
}

static void test_parse_errors(void)
{
	expect_parse_error("allow s3:GetObject", "has 2 words; expected an effect, actions and resources");
	expect_parse_error("permit s3:GetObject *", "starts with 'permit'; expected allow or deny");
	expect_parse_error("allow GetObject *", "action 'getobject' is not '*' or service:Action");
	expect_parse_error("allow s3:GetObject my-bucket", "resource 'my-bucket' is not '*' or an ARN");
	expect_parse_error("allow s3:GetObject,,s3:PutObject *", "has an empty item in a list");
	expect_parse_error(" ; ", "has no statement");
}

/* Path-style S3 URLs to the action and resource IAM sees. */
static void test_s3_requests(void)
{
	static const struct {
		const char *method, *path, *action, *resource;
	} cases[] = {
		{ "GET", "/b/k/x.bin", "s3:GetObject", "arn:aws:s3:::b/k/x.bin" },
		{ "HEAD", "/b/k", "s3:GetObject", "arn:aws:s3:::b/k" },
		{ "GET", "/b", "s3:ListBucket", "arn:aws:s3:::b" },
		{ "GET", "/b/?list-type=2", "s3:ListBucket", "arn:aws:s3:::b" },
		{ "PUT", "/b/k?x=1", "s3:PutObject", "arn:aws:s3:::b/k" },
		{ "PUT", "/b", "s3:CreateBucket", "arn:aws:s3:::b" },
		{ "DELETE", "/b/k", "s3:DeleteObject", "arn:aws:s3:::b/k" },
		{ "DELETE", "/b/", "s3:DeleteBucket", "arn:aws:s3:::b" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *a = NULL, *r = NULL;
		CU_ASSERT_TRUE_FATAL(policy_s3_request(cases[i].method, cases[i].path, &a, &r));
		CU_ASSERT_STRING_EQUAL(a, cases[i].action);
		CU_ASSERT_STRING_EQUAL(r, cases[i].resource);
		g_free(a);
		g_free(r);
	}
	char *a = NULL, *r = NULL;
	CU_ASSERT_FALSE(policy_s3_request("GET", "/", &a, &r));
	CU_ASSERT_FALSE(policy_s3_request("PATCH", "/b/k", &a, &r));
	CU_ASSERT_PTR_NULL(a);
}

/* Through the gateway endpoint: the allowed bucket is served, the other
 * answered 403 every time; without the policy, both are served; through
 * an interface endpoint the same policy decides the same way. */
static void test_runs(void)
{
	run rn;
	CU_ASSERT_FATAL(run_scenario(&rn, "tests/scenarios/s3-policy.ini", NULL, FALSE));
	const report_workload *ok = workload(rn.r, "s3-get"), *no = workload(rn.r, "other-bucket");
	CU_ASSERT(ok->completed > 20 && ok->non_2xx == 0);
	CU_ASSERT(no->completed > 10 && no->non_2xx == no->completed);
	run_free(&rn);

	const char *open[] = { "gateway_endpoint:vpce-s3.policy=allow * *", NULL };
	CU_ASSERT_FATAL(run_scenario(&rn, "tests/scenarios/s3-policy.ini", open, FALSE));
	no = workload(rn.r, "other-bucket");
	CU_ASSERT(no->completed > 10 && no->non_2xx == 0);
	run_free(&rn);

	/* The private prefix: denied by statement 2 even though 1 allows. */
	const char *priv[] = { "workload:s3-get.path=/my-bucket/private/x", NULL };
	CU_ASSERT_FATAL(run_scenario(&rn, "tests/scenarios/s3-policy.ini", priv, FALSE));
	ok = workload(rn.r, "s3-get");
	CU_ASSERT(ok->completed > 20 && ok->non_2xx == ok->completed);
	run_free(&rn);

	/* An interface endpoint to S3: its policy decides the same way. */
	const char *ife[] = { "interface_endpoint:vpce-s3.policy=allow s3:GetObject arn:aws:s3:::their-bucket/*",
	                      "scenario.duration=2s", NULL };
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/s3-interface-endpoint.ini", ife, FALSE));
	ok = workload(rn.r, "s3-get");
	CU_ASSERT(ok->completed > 5 && ok->non_2xx == ok->completed);
	run_free(&rn);
	CU_ASSERT_FATAL(run_scenario(&rn, "scenarios/s3-interface-endpoint.ini", ife + 1, FALSE));
	ok = workload(rn.r, "s3-get");
	CU_ASSERT(ok->completed > 5 && ok->non_2xx == 0);
	run_free(&rn);
}

static void test_trace(void)
{
	char *out = NULL;
	const char *denied[] = { "trace", "tests/scenarios/s3-policy.ini", "--from", "client-2", "--to", "s3",
	                         NULL };
	CU_ASSERT_EQUAL(harness_vpcsim(&out, NULL, denied), 0);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "s3 decides: endpoint policy of vpce-s3: no statement allows "
	                                           "s3:GetObject on arn:aws:s3:::other-bucket/data.bin "
	                                           "(implicit deny)"));
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, ", answered with a status outside 2xx\n"));
	g_free(out);
	const char *allowed[] = { "trace", "tests/scenarios/s3-policy.ini", "--from", "client-1", "--to", "s3",
	                          NULL };
	CU_ASSERT_EQUAL(harness_vpcsim(&out, NULL, allowed), 0);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "endpoint policy of vpce-s3: statement 1 'allow "
	                                           "s3:GetObject,s3:ListBucket arn:aws:s3:::my-bucket,"
	                                           "arn:aws:s3:::my-bucket/*' allows s3:GetObject on "
	                                           "arn:aws:s3:::my-bucket/objects/data.bin"));
	g_free(out);
	const char *deflt[] = { "trace", "scenarios/s3-gateway-endpoint.ini", "--from", "client-1", "--to", "s3",
	                        NULL };
	CU_ASSERT_EQUAL(harness_vpcsim(&out, NULL, deflt), 0);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "endpoint policy of vpce-s3: the default policy (full "
	                                           "access) allows s3:GetObject"));
	g_free(out);
}

static void test_load_errors(void)
{
	static const char base[] =
		"[vpc v]\ncidr = 10.0.0.0/16\n"
		"[route_table rt]\nvpc = v\n"
		"[subnet s1]\nvpc = v\ncidr = 10.0.1.0/24\naz = use1-az1\nroute_table = rt\n"
		"[service s3]\nkind = s3\nprefixes = 52.216.0.0/15\nip = 52.216.8.10\nlatency = 1ms\n"
		"[service ddb]\nkind = dynamodb\nprefixes = 3.218.180.0/22\nip = 3.218.180.10\nlatency = 1ms\n"
		"[gateway_endpoint g]\nvpc = v\nservice = s3\nroute_tables = rt\n"
		"policy = allow s3:GetObject my-bucket\n"
		"[gateway_endpoint d]\nvpc = v\nservice = ddb\nroute_tables = rt\npolicy = allow * *\n";
	const char *want[] = {
		"[gateway_endpoint g] policy: statement 'allow s3:GetObject my-bucket': resource 'my-bucket' is not "
		"'*' or an ARN",
		"[gateway_endpoint d] policy: 'allow * *': policies are modelled for s3 only, not dynamodb",
		NULL,
	};
	st_expect_errors(base, NULL, 2, want);

	/* An endpoint service's endpoint allows everything, as AWS says. */
	GError *err = NULL;
	const char *sets[] = { "interface_endpoint:vpce-alb.policy=deny * *", NULL };
	CU_ASSERT_PTR_NULL(st_load_rel("scenarios/alb-privatelink.ini", sets, &err));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "[interface_endpoint vpce-alb] policy: 'deny * *': an "
	                                                   "endpoint of an endpoint service always allows full "
	                                                   "access"));
	g_clear_error(&err);
}

void register_tests(void)
{
	CU_pSuite s = CU_add_suite("policy", NULL, NULL);
	CU_add_test(s, "deny wins, then allow, else implicit deny", test_evaluate);
	CU_add_test(s, "parse errors", test_parse_errors);
	CU_add_test(s, "S3 requests as IAM actions and resources", test_s3_requests);
	CU_add_test(s, "runs: 403 where the policy denies", test_runs);
	CU_add_test(s, "trace: the statement that decided", test_trace);
	CU_add_test(s, "load errors", test_load_errors);
}
