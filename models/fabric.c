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

void fabric_init(fabric *f, net *nt, const scenario *sc, cost_ledger *ledger)
{
	f->net = nt;
	f->sc = sc;
	f->prof = sc->profile;
	f->ledger = ledger;
	f->senders = g_ptr_array_new();
	/* Index 0: packets that entered no AZ yet bill nobody. */
	g_ptr_array_add(f->senders, NULL);
	f->sender_of = g_hash_table_new(g_direct_hash, g_direct_equal);
}

void fabric_clear(fabric *f)
{
	if (f->senders)
		g_ptr_array_unref(f->senders);
	f->senders = NULL;
	if (f->sender_of)
		g_hash_table_unref(f->sender_of);
	f->sender_of = NULL;
}

uint32_t fabric_sender(fabric *f, const char *component)
{
	cost_line *out = cost_ledger_line(f->ledger, component, "cross-az-out",
	                                  &f->sc->prices->data_transfer.cross_az);
	/* A table, not a search of the list: a scenario may have 100,000
	 * components in AZs. */
	gpointer i = g_hash_table_lookup(f->sender_of, out);
	if (i)
		return GPOINTER_TO_UINT(i);
	g_ptr_array_add(f->senders, out);
	g_hash_table_insert(f->sender_of, out, GUINT_TO_POINTER(f->senders->len - 1));
	return f->senders->len - 1;
}

sim_time fabric_move(fabric *f, rng *r, pkt *p, uint8_t to, cost_line *in)
{
	if (to == FABRIC_AZ_NONE)
		return 0;
	sim_time d = fabric_propagation(f, r, p->az, to);
	if (p->az != FABRIC_AZ_NONE && p->az != to) {
		gboolean charge = !(p->flags & PKT_F_VIA_TGW) ||
		                  f->sc->prices->transit_gateway.charge_cross_az;
		/* An ALB's traffic with its targets crosses AZs for free (the
		 * price table's alb.cross_az_to_targets); when that price is not
		 * zero it is billed like any cross-AZ transfer. */
		if ((p->flags & PKT_F_LB_BACKEND) && f->sc->prices->alb.cross_az_to_targets.usd_per_gb[0] == 0)
			charge = FALSE;
		if (charge) {
			uint32_t b = fabric_billed_bytes(f, p);
			cost_line *out = g_ptr_array_index(f->senders, p->az_from);
			if (out)
				cost_line_add_bytes(out, b);
			if (in)
				cost_line_add_bytes(in, b);
		}
	}
	p->az = to;
	return d;
}

cost_line *fabric_xaz_in(fabric *f, const char *component)
{
	return cost_ledger_line(f->ledger, component, "cross-az-in",
	                        &f->sc->prices->data_transfer.cross_az);
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

static void fabric__depart(sim *s, void *ctx, void *arg)
{
	(void)s;
	link_send(ctx, arg);
}

void fabric_send(net *nt, port *out, pkt *p, sim_time delay, sim_time *last)
{
	sim_time now = net_now(nt);
	sim_time t = sim_time_add_sat(now, delay);
	if (t < *last)
		t = *last;
	*last = t;
	if (t == now)
		link_send(out, p);
	else
		sim_schedule_at(nt->sim, t, fabric__depart, out, p);
}
