/* \summary: idle-flow table: two open-addressing indexes, a last-use list threaded through the flows, a free list; source-NAT port rounds per destination */
#include "flowtab.h"

#include <stddef.h>
#include <string.h>

/*
 * Each index is an array of slots, open addressing with linear probing,
 * at most half full, grown by doubling and never shrunk (a table that once
 * held n flows will again); a slot holds the key's hash beside the flow,
 * so a probe reads the flow only when the hashes agree, and removing
 * shifts the slots after it back (no tombstones).  Against two GHashTables
 * it saves the calls through GLib and the modulo, which the NLB and the
 * endpoints pay on every packet.
 */

/* What the table keeps before each flow.  The caller's struct starts at
 * `flow`, aligned for anything. */
typedef struct ft_entry ft_entry;
struct ft_entry {
	ft_entry *prev, *next; /* last-use list; next alone on the free list */
	sim_time last_used;
	guint hash[2];         /* of its keys */
	_Alignas(max_align_t) unsigned char flow[];
};

typedef struct {
	guint hash;
	ft_entry *e;           /* NULL: empty */
} ft_slot;

struct flowtab {
	const flowtab_ops *ops;
	sim_time idle;
	void *user;
	ft_slot *index[2];     /* key in a flow -> the flow */
	guint bits;            /* each index has 2^bits slots */
	guint len;
	ft_entry *head, *tail; /* least recently used first */
	ft_entry *free;        /* forgotten flows' memory */
};

enum { FT_MIN_BITS = 4 };

static ft_entry *ft_entry_of(const void *flow)
{
	return (ft_entry *)((char *)flow - offsetof(ft_entry, flow));
}

static void *ft_key(const flowtab *t, void *flow, int side)
{
	return (char *)flow + t->ops->key_at[side];
}

/* Where a hash's probe starts: the top bits of a Fibonacci product, so
 * every bit of the caller's hash counts (a multiplicative hash of ports
 * leaves the low bits to the low ports). */
static guint ft_home(const flowtab *t, guint hash)
{
	return (guint)((hash * 2654435769u) >> (32 - t->bits));
}

static guint ft_mask(const flowtab *t) { return (1u << t->bits) - 1; }

static ft_entry *ft_find(const flowtab *t, int side, const void *key, guint hash)
{
	const ft_slot *slots = t->index[side];
	guint mask = ft_mask(t);
	for (guint i = ft_home(t, hash);; i = (i + 1) & mask) {
		const ft_slot *sl = &slots[i];
		if (!sl->e)
			return NULL;
		if (sl->hash == hash && t->ops->equal(ft_key(t, sl->e->flow, side), key))
			return sl->e;
	}
}

static void ft_place(flowtab *t, int side, ft_entry *e)
{
	guint mask = ft_mask(t), h = e->hash[side];
	guint i = ft_home(t, h);
	while (t->index[side][i].e)
		i = (i + 1) & mask;
	t->index[side][i] = (ft_slot){ h, e };
}

/* Takes e out of one index, moving back the slots of its run that would
 * no longer be found past the hole. */
static void ft_remove(flowtab *t, int side, const ft_entry *e)
{
	ft_slot *slots = t->index[side];
	guint mask = ft_mask(t);
	guint i = ft_home(t, e->hash[side]);
	while (slots[i].e != e)
		i = (i + 1) & mask;
	for (guint j = (i + 1) & mask; slots[j].e; j = (j + 1) & mask) {
		/* Slot j may fill the hole at i unless its home lies in (i, j]. */
		guint home = ft_home(t, slots[j].hash);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			slots[i] = slots[j];
			i = j;
		}
	}
	slots[i].e = NULL;
}

static void ft_grow(flowtab *t)
{
	ft_slot *old[2] = { t->index[0], t->index[1] };
	guint n = 1u << t->bits;
	t->bits++;
	for (int s = 0; s < 2; s++) {
		t->index[s] = g_new0(ft_slot, (gsize)1 << t->bits);
		for (guint i = 0; i < n; i++)
			if (old[s][i].e)
				ft_place(t, s, old[s][i].e);
		g_free(old[s]);
	}
}

static void ft_unlink(flowtab *t, ft_entry *e)
{
	*(e->prev ? &e->prev->next : &t->head) = e->next;
	*(e->next ? &e->next->prev : &t->tail) = e->prev;
}

static void ft_push_tail(flowtab *t, ft_entry *e)
{
	e->prev = t->tail;
	e->next = NULL;
	*(t->tail ? &t->tail->next : &t->head) = e;
	t->tail = e;
}

guint flowtab_key_hash(gconstpointer key)
{
	const flowtab_key *k = key;
	guint h = k->a * 2654435761u ^ k->b * 2246822519u;
	return h ^ (((guint)k->c << 16 | k->d) * 3266489917u) ^ k->proto ^ ((guint)k->in << 8);
}

gboolean flowtab_key_equal(gconstpointer p, gconstpointer q)
{
	const flowtab_key *x = p, *y = q;
	return x->a == y->a && x->b == y->b && x->c == y->c && x->d == y->d && x->in == y->in &&
	       x->proto == y->proto;
}

