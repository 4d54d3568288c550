/* \summary: the discrete-event engine: a radix heap ordered by (time, sequence) */
#include "engine.h"

#include <signal.h>
#include <string.h>

/*
 * The queue is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, 1990) of
 * 16-byte entries: the event time and a 64-bit key whose high bits are a
 * sequence number that grows with every schedule and whose low SLOT_BITS
 * bits name a slot holding the handler and its two arguments.  A radix
 * heap needs what a simulation gives: no event is scheduled before the
 * last one taken out.  Bucket 0 holds the entries at exactly `last` (the
 * time of the earliest), bucket i > 0 those whose time first differs from
 * `last` in bit i - 1, each an unsorted array.  Taking the earliest reads
 * bucket 0 front to back; when it is empty, the first non-empty bucket is
 * emptied into the lower ones around its earliest time, which becomes
 * `last`.  An entry moves down at most 63 times in its life and usually a
 * few, through arrays read in order, where a heap moves it through
 * log4(N) levels of scattered parents (bench hold prints both).
 *
 * Order: equal times run in scheduling order (by sequence number), as in
 * libuv's timer heap.  An entry's bucket depends only on its time and
 * `last`, so entries of one time always share a bucket, in the order they
 * came: a push appends (its sequence number is the largest yet) and a
 * redistribution moves a bucket's entries in order, into buckets that hold
 * no entry of their times.  So the order of events is exactly (time,
 * sequence), as with the 4-ary heap this replaced (the trajectory
 * fingerprints did not change).
 *
 * Handlers live in a slot array with a free list, so scheduling allocates
 * nothing once the arrays have grown to the run's peak number of pending
 * events.  The key doubles as the event id: cancelling looks the slot up,
 * checks the key still matches (the slot may have been reused) and clears the
 * handler.  The entry stays until its time comes and is then skipped, so
 * cancelled events hold a slot until their time; runs that cancel far-future
 * timers in bulk (TCP retransmission timers) pay memory, not time, for that.
 * Taking out a cancelled entry moves `last` but not the clock; an event then
 * scheduled between the clock and `last` (sim_step() that found only
 * cancelled entries) re-buckets the queue around its time.
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

/* Times are never negative, so bit 63 is clear: buckets 0 to 63. */
#define NBUCKETS 64

typedef struct {
	heap_entry *v;
	uint32_t len, cap;
} bucket;

typedef struct {
	sim_handler h; /* NULL when cancelled or free */
	void *ctx;
	void *arg;
	uint64_t key;  /* key of the event occupying the slot, 0 when free */
	uint32_t next_free;
} slot;

struct sim {
	sim_time now;
	sim_time last;       /* every queued entry's time is >= last */
	size_t queued;       /* entries in the buckets, cancelled ones included */
	uint32_t head;       /* bucket 0 is read from here */
	uint64_t nonempty;   /* bit i set when bucket i may hold entries */
	bucket b[NBUCKETS];
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
	for (int i = 0; i < NBUCKETS; i++)
		g_free(s->b[i].v);
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

static inline int bucket_of(sim_time last, sim_time t)
{
	uint64_t x = (uint64_t)t ^ (uint64_t)last;
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline void bucket_add(sim *s, int i, heap_entry e)
{
	bucket *b = &s->b[i];
	if (G_UNLIKELY(b->len == b->cap)) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->v = g_renew(heap_entry, b->v, b->cap);
	}
	b->v[b->len++] = e;
	s->nonempty |= UINT64_C(1) << i;
}

static gint entry_cmp(gconstpointer a, gconstpointer b)
{
	const heap_entry *x = a, *y = b;
	return entry_less(x, y) ? -1 : entry_less(y, x) ? 1 : 0;
}

/* Re-buckets every entry around `t` (earlier than `last`). */
static void rebase(sim *s, sim_time t)
{
	GArray *all = g_array_sized_new(FALSE, FALSE, sizeof(heap_entry), (guint)s->queued);
	for (int i = 0; i < NBUCKETS; i++) {
		bucket *b = &s->b[i];
		uint32_t from = i == 0 ? s->head : 0;
		g_array_append_vals(all, b->v + from, b->len - from);
		b->len = 0;
	}
	s->head = 0;
	s->nonempty = 0;
	s->last = t;
	/* Sorted first, so the entries that land in bucket 0 keep their order. */
	g_array_sort(all, entry_cmp);
	for (guint k = 0; k < all->len; k++) {
		heap_entry e = g_array_index(all, heap_entry, k);
		bucket_add(s, bucket_of(t, e.t), e);
	}
	g_array_free(all, TRUE);
}

static inline void queue_push(sim *s, heap_entry e)
{
	if (G_UNLIKELY(e.t < s->last))
		rebase(s, e.t);
	bucket_add(s, bucket_of(s->last, e.t), e);
	s->queued++;
}

/* The earliest entry's time, SIM_TIME_MAX if none.  When it is at or
 * before `until`, bucket 0 is filled so queue_pop() can take it; later
 * entries are left where they are (a redistribution moves `last`, and the
 * clock may stop short of it). */
static inline sim_time queue_front(sim *s, sim_time until)
{
	if (s->head < s->b[0].len)
		return s->last;
	if (s->queued == 0)
		return SIM_TIME_MAX;
	s->b[0].len = s->head = 0;
	s->nonempty &= ~UINT64_C(1);
	int i = __builtin_ctzll(s->nonempty);
	bucket *b = &s->b[i];
	sim_time m = b->v[0].t;
	for (uint32_t k = 1; k < b->len; k++)
		if (b->v[k].t < m)
			m = b->v[k].t;
	if (m > until)
		return m;
	s->last = m;
	uint32_t n = b->len;
	b->len = 0;
	s->nonempty &= ~(UINT64_C(1) << i);
	/* Every entry lands in a lower bucket; bucket i itself gets none. */
	for (uint32_t k = 0; k < n; k++)
		bucket_add(s, bucket_of(m, b->v[k].t), b->v[k]);
	return m;
}

/* Takes the front entry out; queue_front() returned a time <= until. */
static inline heap_entry queue_pop(sim *s)
{
	heap_entry e = s->b[0].v[s->head++];
	s->queued--;
	return e;
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
	queue_push(s, (heap_entry){ at, key });
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

/* Pops the earliest entry (queue_front() has filled bucket 0) and runs it
 * unless cancelled. */
static inline void run_top(sim *s)
{
	heap_entry top = queue_pop(s);
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
	while (s->queued > 0) {
		uint64_t before = s->events_run;
		queue_front(s, SIM_TIME_MAX);
		run_top(s);
		if (s->events_run != before)
			return TRUE;
	}
	return FALSE;
}

void sim_run(sim *s)
{
	s->stop = s->failure != NULL;
	while (!s->stop && s->queued > 0) {
		queue_front(s, SIM_TIME_MAX);
		run_top(s);
		check_interrupt(s);
	}
}

void sim_run_until(sim *s, sim_time until)
{
	s->stop = s->failure != NULL;
	while (!s->stop && s->queued > 0 && queue_front(s, until) <= until) {
		run_top(s);
		check_interrupt(s);
	}
	if (!s->stop && until > s->now)
		s->now = until;
}
