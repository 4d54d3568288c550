/* \summary: TCP tests: segments, seq/ack, window scaling, exact latencies, loss, RST, Wireshark */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "drops.h"
#include "pcap_check.h"
#include "host.h"
#include "router.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))
#define CLI_IP IP(10, 0, 1, 5)
#define SRV_IP IP(10, 0, 2, 10)

/* ---- a two-host topology with a tap on what each host sends ---- */

typedef struct {
	sim_time t;
	uint8_t flags;
	uint32_t seq, ack, len;
	uint16_t mss;
	uint16_t win;  /* the window field as sent */
	int wscale;    /* the Window Scale option's shift, -1 if none */
	gboolean sack_perm, has_ts;
	uint32_t ts_val, ts_ecr;
	guint nsack;   /* SACK blocks */
	uint32_t sack[PKT_TCP_SACK_MAX][2];
	uint32_t hdr;  /* TCP header length */
} seg;

typedef struct topo topo;
/* Returns TRUE to drop the segment (after it is recorded). */
typedef gboolean (*drop_fn)(topo *t, int side, const seg *s);

struct topo {
	net *nt;
	host *h[2];            /* 0: client 10.0.1.5, 1: server 10.0.2.10 */
	router *r;
	GArray *out[2];        /* seg: what each host sent, dropped ones included */
	drop_fn drop;
	int dropped;
	uint32_t drop_offs[8];  /* for drop_listed */
	guint n_drop;
	guint32 dropped_mask;
	GRand *rng;             /* for drop_random */
	double loss_p;
	gboolean no_record;     /* do not keep what the hosts send (long runs) */
	uint8_t ttl_in[2];     /* TTL of the last packet each host received */
	char *dir;
	char *cap[2];
};

static int tap_in(host *h, pkt *p, void *ud)
{
	topo *t = ud;
	t->ttl_in[h == t->h[0] ? 0 : 1] = pkt_ttl(p);
	return HOST_ALLOW;
}

static int tap_out(host *h, pkt *p, void *ud)
{
	topo *t = ud;
	int side = h == t->h[0] ? 0 : 1;
	seg s = { net_now(t->nt), pkt_tcp_flags(p), pkt_tcp_seq(p), pkt_tcp_ack(p), p->payload_len,
	          pkt_tcp_mss(p), pkt_tcp_window(p), pkt_tcp_wscale(p), .sack_perm = pkt_tcp_sack_perm(p),
	          .hdr = p->hdr_len - p->l4_off };
	s.has_ts = pkt_tcp_ts(p, &s.ts_val, &s.ts_ecr);
	s.nsack = pkt_tcp_sack(p, s.sack);
	if (!t->no_record || t->out[side]->len == 0)
		g_array_append_val(t->out[side], s);
	if (t->drop && t->drop(t, side, &s)) {
		t->dropped++;
		return DROP_QUEUE;
	}
	return HOST_ALLOW;
}

/* Long runs turn the captures off. */
static gboolean topo_no_capture;

/* Client and server joined by one link (delay d1), or through a router by
 * two links (d1 client side, d2 server side), each at bps with a queue
 * limit; both host ports captured. */
static void topo_init_named(topo *t, const char *srv_name, uint32_t mtu, gboolean via_router,
                            sim_time d1, sim_time d2, uint64_t bps, uint64_t queue,
                            const tcp_config *cli_tcp, const tcp_config *srv_tcp)
{
	memset(t, 0, sizeof *t);
	t->nt = net_new(7);
	host_config hc = { .ip = CLI_IP, .mtu = mtu, .tcp = cli_tcp };
	t->h[0] = host_new(t->nt, "client", &hc);
	hc = (host_config){ .ip = SRV_IP, .mtu = mtu, .tcp = srv_tcp };
	t->h[1] = host_new(t->nt, srv_name, &hc);
	port *cp = node_port(host_node(t->h[0]), 0), *sp = node_port(host_node(t->h[1]), 0);
	if (via_router) {
		t->r = router_new(t->nt, "r");
		port *w = node_add_port(router_node(t->r)), *e = node_add_port(router_node(t->r));
		link_new(t->nt, cp, w, d1, bps, queue);
		link_new(t->nt, e, sp, d2, bps, queue);
		router_add_route(t->r, IP(10, 0, 1, 0), 24, w);
		router_add_route(t->r, IP(10, 0, 2, 0), 24, e);
	} else {
		link_new(t->nt, cp, sp, d1, bps, queue);
	}
	for (int i = 0; i < 2; i++) {
		t->out[i] = g_array_new(FALSE, FALSE, sizeof(seg));
		host_set_filters(t->h[i], tap_out, tap_in, t);
	}
	t->dir = harness_tmpdir();
	GError *err = NULL;
	if (!topo_no_capture) {
		CU_ASSERT_TRUE(net_capture(t->nt, cp, t->dir, "client", 0, &err));
		CU_ASSERT_TRUE(net_capture(t->nt, sp, t->dir, "server", 0, &err));
	}
	CU_ASSERT_PTR_NULL(err);
	t->cap[0] = g_build_filename(t->dir, "client.pcap", NULL);
	t->cap[1] = g_build_filename(t->dir, "server.pcap", NULL);
}

static void topo_init(topo *t, uint32_t mtu, gboolean via_router, sim_time d1, sim_time d2,
                      uint64_t bps, uint64_t queue, const tcp_config *cli_tcp,
                      const tcp_config *srv_tcp)
{
	topo_init_named(t, "server", mtu, via_router, d1, d2, bps, queue, cli_tcp, srv_tcp);
}

/* Runs to the end (TIME_WAIT included), publishes the captures and checks
 * that nothing leaked: no packet, no connection. */
static void topo_run(topo *t)
{
	sim_run(t->nt->sim);
	GError *err = NULL;
	CU_ASSERT_TRUE(net_close_captures(t->nt, &err));
	CU_ASSERT_PTR_NULL(err);
	CU_ASSERT_EQUAL(pkt_pool_live(t->nt->pool), 0);
	CU_ASSERT_EQUAL(tcp_stack_conn_count(host_tcp(t->h[0])), 0);
	CU_ASSERT_EQUAL(tcp_stack_conn_count(host_tcp(t->h[1])), 0);
}

static void topo_clear(topo *t)
{
	net_free(t->nt);
	for (int i = 0; i < 2; i++) {
		g_array_unref(t->out[i]);
		g_free(t->cap[i]);
	}
	harness_rmtree(t->dir);
	g_free(t->dir);
}

static http_server *serve(topo *t, uint64_t body, sim_time think)
{
	host_http_server_config sc = { .port = 80 };
	dist_set_const(&sc.response_size, UNIT_SIZE, (double)body);
	dist_set_const(&sc.think, UNIT_TIME, (double)think);
	GError *err = NULL;
	http_server *s = host_serve_http(t->h[1], &sc, &err);
	CU_ASSERT_PTR_NOT_NULL(s);
	CU_ASSERT_PTR_NULL(err);
	return s;
}

/* One workload of `count` requests, `gap` apart. */
static host_workload *load(topo *t, uint16_t dport, uint64_t count, sim_time gap,
                           gboolean keepalive)
{
	host_target tg = { SRV_IP, dport, NULL };
	host_workload_config wc = { .name = "w", .targets = &tg, .n_targets = 1, .count = count,
	                            .keepalive = keepalive, .max_conns = keepalive ? 1 : 0 };
	dist_set_const(&wc.interval, UNIT_TIME, (double)gap);
	host_workload *w = host_add_workload(t->h[0], &wc);
	dist_clear(&wc.interval);
	return w;
}

static uint64_t head_len(GString *g)
{
	uint64_t n = g->len;
	g_string_free(g, TRUE);
	return n;
}

/* Bytes of a default-handler response: head + body. */
static uint64_t resp_len(uint64_t body, gboolean close)
{
	return head_len(http_response_head(200, body, close, NULL)) + body;
}

static int count_flag(const GArray *a, uint8_t flag)
{
	int n = 0;
	for (guint i = 0; i < a->len; i++)
		n += (g_array_index(a, seg, i).flags & flag) != 0;
	return n;
}

/* ---- tests ---- */

/*
 * One GET answered by a 100,000-byte body, connection per request.  The
 * response is head + body = 78 + 100,000 = 100,078 bytes, where the head is
 * "HTTP/1.1 200 OK\r\n" (17) "Server: vpcsim\r\n" (16)
 * "Content-Length: 100000\r\n" (24) "Connection: close\r\n" (19) "\r\n" (2).
 * Both sides offer MSS = MTU - 40 and timestamps, so a segment holds 12
 * bytes less (Linux's 1448 for MSS 1460), ceil(100078 / (MSS - 12)):
 *   MTU 1500: 1448, 69 full segments + 166 bytes = 70;
 *   MTU 9001: 8949, 11 full segments + 1639 bytes = 12.
 */
