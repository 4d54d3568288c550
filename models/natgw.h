/* \summary: NAT gateway: source NAT with port allocation per destination, idle timeout, charges */
#ifndef VPCSIM_NATGW_H
#define VPCSIM_NATGW_H

#include "fabric.h"

/* One port, towards its VPC router (a NAT gateway is an ENI in a public
 * subnet).  Outbound packets (not addressed to the gateway) get the
 * gateway's private address and a port as source and go back to the
 * router, whose route table for the gateway's subnet sends them on to the
 * internet gateway (which maps the private address to the Elastic IP).
 * Replies addressed to the gateway are translated back. */
node *natgw_new(fabric *f, int index);
uint64_t natgw_active_mappings(node *n);

#endif
