/* \summary: packets: pooled header bytes, Internet checksums, payload patterns, serialization */
#include "pkt.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

/*
 * Header layout (offsets into pkt.hdr):
 *
 *   0  Ethernet II: dst MAC, src MAC, ethertype 0x0800
 *  14  IPv4, no options (IHL 5)
 *  34  TCP (20 bytes plus options) or UDP (8 bytes); pkt.l4_off says where
 *
 * Fields are read and written with the big-endian helpers below, never through
 * struct casts, so alignment and byte order never depend on the host.
 *
 * The IPv4 checksum is recomputed over the whole 20-byte header whenever a
 * setter changes a covered field.  RFC 1624's incremental update would touch
 * fewer bytes, but ten 16-bit additions are already cheaper than the branch
 * logic, and a full recompute cannot drift if a header was ever wrong.
 */

#define ETH_TYPE 12
#define IPH_OFF PKT_ETH_LEN
#define IPH_TOS (IPH_OFF + 1)
#define IPH_TOTLEN (IPH_OFF + 2)
#define IPH_ID (IPH_OFF + 4)
#define IPH_FRAG (IPH_OFF + 6)
#define IPH_TTL (IPH_OFF + 8)
#define IPH_PROTO (IPH_OFF + 9)
#define IPH_CSUM (IPH_OFF + 10)
#define IPH_SRC (IPH_OFF + 12)
#define IPH_DST (IPH_OFF + 16)
#define L4_OFF (PKT_ETH_LEN + PKT_IP_LEN)

/* Offsets inside the TCP/UDP header. */
#define TCP_SEQ 4
#define TCP_ACK 8
#define TCP_DOFF 12
#define TCP_FLAGS 13
#define TCP_WIN 14
#define TCP_CSUM 16
#define UDP_LEN 4
#define UDP_CSUM 6

/* Chunks grow from POOL_FIRST packets to POOL_CHUNK: a short run (a sweep
 * point, a test) touches a few kilobytes of packets instead of clearing
 * half a megabyte it never uses. */
#define POOL_FIRST 64
#define POOL_CHUNK 1024

static inline uint16_t rd16(const uint8_t *b) { return (uint16_t)((b[0] << 8) | b[1]); }
static inline uint32_t rd32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
/* Stores go through memcpy, a byte swap and a move each: GCC assembled
 * byte-wise stores of a segment's sequence and acknowledgment numbers from
 * 40 shifts and ors.  (Loads it recognises either way; written byte-wise,
 * they leave the inlining of their callers as it was.) */
static inline void wr16(uint8_t *b, uint16_t v)
{
	v = GUINT16_TO_BE(v);
	memcpy(b, &v, 2);
}
static inline void wr32(uint8_t *b, uint32_t v)
{
	v = GUINT32_TO_BE(v);
	memcpy(b, &v, 4);
}

/* ---- checksums ---- */

/*
 * pkt_csum_add() adds data to a running one's-complement sum kept in 32
 * bits; pkt_csum_fold() folds the carries back in and complements, giving the
 * value to store in a checksum field (like Linux's csum_fold).  Summing a
 * header that already holds its correct checksum therefore folds to 0.
 *
 * The data is summed 8 bytes at a time in the machine's own byte order,
 * as 64-bit words with end-around carry (a carry out of the top is added
 * back at the bottom, the one's complement sum in 64 bits): 2^64 is
 * congruent to 1 modulo 0xFFFF, which divides 2^64 - 1, so the sum keeps
 * what the 16-bit one keeps, and a 64-bit word is congruent to the sum of
 * its four 16-bit words.  The sum of byte-swapped 16-bit words is the
 * byte-swapped sum (RFC 1071, section 2), so the folded 16-bit sum is
 * swapped once to the network's order and added to the running one.  The
 * result differs from a big-endian word-by-word sum only by multiples of
 * 0xFFFF, and is zero only when that is (an end-around carry never
 * leaves 0 behind), so pkt_csum_fold() gives the same value.  The loop
 * takes 32 bytes a turn (an add and an add-with-carry per word).  An odd
 * length pads the last byte with a zero on the right (in the network's
 * order), so when data is summed in pieces every piece but the last must
 * have an even length.
 */
static inline uint64_t csum_eac(uint64_t acc, uint64_t w)
{
	acc += w;
	return acc + (acc < w);
}

uint32_t pkt_csum_add(uint32_t sum, const uint8_t *data, size_t len)
{
	uint64_t acc = 0;
	size_t i = 0;
	for (; i + 32 <= len; i += 32) {
		uint64_t w0, w1, w2, w3;
		memcpy(&w0, data + i, 8);
		memcpy(&w1, data + i + 8, 8);
		memcpy(&w2, data + i + 16, 8);
		memcpy(&w3, data + i + 24, 8);
		acc = csum_eac(acc, w0);
		acc = csum_eac(acc, w1);
		acc = csum_eac(acc, w2);
		acc = csum_eac(acc, w3);
	}
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, data + i, 8);
		acc = csum_eac(acc, w);
	}
	if (i + 4 <= len) {
		uint32_t w;
		memcpy(&w, data + i, 4);
		acc = csum_eac(acc, w);
		i += 4;
	}
	if (i + 2 <= len) {
		uint16_t w;
		memcpy(&w, data + i, 2);
		acc = csum_eac(acc, w);
		i += 2;
	}
	if (i < len) {
		const uint8_t pad[2] = { data[i], 0 };
		uint16_t w;
		memcpy(&w, pad, 2);
		acc = csum_eac(acc, w);
	}
	acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
	while (acc >> 16)
		acc = (acc & 0xFFFF) + (acc >> 16);
	uint64_t t = (uint64_t)sum + GUINT16_FROM_BE((uint16_t)acc);
	while (t >> 32)
		t = (t & 0xFFFFFFFFu) + (t >> 32);
	return (uint32_t)t;
}