static void run_get(uint32_t mtu, guint want_segs, uint32_t want_last, gboolean lint_both)
{
	const uint64_t body = 100000;
	const uint32_t mss = mtu - 40, seg_max = mss - 12;
	topo t;
	topo_init(&t, mtu, FALSE, 50 * SIM_US, 0, 0, 0, NULL, NULL);
	serve(&t, body, SIM_MS);
	host_workload *w = load(&t, 80, 1, SIM_MS, FALSE);
	topo_run(&t);

	const uint64_t resp = resp_len(body, TRUE);
	const uint64_t req = head_len(http_request_head("GET", "10.0.2.10", "/", 0, TRUE, NULL));
	CU_ASSERT_EQUAL(resp, 100078);
	CU_ASSERT_EQUAL((resp + seg_max - 1) / seg_max, want_segs);
	const host_workload_result *r = host_workload_get_result(w);
	CU_ASSERT_EQUAL(r->completed, 1);
	CU_ASSERT_EQUAL(host_workload_failed(w), 0);
	CU_ASSERT_EQUAL(r->bytes_received, resp);
	CU_ASSERT_EQUAL(r->bytes_sent, req);

	GArray *c = t.out[0], *s = t.out[1];
	CU_ASSERT_FATAL(c->len >= 4 && s->len >= 2);
	/* Handshake: SYN, SYN-ACK, both as Linux sends them: MSS = MTU - 40,
	 * SACK-permitted, timestamps and Window Scale 7, a 40-byte header (a
	 * 74-byte frame); their windows unscaled, half of the 131072-byte
	 * initial buffer rounded down to whole segments: 44 * 1460 = 64240
	 * (Linux's) at MTU 1500, 7 * 8961 = 62727 at MTU 9001.  The SYN
	 * echoes no timestamp; the SYN-ACK echoes the SYN's. */
	const seg *syn = &g_array_index(c, seg, 0), *synack = &g_array_index(s, seg, 0);
	const uint16_t syn_win = (uint16_t)(65536 / mss * mss);
	CU_ASSERT_EQUAL(syn_win, mtu == 1500 ? 64240 : 62727);
	CU_ASSERT_EQUAL(syn->flags, PKT_TCP_SYN);
	CU_ASSERT_EQUAL(syn->mss, mss);
	CU_ASSERT_EQUAL(syn->wscale, 7);
	CU_ASSERT_EQUAL(syn->win, syn_win);
	CU_ASSERT_EQUAL(syn->hdr, 40);
	CU_ASSERT_TRUE(syn->sack_perm && syn->has_ts);
	CU_ASSERT_EQUAL(syn->ts_ecr, 0);
	CU_ASSERT_EQUAL(synack->flags, PKT_TCP_SYN | PKT_TCP_ACK);
	CU_ASSERT_EQUAL(synack->mss, mss);
	CU_ASSERT_EQUAL(synack->wscale, 7);
	CU_ASSERT_EQUAL(synack->win, syn_win);
	CU_ASSERT_EQUAL(synack->ack, syn->seq + 1);
	CU_ASSERT_EQUAL(synack->hdr, 40);
	CU_ASSERT_TRUE(synack->sack_perm && synack->has_ts);
	CU_ASSERT_EQUAL(synack->ts_ecr, syn->ts_val);
	/* Every later segment, both ways: a timestamp and nothing else (a
	 * 32-byte header; no loss, so no SACK block), a window that starts
	 * at the SYN's rounded up to a unit of 128 (64256 >> 7 = 502 at MTU
	 * 1500, as Linux's first ACK shows; 62848 >> 7 = 491 at MTU 9001) and
	 * never shrinks, at most half of tcp_rmem[2] (3 MiB >> 7 = 24576). */
	for (int side = 0; side < 2; side++) {
		uint16_t prev = 0;
		for (guint i = 1; i < t.out[side]->len; i++) {
			const seg *x = &g_array_index(t.out[side], seg, i);
			if (i == 1 && side == 0) /* the handshake's ACK */
				CU_ASSERT_EQUAL(x->win, (syn_win + 127) / 128);
			CU_ASSERT(x->win >= prev && x->win <= 24576);
			prev = x->win;
			CU_ASSERT_EQUAL(x->wscale, -1);
			CU_ASSERT_EQUAL(x->mss, 0);
			CU_ASSERT_EQUAL(x->hdr, 32);
			CU_ASSERT_TRUE(x->has_ts && !x->sack_perm);
			CU_ASSERT_EQUAL(x->nsack, 0);
		}
	}
	const uint32_t ciss = syn->seq, siss = synack->seq;

	/* The handshake's last ACK goes alone, the request right after it. */
	const seg *hack = &g_array_index(c, seg, 1);
	CU_ASSERT_EQUAL(hack->flags, PKT_TCP_ACK);
	CU_ASSERT_EQUAL(hack->len, 0);
	CU_ASSERT_EQUAL(hack->ack, siss + 1);
	CU_ASSERT_EQUAL(hack->ts_ecr, synack->ts_val);
	const seg *rq = &g_array_index(c, seg, 2);
	CU_ASSERT_EQUAL(rq->t, hack->t);
	CU_ASSERT_EQUAL(rq->flags, PKT_TCP_ACK | PKT_TCP_PSH);
	CU_ASSERT_EQUAL(rq->seq, ciss + 1);
	CU_ASSERT_EQUAL(rq->ack, siss + 1);
	CU_ASSERT_EQUAL(rq->len, req);

	/* The response: consecutive sequence numbers, full segments but the
	 * last, which carries PSH and the FIN (the server closes after a
	 * Connection: close answer). */
	guint nseg = 0;
	uint64_t off = 0;
	for (guint i = 1; i < s->len; i++) {
		const seg *x = &g_array_index(s, seg, i);
		if (x->len == 0)
			continue;
		nseg++;
		CU_ASSERT_EQUAL(x->seq, siss + 1 + (uint32_t)off);
		CU_ASSERT_EQUAL(x->ack, ciss + 1 + (uint32_t)req);
		gboolean last = off + x->len == resp;
		CU_ASSERT_EQUAL(x->len, last ? want_last : seg_max);
		CU_ASSERT_EQUAL(x->flags,
		                last ? (PKT_TCP_ACK | PKT_TCP_PSH | PKT_TCP_FIN) : PKT_TCP_ACK);
		off += x->len;
	}
	CU_ASSERT_EQUAL(nseg, want_segs);
	CU_ASSERT_EQUAL(off, resp);

	/* The client's ACKs never go back and never pass what was sent; its
	 * last one covers the response and the FIN; its FIN follows the
	 * request and the server acknowledges it. */
	uint32_t prev = 0;
	for (guint i = 1; i < c->len; i++) {
		const seg *x = &g_array_index(c, seg, i);
		uint32_t rel = x->ack - siss;
		CU_ASSERT(rel >= prev && rel <= resp + 2);
		prev = rel;
	}
	const seg *cfin = &g_array_index(c, seg, c->len - 1);
	CU_ASSERT_EQUAL(cfin->flags, PKT_TCP_FIN | PKT_TCP_ACK);
	CU_ASSERT_EQUAL(cfin->seq, ciss + 1 + (uint32_t)req);
	CU_ASSERT_EQUAL(cfin->ack, siss + 1 + (uint32_t)resp + 1);
	const seg *slast = &g_array_index(s, seg, s->len - 1);
	CU_ASSERT_EQUAL(slast->flags, PKT_TCP_ACK);
	CU_ASSERT_EQUAL(slast->seq, siss + 1 + (uint32_t)resp + 1);
	CU_ASSERT_EQUAL(slast->ack, ciss + 1 + (uint32_t)req + 1);
	CU_ASSERT_EQUAL(count_flag(c, PKT_TCP_SYN), 1);
	CU_ASSERT_EQUAL(count_flag(s, PKT_TCP_FIN), 1);

	for (int i = 0; i < 2; i++) {
		const tcp_stack_stats *st = tcp_stack_get_stats(host_tcp(t.h[i]));
		CU_ASSERT_EQUAL(st->retransmits, 0);
		CU_ASSERT_EQUAL(st->closed[TCP_CLOSE_NORMAL], 1);
		CU_ASSERT_EQUAL(st->rst_sent + st->rst_received, 0);
		CU_ASSERT_EQUAL(st->segs_out, t.out[i]->len);
	}
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(t.h[1]))->bytes_out, resp);

	if (pcap_check_have_tshark()) {
		for (int i = 0; i < 2; i++) {
			if (i == 1 || lint_both)
				pcap_check_lint(t.cap[i]);
			GArray *rs = g_array_new(FALSE, FALSE, sizeof(pcap_http_resp));
			CU_ASSERT_EQUAL(pcap_check_http(t.cap[i], rs), 1);
			CU_ASSERT_EQUAL_FATAL(rs->len, 1);
			CU_ASSERT_EQUAL(g_array_index(rs, pcap_http_resp, 0).content_length, body);
			CU_ASSERT_EQUAL(g_array_index(rs, pcap_http_resp, 0).total, resp);
			g_array_unref(rs);
		}
	}
	topo_clear(&t);
}

/* pcap-lint costs about a second per file, so each capture point is linted
 * once across the two MTUs. */
static void test_get_mtu_1500(void) { run_get(1500, 70, 166, TRUE); }
static void test_get_mtu_9001(void) { run_get(9001, 12, 1639, FALSE); }

/* A request's outcome, kept by a done callback. */
typedef struct {
	int n;
	http_result r[8];
} results;

static void keep_result(const http_result *r, void *ud)
{
	results *rs = ud;
	if (rs->n < (int)G_N_ELEMENTS(rs->r))
		rs->r[rs->n++] = *r;
}

/* Frame sizes: SYN and SYN-ACK carry MSS (4), SACK-permitted and
 * timestamps (12), NOP and Window Scale (4), 14 + 20 + 40 = 74 as Linux's;
 * any later segment a timestamp (NOP NOP and 10), 14 + 20 + 32 = 66 bytes
 * plus its payload. */
#define SYN_FRAME 74
#define DATA_FRAME(len) (66 + (len))

/*
 * With constant delays, no competing traffic and single-segment messages,
 * a request on a new connection takes exactly
 *
 *   latency = ow(SYN) + ow(SYN-ACK) + ow(request) + think + ow(response)
 *
 * where ow(frame) is the one-way time of that frame: over each link,
 * serialization (frame bytes * 8 / rate, rounded up to the ns) plus
 * propagation, plus on a link of finite rate the serialization of the
 * handshake's last ACK, which leaves alone just before the request.  The
 * request leaves as soon as the SYN-ACK arrives and the server's delayed
 * ACK (40 ms) never
 * goes alone before a 3 ms think time ends.
 */
static void test_exact_latency(void)
{
	const sim_time think = 3 * SIM_MS;
	const uint64_t body = 100;
	const uint64_t req = head_len(http_request_head("GET", "10.0.2.10", "/", 0, FALSE, NULL));
	const uint64_t resp = resp_len(body, FALSE);

	/* 1. One link, 50 us, infinitely fast: 4 * 50 us + 3 ms. */
	{
		topo t;
		topo_init(&t, 1500, FALSE, 50 * SIM_US, 0, 0, 0, NULL, NULL);
		serve(&t, body, think);
		http_client_config cc = { .local_ip = CLI_IP, .ip = SRV_IP, .port = 80,
		                          .keepalive = TRUE };
		http_client *cl = http_client_new(host_tcp(t.h[0]), &cc);
		results rs = { 0 };
		http_request_spec spec = { 0 };
		http_client_request(cl, &spec, keep_result, &rs);
		sim_run_until(t.nt->sim, SIM_S);
		CU_ASSERT_EQUAL_FATAL(rs.n, 1);
		const http_result *r = &rs.r[0];
		CU_ASSERT_EQUAL(r->fail, HTTP_OK);
		CU_ASSERT_EQUAL(r->status, 200);
		CU_ASSERT_EQUAL(r->content_length, body);
		CU_ASSERT_EQUAL(r->response_bytes, resp);
		CU_ASSERT_EQUAL(r->t_start, 0);
		CU_ASSERT_EQUAL(r->t_connected, 100 * SIM_US);
		CU_ASSERT_EQUAL(r->t_sent, 100 * SIM_US);
		CU_ASSERT_EQUAL(r->t_first_byte, 3200 * SIM_US);
		CU_ASSERT_EQUAL(r->t_complete, 3200 * SIM_US);
		CU_ASSERT_FALSE(r->reused);
		CU_ASSERT_EQUAL(t.ttl_in[0], 64); /* no router on the way */
		/* Delayed ACKs: the server's ACK of the request rides on the
		 * response (3 ms < 40 ms), so it sends nothing between; the
		 * client acknowledges the lone response segment 40 ms later. */
		CU_ASSERT_EQUAL_FATAL(t.out[1]->len, 2);
		CU_ASSERT_EQUAL(g_array_index(t.out[1], seg, 1).len, resp);
		CU_ASSERT_EQUAL_FATAL(t.out[0]->len, 4);
		CU_ASSERT_EQUAL(g_array_index(t.out[0], seg, 1).len, 0); /* the handshake's ACK */
		const seg *dack = &g_array_index(t.out[0], seg, 3);
		CU_ASSERT_EQUAL(dack->flags, PKT_TCP_ACK);
		CU_ASSERT_EQUAL(dack->len, 0);
		CU_ASSERT_EQUAL(dack->t, 3200 * SIM_US + 40 * SIM_MS);
		CU_ASSERT_EQUAL(dack->ack, g_array_index(t.out[1], seg, 1).seq + (uint32_t)resp);
		http_client_close_idle(cl);
		topo_run(&t);
		http_client_free(cl);
		topo_clear(&t);
	}

	/* 2. Through a router: 30 us and 70 us links at 1 Gbit/s. */
	{
		const uint64_t bps = UINT64_C(1000000000);
		const sim_time d1 = 30 * SIM_US, d2 = 70 * SIM_US;
#define OW(frame) (2 * link_serialization(bps, (frame)) + d1 + d2)
		const sim_time syn = OW(SYN_FRAME);
		const sim_time ack = link_serialization(bps, DATA_FRAME(0));
		const sim_time want =
		        syn + syn + ack + OW(DATA_FRAME(req)) + think + OW(DATA_FRAME(resp));
		/* By hand: SYN 2 * 592 + 100000 ns = 101184 ns each way (74
		 * bytes, 592 ns at 1 Gbit/s); the ACK ahead of the request 528
		 * ns (66 bytes) on the first link, hidden behind the longer
		 * request on the second; request 66 + req bytes, response 66 +
		 * resp bytes. */
		CU_ASSERT_EQUAL(syn, 101184);
		CU_ASSERT_EQUAL(ack, 528);
		CU_ASSERT_EQUAL(OW(DATA_FRAME(resp)),
		                2 * (((66 + resp) * 8000000000 + bps - 1) / bps) + 100000);
		topo t;
		topo_init(&t, 1500, TRUE, d1, d2, bps, 0, NULL, NULL);
		serve(&t, body, think);
		http_client_config cc = { .local_ip = CLI_IP, .ip = SRV_IP, .port = 80,
		                          .keepalive = FALSE };
		http_client *cl = http_client_new(host_tcp(t.h[0]), &cc);
		results rs = { 0 };
		http_request_spec spec = { 0 };
		http_client_request(cl, &spec, keep_result, &rs);
		topo_run(&t);
		CU_ASSERT_EQUAL_FATAL(rs.n, 1);
		/* Connection: close adds 19 bytes to each head. */
		const sim_time close_extra = 2 * (link_serialization(bps, DATA_FRAME(req + 19)) -
		                                  link_serialization(bps, DATA_FRAME(req))) +
		                             2 * (link_serialization(bps, DATA_FRAME(resp + 19)) -
		                                  link_serialization(bps, DATA_FRAME(resp)));
		CU_ASSERT_EQUAL(rs.r[0].t_connected, 2 * syn);
		CU_ASSERT_EQUAL(rs.r[0].t_complete - rs.r[0].t_start, want + close_extra);
		CU_ASSERT_EQUAL(router_forwarded(t.r), t.out[0]->len + t.out[1]->len);
		CU_ASSERT_EQUAL(t.ttl_in[0], 63); /* the router decremented it */
		CU_ASSERT_EQUAL(t.ttl_in[1], 63);
		pcap_check_lint(t.cap[1]);
		http_client_free(cl);
		topo_clear(&t);
#undef OW
	}
}

