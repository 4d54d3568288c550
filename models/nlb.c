/* \summary: Network Load Balancer: flow table, flow-hash targets, client IP or source NAT, idle RST, TLS listeners ending TLS and relaying to targets */
#include "nlb.h"

#include <string.h>

#include "flowtab.h"
#include "lbhealth.h"
#include "tls.h"
#include "vpc.h"

/*
 * Flows are kept in a flowtab (sim/flowtab.h), found by the 5-tuple of the
 * client's packets as they arrive (plus the port they arrive on: consumers
 * behind different endpoints may use the same addresses) and by the
 * 5-tuple of the target's replies as they arrive, in order of last use.
 * A flow idle longer than the idle timeout is forgotten when one of its
 * packets next arrives, and flows at the idle end of the list are
 * forgotten whenever a new flow is made, so the table stays as large as
 * the flows of the last idle-timeout period and no timer event is needed.
 *
 * Closed TCP flows (FIN both ways, or a RST) stay until their idle timeout,
 * so the last ACK of a close still finds its flow, as in AWS (which keeps
 * closed flows a while too); a new SYN on the same tuple reuses the flow.
 *
 * Health checks (lbhealth.h) run on a TCP stack of their own from the
 * node addresses; their segments are told from flows' by their 4-tuple,
 * and source NAT never lends a port a check uses (nor a check one a flow
 * uses).  A new flow hashes over the targets its node sees healthy (all
 * of them when it sees none healthy anywhere: AWS fails open); segments of
 * a flow whose target its node sees unhealthy are answered with a RST, as
 * AWS documents ("If a target becomes unhealthy, the load balancer sends
 * a TCP RST for packets received on the client connections associated
 * with the target, unless the unhealthy target triggers the load balancer
 * to fail open").  With cross-zone off and no healthy target in the
 * node's AZ while other AZs have some, AWS takes the node out of DNS;
 * here its new flows are dropped (DROP_NO_TARGET).
 *
 * A TLS listener is not a flow: see "TLS listeners" below.
 *
 * Simplifications: no proxy protocol, no security groups on the NLB, the
 * NLB does not decrement the TTL.  AWS mixes the SYN's sequence number into
 * its flow hash; this model hashes the 5-tuple only, so a client reusing a
 * source port reaches the same target again.  UDP flows use the same idle
 * timeout as TCP (AWS fixes it at 120 s for UDP).
 */

typedef flowtab_key fkey; /* in = the ingress port index (client side); 0 for reply keys */

typedef struct {
	uint32_t ip;
	uint16_t port;
	int tg;             /* scenario target group, for health */
	guint idx;          /* index in it; G_MAXUINT for an ALB target's nodes */
} target;

typedef struct {
	uint8_t ipproto;
	uint16_t port;
	gboolean preserve;  /* instance targets and the LB preserves client addresses */
	GPtrArray *targets; /* per LB node: GArray of target it may pick */
	const char *tg;     /* target group name, for drop details */
	gboolean tls;       /* a TLS listener: the NLB ends the client's connection */
	tls_ctx **to_targets; /* TLS listener, tls target group: per node, the client side */
	guint n_nodes;
} listener;

typedef struct {
	uint32_t ip;
	uint8_t az; /* 1 + AZ index */
} lbnode;

typedef struct nlb nlb;

/* The TCP of one port of the NLB, for TLS listeners: on a node's port it
 * accepts clients' connections and opens the connections to targets; on a
 * PrivateLink port it accepts the consumers' connections. */
typedef struct {
	nlb *b;
	guint index;         /* the port */
	tcp_stack *tcp;
} termport;

typedef struct {
	sim_time last;       /* departure clock */
	gboolean privatelink;
	termport *term;      /* NULL when the NLB has no TLS listener */
} lbport;

/* One TLS listener behind one port: its TCP listener's user data. */
typedef struct {
	nlb *b;
	guint port, li;      /* the port and the listener's index */
	tls_ctx *ctx;        /* server side */
} tlsl;

/* Source ports towards one target from one node (source NAT). */
typedef flowtab_ports dstate;

typedef struct {
	fkey front;          /* client -> node (in = ingress port) */
	fkey back;           /* target -> the source the target saw */
	dstate *ds;          /* NAT port pool holding our port, NULL if preserved */
	vpc_router *redirect; /* where our redirect lives, NULL if none */
	uint32_t tip, sip;   /* target address, source address towards it */
	uint16_t tport, sport;
	uint16_t node;       /* the LB node that forwards */
	int tg;              /* the target's group and index, for health */
	guint tidx;
	uint8_t fins;        /* FIN seen: 1 from the client, 2 from the target */
	gboolean closed;
	sim_time created, ended;
} flow;

/* A client's connection to a TLS listener and the NLB's own to the
 * target. */
typedef struct {
	nlb *b;
	GList link;          /* in nlb.live */
	tcp_conn *front, *back; /* NULL once closed */
	fkey fk, bk;         /* their 4-tuples as packets arrive: client's, target's */
	guint node;
	int tg;
	guint tidx;
	dstate *ds;          /* the source port's pool, NULL when the client's address is kept */
	vpc_router *redirect; /* where the preserved client address's redirect lives */
	sim_time created, last_used;
} relay;

