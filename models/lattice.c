/* \summary: Amazon VPC Lattice: a service network, HTTP services in front of ALBs, link-local addresses */
#include "lattice.h"

#include <inttypes.h>
#include <string.h>

#include "config.h"
#include "dns.h"
#include "http.h"
#include "kindlib.h"
#include "rng.h"
#include "world.h"

typedef struct lattice lattice;

/* A connection's client, for the AZ Lattice answers it in. */
typedef struct lassoc lassoc;

/* One service's listener in one association: an HTTP server at the
 * service's front address on the association's stack. */
typedef struct {
	lassoc *as;
	guint svc;
	http_server *srv;
} lfront;

/* One VPC association: a port on that VPC's router, its own TCP stack. */
struct lassoc {
	lattice *l;
	guint port;
	char *name;           /* "<network>/<vpc>", the stack's name */
	sg_eni *sg;           /* NULL: no group checked */
	tcp_stack *tcp;
	GPtrArray *fronts;    /* lfront *, by service */
	GHashTable *az_of;    /* client address -> 1 + AZ index, learnt from its SYNs */
	sim_time in_last;     /* keeps the packets it hands to the stack in order */
};

/* One VPC holding targets: the back-end stack towards them. */
typedef struct {
	lattice *l;
	guint port;
	tcp_stack *tcp;
	sim_time in_last;
} ltvpc;

typedef struct {
	char *name;
	uint32_t ip;
	uint16_t port;
	GArray *alb_ips;      /* uint32_t */
	GArray *alb_azs;      /* uint8_t, 1 + AZ index */
	uint16_t alb_port;
	guint tvpc;
	http_client **pool;   /* [source AZ slot * nodes + node], made on first use */
	uint64_t requests;
	cost_line *processing; /* NULL while its price is free */
	uint64_t booked;      /* bytes already added to `processing` */
} lsvc;

/* A request between the client's head and the ALB's response. */
typedef struct {
	GList link;           /* in lattice.live or lattice.spare */
	lattice *l;
	lfront *fr;
	http_exchange *x;
	GBytes *head;
	uint64_t body_len;
	uint8_t az;
	sim_event_id ev;
} lreq;

struct lattice {
	node base;
	fabric *f;
	sg_world *sgw;
	rng rng;              /* propagation into Lattice */
	rng proc_rng;         /* processing delays */
	uint32_t sender;      /* fabric_sender of the network */
	guint n_az;           /* AZs of the scenario: source address slots */
	GPtrArray *assocs;    /* lassoc *, by port where port is theirs */
	GPtrArray *tvpcs;     /* ltvpc * */
	GPtrArray *by_port;   /* per port: the lassoc or ltvpc behind it */
	GArray *port_is_assoc; /* gboolean per port */
	GPtrArray *svcs;      /* lsvc * */
	GQueue live, spare;   /* lreq */
	GString *hdr, *xff, *extra;
	lattice_stats st;
};

static uint32_t source_ip(uint8_t az) { return LATTICE_PREFIX | (LATTICE_SOURCE_BASE + az - 1u); }

/* ---- delivery into the stacks ---- */

static void deliver(sim *s, void *ctx, void *arg)
{
	(void)s;
	tcp_stack_input(ctx, arg);
}

/* Hands p to `tcp` after `d`, never before the previous packet of the
 * same port (a random propagation must not reorder a flow). */
static void deliver_later(lattice *l, tcp_stack *tcp, sim_time *last, pkt *p, sim_time d)
{
	sim_time now = net_now(l->base.net);
	sim_time t = sim_time_add_sat(now, d);
	if (t < *last)
		t = *last;
	*last = t;
	if (t == now)
		tcp_stack_input(tcp, p);
	else
		sim_schedule_at(l->base.net->sim, t, deliver, tcp, p);
}

static int front_of(const lattice *l, uint32_t ip)
{
	for (guint i = 0; i < l->svcs->len; i++)
		if (((const lsvc *)g_ptr_array_index(l->svcs, i))->ip == ip)
			return (int)i;
	return -1;
}

