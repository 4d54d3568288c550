/* \summary: VPC peering: forwards between two VPC routers without changing addresses */
#include "peering.h"

typedef struct {
	node base;
	fabric *f;
	rng rng;
	sim_time last[2];
} peering;

static void peering__receive(node *n, pkt *p, port *in)
{
	peering *pc = (peering *)n;
	if (fabric_mtu_drop(pc->f, n, p, pc->f->prof->mtu.peering))
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