struct nlb {
	node base;
	fabric *f;
	const sc_lb *lb;
	rng rng;
	sim_time idle;
	uint32_t sender;    /* fabric_sender of the LB, for packets it puts out on PrivateLink */
	GArray *nodes;      /* lbnode, one per LB subnet = port index */
	GArray *ports;      /* lbport by port index */
	GArray *listeners;  /* listener */
	flowtab *flows;     /* flow, by front and back */
	GHashTable *dests;  /* fkey * -> dstate * (owns both) */
	nlb_stats st;
	sim_time flow_ns[2]; /* TCP, UDP: active time of flows already forgotten */
	tcp_stack *hc_tcp;  /* health checks' own stack, NULL if none */
	lbhealth *health;
	/* TLS listeners */
	gboolean any_tls;
	sim_time tls_idle;
	GPtrArray *tlsls;   /* tlsl * (owned) */
	GPtrArray *terms;   /* termport * (owned) */
	GHashTable *relays; /* fkey * (a relay's fk or bk) -> relay * */
	GQueue live;        /* relays */
	sim_time tls_ns;    /* active time of relays already closed */
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

/* The flow hash of the 5-tuple (the ingress port is not part of it). */
static uint64_t hash5(const fkey *k)
{
	return mix64(((uint64_t)k->a << 32 | k->b) ^
	             mix64((uint64_t)k->c << 24 | (uint64_t)k->d << 8 | k->proto));
}

static guint fkey_hash(gconstpointer p)
{
	const fkey *k = p;
	return (guint)(hash5(k) ^ k->in);
}

static lbport *lbport_of(nlb *b, const port *p) { return &g_array_index(b->ports, lbport, p->index); }
static lbnode *lbnode_at(nlb *b, guint i) { return &g_array_index(b->nodes, lbnode, i); }

static gboolean is_tcp(const flow *f) { return f->front.proto == PKT_PROTO_TCP; }

/* When a flow stopped being active: at its close, else when its idle
 * timeout runs out, and no later than `now`. */
static sim_time flow_end(const nlb *b, const flow *f, sim_time now)
{
	sim_time e = f->closed ? f->ended : flowtab_last_used(f) + b->idle;
	return MIN(e, now);
}

/* A flow forgotten: its active time, its port, its redirect.  It is
 * forgotten idle, or (a flow just found live) for an unhealthy target. */
static void forget(void *user, void *flow_, sim_time now)
{
	nlb *b = user;
	flow *f = flow_;
	if (flowtab_idle(b->flows, f, now))
		b->st.expired++;
	b->flow_ns[is_tcp(f) ? 0 : 1] += MAX(flow_end(b, f, now) - f->created, 0);
	if (f->ds)
		f->ds->in_use--;
	if (f->redirect)
		vpc_router_unredirect(f->redirect, f->back.a, f->back.c, f->back.b, f->back.d);
}

static const flowtab_ops nlb_flow_ops = {
	FLOWTAB_LAYOUT(flow, front, back),
	.forget = forget,
};

/* FINs and RSTs end a TCP flow's active time (NLCU active connections). */
static void track(flow *f, const pkt *p, uint8_t side, sim_time now)
{
	if (!is_tcp(f) || f->closed)
		return;
	uint8_t fl = pkt_tcp_flags(p);
	if (fl & PKT_TCP_FIN)
		f->fins |= side;
	if ((fl & PKT_TCP_RST) || f->fins == 3) {
		f->closed = TRUE;
		f->ended = now;
	}
}

static void forward(nlb *b, port *out, pkt *p)
{
	fabric_send(b->base.net, out, p, dist_sample_ns(&b->f->prof->processing.nlb, &b->rng),
	            &lbport_of(b, out)->last);
}

static void to_target(nlb *b, flow *f, pkt *p, sim_time now)
{
	flowtab_touch(b->flows, f, now);
	track(f, p, 1, now);
	if (G_UNLIKELY(b->base.net->tracer)) {
		char t[16], s[16], o[16];
		NET_TRACE(b->base.net, &b->base, p, NET_TRACE_DECIDE,
		          "listener: flow hash picks target %s:%u%s", pkt_ip_str(f->tip, t), f->tport,
		          f->redirect ? ", client address preserved" : "");
		NET_TRACE(b->base.net, &b->base, p, NET_TRACE_REWRITE, "destination %s:%u -> %s:%u (the target)",
		          pkt_ip_str(pkt_ip_dst(p), o), pkt_dport(p), pkt_ip_str(f->tip, t), f->tport);
		if (!f->redirect)
			NET_TRACE(b->base.net, &b->base, p, NET_TRACE_REWRITE,
			          "source %s:%u -> %s:%u (source NAT to the NLB's own address)",
			          pkt_ip_str(pkt_ip_src(p), o), pkt_sport(p), pkt_ip_str(f->sip, s), f->sport);
	}
	pkt_set_ip_dst(p, f->tip);
	pkt_set_dport(p, f->tport);
	if (!f->redirect) {
		pkt_set_ip_src(p, f->sip);
		pkt_set_sport(p, f->sport);
	}
	b->st.bytes += fabric_billed_bytes(b->f, p);
	p->flags |= PKT_F_NLB_BACKEND;
	forward(b, node_port(&b->base, f->node), p);
}

static void to_client(nlb *b, flow *f, pkt *p, sim_time now)
{
	flowtab_touch(b->flows, f, now);
	track(f, p, 2, now);
	if (G_UNLIKELY(b->base.net->tracer)) {
		char s0[16], s1[16], d0[16], d1[16];
		NET_TRACE(b->base.net, &b->base, p, NET_TRACE_REWRITE,
		          "reply: %s:%u > %s:%u becomes %s:%u > %s:%u (back towards the client)",
		          pkt_ip_str(pkt_ip_src(p), s0), pkt_sport(p), pkt_ip_str(pkt_ip_dst(p), d0), pkt_dport(p),
		          pkt_ip_str(f->front.b, s1), f->front.d, pkt_ip_str(f->front.a, d1), f->front.c);
	}
	pkt_set_ip_src(p, f->front.b);
	pkt_set_sport(p, f->front.d);
	pkt_set_ip_dst(p, f->front.a);
	pkt_set_dport(p, f->front.c);
	b->st.bytes += fabric_billed_bytes(b->f, p);
	p->flags &= (uint8_t)~PKT_F_NLB_BACKEND;
	port *out = node_port(&b->base, f->front.in);
	if (lbport_of(b, out)->privatelink) {
		/* The endpoint's side is not a VPC router: say here that the
		 * packet leaves from this node, for cross-AZ billing. */
		p->az = lbnode_at(b, f->node)->az;
		p->az_from = b->sender;
	}
	forward(b, out, p);
}

/* The LB node addressed by a packet arriving on `in`, or -1. */
static int node_for(nlb *b, const port *in, uint32_t dst)
{
	if (!lbport_of(b, in)->privatelink)
		return lbnode_at(b, in->index)->ip == dst ? (int)in->index : -1;
	for (guint i = 0; i < b->nodes->len; i++)
		if (lbnode_at(b, i)->ip == dst)
			return (int)i;
	return -1;
}

static void drop(nlb *b, pkt *p, drop_reason why, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static void drop(nlb *b, pkt *p, drop_reason why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *detail = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	net_drop_detail(b->base.net, &b->base, p, why, detail);
	g_free(detail);
}

/* Answers a TCP segment of no known flow with a RST from the address it
 * was sent to, as a TCP stack would (RFC 9293 3.10.7.1): seq = the
 * segment's ACK if it has one, else seq 0 and ACK = its sequence space
 * consumed.  Then drops the segment. */
static void reset(nlb *b, pkt *p, port *in)
{
	uint8_t fl = pkt_tcp_flags(p);
	char s[16], d[16];
	char *detail = g_strdup_printf("tcp %s:%u to %s:%u%s", pkt_ip_str(pkt_ip_src(p), s), pkt_sport(p),
	                               pkt_ip_str(pkt_ip_dst(p), d), pkt_dport(p),
	                               fl & PKT_TCP_RST ? "" : ", answered with a RST");
	if (!(fl & PKT_TCP_RST)) {
		pkt *r = net_pkt_new(b->base.net, p->flow_id);
		pkt_build_rst_reply(r, p, 0);
		if (lbport_of(b, in)->privatelink) {
			int n = node_for(b, in, pkt_ip_dst(p));
			r->az = n >= 0 ? lbnode_at(b, (guint)n)->az : p->az;
			r->az_from = b->sender;
		}
		b->st.resets++;
		forward(b, in, r);
	}
	net_drop_detail(b->base.net, &b->base, p, DROP_NO_FLOW, detail);
	g_free(detail);
}

static const listener *listener_for(nlb *b, uint8_t proto, uint16_t dport)
{
	for (guint i = 0; i < b->listeners->len; i++) {
		const listener *l = &g_array_index(b->listeners, listener, i);
		if (l->ipproto == proto && l->port == dport)
			return l;
	}
	return NULL;
}

static gboolean term_holds(nlb *b, uint32_t ip, uint16_t lport, uint32_t ip2, uint16_t port2);

/* Whether a health check's or a TLS relay's connection holds the reply key
 * `back` (flows' reply keys are the flow table's to check). */
static gboolean port_held(void *ud, const fkey *back)
{
	nlb *b = ud;
	return (b->health && lbhealth_owns(b->health, back->a, back->c, back->b, back->d)) ||
	       term_holds(b, back->b, back->d, back->a, back->c);
}

/* Picks back->d from the node's ports towards back's destination, one no
 * flow, health check or TLS relay holds; NULL when all 64512 are in use. */
static dstate *nat_port(nlb *b, fkey *back)
{
	fkey dk = { .a = back->a, .b = back->b, .c = back->c, .proto = back->proto };
	dstate *ds = flowtab_ports_of(b->dests, &dk);
	return flowtab_ports_take(ds, FLOWTAB_PORTS, b->flows, back, &back->d, port_held, b) ? ds : NULL;
}

static gboolean target_healthy(const nlb *b, int tg, guint idx, guint ni)
{
	return idx == G_MAXUINT || lbhealth_healthy(b->health, tg, idx, ni);
}

/* Does node ni see no target of group tg healthy, in any AZ?  Then AWS
 * fails open. */
static gboolean fail_open(const nlb *b, int tg, guint ni)
{
	const sc_target_group *g = SC_AT(b->f->sc->target_groups, sc_target_group, tg);
	for (guint i = 0; g->type == SC_TG_INSTANCE && i < g->targets->len; i++)
		if (lbhealth_healthy(b->health, tg, i, ni))
			return FALSE;
	return g->type == SC_TG_INSTANCE;
}

/* The flow hash over the candidates node ni sees healthy (all of them when
 * it sees none healthy anywhere); NULL when none is healthy here but some
 * are elsewhere (cross-zone off). */
static const target *pick(nlb *b, GArray *cands, guint ni, uint64_t hash)
{
	const target *t0 = &g_array_index(cands, target, 0);
	if (!b->health || t0->idx == G_MAXUINT || fail_open(b, t0->tg, ni))
		return &g_array_index(cands, target, hash % cands->len);
	guint n = 0;
	for (guint i = 0; i < cands->len; i++)
		n += target_healthy(b, t0->tg, g_array_index(cands, target, i).idx, ni) ? 1 : 0;
	if (n == 0)
		return NULL;
	guint want = (guint)(hash % n);
	for (guint i = 0; i < cands->len; i++) {
		const target *t = &g_array_index(cands, target, i);
		if (target_healthy(b, t0->tg, t->idx, ni) && want-- == 0)
			return t;
	}
	return NULL;
}

/* The key of a new flow's (or relay's) packets from target t, for the
 * client's key k arriving on `in`: when the listener keeps the client's
 * address, its source is the client's address and port and the router
 * that will pull the target's replies back is returned; else NULL, and the
 * caller picks the node's address and a port. */
static vpc_router *back_key(nlb *b, const listener *l, port *in, const target *t, const fkey *k,
                            fkey *back)
{
	int ni = node_for(b, in, k->b);
	port *nport = node_port(&b->base, (guint)ni);
	*back = (fkey){ .a = t->ip, .c = t->port, .proto = k->proto };
	if (!l->preserve || lbport_of(b, in)->privatelink || !nport->link)
		return NULL;
	back->b = k->a;
	back->d = k->c;
	return vpc_router_of(link_peer(nport)->node);
}

static void new_flow(nlb *b, pkt *p, port *in, const fkey *k, sim_time now)
{
	char s[16], d[16];
	uint8_t proto = k->proto;
	if (proto == PKT_PROTO_TCP &&
	    (pkt_tcp_flags(p) & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) != PKT_TCP_SYN) {
		reset(b, p, in);
		return;
	}
	int ni = node_for(b, in, k->b);
	if (ni < 0) {
		/* A target's UDP datagram to a client address whose flow was
		 * forgotten, or an address the LB does not have. */
		drop(b, p, proto == PKT_PROTO_UDP ? DROP_NO_FLOW : DROP_NO_ADDRESS,
		     "%s %s:%u to %s:%u", proto == PKT_PROTO_UDP ? "udp" : "tcp", pkt_ip_str(k->a, s), k->c,
		     pkt_ip_str(k->b, d), k->d);
		return;
	}
	const listener *l = listener_for(b, proto, k->d);
	if (!l) {
		drop(b, p, DROP_NO_LISTENER, "%s port %u", proto == PKT_PROTO_UDP ? "udp" : "tcp", k->d);
		return;
	}
	GArray *cands = g_ptr_array_index(l->targets, ni);
	if (cands->len == 0) {
		drop(b, p, DROP_NO_TARGET, "%s from the node in %s%s", l->tg,
		     (const char *)g_ptr_array_index(b->f->sc->azs, lbnode_at(b, (guint)ni)->az - 1),
		     b->lb->cross_zone ? "" : " (cross-zone off)");
		return;
	}
	/* Forget the flows that have been idle too long before making one. */
	flowtab_prune(b->flows, now);
	const target *t = pick(b, cands, (guint)ni, hash5(k));
	if (!t) {
		drop(b, p, DROP_NO_TARGET, "%s from the node in %s: no healthy target in its AZ (AWS would "
		     "take the node out of DNS)", l->tg,
		     (const char *)g_ptr_array_index(b->f->sc->azs, lbnode_at(b, (guint)ni)->az - 1));
		return;
	}
	port *nport = node_port(&b->base, (guint)ni);
	fkey back;
	vpc_router *router = back_key(b, l, in, t, k, &back);
	dstate *ds = NULL;
	if (router) {
		if (flowtab_find(b->flows, FLOWTAB_REV, &back)) {
			/* The same client address and port through two LB nodes to
			 * one target: the target would see one socket twice.  AWS
			 * documents the failure; here the second flow is refused. */
			drop(b, p, DROP_NO_FLOW, "%s:%u already in use towards %s:%u (client IP preservation)",
			     pkt_ip_str(k->a, s), k->c, pkt_ip_str(t->ip, d), t->port);
			return;
		}
	} else {
		back.b = lbnode_at(b, (guint)ni)->ip;
		if (!(ds = nat_port(b, &back))) {
			drop(b, p, DROP_NAT_PORTS, "%s to %s:%u", pkt_ip_str(back.b, s), pkt_ip_str(t->ip, d),
			     t->port);
			return;
		}
	}
	flow *f = flowtab_add(b->flows, k, &back, now);
	f->ds = ds;
	f->tip = t->ip;
	f->tport = t->port;
	f->sip = back.b;
	f->sport = back.d;
	f->node = (uint16_t)ni;
	f->tg = t->tg;
	f->tidx = t->idx;
	f->created = now;
	if (router) {
		f->redirect = router;
		vpc_router_redirect(router, t->ip, t->port, k->a, k->c, link_peer(nport));
		b->st.preserved++;
	}
	if (proto == PKT_PROTO_TCP)
		b->st.tcp_flows++;
	else
		b->st.udp_flows++;
	to_target(b, f, p, now);
}

/* ---- TLS listeners ----
 *
 * A TLS listener ends the client's connection at the node.  Each port of
 * the NLB that clients reach (a node's own, and every PrivateLink port) has
 * a TCP stack (termport) listening on the TLS listeners' ports, with TLS
 * 1.3 on every connection it accepts (sim/tls.h: the handshake the ALB's
 * HTTPS listeners make, with the load balancer's certificate chain).  Once
 * the client's handshake is done the flow hash of the client's 4-tuple
 * picks a target as it does for a flow (the same candidates, health
 * included) and the node opens its own connection to it: from the client's
 * address and port when it preserves client addresses (instance targets,
 * not through PrivateLink: AWS's "Client IP preservation" applies to TCP
 * and TLS target groups alike), else from its own address and a port of the
 * pool source NAT uses.  With a target group of protocol tls that
 * connection speaks TLS too, without server_name (the node reaches targets
 * by address).  Plaintext is relayed both ways as it arrives; a FIN is
 * passed on as a FIN, a reset or a timeout as a RST.
 *
 * Assumptions (AWS does not document them): the connection to the target
 * opens once the client's handshake completes, so a new connection costs
 * the client one round trip to the node more than through a tcp listener,
 * then the node's own handshake with the target; a preserved client
 * address keeps the client's port; every segment a node's stack sends takes
 * processing.nlb, as a forwarded packet does.
 *
 * Idle timeout: AWS fixes it at 350 s for TLS listeners (the profile's
 * limits.nlb_tls_idle_timeout; the load balancer's idle_timeout is for tcp
 * listeners).  A segment of a relay idle longer resets both connections
 * (AWS answers the sender with a RST and forgets the other side silently;
 * here both get one).  Not modelled for relays: the RST when a target goes
 * unhealthy, and two PrivateLink consumers using one address and port at
 * once (the second is refused).
 */

static int node_by_ip(const nlb *b, uint32_t ip)
{
	for (guint i = 0; i < b->nodes->len; i++)
		if (g_array_index(b->nodes, lbnode, i).ip == ip)
			return (int)i;
	return -1;
}

static gboolean tls_listener_port(nlb *b, uint16_t lport)
{
	const listener *l = listener_for(b, PKT_PROTO_TCP, lport);
	return l && l->tls;
}

/* Is the NLB's port `lport` from node address `ip` towards ip2:port2 held
 * by a TLS listener's stack (a listener's port, or a relay's connection)? */
static gboolean term_holds(nlb *b, uint32_t ip, uint16_t lport, uint32_t ip2, uint16_t port2)
{
	if (!b->any_tls)
		return FALSE;
	int ni = node_by_ip(b, ip);
	return tls_listener_port(b, lport) ||
	       (ni >= 0 && tcp_stack_has_conn(lbport_of(b, node_port(&b->base, (guint)ni))->term->tcp, ip,
	                                      lport, ip2, port2));
}

static void term_tx(void *owner, pkt *p)
{
	termport *tp = owner;
	nlb *b = tp->b;
	port *out = node_port(&b->base, tp->index);
	if (!out->link) {
		net_drop(b->base.net, &b->base, p, DROP_NO_ROUTE);
		return;
	}
	int ni = node_by_ip(b, pkt_ip_src(p));
	if (ni >= 0 && tls_listener_port(b, pkt_sport(p)))
		b->st.bytes += fabric_billed_bytes(b->f, p); /* to a client */
	else
		p->flags |= PKT_F_NLB_BACKEND | PKT_F_NLB_RELAY; /* to a target */
	if (lbport_of(b, out)->privatelink) {
		/* As to_client: the endpoint's side is not a VPC router. */
		if (ni >= 0)
			p->az = lbnode_at(b, (guint)ni)->az;
		p->az_from = b->sender;
	}
	forward(b, out, p);
}

static sim_time relay_end(const nlb *b, const relay *r, sim_time now)
{
	return MIN(now, r->last_used + b->tls_idle);
}

static void relay_free(nlb *b, relay *r, sim_time now)
{
	b->tls_ns += MAX(relay_end(b, r, now) - r->created, 0);
	g_hash_table_remove(b->relays, &r->fk);
	g_hash_table_remove(b->relays, &r->bk);
	g_queue_unlink(&b->live, &r->link);
	if (r->ds)
		r->ds->in_use--;
	if (r->redirect)
		vpc_router_unredirect(r->redirect, r->bk.a, r->bk.c, r->bk.b, r->bk.d);
	g_free(r);
}

static void relay_data(tcp_conn *c, const pkt_msg *m, uint64_t off, uint32_t len, void *ud)
{
	relay *r = ud;
	tcp_conn *to = c == r->front ? r->back : r->front;
	r->last_used = net_now(r->b->base.net);
	if (!to)
		return;
	if (m) {
		tcp_write(to, (pkt_msg *)m, off, len);
	} else {
		/* Pattern bytes with no message: pattern bytes again. */
		pkt_msg *pm = pkt_msg_new(NULL, len, 0);
		tcp_write(to, pm, 0, len);
		pkt_msg_unref(pm);
	}
}

static void relay_eof(tcp_conn *c, void *ud)
{
	relay *r = ud;
	tcp_conn *to = c == r->front ? r->back : r->front;
	if (to)
		tcp_close(to);
}

static void relay_closed(tcp_conn *c, tcp_close_reason why, void *ud)
{
	relay *r = ud;
	nlb *b = r->b;
	tcp_conn *other;
	if (c == r->front) {
		r->front = NULL;
		other = r->back;
	} else {
		r->back = NULL;
		other = r->front;
	}
	if (other && why != TCP_CLOSE_NORMAL) {
		/* A reset, refusal or timeout on one side resets the other. */
		tcp_abort(other);
		r->front = r->back = NULL;
	}
	if (!r->front && !r->back)
		relay_free(b, r, net_now(b->base.net));
}

static const tcp_callbacks relay_cb = {
	.on_data = relay_data,
	.on_eof = relay_eof,
	.on_closed = relay_closed,
};

/* The client's handshake with a TLS listener is done: pick a target and
 * open the node's connection to it. */
static void tls_accept(tcp_conn *c, void *ud)
{
	tlsl *tl = ud;
	nlb *b = tl->b;
	sim_time now = net_now(b->base.net);
	const listener *l = &g_array_index(b->listeners, listener, tl->li);
	port *in = node_port(&b->base, tl->port);
	fkey fk = { tcp_conn_remote_ip(c), tcp_conn_local_ip(c), tcp_conn_remote_port(c),
		    tcp_conn_local_port(c), 0, PKT_PROTO_TCP };
	int ni = node_for(b, in, fk.b);
	GArray *cands = ni >= 0 ? g_ptr_array_index(l->targets, ni) : NULL;
	const target *t = cands && cands->len ? pick(b, cands, (guint)ni, hash5(&fk)) : NULL;
	char s[16], d[16];
	if (!t || g_hash_table_contains(b->relays, &fk)) {
		/* No target for this node (none in its AZ, or none healthy
		 * there), or the 4-tuple in use through another endpoint. */
		NET_TRACE(b->base.net, &b->base, NULL, NET_TRACE_DECIDE,
		          "TLS listener: no target for %s:%u from the node %s, connection reset",
		          pkt_ip_str(fk.a, s), fk.c, ni >= 0 ? pkt_ip_str(fk.b, d) : "?");
		b->st.tls_refused++;
		tcp_abort(c);
		return;
	}
	port *nport = node_port(&b->base, (guint)ni);
	fkey bk;
	vpc_router *router = back_key(b, l, in, t, &fk, &bk);
	dstate *ds = NULL;
	if (!router) {
		bk.b = lbnode_at(b, (guint)ni)->ip;
		ds = nat_port(b, &bk);
	}
	tcp_conn *bc = NULL;
	if ((router || ds) && !g_hash_table_contains(b->relays, &bk) && !flowtab_find(b->flows, FLOWTAB_REV, &bk))
		bc = tcp_connect(lbport_of(b, nport)->term->tcp, bk.b, bk.d, t->ip, t->port,
		                 b->f->prof->mtu.vpc, &relay_cb, NULL);
	if (!bc) {
		NET_TRACE(b->base.net, &b->base, NULL, NET_TRACE_DECIDE,
		          "TLS listener: no source port free towards %s:%u, connection reset",
		          pkt_ip_str(t->ip, d), t->port);
		if (ds)
			ds->in_use--;
		b->st.tls_refused++;
		tcp_abort(c);
		return;
	}
	if (l->to_targets)
		tls_client_attach(l->to_targets[ni], bc);
	relay *r = g_new0(relay, 1);
	r->b = b;
	r->link.data = r;
	r->front = c;
	r->back = bc;
	r->fk = fk;
	r->bk = bk;
	r->node = (guint)ni;
	r->tg = t->tg;
	r->tidx = t->idx;
	r->ds = ds;
	r->created = r->last_used = now;
	if (router) {
		r->redirect = router;
		vpc_router_redirect(router, t->ip, t->port, fk.a, fk.c, link_peer(nport));
		b->st.preserved++;
	}
	tcp_conn_set_user(bc, r);
	tcp_conn_set_user(c, r);
	tcp_conn_set_callbacks(c, &relay_cb);
	g_hash_table_insert(b->relays, &r->fk, r);
	g_hash_table_insert(b->relays, &r->bk, r);
	g_queue_push_tail_link(&b->live, &r->link);
	b->st.tls_connections++;
	NET_TRACE(b->base.net, &b->base, NULL, NET_TRACE_DECIDE,
	          "TLS listener: handshake done; flow hash picks target %s:%u, the node's own %s "
	          "connection%s",
	          pkt_ip_str(t->ip, d), t->port, l->to_targets ? "TLS" : "TCP",
	          router ? " from the client's address and port (client address preserved)"
	                 : " from its own address");
}

static const tcp_callbacks tls_listener_cb = { .on_accept = tls_accept };

/* A segment for the TLS listeners' stack of port `in`: a connection of
 * theirs, or one to a TLS listener's port of the node addressed.  FALSE
 * when it is not theirs. */
static gboolean term_input(nlb *b, pkt *p, port *in, sim_time now)
{
	termport *tp = lbport_of(b, in)->term;
	if (!tp)
		return FALSE;
	fkey k = { pkt_ip_src(p), pkt_ip_dst(p), pkt_sport(p), pkt_dport(p), 0, PKT_PROTO_TCP };
	if (!tcp_stack_has_conn(tp->tcp, k.b, k.d, k.a, k.c) &&
	    (!tls_listener_port(b, k.d) || node_for(b, in, k.b) < 0 ||
	     (b->health && lbhealth_owns(b->health, k.a, k.c, k.b, k.d))))
		return FALSE;
	relay *r = g_hash_table_lookup(b->relays, &k);
	if (r && now - r->last_used > b->tls_idle) {
		char s[16], d[16];
		b->st.tls_expired++;
		b->st.resets++;
		if (r->front)
			tcp_abort(r->front);
		if (r->back)
			tcp_abort(r->back);
		relay_free(b, r, now);
		drop(b, p, DROP_NO_FLOW, "tcp %s:%u to %s:%u: idle longer than the TLS listener's idle "
		     "timeout, both connections reset", pkt_ip_str(k.a, s), k.c, pkt_ip_str(k.b, d), k.d);
		return TRUE;
	}
	if (r)
		r->last_used = now;
	if (tls_listener_port(b, k.d) && node_by_ip(b, k.b) >= 0)
		b->st.bytes += fabric_billed_bytes(b->f, p); /* from a client */
	tcp_stack_input(tp->tcp, p);
	return TRUE;
}

/* The TLS listeners' stack behind port index `pi` (a node's, or a
 * PrivateLink port: ip 0 listens on every node address). */
static void term_open(nlb *b, guint pi, uint32_t ip, uint32_t mtu)
{
	fabric *f = b->f;
	termport *tp = g_new0(termport, 1);
	tp->b = b;
	tp->index = pi;
	tcp_config tc;
	tcp_config_default(&tc);
	tc.mtu = f->prof->mtu.vpc;
	tc.cc = (tcp_cc)f->prof->tcp.congestion_control;
	char ipb[16];
	char *name = ip ? g_strdup_printf("%s/%s/tls-listeners", b->lb->name, pkt_ip_str(ip, ipb))
	                : g_strdup_printf("%s/privatelink-%u/tls-listeners", b->lb->name, pi);
	tp->tcp = tcp_stack_new(f->net, name, &tc, term_tx, tp);
	g_free(name);
	g_ptr_array_add(b->terms, tp);
	g_array_index(b->ports, lbport, pi).term = tp;
	for (guint i = 0; i < b->listeners->len; i++) {
		const listener *l = &g_array_index(b->listeners, listener, i);
		if (!l->tls)
			continue;
		tlsl *tl = g_new0(tlsl, 1);
		tl->b = b;
		tl->port = pi;
		tl->li = i;
		char *cname = ip ? g_strdup_printf("%s/%s/%u/tls", b->lb->name, pkt_ip_str(ip, ipb), l->port)
		                 : g_strdup_printf("%s/privatelink-%u/%u/tls", b->lb->name, pi, l->port);
		const profile *pr = f->prof;
		tls_config cfg = { .name = cname, .server = TRUE,
			           .cert_bytes = (uint32_t)(b->lb->certificate_bytes ? b->lb->certificate_bytes
			                                                              : pr->tls.certificate_bytes),
			           .cert_count = pr->tls.certificate_count };
		cfg.cert_count = MIN(cfg.cert_count, cfg.cert_bytes);
		tl->ctx = tls_ctx_new(f->net, &cfg);
		g_free(cname);
		tcp_listener *tcl = tcp_listen(tp->tcp, ip, l->port, mtu, &tls_listener_cb, tl);
		if (tcl)
			tls_server_attach(tl->ctx, tcl);
		g_ptr_array_add(b->tlsls, tl);
	}
}

static void nlb__receive(node *n, pkt *p, port *in)
{
	nlb *b = (nlb *)n;
	sim_time now = net_now(n->net);
	uint8_t proto = pkt_proto(p);
	if (proto != PKT_PROTO_TCP && proto != PKT_PROTO_UDP) {
		drop(b, p, DROP_NO_LISTENER, "protocol %u", proto);
		return;
	}
	fkey k = { pkt_ip_src(p), pkt_ip_dst(p), pkt_sport(p), pkt_dport(p), 0, proto };
	/* Targets' replies come in on node ports only. */
	flow *f = lbport_of(b, in)->privatelink ? NULL : flowtab_lookup(b->flows, FLOWTAB_REV, &k, now);
	if (f) {
		to_client(b, f, p, now);
		return;
	}
	if (proto == PKT_PROTO_TCP && term_input(b, p, in, now))
		return;
	k.in = (uint16_t)in->index;
	f = flowtab_lookup(b->flows, FLOWTAB_FWD, &k, now);
	if (!f && b->health && proto == PKT_PROTO_TCP && !lbport_of(b, in)->privatelink &&
	    lbhealth_owns(b->health, k.a, k.c, k.b, k.d)) {
		tcp_stack_input(b->hc_tcp, p);
		return;
	}
	if (!f) {
		new_flow(b, p, in, &k, now);
		return;
	}
	if (proto == PKT_PROTO_TCP && b->health && !target_healthy(b, f->tg, f->tidx, f->node) &&
	    !fail_open(b, f->tg, f->node)) {
		/* The target went unhealthy: the flow ends with a RST. */
		flowtab_forget(b->flows, f, now);
		reset(b, p, in);
		return;
	}
	if (f->closed && proto == PKT_PROTO_TCP &&
	    (pkt_tcp_flags(p) & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) == PKT_TCP_SYN) {
		/* The tuple again after a close: a new connection on the same
		 * flow (same target, same source port). */
		b->flow_ns[0] += MAX(flow_end(b, f, now) - f->created, 0);
		f->closed = FALSE;
		f->fins = 0;
		f->created = now;
		b->st.tcp_flows++;
	}
	to_target(b, f, p, now);
}

static void listener_clear(gpointer data)
{
	listener *l = data;
	g_ptr_array_unref(l->targets);
	for (guint i = 0; l->to_targets && i < l->n_nodes; i++)
		tls_ctx_unref(l->to_targets[i]);
	g_free(l->to_targets);
}

static void nlb__destroy(node *n)
{
	nlb *b = (nlb *)n;
	lbhealth_free(b->health);
	if (b->hc_tcp)
		tcp_stack_free(b->hc_tcp);
	/* The stacks free their connections (and the TLS layers on them)
	 * without calling back; then the relays' memory, and the contexts. */
	for (guint i = 0; i < b->terms->len; i++) {
		termport *tp = g_ptr_array_index(b->terms, i);
		tcp_stack_free(tp->tcp);
		g_free(tp);
	}
	g_ptr_array_unref(b->terms);
	GList *rl;
	while ((rl = g_queue_pop_head_link(&b->live)))
		g_free(rl->data);
	g_hash_table_unref(b->relays);
	for (guint i = 0; i < b->tlsls->len; i++) {
		tlsl *tl = g_ptr_array_index(b->tlsls, i);
		tls_ctx_unref(tl->ctx);
		g_free(tl);
	}
	g_ptr_array_unref(b->tlsls);
	/* The routers holding redirects may be gone already: only our memory. */
	flowtab_free(b->flows);
	g_hash_table_unref(b->dests);
	g_array_unref(b->listeners);
	g_array_unref(b->nodes);
	g_array_unref(b->ports);
	node_clear(n);
	g_free(b);
}

static const node_ops nlb_ops = {
	.kind = "network-load-balancer",
	.receive = nlb__receive,
	.destroy = nlb__destroy,
};

static uint8_t subnet_az(const scenario *sc, int subnet)
{
	return (uint8_t)(SC_AT(sc->subnets, sc_subnet, subnet)->az_index + 1);
}

static void add_target(GArray *a, uint32_t ip, uint16_t tport, int tg, guint idx)
{
	target t = { ip, tport, tg, idx };
	g_array_append_val(a, t);
}

/* The targets node `ni` may pick for target group `tg` (index tgi). */
static GArray *eligible(nlb *b, const sc_target_group *tg, int tgi, guint ni)
{
	const scenario *sc = b->f->sc;
	uint8_t az = lbnode_at(b, ni)->az;
	gboolean any = b->lb->cross_zone;
	GArray *a = g_array_new(FALSE, FALSE, sizeof(target));
	for (guint i = 0; tg && tg->targets && i < tg->targets->len; i++) {
		int ti = g_array_index(tg->targets, int, i);
		if (tg->type == SC_TG_INSTANCE) {
			const sc_instance *in = SC_AT(sc->instances, sc_instance, ti);
			if (any || subnet_az(sc, in->subnet) == az)
				add_target(a, in->ip, tg->port, tgi, i);
			continue;
		}
		const sc_lb *alb = SC_AT(sc->load_balancers, sc_lb, ti);
		for (guint k = 0; k < alb->subnets->len; k++)
			if (any || subnet_az(sc, g_array_index(alb->subnets, int, k)) == az)
				add_target(a, g_array_index(alb->node_ips, uint32_t, k), tg->port, tgi, G_MAXUINT);
	}
	return a;
}

/* Health checks leave from the node whose address they carry. */
static void hc_tx(void *owner, pkt *p)
{
	nlb *b = owner;
	for (guint i = 0; i < b->nodes->len; i++) {
		if (lbnode_at(b, i)->ip != pkt_ip_src(p))
			continue;
		port *out = node_port(&b->base, i);
		if (out->link) {
			fabric_send(b->base.net, out, p, 0, &lbport_of(b, out)->last);
			return;
		}
	}
	net_drop(b->base.net, &b->base, p, DROP_NO_ROUTE);
}

static gboolean hc_port_free(void *ud, guint ni, uint32_t ip, uint16_t tport, uint16_t lport)
{
	nlb *b = ud;
	fkey k = { ip, lbnode_at(b, ni)->ip, tport, lport, 0, PKT_PROTO_TCP };
	return !flowtab_find(b->flows, FLOWTAB_REV, &k) && !term_holds(b, k.b, lport, ip, tport);
}

void nlb_start_health_checks(node *n)
{
	g_return_if_fail(nlb_is(n));
	nlb *b = (nlb *)n;
	fabric *f = b->f;
	if (b->health)
		return;
	tcp_config tc;
	tcp_config_default(&tc);
	tc.mtu = f->prof->mtu.vpc;
	tc.cc = (tcp_cc)f->prof->tcp.congestion_control;
	char *name = g_strdup_printf("%s/health", b->lb->name);
	b->hc_tcp = tcp_stack_new(f->net, name, &tc, hc_tx, b);
	g_free(name);
	GArray *ips = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	for (guint i = 0; i < b->nodes->len; i++)
		g_array_append_val(ips, lbnode_at(b, i)->ip);
	lbhealth_config hc = { .lb_name = b->lb->name, .nlb = TRUE, .tcp = b->hc_tcp,
		               .node_ips = (const uint32_t *)(void *)ips->data, .n_nodes = ips->len,
		               .mtu = f->prof->mtu.vpc, .port_free = hc_port_free, .ud = b };
	b->health = lbhealth_new(f, b->lb, &hc);
	g_array_unref(ips);
}

const lbhealth *nlb_health(node *n)
{
	g_return_val_if_fail(nlb_is(n), NULL);
	return ((nlb *)n)->health;
}

node *nlb_new(fabric *f, int lb_index)
{
	const scenario *sc = f->sc;
	const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, lb_index);
	g_return_val_if_fail(lb->type == SC_LB_NETWORK, NULL);
	nlb *b = g_new0(nlb, 1);
	node_init(&b->base, &nlb_ops, f->net, lb->name);
	net_rng(f->net, &b->rng, lb->name);
	b->f = f;
	b->lb = lb;
	b->idle = lb->idle_timeout > 0 ? lb->idle_timeout : f->prof->limits.nlb_idle_timeout;
	b->sender = fabric_sender(f, lb->name);
	b->nodes = g_array_new(FALSE, TRUE, sizeof(lbnode));
	b->ports = g_array_new(FALSE, TRUE, sizeof(lbport));
	for (guint i = 0; i < lb->subnets->len; i++) {
		lbnode ln = { g_array_index(lb->node_ips, uint32_t, i),
			      subnet_az(sc, g_array_index(lb->subnets, int, i)) };
		g_array_append_val(b->nodes, ln);
		lbport lp = { 0 };
		g_array_append_val(b->ports, lp);
		node_add_port(&b->base);
	}
	b->listeners = g_array_new(FALSE, TRUE, sizeof(listener));
	g_array_set_clear_func(b->listeners, listener_clear);
	for (guint i = 0; lb->listeners && i < lb->listeners->len; i++) {
		const sc_listener *sl = SC_AT(lb->listeners, sc_listener, i);
		const sc_target_group *tg = sl->default_tg >= 0
		                                    ? SC_AT(sc->target_groups, sc_target_group, sl->default_tg)
		                                    : NULL;
		listener l = { .ipproto = sl->proto == SC_PROTO_UDP ? PKT_PROTO_UDP : PKT_PROTO_TCP,
			       .port = sl->port,
			       .preserve = lb->preserve_client_ip && tg && tg->type == SC_TG_INSTANCE,
			       .targets = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref),
			       .tg = tg ? tg->name : "no target group",
			       .tls = sl->tls,
			       .n_nodes = b->nodes->len };
		for (guint k = 0; k < b->nodes->len; k++)
			g_ptr_array_add(l.targets, eligible(b, tg, sl->default_tg, k));
		if (sl->tls && tg && tg->tls) {
			/* TLS to the targets: per node, as the ALB's pools. */
			l.to_targets = g_new0(tls_ctx *, b->nodes->len);
			for (guint k = 0; k < b->nodes->len; k++) {
				char ipb[16];
				char *name = g_strdup_printf("%s/%s/%s/tls", lb->name,
				                             pkt_ip_str(lbnode_at(b, k)->ip, ipb), tg->name);
				tls_config tc = { .name = name };
				l.to_targets[k] = tls_ctx_new(f->net, &tc);
				g_free(name);
			}
		}
		b->any_tls |= sl->tls;
		g_array_append_val(b->listeners, l);
	}
	b->tls_idle = f->prof->limits.nlb_tls_idle_timeout;
	b->tlsls = g_ptr_array_new();
	b->terms = g_ptr_array_new();
	b->relays = g_hash_table_new(fkey_hash, flowtab_key_equal);
	g_queue_init(&b->live);
	for (guint k = 0; b->any_tls && k < b->nodes->len; k++)
		term_open(b, k, lbnode_at(b, k)->ip,
		          lb->internet_facing ? f->prof->mtu.igw : f->prof->mtu.vpc);
	b->flows = flowtab_new(&nlb_flow_ops, b->idle, b);
	b->dests = flowtab_ports_table(fkey_hash);
	const prices *pr = sc->prices;
	cost_ledger_add_hourly(f->ledger, lb->name, "hourly", pr->nlb.hourly_usd, 1);
	cost_ledger_set_capacity(f->ledger, lb->name, "nlcu", pr->nlb.usd_per_nlcu_hour, 0);
	return &b->base;
}

