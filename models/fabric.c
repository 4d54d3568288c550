/* \summary: propagation between AZs, cross-AZ charges and MTU checks shared by the constructs */
#include "fabric.h"

uint32_t fabric_billed_bytes(const fabric *f, const pkt *p)
{
	if (f->sc->prices->billed_bytes == PRICES_BILLED_PAYLOAD)
		return p->payload_len;
	return pkt_ip_len(p);
}

sim_time fabric_propagation(const fabric *f, rng *r, uint8_t from, uint8_t to)
{
	if (from == FABRIC_AZ_NONE || to == FABRIC_AZ_NONE)
		return 0;
	const dist *d = from == to ? &f->prof->propagation.same_az : &f->prof->propagation.cross_az;
	return dist_sample_ns(d, r);
}

/* Each line's charge type and price. */
static const char *const line_type[FABRIC_L_N] = {
	[FABRIC_L_XAZ_OUT] = "cross-az-out",
	[FABRIC_L_XAZ_IN] = "cross-az-in",
	[FABRIC_L_SAME_AZ] = "same-az",
	[FABRIC_L_PEER_XAZ_OUT] = "peering-cross-az-out",
	[FABRIC_L_PEER_XAZ_IN] = "peering-cross-az-in",
	[FABRIC_L_PEER_SAME_AZ] = "peering-same-az",
	[FABRIC_L_ALB_XAZ_OUT] = "alb-cross-az-out",
	[FABRIC_L_ALB_XAZ_IN] = "alb-cross-az-in",
	[FABRIC_L_NLB_XAZ_OUT] = "nlb-cross-az-out",
	[FABRIC_L_NLB_XAZ_IN] = "nlb-cross-az-in",
};

static const prices_tiers *line_rate(const prices *pr, int l)
{
	switch (l) {
	case FABRIC_L_SAME_AZ: return &pr->data_transfer.same_az;
	case FABRIC_L_PEER_XAZ_OUT:
	case FABRIC_L_PEER_XAZ_IN: return &pr->vpc_peering.cross_az;
	case FABRIC_L_PEER_SAME_AZ: return &pr->vpc_peering.same_az;
	case FABRIC_L_ALB_XAZ_OUT:
	case FABRIC_L_ALB_XAZ_IN: return &pr->alb.cross_az_to_targets;
	case FABRIC_L_NLB_XAZ_OUT:
	case FABRIC_L_NLB_XAZ_IN: return &pr->nlb.cross_az_to_targets;
	default: return &pr->data_transfer.cross_az;
	}
}

static void party_free(gpointer data)
{
	fabric_party *pa = data;
	if (pa) {
		g_free(pa->component);
		g_free(pa);
	}
}

void fabric_init(fabric *f, net *nt, const scenario *sc, cost_ledger *ledger)
{
	drops_register();
	f->net = nt;
	f->sc = sc;
	f->prof = sc->profile;
	f->ledger = ledger;
	f->parties = g_ptr_array_new_with_free_func(party_free);
	/* Index 0: packets that entered no AZ yet bill nobody. */
	g_ptr_array_add(f->parties, NULL);
	f->party_of = g_hash_table_new(g_str_hash, g_str_equal);
	for (int l = 0; l < FABRIC_L_N; l++)
		f->free_line[l] = l != FABRIC_L_XAZ_OUT && l != FABRIC_L_XAZ_IN &&
		                  prices_tiers_free(line_rate(sc->prices, l));
}

void fabric_clear(fabric *f)
{
	if (f->party_of)
		g_hash_table_unref(f->party_of);
	f->party_of = NULL;
	if (f->parties)
		g_ptr_array_unref(f->parties);
	f->parties = NULL;
}

/* The party of `component`, made on first use.  A table, not a search of
 * the list: a scenario may have 100,000 components in AZs. */
static uint32_t party_index(fabric *f, const char *component)
{
	gpointer i = g_hash_table_lookup(f->party_of, component);
	if (i)
		return GPOINTER_TO_UINT(i);
	fabric_party *pa = g_new0(fabric_party, 1);
	pa->component = g_strdup(component);
	g_ptr_array_add(f->parties, pa);
	g_hash_table_insert(f->party_of, pa->component, GUINT_TO_POINTER(f->parties->len - 1));
	return f->parties->len - 1;
}

static cost_line *party_line(fabric *f, fabric_party *pa, int l)
{
	if (!pa->line[l])
		pa->line[l] = cost_ledger_line(f->ledger, pa->component, line_type[l],
		                               line_rate(f->sc->prices, l));
	return pa->line[l];
}

