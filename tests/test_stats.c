/* \summary: stats tests: Welford against two passes, HDR histogram against sorted data */
#include "harness.h"
#include "rng.h"
#include "stats.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- Welford */

/* Mean and sample variance by the textbook two-pass method in long double. */
static void two_pass(const double *x, size_t n, double *mean, double *var)
{
	long double s = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	long double m = s / n, ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	*mean = (double)m;
	*var = n > 1 ? (double)(ss / (n - 1)) : 0.0;
}

static void test_welford_hand(void)
{
	/* The classic example: mean 5, population variance 4, sample 32/7. */
	const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	stats_acc a;
	stats_acc_init(&a);
	CU_ASSERT_EQUAL(a.n, 0);
	CU_ASSERT_EQUAL(stats_acc_var(&a), 0.0);
	stats_acc_add(&a, 3.5);
	CU_ASSERT_EQUAL(stats_acc_var(&a), 0.0); /* n < 2 */
	CU_ASSERT_EQUAL(a.min, 3.5);
	CU_ASSERT_EQUAL(a.max, 3.5);
	stats_acc_init(&a);
	for (size_t i = 0; i < G_N_ELEMENTS(x); i++)
		stats_acc_add(&a, x[i]);
	CU_ASSERT_EQUAL(a.n, 8);
	ASSERT_NEAR(a.mean, 5.0, 1e-15);
	ASSERT_NEAR(stats_acc_var(&a), 32.0 / 7.0, 1e-14);
	ASSERT_NEAR(stats_acc_stddev(&a), sqrt(32.0 / 7.0), 1e-14);
	CU_ASSERT_EQUAL(a.min, 2.0);
	CU_ASSERT_EQUAL(a.max, 9.0);
}

#define WN 20000

/* Data with a large offset against a small spread, where the naive
 * sum-of-squares formula loses most of its digits. */
static void fill_offset(double *x, size_t n, uint64_t seed)
{
	rng r;
	rng_init(&r, seed, "stats/welford");
	for (size_t i = 0; i < n; i++)
		x[i] = 1e9 + 1e-3 * (rng_uniform_open(&r) - 0.5) - 1e2 * log(rng_uniform_open(&r));
}

static void test_welford_two_pass(void)
{
	double *x = g_new(double, WN);
	fill_offset(x, WN, 1);
	stats_acc a;
	stats_acc_init(&a);
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < WN; i++) {
		stats_acc_add(&a, x[i]);
		lo = fmin(lo, x[i]);
		hi = fmax(hi, x[i]);
	}
	double m, v;
	two_pass(x, WN, &m, &v);
	CU_ASSERT_EQUAL(a.n, WN);
	ASSERT_NEAR(a.mean, m, fabs(m) * 1e-14);
	/* Variance is about 1e4; Welford keeps ~1e-9 relative here, where
	 * E[x^2] - E[x]^2 in double would be off by orders of magnitude. */
	ASSERT_NEAR(stats_acc_var(&a), v, v * 1e-8);
	CU_ASSERT_EQUAL(a.min, lo);
	CU_ASSERT_EQUAL(a.max, hi);
	g_free(x);
}

static void test_welford_merge(void)
{
	double *x = g_new(double, WN);
	fill_offset(x, WN, 2);
	stats_acc whole;
	stats_acc_init(&whole);
	for (size_t i = 0; i < WN; i++)
		stats_acc_add(&whole, x[i]);
	/* Unequal parts, including empty ones on either side of a merge. */
	const size_t cuts[] = { 0, 0, 1, 137, 5000, 5000, 19999, WN };
	stats_acc total;
	stats_acc_init(&total);
	for (size_t c = 0; c + 1 < G_N_ELEMENTS(cuts); c++) {
		stats_acc part;
		stats_acc_init(&part);
		for (size_t i = cuts[c]; i < cuts[c + 1]; i++)
			stats_acc_add(&part, x[i]);
		stats_acc_merge(&total, &part);
	}
	stats_acc empty;
	stats_acc_init(&empty);
	stats_acc_merge(&total, &empty);
	CU_ASSERT_EQUAL(total.n, whole.n);
	ASSERT_NEAR(total.mean, whole.mean, fabs(whole.mean) * 1e-14);
	ASSERT_NEAR(stats_acc_var(&total), stats_acc_var(&whole), stats_acc_var(&whole) * 1e-8);
	CU_ASSERT_EQUAL(total.min, whole.min);
	CU_ASSERT_EQUAL(total.max, whole.max);

	/* Merging into an empty accumulator copies. */
	stats_acc e2;
	stats_acc_init(&e2);
	stats_acc_merge(&e2, &whole);
	CU_ASSERT_EQUAL(e2.n, whole.n);
	CU_ASSERT_EQUAL(e2.mean, whole.mean);
	CU_ASSERT_EQUAL(e2.m2, whole.m2);
	g_free(x);
}

