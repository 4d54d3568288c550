/* \summary: [workload] groups: clients, targets, load (rate, total_rate, volume, users), pools, sizes */
#include "kindlib.h"
#include "error.h"

#include <math.h>
#include <string.h>

/* The most requests one client may be told to send: a whole number written
 * by hand, bounded like [vars] so that a typo cannot wrap a uint64. */
#define MAX_REQUESTS G_GUINT64_CONSTANT(1000000000000)

#define LOAD_KEYS "exactly one of rate, total_rate, volume and users"
#define MAX_USERS 100000

static const ld_key workload_keys[] = {
	{ "kind", FALSE, "http or udp" },
	{ "clients", TRUE, "comma-separated instance names or globs such as client-*" },
	{ "target", TRUE, "instance names or globs (served round robin), or one [service], "
	                  "[load_balancer], [interface_endpoint], [lattice_service] or [resource_endpoint]" },
	{ "port", FALSE, "a port from 1 to 65535" },
	{ "rate", FALSE, "requests per second per client, such as 50/s" },
	{ "total_rate", FALSE, "requests per second for all the workload's clients together, "
	                       "such as 2000/s" },
	{ "volume", FALSE, "traffic for all the workload's clients together, request and response "
	                   "bodies, such as 500GB/month (or /day, /hour, /s)" },
	{ "users", FALSE, "closed-loop users per client, a whole number from 1 to 100000" },
	{ "user_think", FALSE, "a time distribution such as exp(mean=1s): a user's pause between "
	                       "a response and its next request (with users)" },
	{ "max_connections", FALSE, "connections per client and target at most, a whole number "
	                            "from 1 to 65535, or unlimited" },
	{ "arrival", FALSE, "poisson or constant" },
	{ "requests", FALSE, "requests per client, a whole number (0 = as many as fit in the "
	                     "duration)" },
	{ "method", FALSE, "GET, PUT or POST" },
	{ "path", FALSE, "a request path starting with /" },
	{ "request_size", FALSE, "a size distribution such as 0B or uniform(min=1KB, max=4KB)" },
	{ "response_size", FALSE, "a size distribution such as 1KB or pareto(scale=1KB, "
	                          "shape=1.5)" },
	{ "think_time", FALSE, "a time distribution such as 0ms or exp(mean=1ms)" },
	{ "connection", FALSE, "keepalive or per-request" },
	{ "resolve", FALSE, "dns or az-local" },
	{ "dns_name", FALSE, "regional, zonal or private (an interface endpoint target)" },
	{ NULL },
};

/* The load balancer a workload reaches through its target (the LB
 * itself, or an endpoint service's NLB), or NULL. */
static const sc_lb *workload_lb(sc_loader *l, const sc_workload *w, const char **via)
{
	scenario *sc = l->sc;
	*via = NULL;
	if (w->targets->len != 1)
		return NULL;
	int t = g_array_index(w->targets, int, 0);
	if (w->target_kind == SC_TARGET_IS_LB)
		return SC_AT(sc->load_balancers, sc_lb, t);
	if (w->target_kind != SC_TARGET_IS_ENDPOINT)
		return NULL;
	const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, t);
	if (e->kind != SC_IFE_ENDPOINT_SERVICE || e->service < 0)
		return NULL;
	const sc_endpoint_service *es = SC_AT(sc->endpoint_services, sc_endpoint_service, e->service);
	*via = es->name;
	return es->lb >= 0 ? SC_AT(sc->load_balancers, sc_lb, es->lb) : NULL;
}

/* The target is instances, or one [service], [load_balancer] or
 * [interface_endpoint]: names are unique across those kinds, so a single
 * name that is not an instance's says which.  Then the port: a load
 * balancer's (or an endpoint service's NLB's) listener, by default the
 * first. */
