/* \summary: the comparison a decision rests on: carried load, month from the configured rate, intervals that cover, shared and own charges */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "harness.h"

static compare_result *run_compare(const char *const *files, const char *const *sets, guint repeat)
{
	compare_options opt = { .repeat = repeat };
	GError *err = NULL;
	compare_result *c = compare_run(files, sets, &opt, &err);
	if (!c) {
		fprintf(stderr, "\n%s\n", err->message);
		g_error_free(err);
	}
	return c;
}

static const compare_option *option(const compare_result *c, guint i)
{
	return g_ptr_array_index(c->options, i);
}

/*
 * Intervals that cover: with the constant latency profile and a connection
 * per request, every request takes the same time C, plus its think time.
 * With exponential think times of mean 2 ms, the true mean latency is
 * C + 2 ms exactly (arrivals 1/s per client, so requests practically never
 * wait for one another).  Over 40 seeds, the 95% interval of the mean
 * (5 repetitions each) must cover it about 38 times: at least 33 (below
 * that is 3.5 standard deviations of the binomial away) and not all 40
 * every time would also be suspicious, but 40 has probability 13%, so
 * only the lower bound is asserted.
 */
static void test_intervals_cover_the_true_mean(void)
{
	char *file = harness_source_path("scenarios/vpc-peering.ini");
	const char *files[] = { file, NULL };
	const char *base[] = { "scenario.profile=profiles/constant.ini", "workload:web.connection=per-request",
		               "workload:web.rate=1/s", "scenario.duration=20s", "workload:web.think_time=0ms",
		               NULL };
	compare_result *c = run_compare(files, base, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	const compare_option *o = option(c, 0);
	/* Constant but for the AZ of the server (round robin over two, one
	 * across an AZ): within 0.05 ms; C is their exact mean. */
	double C = o->mean[CMP_MEAN];
	CU_ASSERT((hdr_quantile(o->wl->latency, 1.0) - hdr_quantile(o->wl->latency, 0)) / 1e6 < 0.05);
	compare_free(c);

	int covered = 0, runs = 40;
	for (int seed = 1; seed <= runs; seed++) {
		char *seed_set = g_strdup_printf("scenario.seed=%d", seed * 7919);
		const char *sets[] = { base[0], base[1], base[2], base[3], "workload:web.think_time=exp(mean=2ms)",
			               seed_set, NULL };
		c = run_compare(files, sets, 5);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		o = option(c, 0);
		CU_ASSERT_EQUAL(o->reps, 5);
		CU_ASSERT(isfinite(o->ci95[CMP_MEAN]) && o->ci95[CMP_MEAN] > 0);
		if (fabs(o->mean[CMP_MEAN] - (C + 2.0)) <= o->ci95[CMP_MEAN])
			covered++;
		compare_free(c);
		g_free(seed_set);
	}
	fprintf(stderr, " [%d of %d intervals covered the true mean] ", covered, runs);
	CU_ASSERT(covered >= 33);
	g_free(file);
}

/*
 * The month follows the configured rate, by hand from the price table:
 * s3-natgw's two clients each GET 5 objects a second; a month is
 * 10 x 3600 x 730 requests of the measured bytes each, and the NAT gateway
 * charges $0.045 per GB processed, $0.045 an hour and its Elastic IP
 * $0.005 an hour (scenarios/prices/us-east-1.ini).  A sample of 10 s never
 * holds exactly 100 requests; the month must not depend on how many it
 * held.
 */
static void test_month_from_the_configured_rate(void)
{
	char *file = harness_source_path("scenarios/s3-natgw.ini");
	const char *files[] = { file, NULL };
	for (int seed = 1; seed <= 3; seed++) {
		char *seed_set = g_strdup_printf("scenario.seed=%d", seed);
		const char *sets[] = { seed_set, NULL };
		compare_result *c = run_compare(files, sets, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		const compare_option *o = option(c, 0);
		ASSERT_NEAR(o->offered_per_s, 10, 1e-9);
		double gb = 10.0 * 3600 * 730 * o->wire_bytes_per_request / 1073741824.0;
		ASSERT_NEAR(o->month_gb, gb, 1e-6 * gb);
		double month = 0.045 * 730 + 0.005 * 730 + 0.045 * gb;
		ASSERT_NEAR(o->total_month_usd, month, 0.01);
		/* The ledger (and so `run`'s month column) says the same. */
		ASSERT_NEAR(cost_ledger_total_month_usd(o->r->ledger), month, 0.01);
		/* NAT charges are the option's own: S3 charges nothing here. */
		ASSERT_NEAR(o->shared_month_usd, 0, 1e-9);
		compare_free(c);
		g_free(seed_set);
	}
	g_free(file);
}

/* Shared: the ALB's hours and LCUs, the same whichever way it is reached;
 * own: the rest.  Peering within one AZ costs nothing of its own: the
 * clients use the ALB's node in their AZ (resolve = az-local; by DNS some
 * connections go to the node in the other AZ and pay cross-AZ transfer). */
static void test_shared_and_own_charges(void)
{
	const char *names[] = { "alb-peering", "alb-tgw", "alb-privatelink", "alb-public" };
	char *files[5] = { NULL };
	for (int i = 0; i < 4; i++)
		files[i] = g_strdup_printf("%s/scenarios/%s.ini", g_getenv("VPCSIM_SOURCE_DIR"), names[i]);
	const char *local[] = { "workload:web.resolve=az-local", NULL };
	compare_result *c = run_compare((const char *const *)files, local, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	double alb_hourly = 0.0225 * 730;
	for (guint i = 0; i < 4; i++) {
		const compare_option *o = option(c, i);
		ASSERT_NEAR(o->shared_month_usd + o->own_month_usd, o->total_month_usd, 1e-6);
		/* The ALB's hours plus its LCUs (each at least the hour's). */
		CU_ASSERT(o->shared_month_usd > alb_hourly);
		ASSERT_NEAR(o->shared_month_usd, option(c, 0)->shared_month_usd,
		            0.05 * option(c, 0)->shared_month_usd);
	}
	ASSERT_NEAR(option(c, 0)->own_month_usd, 0, 1e-9);
	/* The TGW's own: two attachments' hours and its processing. */
	CU_ASSERT(option(c, 1)->own_month_usd > 2 * 0.05 * 730);
	/* The internet-facing ALB's public address is the option's own. */
	CU_ASSERT(option(c, 3)->own_month_usd > option(c, 2)->own_month_usd);
	CU_ASSERT_PTR_NOT_NULL(strstr(c->own_crossover, "On own charges, cheapest"));
	compare_free(c);
	for (int i = 0; i < 4; i++)
		g_free(files[i]);
}

/* An overloaded option is marked, left out of cheapest and fastest, and
 * the command exits 3; so does a run with a workload that cannot arrive. */
static void test_not_carried(void)
{
	/* One connection per client: both options saturate their clients. */
	char *out = NULL, *err = NULL;
	int rc = harness_vpcsim_v(&out, &err, "compare", "--repeat", "1", "-f", "json", "--set",
	                          "workload:web.rate=1000/s", "--set", "workload:web.response_size=50KB",
	                          "--set", "workload:web.max_connections=1",
	                          "scenarios/alb-peering.ini", "scenarios/alb-tgw.ini", NULL);
	CU_ASSERT_EQUAL(rc, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not every option carried the offered load (exit status 3)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"carried\": false"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"cheapest\": null"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "requests queued at their clients for a connection"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "each client opens at most 1 keep-alive connection to each "
	                                   "target (max_connections)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"repetitions\": 1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"overrides\": [\"workload:web.rate=1000/s\""));
	g_free(out);
	g_free(err);

	/* The default pool (6 per client and target) carries peering's 1000/s;
	 * the TGW path is slower and its six connections are the limit. */
	rc = harness_vpcsim_v(&out, &err, "compare", "--repeat", "1", "--set",
	                      "workload:web.rate=1000/s", "--set", "workload:web.response_size=50KB",
	                      "scenarios/alb-peering.ini", "scenarios/alb-tgw.ini", NULL);
	CU_ASSERT_EQUAL(rc, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "NOT CARRIED: alb-tgw did not carry the offered load"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "each client opens at most 6 keep-alive connections to each "
	                                   "target (max_connections)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Cheapest at the workload's rate: alb-peering."));
	g_free(out);
	g_free(err);

	/* Only the public path overloaded: peering is cheapest and fastest alone. */
	rc = harness_vpcsim_v(&out, &err, "compare", "--repeat", "1", "scenarios/alb-peering.ini",
	                      "scenarios/alb-public.ini", "--set", "workload:web.rate=130/s", "--set",
	                      "workload:web.max_connections=1", NULL);
	CU_ASSERT_EQUAL(rc, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "NOT CARRIED: alb-public did not carry the offered load"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Cheapest at the workload's rate: alb-peering. Fastest (p50): "
	                                   "alb-peering."));
	g_free(out);
	g_free(err);

	rc = harness_vpcsim_v(&out, NULL, "run", "scenarios/vpc-three-peering.ini", NULL);
	CU_ASSERT_EQUAL(rc, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "** NOT CARRIED: completed 0 of 43 sent, 43 unfinished: packets "
	                                   "were dropped at vpc-b-router: peering-not-transitive"));
	g_free(out);
	/* 10 MB responses at 400/s overflow the router's queue toward each
	 * client (5 Gbps): the note names that link, its drops and how busy
	 * it was. */
	rc = harness_vpcsim_v(&out, NULL, "run", "scenarios/alb-peering.ini", "--capture", "none",
	                      "--set", "workload:web.response_size=10MB", "--set",
	                      "workload:web.rate=400/s", "--set", "scenario.duration=1s", NULL);
	CU_ASSERT_EQUAL(rc, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "; the link vpc-a-router > client-"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " (5Gbps) dropped "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " packets from its full queue and was busy "));
	g_free(out);
	rc = harness_vpcsim_v(&out, NULL, "run", "scenarios/vpc-three-tgw.ini", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NULL(strstr(out, "NOT CARRIED"));
	g_free(out);
}

