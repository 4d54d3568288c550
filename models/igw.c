/* \summary: internet gateway: source rewritten outbound, destination inbound, MTU 1500; the [internet_gateway] group */
#include "igw.h"
#include "kindlib.h"
#include "config.h"
#include "internet.h"
#include "world.h"

#include <string.h>

/*
 * "The internet gateway logically provides the one-to-one NAT on behalf of
 * your instance" (AWS VPC docs): outbound, the private source becomes the
 * public address; inbound, the public destination becomes the private one.
 * An instance without a public address cannot leave through it.  Packets
 * larger than the internet MTU (1500) with DF set are dropped ("or dropped
 * if the Don't Fragment flag is set", EC2's network MTU page), and one from
 * the VPC gets an ICMP "fragmentation needed" (next-hop MTU 1500) back: the
 * VPC guide's Path MTU Discovery page has instances that talk to peers over
 * the internet allow exactly that message in, which is [inference] that
 * the path's hop, this gateway, sends it.  Its source is the VPC router
 * address of the sender's subnet [UNSOURCED ASSUMPTION].  Instances
 * advertise the MSS of their 9001-byte ENIs, so this is how a TCP sender
 * on such a path learns its MSS (RFC 1191).
 */
typedef struct {
	node base;
	fabric *f;
	int vpc;
	rng rng;
	GHashTable *to_public;  /* private -> public */
	GHashTable *to_private; /* public -> private */
	sim_time last[2];
} igw;

static void igw__receive(node *n, pkt *p, port *in)
{
	igw *g = (igw *)n;
	char a[16], b[16];
	uint32_t icmp_src = in->index == 0 ? fabric_router_ip(g->f, g->vpc, pkt_ip_src(p)) : 0;
	if (fabric_mtu_drop_icmp(g->f, n, p, g->f->prof->mtu.igw, in->index == 0 ? in : NULL, &g->last[0],
	                         icmp_src) ||
	    !fabric_ttl(g->f, n, p, g->f->prof->ttl.igw))
		return;
	if (in->index == 0) {
		uint32_t pub = GPOINTER_TO_UINT(g_hash_table_lookup(g->to_public,
		                                                    GUINT_TO_POINTER(pkt_ip_src(p))));
		if (!pub) {
			char *detail = g_strdup_printf("%s has no public IP", pkt_ip_str(pkt_ip_src(p), a));
			net_drop_detail(n->net, n, p, DROP_NO_PUBLIC_IP, detail);
			g_free(detail);
			return;
		}
		NET_TRACE(n->net, n, p, NET_TRACE_REWRITE, "source %s -> %s (one-to-one NAT to the public address)",
		          pkt_ip_str(pkt_ip_src(p), a), pkt_ip_str(pub, b));
		pkt_set_ip_src(p, pub);
	} else {
		uint32_t priv = GPOINTER_TO_UINT(g_hash_table_lookup(g->to_private,
		                                                     GUINT_TO_POINTER(pkt_ip_dst(p))));
		if (!priv) {
			char *detail = g_strdup_printf("%s is not mapped", pkt_ip_str(pkt_ip_dst(p), a));
			net_drop_detail(n->net, n, p, DROP_NO_ADDRESS, detail);
			g_free(detail);
			return;
		}
		NET_TRACE(n->net, n, p, NET_TRACE_REWRITE, "destination %s -> %s (public address to private)",
		          pkt_ip_str(pkt_ip_dst(p), a), pkt_ip_str(priv, b));
		pkt_set_ip_dst(p, priv);
	}
	guint out = 1 - in->index;
	fabric_send(n->net, node_port(n, out), p, dist_sample_ns(&g->f->prof->processing.igw, &g->rng),
	            &g->last[out]);
}

static void igw__destroy(node *n)
{
	igw *g = (igw *)n;
	g_hash_table_unref(g->to_public);
	g_hash_table_unref(g->to_private);
	node_clear(n);
	g_free(g);
}

static const node_ops igw_ops = {
	.kind = "internet-gateway",
	.receive = igw__receive,
	.destroy = igw__destroy,
};

node *igw_new(fabric *f, int index)
{
	igw *g = g_new0(igw, 1);
	const char *name = SC_AT(f->sc->igws, sc_igw, index)->name;
	node_init(&g->base, &igw_ops, f->net, name);
	net_rng(f->net, &g->rng, name);
	g->f = f;
	g->vpc = SC_AT(f->sc->igws, sc_igw, index)->vpc;
	g->to_public = g_hash_table_new(g_direct_hash, NULL);
	g->to_private = g_hash_table_new(g_direct_hash, NULL);
	node_add_port(&g->base);
	node_add_port(&g->base);
	return &g->base;
}

