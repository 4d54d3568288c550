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

/* The wheel: 11 levels of 64 slots cover the 63 bits of a time. */
#define WHEEL_BITS 6
#define WHEEL_SLOTS 64
#define WHEEL_LEVELS 11

/* A slot's list of timers, in the order they were armed. */
typedef struct {
	sim_timer *head, *tail;
} wheel_slot;

typedef struct {
	sim_handler h; /* NULL when cancelled or free */
	void *ctx;
	void *arg;
	uint64_t key;  /* key of the event occupying the slot, 0 when free */
	uint32_t next_free;
} slot;

struct sim {
	sim_time now;
	sim_time horizon;    /* sim_horizon(): the running loop's limit, else now */
	sim_time last;       /* every queued entry's time is >= last */
	size_t queued;       /* entries in the buckets, cancelled ones included */
	uint32_t head;       /* bucket 0 is read from here */
	uint64_t nonempty;   /* bit i set when bucket i may hold entries */
	sim_time peek;       /* the earliest time in buckets 1 to 63, when peek_ok */
	gboolean peek_ok;
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
	/* The timing wheel (sim_timer_*; see below). */
	size_t timers;           /* timers armed */
	size_t queued_peak, timers_peak;
	sim_time wcur;           /* every armed timer's time is >= wcur */
	uint64_t wocc[WHEEL_LEVELS]; /* bit j of level k: slot j holds timers */
	sim_timer *wfront;       /* the earliest timer, when wfront_ok */
	gboolean wfront_ok;
	wheel_slot wheel[WHEEL_LEVELS][WHEEL_SLOTS];
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
size_t sim_queue_peak(const sim *s) { return s->queued_peak; }
size_t sim_timers_peak(const sim *s) { return s->timers_peak; }
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
	s->peek_ok = FALSE;
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
	int i = bucket_of(s->last, e.t);
	bucket_add(s, i, e);
	if (++s->queued > s->queued_peak)
		s->queued_peak = s->queued;
	if (i > 0 && s->peek_ok && e.t < s->peek)
		s->peek = e.t;
}

/* The earliest entry's time, SIM_TIME_MAX if none.  When it is at or
 * before `until`, bucket 0 is filled so queue_pop() can take it; later
 * entries are left where they are (a redistribution moves `last`, and the
 * clock may stop short of it, or a timer may run first).  The earliest time
 * of a bucket found but not taken is kept in `peek`, so asking again (a
 * timer ran instead) does not scan the bucket again. */
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
	sim_time m;
	if (s->peek_ok) {
		m = s->peek;
	} else {
		m = b->v[0].t;
		for (uint32_t k = 1; k < b->len; k++)
			if (b->v[k].t < m)
				m = b->v[k].t;
		s->peek = m;
		s->peek_ok = TRUE;
	}
	if (m > until)
		return m;
	s->peek_ok = FALSE;
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

/*
 * The timing wheel (Varghese and Lauck's hierarchical wheel, exact to the
 * nanosecond): a timer whose time first differs from `wcur` in bit b sits
 * at level b / 6, in the slot named by its time's 6 bits of that level, so
 * a level-0 slot holds timers of one exact time.  Each slot is a list in
 * arming order: a timer arms with the largest sequence number yet and goes
 * to a tail, and a slot emptied into lower levels (below) moves its timers
 * in order into slots that are empty (nothing can be below the lowest
 * non-empty level).  So the first timer of the earliest time in a slot has
 * the smallest sequence number among those of that time, and the order of
 * timers is exactly (time, sequence), the event queue's.
 *
 * The earliest timer: the first of the lowest level-0 slot, or, when level
 * 0 is empty, the earliest in the lowest slot of the lowest non-empty level
 * (a scan of that slot, kept in wfront until it is cancelled or taken;
 * arming an earlier timer replaces it).  Cancelling the earliest timer of a
 * slot above level 0 costs a rescan of that slot; on alb-privatelink x100
 * the scans read about 0.06 timers per event run (bench workload, both
 * connection kinds).  Taking it from a level above 0 moves wcur to its time and
 * empties its slot into the lower levels around it: that is the only time
 * a timer moves, at most ten times in its life and usually once or twice
 * (64-way, where the radix heap's buckets halve).  wcur moves only to the
 * time of a timer about to run, never past the clock, so no timer can be
 * armed before it.  Cancelling unlinks in O(1) and the timer costs nothing
 * more, where a cancelled queue entry stays until its time.
 */
static inline void wheel_link(sim *s, sim_timer *t)
{
	uint64_t x = (uint64_t)t->t ^ (uint64_t)s->wcur;
	int level = x ? (63 - __builtin_clzll(x)) / WHEEL_BITS : 0;
	int j = (int)(((uint64_t)t->t >> (WHEEL_BITS * level)) & (WHEEL_SLOTS - 1));
	wheel_slot *w = &s->wheel[level][j];
	t->where = (uint32_t)(level * WHEEL_SLOTS + j);
	t->next = NULL;
	t->prev = w->tail;
	if (w->tail) {
		w->tail->next = t;
	} else {
		w->head = t;
		s->wocc[level] |= UINT64_C(1) << j;
	}
	w->tail = t;
}

static inline void wheel_unlink(sim *s, sim_timer *t)
{
	int level = (int)(t->where / WHEEL_SLOTS), j = (int)(t->where % WHEEL_SLOTS);
	wheel_slot *w = &s->wheel[level][j];
	if (t->prev)
		t->prev->next = t->next;
	else
		w->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		w->tail = t->prev;
	if (!w->head)
		s->wocc[level] &= ~(UINT64_C(1) << j);
	t->prev = t->next = NULL;
}

