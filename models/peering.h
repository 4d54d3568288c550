/* \summary: VPC peering: a direct path between two VPC routers, addresses unchanged */
#ifndef VPCSIM_PEERING_H
#define VPCSIM_PEERING_H

#include "fabric.h"

/* Port 0 faces the requester VPC's router, port 1 the accepter's.  What
 * makes peering non-transitive is the receiving VPC router (vpc.h), which
 * delivers what arrives over a peering only inside its own VPC. */
node *peering_new(fabric *f, int index);

#endif
