/* \summary: NAT gateway: source NAT, port allocation, per-destination limit, idle timeout; the [nat_gateway] group */
#include "natgw.h"
#include "flowtab.h"
#include "kindlib.h"
#include "config.h"
#include "world.h"

#include <string.h>

/*
 * A mapping ties a client flow (protocol, client address and port,
 * destination address and port) to a gateway port.  Ports come from
 * 1024-65535 per unique destination (protocol, destination address and
 * port), as AWS documents; at most `natgw_connections_per_destination`
 * (55,000) at once per destination, beyond which new flows are dropped
 * (AWS's ErrorPortAllocation).  A mapping idle for longer than
 * `natgw_idle_timeout` (350 s) expires; it is noticed lazily, when a packet
 * of that flow next arrives: an outbound one gets a new mapping, an inbound
 * one is dropped.  AWS answers the late inbound TCP segment with a RST; this
 * model drops it and counts the reason.  Mappings live in a flowtab
 * (sim/flowtab.h), pruned before each new mapping: the mappings idle for
 * longer than the timeout give their ports back then, so one connection
 * per request for longer than the timeout does not use up a destination's
 * ports, and the table holds about the last timeout's flows.
 */

typedef flowtab_key nat_key; /* in = 0 */

typedef flowtab_ports dest_state;

typedef struct {
	nat_key out;     /* client ip, dst ip, client port, dst port */
	nat_key in;      /* dst ip, 0, nat port, dst port */
	dest_state *ds;  /* its destination's ports */
} mapping;

typedef struct {
	node base;
	fabric *f;
	rng rng;
	uint32_t ip;
	flowtab *maps;        /* mapping, by out and in */
	GHashTable *dests;    /* nat_key * -> dest_state * (owns key and value) */
	cost_line *processing;
	gboolean both_directions;
	sim_time last;
} natgw;

/* A mapping forgotten gives its port back. */
static void mapping_forget(void *user, void *m, sim_time now)
{
	(void)user;
	(void)now;
	((mapping *)m)->ds->in_use--;
}

static const flowtab_ops mapping_ops = {
	FLOWTAB_LAYOUT(mapping, out, in),
	.forget = mapping_forget,
};

static mapping *allocate(natgw *g, const nat_key *out, sim_time now)
{
	flowtab_prune(g->maps, now);
	nat_key dk = { .a = out->b, .c = out->d, .proto = out->proto };
	dest_state *ds = flowtab_ports_of(g->dests, &dk);
	/* The next free port for this destination, wrapping within 1024-65535. */
	nat_key ik = { .a = out->b, .d = out->d, .proto = out->proto };
	if (!flowtab_ports_take(ds, g->f->prof->limits.natgw_connections_per_destination, g->maps, &ik,
	                        &ik.c, NULL, NULL))
		return NULL;
	mapping *m = flowtab_add(g->maps, out, &ik, now);
	m->ds = ds;
	return m;
}

