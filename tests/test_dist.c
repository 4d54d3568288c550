/* \summary: dist tests: parse forms and errors, sample means and KS tests, canonical text */
#include "harness.h"
#include "dist.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

/* ---- parsing ------------------------------------------------------------ */

static gboolean parse_ok(const char *text, unit_kind kind, dist *d)
{
	GError *e = NULL;
	if (dist_parse(text, kind, d, &e))
		return TRUE;
	fprintf(stderr, "\n  dist_parse(%s): %s\n", text, e->message);
	g_error_free(e);
	return FALSE;
}

static void test_parse_forms(void)
{
	dist d;
	CU_ASSERT_FATAL(parse_ok("2ms", UNIT_TIME, &d));
	CU_ASSERT(d.type == DIST_CONST && d.kind == UNIT_TIME && d.p1 == 2e6);
	CU_ASSERT_TRUE(dist_is_const(&d));
	dist_clear(&d);

	CU_ASSERT_FATAL(parse_ok("const(2ms)", UNIT_TIME, &d));
	CU_ASSERT(d.type == DIST_CONST && d.p1 == 2e6);
	dist_clear(&d);
	CU_ASSERT_FATAL(parse_ok(" const ( value = 1500B ) ", UNIT_SIZE, &d));
	CU_ASSERT(d.type == DIST_CONST && d.kind == UNIT_SIZE && d.p1 == 1500);
	dist_clear(&d);

	/* Named in either order, positional, and positional followed by named. */
	const char *uniforms[] = { "uniform(min=1ms, max=3ms)", "uniform(max=3ms,min=1ms)",
		                   "uniform(1ms, 3ms)", "uniform(1ms, max=3ms)",
		                   "uniform( min = 1 ms , max = 3 ms )" };
	for (size_t i = 0; i < G_N_ELEMENTS(uniforms); i++) {
		CU_ASSERT_FATAL(parse_ok(uniforms[i], UNIT_TIME, &d));
		CU_ASSERT(d.type == DIST_UNIFORM && d.p1 == 1e6 && d.p2 == 3e6);
		CU_ASSERT_FALSE(dist_is_const(&d));
		dist_clear(&d);
	}
	CU_ASSERT_FATAL(parse_ok("uniform(2ms, 2ms)", UNIT_TIME, &d));
	CU_ASSERT_TRUE(dist_is_const(&d));
	dist_clear(&d);

	CU_ASSERT_FATAL(parse_ok("exp(mean=2ms)", UNIT_TIME, &d));
	CU_ASSERT(d.type == DIST_EXP && d.p1 == 2e6);
	CU_ASSERT_FALSE(dist_is_const(&d));
	dist_clear(&d);
	CU_ASSERT_FATAL(parse_ok("exp(100/s)", UNIT_RATE, &d));
	CU_ASSERT(d.type == DIST_EXP && d.kind == UNIT_RATE && d.p1 == 100);
	dist_clear(&d);

	CU_ASSERT_FATAL(parse_ok("normal(sd=1ms, mean=5ms)", UNIT_TIME, &d));
	CU_ASSERT(d.type == DIST_NORMAL && d.p1 == 5e6 && d.p2 == 1e6);
	dist_clear(&d);
	CU_ASSERT_FATAL(parse_ok("normal(5ms, 0ms)", UNIT_TIME, &d));
	CU_ASSERT(d.type == DIST_NORMAL && dist_is_const(&d));
	dist_clear(&d);

	CU_ASSERT_FATAL(parse_ok("lognormal(median=1ms, sigma=0.4)", UNIT_TIME, &d));
	CU_ASSERT(d.type == DIST_LOGNORMAL && d.p2 == 0.4);
	ASSERT_NEAR(d.p1, log(1e6), 1e-12);
	dist_clear(&d);
	CU_ASSERT_FATAL(parse_ok("lognormal(1ms, sigma=0.4)", UNIT_TIME, &d));
	CU_ASSERT(d.type == DIST_LOGNORMAL && d.p2 == 0.4);
	dist_clear(&d);

	CU_ASSERT_FATAL(parse_ok("pareto(shape=1.5, scale=1KB)", UNIT_SIZE, &d));
	CU_ASSERT(d.type == DIST_PARETO && d.p1 == 1000 && d.p2 == 1.5);
	dist_clear(&d);
	CU_ASSERT_FATAL(parse_ok("pareto(1KiB, 2)", UNIT_SIZE, &d));
	CU_ASSERT(d.type == DIST_PARETO && d.p1 == 1024 && d.p2 == 2);
	dist_clear(&d);

	CU_ASSERT_FATAL(parse_ok("empirical(1ms:0.5, 2ms:0.9, 10ms:1)", UNIT_TIME, &d));
	CU_ASSERT(d.type == DIST_EMPIRICAL && d.n == 3);
	CU_ASSERT(d.xs[0] == 1e6 && d.xs[1] == 2e6 && d.xs[2] == 10e6);
	CU_ASSERT(d.ps[0] == 0.5 && d.ps[1] == 0.9 && d.ps[2] == 1);
	CU_ASSERT_FALSE(dist_is_const(&d));
	dist_clear(&d);
	CU_ASSERT(d.xs == NULL && d.ps == NULL && d.n == 0);
	CU_ASSERT_FATAL(parse_ok("empirical( 5 ms : 1 )", UNIT_TIME, &d));
	CU_ASSERT(d.n == 1 && d.xs[0] == 5e6 && dist_is_const(&d));
	dist_clear(&d);

	/* Unitless distributions may go negative. */
	CU_ASSERT_FATAL(parse_ok("normal(-1, 2)", UNIT_NONE, &d));
	CU_ASSERT(d.p1 == -1 && d.p2 == 2);
	dist_clear(&d);
	CU_ASSERT_FATAL(parse_ok("uniform(-3, -1)", UNIT_NONE, &d));
	dist_clear(&d);
}

