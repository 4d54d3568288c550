/* \summary: what one instance can reach (a SYN scan through the model) and the configuration each option asks for N VPCs */
#ifndef VPCSIM_REACH_H
#define VPCSIM_REACH_H

#include <stdio.h>
#include <glib.h>

#include "report.h"
#include "config.h"
#include "scenario.h"

/*
 * The reachable surface.  `reach_run` builds the scenario's network with
 * its servers listening as the workloads need them (no client sends), and
 * sends from one instance's ENI a TCP SYN to every (address, port) pair of
 * the targets, one every 20 us of simulated time, as a SYN scan from a
 * compromised instance would (nmap -sS): the SYNs cross the modelled
 * security groups, route tables, peerings, transit gateways, NAT and
 * internet gateways, endpoints and load balancers like any packet.  A pair
 * answers when a SYN-ACK or a RST comes back; the scanner's own TCP then
 * resets a SYN-ACK, as Linux does.  The rest are dropped silently, each
 * with the node and reason that dropped it (an address no ENI holds: the
 * VPC drops the SYN, AWS sends nothing back).
 *
 * It runs twice: with the scenario's security groups, and with every
 * security group opened wide (all traffic from and to 0.0.0.0/0: what
 * routing alone exposes).  An address is *routable* when, in the open
 * run, some SYN to it got an answer, or reached the address's VPC and
 * was dropped there (no ENI, no listener) while the route table of the
 * address's subnet has a route, not a blackhole, back to the source as it
 * arrived.
 *
 * Efficiency: every address some construct holds is probed one by one;
 * the other addresses are cut into ranges at every CIDR the scenario
 * names (VPCs, subnets, routes, security group rules, prefix lists), so
 * within a range every route lookup and rule match is the same, and one
 * address of each range is probed for all the range (`exhaustive` probes
 * every address instead; the tests check both agree).
 */

typedef enum { REACH_DROPPED, REACH_SYNACK, REACH_RST } reach_answer;

typedef struct {
	uint32_t ip;         /* the address probed (a range's representative) */
	uint32_t last;       /* the range it stands for: ip..last unassigned ones */
	uint16_t port;
	uint64_t weight;     /* addresses it stands for (1 for an assigned one) */
	reach_answer answer;
	char *who;           /* the node that answered or dropped it ("" if lost without a trace) */
	char *why;           /* the rules that admitted it, or the reason it was dropped */
	int drop;            /* drop_reason, or -1 */
	gboolean routable;   /* the address (open run only) */
	/* Where it last met a VPC router, for the return route. */
	int last_vpc;
	uint32_t last_src, last_dst;
	GString *rules;      /* "node: rule; ..." security group rules that admitted it */
} reach_probe;

typedef struct {
	GArray *probes;      /* reach_probe */
	uint64_t sent;       /* SYNs simulated */
	uint64_t pairs;      /* (address, port) pairs they stand for */
	uint64_t synack, rst, dropped;
	uint64_t other;      /* answering pairs other than the service's listener */
	double sim_s;        /* simulated seconds */
} reach_pass;

typedef struct {
	char *what;          /* "vpc-b 10.1.0.0/16" */
	uint32_t first, last;
} reach_target;

typedef struct {
	char *scenario;
	char *from;
	uint32_t from_ip;
	GArray *ports;       /* uint16_t */
	GArray *targets;     /* reach_target */
	uint64_t addresses;  /* scanned (the scanner's own excluded) */
	uint64_t assigned;   /* probed one by one */
	uint64_t ranges;     /* ranges of unassigned addresses, one probe each per port */
	gboolean exhaustive;
	uint64_t routable;
	GArray *routable_ranges; /* reach_target without names: first..last */
	char *service;       /* the workload's target, in words: "alb-b port 80" */
	reach_pass scen, open;
} reach_result;

typedef struct {
	const char *from;    /* instance name; NULL: the first workload's first client */
	const char *to;      /* a CIDR; NULL: the default targets (README, reach_default_targets) */
	const char *ports;   /* "22,80,443" or ranges "8000-8010"; NULL: the default */
	gboolean exhaustive;
	const char *pcap_dir;/* captures of both runs, or NULL */
	const char *capture; /* capture points, or NULL: the scenario's */
} reach_options;

/* The common service ports scanned by default, besides the scenario's
 * listener, target and workload ports. */
#define REACH_DEFAULT_PORTS "22,80,443,3306,5432,6379,8080"

/* Loads `file` (with overrides) twice and scans.  NULL with an error that
 * names the option or the file. */
reach_result *reach_run(const char *file, const char *const *sets, const reach_options *opt,
                        GError **error);
void reach_free(reach_result *r);
gboolean reach_write(const reach_result *r, report_format f, FILE *out);

#endif