/*
 * Five requests 10 ms apart (each done long before the next), one link of
 * d = 50 us, think 1 ms, 100-byte bodies.  Kept alive: one handshake, the
 * first request takes 4d + think, the others 2d + think.  One connection
 * per request: five handshakes, each request 4d + think.
 */
static void test_keepalive_vs_per_request(void)
{
	const sim_time d = 50 * SIM_US, think = SIM_MS;
	for (int ka = 0; ka < 2; ka++) {
		topo t;
		topo_init(&t, 1500, FALSE, d, 0, 0, 0, NULL, NULL);
		http_server *srv = serve(&t, 100, think);
		host_workload *w = load(&t, 80, 5, 10 * SIM_MS, ka);
		topo_run(&t);
		const host_workload_result *r = host_workload_get_result(w);
		CU_ASSERT_EQUAL(r->started, 5);
		CU_ASSERT_EQUAL(r->completed, 5);
		CU_ASSERT_EQUAL(hdr_count(r->latency), 5);
		CU_ASSERT_EQUAL(r->connections, ka ? 1 : 5);
		CU_ASSERT_EQUAL(http_server_get_stats(srv)->connections, ka ? 1 : 5);
		CU_ASSERT_EQUAL(http_server_get_stats(srv)->requests, 5);
		CU_ASSERT_EQUAL(count_flag(t.out[0], PKT_TCP_SYN), ka ? 1 : 5);
		CU_ASSERT_EQUAL(count_flag(t.out[1], PKT_TCP_SYN), ka ? 1 : 5);
		CU_ASSERT_EQUAL(count_flag(t.out[0], PKT_TCP_FIN), ka ? 1 : 5);
		CU_ASSERT_EQUAL(count_flag(t.out[1], PKT_TCP_FIN), ka ? 1 : 5);
		CU_ASSERT_EQUAL(hdr_max(r->latency), 4 * d + think);
		CU_ASSERT_EQUAL(hdr_min(r->latency), ka ? 2 * d + think : 4 * d + think);
		ASSERT_NEAR(r->latency_acc.mean, ka ? (4 * d + think + 4 * (2 * d + think)) / 5.0
		                                    : (double)(4 * d + think), 1e-6);
		ASSERT_NEAR(r->connect_acc.mean, 2 * d, 1e-6);
		CU_ASSERT_EQUAL(r->connect_acc.n, ka ? 1 : 5);
		/* Kept alive, the client closes first; per request, the server. */
		pcap_check_lint(t.cap[ka ? 0 : 1]);
		for (int i = 0; i < 2; i++) {
			if (harness_have("tshark")) {
				GArray *rs = g_array_new(FALSE, FALSE, sizeof(pcap_http_resp));
				CU_ASSERT_EQUAL(pcap_check_http(t.cap[i], rs), 5);
				uint64_t want = resp_len(100, !ka);
				for (guint k = 0; k < rs->len; k++) {
					const pcap_http_resp *x;
					x = &g_array_index(rs, pcap_http_resp, k);
					CU_ASSERT_EQUAL(x->total, want);
				}
				g_array_unref(rs);
			}
		}
		topo_clear(&t);
	}
}

/* A router whose link to the client runs at 10 Mbit/s with room for 6000
 * bytes: the initial window of 10 full segments arrives at once from the
 * 1 Gbit/s side and the tail of the burst is dropped.  The transfer must
 * still complete, by retransmission, with every byte accounted for. */
static void test_queue_drop_recovers(void)
{
	const uint64_t body = 100000;
	topo t;
	memset(&t, 0, sizeof t);
	t.nt = net_new(7);
	host_config hc = { .ip = CLI_IP, .mtu = 1500 };
	t.h[0] = host_new(t.nt, "client", &hc);
	hc.ip = SRV_IP;
	t.h[1] = host_new(t.nt, "server", &hc);
	t.r = router_new(t.nt, "r");
	port *w = node_add_port(router_node(t.r)), *e = node_add_port(router_node(t.r));
	link *slow = link_new(t.nt, node_port(host_node(t.h[0]), 0), w, 20 * SIM_US,
	                      UINT64_C(10000000), 6000);
	link_new(t.nt, e, node_port(host_node(t.h[1]), 0), 20 * SIM_US, UINT64_C(1000000000), 0);
	router_add_route(t.r, IP(10, 0, 1, 0), 24, w);
	router_add_route(t.r, IP(10, 0, 2, 0), 24, e);
	for (int i = 0; i < 2; i++) {
		t.out[i] = g_array_new(FALSE, FALSE, sizeof(seg));
		host_set_filters(t.h[i], tap_out, NULL, &t);
	}
	t.dir = harness_tmpdir();
	t.cap[0] = g_build_filename(t.dir, "client.pcap", NULL);
	t.cap[1] = g_build_filename(t.dir, "server.pcap", NULL);
	port *cp = node_port(host_node(t.h[0]), 0);
	CU_ASSERT_TRUE(net_capture(t.nt, cp, t.dir, "client", 0, NULL));
	serve(&t, body, SIM_MS);
	host_workload *wl = load(&t, 80, 1, SIM_MS, FALSE);
	sim_run(t.nt->sim);
	CU_ASSERT_TRUE(net_close_captures(t.nt, NULL));

	const host_workload_result *r = host_workload_get_result(wl);
	CU_ASSERT_EQUAL(r->completed, 1);
	CU_ASSERT_EQUAL(host_workload_failed(wl), 0);
	CU_ASSERT_EQUAL(r->bytes_received, resp_len(body, TRUE));
	CU_ASSERT(slow->dir[1].drops > 0);
	CU_ASSERT_EQUAL(net_drops(t.nt, DROP_QUEUE), slow->dir[1].drops);
	const tcp_stack_stats *ss = tcp_stack_get_stats(host_tcp(t.h[1]));
	CU_ASSERT(ss->retransmits > 0);
	CU_ASSERT(ss->fast_retransmits + ss->timeouts > 0);
	CU_ASSERT_EQUAL(ss->closed[TCP_CLOSE_NORMAL], 1);
	CU_ASSERT_EQUAL(pkt_pool_live(t.nt->pool), 0);
	CU_ASSERT_EQUAL(tcp_stack_conn_count(host_tcp(t.h[0])), 0);
	CU_ASSERT_EQUAL(tcp_stack_conn_count(host_tcp(t.h[1])), 0);
	/* Wireshark flags the loss, but still reassembles the whole response
	 * out of the retransmitted bytes. */
	if (harness_have("tshark")) {
		GArray *rs = g_array_new(FALSE, FALSE, sizeof(pcap_http_resp));
		CU_ASSERT_EQUAL(pcap_check_http(t.cap[0], rs), 1);
		if (rs->len == 1)
			CU_ASSERT_EQUAL(g_array_index(rs, pcap_http_resp, 0).total,
			                resp_len(body, TRUE));
		g_array_unref(rs);
	}
	topo_clear(&t);
}

/* Drop rules for the tap. */
static gboolean drop_first_syn(topo *t, int side, const seg *s)
{
	return side == 0 && s->flags == PKT_TCP_SYN && count_flag(t->out[0], PKT_TCP_SYN) == 1;
}

static gboolean drop_first_synack(topo *t, int side, const seg *s)
{
	(void)t;
	return side == 1 && s->flags == (PKT_TCP_SYN | PKT_TCP_ACK) &&
	       count_flag(t->out[1], PKT_TCP_SYN) == 1;
}

/* The server's third data segment, the first time only. */
static gboolean drop_third_data(topo *t, int side, const seg *s)
{
	if (side != 1 || s->len == 0 || t->dropped)
		return FALSE;
	int n = 0;
	for (guint i = 0; i < t->out[1]->len; i++)
		n += g_array_index(t->out[1], seg, i).len > 0;
	return n == 3;
}

/* The server's last data segment (it carries the FIN), the first time. */
static gboolean drop_tail(topo *t, int side, const seg *s)
{
	return side == 1 && (s->flags & PKT_TCP_FIN) && !t->dropped;
}

/* A lost SYN is sent again after the initial RTO of exactly 1 s, so the
 * request takes 1 s + 4d + think.  A lost SYN-ACK costs the same: the
 * client's second SYN (at 1 s) finds the server in SYN_RCVD, which answers
 * it with the SYN-ACK again. */
static void test_syn_loss_rto(void)
{
	const sim_time d = 50 * SIM_US, think = SIM_MS;
	topo t;
	topo_init(&t, 1500, FALSE, d, 0, 0, 0, NULL, NULL);
	t.drop = drop_first_synack;
	serve(&t, 100, think);
	host_workload *w0 = load(&t, 80, 1, SIM_MS, FALSE);
	topo_run(&t);
	CU_ASSERT_EQUAL(t.dropped, 1);
	CU_ASSERT_EQUAL(host_workload_get_result(w0)->completed, 1);
	CU_ASSERT_EQUAL(hdr_max(host_workload_get_result(w0)->latency), SIM_S + 4 * d + think);
	CU_ASSERT(tcp_stack_get_stats(host_tcp(t.h[1]))->retransmits >= 1);
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(t.h[0]))->retransmits, 1);
	topo_clear(&t);

	topo_init(&t, 1500, FALSE, d, 0, 0, 0, NULL, NULL);
	t.drop = drop_first_syn;
	serve(&t, 100, think);
	host_workload *w = load(&t, 80, 1, SIM_MS, FALSE);
	topo_run(&t);
	const host_workload_result *r = host_workload_get_result(w);
	CU_ASSERT_EQUAL(r->completed, 1);
	CU_ASSERT_EQUAL(hdr_max(r->latency), SIM_S + 4 * d + think);
	CU_ASSERT_EQUAL(r->connect_acc.max, (double)(SIM_S + 2 * d));
	const tcp_stack_stats *cs = tcp_stack_get_stats(host_tcp(t.h[0]));
	CU_ASSERT_EQUAL(cs->retransmits, 1);
	CU_ASSERT_EQUAL(cs->timeouts, 1);
	CU_ASSERT_EQUAL(t.dropped, 1);
	CU_ASSERT_EQUAL(g_array_index(t.out[0], seg, 1).t, SIM_S);
	CU_ASSERT_EQUAL(g_array_index(t.out[0], seg, 0).seq, g_array_index(t.out[0], seg, 1).seq);
	topo_clear(&t);
}

