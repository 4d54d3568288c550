/* \summary: TCP endpoints: connection table, states, window scaling, segmentation, ACKs, timers */
#include "tcp.h"

#include <string.h>

/*
 * Conventions.  Sequence numbers are 64-bit offsets from the initial
 * sequence number of the side that sends them: the SYN is offset 0, data
 * byte i is 1 + i, the FIN is 1 + (bytes written).  snd_* fields count from
 * our ISS, rcv_* from the peer's IRS.  A 32-bit number from the wire is
 * turned into an offset by its signed distance from a nearby offset we know
 * (snd_una for ACKs, rcv_nxt for sequence numbers), which is exact as long
 * as no window spans 2^31 bytes.
 *
 * Re-entrancy: callbacks run while the stack is in the middle of handling a
 * segment or a timer, and the application may close or abort the
 * connection from there.  So a connection is never freed while such a
 * handler is on the stack (busy > 0): conn_kill() unlinks it and marks it
 * dead, and the handler frees it on the way out.  After every callback the
 * handlers check `dead` and stop.
 */

#define EPH_LO 32768
#define EPH_HI 60999
#define EPH_RANGE (EPH_HI - EPH_LO + 1)
#define EPH_WORDS ((EPH_RANGE + 63) / 64)
/* A destination gets a bitmap of its busy ports once this many are in use:
 * below, probing the connection table is as quick; above, the bitmap
 * (3.5 KB) is small beside the connections it stands for. */
#define EPH_BITMAP_AT 64
#define DEFAULT_MSS 536 /* RFC 9293: assumed when the peer sends no MSS option */
#define NO_TIME ((sim_time)-1)
/* Segments acknowledged at once after a loss shows, so that a sender
 * recovering from one segment of window is not held by the delayed-ACK
 * timer (Linux's quick-ACK mode, TCP_MAX_QUICKACKS). */
#define QUICKACKS 16
/* RFC 7323 section 2.3: the largest shift count a receiver applies. */
#define WSCALE_MAX 14
#define WINDOW_FIELD_MAX 65535u

typedef struct {
	uint32_t lip, rip;
	uint16_t lport, rport;
} conn_key;

/*
 * The ephemeral ports in use towards one destination (local address,
 * remote address and port): how many connections of the table hold an
 * ephemeral local port towards it, and, once there are EPH_BITMAP_AT, a
 * bit per port.  Kept for every destination with at least one such
 * connection, so a connect learns at once that none is left, and finds the
 * next free port a word at a time instead of probing the table port by
 * port (which, near exhaustion, meant 28,232 hash lookups per connect).
 */
typedef struct {
	uint32_t lip, rip;
	uint16_t rport;
	uint32_t used;
	uint64_t *busy;  /* EPH_WORDS words, bit (port - EPH_LO); NULL below EPH_BITMAP_AT */
} eph_dest;

/* A range of a message written by the application, in stream order. */
typedef struct {
	pkt_msg *msg;
	uint64_t moff;   /* first byte, within the message */
	uint64_t start;  /* stream offset of that byte (sequence offset - 1) */
	uint64_t len;
} tcp_wr;

/*
 * A lazy timer: `due` is when it should fire (NO_TIME when off) and `tm` an
 * engine timer (engine.h) armed for `ev_at` <= due, if any.  Moving the
 * deadline later leaves it alone; when it fires early it re-arms itself for
 * the current deadline.  That keeps restarting the RTO on every ACK off the
 * engine; what is cancelled (a deadline moved earlier, a connection gone)
 * leaves the timing wheel at once.
 */
typedef struct {
	sim_timer tm;
	sim_time ev_at;
	sim_time due;
} tcp_timer;

struct tcp_listener {
	tcp_stack *st;
	gint64 key; /* ip << 16 | port: g_int64_hash's key */
	uint32_t mtu;
	tcp_callbacks cb;
	void *ud;
};

struct tcp_conn {
	tcp_stack *st;
	conn_key key;
	tcp_state state;
	tcp_callbacks cb;
	void *ud;
	gboolean app_knows;   /* the application holds this connection */
	gboolean passive;
	uint64_t flow_id;
	uint16_t ip_id;
	uint32_t mss_local;   /* advertised: our MTU - 40 */
	uint32_t mss;         /* what we send with */
	uint32_t iss, irs;
	/* Window scaling (RFC 7323): both 0 unless both SYNs carried the
	 * option.  snd_shift applies to the peer's window fields, rcv_shift to
	 * ours. */
	gboolean ws_ok;
	uint8_t snd_shift, rcv_shift;

	/* Sending. */
	uint64_t snd_una, snd_nxt, snd_max;
	uint64_t snd_total;   /* bytes written */
	gboolean fin_queued;  /* tcp_close() called: a FIN follows snd_total */
	uint64_t snd_wnd;     /* the peer's advertised window */
	uint64_t cwnd, ssthresh;
	uint64_t recover;     /* no new fast retransmit until snd_una reaches this */
	guint dupacks;
	guint retries;        /* consecutive timeouts */
	GArray *wq;           /* tcp_wr; entries before wq_head are done */
	guint wq_head, wq_cursor;
	sim_time last_data;   /* when data was last sent (idle restart) */

	/* Round-trip time (RFC 6298), one segment timed at a time. */
	sim_time srtt, rttvar, rto;
	gboolean rtt_timing;
	uint64_t rtt_seq;     /* the ACK that completes the timed segment */
	sim_time rtt_start;

	/* Receiving. */
	uint64_t rcv_nxt;
	uint32_t rcv_wnd;     /* the window we advertise, in bytes (a multiple of 1 << rcv_shift) */
	gboolean fin_received;
	guint ack_pending;    /* in-order segments not yet acknowledged */
	guint quickacks;      /* segments still to acknowledge at once (after a loss) */

	tcp_timer rtx;        /* retransmission; also FIN_WAIT_2 and TIME_WAIT */
	tcp_timer dack;       /* delayed ACK */

	guint busy;
	gboolean dead;
	tcp_conn_stats stats;
};

struct tcp_stack {
	net *nt;
	tcp_config cfg;
	tcp_tx_fn tx;
	void *owner;
	rng rng;
	GHashTable *conns;      /* conn_key * (inside the conn) -> tcp_conn * */
	GHashTable *listeners;  /* gint64 * (inside the listener) -> tcp_listener * */
	GHashTable *eph;        /* eph_dest * (its own key) -> itself */
	uint32_t next_port;
	tcp_stack_stats stats;
};

static const char *const close_names[TCP_CLOSE__COUNT] = {
	[TCP_CLOSE_NORMAL] = "normal",
	[TCP_CLOSE_REFUSED] = "connection refused",
	[TCP_CLOSE_RESET] = "connection reset",
	[TCP_CLOSE_TIMEOUT] = "timed out",
};

const char *tcp_close_reason_name(tcp_close_reason r)
{
	return (unsigned)r < TCP_CLOSE__COUNT ? close_names[r] : "unknown";
}

const char *tcp_state_name(tcp_state s)
{
	static const char *const names[] = {
		"SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
		"CLOSING", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK", "CLOSED",
	};
	return (unsigned)s < G_N_ELEMENTS(names) ? names[s] : "unknown";
}

