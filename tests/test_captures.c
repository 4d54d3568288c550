/* \summary: teaching captures: capture points, clean in Wireshark, deterministic, valid after Ctrl-C */
/* pcap.h needs the BSD u_int types, and kill() POSIX: strict C11 hides both. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "harness.h"
#include "build.h"
#include "lesson_facts.h"
#include "node.h"
#include "pcap_check.h"
#include "scenario.h"

/*
 * The captures that `vpcsim compare --pcap-dir` writes are meant to be
 * opened by students (pcaps/README.md), so every bundled alb-* and s3-*
 * scenario is run here with its own capture points, through the command
 * as a user would, and each file is judged by Wireshark's dissectors: no
 * malformed packet, no bad checksum, no expert warning (which includes
 * "previous segment not captured" and "ACKed unseen segment"), every HTTP
 * request answered, X-Forwarded-For on every request the ALB sends to a
 * target and on none a client sends.  Runs are short (half a second of
 * requests); the checks that need tshark pass with a notice without it.
 */

/* Requests start during this much simulated time: a few dozen through the
 * ALBs, a few 1 MiB objects from S3, enough for every capture point. */
#define SHORT "scenario.duration=500ms"

static const char *bin(void)
{
	const char *b = g_getenv("VPCSIM_BIN");
	return b ? b : "vpcsim";
}

static int cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The bundled alb-*.ini and s3-*.ini, sorted, as paths relative to the
 * source tree.  The overlap variants of peering and TGW exist to show that
 * those cannot connect overlapping VPCs: they are returned in `refused`. */
static GPtrArray *bundled(GPtrArray **refused)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	*refused = g_ptr_array_new_with_free_func(g_free);
	char *dir = harness_source_path("scenarios");
	GDir *d = g_dir_open(dir, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	const char *n;
	while ((n = g_dir_read_name(d))) {
		if (!g_str_has_suffix(n, ".ini") ||
		    !(g_str_has_prefix(n, "alb-") || g_str_has_prefix(n, "s3-")))
			continue;
		gboolean bad = g_str_has_prefix(n, "alb-overlap-peering") ||
		               g_str_has_prefix(n, "alb-overlap-tgw");
		g_ptr_array_add(bad ? *refused : a, g_build_filename("scenarios", n, NULL));
	}
	g_dir_close(d);
	g_free(dir);
	g_ptr_array_sort(a, cmp_str);
	return a;
}

/* The *.pcap files in dir, sorted; a hidden file (a capture's temporary
 * name) left behind fails the test. */
static GPtrArray *pcaps_in(const char *dir)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	if (!d)
		return a;
	const char *n;
	while ((n = g_dir_read_name(d))) {
		CU_ASSERT(n[0] != '.');
		if (n[0] == '.')
			printf("\n    left behind in %s: %s", dir, n);
		if (g_str_has_suffix(n, ".pcap"))
			g_ptr_array_add(a, g_strdup(n));
	}
	g_dir_close(d);
	g_ptr_array_sort(a, cmp_str);
	return a;
}

static char *joined(GPtrArray *names)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < names->len; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "", (char *)names->pdata[i]);
	return g_string_free(s, FALSE);
}

/* Packets in a capture read with libpcap (-1 if it is not a valid pcap);
 * its snap length, the largest captured length and whether any packet was
 * cut short. */
typedef struct {
	long packets;
	int snaplen;
	guint max_caplen;
	gboolean truncated;
	long bytes; /* the file's size */
} pcap_info;

static pcap_info read_pcap(const char *dir, const char *name)
{
	pcap_info pi = { -1, 0, 0, FALSE, -1 };
	char *path = g_build_filename(dir, name, NULL);
	GStatBuf st;
	if (g_stat(path, &st) == 0)
		pi.bytes = (long)st.st_size;
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, errbuf);
	if (!pc) {
		printf("\n    %s: %s", path, errbuf);
		g_free(path);
		return pi;
	}
	pi.packets = 0;
	pi.snaplen = pcap_snapshot(pc);
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		pi.packets++;
		pi.max_caplen = MAX(pi.max_caplen, h->caplen);
		pi.truncated |= h->caplen < h->len;
	}
	if (rc != PCAP_ERROR_BREAK) {
		printf("\n    %s: %s", path, pcap_geterr(pc));
		pi.packets = -1;
	}
	pcap_close(pc);
	g_free(path);
	return pi;
}

static gboolean same_bytes(const char *a, const char *b)
{
	char *x = NULL, *y = NULL;
	gsize nx = 0, ny = 0;
	gboolean ok = g_file_get_contents(a, &x, &nx, NULL) && g_file_get_contents(b, &y, &ny, NULL) &&
	              nx == ny && memcmp(x, y, nx) == 0;
	g_free(x);
	g_free(y);
	return ok;
}

/* Runs `vpcsim ARGS...` (NULL-terminated); returns the exit status. */
#define vpcsim harness_vpcsim_v

static scenario *load(const char *rel, const char *const *sets, GError **err)
{
	char *path = harness_source_path(rel);
	scenario *sc = scenario_load(path, sets, err);
	g_free(path);
	return sc;
}

/* ---- the [scenario] keys ------------------------------------------------ */

static void expect_problem(const char *rel, const char *const *sets, const char *want)
{
	GError *err = NULL;
	scenario *sc = load(rel, sets, &err);
	CU_ASSERT_PTR_NULL(sc);
	scenario_free(sc);
	gboolean hit = err && strstr(err->message, want);
	CU_ASSERT(hit);
	if (!hit)
		printf("\n    wanted \"%s\"; got: %s", want, err ? err->message : "(loaded)");
	g_clear_error(&err);
}

static void test_keys(void)
{
	GError *err = NULL;
	/* As shipped: the list without the spaces around names; whole packets. */
	scenario *sc = load("scenarios/alb-public.ini", NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_STRING_EQUAL(sc->capture, "client-1,nat-a,igw-a,alb-b,web-1");
	CU_ASSERT_EQUAL(sc->snaplen, 0);
	scenario_free(sc);
	/* Without the keys: every node, whole packets. */
	sc = load("scenarios/vpc-peering.ini", NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_STRING_EQUAL(sc->capture, "all");
	CU_ASSERT_EQUAL(sc->snaplen, 0);
	scenario_free(sc);

	const char *const globs[] = { "scenario.capture= client-* ,  nat-a ,i?w-a", "scenario.snaplen=128B",
		                      NULL };
	sc = load("scenarios/alb-public.ini", globs, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_STRING_EQUAL(sc->capture, "client-*,nat-a,i?w-a");
	CU_ASSERT_EQUAL(sc->snaplen, 128);
	scenario_free(sc);
	const char *const none[] = { "scenario.capture=none", "scenario.snaplen=1KiB", NULL };
	sc = load("scenarios/alb-public.ini", none, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_STRING_EQUAL(sc->capture, "none");
	CU_ASSERT_EQUAL(sc->snaplen, 1024);
	scenario_free(sc);

	static const struct {
		const char *set, *want;
	} bad[] = {
		{ "scenario.capture=nat-b", "[scenario] capture: 'nat-b' matches no node; expected names of "
		                            "this scenario's nodes, globs allowed: client-1, client-2, web-1, "
		                            "web-2, vpc-a-router, vpc-b-router, vpc-a-resolver, vpc-b-resolver, "
		                            "nat-a, igw-a, igw-b, alb-b, ... (13 in all)" },
		{ "scenario.capture=client-1,pcx-*", "'pcx-*' matches no node" },
		{ "scenario.capture=all,nat-a", "'all,nat-a' lists 'all' with other names; expected all, none, "
		                                "or comma-separated node names, globs allowed" },
		{ "scenario.capture=client-1,none", "lists 'none' with other names" },
		{ "scenario.capture=", "[scenario] capture: '' is empty; expected all, none" },
		{ "scenario.capture=client-1,,nat-a", "'client-1,,nat-a' has an empty name" },
		{ "scenario.capture=client-1,web/1", "has 'web/1', which is not a node name" },
		{ "scenario.capture=client 1", "'client 1' is not a node name" },
		{ "scenario.snaplen=128", "[scenario] snaplen: '128' has no unit; expected a size" },
		{ "scenario.snaplen=64KiB", "[scenario] snaplen: '64KiB' is out of range; expected a size from "
		                            "0B (whole packets) to 65535B" },
		{ "scenario.snaplen=-1B", "'-1B' is out of range" },
		{ "scenario.snaplen=1.5B", "'1.5B' is not a whole number of bytes" },
		{ "scenario.snaplen=2ms", "[scenario] snaplen: '2ms'" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		const char *const sets[] = { bad[i].set, NULL };
		expect_problem("scenarios/alb-public.ini", sets, bad[i].want);
	}
	/* Both problems at once, as every loader problem is reported. */
	const char *const two[] = { "scenario.capture=nat-b", "scenario.snaplen=70000B", NULL };
	expect_problem("scenarios/alb-public.ini", two, "'nat-b' matches no node");
	expect_problem("scenarios/alb-public.ini", two, "'70000B' is out of range");
	/* Services add their front and the public network. */
	const char *const s3[] = { "scenario.capture=s3-endpoint,region,s3,vpce-s3", NULL };
	sc = load("scenarios/s3-gateway-endpoint.ini", s3, &err);
	CU_ASSERT_PTR_NOT_NULL(sc);
	scenario_free(sc);
	g_clear_error(&err);

	/* The form alone, as `vpcsim compare --capture` checks it. */
	CU_ASSERT_TRUE(scenario_capture_check("client-1, nat-*", NULL));
	CU_ASSERT_TRUE(scenario_capture_check("no-such-node", NULL));
	CU_ASSERT_TRUE(scenario_capture_check(" none ", NULL));
	CU_ASSERT_FALSE(scenario_capture_check("a;b", &err));
	CU_ASSERT(err && strstr(err->message, "'a;b' is not a node name"));
	g_clear_error(&err);
}

/* scenario_node_names() must name exactly the nodes the builder makes,
 * or a capture point the loader accepts would capture nothing (or one it
 * refuses would exist). */
static void test_node_names(void)
{
	GPtrArray *refused;
	GPtrArray *files = bundled(&refused);
	const char *const more[] = { "scenarios/vpc-peering.ini", "scenarios/vpc-tgw.ini",
		                     "scenarios/vpc-three-peering.ini", "scenarios/vpc-three-tgw.ini",
		                     "tests/scenarios/all-kinds.ini", "tests/scenarios/lb-privatelink.ini",
		                     "tests/scenarios/counted.ini" };
	for (size_t i = 0; i < G_N_ELEMENTS(more); i++)
		g_ptr_array_add(files, g_strdup(more[i]));
	for (guint f = 0; f < files->len; f++) {
		GError *err = NULL;
		scenario *sc = load(files->pdata[f], NULL, &err);
		CU_ASSERT_PTR_NOT_NULL(sc);
		if (!sc) {
			printf("\n    %s", err->message);
			g_error_free(err);
			continue;
		}
		world_options wo = { 0 };
		world *w = world_new(sc, &wo, &err);
		CU_ASSERT_PTR_NOT_NULL(w);
		if (!w) {
			printf("\n    %s", err->message);
			g_error_free(err);
			scenario_free(sc);
			continue;
		}
		GPtrArray *built = g_ptr_array_new_with_free_func(g_free);
		const net *nt = world_net(w);
		for (guint i = 0; i < nt->nodes->len; i++)
			g_ptr_array_add(built, g_strdup(((node *)g_ptr_array_index(nt->nodes, i))->name));
		GPtrArray *named = scenario_node_names(sc);
		g_ptr_array_sort(built, cmp_str);
		g_ptr_array_sort(named, cmp_str);
		char *b = joined(built), *n = joined(named);
		CU_ASSERT_STRING_EQUAL(b, n);
		if (strcmp(b, n) != 0)
			printf("\n    %s: built %s\n    named %s", (char *)files->pdata[f], b, n);
		g_free(b);
		g_free(n);
		g_ptr_array_unref(built);
		g_ptr_array_unref(named);
		world_free(w);
		scenario_free(sc);
	}
	g_ptr_array_unref(files);
	g_ptr_array_unref(refused);
}

/* ---- the command line over the scenario ----------------------------------- */

static void expect_files(const char *dir, const char *want)
{
	GPtrArray *got = pcaps_in(dir);
	char *g = joined(got);
	CU_ASSERT_STRING_EQUAL(g, want);
	if (strcmp(g, want) != 0)
		printf("\n    in %s: %s\n    wanted: %s", dir, g, want);
	g_free(g);
	g_ptr_array_unref(got);
}

static void test_command_line(void)
{
	char *file = harness_source_path("scenarios/alb-public.ini");
	char *peering = harness_source_path("scenarios/alb-peering.ini");
	char *err = NULL;

	/* The scenario's points: client-1, nat-a, igw-a, alb-b, web-1; every
	 * linked port of each, the ALB's second node (use1-az2) as -2. */
	char *d = harness_tmpdir();
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", file, "--duration", "200ms", "--pcap-dir", d, NULL), 0);
	expect_files(d, "alb-public-alb-b-vpc-b-router-2.pcap alb-public-alb-b-vpc-b-router.pcap "
	                "alb-public-client-1-vpc-a-router.pcap alb-public-igw-a-region.pcap "
	                "alb-public-igw-a-vpc-a-router.pcap alb-public-nat-a-vpc-a-router.pcap "
	                "alb-public-web-1-vpc-b-router.pcap");
	pcap_info whole = read_pcap(d, "alb-public-web-1-vpc-b-router.pcap");
	CU_ASSERT(whole.packets > 0 && whole.snaplen == 65535 && !whole.truncated);
	CU_ASSERT(whole.max_caplen > 1514); /* jumbo frames behind the ALB */
	harness_rmtree(d);
	g_free(d);

	/* --capture replaces the list; globs; none writes nothing. */
	d = harness_tmpdir();
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", file, "--duration", "200ms", "--pcap-dir", d, "--capture",
	                       "client-?,igw-b", NULL),
	                0);
	expect_files(d, "alb-public-client-1-vpc-a-router.pcap alb-public-client-2-vpc-a-router.pcap "
	                "alb-public-igw-b-region.pcap alb-public-igw-b-vpc-b-router.pcap");
	harness_rmtree(d);
	g_free(d);
	d = harness_tmpdir();
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", file, "--duration", "200ms", "--pcap-dir", d, "--capture",
	                       "none", NULL),
	                0);
	expect_files(d, "");
	/* A name the scenario lacks is an error that names the scenario's nodes. */
	CU_ASSERT_EQUAL(vpcsim(NULL, &err, "run", file, "--pcap-dir", d, "--capture", "client-1,nat-b", NULL),
	                1);
	CU_ASSERT(err && strstr(err, "[scenario] capture: 'nat-b' matches no node"));
	g_free(err);
	harness_rmtree(d);
	g_free(d);

	/* --snaplen, and [scenario] snaplen; --snaplen 0 restores whole packets. */
	d = harness_tmpdir();
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", file, "--duration", "200ms", "--pcap-dir", d, "--capture",
	                       "web-1", "--snaplen", "100", NULL),
	                0);
	pcap_info cut = read_pcap(d, "alb-public-web-1-vpc-b-router.pcap");
	CU_ASSERT(cut.packets == whole.packets && cut.snaplen == 100 && cut.max_caplen == 100);
	CU_ASSERT(cut.truncated);
	harness_rmtree(d);
	g_free(d);
	d = harness_tmpdir();
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", file, "--duration", "200ms", "--pcap-dir", d, "--set",
	                       "scenario.snaplen=100B", "--set", "scenario.capture=web-1", NULL),
	                0);
	cut = read_pcap(d, "alb-public-web-1-vpc-b-router.pcap");
	CU_ASSERT(cut.packets == whole.packets && cut.snaplen == 100 && cut.max_caplen == 100);
	harness_rmtree(d);
	g_free(d);
	/* A scenario that sets snaplen, and --snaplen 0 over it. */
	d = harness_tmpdir();
	char *text = NULL;
	CU_ASSERT_TRUE_FATAL(g_file_get_contents(file, &text, NULL, NULL));
	char *at = strstr(text, "[scenario]\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	at += strlen("[scenario]\n");
	char *copy = g_strdup_printf("%.*ssnaplen = 100B\n%s", (int)(at - text), text, at);
	char *tmp = g_build_filename(d, "snap.ini", NULL);
	CU_ASSERT_TRUE(g_file_set_contents(tmp, copy, -1, NULL));
	char *prices_ini = harness_source_path("scenarios/prices/us-east-1.ini");
	char *profile_ini = harness_source_path("scenarios/profiles/default.ini");
	char *set_prices = g_strdup_printf("scenario.prices=%s", prices_ini);
	char *set_profile = g_strdup_printf("scenario.profile=%s", profile_ini);
	char *pd = g_build_filename(d, "p", NULL);
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", tmp, "--duration", "200ms", "--pcap-dir", pd, "--set",
	                       set_prices, "--set", set_profile, "--capture", "web-1", NULL),
	                0);
	cut = read_pcap(pd, "alb-public-web-1-vpc-b-router.pcap");
	CU_ASSERT(cut.packets == whole.packets && cut.snaplen == 100 && cut.max_caplen == 100);
	harness_rmtree(pd);
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", tmp, "--duration", "200ms", "--pcap-dir", pd, "--set",
	                       set_prices, "--set", set_profile, "--capture", "web-1", "--snaplen", "0", NULL),
	                0);
	cut = read_pcap(pd, "alb-public-web-1-vpc-b-router.pcap");
	CU_ASSERT(cut.packets == whole.packets && cut.snaplen == 65535 && cut.max_caplen == whole.max_caplen);
	g_free(pd);
	g_free(set_prices);
	g_free(set_profile);
	g_free(prices_ini);
	g_free(profile_ini);
	g_free(tmp);
	g_free(copy);
	g_free(text);
	/* Out of range on the command line is a bad command line (exit 2); in
	 * the file, a bad scenario (exit 1). */
	CU_ASSERT_EQUAL(vpcsim(NULL, &err, "run", file, "--snaplen", "70000", NULL), 2);
	CU_ASSERT(err && strstr(err, "--snaplen '70000': expected a whole number from 0 to 65535"));
	g_free(err);
	CU_ASSERT_EQUAL(vpcsim(NULL, &err, "run", file, "--set", "scenario.snaplen=70000B", NULL), 1);
	CU_ASSERT(err && strstr(err, "[scenario] snaplen: '70000B' is out of range"));
	g_free(err);
	harness_rmtree(d);
	g_free(d);

	/* compare: each scenario's own points by default; one --capture for
	 * all skips a name an option lacks (alb-peering has no NAT gateway). */
	d = harness_tmpdir();
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "compare", peering, file, "--duration", "200ms", "--pcap-dir", d,
	                       NULL),
	                0);
	GPtrArray *both = pcaps_in(d);
	CU_ASSERT_EQUAL(both->len, 6 + 7);
	g_ptr_array_unref(both);
	harness_rmtree(d);
	g_free(d);
	d = harness_tmpdir();
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "compare", peering, file, "--duration", "200ms", "--pcap-dir", d,
	                       "--capture", "nat-a", "--snaplen", "96", NULL),
	                0);
	expect_files(d, "alb-public-nat-a-vpc-a-router.pcap");
	cut = read_pcap(d, "alb-public-nat-a-vpc-a-router.pcap");
	CU_ASSERT(cut.packets > 0 && cut.snaplen == 96 && cut.max_caplen == 96);
	CU_ASSERT_EQUAL(vpcsim(NULL, &err, "compare", peering, file, "--capture", "nat-a,,web-1", NULL), 2);
	CU_ASSERT(err && strstr(err, "--capture 'nat-a,,web-1' has an empty name"));
	g_free(err);
	harness_rmtree(d);
	g_free(d);
	g_free(file);
	g_free(peering);
}

