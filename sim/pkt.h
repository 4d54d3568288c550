/* \summary: packets: real Ethernet II / IPv4 / TCP / UDP header bytes plus metadata, from a pool */
#ifndef VPCSIM_PKT_H
#define VPCSIM_PKT_H

#include <stdint.h>
#include <glib.h>
#include "engine.h"

/*
 * A packet is its header bytes (Ethernet II + IPv4 without options + TCP with
 * up to 40 bytes of options, or UDP), a payload length, and a reference to
 * where the payload bytes come from.  Payload bytes are not stored: they are
 * produced by pkt_serialize() when a capture writes the packet, so a million
 * packets in flight cost their headers, not their payloads.
 *
 * The IPv4 header checksum is kept correct at all times (every setter below
 * updates it).  The TCP/UDP checksum covers the payload, so it is computed by
 * pkt_serialize() from the bytes it writes; inside `hdr` the field is 0.
 * The first serialization caches it (l4_csum) and address and port setters
 * update the cache incrementally (RFC 1624), so a packet's payload is summed
 * once however many captures and rewrites it meets.
 *
 * Addresses and ports are passed in host byte order; `hdr` is network order.
 * Header fields are read and written only through the helpers below, never by
 * casting structs over the buffer.
 */

#define PKT_ETH_LEN 14
#define PKT_IP_LEN 20
#define PKT_UDP_LEN 8
#define PKT_TCP_LEN 20
#define PKT_HDR_MAX (PKT_ETH_LEN + PKT_IP_LEN + 60)
#define PKT_MAX_HOPS 32
#define PKT_IP_MAX 65535 /* largest IPv4 total length */

#define PKT_PROTO_ICMP 1
#define PKT_PROTO_TCP 6
#define PKT_PROTO_UDP 17

/* pkt.flags: eight bits the models give meaning to (models/fabric.h);
 * the engine copies them and never reads them. */

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

/* pkt.tcp_ts_at and tcp_sack_at: the header has no such option. */
#define PKT_OPT_NONE 1

/* Where a packet's payload bytes come from: a reference-counted message
 * whose first bytes are real (`head`, e.g. HTTP headers) and whose remaining
 * bytes, up to `len`, are a deterministic printable pattern derived from
 * `seed` and the byte's offset.  A packet carries bytes [msg_off, msg_off +
 * payload_len) of its message. */
typedef struct pkt_msg pkt_msg;

/* A message whose bytes after the head are computed rather than a pattern
 * (a record layer framing another message: TLS records).  fill writes
 * bytes [off, off + n) (off at or beyond the head); free releases data. */
typedef struct {
	void (*fill)(const pkt_msg *m, uint64_t off, uint8_t *buf, uint32_t n);
	void (*free)(void *data);
} pkt_msg_ops;

struct pkt_msg {
	gint refs;
	uint32_t phase1;          /* 1 + the pattern's phase (pkt.c), 0 until needed */
	GBytes *head;             /* may be NULL; also NULL for a copied head */
	const uint8_t *head_data; /* the head's bytes (head's, or the copy), NULL if none */
	size_t head_len;
	uint64_t len; /* total length >= size of head */
	uint64_t seed;
	const pkt_msg_ops *ops; /* NULL: the pattern */
	void *data;             /* the ops'; the next free one while in its pool */
	struct pkt_pool *pool;  /* where it goes back when released, NULL: freed */
	uint32_t cls;           /* its size class in that pool */
	uint8_t copy[];         /* pkt_msg_new_copy()'s head */
};

/* Takes ownership of `head` (may be NULL); `len` is raised to the head's size
 * if smaller. */
pkt_msg *pkt_msg_new(GBytes *head, uint64_t len, uint64_t seed);
/* The same with a copy of n head bytes kept in the message itself, for a
 * head built in a scratch buffer (an HTTP request or answer).  From `pool`
 * when it is not NULL: released messages go back to it by size class (up
 * to PKT_MSG_POOLED head bytes) and are handed out again, so a run that
 * sends one message per request allocates none once warm. */
#define PKT_MSG_POOLED 2048
pkt_msg *pkt_msg_new_copy(struct pkt_pool *pool, const void *head, size_t n, uint64_t len,
                          uint64_t seed);
/* The same, with computed bytes after the head; takes `data`. */
pkt_msg *pkt_msg_new_ops(GBytes *head, uint64_t len, uint64_t seed, const pkt_msg_ops *ops,
                         void *data);
pkt_msg *pkt_msg_ref(pkt_msg *m);
void pkt_msg_unref(pkt_msg *m);
/* Writes bytes [off, off + n) of the message into buf. */
void pkt_msg_fill(const pkt_msg *m, uint64_t off, uint8_t *buf, uint32_t n);

