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
	case SC_TARGET_IS_KIND:
		return sc_kinds[w->target_gk]->target->service_vpc(sc, t);
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

/* The properties come from the kind (models/kinds.h) of lowest props_rank
 * among those whose nodes the request path crosses. */
static void derive(compare_option *o, const char *const *sets)
{
	const sc_kind *by = NULL;
	gboolean exposed = FALSE;
	for (int k = 0; k < GK_N; k++) {
		const sc_kind *kd = sc_kinds[k];
		if (!kd->node_kind || !path_has(o, kd->node_kind))
			continue;
		exposed |= kd->exposes_public;
		if (kd->props && (!by || kd->props_rank < by->props_rank))
			by = kd;
	}
	sc_props p = { 0 };
	if (by) {
		by->props(o->sc->profile, &p);
	} else {
		p.transitive = g_strdup("n/a: within one VPC");
		p.growth = g_strdup("n/a");
		p.quota = g_strdup("n/a");
	}
	o->transitive = p.transitive;
	o->growth = p.growth;
	o->quota = p.quota;
	o->exposure = g_strdup(exposed ? "crosses the Region's public network (public IPv4 addresses)"
	                               : "private addresses only");
	o->overlap = try_overlap(o, sets);
}

/* A repetition's seed: the base for repetition 0, else a hash of the base
 * and r, so repetitions never share numbers with another run's seed. */
static uint64_t rep_seed(uint64_t base, guint r)
{
	if (r == 0)
		return base;
	char *text = g_strdup_printf("vpcsim compare repetition\n%" G_GUINT64_FORMAT "\n%u", base, r);
	uint64_t s = rng_seed_from_text(text);
	g_free(text);
	return s;
}

/* The service the clients call: the last load balancer on the request
 * path, and the path's last element (the target). */
static gboolean is_service(const report *r, const report_workload *wl, const char *component)
{
	const GPtrArray *p = wl->request_path;
	if (p->len && strcmp(g_ptr_array_index(p, p->len - 1), component) == 0)
		return TRUE;
	for (guint i = p->len; i-- > 0;) {
		const char *k = kind_of(r, g_ptr_array_index(p, i));
		if (strcmp(k, "alb") == 0 || strcmp(k, "network-load-balancer") == 0)
			return strcmp(g_ptr_array_index(p, i), component) == 0;
	}
	return FALSE;
}

/* One repetition's figures (see compare.h for how months are projected). */
static void measure(const scenario *sc, const report *r, double *v, double *traffic_gb,
                    double *variable_run_usd, double *offered_per_s)
{
	const report_workload *wl = &g_array_index(r->workloads, report_workload, 0);
	const prices *pr = sc->prices;
	v[CMP_P50] = (double)hdr_quantile(wl->latency, 0.5) / 1e6;
	v[CMP_P99] = (double)hdr_quantile(wl->latency, 0.99) / 1e6;
	v[CMP_P999] = (double)hdr_quantile(wl->latency, 0.999) / 1e6;
	v[CMP_MEAN] = hdr_count(wl->latency) ? hdr_mean(wl->latency) / 1e6 : 0;
	uint64_t bytes = wl->request_bytes + wl->response_bytes;
	double per_req = wl->completed ? (double)bytes / (double)wl->completed : 0;
	v[CMP_BYTES] = per_req;
	*traffic_gb = (double)bytes / pr->gb_bytes;
	double secs = sc->duration > 0 ? (double)sc->duration / 1e9 : 1;
	*offered_per_s = wl->offered / secs;
	double req_month = *offered_per_s * 3600.0 * pr->hours_per_month;
	/* The ledger's month already follows the configured rate (cost.h). */
	double fixed = 0, shared_fixed = 0, var_run = 0, shared_var_run = 0, var_month = 0,
	       shared_var_month = 0;
	const cost_ledger *l = r->ledger;
	for (guint i = 0; i < cost_ledger_n_lines(l); i++) {
		const cost_line *c = cost_ledger_line_at(l, i);
		/* The service's hour and capacity units; an address it holds
		 * (public-ipv4) is there because of how it is reached. */
		gboolean shared = ((c->kind == COST_HOURLY && strcmp(c->type, "hourly") == 0) ||
		                   c->kind == COST_CAPACITY) &&
		                  is_service(r, wl, c->component);
		if (c->kind == COST_HOURLY) {
			fixed += c->month_usd;
			shared_fixed += shared ? c->month_usd : 0;
		} else {
			var_run += c->run_usd;
			var_month += c->month_usd;
			shared_var_run += shared ? c->run_usd : 0;
			shared_var_month += shared ? c->month_usd : 0;
		}
	}
	*variable_run_usd = var_run;
	v[CMP_FIXED] = fixed;
	v[CMP_USD_PER_GB] = *traffic_gb > 0 ? var_run / *traffic_gb : 0;
	v[CMP_MONTH_GB] = per_req * req_month / pr->gb_bytes;
	v[CMP_TOTAL] = fixed + var_month;
	v[CMP_SHARED] = shared_fixed + shared_var_month;
	v[CMP_OWN] = v[CMP_TOTAL] - v[CMP_SHARED];
	v[CMP_OWN_FIXED] = fixed - shared_fixed;
	v[CMP_OWN_USD_PER_GB] = *traffic_gb > 0 ? (var_run - shared_var_run) / *traffic_gb : 0;
}

/* ---- reach and configuration rows (cli/reach.c, models/config.c) ---- */

typedef enum { RR_ROUTABLE, RR_ANSWER, RR_ANSWER_OPEN, RR_OTHER, RR_OTHER_OPEN, RR_CFG_HERE, RR_CFG_10,
	       RR_QUOTA_N, RR__N } reach_row_id;

static const struct {
	const char *key, *label;
} reach_rows[RR__N] = {
	[RR_ROUTABLE] = { "reach_routable", "addresses routable (scan)" },
	[RR_ANSWER] = { "reach_answering", "pairs answering a SYN scan" },
	[RR_ANSWER_OPEN] = { "reach_answering_sg_open", "pairs answering, groups opened" },
	[RR_OTHER] = { "reach_other", "pairs beyond the listener" },
	[RR_OTHER_OPEN] = { "reach_other_sg_open", "beyond the listener, groups opened" },
	[RR_CFG_HERE] = { "config_objects", "objects to keep, this scenario" },
	[RR_CFG_10] = { "config_objects_10", "objects to keep, 10 consumer VPCs" },
	[RR_QUOTA_N] = { "config_quota_n", "consumer VPCs when a quota is met" },
};