/* A segment lost mid-transfer is followed by others, whose duplicate ACKs
 * trigger a fast retransmit well before any timeout; a lost last segment
 * has nothing behind it and waits for the RTO (at least 200 ms).  Either
 * way every byte arrives. */
static void test_data_loss(void)
{
	const uint64_t body = 100000;
	const uint64_t resp = resp_len(body, TRUE);
	for (int tail = 0; tail < 2; tail++) {
		topo t;
		topo_init(&t, 1500, FALSE, 50 * SIM_US, 0, 0, 0, NULL, NULL);
		t.drop = tail ? drop_tail : drop_third_data;
		serve(&t, body, SIM_MS);
		host_workload *w = load(&t, 80, 1, SIM_MS, FALSE);
		topo_run(&t);
		const host_workload_result *r = host_workload_get_result(w);
		CU_ASSERT_EQUAL(t.dropped, 1);
		CU_ASSERT_EQUAL(r->completed, 1);
		CU_ASSERT_EQUAL(r->bytes_received, resp);
		const tcp_stack_stats *ss = tcp_stack_get_stats(host_tcp(t.h[1]));
		CU_ASSERT_EQUAL(ss->fast_retransmits, tail ? 0 : 1);
		CU_ASSERT_EQUAL(ss->timeouts, tail ? 1 : 0);
		CU_ASSERT(ss->retransmits >= 1);
		const sim_time worst = hdr_max(r->latency);
		CU_ASSERT(tail ? worst > 200 * SIM_MS : worst < 200 * SIM_MS);
		/* Every byte of the response was sent at least once in order: the
		 * highest sequence number reached covers it and the FIN. */
		uint32_t siss = g_array_index(t.out[1], seg, 0).seq;
		uint64_t top = 0;
		for (guint i = 1; i < t.out[1]->len; i++) {
			const seg *x = &g_array_index(t.out[1], seg, i);
			uint64_t end = (uint32_t)(x->seq - siss) + x->len;
			if (x->flags & PKT_TCP_FIN)
				end++;
			top = MAX(top, end);
		}
		CU_ASSERT_EQUAL(top, 1 + resp + 1);
		topo_clear(&t);
	}
}

/*
 * A SYN to a port nobody listens on is answered by a RST (seq 0, ACK of
 * the SYN), and the client fails with "connection refused" one round trip
 * after it started.  With RSTs turned off on the server the SYN goes
 * unanswered: two retries (RTO 1 s, then 2 s, then 4 s) and the client
 * gives up at exactly 7 s with "connection timed out".
 */
static void test_refused_and_timeout(void)
{
	const sim_time d = 50 * SIM_US;
	for (int silent = 0; silent < 2; silent++) {
		tcp_config ct, st;
		tcp_config_default(&ct);
		tcp_config_default(&st);
		ct.syn_retries = 2;
		st.no_rst = silent;
		topo t;
		topo_init(&t, 1500, FALSE, d, 0, 0, 0, &ct, &st);
		serve(&t, 100, 0);
		http_client_config cc = { .local_ip = CLI_IP, .ip = SRV_IP, .port = 81 };
		http_client *cl = http_client_new(host_tcp(t.h[0]), &cc);
		results rs = { 0 };
		http_request_spec spec = { 0 };
		http_client_request(cl, &spec, keep_result, &rs);
		topo_run(&t);
		CU_ASSERT_EQUAL_FATAL(rs.n, 1);
		const http_result *r = &rs.r[0];
		CU_ASSERT_EQUAL(r->fail, silent ? HTTP_FAIL_TIMEOUT : HTTP_FAIL_REFUSED);
		CU_ASSERT_STRING_EQUAL(http_fail_name(r->fail),
		                       silent ? "connection timed out" : "connection refused");
		CU_ASSERT_EQUAL(r->status, 0);
		CU_ASSERT_EQUAL(r->t_complete - r->t_start, silent ? 7 * SIM_S : 2 * d);
		CU_ASSERT_EQUAL(r->t_connected, -1);
		CU_ASSERT_EQUAL(r->t_first_byte, -1);
		const tcp_stack_stats *cs = tcp_stack_get_stats(host_tcp(t.h[0]));
		const tcp_stack_stats *ss = tcp_stack_get_stats(host_tcp(t.h[1]));
		CU_ASSERT_EQUAL(cs->closed[silent ? TCP_CLOSE_TIMEOUT : TCP_CLOSE_REFUSED], 1);
		CU_ASSERT_EQUAL(cs->failed_opens, 1);
		CU_ASSERT_EQUAL(ss->unknown, silent ? 3 : 1);
		CU_ASSERT_EQUAL(ss->rst_sent, silent ? 0 : 1);
		CU_ASSERT_EQUAL(t.out[1]->len, silent ? 0 : 1);
		if (!silent) {
			const seg *syn = &g_array_index(t.out[0], seg, 0);
			const seg *rst = &g_array_index(t.out[1], seg, 0);
			CU_ASSERT_EQUAL(rst->flags, PKT_TCP_RST | PKT_TCP_ACK);
			CU_ASSERT_EQUAL(rst->seq, 0);
			CU_ASSERT_EQUAL(rst->ack, syn->seq + 1);
		}
		http_client_free(cl);
		topo_clear(&t);
	}
}

/* ---- the TCP API on its own ---- */

typedef struct {
	GArray *got;          /* (msg pointer, offset, len) of each delivery */
	uint64_t bytes;
	int eof, closed, connected, accepted;
	tcp_close_reason why;
	tcp_conn *conn;
	net *nt;              /* if set, t_last is kept */
	sim_time t_last;      /* when the last bytes were delivered */
} app;

typedef struct {
	const pkt_msg *msg;
	uint64_t off;
	uint32_t len;
} delivery;

static void app_connected(tcp_conn *c, void *ud)
{
	app *a = ud;
	a->connected++;
	a->conn = c;
}

static void app_accept(tcp_conn *c, void *ud)
{
	app *a = ud;
	a->accepted++;
	a->conn = c;
}

static void app_data(tcp_conn *c, const pkt_msg *m, uint64_t off, uint32_t len, void *ud)
{
	(void)c;
	app *a = ud;
	delivery d = { m, off, len };
	g_array_append_val(a->got, d);
	a->bytes += len;
	if (a->nt)
		a->t_last = net_now(a->nt);
}

static void app_eof(tcp_conn *c, void *ud)
{
	app *a = ud;
	a->eof++;
	tcp_close(c);
}

static void app_closed(tcp_conn *c, tcp_close_reason why, void *ud)
{
	(void)c;
	app *a = ud;
	a->closed++;
	a->why = why;
	a->conn = NULL;
}

static const tcp_callbacks app_cb = { app_accept, app_connected, app_data, app_eof, app_closed };

/*
 * Writes of message ranges arrive as the same messages and offsets, in
 * order and contiguous: 1 byte, then bytes [100, 3100) of a message, then
 * 70,000 bytes (more than the 65,535-byte window of a server that offers no
 * window scaling).  The client then closes and the server closes in answer.
 */
static void test_api_stream(void)
{
	topo t;
	tcp_config st;
	tcp_config_default(&st);
	st.wscale = -1;
	topo_init(&t, 1500, FALSE, 10 * SIM_US, 0, 0, 0, NULL, &st);
	app srv = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	app cli = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	CU_ASSERT_PTR_NOT_NULL(tcp_listen(host_tcp(t.h[1]), 0, 9000, 0, &app_cb, &srv));
	CU_ASSERT_PTR_NULL(tcp_listen(host_tcp(t.h[1]), 0, 9000, 0, &app_cb, &srv));
	tcp_conn *c = tcp_connect(host_tcp(t.h[0]), CLI_IP, 40000, SRV_IP, 9000, 0, &app_cb, &cli);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* The same 4-tuple again: refused locally. */
	CU_ASSERT_PTR_NULL(
	        tcp_connect(host_tcp(t.h[0]), CLI_IP, 40000, SRV_IP, 9000, 0, &app_cb, &cli));
	CU_ASSERT_EQUAL(tcp_conn_state(c), TCP_SYN_SENT);
	pkt_msg *m[3] = { pkt_msg_new(NULL, 1, 1), pkt_msg_new(NULL, 5000, 2),
	                  pkt_msg_new(NULL, 70000, 3) };
	const uint64_t offs[3] = { 0, 100, 0 }, lens[3] = { 1, 3000, 70000 };
	for (int i = 0; i < 3; i++)
		CU_ASSERT_TRUE(tcp_write(c, m[i], offs[i], lens[i]));
	tcp_close(c);
	CU_ASSERT_FALSE(tcp_write(c, m[0], 0, 1)); /* the sending side is closed */
	topo_run(&t);

	CU_ASSERT_EQUAL(cli.connected, 1);
	CU_ASSERT_EQUAL(srv.accepted, 1);
	CU_ASSERT_EQUAL(srv.bytes, 73001);
	CU_ASSERT_EQUAL(srv.eof, 1);
	CU_ASSERT_EQUAL(cli.eof, 1);
	CU_ASSERT_EQUAL(srv.closed, 1);
	CU_ASSERT_EQUAL(cli.closed, 1);
	CU_ASSERT_EQUAL(srv.why, TCP_CLOSE_NORMAL);
	CU_ASSERT_EQUAL(cli.why, TCP_CLOSE_NORMAL);
	int k = 0;
	uint64_t next = offs[0];
	for (guint i = 0; i < srv.got->len; i++) {
		const delivery *d = &g_array_index(srv.got, delivery, i);
		if (d->msg != m[k]) {
			CU_ASSERT_EQUAL(next, offs[k] + lens[k]); /* the previous write ended */
			k++;
			CU_ASSERT_FATAL(k < 3);
			next = offs[k];
		}
		CU_ASSERT_PTR_EQUAL(d->msg, m[k]);
		CU_ASSERT_EQUAL(d->off, next);
		CU_ASSERT(d->len <= 1460);
		next += d->len;
	}
	CU_ASSERT_EQUAL(k, 2);
	CU_ASSERT_EQUAL(next, 70000);
	/* The client closed first: it went through TIME_WAIT (now over). */
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(t.h[0]))->closed[TCP_CLOSE_NORMAL], 1);
	pcap_check_lint(t.cap[1]);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(m[i]->refs, 1); /* the stack let go of every reference */
		pkt_msg_unref(m[i]);
	}
	g_array_unref(srv.got);
	g_array_unref(cli.got);
	topo_clear(&t);
}

/* The server closes first and keeps the tuple in TIME_WAIT; a new SYN
 * from the same client port takes the tuple over at once instead of
 * waiting 60 s. */
