/* \summary: engine tests: ordering, ties, cancellation, run control */
#include "harness.h"
#include "engine.h"

typedef struct {
	sim_time times[64];
	int tags[64];
	int n;
} trace;

static void record(sim *s, void *ctx, void *arg)
{
	trace *t = ctx;
	t->times[t->n] = sim_now(s);
	t->tags[t->n] = GPOINTER_TO_INT(arg);
	t->n++;
}

static void test_order_and_ties(void)
{
	sim *s = sim_new();
	trace t = { 0 };
	sim_schedule(s, 30, record, &t, GINT_TO_POINTER(1));
	sim_schedule(s, 10, record, &t, GINT_TO_POINTER(2));
	sim_schedule(s, 20, record, &t, GINT_TO_POINTER(3));
	for (int i = 0; i < 10; i++)
		sim_schedule(s, 20, record, &t, GINT_TO_POINTER(10 + i));
	sim_run(s);
	CU_ASSERT_EQUAL(t.n, 13);
	CU_ASSERT_EQUAL(t.tags[0], 2);
	CU_ASSERT_EQUAL(t.tags[1], 3);
	for (int i = 0; i < 10; i++) {
		CU_ASSERT_EQUAL(t.tags[2 + i], 10 + i);
		CU_ASSERT_EQUAL(t.times[2 + i], 20);
	}
	CU_ASSERT_EQUAL(t.tags[12], 1);
	CU_ASSERT_EQUAL(sim_now(s), 30);
	CU_ASSERT_EQUAL(sim_pending(s), 0);
	CU_ASSERT_EQUAL(sim_events_run(s), 13);
	sim_free(s);
}

static void test_cancel(void)
{
	sim *s = sim_new();
	trace t = { 0 };
	sim_event_id a = sim_schedule(s, 5, record, &t, GINT_TO_POINTER(1));
	sim_event_id b = sim_schedule(s, 6, record, &t, GINT_TO_POINTER(2));
	CU_ASSERT(a != 0 && b != 0 && a != b);
	CU_ASSERT_TRUE(sim_cancel(s, a));
	CU_ASSERT_FALSE(sim_cancel(s, a));
	CU_ASSERT_EQUAL(sim_pending(s), 1);
	sim_run(s);
	CU_ASSERT_EQUAL(t.n, 1);
	CU_ASSERT_EQUAL(t.tags[0], 2);
	CU_ASSERT_FALSE(sim_cancel(s, b)); /* already ran */
	CU_ASSERT_FALSE(sim_cancel(s, 0));
	/* A reused slot must not be cancellable through the stale id. */
	sim_event_id c = sim_schedule(s, 1, record, &t, GINT_TO_POINTER(3));
	CU_ASSERT_FALSE(sim_cancel(s, a));
	CU_ASSERT_TRUE(sim_cancel(s, c));
	sim_free(s);
}

static void test_run_until(void)
{
	sim *s = sim_new();
	trace t = { 0 };
	for (int i = 1; i <= 5; i++)
		sim_schedule(s, i * 100, record, &t, GINT_TO_POINTER(i));
	sim_run_until(s, 250);
	CU_ASSERT_EQUAL(t.n, 2);
	CU_ASSERT_EQUAL(sim_now(s), 250);
	CU_ASSERT_EQUAL(sim_pending(s), 3);
	sim_run_until(s, 300); /* inclusive */
	CU_ASSERT_EQUAL(t.n, 3);
	sim_run(s);
	CU_ASSERT_EQUAL(t.n, 5);
	sim_free(s);
}

static void stopper(sim *s, void *ctx, void *arg)
{
	(void)arg;
	(*(int *)ctx)++;
	sim_stop(s);
}