static void from_client(lattice *l, lassoc *as, pkt *p)
{
	uint32_t dst = pkt_ip_dst(p);
	int si = front_of(l, dst);
	if (si < 0) {
		char d[16];
		net_drop_detail(l->base.net, &l->base, p, DROP_NO_ADDRESS,
		                pkt_ip_str(dst, d));
		return;
	}
	const char *denied;
	if (as->sg && !sg_allow_in(as->sg, p, &denied)) {
		net_drop_detail(l->base.net, &l->base, p, DROP_SG, denied);
		return;
	}
	if (as->sg)
		NET_TRACE(l->base.net, &l->base, p, NET_TRACE_DECIDE,
		          "service network association %s, security group inbound: %s", as->name,
		          sg_last_rule(as->sg));
	const lsvc *s = g_ptr_array_index(l->svcs, (guint)si);
	if (pkt_proto(p) != PKT_PROTO_TCP) {
		char detail[32];
		g_snprintf(detail, sizeof detail, "protocol %u", pkt_proto(p));
		net_drop_detail(l->base.net, &l->base, p, DROP_NO_PORT, detail);
		return;
	}
	uint8_t fl = pkt_tcp_flags(p);
	if ((fl & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN) {
		if (pkt_dport(p) != s->port) {
			char detail[24];
			g_snprintf(detail, sizeof detail, "tcp port %u", pkt_dport(p));
			net_drop_detail(l->base.net, &l->base, p, DROP_NO_LISTENER, detail);
			return;
		}
		/* Lattice answers a client in the client's AZ. */
		if (p->az != FABRIC_AZ_NONE)
			g_hash_table_replace(as->az_of, GUINT_TO_POINTER(pkt_ip_src(p)),
			                     GUINT_TO_POINTER((guint)p->az));
	}
	/* The router put Lattice in no AZ: the hop to its node in the
	 * client's AZ is taken here. */
	sim_time d = fabric_propagation(l->f, &l->rng, p->az, p->az);
	deliver_later(l, as->tcp, &as->in_last, p, d);
}

static void from_targets(lattice *l, ltvpc *tv, pkt *p)
{
	uint32_t dst = pkt_ip_dst(p);
	uint32_t hpart = dst & ~LATTICE_PREFIX_MASK;
	if ((dst & LATTICE_PREFIX_MASK) != LATTICE_PREFIX || hpart < LATTICE_SOURCE_BASE ||
	    hpart >= LATTICE_SOURCE_BASE + l->n_az || pkt_proto(p) != PKT_PROTO_TCP) {
		char d[16];
		net_drop_detail(l->base.net, &l->base, p, DROP_NO_ADDRESS, pkt_ip_str(dst, d));
		return;
	}
	uint8_t az = (uint8_t)(hpart - LATTICE_SOURCE_BASE + 1);
	sim_time d = fabric_propagation(l->f, &l->rng, p->az, az);
	p->az = az;
	deliver_later(l, tv->tcp, &tv->in_last, p, d);
}

static void lattice_receive(node *n, pkt *p, port *in)
{
	lattice *l = (lattice *)n;
	if (g_array_index(l->port_is_assoc, gboolean, in->index))
		from_client(l, g_ptr_array_index(l->by_port, in->index), p);
	else
		from_targets(l, g_ptr_array_index(l->by_port, in->index), p);
}

/* ---- leaving: the stacks' transmit functions ---- */

/* Lattice is in every AZ and bills no cross-AZ transfer (its data
 * processing includes it): the packet leaves from the AZ of the
 * connection, sent by the network's party. */
static void send_out(lattice *l, guint port_index, pkt *p, uint8_t az)
{
	p->az = az;
	p->az_from = l->sender;
	port *out = node_port(&l->base, port_index);
	if (!out->link) {
		net_drop(l->base.net, &l->base, p, DROP_NO_ROUTE);
		return;
	}
	link_send(out, p);
}

static void assoc_tx(void *owner, pkt *p)
{
	lassoc *as = owner;
	const char *denied;
	if (as->sg && !sg_allow_out(as->sg, p, &denied)) {
		net_drop_detail(as->l->base.net, &as->l->base, p, DROP_SG, denied);
		return;
	}
	guint az = GPOINTER_TO_UINT(g_hash_table_lookup(as->az_of, GUINT_TO_POINTER(pkt_ip_dst(p))));
	send_out(as->l, as->port, p, (uint8_t)(az ? az : 1));
}

static void tvpc_tx(void *owner, pkt *p)
{
	ltvpc *tv = owner;
	uint32_t hpart = pkt_ip_src(p) & ~LATTICE_PREFIX_MASK;
	send_out(tv->l, tv->port, p, (uint8_t)(hpart - LATTICE_SOURCE_BASE + 1));
}

/* ---- forwarding ---- */

static gboolean name_is(const char *l, size_t nl, const char *name)
{
	return nl == strlen(name) && g_ascii_strncasecmp(l, name, nl) == 0;
}

/* The client's head without hop-by-hop headers, X-Forwarded-For naming the
 * client appended to any list already there. */
static GBytes *forward_head(lattice *l, http_exchange *x)
{
	size_t len;
	const char *h = http_exchange_head(x, &len);
	const char *end = h + len;
	GString *out = l->hdr;
	g_string_truncate(out, 0);
	g_string_truncate(l->xff, 0);
	const char *ln = memchr(h, '\n', len);
	g_return_val_if_fail(ln != NULL, NULL);
	g_string_append_len(out, h, ln + 1 - h);
	for (ln++; ln < end;) {
		const char *eol = memchr(ln, '\n', (size_t)(end - ln));
		const char *next = eol ? eol + 1 : end;
		const char *stop = eol && eol > ln && eol[-1] == '\r' ? eol - 1 : (eol ? eol : end);
		if (stop == ln)
			break;
		const char *colon = memchr(ln, ':', (size_t)(stop - ln));
		size_t nl = colon ? (size_t)(colon - ln) : 0;
		const char *v = colon ? colon + 1 : stop;
		while (v < stop && (*v == ' ' || *v == '\t'))
			v++;
		if (name_is(ln, nl, "X-Forwarded-For")) {
			if (l->xff->len)
				g_string_append(l->xff, ", ");
			g_string_append_len(l->xff, v, stop - v);
		} else if (!name_is(ln, nl, "Connection") && !name_is(ln, nl, "Keep-Alive")) {
			g_string_append_len(out, ln, next - ln);
		}
		ln = next;
	}
	g_string_append(out, "\r\n");
	char cip[16];
	pkt_ip_str(http_exchange_client_ip(x), cip);
	g_string_printf(l->extra, "X-Forwarded-For: %s%s%s\r\n", l->xff->str, l->xff->len ? ", " : "",
	                cip);
	GString *fwd = http_head_add(out->str, out->len, l->extra->str);
	return g_string_free_to_bytes(fwd);
}

static void req_put(lattice *l, lreq *q)
{
	if (q->head)
		g_bytes_unref(q->head);
	q->head = NULL;
	q->x = NULL;
	g_queue_unlink(&l->live, &q->link);
	g_queue_push_head_link(&l->spare, &q->link);
}

static void backend_done(const http_result *r, void *ud)
{
	lreq *q = ud;
	lattice *l = q->l;
	if (r->fail == HTTP_OK) {
		http_respond(q->x, r->status, r->response_bytes - r->head_len, NULL);
	} else {
		l->st.backend_failures++;
		http_respond(q->x, r->fail == HTTP_FAIL_TIMEOUT ? 504 : 502, 0, NULL);
	}
	req_put(l, q);
}

/* The ALB node in the request's AZ, else the first. */
static guint pick_node(const lsvc *s, uint8_t az)
{
	for (guint k = 0; k < s->alb_azs->len; k++)
		if (g_array_index(s->alb_azs, uint8_t, k) == az)
			return k;
	return 0;
}

static http_client *pool_client(lattice *l, lsvc *s, uint8_t az, guint k)
{
	guint slot = (guint)(az - 1) * s->alb_ips->len + k;
	if (!s->pool[slot]) {
		ltvpc *tv = g_ptr_array_index(l->tvpcs, s->tvpc);
		http_client_config cc = {
			.local_ip = source_ip(az),
			.ip = g_array_index(s->alb_ips, uint32_t, k),
			.port = s->alb_port,
			.keepalive = TRUE,
			.max_conns = 0, /* a request never waits for a busy connection */
			.mtu = l->f->prof->mtu.vpc,
			/* No Lattice idle timeout is published: the ALB's closes
			 * idle connections. */
			.idle_timeout = 0,
		};
		s->pool[slot] = http_client_new(tv->tcp, &cc);
	}
	return s->pool[slot];
}

static void forward(lreq *q)
{
	lattice *l = q->l;
	lsvc *s = g_ptr_array_index(l->svcs, q->fr->svc);
	guint k = pick_node(s, q->az);
	http_client *cl = pool_client(l, s, q->az, k);
	if (G_UNLIKELY(l->base.net->tracer)) {
		char a[16], b[16];
		NET_TRACE(l->base.net, &l->base, NULL, NET_TRACE_DECIDE,
		          "VPC Lattice: service %s, listener http:%u default action -> ALB target %s:%u; "
		          "forwarded on its own connection from %s with X-Forwarded-For",
		          s->name, s->port, pkt_ip_str(g_array_index(s->alb_ips, uint32_t, k), a), s->alb_port,
		          pkt_ip_str(source_ip(q->az), b));
	}
	l->st.forwarded++;
	http_request_spec spec = { .head = q->head, .body_len = q->body_len };
	http_client_request(cl, &spec, backend_done, q);
	g_bytes_unref(q->head);
	q->head = NULL;
}

static void forward_ev(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	lreq *q = ctx;
	q->ev = 0;
	forward(q);
}

static void handler(http_exchange *x, void *ud)
{
	lfront *fr = ud;
	lassoc *as = fr->as;
	lattice *l = as->l;
	lsvc *s = g_ptr_array_index(l->svcs, fr->svc);
	l->st.requests++;
	s->requests++;
	GList *sl = g_queue_pop_head_link(&l->spare);
	lreq *q = sl ? sl->data : g_new0(lreq, 1);
	q->link.data = q;
	q->l = l;
	q->fr = fr;
	q->x = x;
	q->body_len = http_exchange_body_len(x);
	q->head = forward_head(l, x);
	guint az = GPOINTER_TO_UINT(
	        g_hash_table_lookup(as->az_of, GUINT_TO_POINTER(http_exchange_client_ip(x))));
	q->az = (uint8_t)(az ? az : 1);
	q->ev = 0;
	g_queue_push_tail_link(&l->live, &q->link);
	sim_time d = dist_sample_ns(&l->f->prof->processing.vpc_lattice, &l->proc_rng);
	if (d > 0)
		q->ev = sim_schedule(l->base.net->sim, d, forward_ev, q, NULL);
	else
		forward(q);
}

/* ---- the node ---- */

static void lattice_destroy(node *n)
{
	lattice *l = (lattice *)n;
	sim *s = n->net->sim;
	for (guint i = 0; i < l->assocs->len; i++) {
		lassoc *as = g_ptr_array_index(l->assocs, i);
		for (guint k = 0; k < as->fronts->len; k++) {
			lfront *fr = g_ptr_array_index(as->fronts, k);
			if (fr)
				http_server_free(fr->srv);
			g_free(fr);
		}
		g_ptr_array_unref(as->fronts);
	}
	for (guint i = 0; i < l->svcs->len; i++) {
		lsvc *sv = g_ptr_array_index(l->svcs, i);
		for (guint k = 0; k < l->n_az * sv->alb_ips->len; k++)
			http_client_free(sv->pool[k]);
	}
	for (guint i = 0; i < l->assocs->len; i++) {
		lassoc *as = g_ptr_array_index(l->assocs, i);
		tcp_stack_free(as->tcp);
		sg_eni_free(as->sg);
		g_hash_table_unref(as->az_of);
		g_free(as->name);
		g_free(as);
	}
	for (guint i = 0; i < l->tvpcs->len; i++) {
		ltvpc *tv = g_ptr_array_index(l->tvpcs, i);
		tcp_stack_free(tv->tcp);
		g_free(tv);
	}
	for (guint i = 0; i < l->svcs->len; i++) {
		lsvc *sv = g_ptr_array_index(l->svcs, i);
		g_free(sv->pool);
		g_array_unref(sv->alb_ips);
		g_array_unref(sv->alb_azs);
		g_free(sv->name);
		g_free(sv);
	}
	GList *ln;
	while ((ln = g_queue_pop_head_link(&l->live))) {
		lreq *q = ln->data;
		if (q->ev)
			sim_cancel(s, q->ev);
		if (q->head)
			g_bytes_unref(q->head);
		g_free(q);
	}
	while ((ln = g_queue_pop_head_link(&l->spare)))
		g_free(ln->data);
	g_ptr_array_unref(l->assocs);
	g_ptr_array_unref(l->tvpcs);
	g_ptr_array_unref(l->svcs);
	g_ptr_array_unref(l->by_port);
	g_array_unref(l->port_is_assoc);
	g_string_free(l->hdr, TRUE);
	g_string_free(l->xff, TRUE);
	g_string_free(l->extra, TRUE);
	node_clear(n);
	g_free(l);
}

static const node_ops lattice_ops = {
	.kind = "vpc-lattice",
	.receive = lattice_receive,
	.destroy = lattice_destroy,
};

lattice *lattice_new(fabric *f, const char *name, sg_world *sgw)
{
	g_return_val_if_fail(f != NULL && name != NULL && sgw != NULL, NULL);
	lattice *l = g_new0(lattice, 1);
	node_init(&l->base, &lattice_ops, f->net, name);
	l->f = f;
	l->sgw = sgw;
	char *stream = g_strdup_printf("%s/propagation", name);
	net_rng(f->net, &l->rng, stream);
	g_free(stream);
	stream = g_strdup_printf("%s/processing", name);
	net_rng(f->net, &l->proc_rng, stream);
	g_free(stream);
	l->sender = fabric_sender(f, name);
	fabric_set_kind(f, name, FABRIC_PARTY_LATTICE);
	l->n_az = MAX(f->sc->azs->len, 1);
	l->assocs = g_ptr_array_new();
	l->tvpcs = g_ptr_array_new();
	l->by_port = g_ptr_array_new();
	l->port_is_assoc = g_array_new(FALSE, TRUE, sizeof(gboolean));
	l->svcs = g_ptr_array_new();
	g_queue_init(&l->live);
	g_queue_init(&l->spare);
	l->hdr = g_string_sized_new(1024);
	l->xff = g_string_sized_new(64);
	l->extra = g_string_sized_new(128);
	return l;
}

node *lattice_node(lattice *l) { return &l->base; }

lattice *lattice_of(node *n) { return n && n->ops == &lattice_ops ? (lattice *)n : NULL; }

static void add_front(lattice *l, lassoc *as, guint si)
{
	lsvc *s = g_ptr_array_index(l->svcs, si);
	lfront *fr = g_new0(lfront, 1);
	fr->as = as;
	fr->svc = si;
	char ip[16];
	char *name = g_strdup_printf("%s/%s:%u", as->name, pkt_ip_str(s->ip, ip), s->port);
	http_server_config hc = {
		.name = name,
		.ip = s->ip,
		.port = s->port,
		.mtu = l->f->prof->mtu.vpc_lattice,
		.idle_timeout = 0,
	};
	GError *err = NULL;
	fr->srv = http_server_new(as->tcp, &hc, &err);
	g_free(name);
	if (!fr->srv) {
		/* Two services on one address: lattice_add_service gives each its own. */
		g_critical("%s", err->message);
		g_error_free(err);
		g_free(fr);
		g_ptr_array_add(as->fronts, NULL);
		return;
	}
	http_server_set_handler(fr->srv, handler, fr);
	g_ptr_array_add(as->fronts, fr);
}

port *lattice_add_association(lattice *l, const char *vpc_name, const GArray *sgs)
{
	g_return_val_if_fail(l != NULL && vpc_name != NULL, NULL);
	lassoc *as = g_new0(lassoc, 1);
	as->l = l;
	port *p = node_add_port(&l->base);
	as->port = p->index;
	as->name = g_strdup_printf("%s/%s", l->base.name, vpc_name);
	if (sgs && sgs->len)
		as->sg = sg_eni_new(l->sgw, sgs);
	tcp_config tc;
	tcp_config_default(&tc);
	tc.mtu = l->f->prof->mtu.vpc_lattice;
	as->tcp = tcp_stack_new(l->f->net, as->name, &tc, assoc_tx, as);
	as->fronts = g_ptr_array_new();
	as->az_of = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_ptr_array_add(l->assocs, as);
	g_ptr_array_add(l->by_port, as);
	gboolean yes = TRUE;
	g_array_append_val(l->port_is_assoc, yes);
	for (guint i = 0; i < l->svcs->len; i++)
		add_front(l, as, i);
	return p;
}

guint lattice_add_target_vpc(lattice *l, port **out)
{
	g_return_val_if_fail(l != NULL && out != NULL, 0);
	ltvpc *tv = g_new0(ltvpc, 1);
	tv->l = l;
	port *p = node_add_port(&l->base);
	tv->port = p->index;
	char *name = g_strdup_printf("%s/targets-%u", l->base.name, l->tvpcs->len);
	tcp_config tc;
	tcp_config_default(&tc);
	tc.mtu = l->f->prof->mtu.vpc;
	tv->tcp = tcp_stack_new(l->f->net, name, &tc, tvpc_tx, tv);
	g_free(name);
	g_ptr_array_add(l->tvpcs, tv);
	g_ptr_array_add(l->by_port, tv);
	gboolean no = FALSE;
	g_array_append_val(l->port_is_assoc, no);
	*out = p;
	return l->tvpcs->len - 1;
}

uint32_t lattice_add_service(lattice *l, const char *name, uint16_t lport, const uint32_t *ips,
                             const uint8_t *azs, guint n, uint16_t alb_port, guint target_vpc)
{
	g_return_val_if_fail(l != NULL, 0);
	return lattice_add_service_at(l, name, LATTICE_PREFIX | (LATTICE_FRONT_BASE + l->svcs->len), lport,
	                              ips, azs, n, alb_port, target_vpc);
}

uint32_t lattice_add_service_at(lattice *l, const char *name, uint32_t front, uint16_t lport,
                                const uint32_t *ips, const uint8_t *azs, guint n, uint16_t alb_port,
                                guint target_vpc)
{
	g_return_val_if_fail(l != NULL && name != NULL && ips != NULL && azs != NULL && n > 0, 0);
	g_return_val_if_fail(target_vpc < l->tvpcs->len, 0);
	g_return_val_if_fail((front & LATTICE_PREFIX_MASK) == LATTICE_PREFIX && front_of(l, front) < 0, 0);
	lsvc *s = g_new0(lsvc, 1);
	s->name = g_strdup(name);
	s->ip = front;
	s->port = lport;
	s->alb_ips = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	s->alb_azs = g_array_new(FALSE, FALSE, sizeof(uint8_t));
	g_array_append_vals(s->alb_ips, ips, n);
	g_array_append_vals(s->alb_azs, azs, n);
	s->alb_port = alb_port;
	s->tvpc = target_vpc;
	s->pool = g_new0(http_client *, l->n_az * n);
	const prices *pr = l->f->sc->prices;
	cost_ledger_add_hourly(l->f->ledger, name, "hourly", pr->vpc_lattice.service_hourly_usd, 1);
	if (!prices_tiers_free(&pr->vpc_lattice.processing))
		s->processing = cost_ledger_line(l->f->ledger, name, "processing", &pr->vpc_lattice.processing);
	g_ptr_array_add(l->svcs, s);
	for (guint i = 0; i < l->assocs->len; i++)
		add_front(l, g_ptr_array_index(l->assocs, i), l->svcs->len - 1);
	return s->ip;
}

uint32_t lattice_service_ip(const lattice *l, guint i)
{
	g_return_val_if_fail(l != NULL, 0);
	return i < l->svcs->len ? ((const lsvc *)g_ptr_array_index(l->svcs, i))->ip : 0;
}

/* ---- measurements ---- */

/* Bytes of service i's requests and responses on every association. */
static uint64_t svc_bytes(lattice *l, guint i, uint64_t *req, uint64_t *resp)
{
	*req = *resp = 0;
	for (guint a = 0; a < l->assocs->len; a++) {
		lfront *fr = g_ptr_array_index(((lassoc *)g_ptr_array_index(l->assocs, a))->fronts, i);
		if (!fr)
			continue;
		const http_server_stats *st = http_server_get_stats(fr->srv);
		*req += st->request_bytes;
		*resp += st->response_bytes;
	}
	return *req + *resp;
}

const lattice_stats *lattice_get_stats(lattice *l)
{
	g_return_val_if_fail(l != NULL, NULL);
	lattice_stats *st = &l->st;
	st->request_bytes = st->response_bytes = st->client_connections = st->backend_connections = 0;
	for (guint i = 0; i < l->svcs->len; i++) {
		uint64_t rq, rs;
		svc_bytes(l, i, &rq, &rs);
		st->request_bytes += rq;
		st->response_bytes += rs;
		const lsvc *s = g_ptr_array_index(l->svcs, i);
		for (guint k = 0; k < l->n_az * s->alb_ips->len; k++)
			if (s->pool[k])
				st->backend_connections += http_client_connections_opened(s->pool[k]);
	}
	for (guint a = 0; a < l->assocs->len; a++) {
		lassoc *as = g_ptr_array_index(l->assocs, a);
		for (guint i = 0; i < as->fronts->len; i++) {
			lfront *fr = g_ptr_array_index(as->fronts, i);
			if (fr)
				st->client_connections += http_server_get_stats(fr->srv)->connections;
		}
	}
	return st;
}

uint64_t lattice_service_requests(lattice *l, guint i)
{
	g_return_val_if_fail(l != NULL && i < l->svcs->len, 0);
	return ((lsvc *)g_ptr_array_index(l->svcs, i))->requests;
}

void lattice_finish(lattice *l, sim_time run_duration)
{
	g_return_if_fail(l != NULL && run_duration > 0);
	const prices *pr = l->f->sc->prices;
	double hours = (double)run_duration / (double)SIM_S / 3600.0;
	l->st.billed_requests_per_hour = 0;
	for (guint i = 0; i < l->svcs->len; i++) {
		lsvc *s = g_ptr_array_index(l->svcs, i);
		uint64_t rq, rs;
		uint64_t total = svc_bytes(l, i, &rq, &rs);
		if (s->processing && total > s->booked)
			cost_line_add_bytes(s->processing, total - s->booked);
		s->booked = total;
		/* The free requests are deducted each hour, per service. */
		double billed = MAX(0.0, (double)s->requests / hours - pr->vpc_lattice.free_requests_per_hour);
		l->st.billed_requests_per_hour += billed;
		/* No line while every request is free: reports would fill with
		 * $0.00 lines. */
		if (billed > 0 && pr->vpc_lattice.usd_per_million_requests > 0)
			cost_ledger_set_capacity(l->f->ledger, s->name, "requests",
			                         pr->vpc_lattice.usd_per_million_requests / 1e6, billed);
	}
}

/* ---- [service_network], [lattice_target_group], [lattice_service] in scenario files ---- */

static const ld_key sn_keys[] = {
	{ "vpcs", FALSE, "comma-separated [vpc] names: the VPC associations (consumers)" },
	{ "security_groups", FALSE, "comma-separated [security_group] names of the associated VPCs, "
	                            "checked on their clients' traffic" },
	{ NULL },
};

static const ld_key ltg_keys[] = {
	{ "type", TRUE, "alb (the only Lattice target type modelled)" },
	{ "targets", TRUE, "the name of one [load_balancer] of type application" },
	{ "port", TRUE, "the ALB listener port, a whole number from 1 to 65535" },
	{ "protocol", FALSE, "http" },
	{ NULL },
};

static const ld_key lsvc_keys[] = {
	{ "service_networks", TRUE, "comma-separated [service_network] names" },
	{ "listeners", TRUE, "one listener 'http PORT -> LATTICE_TARGET_GROUP'" },
	{ NULL },
};

static void build_service_networks(sc_loader *l)
{
	scenario *sc = l->sc;
	GHashTable *assoc = g_hash_table_new(g_direct_hash, g_direct_equal); /* VPC -> 1 + network */
	for (guint i = 0; i < ld_groups(l->ld, GK_SERVICE_NETWORK)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_SERVICE_NETWORK)->pdata[i];
		sc_service_network *n = SC_AT(sc->of[GK_SERVICE_NETWORK], sc_service_network, i);
		n->name = g_strdup(g->name);
		n->vpcs = g_array_new(FALSE, FALSE, sizeof(int));
		n->sgs = g_array_new(FALSE, FALSE, sizeof(int));
		const char *v = ld_get(g, "vpcs", "");
		if (v && *v)
			ld_ref_list(l->ld, g, "vpcs", v, GK_VPC, n->vpcs, FALSE);
		for (guint k = 0; k < n->vpcs->len; k++) {
			int vpc = g_array_index(n->vpcs, int, k);
			guint other = GPOINTER_TO_UINT(g_hash_table_lookup(assoc, GINT_TO_POINTER(vpc)));
			if (other)
				ld_problem(l->ld, g, "vpcs", "'%s' is already associated with service network %s; "
				                  "expected each VPC in one service network (AWS allows one "
				                  "association per VPC; more need service-network endpoints)",
				  sc_vpc_name(l, vpc),
				  SC_AT(sc->of[GK_SERVICE_NETWORK], sc_service_network, other - 1)->name);
			else
				g_hash_table_insert(assoc, GINT_TO_POINTER(vpc), GUINT_TO_POINTER(i + 1));
		}
		v = ld_get(g, "security_groups", "");
		if (v && *v)
			ld_ref_list(l->ld, g, "security_groups", v, GK_SG, n->sgs, FALSE);
		for (guint k = 0; k < n->sgs->len; k++) {
			const sc_sg *sg = SC_AT(sc->security_groups, sc_sg, g_array_index(n->sgs, int, k));
			if (sg->vpc >= 0 && !sc_int_array_has(n->vpcs, sg->vpc))
				ld_problem(l->ld, g, "security_groups", "'%s' is a security group of %s, which is not "
				                  "associated with %s; expected groups of the VPCs in vpcs",
				  sg->name, sc_vpc_name(l, sg->vpc), n->name);
		}
	}
	g_hash_table_unref(assoc);
}

