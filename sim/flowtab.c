/* \summary: idle-flow table: two keymap indexes, a last-use list threaded through the flows, a free list; source-NAT port rounds per destination */
#include "flowtab.h"
#include "keymap.h"

#include <stddef.h>
#include <string.h>

/*
 * Each index is a keymap (sim/keymap.c) from the key's 15 bytes of fields
 * to the flow's entry: the key is compared in the slot, without reading
 * the flow, and there is no call through GLib per packet, which the NLB
 * and the endpoints look up on every packet.
 */

/* What the table keeps before each flow.  The caller's struct starts at
 * `flow`, aligned for anything. */
typedef struct ft_entry ft_entry;
struct ft_entry {
	ft_entry *prev, *next; /* last-use list; next alone on the free list */
	sim_time last_used;
	_Alignas(max_align_t) unsigned char flow[];
};

struct flowtab {
	const flowtab_ops *ops;
	sim_time idle;
	void *user;
	keymap index[2];       /* key in a flow -> its entry */
	ft_entry *head, *tail; /* least recently used first */
	ft_entry *free;        /* forgotten flows' memory */
};

static ft_entry *ft_entry_of(const void *flow)
{
	return (ft_entry *)((char *)flow - offsetof(ft_entry, flow));
}

static flowtab_key *ft_key(const flowtab *t, void *flow, int side)
{
	return (flowtab_key *)((char *)flow + t->ops->key_at[side]);
}

/* The fields, not the padding after proto (which initializers may leave
 * undefined). */
static keymap_key ft_kk(const flowtab_key *k)
{
	return keymap_key_flow(k->a, k->b, k->c, k->d, k->in, k->proto);
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
	g_return_val_if_fail(ops != NULL, NULL);
	for (int s = 0; s < 2; s++)
		g_return_val_if_fail(ops->key_at[s] + sizeof(flowtab_key) <= ops->size, NULL);
	flowtab *t = g_new0(flowtab, 1);
	t->ops = ops;
	t->idle = idle;
	t->user = user;
	for (int s = 0; s < 2; s++)
		keymap_init(&t->index[s]);
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
		keymap_clear(&t->index[s]);
	g_free(t);
}

void *flowtab_find(const flowtab *t, int side, const flowtab_key *key)
{
	ft_entry *e = keymap_get(&t->index[side], ft_kk(key));
	return e ? e->flow : NULL;
}

void *flowtab_lookup(flowtab *t, int side, const flowtab_key *key, sim_time now)
{
	void *flow = flowtab_find(t, side, key);
	if (flow && flowtab_idle(t, flow, now)) {
		flowtab_forget(t, flow, now);
		return NULL;
	}
	return flow;
}

void *flowtab_add(flowtab *t, const flowtab_key *fwd, const flowtab_key *rev, sim_time now)
{
	ft_entry *e = t->free;
	if (e)
		t->free = e->next;
	else
		e = g_malloc(offsetof(ft_entry, flow) + t->ops->size);
	void *flow = e->flow;
	memset(flow, 0, t->ops->size);
	*ft_key(t, flow, FLOWTAB_FWD) = *fwd;
	*ft_key(t, flow, FLOWTAB_REV) = *rev;
	for (int s = 0; s < 2; s++) {
		keymap_key k = ft_kk(ft_key(t, flow, s));
		if (keymap_get(&t->index[s], k))
			g_critical("flowtab_add: a flow with that %s key is in the table already",
			           s == FLOWTAB_FWD ? "forward" : "reply");
		keymap_put(&t->index[s], k, e);
	}
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
		keymap_remove(&t->index[s], ft_kk(ft_key(t, flow, s)));
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
	return keymap_len(&t->index[FLOWTAB_FWD]);
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

uint16_t flowtab_ports_take(flowtab_ports *p, uint32_t limit, const flowtab *t, flowtab_key *reply,
                            uint16_t *port_field, flowtab_port_held_fn held, void *ud)
{
	g_return_val_if_fail((char *)port_field >= (char *)reply &&
	                     (char *)port_field < (char *)(reply + 1), 0);
	/* With every port held, fail at once rather than probe them all. */
	if (p->in_use >= MIN(limit, (uint32_t)FLOWTAB_PORTS))
		return 0;
	for (uint32_t tries = 0; tries < FLOWTAB_PORTS; tries++) {
		uint16_t port = p->next_port;
		p->next_port = port == 65535 ? 1024 : (uint16_t)(port + 1);
		*port_field = port;
		if (!flowtab_find(t, FLOWTAB_REV, reply) && !(held && held(ud, reply))) {
			p->in_use++;
			return port;
		}
	}
	return 0;
}
