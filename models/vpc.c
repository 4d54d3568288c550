/* \summary: the VPC's implicit router: route tables, longest-prefix match, local delivery; [vpc], [subnet], [route_table], [route] */
#include "vpc.h"
#include "nacl.h"
#include "kindlib.h"
#include "config.h"
#include "dns.h"
#include "world.h"
#include "nlb.h"
#include "keymap.h"

#include <string.h>

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
	const sc_nacl *nacl; /* an ENI's or NAT gateway's subnet's network ACL; NULL: the
	                        default one (allows all), or no subnet */
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
	keymap by_ip;        /* local address (uint32_t) -> port */
	GHashTable *by_target; /* (kind << 24 | target) -> port, for single-port targets */
	GHashTable *tgw_az;  /* (tgw << 8 | az) -> port */
	/* Compiled route tables, scenario route table index -> GArray of
	 * croute: only the tables of this VPC's subnets that have ports, so a
	 * router's memory grows with its own VPC, not with the scenario. */
	GHashTable *tables;
	keymap redirects;    /* redirect_key -> port */
	port *lattice;       /* the VPC Lattice port, or NULL */
	rng rng;
};

/* A TCP or UDP flow one way, as vpc_router_redirect() names it. */
typedef struct {
	uint32_t src, dst;
	uint16_t sport, dport;
} redirect_key;

static inline keymap_key redirect_keymap_key(const redirect_key *k)
{
	return keymap_key_flow(k->src, k->dst, k->sport, k->dport, 0, 0);
}

static inline keymap_key ip_key(uint32_t ip) { return keymap_key_of(&ip, sizeof ip); }

static guint target_key(sc_target_kind kind, int target)
{
	return ((guint)kind << 24) | (guint)target;
}

static void croute_clear(gpointer data) { g_free(((croute *)data)->text); }

static port *local_delivery(vpc_router *v, uint32_t dst, drop_reason *why)
{
	port *out = keymap_get(&v->by_ip, ip_key(dst));
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
	if (!keymap_len(&v->redirects) || g_array_index(v->vports, vport, in->index).kind != VPC_PORT_ENI)
		return NULL;
	uint8_t proto = pkt_proto(p);
	if (proto != PKT_PROTO_TCP && proto != PKT_PROTO_UDP)
		return NULL;
	redirect_key k = { pkt_ip_src(p), pkt_ip_dst(p), pkt_sport(p), pkt_dport(p) };
	port *to = keymap_get(&v->redirects, redirect_keymap_key(&k));
	return to != in ? to : NULL;
}

/* Network ACLs: a packet leaving a subnet meets its outbound rules, one
 * entering a subnet its inbound rules; within a subnet, neither.  FALSE
 * when one denies (the drop is counted, naming the ACL and the rule). */
static gboolean nacls_pass(vpc_router *v, pkt *p, const vport *vi, const vport *vo)
{
	if (vi->subnet >= 0 && vi->subnet == vo->subnet)
		return TRUE;
	const vport *at[2] = { vi, vo };
	for (int egress = 1; egress >= 0; egress--) {
		const sc_nacl *a = at[!egress]->nacl;
		if (!a)
			continue;
		const sc_nacl_rule *r;
		gboolean ok = nacl_allows(a, egress, p, &r);
		const char *dir = egress ? "outbound" : "inbound";
		if (ok) {
			NET_TRACE(v->base.net, &v->base, p, NET_TRACE_DECIDE, "network ACL %s %s: rule '%s'",
			          a->name, dir, r->text);
			continue;
		}
		char *detail = r ? g_strdup_printf("%s %s rule '%s'", a->name, dir, r->text)
		                 : g_strdup_printf("%s %s rule '*' (no rule matched)", a->name, dir);
		net_drop_detail(v->base.net, &v->base, p, DROP_NACL, detail);
		g_free(detail);
		return FALSE;
	}
	return TRUE;
}

