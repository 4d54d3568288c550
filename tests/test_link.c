/* \summary: links, routers and the chain: exact delay sums, queue drops, TTL, routing, hops */
#include <string.h>

#include "harness.h"
#include "drops.h"
#include "chain.h"
#include "fabric.h"
#include "link.h"
#include "net.h"

static void test_serialization_math(void)
{
	CU_ASSERT_EQUAL(link_serialization(UINT64_C(10000000000), 1042), 834); /* 833.6 rounds up */
	CU_ASSERT_EQUAL(link_serialization(UINT64_C(1000000000), 1000), 8000);
	CU_ASSERT_EQUAL(link_serialization(UINT64_C(1000000), 1), 8000);
	CU_ASSERT_EQUAL(link_serialization(0, 1500), 0);
}

/* With constant delays and an idle chain, every packet's latency is the sum
 * of (serialization + propagation) over the H + 1 links, exactly. */
static void test_chain_latency_is_sum_of_delays(void)
{
	for (guint hops = 0; hops <= 5; hops++) {
		net *nt = net_new(1);
		udp_source_config cfg = { .count = 50 };
		dist_set_const(&cfg.interval, UNIT_TIME, 100 * SIM_US);
		dist_set_const(&cfg.size, UNIT_SIZE, 1000);
		chain c;
		chain_build(&c, nt, hops, 50 * SIM_US, UINT64_C(10000000000), 0, &cfg);
		sim_run(nt->sim);
		const hdr_hist *h = udp_sink_latency(c.dst);
		sim_time expect = (sim_time)(hops + 1) * (50 * SIM_US + link_serialization(UINT64_C(10000000000), 1042));
		CU_ASSERT_EQUAL(udp_sink_received(c.dst), 50);
		CU_ASSERT_EQUAL(hdr_min(h), expect);
		CU_ASSERT_EQUAL(hdr_max(h), expect);
		dist_clear(&cfg.interval);
		dist_clear(&cfg.size);
		chain_clear(&c);
		net_free(nt);
	}
}

/* A burst into a slow link with room for k frames: the first frame goes on
 * the wire at once, k more wait, the rest are dropped and counted. */
static void test_queue_tail_drop(void)
{
	net *nt = net_new(1);
	udp_source_config cfg = { .count = 20 };
	dist_set_const(&cfg.interval, UNIT_TIME, 0); /* all at time 0 */
	dist_set_const(&cfg.size, UNIT_SIZE, 958);   /* 1000-byte frames */
	chain c;
	chain_build(&c, nt, 0, SIM_US, UINT64_C(1000000), 5000, &cfg); /* 1 Mbps, 5000 B queue */
	sim_run(nt->sim);
	/* The backlog counts every byte accepted and not yet serialized, the
	 * frame on the wire included: frames 1..5 make 5000 bytes; 6..20 drop. */
	CU_ASSERT_EQUAL(udp_sink_received(c.dst), 5);
	CU_ASSERT_EQUAL(net_drops(nt, DROP_QUEUE), 15);
	link *l = g_ptr_array_index(nt->links, 0);
	CU_ASSERT_EQUAL(l->dir[0].drops, 15);
	CU_ASSERT_EQUAL(l->dir[0].drop_bytes, 15000);
	/* The last delivered frame waited for four before it: 5 * 8 ms + 1 us. */
	CU_ASSERT_EQUAL(hdr_max(udp_sink_latency(c.dst)), 5 * 8 * SIM_MS + SIM_US);
	dist_clear(&cfg.interval);
	dist_clear(&cfg.size);
	chain_clear(&c);
	net_free(nt);
}

typedef struct {
	node base;
	pkt *last;
	int got;
} catcher;

static void catcher_receive(node *n, pkt *p, port *in)
{
	(void)in;
	catcher *c = (catcher *)n;
	c->got++;
	pkt_free(c->last);
	c->last = p;
}

static void catcher_destroy(node *n)
{
	catcher *c = (catcher *)n;
	pkt_free(c->last);
	node_clear(n);
	g_free(c);
}

