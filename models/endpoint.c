/* \summary: gateway endpoints: a prefix-list route to a service, addresses unchanged, no charge */
#include "endpoint.h"

typedef struct {
	node base;
	fabric *f;
	rng rng;
	cost_line *processing;
	sim_time last[2];
} gw_endpoint;

static void gwe__receive(node *n, pkt *p, port *in)
{
	gw_endpoint *e = (gw_endpoint *)n;
	cost_line_add_bytes(e->processing, fabric_billed_bytes(e->f, p));
	guint out = 1 - in->index;
	NET_TRACE(n->net, n, p, NET_TRACE_DECIDE, "gateway endpoint: %s, addresses unchanged",
	          out == 1 ? "to the service" : "back into the VPC");
	fabric_send(n->net, node_port(n, out), p,
	            dist_sample_ns(&e->f->prof->processing.gw_endpoint, &e->rng), &e->last[out]);
}

static void gwe__destroy(node *n)
{
	node_clear(n);
	g_free(n);
}

static const node_ops gwe_ops = {
	.kind = "gateway-endpoint",
	.receive = gwe__receive,
	.destroy = gwe__destroy,
};

node *gw_endpoint_new(fabric *f, int index)
{
	gw_endpoint *e = g_new0(gw_endpoint, 1);
	const char *name = SC_AT(f->sc->gw_endpoints, sc_gw_endpoint, index)->name;
	node_init(&e->base, &gwe_ops, f->net, name);
	net_rng(f->net, &e->rng, name);
	e->f = f;
	const prices *pr = f->sc->prices;
	e->processing = cost_ledger_line(f->ledger, name, "processing", &pr->gateway_endpoint.processing);
	cost_ledger_add_hourly(f->ledger, name, "hourly", pr->gateway_endpoint.hourly_usd, 1);
	node_add_port(&e->base);
	node_add_port(&e->base);
	return &e->base;
}