static void build_lattice_tgs(sc_loader *l)
{
	scenario *sc = l->sc;
	static const char *const types[] = { "alb", NULL };
	static const char *const protos[] = { "http", NULL };
	for (guint i = 0; i < ld_groups(l->ld, GK_LATTICE_TG)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_LATTICE_TG)->pdata[i];
		sc_lattice_tg *t = SC_AT(sc->of[GK_LATTICE_TG], sc_lattice_tg, i);
		t->name = g_strdup(g->name);
		ld_get_word(l->ld, g, "type", NULL, types);
		ld_get_word(l->ld, g, "protocol", "http", protos);
		t->lb = ld_ref(l->ld, g, "targets", GK_LB);
		if (t->lb >= 0 && l->lb_type[t->lb] != SC_LB_APPLICATION) {
			ld_problem(l->ld, g, "targets", "'%s' is not an application load balancer; expected %s",
			  SC_AT(sc->load_balancers, sc_lb, t->lb)->name, ld_key_find(ltg_keys, "targets")->what);
			t->lb = -1;
		}
		const char *v = ld_get(g, "port", NULL);
		if (v && !sc_parse_port(v, &t->port)) {
			ld_problem(l->ld, g, "port", "'%s' is not a port; expected %s", v,
			  ld_key_find(ltg_keys, "port")->what);
		} else if (v && t->lb >= 0) {
			const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, t->lb);
			if (lb->listeners->len && !sc_lb_has_port(lb, t->port)) {
				char *ports = sc_listener_ports(lb);
				ld_problem(l->ld, g, "port", "'%s' is not a listener port of %s; expected one of %s", v,
				  lb->name, ports);
				g_free(ports);
			}
		}
	}
}

