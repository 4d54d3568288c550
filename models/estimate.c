/* \summary: the pre-run resource guard: the memory and events a run will need, from the scenario */
#include "estimate.h"

#include <math.h>
#include <string.h>

#include "error.h"
#include "units.h"

/*
 * ESTIMATE_COST: what each element of a scenario costs a run, in bytes of
 * peak resident memory and in events.  Everything the guard knows about the
 * simulator's appetite is in this one table, so that a change in the models
 * (one latency histogram per workload instead of one per client, say) is a
 * change of a number or two here.
 *
 * How the numbers were measured (peak RSS from `/usr/bin/time -f %M`, on
 * x86-64 Linux, glibc, a release build; the differences between runs of
 * different sizes, so the fixed cost drops out):
 *
 *   base                every bundled scenario peaks at 5.3 to 5.7 MB;
 *   per_instance        vpc-tgw with --set workload:web.clients=client-1,
 *                       vars.clients = 4000, 16000, 32000 (and a /17
 *                       client subnet): 3.5 KB per instance, linear;
 *   per_client_run      vars.clients = 4000 and 32000 (a /17 client subnet)
 *                       at rate = 1/s for 1 s, about one request each, less
 *                       the above: 26 KB per client, its HTTP client and its
 *                       connection at both ends (before one latency
 *                       histogram per workload replaced one per client it
 *                       was 65 KB: the histogram alone was 57 KB);
 *   per_workload        [workload web-{i}] count = 256 and 1024 with two
 *                       clients each, less two client runs: about 25 KB;
 *   per_request_*       4000 clients for 1 s at 100/s: 0.6 KB per request
 *                       with keepalive, 11.6 KB with connection =
 *                       per-request (each connection's state lives until
 *                       the run ends); 2 clients at 100000/s: 0.5 KB;
 *   per_pool_connection vpc-peering with 2000 clients (a /17 subnet) at
 *                       200/s for 2 s, max_connections = 1 against 6:
 *                       24,000 connections against 4,000 and 415 MB more,
 *                       about 20 KB a kept-alive connection (both ends,
 *                       their buffers in use);
 *   per_capture_node    200 clients with --pcap-dir: 410 files, 427 MB more
 *                       than without; a file holds a 1 MiB stdio buffer and
 *                       a node has about two.
 *
 * Events per request are from the bundled scenarios' reports (`vpcsim run
 * FILE -f json`: events / requests sent): 24 to 50 for 16 KB responses on
 * 9001/8500-byte MTU paths, 101 with a connection per request, 241 through
 * a NAT and an internet gateway (1500-byte MTU, more hops), 4300 to 12500
 * for 1 MiB over 1500-byte paths, 1260 for 1 MiB over a TGW.  The per-KB
 * figures below are the high end of each kind, so the event estimate is
 * rather above the truth (up to 3x) than below.
 *
 * Checks, estimate against measured: each bundled scenario about 6 MB
 * against 5.3-5.7 MB; vpc-tgw with 2000 clients (a /17 subnet) for 1 s
 * 126 MB against 99 MB (before connection pools); tests/scenarios/too-big.ini
 * (60,000 clients for 1 s) 6.0 GB against 2.4 GB with pools of six (3.6 GB
 * against 2.0 GB with one connection per client; before one histogram per
 * workload: 200 MB against 190 MB, and 6.0 GB against 6.5 GB).
 *
 * Connections of a pool: per client and target, the peak number of
 * requests at once among its Poisson arrivals if each stays the server's
 * think time plus response_allowance (peak_concurrency()), at most
 * max_connections and the requests it sends; a closed loop's users each
 * hold one.  The bundled scenarios open 2 to 4 per client and target, the
 * estimate says 3 to 5.
 */
