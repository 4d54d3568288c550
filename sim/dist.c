/* \summary: probability distributions: parsing, validation, sampling, means and canonical text */
#include "dist.h"

#include <math.h>
#include <string.h>

#include "error.h"

/*
 * What each distribution takes, in positional order.  `unitless` parameters
 * (lognormal sigma, Pareto shape) are plain numbers whatever the kind.
 */
typedef struct {
	const char *name;
	dist_type type;
	guint nparams;
	const char *params[2];
	gboolean unitless[2];
	const char *usage;
} dist_spec;

static const dist_spec specs[] = {
	{ "const", DIST_CONST, 1, { "value" }, { FALSE }, "const(VALUE)" },
	{ "uniform", DIST_UNIFORM, 2, { "min", "max" }, { FALSE, FALSE },
	  "uniform(min=..., max=...)" },
	{ "exp", DIST_EXP, 1, { "mean" }, { FALSE }, "exp(mean=...)" },
	{ "normal", DIST_NORMAL, 2, { "mean", "sd" }, { FALSE, FALSE },
	  "normal(mean=..., sd=...)" },
	{ "lognormal", DIST_LOGNORMAL, 2, { "median", "sigma" }, { FALSE, TRUE },
	  "lognormal(median=..., sigma=NUMBER)" },
	{ "pareto", DIST_PARETO, 2, { "scale", "shape" }, { FALSE, TRUE },
	  "pareto(scale=..., shape=NUMBER)" },
	{ "empirical", DIST_EMPIRICAL, 0, { NULL }, { FALSE },
	  "empirical(VALUE:P, VALUE:P, ..., VALUE:1)" },
};

#define KNOWN_NAMES "const, uniform, exp, normal, lognormal, pareto, empirical"

static const dist_spec *spec_for_type(dist_type t)
{
	for (size_t i = 0; i < G_N_ELEMENTS(specs); i++)
		if (specs[i].type == t)
			return &specs[i];
	return NULL;
}

/* A quantity of `kind` in its base unit, to show in messages and examples. */
static const char *example_quantity(unit_kind kind)
{
	switch (kind) {
	case UNIT_NONE:
		return "3";
	case UNIT_TIME:
		return "2ms";
	case UNIT_SIZE:
		return "1500B";
	case UNIT_BITRATE:
		return "100Mbps";
	case UNIT_RATE:
		return "100/s";
	}
	return "1";
}

void dist_set_const(dist *d, unit_kind kind, double value)
{
	g_return_if_fail(d != NULL);
	memset(d, 0, sizeof *d);
	d->type = DIST_CONST;
	d->kind = kind;
	d->p1 = value;
}

void dist_clear(dist *d)
{
	if (!d)
		return;
	g_free(d->xs);
	g_free(d->ps);
	g_free(d->origin);
	memset(d, 0, sizeof *d);
}

void dist_copy(dist *dst, const dist *src)
{
	g_return_if_fail(dst != NULL && src != NULL);
	*dst = *src;
	if (src->n) {
		dst->xs = g_memdup2(src->xs, src->n * sizeof(double));
		dst->ps = g_memdup2(src->ps, src->n * sizeof(double));
	} else {
		dst->xs = dst->ps = NULL;
	}
	dst->origin = g_strdup(src->origin);
}

void dist_set_origin(dist *d, const char *origin)
{
	g_return_if_fail(d != NULL);
	g_free(d->origin);
	d->origin = g_strdup(origin);
}

gboolean dist_is_const(const dist *d)
{
	g_return_val_if_fail(d != NULL, FALSE);
	switch (d->type) {
	case DIST_CONST:
		return TRUE;
	case DIST_UNIFORM:
		return d->p1 == d->p2;
	case DIST_NORMAL:
	case DIST_LOGNORMAL:
		return d->p2 == 0;
	case DIST_EMPIRICAL:
		return d->n == 1;
	case DIST_EXP:
	case DIST_PARETO:
		break;
	}
	return FALSE;
}

/* ---- parsing ---------------------------------------------------------- */

/* Parses one quantity argument; the units message names the argument and
 * is prefixed with the whole text. */