static const node_ops catcher_ops = { "catcher", catcher_receive, catcher_destroy };

/* Routers decrement TTL, drop at zero, drop what they cannot route, prefer
 * the longest prefix, and every node crossed is recorded in the packet. */
static void test_router_ttl_lpm_and_hops(void)
{
	net *nt = net_new(1);
	catcher *src = g_new0(catcher, 1), *a = g_new0(catcher, 1), *b = g_new0(catcher, 1);
	node_init(&src->base, &catcher_ops, nt, "src");
	router *r = router_new(nt, "r");
	node_init(&a->base, &catcher_ops, nt, "a");
	node_init(&b->base, &catcher_ops, nt, "b");
	port *sp = node_add_port(&src->base);
	port *r0 = node_add_port(router_node(r)), *r1 = node_add_port(router_node(r)),
	     *r2 = node_add_port(router_node(r));
	link_new(nt, sp, r0, 10, 0, 0);
	link_new(nt, r1, node_add_port(&a->base), 10, 0, 0);
	link_new(nt, r2, node_add_port(&b->base), 10, 0, 0);
	router_add_route(r, 0x0a000000, 8, r1);  /* 10.0.0.0/8 -> a */
	router_add_route(r, 0x0a010000, 16, r2); /* 10.1.0.0/16 -> b */

	pkt_addrs ad = { .src_ip = 0xc0a80001, .sport = 1, .dport = 2, .ttl = 5 };
	uint32_t dsts[] = { 0x0a020304, 0x0a010203, 0x0b000001 };
	for (int i = 0; i < 3; i++) {
		pkt *p = net_pkt_new(nt, 0);
		ad.dst_ip = dsts[i];
		pkt_build_udp(p, &ad, 10);
		link_send(sp, p);
	}
	pkt *p = net_pkt_new(nt, 0);
	ad.dst_ip = dsts[0];
	ad.ttl = 1;
	pkt_build_udp(p, &ad, 10);
	link_send(sp, p);
	sim_run(nt->sim);
	CU_ASSERT_EQUAL(a->got, 1);
	CU_ASSERT_EQUAL(b->got, 1);
	CU_ASSERT_EQUAL(router_node(r)->drops[DROP_NO_ROUTE], 1);
	CU_ASSERT_EQUAL(router_node(r)->drops[DROP_TTL], 1);
	CU_ASSERT_EQUAL_FATAL(b->last->nhops, 2);
	CU_ASSERT_EQUAL(b->last->hops[0], router_node(r)->id);
	CU_ASSERT_EQUAL(b->last->hops[1], b->base.id);
	CU_ASSERT_EQUAL(pkt_ttl(b->last), 4);
	/* MACs were set hop by hop: the last hop's source is the router's port. */
	CU_ASSERT_EQUAL(memcmp(b->last->hdr + 6, r2->mac, 6), 0);
	CU_ASSERT_EQUAL(pkt_pool_live(nt->pool), 2); /* a->last and b->last */
	net_free(nt);
}

/* Records when each packet arrived and its IP id, in arrival order. */
typedef struct {
	node base;
	guint n;
	sim_time at[64];
	uint16_t id[64];
} recorder;

static void recorder_receive(node *n, pkt *p, port *in)
{
	(void)in;
	recorder *r = (recorder *)n;
	if (r->n < G_N_ELEMENTS(r->at)) {
		r->at[r->n] = sim_now(n->net->sim);
		r->id[r->n] = (uint16_t)(p->hdr[18] << 8 | p->hdr[19]); /* the IP id */
	}
	r->n++;
	pkt_free(p);
}

static void recorder_destroy(node *n)
{
	node_clear(n);
	g_free(n);
}

static const node_ops recorder_ops = { "recorder", recorder_receive, recorder_destroy };

/* src -> dst over `bps` and 10 ns with a 3000-byte queue; returns dst. */
static recorder *two_nodes(net *nt, port **out, uint64_t bps)
{
	catcher *src = g_new0(catcher, 1);
	recorder *dst = g_new0(recorder, 1);
	node_init(&src->base, &catcher_ops, nt, "src");
	node_init(&dst->base, &recorder_ops, nt, "dst");
	*out = node_add_port(&src->base);
	link_new(nt, *out, node_add_port(&dst->base), 10, bps, 3000);
	return dst;
}