static const struct {
	double base;                   /* bytes: the process, the tables, an empty net */
	double per_instance;           /* bytes: a host, its links, ports and TCP stack */
	double per_client_run;         /* bytes: one client of one workload: its HTTP client,
	                                  connections at both ends, a latency histogram */
	double per_workload;           /* bytes: a workload's own state and report */
	double per_request_keepalive;  /* bytes: per request over a kept-alive connection */
	double per_request_connection; /* bytes: per request with connection = per-request */
	double per_capture_node;       /* bytes: a captured node, about two files of 1 MiB buffer */
	double per_pool_connection;    /* bytes: a kept-alive connection beyond a client's first */
	double response_allowance;     /* ns: a request's time on the path besides the server's
	                                  think time, for a pool's concurrency (the bundled paths
	                                  take 2 to 10 ms) */
	double min_response;           /* ns: the fastest a closed-loop request can return besides
	                                  the think times (bounds its request count from above) */
	double events_per_request;     /* events: a request and its response's head */
	double events_per_connection;  /* events: a connection's handshake and close, on top */
	double events_per_kb_jumbo;    /* events: per KB of body where paths carry jumbo frames */
	double events_per_kb_1500;     /* events: per KB where a path has a 1500-byte MTU */
	double events_per_datagram;    /* events: one UDP datagram */
} ESTIMATE_COST = {
	.base = 6e6,
	.per_instance = 3.6e3,
	.per_client_run = 26e3,
	.per_workload = 25e3,
	.per_request_keepalive = 0.6e3,
	.per_request_connection = 11.6e3,
	.per_capture_node = 2.2e6,
	.per_pool_connection = 20e3,
	.response_allowance = 5e6,
	.min_response = 1e6,
	.events_per_request = 40,
	.events_per_connection = 60,
	.events_per_kb_jumbo = 1.5,
	.events_per_kb_1500 = 12,
	.events_per_datagram = 12,
};

void estimate_clear(estimate *e)
{
	if (!e)
		return;
	g_free(e->memory_key);
	g_free(e->memory_why);
	g_free(e->events_key);
	g_free(e->events_why);
	memset(e, 0, sizeof *e);
}

/* A distribution's mean, finite (a Pareto of shape <= 1 has none). */
static double finite_mean(const dist *d)
{
	if (d->kind == UNIT_NONE)
		return 0;
	double m = dist_mean(d);
	return isfinite(m) ? m : units_max(d->kind);
}

/* Requests one client of `w` sends: as many as the rate fits in the
 * duration (the first at time 0), at most `requests` when set.  A closed
 * loop's users each send one per think time plus the fastest response. */
static double requests_per_client(const scenario *sc, const sc_workload *w)
{
	double gap = w->interval.kind == UNIT_TIME ? dist_mean(&w->interval) : 0;
	double n = gap > 0 ? floor((double)sc->duration / gap) + 1 : 1;
	if (w->users) {
		double cycle = finite_mean(&w->user_think) + finite_mean(&w->think_time) +
		               ESTIMATE_COST.min_response;
		n = w->users * (floor((double)sc->duration / cycle) + 1);
	}
	if (w->requests && (double)w->requests < n)
		n = (double)w->requests;
	return n;
}

/* The most requests at once among n Poisson arrivals that each stay `a`
 * mean gaps (the offered load in Erlangs): an arrival finds X ~ Poisson(a)
 * others (M/G/infinity), and X >= k happens about n x P(X >= k) times, so
 * the smallest k where that is below one is the peak with the arrival
 * itself. */
static double peak_concurrency(double a, double n)
{
	if (a > 1000)
		return ceil(a + 4 * sqrt(a)) + 1; /* the normal approximation */
	double pmf = exp(-a), tail = 1; /* P(X = k), P(X >= k) */
	double k = 0;
	while (n * tail >= 1 && k < 1e4) {
		tail -= pmf;
		k++;
		pmf *= a / k;
	}
	return MAX(k, 1);
}

/* Kept-alive connections one client of `w` opens in all: per target, as
 * many as its requests overlap (users at most, for a closed loop), at most
 * max_connections and its request count. */
