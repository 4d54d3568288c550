/* \summary: PrivateLink resource endpoints: [resource_gateway], [resource_configuration] and [resource_endpoint] groups and their nodes */
#include "resource_endpoint.h"

#include <inttypes.h>
#include <string.h>

#include "config.h"
#include "dns.h"
#include "flowtab.h"
#include "kindlib.h"
#include "rng.h"
#include "world.h"

/* ---- the resource gateway ---- */

/*
 * Flows are kept as in the NLB (models/nlb.c), in a flowtab: by the
 * consumer's 5-tuple as it arrives plus the endpoint port it came in on
 * (two consumer VPCs may use the same addresses), and by the resource's
 * replies; idle ones are forgotten when next seen and from the idle end of
 * the last-use list when a flow is made (no timer events).
 */

typedef flowtab_key rkey; /* in = the endpoint port index; 0 for reply keys */

typedef struct {
	rkey front;    /* consumer -> endpoint ENI (in = the endpoint port) */
	rkey back;     /* resource -> gateway address */
	uint16_t eni;  /* the gateway ENI that sends it */
	uint32_t *in_use; /* the destination's count of ports in use */
} rflow;

typedef struct {
	uint32_t ip;      /* the first of its addresses: the source NAT address */
	uint8_t az;       /* 1 + AZ index */
	uint32_t sender;  /* fabric_sender of the gateway */
	sim_time last;
} reni;

/* Source ports towards one destination from one address. */
typedef flowtab_ports rdest;

typedef struct {
	int config;       /* scenario index */
	GArray *tip;      /* uint32_t per gateway ENI: the resource's address from that ENI's AZ */
	sim_time last;
} rside;

typedef struct {
	node base;
	fabric *f;
	const sc_resource_gateway *rg;
	rng rng;
	GArray *enis;     /* reni, by port index */
	GArray *sides;    /* rside, by port index - enis->len */
	GPtrArray *sgs_of_eni; /* sg_eni * per ENI (NULL: no check) */
	flowtab *flows;    /* rflow, by front and back */
	GHashTable *dests; /* rkey * -> rdest * (owns both) */
	cost_line *processing;
	resource_stats st;
} rgateway;

static void rewrite(pkt *p, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	pkt_set_ip_src(p, src);
	pkt_set_sport(p, sport);
	pkt_set_ip_dst(p, dst);
	pkt_set_dport(p, dport);
}

static reni *rg_eni(rgateway *g, guint i) { return &g_array_index(g->enis, reni, i); }

/* A flow forgotten gives its source port back. */
static void rg_forget(void *user, void *flow, sim_time now)
{
	(void)user;
	(void)now;
	(*((rflow *)flow)->in_use)--;
}

static const flowtab_ops rg_flow_ops = {
	FLOWTAB_LAYOUT(rflow, front, back),
	.forget = rg_forget,
};

static void rg_drop(rgateway *g, pkt *p, drop_reason why, const char *what)
{
	char s[16], d[16];
	char *detail = g_strdup_printf("%s: tcp %s:%u to %s:%u", what, pkt_ip_str(pkt_ip_src(p), s),
	                               pkt_sport(p), pkt_ip_str(pkt_ip_dst(p), d), pkt_dport(p));
	net_drop_detail(g->base.net, &g->base, p, why, detail);
	g_free(detail);
}

static void rg_bill(rgateway *g, const pkt *p)
{
	uint32_t b = fabric_billed_bytes(g->f, p);
	cost_line_add_bytes(g->processing, b);
	g->st.bytes += b;
}

/* A free source port from the ENI's address towards the destination of
 * `back` (which gets it in back->d), or NULL when all 64512 are in use. */
static rdest *rg_nat_port(rgateway *g, rkey *back)
{
	rkey dk = { .a = back->a, .b = back->b, .c = back->c, .proto = back->proto };
	rdest *ds = flowtab_ports_of(g->dests, &dk);
	return flowtab_ports_take(ds, FLOWTAB_PORTS, g->flows, back, &back->d, NULL, NULL) ? ds : NULL;
}

/* The gateway ENI in the packet's AZ (where the endpoint handed it), else
 * the first. */
static guint rg_eni_for(rgateway *g, uint8_t az)
{
	for (guint i = 0; i < g->enis->len; i++)
		if (rg_eni(g, i)->az == az)
			return i;
	return 0;
}

