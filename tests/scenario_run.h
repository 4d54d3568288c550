/* \summary: running a scenario inside a test, and reading its captures back */
#ifndef VPCSIM_TEST_SCENARIO_RUN_H
#define VPCSIM_TEST_SCENARIO_RUN_H

/* Static functions shared by the scenario-level tests (each test program
 * is one translation unit plus the harness). */

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "build.h"
#include "cost.h"
#include "scenario.h"

typedef struct {
	scenario *sc;
	world *w;
	report *r;
	char *dir;
} run;

G_GNUC_UNUSED static gboolean run_scenario(run *rn, const char *file, const char *const *extra_sets,
                             gboolean captures)
{
	memset(rn, 0, sizeof *rn);
	char *path = harness_source_path(file);
	GPtrArray *sets = g_ptr_array_new();
	for (const char *const *s = extra_sets; s && *s; s++)
		g_ptr_array_add(sets, (gpointer)*s);
	g_ptr_array_add(sets, NULL);
	GError *err = NULL;
	rn->sc = scenario_load(path, (const char *const *)sets->pdata, &err);
	g_ptr_array_unref(sets);
	g_free(path);
	if (!rn->sc) {
		printf("\n    %s\n", err->message);
		g_error_free(err);
		return FALSE;
	}
	world_options wo = { 0 };
	if (captures) {
		rn->dir = harness_tmpdir();
		wo.pcap_dir = rn->dir;
		/* Every port, whatever teaching points the scenario sets: tests
		 * read the ports they need. */
		wo.capture = "all";
	}
	rn->w = world_new(rn->sc, &wo, &err);
	if (!rn->w) {
		printf("\n    %s\n", err->message);
		g_error_free(err);
		return FALSE;
	}
	world_run(rn->w, NULL, NULL, NULL);
	rn->r = world_report(rn->w, FALSE, 0, &err);
	if (!rn->r) {
		printf("\n    %s\n", err->message);
		g_error_free(err);
		return FALSE;
	}
	return TRUE;
}

G_GNUC_UNUSED static void run_free(run *rn)
{
	report_free(rn->r);
	world_free(rn->w);
	scenario_free(rn->sc);
	if (rn->dir) {
		harness_rmtree(rn->dir);
		g_free(rn->dir);
	}
}

/* Sum of IPv4 total lengths of every packet in a capture, read with libpcap. */
G_GNUC_UNUSED static uint64_t pcap_ip_bytes(const char *dir, const char *name)
{
	char *path = g_strdup_printf("%s/%s.pcap", dir, name);
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, errbuf);
	CU_ASSERT_PTR_NOT_NULL(pc);
	if (!pc) {
		printf("\n    %s: %s", path, errbuf);
		g_free(path);
		return 0;
	}
	uint64_t total = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	while (pcap_next_ex(pc, &h, &data) == 1) {
		CU_ASSERT(h->caplen >= 18 && data[12] == 0x08 && data[13] == 0x00);
		total += (uint64_t)data[16] << 8 | data[17];
	}
	pcap_close(pc);
	g_free(path);
	return total;
}

G_GNUC_UNUSED static const report_workload *workload(const report *r, const char *name)
{
	for (guint i = 0; i < r->workloads->len; i++) {
		const report_workload *w = &g_array_index(r->workloads, report_workload, i);
		if (strcmp(w->name, name) == 0)
			return w;
	}
	CU_FAIL("workload not in report");
	return NULL;
}

/* Total drops whose description contains `what`. */
G_GNUC_UNUSED static uint64_t drops_matching(const report *r, const char *what)
{
	uint64_t n = 0;
	for (guint i = 0; i < r->drops->len; i++) {
		const report_count *c = &g_array_index(r->drops, report_count, i);
		if (strstr(c->what, what))
			n += c->count;
	}
	return n;
}

#endif
