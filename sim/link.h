/* \summary: links: propagation delay, serialization, a bounded queue kept as a busy-until time */
#ifndef VPCSIM_LINK_H
#define VPCSIM_LINK_H

#include "engine.h"
#include "node.h"

/*
 * A link joins two ports.  Each direction serializes packets at `bps` and
 * delivers them `delay` after the last bit leaves.  The queue is not a list
 * of packets: each direction keeps the time its transmitter becomes free
 * (busy_until), which is all FIFO serialization needs, so a packet crossing a
 * link costs exactly one event (its arrival).  The backlog in bytes is
 * (busy_until - now) * bps / 8: every byte accepted and not yet
 * serialized, the rest of the frame on the wire included.  A packet that
 * would push it past `queue_bytes` is dropped and counted (tail drop).
 */
typedef struct {
	uint64_t queue_bytes;             /* 0 means unbounded */
	sim_time busy_until;
	uint64_t pkts, bytes;             /* sent (accepted) */
	uint64_t drops, drop_bytes;       /* tail drops */
	sim_time ahead_until;             /* the latest departure link_send_at took ahead of its time */
} link_dir;

struct link {
	net *net;
	port *end[2];
	sim_time delay;        /* propagation, one way */
	uint64_t bps;          /* bits per second; 0 means infinitely fast */
	link_dir dir[2];       /* dir[i]: from end[i] to end[1 - i] */
};

/* Connects two unconnected ports.  The net owns the link. */
link *link_new(net *nt, port *a, port *b, sim_time delay, uint64_t bps, uint64_t queue_bytes);

/* Time to serialize `bytes` at `bps`: ceil(bytes * 8e9 / bps) ns, exact
 * integer arithmetic so that sums of delays along a path are exact. */
sim_time link_serialization(uint64_t bps, uint32_t bytes);
void link_free(link *l);

/* Sets the queue limit of the direction that starts at `from` (0 =
 * unbounded): a host's own transmit queue never drops its TCP segments in
 * Linux (they wait in the socket), so hosts get an unbounded one. */
void link_set_queue(link *l, const port *from, uint64_t queue_bytes);

/* Sends p out of `from`: sets the frame's MAC addresses to the two ports',
 * records it at from's capture, and schedules its arrival at the other end.
 * Takes ownership of p; returns FALSE if the queue dropped it. */
gboolean link_send(port *from, pkt *p);

/* Sends p out of `from` at time `t` (not in the past), now: the same queue
 * decision, times, arrival and capture record as link_send() called at t,
 * in one event instead of an event at t that calls link_send().  That holds
 * only if nothing else is sent out of `from` before t and no tracer runs
 * (its lines would come now); the caller makes sure (fabric_send).
 * link_send() then complains if a packet is sent out of `from` before t
 * after all.  A capture at `from` gets the record with time t, held by its
 * writer until the clock reaches t (pcapw_write_ahead).  Only the order of
 * events at equal times can differ from link_send() at t: the arrival is
 * scheduled now, so it takes its place among the events of its time by
 * now's sequence number. */
gboolean link_send_at(port *from, pkt *p, sim_time t);

/* The port at the other end of from's link. */
static inline port *link_peer(const port *from) { return from->link->end[1 - from->side]; }

#endif
