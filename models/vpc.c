/* \summary: the VPC's implicit router: route tables, longest-prefix match, local delivery */
#include "vpc.h"
#include "nlb.h"

typedef struct {
	vpc_port_kind kind;
	uint8_t az;          /* 1 + AZ index, or FABRIC_AZ_NONE */
	int subnet, target;
	uint32_t ip;
	char *component;
	uint32_t sender;     /* fabric_sender() of the component, for ports in an AZ */
	fabric_party *xin;   /* its receiving side, for data transfer */
	node *nlb;           /* the network load balancer behind the port, or NULL */
	sim_time last_departure; /* keeps each port's packets in order */
	GArray *routes;      /* croute: its subnet's route table, compiled (NULL: no subnet) */
} vport;

typedef struct {
	uint32_t prefix, mask;
	uint8_t len;
	sc_target_kind kind;
	int target;
	char *text;          /* "10.1.0.0/16 -> pcx-ab (route table rt-a)" */
} croute;

struct vpc_router {
	node base;
	fabric *f;
	int vpc;
	sc_cidr cidr;
	GArray *vports;      /* vport, by port index */
	GHashTable *by_ip;   /* local address -> port */
	GHashTable *by_target; /* (kind << 24 | target) -> port, for single-port targets */
	GHashTable *tgw_az;  /* (tgw << 8 | az) -> port */
	/* Compiled route tables, scenario route table index -> GArray of
	 * croute: only the tables of this VPC's subnets that have ports, so a
	 * router's memory grows with its own VPC, not with the scenario. */
	GHashTable *tables;
	GHashTable *redirects; /* redirect_key * -> port *, NULL until the first redirect */
	port *lattice;       /* the VPC Lattice port, or NULL */
	rng rng;
};

/* A TCP or UDP flow one way, as vpc_router_redirect() names it. */
typedef struct {
	uint32_t src, dst;
	uint16_t sport, dport;
} redirect_key;

static guint redirect_hash(gconstpointer k)
{
	const redirect_key *r = k;
	guint h = r->src * 2654435761u ^ r->dst * 2246822519u;
	return h ^ (((guint)r->sport << 16 | r->dport) * 3266489917u);
}

static gboolean redirect_equal(gconstpointer a, gconstpointer b)
{
	const redirect_key *x = a, *y = b;
	return x->src == y->src && x->dst == y->dst && x->sport == y->sport && x->dport == y->dport;
}

static guint target_key(sc_target_kind kind, int target)
{
	return ((guint)kind << 24) | (guint)target;
}

static void croute_clear(gpointer data) { g_free(((croute *)data)->text); }

static port *local_delivery(vpc_router *v, uint32_t dst, drop_reason *why)
{
	port *out = g_hash_table_lookup(v->by_ip, GUINT_TO_POINTER(dst));
	if (!out)
		*why = DROP_NO_ADDRESS;
	return out;
}

port *vpc_router_lookup(vpc_router *v, port *in, uint32_t dst, drop_reason *why,
                        const char **route_text)
{
	vport *vi = &g_array_index(v->vports, vport, in->index);
	*route_text = NULL;
	switch (vi->kind) {
	case VPC_PORT_PEERING:
	case VPC_PORT_IGW:
	case VPC_PORT_GW_ENDPOINT:
	case VPC_PORT_RESOLVER:
	case VPC_PORT_LATTICE:
		/* Arrived from outside the VPC (or from the resolver, which
		 * answers only its own VPC): only the local route applies. */
		if (!sc_cidr_contains(v->cidr, dst)) {
			*why = vi->kind == VPC_PORT_PEERING ? DROP_NOT_TRANSITIVE : DROP_NO_ROUTE;
			return NULL;
		}
		*route_text = "local";
		return local_delivery(v, dst, why);
	case VPC_PORT_ENI:
		/* Link-local: never in a route table, handed to Lattice. */
		if (v->lattice && (dst & 0xFFFFFF00u) == 0xA9FEAB00u) {
			*route_text = "VPC Lattice (169.254.171.0/24, link-local)";
			return v->lattice;
		}
		break;
	default:
		break;
	}
	GArray *routes = vi->routes;
	for (guint i = 0; routes && i < routes->len; i++) {
		croute *r = &g_array_index(routes, croute, i);
		if ((dst & r->mask) != r->prefix)
			continue;
		*route_text = r->text;
		port *out = NULL;
		switch (r->kind) {
		case SC_TARGET_LOCAL:
			return local_delivery(v, dst, why);
		case SC_TARGET_BLACKHOLE:
			*why = DROP_BLACKHOLE;
			return NULL;
		case SC_TARGET_TGW:
			out = g_hash_table_lookup(v->tgw_az, GUINT_TO_POINTER(((guint)r->target << 8) | vi->az));
			if (!out)
				*why = DROP_NO_TGW_AZ;
			return out;
		default:
			out = g_hash_table_lookup(v->by_target, GUINT_TO_POINTER(target_key(r->kind, r->target)));
			if (!out)
				*why = DROP_NO_ROUTE;
			return out;
		}
	}
	*why = DROP_NO_ROUTE;
	return NULL;
}

