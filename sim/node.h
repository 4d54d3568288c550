/* \summary: the one node interface every construct implements, and ports */
#ifndef VPCSIM_NODE_H
#define VPCSIM_NODE_H

#include <stdint.h>
#include <glib.h>
#include "pkt.h"

typedef struct net net;
typedef struct node node;
typedef struct port port;
typedef struct link link;
typedef struct pcapw pcapw;

/* Why a packet was dropped.  Every drop is counted on the node that made it,
 * by reason; reports list them by name (drop_reason_name). */
typedef enum {
	DROP_NO_ROUTE,   /* no route matches the destination */
	DROP_TTL,        /* TTL reached zero */
	DROP_QUEUE,      /* a link's queue was full */
	DROP_NO_PORT,    /* delivered to a host with nothing listening */
	DROP_SG,         /* denied by a security group (detail: the group set) */
	DROP_NO_ADDRESS, /* no ENI has the destination address in the VPC */
	DROP_NOT_TRANSITIVE, /* arrived over a peering for somewhere else */
	DROP_BLACKHOLE,  /* a blackhole route */
	DROP_NO_TGW_AZ,  /* no TGW attachment subnet in the packet's AZ */
	DROP_NO_PUBLIC_IP, /* leaving through an IGW without a public address */
	DROP_NAT_PORTS,  /* NAT gateway port allocation failed (per-destination limit) */
	DROP_NAT_IDLE,   /* a reply for a NAT mapping that timed out or never was */
	DROP_MTU,        /* larger than the path's MTU with DF set */
	DROP_NO_LISTENER, /* to a load balancer port no listener serves */
	DROP_NO_TARGET,  /* no target for the load balancer node (none in its AZ with cross-zone off) */
	DROP_NO_FLOW,    /* no flow state (idle timeout passed, or never opened) */
	DROP_SERVICE_AZ, /* the endpoint service has no load balancer node in the endpoint's AZ */
	DROP__COUNT
} drop_reason;

/* A short name for reports and CSV ("no-route") and a sentence for people
 * ("peering is not transitive"). */
const char *drop_reason_name(drop_reason r);
const char *drop_reason_text(drop_reason r);

/*
 * A node is a struct whose first member is `node`, with an ops table.  The
 * engine calls `receive` when a packet arrives on one of the node's ports;
 * the node then forwards it (link_send on another port, now or after a
 * processing delay), rewrites it, consumes it (pkt_free), or drops it with a
 * reason (net_drop).  The node owns the packet from `receive` on.
 */
typedef struct node_ops {
	const char *kind;                                /* "router", "alb", ... */
	void (*receive)(node *n, pkt *p, port *in);
	void (*destroy)(node *n);                        /* frees the containing struct */
} node_ops;

struct node {
	const node_ops *ops;
	net *net;
	char *name;       /* unique within a net; used in capture names and reports */
	uint32_t id;      /* index in the net's node list; recorded in pkt hops */
	GPtrArray *ports; /* port *, owned */
	uint64_t rx_pkts, rx_bytes;
	uint64_t drops[DROP__COUNT];
	GHashTable *drop_details; /* "reason: detail" -> count, created on first use */
};

/* One side of a link, owned by a node.  MAC addresses are derived from the
 * node id and port index (locally administered 02:...). */
struct port {
	node *node;
	link *link;      /* NULL until connected */
	uint16_t index;  /* within node->ports */
	uint8_t side;    /* which end of the link this is: 0 or 1 */
	uint8_t mac[6];
	pcapw *cap;      /* capture at this port, or NULL */
};

/* Initialises the base of a node and adds it to the net (which then owns it
 * and calls ops->destroy at net_free).  `name` is copied. */
void node_init(node *n, const node_ops *ops, net *nt, const char *name);
/* Frees what node_init allocated; a destroy op calls it before freeing. */
void node_clear(node *n);
/* Adds a port to the node. */
port *node_add_port(node *n);
static inline port *node_port(const node *n, guint i) { return g_ptr_array_index(n->ports, i); }

#endif
