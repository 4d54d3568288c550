/* \summary: Application Load Balancer: TCP termination, rules, X-Forwarded-*, target pools, LCUs */
#include "alb.h"

#include <string.h>

#include "http.h"
#include "lbhealth.h"
#include "pcapw.h"
#include "units.h"

typedef struct alb alb;

/* One load balancer node: an ENI in one subnet. */
typedef struct {
	alb *a;
	guint index;          /* = port index */
	uint32_t ip;
	sg_eni *sg;
	http_client **pool;   /* per slot (target group, target); created on first use */
	guint *next;          /* per target group: where round robin goes next */
} alb_eni;

/* A listener's rules, compiled once for all nodes. */
typedef struct {
	const sc_listener *li;
	GPatternSpec **specs; /* per rule */
} alb_listener;

/* One listener on one node: an HTTP server on node_ip:port. */
typedef struct {
	alb_eni *eni;
	const alb_listener *l;
	http_server *srv;
} alb_front;

/* A request between the client's head and the target's response. */
typedef struct {
	GList link;           /* in alb.live or alb.spare */
	alb_eni *eni;
	http_exchange *x;
	GString *head;        /* the head to forward (the string stays with the request, reused) */
	uint64_t body_len;
	int tg;
	const sc_lb_rule *rule; /* the listener rule that chose tg, NULL for the default action */
	sim_event_id ev;      /* the processing delay */
} alb_req;

struct alb {
	node base;
	fabric *f;
	const sc_lb *lb;
	sim_time idle_timeout;
	uint32_t client_mtu;
	rng trace_rng;        /* trace ids */
	rng proc_rng;         /* processing delays */
	tcp_stack *tcp;
	GPtrArray *enis;      /* alb_eni *, by port */
	alb_listener *listeners;
	guint n_listeners;
	GPtrArray *fronts;    /* alb_front * */
	guint *tg_off;        /* per scenario target group: first slot; [n_tgs] = slots */
	uint64_t *slot_requests; /* per slot, over all nodes */
	uint64_t free_rules;  /* free rule evaluations per request */
	GQueue live, spare;   /* alb_req */
	GString *path, *host, *hdr, *xff, *trace; /* scratch, grown once */
	sim_time active_changed;
	double active_ns;     /* integral of active client connections up to active_changed */
	lbhealth *health;     /* health checks of the targets (lbhealth.h) */
	alb_counters ctr;
};

/* ---- packets ---- */

static void alb_tx(void *owner, pkt *p)
{
	alb *a = owner;
	uint32_t src = pkt_ip_src(p);
	alb_eni *e = NULL;
	/* A handful of nodes (one per AZ): a scan beats a hash. */
	for (guint i = 0; i < a->enis->len && !e; i++) {
		alb_eni *c = g_ptr_array_index(a->enis, i);
		if (c->ip == src)
			e = c;
	}
	if (!e) {
		net_drop(a->base.net, &a->base, p, DROP_NO_ROUTE);
		return;
	}
	const char *denied;
	if (!sg_allow_out(e->sg, p, &denied)) {
		net_drop_detail(a->base.net, &a->base, p, DROP_SG, denied);
		return;
	}
	/* Front-end segments leave from a listener port; everything else is
	 * the ALB's own connection to a target. */
	gboolean front = FALSE;
	for (guint i = 0; i < a->n_listeners && !front; i++)
		front = a->listeners[i].li->port == pkt_sport(p);
	if (!front)
		p->flags |= PKT_F_LB_BACKEND;
	port *out = node_port(&a->base, e->index);
	if (!out->link) {
		net_drop(a->base.net, &a->base, p, DROP_NO_ROUTE);
		return;
	}
	link_send(out, p);
}

static gboolean alb_listens(const alb *a, uint16_t lport)
{
	for (guint i = 0; i < a->lb->listeners->len; i++)
		if (SC_AT(a->lb->listeners, sc_listener, i)->port == lport)
			return TRUE;
	return FALSE;
}

