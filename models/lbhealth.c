/* \summary: load balancer health checks: TCP or HTTP checks from every LB node to every target, thresholds, rotation */
#include "lbhealth.h"
#include "kindlib.h"

#include <string.h>

typedef struct hgroup hgroup;

/* One node's checks of one target. */
typedef struct {
	lbhealth *h;
	hgroup *g;
	guint target, node;
	uint32_t ip;          /* the target's address */
	tcp_conn *c;          /* the check in progress, NULL between checks */
	tcp_conn *old;        /* the last check's connection while it closes, or NULL */
	gboolean pending;     /* a check started and has no result yet */
	gboolean healthy;
	guint ok_run, fail_run;
	char status[12];      /* "HTTP/1.1 200" as it arrives */
	guint got;
	sim_timer next, timeout;
	uint64_t checks, failed, went_unhealthy, went_healthy;
	sim_time first_unhealthy, last_healthy;
} slot;

struct hgroup {
	int tg;
	lbhealth_settings s;
	guint n_targets;
	slot *slots;          /* [target * n_nodes + node] */
	pkt_msg *request;     /* HTTP checks: per target, the same bytes every time */
	pkt_msg **req;        /* per target */
};

struct lbhealth {
	fabric *f;
	lbhealth_config cfg;
	uint32_t *node_ips;
	sim *sim;
	rng rng;
	GArray *groups;       /* hgroup, in scenario order of the groups checked */
	int *group_of;        /* per scenario target group: index in groups, or -1 */
	uint16_t next_port;   /* where port_free's search starts */
};

static void check_start(sim *s, void *ctx, void *arg);

/* The check has its result: its connection, if still there, finishes
 * closing as `old` (its last segments must still find the stack). */
static void detach(slot *sl)
{
	if (sl->c) {
		sl->old = sl->c;
		sl->c = NULL;
	}
}

static void result(slot *sl, gboolean ok)
{
	lbhealth *h = sl->h;
	sim_time now = sim_now(h->sim);
	sl->pending = FALSE;
	sim_timer_cancel(h->sim, &sl->timeout);
	sl->checks++;
	if (ok) {
		sl->fail_run = 0;
		sl->ok_run++;
		if (!sl->healthy && sl->ok_run >= sl->g->s.healthy) {
			sl->healthy = TRUE;
			sl->went_healthy++;
			sl->last_healthy = now;
		}
	} else {
		sl->failed++;
		sl->ok_run = 0;
		sl->fail_run++;
		if (sl->healthy && sl->fail_run >= sl->g->s.unhealthy) {
			sl->healthy = FALSE;
			sl->went_unhealthy++;
			if (sl->first_unhealthy < 0)
				sl->first_unhealthy = now;
		}
	}
}

/* A check with a result: close our side and forget the connection (its
 * FIN exchange goes on in the stack without us). */
static void finish(slot *sl, gboolean ok)
{
	tcp_conn *c = sl->c;
	detach(sl);
	if (c)
		tcp_close(c);
	result(sl, ok);
}

static void hc_connected(tcp_conn *c, void *ud)
{
	slot *sl = ud;
	if (!sl || !sl->pending || c != sl->c)
		return;
	if (sl->g->s.proto == SC_HC_TCP) {
		finish(sl, TRUE);
		return;
	}
	pkt_msg *m = sl->g->req[sl->target];
	tcp_write(c, m, 0, m->len);
}

static void hc_data(tcp_conn *c, const pkt_msg *m, uint64_t off, uint32_t len, void *ud)
{
	slot *sl = ud;
	if (!sl || !sl->pending || !m || c != sl->c)
		return;
	guint n = MIN(len, (uint32_t)(sizeof sl->status - sl->got));
	pkt_msg_fill(m, off, (uint8_t *)sl->status + sl->got, n);
	sl->got += n;
	if (sl->got < sizeof sl->status)
		return;
	const char *st = sl->status;
	gboolean ok = FALSE;
	if (strncmp(st, "HTTP/1.", 7) == 0 && st[8] == ' ' && g_ascii_isdigit(st[9]) &&
	    g_ascii_isdigit(st[10]) && g_ascii_isdigit(st[11])) {
		uint32_t code = (uint32_t)((st[9] - '0') * 100 + (st[10] - '0') * 10 + (st[11] - '0'));
		ok = code >= sl->g->s.match_lo && code <= sl->g->s.match_hi;
	}
	finish(sl, ok);
}

