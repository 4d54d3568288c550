/* \summary: TLS 1.3 over tcp_stack: ClientHello, ServerHello and the encrypted flight as real bytes, application data in records */
#include "tls.h"

#include <string.h>

#include "net.h"

/* A full application-data record on the wire. */
#define REC_FULL (TLS_MAX_PLAINTEXT + TLS_RECORD_OVERHEAD)

/* RFC 8446 section 4: handshake message types. */
#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2

/* Extensions (IANA TLS ExtensionType values). */
#define EXT_SERVER_NAME 0
#define EXT_SUPPORTED_GROUPS 10
#define EXT_SIGNATURE_ALGORITHMS 13
#define EXT_ALPN 16
#define EXT_SUPPORTED_VERSIONS 43
#define EXT_PSK_MODES 45
#define EXT_KEY_SHARE 51

#define GROUP_X25519 0x001d
#define SUITE_AES_128_GCM_SHA256 0x1301

/* Sizes of the encrypted handshake messages (plaintext, handshake header
 * included): EncryptedExtensions with ALPN "http/1.1"; CertificateVerify
 * with rsa_pss_rsae_sha256 over a 2048-bit key (ACM's default key type);
 * Finished with a SHA-256 verify_data. */
#define EE_LEN (4 + 2 + 4 + 2 + 1 + 8)
#define CV_LEN (4 + 2 + 2 + 256)
#define FIN_LEN (4 + 32)
#define SERVER_HELLO_LEN (TLS_RECORD_HEADER + 4 + 2 + 32 + 1 + 32 + 2 + 1 + 2 + 6 + 40)
#define CCS_LEN 6
#define ALERT_LEN 2

struct tls_ctx {
	gint refs;
	net *nt;
	rng rng;
	gboolean server;
	uint32_t cert_bytes;
	guint cert_count;
	char *sni;      /* NULL: none sent */
	tls_stats st;
};

typedef enum {
	ST_CLIENT_START,       /* TCP connecting */
	ST_CLIENT_WAIT_SERVER, /* ClientHello sent */
	ST_SERVER_WAIT_HELLO,
	ST_SERVER_WAIT_FINISHED,
	ST_OPEN,
	ST_DONE,               /* failed, or closed by the peer or us before opening */
} tls_state;

typedef struct {
	pkt_msg *msg;
	uint64_t off, len;
} pend;

typedef struct {
	tls_ctx *x;
	tls_state st;
	gboolean app_knows;    /* the application holds the connection */
	gboolean close_wanted; /* the application closed before the handshake ended */
	gboolean closed;       /* close_notify and FIN sent */
	GArray *pending;       /* pend: writes made before the handshake ended */
	GByteArray *rx;        /* the handshake flight being received */
} tls_conn;

/* What a message on the stream is, for the receiver. */
typedef enum { FL_CLIENT_HELLO, FL_SERVER, FL_CLIENT_FINISHED, FL_ALERT } flight_kind;

typedef struct {
	flight_kind kind;
} flight_data;

/* Application data: records framing [off, off + len) of `plain`. */
typedef struct {
	pkt_msg *plain;
	uint64_t off, len;
} rec_data;

/* ---- bytes ---- */

/* Random-looking bytes [off, off + n) of a stream keyed by seed (what
 * ciphertext looks like): splitmix64 of each 8-byte word's index. */
static void cipher_fill(uint64_t seed, uint64_t off, uint8_t *buf, uint32_t n)
{
	while (n) {
		uint64_t z = seed ^ ((off >> 3) * UINT64_C(0x9E3779B97F4A7C15));
		z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
		z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
		z ^= z >> 31;
		for (guint b = (guint)(off & 7); b < 8 && n; b++, n--, off++)
			*buf++ = (uint8_t)(z >> (8 * b));
	}
}

static void flight_fill(const pkt_msg *m, uint64_t off, uint8_t *buf, uint32_t n)
{
	/* The head holds every byte of a flight; beyond it, as past any
	 * message's end, bytes only continue a stream. */
	cipher_fill(m->seed, off, buf, n);
}