static void rg_from_endpoint(rgateway *g, pkt *p, guint side, sim_time now)
{
	rside *sd = &g_array_index(g->sides, rside, side);
	rkey k = { pkt_ip_src(p), pkt_ip_dst(p), pkt_sport(p), pkt_dport(p),
		   (uint16_t)(side + g->enis->len), pkt_proto(p) };
	rflow *fl = flowtab_lookup(g->flows, FLOWTAB_FWD, &k, now);
	if (!fl) {
		if ((pkt_tcp_flags(p) & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) != PKT_TCP_SYN) {
			rg_drop(g, p, DROP_NO_FLOW, "no connection (idle timeout passed, or never opened)");
			return;
		}
		flowtab_prune(g->flows, now);
		guint ei = rg_eni_for(g, p->az);
		reni *en = rg_eni(g, ei);
		uint32_t tip = g_array_index(sd->tip, uint32_t, ei);
		rkey back = { .a = tip, .b = en->ip, .c = k.d, .proto = k.proto };
		rdest *ds = rg_nat_port(g, &back);
		if (!ds) {
			rg_drop(g, p, DROP_NAT_PORTS, "every source port of the gateway's address in use");
			return;
		}
		/* The gateway's groups judge what it sends to the resource: the
		 * packet as it will leave. */
		sg_eni *sg = g_ptr_array_index(g->sgs_of_eni, ei);
		if (sg) {
			rewrite(p, en->ip, back.d, tip, k.d);
			const char *denied;
			gboolean ok = sg_allow_out(sg, p, &denied);
			rewrite(p, k.a, k.c, k.b, k.d);
			if (!ok) {
				ds->in_use--;
				net_drop_detail(g->base.net, &g->base, p, DROP_SG, denied);
				return;
			}
			NET_TRACE(g->base.net, &g->base, p, NET_TRACE_DECIDE, "security group, outbound: %s",
			          sg_last_rule(sg));
		}
		fl = flowtab_add(g->flows, &k, &back, now);
		fl->eni = (uint16_t)ei;
		fl->in_use = &ds->in_use;
		g->st.flows++;
	}
	flowtab_touch(g->flows, fl, now);
	reni *en = rg_eni(g, fl->eni);
	if (G_UNLIKELY(g->base.net->tracer)) {
		char a[16], b[16];
		NET_TRACE(g->base.net, &g->base, p, NET_TRACE_DECIDE,
		          "resource configuration %s: resource %s:%u from the gateway ENI in %s",
		          SC_AT(g->f->sc->of[GK_RESOURCE_CONFIG], sc_resource_config, sd->config)->name,
		          pkt_ip_str(fl->back.a, a), fl->back.c,
		          (const char *)g_ptr_array_index(g->f->sc->azs, en->az - 1));
		NET_TRACE(g->base.net, &g->base, p, NET_TRACE_REWRITE,
		          "source %s:%u -> %s:%u (source NAT to the resource gateway's address)",
		          pkt_ip_str(pkt_ip_src(p), a), pkt_sport(p), pkt_ip_str(en->ip, b), fl->back.d);
		NET_TRACE(g->base.net, &g->base, p, NET_TRACE_REWRITE, "destination %s:%u -> %s:%u (the resource)",
		          pkt_ip_str(pkt_ip_dst(p), a), pkt_dport(p), pkt_ip_str(fl->back.a, b), fl->back.c);
	}
	rewrite(p, en->ip, fl->back.d, fl->back.a, fl->back.c);
	rg_bill(g, p);
	p->az = en->az;
	p->az_from = en->sender;
	fabric_send(g->base.net, node_port(&g->base, fl->eni),
	            p, dist_sample_ns(&g->f->prof->processing.nlb, &g->rng), &en->last);
}

static void rg_from_resource(rgateway *g, pkt *p, guint ei, sim_time now)
{
	rkey k = { pkt_ip_src(p), pkt_ip_dst(p), pkt_sport(p), pkt_dport(p), 0, pkt_proto(p) };
	rflow *fl = flowtab_lookup(g->flows, FLOWTAB_REV, &k, now);
	if (!fl) {
		/* Connections are opened from the consumer's side only. */
		rg_drop(g, p, DROP_NO_FLOW, "no connection from a resource endpoint");
		return;
	}
	flowtab_touch(g->flows, fl, now);
	if (G_UNLIKELY(g->base.net->tracer)) {
		char s0[16], s1[16], d0[16], d1[16];
		NET_TRACE(g->base.net, &g->base, p, NET_TRACE_REWRITE,
		          "reply: %s:%u > %s:%u becomes %s:%u > %s:%u (back towards the endpoint)",
		          pkt_ip_str(pkt_ip_src(p), s0), pkt_sport(p), pkt_ip_str(pkt_ip_dst(p), d0), pkt_dport(p),
		          pkt_ip_str(fl->front.b, s1), fl->front.d, pkt_ip_str(fl->front.a, d1), fl->front.c);
	}
	rewrite(p, fl->front.b, fl->front.d, fl->front.a, fl->front.c);
	rg_bill(g, p);
	/* The endpoint's side is not a VPC router: the packet leaves from
	 * this ENI's AZ, for the endpoint's propagation and cross-AZ lines. */
	reni *en = rg_eni(g, ei);
	p->az = en->az;
	p->az_from = en->sender;
	rside *sd = &g_array_index(g->sides, rside, fl->front.in - g->enis->len);
	fabric_send(g->base.net, node_port(&g->base, fl->front.in), p,
	            dist_sample_ns(&g->f->prof->processing.nlb, &g->rng), &sd->last);
}

static void rg__receive(node *n, pkt *p, port *in)
{
	rgateway *g = (rgateway *)n;
	if (pkt_proto(p) != PKT_PROTO_TCP) {
		char detail[40];
		g_snprintf(detail, sizeof detail, "protocol %u (resources take TCP)", pkt_proto(p));
		net_drop_detail(n->net, n, p, DROP_NO_PORT, detail);
		return;
	}
	sim_time now = net_now(n->net);
	if (in->index < g->enis->len)
		rg_from_resource(g, p, in->index, now);
	else
		rg_from_endpoint(g, p, in->index - g->enis->len, now);
}

static void rside_clear(gpointer data)
{
	g_array_unref(((rside *)data)->tip);
}

static void rg__destroy(node *n)
{
	rgateway *g = (rgateway *)n;
	for (guint i = 0; i < g->sgs_of_eni->len; i++)
		sg_eni_free(g_ptr_array_index(g->sgs_of_eni, i));
	g_ptr_array_unref(g->sgs_of_eni);
	flowtab_free(g->flows);
	g_hash_table_unref(g->dests);
	g_array_unref(g->sides);
	g_array_unref(g->enis);
	node_clear(n);
	g_free(g);
}

static const node_ops rg_ops = {
	.kind = "resource-gateway",
	.receive = rg__receive,
	.destroy = rg__destroy,
};

static uint8_t subnet_az(const scenario *sc, int subnet)
{
	return (uint8_t)(SC_AT(sc->subnets, sc_subnet, subnet)->az_index + 1);
}

