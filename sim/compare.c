/* \summary: runs several scenarios alike and sets their figures and properties side by side */
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "error.h"
#include "outfile.h"

static const char *kind_of(const report *r, const char *name)
{
	for (guint i = 0; i < r->components->len; i++) {
		const report_component *c = &g_array_index(r->components, report_component, i);
		if (strcmp(c->name, name) == 0)
			return c->kind;
	}
	return "";
}

static gboolean path_has(const compare_option *o, const char *kind)
{
	const GPtrArray *p = o->wl->request_path;
	for (guint i = 0; i < p->len; i++)
		if (strcmp(kind_of(o->r, g_ptr_array_index(p, i)), kind) == 0)
			return TRUE;
	return FALSE;
}

/* The VPC a workload's target lives in, or -1 (a public service). */
static int target_vpc(const scenario *sc, const sc_workload *w)
{
	int t = g_array_index(w->targets, int, 0);
	switch (w->target_kind) {
	case SC_TARGET_IS_INSTANCE:
		return SC_AT(sc->subnets, sc_subnet, SC_AT(sc->instances, sc_instance, t)->subnet)->vpc;
	case SC_TARGET_IS_LB:
		return SC_AT(sc->load_balancers, sc_lb, t)->vpc;
	case SC_TARGET_IS_ENDPOINT: {
		const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, t);
		if (e->kind != SC_IFE_ENDPOINT_SERVICE)
			return -1;
		int lb = SC_AT(sc->endpoint_services, sc_endpoint_service, e->service)->lb;
		return SC_AT(sc->load_balancers, sc_lb, lb)->vpc;
	}
	default:
		return -1;
	}
}

/* Loads the scenario again with the target's VPC renumbered into the
 * client VPC's range, and says what the loader thinks of it. */
static char *try_overlap(const compare_option *o, const char *const *sets)
{
	const scenario *sc = o->sc;
	const sc_workload *w = SC_AT(sc->workloads, sc_workload, 0);
	int ci = g_array_index(w->clients, int, 0);
	int a = SC_AT(sc->subnets, sc_subnet, SC_AT(sc->instances, sc_instance, ci)->subnet)->vpc;
	int b = target_vpc(sc, w);
	if (b < 0 || a == b)
		return g_strdup("n/a (one VPC and a public service)");
	sc_cidr ca = SC_AT(sc->vpcs, sc_vpc, a)->cidr, cb = SC_AT(sc->vpcs, sc_vpc, b)->cidr;
	if (ca.len > cb.len)
		return g_strdup("n/a (the client VPC is smaller than the target's)");
	GPtrArray *ovr = g_ptr_array_new_with_free_func(g_free);
	for (const char *const *s = sets; s && *s; s++)
		g_ptr_array_add(ovr, g_strdup(*s));
	char ip[16];
	g_ptr_array_add(ovr, g_strdup_printf("vpc:%s.cidr=%s/%u", SC_AT(sc->vpcs, sc_vpc, b)->name,
	                                     pkt_ip_str(ca.addr, ip), cb.len));
	for (guint i = 0; i < sc->subnets->len; i++) {
		const sc_subnet *sn = SC_AT(sc->subnets, sc_subnet, i);
		if (sn->vpc != b)
			continue;
		uint32_t moved = ca.addr + (sn->cidr.addr - cb.addr);
		g_ptr_array_add(ovr, g_strdup_printf("subnet:%s.cidr=%s/%u", sn->name, pkt_ip_str(moved, ip),
		                                     sn->cidr.len));
	}
	g_ptr_array_add(ovr, NULL);
	GError *err = NULL;
	scenario *t = scenario_load(o->file, (const char *const *)ovr->pdata, &err);
	g_ptr_array_unref(ovr);
	char *verdict;
	if (t) {
		verdict = g_strdup("allowed (the scenario loads with both VPCs on one CIDR)");
		scenario_free(t);
	} else {
		/* The reason: the first line that speaks of overlap, else the first. */
		char **lines = g_strsplit(err->message, "\n", -1);
		const char *why = lines[0] ? lines[0] : "";
		for (char **l = lines; *l; l++)
			if (strstr(*l, "overlap")) {
				why = *l;
				break;
			}
		const char *colon = strstr(why, "': ");
		verdict = g_strdup_printf("refused: %s", colon ? colon + 3 : why);
		g_strfreev(lines);
		g_error_free(err);
	}
	return verdict;
}