static void natgw__receive(node *n, pkt *p, port *in)
{
	natgw *g = (natgw *)n;
	sim_time now = net_now(n->net);
	uint8_t proto = pkt_proto(p);
	gboolean ports = proto == PKT_PROTO_TCP || proto == PKT_PROTO_UDP;
	char a[16], b[16], d[16];
	if (!fabric_ttl(g->f, n, p, g->f->prof->ttl.natgw))
		return;
	pkt_icmp_err e;
	if (pkt_ip_dst(p) == g->ip && pkt_icmp_error(p, &e) && e.src_ip == g->ip &&
	    (e.proto == PKT_PROTO_TCP || e.proto == PKT_PROTO_UDP)) {
		/* An ICMP error about a packet the gateway translated (the internet
		 * gateway's "fragmentation needed"): back to the client, with the
		 * quoted header translated back too, as NATs do (RFC 5508 section
		 * 4.2) and the NAT gateway's ICMP support implies [inference]. */
		nat_key ik = { .a = e.dst_ip, .c = e.sport, .d = e.dport, .proto = e.proto };
		mapping *m = flowtab_find(g->maps, FLOWTAB_REV, &ik);
		if (!m) {
			char *detail = g_strdup_printf("ICMP error about %s:%u to %s:%u", pkt_ip_str(e.src_ip, a), e.sport,
			                               pkt_ip_str(e.dst_ip, b), e.dport);
			net_drop_detail(n->net, n, p, DROP_NAT_IDLE, detail);
			g_free(detail);
			return;
		}
		NET_TRACE(n->net, n, p, NET_TRACE_REWRITE, "ICMP error: destination %s -> %s, quoted source %s:%u -> %s:%u",
		          pkt_ip_str(g->ip, a), pkt_ip_str(m->out.a, b), pkt_ip_str(g->ip, d), e.sport,
		          pkt_ip_str(m->out.a, b), m->out.c);
		pkt_set_ip_dst(p, m->out.a);
		pkt_icmp_set_quoted_src(p, m->out.a, m->out.c);
	} else if (pkt_ip_dst(p) == g->ip) {
		nat_key ik = { .a = pkt_ip_src(p), .c = ports ? pkt_dport(p) : 0,
			       .d = ports ? pkt_sport(p) : 0, .proto = proto };
		mapping *m = flowtab_lookup(g->maps, FLOWTAB_REV, &ik, now);
		if (!m) {
			char *detail = g_strdup_printf("reply from %s:%u to port %u", pkt_ip_str(ik.a, a),
			                               ik.d, ik.c);
			net_drop_detail(n->net, n, p, DROP_NAT_IDLE, detail);
			g_free(detail);
			return;
		}
		flowtab_touch(g->maps, m, now);
		NET_TRACE(n->net, n, p, NET_TRACE_REWRITE, "destination %s:%u -> %s:%u (reply to the mapping's client)",
		          pkt_ip_str(g->ip, a), ik.c, pkt_ip_str(m->out.a, b), m->out.c);
		pkt_set_ip_dst(p, m->out.a);
		if (ports)
			pkt_set_dport(p, m->out.c);
		if (g->both_directions)
			cost_line_add_bytes(g->processing, fabric_billed_bytes(g->f, p));
	} else {
		nat_key ok = { .a = pkt_ip_src(p), .b = pkt_ip_dst(p), .c = ports ? pkt_sport(p) : 0,
			       .d = ports ? pkt_dport(p) : 0, .proto = proto };
		mapping *m = flowtab_lookup(g->maps, FLOWTAB_FWD, &ok, now);
		if (!m && !(m = allocate(g, &ok, now))) {
			char *detail = g_strdup_printf("%s:%u to %s:%u", pkt_ip_str(ok.a, a), ok.c,
			                               pkt_ip_str(ok.b, b), ok.d);
			net_drop_detail(n->net, n, p, DROP_NAT_PORTS, detail);
			g_free(detail);
			return;
		}
		flowtab_touch(g->maps, m, now);
		NET_TRACE(n->net, n, p, NET_TRACE_REWRITE, "source %s:%u -> %s:%u (source NAT, port for %s:%u)",
		          pkt_ip_str(ok.a, a), ok.c, pkt_ip_str(g->ip, b), m->in.c, pkt_ip_str(ok.b, d), ok.d);
		pkt_set_ip_src(p, g->ip);
		if (ports)
			pkt_set_sport(p, m->in.c);
		cost_line_add_bytes(g->processing, fabric_billed_bytes(g->f, p));
	}
	fabric_send(n->net, in, p, dist_sample_ns(&g->f->prof->processing.natgw, &g->rng), &g->last);
}

static void natgw__destroy(node *n)
{
	natgw *g = (natgw *)n;
	flowtab_free(g->maps);
	g_hash_table_unref(g->dests);
	node_clear(n);
	g_free(g);
}

static const node_ops natgw_ops = {
	.kind = "nat-gateway",
	.receive = natgw__receive,
	.destroy = natgw__destroy,
};

node *natgw_new(fabric *f, int index)
{
	natgw *g = g_new0(natgw, 1);
	const sc_natgw *sn = SC_AT(f->sc->natgws, sc_natgw, index);
	node_init(&g->base, &natgw_ops, f->net, sn->name);
	net_rng(f->net, &g->rng, sn->name);
	g->f = f;
	g->ip = sn->ip;
	g->maps = flowtab_new(&mapping_ops, f->prof->limits.natgw_idle_timeout, NULL);
	g->dests = flowtab_ports_table(flowtab_key_hash);
	const prices *pr = f->sc->prices;
	g->processing = cost_ledger_line(f->ledger, sn->name, "processing", &pr->nat_gateway.processing);
	g->both_directions = pr->nat_gateway.processing_both_directions;
	fabric_set_kind(f, sn->name, FABRIC_PARTY_NATGW);
	cost_ledger_add_hourly(f->ledger, sn->name, "hourly", pr->nat_gateway.hourly_usd, 1);
	cost_ledger_add_hourly(f->ledger, sn->name, "public-ipv4", pr->public_ipv4.hourly_usd_per_address, 1);
	node_add_port(&g->base);
	return &g->base;
}

