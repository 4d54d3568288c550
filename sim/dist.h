/* \summary: probability distributions parsed from text and sampled from streams */
#ifndef VPCSIM_DIST_H
#define VPCSIM_DIST_H

#include <glib.h>
#include "rng.h"
#include "units.h"

/*
 * A distribution of a quantity of one unit kind, written as text:
 *
 *   2ms                              constant (a bare quantity)
 *   const(2ms)                       constant
 *   uniform(min=1ms, max=3ms)
 *   exp(mean=2ms)                    exponential
 *   normal(mean=5ms, sd=1ms)
 *   lognormal(median=1ms, sigma=0.4) sigma of the underlying normal, unitless
 *   pareto(scale=1KB, shape=1.5)     scale = minimum value x_m, shape = alpha
 *   empirical(1ms:0.5, 2ms:0.9, 10ms:1)
 *                                    a CDF table: value:P(X <= value), values
 *                                    and probabilities strictly increasing,
 *                                    the last probability 1.  Sampling picks
 *                                    value[0] with probability P[0] and
 *                                    interpolates linearly between points.
 *
 * Arguments may be given by name (any order) or by position in the order
 * shown.  Quantities carry units of the distribution's kind (see units.h).
 * Samples of non-negative kinds (time, size, rate, bitrate) are clamped at 0,
 * which matters only for a normal with mean/sd small.
 */
typedef enum {
	DIST_CONST,
	DIST_UNIFORM,
	DIST_EXP,
	DIST_NORMAL,
	DIST_LOGNORMAL,
	DIST_PARETO,
	DIST_EMPIRICAL,
} dist_type;

typedef struct {
	dist_type type;
	unit_kind kind;
	double p1, p2;  /* const: value; uniform: min,max; exp: mean; normal: mean,sd;
	                   lognormal: mu=ln(median),sigma; pareto: scale,shape */
	double *xs, *ps; /* empirical points, n of each */
	guint n;
	char *origin;    /* where it was read ("t.ini: [workload web] think_time"), for
	                    messages about its samples; NULL when not from a file */
} dist;

/* Parses `text` into `out` (which the caller later clears with dist_clear).
 * Errors (VPCSIM_ERROR_PARSE / _INVALID) quote the text and say what was
 * expected, e.g. "exp(mean=-1ms): mean must be > 0". */
gboolean dist_parse(const char *text, unit_kind kind, dist *out, GError **error);
void dist_clear(dist *d);
void dist_copy(dist *dst, const dist *src);

/* A constant distribution. */
void dist_set_const(dist *d, unit_kind kind, double value);

/* Records where `d` was read (copied; dist_copy copies it, dist_clear frees
 * it). */
void dist_set_origin(dist *d, const char *origin);

/* Draws one sample in the kind's base unit (ns, bytes, ...). */
double dist_sample(const dist *d, rng *r);
/* Draws a time and rounds it to whole nanoseconds (never negative),
 * saturating at SIM_TIME_MAX. */
sim_time dist__sample_ns(const dist *d, rng *r);
static inline sim_time dist_sample_ns(const dist *d, rng *r)
{
	/* A constant (processing.vpc_router of the default profile is 0us, and
	 * the VPC router samples it for every packet it forwards) costs a test
	 * and a rounding, not a call: the same half-away-from-zero rounding as
	 * dist__sample_ns(), exact below 2^52 ns. */
	if (d->type == DIST_CONST && d->p1 >= 0 && d->p1 < 4503599627370496.0) {
		sim_time t = (sim_time)d->p1;
		return d->p1 - (double)t >= 0.5 ? t + 1 : t;
	}
	return dist__sample_ns(d, r);
}

/* The same for a delay about to be scheduled on `s`: a sample that reaches
 * the clock's range (SIM_TIME_MAX, 292 years) cannot be simulated, so it
 * fails the run (sim_fail) with a message naming the distribution and its
 * origin, and gives SIM_TIME_MAX. */
sim_time dist_sample_delay(const dist *d, rng *r, sim *s);
/* A size rounded to whole bytes (never negative); a sample of 2^63 bytes or
 * more fails the run the same way and gives 0. */
uint64_t dist_sample_bytes(const dist *d, rng *r, sim *s);

/* The largest value a sample can take: rng_uniform_open() stays 2^-53 away
 * from 0 and 1, which bounds even the Pareto and lognormal tails.  Infinite
 * when that bound is beyond a double. */
double dist_max(const dist *d);

/* The distribution's mean (infinite for Pareto with shape <= 1). */
double dist_mean(const dist *d);
/* TRUE for constants: their samples never vary. */
gboolean dist_is_const(const dist *d);

/* Canonical text, e.g. "exp(mean=2ms)", that dist_parse reads back. */
char *dist_to_string(const dist *d);

#endif