void tcp_config_default(tcp_config *c)
{
	memset(c, 0, sizeof *c);
	c->mtu = 1500;
	/* Debian 12's tcp_rmem[2], the most Linux's autotuning lets a
	 * receive buffer reach; the shift is the one Linux derives from it. */
	c->window = 6u << 20;
	c->wscale = 7;
	c->ttl = 64;
	c->cc = TCP_CC_RENO;
	c->init_cwnd = 10;
	c->rto_initial = SIM_S;
	c->rto_min = 200 * SIM_MS;
	c->rto_max = 60 * SIM_S;
	c->syn_retries = 6;
	c->data_retries = 15;
	c->delack = 40 * SIM_MS;
	c->time_wait = 60 * SIM_S;
}

/* ---- tables ---- */

static guint conn_key_hash(gconstpointer k)
{
	const conn_key *c = k;
	/* splitmix64's finalizer over the packed tuple: ports and addresses that
	 * differ in one bit land in unrelated buckets. */
	uint64_t z = ((uint64_t)c->lip << 32 | c->rip) ^
	             ((uint64_t)c->lport << 16 | c->rport) * UINT64_C(0x9E3779B97F4A7C15);
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return (guint)(z ^ (z >> 31));
}

static gboolean conn_key_equal(gconstpointer a, gconstpointer b)
{
	const conn_key *x = a, *y = b;
	return x->lip == y->lip && x->rip == y->rip && x->lport == y->lport && x->rport == y->rport;
}

static guint eph_hash(gconstpointer k)
{
	const eph_dest *d = k;
	conn_key c = { d->lip, d->rip, 0, d->rport };
	return conn_key_hash(&c);
}

static gboolean eph_equal(gconstpointer a, gconstpointer b)
{
	const eph_dest *x = a, *y = b;
	return x->lip == y->lip && x->rip == y->rip && x->rport == y->rport;
}

static void eph_free(gpointer data)
{
	eph_dest *d = data;
	g_free(d->busy);
	g_free(d);
}

static gboolean is_ephemeral(uint16_t p) { return p >= EPH_LO && p <= EPH_HI; }

static eph_dest *eph_find(tcp_stack *st, uint32_t lip, uint32_t rip, uint16_t rport)
{
	eph_dest k = { .lip = lip, .rip = rip, .rport = rport };
	return g_hash_table_lookup(st->eph, &k);
}

static void eph_set(eph_dest *d, uint16_t p, gboolean on)
{
	uint32_t b = (uint32_t)(p - EPH_LO);
	if (on)
		d->busy[b / 64] |= UINT64_C(1) << (b % 64);
	else
		d->busy[b / 64] &= ~(UINT64_C(1) << (b % 64));
}

/* A connection entered the table: its local port is busy towards its
 * destination. */
static void eph_take(tcp_stack *st, const conn_key *k)
{
	if (!is_ephemeral(k->lport))
		return;
	eph_dest *d = eph_find(st, k->lip, k->rip, k->rport);
	if (!d) {
		d = g_new0(eph_dest, 1);
		d->lip = k->lip;
		d->rip = k->rip;
		d->rport = k->rport;
		g_hash_table_add(st->eph, d);
	}
	d->used++;
	if (d->busy) {
		eph_set(d, k->lport, TRUE);
	} else if (d->used >= EPH_BITMAP_AT) {
		/* Once per destination that gets busy: the table's connections
		 * towards it (this one is already in). */
		d->busy = g_new0(uint64_t, EPH_WORDS);
		GHashTableIter it;
		gpointer key;
		g_hash_table_iter_init(&it, st->conns);
		while (g_hash_table_iter_next(&it, &key, NULL)) {
			const conn_key *o = key;
			if (is_ephemeral(o->lport) && o->lip == d->lip && o->rip == d->rip && o->rport == d->rport)
				eph_set(d, o->lport, TRUE);
		}
	}
}

/* A connection left the table. */
static void eph_release(tcp_stack *st, const conn_key *k)
{
	if (!is_ephemeral(k->lport))
		return;
	eph_dest *d = eph_find(st, k->lip, k->rip, k->rport);
	g_return_if_fail(d != NULL && d->used > 0);
	if (--d->used == 0) {
		g_hash_table_remove(st->eph, d);
		return;
	}
	if (d->busy)
		eph_set(d, k->lport, FALSE);
}

/* The first port at or after `from` (cyclically within the range) that no
 * connection towards d holds, or 0 when all of them are held.  `from` is
 * an ephemeral port. */
static uint16_t eph_next_unused(const eph_dest *d, uint16_t from)
{
	uint32_t b = (uint32_t)(from - EPH_LO);
	for (uint32_t n = 0; n <= EPH_WORDS; n++) {
		uint32_t w = b / 64;
		uint64_t free_bits = ~d->busy[w] & (~UINT64_C(0) << (b % 64));
		if (w == EPH_WORDS - 1 && EPH_RANGE % 64)
			free_bits &= (UINT64_C(1) << (EPH_RANGE % 64)) - 1;
		if (free_bits)
			return (uint16_t)(EPH_LO + w * 64 + (uint32_t)__builtin_ctzll(free_bits));
		b = (w + 1) * 64;
		if (b >= EPH_RANGE)
			b = 0;
	}
	return 0;
}

static gint64 listener_key(uint32_t ip, uint16_t tport) { return (gint64)ip << 16 | tport; }

static tcp_listener *listener_find(tcp_stack *st, uint32_t ip, uint16_t tport)
{
	gint64 k = listener_key(ip, tport);
	tcp_listener *l = g_hash_table_lookup(st->listeners, &k);
	if (!l) {
		k = listener_key(0, tport);
		l = g_hash_table_lookup(st->listeners, &k);
	}
	return l;
}

/* ---- timers ---- */

static void timer_arm(tcp_conn *c, tcp_timer *t, sim_time due, sim_handler h)
{
	sim *s = c->st->nt->sim;
	t->due = due;
	if (sim_timer_armed(&t->tm) && t->ev_at <= due)
		return;
	t->ev_at = due;
	sim_timer_arm_at(s, &t->tm, due, h, c, NULL);
}

static void timer_stop(tcp_timer *t) { t->due = NO_TIME; }

static void timer_cancel(tcp_conn *c, tcp_timer *t)
{
	sim_timer_cancel(c->st->nt->sim, &t->tm);
	t->due = NO_TIME;
}

/* Called first by a timer's handler: TRUE if it is really due now. */
static gboolean timer_fired(tcp_conn *c, tcp_timer *t, sim_handler h)
{
	if (t->due == NO_TIME)
		return FALSE;
	sim_time now = sim_now(c->st->nt->sim);
	if (now < t->due) {
		timer_arm(c, t, t->due, h);
		return FALSE;
	}
	t->due = NO_TIME;
	return TRUE;
}

static void conn_on_rtx(sim *s, void *ctx, void *arg);
static void conn_on_dack(sim *s, void *ctx, void *arg);

/* ---- connection life ---- */