static inline gboolean timer_before(const sim_timer *a, const sim_timer *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* The earliest timer; s->timers > 0. */
static inline sim_timer *wheel_front(sim *s)
{
	if (s->wfront_ok)
		return s->wfront;
	sim_timer *best;
	if (s->wocc[0]) {
		best = s->wheel[0][__builtin_ctzll(s->wocc[0])].head;
	} else {
		int level = 1;
		while (!s->wocc[level])
			level++;
		best = s->wheel[level][__builtin_ctzll(s->wocc[level])].head;
		for (sim_timer *t = best->next; t; t = t->next)
			if (t->t < best->t)
				best = t;
	}
	s->wfront = best;
	s->wfront_ok = TRUE;
	return best;
}

/* Takes out the earliest timer t (wheel_front()), which is about to run. */
static void wheel_take(sim *s, sim_timer *t)
{
	int level = (int)(t->where / WHEEL_SLOTS), j = (int)(t->where % WHEEL_SLOTS);
	s->wfront_ok = FALSE;
	s->timers--;
	if (level == 0) {
		wheel_unlink(s, t);
		return;
	}
	wheel_unlink(s, t);
	s->wcur = t->t;
	wheel_slot *w = &s->wheel[level][j];
	sim_timer *x = w->head;
	w->head = w->tail = NULL;
	s->wocc[level] &= ~(UINT64_C(1) << j);
	while (x) {
		sim_timer *next = x->next;
		wheel_link(s, x);
		x = next;
	}
}

void sim_timer_arm_at(sim *s, sim_timer *t, sim_time at, sim_handler h, void *ctx, void *arg)
{
	g_return_if_fail(t != NULL && h != NULL);
	g_return_if_fail(at >= s->now);
	if (sim_timer_armed(t))
		sim_timer_cancel(s, t);
	if (G_UNLIKELY(s->seq >= SEQ_MAX))
		g_error("vpcsim: event sequence numbers exhausted");
	t->t = at;
	t->seq = s->seq++;
	t->h = h;
	t->ctx = ctx;
	t->arg = arg;
	wheel_link(s, t);
	if (++s->timers > s->timers_peak)
		s->timers_peak = s->timers;
	s->pending++;
	if (s->wfront_ok && timer_before(t, s->wfront))
		s->wfront = t;
}

gboolean sim_timer_cancel(sim *s, sim_timer *t)
{
	g_return_val_if_fail(t != NULL, FALSE);
	if (!sim_timer_armed(t))
		return FALSE;
	if (s->wfront_ok && s->wfront == t)
		s->wfront_ok = FALSE;
	wheel_unlink(s, t);
	t->h = NULL;
	s->timers--;
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

/* Runs the earliest timer (wheel_front()). */
static inline void run_timer(sim *s, sim_timer *t)
{
	wheel_take(s, t);
	sim_handler h = t->h;
	void *ctx = t->ctx, *arg = t->arg;
	t->h = NULL; /* not armed: the handler may arm it again */
	s->pending--;
	s->now = t->t;
	s->events_run++;
	if (G_UNLIKELY(s->fp_on))
		fp__time(s, t->t);
	h(s, ctx, arg);
}

/*
 * Takes the earliest of the queue's front and the wheel's if its time is
 * <= until, and runs it (a cancelled queue entry is only taken out);
 * FALSE if there is none.  The queue is asked for its front only up to
 * the wheel's time, so it does not move `last` past a timer that runs
 * first (what that timer schedules would land before `last` and re-bucket
 * the queue).  At equal times the smaller sequence number goes first.
 */
static inline gboolean run_next(sim *s, sim_time until)
{
	if (G_LIKELY(s->timers == 0)) {
		if (s->queued == 0 || queue_front(s, until) > until)
			return FALSE;
		run_top(s);
		return TRUE;
	}
	sim_timer *t = wheel_front(s);
	sim_time lim = t->t < until ? t->t : until;
	if (s->queued > 0 && queue_front(s, lim) <= lim) {
		const heap_entry *e = &s->b[0].v[s->head];
		if (e->t < t->t || (e->key >> SLOT_BITS) < t->seq) {
			run_top(s);
			return TRUE;
		}
	}
	if (t->t > until)
		return FALSE;
	run_timer(s, t);
	return TRUE;
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
	/* One event: nothing later than its own time is sure to run. */
	while (s->queued > 0 || s->timers > 0) {
		uint64_t before = s->events_run;
		run_next(s, SIM_TIME_MAX);
		if (s->events_run != before)
			return TRUE;
	}
	return FALSE;
}

void sim_run(sim *s)
{
	s->stop = s->failure != NULL;
	s->horizon = SIM_TIME_MAX;
	while (!s->stop && run_next(s, SIM_TIME_MAX))
		check_interrupt(s);
	s->horizon = s->now;
}

void sim_run_until(sim *s, sim_time until)
{
	s->stop = s->failure != NULL;
	s->horizon = until;
	while (!s->stop && run_next(s, until))
		check_interrupt(s);
	if (!s->stop && until > s->now)
		s->now = until;
	s->horizon = s->now;
}

sim_time sim_horizon(const sim *s) { return s->horizon > s->now ? s->horizon : s->now; }