/* Fails with `code`, leaves `out` untouched, and the message contains each
 * of `parts`. */
static gboolean fails_with(const char *text, unit_kind kind, int code, const char *const *parts)
{
	dist d;
	memset(&d, 0xa5, sizeof d);
	dist sentinel = d;
	GError *e = NULL;
	if (dist_parse(text, kind, &d, &e)) {
		fprintf(stderr, "\n  dist_parse(%s) unexpectedly succeeded\n", text);
		dist_clear(&d);
		return FALSE;
	}
	gboolean ok = e && e->domain == VPCSIM_ERROR && e->code == code &&
	              memcmp(&d, &sentinel, sizeof d) == 0;
	for (const char *const *p = parts; ok && *p; p++)
		ok = strstr(e->message, *p) != NULL;
	if (!ok)
		fprintf(stderr, "\n  dist_parse(%s) error (code %d): %s\n", text, e ? e->code : -1,
		        e ? e->message : "(none)");
	g_clear_error(&e);
	return ok;
}

#define FAILS(code, text, kind, ...) \
	CU_ASSERT(fails_with(text, kind, VPCSIM_ERROR_##code, \
	                     (const char *const[]){ "'" text "'", __VA_ARGS__, NULL }))

static void test_parse_errors(void)
{
	FAILS(PARSE, "gauss(mean=1ms)", UNIT_TIME, "unknown distribution 'gauss'",
	      "const, uniform, exp, normal, lognormal, pareto, empirical");
	FAILS(PARSE, "(2ms)", UNIT_TIME, "missing distribution name");
	FAILS(PARSE, "exp(mean=2ms", UNIT_TIME, "missing ')'", "exp(mean=...)");
	FAILS(PARSE, "exp(mean=2ms) x", UNIT_TIME, "unexpected text ' x' after ')'");
	FAILS(PARSE, "exp(mean=(2ms))", UNIT_TIME, "nested '('");
	FAILS(PARSE, "exp(rate=2ms)", UNIT_TIME, "unknown argument 'rate'", "exp(mean=...)");
	FAILS(PARSE, "exp()", UNIT_TIME, "missing argument 'mean'");
	FAILS(PARSE, "uniform(min=1ms)", UNIT_TIME, "missing argument 'max'",
	      "uniform(min=..., max=...)");
	FAILS(PARSE, "exp(mean=1ms, mean=2ms)", UNIT_TIME, "duplicate argument 'mean'");
	FAILS(PARSE, "uniform(1ms, min=2ms)", UNIT_TIME, "duplicate argument 'min'");
	FAILS(PARSE, "exp(1ms, 2ms)", UNIT_TIME, "too many arguments");
	FAILS(PARSE, "uniform(max=3ms, 1ms)", UNIT_TIME, "positional argument '1ms' after a named");
	FAILS(PARSE, "uniform(1ms,,3ms)", UNIT_TIME, "argument 2 is empty");
	FAILS(PARSE, "exp(mean=2)", UNIT_TIME, "mean: '2' has no unit",
	      "expected a time such as 2ms, 50us or 1.5s");
	FAILS(PARSE, "exp(mean=2Mbps)", UNIT_TIME, "mean: '2Mbps' is a bit rate");
	FAILS(PARSE, "lognormal(median=1ms, sigma=0.4ms)", UNIT_TIME,
	      "sigma: '0.4ms' is a time; expected a plain number");
	FAILS(PARSE, "pareto(scale=1KB, shape=2B)", UNIT_SIZE, "shape: '2B' is a size");
	FAILS(PARSE, "5kg", UNIT_TIME, "unknown unit 'kg'", "or a distribution such as exp(mean=2ms)");
	FAILS(PARSE, "exp", UNIT_SIZE, "does not start with a number",
	      "or a distribution such as exp(mean=1500B)");
	FAILS(PARSE, "5", UNIT_TIME, "'5' has no unit");

	FAILS(INVALID, "exp(mean=-1ms)", UNIT_TIME, "mean must be > 0");
	FAILS(INVALID, "exp(mean=0ms)", UNIT_TIME, "mean must be > 0");
	FAILS(INVALID, "uniform(min=3ms, max=1ms)", UNIT_TIME, "min must be <= max");
	FAILS(INVALID, "normal(mean=5ms, sd=-1ms)", UNIT_TIME, "sd must be >= 0");
	FAILS(INVALID, "lognormal(median=1ms, sigma=-0.1)", UNIT_TIME, "sigma must be >= 0");
	FAILS(INVALID, "lognormal(median=0ms, sigma=0.1)", UNIT_TIME, "median must be > 0");
	FAILS(INVALID, "lognormal(median=-1, sigma=0.1)", UNIT_NONE, "median must be > 0");
	FAILS(INVALID, "pareto(scale=1KB, shape=0)", UNIT_SIZE, "shape must be > 0");
	FAILS(INVALID, "pareto(scale=0B, shape=2)", UNIT_SIZE, "scale must be > 0");
	FAILS(INVALID, "pareto(scale=-1, shape=2)", UNIT_NONE, "scale must be > 0");
	/* Times cannot be negative, plain numbers can. */
	FAILS(INVALID, "-2ms", UNIT_TIME, "value must be >= 0 for a time");
	FAILS(INVALID, "const(-2B)", UNIT_SIZE, "value must be >= 0 for a size");
	FAILS(INVALID, "uniform(-1ms, 1ms)", UNIT_TIME, "min must be >= 0 for a time");
	FAILS(INVALID, "normal(mean=-1/s, sd=1/s)", UNIT_RATE, "mean must be >= 0 for a rate");

	FAILS(PARSE, "empirical()", UNIT_TIME, "at least one point");
	FAILS(PARSE, "empirical(1ms)", UNIT_TIME, "point 1 '1ms' is not VALUE:P");
	FAILS(PARSE, "empirical(1ms:0.5:1)", UNIT_TIME, "is not VALUE:P");
	FAILS(PARSE, "empirical(1ms:0.5, 2:1)", UNIT_TIME, "point 2 value: '2' has no unit");
	FAILS(PARSE, "empirical(1ms:0.5, 2ms:1s)", UNIT_TIME, "point 2 probability: '1s' is a time");
	FAILS(INVALID, "empirical(1ms:0.5, 2ms:0.9)", UNIT_TIME,
	      "the last probability is 0.9; it must be 1");
	FAILS(INVALID, "empirical(2ms:0.5, 1ms:1)", UNIT_TIME, "values must be strictly increasing",
	      "point 2 (1ms)");
	FAILS(INVALID, "empirical(1ms:0.5, 1ms:1)", UNIT_TIME, "values must be strictly increasing");
	FAILS(INVALID, "empirical(1ms:0.5, 2ms:0.5, 3ms:1)", UNIT_TIME,
	      "probabilities must be strictly increasing", "0.5 is not above 0.5");
	FAILS(INVALID, "empirical(1ms:0, 2ms:1)", UNIT_TIME, "probability 0 is outside (0, 1]");
	FAILS(INVALID, "empirical(1ms:0.5, 2ms:1.5)", UNIT_TIME, "probability 1.5 is outside");
	FAILS(INVALID, "empirical(1ms:-0.5, 2ms:1)", UNIT_TIME, "outside (0, 1]");
	FAILS(INVALID, "empirical(-1ms:0.5, 2ms:1)", UNIT_TIME, "must be >= 0 for a time");
}