static void conn_free(tcp_conn *c)
{
	timer_cancel(c, &c->rtx);
	timer_cancel(c, &c->dack);
	for (guint i = c->wq_head; i < c->wq->len; i++)
		pkt_msg_unref(g_array_index(c->wq, tcp_wr, i).msg);
	g_array_unref(c->wq);
	g_free(c);
}

/* Unlinks the connection and frees it as soon as no handler uses it.  No
 * callback is made. */
static void conn_kill(tcp_conn *c)
{
	if (c->dead)
		return;
	c->dead = TRUE;
	if (c->state != TCP_CLOSED && c->stats.t_closed < 0)
		c->stats.t_closed = sim_now(c->st->nt->sim);
	c->state = TCP_CLOSED;
	g_hash_table_remove(c->st->conns, &c->key);
	eph_release(c->st, &c->key);
	memset(&c->cb, 0, sizeof c->cb);
	timer_cancel(c, &c->rtx);
	timer_cancel(c, &c->dack);
	if (!c->busy)
		conn_free(c);
}

static void conn_enter(tcp_conn *c) { c->busy++; }

/* Returns FALSE if the connection is gone (and frees it if it was the last
 * handler using it). */
static gboolean conn_leave(tcp_conn *c)
{
	if (--c->busy == 0 && c->dead) {
		conn_free(c);
		return FALSE;
	}
	return !c->dead;
}

/* The application's view of the connection ends.  TIME_WAIT keeps the
 * connection (without callbacks) to answer a retransmitted FIN; any other
 * end removes it. */
static void conn_finish(tcp_conn *c, tcp_close_reason why, tcp_state next)
{
	tcp_stack *st = c->st;
	c->stats.t_closed = sim_now(st->nt->sim);
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD)
		st->stats.failed_opens++;
	if (c->app_knows)
		st->stats.closed[why]++;
	c->state = next;
	void (*cb)(tcp_conn *, tcp_close_reason, void *) = c->app_knows ? c->cb.on_closed : NULL;
	memset(&c->cb, 0, sizeof c->cb);
	c->app_knows = FALSE;
	if (next == TCP_TIME_WAIT) {
		timer_cancel(c, &c->dack);
		timer_arm(c, &c->rtx, c->stats.t_closed + st->cfg.time_wait, conn_on_rtx);
	}
	if (cb)
		cb(c, why, c->ud);
	if (next != TCP_TIME_WAIT)
		conn_kill(c);
}

static tcp_conn *conn_new(tcp_stack *st, const conn_key *k, uint32_t mtu)
{
	tcp_conn *c = g_new0(tcp_conn, 1);
	c->st = st;
	c->key = *k;
	c->flow_id = net_new_flow_id(st->nt);
	c->ip_id = (uint16_t)rng_next(&st->rng);
	c->iss = (uint32_t)rng_next(&st->rng);
	if (mtu == 0)
		mtu = st->cfg.mtu;
	c->mss_local = mtu > 40 + 1 ? MIN(mtu - 40, 65535u) : 1;
	c->mss = c->mss_local;
	c->rcv_wnd = MIN(st->cfg.window, WINDOW_FIELD_MAX); /* until scaling is settled */
	c->wq = g_array_new(FALSE, FALSE, sizeof(tcp_wr));
	c->rto = st->cfg.rto_initial;
	c->ssthresh = UINT64_MAX;
	c->rtx.due = c->dack.due = NO_TIME;
	c->stats.t_syn = sim_now(st->nt->sim);
	c->stats.t_established = NO_TIME;
	c->stats.t_closed = NO_TIME;
	g_hash_table_insert(st->conns, &c->key, c);
	eph_take(st, &c->key);
	return c;
}

/*
 * Settles window scaling once the peer's SYN (or SYN-ACK) is in: `peer_ws`
 * is the shift it offered, -1 if it sent no option.  Scaling needs both
 * SYNs to carry the option (RFC 7323 section 2.2); the passive side calls
 * this before answering, so its SYN-ACK offers the option only when the
 * SYN did.  Our window is then the receive window as far as the field can
 * express it: the largest multiple of 1 << rcv_shift not above it, and at
 * least one unit so a tiny configured window never advertises zero.
 */
static void conn_set_scaling(tcp_conn *c, int peer_ws)
{
	const tcp_config *cfg = &c->st->cfg;
	c->ws_ok = cfg->wscale >= 0 && peer_ws >= 0;
	if (c->ws_ok) {
		c->rcv_shift = (uint8_t)cfg->wscale;
		c->snd_shift = (uint8_t)MIN(peer_ws, WSCALE_MAX);
	} else {
		c->rcv_shift = c->snd_shift = 0;
	}
	uint32_t units = MIN(cfg->window >> c->rcv_shift, WINDOW_FIELD_MAX);
	c->rcv_wnd = MAX(units, 1u) << c->rcv_shift;
}

/* Whether our SYN or SYN-ACK carries the option: a SYN whenever we
 * support scaling, a SYN-ACK only if the SYN offered it too. */
static gboolean conn_offers_wscale(const tcp_conn *c)
{
	return c->st->cfg.wscale >= 0 && (!c->passive || c->ws_ok);
}

/* The window field of a SYN or SYN-ACK, which is never scaled: the receive
 * window up to 65535, rounded down to a whole number of our MSS as Linux's
 * tcp_select_initial_window does (64240 for MSS 1460). */
static uint16_t conn_syn_window(const tcp_conn *c)
{
	uint32_t w = MIN(c->st->cfg.window, WINDOW_FIELD_MAX);
	if (w > c->mss_local)
		w -= w % c->mss_local;
	return (uint16_t)w;
}

/* The peer's window in bytes: the field, shifted unless it is in a SYN. */
static uint64_t conn_peer_window(const tcp_conn *c, const pkt *p)
{
	uint64_t w = pkt_tcp_window(p);
	return (pkt_tcp_flags(p) & PKT_TCP_SYN) ? w : w << c->snd_shift;
}

/* ---- sending ---- */

static inline uint32_t snd_wire(const tcp_conn *c, uint64_t off) { return c->iss + (uint32_t)off; }
static inline uint32_t rcv_wire(const tcp_conn *c) { return c->irs + (uint32_t)c->rcv_nxt; }

/* Builds and transmits one segment at sequence offset `off`.  Payload, if
 * any, is bytes [moff, moff + len) of msg. */
