/* \summary: the VPC's implicit router: route tables, longest-prefix match, local delivery */
#ifndef VPCSIM_VPC_H
#define VPCSIM_VPC_H

#include "fabric.h"

/*
 * One node per VPC stands for the VPC's implicit router.  Everything in
 * the VPC that sends or receives (instance ENIs, NAT gateways, TGW
 * attachment ENIs) and everything the VPC is attached to (peering
 * connections, its internet gateway, gateway endpoints) has a port on it.
 *
 * Which route table decides depends on where a packet comes in, as in AWS:
 * from an ENI, a NAT gateway or a TGW attachment ENI, the route table of
 * its subnet; from a peering connection, an internet gateway or a gateway
 * endpoint, only delivery inside the VPC (the local route), which is what
 * makes peering non-transitive.
 */

typedef enum {
	VPC_PORT_ENI,      /* an instance's (or load balancer's, endpoint's) ENI */
	VPC_PORT_NATGW,
	VPC_PORT_TGW,      /* one TGW attachment ENI (one per attachment subnet) */
	VPC_PORT_PEERING,
	VPC_PORT_IGW,
	VPC_PORT_GW_ENDPOINT,
} vpc_port_kind;

typedef struct vpc_router vpc_router;

vpc_router *vpc_router_new(fabric *f, int vpc_index);
node *vpc_router_node(vpc_router *v);

/* Adds a port for a component.  `subnet` is the scenario subnet index for
 * ENI, NAT gateway and TGW ports (-1 otherwise); `target` the index of the
 * component in its scenario array (instances, natgws, tgw attachments,
 * peerings, igws, gw_endpoints), or -1 for an ENI that no route names (a
 * load balancer node, an interface endpoint ENI); `ip` the address
 * delivered to this port by the local route (0 for none); `component`
 * names it for cost lines. */
port *vpc_router_add_port(vpc_router *v, vpc_port_kind kind, int subnet, int target, uint32_t ip,
                          const char *component);

/* Compiles the scenario's route tables for this VPC against the ports
 * added; call once after every port exists. */
void vpc_router_finish(vpc_router *v);

/* What the router would do with a packet from `in` to `dst`: the egress
 * port (or NULL) and the route's text, for traces. */
port *vpc_router_lookup(vpc_router *v, port *in, uint32_t dst, drop_reason *why,
                        const char **route_text);

/* The kind of one of the router's ports. */
vpc_port_kind vpc_router_port_kind(const vpc_router *v, const port *p);

#endif
