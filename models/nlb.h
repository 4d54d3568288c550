/* \summary: Network Load Balancer: layer-4 flows, flow hash, client IP or source NAT, idle RST, TLS listeners, NLCU */
#ifndef VPCSIM_NLB_H
#define VPCSIM_NLB_H

#include "fabric.h"

/* What an NLB did, as averages over the period billed. */
typedef struct {
	double tcp_new_connections_per_second;
	double tcp_active_connections;
	double udp_new_flows_per_second;
	double udp_active_flows;
	double tls_new_connections_per_second;
	double tls_active_connections;
	double processed_gb_per_hour;
} nlb_rates;

typedef struct {
	double tcp_new_connections;
	double tcp_active_connections;
	double udp_new_flows;
	double udp_active_flows;
	double tls_new_connections;
	double tls_active_connections;
	double processed_bytes;
} nlb_nlcu_dims;

/*
 * NLB capacity units per hour: the largest of the seven dimensions, as
 * aws-facts.md reads the pricing page.  Limit: AWS also publishes NLCU use
 * per protocol (CloudWatch ConsumedLCUs_TCP/_UDP/_TLS), and an NLB carrying
 * several protocols may be billed the sum of per-protocol maxima; no source
 * we hold settles it.  For a single-protocol NLB, the case in every bundled
 * scenario, both readings agree.  `dims` may be NULL.
 */
double nlb_nlcu_per_hour(const prices *p, const nlb_rates *u, nlb_nlcu_dims *dims);

/*
 * A Network Load Balancer is one node with one port per load balancer
 * subnet (the node's ENI, address node_ips[i], linked by the builder to the
 * VPC router as an ENI port) and, for an endpoint service, one port per
 * interface endpoint that consumes it (nlb_add_privatelink_port).  For its
 * tcp listeners it has no TCP stack: it keeps a flow table and rewrites
 * packets.  Its tls listeners end the client's connection (TLS 1.3, the
 * handshake of sim/tls.h) on a TCP stack per port and relay the plaintext
 * on the node's own connection to the target, plain or TLS (models/nlb.c,
 * "TLS listeners").
 *
 * A new flow (a TCP SYN, or any UDP datagram) to a node's address and a
 * listener's port, or arriving on a PrivateLink port addressed to a node,
 * goes to a target of the listener's target group chosen by a hash of the
 * 5-tuple, among the targets in the node's AZ (cross-zone off, AWS's
 * default) or all of them (cross-zone on).  Instance targets get the
 * packet addressed to target:tg.port; an ALB-type target group sends it to
 * the ALB's node in the same AZ (any node with cross-zone on), port
 * tg.port.  The source is the client's when the load balancer preserves
 * client addresses (instance targets only, never for PrivateLink): the
 * target's replies, addressed to the client, are then pulled back through
 * the NLB by a redirect in its VPC router (vpc_router_redirect).  Otherwise
 * the source becomes the node's own address and a port allocated per target
 * (1024-65535), as the provider sees PrivateLink traffic.  Replies are
 * translated back and leave the way the flow came in.
 *
 * A flow idle longer than the load balancer's idle timeout is forgotten; a
 * later TCP segment of it, from either side, is answered with a RST, as
 * AWS documents.  Each packet takes processing.nlb (per-port order kept).
 * Charges: the hourly charge and NLCUs (nlb_finish); cross-AZ transfer to
 * targets in other AZs is charged by the VPC router.
 */
node *nlb_new(fabric *f, int lb_index);
/* A port the PrivateLink side (an interface endpoint's service port) is
 * linked to. */
port *nlb_add_privatelink_port(node *nlb);
/* Sets the NLCU capacity line ("nlcu") from what the run measured over
 * run_duration (> 0).  May be called again; the last call counts. */
void nlb_finish(node *nlb, sim_time run_duration);

typedef struct {
	uint64_t tcp_flows, udp_flows; /* new flows */
	uint64_t bytes;                /* processed, both directions (billed bytes) */
	uint64_t preserved;            /* flows forwarded with the client's address */
	uint64_t resets;               /* RSTs sent for segments of unknown flows */
	uint64_t expired;              /* flows forgotten after the idle timeout */
	uint64_t tls_connections;      /* TLS listeners: client handshakes done and relayed */
	uint64_t tls_refused;          /* TLS listeners: handshakes done, reset (no target, no port) */
	uint64_t tls_expired;          /* TLS listeners: relays reset after the idle timeout */
} nlb_stats;

const nlb_stats *nlb_get_stats(node *nlb);
/* Flows in the table (open, closing, or idle but not yet forgotten). */
guint nlb_flow_count(node *nlb);
/* TRUE when `n` is a network load balancer and p, on its way to it, is a
 * target's packet of one of its flows (billed at nlb.cross_az_to_targets
 * when it changes AZ). */
gboolean nlb_is_target_reply(node *n, const pkt *p);
/* TRUE when p, on its way to network load balancer n, is a target's packet
 * on a TLS listener's own connection to it. */
gboolean nlb_is_relay_reply(node *n, const pkt *p);
/* TRUE when network load balancer n ends the connection p arrives on (a
 * TLS listener's, either side); p NULL: when it has a TLS listener. */
gboolean nlb_ends(node *n, const pkt *p);
/* TRUE when `n` is a network load balancer. */
gboolean nlb_is(const node *n);
/* Starts the health checks (lbhealth.h), as alb_start_health_checks();
 * then the checker (NULL before). */
void nlb_start_health_checks(node *nlb);
struct lbhealth;
const struct lbhealth *nlb_health(node *nlb);
/* What nlb_finish bills: the usage over run_duration. */
void nlb_usage(node *nlb, sim_time run_duration, nlb_rates *u);

#endif