static void alb_receive(node *n, pkt *p, port *in)
{
	alb *a = (alb *)n;
	alb_eni *e = g_ptr_array_index(a->enis, in->index);
	if (pkt_ip_dst(p) != e->ip) {
		net_drop(n->net, n, p, DROP_NO_ADDRESS);
		return;
	}
	const char *denied;
	if (!sg_allow_in(e->sg, p, &denied)) {
		net_drop_detail(n->net, n, p, DROP_SG, denied);
		return;
	}
	NET_TRACE(n->net, n, p, NET_TRACE_DECIDE, "security group, inbound: %s", sg_last_rule(e->sg));
	if (pkt_proto(p) != PKT_PROTO_TCP) {
		net_drop(n->net, n, p, DROP_NO_PORT);
		return;
	}
	/* A SYN to a port no listener serves is not answered: a load balancer
	 * node accepts connections on its listeners' ports only, so a scan of
	 * other ports times out rather than meeting a RST. */
	if ((pkt_tcp_flags(p) & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN && !alb_listens(a, pkt_dport(p))) {
		char detail[24];
		g_snprintf(detail, sizeof detail, "tcp port %u", pkt_dport(p));
		net_drop_detail(n->net, n, p, DROP_NO_LISTENER, detail);
		return;
	}
	tcp_stack_input(a->tcp, p);
}

/* ---- client connections, for the LCU's connection dimensions ---- */

static void active_advance(alb *a)
{
	sim_time now = net_now(a->base.net);
	a->active_ns += (double)a->ctr.active_connections * (double)(now - a->active_changed);
	a->active_changed = now;
}

static void alb_conn_hook(http_server *s, gboolean opened, void *ud)
{
	(void)s;
	alb *a = ud;
	active_advance(a);
	if (opened) {
		a->ctr.new_connections++;
		a->ctr.active_connections++;
		a->ctr.peak_active_connections =
		        MAX(a->ctr.peak_active_connections, a->ctr.active_connections);
	} else if (a->ctr.active_connections > 0) {
		a->ctr.active_connections--;
	}
}

/* ---- rules and targets ---- */

/* The rule's target group, counting the rules evaluated. */
static int route(alb *a, const alb_listener *l, http_exchange *x, const sc_lb_rule **matched)
{
	*matched = NULL;
	const sc_listener *li = l->li;
	const char *host = NULL;
	size_t hlen = 0;
	gboolean have_path = FALSE, have_host = FALSE;
	uint64_t evals = 0;
	int tg = li->default_tg;
	for (guint i = 0; li->rules && i < li->rules->len; i++) {
		const sc_lb_rule *r = SC_AT(li->rules, sc_lb_rule, i);
		evals++;
		gboolean hit;
		if (r->kind == SC_RULE_PATH) {
			if (!have_path) {
				/* The path condition sees the path without its query. */
				const char *p = http_exchange_path(x);
				g_string_truncate(a->path, 0);
				g_string_append_len(a->path, p, (gssize)strcspn(p, "?"));
				have_path = TRUE;
			}
			hit = g_pattern_spec_match_string(l->specs[i], a->path->str);
		} else {
			if (!have_host) {
				/* Host conditions ignore case and the port. */
				host = http_exchange_header(x, "Host", &hlen);
				g_string_truncate(a->host, 0);
				if (host) {
					const char *colon = memchr(host, ':', hlen);
					g_string_append_len(a->host, host,
					                    (gssize)(colon ? (size_t)(colon - host) : hlen));
				}
				g_string_ascii_down(a->host);
				have_host = TRUE;
			}
			hit = g_pattern_spec_match_string(l->specs[i], a->host->str);
		}
		if (hit) {
			tg = r->target_group;
			*matched = r;
			break;
		}
	}
	a->ctr.rule_evaluations += evals;
	if (evals > a->free_rules)
		a->ctr.billed_rule_evaluations += evals - a->free_rules;
	return tg;
}

/* A TLS context for a listener (server) or a target group's connections
 * (client: ALB sends no server_name to targets, which it reaches by
 * address).  The caller drops its reference once the HTTP side took one. */
static tls_ctx *alb_tls_ctx(alb *a, uint32_t ip, gboolean server, const char *what)
{
	char buf[16];
	char *name = g_strdup_printf("%s/%s/%s/tls", a->lb->name, pkt_ip_str(ip, buf), what);
	const profile *pr = a->f->prof;
	tls_config tc = { .name = name, .server = server,
		          .cert_bytes = (uint32_t)(a->lb->certificate_bytes ? a->lb->certificate_bytes
		                                                             : pr->tls.certificate_bytes),
		          .cert_count = pr->tls.certificate_count };
	tc.cert_count = MIN(tc.cert_count, tc.cert_bytes);
	tls_ctx *x = tls_ctx_new(a->base.net, &tc);
	g_free(name);
	return x;
}

static http_client *pool_client(alb_eni *e, int tg, guint k)
{
	alb *a = e->a;
	guint slot = a->tg_off[tg] + k;
	if (!e->pool[slot]) {
		const sc_target_group *g = SC_AT(a->f->sc->target_groups, sc_target_group, tg);
		int inst = g_array_index(g->targets, int, k);
		http_client_config cc = {
			.local_ip = e->ip,
			.ip = SC_AT(a->f->sc->instances, sc_instance, inst)->ip,
			.port = g->port,
			.keepalive = TRUE,
			.max_conns = 0, /* a request never waits for a busy connection */
			.mtu = a->f->prof->mtu.vpc,
			.idle_timeout = a->idle_timeout,
			/* 504s: no handshake within AWS's 10 s, or no answer
			 * within the idle timeout. */
			.connect_timeout = a->f->prof->health_check.alb_target_connect_timeout,
			.response_timeout = a->idle_timeout,
		};
		cc.tls = g->tls ? alb_tls_ctx(a, e->ip, FALSE, g->name) : NULL;
		e->pool[slot] = http_client_new(a->tcp, &cc);
		tls_ctx_unref(cc.tls);
	}
	return e->pool[slot];
}

/* Round robin, or the fewest requests outstanding from this node with
 * ties broken in round-robin order, over the targets this node sees
 * healthy; over all of them when it sees none healthy (AWS fails open:
 * "If no Availability Zone contains a healthy target, the load balancer
 * nodes route requests to all targets"). */
static guint pick_target(alb_eni *e, int tg, guint n)
{
	alb *a = e->a;
	guint start = e->next[tg] % n, best = start;
	gboolean open = TRUE; /* fail open: no healthy target */
	for (guint j = 0; j < n && open; j++)
		open = !lbhealth_healthy(a->health, tg, j, e->index);
	if (!open) {
		while (!lbhealth_healthy(a->health, tg, best, e->index))
			best = (best + 1) % n;
		start = best;
	} else {
		a->ctr.fail_open++;
	}
	if (a->lb->algorithm == SC_LB_LEAST_OUTSTANDING) {
		guint bestv = G_MAXUINT;
		for (guint j = 0; j < n; j++) {
			guint k = (start + j) % n;
			if (!open && !lbhealth_healthy(a->health, tg, k, e->index))
				continue;
			http_client *cl = e->pool[a->tg_off[tg] + k];
			guint v = cl ? http_client_outstanding(cl) : 0;
			if (v < bestv) {
				bestv = v;
				best = k;
			}
		}
	}
	e->next[tg] = best + 1;
	return best;
}

/* ---- forwarding ---- */

/* Which of the lines forward_head takes out a header line [l, l + ll) is:
 * a name the first colon ends (names have none, so a line is one when its
 * byte k is a colon and the k bytes before spell it, ASCII case ignored). */
typedef enum { HOP_KEEP, HOP_XFF, HOP_TRACE, HOP_DROP } hop_line;

static hop_line hop_kind(const char *l, size_t ll)
{
	if (ll > 10 && l[10] == ':' &&
	    (http_name_is(l, "Connection", 10) || http_name_is(l, "Keep-Alive", 10)))
		return HOP_DROP;
	if (ll > 15 && l[15] == ':') {
		if (http_name_is(l, "X-Forwarded-For", 15))
			return HOP_XFF;
		if (http_name_is(l, "X-Amzn-Trace-Id", 15))
			return HOP_TRACE;
	}
	if (ll > 16 && l[16] == ':' && http_name_is(l, "X-Forwarded-Port", 16))
		return HOP_DROP;
	if (ll > 17 && l[17] == ':' && http_name_is(l, "X-Forwarded-Proto", 17))
		return HOP_DROP;
	return HOP_KEEP;
}

/* The head to send to the target: the client's, hop-by-hop and
 * X-Forwarded-* / X-Amzn-Trace-Id lines taken out, ours added before the
 * blank line.  Written once into fwd: the lines kept are copied a run of
 * them at a time (usually the whole head in one), on the line ends the
 * server found. */
static void forward_head(alb *a, const alb_front *fr, http_exchange *x, GString *fwd)
{
	const char *h = http_exchange_head(x, NULL);
	http_lines w;
	http_exchange_lines(x, &w);
	a->xff->len = 0;
	a->xff->str[0] = '\0';
	a->trace->len = 0;
	a->trace->str[0] = '\0';
	fwd->len = 0;
	fwd->str[0] = '\0';
	g_return_if_fail(w.l != NULL); /* the server parsed it: it has a start line */
	/* Kept bytes not copied yet: [run, l). */
	GString *keep = a->hdr;
	keep->len = 0;
	const char *run = h, *l, *stop, *next;
	while (http_lines_next(&w, &l, &stop, &next)) {
		hop_line k = hop_kind(l, (size_t)(stop - l));
		if (k == HOP_KEEP)
			continue;
		http_str_put(keep, run, (size_t)(l - run));
		run = next;
		if (k == HOP_DROP)
			continue;
		const char *v = l + 16; /* both names are 15 bytes, then the colon */
		while (v < stop && (*v == ' ' || *v == '\t'))
			v++;
		if (k == HOP_XFF) {
			if (a->xff->len)
				http_str_put(a->xff, ", ", 2);
			http_str_put(a->xff, v, (size_t)(stop - v));
		} else {
			http_str_put(a->trace, v, (size_t)(stop - v));
		}
	}
	/* w.l: the blank line (or the end of the head). */
	const char *kept = run == h ? h : NULL;
	size_t kept_len = (size_t)(w.l - run);
	if (!kept) {
		http_str_put(keep, run, kept_len);
		kept = keep->str;
		kept_len = keep->len;
	}

	char cip[16];
	pkt_ip_str(http_exchange_client_ip(x), cip);
	uint64_t r1 = rng_next(&a->trace_rng);
	uint32_t r2 = (uint32_t)(rng_next(&a->trace_rng) >> 32);
	uint32_t epoch = (uint32_t)(PCAPW_EPOCH_S + net_now(a->base.net) / SIM_S);
	/* Formatted by hand: printf here was 3.6% of alb-privatelink x100's
	 * time (perf).  "1-%08x-%016llx%08x", every field at its full width. */
	char id[1 + 1 + 8 + 1 + 16 + 8];
	id[0] = '1';
	id[1] = id[10] = '-';
	units_put_hex(id + 2, epoch, 8);
	units_put_hex(id + 11, r1, 16);
	units_put_hex(id + 27, r2, 8);
	/* A trace that already has a Root keeps it; the ALB adds itself. */
	gboolean has_root = a->trace->len && strstr(a->trace->str, "Root=") != NULL;
	static const char https[] = "\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Port: ";
	static const char http[] = "\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: ";
	/* The kept lines, then ours: at most the fixed text (about 150 bytes),
	 * the client's X-Forwarded-For and trace and the address. */
	size_t most = kept_len + a->xff->len + a->trace->len + 256;
	if (most >= fwd->allocated_len)
		g_string_set_size(fwd, most);
	char *d = http_put(fwd->str, kept, kept_len);
	d = HTTP_PUT_LIT(d, "X-Forwarded-For: ");
	if (a->xff->len) {
		d = http_put(d, a->xff->str, a->xff->len);
		d = HTTP_PUT_LIT(d, ", ");
	}
	d = http_put(d, cip, strlen(cip));
	d = fr->l->li->tls ? HTTP_PUT_LIT(d, https) : HTTP_PUT_LIT(d, http);
	d = units_put_u64(d, fr->l->li->port);
	d = HTTP_PUT_LIT(d, "\r\nX-Amzn-Trace-Id: ");
	d = has_root ? HTTP_PUT_LIT(d, "Self=") : HTTP_PUT_LIT(d, "Root=");
	d = http_put(d, id, sizeof id);
	if (has_root) {
		*d++ = ';';
		d = http_put(d, a->trace->str, a->trace->len);
	}
	d = HTTP_PUT_LIT(d, "\r\n\r\n");
	fwd->len = (gsize)(d - fwd->str);
	*d = '\0';
}

static void req_put(alb *a, alb_req *q)
{
	q->x = NULL;
	g_queue_unlink(&a->live, &q->link);
	g_queue_push_head_link(&a->spare, &q->link);
}

static void backend_done(const http_result *r, void *ud)
{
	alb_req *q = ud;
	alb *a = q->eni->a;
	if (r->fail == HTTP_OK) {
		/* The body as received, whether Content-Length or the end of
		 * the connection framed it. */
		http_respond(q->x, r->status, r->response_bytes - r->head_len, NULL);
		if (r->status >= 500 && r->status <= 599)
			a->ctr.target_5xx++;
	} else {
		/* 504: no connection within the connect timeout or no answer
		 * within the idle timeout; 502: refused, reset, closed early or
		 * a malformed response (AWS's troubleshooting page). */
		a->ctr.backend_failures++;
		gboolean timeout = r->fail == HTTP_FAIL_TIMEOUT;
		if (timeout)
			a->ctr.elb_504++;
		else
			a->ctr.elb_502++;
		http_respond(q->x, timeout ? 504 : 502, 0, NULL);
	}
	req_put(a, q);
}

static void forward(alb_req *q)
{
	alb_eni *e = q->eni;
	alb *a = e->a;
	const sc_target_group *g = SC_AT(a->f->sc->target_groups, sc_target_group, q->tg);
	/* Chosen after the processing delay, so least-outstanding sees the
	 * requests forwarded meanwhile. */
	guint k = pick_target(e, q->tg, g->targets->len);
	http_client *cl = pool_client(e, q->tg, k);
	if (G_UNLIKELY(a->base.net->tracer)) {
		char ip[16];
		const sc_instance *t = SC_AT(a->f->sc->instances, sc_instance, g_array_index(g->targets, int, k));
		NET_TRACE(a->base.net, &a->base, NULL, NET_TRACE_DECIDE,
		          "ALB: %s%s%s -> target group %s, target %s (%s); forwarded on its own connection from %s "
		          "with X-Forwarded-For",
		          q->rule ? "rule '" : "the listener's default action", q->rule ? q->rule->text : "",
		          q->rule ? "'" : "", g->name, t->name,
		          a->lb->algorithm == SC_LB_LEAST_OUTSTANDING
		                  ? "least outstanding requests" : "round robin",
		          pkt_ip_str(e->ip, ip));
	}
	a->ctr.forwarded++;
	a->slot_requests[a->tg_off[q->tg] + k]++;
	http_request_spec spec = { .head_bytes = q->head->str, .head_len = q->head->len,
		                   .body_len = q->body_len };
	http_client_request(cl, &spec, backend_done, q);
}

static void forward_ev(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	alb_req *q = ctx;
	q->ev = 0;
	forward(q);
}

static void alb_handler(http_exchange *x, void *ud)
{
	alb_front *fr = ud;
	alb_eni *e = fr->eni;
	alb *a = e->a;
	a->ctr.requests++;
	const sc_lb_rule *rule;
	int tg = route(a, fr->l, x, &rule);
	const sc_target_group *g = SC_AT(a->f->sc->target_groups, sc_target_group, tg);
	if (g->targets->len == 0) {
		/* AWS's 503: "The target groups for the load balancer have no
		 * registered targets" (all unhealthy fails open instead). */
		a->ctr.no_target++;
		a->ctr.elb_503++;
		http_respond(x, 503, 0, NULL);
		return;
	}
	GList *sl = g_queue_pop_head_link(&a->spare);
	alb_req *q = sl ? sl->data : g_new0(alb_req, 1);
	if (!q->head)
		q->head = g_string_sized_new(512);
	q->link.data = q;
	q->eni = e;
	q->x = x;
	q->tg = tg;
	q->rule = rule;
	q->body_len = http_exchange_body_len(x);
	forward_head(a, fr, x, q->head);
	q->ev = 0;
	g_queue_push_tail_link(&a->live, &q->link);
	sim_time d = dist_sample_ns(&a->f->prof->processing.alb, &a->proc_rng);
	if (d > 0)
		q->ev = sim_schedule(a->base.net->sim, d, forward_ev, q, NULL);
	else
		forward(q);
}

/* ---- the node ---- */

static void alb_destroy(node *n)
{
	alb *a = (alb *)n;
	sim *s = n->net->sim;
	/* HTTP first: it detaches from the connections the stack frees. */
	for (guint i = 0; i < a->fronts->len; i++) {
		alb_front *fr = g_ptr_array_index(a->fronts, i);
		http_server_free(fr->srv);
		g_free(fr);
	}
	g_ptr_array_unref(a->fronts);
	guint slots = a->tg_off[a->f->sc->target_groups->len];
	for (guint i = 0; i < a->enis->len; i++) {
		alb_eni *e = g_ptr_array_index(a->enis, i);
		for (guint k = 0; k < slots; k++)
			http_client_free(e->pool[k]);
		g_free(e->pool);
		g_free(e->next);
		sg_eni_free(e->sg);
		g_free(e);
	}
	g_ptr_array_unref(a->enis);
	lbhealth_free(a->health);
	GList *l;
	while ((l = g_queue_pop_head_link(&a->live))) {
		alb_req *q = l->data;
		if (q->ev)
			sim_cancel(s, q->ev);
		g_string_free(q->head, TRUE);
		g_free(q);
	}
	while ((l = g_queue_pop_head_link(&a->spare))) {
		alb_req *q = l->data;
		g_string_free(q->head, TRUE);
		g_free(q);
	}
	tcp_stack_free(a->tcp);
	for (guint i = 0; i < a->n_listeners; i++) {
		const sc_listener *li = a->listeners[i].li;
		for (guint k = 0; li->rules && k < li->rules->len; k++)
			g_pattern_spec_free(a->listeners[i].specs[k]);
		g_free(a->listeners[i].specs);
	}
	g_free(a->listeners);
	g_free(a->tg_off);
	g_free(a->slot_requests);
	g_string_free(a->path, TRUE);
	g_string_free(a->host, TRUE);
	g_string_free(a->hdr, TRUE);
	g_string_free(a->xff, TRUE);
	g_string_free(a->trace, TRUE);
	node_clear(n);
	g_free(a);
}

static const node_ops alb_ops = {
	.kind = "alb",
	.receive = alb_receive,
	.destroy = alb_destroy,
};

node *alb_new(fabric *f, int lb_index, sg_world *sgw)
{
	g_return_val_if_fail(f != NULL && sgw != NULL, NULL);
	const scenario *sc = f->sc;
	g_return_val_if_fail(lb_index >= 0 && (guint)lb_index < sc->load_balancers->len, NULL);
	const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, lb_index);
	g_return_val_if_fail(lb->type == SC_LB_APPLICATION, NULL);
	g_return_val_if_fail(lb->subnets && lb->node_ips && lb->subnets->len == lb->node_ips->len,
	                     NULL);
	const prices *pr = sc->prices;
	alb *a = g_new0(alb, 1);
	node_init(&a->base, &alb_ops, f->net, lb->name);
	a->f = f;
	a->lb = lb;
	a->idle_timeout = lb->idle_timeout > 0 ? lb->idle_timeout : f->prof->limits.alb_idle_timeout;
	a->client_mtu = lb->internet_facing ? f->prof->mtu.igw : f->prof->mtu.vpc;
	a->free_rules = (uint64_t)pr->alb.lcu_free_rules_per_request;
	/* Two streams, so a change of processing distribution leaves the
	 * trace ids as they were. */
	char *stream = g_strdup_printf("%s/trace-id", lb->name);
	net_rng(f->net, &a->trace_rng, stream);
	g_free(stream);
	stream = g_strdup_printf("%s/processing", lb->name);
	net_rng(f->net, &a->proc_rng, stream);
	g_free(stream);
	tcp_config tc;
	tcp_config_default(&tc);
	tc.mtu = f->prof->mtu.vpc;
	tc.cc = (tcp_cc)f->prof->tcp.congestion_control;
	a->tcp = tcp_stack_new(f->net, lb->name, &tc, alb_tx, a);
	a->path = g_string_sized_new(256);
	a->host = g_string_sized_new(64);
	a->hdr = g_string_sized_new(1024);
	a->xff = g_string_sized_new(64);
	a->trace = g_string_sized_new(128);
	g_queue_init(&a->live);
	g_queue_init(&a->spare);

	guint n_tgs = sc->target_groups->len;
	a->tg_off = g_new0(guint, n_tgs + 1);
	for (guint t = 0; t < n_tgs; t++)
		a->tg_off[t + 1] =
		        a->tg_off[t] + SC_AT(sc->target_groups, sc_target_group, t)->targets->len;
	a->slot_requests = g_new0(uint64_t, a->tg_off[n_tgs] + 1);

	a->n_listeners = lb->listeners ? lb->listeners->len : 0;
	a->listeners = g_new0(alb_listener, a->n_listeners + 1);
	for (guint i = 0; i < a->n_listeners; i++) {
		const sc_listener *li = SC_AT(lb->listeners, sc_listener, i);
		guint nr = li->rules ? li->rules->len : 0;
		a->listeners[i].li = li;
		a->listeners[i].specs = g_new0(GPatternSpec *, nr + 1);
		for (guint k = 0; k < nr; k++) {
			const sc_lb_rule *r = SC_AT(li->rules, sc_lb_rule, k);
			/* Host names compare case-insensitively. */
			char *pat = r->kind == SC_RULE_HOST ? g_ascii_strdown(r->pattern, -1)
			                                    : g_strdup(r->pattern);
			a->listeners[i].specs[k] = g_pattern_spec_new(pat);
			g_free(pat);
		}
	}

	a->enis = g_ptr_array_new();
	a->fronts = g_ptr_array_new();
	for (guint i = 0; i < lb->subnets->len; i++) {
		node_add_port(&a->base);
		alb_eni *e = g_new0(alb_eni, 1);
		e->a = a;
		e->index = i;
		e->ip = g_array_index(lb->node_ips, uint32_t, i);
		e->sg = sg_eni_new(sgw, lb->sgs);
		for (guint k = 0; lb->sgs && k < lb->sgs->len; k++)
			sg_world_add_member(sgw, g_array_index(lb->sgs, int, k), e->ip);
		e->pool = g_new0(http_client *, a->tg_off[n_tgs] + 1);
		e->next = g_new0(guint, n_tgs + 1);
		g_ptr_array_add(a->enis, e);
		for (guint l = 0; l < a->n_listeners; l++) {
			const sc_listener *li = a->listeners[l].li;
			if (!li->http)
				continue; /* an ALB has HTTP listeners only; the loader checks */
			alb_front *fr = g_new0(alb_front, 1);
			fr->eni = e;
			fr->l = &a->listeners[l];
			char ip[16];
			char *name = g_strdup_printf("%s/%s:%u", lb->name, pkt_ip_str(e->ip, ip), li->port);
			http_server_config hc = {
				.name = name,
				.ip = e->ip,
				.port = li->port,
				.mtu = a->client_mtu,
				.idle_timeout = a->idle_timeout,
			};
			char lport[8];
			g_snprintf(lport, sizeof lport, "%u", li->port);
			hc.tls = li->tls ? alb_tls_ctx(a, e->ip, TRUE, lport) : NULL;
			GError *err = NULL;
			fr->srv = http_server_new(a->tcp, &hc, &err);
			tls_ctx_unref(hc.tls);
			g_free(name);
			if (!fr->srv) {
				/* Two listeners on one port: the loader refuses that. */
				g_critical("%s", err->message);
				g_error_free(err);
				g_free(fr);
				continue;
			}
			http_server_set_handler(fr->srv, alb_handler, fr);
			http_server_set_conn_hook(fr->srv, alb_conn_hook, a);
			g_ptr_array_add(a->fronts, fr);
		}
	}

	cost_ledger_add_hourly(f->ledger, lb->name, "hourly", pr->alb.hourly_usd, 1);
	if (lb->internet_facing)
		cost_ledger_add_hourly(f->ledger, lb->name, "public-ipv4",
		                       pr->public_ipv4.hourly_usd_per_address, lb->subnets->len);
	return &a->base;
}