static void test_stop(void)
{
	sim *s = sim_new();
	int n = 0;
	sim_schedule(s, 1, stopper, &n, NULL);
	sim_schedule(s, 2, stopper, &n, NULL);
	sim_run(s);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_TRUE(sim_stopped(s));
	CU_ASSERT_EQUAL(sim_now(s), 1);
	sim_run(s);
	CU_ASSERT_EQUAL(n, 2);
	sim_free(s);
}

/* Times saturate instead of wrapping: a delay of SIM_TIME_MAX scheduled
 * after time 0 once overflowed now + delay into the past (a CRITICAL and a
 * lost event). */
static void test_saturating_times(void)
{
	CU_ASSERT_EQUAL(sim_time_add_sat(2, 3), 5);
	CU_ASSERT_EQUAL(sim_time_add_sat(SIM_TIME_MAX - 1, 5), SIM_TIME_MAX);
	CU_ASSERT_EQUAL(sim_time_add_sat(5, SIM_TIME_MAX), SIM_TIME_MAX);
	CU_ASSERT_EQUAL(sim_time_add_sat(INT64_MIN + 1, -5), INT64_MIN);
	CU_ASSERT_EQUAL(sim_time_add_sat(-5, 3), -2);

	sim *s = sim_new();
	trace t = { .n = 0 };
	sim_schedule(s, 10, record, &t, GINT_TO_POINTER(1));
	sim_run(s);
	CU_ASSERT_EQUAL(sim_now(s), 10);
	sim_event_id id = sim_schedule(s, SIM_TIME_MAX, record, &t, GINT_TO_POINTER(2));
	CU_ASSERT_NOT_EQUAL(id, 0);
	CU_ASSERT_EQUAL(sim_pending(s), 1);
	sim_run_until(s, SIM_TIME_MAX - 1);
	CU_ASSERT_EQUAL(t.n, 1);
	sim_run(s);
	CU_ASSERT_EQUAL(t.n, 2);
	CU_ASSERT_EQUAL(sim_now(s), SIM_TIME_MAX);
	sim_free(s);
}

/* An event that reschedules itself 0 ns later and, on its 100th run, sets
 * the interrupt flag as a signal handler would. */
typedef struct {
	volatile int *flag;
	uint64_t runs;
} spinner;

static void spin(sim *s, void *ctx, void *arg)
{
	(void)arg;
	spinner *sp = ctx;
	if (++sp->runs == 100)
		*sp->flag = 1;
	sim_schedule(s, 0, spin, sp, NULL);
}

/* Ctrl-C once waited for the clock to reach the end of a 10 ms slice, which
 * events 0 ns apart never let it do: the loop now reads the flag every
 * SIM_INTERRUPT_EVERY events. */
static void test_interrupt_within_an_instant(void)
{
	sim *s = sim_new();
	volatile int flag = 0;
	spinner sp = { .flag = &flag };
	sim_set_interrupt(s, &flag);
	sim_schedule(s, 0, spin, &sp, NULL);
	sim_run_until(s, 10 * SIM_MS);
	CU_ASSERT_TRUE(sim_stopped(s));
	CU_ASSERT_EQUAL(sim_now(s), 0);
	CU_ASSERT(sp.runs >= 100 && sp.runs <= SIM_INTERRUPT_EVERY);
	sim_free(s);
}

static void failer(sim *s, void *ctx, void *arg)
{
	(void)arg;
	int *n = ctx;
	(*n)++;
	sim_fail(s, g_error_new(G_FILE_ERROR, G_FILE_ERROR_FAILED, "failure %d", *n));
}

/* sim_fail stops the run for good and keeps the first reason. */
static void test_failure(void)
{
	sim *s = sim_new();
	int n = 0;
	CU_ASSERT_PTR_NULL(sim_failure(s));
	sim_schedule(s, 1, failer, &n, NULL);
	sim_schedule(s, 2, failer, &n, NULL);
	sim_run(s);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sim_failure(s));
	CU_ASSERT_STRING_EQUAL(sim_failure(s)->message, "failure 1");
	sim_run(s);
	sim_run_until(s, 100);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(sim_now(s), 1);
	CU_ASSERT_TRUE(sim_step(s)); /* stepping by hand is still possible */
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_STRING_EQUAL(sim_failure(s)->message, "failure 1");
	sim_free(s);
}