static const pkt_msg_ops flight_ops = { flight_fill, g_free };

static void rec_fill(const pkt_msg *m, uint64_t off, uint8_t *buf, uint32_t n)
{
	const rec_data *d = m->data;
	while (n) {
		uint64_t r = off / REC_FULL, w = off % REC_FULL;
		uint64_t start = r * TLS_MAX_PLAINTEXT;
		uint64_t plen = start < d->len ? MIN((uint64_t)TLS_MAX_PLAINTEXT, d->len - start) : 0;
		uint64_t rlen = plen + TLS_RECORD_OVERHEAD;
		if (plen == 0 || w >= rlen) {
			cipher_fill(m->seed, off, buf, n); /* past the end */
			return;
		}
		uint32_t k;
		if (w < TLS_RECORD_HEADER) {
			uint64_t body = rlen - TLS_RECORD_HEADER;
			const uint8_t h[TLS_RECORD_HEADER] = { TLS_CT_APPLICATION_DATA, 3, 3,
				                               (uint8_t)(body >> 8), (uint8_t)body };
			k = (uint32_t)MIN((uint64_t)n, TLS_RECORD_HEADER - w);
			memcpy(buf, h + w, k);
		} else {
			k = (uint32_t)MIN((uint64_t)n, rlen - w);
			cipher_fill(m->seed, off, buf, k);
		}
		buf += k;
		off += k;
		n -= k;
	}
}

static void rec_free(void *p)
{
	rec_data *d = p;
	pkt_msg_unref(d->plain);
	g_free(d);
}

static const pkt_msg_ops rec_ops = { rec_fill, rec_free };

uint64_t tls_record_wire_len(uint64_t n)
{
	return n + TLS_RECORD_OVERHEAD * ((n + TLS_MAX_PLAINTEXT - 1) / TLS_MAX_PLAINTEXT);
}

static void put8(GByteArray *b, guint v)
{
	uint8_t c = (uint8_t)v;
	g_byte_array_append(b, &c, 1);
}