/* A reach row's value; NAN when the scan did not run (sweeps). */
static double reach_row_num(const compare_option *o, reach_row_id k)
{
	const reach_result *r = o->reach;
	switch (k) {
	case RR_CFG_HERE: return (double)sc_config_total(&o->cfg, o->cfg.consumers);
	case RR_CFG_10: return (double)sc_config_total(&o->cfg, 10);
	case RR_QUOTA_N: return o->cfg.quota_n ? (double)o->cfg.quota_n : NAN;
	default: break;
	}
	if (!r)
		return NAN;
	switch (k) {
	case RR_ROUTABLE: return (double)r->routable;
	case RR_ANSWER: return (double)(r->scen.synack + r->scen.rst);
	case RR_ANSWER_OPEN: return (double)(r->open.synack + r->open.rst);
	case RR_OTHER: return (double)r->scen.other;
	default: return (double)r->open.other;
	}
}

static char *reach_cell(const compare_option *o, reach_row_id k)
{
	double v = reach_row_num(o, k);
	return isnan(v) ? g_strdup("-") : g_strdup_printf("%.0f", v);
}

/* The configuration for 10 consumer VPCs by kind, and the quota met first,
 * in words. */
static char *config_text(const compare_option *o, guint64 n)
{
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "%" G_GUINT64_FORMAT " for %" G_GUINT64_FORMAT " consumer VPC%s:",
	                       sc_config_total(&o->cfg, n), n, n == 1 ? "" : "s");
	gboolean any = FALSE;
	for (int k = 0; k < CFG__N; k++) {
		guint64 v = sc_config_kind(&o->cfg, (sc_cfg_kind)k, n);
		if (!v)
			continue;
		g_string_append_printf(s, "%s %" G_GUINT64_FORMAT " %s", any ? "," : "", v,
		                       sc_cfg_name((sc_cfg_kind)k));
		any = TRUE;
	}
	return g_string_free(s, FALSE);
}

static char *quota_text(const compare_option *o)
{
	if (!o->cfg.quota_n)
		return g_strdup(o->cfg.quota ? o->cfg.quota : "none as consumer VPCs grow (each holds its own objects)");
	return g_strdup_printf("%s, at %" G_GUINT64_FORMAT " consumer VPCs", o->cfg.quota, o->cfg.quota_n);
}

/* The scan from the workload's first client, with the scenario's security
 * groups and with every group open, and the configuration to keep: the
 * scan only with the properties (sweeps record figures only), the count
 * always (it reads the scenario, nothing runs). */
static gboolean measure_reach(compare_option *o, const char *const *sets, gboolean scan, GError **error)
{
	sc_config_count(o->sc, &o->cfg);
	if (!scan)
		return TRUE;
	/* The quota met first, from the counts rather than the kind of path. */
	g_free(o->quota);
	o->quota = quota_text(o);
	reach_options ro = { 0 };
	o->reach = reach_run(o->file, sets, &ro, error);
	return o->reach != NULL;
}

static void reach_write_text(const compare_result *c, FILE *f, int w0, int w, gboolean md)
{
	for (int k = 0; k < RR__N; k++) {
		if (md)
			fprintf(f, "| %s |", reach_rows[k].label);
		else
			fprintf(f, "%-*s", w0, reach_rows[k].label);
		for (guint i = 0; i < c->options->len; i++) {
			char *v = reach_cell(g_ptr_array_index(c->options, i), (reach_row_id)k);
			if (md)
				fprintf(f, " %s |", v);
			else
				fprintf(f, " %*s", w, v);
			g_free(v);
		}
		fputc('\n', f);
	}
}

/* The per-option lines under the table: configuration and quota. */
static void reach_write_props(const compare_option *o, FILE *f)
{
	char *a = config_text(o, o->cfg.consumers), *b = config_text(o, 10);
	fprintf(f, "  %-32s %s\n  %-32s %s\n", "configuration to keep", a, "", b);
	g_free(a);
	g_free(b);
}

static void reach_write_json(const compare_option *o, GString *s)
{
	for (int k = 0; k < RR__N; k++) {
		g_string_append_printf(s, ",\n     \"%s\": ", reach_rows[k].key);
		double v = reach_row_num(o, (reach_row_id)k);
		if (isnan(v))
			g_string_append(s, "null");
		else
			g_string_append_printf(s, "%.0f", v);
	}
	g_string_append_printf(s, ",\n     \"config_consumers\": %u, \"config_per_consumer\": {", o->cfg.consumers);
	for (int k = 0; k < CFG__N; k++)
		g_string_append_printf(s, "%s\"%s\": %u", k ? ", " : "", sc_cfg_name((sc_cfg_kind)k), o->cfg.per[k]);
	g_string_append(s, "}, \"config_once\": {");
	for (int k = 0; k < CFG__N; k++)
		g_string_append_printf(s, "%s\"%s\": %u", k ? ", " : "", sc_cfg_name((sc_cfg_kind)k), o->cfg.fixed[k]);
	g_string_append(s, "}, \"config_quota\": ");
	if (o->cfg.quota_n)
		report_json_str(s, o->cfg.quota);
	else
		g_string_append(s, "null");
}

static void reach_csv_header(FILE *f)
{
	for (int k = 0; k < RR__N; k++)
		fprintf(f, ",%s", reach_rows[k].key);
}

static void reach_csv_values(const compare_option *o, FILE *f)
{
	for (int k = 0; k < RR__N; k++) {
		double v = reach_row_num(o, (reach_row_id)k);
		if (isnan(v))
			fputc(',', f);
		else
			fprintf(f, ",%.0f", v);
	}
}

/* One run of an option.  With `lim`, refused before it is built when its
 * estimated needs with `*used` (the options kept so far) exceed a limit;
 * `keep` adds its estimate to *used. */
static gboolean run_once(const char *file, const char *const *sets, GPtrArray *absent,
                         const char *pcap_dir, const char *capture, volatile int *stop,
                         const estimate_limits *lim, double *used, gboolean keep, gboolean *stopped,
                         scenario **sc, world **w, report **r, GError **error)
{
	*sc = scenario_load_lenient(file, sets, absent, error);
	if (!*sc)
		return FALSE;
	if ((*sc)->workloads->len == 0) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID, "%s: no workload to compare", file);
		return FALSE;
	}
	if (lim) {
		estimate est;
		estimate_run(*sc, NULL, pcap_dir != NULL, capture, &est);
		gboolean fits = estimate_check(&est, *sc, lim, *used, error);
		if (keep)
			*used += est.memory;
		estimate_clear(&est);
		if (!fits)
			return FALSE;
	}
	world_options wo = { .pcap_dir = pcap_dir, .capture = capture };
	*w = world_new(*sc, &wo, error);
	if (!*w)
		return FALSE;
	gint64 t0 = g_get_monotonic_time();
	*stopped = !world_run(*w, stop, NULL, NULL);
	if (world_net(*w)->capture_failed) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO,
		            "%s: %s; the run stopped at %.3f s of simulated time and keeps no capture", file,
		            net_capture_error(world_net(*w))->message,
		            (double)sim_now(world_net(*w)->sim) / 1e9);
		return FALSE;
	}
	*r = world_report(*w, *stopped, (double)(g_get_monotonic_time() - t0) / 1e6, error);
	return *r != NULL;
}