static void build_lattice_services(sc_loader *l)
{
	scenario *sc = l->sc;
	guint n = ld_groups(l->ld, GK_LATTICE_SERVICE)->len;
	for (guint i = 0; i < n; i++) {
		ld_group *g = ld_groups(l->ld, GK_LATTICE_SERVICE)->pdata[i];
		sc_lattice_service *s = SC_AT(sc->of[GK_LATTICE_SERVICE], sc_lattice_service, i);
		s->name = g_strdup(g->name);
		s->networks = g_array_new(FALSE, FALSE, sizeof(int));
		s->tg = -1;
		if (i >= LATTICE_SOURCE_BASE - LATTICE_FRONT_BASE)
			ld_problem(l->ld, g, NULL, "more than %u Lattice services; expected at most %u (the "
			                     "simulator gives each a front address in 169.254.171.32-127)",
			  LATTICE_SOURCE_BASE - LATTICE_FRONT_BASE, LATTICE_SOURCE_BASE - LATTICE_FRONT_BASE);
		s->ip = LATTICE_PREFIX | (LATTICE_FRONT_BASE + MIN(i, LATTICE_SOURCE_BASE - LATTICE_FRONT_BASE - 1));
		const char *v = ld_get(g, "service_networks", NULL);
		if (v)
			ld_ref_list(l->ld, g, "service_networks", v, GK_SERVICE_NETWORK, s->networks, TRUE);
		v = ld_get(g, "listeners", NULL);
		if (!v)
			continue;
		const char *example = "http 80 -> tg-alb";
		char **items = g_strsplit(v, ",", -1);
		guint count = 0;
		for (char **it = items; *it; it++)
			count += **it != '\0';
		char *item = g_strstrip(g_strdup(items[0] ? items[0] : ""));
		g_strfreev(items);
		/* "http PORT -> TG", split as the load balancers' listeners are. */
		char **w = g_strsplit_set(item, " \t", -1);
		GPtrArray *tok = g_ptr_array_new();
		for (char **t = w; *t; t++)
			if (**t)
				g_ptr_array_add(tok, *t);
		if (count != 1) {
			ld_problem(l->ld, g, "listeners", "'%s': %u listeners; expected %s (one per service is "
			                     "modelled)", v, count, ld_key_find(lsvc_keys, "listeners")->what);
		} else if (tok->len != 4 || strcmp(tok->pdata[2], "->") != 0) {
			ld_problem(l->ld, g, "listeners", "'%s' is not a listener; expected %s, such as '%s'", item,
			  ld_key_find(lsvc_keys, "listeners")->what, example);
		} else if (strcmp(tok->pdata[0], "http") != 0) {
			ld_problem(l->ld, g, "listeners", "'%s': protocol '%s' is not modelled; expected http (HTTPS "
			                     "and TLS listeners are not simulated)", item,
			  (const char *)tok->pdata[0]);
		} else if (!sc_parse_port(tok->pdata[1], &s->port)) {
			ld_problem(l->ld, g, "listeners", "'%s': '%s' is not a port; expected a whole number from 1 "
			                     "to 65535", item, (const char *)tok->pdata[1]);
		} else if ((s->tg = ld_lookup(l->ld, GK_LATTICE_TG, tok->pdata[3])) < 0) {
			ld_undefined(l->ld, g, "listeners", tok->pdata[3], GK_LATTICE_TG);
		}
		g_ptr_array_unref(tok);
		g_strfreev(w);
		g_free(item);
	}
}

