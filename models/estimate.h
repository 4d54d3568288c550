/* \summary: the pre-run resource guard: the memory and events a run will need, from the scenario */
#ifndef VPCSIM_ESTIMATE_H
#define VPCSIM_ESTIMATE_H

#include <glib.h>
#include "scenario.h"

/*
 * Before a run builds anything, run, compare and trace estimate its peak
 * memory and its event count from the scenario (instances, clients per
 * workload, connections, rate x duration, latency histograms, capture
 * buffers) and refuse a run that would exceed a limit, naming the estimate
 * and the key that drives it: a scenario of 60,000 clients or 65,536
 * workloads otherwise grows for minutes and is killed by the kernel.  The
 * per-element costs are one table in estimate.c (ESTIMATE_COST), calibrated
 * against measured peak RSS; validate prints the estimate.
 */
typedef struct {
	double memory;    /* bytes at the peak */
	double events;    /* events the run executes */
	double requests;  /* requests (datagrams for UDP) all clients send */
	/* The largest part of each, for messages: the key as "[workload web]
	 * clients" and what it stands for. */
	char *memory_key, *memory_why;
	char *events_key, *events_why;
} estimate;

typedef struct {
	double max_memory; /* bytes; 0 = no limit */
	double max_events; /* 0 = no limit */
} estimate_limits;

/* Estimates a run of `sc` (only `only` when not NULL, as trace runs one
 * request), capturing `capture` points (NULL: the scenario's own) when
 * `captures` is TRUE.  Clear with estimate_clear(). */
void estimate_run(const scenario *sc, const sc_workload *only, gboolean captures,
                  const char *capture, estimate *out);
void estimate_clear(estimate *e);

/* The default limits: the memory the kernel reports available
 * (MemAvailable in /proc/meminfo; none when unreadable), no event limit. */
void estimate_limits_default(estimate_limits *lim);

/* Reads --max-memory (a size such as 4GB) and --max-events (a number such
 * as 1e9) over the defaults; either may be NULL.  FALSE with an error that
 * names the option otherwise. */
gboolean estimate_limits_parse(estimate_limits *lim, const char *max_memory,
                               const char *max_events, GError **error);

/* FALSE with an error (VPCSIM_ERROR_INVALID) naming the file, the key that
 * drives the estimate, the estimate and the limit when `e` plus `already`
 * bytes (runs kept alive alongside, as compare keeps its options) exceeds a
 * limit. */
gboolean estimate_check(const estimate *e, const scenario *sc, const estimate_limits *lim,
                        double already, GError **error);

/* "about 5.6MB of memory and 32k events", for validate. */
char *estimate_describe(const estimate *e);

#endif