static void conn_xmit(tcp_conn *c, uint64_t off, uint8_t flags, uint32_t len, pkt_msg *msg,
                      uint64_t moff)
{
	tcp_stack *st = c->st;
	sim_time now = sim_now(st->nt->sim);
	pkt *p = net_pkt_new(st->nt, c->flow_id);
	pkt_addrs a = { .src_ip = c->key.lip, .dst_ip = c->key.rip, .sport = c->key.lport,
	                .dport = c->key.rport, .ip_id = c->ip_id++, .ttl = st->cfg.ttl,
	                .df = TRUE };
	uint32_t ack = (flags & PKT_TCP_ACK) ? rcv_wire(c) : 0;
	pkt_tcp_opts o = { 0 };
	uint16_t win;
	if (flags & PKT_TCP_SYN) {
		o.mss = (uint16_t)c->mss_local;
		o.has_wscale = conn_offers_wscale(c);
		o.wscale = (uint8_t)MAX(st->cfg.wscale, 0);
		win = conn_syn_window(c);
	} else {
		win = (uint16_t)(c->rcv_wnd >> c->rcv_shift);
	}
	pkt_build_tcp_opts(p, &a, snd_wire(c, off), ack, flags, win, &o, len);
	if (len) {
		p->msg = pkt_msg_ref(msg);
		p->msg_off = moff;
	}
	if (flags & PKT_TCP_ACK) {
		/* Whatever we send acknowledges everything received so far. */
		c->ack_pending = 0;
		timer_stop(&c->dack);
	}
	c->stats.segs_sent++;
	c->stats.bytes_sent += len;
	st->stats.segs_out++;
	st->stats.bytes_out += len;
	if (flags & PKT_TCP_RST)
		st->stats.rst_sent++;
	if (len)
		c->last_data = now;
	st->tx(st->owner, p);
}

static void conn_send_ack(tcp_conn *c) { conn_xmit(c, c->snd_nxt, PKT_TCP_ACK, 0, NULL, 0); }

/* The SYN or SYN-ACK, first or again. */
static void conn_send_syn(tcp_conn *c)
{
	uint8_t flags = c->passive ? (PKT_TCP_SYN | PKT_TCP_ACK) : PKT_TCP_SYN;
	conn_xmit(c, 0, flags, 0, NULL, 0);
	c->snd_nxt = c->snd_max = 1;
}

static void conn_arm_rto(tcp_conn *c)
{
	timer_arm(c, &c->rtx, sim_now(c->st->nt->sim) + c->rto, conn_on_rtx);
}

/* The write holding stream offset `so` (which must have been written). */
static const tcp_wr *wq_find(tcp_conn *c, uint64_t so)
{
	tcp_wr *w = (tcp_wr *)c->wq->data;
	if (c->wq_cursor < c->wq_head || c->wq_cursor >= c->wq->len || w[c->wq_cursor].start > so)
		c->wq_cursor = c->wq_head;
	while (w[c->wq_cursor].start + w[c->wq_cursor].len <= so)
		c->wq_cursor++;
	return &w[c->wq_cursor];
}

/* Forgets writes the peer has acknowledged entirely (up to stream offset
 * `done`), keeping the array's storage for later writes. */
static void wq_release(tcp_conn *c, uint64_t done)
{
	GArray *a = c->wq;
	while (c->wq_head < a->len) {
		tcp_wr *w = &g_array_index(a, tcp_wr, c->wq_head);
		if (w->start + w->len > done)
			break;
		pkt_msg_unref(w->msg);
		w->msg = NULL;
		c->wq_head++;
	}
	if (c->wq_head == a->len) {
		g_array_set_size(a, 0);
		c->wq_head = c->wq_cursor = 0;
	} else if (c->wq_head >= 32 && c->wq_head * 2 >= a->len) {
		g_array_remove_range(a, 0, c->wq_head);
		c->wq_cursor = c->wq_cursor > c->wq_head ? c->wq_cursor - c->wq_head : 0;
		c->wq_head = 0;
	}
}

static gboolean conn_can_send(const tcp_conn *c)
{
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return TRUE;
	default:
		return FALSE;
	}
}

/*
 * Sends what the windows allow, from snd_nxt: data in segments of at most
 * one MSS that never cross a write's end, then the FIN.  A segment that
 * does not fit the window waits for an ACK rather than being cut short
 * (sender-side silly-window avoidance), except when nothing is in flight,
 * so a window smaller than a segment still makes progress.
 */
static void conn_output(tcp_conn *c)
{
	if (!conn_can_send(c))
		return;
	tcp_stack *st = c->st;
	sim_time now = sim_now(st->nt->sim);
	uint64_t data_end = 1 + c->snd_total;
	uint64_t iw = (uint64_t)st->cfg.init_cwnd * c->mss;
	/* Restart from the initial window after an idle period longer than the
	 * RTO: the path may have changed meanwhile (RFC 5681 section 4.1). */
	if (st->cfg.cc == TCP_CC_RENO && c->snd_nxt == c->snd_una && c->snd_nxt < data_end &&
	    now - c->last_data > c->rto && c->cwnd > iw)
		c->cwnd = iw;
	for (;;) {
		uint64_t nxt = c->snd_nxt;
		uint64_t flight = nxt - c->snd_una;
		uint64_t wnd = st->cfg.cc == TCP_CC_NONE ? c->snd_wnd : MIN(c->cwnd, c->snd_wnd);
		uint64_t avail = wnd > flight ? wnd - flight : 0;
		gboolean retx = nxt < c->snd_max;
		uint8_t flags = PKT_TCP_ACK;
		uint32_t len = 0;
		if (nxt < data_end) {
			const tcp_wr *w = wq_find(c, nxt - 1);
			uint64_t left = w->start + w->len - (nxt - 1);
			len = (uint32_t)MIN((uint64_t)c->mss, left);
			if (len > avail) {
				if (flight > 0 || avail == 0)
					break;
				len = (uint32_t)avail;
			}
			if (len == left)
				flags |= PKT_TCP_PSH;
			if (c->fin_queued && nxt + len == data_end)
				flags |= PKT_TCP_FIN;
			if (!retx && !c->rtt_timing) {
				c->rtt_timing = TRUE;
				c->rtt_seq = nxt + len;
				c->rtt_start = now;
			}
			conn_xmit(c, nxt, flags, len, w->msg, w->moff + (nxt - 1 - w->start));
		} else if (c->fin_queued && nxt == data_end) {
			flags |= PKT_TCP_FIN;
			conn_xmit(c, nxt, flags, 0, NULL, 0);
		} else {
			break;
		}
		if (retx) {
			c->stats.retransmits++;
			c->stats.bytes_retrans += len;
			st->stats.retransmits++;
		}
		c->snd_nxt = nxt + len + ((flags & PKT_TCP_FIN) ? 1 : 0);
		if (c->snd_nxt > c->snd_max)
			c->snd_max = c->snd_nxt;
	}
	if (c->snd_max > c->snd_una && c->rtx.due == NO_TIME)
		conn_arm_rto(c);
}

/* ---- the application's calls ---- */

gboolean tcp_write(tcp_conn *c, pkt_msg *msg, uint64_t off, uint64_t len)
{
	g_return_val_if_fail(c != NULL && msg != NULL && !c->dead, FALSE);
	if (c->fin_queued)
		return FALSE;
	switch (c->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		break;
	default:
		return FALSE;
	}
	if (len == 0)
		return TRUE;
	tcp_wr w = { pkt_msg_ref(msg), off, c->snd_total, len };
	g_array_append_val(c->wq, w);
	c->snd_total += len;
	conn_output(c);
	return TRUE;
}

void tcp_close(tcp_conn *c)
{
	g_return_if_fail(c != NULL && !c->dead);
	if (c->fin_queued)
		return;
	switch (c->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
		break; /* the FIN follows once the handshake completes */
	case TCP_ESTABLISHED:
		c->state = TCP_FIN_WAIT_1;
		break;
	case TCP_CLOSE_WAIT:
		c->state = TCP_LAST_ACK;
		break;
	default:
		return;
	}
	c->fin_queued = TRUE;
	conn_output(c);
}