/* ---- measurements ---- */

const alb_counters *alb_get_counters(node *n)
{
	g_return_val_if_fail(n != NULL && n->ops == &alb_ops, NULL);
	alb *a = (alb *)n;
	alb_counters *c = &a->ctr;
	active_advance(a);
	c->active_connection_seconds = a->active_ns / (double)SIM_S;
	c->client_bytes_in = c->client_bytes_out = c->idle_closed = 0;
	for (guint i = 0; i < a->fronts->len; i++) {
		const http_server_stats *st =
		        http_server_get_stats(((alb_front *)g_ptr_array_index(a->fronts, i))->srv);
		c->client_bytes_in += st->request_bytes;
		c->client_bytes_out += st->response_bytes;
		c->idle_closed += st->idle_closed;
	}
	c->processed_bytes = c->client_bytes_in + c->client_bytes_out;
	c->backend_connections = c->backend_idle_closed = 0;
	guint slots = a->tg_off[a->f->sc->target_groups->len];
	for (guint i = 0; i < a->enis->len; i++) {
		alb_eni *e = g_ptr_array_index(a->enis, i);
		for (guint k = 0; k < slots; k++) {
			if (!e->pool[k])
				continue;
			c->backend_connections += http_client_connections_opened(e->pool[k]);
			c->backend_idle_closed += http_client_idle_closed(e->pool[k]);
		}
	}
	return c;
}

