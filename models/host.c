/* \summary: an EC2-like host: address check, filters, TCP stack, HTTP server, workloads; the [instance] group */
#include "host.h"
#include "kindlib.h"
#include "world.h"
#include "dns.h"

#include <string.h>

struct host {
	node base;
	uint32_t ip;
	tcp_stack *tcp;
	host_filter_fn f_out, f_in;
	void *f_ud;
	host_counters ctr;
	GPtrArray *servers;   /* http_server *, owned */
	GPtrArray *workloads; /* host_workload *, owned */
	GPtrArray *udp_flows; /* host_udp_flow *, owned */
	GHashTable *udp_ports; /* ports listened on */
	dns_stub *dns;         /* NULL: no resolver set */
	/* A failure in simulated time (host_set_failure). */
	gboolean down;
	host_fail_mode down_mode;
	sim_timer fail_ev, recover_ev;
};

#define UDP_FLOW_MAGIC 0x75647066u

struct host_udp_flow {
	uint32_t magic;       /* lets a receiver trust pkt->user */
	host *h;
	host_udp_config cfg;  /* dists owned, targets below */
	host_target *targets;
	char *name;
	rng rng;
	guint next_target;
	uint16_t sport, ip_id;
	uint64_t flow_id;
	sim_event_id tick_ev;
	gboolean own_latency;
	host_udp_result res;
};

static void udp_receive(host *h, pkt *p)
{
	if (!g_hash_table_contains(h->udp_ports, GUINT_TO_POINTER(pkt_dport(p)))) {
		h->ctr.not_tcp++;
		net_drop(h->base.net, &h->base, p, DROP_NO_PORT);
		return;
	}
	host_udp_flow *f = p->user;
	if (f && f->magic == UDP_FLOW_MAGIC) {
		f->res.received++;
		f->res.received_bytes += p->payload_len;
		hdr_record(f->res.latency, net_now(h->base.net) - p->birth);
	}
	pkt_free(p);
}

/* A named target of a workload: where its client asks for an address
 * (per connection) and the requests held while its name is resolved. */
typedef struct {
	host_workload *w;
	guint t;
	GQueue held;               /* held_req waiting for the answer */
	GQueue sent;               /* held_req handed to the client, not done (freed with it) */
} wl_name;

typedef struct {
	GList link;                /* in held, then in sent */
	wl_name *n;
	sim_time t_start;          /* the request's real start, before the lookup */
	uint64_t body_len;
	char *extra;
	http_done_fn done;         /* the request's own callback (workload or user) */
	void *ud;
} held_req;

struct host_workload {
	host *h;
	wl_name *names;            /* per target (used for those with a name) */
	host_workload_config cfg;  /* dists owned; strings and targets below */
	char *name, *method, *path;
	host_target *targets;
	http_client **clients;     /* one per target */
	rng rng;
	guint next_target;
	gboolean stopped;          /* no further request will start */
	uint64_t outstanding;
	sim_event_id tick_ev;
	GString *extra;            /* header lines, reused for every request */
	gboolean own_latency;      /* res.latency is ours, not the config's */
	host_workload_result res;
	struct wl_user *users;     /* closed loop: cfg.users of them */
	guint active_users;        /* closed loop: users that will send again */
};

/* A closed-loop user: one request at a time, then a think time. */
typedef struct wl_user {
	host_workload *w;
	sim_event_id ev;           /* the end of its think time */
	gboolean stopped;
} wl_user;

/* ---- packets ---- */

static void host_tx(void *owner, pkt *p)
{
	host *h = owner;
	net *nt = h->base.net;
	/* Down: a stopped instance sends nothing; a crashed server's kernel
	 * sends only the RSTs host_down_input() makes. */
	if (G_UNLIKELY(h->down) &&
	    !(h->down_mode == HOST_FAIL_RESET && pkt_proto(p) == PKT_PROTO_TCP &&
	      (pkt_tcp_flags(p) & PKT_TCP_RST))) {
		net_drop(nt, &h->base, p, DROP_HOST_DOWN);
		return;
	}
	if (h->f_out) {
		int v = h->f_out(h, p, h->f_ud);
		if (v != HOST_ALLOW) {
			g_return_if_fail(v >= 0 && v < DROP__COUNT);
			h->ctr.denied_out++;
			net_drop(nt, &h->base, p, (drop_reason)v);
			return;
		}
	}
	port *out = node_port(&h->base, 0);
	if (!out->link) {
		net_drop(nt, &h->base, p, DROP_NO_ROUTE);
		return;
	}
	h->ctr.tx_pkts++;
	h->ctr.tx_bytes += pkt_wire_len(p);
	link_send(out, p);
}