/* ---- Wireshark's verdict on every bundled scenario's captures --------------- */

/* What one tshark pass found in a capture. */
typedef struct {
	guint problems;     /* frames with a malformed packet, bad checksum, warning or lost segment */
	guint requests, unanswered;
	guint front, front_xff; /* requests (HTTPS: ClientHellos) to an ALB node, and those carrying
	                           X-Forwarded-For */
	guint back, back_xff;   /* requests from an ALB node to a target, and with X-Forwarded-For */
	guint checks, checks_xff; /* health checks from an ALB node (User-Agent ELB-HealthChecker/2.0),
	                             and those with X-Forwarded-For (none should have it) */
} verdict;

/* The same checks as tests/pcap-lint (malformed packets, bad IP/TCP/UDP
 * checksums, expert warnings and errors) plus the TCP analysis flags by
 * name, and every HTTP request with its response, in one two-pass tshark
 * run per file: pcap-lint's four passes per file would take the test past
 * its time budget.  `alb` holds the ALB nodes' addresses (private and
 * public) as "a.b.c.d" keys; `clients` collects the sources of requests
 * that reach an ALB, which X-Forwarded-For must name; `xffs` the values. */
static verdict judge(const char *path, GHashTable *alb, GHashTable *clients, GPtrArray *xffs)
{
	verdict v = { 0 };
	const char *argv[] = {
		"tshark", "-n", "-2", "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
		"-o", "udp.check_checksum:TRUE", "-o", "tcp.reassemble_out_of_order:TRUE", "-r", path,
		"-Y",
		"_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || "
		"udp.checksum.status == 0 || _ws.expert.severity >= warning || tcp.analysis.lost_segment || "
		"tcp.analysis.ack_lost_segment || http.request || tls.handshake.type == 1",
		"-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-e", "frame.number",
		"-e", "http.request.method", "-e", "http.response_in", "-e", "http.x_forwarded_for",
		"-e", "ip.src", "-e", "ip.dst", "-e", "_ws.expert.severity", "-e", "_ws.expert.message",
		"-e", "tcp.analysis.lost_segment", "-e", "tcp.analysis.ack_lost_segment",
		"-e", "http.user_agent",
		"-e", "tls.handshake.type", NULL
	};
	char *out = NULL, *err = NULL;
	int rc = harness_run(argv, &out, &err);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0)
		printf("\n    tshark %s: %s", path, err ? err : "");
	char **lines = g_strsplit(out ? out : "", "\n", -1);
	for (char **l = lines; *l; l++) {
		if (!**l)
			continue;
		char **f = g_strsplit(*l, "|", -1);
		if (g_strv_length(f) != 12) {
			CU_FAIL("tshark printed an unexpected line");
			printf("\n    %s: %s", path, *l);
			g_strfreev(f);
			continue;
		}
		/* A warning (PI_WARN, 0x00600000) or worse anywhere in the frame. */
		gboolean bad = *f[8] || *f[9];
		char **sev = g_strsplit(f[6], ",", -1);
		for (char **s = sev; *s; s++)
			bad |= g_ascii_strtoull(*s, NULL, 10) >= 0x00600000;
		g_strfreev(sev);
		/* A ClientHello to an ALB (an HTTPS listener): the request inside
		 * is encrypted, the connection is the front end's. */
		gboolean hello = strcmp(f[11], "1") == 0;
		if (hello && !*f[1] && g_hash_table_contains(alb, f[5])) {
			v.front++;
			g_hash_table_add(clients, g_strdup(f[4]));
		}
		if ((!*f[1] && !hello) || bad) {
			if (v.problems++ < 3)
				printf("\n    %s frame %s: %s%s%s", path, f[0], f[7], *f[8] ? " [lost segment]" : "",
				       *f[9] ? " [ACKed unseen segment]" : "");
		}
		if (*f[1]) {
			v.requests++;
			if (!*f[2]) {
				if (v.unanswered++ < 3)
					printf("\n    %s frame %s: request without a response", path, f[0]);
			}
			if (g_hash_table_contains(alb, f[5]) && g_str_has_prefix(f[4], "169.254.171.")) {
				/* From VPC Lattice, which names its client in
				 * X-Forwarded-For; the ALB appends Lattice's address. */
				v.front++;
				v.front_xff += *f[3] == '\0';
				g_hash_table_add(clients, g_strdup_printf("%s, %s", f[3], f[4]));
			} else if (g_hash_table_contains(alb, f[5])) {
				v.front++;
				v.front_xff += *f[3] != '\0';
				g_hash_table_add(clients, g_strdup(f[4]));
			} else if (g_hash_table_contains(alb, f[4]) &&
			           strcmp(f[10], "ELB-HealthChecker/2.0") == 0) {
				/* A node's health check: the ALB's own request, with
				 * no client to name. */
				v.checks++;
				v.checks_xff += *f[3] != '\0';
			} else if (g_hash_table_contains(alb, f[4])) {
				v.back++;
				v.back_xff += *f[3] != '\0';
				if (*f[3])
					g_ptr_array_add(xffs, g_strdup(f[3]));
			}
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(out);
	g_free(err);
	return v;
}

/* The lesson plan's facts (lesson_facts.h says how one reads). */

#define SYN "tcp.flags.syn == 1"
#define SYN_ONLY "tcp.flags.syn == 1 && tcp.flags.ack == 0"
#define SYN_MSS "ip.src ip.dst tcp.options.mss_val"
#define Q_L6_TIMES "about 5 ms through peering, 6 ms through the Transit Gateway or PrivateLink, 10 ms " \
	"through the NAT gateway and the Region's public network."
#define Q_L9_TIMES "about 23 ms through the gateway endpoint, 25 ms through the interface endpoint, 32 ms " \
	"through the NAT gateway, for the same 1 MiB (the means over the scenario's whole run)."

static const lesson_fact facts[] = {
	/* Reading a file: a client that resolves the name starts with a DNS
	 * lookup (the -2az scenarios; the first lessons' do not resolve). */
	/* An empty file is the pcap header alone: check_scenario checks it is
	 * 24 bytes.  1767225600 is 2026-01-01 00:00:00 UTC. */
	{ "alb-peering-alb-b-vpc-b-router-2", "frame", "frame.number", "",
	  "A file of 24 bytes is a valid capture with no packets: that port carried nothing." },
	{ "alb-peering-client-1-vpc-a-router",
	  "frame.number == 1 && frame.time_epoch >= 1767225600 && frame.time_epoch < 1767225601", "frame.number",
	  "1", "Timestamps are simulated nanoseconds from 2026-01-01 00:00:00 UTC" },
	{ "alb-peering-alb-b-vpc-b-router", "http.request", "tcp.dstport", "80;8080",
	  "HTTP is in clear on port 80 (front ends, S3) and 8080 (targets)" },
	{ "s3-gateway-endpoint-client-1-vpc-a-router", "http.request", "ip.dst tcp.dstport", "52.216.8.10 80", NULL },
	{ "alb-peering-alb-b-vpc-b-router", "tcp.dstport == 8080", "ip.dst tcp.dstport", "10.1.1.4 8080;10.1.2.4 8080",
	  "| alb-peering, alb-tgw | 10.0.1.4, 10.0.1.5 | the ALB node 10.1.1.5 (VPC-B) | web-1 10.1.1.4, web-2 "
	  "10.1.2.4, port 8080 |" },
	{ "alb-tgw-alb-b-vpc-b-router", "tcp.dstport == 8080", "ip.dst tcp.dstport", "10.1.1.4 8080;10.1.2.4 8080",
	  "| alb-peering, alb-tgw | 10.0.1.4, 10.0.1.5 | the ALB node 10.1.1.5 (VPC-B) | web-1 10.1.1.4, web-2 "
	  "10.1.2.4, port 8080 |" },
	{ "alb-peering-2az-client-1-vpc-a-router", "dns",
	  "frame.number ip.src ip.dst udp.dstport dns.flags.response dns.qry.name",
	  "1 10.0.1.4 10.0.0.2 53 0 internal-alb-b-0820804771.us-east-1.elb.amazonaws.com;"
	  "2 10.0.0.2 10.0.1.4 40506 1 internal-alb-b-0820804771.us-east-1.elb.amazonaws.com",
	  "The client (10.0.1.4) sends a standard query from a random port to 10.0.0.2:53, its VPC's Route 53 "
	  "Resolver (the VPC's base address plus two), for the load balancer's name "
	  "(`internal-alb-b-0820804771.us-east-1.elb.amazonaws.com`)" },
	{ "alb-privatelink-2az-client-1-vpc-a-router", "dns.flags.response == 1",
	  "dns.qry.name dns.count.answers dns.flags.recdesired dns.flags.recavail", "api.service-b.internal 2 1 1",
	  "the answer comes back a fraction of a millisecond later with one A record per node or ENI (two for an "
	  "ALB in two AZs, in random order), each with TTL 60." },
	{ "alb-privatelink-2az-client-1-vpc-a-router", "dns.resp.ttl ~= 60", "ip.src", "", NULL },
	{ "alb-privatelink-2az-client-1-vpc-a-router", "dns.flags.response == 0", "dns.id", "#1",
	  "One lookup per client and name per TTL: the runs are shorter than 60 s, so once." },
	/* Lesson 1: peering, MSS 8961 both ways, Linux's SYN options, the
	 * separate handshake ACK, 8949-byte segments in 9015-byte frames. */
	{ "alb-peering-client-1-vpc-a-router", SYN_ONLY, "ip.src tcp.srcport ip.dst tcp.dstport",
	  "10.0.1.4 40665 10.1.1.5 80;10.0.1.4 40666 10.1.1.5 80",
	  "client-1 opens a keep-alive connection, 10.0.1.4:40665 to 10.1.1.5:80: the ALB's private "
	  "address in the other VPC, reached directly; a second one, :40666," },
	{ "alb-peering-client-1-vpc-a-router", SYN, "ip.src tcp.srcport ip.dst tcp.dstport tcp.options.mss_val",
	  "10.0.1.4 40665 10.1.1.5 80 8961;10.0.1.4 40666 10.1.1.5 80 8961;10.1.1.5 80 10.0.1.4 40665 8961;"
	  "10.1.1.5 80 10.0.1.4 40666 8961",
	  "In the client's file, filter `tcp.flags.syn == 1`. client-1 opens a keep-alive connection" },
	{ "alb-peering-client-1-vpc-a-router",
	  SYN " && tcp.options.sack_perm && tcp.options.timestamp.tsval",
	  SYN_MSS " frame.len tcp.options.wscale.shift",
	  "10.0.1.4 10.1.1.5 8961 74 7;10.1.1.5 10.0.1.4 8961 74 7",
	  "Both SYN and SYN-ACK carry MSS 8961: the jumbo MTU of 9001 holds inside a VPC and across "
	  "peering in one Region. Each SYN is a 74-byte frame with the options Linux sends (MSS, SACK "
	  "permitted, timestamps, window scale 7)" },
	{ "alb-peering-client-1-vpc-a-router",
	  "tcp.flags == 0x010 && tcp.seq == 1 && tcp.ack == 1 && tcp.len == 0 && ip.src == 10.0.1.4",
	  "tcp.srcport", "40665;40666", "the handshake's third packet is an ACK of its own, before the request." },
	{ "alb-peering-client-1-vpc-a-router", "tcp.len > 1460", "ip.src tcp.len frame.len",
	  "10.1.1.5 7109 7175;10.1.1.5 8949 9015",
	  "Filter `tcp.len > 1460`: each response (a 58-byte head and 16000 bytes of body) comes in two "
	  "segments, a full one of 8949 bytes (MSS 8961 less the 12-byte timestamp option every segment "
	  "carries; `frame.len == 9015`) and the rest." },
	{ "alb-peering-client-1-vpc-a-router", "frame.len == 9015", "ip.src tcp.len", "10.1.1.5 8949", NULL },
	{ "alb-peering-client-1-vpc-a-router", "http.response", "http.content_length", "16000", NULL },
	/* Lesson 2: the ALB's two connections, X-Forwarded-For at the target;
	 * each client's pool grew to two or three connections. */
	{ "alb-peering-alb-b-vpc-b-router", SYN_ONLY, "ip.src tcp.srcport ip.dst tcp.dstport",
	  "10.0.1.4 40665 10.1.1.5 80;10.0.1.4 40666 10.1.1.5 80;10.0.1.5 56725 10.1.1.5 80;"
	  "10.0.1.5 56726 10.1.1.5 80;10.0.1.5 56727 10.1.1.5 80;10.1.1.5 59840 10.1.1.4 8080;"
	  "10.1.1.5 59841 10.1.2.4 8080;10.1.1.5 59842 10.1.2.4 8080",
	  "eight SYNs. Five arrive from the clients' pools (10.0.1.4:40665 and :40666, 10.0.1.5:56725 to "
	  ":56727, to 10.1.1.5:80); three leave from the ALB's own address, 10.1.1.5:59840 to web-1 "
	  "10.1.1.4:8080 and 10.1.1.5:59841 and :59842 to web-2 10.1.2.4:8080." },
	{ "alb-peering-alb-b-vpc-b-router", "http.request && ip.dst == 10.1.1.5", "ip.src ip.dst tcp.dstport",
	  "10.0.1.4 10.1.1.5 80;10.0.1.5 10.1.1.5 80",
	  "Filter `http.request && ip.dst == 10.1.1.5`: the clients' requests, without `X-Forwarded-For`." },
	{ "alb-peering-alb-b-vpc-b-router", "http.x_forwarded_for", "ip.src ip.dst tcp.dstport http.x_forwarded_for",
	  "10.1.1.5 10.1.1.4 8080 10.0.1.4;10.1.1.5 10.1.1.4 8080 10.0.1.5;10.1.1.5 10.1.2.4 8080 10.0.1.4;"
	  "10.1.1.5 10.1.2.4 8080 10.0.1.5",
	  "Filter `http.x_forwarded_for`: only the requests the ALB sends to targets, each naming the client it "
	  "came from (10.0.1.4 or 10.0.1.5)" },
	{ "alb-peering-alb-b-vpc-b-router",
	  "http.x_forwarded_for && !(http.request.line contains \"X-Forwarded-Proto: http\\r\\n\" && "
	  "http.request.line contains \"X-Forwarded-Port: 80\\r\\n\" && http.request.line contains "
	  "\"X-Amzn-Trace-Id: \")", "frame.number", "",
	  "with `X-Forwarded-Proto: http`, `X-Forwarded-Port: 80` and an `X-Amzn-Trace-Id`." },
	{ "alb-peering-web-1-vpc-b-router", "http.x_forwarded_for == \"10.0.1.4\"", "ip.src", "10.1.1.5",
	  "only `X-Forwarded-For` tells who asked (`http.x_forwarded_for == \"10.0.1.4\"`)." },
	{ "alb-peering-alb-b-vpc-b-router", "http.request && ip.dst == 10.1.1.5 && http.x_forwarded_for",
	  "ip.src", "", NULL },
	{ "alb-peering-web-1-vpc-b-router", "http.request", "ip.src http.x_forwarded_for",
	  "10.1.1.5 10.0.1.4;10.1.1.5 10.0.1.5", NULL },
	/* Lesson 3: the TGW, the client's MSS 8961 and the ALB's, each clamped
	 * to 8460 by the TGW; one hop off the TTL. */
	{ "alb-tgw-client-1-vpc-a-router", SYN, SYN_MSS, "10.0.1.4 10.1.1.5 8961;10.1.1.5 10.0.1.4 8460",
	  "the client's SYN says 8961, its ENI's MTU of 9001 minus 40 (an instance knows nothing of its "
	  "path), and the SYN-ACK says 8460, the Transit Gateway's MTU of 8500 minus 40." },
	{ "alb-tgw-client-1-vpc-a-router", SYN " && tcp.flags.ack == 1", "ip.ttl", "63",
	  "The TTL of the SYN-ACK in the client's file is 63" },
	{ "alb-tgw-alb-b-vpc-b-router", SYN_ONLY " && tcp.dstport == 80", "tcp.options.mss_val", "8460",
	  "The client's SYN reaches the ALB advertising 8460" },
	{ "alb-tgw-client-1-vpc-a-router", "tcp.len > 8448", "ip.src", "",
	  "Filter `tcp.len > 8448`: nothing. `tcp.len == 8448` (8460 less the timestamp option): one full "
	  "segment per response (`frame.len == 8514`), where peering carried 8949." },
	{ "alb-tgw-client-1-vpc-a-router", "tcp.len == 8448", "ip.src frame.len", "10.1.1.5 8514", NULL },
	{ "alb-tgw-client-1-vpc-a-router", "frame.len == 8514", "ip.src tcp.len", "10.1.1.5 8448", NULL },
	{ "alb-tgw-alb-b-vpc-b-router", SYN " && tcp.port == 8080", "tcp.options.mss_val", "8961",
	  "In the ALB's file, the back-end connections (`tcp.port == 8080`) still use MSS 8961" },
	{ "alb-tgw-alb-b-vpc-b-router", "tcp.port == 8080", "tcp.options.mss_val", "8961", NULL },
	{ "alb-tgw-alb-b-vpc-b-router", SYN " && tcp.flags.ack == 1 && tcp.srcport == 80",
	  "ip.src tcp.options.mss_val", "10.1.1.5 8961",
	  "the ALB's SYN-ACK leaves VPC-B advertising 8961 (compare the ALB's own file) and reaches the "
	  "client advertising 8460" },
	/* Lesson 4: PrivateLink. */
	{ "alb-privatelink-client-1-vpc-a-router", SYN, SYN_MSS,
	  "10.0.1.4 10.0.1.6 8961;10.0.1.6 10.0.1.4 8460",
	  "the client offers 8961, the SYN-ACK from 10.0.1.6 says 8460. The endpoint clamps the MSS to "
	  "its 8500-byte MTU in both directions; `tcp.len > 8448` finds nothing." },
	{ "alb-privatelink-client-1-vpc-a-router", "tcp.len > 8448", "ip.src", "", NULL },
	{ "alb-privatelink-vpce-alb-nlb-b", SYN_ONLY, SYN_MSS,
	  "10.0.1.4 10.1.1.6 8460;10.0.1.5 10.1.1.6 8460", "go to the NLB node 10.1.1.6 with MSS 8460" },
	{ "alb-privatelink-nlb-b-vpc-b-router", SYN_ONLY, "ip.src tcp.srcport ip.dst tcp.dstport",
	  "10.1.1.6 1024 10.1.1.5 80;10.1.1.6 1025 10.1.1.5 80;10.1.1.6 1026 10.1.1.5 80;"
	  "10.1.1.6 1027 10.1.1.5 80;10.1.1.6 1028 10.1.1.5 80",
	  "10.1.1.6, ports 1024 to 1028 (one per client connection), to the ALB at 10.1.1.5:80." },
	{ "alb-privatelink-web-1-vpc-b-router", "http.request", "http.x_forwarded_for", "10.1.1.6", NULL },
	/* Lesson 5: NAT gateway, internet gateway, MTU 1500 in front. */
	{ "alb-public-client-1-vpc-a-router", SYN_ONLY, "ip.src ip.dst tcp.dstport", "10.0.1.4 3.80.0.2 80",
	  "Client's file: client-1 connects to 3.80.0.2:80, the ALB's public address" },
	{ "alb-public-client-1-vpc-a-router", SYN, SYN_MSS, "10.0.1.4 3.80.0.2 8961;3.80.0.2 10.0.1.4 1460",
	  "`tcp.options.mss_val`: the client offers 8961 (its ENI's MTU), the ALB's public side answers "
	  "1460, so `frame.len > 1514` finds nothing: the internet gateway's MTU is 1500" },
	{ "alb-public-client-1-vpc-a-router", "icmp", "ip.src", "", "and no ICMP is needed." },
	{ "alb-public-client-1-vpc-a-router", "frame.len > 1514", "ip.src", "", NULL },
	{ "alb-public-nat-a-vpc-a-router", SYN_ONLY, "ip.src tcp.srcport ip.dst",
	  "10.0.0.4 1024 3.80.0.2;10.0.0.4 1025 3.80.0.2;10.0.0.4 1026 3.80.0.2;10.0.0.4 1027 3.80.0.2;"
	  "10.0.0.4 1028 3.80.0.2;10.0.0.4 1029 3.80.0.2;10.0.1.4 40665 3.80.0.2;10.0.1.4 40666 3.80.0.2;"
	  "10.0.1.5 56725 3.80.0.2;10.0.1.5 56726 3.80.0.2;10.0.1.5 56727 3.80.0.2;"
	  "10.0.1.5 56728 3.80.0.2",
	  "10.0.1.4:40665 and 10.0.1.5:56725 arrive, 10.0.0.4:1024 and 10.0.0.4:1025 leave (the NAT "
	  "gateway's private address and ports it chose), then the clients' later pool connections, up "
	  "to 10.0.0.4:1029." },
	/* The SYN of 40665 and of 1024: one sequence number. */
	{ "alb-public-nat-a-vpc-a-router", SYN_ONLY " && (tcp.port == 40665 || tcp.port == 1024)",
	  "tcp.seq_raw", "#1",
	  "`tcp.seq_raw`: 40665 and 1024 share their sequence numbers; so `tcp.port == 40665 || "
	  "tcp.port == 1024` is client-1's connection" },
	{ "alb-public-nat-a-vpc-a-router", "tcp.port == 40665 || tcp.port == 1024",
	  "ip.src tcp.srcport ip.dst tcp.dstport",
	  "10.0.0.4 1024 3.80.0.2 80;10.0.1.4 40665 3.80.0.2 80;3.80.0.2 80 10.0.0.4 1024;3.80.0.2 80 10.0.1.4 40665",
	  "is client-1's connection on both sides of the NAT gateway, the answers rewritten back." },
	{ "alb-public-igw-a-vpc-a-router", SYN_ONLY " && tcp.srcport == 1024", "ip.src", "10.0.0.4",
	  "`igw-a-vpc-a-router` shows 10.0.0.4:1024; `igw-a-region`, the public side, shows the same "
	  "connection from 3.80.0.1:1024" },
	{ "alb-public-igw-a-region", "ip.src == 3.80.0.1", "ip.src ip.dst tcp.dstport", "3.80.0.1 3.80.0.2 80",
	  "shows the same connection from 3.80.0.1:1024, the Elastic IP (`ip.src == 3.80.0.1`)." },
	{ "alb-public-igw-a-region", SYN_ONLY, "ip.src tcp.srcport ip.dst",
	  "3.80.0.1 1024 3.80.0.2;3.80.0.1 1025 3.80.0.2;3.80.0.1 1026 3.80.0.2;3.80.0.1 1027 3.80.0.2;"
	  "3.80.0.1 1028 3.80.0.2;3.80.0.1 1029 3.80.0.2", NULL },
	{ "alb-public-alb-b-vpc-b-router", SYN_ONLY " && tcp.dstport == 80", "ip.src ip.dst",
	  "3.80.0.1 10.1.101.4", NULL },
	{ "alb-public-alb-b-vpc-b-router", SYN " && tcp.flags.ack == 1", "tcp.srcport tcp.options.mss_val",
	  "80 1460;8080 8961",
	  "`frame.len > 1514` matches only back-end packets (`tcp.port == 8080`): the SYN-ACKs say 1460 in "
	  "front, 8961 behind." },
	{ "alb-public-alb-b-vpc-b-router", "tcp.port == 8080", "tcp.options.mss_val", "8961", NULL },
	{ "alb-public-alb-b-vpc-b-router", "frame.len > 1514 && tcp.port != 8080", "ip.src", "", NULL },
	{ "alb-public-alb-b-vpc-b-router", "http.x_forwarded_for", "http.x_forwarded_for", "3.80.0.1", NULL },
	/* Lesson 6: the table, row by row (the MSS both ways in the client's
	 * file, the largest frame), and the times. */
	{ "alb-peering-client-1-vpc-a-router", "frame.len >= 9015", "frame.len", "9015",
	  "| peering (9001) | 8961 | 8961 | 9015 |" },
	{ "alb-tgw-client-1-vpc-a-router", "frame.len >= 8514", "frame.len", "8514",
	  "| Transit Gateway (8500) | 8961 | 8460, clamped by the Transit Gateway (see Lesson 3) | 8514 |" },
	{ "alb-privatelink-client-1-vpc-a-router", "frame.len >= 8514", "frame.len", "8514",
	  "| PrivateLink (8500) | 8961 | 8460, clamped by the endpoint | 8514 |" },
	{ "alb-public-client-1-vpc-a-router", "frame.len >= 1514", "frame.len", "1514",
	  "| NAT + internet gateway (1500) | 8961 | 1460, the internet-facing ALB's | 1514 |" },
	{ "alb-public-client-1-vpc-a-router", "frame.len >= 1514", "frame.len", "1514",
	  "Filter `tcp.options.mss_val` and `frame.len > 1514` in the four" },
	{ "alb-peering-alb-b-vpc-b-router", "tcp.port == 8080 && (" SYN " || frame.len >= 9015)",
	  "tcp.options.mss_val frame.len", " 9015;8961 74",
	  "| any ALB to its targets (`tcp.port == 8080`) | 8961 | 8961 | 9015 |" },
	{ "alb-peering-alb-b-vpc-b-router", "tcp.port == 8080", "tcp.options.mss_val", "8961", NULL },
	{ "alb-peering-client-1-vpc-a-router", "http.time", "http.time", "~5", Q_L6_TIMES },
	{ "alb-tgw-client-1-vpc-a-router", "http.time", "http.time", "~6", Q_L6_TIMES },
	{ "alb-privatelink-client-1-vpc-a-router", "http.time", "http.time", "~6", Q_L6_TIMES },
	{ "alb-public-client-1-vpc-a-router", "http.time", "http.time", "~10", Q_L6_TIMES },
	/* Lesson 11: VPC Lattice. */
	{ "alb-lattice-client-1-vpc-a-router", "dns.flags.response == 1", "dns.qry.name dns.a",
	  "svc-b-2a6986312de2c16f.2a69863.vpc-lattice-svcs.us-east-1.on.aws 169.254.171.32", NULL },
	{ "alb-lattice-client-1-vpc-a-router", SYN, SYN_MSS,
	  "10.0.1.4 169.254.171.32 8961;169.254.171.32 10.0.1.4 8460",
	  "10.0.1.4 offers MSS 8961 to 169.254.171.32:80; Lattice answers with 8460 (its 8500-byte MTU)" },
	{ "alb-lattice-client-1-vpc-a-router", "tcp.len > 8460", "ip.src", "", "`tcp.len > 8460` finds nothing" },
	{ "alb-lattice-sn-ab-vpc-a-router", SYN_ONLY, "ip.src tcp.srcport ip.dst tcp.dstport",
	  "10.0.1.4 40665 169.254.171.32 80;10.0.1.4 40666 169.254.171.32 80;"
	  "10.0.1.5 56725 169.254.171.32 80;10.0.1.5 56726 169.254.171.32 80;"
	  "10.0.1.5 56727 169.254.171.32 80;10.0.1.5 56728 169.254.171.32 80",
	  "(client-1's ports from 40665, client-2's from 56725; six in the first half second)" },
	{ "alb-lattice-sn-ab-vpc-b-router", SYN_ONLY, "ip.src tcp.srcport ip.dst tcp.dstport",
	  "169.254.171.128 33204 10.1.1.5 80;169.254.171.128 33205 10.1.1.5 80;"
	  "169.254.171.128 33206 10.1.1.5 80",
	  "from 169.254.171.128 ports 33204 and up (three in the first half second, fewer than the clients': "
	  "Lattice pools them), to the ALB node 10.1.1.5:80" },
	{ "alb-lattice-alb-b-vpc-b-router", "http.request && ip.dst == 10.1.1.5",
	  "ip.src http.x_forwarded_for", "169.254.171.128 10.0.1.4;169.254.171.128 10.0.1.5", NULL },
	{ "alb-lattice-web-1-vpc-b-router", "http.request", "ip.src http.x_forwarded_for",
	  "10.1.1.5 10.0.1.4, 169.254.171.128;10.1.1.5 10.0.1.5, 169.254.171.128", NULL },
	/* Lesson 12: a resource endpoint. */
	{ "alb-resource-endpoint-client-1-vpc-a-router", SYN, SYN_MSS,
	  "10.0.1.4 10.0.1.6 8961;10.0.1.6 10.0.1.4 8460",
	  "It offers MSS 8961 and the SYN-ACK from 10.0.1.6 says 8460: the endpoint clamps both to its "
	  "8500-byte MTU, and `frame.len > 8514` finds nothing." },
	{ "alb-resource-endpoint-client-1-vpc-a-router", "frame.len > 8514", "ip.src", "", NULL },
	{ "alb-resource-endpoint-client-1-vpc-a-router", SYN " && ip.src == 10.0.1.4", "ip.dst tcp.dstport",
	  "10.0.1.6 80", "client-1 connects to 10.0.1.6:80," },
	{ "alb-resource-endpoint-vpce-rc-alb-rgw-b", SYN_ONLY,
	  "ip.src tcp.srcport ip.dst tcp.dstport tcp.options.mss_val",
	  "10.0.1.4 40665 10.0.1.6 80 8460;10.0.1.4 40666 10.0.1.6 80 8460;10.0.1.5 56725 10.0.1.6 80 8460;"
	  "10.0.1.5 56726 10.0.1.6 80 8460;10.0.1.5 56727 10.0.1.6 80 8460",
	  "the same connections, 10.0.1.4:40665 and :40666, 10.0.1.5:56725 to :56727, still to "
	  "10.0.1.6:80, now with MSS 8460." },
	{ "alb-resource-endpoint-rgw-b-vpc-b-router", SYN_ONLY, "ip.src tcp.srcport ip.dst tcp.dstport",
	  "10.1.1.6 1024 10.1.1.5 80;10.1.1.6 1025 10.1.1.5 80;10.1.1.6 1026 10.1.1.5 80;"
	  "10.1.1.6 1027 10.1.1.5 80;10.1.1.6 1028 10.1.1.5 80",
	  "they leave the gateway from 10.1.1.6, ports 1024 to 1028 (one per client connection), to the ALB "
	  "node 10.1.1.5:80." },
	{ "alb-resource-endpoint-rgw-b-vpc-b-router", SYN_ONLY " && tcp.srcport == 1024", "tcp.seq_raw",
	  "3100789391",
	  "the SYN from 10.1.1.6:1024 carries 3100789391, as the SYN from 10.0.1.4:40665 does in the "
	  "endpoint's file." },
	{ "alb-resource-endpoint-vpce-rc-alb-rgw-b", SYN_ONLY " && tcp.srcport == 40665", "tcp.seq_raw",
	  "3100789391",
	  "the SYN from 10.1.1.6:1024 carries 3100789391, as the SYN from 10.0.1.4:40665 does in the "
	  "endpoint's file." },
	{ "alb-resource-endpoint-alb-b-vpc-b-router", "http.request && ip.dst == 10.1.1.5", "ip.src",
	  "10.1.1.6", "every request comes from 10.1.1.6 with no `X-Forwarded-For`" },
	{ "alb-resource-endpoint-alb-b-vpc-b-router",
	  "http.request && ip.dst == 10.1.1.5 && http.x_forwarded_for", "ip.src", "", NULL },
	{ "alb-resource-endpoint-web-1-vpc-b-router", "http.request", "ip.src http.x_forwarded_for",
	  "10.1.1.5 10.1.1.6", "web-1's file, `http.request`: `X-Forwarded-For: 10.1.1.6`, the gateway, never "
	  "the client." },
	{ "alb-resource-endpoint-client-1-vpc-a-router", "http.time", "http.time", "~6",
	  "`http.time` in the client's file: about 6 ms, as through an endpoint service and its NLB" },
	/* Lesson 17: HTTPS at the ALB (alb-https): the handshake in the
	 * client's file, the records' lengths, clear HTTP behind the ALB. */
	{ "alb-https-client-1-vpc-a-router", SYN_ONLY, "ip.src tcp.srcport ip.dst tcp.dstport",
	  "10.0.1.4 40665 10.1.1.5 443;10.0.1.4 40666 10.1.1.5 443",
	  "to port 443 this time (10.0.1.4 40665 to 10.1.1.5 443, then :40666)." },
	{ "alb-https-client-1-vpc-a-router", "tls.handshake.type == 1",
	  "ip.src ip.dst tcp.dstport tls.handshake.extensions_server_name tls.record.version "
	  "tls.handshake.extensions.supported_version tls.handshake.extensions_key_share_group",
	  "10.0.1.4 10.1.1.5 443 internal-alb-b-0820804771.us-east-1.elb.amazonaws.com 0x0301 0x0304 29",
	  "the server name the client resolved, internal-alb-b-0820804771.us-east-1.elb.amazonaws.com "
	  "(SNI: the ALB picks its certificate by it), record version 0x0301 (what an initial "
	  "ClientHello carries), supported versions TLS 1.3 first (0x0304), a key share on x25519 "
	  "(group 29)." },
	{ "alb-https-client-1-vpc-a-router", "tls.handshake.type == 2",
	  "ip.src tls.handshake.ciphersuite tls.handshake.extensions.supported_version",
	  "10.1.1.5 0x1301 0x0304", "the ALB's ServerHello picks TLS_AES_128_GCM_SHA256 (0x1301) and TLS 1.3." },
	{ "alb-https-client-1-vpc-a-router",
	  "tls.handshake.type == 2 && tls.record.content_type == 20 && tls.record.opaque_type == 23", "ip.src",
	  "10.1.1.5",
	  "The same segment carries a ChangeCipherSpec (compatibility only) and then records of opaque type 23" },
	{ "alb-https-client-1-vpc-a-router", "tls.record.length == 2562", "ip.src tls.record.opaque_type",
	  "10.1.1.5 23",
	  "filter `tls.record.length == 2562` finds the Certificate's record from 10.1.1.5, opaque type 23 "
	  "(a 2527-byte chain, the profile's `[tls] certificate_bytes`, plus 18 bytes of framing and 17 of "
	  "encryption)." },
	{ "alb-https-client-1-vpc-a-router", "tls.handshake.type == 2", "tcp.analysis.ack_rtt", "~0.37",
	  "(column `tcp.analysis.ack_rtt` on it: about 0.37 ms here)." },
	{ "alb-https-client-1-vpc-a-router", "http", "ip.src", "", "Filter `http`: nothing in the client's file." },
	{ "alb-https-client-1-vpc-a-router",
	  "tls.record.opaque_type == 23 && ip.src == 10.0.1.4 && tls.record.length > 100", "tls.record.length",
	  "182",
	  "(`tls.record.opaque_type == 23 && ip.src == 10.0.1.4 && tls.record.length > 100`: 182 bytes, "
	  "the 165-byte request and 17 bytes of inner content type and AEAD tag, plus the 5-byte header)" },
	{ "alb-https-client-1-vpc-a-router", "tls.record.length > 16000", "ip.src tls.record.length",
	  "10.1.1.5 16075",
	  "the response in one of 16075 bytes (`tls.record.length > 16000`: 58 bytes of head and 16000 of "
	  "body, plus 17)." },
	{ "alb-https-alb-b-vpc-b-router", "tls && tcp.port == 8080", "ip.src", "",
	  "ALB's file, filter `tls && tcp.port == 8080`: nothing." },
	{ "alb-https-alb-b-vpc-b-router", "tls.handshake.type == 1", "ip.src ip.dst",
	  "10.0.1.4 10.1.1.5;10.0.1.5 10.1.1.5", NULL },
	{ "alb-https-web-1-vpc-b-router",
	  "http.request && http.request.line contains \"X-Forwarded-Proto: https\"",
	  "ip.src http.x_forwarded_for", "10.1.1.5 10.0.1.4;10.1.1.5 10.0.1.5;10.1.2.5 10.0.1.5",
	  "every request, from the ALB's nodes 10.1.1.5 and 10.1.2.5, with X-Forwarded-For naming the "
	  "client (10.0.1.4 or 10.0.1.5)" },
	{ "alb-https-web-1-vpc-b-router", "http.request", "ip.src http.x_forwarded_for", "#3", NULL },
	/* Lessons 7 to 9: S3. */
	{ "s3-gateway-endpoint-client-1-vpc-a-router", SYN, SYN_MSS,
	  "10.0.1.4 52.216.8.10 8961;52.216.8.10 10.0.1.4 1460",
	  "the client offers 8961, S3 answers 1460 (the model gives S3 a 1500-byte MTU, an assumption: "
	  "AWS documents no jumbo frames to S3), so `frame.len > 1514` finds nothing and the 1 MiB answer "
	  "(`http.content_length == 1048576`) comes in 1448-byte segments (1460 less the timestamp "
	  "option)." },
	{ "s3-gateway-endpoint-client-1-vpc-a-router", "frame.len > 1514", "ip.src", "", NULL },
	{ "s3-gateway-endpoint-client-1-vpc-a-router", "http.response", "http.content_length", "1048576", NULL },
	{ "s3-gateway-endpoint-client-1-vpc-a-router", "http.content_length == 1048576", "ip.src http.response.code",
	  "52.216.8.10 200", NULL },
	{ "s3-gateway-endpoint-client-1-vpc-a-router", "tcp.len >= 1448", "tcp.len", "1448", NULL },
	{ "s3-gateway-endpoint-vpce-s3-s3-endpoint", SYN_ONLY, "ip.src ip.dst",
	  "10.0.1.4 52.216.8.10;10.0.1.5 52.216.8.10", NULL },
	{ "s3-interface-endpoint-client-1-vpc-a-router", SYN, SYN_MSS,
	  "10.0.1.4 10.0.1.6 8961;10.0.1.6 10.0.1.4 1460",
	  "the SYN's MSS is clamped from 8961 to 8460 (`tcp.options.mss_val`), though S3's 1460 decides "
	  "anyway." },
	{ "s3-interface-endpoint-vpce-s3-s3-endpoint", SYN_ONLY, SYN_MSS,
	  "10.0.1.4 52.216.8.10 8460;10.0.1.5 52.216.8.10 8460", NULL },
	{ "s3-natgw-client-1-vpc-a-router", SYN, SYN_MSS, "10.0.1.4 52.216.8.10 8961;52.216.8.10 10.0.1.4 1460",
	  "The client offers MSS 8961 and S3 answers 1460, so no packet over 1500 bytes meets the internet "
	  "gateway." },
	{ "s3-natgw-nat-a-vpc-a-router", SYN_ONLY " && (tcp.srcport == 40665 || tcp.srcport == 1024)",
	  "ip.src tcp.srcport", "10.0.0.4 1024;10.0.1.4 40665",
	  "As Lesson 5: 10.0.1.4:40665 becomes 10.0.0.4:1024 at the NAT gateway and 3.80.0.1:1024 at the "
	  "internet gateway" },
	{ "s3-natgw-igw-a-region", SYN_ONLY, "ip.src tcp.srcport ip.dst",
	  "3.80.0.1 1024 52.216.8.10;3.80.0.1 1025 52.216.8.10;3.80.0.1 1026 52.216.8.10;"
	  "3.80.0.1 1027 52.216.8.10;3.80.0.1 1028 52.216.8.10", NULL },
	{ "s3-natgw-igw-a-region", "ip.src == 3.80.0.1", "ip.src ip.dst tcp.dstport", "3.80.0.1 52.216.8.10 80",
	  "(`ip.src == 3.80.0.1` in `igw-a-region`); S3 sees the Elastic IP." },
	{ "s3-gateway-endpoint-client-1-vpc-a-router", "http.time", "http.time", "~23", Q_L9_TIMES },
	{ "s3-interface-endpoint-client-1-vpc-a-router", "http.time", "http.time", "~25", Q_L9_TIMES },
	{ "s3-natgw-client-1-vpc-a-router", "http.time", "http.time", "~32", Q_L9_TIMES },
	/* Lesson 13: name resolution, both nodes, both AZs. */
	{ "alb-peering-2az-client-1-vpc-a-router", "dns.flags.response == 0",
	  "ip.src ip.dst udp.dstport dns.qry.name dns.qry.type",
	  "10.0.1.4 10.0.0.2 53 internal-alb-b-0820804771.us-east-1.elb.amazonaws.com 1",
	  "client-1's question, from 10.0.1.4 to 10.0.0.2 port 53 (the Route 53 Resolver, at the VPC's base "
	  "address plus two), for the A records of `internal-alb-b-0820804771.us-east-1.elb.amazonaws.com`." },
	{ "alb-peering-2az-client-1-vpc-a-router", "dns.flags.response == 1 && dns.a == 10.1.1.5 && "
	  "dns.a == 10.1.2.5", "dns.resp.ttl", "60",
	  "The answer names both of the ALB's nodes, 10.1.1.5 and 10.1.2.5, each with a TTL of 60 seconds" },
	{ "alb-peering-2az-client-1-vpc-a-router", "dns.time", "dns.time", "~0.28",
	  "about 0.28 ms after the question (`dns.time`). It is the only question in the file" },
	{ "alb-peering-2az-client-1-vpc-a-router", "dns.flags.response == 0", "dns.id", "#1", NULL },
	{ "alb-peering-2az-client-1-vpc-a-router", SYN_ONLY, "ip.dst", "10.1.1.5;10.1.2.5",
	  "the client's connections go to both addresses, 10.1.1.5 in its own AZ (use1-az1) and 10.1.2.5 in "
	  "use1-az2." },
	/* Lesson 14: MSS clamping (alb-tgw) and Path MTU Discovery over the
	 * internet (pmtud-internet, run for its own 2 s: see
	 * test_own_lessons). */
	{ "alb-tgw-client-1-vpc-a-router", SYN, SYN_MSS, "10.0.1.4 10.1.1.5 8961;10.1.1.5 10.0.1.4 8460",
	  "An instance's ENI has a 9001-byte MTU, and its TCP advertises MSS 8961 in every SYN, whatever "
	  "lies on the path (Lesson 3: the client's SYN says 8961, and the Transit Gateway clamps it to "
	  "8460 on its way, as it clamps the ALB's SYN-ACK)." },
	{ "pmtud-internet-client-1-vpc-a-router", SYN, SYN_MSS, "10.0.1.4 3.80.0.2 8961;3.80.0.2 10.0.1.4 8961",
	  "`tcp.flags.syn == 1`: the SYN from 10.0.1.4 to the server's public 3.80.0.2 and the SYN-ACK both "
	  "say MSS 8961; nothing on this path clamps." },
	{ "pmtud-internet-client-1-vpc-a-router", SYN " && tcp.flags.ack == 1", "ip.ttl", "60",
	  "The SYN-ACK arrives with TTL 60" },
	{ "pmtud-internet-client-1-vpc-a-router", "http.response", "http.content_length", "64000",
	  "a client behind a NAT gateway POSTs 24 KB to a web server with a public address in another VPC, "
	  "which answers 64 KB; both ends have jumbo ENIs, and each internet gateway carries 1500 bytes at "
	  "most." },
	{ "pmtud-internet-client-1-vpc-a-router", "ip.src == 10.0.1.4 && frame.len > 1514",
	  "frame.number frame.len", "4 9015;5 9015;6 6290",
	  "`ip.src == 10.0.1.4 && frame.len > 1514`: frames 4 and 5 of 9015 bytes and frame 6 of 6290 carry "
	  "the request" },
	{ "pmtud-internet-client-1-vpc-a-router", "icmp", "frame.number icmp.type icmp.code icmp.mtu ip.src",
	  "18 3 4 1500 10.0.0.1;19 3 4 1500 10.0.0.1;7 3 4 1500 10.0.0.1",
	  "`icmp`: frames 7, 18 and 19, one per dropped packet, are ICMP type 3 code 4, \"fragmentation "
	  "needed\", with the next hop's MTU, 1500." },
	{ "pmtud-internet-client-1-vpc-a-router", "icmp", "icmp.type",  "3",
	  "Where nothing clamps, the path is found the old way, Path MTU Discovery (RFC 1191)." },
	{ "pmtud-internet-client-1-vpc-a-router", "icmp && ip.src == 10.0.1.4 && ip.dst == 3.80.0.2",
	  "ip.src tcp.srcport", "10.0.0.1 40665", "10.0.1.4:40665 to 3.80.0.2); it comes from 10.0.0.1" },
	/* 56 bytes of IP: its header, ICMP's 8, the quoted header's 20 and 8. */
	{ "pmtud-internet-client-1-vpc-a-router", "icmp", "ip.len frame.len", "56 70",
	  "Each quotes the IP header and first 8 bytes of the packet it answers" },
	{ "pmtud-internet-nat-a-vpc-a-router", "icmp", "ip.dst tcp.srcport", "10.0.0.4 1024;10.0.1.4 40665",
	  "quoting the translated 10.0.0.4:1024, and leaves for the client quoting 10.0.1.4:40665" },
	{ "pmtud-internet-client-1-vpc-a-router", "ip.src == 10.0.1.4 && frame.number > 7 && tcp.len >= 1448",
	  "tcp.len frame.len", "1448 1514",
	  "after frame 7 the client sends segments of 1448 bytes (1500 less 40 bytes of headers and 12 of "
	  "timestamp), and no frame over 1514 again. The 9015-byte frames went again at once in 1500-byte "
	  "packets" },
	{ "pmtud-internet-client-1-vpc-a-router", "ip.src == 10.0.1.4 && frame.number > 7 && frame.len > 1514",
	  "frame.number", "", NULL },
	{ "pmtud-internet-web-1-vpc-b-router", "ip.src == 10.1.101.4 && frame.len > 1514", "frame.len", "9015",
	  "seven 9015-byte frames, meets the same fate at the other internet gateway; seven ICMP messages "
	  "from 10.1.101.1, and then 1500-byte packets." },
	{ "pmtud-internet-web-1-vpc-b-router", "ip.src == 10.1.101.4 && frame.len > 1514", "frame.number", "#7",
	  NULL },
	{ "pmtud-internet-web-1-vpc-b-router", "icmp", "ip.src icmp.mtu", "10.1.101.1 1500", NULL },
	{ "pmtud-internet-web-1-vpc-b-router", "icmp", "frame.number", "#7", NULL },
	/* Lesson 15: SACK recovery (sack-recovery, run for its own 2 s). */
	{ "sack-recovery-client-1-vpc-a-router", SYN " && tcp.options.sack_perm", "ip.src",
	  "10.0.1.4;52.216.8.10",
	  "The TCP of every host negotiates SACK (RFC 2018) and recovers from loss with it (RFC 6675)." },
	{ "sack-recovery-client-1-vpc-a-router", "tcp.analysis.duplicate_ack_num == 1 && tcp.ack == 43441",
	  "tcp.ack tcp.options.sack_le tcp.options.sack_re", "43441 44889 46337",
	  "`tcp.analysis.duplicate_ack_num == 1 && tcp.ack == 43441`: the first hole. The client keeps "
	  "acknowledging 43441 (relative), the first byte it lacks, and each duplicate ACK carries a SACK "
	  "block for what arrived above it: 44889 to 46337 in the first" },
	{ "sack-recovery-client-1-vpc-a-router", "tcp.ack == 43441 && tcp.options.sack_re == 104257",
	  "tcp.options.sack_le", "44889", "the right edge growing with each segment that follows (to 104257)." },
	{ "sack-recovery-client-1-vpc-a-router", "tcp.analysis.fast_retransmission && tcp.seq == 43441",
	  "frame.number tcp.len", "132 1448",
	  "`tcp.analysis.fast_retransmission && tcp.seq == 43441`: frame 132 resends just the 1448 bytes that "
	  "were lost" },
	{ "sack-recovery-client-1-vpc-a-router", "frame.number > 132 && ip.src == 10.0.1.4 && tcp.ack > 43441",
	  "tcp.ack", "+", NULL },
	{ "sack-recovery-client-1-vpc-a-router", "frame.number == 133", "ip.src tcp.ack", "10.0.1.4 104257",
	  "the client's next ACK jumps to 104257, everything it had SACKed." },
	{ "sack-recovery-client-1-vpc-a-router", "tcp.analysis.retransmission", "frame.number", "#62",
	  "`tcp.analysis.retransmission`: 62 retransmissions in the file, 60 of them fast" },
	{ "sack-recovery-client-1-vpc-a-router", "tcp.analysis.fast_retransmission", "frame.number", "#60",
	  NULL },
	{ "sack-recovery-client-1-vpc-a-router", "tcp.analysis.lost_segment", "ip.src", "52.216.8.10",
	  "Wireshark sees holes in S3's data" },
	{ "sack-recovery-client-1-vpc-a-router", "http.response", "ip.src http.content_length", "52.216.8.10 1048576",
	  "one client reading 1 MiB objects from S3 through a NAT gateway" },
	{ "sack-recovery-client-1-vpc-a-router", "http.time", "http.time", "~177",
	  "about 177 ms for each 1 MiB object, against about 32 ms without loss (Lesson 9)" },
};

/*
 * Lesson 16 (health checks and 5xx) on a full run of alb-target-failure
 * (a minute of simulated time: its events happen at 20 s and 40 s): each
 * fact below holds on the captures (test_lesson_figures holds the lesson's
 * numbers to their passages, test_lesson_filters its filters to their
 * filters).  The files are clean as the bundled scenarios' are, health
 * checks carry no X-Forwarded-For and every other request from the ALB
 * does.
 */
#define HC_UA "http.user_agent == \"ELB-HealthChecker/2.0\""
#define FIRST_SYN SYN_ONLY " && !tcp.analysis.retransmission && ip.src == 10.1.1.7"
static const lesson_fact health_facts[] = {
	{ "alb-target-failure-web-2-vpc-b-router", HC_UA, "ip.src http.request.uri http.connection",
	  "10.1.1.7 /health close;10.1.2.5 /health close",
	  "web-2's file, filter `http.user_agent == \"ELB-HealthChecker/2.0\"`: the checks, `GET "
	  "/health` with `Connection: close` from both ALB nodes, 10.1.1.7 and 10.1.2.5, each "
	  "answered `200 OK` and closed; no `X-Forwarded-For` (there is no client to name). 17 of "
	  "them reach web-2 in the minute, every 5 s from each node, none between 20.5 s and 40 s." },
	{ "alb-target-failure-web-2-vpc-b-router", HC_UA, "tcp.srcport", "#17", NULL },
	{ "alb-target-failure-web-2-vpc-b-router", HC_UA " && http.x_forwarded_for", "ip.src", "", NULL },
	{ "alb-target-failure-web-2-vpc-b-router", "http.response.code == 200 && ip.dst == 10.1.1.7 && http.connection == \"close\"",
	  "http.response.phrase", "OK", NULL },
	{ "alb-target-failure-web-2-vpc-b-router", HC_UA " && frame.time_relative > 20.5 && frame.time_relative < 40",
	  "ip.src", "", NULL },
	{ "alb-target-failure-web-2-vpc-b-router",
	  SYN_ONLY " && ip.src == 10.1.2.5 && frame.time_relative > 20 && frame.time_relative < 40",
	  "tcp.srcport", "#4",
	  "Same file, `tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.src == 10.1.2.5 && "
	  "frame.time_relative > 20 && frame.time_relative < 40`: from 20 s each check's SYN is sent "
	  "twice (again after TCP's 1 s initial retransmission timeout) and never answered: 4 "
	  "checks, 8 SYNs; each gives up at its 2 s timeout. Two failures in a row take web-2 out of "
	  "the node's rotation." },
	{ "alb-target-failure-web-2-vpc-b-router",
	  SYN_ONLY " && ip.src == 10.1.2.5 && frame.time_relative > 20 && frame.time_relative < 40",
	  "frame.number", "#8", NULL },
	{ "alb-target-failure-web-2-vpc-b-router", "ip.src == 10.1.2.4 && ip.dst == 10.1.2.5 && frame.time_relative > 20 && "
	  "frame.time_relative < 40", "ip.src", "", NULL },
	{ "alb-target-failure-web-2-vpc-b-router", FIRST_SYN, "ip.src ip.dst tcp.dstport", "10.1.1.7 10.1.2.4 8080",
	  NULL },
	{ "alb-target-failure-web-2-vpc-b-router", "http.request && !(http.user_agent contains \"Health\")",
	  "ip.src ip.dst tcp.dstport http.x_forwarded_for", "10.1.1.7 10.1.2.4 8080 10.1.1.4;10.1.1.7 10.1.2.4 8080 10.1.1.5",
	  NULL },
	{ "alb-target-failure-web-2-vpc-b-router", FIRST_SYN " && frame.time_relative > 20 && frame.time_relative < 31.7",
	  "tcp.srcport", "#24",
	  "Same file, first SYNs from the node the clients use, `tcp.flags.syn == 1 && tcp.flags.ack "
	  "== 0 && !tcp.analysis.retransmission && ip.src == 10.1.1.7`: between 20 s and 31.7 s "
	  "there are 24 (2 checks and 22 connections the ALB opens for requests it still sends to "
	  "web-2); between 31.8 s and 49.7 s only its 3 checks: web-2 is out of rotation. The check "
	  "that began at 39.7 s gets through on its retransmitted SYN after 40 s, the next two "
	  "succeed too, and from 49.7 s requests reach web-2 again: `http.request && "
	  "!(http.user_agent contains \"Health\")` shows none between 20.1 s and 49.7 s." },
	{ "alb-target-failure-web-2-vpc-b-router", FIRST_SYN " && frame.time_relative > 31.8 && frame.time_relative < 49.7",
	  "frame.time_relative", "#3", NULL },
	{ "alb-target-failure-web-2-vpc-b-router", FIRST_SYN " && frame.time_relative > 39.6 && frame.time_relative < 39.8",
	  "ip.src", "10.1.1.7", NULL },
	{ "alb-target-failure-web-2-vpc-b-router", HC_UA " && ip.src == 10.1.1.7 && frame.time_relative > 40.6 && "
	  "frame.time_relative < 40.8", "ip.src", "10.1.1.7", NULL },
	{ "alb-target-failure-web-2-vpc-b-router", "http.request && !(http.user_agent contains \"Health\") && "
	  "frame.time_relative > 20.1 && frame.time_relative < 49.7", "ip.src", "", NULL },
	{ "alb-target-failure-web-2-vpc-b-router", "http.request && !(http.user_agent contains \"Health\") && "
	  "frame.time_relative > 49.7 && frame.time_relative < 49.8", "ip.src", "10.1.1.7", NULL },
	{ "alb-target-failure-client-1-vpc-b-router", "http.response.code == 504", "ip.src http.response.phrase",
	  "10.1.1.7 Gateway Timeout",
	  "The client's file, `http.response.code == 504`: 12 answers `HTTP/1.1 504 Gateway "
	  "Timeout`, all from the ALB node 10.1.1.7. `http.time` tells two kinds apart: 2 come 5 s "
	  "after their request (sent on a kept-alive connection to web-2, given up at the ALB's idle "
	  "timeout, 5 s here), 10 come after 10 s (the ALB opened a new connection and its SYNs went "
	  "unanswered for AWS's 10 s connection timeout). No 502 and no 503: the target never reset "
	  "anything, and a target group whose targets are all unhealthy fails open rather than "
	  "answering 503." },
	{ "alb-target-failure-client-1-vpc-b-router", "http.response.code == 504", "frame.number", "#12", NULL },
	{ "alb-target-failure-client-1-vpc-b-router", "http.response.code == 504 && http.time > 5 && http.time < 5.01",
	  "frame.number http.time", "#2", NULL },
	{ "alb-target-failure-client-1-vpc-b-router", "http.response.code == 504 && http.time > 10 && http.time < 10.01",
	  "frame.number http.time", "#10", NULL },
	{ "alb-target-failure-client-1-vpc-b-router", "http.response.code == 502 || http.response.code == 503", "ip.src", "",
	  NULL },
};

/* The facts about one scenario's files; returns how many were checked. */
static guint check_facts(const scenario *sc, const char *dir)
{
	guint n = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(facts); i++) {
		const lesson_fact *f = &facts[i];
		size_t len = strlen(sc->name);
		if (strncmp(f->file, sc->name, len) != 0 || f->file[len] != '-')
			continue;
		/* One of this scenario's capture points ("alb-peering-2az-client-1-..."
		 * is not alb-peering's). */
		gboolean mine = FALSE;
		char **points = g_strsplit(sc->capture, ",", -1);
		for (char **pt = points; *pt && !mine; pt++) {
			char *pre = g_strconcat(g_strstrip(*pt), "-", NULL);
			mine = g_str_has_prefix(f->file + len + 1, pre);
			g_free(pre);
		}
		g_strfreev(points);
		if (!mine)
			continue;
		lesson_fact_check(f, dir);
		n++;
	}
	return n;
}

