/* \summary: the discrete-event engine: clock, event queue, run control */
#ifndef VPCSIM_ENGINE_H
#define VPCSIM_ENGINE_H

#include <stdint.h>
#include <glib.h>

/* Simulated time, in nanoseconds since the start of the run. */
typedef int64_t sim_time;

#define SIM_NS ((sim_time)1)
#define SIM_US ((sim_time)1000)
#define SIM_MS ((sim_time)1000000)
#define SIM_S ((sim_time)1000000000)
#define SIM_TIME_MAX INT64_MAX

/* a + b, saturating at SIM_TIME_MAX (and at INT64_MIN) instead of
 * overflowing: every sum of times in the simulator goes through it, so a
 * huge delay means "never" rather than a time in the past. */
static inline sim_time sim_time_add_sat(sim_time a, sim_time b)
{
	sim_time r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? SIM_TIME_MAX : INT64_MIN;
	return r;
}

typedef struct sim sim;

/* An event handler.  `ctx` is usually the object the event belongs to (a
 * node, a link end), `arg` the thing it carries (a packet). */
typedef void (*sim_handler)(sim *s, void *ctx, void *arg);

/* Identifies a scheduled event for sim_cancel().  0 is never a valid id. */
typedef uint64_t sim_event_id;

sim *sim_new(void);
void sim_free(sim *s);

sim_time sim_now(const sim *s);

/* Schedules `h(s, ctx, arg)` at now + delay (delay >= 0), saturating at
 * SIM_TIME_MAX.  Events at equal times run in the order they were
 * scheduled. */
sim_event_id sim_schedule(sim *s, sim_time delay, sim_handler h, void *ctx, void *arg);
/* Same, at an absolute time that is not in the past. */
sim_event_id sim_schedule_at(sim *s, sim_time at, sim_handler h, void *ctx, void *arg);

/* Cancels a pending event.  Returns FALSE if it already ran, was already
 * cancelled or the id is unknown; cancelling is O(1). */
gboolean sim_cancel(sim *s, sim_event_id id);

/*
 * Timers: events that are usually cancelled or moved before their time
 * (retransmission, delayed ACK, TIME_WAIT, idle checks).  A timer is a
 * struct the owner embeds (all zero: not armed) and arms with a handler;
 * it lives in a hierarchical timing wheel beside the event queue, so
 * cancelling or re-arming unlinks it at once instead of leaving a dead
 * entry in the queue until its time.  Arming takes a sequence number from
 * the same counter as sim_schedule(), and the run loops take whichever of
 * the queue and the wheel holds the earliest (time, sequence): a timer runs
 * exactly where an event scheduled at the same moment would have run, so
 * trajectories do not depend on which of the two an event went through.
 * It counts in sim_pending() and sim_events_run() like any event.  The
 * fields are the engine's; a timer must be cancelled before its memory is
 * freed or reused.
 */
typedef struct sim_timer {
	struct sim_timer *prev, *next; /* in a wheel slot */
	sim_time t;
	uint64_t seq;
	sim_handler h;  /* NULL when not armed */
	void *ctx;
	void *arg;
	uint32_t where; /* level * 64 + slot */
} sim_timer;

/* Arms t to run h(s, ctx, arg) at `at` (not in the past), cancelling it
 * first if armed. */
void sim_timer_arm_at(sim *s, sim_timer *t, sim_time at, sim_handler h, void *ctx, void *arg);
/* Disarms t; FALSE if it was not armed.  O(1). */
gboolean sim_timer_cancel(sim *s, sim_timer *t);
/* TRUE while armed (from sim_timer_arm_at() until it runs or is cancelled). */
static inline gboolean sim_timer_armed(const sim_timer *t) { return t->h != NULL; }

/* Runs events until the queue drains or sim_stop() is called. */
void sim_run(sim *s);
/* Runs every event whose time is <= `until`, then sets the clock to `until`
 * (unless stopped earlier).  Later events stay queued. */
void sim_run_until(sim *s, sim_time until);
/* Runs at most one event; returns FALSE when the queue is empty. */
gboolean sim_step(sim *s);
/* The time up to which the running loop will run every event unless it is
 * stopped: the limit of sim_run_until(), SIM_TIME_MAX in sim_run(), and
 * now outside them and in sim_step().  A model may do at once what an event
 * at a time up to it would do (link_send_at) only when that event would have
 * run in this call too, so counters read between slices stay the same. */
sim_time sim_horizon(const sim *s);
/* Asks the running loop to return after the current event. */
void sim_stop(sim *s);
gboolean sim_stopped(const sim *s);

/* The run loops read `*flag` (set by a signal handler; NULL for none) every
 * SIM_INTERRUPT_EVERY events and stop when it is non-zero, so Ctrl-C is
 * honoured even when millions of events share one instant of simulated
 * time. */
#define SIM_INTERRUPT_EVERY 4096
void sim_set_interrupt(sim *s, volatile int *flag);

/* Stops the run for good with `error` (taking it): a model met something it
 * cannot simulate, such as a delay beyond the clock's range.  The first
 * failure is kept; later ones are dropped.  sim_run() and sim_run_until()
 * return at once while a failure is set. */
void sim_fail(sim *s, GError *error);
/* The failure, or NULL. */
const GError *sim_failure(const sim *s);

/* Number of events pending (cancelled ones excluded). */
size_t sim_pending(const sim *s);
/* Number of events executed since sim_new(). */
uint64_t sim_events_run(const sim *s);
/* The most entries the event queue held at once (cancelled ones included,
 * timers not) and the most timers armed at once: what `bench workload`
 * prints to show where pending events live. */
size_t sim_queue_peak(const sim *s);
size_t sim_timers_peak(const sim *s);

/*
 * Trajectory fingerprint, in the spirit of OMNeT++'s: a 64-bit FNV-1a hash
 * over the time of every executed event, to which the layers above add what
 * an event carried (the link layer adds the node, port and header bytes of
 * every packet it delivers).  Two runs with the same fingerprint executed
 * the same events at the same times with the same packets; a change that
 * moves any of them moves the fingerprint.  Off unless started, and then
 * it costs one test per event and allocates nothing.
 */
#define SIM_FINGERPRINT_INIT UINT64_C(0xcbf29ce484222325) /* FNV-1a 64 offset basis */

/* Starts hashing from the next event on, from SIM_FINGERPRINT_INIT. */
void sim_fingerprint_start(sim *s);
gboolean sim_fingerprinting(const sim *s);
/* Mixes `len` bytes into the fingerprint (nothing when it is not started). */
void sim_fingerprint_add(sim *s, const void *data, size_t len);
/* The hash so far (SIM_FINGERPRINT_INIT if nothing was hashed). */
uint64_t sim_fingerprint(const sim *s);

#endif
