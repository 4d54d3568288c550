/* \summary: run reports written as text for people, CSV and JSON for scripts, Markdown for documents */
#include "report.h"
#include "units.h"

#include <string.h>

report *report_new(void)
{
	report *r = g_new0(report, 1);
	r->workloads = g_array_new(FALSE, TRUE, sizeof(report_workload));
	r->components = g_array_new(FALSE, TRUE, sizeof(report_component));
	r->drops = g_array_new(FALSE, TRUE, sizeof(report_count));
	r->lbs = g_array_new(FALSE, TRUE, sizeof(report_lb));
	r->assumptions = g_ptr_array_new_with_free_func(g_free);
	r->captures = g_ptr_array_new_with_free_func(g_free);
	return r;
}

report_lb *report_add_lb(report *r, const char *name, const char *kind)
{
	report_lb lb = { .name = g_strdup(name), .kind = g_strdup(kind),
		         .targets = g_array_new(FALSE, TRUE, sizeof(report_lb_target)) };
	g_array_append_val(r->lbs, lb);
	return &g_array_index(r->lbs, report_lb, r->lbs->len - 1);
}

report_lb_target *report_lb_add_target(report_lb *lb, const char *target_group, const char *target)
{
	report_lb_target t = { .target_group = g_strdup(target_group), .target = g_strdup(target),
		               .first_unhealthy_ns = -1, .last_healthy_ns = -1 };
	g_array_append_val(lb->targets, t);
	return &g_array_index(lb->targets, report_lb_target, lb->targets->len - 1);
}

static void counts_free(GArray *a)
{
	for (guint i = 0; i < a->len; i++)
		g_free(g_array_index(a, report_count, i).what);
	g_array_unref(a);
}

/* The largest count of a list, or NULL. */
static const report_count *top_count(const GArray *counts)
{
	const report_count *top = NULL;
	for (guint i = 0; counts && i < counts->len; i++) {
		const report_count *c = &g_array_index(counts, report_count, i);
		if (!top || c->count > top->count)
			top = c;
	}
	return top;
}

void report_judge_load(report *r)
{
	for (guint i = 0; i < r->workloads->len; i++) {
		report_workload *w = &g_array_index(r->workloads, report_workload, i);
		g_clear_pointer(&w->load_note, g_free);
		uint64_t lost = w->failed + w->unfinished;
		double secs = r->duration_ns > 0 ? (double)r->duration_ns / 1e9 : 1;
		double fastest_s = hdr_count(w->latency) ? (double)hdr_quantile(w->latency, 0) / 1e9 : 0;
		double backlog_ok = MAX(10.0, MAX(5 * REPORT_CARRIED_TOLERANCE * (double)w->sent_at_end,
		                                  5 * w->offered / secs * fastest_s));
		/* A closed loop's users hold one request each at most: that many
		 * open is its normal state, not a queue that grew. */
		if (w->users)
			backlog_ok = MAX(backlog_ok, (double)w->users * w->clients);
		gboolean grew = (double)w->backlog_at_end > backlog_ok;
		gboolean kept = (double)lost <= 1 + REPORT_CARRIED_TOLERANCE * (double)w->sent;
		w->carried = kept && !grew;
		if (w->carried)
			continue;
		GString *g = g_string_new(NULL);
		g_string_printf(g, "completed %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " sent",
		                (guint64)w->completed, (guint64)w->sent);
		if (w->failed)
			g_string_append_printf(g, ", %" G_GUINT64_FORMAT " failed", (guint64)w->failed);
		if (w->unfinished)
			g_string_append_printf(g, ", %" G_GUINT64_FORMAT " unfinished", (guint64)w->unfinished);
		if (kept)
			g_string_append_printf(g, ", %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
			                          " still waiting when sending ended (the queue grew through "
			                          "the run)",
			                       (guint64)w->backlog_at_end, (guint64)w->sent_at_end);
		const report_count *fail = top_count(w->failures), *drop = top_count(r->drops);
		if (w->failed >= w->unfinished && fail) {
			g_string_append_printf(g, ": most failed with %s", fail->what);
			if (drop)
				g_string_append_printf(g, " (most drops: %s)", drop->what);
		} else if (drop && (w->completed == 0 || drop->count * 10 >= MAX(w->unfinished, w->backlog_at_end))) {
			g_string_append_printf(g, ": packets were dropped at %s (%" G_GUINT64_FORMAT ")",
			                       drop->what, (guint64)drop->count);
		} else if (w->keepalive && w->clients > 0 && w->max_conns > 0 &&
		           (double)w->pool_waits > REPORT_CARRIED_TOLERANCE * (double)w->sent) {
			/* The fastest request did not wait: its latency is a
			 * connection's service time, and the pool carries about
			 * max_conns / that per target. */
			double fast_ms = hdr_count(w->latency) ? (double)hdr_quantile(w->latency, 0) / 1e6 : 0;
			double p50_ms = hdr_count(w->latency) ? (double)hdr_quantile(w->latency, 0.5) / 1e6 : 0;
			double per_target = w->users ? 0 : w->offered / w->clients / secs / MAX(w->targets, 1);
			double pool_rate = fast_ms > 0 ? w->max_conns * 1e3 / fast_ms : 0;
			g_string_append_printf(g, ": requests queued at their clients for a connection "
			                          "(%" G_GUINT64_FORMAT " waited); each client opens at most "
			                          "%u keep-alive connection%s to each target (max_connections), "
			                          "each carrying one request at a time",
			                       (guint64)w->pool_waits, w->max_conns,
			                       w->max_conns == 1 ? "" : "s");
			if (pool_rate > 0)
				g_string_append_printf(g, ", at most about %.0f per second per target when a "
				                          "request takes %.1f ms (the fastest did)",
				                       pool_rate, fast_ms);
			if (per_target > 0)
				g_string_append_printf(g, ", and the workload offers %.0f per second per client "
				                          "and target", per_target);
			if (pool_rate > 0 && per_target > 0 && pool_rate > 1.25 * per_target)
				/* Enough connections for requests as fast as the fastest:
				 * they waited because requests grew slow downstream. */
				g_string_append_printf(g, "; that would be enough, but the median request took "
				                          "%.1f ms: a construct on the path is saturated and the "
				                          "connections stay busy", p50_ms);
			else
				g_string_append(g, " (raise max_connections or the client count, or use "
				                   "connection = per-request)");
		} else {
			g_string_append(g, ": requests were still open when the run ended (a construct on "
			                   "the path is saturated, or the drain is too short)");
		}
		if (r->busiest_link && (r->busiest_drops || r->busiest_util >= REPORT_BUSY_LINK)) {
			char *bw = units_format(r->busiest_bps, UNIT_BITRATE);
			g_string_append_printf(g, "; the link %s (%s) ", r->busiest_link, bw);
			if (r->busiest_drops)
				g_string_append_printf(g, "dropped %" G_GUINT64_FORMAT " packets from its full "
				                          "queue and ",
				                       (guint64)r->busiest_drops);
			if (r->busiest_util >= REPORT_BUSY_LINK)
				g_string_append_printf(g, "was busy %.0f%% of the run: its bandwidth is the limit",
				                       100 * r->busiest_util);
			else
				g_string_append_printf(g, "was busy only %.0f%% of the run: bursts overflow its "
				                          "queue, and the losses and their recovery hold the "
				                          "rate down",
				                       100 * r->busiest_util);
			g_free(bw);
		}
		w->load_note = g_string_free(g, FALSE);
	}
}

