/* \summary: links: one event per packet crossing, the queue kept as a busy-until time */
#include "link.h"

#include "net.h"
#include "pcapw.h"

sim_time link_serialization(uint64_t bps, uint32_t bytes)
{
	g_return_val_if_fail(bytes < (UINT32_C(1) << 31), 0);
	if (bps == 0)
		return 0;
	/* bytes < 2^32, so bytes * 8e9 < 2^65 could overflow only for frames
	 * beyond 2 GB; IP caps frames at 64 KiB. */
	uint64_t bits_ns = (uint64_t)bytes * UINT64_C(8000000000);
	return (sim_time)((bits_ns + bps - 1) / bps);
}

link *link_new(net *nt, port *a, port *b, sim_time delay, uint64_t bps, uint64_t queue_bytes)
{
	g_return_val_if_fail(a->link == NULL && b->link == NULL && a != b, NULL);
	g_return_val_if_fail(delay >= 0, NULL);
	link *l = g_new0(link, 1);
	l->net = nt;
	l->end[0] = a;
	l->end[1] = b;
	l->delay = delay;
	l->bps = bps;
	l->dir[0].queue_bytes = queue_bytes;
	l->dir[1].queue_bytes = queue_bytes;
	a->link = l;
	a->side = 0;
	b->link = l;
	b->side = 1;
	g_ptr_array_add(nt->links, l);
	return l;
}

void link_free(link *l) { g_free(l); }

/* The packet reaches the far port: capture it there, then hand it over. */
static void link__arrive(sim *s, void *ctx, void *arg)
{
	port *to = ctx;
	pkt *p = arg;
	node *n = to->node;
	if (to->cap)
		pcapw_write(to->cap, sim_now(s), p);
	n->rx_pkts++;
	n->rx_bytes += pkt_wire_len(p);
	pkt_hop_push(p, n->id, sim_now(s));
	if (G_UNLIKELY(n->net->fingerprint)) {
		uint8_t where[4] = { (uint8_t)(n->id >> 8), (uint8_t)n->id, (uint8_t)(to->index >> 8),
			             (uint8_t)to->index };
		sim_fingerprint_add(s, where, sizeof where);
		sim_fingerprint_add(s, p->hdr, p->hdr_len);
	}
	NET_TRACE(n->net, n, p, NET_TRACE_ARRIVE, "from %s", link_peer(to)->node->name);
	n->ops->receive(n, p, to);
}

gboolean link_send(port *from, pkt *p) { return link_send_at(from, p, sim_now(from->link->net->sim)); }

gboolean link_send_at(port *from, pkt *p, sim_time t)
{
	link *l = from->link;
	port *to = l->end[1 - from->side];
	link_dir *d = &l->dir[from->side];
	sim *s = l->net->sim;
	uint32_t len = pkt_wire_len(p);

	g_return_val_if_fail(t >= sim_now(s), FALSE);
	/* A departure already taken ahead of its time has the transmitter from
	 * then on; a packet that should have gone before it cannot, so the
	 * caller broke link_send_at's condition. */
	if (G_UNLIKELY(t < d->ahead_until))
		g_critical("link_send_at: %s sends at %" G_GINT64_FORMAT " ns behind a departure "
		           "already taken at %" G_GINT64_FORMAT " ns: packets out of order",
		           from->node->name, t, d->ahead_until);
	if (t > sim_now(s))
		d->ahead_until = t;

	sim_time start = d->busy_until > t ? d->busy_until : t;
	if (d->queue_bytes && start > t) {
		/* Bytes still waiting to be serialized ahead of this packet. */
		double backlog = (double)(start - t) * (double)l->bps / 8e9;
		if (backlog + len > (double)d->queue_bytes) {
			d->drops++;
			d->drop_bytes += len;
			net_drop(l->net, from->node, p, DROP_QUEUE);
			return FALSE;
		}
	}
	d->busy_until = start + link_serialization(l->bps, len);
	d->pkts++;
	d->bytes += len;
	pkt_set_macs(p, from->mac, to->mac);
	pkt_hop_leave(p, t);
	/* A capture sees an outgoing packet when the node hands it to the link,
	 * as tcpdump sees it before the NIC's queue, at t: a departure taken
	 * ahead of its time waits in the file's writer until the clock gets
	 * there, so each file's timestamps never go backwards. */
	if (from->cap)
		pcapw_write_ahead(from->cap, sim_now(s), t, p);
	NET_TRACE(l->net, from->node, p, NET_TRACE_SEND, "to %s", to->node->name);
	sim_schedule_at(s, sim_time_add_sat(d->busy_until, l->delay), link__arrive, to, p);
	return TRUE;
}

void link_set_queue(link *l, const port *from, uint64_t queue_bytes)
{
	g_return_if_fail(from->link == l);
	l->dir[from->side].queue_bytes = queue_bytes;
}