typedef struct {
	sim_time last;
	uint64_t state;
	int remaining;
	gboolean ordered;
} churn;

static void churn_ev(sim *s, void *ctx, void *arg)
{
	(void)arg;
	churn *c = ctx;
	if (sim_now(s) < c->last)
		c->ordered = FALSE;
	c->last = sim_now(s);
	if (c->remaining-- > 0) {
		c->state = c->state * 6364136223846793005ULL + 1442695040888963407ULL;
		sim_schedule(s, (sim_time)(c->state >> 54), churn_ev, c, NULL);
	}
}

/* Many events with random delays come out in time order, and the queue's
 * arrays stop growing: the steady state allocates nothing. */
static void test_heap_order_under_churn(void)
{
	sim *s = sim_new();
	churn c = { .state = 42, .remaining = 200000, .ordered = TRUE };
	for (int i = 0; i < 5000; i++)
		sim_schedule(s, i % 977, churn_ev, &c, NULL);
	sim_run(s);
	CU_ASSERT_TRUE(c.ordered);
	CU_ASSERT_EQUAL(sim_pending(s), 0);
	sim_free(s);
}

static void set_flag(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	*(int *)ctx = -1;
}

/* Records its rank among the events run (1, 2, ...) into *arg. */
static void count_into(sim *s, void *ctx, void *arg)
{
	(void)s;
	*(int *)arg = ++*(int *)ctx;
}

/* The queue against a model: a plain list of pending events searched for
 * the least (time, sequence).  Random schedules (ties, zero delays, far
 * futures, the clock's end), cancellations, sim_step, sim_run_until that
 * stop short, and schedules made between runs after a cancelled entry
 * moved the queue ahead of the clock: every event the engine runs must be
 * the model's least live one at that moment, at its time, and a run until
 * T must leave none due by T. */
typedef struct {
	sim_time t;
	uint64_t seq;
	gboolean live;
	sim_event_id eid;
} model_ev;

typedef struct {
	GArray *ev;         /* model_ev, indexed by id */
	uint64_t seq, state, ran;
	gboolean ok;
} model;

static uint64_t model_rand(model *m)
{
	m->state = m->state * 6364136223846793005ULL + 1442695040888963407ULL;
	return m->state >> 33;
}

static void model_ev_run(sim *s, void *ctx, void *arg);

static sim_time model_delay(model *m)
{
	switch (model_rand(m) % 8) {
	case 0: return 0;
	case 1: return 1;
	case 2: return (sim_time)(model_rand(m) % 16);
	case 3: return (sim_time)(model_rand(m) % 100000);
	case 4: return (sim_time)(model_rand(m) % 1000) * 1000000;
	case 5: return (sim_time)(model_rand(m) << 20);
	case 6: return SIM_TIME_MAX;
	default: return (sim_time)(model_rand(m) % 5000);
	}
}

static void model_schedule(sim *s, model *m)
{
	model_ev e = { .t = sim_time_add_sat(sim_now(s), model_delay(m)), .seq = m->seq++,
		       .live = TRUE };
	e.eid = sim_schedule_at(s, e.t, model_ev_run, m, GUINT_TO_POINTER(m->ev->len));
	g_array_append_val(m->ev, e);
}

/* The least live event due by `until`, or NULL. */
static model_ev *model_least(model *m, sim_time until)
{
	model_ev *best = NULL;
	for (guint i = 0; i < m->ev->len; i++) {
		model_ev *e = &g_array_index(m->ev, model_ev, i);
		if (e->live && e->t <= until &&
		    (!best || e->t < best->t || (e->t == best->t && e->seq < best->seq)))
			best = e;
	}
	return best;
}