uint32_t fabric_sender(fabric *f, const char *component)
{
	uint32_t i = party_index(f, component);
	party_line(f, g_ptr_array_index(f->parties, i), FABRIC_L_XAZ_OUT);
	return i;
}

fabric_party *fabric_receiver(fabric *f, const char *component)
{
	/* Not in one expression: party_index may move the array's storage. */
	uint32_t i = party_index(f, component);
	fabric_party *pa = g_ptr_array_index(f->parties, i);
	party_line(f, pa, FABRIC_L_XAZ_IN);
	return pa;
}

void fabric_set_kind(fabric *f, const char *component, fabric_party_kind kind)
{
	uint32_t i = party_index(f, component);
	((fabric_party *)g_ptr_array_index(f->parties, i))->kind = kind;
}

static void bill(fabric *f, fabric_party *pa, int l, uint32_t bytes)
{
	if (pa && !f->free_line[l])
		cost_line_add_bytes(party_line(f, pa, l), bytes);
}

/* Bills a hop from p->az to `to` (both AZs). */
static void charge(fabric *f, const pkt *p, uint8_t to, fabric_party *in)
{
	const prices *pr = f->sc->prices;
	fabric_party *out = g_ptr_array_index(f->parties, p->az_from);
	gboolean peering = (p->flags & PKT_F_VIA_PEERING) != 0;
	if (p->az == to) {
		int l = peering ? FABRIC_L_PEER_SAME_AZ : FABRIC_L_SAME_AZ;
		if (out && !f->free_line[l])
			bill(f, out, l, fabric_billed_bytes(f, p));
		return;
	}
	if ((p->flags & PKT_F_VIA_TGW) && !pr->transit_gateway.charge_cross_az)
		return;
	if (((out && out->kind == FABRIC_PARTY_NATGW) || (in && in->kind == FABRIC_PARTY_NATGW)) &&
	    !pr->nat_gateway.charge_cross_az)
		return;
	if (((out && out->kind == FABRIC_PARTY_ENDPOINT) || (in && in->kind == FABRIC_PARTY_ENDPOINT)) &&
	    !pr->interface_endpoint.charge_cross_az)
		return;
	if ((out && out->kind == FABRIC_PARTY_LATTICE) || (in && in->kind == FABRIC_PARTY_LATTICE))
		return;
	if (((out && out->kind == FABRIC_PARTY_RESOURCE_ENDPOINT) ||
	     (in && in->kind == FABRIC_PARTY_RESOURCE_ENDPOINT)) &&
	    !pr->resource_endpoint.charge_cross_az)
		return;
	int l = FABRIC_L_XAZ_OUT;
	if (p->flags & PKT_F_LB_BACKEND)
		l = FABRIC_L_ALB_XAZ_OUT;
	else if (p->flags & PKT_F_NLB_BACKEND)
		l = FABRIC_L_NLB_XAZ_OUT;
	else if (peering)
		l = FABRIC_L_PEER_XAZ_OUT;
	/* Each pair is (out, in) in that order. */
	if (f->free_line[l])
		return;
	uint32_t b = fabric_billed_bytes(f, p);
	bill(f, out, l, b);
	bill(f, in, l + 1, b);
}

sim_time fabric_move(fabric *f, rng *r, pkt *p, uint8_t to, fabric_party *in)
{
	if (to == FABRIC_AZ_NONE)
		return 0;
	sim_time d = fabric_propagation(f, r, p->az, to);
	if (p->az != FABRIC_AZ_NONE)
		charge(f, p, to, in);
	p->az = to;
	return d;
}

gboolean fabric_mtu_drop(fabric *f, node *n, pkt *p, uint32_t mtu)
{
	if (mtu == 0 || pkt_ip_len(p) <= mtu || !pkt_df(p))
		return FALSE;
	char detail[48];
	g_snprintf(detail, sizeof detail, "%u bytes > MTU %u", pkt_ip_len(p), mtu);
	net_drop_detail(f->net, n, p, DROP_MTU, detail);
	return TRUE;
}