/* -------------------------------------------------------------- histogram */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

typedef struct {
	int64_t lo, hi;
	uint64_t count;
} bucket;

typedef struct {
	GArray *b;  /* of bucket */
} walk;

static void collect(int64_t lo, int64_t hi, uint64_t count, void *ud)
{
	walk *w = ud;
	bucket b = { lo, hi, count };
	g_array_append_val(w->b, b);
}

static GArray *buckets_of(const hdr_hist *h)
{
	walk w = { g_array_new(FALSE, FALSE, sizeof(bucket)) };
	hdr_foreach(h, collect, &w);
	return w.b;
}

static gboolean same_buckets(GArray *a, GArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++) {
		bucket *x = &g_array_index(a, bucket, i), *y = &g_array_index(b, bucket, i);
		if (x->lo != y->lo || x->hi != y->hi || x->count != y->count)
			return FALSE;
	}
	return TRUE;
}

/* Checks the bucket shape from first principles: exact below 2^s, above it
 * power-of-two widths aligned to their width with width <= lo * 2^-(s-1),
 * never crossing a power of two, increasing and disjoint; and that the
 * sorted data put exactly `count` samples in each reported bucket. */
static void check_buckets(const hdr_hist *h, int sub_bits, const int64_t *sorted, size_t n)
{
	GArray *bs = buckets_of(h);
	size_t j = 0;
	uint64_t total = 0;
	int64_t prev_hi = -1;
	int ok_shape = 1, ok_counts = 1;
	for (guint i = 0; i < bs->len; i++) {
		bucket *b = &g_array_index(bs, bucket, i);
		uint64_t width = (uint64_t)b->hi - (uint64_t)b->lo + 1;
		if (b->lo <= prev_hi || b->hi < b->lo || b->count == 0)
			ok_shape = 0;
		if (b->lo < (INT64_C(1) << sub_bits)) {
			if (width != 1)
				ok_shape = 0;
		} else {
			if ((width & (width - 1)) != 0 || (uint64_t)b->lo % width != 0)
				ok_shape = 0;
			if ((double)width > ldexp((double)b->lo, -(sub_bits - 1)))
				ok_shape = 0;
			/* lo and hi share their highest set bit. */
			if (__builtin_clzll((uint64_t)b->lo) != __builtin_clzll((uint64_t)b->hi))
				ok_shape = 0;
		}
		prev_hi = b->hi;
		uint64_t c = 0;
		while (j < n && sorted[j] < b->lo)
			j++, ok_counts = 0; /* a sample fell in no reported bucket */
		while (j < n && sorted[j] <= b->hi)
			j++, c++;
		if (c != b->count)
			ok_counts = 0;
		total += b->count;
	}
	CU_ASSERT_TRUE(ok_shape);
	CU_ASSERT_TRUE(ok_counts);
	CU_ASSERT_EQUAL(j, n);
	CU_ASSERT_EQUAL(total, hdr_count(h));
	/* Never more buckets than the fixed array holds. */
	CU_ASSERT(bs->len <= (guint)((65 - sub_bits) << (sub_bits - 1)));
	g_array_free(bs, TRUE);
}

/* Quantiles as integer fractions, so the expected rank is computed without
 * floating point: rank = ceil(num * n / den). */
static const struct {
	double q;
	uint64_t num, den;
} quantiles[] = {
	{ 0.5, 1, 2 }, { 0.9, 9, 10 }, { 0.99, 99, 100 }, { 0.999, 999, 1000 }, { 1.0, 1, 1 },
};