static gboolean parse_arg(const char *text, const char *argname, const char *value,
                          unit_kind kind, double *out, GError **error)
{
	GError *e = NULL;
	if (units_parse(value, kind, out, &e))
		return TRUE;
	g_set_error(error, VPCSIM_ERROR, e->code, "'%s': %s: %s", text, argname, e->message);
	g_error_free(e);
	return FALSE;
}

static gboolean parse_empirical(const char *text, char **args, guint nargs, unit_kind kind,
                                dist *out, GError **error)
{
	const char *usage = "empirical(VALUE:P, VALUE:P, ..., VALUE:1)";
	if (nargs == 0) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s': empirical needs at least one point; expected %s such as "
		            "empirical(1ms:0.5, 2ms:0.9, 10ms:1)",
		            text, usage);
		return FALSE;
	}
	double *xs = g_new(double, nargs), *ps = g_new(double, nargs);
	/* Messages quote the probabilities as written rather than through %g,
	 * whose decimal separator follows the locale. */
	const char *ptext = NULL, *prev_ptext = NULL;
	for (guint i = 0; i < nargs; i++) {
		char *colon = strchr(args[i], ':');
		if (!colon || strchr(colon + 1, ':')) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
			            "'%s': point %u '%s' is not VALUE:P; expected %s", text, i + 1,
			            args[i], usage);
			goto fail;
		}
		*colon = '\0';
		prev_ptext = ptext;
		ptext = g_strstrip(colon + 1);
		g_strchomp(args[i]);
		char *label = g_strdup_printf("point %u value", i + 1);
		gboolean ok = parse_arg(text, label, args[i], kind, &xs[i], error);
		g_free(label);
		if (!ok)
			goto fail;
		label = g_strdup_printf("point %u probability", i + 1);
		ok = parse_arg(text, label, ptext, UNIT_NONE, &ps[i], error);
		g_free(label);
		if (!ok)
			goto fail;
		if (!(ps[i] > 0 && ps[i] <= 1)) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
			            "'%s': point %u probability %s is outside (0, 1]", text, i + 1,
			            ptext);
			goto fail;
		}
		if (i > 0 && !(xs[i] > xs[i - 1])) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
			            "'%s': values must be strictly increasing, but point %u (%s) is "
			            "not above point %u",
			            text, i + 1, args[i], i);
			goto fail;
		}
		if (i > 0 && !(ps[i] > ps[i - 1])) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
			            "'%s': probabilities must be strictly increasing, but point %u's "
			            "%s is not above %s",
			            text, i + 1, ptext, prev_ptext);
			goto fail;
		}
	}
	if (kind != UNIT_NONE && xs[0] < 0) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
		            "'%s': values must be >= 0 for %s, which cannot be negative", text,
		            units_noun(kind));
		goto fail;
	}
	if (ps[nargs - 1] != 1.0) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
		            "'%s': the last probability is %s; it must be 1", text, ptext);
		goto fail;
	}
	memset(out, 0, sizeof *out);
	out->type = DIST_EMPIRICAL;
	out->kind = kind;
	out->xs = xs;
	out->ps = ps;
	out->n = nargs;
	return TRUE;
fail:
	g_free(xs);
	g_free(ps);
	return FALSE;
}

/* Fills vals[] from "name=value" and positional arguments; positional ones
 * must come first, as in Python, so that "uniform(max=3ms, 1ms)" is refused
 * rather than guessed at. */