static void show_progress(const compare_option *o, guint rep, guint repeat)
{
	fprintf(stderr, "\r\033[Kcompare: %s, repetition %u of %u", o->name ? o->name : o->file, rep + 1,
	        repeat);
	fflush(stderr);
}

/* The length of an "OPTION:" in front of a whole group ("OPTION:KIND:NAME",
 * "OPTION:KIND NAME", "OPTION:scenario", "OPTION:vars") in a --set, else
 * 0: "vpc:vpc-a.cidr=..." is a group, "alb-tgw:vpc:vpc-a.cidr=..." an
 * option's. */
static size_t option_prefix(const char *set)
{
	const char *eq = strchr(set, '=');
	const char *colon = eq ? memchr(set, ':', (size_t)(eq - set)) : NULL;
	if (!colon)
		return 0;
	char *rest = g_strndup(colon + 1, (gsize)(eq - colon - 1));
	char *dot = strrchr(rest, '.');
	gboolean whole = FALSE;
	if (dot) {
		*dot = '\0';
		whole = strcmp(rest, "scenario") == 0 || strcmp(rest, "vars") == 0 || strchr(rest, ':') ||
		        strchr(rest, ' ');
	}
	g_free(rest);
	return whole ? (size_t)(colon - set) : 0;
}

/* TRUE when `name` (len bytes) names the option in `file`: its file name
 * without .ini, or its [scenario] name. */
static gboolean option_named(const char *file, const char *name, size_t len)
{
	char *base = g_path_get_basename(file);
	if (g_str_has_suffix(base, ".ini"))
		base[strlen(base) - 4] = '\0';
	gboolean yes = strlen(base) == len && strncmp(base, name, len) == 0;
	g_free(base);
	if (yes)
		return TRUE;
	GKeyFile *kf = g_key_file_new();
	if (g_key_file_load_from_file(kf, file, G_KEY_FILE_NONE, NULL)) {
		char *n = g_key_file_get_string(kf, "scenario", "name", NULL);
		yes = n && strlen(g_strstrip(n)) == len && strncmp(n, name, len) == 0;
		g_free(n);
	}
	g_key_file_free(kf);
	return yes;
}

gboolean compare_check_sets(const char *const *files, const char *const *sets, GError **error)
{
	for (const char *const *s = sets; s && *s; s++) {
		size_t n = option_prefix(*s);
		gboolean found = n == 0;
		for (const char *const *f = files; !found && *f; f++)
			found = option_named(*f, *s, n);
		if (found)
			continue;
		GString *names = g_string_new(NULL);
		for (const char *const *f = files; *f; f++) {
			char *b = g_path_get_basename(*f);
			if (g_str_has_suffix(b, ".ini"))
				b[strlen(b) - 4] = '\0';
			g_string_append_printf(names, "%s%s", f == files ? "" : ", ", b);
			g_free(b);
		}
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
		            "--set '%s': no option is named '%.*s'; expected GROUP.KEY=VALUE for every "
		            "option, or OPTION:GROUP.KEY=VALUE with OPTION one of %s",
		            *s, (int)n, *s, names->str);
		g_string_free(names, TRUE);
		return FALSE;
	}
	return TRUE;
}