static void test_time_wait_reuse(void)
{
	const sim_time d = 10 * SIM_US;
	topo t;
	topo_init(&t, 1500, FALSE, d, 0, 0, 0, NULL, NULL);
	app srv = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	app cli = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	tcp_listen(host_tcp(t.h[1]), 0, 9000, 0, &app_cb, &srv);
	tcp_connect(host_tcp(t.h[0]), CLI_IP, 40000, SRV_IP, 9000, 0, &app_cb, &cli);
	sim_run_until(t.nt->sim, SIM_MS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv.conn);
	tcp_close(srv.conn); /* the client closes in answer (app_eof) */
	sim_run_until(t.nt->sim, 2 * SIM_MS);
	CU_ASSERT_EQUAL(cli.closed, 1);
	CU_ASSERT_EQUAL(srv.closed, 1);
	CU_ASSERT_EQUAL(tcp_stack_conn_count(host_tcp(t.h[1])), 1); /* in TIME_WAIT */
	CU_ASSERT_EQUAL(tcp_stack_conn_count(host_tcp(t.h[0])), 0);
	tcp_conn *c = tcp_connect(host_tcp(t.h[0]), CLI_IP, 40000, SRV_IP, 9000, 0, &app_cb, &cli);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	sim_run_until(t.nt->sim, 3 * SIM_MS);
	CU_ASSERT_EQUAL(cli.connected, 2);
	CU_ASSERT_EQUAL(srv.accepted, 2);
	CU_ASSERT_EQUAL(tcp_conn_get_stats(c)->t_established, 2 * SIM_MS + 2 * d);
	tcp_close(c);
	topo_run(&t);
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(t.h[0]))->retransmits, 0);
	g_array_unref(srv.got);
	g_array_unref(cli.got);
	topo_clear(&t);
}

/* tcp_abort sends a RST; the peer reports "connection reset". */
static void test_api_abort(void)
{
	topo t;
	topo_init(&t, 1500, FALSE, 10 * SIM_US, 0, 0, 0, NULL, NULL);
	app srv = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	app cli = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	tcp_listen(host_tcp(t.h[1]), SRV_IP, 9000, 0, &app_cb, &srv);
	tcp_conn *c = tcp_connect(host_tcp(t.h[0]), CLI_IP, 0, SRV_IP, 9000, 0, &app_cb, &cli);
	CU_ASSERT(tcp_conn_local_port(c) >= 32768 && tcp_conn_local_port(c) <= 60999);
	sim_run_until(t.nt->sim, SIM_MS);
	CU_ASSERT_EQUAL(tcp_conn_state(c), TCP_ESTABLISHED);
	CU_ASSERT_EQUAL_FATAL(srv.accepted, 1);
	CU_ASSERT_EQUAL(tcp_conn_state(srv.conn), TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(tcp_conn_get_stats(c)->t_established, 20 * SIM_US);
	CU_ASSERT_EQUAL(tcp_conn_srtt(c), 20 * SIM_US);
	tcp_abort(c);
	topo_run(&t);
	CU_ASSERT_EQUAL(cli.closed, 0); /* no callback for one's own abort */
	CU_ASSERT_EQUAL(srv.closed, 1);
	CU_ASSERT_EQUAL(srv.why, TCP_CLOSE_RESET);
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(t.h[0]))->rst_sent, 1);
	g_array_unref(srv.got);
	g_array_unref(cli.got);
	topo_clear(&t);
}

/* ---- window scaling ---- */

/* One row of tshark's view of a TCP segment. */
typedef struct {
	gboolean from_client, syn;
	int shift;          /* tcp.options.wscale.shift, -1 if absent */
	guint64 field;      /* tcp.window_size_value */
	guint64 window;     /* tcp.window_size: the window as Wireshark computes it */
	gint64 factor;      /* tcp.window_size_scalefactor (-1 unknown, -2 no scaling) */
} ws_row;

/* Reads every TCP segment of a capture through tshark. */
static GArray *tshark_windows(const char *file)
{
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(ws_row));
	const char *argv[] = { "tshark", "-n", "-r", file, "-T", "fields", "-E", "separator=|",
	                       "-e", "tcp.srcport", "-e", "tcp.flags.syn",
	                       "-e", "tcp.options.wscale.shift", "-e", "tcp.window_size_value",
	                       "-e", "tcp.window_size", "-e", "tcp.window_size_scalefactor", NULL };
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(harness_run(argv, &out, &err), 0);
	char **lines = g_strsplit(g_strstrip(out ? out : g_strdup("")), "\n", -1);
	for (char **l = lines; *l && **l; l++) {
		char **f = g_strsplit(*l, "|", -1);
		CU_ASSERT_EQUAL_FATAL(g_strv_length(f), 6);
		ws_row r = { .from_client = g_ascii_strtoull(f[0], NULL, 10) == 40000,
		             .syn = g_ascii_strtoull(f[1], NULL, 10) == 1,
		             .shift = *f[2] ? (int)g_ascii_strtoll(f[2], NULL, 10) : -1,
		             .field = g_ascii_strtoull(f[3], NULL, 10),
		             .window = g_ascii_strtoull(f[4], NULL, 10),
		             .factor = g_ascii_strtoll(f[5], NULL, 10) };
		g_array_append_val(rows, r);
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(out);
	g_free(err);
	return rows;
}

/*
 * A 1 MiB upload (1,048,576 bytes) over one link of 500 us each way (a
 * 1 ms round trip), infinitely fast, so every flight leaves at one instant
 * and the number of distinct send times is the number of round trips the
 * data took.  Both sides use timestamps, so a segment holds 1460 - 12 =
 * 1448 bytes: 724 full segments and one of 224, 725 in all.  The client
 * closes right after writing, so the FIN rides on the last segment and is
 * acknowledged at once: no delayed ACK ends the transfer.  The first
 * flight leaves when the SYN-ACK arrives, at 1 ms.
 *
 * Both sides scale: the server's window starts at 64256 bytes and grows
 * by two segments per segment received and, once a round trip, with the
 * bytes received (as Linux's does), always ahead of slow start, so the
 * congestion window alone limits.  Slow start from IW10 with an ACK for
 * every two segments: each ACK acknowledges 2 segments and grows cwnd by
 * 2, so each flight is twice the last: 10, 20, 40, 80, 160, 320 (630 in
 * six), then the 95 left: 7 flights, at 1, 2, ..., 7 ms; the last byte
 * reaches the server at 7.5 ms.
 *
 * The server offers no Window Scale: no scaling either way, and its window
 * (64240 at first, 65535 once a few segments arrived) is 45 full segments
 * (65160 bytes; a 46th would pass it).  Flights 10, 20, 40 (70), then 45;
 * the 45th, odd one out of the server's ACK-every-second-segment, waits for
 * the next flight to be acknowledged, so 44 per round trip from then on:
 * 115 + 13 * 44 = 687, and the 38 left in an 18th flight at 18 ms; the last
 * byte arrives at 18.5 ms.  (1 MiB / 64 KiB is 16 round trips; slow start
 * and whole segments add two.)
 */
static void run_bulk(gboolean srv_scales, guint want_flights)
{
	const uint64_t total = UINT64_C(1) << 20;
	const uint32_t mss = 1448;
	const guint nseg = (guint)((total + mss - 1) / mss);
	CU_ASSERT_EQUAL(nseg, 725);
	/* The flights by the rule above: double each round trip, at most
	 * `cap` segments (45 = 65535 / 1448 without scaling). */
	guint want[64], nflights = 0, left = nseg, cwnd = 10;
	guint cap = srv_scales ? G_MAXUINT : 65535 / mss;
	while (left > 0 && nflights < G_N_ELEMENTS(want)) {
		guint f = MIN(MIN(cwnd, cap), left);
		if (f == cap && cap % 2)
			cap--; /* one segment left for a delayed ACK from now on */
		want[nflights++] = f;
		left -= f;
		cwnd *= 2;
	}
	CU_ASSERT_EQUAL(nflights, want_flights);
	CU_ASSERT_EQUAL(want[nflights - 1], srv_scales ? 95 : 38);

	tcp_config sc;
	tcp_config_default(&sc);
	if (!srv_scales)
		sc.wscale = -1;
	topo t;
	topo_init(&t, 1500, FALSE, 500 * SIM_US, 0, 0, 0, NULL, &sc);
	app srv = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)), .nt = t.nt };
	app cli = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	tcp_listen(host_tcp(t.h[1]), 0, 9000, 0, &app_cb, &srv);
	tcp_conn *c = tcp_connect(host_tcp(t.h[0]), CLI_IP, 40000, SRV_IP, 9000, 0, &app_cb, &cli);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	pkt_msg *m = pkt_msg_new(NULL, total, 9);
	CU_ASSERT_TRUE(tcp_write(c, m, 0, total));
	tcp_close(c);

	/* At 2.1 ms each side has seen a segment after the SYNs: the windows
	 * flow control uses.  The client, which received nothing yet, offers
	 * 64240 rounded up to a unit: 502 << 7 = 64256 (64240 unscaled).  The
	 * server got the first flight: its window grew to the clamp, half of
	 * the 131072-byte buffer (65536; 65535 unscaled), and the client reads
	 * it shifted as the server wrote it. */
	sim_run_until(t.nt->sim, 2100 * SIM_US);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv.conn);
	const uint64_t srv_wnd = srv_scales ? 65536 : 65535, cli_wnd = srv_scales ? 64256 : 64240;
	CU_ASSERT_EQUAL(tcp_conn_snd_wnd(c), srv_wnd);
	CU_ASSERT_EQUAL(tcp_conn_rcv_wnd(srv.conn), srv_wnd);
	CU_ASSERT_EQUAL(tcp_conn_snd_wnd(srv.conn), cli_wnd);
	CU_ASSERT_EQUAL(tcp_conn_rcv_wnd(c), cli_wnd);
	topo_run(&t);

	CU_ASSERT_EQUAL(srv.bytes, total);
	CU_ASSERT_EQUAL(srv.t_last, (sim_time)want_flights * SIM_MS + 500 * SIM_US);
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(t.h[0]))->retransmits, 0);
	CU_ASSERT_EQUAL(cli.closed, 1);
	CU_ASSERT_EQUAL(cli.why, TCP_CLOSE_NORMAL);

	/* The client's data segments, grouped by send time. */
	guint got[64] = { 0 }, k = 0, segs = 0;
	sim_time at = -1;
	for (guint i = 0; i < t.out[0]->len; i++) {
		const seg *x = &g_array_index(t.out[0], seg, i);
		if (x->len == 0)
			continue;
		if (x->t != at) {
			if (at >= 0)
				k++;
			at = x->t;
			CU_ASSERT_FATAL(k < G_N_ELEMENTS(got));
			CU_ASSERT_EQUAL(at, (sim_time)(k + 1) * SIM_MS);
		}
		got[k]++;
		segs++;
	}
	CU_ASSERT_EQUAL(segs, nseg);
	CU_ASSERT_EQUAL(k + 1, want_flights);
	for (guint i = 0; i < want_flights && i <= k; i++) {
		CU_ASSERT_EQUAL(got[i], want[i]);
		if (got[i] != want[i])
			printf("\n    flight %u: %u segments, wanted %u", i, got[i], want[i]);
	}

	/* The option on the wire: in the client's SYN always, in the SYN-ACK
	 * only when the server scales; window fields after the SYNs. */
	const seg *syn = &g_array_index(t.out[0], seg, 0);
	const seg *synack = &g_array_index(t.out[1], seg, 0);
	CU_ASSERT_EQUAL(syn->wscale, 7);
	CU_ASSERT_EQUAL(synack->wscale, srv_scales ? 7 : -1);
	CU_ASSERT_EQUAL(synack->win, 64240);
	/* The server's window fields never shrink and end at most at half of
	 * tcp_rmem[2] (3 MiB >> 7 = 24576), or 65535 unscaled; the client's
	 * stay at its first (it receives no data). */
	const uint16_t top = srv_scales ? 24576 : 65535;
	for (int side = 0; side < 2; side++) {
		uint16_t prev = 0;
		for (guint i = 1; i < t.out[side]->len; i++) {
			uint16_t w = g_array_index(t.out[side], seg, i).win;
			CU_ASSERT(w >= prev && w <= top);
			if (side == 0)
				CU_ASSERT_EQUAL(w, srv_scales ? 502 : 64240);
			prev = w;
		}
	}

	/* Wireshark agrees: it reads the shifts from the SYNs, scales every
	 * later window by 128 (or knows that scaling is off, factor -2), and
	 * finds nothing to warn about (no window full, no zero window). */
	if (pcap_check_have_tshark()) {
		pcap_check_lint(t.cap[0]);
		GArray *rows = tshark_windows(t.cap[0]);
		CU_ASSERT_EQUAL(rows->len, t.out[0]->len + t.out[1]->len);
		guint syns = 0;
		for (guint i = 0; i < rows->len; i++) {
			const ws_row *r = &g_array_index(rows, ws_row, i);
			if (r->syn) {
				syns++;
				CU_ASSERT_EQUAL(r->shift, r->from_client || srv_scales ? 7 : -1);
				CU_ASSERT_EQUAL(r->field, 64240);
				continue;
			}
			CU_ASSERT_EQUAL(r->shift, -1);
			CU_ASSERT_EQUAL(r->window, (uint64_t)r->field << (srv_scales ? 7 : 0));
			CU_ASSERT_EQUAL(r->factor, srv_scales ? 128 : -2);
		}
		CU_ASSERT_EQUAL(syns, 2);
		g_array_unref(rows);
	}
	pkt_msg_unref(m);
	g_array_unref(srv.got);
	g_array_unref(cli.got);
	topo_clear(&t);
}