port *nlb_add_privatelink_port(node *n)
{
	g_return_val_if_fail(n != NULL && n->ops == &nlb_ops, NULL);
	nlb *b = (nlb *)n;
	lbport lp = { .privatelink = TRUE };
	g_array_append_val(b->ports, lp);
	port *pp = node_add_port(n);
	if (b->any_tls)
		term_open(b, b->ports->len - 1, 0, b->f->prof->mtu.interface_endpoint);
	return pp;
}

const nlb_stats *nlb_get_stats(node *n)
{
	g_return_val_if_fail(n != NULL && n->ops == &nlb_ops, NULL);
	return &((nlb *)n)->st;
}

gboolean nlb_is(const node *n) { return n && n->ops == &nlb_ops; }

gboolean nlb_is_target_reply(node *n, const pkt *p)
{
	if (!nlb_is(n))
		return FALSE;
	uint8_t proto = pkt_proto(p);
	if (proto != PKT_PROTO_TCP && proto != PKT_PROTO_UDP)
		return FALSE;
	fkey k = { pkt_ip_src(p), pkt_ip_dst(p), pkt_sport(p), pkt_dport(p), 0, proto };
	nlb *b = (nlb *)n;
	if (flowtab_find(b->flows, FLOWTAB_REV, &k))
		return TRUE;
	const relay *r = b->any_tls ? g_hash_table_lookup(b->relays, &k) : NULL;
	return r && flowtab_key_equal(&r->bk, &k);
}