static void model_ev_run(sim *s, void *ctx, void *arg)
{
	model *m = ctx;
	model_ev *e = &g_array_index(m->ev, model_ev, GPOINTER_TO_UINT(arg));
	if (model_least(m, SIM_TIME_MAX) != e || !e->live || sim_now(s) != e->t)
		m->ok = FALSE;
	e->live = FALSE;
	m->ran++;
	int children = (int)(model_rand(m) % 3);
	for (int k = 0; k < children && m->ev->len < 4000; k++)
		model_schedule(s, m);
	if (model_rand(m) % 4 == 0 && m->ev->len) {
		/* Cancel a random live event (often far in the future). */
		model_ev *c = &g_array_index(m->ev, model_ev, model_rand(m) % m->ev->len);
		if (c->live) {
			if (!sim_cancel(s, c->eid))
				m->ok = FALSE;
			c->live = FALSE;
		}
	}
}

static void test_queue_matches_model(void)
{
	/* sim_step takes out a cancelled event at 1 s (the queue's front
	 * moves there) and, with nothing else queued, leaves the clock at 0:
	 * an event then scheduled at 5 ns still runs before one at 1 s + 1 ns
	 * (in a radix heap around 1 s, 1 s + 1 ns sits in the lowest bucket). */
	sim *q = sim_new();
	int order = 0, a_at = 0, b_at = 0;
	sim_cancel(q, sim_schedule(q, SIM_S, set_flag, &order, NULL));
	CU_ASSERT_FALSE(sim_step(q));
	CU_ASSERT_EQUAL(sim_now(q), 0);
	sim_schedule(q, SIM_S + 1, count_into, &order, &b_at);
	sim_schedule(q, 5, count_into, &order, &a_at);
	sim_run(q);
	CU_ASSERT_EQUAL(a_at, 1);
	CU_ASSERT_EQUAL(b_at, 2);
	sim_free(q);

	gboolean all_ok = TRUE;
	uint64_t ran = 0;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		sim *s = sim_new();
		model m = { .ev = g_array_new(FALSE, FALSE, sizeof(model_ev)), .state = seed, .ok = TRUE };
		for (int round = 0; round < 40 && m.ok; round++) {
			for (int k = 0; k < 20; k++)
				model_schedule(s, &m);
			if (round % 7 == 3) {
				for (int k = 0; k < 5; k++)
					sim_step(s);
			} else {
				sim_time until = sim_time_add_sat(sim_now(s), model_delay(&m));
				sim_run_until(s, until);
				if (model_least(&m, until) != NULL)
					m.ok = FALSE;
			}
		}
		sim_run(s);
		if (model_least(&m, SIM_TIME_MAX) != NULL || sim_pending(s) != 0)
			m.ok = FALSE;
		all_ok = all_ok && m.ok;
		ran += m.ran;
		g_array_unref(m.ev);
		sim_free(s);
	}
	CU_ASSERT_TRUE(all_ok);
	/* The rounds did run events (else nothing was compared). */
	CU_ASSERT(ran > 10000);
}

/*
 * Timers against the events they stand for: one driver, run twice from the
 * same seed, arms, re-arms and cancels timers of 48 objects (from outside
 * and from handlers, at delays from 0 to 2^62 ns and the end of time) among
 * plain events.  Once through sim_timer_*, once with each timer as an event
 * (arming = sim_cancel() + sim_schedule_at()).  Both runs must execute the
 * same handlers at the same times in the same order, with the same event
 * counts and fingerprints: a timer takes the sequence number its event
 * would have had.
 */
#define TOBJ 48

typedef struct tdrive tdrive;
typedef struct {
	sim_time t;
	int64_t id;
} tlog;
typedef struct {
	tdrive *d;
	int id;
	sim_timer tm;
	sim_event_id ev;
} tobj;

struct tdrive {
	gboolean events; /* timers as plain events */
	uint64_t state;
	tobj o[TOBJ];
	GArray *log; /* tlog: what ran, when */
	sim *s;
};

