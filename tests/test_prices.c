/* \summary: price table tests: the shipped table, every validation error, tier arithmetic */
#include "harness.h"
#include "error.h"
#include "prices.h"

#include <math.h>
#include <string.h>

#define SHIPPED "scenarios/prices/us-east-1.ini"

static prices *load_shipped(void)
{
	char *path = harness_source_path(SHIPPED);
	GError *err = NULL;
	prices *p = prices_load(path, &err);
	if (!p)
		fprintf(stderr, "\n%s\n", err->message);
	g_clear_error(&err);
	g_free(path);
	return p;
}

/*
 * A copy of `text` where, inside [group], the line whose key is `key` is
 * replaced by `repl` (which may hold several lines), or deleted when `repl`
 * is NULL.  Returns NULL if there is no such line, so a test whose edit did
 * not apply fails instead of passing on the unmodified file.
 */
static char *edit_key(const char *text, const char *group, const char *key, const char *repl)
{
	char **lines = g_strsplit(text, "\n", -1);
	GString *out = g_string_new(NULL);
	char *cur = NULL;
	gboolean done = FALSE;
	for (int i = 0; lines[i]; i++) {
		const char *ln = lines[i];
		gboolean last = lines[i + 1] == NULL;
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
		if (!last)
			g_string_append_c(out, '\n');
	}
	g_free(cur);
	g_strfreev(lines);
	return g_string_free(out, !done);
}

/* Deletes the whole [group] (header and keys) from `text`. */
static char *remove_group(const char *text, const char *group)
{
	char *hdr = g_strdup_printf("\n[%s]\n", group);
	const char *start = strstr(text, hdr);
	char *res = NULL;
	if (start) {
		const char *end = strstr(start + strlen(hdr), "\n[");
		if (!end)
			end = text + strlen(text) - 1;
		res = g_strdup_printf("%.*s%s", (int)(start - text), text, end);
	}
	g_free(hdr);
	return res;
}

/* Writes `text` as bad.ini in a fresh temp dir and loads it.  Returns the
 * error (the load must fail) and the path used, for message checks. */
static GError *load_bad(const char *text, char **path_out)
{
	char *dir = harness_tmpdir();
	char *path = g_build_filename(dir, "bad.ini", NULL);
	GError *err = NULL;
	g_file_set_contents(path, text, -1, NULL);
	prices *p = prices_load(path, &err);
	CU_ASSERT_PTR_NULL(p);
	prices_free(p);
	harness_rmtree(dir);
	g_free(dir);
	if (path_out)
		*path_out = path;
	else
		g_free(path);
	return err;
}

/* Applies one edit to the shipped table, loads it, and checks the load fails
 * with exactly one problem line that contains every string in `want`. */
static void expect_one_error(const char *group, const char *key, const char *repl,
                             const char *const *want)
{
	char *text = harness_source_text(SHIPPED);
	char *bad = edit_key(text, group, key, repl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
	char *path = NULL;
	GError *err = load_bad(bad, &path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_INVALID));
	char **lines = g_strsplit(err->message, "\n", -1);
	CU_ASSERT_EQUAL(g_strv_length(lines), 1);
	CU_ASSERT_TRUE(g_str_has_prefix(err->message, path));
	for (int i = 0; want[i]; i++) {
		gboolean found = strstr(err->message, want[i]) != NULL;
		if (!found)
			fprintf(stderr, "\nmissing '%s' in: %s\n", want[i], err->message);
		CU_ASSERT_TRUE(found);
	}
	g_strfreev(lines);
	g_error_free(err);
	g_free(path);
	g_free(bad);
	g_free(text);
}