static void test_wscale_bulk(void) { run_bulk(TRUE, 7); }
static void test_wscale_peer_without(void) { run_bulk(FALSE, 18); }

/*
 * Sequence acceptability uses the window we advertised.  On an established
 * connection a segment is injected into the server's stack starting d
 * bytes past what it expects: with d = window - 1 it lies inside the window
 * but after a gap (dropped as out of order); with d = window it starts at
 * the right edge and is not acceptable (counted bad).  Both are answered by
 * an ACK of what the server has.  The window is 6 MiB with scaling on
 * both sides, 65535 bytes when the client offers none, so d = 100,000 is
 * inside one and outside the other.
 */
static void run_accept(gboolean cli_scales)
{
	tcp_config cc;
	tcp_config_default(&cc);
	if (!cli_scales)
		cc.wscale = -1;
	topo t;
	topo_init(&t, 1500, FALSE, 10 * SIM_US, 0, 0, 0, &cc, NULL);
	app srv = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	app cli = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	tcp_listen(host_tcp(t.h[1]), 0, 9000, 0, &app_cb, &srv);
	tcp_conn *c = tcp_connect(host_tcp(t.h[0]), CLI_IP, 40000, SRV_IP, 9000, 0, &app_cb, &cli);
	sim_run_until(t.nt->sim, SIM_MS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv.conn);
	const uint32_t wnd = tcp_conn_rcv_wnd(srv.conn);
	CU_ASSERT_EQUAL(wnd, cli_scales ? 64256 : 64240); /* the initial window */
	tcp_stack *ss = host_tcp(t.h[1]);
	const uint32_t next = tcp_conn_iss(c) + 1; /* the client has sent no data */
	const uint32_t dists[] = { wnd - 1, wnd, 100000 };
	uint64_t peer_wnd = tcp_conn_snd_wnd(srv.conn);
	CU_ASSERT_EQUAL(peer_wnd, cli_scales ? 64256 : 64240);
	for (guint i = 0; i < G_N_ELEMENTS(dists); i++) {
		const uint32_t d = dists[i];
		gboolean inside = d < wnd;
		uint64_t bad = tcp_stack_get_stats(ss)->bad;
		uint64_t ooo = tcp_conn_get_stats(srv.conn)->ooo_segs;
		guint sent = t.out[1]->len;
		pkt *p = net_pkt_new(t.nt, 0);
		pkt_addrs a = { .src_ip = CLI_IP, .dst_ip = SRV_IP, .sport = 40000, .dport = 9000 };
		const uint16_t field = (uint16_t)(500 + i);
		pkt_build_tcp(p, &a, next + d, tcp_conn_iss(srv.conn) + 1, PKT_TCP_ACK, field, 0,
		              100);
		tcp_stack_input(ss, p);
		CU_ASSERT_EQUAL(tcp_stack_get_stats(ss)->bad, bad + (inside ? 0 : 1));
		CU_ASSERT_EQUAL(tcp_conn_get_stats(srv.conn)->ooo_segs, ooo + (inside ? 1 : 0));
		CU_ASSERT_EQUAL_FATAL(t.out[1]->len, sent + 1);
		const seg *ack = &g_array_index(t.out[1], seg, sent);
		CU_ASSERT_EQUAL(ack->flags, PKT_TCP_ACK);
		CU_ASSERT_EQUAL(ack->ack, next);
		CU_ASSERT_EQUAL(ack->len, 0);
		/* An acceptable segment's window field counts, shifted by the
		 * client's shift; an unacceptable one's is ignored. */
		if (inside)
			peer_wnd = (uint64_t)field << (cli_scales ? 7 : 0);
		CU_ASSERT_EQUAL(tcp_conn_snd_wnd(srv.conn), peer_wnd);
	}
	CU_ASSERT_EQUAL(srv.bytes, 0);
	tcp_close(c);
	topo_run(&t);
	CU_ASSERT_EQUAL(cli.why, TCP_CLOSE_NORMAL);
	g_array_unref(srv.got);
	g_array_unref(cli.got);
	topo_clear(&t);
}

static void test_wscale_acceptance(void)
{
	run_accept(TRUE);
	run_accept(FALSE);
}

/* Sequence numbers wrap past 2^32 during a transfer.  The server's ISN comes
 * from its random stream, seeded by the host's name, so the test looks for
 * a name whose first ISN lies within 200 KB of 2^32, then checks a 1 MB
 * response end to end, Wireshark included. */
static void nop_tx(void *owner, pkt *p)
{
	(void)owner;
	pkt_free(p);
}

static void test_seq_wrap(void)
{
	net *probe = net_new(7);
	char name[32] = "";
	static const tcp_callbacks none = { 0 };
	for (int i = 0; i < 200000 && !*name; i++) {
		char cand[32];
		g_snprintf(cand, sizeof cand, "server-%d", i);
		tcp_stack *st = tcp_stack_new(probe, cand, NULL, nop_tx, NULL);
		/* The first connection of a stack draws the same ISN whether it
		 * is opened or accepted (checked below against the SYN-ACK). */
		tcp_conn *c = tcp_connect(st, 1, 1, 2, 2, 0, &none, NULL);
		if (tcp_conn_iss(c) > UINT32_MAX - 200000)
			g_strlcpy(name, cand, sizeof name);
		tcp_stack_free(st);
	}
	net_free(probe);
	CU_ASSERT_FATAL(*name);

	const uint64_t body = 1000000;
	const uint64_t resp = resp_len(body, TRUE);
	topo t;
	topo_init_named(&t, name, 1500, FALSE, 20 * SIM_US, 0, 0, 0, NULL, NULL);
	serve(&t, body, 0);
	host_workload *w = load(&t, 80, 1, SIM_MS, FALSE);
	topo_run(&t);
	CU_ASSERT_EQUAL(host_workload_get_result(w)->completed, 1);
	CU_ASSERT_EQUAL(host_workload_get_result(w)->bytes_received, resp);
	const uint32_t siss = g_array_index(t.out[1], seg, 0).seq;
	CU_ASSERT(siss > UINT32_MAX - 200000);
	CU_ASSERT((uint64_t)siss + 1 + resp > UINT32_MAX); /* it did wrap */
	uint64_t off = 0;
	gboolean wrapped = FALSE;
	for (guint i = 1; i < t.out[1]->len; i++) {
		const seg *x = &g_array_index(t.out[1], seg, i);
		if (x->len == 0)
			continue;
		CU_ASSERT_EQUAL(x->seq, siss + 1 + (uint32_t)off);
		wrapped |= x->seq < siss;
		off += x->len;
	}
	CU_ASSERT_EQUAL(off, resp);
	CU_ASSERT_TRUE(wrapped);
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(t.h[1]))->retransmits, 0);
	pcap_check_lint(t.cap[0]);
	if (harness_have("tshark")) {
		GArray *rs = g_array_new(FALSE, FALSE, sizeof(pcap_http_resp));
		CU_ASSERT_EQUAL(pcap_check_http(t.cap[0], rs), 1);
		if (rs->len == 1)
			CU_ASSERT_EQUAL(g_array_index(rs, pcap_http_resp, 0).total, resp);
		g_array_unref(rs);
	}
	topo_clear(&t);
}

/* ---- ephemeral ports ---- */

#define EPH_LO 32768
#define EPH_RANGE 28232

static gboolean eph_in(uint16_t p) { return p >= EPH_LO && p < EPH_LO + EPH_RANGE; }

/* A stack that only sends (SYNs into nop_tx): every connection it opens
 * stays in SYN_SENT, holding its port, until aborted. */
static tcp_conn *open_to(tcp_stack *st, uint32_t rip, uint16_t rport)
{
	static const tcp_callbacks none = { 0 };
	return tcp_connect(st, CLI_IP, 0, rip, rport, 0, &none, NULL);
}

/* ---- loss recovery ---- */

/* Drops the client's data segments whose sequence offsets (from its ISN)
 * are listed in t->drop_offs, the first time each is sent. */
static gboolean drop_listed(topo *t, int side, const seg *s)
{
	if (side != 0 || s->len == 0)
		return FALSE;
	uint32_t off = s->seq - g_array_index(t->out[0], seg, 0).seq;
	for (guint i = 0; i < t->n_drop; i++) {
		if (t->drop_offs[i] == off && !(t->dropped_mask & (1u << i))) {
			t->dropped_mask |= 1u << i;
			return TRUE;
		}
	}
	return FALSE;
}

/*
 * One upload of 200 segments over a 1 ms round trip; the 4th flight (80
 * segments, the 71st to the 150th) loses its segments 75, 80 and 85 (three
 * holes in one window).  With SACK (RFC 6675), one fast recovery repairs
 * all three: each lost segment is sent again exactly once, no timeout, and
 * the receiver's duplicate ACKs carry SACK blocks naming what arrived
 * above the holes, most recent first.  Without SACK (NewReno), the same
 * episode repairs one hole per round trip, still without a timeout or a
 * second copy of anything that arrived.  Go-back-N (before) resent every
 * segment from the first hole on, 76 of them here.
 */