typedef struct pkt_pool pkt_pool;

typedef struct pkt {
	struct pkt *next; /* free list while pooled; the owner's to use while live */
	pkt_pool *pool;
	uint64_t flow_id;
	sim_time birth;   /* when the packet was created */
	pkt_msg *msg;     /* NULL: a pattern derived from flow_id */
	uint64_t msg_off;
	void *user;       /* for the component that owns the packet right now */
	uint64_t user_u64;
	uint32_t payload_len;
	uint16_t hdr_len; /* bytes used in hdr: Ethernet + IP + L4 header */
	uint8_t l4_off;   /* offset of the TCP/UDP header in hdr */
	uint8_t nhops;    /* entries used in hops */
	uint8_t hops_overflow; /* TRUE if more than PKT_MAX_HOPS hops were pushed */
	uint8_t az;       /* where the packet is: 1 + AZ index, 0 = outside any AZ
	                     (the region's public network); kept by the fabric */
	uint8_t flags;    /* PKT_F_* of models/fabric.h */
	uint8_t l4_csum_ok; /* l4_csum holds the TCP/UDP checksum of the packet as it is
	                       (set by pkt_serialize, kept up to date by the setters) */
	uint16_t l4_csum;
	/* Where the TCP Timestamps and SACK options' values are in hdr, as
	 * the builder laid them out: 0 not known (the reader walks the
	 * options), PKT_OPT_NONE no such option, else the offset.  Every
	 * segment's receiver reads both; the walk was 7% of TCP's work. */
	uint8_t tcp_ts_at, tcp_sack_at;
	uint32_t az_from; /* the fabric's index of the component that put the packet
	                     in its AZ: cross-AZ transfer "out" is billed to it */
	uint32_t hops[PKT_MAX_HOPS]; /* node ids crossed, in order (32 bits: a
	                                scenario may have over 65,535 nodes) */
	/* When the packet reached and left each hop, and left its sender, in ns
	 * after birth (saturating at 4.29 s): the per-hop time breakdown of a
	 * request.  Valid up to nhops. */
	uint32_t hop_in[PKT_MAX_HOPS], hop_out[PKT_MAX_HOPS];
	uint32_t sent;
	uint8_t hdr[PKT_HDR_MAX];
} pkt;

/* Pool: packets are allocated in chunks and recycled, so the steady state
 * allocates nothing. */
pkt_pool *pkt_pool_new(void);
void pkt_pool_free(pkt_pool *pool); /* frees every chunk; live packets become invalid */
/* A packet with zeroed metadata and no headers (hdr_len 0). */
pkt *pkt_alloc(pkt_pool *pool);
/* Returns p to its pool, dropping its message reference.  NULL is ignored. */
void pkt_free(pkt *p);
/* A copy (headers, metadata, message reference) from the same pool. */
pkt *pkt_clone(const pkt *p);
size_t pkt_pool_live(const pkt_pool *pool);     /* allocated and not yet freed */
size_t pkt_pool_capacity(const pkt_pool *pool); /* packets the chunks hold */

/* What the builders need besides the payload. */
typedef struct {
	uint32_t src_ip, dst_ip; /* host order */
	uint16_t sport, dport;
	uint16_t ip_id;
	uint8_t ttl;             /* 0 means 64 */
	uint8_t dscp;
	gboolean df;             /* Don't Fragment */
} pkt_addrs;

/* Writes Ethernet (MACs zero until a link sets them), IPv4 and UDP headers. */
void pkt_build_udp(pkt *p, const pkt_addrs *a, uint32_t payload_len);
/* Most SACK blocks a header can hold: 4 alone, 3 beside a timestamp. */
#define PKT_TCP_SACK_MAX 4

/* The TCP options a builder can write. */
typedef struct {
	uint16_t mss;        /* > 0: Maximum Segment Size (kind 2) */
	gboolean has_wscale; /* Window Scale (kind 3, RFC 7323) with shift count `wscale` */
	uint8_t wscale;      /* written as given; RFC 7323 caps its use at 14, readers apply it */
	gboolean sack_perm;  /* SACK-permitted (kind 4, RFC 2018), for SYNs */
	gboolean has_ts;     /* Timestamps (kind 8, RFC 7323): TSval and TSecr */
	uint32_t ts_val, ts_ecr;
	uint8_t nsack;       /* SACK blocks (kind 5): left and right edges, wire numbers */
	uint32_t sack[PKT_TCP_SACK_MAX][2];
} pkt_tcp_opts;

