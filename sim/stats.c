/* \summary: streaming statistics: Welford mean/variance and an HDR-style histogram */
#include "stats.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Welford / Chan
 *
 * Welford's update keeps the mean and the sum of squared deviations (m2)
 * instead of sum(x) and sum(x^2), whose difference cancels catastrophically
 * when the mean is large against the spread (latencies of 1 s +- 1 us).
 * Merging uses Chan, Golub and LeVeque's pairwise formula, which is as stable
 * as a single pass.  min and max read 0 while the accumulator is empty, as
 * hdr_min/hdr_max do.  A NaN sample is not rejected; it propagates into mean
 * and m2, which is the honest answer for a NaN input.
 * ------------------------------------------------------------------------ */

void stats_acc_init(stats_acc *a)
{
	g_return_if_fail(a != NULL);
	memset(a, 0, sizeof(*a));
}

void stats_acc_add(stats_acc *a, double x)
{
	if (a->n == 0) {
		a->min = a->max = x;
	} else {
		if (x < a->min)
			a->min = x;
		if (x > a->max)
			a->max = x;
	}
	a->n++;
	double d = x - a->mean;
	a->mean += d / (double)a->n;
	/* d and (x - new mean) have the same sign, so m2 never decreases. */
	a->m2 += d * (x - a->mean);
}

void stats_acc_merge(stats_acc *a, const stats_acc *b)
{
	g_return_if_fail(a != NULL && b != NULL);
	if (b->n == 0)
		return;
	if (a->n == 0) {
		*a = *b;
		return;
	}
	double na = (double)a->n, nb = (double)b->n, n = na + nb;
	double d = b->mean - a->mean;
	a->mean += d * (nb / n);
	a->m2 += b->m2 + d * d * (na * nb / n);
	a->n += b->n;
	if (b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
}

double stats_acc_var(const stats_acc *a)
{
	g_return_val_if_fail(a != NULL, 0.0);
	if (a->n < 2)
		return 0.0;
	return a->m2 / (double)(a->n - 1);
}

double stats_acc_stddev(const stats_acc *a)
{
	return sqrt(stats_acc_var(a));
}

/* ------------------------------------------------------------------------
 * HDR-style histogram
 *
 * With s = sub_bits and H = 2^(s-1), a value v lands in bucket
 *
 *     m     = floor(log2(v | (2^s - 1)))      (so m >= s - 1)
 *     shift = m - (s - 1)
 *     index = shift * H + (v >> shift)
 *
 * Values below 2^s have shift 0 and index v: one exact bucket each.  A value
 * in [2^k, 2^(k+1)) with k >= s has shift k - s + 1 and v >> shift in
 * [H, 2H), so that power-of-two range is cut into H buckets of width
 * 2^shift, each at most 2^-(s-1) of its lowest value.  The index is one
 * count-leading-zeros, a subtraction and a shift: O(1), no branch on the
 * value's size and no allocation.
 *
 * Non-negative int64 values reach k = 62, so the last index is
 * (63 - s) * H + 2H - 1 and there are (65 - s) * H counters: for s = 8,
 * 57 * 128 = 7296 counters of 8 bytes, 58,368 bytes (57 KB).  They are kept
 * in 65 - s blocks of H counters (block b holds indexes b*H .. b*H + H - 1,
 * which is one power-of-two range of values, the two lowest blocks sharing
 * the exact values below 2^s), and a block is allocated when a value first
 * lands in it.  Latencies of one run span a few powers of two, so a
 * histogram holds a few KB (s = 8: 1 KB per block, 456 bytes of block
 * pointers) instead of 57 KB, which matters with thousands of workloads.
 * It never grows with the sample count.
 *
 * The exact mean comes from a 128-bit sum: each value is below 2^63 and the
 * count below 2^64, so the sum stays below 2^127 and cannot overflow.
 * ------------------------------------------------------------------------ */

struct hdr_hist {
	int sub_bits;
	size_t nbuckets;
	size_t nblocks;
	uint64_t count;
	int64_t min, max;    /* exact; meaningful only when count > 0 */
	unsigned __int128 sum;
	uint64_t *blocks[];  /* nblocks pointers to H counters each, NULL until used */
};

static inline size_t hdr__index(int sub_bits, uint64_t v)
{
	uint64_t low_mask = (UINT64_C(1) << sub_bits) - 1;
	int m = 63 - __builtin_clzll(v | low_mask);   /* never clz(0) */
	int shift = m - (sub_bits - 1);
	return ((size_t)shift << (sub_bits - 1)) + (size_t)(v >> shift);
}

/* The count of bucket i (0 in a block never allocated). */
static inline uint64_t hdr__at(const hdr_hist *h, size_t i)
{
	const uint64_t *b = h->blocks[i >> (h->sub_bits - 1)];
	return b ? b[i & (((size_t)1 << (h->sub_bits - 1)) - 1)] : 0;
}

/* The counter of bucket i, allocating its block. */
static inline uint64_t *hdr__slot(hdr_hist *h, size_t i)
{
	size_t bi = i >> (h->sub_bits - 1);
	if (G_UNLIKELY(!h->blocks[bi]))
		h->blocks[bi] = g_new0(uint64_t, (size_t)1 << (h->sub_bits - 1));
	return &h->blocks[bi][i & (((size_t)1 << (h->sub_bits - 1)) - 1)];
}

/* The first bucket after i that may hold a count: i + 1, or the start of
 * the next allocated block when i + 1 starts or lies in an unallocated
 * one. */
static inline size_t hdr__next(const hdr_hist *h, size_t i)
{
	size_t n = i + 1;
	size_t bi = n >> (h->sub_bits - 1);
	while (bi < h->nblocks && !h->blocks[bi])
		n = ++bi << (h->sub_bits - 1);
	return n;
}

/* The value range [*lo, *hi] of bucket i, the inverse of hdr__index. */
static void hdr__range(int sub_bits, size_t i, int64_t *lo, int64_t *hi)
{
	int shift = (int)(i >> (sub_bits - 1)) - 1;
	if (shift < 0)
		shift = 0;
	uint64_t sub = (uint64_t)i - ((uint64_t)shift << (sub_bits - 1));
	/* Unsigned arithmetic: the last bucket ends at exactly 2^63 - 1. */
	uint64_t l = sub << shift;
	*lo = (int64_t)l;
	*hi = (int64_t)(l + ((UINT64_C(1) << shift) - 1));
}

hdr_hist *hdr_new(int sub_bits)
{
	g_return_val_if_fail(sub_bits >= 4 && sub_bits <= 16, NULL);
	size_t nblocks = (size_t)(65 - sub_bits);
	hdr_hist *h = g_malloc0(sizeof(*h) + nblocks * sizeof(h->blocks[0]));
	h->sub_bits = sub_bits;
	h->nblocks = nblocks;
	h->nbuckets = nblocks << (sub_bits - 1);
	return h;
}

void hdr_free(hdr_hist *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nblocks; i++)
		g_free(h->blocks[i]);
	g_free(h);
}