#define WANT(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The shipped table loads and carries the figures of aws-facts.md section 1. */
static void test_shipped_values(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(p->region, "us-east-1");
	CU_ASSERT_STRING_EQUAL(p->currency, "USD");
	CU_ASSERT_STRING_EQUAL(p->collected, "2026-11-26");
	CU_ASSERT_EQUAL(p->gb_bytes, 1073741824.0);
	CU_ASSERT_EQUAL(p->billed_bytes, PRICES_BILLED_IP_PACKET);
	CU_ASSERT_EQUAL(p->hours_per_month, 730.0);

	CU_ASSERT_EQUAL(p->interface_endpoint.hourly_usd_per_az, 0.01);
	const prices_tiers *ie = &p->interface_endpoint.processing;
	CU_ASSERT_EQUAL(ie->n, 3);
	CU_ASSERT_EQUAL(ie->usd_per_gb[0], 0.01);
	CU_ASSERT_EQUAL(ie->usd_per_gb[1], 0.006);
	CU_ASSERT_EQUAL(ie->usd_per_gb[2], 0.004);
	CU_ASSERT_EQUAL(ie->up_to_gb[0], 1048576.0);
	CU_ASSERT_EQUAL(ie->up_to_gb[1], 5242880.0);
	CU_ASSERT_TRUE(isinf(ie->up_to_gb[2]));
	CU_ASSERT_TRUE(p->interface_endpoint.charge_cross_az);

	CU_ASSERT_EQUAL(p->gateway_endpoint.hourly_usd, 0.0);
	CU_ASSERT_EQUAL(p->gateway_endpoint.processing.usd_per_gb[0], 0.0);

	CU_ASSERT_EQUAL(p->nat_gateway.hourly_usd, 0.045);
	CU_ASSERT_EQUAL(p->nat_gateway.processing.n, 1);
	CU_ASSERT_EQUAL(p->nat_gateway.processing.usd_per_gb[0], 0.045);
	CU_ASSERT_TRUE(p->nat_gateway.processing_both_directions);

	CU_ASSERT_EQUAL(p->transit_gateway.attachment_hourly_usd, 0.05);
	CU_ASSERT_EQUAL(p->transit_gateway.processing.usd_per_gb[0], 0.02);
	CU_ASSERT_EQUAL(p->transit_gateway.processing_payer, PRICES_TGW_PAYER_SOURCE_ATTACHMENT);
	CU_ASSERT_TRUE(p->transit_gateway.charge_cross_az);

	CU_ASSERT_EQUAL(p->vpc_peering.hourly_usd, 0.0);
	CU_ASSERT_EQUAL(p->vpc_peering.same_az.usd_per_gb[0], 0.0);
	CU_ASSERT_EQUAL(p->vpc_peering.cross_az.usd_per_gb[0], 0.01);

	CU_ASSERT_EQUAL(p->alb.hourly_usd, 0.0225);
	CU_ASSERT_EQUAL(p->alb.usd_per_lcu_hour, 0.008);
	CU_ASSERT_EQUAL(p->alb.lcu_new_connections_per_second, 25.0);
	CU_ASSERT_EQUAL(p->alb.lcu_active_connections, 3000.0);
	CU_ASSERT_EQUAL(p->alb.lcu_active_connections_mutual_tls, 1500.0);
	CU_ASSERT_EQUAL(p->alb.lcu_processed_gb_per_hour, 1.0);
	CU_ASSERT_EQUAL(p->alb.lcu_processed_gb_per_hour_lambda, 0.4);
	CU_ASSERT_EQUAL(p->alb.lcu_rule_evaluations_per_second, 1000.0);
	CU_ASSERT_EQUAL(p->alb.lcu_free_rules_per_request, 10.0);
	CU_ASSERT_EQUAL(p->alb.cross_az_to_targets.usd_per_gb[0], 0.0);

	CU_ASSERT_EQUAL(p->nlb.hourly_usd, 0.0225);
	CU_ASSERT_EQUAL(p->nlb.usd_per_nlcu_hour, 0.006);
	CU_ASSERT_EQUAL(p->nlb.nlcu_tcp_new_connections_per_second, 800.0);
	CU_ASSERT_EQUAL(p->nlb.nlcu_tcp_active_connections, 100000.0);
	CU_ASSERT_EQUAL(p->nlb.nlcu_udp_new_flows_per_second, 400.0);
	CU_ASSERT_EQUAL(p->nlb.nlcu_udp_active_flows, 50000.0);
	CU_ASSERT_EQUAL(p->nlb.nlcu_tls_new_connections_per_second, 50.0);
	CU_ASSERT_EQUAL(p->nlb.nlcu_tls_active_connections, 3000.0);
	CU_ASSERT_EQUAL(p->nlb.nlcu_processed_gb_per_hour, 1.0);
	CU_ASSERT_EQUAL(p->nlb.cross_az_to_targets.usd_per_gb[0], 0.01);

	CU_ASSERT_EQUAL(p->data_transfer.same_az.usd_per_gb[0], 0.0);
	CU_ASSERT_EQUAL(p->data_transfer.cross_az.usd_per_gb[0], 0.01);
	CU_ASSERT_EQUAL(p->data_transfer.public_ip_in_region.usd_per_gb[0], 0.01);

	CU_ASSERT_EQUAL(p->public_ipv4.hourly_usd_per_address, 0.005);
	CU_ASSERT_EQUAL(p->s3.transfer_same_region.usd_per_gb[0], 0.0);

	CU_ASSERT_EQUAL(p->vpc_lattice.service_hourly_usd, 0.025);
	CU_ASSERT_EQUAL(p->vpc_lattice.processing.n, 1);
	CU_ASSERT_EQUAL(p->vpc_lattice.processing.usd_per_gb[0], 0.025);
	CU_ASSERT_EQUAL(p->vpc_lattice.usd_per_million_requests, 0.10);
	CU_ASSERT_EQUAL(p->vpc_lattice.free_requests_per_hour, 300000.0);
	CU_ASSERT_EQUAL(p->resource_endpoint.hourly_usd, 0.10);
	CU_ASSERT_EQUAL(p->resource_endpoint.processing.n, 3);
	CU_ASSERT_EQUAL(p->resource_endpoint.processing.usd_per_gb[1], 0.006);
	CU_ASSERT_EQUAL(p->resource_endpoint.processing.up_to_gb[1], 5242880.0);
	CU_ASSERT_TRUE(p->resource_endpoint.charge_cross_az);
	CU_ASSERT_EQUAL(p->resource_gateway.processing.n, 3);
	CU_ASSERT_EQUAL(p->resource_gateway.processing.usd_per_gb[2], 0.004);
	prices_free(p);
}