static void build_workload_target(sc_loader *l, const ld_group *g, sc_workload *w)
{
	const char *v = ld_get(g, "target", NULL);
	w->target_kind = SC_TARGET_IS_INSTANCE;
	if (v) {
		char *one = g_strstrip(g_strdup(v));
		gboolean single = !strpbrk(one, ",*?") && ld_lookup(l->ld, GK_INSTANCE, one) < 0;
		int svc = single ? ld_lookup(l->ld, GK_SERVICE, one) : -1;
		int lb = single ? ld_lookup(l->ld, GK_LB, one) : -1;
		int ep = single ? ld_lookup(l->ld, GK_IFACE_EP, one) : -1;
		/* The kinds that say themselves how they are reached. */
		int gk = -1, ki = -1;
		for (int k = 0; single && k < GK_N && gk < 0; k++)
			if (sc_kinds[k]->target && (ki = ld_lookup(l->ld, k, one)) >= 0)
				gk = k;
		if (gk >= 0) {
			w->target_kind = SC_TARGET_IS_KIND;
			w->target_gk = gk;
			g_array_append_val(w->targets, ki);
			if (w->kind == SC_WL_UDP)
				ld_problem(l->ld, g, "target", "'%s' is %s; expected instances as the target of a udp "
				                  "workload", one, sc_kinds[gk]->target->what);
		} else if (svc >= 0) {
			w->target_kind = SC_TARGET_IS_SERVICE;
			g_array_append_val(w->targets, svc);
			if (w->kind == SC_WL_UDP)
				ld_problem(l->ld, g, "target", "'%s' is a service, which answers HTTP only; expected "
				                  "instances as the target of a udp workload", one);
		} else if (lb >= 0) {
			w->target_kind = SC_TARGET_IS_LB;
			g_array_append_val(w->targets, lb);
			if (w->kind == SC_WL_UDP)
				ld_problem(l->ld, g, "target", "'%s' is a load balancer, whose listeners are http or tcp "
				                  "only; expected instances as the target of a udp workload",
				  one);
		} else if (ep >= 0) {
			w->target_kind = SC_TARGET_IS_ENDPOINT;
			g_array_append_val(w->targets, ep);
			if (w->kind == SC_WL_UDP)
				ld_problem(l->ld, g, "target", "'%s' is an interface endpoint, which carries TCP only; "
				                  "expected instances as the target of a udp workload", one);
		} else {
			ld_ref_list(l->ld, g, "target", v, GK_INSTANCE, w->targets, TRUE);
		}
		g_free(one);
	}

	const char *via;
	const sc_lb *lb = workload_lb(l, w, &via);
	if (lb && lb->listeners->len == 0)
		lb = NULL; /* its listeners were bad: reported */
	const sc_target *kt = w->target_kind == SC_TARGET_IS_KIND ? sc_kinds[w->target_gk]->target : NULL;
	uint16_t kdef = 80;
	char *kexp = NULL;
	if (kt)
		kt->port_ok(l->sc, g_array_index(w->targets, int, 0), 0, &kdef, &kexp);
	char *def = lb ? g_strdup_printf("%u", SC_AT(lb->listeners, sc_listener, 0)->port)
	               : g_strdup_printf("%u", kdef);
	v = ld_get(g, "port", def);
	guint64 pnum;
	if (v && !g_ascii_string_to_unsigned(v, 10, 1, 65535, &pnum, NULL)) {
		ld_problem(l->ld, g, "port", "'%s' is not a port; expected a whole number from 1 to 65535", v);
	} else if (v) {
		w->port = (uint16_t)pnum;
		if (kt && !kt->port_ok(l->sc, g_array_index(w->targets, int, 0), w->port, &kdef, &kexp))
			ld_problem(l->ld, g, "port", "'%s' %s", v, kexp);
		g_free(kexp);
		kexp = NULL;
		if (lb && !sc_lb_has_port(lb, w->port)) {
			char *ports = sc_listener_ports(lb);
			if (via)
				ld_problem(l->ld, g, "port", "'%s' is not a listener port of %s, the load balancer of "
				                "endpoint service %s; expected one of %s", v, lb->name, via,
				  ports);
			else
				ld_problem(l->ld, g, "port", "'%s' is not a listener port of load balancer %s; expected "
				                "one of %s", v, lb->name, ports);
			g_free(ports);
		}
	}
	g_free(kexp);
	g_free(def);
}

/* How clients find the target's address: DNS by default, like real
 * clients, through one of an endpoint's names (its private DNS name when it
 * has one, as clients of the service use it, else the regional name). */
static void build_workload_names(sc_loader *l, const ld_group *g, sc_workload *w)
{
	static const char *const resolves[] = { "dns", "az-local", NULL };
	static const char *const names[] = { "regional", "zonal", "private", NULL };
	w->resolve = (sc_resolve)ld_get_word(l->ld, g, "resolve", "dns", resolves);
	const sc_interface_endpoint *e = NULL;
	if (w->target_kind == SC_TARGET_IS_ENDPOINT && w->targets->len == 1)
		e = SC_AT(l->sc->interface_endpoints, sc_interface_endpoint, g_array_index(w->targets, int, 0));
	const char *def = e && e->private_dns ? "private" : "regional";
	if (!e && ld_get(g, "dns_name", NULL)) {
		ld_problem(l->ld, g, "dns_name", "'%s': the target is not an interface endpoint; expected no "
		                    "dns_name (a load balancer has one name)", ld_get(g, "dns_name", NULL));
		return;
	}
	w->dns_name = (sc_dns_name)ld_get_word(l->ld, g, "dns_name", def, names);
	if (e && w->dns_name == SC_DNS_PRIVATE && !e->private_dns)
		ld_problem(l->ld, g, "dns_name", "'private': interface endpoint %s does not enable private DNS; "
		                    "expected regional or zonal, or private_dns = true on the endpoint",
		  e->name);
}

