/* \summary: side-by-side comparison of connectivity options: latency, hops, $/GB, $/month, what each allows */
#ifndef VPCSIM_COMPARE_H
#define VPCSIM_COMPARE_H

#include <stdio.h>
#include <glib.h>

#include "build.h"
#include "estimate.h"
#include "report.h"

/*
 * Each option is a scenario run with the same seed and overrides; what is
 * compared is the scenario's first workload.  Every figure and every
 * "allows / forbids" line comes from the run or from the model:
 *
 *  - transitive routing, exposure to the internet, how the number of
 *    connections grows with the number of VPCs, and the quota met first
 *    follow from the kinds of construct the request crossed;
 *  - overlapping CIDRs is tried for real: the scenario is loaded again with
 *    the target VPC renumbered into the client VPC's range, and the loader's
 *    verdict (and reason) is reported.
 */
typedef struct {
	char *file;
	char *name;
	char *description;
	scenario *sc;
	world *w;
	report *r;               /* its ledger belongs to w */
	const report_workload *wl;
	double p50_ms, p99_ms, p999_ms;
	guint constructs;
	double wire_bytes_per_request;
	double traffic_gb;       /* request + response IP bytes at the clients, in billed GB */
	double variable_run_usd; /* per-GB and capacity lines */
	double usd_per_gb;       /* variable_run_usd / traffic_gb */
	double fixed_month_usd;  /* hourly lines over a month */
	double total_month_usd;  /* at the workload's rate */
	double month_gb;         /* the workload's traffic over a month */
	char *transitive, *overlap, *exposure, *growth, *quota;
} compare_option;

typedef struct {
	GPtrArray *options;      /* compare_option * */
	char *cheapest, *fastest;
	char *crossover;         /* where the cheapest option changes with volume, in words */
	GArray *breaks;          /* double: GB per month where the cheapest changes */
	gboolean partial;        /* stopped by *stop: the last option ran part of its time */
	char *stopped;           /* then in words: which option, when, which were not run */
} compare_result;

/* Runs every file with the overrides; on failure returns NULL with an error
 * naming the file.  With pcap_dir, captures go there (capture = points).
 * When *stop becomes non-zero (a signal) the option running stops at its
 * current simulated time, its captures are published, the options after
 * it are not run, and the result is marked partial.  A capture write that
 * fails stops the run at once: an error, that run's captures removed.
 * With `lim`, an option whose estimated needs, with those of the options
 * before it (all stay in memory), exceed a limit is refused before it runs
 * (estimate.h). */
compare_result *compare_run(const char *const *files, const char *const *sets, const char *pcap_dir,
                            const char *capture, volatile int *stop, const estimate_limits *lim,
                            GError **error);
void compare_free(compare_result *c);

/* The cheapest option at a monthly volume, by index. */
guint compare_cheapest_at(const compare_result *c, double gb_per_month);

gboolean compare_write(const compare_result *c, report_format f, FILE *out);

/* gnuplot scripts (and, when gnuplot exists, PNG images) for the latency
 * CDF of each option and the monthly cost against traffic volume.  Returns
 * FALSE with an error on I/O; *rendered says whether images were made. */
gboolean compare_plot(const compare_result *c, const char *dir, gboolean *rendered, GError **error);

#endif
