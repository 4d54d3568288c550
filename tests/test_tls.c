/* \summary: TLS tests: record framing bytes, handshake bytes and round trip, HTTPS end to end, determinism, Wireshark's view */
#include <string.h>

#include "harness.h"
#include "pcap_check.h"
#include "host.h"
#include "router.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

/* ---- record framing ---- */

/* Walks the records of a stream: each header, and the sum of their
 * lengths must be the whole. */
static guint walk_records(const uint8_t *b, uint64_t n, uint8_t want_type, uint64_t *plain)
{
	guint records = 0;
	uint64_t at = 0;
	*plain = 0;
	while (at + TLS_RECORD_HEADER <= n) {
		CU_ASSERT_EQUAL(b[at], want_type);
		CU_ASSERT_EQUAL(b[at + 1], 3);
		CU_ASSERT_EQUAL(b[at + 2], 3);
		uint32_t len = (uint32_t)b[at + 3] << 8 | b[at + 4];
		CU_ASSERT(len > 1 + TLS_AEAD_TAG && len <= TLS_MAX_PLAINTEXT + 1 + TLS_AEAD_TAG);
		*plain += len - 1 - TLS_AEAD_TAG;
		at += TLS_RECORD_HEADER + len;
		records++;
	}
	CU_ASSERT_EQUAL(at, n);
	return records;
}

static void test_record_framing(void)
{
	/* 22 bytes a record: 5 of header, 1 inner content type, 16 of tag. */
	CU_ASSERT_EQUAL(TLS_RECORD_OVERHEAD, 22);
	CU_ASSERT_EQUAL(tls_record_wire_len(0), 0);
	CU_ASSERT_EQUAL(tls_record_wire_len(1), 23);
	CU_ASSERT_EQUAL(tls_record_wire_len(16384), 16406);
	CU_ASSERT_EQUAL(tls_record_wire_len(16385), 16385 + 44);
	CU_ASSERT_EQUAL(tls_record_wire_len(1000000000), 1000000000 + 22 * 61036);

	/* 40,000 bytes from offset 100 of a message: 16384 + 16384 + 7232. */
	pkt_msg *plain = pkt_msg_new(g_bytes_new_static("GET / HTTP/1.1\r\n", 16), 50000, 7);
	pkt_msg *m = tls_records_msg(plain, 100, 40000, 99);
	pkt_msg_unref(plain); /* the records keep their own reference */
	CU_ASSERT_EQUAL_FATAL(m->len, 40000 + 3 * 22);
	uint8_t *b = g_malloc(m->len + 64);
	pkt_msg_fill(m, 0, b, (uint32_t)m->len);
	uint64_t got = 0;
	CU_ASSERT_EQUAL(walk_records(b, m->len, TLS_CT_APPLICATION_DATA, &got), 3);
	CU_ASSERT_EQUAL(got, 40000);
	static const uint8_t h1[] = { 23, 3, 3, 0x40, 0x11 }; /* 16384 + 17 */
	static const uint8_t h3[] = { 23, 3, 3, 0x1c, 0x51 }; /* 7232 + 17 */
	CU_ASSERT_EQUAL(memcmp(b, h1, 5), 0);
	CU_ASSERT_EQUAL(memcmp(b + 16406, h1, 5), 0);
	CU_ASSERT_EQUAL(memcmp(b + 2 * 16406, h3, 5), 0);
	/* The plaintext does not show: no "GET" anywhere. */
	CU_ASSERT_PTR_NULL(g_strstr_len((const char *)b, (gssize)m->len, "GET /"));
	/* Any slice reads the same bytes as the whole (segments cut anywhere),
	 * and reading past the end is allowed, as for any message. */
	uint8_t s[3000];
	static const uint64_t offs[] = { 0, 3, 16400, 16406, 32811, 40066 - 1000 };
	for (guint i = 0; i < G_N_ELEMENTS(offs); i++) {
		pkt_msg_fill(m, offs[i], s, 1000);
		CU_ASSERT_EQUAL(memcmp(s, b + offs[i], 1000), 0);
	}
	pkt_msg_fill(m, m->len - 10, s, 100);
	CU_ASSERT_EQUAL(memcmp(s, b + m->len - 10, 10), 0);
	/* The same seed makes the same ciphertext; another seed another. */
	pkt_msg *p2 = pkt_msg_new(NULL, 50000, 7);
	pkt_msg *m2 = tls_records_msg(p2, 0, 40000, 99), *m3 = tls_records_msg(p2, 0, 40000, 98);
	pkt_msg_fill(m2, 0, s, 3000);
	CU_ASSERT_EQUAL(memcmp(s, b, 3000), 0);
	pkt_msg_fill(m3, 0, s, 3000);
	CU_ASSERT_EQUAL(memcmp(s, b, 5), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(s + 5, b + 5, 100), 0);
	pkt_msg_unref(m2);
	pkt_msg_unref(m3);
	pkt_msg_unref(p2);
	pkt_msg_unref(m);
	g_free(b);

	/* Handshake sizes, by hand from RFC 8446's structures: ServerHello 127,
	 * CCS 6, EncryptedExtensions 21 + 22, Certificate (8 + 2600 + 2 * 5) +
	 * 22, CertificateVerify 264 + 22, Finished 36 + 22. */
	CU_ASSERT_EQUAL(tls_server_flight_len(2600, 2), 127 + 6 + 43 + 2640 + 286 + 58);
	/* A 20,000-byte chain takes two records. */
	CU_ASSERT_EQUAL(tls_server_flight_len(20000, 3), 127 + 6 + 43 + (20023 + 44) + 286 + 58);
	CU_ASSERT_EQUAL(tls_client_finished_len(), 6 + 58);
	CU_ASSERT_EQUAL(tls_client_hello_len(0), 194);
	CU_ASSERT_EQUAL(tls_client_hello_len(15), 194 + 9 + 15);
}