gboolean report_all_carried(const report *r)
{
	for (guint i = 0; i < r->workloads->len; i++)
		if (!g_array_index(r->workloads, report_workload, i).carried)
			return FALSE;
	return TRUE;
}

void report_free(report *r)
{
	if (!r)
		return;
	for (guint i = 0; i < r->workloads->len; i++) {
		report_workload *w = &g_array_index(r->workloads, report_workload, i);
		g_free(w->name);
		g_free(w->kind);
		g_free(w->target);
		g_free(w->load_note);
		counts_free(w->failures);
		hdr_free(w->latency);
		g_ptr_array_unref(w->request_path);
		g_ptr_array_unref(w->response_path);
		report_steps_free(w->request_steps);
		g_ptr_array_unref(w->request_rewrites);
		g_ptr_array_unref(w->response_rewrites);
		report_steps_free(w->response_steps);
	}
	g_array_unref(r->workloads);
	for (guint i = 0; i < r->components->len; i++) {
		report_component *c = &g_array_index(r->components, report_component, i);
		g_free(c->name);
		g_free(c->kind);
	}
	g_array_unref(r->components);
	counts_free(r->drops);
	for (guint i = 0; i < r->lbs->len; i++) {
		report_lb *lb = &g_array_index(r->lbs, report_lb, i);
		for (guint k = 0; k < lb->targets->len; k++) {
			g_free(g_array_index(lb->targets, report_lb_target, k).target_group);
			g_free(g_array_index(lb->targets, report_lb_target, k).target);
		}
		g_array_unref(lb->targets);
		g_free(lb->name);
		g_free(lb->kind);
	}
	g_array_unref(r->lbs);
	g_ptr_array_unref(r->assumptions);
	g_ptr_array_unref(r->captures);
	g_free(r->scenario);
	g_free(r->description);
	g_free(r->file);
	g_free(r->busiest_link);
	g_free(r);
}

GArray *report_steps_new(void)
{
	return g_array_new(FALSE, TRUE, sizeof(report_step));
}

void report_steps_free(GArray *steps)
{
	if (!steps)
		return;
	for (guint i = 0; i < steps->len; i++)
		g_free(g_array_index(steps, report_step, i).where);
	g_array_unref(steps);
}

void report_add_step(GArray *steps, const char *where, int64_t ns)
{
	report_step st = { g_strdup(where), ns };
	g_array_append_val(steps, st);
}

void report_steps_copy(GArray *dst, const GArray *src)
{
	for (guint i = 0; i < src->len; i++) {
		const report_step *st = &g_array_index(src, report_step, i);
		report_add_step(dst, st->where, st->ns);
	}
}

report_workload *report_add_workload(report *r, const char *name, const char *kind,
                                     const char *target, guint clients)
{
	report_workload w = { 0 };
	w.name = g_strdup(name);
	w.kind = g_strdup(kind);
	w.target = g_strdup(target);
	w.clients = clients;
	w.failures = g_array_new(FALSE, TRUE, sizeof(report_count));
	w.latency = hdr_new(8);
	w.request_path = g_ptr_array_new_with_free_func(g_free);
	w.response_path = g_ptr_array_new_with_free_func(g_free);
	w.request_steps = report_steps_new();
	w.request_rewrites = g_ptr_array_new_with_free_func(g_free);
	w.response_rewrites = g_ptr_array_new_with_free_func(g_free);
	w.response_steps = report_steps_new();
	g_array_append_val(r->workloads, w);
	return &g_array_index(r->workloads, report_workload, r->workloads->len - 1);
}

void report_add_count(GArray *counts, const char *what, uint64_t n)
{
	for (guint i = 0; i < counts->len; i++) {
		report_count *c = &g_array_index(counts, report_count, i);
		if (strcmp(c->what, what) == 0) {
			c->count += n;
			return;
		}
	}
	report_count c = { g_strdup(what), n };
	g_array_append_val(counts, c);
}