void tcp_abort(tcp_conn *c)
{
	g_return_if_fail(c != NULL);
	if (c->dead)
		return;
	/* A peer that has seen our SYN holds state worth resetting. */
	if (c->state != TCP_SYN_SENT && c->state != TCP_TIME_WAIT && c->state != TCP_CLOSED)
		conn_xmit(c, c->snd_nxt, PKT_TCP_RST | PKT_TCP_ACK, 0, NULL, 0);
	conn_kill(c);
}

/* ---- receiving ---- */

/* Turns on the connection: both SYNs are acknowledged. */
static void conn_established(tcp_conn *c, uint64_t win)
{
	c->snd_una = 1;
	c->snd_wnd = win;
	c->state = c->fin_queued ? TCP_FIN_WAIT_1 : TCP_ESTABLISHED;
	c->stats.t_established = sim_now(c->st->nt->sim);
	c->cwnd = (uint64_t)c->st->cfg.init_cwnd * c->mss;
	c->retries = 0;
}

/* RFC 6298 with the minimum applied to the variance term, as Linux does:
 * RTO = SRTT + max(4 RTTVAR, rto_min).  Recomputing it also clears any
 * backoff. */
static void conn_rto_update(tcp_conn *c)
{
	const tcp_config *cfg = &c->st->cfg;
	sim_time var = 4 * c->rttvar;
	c->rto = c->srtt + (var > cfg->rto_min ? var : cfg->rto_min);
	if (c->rto > cfg->rto_max)
		c->rto = cfg->rto_max;
}

static void conn_rtt_sample(tcp_conn *c, sim_time r)
{
	if (c->srtt == 0) {
		c->srtt = r > 0 ? r : 1;
		c->rttvar = r / 2;
	} else {
		sim_time err = c->srtt > r ? c->srtt - r : r - c->srtt;
		c->rttvar = (3 * c->rttvar + err) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
	}
	conn_rto_update(c);
}

static uint64_t data_acked(const tcp_conn *c, uint64_t ack)
{
	uint64_t d = ack > 0 ? ack - 1 : 0;
	return d < c->snd_total ? d : c->snd_total;
}

/* Go back N: everything from snd_una is sent again as the windows allow. */
static void conn_go_back(tcp_conn *c)
{
	c->snd_nxt = c->snd_una;
	c->recover = c->snd_max;
	c->dupacks = 0;
	c->rtt_timing = FALSE; /* Karn: never time a retransmission */
}

static void conn_loss_window(tcp_conn *c)
{
	uint64_t flight = c->snd_max - c->snd_una;
	uint64_t half = flight / 2;
	c->ssthresh = MAX(half, 2 * (uint64_t)c->mss);
}

/* Handles the ACK field of an acceptable segment on a synchronized
 * connection.  `pure` is TRUE for a segment without data, SYN or FIN. */
static void conn_ack(tcp_conn *c, uint32_t ack32, uint64_t win, gboolean pure)
{
	tcp_stack *st = c->st;
	int32_t d = (int32_t)(ack32 - snd_wire(c, c->snd_una));
	if (d < 0)
		return; /* old */
	uint64_t ack = c->snd_una + (uint64_t)d;
	if (ack > c->snd_max)
		return; /* acknowledges what was never sent: ignored */
	if (d == 0) {
		if (pure && c->snd_max > c->snd_una && win == c->snd_wnd) {
			c->stats.dup_acks++;
			/* Only dup ACKs for data sent after the last recovery began
			 * count (RFC 6582's `recover`). */
			if (c->snd_una >= c->recover && ++c->dupacks == 3) {
				c->stats.fast_retransmits++;
				st->stats.fast_retransmits++;
				if (st->cfg.cc == TCP_CC_RENO) {
					conn_loss_window(c);
					c->cwnd = c->ssthresh;
				}
				conn_go_back(c);
				conn_output(c);
			}
		}
		c->snd_wnd = win;
		return;
	}

	uint64_t flight_before = c->snd_nxt - c->snd_una;
	c->stats.bytes_acked += data_acked(c, ack) - data_acked(c, c->snd_una);
	uint64_t acked = ack - c->snd_una;
	c->snd_una = ack;
	if (c->snd_nxt < ack)
		c->snd_nxt = ack; /* acknowledged while being resent: skip it */
	c->snd_wnd = win;
	c->dupacks = 0;
	c->retries = 0;
	wq_release(c, data_acked(c, ack));
	if (c->rtt_timing && ack >= c->rtt_seq) {
		c->rtt_timing = FALSE;
		conn_rtt_sample(c, sim_now(st->nt->sim) - c->rtt_start);
	} else if (c->srtt) {
		conn_rto_update(c);
	}

	if (st->cfg.cc == TCP_CC_RENO) {
		/* Grow only while the window is what limits sending (Linux's
		 * tcp_is_cwnd_limited): a connection sending little must not
		 * build a window it never tested. */
		if (c->cwnd < c->ssthresh) {
			if (2 * flight_before >= c->cwnd)
				c->cwnd = MIN(c->cwnd + acked, MAX(c->ssthresh, c->cwnd));
		} else if (flight_before + c->mss >= c->cwnd) {
			uint64_t inc = (uint64_t)c->mss * c->mss / c->cwnd;
			c->cwnd += inc ? inc : 1;
		}
	}

	if (c->snd_una == c->snd_max)
		timer_stop(&c->rtx);
	else
		conn_arm_rto(c);

	/* Our FIN is acknowledged. */
	if (c->fin_queued && ack == c->snd_total + 2) {
		switch (c->state) {
		case TCP_FIN_WAIT_1:
			c->state = TCP_FIN_WAIT_2;
			timer_arm(c, &c->rtx, sim_now(st->nt->sim) + st->cfg.time_wait,
			          conn_on_rtx);
			break;
		case TCP_CLOSING:
			conn_finish(c, TCP_CLOSE_NORMAL, TCP_TIME_WAIT);
			break;
		case TCP_LAST_ACK:
			conn_finish(c, TCP_CLOSE_NORMAL, TCP_CLOSED);
			break;
		default:
			break;
		}
	}
}

static void conn_input_synsent(tcp_conn *c, const pkt *p)
{
	uint8_t fl = pkt_tcp_flags(p);
	uint32_t ack = pkt_tcp_ack(p);
	gboolean ack_ok = (fl & PKT_TCP_ACK) && ack == snd_wire(c, 1);
	if (fl & PKT_TCP_RST) {
		if (ack_ok) {
			c->st->stats.rst_received++;
			conn_finish(c, TCP_CLOSE_REFUSED, TCP_CLOSED);
		}
		return;
	}
	if ((fl & PKT_TCP_ACK) && !ack_ok) {
		/* An old connection's segment: tell the sender (RFC 9293 3.10.7.3). */
		conn_xmit(c, (uint64_t)(uint32_t)(ack - c->iss), PKT_TCP_RST, 0, NULL, 0);
		return;
	}
	if (!(fl & PKT_TCP_SYN) || !ack_ok)
		return; /* simultaneous open is not modelled */
	c->irs = pkt_tcp_seq(p);
	c->rcv_nxt = 1;
	uint16_t peer_mss = pkt_tcp_mss(p);
	c->mss = MIN(c->mss_local, peer_mss ? peer_mss : DEFAULT_MSS);
	conn_set_scaling(c, pkt_tcp_wscale(p));
	conn_established(c, conn_peer_window(c, p)); /* a SYN-ACK's: not scaled */
	if (c->rtt_timing) {
		c->rtt_timing = FALSE;
		conn_rtt_sample(c, sim_now(c->st->nt->sim) - c->rtt_start);
	}
	timer_stop(&c->rtx);
	uint64_t mark = c->stats.segs_sent;
	if (c->cb.on_connected) {
		c->cb.on_connected(c, c->ud);
		if (c->dead)
			return;
	}
	conn_output(c);
	if (c->stats.segs_sent == mark)
		conn_send_ack(c);
}