static void vpc__receive(node *n, pkt *p, port *in)
{
	vpc_router *v = (vpc_router *)n;
	if (!fabric_ttl(v->f, n, p, v->f->prof->ttl.vpc_router))
		return;
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
	if ((vi->nacl || vo->nacl) && !nacls_pass(v, p, vi, vo))
		return;
	/* A packet from an ENI is where that ENI is, and was sent by it. */
	if (vi->az != FABRIC_AZ_NONE) {
		p->az = vi->az;
		p->az_from = vi->sender;
	}
	/* A target's answer to an NLB pays nlb.cross_az_to_targets. */
	if (vo->nlb && nlb_is_target_reply(vo->nlb, p))
		p->flags |= PKT_F_NLB_BACKEND | (nlb_is_relay_reply(vo->nlb, p) ? PKT_F_NLB_RELAY : 0);
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
	keymap_clear(&v->by_ip);
	g_hash_table_unref(v->by_target);
	g_hash_table_unref(v->tgw_az);
	g_hash_table_unref(v->tables);
	keymap_clear(&v->redirects);
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
	/* A NULL equality makes GLib compare the keys itself, without a call
	 * per probe. */
	keymap_init(&v->by_ip);
	keymap_init(&v->redirects);
	v->by_target = g_hash_table_new(g_direct_hash, NULL);
	v->tgw_az = g_hash_table_new(g_direct_hash, NULL);
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
		/* Transit gateway attachment subnets' ACLs are not modelled. */
		if (kind == VPC_PORT_ENI || kind == VPC_PORT_NATGW)
			vp.nacl = nacl_of_subnet(sc, subnet);
	}
	/* The resolver is in no AZ: nothing crosses one to reach it. */
	vp.xin = kind == VPC_PORT_RESOLVER ? NULL : fabric_receiver(v->f, component);
	g_array_append_val(v->vports, vp);
	if (ip)
		keymap_put(&v->by_ip, ip_key(ip), p);
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
	redirect_key k = { src, dst, sport, dport };
	keymap_put(&v->redirects, redirect_keymap_key(&k), to);
}

void vpc_router_unredirect(vpc_router *v, uint32_t src, uint16_t sport, uint32_t dst,
                           uint16_t dport)
{
	g_return_if_fail(v != NULL);
	redirect_key k = { src, dst, sport, dport };
	keymap_remove(&v->redirects, redirect_keymap_key(&k));
}

guint vpc_router_n_redirects(const vpc_router *v)
{
	return keymap_len(&v->redirects);
}

/* ---- [vpc], [subnet], [route_table] and [route] in scenario files: keys, loading, checks ---- */

#define ROUTE_TARGET_WORDS \
	"local, blackhole or the name of a peering, transit_gateway, nat_gateway, " \
	"internet_gateway or instance"

static const ld_key vpc_keys[] = {
	{ "cidr", TRUE, "the VPC's IPv4 CIDR, /16 to /28, such as 10.0.0.0/16" },
	{ NULL },
};

static const ld_key subnet_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "cidr", TRUE, "a CIDR inside the VPC's, /16 to /28, such as 10.0.1.0/24" },
	{ "az", TRUE, "an AZ ID such as use1-az1" },
	{ "route_table", FALSE, NAME_OF("route_table") " of the same VPC" },
	{ NULL },
};

static const ld_key route_table_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "routes", FALSE, "comma-separated routes 'CIDR -> TARGET'" },
	{ "main", FALSE, "true to make this the VPC's main route table, or false" },
	{ NULL },
};

static const ld_key route_keys[] = {
	{ "route_table", TRUE, NAME_OF("route_table") },
	{ "destination", TRUE, "a CIDR such as 10.5.0.0/16" },
	{ "target", TRUE, "local, blackhole or the name of a peering, transit_gateway, nat_gateway, "
	                  "internet_gateway or instance" },
	{ NULL },
};

static void build_vpcs(sc_loader *l)
{
	for (guint i = 0; i < ld_groups(l->ld, GK_VPC)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_VPC)->pdata[i];
		sc_vpc *v = SC_AT(l->sc->vpcs, sc_vpc, i);
		v->name = g_strdup(g->name);
		v->igw = -1;
		v->main_route_table = -1;
		sc_cidr c;
		if (!ld_get_cidr(l->ld, g, "cidr", &c))
			continue;
		if (c.len < 16 || c.len > 28)
			ld_problem(l->ld, g, "cidr", "'%s' is a /%u; expected a VPC CIDR from /16 to /28",
			  ld_get(g, "cidr", ""), c.len);
		v->cidr = c;
	}
}

/* Route tables' VPC and main flag, then an implicit main table for every
 * VPC without one.  Routes come later, once every target exists. */
