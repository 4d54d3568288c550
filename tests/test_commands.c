/* \summary: run, validate, trace and compare end to end through the vpcsim binary */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "harness.h"
#include "scenario.h"

#define vpcsim harness_vpcsim_v

#define HAS(s, needle) CU_ASSERT_PTR_NOT_NULL(strstr((s), (needle)))

static void test_run_formats(void)
{
	char *out = NULL;
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "run", "scenarios/vpc-peering.ini", "--duration", "1s", NULL), 0);
	HAS(out, "workload web (http, 2 clients -> server-1, server-2)");
	HAS(out, "client-1 > vpc-a-router > pcx-ab > vpc-b-router > server-");
	HAS(out, "cost (USD)");
	g_free(out);
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "run", "scenarios/vpc-tgw.ini", "--duration", "1s", "--format",
	                       "json", NULL),
	                0);
	HAS(out, "\"vpcsim_report\": 1");
	HAS(out, "\"request\": [\"client-");
	HAS(out, "\"type\": \"processing\"");
	g_free(out);
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "run", "scenarios/vpc-tgw.ini", "--duration", "1s", "-f", "csv", NULL),
	                0);
	CU_ASSERT(g_str_has_prefix(out, "section,name,field,value\n"));
	HAS(out, "cost,tgw-att-a/hourly,run_usd,0.05\n");
	g_free(out);
	char *err = NULL;
	CU_ASSERT_EQUAL(vpcsim(NULL, &err, "run", "scenarios/vpc-tgw.ini", "--format", "xml", NULL), 2);
	HAS(err, "--format 'xml'");
	g_free(err);
	CU_ASSERT_EQUAL(vpcsim(NULL, &err, "run", "no-such.ini", NULL), 1);
	HAS(err, "no-such.ini");
	g_free(err);
}

static void test_run_out_file(void)
{
	char *dir = harness_tmpdir();
	char *path = g_build_filename(dir, "r.md", NULL);
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", "scenarios/vpc-peering.ini", "--duration", "1s", "-f", "md",
	                       "-o", path, NULL),
	                0);
	char *text = NULL;
	CU_ASSERT(g_file_get_contents(path, &text, NULL, NULL));
	CU_ASSERT(text && g_str_has_prefix(text, "# vpc-peering"));
	g_free(text);
	/* An unwritable --out: an error, and nothing half-written. */
	char *bad = g_build_filename(path, "x.md", NULL);
	char *err = NULL;
	CU_ASSERT_EQUAL(vpcsim(NULL, &err, "run", "scenarios/vpc-peering.ini", "--duration", "1s", "-o", bad,
	                       NULL),
	                1);
	HAS(err, bad);
	g_free(err);
	g_free(bad);
	g_free(path);
	harness_rmtree(dir);
	g_free(dir);
}