/* ---- two hosts and a router ---- */

typedef struct {
	net *nt;
	router *r;
	host *h[2];
	char *dir;
	char *cap[2];
} pair;

static uint32_t pair_ip(guint i) { return IP(10, 0, i + 1, 10 + i); }

static void pair_init(pair *s, uint64_t seed, sim_time d, gboolean capture)
{
	memset(s, 0, sizeof *s);
	s->nt = net_new(seed);
	s->r = router_new(s->nt, "r");
	s->dir = harness_tmpdir();
	static const char *const names[2] = { "client", "server" };
	for (guint i = 0; i < 2; i++) {
		host_config hc = { .ip = pair_ip(i), .mtu = 1500 };
		s->h[i] = host_new(s->nt, names[i], &hc);
		port *rp = node_add_port(router_node(s->r));
		port *hp = node_port(host_node(s->h[i]), 0);
		link_new(s->nt, hp, rp, d, 0, 0);
		router_add_route(s->r, pair_ip(i) & 0xffffff00u, 24, rp);
		if (capture) {
			CU_ASSERT_TRUE(net_capture(s->nt, hp, s->dir, names[i], 0, NULL));
			s->cap[i] = g_strdup_printf("%s/%s.pcap", s->dir, names[i]);
		}
	}
}

static void pair_clear(pair *s)
{
	net_free(s->nt);
	for (guint i = 0; i < 2; i++)
		g_free(s->cap[i]);
	harness_rmtree(s->dir);
	g_free(s->dir);
}

typedef struct {
	gboolean tls;
	uint32_t cert_bytes;
	uint64_t seed;
	gboolean keepalive;
	gboolean capture;
	/* results */
	hdr_hist *lat;
	sim_time lat_min, lat_max;
	uint64_t completed, client_out, server_out, handshakes, records;
	uint64_t bytes_received;
	char *pcap;           /* the client's capture, read into memory */
	gsize pcap_len;
} run_spec;

/* Two GETs 50 ms apart to a server answering `body` bytes; link delay d
 * each way on both links (an RTT of 4d). */