gboolean nlb_is_relay_reply(node *n, const pkt *p)
{
	if (!nlb_is(n) || pkt_proto(p) != PKT_PROTO_TCP || !((nlb *)n)->any_tls)
		return FALSE;
	fkey k = { pkt_ip_src(p), pkt_ip_dst(p), pkt_sport(p), pkt_dport(p), 0, PKT_PROTO_TCP };
	const relay *r = g_hash_table_lookup(((nlb *)n)->relays, &k);
	return r && flowtab_key_equal(&r->bk, &k);
}

gboolean nlb_ends(node *n, const pkt *p)
{
	g_return_val_if_fail(nlb_is(n), FALSE);
	nlb *b = (nlb *)n;
	if (!b->any_tls || !p)
		return b->any_tls;
	if (pkt_proto(p) != PKT_PROTO_TCP)
		return FALSE;
	return (p->flags & PKT_F_NLB_RELAY) ||
	       (tls_listener_port(b, pkt_dport(p)) && node_by_ip(b, pkt_ip_dst(p)) >= 0);
}

guint nlb_flow_count(node *n)
{
	g_return_val_if_fail(n != NULL && n->ops == &nlb_ops, 0);
	return flowtab_len(((nlb *)n)->flows);
}

/*
 * Active connections: AWS samples the count once a minute and bills the
 * average; this model integrates it exactly (each flow counts from its
 * first packet until its close, or until its idle timeout ran out), which
 * is what the samples estimate.
 */