static gboolean parse_named(const char *text, const dist_spec *sp, char **args, guint nargs,
                            unit_kind kind, double *vals, GError **error)
{
	gboolean have[2] = { FALSE, FALSE };
	gboolean seen_named = FALSE;
	for (guint i = 0; i < nargs; i++) {
		char *arg = args[i];
		char *eq = strchr(arg, '=');
		guint slot;
		const char *value;
		if (eq) {
			*eq = '\0';
			g_strstrip(arg);
			value = eq + 1;
			for (slot = 0; slot < sp->nparams; slot++)
				if (strcmp(sp->params[slot], arg) == 0)
					break;
			if (slot == sp->nparams) {
				g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
				            "'%s': unknown argument '%s'; expected %s", text, arg,
				            sp->usage);
				return FALSE;
			}
			seen_named = TRUE;
		} else {
			if (seen_named) {
				g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
				            "'%s': positional argument '%s' after a named one; expected %s",
				            text, arg, sp->usage);
				return FALSE;
			}
			if (i >= sp->nparams) {
				g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
				            "'%s': too many arguments; expected %s", text, sp->usage);
				return FALSE;
			}
			slot = i;
			value = arg;
		}
		if (have[slot]) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
			            "'%s': duplicate argument '%s'; expected %s", text,
			            sp->params[slot], sp->usage);
			return FALSE;
		}
		if (!parse_arg(text, sp->params[slot], value, sp->unitless[slot] ? UNIT_NONE : kind,
		               &vals[slot], error))
			return FALSE;
		have[slot] = TRUE;
	}
	for (guint slot = 0; slot < sp->nparams; slot++) {
		if (!have[slot]) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
			            "'%s': missing argument '%s'; expected %s", text, sp->params[slot],
			            sp->usage);
			return FALSE;
		}
	}
	return TRUE;
}

/* Range checks for the parametric distributions.  Quantities of kinds that
 * cannot be negative (times, sizes, rates) are clamped at 0 when sampled, so
 * a negative constant, minimum or normal mean is refused here rather than
 * silently turned into something else. */
static gboolean validate(const char *text, dist_type type, unit_kind kind, const double *v,
                         GError **error)
{
	const char *why = NULL;
	gboolean nonneg = kind != UNIT_NONE, kind_rule = FALSE;
	switch (type) {
	case DIST_CONST:
		if (nonneg && v[0] < 0) {
			why = "value must be >= 0";
			kind_rule = TRUE;
		}
		break;
	case DIST_UNIFORM:
		if (v[0] > v[1])
			why = "min must be <= max";
		else if (nonneg && v[0] < 0) {
			why = "min must be >= 0";
			kind_rule = TRUE;
		}
		break;
	case DIST_EXP:
		if (!(v[0] > 0))
			why = "mean must be > 0";
		break;
	case DIST_NORMAL:
		if (v[1] < 0)
			why = "sd must be >= 0";
		else if (nonneg && v[0] < 0) {
			why = "mean must be >= 0";
			kind_rule = TRUE;
		}
		break;
	case DIST_LOGNORMAL:
		if (!(v[0] > 0))
			why = "median must be > 0";
		else if (v[1] < 0)
			why = "sigma must be >= 0";
		break;
	case DIST_PARETO:
		if (!(v[0] > 0))
			why = "scale must be > 0";
		else if (!(v[1] > 0))
			why = "shape must be > 0";
		break;
	case DIST_EMPIRICAL:
		break;
	}
	if (!why)
		return TRUE;
	if (kind_rule)
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
		            "'%s': %s for %s, which cannot be negative", text, why, units_noun(kind));
	else
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID, "'%s': %s", text, why);
	return FALSE;
}