uint16_t pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The IPv4 header's checksum, computed when the header is built (later
 * changes update it: ip_csum_replace()): pkt_csum_add() unrolled for its
 * 20 bytes (five words in the machine's order, folded, swapped once),
 * without the call. */
static void ip_csum_update(pkt *p)
{
	G_STATIC_ASSERT(PKT_IP_LEN == 20);
	uint8_t *h = p->hdr + IPH_OFF;
	wr16(p->hdr + IPH_CSUM, 0);
	uint32_t w[5];
	memcpy(w, h, sizeof w);
	uint64_t acc = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	while (acc >> 16)
		acc = (acc & 0xFFFF) + (acc >> 16);
	wr16(p->hdr + IPH_CSUM, pkt_csum_fold(GUINT16_FROM_BE((uint16_t)acc)));
}

/* A checksum after a change of one 32-bit word it covers (two 16-bit
 * words, as rd32() reads them; a 16-bit word: 0 and the word) from
 * old_words to new_words, by RFC 1624's HC' = ~(~HC + ~m + m');
 * ip_csum_replace() applies it to the IPv4 header, reading and writing
 * only the checksum field.  pkt_dec_ttl() and the address
 * setters, on every hop, used to recompute it: reading back the 20 bytes
 * just stored, which the CPU cannot forward from the narrower stores, so
 * each waited for them to reach the cache.  The same value as
 * recomputing: ~HC, the sum of a header not all zero, lies in 1..0xFFFF;
 * so does every end-around-carry sum that starts from it, and those are
 * one value per residue modulo 0xFFFF (tests/test_pkt.c compares them). */
static inline uint16_t csum_replace(uint16_t csum, uint32_t old_words, uint32_t new_words)
{
	/* Each argument holds two 16-bit words (a port: 0 and the port). */
	return pkt_csum_fold((uint16_t)~csum + (0xFFFFu - (old_words >> 16)) + (0xFFFFu - (old_words & 0xFFFF)) +
	                     (new_words >> 16) + (new_words & 0xFFFF));
}

static inline void ip_csum_replace(pkt *p, uint32_t old_words, uint32_t new_words)
{
	wr16(p->hdr + IPH_CSUM, csum_replace(rd16(p->hdr + IPH_CSUM), old_words, new_words));
}

/* ---- messages and the payload pattern ---- */

/*
 * The pattern is a fixed table of PATTERN_LEN printable characters (0x21 to
 * 0x7e, no spaces, so tools never trim it) read cyclically from a phase
 * derived from the seed: byte `off` of a message is
 * table[(phase(seed) + off) mod PATTERN_LEN].  Filling is then a memcpy
 * per PATTERN_LEN bytes (the table is stored twice over, so a copy starting
 * anywhere in the first runs on without wrapping), which is what lets
 * captures be written at memory speed.  A message computes its phase once,
 * when its pattern is first read (pkt_msg.phase1).
 * PATTERN_LEN is prime so that periodic things in a run (segment sizes) do not
 * line up with the pattern's period.  Different seeds give shifted copies of
 * one sequence rather than independent ones; that is enough to tell flows
 * apart in a capture and to check reassembly, which is all the bytes are for.
 */
#define PATTERN_LEN 4093

static uint8_t pattern[2 * PATTERN_LEN];
/* Prefix sums of the pattern as the checksum weighs it: pattern_sum[a][k]
 * is the sum over j < k of pattern[j] << 8 when j + a is even (a high byte
 * of a 16-bit word), else pattern[j].  The checksum of any run of generated
 * bytes is then two lookups per pass over the table (pattern_csum()). */
static uint64_t pattern_sum[2][PATTERN_LEN + 1];
static gsize pattern_ready;

static void pattern_init(void)
{
	if (g_once_init_enter(&pattern_ready)) {
		/* A fixed xorshift generator, not the run's RNG streams: the bytes
		 * must not depend on seeds or on the order modules start in. */
		uint32_t x = 2463534242u;
		for (size_t i = 0; i < PATTERN_LEN; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			pattern[i] = (uint8_t)(0x21 + (x >> 8) % (0x7f - 0x21));
		}
		memcpy(pattern + PATTERN_LEN, pattern, PATTERN_LEN);
		for (int a = 0; a < 2; a++)
			for (size_t i = 0; i < PATTERN_LEN; i++)
				pattern_sum[a][i + 1] = pattern_sum[a][i] +
				                        ((uint64_t)pattern[i] << (((i + (size_t)a) & 1) ? 0 : 8));
		g_once_init_leave(&pattern_ready, 1);
	}
}

static inline uint32_t pattern_phase(uint64_t seed)
{
	/* splitmix64's finalizer: nearby seeds (flow ids 1, 2, 3) land far apart. */
	uint64_t z = seed + UINT64_C(0x9E3779B97F4A7C15);
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	z ^= z >> 31;
	return (uint32_t)(z % PATTERN_LEN);
}

/* The table position of byte `off` for a phase. */
static inline uint32_t pattern_pos(uint32_t phase, uint64_t off)
{
	uint32_t pos = phase + (uint32_t)(off % PATTERN_LEN);
	return pos >= PATTERN_LEN ? pos - PATTERN_LEN : pos;
}

/* The phase of m's pattern, computed at the first call. */
static inline uint32_t msg_phase(const pkt_msg *m)
{
	/* A cache, not part of the message's value (as pkt.l4_csum is). */
	if (G_UNLIKELY(m->phase1 == 0))
		((pkt_msg *)m)->phase1 = 1 + pattern_phase(m->seed);
	return m->phase1 - 1;
}

/* n bytes from s to d (not overlapping).  Up to 128 bytes inline, as two
 * moves of 64, 32, 16, 8, 4 or 2 bytes, the first at the start and the
 * second ending at n, which overlap; longer copies go to memcpy.  A
 * capture record copies two or three such pieces (the header, a
 * message's head bytes, the pattern), each a call into the C library
 * before.  Reads and writes only [0, n). */
static inline void copy_bytes(uint8_t *restrict d, const uint8_t *restrict s, uint32_t n)
{
	if (n > 128) {
		memcpy(d, s, n);
	} else if (n > 64) {
		memcpy(d, s, 64);
		memcpy(d + n - 64, s + n - 64, 64);
	} else if (n > 32) {
		memcpy(d, s, 32);
		memcpy(d + n - 32, s + n - 32, 32);
	} else if (n >= 16) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n >= 2) {
		memcpy(d, s, 2);
		memcpy(d + n - 2, s + n - 2, 2);
	} else if (n) {
		d[0] = s[0];
	}
}

static void pattern_fill(uint32_t phase, uint64_t off, uint8_t *buf, uint32_t n)
{
	pattern_init();
	const uint8_t *from = pattern + pattern_pos(phase, off);
	while (n) {
		uint32_t k = MIN(n, (uint32_t)PATTERN_LEN);
		copy_bytes(buf, from, k);
		buf += k;
		n -= k;
	}
}

/*
 * The one's-complement sum (not folded; congruent modulo 0xFFFF, which is
 * all a checksum keeps) of generated bytes [off, off + n) of seed's pattern,
 * the first of them a high byte when `high`.  A pass over the table is one
 * subtraction of prefix sums, so a packet costs a few whatever its size
 * (the table is 4093 bytes; a 9001-byte jumbo frame spans four passes).
 */