/* The port a redirect sends p to, or NULL.  Only packets that an ENI sent
 * are redirected: a redirect stands for the reply path of a flow whose
 * request the load balancer forwarded with the client's address. */
static port *redirected(vpc_router *v, const pkt *p, const port *in)
{
	if (!v->redirects || g_array_index(v->vports, vport, in->index).kind != VPC_PORT_ENI)
		return NULL;
	uint8_t proto = pkt_proto(p);
	if (proto != PKT_PROTO_TCP && proto != PKT_PROTO_UDP)
		return NULL;
	redirect_key k = { pkt_ip_src(p), pkt_ip_dst(p), pkt_sport(p), pkt_dport(p) };
	port *to = g_hash_table_lookup(v->redirects, &k);
	return to != in ? to : NULL;
}

static void vpc__receive(node *n, pkt *p, port *in)
{
	vpc_router *v = (vpc_router *)n;
	drop_reason why = DROP_NO_ROUTE;
	/* Set by the lookup; a redirect skips it. */
	const char *text = "reply redirect";
	port *out = redirected(v, p, in);
	if (!out)
		out = vpc_router_lookup(v, in, pkt_ip_dst(p), &why, &text);
	if (!out) {
		char dst[16];
		vport *vi = &g_array_index(v->vports, vport, in->index);
		char *detail = g_strdup_printf("from %s to %s", vi->component, pkt_ip_str(pkt_ip_dst(p), dst));
		net_drop_detail(n->net, n, p, why, detail);
		g_free(detail);
		return;
	}
	vport *vi = &g_array_index(v->vports, vport, in->index);
	vport *vo = &g_array_index(v->vports, vport, out->index);
	NET_TRACE(n->net, n, p, NET_TRACE_DECIDE, "route %s: to %s", text ? text : "local", vo->component);
	/* A packet from an ENI is where that ENI is, and was sent by it. */
	if (vi->az != FABRIC_AZ_NONE) {
		p->az = vi->az;
		p->az_from = vi->sender;
	}
	/* A target's answer to an NLB pays nlb.cross_az_to_targets. */
	if (vo->nlb && nlb_is_target_reply(vo->nlb, p))
		p->flags |= PKT_F_NLB_BACKEND;
	sim_time d = dist_sample_ns(&v->f->prof->processing.vpc_router, &v->rng) +
	             fabric_move(v->f, &v->rng, p, vo->az, vo->xin);
	fabric_send(n->net, out, p, d, &vo->last_departure);
}

static void vpc__destroy(node *n)
{
	vpc_router *v = (vpc_router *)n;
	for (guint i = 0; i < v->vports->len; i++)
		g_free(g_array_index(v->vports, vport, i).component);
	g_array_unref(v->vports);
	g_hash_table_unref(v->by_ip);
	g_hash_table_unref(v->by_target);
	g_hash_table_unref(v->tgw_az);
	g_hash_table_unref(v->tables);
	if (v->redirects)
		g_hash_table_unref(v->redirects);
	node_clear(n);
	g_free(v);
}

static const node_ops vpc_ops = {
	.kind = "vpc-router",
	.receive = vpc__receive,
	.destroy = vpc__destroy,
};