/* ---- sampling ------------------------------------------------------------ */

#define N_SAMPLES 200000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

typedef double (*cdf_fn)(double x);

/*
 * The Kolmogorov-Smirnov statistic sup |F_n - F| of sorted samples.  Equal
 * samples (an atom, as at the first point of an empirical) are handled as a
 * group: the empirical CDF jumps from i/n to j/n there, compared with the
 * true CDF's left limit `left(x)` and value F(x).
 */
static double ks_statistic(double *xs, int n, cdf_fn F, cdf_fn left)
{
	qsort(xs, (size_t)n, sizeof *xs, cmp_double);
	double dmax = 0;
	for (int i = 0; i < n;) {
		int j = i + 1;
		while (j < n && xs[j] == xs[i])
			j++;
		double f = F(xs[i]), fl = left ? left(xs[i]) : f;
		dmax = fmax(dmax, fabs((double)j / n - f));
		dmax = fmax(dmax, fabs((double)i / n - fl));
		i = j;
	}
	return dmax;
}

static double phi_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* Parameters of the cases below, in the kinds' base units. */
static double cdf_uniform(double x) { return x < 1e6 ? 0 : x > 3e6 ? 1 : (x - 1e6) / 2e6; }
static double cdf_exp(double x) { return x < 0 ? 0 : 1 - exp(-x / 2e6); }
static double cdf_normal(double x) { return phi_cdf((x - 5e6) / 1e6); }
static double cdf_lognormal(double x) { return x <= 0 ? 0 : phi_cdf(log(x / 1e6) / 0.5); }
static double cdf_pareto3(double x) { return x < 1000 ? 0 : 1 - pow(1000 / x, 3); }
static double cdf_pareto15(double x) { return x < 1000 ? 0 : 1 - pow(1000 / x, 1.5); }
static double cdf_empirical(double x)
{
	/* empirical(1ms:0.5, 2ms:0.9, 10ms:1) */
	if (x < 1e6)
		return 0;
	if (x < 2e6)
		return 0.5 + 0.4 * (x - 1e6) / 1e6;
	if (x < 10e6)
		return 0.9 + 0.1 * (x - 2e6) / 8e6;
	return 1;
}
static double left_empirical(double x) { return x <= 1e6 ? 0 : cdf_empirical(x); }

typedef struct {
	const char *text;
	unit_kind kind;
	double mean, var; /* by hand, independently of dist.c */
	cdf_fn cdf, cdf_left;
} sample_case;