static pkt *numbered(net *nt, uint16_t id)
{
	pkt_addrs ad = { .src_ip = 0x0a000001, .dst_ip = 0x0a000002, .sport = 1, .dport = 2, .ip_id = id };
	pkt *p = net_pkt_new(nt, 0);
	pkt_build_udp(p, &ad, 958); /* 1000-byte frames: 8000 ns at 1 Gbps */
	return p;
}

typedef struct {
	port *out;
	sim_time last; /* fabric_send's departure clock */
} sender;

/* At 1 us, a construct forwards two packets back to back, the first after
 * 5 us of processing and the second after 1 us: the second leaves with the
 * first (the port's clock), not before it.  On an infinitely fast link
 * nothing else keeps them in order: a departure handed to the link at its
 * own time, ahead of the first's, would arrive first. */
static void send_two(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	sender *sd = ctx;
	net *nt = sd->out->node->net;
	fabric_send(nt, sd->out, numbered(nt, 1), 5 * SIM_US, &sd->last);
	fabric_send(nt, sd->out, numbered(nt, 2), 1 * SIM_US, &sd->last);
}

static void test_fabric_send_keeps_port_order(void)
{
	net *nt = net_new(1);
	sender sd = { 0 };
	recorder *dst = two_nodes(nt, &sd.out, 0);
	sim_schedule_at(nt->sim, SIM_US, send_two, &sd, NULL);
	sim_run(nt->sim);
	CU_ASSERT_EQUAL_FATAL(dst->n, 2);
	CU_ASSERT_EQUAL(dst->id[0], 1);
	CU_ASSERT_EQUAL(dst->id[1], 2);
	CU_ASSERT_EQUAL(dst->at[0], 6 * SIM_US + 10);
	CU_ASSERT_EQUAL(dst->at[1], 6 * SIM_US + 10);
	net_free(nt);
	/* At 1 Gbps the second is serialized behind the first. */
	nt = net_new(1);
	sd = (sender){ 0 };
	dst = two_nodes(nt, &sd.out, UINT64_C(1000000000));
	sim_schedule_at(nt->sim, SIM_US, send_two, &sd, NULL);
	sim_run(nt->sim);
	CU_ASSERT_EQUAL_FATAL(dst->n, 2);
	CU_ASSERT_EQUAL(dst->id[0], 1);
	CU_ASSERT_EQUAL(dst->at[0], 6 * SIM_US + 8000 + 10);
	CU_ASSERT_EQUAL(dst->at[1], 6 * SIM_US + 16000 + 10);
	net_free(nt);
}

/* An event at `at` that calls link_send (the old way: an event per departure). */
static void send_now(sim *s, void *ctx, void *arg)
{
	(void)s;
	link_send(ctx, arg);
}

/* link_send_at(t) taken early gives the same arrivals, queue decisions and
 * counters as link_send at t, with one event per packet instead of two. */
