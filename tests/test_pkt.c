/* \summary: packet tests: checksums against RFC vectors and a naive sum, builders, pool, payloads */
#include "harness.h"
#include "pkt.h"

#include <string.h>

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

/* The textbook RFC 1071 loop, 16 bits at a time, written independently of
 * pkt.c so the two can be compared: returns the complemented checksum. */
static uint16_t naive_csum(const uint8_t *d, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)d[i] << 8 | d[i + 1];
	if (n & 1)
		s += (uint32_t)d[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)~s;
}

static uint16_t be16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
static uint32_t be32(const uint8_t *b) { return (uint32_t)be16(b) << 16 | be16(b + 2); }

/* The TCP/UDP checksum of a serialized Ethernet/IPv4 frame, recomputed from
 * scratch: pseudo-header bytes laid out by hand, then the segment with its
 * checksum field zeroed.  Returns the raw complemented sum (0 stays 0). */
static uint16_t naive_l4_csum(const uint8_t *frame, uint32_t len)
{
	const uint8_t *ip = frame + 14;
	uint32_t ihl = (ip[0] & 0x0F) * 4u;
	uint32_t l4_len = be16(ip + 2) - ihl;
	CU_ASSERT_EQUAL(14 + ihl + l4_len, len);
	uint8_t *tmp = g_malloc(12 + l4_len);
	memcpy(tmp, ip + 12, 8);
	tmp[8] = 0;
	tmp[9] = ip[9];
	tmp[10] = (uint8_t)(l4_len >> 8);
	tmp[11] = (uint8_t)l4_len;
	memcpy(tmp + 12, ip + ihl, l4_len);
	uint32_t at = ip[9] == 6 ? 16 : 6;
	tmp[12 + at] = tmp[12 + at + 1] = 0;
	uint16_t c = naive_csum(tmp, 12 + l4_len);
	g_free(tmp);
	return c;
}

static uint16_t l4_csum_field(const uint8_t *frame)
{
	return be16(frame + 34 + (frame[23] == 6 ? 16 : 6));
}

static const pkt_addrs addrs_a = {
	.src_ip = IP(10, 0, 1, 5), .dst_ip = IP(10, 0, 2, 10),
	.sport = 50123, .dport = 80, .ip_id = 0x1234, .ttl = 0, .dscp = 10, .df = TRUE,
};

static void test_csum_rfc1071(void)
{
	/* RFC 1071 section 3: these bytes sum to ddf2, so the checksum is 220d. */
	const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, v, sizeof v)), 0x220d);
	/* Split at even boundaries, the running sum gives the same result. */
	uint32_t s = pkt_csum_add(0, v, 2);
	s = pkt_csum_add(s, v + 2, 6);
	CU_ASSERT_EQUAL(pkt_csum_fold(s), 0x220d);
	/* An odd tail byte is the high half of a zero-padded word. */
	const uint8_t one = 0x01;
	CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, &one, 1)), (uint16_t)~0x0100);
	CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, NULL, 0)), 0xFFFF);

	/* Against the naive loop on pseudo-random data of every length up to
	 * 300, including long runs of 0xFF that stress the carries. */
	uint8_t buf[300];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = i < 100 ? 0xFF : (uint8_t)(x >> 16);
	}
	for (size_t n = 0; n <= sizeof buf; n++)
		CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, buf, n)), naive_csum(buf, n));
	/* A running sum near 2^32 passed in must not lose carries: 0xFFFF0001 is
	 * congruent to 1, the same as a leading word 0x0001. */
	uint8_t pre[102] = { 0x00, 0x01 };
	memcpy(pre + 2, buf, 100);
	CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0xFFFF0001u, buf, 100)), naive_csum(pre, 102));
}

static void test_ip_header_vector(void)
{
	/* The classic worked example (Wikipedia, "IPv4 header checksum"):
	 * 4500 0073 0000 4000 4011 ---- c0a8 0001 c0a8 00c7 has checksum b861. */
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	pkt_addrs a = { .src_ip = IP(192, 168, 0, 1), .dst_ip = IP(192, 168, 0, 199),
	                .sport = 1, .dport = 2, .ip_id = 0, .ttl = 64, .df = TRUE };
	pkt_build_udp(p, &a, 0x73 - 20 - 8);
	const uint8_t want[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	                           0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	CU_ASSERT_EQUAL(memcmp(p->hdr + 14, want, 20), 0);
	CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, p->hdr + 14, 20)), 0);
	pkt_free(p);
	pkt_pool_free(pool);
}

static void test_build_udp(void)
{
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	pkt_addrs a = addrs_a;
	a.sport = 40000;
	a.dport = 40001;
	pkt_build_udp(p, &a, 100);
	const uint8_t *h = p->hdr;
	CU_ASSERT_EQUAL(p->hdr_len, 42);
	CU_ASSERT_EQUAL(p->l4_off, 34);
	CU_ASSERT_EQUAL(pkt_wire_len(p), 142);
	CU_ASSERT_EQUAL(pkt_ip_len(p), 128);
	for (int i = 0; i < 12; i++)
		CU_ASSERT_EQUAL(h[i], 0);
	CU_ASSERT_EQUAL(be16(h + 12), 0x0800);
	CU_ASSERT_EQUAL(h[14], 0x45);
	CU_ASSERT_EQUAL(h[15], 10 << 2); /* DSCP AF11 = 10, ECN 0 */
	CU_ASSERT_EQUAL(be16(h + 16), 128);
	CU_ASSERT_EQUAL(be16(h + 18), 0x1234);
	CU_ASSERT_EQUAL(be16(h + 20), 0x4000);
	CU_ASSERT_EQUAL(h[22], 64); /* ttl 0 means 64 */
	CU_ASSERT_EQUAL(h[23], 17);
	CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, h + 14, 20)), 0);
	CU_ASSERT_EQUAL(h[26], 10);
	CU_ASSERT_EQUAL(h[29], 5);
	CU_ASSERT_EQUAL(h[30], 10);
	CU_ASSERT_EQUAL(h[33], 10);
	CU_ASSERT_EQUAL(be16(h + 34), 40000);
	CU_ASSERT_EQUAL(be16(h + 36), 40001);
	CU_ASSERT_EQUAL(be16(h + 38), 108);
	CU_ASSERT_EQUAL(be16(h + 40), 0);
	CU_ASSERT_EQUAL(pkt_proto(p), PKT_PROTO_UDP);
	CU_ASSERT_EQUAL(pkt_ip_src(p), IP(10, 0, 1, 5));
	CU_ASSERT_EQUAL(pkt_ip_dst(p), IP(10, 0, 2, 10));
	CU_ASSERT_EQUAL(pkt_sport(p), 40000);
	CU_ASSERT_EQUAL(pkt_dport(p), 40001);
	CU_ASSERT_TRUE(pkt_df(p));
	CU_ASSERT_EQUAL(pkt_tcp_mss(p), 0); /* not TCP */
	a.df = FALSE;
	pkt_build_udp(p, &a, 0);
	CU_ASSERT_FALSE(pkt_df(p));
	CU_ASSERT_EQUAL(be16(p->hdr + 20), 0);

	uint8_t src[6] = { 2, 0, 0, 0, 0, 1 }, dst[6] = { 2, 0, 0, 0, 0, 2 };
	pkt_set_macs(p, src, dst);
	CU_ASSERT_EQUAL(memcmp(p->hdr, dst, 6), 0);
	CU_ASSERT_EQUAL(memcmp(p->hdr + 6, src, 6), 0);
	pkt_free(p);
	pkt_pool_free(pool);
}

