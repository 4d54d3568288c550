/* \summary: builds a runnable network from a loaded scenario, runs it, and gathers the report */
#ifndef VPCSIM_BUILD_H
#define VPCSIM_BUILD_H

#include "fabric.h"
#include "report.h"
#include "scenario.h"

/*
 * The world is everything one run needs: the net (engine, nodes, links),
 * the fabric shared by the constructs, the cost ledger, and the per-node
 * bookkeeping that turns into a report.
 *
 * Links inside the fabric have no propagation delay of their own: the VPC
 * router, the TGW and the region's public network add the profile's
 * propagation when a packet changes place (see fabric.h).  Links carry the
 * profile's bandwidth for the component they attach (an instance's ENI, a
 * NAT gateway, a TGW attachment in one AZ) and its queue limit.
 *
 * Path MTU: each instance is given the smallest MTU of the paths its
 * workloads use (the internet gateway's 1500, the TGW's 8500, 9001 inside a
 * VPC or across peering), as if Path MTU Discovery or MSS clamping had
 * already settled; TCP then advertises MSS = MTU - 40.
 */
typedef struct world world;

typedef struct {
	const char *pcap_dir;   /* NULL: no captures */
	const char *capture;    /* "all", "none" or comma-separated node names and globs (see
	                           scenario_capture_check); NULL: the scenario's capture points */
	uint32_t snaplen;       /* 0: the scenario's snaplen (whole packets unless it sets one) */
	const sc_workload *only_workload; /* run this instead of the scenario's workloads */
	gboolean fingerprint;   /* compute the trajectory fingerprint (net_fingerprint_start) */
	gboolean no_clients;    /* servers listen as the workloads need, but no client sends
	                           (vpcsim reach sends its own probes) */
} world_options;

world *world_new(const scenario *sc, const world_options *opt, GError **error);
void world_free(world *w);
net *world_net(world *w);

/* Runs until every workload is done or the scenario's duration + drain,
 * checking `*interrupt` (set by a signal handler) every
 * SIM_INTERRUPT_EVERY events; calls progress(simulated, end, ud) about once
 * a second of wall time when non-NULL.  Returns FALSE if interrupted, or at
 * once when a capture write failed (net_capture_error says which).  A run
 * a model cannot go on with (sim_fail) stops early; world_report then fails
 * with the reason. */
gboolean world_run(world *w, volatile int *interrupt,
                   void (*progress)(sim_time now, sim_time end, void *ud), void *ud);

/* Closes captures (publishing complete files) and fills a report; the
 * report refers to the world's ledger, so free it before the world.  NULL
 * with the engine's failure when the run failed (sim_failure). */
/* The requests a workload's configured rate (or request count) asks for in
 * the scenario's sending time, over all its clients. */
double workload_offered(const scenario *sc, const sc_workload *sw);

report *world_report(world *w, gboolean partial, double wall_s, GError **error);

#endif