/* Writes Ethernet, IPv4 and TCP headers.  `mss` > 0 adds an MSS option (for
 * SYNs); the header is padded to a multiple of 4 bytes. */
void pkt_build_tcp(pkt *p, const pkt_addrs *a, uint32_t seq, uint32_t ack,
                   uint8_t flags, uint16_t window, uint16_t mss, uint32_t payload_len);
/* The same with any of the options in `o` (NULL: none), laid out as
 * Linux's tcp_options_write does, each option ending on a 4-byte boundary:
 * MSS; SACK-permitted and Timestamps together (4,2,8,10: 12 bytes), or
 * NOP NOP Timestamps, or NOP NOP SACK-permitted; NOP Window Scale; NOP NOP
 * SACK with its blocks.  A Linux SYN (MSS, SACK_PERM, TS, NOP, WS) has a
 * 40-byte header; a segment with a timestamp, 32 bytes.  Blocks beyond
 * what 40 bytes of options hold are left out. */
void pkt_build_tcp_opts(pkt *p, const pkt_addrs *a, uint32_t seq, uint32_t ack, uint8_t flags,
                        uint16_t window, const pkt_tcp_opts *o, uint32_t payload_len);

/* A connection's segments share most of their header: addresses, ports,
 * TTL, DF.  A template holds those bytes (Ethernet, IPv4 and the first 20
 * bytes of TCP) and the IP checksum's sum over them, so that building a
 * segment is a copy and a few stores instead of writing every field. */
typedef struct {
	uint8_t hdr[PKT_ETH_LEN + PKT_IP_LEN + PKT_TCP_LEN];
	uint32_t ip_sum; /* the IPv4 header's fixed 16-bit words, summed */
} pkt_tcp_tmpl;

/* The template of segments from a (its ip_id is not used). */
void pkt_tcp_tmpl_init(pkt_tcp_tmpl *t, const pkt_addrs *a);
/* Writes exactly what pkt_build_tcp_opts() writes for the template's
 * pkt_addrs with `ip_id` (test_pkt compares the two). */
void pkt_build_tcp_tmpl(pkt *p, const pkt_tcp_tmpl *t, uint16_t ip_id, uint32_t seq, uint32_t ack,
                        uint8_t flags, uint16_t window, const pkt_tcp_opts *o, uint32_t payload_len);

/* Writes into `r` the RST that answers TCP segment `in` when nothing owns
 * it (RFC 9293 3.10.7.1): from in's destination to its source, with
 * seq = in's ack if in carries an ACK, else ACK of everything in occupied
 * (payload, SYN, FIN).  Nothing answers a RST: the caller checks. */
void pkt_build_rst_reply(pkt *r, const pkt *in, uint8_t ttl);

/* ICMP "destination unreachable" (type 3), code 4: "fragmentation needed
 * and DF set" (RFC 792, RFC 1191). */
#define PKT_ICMP_UNREACH 3
#define PKT_ICMP_FRAG_NEEDED 4

/* Writes an ICMP "fragmentation needed" from `src` to the source of `orig`,
 * the packet that did not fit: its next-hop MTU field (RFC 1191) is `mtu`,
 * and it quotes orig's IP header and the first 8 bytes of what follows
 * (RFC 792: ports and, for TCP, the sequence number).  The whole message is
 * header bytes, so its checksum is computed here.  DF clear, TTL 64. */
void pkt_build_icmp_frag_needed(pkt *p, const pkt *orig, uint32_t src, uint16_t mtu);

/* What an ICMP error says about the packet it quotes. */
typedef struct {
	uint8_t type, code;
	uint16_t mtu;            /* next-hop MTU (type 3 code 4), else 0 */
	uint8_t proto;           /* the quoted packet's */
	uint32_t src_ip, dst_ip; /* host order */
	uint16_t sport, dport;
	uint32_t seq;            /* TCP: the quoted sequence number */
} pkt_icmp_err;

/* TRUE and `e` filled when p is an ICMP destination-unreachable message
 * that quotes an IPv4 header and 8 bytes after it. */
gboolean pkt_icmp_error(const pkt *p, pkt_icmp_err *e);
/* Rewrites the quoted packet's source address and port (a NAT translating
 * an error back to the host that sent the packet), and the ICMP checksum. */
void pkt_icmp_set_quoted_src(pkt *p, uint32_t ip, uint16_t port);

/* Frame length on the wire without preamble and FCS: hdr_len + payload. */
static inline uint32_t pkt_wire_len(const pkt *p) { return (uint32_t)p->hdr_len + p->payload_len; }
/* IPv4 total length. */
static inline uint32_t pkt_ip_len(const pkt *p) { return pkt_wire_len(p) - PKT_ETH_LEN; }