static uint64_t pattern_csum(uint32_t phase, uint64_t off, uint64_t n, gboolean high)
{
	pattern_init();
	uint32_t pos = pattern_pos(phase, off);
	uint64_t acc = 0;
	while (n) {
		uint32_t k = (uint32_t)MIN(n, (uint64_t)(PATTERN_LEN - pos));
		/* Byte j of the table is high when (j + a) is even: a = pos's
		 * parity for a high first byte, the other one for a low. */
		int a = (int)((pos + (high ? 0u : 1u)) & 1u);
		acc += pattern_sum[a][pos + k] - pattern_sum[a][pos];
		if (k & 1)
			high = !high;
		n -= k;
		pos = 0;
	}
	return acc;
}

static pkt_msg *msg_init(pkt_msg *m, GBytes *head, const uint8_t *data, size_t n, uint64_t len,
                         uint64_t seed)
{
	m->refs = 1;
	m->phase1 = 0;
	m->head = head;
	m->head_data = n ? data : NULL;
	m->head_len = n;
	m->seed = seed;
	m->len = MAX(len, (uint64_t)n);
	m->ops = NULL;
	m->data = NULL;
	return m;
}

pkt_msg *pkt_msg_new(GBytes *head, uint64_t len, uint64_t seed)
{
	gsize n = 0;
	const uint8_t *data = head ? g_bytes_get_data(head, &n) : NULL;
	pkt_msg *m = g_new(pkt_msg, 1);
	m->pool = NULL;
	m->cls = 0;
	return msg_init(m, head, data, n, len, seed);
}

static pkt_msg *msg_take(pkt_pool *pool, size_t n);
static void msg_give_back(pkt_msg *m);

pkt_msg *pkt_msg_new_copy(pkt_pool *pool, const void *head, size_t n, uint64_t len, uint64_t seed)
{
	g_return_val_if_fail(head != NULL || n == 0, NULL);
	pkt_msg *m = pool && n <= PKT_MSG_POOLED ? msg_take(pool, n) : NULL;
	if (!m) {
		m = g_malloc(sizeof(pkt_msg) + n);
		m->pool = NULL;
		m->cls = 0;
	}
	if (n)
		memcpy(m->copy, head, n);
	return msg_init(m, NULL, m->copy, n, len, seed);
}

pkt_msg *pkt_msg_new_ops(GBytes *head, uint64_t len, uint64_t seed, const pkt_msg_ops *ops,
                         void *data)
{
	g_return_val_if_fail(ops != NULL && ops->fill != NULL, NULL);
	pkt_msg *m = pkt_msg_new(head, len, seed);
	m->ops = ops;
	m->data = data;
	return m;
}

pkt_msg *pkt_msg_ref(pkt_msg *m)
{
	g_return_val_if_fail(m != NULL && m->refs > 0, m);
	/* Plain counts: the simulator is single-threaded. */
	m->refs++;
	return m;
}

void pkt_msg_unref(pkt_msg *m)
{
	if (!m)
		return;
	g_return_if_fail(m->refs > 0);
	if (--m->refs == 0) {
		if (m->head)
			g_bytes_unref(m->head);
		if (m->ops && m->ops->free)
			m->ops->free(m->data);
		if (m->pool)
			msg_give_back(m);
		else
			g_free(m);
	}
}

/* pkt_msg_fill() without its argument check, inlined into payload_fill()
 * (every capture record) as well. */
static inline void msg_fill(const pkt_msg *m, uint64_t off, uint8_t *buf, uint32_t n)
{
	/* Reading past len is allowed (a sender may resend a byte range that
	 * straddles the end): those bytes simply continue the pattern. */
	if (off < m->head_len) {
		uint32_t k = (uint32_t)MIN((uint64_t)n, m->head_len - off);
		copy_bytes(buf, m->head_data + off, k);
		buf += k;
		off += k;
		n -= k;
	}
	if (n && m->ops)
		m->ops->fill(m, off, buf, n);
	else if (n)
		pattern_fill(msg_phase(m), off, buf, n);
}

void pkt_msg_fill(const pkt_msg *m, uint64_t off, uint8_t *buf, uint32_t n)
{
	g_return_if_fail(m != NULL);
	msg_fill(m, off, buf, n);
}

/* Payload bytes [from, from + n) of p. */
static void payload_fill(const pkt *p, uint32_t from, uint8_t *buf, uint32_t n)
{
	if (p->msg)
		msg_fill(p->msg, p->msg_off + from, buf, n);
	else
		pattern_fill(pattern_phase(p->flow_id), p->msg_off + from, buf, n);
}

/* Adds a 64-bit accumulation into a running 32-bit sum (pkt_csum_add's). */
static uint32_t csum_add64(uint32_t sum, uint64_t acc)
{
	acc += sum;
	while (acc >> 32)
		acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
	return (uint32_t)acc;
}

/* The checksum sum of payload bytes [0, n) of p, as pkt_csum_add() over
 * them would give (congruent modulo 0xFFFF): a message's real bytes are
 * summed, its generated ones come from pattern_csum() without being
 * produced. */
static uint32_t payload_csum(const pkt *p, uint32_t n)
{
	uint32_t sum = 0;
	uint64_t off = p->msg_off;
	uint32_t phase = p->msg ? msg_phase(p->msg) : pattern_phase(p->flow_id);
	uint32_t real = 0;
	if (p->msg && p->msg->head_len) {
		size_t hlen = p->msg->head_len;
		const uint8_t *h = p->msg->head_data;
		if (off < hlen) {
			real = (uint32_t)MIN((uint64_t)n, hlen - off);
			/* An odd count pads its last byte as a high one, which is
			 * where it sits; the next byte is then a low one. */
			sum = pkt_csum_add(0, h + off, real);
		}
	}
	if (real < n && p->msg && p->msg->ops) {
		/* Computed bytes are summed as they are made, in even chunks
		 * after an odd head byte (then the first chunk starts low). */
		uint8_t buf[2048];
		uint32_t at = real;
		if (at & 1) {
			p->msg->ops->fill(p->msg, off + at, buf, 1);
			sum = csum_add64(sum, buf[0]);
			at++;
		}
		while (at < n) {
			uint32_t k = MIN(n - at, (uint32_t)sizeof buf);
			p->msg->ops->fill(p->msg, off + at, buf, k);
			sum = pkt_csum_add(sum, buf, k);
			at += k;
		}
	} else if (real < n) {
		sum = csum_add64(sum, pattern_csum(phase, off + real, n - real, (real & 1) == 0));
	}
	return sum;
}

