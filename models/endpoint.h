/* \summary: VPC endpoints: gateway endpoints for S3 and DynamoDB (interface endpoints to come) */
#ifndef VPCSIM_ENDPOINT_H
#define VPCSIM_ENDPOINT_H

#include "fabric.h"

/* A gateway endpoint: port 0 faces the VPC router (which sends it what
 * matches the service's prefix list), port 1 the service.  Addresses are
 * not changed: the service sees the instance's private address.  It costs
 * nothing per hour or per GB (the price table's zero lines still appear in
 * reports, so the comparison shows it). */
node *gw_endpoint_new(fabric *f, int index);

#endif