static void test_build_tcp(void)
{
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	pkt_build_tcp(p, &addrs_a, 0x01020304u, 0xA0B0C0D0u, PKT_TCP_SYN, 64240, 1460, 0);
	const uint8_t *t = p->hdr + 34;
	CU_ASSERT_EQUAL(p->hdr_len, 14 + 20 + 24);
	CU_ASSERT_EQUAL(be16(p->hdr + 16), 44);
	CU_ASSERT_EQUAL(p->hdr[23], 6);
	CU_ASSERT_EQUAL(be16(t), 50123);
	CU_ASSERT_EQUAL(be16(t + 2), 80);
	CU_ASSERT_EQUAL(t[4], 0x01);
	CU_ASSERT_EQUAL(t[7], 0x04);
	CU_ASSERT_EQUAL(t[8], 0xA0);
	CU_ASSERT_EQUAL(t[11], 0xD0);
	CU_ASSERT_EQUAL(t[12], 6 << 4);
	CU_ASSERT_EQUAL(t[13], PKT_TCP_SYN);
	CU_ASSERT_EQUAL(be16(t + 14), 64240);
	CU_ASSERT_EQUAL(be16(t + 16), 0);
	CU_ASSERT_EQUAL(be16(t + 18), 0);
	CU_ASSERT_EQUAL(t[20], 2);
	CU_ASSERT_EQUAL(t[21], 4);
	CU_ASSERT_EQUAL(be16(t + 22), 1460);
	CU_ASSERT_EQUAL(pkt_tcp_seq(p), 0x01020304u);
	CU_ASSERT_EQUAL(pkt_tcp_ack(p), 0xA0B0C0D0u);
	CU_ASSERT_EQUAL(pkt_tcp_flags(p), PKT_TCP_SYN);
	CU_ASSERT_EQUAL(pkt_tcp_window(p), 64240);
	CU_ASSERT_EQUAL(pkt_tcp_mss(p), 1460);
	CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, p->hdr + 14, 20)), 0);

	/* MSS clamping as a NAT or a VPN endpoint does it. */
	pkt_set_tcp_mss(p, 1360);
	CU_ASSERT_EQUAL(pkt_tcp_mss(p), 1360);
	CU_ASSERT_EQUAL(be16(p->hdr + 34 + 22), 1360);

	/* An MSS found behind NOPs, as real stacks lay options out. */
	p->hdr[34 + 20] = 1;
	p->hdr[34 + 21] = 1;
	p->hdr[34 + 22] = 1;
	p->hdr[34 + 23] = 1;
	CU_ASSERT_EQUAL(pkt_tcp_mss(p), 0);

	/* Without MSS: a 20-byte header and nothing to clamp. */
	pkt_build_tcp(p, &addrs_a, 1, 2, PKT_TCP_ACK | PKT_TCP_PSH, 500, 0, 1000);
	CU_ASSERT_EQUAL(p->hdr_len, 54);
	CU_ASSERT_EQUAL(p->hdr[34 + 12], 5 << 4);
	CU_ASSERT_EQUAL(be16(p->hdr + 16), 1040);
	CU_ASSERT_EQUAL(pkt_tcp_mss(p), 0);
	pkt_set_tcp_mss(p, 1200);
	CU_ASSERT_EQUAL(pkt_tcp_mss(p), 0);
	CU_ASSERT_EQUAL(p->hdr_len, 54);
	pkt_free(p);
	pkt_pool_free(pool);
}

/*
 * The Window Scale option (RFC 7323: kind 3, length 3, the shift count),
 * laid out as Linux does without SACK and timestamps: MSS (02 04 05 b4),
 * NOP (01), Window Scale (03 03 07), a 28-byte header (data offset 7).
 * Alone it is NOP + Window Scale, 24 bytes.  The reader finds the option
 * wherever it sits and ignores a malformed one.
 */
static void test_build_tcp_wscale(void)
{
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	pkt_tcp_opts o = { .mss = 1460, .has_wscale = TRUE, .wscale = 7 };
	pkt_build_tcp_opts(p, &addrs_a, 5, 0, PKT_TCP_SYN, 64240, &o, 0);
	const uint8_t *t = p->hdr + 34;
	static const uint8_t want[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	CU_ASSERT_EQUAL(p->hdr_len, 14 + 20 + 28);
	CU_ASSERT_EQUAL(be16(p->hdr + 16), 20 + 28); /* IP total length */
	CU_ASSERT_EQUAL(t[12], 7 << 4);
	CU_ASSERT_EQUAL(memcmp(t + 20, want, sizeof want), 0);
	CU_ASSERT_EQUAL(be16(t + 14), 64240);
	CU_ASSERT_EQUAL(pkt_tcp_mss(p), 1460);
	CU_ASSERT_EQUAL(pkt_tcp_wscale(p), 7);
	CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, p->hdr + 14, 20)), 0);
	/* Clamping the MSS leaves the Window Scale option alone. */
	pkt_set_tcp_mss(p, 1360);
	CU_ASSERT_EQUAL(pkt_tcp_mss(p), 1360);
	CU_ASSERT_EQUAL(pkt_tcp_wscale(p), 7);
	/* The serialized segment's checksum covers the options. */
	uint8_t frame[128];
	CU_ASSERT_EQUAL(pkt_serialize(p, frame, sizeof frame), 62);
	CU_ASSERT_EQUAL(naive_l4_csum(frame, 62), l4_csum_field(frame));

	/* Shift 0 is an option too (scaling on, factor 1); 14 is the most a
	 * receiver applies, but the builder writes what it is given. */
	o = (pkt_tcp_opts){ .has_wscale = TRUE, .wscale = 0 };
	pkt_build_tcp_opts(p, &addrs_a, 5, 0, PKT_TCP_SYN, 1000, &o, 0);
	CU_ASSERT_EQUAL(p->hdr_len, 14 + 20 + 4 + 20);
	CU_ASSERT_EQUAL(p->hdr[34 + 12], 6 << 4);
	CU_ASSERT_EQUAL(p->hdr[34 + 20], 1);
	CU_ASSERT_EQUAL(p->hdr[34 + 21], 3);
	CU_ASSERT_EQUAL(pkt_tcp_wscale(p), 0);
	CU_ASSERT_EQUAL(pkt_tcp_mss(p), 0);
	o.wscale = 15;
	pkt_build_tcp_opts(p, &addrs_a, 5, 0, PKT_TCP_SYN, 1000, &o, 0);
	CU_ASSERT_EQUAL(pkt_tcp_wscale(p), 15);

	/* Window Scale first, then MSS: both found.  Then a Window Scale
	 * whose length byte is wrong (2): not read as one, and the walk
	 * stops there. */
	o = (pkt_tcp_opts){ .mss = 1460, .has_wscale = TRUE, .wscale = 9 };
	pkt_build_tcp_opts(p, &addrs_a, 5, 0, PKT_TCP_SYN, 1000, &o, 0);
	uint8_t *opt = p->hdr + 34 + 20;
	static const uint8_t swapped[8] = { 3, 3, 9, 1, 2, 4, 0x05, 0xb4 };
	memcpy(opt, swapped, sizeof swapped);
	CU_ASSERT_EQUAL(pkt_tcp_wscale(p), 9);
	CU_ASSERT_EQUAL(pkt_tcp_mss(p), 1460);
	opt[1] = 2;
	CU_ASSERT_EQUAL(pkt_tcp_wscale(p), -1);

	/* No options (NULL, or an empty set) and the old builder: none. */
	pkt_build_tcp_opts(p, &addrs_a, 5, 6, PKT_TCP_ACK, 1000, NULL, 10);
	CU_ASSERT_EQUAL(p->hdr_len, 54);
	CU_ASSERT_EQUAL(pkt_tcp_wscale(p), -1);
	o = (pkt_tcp_opts){ 0 };
	pkt_build_tcp_opts(p, &addrs_a, 5, 6, PKT_TCP_ACK, 1000, &o, 10);
	CU_ASSERT_EQUAL(p->hdr_len, 54);
	pkt_build_tcp(p, &addrs_a, 5, 0, PKT_TCP_SYN, 1000, 1460, 0);
	CU_ASSERT_EQUAL(p->hdr_len, 58);
	CU_ASSERT_EQUAL(pkt_tcp_wscale(p), -1);
	pkt_build_udp(p, &addrs_a, 10);
	CU_ASSERT_EQUAL(pkt_tcp_wscale(p), -1);
	pkt_free(p);
	pkt_pool_free(pool);
}

/* The first option of kind `want` in a serialized TCP header, walked as
 * RFC 9293 lays options out (NOP, End of Option List, kind-length-value;
 * the walk stops at anything malformed), written apart from pkt.c: its
 * offset in `t` and its length, or 0. */
static size_t ref_opt(const uint8_t *t, size_t tcp_len, uint8_t want, uint8_t *len)
{
	size_t o = 20;
	while (o < tcp_len && t[o] != 0) {
		if (t[o] == 1) {
			o++;
			continue;
		}
		if (o + 1 >= tcp_len || t[o + 1] < 2 || o + t[o + 1] > tcp_len)
			return 0;
		if (t[o] == want) {
			*len = t[o + 1];
			return o;
		}
		o += t[o + 1];
	}
	return 0;
}