static void service_network_clear(void *elem)
{
	sc_service_network *n = elem;
	sc_unref(n->vpcs);
	sc_unref(n->sgs);
}

static void lattice_service_clear(void *elem)
{
	sc_unref(((sc_lattice_service *)elem)->networks);
}

char *lattice_dns_name(const scenario *sc, int svc)
{
	g_return_val_if_fail(sc != NULL && svc >= 0 && (guint)svc < sc->of[GK_LATTICE_SERVICE]->len, NULL);
	const sc_lattice_service *s = SC_AT(sc->of[GK_LATTICE_SERVICE], sc_lattice_service, svc);
	char *t = g_strconcat("vpc-lattice:", s->name, NULL);
	uint64_t id = rng_seed_from_text(t);
	g_free(t);
	const char *region = sc->prices && sc->prices->region ? sc->prices->region : "us-east-1";
	return g_strdup_printf("%s-%016" PRIx64 ".%07" PRIx64 ".vpc-lattice-svcs.%s.on.aws", s->name, id,
	                       (id >> 36) & 0xFFFFFFFu, region);
}

int lattice_service_alb(const scenario *sc, int svc, uint16_t *alb_port)
{
	g_return_val_if_fail(sc != NULL && svc >= 0 && (guint)svc < sc->of[GK_LATTICE_SERVICE]->len, -1);
	const sc_lattice_service *s = SC_AT(sc->of[GK_LATTICE_SERVICE], sc_lattice_service, svc);
	if (s->tg < 0)
		return -1;
	const sc_lattice_tg *t = SC_AT(sc->of[GK_LATTICE_TG], sc_lattice_tg, s->tg);
	if (alb_port)
		*alb_port = t->port;
	return t->lb;
}