static void run_pair(run_spec *rs, sim_time d, uint64_t body)
{
	pair s;
	pair_init(&s, rs->seed, d, rs->capture);
	host_http_server_config sc = { .port = 443, .tls = rs->tls,
		                       .cert_bytes = rs->cert_bytes, .cert_count = 2 };
	dist_set_const(&sc.response_size, UNIT_SIZE, (double)body);
	GError *err = NULL;
	http_server *srv = host_serve_http(s.h[1], &sc, &err);
	dist_clear(&sc.response_size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	host_target tg = { pair_ip(1), sc.port, NULL };
	host_workload_config wc = { .name = "w", .targets = &tg, .n_targets = 1, .count = 2,
		                    .keepalive = rs->keepalive, .max_conns = 1, .tls = rs->tls };
	dist_set_const(&wc.interval, UNIT_TIME, 50 * SIM_MS);
	host_workload *w = host_add_workload(s.h[0], &wc);
	dist_clear(&wc.interval);
	sim_run_until(s.nt->sim, SIM_S);
	CU_ASSERT_TRUE(net_close_captures(s.nt, NULL));
	const host_workload_result *r = host_workload_get_result(w);
	rs->completed = r->completed;
	rs->lat_min = hdr_min(r->latency);
	rs->lat_max = hdr_max(r->latency);
	rs->bytes_received = r->bytes_received;
	rs->client_out = tcp_stack_get_stats(host_tcp(s.h[0]))->bytes_out;
	rs->server_out = tcp_stack_get_stats(host_tcp(s.h[1]))->bytes_out;
	CU_ASSERT_EQUAL(tcp_stack_get_stats(host_tcp(s.h[0]))->retransmits, 0);
	if (rs->capture) {
		pcap_check_lint(s.cap[0]);
		pcap_check_lint(s.cap[1]);
		CU_ASSERT_TRUE(g_file_get_contents(s.cap[0], &rs->pcap, &rs->pcap_len, NULL));
		if (rs->tls && harness_have("tshark")) {
			/* What Wireshark makes of the client's side. */
			const char *argv[] = { "tshark", "-n", "-r", s.cap[0], "-Y", "tls.handshake.type == 1",
				               "-T", "fields", "-e", "tls.record.version", "-e",
				               "tls.handshake.extensions.supported_version", "-e",
				               "tls.handshake.extensions_key_share_group", "-e",
				               "tls.handshake.extensions_alpn_str", "-e",
				               "tls.handshake.session_id_length", NULL };
			char *out = NULL, *e = NULL;
			CU_ASSERT_EQUAL(harness_run(argv, &out, &e), 0);
			CU_ASSERT_STRING_EQUAL(out, "0x0301\t0x0304,0x0303\t29\thttp/1.1\t32\n");
			g_free(out);
			g_free(e);
			const char *argv2[] = { "tshark", "-n", "-r", s.cap[0], "-Y", "tls.record", "-T",
				                "fields", "-e", "ip.src", "-e", "tls.record.content_type", "-e",
				                "tls.record.opaque_type", "-e", "tls.record.length", NULL };
			CU_ASSERT_EQUAL(harness_run(argv2, &out, &e), 0);
			/* Client: ClientHello; server: ServerHello and CCS, then
			 * EncryptedExtensions (21 + 17), Certificate (2618 + 17),
			 * CertificateVerify (264 + 17), Finished (36 + 17) as opaque
			 * type 23; client: CCS, Finished, the request (84 + 17); the
			 * response (40,058 bytes: 16384 + 16384 + 7290); the second
			 * exchange; both close_notify alerts (2 + 17).  Wireshark
			 * lists a record in the segment where it ends. */
			CU_ASSERT_STRING_EQUAL(out, "10.0.1.10\t22\t\t189\n"
			                            "10.0.2.11\t22,20\t23\t122,1,38\n"
			                            "10.0.2.11\t\t23\t2635\n"
			                            "10.0.2.11\t\t23,23\t281,53\n"
			                            "10.0.1.10\t20\t23\t1,53\n"
			                            "10.0.1.10\t\t23\t101\n"
			                            "10.0.2.11\t\t23\t16401\n"
			                            "10.0.2.11\t\t23\t16401\n"
			                            "10.0.2.11\t\t23\t7307\n"
			                            "10.0.1.10\t\t23\t101\n"
			                            "10.0.2.11\t\t23\t16401\n"
			                            "10.0.2.11\t\t23\t16401\n"
			                            "10.0.2.11\t\t23\t7307\n"
			                            "10.0.1.10\t\t23\t19\n"
			                            "10.0.2.11\t\t23\t19\n");
			g_free(out);
			g_free(e);
		}
	}
	pair_clear(&s);
}

/* HTTPS end to end: the server's handler sees the request, the client the
 * whole response; one round trip more on a new connection and none on a
 * kept-alive one; the bytes TLS adds, exactly. */
static void test_https_round_trip(void)
{
	const sim_time d = 100 * SIM_US;
	const uint64_t body = 40000;
	run_spec plain = { .seed = 5, .keepalive = TRUE };
	run_spec tls = { .tls = TRUE, .cert_bytes = 2600, .seed = 5, .keepalive = TRUE };
	run_pair(&plain, d, body);
	run_pair(&tls, d, body);
	CU_ASSERT_EQUAL(plain.completed, 2);
	CU_ASSERT_EQUAL(tls.completed, 2);
	CU_ASSERT_EQUAL(tls.bytes_received, plain.bytes_received);
	/* Constant delays, infinitely fast links, RTT 4d: plain, the first
	 * request takes the TCP handshake and three round trips of slow start
	 * for 40 KB (12d), the second, on the kept-alive connection, two
	 * (8d: the window has grown).  TLS adds one round trip to the first
	 * and nothing to the second. */
	CU_ASSERT_EQUAL(plain.lat_max, 12 * d);
	CU_ASSERT_EQUAL(plain.lat_min, 8 * d);
	CU_ASSERT_EQUAL(tls.lat_max, 16 * d);
	CU_ASSERT_EQUAL(tls.lat_min, 8 * d);

	/* Bytes: the client adds its ClientHello (no server_name: it names an
	 * address), its CCS and Finished, a record per request and its
	 * close_notify; the server its flight, three records per response
	 * (40 KB and a head) and its close_notify.  Each request and response
	 * fits the records exactly as tls_record_wire_len() says. */
	uint64_t req = (plain.client_out) / 2; /* two equal requests */
	uint64_t resp = plain.server_out / 2;
	CU_ASSERT_EQUAL(tls.client_out, tls_client_hello_len(0) + tls_client_finished_len() +
	                                        2 * tls_record_wire_len(req) + 24);
	CU_ASSERT_EQUAL(tls.server_out, tls_server_flight_len(2600, 2) + 2 * tls_record_wire_len(resp) + 24);
	CU_ASSERT_EQUAL(tls_record_wire_len(resp) - resp, 3 * 22);
}

/* A new connection per request: the handshake every time. */
static void test_per_request_handshakes(void)
{
	const sim_time d = 100 * SIM_US;
	run_spec tls = { .tls = TRUE, .cert_bytes = 2600, .seed = 5, .keepalive = FALSE };
	run_pair(&tls, d, 100);
	CU_ASSERT_EQUAL(tls.completed, 2);
	CU_ASSERT_EQUAL(tls.lat_min, 12 * d);
	CU_ASSERT_EQUAL(tls.lat_max, 12 * d);
}

/* A certificate chain larger than the initial window (10 segments of 1448)
 * costs another round trip: the server waits for ACKs mid-flight. */
static void test_large_certificate(void)
{
	const sim_time d = 100 * SIM_US;
	run_spec tls = { .tls = TRUE, .cert_bytes = 20000, .seed = 5, .keepalive = TRUE };
	run_pair(&tls, d, 100);
	CU_ASSERT_EQUAL(tls.completed, 2);
	CU_ASSERT_EQUAL(tls.lat_max, 16 * d);
	CU_ASSERT_EQUAL(tls.lat_min, 4 * d);
}

/* Same seed, same bytes in the capture; another seed, other randoms. */
static void test_determinism_and_wireshark(void)
{
	const sim_time d = 100 * SIM_US;
	run_spec a = { .tls = TRUE, .cert_bytes = 2600, .seed = 5, .keepalive = TRUE, .capture = TRUE };
	run_spec b = a, c = a;
	c.seed = 6;
	run_pair(&a, d, 40000);
	run_pair(&b, d, 40000);
	run_pair(&c, d, 40000);
	CU_ASSERT_TRUE_FATAL(a.pcap && b.pcap && c.pcap);
	CU_ASSERT_EQUAL(a.pcap_len, b.pcap_len);
	CU_ASSERT_EQUAL(memcmp(a.pcap, b.pcap, a.pcap_len), 0);
	CU_ASSERT(a.pcap_len != c.pcap_len || memcmp(a.pcap, c.pcap, a.pcap_len) != 0);
	g_free(a.pcap);
	g_free(b.pcap);
	g_free(c.pcap);
}

/* Plain HTTP to a TLS port: the server closes without answering and
 * counts a bad peer; the client's request fails. */
static void test_plain_to_tls_port(void)
{
	pair s;
	pair_init(&s, 3, 100 * SIM_US, FALSE);
	tls_config tc = { .name = "srv/tls", .server = TRUE, .cert_bytes = 2600, .cert_count = 2 };
	tls_ctx *x = tls_ctx_new(s.nt, &tc);
	http_server_config sc = { .name = "srv", .port = 443, .tls = x };
	http_server *srv = http_server_new(host_tcp(s.h[1]), &sc, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	host_target tg = { pair_ip(1), 443, NULL };
	host_workload_config wc = { .name = "w", .targets = &tg, .n_targets = 1, .count = 1,
		                    .keepalive = TRUE };
	dist_set_const(&wc.interval, UNIT_TIME, 50 * SIM_MS);
	host_workload *w = host_add_workload(s.h[0], &wc);
	dist_clear(&wc.interval);
	sim_run_until(s.nt->sim, SIM_S);
	const host_workload_result *r = host_workload_get_result(w);
	CU_ASSERT_EQUAL(r->completed, 0);
	CU_ASSERT_EQUAL(r->failed[HTTP_FAIL_CLOSED], 1);
	CU_ASSERT_EQUAL(tls_ctx_stats(x)->bad, 1);
	CU_ASSERT_EQUAL(tls_ctx_stats(x)->handshakes, 0);
	CU_ASSERT_EQUAL(http_server_get_stats(srv)->connections, 0);
	http_server_free(srv);
	tls_ctx_unref(x);
	pair_clear(&s);
}

/* A figure of `vpcsim run -f csv`: "workload,web,FIELD,VALUE". */
static double csv_field(const char *out, const char *field)
{
	char *key = g_strdup_printf("\nworkload,web,%s,", field);
	const char *at = strstr(out, key);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	double v = g_ascii_strtod(at + strlen(key), NULL);
	g_free(key);
	return v;
}

/* alb-https on the constant profile, a connection per request, against
 * the same with an http listener: each request one round trip slower
 * (client-1 to the ALB node: 250 us each way, two links of 100 us and the
 * routers and peering at 50 us), plus the serialization of the
 * handshake's bytes; the target sees X-Forwarded-Proto: https only when
 * the listener is HTTPS (test_captures checks the captures). */
static void test_alb_https_scenario(void)
{
	char *file = harness_source_path("scenarios/alb-https.ini");
	double mean[2], bytes[2];
	static const char *const listeners[2] = { "load_balancer:alb-b.listeners=https 443 -> tg-web",
		                                  "load_balancer:alb-b.listeners=http 443 -> tg-web" };
	for (int i = 0; i < 2; i++) {
		char *out = NULL;
		CU_ASSERT_EQUAL_FATAL(harness_vpcsim_v(&out, NULL, "run", file, "-f", "csv", "--set",
		                                       "scenario.profile=profiles/constant.ini", "--set",
		                                       "workload:web.connection=per-request", "--set",
		                                       "workload:web.resolve=az-local", "--set",
		                                       "workload:web.think_time=0ms", "--set",
		                                       "scenario.duration=1s", "--set", listeners[i], NULL),
		                      0);
		mean[i] = csv_field(out, "latency_ms_mean");
		bytes[i] = csv_field(out, "request_bytes") + csv_field(out, "response_bytes");
		CU_ASSERT_EQUAL(csv_field(out, "failed"), 0);
		g_free(out);
	}
	double extra_us = (mean[0] - mean[1]) * 1e3;
	printf(" [HTTPS adds %.3f us per request]", extra_us);
	CU_ASSERT(extra_us >= 500.0 && extra_us < 510.0);
	/* IP bytes at the client per request (90 requests): at least what
	 * TLS writes (the client's hello of 194 bytes without server_name, its
	 * CCS and Finished of 64, 22 bytes of record around the request, the
	 * server's 3087-byte flight for the profile's chain and 22 around the
	 * response, a 24-byte close_notify each way), plus a few more
	 * segments' headers. */
	double tls_min = tls_client_hello_len(0) + tls_client_finished_len() + 22 +
	                 tls_server_flight_len(2527, 2) + 22 + 2 * 24;
	double added = (bytes[0] - bytes[1]) / 90.0;
	printf(" [%.1f bytes added per request, %.0f of them TLS's]", added, tls_min);
	CU_ASSERT(added >= tls_min && added < tls_min + 8 * 66);

	/* A target group of protocol https: the ALB opens TLS connections
	 * to the targets (which serve HTTPS on 8443) and every request is
	 * answered. */
	char *out = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "run", file, "-f", "csv", "--set",
	                                 "scenario.duration=1s", "--set",
	                                 "target_group:tg-web.protocol=https", "--set",
	                                 "target_group:tg-web.port=8443", "--set",
	                                 "security_group:sg-web.ingress=tcp 8443 from sg-alb", NULL),
	                0);
	CU_ASSERT(csv_field(out, "completed") > 80);
	CU_ASSERT_EQUAL(csv_field(out, "completed"), csv_field(out, "sent"));
	g_free(out);

	/* [scenario] https: a boolean, named in the error. */
	char *err = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "validate", file, "--set", "scenario.https=maybe", NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err ? err : "", "[scenario] https: 'maybe' is not a boolean; expected true or false"));
	g_free(err);
	g_free(file);
}