/* Any set of options a builder takes, SACK blocks beyond what fits included. */
static pkt_tcp_opts random_opts(GRand *r)
{
	pkt_tcp_opts o = { .mss = g_rand_boolean(r) ? (uint16_t)g_rand_int_range(r, 1, 65536) : 0,
		           .has_wscale = g_rand_boolean(r), .wscale = (uint8_t)g_rand_int(r),
		           .sack_perm = g_rand_boolean(r), .has_ts = g_rand_boolean(r),
		           .ts_val = g_rand_int(r), .ts_ecr = g_rand_int(r),
		           .nsack = (uint8_t)g_rand_int_range(r, 0, PKT_TCP_SACK_MAX + 1) };
	for (guint k = 0; k < PKT_TCP_SACK_MAX; k++) {
		o.sack[k][0] = g_rand_int(r);
		o.sack[k][1] = g_rand_int(r);
	}
	return o;
}

/* p's Timestamps and SACK options as pkt_tcp_ts() and pkt_tcp_sack() give
 * them equal a walk of its header bytes. */
static gboolean ts_sack_as_walked(const pkt *p)
{
	const uint8_t *t = p->hdr + p->l4_off;
	const size_t tcp_len = MIN((size_t)(t[12] >> 4) * 4, (size_t)(p->hdr_len - p->l4_off));
	uint8_t len = 0;
	size_t o = ref_opt(t, tcp_len, 8, &len);
	const gboolean ts = o && len == 10;
	uint32_t val = 1, ecr = 2;
	if (pkt_tcp_ts(p, &val, &ecr) != ts)
		return FALSE;
	if (ts && (val != be32(t + o + 2) || ecr != be32(t + o + 6)))
		return FALSE;
	o = ref_opt(t, tcp_len, 5, &len);
	guint n = o && len >= 10 && (len - 2) % 8 == 0 ? MIN((guint)(len - 2) / 8, 4u) : 0;
	uint32_t b[PKT_TCP_SACK_MAX][2];
	if (pkt_tcp_sack(p, b) != n)
		return FALSE;
	for (guint i = 0; i < n; i++)
		if (b[i][0] != be32(t + o + 2 + 8 * i) || b[i][1] != be32(t + o + 6 + 8 * i))
			return FALSE;
	return TRUE;
}

/*
 * The builder remembers where it put the Timestamps and SACK options
 * (pkt.tcp_ts_at, tcp_sack_at), so a receiver does not walk the options
 * of every segment.  What the remembered places give must be what a walk
 * of the bytes gives: for every layout the builder writes, after the
 * rewrites a packet meets on its way (MSS clamping, NAT of addresses and
 * ports, TTL, MACs, a capture, a clone), and with the places forgotten.
 * Options written by hand are read by a walk once pkt_tcp_opts_changed()
 * says so, and a UDP packet built over a TCP one has no TCP options.
 */
static void test_tcp_opts_remembered(void)
{
	pkt_pool *pool = pkt_pool_new();
	GRand *r = g_rand_new_with_seed(7323);
	uint8_t frame[256];
	int bad = 0, with_ts = 0, with_sack = 0;
	for (int it = 0; it < 3000; it++) {
		pkt *p = pkt_alloc(pool);
		pkt_addrs a = { .src_ip = g_rand_int(r), .dst_ip = g_rand_int(r),
			        .sport = (uint16_t)g_rand_int(r), .dport = (uint16_t)g_rand_int(r),
			        .ip_id = (uint16_t)g_rand_int(r), .df = TRUE };
		pkt_tcp_opts o = random_opts(r);
		pkt_build_tcp_opts(p, &a, g_rand_int(r), g_rand_int(r), PKT_TCP_ACK,
		                   (uint16_t)g_rand_int(r), &o, (uint32_t)g_rand_int_range(r, 0, 1500));
		/* The remembered places are what is read (else this tests the walk). */
		CU_ASSERT_TRUE_FATAL(p->tcp_ts_at != 0 && p->tcp_sack_at != 0);
		with_ts += p->tcp_ts_at != PKT_OPT_NONE;
		with_sack += p->tcp_sack_at != PKT_OPT_NONE;
		bad += !ts_sack_as_walked(p);
		for (int k = g_rand_int_range(r, 1, 8); k > 0; k--) {
			switch (g_rand_int_range(r, 0, 6)) {
			case 0:
				pkt_set_tcp_mss(p, (uint16_t)g_rand_int(r));
				break;
			case 1:
				pkt_set_ip_src(p, g_rand_int(r));
				pkt_set_sport(p, (uint16_t)g_rand_int(r));
				break;
			case 2:
				pkt_set_ip_dst(p, g_rand_int(r));
				pkt_set_dport(p, (uint16_t)g_rand_int(r));
				break;
			case 3:
				pkt_dec_ttl(p);
				break;
			case 4: {
				const uint8_t m1[6] = { 2, 0, 0, 0, 0, (uint8_t)k }, m2[6] = { 2, 1, 1, 1, 1, 1 };
				pkt_set_macs(p, m1, m2);
				break;
			}
			default:
				pkt_serialize(p, frame, sizeof frame);
				break;
			}
			bad += !ts_sack_as_walked(p);
		}
		pkt *q = pkt_clone(p);
		bad += !ts_sack_as_walked(q);
		pkt_tcp_opts_changed(q);
		CU_ASSERT_TRUE(q->tcp_ts_at == 0 && q->tcp_sack_at == 0);
		bad += !ts_sack_as_walked(q);
		pkt_free(q);
		pkt_free(p);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* Both kinds of answer were asked for often. */
	CU_ASSERT_TRUE(with_ts > 1000 && with_ts < 2000);
	CU_ASSERT_TRUE(with_sack > 1000 && with_sack < 2900);

	/* Options written by hand: a Timestamps option whose length is wrong
	 * (not one), then one behind End of Option List (not reached), then
	 * SACK with a length that is no whole number of blocks. */
	pkt *p = pkt_alloc(pool);
	pkt_tcp_opts o = { .has_ts = TRUE, .ts_val = 5, .ts_ecr = 6, .nsack = 1,
		           .sack = { { 10, 20 } } };
	pkt_build_tcp_opts(p, &addrs_a, 1, 2, PKT_TCP_ACK, 1000, &o, 0);
	CU_ASSERT_TRUE(pkt_tcp_ts(p, NULL, NULL));
	CU_ASSERT_EQUAL(p->hdr_len, 14 + 20 + 20 + 24);
	uint8_t *opt = p->hdr + 34 + 20;
	opt[3] = 9;
	opt[11] = 1; /* a NOP where the 9 bytes end, then NOP NOP SACK */
	pkt_tcp_opts_changed(p);
	CU_ASSERT_FALSE(pkt_tcp_ts(p, NULL, NULL));
	uint32_t b[PKT_TCP_SACK_MAX][2];
	CU_ASSERT_EQUAL(pkt_tcp_sack(p, b), 1);
	CU_ASSERT_TRUE(ts_sack_as_walked(p));
	opt[1] = 0; /* End of Option List before the Timestamps */
	opt[3] = 10;
	pkt_tcp_opts_changed(p);
	CU_ASSERT_FALSE(pkt_tcp_ts(p, NULL, NULL));
	CU_ASSERT_EQUAL(pkt_tcp_sack(p, b), 0);
	opt[1] = 1;
	opt[12 + 3] = 9;
	pkt_tcp_opts_changed(p);
	CU_ASSERT_TRUE(pkt_tcp_ts(p, NULL, NULL));
	CU_ASSERT_EQUAL(pkt_tcp_sack(p, b), 0);
	CU_ASSERT_TRUE(ts_sack_as_walked(p));
	/* A UDP packet built over it. */
	pkt_build_tcp_opts(p, &addrs_a, 1, 2, PKT_TCP_ACK, 1000, &o, 0);
	pkt_build_udp(p, &addrs_a, 24);
	CU_ASSERT_FALSE(pkt_tcp_ts(p, NULL, NULL));
	CU_ASSERT_EQUAL(pkt_tcp_sack(p, b), 0);
	pkt_free(p);
	g_rand_free(r);
	pkt_pool_free(pool);
}

/*
 * A connection builds its segments from a template of the fields they
 * share (pkt_build_tcp_tmpl): every byte and every field the reader uses
 * must be what pkt_build_tcp_opts() gives for the same addresses, for any
 * addresses, TTL, DSCP, DF, options (SYN's included), lengths and IP ids,
 * the IP checksum included (where +0 and -0 could differ).
 */
static void test_build_tcp_tmpl(void)
{
	pkt_pool *pool = pkt_pool_new();
	GRand *r = g_rand_new_with_seed(9293);
	int bad = 0;
	for (int it = 0; it < 5000; it++) {
		pkt_addrs a = { .src_ip = g_rand_int(r), .dst_ip = g_rand_int(r),
			        .sport = (uint16_t)g_rand_int(r), .dport = (uint16_t)g_rand_int(r),
			        .ttl = (uint8_t)g_rand_int_range(r, 0, 3) * 127,
			        .dscp = (uint8_t)g_rand_int_range(r, 0, 64), .df = g_rand_boolean(r) };
		pkt_tcp_tmpl t;
		pkt_tcp_tmpl_init(&t, &a);
		for (int k = 0; k < 4; k++) {
			/* IP ids and lengths near the ends of their ranges too. */
			a.ip_id = k == 0 ? 0 : k == 1 ? 0xFFFF : (uint16_t)g_rand_int(r);
			uint32_t len = k == 0 ? 0 : k == 1 ? PKT_IP_MAX - PKT_IP_LEN - 60
			                                     : (uint32_t)g_rand_int_range(r, 0, 9001);
			pkt_tcp_opts o = random_opts(r);
			const gboolean none = g_rand_int_range(r, 0, 8) == 0;
			uint32_t seq = g_rand_int(r), ack = g_rand_int(r);
			uint8_t flags = (uint8_t)g_rand_int(r);
			uint16_t win = (uint16_t)g_rand_int(r);
			pkt *p = pkt_alloc(pool), *q = pkt_alloc(pool);
			pkt_build_tcp_opts(p, &a, seq, ack, flags, win, none ? NULL : &o, len);
			pkt_build_tcp_tmpl(q, &t, a.ip_id, seq, ack, flags, win, none ? NULL : &o, len);
			bad += p->hdr_len != q->hdr_len || memcmp(p->hdr, q->hdr, p->hdr_len) != 0 ||
			       p->l4_off != q->l4_off || p->payload_len != q->payload_len ||
			       p->tcp_ts_at != q->tcp_ts_at || p->tcp_sack_at != q->tcp_sack_at ||
			       p->l4_csum_ok != q->l4_csum_ok;
			CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, q->hdr + 14, 20)), 0);
			pkt_free(p);
			pkt_free(q);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	g_rand_free(r);
	pkt_pool_free(pool);
}