int lattice_service_target_vpc(const scenario *sc, int svc)
{
	int lb = lattice_service_alb(sc, svc, NULL);
	return lb >= 0 ? SC_AT(sc->load_balancers, sc_lb, lb)->vpc : -1;
}

/* One node per service network: a port on each associated VPC's router
 * and on the router of each VPC holding a target; its services; the
 * services' names in the associated VPCs' resolvers. */
static void build_lattice_world(world *w)
{
	fabric *f = world_fabric(w);
	const scenario *sc = f->sc;
	const GArray *nets = sc->of[GK_SERVICE_NETWORK], *svcs = sc->of[GK_LATTICE_SERVICE];
	for (guint i = 0; i < nets->len; i++) {
		const sc_service_network *n = SC_AT(nets, sc_service_network, i);
		lattice *l = lattice_new(f, n->name, world_sgw(w));
		world_set_node(w, GK_SERVICE_NETWORK, (int)i, lattice_node(l));
		for (guint k = 0; k < n->vpcs->len; k++) {
			int vpc = g_array_index(n->vpcs, int, k);
			/* The association's groups are those of its VPC. */
			GArray *sgs = g_array_new(FALSE, FALSE, sizeof(int));
			for (guint j = 0; j < n->sgs->len; j++) {
				int sg = g_array_index(n->sgs, int, j);
				if (SC_AT(sc->security_groups, sc_sg, sg)->vpc == vpc)
					g_array_append_val(sgs, sg);
			}
			port *p = lattice_add_association(l, SC_AT(sc->vpcs, sc_vpc, vpc)->name, sgs);
			g_array_unref(sgs);
			world_link(w, p, vpc_router_add_port(world_router(w, vpc), VPC_PORT_LATTICE, -1, -1, 0,
			                                     n->name), 0);
		}
		int *tvpc_of = g_new(int, sc->vpcs->len + 1); /* VPC -> 1 + target VPC index */
		memset(tvpc_of, 0, sizeof(int) * (sc->vpcs->len + 1));
		for (guint s = 0; s < svcs->len; s++) {
			const sc_lattice_service *sv = SC_AT(svcs, sc_lattice_service, s);
			uint16_t aport = 0;
			int alb = lattice_service_alb(sc, (int)s, &aport);
			if (!sc_int_array_has(sv->networks, (int)i) || alb < 0)
				continue;
			const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, alb);
			if (!tvpc_of[lb->vpc]) {
				port *p;
				tvpc_of[lb->vpc] = (int)lattice_add_target_vpc(l, &p) + 1;
				world_link(w, p, vpc_router_add_port(world_router(w, lb->vpc), VPC_PORT_LATTICE, -1,
				                                     -1, 0, n->name), 0);
			}
			uint8_t *azs = g_new(uint8_t, lb->subnets->len);
			for (guint k = 0; k < lb->subnets->len; k++)
				azs[k] = (uint8_t)(SC_AT(sc->subnets, sc_subnet, g_array_index(lb->subnets, int, k))
				                           ->az_index + 1);
			lattice_add_service_at(l, sv->name, sv->ip, sv->port, (const uint32_t *)lb->node_ips->data,
			                       azs, lb->subnets->len, aport, (guint)(tvpc_of[lb->vpc] - 1));
			g_free(azs);
			/* Lattice answers for its own name in every associated VPC
			 * (TTL: the profile's dns.endpoint_ttl, an assumption). */
			char *name = lattice_dns_name(sc, (int)s);
			for (guint k = 0; k < n->vpcs->len; k++)
				dns_resolver_add(world_resolver(w, g_array_index(n->vpcs, int, k)), name, &sv->ip, 1,
				                 f->prof->dns.endpoint_ttl);
			g_free(name);
		}
		g_free(tvpc_of);
	}
}