/* Text with every run of white space made one space. */
static char *squeeze(const char *text)
{
	GString *g = g_string_new(NULL);
	gboolean space = FALSE;
	for (const char *c = text; *c; c++) {
		if (g_ascii_isspace(*c)) {
			space = TRUE;
			continue;
		}
		if (space && g->len)
			g_string_append_c(g, ' ');
		space = FALSE;
		g_string_append_c(g, *c);
	}
	return g_string_free(g, FALSE);
}

/* Every table of facts about the lesson plan: those checked here on the
 * bundled scenarios and the lessons' own, Lesson 16's on its full run, and
 * Lesson 10's, which test_reach checks on the scan's files. */
static const struct {
	const lesson_fact *facts;
	size_t n;
} fact_tables[] = {
	{ facts, G_N_ELEMENTS(facts) },
	{ health_facts, G_N_ELEMENTS(health_facts) },
	{ scan_facts, G_N_ELEMENTS(scan_facts) },
};

/*
 * Figures the lessons take from a scenario, the prices or the model rather
 * than from the captures (a loss rate, a price, CUBIC's decrease): the
 * passage that states each and where the figure is defined, an ini file's
 * group and key (the first word of its value) or, with no group, the line
 * of a source file that starts with `key`.
 */
typedef struct {
	const char *quote, *file, *group, *key, *want;
} lesson_setting;

