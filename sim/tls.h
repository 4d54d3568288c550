/* \summary: TLS 1.3 over tcp_stack: handshake flights and record framing as real bytes, an upper layer of tcp_conn */
#ifndef VPCSIM_TLS_H
#define VPCSIM_TLS_H

#include "tcp.h"

/*
 * TLS 1.3 (RFC 8446) as the wire shows it, without cryptography: the bytes
 * a capture holds are those a real handshake and record layer would put
 * there (lengths, types, versions, extensions), with random values where
 * keys, randoms and ciphertext would be, drawn from the run's seed.  It sits
 * on a tcp_conn as an upper layer (tcp_conn_set_ulp), so the application
 * above (HTTP) writes and reads plaintext as it does over TCP.
 *
 * The handshake, full (1-RTT) with ephemeral x25519 and
 * TLS_AES_128_GCM_SHA256, with middlebox compatibility mode (RFC 8446
 * appendix D.4) as OpenSSL and browsers use it:
 *
 *   client: ClientHello (record version 0x0301, a 32-byte legacy session
 *           id, three TLS 1.3 cipher suites; extensions server_name (the
 *           name the client resolved; none for an address, RFC 6066),
 *           supported_groups, signature_algorithms, ALPN http/1.1,
 *           supported_versions 1.3 and 1.2, psk_key_exchange_modes,
 *           key_share x25519)
 *   server: ServerHello (echoing the session id, key_share x25519,
 *           supported_versions 1.3), ChangeCipherSpec, then EncryptedExtensions
 *           (ALPN), Certificate (the configured chain size), CertificateVerify
 *           (RSA-PSS 2048: 256 bytes of signature) and Finished, each in a
 *           record of its own of content type 23 (application_data)
 *   client: ChangeCipherSpec, Finished; its application data may follow at
 *           once, so the handshake costs one round trip before the request.
 *
 * Each flight is one write, so TCP packs it into full segments.  The
 * client's application hears on_connected once it has sent its Finished;
 * the server's hears on_accept once the client's Finished arrived.  Writes
 * made before then wait and go after the Finished.
 *
 * Application data: each write of n bytes becomes ceil(n / 16384) records
 * (17 03 03 + length, then the ciphertext: the plaintext, one byte of
 * inner content type and the 16-byte AEAD tag), so a record adds 22 bytes.
 * The write is one pkt_msg whose bytes are computed, so a 1 GB body costs
 * no memory and TCP fills its segments across record boundaries, as the
 * kernel does with what a TLS library writes.  The receiver delivers a
 * record's plaintext to the application when the record's last byte
 * arrives (a record is authenticated whole).  Closing sends an encrypted
 * close_notify alert (24 bytes) before the FIN.
 *
 * Simplifications: no session resumption or tickets (every connection is a
 * full handshake; a server sends no NewSessionTicket), no HelloRetryRequest,
 * no client certificates, no key update, no record padding, no
 * cryptographic CPU time (the load balancer's processing delay stands for
 * it).  The receiver trusts the message a segment names to know what it
 * carries, rather than decrypting; a peer that sends bytes that are not
 * this layer's (plain HTTP to a TLS port) gets the connection closed.
 */

/* Record layer constants (RFC 8446 section 5). */
#define TLS_RECORD_HEADER 5
#define TLS_MAX_PLAINTEXT 16384
#define TLS_AEAD_TAG 16
/* Bytes a record adds to its plaintext: header, inner content type, tag. */
#define TLS_RECORD_OVERHEAD (TLS_RECORD_HEADER + 1 + TLS_AEAD_TAG)

#define TLS_CT_CHANGE_CIPHER_SPEC 20
#define TLS_CT_ALERT 21
#define TLS_CT_HANDSHAKE 22
#define TLS_CT_APPLICATION_DATA 23

typedef struct {
	const char *name;    /* random stream (e.g. "alb-1/10.1.1.10:443/tls"); required */
	gboolean server;
	/* Server: bytes of the certificate chain (the DER certificates
	 * together) and how many certificates it holds (at least 1). */
	uint32_t cert_bytes;
	guint cert_count;
	/* Client: the server_name to send; NULL, empty or an IPv4 literal
	 * sends no server_name extension. */
	const char *sni;
} tls_config;

/* Totals of one context. */
typedef struct {
	uint64_t handshakes;       /* completed */
	uint64_t failed;           /* connections that ended before completing */
	uint64_t bad;              /* peers that sent bytes that were not TLS */
	uint64_t handshake_bytes;  /* written by this side: hellos, flights, CCS, Finished */
	uint64_t records;          /* application-data records written (close_notify included) */
	uint64_t record_bytes;     /* their wire bytes */
	uint64_t plaintext_bytes;  /* the application's bytes they carry */
} tls_stats;

/* The configuration and random stream shared by the connections of one
 * client or listener; reference counted, each connection holds one. */
typedef struct tls_ctx tls_ctx;

tls_ctx *tls_ctx_new(net *nt, const tls_config *cfg);
tls_ctx *tls_ctx_ref(tls_ctx *x);
void tls_ctx_unref(tls_ctx *x);
const tls_stats *tls_ctx_stats(const tls_ctx *x);

/* Client: makes a connection just opened with tcp_connect() a TLS one (its
 * ClientHello leaves when TCP connects).  A server context is refused. */
void tls_client_attach(tls_ctx *x, tcp_conn *c);
/* Server: every connection the listener accepts speaks TLS. */
void tls_server_attach(tls_ctx *x, tcp_listener *l);

/* Wire size of `n` bytes of application data in records. */
uint64_t tls_record_wire_len(uint64_t n);
/* The records that carry bytes [off, off + len) of `plain` (a reference
 * is taken), their ciphertext keyed by seed: what a write puts on the
 * stream. */
pkt_msg *tls_records_msg(pkt_msg *plain, uint64_t off, uint64_t len, uint64_t seed);

/* Sizes of the handshake as this configuration writes it: the client's
 * first flight (ClientHello record) for a server_name of sni_len bytes (0:
 * none), the server's flight for a chain of cert_bytes in cert_count
 * certificates, and the client's second flight (CCS and Finished). */
uint32_t tls_client_hello_len(size_t sni_len);
uint32_t tls_server_flight_len(uint32_t cert_bytes, guint cert_count);
uint32_t tls_client_finished_len(void);

#endif