static void build_route_tables(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_ROUTE_TABLE)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_ROUTE_TABLE)->pdata[i];
		sc_route_table *t = SC_AT(sc->route_tables, sc_route_table, i);
		t->name = g_strdup(g->name);
		t->routes = g_array_new(FALSE, TRUE, sizeof(sc_route));
		t->vpc = ld_ref(l->ld, g, "vpc", GK_VPC);
		t->main = ld_get_bool(l->ld, g, "main", FALSE);
		if (t->vpc < 0 || !t->main)
			continue;
		sc_vpc *v = SC_AT(sc->vpcs, sc_vpc, t->vpc);
		if (v->main_route_table >= 0)
			ld_problem(l->ld, g, "main", "'true': %s already has the main route table %s; expected one main "
			                "route table per VPC", v->name,
			  g_array_index(sc->route_tables, sc_route_table, v->main_route_table).name);
		else
			v->main_route_table = (int)i;
	}
	for (guint v = 0; v < sc->vpcs->len; v++) {
		sc_vpc *vpc = SC_AT(sc->vpcs, sc_vpc, v);
		if (vpc->main_route_table >= 0)
			continue;
		sc_route_table t = { .name = g_strdup_printf("%s-main", vpc->name), .vpc = (int)v,
			             .main = TRUE };
		t.routes = g_array_new(FALSE, TRUE, sizeof(sc_route));
		/* A clash with another implicit table means two VPCs share a name,
		 * which is reported already. */
		int clash = ld_lookup(l->ld, GK_ROUTE_TABLE, t.name);
		if (clash >= 0 && (guint)clash < ld_groups(l->ld, GK_ROUTE_TABLE)->len) {
			ld_group *g = ld_groups(l->ld, GK_ROUTE_TABLE)->pdata[clash];
			ld_problem(l->ld, g, NULL, "the name '%s' is that of %s's implicit main route table; expected "
			              "another name, or main = true in this table", t.name, vpc->name);
		}
		vpc->main_route_table = (int)sc->route_tables->len;
		g_array_append_val(sc->route_tables, t);
		ld_add_name(l->ld, GK_ROUTE_TABLE, t.name);
	}
	/* The implicit local route comes first in every table. */
	for (guint i = 0; i < sc->route_tables->len; i++) {
		sc_route_table *t = SC_AT(sc->route_tables, sc_route_table, i);
		if (t->vpc < 0)
			continue;
		sc_route r = { SC_AT(sc->vpcs, sc_vpc, t->vpc)->cidr, -1, SC_TARGET_LOCAL, -1 };
		g_array_append_val(t->routes, r);
	}
}

/* Checks an AZ ID and returns its index in scenario.azs (added on first
 * use), or -1. */
static int az_index(sc_loader *l, const ld_group *g, const char *az)
{
	/* An AZ ID is a Region code of letters and digits, "-az" and a number:
	 * use1-az1, apse2-az3.  AZ names (us-east-1a) differ per account. */
	const char *dash = strstr(az, "-az");
	gboolean ok = dash && dash > az && dash[3] != '\0';
	for (const char *p = az; ok && p < dash; p++)
		ok = g_ascii_islower(*p) || g_ascii_isdigit(*p);
	for (const char *p = dash ? dash + 3 : az; ok && *p; p++)
		ok = g_ascii_isdigit(*p);
	if (!ok) {
		ld_problem(l->ld, g, "az", "'%s' is not an AZ ID; expected an AZ ID such as use1-az1 (AZ IDs, not "
		              "names such as us-east-1a, are the same in every account)", az);
		return -1;
	}
	GPtrArray *azs = l->sc->azs;
	for (guint i = 0; i < azs->len; i++)
		if (strcmp(azs->pdata[i], az) == 0)
			return (int)i;
	if (azs->len) {
		const char *first = azs->pdata[0];
		size_t rlen = (size_t)(strstr(first, "-az") - first);
		if (rlen != (size_t)(dash - az) || strncmp(first, az, rlen) != 0)
			ld_problem(l->ld, g, "az", "'%s' is in another Region than %s, the first AZ used; expected AZ IDs "
			              "of one Region", az, first);
	}
	g_ptr_array_add(azs, g_strdup(az));
	return (int)azs->len - 1;
}