static void hc_eof(tcp_conn *c, void *ud)
{
	slot *sl = ud;
	if (sl && sl->pending && c == sl->c) {
		/* Closed before a full status line: a failed check. */
		detach(sl);
		tcp_close(c);
		result(sl, FALSE);
		return;
	}
	tcp_close(c);
}

static void hc_closed(tcp_conn *c, tcp_close_reason why, void *ud)
{
	(void)why;
	slot *sl = ud;
	if (!sl)
		return;
	if (c == sl->old)
		sl->old = NULL;
	if (c != sl->c)
		return;
	sl->c = NULL;
	if (sl->pending)
		result(sl, FALSE);
}

static const tcp_callbacks hc_cb = {
	.on_connected = hc_connected,
	.on_data = hc_data,
	.on_eof = hc_eof,
	.on_closed = hc_closed,
};

static void check_timeout(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	slot *sl = ctx;
	if (!sl->pending)
		return;
	tcp_conn *c = sl->c;
	sl->c = NULL;
	if (c)
		tcp_abort(c);
	result(sl, FALSE);
}

/* A local port the owner agrees to (an NLB's NAT flows use its node
 * addresses too), or 0 for the stack's choice. */
static uint16_t pick_port(lbhealth *h, slot *sl)
{
	if (!h->cfg.port_free)
		return 0;
	/* Linux's ephemeral range, as the stack's own choice would be. */
	for (guint tries = 0; tries < 28232; tries++) {
		uint16_t p = h->next_port;
		h->next_port = h->next_port >= 60999 ? 32768 : h->next_port + 1;
		if (h->cfg.port_free(h->cfg.ud, sl->node, sl->ip, sl->g->s.port, p))
			return p;
	}
	return 0;
}

static void check_start(sim *s, void *ctx, void *arg)
{
	(void)arg;
	slot *sl = ctx;
	lbhealth *h = sl->h;
	sim_time now = sim_now(s);
	sim_timer_arm_at(s, &sl->next, sim_time_add_sat(now, sl->g->s.interval), check_start, sl, NULL);
	if (sl->pending)
		return; /* timeout < interval (checked): not reached */
	/* A previous check still closing goes on without us. */
	detach(sl);
	sl->got = 0;
	sl->pending = TRUE;
	sl->c = tcp_connect(h->cfg.tcp, h->node_ips[sl->node], pick_port(h, sl), sl->ip, sl->g->s.port,
	                    h->cfg.mtu, &hc_cb, sl);
	if (!sl->c) {
		result(sl, FALSE); /* no local port: the check cannot even start */
		return;
	}
	sim_timer_arm_at(s, &sl->timeout, sim_time_add_sat(now, sl->g->s.timeout), check_timeout, sl, NULL);
}