/* CSV: a header and one wide row per option, with the intervals. */
static void test_formats(void)
{
	char *out = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "compare", "--repeat", "2", "-f", "csv",
	                                 "scenarios/alb-peering.ini", "scenarios/alb-tgw.ini", NULL),
	                0);
	char **lines = g_strsplit(out, "\n", -1);
	CU_ASSERT_EQUAL(g_strv_length(lines), 4); /* header, two rows, "" */
	CU_ASSERT(g_str_has_prefix(lines[0], "option,file,repetitions,seed,partial,p50_ms,p50_ms_ci95,"));
	CU_ASSERT(g_str_has_prefix(lines[1], "alb-peering,scenarios/alb-peering.ini,2,1,false,"));
	/* Failed requests by reason, beside the load note. */
	CU_ASSERT_PTR_NOT_NULL(strstr(lines[0], ",carried,load_note,failures,"));
	g_strfreev(lines);
	g_free(out);
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "compare", "--repeat", "1", "-f", "json",
	                                 "scenarios/alb-peering.ini", NULL),
	                0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"load_note\": null, \"failures\": {}"));
	g_free(out);
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "compare", "--repeat", "1", "-f", "md",
	                                 "scenarios/alb-peering.ini", NULL),
	                0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " > vpc-a-router > pcx-ab > vpc-b-router > alb-b"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "| path of a request | client-"));
	CU_ASSERT(g_str_has_suffix(out, "\n"));
	g_free(out);
	char *err = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "compare", "--repeat", "0", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--repeat"));
	g_free(err);
}