static void run_multi_loss(gboolean sack, tcp_cc cc)
{
	const uint32_t mss = 1448;
	const uint64_t total = 200 * (uint64_t)mss;
	tcp_config ct;
	tcp_config_default(&ct);
	ct.sack = sack;
	ct.cc = cc;
	topo t;
	topo_init(&t, 1500, FALSE, 500 * SIM_US, 0, 0, 0, &ct, NULL);
	const uint32_t lost[] = { 74, 79, 84 }; /* 0-based segment numbers */
	t.n_drop = G_N_ELEMENTS(lost);
	for (guint i = 0; i < t.n_drop; i++)
		t.drop_offs[i] = 1 + lost[i] * mss;
	t.drop = drop_listed;
	app srv = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)), .nt = t.nt };
	app cli = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	tcp_listen(host_tcp(t.h[1]), 0, 9000, 0, &app_cb, &srv);
	tcp_conn *c = tcp_connect(host_tcp(t.h[0]), CLI_IP, 40000, SRV_IP, 9000, 0, &app_cb, &cli);
	pkt_msg *m = pkt_msg_new(NULL, total, 5);
	CU_ASSERT_TRUE(tcp_write(c, m, 0, total));
	tcp_close(c);
	topo_run(&t);

	CU_ASSERT_EQUAL(t.dropped, 3);
	CU_ASSERT_EQUAL(srv.bytes, total);
	CU_ASSERT_EQUAL(cli.why, TCP_CLOSE_NORMAL);
	/* Delivered in order, each byte once. */
	uint64_t at = 0;
	for (guint i = 0; i < srv.got->len; i++) {
		const delivery *d = &g_array_index(srv.got, delivery, i);
		CU_ASSERT_EQUAL(d->off, at);
		at += d->len;
	}
	CU_ASSERT_EQUAL(at, total);
	const tcp_stack_stats *cs = tcp_stack_get_stats(host_tcp(t.h[0]));
	CU_ASSERT_EQUAL(cs->timeouts, 0);
	CU_ASSERT_EQUAL(cs->fast_retransmits, 1);
	CU_ASSERT_EQUAL(cs->retransmits, 3);
	/* Every segment the client sent twice is one that was lost. */
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	guint again = 0;
	for (guint i = 1; i < t.out[0]->len; i++) {
		const seg *x = &g_array_index(t.out[0], seg, i);
		if (x->len == 0)
			continue;
		if (!g_hash_table_add(seen, GUINT_TO_POINTER(x->seq))) {
			again++;
			uint32_t off = x->seq - g_array_index(t.out[0], seg, 0).seq;
			CU_ASSERT((off - 1) % mss == 0);
			guint n = (off - 1) / mss;
			CU_ASSERT(n == lost[0] || n == lost[1] || n == lost[2]);
		}
	}
	g_hash_table_destroy(seen);
	CU_ASSERT_EQUAL(again, 3);
	/* The server's duplicate ACKs: with SACK, blocks above the first hole,
	 * the first naming the latest arrival; the right edge of the first
	 * block of consecutive duplicates only grows.  Without SACK, none. */
	guint dups = 0, with_blocks = 0;
	const uint32_t ciss = g_array_index(t.out[0], seg, 0).seq;
	for (guint i = 1; i < t.out[1]->len; i++) {
		const seg *x = &g_array_index(t.out[1], seg, i);
		if (x->ack - ciss != 1 + lost[0] * mss)
			continue;
		dups++;
		if (x->nsack) {
			with_blocks++;
			CU_ASSERT(x->sack[0][0] - ciss > 1 + lost[0] * mss);
			CU_ASSERT(x->nsack <= 3); /* beside a timestamp */
		}
	}
	CU_ASSERT(dups >= 4); /* the ACK up to the hole, then duplicates */
	CU_ASSERT_EQUAL(with_blocks, sack ? dups - 1 : 0);
	if (sack) {
		/* The whole episode took one round trip more than a clean one:
		 * the three retransmissions leave together. */
		sim_time first = -1, last = -1;
		GHashTable *s2 = g_hash_table_new(g_direct_hash, g_direct_equal);
		for (guint i = 1; i < t.out[0]->len; i++) {
			const seg *x = &g_array_index(t.out[0], seg, i);
			if (x->len && !g_hash_table_add(s2, GUINT_TO_POINTER(x->seq))) {
				if (first < 0)
					first = x->t;
				last = x->t;
			}
		}
		g_hash_table_destroy(s2);
		CU_ASSERT_EQUAL(first, last);
	}
	if (pcap_check_have_tshark()) {
		/* Wireshark reads the SACK blocks and the options of every SYN. */
		char *got = pcap_check_fact_lines(t.cap[1], "tcp.flags.syn == 1 && tcp.options.timestamp.tsval",
		                                  "tcp.options.mss_val tcp.options.wscale.shift tcp.hdr_len frame.len");
		CU_ASSERT_STRING_EQUAL(got, "1460 7 40 74");
		g_free(got);
		got = pcap_check_fact_lines(t.cap[1], "tcp.flags.syn == 1 && tcp.options.sack_perm", "ip.src");
		CU_ASSERT_STRING_EQUAL(got, sack ? "10.0.1.5;10.0.2.10" : "");
		g_free(got);
		got = pcap_check_fact_lines(t.cap[1], "tcp.options.sack_le", "ip.src");
		CU_ASSERT_STRING_EQUAL(got, sack ? "10.0.2.10" : "");
		g_free(got);
	}
	pkt_msg_unref(m);
	g_array_unref(srv.got);
	g_array_unref(cli.got);
	topo_clear(&t);
}

static void test_sack_recovery(void) { run_multi_loss(TRUE, TCP_CC_CUBIC); }
static void test_newreno_recovery(void) { run_multi_loss(FALSE, TCP_CC_NEWRENO); }

/*
 * The write queue: 600 writes of 1 to 1448 bytes from three messages, all
 * queued before the handshake, each one segment (a segment never holds
 * bytes of two writes).  As ACKs come back the queue forgets what they
 * cover and, once the forgotten part outgrows the rest, moves the rest to
 * its start; lost segments before and after that (numbers 20, 330 and
 * 331) are sent again from the writes that still hold them.  The server
 * receives every write as it was made: its message, its offsets, in order.
 */
static void test_write_queue(void)
{
	enum { N = 600 };
	topo t;
	topo_init(&t, 1500, FALSE, 200 * SIM_US, 0, 0, 0, NULL, NULL);
	pkt_msg *m[3] = { pkt_msg_new(NULL, 1u << 20, 1), pkt_msg_new(NULL, 1u << 20, 2),
	                  pkt_msg_new(NULL, 1u << 20, 3) };
	uint64_t moff[N], mnext[3] = { 0, 7, 99 };
	uint32_t len[N], seq_off = 1;
	const guint lost[] = { 20, 330, 331 };
	for (guint i = 0; i < N; i++) {
		len[i] = 1 + (i * 577u + i / 7) % 1448;
		moff[i] = mnext[i % 3];
		mnext[i % 3] += len[i] + i % 5;
		for (guint k = 0; k < G_N_ELEMENTS(lost); k++)
			if (lost[k] == i)
				t.drop_offs[t.n_drop++] = seq_off;
		seq_off += len[i];
	}
	t.drop = drop_listed;
	app srv = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	app cli = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
	tcp_listen(host_tcp(t.h[1]), 0, 9000, 0, &app_cb, &srv);
	tcp_conn *c = tcp_connect(host_tcp(t.h[0]), CLI_IP, 40000, SRV_IP, 9000, 0, &app_cb, &cli);
	for (guint i = 0; i < N; i++)
		CU_ASSERT_TRUE(tcp_write(c, m[i % 3], moff[i], len[i]));
	tcp_close(c);
	topo_run(&t);

	CU_ASSERT_EQUAL(t.dropped, 3);
	CU_ASSERT_EQUAL(cli.why, TCP_CLOSE_NORMAL);
	CU_ASSERT_EQUAL(srv.bytes, seq_off - 1);
	CU_ASSERT_EQUAL_FATAL(srv.got->len, N);
	for (guint i = 0; i < N; i++) {
		const delivery *d = &g_array_index(srv.got, delivery, i);
		CU_ASSERT_PTR_EQUAL(d->msg, m[i % 3]);
		CU_ASSERT_EQUAL(d->off, moff[i]);
		CU_ASSERT_EQUAL(d->len, len[i]);
	}
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(t.h[0]))->retransmits, 3);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(m[i]->refs, 1); /* the queue let go of every write */
		pkt_msg_unref(m[i]);
	}
	g_array_unref(srv.got);
	g_array_unref(cli.got);
	topo_clear(&t);
}

/* Drops each of the client's data segments with probability t->loss_p. */
static gboolean drop_random(topo *t, int side, const seg *s)
{
	return side == 0 && s->len > 0 && g_rand_double(t->rng) < t->loss_p;
}

/*
 * Mathis, Semke, Mahdavi and Ott, "The macroscopic behavior of the TCP
 * congestion avoidance algorithm" (CCR 27(3), 1997): a long transfer that
 * loses a fraction p of its segments at random runs at
 *
 *   throughput = MSS / RTT * C / sqrt(p),  C = sqrt(3/2)
 *
 * for a window that grows one segment per round trip and halves at each
 * loss (NewReno; byte counting keeps the growth at one segment even with
 * delayed ACKs).  CUBIC on a path this short is in its Reno-friendly
 * region (RFC 9438 section 4.3, W_est grows so as to match Reno's average
 * window; W_cubic is far below it), so the same relation holds for it.
 * Here: RTT 10 ms, links infinitely fast (no queueing, so the RTT is the
 * propagation's), MSS 1448, p = 0.2%, 0.5% and 1%, each long enough for
 * about 1,000 losses.
 *
 * Tolerance 25% for NewReno: the model assumes periodic losses, one per
 * cycle, and no timeouts.  Random losses sometimes fall twice in one
 * window (one recovery for both: faster than the model) and sometimes
 * leave too few segments for three duplicate ACKs (a timeout: slower);
 * Mathis et al. report agreement within about that margin in this range
 * of p, where Padhye et al. (SIGCOMM 1998) show timeouts beginning to
 * matter above 1%.  CUBIC may run up to 35% above it: once W_est passes
 * W_max its alpha becomes 1 (RFC 9438 section 4.3), more than Reno's
 * average by design, and its decrease is to 0.7 rather than 0.5.
 * (Measured: NewReno 1.13 to 1.15 times the model, CUBIC 1.16 to 1.24.)
 */
static void run_mathis(tcp_cc cc)
{
	const double ps[] = { 0.002, 0.005, 0.01 };
	const double rtt = 0.010, mss = 1448;
	for (guint k = 0; k < G_N_ELEMENTS(ps); k++) {
		const double p = ps[k];
		const uint64_t total = (uint64_t)(1000 / p * mss);
		tcp_config ct;
		tcp_config_default(&ct);
		ct.cc = cc;
		topo t;
		topo_no_capture = TRUE;
		topo_init(&t, 1500, FALSE, 5 * SIM_MS, 0, 0, 0, &ct, NULL);
		topo_no_capture = FALSE;
		t.rng = g_rand_new_with_seed(12345 + k);
		t.loss_p = p;
		t.drop = drop_random;
		t.no_record = TRUE;
		app srv = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)), .nt = t.nt };
		app cli = { .got = g_array_new(FALSE, FALSE, sizeof(delivery)) };
		tcp_listen(host_tcp(t.h[1]), 0, 9000, 0, &app_cb, &srv);
		tcp_conn *c = tcp_connect(host_tcp(t.h[0]), CLI_IP, 40000, SRV_IP, 9000, 0, &app_cb, &cli);
		pkt_msg *m = pkt_msg_new(NULL, total, 5);
		CU_ASSERT_TRUE(tcp_write(c, m, 0, total));
		tcp_close(c);
		sim_run(t.nt->sim);
		CU_ASSERT_EQUAL(srv.bytes, total);
		double got = (double)total / ((double)srv.t_last / SIM_S);
		double want = mss / rtt * sqrt(1.5) / sqrt(p);
		const tcp_stack_stats *cs = tcp_stack_get_stats(host_tcp(t.h[0]));
		printf("\n    %s p=%.3f: %.0f B/s, Mathis %.0f B/s (%.2f); %d drops, %" G_GUINT64_FORMAT
		       " recoveries, %" G_GUINT64_FORMAT " timeouts",
		       cc == TCP_CC_CUBIC ? "cubic" : "newreno", p, got, want, got / want, t.dropped,
		       cs->fast_retransmits, cs->timeouts);
		CU_ASSERT(got > 0.75 * want && got < (cc == TCP_CC_CUBIC ? 1.35 : 1.25) * want);
		pkt_msg_unref(m);
		g_array_unref(srv.got);
		g_array_unref(cli.got);
		g_rand_free(t.rng);
		topo_clear(&t);
	}
}

static void test_mathis_newreno(void) { run_mathis(TCP_CC_NEWRENO); }
static void test_mathis_cubic(void) { run_mathis(TCP_CC_CUBIC); }