/* A value of one of the load keys; an empty one (`--set workload:web.rate=`)
 * counts as absent, so that an override can switch a workload from one
 * kind of load to another. */
static const char *load_value(const ld_group *g, const char *key)
{
	const char *v = ld_get(g, key, NULL);
	return v && *v ? v : NULL;
}

/* A rate in requests per second from `key`'s value, or 0 (reported). */
static double parse_rate(sc_loader *l, const ld_group *g, const char *key, const char *v)
{
	double rate;
	GError *e = NULL;
	if (!units_parse(v, UNIT_RATE, &rate, &e)) {
		ld_problem(l->ld, g, key, "%s", e->message);
		g_error_free(e);
		return 0;
	}
	if (!(rate > 0)) {
		ld_problem(l->ld, g, key, "'%s' is not positive; expected %s", v, ld_key_find(workload_keys, key)->what);
		return 0;
	}
	return rate;
}

/* The gap between one client's requests at `rate` per second, Poisson
 * (exponential gaps) or evenly spaced; FALSE (reported against `key`)
 * when the gap is beyond the clock: the first request would come after
 * the run, and a constant gap would overflow. */
static gboolean set_interval(sc_loader *l, const ld_group *g, const char *key, const char *v,
                             sc_workload *w, double rate)
{
	if (!(rate > 0) || 1e9 / rate > units_max(UNIT_TIME)) {
		if (w->load == SC_LOAD_RATE)
			ld_problem(l->ld, g, key, "'%s' is out of range: a rate is at least 1/8760h (one a year); "
			             "expected %s", v, ld_key_find(workload_keys, key)->what);
		else
			ld_problem(l->ld, g, key, "'%s' is out of range: it gives %.3g requests per second per client, "
			             "and a rate is at least 1/8760h (one a year); expected %s", v, rate,
			  ld_key_find(workload_keys, key)->what);
		return FALSE;
	}
	w->rate = rate;
	double mean_ns = 1e9 / rate;
	if (!w->constant_arrival) {
		w->interval.type = DIST_EXP;
		w->interval.kind = UNIT_TIME;
		w->interval.p1 = mean_ns;
	} else {
		dist_set_const(&w->interval, UNIT_TIME, mean_ns);
	}
	return TRUE;
}

/* "500GB/month": bytes, and the period in seconds (a month is the price
 * table's, filled in once it is loaded: -1 here).  FALSE (reported) if
 * malformed. */
static gboolean parse_volume(sc_loader *l, const ld_group *g, const char *v, double *bytes,
                             double *period_s)
{
	const char *slash = strrchr(v, '/');
	char *size = slash ? g_strstrip(g_strndup(v, (gsize)(slash - v))) : NULL;
	char *per = slash ? g_strstrip(g_strdup(slash + 1)) : NULL;
	GError *e = NULL;
	gboolean ok = FALSE;
	static const struct {
		const char *word;
		double s;
	} periods[] = { { "month", -1 }, { "day", 86400 }, { "hour", 3600 }, { "h", 3600 }, { "s", 1 } };
	*period_s = 0;
	for (size_t i = 0; per && i < G_N_ELEMENTS(periods); i++)
		if (strcmp(per, periods[i].word) == 0)
			*period_s = periods[i].s;
	if (!slash || *period_s == 0) {
		ld_problem(l->ld, g, "volume", "'%s' is not a volume per period; expected %s", v,
		  ld_key_find(workload_keys, "volume")->what);
	} else if (!units_parse(size, UNIT_SIZE, bytes, &e)) {
		ld_problem(l->ld, g, "volume", "'%s': %s; expected %s", v, e->message,
		  ld_key_find(workload_keys, "volume")->what);
		g_error_free(e);
	} else if (!(*bytes > 0)) {
		ld_problem(l->ld, g, "volume", "'%s' is not positive; expected %s", v,
		  ld_key_find(workload_keys, "volume")->what);
	} else {
		ok = TRUE;
	}
	g_free(size);
	g_free(per);
	return ok;
}

/* The load: exactly one of rate (per client), total_rate (all clients),
 * volume (converted once the price table gives the month, see
 * finish_workload_volumes()) and users (a closed loop with user_think).
 * arrival belongs to the open-loop ones and user_think to users. */