void pkt_set_macs(pkt *p, const uint8_t src[6], const uint8_t dst[6]);

uint8_t pkt_proto(const pkt *p);
uint32_t pkt_ip_src(const pkt *p);
uint32_t pkt_ip_dst(const pkt *p);
uint8_t pkt_ttl(const pkt *p);
gboolean pkt_df(const pkt *p);
uint16_t pkt_sport(const pkt *p);
uint16_t pkt_dport(const pkt *p);
void pkt_set_ip_src(pkt *p, uint32_t ip); /* update the IP checksum */
void pkt_set_ip_dst(pkt *p, uint32_t ip);
void pkt_set_sport(pkt *p, uint16_t port);
void pkt_set_dport(pkt *p, uint16_t port);
/* Decrements the TTL (updating the checksum); returns the new TTL. */
uint8_t pkt_dec_ttl(pkt *p);

uint32_t pkt_tcp_seq(const pkt *p);
uint32_t pkt_tcp_ack(const pkt *p);
uint8_t pkt_tcp_flags(const pkt *p);
uint16_t pkt_tcp_window(const pkt *p);
uint16_t pkt_tcp_mss(const pkt *p); /* the MSS option's value, 0 if none */
/* The Window Scale option's shift count as written (not capped at 14), -1
 * if the header has none. */
int pkt_tcp_wscale(const pkt *p);
void pkt_set_tcp_mss(pkt *p, uint16_t mss); /* rewrite an existing MSS option (clamping) */
gboolean pkt_tcp_sack_perm(const pkt *p);   /* the SACK-permitted option is present */
/* The Timestamps option: TRUE and its values if present. */
gboolean pkt_tcp_ts(const pkt *p, uint32_t *val, uint32_t *ecr);
/* The SACK option's blocks (wire left and right edges) into `blocks`;
 * returns how many (0 if none, at most PKT_TCP_SACK_MAX). */
guint pkt_tcp_sack(const pkt *p, uint32_t blocks[PKT_TCP_SACK_MAX][2]);
/* These two take the options' places from tcp_ts_at and tcp_sack_at when
 * the builder set them (the answer a walk of the options gives, which
 * tests/test_pkt.c checks), else walk the options.  The setters above
 * and pkt_set_tcp_mss() move no option; code that writes option bytes
 * into hdr itself (tests do) calls this first. */
static inline void pkt_tcp_opts_changed(pkt *p) { p->tcp_ts_at = p->tcp_sack_at = 0; }

/* Records that the packet crossed node `node_id`. */
static inline uint32_t pkt__since_birth(const pkt *p, sim_time now)
{
	sim_time d = now - p->birth;
	return d < 0 ? 0 : d > (sim_time)UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* Records that the packet reached node `node_id` at `now`. */
static inline void pkt_hop_push(pkt *p, uint32_t node_id, sim_time now)
{
	if (p->nhops < PKT_MAX_HOPS) {
		p->hop_in[p->nhops] = pkt__since_birth(p, now);
		p->hop_out[p->nhops] = p->hop_in[p->nhops];
		p->hops[p->nhops++] = node_id;
	} else {
		p->hops_overflow = 1;
	}
}

/* Records that the packet leaves its current hop (or its sender) at `now`. */
static inline void pkt_hop_leave(pkt *p, sim_time now)
{
	if (p->nhops == 0)
		p->sent = pkt__since_birth(p, now);
	else if (!p->hops_overflow)
		p->hop_out[p->nhops - 1] = pkt__since_birth(p, now);
}

/* Writes the whole frame (headers, then payload bytes from the message or
 * the flow pattern) into buf, which holds cap bytes, with the TCP/UDP checksum
 * computed over the pseudo-header and the bytes written.  Returns the frame
 * length; if cap is smaller, writes the first cap bytes (with a correct
 * checksum for the full frame) and still returns the full length. */
uint32_t pkt_serialize(const pkt *p, uint8_t *buf, uint32_t cap);

/* The Internet checksum (RFC 1071) helpers, exposed for tests. */
uint32_t pkt_csum_add(uint32_t sum, const uint8_t *data, size_t len);
uint16_t pkt_csum_fold(uint32_t sum);

/* "10.0.1.5" into buf (16 bytes); and back (FALSE if not a dotted quad). */
const char *pkt_ip_str(uint32_t ip, char buf[16]);
gboolean pkt_ip_parse(const char *text, uint32_t *ip);

#endif