/* The wire bytes per request of each option, from compare's CSV (the
 * 15th column), joined by spaces. */
static char *compare_bytes(gboolean https)
{
	char *out = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "compare", "--repeat", "1", "--duration", "1s",
	                                 "--set", "workload:web.connection=per-request", "-f", "csv",
	                                 https ? "--https" : "--seed", https ? "--seed" : "1",
	                                 https ? "1" : NULL, NULL),
	                0);
	GString *g = g_string_new(NULL);
	char **lines = g_strsplit(out ? out : "", "\n", -1);
	for (char **l = lines + 1; *l && **l; l++) {
		char **f = g_strsplit(*l, ",", 16);
		if (g_strv_length(f) >= 15)
			g_string_append_printf(g, "%s%s=%s", g->len ? " " : "", f[0], f[14]);
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(out);
	return g_string_free(g, FALSE);
}

/* compare --https: the four options over HTTPS, each request (a connection
 * each) carrying at least a handshake's bytes more. */
static void test_compare_https(void)
{
	char *plain = compare_bytes(FALSE), *tls = compare_bytes(TRUE);
	printf(" [plain %s; https %s]", plain, tls);
	char **p = g_strsplit(plain, " ", -1), **t = g_strsplit(tls, " ", -1);
	CU_ASSERT_EQUAL_FATAL(g_strv_length(p), 4);
	CU_ASSERT_EQUAL_FATAL(g_strv_length(t), 4);
	double hs = tls_client_hello_len(0) + tls_client_finished_len() + tls_server_flight_len(2527, 2);
	for (guint i = 0; i < 4; i++) {
		const char *pv = strchr(p[i], '='), *tv = strchr(t[i], '=');
		CU_ASSERT_FATAL(pv && tv);
		CU_ASSERT_EQUAL(pv - p[i], tv - t[i]); /* the same option */
		CU_ASSERT(g_ascii_strtod(tv + 1, NULL) - g_ascii_strtod(pv + 1, NULL) >= hs);
	}
	g_strfreev(p);
	g_strfreev(t);
	g_free(plain);
	g_free(tls);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("tls");
	CU_add_test(s, "record framing: headers, lengths, slices, seeds; handshake sizes",
	            test_record_framing);
	CU_add_test(s, "HTTPS: one more round trip on a new connection, none on reuse; bytes added",
	            test_https_round_trip);
	CU_add_test(s, "a connection per request: a handshake per request", test_per_request_handshakes);
	CU_add_test(s, "a 20 KB chain: a second round trip for the flight", test_large_certificate);
	CU_add_test(s, "same seed same capture; tshark clean and dissects the handshake",
	            test_determinism_and_wireshark);
	CU_add_test(s, "plain HTTP to a TLS port is closed", test_plain_to_tls_port);
	CU_add_test(s, "alb-https: one round trip per new connection on the constant profile",
	            test_alb_https_scenario);
	CU_add_test(s, "compare --https: every option carries the handshake's bytes", test_compare_https);
}
