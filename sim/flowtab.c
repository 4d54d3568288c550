/* \summary: idle-flow table: two GHashTable indexes, a last-use list threaded through the flows, a free list */
#include "flowtab.h"

#include <stddef.h>
#include <string.h>

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
	GHashTable *index[2]; /* key in a flow -> the flow */
	ft_entry *head, *tail; /* least recently used first */
	ft_entry *free;       /* forgotten flows' memory */
};

static ft_entry *ft_entry_of(const void *flow)
{
	return (ft_entry *)((char *)flow - offsetof(ft_entry, flow));
}

static void *ft_key(const flowtab *t, void *flow, int side)
{
	return (char *)flow + t->ops->key_at[side];
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
	for (int s = 0; s < 2; s++)
		t->index[s] = g_hash_table_new(ops->hash, ops->equal);
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
		g_hash_table_unref(t->index[s]);
	g_free(t);
}

void *flowtab_find(const flowtab *t, int side, const void *key)
{
	return g_hash_table_lookup(t->index[side], key);
}

void *flowtab_lookup(flowtab *t, int side, const void *key, sim_time now)
{
	void *flow = g_hash_table_lookup(t->index[side], key);
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
	for (int s = 0; s < 2; s++)
		if (!g_hash_table_insert(t->index[s], ft_key(t, flow, s), flow))
			g_critical("flowtab_add: a flow with that %s key is in the table already",
			           s == FLOWTAB_FWD ? "forward" : "reply");
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
	g_hash_table_remove(t->index[FLOWTAB_REV], ft_key(t, flow, FLOWTAB_REV));
	g_hash_table_remove(t->index[FLOWTAB_FWD], ft_key(t, flow, FLOWTAB_FWD));
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
	return g_hash_table_size(t->index[FLOWTAB_FWD]);
}

void *flowtab_next(const flowtab *t, const void *flow)
{
	ft_entry *e = flow ? ft_entry_of(flow)->next : t->head;
	return e ? e->flow : NULL;
}