static void conn_input_rst(tcp_conn *c, const pkt *p)
{
	tcp_stack *st = c->st;
	st->stats.rst_received++;
	if (c->state == TCP_TIME_WAIT || c->state == TCP_SYN_RCVD) {
		/* The peer gave up on a half-open connection, or confirms a closed
		 * one: nothing the application knows about. */
		if (c->state == TCP_SYN_RCVD)
			st->stats.failed_opens++;
		conn_kill(c);
		return;
	}
	/* Accepted only in the receive window we advertised (RFC 5961's
	 * blind-reset check, relaxed to the whole window). */
	int32_t d = (int32_t)(pkt_tcp_seq(p) - rcv_wire(c));
	if (d < 0 || (uint32_t)d >= c->rcv_wnd)
		return;
	conn_finish(c, TCP_CLOSE_RESET, TCP_CLOSED);
}

/* The peer's FIN arrived in order. */
static void conn_got_fin(tcp_conn *c)
{
	c->fin_received = TRUE;
	c->rcv_nxt++;
	gboolean ours_acked = c->fin_queued && c->snd_una == c->snd_total + 2;
	switch (c->state) {
	case TCP_ESTABLISHED:
		c->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		c->state = ours_acked ? TCP_TIME_WAIT : TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		c->state = TCP_TIME_WAIT;
		break;
	default:
		break;
	}
}

static void conn_input(tcp_conn *c, const pkt *p)
{
	tcp_stack *st = c->st;
	uint8_t fl = pkt_tcp_flags(p);
	c->stats.segs_received++;
	if (c->state == TCP_SYN_SENT) {
		conn_input_synsent(c, p);
		return;
	}
	if (fl & PKT_TCP_RST) {
		conn_input_rst(c, p);
		return;
	}
	if (c->state == TCP_TIME_WAIT) {
		if (fl & PKT_TCP_FIN)
			conn_send_ack(c); /* our last ACK was lost: say it again */
		return;
	}
	if (fl & PKT_TCP_SYN) {
		if (c->state == TCP_SYN_RCVD && pkt_tcp_seq(p) == c->irs) {
			conn_send_syn(c); /* the SYN again: our SYN-ACK was lost */
			c->stats.retransmits++;
			st->stats.retransmits++;
		} else {
			conn_send_ack(c); /* RFC 5961's challenge ACK */
		}
		return;
	}
	if (!(fl & PKT_TCP_ACK)) {
		st->stats.bad++;
		return;
	}
	uint64_t mark = c->stats.segs_sent;
	uint32_t len = p->payload_len;

	/* Sequence acceptability (RFC 9293 3.10.7.4), its right edge only: a
	 * segment starting at or beyond the end of the window we advertised
	 * is acknowledged and dropped without looking at its ACK field.  Our
	 * stack never sends one (it keeps to the window it was given); a peer
	 * that scaled a window we never agreed to scale would.  Below the left
	 * edge (old duplicates) the segment is taken as before: its ACK field
	 * is still processed and it is answered with a duplicate ACK.  In
	 * SYN_RCVD the peer knows only our SYN-ACK's unscaled window, but the
	 * check already allows the full one: more permissive, never stricter. */
	int32_t ahead = (int32_t)(pkt_tcp_seq(p) - rcv_wire(c));
	if (ahead >= 0 && (uint32_t)ahead >= c->rcv_wnd) {
		st->stats.bad++;
		conn_send_ack(c);
		return;
	}

	if (c->state == TCP_SYN_RCVD) {
		if (pkt_tcp_ack(p) != snd_wire(c, 1)) {
			uint32_t at = pkt_tcp_ack(p) - c->iss;
			conn_xmit(c, at, PKT_TCP_RST, 0, NULL, 0);
			return;
		}
		conn_established(c, conn_peer_window(c, p));
		if (c->rtt_timing) {
			c->rtt_timing = FALSE;
			conn_rtt_sample(c, sim_now(st->nt->sim) - c->rtt_start);
		}
		timer_stop(&c->rtx);
		c->app_knows = TRUE;
		st->stats.passive_opens++;
		if (c->cb.on_accept) {
			c->cb.on_accept(c, c->ud);
			if (c->dead)
				return;
		}
	} else {
		conn_ack(c, pkt_tcp_ack(p), conn_peer_window(c, p),
		         len == 0 && !(fl & (PKT_TCP_SYN | PKT_TCP_FIN)));
		if (c->dead || c->state == TCP_CLOSED)
			return;
	}

	gboolean ack_now = FALSE;
	gboolean fin = (fl & PKT_TCP_FIN) != 0;
	if (len > 0 || fin) {
		int64_t seg = (int64_t)c->rcv_nxt + (int32_t)(pkt_tcp_seq(p) - rcv_wire(c));
		int64_t end = seg + len;
		gboolean receiving = c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
		                     c->state == TCP_FIN_WAIT_2;
		if (seg > (int64_t)c->rcv_nxt) {
			/* After a gap: no reassembly queue, the sender will go back. */
			c->stats.ooo_dropped++;
			c->quickacks = QUICKACKS;
			ack_now = TRUE;
		} else if (!receiving || end < (int64_t)c->rcv_nxt ||
		           (end == (int64_t)c->rcv_nxt && !fin)) {
			c->quickacks = QUICKACKS;
			ack_now = TRUE; /* nothing new: a duplicate */
		} else {
			uint32_t skip = (uint32_t)((int64_t)c->rcv_nxt - seg);
			uint32_t n = len - skip;
			if (n > 0) {
				c->rcv_nxt += n;
				c->stats.bytes_received += n;
				c->ack_pending++;
				if (st->cfg.delack == 0 || c->ack_pending >= 2 || c->quickacks > 0)
					ack_now = TRUE;
				if (c->quickacks > 0)
					c->quickacks--;
				if (c->cb.on_data) {
					c->cb.on_data(c, p->msg, p->msg_off + skip, n, c->ud);
					if (c->dead)
						return;
				}
			}
			if (fin && c->state != TCP_CLOSED) {
				conn_got_fin(c);
				ack_now = TRUE;
				if (c->cb.on_eof) {
					c->cb.on_eof(c, c->ud);
					if (c->dead)
						return;
				}
			}
		}
	}

	conn_output(c);
	if (c->stats.segs_sent == mark && (ack_now || c->ack_pending > 0)) {
		if (ack_now)
			conn_send_ack(c);
		else if (c->dack.due == NO_TIME)
			timer_arm(c, &c->dack, sim_now(st->nt->sim) + st->cfg.delack, conn_on_dack);
	}
	if (c->state == TCP_TIME_WAIT && c->app_knows)
		conn_finish(c, TCP_CLOSE_NORMAL, TCP_TIME_WAIT);
}

