/* \summary: why the models drop packets: the reasons, numbered, and their names for reports */
#ifndef VPCSIM_DROPS_H
#define VPCSIM_DROPS_H

#include "node.h"

/* Every reason a model gives (net_drop); sim/node.h says how they are
 * counted.  The order is the order reports list them in. */
enum {
	DROP_NO_ROUTE,   /* no route matches the destination */
	DROP_TTL,        /* TTL reached zero */
	DROP_QUEUE_,     /* a link's queue was full: DROP_QUEUE, the engine's (sim/node.h) */
	DROP_NO_PORT,    /* delivered to a host with nothing listening */
	DROP_SG,         /* denied by a security group (detail: the group set) */
	DROP_NO_ADDRESS, /* no ENI has the destination address in the VPC */
	DROP_NOT_TRANSITIVE, /* arrived over a peering for somewhere else */
	DROP_BLACKHOLE,  /* a blackhole route */
	DROP_NO_TGW_AZ,  /* no TGW attachment subnet in the packet's AZ */
	DROP_NO_PUBLIC_IP, /* leaving through an IGW without a public address */
	DROP_NAT_PORTS,  /* NAT gateway port allocation failed (per-destination limit) */
	DROP_NAT_IDLE,   /* a reply for a NAT mapping that timed out or never was */
	DROP_MTU,        /* larger than the path's MTU with DF set */
	DROP_NO_LISTENER, /* to a load balancer port no listener serves */
	DROP_NO_TARGET,  /* no target for the load balancer node (none in its AZ with cross-zone off) */
	DROP_NO_FLOW,    /* no flow state (idle timeout passed, or never opened) */
	DROP_SERVICE_AZ, /* the endpoint service has no load balancer node in the endpoint's AZ */
	DROP_NACL,       /* denied by a network ACL (detail: the ACL and the rule) */
	DROP_LOSS,       /* lost at random on the Region's public network ([scenario] loss) */
	DROP_HOST_DOWN,  /* an instance stopped by its fail_at (host_set_failure) */
	DROP__COUNT
};

G_STATIC_ASSERT(DROP_QUEUE_ == DROP_QUEUE);
G_STATIC_ASSERT(DROP__COUNT <= DROP_MAX);

/* Registers the table with the engine, once (fabric_init calls it). */
void drops_register(void);

#endif