static uint64_t td_next(tdrive *d)
{
	d->state ^= d->state << 13;
	d->state ^= d->state >> 7;
	d->state ^= d->state << 17;
	return d->state;
}

static sim_time td_delay(tdrive *d)
{
	uint64_t r = td_next(d);
	switch (r % 8) {
	case 0:
	case 1: return 0;
	case 2: return (sim_time)(r >> 8) % 4;
	case 3: return (sim_time)(r >> 8) % 100;
	case 4: return (sim_time)(r >> 8) % 100000;
	case 5: return (sim_time)(r >> 8) % (SIM_S * 100);
	case 6: return (sim_time)((r >> 8) % 64) << 30;
	default: return r % 64 == 0 ? SIM_TIME_MAX : (sim_time)(r >> 2) % ((sim_time)1 << 62);
	}
}

static void td_log(tdrive *d, int id)
{
	tlog e = { sim_now(d->s), id };
	g_array_append_val(d->log, e);
}

static void td_fire(sim *s, void *ctx, void *arg);
static void td_event(sim *s, void *ctx, void *arg);

static void td_arm(tdrive *d, tobj *o, sim_time delay)
{
	sim_time at = sim_time_add_sat(sim_now(d->s), delay);
	if (d->events) {
		if (o->ev)
			sim_cancel(d->s, o->ev);
		o->ev = sim_schedule_at(d->s, at, td_fire, o, NULL);
	} else {
		sim_timer_arm_at(d->s, &o->tm, at, td_fire, o, NULL);
	}
}

static void td_cancel(tdrive *d, tobj *o)
{
	if (d->events) {
		if (o->ev)
			sim_cancel(d->s, o->ev);
		o->ev = 0;
	} else {
		sim_timer_cancel(d->s, &o->tm);
	}
}

/* A few random actions, from outside or from a handler. */
static void td_act(tdrive *d, int n)
{
	for (int k = 0; k < n; k++) {
		uint64_t r = td_next(d);
		tobj *o = &d->o[(r >> 8) % TOBJ];
		switch (r % 5) {
		case 0:
		case 1: td_arm(d, o, td_delay(d)); break;
		case 2: td_cancel(d, o); break;
		case 3:
			sim_schedule(d->s, td_delay(d), td_event, d, GINT_TO_POINTER(1000 + (int)(r % 7)));
			break;
		default: break;
		}
	}
}

static void td_fire(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	tobj *o = ctx;
	o->ev = 0;
	td_log(o->d, o->id);
	if (sim_fingerprinting(s))
		sim_fingerprint_add(s, &o->id, sizeof o->id);
	/* Events per timer stay below 1 on average, so the run ends. */
	if (td_next(o->d) % 8 < 5)
		td_act(o->d, 1);
}

static void td_event(sim *s, void *ctx, void *arg)
{
	(void)s;
	tdrive *d = ctx;
	td_log(d, GPOINTER_TO_INT(arg));
	if (td_next(d) % 4 == 0)
		td_act(d, 1);
}

static void td_run(tdrive *d, uint64_t seed, gboolean events, uint64_t *fp, uint64_t *ran)
{
	memset(d, 0, sizeof *d);
	d->events = events;
	d->state = seed * UINT64_C(0x9E3779B97F4A7C15) | 1;
	d->log = g_array_new(FALSE, FALSE, sizeof(tlog));
	d->s = sim_new();
	sim_fingerprint_start(d->s);
	for (int i = 0; i < TOBJ; i++) {
		d->o[i].d = d;
		d->o[i].id = i;
	}
	for (int round = 0; round < 60; round++) {
		td_act(d, 12);
		uint64_t r = td_next(d);
		if (r % 5 == 0) {
			for (int k = 0; k < 4; k++)
				sim_step(d->s);
		} else {
			sim_run_until(d->s, sim_time_add_sat(sim_now(d->s), td_delay(d)));
		}
	}
	/* Whatever is left far in the future: cancel half, run the rest. */
	for (int i = 0; i < TOBJ; i += 2)
		td_cancel(d, &d->o[i]);
	sim_run(d->s);
	*fp = sim_fingerprint(d->s);
	*ran = sim_events_run(d->s);
	CU_ASSERT_EQUAL(sim_pending(d->s), 0);
	sim_free(d->s);
}