node *resource_gateway_new(fabric *f, int index)
{
	const scenario *sc = f->sc;
	const sc_resource_gateway *rg = SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, index);
	rgateway *g = g_new0(rgateway, 1);
	node_init(&g->base, &rg_ops, f->net, rg->name);
	net_rng(f->net, &g->rng, rg->name);
	g->f = f;
	g->rg = rg;
	g->flows = flowtab_new(&rg_flow_ops, f->prof->limits.nlb_idle_timeout, NULL);
	uint32_t sender = fabric_sender(f, rg->name);
	g->enis = g_array_new(FALSE, TRUE, sizeof(reni));
	g->sgs_of_eni = g_ptr_array_new();
	for (guint i = 0; i < rg->subnets->len; i++) {
		reni en = { .ip = g_array_index(rg->ips, uint32_t, i * rg->addrs_per_eni),
			    .az = subnet_az(sc, g_array_index(rg->subnets, int, i)), .sender = sender };
		g_array_append_val(g->enis, en);
		g_ptr_array_add(g->sgs_of_eni, NULL);
		node_add_port(&g->base);
	}
	g->sides = g_array_new(FALSE, TRUE, sizeof(rside));
	g_array_set_clear_func(g->sides, rside_clear);
	g->dests = flowtab_ports_table(flowtab_key_hash);
	/* One price pointer for every gateway: AWS tiers their volume
	 * together. */
	g->processing = cost_ledger_line(f->ledger, rg->name, "processing", &sc->prices->resource_gateway.processing);
	return &g->base;
}

port *resource_gateway_add_endpoint(node *n, int ep)
{
	g_return_val_if_fail(n != NULL && n->ops == &rg_ops, NULL);
	rgateway *g = (rgateway *)n;
	const scenario *sc = g->f->sc;
	const sc_resource_endpoint *re = SC_AT(sc->of[GK_RESOURCE_ENDPOINT], sc_resource_endpoint, ep);
	const sc_resource_config *rc = SC_AT(sc->of[GK_RESOURCE_CONFIG], sc_resource_config, re->config);
	rside sd = { .config = re->config, .tip = g_array_new(FALSE, TRUE, sizeof(uint32_t)) };
	/* The gateway resolves a load balancer's name in its VPC: the node in
	 * the ENI's AZ first, else the first ([UNSOURCED ASSUMPTION]). */
	for (guint i = 0; i < g->enis->len; i++) {
		uint32_t tip = rc->ip;
		if (rc->lb >= 0) {
			const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, rc->lb);
			tip = lb->node_ips->len ? g_array_index(lb->node_ips, uint32_t, 0) : 0;
			for (guint k = 0; k < lb->subnets->len; k++)
				if (subnet_az(sc, g_array_index(lb->subnets, int, k)) == rg_eni(g, i)->az) {
					tip = g_array_index(lb->node_ips, uint32_t, k);
					break;
				}
		}
		g_array_append_val(sd.tip, tip);
	}
	g_array_append_val(g->sides, sd);
	return node_add_port(n);
}

void resource_gateway_set_security_groups(node *n, sg_world *w)
{
	g_return_if_fail(n != NULL && n->ops == &rg_ops && w != NULL);
	rgateway *g = (rgateway *)n;
	if (!g->rg->sgs || !g->rg->sgs->len)
		return;
	for (guint i = 0; i < g->enis->len; i++) {
		for (guint k = 0; k < g->rg->sgs->len; k++)
			for (guint a = 0; a < g->rg->addrs_per_eni; a++)
				sg_world_add_member(w, g_array_index(g->rg->sgs, int, k),
				                    g_array_index(g->rg->ips, uint32_t, i * g->rg->addrs_per_eni + a));
		gpointer *slot = &g_ptr_array_index(g->sgs_of_eni, i);
		if (!*slot)
			*slot = sg_eni_new(w, g->rg->sgs);
	}
}

const resource_stats *resource_gateway_get_stats(node *n)
{
	g_return_val_if_fail(n != NULL && n->ops == &rg_ops, NULL);
	return &((rgateway *)n)->st;
}

/* ---- the resource endpoint ---- */

typedef struct {
	uint32_t ip;
	uint8_t az;
	uint8_t gw_az;    /* the AZ of the gateway ENI it hands packets to */
	uint32_t sender;
	sg_eni *sg;
	sim_time last;
} xeni;

typedef struct {
	node base;
	fabric *f;
	const sc_resource_endpoint *re;
	const sc_resource_config *rc;
	rng rng;
	GArray *enis;     /* xeni, by port index */
	sim_time gw_last;
	uint32_t mtu;
	uint16_t mss;
	cost_line *processing;
	fabric_party *xin;
	fabric_party *gw_in; /* the gateway's, for the crossing towards it */
	resource_stats st;
} rendpoint;

static xeni *re_eni(rendpoint *e, guint i) { return &g_array_index(e->enis, xeni, i); }

static void re_drop(rendpoint *e, pkt *p, drop_reason why, const char *what)
{
	char s[16], d[16];
	char *detail = g_strdup_printf("%s: %s:%u to %s:%u", what, pkt_ip_str(pkt_ip_src(p), s), pkt_sport(p),
	                               pkt_ip_str(pkt_ip_dst(p), d), pkt_dport(p));
	net_drop_detail(e->base.net, &e->base, p, why, detail);
	g_free(detail);
}

static void re_clamp(rendpoint *e, pkt *p)
{
	if (!(pkt_tcp_flags(p) & PKT_TCP_SYN))
		return;
	if (pkt_tcp_mss(p) > e->mss) {
		pkt_set_tcp_mss(p, e->mss);
		e->st.mss_clamped++;
	}
}

static void re_bill(rendpoint *e, const pkt *p)
{
	uint32_t b = fabric_billed_bytes(e->f, p);
	cost_line_add_bytes(e->processing, b);
	e->st.bytes += b;
}

