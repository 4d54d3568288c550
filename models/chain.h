/* \summary: a chain topology: UDP source -> H routers -> UDP sink, for demos, tests and benchmarks */
#ifndef VPCSIM_CHAIN_H
#define VPCSIM_CHAIN_H

#include "net.h"
#include "router.h"
#include "udp.h"

/* The address plan is fixed: the source is 10.0.0.1 in 10.0.0.0/24, the
 * sink 10.0.1.1 in 10.0.1.0/24; the UDP ports are 40000 -> 40001, which no
 * Wireshark dissector claims. */
#define CHAIN_SRC_IP 0x0a000001u
#define CHAIN_DST_IP 0x0a000101u
#define CHAIN_SPORT 40000
#define CHAIN_DPORT 40001

typedef struct {
	udp_source *src;
	udp_sink *dst;
	GPtrArray *routers; /* router *, not owned (the net owns nodes) */
} chain;

/* Builds the chain in `nt`: hops routers, hops + 1 links, each with the
 * given delay, bit rate and queue limit.  `traffic` supplies interval, size,
 * count and start; its addresses are filled in here. */
void chain_build(chain *c, net *nt, guint hops, sim_time delay, uint64_t bps,
                 uint64_t queue_bytes, const udp_source_config *traffic);
void chain_clear(chain *c);

#endif
