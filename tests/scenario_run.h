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

/* Loads `file` (relative to the source tree) with the overrides, runs it
 * and reports.  `capture`: NULL for no captures, else which nodes to
 * capture ("all", or node names and globs, as `vpcsim run --capture`),
 * into a fresh directory rn->dir that run_free() removes. */
G_GNUC_UNUSED static gboolean run_scenario_capture(run *rn, const char *file,
                                                   const char *const *extra_sets,
                                                   const char *capture)
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
	if (capture) {
		rn->dir = harness_tmpdir();
		wo.pcap_dir = rn->dir;
		wo.capture = capture;
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

G_GNUC_UNUSED static gboolean run_scenario(run *rn, const char *file, const char *const *extra_sets,
                             gboolean captures)
{
	return run_scenario_capture(rn, file, extra_sets, captures ? "all" : NULL);
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

/* One packet of a capture, decoded from its header bytes (addresses in
 * host order, as the scenario holds them). */
typedef struct {
	uint32_t src, dst;
	uint16_t sport, dport;  /* 0 unless TCP or UDP */
	uint8_t proto;
	uint8_t tcp_flags;      /* 0 unless TCP */
	uint32_t ip_len;        /* IPv4 total length */
	uint32_t payload_len;   /* TCP or UDP payload bytes */
	uint8_t ttl;
	uint16_t mss;           /* a TCP MSS option's value, else 0 */
	uint8_t icmp_type, icmp_code; /* ICMP only */
	uint16_t icmp_mtu;      /* ICMP type 3 code 4: the next-hop MTU */
	uint32_t quoted_src;    /* ICMP error: the quoted header's source */
	uint16_t quoted_sport;
	gint64 t_ns;            /* capture time, ns since the epoch */
} cap_pkt;

/* Every IPv4 packet of a capture, read with libpcap; the caller unrefs. */
G_GNUC_UNUSED static GArray *pcap_packets(const char *dir, const char *name)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(cap_pkt));
	char *path = g_strdup_printf("%s/%s.pcap", dir, name);
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	CU_ASSERT_PTR_NOT_NULL(pc);
	if (!pc) {
		printf("\n    %s: %s", path, errbuf);
		g_free(path);
		return a;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(pc, &h, &d) == 1) {
		/* Ethernet II, IPv4, then TCP or UDP: what the simulator writes. */
		if (h->caplen < 34 || d[12] != 0x08 || d[13] != 0x00) {
			CU_FAIL("not an Ethernet IPv4 frame");
			continue;
		}
		const u_char *ip = d + 14;
		guint ihl = (ip[0] & 0x0f) * 4u;
		cap_pkt c = { 0 };
		c.ip_len = (uint32_t)ip[2] << 8 | ip[3];
		c.proto = ip[9];
		c.src = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
		c.dst = (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
		c.ttl = ip[8];
		c.t_ns = (gint64)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
		const u_char *l4 = ip + ihl;
		if (c.proto == 1 && h->caplen >= 14 + ihl + 8 + 20 + 8) {
			c.icmp_type = l4[0];
			c.icmp_code = l4[1];
			c.icmp_mtu = (uint16_t)(l4[6] << 8 | l4[7]);
			const u_char *q = l4 + 8;
			c.quoted_src = (uint32_t)q[12] << 24 | (uint32_t)q[13] << 16 | (uint32_t)q[14] << 8 | q[15];
			c.quoted_sport = (uint16_t)(q[20] << 8 | q[21]);
		}
		if ((c.proto == PKT_PROTO_TCP || c.proto == PKT_PROTO_UDP) &&
		    h->caplen >= 14 + ihl + (c.proto == PKT_PROTO_TCP ? 20u : 8u)) {
			c.sport = (uint16_t)(l4[0] << 8 | l4[1]);
			c.dport = (uint16_t)(l4[2] << 8 | l4[3]);
			guint l4len = c.proto == PKT_PROTO_TCP ? (l4[12] >> 4) * 4u : 8u;
			if (c.proto == PKT_PROTO_TCP) {
				c.tcp_flags = l4[13];
				/* Options: the MSS (kind 2, length 4) if there is one. */
				for (guint o = 20; o + 1 < l4len && 14 + ihl + o + 3 < h->caplen;) {
					if (l4[o] == 0)
						break;
					if (l4[o] == 1) {
						o++;
						continue;
					}
					if (l4[o] == 2 && l4[o + 1] == 4)
						c.mss = (uint16_t)(l4[o + 2] << 8 | l4[o + 3]);
					if (l4[o + 1] < 2)
						break;
					o += l4[o + 1];
				}
			}
			c.payload_len = c.ip_len - ihl - l4len;
		}
		g_array_append_val(a, c);
	}
	pcap_close(pc);
	g_free(path);
	return a;
}

/* The node of a world by name, or NULL. */
G_GNUC_UNUSED static node *world_node(world *w, const char *name)
{
	net *nt = world_net(w);
	for (guint i = 0; i < nt->nodes->len; i++) {
		node *n = g_ptr_array_index(nt->nodes, i);
		if (strcmp(n->name, name) == 0)
			return n;
	}
	CU_FAIL("no node of that name");
	return NULL;
}

/* The ledger's line (component, type) after the report, or NULL. */
G_GNUC_UNUSED static const cost_line *ledger_line(const report *r, const char *component,
                                                  const char *type)
{
	for (guint i = 0; i < cost_ledger_n_lines(r->ledger); i++) {
		const cost_line *l = cost_ledger_line_at(r->ledger, i);
		if (strcmp(l->component, component) == 0 && strcmp(l->type, type) == 0)
			return l;
	}
	return NULL;
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