static void put16(GByteArray *b, guint v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void put_rand(GByteArray *b, rng *r, guint n)
{
	guint at = b->len;
	g_byte_array_set_size(b, at + n);
	for (guint i = 0; i < n; i += 8) {
		uint64_t z = rng_next(r);
		for (guint k = 0; k < 8 && i + k < n; k++)
			b->data[at + i + k] = (uint8_t)(z >> (8 * k));
	}
}

/* Opens a length field of `w` bytes at the end; close_len fills it with
 * the bytes written since. */
static guint open_len(GByteArray *b, guint w)
{
	guint at = b->len;
	for (guint i = 0; i < w; i++)
		put8(b, 0);
	return at;
}

static void close_len(GByteArray *b, guint at, guint w)
{
	guint n = b->len - at - w;
	for (guint i = 0; i < w; i++)
		b->data[at + i] = (uint8_t)(n >> (8 * (w - 1 - i)));
}

/* A server_name goes only for a host name: RFC 6066 section 3 forbids
 * literal addresses. */
static gboolean sni_usable(const char *s)
{
	if (!s || !*s)
		return FALSE;
	uint32_t ip;
	return !pkt_ip_parse(s, &ip);
}

uint32_t tls_client_hello_len(size_t sni_len)
{
	/* Record and handshake headers, version, random, session id, three
	 * suites, null compression, extensions' length, then the extensions:
	 * supported_groups (3), signature_algorithms (8), ALPN, versions (2),
	 * PSK modes, key_share (x25519). */
	uint32_t exts = 12 + 22 + 15 + 9 + 6 + 42;
	if (sni_len)
		exts += 9 + (uint32_t)sni_len;
	return TLS_RECORD_HEADER + 4 + 2 + 32 + 1 + 32 + 2 + 6 + 2 + 2 + exts;
}

static GBytes *client_hello(tls_ctx *x)
{
	GByteArray *b = g_byte_array_sized_new(256);
	put8(b, TLS_CT_HANDSHAKE);
	put16(b, 0x0301); /* an initial ClientHello's legacy record version (RFC 8446 5.1) */
	guint rl = open_len(b, 2);
	put8(b, HS_CLIENT_HELLO);
	guint hl = open_len(b, 3);
	put16(b, 0x0303);
	put_rand(b, &x->rng, 32);
	put8(b, 32); /* a legacy session id: middlebox compatibility mode (D.4) */
	put_rand(b, &x->rng, 32);
	put16(b, 6);
	put16(b, SUITE_AES_128_GCM_SHA256);
	put16(b, 0x1302);
	put16(b, 0x1303);
	put8(b, 1);
	put8(b, 0);
	guint el = open_len(b, 2);
	if (x->sni) {
		size_t n = strlen(x->sni);
		put16(b, EXT_SERVER_NAME);
		put16(b, (guint)n + 5);
		put16(b, (guint)n + 3);
		put8(b, 0); /* host_name */
		put16(b, (guint)n);
		g_byte_array_append(b, (const guint8 *)x->sni, (guint)n);
	}
	static const uint16_t groups[] = { GROUP_X25519, 0x0017, 0x0018 };
	put16(b, EXT_SUPPORTED_GROUPS);
	put16(b, 2 + 2 * G_N_ELEMENTS(groups));
	put16(b, 2 * G_N_ELEMENTS(groups));
	for (guint i = 0; i < G_N_ELEMENTS(groups); i++)
		put16(b, groups[i]);
	/* ECDSA, RSA-PSS and PKCS#1 with SHA-256/384/512, as OpenSSL offers
	 * them first. */
	static const uint16_t sigs[] = { 0x0403, 0x0503, 0x0603, 0x0804,
		                         0x0805, 0x0806, 0x0401, 0x0501 };
	put16(b, EXT_SIGNATURE_ALGORITHMS);
	put16(b, 2 + 2 * G_N_ELEMENTS(sigs));
	put16(b, 2 * G_N_ELEMENTS(sigs));
	for (guint i = 0; i < G_N_ELEMENTS(sigs); i++)
		put16(b, sigs[i]);
	put16(b, EXT_ALPN);
	put16(b, 11);
	put16(b, 9);
	put8(b, 8);
	g_byte_array_append(b, (const guint8 *)"http/1.1", 8);
	put16(b, EXT_SUPPORTED_VERSIONS);
	put16(b, 5);
	put8(b, 4);
	put16(b, 0x0304);
	put16(b, 0x0303);
	put16(b, EXT_PSK_MODES);
	put16(b, 2);
	put8(b, 1);
	put8(b, 1); /* psk_dhe_ke */
	put16(b, EXT_KEY_SHARE);
	put16(b, 38);
	put16(b, 36);
	put16(b, GROUP_X25519);
	put16(b, 32);
	put_rand(b, &x->rng, 32);
	close_len(b, el, 2);
	close_len(b, hl, 3);
	close_len(b, rl, 2);
	return g_byte_array_free_to_bytes(b);
}

/* Records of type 23 holding `n` bytes of encrypted handshake (split at
 * 16384 as any record), their ciphertext random. */
static void put_encrypted(GByteArray *b, rng *r, uint32_t n)
{
	while (n) {
		uint32_t k = MIN(n, (uint32_t)TLS_MAX_PLAINTEXT);
		put8(b, TLS_CT_APPLICATION_DATA);
		put16(b, 0x0303);
		put16(b, k + 1 + TLS_AEAD_TAG);
		put_rand(b, r, k + 1 + TLS_AEAD_TAG);
		n -= k;
	}
}

static uint32_t cert_msg_len(uint32_t cert_bytes, guint cert_count)
{
	/* Header, empty request context, the list's length, and per entry a
	 * 3-byte length and 2 bytes of (empty) extensions. */
	return 4 + 1 + 3 + cert_bytes + 5 * cert_count;
}

uint32_t tls_server_flight_len(uint32_t cert_bytes, guint cert_count)
{
	return SERVER_HELLO_LEN + CCS_LEN + (uint32_t)tls_record_wire_len(EE_LEN) +
	       (uint32_t)tls_record_wire_len(cert_msg_len(cert_bytes, cert_count)) +
	       (uint32_t)tls_record_wire_len(CV_LEN) + (uint32_t)tls_record_wire_len(FIN_LEN);
}

uint32_t tls_client_finished_len(void) { return CCS_LEN + (uint32_t)tls_record_wire_len(FIN_LEN); }

static void put_ccs(GByteArray *b)
{
	put8(b, TLS_CT_CHANGE_CIPHER_SPEC);
	put16(b, 0x0303);
	put16(b, 1);
	put8(b, 1);
}

static GBytes *server_flight(tls_ctx *x, const uint8_t *sid, guint sid_len)
{
	GByteArray *b = g_byte_array_sized_new(tls_server_flight_len(x->cert_bytes, x->cert_count));
	put8(b, TLS_CT_HANDSHAKE);
	put16(b, 0x0303);
	guint rl = open_len(b, 2);
	put8(b, HS_SERVER_HELLO);
	guint hl = open_len(b, 3);
	put16(b, 0x0303);
	put_rand(b, &x->rng, 32);
	put8(b, sid_len); /* echoed (4.1.3) */
	g_byte_array_append(b, sid, sid_len);
	put16(b, SUITE_AES_128_GCM_SHA256);
	put8(b, 0);
	guint el = open_len(b, 2);
	put16(b, EXT_SUPPORTED_VERSIONS);
	put16(b, 2);
	put16(b, 0x0304);
	put16(b, EXT_KEY_SHARE);
	put16(b, 36);
	put16(b, GROUP_X25519);
	put16(b, 32);
	put_rand(b, &x->rng, 32);
	close_len(b, el, 2);
	close_len(b, hl, 3);
	close_len(b, rl, 2);
	put_ccs(b);
	put_encrypted(b, &x->rng, EE_LEN);
	put_encrypted(b, &x->rng, cert_msg_len(x->cert_bytes, x->cert_count));
	put_encrypted(b, &x->rng, CV_LEN);
	put_encrypted(b, &x->rng, FIN_LEN);
	return g_byte_array_free_to_bytes(b);
}

static GBytes *client_finished(tls_ctx *x)
{
	GByteArray *b = g_byte_array_sized_new(tls_client_finished_len());
	put_ccs(b);
	put_encrypted(b, &x->rng, FIN_LEN);
	return g_byte_array_free_to_bytes(b);
}

/* ---- the layer ---- */

static void send_flight(tls_conn *t, tcp_conn *c, flight_kind kind, GBytes *bytes)
{
	flight_data *fd = g_new(flight_data, 1);
	fd->kind = kind;
	uint64_t n = g_bytes_get_size(bytes);
	pkt_msg *m = pkt_msg_new_ops(bytes, n, rng_next(&t->x->rng), &flight_ops, fd);
	if (kind == FL_ALERT) {
		t->x->st.records++;
		t->x->st.record_bytes += n;
	} else {
		t->x->st.handshake_bytes += n;
	}
	tcp_ulp_write(c, m, 0, n);
	pkt_msg_unref(m);
}

static void send_close(tls_conn *t, tcp_conn *c)
{
	if (t->closed)
		return;
	t->closed = TRUE;
	if (t->st == ST_OPEN) {
		/* close_notify: an alert (2 bytes) in an encrypted record. */
		GByteArray *b = g_byte_array_sized_new(24);
		put_encrypted(b, &t->x->rng, ALERT_LEN);
		send_flight(t, c, FL_ALERT, g_byte_array_free_to_bytes(b));
	}
	tcp_ulp_close(c);
}

pkt_msg *tls_records_msg(pkt_msg *plain, uint64_t off, uint64_t len, uint64_t seed)
{
	g_return_val_if_fail(plain != NULL, NULL);
	rec_data *d = g_new(rec_data, 1);
	d->plain = pkt_msg_ref(plain);
	d->off = off;
	d->len = len;
	return pkt_msg_new_ops(NULL, tls_record_wire_len(len), seed, &rec_ops, d);
}

static gboolean write_records(tls_conn *t, tcp_conn *c, pkt_msg *msg, uint64_t off, uint64_t len)
{
	if (len == 0)
		return TRUE;
	pkt_msg *m = tls_records_msg(msg, off, len, rng_next(&t->x->rng));
	uint64_t n = m->len;
	t->x->st.records += (len + TLS_MAX_PLAINTEXT - 1) / TLS_MAX_PLAINTEXT;
	t->x->st.record_bytes += n;
	t->x->st.plaintext_bytes += len;
	gboolean ok = tcp_ulp_write(c, m, 0, n);
	pkt_msg_unref(m);
	return ok;
}

static gboolean ulp_write(tcp_conn *c, void *state, pkt_msg *msg, uint64_t off, uint64_t len)
{
	tls_conn *t = state;
	if (t->close_wanted || t->closed || t->st == ST_DONE)
		return FALSE;
	if (t->st != ST_OPEN) {
		pend p = { pkt_msg_ref(msg), off, len };
		g_array_append_val(t->pending, p);
		return TRUE;
	}
	return write_records(t, c, msg, off, len);
}

static void ulp_close(tcp_conn *c, void *state)
{
	tls_conn *t = state;
	if (t->st == ST_OPEN || t->st == ST_DONE)
		send_close(t, c);
	else
		t->close_wanted = TRUE; /* after the handshake and the pending writes */
}

static void drop_pending(tls_conn *t)
{
	for (guint i = 0; i < t->pending->len; i++)
		pkt_msg_unref(g_array_index(t->pending, pend, i).msg);
	g_array_set_size(t->pending, 0);
}

static void ulp_free(void *state)
{
	tls_conn *t = state;
	drop_pending(t);
	g_array_unref(t->pending);
	g_byte_array_unref(t->rx);
	tls_ctx_unref(t->x);
	g_free(t);
}

/* The handshake failed or the peer spoke something else: close without
 * telling an application that never heard of the connection. */
static void fail(tls_conn *t, tcp_conn *c, gboolean bad)
{
	if (t->st == ST_DONE)
		return;
	t->st = ST_DONE;
	t->x->st.failed++;
	if (bad)
		t->x->st.bad++;
	drop_pending(t);
	send_close(t, c);
}

/* The handshake is complete on this side: pending writes go, then the
 * application hears. */
static void open_conn(tls_conn *t, tcp_conn *c)
{
	t->st = ST_OPEN;
	t->x->st.handshakes++;
	for (guint i = 0; i < t->pending->len; i++) {
		pend *p = &g_array_index(t->pending, pend, i);
		write_records(t, c, p->msg, p->off, p->len);
	}
	drop_pending(t);
	if (t->close_wanted)
		send_close(t, c);
	void *ud;
	const tcp_callbacks *cb = tcp_ulp_app(c, &ud);
	if (t->x->server) {
		t->app_knows = TRUE;
		if (cb->on_accept)
			cb->on_accept(c, ud);
	} else if (cb->on_connected) {
		cb->on_connected(c, ud);
	}
}

/* Checks that a flight is well-framed records and returns the offset of
 * the first handshake record's body, or -1. */
static int check_records(const GByteArray *rx, uint8_t want_hs)
{
	guint at = 0;
	int first = -1;
	while (at + TLS_RECORD_HEADER <= rx->len) {
		const uint8_t *h = rx->data + at;
		guint n = (guint)h[3] << 8 | h[4];
		if (h[0] < TLS_CT_CHANGE_CIPHER_SPEC || h[0] > TLS_CT_APPLICATION_DATA || h[1] != 3 ||
		    n == 0 || n > TLS_MAX_PLAINTEXT + 256 || at + TLS_RECORD_HEADER + n > rx->len)
			return -1;
		if (first < 0 && h[0] == TLS_CT_HANDSHAKE)
			first = (int)(at + TLS_RECORD_HEADER);
		at += TLS_RECORD_HEADER + n;
	}
	if (at != rx->len)
		return -1;
	if (want_hs && (first < 0 || rx->data[first] != want_hs))
		return -1;
	return want_hs ? first : 0;
}

/* A complete flight arrived. */
static void on_flight(tls_conn *t, tcp_conn *c, flight_kind kind)
{
	tls_ctx *x = t->x;
	if (t->st == ST_SERVER_WAIT_HELLO && kind == FL_CLIENT_HELLO) {
		int hs = check_records(t->rx, HS_CLIENT_HELLO);
		/* Handshake header, version, random: then the session id. */
		guint sid_at = (guint)hs + 4 + 2 + 32;
		if (hs < 0 || sid_at >= t->rx->len || t->rx->data[sid_at] > 32 ||
		    sid_at + 1 + t->rx->data[sid_at] > t->rx->len) {
			fail(t, c, TRUE);
			return;
		}
		GBytes *f = server_flight(x, t->rx->data + sid_at + 1, t->rx->data[sid_at]);
		t->st = ST_SERVER_WAIT_FINISHED;
		send_flight(t, c, FL_SERVER, f);
	} else if (t->st == ST_CLIENT_WAIT_SERVER && kind == FL_SERVER) {
		if (check_records(t->rx, HS_SERVER_HELLO) < 0) {
			fail(t, c, TRUE);
			return;
		}
		send_flight(t, c, FL_CLIENT_FINISHED, client_finished(x));
		open_conn(t, c);
	} else if (t->st == ST_SERVER_WAIT_FINISHED && kind == FL_CLIENT_FINISHED) {
		if (check_records(t->rx, 0) < 0) {
			fail(t, c, TRUE);
			return;
		}
		open_conn(t, c);
	} else if (t->st == ST_OPEN && kind == FL_ALERT) {
		/* close_notify: the FIN follows. */
	} else {
		fail(t, c, TRUE);
	}
}

static void ulp_on_connected(tcp_conn *c, void *state)
{
	tls_conn *t = state;
	if (t->st != ST_CLIENT_START)
		return;
	t->st = ST_CLIENT_WAIT_SERVER;
	send_flight(t, c, FL_CLIENT_HELLO, client_hello(t->x));
}

static void ulp_on_accept(tcp_conn *c, void *state)
{
	(void)c;
	tls_conn *t = state;
	t->st = ST_SERVER_WAIT_HELLO;
}

static void ulp_on_data(tcp_conn *c, const pkt_msg *m, uint64_t off, uint32_t len, void *state)
{
	tls_conn *t = state;
	if (t->st == ST_DONE)
		return;
	if (m && m->ops == &rec_ops && t->st == ST_OPEN) {
		/* Every record whose last byte is in (off, off + len]. */
		const rec_data *d = m->data;
		uint64_t end = off + len;
		void *ud;
		for (uint64_t r = off / REC_FULL;; r++) {
			uint64_t start = r * TLS_MAX_PLAINTEXT;
			if (start >= d->len)
				break;
			uint64_t plen = MIN((uint64_t)TLS_MAX_PLAINTEXT, d->len - start);
			if (r * REC_FULL + plen + TLS_RECORD_OVERHEAD > end)
				break;
			const tcp_callbacks *cb = tcp_ulp_app(c, &ud);
			if (cb->on_data)
				cb->on_data(c, d->plain, d->off + start, (uint32_t)plen, ud);
			if (tcp_conn_dead(c) || t->st != ST_OPEN)
				return;
		}
		return;
	}
	if (!m || m->ops != &flight_ops) {
		fail(t, c, TRUE);
		return;
	}
	if (off == 0)
		g_byte_array_set_size(t->rx, 0);
	guint at = t->rx->len;
	g_byte_array_set_size(t->rx, at + len);
	pkt_msg_fill(m, off, t->rx->data + at, len);
	if (off + len == m->len) {
		on_flight(t, c, ((const flight_data *)m->data)->kind);
		g_byte_array_set_size(t->rx, 0);
	}
}

static void ulp_on_eof(tcp_conn *c, void *state)
{
	tls_conn *t = state;
	/* A peer that closes before the handshake ends: we close too. */
	if (t->st != ST_OPEN)
		fail(t, c, FALSE);
	if (!t->app_knows || tcp_conn_dead(c))
		return;
	void *ud;
	const tcp_callbacks *cb = tcp_ulp_app(c, &ud);
	if (cb->on_eof)
		cb->on_eof(c, ud);
}

static void ulp_on_closed(tcp_conn *c, tcp_close_reason why, void *state)
{
	tls_conn *t = state;
	if (t->st != ST_OPEN && t->st != ST_DONE) {
		t->st = ST_DONE;
		t->x->st.failed++;
	}
	if (!t->app_knows)
		return;
	t->app_knows = FALSE;
	void *ud;
	const tcp_callbacks *cb = tcp_ulp_app(c, &ud);
	if (cb->on_closed)
		cb->on_closed(c, why, ud);
}

static const tcp_ulp tls_ulp = {
	.cb = {
		.on_accept = ulp_on_accept,
		.on_connected = ulp_on_connected,
		.on_data = ulp_on_data,
		.on_eof = ulp_on_eof,
		.on_closed = ulp_on_closed,
	},
	.write = ulp_write,
	.close = ulp_close,
	.free = ulp_free,
};

static tls_conn *conn_new(tls_ctx *x)
{
	tls_conn *t = g_new0(tls_conn, 1);
	t->x = tls_ctx_ref(x);
	t->pending = g_array_new(FALSE, FALSE, sizeof(pend));
	t->rx = g_byte_array_new();
	return t;
}

void tls_client_attach(tls_ctx *x, tcp_conn *c)
{
	g_return_if_fail(x != NULL && c != NULL && !x->server);
	tls_conn *t = conn_new(x);
	t->st = ST_CLIENT_START;
	t->app_knows = TRUE; /* it called tcp_connect() */
	tcp_conn_set_ulp(c, &tls_ulp, t);
}

static void *server_conn_new(tcp_conn *c, void *arg)
{
	(void)c;
	tls_conn *t = conn_new(arg);
	t->st = ST_SERVER_WAIT_HELLO;
	return t;
}

void tls_server_attach(tls_ctx *x, tcp_listener *l)
{
	g_return_if_fail(x != NULL && l != NULL && x->server);
	tcp_listener_set_ulp(l, &tls_ulp, server_conn_new, x);
}

/* ---- contexts ---- */

tls_ctx *tls_ctx_new(net *nt, const tls_config *cfg)
{
	g_return_val_if_fail(nt != NULL && cfg != NULL && cfg->name != NULL, NULL);
	g_return_val_if_fail(!cfg->server || (cfg->cert_count >= 1 && cfg->cert_bytes >= cfg->cert_count),
	                     NULL);
	tls_ctx *x = g_new0(tls_ctx, 1);
	x->refs = 1;
	x->nt = nt;
	net_rng(nt, &x->rng, cfg->name);
	x->server = cfg->server;
	x->cert_bytes = cfg->cert_bytes;
	x->cert_count = cfg->cert_count;
	if (!cfg->server && sni_usable(cfg->sni))
		x->sni = g_strdup(cfg->sni);
	return x;
}

tls_ctx *tls_ctx_ref(tls_ctx *x)
{
	g_return_val_if_fail(x != NULL && x->refs > 0, x);
	x->refs++;
	return x;
}

void tls_ctx_unref(tls_ctx *x)
{
	if (!x || --x->refs > 0)
		return;
	g_free(x->sni);
	g_free(x);
}

const tls_stats *tls_ctx_stats(const tls_ctx *x) { return &x->st; }