vpc_router *vpc_router_new(fabric *f, int vpc_index)
{
	vpc_router *v = g_new0(vpc_router, 1);
	const sc_vpc *sv = SC_AT(f->sc->vpcs, sc_vpc, vpc_index);
	char *name = g_strdup_printf("%s-router", sv->name);
	node_init(&v->base, &vpc_ops, f->net, name);
	net_rng(f->net, &v->rng, name);
	g_free(name);
	v->f = f;
	v->vpc = vpc_index;
	v->cidr = sv->cidr;
	v->vports = g_array_new(FALSE, TRUE, sizeof(vport));
	v->by_ip = g_hash_table_new(g_direct_hash, g_direct_equal);
	v->by_target = g_hash_table_new(g_direct_hash, g_direct_equal);
	v->tgw_az = g_hash_table_new(g_direct_hash, g_direct_equal);
	v->tables = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_array_unref);
	return v;
}

node *vpc_router_node(vpc_router *v) { return &v->base; }

port *vpc_router_add_port(vpc_router *v, vpc_port_kind kind, int subnet, int target, uint32_t ip,
                          const char *component)
{
	const scenario *sc = v->f->sc;
	port *p = node_add_port(&v->base);
	vport vp = { .kind = kind, .subnet = subnet, .target = target, .ip = ip,
		     .component = g_strdup(component) };
	if (subnet >= 0) {
		vp.az = (uint8_t)(SC_AT(sc->subnets, sc_subnet, subnet)->az_index + 1);
		vp.sender = fabric_sender(v->f, component);
	}
	/* The resolver is in no AZ: nothing crosses one to reach it. */
	vp.xin = kind == VPC_PORT_RESOLVER ? NULL : fabric_receiver(v->f, component);
	g_array_append_val(v->vports, vp);
	if (ip)
		g_hash_table_insert(v->by_ip, GUINT_TO_POINTER(ip), p);
	sc_target_kind tk;
	switch (kind) {
	case VPC_PORT_TGW: {
		int tgw = SC_AT(sc->tgw_attachments, sc_tgw_attachment, target)->tgw;
		g_hash_table_insert(v->tgw_az, GUINT_TO_POINTER(((guint)tgw << 8) | vp.az), p);
		return p;
	}
	case VPC_PORT_ENI: tk = SC_TARGET_INSTANCE; break;
	case VPC_PORT_NATGW: tk = SC_TARGET_NATGW; break;
	case VPC_PORT_PEERING: tk = SC_TARGET_PEERING; break;
	case VPC_PORT_IGW: tk = SC_TARGET_IGW; break;
	case VPC_PORT_GW_ENDPOINT: tk = SC_TARGET_GW_ENDPOINT; break;
	case VPC_PORT_LATTICE:
		v->lattice = p;
		return p;
	default: return p;
	}
	/* target < 0: an ENI no route names (a load balancer node, an
	 * endpoint ENI), reached by its address only. */
	if (target >= 0)
		g_hash_table_insert(v->by_target, GUINT_TO_POINTER(target_key(tk, target)), p);
	return p;
}

static const char *target_name(const scenario *sc, sc_target_kind kind, int target)
{
	switch (kind) {
	case SC_TARGET_LOCAL: return "local";
	case SC_TARGET_BLACKHOLE: return "blackhole";
	case SC_TARGET_PEERING: return SC_AT(sc->peerings, sc_peering, target)->name;
	case SC_TARGET_TGW: return SC_AT(sc->tgws, sc_tgw, target)->name;
	case SC_TARGET_NATGW: return SC_AT(sc->natgws, sc_natgw, target)->name;
	case SC_TARGET_IGW: return SC_AT(sc->igws, sc_igw, target)->name;
	case SC_TARGET_GW_ENDPOINT: return SC_AT(sc->gw_endpoints, sc_gw_endpoint, target)->name;
	case SC_TARGET_INSTANCE: return SC_AT(sc->instances, sc_instance, target)->name;
	}
	return "?";
}

static gint croute_cmp(gconstpointer a, gconstpointer b)
{
	const croute *x = a, *y = b;
	return (int)y->len - (int)x->len; /* longest prefix first; stable sort keeps file order */
}