/*
 * Overrides per option: "OPTION:GROUP.KEY=VALUE" changes that option only;
 * an unprefixed override naming a group one option lacks applies to the
 * other and every output says where it did not apply; one that no option
 * has, or an option's own naming a group it lacks, is an error.  Before,
 * the first was read as the group [alb-peering vars] and both were load
 * errors.
 */
static void test_overrides_per_option(void)
{
	const char *files[] = { "scenarios/alb-privatelink.ini", "scenarios/alb-peering.ini", NULL };
	char *paths[3] = { harness_source_path(files[0]), harness_source_path(files[1]), NULL };
	const char *sets[] = { "scenario.duration=1s", "alb-peering:vars.clients=1",
		               "interface_endpoint:vpce-alb.subnets=a-app-1", NULL };
	compare_result *c = run_compare((const char *const *)paths, sets, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* 50/s per client: two clients in alb-privatelink, one in alb-peering. */
	ASSERT_NEAR(option(c, 0)->offered_per_s, 100, 1e-9);
	ASSERT_NEAR(option(c, 1)->offered_per_s, 50, 1e-9);
	CU_ASSERT_EQUAL(option(c, 0)->not_applied->len, 0);
	CU_ASSERT_EQUAL_FATAL(option(c, 1)->not_applied->len, 1);
	CU_ASSERT_STRING_EQUAL(g_ptr_array_index(option(c, 1)->not_applied, 0),
	                       "interface_endpoint:vpce-alb.subnets=a-app-1");
	compare_free(c);

	const char *nowhere[] = { "scenario.duration=1s", "vpc:vpc-z.cidr=10.9.0.0/16", NULL };
	compare_options opt = { .repeat = 1 };
	GError *err = NULL;
	CU_ASSERT_PTR_NULL(compare_run((const char *const *)paths, nowhere, &opt, &err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "--set 'vpc:vpc-z.cidr=10.9.0.0/16' names a group "
	                                            "that no option has"));
	g_clear_error(&err);
	const char *lacks[] = { "scenario.duration=1s", "alb-peering:interface_endpoint:vpce-alb.subnets=a-app-1",
		                NULL };
	CU_ASSERT_PTR_NULL(compare_run((const char *const *)paths, lacks, &opt, &err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "alb-peering.ini: --set "
	                                            "'interface_endpoint:vpce-alb.subnets=a-app-1' (for "
	                                            "this option only) names a group that is not in the file"));
	g_clear_error(&err);
	g_free(paths[0]);
	g_free(paths[1]);

	/* Every format says where an override did not apply. */
	const char *fmts[] = { "text", "md", "json", "csv" };
	const char *want[] = {
		"NOT APPLIED: --set 'interface_endpoint:vpce-alb.subnets=a-app-1' to alb-peering (no such "
		"group there).",
		"**NOT APPLIED:** --set 'interface_endpoint:vpce-alb.subnets=a-app-1' to alb-peering",
		"\"overrides_not_applied\": [\"interface_endpoint:vpce-alb.subnets=a-app-1\"]",
		",interface_endpoint:vpce-alb.subnets=a-app-1\n",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(fmts); i++) {
		char *out = NULL;
		CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "compare", "--repeat", "1", "--duration", "1s",
		                                 "-f", fmts[i], files[0], files[1], "--set",
		                                 "interface_endpoint:vpce-alb.subnets=a-app-1", NULL),
		                0);
		gboolean found = out && strstr(out, want[i]) != NULL;
		if (!found)
			fprintf(stderr, "\n%s lacks: %s\n", fmts[i], want[i]);
		CU_ASSERT(found);
		g_free(out);
	}
	/* The header of the CSV column, last; the option where it applied has
	 * an empty field and JSON an empty list. */
	char *out = NULL;
	harness_vpcsim_v(&out, NULL, "compare", "--repeat", "1", "--duration", "1s", "-f", "json", files[0],
	                 files[1], "--set", "interface_endpoint:vpce-alb.subnets=a-app-1", NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"overrides_not_applied\": []"));
	g_free(out);
}