static void derive(compare_option *o, const char *const *sets)
{
	const profile *pf = o->sc->profile;
	gboolean peering = path_has(o, "peering"), tgw = path_has(o, "transit-gateway");
	gboolean igw = path_has(o, "internet-gateway"), natgw = path_has(o, "nat-gateway");
	gboolean ife = path_has(o, "interface-endpoint"), gwe = path_has(o, "gateway-endpoint");
	if (peering) {
		o->transitive = g_strdup("no: peering is not transitive");
		o->growth = g_strdup("full mesh: n(n-1)/2 peering connections for n VPCs (45 for 10)");
		o->quota = g_strdup_printf("%u active peering connections per VPC",
		                           pf->limits.peering_connections_per_vpc);
	} else if (tgw) {
		o->transitive = g_strdup("yes: any attached VPC reaches any other the TGW routes to");
		o->growth = g_strdup("hub: n attachments for n VPCs (10 for 10)");
		o->quota = g_strdup_printf("%u attachments per transit gateway", pf->limits.tgw_attachments);
	} else if (ife) {
		o->transitive = g_strdup("n/a: exposes one service, not a network");
		o->growth = g_strdup("one interface endpoint per consumer VPC per service (9 for 10 VPCs)");
		o->quota = g_strdup_printf("%u interface endpoints per VPC", pf->limits.interface_endpoints_per_vpc);
	} else if (natgw || igw) {
		o->transitive = g_strdup("n/a: reaches public addresses, not networks");
		o->growth = g_strdup("a NAT gateway per consumer VPC (per AZ for resilience)");
		o->quota = g_strdup_printf("%u connections per NAT gateway address per destination",
		                           pf->limits.natgw_connections_per_destination);
	} else if (gwe) {
		o->transitive = g_strdup("n/a: one service, from this VPC only");
		o->growth = g_strdup("one gateway endpoint per VPC (a route, no appliance)");
		o->quota = g_strdup("gateway endpoints per Region and per VPC");
	} else {
		o->transitive = g_strdup("n/a: within one VPC");
		o->growth = g_strdup("n/a");
		o->quota = g_strdup("n/a");
	}
	o->exposure = g_strdup(igw ? "crosses the Region's public network (public IPv4 addresses)"
	                           : "private addresses only");
	o->overlap = try_overlap(o, sets);
}