/* Sources are kept, and the assumptions a report must label are listed. */
static void test_sources_and_assumptions(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	const char *s = prices_source(p, "nat_gateway", "hourly_usd");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_TRUE(g_str_has_prefix(s, "https://aws.amazon.com/vpc/pricing/ [AWS pricing]"));
	s = prices_source(p, "transit_gateway", "charge_cross_az");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "[UNSOURCED ASSUMPTION]"));
	CU_ASSERT_PTR_NULL(prices_source(p, "nat_gateway", "no_such_key"));

	GPtrArray *a = prices_assumptions(p);
	const char *must[] = { "meta.billed_bytes", "transit_gateway.charge_cross_az",
		               "interface_endpoint.processing_usd_per_gb",
		               "resource_endpoint.hourly_usd" };
	for (size_t i = 0; i < G_N_ELEMENTS(must); i++) {
		gboolean found = FALSE;
		for (guint j = 0; j < a->len; j++)
			found |= strcmp(a->pdata[j], must[i]) == 0;
		CU_ASSERT_TRUE(found);
	}
	for (guint j = 0; j < a->len; j++)
		CU_ASSERT_STRING_NOT_EQUAL(a->pdata[j], "nat_gateway.hourly_usd");
	g_ptr_array_unref(a);
	prices_free(p);
}