/* A packet for a host that is down.  Stopped: lost, as a stopped
 * instance's are.  Reset: what Linux does when the server process is
 * gone but the kernel runs: every TCP segment but a RST is answered with
 * a RST (RFC 9293 3.10.7.1, as for a closed port), so connections that
 * were open are reset and new ones refused; UDP finds no port. */
static void host_down_input(host *h, pkt *p)
{
	net *nt = h->base.net;
	if (h->down_mode == HOST_FAIL_STOP) {
		net_drop(nt, &h->base, p, DROP_HOST_DOWN);
		return;
	}
	if (pkt_proto(p) != PKT_PROTO_TCP) {
		net_drop(nt, &h->base, p, DROP_NO_PORT);
		return;
	}
	uint8_t fl = pkt_tcp_flags(p);
	if (!(fl & PKT_TCP_RST)) {
		pkt *r = net_pkt_new(nt, p->flow_id);
		pkt_build_rst_reply(r, p, 0);
		host_tx(h, r);
	}
	net_drop(nt, &h->base, p, DROP_NO_PORT);
}

static void host_receive(node *n, pkt *p, port *in)
{
	(void)in;
	host *h = (host *)n;
	if (pkt_ip_dst(p) != h->ip) {
		h->ctr.not_mine++;
		net_drop(n->net, n, p, DROP_NO_ROUTE);
		return;
	}
	if (h->f_in) {
		int v = h->f_in(h, p, h->f_ud);
		if (v != HOST_ALLOW) {
			g_return_if_fail(v >= 0 && v < DROP__COUNT);
			h->ctr.denied_in++;
			net_drop(n->net, n, p, (drop_reason)v);
			return;
		}
	}
	if (G_UNLIKELY(h->down)) {
		host_down_input(h, p);
		return;
	}
	if (pkt_proto(p) == PKT_PROTO_UDP) {
		if (h->dns && dns_stub_input(h->dns, p))
			return;
		udp_receive(h, p);
		return;
	}
	pkt_icmp_err e;
	if (pkt_icmp_error(p, &e)) {
		/* Path MTU Discovery (RFC 1191): the TCP of the quoted segment's
		 * connection takes the next hop's MTU. */
		h->ctr.icmp_errors++;
		if (e.code == PKT_ICMP_FRAG_NEEDED && e.proto == PKT_PROTO_TCP && e.src_ip == h->ip)
			tcp_stack_frag_needed(h->tcp, e.src_ip, e.sport, e.dst_ip, e.dport, e.seq, e.mtu);
		pkt_free(p);
		return;
	}
	if (pkt_proto(p) != PKT_PROTO_TCP) {
		h->ctr.not_tcp++;
		net_drop(n->net, n, p, DROP_NO_PORT);
		return;
	}
	tcp_stack_input(h->tcp, p);
}

static void workload_free(host_workload *w);
static void udp_flow_free(host_udp_flow *f);

static void host_destroy(node *n)
{
	host *h = (host *)n;
	sim_timer_cancel(n->net->sim, &h->fail_ev);
	sim_timer_cancel(n->net->sim, &h->recover_ev);
	g_ptr_array_unref(h->udp_flows);
	g_hash_table_unref(h->udp_ports);
	/* HTTP first: it detaches from the TCP connections the stack frees. */
	g_ptr_array_unref(h->workloads);
	g_ptr_array_unref(h->servers);
	dns_stub_free(h->dns);
	tcp_stack_free(h->tcp);
	node_clear(n);
	g_free(h);
}

static const node_ops host_ops = {
	.kind = "host",
	.receive = host_receive,
	.destroy = host_destroy,
};

host *host_new(net *nt, const char *name, const host_config *cfg)
{
	g_return_val_if_fail(nt != NULL && name != NULL && cfg != NULL, NULL);
	host *h = g_new0(host, 1);
	node_init(&h->base, &host_ops, nt, name);
	node_add_port(&h->base);
	h->ip = cfg->ip;
	tcp_config tc;
	if (cfg->tcp)
		tc = *cfg->tcp;
	else
		tcp_config_default(&tc);
	if (cfg->mtu)
		tc.mtu = cfg->mtu;
	h->tcp = tcp_stack_new(nt, name, &tc, host_tx, h);
	h->servers = g_ptr_array_new_with_free_func((GDestroyNotify)http_server_free);
	h->workloads = g_ptr_array_new_with_free_func((GDestroyNotify)workload_free);
	h->udp_flows = g_ptr_array_new_with_free_func((GDestroyNotify)udp_flow_free);
	h->udp_ports = g_hash_table_new(g_direct_hash, NULL);
	return h;
}