static gboolean run_option(compare_option *o, const char *const *sets, const char *pcap_dir,
                           const char *capture, volatile int *stop, gboolean *stopped,
                           const estimate_limits *lim, double *used, GError **error)
{
	o->sc = scenario_load(o->file, sets, error);
	if (!o->sc)
		return FALSE;
	if (o->sc->workloads->len == 0) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID, "%s: no workload to compare", o->file);
		return FALSE;
	}
	if (lim) {
		estimate est;
		estimate_run(o->sc, NULL, pcap_dir != NULL, capture, &est);
		gboolean fits = estimate_check(&est, o->sc, lim, *used, error);
		*used += est.memory;
		estimate_clear(&est);
		if (!fits)
			return FALSE;
	}
	world_options wo = { .pcap_dir = pcap_dir, .capture = capture };
	o->w = world_new(o->sc, &wo, error);
	if (!o->w)
		return FALSE;
	gint64 t0 = g_get_monotonic_time();
	*stopped = !world_run(o->w, stop, NULL, NULL);
	if (world_net(o->w)->capture_failed) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO,
		            "%s: %s; the run stopped at %.3f s of simulated time and keeps no capture", o->file,
		            net_capture_error(world_net(o->w))->message,
		            (double)sim_now(world_net(o->w)->sim) / 1e9);
		return FALSE;
	}
	o->r = world_report(o->w, *stopped, (double)(g_get_monotonic_time() - t0) / 1e6, error);
	if (!o->r)
		return FALSE;
	o->name = g_strdup(o->sc->name);
	o->description = g_strdup(o->sc->description);
	o->wl = &g_array_index(o->r->workloads, report_workload, 0);
	const hdr_hist *h = o->wl->latency;
	o->p50_ms = (double)hdr_quantile(h, 0.5) / 1e6;
	o->p99_ms = (double)hdr_quantile(h, 0.99) / 1e6;
	o->p999_ms = (double)hdr_quantile(h, 0.999) / 1e6;
	o->constructs = o->wl->request_path->len >= 2 ? o->wl->request_path->len - 2 : 0;
	uint64_t bytes = o->wl->request_bytes + o->wl->response_bytes;
	o->wire_bytes_per_request = o->wl->completed ? (double)bytes / (double)o->wl->completed : 0;
	o->traffic_gb = (double)bytes / o->sc->prices->gb_bytes;
	double run_hours = cost_ledger_run_hours(o->r->ledger);
	o->month_gb = run_hours > 0 ? o->traffic_gb * o->sc->prices->hours_per_month / run_hours : 0;
	const cost_ledger *l = o->r->ledger;
	for (guint i = 0; i < cost_ledger_n_lines(l); i++) {
		const cost_line *c = cost_ledger_line_at(l, i);
		if (c->kind == COST_HOURLY)
			o->fixed_month_usd += c->month_usd;
		else
			o->variable_run_usd += c->run_usd;
	}
	o->usd_per_gb = o->traffic_gb > 0 ? o->variable_run_usd / o->traffic_gb : 0;
	o->total_month_usd = cost_ledger_total_month_usd(l);
	derive(o, sets);
	return TRUE;
}

static void option_free(gpointer data)
{
	compare_option *o = data;
	report_free(o->r);
	world_free(o->w);
	scenario_free(o->sc);
	g_free(o->file);
	g_free(o->name);
	g_free(o->description);
	g_free(o->transitive);
	g_free(o->overlap);
	g_free(o->exposure);
	g_free(o->growth);
	g_free(o->quota);
	g_free(o);
}

void compare_free(compare_result *c)
{
	if (!c)
		return;
	g_ptr_array_unref(c->options);
	g_array_unref(c->breaks);
	g_free(c->cheapest);
	g_free(c->fastest);
	g_free(c->crossover);
	g_free(c->stopped);
	g_free(c);
}

/* Monthly cost at a volume: the fixed part plus the variable rate. */
static double cost_at(const compare_option *o, double gb)
{
	return o->fixed_month_usd + o->usd_per_gb * gb;
}

guint compare_cheapest_at(const compare_result *c, double gb)
{
	guint best = 0;
	for (guint i = 1; i < c->options->len; i++)
		if (cost_at(g_ptr_array_index(c->options, i), gb) <
		    cost_at(g_ptr_array_index(c->options, best), gb))
			best = i;
	return best;
}

