/* \summary: capture tests: byte-exact read-back through libpcap, publish-on-close, I/O errors, tshark */
#define _DEFAULT_SOURCE 1 /* pcap.h needs the BSD u_int/u_char types */

#include "harness.h"
#include "error.h"
#include "pcapw.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

/* What a record must read back as. */
typedef struct {
	sim_time t;
	uint32_t len, caplen;
	uint8_t *bytes; /* caplen bytes */
} expect;

typedef struct {
	pcapw *w;
	GArray *exp; /* of expect */
	uint32_t snaplen;
} capture;

static void cap_open(capture *c, const char *dir, const char *name, uint32_t snaplen)
{
	GError *err = NULL;
	c->w = pcapw_open(dir, name, snaplen, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->w);
	CU_ASSERT_PTR_NULL(err);
	c->exp = g_array_new(FALSE, FALSE, sizeof(expect));
	c->snaplen = snaplen ? snaplen : PCAPW_SNAPLEN_MAX;
}

/* What p looks like now as a record at t: the frame as pkt_serialize
 * produces it on its own, cut to the snap length. */
static expect expect_of(const capture *c, sim_time t, const pkt *p)
{
	static uint8_t buf[70000];
	expect e = { .t = t };
	e.len = pkt_serialize(p, buf, sizeof buf);
	e.caplen = MIN(e.len, c->snaplen);
	e.bytes = g_memdup2(buf, e.caplen);
	return e;
}

/* Writes p and records what it must look like. */
static void cap_write(capture *c, sim_time t, const pkt *p)
{
	pcapw_write(c->w, t, p);
	expect e = expect_of(c, t, p);
	g_array_append_val(c->exp, e);
}

static void cap_free_expect(capture *c)
{
	for (guint i = 0; i < c->exp->len; i++)
		g_free(g_array_index(c->exp, expect, i).bytes);
	g_array_free(c->exp, TRUE);
}

/* Reads path back with nanosecond timestamps and compares every record. */
static void check_readback(const char *path, GArray *exp, uint32_t snaplen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pd = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pd);
	CU_ASSERT_EQUAL(pcap_datalink(pd), DLT_EN10MB);
	CU_ASSERT_EQUAL(pcap_snapshot(pd), (int)snaplen);
	struct pcap_pkthdr *h;
	const u_char *data;
	guint i = 0;
	int rc;
	while ((rc = pcap_next_ex(pd, &h, &data)) == 1) {
		CU_ASSERT_FATAL(i < exp->len);
		const expect *e = &g_array_index(exp, expect, i);
		CU_ASSERT_EQUAL(h->ts.tv_sec, PCAPW_EPOCH_S + e->t / SIM_S);
		CU_ASSERT_EQUAL(h->ts.tv_usec, e->t % SIM_S); /* nanoseconds */
		CU_ASSERT_EQUAL(h->len, e->len);
		CU_ASSERT_EQUAL(h->caplen, e->caplen);
		if (h->caplen == e->caplen)
			CU_ASSERT_EQUAL(memcmp(data, e->bytes, e->caplen), 0);
		i++;
	}
	CU_ASSERT_EQUAL(rc, PCAP_ERROR_BREAK); /* clean end of file */
	CU_ASSERT_EQUAL(i, exp->len);
	pcap_close(pd);

	/* The file itself says nanoseconds: libpcap's magic 0xa1b23c4d, written
	 * in host byte order. */
	char *raw = NULL;
	gsize rawlen = 0;
	CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &raw, &rawlen, NULL));
	uint32_t magic = 0;
	memcpy(&magic, raw, 4);
	CU_ASSERT_EQUAL(magic, 0xa1b23c4du);
	g_free(raw);
}

/* Names in dir, sorted, joined by spaces. */
static char *dir_listing(const char *dir)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	if (d) {
		const char *n;
		while ((n = g_dir_read_name(d)))
			g_ptr_array_add(names, g_strdup(n));
		g_dir_close(d);
	}
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	g_ptr_array_add(names, NULL);
	char *s = g_strjoinv(" ", (char **)names->pdata);
	g_ptr_array_free(names, TRUE);
	return s;
}

/* ---- the traffic ---- */

#define CLIENT IP(10, 0, 1, 5)
#define SERVER IP(10, 0, 2, 10)
#define CPORT 50123
#define SPORT 80
/* No Wireshark dissector claims these (checked in test_tshark), so the
 * datagrams show as plain data. */