node *host_node(host *h) { return &h->base; }

static void host_fail_fire(sim *s, void *ctx, void *arg)
{
	(void)s;
	host *h = ctx;
	h->down = arg != NULL;
}

void host_set_failure(host *h, sim_time fail_at, sim_time recover_at, host_fail_mode mode)
{
	g_return_if_fail(h != NULL && fail_at >= 0 && recover_at > fail_at);
	sim *s = h->base.net->sim;
	h->down_mode = mode;
	/* The arg says which way: non-NULL goes down. */
	sim_timer_arm_at(s, &h->fail_ev, MAX(fail_at, sim_now(s)), host_fail_fire, h, h);
	if (recover_at < SIM_TIME_MAX)
		sim_timer_arm_at(s, &h->recover_ev, recover_at, host_fail_fire, h, NULL);
}

gboolean host_is_down(const host *h) { return h->down; }
uint32_t host_ip(const host *h) { return h->ip; }
tcp_stack *host_tcp(host *h) { return h->tcp; }
const host_counters *host_get_counters(const host *h) { return &h->ctr; }

void host_set_filters(host *h, host_filter_fn out, host_filter_fn in, void *ud)
{
	h->f_out = out;
	h->f_in = in;
	h->f_ud = ud;
}

void host_set_resolver(host *h, uint32_t resolver_ip, sim_time timeout, guint attempts)
{
	g_return_if_fail(h != NULL && h->dns == NULL);
	dns_stub_config c = { .timeout = timeout, .attempts = attempts };
	h->dns = dns_stub_new(h->base.net, h->base.name, h->ip, resolver_ip, &c, host_tx, h);
}

dns_stub *host_dns(host *h) { return h->dns; }

/* ---- HTTP server ---- */

http_server *host_serve_http(host *h, const host_http_server_config *cfg, GError **error)
{
	g_return_val_if_fail(h != NULL && cfg != NULL, NULL);
	char *name = g_strdup_printf("%s/http:%u", h->base.name, cfg->port);
	http_server_config sc = {
		.name = name,
		.port = cfg->port,
		.think = cfg->think,
		.response_size = cfg->response_size,
	};
	if (cfg->tls) {
		char *tname = g_strdup_printf("%s/tls", name);
		tls_config tc = { .name = tname, .server = TRUE, .cert_bytes = cfg->cert_bytes,
			          .cert_count = cfg->cert_count };
		sc.tls = tls_ctx_new(h->base.net, &tc);
		g_free(tname);
	}
	http_server *s = http_server_new(h->tcp, &sc, error);
	tls_ctx_unref(sc.tls);
	g_free(name);
	if (s)
		g_ptr_array_add(h->servers, s);
	return s;
}

/* ---- HTTP client workloads ---- */

static void user_done(const http_result *r, void *ud);

static void workload_maybe_finish(host_workload *w)
{
	if (!w->stopped || w->outstanding > 0)
		return;
	for (guint i = 0; i < w->cfg.n_targets; i++)
		http_client_close_idle(w->clients[i]);
}

/* The connection counters of the workload's clients, summed. */
static void pool_stats(host_workload *w)
{
	host_workload_result *res = &w->res;
	res->connections = 0;
	res->pool_waits = 0;
	for (guint i = 0; i < w->cfg.n_targets; i++) {
		res->connections += http_client_connections_opened(w->clients[i]);
		res->pool_waits += http_client_waited(w->clients[i]);
		res->peak_connections = MAX(res->peak_connections,
		                            http_client_peak_connections(w->clients[i]));
	}
}

/* Counts a finished request in the workload's result. */
static void workload_account(host_workload *w, const http_result *r)
{
	host_workload_result *res = &w->res;
	w->outstanding--;
	res->bytes_sent += r->t_sent >= 0 ? r->request_bytes : 0;
	res->bytes_received += r->response_bytes;
	if (r->fail == HTTP_OK) {
		sim_time lat = r->t_complete - r->t_start;
		res->completed++;
		if (r->status < 200 || r->status > 299)
			res->non_2xx++;
		hdr_record(res->latency, lat);
		stats_acc_add(&res->latency_acc, (double)lat);
		stats_acc_add(&res->ttfb_acc, (double)(r->t_first_byte - r->t_start));
	} else {
		res->failed[r->fail]++;
	}
	if (!r->reused && r->t_connected >= r->t_start)
		stats_acc_add(&res->connect_acc, (double)(r->t_connected - r->t_start));
	pool_stats(w);
}

static void workload_done(const http_result *r, void *ud)
{
	host_workload *w = ud;
	workload_account(w, r);
	workload_maybe_finish(w);
}

