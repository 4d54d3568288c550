/* \summary: public AWS service endpoints (S3, DynamoDB): an HTTP server behind a front that remembers ingress */
#ifndef VPCSIM_S3_H
#define VPCSIM_S3_H

#include "fabric.h"

typedef struct host host;

/*
 * A service is reached from the region's public network (through internet
 * gateways) and from gateway endpoints, on one public address.  Its node is
 * a front with one port per way in, plus a host (TCP and an HTTP server)
 * behind it.  The front remembers which way each client address and port
 * came in, and sends the answers back the same way: a client behind a
 * gateway endpoint is known by its private address, one behind a NAT
 * gateway by the gateway's public one.
 *
 * The server answers after the service's `latency` distribution; a GET
 * returns the body size the client asks for (the workload's response size,
 * carried in the simulation header X-Vpcsim-Response-Bytes, standing for
 * the object's size), a PUT stores what it is sent.  S3's MSS is that of a
 * 1500-byte MTU (an assumption: AWS documents no jumbo frames to S3).
 */
node *service_new(fabric *f, int index);
/* A new way in (a port towards the public network or a gateway endpoint). */
port *service_add_port(node *front);
host *service_host(node *front);

struct policy;
/*
 * Names the way in `in` after the VPC endpoint behind it, with that
 * endpoint's policy (NULL: full access).  An S3 request that came in that
 * way and that the policy does not allow is answered 403 AccessDenied, as
 * S3 answers it, at once and without the object; the policy's decision,
 * allowing or not, shows in `trace`.  A request that came in any other way
 * (an internet gateway) meets no endpoint policy.
 */
void service_set_entrance(node *front, port *in, const char *endpoint, const struct policy *pol);

#endif