static void re_from_consumer(rendpoint *e, pkt *p, guint i)
{
	xeni *en = re_eni(e, i);
	const char *denied;
	if (en->sg && !sg_allow_in(en->sg, p, &denied)) {
		net_drop_detail(e->base.net, &e->base, p, DROP_SG, denied);
		return;
	}
	if (en->sg)
		NET_TRACE(e->base.net, &e->base, p, NET_TRACE_DECIDE, "security group, inbound: %s",
		          sg_last_rule(en->sg));
	if (pkt_ip_dst(p) != en->ip) {
		re_drop(e, p, DROP_NO_ADDRESS, "not the endpoint's address");
		return;
	}
	if (!e->rc || !resource_config_has_port(e->rc, pkt_dport(p))) {
		re_drop(e, p, DROP_NO_PORT, "not a port of the resource configuration");
		return;
	}
	if ((pkt_tcp_flags(p) & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN)
		e->st.flows++;
	re_clamp(e, p);
	NET_TRACE(e->base.net, &e->base, p, NET_TRACE_DECIDE,
	          "resource endpoint: to resource configuration %s through its gateway, addresses unchanged",
	          e->rc->name);
	re_bill(e, p);
	p->az = en->az;
	p->az_from = en->sender;
	sim_time d = dist_sample_ns(&e->f->prof->processing.interface_endpoint, &e->rng) +
	             fabric_move(e->f, &e->rng, p, en->gw_az, e->gw_in);
	fabric_send(e->base.net, node_port(&e->base, e->enis->len), p, d, &e->gw_last);
}

static void re_from_gateway(rendpoint *e, pkt *p)
{
	guint i = 0;
	while (i < e->enis->len && re_eni(e, i)->ip != pkt_ip_src(p))
		i++;
	if (i == e->enis->len) {
		re_drop(e, p, DROP_NO_FLOW, "not from one of the endpoint's addresses");
		return;
	}
	xeni *en = re_eni(e, i);
	re_clamp(e, p);
	re_bill(e, p);
	sim_time d = dist_sample_ns(&e->f->prof->processing.interface_endpoint, &e->rng) +
	             fabric_move(e->f, &e->rng, p, en->az, e->xin);
	p->az_from = en->sender;
	fabric_send(e->base.net, node_port(&e->base, i), p, d, &en->last);
}

static void re__receive(node *n, pkt *p, port *in)
{
	rendpoint *e = (rendpoint *)n;
	if (e->mtu && pkt_ip_len(p) > e->mtu) {
		if (fabric_mtu_drop(e->f, n, p, e->mtu))
			return;
		char detail[80];
		g_snprintf(detail, sizeof detail, "%u bytes > MTU %u without DF (endpoints do not fragment)",
		           pkt_ip_len(p), e->mtu);
		net_drop_detail(n->net, n, p, DROP_MTU, detail);
		return;
	}
	if (pkt_proto(p) != PKT_PROTO_TCP) {
		char detail[40];
		g_snprintf(detail, sizeof detail, "protocol %u (resources take TCP)", pkt_proto(p));
		net_drop_detail(n->net, n, p, DROP_NO_PORT, detail);
		return;
	}
	if (in->index < e->enis->len)
		re_from_consumer(e, p, in->index);
	else
		re_from_gateway(e, p);
}

static void re__destroy(node *n)
{
	rendpoint *e = (rendpoint *)n;
	for (guint i = 0; i < e->enis->len; i++)
		sg_eni_free(re_eni(e, i)->sg);
	g_array_unref(e->enis);
	node_clear(n);
	g_free(e);
}

static const node_ops re_ops = {
	.kind = "resource-endpoint",
	.receive = re__receive,
	.destroy = re__destroy,
};

node *resource_endpoint_new(fabric *f, int index)
{
	const scenario *sc = f->sc;
	const sc_resource_endpoint *re = SC_AT(sc->of[GK_RESOURCE_ENDPOINT], sc_resource_endpoint, index);
	rendpoint *e = g_new0(rendpoint, 1);
	node_init(&e->base, &re_ops, f->net, re->name);
	net_rng(f->net, &e->rng, re->name);
	e->f = f;
	e->re = re;
	e->rc = re->config >= 0 ? SC_AT(sc->of[GK_RESOURCE_CONFIG], sc_resource_config, re->config) : NULL;
	const sc_resource_gateway *rg =
		e->rc && e->rc->gateway >= 0
			? SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, e->rc->gateway)
			: NULL;
	e->mtu = f->prof->mtu.interface_endpoint;
	e->mss = (uint16_t)MIN(e->mtu ? e->mtu - 40 : 65495, 65535);
	uint32_t sender = fabric_sender(f, re->name);
	e->enis = g_array_new(FALSE, TRUE, sizeof(xeni));
	for (guint i = 0; i < re->subnets->len; i++) {
		xeni en = { .ip = g_array_index(re->ips, uint32_t, i),
			    .az = subnet_az(sc, g_array_index(re->subnets, int, i)), .sender = sender };
		/* The gateway ENI in the same AZ (by AZ ID), else its first. */
		en.gw_az = rg && rg->subnets->len ? subnet_az(sc, g_array_index(rg->subnets, int, 0)) : en.az;
		for (guint k = 0; rg && k < rg->subnets->len; k++)
			if (subnet_az(sc, g_array_index(rg->subnets, int, k)) == en.az)
				en.gw_az = en.az;
		g_array_append_val(e->enis, en);
		node_add_port(&e->base);
	}
	node_add_port(&e->base); /* the gateway side */
	const prices *pr = sc->prices;
	/* One price pointer for every resource endpoint: one tier pool. */
	e->processing = cost_ledger_line(f->ledger, re->name, "processing", &pr->resource_endpoint.processing);
	e->xin = fabric_receiver(f, re->name);
	fabric_set_kind(f, re->name, FABRIC_PARTY_RESOURCE_ENDPOINT);
	if (rg)
		e->gw_in = fabric_receiver(f, rg->name);
	cost_ledger_add_hourly(f->ledger, re->name, "hourly", pr->resource_endpoint.hourly_usd, 1);
	return &e->base;
}

port *resource_endpoint_gateway_port(node *n)
{
	g_return_val_if_fail(n != NULL && n->ops == &re_ops, NULL);
	return node_port(n, ((rendpoint *)n)->enis->len);
}

void resource_endpoint_set_security_groups(node *n, sg_world *w)
{
	g_return_if_fail(n != NULL && n->ops == &re_ops && w != NULL);
	rendpoint *e = (rendpoint *)n;
	/* No group given: nothing is checked (AWS would attach the VPC's
	 * default group, which the scenario does not describe). */
	if (!e->re->sgs || !e->re->sgs->len)
		return;
	for (guint i = 0; i < e->enis->len; i++) {
		xeni *en = re_eni(e, i);
		for (guint k = 0; k < e->re->sgs->len; k++)
			sg_world_add_member(w, g_array_index(e->re->sgs, int, k), en->ip);
		if (!en->sg)
			en->sg = sg_eni_new(w, e->re->sgs);
	}
}