gboolean dist_parse(const char *text, unit_kind kind, dist *out, GError **error)
{
	g_return_val_if_fail(text != NULL, FALSE);
	g_return_val_if_fail(out != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	/* `out` is written only on success, so a failed parse leaves whatever
	 * the caller had there. */
	gboolean ok = FALSE;
	char *t = g_strstrip(g_strdup(text));
	char *open = strchr(t, '(');
	char **args = NULL;

	if (!open) {
		double v;
		GError *e = NULL;
		if (!units_parse(t, kind, &v, &e)) {
			/* The units message already quotes the text; add the other
			 * thing it could have been. */
			g_set_error(error, VPCSIM_ERROR, e->code,
			            "%s, or a distribution such as exp(mean=%s)", e->message,
			            example_quantity(kind));
			g_error_free(e);
			goto out;
		}
		if (!validate(text, DIST_CONST, kind, &v, error))
			goto out;
		dist_set_const(out, kind, v);
		ok = TRUE;
		goto out;
	}

	*open = '\0';
	g_strchomp(t);
	if (*t == '\0') {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s': missing distribution name before '('; expected one of "
		            KNOWN_NAMES,
		            text);
		goto out;
	}
	const dist_spec *sp = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(specs); i++)
		if (strcmp(specs[i].name, t) == 0)
			sp = &specs[i];
	if (!sp) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s': unknown distribution '%s'; expected one of " KNOWN_NAMES, text, t);
		goto out;
	}

	char *inner = open + 1;
	if (strchr(inner, '(')) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s': nested '(' in the arguments; expected %s", text, sp->usage);
		goto out;
	}
	char *close = strchr(inner, ')');
	if (!close) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s': missing ')'; expected %s", text, sp->usage);
		goto out;
	}
	if (close[1] != '\0') {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s': unexpected text '%s' after ')'; expected %s", text, close + 1,
		            sp->usage);
		goto out;
	}
	*close = '\0';

	/* "f()" has no arguments; otherwise every comma-separated piece must be
	 * non-empty, so "uniform(1ms,,3ms)" is an error, not two arguments. */
	guint nargs = 0;
	g_strstrip(inner);
	if (*inner) {
		args = g_strsplit(inner, ",", -1);
		nargs = g_strv_length(args);
		for (guint i = 0; i < nargs; i++) {
			g_strstrip(args[i]);
			if (*args[i] == '\0') {
				g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
				            "'%s': argument %u is empty; expected %s", text, i + 1,
				            sp->usage);
				goto out;
			}
		}
	}

	if (sp->type == DIST_EMPIRICAL) {
		ok = parse_empirical(text, args, nargs, kind, out, error);
		goto out;
	}

	double vals[2] = { 0, 0 };
	if (!parse_named(text, sp, args, nargs, kind, vals, error) ||
	    !validate(text, sp->type, kind, vals, error))
		goto out;
	memset(out, 0, sizeof *out);
	out->type = sp->type;
	out->kind = kind;
	out->p1 = vals[0];
	out->p2 = vals[1];
	if (sp->type == DIST_LOGNORMAL)
		out->p1 = log(vals[0]);
	ok = TRUE;
out:
	g_strfreev(args);
	g_free(t);
	return ok;
}

/* ---- sampling --------------------------------------------------------- */

/*
 * A standard normal variate by the ziggurat method (Marsaglia and Tsang,
 * "The Ziggurat Method for Generating Random Variables", J. Stat. Softw.
 * 5(8), 2000), in Doornik's form ("An Improved Ziggurat Method to Generate
 * Normal Random Samples", 2005: the layer and the sign-carrying uniform come
 * from independent bits).  The normal density, cut at R, is covered by 256
 * layers of equal area V: layer 0 is the base strip with the tail beyond R,
 * layer i (1..255) spans [0, ZX[i]] between heights f(ZX[i]) and
 * f(ZX[i+1]).  A draw picks a layer and a point u * ZX[i] in it; when
 * |u| < ZX[i+1] / ZX[i] the point lies under the density for sure (98.5%
 * of draws, the mean of those ratios: one 64-bit random number, a multiply
 * and a compare; test_dist counts them).  The rest
 * test the wedge against the density with two exp(), or draw from the tail
 * (Marsaglia's 1964 method).  The samples are exactly normal, as Box-Muller's
 * were; Box-Muller's log, sqrt and cos per sample had been 16% of the time
 * of `bench tgw` (perf), the ziggurat's common case costs no libm call.
 * R and V are Marsaglia and Tsang's for 256 layers; the layers' x follow
 * from them (the last layer's area comes out at V to 1e-10).
 */
#define ZIG_LAYERS 256
#define ZIG_R 3.6541528853610088
#define ZIG_V 0.00492867323399

static double zig_x[ZIG_LAYERS + 1];    /* layer i spans [0, zig_x[i]] */
static double zig_ratio[ZIG_LAYERS];    /* zig_x[i + 1] / zig_x[i] */