static void build_workload_load(sc_loader *l, const ld_group *g, sc_workload *w)
{
	static const char *const arrivals[] = { "poisson", "constant", NULL };
	static const char *const keys[] = { "rate", "total_rate", "volume", "users" };
	const char *first = NULL;
	int n = 0;
	for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
		const char *v = load_value(g, keys[k]);
		if (!v)
			continue;
		if (first)
			ld_problem(l->ld, g, keys[k], "'%s' conflicts with %s = %s; expected %s (clear one with "
			                 "--set 'workload:%s.%s=')", v, first, load_value(g, first),
			  LOAD_KEYS, w->name, keys[k]);
		else
			first = keys[k], w->load = (sc_load_kind)k;
		n++;
	}
	if (n == 0) {
		ld_problem(l->ld, g, "rate", "missing; expected %s (rate: %s)", LOAD_KEYS,
		  ld_key_find(workload_keys, "rate")->what);
		return;
	}
	if (n > 1)
		return;
	const char *v = load_value(g, first);
	const char *arrival = load_value(g, "arrival");
	if (w->load == SC_LOAD_USERS) {
		guint64 u;
		if (!g_ascii_string_to_unsigned(v, 10, 1, MAX_USERS, &u, NULL))
			ld_problem(l->ld, g, "users", "'%s' is not a whole number from 1 to %u; expected %s", v,
			  MAX_USERS, ld_key_find(workload_keys, "users")->what);
		else
			w->users = (guint)u;
		if (arrival)
			ld_problem(l->ld, g, "arrival", "'%s' applies to an open loop (rate, total_rate or volume), not "
			                   "to users = %s, which send when their previous request ends; "
			                   "expected no arrival (clear it with --set 'workload:%s.arrival=')",
			  arrival, v, w->name);
		if (w->kind == SC_WL_UDP)
			ld_problem(l->ld, g, "users", "'%s': a closed loop waits for responses, which UDP has none of; "
			                 "expected rate, total_rate or volume for a udp workload", v);
		ld_get_dist(l->ld, g, "user_think", "0ms", UNIT_TIME, &w->user_think);
		return;
	}
	const char *think = load_value(g, "user_think");
	if (think)
		ld_problem(l->ld, g, "user_think", "'%s' is the think time of closed-loop users, and this workload "
		                      "has %s = %s; expected users = N with it, or no user_think", think,
		  first, v);
	w->constant_arrival = ld_get_word(l->ld, g, "arrival", "poisson", arrivals) == 1;
	if (w->load == SC_LOAD_VOLUME) {
		double bytes, period;
		if (parse_volume(l, g, v, &bytes, &period))
			w->total_rate = -1; /* converted in finish_workload_volumes() */
		return;
	}
	double rate = parse_rate(l, g, first, v);
	if (!(rate > 0))
		return;
	if (w->load == SC_LOAD_TOTAL_RATE) {
		w->total_rate = rate;
		if (w->clients->len == 0)
			return; /* no clients: reported against clients */
		rate /= w->clients->len;
	}
	set_interval(l, g, first, v, w, rate);
}

/* volume = BYTES/PERIOD: requests per second = BYTES / PERIOD seconds /
 * (mean request_size + mean response_size), the bodies as configured
 * (heads and TCP/IP overhead not counted), split evenly over the clients.
 * A month is the price table's hours_per_month. */
static void finish_workload_volumes(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; sc->prices && i < sc->workloads->len; i++) {
		sc_workload *w = SC_AT(sc->workloads, sc_workload, i);
		if (w->load != SC_LOAD_VOLUME || w->total_rate != -1)
			continue;
		const ld_group *g = ld_groups(l->ld, GK_WORKLOAD)->pdata[i];
		const char *v = load_value(g, "volume");
		double bytes, period;
		if (!parse_volume(l, g, v, &bytes, &period))
			continue;
		if (period < 0)
			period = sc->prices->hours_per_month * 3600.0;
		double mean = dist_mean(&w->request_size) +
		              (w->kind == SC_WL_HTTP ? dist_mean(&w->response_size) : 0);
		if (!(mean > 0) || !isfinite(mean)) {
			ld_problem(l->ld, g, "volume", "'%s' cannot be turned into a request rate: the mean request "
			                  "size plus the mean response size is %s; expected sizes with a "
			                  "finite mean above 0B", v, isfinite(mean) ? "0B" : "infinite");
			w->total_rate = 0;
			continue;
		}
		w->total_rate = bytes / period / mean;
		if (w->clients->len)
			set_interval(l, g, "volume", v, w, w->total_rate / w->clients->len);
	}
}

