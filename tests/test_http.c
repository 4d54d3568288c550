/* \summary: HTTP tests: heads, bodies, a proxy (X-Forwarded-For), errors, pipelining, workloads */
#include <string.h>

#include "harness.h"
#include "pcap_check.h"
#include "host.h"
#include "router.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))
#define UA "User-Agent: vpcsim/" VPCSIM_VERSION "\r\n"

/* ---- a star: hosts 10.0.<i+1>.<10+i> around one router, links of delay d ---- */

#define STAR_MAX 4

typedef struct {
	net *nt;
	router *r;
	host *h[STAR_MAX];
	guint n;
	char *dir;
	char *cap[STAR_MAX];
} star;

static uint32_t star_ip(guint i) { return IP(10, 0, i + 1, 10 + i); }

static void star_init(star *s, guint n, sim_time d, gboolean capture)
{
	memset(s, 0, sizeof *s);
	s->nt = net_new(11);
	s->n = n;
	s->r = router_new(s->nt, "r");
	s->dir = harness_tmpdir();
	static const char *const names[STAR_MAX] = { "client", "proxy", "backend", "other" };
	for (guint i = 0; i < n; i++) {
		host_config hc = { .ip = star_ip(i), .mtu = 1500 };
		s->h[i] = host_new(s->nt, names[i], &hc);
		port *rp = node_add_port(router_node(s->r));
		port *hp = node_port(host_node(s->h[i]), 0);
		link_new(s->nt, hp, rp, d, 0, 0);
		router_add_route(s->r, star_ip(i) & 0xffffff00u, 24, rp);
		if (capture) {
			CU_ASSERT_TRUE(net_capture(s->nt, hp, s->dir, names[i], 0, NULL));
			s->cap[i] = g_strdup_printf("%s/%s.pcap", s->dir, names[i]);
		}
	}
}

static void star_run(star *s)
{
	sim_run(s->nt->sim);
	CU_ASSERT_TRUE(net_close_captures(s->nt, NULL));
	CU_ASSERT_EQUAL(pkt_pool_live(s->nt->pool), 0);
	for (guint i = 0; i < s->n; i++)
		CU_ASSERT_EQUAL(tcp_stack_conn_count(host_tcp(s->h[i])), 0);
}

static void star_clear(star *s)
{
	net_free(s->nt);
	for (guint i = 0; i < s->n; i++)
		g_free(s->cap[i]);
	harness_rmtree(s->dir);
	g_free(s->dir);
}

static http_server *serve(host *h, uint16_t lport, uint64_t body, sim_time think)
{
	host_http_server_config sc = { .port = lport };
	dist_set_const(&sc.response_size, UNIT_SIZE, (double)body);
	dist_set_const(&sc.think, UNIT_TIME, (double)think);
	GError *err = NULL;
	http_server *s = host_serve_http(h, &sc, &err);
	CU_ASSERT_PTR_NOT_NULL(s);
	CU_ASSERT_PTR_NULL(err);
	return s;
}

typedef struct {
	int n;
	http_result r[16];
	char head[16][256];
} results;

static void keep_result(const http_result *r, void *ud)
{
	results *rs = ud;
	if (rs->n >= (int)G_N_ELEMENTS(rs->r))
		return;
	rs->r[rs->n] = *r;
	g_strlcpy(rs->head[rs->n], r->head ? r->head : "",
	          MIN(r->head_len + 1, sizeof rs->head[0]));
	rs->r[rs->n].head = NULL;
	rs->n++;
}

static uint64_t len_of(GString *g)
{
	uint64_t n = g->len;
	g_string_free(g, TRUE);
	return n;
}

/* ---- heads ---- */

