/* \summary: the vpcsim command end to end: help, exit codes, benchmarks, demo captures, determinism */
#include <stdarg.h>
#include <stdio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "harness.h"

#define run harness_vpcsim_v

static void test_help_and_exit_codes(void)
{
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(run(&out, NULL, "--help", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Commands:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "bench"));
	g_free(out);
	CU_ASSERT_EQUAL(run(&out, NULL, "--version", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "vpcsim " VPCSIM_VERSION));
	g_free(out);
	CU_ASSERT_EQUAL(run(NULL, &err, "--bogus", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown option '--bogus'"));
	g_free(err);
	CU_ASSERT_EQUAL(run(NULL, &err, "frobnicate", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown command 'frobnicate'\n"));
	g_free(err);
	/* A typo names the command it most likely meant. */
	CU_ASSERT_EQUAL(run(NULL, &err, "compre", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown command 'compre'; did you mean 'compare'?"));
	g_free(err);
	CU_ASSERT_EQUAL(run(NULL, &err, "valdate", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "did you mean 'validate'?"));
	g_free(err);
	CU_ASSERT_EQUAL(run(NULL, NULL, NULL), 2);
	CU_ASSERT_EQUAL(run(NULL, &err, "bench", "hold", "--bogus", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Unknown option --bogus"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "vpcsim bench hold"));
	g_free(err);
	CU_ASSERT_EQUAL(run(&out, NULL, "bench", "chain", "--help", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--pcap-dir"));
	g_free(out);
	CU_ASSERT_EQUAL(run(NULL, &err, "bench", "chain", "--interval", "5", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'5'"));
	g_free(err);
}

static void test_bench_hold_prints_figures(void)
{
	char *out = NULL;
	CU_ASSERT_EQUAL(run(&out, NULL, "bench", "hold", "--n", "100", "--n", "1000", "--holds", "20000",
	                    NULL),
	                0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "hold n=100 holds=20000 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "hold n=1000 holds=20000 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "holds_per_s="));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " heap4_holds_per_s="));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " ratio="));
	g_free(out);

	/* bench workload: K times the clients, and its figures. */
	char *err = NULL;
	CU_ASSERT_EQUAL(run(&out, NULL, "bench", "workload", "alb-privatelink", "--scale", "3",
	                    "--duration", "200ms", NULL),
	                0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "workload scenario=alb-privatelink scale=3 clients=6 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " events_per_packet_hop="));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " packet_hops_per_s="));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " pcap_bytes=0 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " queue_peak="));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " timers_peak="));
	/* With --pcap-dir every port is captured at --snaplen; the run's
	 * events are the same as without. */
	const char *ev = strstr(out, " events=");
	char *events = ev ? g_strndup(ev, strcspn(ev + 1, " ") + 1) : NULL;
	g_free(out);
	char *dir = harness_tmpdir();
	CU_ASSERT_EQUAL(run(&out, NULL, "bench", "workload", "alb-privatelink", "--scale", "3",
	                    "--duration", "200ms", "--pcap-dir", dir, "--snaplen", "128", NULL),
	                0);
	CU_ASSERT_PTR_NOT_NULL(events && strstr(out, events));
	CU_ASSERT_PTR_NULL(strstr(out, " pcap_bytes=0 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " pcap_bytes="));
	GDir *d = g_dir_open(dir, 0, NULL);
	int files = 0;
	while (d && g_dir_read_name(d))
		files++;
	if (d)
		g_dir_close(d);
	CU_ASSERT_TRUE(files > 1);
	harness_rmtree(dir);
	g_free(dir);
	g_free(events);
	g_free(out);
	CU_ASSERT_EQUAL(run(NULL, &err, "bench", "workload", "alb-privatelink-az", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no [vars] clients to scale"));
	g_free(err);

	/* bench tcp: one transfer through a bottleneck, every byte there. */
	CU_ASSERT_EQUAL(run(&out, NULL, "bench", "tcp", "--bytes", "2MB", "--cc", "newreno", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "tcp bytes=2000000 rate_bps=1000000000 rtt_ns=2000000 queue=65536 "
	                                   "cc=newreno sack=on time_ns="));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " mbps="));
	g_free(out);
}

static guint64 field(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	return p ? g_ascii_strtoull(p + strlen(key), NULL, 10) : G_MAXUINT64;
}

static void test_bench_chain_with_captures(void)
{
	char *dir = harness_tmpdir();
	char *out = NULL;
	CU_ASSERT_EQUAL_FATAL(run(&out, NULL, "bench", "chain", "--hops", "3", "--packets", "200",
	                          "--pcap-dir", dir, NULL),
	                      0);
	CU_ASSERT_EQUAL(field(out, "delivered="), 200);
	CU_ASSERT_EQUAL(field(out, "hops="), 3);
	/* Each packet crosses 4 links: 200 sends + 800 arrivals. */
	CU_ASSERT_EQUAL(field(out, "events="), 1000);
	guint64 pcap_bytes = field(out, "pcap_bytes=");
	/* 8 ports captured; every file complete, no temporary left behind. */
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	int files = 0;
	guint64 total = 0;
	while ((name = g_dir_read_name(d))) {
		CU_ASSERT(g_str_has_suffix(name, ".pcap") && name[0] != '.');
		char *path = g_build_filename(dir, name, NULL);
		GStatBuf st;
		g_stat(path, &st);
		total += (guint64)st.st_size;
		files++;
		g_free(path);
	}
	g_dir_close(d);
	CU_ASSERT_EQUAL(files, 8);
	CU_ASSERT_EQUAL(total, pcap_bytes);
	/* 200 frames of 1042 bytes, each written twice per link (sent and
	 * received), 4 links, 16-byte record headers, 24-byte file headers. */
	CU_ASSERT_EQUAL(total, 8 * 24 + 200 * 4 * 2 * (16 + 1042));
	g_free(out);
	harness_rmtree(dir);
	g_free(dir);
}

static gboolean same_file(const char *a, const char *b)
{
	char *x = NULL, *y = NULL;
	gsize lx = 0, ly = 0;
	gboolean ok = g_file_get_contents(a, &x, &lx, NULL) && g_file_get_contents(b, &y, &ly, NULL) &&
	              lx == ly && memcmp(x, y, lx) == 0;
	g_free(x);
	g_free(y);
	return ok;
}

/* The demo writes a capture per port; the same seed gives byte-identical
 * captures and report, another seed different ones; Wireshark's dissectors
 * find nothing wrong in them. */
static void test_demo_deterministic_and_clean(void)
{
	char *d1 = harness_tmpdir(), *d2 = harness_tmpdir(), *d3 = harness_tmpdir();
	char *o1 = NULL, *o2 = NULL, *o3 = NULL;
	CU_ASSERT_EQUAL_FATAL(run(&o1, NULL, "demo", "--pcap-dir", d1, "--seed", "7", NULL), 0);
	CU_ASSERT_EQUAL_FATAL(run(&o2, NULL, "demo", "--pcap-dir", d2, "--seed", "7", NULL), 0);
	CU_ASSERT_EQUAL_FATAL(run(&o3, NULL, "demo", "--pcap-dir", d3, "--seed", "8", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(o1, "p99.9"));
	/* The reports differ only in the directory they name. */
	char **p1 = g_strsplit(o1, d1, -1), **p2 = g_strsplit(o2, d2, -1);
	char *j1 = g_strjoinv("DIR", p1), *j2 = g_strjoinv("DIR", p2);
	CU_ASSERT_STRING_EQUAL(j1, j2);
	g_strfreev(p1);
	g_strfreev(p2);
	g_free(j1);
	g_free(j2);
	const char *names[] = { "demo-client-p0.pcap", "demo-r1-p0.pcap", "demo-r1-p1.pcap",
		                "demo-r2-p0.pcap", "demo-r2-p1.pcap", "demo-server-p0.pcap" };
	GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char *a = g_build_filename(d1, names[i], NULL);
		char *b = g_build_filename(d2, names[i], NULL);
		char *c = g_build_filename(d3, names[i], NULL);
		CU_ASSERT(g_file_test(a, G_FILE_TEST_IS_REGULAR));
		CU_ASSERT(same_file(a, b));
		CU_ASSERT(!same_file(a, c));
		g_ptr_array_add(paths, a);
		g_free(b);
		g_free(c);
	}
	if (harness_have("tshark")) {
		const char *lint = g_getenv("VPCSIM_PCAP_LINT");
		CU_ASSERT_FATAL(lint && g_file_test(lint, G_FILE_TEST_EXISTS));
		const char *argv[16] = { "bash", lint };
		for (guint i = 0; i < paths->len; i++)
			argv[2 + i] = g_ptr_array_index(paths, i);
		char *out = NULL, *err = NULL;
		int rc = harness_run(argv, &out, &err);
		if (rc != 0)
			printf("\n%s%s", out, err);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "malformed=0 bad_checksums=0 expert_warnings=0"));
		g_free(out);
		g_free(err);
	} else {
		printf("\n    tshark not installed: dissection check skipped (CI installs it)");
	}
	g_ptr_array_unref(paths);
	g_free(o1);
	g_free(o2);
	g_free(o3);
	harness_rmtree(d1);
	harness_rmtree(d2);
	harness_rmtree(d3);
	g_free(d1);
	g_free(d2);
	g_free(d3);
}

/* An unwritable capture directory is a clear error and a non-zero exit. */
static void test_demo_unwritable_dir(void)
{
	char *dir = harness_tmpdir();
	char *file = g_build_filename(dir, "plain-file", NULL);
	g_file_set_contents(file, "x", 1, NULL);
	char *bad = g_build_filename(file, "pcaps", NULL);
	char *err = NULL;
	CU_ASSERT_EQUAL(run(NULL, &err, "demo", "--pcap-dir", bad, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, bad));
	g_free(err);
	g_free(bad);
	g_free(file);
	harness_rmtree(dir);
	g_free(dir);
}

/* A think time whose sample overflows the clock stops the run with an error
 * naming the key and the distribution, exit 1; it was a GLib CRITICAL and
 * exit 0.  The same through compare. */
static void test_sample_beyond_the_clock(void)
{
	const char *set = "workload:web.think_time=pareto(scale=1ms, shape=0.01)";
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(run(&out, &err, "run", "scenarios/vpc-tgw.ini", "--set", set, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "scenarios/vpc-tgw.ini: [workload web] think_time: "
	                                   "'pareto(scale=1ms, shape=0.01)' drew "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "beyond the clock's range of 292 years"));
	CU_ASSERT_PTR_NULL(strstr(err, "CRITICAL"));
	CU_ASSERT_STRING_EQUAL(out, "");
	g_free(out);
	g_free(err);
	CU_ASSERT_EQUAL(run(NULL, &err, "compare", "scenarios/vpc-tgw.ini", "scenarios/vpc-peering.ini",
	                    "--set", set, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "think_time: 'pareto(scale=1ms, shape=0.01)' drew "));
	g_free(err);
}

/* Negative or out-of-range numeric options, and option values of the wrong
 * form, are a bad command line (exit 2), with a message naming the option
 * (not the scenario file); `bench hold --n -1` was once read as 2^64-1,
 * `demo --seed -1` ran, and `--set foo` was reported as a problem of the
 * scenario file (exit 1). */
static void test_numeric_options(void)
{
	static const struct {
		const char *args[10]; /* NULL-terminated */
		const char *want;
	} cases[] = {
		{ { "bench", "hold", "--n", "-1" }, "--n '-1': expected a whole number from 1 to 67108864" },
		{ { "bench", "hold", "--n", "100000000" }, "--n '100000000'" },
		{ { "bench", "hold", "--holds", "0" }, "--holds '0': expected a whole number from 1" },
		{ { "bench", "hold", "--seed", "-3" }, "--seed '-3'" },
		{ { "bench", "chain", "--packets", "-1" }, "--packets '-1'" },
		{ { "bench", "chain", "--hops", "1001" }, "--hops '1001': expected a whole number from 0 to 1000" },
		{ { "bench", "chain", "--interval", "-1us" }, "--interval '-1us': expected a time from 1ns" },
		{ { "bench", "chain", "--delay", "1e9h" }, "--delay '1e9h' is out of range" },
		{ { "bench", "tgw", "--requests", "-1" }, "--requests '-1'" },
		{ { "bench", "tcp", "--cc", "bbr" }, "--cc 'bbr': expected cubic or newreno" },
		{ { "bench", "tcp", "--bytes", "0B" }, "--bytes '0B': expected a whole number of bytes from 1B" },
		{ { "bench", "tcp", "--rtt", "fast" }, "--rtt 'fast': " },
		{ { "bench", "tgw", "--rate", "1e10/s" }, "--rate '1e10/s' is out of range" },
		{ { "demo", "--seed", "-1" }, "--seed '-1': expected a whole number from 0" },
		{ { "demo", "--packets", "0" }, "--packets '0'" },
		{ { "run", "scenarios/vpc-tgw.ini", "--seed", "-1" }, "--seed '-1': expected a whole number from 0 to 18446744073709551615" },
		{ { "run", "scenarios/vpc-tgw.ini", "--duration", "-1s" }, "--duration '-1s': expected a time from 1ns to 8760h" },
		{ { "run", "scenarios/vpc-tgw.ini", "--snaplen", "70000" }, "--snaplen '70000'" },
		{ { "run", "scenarios/vpc-tgw.ini", "--snaplen", "-1B" }, "--snaplen '-1B'" },
		{ { "compare", "--seed", "1e3" }, "--seed '1e3'" },
		{ { "compare", "--duration", "5" }, "--duration '5' has no unit" },
		{ { "trace", "scenarios/vpc-peering.ini", "--from", "client-1", "--to", "server-1", "--port", "0" },
		  "--port '0': expected a whole number from 1 to 65535" },
		{ { "run", "scenarios/vpc-tgw.ini", "--seed", "abc" }, "--seed 'abc': expected a whole number" },
		{ { "run", "scenarios/vpc-tgw.ini", "--duration", "5" }, "--duration '5' has no unit" },
		{ { "run", "scenarios/vpc-tgw.ini", "--set", "foo" }, "--set 'foo': expected GROUP.KEY=VALUE" },
		{ { "run", "scenarios/vpc-tgw.ini", "--set", "vpc:vpc-a.=1" }, "--set 'vpc:vpc-a.=1': expected" },
		{ { "compare", "--seed", "abc" }, "--seed 'abc'" },
		{ { "compare", "--set", "foo" }, "--set 'foo': expected GROUP.KEY=VALUE" },
		{ { "compare", "--repeat", "abc" }, "vpcsim: --repeat 'abc': expected a whole number from 1 to 1000" },
		{ { "compare", "--set", "alb-nope:vars.clients=1" },
		  "--set 'alb-nope:vars.clients=1': no option is named 'alb-nope'; expected GROUP.KEY=VALUE for "
		  "every option, or OPTION:GROUP.KEY=VALUE with OPTION one of alb-peering, alb-tgw" },
		{ { "trace", "scenarios/vpc-peering.ini", "--from", "client-1", "--to", "server-1", "--set", "foo" },
		  "--set 'foo': expected GROUP.KEY=VALUE" },
		{ { "validate", "scenarios/vpc-peering.ini", "--set", "foo" }, "--set 'foo': expected GROUP.KEY=VALUE" },
		{ { "sweep", "scenarios/sweeps/s3-volume.ini", "--seed", "1" }, "Unknown option --seed" },
		{ { "sweep", "scenarios/sweeps/s3-volume.ini", "--jobs", "x" }, "--jobs" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *err = NULL;
		int rc = harness_vpcsim(NULL, &err, cases[i].args);
		gboolean ok = rc == 2 && strstr(err, cases[i].want) != NULL && g_str_has_prefix(err, "vpcsim: ");
		if (!ok)
			fprintf(stderr, "\n  vpcsim %s %s ...: exit %d, %s\n", cases[i].args[0],
			        cases[i].args[1], rc, err);
		CU_ASSERT(ok);
		g_free(err);
	}
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("vpcsim command");
	CU_add_test(s, "help, version and exit codes", test_help_and_exit_codes);
	CU_add_test(s, "bench hold prints its figures", test_bench_hold_prints_figures);
	CU_add_test(s, "bench chain with captures on every port", test_bench_chain_with_captures);
	CU_add_test(s, "demo: deterministic, clean captures", test_demo_deterministic_and_clean);
	CU_add_test(s, "demo: unwritable capture directory", test_demo_unwritable_dir);
	CU_add_test(s, "a sample beyond the clock stops the run", test_sample_beyond_the_clock);
	CU_add_test(s, "numeric options out of range", test_numeric_options);
}