gboolean report_format_parse(const char *text, report_format *out)
{
	static const char *const names[] = { "text", "csv", "json", "md" };
	for (int i = 0; i < 4; i++)
		if (g_strcmp0(text, names[i]) == 0) {
			*out = (report_format)i;
			return TRUE;
		}
	return FALSE;
}

static double ms(int64_t ns) { return (double)ns / 1e6; }

/* The latency figures every format prints, in one place. */
typedef struct {
	const char *key;  /* JSON / CSV name */
	const char *head; /* text / Markdown heading */
	double q;         /* quantile, or -1 for the mean, 2 for the max */
} lat_field;

static const lat_field lat_fields[] = {
	{ "mean", "mean", -1 }, { "p50", "p50", 0.5 },     { "p90", "p90", 0.9 },
	{ "p99", "p99", 0.99 }, { "p99_9", "p99.9", 0.999 }, { "max", "max", 2 },
};

static double lat_value(const hdr_hist *h, const lat_field *f)
{
	if (f->q < 0)
		return hdr_mean(h) / 1e6;
	if (f->q > 1)
		return ms(hdr_max(h));
	return ms(hdr_quantile(h, f->q));
}

static char *path_text(const GPtrArray *path)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < path->len; i++)
		g_string_append_printf(s, "%s%s", i ? " > " : "", (char *)g_ptr_array_index(path, i));
	return g_string_free(s, FALSE);
}

/* Constructs crossed between the two ends of a path. */
static guint constructs(const GPtrArray *path) { return path->len >= 2 ? path->len - 2 : 0; }

/* Lines that carried nothing and cost nothing are left out of the tables
 * meant for people (JSON and CSV list every line). */
static gboolean line_empty(const cost_line *l)
{
	return l->bytes == 0 && l->run_usd == 0 && l->month_usd == 0;
}

/* ---- text ---- */

static void write_steps_text(FILE *f, const char *label, const GArray *steps)
{
	int64_t total = 0;
	for (guint i = 0; i < steps->len; i++)
		total += g_array_index(steps, report_step, i).ns;
	fprintf(f, "    %-8s %8.3f ms:", label, (double)total / 1e6);
	for (guint i = 0; i < steps->len; i++) {
		const report_step *st = &g_array_index(steps, report_step, i);
		if (st->ns == 0 && g_str_has_prefix(st->where, "link "))
			continue; /* links that cost nothing clutter the line */
		fprintf(f, "%s %s %.3f", i ? "," : "", st->where, (double)st->ns / 1e6);
	}
	fputc('\n', f);
}