static void test_timers_match_events(void)
{
	gboolean same = TRUE;
	uint64_t total = 0;
	for (uint64_t seed = 1; seed <= 60; seed++) {
		tdrive a, b;
		uint64_t fa, fb, ra, rb;
		td_run(&a, seed, FALSE, &fa, &ra);
		td_run(&b, seed, TRUE, &fb, &rb);
		if (fa != fb || ra != rb || a.log->len != b.log->len ||
		    memcmp(a.log->data, b.log->data, (size_t)a.log->len * sizeof(tlog)) != 0)
			same = FALSE;
		total += ra;
		g_array_free(a.log, TRUE);
		g_array_free(b.log, TRUE);
	}
	CU_ASSERT_TRUE(same);
	CU_ASSERT(total > 20000);

	/* By hand: a timer and an event at one time run in arming order, either
	 * way round; a cancelled timer does not run or count; re-arming moves
	 * it behind an event scheduled in between. */
	sim *s = sim_new();
	trace t = { 0 };
	sim_timer x = { 0 }, y = { 0 };
	CU_ASSERT_FALSE(sim_timer_armed(&x));
	sim_timer_arm_at(s, &x, 10, record, &t, GINT_TO_POINTER(1));
	sim_schedule(s, 10, record, &t, GINT_TO_POINTER(2));
	sim_timer_arm_at(s, &y, 10, record, &t, GINT_TO_POINTER(3));
	sim_schedule(s, 10, record, &t, GINT_TO_POINTER(4));
	sim_timer_arm_at(s, &x, 10, record, &t, GINT_TO_POINTER(5)); /* re-armed: after 4 */
	CU_ASSERT_TRUE(sim_timer_armed(&x));
	CU_ASSERT_EQUAL(sim_pending(s), 4);
	sim_timer z = { 0 };
	sim_timer_arm_at(s, &z, 5, record, &t, GINT_TO_POINTER(6));
	CU_ASSERT_TRUE(sim_timer_cancel(s, &z));
	CU_ASSERT_FALSE(sim_timer_cancel(s, &z));
	sim_run(s);
	CU_ASSERT_EQUAL(t.n, 4);
	CU_ASSERT_EQUAL(t.tags[0], 2);
	CU_ASSERT_EQUAL(t.tags[1], 3);
	CU_ASSERT_EQUAL(t.tags[2], 4);
	CU_ASSERT_EQUAL(t.tags[3], 5);
	CU_ASSERT_EQUAL(sim_events_run(s), 4);
	CU_ASSERT_FALSE(sim_timer_armed(&x));
	CU_ASSERT_EQUAL(sim_pending(s), 0);
	sim_free(s);
}