static void check_case(const sample_case *c, double *buf)
{
	dist d;
	CU_ASSERT_FATAL(parse_ok(c->text, c->kind, &d));
	double m = dist_mean(&d);
	ASSERT_NEAR(m, c->mean, 1e-9 * fabs(c->mean));
	if (!(fabs(m - c->mean) <= 1e-9 * fabs(c->mean)))
		fprintf(stderr, "\n  %s: dist_mean %.17g, by hand %.17g\n", c->text, m, c->mean);

	rng r;
	rng_init(&r, 2024, c->text);
	double sum = 0, lo = INFINITY;
	for (int i = 0; i < N_SAMPLES; i++) {
		buf[i] = dist_sample(&d, &r);
		sum += buf[i];
		lo = fmin(lo, buf[i]);
	}
	double se = sqrt(c->var / N_SAMPLES);
	double mean = sum / N_SAMPLES;
	gboolean mean_ok = fabs(mean - m) <= 5 * se;
	CU_ASSERT(mean_ok);
	CU_ASSERT(lo >= 0);

	double D = ks_statistic(buf, N_SAMPLES, c->cdf, c->cdf_left);
	double crit = 1.95 / sqrt(N_SAMPLES); /* alpha = 0.001 */
	CU_ASSERT(D < crit);
	if (!mean_ok || !(D < crit))
		fprintf(stderr, "\n  %s: mean %.6g want %.6g (%.2f SE), KS D %.5f crit %.5f\n",
		        c->text, mean, m, (mean - m) / se, D, crit);
	dist_clear(&d);
}

static void test_sampling(void)
{
	const double lm = log(1e6), ls = 0.5;
	const double emp_mean = 0.5 * 1 + 0.4 * 1.5 + 0.1 * 6;                        /* ms */
	const double emp_m2 = 0.5 * 1 + 0.4 * (1 + 2 + 4) / 3.0 + 0.1 * (4 + 20 + 100) / 3.0; /* ms^2 */
	const sample_case cases[] = {
		{ "uniform(min=1ms, max=3ms)", UNIT_TIME, 2e6, 4e12 / 12, cdf_uniform, NULL },
		{ "exp(mean=2ms)", UNIT_TIME, 2e6, 4e12, cdf_exp, NULL },
		/* Clamping at 0 adds s phi(5) - m Phi(-5) = 0.053ns to the mean. */
		{ "normal(mean=5ms, sd=1ms)", UNIT_TIME,
		  5e6 + 1e6 * exp(-12.5) / sqrt(2 * G_PI) - 5e6 * phi_cdf(-5), 1e12, cdf_normal, NULL },
		{ "lognormal(median=1ms, sigma=0.5)", UNIT_TIME, exp(lm + ls * ls / 2),
		  (exp(ls * ls) - 1) * exp(2 * lm + ls * ls), cdf_lognormal, NULL },
		/* Pareto variance is finite for shape > 2: a^2 s / ((s-1)^2 (s-2)). */
		{ "pareto(scale=1KB, shape=3)", UNIT_SIZE, 1500, 1e6 * 3 / (4 * 1), cdf_pareto3, NULL },
		{ "empirical(1ms:0.5, 2ms:0.9, 10ms:1)", UNIT_TIME, emp_mean * 1e6,
		  (emp_m2 - emp_mean * emp_mean) * 1e12, cdf_empirical, left_empirical },
	};
	double *buf = g_new(double, N_SAMPLES);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		check_case(&cases[i], buf);

	/* shape 1.5: infinite variance, so no mean test, but the CDF still holds. */
	dist d;
	CU_ASSERT_FATAL(parse_ok("pareto(scale=1KB, shape=1.5)", UNIT_SIZE, &d));
	ASSERT_NEAR(dist_mean(&d), 3000, 1e-9);
	rng r;
	rng_init(&r, 2024, "pareto-1.5");
	for (int i = 0; i < N_SAMPLES; i++)
		buf[i] = dist_sample(&d, &r);
	CU_ASSERT(ks_statistic(buf, N_SAMPLES, cdf_pareto15, NULL) < 1.95 / sqrt(N_SAMPLES));
	dist_clear(&d);

	/* The KS test must be able to fail: exp(mean=2.1ms) is not exp(mean=2ms). */
	CU_ASSERT_FATAL(parse_ok("exp(mean=2.1ms)", UNIT_TIME, &d));
	for (int i = 0; i < N_SAMPLES; i++)
		buf[i] = dist_sample(&d, &r);
	CU_ASSERT(ks_statistic(buf, N_SAMPLES, cdf_exp, NULL) > 1.95 / sqrt(N_SAMPLES));
	dist_clear(&d);
	g_free(buf);
}

/*
 * The normal sampler's tails and layers, which a KS test over 200,000
 * samples barely sees: 4 million samples of normal(mean=5ms, sd=1ms) in 44
 * bins of a quarter sd from -5.5 sd to 5.5 sd (the outer two open-ended), a
 * chi-square against the normal's probabilities (by hand, erfc); the count
 * beyond 3.6 sd on each side within 5 standard errors of its binomial
 * expectation, and the mean of |z| beyond it within 5 standard errors of
 * the truncated normal's,
 * phi(c) / Q(c) (variance 1 + c lambda - lambda^2).
 */