static void test_send_at_is_send_later(void)
{
	const sim_time when[5] = { 2000, 2000, 2000, 2000, 30000 };
	sim_time at[2][8];
	uint16_t id[2][8];
	guint got[2];
	uint64_t events[2], drops[2];
	for (int way = 0; way < 2; way++) {
		net *nt = net_new(1);
		port *out;
		recorder *dst = two_nodes(nt, &out, UINT64_C(1000000000));
		for (uint16_t i = 0; i < 5; i++) {
			pkt *p = numbered(nt, (uint16_t)(i + 1));
			if (way == 0)
				sim_schedule_at(nt->sim, when[i], send_now, out, p);
			else
				CU_ASSERT_EQUAL(link_send_at(out, p, when[i]), i != 3);
		}
		sim_run(nt->sim);
		got[way] = dst->n;
		memcpy(at[way], dst->at, sizeof at[way]);
		memcpy(id[way], dst->id, sizeof id[way]);
		events[way] = sim_events_run(nt->sim);
		link *l = g_ptr_array_index(nt->links, 0);
		drops[way] = l->dir[0].drops;
		net_free(nt);
	}
	/* At 2 us the queue holds 1000, 2000, then 3000 bytes: the fourth frame
	 * would make 4000 and is dropped; the fifth finds the link idle. */
	CU_ASSERT_EQUAL(got[0], 4);
	CU_ASSERT_EQUAL(got[1], got[0]);
	CU_ASSERT_EQUAL(drops[0], 1);
	CU_ASSERT_EQUAL(drops[1], drops[0]);
	CU_ASSERT_EQUAL(memcmp(at[0], at[1], 4 * sizeof at[0][0]), 0);
	CU_ASSERT_EQUAL(memcmp(id[0], id[1], 4 * sizeof id[0][0]), 0);
	CU_ASSERT_EQUAL(at[0][0], 2000 + 8000 + 10);
	CU_ASSERT_EQUAL(at[0][2], 2000 + 24000 + 10);
	CU_ASSERT_EQUAL(at[0][3], 30000 + 8000 + 10);
	CU_ASSERT_EQUAL(id[0][3], 5);
	CU_ASSERT_EQUAL(events[0], 9);
	CU_ASSERT_EQUAL(events[1], 4);
}

/* A construct that forwards packet i at i us after a processing delay of
 * 0.5 to 4.5 us (a fixed pattern), over 1 Gbps (8 us a frame): the port's
 * queue builds, and departures fall on both sides of any slice's end. */
#define STREAM_N 40

static void stream_send(sim *s, void *ctx, void *arg)
{
	(void)s;
	sender *sd = ctx;
	net *nt = sd->out->node->net;
	uint16_t i = (uint16_t)GPOINTER_TO_UINT(arg);
	fabric_send(nt, sd->out, numbered(nt, i), 500 + (sim_time)((i * 7919u) % 4000u), &sd->last);
}

static void trace_nothing(void *ud, sim_time t, const node *n, const pkt *p, net_trace_kind kind,
                          const char *text)
{
	(void)ud, (void)t, (void)n, (void)p, (void)kind, (void)text;
}

static void trace_keep(void *ud, sim_time t, const node *n, const pkt *p, net_trace_kind kind,
                       const char *text)
{
	(void)t, (void)n, (void)p, (void)kind;
	g_ptr_array_add(ud, g_strdup(text ? text : "(none)"));
}

/* A tracer gets each event; those of kinds it marks bare without text. */
static void test_tracer_bare_kinds(void)
{
	net *nt = net_new(1);
	GPtrArray *got = g_ptr_array_new_with_free_func(g_free);
	net_tracer tr = { .event = trace_keep, .ud = got, .bare = 1u << NET_TRACE_ARRIVE };
	nt->tracer = &tr;
	NET_TRACE(nt, NULL, NULL, NET_TRACE_ARRIVE, "from %s", "a");
	NET_TRACE(nt, NULL, NULL, NET_TRACE_DECIDE, "route %d", 7);
	tr.bare = 0;
	NET_TRACE(nt, NULL, NULL, NET_TRACE_ARRIVE, "from %s", "b");
	CU_ASSERT_EQUAL_FATAL(got->len, 3);
	CU_ASSERT_STRING_EQUAL(g_ptr_array_index(got, 0), "(none)");
	CU_ASSERT_STRING_EQUAL(g_ptr_array_index(got, 1), "route 7");
	CU_ASSERT_STRING_EQUAL(g_ptr_array_index(got, 2), "from b");
	g_ptr_array_unref(got);
	nt->tracer = NULL;
	net_free(nt);
}

static void tracer_off(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	((net *)ctx)->tracer = NULL;
}

/*
 * fabric_send folds a departure into its link's event only where that is
 * exact, and the packets arrive at the same times in the same order
 * whichever way each departure went: (0) one sim_run, every departure
 * folded; (1) slices of 2.5 us, departures past a slice's end waiting in
 * an event and those behind them in the port's list; (2) a tracer, every
 * departure in an event of its own; (3) the tracer removed at 15.5 us,
 * with departures still waiting in their events.
 */