static void check_quantiles(const hdr_hist *h, const int64_t *sorted, size_t n)
{
	double eps = hdr_relative_error(h);
	int ok_err = 1, ok_side = 1;
	for (size_t k = 0; k < G_N_ELEMENTS(quantiles); k++) {
		uint64_t rank = (quantiles[k].num * n + quantiles[k].den - 1) / quantiles[k].den;
		int64_t exact = sorted[rank - 1];
		int64_t got = hdr_quantile(h, quantiles[k].q);
		/* The reported value is the top of the exact value's bucket. */
		if (got < exact)
			ok_side = 0;
		if (exact == 0 ? got != 0 : (double)(got - exact) > eps * (double)exact)
			ok_err = 0;
	}
	CU_ASSERT_TRUE(ok_side);
	CU_ASSERT_TRUE(ok_err);
	CU_ASSERT_EQUAL(hdr_quantile(h, 1.0), sorted[n - 1]);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.0), sorted[0]);
	CU_ASSERT_EQUAL(hdr_min(h), sorted[0]);
	CU_ASSERT_EQUAL(hdr_max(h), sorted[n - 1]);
	CU_ASSERT_EQUAL(hdr_count(h), n);
	unsigned __int128 sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (uint64_t)sorted[i];
	double mean = (double)((long double)sum / n);
	ASSERT_NEAR(hdr_mean(h), mean, fabs(mean) * 4 * DBL_EPSILON);
}

enum { D_UNIFORM, D_EXP, D_PARETO, D_LOGUNIFORM };

/* Samples in nanoseconds.  n is deliberately not a multiple of 1000, so no
 * q * n is an integer and the rank does not hinge on rounding. */
static void fill(int64_t *x, size_t n, int kind, uint64_t seed)
{
	rng r;
	rng_init(&r, seed, "stats/hdr");
	for (size_t i = 0; i < n; i++) {
		double u = rng_uniform_open(&r);
		switch (kind) {
		case D_UNIFORM:    /* 0 .. 1 s */
			x[i] = (int64_t)rng_below(&r, 1000000000);
			break;
		case D_EXP:        /* mean 1 ms; 1 ns .. ~40 ms */
			x[i] = (int64_t)(-1e6 * log(u));
			break;
		case D_PARETO:     /* alpha 1.1 from 1 us: tails to hours */
			x[i] = (int64_t)(1e3 * pow(u, -1.0 / 1.1));
			break;
		default:           /* log-uniform, 1 ns .. 10 s */
			x[i] = (int64_t)exp(u * log(1e10));
			break;
		}
	}
}

#define HN 100003

static void run_distribution(int kind)
{
	int64_t *x = g_new(int64_t, HN);
	fill(x, HN, kind, 42 + (uint64_t)kind);
	const int subs[] = { 4, 8, 12 };
	for (size_t s = 0; s < G_N_ELEMENTS(subs); s++) {
		hdr_hist *h = hdr_new(subs[s]);
		ASSERT_NEAR(hdr_relative_error(h), ldexp(1.0, -(subs[s] - 1)), 0);
		for (size_t i = 0; i < HN; i++)
			hdr_record(h, x[i]);
		int64_t *sorted = g_memdup2(x, HN * sizeof(*x));
		qsort(sorted, HN, sizeof(*sorted), cmp_i64);
		check_quantiles(h, sorted, HN);
		check_buckets(h, subs[s], sorted, HN);
		g_free(sorted);
		hdr_free(h);
	}
	g_free(x);
}

static void test_hdr_uniform(void) { run_distribution(D_UNIFORM); }
static void test_hdr_exponential(void) { run_distribution(D_EXP); }
static void test_hdr_pareto(void) { run_distribution(D_PARETO); }
static void test_hdr_loguniform(void) { run_distribution(D_LOGUNIFORM); }

static void test_hdr_hand(void)
{
	/* sub_bits 8: 1001 lies in [1000, 1003] (width 4 in [512, 1024)), 5000
	 * in [4992, 5023] (width 32 in [4096, 8192)). */
	hdr_hist *h = hdr_new(8);
	CU_ASSERT_EQUAL(hdr_relative_error(h), 1.0 / 128);
	CU_ASSERT_EQUAL(hdr_count(h), 0);
	CU_ASSERT_EQUAL(hdr_min(h), 0);
	CU_ASSERT_EQUAL(hdr_max(h), 0);
	CU_ASSERT_EQUAL(hdr_mean(h), 0.0);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.5), 0);
	hdr_record(h, 1001);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.5), 1001); /* top 1003 clamped to max */
	hdr_record(h, 5000);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.0), 1001);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.5), 1003);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.51), 5000);
	CU_ASSERT_EQUAL(hdr_quantile(h, 1.0), 5000);
	CU_ASSERT_EQUAL(hdr_mean(h), 3000.5);
	GArray *bs = buckets_of(h);
	CU_ASSERT_EQUAL(bs->len, 2);
	if (bs->len == 2) {
		bucket *b0 = &g_array_index(bs, bucket, 0), *b1 = &g_array_index(bs, bucket, 1);
		CU_ASSERT(b0->lo == 1000 && b0->hi == 1003 && b0->count == 1);
		CU_ASSERT(b1->lo == 4992 && b1->hi == 5023 && b1->count == 1);
	}
	g_array_free(bs, TRUE);

	/* Negative values count as 0. */
	hdr_record(h, -7);
	hdr_record(h, INT64_MIN);
	CU_ASSERT_EQUAL(hdr_min(h), 0);
	CU_ASSERT_EQUAL(hdr_count(h), 4);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.5), 0);
	CU_ASSERT_EQUAL(hdr_mean(h), 6001.0 / 4);
	hdr_free(h);
}

