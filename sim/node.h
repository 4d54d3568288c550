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

/*
 * Why a packet was dropped: a number from the models' table of reasons
 * (models/drops.h), which they register with drop_reasons_register()
 * before a run; the engine itself gives only DROP_QUEUE.  Every drop is
 * counted on the node that made it, by reason; reports list them by name.
 */
typedef int drop_reason;
#define DROP_QUEUE 2  /* a link's queue was full: the one reason the engine gives */
#define DROP_MAX 24   /* reasons at most (node.drops) */

typedef struct {
	const char *name; /* short, for reports and CSV ("no-route") */
	const char *text; /* a sentence for people ("no route matches the destination") */
} drop_info;

/* Sets the table of reasons, indexed by drop_reason (n <= DROP_MAX); it
 * must outlive every net.  Without one, only DROP_QUEUE has a name. */
void drop_reasons_register(const drop_info *table, int n);
/* The number of reasons named (the registered table's length). */
int drop_reasons_count(void);
const char *drop_reason_name(drop_reason r);
const char *drop_reason_text(drop_reason r);
/* The reason whose sentence a drop's trace text starts with (net_drop
 * traces "SENTENCE" or "SENTENCE (detail)"), or -1. */
drop_reason drop_reason_of_text(const char *text);

/*
 * What a decision or rewrite a node traces (NET_TRACE_DECIDE, _REWRITE)
 * was, as a stable code for scripts, in the spirit of Reachability
 * Analyzer's explanation codes: the models register a table of the texts'
 * first words and their codes ("route " -> "route-table-route").
 */
typedef struct {
	const char *prefix; /* the start of the traced text */
	const char *code;   /* short, stable ("route-table-route") */
} explain_info;

/* Sets the table (ending with { NULL, NULL }; the first matching prefix
 * wins); it must outlive every net. */
void explanations_register(const explain_info *table);
/* The code of a traced decision or rewrite text, or NULL when no prefix
 * matches. */
const char *explanation_code(const char *text);

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
	uint64_t drops[DROP_MAX];
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
	/* For a sender that takes departures ahead of their time
	 * (fabric_send): the departure clock it sends this port's packets
	 * with, how many of them wait in events of their own (while a tracer
	 * runs), and those that wait in order behind them or behind a time
	 * past the run's horizon (linked by pkt.next; when nothing else
	 * waits, the first has an event at its time). */
	const sim_time *clock;
	uint32_t departing;
	pkt *wait_head, *wait_tail;
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