void alb_start_health_checks(node *n)
{
	g_return_if_fail(n != NULL && n->ops == &alb_ops);
	alb *a = (alb *)n;
	if (a->health)
		return;
	lbhealth_config hcfg = { .lb_name = a->lb->name, .tcp = a->tcp,
		                 .node_ips = (const uint32_t *)(void *)a->lb->node_ips->data,
		                 .n_nodes = a->lb->node_ips->len, .mtu = a->f->prof->mtu.vpc };
	a->health = lbhealth_new(a->f, a->lb, &hcfg);
}

const lbhealth *alb_health(node *n)
{
	g_return_val_if_fail(n != NULL && n->ops == &alb_ops, NULL);
	return ((alb *)n)->health;
}

gboolean alb_is(const node *n) { return n && n->ops == &alb_ops; }

uint64_t alb_target_requests(node *n, int tg, guint target)
{
	g_return_val_if_fail(n != NULL && n->ops == &alb_ops, 0);
	alb *a = (alb *)n;
	g_return_val_if_fail(tg >= 0 && (guint)tg < a->f->sc->target_groups->len, 0);
	if (a->tg_off[tg] + target >= a->tg_off[tg + 1])
		return 0;
	return a->slot_requests[a->tg_off[tg] + target];
}

void alb_finish(node *n, sim_time run_duration)
{
	g_return_if_fail(n != NULL && n->ops == &alb_ops && run_duration > 0);
	alb *a = (alb *)n;
	const prices *pr = a->f->sc->prices;
	const alb_counters *c = alb_get_counters(n);
	double secs = (double)run_duration / (double)SIM_S;
	double hours = secs / 3600.0;
	alb_usage u = {
		.new_connections_per_second = (double)c->new_connections / secs,
		.active_connections = c->active_connection_seconds / secs,
		.processed_gb_per_hour = (double)c->processed_bytes / pr->gb_bytes / hours,
		.requests_per_second = (double)c->requests / secs,
	};
	/* alb_lcu_per_hour() subtracts the free rules from an average per
	 * request; giving it free + billed/requests makes that exact even
	 * when requests evaluate different numbers of rules. */
	if (c->requests)
		u.rules_per_request = pr->alb.lcu_free_rules_per_request +
		                      (double)c->billed_rule_evaluations / (double)c->requests;
	a->ctr.lcu_per_hour = alb_lcu_per_hour(pr, &u, &a->ctr.lcu_dims);
	cost_ledger_set_capacity(a->f->ledger, n->name, "lcu", pr->alb.usd_per_lcu_hour,
	                         a->ctr.lcu_per_hour);
}

double alb_lcu_per_hour(const prices *p, const alb_usage *u, alb_lcu_dims *dims)
{
	g_return_val_if_fail(p != NULL && u != NULL, 0);
	alb_lcu_dims d;
	d.new_connections = u->new_connections_per_second / p->alb.lcu_new_connections_per_second;
	d.active_connections = u->active_connections / p->alb.lcu_active_connections +
	                       u->active_connections_mutual_tls /
	                               p->alb.lcu_active_connections_mutual_tls;
	d.processed_bytes = u->processed_gb_per_hour / p->alb.lcu_processed_gb_per_hour +
	                    u->processed_gb_per_hour_lambda / p->alb.lcu_processed_gb_per_hour_lambda;
	/* Only rules beyond the free ones per request are evaluations billed. */
	double billed_rules = MAX(u->rules_per_request - p->alb.lcu_free_rules_per_request, 0.0);
	d.rule_evaluations =
		u->requests_per_second * billed_rules / p->alb.lcu_rule_evaluations_per_second;
	if (dims)
		*dims = d;
	return MAX(MAX(d.new_connections, d.active_connections),
	           MAX(d.processed_bytes, d.rule_evaluations));
}
