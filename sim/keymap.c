/* \summary: a map from 16-byte keys to pointers (see keymap.h) */
#include "keymap.h"

enum { KEYMAP_MIN_BITS = 4 };

void keymap_init(keymap *m)
{
	m->bits = KEYMAP_MIN_BITS;
	m->len = 0;
	m->slots = g_new0(keymap_slot, (gsize)1 << m->bits);
}

void keymap_clear(keymap *m)
{
	g_free(m->slots);
	m->slots = NULL;
	m->len = 0;
}

static void keymap_grow(keymap *m)
{
	keymap_slot *old = m->slots;
	gsize n = (gsize)1 << m->bits;
	m->bits++;
	m->slots = g_new0(keymap_slot, n * 2);
	for (gsize i = 0; i < n; i++) {
		if (!old[i].v)
			continue;
		keymap_key key = { { old[i].k[0], old[i].k[1] } };
		*keymap_slot_of(m, &key) = old[i];
	}
	g_free(old);
}

void keymap_put(keymap *m, keymap_key key, void *v)
{
	g_return_if_fail(v != NULL);
	keymap_slot *s = keymap_slot_of(m, &key);
	if (s->v) {
		s->v = v;
		return;
	}
	if (2 * (m->len + 1) > (1u << m->bits)) {
		keymap_grow(m);
		s = keymap_slot_of(m, &key);
	}
	s->k[0] = key.k[0];
	s->k[1] = key.k[1];
	s->v = v;
	m->len++;
}

gboolean keymap_remove(keymap *m, keymap_key key)
{
	keymap_slot *s = keymap_slot_of(m, &key);
	if (!s->v)
		return FALSE;
	guint mask = (1u << m->bits) - 1;
	guint i = (guint)(s - m->slots);
	/* Slot j may fill the hole at i unless its home lies in (i, j]. */
	for (guint j = (i + 1) & mask; m->slots[j].v; j = (j + 1) & mask) {
		keymap_key kj = { { m->slots[j].k[0], m->slots[j].k[1] } };
		guint home = keymap_home(m, &kj);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].v = NULL;
	m->len--;
	return TRUE;
}

const keymap_slot *keymap_next(const keymap *m, guint *at)
{
	guint n = 1u << m->bits;
	while (*at < n) {
		const keymap_slot *s = &m->slots[(*at)++];
		if (s->v)
			return s;
	}
	return NULL;
}