static void finish_lattice(world *w, sim_time billed)
{
	const scenario *sc = world_fabric(w)->sc;
	for (guint i = 0; i < sc->of[GK_SERVICE_NETWORK]->len; i++)
		lattice_finish(lattice_of(world_node(w, GK_SERVICE_NETWORK, (int)i)), billed);
}

/* What compare says of a path through Lattice (sources in
 * docs/lattice-resource-endpoints.md). */
static void lattice_props(const profile *pf, sc_props *out)
{
	(void)pf;
	out->transitive = g_strdup("no: only clients in VPCs associated with the service network (or "
	                           "with a service-network endpoint) reach its services");
	out->growth = g_strdup("one VPC association per consumer VPC (no charge; a VPC joins one "
	                       "service network by association); one service whatever the number");
	out->quota = g_strdup("none published for VPC associations per service network (services per "
	                      "service network, listeners per service and rules per listener are)");
}

/* The consumer's VPC association, per consumer; the service network, the
 * service and its target group, once. */
static void lattice_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	const GArray *nets = sc->of[GK_SERVICE_NETWORK];
	for (guint i = 0; i < nets->len; i++) {
		const sc_service_network *n = SC_AT(nets, sc_service_network, i);
		if (!sc_int_array_has(n->vpcs, x->consumer))
			continue;
		c->per[CFG_LATTICE]++;
		c->fixed[CFG_LATTICE]++;
		const GArray *svcs = sc->of[GK_LATTICE_SERVICE];
		for (guint s = 0; s < svcs->len; s++)
			if (sc_int_array_has(SC_AT(svcs, sc_lattice_service, s)->networks, (int)i) &&
			    lattice_service_target_vpc(sc, (int)s) == x->service)
				c->fixed[CFG_LATTICE] += 2;
	}
}

