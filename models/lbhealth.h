/* \summary: load balancer health checks: TCP or HTTP checks from every LB node to every target, thresholds, rotation */
#ifndef VPCSIM_LBHEALTH_H
#define VPCSIM_LBHEALTH_H

#include "fabric.h"
#include "tcp.h"
#include "report.h"

/*
 * Active health checks, as ALBs and NLBs run them (aws-facts.md, "health
 * check" rows; defaults in the profile's [health_check] group, overridden
 * per [target_group] by its health_check_* keys):
 *
 *  - Every load balancer node checks every target of every target group
 *    it forwards to, on its own tcp_stack and from its own address, every
 *    `interval`.  A node's first check of a target comes at a time drawn
 *    uniformly from [0, interval) from the stream "<lb>/health", so the
 *    checks of nodes and targets are spread out as AWS's are (AWS does not
 *    say how it phases them: [assumption]).
 *  - A TCP check succeeds when the handshake completes within `timeout`;
 *    the checker then closes with a FIN.  An HTTP check opens a connection,
 *    sends "GET PATH HTTP/1.1" with Host: target:port, User-Agent:
 *    ELB-HealthChecker/2.0 and Connection: close, and succeeds when a
 *    status line with a code in [match_lo, match_hi] arrives within
 *    `timeout`; then it closes.  A refused, reset or silent connection, a
 *    bad status or no answer in time (the connection is then aborted with
 *    a RST) is a failure.
 *  - State per (node, target group, target): `unhealthy` consecutive
 *    failures make a healthy target unhealthy; `healthy` consecutive
 *    successes make an unhealthy one healthy again.  Each node routes by
 *    its own view (AWS says each node checks each target; how the nodes'
 *    results combine is not documented: [inference]).  Targets start
 *    healthy: the run begins long after they were registered.
 *
 * Allocation: the slots, their request message and timers at creation;
 * per check, the TCP connection (as any connection) and nothing else.
 * Target groups of type alb (an NLB in front of an ALB) are not checked:
 * their targets are always healthy here.
 */

typedef struct lbhealth lbhealth;

typedef struct {
	const char *lb_name;      /* random stream "<lb_name>/health" */
	gboolean nlb;             /* which defaults apply (the profile's alb_* or nlb_*) */
	tcp_stack *tcp;           /* the load balancer's (checks leave through its tx) */
	const uint32_t *node_ips; /* n_nodes addresses: where checks come from */
	guint n_nodes;
	uint32_t mtu;
	/* May node `node` use local port lport towards ip:port?  (An NLB's
	 * source-NAT flows share its node addresses.)  NULL: the stack picks. */
	gboolean (*port_free)(void *ud, guint node, uint32_t ip, uint16_t port, uint16_t lport);
	void *ud;
} lbhealth_config;

/* A checker for load balancer `lb` of f's scenario; it checks the
 * instance target groups its listeners and rules name, from the next
 * event on. */
lbhealth *lbhealth_new(fabric *f, const sc_lb *lb, const lbhealth_config *cfg);
void lbhealth_free(lbhealth *h); /* cancels its timers; before the stack is freed */

/* Node `node`'s view of target `target` (index in the group) of target
 * group `tg` (scenario index); TRUE for groups it does not check. */
gboolean lbhealth_healthy(const lbhealth *h, int tg, guint target, guint ni);

/* TRUE when a TCP segment from src:sport to dst:dport (a node address)
 * belongs to one of the health checks' connections (an NLB, which has no
 * other stack, asks for packets of no flow and before lending a port). */
gboolean lbhealth_owns(const lbhealth *h, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport);

/* When node `node` next starts a check of the target (its timer; -1 when
 * none is armed or the group is not checked): tests follow the schedule. */
sim_time lbhealth_next_check(const lbhealth *h, int tg, guint target, guint ni);

/* What the checks of one target found, summed over nodes. */
typedef struct {
	uint64_t checks, failed;      /* completed checks, and those that failed */
	uint64_t went_unhealthy, went_healthy; /* transitions, over all nodes */
	sim_time first_unhealthy;     /* when a node first marked it unhealthy; -1 never */
	sim_time last_healthy;        /* when a node last marked it healthy again; -1 never */
	guint healthy_nodes;          /* nodes that see it healthy now */
} lbhealth_target_stats;

/* FALSE when the group is not checked or target is out of range. */
gboolean lbhealth_target_stats_get(const lbhealth *h, int tg, guint target,
                                   lbhealth_target_stats *out);

/* The settings in force for target group tg (defaults resolved). */
typedef struct {
	int proto;                    /* SC_HC_TCP or SC_HC_HTTP */
	const char *path;
	uint16_t port;
	sim_time interval, timeout;
	uint32_t healthy, unhealthy, match_lo, match_hi;
} lbhealth_settings;
gboolean lbhealth_settings_get(const lbhealth *h, int tg, lbhealth_settings *out);

/* The loader step for [target_group]'s health-check keys (lb.c lists it
 * after listeners and rules, which say which kind of load balancer uses
 * each group). */
struct sc_loader;
void lbhealth_keys(struct sc_loader *l);
void lbhealth_check_timeouts(struct sc_loader *l); /* after the profile (1020) */

/* Adds a section per load balancer to a run's report (lb.c). */
struct world;
void lb_report(struct world *w, report *r);

#endif