static void test_normal_bins(void)
{
	enum { N = 4000000, BINS = 44 };
	const double c = 3.6;
	dist d;
	CU_ASSERT_FATAL(parse_ok("normal(mean=5ms, sd=1ms)", UNIT_TIME, &d));
	rng r;
	rng_init(&r, 7, "normal-bins");
	guint count[BINS] = { 0 }, lo_tail = 0, hi_tail = 0;
	double tail_sum = 0;
	for (int i = 0; i < N; i++) {
		double z = (dist_sample(&d, &r) - 5e6) / 1e6;
		int b = (int)floor((z + 5.5) * 4) + 1;
		count[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
		lo_tail += z < -c;
		hi_tail += z > c;
		if (fabs(z) > c)
			tail_sum += fabs(z);
	}
	double chi2 = 0;
	for (int b = 0; b < BINS; b++) {
		double zl = b == 0 ? -INFINITY : -5.5 + (b - 1) / 4.0;
		double zh = b == BINS - 1 ? INFINITY : -5.5 + b / 4.0;
		double e = N * (phi_cdf(zh) - phi_cdf(zl));
		chi2 += (count[b] - e) * (count[b] - e) / e;
	}
	/* 43 degrees of freedom: P(chi2 > 81.0) = 0.0005. */
	CU_ASSERT(chi2 < 81.0);
	double p = phi_cdf(-c), e = N * p, se = sqrt(N * p * (1 - p));
	CU_ASSERT(fabs(lo_tail - e) < 5 * se);
	CU_ASSERT(fabs(hi_tail - e) < 5 * se);
	double lambda = exp(-c * c / 2) / sqrt(2 * G_PI) / p;
	double tail_mean = tail_sum / (lo_tail + hi_tail);
	double tail_se = sqrt((1 + c * lambda - lambda * lambda) / (lo_tail + hi_tail));
	CU_ASSERT(fabs(tail_mean - lambda) < 5 * tail_se);
	if (!(chi2 < 81.0) || !(fabs(lo_tail - e) < 5 * se) || !(fabs(hi_tail - e) < 5 * se) ||
	    !(fabs(tail_mean - lambda) < 5 * tail_se))
		fprintf(stderr, "\n  normal bins: chi2 %.1f, tails %u and %u, want %.0f +- %.0f; "
		        "mean |z| beyond %.1f %.4f, want %.4f +- %.4f\n",
		        chi2, lo_tail, hi_tail, e, se, c, tail_mean, lambda, tail_se);
	dist_clear(&d);
}

/*
 * How often the ziggurat's common case decides alone: a draw that takes one
 * random number (the stream moved by exactly one step) is one whose point
 * fell inside its layer's rectangle, which happens with the mean over the
 * 256 layers of x[i+1] / x[i], the layers worked out here from Marsaglia
 * and Tsang's R and V (0.985; the README and sim/dist.c say 98.5%).
 * 1,000,000 draws, within 5 standard errors.
 */
static void test_normal_one_draw(void)
{
	const double R = 3.6541528853610088, V = 0.00492867323399;
	double x[257], f = exp(-0.5 * R * R);
	x[0] = V / f;
	x[1] = R;
	for (int i = 2; i < 256; i++) {
		x[i] = sqrt(-2.0 * log(V / x[i - 1] + f));
		f = exp(-0.5 * x[i] * x[i]);
	}
	x[256] = 0;
	double p = 0;
	for (int i = 0; i < 256; i++)
		p += x[i + 1] / x[i] / 256;
	ASSERT_NEAR(p, 0.985, 0.0005);

	enum { N = 1000000 };
	dist d;
	CU_ASSERT_FATAL(parse_ok("normal(mean=5ms, sd=1ms)", UNIT_TIME, &d));
	rng r;
	rng_init(&r, 11, "normal-one-draw");
	guint one = 0;
	for (int i = 0; i < N; i++) {
		rng next = r;
		rng_next(&next);
		dist_sample(&d, &r);
		one += memcmp(&next, &r, sizeof r) == 0;
	}
	double se = sqrt(p * (1 - p) / N);
	CU_ASSERT(fabs((double)one / N - p) < 5 * se);
	if (!(fabs((double)one / N - p) < 5 * se))
		fprintf(stderr, "\n  one-draw share %.5f, want %.5f +- %.5f\n", (double)one / N, p, se);
	dist_clear(&d);
}

static void test_clamp_and_special(void)
{
	/* normal(1ms, 1ms) is clamped at 0: P(X = 0) = Phi(-1) = 0.158655, and
	 * E[max(X, 0)] = m Phi(m/s) + s phi(m/s) = 1.083315ms. */
	dist d;
	CU_ASSERT_FATAL(parse_ok("normal(mean=1ms, sd=1ms)", UNIT_TIME, &d));
	const double want = 1e6 * 0.841344746068543 + 1e6 * 0.241970724519143;
	ASSERT_NEAR(dist_mean(&d), want, 1e-3);
	rng r;
	rng_init(&r, 7, "clamp");
	const int n = N_SAMPLES;
	double sum = 0, sum2 = 0;
	int zeros = 0;
	gboolean neg = FALSE;
	for (int i = 0; i < n; i++) {
		double x = dist_sample(&d, &r);
		neg = neg || x < 0;
		zeros += x == 0;
		sum += x;
		sum2 += x * x;
	}
	CU_ASSERT_FALSE(neg);
	const double p0 = 0.158655253931457;
	ASSERT_NEAR((double)zeros / n, p0, 5 * sqrt(p0 * (1 - p0) / n));
	double var = sum2 / n - (sum / n) * (sum / n);
	ASSERT_NEAR(sum / n, want, 5 * sqrt(var / n));
	dist_clear(&d);

	/* A unitless normal is not clamped. */
	CU_ASSERT_FATAL(parse_ok("normal(-1, 1)", UNIT_NONE, &d));
	CU_ASSERT_EQUAL(dist_mean(&d), -1);
	sum = 0;
	for (int i = 0; i < 10000; i++)
		sum += dist_sample(&d, &r);
	ASSERT_NEAR(sum / 10000, -1, 5 * sqrt(1.0 / 10000));
	dist_clear(&d);

	/* Heavy tails have an infinite mean. */
	CU_ASSERT_FATAL(parse_ok("pareto(scale=1KB, shape=1)", UNIT_SIZE, &d));
	CU_ASSERT(isinf(dist_mean(&d)));
	dist_clear(&d);
	/* Samples beyond the clock's range saturate instead of overflowing:
	 * with shape 0.05, P(X > 2^63 ns) = (1e6 / 2^63)^0.05 = 0.23. */
	CU_ASSERT_FATAL(parse_ok("pareto(scale=1ms, shape=0.05)", UNIT_TIME, &d));
	CU_ASSERT(isinf(dist_mean(&d)));
	gboolean above_scale = TRUE;
	int saturated = 0;
	for (int i = 0; i < 10000; i++) {
		sim_time t = dist_sample_ns(&d, &r);
		above_scale = above_scale && t >= SIM_MS;
		saturated += t == SIM_TIME_MAX;
	}
	CU_ASSERT_TRUE(above_scale);
	ASSERT_NEAR(saturated / 10000.0, pow(1e6 / ldexp(1, 63), 0.05), 5 * sqrt(0.23 * 0.77 / 1e4));
	dist_clear(&d);

	/* Constants draw nothing and dist_sample_ns rounds. */
	dist_set_const(&d, UNIT_TIME, 1500.4);
	rng before = r;
	CU_ASSERT_EQUAL(dist_sample_ns(&d, &r), 1500);
	CU_ASSERT(memcmp(&before, &r, sizeof r) == 0);
	CU_ASSERT_TRUE(dist_is_const(&d));
	CU_ASSERT_EQUAL(dist_mean(&d), 1500.4);
	dist_set_const(&d, UNIT_TIME, 1500.6);
	CU_ASSERT_EQUAL(dist_sample_ns(&d, &r), 1501);
	/* dist_sample_ns() takes constants inline; it rounds as the general
	 * path does (half away from zero, saturating, never negative). */
	const double consts[] = { 0, 0.49999999999999994, 0.5, 2.5, 1e6 + 0.5, -3,
	                          4503599627370495.5, 4503599627370496.0, 1e19 };
	for (size_t i = 0; i < G_N_ELEMENTS(consts); i++) {
		dist_set_const(&d, UNIT_TIME, consts[i]);
		CU_ASSERT_EQUAL(dist_sample_ns(&d, &r), dist__sample_ns(&d, &r));
	}
	dist_set_const(&d, UNIT_TIME, 0.5);
	CU_ASSERT_EQUAL(dist_sample_ns(&d, &r), 1);
	dist_set_const(&d, UNIT_TIME, 0.49999999999999994);
	CU_ASSERT_EQUAL(dist_sample_ns(&d, &r), 0);

	/* Same seed, same samples. */
	CU_ASSERT_FATAL(parse_ok("lognormal(median=1ms, sigma=1)", UNIT_TIME, &d));
	rng a, b;
	rng_init(&a, 1, "same");
	rng_init(&b, 1, "same");
	gboolean same = TRUE;
	for (int i = 0; i < 1000; i++)
		same = same && dist_sample(&d, &a) == dist_sample(&d, &b);
	CU_ASSERT_TRUE(same);
	dist_clear(&d);
}

/* An empirical CDF's interpolation, checked at known quantiles by driving
 * the stream: the fraction of samples at or below each point is its P. */
static void test_empirical_points(void)
{
	dist d;
	CU_ASSERT_FATAL(parse_ok("empirical(0B:0.2, 100B:0.6, 200B:1)", UNIT_SIZE, &d));
	/* mean = 0.2*0 + 0.4*50 + 0.4*150 = 80 */
	ASSERT_NEAR(dist_mean(&d), 80, 1e-12);
	rng r;
	rng_init(&r, 3, "empirical-points");
	int at0 = 0, le100 = 0, le50 = 0, out = 0;
	const int n = 100000;
	for (int i = 0; i < n; i++) {
		double x = dist_sample(&d, &r);
		at0 += x == 0;
		le50 += x <= 50;
		le100 += x <= 100;
		out += x < 0 || x > 200;
	}
	CU_ASSERT_EQUAL(out, 0);
	ASSERT_NEAR((double)at0 / n, 0.2, 5 * sqrt(0.2 * 0.8 / n));
	ASSERT_NEAR((double)le50 / n, 0.4, 5 * sqrt(0.4 * 0.6 / n));
	ASSERT_NEAR((double)le100 / n, 0.6, 5 * sqrt(0.6 * 0.4 / n));
	dist_clear(&d);
}

/* ---- copies and text ----------------------------------------------------- */

static void test_copy(void)
{
	dist a, b;
	CU_ASSERT_FATAL(parse_ok("empirical(1ms:0.5, 2ms:1)", UNIT_TIME, &a));
	dist_copy(&b, &a);
	CU_ASSERT(b.xs != a.xs && b.ps != a.ps && b.n == 2);
	dist_clear(&a);
	CU_ASSERT(b.xs[1] == 2e6 && b.ps[1] == 1);
	char *s = dist_to_string(&b);
	CU_ASSERT_STRING_EQUAL(s, "empirical(1ms:0.5, 2ms:1)");
	g_free(s);
	dist_clear(&b);
	dist_clear(NULL);

	CU_ASSERT_FATAL(parse_ok("exp(mean=3ms)", UNIT_TIME, &a));
	dist_copy(&b, &a);
	CU_ASSERT(b.type == DIST_EXP && b.p1 == 3e6 && b.xs == NULL);
	dist_clear(&a);
	dist_clear(&b);
}

/* A Pareto of shape 0.01 draws beyond the clock's 292 years most of the
 * time: the sample fails the run with a message naming the distribution and
 * where it was read, where it once overflowed now + delay in the engine (a
 * CRITICAL, and a run that "succeeded"). */
static void test_samples_beyond_range(void)
{
	dist d, c;
	CU_ASSERT_FATAL(parse_ok("pareto(scale=1ms, shape=0.01)", UNIT_TIME, &d));
	dist_set_origin(&d, "t.ini: [workload w] think_time");
	dist_copy(&c, &d);
	dist_clear(&d);
	CU_ASSERT_STRING_EQUAL(c.origin, "t.ini: [workload w] think_time");
	sim *s = sim_new();
	rng r;
	rng_init(&r, 1, "tail");
	sim_time t = 0;
	for (int i = 0; i < 100 && !sim_failure(s); i++)
		t = dist_sample_delay(&c, &r, s);
	CU_ASSERT_EQUAL(t, SIM_TIME_MAX);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sim_failure(s));
	const char *m = sim_failure(s)->message;
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "t.ini: [workload w] think_time: "
	                                 "'pareto(scale=1ms, shape=0.01)' drew "));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "beyond the clock's range of 292 years; expected a "
	                                 "distribution whose samples stay within it"));
	CU_ASSERT_TRUE(sim_stopped(s));
	sim_free(s);
	dist_clear(&c);

	/* Sizes: a sample past 2^63 bytes once went through a double to
	 * uint64 cast (undefined, nonsense in practice). */
	CU_ASSERT_FATAL(parse_ok("pareto(scale=1KB, shape=0.01)", UNIT_SIZE, &d));
	s = sim_new();
	uint64_t b = 1;
	for (int i = 0; i < 100 && !sim_failure(s); i++)
		b = dist_sample_bytes(&d, &r, s);
	CU_ASSERT_EQUAL(b, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sim_failure(s));
	CU_ASSERT_PTR_NOT_NULL(strstr(sim_failure(s)->message, "'pareto(scale=1KB, shape=0.01)' "
	                                                       "drew "));
	CU_ASSERT_PTR_NOT_NULL(strstr(sim_failure(s)->message, "beyond 2^63 bytes"));
	sim_free(s);
	dist_clear(&d);

	/* A light tail never fails and rounds like dist_sample_ns. */
	CU_ASSERT_FATAL(parse_ok("exp(mean=1ms)", UNIT_TIME, &d));
	s = sim_new();
	rng_init(&r, 1, "light");
	rng r2;
	rng_init(&r2, 1, "light");
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(dist_sample_delay(&d, &r, s), dist_sample_ns(&d, &r2));
	CU_ASSERT_PTR_NULL(sim_failure(s));
	sim_free(s);
	dist_clear(&d);
}