static void test_fabric_send_folds_where_exact(void)
{
	static net_tracer quiet = { .event = trace_nothing };
	sim_time at[4][STREAM_N];
	uint16_t id[4][STREAM_N];
	uint64_t events[4], pkts[4];
	for (int way = 0; way < 4; way++) {
		net *nt = net_new(1);
		sender sd = { 0 };
		recorder *dst = two_nodes(nt, &sd.out, UINT64_C(1000000000));
		link *l = g_ptr_array_index(nt->links, 0);
		link_set_queue(l, sd.out, 0);
		for (guint i = 1; i <= STREAM_N; i++)
			sim_schedule_at(nt->sim, i * SIM_US, stream_send, &sd, GUINT_TO_POINTER(i));
		if (way >= 2)
			nt->tracer = &quiet;
		if (way == 3)
			sim_schedule_at(nt->sim, 15 * SIM_US + 500, tracer_off, nt, NULL);
		if (way == 1)
			while (sim_pending(nt->sim) > 0)
				sim_run_until(nt->sim, sim_now(nt->sim) + 2500);
		else
			sim_run(nt->sim);
		CU_ASSERT_EQUAL_FATAL(dst->n, STREAM_N);
		memcpy(at[way], dst->at, sizeof at[way]);
		memcpy(id[way], dst->id, sizeof id[way]);
		events[way] = sim_events_run(nt->sim);
		pkts[way] = l->dir[0].pkts;
		CU_ASSERT_PTR_NULL(sd.out->wait_head);
		CU_ASSERT_EQUAL(sd.out->departing, 0);
		net_free(nt);
	}
	for (int way = 1; way < 4; way++) {
		CU_ASSERT_EQUAL(memcmp(at[way], at[0], sizeof at[0]), 0);
		CU_ASSERT_EQUAL(memcmp(id[way], id[0], sizeof id[0]), 0);
		CU_ASSERT_EQUAL(pkts[way], STREAM_N);
	}
	for (guint i = 0; i < STREAM_N; i++)
		CU_ASSERT_EQUAL(id[0][i], i + 1);
	/* The first leaves at 1 us + 0.5 + 7919 % 4000 ns and takes 8 us on the
	 * wire; each later one is serialized behind it. */
	CU_ASSERT_EQUAL(at[0][0], SIM_US + 500 + 3919 + 8000 + 10);
	CU_ASSERT_EQUAL(at[0][STREAM_N - 1], at[0][0] + (STREAM_N - 1) * 8000);
	/* A send and an arrival per packet, folded; a departure more each with
	 * the tracer; in between when slices or the tracer hold some back. */
	CU_ASSERT_EQUAL(events[0], 2 * STREAM_N);
	CU_ASSERT_EQUAL(events[2], 3 * STREAM_N);
	CU_ASSERT(events[1] > events[0] && events[1] < events[2]);
	CU_ASSERT(events[3] > events[0] + 1 && events[3] < events[2] + 1);
}

static void count_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer ud)
{
	(void)domain;
	(void)level;
	(void)message;
	(*(int *)ud)++;
}

/* The hazard of taking a departure early: a packet sent out of the same
 * port before that departure's time would have gone first, and now queues
 * behind it.  link_send_at's callers must rule that out; when one does not,
 * the link says so instead of reordering silently. */
static void test_send_behind_early_departure_complains(void)
{
	net *nt = net_new(1);
	port *out;
	recorder *dst = two_nodes(nt, &out, 0);
	int criticals = 0;
	guint h = g_log_set_handler(NULL, G_LOG_LEVEL_CRITICAL, count_log, &criticals);
	CU_ASSERT_TRUE(link_send_at(out, numbered(nt, 1), 6000));
	sim_schedule_at(nt->sim, 2000, send_now, out, numbered(nt, 2));
	sim_run(nt->sim);
	g_log_remove_handler(NULL, h);
	CU_ASSERT_EQUAL(criticals, 1);
	/* The packet sent at 2 us waited for the one taken for 6 us. */
	CU_ASSERT_EQUAL_FATAL(dst->n, 2);
	CU_ASSERT_EQUAL(dst->id[0], 1);
	net_free(nt);
}

