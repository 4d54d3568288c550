/* \summary: VPC peering: forwards between two VPC routers without changing addresses; the [peering] group */
#include "peering.h"
#include "kindlib.h"
#include "config.h"
#include "world.h"

#include <string.h>

typedef struct {
	node base;
	fabric *f;
	rng rng;
	sim_time last[2];
} peering;

static void peering__receive(node *n, pkt *p, port *in)
{
	peering *pc = (peering *)n;
	/* No ICMP "fragmentation needed": a peering connection is no device in
	 * the path that could send one [UNSOURCED ASSUMPTION]; at 9001 within a
	 * Region it never binds for instances, whose MTU is 9001 too. */
	if (fabric_mtu_drop(pc->f, n, p, pc->f->prof->mtu.peering) ||
	    !fabric_ttl(pc->f, n, p, pc->f->prof->ttl.peering))
		return;
	guint out = 1 - in->index;
	NET_TRACE(n->net, n, p, NET_TRACE_DECIDE, "peering connection: straight to the %s VPC, addresses unchanged",
	          out == 1 ? "accepter" : "requester");
	/* Its data transfer is billed at vpc_peering's rates (fabric_move). */
	p->flags |= PKT_F_VIA_PEERING;
	fabric_send(n->net, node_port(n, out), p,
	            dist_sample_ns(&pc->f->prof->processing.peering, &pc->rng), &pc->last[out]);
}

static void peering__destroy(node *n)
{
	node_clear(n);
	g_free(n);
}

static const node_ops peering_ops = {
	.kind = "peering",
	.receive = peering__receive,
	.destroy = peering__destroy,
};

node *peering_new(fabric *f, int index)
{
	peering *pc = g_new0(peering, 1);
	const char *name = SC_AT(f->sc->peerings, sc_peering, index)->name;
	node_init(&pc->base, &peering_ops, f->net, name);
	net_rng(f->net, &pc->rng, name);
	pc->f = f;
	node_add_port(&pc->base);
	node_add_port(&pc->base);
	/* AWS charges nothing for the connection itself (the price table's
	 * vpc_peering.hourly_usd is 0); the line says so in every report. */
	cost_ledger_add_hourly(f->ledger, name, "hourly", f->sc->prices->vpc_peering.hourly_usd, 1);
	return &pc->base;
}

/* ---- [peering] in scenario files: keys, loading, checks ---- */

static const ld_key peering_keys[] = {
	{ "requester", TRUE, NAME_OF("vpc") },
	{ "accepter", TRUE, NAME_OF("vpc") },
	{ NULL },
};

static void build_peerings(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_PEERING)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_PEERING)->pdata[i];
		sc_peering *p = SC_AT(sc->peerings, sc_peering, i);
		p->name = g_strdup(g->name);
		p->vpc_a = ld_ref(l->ld, g, "requester", GK_VPC);
		p->vpc_b = ld_ref(l->ld, g, "accepter", GK_VPC);
		if (p->vpc_a < 0 || p->vpc_b < 0)
			continue;
		sc_vpc *a = SC_AT(sc->vpcs, sc_vpc, p->vpc_a), *b = SC_AT(sc->vpcs, sc_vpc, p->vpc_b);
		ip_buf ba, bb;
		if (p->vpc_a == p->vpc_b) {
			ld_problem(l->ld, g, "accepter", "'%s' is also the requester; expected two different VPCs",
			  b->name);
			continue;
		}
		if (a->cidr.len && b->cidr.len && cidr_overlap(a->cidr, b->cidr)) {
			ld_problem(l->ld, g, "accepter", "'%s': VPC peering does not support overlapping CIDRs: %s %s "
			                    "overlaps %s %s; expected VPCs whose CIDRs do not overlap",
			  b->name, a->name, cidr_fmt(a->cidr, &ba), b->name, cidr_fmt(b->cidr, &bb));
			continue;
		}
		for (guint j = 0; j < i; j++) {
			sc_peering *o = SC_AT(sc->peerings, sc_peering, j);
			if ((o->vpc_a == p->vpc_a && o->vpc_b == p->vpc_b) ||
			    (o->vpc_a == p->vpc_b && o->vpc_b == p->vpc_a)) {
				ld_problem(l->ld, g, "accepter", "'%s': %s and %s are already peered by %s; expected one "
				                    "peering connection per pair of VPCs", b->name, a->name,
				  b->name, o->name);
				break;
			}
		}
	}
}

gboolean sc_peered(sc_loader *l, int a, int b)
{
	for (guint i = 0; i < l->sc->peerings->len; i++) {
		sc_peering *p = SC_AT(l->sc->peerings, sc_peering, i);
		if ((p->vpc_a == a && p->vpc_b == b) || (p->vpc_a == b && p->vpc_b == a))
			return TRUE;
	}
	return FALSE;
}

static void build_peerings_world(world *w)
{
	fabric *f = world_fabric(w);
	const scenario *sc = f->sc;
	for (guint i = 0; i < sc->peerings->len; i++) {
		const sc_peering *sp = SC_AT(sc->peerings, sc_peering, i);
		node *n = peering_new(f, (int)i);
		world_set_node(w, GK_PEERING, (int)i, n);
		world_link(w, node_port(n, 0),
		           vpc_router_add_port(world_router(w, sp->vpc_a), VPC_PORT_PEERING, -1, (int)i, 0,
		                               sp->name),
		           0);
		world_link(w, node_port(n, 1),
		           vpc_router_add_port(world_router(w, sp->vpc_b), VPC_PORT_PEERING, -1, (int)i, 0,
		                               sp->name),
		           0);
	}
}

static const sc_build peering_build[] = { { 800, build_peerings_world }, { 0, NULL } };

static void peering_props(const profile *pf, sc_props *out)
{
	out->transitive = g_strdup("no: peering is not transitive");
	out->growth = g_strdup("full mesh: n(n-1)/2 peering connections for n VPCs (45 for 10)");
	out->quota = g_strdup_printf("%u active peering connections per VPC",
	                             pf->limits.peering_connections_per_vpc);
}

/* A peering connection per consumer; the service VPC's meet its quota. */
static void peering_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	guint svc_peerings = 0;
	for (guint i = 0; i < sc->peerings->len; i++) {
		const sc_peering *p = SC_AT(sc->peerings, sc_peering, i);
		if ((p->vpc_a == x->consumer && p->vpc_b == x->service) ||
		    (p->vpc_a == x->service && p->vpc_b == x->consumer)) {
			c->per[CFG_PEERINGS]++;
			svc_peerings++;
		}
	}
	c->peering = svc_peerings > 0;
	guint limit = sc->profile->limits.peering_connections_per_vpc;
	char *what = g_strdup_printf("%u active peering connections per VPC (the service VPC's)", limit);
	sc_config_quota(c, 10, 0, svc_peerings, limit, what);
	g_free(what);
}

static const sc_step peering_steps[] = { { 150, build_peerings }, { 0, NULL } };
static const char *const peering_nodes[] = { "", NULL };
const sc_kind sc_kind_peering = {
	.group = { "peering", peering_keys },
	.size = sizeof(sc_peering),
	.steps = peering_steps,
	.nodes = peering_nodes,
	.node_rank = 4,
	.build = peering_build,
	.node_kind = "peering",
	.props_rank = 1,
	.props = peering_props,
	.config = peering_config,
};