void nlb_usage(node *n, sim_time run_duration, nlb_rates *u)
{
	g_return_if_fail(n != NULL && n->ops == &nlb_ops && u != NULL && run_duration > 0);
	nlb *b = (nlb *)n;
	sim_time active[2] = { b->flow_ns[0], b->flow_ns[1] };
	for (const flow *f = flowtab_next(b->flows, NULL); f; f = flowtab_next(b->flows, f))
		active[is_tcp(f) ? 0 : 1] += MAX(flow_end(b, f, run_duration) - f->created, 0);
	double secs = (double)run_duration / (double)SIM_S;
	memset(u, 0, sizeof *u);
	u->tcp_new_connections_per_second = (double)b->st.tcp_flows / secs;
	u->udp_new_flows_per_second = (double)b->st.udp_flows / secs;
	u->tcp_active_connections = (double)active[0] / (double)run_duration;
	u->udp_active_flows = (double)active[1] / (double)run_duration;
	sim_time tls = b->tls_ns;
	for (GList *l = b->live.head; l; l = l->next) {
		const relay *r = l->data;
		tls += MAX(relay_end(b, r, run_duration) - r->created, 0);
	}
	u->tls_new_connections_per_second = (double)b->st.tls_connections / secs;
	u->tls_active_connections = (double)tls / (double)run_duration;
	u->processed_gb_per_hour = (double)b->st.bytes / b->f->sc->prices->gb_bytes / (secs / 3600.0);
}