const resource_stats *resource_endpoint_get_stats(node *n)
{
	g_return_val_if_fail(n != NULL && n->ops == &re_ops, NULL);
	return &((rendpoint *)n)->st;
}

/* ---- in scenario files ---- */

#define MAX_ADDRS_PER_ENI 62

static const ld_key rgw_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "subnets", TRUE, "comma-separated [subnet] names of the gateway's VPC, one per AZ" },
	{ "security_groups", FALSE, "comma-separated [security_group] names of the gateway's VPC" },
	{ "ipv4_addresses_per_eni", FALSE, "a whole number from 1 to 62 (AWS's default: 16)" },
	{ NULL },
};

static const ld_key rcfg_keys[] = {
	{ "resource_gateway", TRUE, NAME_OF("resource_gateway") },
	{ "type", FALSE, "single (the only type modelled)" },
	{ "target", TRUE, "the name of a [load_balancer] in the gateway's VPC (its DNS name), or an IPv4 "
	                  "address in the gateway's VPC" },
	{ "protocol", FALSE, "tcp" },
	{ "port_ranges", TRUE, "comma-separated ports or ranges such as 80 or 8000-8010" },
	{ NULL },
};

static const ld_key rep_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "resource_configuration", TRUE, NAME_OF("resource_configuration") },
	{ "subnets", TRUE, "comma-separated [subnet] names of the endpoint's VPC, one per AZ" },
	{ "security_groups", FALSE, "comma-separated [security_group] names of the endpoint's VPC" },
	{ NULL },
};

gboolean resource_config_has_port(const sc_resource_config *c, uint16_t pt)
{
	for (guint i = 0; c->ports && i + 1 < c->ports->len; i += 2)
		if (pt >= g_array_index(c->ports, uint16_t, i) && pt <= g_array_index(c->ports, uint16_t, i + 1))
			return TRUE;
	return FALSE;
}

static void build_resource_gateways(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_RESOURCE_GATEWAY)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_RESOURCE_GATEWAY)->pdata[i];
		sc_resource_gateway *r = SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, i);
		r->name = g_strdup(g->name);
		r->subnets = g_array_new(FALSE, FALSE, sizeof(int));
		r->ips = g_array_new(FALSE, TRUE, sizeof(uint32_t));
		r->sgs = g_array_new(FALSE, FALSE, sizeof(int));
		r->vpc = ld_ref(l->ld, g, "vpc", GK_VPC);
		const char *v = ld_get(g, "subnets", NULL);
		if (v)
			ld_ref_list(l->ld, g, "subnets", v, GK_SUBNET, r->subnets, TRUE);
		sc_check_subnet_list(l, g, "subnets", r->subnets, r->vpc, "the gateway's", "the gateway's ENIs");
		v = ld_get(g, "security_groups", "");
		if (v && *v)
			ld_ref_list(l->ld, g, "security_groups", v, GK_SG, r->sgs, FALSE);
		sc_check_sg_list(l, g, r->sgs, r->vpc, "the gateway's");
		r->addrs_per_eni = 16;
		v = ld_get(g, "ipv4_addresses_per_eni", NULL);
		guint64 n;
		if (v && !g_ascii_string_to_unsigned(v, 10, 1, MAX_ADDRS_PER_ENI, &n, NULL))
			ld_problem(l->ld, g, "ipv4_addresses_per_eni", "'%s' is not a whole number from 1 to %u; "
			           "expected %s", v, MAX_ADDRS_PER_ENI,
			           ld_key_find(rgw_keys, "ipv4_addresses_per_eni")->what);
		else if (v)
			r->addrs_per_eni = (guint)n;
		g_array_set_size(r->ips, r->subnets->len * r->addrs_per_eni);
	}
}

static void build_resource_configs(sc_loader *l)
{
	scenario *sc = l->sc;
	static const char *const types[] = { "single", NULL };
	static const char *const protos[] = { "tcp", NULL };
	for (guint i = 0; i < ld_groups(l->ld, GK_RESOURCE_CONFIG)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_RESOURCE_CONFIG)->pdata[i];
		sc_resource_config *c = SC_AT(sc->of[GK_RESOURCE_CONFIG], sc_resource_config, i);
		c->name = g_strdup(g->name);
		c->lb = -1;
		c->ports = g_array_new(FALSE, FALSE, sizeof(uint16_t));
		c->gateway = ld_ref(l->ld, g, "resource_gateway", GK_RESOURCE_GATEWAY);
		ld_get_word(l->ld, g, "type", "single", types);
		ld_get_word(l->ld, g, "protocol", "tcp", protos);
		const char *v = ld_get(g, "port_ranges", NULL);
		char **items = v ? g_strsplit(v, ",", -1) : NULL;
		for (char **it = items; it && *it; it++) {
			char *item = g_strstrip(*it);
			guint64 lo, hi;
			if (!*item || strcmp(item, "any") == 0 || !sc_parse_ports(item, &lo, &hi) || lo == 0) {
				ld_problem(l->ld, g, "port_ranges", "'%s' is not a port or a range; expected %s", item,
				           ld_key_find(rcfg_keys, "port_ranges")->what);
				continue;
			}
			uint16_t pair[2] = { (uint16_t)lo, (uint16_t)hi };
			g_array_append_vals(c->ports, pair, 2);
		}
		g_strfreev(items);
		const int gvpc = c->gateway >= 0
		                         ? SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, c->gateway)->vpc
		                         : -1;
		v = ld_get(g, "target", NULL);
		if (!v)
			continue;
		uint32_t ip;
		if (pkt_ip_parse(v, &ip)) {
			c->ip = ip;
			if (gvpc >= 0 && !sc_cidr_contains(SC_AT(sc->vpcs, sc_vpc, gvpc)->cidr, ip))
				ld_problem(l->ld, g, "target", "'%s' is not in %s, the VPC of resource gateway %s; "
				           "expected %s", v, sc_vpc_name(l, gvpc),
				           SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, c->gateway)->name,
				           ld_key_find(rcfg_keys, "target")->what);
			continue;
		}
		c->lb = ld_lookup(l->ld, GK_LB, v);
		if (c->lb < 0) {
			ld_problem(l->ld, g, "target", "'%s' is neither a load balancer nor an IPv4 address; "
			           "expected %s", v, ld_key_find(rcfg_keys, "target")->what);
			continue;
		}
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, c->lb);
		if (gvpc >= 0 && lb->vpc >= 0 && lb->vpc != gvpc) {
			ld_problem(l->ld, g, "target", "'%s' is a load balancer of %s, not of %s (the VPC of "
			           "resource gateway %s); expected %s", v, sc_vpc_name(l, lb->vpc),
			           sc_vpc_name(l, gvpc),
			           SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, c->gateway)->name,
			           ld_key_find(rcfg_keys, "target")->what);
			c->lb = -1;
			continue;
		}
		for (guint k = 0; k + 1 < c->ports->len && lb->listeners->len; k += 2) {
			uint16_t lo = g_array_index(c->ports, uint16_t, k), hi = g_array_index(c->ports, uint16_t, k + 1);
			gboolean any = FALSE;
			for (guint p = lo; p <= hi && !any; p++)
				any = sc_lb_has_port(lb, (uint16_t)p);
			if (!any) {
				char *ports = sc_listener_ports(lb);
				ld_problem(l->ld, g, "port_ranges", "'%s': no listener of %s in %u-%u; expected ranges "
				           "holding one of its listener ports %s", ld_get(g, "port_ranges", ""), lb->name,
				           lo, hi, ports);
				g_free(ports);
				break;
			}
		}
	}
}

