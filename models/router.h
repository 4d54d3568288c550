/* \summary: a plain IPv4 router: longest-prefix match over its ports, for tests and benchmarks */
#ifndef VPCSIM_ROUTER_H
#define VPCSIM_ROUTER_H

#include "net.h"
#include "dist.h"

typedef struct router router;

/* A router with no ports and no processing delay. */
router *router_new(net *nt, const char *name);
node *router_node(router *r);
/* Adds a route: destination prefix (host order) / len -> out port. */
void router_add_route(router *r, uint32_t prefix, uint8_t len, port *out);
/* A processing delay drawn for every packet before it is forwarded (costs
 * one more event per packet).  Default: none, forwarding happens within the
 * arrival event. */
void router_set_processing(router *r, const dist *d);
uint64_t router_forwarded(const router *r);

#endif
