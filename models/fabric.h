/* \summary: what every AWS construct shares: the scenario, profile, ledger, AZs and propagation */
#ifndef VPCSIM_FABRIC_H
#define VPCSIM_FABRIC_H

#include "cost.h"
#include "net.h"
#include "profile.h"
#include "scenario.h"

/*
 * Where a packet is, physically, is an AZ (pkt->az = 1 + index into
 * scenario->azs) or the region's public network (pkt->az = 0).  The VPC
 * router is distributed (it is the Nitro card of every instance), so it has
 * no place of its own: when it hands a packet to a port in another place it
 * delays it by the profile's propagation between the two places, and when
 * the packet changes AZ it charges cross-AZ transfer, out on the component
 * it came from and in on the one it goes to.  Ports with no AZ (peering,
 * internet gateway, gateway endpoint) leave the packet where it is.
 */
typedef struct fabric {
	net *net;
	const scenario *sc;
	const profile *prof;
	cost_ledger *ledger;
	GPtrArray *senders; /* cost_line *: cross-AZ "out" lines, by pkt->az_from */
	GHashTable *sender_of; /* cost_line * -> its index in senders */
} fabric;

void fabric_init(fabric *f, net *nt, const scenario *sc, cost_ledger *ledger);
void fabric_clear(fabric *f);

#define FABRIC_AZ_NONE 0

/* Bytes of a packet that count towards per-GB charges (prices' billed_bytes). */
uint32_t fabric_billed_bytes(const fabric *f, const pkt *p);

/* One-way propagation from place `from` to place `to` (pkt->az style);
 * 0 when either is the public network (the regional network's own delay
 * covers it). */
sim_time fabric_propagation(const fabric *f, rng *r, uint8_t from, uint8_t to);

/* Moves p to place `to` (no-op for FABRIC_AZ_NONE): returns the
 * propagation delay and, if the AZ changes, charges cross-AZ transfer "out"
 * to the component that put the packet in its AZ (p->az_from) and "in" to
 * `in` (may be NULL), unless the packet crossed a TGW and the price table
 * says TGW traffic pays no cross-AZ transfer. */
sim_time fabric_move(fabric *f, rng *r, pkt *p, uint8_t to, cost_line *in);

/* A component that puts packets into an AZ (an ENI, a NAT gateway, a TGW
 * attachment): the index to store in pkt->az_from. */
uint32_t fabric_sender(fabric *f, const char *component);
/* The cross-AZ "in" line of a component, created on first use. */
cost_line *fabric_xaz_in(fabric *f, const char *component);

/* Drops p at node n if its IP length exceeds mtu and DF is set; returns
 * TRUE if dropped. */
gboolean fabric_mtu_drop(fabric *f, node *n, pkt *p, uint32_t mtu);

/* Sends p out of `out` after `delay`, but never before the previous packet
 * sent through `*last` (a per-port departure clock): a construct with a
 * random delay must not reorder a flow's packets.  Sends at once when the
 * resulting time is now. */
void fabric_send(net *nt, port *out, pkt *p, sim_time delay, sim_time *last);

#endif