#define PRICES "scenarios/prices/us-east-1.ini"
#define FAILURE "scenarios/alb-target-failure.ini"
#define Q_RGW_GB "(0.01 USD per GB each, both directions;"
static const lesson_setting settings[] = {
	{ "two clients at 50/s", "scenarios/alb-lattice.ini", "vars", "clients", "2" },
	{ "two clients at 50/s", "scenarios/alb-lattice.ini", "workload web", "rate", "50/s" },
	{ "(the HTTP bytes of step 2's connections, 0.025 USD per GB)", PRICES, "vpc_lattice",
	  "processing_usd_per_gb", "0.025" },
	{ "beyond the free 300,000.", PRICES, "vpc_lattice", "free_requests_per_hour", "300000" },
	{ "`vpce-rc-alb hourly` (0.10 USD per endpoint-hour)", PRICES, "resource_endpoint", "hourly_usd", "0.10" },
	{ Q_RGW_GB, PRICES, "resource_endpoint", "processing_usd_per_gb", "0.01" },
	{ Q_RGW_GB, PRICES, "resource_gateway", "processing_usd_per_gb", "0.01" },
	{ "over a public network that here loses 1% of packets", "scenarios/sack-recovery.ini", "scenario", "loss",
	  "1%" },
	{ "by CUBIC's rule (to 0.7 of what it was)", "sim/tcp.c", NULL, "#define CUBIC_BETA", "0.7" },
	{ "(the first of its 16 addresses in b-app-1)", "scenarios/alb-resource-endpoint.ini",
	  "resource_gateway rgw-b", "ipv4_addresses_per_eni", "16" },
	{ "web-2 stops at 20 s", FAILURE, "instance web-2", "fail_at", "20s" },
	{ "and is back at 40 s;", FAILURE, "instance web-2", "recover_at", "40s" },
	{ "checks `GET /health` every 5 s", FAILURE, "target_group tg-web", "health_check_interval", "5s" },
	{ "with a 2 s timeout,", FAILURE, "target_group tg-web", "health_check_timeout", "2s" },
	{ "2 failures to leave rotation", FAILURE, "target_group tg-web", "unhealthy_threshold", "2" },
	{ "and 3 successes to return.", FAILURE, "target_group tg-web", "healthy_threshold", "3" },
};