static void test_hdr_rank_decimal(void)
{
	/* 1..100: the 7th percentile is 7, although 0.07 * 100 evaluates to
	 * 7.000000000000001 in doubles. */
	hdr_hist *h = hdr_new(8);
	for (int v = 1; v <= 100; v++)
		hdr_record(h, v);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.07), 7);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.5), 50);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.501), 51);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.99), 99);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.001), 1);
	hdr_free(h);
}

static void test_hdr_small_exact(void)
{
	/* Every value below 2^sub_bits is its own bucket. */
	const int subs[] = { 4, 8 };
	for (size_t s = 0; s < G_N_ELEMENTS(subs); s++) {
		int64_t top = INT64_C(1) << subs[s];
		hdr_hist *h = hdr_new(subs[s]);
		for (int64_t v = 0; v < top; v++)
			hdr_record_n(h, v, 3);
		/* rank ceil(q * 3 * top) falls on value (rank - 1) / 3. */
		int ok = 1;
		for (int64_t r = 1; r <= 3 * top; r++) {
			double q = ((double)r - 0.5) / (double)(3 * top);
			if (hdr_quantile(h, q) != (r - 1) / 3)
				ok = 0;
		}
		CU_ASSERT_TRUE(ok);
		GArray *bs = buckets_of(h);
		CU_ASSERT_EQUAL(bs->len, (guint)top);
		ok = 1;
		for (guint i = 0; i < bs->len; i++) {
			bucket *b = &g_array_index(bs, bucket, i);
			if (b->lo != (int64_t)i || b->hi != (int64_t)i || b->count != 3)
				ok = 0;
		}
		CU_ASSERT_TRUE(ok);
		g_array_free(bs, TRUE);
		hdr_free(h);
	}
}

static void test_hdr_merge(void)
{
	int64_t *x = g_new(int64_t, HN);
	fill(x, HN, D_PARETO, 7);
	hdr_hist *whole = hdr_new(8), *a = hdr_new(8), *b = hdr_new(8), *empty = hdr_new(8);
	for (size_t i = 0; i < HN; i++) {
		hdr_record(whole, x[i]);
		hdr_record(i % 3 ? a : b, x[i]);
	}
	hdr_merge(a, empty);   /* no-op */
	hdr_merge(empty, b);   /* into an empty one: a copy */
	hdr_merge(a, empty);
	CU_ASSERT_EQUAL(hdr_count(a), hdr_count(whole));
	CU_ASSERT_EQUAL(hdr_min(a), hdr_min(whole));
	CU_ASSERT_EQUAL(hdr_max(a), hdr_max(whole));
	CU_ASSERT_EQUAL(hdr_mean(a), hdr_mean(whole));
	for (size_t k = 0; k < G_N_ELEMENTS(quantiles); k++) {
		double q = quantiles[k].q;
		CU_ASSERT_EQUAL(hdr_quantile(a, q), hdr_quantile(whole, q));
	}
	GArray *ba = buckets_of(a), *bw = buckets_of(whole);
	CU_ASSERT_TRUE(same_buckets(ba, bw));
	g_array_free(ba, TRUE);
	g_array_free(bw, TRUE);
	hdr_free(whole);
	hdr_free(a);
	hdr_free(b);
	hdr_free(empty);
	g_free(x);
}