/* When every ephemeral port towards a destination is held, a connect fails
 * at once: no port is probed (the old search probed all 28,232 each time),
 * the refusal is counted, and other destinations still get ports. */
static void test_ports_exhausted(void)
{
	net *nt = net_new(3);
	tcp_stack *st = tcp_stack_new(nt, "client", NULL, nop_tx, NULL);
	const tcp_stack_stats *ss = tcp_stack_get_stats(st);
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (int i = 0; i < EPH_RANGE; i++) {
		tcp_conn *c = open_to(st, SRV_IP, 80);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		uint16_t p = tcp_conn_local_port(c);
		CU_ASSERT(eph_in(p));
		g_hash_table_add(seen, GUINT_TO_POINTER(p));
	}
	CU_ASSERT_EQUAL(g_hash_table_size(seen), EPH_RANGE);
	/* Sequential: each connect took the first port it looked at. */
	CU_ASSERT_EQUAL(ss->port_probes, EPH_RANGE);
	CU_ASSERT_EQUAL(ss->no_port, 0);
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_PTR_NULL(open_to(st, SRV_IP, 80));
	CU_ASSERT_EQUAL(ss->no_port, 1000);
	CU_ASSERT_EQUAL(ss->port_probes, EPH_RANGE);
	/* Another port of the same address is another destination. */
	CU_ASSERT_PTR_NOT_NULL(open_to(st, SRV_IP, 81));
	CU_ASSERT_EQUAL(ss->port_probes, EPH_RANGE + 1);
	CU_ASSERT_EQUAL(tcp_stack_conn_count(st), EPH_RANGE + 1);
	g_hash_table_unref(seen);
	tcp_stack_free(st);
	net_free(nt);
}

/* With one port left towards a destination, the connect finds it with one
 * probe wherever it is, and the next connect fails at once. */
static void test_ports_last_one(void)
{
	net *nt = net_new(3);
	tcp_stack *st = tcp_stack_new(nt, "client", NULL, nop_tx, NULL);
	const tcp_stack_stats *ss = tcp_stack_get_stats(st);
	tcp_conn **conns = g_new0(tcp_conn *, EPH_RANGE);
	for (int i = 0; i < EPH_RANGE; i++)
		conns[i] = open_to(st, SRV_IP, 80);
	/* Free the port the next search would reach last. */
	uint16_t first = tcp_conn_local_port(conns[0]);
	tcp_abort(conns[EPH_RANGE - 1]);
	uint64_t before = ss->port_probes;
	tcp_conn *c = open_to(st, SRV_IP, 80);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(tcp_conn_local_port(c),
	                EPH_LO + (first - EPH_LO + EPH_RANGE - 1) % EPH_RANGE);
	CU_ASSERT_EQUAL(ss->port_probes, before + 1);
	CU_ASSERT_PTR_NULL(open_to(st, SRV_IP, 80));
	CU_ASSERT_EQUAL(ss->no_port, 1);
	g_free(conns);
	tcp_stack_free(st);
	net_free(nt);
}

/*
 * The choice of port is the same as the plain search it replaces: the
 * first port at or after the stack's cursor (cyclically) that no
 * connection towards the destination holds and nothing listens on, the
 * cursor then moving past it.  A model of that search follows random
 * connects, explicit ports, listeners and aborts over three destinations,
 * one of them driven to near exhaustion (through the bitmap threshold both
 * ways), and must agree on every port.
 */
static void test_ports_order(void)
{
	net *nt = net_new(3);
	tcp_stack *st = tcp_stack_new(nt, "client", NULL, nop_tx, NULL);
	static const tcp_callbacks none = { 0 };
	const uint32_t rips[3] = { SRV_IP, SRV_IP, IP(10, 0, 3, 7) };
	const uint16_t rports[3] = { 80, 443, 80 };
	/* The model: held[d] maps port -> conn, listeners in the range. */
	GHashTable *held[3];
	GPtrArray *open[3];
	for (int d = 0; d < 3; d++) {
		held[d] = g_hash_table_new(g_direct_hash, g_direct_equal);
		open[d] = g_ptr_array_new();
	}
	GHashTable *listening = g_hash_table_new(g_direct_hash, g_direct_equal);
	GRand *r = g_rand_new_with_seed(11);
	uint32_t cursor = 0; /* learnt from the first connect */
	gboolean known = FALSE;
	int mismatches = 0;
	for (int step = 0; step < 80000; step++) {
		int d = step < 27000 ? 0 : g_rand_int_range(r, 0, 3);
		int op = step < 27000 ? 0 : g_rand_int_range(r, 0, 100);
		if (op < 55) {
			/* The model's answer, once the cursor is known. */
			uint16_t want = 0;
			if (known) {
				for (uint32_t i = 0; i < EPH_RANGE && !want; i++) {
					uint16_t cand = (uint16_t)(EPH_LO + (cursor - EPH_LO + i) % EPH_RANGE);
					if (!g_hash_table_contains(held[d], GUINT_TO_POINTER(cand)) &&
					    !g_hash_table_contains(listening, GUINT_TO_POINTER(cand)))
						want = cand;
				}
			}
			tcp_conn *c = tcp_connect(st, CLI_IP, 0, rips[d], rports[d], 0, &none, NULL);
			uint16_t got = c ? tcp_conn_local_port(c) : 0;
			if (!known && c) {
				want = got;
				known = TRUE;
			}
			if (got != want)
				mismatches++;
			if (c) {
				cursor = EPH_LO + (uint32_t)(got - EPH_LO + 1) % EPH_RANGE;
				g_hash_table_insert(held[d], GUINT_TO_POINTER(got), c);
				g_ptr_array_add(open[d], c);
			}
		} else if (op < 90 && open[d]->len) {
			guint i = (guint)g_rand_int_range(r, 0, (gint32)open[d]->len);
			tcp_conn *c = g_ptr_array_index(open[d], i);
			g_hash_table_remove(held[d], GUINT_TO_POINTER(tcp_conn_local_port(c)));
			g_ptr_array_remove_index_fast(open[d], i);
			tcp_abort(c);
		} else if (op < 95) {
			/* An explicit ephemeral port, when free towards d. */
			uint16_t p = (uint16_t)(EPH_LO + g_rand_int_range(r, 0, EPH_RANGE));
			tcp_conn *c = tcp_connect(st, CLI_IP, p, rips[d], rports[d], 0, &none, NULL);
			if (g_hash_table_contains(held[d], GUINT_TO_POINTER(p))) {
				CU_ASSERT_PTR_NULL(c);
			} else if (c) {
				g_hash_table_insert(held[d], GUINT_TO_POINTER(p), c);
				g_ptr_array_add(open[d], c);
			}
		} else if (op < 96) {
			uint16_t p = (uint16_t)(EPH_LO + g_rand_int_range(r, 0, EPH_RANGE));
			if (tcp_listen(st, g_rand_boolean(r) ? 0 : CLI_IP, p, 0, &none, NULL))
				g_hash_table_add(listening, GUINT_TO_POINTER(p));
		} else if (op < 100 && step % 7 == 0 && (d != 0 || step > 60000)) {
			/* Drain one destination to almost nothing (the bitmap goes). */
			while (open[d]->len > 3) {
				tcp_conn *c = g_ptr_array_steal_index_fast(open[d], 0);
				g_hash_table_remove(held[d], GUINT_TO_POINTER(tcp_conn_local_port(c)));
				tcp_abort(c);
			}
		}
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	CU_ASSERT(tcp_stack_get_stats(st)->no_port > 0); /* destination 0 ran out */
	g_rand_free(r);
	g_hash_table_unref(listening);
	for (int d = 0; d < 3; d++) {
		g_hash_table_unref(held[d]);
		g_ptr_array_unref(open[d]);
	}
	tcp_stack_free(st);
	net_free(nt);
}

/* Per-request connections to a server that never answers: the SYNs hold
 * every port, so requests beyond 28,232 fail at once with "no free local
 * port", counted in the workload's result. */
static void test_ports_http_no_port(void)
{
	tcp_config st;
	tcp_config_default(&st);
	st.no_rst = TRUE;
	topo t;
	topo_init(&t, 1500, FALSE, 10 * SIM_US, 0, 0, 0, NULL, &st);
	host_workload *w = load(&t, 80, EPH_RANGE + 500, SIM_US, FALSE);
	sim_run_until(t.nt->sim, 100 * SIM_MS);
	const host_workload_result *res = host_workload_get_result(w);
	CU_ASSERT_EQUAL(res->started, EPH_RANGE + 500);
	CU_ASSERT_EQUAL(res->failed[HTTP_FAIL_NO_PORT], 500);
	CU_ASSERT_STRING_EQUAL(http_fail_name(HTTP_FAIL_NO_PORT), "no free local port");
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(t.h[0]))->no_port, 500);
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(t.h[0]))->port_probes, EPH_RANGE);
	topo_clear(&t);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("tcp");
	CU_add_test(s, "GET 100 KB, MTU 1500: 70 segments, seq/ack, FIN, lint", test_get_mtu_1500);
	CU_add_test(s, "GET 100 KB, MTU 9001: 12 segments, seq/ack, FIN, lint", test_get_mtu_9001);
	CU_add_test(s, "latency is the exact sum of one-way times and think", test_exact_latency);
	CU_add_test(s, "keep-alive: one handshake; per request: one each",
	            test_keepalive_vs_per_request);
	CU_add_test(s, "a full queue drops segments, retransmission recovers",
	            test_queue_drop_recovers);
	CU_add_test(s, "a lost SYN or SYN-ACK costs exactly the 1 s RTO", test_syn_loss_rto);
	CU_add_test(s, "lost data: fast retransmit mid-stream, RTO at the tail", test_data_loss);
	CU_add_test(s, "closed port: RST and refused; silent: timed out at 7 s",
	            test_refused_and_timeout);
	CU_add_test(s, "API: writes arrive as the same message ranges, FIN both ways",
	            test_api_stream);
	CU_add_test(s, "API: abort sends RST, peer sees reset", test_api_abort);
	CU_add_test(s, "API: 600 writes in flight, losses before and after the queue moves",
	            test_write_queue);
	CU_add_test(s, "API: a new SYN takes over a tuple in TIME_WAIT", test_time_wait_reuse);
	CU_add_test(s, "sequence numbers wrap past 2^32", test_seq_wrap);
	CU_add_test(s, "window scaling: 1 MiB in 7 round trips, not 18; Wireshark agrees",
	            test_wscale_bulk);
	CU_add_test(s, "window scaling: a peer without the option, 65535 bytes per round trip",
	            test_wscale_peer_without);
	CU_add_test(s, "window scaling: acceptability uses the advertised window",
	            test_wscale_acceptance);
	CU_add_test(s, "SACK: three holes in one window, one recovery, three retransmissions",
	            test_sack_recovery);
	CU_add_test(s, "NewReno without SACK: three holes repaired by partial ACKs, no timeout",
	            test_newreno_recovery);
	CU_add_test(s, "Mathis et al.: NewReno at random loss within 25% of MSS/RTT C/sqrt(p)",
	            test_mathis_newreno);
	CU_add_test(s, "Mathis et al.: CUBIC (Reno-friendly region) within -25% and +35%",
	            test_mathis_cubic);
	CU_add_test(s, "ports: a destination with every port held fails a connect at once",
	            test_ports_exhausted);
	CU_add_test(s, "ports: the last free port is found with one probe", test_ports_last_one);
	CU_add_test(s, "ports: the choice follows the sequential search exactly", test_ports_order);
	CU_add_test(s, "ports: HTTP requests beyond the range fail with no free local port",
	            test_ports_http_no_port);
}