void hdr_reset(hdr_hist *h)
{
	g_return_if_fail(h != NULL);
	for (size_t i = 0; i < h->nblocks; i++)
		g_clear_pointer(&h->blocks[i], g_free);
	h->count = 0;
	h->min = h->max = 0;
	h->sum = 0;
}

void hdr_record_n(hdr_hist *h, int64_t value, uint64_t n)
{
	if (n == 0)
		return;
	if (value < 0)
		value = 0;
	*hdr__slot(h, hdr__index(h->sub_bits, (uint64_t)value)) += n;
	if (h->count == 0) {
		h->min = h->max = value;
	} else {
		if (value < h->min)
			h->min = value;
		if (value > h->max)
			h->max = value;
	}
	h->count += n;
	h->sum += (unsigned __int128)(uint64_t)value * n;
}

void hdr_record(hdr_hist *h, int64_t value)
{
	hdr_record_n(h, value, 1);
}

void hdr_merge(hdr_hist *dst, const hdr_hist *src)
{
	g_return_if_fail(dst != NULL && src != NULL);
	g_return_if_fail(dst->sub_bits == src->sub_bits);
	if (src->count == 0)
		return;
	/* Only the allocated blocks of src can hold counts. */
	const size_t per = (size_t)1 << (src->sub_bits - 1);
	for (size_t bi = 0; bi < src->nblocks; bi++) {
		const uint64_t *sb = src->blocks[bi];
		if (!sb)
			continue;
		uint64_t *db = hdr__slot(dst, bi * per);
		for (size_t k = 0; k < per; k++)
			db[k] += sb[k];
	}
	if (dst->count == 0) {
		dst->min = src->min;
		dst->max = src->max;
	} else {
		if (src->min < dst->min)
			dst->min = src->min;
		if (src->max > dst->max)
			dst->max = src->max;
	}
	dst->count += src->count;
	dst->sum += src->sum;
}

size_t hdr_memory(const hdr_hist *h)
{
	g_return_val_if_fail(h != NULL, 0);
	size_t n = sizeof(*h) + h->nblocks * sizeof(h->blocks[0]);
	for (size_t i = 0; i < h->nblocks; i++)
		if (h->blocks[i])
			n += ((size_t)1 << (h->sub_bits - 1)) * sizeof(uint64_t);
	return n;
}