static double pool_connections(const sc_workload *w, double n)
{
	if (w->kind != SC_WL_HTTP || !w->keepalive || n <= 0)
		return 0;
	double targets = MIN((double)MAX(w->targets->len, 1), n);
	double per_target = n / targets;
	double conc;
	if (w->users) {
		conc = w->users;
	} else {
		double a = w->rate / targets * (finite_mean(&w->think_time) +
		                                ESTIMATE_COST.response_allowance) / 1e9;
		conc = peak_concurrency(a, per_target);
	}
	double conns = MIN(conc, ceil(per_target));
	if (w->max_conns)
		conns = MIN(conns, (double)w->max_conns);
	return targets * conns;
}

/* A path with a 1500-byte MTU carries six times the packets of a jumbo one;
 * the internet and NAT gateways and the public services have one. */
static gboolean small_mtu(const scenario *sc)
{
	return sc->igws->len || sc->natgws->len || sc->services->len;
}

/* Nodes the run would capture at. */
static guint captured_nodes(const scenario *sc, const char *capture)
{
	const char *spec = capture ? capture : sc->capture ? sc->capture : "all";
	if (strcmp(spec, "none") == 0)
		return 0;
	GPtrArray *nodes = scenario_node_names(sc);
	guint n = 0;
	if (strcmp(spec, "all") == 0) {
		n = nodes->len;
	} else {
		char **items = g_strsplit(spec, ",", -1);
		for (guint i = 0; i < nodes->len; i++)
			for (char **it = items; *it; it++)
				if (g_pattern_match_simple(g_strstrip(*it), nodes->pdata[i])) {
					n++;
					break;
				}
		g_strfreev(items);
	}
	g_ptr_array_unref(nodes);
	return n;
}