static gpointer zig_init(gpointer data)
{
	(void)data;
	double f = exp(-0.5 * ZIG_R * ZIG_R);
	zig_x[0] = ZIG_V / f; /* the base strip's width if it were a rectangle */
	zig_x[1] = ZIG_R;
	for (int i = 2; i < ZIG_LAYERS; i++) {
		zig_x[i] = sqrt(-2.0 * log(ZIG_V / zig_x[i - 1] + f));
		f = exp(-0.5 * zig_x[i] * zig_x[i]);
	}
	zig_x[ZIG_LAYERS] = 0;
	for (int i = 0; i < ZIG_LAYERS; i++)
		zig_ratio[i] = zig_x[i + 1] / zig_x[i];
	return NULL;
}

static void zig_tables(void)
{
	static GOnce once = G_ONCE_INIT;
	g_once(&once, zig_init, NULL);
}

/* The draws after a first that fell outside its layer's sure part
 * (1.5% of them): apart, so the common case in std_normal() saves no
 * registers for the calls here. */
static G_GNUC_NO_INLINE double std_normal_rest(rng *r, unsigned i, double u)
{
	for (;;) {
		if (i == 0) {
			/* The tail beyond R: x = R + a with a ~ Exp(R), kept with
			 * probability exp(-a^2 / 2). */
			double a, e;
			do {
				a = -log(rng_uniform_open(r)) / ZIG_R;
				e = -log(rng_uniform_open(r));
			} while (e + e < a * a);
			return u < 0 ? -(ZIG_R + a) : ZIG_R + a;
		}
		double x = u * zig_x[i];
		double f0 = exp(-0.5 * (zig_x[i] * zig_x[i] - x * x));
		double f1 = exp(-0.5 * (zig_x[i + 1] * zig_x[i + 1] - x * x));
		if (f1 + rng_uniform_open(r) * (f0 - f1) < 1.0)
			return x;
		uint64_t b = rng_next(r);
		i = (unsigned)(b & (ZIG_LAYERS - 1));
		u = ((double)(b >> 11) + 0.5) * (1.0 / 4503599627370496.0) - 1.0;
		if (fabs(u) < zig_ratio[i])
			return u * zig_x[i];
	}
}

static inline double std_normal(rng *r)
{
	zig_tables();
	uint64_t b = rng_next(r);
	unsigned i = (unsigned)(b & (ZIG_LAYERS - 1));
	/* The top 53 bits, as (k + 0.5) / 2^52 - 1: symmetric in (-1, 1). */
	double u = ((double)(b >> 11) + 0.5) * (1.0 / 4503599627370496.0) - 1.0;
	if (fabs(u) < zig_ratio[i])
		return u * zig_x[i];
	return std_normal_rest(r, i, u);
}

double dist_sample(const dist *d, rng *r)
{
	double x = 0;
	switch (d->type) {
	case DIST_CONST:
		x = d->p1;
		break;
	case DIST_UNIFORM:
		x = d->p1 + (d->p2 - d->p1) * rng_uniform_open(r);
		break;
	case DIST_EXP:
		x = -d->p1 * log(rng_uniform_open(r));
		break;
	case DIST_NORMAL:
		x = d->p1 + d->p2 * std_normal(r);
		break;
	case DIST_LOGNORMAL:
		x = exp(d->p1 + d->p2 * std_normal(r));
		break;
	case DIST_PARETO:
		/* Inversion of F(x) = 1 - (scale/x)^shape with 1 - U ~ U. */
		x = d->p1 * pow(rng_uniform_open(r), -1.0 / d->p2);
		break;
	case DIST_EMPIRICAL: {
		double u = rng_uniform_open(r);
		if (u <= d->ps[0]) {
			x = d->xs[0];
			break;
		}
		/* Smallest i with ps[i] >= u; ps[n-1] == 1 bounds the search. */
		guint lo = 1, hi = d->n - 1;
		while (lo < hi) {
			guint mid = lo + (hi - lo) / 2;
			if (d->ps[mid] >= u)
				hi = mid;
			else
				lo = mid + 1;
		}
		double f = (u - d->ps[lo - 1]) / (d->ps[lo] - d->ps[lo - 1]);
		x = d->xs[lo - 1] + f * (d->xs[lo] - d->xs[lo - 1]);
		break;
	}
	}
	if (d->kind != UNIT_NONE && x < 0)
		x = 0;
	return x;
}

