/* \summary: idle-flow table: flows found by either of two keys, in order of last use, forgotten once idle */
#ifndef VPCSIM_FLOWTAB_H
#define VPCSIM_FLOWTAB_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "engine.h"

/*
 * The state a middlebox keeps per flow (a NAT mapping, a load balancer's
 * choice of target, an endpoint's way back), with no timer event per
 * flow: a flow unused for longer than the table's idle timeout is
 * forgotten when one of its packets next looks it up, and the idle ones
 * at the head of the last-use list are forgotten when the caller asks
 * (flowtab_prune, before making a flow), so the table holds about the
 * flows of the last idle period.
 *
 * A flow is the caller's struct, which holds its two keys: the flow as its
 * opening packets arrive (FLOWTAB_FWD) and as the replies arrive
 * (FLOWTAB_REV, after whatever rewriting the box does).  The two are
 * indexed apart, so a key on one side never finds a flow by its key on the
 * other.  The table owns the flows' memory; a forgotten flow's is kept for
 * the next new one, so packets of known flows allocate nothing, and a new
 * flow allocates only while the table is larger than it has ever been.
 *
 * Flows are forgotten oldest first, so what a forget callback releases
 * (a port, say) comes back in the order the flows were last used.
 */

enum { FLOWTAB_FWD, FLOWTAB_REV };

/* A flow's key, on either side, with a hash and an equality for the
 * callers' own tables of them (the flow table indexes its 15 bytes of
 * fields itself, in keymaps). */
typedef struct {
	uint32_t a, b; /* source and destination address */
	uint16_t c, d; /* source and destination port */
	uint16_t in;   /* the port it came in on, where flows through two look alike; else 0 */
	uint8_t proto;
} flowtab_key;

guint flowtab_key_hash(gconstpointer key);
gboolean flowtab_key_equal(gconstpointer p, gconstpointer q);

typedef struct flowtab flowtab;

/* Called on a flow about to be forgotten, still whole, with the time of
 * the packet that made it go. */
typedef void (*flowtab_forget_fn)(void *user, void *flow, sim_time now);

/* What a kind of flow is, one static table per model. */
typedef struct {
	gsize size;               /* bytes of the caller's flow struct */
	gsize key_at[2];          /* offsets of its FLOWTAB_FWD and FLOWTAB_REV flowtab_keys */
	flowtab_forget_fn forget; /* what hangs off a flow; NULL for nothing */
} flowtab_ops;

/* The layout part of a flowtab_ops for flows of struct type T with keys
 * FWD and REV, two flowtab_key members (checked at compile time):
 *   static const flowtab_ops ops = { FLOWTAB_LAYOUT(myflow, out, in), .forget = ... }; */
#define FLOWTAB_LAYOUT(T, FWD, REV)                                                        \
	.size = sizeof(T),                                                                   \
	.key_at = { offsetof(T, FWD) + 0 * sizeof(&((T *)0)->FWD - (flowtab_key *)0),          \
		    offsetof(T, REV) + 0 * sizeof(&((T *)0)->REV - (flowtab_key *)0) }

/* A flow unused for longer than `idle` is idle; `user` is the forget
 * callback's first argument. */
flowtab *flowtab_new(const flowtab_ops *ops, sim_time idle, void *user);
/* Frees every flow's memory without calling forget: what it would release
 * may be gone already. */
void flowtab_free(flowtab *t);

/* The flow with this key on that side, idle or not; NULL if none. */
void *flowtab_find(const flowtab *t, int side, const flowtab_key *key);
/* The same, but an idle flow found is forgotten and NULL returned. */
void *flowtab_lookup(flowtab *t, int side, const flowtab_key *key, sim_time now);

/* A new flow, zeroed but for its two keys (copied in), last used `now` and
 * youngest in the list.  Neither key may be in the table already. */
void *flowtab_add(flowtab *t, const flowtab_key *fwd, const flowtab_key *rev, sim_time now);
/* A packet of the flow at `now`: it becomes the youngest. */
void flowtab_touch(flowtab *t, void *flow, sim_time now);
/* Unused for longer than the idle timeout, at `now`. */
gboolean flowtab_idle(const flowtab *t, const void *flow, sim_time now);
sim_time flowtab_last_used(const void *flow);
/* Calls forget, then takes the flow out of the table. */
void flowtab_forget(flowtab *t, void *flow, sim_time now);
/* Forgets the idle flows at the old end of the list, oldest first; returns
 * how many. */
guint flowtab_prune(flowtab *t, sim_time now);

guint flowtab_len(const flowtab *t);
/* The flows from the least recently used: flowtab_next(t, NULL) is the
 * first, NULL after the last.  Nothing may be added or forgotten while
 * walking. */
void *flowtab_next(const flowtab *t, const void *flow);

/*
 * Source ports a box hands out towards one destination (source NAT: the
 * NAT gateway, the NLB, a resource gateway), in a table by the destination's
 * key.  Ports go round 1024-65535 from where the last search stopped; a
 * port is free when no flow of the caller's table has it in its reply key
 * and nothing else holds it, and in_use counts the destination's
 * flows holding one (the caller gives each back when its flow is
 * forgotten).
 */
typedef struct {
	uint32_t in_use;
	uint16_t next_port;
} flowtab_ports;

#define FLOWTAB_PORTS 64512 /* 1024-65535 */

/* Whether something besides the table's flows holds the reply key (its
 * port field set to the candidate): the NLB's health checks and TLS
 * relays. */
typedef gboolean (*flowtab_port_held_fn)(void *ud, const flowtab_key *reply);

/* A table of flowtab_ports by destination, a flowtab_key hashed with `hash`. */
GHashTable *flowtab_ports_table(GHashFunc hash);
/* The destination's ports, created (from 1024) at first use. */
flowtab_ports *flowtab_ports_of(GHashTable *table, const flowtab_key *dest);
/* The next port free for the reply key `reply`, written into its field
 * *port (reply's c or d) and counted in in_use: free when no flow of t has
 * that reply key and `held` (NULL for nothing else) says no.  0 when
 * in_use has reached `limit` or every port is taken. */
uint16_t flowtab_ports_take(flowtab_ports *p, uint32_t limit, const flowtab *t, flowtab_key *reply,
                            uint16_t *port, flowtab_port_held_fn held, void *ud);

#endif