static void build_resource_endpoints(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_RESOURCE_ENDPOINT)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_RESOURCE_ENDPOINT)->pdata[i];
		sc_resource_endpoint *e = SC_AT(sc->of[GK_RESOURCE_ENDPOINT], sc_resource_endpoint, i);
		e->name = g_strdup(g->name);
		e->subnets = g_array_new(FALSE, FALSE, sizeof(int));
		e->ips = g_array_new(FALSE, TRUE, sizeof(uint32_t));
		e->sgs = g_array_new(FALSE, FALSE, sizeof(int));
		e->vpc = ld_ref(l->ld, g, "vpc", GK_VPC);
		e->config = ld_ref(l->ld, g, "resource_configuration", GK_RESOURCE_CONFIG);
		const char *v = ld_get(g, "subnets", NULL);
		if (v)
			ld_ref_list(l->ld, g, "subnets", v, GK_SUBNET, e->subnets, TRUE);
		sc_check_subnet_list(l, g, "subnets", e->subnets, e->vpc, "the endpoint's", "the endpoint ENIs");
		g_array_set_size(e->ips, e->subnets->len);
		v = ld_get(g, "security_groups", "");
		if (v && *v)
			ld_ref_list(l->ld, g, "security_groups", v, GK_SG, e->sgs, FALSE);
		sc_check_sg_list(l, g, e->sgs, e->vpc, "the endpoint's");
		/* The gateway should span the endpoint's AZs; one in common at
		 * least (R-gw), else nothing could reach the resource. */
		const sc_resource_config *rc =
			e->config >= 0 ? SC_AT(sc->of[GK_RESOURCE_CONFIG], sc_resource_config, e->config) : NULL;
		const sc_resource_gateway *rg =
			rc && rc->gateway >= 0 ? SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, rc->gateway)
			                       : NULL;
		if (!rg || !rg->subnets->len || !e->subnets->len)
			continue;
		gboolean common = FALSE;
		for (guint j = 0; j < e->subnets->len && !common; j++)
			for (guint k = 0; k < rg->subnets->len && !common; k++)
				common = SC_AT(sc->subnets, sc_subnet, g_array_index(e->subnets, int, j))->az_index ==
				         SC_AT(sc->subnets, sc_subnet, g_array_index(rg->subnets, int, k))->az_index;
		if (!common)
			ld_problem(l->ld, g, "subnets", "'%s': no AZ in common with resource gateway %s; expected "
			           "subnets in an AZ where the gateway has an ENI", ld_get(g, "subnets", ""), rg->name);
	}
}

static void resource_gateway_clear(void *elem)
{
	sc_resource_gateway *r = elem;
	sc_unref(r->subnets);
	sc_unref(r->ips);
	sc_unref(r->sgs);
}

static void resource_config_clear(void *elem)
{
	sc_unref(((sc_resource_config *)elem)->ports);
}

static void resource_endpoint_clear(void *elem)
{
	sc_resource_endpoint *e = elem;
	sc_unref(e->subnets);
	sc_unref(e->ips);
	sc_unref(e->sgs);
}

/* ENIs take no explicit address: they compete with instances in file
 * order (a gateway ENI takes all its addresses in a row). */
static void resource_gateway_addresses(sc_loader *l, const ld_group *g, int i, int pass)
{
	sc_resource_gateway *r = SC_AT(l->sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, i);
	if (pass == 0)
		return;
	for (guint j = 0; j < r->subnets->len; j++)
		for (guint a = 0; a < r->addrs_per_eni; a++)
			sc_take_free_ip(l, g, g_array_index(r->subnets, int, j),
			                &g_array_index(r->ips, uint32_t, j * r->addrs_per_eni + a));
}

static void resource_endpoint_addresses(sc_loader *l, const ld_group *g, int i, int pass)
{
	sc_resource_endpoint *e = SC_AT(l->sc->of[GK_RESOURCE_ENDPOINT], sc_resource_endpoint, i);
	if (pass == 0)
		return;
	for (guint j = 0; j < e->subnets->len; j++)
		sc_take_free_ip(l, g, g_array_index(e->subnets, int, j), &g_array_index(e->ips, uint32_t, j));
}

