/* \summary: folded departures: a run takes the same course with captures and without, and its pcaps stay in time order */
#define _DEFAULT_SOURCE 1 /* pcap.h needs the BSD u_int/u_char types */

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "pcap_check.h"

/*
 * fabric_send() hands a construct's departure to its link ahead of its
 * time (link_send_at), which changes the order of events at equal times;
 * whether it does must not depend on captures, or a run with captures
 * would take another course than the same run without.  So: a bundled
 * scenario run with its capture points (or with every node captured) and
 * the same run with `--set scenario.capture=none` give the same JSON
 * report, trajectory fingerprint and event count included, except the
 * list of capture files.  And each capture, whose writer holds the records
 * of departures taken ahead until the clock reaches them, is in timestamp
 * order and passes pcap-lint (malformed packets, checksums, Wireshark's
 * TCP analysis).
 */

#define CAPTURES_KEY "\n  \"captures\": ["

/* Cuts the "captures" line out of `json` (taken); *files gets the paths it
 * listed. */
static char *cut_captures(char *json, char ***files)
{
	char *at = strstr(json, CAPTURES_KEY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	char *list = at + strlen(CAPTURES_KEY);
	char *end = strchr(list, '\n');
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	CU_ASSERT_FATAL(end > list && end[-1] == ']');
	char *inner = g_strndup(list, (gsize)(end - 1 - list));
	GPtrArray *paths = g_ptr_array_new();
	char **parts = g_strsplit(inner, ", ", -1);
	for (char **s = parts; *s; s++) {
		size_t n = strlen(*s);
		if (n >= 2 && (*s)[0] == '"' && (*s)[n - 1] == '"')
			g_ptr_array_add(paths, g_strndup(*s + 1, n - 2));
		else
			CU_ASSERT(n == 0); /* "[]" */
	}
	g_strfreev(parts);
	g_free(inner);
	g_ptr_array_add(paths, NULL);
	*files = (char **)g_ptr_array_free(paths, FALSE);
	*at = '\0';
	char *rest = g_strconcat(json, end, NULL);
	g_free(json);
	return rest;
}

/* Reads `path` back: timestamps never decrease.  Returns the number of
 * records (a port with no traffic has none). */
static guint64 check_time_order(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pd = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pd);
	struct pcap_pkthdr *h;
	const u_char *data;
	guint64 n = 0, backwards = 0, prev = 0;
	int rc;
	while ((rc = pcap_next_ex(pd, &h, &data)) == 1) {
		guint64 t = (guint64)h->ts.tv_sec * G_GUINT64_CONSTANT(1000000000) + (guint64)h->ts.tv_usec;
		if (n > 0 && t < prev)
			backwards++;
		prev = t;
		n++;
	}
	CU_ASSERT_EQUAL(rc, PCAP_ERROR_BREAK);
	CU_ASSERT_EQUAL(backwards, 0);
	if (backwards)
		fprintf(stderr, "\n%s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
		                " records go back in time\n", path, backwards, n);
	pcap_close(pd);
	return n;
}

/* Runs scenarios/NAME.ini with captures (`capture`: NULL for the
 * scenario's own points, else --capture's value) and without, and checks
 * the two reports and the captures.  `lint`: run pcap-lint on each file. */
static void check_scenario(const char *name, const char *capture, gboolean lint)
{
	char *rel = g_strdup_printf("scenarios/%s.ini", name);
	char *dir_on = harness_tmpdir(), *dir_off = harness_tmpdir();
	char *on = NULL, *off = NULL, *err = NULL;
	int rc = capture ? harness_vpcsim_v(&on, &err, "run", rel, "-f", "json", "--fingerprint", "--pcap-dir",
	                                    dir_on, "--capture", capture, NULL)
	                 : harness_vpcsim_v(&on, &err, "run", rel, "-f", "json", "--fingerprint", "--pcap-dir",
	                                    dir_on, NULL);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0)
		fprintf(stderr, "\n%s with captures: exit %d\n%s", rel, rc, err);
	g_free(err);
	rc = harness_vpcsim_v(&off, &err, "run", rel, "-f", "json", "--fingerprint", "--pcap-dir", dir_off,
	                      "--set", "scenario.capture=none", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	g_free(err);

	char **files_on = NULL, **files_off = NULL;
	on = cut_captures(on, &files_on);
	off = cut_captures(off, &files_off);
	CU_ASSERT_PTR_NOT_NULL(strstr(on, "\"fingerprint\": \""));
	CU_ASSERT(g_strv_length(files_on) >= 4);
	CU_ASSERT_EQUAL(g_strv_length(files_off), 0);
	CU_ASSERT_STRING_EQUAL(on, off);
	if (strcmp(on, off) != 0) {
		char **a = g_strsplit(on, "\n", -1), **b = g_strsplit(off, "\n", -1);
		guint i = 0;
		while (a[i] && b[i] && strcmp(a[i], b[i]) == 0)
			i++;
		fprintf(stderr, "\n%s: the reports differ at line %u:\n  with captures:    %s\n"
		                "  without captures: %s\n",
		        rel, i + 1, a[i] ? a[i] : "(end)", b[i] ? b[i] : "(end)");
		g_strfreev(a);
		g_strfreev(b);
	}
	guint busy = 0;
	for (char **f = files_on; *f; f++) {
		CU_ASSERT_TRUE(g_str_has_prefix(*f, dir_on));
		if (check_time_order(*f) == 0)
			continue; /* pcap-lint wants packets */
		busy++;
		if (lint)
			pcap_check_lint(*f);
	}
	CU_ASSERT(busy >= 4);
	g_strfreev(files_on);
	g_strfreev(files_off);
	g_free(on);
	g_free(off);
	harness_rmtree(dir_on);
	harness_rmtree(dir_off);
	g_free(dir_on);
	g_free(dir_off);
	g_free(rel);
}

static void test_privatelink(void) { check_scenario("alb-privatelink", NULL, TRUE); }
static void test_tgw(void) { check_scenario("alb-tgw", NULL, TRUE); }
static void test_public(void) { check_scenario("alb-public", NULL, TRUE); }
/* Every port of every node, the VPC routers' included. */
static void test_tgw_all(void) { check_scenario("alb-tgw", "all", FALSE); }

void register_tests(void)
{
	CU_pSuite s = harness_suite("fold");
	CU_add_test(s, "alb-privatelink: same report with captures and without; pcaps in order, lint-clean",
	            test_privatelink);
	CU_add_test(s, "alb-tgw: the same", test_tgw);
	CU_add_test(s, "alb-public: the same", test_public);
	CU_add_test(s, "alb-tgw, every node captured: same report; pcaps in order", test_tgw_all);
}