static void build_subnets(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_SUBNET)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_SUBNET)->pdata[i];
		sc_subnet *s = SC_AT(sc->subnets, sc_subnet, i);
		s->name = g_strdup(g->name);
		s->vpc = ld_ref(l->ld, g, "vpc", GK_VPC);
		s->route_table = -1;
		s->az_index = -1;
		const char *az = ld_get(g, "az", NULL);
		if (az) {
			s->az = g_strdup(az);
			s->az_index = az_index(l, g, az);
		}
		gboolean have_cidr = ld_get_cidr(l->ld, g, "cidr", &s->cidr);
		if (have_cidr && (s->cidr.len < 16 || s->cidr.len > 28)) {
			ld_problem(l->ld, g, "cidr", "'%s' is a /%u; expected a subnet CIDR from /16 to /28",
			  ld_get(g, "cidr", ""), s->cidr.len);
			have_cidr = FALSE;
		}
		if (have_cidr && s->vpc >= 0) {
			sc_vpc *v = SC_AT(sc->vpcs, sc_vpc, s->vpc);
			ip_buf b;
			if (v->cidr.len && (s->cidr.len < v->cidr.len ||
			                    !sc_cidr_contains(v->cidr, s->cidr.addr))) {
				ld_problem(l->ld, g, "cidr", "'%s' is not inside VPC %s (%s); expected a CIDR within the "
				                "VPC's", ld_get(g, "cidr", ""), v->name, cidr_fmt(v->cidr, &b));
			} else {
				for (guint j = 0; j < i; j++) {
					sc_subnet *o = SC_AT(sc->subnets, sc_subnet, j);
					if (o->vpc == s->vpc && o->cidr.len && cidr_overlap(o->cidr, s->cidr)) {
						ld_problem(l->ld, g, "cidr", "'%s' overlaps subnet %s (%s) of %s; expected "
						                "subnets of a VPC not to overlap",
						  ld_get(g, "cidr", ""), o->name, cidr_fmt(o->cidr, &b), v->name);
						break;
					}
				}
			}
		}
		if (!ld_get(g, "route_table", NULL))
			continue;
		s->route_table = ld_ref(l->ld, g, "route_table", GK_ROUTE_TABLE);
		if (s->route_table >= 0 && s->vpc >= 0) {
			sc_route_table *t = SC_AT(sc->route_tables, sc_route_table, s->route_table);
			if (t->vpc >= 0 && t->vpc != s->vpc) {
				ld_problem(l->ld, g, "route_table", "'%s' is a route table of %s, not of %s; expected a "
				                       "route table of the subnet's VPC", t->name,
				  sc_vpc_name(l, t->vpc), sc_vpc_name(l, s->vpc));
				s->route_table = -1;
			}
		}
	}
}

/* Appends a route unless the table already has one for the destination. */
gboolean sc_add_route(sc_loader *l, const ld_group *g, const char *key, const char *text,
                          GArray *routes, sc_route r)
{
	for (guint i = 0; i < routes->len; i++) {
		sc_route *o = SC_AT(routes, sc_route, i);
		if (o->dst.addr == r.dst.addr && o->dst.len == r.dst.len) {
			ip_buf b;
			ld_problem(l->ld, g, key, "'%s': the table already has a route for %s%s; expected one route "
			             "per destination", text, cidr_fmt(r.dst, &b),
			  o->kind == SC_TARGET_LOCAL ? " (the local route)" : "");
			return FALSE;
		}
	}
	g_array_append_val(routes, r);
	return TRUE;
}

/* Splits "CIDR -> TARGET"; reports and returns FALSE when it is not that. */
gboolean sc_split_route(sc_loader *l, const ld_group *g, const char *key, const char *item,
                            const char *example, sc_cidr *dst, char **target)
{
	const char *arrow = strstr(item, "->");
	if (!arrow) {
		ld_problem(l->ld, g, key, "'%s' is not a route; expected 'CIDR -> TARGET' such as '%s'", item,
		  example);
		return FALSE;
	}
	char *d = g_strstrip(g_strndup(item, (gsize)(arrow - item)));
	GString *why = g_string_new(NULL);
	gboolean ok = cidr_parse(d, dst, why);
	if (!ok)
		ld_problem(l->ld, g, key, "'%s': destination '%s' %s", item, d, why->str);
	*target = g_strstrip(g_strdup(arrow + 2));
	g_string_free(why, TRUE);
	g_free(d);
	return ok;
}