/* n with a comma every three digits, as the lessons write large counts. */
static char *thousands(guint64 n)
{
	if (n < 1000)
		return g_strdup_printf("%" G_GUINT64_FORMAT, n);
	char *head = thousands(n / 1000);
	char *all = g_strdup_printf("%s,%03u", head, (unsigned)(n % 1000));
	g_free(head);
	return all;
}

/* What one setting is, read from its file ("" if absent); caller frees. */
static char *setting_value(const lesson_setting *st)
{
	char *path = harness_source_path(st->file);
	char *value = NULL;
	if (st->group) {
		GKeyFile *kf = g_key_file_new();
		if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
			value = g_key_file_get_value(kf, st->group, st->key, NULL);
		g_key_file_free(kf);
	} else {
		char *text = NULL;
		if (g_file_get_contents(path, &text, NULL, NULL)) {
			char **lines = g_strsplit(text, "\n", -1);
			for (char **l = lines; *l && !value; l++)
				if (g_str_has_prefix(*l, st->key))
					value = g_strdup(g_strstrip(*l + strlen(st->key)));
			g_strfreev(lines);
		}
		g_free(text);
	}
	g_free(path);
	if (!value)
		return g_strdup("");
	char **words = g_strsplit(g_strstrip(value), " ", 2);
	char *first = g_strdup(words[0] ? words[0] : "");
	g_strfreev(words);
	g_free(value);
	return first;
}

