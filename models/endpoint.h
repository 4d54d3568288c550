/* \summary: VPC endpoints: gateway endpoints (S3, DynamoDB) and interface endpoints (PrivateLink) */
#ifndef VPCSIM_ENDPOINT_H
#define VPCSIM_ENDPOINT_H

#include "fabric.h"
#include "sg.h"

/* A gateway endpoint: port 0 faces the VPC router (which sends it what
 * matches the service's prefix list), port 1 the service.  Addresses are
 * not changed: the service sees the instance's private address.  It costs
 * nothing per hour or per GB (the price table's zero lines still appear in
 * reports, so the comparison shows it). */
node *gw_endpoint_new(fabric *f, int index);

/*
 * An interface endpoint: ports 0..n-1 are its ENIs, one per endpoint
 * subnet (address ips[i]), which the builder links to the consumer VPC's
 * router as ENI ports; port n (interface_endpoint_service_port) is the
 * service side, linked to nlb_add_privatelink_port() of the provider's NLB
 * for an endpoint service, or to service_add_port() of a public service's
 * front (S3).
 *
 * A consumer's packet to an ENI address goes, for an endpoint service, to
 * the provider NLB's node in the same AZ (by AZ ID: PrivateLink keeps
 * traffic in its AZ), destination rewritten, source kept (the NLB then
 * source-NATs it, so overlapping CIDRs work); for an AWS service, to the
 * service's address with the consumer's private address as source.
 * Replies get the ENI's address back as source and leave by the ENI the
 * flow came in on.  State is per flow, keyed by the consumer's 4-tuple,
 * forgotten after the provider NLB's idle timeout (the profile's NLB idle
 * timeout for an AWS service; AWS documents no endpoint timeout of its
 * own).
 *
 * MTU: packets over mtu.interface_endpoint are dropped in either direction
 * (DROP_MTU), with no ICMP "fragmentation needed" (AWS: no PMTUD at
 * endpoints); the MSS option of SYNs and SYN-ACKs passing through is
 * clamped to the MTU minus 40, as AWS does, so TCP never sends more.
 * Each packet takes processing.interface_endpoint and, towards the NLB
 * node, the same-AZ propagation.  Charges: hourly per AZ (one per subnet)
 * and data processing per GB in both directions, on the tiered
 * interface_endpoint.processing price shared by every interface endpoint.
 */
node *interface_endpoint_new(fabric *f, int index);
port *interface_endpoint_service_port(node *e);
/* Checks the endpoint's security groups (if the scenario gives any) on
 * what consumers send to its ENIs, and adds the ENI addresses to those
 * groups for rules that name them.  Without this call nothing is checked. */
void interface_endpoint_set_security_groups(node *e, sg_world *w);

typedef struct {
	uint64_t flows;       /* flows made (consumer 4-tuples) */
	uint64_t mss_clamped; /* SYNs and SYN-ACKs whose MSS was lowered */
	uint64_t bytes;       /* processed, both directions (billed bytes) */
} interface_endpoint_stats;

const interface_endpoint_stats *interface_endpoint_get_stats(node *e);

#endif