/* The README's comparison table, the alb-privatelink and
 * alb-resource-endpoint blocks and the verdict are what `vpcsim compare
 * --all` prints (tools/regen_readme.py writes them there); plain `vpcsim
 * compare` prints the same rows for its four options, the first four
 * columns. */
static void test_readme_table(void)
{
	char *readme = harness_source_text("README.md");
	char *out = NULL, *four = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "compare", "--all", NULL), 0);
	CU_ASSERT_EQUAL(harness_vpcsim_v(&four, NULL, "compare", NULL), 0);
	char **blocks = g_strsplit(out, "\n\n", -1);
	guint nb = g_strv_length(blocks), checked = 0;
	for (guint b = 0; b < nb; b++) {
		/* The table (first), two options' blocks, the verdict (last). */
		if (!(b == 0 || b == nb - 1 || g_str_has_prefix(blocks[b], "alb-privatelink:") ||
		      g_str_has_prefix(blocks[b], "alb-resource-endpoint:")))
			continue;
		char **lines = g_strsplit(blocks[b], "\n", -1);
		for (char **l = lines; *l && **l; l++, checked++) {
			char *want = g_strdup_printf("\n%s\n", *l);
			gboolean found = strstr(readme, want) != NULL;
			if (!found)
				fprintf(stderr, "\nREADME lacks the line: %s\n", *l);
			CU_ASSERT(found);
			g_free(want);
		}
		g_strfreev(lines);
	}
	CU_ASSERT(checked >= 25 + 2 * 9 + 4);
	/* Six columns; the default's four are their start, row by row. */
	char **all_rows = g_strsplit(blocks[0], "\n", -1);
	char *table4 = g_strndup(four, strstr(four, "\n\n") ? (gsize)(strstr(four, "\n\n") - four) : strlen(four));
	char **rows4 = g_strsplit(table4, "\n", -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(all_rows[0], "alb-lattice  alb-resource-endpoint"));
	CU_ASSERT_PTR_NULL(strstr(rows4[0], "alb-lattice"));
	CU_ASSERT_EQUAL(g_strv_length(rows4), g_strv_length(all_rows));
	for (guint i = 0; rows4[i] && all_rows[i]; i++) {
		gboolean prefix = g_str_has_prefix(all_rows[i], rows4[i]);
		if (!prefix)
			fprintf(stderr, "\ncompare's row is not the start of compare --all's:\n%s\n%s\n", rows4[i],
			        all_rows[i]);
		CU_ASSERT(prefix);
	}
	g_strfreev(rows4);
	g_free(table4);
	g_strfreev(all_rows);
	g_strfreev(blocks);
	g_free(four);
	g_free(out);
	g_free(readme);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("compare");
	CU_add_test(s, "intervals cover the true mean", test_intervals_cover_the_true_mean);
	CU_add_test(s, "month from the configured rate", test_month_from_the_configured_rate);
	CU_add_test(s, "shared and own charges", test_shared_and_own_charges);
	CU_add_test(s, "not carried", test_not_carried);
	CU_add_test(s, "formats", test_formats);
	CU_add_test(s, "overrides per option, and where they did not apply", test_overrides_per_option);
	CU_add_test(s, "README table", test_readme_table);
}