/* ---- pool ---- */

/*
 * Chunks of chunk_size() packets with a free list threaded through `next`.  A
 * pooled packet has pool == NULL; a live one points at its pool.  That marks
 * live packets for pkt_pool_free() (so it can drop their message references)
 * and catches double frees.
 */
/* Message size classes: heads of up to MSG_CLASS0 << c bytes. */
#define MSG_CLASS0 128
#define MSG_CLASSES 5
G_STATIC_ASSERT((MSG_CLASS0 << (MSG_CLASSES - 1)) == PKT_MSG_POOLED);

struct pkt_pool {
	GPtrArray *chunks;
	pkt *free;
	size_t live;
	size_t capacity;
	/* Released messages by size class, linked through pkt_msg.data. */
	pkt_msg *msg_free[MSG_CLASSES];
	size_t msgs_out;  /* messages of the pool not released yet */
	gboolean closed;  /* pkt_pool_free() ran: the last message out frees the pool */
};

static size_t chunk_size(guint c)
{
	return MIN((size_t)POOL_FIRST << MIN(c, 8u), (size_t)POOL_CHUNK);
}

pkt_pool *pkt_pool_new(void)
{
	pkt_pool *pool = g_new0(pkt_pool, 1);
	pool->chunks = g_ptr_array_new();
	return pool;
}

void pkt_pool_free(pkt_pool *pool)
{
	if (!pool)
		return;
	for (guint c = 0; c < pool->chunks->len; c++) {
		pkt *chunk = g_ptr_array_index(pool->chunks, c);
		for (size_t i = 0; i < chunk_size(c); i++)
			if (chunk[i].pool)
				pkt_msg_unref(chunk[i].msg);
		g_free(chunk);
	}
	g_ptr_array_free(pool->chunks, TRUE);
	pool->chunks = NULL;
	for (int c = 0; c < MSG_CLASSES; c++) {
		while (pool->msg_free[c]) {
			pkt_msg *m = pool->msg_free[c];
			pool->msg_free[c] = m->data;
			g_free(m);
		}
	}
	/* Messages still referenced elsewhere come back to a closed pool,
	 * which frees them, and itself with the last. */
	pool->closed = TRUE;
	if (pool->msgs_out == 0)
		g_free(pool);
}

static pkt_msg *msg_take(pkt_pool *pool, size_t n)
{
	if (pool->closed)
		return NULL;
	uint32_t c = 0;
	while ((size_t)MSG_CLASS0 << c < n)
		c++;
	pkt_msg *m = pool->msg_free[c];
	if (m)
		pool->msg_free[c] = m->data;
	else
		m = g_malloc(sizeof(pkt_msg) + ((size_t)MSG_CLASS0 << c));
	m->pool = pool;
	m->cls = c;
	pool->msgs_out++;
	return m;
}

static void msg_give_back(pkt_msg *m)
{
	pkt_pool *pool = m->pool;
	pool->msgs_out--;
	if (pool->closed) {
		g_free(m);
		if (pool->msgs_out == 0)
			g_free(pool);
		return;
	}
	m->data = pool->msg_free[m->cls];
	pool->msg_free[m->cls] = m;
}

static void pool_grow(pkt_pool *pool)
{
	/* Zeroed, so packets never handed out read as pooled (pool == NULL) and
	 * no uninitialised byte ever reaches a capture. */
	size_t n = chunk_size(pool->chunks->len);
	pkt *chunk = g_new0(pkt, n);
	g_ptr_array_add(pool->chunks, chunk);
	/* Threaded back to front so packets are handed out in address order. */
	for (size_t i = n; i-- > 0;) {
		chunk[i].next = pool->free;
		pool->free = &chunk[i];
	}
	pool->capacity += n;
}

pkt *pkt_alloc(pkt_pool *pool)
{
	g_return_val_if_fail(pool != NULL, NULL);
	if (!pool->free)
		pool_grow(pool);
	pkt *p = pool->free;
	pool->free = p->next;
	/* Only the metadata before hops is cleared (about 70 of the 230 bytes):
	 * hops and hdr are meaningful only up to nhops and hdr_len, both now 0. */
	memset(p, 0, offsetof(pkt, hops));
	p->pool = pool;
	pool->live++;
	return p;
}

void pkt_free(pkt *p)
{
	if (!p)
		return;
	pkt_pool *pool = p->pool;
	g_return_if_fail(pool != NULL); /* a double free */
	pkt_msg_unref(p->msg);
	p->msg = NULL;
	p->pool = NULL;
	p->next = pool->free;
	pool->free = p;
	pool->live--;
}

pkt *pkt_clone(const pkt *p)
{
	g_return_val_if_fail(p != NULL && p->pool != NULL, NULL);
	pkt *q = pkt_alloc(p->pool);
	memcpy(q, p, offsetof(pkt, hops));
	q->next = NULL;
	memcpy(q->hops, p->hops, p->nhops * sizeof p->hops[0]);
	memcpy(q->hop_in, p->hop_in, p->nhops * sizeof p->hop_in[0]);
	memcpy(q->hop_out, p->hop_out, p->nhops * sizeof p->hop_out[0]);
	q->sent = p->sent;
	memcpy(q->hdr, p->hdr, p->hdr_len);
	if (q->msg)
		pkt_msg_ref(q->msg);
	return q;
}

size_t pkt_pool_live(const pkt_pool *pool) { return pool->live; }
size_t pkt_pool_capacity(const pkt_pool *pool) { return pool->capacity; }

/* ---- builders ---- */

static void build_eth_ip(pkt *p, const pkt_addrs *a, uint8_t proto, uint32_t l4_len,
                         uint32_t payload_len)
{
	p->l4_csum_ok = 0;
	pkt_tcp_opts_changed(p);
	uint8_t *h = p->hdr;
	memset(h, 0, PKT_ETH_LEN + PKT_IP_LEN);
	wr16(h + ETH_TYPE, 0x0800);
	h[IPH_OFF] = 0x45; /* version 4, IHL 5 */
	h[IPH_TOS] = (uint8_t)(a->dscp << 2); /* ECN bits 0: not ECN-capable */
	wr16(h + IPH_TOTLEN, (uint16_t)(PKT_IP_LEN + l4_len + payload_len));
	wr16(h + IPH_ID, a->ip_id);
	wr16(h + IPH_FRAG, a->df ? 0x4000 : 0);
	h[IPH_TTL] = a->ttl ? a->ttl : 64;
	h[IPH_PROTO] = proto;
	wr32(h + IPH_SRC, a->src_ip);
	wr32(h + IPH_DST, a->dst_ip);
	ip_csum_update(p);
	p->l4_off = L4_OFF;
	p->hdr_len = (uint16_t)(L4_OFF + l4_len);
	p->payload_len = payload_len;
}