/* The passage of Lesson 11 that counts Lattice's billed requests, from the
 * scenario's clients and rate and the free allowance: what the lesson must
 * say. */
static char *lattice_requests_passage(void)
{
	char *clients = setting_value(&settings[0]), *rate = setting_value(&settings[1]);
	char *free_req = setting_value(&settings[3]);
	guint64 per_hour = g_ascii_strtoull(clients, NULL, 10) * g_ascii_strtoull(rate, NULL, 10) * 3600;
	guint64 allowance = g_ascii_strtoull(free_req, NULL, 10);
	char *a = thousands(per_hour), *b = thousands(per_hour - MIN(per_hour, allowance)), *c = thousands(allowance);
	char *p = g_strdup_printf("are %s requests an hour, %s beyond the free %s.", a, b, c);
	g_free(a);
	g_free(b);
	g_free(c);
	g_free(clients);
	g_free(rate);
	g_free(free_req);
	return p;
}

/* Each setting a lesson quotes is as its file defines it, and the
 * passage lies in the lesson plan. */
static void test_lesson_settings(void)
{
	char *raw = harness_source_text("pcaps/README.md");
	char *text = squeeze(raw);
	for (size_t i = 0; i < G_N_ELEMENTS(settings); i++) {
		const lesson_setting *st = &settings[i];
		char *v = setting_value(st);
		CU_ASSERT_STRING_EQUAL(v, st->want);
		if (strcmp(v, st->want) != 0)
			printf("\n    %s [%s] %s is '%s', the lesson says %s", st->file, st->group ? st->group : "",
			       st->key, v, st->want);
		char *q = squeeze(st->quote);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, q));
		if (!strstr(text, q))
			printf("\n    pcaps/README.md lacks \"%s\"", q);
		g_free(q);
		g_free(v);
	}
	char *p = lattice_requests_passage();
	CU_ASSERT_PTR_NOT_NULL(strstr(text, p));
	if (!strstr(text, p))
		printf("\n    Lesson 11 should say \"%s\"", p);
	g_free(p);
	g_free(text);
	g_free(raw);
}

/*
 * Whose files back each section of the lesson plan, from its heading to the
 * next: the scenarios (space-separated) on whose captures its facts are
 * checked.  A fact is on the scenario of this table whose name is the
 * longest prefix of its file's ("alb-peering-2az-client-1-..." is not
 * alb-peering's, "alb-peering-scan-..." the scan's of Lesson 10).  Every
 * "## Lesson" heading must be here.
 */
static const struct {
	const char *head, *scenarios;
} lesson_files[] = {
	{ "## Reading a file", "alb-peering alb-peering-2az alb-privatelink-2az" },
	{ "## Lesson 1:", "alb-peering" },
	{ "## Lesson 2:", "alb-peering" },
	{ "## Lesson 3:", "alb-tgw" },
	{ "## Lesson 4:", "alb-privatelink" },
	{ "## Lesson 5:", "alb-public" },
	{ "## Lesson 6:", "alb-peering alb-tgw alb-privatelink alb-public" },
	{ "## Lesson 7:", "s3-gateway-endpoint" },
	{ "## Lesson 8:", "s3-interface-endpoint" },
	{ "## Lesson 9:", "s3-natgw s3-gateway-endpoint s3-interface-endpoint" },
	{ "## Lesson 10:", "alb-peering-scan alb-tgw-scan alb-privatelink-scan alb-public-scan" },
	{ "## Lesson 11:", "alb-lattice" },
	{ "## Lesson 12:", "alb-resource-endpoint" },
	{ "## Lesson 13:", "alb-peering-2az" },
	{ "## Lesson 14:", "alb-tgw pmtud-internet" },
	{ "## Lesson 15:", "sack-recovery" },
	{ "## Lesson 16:", "alb-target-failure" },
	{ "## Lesson 17:", "alb-https" },
};

/* The scenario of lesson_files a fact's file belongs to (NULL if none);
 * caller frees. */
static char *fact_scenario(const char *file)
{
	char *best = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(lesson_files); i++) {
		char **names = g_strsplit(lesson_files[i].scenarios, " ", -1);
		for (char **n = names; *n; n++) {
			size_t len = strlen(*n);
			if (strncmp(file, *n, len) == 0 && file[len] == '-' && (!best || len > strlen(best))) {
				g_free(best);
				best = g_strdup(*n);
			}
		}
		g_strfreev(names);
	}
	return best;
}

/* Whether `name` is one of the space-separated words of `list`. */
static gboolean listed(const char *list, const char *name)
{
	char **w = g_strsplit(list, " ", -1);
	gboolean in = g_strv_contains((const char *const *)w, name);
	g_strfreev(w);
	return in;
}

/* The protocols Wireshark knows by filter name ("tcp", "dns", ...), as
 * keys; NULL without tshark. */
static GHashTable *wireshark_protocols(void)
{
	if (!harness_have("tshark"))
		return NULL;
	const char *argv[] = { "tshark", "-G", "protocols", NULL };
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL_FATAL(harness_run(argv, &out, &err), 0);
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char **lines = g_strsplit(out ? out : "", "\n", -1);
	for (char **l = lines; *l; l++) {
		char **f = g_strsplit(*l, "\t", -1);
		if (g_strv_length(f) >= 3)
			g_hash_table_add(h, g_strdup(f[2]));
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(out);
	g_free(err);
	CU_ASSERT(g_hash_table_contains(h, "tcp") && g_hash_table_contains(h, "dns"));
	return h;
}

/* A display filter the lesson plan states, and whether it is an
 * expression (an operator, or the argument of tshark -Y), which must be a
 * fact's filter as written, or a bare field or protocol name, which may
 * instead be a field a fact prints (a column the lesson has one add). */
typedef struct {
	char *filter;
	gboolean bare;
} stated_filter;

static void add_stated(GArray *out, const char *f, gboolean bare)
{
	stated_filter sf = { squeeze(f), bare };
	g_array_append_val(out, sf);
}

/* The arguments of every `-Y` or `--display-filter` in text, quoted with '
 * or " as a shell needs them. */
static void tshark_filters(const char *text, GArray *out)
{
	GRegex *re = g_regex_new("(?:^|\\s)(?:-Y|--display-filter)(?:\\s+|=)(?:'([^']*)'|\"([^\"]*)\")", 0, 0, NULL);
	GMatchInfo *mi = NULL;
	g_regex_match(re, text, 0, &mi);
	while (g_match_info_matches(mi)) {
		char *a = g_match_info_fetch(mi, 1), *b = g_match_info_fetch(mi, 2);
		add_stated(out, a && *a ? a : b, FALSE);
		g_free(a);
		g_free(b);
		g_match_info_next(mi, NULL);
	}
	g_match_info_free(mi);
	g_regex_unref(re);
}

/*
 * The display filters a section of the lesson plan states: in code blocks,
 * the argument of each tshark -Y; in the text and its tables, each
 * backticked span that is a filter expression (it starts with a name and
 * has a comparison, && or ||, or starts with ! or a parenthesis) and,
 * where the protocols are known, each bare name of a Wireshark protocol or
 * of one of its fields.  Scenario keys, file names, headers and commands
 * are none of these.
 */
static GArray *stated_filters(const char *section, GHashTable *protocols)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(stated_filter));
	GString *prose = g_string_new(NULL);
	const char *at = section;
	for (const char *open; (open = strstr(at, "```"));) {
		const char *close = strstr(open + 3, "```");
		if (!close)
			break;
		char *block = g_strndup(open + 3, (gsize)(close - open - 3));
		tshark_filters(block, out);
		g_free(block);
		g_string_append_len(prose, at, open - at);
		at = close + 3;
	}
	g_string_append(prose, at);
	char *text = squeeze(prose->str);
	GRegex *expr = g_regex_new("^[!(]*[a-z_][a-z0-9_]*(\\.[a-z0-9_]+)*\\b.*"
	                           "(==|!=|>=|<=| > | < |&&|\\|\\|| contains | matches )|^[!(]+[a-z_]",
	                           0, 0, NULL);
	GRegex *name = g_regex_new("^([a-z_][a-z0-9_]*)(\\.[a-z0-9_]+)*$", 0, 0, NULL);
	char **parts = g_strsplit(text, "`", -1);
	for (guint i = 1; parts[i] && parts[i + 1]; i += 2) {
		const char *s = parts[i];
		if (strstr(s, "tshark ")) {
			tshark_filters(s, out);
			continue;
		}
		if (g_regex_match(expr, s, 0, NULL)) {
			add_stated(out, s, FALSE);
			continue;
		}
		GMatchInfo *mi = NULL;
		if (protocols && g_regex_match(name, s, 0, &mi)) {
			char *proto = g_match_info_fetch(mi, 1);
			if (g_hash_table_contains(protocols, proto))
				add_stated(out, s, TRUE);
			g_free(proto);
		}
		g_match_info_free(mi);
	}
	g_strfreev(parts);
	g_regex_unref(expr);
	g_regex_unref(name);
	g_free(text);
	g_string_free(prose, TRUE);
	return out;
}