flowtab *flowtab_new(const flowtab_ops *ops, sim_time idle, void *user)
{
	g_return_val_if_fail(ops && ops->hash && ops->equal && ops->key_size > 0, NULL);
	for (int s = 0; s < 2; s++)
		g_return_val_if_fail(ops->key_at[s] + ops->key_size <= ops->size, NULL);
	flowtab *t = g_new0(flowtab, 1);
	t->ops = ops;
	t->idle = idle;
	t->user = user;
	t->bits = FT_MIN_BITS;
	for (int s = 0; s < 2; s++)
		t->index[s] = g_new0(ft_slot, (gsize)1 << t->bits);
	return t;
}

static void ft_free_list(ft_entry *e)
{
	while (e) {
		ft_entry *next = e->next;
		g_free(e);
		e = next;
	}
}

void flowtab_free(flowtab *t)
{
	if (!t)
		return;
	ft_free_list(t->head);
	ft_free_list(t->free);
	for (int s = 0; s < 2; s++)
		g_free(t->index[s]);
	g_free(t);
}

void *flowtab_find(const flowtab *t, int side, const void *key)
{
	ft_entry *e = ft_find(t, side, key, t->ops->hash(key));
	return e ? e->flow : NULL;
}

void *flowtab_lookup(flowtab *t, int side, const void *key, sim_time now)
{
	void *flow = flowtab_find(t, side, key);
	if (flow && flowtab_idle(t, flow, now)) {
		flowtab_forget(t, flow, now);
		return NULL;
	}
	return flow;
}

void *flowtab_add(flowtab *t, const void *fwd, const void *rev, sim_time now)
{
	ft_entry *e = t->free;
	if (e)
		t->free = e->next;
	else
		e = g_malloc(offsetof(ft_entry, flow) + t->ops->size);
	void *flow = e->flow;
	memset(flow, 0, t->ops->size);
	memcpy(ft_key(t, flow, FLOWTAB_FWD), fwd, t->ops->key_size);
	memcpy(ft_key(t, flow, FLOWTAB_REV), rev, t->ops->key_size);
	if ((t->len + 1) * 2 > 1u << t->bits)
		ft_grow(t);
	for (int s = 0; s < 2; s++) {
		e->hash[s] = t->ops->hash(ft_key(t, flow, s));
		if (ft_find(t, s, ft_key(t, flow, s), e->hash[s]))
			g_critical("flowtab_add: a flow with that %s key is in the table already",
			           s == FLOWTAB_FWD ? "forward" : "reply");
		ft_place(t, s, e);
	}
	t->len++;
	e->last_used = now;
	ft_push_tail(t, e);
	return flow;
}

void flowtab_touch(flowtab *t, void *flow, sim_time now)
{
	ft_entry *e = ft_entry_of(flow);
	e->last_used = now;
	if (e != t->tail) {
		ft_unlink(t, e);
		ft_push_tail(t, e);
	}
}

gboolean flowtab_idle(const flowtab *t, const void *flow, sim_time now)
{
	return now - ft_entry_of(flow)->last_used > t->idle;
}

sim_time flowtab_last_used(const void *flow)
{
	return ft_entry_of(flow)->last_used;
}

void flowtab_forget(flowtab *t, void *flow, sim_time now)
{
	if (t->ops->forget)
		t->ops->forget(t->user, flow, now);
	ft_entry *e = ft_entry_of(flow);
	ft_unlink(t, e);
	for (int s = 0; s < 2; s++)
		ft_remove(t, s, e);
	t->len--;
	e->next = t->free;
	t->free = e;
}

guint flowtab_prune(flowtab *t, sim_time now)
{
	guint n = 0;
	while (t->head && flowtab_idle(t, t->head->flow, now)) {
		flowtab_forget(t, t->head->flow, now);
		n++;
	}
	return n;
}

guint flowtab_len(const flowtab *t)
{
	return t->len;
}

void *flowtab_next(const flowtab *t, const void *flow)
{
	ft_entry *e = flow ? ft_entry_of(flow)->next : t->head;
	return e ? e->flow : NULL;
}

GHashTable *flowtab_ports_table(GHashFunc hash)
{
	return g_hash_table_new_full(hash, flowtab_key_equal, g_free, g_free);
}

flowtab_ports *flowtab_ports_of(GHashTable *table, const flowtab_key *dest)
{
	flowtab_ports *p = g_hash_table_lookup(table, dest);
	if (!p) {
		p = g_new0(flowtab_ports, 1);
		p->next_port = 1024;
		g_hash_table_insert(table, g_memdup2(dest, sizeof *dest), p);
	}
	return p;
}

uint16_t flowtab_ports_take(flowtab_ports *p, uint32_t limit, flowtab_port_taken_fn taken, void *ud)
{
	/* With every port held, fail at once rather than probe them all. */
	if (p->in_use >= MIN(limit, (uint32_t)FLOWTAB_PORTS))
		return 0;
	for (uint32_t tries = 0; tries < FLOWTAB_PORTS; tries++) {
		uint16_t port = p->next_port;
		p->next_port = port == 65535 ? 1024 : (uint16_t)(port + 1);
		if (!taken(ud, port)) {
			p->in_use++;
			return port;
		}
	}
	return 0;
}