/* dist_max bounds every sample. */
static void test_max(void)
{
	static const char *const texts[] = {
		"2ms", "uniform(min=1ms, max=3ms)", "exp(mean=2ms)", "normal(mean=5ms, sd=1ms)",
		"lognormal(median=1ms, sigma=0.4)", "pareto(scale=1ms, shape=1.5)",
		"empirical(1ms:0.5, 2ms:0.9, 10ms:1)",
	};
	rng r;
	rng_init(&r, 3, "max");
	for (size_t k = 0; k < G_N_ELEMENTS(texts); k++) {
		dist d;
		CU_ASSERT_FATAL(parse_ok(texts[k], UNIT_TIME, &d));
		double m = dist_max(&d);
		CU_ASSERT(isfinite(m) && m >= dist_mean(&d));
		for (int i = 0; i < 10000; i++)
			CU_ASSERT(dist_sample(&d, &r) <= m);
		dist_clear(&d);
	}
	dist d;
	CU_ASSERT_FATAL(parse_ok("exp(mean=1ms)", UNIT_TIME, &d));
	ASSERT_NEAR(dist_max(&d), 1e6 * 53 * G_LN2, 1e-3); /* -ln(2^-53) means */
	dist_clear(&d);
	CU_ASSERT_FATAL(parse_ok("pareto(scale=1ms, shape=1)", UNIT_TIME, &d));
	CU_ASSERT_EQUAL(dist_max(&d), 1e6 * ldexp(1.0, 53));
	dist_clear(&d);
	CU_ASSERT_FATAL(parse_ok("pareto(scale=1ms, shape=0.01)", UNIT_TIME, &d));
	CU_ASSERT_FALSE(isfinite(dist_max(&d)));
	dist_clear(&d);
}