/* Whether a fact on one of `scenarios` has `filter` as its filter or, for
 * a bare name, among its fields. */
static gboolean filter_checked(const char *scenarios, const stated_filter *sf)
{
	for (size_t t = 0; t < G_N_ELEMENTS(fact_tables); t++) {
		for (size_t i = 0; i < fact_tables[t].n; i++) {
			const lesson_fact *f = &fact_tables[t].facts[i];
			char *sc = fact_scenario(f->file);
			gboolean mine = sc && listed(scenarios, sc);
			g_free(sc);
			if (mine && (strcmp(f->filter, sf->filter) == 0 || (sf->bare && listed(f->fields, sf->filter))))
				return TRUE;
		}
	}
	return FALSE;
}

/*
 * Every display filter the lesson plan states, in every lesson and in the
 * opening "Reading a file", is the filter of a fact checked on the
 * captures of that lesson's scenarios (a bare field name may be a field a
 * fact prints instead); every lesson is mapped to its scenarios and every
 * fact to a scenario.  So a filter cannot be written, changed or mistyped
 * in pcaps/README.md without a fact that runs it through tshark on the
 * lesson's files.
 */
static void test_lesson_filters(void)
{
	char *raw = harness_source_text("pcaps/README.md");
	GHashTable *protocols = wireshark_protocols();
	if (!protocols)
		printf("\n    tshark not on PATH: bare field names not looked for ");
	guint lessons = 0, total = 0, bare = 0, unchecked = 0;
	for (const char *h = raw; (h = strstr(h, "\n## Lesson ")); h++)
		lessons++;
	guint mapped = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(lesson_files); i++)
		mapped += g_str_has_prefix(lesson_files[i].head, "## Lesson ");
	CU_ASSERT_EQUAL(lessons, mapped);
	if (lessons != mapped)
		printf("\n    pcaps/README.md has %u lessons, lesson_files maps %u", lessons, mapped);
	for (size_t i = 0; i < G_N_ELEMENTS(lesson_files); i++) {
		char *head = g_strconcat("\n", lesson_files[i].head, NULL);
		const char *from = strstr(raw, head);
		g_free(head);
		CU_ASSERT_PTR_NOT_NULL(from);
		if (!from) {
			printf("\n    pcaps/README.md has no heading \"%s\"", lesson_files[i].head);
			continue;
		}
		const char *to = strstr(from + 1, "\n## ");
		char *section = to ? g_strndup(from, (gsize)(to - from)) : g_strdup(from);
		GArray *fs = stated_filters(section, protocols);
		CU_ASSERT(fs->len > 0); /* each section has one at least */
		for (guint k = 0; k < fs->len; k++) {
			stated_filter *sf = &g_array_index(fs, stated_filter, k);
			total++;
			bare += sf->bare;
			if (!filter_checked(lesson_files[i].scenarios, sf)) {
				unchecked++;
				printf("\n    %s states `%s`, which is no checked fact's %s on %s", lesson_files[i].head,
				       sf->filter, sf->bare ? "filter or field" : "filter", lesson_files[i].scenarios);
			}
			g_free(sf->filter);
		}
		g_array_unref(fs);
		g_free(section);
	}
	/* Every fact is on some lesson's files. */
	for (size_t t = 0; t < G_N_ELEMENTS(fact_tables); t++) {
		for (size_t i = 0; i < fact_tables[t].n; i++) {
			char *sc = fact_scenario(fact_tables[t].facts[i].file);
			CU_ASSERT_PTR_NOT_NULL(sc);
			if (!sc)
				printf("\n    the fact on %s is on no lesson's scenario", fact_tables[t].facts[i].file);
			g_free(sc);
		}
	}
	printf(" [%u filters stated, %u of them bare names; unchecked: %u]", total, bare, unchecked);
	CU_ASSERT_EQUAL(unchecked, 0);
	CU_ASSERT(total >= 80);
	if (protocols)
		g_hash_table_unref(protocols);
	g_free(raw);
}

/*
 * Every figure the lessons state (every number but an address's octets, a
 * list item's, a lesson's or a step's, and what is in backticks: display
 * filters, which test_lesson_filters holds to facts, file names, keys and
 * commands) must lie in a passage some fact quotes, or a setting (the
 * scenario's, the prices', the model's) test_lesson_settings checks; and
 * every quoted passage must be in the lesson plan, as written.  So a
 * figure cannot change in pcaps/README.md without its fact, nor a new one
 * appear unchecked, in prose or in a table.
 */
static void check_figures(const char *from_head, const char *to_head, guint min_figures);

static void test_lesson_figures(void)
{
	check_figures("## Reading a file", "## How these files are checked", 300);
}

static void check_figures(const char *from_head, const char *to_head, guint min_figures)
{
	char *raw = harness_source_text("pcaps/README.md");
	/* A list item's number is no figure: "N" for it (no quote spans one). */
	GRegex *item = g_regex_new("^(\\s*)\\d+\\. ", G_REGEX_MULTILINE, 0, NULL);
	char *unlisted = g_regex_replace(item, raw, -1, 0, "\\1N. ", 0, NULL);
	g_regex_unref(item);
	char *text = squeeze(unlisted);
	g_free(unlisted);
	const char *from = strstr(text, from_head);
	const char *to = from ? strstr(from + strlen(from_head), to_head) : NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(from);
	CU_ASSERT_PTR_NOT_NULL_FATAL(to);
	size_t lo = (size_t)(from - text), hi = (size_t)(to - text);
	guint8 *covered = g_new0(guint8, strlen(text) + 1);
	/* What is in backticks is a display filter (test_lesson_filters holds
	 * each to a fact), a file name, a key or a command: not a figure. */
	gboolean tick = FALSE;
	for (size_t k = 0; text[k]; k++) {
		if (text[k] == '`')
			tick = !tick;
		covered[k] |= tick || text[k] == '`';
	}
	for (size_t t = 0; t < G_N_ELEMENTS(fact_tables); t++) {
		for (size_t i = 0; i < fact_tables[t].n; i++) {
			const lesson_fact *f = &fact_tables[t].facts[i];
			if (!f->quote)
				continue;
			char *q = squeeze(f->quote);
			const char *at = strstr(text, q);
			CU_ASSERT_PTR_NOT_NULL(at);
			if (!at)
				printf("\n    pcaps/README.md lacks the passage of the fact on %s: \"%s\"", f->file, q);
			for (; at; at = strstr(at + 1, q))
				memset(covered + (at - text), 1, strlen(q));
			g_free(q);
		}
	}
	/* And the settings' passages. */
	char *derived = lattice_requests_passage();
	for (size_t i = 0; i <= G_N_ELEMENTS(settings); i++) {
		char *q = squeeze(i < G_N_ELEMENTS(settings) ? settings[i].quote : derived);
		for (const char *at = strstr(text, q); at; at = strstr(at + 1, q))
			memset(covered + (at - text), 1, strlen(q));
		g_free(q);
	}
	g_free(derived);
	/* Every number but an address's octets and the number of a lesson or
	 * of a step ("Lesson 3", "step 2's"). */
	GRegex *re = g_regex_new("(?<![\\w.\\-/])(?<!Lesson )(?<!step )(\\d+(?:,\\d{3})*(?:\\.\\d+)?)(?!\\w|[.,]\\d)",
	                         0, 0, NULL);
	guint figures = 0, bare = 0;
	GMatchInfo *mi = NULL;
	g_regex_match_full(re, text, -1, (gint)lo, 0, &mi, NULL);
	while (g_match_info_matches(mi)) {
		gint s, e;
		g_match_info_fetch_pos(mi, 1, &s, &e);
		if ((size_t)s >= hi)
			break;
		figures++;
		gboolean in = TRUE;
		for (gint k = s; k < e; k++)
			in = in && covered[k];
		if (!in) {
			bare++;
			printf("\n    pcaps/README.md states %.*s unchecked: \"...%.*s...\"", e - s, text + s,
			       (int)MIN(80, (gint)strlen(text) - MAX(s - 40, 0)), text + MAX(s - 40, 0));
		}
		g_match_info_next(mi, NULL);
	}
	g_match_info_free(mi);
	g_regex_unref(re);
	printf(" [%u figures, all in checked passages: %s]", figures, bare ? "no" : "yes");
	CU_ASSERT(figures > min_figures);
	CU_ASSERT_EQUAL(bare, 0);
	g_free(covered);
	g_free(text);
	g_free(raw);
}

static GHashTable *alb_addresses(const scenario *sc)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		if (lb->type != SC_LB_APPLICATION)
			continue;
		for (guint k = 0; k < lb->node_ips->len; k++) {
			char buf[16];
			g_hash_table_add(h, g_strdup(pkt_ip_str(g_array_index(lb->node_ips, uint32_t, k), buf)));
			uint32_t pub = lb->node_public_ips ? g_array_index(lb->node_public_ips, uint32_t, k) : 0;
			if (pub)
				g_hash_table_add(h, g_strdup(pkt_ip_str(pub, buf)));
		}
	}
	return h;
}

/* One scenario: run twice through the command, compare the files byte for
 * byte, check every capture point wrote packets, then judge each file and
 * check the lesson plan's facts.  Returns how many facts it checked. */
static guint check_scenario(const char *rel, gboolean tshark)
{
	guint nf = 0;
	GError *e = NULL;
	const char *const sets[] = { SHORT, NULL };
	scenario *sc = load(rel, sets, &e);
	CU_ASSERT_PTR_NOT_NULL(sc);
	if (!sc) {
		printf("\n    %s", e->message);
		g_error_free(e);
		return 0;
	}
	char *file = harness_source_path(rel);
	char *d1 = harness_tmpdir(), *d2 = harness_tmpdir();
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", file, "--set", SHORT, "--pcap-dir", d1, NULL), 0);
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", file, "--set", SHORT, "--pcap-dir", d2, NULL), 0);
	GPtrArray *names = pcaps_in(d1), *again = pcaps_in(d2);
	char *n1 = joined(names), *n2 = joined(again);
	CU_ASSERT_STRING_EQUAL(n1, n2);
	CU_ASSERT(names->len > 0);
	printf("\n    %s: %u files", sc->name, names->len);

	/* Byte-identical across the two runs; every point has packets. */
	GHashTable *live = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < names->len; i++) {
		const char *n = names->pdata[i];
		char *a = g_build_filename(d1, n, NULL), *b = g_build_filename(d2, n, NULL);
		CU_ASSERT_TRUE(same_bytes(a, b));
		g_free(a);
		g_free(b);
		pcap_info pi = read_pcap(d1, n);
		CU_ASSERT(pi.packets >= 0 && !pi.truncated);
		if (pi.packets > 0)
			g_hash_table_add(live, g_strdup(n));
		else /* the file header alone, as "Reading a file" says */
			CU_ASSERT_EQUAL(pi.bytes, 24);
	}
	char **points = g_strsplit(sc->capture, ",", -1);
	for (char **p = points; *p; p++) {
		char *prefix = g_strdup_printf("%s-%s-", sc->name, *p);
		gboolean some = FALSE;
		for (guint i = 0; i < names->len && !some; i++)
			some = g_str_has_prefix(names->pdata[i], prefix) &&
			       g_hash_table_contains(live, names->pdata[i]);
		CU_ASSERT(some);
		if (!some)
			printf("\n    %s: no packets at capture point %s", sc->name, *p);
		g_free(prefix);
	}
	g_strfreev(points);

	if (tshark) {
		GHashTable *alb = alb_addresses(sc);
		GHashTable *clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		GPtrArray *xffs = g_ptr_array_new_with_free_func(g_free);
		verdict all = { 0 };
		for (guint i = 0; i < names->len; i++) {
			if (!g_hash_table_contains(live, names->pdata[i]))
				continue;
			char *path = g_build_filename(d1, names->pdata[i], NULL);
			verdict v = judge(path, alb, clients, xffs);
			CU_ASSERT_EQUAL(v.problems, 0);
			CU_ASSERT_EQUAL(v.unanswered, 0);
			CU_ASSERT_EQUAL(v.front_xff, 0);   /* clients send none, Lattice always one */
			CU_ASSERT_EQUAL(v.checks_xff, 0);  /* a health check has no client to name */
			/* The ALB adds it to every request it forwards.  Judged only in
			 * the ALB's and the targets' own files: where VPCs overlap
			 * (alb-overlap-privatelink) a consumer may use an ALB node's
			 * address, and its requests are not the ALB's. */
			char *at_alb = g_strdup_printf("%s-alb-", sc->name), *at_web = g_strdup_printf("%s-web-", sc->name);
			gboolean own = g_str_has_prefix(names->pdata[i], at_alb) ||
			               g_str_has_prefix(names->pdata[i], at_web);
			g_free(at_alb);
			g_free(at_web);
			if (own && v.back_xff != v.back) {
				printf("\n    %s: %d requests from an ALB address, %d with X-Forwarded-For",
				       (char *)names->pdata[i], (int)v.back, (int)v.back_xff);
				CU_FAIL("requests forwarded by an ALB without X-Forwarded-For");
			}
			all.requests += v.requests;
			all.front += v.front;
			all.back += v.back;
			g_free(path);
		}
		nf = check_facts(sc, d1);
		printf(", %u HTTP requests (%u to an ALB, %u from one), %u lesson facts", all.requests, all.front,
		       all.back, nf);
		CU_ASSERT(all.requests > 0);
		/* An ALB scenario shows both connections, and X-Forwarded-For names
		 * a source the ALB's front end saw: the client, the NLB (PrivateLink)
		 * or the NAT gateway's Elastic IP. */
		if (g_hash_table_size(alb)) {
			CU_ASSERT(all.front > 0 && all.back > 0);
			for (guint i = 0; i < xffs->len; i++)
				CU_ASSERT(g_hash_table_contains(clients, xffs->pdata[i]));
		}
		g_ptr_array_unref(xffs);
		g_hash_table_unref(clients);
		g_hash_table_unref(alb);
	}
	g_hash_table_unref(live);
	g_free(n1);
	g_free(n2);
	g_ptr_array_unref(names);
	g_ptr_array_unref(again);
	harness_rmtree(d1);
	harness_rmtree(d2);
	g_free(d1);
	g_free(d2);
	g_free(file);
	scenario_free(sc);
	return nf;
}