/*
 * Linux's SYN: MSS (02 04 05 b4), SACK-permitted and Timestamps together
 * (04 02 08 0a TSval TSecr), NOP and Window Scale (01 03 03 07): a 40-byte
 * header, a 74-byte frame.  A later segment: NOP NOP Timestamps, then NOP
 * NOP SACK with its blocks, at most 3 beside the timestamp (40 bytes of
 * options); without a timestamp, SACK-permitted takes NOP NOP of its own.
 */
static void test_build_tcp_sack_ts(void)
{
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	pkt_tcp_opts o = { .mss = 1460, .has_wscale = TRUE, .wscale = 7, .sack_perm = TRUE,
	                   .has_ts = TRUE, .ts_val = 0x01020304, .ts_ecr = 0 };
	pkt_build_tcp_opts(p, &addrs_a, 5, 0, PKT_TCP_SYN, 64240, &o, 0);
	static const uint8_t syn[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7 };
	CU_ASSERT_EQUAL(p->hdr_len, 14 + 20 + 40);
	CU_ASSERT_EQUAL(memcmp(p->hdr + 34 + 20, syn, sizeof syn), 0);
	CU_ASSERT_TRUE(pkt_tcp_sack_perm(p));
	uint32_t val = 0, ecr = 1;
	CU_ASSERT_TRUE(pkt_tcp_ts(p, &val, &ecr));
	CU_ASSERT_EQUAL(val, 0x01020304);
	CU_ASSERT_EQUAL(ecr, 0);
	CU_ASSERT_EQUAL(pkt_tcp_mss(p), 1460);
	CU_ASSERT_EQUAL(pkt_tcp_wscale(p), 7);
	uint8_t frame[128];
	CU_ASSERT_EQUAL(pkt_serialize(p, frame, sizeof frame), 74);
	CU_ASSERT_EQUAL(naive_l4_csum(frame, 74), l4_csum_field(frame));

	/* An ACK with a timestamp and four blocks asked for: three fit. */
	o = (pkt_tcp_opts){ .has_ts = TRUE, .ts_val = 7, .ts_ecr = 9, .nsack = 4,
	                    .sack = { { 100, 200 }, { 300, 400 }, { 500, 600 }, { 700, 800 } } };
	pkt_build_tcp_opts(p, &addrs_a, 5, 6, PKT_TCP_ACK, 1000, &o, 0);
	CU_ASSERT_EQUAL(p->hdr_len, 14 + 20 + 20 + 40);
	static const uint8_t ack[8] = { 1, 1, 8, 10, 0, 0, 0, 7 };
	CU_ASSERT_EQUAL(memcmp(p->hdr + 34 + 20, ack, sizeof ack), 0);
	CU_ASSERT_EQUAL(p->hdr[34 + 32 + 2], 5);
	CU_ASSERT_EQUAL(p->hdr[34 + 32 + 3], 2 + 3 * 8);
	uint32_t b[PKT_TCP_SACK_MAX][2];
	CU_ASSERT_EQUAL(pkt_tcp_sack(p, b), 3);
	CU_ASSERT_EQUAL(b[0][0], 100);
	CU_ASSERT_EQUAL(b[2][1], 600);
	CU_ASSERT_FALSE(pkt_tcp_sack_perm(p));
	CU_ASSERT_TRUE(pkt_tcp_ts(p, &val, &ecr));
	CU_ASSERT_EQUAL(ecr, 9);
	/* Without the timestamp, four. */
	o.has_ts = FALSE;
	pkt_build_tcp_opts(p, &addrs_a, 5, 6, PKT_TCP_ACK, 1000, &o, 0);
	CU_ASSERT_EQUAL(p->hdr_len, 14 + 20 + 20 + 4 + 32);
	CU_ASSERT_EQUAL(pkt_tcp_sack(p, b), 4);
	CU_ASSERT_EQUAL(b[3][0], 700);
	CU_ASSERT_FALSE(pkt_tcp_ts(p, NULL, NULL));
	/* SACK-permitted alone: NOP NOP 04 02. */
	o = (pkt_tcp_opts){ .mss = 1460, .sack_perm = TRUE };
	pkt_build_tcp_opts(p, &addrs_a, 5, 0, PKT_TCP_SYN, 1000, &o, 0);
	CU_ASSERT_EQUAL(p->hdr_len, 14 + 20 + 20 + 8);
	CU_ASSERT_TRUE(pkt_tcp_sack_perm(p));
	CU_ASSERT_EQUAL(pkt_tcp_sack(p, b), 0);
	pkt_free(p);
	pkt_pool_free(pool);
}

/* The IPv4 header checksum a full recomputation gives for p's header. */
static uint16_t ip_csum_recomputed(const pkt *p)
{
	uint8_t h[20];
	memcpy(h, p->hdr + 14, 20);
	h[10] = h[11] = 0;
	return naive_csum(h, 20);
}

/* pkt_dec_ttl() and the address setters update the IP checksum in place
 * (RFC 1624): byte for byte what recomputing gives, over random headers and
 * rewrites and over one whose sum is 0xFFFF (checksum 0, where +0 and -0
 * could differ). */