static uint64_t fnv1a(uint64_t h, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/* One UDP packet from src to a over a 10 ns link; the fingerprint, and the
 * header the catcher got in `hdr` (hdr_len bytes). */
static uint64_t one_packet_fingerprint(gboolean start, uint16_t dport, uint8_t *hdr, uint16_t *hdr_len,
                                       uint16_t *a_id)
{
	net *nt = net_new(1);
	if (start)
		net_fingerprint_start(nt);
	catcher *src = g_new0(catcher, 1), *a = g_new0(catcher, 1);
	node_init(&src->base, &catcher_ops, nt, "src");
	node_init(&a->base, &catcher_ops, nt, "a");
	node_add_port(&a->base); /* the link ends on a's second port */
	link_new(nt, node_add_port(&src->base), node_add_port(&a->base), 10, 0, 0);
	pkt_addrs ad = { .src_ip = 0x0a000001, .dst_ip = 0x0a000002, .sport = 1, .dport = dport };
	pkt *p = net_pkt_new(nt, 0);
	pkt_build_udp(p, &ad, 10);
	link_send(node_port(&src->base, 0), p);
	sim_run(nt->sim);
	CU_ASSERT_EQUAL_FATAL(a->got, 1);
	memcpy(hdr, a->last->hdr, a->last->hdr_len);
	*hdr_len = a->last->hdr_len;
	*a_id = a->base.id;
	uint64_t fp = sim_fingerprint(nt->sim);
	net_free(nt);
	return fp;
}

/* A delivered packet adds, after its arrival time, the receiving node's id
 * and port index (big-endian) and its header bytes as delivered. */
static void test_fingerprint_packets(void)
{
	uint8_t hdr[PKT_HDR_MAX];
	uint16_t len = 0, id = 0;
	uint64_t fp = one_packet_fingerprint(TRUE, 2, hdr, &len, &id);
	CU_ASSERT_EQUAL(len, PKT_ETH_LEN + PKT_IP_LEN + PKT_UDP_LEN);
	const uint8_t t10[8] = { 10 };
	const uint8_t where[4] = { (uint8_t)(id >> 8), (uint8_t)id, 0, 1 };
	uint64_t h = fnv1a(SIM_FINGERPRINT_INIT, t10, 8);
	h = fnv1a(h, where, 4);
	h = fnv1a(h, hdr, len);
	CU_ASSERT_EQUAL(fp, h);
	/* One header field changed: another fingerprint. */
	CU_ASSERT_NOT_EQUAL(one_packet_fingerprint(TRUE, 3, hdr, &len, &id), fp);
	CU_ASSERT_EQUAL(one_packet_fingerprint(FALSE, 2, hdr, &len, &id), SIM_FINGERPRINT_INIT);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("links and routers");
	CU_add_test(s, "serialization is ceil(bits / rate)", test_serialization_math);
	CU_add_test(s, "chain latency is the exact sum of its delays", test_chain_latency_is_sum_of_delays);
	CU_add_test(s, "a full queue drops and counts", test_queue_tail_drop);
	CU_add_test(s, "router: TTL, longest prefix, no route, hops", test_router_ttl_lpm_and_hops);
	CU_add_test(s, "fabric_send: a port's packets leave in order, each delay from now",
	            test_fabric_send_keeps_port_order);
	CU_add_test(s, "link_send_at(t) now is link_send at t, in one event", test_send_at_is_send_later);
	CU_add_test(s, "fabric_send folds departures where exact: same arrivals in slices, with a tracer",
	            test_fabric_send_folds_where_exact);
	CU_add_test(s, "a tracer's bare kinds come without text", test_tracer_bare_kinds);
	CU_add_test(s, "a send behind a departure taken early is reported",
	            test_send_behind_early_departure_complains);
	CU_add_test(s, "fingerprint: node, port and headers of every delivered packet",
	            test_fingerprint_packets);
}