/* A request held while its target's name was resolved: its latency
 * counts from when it was started, lookup included (as a client's does). */
static void held_done(const http_result *r, void *ud)
{
	held_req *hr = ud;
	http_result c = *r;
	c.t_start = hr->t_start;
	http_done_fn done = hr->done;
	void *dud = hr->ud;
	g_queue_unlink(&hr->n->sent, &hr->link);
	g_free(hr->extra);
	g_free(hr);
	done(&c, dud);
}

static void workload_resolved(gboolean ok, void *ud)
{
	wl_name *n = ud;
	host_workload *w = n->w;
	GList *l;
	while ((l = g_queue_pop_head_link(&n->held))) {
		held_req *hr = l->data;
		if (ok) {
			http_request_spec spec = { .method = w->method, .path = w->path,
				                   .body_len = hr->body_len, .extra = hr->extra };
			g_queue_push_tail_link(&n->sent, &hr->link);
			http_client_request(w->clients[n->t], &spec, held_done, hr);
			continue;
		}
		http_result r = { .fail = HTTP_FAIL_NO_NAME, .t_start = hr->t_start, .t_connected = -1,
			          .t_sent = -1, .t_first_byte = -1,
			          .t_complete = sim_now(w->h->base.net->sim) };
		http_done_fn done = hr->done;
		void *dud = hr->ud;
		g_free(hr->extra);
		g_free(hr);
		done(&r, dud);
	}
}

/* The resolve step in front of a request: a target known by name is
 * looked up first (the stub asks once per TTL); the request waits for the
 * answer, then goes to the client, which picks an address per
 * connection. */
static void workload_resolve_send(host_workload *w, guint t, const http_request_spec *spec,
                                  http_done_fn done, void *ud)
{
	const char *name = w->targets[t].name;
	wl_name *n = &w->names[t];
	if (!name || !w->h->dns ||
	    (dns_stub_resolve(w->h->dns, name, workload_resolved, n) && !n->held.length)) {
		http_client_request(w->clients[t], spec, done, ud);
		return;
	}
	held_req *hr = g_new0(held_req, 1);
	hr->done = done;
	hr->ud = ud;
	hr->link.data = hr;
	hr->n = n;
	hr->t_start = sim_now(w->h->base.net->sim);
	hr->body_len = spec->body_len;
	hr->extra = g_strdup(spec->extra);
	g_queue_push_tail_link(&n->held, &hr->link);
}

/* The address of a new connection to a named target. */
static uint32_t workload_pick(void *ud)
{
	wl_name *n = ud;
	return dns_stub_pick(n->w->h->dns, n->w->targets[n->t].name);
}

static uint64_t sample_bytes(const dist *d, rng *r, sim *s)
{
	if (d->kind == UNIT_NONE)
		return 0;
	return dist_sample_bytes(d, r, s);
}

/* Starts one request to the next target (round robin). */
static void workload_send(host_workload *w, sim *s, http_done_fn done, void *ud)
{
	const host_workload_config *c = &w->cfg;
	guint t = w->next_target++ % c->n_targets;
	http_request_spec spec = {
		.method = w->method,
		.path = w->path,
		.body_len = sample_bytes(&c->request_size, &w->rng, s),
	};
	if (c->response_size.kind != UNIT_NONE) {
		http_header_set_u64(w->extra, HTTP_HDR_RESPONSE_BYTES,
		                    sample_bytes(&c->response_size, &w->rng, s));
		spec.extra = w->extra->str;
	}
	w->res.started++;
	w->outstanding++;
	workload_resolve_send(w, t, &spec, done, ud);
}

static void workload_tick(sim *s, void *ctx, void *arg)
{
	(void)arg;
	host_workload *w = ctx;
	w->tick_ev = 0;
	const host_workload_config *c = &w->cfg;
	sim_time now = sim_now(s);
	if ((c->stop_at && now >= c->stop_at) || (c->count && w->res.started >= c->count)) {
		w->stopped = TRUE;
		workload_maybe_finish(w);
		return;
	}
	workload_send(w, s, workload_done, w);
	if (c->count && w->res.started >= c->count) {
		w->stopped = TRUE;
		workload_maybe_finish(w);
		return;
	}
	w->tick_ev = sim_schedule(s, dist_sample_delay(&c->interval, &w->rng, s), workload_tick, w,
	                          NULL);
}

/* ---- closed loop ---- */

static void user_stop(wl_user *u)
{
	host_workload *w = u->w;
	u->stopped = TRUE;
	if (--w->active_users == 0) {
		w->stopped = TRUE;
		workload_maybe_finish(w);
	}
}

/* A user sends when its think time ends, unless the workload's time or
 * request count is up. */