static void test_unknown_group(void)
{
	char *text = harness_source_text(SHIPPED);
	char *bad = g_strconcat(text, "\n[natgw]\nhourly_usd = 0.045\n", NULL);
	char *path = NULL;
	GError *err = load_bad(bad, &path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	/* The message names the line of [natgw]: after the text's lines and
	 * the blank one. */
	guint line = 2;
	for (const char *c = text; *c; c++)
		line += *c == '\n';
	char *want = g_strdup_printf("%s:%u: [natgw]: unknown group; expected one of meta, "
	                             "interface_endpoint, gateway_endpoint, nat_gateway", path, line);
	CU_ASSERT_TRUE(g_str_has_prefix(err->message, want));
	CU_ASSERT_PTR_NULL(strchr(err->message, '\n'));
	g_free(want);
	g_error_free(err);
	g_free(path);
	g_free(bad);
	g_free(text);
}

static void test_unknown_key(void)
{
	expect_one_error("nat_gateway", "hourly_usd", "hourly_usd = 0.045\nhourly = 0.045",
	                 WANT("[nat_gateway] hourly: unknown key (value '0.045'); expected one of "
	                      "hourly_usd, processing_usd_per_gb, processing_both_directions, "
	                      "charge_cross_az"));
	/* A .source for a key that does not exist is unknown too. */
	expect_one_error("nat_gateway", "hourly_usd",
	                 "hourly_usd = 0.045\nhourly.source = - [inference] typo",
	                 WANT("[nat_gateway] hourly.source: unknown key"));
}

static void test_duplicate_key(void)
{
	expect_one_error("alb", "hourly_usd", "hourly_usd = 0.0225\nhourly_usd = 0.03",
	                 WANT("[alb] hourly_usd: duplicate key (the last value, '0.03', would win)"));
}

static void test_missing_key_and_group(void)
{
	expect_one_error("nat_gateway", "hourly_usd", NULL,
	                 WANT("[nat_gateway] hourly_usd: missing; expected USD per NAT gateway-hour"));
	expect_one_error("transit_gateway", "processing_usd_per_gb.source", NULL,
	                 WANT("[transit_gateway] processing_usd_per_gb.source: missing; every price",
	                      "needs a source"));

	char *text = harness_source_text(SHIPPED);
	char *bad = remove_group(text, "s3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
	GError *err = load_bad(bad, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "[s3]: missing group; expected [s3] with the "
	                                            "keys transfer_same_region_usd_per_gb"));
	CU_ASSERT_PTR_NULL(strchr(err->message, '\n')); /* reported once, not per key */
	g_error_free(err);
	g_free(bad);
	g_free(text);
}

static void test_bad_numbers(void)
{
	const char *bad[] = { "-0.045", "abc", "0.045USD", "0.045 # per hour", "nan", "inf", "" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *line = g_strdup_printf("hourly_usd = %s", bad[i]);
		char *quoted = g_strdup_printf("[nat_gateway] hourly_usd: '%s' is not a non-negative "
		                               "number; expected USD per NAT gateway-hour", bad[i]);
		expect_one_error("nat_gateway", "hourly_usd", line, WANT(quoted));
		g_free(quoted);
		g_free(line);
	}
	/* Divisors must be positive: 0 would make every LCU infinite. */
	expect_one_error("alb", "lcu_new_connections_per_second", "lcu_new_connections_per_second = 0",
	                 WANT("[alb] lcu_new_connections_per_second: '0' is not a positive number; "
	                      "expected new connections per second in one LCU"));
	expect_one_error("meta", "gb_bytes", "gb_bytes = 1GB",
	                 WANT("[meta] gb_bytes: '1GB' is not a positive number"));
}

static void test_bad_tiers(void)
{
	static const struct {
		const char *value;
		const char *why;
	} cases[] = {
		{ "0.01 up to 5242880GB, 0.006 up to 1048576GB, 0.004",
		  "tier 2 bound 1048576GB is not above the previous bound 5242880GB" },
		{ "0.01 up to 1048576GB, 0.006 up to 1048576GB, 0.004",
		  "tier 2 bound 1048576GB is not above the previous bound 1048576GB" },
		{ "0.01 up to 1048576GB, 0.006 up to 5242880GB",
		  "the last tier '0.006 up to 5242880GB' has a bound; the last tier must be unbounded" },
		{ "0.01, 0.006 up to 5242880GB, 0.004",
		  "tier 1 '0.01' has no bound but is not the last tier" },
		{ "0.01 up to 1PB, 0.004", "tier 1 bound '1PB' is not a positive number of GB" },
		{ "0.01 up to 0GB, 0.004", "tier 1 bound '0GB' is not a positive number of GB" },
		{ "0.01 upto 1048576GB, 0.004", "tier 1 '0.01 upto 1048576GB' is neither" },
		{ "-0.01 up to 1048576GB, 0.004", "tier 1 price '-0.01' is not a non-negative number" },
		{ "0.01 up to 1048576GB,, 0.004", "tier 2 is empty" },
		{ "", "it is empty" },
		{ "9 up to 1GB, 8 up to 2GB, 7 up to 3GB, 6 up to 4GB, 5 up to 5GB, 4 up to 6GB, "
		  "3 up to 7GB, 2 up to 8GB, 1", "9 tiers, more than the 8 allowed" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *line = g_strdup_printf("processing_usd_per_gb = %s", cases[i].value);
		char *head = g_strdup_printf("[interface_endpoint] processing_usd_per_gb: '%s' is not "
		                             "a tier list: ", cases[i].value);
		expect_one_error("interface_endpoint", "processing_usd_per_gb", line,
		                 WANT(head, cases[i].why, "expected USD per GB processed as 'PRICE up "
		                                          "to BOUNDGB, ..., PRICE'"));
		g_free(head);
		g_free(line);
	}
	/* Spaces inside a bound are fine. */
	char *text = harness_source_text(SHIPPED);
	char *ok = edit_key(text, "interface_endpoint", "processing_usd_per_gb",
	                    "processing_usd_per_gb = 0.01  up to 1048576 GB ,0.004");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ok);
	prices *p = prices_load_data(ok, strlen(ok), "ok.ini", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->interface_endpoint.processing.n, 2);
	CU_ASSERT_EQUAL(p->interface_endpoint.processing.up_to_gb[0], 1048576.0);
	CU_ASSERT_EQUAL(p->interface_endpoint.processing.usd_per_gb[1], 0.004);
	prices_free(p);
	g_free(ok);
	g_free(text);
}

static void test_bad_switch_word_source(void)
{
	expect_one_error("transit_gateway", "charge_cross_az", "charge_cross_az = yes",
	                 WANT("[transit_gateway] charge_cross_az: 'yes' is not a switch; expected "
	                      "true or false"));
	expect_one_error("transit_gateway", "processing_payer", "processing_payer = sender",
	                 WANT("[transit_gateway] processing_payer: 'sender' is not a known choice; "
	                      "expected one of source-attachment-owner, "
	                      "destination-attachment-owner, transit-gateway-owner"));
	expect_one_error("meta", "billed_bytes", "billed_bytes = headers",
	                 WANT("[meta] billed_bytes: 'headers' is not a known choice; expected one "
	                      "of ip-packet, payload"));
	expect_one_error("nat_gateway", "hourly_usd.source",
	                 "hourly_usd.source = the AWS VPC pricing page",
	                 WANT("[nat_gateway] hourly_usd.source: 'the AWS VPC pricing page' is not a "
	                      "source; expected a URL (or '-' when there is none), then an "
	                      "evidence kind, one of [AWS pricing], [AWS docs]"));
	expect_one_error("nat_gateway", "hourly_usd.source",
	                 "hourly_usd.source = https://aws.amazon.com/vpc/pricing/ page example",
	                 WANT("[nat_gateway] hourly_usd.source: 'https://aws.amazon.com/vpc/pricing/ "
	                      "page example' is not a source"));
	expect_one_error("nat_gateway", "hourly_usd.source", "hourly_usd.source = -[AWS docs] x",
	                 WANT("is not a source"));
	/* Both URL and '-' forms with each tag are accepted. */
	const char *good[] = { "https://x.example/a [AWS whitepaper] n", "- [inference] n",
		               "http://x.example [third-party]", "- [UNSOURCED ASSUMPTION] n",
		               "https://x.example [AWS blog] n", "https://x.example [AWS docs] n" };
	char *text = harness_source_text(SHIPPED);
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		char *line = g_strdup_printf("hourly_usd.source = %s", good[i]);
		char *t = edit_key(text, "nat_gateway", "hourly_usd.source", line);
		GError *err = NULL;
		prices *p = prices_load_data(t, strlen(t), "good.ini", &err);
		CU_ASSERT_PTR_NOT_NULL(p);
		if (err)
			fprintf(stderr, "\n%s\n", err->message);
		g_clear_error(&err);
		prices_free(p);
		g_free(t);
		g_free(line);
	}
	g_free(text);
}