static void write_text(const report *r, FILE *f)
{
	fprintf(f, "%s%s%s\n", r->scenario, r->description && *r->description ? ": " : "",
	        r->description ? r->description : "");
	fprintf(f, "  seed %" G_GUINT64_FORMAT ", simulated %.3f s (requests start during %.3f s), "
	           "%" G_GUINT64_FORMAT " events in %.2f s%s\n",
	        (guint64)r->seed, (double)r->simulated_ns / 1e9, (double)r->duration_ns / 1e9,
	        (guint64)r->events, r->wall_s, r->partial ? "  ** PARTIAL: interrupted **" : "");
	if (r->has_fingerprint)
		fprintf(f, "  fingerprint %016" G_GINT64_MODIFIER "x\n", (guint64)r->fingerprint);
	for (guint i = 0; i < r->workloads->len; i++) {
		const report_workload *w = &g_array_index(r->workloads, report_workload, i);
		fprintf(f, "\nworkload %s (%s, %u client%s -> %s)\n", w->name, w->kind, w->clients,
		        w->clients == 1 ? "" : "s", w->target);
		fprintf(f, "  requests   sent %" G_GUINT64_FORMAT ", completed %" G_GUINT64_FORMAT
		           ", failed %" G_GUINT64_FORMAT,
		        (guint64)w->sent, (guint64)w->completed, (guint64)w->failed);
		if (w->unfinished)
			fprintf(f, ", unfinished %" G_GUINT64_FORMAT " (still waiting when the run ended)",
			        (guint64)w->unfinished);
		if (w->non_2xx)
			fprintf(f, "; %" G_GUINT64_FORMAT " of the completed answered with a status outside 2xx",
			        (guint64)w->non_2xx);
		fputc('\n', f);
		if (w->users)
			fprintf(f, "  offered    closed loop, %u users per client: %.0f requests, what they "
			           "completed (the month projects this measured rate)\n",
			        w->users, w->offered);
		else if (w->offered > 0)
			fprintf(f, "  offered    %.0f requests at the configured rate\n", w->offered);
		if (strcmp(w->kind, "http") == 0) {
			char pool[32];
			if (w->max_conns)
				g_snprintf(pool, sizeof pool, "%u", w->max_conns);
			else
				g_strlcpy(pool, "unlimited", sizeof pool);
			fprintf(f, "  connections %" G_GUINT64_FORMAT " opened, at most %u open from a client "
			           "to a target (max_connections %s), %" G_GUINT64_FORMAT
			           " requests waited for one\n",
			        (guint64)w->connections, w->peak_connections, pool, (guint64)w->pool_waits);
		}
		if (!w->carried)
			fprintf(f, "  ** NOT CARRIED: %s **\n", w->load_note);
		for (guint j = 0; j < w->failures->len; j++) {
			const report_count *c = &g_array_index(w->failures, report_count, j);
			fprintf(f, "             %" G_GUINT64_FORMAT " %s\n", (guint64)c->count, c->what);
		}
		fprintf(f, "  latency ms");
		for (size_t k = 0; k < G_N_ELEMENTS(lat_fields); k++)
			fprintf(f, " %s %.3f", lat_fields[k].head, lat_value(w->latency, &lat_fields[k]));
		fputc('\n', f);
		char *req = path_text(w->request_path), *resp = path_text(w->response_path);
		fprintf(f, "  request    %s (%u constructs)\n", req, constructs(w->request_path));
		fprintf(f, "  response   %s (%u constructs)\n", resp, constructs(w->response_path));
		g_free(req);
		g_free(resp);
		for (guint k = 0; k < w->request_rewrites->len; k++)
			fprintf(f, "  %-10s %s\n", k ? "" : "rewrites", (char *)g_ptr_array_index(w->request_rewrites, k));
		for (guint k = 0; k < w->response_rewrites->len; k++)
			fprintf(f, "  %-10s %s\n", k ? "" : "on return", (char *)g_ptr_array_index(w->response_rewrites, k));
		if (w->request_steps->len) {
			fprintf(f, "  time of the first request, step by step (ms):\n");
			write_steps_text(f, "request", w->request_steps);
			write_steps_text(f, "response", w->response_steps);
		}
		if (w->completed)
			fprintf(f, "  bytes      %.0f B request, %.0f B response per completed request (IP, client side)\n",
			        (double)w->request_bytes / (double)w->completed,
			        (double)w->response_bytes / (double)w->completed);
	}
	if (r->ledger) {
		fprintf(f, "\ncost (USD)%*s %12s %12s %14s\n", 38, "", "GB", "run", "month (730 h)");
		guint hidden = 0;
		for (guint i = 0; i < cost_ledger_n_lines(r->ledger); i++) {
			const cost_line *l = cost_ledger_line_at(r->ledger, i);
			if (line_empty(l)) {
				hidden++;
				continue;
			}
			fprintf(f, "  %-26s %-20s %12.6f %12.6f %14.2f\n", l->component, l->type, l->gb,
			        l->run_usd, l->month_usd);
		}
		if (hidden)
			fprintf(f, "  (%u lines with no traffic and no charge not shown; --format json lists all)\n",
			        hidden);
		fprintf(f, "  %-47s %12s %12.6f %14.2f\n", "total", "", cost_ledger_total_run_usd(r->ledger),
		        cost_ledger_total_month_usd(r->ledger));
	}
	for (guint i = 0; i < r->lbs->len; i++) {
		const report_lb *lb = &g_array_index(r->lbs, report_lb, i);
		/* Nothing to say (an NLB whose targets are an ALB, never checked
		 * and counted by the ALB): no heading either. */
		if (!lb->http && !lb->tls && lb->targets->len == 0)
			continue;
		fprintf(f, "\nload balancer %s (%s)\n", lb->name, lb->kind);
		if (lb->http)
			fprintf(f, "  errors     ELB 502: %" G_GUINT64_FORMAT ", 503: %" G_GUINT64_FORMAT
			           ", 504: %" G_GUINT64_FORMAT "; target 5xx: %" G_GUINT64_FORMAT
			           "; requests routed failing open: %" G_GUINT64_FORMAT "\n",
			        (guint64)lb->elb_502, (guint64)lb->elb_503, (guint64)lb->elb_504,
			        (guint64)lb->target_5xx, (guint64)lb->fail_open);
		if (lb->tls)
			fprintf(f, "  tls        %" G_GUINT64_FORMAT " connections ended and relayed to a target, %"
			           G_GUINT64_FORMAT " reset after the handshake (no target or port), %"
			           G_GUINT64_FORMAT " reset after the idle timeout\n",
			        (guint64)lb->tls_connections, (guint64)lb->tls_refused, (guint64)lb->tls_expired);
		for (guint k = 0; k < lb->targets->len; k++) {
			const report_lb_target *t = &g_array_index(lb->targets, report_lb_target, k);
			fprintf(f, "  target     %s %s:", t->target_group, t->target);
			if (t->has_requests)
				fprintf(f, " %" G_GUINT64_FORMAT " requests,", (guint64)t->requests);
			if (!t->checked) {
				fprintf(f, " not health-checked\n");
				continue;
			}
			fprintf(f, " %" G_GUINT64_FORMAT " health checks (%" G_GUINT64_FORMAT " failed)",
			        (guint64)t->checks, (guint64)t->checks_failed);
			if (t->first_unhealthy_ns >= 0)
				fprintf(f, ", unhealthy from %.3f s", (double)t->first_unhealthy_ns / 1e9);
			if (t->last_healthy_ns >= 0)
				fprintf(f, ", healthy again at %.3f s", (double)t->last_healthy_ns / 1e9);
			fprintf(f, ", healthy on %u of %u nodes at the end\n", t->healthy_nodes, t->nodes);
		}
	}
	if (r->drops->len) {
		fprintf(f, "\ndrops\n");
		for (guint i = 0; i < r->drops->len; i++) {
			const report_count *c = &g_array_index(r->drops, report_count, i);
			fprintf(f, "  %8" G_GUINT64_FORMAT "  %s\n", (guint64)c->count, c->what);
		}
	}
	if (r->assumptions->len) {
		fprintf(f, "\nresults rest on %u unsourced assumptions:", r->assumptions->len);
		for (guint i = 0; i < r->assumptions->len; i++)
			fprintf(f, "%s %s", i ? "," : "", (char *)g_ptr_array_index(r->assumptions, i));
		fputc('\n', f);
	}
	if (r->captures->len) {
		fprintf(f, "\ncaptures\n");
		for (guint i = 0; i < r->captures->len; i++)
			fprintf(f, "  %s\n", (char *)g_ptr_array_index(r->captures, i));
	}
}

/* ---- JSON (hand-written on purpose: the project's libraries are fixed to
 * GLib, libpcap and CUnit, and the shape is small) ---- */