void nlb_finish(node *n, sim_time run_duration)
{
	g_return_if_fail(n != NULL && n->ops == &nlb_ops && run_duration > 0);
	nlb *b = (nlb *)n;
	nlb_rates u;
	nlb_usage(n, run_duration, &u);
	const prices *pr = b->f->sc->prices;
	cost_ledger_set_capacity(b->f->ledger, n->name, "nlcu", pr->nlb.usd_per_nlcu_hour,
	                         nlb_nlcu_per_hour(pr, &u, NULL));
}

double nlb_nlcu_per_hour(const prices *p, const nlb_rates *u, nlb_nlcu_dims *dims)
{
	g_return_val_if_fail(p != NULL && u != NULL, 0);
	nlb_nlcu_dims d;
	d.tcp_new_connections =
		u->tcp_new_connections_per_second / p->nlb.nlcu_tcp_new_connections_per_second;
	d.tcp_active_connections = u->tcp_active_connections / p->nlb.nlcu_tcp_active_connections;
	d.udp_new_flows = u->udp_new_flows_per_second / p->nlb.nlcu_udp_new_flows_per_second;
	d.udp_active_flows = u->udp_active_flows / p->nlb.nlcu_udp_active_flows;
	d.tls_new_connections =
		u->tls_new_connections_per_second / p->nlb.nlcu_tls_new_connections_per_second;
	d.tls_active_connections = u->tls_active_connections / p->nlb.nlcu_tls_active_connections;
	d.processed_bytes = u->processed_gb_per_hour / p->nlb.nlcu_processed_gb_per_hour;
	if (dims)
		*dims = d;
	double m = d.tcp_new_connections;
	m = MAX(m, d.tcp_active_connections);
	m = MAX(m, d.udp_new_flows);
	m = MAX(m, d.udp_active_flows);
	m = MAX(m, d.tls_new_connections);
	m = MAX(m, d.tls_active_connections);
	m = MAX(m, d.processed_bytes);
	return m;
}