#define UPORT_A 40000
#define UPORT_B 40001

static const char http_req[] =
	"GET /index.html HTTP/1.1\r\n"
	"Host: 10.0.2.10\r\n"
	"User-Agent: vpcsim/0.1\r\n"
	"Accept: */*\r\n"
	"\r\n";
#define BODY_LEN 2500
static const char http_resp_hdr[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Length: 2500\r\n"
	"\r\n";

static void write_udp(capture *c, pkt_pool *pool, sim_time *t)
{
	const uint32_t lens[] = { 0, 1, 100, 1472 };
	for (size_t i = 0; i < G_N_ELEMENTS(lens); i++) {
		pkt *p = pkt_alloc(pool);
		pkt_addrs a = { .src_ip = CLIENT, .dst_ip = SERVER, .sport = UPORT_A,
		                .dport = UPORT_B, .ip_id = (uint16_t)(100 + i), .df = TRUE };
		pkt_build_udp(p, &a, lens[i]);
		p->flow_id = 7;
		p->msg_off = i * 2000;
		cap_write(c, *t, p);
		*t += 123457; /* odd nanoseconds, to see them survive */
		pkt_free(p);
	}
}

typedef struct {
	gboolean from_client;
	uint8_t flags;
	uint16_t mss;
	pkt_msg *msg;
	uint64_t msg_off;
	uint32_t len;
} segment;

/*
 * One complete HTTP/1.1 exchange over TCP, with sequence numbers tracked as
 * a real pair of stacks would: SYN and FIN each take one sequence number,
 * every ACK acknowledges exactly what the other side has sent so far.
 */
static void write_tcp(capture *c, pkt_pool *pool, sim_time *t)
{
	const uint32_t req_len = sizeof http_req - 1;
	const uint32_t hdr_len = sizeof http_resp_hdr - 1;
	pkt_msg *req = pkt_msg_new(g_bytes_new_static(http_req, req_len), req_len, 1);
	pkt_msg *resp = pkt_msg_new(g_bytes_new_static(http_resp_hdr, hdr_len),
	                            hdr_len + BODY_LEN, 2);
	const uint32_t resp_len = hdr_len + BODY_LEN;
	const uint32_t mss = 1460;
	const segment segs[] = {
		{ TRUE, PKT_TCP_SYN, 1460, NULL, 0, 0 },
		{ FALSE, PKT_TCP_SYN | PKT_TCP_ACK, 1460, NULL, 0, 0 },
		{ TRUE, PKT_TCP_ACK, 0, NULL, 0, 0 },
		{ TRUE, PKT_TCP_PSH | PKT_TCP_ACK, 0, req, 0, req_len },
		{ FALSE, PKT_TCP_ACK, 0, NULL, 0, 0 },
		{ FALSE, PKT_TCP_ACK, 0, resp, 0, mss },
		{ FALSE, PKT_TCP_PSH | PKT_TCP_ACK, 0, resp, mss, resp_len - mss },
		{ TRUE, PKT_TCP_ACK, 0, NULL, 0, 0 },
		{ TRUE, PKT_TCP_FIN | PKT_TCP_ACK, 0, NULL, 0, 0 },
		{ FALSE, PKT_TCP_FIN | PKT_TCP_ACK, 0, NULL, 0, 0 },
		{ TRUE, PKT_TCP_ACK, 0, NULL, 0, 0 },
	};
	/* Next sequence number each side will send, and the highest it has seen
	 * from the other side (what it acknowledges). */
	uint32_t cseq = 0xFFFFFF00u; /* wraps past 2^32 during the exchange */
	uint32_t sseq = 3000000000u;
	uint32_t cack = 0, sack = 0;
	uint16_t cid = 1, sid = 1;
	for (size_t i = 0; i < G_N_ELEMENTS(segs); i++) {
		const segment *s = &segs[i];
		pkt *p = pkt_alloc(pool);
		pkt_addrs a;
		if (s->from_client)
			a = (pkt_addrs){ .src_ip = CLIENT, .dst_ip = SERVER, .sport = CPORT,
			                 .dport = SPORT, .ip_id = cid++, .df = TRUE };
		else
			a = (pkt_addrs){ .src_ip = SERVER, .dst_ip = CLIENT, .sport = SPORT,
			                 .dport = CPORT, .ip_id = sid++, .ttl = 128, .df = TRUE };
		uint32_t *seq = s->from_client ? &cseq : &sseq;
		uint32_t ack = s->from_client ? cack : sack;
		pkt_build_tcp(p, &a, *seq, (s->flags & PKT_TCP_ACK) ? ack : 0, s->flags, 64240,
		              s->mss, s->len);
		if (s->msg) {
			p->msg = pkt_msg_ref(s->msg);
			p->msg_off = s->msg_off;
		}
		uint32_t used = s->len + ((s->flags & (PKT_TCP_SYN | PKT_TCP_FIN)) ? 1 : 0);
		*seq += used;
		if (s->from_client)
			sack = cseq;
		else
			cack = sseq;
		cap_write(c, *t, p);
		*t += 250 * SIM_US + 3;
		pkt_free(p);
	}
	/* Both sides end having sent and acknowledged exactly: SYN + request +
	 * FIN for the client, SYN + response + FIN for the server. */
	CU_ASSERT_EQUAL(cseq, 0xFFFFFF00u + 1 + req_len + 1);
	CU_ASSERT_EQUAL(sseq, 3000000000u + 1 + resp_len + 1);
	CU_ASSERT_EQUAL(cack, sseq);
	CU_ASSERT_EQUAL(sack, cseq);
	pkt_msg_unref(req);
	pkt_msg_unref(resp);
}

/* A capture with the UDP and TCP traffic above, written to dir/NAME.pcap. */
static void write_sample(const char *dir, const char *name, capture *c)
{
	pkt_pool *pool = pkt_pool_new();
	sim_time t = 2 * SIM_S + 1;
	cap_open(c, dir, name, 0);
	write_udp(c, pool, &t);
	write_tcp(c, pool, &t);
	CU_ASSERT_EQUAL(pkt_pool_live(pool), 0);
	pkt_pool_free(pool);
}

/* ---- tests ---- */

static void test_roundtrip(void)
{
	char *dir = harness_tmpdir();
	char *sub = g_build_filename(dir, "a", "b", NULL); /* created by pcapw_open */
	capture c;
	write_sample(sub, "sample", &c);
	char *final = g_build_filename(sub, "sample.pcap", NULL);
	CU_ASSERT_STRING_EQUAL(pcapw_path(c.w), final);
	CU_ASSERT_EQUAL(pcapw_packets(c.w), c.exp->len);

	/* Before close only the hidden temporary file exists. */
	CU_ASSERT_FALSE(g_file_test(final, G_FILE_TEST_EXISTS));
	char *ls = dir_listing(sub);
	CU_ASSERT_TRUE(g_str_has_prefix(ls, ".sample.pcap."));
	CU_ASSERT_PTR_NULL(strchr(ls, ' '));
	g_free(ls);

	uint64_t bytes = pcapw_bytes(c.w);
	GError *err = NULL;
	CU_ASSERT_TRUE(pcapw_close(c.w, &err));
	CU_ASSERT_PTR_NULL(err);
	ls = dir_listing(sub);
	CU_ASSERT_STRING_EQUAL(ls, "sample.pcap");
	g_free(ls);
	GStatBuf st;
	CU_ASSERT_EQUAL_FATAL(g_stat(final, &st), 0);
	CU_ASSERT_EQUAL((uint64_t)st.st_size, bytes);
	/* 24-byte file header, 16 bytes per record. */
	uint64_t want = 24;
	for (guint i = 0; i < c.exp->len; i++)
		want += 16 + g_array_index(c.exp, expect, i).caplen;
	CU_ASSERT_EQUAL(bytes, want);
	check_readback(final, c.exp, PCAPW_SNAPLEN_MAX);
	cap_free_expect(&c);

	/* A second capture under the same name replaces the first whole. */
	capture c2;
	pkt_pool *pool = pkt_pool_new();
	sim_time t = 5;
	cap_open(&c2, sub, "sample", 0);
	write_udp(&c2, pool, &t);
	CU_ASSERT_TRUE(pcapw_close(c2.w, NULL));
	check_readback(final, c2.exp, PCAPW_SNAPLEN_MAX);
	cap_free_expect(&c2);
	pkt_pool_free(pool);

	g_free(final);
	g_free(sub);
	harness_rmtree(dir);
	g_free(dir);
}

static void test_snaplen(void)
{
	char *dir = harness_tmpdir();
	pkt_pool *pool = pkt_pool_new();
	capture c;
	cap_open(&c, dir, "snap", 96);
	pkt *p = pkt_alloc(pool);
	pkt_addrs a = { .src_ip = CLIENT, .dst_ip = SERVER, .sport = CPORT, .dport = SPORT };
	pkt_build_tcp(p, &a, 1, 2, PKT_TCP_ACK, 100, 0, 1000);
	cap_write(&c, 10 * SIM_S + 999999999, p);
	pkt_build_udp(p, &a, 10); /* shorter than the snap length: whole */
	cap_write(&c, 11 * SIM_S, p);
	pkt_free(p);
	CU_ASSERT_EQUAL(g_array_index(c.exp, expect, 0).caplen, 96);
	CU_ASSERT_EQUAL(g_array_index(c.exp, expect, 0).len, 1054);
	CU_ASSERT_EQUAL(g_array_index(c.exp, expect, 1).caplen, 52);
	CU_ASSERT_EQUAL(pcapw_bytes(c.w), 24 + 16 + 96 + 16 + 52);
	char *final = g_strdup(pcapw_path(c.w));
	CU_ASSERT_TRUE(pcapw_close(c.w, NULL));
	check_readback(final, c.exp, 96);
	cap_free_expect(&c);
	g_free(final);
	pkt_pool_free(pool);
	harness_rmtree(dir);
	g_free(dir);
}

/* Closes c, reads the file back against c's records and checks that its
 * size is what pcapw_bytes() said before the close. */
static void close_check_size(capture *c, uint64_t bytes)
{
	char *final = g_strdup(pcapw_path(c->w));
	CU_ASSERT_TRUE(pcapw_close(c->w, NULL));
	check_readback(final, c->exp, c->snaplen);
	GStatBuf st;
	CU_ASSERT_EQUAL_FATAL(g_stat(final, &st), 0);
	CU_ASSERT_EQUAL((uint64_t)st.st_size, bytes);
	g_free(final);
}

/*
 * Records ahead of the clock (pcapw_write_ahead) wait until a write at or
 * after their time, or the close, and come out in (time, write order),
 * with the bytes the packet had when it was written; records written at
 * the clock go straight out.  Twenty holds at once make the writer grow its
 * slots past their first eight.  pcapw_packets and pcapw_bytes count the
 * held records too, so before the close they already give the file's.
 */
static void test_ahead(void)
{
	char *dir = harness_tmpdir();
	pkt_pool *pool = pkt_pool_new();
	capture c;
	cap_open(&c, dir, "ahead", 0);
	pkt *p = pkt_alloc(pool);
	uint16_t id = 0;
	/* A fresh datagram with its own IP id, so every record differs. */
#define NEXT_UDP() \
	pkt_build_udp(p, &(pkt_addrs){ .src_ip = CLIENT, .dst_ip = SERVER, .sport = UPORT_A, \
	                               .dport = UPORT_B, .ip_id = ++id }, id)
	expect e[9 + 20];
	NEXT_UDP();
	e[0] = expect_of(&c, 50, p); /* A */
	pcapw_write_ahead(c.w, 10, 50, p);
	pkt_set_ip_src(p, SERVER); /* later changes are not A's */
	NEXT_UDP();
	e[1] = expect_of(&c, 30, p); /* B */
	pcapw_write_ahead(c.w, 10, 30, p);
	NEXT_UDP();
	e[2] = expect_of(&c, 50, p); /* C: A's time, written after it */
	pcapw_write_ahead(c.w, 10, 50, p);
	CU_ASSERT_EQUAL(pcapw_packets(c.w), 3);
	NEXT_UDP();
	e[3] = expect_of(&c, 20, p); /* D, at the clock */
	pcapw_write(c.w, 20, p);
	NEXT_UDP();
	e[4] = expect_of(&c, 20, p); /* E: ahead by nothing */
	pcapw_write_ahead(c.w, 20, 20, p);
	NEXT_UDP();
	e[5] = expect_of(&c, 40, p); /* F lets B out first */
	pcapw_write(c.w, 40, p);
	NEXT_UDP();
	e[6] = expect_of(&c, 50, p); /* G lets A and C out first */
	pcapw_write(c.w, 50, p);
	NEXT_UDP();
	e[8] = expect_of(&c, 100, p); /* H */
	pcapw_write_ahead(c.w, 60, 100, p);
	NEXT_UDP();
	e[7] = expect_of(&c, 70, p); /* I */
	pcapw_write_ahead(c.w, 60, 70, p);
	for (int i = 0; i < 20; i++) {
		NEXT_UDP();
		e[9 + 19 - i] = expect_of(&c, 200 - i, p);
		pcapw_write_ahead(c.w, 65, 200 - i, p);
	}
#undef NEXT_UDP
	pkt_free(p);
	CU_ASSERT_EQUAL(pcapw_packets(c.w), 29);
	uint64_t bytes = pcapw_bytes(c.w);
	/* The file's order: D E B F A C G I H, then the twenty by time. */
	static const int order[] = { 3, 4, 1, 5, 0, 2, 6, 7, 8 };
	for (size_t i = 0; i < G_N_ELEMENTS(order); i++)
		g_array_append_val(c.exp, e[order[i]]);
	g_array_append_vals(c.exp, e + 9, 20);
	close_check_size(&c, bytes);
	cap_free_expect(&c);
	pkt_pool_free(pool);
	harness_rmtree(dir);
	g_free(dir);
}

static gint cmp_u64(gconstpointer a, gconstpointer b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Many records held at once, through the writer's buffer being written
 * out: departures 1 ms ahead of a clock stepping 1 us, 1400-byte
 * datagrams, a write at the clock between each two (about 1,000 records,
 * 1.4 MB, held at once: the slots double up to 1,024 while the ring wraps
 * around), and every seventh departure only 0.5 ms ahead, behind about
 * 500 held ones.  The file must read back in (time, write order), byte
 * for byte. */
static void test_ahead_many(void)
{
	char *dir = harness_tmpdir();
	pkt_pool *pool = pkt_pool_new();
	capture c;
	cap_open(&c, dir, "many", 0);
	pkt *p = pkt_alloc(pool);
	GArray *all = g_array_new(FALSE, FALSE, sizeof(expect));
	GArray *order = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	uint16_t id = 0;
	for (int i = 0; i < 3000; i++) {
		sim_time now = i * SIM_US;
		for (int k = 0; k < 2; k++) {
			pkt_build_udp(p, &(pkt_addrs){ .src_ip = CLIENT, .dst_ip = SERVER, .sport = UPORT_A,
			                               .dport = UPORT_B, .ip_id = ++id }, 1400);
			/* Every seventh departure goes 0.5 ms ahead instead, behind
			 * others already held. */
			sim_time t = k == 0 ? now : now + (i % 7 == 0 ? SIM_MS / 2 : SIM_MS);
			expect e = expect_of(&c, t, p);
			if (k == 0)
				pcapw_write(c.w, now, p);
			else
				pcapw_write_ahead(c.w, now, t, p);
			g_array_append_val(all, e);
			/* File order: by time, then by write order (the index). */
			uint64_t key = ((uint64_t)t << 20) | (all->len - 1);
			g_array_append_val(order, key);
		}
	}
	CU_ASSERT_EQUAL(pcapw_packets(c.w), 6000);
	uint64_t bytes = pcapw_bytes(c.w);
	CU_ASSERT_EQUAL(bytes, 24 + 6000 * (16 + 1442));
	g_array_sort(order, cmp_u64);
	for (guint i = 0; i < order->len; i++)
		g_array_append_val(c.exp, g_array_index(all, expect, g_array_index(order, uint64_t, i) & 0xFFFFF));
	close_check_size(&c, bytes);
	pkt_free(p);
	cap_free_expect(&c);
	g_array_free(all, TRUE);
	g_array_free(order, TRUE);
	pkt_pool_free(pool);
	harness_rmtree(dir);
	g_free(dir);
}

static void test_abort(void)
{
	char *dir = harness_tmpdir();
	capture c;
	write_sample(dir, "gone", &c);
	pcapw_abort(c.w);
	pcapw_abort(NULL);
	char *ls = dir_listing(dir);
	CU_ASSERT_STRING_EQUAL(ls, "");
	g_free(ls);
	cap_free_expect(&c);
	harness_rmtree(dir);
	g_free(dir);
}

static void test_unwritable_dir(void)
{
	/* Tests run as root, which ignores mode bits, so the unwritable place is
	 * a path through a regular file: no one can create anything there. */
	char *dir = harness_tmpdir();
	char *file = g_build_filename(dir, "plain-file", NULL);
	CU_ASSERT_TRUE_FATAL(g_file_set_contents(file, "x", 1, NULL));
	char *under = g_build_filename(file, "captures", NULL);
	const char *targets[] = { under, file };
	for (size_t i = 0; i < G_N_ELEMENTS(targets); i++) {
		GError *err = NULL;
		pcapw *w = pcapw_open(targets[i], "cap", 0, &err);
		CU_ASSERT_PTR_NULL(w);
		CU_ASSERT_PTR_NOT_NULL_FATAL(err);
		CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_IO));
		char *final = g_build_filename(targets[i], "cap.pcap", NULL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err->message, final));
		CU_ASSERT_PTR_NOT_NULL(strstr(err->message, g_strerror(ENOTDIR)));
		g_free(final);
		g_error_free(err);
		if (w)
			pcapw_abort(w);
	}
	char *ls = dir_listing(dir);
	CU_ASSERT_STRING_EQUAL(ls, "plain-file");
	g_free(ls);
	g_free(under);
	g_free(file);
	harness_rmtree(dir);
	g_free(dir);
}