static void test_ip_csum_incremental(void)
{
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	uint64_t x = 0x9E3779B97F4A7C15u;
	for (int i = 0; i < 20000; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		pkt_addrs a = addrs_a;
		a.src_ip = (uint32_t)(x >> 32);
		a.dst_ip = (uint32_t)x;
		a.ip_id = (uint16_t)(x >> 16);
		a.ttl = (uint8_t)(1 + (x >> 56) % 255);
		pkt_build_tcp(p, &a, 7, 9, PKT_TCP_ACK, 1000, 0, (uint32_t)(x >> 40) % 1400);
		CU_ASSERT_EQUAL(be16(p->hdr + 24), ip_csum_recomputed(p));
		for (int k = 0; k < 8; k++) {
			x = x * 6364136223846793005u + 1442695040888963407u;
			switch (x >> 62) {
			case 0: pkt_set_ip_src(p, (uint32_t)x); break;
			case 1: pkt_set_ip_dst(p, (uint32_t)x); break;
			default: pkt_dec_ttl(p); break;
			}
			CU_ASSERT_EQUAL(be16(p->hdr + 24), ip_csum_recomputed(p));
		}
	}
	/* A source address that brings the header's sum to 0xFFFF: the rest of
	 * the header sums to r, so the address's two words must add 0xFFFF - r. */
	pkt_build_tcp(p, &addrs_a, 7, 9, PKT_TCP_ACK, 1000, 0, 10);
	uint8_t h[20];
	memcpy(h, p->hdr + 14, 20);
	h[10] = h[11] = h[12] = h[13] = h[14] = h[15] = 0;
	uint16_t r = (uint16_t)~naive_csum(h, 20);
	uint32_t lo = 0xFFFFu - r;
	pkt_set_ip_src(p, 0x01000000u | (lo >= 0x100 ? lo - 0x100 : lo + 0xFFFF - 0x100));
	CU_ASSERT_EQUAL(ip_csum_recomputed(p), 0);
	CU_ASSERT_EQUAL(be16(p->hdr + 24), 0);
	pkt_dec_ttl(p);
	CU_ASSERT_EQUAL(be16(p->hdr + 24), ip_csum_recomputed(p));
	pkt_free(p);
	pkt_pool_free(pool);
}

static void test_setters_keep_ip_csum(void)
{
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	pkt_build_tcp(p, &addrs_a, 7, 9, PKT_TCP_ACK, 1000, 0, 10);
	uint16_t before = be16(p->hdr + 24);
	pkt_set_ip_src(p, IP(172, 31, 255, 254));
	CU_ASSERT_EQUAL(pkt_ip_src(p), IP(172, 31, 255, 254));
	CU_ASSERT_NOT_EQUAL(be16(p->hdr + 24), before);
	CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, p->hdr + 14, 20)), 0);
	pkt_set_ip_dst(p, IP(52, 95, 1, 200));
	CU_ASSERT_EQUAL(pkt_ip_dst(p), IP(52, 95, 1, 200));
	CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, p->hdr + 14, 20)), 0);
	pkt_set_sport(p, 1024);
	pkt_set_dport(p, 443);
	CU_ASSERT_EQUAL(pkt_sport(p), 1024);
	CU_ASSERT_EQUAL(pkt_dport(p), 443);
	CU_ASSERT_EQUAL(pkt_tcp_seq(p), 7); /* neighbours untouched */

	/* TTL: 64 down to 0, valid checksum at every step, then it sticks. */
	for (int ttl = 63; ttl >= 0; ttl--) {
		CU_ASSERT_EQUAL(pkt_dec_ttl(p), ttl);
		CU_ASSERT_EQUAL(pkt_ttl(p), ttl);
		CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, p->hdr + 14, 20)), 0);
	}
	CU_ASSERT_EQUAL(pkt_dec_ttl(p), 0);
	CU_ASSERT_EQUAL(pkt_ttl(p), 0);
	pkt_free(p);
	pkt_pool_free(pool);
}