static void resolve(const fabric *f, const sc_target_group *tg, gboolean nlb, lbhealth_settings *s)
{
	const profile *p = f->prof;
	s->proto = tg->hc_proto != SC_HC_DEFAULT ? tg->hc_proto : nlb ? SC_HC_TCP : SC_HC_HTTP;
	s->path = tg->hc_path ? tg->hc_path : "/";
	s->port = tg->hc_port ? tg->hc_port : tg->port;
	s->interval = tg->hc_interval ? tg->hc_interval
	                              : nlb ? p->health_check.nlb_interval : p->health_check.alb_interval;
	s->timeout = tg->hc_timeout ? tg->hc_timeout
	             : !nlb ? p->health_check.alb_timeout
	             : s->proto == SC_HC_HTTP ? p->health_check.nlb_timeout_http
	                                      : p->health_check.nlb_timeout_tcp;
	s->healthy = tg->hc_healthy ? tg->hc_healthy
	                            : nlb ? p->health_check.nlb_healthy_threshold
	                                  : p->health_check.alb_healthy_threshold;
	s->unhealthy = tg->hc_unhealthy ? tg->hc_unhealthy
	                                : nlb ? p->health_check.nlb_unhealthy_threshold
	                                      : p->health_check.alb_unhealthy_threshold;
	if (tg->hc_match_lo) {
		s->match_lo = tg->hc_match_lo;
		s->match_hi = tg->hc_match_hi;
	} else {
		s->match_lo = nlb ? p->health_check.nlb_matcher_low : p->health_check.alb_matcher_low;
		s->match_hi = nlb ? p->health_check.nlb_matcher_high : p->health_check.alb_matcher_high;
	}
}

static void add_group(lbhealth *h, int tgi)
{
	const scenario *sc = h->f->sc;
	const sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, tgi);
	if (tgi < 0 || h->group_of[tgi] >= 0 || tg->type != SC_TG_INSTANCE || tg->targets->len == 0)
		return;
	hgroup g = { .tg = tgi, .n_targets = tg->targets->len };
	resolve(h->f, tg, h->cfg.nlb, &g.s);
	h->group_of[tgi] = (int)h->groups->len;
	g_array_append_val(h->groups, g);
}

/* Slots are made once all groups are known (the array no longer moves). */
static void make_slots(lbhealth *h)
{
	const scenario *sc = h->f->sc;
	for (guint gi = 0; gi < h->groups->len; gi++) {
		hgroup *g = &g_array_index(h->groups, hgroup, gi);
		const sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, g->tg);
		g->slots = g_new0(slot, (gsize)g->n_targets * h->cfg.n_nodes);
		g->req = g_new0(pkt_msg *, g->n_targets);
		for (guint t = 0; t < g->n_targets; t++) {
			const sc_instance *in = SC_AT(sc->instances, sc_instance, g_array_index(tg->targets, int, t));
			if (g->s.proto == SC_HC_HTTP) {
				char ip[16];
				pkt_ip_str(in->ip, ip);
				GString *head = g_string_new(NULL);
				g_string_printf(head, "GET %s HTTP/1.1\r\nHost: %s:%u\r\nConnection: close\r\n"
				                      "User-Agent: ELB-HealthChecker/2.0\r\n\r\n",
				                g->s.path, ip, g->s.port);
				gsize len = head->len;
				g->req[t] = pkt_msg_new(g_string_free_to_bytes(head), len, (uint64_t)t + 1);
			}
			for (guint n = 0; n < h->cfg.n_nodes; n++) {
				slot *sl = &g->slots[t * h->cfg.n_nodes + n];
				sl->h = h;
				sl->g = g;
				sl->target = t;
				sl->node = n;
				sl->ip = in->ip;
				sl->healthy = TRUE;
				sl->first_unhealthy = sl->last_healthy = -1;
				sim_time first = (sim_time)rng_below(&h->rng, (uint64_t)g->s.interval);
				sim_timer_arm_at(h->sim, &sl->next, sim_now(h->sim) + first, check_start, sl, NULL);
			}
		}
	}
}