static void user_tick(sim *s, void *ctx, void *arg)
{
	(void)arg;
	wl_user *u = ctx;
	host_workload *w = u->w;
	const host_workload_config *c = &w->cfg;
	u->ev = 0;
	if ((c->stop_at && sim_now(s) >= c->stop_at) || (c->count && w->res.started >= c->count)) {
		user_stop(u);
		return;
	}
	workload_send(w, s, user_done, u);
}

static void user_done(const http_result *r, void *ud)
{
	wl_user *u = ud;
	host_workload *w = u->w;
	const host_workload_config *c = &w->cfg;
	sim *s = w->h->base.net->sim;
	workload_account(w, r);
	/* A failed request is followed by a think time too, as a person
	 * retrying or a worker taking its next job would. */
	sim_time think = c->user_think.kind == UNIT_TIME
	                         ? dist_sample_delay(&c->user_think, &w->rng, s)
	                         : 0;
	sim_time at = sim_now(s) + think;
	if ((c->stop_at && at >= c->stop_at) || (c->count && w->res.started >= c->count))
		user_stop(u); /* calls workload_maybe_finish when it was the last */
	else
		u->ev = sim_schedule_at(s, at, user_tick, u, NULL);
}

/* Users start spread evenly at random over one mean think time (all at
 * start_at when there is none), so the first requests do not arrive as
 * one burst. */
static void users_start(host_workload *w, sim *s, sim_time at)
{
	const host_workload_config *c = &w->cfg;
	double z = c->user_think.kind == UNIT_TIME ? dist_mean(&c->user_think) : 0;
	if (!(z < (double)units_max(UNIT_TIME)))
		z = 0;
	w->users = g_new0(wl_user, c->users);
	w->active_users = c->users;
	for (guint k = 0; k < c->users; k++) {
		wl_user *u = &w->users[k];
		u->w = w;
		sim_time off = z > 0 ? (sim_time)(rng_uniform_open(&w->rng) * z) : 0;
		u->ev = sim_schedule_at(s, at + off, user_tick, u, NULL);
	}
}

host_workload *host_add_workload(host *h, const host_workload_config *cfg)
{
	g_return_val_if_fail(h != NULL && cfg != NULL && cfg->name != NULL, NULL);
	g_return_val_if_fail(cfg->n_targets > 0 && cfg->targets != NULL, NULL);
	g_return_val_if_fail(cfg->users > 0 || cfg->interval.kind == UNIT_TIME, NULL);
	host_workload *w = g_new0(host_workload, 1);
	w->h = h;
	w->cfg = *cfg;
	w->name = g_strdup(cfg->name);
	w->method = g_strdup(cfg->method ? cfg->method : "GET");
	w->path = g_strdup(cfg->path ? cfg->path : "/");
	w->cfg.name = w->name;
	w->cfg.method = w->method;
	w->cfg.path = w->path;
	w->targets = g_memdup2(cfg->targets, cfg->n_targets * sizeof *cfg->targets);
	w->cfg.targets = w->targets;
	w->names = g_new0(wl_name, cfg->n_targets);
	for (guint i = 0; i < cfg->n_targets; i++) {
		w->targets[i].name = g_strdup(cfg->targets[i].name);
		w->names[i].w = w;
		w->names[i].t = i;
		g_queue_init(&w->names[i].held);
		g_queue_init(&w->names[i].sent);
	}
	if (cfg->interval.kind != UNIT_NONE)
		dist_copy(&w->cfg.interval, &cfg->interval);
	if (cfg->request_size.kind != UNIT_NONE)
		dist_copy(&w->cfg.request_size, &cfg->request_size);
	if (cfg->response_size.kind != UNIT_NONE)
		dist_copy(&w->cfg.response_size, &cfg->response_size);
	if (cfg->user_think.kind != UNIT_NONE)
		dist_copy(&w->cfg.user_think, &cfg->user_think);
	char *stream = g_strdup_printf("%s/%s", h->base.name, cfg->name);
	net_rng(h->base.net, &w->rng, stream);
	g_free(stream);
	w->clients = g_new0(http_client *, cfg->n_targets);
	for (guint i = 0; i < cfg->n_targets; i++) {
		http_client_config cc = {
			.local_ip = h->ip,
			.ip = cfg->targets[i].ip,
			.port = cfg->targets[i].port,
			.keepalive = cfg->keepalive,
			.max_conns = cfg->max_conns,
		};
		if (w->targets[i].name && h->dns) {
			cc.host = w->targets[i].name;
			cc.resolve = workload_pick;
			cc.resolve_ud = &w->names[i];
		}
		if (cfg->tls) {
			/* One stream per client, as the workload's own. */
			char *tname = g_strdup_printf("%s/%s/tls-%u", h->base.name, cfg->name, i);
			tls_config tc = { .name = tname, .sni = cc.host };
			cc.tls = tls_ctx_new(h->base.net, &tc);
			g_free(tname);
		}
		w->clients[i] = http_client_new(h->tcp, &cc);
		tls_ctx_unref(cc.tls);
	}
	w->extra = g_string_new(NULL);
	w->own_latency = cfg->latency == NULL;
	w->res.latency = cfg->latency ? cfg->latency : hdr_new(8);
	w->cfg.latency = NULL;
	stats_acc_init(&w->res.latency_acc);
	stats_acc_init(&w->res.ttfb_acc);
	stats_acc_init(&w->res.connect_acc);
	sim *s = h->base.net->sim;
	sim_time at = cfg->start_at > sim_now(s) ? cfg->start_at : sim_now(s);
	if (cfg->users)
		users_start(w, s, at);
	else
		w->tick_ev = sim_schedule_at(s, at, workload_tick, w, NULL);
	g_ptr_array_add(h->workloads, w);
	return w;
}