static void test_heads(void)
{
	GString *g = http_request_head("GET", "example.com", "/a?b=1", 0, FALSE, NULL);
	CU_ASSERT_STRING_EQUAL(g->str, "GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\n" UA
	                               "Content-Length: 0\r\n\r\n");
	g_string_free(g, TRUE);
	g = http_request_head("PUT", "s3", "/k", 12345, TRUE, "X-A: 1\r\nX-B:   v w  \r\n");
	CU_ASSERT_STRING_EQUAL(g->str, "PUT /k HTTP/1.1\r\nHost: s3\r\n" UA
	                               "Content-Length: 12345\r\nConnection: close\r\n"
	                               "X-A: 1\r\nX-B:   v w  \r\n\r\n");
	size_t vl = 0;
	const char *v = http_head_get(g->str, g->len, "content-length", &vl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(vl, 5);
	CU_ASSERT_EQUAL(strncmp(v, "12345", 5), 0);
	v = http_head_get(g->str, g->len, "X-B", &vl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(vl, 3); /* trimmed both sides, inner space kept */
	CU_ASSERT_EQUAL(strncmp(v, "v w", 3), 0);
	CU_ASSERT_PTR_NULL(http_head_get(g->str, g->len, "X-C", NULL));
	CU_ASSERT_PTR_NULL(http_head_get(g->str, g->len, "Content", NULL)); /* no prefix match */
	CU_ASSERT_PTR_NULL(http_head_get(g->str, g->len, "PUT /k HTTP/1.1\r\nHost", NULL));

	/* A proxy re-emits the head with its own lines before the blank one. */
	GString *f = http_head_add(g->str, g->len, "X-Forwarded-For: 10.0.1.5\r\n");
	CU_ASSERT_EQUAL(f->len, g->len + strlen("X-Forwarded-For: 10.0.1.5\r\n"));
	CU_ASSERT_TRUE(
	        g_str_has_suffix(f->str, "X-B:   v w  \r\nX-Forwarded-For: 10.0.1.5\r\n\r\n"));
	CU_ASSERT_EQUAL(strncmp(f->str, g->str, g->len - 2), 0);
	v = http_head_get(f->str, f->len, "x-forwarded-for", &vl);
	CU_ASSERT(v && vl == 8 && strncmp(v, "10.0.1.5", 8) == 0);
	g_string_free(f, TRUE);
	g_string_free(g, TRUE);

	/* Lines after the blank one are body, not headers. */
	const char body_line[] = "GET / HTTP/1.1\r\nA: 1\r\n\r\nB: 2\r\n";
	CU_ASSERT_PTR_NULL(http_head_get(body_line, sizeof body_line - 1, "B", NULL));

	g = http_response_head(404, 5, TRUE, "X-A: 1\r\n");
	CU_ASSERT_STRING_EQUAL(g->str, "HTTP/1.1 404 Not Found\r\nServer: vpcsim\r\n"
	                               "Content-Length: 5\r\nConnection: close\r\nX-A: 1\r\n\r\n");
	g_string_free(g, TRUE);
	/* Built without printf: the same bytes as the format it replaced. */
	static const int statuses[] = { 200, 504, 299, 0, -7, 1000 };
	static const uint64_t lens[] = { 0, 9, 10, 4096, G_MAXUINT64 };
	for (size_t i = 0; i < G_N_ELEMENTS(statuses); i++)
		for (size_t j = 0; j < G_N_ELEMENTS(lens); j++) {
			g = http_response_head(statuses[i], lens[j], FALSE, NULL);
			char *want = g_strdup_printf("HTTP/1.1 %d %s\r\nServer: vpcsim\r\n"
			                             "Content-Length: %" G_GUINT64_FORMAT "\r\n\r\n",
			                             statuses[i], http_reason(statuses[i]), lens[j]);
			CU_ASSERT_STRING_EQUAL(g->str, want);
			g_free(want);
			g_string_free(g, TRUE);
			g = http_request_head("GET", "h", "/", lens[j], FALSE, NULL);
			want = g_strdup_printf("GET / HTTP/1.1\r\nHost: h\r\n" UA
			                       "Content-Length: %" G_GUINT64_FORMAT "\r\n\r\n",
			                       lens[j]);
			CU_ASSERT_STRING_EQUAL(g->str, want);
			g_free(want);
			g_string_free(g, TRUE);
		}
	g = g_string_new("old");
	http_header_set_u64(g, "X-N", G_MAXUINT64);
	CU_ASSERT_STRING_EQUAL(g->str, "X-N: 18446744073709551615\r\n");
	http_header_set_u64(g, "X-N", 0);
	CU_ASSERT_STRING_EQUAL(g->str, "X-N: 0\r\n");
	g_string_free(g, TRUE);
	g = http_request_head("GET", "h", "/", 0, FALSE, "A:B: 1\r\n");
	CU_ASSERT_PTR_NULL(http_head_get(g->str, g->len, "A:B", NULL)); /* names have no colon */
	CU_ASSERT_PTR_NOT_NULL(http_head_get(g->str, g->len, "a", NULL));
	CU_ASSERT_PTR_NOT_NULL(http_head_get(g->str, g->len, "USER-agent", NULL));
	g_string_free(g, TRUE);
	CU_ASSERT_STRING_EQUAL(http_reason(431), "Request Header Fields Too Large");
	CU_ASSERT_STRING_EQUAL(http_reason(299), "Unknown");
	CU_ASSERT_STRING_EQUAL(http_fail_name(HTTP_FAIL_REFUSED), "connection refused");
	CU_ASSERT_STRING_EQUAL(http_fail_name(HTTP_FAIL_CLOSED), "connection closed early");
}

/* http_name_is() answers as g_ascii_strncasecmp() does, for every pair of
 * bytes (a name has no NUL) and for names that differ only in case, in
 * one byte, or by 0x20 in a byte that is not a letter. */
static void test_name_is(void)
{
	for (int a = 0; a < 256; a++)
		for (int b = 1; b < 256; b++) {
			char x[2] = { (char)a, 0 }, y[2] = { (char)b, 0 };
			CU_ASSERT_EQUAL(http_name_is(x, y, 1), g_ascii_strncasecmp(x, y, 1) == 0);
		}
	static const char *const pairs[][2] = {
		{ "Content-Length", "Content-Length" }, { "content-length", "Content-Length" },
		{ "CONTENT-LENGTH", "Content-Length" }, { "Content-Lengtx", "Content-Length" },
		{ "Xontent-Length", "Content-Length" }, { "Content\rLength", "Content-Length" },
		{ "X-Forwarded-@", "X-Forwarded-`" },   { "X-Forwarded-[", "X-Forwarded-{" },
		{ "Connection", "connectioN" },         { "User-Agent", "Connection" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++) {
		size_t n = strlen(pairs[i][1]);
		CU_ASSERT_EQUAL(http_name_is(pairs[i][0], pairs[i][1], n),
		                g_ascii_strncasecmp(pairs[i][0], pairs[i][1], n) == 0);
	}
	CU_ASSERT_TRUE(http_name_is("cOnNeCtIoN", "Connection", 10));
	CU_ASSERT_FALSE(http_name_is("Connectio@", "Connection", 10));
}

/* ---- a request with a body ---- */

typedef struct {
	int calls;
	char method[16], path[64], host[32];
	uint64_t body;
} seen;

static void upload_handler(http_exchange *x, void *ud)
{
	seen *s = ud;
	s->calls++;
	g_strlcpy(s->method, http_exchange_method(x), sizeof s->method);
	g_strlcpy(s->path, http_exchange_path(x), sizeof s->path);
	size_t vl = 0;
	const char *h = http_exchange_header(x, "Host", &vl);
	g_strlcpy(s->host, h ? h : "", MIN(vl + 1, sizeof s->host));
	s->body = http_exchange_body_len(x);
	http_respond(x, 201, 2000, "Location: /upload/1\r\n");
}

/* A 50,000-byte body in 35 segments: the handler runs once, after the last
 * byte, and sees the head's fields; the client gets the 201 in full. */
static void test_post_body(void)
{
	star s;
	star_init(&s, 2, 25 * SIM_US, TRUE);
	http_server *srv = serve(s.h[1], 80, 0, 0);
	seen sn = { 0 };
	http_server_set_handler(srv, upload_handler, &sn);
	http_client_config cc = { .local_ip = star_ip(0), .ip = star_ip(1), .port = 80,
	                          .keepalive = TRUE };
	http_client *cl = http_client_new(host_tcp(s.h[0]), &cc);
	results rs = { 0 };
	http_request_spec spec = { .method = "POST", .path = "/upload", .body_len = 50000 };
	http_client_request(cl, &spec, keep_result, &rs);
	sim_run_until(s.nt->sim, SIM_S);
	http_client_close_idle(cl);
	star_run(&s);

	CU_ASSERT_EQUAL(sn.calls, 1);
	CU_ASSERT_STRING_EQUAL(sn.method, "POST");
	CU_ASSERT_STRING_EQUAL(sn.path, "/upload");
	CU_ASSERT_STRING_EQUAL(sn.host, "10.0.2.11");
	CU_ASSERT_EQUAL(sn.body, 50000);
	CU_ASSERT_EQUAL_FATAL(rs.n, 1);
	const http_result *r = &rs.r[0];
	CU_ASSERT_EQUAL(r->fail, HTTP_OK);
	CU_ASSERT_EQUAL(r->status, 201);
	CU_ASSERT_EQUAL(r->content_length, 2000);
	const uint64_t rhead =
	        len_of(http_response_head(201, 2000, FALSE, "Location: /upload/1\r\n"));
	CU_ASSERT_EQUAL(r->response_bytes, rhead + 2000);
	GString *rq = http_request_head("POST", "10.0.2.11", "/upload", 50000, FALSE, NULL);
	CU_ASSERT_EQUAL(r->request_bytes, len_of(rq) + 50000);
	CU_ASSERT_TRUE(g_str_has_prefix(rs.head[0], "HTTP/1.1 201 Created\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rs.head[0], "Location: /upload/1\r\n"));
	/* The client's data went out in ceil(request / 1460) segments. */
	const tcp_stack_stats *cs = tcp_stack_get_stats(host_tcp(s.h[0]));
	CU_ASSERT_EQUAL(cs->bytes_out, r->request_bytes);
	CU_ASSERT_EQUAL(cs->retransmits, 0);
	pcap_check_lint(s.cap[1]);
	if (harness_have("tshark")) {
		GArray *resp = g_array_new(FALSE, FALSE, sizeof(pcap_http_resp));
		CU_ASSERT_EQUAL(pcap_check_http(s.cap[0], resp), 1);
		if (resp->len == 1)
			CU_ASSERT_EQUAL(g_array_index(resp, pcap_http_resp, 0).total, rhead + 2000);
		g_array_unref(resp);
	}
	http_client_free(cl);
	star_clear(&s);
}

/* ---- a proxy, as an ALB will be ---- */

typedef struct {
	http_client *backend;
	int forwarded;
} proxy;

static void proxy_done(const http_result *r, void *ud)
{
	http_exchange *x = ud;
	if (r->fail == HTTP_OK)
		http_respond(x, r->status, r->content_length, "Via: 1.1 proxy\r\n");
	else
		http_respond(x, 502, 0, NULL);
}

/* Terminates the client's connection and sends the request on its own
 * connection to the backend, head re-emitted with X-Forwarded-For. */
static void proxy_handler(http_exchange *x, void *ud)
{
	proxy *p = ud;
	size_t hl = 0;
	const char *head = http_exchange_head(x, &hl);
	char ip[16], line[64];
	g_snprintf(line, sizeof line, "X-Forwarded-For: %s\r\n",
	           pkt_ip_str(http_exchange_client_ip(x), ip));
	GString *fwd = http_head_add(head, hl, line);
	http_request_spec spec = { .head = g_string_free_to_bytes(fwd),
	                           .body_len = http_exchange_body_len(x) };
	http_client_request(p->backend, &spec, proxy_done, x);
	g_bytes_unref(spec.head);
	p->forwarded++;
}

/*
 * client -> proxy -> backend around one router, every link d = 20 us, so
 * each one-way trip is 2d.  Two requests 50 ms apart, kept alive on both
 * hops, 100-byte bodies asked for with X-Vpcsim-Response-Bytes, think 2 ms:
 *   first:  handshake + request on each hop (6d + 6d), think, response
 *           back over both hops (2d + 2d): 16d + think;
 *   second: both connections reused: 8d + think.
 */
static void test_proxy(void)
{
	const sim_time d = 20 * SIM_US, think = 2 * SIM_MS;
	star s;
	star_init(&s, 3, d, TRUE);
	http_server *front = serve(s.h[1], 80, 0, 0);
	http_server *back = serve(s.h[2], 8080, 999, think);
	http_client_config bc = { .local_ip = star_ip(1), .ip = star_ip(2), .port = 8080,
	                          .keepalive = TRUE, .max_conns = 1 };
	proxy px = { http_client_new(host_tcp(s.h[1]), &bc), 0 };
	http_server_set_handler(front, proxy_handler, &px);
	host_target tg = { star_ip(1), 80, NULL };
	host_workload_config wc = { .name = "w", .targets = &tg, .n_targets = 1, .count = 2,
	                            .keepalive = TRUE, .max_conns = 1 };
	dist_set_const(&wc.interval, UNIT_TIME, 50 * SIM_MS);
	dist_set_const(&wc.response_size, UNIT_SIZE, 100);
	host_workload *w = host_add_workload(s.h[0], &wc);
	dist_clear(&wc.interval);
	dist_clear(&wc.response_size);
	sim_run_until(s.nt->sim, SIM_S);
	http_client_close_idle(px.backend);
	star_run(&s);

	const host_workload_result *r = host_workload_get_result(w);
	CU_ASSERT_EQUAL(r->completed, 2);
	CU_ASSERT_EQUAL(px.forwarded, 2);
	CU_ASSERT_EQUAL(http_server_get_stats(back)->requests, 2);
	CU_ASSERT_EQUAL(http_server_get_stats(back)->connections, 1);
	CU_ASSERT_EQUAL(hdr_max(r->latency), 16 * d + think);
	CU_ASSERT_EQUAL(hdr_min(r->latency), 8 * d + think);
	/* The body the backend sized (100, not its own 999) came back through. */
	const uint64_t via =
	        len_of(http_response_head(200, 100, FALSE, "Via: 1.1 proxy\r\n")) + 100;
	CU_ASSERT_EQUAL(r->bytes_received, 2 * via);
	pcap_check_lint(s.cap[1]);
	if (harness_have("tshark")) {
		/* What the backend saw: the client's address added by the proxy. */
		const char *argv[] = { "tshark", "-n", "-r", s.cap[2], "-Y", "http.request", "-T",
		                       "fields", "-e", "http.x_forwarded_for", "-e",
		                       "http.request.uri", NULL };
		char *out = NULL, *err = NULL;
		CU_ASSERT_EQUAL(harness_run(argv, &out, &err), 0);
		g_free(err);
		CU_ASSERT_STRING_EQUAL(out, "10.0.1.10\t/\n10.0.1.10\t/\n");
		g_free(out);
		GArray *resp = g_array_new(FALSE, FALSE, sizeof(pcap_http_resp));
		CU_ASSERT_EQUAL(pcap_check_http(s.cap[1], resp), 4); /* both sides of the proxy */
		g_array_unref(resp);
	}
	http_client_free(px.backend);
	star_clear(&s);
}

/* ---- errors ---- */

/* A raw TCP peer: collects what it receives as text. */
typedef struct {
	GString *got;
	int eof, closed;
	tcp_close_reason why;
	pkt_msg *send;        /* written on connect / on first data */
	gboolean close_on_data;
} raw;

/* Appends the len stream bytes at off to g. */
static void got_append(GString *g, const pkt_msg *m, uint64_t off, uint32_t len)
{
	gsize at = g->len;
	g_string_set_size(g, at + len);
	pkt_msg_fill(m, off, (uint8_t *)g->str + at, len);
}

static void raw_data(tcp_conn *c, const pkt_msg *m, uint64_t off, uint32_t len, void *ud)
{
	raw *r = ud;
	got_append(r->got, m, off, len);
	if (r->send) {
		tcp_write(c, r->send, 0, r->send->len);
		pkt_msg_unref(r->send);
		r->send = NULL;
	}
	if (r->close_on_data)
		tcp_close(c);
}

static void raw_connected(tcp_conn *c, void *ud)
{
	raw *r = ud;
	if (r->send) {
		tcp_write(c, r->send, 0, r->send->len);
		pkt_msg_unref(r->send);
		r->send = NULL;
	}
}

static void raw_eof(tcp_conn *c, void *ud)
{
	raw *r = ud;
	r->eof++;
	tcp_close(c);
}

static void raw_closed(tcp_conn *c, tcp_close_reason why, void *ud)
{
	(void)c;
	raw *r = ud;
	r->closed++;
	r->why = why;
}

static const tcp_callbacks raw_cb = { NULL, raw_connected, raw_data, raw_eof, raw_closed };

static pkt_msg *text_msg(const char *text, uint64_t len)
{
	return pkt_msg_new(g_bytes_new(text, strlen(text)), len, 1);
}

/* A request line that is not HTTP gets 400 and a closed connection; a head
 * that never ends (70 KB of pattern after the request line) gets 431. */
static void test_bad_requests(void)
{
	star s;
	star_init(&s, 2, 10 * SIM_US, FALSE);
	http_server *srv = serve(s.h[1], 80, 10, 0);
	raw a = { .got = g_string_new(NULL), .send = text_msg("NONSENSE\r\n\r\n", 0) };
	raw b = { .got = g_string_new(NULL),
	          .send = text_msg("GET / HTTP/1.1\r\nX-Long: ", 70000) };
	tcp_connect(host_tcp(s.h[0]), star_ip(0), 0, star_ip(1), 80, 0, &raw_cb, &a);
	tcp_connect(host_tcp(s.h[0]), star_ip(0), 0, star_ip(1), 80, 0, &raw_cb, &b);
	star_run(&s);
	CU_ASSERT_STRING_EQUAL(a.got->str, "HTTP/1.1 400 Bad Request\r\nServer: vpcsim\r\n"
	                                   "Content-Length: 0\r\nConnection: close\r\n\r\n");
	CU_ASSERT_TRUE(g_str_has_prefix(b.got->str, "HTTP/1.1 431 "));
	CU_ASSERT_EQUAL(a.eof + b.eof, 2);
	/* The server answers 431 as soon as 64 KiB of head have no end, then
	 * half-closes; it keeps taking in (and ignoring) the rest of the
	 * 70 KB, so both connections end cleanly. */
	CU_ASSERT_EQUAL(a.why, TCP_CLOSE_NORMAL);
	CU_ASSERT_EQUAL(b.why, TCP_CLOSE_NORMAL);
	CU_ASSERT_EQUAL(http_server_get_stats(srv)->bad_requests, 2);
	CU_ASSERT_EQUAL(http_server_get_stats(srv)->requests, 0);
	g_string_free(a.got, TRUE);
	g_string_free(b.got, TRUE);
	star_clear(&s);
}

/* Request heads whose blank line falls across the first segment boundary
 * at every position (and one just before, one just after), each followed
 * by a generated body: the server finds each head's end, parses it, counts
 * the body and answers once.  The head search looks only at a message's
 * real bytes and produces body bytes only when no end is found, so this
 * pins where it must still find the end. */
static void test_head_across_segments(void)
{
	star s;
	star_init(&s, 2, 10 * SIM_US, FALSE);
	http_server *srv = serve(s.h[1], 80, 10, 0);
	enum { N = 6, BODY = 2000 };
	raw r[N];
	uint64_t total = 0;
	for (int i = 0; i < N; i++) {
		/* 1460 bytes fit the first segment (MTU 1500); heads of 1458 to
		 * 1463 bytes put the boundary before, inside and after the
		 * blank line. */
		size_t want = 1458 + (size_t)i;
		GString *h = g_string_new("POST /x HTTP/1.1\r\nContent-Length: 2000\r\nX-Pad: ");
		while (h->len < want - 4)
			g_string_append_c(h, 'p');
		g_string_append(h, "\r\n\r\n");
		CU_ASSERT_EQUAL_FATAL(h->len, want);
		memset(&r[i], 0, sizeof r[i]);
		r[i].got = g_string_new(NULL);
		r[i].close_on_data = TRUE;
		r[i].send = text_msg(h->str, want + BODY);
		total += want + BODY;
		tcp_connect(host_tcp(s.h[0]), star_ip(0), 0, star_ip(1), 80, 0, &raw_cb, &r[i]);
		g_string_free(h, TRUE);
	}
	star_run(&s);
	for (int i = 0; i < N; i++) {
		CU_ASSERT_TRUE(g_str_has_prefix(r[i].got->str, "HTTP/1.1 200 OK\r\n"));
		g_string_free(r[i].got, TRUE);
	}
	CU_ASSERT_EQUAL(http_server_get_stats(srv)->requests, N);
	CU_ASSERT_EQUAL(http_server_get_stats(srv)->bad_requests, 0);
	CU_ASSERT_EQUAL(http_server_get_stats(srv)->request_bytes, total);
	star_clear(&s);
}

/* Servers that misbehave: garbage instead of a status line, a close before
 * answering, and an answer without Content-Length that ends with the
 * connection (valid HTTP/1.1: the body runs to the close). */
static void test_bad_responses(void)
{
	star s;
	star_init(&s, 2, 10 * SIM_US, FALSE);
	raw garbage = { .got = g_string_new(NULL), .send = text_msg("garbage\r\n\r\n", 0) };
	raw closer = { .got = g_string_new(NULL), .close_on_data = TRUE };
	raw eof_body = { .got = g_string_new(NULL), .close_on_data = TRUE,
	                 .send = text_msg("HTTP/1.1 200 OK\r\n\r\n", 5000) };
	tcp_listen(host_tcp(s.h[1]), 0, 8001, 0, &raw_cb, &garbage);
	tcp_listen(host_tcp(s.h[1]), 0, 8002, 0, &raw_cb, &closer);
	tcp_listen(host_tcp(s.h[1]), 0, 8003, 0, &raw_cb, &eof_body);
	results rs[3] = { { 0 } };
	http_client *cl[3];
	for (int i = 0; i < 3; i++) {
		http_client_config cc = { .local_ip = star_ip(0), .ip = star_ip(1),
		                          .port = (uint16_t)(8001 + i), .keepalive = TRUE };
		cl[i] = http_client_new(host_tcp(s.h[0]), &cc);
		http_request_spec spec = { 0 };
		http_client_request(cl[i], &spec, keep_result, &rs[i]);
	}
	star_run(&s);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL_FATAL(rs[i].n, 1);
	CU_ASSERT_EQUAL(rs[0].r[0].fail, HTTP_FAIL_BAD_RESPONSE);
	CU_ASSERT_EQUAL(rs[1].r[0].fail, HTTP_FAIL_CLOSED);
	CU_ASSERT_EQUAL(rs[2].r[0].fail, HTTP_OK);
	CU_ASSERT_EQUAL(rs[2].r[0].status, 200);
	CU_ASSERT_EQUAL(rs[2].r[0].response_bytes, 5000);
	CU_ASSERT_EQUAL(garbage.why, TCP_CLOSE_RESET); /* the client aborted */
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(http_client_outstanding(cl[i]), 0);
		CU_ASSERT_EQUAL(http_client_connections(cl[i]), 0);
		http_client_free(cl[i]);
	}
	g_string_free(garbage.got, TRUE);
	g_string_free(closer.got, TRUE);
	g_string_free(eof_body.got, TRUE);
	star_clear(&s);
}

/* ---- pipelining and think-time overrides ---- */

typedef struct {
	GPtrArray *paths;
} recorder;

static void record_then_default(http_exchange *x, void *ud)
{
	recorder *rc = ud;
	g_ptr_array_add(rc->paths, g_strdup(http_exchange_path(x)));
	http_default_handler(x, NULL);
}

/* Two requests in one write, the first with a 3-byte body: the server
 * answers both, in order, each after its think time. */
static void test_pipelined(void)
{
	star s;
	star_init(&s, 2, 10 * SIM_US, FALSE);
	http_server *srv = serve(s.h[1], 80, 10, SIM_MS);
	recorder rc = { g_ptr_array_new_with_free_func(g_free) };
	http_server_set_handler(srv, record_then_default, &rc);
	const char *two = "POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
	                  "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n";
	raw a = { .got = g_string_new(NULL), .send = text_msg(two, 0) };
	tcp_conn *c = tcp_connect(host_tcp(s.h[0]), star_ip(0), 0, star_ip(1), 80, 0, &raw_cb, &a);
	sim_run_until(s.nt->sim, SIM_S);
	tcp_close(c);
	star_run(&s);
	const uint64_t one = len_of(http_response_head(200, 10, FALSE, NULL)) + 10;
	CU_ASSERT_EQUAL(a.got->len, 2 * one);
	CU_ASSERT_TRUE(g_str_has_prefix(a.got->str, "HTTP/1.1 200 OK\r\n"));
	CU_ASSERT_TRUE(g_str_has_prefix(a.got->str + one, "HTTP/1.1 200 OK\r\n"));
	CU_ASSERT_EQUAL_FATAL(rc.paths->len, 2);
	CU_ASSERT_STRING_EQUAL(g_ptr_array_index(rc.paths, 0), "/1");
	CU_ASSERT_STRING_EQUAL(g_ptr_array_index(rc.paths, 1), "/2");
	CU_ASSERT_EQUAL(http_server_get_stats(srv)->responses, 2);
	g_ptr_array_unref(rc.paths);
	g_string_free(a.got, TRUE);
	star_clear(&s);
}

/*
 * One kept-alive connection (max_conns 1), d = 10 us per link, so 2d per
 * one-way trip.  Three requests at time 0:
 *   1. X-Vpcsim-Think-Ns: 1000000 overrides the server's 5 ms:
 *      handshake and request 3 * 2d, think 1 ms, response 2d = 8d + 1 ms;
 *   2. waits for 1, then request, 5 ms, response: 8d + 1 ms + 4d + 5 ms;
 *   3. waits for 2: 8d + 1 ms + 2 * (4d + 5 ms).
 * Timestamps: 2 and 3 reuse the connection made for 1.
 */
static void test_queueing_and_think_override(void)
{
	const sim_time d = 10 * SIM_US;
	star s;
	star_init(&s, 2, d, FALSE);
	serve(s.h[1], 80, 10, 5 * SIM_MS);
	http_client_config cc = { .local_ip = star_ip(0), .ip = star_ip(1), .port = 80,
	                          .keepalive = TRUE, .max_conns = 1 };
	http_client *cl = http_client_new(host_tcp(s.h[0]), &cc);
	results rs = { 0 };
	http_request_spec fast = { .extra = HTTP_HDR_THINK_NS ": 1000000\r\n" };
	http_request_spec plain = { 0 };
	http_client_request(cl, &fast, keep_result, &rs);
	http_client_request(cl, &plain, keep_result, &rs);
	http_client_request(cl, &plain, keep_result, &rs);
	CU_ASSERT_EQUAL(rs.n, 0); /* never called back from inside the call */
	CU_ASSERT_EQUAL(http_client_outstanding(cl), 3);
	sim_run_until(s.nt->sim, SIM_S);
	CU_ASSERT_EQUAL_FATAL(rs.n, 3);
	const sim_time t1 = 8 * d + SIM_MS, step = 4 * d + 5 * SIM_MS;
	CU_ASSERT_EQUAL(rs.r[0].t_complete, t1);
	CU_ASSERT_EQUAL(rs.r[1].t_complete, t1 + step);
	CU_ASSERT_EQUAL(rs.r[2].t_complete, t1 + 2 * step);
	CU_ASSERT_EQUAL(rs.r[1].t_sent, t1);
	CU_ASSERT_EQUAL(rs.r[1].t_first_byte, t1 + step);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(rs.r[i].t_start, 0);
		CU_ASSERT_EQUAL(rs.r[i].t_connected, 4 * d);
		CU_ASSERT_EQUAL(rs.r[i].reused, i > 0);
		CU_ASSERT_EQUAL(rs.r[i].local_port, rs.r[0].local_port);
	}
	CU_ASSERT_EQUAL(http_client_connections_opened(cl), 1);
	http_client_close_idle(cl);
	star_run(&s);
	http_client_free(cl);
	star_clear(&s);
}

/*
 * A pool of three: five requests at once open three connections (none
 * beyond) and two wait; once all are done, requests sent one after the
 * other each take the connection that became idle last (as Go's and
 * urllib3's pools do), so one connection serves them all and no fourth
 * opens.
 */
typedef struct {
	http_client *cl;
	results rs;
	int more;              /* sequential requests still to send */
} chain;

static void chain_next(const http_result *r, void *ud)
{
	chain *c = ud;
	keep_result(r, &c->rs);
	if (c->more-- > 0) {
		http_request_spec plain = { 0 };
		http_client_request(c->cl, &plain, chain_next, c);
	}
}

static void test_pool(void)
{
	const sim_time d = 10 * SIM_US;
	star s;
	star_init(&s, 2, d, FALSE);
	serve(s.h[1], 80, 10, 5 * SIM_MS);
	http_client_config cc = { .local_ip = star_ip(0), .ip = star_ip(1), .port = 80,
	                          .keepalive = TRUE, .max_conns = 3 };
	http_client *cl = http_client_new(host_tcp(s.h[0]), &cc);
	results burst = { 0 };
	http_request_spec plain = { 0 };
	for (int i = 0; i < 5; i++)
		http_client_request(cl, &plain, keep_result, &burst);
	CU_ASSERT_EQUAL(http_client_connections(cl), 3);
	CU_ASSERT_EQUAL(http_client_waited(cl), 2);
	sim_run_until(s.nt->sim, 100 * SIM_MS);
	CU_ASSERT_EQUAL_FATAL(burst.n, 5);
	CU_ASSERT_EQUAL(http_client_connections_opened(cl), 3);
	CU_ASSERT_EQUAL(http_client_peak_connections(cl), 3);
	/* The two that waited went on the first connections to free up. */
	CU_ASSERT_TRUE(burst.r[3].reused && burst.r[4].reused);
	uint16_t last = burst.r[4].local_port;

	chain c = { .cl = cl, .more = 5 };
	http_client_request(cl, &plain, chain_next, &c);
	sim_run_until(s.nt->sim, SIM_S);
	CU_ASSERT_EQUAL_FATAL(c.rs.n, 6);
	for (int i = 0; i < 6; i++) {
		CU_ASSERT_TRUE(c.rs.r[i].reused);
		CU_ASSERT_EQUAL(c.rs.r[i].local_port, last);
	}
	CU_ASSERT_EQUAL(http_client_connections_opened(cl), 3);
	CU_ASSERT_EQUAL(http_client_waited(cl), 2);
	http_client_close_idle(cl);
	star_run(&s);
	http_client_free(cl);
	star_clear(&s);
}

/* ---- workloads ---- */

/*
 * Round robin over two servers with random (exponential) gaps: each server
 * gets every other request.  A stop time instead of a count: requests at 0,
 * 1, ..., 10 ms start, the one due at 11 ms does not (stop at 10.5 ms).
 * Many one-shot connections: 300 requests 100 us apart, each on its own
 * connection, all completed and every connection gone at the end.
 */
static void test_workloads(void)
{
	star s;
	star_init(&s, 3, 15 * SIM_US, FALSE);
	http_server *a = serve(s.h[1], 80, 1000, 200 * SIM_US);
	http_server *b = serve(s.h[2], 80, 1000, 200 * SIM_US);
	host_target tg[2] = { { star_ip(1), 80, NULL }, { star_ip(2), 80, NULL } };

	host_workload_config wc = { .name = "rr", .targets = tg, .n_targets = 2, .count = 10,
	                            .keepalive = TRUE, .max_conns = 1 };
	GError *err = NULL;
	CU_ASSERT_TRUE(dist_parse("exp(mean=1ms)", UNIT_TIME, &wc.interval, &err));
	host_workload *rr = host_add_workload(s.h[0], &wc);
	dist_clear(&wc.interval);

	host_workload_config sc = { .name = "stop", .targets = tg, .n_targets = 1,
	                            .stop_at = 10500 * SIM_US, .keepalive = TRUE, .max_conns = 1 };
	dist_set_const(&sc.interval, UNIT_TIME, SIM_MS);
	host_workload *st = host_add_workload(s.h[0], &sc);
	dist_clear(&sc.interval);

	host_workload_config pc = { .name = "burst", .targets = tg + 1, .n_targets = 1,
	                            .count = 300, .keepalive = FALSE, .method = "PUT",
	                            .path = "/obj" };
	dist_set_const(&pc.interval, UNIT_TIME, 100 * SIM_US);
	dist_set_const(&pc.request_size, UNIT_SIZE, 3000);
	host_workload *pr = host_add_workload(s.h[0], &pc);
	dist_clear(&pc.interval);
	dist_clear(&pc.request_size);
	star_run(&s);

	const host_workload_result *r = host_workload_get_result(rr);
	CU_ASSERT_TRUE(host_workload_done(rr));
	CU_ASSERT_EQUAL(r->started, 10);
	CU_ASSERT_EQUAL(r->completed, 10);
	CU_ASSERT_EQUAL(hdr_count(r->latency), 10);
	CU_ASSERT_EQUAL(r->latency_acc.n, 10);
	CU_ASSERT_EQUAL(r->connections, 2);
	CU_ASSERT_EQUAL(host_workload_get_result(st)->started, 11);
	CU_ASSERT_EQUAL(host_workload_get_result(st)->completed, 11);
	const host_workload_result *p = host_workload_get_result(pr);
	CU_ASSERT_EQUAL(p->completed, 300);
	CU_ASSERT_EQUAL(p->connections, 300);
	CU_ASSERT_EQUAL(host_workload_failed(pr), 0);
	GString *put = http_request_head("PUT", "10.0.3.12", "/obj", 3000, TRUE, NULL);
	CU_ASSERT_EQUAL(p->bytes_sent, 300 * (len_of(put) + 3000));
	/* Server a: 5 round-robin + 11 stop-time requests; b: 5 + 300. */
	CU_ASSERT_EQUAL(http_server_get_stats(a)->requests, 16);
	CU_ASSERT_EQUAL(http_server_get_stats(b)->requests, 305);
	CU_ASSERT_EQUAL(http_server_get_stats(b)->connections, 1 + 300);
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(s.h[0]))->retransmits, 0);
	star_clear(&s);
}

/* ---- parsing: what a head's walk finds agrees with a lookup per header ---- */

/* A header as an unsigned number, found by http_exchange_header (a walk of
 * its own per header, nothing recorded while the head arrived). */
static gboolean header_u64(const char *v, size_t vl, uint64_t *out)
{
	if (!v)
		return FALSE;
	char *t = g_strndup(v, vl);
	guint64 n = 0;
	gboolean ok = g_ascii_string_to_unsigned(t, 10, 0, G_MAXUINT64, &n, NULL);
	g_free(t);
	if (ok)
		*out = n;
	return ok;
}

typedef struct {
	GArray *want;     /* uint64_t: the response body each request asked for */
	GPtrArray *paths; /* the path the handler saw */
	int requests;
} parse_check;

/* Checks the server's parse (body length; the response size the default
 * handler then uses) against lookups of each header on their own. */
static void check_then_default(http_exchange *x, void *ud)
{
	parse_check *pc = ud;
	pc->requests++;
	size_t vl = 0;
	uint64_t body = 0, bytes = 10; /* serve()'s response size */
	const char *v = http_exchange_header(x, "Content-Length", &vl);
	header_u64(v, vl, &body);
	CU_ASSERT_EQUAL(http_exchange_body_len(x), body);
	v = http_exchange_header(x, HTTP_HDR_RESPONSE_BYTES, &vl);
	header_u64(v, vl, &bytes);
	g_array_append_val(pc->want, bytes);
	g_ptr_array_add(pc->paths, g_strdup(http_exchange_path(x)));
	http_default_handler(x, NULL);
}

/*
 * Heads whose lines the parser reads from where the blank-line search
 * found them: headers in another order, names in other cases, duplicated
 * headers (the first counts), more lines than are recorded, bare LF line
 * ends, a bare LF blank line, blanks around values.  Each comes twice in a
 * row (the second is found the same as the last head, not parsed), then
 * near copies: one byte changed (same length), a line more, the path in
 * another case.  Sent pipelined in one write, over segments of 56 bytes
 * and of 1460 (most heads whole, found the same by their start), answered
 * at once (parsed from the segments) and after a think time (parsed from
 * the bytes held meanwhile); every answer must be the size the head asked
 * for, as a lookup per header reads it, and the handler must see the
 * head's own path.
 */
static void test_parse_agrees(void)
{
	GString *lng = g_string_new("GET /long HTTP/1.1\r\n");
	for (int i = 0; i < 40; i++)
		g_string_append_printf(lng, "X-Pad-%02d: %d\r\n", i, i);
	g_string_append(lng, "CONTENT-length: 4\r\nX-Vpcsim-Response-Bytes: 21\r\n"
	                     "Content-Length: 6\r\n\r\nbody");
	static const struct {
		const char *text;
		uint64_t want; /* response bytes */
		const char *path;
		int times;
	} heads[] = {
		{ "GET /order HTTP/1.1\r\nX-Vpcsim-Response-Bytes: 7\r\nHost: x\r\n"
		  "Content-Length: 3\r\n\r\nabc", 7, "/order", 2 },
		{ "GET /order HTTP/1.1\r\nX-Vpcsim-Response-Bytes: 8\r\nHost: x\r\n"
		  "Content-Length: 3\r\n\r\nabc", 8, "/order", 2 },
		{ "GET /order HTTP/1.1\r\nX-Vpcsim-Response-Bytes: 8\r\nHost: x\r\n"
		  "Content-Length: 4\r\n\r\nabcd", 8, "/order", 1 },
		{ "GET /order HTTP/1.1\r\nX-Vpcsim-Response-Bytes: 8\r\nHost: x\r\n"
		  "Content-Length: 4\r\nX-Vpcsim-Response-Bytes: 5\r\n\r\nabcd", 8, "/order", 1 },
		{ "GET /ORDER HTTP/1.1\r\nX-Vpcsim-Response-Bytes: 8\r\nHost: x\r\n"
		  "Content-Length: 4\r\nX-Vpcsim-Response-Bytes: 5\r\n\r\nabcd", 8, "/ORDER", 1 },
		{ "POST /case HTTP/1.1\r\ncontent-length: 2\r\nx-VPCSIM-response-BYTES: 9\r\n\r\nzz", 9,
		  "/case", 2 },
		{ "GET /dup HTTP/1.1\r\nContent-Length: 1\r\nX-Vpcsim-Response-Bytes: 4\r\n"
		  "Content-Length: 5\r\nX-Vpcsim-Response-Bytes: 8\r\n\r\nq", 4, "/dup", 2 },
		{ "GET /lf HTTP/1.1\r\nA: 1\nX-Vpcsim-Response-Bytes: 11\nB: 2\r\nContent-Length:0\r\n\r\n",
		  11, "/lf", 2 },
		{ "GET /ws HTTP/1.1\r\nX-Vpcsim-Response-Bytes: \t 13 \t\r\nX-Vpcsim-Think-Ns: 0\r\n\r\n",
		  13, "/ws", 2 },
		{ "GET /bare HTTP/1.1\r\n\nX-Vpcsim-Response-Bytes: 3\r\n\r\n", 10, "/bare", 2 },
		{ NULL, 21, "/long", 2 },
	};
	GString *all = g_string_new(NULL);
	GArray *want = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	GPtrArray *paths = g_ptr_array_new();
	for (size_t i = 0; i < G_N_ELEMENTS(heads); i++)
		for (int t = 0; t < heads[i].times; t++) {
			g_string_append(all, heads[i].text ? heads[i].text : lng->str);
			g_array_append_val(want, heads[i].want);
			g_ptr_array_add(paths, (gpointer)heads[i].path);
		}
	for (int run = 0; run < 4; run++) {
		int think = run & 1;
		uint32_t mtu = run & 2 ? 0 : 96; /* heads split, or most whole in a segment */
		star s;
		star_init(&s, 2, 10 * SIM_US, FALSE);
		http_server *srv = serve(s.h[1], 80, 10, think ? SIM_MS : 0);
		parse_check pc = { g_array_new(FALSE, FALSE, sizeof(uint64_t)),
		                   g_ptr_array_new_with_free_func(g_free), 0 };
		http_server_set_handler(srv, check_then_default, &pc);
		raw a = { .got = g_string_new(NULL), .send = text_msg(all->str, 0) };
		tcp_conn *c = tcp_connect(host_tcp(s.h[0]), star_ip(0), 0, star_ip(1), 80, mtu, &raw_cb,
		                          &a);
		sim_run_until(s.nt->sim, SIM_S);
		tcp_close(c);
		star_run(&s);
		CU_ASSERT_EQUAL(pc.requests, (int)want->len);
		CU_ASSERT_EQUAL(http_server_get_stats(srv)->bad_requests, 0);
		/* The answers, in order: each head's Content-Length is the size
		 * its request asked for. */
		CU_ASSERT_EQUAL_FATAL(pc.want->len, want->len);
		size_t at = 0;
		for (guint i = 0; i < pc.want->len; i++) {
			uint64_t w = g_array_index(want, uint64_t, i);
			CU_ASSERT_EQUAL(g_array_index(pc.want, uint64_t, i), w);
			CU_ASSERT_STRING_EQUAL(g_ptr_array_index(pc.paths, i), g_ptr_array_index(paths, i));
			const char *h = a.got->str + at;
			const char *e = g_strstr_len(h, (gssize)(a.got->len - at), "\r\n\r\n");
			CU_ASSERT_PTR_NOT_NULL_FATAL(e);
			size_t hl = (size_t)(e + 4 - h), vl = 0;
			uint64_t n = 0;
			const char *v = http_head_get(h, hl, "Content-Length", &vl);
			CU_ASSERT_TRUE(header_u64(v, vl, &n));
			CU_ASSERT_EQUAL(n, w);
			at += hl + n;
		}
		CU_ASSERT_EQUAL(at, a.got->len);
		g_array_unref(pc.want);
		g_ptr_array_unref(pc.paths);
		g_string_free(a.got, TRUE);
		star_clear(&s);
	}
	g_array_unref(want);
	g_ptr_array_unref(paths);
	g_string_free(all, TRUE);
	g_string_free(lng, TRUE);
}

typedef struct {
	int n;
	http_fail fail;
	uint64_t content_length, response_bytes, head_len, general;
} client_seen;

/* The client's parse against a lookup of Content-Length on its own. */
static void client_check(const http_result *r, void *ud)
{
	client_seen *cs = ud;
	cs->n++;
	cs->fail = r->fail;
	cs->content_length = r->content_length;
	cs->response_bytes = r->response_bytes;
	cs->head_len = r->head_len;
	size_t vl = 0;
	const char *v = r->head ? http_head_get(r->head, r->head_len, "Content-Length", &vl) : NULL;
	header_u64(v, vl, &cs->general);
}

/* Responses whose Content-Length comes after more lines than are
 * recorded, in another case, twice (the first counts), after a bare LF
 * line end; sent in 56-byte segments. */
static void test_client_parse_agrees(void)
{
	GString *texts[4];
	texts[0] = g_string_new("HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < 40; i++)
		g_string_append_printf(texts[0], "X-Pad-%02d: %d\r\n", i, i);
	g_string_append(texts[0], "content-LENGTH: 6\r\n\r\nabcdef");
	texts[1] = g_string_new("HTTP/1.1 201 Created\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\nxy");
	texts[2] = g_string_new("HTTP/1.1 200 OK\r\nA: 1\nContent-Length:  3 \r\n\r\nxyz");
	texts[3] = g_string_new("HTTP/1.1 200 OK\r\nServer: s\r\nConnection: close\r\n"
	                        "CONTENT-LENGTH: 1\r\n\r\nx");
	const uint64_t want[] = { 6, 2, 3, 1 };
	star s;
	star_init(&s, 2, 10 * SIM_US, FALSE);
	raw srv[4];
	http_client *cl[4];
	client_seen cs[4];
	for (int i = 0; i < 4; i++) {
		srv[i] = (raw){ .got = g_string_new(NULL), .close_on_data = TRUE,
		                .send = text_msg(texts[i]->str, 0) };
		tcp_listen(host_tcp(s.h[1]), 0, (uint16_t)(8001 + i), 96, &raw_cb, &srv[i]);
		http_client_config cc = { .local_ip = star_ip(0), .ip = star_ip(1),
		                          .port = (uint16_t)(8001 + i), .keepalive = TRUE, .mtu = 96 };
		cl[i] = http_client_new(host_tcp(s.h[0]), &cc);
		memset(&cs[i], 0, sizeof cs[i]);
		http_request_spec spec = { 0 };
		http_client_request(cl[i], &spec, client_check, &cs[i]);
	}
	star_run(&s);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(cs[i].n, 1);
		CU_ASSERT_EQUAL(cs[i].fail, HTTP_OK);
		CU_ASSERT_EQUAL(cs[i].content_length, want[i]);
		CU_ASSERT_EQUAL(cs[i].general, want[i]);
		CU_ASSERT_EQUAL(cs[i].response_bytes, texts[i]->len);
		CU_ASSERT_EQUAL(cs[i].head_len + want[i], texts[i]->len);
		http_client_free(cl[i]);
		g_string_free(srv[i].got, TRUE);
		g_string_free(texts[i], TRUE);
	}
	star_clear(&s);
}

/* A server that answers the n-th request head it receives with texts[n]. */
typedef struct {
	const char *const *texts;
	guint n_texts, answered;
	GString *got;
} scripted;

static void scripted_data(tcp_conn *c, const pkt_msg *m, uint64_t off, uint32_t len, void *ud)
{
	scripted *sc = ud;
	got_append(sc->got, m, off, len);
	guint heads = 0;
	for (const char *p = sc->got->str; (p = strstr(p, "\r\n\r\n")); p += 4)
		heads++;
	while (sc->answered < heads && sc->answered < sc->n_texts) {
		pkt_msg *r = text_msg(sc->texts[sc->answered++], 0);
		tcp_write(c, r, 0, r->len);
		pkt_msg_unref(r);
		if (sc->answered == sc->n_texts)
			tcp_close(c); /* the last body ends with the connection */
	}
}

static void scripted_eof(tcp_conn *c, void *ud)
{
	(void)ud;
	tcp_close(c);
}

static const tcp_callbacks scripted_cb = { .on_data = scripted_data, .on_eof = scripted_eof };

/* One kept-alive connection carries responses that repeat the last head
 * (found the same, not parsed), differ from it in one byte (the length, the
 * status), have a line more, differ in case, and last one that ends with
 * the connection: each result must be what its own head says. */
static void test_client_repeats(void)
{
	static const char *const texts[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd",
		"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd",
		"HTTP/1.1 201 OK\r\nContent-Length: 4\r\n\r\nabcd",
		"HTTP/1.1 201 OK\r\nContent-Length: 4\r\nX: y\r\n\r\nabcd",
		"HTTP/1.1 201 OK\r\ncontent-length: 4\r\nX: y\r\n\r\nabcd",
		"HTTP/1.1 201 OK\r\ncontent-length: 4\r\nX: y\r\n\r\nabcd",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\nxy",
	};
	static const int status[] = { 200, 200, 200, 200, 201, 201, 201, 201, 200, 503 };
	static const uint64_t body[] = { 3, 3, 4, 4, 4, 4, 4, 4, 3, 2 };
	enum { N = G_N_ELEMENTS(texts) };
	star s;
	star_init(&s, 2, 10 * SIM_US, FALSE);
	scripted sc = { texts, N, 0, g_string_new(NULL) };
	tcp_listen(host_tcp(s.h[1]), 0, 8080, 0, &scripted_cb, &sc);
	http_client_config cc = { .local_ip = star_ip(0), .ip = star_ip(1), .port = 8080,
		                  .keepalive = TRUE, .max_conns = 1 };
	http_client *cl = http_client_new(host_tcp(s.h[0]), &cc);
	results rs = { 0 };
	for (int i = 0; i < N; i++) {
		http_request_spec spec = { 0 };
		http_client_request(cl, &spec, keep_result, &rs);
	}
	star_run(&s);
	CU_ASSERT_EQUAL_FATAL(rs.n, N);
	for (int i = 0; i < N; i++) {
		CU_ASSERT_EQUAL(rs.r[i].fail, HTTP_OK);
		CU_ASSERT_EQUAL(rs.r[i].status, status[i]);
		CU_ASSERT_EQUAL(rs.r[i].response_bytes, strlen(texts[i]));
		CU_ASSERT_EQUAL(rs.r[i].head_len + body[i], strlen(texts[i]));
		CU_ASSERT_EQUAL(strncmp(rs.head[i], texts[i], rs.r[i].head_len), 0);
		/* The last body ends with the connection: no Content-Length. */
		CU_ASSERT_EQUAL(rs.r[i].content_length, i < N - 1 ? body[i] : 0);
	}
	CU_ASSERT_EQUAL(http_client_connections_opened(cl), 1);
	http_client_free(cl);
	g_string_free(sc.got, TRUE);
	star_clear(&s);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("http");
	CU_add_test(s, "heads: exact text, header lookup, re-emit with extra lines", test_heads);
	CU_add_test(s, "header names: http_name_is() agrees with g_ascii_strncasecmp()",
	            test_name_is);
	CU_add_test(s, "POST with a 50 KB body, 201 with headers", test_post_body);
	CU_add_test(s, "a proxy adds X-Forwarded-For; exact latency over two hops", test_proxy);
	CU_add_test(s, "bad requests: 400 and 431, then close", test_bad_requests);
	CU_add_test(s, "bad responses: garbage, early close, body to EOF", test_bad_responses);
	CU_add_test(s, "a head's blank line across a segment boundary, then a body",
	            test_head_across_segments);
	CU_add_test(s, "pipelined requests are answered in order", test_pipelined);
	CU_add_test(s, "server parse: order, case, duplicates, long heads, LF ends agree",
	            test_parse_agrees);
	CU_add_test(s, "client parse: long heads, case, duplicates, LF ends agree",
	            test_client_parse_agrees);
	CU_add_test(s, "client parse: repeated and near-repeated response heads", test_client_repeats);
	CU_add_test(s, "one connection: requests queue; think-time header",
	            test_queueing_and_think_override);
	CU_add_test(s, "a pool: up to max_conns open, the last idle one reused", test_pool);
	CU_add_test(s, "workloads: round robin, stop time, 300 one-shot connections",
	            test_workloads);
}