char *resource_endpoint_dns_name(const scenario *sc, int ep)
{
	g_return_val_if_fail(sc != NULL && ep >= 0 && (guint)ep < sc->of[GK_RESOURCE_ENDPOINT]->len, NULL);
	const sc_resource_endpoint *e = SC_AT(sc->of[GK_RESOURCE_ENDPOINT], sc_resource_endpoint, ep);
	const char *cfg = e->config >= 0 ? SC_AT(sc->of[GK_RESOURCE_CONFIG], sc_resource_config, e->config)->name
	                                 : "";
	char *t = g_strconcat("resource-endpoint:", e->name, NULL);
	uint64_t id = rng_seed_from_text(t);
	g_free(t);
	t = g_strconcat("resource-configuration:", cfg, NULL);
	uint64_t cid = rng_seed_from_text(t);
	g_free(t);
	const char *region = sc->prices && sc->prices->region ? sc->prices->region : "us-east-1";
	return g_strdup_printf("vpce-%016" PRIx64 "-snra-%016" PRIx64 ".rcfg-%016" PRIx64 ".%07" PRIx64
	                       ".vpc-lattice-rsc.%s.on.aws",
	                       id, id ^ cid, cid, (cid >> 36) & 0xFFFFFFFu, region);
}

/* Gateways at 1050 (after every other kind's nodes, so that the node ids
 * of scenarios without them do not move), each with its ENIs on its VPC's router; then
 * the endpoints, each joined to its configuration's gateway, its name in
 * its VPC's resolver. */
static void build_resource_world(world *w)
{
	fabric *f = world_fabric(w);
	const scenario *sc = f->sc;
	const GArray *gws = sc->of[GK_RESOURCE_GATEWAY], *eps = sc->of[GK_RESOURCE_ENDPOINT];
	for (guint i = 0; i < gws->len; i++) {
		const sc_resource_gateway *rg = SC_AT(gws, sc_resource_gateway, i);
		node *n = resource_gateway_new(f, (int)i);
		world_set_node(w, GK_RESOURCE_GATEWAY, (int)i, n);
		resource_gateway_set_security_groups(n, world_sgw(w));
		for (guint k = 0; k < rg->subnets->len; k++) {
			port *rp = vpc_router_add_port(world_router(w, rg->vpc), VPC_PORT_ENI,
			                               g_array_index(rg->subnets, int, k), -1,
			                               g_array_index(rg->ips, uint32_t, k * rg->addrs_per_eni), rg->name);
			world_link(w, node_port(n, k), rp, f->prof->bandwidth.interface_endpoint);
		}
	}
	for (guint i = 0; i < eps->len; i++) {
		const sc_resource_endpoint *re = SC_AT(eps, sc_resource_endpoint, i);
		node *n = resource_endpoint_new(f, (int)i);
		world_set_node(w, GK_RESOURCE_ENDPOINT, (int)i, n);
		resource_endpoint_set_security_groups(n, world_sgw(w));
		for (guint k = 0; k < re->subnets->len; k++) {
			port *rp = vpc_router_add_port(world_router(w, re->vpc), VPC_PORT_ENI,
			                               g_array_index(re->subnets, int, k), -1,
			                               g_array_index(re->ips, uint32_t, k), re->name);
			world_link(w, node_port(n, k), rp, f->prof->bandwidth.interface_endpoint);
		}
		const sc_resource_config *rc = SC_AT(sc->of[GK_RESOURCE_CONFIG], sc_resource_config, re->config);
		world_link(w, resource_endpoint_gateway_port(n),
		           resource_gateway_add_endpoint(world_node(w, GK_RESOURCE_GATEWAY, rc->gateway), (int)i), 0);
		/* The configuration's name resolves to the endpoint's ENIs in its
		 * VPC (R-access); TTL: the profile's dns.endpoint_ttl. */
		char *name = resource_endpoint_dns_name(sc, (int)i);
		dns_resolver_add(world_resolver(w, re->vpc), name, (const uint32_t *)re->ips->data, re->ips->len,
		                 f->prof->dns.endpoint_ttl);
		g_free(name);
	}
}

/* ---- what generic code asks of a workload target and of the scan ---- */

static const sc_resource_endpoint *endpoint_at(const scenario *sc, int i)
{
	return SC_AT(sc->of[GK_RESOURCE_ENDPOINT], sc_resource_endpoint, i);
}

static const sc_resource_config *config_of(const scenario *sc, int i)
{
	int c = endpoint_at(sc, i)->config;
	return c >= 0 ? SC_AT(sc->of[GK_RESOURCE_CONFIG], sc_resource_config, c) : NULL;
}

static gboolean target_port(const scenario *sc, int i, uint16_t pt, uint16_t *def, char **problem)
{
	const sc_resource_config *rc = config_of(sc, i);
	if (!rc || !rc->ports->len)
		return TRUE; /* reported */
	*def = g_array_index(rc->ports, uint16_t, 0);
	if (!pt || resource_config_has_port(rc, pt))
		return TRUE;
	GString *s = g_string_new(NULL);
	for (guint k = 0; k + 1 < rc->ports->len; k += 2) {
		uint16_t lo = g_array_index(rc->ports, uint16_t, k), hi = g_array_index(rc->ports, uint16_t, k + 1);
		g_string_append_printf(s, "%s%u", k ? ", " : "", lo);
		if (hi != lo)
			g_string_append_printf(s, "-%u", hi);
	}
	*problem = g_strdup_printf("is not a port %s takes; expected a port of resource configuration %s (%s)",
	                           endpoint_at(sc, i)->name, rc->name, s->str);
	g_string_free(s, TRUE);
	return FALSE;
}

/* Its ENIs: by the configuration's name (every ENI), or the one in the
 * client's AZ. */