static void workload_free(host_workload *w)
{
	if (w->tick_ev)
		sim_cancel(w->h->base.net->sim, w->tick_ev);
	for (guint k = 0; w->users && k < w->cfg.users; k++)
		if (w->users[k].ev)
			sim_cancel(w->h->base.net->sim, w->users[k].ev);
	g_free(w->users);
	for (guint i = 0; i < w->cfg.n_targets; i++) {
		http_client_free(w->clients[i]);
		GQueue *qs[] = { &w->names[i].held, &w->names[i].sent };
		for (guint k = 0; k < G_N_ELEMENTS(qs); k++) {
			GList *l;
			while ((l = g_queue_pop_head_link(qs[k]))) {
				held_req *hr = l->data;
				g_free(hr->extra);
				g_free(hr);
			}
		}
		g_free((char *)w->targets[i].name);
	}
	g_free(w->names);
	g_free(w->clients);
	if (w->cfg.interval.kind != UNIT_NONE)
		dist_clear(&w->cfg.interval);
	if (w->cfg.user_think.kind != UNIT_NONE)
		dist_clear(&w->cfg.user_think);
	if (w->cfg.request_size.kind != UNIT_NONE)
		dist_clear(&w->cfg.request_size);
	if (w->cfg.response_size.kind != UNIT_NONE)
		dist_clear(&w->cfg.response_size);
	if (w->own_latency)
		hdr_free(w->res.latency);
	g_string_free(w->extra, TRUE);
	g_free(w->targets);
	g_free(w->name);
	g_free(w->method);
	g_free(w->path);
	g_free(w);
}

const host_workload_result *host_workload_get_result(const host_workload *w)
{
	/* The clients' counters move without a request ending too (a
	 * connection opened for a request that never completes). */
	pool_stats((host_workload *)w);
	return &w->res;
}

gboolean host_workload_done(const host_workload *w) { return w->stopped && w->outstanding == 0; }

uint64_t host_workload_failed(const host_workload *w)
{
	uint64_t n = 0;
	for (int i = 0; i < HTTP_FAIL__COUNT; i++)
		n += w->res.failed[i];
	return n;
}

/* ---- UDP flows ---- */

static void udp_tick(sim *s, void *ctx, void *arg)
{
	(void)arg;
	host_udp_flow *f = ctx;
	f->tick_ev = 0;
	const host_udp_config *c = &f->cfg;
	sim_time now = sim_now(s);
	if ((c->stop_at && now >= c->stop_at) || (c->count && f->res.sent >= c->count)) {
		f->res.stopped = TRUE;
		return;
	}
	host *h = f->h;
	const host_target *t = &f->targets[f->next_target++ % c->n_targets];
	uint32_t max = PKT_IP_MAX - PKT_IP_LEN - PKT_UDP_LEN;
	uint64_t len = sample_bytes(&c->size, &f->rng, s);
	pkt *p = net_pkt_new(h->base.net, f->flow_id);
	pkt_addrs a = { .src_ip = h->ip, .dst_ip = t->ip, .sport = f->sport, .dport = t->port,
		        .ip_id = f->ip_id++, .df = TRUE };
	pkt_build_udp(p, &a, len > max ? max : (uint32_t)len);
	p->user = f;
	f->res.sent++;
	f->res.sent_bytes += p->payload_len;
	host_tx(h, p);
	f->tick_ev = sim_schedule(s, dist_sample_delay(&c->interval, &f->rng, s), udp_tick, f, NULL);
}

