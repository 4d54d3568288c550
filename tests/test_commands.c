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
	/* The first request's path; which client sent it depends on the draws. */
	HAS(out, " > vpc-a-router > pcx-ab > vpc-b-router > server-");
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

/* The README block after "$ COMMAND" (to its closing fence), or NULL. */
static char *readme_sample(const char *readme, const char *command)
{
	char *head = g_strdup_printf("$ %s\n", command);
	const char *at = strstr(readme, head);
	char *block = NULL;
	if (at) {
		at += strlen(head);
		const char *end = strstr(at, "```");
		block = end ? g_strndup(at, (gsize)(end - at)) : NULL;
	}
	g_free(head);
	return block;
}

/* The wall-clock figure of a run's header ("... events in 0.11 s"): the one
 * part of the sample that differs from run to run. */
static char *mask_wall(const char *text)
{
	GRegex *re = g_regex_new(" events in [0-9.]+ s", 0, 0, NULL);
	char *masked = g_regex_replace_literal(re, text, -1, 0, " events in X s", 0, NULL);
	g_regex_unref(re);
	return masked;
}

/* The first number after "KEY": in text, or NULL. */
static char *json_number(const char *text, const char *key)
{
	char *pat = g_strdup_printf("\"%s\": ([0-9.]+)", key);
	GRegex *re = g_regex_new(pat, 0, 0, NULL);
	GMatchInfo *m = NULL;
	char *v = g_regex_match(re, text, 0, &m) ? g_match_info_fetch(m, 1) : NULL;
	g_match_info_free(m);
	g_regex_unref(re);
	g_free(pat);
	return v;
}

/* The figures the README's JSON report sketch gives (the rest is "...")
 * are those of `run scenarios/alb-privatelink.ini --format json`. */
static void test_readme_json_sample(void)
{
	char *readme = harness_source_text("README.md");
	const char *at = strstr(readme, "{\n  \"vpcsim_report\": 1,");
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	char *sample = g_strndup(at, (gsize)(strstr(at, "```") - at));
	char *out = NULL;
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "run", "scenarios/alb-privatelink.ini", "--format", "json", NULL), 0);
	const char *keys[] = { "seed", "simulated_s", "duration_s", "events", "clients", "sent", "completed",
		               "failed", "unfinished" };
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		char *want = json_number(sample, keys[i]), *got = json_number(out, keys[i]);
		CU_ASSERT_PTR_NOT_NULL(want);
		CU_ASSERT_PTR_NOT_NULL(got);
		if (want && got && strcmp(want, got) != 0) {
			CU_FAIL("README's JSON sample is stale");
			printf("\n    README's JSON sample has \"%s\": %s, the run %s", keys[i], want, got);
		}
		g_free(want);
		g_free(got);
	}
	g_free(out);
	g_free(sample);
	g_free(readme);
}

/* The keys of a bench line whose values depend on the simulation only
 * (counts, simulated times and rates, settings), not on the machine. */
static gboolean bench_key_simulated(const char *key)
{
	static const char *const keys[] = {
		"scenario", "scale", "clients", "requests", "completed", "events", "packet_hops",
		"events_per_packet_hop", "pcap_bytes", "queue_peak", "timers_peak", "hops", "packets",
		"delivered", "n", "simulated_s", "runs", "jobs", "rounds", "identical", "bytes", "rate_bps",
		"rtt_ns", "queue", "cc", "sack", "time_ns", "mbps", "retransmits", "fast_recoveries",
		"timeouts", "drops",
	};
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
		if (strcmp(key, keys[i]) == 0)
			return TRUE;
	return FALSE;
}

/* Every "$ build-rel/vpcsim bench ..." sample in the README: the command
 * run again gives the same simulated figures (bench_key_simulated()); the
 * measured ones (times, rates per second, memory) are the day's.  Left
 * out: `bench hold`, whose figures are all measured; `bench chain` with
 * captures, which writes 1.16 GB; `bench clients`, which takes half a
 * minute in a Release build. */
