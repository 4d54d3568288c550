/* \summary: streaming statistics: mean and variance, and an HDR-style histogram */
#ifndef VPCSIM_STATS_H
#define VPCSIM_STATS_H

#include <stdint.h>
#include <glib.h>

/* Welford's streaming mean and variance (numerically stable), with min/max. */
typedef struct {
	uint64_t n;
	double mean, m2, min, max;
} stats_acc;

void stats_acc_init(stats_acc *a);
void stats_acc_add(stats_acc *a, double x);
/* Merges b into a (Chan et al. parallel formula). */
void stats_acc_merge(stats_acc *a, const stats_acc *b);
double stats_acc_var(const stats_acc *a);    /* sample variance (n-1); 0 if n < 2 */
double stats_acc_stddev(const stats_acc *a);

/*
 * A histogram of non-negative integers (nanoseconds, bytes) with bounded
 * relative error, in the manner of HdrHistogram: values below 2^sub_bits are
 * exact; above, each power-of-two range is split into 2^(sub_bits-1) equal
 * buckets, so a reported quantile is within a factor 2^-(sub_bits-1) of a
 * recorded value.  Memory never grows with the number of samples: a header,
 * and a block of 2^(sub_bits-1) counters for each power-of-two range of
 * values that holds a sample, allocated when the first one arrives; at most
 * (64 - sub_bits + 1) blocks.
 */
typedef struct hdr_hist hdr_hist;

/* sub_bits in [4, 16]; 8 gives < 1% relative error, in 1 KB per power of
 * two the samples span (57 KB if they spanned all of int64). */
hdr_hist *hdr_new(int sub_bits);
void hdr_free(hdr_hist *h);
void hdr_reset(hdr_hist *h);
void hdr_record(hdr_hist *h, int64_t value);             /* negative values count as 0 */
void hdr_record_n(hdr_hist *h, int64_t value, uint64_t n);
/* Adds every count of src into dst; both must have the same sub_bits. */
void hdr_merge(hdr_hist *dst, const hdr_hist *src);

/* Bytes the histogram holds (header and allocated blocks). */
size_t hdr_memory(const hdr_hist *h);

uint64_t hdr_count(const hdr_hist *h);
int64_t hdr_min(const hdr_hist *h);  /* exact; 0 when empty */
int64_t hdr_max(const hdr_hist *h);  /* exact; 0 when empty */
double hdr_mean(const hdr_hist *h);  /* exact (kept as a running sum) */
/* The value at quantile q in [0, 1]: the smallest bucket value v such that at
 * least ceil(q * count) samples are <= v's bucket, reported as the bucket's
 * highest equivalent value clamped to [min, max].  0 when empty. */
int64_t hdr_quantile(const hdr_hist *h, double q);
/* Worst-case relative error of hdr_quantile for this histogram. */
double hdr_relative_error(const hdr_hist *h);

/* Iterates non-empty buckets in increasing order: calls fn(lo, hi, count)
 * with the bucket's value range [lo, hi].  For CDF plots. */
void hdr_foreach(const hdr_hist *h, void (*fn)(int64_t lo, int64_t hi, uint64_t count, void *ud), void *ud);

/* The mean of n samples and the half-width of its 95% confidence interval
 * (Student's t at 0.975; NAN with fewer than two samples).  Used for
 * repetitions over independent seeds (compare --repeat, sweep repeat). */
void stats_mean_ci95(const double *x, unsigned n, double *mean, double *ci95);
/* Student's t quantile at 0.975 for df degrees of freedom (df >= 1). */
double stats_t975(unsigned df);

#endif