static gint cmp_double(gconstpointer a, gconstpointer b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Where the cheapest option changes: every pairwise intersection of the
 * cost lines, kept when the cheapest option differs on either side. */
static void find_crossovers(compare_result *c)
{
	GArray *cand = g_array_new(FALSE, FALSE, sizeof(double));
	for (guint i = 0; i < c->options->len; i++)
		for (guint j = i + 1; j < c->options->len; j++) {
			const compare_option *a = g_ptr_array_index(c->options, i), *b = g_ptr_array_index(c->options, j);
			double ds = a->usd_per_gb - b->usd_per_gb;
			if (fabs(ds) < 1e-15)
				continue;
			double v = (b->fixed_month_usd - a->fixed_month_usd) / ds;
			if (v > 0 && isfinite(v))
				g_array_append_val(cand, v);
		}
	g_array_sort(cand, cmp_double);
	GString *s = g_string_new(NULL);
	guint cur = compare_cheapest_at(c, 0);
	g_string_append_printf(s, "Cheapest from 0 GB/month: %s",
	                       ((compare_option *)g_ptr_array_index(c->options, cur))->name);
	for (guint i = 0; i < cand->len; i++) {
		double v = g_array_index(cand, double, i);
		guint after = compare_cheapest_at(c, v * 1.000001 + 1e-9);
		if (after != cur) {
			g_array_append_val(c->breaks, v);
			g_string_append_printf(s, "; from %.1f GB/month: %s", v,
			                       ((compare_option *)g_ptr_array_index(c->options, after))->name);
			cur = after;
		}
	}
	if (c->breaks->len == 0)
		g_string_append(s, " at every volume (no crossover)");
	c->crossover = g_string_free(s, FALSE);
	g_array_unref(cand);
}

compare_result *compare_run(const char *const *files, const char *const *sets, const char *pcap_dir,
                            const char *capture, volatile int *stop, const estimate_limits *lim,
                            GError **error)
{
	double used = 0;
	compare_result *c = g_new0(compare_result, 1);
	c->options = g_ptr_array_new_with_free_func(option_free);
	c->breaks = g_array_new(FALSE, FALSE, sizeof(double));
	for (const char *const *f = files; *f; f++) {
		compare_option *o = g_new0(compare_option, 1);
		o->file = g_strdup(*f);
		g_ptr_array_add(c->options, o);
		if (!run_option(o, sets, pcap_dir, capture, stop, &c->partial, lim, &used, error)) {
			compare_free(c);
			return NULL;
		}
		if (c->partial) {
			GString *s = g_string_new(NULL);
			g_string_printf(s, "stopped in %s at %.3f s of simulated time (of %.3f s)", o->name,
			                (double)o->r->simulated_ns / 1e9, (double)o->sc->duration / 1e9);
			for (const char *const *n = f + 1; *n; n++)
				g_string_append_printf(s, "%s%s", n == f + 1 ? "; not run: " : ", ", *n);
			c->stopped = g_string_free(s, FALSE);
			break;
		}
	}
	guint cheap = 0, fast = 0;
	for (guint i = 1; i < c->options->len; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		if (o->total_month_usd < ((compare_option *)g_ptr_array_index(c->options, cheap))->total_month_usd)
			cheap = i;
		if (o->p50_ms < ((compare_option *)g_ptr_array_index(c->options, fast))->p50_ms)
			fast = i;
	}
	c->cheapest = g_strdup(((compare_option *)g_ptr_array_index(c->options, cheap))->name);
	c->fastest = g_strdup(((compare_option *)g_ptr_array_index(c->options, fast))->name);
	find_crossovers(c);
	return c;
}

/* ---- writing ---- */

typedef enum { ROW_NUM, ROW_TEXT } row_kind;

typedef struct {
	const char *key;   /* JSON / CSV */
	const char *label; /* text / Markdown */
	row_kind kind;
	const char *fmt;   /* for numbers */
	size_t off;        /* offsetof the double or char * */
} row;

#define NUM(k, l, f, m) { k, l, ROW_NUM, f, offsetof(compare_option, m) }
#define TXT(k, l, m) { k, l, ROW_TEXT, NULL, offsetof(compare_option, m) }

static const row rows[] = {
	NUM("p50_ms", "latency p50 (ms)", "%.3f", p50_ms),
	NUM("p99_ms", "latency p99 (ms)", "%.3f", p99_ms),
	NUM("p99_9_ms", "latency p99.9 (ms)", "%.3f", p999_ms),
	NUM("constructs", "constructs crossed per request", "%.0f", constructs),
	NUM("wire_bytes_per_request", "bytes on the wire per request", "%.0f", wire_bytes_per_request),
	NUM("usd_per_gb", "variable USD per GB", "%.4f", usd_per_gb),
	NUM("fixed_usd_per_month", "fixed USD per month", "%.2f", fixed_month_usd),
	NUM("gb_per_month", "GB per month at this rate", "%.1f", month_gb),
	NUM("total_usd_per_month", "total USD per month at this rate", "%.2f", total_month_usd),
	TXT("transitive_routing", "transitive routing", transitive),
	TXT("overlapping_cidrs", "overlapping CIDRs", overlap),
	TXT("internet_exposure", "exposure to the internet", exposure),
	TXT("growth_with_vpcs", "growth with the number of VPCs", growth),
	TXT("first_quota", "quota met first", quota),
};

static double row_num(const compare_option *o, const row *r)
{
	if (strcmp(r->key, "constructs") == 0)
		return o->constructs;
	return *(const double *)((const char *)o + r->off);
}

static const char *row_text(const compare_option *o, const row *r)
{
	return *(char *const *)((const char *)o + r->off);
}

static char *cell(const compare_option *o, const row *r)
{
	if (r->kind == ROW_TEXT)
		return g_strdup(row_text(o, r));
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	return g_strdup(g_ascii_formatd(buf, sizeof buf, r->fmt, row_num(o, r)));
}

static void write_text(const compare_result *c, FILE *f, gboolean md)
{
	guint n = c->options->len;
	if (c->partial)
		fprintf(f, md ? "**PARTIAL: interrupted, %s.**\n\n" : "** PARTIAL: interrupted, %s **\n\n",
		        c->stopped);
	if (md) {
		fputs("| |", f);
		for (guint i = 0; i < n; i++)
			fprintf(f, " %s |", ((compare_option *)g_ptr_array_index(c->options, i))->name);
		fputs("\n|---|", f);
		for (guint i = 0; i < n; i++)
			fputs("---|", f);
		fputc('\n', f);
		for (size_t k = 0; k < G_N_ELEMENTS(rows); k++) {
			fprintf(f, "| %s |", rows[k].label);
			for (guint i = 0; i < n; i++) {
				char *v = cell(g_ptr_array_index(c->options, i), &rows[k]);
				fprintf(f, " %s |", v);
				g_free(v);
			}
			fputc('\n', f);
		}
		fprintf(f, "\nCheapest at the workload's rate: **%s**. Fastest (p50): **%s**. %s.\n", c->cheapest,
		        c->fastest, c->crossover);
		return;
	}
	/* Text: numbers in columns; the long properties as a list per option. */
	const int w0 = 34, w = 22;
	fprintf(f, "%-*s", w0, "");
	for (guint i = 0; i < n; i++)
		fprintf(f, " %*s", w, ((compare_option *)g_ptr_array_index(c->options, i))->name);
	fputc('\n', f);
	for (size_t k = 0; k < G_N_ELEMENTS(rows); k++) {
		if (rows[k].kind != ROW_NUM)
			continue;
		fprintf(f, "%-*s", w0, rows[k].label);
		for (guint i = 0; i < n; i++) {
			char *v = cell(g_ptr_array_index(c->options, i), &rows[k]);
			fprintf(f, " %*s", w, v);
			g_free(v);
		}
		fputc('\n', f);
	}
	for (guint i = 0; i < n; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		fprintf(f, "\n%s: %s\n", o->name, o->description ? o->description : "");
		for (size_t k = 0; k < G_N_ELEMENTS(rows); k++)
			if (rows[k].kind == ROW_TEXT)
				fprintf(f, "  %-32s %s\n", rows[k].label, row_text(o, &rows[k]));
		char *path = NULL;
		GString *p = g_string_new(NULL);
		for (guint j = 0; j < o->wl->request_path->len; j++)
			g_string_append_printf(p, "%s%s", j ? " > " : "", (char *)g_ptr_array_index(o->wl->request_path, j));
		path = g_string_free(p, FALSE);
		fprintf(f, "  %-32s %s\n", "path of a request", path);
		g_free(path);
	}
	fprintf(f, "\ncheapest at the workload's rate: %s; fastest (p50): %s\n%s\n", c->cheapest, c->fastest,
	        c->crossover);
}

static void write_json(const compare_result *c, FILE *f)
{
	GString *s = g_string_new("{\n  \"vpcsim_compare\": 1,\n  \"partial\": ");
	g_string_append(s, c->partial ? "true" : "false");
	if (c->partial) {
		g_string_append(s, ",\n  \"stopped\": ");
		report_json_str(s, c->stopped);
	}
	g_string_append(s, ",\n  \"options\": [");
	for (guint i = 0; i < c->options->len; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		g_string_append(s, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
		report_json_str(s, o->name);
		g_string_append(s, ", \"file\": ");
		report_json_str(s, o->file);
		for (size_t k = 0; k < G_N_ELEMENTS(rows); k++) {
			g_string_append_printf(s, ",\n     \"%s\": ", rows[k].key);
			if (rows[k].kind == ROW_TEXT) {
				report_json_str(s, row_text(o, &rows[k]));
			} else {
				char buf[G_ASCII_DTOSTR_BUF_SIZE];
				g_string_append(s, g_ascii_formatd(buf, sizeof buf, "%.9g", row_num(o, &rows[k])));
			}
		}
		g_string_append(s, "}");
	}
	g_string_append(s, "\n  ],\n  \"cheapest\": ");
	report_json_str(s, c->cheapest);
	g_string_append(s, ",\n  \"fastest\": ");
	report_json_str(s, c->fastest);
	g_string_append(s, ",\n  \"crossovers_gb_per_month\": [");
	for (guint i = 0; i < c->breaks->len; i++) {
		char buf[G_ASCII_DTOSTR_BUF_SIZE];
		g_string_append_printf(s, "%s%s", i ? ", " : "",
		                       g_ascii_formatd(buf, sizeof buf, "%.9g", g_array_index(c->breaks, double, i)));
	}
	g_string_append(s, "],\n  \"crossover\": ");
	report_json_str(s, c->crossover);
	g_string_append(s, "\n}\n");
	fputs(s->str, f);
	g_string_free(s, TRUE);
}

static void write_csv(const compare_result *c, FILE *f)
{
	fputs("option,field,value\n", f);
	if (c->partial) {
		fputs(",partial,true\n,stopped,", f);
		report_csv_field(f, c->stopped);
		fputc('\n', f);
	}
	for (guint i = 0; i < c->options->len; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		for (size_t k = 0; k < G_N_ELEMENTS(rows); k++) {
			char *v = cell(o, &rows[k]);
			fprintf(f, "%s,%s,", o->name, rows[k].key);
			report_csv_field(f, v);
			fputc('\n', f);
			g_free(v);
		}
	}
}

gboolean compare_write(const compare_result *c, report_format fmt, FILE *out)
{
	switch (fmt) {
	case REPORT_TEXT: write_text(c, out, FALSE); break;
	case REPORT_MD: write_text(c, out, TRUE); break;
	case REPORT_JSON: write_json(c, out); break;
	case REPORT_CSV: write_csv(c, out); break;
	}
	return fflush(out) == 0 && !ferror(out);
}

/* ---- plots ---- */

typedef struct {
	FILE *f;
	uint64_t total, seen;
} cdf_state;

static void cdf_point(int64_t lo, int64_t hi, uint64_t count, void *ud)
{
	(void)lo;
	cdf_state *st = ud;
	st->seen += count;
	fprintf(st->f, "%.6f %.6f\n", (double)hi / 1e6, (double)st->seen / (double)st->total);
}

static gboolean write_file(const char *dir, const char *name, const char *text, GError **error)
{
	char *path = g_build_filename(dir, name, NULL);
	outfile *o = outfile_open(path, NULL, error);
	gboolean ok = o != NULL;
	if (o) {
		fputs(text, outfile_stream(o));
		ok = outfile_commit(o, TRUE, error);
	}
	g_free(path);
	return ok;
}

gboolean compare_plot(const compare_result *c, const char *dir, gboolean *rendered, GError **error)
{
	*rendered = FALSE;
	if (g_mkdir_with_parents(dir, 0777) != 0) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot create %s: %s", dir, g_strerror(errno));
		return FALSE;
	}
	GString *lat = g_string_new("# Latency CDF of each option: gnuplot latency-cdf.gp\n"
	                            "set terminal pngcairo size 900,560\nset output 'latency-cdf.png'\n"
	                            "set title 'Request latency'\nset xlabel 'latency (ms)'\n"
	                            "set ylabel 'fraction of requests'\nset logscale x\nset key bottom right\n"
	                            "set grid\nplot ");
	GString *cost = g_string_new("# Monthly cost against traffic volume: gnuplot cost-volume.gp\n"
	                             "set terminal pngcairo size 900,560\nset output 'cost-volume.png'\n"
	                             "set title 'Monthly cost against traffic'\nset xlabel 'GB per month'\n"
	                             "set ylabel 'USD per month'\nset key top left\nset grid\n");
	double xmax = 1000;
	for (guint i = 0; i < c->options->len; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		xmax = MAX(xmax, o->month_gb * 2);
	}
	for (guint i = 0; i < c->breaks->len; i++)
		xmax = MAX(xmax, g_array_index(c->breaks, double, i) * 1.5);
	for (guint i = 0; i < c->breaks->len; i++) {
		double v = g_array_index(c->breaks, double, i);
		g_string_append_printf(cost, "set arrow from %.3f, graph 0 to %.3f, graph 1 nohead dt 2\n"
		                             "set label 'crossover %.0f GB' at %.3f, graph 0.95 rotate by 90 right\n",
		                       v, v, v, v);
	}
	g_string_append_printf(cost, "set xrange [0:%.3f]\nplot ", xmax);
	gboolean ok = TRUE;
	for (guint i = 0; i < c->options->len && ok; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		char *name = g_strdup_printf("latency-%s.dat", o->name);
		char *path = g_build_filename(dir, name, NULL);
		outfile *of = outfile_open(path, NULL, error);
		ok = of != NULL;
		if (of) {
			cdf_state st = { outfile_stream(of), hdr_count(o->wl->latency), 0 };
			if (st.total)
				hdr_foreach(o->wl->latency, cdf_point, &st);
			ok = outfile_commit(of, TRUE, error);
		}
		g_free(path);
		g_string_append_printf(lat, "%s'%s' using 1:2 with steps lw 2 title '%s'", i ? ", \\\n     " : "",
		                       name, o->name);
		g_string_append_printf(cost, "%s%.9g + %.9g * x lw 2 title '%s'", i ? ", \\\n     " : "",
		                       o->fixed_month_usd, o->usd_per_gb, o->name);
		g_free(name);
	}
	g_string_append_c(lat, '\n');
	g_string_append_c(cost, '\n');
	ok = ok && write_file(dir, "latency-cdf.gp", lat->str, error) &&
	     write_file(dir, "cost-volume.gp", cost->str, error);
	g_string_free(lat, TRUE);
	g_string_free(cost, TRUE);
	if (!ok)
		return FALSE;
	char *gnuplot = g_find_program_in_path("gnuplot");
	if (gnuplot) {
		const char *scripts[] = { "latency-cdf.gp", "cost-volume.gp" };
		gboolean all = TRUE;
		for (int i = 0; i < 2; i++) {
			const char *argv[] = { gnuplot, scripts[i], NULL };
			int status = 0;
			if (!g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
			                  &status, NULL) ||
			    !g_spawn_check_wait_status(status, NULL))
				all = FALSE;
		}
		*rendered = all;
		g_free(gnuplot);
	}
	return TRUE;
}