static void test_hdr_record_n_reset(void)
{
	hdr_hist *one = hdr_new(8), *many = hdr_new(8);
	const int64_t vals[] = { 0, 3, 300, 70000, 123456789 };
	const uint64_t reps[] = { 2, 5, 1, 9, 4 };
	for (size_t k = 0; k < G_N_ELEMENTS(vals); k++) {
		hdr_record_n(many, vals[k], reps[k]);
		for (uint64_t r = 0; r < reps[k]; r++)
			hdr_record(one, vals[k]);
	}
	hdr_record_n(many, 999999999, 0); /* n = 0 records nothing */
	CU_ASSERT_EQUAL(hdr_count(many), 21);
	CU_ASSERT_EQUAL(hdr_max(many), 123456789);
	CU_ASSERT_EQUAL(hdr_mean(many), hdr_mean(one));
	ASSERT_NEAR(hdr_mean(many), (5 * 3 + 300 + 9 * 70000 + 4 * 123456789.0) / 21, 1e-6);
	GArray *b1 = buckets_of(one), *b2 = buckets_of(many);
	CU_ASSERT_TRUE(same_buckets(b1, b2));
	g_array_free(b1, TRUE);
	g_array_free(b2, TRUE);

	hdr_reset(many);
	CU_ASSERT_EQUAL(hdr_count(many), 0);
	CU_ASSERT_EQUAL(hdr_min(many), 0);
	CU_ASSERT_EQUAL(hdr_max(many), 0);
	CU_ASSERT_EQUAL(hdr_mean(many), 0.0);
	CU_ASSERT_EQUAL(hdr_quantile(many, 0.5), 0);
	b2 = buckets_of(many);
	CU_ASSERT_EQUAL(b2->len, 0);
	g_array_free(b2, TRUE);
	/* Fresh min and max after a reset, not the old ones. */
	hdr_record(many, 500);
	hdr_record(many, 600);
	CU_ASSERT_EQUAL(hdr_min(many), 500);
	CU_ASSERT_EQUAL(hdr_max(many), 600);
	CU_ASSERT_EQUAL(hdr_count(many), 2);
	hdr_free(one);
	hdr_free(many);
}

/* Counters come in one block per power of two that holds a sample: a
 * histogram of latencies between 1 ms and 100 ms holds 7 or 8 blocks of
 * 1 KB, not the 57 KB of the whole int64 range, and quantiles across the
 * unallocated gaps are those of the samples. */
static void test_hdr_memory_sparse(void)
{
	hdr_hist *h = hdr_new(8);
	size_t empty = hdr_memory(h);
	CU_ASSERT(empty < 1024);
	for (int64_t v = 1000000; v <= 100000000; v += 99991)
		hdr_record(h, v);
	size_t used = hdr_memory(h);
	CU_ASSERT(used > empty);
	CU_ASSERT(used <= empty + 8 * 128 * sizeof(uint64_t));
	/* Two samples 2^40 apart: two blocks, quantiles on either side. */
	hdr_hist *g = hdr_new(8);
	hdr_record(g, 5);
	hdr_record(g, INT64_C(1) << 40);
	CU_ASSERT_EQUAL(hdr_memory(g), empty + 2 * 128 * sizeof(uint64_t));
	CU_ASSERT_EQUAL(hdr_quantile(g, 0.5), 5);
	CU_ASSERT_EQUAL(hdr_quantile(g, 1.0), INT64_C(1) << 40);
	hdr_merge(h, g);
	CU_ASSERT_EQUAL(hdr_quantile(h, 0.0), 5);
	CU_ASSERT_EQUAL(hdr_max(h), INT64_C(1) << 40);
	hdr_reset(h);
	CU_ASSERT_EQUAL(hdr_memory(h), empty);
	hdr_free(g);
	hdr_free(h);
}

static void test_hdr_million(void)
{
	/* A counter block per power of two in use, at most 57; a million
	 * samples only add to them.  This checks the counts and the quantiles
	 * stay right at volume, and the memory stays that of the blocks. */
	const size_t n = 1000000;
	int64_t *x = g_new(int64_t, n);
	fill(x, n, D_LOGUNIFORM, 99);
	hdr_hist *h = hdr_new(8);
	for (size_t i = 0; i < n; i++)
		hdr_record(h, x[i]);
	CU_ASSERT_EQUAL(hdr_count(h), n);
	CU_ASSERT(hdr_memory(h) <= 1024 + 57 * 128 * sizeof(uint64_t));
	qsort(x, n, sizeof(*x), cmp_i64);
	check_quantiles(h, x, n);
	check_buckets(h, 8, x, n);
	hdr_free(h);
	g_free(x);
}

