/* \summary: what a kind's build step sees of the world: the fabric, routers, each element's node, links, hosts */
#ifndef VPCSIM_WORLD_H
#define VPCSIM_WORLD_H

#include "build.h"
#include "dns.h"
#include "fabric.h"
#include "host.h"
#include "sg.h"
#include "vpc.h"

/*
 * world_new() (models/build.c) makes the net and the fabric, then runs every
 * kind's build steps (sc_kind.build) by order number, as the loader runs
 * loading steps.  Node ids, and so trajectories and captures, follow the
 * order nodes are made in, which these numbers fix:
 *
 *    100  VPC routers        110  Route 53 Resolvers
 *    200  instances          300  NAT gateways
 *    390  the region's public network (build.c), when a kind that joins it
 *         has an element (sc_kind.public_network)
 *    400  services           500  load balancers      600  interface endpoints
 *    700  internet gateways  800  peerings            900  transit gateways
 *    1000 gateway endpoints  1100 VPC routers finish (their routes)
 *
 * Then build.c makes the servers and clients of the workloads.  A step
 * records the node it made for element i (world_set_node) so that other
 * kinds can join it: an interface endpoint joins its endpoint service's
 * NLB, a gateway endpoint its service.
 */

/* The fabric: the net, the scenario, the profile, the cost ledger. */
fabric *world_fabric(world *w);
sg_world *world_sgw(world *w);
/* The Route 53 Resolver of VPC v (made at 110), to add names to. */
dns_resolver *world_resolver(world *w, int vpc);
void world_set_resolver(world *w, int vpc, dns_resolver *r);
/* The VPC router of VPC v (made at 100). */
vpc_router *world_router(world *w, int vpc);
void world_set_router(world *w, int vpc, vpc_router *r);
/* The region's public network, or NULL (made at 390). */
node *world_region(world *w);
/* Joins two ports with the profile's queue limit; bps 0 = no serialization. */
void world_link(world *w, port *a, port *b, uint64_t bps);
/* The node element i of kind k made (NULL when none). */
node *world_node(const world *w, int kind, int i);
void world_set_node(world *w, int kind, int i, node *n);
/* An instance's MTU: the smallest over the paths of its workloads. */
uint32_t world_instance_mtu(const world *w, int instance);
/* Registers an instance's host (element i of GK_INSTANCE) or a service's
 * host: the world filters its packets through its security groups (`sgs`,
 * NULL for none) and follows its workloads' flows.  `vpc` is -1 for a
 * service. */
void world_add_host(world *w, host *h, const char *name, int vpc, const GArray *sgs);
void world_add_service_host(world *w, host *h, const char *name);
/* Traffic to this address in this VPC from a target is a load balancer's
 * back end (the ALB's own nodes). */
void world_add_backend_address(world *w, int vpc, uint32_t ip);

#endif
