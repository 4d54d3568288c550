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
 *
 * VPC Lattice's managed prefix (169.254.171.0/24, link-local) is not
 * routed: a packet an ENI sends there goes to the router's Lattice port,
 * if it has one, before any route table is read (no route names Lattice),
 * and what Lattice sends into the VPC gets only the local route.
 */

typedef enum {
	VPC_PORT_ENI,      /* an instance's (or load balancer's, endpoint's) ENI */
	VPC_PORT_NATGW,
	VPC_PORT_TGW,      /* one TGW attachment ENI (one per attachment subnet) */
	VPC_PORT_PEERING,
	VPC_PORT_IGW,
	VPC_PORT_GW_ENDPOINT,
	VPC_PORT_RESOLVER, /* the Route 53 Resolver (base + 2): answers go back by the local route */
	VPC_PORT_LATTICE,  /* VPC Lattice: takes 169.254.171.0/24 from ENIs; delivers by the local route */
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

/* Compiles the route tables of the subnets of the ports added (each table
 * once); call once after every port exists. */
void vpc_router_finish(vpc_router *v);
/* Route tables and routes compiled by vpc_router_finish: memory in
 * proportion to this VPC's tables, not the scenario's. */
guint vpc_router_n_tables(const vpc_router *v);
guint vpc_router_n_routes(const vpc_router *v);

/* What the router would do with a packet from `in` to `dst`: the egress
 * port (or NULL) and the route's text, for traces. */
port *vpc_router_lookup(vpc_router *v, port *in, uint32_t dst, drop_reason *why,
                        const char **route_text);

/* The kind of one of the router's ports. */
vpc_port_kind vpc_router_port_kind(const vpc_router *v, const port *p);

/* The router behind a node, or NULL if the node is not a VPC router. */
vpc_router *vpc_router_of(node *n);

/*
 * Flow redirects.  A TCP or UDP packet that arrives from an ENI port with
 * exactly this source and destination (addresses and ports) is sent to
 * `to`, one of the router's ports, before any route is looked up; the
 * packet is otherwise handled as usual (processing delay, propagation and
 * cross-AZ charges towards `to`).  This is how a Network Load Balancer
 * that preserves the client's address gets its targets' replies back,
 * although they are addressed to the client: AWS's Hyperplane does the same
 * in the VPC's data path, not through the route tables.  A redirect costs
 * one allocation; packets pay one hash lookup only in a router that has
 * redirects.  Redirecting again replaces the target port.
 */
void vpc_router_redirect(vpc_router *v, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                         port *to);
void vpc_router_unredirect(vpc_router *v, uint32_t src, uint16_t sport, uint32_t dst,
                           uint16_t dport);
/* Redirects in place, for tests and reports. */
guint vpc_router_n_redirects(const vpc_router *v);

#endif