void pkt_build_udp(pkt *p, const pkt_addrs *a, uint32_t payload_len)
{
	g_return_if_fail(p != NULL && a != NULL);
	g_return_if_fail(payload_len <= PKT_IP_MAX - PKT_IP_LEN - PKT_UDP_LEN);
	build_eth_ip(p, a, PKT_PROTO_UDP, PKT_UDP_LEN, payload_len);
	uint8_t *u = p->hdr + L4_OFF;
	wr16(u, a->sport);
	wr16(u + 2, a->dport);
	wr16(u + UDP_LEN, (uint16_t)(PKT_UDP_LEN + payload_len));
	wr16(u + UDP_CSUM, 0);
}

void pkt_build_rst_reply(pkt *r, const pkt *in, uint8_t ttl)
{
	uint8_t fl = pkt_tcp_flags(in);
	pkt_addrs a = { .src_ip = pkt_ip_dst(in), .dst_ip = pkt_ip_src(in), .sport = pkt_dport(in),
		        .dport = pkt_sport(in), .ttl = ttl, .df = TRUE };
	if (fl & PKT_TCP_ACK) {
		pkt_build_tcp(r, &a, pkt_tcp_ack(in), 0, PKT_TCP_RST, 0, 0, 0);
	} else {
		uint32_t used = in->payload_len + ((fl & PKT_TCP_SYN) ? 1 : 0) + ((fl & PKT_TCP_FIN) ? 1 : 0);
		pkt_build_tcp(r, &a, 0, pkt_tcp_seq(in) + used, PKT_TCP_RST | PKT_TCP_ACK, 0, 0, 0);
	}
}

/* The TCP header's length for options `o` (NULL: none) and the SACK blocks
 * of o that fit in it (*nsack). */
static uint32_t tcp_hdr_len(const pkt_tcp_opts *o, guint *nsack_out)
{
	*nsack_out = 0;
	if (!o)
		return PKT_TCP_LEN;
	/* MSS is 4 bytes; Window Scale is 3, preceded by a NOP; SACK-permitted
	 * (2) shares 12 bytes with Timestamps (10) or takes 4 with two NOPs,
	 * as Linux writes them (Wireshark reads either). */
	uint32_t tcp_len = PKT_TCP_LEN + (o->mss ? 4 : 0) + (o->has_ts ? 12 : o->sack_perm ? 4 : 0) +
	                   (o->has_wscale ? 4 : 0);
	guint nsack = MIN(o->nsack, (guint)PKT_TCP_SACK_MAX);
	while (nsack > 0 && tcp_len + 4 + 8 * nsack > PKT_TCP_LEN + 40)
		nsack--;
	if (nsack)
		tcp_len += 4 + 8 * nsack;
	*nsack_out = nsack;
	return tcp_len;
}

/* Writes the TCP header after the ports (which are in place), with the
 * options of o that tcp_hdr_len() measured, and records where the
 * Timestamps and SACK options went.  Inline: out of line, its call (eight
 * arguments, two on the stack) cost 30 instructions a segment. */
static inline void tcp_hdr_write(pkt *p, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window,
                          const pkt_tcp_opts *o, uint32_t tcp_len, guint nsack)
{
	uint8_t *t = p->hdr + L4_OFF;
	wr32(t + TCP_SEQ, seq);
	wr32(t + TCP_ACK, ack);
	t[TCP_DOFF] = (uint8_t)((tcp_len / 4) << 4);
	t[TCP_FLAGS] = flags;
	wr16(t + TCP_WIN, window);
	wr16(t + TCP_CSUM, 0);
	wr16(t + 18, 0); /* urgent pointer */
	p->tcp_ts_at = p->tcp_sack_at = PKT_OPT_NONE;
	if (!o)
		return;
	uint8_t *opt = t + PKT_TCP_LEN;
	if (o->mss) {
		opt[0] = 2; /* kind: MSS */
		opt[1] = 4; /* length */
		wr16(opt + 2, o->mss);
		opt += 4;
	}
	if (o->has_ts) {
		if (o->sack_perm) {
			opt[0] = 4; /* kind: SACK-permitted */
			opt[1] = 2;
		} else {
			opt[0] = opt[1] = 1; /* NOP NOP */
		}
		opt[2] = 8; /* kind: Timestamps */
		opt[3] = 10;
		p->tcp_ts_at = (uint8_t)(opt + 4 - p->hdr);
		wr32(opt + 4, o->ts_val);
		wr32(opt + 8, o->ts_ecr);
		opt += 12;
	} else if (o->sack_perm) {
		opt[0] = opt[1] = 1;
		opt[2] = 4;
		opt[3] = 2;
		opt += 4;
	}
	if (o->has_wscale) {
		opt[0] = 1; /* NOP */
		opt[1] = 3; /* kind: Window Scale */
		opt[2] = 3; /* length */
		opt[3] = o->wscale;
		opt += 4;
	}
	if (nsack) {
		opt[0] = opt[1] = 1;
		opt[2] = 5; /* kind: SACK */
		opt[3] = (uint8_t)(2 + 8 * nsack);
		p->tcp_sack_at = (uint8_t)(opt + 4 - p->hdr);
		for (guint i = 0; i < nsack; i++) {
			wr32(opt + 4 + 8 * i, o->sack[i][0]);
			wr32(opt + 8 + 8 * i, o->sack[i][1]);
		}
	}
}

void pkt_build_tcp_opts(pkt *p, const pkt_addrs *a, uint32_t seq, uint32_t ack, uint8_t flags,
                        uint16_t window, const pkt_tcp_opts *o, uint32_t payload_len)
{
	g_return_if_fail(p != NULL && a != NULL);
	guint nsack;
	uint32_t tcp_len = tcp_hdr_len(o, &nsack);
	g_return_if_fail(payload_len <= PKT_IP_MAX - PKT_IP_LEN - tcp_len);
	build_eth_ip(p, a, PKT_PROTO_TCP, tcp_len, payload_len);
	uint8_t *t = p->hdr + L4_OFF;
	wr16(t, a->sport);
	wr16(t + 2, a->dport);
	tcp_hdr_write(p, seq, ack, flags, window, o, tcp_len, nsack);
}