static char *target_addresses(const scenario *sc, int i, int client_az, gboolean by_dns, GArray *ips)
{
	const sc_resource_endpoint *e = endpoint_at(sc, i);
	if (by_dns) {
		g_array_append_vals(ips, e->ips->data, e->ips->len);
		return resource_endpoint_dns_name(sc, i);
	}
	uint32_t one = e->ips->len ? g_array_index(e->ips, uint32_t, 0) : 0;
	for (guint k = 0; k < e->subnets->len; k++)
		if (SC_AT(sc->subnets, sc_subnet, g_array_index(e->subnets, int, k))->az_index == client_az) {
			one = g_array_index(e->ips, uint32_t, k);
			break;
		}
	g_array_append_val(ips, one);
	return NULL;
}

/* The load balancer the configuration names serves on the same port
 * (layer 4: the gateway does not change it). */
static int target_lb(const scenario *sc, int i, uint16_t pt, uint16_t *lb_port)
{
	const sc_resource_config *rc = config_of(sc, i);
	*lb_port = pt;
	return rc ? rc->lb : -1;
}

static int target_vpc(const scenario *sc, int i)
{
	const sc_resource_config *rc = config_of(sc, i);
	if (!rc || rc->gateway < 0)
		return -1;
	return SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, rc->gateway)->vpc;
}

static const sc_target resource_endpoint_target = {
	.what = "a resource endpoint, which carries TCP only",
	.port_ok = target_port,
	.addresses = target_addresses,
	.lb = target_lb,
	.service_vpc = target_vpc,
};

/* The endpoint's ENIs front the resource in their VPC. */
static void resource_endpoint_fronts(const scenario *sc, int vpc, GArray *out)
{
	for (guint i = 0; i < sc->of[GK_RESOURCE_ENDPOINT]->len; i++) {
		const sc_resource_endpoint *e = endpoint_at(sc, (int)i);
		for (guint k = 0; (vpc < 0 || e->vpc == vpc) && k < e->ips->len; k++) {
			sc_front fr = { e->name, g_array_index(e->ips, uint32_t, k) };
			g_array_append_val(out, fr);
		}
	}
}

/* The gateway's addresses are held by a construct (the scan probes each). */
static void resource_gateway_fronts(const scenario *sc, int vpc, GArray *out)
{
	if (vpc >= 0)
		return; /* not a way in: nothing opens a connection from the provider side */
	for (guint i = 0; i < sc->of[GK_RESOURCE_GATEWAY]->len; i++) {
		const sc_resource_gateway *r = SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, i);
		for (guint k = 0; k < r->ips->len; k++) {
			sc_front fr = { r->name, g_array_index(r->ips, uint32_t, k) };
			g_array_append_val(out, fr);
		}
	}
}

/* What compare says of a path through a resource endpoint (sources in
 * docs/lattice-resource-endpoints.md, section 2). */
static void resource_endpoint_props(const profile *pf, sc_props *out)
{
	out->transitive = g_strdup("n/a: exposes one resource, not a network (clients reaching the "
	                           "consumer VPC over peering or a TGW may use its endpoint ENI)");
	out->growth = g_strdup("one resource endpoint per consumer VPC (an hourly charge each); one "
	                       "resource gateway and configuration whatever the number, no NLB");
	out->quota = g_strdup_printf("%u interface endpoints per VPC (resource endpoints count towards "
	                             "it, an inference); resource gateways per VPC",
	                             pf->limits.interface_endpoints_per_vpc);
}

/* The consumer's endpoint and its share of the configuration (AWS RAM),
 * per consumer; the gateway and the configuration, once. */
static void resource_endpoint_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	for (guint i = 0; i < sc->of[GK_RESOURCE_ENDPOINT]->len; i++) {
		const sc_resource_endpoint *e = endpoint_at(sc, (int)i);
		if (e->vpc != x->consumer)
			continue;
		c->per[CFG_ENDPOINTS]++;
		c->per[CFG_PERMISSIONS]++;
	}
}

static void resource_gateway_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	for (guint i = 0; i < sc->of[GK_RESOURCE_GATEWAY]->len; i++)
		if (SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, i)->vpc == x->service)
			c->fixed[CFG_ENDPOINTS]++;
	for (guint i = 0; i < sc->of[GK_RESOURCE_CONFIG]->len; i++) {
		const sc_resource_config *rc = SC_AT(sc->of[GK_RESOURCE_CONFIG], sc_resource_config, i);
		if (rc->gateway >= 0 &&
		    SC_AT(sc->of[GK_RESOURCE_GATEWAY], sc_resource_gateway, rc->gateway)->vpc == x->service)
			c->fixed[CFG_ENDPOINTS]++;
	}
}

static const sc_step rgw_steps[] = { { 560, build_resource_gateways }, { 0, NULL } };
static const sc_step rcfg_steps[] = { { 565, build_resource_configs }, { 0, NULL } };
static const sc_step rep_steps[] = { { 570, build_resource_endpoints }, { 0, NULL } };
static const sc_build resource_build[] = { { 1050, build_resource_world }, { 0, NULL } };
static const char *const resource_nodes[] = { "", NULL };

const sc_kind sc_kind_resource_gateway = {
	.group = { "resource_gateway", rgw_keys },
	.size = sizeof(sc_resource_gateway),
	.steps = rgw_steps,
	.addresses = resource_gateway_addresses,
	.clear = resource_gateway_clear,
	.nodes = resource_nodes,
	.node_rank = 11,
	.build = resource_build,
	.node_kind = "resource-gateway",
	.config = resource_gateway_config,
	.fronts = resource_gateway_fronts,
};

const sc_kind sc_kind_resource_config = {
	.group = { "resource_configuration", rcfg_keys },
	.size = sizeof(sc_resource_config),
	.steps = rcfg_steps,
	.clear = resource_config_clear,
};

const sc_kind sc_kind_resource_endpoint = {
	.group = { "resource_endpoint", rep_keys },
	.size = sizeof(sc_resource_endpoint),
	.steps = rep_steps,
	.addresses = resource_endpoint_addresses,
	.clear = resource_endpoint_clear,
	.nodes = resource_nodes,
	.node_rank = 12,
	.node_kind = "resource-endpoint",
	.props_rank = 3,
	.props = resource_endpoint_props,
	.config = resource_endpoint_config,
	.target = &resource_endpoint_target,
	.fronts = resource_endpoint_fronts,
};
