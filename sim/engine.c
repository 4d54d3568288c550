/* \summary: the discrete-event engine: a 4-ary min-heap ordered by (time, sequence) */
#include "engine.h"

#include <signal.h>
#include <string.h>

/*
 * The queue is a 4-ary min-heap of 16-byte entries: the event time and a
 * 64-bit key whose high bits are a sequence number that grows with every
 * schedule and whose low SLOT_BITS bits name a slot holding the handler and
 * its two arguments.  Because sequence numbers are unique and sit in the high
 * bits, comparing (time, key) orders events by (time, sequence): equal times
 * run in scheduling order, as in libuv's timer heap.
 *
 * Handlers live in a slot array with a free list, so scheduling allocates
 * nothing once the arrays have grown to the run's peak number of pending
 * events.  The key doubles as the event id: cancelling looks the slot up,
 * checks the key still matches (the slot may have been reused) and clears the
 * handler.  The heap entry stays until its time comes and is then skipped, so
 * cancelled events hold a slot until their time; runs that cancel far-future
 * timers in bulk (TCP retransmission timers) pay memory, not time, for that.
 *
 * Limits: 2^26 (67 million) events pending at once and 2^38 events scheduled
 * per run (over seven hours at ten million events per second).  Both are far
 * beyond the bundled scenarios; exceeding either aborts with a message rather
 * than mis-ordering events.
 */

#define SLOT_BITS 26
#define SLOT_MASK ((UINT64_C(1) << SLOT_BITS) - 1)
#define SEQ_MAX (UINT64_C(1) << (64 - SLOT_BITS))
#define NO_SLOT UINT32_MAX

typedef struct {
	sim_time t;
	uint64_t key;
} heap_entry;

typedef struct {
	sim_handler h; /* NULL when cancelled or free */
	void *ctx;
	void *arg;
	uint64_t key;  /* key of the event occupying the slot, 0 when free */
	uint32_t next_free;
} slot;

struct sim {
	sim_time now;
	heap_entry *heap;
	size_t heap_len, heap_cap;
	slot *slots;
	uint32_t slots_len, slots_cap, free_head;
	uint64_t seq;
	size_t pending;
	uint64_t events_run;
	volatile sig_atomic_t stop;
	gboolean fp_on;   /* hash executed events into fp (sim_fingerprint_start) */
	uint64_t fp;
	volatile int *interrupt; /* sim_set_interrupt(), NULL for none */
	uint32_t until_check;    /* entries popped until the next look at *interrupt */
	GError *failure;         /* sim_fail() */
};

sim *sim_new(void)
{
	sim *s = g_new0(sim, 1);
	s->heap_cap = 1024;
	s->heap = g_new(heap_entry, s->heap_cap);
	s->slots_cap = 1024;
	s->slots = g_new(slot, s->slots_cap);
	s->free_head = NO_SLOT;
	s->seq = 1;
	s->until_check = SIM_INTERRUPT_EVERY;
	return s;
}

void sim_free(sim *s)
{
	if (!s)
		return;
	g_free(s->heap);
	g_free(s->slots);
	g_clear_error(&s->failure);
	g_free(s);
}

sim_time sim_now(const sim *s) { return s->now; }
size_t sim_pending(const sim *s) { return s->pending; }
uint64_t sim_events_run(const sim *s) { return s->events_run; }
void sim_stop(sim *s) { s->stop = 1; }
gboolean sim_stopped(const sim *s) { return s->stop != 0; }
void sim_set_interrupt(sim *s, volatile int *flag) { s->interrupt = flag; }
const GError *sim_failure(const sim *s) { return s->failure; }

void sim_fail(sim *s, GError *error)
{
	g_return_if_fail(error != NULL);
	if (s->failure)
		g_error_free(error);
	else
		s->failure = error;
	s->stop = 1;
}

static inline gboolean entry_less(const heap_entry *a, const heap_entry *b)
{
	return a->t < b->t || (a->t == b->t && a->key < b->key);
}