/* round() without the call into libm, which cost 1.4% of `bench tgw`'s
 * instructions: for 0 <= x < 2^52 the truncation and x minus it are exact,
 * so this is round() (half away from zero); anything else goes to round(). */
static inline double round_sample(double x)
{
	if (!(x >= 0 && x < 4503599627370496.0))
		return round(x);
	double t = (double)(int64_t)x;
	return x - t >= 0.5 ? t + 1 : t;
}

sim_time dist__sample_ns(const dist *d, rng *r)
{
	g_return_val_if_fail(d->kind == UNIT_TIME, 0);
	double x = round_sample(dist_sample(d, r));
	/* A Pareto tail can exceed the clock's range; saturate rather than
	 * overflow the conversion. */
	if (!(x < ldexp(1.0, 63)))
		return SIM_TIME_MAX;
	return x > 0 ? (sim_time)x : 0;
}

/* Fails the run on a sample `x` (in the base unit) that the simulator
 * cannot represent. */
static void fail_sample(const dist *d, sim *s, double x, const char *range)
{
	char *text = dist_to_string(d);
	char *drew = units_format(x, d->kind);
	sim_fail(s, g_error_new(VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
	                        "%s%s'%s' drew %s at %.6f s of simulated time, beyond %s; expected "
	                        "a distribution whose samples stay within it (a lighter tail: "
	                        "for a Pareto, a larger shape)",
	                        d->origin ? d->origin : "", d->origin ? ": " : "", text, drew,
	                        (double)sim_now(s) / 1e9, range));
	g_free(drew);
	g_free(text);
}

sim_time dist_sample_delay(const dist *d, rng *r, sim *s)
{
	g_return_val_if_fail(d->kind == UNIT_TIME, 0);
	double x = round_sample(dist_sample(d, r));
	if (!(x < ldexp(1.0, 63))) {
		fail_sample(d, s, x, "the clock's range of 292 years");
		return SIM_TIME_MAX;
	}
	return x > 0 ? (sim_time)x : 0;
}

uint64_t dist_sample_bytes(const dist *d, rng *r, sim *s)
{
	g_return_val_if_fail(d->kind == UNIT_SIZE, 0);
	double x = round_sample(dist_sample(d, r));
	if (!(x < ldexp(1.0, 63))) {
		fail_sample(d, s, x, "2^63 bytes, the most a size can hold");
		return 0;
	}
	return x > 0 ? (uint64_t)x : 0;
}

double dist_max(const dist *d)
{
	g_return_val_if_fail(d != NULL, NAN);
	/* The extreme uniforms, and the largest |normal| Box-Muller gives
	 * (sqrt(-2 ln u1) with u1 = 2^-53, times |cos| <= 1). */
	const double u_min = ldexp(1.0, -53);
	const double z_max = sqrt(-2.0 * log(u_min));
	double x = 0;
	switch (d->type) {
	case DIST_CONST:
		x = d->p1;
		break;
	case DIST_UNIFORM:
		x = d->p2;
		break;
	case DIST_EXP:
		x = -d->p1 * log(u_min);
		break;
	case DIST_NORMAL:
		x = d->p1 + d->p2 * z_max;
		break;
	case DIST_LOGNORMAL:
		x = exp(d->p1 + d->p2 * z_max);
		break;
	case DIST_PARETO:
		x = d->p1 * pow(u_min, -1.0 / d->p2);
		break;
	case DIST_EMPIRICAL:
		x = d->xs[d->n - 1];
		break;
	}
	return d->kind != UNIT_NONE && x < 0 ? 0 : x;
}

/* ---- moments and text ------------------------------------------------- */

