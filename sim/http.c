/* \summary: HTTP/1.1 over tcp_stack: head building and parsing, server exchanges, pooled clients */
#include "http.h"

#include <string.h>

#include "error.h"
#include "units.h"

#define DEFAULT_MAX_HEAD 65536
#define NO_TIME ((sim_time)-1)

/* ---- heads ---- */

#define U64_DIGITS 20

/* A head is sized first and written with memcpy: g_string_append() was a
 * call per piece that measured it again and checked for overlap, 6% of the
 * instructions of `bench tgw` (callgrind). */
static GString *head_new(GString *g, size_t most, char **d)
{
	/* Room for `most` bytes and the NUL; the string grows only the first
	 * times (a call to GLib then), its length is set by head_done(). */
	if (most >= g->allocated_len)
		g_string_set_size(g, most);
	*d = g->str;
	return g;
}

static GString *head_done(GString *g, char *d)
{
	g->len = (gsize)(d - g->str);
	*d = '\0';
	return g;
}

/* The end both heads share: Content-Length's value, "Connection: close"
 * if asked, the extra lines (el bytes) and the blank line. */
static char *head_tail(char *d, uint64_t body_len, gboolean close, const char *extra, size_t el)
{
	d = units_put_u64(d, body_len);
	d = HTTP_PUT_LIT(d, "\r\n");
	if (close)
		d = HTTP_PUT_LIT(d, "Connection: close\r\n");
	if (el)
		d = http_put(d, extra, el);
	return HTTP_PUT_LIT(d, "\r\n");
}

/* A request head written into g (its old contents replaced): the client
 * writes each into one scratch string and copies it into its message. */
static GString *request_head_into(GString *g, const char *method, const char *host, const char *path,
                                  uint64_t body_len, gboolean close, const char *extra)
{
	static const char ua[] = "\r\nUser-Agent: vpcsim/" VPCSIM_VERSION "\r\nContent-Length: ";
	size_t ml = strlen(method), pl = strlen(path), hl = strlen(host), el = extra ? strlen(extra) : 0;
	char *d;
	head_new(g, ml + 1 + pl + sizeof " HTTP/1.1\r\nHost: " + hl + sizeof ua + U64_DIGITS +
	                 sizeof "\r\nConnection: close\r\n" + el + 2, &d);
	d = http_put(d, method, ml);
	*d++ = ' ';
	d = http_put(d, path, pl);
	d = HTTP_PUT_LIT(d, " HTTP/1.1\r\nHost: ");
	d = http_put(d, host, hl);
	d = HTTP_PUT_LIT(d, ua);
	return head_done(g, head_tail(d, body_len, close, extra, el));
}

GString *http_request_head(const char *method, const char *host, const char *path,
                           uint64_t body_len, gboolean close, const char *extra)
{
	g_return_val_if_fail(method != NULL && host != NULL && path != NULL, NULL);
	return request_head_into(g_string_new(NULL), method, host, path, body_len, close, extra);
}

