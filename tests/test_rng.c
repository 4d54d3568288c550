/* \summary: rng tests: reference vector, stream keying, uniformity, bounds */
#include "harness.h"
#include "rng.h"

/* The published xoshiro256** outputs from the state {1, 2, 3, 4}, as in the
 * rand_xoshiro crate's test, produced with Blackman and Vigna's reference C. */
static void test_reference_vector(void)
{
	static const uint64_t want[] = {
		UINT64_C(11520),
		UINT64_C(0),
		UINT64_C(1509978240),
		UINT64_C(1215971899390074240),
		UINT64_C(1216172134540287360),
		UINT64_C(607988272756665600),
		UINT64_C(16172922978634559625),
		UINT64_C(8476171486693032832),
		UINT64_C(10595114339597558777),
		UINT64_C(2904607092377533576),
	};
	rng r = { { 1, 2, 3, 4 } };
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
		CU_ASSERT_EQUAL(rng_next(&r), want[i]);
}

static gboolean same_stream(uint64_t seed_a, const char *a, uint64_t seed_b, const char *b,
                            int n)
{
	rng ra, rb;
	rng_init(&ra, seed_a, a);
	rng_init(&rb, seed_b, b);
	for (int i = 0; i < n; i++)
		if (rng_next(&ra) != rng_next(&rb))
			return FALSE;
	return TRUE;
}

static void test_streams(void)
{
	CU_ASSERT_TRUE(same_stream(42, "vpc-a/client-1", 42, "vpc-a/client-1", 1000));
	CU_ASSERT_FALSE(same_stream(42, "vpc-a/client-1", 42, "vpc-a/client-2", 1000));
	CU_ASSERT_FALSE(same_stream(42, "vpc-a/client-1", 43, "vpc-a/client-1", 1000));
	CU_ASSERT_FALSE(same_stream(0, "a", 0, "b", 1));
	CU_ASSERT_TRUE(same_stream(7, NULL, 7, "", 100));

	/* Not just different: unrelated.  Over 64k draws, matching bits between
	 * neighbouring streams must be near one half (sd of the fraction is
	 * 0.5/sqrt(64 * 65536) = 2.4e-4). */
	rng ra, rb;
	rng_init(&ra, 1, "x1");
	rng_init(&rb, 1, "x2");
	uint64_t same = 0;
	const int n = 65536;
	for (int i = 0; i < n; i++)
		same += (uint64_t)__builtin_popcountll(~(rng_next(&ra) ^ rng_next(&rb)));
	ASSERT_NEAR((double)same / (64.0 * n), 0.5, 5 * 0.5 / sqrt(64.0 * n));

	/* Every state word is seeded: an all-zero state would be stuck. */
	rng r;
	rng_init(&r, 0, "");
	CU_ASSERT(r.s[0] | r.s[1] | r.s[2] | r.s[3]);
}

static void test_uniform_moments(void)
{
	rng r;
	rng_init(&r, 12345, "uniform");
	const int n = 1000000;
	double sum = 0, sum2 = 0, lo = 1, hi = 0;
	for (int i = 0; i < n; i++) {
		double u = rng_uniform_open(&r);
		sum += u;
		sum2 += (u - 0.5) * (u - 0.5);
		lo = fmin(lo, u);
		hi = fmax(hi, u);
	}
	/* U(0,1): mean 1/2, variance 1/12; Var[(U - 1/2)^2] = 1/80 - 1/144 = 1/180. */
	ASSERT_NEAR(sum / n, 0.5, 5 * sqrt(1.0 / 12 / n));
	ASSERT_NEAR(sum2 / n, 1.0 / 12, 5 * sqrt(1.0 / 180 / n));
	CU_ASSERT(lo > 0 && hi < 1);
}

/* Inverse of an odd number modulo 2^64 by Newton's iteration. */
static uint64_t inverse_odd(uint64_t a)
{
	uint64_t x = a; /* correct to 3 bits for odd a */
	for (int i = 0; i < 5; i++)
		x *= 2 - a * x;
	return x;
}

/* A state whose next output is `out`: output = rotl(s1 * 5, 7) * 9 depends
 * on s[1] only and every step is invertible. */
static rng state_giving(uint64_t out)
{
	uint64_t y = out * inverse_odd(9);
	uint64_t x = (y >> 7) | (y << 57);
	rng r = { { 0, x * inverse_odd(5), 0, 0 } };
	return r;
}

static void test_uniform_open_bounds(void)
{
	rng r = state_giving(0);
	rng probe = r;
	CU_ASSERT_EQUAL(rng_next(&probe), 0);
	double u = rng_uniform_open(&r);
	CU_ASSERT(u > 0);
	CU_ASSERT(u < 1e-15);

	r = state_giving(UINT64_MAX);
	probe = r;
	CU_ASSERT_EQUAL(rng_next(&probe), UINT64_MAX);
	u = rng_uniform_open(&r);
	CU_ASSERT(u < 1);
	CU_ASSERT(u > 1 - 1e-15);
}

static void test_below(void)
{
	rng r;
	rng_init(&r, 99, "below");
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(rng_below(&r, 1), 0);

	/* Six faces, 600k throws: chi-square with 5 degrees of freedom; 20.52
	 * is its 0.999 quantile. */
	const int n = 600000;
	long count[6] = { 0 };
	gboolean in_range = TRUE;
	for (int i = 0; i < n; i++) {
		uint64_t v = rng_below(&r, 6);
		if (v >= 6) {
			in_range = FALSE;
			break;
		}
		count[v]++;
	}
	CU_ASSERT_TRUE(in_range);
	double chi2 = 0, e = n / 6.0;
	for (int i = 0; i < 6; i++)
		chi2 += (count[i] - e) * (count[i] - e) / e;
	CU_ASSERT(chi2 < 20.52);

	/* Large bounds: results stay below n and reach its upper half. */
	uint64_t big = (UINT64_C(1) << 63) + 12345;
	gboolean below = TRUE, upper = FALSE;
	for (int i = 0; i < 1000; i++) {
		uint64_t v = rng_below(&r, big);
		below = below && v < big;
		upper = upper || v >= big / 2;
	}
	CU_ASSERT_TRUE(below);
	CU_ASSERT_TRUE(upper);

	/* The extremes of the generator map to 0 and n - 1. */
	rng lo = state_giving(0), hi = state_giving(UINT64_MAX);
	CU_ASSERT_EQUAL(rng_below(&lo, 10), 0);
	CU_ASSERT_EQUAL(rng_below(&hi, 10), 9);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("rng");
	CU_add_test(s, "reference_vector", test_reference_vector);
	CU_add_test(s, "streams", test_streams);
	CU_add_test(s, "uniform_moments", test_uniform_moments);
	CU_add_test(s, "uniform_open_bounds", test_uniform_open_bounds);
	CU_add_test(s, "below", test_below);
}