/*
 * The template is the header pkt_build_tcp_opts() writes for a with every
 * field a segment changes left 0 (IP total length, identification and
 * checksum; sequence and acknowledgment numbers, data offset, flags,
 * window), and the sum of the IP header's other 16-bit words.  A segment
 * adds its length and identification to that sum and folds it: the same
 * checksum as a sum over the whole header, which is never 0 before the
 * complement (the version byte is not), so the two cannot differ as +0
 * and -0.
 */
void pkt_tcp_tmpl_init(pkt_tcp_tmpl *t, const pkt_addrs *a)
{
	g_return_if_fail(t != NULL && a != NULL);
	pkt_addrs b = *a;
	b.ip_id = 0;
	pkt scratch;
	pkt_build_tcp_opts(&scratch, &b, 0, 0, 0, 0, NULL, 0);
	wr16(scratch.hdr + IPH_TOTLEN, 0);
	wr16(scratch.hdr + IPH_CSUM, 0);
	scratch.hdr[L4_OFF + TCP_DOFF] = 0;
	G_STATIC_ASSERT(sizeof t->hdr == L4_OFF + PKT_TCP_LEN);
	memcpy(t->hdr, scratch.hdr, sizeof t->hdr);
	uint32_t sum = 0;
	for (size_t i = IPH_OFF; i < IPH_OFF + PKT_IP_LEN; i += 2)
		sum += rd16(t->hdr + i);
	t->ip_sum = sum;
}

void pkt_build_tcp_tmpl(pkt *p, const pkt_tcp_tmpl *t, uint16_t ip_id, uint32_t seq, uint32_t ack,
                        uint8_t flags, uint16_t window, const pkt_tcp_opts *o, uint32_t payload_len)
{
	guint nsack;
	uint32_t tcp_len = tcp_hdr_len(o, &nsack);
	g_return_if_fail(payload_len <= PKT_IP_MAX - PKT_IP_LEN - tcp_len);
	memcpy(p->hdr, t->hdr, sizeof t->hdr);
	const uint16_t totlen = (uint16_t)(PKT_IP_LEN + tcp_len + payload_len);
	wr16(p->hdr + IPH_TOTLEN, totlen);
	wr16(p->hdr + IPH_ID, ip_id);
	wr16(p->hdr + IPH_CSUM, pkt_csum_fold(t->ip_sum + totlen + ip_id));
	p->l4_csum_ok = 0;
	p->l4_off = L4_OFF;
	p->hdr_len = (uint16_t)(L4_OFF + tcp_len);
	p->payload_len = payload_len;
	tcp_hdr_write(p, seq, ack, flags, window, o, tcp_len, nsack);
}

void pkt_build_tcp(pkt *p, const pkt_addrs *a, uint32_t seq, uint32_t ack,
                   uint8_t flags, uint16_t window, uint16_t mss, uint32_t payload_len)
{
	pkt_tcp_opts o = { .mss = mss };
	pkt_build_tcp_opts(p, a, seq, ack, flags, window, &o, payload_len);
}

/* ---- getters and setters ---- */

void pkt_set_macs(pkt *p, const uint8_t src[6], const uint8_t dst[6])
{
	memcpy(p->hdr, dst, 6);
	memcpy(p->hdr + 6, src, 6);
}

/* ---- ICMP errors ---- */

#define ICMP_HDR 8
#define ICMP_QUOTE (PKT_IP_LEN + 8)

static void icmp_csum_update(pkt *p)
{
	uint8_t *m = p->hdr + p->l4_off;
	wr16(m + 2, 0);
	wr16(m + 2, pkt_csum_fold(pkt_csum_add(0, m, ICMP_HDR + ICMP_QUOTE)));
}

void pkt_build_icmp_frag_needed(pkt *p, const pkt *orig, uint32_t src, uint16_t mtu)
{
	g_return_if_fail(p != NULL && orig != NULL && orig->hdr_len >= L4_OFF + 8);
	pkt_addrs a = { .src_ip = src, .dst_ip = pkt_ip_src(orig) };
	build_eth_ip(p, &a, PKT_PROTO_ICMP, ICMP_HDR + ICMP_QUOTE, 0);
	uint8_t *m = p->hdr + p->l4_off;
	memset(m, 0, ICMP_HDR);
	m[0] = PKT_ICMP_UNREACH;
	m[1] = PKT_ICMP_FRAG_NEEDED;
	wr16(m + 6, mtu); /* RFC 1191: unused (16 bits), then the next-hop MTU */
	memcpy(m + ICMP_HDR, orig->hdr + IPH_OFF, PKT_IP_LEN);
	memcpy(m + ICMP_HDR + PKT_IP_LEN, orig->hdr + orig->l4_off, 8);
	icmp_csum_update(p);
	p->l4_csum_ok = 1; /* nothing for serialization to sum: the checksum is in hdr */
	p->l4_csum = rd16(m + 2);
}

gboolean pkt_icmp_error(const pkt *p, pkt_icmp_err *e)
{
	if (p->hdr_len < L4_OFF + ICMP_HDR + ICMP_QUOTE || pkt_proto(p) != PKT_PROTO_ICMP)
		return FALSE;
	const uint8_t *m = p->hdr + p->l4_off, *q = m + ICMP_HDR;
	if (m[0] != PKT_ICMP_UNREACH || (q[0] >> 4) != 4 || (q[0] & 0x0F) != 5)
		return FALSE;
	e->type = m[0];
	e->code = m[1];
	e->mtu = m[1] == PKT_ICMP_FRAG_NEEDED ? rd16(m + 6) : 0;
	e->proto = q[9];
	e->src_ip = rd32(q + 12);
	e->dst_ip = rd32(q + 16);
	e->sport = rd16(q + PKT_IP_LEN);
	e->dport = rd16(q + PKT_IP_LEN + 2);
	e->seq = rd32(q + PKT_IP_LEN + 4);
	return TRUE;
}

void pkt_icmp_set_quoted_src(pkt *p, uint32_t ip, uint16_t port)
{
	pkt_icmp_err e;
	g_return_if_fail(pkt_icmp_error(p, &e));
	uint8_t *q = p->hdr + p->l4_off + ICMP_HDR;
	wr32(q + 12, ip);
	/* The quoted header's own checksum stays what the packet carried
	 * would have been: recomputed, as a NAT that rewrites it does. */
	wr16(q + 10, 0);
	wr16(q + 10, pkt_csum_fold(pkt_csum_add(0, q, PKT_IP_LEN)));
	wr16(q + PKT_IP_LEN, port);
	icmp_csum_update(p);
	p->l4_csum = rd16(p->hdr + p->l4_off + 2);
}