/* A service's link-local front address, for the clients of every VPC
 * associated with one of its service networks (vpc -1: every service). */
static void lattice_fronts(const scenario *sc, int vpc, GArray *out)
{
	const GArray *svcs = sc->of[GK_LATTICE_SERVICE], *nets = sc->of[GK_SERVICE_NETWORK];
	for (guint s = 0; s < svcs->len; s++) {
		const sc_lattice_service *sv = SC_AT(svcs, sc_lattice_service, s);
		gboolean reached = vpc < 0;
		for (guint k = 0; !reached && k < sv->networks->len; k++)
			reached = sc_int_array_has(SC_AT(nets, sc_service_network, g_array_index(sv->networks, int, k))->vpcs,
			                           vpc);
		if (reached) {
			sc_front fr = { sv->name, sv->ip };
			g_array_append_val(out, fr);
		}
	}
}

/* ---- what generic code asks of a workload target ---- */

static const sc_lattice_service *service_at(const scenario *sc, int i)
{
	return SC_AT(sc->of[GK_LATTICE_SERVICE], sc_lattice_service, i);
}

/* Its listener's port, the only one. */
static gboolean target_port(const scenario *sc, int i, uint16_t pt, uint16_t *def, char **problem)
{
	const sc_lattice_service *ls = service_at(sc, i);
	if (ls->port)
		*def = ls->port;
	if (!pt || !ls->port || pt == ls->port)
		return TRUE;
	*problem = g_strdup_printf("is not the listener port of Lattice service %s; expected %u", ls->name,
	                           ls->port);
	return FALSE;
}

/* One link-local address in every AZ: by its name, or directly. */
static char *target_addresses(const scenario *sc, int i, int client_az, gboolean by_dns, GArray *ips)
{
	(void)client_az;
	g_array_append_val(ips, service_at(sc, i)->ip);
	return by_dns ? lattice_dns_name(sc, i) : NULL;
}

/* The ALB behind the service serves, on its target group's port. */
static int target_lb(const scenario *sc, int i, uint16_t pt, uint16_t *lb_port)
{
	(void)pt;
	*lb_port = 0;
	return lattice_service_alb(sc, i, lb_port);
}

static const sc_target lattice_target = {
	.what = "a VPC Lattice service, which answers HTTP only",
	.port_ok = target_port,
	.addresses = target_addresses,
	.lb = target_lb,
	.service_vpc = lattice_service_target_vpc,
};

static const sc_step service_network_steps[] = { { 560, build_service_networks }, { 0, NULL } };
static const sc_step lattice_tg_steps[] = { { 560, build_lattice_tgs }, { 0, NULL } };
static const sc_step lattice_service_steps[] = { { 570, build_lattice_services }, { 0, NULL } };
static const sc_build lattice_build[] = { { 650, build_lattice_world }, { 0, NULL } };
static const char *const lattice_nodes[] = { "", NULL };

const sc_kind sc_kind_service_network = {
	.group = { "service_network", sn_keys },
	.size = sizeof(sc_service_network),
	.steps = service_network_steps,
	.clear = service_network_clear,
	.nodes = lattice_nodes,
	.node_rank = 10,
	.build = lattice_build,
	.finish = finish_lattice,
	.node_kind = "vpc-lattice",
	.props_rank = 3,
	.props = lattice_props,
	.config = lattice_config,
};

const sc_kind sc_kind_lattice_tg = {
	.group = { "lattice_target_group", ltg_keys },
	.size = sizeof(sc_lattice_tg),
	.steps = lattice_tg_steps,
};

const sc_kind sc_kind_lattice_service = {
	.group = { "lattice_service", lsvc_keys },
	.size = sizeof(sc_lattice_service),
	.steps = lattice_service_steps,
	.clear = lattice_service_clear,
	.target = &lattice_target,
	.fronts = lattice_fronts,
};
