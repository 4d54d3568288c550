/* \summary: HTTP/1.1 over tcp_stack: request/response heads as real text, clients and servers */
#ifndef VPCSIM_HTTP_H
#define VPCSIM_HTTP_H

#include <string.h>

#include "tcp.h"
#include "tls.h"
#include "dist.h"

/*
 * HTTP/1.1 in clear text, enough for load generators, servers, service
 * endpoints and proxies (an ALB terminates a client's connection and opens
 * its own to a target).
 *
 * Messages are pkt_msg: the head is real text built with GString
 * ("GET /path HTTP/1.1\r\nHost: ...\r\n...\r\n\r\n") and the body is the
 * message's pattern, so captures decode in Wireshark while a 1 GB body
 * costs nothing.  Bodies are always framed by Content-Length (never
 * chunked); the receiving side copies only head bytes out of the stream
 * and counts body bytes.
 *
 * A connection carries one request at a time: the client sends the next
 * request on a kept-alive connection only after the previous response is
 * complete (no pipelining).  A server still accepts pipelined bytes: they
 * are held and parsed once the current response has been sent.
 *
 * Two headers let a client ask the default server handler for a response
 * (the scenario's workloads carry response size and think time on the
 * client side): "X-Vpcsim-Response-Bytes: N" (body bytes) and
 * "X-Vpcsim-Think-Ns: N".  Either overrides the server's own distribution.
 *
 * Allocation: per connection (its state and buffers, grown once) and per
 * request (the head's text and its pkt_msg); none per segment.
 */

#define HTTP_HDR_RESPONSE_BYTES "X-Vpcsim-Response-Bytes"
#define HTTP_HDR_THINK_NS "X-Vpcsim-Think-Ns"

/* ---- heads ---- */

/* Appends n bytes of s to g: g_string_append_len() without the call when
 * they fit (GLib 2.76 makes it inline this way; Debian 12 has 2.74).  Heads
 * are copied a line at a time for every request an ALB forwards. */
static inline void http_str_put(GString *g, const char *s, size_t n)
{
	if (g->len + n < g->allocated_len) {
		memcpy(g->str + g->len, s, n);
		g->len += n;
		g->str[g->len] = '\0';
	} else {
		g_string_append_len(g, s, (gssize)n);
	}
}

/* Writes n bytes of s at d, where the caller has made room, and returns
 * the byte after them: heads are sized first, then written piece by piece
 * (g_string_append() was a call per piece that measured it again). */
static inline char *http_put(char *d, const void *s, size_t n)
{
	memcpy(d, s, n);
	return d + n;
}

#define HTTP_PUT_LIT(d, lit) http_put((d), (lit), sizeof(lit) - 1)

/* TRUE if the n bytes at a spell the n bytes of `name`, ASCII case
 * ignored: g_ascii_strncasecmp(a, name, n) == 0 for a name without NUL,
 * without its call per byte.  Header names are mostly spelt as looked
 * for, so one memcmp decides most compares. */
static inline gboolean http_name_is(const char *a, const char *name, size_t n)
{
	if (memcmp(a, name, n) == 0)
		return TRUE;
	for (size_t i = 0; i < n; i++) {
		char x = a[i], y = name[i];
		if (x != y && (x >= 'A' && x <= 'Z' ? x + ('a' - 'A') : x) !=
		                      (y >= 'A' && y <= 'Z' ? y + ('a' - 'A') : y))
			return FALSE;
	}
	return TRUE;
}

/* "METHOD PATH HTTP/1.1\r\nHost: HOST\r\nUser-Agent: vpcsim\r\nContent-Length: N\r\n"
 * then "Connection: close\r\n" if `close`, then `extra` (zero or more
 * complete "Name: value\r\n" lines, may be NULL), then "\r\n". */
GString *http_request_head(const char *method, const char *host, const char *path,
                           uint64_t body_len, gboolean close, const char *extra);
/* "HTTP/1.1 STATUS REASON\r\nServer: vpcsim\r\nContent-Length: N\r\n", the
 * optional Connection: close, `extra`, "\r\n". */
GString *http_response_head(int status, uint64_t body_len, gboolean close, const char *extra);
/* A copy of a complete head (ending in the blank line) with `extra` header
 * lines inserted before the blank line: how a proxy re-emits a request
 * with X-Forwarded-For and friends. */
GString *http_head_add(const char *head, size_t len, const char *extra);
/* Sets g to the header line "NAME: V\r\n", without printf (a workload
 * builds one per request). */
void http_header_set_u64(GString *g, const char *name, uint64_t v);
/* The value of header `name` (case-insensitive) in a head, trimmed, and its
 * length; NULL if absent.  Points into `head`. */
const char *http_head_get(const char *head, size_t len, const char *name, size_t *vlen);
/* "OK", "Not Found", ... ("Unknown" for codes not listed). */
const char *http_reason(int status);

/* ---- server ---- */