/* The VPC a route target belongs to, for the same-VPC check: -1 for
 * targets that are not in one VPC (peering, TGW). */
static int target_vpc(sc_loader *l, sc_target_kind kind, int t)
{
	switch (kind) {
	case SC_TARGET_NATGW:
		return sc_subnet_vpc(l, SC_AT(l->sc->natgws, sc_natgw, t)->subnet);
	case SC_TARGET_INSTANCE:
		return sc_subnet_vpc(l, SC_AT(l->sc->instances, sc_instance, t)->subnet);
	case SC_TARGET_IGW:
		return SC_AT(l->sc->igws, sc_igw, t)->vpc;
	default:
		return -1;
	}
}

/* A [route] (AWS::EC2::Route) joins its table's `routes` list, where it is
 * checked like any route written there; a counted one gives a route per
 * copy (a route back to each of N peered VPCs). */
static void fold_route_groups(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_ROUTE)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_ROUTE)->pdata[i];
		sc_route_group *r = SC_AT(sc->routes, sc_route_group, i);
		r->name = g_strdup(g->name);
		r->route_table = ld_ref(l->ld, g, "route_table", GK_ROUTE_TABLE);
		const char *dst = ld_get(g, "destination", NULL), *target = ld_get(g, "target", NULL);
		if (r->route_table < 0 || !dst || !target)
			continue;
		if ((guint)r->route_table >= ld_groups(l->ld, GK_ROUTE_TABLE)->len) {
			ld_problem(l->ld, g, "route_table", "'%s' is a VPC's implicit main route table; expected a "
			                       "[route_table] written in the file", ld_get(g, "route_table", ""));
			continue;
		}
		if (strchr(dst, ',') || strchr(target, ',')) {
			ld_problem(l->ld, g, strchr(dst, ',') ? "destination" : "target", "'%s': one route per group; "
			  "expected no comma", strchr(dst, ',') ? dst : target);
			continue;
		}
		/* What can be judged here is reported under this group; the rest
		 * (a target serving another VPC) under the table, with the route. */
		sc_cidr c;
		GString *why = g_string_new(NULL);
		gboolean ok = cidr_parse(dst, &c, why);
		if (!ok)
			ld_problem(l->ld, g, "destination", "'%s' %s", dst, why->str);
		g_string_free(why, TRUE);
		if (strcmp(target, "local") != 0 && strcmp(target, "blackhole") != 0 &&
		    ld_space_kind(l->ld, SC_SPACE_ROUTE_TARGET, target) < 0) {
			ld_problem(l->ld, g, "target", "'%s' is not defined; expected %s", target, ROUTE_TARGET_WORDS);
			ok = FALSE;
		}
		if (!ok)
			continue;
		ld_group *t = ld_groups(l->ld, GK_ROUTE_TABLE)->pdata[r->route_table];
		const char *have = ld_get(t, "routes", "");
		char *all = g_strdup_printf("%s%s%s -> %s", have ? have : "", have && *have ? ", " : "", dst, target);
		g_hash_table_replace(t->values, g_strdup("routes"), all);
	}
}