static void test_trace(void)
{
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "trace", "scenarios/vpc-peering.ini", "--from", "client-1", "--to",
	                       "server-2", NULL),
	                0);
	HAS(out, "security group, outbound: tcp 80 to 10.1.0.0/16 in sg-client");
	HAS(out, "route 10.1.0.0/16 -> pcx-ab, route table a-app: to pcx-ab");
	HAS(out, "peering connection: straight to the accepter VPC, addresses unchanged");
	HAS(out, "security group, inbound: tcp 80 from sg-client in sg-web");
	HAS(out, "the request completed in");
	g_free(out);
	/* Through a NAT gateway: both rewrites, in and out. */
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "trace", "scenarios/s3-natgw.ini", "--from", "client-1", "--to", "s3",
	                       NULL),
	                0);
	HAS(out, "rewrites source 10.0.1.4:");
	HAS(out, "(source NAT, port for 52.216.8.10:80)");
	HAS(out, "one-to-one NAT to the public address");
	g_free(out);
	/* Cannot arrive: where and why, exit 1. */
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "trace", "scenarios/vpc-three-peering.ini", "--from", "client-a",
	                       "--to", "server-c", NULL),
	                1);
	HAS(out, "vpc-b-router           DROPPED: peering is not transitive (from pcx-ab to 10.2.1.4)");
	g_free(out);
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "trace", "scenarios/vpc-three-peering.ini", "--from", "client-a",
	                       "--to", "server-c", "--format", "mermaid", NULL),
	                1);
	CU_ASSERT(g_str_has_prefix(out, "sequenceDiagram\n"));
	HAS(out, "Note over P4: dropped: peering is not transitive");
	g_free(out);
	/* JSON for scripts: journeys and drops by stable codes. */
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "trace", "scenarios/vpc-three-peering.ini", "--from", "client-a",
	                       "--to", "server-c", "--format", "json", NULL),
	                1);
	CU_ASSERT(g_str_has_prefix(out, "{\"scenario\":\"vpc-three-peering\""));
	HAS(out, "\"workload\":\"a-to-c\"");
	HAS(out, "{\"code\":\"syn\",\"title\":\"the connection's SYN\"");
	HAS(out, "\"event\":\"drop\",\"text\":\"peering is not transitive (from pcx-ab to 10.2.1.4)\","
	         "\"code\":\"peering-not-transitive\"}");
	HAS(out, "\"arrived\":false,\"latency_ms\":null");
	g_free(out);
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "trace", "scenarios/vpc-peering.ini", "--from", "client-1", "--to",
	                       "server-2", "--format", "json", NULL),
	                0);
	HAS(out, "\"arrived\":true,\"latency_ms\":");
	HAS(out, "{\"code\":\"response\"");
	HAS(out, "\"charges\":[{\"component\":");
	g_free(out);
	/* The request is the workload's own (vpc-peering's GET /api/items). */
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "trace", "scenarios/vpc-peering.ini", "--from", "client-1", "--to",
	                       "server-2", NULL),
	                0);
	HAS(out, "one HTTP GET /api/items as workload web sends it");
	g_free(out);
	CU_ASSERT_EQUAL(vpcsim(NULL, &err, "trace", "scenarios/vpc-peering.ini", "--from", "nobody", "--to",
	                       "server-1", NULL),
	                1);
	HAS(err, "--from 'nobody': no such instance");
	g_free(err);
	CU_ASSERT_EQUAL(vpcsim(NULL, &err, "trace", "scenarios/vpc-peering.ini", NULL), 2);
	g_free(err);
}

static void test_compare(void)
{
	char *out = NULL, *err = NULL;
	char *dir = harness_tmpdir();
	CU_ASSERT_EQUAL(vpcsim(&out, &err, "compare", "scenarios/s3-gateway-endpoint.ini", "scenarios/s3-natgw.ini",
	                       "--duration", "2s", "--format", "json", "--plot", dir, NULL),
	                0);
	HAS(out, "\"vpcsim_compare\": 1");
	HAS(out, "\"cheapest\": \"s3-gateway-endpoint\"");
	/* Every byte the clients exchange crosses the NAT gateway once, and
	 * nothing else charges per GB on that path: 0.045 USD/GB exactly. */
	HAS(out, "\"usd_per_gb\": 0.045,");
	HAS(out, "\"usd_per_gb\": 0,");
	HAS(out, "\"internet_exposure\": \"crosses the Region's public network");
	char *gp = g_build_filename(dir, "cost-volume.gp", NULL);
	char *script = NULL;
	CU_ASSERT(g_file_get_contents(gp, &script, NULL, NULL));
	/* Log volume axis, the workload's own volume marked, own charges
	 * dashed, a title naming the workload, the legend outside the plot. */
	HAS(script, "set logscale xy");
	HAS(script, "this workload: ");
	HAS(script, "(own)");
	HAS(script, "workload s3-get: 10 requests/s");
	HAS(script, "set key outside");
	g_free(script);
	g_free(gp);
	char *tail = g_build_filename(dir, "latency-ccdf.gp", NULL);
	CU_ASSERT(g_file_test(tail, G_FILE_TEST_EXISTS));
	g_free(tail);
	if (harness_have("gnuplot")) {
		const char *pngs[] = { "latency-cdf.png", "latency-ccdf.png", "cost-volume.png" };
		for (int i = 0; i < 3; i++) {
			char *png = g_build_filename(dir, pngs[i], NULL);
			CU_ASSERT(g_file_test(png, G_FILE_TEST_EXISTS));
			g_free(png);
		}
	}
	g_free(out);
	g_free(err);
	/* Overlapping CIDRs are tried for real: peering refuses them. */
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "compare", "scenarios/vpc-peering.ini", "scenarios/vpc-tgw.ini",
	                       "--duration", "1s", NULL),
	                0);
	HAS(out, "refused: VPC peering does not support overlapping CIDRs");
	HAS(out, "refused: Transit Gateway cannot route between overlapping CIDRs");
	HAS(out, "no: peering is not transitive");
	g_free(out);
	harness_rmtree(dir);
	g_free(dir);
}

