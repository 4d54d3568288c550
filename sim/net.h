/* \summary: a network under simulation: engine, packet pool, nodes, links, captures */
#ifndef VPCSIM_NET_H
#define VPCSIM_NET_H

#include "engine.h"
#include "node.h"
#include "link.h"
#include "rng.h"

struct net {
	sim *sim;
	pkt_pool *pool;
	uint64_t seed;
	GPtrArray *nodes;   /* node *, owned; index = node id */
	GPtrArray *links;   /* link *, owned */
	GPtrArray *caps;    /* pcapw *, open captures */
	int capture_failed; /* 1 once a capture write failed (pcapw_notify) */
	uint64_t next_flow_id;
	struct net_tracer *tracer; /* NULL unless a trace is being taken */
	gboolean fingerprint;      /* packets go into the engine's fingerprint */
	/* Where a model writes bytes it copies at once (an HTTP head, before
	 * pkt_msg_new_copy()), so that building them allocates nothing. */
	GString *scratch;
};

/*
 * Tracing (vpcsim trace): when a tracer is set, the link layer reports
 * every arrival and departure and every node reports its decisions (the
 * route, rule or mapping that decided), its rewrites and its drops, in
 * words.  Nodes call NET_TRACE; without a tracer it costs one test.
 */
typedef enum {
	NET_TRACE_ARRIVE,  /* the packet reached the node */
	NET_TRACE_DECIDE,  /* what decided where it goes: a route, a rule, a target */
	NET_TRACE_REWRITE, /* an address or port changed */
	NET_TRACE_DROP,    /* dropped, and why */
	NET_TRACE_SEND,    /* handed to a link */
} net_trace_kind;

/* `p` is NULL for a decision a node takes above the packets (an ALB
 * choosing a target for a request). */
typedef struct net_tracer {
	void (*event)(void *ud, sim_time t, const node *n, const pkt *p, net_trace_kind kind,
	              const char *text);
	void *ud;
	/* Bit (1 << kind) set: events of that kind come with NULL text, not
	 * formatted (a tracer that reads no text of theirs). */
	uint32_t bare;
} net_tracer;

void net_trace_emit(net *nt, const node *n, const pkt *p, net_trace_kind kind, const char *fmt, ...)
	G_GNUC_PRINTF(5, 6);
#define NET_TRACE(nt, n, p, kind, ...)                                 \
	do {                                                            \
		if (G_UNLIKELY((nt)->tracer))                           \
			net_trace_emit((nt), (n), (p), (kind), __VA_ARGS__); \
	} while (0)

net *net_new(uint64_t seed);
/* Aborts any capture still open (its temporary file is removed). */
void net_free(net *nt);

static inline sim_time net_now(const net *nt) { return sim_now(nt->sim); }

/* A fresh packet from the net's pool, born now, with a new flow id unless
 * flow_id is non-zero. */
pkt *net_pkt_new(net *nt, uint64_t flow_id);
uint64_t net_new_flow_id(net *nt);

/* Counts a drop on node n and frees the packet. */
void net_drop(net *nt, node *n, pkt *p, drop_reason why);
/* The same, also counting `detail` (e.g. the security groups that denied
 * it) under the node's drop_details. */
void net_drop_detail(net *nt, node *n, pkt *p, drop_reason why, const char *detail);
/* Only the detail count, for a drop another piece of code performs. */
void net_note_drop_detail(node *n, drop_reason why, const char *detail);
/* Total drops for a reason over all nodes. */
uint64_t net_drops(const net *nt, drop_reason why);

/* Seeds a stream for a component, from the net's seed and the name. */
void net_rng(const net *nt, rng *r, const char *stream);

/* Starts the run's trajectory fingerprint (see engine.h): every event's
 * time, and for every packet a link delivers, the receiving node's id, the
 * port and the packet's header bytes (MACs, IPv4, TCP or UDP with options,
 * so addresses, ports, sequence numbers, flags and lengths all count).
 * Call before running; sim_fingerprint(nt->sim) reads it afterwards. */
void net_fingerprint_start(net *nt);

/* Looks a node up by name (NULL if absent). */
node *net_node(const net *nt, const char *name);

/* Starts capturing at a port into DIR/NAME.pcap. */
gboolean net_capture(net *nt, port *p, const char *dir, const char *name, uint32_t snaplen,
                     GError **error);
/* Closes every capture and publishes them all, or none: when any write
 * failed (full disk, deleted directory), every file of the run is removed
 * and the first error returned.  (A rename that fails at the very end
 * loses that file only.)  After a run that failed for another reason,
 * net_abort_captures() publishes nothing. */
gboolean net_close_captures(net *nt, GError **error);
void net_abort_captures(net *nt);
/* The first capture write error, NULL if none (nt->capture_failed says
 * whether to look). */
const GError *net_capture_error(const net *nt);
/* Runs events until the queue drains, in slices of 10 ms of simulated time;
 * returns FALSE early when *stop is set (by a signal handler) or a capture
 * write failed. */
gboolean net_run(net *nt, volatile int *stop);
/* Total bytes written to captures so far. */
uint64_t net_capture_bytes(const net *nt);

#endif