/* FNV-1a 64 written out again, the reference the fingerprint must match. */
static uint64_t fnv1a(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static void noop(sim *s, void *ctx, void *arg)
{
	(void)ctx;
	if (arg)
		sim_fingerprint_add(s, "a", 1);
}

/* Fingerprint over the times 5, 7, 7 (the second 7 adds "a"). */
static uint64_t run_three(gboolean start, sim_time last)
{
	sim *s = sim_new();
	if (start)
		sim_fingerprint_start(s);
	sim_schedule(s, 7, noop, NULL, GINT_TO_POINTER(1));
	sim_schedule(s, 5, noop, NULL, NULL);
	sim_schedule(s, last, noop, NULL, NULL);
	sim_event_id gone = sim_schedule(s, 6, noop, NULL, NULL);
	sim_cancel(s, gone); /* a cancelled event never ran: not hashed */
	sim_run(s);
	uint64_t fp = sim_fingerprint(s);
	sim_free(s);
	return fp;
}

static void note_horizon(sim *s, void *ctx, void *arg)
{
	(void)arg;
	*(sim_time *)ctx = sim_horizon(s);
}

/* sim_horizon: the time up to which the running loop runs every event. */
static void test_horizon(void)
{
	sim *s = sim_new();
	sim_time seen = -1;
	CU_ASSERT_EQUAL(sim_horizon(s), 0);
	sim_schedule_at(s, 100, note_horizon, &seen, NULL);
	sim_run_until(s, 500);
	CU_ASSERT_EQUAL(seen, 500);
	CU_ASSERT_EQUAL(sim_horizon(s), 500); /* the clock is at 500 */
	sim_schedule_at(s, 700, note_horizon, &seen, NULL);
	sim_step(s);
	CU_ASSERT_EQUAL(seen, 700); /* one step: nothing beyond its own time */
	sim_schedule_at(s, 800, note_horizon, &seen, NULL);
	sim_run(s);
	CU_ASSERT_EQUAL(seen, SIM_TIME_MAX);
	CU_ASSERT_EQUAL(sim_horizon(s), 800);
	sim_free(s);
}

static void test_fingerprint(void)
{
	/* The published FNV-1a 64 vector: "a" hashes to af63dc4c8601ec8c. */
	sim *s = sim_new();
	CU_ASSERT_FALSE(sim_fingerprinting(s));
	sim_fingerprint_add(s, "a", 1); /* ignored: not started */
	CU_ASSERT_EQUAL(sim_fingerprint(s), SIM_FINGERPRINT_INIT);
	sim_fingerprint_start(s);
	CU_ASSERT_TRUE(sim_fingerprinting(s));
	sim_fingerprint_add(s, "a", 1);
	CU_ASSERT_EQUAL(sim_fingerprint(s), UINT64_C(0xaf63dc4c8601ec8c));
	sim_free(s);

	/* Every executed event adds its time as 8 little-endian bytes, in the
	 * order events run; what a handler adds follows its event's time. */
	uint64_t h = SIM_FINGERPRINT_INIT;
	const uint8_t t5[8] = { 5 }, t7[8] = { 7 };
	h = fnv1a(h, t5, 8);
	h = fnv1a(h, t7, 8);
	h = fnv1a(h, (const uint8_t *)"a", 1);
	h = fnv1a(h, t7, 8);
	CU_ASSERT_EQUAL(run_three(TRUE, 7), h);
	CU_ASSERT_EQUAL(run_three(TRUE, 7), run_three(TRUE, 7));
	/* One event a nanosecond later moves it; not started, nothing moves. */
	CU_ASSERT_NOT_EQUAL(run_three(TRUE, 8), h);
	CU_ASSERT_EQUAL(run_three(FALSE, 7), SIM_FINGERPRINT_INIT);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("engine");
	CU_add_test(s, "events run in (time, sequence) order", test_order_and_ties);
	CU_add_test(s, "cancel", test_cancel);
	CU_add_test(s, "run until a time", test_run_until);
	CU_add_test(s, "stop", test_stop);
	CU_add_test(s, "heap order under churn", test_heap_order_under_churn);
	CU_add_test(s, "queue matches a model", test_queue_matches_model);
	CU_add_test(s, "timers run where the events they stand for would", test_timers_match_events);
	CU_add_test(s, "trajectory fingerprint: FNV-1a over event times", test_fingerprint);
	CU_add_test(s, "horizon: the running loop's limit", test_horizon);
	CU_add_test(s, "times saturate", test_saturating_times);
	CU_add_test(s, "interrupt within one instant", test_interrupt_within_an_instant);
	CU_add_test(s, "failure", test_failure);
}