void igw_map(node *n, uint32_t private_ip, uint32_t public_ip)
{
	igw *g = (igw *)n;
	g_hash_table_insert(g->to_public, GUINT_TO_POINTER(private_ip), GUINT_TO_POINTER(public_ip));
	g_hash_table_insert(g->to_private, GUINT_TO_POINTER(public_ip), GUINT_TO_POINTER(private_ip));
}

/* ---- [internet_gateway] in scenario files: keys, loading, checks ---- */

static const ld_key igw_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ NULL },
};

static void build_igws(sc_loader *l)
{
	for (guint i = 0; i < ld_groups(l->ld, GK_IGW)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_IGW)->pdata[i];
		sc_igw *w = SC_AT(l->sc->igws, sc_igw, i);
		w->name = g_strdup(g->name);
		w->vpc = ld_ref(l->ld, g, "vpc", GK_VPC);
		if (w->vpc < 0)
			continue;
		sc_vpc *v = SC_AT(l->sc->vpcs, sc_vpc, w->vpc);
		if (v->igw >= 0)
			ld_problem(l->ld, g, "vpc", "'%s' already has internet gateway %s; expected one internet gateway "
			               "per VPC", v->name, g_array_index(l->sc->igws, sc_igw, v->igw).name);
		else
			v->igw = (int)i;
	}
}

/* Internet gateways: the VPC side, the public side, and the address maps
 * of the VPC's public instances, internet-facing load balancers and NAT
 * gateways. */
static void build_igws_world(world *w)
{
	fabric *f = world_fabric(w);
	const scenario *sc = f->sc;
	node *region = world_region(w);
	for (guint i = 0; i < sc->igws->len; i++) {
		const sc_igw *sg = SC_AT(sc->igws, sc_igw, i);
		node *n = igw_new(f, (int)i);
		world_set_node(w, GK_IGW, (int)i, n);
		port *rp = vpc_router_add_port(world_router(w, sg->vpc), VPC_PORT_IGW, -1, (int)i, 0, sg->name);
		world_link(w, node_port(n, 0), rp, f->prof->bandwidth.igw);
		port *ip = internet_add_port(region);
		world_link(w, node_port(n, 1), ip, 0);
		for (guint k = 0; k < sc->instances->len; k++) {
			const sc_instance *in = SC_AT(sc->instances, sc_instance, k);
			if (in->public_ip && SC_AT(sc->subnets, sc_subnet, in->subnet)->vpc == sg->vpc) {
				igw_map(n, in->ip, in->public_ip);
				internet_add_address(region, ip, in->public_ip, in->name);
			}
		}
		for (guint k = 0; k < sc->load_balancers->len; k++) {
			const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, k);
			if (!lb->internet_facing || lb->vpc != sg->vpc)
				continue;
			for (guint j = 0; j < lb->node_ips->len; j++) {
				uint32_t pub = g_array_index(lb->node_public_ips, uint32_t, j);
				igw_map(n, g_array_index(lb->node_ips, uint32_t, j), pub);
				internet_add_address(region, ip, pub, lb->name);
			}
		}
		for (guint k = 0; k < sc->natgws->len; k++) {
			const sc_natgw *nn = SC_AT(sc->natgws, sc_natgw, k);
			if (SC_AT(sc->subnets, sc_subnet, nn->subnet)->vpc == sg->vpc) {
				igw_map(n, nn->ip, nn->public_ip);
				internet_add_address(region, ip, nn->public_ip, nn->name);
			}
		}
	}
}

static const sc_build igw_build[] = { { 700, build_igws_world }, { 0, NULL } };


static void igw_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	for (guint i = 0; i < sc->igws->len; i++) {
		int v = SC_AT(sc->igws, sc_igw, i)->vpc;
		if (v == x->consumer)
			c->per[CFG_GATEWAYS]++;
		else if (v == x->service)
			c->fixed[CFG_GATEWAYS]++;
	}
}

static const sc_step igw_steps[] = { { 110, build_igws }, { 0, NULL } };
static const char *const igw_nodes[] = { "", NULL };
const sc_kind sc_kind_internet_gateway = {
	.group = { "internet_gateway", igw_keys },
	.size = sizeof(sc_igw),
	.steps = igw_steps,
	.nodes = igw_nodes,
	.node_rank = 3,
	.build = igw_build,
	.public_network = TRUE,
	.node_kind = "internet-gateway",
	.props_rank = 4,
	.props = sc_public_props,
	.exposes_public = TRUE,
	.config = igw_config,
};