host_udp_flow *host_add_udp_flow(host *h, const host_udp_config *cfg)
{
	g_return_val_if_fail(h && cfg && cfg->name && cfg->n_targets > 0, NULL);
	host_udp_flow *f = g_new0(host_udp_flow, 1);
	f->magic = UDP_FLOW_MAGIC;
	f->h = h;
	f->cfg = *cfg;
	f->name = g_strdup(cfg->name);
	f->cfg.name = f->name;
	f->targets = g_memdup2(cfg->targets, cfg->n_targets * sizeof *cfg->targets);
	f->cfg.targets = f->targets;
	dist_copy(&f->cfg.interval, &cfg->interval);
	dist_copy(&f->cfg.size, &cfg->size);
	char *stream = g_strdup_printf("%s/%s/udp", h->base.name, cfg->name);
	net_rng(h->base.net, &f->rng, stream);
	g_free(stream);
	/* An ephemeral port from Linux's range, like the TCP stack's. */
	f->sport = (uint16_t)(32768 + rng_below(&f->rng, 60999 - 32768 + 1));
	f->flow_id = net_new_flow_id(h->base.net);
	f->own_latency = cfg->latency == NULL;
	f->res.latency = cfg->latency ? cfg->latency : hdr_new(8);
	f->cfg.latency = NULL;
	sim *s = h->base.net->sim;
	f->tick_ev = sim_schedule_at(s, MAX(cfg->start_at, sim_now(s)), udp_tick, f, NULL);
	g_ptr_array_add(h->udp_flows, f);
	return f;
}

static void udp_flow_free(host_udp_flow *f)
{
	if (f->tick_ev)
		sim_cancel(f->h->base.net->sim, f->tick_ev);
	dist_clear(&f->cfg.interval);
	dist_clear(&f->cfg.size);
	if (f->own_latency)
		hdr_free(f->res.latency);
	f->magic = 0;
	g_free(f->targets);
	g_free(f->name);
	g_free(f);
}

const host_udp_result *host_udp_flow_result(const host_udp_flow *f) { return &f->res; }

void host_listen_udp(host *h, uint16_t udp_port)
{
	g_hash_table_add(h->udp_ports, GUINT_TO_POINTER(udp_port));
}

/* ---- [instance] in scenario files: keys, loading, checks ---- */

static const ld_key instance_keys[] = {
	{ "subnet", TRUE, NAME_OF("subnet") },
	{ "ip", FALSE, "a private address inside the subnet, from its .4 to the one before "
	               "its broadcast address" },
	{ "public_ip", FALSE, "true or false" },
	{ "security_groups", FALSE, "comma-separated [security_group] names of the same VPC" },
	{ "fail_at", FALSE, "a time from the start of the run, such as 30s, when the instance goes "
	                    "down" },
	{ "recover_at", FALSE, "a time after fail_at when the instance is back up" },
	{ "fail_mode", FALSE, "stop (every packet lost) or reset (TCP answered with RST)" },
	{ NULL },
};

/* fail_at, recover_at, fail_mode: a target that fails mid-run. */
static void get_failure(sc_loader *l, const ld_group *g, sc_instance *in)
{
	static const char *const modes[] = { "stop", "reset", NULL };
	const char *keys[2] = { "fail_at", "recover_at" };
	sim_time *out[2] = { &in->fail_at, &in->recover_at };
	in->fail_at = 0;
	in->recover_at = SIM_TIME_MAX;
	in->fails = ld_has(g, "fail_at");
	for (int k = 0; k < 2; k++) {
		const char *v = ld_get(g, keys[k], NULL);
		GError *e = NULL;
		if (!v)
			continue;
		if (!units_parse_time(v, out[k], &e)) {
			ld_problem(l->ld, g, keys[k], "%s", e->message);
			g_error_free(e);
			*out[k] = k ? SIM_TIME_MAX : 0;
		} else if (*out[k] < 0) {
			ld_problem(l->ld, g, keys[k], "'%s' is negative; expected %s", v,
			           ld_key_find(instance_keys, keys[k])->what);
			*out[k] = k ? SIM_TIME_MAX : 0;
		}
	}
	if (ld_has(g, "recover_at") && !ld_has(g, "fail_at"))
		ld_problem(l->ld, g, "recover_at", "'%s' without fail_at; expected a fail_at key before a "
		                    "recover_at", ld_get(g, "recover_at", ""));
	else if (in->fails && in->recover_at != SIM_TIME_MAX && in->recover_at <= in->fail_at)
		ld_problem(l->ld, g, "recover_at", "'%s' is not after fail_at (%s); expected %s",
		           ld_get(g, "recover_at", ""), ld_get(g, "fail_at", ""),
		           ld_key_find(instance_keys, "recover_at")->what);
	if (ld_has(g, "fail_mode") && !ld_has(g, "fail_at"))
		ld_problem(l->ld, g, "fail_mode", "'%s' without fail_at; expected a fail_at key with it",
		           ld_get(g, "fail_mode", ""));
	in->fail_mode = ld_get_word(l->ld, g, "fail_mode", "stop", modes) == 1 ? SC_FAIL_RESET
	                                                                      : SC_FAIL_STOP;
}