/* Scenarios whose lessons (14 and 15) show what the bundled alb-* and s3-*
 * never do, and Wireshark flags: packets dropped on the path, ICMP errors,
 * retransmissions.  They run for their own duration and only their facts
 * are checked. */
static const char *const own_lessons[] = { "scenarios/pmtud-internet.ini", "scenarios/sack-recovery.ini" };

static gboolean own_lesson_fact(const lesson_fact *f)
{
	return g_str_has_prefix(f->file, "pmtud-internet-") || g_str_has_prefix(f->file, "sack-recovery-");
}

static void test_own_lessons(void)
{
	if (!pcap_check_have_tshark())
		return;
	guint nf = 0, want = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(facts); i++)
		want += own_lesson_fact(&facts[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(own_lessons); i++) {
		GError *e = NULL;
		scenario *sc = load(own_lessons[i], NULL, &e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
		char *file = harness_source_path(own_lessons[i]);
		char *d = harness_tmpdir();
		CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", file, "--pcap-dir", d, NULL), 0);
		guint n = check_facts(sc, d);
		printf("\n    %s: %u lesson facts", sc->name, n);
		nf += n;
		harness_rmtree(d);
		g_free(d);
		g_free(file);
		scenario_free(sc);
	}
	CU_ASSERT(want > 20);
	CU_ASSERT_EQUAL(nf, want);
}

static void test_bundled_captures(void)
{
	gboolean tshark = pcap_check_have_tshark();
	GPtrArray *refused;
	GPtrArray *files = bundled(&refused);
	CU_ASSERT(files->len >= 6);
	guint nf = 0;
	for (guint i = 0; i < files->len; i++)
		nf += check_scenario(files->pdata[i], tshark);
	/* Every fact names a file of some bundled scenario. */
	if (tshark)
	{
		guint own = 0;
		for (size_t i = 0; i < G_N_ELEMENTS(facts); i++)
			own += own_lesson_fact(&facts[i]);
		CU_ASSERT_EQUAL(nf + own, G_N_ELEMENTS(facts));
	}
	/* Those left out are left out because they do not load. */
	for (guint i = 0; i < refused->len; i++) {
		GError *err = NULL;
		scenario *sc = load(refused->pdata[i], NULL, &err);
		CU_ASSERT_PTR_NULL(sc);
		scenario_free(sc);
		g_clear_error(&err);
	}
	g_ptr_array_unref(files);
	g_ptr_array_unref(refused);
}

static void test_lesson_health(void)
{
	if (!pcap_check_have_tshark())
		return;
	char *file = harness_source_path("scenarios/alb-target-failure.ini");
	char *dir = harness_tmpdir();
	CU_ASSERT_EQUAL_FATAL(vpcsim(NULL, NULL, "run", file, "--pcap-dir", dir, NULL), 0);
	for (size_t i = 0; i < G_N_ELEMENTS(health_facts); i++)
		lesson_fact_check(&health_facts[i], dir);
	/* Clean files; checks without X-Forwarded-For, forwarded requests with. */
	GError *e = NULL;
	scenario *sc = load("scenarios/alb-target-failure.ini", NULL, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	GHashTable *alb = alb_addresses(sc);
	GHashTable *clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *xffs = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *names = pcaps_in(dir);
	guint checks = 0;
	for (guint i = 0; i < names->len; i++) {
		char *path = g_build_filename(dir, names->pdata[i], NULL);
		verdict v = judge(path, alb, clients, xffs);
		/* The ALB's and web-2's files show what the lesson is about:
		 * requests web-2 never answered and the RSTs of the connections
		 * the ALB gave up.  The others must be clean. */
		const char *n = names->pdata[i];
		if (!strstr(n, "-alb-b-") && !strstr(n, "-web-2-"))
			CU_ASSERT_EQUAL(v.problems, 0);
		CU_ASSERT_EQUAL(v.checks_xff, 0);
		CU_ASSERT_EQUAL(v.back_xff, v.back);
		checks += v.checks;
		g_free(path);
	}
	CU_ASSERT(checks > 0);
	g_ptr_array_unref(names);
	g_ptr_array_unref(xffs);
	g_hash_table_unref(clients);
	g_hash_table_unref(alb);
	scenario_free(sc);

	harness_rmtree(dir);
	g_free(dir);
	g_free(file);
}

/* The checks above can fail: a copy of a clean capture without one data
 * segment has a lost segment and an ACK of an unseen one, and a target's
 * requests, taken for requests to an ALB, carry X-Forwarded-For. */
/* How many captures a command writes and their size in MiB (as du -h
 * counts). */
static void capture_totals(const char *const *args, guint *files, double *mb)
{
	char *d = harness_tmpdir();
	const char *argv[12] = { 0 };
	guint n = 0;
	for (; args[n]; n++)
		argv[n] = args[n];
	argv[n++] = "--pcap-dir";
	argv[n++] = d;
	CU_ASSERT_EQUAL(harness_vpcsim(NULL, NULL, argv), 0);
	GPtrArray *names = pcaps_in(d);
	guint64 bytes = 0;
	for (guint i = 0; i < names->len; i++) {
		char *path = g_build_filename(d, names->pdata[i], NULL);
		GStatBuf st;
		if (g_stat(path, &st) == 0)
			bytes += (guint64)st.st_size;
		g_free(path);
	}
	*files = names->len;
	*mb = (double)bytes / (1024.0 * 1024.0);
	g_ptr_array_unref(names);
	harness_rmtree(d);
	g_free(d);
}

/* The opening paragraph of the lesson plan: the files each command writes
 * and about how large they are, on full runs (1.5 GB between them, written
 * and removed here), within 10%. */
static void test_opening_paragraph(void)
{
	char *raw = harness_source_text("pcaps/README.md");
	char *text = squeeze(raw);
	char *lattice = harness_source_path("scenarios/alb-lattice.ini");
	char *resep = harness_source_path("scenarios/alb-resource-endpoint.ini");
	char *health = harness_source_path("scenarios/alb-target-failure.ini");
	const struct {
		const char *pattern; /* the files (when stated), then the MiB */
		const char *args[4];
	} stated[] = {
		{ "The first writes (\\d+) files \\(about (\\d+) MiB", { "compare", NULL } },
		{ "the second (\\d+) \\(about (\\d+) MiB", { "compare", "--s3", NULL } },
		{ "alb-lattice.ini --pcap-dir pcaps` \\((\\d+) files, about (\\d+) MiB", { "run", lattice, NULL } },
		{ "alb-resource-endpoint.ini --pcap-dir pcaps` \\((\\d+) files, about (\\d+) MiB",
		  { "run", resep, NULL } },
		{ "Lesson 16's from its own scenario \\(a minute of simulated time, ()about (\\d+) MiB",
		  { "run", health, NULL } },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(stated); i++) {
		GRegex *re = g_regex_new(stated[i].pattern, 0, 0, NULL);
		GMatchInfo *mi = NULL;
		gboolean found = g_regex_match(re, text, 0, &mi);
		CU_ASSERT(found);
		if (!found) {
			printf("\n    pcaps/README.md: no passage matches /%s/", stated[i].pattern);
		} else {
			char *f = g_match_info_fetch(mi, 1), *m = g_match_info_fetch(mi, 2);
			guint files;
			double mb;
			capture_totals(stated[i].args, &files, &mb);
			printf("\n    %s %s: %u files, %.0f MiB (stated: %s, about %s MiB)", stated[i].args[0],
			       stated[i].args[1] ? stated[i].args[1] : "", files, mb, *f ? f : "-", m);
			if (*f)
				CU_ASSERT_EQUAL(files, (guint)atoi(f));
			/* "about": within 10%. */
			CU_ASSERT(fabs(mb - atof(m)) <= 0.1 * atof(m));
			g_free(f);
			g_free(m);
		}
		g_match_info_free(mi);
		g_regex_unref(re);
	}
	g_free(lattice);
	g_free(resep);
	g_free(health);
	g_free(text);
	g_free(raw);
}

static void test_judge_finds_faults(void)
{
	if (!pcap_check_have_tshark())
		return;
	char *file = harness_source_path("scenarios/alb-peering.ini");
	char *d = harness_tmpdir();
	CU_ASSERT_EQUAL(vpcsim(NULL, NULL, "run", file, "--duration", "200ms", "--pcap-dir", d, "--capture",
	                       "web-1", NULL),
	                0);
	char *clean = g_build_filename(d, "alb-peering-web-1-vpc-b-router.pcap", NULL);
	char *holed = g_build_filename(d, "holed.pcap", NULL);
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(clean, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
	pcap_dumper_t *dump = pcap_dump_open(pc, holed);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dump);
	struct pcap_pkthdr *h;
	const u_char *data;
	long n = 0, dropped = 0;
	while (pcap_next_ex(pc, &h, &data) == 1) {
		/* A full segment of a response, well into the run. */
		if (++n > 10 && !dropped && h->len > 8000) {
			dropped = n;
			continue;
		}
		pcap_dump((u_char *)dump, h, data);
	}
	pcap_dump_close(dump);
	pcap_close(pc);
	CU_ASSERT(dropped > 0);

	/* web-1 is 10.1.1.4; the ALB node in use1-az1 10.1.1.5. */
	GHashTable *alb = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_add(alb, g_strdup("10.1.1.5"));
	GHashTable *clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *xffs = g_ptr_array_new_with_free_func(g_free);
	verdict v = judge(clean, alb, clients, xffs);
	CU_ASSERT(v.requests > 0 && v.problems == 0 && v.unanswered == 0);
	CU_ASSERT(v.back == v.requests && v.back_xff == v.back && v.front == 0);
	printf("\n    (expected) ");
	verdict hv = judge(holed, alb, clients, xffs);
	CU_ASSERT(hv.problems >= 2 && hv.unanswered > 0);
	g_hash_table_remove_all(alb);
	g_hash_table_add(alb, g_strdup("10.1.1.4"));
	verdict fv = judge(clean, alb, clients, xffs);
	CU_ASSERT(fv.front == v.requests && fv.front_xff == fv.front);
	g_ptr_array_unref(xffs);
	g_hash_table_unref(clients);
	g_hash_table_unref(alb);
	g_free(clean);
	g_free(holed);
	harness_rmtree(d);
	g_free(d);
	g_free(file);
}

/* ---- Ctrl-C ------------------------------------------------------------------ */

/* TRUE once the run has opened its captures (their hidden temporary
 * files exist): world_new() is done and the SIGINT handler follows. */
static gboolean capturing(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	gboolean seen = FALSE;
	const char *n;
	while (d && (n = g_dir_read_name(d)))
		seen |= n[0] == '.';
	if (d)
		g_dir_close(d);
	return seen;
}

static void test_interrupt(void)
{
	char *file = harness_source_path("scenarios/alb-peering.ini");
	char *dir = harness_tmpdir();
	/* Ten minutes of requests would take about half a minute of wall
	 * time; the client's ENI and the ALB (its second node stays empty)
	 * keep the files small enough for pcap-lint to read quickly. */
	const char *argv[] = { bin(), "run", file, "--duration", "600s", "--pcap-dir", dir,
		               "--capture", "client-1,alb-b", "--format", "json", NULL };
	GPid pid;
	int out_fd = -1, err_fd = -1;
	GError *e = NULL;
	gboolean spawned = g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
	                                            G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL,
	                                            NULL, &pid, NULL, &out_fd, &err_fd, &e);
	CU_ASSERT_TRUE_FATAL(spawned);
	for (int i = 0; i < 1000 && !capturing(dir); i++)
		g_usleep(10000);
	g_usleep(500000);
	CU_ASSERT_EQUAL(kill(pid, SIGINT), 0);
	char *out = harness_read_fd(out_fd), *err = harness_read_fd(err_fd);
	int status = 0;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	g_spawn_close_pid(pid);
	/* Ended by the signal once everything was written (see interrupt.h). */
	CU_ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"partial\": true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "interrupted"));

	/* Every file complete: listed in the report, no temporary left, and
	 * valid to the last packet (pcap-lint; the empty one by libpcap). */
	GPtrArray *names = pcaps_in(dir);
	CU_ASSERT_EQUAL(names->len, 3);
	for (guint i = 0; i < names->len; i++) {
		const char *n = names->pdata[i];
		char *path = g_build_filename(dir, n, NULL);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, path));
		pcap_info pi = read_pcap(dir, n);
		CU_ASSERT(pi.packets >= 0);
		if (pi.packets > 0)
			pcap_check_lint(path);
		else
			CU_ASSERT_TRUE(g_str_has_suffix(n, "-2.pcap")); /* the ALB's use1-az2 node */
		g_free(path);
	}
	pcap_info c = read_pcap(dir, "alb-peering-client-1-vpc-a-router.pcap");
	CU_ASSERT(c.packets > 100);
	printf("\n    interrupted after %ld packets at client-1", c.packets);
	g_ptr_array_unref(names);
	g_free(out);
	g_free(err);
	harness_rmtree(dir);
	g_free(dir);
	g_free(file);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("captures");
	CU_add_test(s, "[scenario] capture and snaplen", test_keys);
	CU_add_test(s, "node names agree with the builder", test_node_names);
	CU_add_test(s, "--capture and --snaplen over the scenario's", test_command_line);
	CU_add_test(s, "every figure of every lesson is in a passage a fact or a setting checks", test_lesson_figures);
	CU_add_test(s, "every display filter of every lesson is a checked fact's", test_lesson_filters);
	CU_add_test(s, "the settings, prices and constants the lessons quote", test_lesson_settings);
	CU_add_test(s, "bundled scenarios: clean, deterministic captures", test_bundled_captures);
	CU_add_test(s, "Lessons 14 and 15: PMTUD and SACK recovery, as stated", test_own_lessons);
	CU_add_test(s, "Lesson 16: health checks and 5xx, on a full run", test_lesson_health);
	CU_add_test(s, "the opening paragraph: files and sizes of each command", test_opening_paragraph);
	CU_add_test(s, "the Wireshark checks find a lost segment and a stray header",
	            test_judge_finds_faults);
	CU_add_test(s, "Ctrl-C leaves complete captures and a partial report", test_interrupt);
}