gboolean fabric_mtu_drop_icmp(fabric *f, node *n, pkt *p, uint32_t mtu, port *in, sim_time *in_last,
                              uint32_t icmp_src)
{
	if (mtu == 0 || pkt_ip_len(p) <= mtu || !pkt_df(p))
		return FALSE;
	if (pkt_proto(p) != PKT_PROTO_ICMP && in && in->link) {
		pkt *e = net_pkt_new(f->net, 0);
		pkt_build_icmp_frag_needed(e, p, icmp_src, (uint16_t)MIN(mtu, 65535u));
		char a[16];
		NET_TRACE(f->net, n, e, NET_TRACE_REWRITE, "ICMP fragmentation needed (next-hop MTU %u) to %s",
		          mtu, pkt_ip_str(pkt_ip_dst(e), a));
		fabric_send(f->net, in, e, 0, in_last);
	}
	return fabric_mtu_drop(f, n, p, mtu);
}

uint32_t fabric_router_ip(const fabric *f, int vpc, uint32_t ip)
{
	const scenario *sc = f->sc;
	for (guint i = 0; i < sc->subnets->len; i++) {
		const sc_subnet *s = SC_AT(sc->subnets, sc_subnet, i);
		if (s->vpc == vpc && sc_cidr_contains(s->cidr, ip))
			return s->cidr.addr + 1;
	}
	return vpc >= 0 ? SC_AT(sc->vpcs, sc_vpc, vpc)->cidr.addr + 1 : 0;
}

gboolean fabric_ttl(fabric *f, node *n, pkt *p, uint32_t by)
{
	for (uint32_t i = 0; i < by; i++)
		if (pkt_dec_ttl(p) == 0) {
			net_drop(f->net, n, p, DROP_TTL);
			return FALSE;
		}
	return TRUE;
}

/*
 * Departures (fabric.h, fabric_send).  A port's departures are taken in
 * the order of their times, so one can be handed to the link ahead of its
 * time (link_send_at) as soon as every earlier one has been.  Those that
 * cannot yet wait in the port's list, the time in pkt.user_u64; the first
 * has an event at its time, which sends it and then hands on the ones
 * behind it, until one must wait again.  While a tracer runs, a departure
 * has an event of its own, as before folding, so traces keep their lines
 * and their order; the list then waits for those events too.
 */
static gboolean fabric__fold_ok(const net *nt, sim_time t)
{
	return !nt->tracer && t <= sim_horizon(nt->sim);
}

static void fabric__wait_event(sim *s, void *ctx, void *arg);

/* Hands the waiting departures to the link, in order, until one must wait
 * for its time in an event. */
static void fabric__drain(net *nt, port *out)
{
	sim_time now = net_now(nt);
	pkt *p;
	while ((p = out->wait_head) != NULL) {
		sim_time t = (sim_time)p->user_u64;
		if (t != now && !fabric__fold_ok(nt, t)) {
			sim_schedule_at(nt->sim, t, fabric__wait_event, out, p);
			return;
		}
		out->wait_head = p->next;
		if (!out->wait_head)
			out->wait_tail = NULL;
		p->next = NULL;
		p->user_u64 = 0;
		link_send_at(out, p, t);
	}
}

/* The first waiting departure's time has come. */
static void fabric__wait_event(sim *s, void *ctx, void *arg)
{
	(void)s;
	port *out = ctx;
	g_return_if_fail(out->wait_head == arg);
	fabric__drain(out->node->net, out);
}

/* A departure in an event of its own (a tracer ran when it was sent). */
static void fabric__depart(sim *s, void *ctx, void *arg)
{
	(void)s;
	port *out = ctx;
	out->departing--;
	link_send(out, arg);
	if (!out->departing && out->wait_head)
		fabric__drain(out->node->net, out);
}

void fabric_send(net *nt, port *out, pkt *p, sim_time delay, sim_time *last)
{
	sim_time now = net_now(nt);
	sim_time t = sim_time_add_sat(now, delay);
	if (t < *last)
		t = *last;
	*last = t;
	if (G_UNLIKELY(out->clock != last)) {
		if (out->clock)
			g_critical("fabric_send: %s port %u sent with a second departure clock",
			           out->node->name, out->index);
		out->clock = last;
	}
	if (t == now) {
		link_send(out, p);
	} else if (out->wait_head) {
		p->user_u64 = (uint64_t)t;
		p->next = NULL;
		out->wait_tail->next = p;
		out->wait_tail = p;
	} else if (nt->tracer) {
		out->departing++;
		sim_schedule_at(nt->sim, t, fabric__depart, out, p);
	} else if (!out->departing && t <= sim_horizon(nt->sim)) {
		link_send_at(out, p, t);
	} else {
		p->user_u64 = (uint64_t)t;
		p->next = NULL;
		out->wait_head = out->wait_tail = p;
		if (!out->departing)
			sim_schedule_at(nt->sim, t, fabric__wait_event, out, p);
	}
}
