/* \summary: sweep files: iteration variables, the grid of points, run numbers and their seeds */
#ifndef VPCSIM_SWEEP_H
#define VPCSIM_SWEEP_H

#include <stdint.h>
#include <glib.h>

/*
 * A sweep file names the options it compares and overrides scenario keys
 * with iteration variables written as OMNeT++ ini files write them:
 *
 *     [sweep]
 *     options = alb-peering, alb-privatelink
 *     repeat = 3
 *     constraint = $rate * $kb <= 2000000
 *     [set]
 *     workload:web.rate = ${rate=100,1000,10000}/s
 *     workload:web.response_size = ${kb=1..64 step 8}KB
 *     vars.clients = ${clients=2,4,8 ! kb}
 *
 * `${name=a,b,c}` is a list, `${name=A..B step S}` a range (step 1 when
 * left out), `${name}` the value of a variable defined elsewhere, and
 * `${name=... ! other}` a variable that advances in lock-step with `other`
 * (same number of values).  The points are the full grid of the
 * independent variables, the first defined varying slowest, less those the
 * constraint rejects.  Each point runs every option `repeat` times; a run
 * is one (point, repetition, option), numbered from 0 in that order (the
 * option varies fastest).
 *
 * A run's seed comes from the sweep's seed, the point's values and the
 * repetition (a hash, not a counter), so it does not change when points
 * are added or removed, and every option of one point and repetition gets
 * the same seed: the options are compared on the same random numbers.
 */

typedef struct {
	char *name;
	GPtrArray *values;  /* char * */
	int follows;        /* the variable it advances with, or -1 */
} sweep_var;

typedef struct {
	char *key;          /* "workload:web.rate" */
	char *value;        /* the template, ${...} and all */
} sweep_set;

typedef struct {
	char *file;
	char *name;         /* the file's base name without .ini */
	char *description;
	char *id;           /* 16 hex digits of the SHA-256 of the file's bytes */
	GPtrArray *options; /* char *: scenario paths, resolved */
	GPtrArray *option_names; /* char *: each option's name as reported */
	GPtrArray *vars;    /* sweep_var *, in order of definition */
	GPtrArray *sets;    /* sweep_set * */
	char *constraint;   /* NULL when every point runs */
	char *duration;     /* NULL: each scenario's own */
	guint repeat;
	uint64_t seed;
	GPtrArray *points;  /* guint *: the value index of every variable */
} sweep;

/* Loads and expands a sweep file; every problem is reported at once, each
 * naming the file, group and key. */
sweep *sweep_load(const char *path, GError **error);
void sweep_free(sweep *s);

guint sweep_n_runs(const sweep *s);

typedef struct {
	guint run, point, rep, option;
	uint64_t seed;
} sweep_run;

/* Run number `run` (< sweep_n_runs) spelled out. */
sweep_run sweep_run_at(const sweep *s, guint run);

/* The value of variable `var` at point `point`. */
const char *sweep_value(const sweep *s, guint point, guint var);

/* "rate=100 kb=9": the point's variables, for people. */
char *sweep_point_label(const sweep *s, guint point);

/* The overrides of a run, NULL-terminated, "GROUP.KEY=VALUE" each: the
 * [set] keys with the point's values, the run's seed and the duration.
 * Free with g_strfreev. */
char **sweep_overrides(const sweep *s, guint run);

/* Evaluates a constraint expression.  `lookup` returns a variable's value
 * (NULL when there is none); values that read as numbers are numbers,
 * others strings.  The result is TRUE when the expression is non-zero.
 * Exposed for tests. */
typedef const char *(*sweep_lookup)(const char *name, gpointer data);
gboolean sweep_expr_eval(const char *expr, sweep_lookup lookup, gpointer data, gboolean *result,
                         GError **error);

/* ---- summaries and plots ---------------------------------------------- */

/* The figures summarised over repetitions, in table order. */
#define SWEEP_N_FIGURES 9
extern const char *const sweep_figures[SWEEP_N_FIGURES];

/* One point and option over its repetitions: the mean of each figure over
 * the runs whose status is ok, and the half-width of its 95% confidence
 * interval (Student's t); NAN where there is none (no ok run; one run). */
typedef struct {
	guint point;
	char **values;          /* the variables' values, in order, NULL-terminated */
	char *option;
	guint repetitions, ok;
	double mean[SWEEP_N_FIGURES], ci95[SWEEP_N_FIGURES];
} sweep_summary;

void sweep_summary_clear(gpointer p);

/* Writes, into dir, a gnuplot data file and script for some figures (p50,
 * p99, $/month, $/GB) against each numeric variable: one line per option
 * (and per value of the other variables) with its 95% band, log axes
 * where values span two decades or more; renders PNGs when gnuplot is on
 * PATH (*rendered says so).  *written counts the scripts. */
gboolean sweep_plot(const char *dir, const char *sweep_name, const char *const *vars,
                    const GArray *summaries, guint *written, gboolean *rendered, GError **error);

#endif
