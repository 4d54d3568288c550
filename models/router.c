/* \summary: a plain IPv4 router: TTL, longest-prefix match, optional processing delay */
#include "router.h"
#include "drops.h"

typedef struct {
	uint32_t prefix, mask;
	uint8_t len;
	port *out;
} route;

struct router {
	node base;
	GArray *routes; /* route, longest prefix first */
	dist proc;
	gboolean has_proc;
	rng rng;
	uint64_t forwarded;
};

static void router__forward(router *r, pkt *p)
{
	uint32_t dst = pkt_ip_dst(p);
	for (guint i = 0; i < r->routes->len; i++) {
		route *rt = &g_array_index(r->routes, route, i);
		if ((dst & rt->mask) == rt->prefix) {
			r->forwarded++;
			link_send(rt->out, p);
			return;
		}
	}
	net_drop(r->base.net, &r->base, p, DROP_NO_ROUTE);
}

static void router__after_processing(sim *s, void *ctx, void *arg)
{
	(void)s;
	router__forward(ctx, arg);
}

static void router__receive(node *n, pkt *p, port *in)
{
	(void)in;
	router *r = (router *)n;
	/* A router that decrements TTL to zero discards the packet; this model
	 * does not send ICMP time-exceeded back. */
	if (pkt_dec_ttl(p) == 0) {
		net_drop(n->net, n, p, DROP_TTL);
		return;
	}
	if (r->has_proc)
		sim_schedule(n->net->sim, dist_sample_ns(&r->proc, &r->rng), router__after_processing, r, p);
	else
		router__forward(r, p);
}

static void router__destroy(node *n)
{
	router *r = (router *)n;
	g_array_unref(r->routes);
	if (r->has_proc)
		dist_clear(&r->proc);
	node_clear(n);
	g_free(r);
}

static const node_ops router_ops = {
	.kind = "router",
	.receive = router__receive,
	.destroy = router__destroy,
};

router *router_new(net *nt, const char *name)
{
	drops_register();
	router *r = g_new0(router, 1);
	node_init(&r->base, &router_ops, nt, name);
	r->routes = g_array_new(FALSE, FALSE, sizeof(route));
	net_rng(nt, &r->rng, name);
	return r;
}

node *router_node(router *r) { return &r->base; }
uint64_t router_forwarded(const router *r) { return r->forwarded; }

void router_add_route(router *r, uint32_t prefix, uint8_t len, port *out)
{
	g_return_if_fail(len <= 32 && out->node == &r->base);
	uint32_t mask = len ? ~UINT32_C(0) << (32 - len) : 0;
	route rt = { prefix & mask, mask, len, out };
	guint i = 0;
	while (i < r->routes->len && g_array_index(r->routes, route, i).len >= len)
		i++;
	g_array_insert_val(r->routes, i, rt);
}

void router_set_processing(router *r, const dist *d)
{
	if (r->has_proc)
		dist_clear(&r->proc);
	dist_copy(&r->proc, d);
	r->has_proc = TRUE;
}