static void build_vpc_routes(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_ROUTE_TABLE)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_ROUTE_TABLE)->pdata[i];
		sc_route_table *t = SC_AT(sc->route_tables, sc_route_table, i);
		const char *v = ld_get(g, "routes", "");
		char **items = v ? g_strsplit(v, ",", -1) : NULL;
		for (char **it = items; it && *it; it++) {
			const char *item = g_strstrip(*it);
			sc_route r = { .prefix_list = -1, .target = -1 };
			char *target = NULL;
			if (!*item || !sc_split_route(l, g, "routes", item, "0.0.0.0/0 -> igw-a", &r.dst,
			                           &target)) {
				g_free(target);
				continue;
			}
			gboolean ok = TRUE;
			const char *vpc = t->vpc >= 0 ? sc_vpc_name(l, t->vpc) : NULL;
			ip_buf b;
			if (strcmp(target, "local") == 0) {
				r.kind = SC_TARGET_LOCAL;
				sc_cidr own = t->vpc >= 0 ? SC_AT(sc->vpcs, sc_vpc, t->vpc)->cidr : r.dst;
				/* The implicit local route may be written out; nothing else. */
				if (own.addr != r.dst.addr || own.len != r.dst.len)
					ld_problem(l->ld, g, "routes", "'%s': local is only for the VPC's own CIDR %s; expected "
					                  "another target", item, cidr_fmt(own, &b));
				g_free(target);
				continue;
			} else if (strcmp(target, "blackhole") == 0) {
				r.kind = SC_TARGET_BLACKHOLE;
			} else {
				int k = ld_space_kind(l->ld, SC_SPACE_ROUTE_TARGET, target);
				static const sc_target_kind of_kind[GK_N] = {
					[GK_PEERING] = SC_TARGET_PEERING, [GK_TGW] = SC_TARGET_TGW,
					[GK_NATGW] = SC_TARGET_NATGW, [GK_IGW] = SC_TARGET_IGW,
					[GK_INSTANCE] = SC_TARGET_INSTANCE,
				};
				if (k < 0) {
					if (ld_lookup(l->ld, GK_GW_ENDPOINT, target) >= 0)
						ld_problem(l->ld, g, "routes", "'%s': '%s' is a gateway endpoint, whose routes it "
						                  "adds itself; expected %s (list this table in the "
						                  "endpoint's route_tables instead)", item, target,
						  ROUTE_TARGET_WORDS);
					else
						ld_problem(l->ld, g, "routes", "'%s': target '%s' is not defined; expected %s",
						  item, target, ROUTE_TARGET_WORDS);
					ok = FALSE;
				} else {
					r.kind = of_kind[k];
					r.target = ld_lookup(l->ld, k, target);
				}
			}
			if (ok && vpc && r.kind == SC_TARGET_PEERING) {
				sc_peering *p = SC_AT(sc->peerings, sc_peering, r.target);
				if (p->vpc_a >= 0 && p->vpc_b >= 0 && p->vpc_a != t->vpc &&
				    p->vpc_b != t->vpc) {
					ld_problem(l->ld, g, "routes", "'%s': peering %s connects %s and %s, not %s; expected a "
					                  "peering of this table's VPC", item, target,
					  sc_vpc_name(l, p->vpc_a), sc_vpc_name(l, p->vpc_b), vpc);
					ok = FALSE;
				}
			} else if (ok && vpc && r.kind == SC_TARGET_TGW) {
				gboolean attached = FALSE;
				for (guint j = 0; j < sc->tgw_attachments->len; j++) {
					sc_tgw_attachment *a = SC_AT(sc->tgw_attachments, sc_tgw_attachment, j);
					attached |= a->tgw == r.target && a->vpc == t->vpc;
				}
				if (!attached) {
					ld_problem(l->ld, g, "routes", "'%s': %s is not attached to transit gateway %s; expected "
					                  "a [tgw_attachment] of %s to it first", item, vpc, target,
					  vpc);
					ok = FALSE;
				}
			} else if (ok && vpc && r.target >= 0) {
				int tv = target_vpc(l, r.kind, r.target);
				static const char *const what[] = {
					[SC_TARGET_NATGW] = "nat_gateway", [SC_TARGET_IGW] = "internet_gateway",
					[SC_TARGET_INSTANCE] = "instance",
				};
				if (tv >= 0 && tv != t->vpc) {
					ld_problem(l->ld, g, "routes", "'%s': %s %s is in %s, not %s; expected a target in this "
					                  "table's VPC%s", item, what[r.kind], target,
					  sc_vpc_name(l, tv), vpc, r.kind == SC_TARGET_IGW
					                            ? " (an internet gateway serves only the VPC "
					                              "it is attached to)"
					                            : "");
					ok = FALSE;
				}
			}
			if (ok)
				sc_add_route(l, g, "routes", item, t->routes, r);
			g_free(target);
		}
		g_strfreev(items);
	}
}

static void subnet_clear(void *elem)
{
	g_free(((sc_subnet *)elem)->az);
}

static void route_table_clear(void *elem)
{
	sc_unref(((sc_route_table *)elem)->routes);
}

/* A router per VPC (100); each VPC's Route 53 Resolver at base + 2, in no
 * AZ (every host's own), knowing every name the VPC can resolve (110); the
 * routers' routes once every port exists (1100). */
static void build_routers(world *w)
{
	fabric *f = world_fabric(w);
	for (guint i = 0; i < f->sc->vpcs->len; i++)
		world_set_router(w, (int)i, vpc_router_new(f, (int)i));
}