void http_header_set_u64(GString *g, const char *name, uint64_t v)
{
	g_return_if_fail(g != NULL && name != NULL);
	size_t nl = strlen(name);
	char *d;
	head_new(g, nl + 2 + U64_DIGITS + 2, &d);
	d = http_put(d, name, nl);
	d = HTTP_PUT_LIT(d, ": ");
	d = units_put_u64(d, v);
	d = HTTP_PUT_LIT(d, "\r\n");
	head_done(g, d);
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

static GString *response_head_into(GString *g, int status, uint64_t body_len, gboolean close,
                                   const char *extra)
{
	const char *reason = http_reason(status);
	size_t rl = strlen(reason), el = extra ? strlen(extra) : 0;
	char *d;
	head_new(g, sizeof "HTTP/1.1 -" + U64_DIGITS + 1 + rl +
	                 sizeof "\r\nServer: vpcsim\r\nContent-Length: " + U64_DIGITS +
	                 sizeof "\r\nConnection: close\r\n" + el + 2, &d);
	d = HTTP_PUT_LIT(d, "HTTP/1.1 ");
	/* %d of an int: the sign by hand, then the magnitude. */
	if (status < 0)
		*d++ = '-';
	d = units_put_u64(d, status < 0 ? -(uint64_t)status : (uint64_t)status);
	*d++ = ' ';
	d = http_put(d, reason, rl);
	d = HTTP_PUT_LIT(d, "\r\nServer: vpcsim\r\nContent-Length: ");
	return head_done(g, head_tail(d, body_len, close, extra, el));
}

GString *http_response_head(int status, uint64_t body_len, gboolean close, const char *extra)
{
	return response_head_into(g_string_new(NULL), status, body_len, close, extra);
}

GString *http_head_add(const char *head, size_t len, const char *extra)
{
	g_return_val_if_fail(head != NULL && len >= 4 && memcmp(head + len - 4, "\r\n\r\n", 4) == 0,
	                     NULL);
	size_t n = extra ? strlen(extra) : 0;
	GString *g = g_string_sized_new(len + n);
	http_str_put(g, head, len - 2);
	http_str_put(g, extra, n);
	http_str_put(g, "\r\n", 2);
	return g;
}

#define HEAD_SCAN_MAX 5

/* A header name and its length (SIZE_MAX for a name with a colon, which
 * matches no line); the parsers' names are constants, measured once. */
typedef struct {
	const char *name;
	size_t len;
} head_name;

#define HEAD_NAME(s) { (s), sizeof(s) - 1 }

/*
 * Looks up n (at most HEAD_SCAN_MAX) header names in one walk over a head:
 * v[i] and vl[i] get what http_head_get(head, len, names[i], &vl[i]) would
 * return (the first line of that name, the value trimmed), v[i] NULL when
 * absent.  Parsing a head asks for three or four headers, and a walk per
 * header was most of the cost of parsing.  nl[0..n_nl) may give the first
 * n_nl '\n' of the head (where head_end() found them while the head
 * arrived), so that they are not looked for again; later ones are.
 */
static void head_scan(const char *head, size_t len, const uint32_t *nl, size_t n_nl,
                      const head_name *names, size_t n, const char **v, size_t *vl)
{
	size_t left = 0;
	for (size_t i = 0; i < n; i++) {
		v[i] = NULL;
		vl[i] = 0;
		left += names[i].len != SIZE_MAX;
	}
	const char *end = head + len;
	size_t li = 0;
	/* Skip the start line, then walk "Name: value\r\n" lines up to the
	 * blank one.  Hand-written rather than split into strings so that
	 * looking a header up allocates nothing. */
	const char *l = !left ? NULL : n_nl ? head + nl[li++] : memchr(head, '\n', len);
	while (l && ++l < end) {
		const char *eol = li < n_nl ? head + nl[li++] : memchr(l, '\n', (size_t)(end - l));
		if (!eol)
			eol = end;
		const char *stop = eol > l && eol[-1] == '\r' ? eol - 1 : eol;
		if (stop == l)
			break; /* the blank line */
		for (size_t i = 0; i < n; i++) {
			/* The first colon is at nlen exactly when l[nlen] is one and
			 * the nlen bytes before it spell the name (which has no
			 * colon). */
			size_t k = names[i].len;
			if (v[i] || (size_t)(stop - l) <= k || l[k] != ':' || !http_name_is(l, names[i].name, k))
				continue;
			const char *a = l + k + 1;
			while (a < stop && (*a == ' ' || *a == '\t'))
				a++;
			const char *ve = stop;
			while (ve > a && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			v[i] = a;
			vl[i] = (size_t)(ve - a);
			if (--left == 0)
				return;
			break;
		}
		l = eol < end ? eol : NULL;
	}
}

const char *http_head_get(const char *head, size_t len, const char *name, size_t *vlen)
{
	g_return_val_if_fail(head != NULL && name != NULL, NULL);
	const char *v;
	size_t vl;
	head_name hn = { name, strlen(name) };
	if (memchr(name, ':', hn.len))
		hn.len = SIZE_MAX;
	head_scan(head, len, NULL, 0, &hn, 1, &v, &vl);
	if (v && vlen)
		*vlen = vl;
	return v;
}

/* A header's value (v, vl from head_scan()) as an unsigned decimal; FALSE
 * if absent or not a number. */
static gboolean value_u64(const char *v, size_t vl, uint64_t *out)
{
	/* What g_ascii_string_to_unsigned() accepts in base 10 (digits only, no
	 * sign or space, at most G_MAXUINT64), without the copy it needs for
	 * its terminating NUL; longer than 23 bytes is refused, as the copy
	 * was. */
	if (!v || vl == 0 || vl >= 24)
		return FALSE;
	uint64_t n = 0;
	for (size_t i = 0; i < vl; i++) {
		unsigned dg = (unsigned char)v[i] - (unsigned)'0';
		if (dg > 9 || n > (G_MAXUINT64 - dg) / 10)
			return FALSE;
		n = n * 10 + dg;
	}
	*out = n;
	return TRUE;
}

/* TRUE if a header's value is the token `tok` (as in "Connection: close"). */
static gboolean value_is(const char *v, size_t vl, const char *tok)
{
	size_t tl = strlen(tok);
	return v && vl == tl && http_name_is(v, tok, tl);
}

/* Copies n stream bytes into the end of g: from raw if given, else from the
 * message (which may be NULL: unreadable bytes become '?'). */
static void append_bytes(GString *g, const pkt_msg *m, uint64_t off, const char *raw, uint32_t n)
{
	gsize at = g->len;
	if (at + n >= g->allocated_len) {
		g_string_set_size(g, at + n);
	} else {
		g->len = at + n;
		g->str[g->len] = '\0';
	}
	if (raw)
		memcpy(g->str + at, raw, n);
	else if (m)
		pkt_msg_fill(m, off, (uint8_t *)g->str + at, n);
	else
		memset(g->str + at, '?', n);
}

/*
 * A head being received: its text and where its first '\n' bytes are, found
 * while looking for the blank line that ends it (head_end) and used again
 * to parse it (head_scan).  nl->at[0..nl->n) holds the first nl->n '\n' of
 * `s`; `scanned` is how many bytes of s were looked at for them (SIZE_MAX
 * once bytes were added unseen: nothing more is recorded, and the parser
 * finds the rest itself).
 *
 * `known` holds the last head the owner accepted (parsed, or found known)
 * before this one, when known_valid: the owner keeps what parsing it gave,
 * and a head of the same bytes needs no parsing (a workload sends the same
 * head again and again, and a server answers with the same head).  The
 * strings and their line ends swap when a head is emptied, so nothing is
 * copied.
 *
 * Nothing is allocated before a head's first byte: s and nl then.  When
 * the first accepted head is emptied, its storage becomes the known one
 * and s is NULL again, so a second string is allocated only once a second
 * head begins.  A connection that never gets a head (a client's still
 * opening: tens of thousands of them in a per-request workload under load)
 * costs only this struct, one that carries a single head (a connection per
 * request) a single string.
 */
#define HEAD_NL_MAX 32

typedef struct {
	uint32_t n;
	uint32_t at[HEAD_NL_MAX];
} head_nl;

typedef struct {
	GString *s;            /* NULL until the first head byte */
	head_nl *nl;           /* allocated with s */
	GString *known;        /* NULL until the first accepted head is emptied */
	head_nl *known_nl;     /* the known head's */
	gboolean known_valid;
	gboolean accepted;     /* s is what the owner's parse result now describes */
	gboolean same;         /* s starts with the known head's bytes (append_head_bytes) */
	size_t scanned;
} head_buf;

static void hb_init(head_buf *b) { memset(b, 0, sizeof *b); }

static void hb_clear(head_buf *b)
{
	if (b->s)
		g_string_free(b->s, TRUE);
	if (b->known)
		g_string_free(b->known, TRUE);
	g_free(b->nl);
	g_free(b->known_nl);
}

/* The head's length so far. */
static inline size_t hb_len(const head_buf *b) { return b->s ? b->s->len : 0; }

/* Empties the head (g_string_truncate(s, 0) without the call); an accepted
 * head becomes the known one.  The first time, the emptied head has no
 * storage until its first byte (append_head_bytes). */
static void hb_reset(head_buf *b)
{
	if (b->accepted) {
		GString *t = b->known;
		b->known = b->s;
		b->s = t;
		head_nl *tn = b->known_nl;
		b->known_nl = b->nl;
		b->nl = tn;
		b->known_valid = TRUE;
		b->accepted = FALSE;
	}
	b->same = FALSE;
	b->scanned = 0;
	if (b->s) {
		b->s->len = 0;
		b->s->str[0] = '\0';
		b->nl->n = 0;
	}
}

/* TRUE if the head is byte for byte the last one accepted. */
static gboolean hb_known(const head_buf *b)
{
	if (b->same)
		return b->known->len == b->s->len;
	return b->known_valid && b->known->len == b->s->len &&
	       memcmp(b->known->str, b->s->str, b->s->len) == 0;
}

/* Cuts the head to its first e bytes, e at most its length: the recorded
 * '\n' all lie before e (head_end stops at the first blank line). */
static void hb_cut(head_buf *b, size_t e)
{
	b->s->len = e;
	b->s->str[e] = '\0';
}

/* Looks for the blank line ending a head in b, starting near `from` (the
 * length before the last append), and records the '\n' it passes.
 * Returns the head's length or 0. */
static size_t head_end(head_buf *b, size_t from)
{
	const GString *g = b->s;
	head_nl *nl = b->nl;
	gboolean record = b->scanned == from;
	/* Each '\n' on: a head has one per line, where a search for the whole
	 * string restarts at every '\r'.  One before byte 3 cannot end the
	 * blank line. */
	const char *p = g->str + from, *end = g->str + g->len;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		size_t at = (size_t)(p - g->str);
		if (record && nl->n < HEAD_NL_MAX)
			nl->at[nl->n++] = (uint32_t)at;
		if (at >= 3 && p[-1] == '\r' && p[-2] == '\n' && p[-3] == '\r') {
			b->scanned = at + 1;
			return at + 1;
		}
		p++;
	}
	b->scanned = record ? g->len : SIZE_MAX;
	return 0;
}

/*
 * Appends head bytes as append_bytes() does and returns head_end(b, before
 * the append), producing no more of the message than that needs: a
 * message's generated bytes (the pattern after its head, pkt.h) are
 * printable, with no '\r' or '\n', so the blank line ending a head can only
 * lie in the real bytes; the segment's body bytes are produced only when no
 * head end is found (a malformed stream, whose bytes then count towards the
 * head size limit exactly as before).  When a head end is found, b may hold
 * more than it (the caller cuts it there).
 */
static size_t append_head_bytes(head_buf *b, const pkt_msg *m, uint64_t off, const char *raw,
                                uint32_t n)
{
	if (G_UNLIKELY(!b->s)) {
		b->s = g_string_sized_new(256);
		b->nl = g_new(head_nl, 1);
		b->nl->n = 0;
	}
	GString *g = b->s;
	size_t before = g->len;
	uint32_t real = n;
	if (!raw && m) {
		size_t hlen = m->head_len;
		real = off < hlen ? (uint32_t)MIN((uint64_t)n, hlen - off) : 0;
	}
	append_bytes(g, m, off, raw, real);
	/* A head that starts with the bytes of the last one accepted ends
	 * where that one did: it had no earlier blank line, so neither has
	 * this one.  Its line ends are the known head's. */
	size_t kl = b->known_valid ? b->known->len : 0;
	if (before == 0 && kl && g->len >= kl && memcmp(g->str, b->known->str, kl) == 0) {
		memcpy(b->nl->at, b->known_nl->at, b->known_nl->n * sizeof b->nl->at[0]);
		b->nl->n = b->known_nl->n;
		b->scanned = kl;
		b->same = TRUE;
		return kl;
	}
	size_t e = head_end(b, before);
	if (!e && real < n)
		append_bytes(g, m, off + real, NULL, n - real);
	return e;
}

/* ---- server ---- */

typedef enum {
	RX_HEAD,   /* reading a request head */
	RX_BODY,   /* counting its body */
	RX_WAIT,   /* the handler holds the exchange */
	RX_DONE,   /* closing: anything more is ignored */
} srv_rx;

struct http_exchange {
	GList link;            /* in the server's list */
	http_server *srv;
	tcp_conn *tc;          /* NULL once the connection is gone */
	srv_rx rx;
	gboolean feeding;      /* inside srv_feed */
	gboolean eof;          /* the client sent FIN */
	gboolean close_after;  /* the request asked for Connection: close */
	head_buf head;         /* the current request head */
	GString *held;         /* bytes that arrived while a response was pending; NULL until then */
	GString *method, *path;
	uint64_t body_len, body_left;
	/* The request's X-Vpcsim-Think-Ns and X-Vpcsim-Response-Bytes, read
	 * with the others in one walk over the head (has_*: present and a
	 * number); the default handler uses them. */
	gboolean has_think, has_bytes;
	uint64_t think_ns, bytes;
	uint32_t cip;
	uint16_t cport;
	sim_time t_received;
	sim_event_id think_ev; /* the default handler's pending answer */
	uint64_t answer_bytes;
	sim_time last_active;  /* last request bytes received or response written */
	sim_timer idle_ev;     /* the idle check, at most one pending (an engine timer: usually
	                          cancelled with the connection) */
};

struct http_server {
	tcp_stack *st;
	net *nt;
	tcp_listener *l;
	http_server_config cfg;
	char *name;
	rng rng;
	http_handler handler;
	void *hud;
	GQueue conns; /* http_exchange, by their links */
	uint64_t seed;
	http_server_stats stats;
	http_conn_fn conn_fn;
	void *conn_ud;
};

static void x_free(http_exchange *x)
{
	http_server *s = x->srv;
	if (x->think_ev)
		sim_cancel(s->nt->sim, x->think_ev);
	sim_timer_cancel(s->nt->sim, &x->idle_ev);
	g_queue_unlink(&s->conns, &x->link);
	hb_clear(&x->head);
	if (x->held)
		g_string_free(x->held, TRUE);
	g_string_free(x->method, TRUE);
	g_string_free(x->path, TRUE);
	g_free(x);
}

static void x_idle_fire(sim *sm, void *ctx, void *arg)
{
	(void)arg;
	http_exchange *x = ctx;
	http_server *s = x->srv;
	/* A request being answered is not idle time on this connection (the
	 * check is armed again when the answer is written). */
	if (!x->tc || x->rx == RX_WAIT || x->rx == RX_DONE)
		return;
	sim_time due = x->last_active + s->cfg.idle_timeout;
	if (sim_now(sm) < due) {
		sim_timer_arm_at(sm, &x->idle_ev, due, x_idle_fire, x, NULL);
		return;
	}
	s->stats.idle_closed++;
	x->rx = RX_DONE;
	if (x->held)
		g_string_truncate(x->held, 0);
	tcp_close(x->tc);
}

/* Notes activity.  The check is lazy: one pending event per connection,
 * which moves itself to the last activity + timeout when it fires early,
 * so traffic costs no event-queue work. */
static void x_touch(http_exchange *x)
{
	http_server *s = x->srv;
	x->last_active = sim_now(s->nt->sim);
	if (s->cfg.idle_timeout > 0 && !sim_timer_armed(&x->idle_ev) && x->tc)
		sim_timer_arm_at(s->nt->sim, &x->idle_ev,
		                 sim_time_add_sat(x->last_active, s->cfg.idle_timeout), x_idle_fire, x,
		                 NULL);
}

static void x_send(http_exchange *x, int status, uint64_t body_len, gboolean close,
                   const char *extra)
{
	http_server *s = x->srv;
	GString *h = response_head_into(s->nt->scratch, status, body_len, close, extra);
	pkt_msg *m = pkt_msg_new_copy(s->nt->pool, h->str, h->len, h->len + body_len, ++s->seed);
	tcp_write(x->tc, m, 0, m->len);
	s->stats.response_bytes += m->len;
	pkt_msg_unref(m);
	s->stats.responses++;
	x_touch(x);
	if (close) {
		tcp_close(x->tc);
		x->rx = RX_DONE;
		if (x->held)
			g_string_truncate(x->held, 0);
	}
}

/* A request that cannot be served: answer it and close. */
static void x_reject(http_exchange *x, int status)
{
	x->srv->stats.bad_requests++;
	x_send(x, status, 0, TRUE, NULL);
}

static gboolean x_parse_head(http_exchange *x)
{
	const char *h = x->head.s->str;
	size_t len = x->head.s->len;
	const char *eol = memchr(h, '\r', len);
	const char *sp1 = memchr(h, ' ', (size_t)(eol - h));
	if (!sp1 || sp1 == h)
		return FALSE;
	const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1)
		return FALSE;
	size_t verl = (size_t)(eol - sp2 - 1);
	if (verl != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return FALSE;
	x->method->len = 0;
	http_str_put(x->method, h, (size_t)(sp1 - h));
	x->path->len = 0;
	http_str_put(x->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	static const head_name names[] = { HEAD_NAME("Content-Length"), HEAD_NAME("Transfer-Encoding"),
	                                   HEAD_NAME("Connection"), HEAD_NAME(HTTP_HDR_THINK_NS),
	                                   HEAD_NAME(HTTP_HDR_RESPONSE_BYTES) };
	const char *v[5];
	size_t vl[5];
	head_scan(h, len, x->head.nl->at, x->head.nl->n, names, 5, v, vl);
	x->has_think = value_u64(v[3], vl[3], &x->think_ns);
	x->has_bytes = value_u64(v[4], vl[4], &x->bytes);
	x->body_len = 0;
	if (!value_u64(v[0], vl[0], &x->body_len) && v[0])
		return FALSE;
	if (v[1])
		return FALSE; /* chunked bodies are not modelled */
	gboolean v10 = sp2[8] == '0';
	x->close_after = value_is(v[2], vl[2], "close") ||
	                 (v10 && !value_is(v[2], vl[2], "keep-alive"));
	return TRUE;
}

/* Parses the request head, or finds it the same as the last one accepted
 * on this connection, whose parse the exchange's fields still hold. */
static gboolean x_head_parsed(http_exchange *x)
{
	if (!hb_known(&x->head) && !x_parse_head(x)) {
		x->head.known_valid = FALSE; /* the fields are no longer its parse */
		return FALSE;
	}
	x->head.accepted = TRUE;
	return TRUE;
}

static void x_dispatch(http_exchange *x)
{
	http_server *s = x->srv;
	x->rx = RX_WAIT;
	x->t_received = sim_now(s->nt->sim);
	s->stats.requests++;
	s->stats.request_bytes += x->head.s->len + x->body_len;
	s->handler(x, s->hud);
}

/*
 * Consumes request bytes until a request is complete and waiting for its
 * answer; returns how many bytes it used.  Head bytes are copied (they must
 * be parsed), body bytes only counted.  A handler that answers at once
 * returns the exchange to RX_HEAD, and parsing goes on with what is left.
 */
static uint32_t srv_feed(http_exchange *x, const pkt_msg *m, uint64_t off, const char *raw,
                         uint32_t len)
{
	http_server *s = x->srv;
	size_t max_head = s->cfg.max_head ? s->cfg.max_head : DEFAULT_MAX_HEAD;
	uint32_t used = 0;
	x->feeding = TRUE;
	while (used < len && x->tc) {
		uint32_t n = len - used;
		if (x->rx == RX_HEAD) {
			size_t before = hb_len(&x->head);
			size_t e = append_head_bytes(&x->head, m, off + used, raw ? raw + used : NULL, n);
			if (!e) {
				used += n;
				if (x->head.s->len > max_head)
					x_reject(x, 431);
				continue;
			}
			used += (uint32_t)(e - before);
			hb_cut(&x->head, e);
			if (e > max_head) {
				x_reject(x, 431);
			} else if (!x_head_parsed(x)) {
				x_reject(x, 400);
			} else if (x->body_len == 0) {
				x_dispatch(x);
			} else {
				x->body_left = x->body_len;
				x->rx = RX_BODY;
			}
		} else if (x->rx == RX_BODY) {
			uint32_t k = (uint32_t)MIN((uint64_t)n, x->body_left);
			used += k;
			x->body_left -= k;
			if (x->body_left == 0)
				x_dispatch(x);
		} else if (x->rx == RX_DONE) {
			used = len;
		} else {
			break; /* RX_WAIT: the rest is held */
		}
	}
	x->feeding = FALSE;
	return x->tc ? used : len;
}

static void srv_on_accept(tcp_conn *c, void *ud)
{
	http_server *s = ud;
	http_exchange *x = g_new0(http_exchange, 1);
	x->srv = s;
	x->tc = c;
	x->rx = RX_HEAD;
	hb_init(&x->head);
	x->method = g_string_new(NULL);
	x->path = g_string_new(NULL);
	x->cip = tcp_conn_remote_ip(c);
	x->cport = tcp_conn_remote_port(c);
	x->link.data = x;
	g_queue_push_tail_link(&s->conns, &x->link);
	tcp_conn_set_user(c, x);
	s->stats.connections++;
	x_touch(x);
	if (s->conn_fn)
		s->conn_fn(s, TRUE, s->conn_ud);
}

static void srv_on_data(tcp_conn *c, const pkt_msg *m, uint64_t off, uint32_t len, void *ud)
{
	(void)c;
	http_exchange *x = ud;
	uint32_t used = 0;
	x_touch(x);
	if (!x->held || x->held->len == 0)
		used = srv_feed(x, m, off, NULL, len);
	if (used < len && x->rx != RX_DONE) {
		if (!x->held)
			x->held = g_string_new(NULL);
		append_bytes(x->held, m, off + used, NULL, len - used);
	}
}

static void srv_on_eof(tcp_conn *c, void *ud)
{
	http_exchange *x = ud;
	x->eof = TRUE;
	/* With an answer pending, the FIN goes after it (http_respond). */
	if (x->rx != RX_WAIT && x->rx != RX_DONE) {
		x->rx = RX_DONE;
		tcp_close(c);
	}
}

static void srv_on_closed(tcp_conn *c, tcp_close_reason why, void *ud)
{
	(void)c;
	(void)why;
	http_exchange *x = ud;
	http_server *s = x->srv;
	x->tc = NULL;
	s->stats.closed++;
	if (x->rx != RX_WAIT)
		x_free(x); /* else the handler still holds it: http_respond frees it */
	if (s->conn_fn)
		s->conn_fn(s, FALSE, s->conn_ud);
}

static const tcp_callbacks srv_callbacks = {
	.on_accept = srv_on_accept,
	.on_data = srv_on_data,
	.on_eof = srv_on_eof,
	.on_closed = srv_on_closed,
};

void http_respond(http_exchange *x, int status, uint64_t body_len, const char *extra)
{
	g_return_if_fail(x != NULL && x->rx == RX_WAIT);
	http_server *s = x->srv;
	if (!x->tc) {
		s->stats.orphaned++;
		x_free(x);
		return;
	}
	gboolean close = x->close_after || x->eof;
	x->rx = RX_HEAD;
	hb_reset(&x->head);
	x_send(x, status, body_len, close, extra);
	/* Pipelined requests that arrived meanwhile; when answering from inside
	 * srv_feed, its loop goes on by itself. */
	if (!x->feeding && x->rx == RX_HEAD && x->held && x->held->len > 0) {
		uint32_t used = srv_feed(x, NULL, 0, x->held->str, (uint32_t)x->held->len);
		if (x->tc && x->rx != RX_DONE)
			g_string_erase(x->held, 0, used);
	}
}

static void srv_think_done(sim *sm, void *ctx, void *arg)
{
	(void)sm;
	(void)arg;
	http_exchange *x = ctx;
	x->think_ev = 0;
	http_respond(x, 200, x->answer_bytes, NULL);
}

void http_default_handler(http_exchange *x, void *ud)
{
	(void)ud;
	http_server *s = x->srv;
	uint64_t think_ns = x->think_ns, bytes = x->has_bytes ? x->bytes : 0;
	if (!x->has_think)
		think_ns = s->cfg.think.kind != UNIT_NONE
		                   ? (uint64_t)dist_sample_delay(&s->cfg.think, &s->rng, s->nt->sim)
		                   : 0;
	if (!x->has_bytes && s->cfg.response_size.kind != UNIT_NONE)
		bytes = dist_sample_bytes(&s->cfg.response_size, &s->rng, s->nt->sim);
	if (think_ns == 0) {
		http_respond(x, 200, bytes, NULL);
		return;
	}
	x->answer_bytes = bytes;
	x->think_ev = sim_schedule(s->nt->sim, (sim_time)think_ns, srv_think_done, x, NULL);
}

http_server *http_server_new(tcp_stack *st, const http_server_config *cfg, GError **error)
{
	g_return_val_if_fail(st != NULL && cfg != NULL && cfg->name != NULL, NULL);
	http_server *s = g_new0(http_server, 1);
	s->st = st;
	s->nt = tcp_stack_net(st);
	s->cfg = *cfg;
	s->name = g_strdup(cfg->name);
	s->cfg.name = s->name;
	if (cfg->think.kind != UNIT_NONE)
		dist_copy(&s->cfg.think, &cfg->think);
	if (cfg->response_size.kind != UNIT_NONE)
		dist_copy(&s->cfg.response_size, &cfg->response_size);
	net_rng(s->nt, &s->rng, s->name);
	s->handler = http_default_handler;
	g_queue_init(&s->conns);
	s->l = tcp_listen(st, cfg->ip, cfg->port, cfg->mtu, &srv_callbacks, s);
	if (s->l && cfg->tls)
		tls_server_attach(s->cfg.tls = tls_ctx_ref(cfg->tls), s->l);
	else
		s->cfg.tls = NULL;
	if (!s->l) {
		char ip[16];
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
		            "HTTP server '%s': %s:%u is already listening; expected a free port",
		            cfg->name, cfg->ip ? pkt_ip_str(cfg->ip, ip) : "*", cfg->port);
		http_server_free(s);
		return NULL;
	}
	return s;
}

void http_server_set_handler(http_server *s, http_handler h, void *ud)
{
	g_return_if_fail(s != NULL && h != NULL);
	s->handler = h;
	s->hud = ud;
}

void http_server_set_conn_hook(http_server *s, http_conn_fn fn, void *ud)
{
	g_return_if_fail(s != NULL);
	s->conn_fn = fn;
	s->conn_ud = ud;
}

void http_server_free(http_server *s)
{
	if (!s)
		return;
	static const tcp_callbacks none = { 0 };
	tcp_unlisten(s->l);
	while (s->conns.head) {
		http_exchange *x = s->conns.head->data;
		if (x->tc) {
			tcp_conn_set_callbacks(x->tc, &none);
			tcp_conn_set_user(x->tc, NULL);
		}
		x_free(x);
	}
	if (s->cfg.think.kind != UNIT_NONE)
		dist_clear(&s->cfg.think);
	if (s->cfg.response_size.kind != UNIT_NONE)
		dist_clear(&s->cfg.response_size);
	tls_ctx_unref(s->cfg.tls);
	g_free(s->name);
	g_free(s);
}

const http_server_stats *http_server_get_stats(const http_server *s) { return &s->stats; }

const char *http_exchange_method(const http_exchange *x) { return x->method->str; }
const char *http_exchange_path(const http_exchange *x) { return x->path->str; }
const char *http_exchange_head(const http_exchange *x, size_t *len)
{
	if (len)
		*len = x->head.s->len;
	return x->head.s->str;
}
const char *http_exchange_header(const http_exchange *x, const char *name, size_t *vlen)
{
	return http_head_get(x->head.s->str, x->head.s->len, name, vlen);
}
void http_exchange_lines(const http_exchange *x, http_lines *w)
{
	const head_buf *b = &x->head;
	w->head = b->s->str;
	w->end = b->s->str + b->s->len;
	w->nl = b->nl->at;
	w->n_nl = b->nl->n;
	w->i = 0;
	const char *l = w->n_nl ? w->head + w->nl[w->i++] : memchr(w->head, '\n', b->s->len);
	w->l = l ? l + 1 : NULL;
}
uint64_t http_exchange_body_len(const http_exchange *x) { return x->body_len; }
uint32_t http_exchange_client_ip(const http_exchange *x) { return x->cip; }
uint16_t http_exchange_client_port(const http_exchange *x) { return x->cport; }
sim_time http_exchange_t_received(const http_exchange *x) { return x->t_received; }
http_server *http_exchange_server(const http_exchange *x) { return x->srv; }

/* ---- client ---- */

static const char *const fail_names[HTTP_FAIL__COUNT] = {
	[HTTP_OK] = "ok",
	[HTTP_FAIL_REFUSED] = "connection refused",
	[HTTP_FAIL_RESET] = "connection reset",
	[HTTP_FAIL_TIMEOUT] = "connection timed out",
	[HTTP_FAIL_CLOSED] = "connection closed early",
	[HTTP_FAIL_BAD_RESPONSE] = "malformed response",
	[HTTP_FAIL_NO_PORT] = "no free local port",
	[HTTP_FAIL_NO_NAME] = "name not resolved",
};

const char *http_fail_name(http_fail f)
{
	return (unsigned)f < HTTP_FAIL__COUNT ? fail_names[f] : "unknown";
}

typedef struct http_req {
	GList link;            /* in the queue, the failing list or the spares */
	pkt_msg *msg;          /* head + body */
	http_done_fn done;
	void *ud;
	http_result r;
	sim_event_id ev;       /* a failure being delivered */
} http_req;

typedef enum {
	RSP_HEAD,       /* reading the response head */
	RSP_BODY,       /* counting Content-Length bytes */
	RSP_TO_EOF,     /* no Content-Length: the body ends with the connection */
	RSP_NONE,       /* no request in flight */
} rsp_state;

/* What a response head says (cc_parse_head). */
typedef struct {
	int status;
	gboolean close;        /* Connection: close */
	gboolean has_len;      /* a Content-Length; else the body ends with the connection */
	uint64_t len;
} rsp_head;

typedef struct {
	GList link;            /* in the client's conns */
	GList idle_link;       /* in the client's idle list */
	http_client *cl;
	tcp_conn *tc;
	http_req *cur;
	gboolean established;
	gboolean closing;      /* carries no further request */
	gboolean fresh_head;   /* head still holds the previous response's */
	gboolean server_close; /* the response head said Connection: close (cc_parse_head) */
	rsp_head known_rsp;    /* the parse of the last head accepted (head.known once emptied) */
	guint served;
	sim_time t_established;
	rsp_state rx;
	head_buf head;
	uint64_t body_left;
	sim_time t_idle;       /* when it last became idle */
	sim_timer idle_ev;     /* the idle check, at most one pending (an engine timer) */
	sim_timer wait_ev;     /* connect_timeout / response_timeout, while armed */
} cli_conn;

struct http_client {
	tcp_stack *st;
	net *nt;
	http_client_config cfg;
	char *host;
	GQueue queue;     /* http_req waiting for a connection */
	GQueue failing;   /* http_req whose failure is scheduled */
	GQueue spares;    /* recycled http_req */
	GQueue conns;     /* cli_conn */
	GQueue idle;      /* cli_conn kept alive with nothing to do */
	guint outstanding;
	uint64_t opened;
	uint64_t idle_closed;
	uint64_t waited;  /* requests that found every connection busy at the limit */
	guint peak_conns;
	uint64_t seed;
	http_fail open_fail; /* why the last cc_open() failed */
};

static void cl_dispatch(http_client *cl);

static void req_recycle(http_client *cl, http_req *q)
{
	pkt_msg_unref(q->msg);
	q->msg = NULL;
	g_queue_push_head_link(&cl->spares, &q->link);
}

/* Reports a request's end and recycles it. */
static void req_finish(http_client *cl, http_req *q, http_fail f, const char *head,
                       size_t head_len)
{
	q->r.fail = f;
	if (f != HTTP_OK)
		q->r.status = 0;
	q->r.t_complete = sim_now(cl->nt->sim);
	q->r.head = head;
	q->r.head_len = head_len;
	cl->outstanding--;
	if (q->done)
		q->done(&q->r, q->ud);
	req_recycle(cl, q);
}

static void req_fail_later_cb(sim *s, void *ctx, void *arg)
{
	(void)s;
	http_client *cl = ctx;
	http_req *q = arg;
	q->ev = 0;
	g_queue_unlink(&cl->failing, &q->link);
	req_finish(cl, q, q->r.fail, NULL, 0);
}

static void cc_free(cli_conn *cc)
{
	http_client *cl = cc->cl;
	sim_timer_cancel(cl->nt->sim, &cc->idle_ev);
	sim_timer_cancel(cl->nt->sim, &cc->wait_ev);
	g_queue_unlink(&cl->conns, &cc->link);
	if (cc->idle_link.data)
		g_queue_unlink(&cl->idle, &cc->idle_link);
	hb_clear(&cc->head);
	g_free(cc);
}

static void cc_idle_remove(cli_conn *cc)
{
	if (cc->idle_link.data) {
		g_queue_unlink(&cc->cl->idle, &cc->idle_link);
		cc->idle_link.data = NULL;
	}
}

static void cc_idle_fire(sim *sm, void *ctx, void *arg)
{
	(void)arg;
	cli_conn *cc = ctx;
	http_client *cl = cc->cl;
	if (!cc->idle_link.data)
		return; /* busy again: armed anew when it next becomes idle */
	sim_time due = cc->t_idle + cl->cfg.idle_timeout;
	if (sim_now(sm) < due) {
		sim_timer_arm_at(sm, &cc->idle_ev, due, cc_idle_fire, cc, NULL);
		return;
	}
	cc_idle_remove(cc);
	cc->closing = TRUE;
	cl->idle_closed++;
	tcp_close(cc->tc);
}

/* connect_timeout or response_timeout ran out: the request fails and the
 * connection is aborted. */
static void cc_wait_fire(sim *sm, void *ctx, void *arg)
{
	(void)sm;
	(void)arg;
	cli_conn *cc = ctx;
	http_client *cl = cc->cl;
	http_req *q = cc->cur;
	cc->cur = NULL;
	tcp_abort(cc->tc);
	cc_free(cc);
	if (q)
		req_finish(cl, q, HTTP_FAIL_TIMEOUT, NULL, 0);
	cl_dispatch(cl);
}

static void cc_wait_arm(cli_conn *cc, sim_time d)
{
	sim *sm = cc->cl->nt->sim;
	if (d > 0)
		sim_timer_arm_at(sm, &cc->wait_ev, sim_time_add_sat(sim_now(sm), d), cc_wait_fire, cc, NULL);
	else
		sim_timer_cancel(sm, &cc->wait_ev);
}

/* The response is complete. */
static void cc_complete(cli_conn *cc)
{
	http_client *cl = cc->cl;
	http_req *q = cc->cur;
	cc->cur = NULL;
	cc->rx = RSP_NONE;
	cc->served++;
	cc->fresh_head = TRUE;
	gboolean server_close = cc->server_close;
	if (!cc->closing && cl->cfg.keepalive && !server_close) {
		cc->idle_link.data = cc;
		g_queue_push_tail_link(&cl->idle, &cc->idle_link);
		/* Lazy, as the server's: one pending check per connection. */
		cc->t_idle = sim_now(cl->nt->sim);
		if (cl->cfg.idle_timeout > 0 && !sim_timer_armed(&cc->idle_ev))
			sim_timer_arm_at(cl->nt->sim, &cc->idle_ev,
			                 sim_time_add_sat(cc->t_idle, cl->cfg.idle_timeout), cc_idle_fire,
			                 cc, NULL);
	} else {
		cc->closing = TRUE;
		/* The server closes after a Connection: close answer; if it did not
		 * promise to, we close. */
		if (!server_close)
			tcp_close(cc->tc);
	}
	req_finish(cl, q, HTTP_OK, cc->head.s->str, cc->head.s->len);
	cl_dispatch(cl);
}

static gboolean rsp_parse(const head_buf *b, rsp_head *r)
{
	const char *h = b->s->str;
	size_t len = b->s->len;
	/* "HTTP/1.x SSS reason" */
	if (len < 12 || memcmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ')
		return FALSE;
	if (!g_ascii_isdigit(h[9]) || !g_ascii_isdigit(h[10]) || !g_ascii_isdigit(h[11]))
		return FALSE;
	r->status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
	static const head_name names[] = { HEAD_NAME("Content-Length"), HEAD_NAME("Transfer-Encoding"),
	                                   HEAD_NAME("Connection") };
	const char *v[3];
	size_t vl[3];
	head_scan(h, len, b->nl->at, b->nl->n, names, 3, v, vl);
	r->close = value_is(v[2], vl[2], "close");
	r->len = 0;
	r->has_len = value_u64(v[0], vl[0], &r->len);
	return r->has_len || (!v[0] && !v[1]);
}

/* Parses the response head, or finds it the same as the last one on this
 * connection (whose parse cc->known_rsp holds), and sets up for the body. */
static gboolean cc_parse_head(cli_conn *cc)
{
	http_req *q = cc->cur;
	if (!hb_known(&cc->head)) {
		rsp_head r;
		if (!rsp_parse(&cc->head, &r))
			return FALSE;
		cc->known_rsp = r;
	}
	cc->head.accepted = TRUE;
	const rsp_head *r = &cc->known_rsp;
	q->r.status = r->status;
	cc->server_close = r->close;
	if (r->has_len) {
		q->r.content_length = r->len;
		cc->body_left = r->len;
		cc->rx = RSP_BODY;
	} else {
		cc->rx = RSP_TO_EOF;
	}
	return TRUE;
}

static void cc_on_connected(tcp_conn *c, void *ud)
{
	(void)c;
	cli_conn *cc = ud;
	sim_time now = sim_now(cc->cl->nt->sim);
	cc->established = TRUE;
	cc->t_established = now;
	cc_wait_arm(cc, cc->cur ? cc->cl->cfg.response_timeout : 0);
	if (cc->cur) {
		cc->cur->r.t_connected = now;
		cc->cur->r.t_sent = now;
	}
}

static void cc_on_data(tcp_conn *c, const pkt_msg *m, uint64_t off, uint32_t len, void *ud)
{
	cli_conn *cc = ud;
	http_req *q = cc->cur;
	if (!q || cc->rx == RSP_NONE)
		return; /* bytes nobody asked for: ignored */
	sim_time now = sim_now(cc->cl->nt->sim);
	if (q->r.t_first_byte < 0) {
		q->r.t_first_byte = now;
		if (sim_timer_armed(&cc->wait_ev))
			sim_timer_cancel(cc->cl->nt->sim, &cc->wait_ev);
	}
	uint32_t used = 0;
	if (cc->rx == RSP_HEAD) {
		if (cc->fresh_head) {
			hb_reset(&cc->head);
			cc->fresh_head = FALSE;
		}
		size_t before = hb_len(&cc->head);
		size_t e = append_head_bytes(&cc->head, m, off, NULL, len);
		if (!e) {
			q->r.response_bytes += len;
			if (cc->head.s->len <= DEFAULT_MAX_HEAD)
				return;
		}
		if (e) {
			used = (uint32_t)(e - before);
			hb_cut(&cc->head, e);
		}
		if (!e || !cc_parse_head(cc)) {
			cc->cur = NULL;
			http_client *cl = cc->cl;
			tcp_abort(c);
			cc_free(cc);
			req_finish(cl, q, HTTP_FAIL_BAD_RESPONSE, NULL, 0);
			cl_dispatch(cl);
			return;
		}
		q->r.response_bytes += used;
	}
	uint32_t rest = len - used;
	if (cc->rx == RSP_TO_EOF) {
		q->r.response_bytes += rest;
		return;
	}
	uint32_t k = (uint32_t)MIN((uint64_t)rest, cc->body_left);
	cc->body_left -= k;
	q->r.response_bytes += k;
	if (cc->body_left == 0)
		cc_complete(cc);
}

static void cc_on_eof(tcp_conn *c, void *ud)
{
	cli_conn *cc = ud;
	http_client *cl = cc->cl;
	cc->closing = TRUE;
	cc_idle_remove(cc);
	http_req *q = cc->cur;
	if (q && cc->rx == RSP_TO_EOF) {
		cc_complete(cc);
	} else if (q) {
		cc->cur = NULL;
		req_finish(cl, q, HTTP_FAIL_CLOSED, NULL, 0);
	}
	tcp_close(c);
}

static void cc_on_closed(tcp_conn *c, tcp_close_reason why, void *ud)
{
	(void)c;
	cli_conn *cc = ud;
	http_client *cl = cc->cl;
	http_req *q = cc->cur;
	cc_free(cc);
	if (q) {
		static const http_fail map[TCP_CLOSE__COUNT] = {
			[TCP_CLOSE_NORMAL] = HTTP_FAIL_CLOSED,
			[TCP_CLOSE_REFUSED] = HTTP_FAIL_REFUSED,
			[TCP_CLOSE_RESET] = HTTP_FAIL_RESET,
			[TCP_CLOSE_TIMEOUT] = HTTP_FAIL_TIMEOUT,
		};
		req_finish(cl, q, map[why], NULL, 0);
	}
	cl_dispatch(cl);
}

static const tcp_callbacks cli_callbacks = {
	.on_connected = cc_on_connected,
	.on_data = cc_on_data,
	.on_eof = cc_on_eof,
	.on_closed = cc_on_closed,
};

static cli_conn *cc_open(http_client *cl)
{
	cli_conn *cc = g_new0(cli_conn, 1);
	cc->cl = cl;
	cc->rx = RSP_NONE;
	hb_init(&cc->head);
	cc->t_established = NO_TIME;
	uint32_t ip = cl->cfg.resolve ? cl->cfg.resolve(cl->cfg.resolve_ud) : cl->cfg.ip;
	cl->open_fail = ip ? HTTP_FAIL_NO_PORT : HTTP_FAIL_NO_NAME;
	cc->tc = ip ? tcp_connect(cl->st, cl->cfg.local_ip, 0, ip, cl->cfg.port, cl->cfg.mtu,
	                          &cli_callbacks, cc)
	            : NULL;
	if (!cc->tc) {
		hb_clear(&cc->head);
		g_free(cc);
		return NULL;
	}
	if (cl->cfg.tls)
		tls_client_attach(cl->cfg.tls, cc->tc);
	cc->link.data = cc;
	g_queue_push_tail_link(&cl->conns, &cc->link);
	cc_wait_arm(cc, cl->cfg.connect_timeout);
	cl->opened++;
	cl->peak_conns = MAX(cl->peak_conns, cl->conns.length);
	return cc;
}

static void cc_assign(cli_conn *cc, http_req *q)
{
	cc->cur = q;
	cc->rx = RSP_HEAD;
	q->r.reused = cc->served > 0;
	q->r.local_port = tcp_conn_local_port(cc->tc);
	q->r.t_connected = cc->t_established;
	if (cc->established) {
		q->r.t_sent = sim_now(cc->cl->nt->sim);
		cc_wait_arm(cc, cc->cl->cfg.response_timeout);
	}
	tcp_write(cc->tc, q->msg, 0, q->msg->len);
}

/* Gives waiting requests a connection: an idle kept-alive one, else a new
 * one while the limit allows; the rest wait for one to free up.  The idle
 * connection taken is the one that became idle last (most recently used),
 * as Go's net/http Transport and urllib3's pool do: under light load the
 * same connection serves everything and the others can time out. */
static void cl_dispatch(http_client *cl)
{
	while (cl->queue.head) {
		cli_conn *cc = NULL;
		if (cl->idle.tail) {
			cc = cl->idle.tail->data;
			cc_idle_remove(cc);
		} else if (cl->cfg.max_conns == 0 || cl->conns.length < cl->cfg.max_conns) {
			cc = cc_open(cl);
		} else {
			break;
		}
		GList *l = g_queue_pop_head_link(&cl->queue);
		http_req *q = l->data;
		if (!cc) {
			/* Reported from an event, so `done` never runs inside the
			 * caller's http_client_request(). */
			g_queue_push_tail_link(&cl->failing, &q->link);
			q->r.fail = cl->open_fail;
			q->ev = sim_schedule(cl->nt->sim, 0, req_fail_later_cb, cl, q);
			continue;
		}
		cc_assign(cc, q);
	}
}

http_client *http_client_new(tcp_stack *st, const http_client_config *cfg)
{
	g_return_val_if_fail(st != NULL && cfg != NULL && cfg->port != 0, NULL);
	http_client *cl = g_new0(http_client, 1);
	cl->st = st;
	cl->nt = tcp_stack_net(st);
	cl->cfg = *cfg;
	if (cfg->host) {
		cl->host = g_strdup(cfg->host);
	} else {
		char ip[16];
		pkt_ip_str(cfg->ip, ip);
		cl->host = cfg->port == 80 ? g_strdup(ip) : g_strdup_printf("%s:%u", ip, cfg->port);
	}
	cl->cfg.host = cl->host;
	if (cfg->tls)
		tls_ctx_ref(cfg->tls);
	g_queue_init(&cl->queue);
	g_queue_init(&cl->failing);
	g_queue_init(&cl->spares);
	g_queue_init(&cl->conns);
	g_queue_init(&cl->idle);
	return cl;
}

void http_client_request(http_client *cl, const http_request_spec *spec, http_done_fn done,
                         void *ud)
{
	g_return_if_fail(cl != NULL && spec != NULL);
	GList *l = g_queue_pop_head_link(&cl->spares);
	http_req *q = l ? l->data : g_new0(http_req, 1);
	memset(q, 0, sizeof *q);
	q->link.data = q;
	q->done = done;
	q->ud = ud;
	if (spec->head) {
		q->msg = pkt_msg_new(g_bytes_ref(spec->head), g_bytes_get_size(spec->head) + spec->body_len,
		                     ++cl->seed);
	} else if (spec->head_bytes) {
		q->msg = pkt_msg_new_copy(cl->nt->pool, spec->head_bytes, spec->head_len,
		                          spec->head_len + spec->body_len, ++cl->seed);
	} else {
		GString *g = request_head_into(cl->nt->scratch, spec->method ? spec->method : "GET",
		                               spec->host ? spec->host : cl->host,
		                               spec->path ? spec->path : "/", spec->body_len,
		                               !cl->cfg.keepalive, spec->extra);
		q->msg = pkt_msg_new_copy(cl->nt->pool, g->str, g->len, g->len + spec->body_len, ++cl->seed);
	}
	sim_time now = sim_now(cl->nt->sim);
	q->r.t_start = now;
	q->r.t_connected = q->r.t_sent = q->r.t_first_byte = NO_TIME;
	q->r.request_bytes = q->msg->len;
	cl->outstanding++;
	g_queue_push_tail_link(&cl->queue, &q->link);
	cl_dispatch(cl);
	if (cl->queue.tail == &q->link)
		cl->waited++; /* still queued: no idle connection and none may open */
}

void http_client_close_idle(http_client *cl)
{
	while (cl->idle.head) {
		cli_conn *cc = cl->idle.head->data;
		cc_idle_remove(cc);
		cc->closing = TRUE;
		tcp_close(cc->tc);
	}
}

static void req_free_link(gpointer data)
{
	http_req *q = data;
	pkt_msg_unref(q->msg);
	g_free(q);
}

void http_client_free(http_client *cl)
{
	if (!cl)
		return;
	static const tcp_callbacks none = { 0 };
	while (cl->conns.head) {
		cli_conn *cc = cl->conns.head->data;
		tcp_conn_set_callbacks(cc->tc, &none);
		tcp_conn_set_user(cc->tc, NULL);
		if (cc->cur)
			req_free_link(cc->cur);
		cc_free(cc);
	}
	for (GList *l = cl->failing.head; l; l = l->next)
		sim_cancel(cl->nt->sim, ((http_req *)l->data)->ev);
	/* The lists are threaded through the requests themselves, so free the
	 * requests without letting GQueue free the (embedded) links. */
	GList *l;
	while ((l = g_queue_pop_head_link(&cl->failing)))
		req_free_link(l->data);
	while ((l = g_queue_pop_head_link(&cl->queue)))
		req_free_link(l->data);
	while ((l = g_queue_pop_head_link(&cl->spares)))
		req_free_link(l->data);
	tls_ctx_unref(cl->cfg.tls);
	g_free(cl->host);
	g_free(cl);
}

guint http_client_outstanding(const http_client *cl) { return cl->outstanding; }
guint http_client_connections(const http_client *cl) { return cl->conns.length; }
uint64_t http_client_connections_opened(const http_client *cl) { return cl->opened; }
uint64_t http_client_idle_closed(const http_client *cl) { return cl->idle_closed; }
uint64_t http_client_waited(const http_client *cl) { return cl->waited; }
guint http_client_peak_connections(const http_client *cl) { return cl->peak_conns; }
