/* \summary: public service endpoints: an HTTP server host behind a front that answers the way requests came */
#include "s3.h"

#include "host.h"

typedef struct {
	node base;
	fabric *f;
	host *h;
	GHashTable *ways; /* (client ip << 16 | port) -> port * it came in on */
} front;

static gpointer way_key(uint32_t ip, uint16_t tport)
{
	return GSIZE_TO_POINTER(((gsize)ip << 16) | tport);
}

static void front__receive(node *n, pkt *p, port *in)
{
	front *fr = (front *)n;
	if (in->index == 0) {
		/* An answer from the server: back the way the client came. */
		port *out = g_hash_table_lookup(fr->ways, way_key(pkt_ip_dst(p), pkt_dport(p)));
		if (!out) {
			net_drop(n->net, n, p, DROP_NO_ROUTE);
			return;
		}
		link_send(out, p);
		return;
	}
	gpointer k = way_key(pkt_ip_src(p), pkt_sport(p));
	if (g_hash_table_lookup(fr->ways, k) != in)
		g_hash_table_insert(fr->ways, k, in);
	link_send(node_port(n, 0), p);
}

static void front__destroy(node *n)
{
	front *fr = (front *)n;
	g_hash_table_unref(fr->ways);
	node_clear(n);
	g_free(fr);
}

static const node_ops front_ops = {
	.kind = "service",
	.receive = front__receive,
	.destroy = front__destroy,
};

node *service_new(fabric *f, int index)
{
	const sc_service *sv = SC_AT(f->sc->services, sc_service, index);
	front *fr = g_new0(front, 1);
	char *name = g_strdup_printf("%s-endpoint", sv->name);
	node_init(&fr->base, &front_ops, f->net, name);
	g_free(name);
	fr->f = f;
	fr->ways = g_hash_table_new(g_direct_hash, g_direct_equal);
	tcp_config tc;
	tcp_config_default(&tc);
	tc.cc = (tcp_cc)f->prof->tcp.congestion_control;
	host_config hc = { .ip = sv->ip, .mtu = f->prof->mtu.igw, .tcp = &tc };
	fr->h = host_new(f->net, sv->name, &hc);
	port *to_host = node_add_port(&fr->base);
	/* The service sends at an instance's rate (profile bandwidth.instance):
	 * an assumption, AWS documents S3 request rates per prefix, not
	 * bandwidth per connection.  An unlimited link would let a TCP burst
	 * of a whole object arrive at once and overflow the first queue that
	 * is not, where real senders pace. */
	link *l = link_new(f->net, to_host, node_port(host_node(fr->h), 0), 0, f->prof->bandwidth.instance,
	                   f->prof->limits.queue_bytes);
	link_set_queue(l, node_port(host_node(fr->h), 0), 0);
	host_http_server_config sc = { .port = 80 };
	dist_copy(&sc.think, &sv->latency);
	GError *err = NULL;
	http_server *srv = host_serve_http(fr->h, &sc, &err);
	g_assert_no_error(err);
	(void)srv;
	dist_clear(&sc.think);
	return &fr->base;
}

port *service_add_port(node *n) { return node_add_port(n); }
host *service_host(node *n) { return ((front *)n)->h; }