static void build_resolvers(world *w)
{
	fabric *f = world_fabric(w);
	GHashTable *zone = NULL;
	for (guint i = 0; i < f->sc->vpcs->len; i++) {
		dns_resolver *r = dns_resolver_new(f, (int)i);
		char *name = g_strdup_printf("%s-resolver", SC_AT(f->sc->vpcs, sc_vpc, i)->name);
		port *rp = vpc_router_add_port(world_router(w, (int)i), VPC_PORT_RESOLVER, -1, -1,
		                               dns_resolver_ip(r), name);
		g_free(name);
		world_link(w, node_port(dns_resolver_node(r), 0), rp, 0);
		dns_resolver_add_scenario(r, &zone);
		world_set_resolver(w, (int)i, r);
	}
	if (zone)
		g_hash_table_unref(zone);
}

static void finish_routers(world *w)
{
	for (guint i = 0; i < world_fabric(w)->sc->vpcs->len; i++)
		vpc_router_finish(world_router(w, (int)i));
}

static const sc_build vpc_build[] = { { 100, build_routers },
				      { 110, build_resolvers },
				      { 1100, finish_routers },
				      { 0, NULL } };

/* Route table entries: every entry a consumer's tables hold beyond local
 * is per consumer; on the service side, entries for the consumer's range.
 * The service side's busiest table meets the routes-per-table quota. */
static void route_table_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	guint64 svc_table_fixed = 0, svc_table_per = 0;
	for (guint i = 0; i < sc->route_tables->len; i++) {
		const sc_route_table *t = SC_AT(sc->route_tables, sc_route_table, i);
		guint fixed = 0, per = 0;
		for (guint k = 0; k < t->routes->len; k++) {
			const sc_route *r = SC_AT(t->routes, sc_route, k);
			if (r->kind == SC_TARGET_LOCAL || r->kind == SC_TARGET_GW_ENDPOINT)
				continue;
			int named = t->vpc == x->service ? sc_config_names_vpc(sc, x->service, r->dst) : -1;
			if (t->vpc == x->consumer || (t->vpc == x->service && named == x->consumer))
				per++;
			else if (t->vpc == x->service && named < 0)
				fixed++;
			/* else another consumer's copy */
		}
		c->per[CFG_ROUTES] += per;
		c->fixed[CFG_ROUTES] += fixed;
		if (t->vpc == x->service && per && (!svc_table_per || per > svc_table_per)) {
			svc_table_per = per;
			svc_table_fixed = fixed;
		}
	}
	guint limit = sc->profile->limits.routes_per_route_table;
	char *what = g_strdup_printf("%u routes per route table (the service side's)", limit);
	sc_config_quota(c, 20, svc_table_fixed, svc_table_per, limit, what);
	g_free(what);
}

static const sc_step vpc_steps[] = { { 100, build_vpcs }, { 0, NULL } };
static const char *const vpc_nodes[] = { "-router", "-resolver", NULL };
const sc_kind sc_kind_vpc = {
	.group = { "vpc", vpc_keys },
	.size = sizeof(sc_vpc),
	.steps = vpc_steps,
	.nodes = vpc_nodes,
	.node_rank = 1,
	.build = vpc_build,
};

static const sc_step subnet_steps[] = { { 130, build_subnets }, { 0, NULL } };
const sc_kind sc_kind_subnet = {
	.group = { "subnet", subnet_keys },
	.size = sizeof(sc_subnet),
	.steps = subnet_steps,
	.clear = subnet_clear,
};

/* Tables first (VPCs' main tables exist before subnets name them), their
 * routes once every target exists. */
static const sc_step route_table_steps[] = { { 120, build_route_tables },
					     { 310, build_vpc_routes },
					     { 0, NULL } };
const sc_kind sc_kind_route_table = {
	.group = { "route_table", route_table_keys },
	.size = sizeof(sc_route_table),
	.steps = route_table_steps,
	.clear = route_table_clear,
	.config = route_table_config,
};

static const sc_step route_steps[] = { { 300, fold_route_groups }, { 0, NULL } };
const sc_kind sc_kind_route = {
	.group = { "route", route_keys },
	.size = sizeof(sc_route_group),
	.steps = route_steps,
};