void report_json_str(GString *s, const char *v)
{
	g_string_append_c(s, '"');
	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
		switch (*p) {
		case '"': g_string_append(s, "\\\""); break;
		case '\\': g_string_append(s, "\\\\"); break;
		case '\n': g_string_append(s, "\\n"); break;
		case '\t': g_string_append(s, "\\t"); break;
		default:
			if (*p < 0x20)
				g_string_append_printf(s, "\\u%04x", *p);
			else
				g_string_append_c(s, (char)*p);
		}
	}
	g_string_append_c(s, '"');
}

static void json_num(GString *s, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	g_string_append(s, g_ascii_formatd(buf, sizeof buf, "%.9g", v));
}

static void json_strv(GString *s, const GPtrArray *a)
{
	g_string_append_c(s, '[');
	for (guint i = 0; i < a->len; i++) {
		if (i)
			g_string_append(s, ", ");
		report_json_str(s, g_ptr_array_index(a, i));
	}
	g_string_append_c(s, ']');
}

static void json_steps(GString *s, const GArray *steps)
{
	g_string_append_c(s, '[');
	for (guint i = 0; i < steps->len; i++) {
		const report_step *st = &g_array_index(steps, report_step, i);
		g_string_append(s, i ? ", [" : "[");
		report_json_str(s, st->where);
		g_string_append(s, ", ");
		json_num(s, (double)st->ns / 1e6);
		g_string_append_c(s, ']');
	}
	g_string_append_c(s, ']');
}