/*
 * Runs in a forked child with RLIMIT_FSIZE set, so writes past `limit` fail
 * with EFBIG as they would with ENOSPC on a full disk.  Returns 0 if the
 * writer behaved, otherwise a code saying what went wrong.
 */
static int full_disk_child(const char *dir, int npkts, uint32_t payload)
{
	pkt_pool *pool = pkt_pool_new();
	GError *err = NULL;
	pcapw *w = pcapw_open(dir, "full", 0, &err);
	if (!w)
		return 10;
	char *final = g_strdup(pcapw_path(w));
	pkt *p = pkt_alloc(pool);
	pkt_addrs a = { .src_ip = CLIENT, .dst_ip = SERVER, .sport = UPORT_A, .dport = UPORT_B };
	pkt_build_udp(p, &a, payload);
	for (int i = 0; i < npkts; i++)
		pcapw_write(w, i * SIM_US, p);
	/* With more than the writer's 1 MiB buffer written, the failure happens
	 * during the writes and later packets are skipped. */
	if ((uint64_t)npkts * (payload + 58) > (2u << 20) && pcapw_packets(w) >= (uint64_t)npkts)
		return 11;
	if (pcapw_close(w, &err))
		return 12;
	if (!err || !g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_IO))
		return 13;
	if (!strstr(err->message, final) || !strstr(err->message, g_strerror(EFBIG)))
		return 14;
	if (g_file_test(final, G_FILE_TEST_EXISTS))
		return 15;
	char *ls = dir_listing(dir);
	if (strcmp(ls, "") != 0)
		return 16;
	g_free(ls);
	g_error_free(err);
	g_free(final);
	pkt_free(p);
	pkt_pool_free(pool);
	return 0;
}