uint64_t natgw_active_mappings(node *n)
{
	return flowtab_len(((natgw *)n)->maps);
}

/* ---- [nat_gateway] in scenario files: keys, loading, checks ---- */

static const ld_key natgw_keys[] = {
	{ "subnet", TRUE, NAME_OF("subnet") " whose route table sends 0.0.0.0/0 to an internet "
	                  "gateway" },
	{ "ip", FALSE, "a private address inside the subnet" },
	{ NULL },
};

static void build_natgws(sc_loader *l)
{
	for (guint i = 0; i < ld_groups(l->ld, GK_NATGW)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_NATGW)->pdata[i];
		sc_natgw *n = SC_AT(l->sc->natgws, sc_natgw, i);
		n->name = g_strdup(g->name);
		n->subnet = ld_ref(l->ld, g, "subnet", GK_SUBNET);
	}
}

/* A NAT gateway needs a public subnet: its route table sends 0.0.0.0/0 to
 * an internet gateway. */
static void check_natgw_subnets(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < sc->natgws->len; i++) {
		sc_natgw *n = SC_AT(sc->natgws, sc_natgw, i);
		int t;
		if (!sc_subnet_is_public(l, n->subnet, &t))
			ld_problem(l->ld, (ld_group *)ld_groups(l->ld, GK_NATGW)->pdata[i], "subnet",
			  "'%s' is not a public subnet: its route table %s has no '0.0.0.0/0 -> "
			  "INTERNET_GATEWAY' route; expected a subnet whose route table sends 0.0.0.0/0 "
			  "to an internet gateway", SC_AT(sc->subnets, sc_subnet, n->subnet)->name,
			  SC_AT(sc->route_tables, sc_route_table, t)->name);
	}
}

static void natgw_addresses(sc_loader *l, const ld_group *g, int i, int pass)
{
	sc_natgw *n = SC_AT(l->sc->natgws, sc_natgw, i);
	if (pass == 0) {
		sc_reserve_ip(l, g, n->subnet, &n->ip);
		return;
	}
	sc_assign_ip(l, g, n->subnet, &n->ip);
	n->public_ip = sc_next_public(l, g);
}

static void build_natgws_world(world *w)
{
	fabric *f = world_fabric(w);
	const scenario *sc = f->sc;
	for (guint i = 0; i < sc->natgws->len; i++) {
		const sc_natgw *sn = SC_AT(sc->natgws, sc_natgw, i);
		int vpc = SC_AT(sc->subnets, sc_subnet, sn->subnet)->vpc;
		node *n = natgw_new(f, (int)i);
		world_set_node(w, GK_NATGW, (int)i, n);
		port *rp = vpc_router_add_port(world_router(w, vpc), VPC_PORT_NATGW, sn->subnet, (int)i,
		                               sn->ip, sn->name);
		world_link(w, node_port(n, 0), rp, f->prof->bandwidth.natgw);
	}
}

static const sc_build natgw_build[] = { { 300, build_natgws_world }, { 0, NULL } };

/* Also what a path through an internet gateway alone allows (igw.c). */
void sc_public_props(const profile *pf, sc_props *out)
{
	out->transitive = g_strdup("n/a: reaches public addresses, not networks");
	out->growth = g_strdup("a NAT gateway per consumer VPC (per AZ for resilience)");
	out->quota = g_strdup_printf("%u connections per NAT gateway address per destination",
	                             pf->limits.natgw_connections_per_destination);
}

/* A consumer's NAT gateway and its Elastic IP. */
static void natgw_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	for (guint i = 0; i < sc->natgws->len; i++) {
		int v = SC_AT(sc->subnets, sc_subnet, SC_AT(sc->natgws, sc_natgw, i)->subnet)->vpc;
		if (v == x->consumer)
			c->per[CFG_GATEWAYS] += 2;
	}
}

/* The public-subnet check needs every route. */
static const sc_step natgw_steps[] = { { 180, build_natgws },
				       { 700, check_natgw_subnets },
				       { 0, NULL } };
static const char *const natgw_nodes[] = { "", NULL };
const sc_kind sc_kind_nat_gateway = {
	.group = { "nat_gateway", natgw_keys },
	.size = sizeof(sc_natgw),
	.steps = natgw_steps,
	.addresses = natgw_addresses,
	.nodes = natgw_nodes,
	.node_rank = 2,
	.build = natgw_build,
	.node_kind = "nat-gateway",
	.props_rank = 4,
	.props = sc_public_props,
	.config = natgw_config,
};