lbhealth *lbhealth_new(fabric *f, const sc_lb *lb, const lbhealth_config *cfg)
{
	g_return_val_if_fail(f != NULL && lb != NULL && cfg != NULL && cfg->tcp != NULL, NULL);
	lbhealth *h = g_new0(lbhealth, 1);
	h->f = f;
	h->cfg = *cfg;
	h->sim = f->net->sim;
	h->node_ips = g_memdup2(cfg->node_ips, sizeof(uint32_t) * MAX(cfg->n_nodes, 1));
	h->cfg.node_ips = h->node_ips;
	h->next_port = 32768;
	char *stream = g_strdup_printf("%s/health", cfg->lb_name);
	net_rng(f->net, &h->rng, stream);
	g_free(stream);
	guint n_tgs = f->sc->target_groups->len;
	h->group_of = g_new(int, n_tgs + 1);
	for (guint i = 0; i <= n_tgs; i++)
		h->group_of[i] = -1;
	h->groups = g_array_new(FALSE, TRUE, sizeof(hgroup));
	for (guint i = 0; lb->listeners && i < lb->listeners->len; i++) {
		const sc_listener *li = SC_AT(lb->listeners, sc_listener, i);
		add_group(h, li->default_tg);
		for (guint k = 0; li->rules && k < li->rules->len; k++)
			add_group(h, SC_AT(li->rules, sc_lb_rule, k)->target_group);
	}
	make_slots(h);
	return h;
}

void lbhealth_free(lbhealth *h)
{
	if (!h)
		return;
	for (guint gi = 0; gi < h->groups->len; gi++) {
		hgroup *g = &g_array_index(h->groups, hgroup, gi);
		for (guint i = 0; i < g->n_targets * h->cfg.n_nodes; i++) {
			slot *sl = &g->slots[i];
			sim_timer_cancel(h->sim, &sl->next);
			sim_timer_cancel(h->sim, &sl->timeout);
			/* The stack frees the connections without calling back. */
			sl->c = sl->old = NULL;
		}
		for (guint t = 0; t < g->n_targets; t++)
			if (g->req[t])
				pkt_msg_unref(g->req[t]);
		g_free(g->req);
		g_free(g->slots);
	}
	g_array_unref(h->groups);
	g_free(h->group_of);
	g_free(h->node_ips);
	g_free(h);
}

static const hgroup *group(const lbhealth *h, int tg)
{
	if (!h || tg < 0 || (guint)tg >= h->f->sc->target_groups->len || h->group_of[tg] < 0)
		return NULL;
	return &g_array_index(h->groups, hgroup, h->group_of[tg]);
}

gboolean lbhealth_healthy(const lbhealth *h, int tg, guint target, guint ni)
{
	const hgroup *g = group(h, tg);
	if (!g || target >= g->n_targets || ni >= h->cfg.n_nodes)
		return TRUE;
	return g->slots[target * h->cfg.n_nodes + ni].healthy;
}

sim_time lbhealth_next_check(const lbhealth *h, int tg, guint target, guint ni)
{
	const hgroup *g = group(h, tg);
	if (!g || target >= g->n_targets || ni >= h->cfg.n_nodes)
		return -1;
	const slot *sl = &g->slots[target * h->cfg.n_nodes + ni];
	return sim_timer_armed(&sl->next) ? sl->next.t : -1;
}

gboolean lbhealth_owns(const lbhealth *h, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	/* Few slots (nodes x targets): a scan, only for packets of no flow. */
	for (guint gi = 0; gi < h->groups->len; gi++) {
		const hgroup *g = &g_array_index(h->groups, hgroup, gi);
		if (g->s.port != sport)
			continue;
		for (guint i = 0; i < g->n_targets * h->cfg.n_nodes; i++) {
			const slot *sl = &g->slots[i];
			if (sl->ip != src || h->node_ips[sl->node] != dst)
				continue;
			if ((sl->c && tcp_conn_local_port(sl->c) == dport) ||
			    (sl->old && tcp_conn_local_port(sl->old) == dport))
				return TRUE;
		}
	}
	return FALSE;
}