/* ---- timers ---- */

static void conn_on_dack(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	tcp_conn *c = ctx;
	if (!timer_fired(c, &c->dack, conn_on_dack))
		return;
	if (c->ack_pending > 0)
		conn_send_ack(c);
}

static void conn_on_rtx(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	tcp_conn *c = ctx;
	if (!timer_fired(c, &c->rtx, conn_on_rtx))
		return;
	tcp_stack *st = c->st;
	const tcp_config *cfg = &st->cfg;
	conn_enter(c);
	switch (c->state) {
	case TCP_TIME_WAIT:
		conn_kill(c);
		break;
	case TCP_FIN_WAIT_2:
		/* The peer never closed its side: give up on it as Linux does after
		 * tcp_fin_timeout. */
		conn_finish(c, TCP_CLOSE_NORMAL, TCP_CLOSED);
		break;
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
		if (++c->retries > cfg->syn_retries) {
			conn_finish(c, TCP_CLOSE_TIMEOUT, TCP_CLOSED);
			break;
		}
		c->stats.timeouts++;
		st->stats.timeouts++;
		c->rtt_timing = FALSE;
		conn_send_syn(c);
		c->stats.retransmits++;
		st->stats.retransmits++;
		c->rto = MIN(2 * c->rto, cfg->rto_max);
		conn_arm_rto(c);
		break;
	default:
		if (c->snd_una == c->snd_max)
			break;
		if (++c->retries > cfg->data_retries) {
			conn_finish(c, TCP_CLOSE_TIMEOUT, TCP_CLOSED);
			break;
		}
		c->stats.timeouts++;
		st->stats.timeouts++;
		if (cfg->cc == TCP_CC_RENO) {
			conn_loss_window(c);
			c->cwnd = c->mss;
		}
		conn_go_back(c);
		c->rto = MIN(2 * c->rto, cfg->rto_max);
		conn_arm_rto(c);
		conn_output(c);
		break;
	}
	conn_leave(c);
}

/* ---- the stack ---- */

tcp_stack *tcp_stack_new(net *nt, const char *name, const tcp_config *cfg, tcp_tx_fn tx,
                         void *owner)
{
	g_return_val_if_fail(nt != NULL && name != NULL && tx != NULL, NULL);
	tcp_stack *st = g_new0(tcp_stack, 1);
	st->nt = nt;
	if (cfg)
		st->cfg = *cfg;
	else
		tcp_config_default(&st->cfg);
	if (st->cfg.init_cwnd == 0)
		st->cfg.init_cwnd = 1;
	/* A zero window would stall every connection; a shift above 14 is one
	 * no peer may apply (RFC 7323 section 2.3). */
	if (st->cfg.window == 0)
		st->cfg.window = 1;
	if (st->cfg.wscale > WSCALE_MAX)
		st->cfg.wscale = WSCALE_MAX;
	if (st->cfg.wscale < 0)
		st->cfg.wscale = -1;
	st->tx = tx;
	st->owner = owner;
	char *stream = g_strconcat(name, "/tcp", NULL);
	net_rng(nt, &st->rng, stream);
	g_free(stream);
	st->conns = g_hash_table_new(conn_key_hash, conn_key_equal);
	st->listeners = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
	st->eph = g_hash_table_new_full(eph_hash, eph_equal, eph_free, NULL);
	st->next_port = EPH_LO + (uint32_t)rng_below(&st->rng, EPH_HI - EPH_LO + 1);
	return st;
}

void tcp_stack_free(tcp_stack *st)
{
	if (!st)
		return;
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, st->conns);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		g_hash_table_iter_steal(&it);
		conn_free(v);
	}
	g_hash_table_unref(st->conns);
	g_hash_table_unref(st->listeners);
	g_hash_table_unref(st->eph);
	g_free(st);
}

const tcp_stack_stats *tcp_stack_get_stats(const tcp_stack *st) { return &st->stats; }
const tcp_config *tcp_stack_config(const tcp_stack *st) { return &st->cfg; }
net *tcp_stack_net(const tcp_stack *st) { return st->nt; }
guint tcp_stack_conn_count(const tcp_stack *st) { return g_hash_table_size(st->conns); }

/* Answers a segment that belongs to nothing (RFC 9293 3.10.7.1). */
static void stack_send_rst(tcp_stack *st, const pkt *in)
{
	uint8_t fl = pkt_tcp_flags(in);
	pkt *p = net_pkt_new(st->nt, 0);
	pkt_addrs a = { .src_ip = pkt_ip_dst(in), .dst_ip = pkt_ip_src(in), .sport = pkt_dport(in),
	                .dport = pkt_sport(in), .ttl = st->cfg.ttl, .df = TRUE };
	if (fl & PKT_TCP_ACK) {
		pkt_build_tcp(p, &a, pkt_tcp_ack(in), 0, PKT_TCP_RST, 0, 0, 0);
	} else {
		uint32_t used = in->payload_len + ((fl & PKT_TCP_SYN) ? 1 : 0) +
		                ((fl & PKT_TCP_FIN) ? 1 : 0);
		pkt_build_tcp(p, &a, 0, pkt_tcp_seq(in) + used, PKT_TCP_RST | PKT_TCP_ACK, 0, 0, 0);
	}
	st->stats.segs_out++;
	st->stats.rst_sent++;
	st->tx(st->owner, p);
}

static void stack_accept_syn(tcp_stack *st, tcp_listener *l, const conn_key *k, const pkt *p)
{
	tcp_conn *c = conn_new(st, k, l->mtu);
	c->passive = TRUE;
	c->state = TCP_SYN_RCVD;
	c->cb = l->cb;
	c->ud = l->ud;
	c->irs = pkt_tcp_seq(p);
	c->rcv_nxt = 1;
	uint16_t peer_mss = pkt_tcp_mss(p);
	c->mss = MIN(c->mss_local, peer_mss ? peer_mss : DEFAULT_MSS);
	conn_set_scaling(c, pkt_tcp_wscale(p));
	c->snd_wnd = conn_peer_window(c, p); /* a SYN's: not scaled */
	c->stats.segs_received++;
	c->rtt_timing = TRUE;
	c->rtt_seq = 1;
	c->rtt_start = sim_now(st->nt->sim);
	conn_send_syn(c);
	conn_arm_rto(c);
}