static void round_trip(const char *text, unit_kind kind, const char *canonical)
{
	dist a, b;
	CU_ASSERT_FATAL(parse_ok(text, kind, &a));
	char *s = dist_to_string(&a);
	if (canonical && strcmp(s, canonical) != 0)
		fprintf(stderr, "\n  dist_to_string(%s) = '%s', want '%s'\n", text, s, canonical);
	if (canonical)
		CU_ASSERT_STRING_EQUAL(s, canonical);
	CU_ASSERT_FATAL(parse_ok(s, kind, &b));
	CU_ASSERT(a.type == b.type && a.kind == b.kind && a.p1 == b.p1 && a.p2 == b.p2 &&
	          a.n == b.n);
	for (guint i = 0; i < a.n; i++)
		CU_ASSERT(a.xs[i] == b.xs[i] && a.ps[i] == b.ps[i]);
	char *s2 = dist_to_string(&b);
	CU_ASSERT_STRING_EQUAL(s, s2);
	g_free(s);
	g_free(s2);
	dist_clear(&a);
	dist_clear(&b);
}

static void test_to_string(void)
{
	round_trip("2ms", UNIT_TIME, "2ms");
	round_trip("const(2000us)", UNIT_TIME, "2ms");
	round_trip("uniform(1ms, 3ms)", UNIT_TIME, "uniform(min=1ms, max=3ms)");
	round_trip("exp(2000000ns)", UNIT_TIME, "exp(mean=2ms)");
	round_trip("exp(100/s)", UNIT_RATE, "exp(mean=100/s)");
	round_trip("normal(sd=1ms, mean=5ms)", UNIT_TIME, "normal(mean=5ms, sd=1ms)");
	round_trip("lognormal(median=1ms, sigma=0.4)", UNIT_TIME, "lognormal(median=1ms, sigma=0.4)");
	round_trip("lognormal(median=3.7ms, sigma=1.3)", UNIT_TIME, NULL);
	round_trip("pareto(scale=1000B, shape=1.5)", UNIT_SIZE, "pareto(scale=1KB, shape=1.5)");
	round_trip("empirical(1ms:0.5, 2ms:0.9, 10ms:1)", UNIT_TIME,
	           "empirical(1ms:0.5, 2ms:0.9, 10ms:1)");
	round_trip("uniform(1Gbps, 10Gbps)", UNIT_BITRATE, "uniform(min=1Gbps, max=10Gbps)");
	round_trip("normal(-1, 0.25)", UNIT_NONE, "normal(mean=-1, sd=0.25)");
	/* Values with more digits than units_format keeps still round trip
	 * exactly, in the base unit. */
	round_trip("exp(mean=1.23456789ms)", UNIT_TIME, "exp(mean=1234567.89ns)");
	round_trip("empirical(1ms:0.123456789, 2ms:1)", UNIT_TIME,
	           "empirical(1ms:0.123456789, 2ms:1)");

	dist d;
	dist_set_const(&d, UNIT_TIME, 1e9 / 3);
	char *s = dist_to_string(&d);
	dist e;
	CU_ASSERT_FATAL(parse_ok(s, UNIT_TIME, &e));
	CU_ASSERT(e.type == DIST_CONST && e.p1 == d.p1);
	g_free(s);
	dist_clear(&d);
	dist_clear(&e);

	/* Random parameters: the text always reads back to the same bits. */
	rng r;
	rng_init(&r, 11, "to-string");
	int bad = 0;
	for (int i = 0; i < 500; i++) {
		double m = 1e6 * pow(10, 4 * rng_uniform_open(&r) - 2);
		double sg = 2 * rng_uniform_open(&r);
		dist a = { .type = DIST_LOGNORMAL, .kind = UNIT_TIME, .p1 = log(m), .p2 = sg };
		dist b;
		char *t = dist_to_string(&a);
		if (!dist_parse(t, UNIT_TIME, &b, NULL) || fabs(b.p1 - a.p1) > 1e-15 * fabs(a.p1) ||
		    b.p2 != a.p2)
			bad++;
		else
			dist_clear(&b);
		g_free(t);
		dist n = { .type = DIST_NORMAL, .kind = UNIT_TIME, .p1 = m, .p2 = m * sg };
		t = dist_to_string(&n);
		if (!dist_parse(t, UNIT_TIME, &b, NULL) || b.p1 != n.p1 || b.p2 != n.p2)
			bad++;
		else
			dist_clear(&b);
		g_free(t);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("dist");
	CU_add_test(s, "parse_forms", test_parse_forms);
	CU_add_test(s, "parse_errors", test_parse_errors);
	CU_add_test(s, "sampling", test_sampling);
	CU_add_test(s, "clamp_and_special", test_clamp_and_special);
	CU_add_test(s, "empirical_points", test_empirical_points);
	CU_add_test(s, "copy", test_copy);
	CU_add_test(s, "to_string", test_to_string);
	CU_add_test(s, "samples beyond range", test_samples_beyond_range);
	CU_add_test(s, "normal bins and tails", test_normal_bins);
	CU_add_test(s, "normal: one draw in 98.5%", test_normal_one_draw);
	CU_add_test(s, "max", test_max);
}