gboolean lbhealth_target_stats_get(const lbhealth *h, int tg, guint target, lbhealth_target_stats *out)
{
	const hgroup *g = group(h, tg);
	if (!g || target >= g->n_targets)
		return FALSE;
	memset(out, 0, sizeof *out);
	out->first_unhealthy = out->last_healthy = -1;
	for (guint n = 0; n < h->cfg.n_nodes; n++) {
		const slot *sl = &g->slots[target * h->cfg.n_nodes + n];
		out->checks += sl->checks;
		out->failed += sl->failed;
		out->went_unhealthy += sl->went_unhealthy;
		out->went_healthy += sl->went_healthy;
		if (sl->first_unhealthy >= 0 &&
		    (out->first_unhealthy < 0 || sl->first_unhealthy < out->first_unhealthy))
			out->first_unhealthy = sl->first_unhealthy;
		out->last_healthy = MAX(out->last_healthy, sl->last_healthy);
		out->healthy_nodes += sl->healthy ? 1 : 0;
	}
	return TRUE;
}

gboolean lbhealth_settings_get(const lbhealth *h, int tg, lbhealth_settings *out)
{
	const hgroup *g = group(h, tg);
	if (!g)
		return FALSE;
	*out = g->s;
	return TRUE;
}

/* ---- [target_group] health_check_* keys ---- */

/* A whole number of seconds in [lo, hi]; 0 when absent or bad (reported). */
static sim_time hc_seconds(sc_loader *l, const ld_group *g, const char *key, gint64 lo, gint64 hi)
{
	const char *v = ld_get(g, key, NULL);
	if (!v)
		return 0;
	sim_time t;
	GError *e = NULL;
	if (!units_parse_time(v, &t, &e)) {
		ld_problem(l->ld, g, key, "%s", e->message);
		g_error_free(e);
		return 0;
	}
	if (t % SIM_S != 0 || t < lo * SIM_S || t > hi * SIM_S) {
		ld_problem(l->ld, g, key, "'%s' is not a whole number of seconds from %" G_GINT64_FORMAT
		                          "s to %" G_GINT64_FORMAT "s; expected one, as AWS allows", v, lo, hi);
		return 0;
	}
	return t;
}

static uint32_t hc_count(sc_loader *l, const ld_group *g, const char *key)
{
	const char *v = ld_get(g, key, NULL);
	guint64 n = 0;
	if (!v)
		return 0;
	if (!g_ascii_string_to_unsigned(v, 10, 2, 10, &n, NULL)) {
		ld_problem(l->ld, g, key, "'%s' is not a whole number from 2 to 10; expected one, as AWS "
		                          "allows", v);
		return 0;
	}
	return (uint32_t)n;
}

/* "200", "200,202" (lowest to highest), "200-299" within [lo, hi]. */
static void hc_matcher(sc_loader *l, const ld_group *g, sc_target_group *tg, guint lo, guint hi)
{
	const char *v = ld_get(g, "matcher", NULL);
	if (!v)
		return;
	char **parts = g_strsplit_set(v, ",-", -1);
	guint n = g_strv_length(parts), mn = G_MAXUINT, mx = 0;
	gboolean ok = n >= 1 && (strchr(v, '-') == NULL || (n == 2 && !strchr(v, ',')));
	for (guint i = 0; ok && i < n; i++) {
		guint64 c;
		ok = g_ascii_string_to_unsigned(g_strstrip(parts[i]), 10, lo, hi, &c, NULL);
		mn = MIN(mn, (guint)c);
		mx = MAX(mx, (guint)c);
	}
	g_strfreev(parts);
	if (!ok || mn > mx) {
		ld_problem(l->ld, g, "matcher", "'%s' is not a set of HTTP codes from %u to %u; expected %s", v, lo,
		           hi, "200, 200,202 or 200-299");
		return;
	}
	tg->hc_match_lo = mn;
	tg->hc_match_hi = mx;
}

/* Which kinds of load balancer forward to target group tgi. */
static void used_by(const scenario *sc, int tgi, gboolean *by_alb, gboolean *by_nlb)
{
	*by_alb = *by_nlb = FALSE;
	for (guint b = 0; b < sc->load_balancers->len; b++) {
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, b);
		gboolean uses = FALSE;
		for (guint k = 0; lb->listeners && k < lb->listeners->len && !uses; k++) {
			const sc_listener *li = SC_AT(lb->listeners, sc_listener, k);
			uses = li->default_tg == tgi;
			for (guint r = 0; li->rules && r < li->rules->len && !uses; r++)
				uses = SC_AT(li->rules, sc_lb_rule, r)->target_group == tgi;
		}
		if (uses && lb->type == SC_LB_NETWORK)
			*by_nlb = TRUE;
		else if (uses)
			*by_alb = TRUE;
	}
}