static void run_full_disk(int npkts, uint32_t payload)
{
	char *dir = harness_tmpdir();
	fflush(NULL);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = 64 * 1024, .rlim_max = 64 * 1024 };
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(9);
		/* _exit: no atexit handlers (leak checkers, CUnit) in the child. */
		_exit(full_disk_child(dir, npkts, payload));
	}
	int status = 0;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "\nfull-disk child: status %d\n", status);
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	char *ls = dir_listing(dir);
	CU_ASSERT_STRING_EQUAL(ls, "");
	g_free(ls);
	harness_rmtree(dir);
	g_free(dir);
}

static void test_full_disk_while_writing(void) { run_full_disk(3000, 1400); }
/* Everything fits in the writer's buffer: the error surfaces at the final flush. */
static void test_full_disk_at_close(void) { run_full_disk(100, 1000); }

/* ---- Wireshark's opinion ---- */

static char *run_tshark(const char *const *argv)
{
	char *out = NULL, *err = NULL;
	int rc = harness_run(argv, &out, &err);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0)
		fprintf(stderr, "\n%s failed (%d): %s\n", argv[0], rc, err ? err : "");
	g_free(err);
	return out ? out : g_strdup("");
}

static void test_tshark(void)
{
	if (!harness_have("tshark")) {
		printf("\n    tshark not on PATH: Wireshark checks skipped (CI installs it) ");
		return;
	}
	char *dir = harness_tmpdir();
	capture c;
	write_sample(dir, "lint", &c);
	char *file = g_strdup(pcapw_path(c.w));
	CU_ASSERT_TRUE_FATAL(pcapw_close(c.w, NULL));

	/* 1. No malformed packets, bad checksums or expert warnings. */
	const char *lint = g_getenv("VPCSIM_PCAP_LINT");
	if (lint && g_file_test(lint, G_FILE_TEST_IS_EXECUTABLE)) {
		const char *argv[] = { lint, file, NULL };
		char *out = NULL, *err = NULL;
		int rc = harness_run(argv, &out, &err);
		CU_ASSERT_EQUAL(rc, 0);
		if (rc != 0)
			fprintf(stderr, "\npcap-lint: %s%s\n", out ? out : "", err ? err : "");
		g_free(out);
		g_free(err);
	} else {
		const char *argv[] = { "tshark", "-n", "-o", "ip.check_checksum:TRUE",
		                       "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
		                       "-r", file, "-Y",
		                       "_ws.malformed || _ws.expert.severity >= warning"
		                       " || ip.checksum.status == 0 || tcp.checksum.status == 0"
		                       " || udp.checksum.status == 0", NULL };
		char *out = run_tshark(argv);
		CU_ASSERT_STRING_EQUAL(out, "");
		g_free(out);
	}

	/* 2. Per frame, in two passes so requests know their responses. */
	const char *argv[] = { "tshark", "-n", "-2", "-r", file, "-T", "fields",
	                       "-E", "separator=|", "-e", "frame.protocols",
	                       "-e", "http.request.method", "-e", "http.response_in",
	                       "-e", "http.response.code", "-e", "http.content_length",
	                       "-e", "http.request_in", "-e", "tcp.analysis.flags",
	                       "-e", "tcp.options.mss_val", NULL };
	char *out = run_tshark(argv);
	char **lines = g_strsplit(g_strstrip(out), "\n", -1);
	CU_ASSERT_EQUAL(g_strv_length(lines), c.exp->len);
	int udp = 0, gets = 0, oks = 0, mss = 0;
	for (char **l = lines; *l; l++) {
		char **f = g_strsplit(*l, "|", -1);
		CU_ASSERT_EQUAL_FATAL(g_strv_length(f), 8);
		if (g_str_has_suffix(f[0], ":udp") || g_str_has_suffix(f[0], ":udp:data")) {
			/* Plain data: no dissector claimed the ports or the bytes. */
			CU_ASSERT_TRUE(g_str_has_prefix(f[0], "eth:ethertype:ip:udp"));
			udp++;
		}
		if (strcmp(f[1], "GET") == 0) {
			gets++;
			CU_ASSERT_STRING_NOT_EQUAL(f[2], ""); /* matched to its response */
		}
		if (strcmp(f[3], "200") == 0) {
			oks++;
			CU_ASSERT_STRING_EQUAL(f[4], "2500");
			CU_ASSERT_STRING_NOT_EQUAL(f[5], "");
		}
		CU_ASSERT_STRING_EQUAL(f[6], ""); /* no retransmission, lost segment... */
		if (strcmp(f[7], "1460") == 0)
			mss++;
		g_strfreev(f);
	}
	CU_ASSERT_EQUAL(udp, 4);
	CU_ASSERT_EQUAL(gets, 1);
	CU_ASSERT_EQUAL(oks, 1);
	CU_ASSERT_EQUAL(mss, 2);
	g_strfreev(lines);
	g_free(out);

	/* 3. The command the project documents for finding requests. */
	const char *argv2[] = { "tshark", "-r", file, "-Y", "http.request", "-T", "fields",
	                        "-e", "http.request.method", NULL };
	out = run_tshark(argv2);
	CU_ASSERT_STRING_EQUAL(g_strstrip(out), "GET");
	g_free(out);

	cap_free_expect(&c);
	g_free(file);
	harness_rmtree(dir);
	g_free(dir);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("pcapw");
	CU_add_test(s, "UDP and TCP round trip, publish on close", test_roundtrip);
	CU_add_test(s, "snap length truncation", test_snaplen);
	CU_add_test(s, "records ahead of the clock come out in time order", test_ahead);
	CU_add_test(s, "a thousand records held at once, some out of order", test_ahead_many);
	CU_add_test(s, "abort leaves nothing", test_abort);
	CU_add_test(s, "unwritable directory", test_unwritable_dir);
	CU_add_test(s, "full disk while writing", test_full_disk_while_writing);
	CU_add_test(s, "full disk at close", test_full_disk_at_close);
	CU_add_test(s, "tshark: lint, HTTP, plain UDP data", test_tshark);
}
