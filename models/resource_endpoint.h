/* \summary: PrivateLink resource endpoints: a resource gateway (source NAT in the provider VPC), resource configurations, resource endpoints */
#ifndef VPCSIM_RESOURCE_ENDPOINT_H
#define VPCSIM_RESOURCE_ENDPOINT_H

#include "fabric.h"
#include "sg.h"

/*
 * Option 6 of the alb-*.ini scenarios (docs/lattice-resource-endpoints.md,
 * section 2, has the data path and the sources).  Two nodes:
 *
 *  - A resource endpoint (a VPC endpoint of type Resource) in the consumer
 *    VPC: ports 0..n-1 are its ENIs, one per subnet, linked to the
 *    consumer VPC's router; port n is its PrivateLink side, linked to a
 *    port of the resource gateway that serves its resource configuration
 *    (resource_gateway_add_endpoint).  A consumer's TCP packet to an ENI
 *    address and a port of the configuration's ranges passes unchanged
 *    (endpoint security groups checked inbound, SYN MSS clamped to the
 *    endpoint's MTU minus 40, mtu.interface_endpoint) to the gateway ENI in
 *    the same AZ (else the gateway's first).  Replies come back from the
 *    gateway already addressed from the ENI and leave by that ENI.
 *  - A resource gateway in the provider VPC: ports 0..m-1 are its ENIs, one
 *    per subnet, linked to the provider VPC's router; ports m.. face the
 *    endpoints.  A new connection (a SYN) from an endpoint gets a flow:
 *    source NAT to the ENI's first address with a port from a counter per
 *    destination (1024-65535), destination NAT to the configuration's
 *    target (an address, or the load balancer node in the ENI's AZ, else
 *    the first: the gateway resolves the ALB's name in its VPC), the
 *    gateway's security groups checked outbound.  The target's replies get
 *    the endpoint ENI's address and port back as source and the client's
 *    as destination.  TCP runs end to end: sequence numbers are untouched,
 *    only addresses and ports change.  Nothing from the provider side opens
 *    a connection (a packet of no flow is dropped).  Flows are forgotten
 *    after the profile's NLB idle timeout (AWS documents none of its own).
 *
 * Delays: processing.interface_endpoint at the endpoint and processing.nlb
 * at the gateway ([UNSOURCED ASSUMPTION]: the gateway is PrivateLink's
 * Hyperplane source NAT, as an NLB's PrivateLink side), plus the
 * propagation between the endpoint ENI's AZ and the gateway ENI's.
 *
 * Charges (price table [resource_endpoint], [resource_gateway]): the
 * endpoint per hour provisioned and per GB processed in both directions
 * (one tier pool for every resource endpoint); the gateway per GB in both
 * directions (one pool for every gateway); cross-AZ transfer between the
 * endpoint and the gateway unless resource_endpoint.charge_cross_az is
 * false (fabric party FABRIC_PARTY_RESOURCE_ENDPOINT), and between the
 * gateway and its target as for any ENI.
 *
 * Simplifications: TCP only (the configurations' protocol), one
 * configuration per endpoint, type single; the gateway source-NATs from
 * the first of its ENI's addresses (the others are held in the subnet but
 * unused: 64,512 concurrent connections per destination and ENI); no
 * IPv6; no resource configurations of type group or arn.
 */

/* ---- in scenario files (README, "PrivateLink resource endpoints") ---- */

/* [resource_gateway NAME]: ENIs in subnets of one VPC, one per AZ. */
typedef struct {
	char *name;
	int vpc;
	GArray *subnets;        /* int */
	GArray *ips;            /* uint32_t per subnet: each ENI's addresses, addrs_per_eni in a row */
	GArray *sgs;            /* int */
	guint addrs_per_eni;    /* ipv4_addresses_per_eni, 1-62 */
} sc_resource_gateway;

/* [resource_configuration NAME] of type single: the resource a gateway
 * reaches, by a load balancer's name or an address, on port ranges. */
typedef struct {
	char *name;
	int gateway;            /* -1 when bad (reported) */
	int lb;                 /* target: a load balancer (its DNS name), or -1 */
	uint32_t ip;            /* target: an address, or 0 */
	GArray *ports;          /* uint16_t pairs: lo, hi */
} sc_resource_config;

/* [resource_endpoint NAME]: ENIs in subnets of the consumer VPC and the
 * configuration it reaches. */
typedef struct {
	char *name;
	int vpc;
	int config;             /* -1 when bad (reported) */
	GArray *subnets;        /* int */
	GArray *ips;            /* uint32_t per subnet */
	GArray *sgs;            /* int */
} sc_resource_endpoint;

struct scenario;
/* The configuration's DNS name as the endpoint's VPC resolves it (the form
 * is an [UNSOURCED ASSUMPTION], the IDs derived from the names). */
char *resource_endpoint_dns_name(const struct scenario *sc, int ep);
/* Does the configuration take this port? */
gboolean resource_config_has_port(const sc_resource_config *c, uint16_t port);

/* ---- the runtime ---- */

node *resource_gateway_new(fabric *f, int index);
/* A port facing resource endpoint `ep` (scenario index), to link to its
 * resource_endpoint_gateway_port(). */
port *resource_gateway_add_endpoint(node *gw, int ep);
/* Checks the gateway's security groups outbound on what it sends to the
 * resource, and adds its addresses to those groups for rules naming them. */
void resource_gateway_set_security_groups(node *gw, sg_world *w);

node *resource_endpoint_new(fabric *f, int index);
port *resource_endpoint_gateway_port(node *e);
void resource_endpoint_set_security_groups(node *e, sg_world *w);

typedef struct {
	uint64_t flows;         /* connections opened (SYNs that made a flow) */
	uint64_t bytes;         /* processed, both directions (billed bytes) */
	uint64_t mss_clamped;   /* endpoint only */
} resource_stats;

const resource_stats *resource_gateway_get_stats(node *gw);
const resource_stats *resource_endpoint_get_stats(node *e);

#endif