static void test_readme_bench_samples(void)
{
	char *readme = harness_source_text("README.md");
	char *dir = harness_tmpdir();
	char **lines = g_strsplit(readme, "\n", -1);
	guint checked = 0;
	for (guint i = 0; lines[i] && lines[i + 1]; i++) {
		const char *cmd = lines[i];
		if (!g_str_has_prefix(cmd, "$ build-rel/vpcsim bench "))
			continue;
		if (g_str_has_prefix(cmd, "$ build-rel/vpcsim bench hold") ||
		    g_str_has_prefix(cmd, "$ build-rel/vpcsim bench clients") ||
		    (g_str_has_prefix(cmd, "$ build-rel/vpcsim bench chain") && strstr(cmd, "--pcap-dir")))
			continue;
		char **args = g_strsplit(cmd + strlen("$ build-rel/vpcsim "), " ", -1);
		for (guint k = 0; args[k]; k++)
			if (strcmp(args[k], "--pcap-dir") == 0 && args[k + 1]) {
				g_free(args[k + 1]);
				args[k + 1] = g_build_filename(dir, "pcaps", NULL);
			}
		char *out = NULL;
		CU_ASSERT_EQUAL(harness_vpcsim(&out, NULL, (const char *const *)args), 0);
		/* The output's first line, with a space at each end, so that
		 * " key=value " finds whole fields only. */
		const char *o = out ? out : "";
		char *line = g_strdup_printf(" %.*s ", (int)strcspn(o, "\n"), o);
		char **want = g_strsplit(lines[i + 1], " ", -1);
		for (guint k = 1; want[k]; k++) {
			char *eq = strchr(want[k], '=');
			if (!eq)
				continue;
			*eq = '\0';
			if (!bench_key_simulated(want[k]))
				continue;
			char *pair = g_strdup_printf(" %s=%s ", want[k], eq + 1);
			CU_ASSERT_PTR_NOT_NULL(strstr(line, pair));
			if (!strstr(line, pair))
				printf("\n    README's sample of `%s` is stale: %s=%s; now:%s", cmd + 2, want[k],
				       eq + 1, line);
			g_free(pair);
		}
		g_free(line);
		checked++;
		g_strfreev(want);
		g_strfreev(args);
		g_free(out);
	}
	/* chain, tgw, three workloads, vpcs, sweep, three tcp. */
	CU_ASSERT(checked >= 10);
	/* The summary table above the samples quotes two simulated figures:
	 * they are the samples' (which the loop above checked). */
	char *eph = NULL, *mbps = NULL;
	for (guint i = 0; lines[i] && lines[i + 1]; i++) {
		const char *v;
		if (!eph && g_str_has_prefix(lines[i], "$ build-rel/vpcsim bench workload alb-privatelink --scale 100") &&
		    (v = strstr(lines[i + 1], " events_per_packet_hop=")))
			eph = g_strndup(v + 23, strcspn(v + 23, " "));
		if (!mbps && strcmp(lines[i], "$ build-rel/vpcsim bench tcp") == 0 &&
		    (v = strstr(lines[i + 1], " mbps=")))
			mbps = g_strndup(v + 6, strcspn(v + 6, " "));
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(eph);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mbps);
	char *row1 = g_strdup_printf("| at most 1.25 events per packet-hop | %s |", eph);
	char *row2 = g_strdup_printf("| %s Mbit/s, ns-3 ", mbps);
	CU_ASSERT_PTR_NOT_NULL(strstr(readme, row1));
	CU_ASSERT_PTR_NOT_NULL(strstr(readme, row2));
	if (!strstr(readme, row1) || !strstr(readme, row2))
		printf("\n    README's benchmark table lacks \"%s\" or \"%s\"", row1, row2);
	g_free(row1);
	g_free(row2);
	g_free(eph);
	g_free(mbps);
	g_strfreev(lines);
	harness_rmtree(dir);
	g_free(dir);
	g_free(readme);
}

/* The README's samples of run and trace are what the commands print (the
 * trace sample is an excerpt: its lines, "..." aside, in order), and the
 * figures it quotes of two compare commands are theirs. */