/* max_connections: default SC_DEFAULT_MAX_CONNECTIONS with keepalive and
 * no limit with a connection per request (each request opens its own at
 * once, as before pools). */
static void build_workload_pool(sc_loader *l, const ld_group *g, sc_workload *w)
{
	w->max_conns = w->keepalive ? SC_DEFAULT_MAX_CONNECTIONS : 0;
	const char *v = ld_get(g, "max_connections", NULL);
	guint64 n;
	if (!v || strcmp(v, "unlimited") == 0) {
		if (v)
			w->max_conns = 0;
	} else if (!g_ascii_string_to_unsigned(v, 10, 1, 65535, &n, NULL)) {
		ld_problem(l->ld, g, "max_connections", "'%s' is not a whole number from 1 to 65535; expected %s",
		  v, ld_key_find(workload_keys, "max_connections")->what);
	} else {
		w->max_conns = (guint)n;
	}
	if (v && w->kind == SC_WL_UDP)
		ld_problem(l->ld, g, "max_connections", "'%s': a udp workload has no connections; expected no "
		                           "max_connections", v);
}

const char *scenario_load_key(const sc_workload *w)
{
	static const char *const keys[] = { "rate", "total_rate", "volume", "users" };
	return (unsigned)w->load < G_N_ELEMENTS(keys) ? keys[w->load] : "rate";
}

static void build_workloads(sc_loader *l)
{
	scenario *sc = l->sc;
	static const char *const wl_kinds[] = { "http", "udp", NULL };
	static const char *const methods[] = { "GET", "PUT", "POST", NULL };
	static const char *const connections[] = { "keepalive", "per-request", NULL };
	for (guint i = 0; i < ld_groups(l->ld, GK_WORKLOAD)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_WORKLOAD)->pdata[i];
		sc_workload *w = SC_AT(sc->workloads, sc_workload, i);
		w->name = g_strdup(g->name);
		w->clients = g_array_new(FALSE, FALSE, sizeof(int));
		w->targets = g_array_new(FALSE, FALSE, sizeof(int));
		w->kind = (sc_workload_kind)ld_get_word(l->ld, g, "kind", "http", wl_kinds);
		const char *v = ld_get(g, "clients", NULL);
		if (v)
			ld_ref_list(l->ld, g, "clients", v, GK_INSTANCE, w->clients, TRUE);

		build_workload_target(l, g, w);

		build_workload_load(l, g, w);

		v = ld_get(g, "requests", "0");
		guint64 n;
		if (v && !g_ascii_string_to_unsigned(v, 10, 0, MAX_REQUESTS, &n, NULL))
			ld_problem(l->ld, g, "requests", "'%s' is not a whole number from 0 to %" G_GUINT64_FORMAT
			                    "; expected %s", v, MAX_REQUESTS,
			  ld_key_find(workload_keys, "requests")->what);
		else if (v)
			w->requests = n;

		w->method = g_strdup(methods[ld_get_word(l->ld, g, "method", "GET", methods)]);
		v = ld_get(g, "path", "/");
		if (v && v[0] != '/')
			ld_problem(l->ld, g, "path", "'%s' does not start with '/'; expected a request path such as "
			                "/index.html", v);
		w->path = g_strdup(v ? v : "/");
		ld_get_dist(l->ld, g, "request_size", "0B", UNIT_SIZE, &w->request_size);
		ld_get_dist(l->ld, g, "response_size", "1KB", UNIT_SIZE, &w->response_size);
		ld_get_dist(l->ld, g, "think_time", "0ms", UNIT_TIME, &w->think_time);
		w->keepalive = ld_get_word(l->ld, g, "connection", "keepalive", connections) == 0;
		build_workload_names(l, g, w);
		build_workload_pool(l, g, w);
	}
}

static void workload_clear(void *elem)
{
	sc_workload *w = elem;
	sc_unref(w->clients);
	sc_unref(w->targets);
	dist_clear(&w->interval);
	dist_clear(&w->request_size);
	dist_clear(&w->response_size);
	dist_clear(&w->think_time);
	dist_clear(&w->user_think);
	g_free(w->method);
	g_free(w->path);
}

/* Volumes become rates once the profile gives the mean sizes' overheads. */
static const sc_step workload_steps[] = { { 800, build_workloads },
					  { 1000, finish_workload_volumes },
					  { 0, NULL } };
const sc_kind sc_kind_workload = {
	.group = { "workload", workload_keys },
	.size = sizeof(sc_workload),
	.steps = workload_steps,
	.clear = workload_clear,
};