/* The timeout must end before the next check starts (AWS: "must be
 * smaller than the interval"), defaults included: a step after the
 * profile is loaded. */
void lbhealth_check_timeouts(sc_loader *l)
{
	scenario *sc = l->sc;
	const profile *pf = sc->profile;
	for (guint i = 0; pf && i < ld_groups(l->ld, GK_TG)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_TG)->pdata[i];
		sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, i);
		gboolean by_alb, by_nlb;
		used_by(sc, (int)i, &by_alb, &by_nlb);
		if (tg->hc_interval || tg->hc_timeout) {
			sim_time iv = tg->hc_interval ? tg->hc_interval
			                              : by_nlb ? pf->health_check.nlb_interval
			                                       : pf->health_check.alb_interval;
			sim_time to = tg->hc_timeout ? tg->hc_timeout
			              : !by_nlb ? pf->health_check.alb_timeout
			              : tg->hc_proto == SC_HC_HTTP ? pf->health_check.nlb_timeout_http
			                                           : pf->health_check.nlb_timeout_tcp;
			if (to >= iv)
				ld_problem(l->ld, g, tg->hc_timeout ? "health_check_timeout" : "health_check_interval",
				           "the timeout (%" G_GINT64_FORMAT " s) is not less than the interval (%"
				           G_GINT64_FORMAT " s); expected a timeout smaller than the interval, as "
				           "AWS requires", (gint64)(to / SIM_S), (gint64)(iv / SIM_S));
		}
	}
}

void lbhealth_keys(sc_loader *l)
{
	static const char *const protos[] = { "tcp", "http", NULL };
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_TG)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_TG)->pdata[i];
		sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, i);
		/* Which kind of load balancer uses it decides the defaults. */
		gboolean by_alb, by_nlb;
		used_by(sc, (int)i, &by_alb, &by_nlb);
		if (ld_has(g, "health_check_protocol")) {
			int p = ld_get_choice(l->ld, g, "health_check_protocol", NULL, protos);
			if (p == 0 && by_alb)
				ld_problem(l->ld, g, "health_check_protocol", "'tcp': an application load balancer "
				             "checks its targets over HTTP; expected http (tcp is for network "
				             "load balancers)");
			else if (p >= 0)
				tg->hc_proto = p == 0 ? SC_HC_TCP : SC_HC_HTTP;
		}
		const char *v = ld_get(g, "health_check_path", NULL);
		if (v && (v[0] != '/' || strpbrk(v, " \t\r\n") || strlen(v) > 1024))
			ld_problem(l->ld, g, "health_check_path", "'%s' is not a path; expected an absolute path of "
			             "at most 1024 characters without spaces, such as /health", v);
		else if (v)
			tg->hc_path = g_strdup(v);
		v = ld_get(g, "health_check_port", NULL);
		if (v && strcmp(v, "traffic-port") != 0 && !sc_parse_port(v, &tg->hc_port))
			ld_problem(l->ld, g, "health_check_port", "'%s' is not a port; expected traffic-port or a "
			             "whole number from 1 to 65535", v);
		tg->hc_interval = hc_seconds(l, g, "health_check_interval", 5, 300);
		tg->hc_timeout = hc_seconds(l, g, "health_check_timeout", 2, 120);
		tg->hc_healthy = hc_count(l, g, "healthy_threshold");
		tg->hc_unhealthy = hc_count(l, g, "unhealthy_threshold");
		hc_matcher(l, g, tg, 200, by_nlb ? 599 : 499);
	}
}