/* Several problems are reported together, one line each, in one GError. */
static void test_all_errors_together(void)
{
	char *t0 = harness_source_text(SHIPPED);
	char *t1 = edit_key(t0, "nat_gateway", "hourly_usd", "hourly_usd = free");
	char *t2 = edit_key(t1, "data_transfer", "cross_az_usd_per_gb_each_direction",
	                    "cross_az_usd_per_gb_each_direction = 0.09 up to 10240GB, 0.085 up to 51200GB");
	char *t3 = edit_key(t2, "alb", "usd_per_lcu_hour.source", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t3);
	char *t4 = g_strconcat(t3, "[nat-gateway]\nhourly_usd = 1\n", NULL);
	char *path = NULL;
	GError *err = load_bad(t4, &path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	char **lines = g_strsplit(err->message, "\n", -1);
	CU_ASSERT_EQUAL_FATAL(g_strv_length(lines), 4);
	/* Unknown groups come first (file order), then schema order. */
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[0], "[nat-gateway]: unknown group"));
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[1], "[nat_gateway] hourly_usd: 'free'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[2], "[alb] usd_per_lcu_hour.source: missing"));
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[3], "[data_transfer] cross_az_usd_per_gb_each_direction:"));
	for (int i = 0; lines[i]; i++)
		CU_ASSERT_TRUE(g_str_has_prefix(lines[i], path));
	g_strfreev(lines);
	g_error_free(err);
	g_free(path);
	g_free(t4);
	g_free(t3);
	g_free(t2);
	g_free(t1);
	g_free(t0);
}