static gboolean run_option(compare_option *o, const char *const *sets, const compare_options *opt,
                           double *used, gboolean *stopped, GError **error)
{
	guint repeat = MAX(opt->repeat, 1u);
	/* This option's overrides: every unprefixed one, and its own. */
	GPtrArray *mine = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *own = g_ptr_array_new();
	for (const char *const *s = sets; s && *s; s++) {
		size_t n = option_prefix(*s);
		if (n == 0) {
			g_ptr_array_add(mine, g_strdup(*s));
		} else if (option_named(o->file, *s, n)) {
			g_ptr_array_add(mine, g_strdup(*s + n + 1));
			g_ptr_array_add(own, g_ptr_array_index(mine, mine->len - 1));
		}
	}
	g_ptr_array_add(mine, NULL);
	o->not_applied = g_ptr_array_new_with_free_func(g_free);
	double *samples = g_new0(double, (gsize)repeat * CMP__N);
	gboolean ok = TRUE;
	for (guint rep = 0; ok && rep < repeat; rep++) {
		if (opt->progress)
			show_progress(o, rep, repeat);
		GPtrArray *ovr = g_ptr_array_new_with_free_func(g_free);
		/* Repetition 0 finds which overrides apply; the others run with
		 * those. */
		for (char **s = rep ? o->sets : (char **)mine->pdata; s && *s; s++)
			g_ptr_array_add(ovr, g_strdup(*s));
		if (rep > 0)
			g_ptr_array_add(ovr, g_strdup_printf("scenario.seed=%" G_GUINT64_FORMAT,
			                                     rep_seed(o->sc->seed, rep)));
		g_ptr_array_add(ovr, NULL);
		scenario *sc = NULL;
		world *w = NULL;
		report *r = NULL;
		ok = run_once(o->file, (const char *const *)ovr->pdata, rep ? NULL : o->not_applied,
		              rep ? NULL : opt->pcap_dir, opt->capture, opt->stop, opt->lim, used, rep == 0,
		              stopped, &sc, &w, &r, error);
		g_ptr_array_unref(ovr);
		if (rep == 0) {
			/* An option's own override must find its group. */
			for (guint i = 0; ok && i < o->not_applied->len; i++)
				for (guint k = 0; ok && k < own->len; k++)
					if (strcmp(g_ptr_array_index(o->not_applied, i), g_ptr_array_index(own, k)) == 0) {
						g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
						            "%s: --set '%s' (for this option only) names a group that "
						            "is not in the file",
						            o->file, (const char *)g_ptr_array_index(own, k));
						ok = FALSE;
					}
			GPtrArray *applied = g_ptr_array_new_with_free_func(g_free);
			for (char **s = (char **)mine->pdata; *s; s++) {
				gboolean skipped = FALSE;
				for (guint i = 0; i < o->not_applied->len; i++)
					skipped |= strcmp(*s, g_ptr_array_index(o->not_applied, i)) == 0;
				if (!skipped)
					g_ptr_array_add(applied, g_strdup(*s));
			}
			g_ptr_array_add(applied, NULL);
			o->sets = (char **)g_ptr_array_free(applied, FALSE);
		}
		if (rep == 0) {
			/* Kept for the paths, properties and captures. */
			o->sc = sc;
			o->w = w;
			o->r = r;
		}
		if (ok) {
			double traffic_gb, var_run, offered;
			measure(sc, r, samples + (gsize)rep * CMP__N, &traffic_gb, &var_run, &offered);
			const report_workload *wl = &g_array_index(r->workloads, report_workload, 0);
			o->sent += wl->sent;
			o->completed += wl->completed;
			o->failed += wl->failed;
			o->unfinished += wl->unfinished;
			if (!o->failures)
				o->failures = g_array_new(FALSE, TRUE, sizeof(report_count));
			for (guint k = 0; wl->failures && k < wl->failures->len; k++) {
				const report_count *rc = &g_array_index(wl->failures, report_count, k);
				report_add_count(o->failures, rc->what, rc->count);
			}
			if (!wl->carried && o->carried) {
				o->carried = FALSE;
				o->load_note = g_strdup_printf("%s%s", rep ? "in a repetition: " : "", wl->load_note);
			}
			if (rep == 0) {
				o->traffic_gb = traffic_gb;
				o->variable_run_usd = var_run;
				o->offered_per_s = offered;
			}
			o->reps = rep + 1;
			if (*stopped)
				break;
		}
		if (rep > 0) {
			report_free(r);
			world_free(w);
			scenario_free(sc);
		}
	}
	g_ptr_array_unref(own);
	g_ptr_array_unref(mine);
	if (!ok) {
		g_free(samples);
		return FALSE;
	}
	for (int f = 0; f < CMP__N; f++) {
		double *x = g_new(double, o->reps);
		for (guint r = 0; r < o->reps; r++)
			x[r] = samples[(gsize)r * CMP__N + f];
		stats_mean_ci95(x, o->reps, &o->mean[f], &o->ci95[f]);
		g_free(x);
	}
	g_free(samples);
	o->name = g_strdup(o->sc->name);
	o->description = g_strdup(o->sc->description);
	o->wl = &g_array_index(o->r->workloads, report_workload, 0);
	o->p50_ms = o->mean[CMP_P50];
	o->p99_ms = o->mean[CMP_P99];
	o->p999_ms = o->mean[CMP_P999];
	o->constructs = o->wl->request_path->len >= 2 ? o->wl->request_path->len - 2 : 0;
	o->wire_bytes_per_request = o->mean[CMP_BYTES];
	o->usd_per_gb = o->mean[CMP_USD_PER_GB];
	o->fixed_month_usd = o->mean[CMP_FIXED];
	o->month_gb = o->mean[CMP_MONTH_GB];
	o->total_month_usd = o->mean[CMP_TOTAL];
	o->shared_month_usd = o->mean[CMP_SHARED];
	o->own_month_usd = o->mean[CMP_OWN];
	if (!opt->no_properties)
		derive(o, (const char *const *)o->sets);
	return measure_reach(o, (const char *const *)o->sets, !opt->no_properties, error);
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
	reach_free(o->reach);
	sc_config_clear(&o->cfg);
	g_free(o->load_note);
	for (guint k = 0; o->failures && k < o->failures->len; k++)
		g_free(g_array_index(o->failures, report_count, k).what);
	if (o->failures)
		g_array_unref(o->failures);
	g_strfreev(o->sets);
	if (o->not_applied)
		g_ptr_array_unref(o->not_applied);
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
	g_free(c->not_carried);
	g_free(c->ties);
	g_free(c->own_crossover);
	if (c->own_breaks)
		g_array_unref(c->own_breaks);
	g_strfreev(c->sets);
	g_free(c);
}

/* Monthly cost at a volume: the fixed part plus the variable rate, of the
 * total or of the option's own charges. */
static double cost_at(const compare_option *o, double gb, gboolean own)
{
	return own ? o->mean[CMP_OWN_FIXED] + o->mean[CMP_OWN_USD_PER_GB] * gb
	           : o->fixed_month_usd + o->usd_per_gb * gb;
}

static guint cheapest_at(const compare_result *c, double gb, gboolean own)
{
	guint best = 0;
	for (guint i = 1; i < c->options->len; i++)
		if (cost_at(g_ptr_array_index(c->options, i), gb, own) <
		    cost_at(g_ptr_array_index(c->options, best), gb, own))
			best = i;
	return best;
}

guint compare_cheapest_at(const compare_result *c, double gb) { return cheapest_at(c, gb, FALSE); }

