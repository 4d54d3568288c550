/* \summary: Wireshark's verdict on test captures: pcap-lint, and HTTP request/response pairing */
#ifndef VPCSIM_TEST_PCAP_CHECK_H
#define VPCSIM_TEST_PCAP_CHECK_H

#include <stdio.h>
#include <string.h>

#include "harness.h"

/*
 * Shared by the TCP and HTTP tests (header-only: the build compiles only
 * test_*.c and harness.c).  Both checks pass with a notice when tshark is
 * not installed, as the capture tests do.
 */

static inline gboolean pcap_check_have_tshark(void)
{
	if (harness_have("tshark"))
		return TRUE;
	printf("\n    tshark not on PATH: Wireshark checks skipped ");
	return FALSE;
}

/* pcap-lint (VPCSIM_PCAP_LINT) must find no malformed packet, bad checksum
 * or expert warning: no lost or unseen segment, no retransmission, no
 * duplicate ACK, no window problem. */
static inline void pcap_check_lint(const char *file)
{
	if (!pcap_check_have_tshark())
		return;
	const char *lint = g_getenv("VPCSIM_PCAP_LINT");
	CU_ASSERT_PTR_NOT_NULL_FATAL(lint);
	const char *argv[] = { lint, file, NULL };
	char *out = NULL, *err = NULL;
	int rc = harness_run(argv, &out, &err);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0)
		fprintf(stderr, "\npcap-lint %s: %s%s\n", file, out ? out : "", err ? err : "");
	g_free(out);
	g_free(err);
}

/* A response as Wireshark reassembled it. */
typedef struct {
	guint64 content_length;
	guint64 total; /* head + body bytes */
} pcap_http_resp;

/*
 * Reads the HTTP messages in `file` (two passes, so requests know their
 * responses) and checks that every request has a response and every
 * response a request.  Returns the number of requests; `resps` (if not
 * NULL) gets each response in capture order, so the caller can check that
 * total is exactly the head it expects plus Content-Length: the body on
 * the wire is as long as announced.
 */
static inline guint pcap_check_http(const char *file, GArray *resps)
{
	/* Out-of-order reassembly: after a loss the sender goes back N and
	 * resends segments the capture already holds; Wireshark 4.0 rebuilds
	 * the message from those only with this preference on. */
	const char *argv[] = { "tshark", "-n", "-2", "-o", "tcp.reassemble_out_of_order:TRUE",
	                       "-r", file, "-Y", "http", "-T", "fields",
	                       "-E", "separator=|", "-e", "http.request.method",
	                       "-e", "http.response_in", "-e", "http.response.code",
	                       "-e", "http.content_length", "-e", "tcp.reassembled.length",
	                       "-e", "tcp.len", "-e", "http.request_in", NULL };
	char *out = NULL, *err = NULL;
	int rc = harness_run(argv, &out, &err);
	CU_ASSERT_EQUAL(rc, 0);
	guint requests = 0, responses = 0;
	char **lines = g_strsplit(g_strstrip(out ? out : g_strdup("")), "\n", -1);
	for (char **l = lines; *l && **l; l++) {
		char **f = g_strsplit(*l, "|", -1);
		CU_ASSERT_EQUAL_FATAL(g_strv_length(f), 7);
		if (*f[0]) {
			requests++;
			CU_ASSERT_STRING_NOT_EQUAL(f[1], ""); /* http.response_in */
		}
		if (*f[2]) {
			responses++;
			CU_ASSERT_STRING_NOT_EQUAL(f[6], ""); /* http.request_in */
			pcap_http_resp r;
			r.content_length = g_ascii_strtoull(f[3], NULL, 10);
			/* A response in one segment has no reassembly: its length is
			 * the segment's. */
			r.total = g_ascii_strtoull(*f[4] ? f[4] : f[5], NULL, 10);
			CU_ASSERT(r.total > r.content_length);
			if (resps)
				g_array_append_val(resps, r);
		}
		g_strfreev(f);
	}
	CU_ASSERT_EQUAL(requests, responses);
	g_strfreev(lines);
	g_free(out);
	g_free(err);
	return requests;
}

static inline gint pcap_check__cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct lines tshark prints for a display filter and fields
 * (space-separated names), sorted and joined by ';': how the lesson plans'
 * facts (test_captures, test_reach) are written. */
static inline char *pcap_check_fact_lines(const char *path, const char *filter, const char *fields)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	const char *head[] = { "tshark", "-n", "-r", path, "-Y", filter, "-T", "fields", "-E", "separator= ",
		               "-E", "occurrence=f" };
	for (size_t i = 0; i < G_N_ELEMENTS(head); i++)
		g_ptr_array_add(argv, g_strdup(head[i]));
	char **fs = g_strsplit(fields, " ", -1);
	for (char **f = fs; *f; f++) {
		g_ptr_array_add(argv, g_strdup("-e"));
		g_ptr_array_add(argv, g_strdup(*f));
	}
	g_strfreev(fs);
	g_ptr_array_add(argv, NULL);
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(harness_run((const char *const *)argv->pdata, &out, &err), 0);
	g_ptr_array_unref(argv);
	GPtrArray *lines = g_ptr_array_new();
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	char **ls = g_strsplit(out ? out : "", "\n", -1);
	for (char **l = ls; *l; l++)
		if (**l && g_hash_table_add(seen, *l))
			g_ptr_array_add(lines, *l);
	g_ptr_array_sort(lines, pcap_check__cmp);
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < lines->len; i++)
		g_string_append_printf(s, "%s%s", i ? ";" : "", (char *)lines->pdata[i]);
	g_hash_table_destroy(seen);
	g_ptr_array_unref(lines);
	g_strfreev(ls);
	g_free(out);
	g_free(err);
	return g_string_free(s, FALSE);
}

#endif