static char *json_report(const report *r)
{
	GString *s = g_string_new("{\n  \"vpcsim_report\": 1,\n  \"scenario\": ");
	report_json_str(s, r->scenario);
	g_string_append(s, ",\n  \"description\": ");
	report_json_str(s, r->description);
	g_string_append(s, ",\n  \"file\": ");
	report_json_str(s, r->file);
	g_string_append_printf(s, ",\n  \"seed\": %" G_GUINT64_FORMAT ",\n  \"partial\": %s,\n",
	                       (guint64)r->seed, r->partial ? "true" : "false");
	g_string_append(s, "  \"simulated_s\": ");
	json_num(s, (double)r->simulated_ns / 1e9);
	g_string_append(s, ",\n  \"duration_s\": ");
	json_num(s, (double)r->duration_ns / 1e9);
	g_string_append_printf(s, ",\n  \"events\": %" G_GUINT64_FORMAT, (guint64)r->events);
	/* A string: 64 bits do not survive a JSON number read as a double. */
	if (r->has_fingerprint)
		g_string_append_printf(s, ",\n  \"fingerprint\": \"%016" G_GINT64_MODIFIER "x\"",
		                       (guint64)r->fingerprint);
	g_string_append(s, ",\n  \"workloads\": [");
	for (guint i = 0; i < r->workloads->len; i++) {
		const report_workload *w = &g_array_index(r->workloads, report_workload, i);
		g_string_append(s, i ? ",\n    {" : "\n    {");
		g_string_append(s, "\"name\": ");
		report_json_str(s, w->name);
		g_string_append(s, ", \"kind\": ");
		report_json_str(s, w->kind);
		g_string_append(s, ", \"target\": ");
		report_json_str(s, w->target);
		g_string_append_printf(s, ", \"clients\": %u,\n     \"requests\": {\"sent\": %" G_GUINT64_FORMAT
		                          ", \"completed\": %" G_GUINT64_FORMAT ", \"failed\": %" G_GUINT64_FORMAT
		                          ", \"unfinished\": %" G_GUINT64_FORMAT ", \"non_2xx\": %" G_GUINT64_FORMAT
		                          ", \"failures\": {",
		                       w->clients, (guint64)w->sent, (guint64)w->completed, (guint64)w->failed,
		                       (guint64)w->unfinished, (guint64)w->non_2xx);
		for (guint j = 0; j < w->failures->len; j++) {
			const report_count *c = &g_array_index(w->failures, report_count, j);
			if (j)
				g_string_append(s, ", ");
			report_json_str(s, c->what);
			g_string_append_printf(s, ": %" G_GUINT64_FORMAT, (guint64)c->count);
		}
		g_string_append(s, "}},\n     \"offered\": ");
		json_num(s, w->offered);
		g_string_append_printf(s, ", \"users\": %u", w->users);
		if (strcmp(w->kind, "http") == 0)
			g_string_append_printf(s, ", \"connections\": {\"opened\": %" G_GUINT64_FORMAT
			                          ", \"peak\": %u, \"max\": %u, \"waited\": %" G_GUINT64_FORMAT "}",
			                       (guint64)w->connections, w->peak_connections, w->max_conns,
			                       (guint64)w->pool_waits);
		g_string_append_printf(s, ", \"carried\": %s, \"load_note\": ", w->carried ? "true" : "false");
		if (w->load_note)
			report_json_str(s, w->load_note);
		else
			g_string_append(s, "null");
		g_string_append(s, ",\n     \"latency_ms\": {");
		for (size_t k = 0; k < G_N_ELEMENTS(lat_fields); k++) {
			g_string_append_printf(s, "%s\"%s\": ", k ? ", " : "", lat_fields[k].key);
			json_num(s, lat_value(w->latency, &lat_fields[k]));
		}
		g_string_append(s, "},\n     \"hops\": {\"request\": ");
		json_strv(s, w->request_path);
		g_string_append(s, ", \"response\": ");
		json_strv(s, w->response_path);
		g_string_append_printf(s, ", \"request_constructs\": %u, \"response_constructs\": %u},\n",
		                       constructs(w->request_path), constructs(w->response_path));
		g_string_append(s, "     \"rewrites\": {\"request\": ");
		json_strv(s, w->request_rewrites);
		g_string_append(s, ", \"response\": ");
		json_strv(s, w->response_rewrites);
		g_string_append(s, "},\n");
		g_string_append(s, "     \"steps_ms\": {\"request\": ");
		json_steps(s, w->request_steps);
		g_string_append(s, ", \"response\": ");
		json_steps(s, w->response_steps);
		g_string_append(s, "},\n");
		g_string_append_printf(s, "     \"bytes\": {\"request\": %" G_GUINT64_FORMAT
		                          ", \"response\": %" G_GUINT64_FORMAT "}}",
		                       (guint64)w->request_bytes, (guint64)w->response_bytes);
	}
	g_string_append(s, "\n  ],\n  \"components\": [");
	for (guint i = 0; i < r->components->len; i++) {
		const report_component *c = &g_array_index(r->components, report_component, i);
		g_string_append(s, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
		report_json_str(s, c->name);
		g_string_append(s, ", \"kind\": ");
		report_json_str(s, c->kind);
		g_string_append_printf(s, ", \"rx_packets\": %" G_GUINT64_FORMAT ", \"rx_bytes\": %" G_GUINT64_FORMAT "}",
		                       (guint64)c->rx_pkts, (guint64)c->rx_bytes);
	}
	g_string_append(s, "\n  ],\n  \"cost\": {\"lines\": [");
	if (r->ledger) {
		for (guint i = 0; i < cost_ledger_n_lines(r->ledger); i++) {
			const cost_line *l = cost_ledger_line_at(r->ledger, i);
			g_string_append(s, i ? ",\n    {\"component\": " : "\n    {\"component\": ");
			report_json_str(s, l->component);
			g_string_append(s, ", \"type\": ");
			report_json_str(s, l->type);
			g_string_append_printf(s, ", \"bytes\": %" G_GUINT64_FORMAT ", \"gb\": ", (guint64)l->bytes);
			json_num(s, l->gb);
			g_string_append(s, ", \"run_usd\": ");
			json_num(s, l->run_usd);
			g_string_append(s, ", \"month_usd\": ");
			json_num(s, l->month_usd);
			g_string_append_c(s, '}');
		}
		g_string_append(s, "\n  ], \"total\": {\"run_usd\": ");
		json_num(s, cost_ledger_total_run_usd(r->ledger));
		g_string_append(s, ", \"month_usd\": ");
		json_num(s, cost_ledger_total_month_usd(r->ledger));
		g_string_append(s, "}},\n  \"drops\": [");
	} else {
		g_string_append(s, "], \"total\": {\"run_usd\": 0, \"month_usd\": 0}},\n  \"drops\": [");
	}
	for (guint i = 0; i < r->drops->len; i++) {
		const report_count *c = &g_array_index(r->drops, report_count, i);
		g_string_append(s, i ? ",\n    {\"what\": " : "\n    {\"what\": ");
		report_json_str(s, c->what);
		g_string_append_printf(s, ", \"count\": %" G_GUINT64_FORMAT "}", (guint64)c->count);
	}
	g_string_append(s, "\n  ],\n  \"load_balancers\": [");
	for (guint i = 0; i < r->lbs->len; i++) {
		const report_lb *lb = &g_array_index(r->lbs, report_lb, i);
		g_string_append(s, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
		report_json_str(s, lb->name);
		g_string_append(s, ", \"kind\": ");
		report_json_str(s, lb->kind);
		if (lb->http)
			g_string_append_printf(s, ", \"elb_502\": %" G_GUINT64_FORMAT ", \"elb_503\": %"
			                       G_GUINT64_FORMAT ", \"elb_504\": %" G_GUINT64_FORMAT
			                       ", \"target_5xx\": %" G_GUINT64_FORMAT ", \"fail_open\": %"
			                       G_GUINT64_FORMAT, (guint64)lb->elb_502, (guint64)lb->elb_503,
			                       (guint64)lb->elb_504, (guint64)lb->target_5xx, (guint64)lb->fail_open);
		if (lb->tls)
			g_string_append_printf(s, ", \"tls_connections\": %" G_GUINT64_FORMAT ", \"tls_refused\": %"
			                       G_GUINT64_FORMAT ", \"tls_expired\": %" G_GUINT64_FORMAT,
			                       (guint64)lb->tls_connections, (guint64)lb->tls_refused,
			                       (guint64)lb->tls_expired);
		g_string_append(s, ", \"targets\": [");
		for (guint k = 0; k < lb->targets->len; k++) {
			const report_lb_target *t = &g_array_index(lb->targets, report_lb_target, k);
			g_string_append(s, k ? ", {\"target_group\": " : "{\"target_group\": ");
			report_json_str(s, t->target_group);
			g_string_append(s, ", \"target\": ");
			report_json_str(s, t->target);
			if (t->has_requests)
				g_string_append_printf(s, ", \"requests\": %" G_GUINT64_FORMAT, (guint64)t->requests);
			if (t->checked)
				g_string_append_printf(s, ", \"health_checks\": %" G_GUINT64_FORMAT
				                       ", \"health_checks_failed\": %" G_GUINT64_FORMAT
				                       ", \"first_unhealthy_ns\": %" G_GINT64_FORMAT
				                       ", \"last_healthy_ns\": %" G_GINT64_FORMAT
				                       ", \"healthy_nodes\": %u, \"nodes\": %u",
				                       (guint64)t->checks, (guint64)t->checks_failed,
				                       (gint64)t->first_unhealthy_ns, (gint64)t->last_healthy_ns,
				                       t->healthy_nodes, t->nodes);
			g_string_append_c(s, '}');
		}
		g_string_append(s, "]}");
	}
	g_string_append(s, "\n  ],\n  \"assumptions\": ");
	json_strv(s, r->assumptions);
	g_string_append(s, ",\n  \"captures\": ");
	json_strv(s, r->captures);
	g_string_append(s, "\n}\n");
	return g_string_free(s, FALSE);
}

/* ---- CSV: one row per figure, "section,name,field,value" ---- */

void report_csv_field(FILE *f, const char *v)
{
	if (strpbrk(v, ",\"\n")) {
		fputc('"', f);
		for (const char *p = v; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	} else {
		fputs(v, f);
	}
}

static void csv_row(FILE *f, const char *section, const char *name, const char *field,
                    const char *value)
{
	report_csv_field(f, section);
	fputc(',', f);
	report_csv_field(f, name);
	fputc(',', f);
	report_csv_field(f, field);
	fputc(',', f);
	report_csv_field(f, value);
	fputc('\n', f);
}

static void csv_num(FILE *f, const char *section, const char *name, const char *field, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	csv_row(f, section, name, field, g_ascii_formatd(buf, sizeof buf, "%.9g", v));
}

static void write_csv(const report *r, FILE *f)
{
	fputs("section,name,field,value\n", f);
	csv_row(f, "run", r->scenario, "file", r->file ? r->file : "");
	csv_num(f, "run", r->scenario, "seed", (double)r->seed);
	csv_row(f, "run", r->scenario, "partial", r->partial ? "true" : "false");
	csv_num(f, "run", r->scenario, "simulated_s", (double)r->simulated_ns / 1e9);
	csv_num(f, "run", r->scenario, "events", (double)r->events);
	if (r->has_fingerprint) {
		char fp[17];
		g_snprintf(fp, sizeof fp, "%016" G_GINT64_MODIFIER "x", (guint64)r->fingerprint);
		csv_row(f, "run", r->scenario, "fingerprint", fp);
	}
	for (guint i = 0; i < r->workloads->len; i++) {
		const report_workload *w = &g_array_index(r->workloads, report_workload, i);
		csv_num(f, "workload", w->name, "sent", (double)w->sent);
		csv_num(f, "workload", w->name, "completed", (double)w->completed);
		csv_num(f, "workload", w->name, "failed", (double)w->failed);
		csv_num(f, "workload", w->name, "unfinished", (double)w->unfinished);
		csv_num(f, "workload", w->name, "offered", w->offered);
		csv_num(f, "workload", w->name, "users", (double)w->users);
		if (strcmp(w->kind, "http") == 0) {
			csv_num(f, "workload", w->name, "connections_opened", (double)w->connections);
			csv_num(f, "workload", w->name, "connections_peak", (double)w->peak_connections);
			csv_num(f, "workload", w->name, "max_connections", (double)w->max_conns);
			csv_num(f, "workload", w->name, "connections_waited", (double)w->pool_waits);
		}
		csv_row(f, "workload", w->name, "carried", w->carried ? "true" : "false");
		if (w->load_note)
			csv_row(f, "workload", w->name, "load_note", w->load_note);
		for (guint j = 0; j < w->failures->len; j++) {
			const report_count *c = &g_array_index(w->failures, report_count, j);
			char *field = g_strdup_printf("failed:%s", c->what);
			csv_num(f, "workload", w->name, field, (double)c->count);
			g_free(field);
		}
		for (size_t k = 0; k < G_N_ELEMENTS(lat_fields); k++) {
			char *field = g_strdup_printf("latency_ms_%s", lat_fields[k].key);
			csv_num(f, "workload", w->name, field, lat_value(w->latency, &lat_fields[k]));
			g_free(field);
		}
		char *req = path_text(w->request_path), *resp = path_text(w->response_path);
		csv_row(f, "workload", w->name, "request_path", req);
		csv_row(f, "workload", w->name, "response_path", resp);
		csv_num(f, "workload", w->name, "request_constructs", constructs(w->request_path));
		csv_num(f, "workload", w->name, "response_constructs", constructs(w->response_path));
		for (guint k = 0; k < w->request_rewrites->len; k++)
			csv_row(f, "workload", w->name, "request_rewrite", g_ptr_array_index(w->request_rewrites, k));
		for (guint k = 0; k < w->response_rewrites->len; k++)
			csv_row(f, "workload", w->name, "response_rewrite", g_ptr_array_index(w->response_rewrites, k));
		for (guint k = 0; k < w->request_steps->len; k++) {
			const report_step *st = &g_array_index(w->request_steps, report_step, k);
			char *field = g_strdup_printf("request_step_ms:%s", st->where);
			csv_num(f, "workload", w->name, field, (double)st->ns / 1e6);
			g_free(field);
		}
		for (guint k = 0; k < w->response_steps->len; k++) {
			const report_step *st = &g_array_index(w->response_steps, report_step, k);
			char *field = g_strdup_printf("response_step_ms:%s", st->where);
			csv_num(f, "workload", w->name, field, (double)st->ns / 1e6);
			g_free(field);
		}
		csv_num(f, "workload", w->name, "request_bytes", (double)w->request_bytes);
		csv_num(f, "workload", w->name, "response_bytes", (double)w->response_bytes);
		g_free(req);
		g_free(resp);
	}
	for (guint i = 0; i < r->components->len; i++) {
		const report_component *c = &g_array_index(r->components, report_component, i);
		csv_num(f, "component", c->name, "rx_bytes", (double)c->rx_bytes);
	}
	if (r->ledger) {
		for (guint i = 0; i < cost_ledger_n_lines(r->ledger); i++) {
			const cost_line *l = cost_ledger_line_at(r->ledger, i);
			char *name = g_strdup_printf("%s/%s", l->component, l->type);
			csv_num(f, "cost", name, "gb", l->gb);
			csv_num(f, "cost", name, "run_usd", l->run_usd);
			csv_num(f, "cost", name, "month_usd", l->month_usd);
			g_free(name);
		}
		csv_num(f, "cost", "total", "run_usd", cost_ledger_total_run_usd(r->ledger));
		csv_num(f, "cost", "total", "month_usd", cost_ledger_total_month_usd(r->ledger));
	}
	for (guint i = 0; i < r->drops->len; i++) {
		const report_count *c = &g_array_index(r->drops, report_count, i);
		csv_num(f, "drop", c->what, "count", (double)c->count);
	}
}

/* ---- Markdown ---- */

static void write_md(const report *r, FILE *f)
{
	fprintf(f, "# %s\n\n%s\n\nSeed %" G_GUINT64_FORMAT ", %.3f s simulated%s.\n", r->scenario,
	        r->description ? r->description : "", (guint64)r->seed, (double)r->simulated_ns / 1e9,
	        r->partial ? " (**partial: interrupted**)" : "");
	if (r->has_fingerprint)
		fprintf(f, "\nTrajectory fingerprint `%016" G_GINT64_MODIFIER "x`.\n", (guint64)r->fingerprint);
	fputs("\n| workload | sent | completed | failed |", f);
	for (size_t k = 0; k < G_N_ELEMENTS(lat_fields); k++)
		fprintf(f, " %s ms |", lat_fields[k].head);
	fputs(" request hops |\n|---|---|---|---|", f);
	for (size_t k = 0; k < G_N_ELEMENTS(lat_fields); k++)
		fputs("---|", f);
	fputs("---|\n", f);
	for (guint i = 0; i < r->workloads->len; i++) {
		const report_workload *w = &g_array_index(r->workloads, report_workload, i);
		fprintf(f, "| %s | %" G_GUINT64_FORMAT " | %" G_GUINT64_FORMAT " | %" G_GUINT64_FORMAT " |",
		        w->name, (guint64)w->sent, (guint64)w->completed, (guint64)w->failed);
		for (size_t k = 0; k < G_N_ELEMENTS(lat_fields); k++)
			fprintf(f, " %.3f |", lat_value(w->latency, &lat_fields[k]));
		char *req = path_text(w->request_path);
		fprintf(f, " %s (%u) |\n", req, constructs(w->request_path));
		g_free(req);
	}
	for (guint i = 0; i < r->workloads->len; i++) {
		const report_workload *w = &g_array_index(r->workloads, report_workload, i);
		if (!w->carried)
			fprintf(f, "\n**%s: not carried**: %s.\n", w->name, w->load_note);
	}
	for (guint i = 0; i < r->workloads->len; i++) {
		const report_workload *w = &g_array_index(r->workloads, report_workload, i);
		if (!w->request_path->len)
			continue;
		char *req = path_text(w->request_path), *resp = path_text(w->response_path);
		fprintf(f, "\n## %s\n\n- request: %s\n- response: %s\n", w->name, req, resp);
		g_free(req);
		g_free(resp);
		for (guint k = 0; k < w->request_rewrites->len; k++)
			fprintf(f, "- rewrite on the way: %s\n", (char *)g_ptr_array_index(w->request_rewrites, k));
		for (guint k = 0; k < w->response_rewrites->len; k++)
			fprintf(f, "- rewrite on return: %s\n", (char *)g_ptr_array_index(w->response_rewrites, k));
		if (w->request_steps->len) {
			fputs("\n| step (first request) | ms |\n|---|---|\n", f);
			const GArray *legs[2] = { w->request_steps, w->response_steps };
			for (int l = 0; l < 2; l++)
				for (guint k = 0; k < legs[l]->len; k++) {
					const report_step *st = &g_array_index(legs[l], report_step, k);
					fprintf(f, "| %s%s | %.3f |\n", l ? "return: " : "", st->where, (double)st->ns / 1e6);
				}
		}
	}
	if (r->ledger) {
		fputs("\n| component | charge | GB | run USD | month USD |\n|---|---|---|---|---|\n", f);
		for (guint i = 0; i < cost_ledger_n_lines(r->ledger); i++) {
			const cost_line *l = cost_ledger_line_at(r->ledger, i);
			if (!line_empty(l))
				fprintf(f, "| %s | %s | %.6f | %.6f | %.2f |\n", l->component, l->type, l->gb,
				        l->run_usd, l->month_usd);
		}
		fprintf(f, "| **total** | | | %.6f | %.2f |\n", cost_ledger_total_run_usd(r->ledger),
		        cost_ledger_total_month_usd(r->ledger));
	}
	if (r->drops->len) {
		fputs("\n| drop | count |\n|---|---|\n", f);
		for (guint i = 0; i < r->drops->len; i++) {
			const report_count *c = &g_array_index(r->drops, report_count, i);
			fprintf(f, "| %s | %" G_GUINT64_FORMAT " |\n", c->what, (guint64)c->count);
		}
	}
	if (r->assumptions->len) {
		fputs("\nResults rest on unsourced assumptions:", f);
		for (guint i = 0; i < r->assumptions->len; i++)
			fprintf(f, "%s `%s`", i ? "," : "", (char *)g_ptr_array_index(r->assumptions, i));
		fputs(".\n", f);
	}
}

gboolean report_write(const report *r, report_format fmt, FILE *out)
{
	switch (fmt) {
	case REPORT_TEXT: write_text(r, out); break;
	case REPORT_CSV: write_csv(r, out); break;
	case REPORT_MD: write_md(r, out); break;
	case REPORT_JSON: {
		char *j = json_report(r);
		fputs(j, out);
		g_free(j);
		break;
	}
	}
	return fflush(out) == 0 && !ferror(out);
}