static gint cmp_double(gconstpointer a, gconstpointer b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Where the cheapest option changes: every pairwise intersection of the
 * cost lines, kept when the cheapest option differs on either side. */
static char *find_crossovers(const compare_result *c, gboolean own, GArray *breaks)
{
	GArray *cand = g_array_new(FALSE, FALSE, sizeof(double));
	for (guint i = 0; i < c->options->len; i++)
		for (guint j = i + 1; j < c->options->len; j++) {
			const compare_option *a = g_ptr_array_index(c->options, i), *b = g_ptr_array_index(c->options, j);
			double sa = own ? a->mean[CMP_OWN_USD_PER_GB] : a->usd_per_gb;
			double sb = own ? b->mean[CMP_OWN_USD_PER_GB] : b->usd_per_gb;
			double fa = own ? a->mean[CMP_OWN_FIXED] : a->fixed_month_usd;
			double fb = own ? b->mean[CMP_OWN_FIXED] : b->fixed_month_usd;
			double ds = sa - sb;
			if (fabs(ds) < 1e-15)
				continue;
			double v = (fb - fa) / ds;
			if (v > 0 && isfinite(v))
				g_array_append_val(cand, v);
		}
	g_array_sort(cand, cmp_double);
	GString *s = g_string_new(NULL);
	guint cur = cheapest_at(c, 0, own);
	g_string_append_printf(s, "%s from 0 GB/month: %s", own ? "On own charges, cheapest" : "Cheapest",
	                       ((compare_option *)g_ptr_array_index(c->options, cur))->name);
	guint found = 0;
	for (guint i = 0; i < cand->len; i++) {
		double v = g_array_index(cand, double, i);
		guint after = cheapest_at(c, v * 1.000001 + 1e-9, own);
		if (after != cur) {
			g_array_append_val(breaks, v);
			found++;
			g_string_append_printf(s, "; from %.1f GB/month: %s", v,
			                       ((compare_option *)g_ptr_array_index(c->options, after))->name);
			cur = after;
		}
	}
	if (found == 0)
		g_string_append(s, " at every volume (no crossover)");
	g_array_unref(cand);
	return g_string_free(s, FALSE);
}

/* Intervals overlap: at this sample size the two cannot be told apart. */
static gboolean overlap(const compare_option *a, const compare_option *b, int f)
{
	if (isnan(a->ci95[f]) || isnan(b->ci95[f]))
		return FALSE;
	return fabs(a->mean[f] - b->mean[f]) <= a->ci95[f] + b->ci95[f];
}

/* The best carried option on a figure, and the others its interval
 * overlaps, in words ("" when none). */
static guint best_of(const compare_result *c, int f, GString *ties, const char *what)
{
	guint best = G_MAXUINT;
	for (guint i = 0; i < c->options->len; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		if (o->carried && (best == G_MAXUINT ||
		                   o->mean[f] < ((compare_option *)g_ptr_array_index(c->options, best))->mean[f]))
			best = i;
	}
	if (best == G_MAXUINT)
		return best;
	const compare_option *b = g_ptr_array_index(c->options, best);
	GString *with = g_string_new(NULL);
	for (guint i = 0; i < c->options->len; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		if (i != best && o->carried && overlap(b, o, f))
			g_string_append_printf(with, "%s%s", with->len ? ", " : "", o->name);
	}
	if (with->len)
		g_string_append_printf(ties, "%s%s cannot be told apart from %s on %s with %u repetitions "
		                             "(their 95%% intervals overlap; try --repeat %u)",
		                       ties->len ? "; " : "", b->name, with->str, what, c->repeat,
		                       c->repeat * 4);
	g_string_free(with, TRUE);
	return best;
}

gboolean compare_all_carried(const compare_result *c)
{
	for (guint i = 0; i < c->options->len; i++)
		if (!((compare_option *)g_ptr_array_index(c->options, i))->carried)
			return FALSE;
	return TRUE;
}

static gboolean not_applied_to(const compare_option *o, const char *set)
{
	for (guint i = 0; o->not_applied && i < o->not_applied->len; i++)
		if (strcmp(g_ptr_array_index(o->not_applied, i), set) == 0)
			return TRUE;
	return FALSE;
}

/* "alb-public, alb-tgw": the options `set` did not apply to (NULL: none). */
static char *not_applied_list(const compare_result *c, const char *set)
{
	GString *g = g_string_new(NULL);
	for (guint i = 0; i < c->options->len; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		if (not_applied_to(o, set))
			g_string_append_printf(g, "%s%s", g->len ? ", " : "", o->name);
	}
	return g->len ? g_string_free(g, FALSE) : (g_string_free(g, TRUE), NULL);
}

compare_result *compare_run(const char *const *files, const char *const *sets,
                            const compare_options *opt, GError **error)
{
	compare_result *c = g_new0(compare_result, 1);
	c->options = g_ptr_array_new_with_free_func(option_free);
	c->breaks = g_array_new(FALSE, FALSE, sizeof(double));
	c->own_breaks = g_array_new(FALSE, FALSE, sizeof(double));
	c->repeat = MAX(opt->repeat, 1u);
	c->sets = g_strdupv((char **)sets);
	double used = 0;
	for (const char *const *f = files; *f; f++) {
		compare_option *o = g_new0(compare_option, 1);
		o->file = g_strdup(*f);
		o->carried = TRUE;
		g_ptr_array_add(c->options, o);
		gboolean ok = run_option(o, sets, opt, &used, &c->partial, error);
		if (opt->progress)
			fputs("\r\033[K", stderr);
		if (!ok) {
			compare_free(c);
			return NULL;
		}
		if (f == files) {
			c->seed = o->sc->seed;
			c->duration_ns = o->sc->duration;
		}
		if (c->partial) {
			GString *s = g_string_new(NULL);
			g_string_printf(s, "stopped in %s at %.3f s of simulated time (of %.3f s), repetition %u",
			                o->name, (double)o->r->simulated_ns / 1e9, (double)o->sc->duration / 1e9,
			                o->reps);
			for (const char *const *n = f + 1; *n; n++)
				g_string_append_printf(s, "%s%s", n == f + 1 ? "; not run: " : ", ", *n);
			c->stopped = g_string_free(s, FALSE);
			break;
		}
	}
	/* An override that applied nowhere is a typo, not a difference. */
	for (const char *const *s = sets; s && *s && c->options->len; s++) {
		guint missed = 0;
		for (guint i = 0; i < c->options->len; i++)
			missed += not_applied_to(g_ptr_array_index(c->options, i), *s);
		if (missed == c->options->len) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
			            "--set '%s' names a group that no option has; expected scenario, vars or "
			            "a group of at least one option as KIND:NAME", *s);
			compare_free(c);
			return NULL;
		}
	}
	GString *nc = g_string_new(NULL);
	for (guint i = 0; i < c->options->len; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		if (!o->carried)
			g_string_append_printf(nc, "%s%s did not carry the offered load: %s", nc->len ? "\n" : "",
			                       o->name, o->load_note);
	}
	c->not_carried = nc->len ? g_string_free(nc, FALSE) : (g_string_free(nc, TRUE), NULL);
	GString *ties = g_string_new(NULL);
	guint cheap = best_of(c, CMP_TOTAL, ties, "total USD per month");
	guint fast = best_of(c, CMP_P50, ties, "p50 latency");
	c->ties = ties->len ? g_string_free(ties, FALSE) : (g_string_free(ties, TRUE), NULL);
	if (cheap != G_MAXUINT)
		c->cheapest = g_strdup(((compare_option *)g_ptr_array_index(c->options, cheap))->name);
	if (fast != G_MAXUINT)
		c->fastest = g_strdup(((compare_option *)g_ptr_array_index(c->options, fast))->name);
	c->crossover = find_crossovers(c, FALSE, c->breaks);
	c->own_crossover = find_crossovers(c, TRUE, c->own_breaks);
	return c;
}

/* ---- writing ---- */

typedef enum { ROW_NUM, ROW_TEXT } row_kind;

typedef struct {
	const char *key;   /* JSON / CSV */
	const char *label; /* text / Markdown */
	row_kind kind;
	const char *fmt;   /* for numbers */
	int fig;           /* compare_figure with an interval, or -1 */
} row;

#define FIG(k, l, f, fig) { k, l, ROW_NUM, f, fig }
#define NUM(k, l, f) { k, l, ROW_NUM, f, -1 }
#define TXT(k, l) { k, l, ROW_TEXT, NULL, -1 }