/* --all adds VPC Lattice to the four; it does not mix with --s3 or files. */
static void test_compare_all(void)
{
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "compare", "--all", "--repeat", "1", "--duration", "200ms",
	                       "--format", "csv", NULL),
	                0);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "alb-lattice"));
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "alb-privatelink"));
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "alb-resource-endpoint"));
	g_free(out);
	CU_ASSERT_EQUAL(vpcsim(NULL, &err, "compare", "--all", "--s3", NULL), 2);
	HAS(err, "give scenario files, --s3 or --all, one of them");
	g_free(err);
}

/* Every decision and rewrite a bundled scenario's trace shows has a stable
 * code (models/drops.c's table of explanations): the first workload of
 * each scenario, from its first client to its first target. */
static gboolean hops_coded(const char *js, GString *missing)
{
	static const char *const kinds[] = { "\"event\":\"decide\",\"text\":\"",
		                             "\"event\":\"rewrite\",\"text\":\"" };
	gboolean ok = TRUE;
	for (int k = 0; k < 2; k++) {
		for (const char *at = strstr(js, kinds[k]); at; at = strstr(at, kinds[k])) {
			const char *text = at + strlen(kinds[k]), *e = text;
			while (*e && *e != '"')
				e += *e == '\\' && e[1] ? 2 : 1;
			if (!g_str_has_prefix(e, "\",\"code\":\"")) {
				g_string_append_printf(missing, "  %.*s\n", (int)(e - text), text);
				ok = FALSE;
			}
			at = e;
		}
	}
	return ok;
}

static void test_trace_codes(void)
{
	char *dir_path = harness_source_path("scenarios");
	GDir *dir = g_dir_open(dir_path, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	for (const char *f; (f = g_dir_read_name(dir));)
		if (g_str_has_suffix(f, ".ini"))
			g_ptr_array_add(files, g_build_filename(dir_path, f, NULL));
	g_dir_close(dir);
	g_ptr_array_add(files, harness_source_path("tests/scenarios/s3-policy.ini"));
	g_ptr_array_add(files, harness_source_path("tests/scenarios/nacl.ini"));
	guint traced = 0;
	for (guint i = 0; i < files->len; i++) {
		const char *file = files->pdata[i];
		GError *err = NULL;
		/* alb-overlap-peering and -tgw are refused on purpose. */
		scenario *sc = scenario_load(file, NULL, &err);
		g_clear_error(&err);
		if (!sc || !sc->workloads->len) {
			scenario_free(sc);
			continue;
		}
		const sc_workload *w = SC_AT(sc->workloads, sc_workload, 0);
		GKeyFile *kf = g_key_file_new();
		CU_ASSERT_TRUE_FATAL(g_key_file_load_from_file(kf, file, G_KEY_FILE_NONE, NULL));
		char *group = g_strconcat("workload ", w->name, NULL);
		char *to = w->target_kind == SC_TARGET_IS_INSTANCE
		                   ? g_strdup(SC_AT(sc->instances, sc_instance, g_array_index(w->targets, int, 0))->name)
		                   : g_strstrip(g_key_file_get_string(kf, group, "target", NULL));
		const char *from = SC_AT(sc->instances, sc_instance, g_array_index(w->clients, int, 0))->name;
		char *port = g_strdup_printf("%u", w->port);
		const char *argv[] = { "trace", file, "--from", from, "--to", to, "--port", port, "--format", "json",
			               w->kind == SC_WL_UDP ? "--udp" : NULL, NULL };
		char *out = NULL;
		harness_vpcsim(&out, NULL, argv);
		GString *missing = g_string_new(NULL);
		CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "\"journeys\""));
		if (out && !hops_coded(out, missing)) {
			fprintf(stderr, "\n%s: trace --from %s --to %s: decisions without a code:\n%s", file, from, to,
			        missing->str);
			CU_FAIL("a traced decision or rewrite has no explanation code");
		}
		traced += out != NULL;
		g_string_free(missing, TRUE);
		g_free(out);
		g_free(port);
		g_free(to);
		g_free(group);
		g_key_file_free(kf);
		scenario_free(sc);
	}
	CU_ASSERT(traced >= 20);
	g_ptr_array_unref(files);
	g_free(dir_path);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("commands");
	CU_add_test(s, "run: text, JSON, CSV, errors", test_run_formats);
	CU_add_test(s, "compare --all", test_compare_all);
	CU_add_test(s, "run: --out written whole or not at all", test_run_out_file);
	CU_add_test(s, "trace: hops, rules, rewrites, drops, mermaid", test_trace);
	CU_add_test(s, "trace: every decision and rewrite has a code", test_trace_codes);
	CU_add_test(s, "compare: table, derived properties, plots", test_compare);
}