static void heap_push(sim *s, heap_entry e)
{
	if (s->heap_len == s->heap_cap) {
		s->heap_cap *= 2;
		s->heap = g_renew(heap_entry, s->heap, s->heap_cap);
	}
	heap_entry *h = s->heap;
	size_t i = s->heap_len++;
	while (i > 0) {
		size_t parent = (i - 1) / 4;
		if (!entry_less(&e, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = e;
}

/* Removes the root; the caller has already read it. */
static void heap_pop(sim *s)
{
	heap_entry *h = s->heap;
	size_t n = --s->heap_len;
	if (n == 0)
		return;
	heap_entry e = h[n];
	size_t i = 0;
	for (;;) {
		size_t c = 4 * i + 1;
		if (c >= n)
			break;
		size_t best = c;
		size_t end = c + 4 < n ? c + 4 : n;
		for (size_t j = c + 1; j < end; j++)
			if (entry_less(&h[j], &h[best]))
				best = j;
		if (!entry_less(&h[best], &e))
			break;
		h[i] = h[best];
		i = best;
	}
	h[i] = e;
}

static uint32_t slot_take(sim *s)
{
	if (s->free_head != NO_SLOT) {
		uint32_t i = s->free_head;
		s->free_head = s->slots[i].next_free;
		return i;
	}
	if (s->slots_len == s->slots_cap) {
		if ((uint64_t)s->slots_cap * 2 > SLOT_MASK + 1)
			g_error("vpcsim: more than %" G_GUINT64_FORMAT " events pending at once",
			        (guint64)SLOT_MASK + 1);
		s->slots_cap *= 2;
		s->slots = g_renew(slot, s->slots, s->slots_cap);
	}
	return s->slots_len++;
}

static inline void slot_release(sim *s, uint32_t i)
{
	s->slots[i].key = 0;
	s->slots[i].h = NULL;
	s->slots[i].next_free = s->free_head;
	s->free_head = i;
}

sim_event_id sim_schedule_at(sim *s, sim_time at, sim_handler h, void *ctx, void *arg)
{
	g_return_val_if_fail(h != NULL, 0);
	g_return_val_if_fail(at >= s->now, 0);
	if (G_UNLIKELY(s->seq >= SEQ_MAX))
		g_error("vpcsim: event sequence numbers exhausted");
	uint32_t i = slot_take(s);
	uint64_t key = (s->seq++ << SLOT_BITS) | i;
	slot *sl = &s->slots[i];
	sl->h = h;
	sl->ctx = ctx;
	sl->arg = arg;
	sl->key = key;
	heap_push(s, (heap_entry){ at, key });
	s->pending++;
	return key;
}

sim_event_id sim_schedule(sim *s, sim_time delay, sim_handler h, void *ctx, void *arg)
{
	g_return_val_if_fail(delay >= 0, 0);
	return sim_schedule_at(s, sim_time_add_sat(s->now, delay), h, ctx, arg);
}

gboolean sim_cancel(sim *s, sim_event_id id)
{
	uint64_t i = id & SLOT_MASK;
	if (id == 0 || i >= s->slots_len)
		return FALSE;
	slot *sl = &s->slots[i];
	if (sl->key != id || sl->h == NULL)
		return FALSE;
	sl->h = NULL; /* the heap entry is skipped when its time comes */
	s->pending--;
	return TRUE;
}

/* FNV-1a 64 (Fowler, Noll, Vo): a byte at a time, so it needs no state but
 * the hash and gives the same value on every platform. */
#define FNV_PRIME UINT64_C(0x100000001b3)

static inline uint64_t fp__bytes(uint64_t h, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	return h;
}

/* The event time, as 8 little-endian bytes whatever the host's order. */
static inline void fp__time(sim *s, sim_time t)
{
	uint8_t b[8];
	uint64_t u = (uint64_t)t;
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(u >> (8 * i));
	s->fp = fp__bytes(s->fp, b, sizeof b);
}

void sim_fingerprint_start(sim *s)
{
	s->fp_on = TRUE;
	s->fp = SIM_FINGERPRINT_INIT;
}

gboolean sim_fingerprinting(const sim *s) { return s->fp_on; }
uint64_t sim_fingerprint(const sim *s) { return s->fp_on ? s->fp : SIM_FINGERPRINT_INIT; }

void sim_fingerprint_add(sim *s, const void *data, size_t len)
{
	if (s->fp_on)
		s->fp = fp__bytes(s->fp, data, len);
}

/* Pops the earliest entry and runs it unless cancelled. */
static inline void run_top(sim *s)
{
	heap_entry top = s->heap[0];
	heap_pop(s);
	uint32_t i = (uint32_t)(top.key & SLOT_MASK);
	slot sl = s->slots[i];
	slot_release(s, i);
	if (sl.h == NULL)
		return;
	s->pending--;
	s->now = top.t;
	s->events_run++;
	if (G_UNLIKELY(s->fp_on))
		fp__time(s, top.t);
	sl.h(s, sl.ctx, sl.arg);
}

/* Called once per popped entry: every SIM_INTERRUPT_EVERY, reads the
 * interrupt flag.  Checking between slices of simulated time is not enough:
 * events spaced 0 ns apart never let the clock reach the slice's end. */
static inline void check_interrupt(sim *s)
{
	if (G_UNLIKELY(--s->until_check == 0)) {
		s->until_check = SIM_INTERRUPT_EVERY;
		if (s->interrupt && *s->interrupt)
			s->stop = 1;
	}
}

gboolean sim_step(sim *s)
{
	while (s->heap_len > 0) {
		uint64_t before = s->events_run;
		run_top(s);
		if (s->events_run != before)
			return TRUE;
	}
	return FALSE;
}

void sim_run(sim *s)
{
	s->stop = s->failure != NULL;
	while (s->heap_len > 0 && !s->stop) {
		run_top(s);
		check_interrupt(s);
	}
}

void sim_run_until(sim *s, sim_time until)
{
	s->stop = s->failure != NULL;
	while (s->heap_len > 0 && !s->stop && s->heap[0].t <= until) {
		run_top(s);
		check_interrupt(s);
	}
	if (!s->stop && until > s->now)
		s->now = until;
}