static const row rows[] = {
	FIG("p50_ms", "latency p50 (ms)", "%.3f", CMP_P50),
	FIG("p99_ms", "latency p99 (ms)", "%.3f", CMP_P99),
	FIG("p99_9_ms", "latency p99.9 (ms)", "%.3f", CMP_P999),
	FIG("mean_ms", "latency mean (ms)", "%.3f", CMP_MEAN),
	NUM("constructs", "constructs crossed per request", "%.0f"),
	FIG("wire_bytes_per_request", "bytes on the wire per request", "%.0f", CMP_BYTES),
	NUM("offered_per_s", "offered requests per second", "%.1f"),
	NUM("sent", "requests sent (all repetitions)", "%.0f"),
	NUM("completed", "requests completed", "%.0f"),
	NUM("failed", "requests failed", "%.0f"),
	NUM("unfinished", "requests unfinished", "%.0f"),
	TXT("carried", "offered load carried"),
	FIG("usd_per_gb", "variable USD per GB", "%.4f", CMP_USD_PER_GB),
	FIG("fixed_usd_per_month", "fixed USD per month", "%.2f", CMP_FIXED),
	FIG("gb_per_month", "GB per month at this rate", "%.1f", CMP_MONTH_GB),
	FIG("shared_usd_per_month", "shared USD per month (the service)", "%.2f", CMP_SHARED),
	FIG("own_usd_per_month", "own USD per month (this option)", "%.2f", CMP_OWN),
	FIG("total_usd_per_month", "total USD per month at this rate", "%.2f", CMP_TOTAL),
	TXT("transitive_routing", "transitive routing"),
	TXT("overlapping_cidrs", "overlapping CIDRs"),
	TXT("internet_exposure", "exposure to the internet"),
	TXT("growth_with_vpcs", "growth with the number of VPCs"),
	TXT("first_quota", "quota met first"),
	TXT("path", "path of a request"),
};

static double row_num(const compare_option *o, const row *r)
{
	if (r->fig >= 0)
		return o->mean[r->fig];
	if (strcmp(r->key, "constructs") == 0)
		return o->constructs;
	if (strcmp(r->key, "offered_per_s") == 0)
		return o->offered_per_s;
	if (strcmp(r->key, "sent") == 0)
		return (double)o->sent;
	if (strcmp(r->key, "completed") == 0)
		return (double)o->completed;
	if (strcmp(r->key, "failed") == 0)
		return (double)o->failed;
	return (double)o->unfinished;
}

/* A text row's value; the caller frees it. */
static char *row_text(const compare_option *o, const row *r)
{
	if (strcmp(r->key, "carried") == 0)
		return g_strdup(o->carried ? "yes" : "NO");
	if (strcmp(r->key, "path") == 0) {
		GString *p = g_string_new(NULL);
		for (guint j = 0; j < o->wl->request_path->len; j++)
			g_string_append_printf(p, "%s%s", j ? " > " : "",
			                       (char *)g_ptr_array_index(o->wl->request_path, j));
		return g_string_free(p, FALSE);
	}
	const char *v = strcmp(r->key, "transitive_routing") == 0  ? o->transitive
	                : strcmp(r->key, "overlapping_cidrs") == 0 ? o->overlap
	                : strcmp(r->key, "internet_exposure") == 0 ? o->exposure
	                : strcmp(r->key, "growth_with_vpcs") == 0  ? o->growth
	                                                            : o->quota;
	return g_strdup(v ? v : "");
}

static char *fmt_num(const char *fmt, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	return g_strdup(g_ascii_formatd(buf, sizeof buf, fmt, v));
}

/* "6.259 ± 0.120" (the interval's half-width) with repetitions, else the
 * value alone. */
static char *cell(const compare_option *o, const row *r)
{
	if (r->kind == ROW_TEXT)
		return row_text(o, r);
	char *v = fmt_num(r->fmt, row_num(o, r));
	if (r->fig < 0 || isnan(o->ci95[r->fig]))
		return v;
	char *ci = fmt_num(r->fmt, o->ci95[r->fig]);
	char *both = g_strdup_printf("%s ± %s", v, ci);
	g_free(v);
	g_free(ci);
	return both;
}

/* "12 connection refused; 3 connection timed out": failed requests by
 * reason, over the repetitions. */
static char *failures_text(const compare_option *o)
{
	GString *g = g_string_new(NULL);
	for (guint k = 0; o->failures && k < o->failures->len; k++) {
		const report_count *rc = &g_array_index(o->failures, report_count, k);
		g_string_append_printf(g, "%s%" G_GUINT64_FORMAT " %s", k ? "; " : "", (guint64)rc->count,
		                       rc->what);
	}
	return g_string_free(g, FALSE);
}

/* The lines under the table: what carried, what is cheapest and fastest,
 * what cannot be told apart, and the crossovers. */
static void write_verdict(const compare_result *c, FILE *f, gboolean md)
{
	const char *b = md ? "**" : "";
	if (c->not_carried) {
		char **lines = g_strsplit(c->not_carried, "\n", -1);
		for (char **l = lines; *l; l++)
			fprintf(f, "%sNOT CARRIED:%s %s; left out of cheapest and fastest.\n", b, b, *l);
		g_strfreev(lines);
	}
	for (guint i = 0; i < c->options->len; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		if (!o->failures || o->failures->len == 0)
			continue;
		char *fl = failures_text(o);
		fprintf(f, "%sFAILED:%s %s: %s.\n", b, b, o->name, fl);
		g_free(fl);
	}
	if (c->cheapest)
		fprintf(f, "Cheapest at the workload's rate: %s%s%s. Fastest (p50): %s%s%s.\n", b, c->cheapest, b,
		        b, c->fastest, b);
	else
		fputs("No option carried the offered load: none is named cheapest or fastest.\n", f);
	if (c->ties)
		fprintf(f, "%s.\n", c->ties);
	for (char **s = c->sets; s && *s; s++) {
		char *where = not_applied_list(c, *s);
		if (where)
			fprintf(f, "%sNOT APPLIED:%s --set '%s' to %s (no such group there).\n", b, b, *s, where);
		g_free(where);
	}
	fprintf(f, "%s.\n%s.\n", c->crossover, c->own_crossover);
	fprintf(f, "%u repetition%s of each option (figures: mean%s); seed %" G_GUINT64_FORMAT
	           "; shared charges are the service's hours and capacity units (the load balancer in "
	           "front of the targets, and the targets), the rest is the option's own.\n",
	        c->repeat, c->repeat == 1 ? "" : "s", c->repeat > 1 ? " ± 95% interval" : "",
	        (guint64)c->seed);
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
		reach_write_text(c, f, 0, 0, TRUE);
		fputc('\n', f);
		write_verdict(c, f, TRUE);
		return;
	}
	/* Text: numbers in columns; the long properties as a list per option. */
	const int w0 = 36, w = 22;
	fprintf(f, "%-*s", w0, "");
	for (guint i = 0; i < n; i++)
		fprintf(f, " %*s", w, ((compare_option *)g_ptr_array_index(c->options, i))->name);
	fputc('\n', f);
	for (size_t k = 0; k < G_N_ELEMENTS(rows); k++) {
		if (rows[k].kind != ROW_NUM && strcmp(rows[k].key, "carried") != 0)
			continue;
		fprintf(f, "%-*s", w0, rows[k].label);
		for (guint i = 0; i < n; i++) {
			char *v = cell(g_ptr_array_index(c->options, i), &rows[k]);
			/* "±" is two bytes and one column. */
			fprintf(f, " %*s", w + (strstr(v, "±") ? 1 : 0), v);
			g_free(v);
		}
		fputc('\n', f);
	}
	reach_write_text(c, f, w0, w, FALSE);
	for (guint i = 0; i < n; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		fprintf(f, "\n%s: %s\n", o->name, o->description ? o->description : "");
		for (size_t k = 0; k < G_N_ELEMENTS(rows); k++) {
			if (rows[k].kind != ROW_TEXT || strcmp(rows[k].key, "carried") == 0)
				continue;
			char *v = row_text(o, &rows[k]);
			fprintf(f, "  %-32s %s\n", rows[k].label, v);
			g_free(v);
		}
		reach_write_props(o, f);
	}
	fputc('\n', f);
	write_verdict(c, f, FALSE);
}