void tcp_stack_input(tcp_stack *st, pkt *p)
{
	g_return_if_fail(st != NULL && p != NULL);
	if (p->hdr_len == 0 || pkt_proto(p) != PKT_PROTO_TCP) {
		st->stats.bad++;
		pkt_free(p);
		return;
	}
	st->stats.segs_in++;
	st->stats.bytes_in += p->payload_len;
	conn_key k = { pkt_ip_dst(p), pkt_ip_src(p), pkt_dport(p), pkt_sport(p) };
	tcp_conn *c = g_hash_table_lookup(st->conns, &k);
	uint8_t fl = pkt_tcp_flags(p);
	if (c && c->state == TCP_TIME_WAIT &&
	    (fl & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) == PKT_TCP_SYN) {
		/* A new SYN ends TIME_WAIT early, so a client cycling through its
		 * ports can reuse the tuple.  Linux (tcp_timewait_state_process)
		 * asks that the SYN's sequence number lie beyond the old
		 * connection's, which its clock-driven ISNs (RFC 6528) make true;
		 * ours are drawn at random, and the old duplicate SYNs the check
		 * guards against do not occur here, so any SYN is taken. */
		conn_kill(c);
		c = NULL;
	}
	if (c) {
		conn_enter(c);
		conn_input(c, p);
		conn_leave(c);
		pkt_free(p);
		return;
	}
	if ((fl & (PKT_TCP_SYN | PKT_TCP_ACK | PKT_TCP_RST)) == PKT_TCP_SYN) {
		tcp_listener *l = listener_find(st, k.lip, k.lport);
		if (l) {
			stack_accept_syn(st, l, &k, p);
			pkt_free(p);
			return;
		}
	}
	if (fl & PKT_TCP_RST) {
		st->stats.rst_received++;
	} else {
		st->stats.unknown++;
		if (!st->cfg.no_rst)
			stack_send_rst(st, p);
	}
	pkt_free(p);
}

void tcp_stack_xmit_raw(tcp_stack *st, pkt *p)
{
	g_return_if_fail(st != NULL && p != NULL);
	st->stats.segs_out++;
	st->tx(st->owner, p);
}

tcp_listener *tcp_listen(tcp_stack *st, uint32_t ip, uint16_t lport, uint32_t mtu,
                         const tcp_callbacks *cb, void *ud)
{
	g_return_val_if_fail(st != NULL && cb != NULL && lport != 0, NULL);
	gint64 key = listener_key(ip, lport);
	if (g_hash_table_contains(st->listeners, &key))
		return NULL;
	tcp_listener *l = g_new0(tcp_listener, 1);
	l->st = st;
	l->key = key;
	l->mtu = mtu;
	l->cb = *cb;
	l->ud = ud;
	g_hash_table_insert(st->listeners, &l->key, l);
	return l;
}

void tcp_unlisten(tcp_listener *l)
{
	if (l)
		g_hash_table_remove(l->st->listeners, &l->key);
}

/*
 * An ephemeral port towards rip:rport, or 0 when none is free: the first at
 * or after next_port (cyclically) that no connection towards that
 * destination holds, TIME_WAIT included, and nothing listens on.  Sequential
 * from a random start, like Linux before it hashed ports per destination.
 * A destination holding the whole range fails at once; otherwise the
 * destination's bitmap (or, for one with few connections, the table) is
 * searched, and only candidates it shows unused are checked for listeners.
 */
static uint16_t eph_choose(tcp_stack *st, uint32_t lip, uint32_t rip, uint16_t rport)
{
	const eph_dest *d = eph_find(st, lip, rip, rport);
	if (d && d->used >= EPH_RANGE) {
		st->stats.no_port++;
		return 0;
	}
	uint16_t cand = (uint16_t)st->next_port;
	for (uint32_t tried = 0; tried < EPH_RANGE; tried++) {
		if (d && d->busy) {
			uint16_t next = eph_next_unused(d, cand);
			if (next == 0)
				break;
			/* Passing wraps past where the search began: every port
			 * in between was busy. */
			tried += (uint32_t)((next - cand + EPH_RANGE) % EPH_RANGE);
			if (tried >= EPH_RANGE)
				break;
			cand = next;
		}
		st->stats.port_probes++;
		conn_key k = { lip, rip, cand, rport };
		if (!(d && !d->busy && g_hash_table_contains(st->conns, &k)) && !listener_find(st, lip, cand)) {
			st->next_port = EPH_LO + (uint32_t)(cand - EPH_LO + 1) % EPH_RANGE;
			return cand;
		}
		cand = (uint16_t)(EPH_LO + (uint32_t)(cand - EPH_LO + 1) % EPH_RANGE);
	}
	st->stats.no_port++;
	return 0;
}

tcp_conn *tcp_connect(tcp_stack *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport,
                      uint32_t mtu, const tcp_callbacks *cb, void *ud)
{
	g_return_val_if_fail(st != NULL && cb != NULL && rport != 0, NULL);
	if (lport == 0) {
		lport = eph_choose(st, lip, rip, rport);
		if (lport == 0)
			return NULL;
	} else {
		conn_key k = { lip, rip, lport, rport };
		if (g_hash_table_contains(st->conns, &k))
			return NULL;
	}
	conn_key k = { lip, rip, lport, rport };
	tcp_conn *c = conn_new(st, &k, mtu);
	c->state = TCP_SYN_SENT;
	c->cb = *cb;
	c->ud = ud;
	c->app_knows = TRUE;
	st->stats.active_opens++;
	c->rtt_timing = TRUE;
	c->rtt_seq = 1;
	c->rtt_start = sim_now(st->nt->sim);
	conn_send_syn(c);
	conn_arm_rto(c);
	return c;
}

/* ---- accessors ---- */

void tcp_conn_set_user(tcp_conn *c, void *ud) { c->ud = ud; }
void *tcp_conn_user(const tcp_conn *c) { return c->ud; }
void tcp_conn_set_callbacks(tcp_conn *c, const tcp_callbacks *cb)
{
	g_return_if_fail(c != NULL && cb != NULL);
	if (!c->dead)
		c->cb = *cb;
}
tcp_state tcp_conn_state(const tcp_conn *c) { return c->state; }
const tcp_conn_stats *tcp_conn_get_stats(const tcp_conn *c) { return &c->stats; }
uint32_t tcp_conn_local_ip(const tcp_conn *c) { return c->key.lip; }
uint32_t tcp_conn_remote_ip(const tcp_conn *c) { return c->key.rip; }
uint16_t tcp_conn_local_port(const tcp_conn *c) { return c->key.lport; }
uint16_t tcp_conn_remote_port(const tcp_conn *c) { return c->key.rport; }
uint32_t tcp_conn_mss(const tcp_conn *c) { return c->mss; }
uint32_t tcp_conn_iss(const tcp_conn *c) { return c->iss; }
uint32_t tcp_conn_irs(const tcp_conn *c) { return c->irs; }
uint64_t tcp_conn_unacked(const tcp_conn *c) { return c->snd_total - data_acked(c, c->snd_una); }
uint64_t tcp_conn_snd_wnd(const tcp_conn *c) { return c->snd_wnd; }
uint32_t tcp_conn_rcv_wnd(const tcp_conn *c) { return c->rcv_wnd; }
uint64_t tcp_conn_cwnd(const tcp_conn *c) { return c->cwnd; }
sim_time tcp_conn_srtt(const tcp_conn *c) { return c->srtt; }
uint64_t tcp_conn_flow_id(const tcp_conn *c) { return c->flow_id; }