typedef struct http_server http_server;
/* One request being answered. */
typedef struct http_exchange http_exchange;

/* Called once per complete request (head and body received).  The
 * handler answers with http_respond(), now or later (after a think time,
 * or when a proxied request completes); the exchange stays valid until
 * then, even if the client goes away meanwhile. */
typedef void (*http_handler)(http_exchange *x, void *ud);

typedef struct {
	const char *name;     /* random stream (e.g. "web-1/http:80"); required */
	uint32_t ip;          /* 0 = any address of the host */
	uint16_t port;
	uint32_t mtu;         /* 0 = the stack's */
	dist think;           /* default handler: delay before answering (UNIT_TIME); unset = 0 */
	dist response_size;   /* default handler: body bytes (UNIT_SIZE); unset = 0 */
	size_t max_head;      /* larger request heads get 431; 0 = 64 KiB */
	sim_time idle_timeout; /* close (FIN) a connection that received and sent nothing
	                          this long while no request was being answered; 0 = never */
	tls_ctx *tls;         /* a server context: HTTPS (the server takes a reference) */
} http_server_config;

/* Listens on the stack.  The config is copied (its distributions too).
 * Fails with VPCSIM_ERROR_INVALID if the port is taken. */
http_server *http_server_new(tcp_stack *st, const http_server_config *cfg, GError **error);
/* Replaces the default handler (think time, then 200 with the sized body). */
void http_server_set_handler(http_server *s, http_handler h, void *ud);
/* Called when a connection is accepted (opened TRUE) and when an accepted
 * connection ends (FALSE), e.g. to count open connections over time.  Not
 * called from http_server_free(). */
typedef void (*http_conn_fn)(http_server *s, gboolean opened, void *ud);
void http_server_set_conn_hook(http_server *s, http_conn_fn fn, void *ud);
/* Stops listening and detaches from every connection (no packet is sent:
 * this runs at teardown, when links may be gone).  Call it before the
 * stack is freed (host_destroy does). */
void http_server_free(http_server *s);

typedef struct {
	uint64_t connections;   /* accepted */
	uint64_t requests;      /* complete requests handed to the handler */
	uint64_t responses;
	uint64_t bad_requests;  /* answered 400 or 431 and closed */
	uint64_t orphaned;      /* answers dropped because the client had gone */
	uint64_t closed;        /* accepted connections that ended */
	uint64_t idle_closed;   /* connections the server closed after idle_timeout */
	uint64_t request_bytes; /* heads and bodies of the requests handed to the handler */
	uint64_t response_bytes; /* heads and bodies of the responses written */
} http_server_stats;
const http_server_stats *http_server_get_stats(const http_server *s);

/* The default handler, for custom handlers that fall back to it. */
void http_default_handler(http_exchange *x, void *ud);

const char *http_exchange_method(const http_exchange *x);
const char *http_exchange_path(const http_exchange *x);
/* The request head as received, blank line included. */
const char *http_exchange_head(const http_exchange *x, size_t *len);
const char *http_exchange_header(const http_exchange *x, const char *name, size_t *vlen);
uint64_t http_exchange_body_len(const http_exchange *x);
uint32_t http_exchange_client_ip(const http_exchange *x);
uint16_t http_exchange_client_port(const http_exchange *x);
sim_time http_exchange_t_received(const http_exchange *x); /* last request byte */
http_server *http_exchange_server(const http_exchange *x);

/* A walk over a head's header lines, from the one after the start line to
 * the blank line, on the line ends found while the head arrived (those past
 * the first 32 are looked for again). */
typedef struct {
	const char *head, *end;
	const char *l;           /* the next line; NULL: the head has no start line */
	const uint32_t *nl;      /* offsets of the head's first n_nl '\n' */
	size_t n_nl, i;
} http_lines;

/* Starts a walk over the request head's header lines; w->l is where the
 * first starts (the start line is the bytes before it). */
void http_exchange_lines(const http_exchange *x, http_lines *w);

/* The next header line: *line its first byte, *stop where its "\r\n" (or
 * "\n") starts, *next the byte after it.  FALSE at the blank line, w->l
 * then where it starts, or at the end of the head. */
static inline gboolean http_lines_next(http_lines *w, const char **line, const char **stop,
                                       const char **next)
{
	const char *l = w->l;
	if (!l || l >= w->end)
		return FALSE;
	const char *eol = w->i < w->n_nl ? w->head + w->nl[w->i++]
	                                 : memchr(l, '\n', (size_t)(w->end - l));
	const char *s = !eol ? w->end : eol > l && eol[-1] == '\r' ? eol - 1 : eol;
	if (s == l)
		return FALSE; /* the blank line */
	*line = l;
	*stop = s;
	*next = w->l = eol ? eol + 1 : w->end;
	return TRUE;
}

/* Sends the response: the head (status line, Server, Content-Length,
 * Connection: close if the request asked for it, `extra` lines) and
 * body_len pattern bytes.  Ends the exchange; `x` is invalid afterwards. */