uint64_t hdr_count(const hdr_hist *h) { return h->count; }
int64_t hdr_min(const hdr_hist *h) { return h->count ? h->min : 0; }
int64_t hdr_max(const hdr_hist *h) { return h->count ? h->max : 0; }

double hdr_mean(const hdr_hist *h)
{
	if (h->count == 0)
		return 0.0;
	/* long double keeps 64 bits of the sum, so the quotient rounds once
	 * more at the final conversion to double. */
	return (double)((long double)h->sum / (long double)h->count);
}

/*
 * ceil(q * count), with one allowance: callers write decimal quantiles
 * (0.07, 0.999) that binary doubles hold only approximately, so q * count can
 * come out a few ulps above the integer the caller meant (0.07 * 100 is
 * 7.000000000000001), and a bare ceil would then skip a whole rank.  Products
 * within a few ulps above an integer are taken as that integer.  This moves a
 * rank only when q * count lies within about 1e-15 relative of an integer,
 * below the precision a double q carries anyway.
 */
static uint64_t hdr__rank(uint64_t count, double q)
{
	double x = q * (double)count;
	double r = ceil(x - x * (4.0 * DBL_EPSILON));
	if (r < 1.0)
		return 1;
	if (r >= (double)count)
		return count;
	return (uint64_t)r;
}

int64_t hdr_quantile(const hdr_hist *h, double q)
{
	g_return_val_if_fail(h != NULL, 0);
	g_return_val_if_fail(q >= 0.0 && q <= 1.0, 0);   /* also rejects NaN */
	if (h->count == 0)
		return 0;
	if (q == 0.0)
		return h->min;
	uint64_t rank = hdr__rank(h->count, q);
	size_t first = hdr__index(h->sub_bits, (uint64_t)h->min);
	size_t last = hdr__index(h->sub_bits, (uint64_t)h->max);
	uint64_t seen = 0;
	size_t i = first;
	while (i < last) {
		seen += hdr__at(h, i);
		if (seen >= rank)
			break;
		i = MIN(hdr__next(h, i), last);
	}
	/* The rank-th smallest sample lies in bucket i, and so do min (if i is
	 * the first bucket) and max (if the last), so the clamp below keeps the
	 * answer inside the bucket and within the stated error of that sample. */
	int64_t lo, hi;
	hdr__range(h->sub_bits, i, &lo, &hi);
	if (hi > h->max)
		hi = h->max;
	if (hi < h->min)
		hi = h->min;
	return hi;
}

double hdr_relative_error(const hdr_hist *h)
{
	g_return_val_if_fail(h != NULL, 0.0);
	return ldexp(1.0, -(h->sub_bits - 1));
}

void hdr_foreach(const hdr_hist *h, void (*fn)(int64_t lo, int64_t hi, uint64_t count, void *ud),
                 void *ud)
{
	g_return_if_fail(h != NULL && fn != NULL);
	if (h->count == 0)
		return;
	size_t first = hdr__index(h->sub_bits, (uint64_t)h->min);
	size_t last = hdr__index(h->sub_bits, (uint64_t)h->max);
	for (size_t i = first; i <= last; i = hdr__next(h, i)) {
		uint64_t c = hdr__at(h, i);
		if (c == 0)
			continue;
		int64_t lo, hi;
		hdr__range(h->sub_bits, i, &lo, &hi);
		fn(lo, hi, c, ud);
	}
}

/* A table for small df, the Cornish-Fisher expansion beyond it (within
 * 1e-3 from df 30 on).  Written by hand: GLib has no statistics. */
double stats_t975(unsigned df)
{
	static const double t[] = { NAN,   12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
		                    2.306, 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
		                    2.120, 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
		                    2.064, 2.060,  2.056, 2.052, 2.048, 2.045, 2.042 };
	if (df < sizeof t / sizeof t[0])
		return t[df];
	double z = 1.959964, n = df;
	return z + (z * z * z + z) / (4 * n) + (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
}

void stats_mean_ci95(const double *x, unsigned n, double *mean, double *ci95)
{
	*mean = NAN;
	*ci95 = NAN;
	if (n == 0)
		return;
	double m = 0;
	for (unsigned i = 0; i < n; i++)
		m += x[i];
	m /= n;
	*mean = m;
	if (n < 2)
		return;
	double ss = 0;
	for (unsigned i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	*ci95 = stats_t975(n - 1) * sqrt(ss / (n - 1) / n);
}