void estimate_run(const scenario *sc, const sc_workload *only, gboolean captures,
                  const char *capture, estimate *out)
{
	g_return_if_fail(sc != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	guint n_wl = only ? 1 : sc->workloads->len;
	double per_kb = small_mtu(sc) ? ESTIMATE_COST.events_per_kb_1500
	                              : ESTIMATE_COST.events_per_kb_jumbo;

	/* The memory terms, the largest of which is named in messages. */
	double inst = sc->instances->len * ESTIMATE_COST.per_instance;
	double runs = 0, reqs = 0, wls = n_wl * ESTIMATE_COST.per_workload;
	double top_runs = 0, top_reqs = 0, top_events = 0, client_runs = 0;
	const sc_workload *runs_wl = NULL, *reqs_wl = NULL, *events_wl = NULL;
	double reqs_of_top = 0, events_of_top = 0, conns_of_top = 0;
	for (guint i = 0; i < n_wl; i++) {
		const sc_workload *w = only ? only : SC_AT(sc->workloads, sc_workload, i);
		double clients = w->clients->len;
		double n = clients * requests_per_client(sc, w);
		gboolean udp = w->kind == SC_WL_UDP;
		/* A client's first connection is in per_client_run. */
		double conns = pool_connections(w, n / MAX(clients, 1));
		double r = clients * (ESTIMATE_COST.per_client_run +
		                      MAX(conns - 1, 0) * ESTIMATE_COST.per_pool_connection);
		double q = n * (udp || w->keepalive ? ESTIMATE_COST.per_request_keepalive
		                                     : ESTIMATE_COST.per_request_connection);
		double kb = (finite_mean(&w->request_size) + (udp ? 0 : finite_mean(&w->response_size))) /
		            1e3;
		double each = udp ? ESTIMATE_COST.events_per_datagram + kb * per_kb
		                  : ESTIMATE_COST.events_per_request + kb * per_kb +
		                            (w->keepalive ? 0 : ESTIMATE_COST.events_per_connection);
		double ev = n * each + clients * conns * ESTIMATE_COST.events_per_connection;
		client_runs += clients;
		runs += r;
		reqs += q;
		out->requests += n;
		out->events += ev;
		if (r > top_runs)
			top_runs = r, runs_wl = w, conns_of_top = conns;
		if (q > top_reqs)
			top_reqs = q, reqs_wl = w, reqs_of_top = n;
		if (ev > top_events)
			top_events = ev, events_wl = w, events_of_top = each;
	}
	double cap = captures ? captured_nodes(sc, capture) * ESTIMATE_COST.per_capture_node : 0;
	out->memory = ESTIMATE_COST.base + inst + runs + wls + reqs + cap;

	/* The key named: the workload with at least half of the largest term,
	 * else the workloads together (a counted [workload] group). */
	const sc_workload *first = n_wl ? (only ? only : SC_AT(sc->workloads, sc_workload, 0)) : NULL;
	const sc_workload *last = n_wl ? (only ? only : SC_AT(sc->workloads, sc_workload, n_wl - 1))
	                               : NULL;
	char *all = n_wl > 1 ? g_strdup_printf("%u workloads (%s ... %s)", n_wl, first->name,
	                                       last->name)
	                     : NULL;
	char *each = units_format(ESTIMATE_COST.per_client_run, UNIT_SIZE);
	if (runs + wls >= MAX(inst, MAX(reqs, cap)) && runs_wl) {
		if (top_runs * 2 >= runs && conns_of_top > 1) {
			/* Most of it is the connection pools. */
			char *one = units_format(top_runs / MAX(runs_wl->clients->len, 1), UNIT_SIZE);
			out->memory_key = g_strdup_printf("[workload %s] max_connections", runs_wl->name);
			out->memory_why = g_strdup_printf("%u clients at about %s each, with about %.0f "
			                                  "kept-alive connections each to their targets",
			                                  runs_wl->clients->len, one, conns_of_top);
			g_free(one);
		} else if (top_runs * 2 >= runs) {
			out->memory_key = g_strdup_printf("[workload %s] clients", runs_wl->name);
			out->memory_why = g_strdup_printf("%u clients at about %s each (connections and "
			                                  "a latency histogram)",
			                                  runs_wl->clients->len, each);
		} else {
			out->memory_key = g_strdup("[workload] groups");
			char *avg = units_format(runs / MAX(client_runs, 1), UNIT_SIZE);
			out->memory_why = g_strdup_printf("%s with %.0f clients in all, at about %s per "
			                                  "client of each workload",
			                                  all, client_runs, avg);
			g_free(avg);
		}
	} else if (reqs >= MAX(inst, cap) && reqs_wl) {
		gboolean conn = !(reqs_wl->keepalive || reqs_wl->kind == SC_WL_UDP);
		char *per = units_format(conn ? ESTIMATE_COST.per_request_connection
		                              : ESTIMATE_COST.per_request_keepalive,
		                         UNIT_SIZE);
		if (top_reqs * 2 >= reqs || !all) {
			out->memory_key = g_strdup_printf("[workload %s] %s", reqs_wl->name,
			                                  reqs_wl->requests ? "requests"
			                                                    : scenario_load_key(reqs_wl));
			out->memory_why = g_strdup_printf("%.4g requests (clients x rate x [scenario] "
			                                  "duration) at about %s each%s",
			                                  reqs_of_top, per,
			                                  conn ? ", a connection per request" : "");
		} else {
			out->memory_key = g_strdup("[workload] groups");
			out->memory_why = g_strdup_printf("%s sending %.4g requests in all (clients x "
			                                  "rate x [scenario] duration) at about %s each",
			                                  all, out->requests, per);
		}
		g_free(per);
	} else if (cap >= inst) {
		out->memory_key = g_strdup("[scenario] capture");
		out->memory_why = g_strdup_printf("%u captured nodes, each writing about two files "
		                                  "through a 1MiB buffer", captured_nodes(sc, capture));
	} else {
		out->memory_key = g_strdup("[instance] groups");
		out->memory_why = g_strdup_printf("%u instances", sc->instances->len);
	}
	g_free(each);
	if (events_wl && (top_events * 2 >= out->events || !all)) {
		out->events_key = g_strdup_printf("[workload %s] %s", events_wl->name,
		                                  events_wl->requests ? "requests"
		                                                      : scenario_load_key(events_wl));
		out->events_why = g_strdup_printf("%.4g requests (clients x rate x [scenario] "
		                                  "duration) at about %.0f events each",
		                                  top_events / events_of_top, events_of_top);
	} else if (events_wl) {
		out->events_key = g_strdup("[workload] groups");
		out->events_why = g_strdup_printf("%s sending %.4g requests in all", all, out->requests);
	} else {
		out->events_key = g_strdup("[workload] groups");
		out->events_why = g_strdup("no workload");
	}
	g_free(all);
}

/* "6.0 GB": three figures are all an estimate has (g_format_size would do,
 * but writes a no-break space). */
static char *memory_text(double bytes)
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB", "PB" };
	size_t u = 0;
	while (bytes >= 999.95 && u + 1 < G_N_ELEMENTS(unit)) {
		bytes /= 1000;
		u++;
	}
	char num[G_ASCII_DTOSTR_BUF_SIZE];
	g_ascii_formatd(num, sizeof num, u ? "%.1f" : "%.0f", bytes);
	return g_strdup_printf("%s %s", num, unit[u]);
}

