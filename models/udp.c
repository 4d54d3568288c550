/* \summary: UDP traffic endpoints and a FIFO service stage */
#include "udp.h"
#include "drops.h"

struct udp_source {
	node base;
	udp_source_config cfg;
	rng rng;
	uint64_t sent, sent_bytes;
	uint16_t ip_id;
};

static void udp_source__tick(sim *s, void *ctx, void *arg)
{
	(void)arg;
	udp_source *src = ctx;
	net *nt = src->base.net;
	if (src->cfg.stop_at && sim_now(s) >= src->cfg.stop_at)
		return;
	pkt *p = net_pkt_new(nt, 0);
	pkt_addrs a = src->cfg.addrs;
	a.ip_id = src->ip_id++;
	double size = dist_sample(&src->cfg.size, &src->rng);
	uint32_t max = PKT_IP_MAX - PKT_IP_LEN - PKT_UDP_LEN;
	uint32_t len = size > max ? max : (uint32_t)size;
	pkt_build_udp(p, &a, len);
	src->sent++;
	src->sent_bytes += pkt_wire_len(p);
	link_send(node_port(&src->base, 0), p);
	if (src->cfg.count == 0 || src->sent < src->cfg.count)
		sim_schedule(s, dist_sample_ns(&src->cfg.interval, &src->rng), udp_source__tick, src,
		             NULL);
}

static void udp_source__receive(node *n, pkt *p, port *in)
{
	(void)in;
	net_drop(n->net, n, p, DROP_NO_PORT);
}

static void udp_source__destroy(node *n)
{
	udp_source *s = (udp_source *)n;
	dist_clear(&s->cfg.interval);
	dist_clear(&s->cfg.size);
	node_clear(n);
	g_free(s);
}

static const node_ops udp_source_ops = {
	.kind = "udp-source",
	.receive = udp_source__receive,
	.destroy = udp_source__destroy,
};

udp_source *udp_source_new(net *nt, const char *name, const udp_source_config *cfg)
{
	udp_source *s = g_new0(udp_source, 1);
	node_init(&s->base, &udp_source_ops, nt, name);
	node_add_port(&s->base);
	s->cfg = *cfg;
	dist_copy(&s->cfg.interval, &cfg->interval);
	dist_copy(&s->cfg.size, &cfg->size);
	net_rng(nt, &s->rng, name);
	sim_schedule_at(nt->sim, cfg->start_at, udp_source__tick, s, NULL);
	return s;
}

node *udp_source_node(udp_source *s) { return &s->base; }
uint64_t udp_source_sent(const udp_source *s) { return s->sent; }
uint64_t udp_source_sent_bytes(const udp_source *s) { return s->sent_bytes; }

struct udp_sink {
	node base;
	hdr_hist *lat;
	stats_acc acc;
	uint64_t received, bytes;
};

static void udp_sink__receive(node *n, pkt *p, port *in)
{
	(void)in;
	udp_sink *s = (udp_sink *)n;
	sim_time lat = net_now(n->net) - p->birth;
	hdr_record(s->lat, lat);
	stats_acc_add(&s->acc, (double)lat);
	s->received++;
	s->bytes += pkt_wire_len(p);
	pkt_free(p);
}

static void udp_sink__destroy(node *n)
{
	udp_sink *s = (udp_sink *)n;
	hdr_free(s->lat);
	node_clear(n);
	g_free(s);
}

static const node_ops udp_sink_ops = {
	.kind = "udp-sink",
	.receive = udp_sink__receive,
	.destroy = udp_sink__destroy,
};

udp_sink *udp_sink_new(net *nt, const char *name)
{
	udp_sink *s = g_new0(udp_sink, 1);
	node_init(&s->base, &udp_sink_ops, nt, name);
	node_add_port(&s->base);
	s->lat = hdr_new(8);
	stats_acc_init(&s->acc);
	return s;
}

node *udp_sink_node(udp_sink *s) { return &s->base; }
uint64_t udp_sink_received(const udp_sink *s) { return s->received; }
uint64_t udp_sink_bytes(const udp_sink *s) { return s->bytes; }
const hdr_hist *udp_sink_latency(const udp_sink *s) { return s->lat; }
const stats_acc *udp_sink_latency_acc(const udp_sink *s) { return &s->acc; }

struct fifo {
	node base;
	dist service;
	rng rng;
	sim_time busy_until;
	uint64_t arrivals;
};

static void fifo__depart(sim *s, void *ctx, void *arg)
{
	(void)s;
	fifo *f = ctx;
	link_send(node_port(&f->base, 1), arg);
}

static void fifo__receive(node *n, pkt *p, port *in)
{
	(void)in;
	fifo *f = (fifo *)n;
	sim_time now = net_now(n->net);
	sim_time start = f->busy_until > now ? f->busy_until : now;
	f->busy_until = start + dist_sample_ns(&f->service, &f->rng);
	f->arrivals++;
	sim_schedule_at(n->net->sim, f->busy_until, fifo__depart, f, p);
}

static void fifo__destroy(node *n)
{
	fifo *f = (fifo *)n;
	dist_clear(&f->service);
	node_clear(n);
	g_free(f);
}

static const node_ops fifo_ops = {
	.kind = "fifo",
	.receive = fifo__receive,
	.destroy = fifo__destroy,
};

fifo *fifo_new(net *nt, const char *name, const dist *service)
{
	fifo *f = g_new0(fifo, 1);
	node_init(&f->base, &fifo_ops, nt, name);
	node_add_port(&f->base);
	node_add_port(&f->base);
	dist_copy(&f->service, service);
	net_rng(nt, &f->rng, name);
	return f;
}

node *fifo_node(fifo *f) { return &f->base; }
uint64_t fifo_arrivals(const fifo *f) { return f->arrivals; }