static void build_instances(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_INSTANCE)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_INSTANCE)->pdata[i];
		sc_instance *in = SC_AT(sc->instances, sc_instance, i);
		in->name = g_strdup(g->name);
		in->subnet = ld_ref(l->ld, g, "subnet", GK_SUBNET);
		in->sgs = g_array_new(FALSE, FALSE, sizeof(int));
		const char *v = ld_get(g, "security_groups", "");
		if (v)
			ld_ref_list(l->ld, g, "security_groups", v, GK_SG, in->sgs, FALSE);
		get_failure(l, g, in);
		int vpc = sc_subnet_vpc(l, in->subnet);
		for (guint j = 0; j < in->sgs->len && vpc >= 0; j++) {
			sc_sg *s = SC_AT(sc->security_groups, sc_sg, g_array_index(in->sgs, int, j));
			if (s->vpc >= 0 && s->vpc != vpc)
				ld_problem(l->ld, g, "security_groups", "'%s' is a security group of %s, not of %s (the VPC "
				                           "of subnet %s); expected groups of the instance's "
				                           "VPC", s->name, sc_vpc_name(l, s->vpc),
				  sc_vpc_name(l, vpc), SC_AT(sc->subnets, sc_subnet, in->subnet)->name);
		}
	}
}

/* An explicit address is reserved first, so that automatic ones never take
 * it; a public address comes from the pool with the private one. */
static void instance_addresses(sc_loader *l, const ld_group *g, int i, int pass)
{
	sc_instance *in = SC_AT(l->sc->instances, sc_instance, i);
	if (pass == 0) {
		sc_reserve_ip(l, g, in->subnet, &in->ip);
		return;
	}
	sc_assign_ip(l, g, in->subnet, &in->ip);
	if (ld_get_bool(l->ld, g, "public_ip", FALSE))
		in->public_ip = sc_next_public(l, g);
}

static void instance_clear(void *elem)
{
	sc_unref(((sc_instance *)elem)->sgs);
}

/* Instances: a host each, linked to its VPC router's ENI port; a public
 * IPv4 address is billed by the hour. */
static void build_instances_world(world *w)
{
	fabric *f = world_fabric(w);
	const scenario *sc = f->sc;
	for (guint i = 0; i < sc->instances->len; i++) {
		const sc_instance *in = SC_AT(sc->instances, sc_instance, i);
		const sc_subnet *sn = SC_AT(sc->subnets, sc_subnet, in->subnet);
		tcp_config tc;
		tcp_config_default(&tc);
		tc.cc = (tcp_cc)f->prof->tcp.congestion_control;
		host_config hc = { .ip = in->ip, .mtu = world_instance_mtu(w, (int)i), .tcp = &tc };
		host *h = host_new(f->net, in->name, &hc);
		world_add_host(w, h, in->name, sn->vpc, in->sgs);
		if (in->fails)
			host_set_failure(h, in->fail_at, in->recover_at,
			                 in->fail_mode == SC_FAIL_RESET ? HOST_FAIL_RESET : HOST_FAIL_STOP);
		port *rp = vpc_router_add_port(world_router(w, sn->vpc), VPC_PORT_ENI, in->subnet, (int)i,
		                               in->ip, in->name);
		world_link(w, node_port(host_node(h), 0), rp, f->prof->bandwidth.instance);
		link_set_queue(node_port(host_node(h), 0)->link, node_port(host_node(h), 0), 0);
		if (in->public_ip)
			cost_ledger_add_hourly(f->ledger, in->name, "public-ipv4",
			                       f->sc->prices->public_ipv4.hourly_usd_per_address, 1);
	}
}

static const sc_build instance_build[] = { { 200, build_instances_world }, { 0, NULL } };

static const sc_step instance_steps[] = { { 190, build_instances }, { 0, NULL } };
static const char *const instance_nodes[] = { "", NULL };
const sc_kind sc_kind_instance = {
	.group = { "instance", instance_keys },
	.size = sizeof(sc_instance),
	.steps = instance_steps,
	.addresses = instance_addresses,
	.clear = instance_clear,
	.nodes = instance_nodes,
	.node_rank = 0,
	.build = instance_build,
};