double dist_mean(const dist *d)
{
	g_return_val_if_fail(d != NULL, NAN);
	switch (d->type) {
	case DIST_CONST:
		return d->kind != UNIT_NONE && d->p1 < 0 ? 0 : d->p1;
	case DIST_UNIFORM:
		return 0.5 * (d->p1 + d->p2);
	case DIST_EXP:
		return d->p1;
	case DIST_NORMAL: {
		double m = d->p1, s = d->p2;
		if (d->kind == UNIT_NONE || s == 0)
			return d->kind == UNIT_NONE || m > 0 ? m : 0;
		/* Samples are clamped at 0: E[max(X, 0)] = m Phi(m/s) + s phi(m/s).
		 * This equals m to double precision once m > 8.3 sd. */
		double z = m / s;
		return m * 0.5 * erfc(-z / G_SQRT2) + s * exp(-0.5 * z * z) / sqrt(2 * G_PI);
	}
	case DIST_LOGNORMAL:
		return exp(d->p1 + 0.5 * d->p2 * d->p2);
	case DIST_PARETO:
		return d->p2 > 1 ? d->p2 * d->p1 / (d->p2 - 1) : INFINITY;
	case DIST_EMPIRICAL: {
		/* The atom at xs[0], then each linear segment contributes its
		 * probability times its midpoint. */
		double m = d->ps[0] * d->xs[0];
		for (guint i = 1; i < d->n; i++)
			m += (d->ps[i] - d->ps[i - 1]) * 0.5 * (d->xs[i - 1] + d->xs[i]);
		return m;
	}
	}
	return NAN;
}

/*
 * Writes `v` so that `check(parse(text)) == target`: the readable
 * units_format() text when it is exact, else the shortest exact decimal in
 * the base unit ("1100000.0000000002ns"), so that dist_to_string() round
 * trips bit for bit.  `check` is NULL for the identity; the lognormal passes
 * log() because it stores ln(median).
 */
static void append_exact(GString *s, double v, unit_kind kind, double (*check)(double),
                         double target)
{
	static const char *const base[] = {
		[UNIT_NONE] = "", [UNIT_TIME] = "ns", [UNIT_SIZE] = "B", [UNIT_BITRATE] = "bps",
		[UNIT_RATE] = "/s",
	};
	double back;
	char *f = units_format(v, kind);
	if (units_parse(f, kind, &back, NULL) && (check ? check(back) : back) == target) {
		g_string_append(s, f);
		g_free(f);
		return;
	}
	g_free(f);
	char num[G_ASCII_DTOSTR_BUF_SIZE];
	for (int prec = 1; prec <= 17; prec++) {
		char fmt[8];
		g_snprintf(fmt, sizeof fmt, "%%.%dg", prec);
		g_ascii_formatd(num, sizeof num, fmt, v);
		back = g_ascii_strtod(num, NULL);
		if ((check ? check(back) : back) == target)
			break;
	}
	/* Falls through with 17 digits if nothing was exact (only possible
	 * through `check`); the value is then within one ulp. */
	g_string_append(s, num);
	g_string_append(s, base[kind]);
}

char *dist_to_string(const dist *d)
{
	g_return_val_if_fail(d != NULL, NULL);
	GString *s = g_string_new(NULL);
	const dist_spec *sp = spec_for_type(d->type);
	if (d->type == DIST_CONST) {
		append_exact(s, d->p1, d->kind, NULL, d->p1);
		return g_string_free(s, FALSE);
	}
	g_string_append_printf(s, "%s(", sp->name);
	if (d->type == DIST_EMPIRICAL) {
		for (guint i = 0; i < d->n; i++) {
			if (i)
				g_string_append(s, ", ");
			append_exact(s, d->xs[i], d->kind, NULL, d->xs[i]);
			g_string_append_c(s, ':');
			append_exact(s, d->ps[i], UNIT_NONE, NULL, d->ps[i]);
		}
	} else {
		double v[2] = { d->p1, d->p2 };
		for (guint i = 0; i < sp->nparams; i++) {
			if (i)
				g_string_append(s, ", ");
			g_string_append_printf(s, "%s=", sp->params[i]);
			unit_kind k = sp->unitless[i] ? UNIT_NONE : d->kind;
			if (d->type == DIST_LOGNORMAL && i == 0)
				append_exact(s, exp(v[0]), k, log, v[0]);
			else
				append_exact(s, v[i], k, NULL, v[i]);
		}
	}
	g_string_append_c(s, ')');
	return g_string_free(s, FALSE);
}
