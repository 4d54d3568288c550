/* \summary: the region's public network: joins internet gateways and public AWS service endpoints */
#ifndef VPCSIM_INTERNET_H
#define VPCSIM_INTERNET_H

#include "fabric.h"

/*
 * One node for the region's public address space.  Each internet gateway
 * and each public service endpoint (S3, DynamoDB) has a port; packets are
 * delivered by destination: a public address owned behind an internet
 * gateway, or a service's prefix.  Crossing it takes the profile's
 * regional_public propagation and leaves the packet outside any AZ.
 *
 * Charges: traffic between two public IPv4 addresses of EC2-side resources
 * (instances, NAT gateways, load balancers) pays the in-region public-IP
 * transfer rate in each direction, on the sending and receiving
 * components; traffic to or from a service in the same region pays none
 * (AWS: no data transfer charge for S3 in the same Region).
 */
node *internet_new(fabric *f);
/* A port towards an internet gateway, or towards a service. */
port *internet_add_port(node *inet);
/* A public address reachable through `p`, owned by `component`. */
void internet_add_address(node *inet, port *p, uint32_t public_ip, const char *component);
/* A service prefix reachable through `p`. */
void internet_add_prefix(node *inet, port *p, sc_cidr prefix);

#endif