uint8_t pkt_proto(const pkt *p) { return p->hdr[IPH_PROTO]; }
uint32_t pkt_ip_src(const pkt *p) { return rd32(p->hdr + IPH_SRC); }
uint32_t pkt_ip_dst(const pkt *p) { return rd32(p->hdr + IPH_DST); }
uint8_t pkt_ttl(const pkt *p) { return p->hdr[IPH_TTL]; }
gboolean pkt_df(const pkt *p) { return (rd16(p->hdr + IPH_FRAG) & 0x4000) != 0; }
uint16_t pkt_sport(const pkt *p) { return rd16(p->hdr + p->l4_off); }
uint16_t pkt_dport(const pkt *p) { return rd16(p->hdr + p->l4_off + 2); }

/*
 * The TCP/UDP checksum a serialization cached (pkt.l4_csum) covers the
 * addresses (in the pseudo-header) and the ports, so a rewrite updates it
 * as RFC 1624 does (eqn. 3: HC' = ~(~HC + ~m + m')) instead of dropping
 * it: a NAT or a load balancer in the path then costs two additions, not
 * a sum over the whole packet at the next capture.  The result is the
 * full recomputation's, bit for bit: that one is ~F for F the folded sum
 * of the pseudo-header and segment, never 0 (the protocol byte is not)
 * and so in [1, 0xFFFF]; here F' is the fold of F + ~m + m', a non-zero
 * sum (F >= 1), so in [1, 0xFFFF] too, and congruent modulo 0xFFFF, where
 * [1, 0xFFFF] holds one value of each class: the two cannot differ as +0
 * and -0.  F comes back from the cached field as ~HC, except that UDP
 * sends a computed 0 (F = 0xFFFF) as 0xFFFF (RFC 768), whose complement
 * 0 is not in [1, 0xFFFF]; the same rule is applied to the result.
 * tests/test_pkt.c compares this with full recomputations.  Other
 * protocols (ICMP: the checksum is in hdr and covers no pseudo-header)
 * just drop the cache.
 */
G_GNUC_NO_INLINE static void l4_csum_update(pkt *p, uint32_t old_words, uint32_t new_words)
{
	const uint8_t proto = pkt_proto(p);
	if (proto != PKT_PROTO_TCP && proto != PKT_PROTO_UDP) {
		p->l4_csum_ok = 0;
		return;
	}
	/* UDP's 0xFFFF stands for a computed 0. */
	uint16_t csum = csum_replace(p->l4_csum == 0xFFFF ? 0 : p->l4_csum, old_words, new_words);
	if (proto == PKT_PROTO_UDP && csum == 0)
		csum = 0xFFFF;
	p->l4_csum = csum;
}

/* The setters' test, kept small so that they stay cheap to inline for a
 * run without captures, where no checksum is ever cached. */
static inline void l4_csum_replace(pkt *p, uint32_t old_words, uint32_t new_words)
{
	if (p->l4_csum_ok)
		l4_csum_update(p, old_words, new_words);
}

void pkt_set_ip_src(pkt *p, uint32_t ip)
{
	g_return_if_fail(p->hdr_len > 0);
	const uint32_t old = rd32(p->hdr + IPH_SRC);
	l4_csum_replace(p, old, ip);
	ip_csum_replace(p, old, ip);
	wr32(p->hdr + IPH_SRC, ip);
}

void pkt_set_ip_dst(pkt *p, uint32_t ip)
{
	g_return_if_fail(p->hdr_len > 0);
	const uint32_t old = rd32(p->hdr + IPH_DST);
	l4_csum_replace(p, old, ip);
	ip_csum_replace(p, old, ip);
	wr32(p->hdr + IPH_DST, ip);
}

/* Ports are not covered by the IP checksum: only the cached TCP/UDP one
 * changes. */
void pkt_set_sport(pkt *p, uint16_t port)
{
	l4_csum_replace(p, rd16(p->hdr + p->l4_off), port);
	wr16(p->hdr + p->l4_off, port);
}

void pkt_set_dport(pkt *p, uint16_t port)
{
	l4_csum_replace(p, rd16(p->hdr + p->l4_off + 2), port);
	wr16(p->hdr + p->l4_off + 2, port);
}

uint8_t pkt_dec_ttl(pkt *p)
{
	g_return_val_if_fail(p->hdr_len > 0, 0);
	/* A TTL of 0 stays 0: the router that saw it reach 0 should already have
	 * dropped the packet, and wrapping to 255 would hide that bug. */
	const uint32_t old = rd16(p->hdr + IPH_TTL); /* TTL and protocol */
	if (old < 0x100)
		return 0;
	ip_csum_replace(p, old, old - 0x100);
	p->hdr[IPH_TTL]--;
	return p->hdr[IPH_TTL];
}

uint32_t pkt_tcp_seq(const pkt *p) { return rd32(p->hdr + p->l4_off + TCP_SEQ); }
uint32_t pkt_tcp_ack(const pkt *p) { return rd32(p->hdr + p->l4_off + TCP_ACK); }
uint8_t pkt_tcp_flags(const pkt *p) { return p->hdr[p->l4_off + TCP_FLAGS]; }
uint16_t pkt_tcp_window(const pkt *p) { return rd16(p->hdr + p->l4_off + TCP_WIN); }

/* Offset in hdr of the value of the first option of kind `want`, or 0 if
 * the TCP header has none; *len gets its total length.  Walks the options
 * as RFC 9293 lays them out, stopping at End of Option List or at anything
 * malformed. */
static size_t tcp_opt_find(const pkt *p, uint8_t want, uint8_t *len_out)
{
	if (p->hdr_len == 0 || pkt_proto(p) != PKT_PROTO_TCP)
		return 0;
	size_t o = p->l4_off + PKT_TCP_LEN;
	size_t end = p->l4_off + (size_t)(p->hdr[p->l4_off + TCP_DOFF] >> 4) * 4;
	if (end > p->hdr_len)
		end = p->hdr_len;
	while (o < end) {
		uint8_t kind = p->hdr[o];
		if (kind == 0)
			break;
		if (kind == 1) {
			o++;
			continue;
		}
		if (o + 1 >= end)
			break;
		uint8_t len = p->hdr[o + 1];
		if (len < 2 || o + len > end)
			break;
		if (kind == want) {
			*len_out = len;
			return o + 2;
		}
		o += len;
	}
	return 0;
}

/* The same for an option of fixed total length `want_len`. */
static size_t tcp_opt_at(const pkt *p, uint8_t want, uint8_t want_len)
{
	uint8_t len = 0;
	size_t o = tcp_opt_find(p, want, &len);
	return o && len == want_len ? o : 0;
}