static void json_num_or_null(GString *s, double v)
{
	if (!isfinite(v)) {
		g_string_append(s, "null");
		return;
	}
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	g_string_append(s, g_ascii_formatd(buf, sizeof buf, "%.9g", v));
}

static void json_str_or_null(GString *s, const char *v)
{
	if (v)
		report_json_str(s, v);
	else
		g_string_append(s, "null");
}

static void write_json(const compare_result *c, FILE *f)
{
	GString *s = g_string_new("{\n  \"vpcsim_compare\": 1,\n  \"partial\": ");
	g_string_append(s, c->partial ? "true" : "false");
	if (c->partial) {
		g_string_append(s, ",\n  \"stopped\": ");
		report_json_str(s, c->stopped);
	}
	g_string_append_printf(s, ",\n  \"seed\": %" G_GUINT64_FORMAT ",\n  \"duration_s\": ",
	                       (guint64)c->seed);
	json_num_or_null(s, (double)c->duration_ns / 1e9);
	g_string_append_printf(s, ",\n  \"repetitions\": %u,\n  \"overrides\": [", c->repeat);
	for (char **o = c->sets; o && *o; o++) {
		if (o != c->sets)
			g_string_append(s, ", ");
		report_json_str(s, *o);
	}
	g_string_append(s, "],\n  \"options\": [");
	for (guint i = 0; i < c->options->len; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		g_string_append(s, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
		report_json_str(s, o->name);
		g_string_append(s, ", \"file\": ");
		report_json_str(s, o->file);
		g_string_append_printf(s, ", \"repetitions\": %u, \"overrides_not_applied\": [", o->reps);
		for (guint k = 0; o->not_applied && k < o->not_applied->len; k++) {
			if (k)
				g_string_append(s, ", ");
			report_json_str(s, g_ptr_array_index(o->not_applied, k));
		}
		g_string_append(s, "]");
		for (size_t k = 0; k < G_N_ELEMENTS(rows); k++) {
			g_string_append_printf(s, ",\n     \"%s\": ", rows[k].key);
			if (strcmp(rows[k].key, "carried") == 0) {
				g_string_append(s, o->carried ? "true" : "false");
				g_string_append(s, ", \"load_note\": ");
				json_str_or_null(s, o->load_note);
				g_string_append(s, ", \"failures\": {");
				for (guint n = 0; o->failures && n < o->failures->len; n++) {
					const report_count *rc = &g_array_index(o->failures, report_count, n);
					g_string_append(s, n ? ", " : "");
					report_json_str(s, rc->what);
					g_string_append_printf(s, ": %" G_GUINT64_FORMAT, (guint64)rc->count);
				}
				g_string_append(s, "}");
			} else if (rows[k].kind == ROW_TEXT) {
				char *v = row_text(o, &rows[k]);
				report_json_str(s, v);
				g_free(v);
			} else {
				json_num_or_null(s, row_num(o, &rows[k]));
				if (rows[k].fig >= 0) {
					g_string_append_printf(s, ", \"%s_ci95\": ", rows[k].key);
					json_num_or_null(s, o->ci95[rows[k].fig]);
				}
			}
		}
		reach_write_json(o, s);
		g_string_append(s, "}");
	}
	g_string_append(s, "\n  ],\n  \"cheapest\": ");
	json_str_or_null(s, c->cheapest);
	g_string_append(s, ",\n  \"fastest\": ");
	json_str_or_null(s, c->fastest);
	g_string_append(s, ",\n  \"not_carried\": ");
	json_str_or_null(s, c->not_carried);
	g_string_append(s, ",\n  \"cannot_tell_apart\": ");
	json_str_or_null(s, c->ties);
	const GArray *br[2] = { c->breaks, c->own_breaks };
	const char *names[2] = { "crossovers_gb_per_month", "own_crossovers_gb_per_month" };
	for (int b = 0; b < 2; b++) {
		g_string_append_printf(s, ",\n  \"%s\": [", names[b]);
		for (guint i = 0; i < br[b]->len; i++) {
			if (i)
				g_string_append(s, ", ");
			json_num_or_null(s, g_array_index(br[b], double, i));
		}
		g_string_append(s, "]");
	}
	g_string_append(s, ",\n  \"crossover\": ");
	report_json_str(s, c->crossover);
	g_string_append(s, ",\n  \"own_crossover\": ");
	report_json_str(s, c->own_crossover);
	g_string_append(s, "\n}\n");
	fputs(s->str, f);
	g_string_free(s, TRUE);
}

/* One wide row per option, the same fields and precision as JSON. */
static void write_csv(const compare_result *c, FILE *f)
{
	fputs("option,file,repetitions,seed,partial", f);
	for (size_t k = 0; k < G_N_ELEMENTS(rows); k++) {
		fprintf(f, ",%s", rows[k].key);
		if (rows[k].fig >= 0)
			fprintf(f, ",%s_ci95", rows[k].key);
		if (strcmp(rows[k].key, "carried") == 0)
			fputs(",load_note,failures", f);
	}
	reach_csv_header(f);
	fputs(",overrides_not_applied\n", f);
	for (guint i = 0; i < c->options->len; i++) {
		const compare_option *o = g_ptr_array_index(c->options, i);
		report_csv_field(f, o->name);
		fputc(',', f);
		report_csv_field(f, o->file);
		fprintf(f, ",%u,%" G_GUINT64_FORMAT ",%s", o->reps, (guint64)c->seed,
		        c->partial ? "true" : "false");
		for (size_t k = 0; k < G_N_ELEMENTS(rows); k++) {
			fputc(',', f);
			if (strcmp(rows[k].key, "carried") == 0) {
				fputs(o->carried ? "true," : "false,", f);
				report_csv_field(f, o->load_note ? o->load_note : "");
				fputc(',', f);
				char *fl = failures_text(o);
				report_csv_field(f, fl);
				g_free(fl);
			} else if (rows[k].kind == ROW_TEXT) {
				char *v = row_text(o, &rows[k]);
				report_csv_field(f, v);
				g_free(v);
			} else {
				char *v = fmt_num("%.9g", row_num(o, &rows[k]));
				fputs(v, f);
				g_free(v);
				if (rows[k].fig >= 0) {
					double ci = o->ci95[rows[k].fig];
					fputc(',', f);
					if (!isnan(ci)) {
						v = fmt_num("%.9g", ci);
						fputs(v, f);
						g_free(v);
					}
				}
			}
		}
		reach_csv_values(o, f);
		/* The overrides that did not apply, one per line in the field. */
		GString *na = g_string_new(NULL);
		for (guint k = 0; o->not_applied && k < o->not_applied->len; k++)
			g_string_append_printf(na, "%s%s", k ? "\n" : "",
			                       (const char *)g_ptr_array_index(o->not_applied, k));
		fputc(',', f);
		report_csv_field(f, na->str);
		g_string_free(na, TRUE);
		fputc('\n', f);
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
	/* What the figures are of: the workload and its parameters. */
	const compare_option *first = g_ptr_array_index(c->options, 0);
	char *what = g_strdup_printf("workload %s: %.4g requests/s, %.0f B per request, %u repetition%s",
	                             first->wl->name, first->offered_per_s, first->wire_bytes_per_request,
	                             c->repeat, c->repeat == 1 ? "" : "s");
	GString *lat = g_string_new(NULL);
	g_string_append_printf(lat,
	                       "# Latency CDF of each option (repetition 0): gnuplot latency-cdf.gp\n"
	                       "set terminal pngcairo size 1000,560\nset output 'latency-cdf.png'\n"
	                       "set title \"Request latency\\n%s\" noenhanced\nset xlabel 'latency (ms)'\n"
	                       "set ylabel 'fraction of requests'\nset logscale x\n"
	                       "set key outside right top noenhanced\nset grid\nplot ",
	                       what);
	/* The tail: 1 - CDF on log axes, where p99 and p99.9 can be read. */
	GString *tail = g_string_new(NULL);
	g_string_append_printf(tail,
	                       "# Latency tail (CCDF) of each option: gnuplot latency-ccdf.gp\n"
	                       "set terminal pngcairo size 1000,560\nset output 'latency-ccdf.png'\n"
	                       "set title \"Request latency, the tail\\n%s\" noenhanced\n"
	                       "set xlabel 'latency (ms)'\nset ylabel 'fraction of requests slower'\n"
	                       "set logscale xy\nset format y '10^{%%L}'\nset yrange [1e-4:1]\n"
	                       "set arrow from graph 0, first 0.01 to graph 1, first 0.01 nohead dt 3\n"
	                       "set label 'p99' at graph 0.01, first 0.013\n"
	                       "set arrow from graph 0, first 0.001 to graph 1, first 0.001 nohead dt 3\n"
	                       "set label 'p99.9' at graph 0.01, first 0.0013\n"
	                       "set key outside right top noenhanced\nset grid\nplot ",
	                       what);
	/* Cost: log volume axis from 1 GB, past the workload's own volume and
	 * every crossover; the workload's volume marked; own charges dashed. */
	double gb_here = first->month_gb;
	double xmax = MAX(1e4, gb_here * 100);
	for (guint i = 0; i < c->breaks->len; i++)
		xmax = MAX(xmax, g_array_index(c->breaks, double, i) * 10);
	GString *cost = g_string_new(NULL);
	g_string_append_printf(cost,
	                       "# Monthly cost against traffic volume: gnuplot cost-volume.gp\n"
	                       "set terminal pngcairo size 1000,600\nset output 'cost-volume.png'\n"
	                       "set title \"Monthly cost against traffic (solid: total; dashed: the option's own)\\n%s\" noenhanced\n"
	                       "set xlabel 'GB per month'\nset ylabel 'USD per month'\n"
	                       "set logscale xy\nset samples 400\nset key outside right top noenhanced\n"
	                       "set grid\nset xrange [1:%.6g]\n",
	                       what, xmax);
	if (gb_here > 0)
		g_string_append_printf(cost,
		                       "set arrow from %.6g, graph 0 to %.6g, graph 1 nohead lw 2 lc 'gray'\n"
		                       "set label 'this workload: %.0f GB/month' at %.6g, graph 0.97 rotate by 90 right\n",
		                       gb_here, gb_here, gb_here, gb_here * 1.1);
	for (guint i = 0; i < c->breaks->len; i++) {
		double v = g_array_index(c->breaks, double, i);
		g_string_append_printf(cost, "set arrow from %.6g, graph 0 to %.6g, graph 1 nohead dt 2\n"
		                             "set label 'crossover %.0f GB' at %.6g, graph 0.6 rotate by 90 right\n",
		                       v, v, v, v * 1.1);
	}
	g_string_append(cost, "plot ");
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
		const char *sep = i ? ", \\\n     " : "";
		g_string_append_printf(lat, "%s'%s' using 1:2 with steps lw 2 lc %u title '%s'", sep, name, i + 1,
		                       o->name);
		g_string_append_printf(tail, "%s'%s' using 1:(1 - $2 > 0 ? 1 - $2 : 1/0) with steps lw 2 lc %u title '%s'",
		                       sep, name, i + 1, o->name);
		/* Positive so the log axis shows them (a free option's own line
		 * sits at a cent). */
		g_string_append_printf(cost,
		                       "%s(%.9g + %.9g * x) lw 2 lc %u title '%s', \\\n     "
		                       "(%.9g + %.9g * x > 0.01 ? %.9g + %.9g * x : 0.01) lw 1 dt 2 lc %u "
		                       "title '%s (own)'",
		                       sep, o->fixed_month_usd, o->usd_per_gb, i + 1, o->name,
		                       o->mean[CMP_OWN_FIXED], o->mean[CMP_OWN_USD_PER_GB], o->mean[CMP_OWN_FIXED],
		                       o->mean[CMP_OWN_USD_PER_GB], i + 1, o->name);
		g_free(name);
	}
	g_free(what);
	g_string_append_c(tail, '\n');
	ok = ok && write_file(dir, "latency-ccdf.gp", tail->str, error);
	g_string_free(tail, TRUE);
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
		const char *scripts[] = { "latency-cdf.gp", "latency-ccdf.gp", "cost-volume.gp" };
		gboolean all = TRUE;
		for (int i = 0; i < 3; i++) {
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
