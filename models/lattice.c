/* \summary: Amazon VPC Lattice: a service network, HTTP services in front of ALBs, link-local addresses */
#include "lattice.h"

#include <string.h>

#include "http.h"

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
	uint32_t host = dst & ~LATTICE_PREFIX_MASK;
	if ((dst & LATTICE_PREFIX_MASK) != LATTICE_PREFIX || host < LATTICE_SOURCE_BASE ||
	    host >= LATTICE_SOURCE_BASE + l->n_az || pkt_proto(p) != PKT_PROTO_TCP) {
		char d[16];
		net_drop_detail(l->base.net, &l->base, p, DROP_NO_ADDRESS, pkt_ip_str(dst, d));
		return;
	}
	uint8_t az = (uint8_t)(host - LATTICE_SOURCE_BASE + 1);
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
	uint32_t host = pkt_ip_src(p) & ~LATTICE_PREFIX_MASK;
	send_out(tv->l, tv->port, p, (uint8_t)(host - LATTICE_SOURCE_BASE + 1));
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
	g_return_val_if_fail(l != NULL && name != NULL && ips != NULL && azs != NULL && n > 0, 0);
	g_return_val_if_fail(target_vpc < l->tvpcs->len, 0);
	g_return_val_if_fail(l->svcs->len < LATTICE_SOURCE_BASE - LATTICE_FRONT_BASE, 0);
	lsvc *s = g_new0(lsvc, 1);
	s->name = g_strdup(name);
	s->ip = LATTICE_PREFIX | (LATTICE_FRONT_BASE + l->svcs->len);
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