static void test_serialize_checksums(void)
{
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	static uint8_t buf[70000];
	const char req[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
	pkt_msg *m = pkt_msg_new(g_bytes_new(req, sizeof req - 1), 100000, 77);
	const uint32_t lens[] = { 0, 1, 2, 3, 17, 1459, 1460, 9001, 65535 - 20 - 20 };
	for (int tcp = 0; tcp <= 1; tcp++) {
		for (size_t i = 0; i < G_N_ELEMENTS(lens); i++) {
			for (int with_msg = 0; with_msg <= 1; with_msg++) {
				uint32_t len = lens[i];
				if (!tcp && len > 65535 - 28)
					len = 65535 - 28;
				if (tcp)
					pkt_build_tcp(p, &addrs_a, 1000 + (uint32_t)i, 55, PKT_TCP_ACK,
					              100, 0, len);
				else
					pkt_build_udp(p, &addrs_a, len);
				p->flow_id = 99 + i;
				p->msg_off = 3 * i;
				pkt_msg_unref(p->msg);
				p->msg = with_msg ? pkt_msg_ref(m) : NULL;
				uint32_t n = pkt_serialize(p, buf, sizeof buf);
				CU_ASSERT_EQUAL(n, pkt_wire_len(p));
				CU_ASSERT_EQUAL(memcmp(buf, p->hdr, 34), 0);
				uint16_t want = naive_l4_csum(buf, n);
				if (!tcp && want == 0)
					want = 0xFFFF;
				CU_ASSERT_EQUAL(l4_csum_field(buf), want);
			}
		}
	}
	pkt_msg_unref(p->msg);
	p->msg = NULL;

	/* UDP: the one source port whose checksum computes to 0 must send
	 * 0xFFFF instead (0 means "no checksum").  Changing the port by one
	 * changes the sum by one, so exactly one port in 65536 hits it. */
	pkt_addrs a = addrs_a;
	int hits = 0;
	for (uint32_t port = 0; port <= 0xFFFF; port++) {
		a.sport = (uint16_t)port;
		pkt_build_udp(p, &a, 5);
		uint32_t n = pkt_serialize(p, buf, sizeof buf);
		uint16_t raw = naive_l4_csum(buf, n);
		if (raw == 0) {
			hits++;
			CU_ASSERT_EQUAL(l4_csum_field(buf), 0xFFFF);
		} else if (l4_csum_field(buf) != raw) {
			CU_FAIL("UDP checksum differs from the naive one");
			break;
		}
	}
	CU_ASSERT_TRUE(hits >= 1);
	pkt_msg_unref(m);
	pkt_free(p);
	pkt_pool_free(pool);
}

/* The checksum of a packet serialized at a short snap length covers its
 * whole payload without producing it (generated bytes are summed from the
 * pattern's prefix sums): it must equal the naive sum over the full frame
 * for payloads starting in a message's real bytes, across their end at odd
 * and even offsets, around the pattern table's wrap (4093 bytes) and past
 * several of its periods, with and without a message. */
static void test_serialize_csum_uncaptured(void)
{
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	static uint8_t full[70000], part[64];
	const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n"; /* 45 bytes */
	pkt_msg *m = pkt_msg_new(g_bytes_new(head, sizeof head - 1), 200000, 31);
	const uint64_t offs[] = { 0, 1, 2, 43, 44, 45, 46, 4092, 4093, 4094, 8185, 123457 };
	const uint32_t lens[] = { 0, 1, 2, 3, 44, 45, 1460, 4093, 4094, 9001, 30001 };
	int bad = 0;
	for (int tcp = 0; tcp <= 1; tcp++)
		for (int with_msg = 0; with_msg <= 1; with_msg++)
			for (size_t i = 0; i < G_N_ELEMENTS(offs); i++)
				for (size_t j = 0; j < G_N_ELEMENTS(lens); j++)
					for (int pass = 0; pass < 2; pass++) {
						if (tcp)
							pkt_build_tcp(p, &addrs_a, 7 + (uint32_t)j, 5, PKT_TCP_ACK,
							              100, 0, lens[j]);
						else
							pkt_build_udp(p, &addrs_a, lens[j]);
						p->flow_id = 1000 + i;
						p->msg_off = offs[i];
						pkt_msg_unref(p->msg);
						p->msg = with_msg ? pkt_msg_ref(m) : NULL;
						/* Pass 0: the full frame, checked naively; pass 1: a
						 * fresh packet at a 64-byte cap. */
						if (pass == 0) {
							uint32_t n = pkt_serialize(p, full, sizeof full);
							uint16_t want = naive_l4_csum(full, n);
							if (!tcp && want == 0)
								want = 0xFFFF;
							bad += l4_csum_field(full) != want;
						} else {
							pkt_serialize(p, part, sizeof part);
							bad += memcmp(part, full, sizeof part) != 0;
						}
					}
	CU_ASSERT_EQUAL(bad, 0);
	pkt_msg_unref(p->msg);
	p->msg = NULL;
	pkt_msg_unref(m);
	pkt_free(p);
	pkt_pool_free(pool);
}

/* The checksum's raw complemented sum (naive_l4_csum()) as the field
 * carries it: UDP sends a computed 0 as 0xFFFF. */
static uint16_t naive_l4_field(const uint8_t *frame, uint32_t len)
{
	uint16_t c = naive_l4_csum(frame, len);
	return frame[23] == 17 && c == 0 ? 0xFFFF : c;
}

/* Address and port rewrites update the cached TCP/UDP checksum (RFC 1624)
 * instead of dropping it: over random packets (TCP with options or UDP,
 * payloads of a message's head and pattern or the flow's pattern) and
 * random chains of rewrites, the cached value must equal a full
 * recomputation (the same packet with its cache cleared) and the naive
 * sum over the whole frame, byte for byte.  A quarter of the rewrites pick
 * the port that makes the sum come out 0 (TCP sends 0, UDP 0xFFFF), 1 or
 * 0xFFFE, the values where a one's-complement shortcut goes wrong; the
 * next rewrite then starts from them. */
static void test_csum_incremental(void)
{
	pkt_pool *pool = pkt_pool_new();
	GRand *r = g_rand_new_with_seed(1624);
	static uint8_t a_buf[4096], b_buf[4096];
	const char head[] = "GET /items/42 HTTP/1.1\r\nHost: svc.internal\r\n\r\n";
	pkt_msg *m = pkt_msg_new(g_bytes_new(head, sizeof head - 1), 1000000, 5);
	int bad = 0, rewrites = 0, forced[2] = { 0, 0 };
	for (int it = 0; it < 4000; it++) {
		const gboolean tcp = it & 1;
		pkt *p = pkt_alloc(pool);
		pkt_addrs a = { .src_ip = g_rand_int(r), .dst_ip = g_rand_int(r),
			        .sport = (uint16_t)g_rand_int(r), .dport = (uint16_t)g_rand_int(r),
			        .ip_id = (uint16_t)g_rand_int(r), .df = TRUE };
		uint32_t len = g_rand_int_range(r, 0, 4) == 0 ? 0 : (uint32_t)g_rand_int_range(r, 1, 2000);
		if (tcp) {
			pkt_tcp_opts o = { .has_ts = g_rand_boolean(r), .ts_val = g_rand_int(r),
				           .ts_ecr = g_rand_int(r), .nsack = (uint8_t)g_rand_int_range(r, 0, 3) };
			for (guint k = 0; k < o.nsack; k++) {
				o.sack[k][0] = g_rand_int(r);
				o.sack[k][1] = g_rand_int(r);
			}
			pkt_build_tcp_opts(p, &a, g_rand_int(r), g_rand_int(r), PKT_TCP_ACK,
			                   (uint16_t)g_rand_int(r), &o, len);
		} else {
			pkt_build_udp(p, &a, len);
		}
		p->flow_id = g_rand_int(r);
		p->msg_off = g_rand_int_range(r, 0, 100);
		p->msg = g_rand_boolean(r) ? pkt_msg_ref(m) : NULL;
		/* A capture at snap length 128 computes and caches the checksum. */
		pkt_serialize(p, a_buf, 128);
		CU_ASSERT_TRUE_FATAL(p->l4_csum_ok);
		for (int k = g_rand_int_range(r, 1, 6); k > 0; k--) {
			int which = g_rand_int_range(r, 0, 4);
			if (g_rand_int_range(r, 0, 4) == 0) {
				/* Port m' giving the sum F' wanted from the present F
				 * (F' = F - m + m' modulo 0xFFFF). */
				uint32_t n = pkt_serialize(p, a_buf, sizeof a_buf);
				uint32_t f = (uint16_t)~naive_l4_csum(a_buf, n);
				const uint32_t want[] = { 0xFFFF, 1, 0xFFFE };
				uint32_t w = want[g_rand_int_range(r, 0, 3)];
				uint32_t old = which & 1 ? pkt_dport(p) : pkt_sport(p);
				uint32_t port = (old + 0xFFFF - f + w) % 0xFFFF;
				/* 0 and 0xFFFF are the same in the sum: either will do. */
				if (port == 0 && g_rand_boolean(r))
					port = 0xFFFF;
				if (which & 1)
					pkt_set_dport(p, (uint16_t)port);
				else
					pkt_set_sport(p, (uint16_t)port);
				forced[tcp] += w == 0xFFFF;
			} else if (which == 0) {
				pkt_set_ip_src(p, g_rand_int(r));
			} else if (which == 1) {
				pkt_set_ip_dst(p, g_rand_int(r));
			} else if (which == 2) {
				pkt_set_sport(p, (uint16_t)g_rand_int(r));
			} else {
				pkt_set_dport(p, (uint16_t)g_rand_int(r));
			}
			rewrites++;
			CU_ASSERT_TRUE_FATAL(p->l4_csum_ok);
			pkt *q = pkt_clone(p);
			q->l4_csum_ok = 0;
			uint32_t n = pkt_serialize(p, a_buf, sizeof a_buf);
			CU_ASSERT_EQUAL_FATAL(pkt_serialize(q, b_buf, sizeof b_buf), n);
			bad += memcmp(a_buf, b_buf, n) != 0 || l4_csum_field(a_buf) != naive_l4_field(a_buf, n);
			pkt_free(q);
		}
		pkt_free(p);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(rewrites > 10000);
	/* Checksums forced to a computed 0, which UDP sends as 0xFFFF. */
	CU_ASSERT_TRUE(forced[0] > 100 && forced[1] > 100);

	/* ICMP carries its checksum in hdr: a rewrite of the outer addresses
	 * drops the cache and leaves the message's checksum as it was. */
	pkt *orig = pkt_alloc(pool), *icmp = pkt_alloc(pool);
	pkt_build_tcp(orig, &addrs_a, 1, 2, PKT_TCP_ACK, 100, 0, 1400);
	pkt_build_icmp_frag_needed(icmp, orig, IP(10, 0, 0, 1), 1300);
	uint32_t n = pkt_serialize(icmp, a_buf, sizeof a_buf);
	pkt_set_ip_dst(icmp, IP(10, 9, 9, 9));
	CU_ASSERT_FALSE(icmp->l4_csum_ok);
	CU_ASSERT_EQUAL(pkt_serialize(icmp, b_buf, sizeof b_buf), n);
	CU_ASSERT_EQUAL(memcmp(a_buf + 34, b_buf + 34, n - 34), 0);
	CU_ASSERT_EQUAL(pkt_csum_fold(pkt_csum_add(0, b_buf + 34, n - 34)), 0);
	pkt_free(orig);
	pkt_free(icmp);
	pkt_msg_unref(m);
	g_rand_free(r);
	pkt_pool_free(pool);
}

static void test_serialize_truncated(void)
{
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	uint8_t full[3000], part[3000 + 8];
	for (int tcp = 0; tcp <= 1; tcp++) {
		if (tcp)
			pkt_build_tcp(p, &addrs_a, 1, 2, PKT_TCP_ACK, 100, 1460, 2501);
		else
			pkt_build_udp(p, &addrs_a, 2501);
		p->flow_id = 5;
		uint32_t n = pkt_serialize(p, full, sizeof full);
		CU_ASSERT_EQUAL(n, pkt_wire_len(p));
		/* Every cap, including ones that split the checksum field and odd
		 * payload splits: the prefix must match byte for byte (so the
		 * checksum still covers the whole frame) and nothing past cap may
		 * be touched. */
		for (uint32_t cap = 0; cap <= n; cap++) {
			memset(part, 0xA5, sizeof part);
			CU_ASSERT_EQUAL_FATAL(pkt_serialize(p, part, cap), n);
			if (memcmp(part, full, cap) != 0) {
				CU_FAIL("truncated frame differs from the full one");
				break;
			}
			for (uint32_t k = cap; k < cap + 8; k++)
				CU_ASSERT_EQUAL(part[k], 0xA5);
		}
	}
	CU_ASSERT_EQUAL(pkt_serialize(p, NULL, 0), pkt_wire_len(p));
	pkt_free(p);
	pkt_pool_free(pool);
}

static void test_pool(void)
{
	pkt_pool *pool = pkt_pool_new();
	CU_ASSERT_EQUAL(pkt_pool_live(pool), 0);
	CU_ASSERT_EQUAL(pkt_pool_capacity(pool), 0);
	pkt *a = pkt_alloc(pool), *b = pkt_alloc(pool), *c = pkt_alloc(pool);
	CU_ASSERT_EQUAL(pkt_pool_live(pool), 3);
	size_t cap = pkt_pool_capacity(pool);
	CU_ASSERT_TRUE(cap >= 3);
	CU_ASSERT(a != b && b != c && a != c);
	CU_ASSERT_PTR_EQUAL(a->pool, pool);

	/* Dirty b, free it: the next packet is b's memory, with clean metadata. */
	pkt_build_tcp(b, &addrs_a, 1, 2, PKT_TCP_SYN, 3, 1460, 4);
	b->flow_id = 42;
	b->birth = 99;
	b->msg_off = 7;
	b->user = b;
	b->user_u64 = 8;
	pkt_hop_push(b, 3, 0);
	pkt_free(b);
	CU_ASSERT_EQUAL(pkt_pool_live(pool), 2);
	pkt *d = pkt_alloc(pool);
	CU_ASSERT_PTR_EQUAL(d, b);
	CU_ASSERT_EQUAL(d->hdr_len, 0);
	CU_ASSERT_EQUAL(d->payload_len, 0);
	CU_ASSERT_EQUAL(d->flow_id, 0);
	CU_ASSERT_EQUAL(d->birth, 0);
	CU_ASSERT_EQUAL(d->msg_off, 0);
	CU_ASSERT_PTR_NULL(d->user);
	CU_ASSERT_PTR_NULL(d->msg);
	CU_ASSERT_PTR_NULL(d->next);
	CU_ASSERT_EQUAL(d->user_u64, 0);
	CU_ASSERT_EQUAL(d->nhops, 0);
	CU_ASSERT_EQUAL(d->l4_off, 0);
	CU_ASSERT_EQUAL(d->hops_overflow, 0);
	CU_ASSERT_EQUAL(pkt_pool_live(pool), 3);
	CU_ASSERT_EQUAL(pkt_pool_capacity(pool), cap); /* nothing new allocated */

	/* Growing past a chunk, then freeing everything. */
	GPtrArray *all = g_ptr_array_new();
	for (int i = 0; i < 3000; i++)
		g_ptr_array_add(all, pkt_alloc(pool));
	CU_ASSERT_EQUAL(pkt_pool_live(pool), 3003);
	CU_ASSERT_TRUE(pkt_pool_capacity(pool) >= 3003);
	size_t big = pkt_pool_capacity(pool);
	for (guint i = 0; i < all->len; i++)
		pkt_free(g_ptr_array_index(all, i));
	pkt_free(a);
	pkt_free(c);
	pkt_free(d);
	pkt_free(NULL);
	CU_ASSERT_EQUAL(pkt_pool_live(pool), 0);
	/* Steady state: alloc/free cycles reuse memory, capacity stays. */
	for (int i = 0; i < 10000; i++)
		pkt_free(pkt_alloc(pool));
	CU_ASSERT_EQUAL(pkt_pool_capacity(pool), big);
	g_ptr_array_free(all, TRUE);

	/* Live packets' messages are released by pkt_pool_free (checked by
	 * the leak checkers the suite runs under). */
	pkt *e = pkt_alloc(pool);
	e->msg = pkt_msg_new(g_bytes_new("x", 1), 10, 1);
	pkt_pool_free(pool);
}

static void test_hops(void)
{
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	for (int i = 0; i < PKT_MAX_HOPS; i++)
		pkt_hop_push(p, (uint16_t)(100 + i), 0);
	CU_ASSERT_EQUAL(p->nhops, PKT_MAX_HOPS);
	CU_ASSERT_EQUAL(p->hops_overflow, 0);
	pkt_hop_push(p, 7, 0);
	CU_ASSERT_EQUAL(p->nhops, PKT_MAX_HOPS);
	CU_ASSERT_EQUAL(p->hops_overflow, 1);
	CU_ASSERT_EQUAL(p->hops[PKT_MAX_HOPS - 1], 100 + PKT_MAX_HOPS - 1);
	pkt_free(p);
	pkt_pool_free(pool);
}

static void test_msg_refs(void)
{
	GBytes *head = g_bytes_new("HTTP/1.1 200 OK\r\n", 17);
	pkt_msg *m = pkt_msg_new(head, 5, 1); /* len raised to the head's size */
	CU_ASSERT_EQUAL(m->len, 17);
	CU_ASSERT_EQUAL(m->refs, 1);
	CU_ASSERT_PTR_EQUAL(m->head, head);
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	p->msg = pkt_msg_ref(m);
	CU_ASSERT_EQUAL(m->refs, 2);
	pkt *q = pkt_clone(p);
	CU_ASSERT_EQUAL(m->refs, 3);
	CU_ASSERT_PTR_EQUAL(q->msg, m);
	pkt_free(p);
	CU_ASSERT_EQUAL(m->refs, 2);
	pkt_free(q);
	CU_ASSERT_EQUAL(m->refs, 1);
	pkt_msg_unref(m); /* frees m and head: the leak checkers would notice otherwise */
	pkt_msg_unref(NULL);

	pkt_msg *n = pkt_msg_new(NULL, 1000, 2);
	CU_ASSERT_EQUAL(n->len, 1000);
	CU_ASSERT_PTR_NULL(n->head);
	pkt_msg_unref(n);
	pkt_pool_free(pool);
}

/* Copied messages from a pool come back to it by size class; those still
 * referenced when the pool is freed are freed with their last reference
 * (ASan and valgrind check that nothing leaks or is used after free). */
static void test_msg_pool(void)
{
	pkt_pool *pool = pkt_pool_new();
	char head[3000];
	memset(head, 'h', sizeof head);
	pkt_msg *a = pkt_msg_new_copy(pool, head, 100, 500, 1);
	CU_ASSERT_EQUAL(a->len, 500);
	CU_ASSERT_EQUAL(a->head_len, 100);
	CU_ASSERT(memcmp(a->head_data, head, 100) == 0);
	pkt_msg_unref(a);
	/* The same class hands the released one out again; a larger one does not. */
	pkt_msg *b = pkt_msg_new_copy(pool, "GET / HTTP/1.1\r\n", 16, 16, 2);
	CU_ASSERT_PTR_EQUAL(b, a);
	CU_ASSERT(memcmp(b->head_data, "GET / HTTP/1.1\r\n", 16) == 0);
	CU_ASSERT_EQUAL(b->refs, 1);
	CU_ASSERT_EQUAL(b->phase1, 0);
	pkt_msg *c = pkt_msg_new_copy(pool, head, 129, 129, 3);
	CU_ASSERT_PTR_NOT_EQUAL(c, a);
	/* Beyond the largest class: not pooled, freed at once. */
	pkt_msg *d = pkt_msg_new_copy(pool, head, sizeof head, sizeof head, 4);
	CU_ASSERT_PTR_NULL(d->pool);
	CU_ASSERT(memcmp(d->head_data, head, sizeof head) == 0);
	pkt_msg_unref(d);
	/* A pooled message outlives its pool (a write queue freed later). */
	pkt *p = pkt_alloc(pool);
	p->msg = pkt_msg_ref(c);
	pkt_msg_unref(c);
	pkt_msg_unref(b);
	pkt_msg *e = pkt_msg_new_copy(pool, head, 10, 10, 5);
	pkt_pool_free(pool); /* drops p's reference: c goes; e is still out */
	CU_ASSERT(memcmp(e->head_data, head, 10) == 0);
	pkt_msg_unref(e); /* frees e and the pool */
	/* Without a pool, a plain allocation. */
	pkt_msg *f = pkt_msg_new_copy(NULL, head, 10, 10, 6);
	CU_ASSERT_PTR_NULL(f->pool);
	pkt_msg_unref(f);
}

static gboolean all_printable(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] < 0x20 || b[i] > 0x7e)
			return FALSE;
	return TRUE;
}

