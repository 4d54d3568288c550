/* \summary: what every AWS construct shares: the scenario, profile, ledger, AZs and propagation */
#ifndef VPCSIM_FABRIC_H
#define VPCSIM_FABRIC_H

#include "cost.h"
#include "net.h"
#include "profile.h"
#include "scenario.h"
#include "drops.h"

/*
 * Where a packet is, physically, is an AZ (pkt->az = 1 + index into
 * scenario->azs) or the region's public network (pkt->az = 0).  The VPC
 * router is distributed (it is the Nitro card of every instance), so it has
 * no place of its own: when it hands a packet to a port in another place it
 * delays it by the profile's propagation between the two places, and
 * charges data transfer: "out" on the party (component) that put the
 * packet in its AZ, "in" on the one it goes to.  Ports with no AZ (peering,
 * internet gateway, gateway endpoint) leave the packet where it is.
 *
 * Which price a hop pays (fabric_move):
 *   - changing AZ: data_transfer.cross_az, out and in; over a peering
 *     connection vpc_peering.cross_az instead, between an ALB or an NLB and
 *     its targets alb. or nlb.cross_az_to_targets instead; nothing when the
 *     price table's switch for a construct on the hop says so
 *     (transit_gateway.charge_cross_az for a packet that crossed a TGW,
 *     nat_gateway.charge_cross_az when the NAT gateway is one end,
 *     interface_endpoint.charge_cross_az when an endpoint ENI is,
 *     resource_endpoint.charge_cross_az when a resource endpoint is; never
 *     when VPC Lattice is one end);
 *   - staying in its AZ: data_transfer.same_az (vpc_peering.same_az over a
 *     peering connection), once, on the sender.
 * The cross-AZ lines of data_transfer exist for every party from the
 * start; the others are made on first use, and not at all while their
 * price is 0 in every tier (nothing to bill, and reports would fill with
 * $0.00 lines).
 */

/* What a party is, for the price table's per-construct switches. */
typedef enum {
	FABRIC_PARTY_PLAIN,    /* an instance, load balancer, TGW attachment */
	FABRIC_PARTY_NATGW,    /* nat_gateway.charge_cross_az decides */
	FABRIC_PARTY_ENDPOINT, /* interface_endpoint.charge_cross_az decides */
	FABRIC_PARTY_LATTICE,  /* VPC Lattice: never (its data processing includes inter-AZ data) */
	FABRIC_PARTY_RESOURCE_ENDPOINT, /* resource_endpoint.charge_cross_az decides */
} fabric_party_kind;

/* The transfer lines of a party (fabric_party.line). */
enum {
	FABRIC_L_XAZ_OUT,
	FABRIC_L_XAZ_IN,
	FABRIC_L_SAME_AZ,
	FABRIC_L_PEER_XAZ_OUT,
	FABRIC_L_PEER_XAZ_IN,
	FABRIC_L_PEER_SAME_AZ,
	FABRIC_L_ALB_XAZ_OUT,
	FABRIC_L_ALB_XAZ_IN,
	FABRIC_L_NLB_XAZ_OUT,
	FABRIC_L_NLB_XAZ_IN,
	FABRIC_L_N
};

/* pkt.flags: what a packet crossed, for charges and traces. */
#define PKT_F_VIA_TGW 0x01    /* crossed a Transit Gateway */
#define PKT_F_LB_BACKEND 0x02 /* between an application load balancer and its target */
#define PKT_F_VIA_PEERING 0x04 /* crossed a VPC peering connection */
#define PKT_F_NLB_BACKEND 0x08 /* between a network load balancer and its target */
#define PKT_F_NLB_RELAY 0x10  /* with PKT_F_NLB_BACKEND: on a TLS listener's own connection to the
                                 target (the run's path tracking joins the two legs) */

/* A component that sends or receives in an AZ (an ENI, a NAT gateway, a TGW
 * attachment, an endpoint): its name and its transfer lines. */
typedef struct fabric_party {
	char *component;
	fabric_party_kind kind;
	cost_line *line[FABRIC_L_N]; /* NULL until used */
} fabric_party;

typedef struct fabric {
	net *net;
	const scenario *sc;
	const profile *prof;
	cost_ledger *ledger;
	GPtrArray *parties;   /* fabric_party *, by pkt->az_from (0: nobody) */
	GHashTable *party_of; /* component name -> its index in parties */
	gboolean free_line[FABRIC_L_N]; /* the line's price is 0 in every tier */
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
 * propagation delay and charges the hop's data transfer (see above) to the
 * party that put the packet in its AZ (p->az_from) and to `in` (may be
 * NULL). */
sim_time fabric_move(fabric *f, rng *r, pkt *p, uint8_t to, fabric_party *in);

/* A component that puts packets into an AZ (an ENI, a NAT gateway, a TGW
 * attachment): the index to store in pkt->az_from.  Creates its
 * cross-az-out line. */
uint32_t fabric_sender(fabric *f, const char *component);
/* A component that receives packets in an AZ: its party, with its
 * cross-az-in line. */
fabric_party *fabric_receiver(fabric *f, const char *component);
/* Says what kind of construct a component is (before the run). */
void fabric_set_kind(fabric *f, const char *component, fabric_party_kind kind);

/* Drops p at node n if its IP length exceeds mtu and DF is set; returns
 * TRUE if dropped. */
gboolean fabric_mtu_drop(fabric *f, node *n, pkt *p, uint32_t mtu);

/* The same, and when it drops, an ICMP "fragmentation needed" (type 3
 * code 4, next-hop MTU `mtu`, quoting p's header) goes back out of `in`
 * towards p's source, from `icmp_src`: what a hop that does Path MTU
 * Discovery sends (RFC 1191).  Packets that are themselves ICMP get none
 * (RFC 1122 3.2.2).  The error leaves through fabric_send with `in`'s
 * departure clock `in_last`, at once unless packets the construct already
 * forwarded out of `in` are still due to leave (it goes behind them). */
gboolean fabric_mtu_drop_icmp(fabric *f, node *n, pkt *p, uint32_t mtu, port *in, sim_time *in_last,
                              uint32_t icmp_src);

/* The address AWS reserves for the VPC router in the subnet of `vpc` that
 * holds `ip` (the subnet's base + 1), or the VPC's base + 1 when no subnet
 * does: the source of the ICMP errors a hop of that VPC's path sends. */
uint32_t fabric_router_ip(const fabric *f, int vpc, uint32_t ip);

/* A construct that decrements the TTL `by` (the profile's [ttl]): TRUE when
 * p may go on; FALSE when the TTL ran out and p was dropped at n. */
gboolean fabric_ttl(fabric *f, node *n, pkt *p, uint32_t by);

/* Sends p out of `out` after `delay`, but never before the previous packet
 * sent through `*last` (a per-port departure clock): a construct with a
 * random delay must not reorder a flow's packets.  Sends at once when the
 * resulting time is now.
 *
 * A later departure is folded into the link's event (link_send_at: the
 * packet-hop costs one event, its arrival, instead of two) when it is
 * exact: a port sent through here is sent only through here and always
 * with the same clock (several ports may share one; a second clock for a
 * port is a programming error, reported with a critical), so nothing
 * leaves it before a departure already taken.  A departure keeps an event
 * of its own while a tracer runs (its lines must come at their times),
 * when its time is past the running loop's horizon (sim_horizon: the run
 * may stop before it, and the link's counters must not have counted it),
 * and while an earlier one of the port still waits in an event.  Captures
 * play no part in the choice, so a run takes the same course with them
 * and without. */
void fabric_send(net *nt, port *out, pkt *p, sim_time delay, sim_time *last);

#endif
