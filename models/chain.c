/* \summary: builds the source -> routers -> sink chain */
#include "chain.h"

void chain_build(chain *c, net *nt, guint hops, sim_time delay, uint64_t bps,
                 uint64_t queue_bytes, const udp_source_config *traffic)
{
	udp_source_config cfg = *traffic;
	cfg.addrs.src_ip = CHAIN_SRC_IP;
	cfg.addrs.dst_ip = CHAIN_DST_IP;
	cfg.addrs.sport = CHAIN_SPORT;
	cfg.addrs.dport = CHAIN_DPORT;
	c->src = udp_source_new(nt, "client", &cfg);
	c->routers = g_ptr_array_new();
	port *prev = node_port(udp_source_node(c->src), 0);
	for (guint i = 0; i < hops; i++) {
		char *name = g_strdup_printf("r%u", i + 1);
		router *r = router_new(nt, name);
		g_free(name);
		node *rn = router_node(r);
		port *west = node_add_port(rn);
		port *east = node_add_port(rn);
		link_new(nt, prev, west, delay, bps, queue_bytes);
		router_add_route(r, CHAIN_DST_IP & 0xffffff00u, 24, east);
		router_add_route(r, CHAIN_SRC_IP & 0xffffff00u, 24, west);
		g_ptr_array_add(c->routers, r);
		prev = east;
	}
	c->dst = udp_sink_new(nt, "server");
	link_new(nt, prev, node_port(udp_sink_node(c->dst), 0), delay, bps, queue_bytes);
}

void chain_clear(chain *c)
{
	if (c->routers)
		g_ptr_array_unref(c->routers);
	c->routers = NULL;
}