static void test_payload(void)
{
	const char hdr[] = "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n";
	const size_t hlen = sizeof hdr - 1;
	pkt_msg *m = pkt_msg_new(g_bytes_new(hdr, hlen), hlen + 10000, 1234);
	uint8_t all[20000], part[20000];
	/* Past len the pattern simply continues (pkt.c allows it). */
	pkt_msg_fill(m, 0, all, sizeof all);
	CU_ASSERT_EQUAL(memcmp(all, hdr, hlen), 0);
	CU_ASSERT_TRUE(all_printable(all + hlen, 10000));
	/* Any window reads the same bytes as the whole, across the head/pattern
	 * boundary and across the pattern's period. */
	const uint64_t offs[] = { 0, 1, hlen - 1, hlen, hlen + 1, 4093, 5000, 9999 };
	for (size_t i = 0; i < G_N_ELEMENTS(offs); i++) {
		memset(part, 0, sizeof part);
		pkt_msg_fill(m, offs[i], part, 5000);
		CU_ASSERT_EQUAL(memcmp(part, all + offs[i], 5000), 0);
	}
	/* The pattern is a function of (seed, offset) only. */
	pkt_msg *same = pkt_msg_new(NULL, 20000, 1234);
	pkt_msg_fill(same, hlen, part, 10000);
	CU_ASSERT_EQUAL(memcmp(part, all + hlen, 10000), 0);
	pkt_msg *other = pkt_msg_new(NULL, 20000, 1235);
	pkt_msg_fill(other, hlen, part, 10000);
	CU_ASSERT_NOT_EQUAL(memcmp(part, all + hlen, 10000), 0);
	/* Not a constant fill: many distinct characters. */
	int seen[256] = { 0 }, distinct = 0;
	for (size_t i = hlen; i < hlen + 10000; i++)
		if (!seen[all[i]]++)
			distinct++;
	CU_ASSERT_TRUE(distinct > 50);

	/* A packet carries bytes [msg_off, msg_off + payload_len). */
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	pkt_build_tcp(p, &addrs_a, 1, 1, PKT_TCP_ACK, 100, 0, 1460);
	p->msg = pkt_msg_ref(m);
	p->msg_off = 20;
	uint8_t frame[2000];
	uint32_t n = pkt_serialize(p, frame, sizeof frame);
	CU_ASSERT_EQUAL(n, 54 + 1460);
	CU_ASSERT_EQUAL(memcmp(frame + 54, all + 20, 1460), 0);
	/* Without a message: the pattern seeded by flow_id at msg_off. */
	pkt_msg_unref(p->msg);
	p->msg = NULL;
	p->flow_id = 1235;
	p->msg_off = hlen;
	n = pkt_serialize(p, frame, sizeof frame);
	pkt_msg_fill(other, hlen, part, 1460);
	CU_ASSERT_EQUAL(memcmp(frame + 54, part, 1460), 0);
	CU_ASSERT_TRUE(all_printable(frame + 54, 1460));

	pkt_free(p);
	pkt_pool_free(pool);
	pkt_msg_unref(m);
	pkt_msg_unref(same);
	pkt_msg_unref(other);
}