static void test_readme_samples(void)
{
	char *readme = harness_source_text("README.md");
	char *want = readme_sample(readme, "./build/vpcsim run scenarios/alb-privatelink.ini");
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	char *out = NULL;
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "run", "scenarios/alb-privatelink.ini", NULL), 0);
	char *w = mask_wall(want), *o = mask_wall(out);
	CU_ASSERT_STRING_EQUAL(w, o);
	if (strcmp(w, o) != 0)
		printf("\n    README's run sample is stale; now:\n%s", out);
	g_free(w);
	g_free(o);
	g_free(want);
	g_free(out);

	want = readme_sample(readme, "./build/vpcsim trace scenarios/vpc-three-peering.ini --from client-a "
	                             "--to server-c");
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_EQUAL(vpcsim(&out, NULL, "trace", "scenarios/vpc-three-peering.ini", "--from", "client-a",
	                       "--to", "server-c", NULL),
	                1);
	char **lines = g_strsplit(want, "\n", -1);
	const char *from = out;
	for (guint i = 0; lines[i]; i++) {
		if (!*lines[i] || strcmp(lines[i], "...") == 0)
			continue;
		char *line = g_strdup_printf("%s\n", lines[i]);
		const char *at = strstr(from, line);
		CU_ASSERT_PTR_NOT_NULL(at);
		if (!at)
			printf("\n    README's trace sample: \"%s\" is not in the output (in order)", lines[i]);
		else
			from = at + strlen(line);
		g_free(line);
	}
	g_strfreev(lines);
	g_free(want);
	g_free(out);

	/* "# p50 A / B / C / D ms" after each compare line, and the bytes per
	 * request of both below them. */
	const char *plain = "vpcsim compare --repeat 1 --set workload:web.connection=per-request";
	GString *p50s[2] = { g_string_new(NULL), g_string_new(NULL) };
	GString *bytes[2] = { g_string_new(NULL), g_string_new(NULL) };
	for (int https = 0; https < 2; https++) {
		CU_ASSERT_EQUAL(vpcsim(&out, NULL, "compare", "--repeat", "1", "--set",
		                       "workload:web.connection=per-request", https ? "--https" : NULL, NULL),
		                0);
		char **rows = g_strsplit(out, "\n", -1);
		for (guint i = 0; rows[i]; i++) {
			GString *g = g_str_has_prefix(rows[i], "latency p50 (ms)")       ? p50s[https]
			             : g_str_has_prefix(rows[i], "bytes on the wire per") ? bytes[https]
			                                                                   : NULL;
			char **cells = g ? g_strsplit_set(rows[i], " ", -1) : NULL;
			for (guint k = 0; cells && cells[k]; k++)
				if (g_ascii_isdigit(cells[k][0]))
					g_string_append_printf(g, "%s%s", g->len ? " / " : "", cells[k]);
			g_strfreev(cells);
		}
		g_strfreev(rows);
		g_free(out);
	}
	GRegex *ws = g_regex_new("\\s+", 0, 0, NULL);
	char *squeezed = g_regex_replace_literal(ws, readme, -1, 0, " ", 0, NULL);
	g_regex_unref(ws);
	char *l1 = g_strdup_printf("%s # p50 %s ms", plain, p50s[0]->str);
	char *l2 = g_strdup_printf("%s --https # p50 %s ms", plain, p50s[1]->str);
	char *l3 = g_strdup_printf("request %s plain and %s over HTTPS", bytes[0]->str, bytes[1]->str);
	const char *need[] = { l1, l2, l3 };
	for (guint i = 0; i < G_N_ELEMENTS(need); i++) {
		CU_ASSERT_PTR_NOT_NULL(strstr(squeezed, need[i]));
		if (!strstr(squeezed, need[i]))
			printf("\n    README lacks \"%s\"", need[i]);
	}
	g_free(l1);
	g_free(l2);
	g_free(l3);
	g_free(squeezed);
	for (int i = 0; i < 2; i++) {
		g_string_free(p50s[i], TRUE);
		g_string_free(bytes[i], TRUE);
	}
	g_free(readme);
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
	CU_add_test(s, "README samples of run, trace and compare", test_readme_samples);
	CU_add_test(s, "README samples of the benchmarks: their simulated figures", test_readme_bench_samples);
	CU_add_test(s, "README's JSON report sketch", test_readme_json_sample);
	CU_add_test(s, "compare: table, derived properties, plots", test_compare);
}