static void test_syntax_and_io_errors(void)
{
	char *text = harness_source_text(SHIPPED);
	char *bad = g_strconcat(text, "this line has no equals sign\n", NULL);
	char *path = NULL;
	GError *err = load_bad(bad, &path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_PARSE));
	CU_ASSERT_TRUE(g_str_has_prefix(err->message, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "this line has no equals sign"));
	g_error_free(err);
	g_free(path);
	g_free(bad);
	g_free(text);

	err = NULL;
	CU_ASSERT_PTR_NULL(prices_load("/nonexistent/vpcsim/prices.ini", &err));
	CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_IO));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "/nonexistent/vpcsim/prices.ini"));
	g_clear_error(&err);
}

/* Tier arithmetic against hand computation. */
static void test_tier_cost(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	const prices_tiers *ie = &p->interface_endpoint.processing;
	/* 1.5 PB = 1572864 GB: 1048576 x 0.01 + 524288 x 0.006. */
	ASSERT_NEAR(prices_tier_cost(ie, 0, 1572864), 10485.76 + 3145.728, 1e-6);
	/* The same half petabyte after one already billed: all at 0.006. */
	ASSERT_NEAR(prices_tier_cost(ie, 1048576, 524288), 3145.728, 1e-6);
	/* 6 PB: 1 PB x 0.01 + 4 PB x 0.006 + 1 PB x 0.004. */
	ASSERT_NEAR(prices_tier_cost(ie, 0, 6291456), 10485.76 + 25165.824 + 4194.304, 1e-6);
	/* Marginal tiering is additive across any split. */
	double splits[] = { 0, 1, 1048575, 1048576, 1048577, 3000000, 5242880, 6000000 };
	for (size_t i = 0; i < G_N_ELEMENTS(splits); i++)
		ASSERT_NEAR(prices_tier_cost(ie, 0, splits[i]) +
		                    prices_tier_cost(ie, splits[i], 6291456 - splits[i]),
		            prices_tier_cost(ie, 0, 6291456), 1e-6);
	CU_ASSERT_EQUAL(prices_tier_cost(ie, 123, 0), 0.0);

	/* Four tiers (AWS's internet egress list, which no key carries since
	 * no model has the internet outside AWS), 200 TB = 204800 GB:
	 * 10240 x 0.09 + 40960 x 0.085 + 102400 x 0.07 + 51200 x 0.05. */
	const prices_tiers out = { 4, { 0.09, 0.085, 0.07, 0.05 }, { 10240, 51200, 153600, INFINITY } };
	ASSERT_NEAR(prices_tier_cost(&out, 0, 204800), 921.6 + 3481.6 + 7168 + 2560, 1e-6);
	ASSERT_NEAR(prices_tier_cost(&out, 10000, 350), 240 * 0.09 + 110 * 0.085, 1e-9);

	/* A flat price: 7300 GB through a NAT gateway. */
	ASSERT_NEAR(prices_tier_cost(&p->nat_gateway.processing, 0, 7300), 328.5, 1e-9);
	prices_free(p);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("prices");
	CU_add_test(s, "shipped us-east-1 values", test_shipped_values);
	CU_add_test(s, "sources and assumptions", test_sources_and_assumptions);
	CU_add_test(s, "unknown group", test_unknown_group);
	CU_add_test(s, "unknown key", test_unknown_key);
	CU_add_test(s, "duplicate key", test_duplicate_key);
	CU_add_test(s, "missing key, source, group", test_missing_key_and_group);
	CU_add_test(s, "bad numbers", test_bad_numbers);
	CU_add_test(s, "bad tiers", test_bad_tiers);
	CU_add_test(s, "bad switch, word, source", test_bad_switch_word_source);
	CU_add_test(s, "all errors together", test_all_errors_together);
	CU_add_test(s, "syntax and io errors", test_syntax_and_io_errors);
	CU_add_test(s, "tier cost", test_tier_cost);
}
