/* \summary: side-by-side comparison of connectivity options: latency, hops, $/GB, $/month, what each allows */
#ifndef VPCSIM_COMPARE_H
#define VPCSIM_COMPARE_H

#include <stdio.h>
#include <glib.h>

#include "build.h"
#include "estimate.h"
#include "reach.h"
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
/*
 * Each option runs `repeat` times, repetition 0 with the scenario's seed
 * (or --seed) and repetition r with a seed hashed from it and r; the
 * figures are means over the repetitions, each with the half-width of its
 * 95% confidence interval (Student's t; NAN with one repetition).  Paths,
 * properties and captures come from repetition 0.
 *
 * Monthly figures follow the workload's configured rate, not the count a
 * sample happened to hold: requests per month = offered requests per
 * second x 3600 x hours per month; GB per month = that x bytes per
 * completed request; the ledger projects its per-GB and capacity lines the
 * same way (cost_ledger_set_volume_scale), tiers applied to the month's
 * volume; hourly charges are per month.
 *
 * Shared charges are those of the service the clients call, the same
 * whichever way they reach it: the hourly ("hourly" lines, not an address's
 * public-ipv4 hours) and capacity (LCU) charges of the load balancer in
 * front of the targets (the last one on the request path) and of the
 * targets.  Everything else is the option's own.
 */
typedef enum {
	CMP_P50, CMP_P99, CMP_P999, CMP_MEAN, CMP_BYTES, CMP_USD_PER_GB, CMP_FIXED, CMP_MONTH_GB,
	CMP_SHARED, CMP_OWN, CMP_OWN_FIXED, CMP_OWN_USD_PER_GB, CMP_TOTAL, CMP__N
} compare_figure;

typedef struct {
	char *file;
	char *name;
	char *description;
	scenario *sc;
	world *w;
	report *r;               /* repetition 0's; its ledger belongs to w */
	const report_workload *wl;
	guint reps;              /* repetitions that ran */
	double mean[CMP__N];     /* over the repetitions */
	double ci95[CMP__N];     /* half-widths; NAN with one repetition */
	double p50_ms, p99_ms, p999_ms;
	guint constructs;
	double wire_bytes_per_request;
	double traffic_gb;       /* request + response IP bytes at the clients, in billed GB (rep 0) */
	double variable_run_usd; /* per-GB and capacity lines (rep 0) */
	double usd_per_gb;       /* variable charges per GB exchanged */
	double fixed_month_usd;  /* hourly lines over a month */
	double total_month_usd;  /* at the workload's configured rate */
	double month_gb;         /* the workload's traffic over a month at its configured rate */
	double shared_month_usd, own_month_usd;
	double offered_per_s;    /* configured requests per second, all clients */
	uint64_t sent, completed, failed, unfinished; /* summed over the repetitions */
	GArray *failures;        /* report_count: failed requests by reason, summed likewise */
	gboolean carried;        /* in every repetition */
	char *load_note;         /* the first repetition's reason when not */
	char *transitive, *overlap, *exposure, *growth, *quota;
	char **sets;             /* the overrides it ran with (its own, prefix removed) */
	GPtrArray *not_applied;  /* char *: --set texts, as given, naming a group it lacks */
	/* The reachable surface (cli/reach.c; the configuration counts are models/config.c): a scan
	 * from the workload's first client, with the scenario's security
	 * groups and with every group open; and the configuration to keep. */
	reach_result *reach;     /* NULL when properties are skipped */
	sc_config cfg;
} compare_option;

typedef struct {
	GPtrArray *options;      /* compare_option * */
	guint repeat;
	char *cheapest, *fastest; /* among the options that carried their load; NULL if none */
	char *not_carried;       /* "alb-public (why)" for each option that did not, or NULL */
	char *ties;              /* options that cannot be told apart at this sample size, or NULL */
	char *own_crossover;     /* the crossover on the options' own charges */
	GArray *own_breaks;
	char *crossover;         /* where the cheapest option changes with volume, in words */
	GArray *breaks;          /* double: GB per month where the cheapest changes */
	gboolean partial;        /* stopped by *stop: the last option ran part of its time */
	char *stopped;           /* then in words: which option, when, which were not run */
	uint64_t seed;           /* repetition 0's seed (the first option's) */
	int64_t duration_ns;     /* the first option's sending time */
	char **sets;             /* the overrides, as given */
} compare_result;

/* Runs every file with the overrides; on failure returns NULL with an error
 * naming the file.  With pcap_dir, captures go there (capture = points).
 * When *stop becomes non-zero (a signal) the option running stops at its
 * current simulated time, its captures are published, the options after
 * it are not run, and the result is marked partial.  A capture write that
 * fails stops the run at once: an error, that run's captures removed.
 * With `lim`, an option whose estimated needs (every repetition's world
 * is freed before the next, so the options' repetitions 0, which stay in
 * memory, add up) exceed a limit is refused before it runs (estimate.h). */
typedef struct {
	const char *pcap_dir;    /* captures of repetition 0 go there, or NULL */
	const char *capture;     /* capture points, or NULL: each scenario's own */
	volatile int *stop;      /* set by a signal: stop at the current simulated time */
	const estimate_limits *lim; /* the resource guard's limits, or NULL */
	guint repeat;            /* repetitions of each option; 0 means 1 */
	gboolean progress;       /* a progress line on stderr */
	gboolean no_properties;  /* skip what each option allows or forbids (the overlapping-CIDR
	                            try loads the scenario again): sweeps record figures only */
} compare_options;

/*
 * Overrides: "GROUP.KEY=VALUE" applies to every option that has GROUP
 * (scenario and vars always exist); an option lacking the group runs
 * without it, and the outputs say so (compare_option.not_applied); one
 * that no option has is an error.  "OPTION:GROUP.KEY=VALUE" applies to the
 * option of that name only (its [scenario] name, or its file name without
 * .ini), where GROUP must exist.
 */
compare_result *compare_run(const char *const *files, const char *const *sets,
                            const compare_options *opt, GError **error);

/* Checks that every "OPTION:" prefix of `sets` names one of `files`;
 * FALSE with an error naming the --set and the options otherwise (a bad
 * command line). */
gboolean compare_check_sets(const char *const *files, const char *const *sets, GError **error);

/* The default repetitions: enough for intervals a decision can use (the
 * t factor falls from 12.7 at two to 2.8 at five) at a few seconds for the
 * four bundled options. */
#define COMPARE_DEFAULT_REPEAT 5

/* TRUE when every option carried its load. */
gboolean compare_all_carried(const compare_result *c);
void compare_free(compare_result *c);

/* The cheapest option at a monthly volume, by index. */
guint compare_cheapest_at(const compare_result *c, double gb_per_month);

gboolean compare_write(const compare_result *c, report_format f, FILE *out);

/* gnuplot scripts (and, when gnuplot exists, PNG images) for the latency
 * CDF of each option and the monthly cost against traffic volume.  Returns
 * FALSE with an error on I/O; *rendered says whether images were made. */
gboolean compare_plot(const compare_result *c, const char *dir, gboolean *rendered, GError **error);

#endif