static void test_clone(void)
{
	pkt_pool *pool = pkt_pool_new();
	pkt *p = pkt_alloc(pool);
	pkt_build_tcp(p, &addrs_a, 11, 22, PKT_TCP_ACK, 33, 1400, 44);
	p->flow_id = 5;
	p->birth = 6 * SIM_MS;
	p->msg_off = 7;
	p->user_u64 = 8;
	pkt_hop_push(p, 1, 0);
	pkt_hop_push(p, 2, 0);
	pkt *q = pkt_clone(p);
	CU_ASSERT_PTR_NOT_EQUAL(q, p);
	CU_ASSERT_PTR_EQUAL(q->pool, pool);
	CU_ASSERT_EQUAL(pkt_pool_live(pool), 2);
	CU_ASSERT_EQUAL(q->hdr_len, p->hdr_len);
	CU_ASSERT_EQUAL(memcmp(q->hdr, p->hdr, p->hdr_len), 0);
	CU_ASSERT_EQUAL(q->payload_len, 44);
	CU_ASSERT_EQUAL(q->flow_id, 5);
	CU_ASSERT_EQUAL(q->birth, 6 * SIM_MS);
	CU_ASSERT_EQUAL(q->msg_off, 7);
	CU_ASSERT_EQUAL(q->user_u64, 8);
	CU_ASSERT_EQUAL(q->nhops, 2);
	CU_ASSERT_EQUAL(q->hops[1], 2);
	CU_ASSERT_EQUAL(pkt_tcp_mss(q), 1400);
	/* Independent copies: changing one leaves the other. */
	pkt_set_ip_src(q, IP(1, 2, 3, 4));
	CU_ASSERT_EQUAL(pkt_ip_src(p), IP(10, 0, 1, 5));
	uint8_t a[200], b[200];
	pkt_set_ip_src(q, IP(10, 0, 1, 5));
	CU_ASSERT_EQUAL(pkt_serialize(p, a, sizeof a), pkt_serialize(q, b, sizeof b));
	CU_ASSERT_EQUAL(memcmp(a, b, pkt_wire_len(p)), 0);
	pkt_free(p);
	pkt_free(q);
	pkt_pool_free(pool);
}

static void test_ip_text(void)
{
	char buf[16];
	uint32_t ip = 0;
	CU_ASSERT_STRING_EQUAL(pkt_ip_str(IP(10, 0, 1, 5), buf), "10.0.1.5");
	CU_ASSERT_STRING_EQUAL(pkt_ip_str(IP(255, 255, 255, 255), buf), "255.255.255.255");
	CU_ASSERT_STRING_EQUAL(pkt_ip_str(0, buf), "0.0.0.0");
	CU_ASSERT_STRING_EQUAL(pkt_ip_str(IP(100, 9, 10, 199), buf), "100.9.10.199");
	CU_ASSERT_TRUE(pkt_ip_parse("10.0.1.5", &ip));
	CU_ASSERT_EQUAL(ip, IP(10, 0, 1, 5));
	CU_ASSERT_TRUE(pkt_ip_parse("192.168.200.1", &ip));
	CU_ASSERT_EQUAL(ip, IP(192, 168, 200, 1));
	ip = 7;
	const char *bad[] = { "10.0.1", "256.1.1.1", "a.b.c.d", "10.0.1.5x", "", " 10.0.1.5",
	                      "10.0.1.5.6", "0x0a.0.0.1" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		CU_ASSERT_FALSE(pkt_ip_parse(bad[i], &ip));
	CU_ASSERT_EQUAL(ip, 7); /* untouched on failure */
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("pkt");
	CU_add_test(s, "TCP options: Linux's SYN, timestamps, SACK blocks", test_build_tcp_sack_ts);
	CU_add_test(s, "TCP options: remembered places read as a walk reads them", test_tcp_opts_remembered);
	CU_add_test(s, "build TCP from a template: pkt_build_tcp_opts's bytes", test_build_tcp_tmpl);
	CU_add_test(s, "checksum: RFC 1071 vector and naive sum", test_csum_rfc1071);
	CU_add_test(s, "checksum: IPv4 header worked example", test_ip_header_vector);
	CU_add_test(s, "build UDP", test_build_udp);
	CU_add_test(s, "build TCP, MSS option and clamping", test_build_tcp);
	CU_add_test(s, "build TCP, Window Scale option, NOP padding", test_build_tcp_wscale);
	CU_add_test(s, "setters and TTL keep the IP checksum", test_setters_keep_ip_csum);
	CU_add_test(s, "IP checksum updated in place: recomputation's bytes (RFC 1624)", test_ip_csum_incremental);
	CU_add_test(s, "serialize: TCP/UDP checksums", test_serialize_checksums);
	CU_add_test(s, "serialize: truncation", test_serialize_truncated);
	CU_add_test(s, "serialize: checksums over payload not produced", test_serialize_csum_uncaptured);
	CU_add_test(s, "serialize: cached checksum updated by rewrites (RFC 1624)", test_csum_incremental);
	CU_add_test(s, "pool reuse and counts", test_pool);
	CU_add_test(s, "hops", test_hops);
	CU_add_test(s, "message refcounts", test_msg_refs);
	CU_add_test(s, "message pool: size classes, reuse, outliving the pool", test_msg_pool);
	CU_add_test(s, "payload: head bytes and pattern", test_payload);
	CU_add_test(s, "clone", test_clone);
	CU_add_test(s, "IP text", test_ip_text);
}