void http_respond(http_exchange *x, int status, uint64_t body_len, const char *extra);

/* ---- client ---- */

typedef enum {
	HTTP_OK = 0,              /* a complete response arrived (any status) */
	HTTP_FAIL_REFUSED,        /* "connection refused" */
	HTTP_FAIL_RESET,          /* "connection reset" */
	HTTP_FAIL_TIMEOUT,        /* "connection timed out" */
	HTTP_FAIL_CLOSED,         /* "connection closed early": before the response ended */
	HTTP_FAIL_BAD_RESPONSE,   /* "malformed response" */
	HTTP_FAIL_NO_PORT,        /* "no free local port" */
	HTTP_FAIL_NO_NAME,        /* "name not resolved": no DNS answer for the server's name */
	HTTP_FAIL__COUNT
} http_fail;

const char *http_fail_name(http_fail f);

/* What a request came to.  Times are simulated; t_connected is when the
 * connection that carried the request completed its handshake (earlier
 * than t_start for a reused connection, -1 if it never did). */
typedef struct {
	http_fail fail;
	int status;               /* 0 unless fail == HTTP_OK */
	sim_time t_start;         /* http_client_request() */
	sim_time t_connected;
	sim_time t_sent;          /* the request's first byte left (-1 if never) */
	sim_time t_first_byte;    /* first response byte arrived (-1 if none) */
	sim_time t_complete;      /* last response byte, or the failure */
	uint64_t request_bytes;   /* head + body */
	uint64_t response_bytes;  /* head + body received */
	uint64_t content_length;
	gboolean reused;          /* the connection had carried earlier requests */
	uint16_t local_port;
	const char *head;         /* the response head; valid during the callback */
	size_t head_len;
} http_result;

typedef void (*http_done_fn)(const http_result *r, void *ud);

typedef struct {
	uint32_t local_ip;
	uint32_t ip;              /* the server */
	uint16_t port;
	const char *host;         /* Host header; NULL = "IP" or "IP:PORT" */
	gboolean keepalive;       /* FALSE: one connection per request, "Connection: close" */
	guint max_conns;          /* connections at most (requests queue beyond); 0 = no limit */
	uint32_t mtu;             /* 0 = the stack's */
	sim_time idle_timeout;    /* close (FIN) a kept-alive connection idle this long; 0 = never */
	/* A request fails as HTTP_FAIL_TIMEOUT, its connection aborted (a RST),
	 * when the handshake has not completed connect_timeout after the SYN,
	 * or when no response byte has arrived response_timeout after the
	 * request was sent; 0 = TCP's own limits only (SYN retries). */
	sim_time connect_timeout;
	sim_time response_timeout;
	/* When set, asked for the server's address each time a connection is
	 * opened (a name resolved per connection, as getaddrinfo() before
	 * connect()); `ip` is then unused.  0 = no address: the request fails
	 * as HTTP_FAIL_NO_NAME. */
	uint32_t (*resolve)(void *ud);
	void *resolve_ud;
	tls_ctx *tls;             /* a client context: HTTPS (the client takes a reference) */
} http_client_config;

/* A client of one server: keeps its connections and a queue of requests
 * waiting for one. */
typedef struct http_client http_client;

http_client *http_client_new(tcp_stack *st, const http_client_config *cfg);
/* Detaches from every connection and drops queued requests without
 * calling back (teardown, as http_server_free; before the stack is
 * freed).  Not from inside a `done` callback of this client. */
void http_client_free(http_client *cl);

typedef struct {
	const char *method;       /* NULL = "GET" */
	const char *path;         /* NULL = "/" */
	const char *host;         /* NULL = the client's */
	uint64_t body_len;
	const char *extra;        /* header lines "Name: value\r\n", or NULL */
	GBytes *head;             /* if set, sent verbatim (a proxy re-emitting a
	                             request); the fields above but body_len are ignored */
	const char *head_bytes;   /* the same, copied: head_len bytes, when head is NULL */
	size_t head_len;
} http_request_spec;

/* Starts a request; `done` is called exactly once, never from inside this
 * call.  Copies what it needs from spec (a reference to head, or head_bytes). */
void http_client_request(http_client *cl, const http_request_spec *spec, http_done_fn done,
                         void *ud);
/* Closes kept-alive connections that carry no request (a FIN each). */
void http_client_close_idle(http_client *cl);
/* Requests started and not yet done. */
guint http_client_outstanding(const http_client *cl);
/* Connections open now, and ever opened. */
guint http_client_connections(const http_client *cl);
uint64_t http_client_connections_opened(const http_client *cl);
/* Kept-alive connections closed by the client's idle_timeout. */
uint64_t http_client_idle_closed(const http_client *cl);
/* Requests that had to wait for a connection: none was idle and max_conns
 * were open (the pool was the limit). */
uint64_t http_client_waited(const http_client *cl);
/* The most connections open at once. */
guint http_client_peak_connections(const http_client *cl);

#endif