static GArray *compile_table(const scenario *sc, const sc_route_table *rt)
{
	GArray *routes = g_array_new(FALSE, TRUE, sizeof(croute));
	g_array_set_clear_func(routes, croute_clear);
	for (guint i = 0; i < rt->routes->len; i++) {
		const sc_route *r = SC_AT(rt->routes, sc_route, i);
		char net_s[16];
		croute c = { .len = r->dst.len, .kind = r->kind, .target = r->target };
		c.mask = r->dst.len ? ~UINT32_C(0) << (32 - r->dst.len) : 0;
		c.prefix = r->dst.addr & c.mask;
		pkt_ip_str(c.prefix, net_s);
		if (r->prefix_list >= 0)
			c.text = g_strdup_printf("pl-%s (%s/%u) -> %s, route table %s",
			                         SC_AT(sc->services, sc_service, r->prefix_list)->name,
			                         net_s, c.len, target_name(sc, r->kind, r->target), rt->name);
		else
			c.text = g_strdup_printf("%s/%u -> %s, route table %s", net_s, c.len,
			                         target_name(sc, r->kind, r->target), rt->name);
		g_array_append_val(routes, c);
	}
	/* g_array_sort is not stable, which is fine: two routes of one
	 * length both match a destination only if they are the same
	 * destination, a load error. */
	g_array_sort(routes, croute_cmp);
	return routes;
}

void vpc_router_finish(vpc_router *v)
{
	/* Each port in a subnet gets its subnet's table, compiled once per
	 * router: the work and memory follow this VPC's ports, whatever the
	 * number of VPCs and tables in the scenario. */
	const scenario *sc = v->f->sc;
	for (guint i = 0; i < v->vports->len; i++) {
		vport *vp = &g_array_index(v->vports, vport, i);
		if (vp->subnet < 0)
			continue;
		int t = scenario_subnet_route_table(sc, vp->subnet);
		if (t < 0)
			continue;
		GArray *routes = g_hash_table_lookup(v->tables, GINT_TO_POINTER(t));
		if (!routes) {
			routes = compile_table(sc, SC_AT(sc->route_tables, sc_route_table, t));
			g_hash_table_insert(v->tables, GINT_TO_POINTER(t), routes);
		}
		vp->routes = routes;
	}
	for (guint i = 0; i < v->vports->len; i++) {
		port *p = node_port(&v->base, i);
		if (p->link && nlb_is(link_peer(p)->node))
			g_array_index(v->vports, vport, i).nlb = link_peer(p)->node;
	}
}

guint vpc_router_n_tables(const vpc_router *v) { return g_hash_table_size(v->tables); }

guint vpc_router_n_routes(const vpc_router *v)
{
	guint n = 0;
	GHashTableIter it;
	gpointer val;
	g_hash_table_iter_init(&it, v->tables);
	while (g_hash_table_iter_next(&it, NULL, &val))
		n += ((GArray *)val)->len;
	return n;
}

vpc_port_kind vpc_router_port_kind(const vpc_router *v, const port *p)
{
	return g_array_index(v->vports, vport, p->index).kind;
}

vpc_router *vpc_router_of(node *n)
{
	return n && n->ops == &vpc_ops ? (vpc_router *)n : NULL;
}

void vpc_router_redirect(vpc_router *v, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                         port *to)
{
	g_return_if_fail(v != NULL && to != NULL && to->node == &v->base);
	if (!v->redirects)
		v->redirects = g_hash_table_new_full(redirect_hash, redirect_equal, g_free, NULL);
	redirect_key k = { src, dst, sport, dport };
	g_hash_table_insert(v->redirects, g_memdup2(&k, sizeof k), to);
}

void vpc_router_unredirect(vpc_router *v, uint32_t src, uint16_t sport, uint32_t dst,
                           uint16_t dport)
{
	g_return_if_fail(v != NULL);
	redirect_key k = { src, dst, sport, dport };
	if (v->redirects)
		g_hash_table_remove(v->redirects, &k);
}

guint vpc_router_n_redirects(const vpc_router *v)
{
	return v->redirects ? g_hash_table_size(v->redirects) : 0;
}