/* MemAvailable from /proc/meminfo in bytes, 0 when unknown. */
static double available_memory(void)
{
	char *text = NULL;
	double bytes = 0;
	if (!g_file_get_contents("/proc/meminfo", &text, NULL, NULL))
		return 0;
	const char *p = strstr(text, "MemAvailable:");
	if (p)
		bytes = g_ascii_strtod(p + strlen("MemAvailable:"), NULL) * 1024;
	g_free(text);
	return bytes > 0 ? bytes : 0;
}

void estimate_limits_default(estimate_limits *lim)
{
	g_return_if_fail(lim != NULL);
	lim->max_memory = available_memory();
	lim->max_events = 0;
}

gboolean estimate_limits_parse(estimate_limits *lim, const char *max_memory,
                               const char *max_events, GError **error)
{
	g_return_val_if_fail(lim != NULL, FALSE);
	GError *e = NULL;
	double v;
	if (max_memory) {
		if (!units_parse(max_memory, UNIT_SIZE, &v, &e)) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID, "--max-memory %s", e->message);
			g_error_free(e);
			return FALSE;
		}
		if (!(v >= 1e6)) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
			            "--max-memory '%s': expected a size from 1MB to 1PB, such as 4GB",
			            max_memory);
			return FALSE;
		}
		lim->max_memory = v;
	}
	if (max_events) {
		if (!units_parse(max_events, UNIT_NONE, &v, &e) || v < 1 || v > 1e18 || v != floor(v)) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
			            "--max-events '%s': expected a whole number of events from 1 to 1e18, "
			            "such as 1e9", max_events);
			g_clear_error(&e);
			return FALSE;
		}
		lim->max_events = v;
	}
	return TRUE;
}

gboolean estimate_check(const estimate *e, const scenario *sc, const estimate_limits *lim,
                        double already, GError **error)
{
	g_return_val_if_fail(e != NULL && sc != NULL && lim != NULL, FALSE);
	if (lim->max_memory > 0 && e->memory + already > lim->max_memory) {
		char *need = memory_text(e->memory);
		char *max = memory_text(lim->max_memory);
		char *prior = already > 0 ? memory_text(already) : NULL;
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
		            "%s: %s: the run would need about %s of memory%s%s%s, above the limit of %s "
		            "(--max-memory; by default the memory available); most of it for %s; "
		            "expected a smaller scenario or a higher --max-memory",
		            sc->path, e->memory_key, need, prior ? " (with " : "", prior ? prior : "",
		            prior ? " for the options before it)" : "", max, e->memory_why);
		g_free(prior);
		g_free(max);
		g_free(need);
		return FALSE;
	}
	if (lim->max_events > 0 && e->events > lim->max_events) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
		            "%s: %s: the run would execute about %.3g events, above --max-events %.3g; "
		            "most of them for %s; expected a shorter run, a lower rate or a higher "
		            "--max-events",
		            sc->path, e->events_key, e->events, lim->max_events, e->events_why);
		return FALSE;
	}
	return TRUE;
}

char *estimate_describe(const estimate *e)
{
	g_return_val_if_fail(e != NULL, NULL);
	char *mem = memory_text(e->memory);
	char *s = g_strdup_printf("about %s of memory (most for %s) and %.3g events", mem,
	                          e->memory_key, e->events);
	g_free(mem);
	return s;
}