uint16_t pkt_tcp_mss(const pkt *p)
{
	size_t o = tcp_opt_at(p, 2, 4);
	return o ? rd16(p->hdr + o) : 0;
}

void pkt_set_tcp_mss(pkt *p, uint16_t mss)
{
	size_t o = tcp_opt_at(p, 2, 4);
	if (o) {
		wr16(p->hdr + o, mss);
		p->l4_csum_ok = 0;
	}
}

int pkt_tcp_wscale(const pkt *p)
{
	size_t o = tcp_opt_at(p, 3, 3);
	return o ? p->hdr[o] : -1;
}

gboolean pkt_tcp_sack_perm(const pkt *p) { return tcp_opt_at(p, 4, 2) != 0; }

gboolean pkt_tcp_ts(const pkt *p, uint32_t *val, uint32_t *ecr)
{
	size_t o = p->tcp_ts_at;
	if (o == 0)
		o = tcp_opt_at(p, 8, 10);
	else if (o == PKT_OPT_NONE)
		o = 0;
	if (!o)
		return FALSE;
	if (val)
		*val = rd32(p->hdr + o);
	if (ecr)
		*ecr = rd32(p->hdr + o + 4);
	return TRUE;
}

guint pkt_tcp_sack(const pkt *p, uint32_t blocks[PKT_TCP_SACK_MAX][2])
{
	uint8_t len = 0;
	size_t o = p->tcp_sack_at;
	if (o == 0)
		o = tcp_opt_find(p, 5, &len);
	else if (o == PKT_OPT_NONE)
		return 0;
	else
		len = p->hdr[o - 1];
	if (!o || len < 10 || (len - 2) % 8)
		return 0;
	guint n = MIN((guint)(len - 2) / 8, (guint)PKT_TCP_SACK_MAX);
	for (guint i = 0; i < n; i++) {
		blocks[i][0] = rd32(p->hdr + o + 8 * i);
		blocks[i][1] = rd32(p->hdr + o + 8 * i + 4);
	}
	return n;
}

/* ---- serialization ---- */

/* Writes the TCP/UDP checksum into the serialized frame, where it fits. */
static uint32_t serialize_csum(const pkt *p, uint8_t *buf, uint32_t cap, uint8_t proto, uint16_t csum,
                               uint32_t full)
{
	uint32_t at;
	if (proto == PKT_PROTO_UDP)
		at = p->l4_off + UDP_CSUM;
	else if (proto == PKT_PROTO_TCP)
		at = p->l4_off + TCP_CSUM;
	else
		return full;
	uint8_t c[2];
	wr16(c, csum);
	if (at < cap)
		buf[at] = c[0];
	if (at + 1 < cap)
		buf[at + 1] = c[1];
	return full;
}

/* The TCP/UDP checksum of p as it is, as its field carries it. */
G_GNUC_NO_INLINE static uint16_t l4_csum_compute(const pkt *p, uint8_t proto)
{
	/* Pseudo-header (RFC 793 / RFC 768): source, destination, zero,
	 * protocol, TCP/UDP length, added as the 16-bit words they are; then
	 * the L4 header (its checksum field is 0 in hdr) and the payload. */
	const uint32_t src = rd32(p->hdr + IPH_SRC), dst = rd32(p->hdr + IPH_DST);
	uint32_t sum = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + proto +
	               (pkt_wire_len(p) - p->l4_off);
	sum = pkt_csum_add(sum, p->hdr + p->l4_off, p->hdr_len - p->l4_off);
	sum = csum_add64(sum, payload_csum(p, p->payload_len));
	uint16_t csum = pkt_csum_fold(sum);
	/* 0 means "no checksum" in UDP, so a computed 0 goes out as its
	 * one's-complement twin 0xFFFF (RFC 768). */
	if (proto == PKT_PROTO_UDP && csum == 0)
		csum = 0xFFFF;
	return csum;
}

uint32_t pkt_serialize(const pkt *p, uint8_t *buf, uint32_t cap)
{
	g_return_val_if_fail(p != NULL && p->hdr_len >= L4_OFF, 0);
	g_return_val_if_fail(buf != NULL || cap == 0, 0);
	const uint32_t hlen = p->hdr_len, plen = p->payload_len, full = hlen + plen;
	const uint8_t proto = pkt_proto(p);

	if (cap)
		copy_bytes(buf, p->hdr, MIN(cap, hlen));
	/* ICMP: the whole message is in hdr, its checksum with it. */
	if (proto == PKT_PROTO_ICMP)
		return full;
	/* A packet crossing routers keeps its TCP/UDP checksum (TTL and MACs are
	 * outside it), so once computed it is kept, and address and port
	 * rewrites update it (l4_csum_replace()): a capture at every port then
	 * sums each payload once.  The cache is not part of the packet's
	 * value: serializing stays logically const. */
	if (!p->l4_csum_ok) {
		((pkt *)p)->l4_csum = l4_csum_compute(p, proto);
		((pkt *)p)->l4_csum_ok = 1;
	}
	/* Payload: only what fits in buf is produced; the checksum covers all
	 * of it without producing the rest (payload_csum()), so a capture at a
	 * short snap length costs the same whatever the packet's size. */
	uint32_t in_buf = cap > hlen ? MIN(cap - hlen, plen) : 0;
	if (in_buf)
		payload_fill(p, 0, buf + hlen, in_buf);
	return serialize_csum(p, buf, cap, proto, p->l4_csum, full);
}

/* ---- addresses ---- */

/* By hand: the ALB formats the client's address into every forwarded
 * request, and g_snprintf was 2% of a run. */
const char *pkt_ip_str(uint32_t ip, char buf[16])
{
	char *o = buf;
	for (int shift = 24; shift >= 0; shift -= 8) {
		unsigned v = (ip >> shift) & 0xFF;
		if (v >= 100)
			*o++ = (char)('0' + v / 100);
		if (v >= 10)
			*o++ = (char)('0' + v / 10 % 10);
		*o++ = (char)('0' + v % 10);
		*o++ = shift ? '.' : '\0';
	}
	return buf;
}

gboolean pkt_ip_parse(const char *text, uint32_t *ip)
{
	struct in_addr a;
	g_return_val_if_fail(text != NULL && ip != NULL, FALSE);
	/* inet_pton, unlike inet_aton, accepts only the four-part decimal
	 * form: no "10.1", no hex, no octal leading zeros. */
	if (inet_pton(AF_INET, text, &a) != 1)
		return FALSE;
	*ip = ntohl(a.s_addr);
	return TRUE;
}
