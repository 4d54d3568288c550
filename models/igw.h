/* \summary: internet gateway: one-to-one NAT between private and public addresses */
#ifndef VPCSIM_IGW_H
#define VPCSIM_IGW_H

#include "fabric.h"

/* Port 0 faces the VPC router, port 1 the region's public network.  The
 * gateway knows every private address in its VPC that has a public one
 * (instances with a public IP, NAT gateways' Elastic IPs, internet-facing
 * load balancer nodes: igw_map). */
node *igw_new(fabric *f, int index);
void igw_map(node *igw, uint32_t private_ip, uint32_t public_ip);

#endif