static void test_hdr_extremes(void)
{
	const int subs[] = { 4, 8, 16 };
	for (size_t s = 0; s < G_N_ELEMENTS(subs); s++) {
		hdr_hist *h = hdr_new(subs[s]);
		hdr_record(h, INT64_MAX);
		hdr_record(h, INT64_MAX - 1);
		hdr_record(h, INT64_C(1) << 62);
		hdr_record(h, (INT64_C(1) << 62) - 1);
		hdr_record_n(h, INT64_MAX, UINT64_C(1) << 40); /* sum near 2^103 */
		CU_ASSERT_EQUAL(hdr_max(h), INT64_MAX);
		CU_ASSERT_EQUAL(hdr_min(h), (INT64_C(1) << 62) - 1);
		CU_ASSERT_EQUAL(hdr_quantile(h, 1.0), INT64_MAX);
		CU_ASSERT_EQUAL(hdr_quantile(h, 0.5), INT64_MAX);
		CU_ASSERT_EQUAL(hdr_quantile(h, 0.0), (INT64_C(1) << 62) - 1);
		/* Rank 1 of 2^40 + 4 is the smallest value, 2^62 - 1, which is
		 * also the top of its bucket. */
		CU_ASSERT_EQUAL(hdr_quantile(h, 1e-15), (INT64_C(1) << 62) - 1);
		double m = hdr_mean(h);
		CU_ASSERT(isfinite(m));
		ASSERT_NEAR(m, 9.223372036854775807e18, 9.3e18 * 1e-10);
		GArray *bs = buckets_of(h);
		CU_ASSERT(bs->len >= 2);
		if (bs->len >= 2) {
			bucket *last = &g_array_index(bs, bucket, bs->len - 1);
			CU_ASSERT_EQUAL(last->hi, INT64_MAX);
			CU_ASSERT(last->lo > INT64_C(1) << 62);
			/* The two values just below 2^62 and at 2^62 are in
			 * different buckets (2^62 starts a new power of two). */
			bucket *b0 = &g_array_index(bs, bucket, 0);
			CU_ASSERT_EQUAL(b0->hi, (INT64_C(1) << 62) - 1);
			CU_ASSERT_EQUAL(b0->count, 1);
		}
		g_array_free(bs, TRUE);
		hdr_free(h);
	}
}

/* By hand: 1..5 has mean 3, sample sd sqrt(2.5), standard error
 * sqrt(0.5); t(4, 0.975) = 2.776 (tables), so the half-width is 1.963.
 * Beyond the table, the expansion meets the normal quantile. */
static void test_mean_ci95(void)
{
	const double x[] = { 1, 2, 3, 4, 5 };
	double m, ci;
	stats_mean_ci95(x, 5, &m, &ci);
	ASSERT_NEAR(m, 3, 1e-12);
	ASSERT_NEAR(ci, 2.776 * sqrt(0.5), 1e-9);
	stats_mean_ci95(x, 1, &m, &ci);
	ASSERT_NEAR(m, 1, 1e-12);
	CU_ASSERT(isnan(ci));
	ASSERT_NEAR(stats_t975(1), 12.706, 1e-9);
	ASSERT_NEAR(stats_t975(30), 2.042, 1e-9);
	ASSERT_NEAR(stats_t975(40), 2.021, 1e-3);   /* tables: 2.0211 */
	ASSERT_NEAR(stats_t975(120), 1.980, 1e-3);  /* 1.9799 */
	ASSERT_NEAR(stats_t975(100000), 1.960, 1e-3);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("welford");
	CU_add_test(s, "mean and 95% interval (Student's t)", test_mean_ci95);
	CU_add_test(s, "hand example", test_welford_hand);
	CU_add_test(s, "against two passes", test_welford_two_pass);
	CU_add_test(s, "Chan merge equals one pass", test_welford_merge);

	s = harness_suite("hdr");
	CU_add_test(s, "hand-computed buckets", test_hdr_hand);
	CU_add_test(s, "decimal quantile ranks", test_hdr_rank_decimal);
	CU_add_test(s, "small values exact", test_hdr_small_exact);
	CU_add_test(s, "uniform 0..1 s", test_hdr_uniform);
	CU_add_test(s, "exponential", test_hdr_exponential);
	CU_add_test(s, "pareto heavy tail", test_hdr_pareto);
	CU_add_test(s, "log-uniform 1 ns..10 s", test_hdr_loguniform);
	CU_add_test(s, "merge equals one histogram", test_hdr_merge);
	CU_add_test(s, "record_n and reset", test_hdr_record_n_reset);
	CU_add_test(s, "a million samples", test_hdr_million);
	CU_add_test(s, "memory: a block per power of two in use", test_hdr_memory_sparse);
	CU_add_test(s, "values near INT64_MAX", test_hdr_extremes);
}
