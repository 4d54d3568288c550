/* \summary: TCP endpoints: connection table, states, window scaling, segmentation, ACKs, timers */
#include "tcp.h"
#include "keymap.h"

#include <math.h>
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
/* RFC 6675's DupThresh: duplicate ACKs, or SACKed segments above a hole,
 * that make it lost. */
#define DUPTHRESH 3
/* CUBIC's constants (RFC 9438 section 4.1, Linux's tcp_cubic.c): the
 * multiplicative decrease and the cubic's scale, in segments and seconds. */
#define CUBIC_BETA 0.7
#define CUBIC_C 0.4
/* Linux's default tcp_rmem[1], the receive buffer a connection starts
 * with (Debian 12: "4096 131072 6291456"). */
#define RCVBUF_INITIAL 131072u

/* Where the sender is in loss recovery. */
enum {
	LOSS_OPEN,      /* no loss being repaired */
	LOSS_RECOVERY,  /* fast recovery (RFC 6675 with SACK, RFC 6582 without) */
	LOSS_RTO,       /* after a retransmission timeout: everything not SACKed is lost */
};

/* A range of sequence offsets [start, end). */
typedef struct {
	uint64_t start, end;
} tcp_range;

/* A segment received after a gap, kept until the gap fills. */
typedef struct {
	uint64_t start, end; /* sequence offsets of its data (end includes no FIN) */
	pkt_msg *msg;        /* may be NULL */
	uint64_t moff;
	gboolean fin;
} tcp_ooo;

typedef struct {
	uint32_t lip, rip;
	uint16_t lport, rport;
} conn_key;

static inline keymap_key ck(const conn_key *k)
{
	return keymap_key_flow(k->lip, k->rip, k->lport, k->rport, 0, 0);
}

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
	const tcp_ulp *ulp;   /* accepted connections get it (tcp_listener_set_ulp) */
	tcp_ulp_new_fn ulp_new;
	void *ulp_arg;
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
	pkt_tcp_tmpl tmpl;    /* our segments' addresses, ports, TTL and DF */
	uint32_t mss_local;   /* advertised: our MTU - 40 */
	uint32_t mss;         /* what we send with */
	uint32_t iss, irs;
	/* Window scaling (RFC 7323): both 0 unless both SYNs carried the
	 * option.  snd_shift applies to the peer's window fields, rcv_shift to
	 * ours. */
	gboolean ws_ok;
	uint8_t snd_shift, rcv_shift;
	/* SACK (RFC 2018) and timestamps (RFC 7323): on when both SYNs
	 * carried the option.  Our TSval is a millisecond clock (Linux's
	 * TCP_TS_HZ) plus a per-connection offset (Linux randomizes it). */
	gboolean sack_ok, ts_ok;
	uint32_t ts_off;
	uint32_t ts_recent;     /* the TSval we echo (RFC 7323 section 4.3) */
	uint64_t last_ack_sent; /* rcv_nxt as our last ACK carried it */

	/* Sending. */
	uint64_t snd_una, snd_nxt, snd_max;
	uint64_t snd_total;   /* bytes written */
	gboolean fin_queued;  /* tcp_close() called: a FIN follows snd_total */
	uint64_t snd_wnd;     /* the peer's advertised window */
	uint64_t cwnd, ssthresh;
	uint64_t recover;     /* the episode's RecoveryPoint: snd_max when it began */
	guint dupacks;
	/* Loss recovery (RFC 6675): the scoreboard of SACKed ranges above
	 * snd_una, sorted and disjoint, and how far this episode retransmitted. */
	guint loss;           /* LOSS_* */
	uint64_t high_rxt;
	tcp_range *sacked;    /* sacked[0, n_sacked) of cap_sacked (vec_insert) */
	guint n_sacked, cap_sacked;
	uint64_t sacked_bytes;
	guint reno_dups;      /* without SACK: duplicate ACKs taken as segments gone
	                         (Linux's tcp_add_reno_sack) */
	gboolean rxt_una;     /* the segment at snd_una goes again first */
	/* CUBIC (RFC 9438), in bytes. */
	uint64_t w_max, cubic_origin;
	double cubic_k, w_est; /* K in seconds; W_est in bytes */
	sim_time epoch;       /* start of the congestion-avoidance epoch; NO_TIME: none */
	guint retries;        /* consecutive timeouts */
	/* The writes not yet acknowledged entirely: wq[wq_head, wq_len) of
	 * wq_cap, grown by doubling, never shrunk; wq_cursor is where the last
	 * search ended. */
	tcp_wr *wq;
	guint wq_head, wq_len, wq_cap, wq_cursor;
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
	tcp_ooo *ooo;         /* ooo[0, n_ooo) of cap_ooo, sorted by start: received after a gap */
	guint n_ooo, cap_ooo;
	tcp_range sack_blk[PKT_TCP_SACK_MAX]; /* the blocks we report, most recent first */
	guint n_sack_blk;
	/* Receive-window growth as Linux's tcp_grow_window and
	 * tcp_rcv_space_adjust do it: the buffer, the most of it offered, the
	 * window offered now, and the last round trip's measure. */
	uint64_t rcvbuf, window_clamp, rcv_ssthresh;
	uint64_t rcvq_space, rcvq_seq;
	sim_time rcvq_time;
	guint quickacks;      /* segments still to acknowledge at once (after a loss) */

	tcp_timer rtx;        /* retransmission; also FIN_WAIT_2 and TIME_WAIT */
	tcp_timer dack;       /* delayed ACK */

	guint busy;
	gboolean dead;
	tcp_conn_stats stats;

	/* An upper layer (tcp_conn_set_ulp): cb and ud above are then its own,
	 * the application's wait here. */
	const tcp_ulp *ulp;
	void *ulp_state;
	tcp_callbacks app_cb;
	void *app_ud;
};

struct tcp_stack {
	net *nt;
	tcp_config cfg;
	tcp_tx_fn tx;
	void *owner;
	rng rng;
	keymap conns;           /* conn_key -> tcp_conn * */
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
	c->cc = TCP_CC_CUBIC;
	c->sack = TRUE;
	c->timestamps = TRUE;
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
		guint at = 0;
		for (const keymap_slot *sl; (sl = keymap_next(&st->conns, &at));) {
			const conn_key *o = &((const tcp_conn *)sl->v)->key;
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
	for (guint i = c->wq_head; i < c->wq_len; i++)
		pkt_msg_unref(c->wq[i].msg);
	g_free(c->wq);
	for (guint i = 0; i < c->n_ooo; i++)
		if (c->ooo[i].msg)
			pkt_msg_unref(c->ooo[i].msg);
	g_free(c->ooo);
	g_free(c->sacked);
	if (c->ulp && c->ulp->free)
		c->ulp->free(c->ulp_state);
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
	keymap_remove(&c->st->conns, ck(&c->key));
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
	c->ts_off = (uint32_t)rng_next(&st->rng);
	pkt_addrs a = { .src_ip = k->lip, .dst_ip = k->rip, .sport = k->lport, .dport = k->rport,
	                .ttl = st->cfg.ttl, .df = TRUE };
	pkt_tcp_tmpl_init(&c->tmpl, &a);
	if (mtu == 0)
		mtu = st->cfg.mtu;
	c->mss_local = mtu > 40 + 1 ? MIN(mtu - 40, 65535u) : 1;
	c->mss = c->mss_local;
	c->rcv_wnd = MIN(MIN(RCVBUF_INITIAL, st->cfg.window) / 2, WINDOW_FIELD_MAX); /* until the SYNs are in */
	if (c->rcv_wnd == 0)
		c->rcv_wnd = 1;
	c->epoch = NO_TIME;
	c->rto = st->cfg.rto_initial;
	c->ssthresh = UINT64_MAX;
	c->rtx.due = c->dack.due = NO_TIME;
	c->stats.t_syn = sim_now(st->nt->sim);
	c->stats.t_established = NO_TIME;
	c->stats.t_closed = NO_TIME;
	keymap_put(&st->conns, ck(&c->key), c);
	eph_take(st, &c->key);
	return c;
}

/* The window field's largest value in bytes under our shift. */
static uint64_t rcv_field_max(const tcp_conn *c) { return (uint64_t)WINDOW_FIELD_MAX << c->rcv_shift; }

/* The window we offer from now on: rcv_ssthresh (all of the buffer's
 * window is free, the application reading every byte at once), rounded up
 * to a whole unit of our shift as Linux's __tcp_select_window does, and
 * never less than before (Linux never moves the right edge back). */
static void conn_rcv_update_wnd(tcp_conn *c)
{
	uint64_t w = MIN(c->rcv_ssthresh, c->window_clamp);
	uint64_t unit = (uint64_t)1 << c->rcv_shift;
	w = (w + unit - 1) / unit * unit;
	w = MIN(w, rcv_field_max(c));
	if (w < unit)
		w = unit;
	if (w > c->rcv_wnd)
		c->rcv_wnd = (uint32_t)w;
}

/*
 * Settles window scaling, SACK and timestamps once the peer's SYN (or
 * SYN-ACK) is in: `peer_ws` is the shift it offered, -1 if it sent no
 * option.  Each needs both SYNs to carry its option (RFC 7323 section
 * 2.2 and 3.2, RFC 2018 section 2); the passive side calls this before
 * answering, so its SYN-ACK offers an option only when the SYN did.
 *
 * The receive window starts as Linux's does (tcp_select_initial_window,
 * tcp_init_buffer_space): a buffer of tcp_rmem[1] (131072), of which half
 * is offered as window (tcp_win_from_space with the default scaling ratio,
 * an assumption: Linux 6.x measures the ratio of payload to buffer memory
 * per connection), rounded down to whole segments: 64240 for MSS 1460,
 * both in the SYN and after it.
 */
static void conn_set_options(tcp_conn *c, const pkt *syn)
{
	const tcp_config *cfg = &c->st->cfg;
	int peer_ws = pkt_tcp_wscale(syn);
	c->ws_ok = cfg->wscale >= 0 && peer_ws >= 0;
	if (c->ws_ok) {
		c->rcv_shift = (uint8_t)cfg->wscale;
		c->snd_shift = (uint8_t)MIN(peer_ws, WSCALE_MAX);
	} else {
		c->rcv_shift = c->snd_shift = 0;
	}
	c->sack_ok = cfg->sack && pkt_tcp_sack_perm(syn);
	c->ts_ok = cfg->timestamps && pkt_tcp_ts(syn, &c->ts_recent, NULL);
	/* What the options leave of the MSS for data: 12 bytes per segment
	 * for the timestamp (Linux's mss_cache: 1448 for MSS 1460). */
	if (c->ts_ok && c->mss > 12 + 1)
		c->mss -= 12;
	c->rcvbuf = MIN(RCVBUF_INITIAL, cfg->window);
	c->window_clamp = MIN(MAX(c->rcvbuf / 2, 1u), rcv_field_max(c));
	uint64_t w = MIN(c->window_clamp, (uint64_t)WINDOW_FIELD_MAX);
	if (w > c->mss_local)
		w -= w % c->mss_local;
	c->rcv_ssthresh = w;
	c->rcvq_space = MIN(w, 10 * (uint64_t)c->mss_local);
	c->rcv_wnd = 0;
	conn_rcv_update_wnd(c);
}

/* Whether our SYN or SYN-ACK carries an option we support: a SYN always,
 * a SYN-ACK only if the SYN offered it too. */
static gboolean conn_offers_wscale(const tcp_conn *c)
{
	return c->st->cfg.wscale >= 0 && (!c->passive || c->ws_ok);
}

/* The window field of a SYN or SYN-ACK, which is never scaled: half the
 * initial buffer up to 65535, rounded down to a whole number of our MSS as
 * Linux's tcp_select_initial_window does (64240 for MSS 1460). */
static uint16_t conn_syn_window(const tcp_conn *c)
{
	uint32_t w = MIN(MIN(RCVBUF_INITIAL, c->st->cfg.window) / 2, WINDOW_FIELD_MAX);
	if (w == 0)
		w = 1;
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

/* Our TSval now: milliseconds plus the connection's offset. */
static uint32_t ts_clock(const tcp_conn *c)
{
	return (uint32_t)(sim_now(c->st->nt->sim) / SIM_MS) + c->ts_off;
}

/* Builds and transmits one segment at sequence offset `off`.  Payload, if
 * any, is bytes [moff, moff + len) of msg. */
static void conn_xmit(tcp_conn *c, uint64_t off, uint8_t flags, uint32_t len, pkt_msg *msg,
                      uint64_t moff)
{
	tcp_stack *st = c->st;
	sim_time now = sim_now(st->nt->sim);
	pkt *p = net_pkt_new(st->nt, c->flow_id);
	uint32_t ack = (flags & PKT_TCP_ACK) ? rcv_wire(c) : 0;
	pkt_tcp_opts o = { 0 };
	uint16_t win;
	if (flags & PKT_TCP_SYN) {
		o.mss = (uint16_t)c->mss_local;
		o.has_wscale = conn_offers_wscale(c);
		o.wscale = (uint8_t)MAX(st->cfg.wscale, 0);
		o.sack_perm = st->cfg.sack && (!c->passive || c->sack_ok);
		o.has_ts = st->cfg.timestamps && (!c->passive || c->ts_ok);
		win = conn_syn_window(c);
	} else {
		win = (uint16_t)(c->rcv_wnd >> c->rcv_shift);
		o.has_ts = c->ts_ok;
		/* SACK blocks on every ACK while data after a gap waits
		 * (RFC 2018 section 4), at most 3 beside the timestamp. */
		if (c->n_sack_blk && c->sack_ok && (flags & PKT_TCP_ACK) && !(flags & PKT_TCP_RST)) {
			o.nsack = (uint8_t)MIN(c->n_sack_blk, c->ts_ok ? 3u : 4u);
			for (guint i = 0; i < o.nsack; i++) {
				o.sack[i][0] = c->irs + (uint32_t)c->sack_blk[i].start;
				o.sack[i][1] = c->irs + (uint32_t)c->sack_blk[i].end;
			}
		}
	}
	if (o.has_ts) {
		o.ts_val = ts_clock(c);
		o.ts_ecr = (flags & PKT_TCP_ACK) ? c->ts_recent : 0;
	}
	pkt_build_tcp_tmpl(p, &c->tmpl, c->ip_id++, snd_wire(c, off), ack, flags, win, &o, len);
	if (len) {
		p->msg = pkt_msg_ref(msg);
		p->msg_off = moff;
	}
	if (flags & PKT_TCP_ACK) {
		/* Whatever we send acknowledges everything received so far. */
		c->ack_pending = 0;
		c->last_ack_sent = c->rcv_nxt;
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

static void conn_send_ack(tcp_conn *c) { conn_xmit(c, c->snd_max, PKT_TCP_ACK, 0, NULL, 0); }

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
	tcp_wr *w = c->wq;
	if (c->wq_cursor < c->wq_head || c->wq_cursor >= c->wq_len || w[c->wq_cursor].start > so)
		c->wq_cursor = c->wq_head;
	while (w[c->wq_cursor].start + w[c->wq_cursor].len <= so)
		c->wq_cursor++;
	return &w[c->wq_cursor];
}

/* Forgets writes the peer has acknowledged entirely (up to stream offset
 * `done`), keeping the array's storage for later writes: an empty queue
 * starts again at its beginning, and one whose done part outgrows the
 * rest moves the rest down (a connection writing while its peer keeps
 * acknowledging never empties it). */
static void wq_release(tcp_conn *c, uint64_t done)
{
	while (c->wq_head < c->wq_len) {
		tcp_wr *w = &c->wq[c->wq_head];
		if (w->start + w->len > done)
			break;
		pkt_msg_unref(w->msg);
		w->msg = NULL;
		c->wq_head++;
	}
	if (c->wq_head == c->wq_len) {
		c->wq_head = c->wq_len = c->wq_cursor = 0;
	} else if (c->wq_head >= 32 && c->wq_head * 2 >= c->wq_len) {
		c->wq_len -= c->wq_head;
		memmove(c->wq, c->wq + c->wq_head, c->wq_len * sizeof *c->wq);
		c->wq_cursor = c->wq_cursor > c->wq_head ? c->wq_cursor - c->wq_head : 0;
		c->wq_head = 0;
	}
}

/*
 * The SACK scoreboard, the out-of-order queue and the write queue are
 * small arrays held in the connection (pointer, length, capacity), grown
 * by doubling and never shrunk.  By hand rather than GArrays, on purpose:
 * a GArray's length lives in a header of its own, whose read, on every
 * ACK and data segment, missed the cache (about 1.4% of alb-privatelink
 * x100's time), and each connection allocated two headers.
 */
/* Inserts the element e at `at` of the array v, growing it; returns the
 * array (moved, if it grew). */
static void *vec_insert(void *v, guint *len, guint *cap, size_t size, guint at, const void *e)
{
	if (*len == *cap) {
		*cap = *cap ? 2 * *cap : 4;
		v = g_realloc_n(v, *cap, size);
	}
	char *b = v;
	if (at < *len)
		memmove(b + (at + 1) * size, b + at * size, (*len - at) * size);
	memcpy(b + at * size, e, size);
	(*len)++;
	return v;
}

/* Removes elements [at, at + n) of the array v. */
static void vec_remove(void *v, guint *len, size_t size, guint at, guint n)
{
	char *b = v;
	memmove(b + at * size, b + (at + n) * size, (*len - at - n) * size);
	*len -= n;
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

/* Whether anything at snd_max was never sent: data, or the FIN once the
 * application closed (conn_send_at() sends nothing at snd_max otherwise). */
static inline gboolean conn_has_new(const tcp_conn *c)
{
	uint64_t data_end = 1 + c->snd_total;
	return c->snd_max < data_end || (c->fin_queued && c->snd_max == data_end);
}

/*
 * Sends one segment from sequence offset `off`: data up to one MSS that
 * never crosses a write's end nor `lim`, with PSH at a write's end and the
 * FIN after the last byte once the application closed; or the FIN alone.
 * A segment longer than `room` is not sent (sender-side silly-window
 * avoidance), unless `may_cut`, when it is cut to `room` (a window smaller
 * than a segment must still make progress).  Returns the sequence space
 * sent, 0 if nothing.
 */
static uint64_t conn_send_at(tcp_conn *c, uint64_t off, uint64_t lim, uint64_t room, gboolean may_cut)
{
	tcp_stack *st = c->st;
	uint64_t data_end = 1 + c->snd_total;
	gboolean retx = off < c->snd_max;
	uint8_t flags = PKT_TCP_ACK;
	uint32_t len = 0;
	if (off < data_end) {
		const tcp_wr *w = wq_find(c, off - 1);
		uint64_t left = w->start + w->len - (off - 1);
		len = (uint32_t)MIN((uint64_t)c->mss, left);
		if (lim > off && lim - off < len)
			len = (uint32_t)(lim - off);
		if (len > room) {
			if (!may_cut || room == 0)
				return 0;
			len = (uint32_t)room;
		}
		if (len == left)
			flags |= PKT_TCP_PSH;
		if (c->fin_queued && off + len == data_end)
			flags |= PKT_TCP_FIN;
		if (!retx && !c->rtt_timing) {
			c->rtt_timing = TRUE;
			c->rtt_seq = off + len;
			c->rtt_start = sim_now(st->nt->sim);
		}
		conn_xmit(c, off, flags, len, w->msg, w->moff + (off - 1 - w->start));
	} else if (c->fin_queued && off == data_end) {
		flags |= PKT_TCP_FIN;
		conn_xmit(c, off, flags, 0, NULL, 0);
	} else {
		return 0;
	}
	if (retx) {
		c->stats.retransmits++;
		c->stats.bytes_retrans += len;
		st->stats.retransmits++;
	}
	uint64_t used = len + ((flags & PKT_TCP_FIN) ? 1 : 0);
	if (off + used > c->snd_max)
		c->snd_max = off + used;
	c->snd_nxt = c->snd_max;
	return used;
}

/*
 * The part of the hole [a, b) (unSACKed bytes between SACKed ranges, or
 * between the last one and snd_max) taken as lost, returned as its end (a
 * when none is): `above` SACKed bytes in `nabove` ranges lie above it.
 * After a timeout everything not SACKed below the recovery point is (as
 * Linux's tcp_timeout_mark_lost does); in fast recovery, with SACK, a hole
 * with DupThresh ranges or more than (DupThresh - 1) segments SACKed above
 * it (RFC 6675's IsLost); without SACK, the first segment only (NewReno).
 */
static uint64_t hole_lost_end(const tcp_conn *c, uint64_t a, uint64_t b, uint64_t above, guint nabove)
{
	switch (c->loss) {
	case LOSS_RTO:
		return MIN(b, MAX(a, c->recover));
	case LOSS_RECOVERY:
		if (c->sack_ok)
			return above > (DUPTHRESH - 1) * (uint64_t)c->mss || nabove >= DUPTHRESH ? b : a;
		return a == c->snd_una ? MIN(b, a + c->mss) : a;
	default:
		return a;
	}
}

/*
 * RFC 6675's pipe: the bytes the sender takes to be in the network.  Every
 * unSACKed byte up to snd_max counts once unless lost, and once more if
 * this episode retransmitted it.  Without SACK, each duplicate ACK stands
 * for a segment that left the network (Linux's tcp_add_reno_sack).
 */
static uint64_t conn_pipe(const tcp_conn *c)
{
	const tcp_range *r = c->sacked;
	guint n = c->n_sacked;
	uint64_t pipe = 0, a = c->snd_una, above = c->sacked_bytes;
	for (guint i = 0; i <= n; i++) {
		uint64_t b = i < n ? r[i].start : c->snd_max;
		if (b > a) {
			pipe += b - hole_lost_end(c, a, b, above, n - i);
			if (c->high_rxt > a)
				pipe += MIN(b, c->high_rxt) - a;
		}
		if (i < n) {
			above -= r[i].end - r[i].start;
			a = r[i].end;
		}
	}
	if (!c->sack_ok) {
		uint64_t gone = (uint64_t)c->reno_dups * c->mss;
		pipe = pipe > gone ? pipe - gone : 0;
	}
	return pipe;
}

/* RFC 6675's NextSeg, rule 1: the first byte at or above HighRxt in a lost
 * part of a hole, and the end of that part. */
static gboolean conn_next_lost(const tcp_conn *c, uint64_t *s, uint64_t *end)
{
	const tcp_range *r = c->sacked;
	guint n = c->n_sacked;
	if (c->rxt_una && c->high_rxt <= c->snd_una && c->snd_una < c->snd_max) {
		*s = c->snd_una;
		*end = n ? r[0].start : c->snd_max;
		return TRUE;
	}
	uint64_t from = MAX(c->high_rxt, c->snd_una);
	uint64_t a = c->snd_una, above = c->sacked_bytes;
	for (guint i = 0; i <= n; i++) {
		uint64_t b = i < n ? r[i].start : c->snd_max;
		if (b > a) {
			uint64_t lost = hole_lost_end(c, a, b, above, n - i);
			uint64_t lo = MAX(a, from);
			if (lo < lost) {
				*s = lo;
				*end = lost;
				return TRUE;
			}
		}
		if (i < n) {
			above -= r[i].end - r[i].start;
			a = r[i].end;
		}
	}
	return FALSE;
}

/* Room the peer's window leaves for new data. */
static uint64_t conn_rwnd_room(const tcp_conn *c)
{
	uint64_t edge = c->snd_una + c->snd_wnd;
	return edge > c->snd_max ? edge - c->snd_max : 0;
}

/* Data in flight has its retransmission timer running. */
static void conn_rto_ensure(tcp_conn *c)
{
	if (c->snd_max > c->snd_una && c->rtx.due == NO_TIME)
		conn_arm_rto(c);
}

/*
 * Sends what the windows allow.  With no loss being repaired: new data
 * while the congestion window exceeds what is in flight (SACKed bytes
 * excluded, so SACKs before a recovery let new segments out, as RFC 3042's
 * limited transmit does).  While repairing one (RFC 6675 section 5): as
 * long as cwnd - pipe is at least one segment, the next lost range first,
 * then new data.
 */
static void conn_output_send(tcp_conn *c)
{
	tcp_stack *st = c->st;
	sim_time now = sim_now(st->nt->sim);
	uint64_t data_end = 1 + c->snd_total;
	uint64_t iw = (uint64_t)st->cfg.init_cwnd * c->mss;
	gboolean cc = st->cfg.cc != TCP_CC_NONE;
	/* Restart from the initial window after an idle period longer than the
	 * RTO: the path may have changed meanwhile (RFC 5681 section 4.1). */
	if (cc && c->snd_max == c->snd_una && c->snd_max < data_end && now - c->last_data > c->rto &&
	    c->cwnd > iw) {
		c->cwnd = iw;
		c->epoch = NO_TIME;
	}
	if (c->loss == LOSS_OPEN) {
		while (conn_has_new(c)) {
			uint64_t flight = c->snd_max - c->snd_una - c->sacked_bytes;
			uint64_t room = conn_rwnd_room(c);
			if (cc)
				room = MIN(room, c->cwnd > flight ? c->cwnd - flight : 0);
			if (!conn_send_at(c, c->snd_max, UINT64_MAX, room, c->snd_max == c->snd_una))
				break;
		}
	} else {
		uint64_t pipe = conn_pipe(c);
		for (;;) {
			if (cc && (pipe >= c->cwnd || (pipe > 0 && c->cwnd - pipe < c->mss)))
				break;
			uint64_t s, end, used;
			if (conn_next_lost(c, &s, &end)) {
				used = conn_send_at(c, s, end, UINT64_MAX, FALSE);
				if (!used)
					break;
				c->high_rxt = s + used;
				c->rxt_una = FALSE;
			} else {
				used = conn_send_at(c, c->snd_max, UINT64_MAX, conn_rwnd_room(c),
				                    c->snd_max == c->snd_una);
				if (!used)
					break;
			}
			pipe += used;
		}
	}
	conn_rto_ensure(c);
}

/* Most calls (one per segment received) find nothing to send: no loss
 * being repaired and nothing new (the idle restart needs something new). */
static inline void conn_output(tcp_conn *c)
{
	if (!conn_can_send(c))
		return;
	if (c->loss != LOSS_OPEN || conn_has_new(c))
		conn_output_send(c);
	else
		conn_rto_ensure(c);
}

/* ---- the application's calls ---- */

gboolean tcp_write(tcp_conn *c, pkt_msg *msg, uint64_t off, uint64_t len)
{
	g_return_val_if_fail(c != NULL && msg != NULL && !c->dead, FALSE);
	if (c->ulp)
		return c->ulp->write(c, c->ulp_state, msg, off, len);
	return tcp_ulp_write(c, msg, off, len);
}

gboolean tcp_ulp_write(tcp_conn *c, pkt_msg *msg, uint64_t off, uint64_t len)
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
	c->wq = vec_insert(c->wq, &c->wq_len, &c->wq_cap, sizeof w, c->wq_len, &w);
	c->snd_total += len;
	conn_output(c);
	return TRUE;
}

void tcp_close(tcp_conn *c)
{
	g_return_if_fail(c != NULL && !c->dead);
	if (c->ulp) {
		c->ulp->close(c, c->ulp_state);
		return;
	}
	tcp_ulp_close(c);
}

void tcp_ulp_close(tcp_conn *c)
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
	c->rcvq_seq = c->rcv_nxt;
	c->rcvq_time = c->stats.t_established;
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

/* ---- the scoreboard of SACKed ranges ---- */

/* Adds [s, e) to the scoreboard; returns the bytes newly SACKed. */
static uint64_t sb_add(tcp_conn *c, uint64_t s, uint64_t e)
{
	tcp_range *r = c->sacked;
	guint i = 0;
	while (i < c->n_sacked && r[i].end < s)
		i++;
	/* Ranges i.. that touch [s, e) merge into one. */
	guint j = i;
	uint64_t covered = 0, lo = s, hi = e;
	while (j < c->n_sacked && r[j].start <= e) {
		lo = MIN(lo, r[j].start);
		hi = MAX(hi, r[j].end);
		covered += r[j].end - r[j].start;
		j++;
	}
	tcp_range m = { lo, hi };
	if (j > i) {
		r[i] = m;
		if (j > i + 1)
			vec_remove(c->sacked, &c->n_sacked, sizeof m, i + 1, j - i - 1);
	} else {
		c->sacked = vec_insert(c->sacked, &c->n_sacked, &c->cap_sacked, sizeof m, i, &m);
	}
	uint64_t added = (hi - lo) - covered;
	c->sacked_bytes += added;
	return added;
}

/* Forgets what lies below snd_una (cumulatively acknowledged). */
static void sb_advance(tcp_conn *c)
{
	guint k = 0;
	while (k < c->n_sacked) {
		tcp_range *r = &c->sacked[k];
		if (r->start >= c->snd_una)
			break;
		if (r->end <= c->snd_una) {
			c->sacked_bytes -= r->end - r->start;
			k++;
		} else {
			c->sacked_bytes -= c->snd_una - r->start;
			r->start = c->snd_una;
			break;
		}
	}
	if (k)
		vec_remove(c->sacked, &c->n_sacked, sizeof *c->sacked, 0, k);
}

/* Reads the SACK blocks of an ACK into the scoreboard (those inside
 * [snd_una, snd_max) only; a D-SACK or a block from an old segment is
 * ignored).  Returns the bytes newly SACKed. */
static uint64_t conn_read_sack(tcp_conn *c, const pkt *p)
{
	if (!c->sack_ok)
		return 0;
	uint32_t blk[PKT_TCP_SACK_MAX][2];
	guint n = pkt_tcp_sack(p, blk);
	uint64_t added = 0;
	for (guint i = 0; i < n; i++) {
		int32_t ds = (int32_t)(blk[i][0] - snd_wire(c, c->snd_una));
		int32_t de = (int32_t)(blk[i][1] - snd_wire(c, c->snd_una));
		if (ds <= 0 || de <= ds)
			continue;
		uint64_t s = c->snd_una + (uint64_t)ds, e = c->snd_una + (uint64_t)de;
		if (e > c->snd_max)
			continue;
		added += sb_add(c, s, e);
	}
	return added;
}

/* ---- congestion control ---- */

/*
 * The window's answer to a loss: ssthresh, and CUBIC's W_max.  NewReno
 * (RFC 5681): half the flight, at least 2 segments.  CUBIC (RFC 9438
 * sections 4.6 and 4.7): cwnd * beta, with fast convergence (a W_max
 * below the previous one is taken lower still, (1 + beta) / 2 of cwnd),
 * the epoch starting again at the next increase.
 */
static void cc_on_loss(tcp_conn *c)
{
	uint64_t two = 2 * (uint64_t)c->mss;
	if (c->st->cfg.cc == TCP_CC_CUBIC) {
		uint64_t cw = c->cwnd;
		c->w_max = cw < c->w_max ? (uint64_t)((double)cw * (1 + CUBIC_BETA) / 2) : cw;
		c->ssthresh = MAX((uint64_t)((double)cw * CUBIC_BETA), two);
		c->epoch = NO_TIME;
	} else {
		c->ssthresh = MAX((c->snd_max - c->snd_una) / 2, two);
	}
}

/*
 * Congestion avoidance for `acked` new bytes.  NewReno: one segment per
 * window acknowledged (byte counting, as Linux's tcp_cong_avoid_ai counts
 * packets, so delayed ACKs do not halve it).  CUBIC (RFC 9438 section
 * 4.2-4.4): towards W_cubic(t + RTT) = C (t + RTT - K)^3 + W_max, by
 * (target - cwnd) / cwnd per segment acknowledged, the target held between
 * cwnd and 1.5 cwnd; or the Reno-friendly W_est when that is larger.
 */
static void cc_avoid(tcp_conn *c, uint64_t acked, sim_time now)
{
	const double mss = c->mss;
	if (c->st->cfg.cc != TCP_CC_CUBIC) {
		uint64_t inc = (uint64_t)c->mss * acked / c->cwnd;
		c->cwnd += inc ? inc : 1;
		return;
	}
	if (c->epoch == NO_TIME) {
		c->epoch = now;
		c->w_est = (double)c->cwnd;
		if (c->cwnd < c->w_max) {
			c->cubic_k = cbrt(((double)(c->w_max - c->cwnd) / mss) / CUBIC_C);
			c->cubic_origin = c->w_max;
		} else {
			c->cubic_k = 0;
			c->cubic_origin = c->cwnd;
		}
	}
	double t = (double)(now - c->epoch) / SIM_S;
	double rtt = (double)c->srtt / SIM_S;
	double origin = (double)c->cubic_origin / mss;
	double cw = (double)c->cwnd / mss;
	double w_t = origin + CUBIC_C * pow(t - c->cubic_k, 3);
	double target = origin + CUBIC_C * pow(t + rtt - c->cubic_k, 3);
	if (target < cw)
		target = cw;
	if (target > 1.5 * cw)
		target = 1.5 * cw;
	/* W_est grows as Reno would with beta 0.7: alpha = 3 (1 - beta) /
	 * (1 + beta) per window, 1 once it passes W_max (section 4.3). */
	double alpha = c->w_est >= (double)c->w_max ? 1.0 : 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
	c->w_est += alpha * mss * (double)acked / (double)c->cwnd;
	if (w_t * mss < c->w_est) {
		if (c->w_est > (double)c->cwnd)
			c->cwnd = (uint64_t)c->w_est;
	} else {
		double inc = (target - cw) * (double)acked / cw; /* bytes: (segments) * acked / cwnd */
		c->cwnd += (uint64_t)inc;
	}
}

/* Starts a loss episode: fast recovery or, after a timeout, loss.  A
 * timeout during an episode reduces the window no further (Linux's
 * tcp_enter_loss recomputes ssthresh only from the open state). */
static void conn_enter_loss(tcp_conn *c, guint kind)
{
	gboolean cc = c->st->cfg.cc != TCP_CC_NONE;
	if (cc && c->loss == LOSS_OPEN)
		cc_on_loss(c);
	if (cc)
		c->cwnd = kind == LOSS_RTO ? c->mss : c->ssthresh;
	c->loss = kind;
	c->recover = c->snd_max;
	c->high_rxt = c->snd_una;
	c->rxt_una = TRUE;
	c->dupacks = 0;
	if (kind == LOSS_RTO)
		c->reno_dups = 0;
	c->rtt_timing = FALSE; /* Karn: never time a retransmission */
}

/* Handles the ACK field (and SACK blocks) of an acceptable segment on a
 * synchronized connection.  `pure` is TRUE for a segment without data,
 * SYN or FIN. */
static void conn_ack(tcp_conn *c, const pkt *p, uint64_t win, gboolean pure)
{
	tcp_stack *st = c->st;
	sim_time now = sim_now(st->nt->sim);
	uint32_t ack32 = pkt_tcp_ack(p);
	int32_t d = (int32_t)(ack32 - snd_wire(c, c->snd_una));
	if (d < 0)
		return; /* old */
	uint64_t ack = c->snd_una + (uint64_t)d;
	if (ack > c->snd_max)
		return; /* acknowledges what was never sent: ignored */
	gboolean cc = st->cfg.cc != TCP_CC_NONE;
	uint64_t newly_sacked = conn_read_sack(c, p);
	if (d == 0) {
		/* A duplicate ACK: with SACK, one that SACKs something new
		 * (RFC 6675's DupAck); without, a pure one that changes nothing. */
		gboolean dup = c->snd_max > c->snd_una &&
		               (c->sack_ok ? newly_sacked > 0 : pure && win == c->snd_wnd);
		c->snd_wnd = win;
		if (!dup)
			return;
		c->stats.dup_acks++;
		c->dupacks++;
		if (!c->sack_ok) {
			uint64_t segs = (c->snd_max - c->snd_una + c->mss - 1) / c->mss;
			if (c->reno_dups + 1 < segs)
				c->reno_dups++;
		}
		/* Only ACKs for data sent after the last recovery began may start
		 * another (RFC 6582's `recover`). */
		if (c->loss == LOSS_OPEN && c->snd_una >= c->recover &&
		    (c->dupacks >= DUPTHRESH ||
		     (c->sack_ok && (c->sacked_bytes > (DUPTHRESH - 1) * (uint64_t)c->mss ||
		                     c->n_sacked >= DUPTHRESH)))) {
			c->stats.fast_retransmits++;
			st->stats.fast_retransmits++;
			conn_enter_loss(c, LOSS_RECOVERY);
		}
		return;
	}

	uint64_t flight_before = c->snd_max - c->snd_una - c->sacked_bytes;
	c->stats.bytes_acked += data_acked(c, ack) - data_acked(c, c->snd_una);
	uint64_t acked = ack - c->snd_una;
	c->snd_una = ack;
	if (c->snd_nxt < ack)
		c->snd_nxt = ack;
	sb_advance(c);
	c->snd_wnd = win;
	c->retries = 0;
	wq_release(c, data_acked(c, ack));
	if (c->rtt_timing && ack >= c->rtt_seq) {
		c->rtt_timing = FALSE;
		conn_rtt_sample(c, now - c->rtt_start);
	} else if (c->loss != LOSS_OPEN && c->ts_ok) {
		/* Karn's rule forbids timing retransmitted data; the echoed
		 * timestamp still dates it (RFC 7323 section 4; Linux's
		 * tcp_ack_update_rtt falls back to it the same way), at the
		 * timestamp clock's millisecond granularity, 1 us at least. */
		uint32_t val, ecr;
		if (pkt_tcp_ts(p, &val, &ecr) && ecr != 0) {
			int32_t ms = (int32_t)(ts_clock(c) - ecr);
			if (ms >= 0)
				conn_rtt_sample(c, ms ? (sim_time)ms * SIM_MS : SIM_US);
		}
	} else if (c->srtt) {
		conn_rto_update(c);
	}

	if (c->loss != LOSS_OPEN && ack >= c->recover) {
		/* The episode is over (RFC 6675 section 5, RFC 6582): fast
		 * recovery leaves cwnd at ssthresh; after a timeout, slow start
		 * carries on. */
		if (cc && c->loss == LOSS_RECOVERY)
			c->cwnd = c->ssthresh;
		c->loss = LOSS_OPEN;
		c->reno_dups = 0;
		c->dupacks = 0;
		c->high_rxt = c->snd_una;
	} else if (c->loss == LOSS_RECOVERY) {
		if (!c->sack_ok) {
			/* A partial ACK: the next segment is lost too (RFC 6582); one
			 * segment acknowledged filled the hole, the rest were counted
			 * by duplicate ACKs (Linux's tcp_remove_reno_sacks). */
			uint64_t segs = (acked + c->mss - 1) / c->mss;
			c->reno_dups = segs - 1 >= c->reno_dups ? 0 : c->reno_dups - (guint)(segs - 1);
			c->rxt_una = TRUE;
		}
	} else if (c->loss == LOSS_OPEN) {
		c->dupacks = 0;
		c->reno_dups = 0;
	}

	if (cc && c->loss != LOSS_RECOVERY) {
		/* Grow only while the window is what limits sending (Linux's
		 * tcp_is_cwnd_limited): a connection sending little must not
		 * build a window it never tested. */
		if (c->cwnd < c->ssthresh) {
			if (2 * flight_before >= c->cwnd)
				c->cwnd = MIN(c->cwnd + acked, MAX(c->ssthresh, c->cwnd));
		} else if (flight_before + c->mss >= c->cwnd) {
			cc_avoid(c, acked, now);
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
	conn_set_options(c, p);
	conn_established(c, conn_peer_window(c, p)); /* a SYN-ACK's: not scaled */
	if (c->rtt_timing) {
		c->rtt_timing = FALSE;
		conn_rtt_sample(c, sim_now(c->st->nt->sim) - c->rtt_start);
	}
	timer_stop(&c->rtx);
	/* The handshake's last ACK goes alone, before any data: Linux sends
	 * it at once from tcp_rcv_synsent_state_process unless the socket
	 * defers it (TCP_DEFER_ACCEPT, or quick-ACK mode off), which an
	 * application blocked in connect() does not ask for. */
	conn_send_ack(c);
	if (c->cb.on_connected) {
		c->cb.on_connected(c, c->ud);
		if (c->dead)
			return;
	}
	conn_output(c);
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

/*
 * The receive window grows as Linux's does.  Every data segment widens the
 * window offered by two segments up to the clamp (tcp_grow_window).  Once
 * per round trip the bytes the application read in the last one are
 * compared with the previous round's (tcp_rcv_space_adjust, kernel 6.x):
 * a faster round makes the buffer room for twice the bytes plus 16
 * segments, more in proportion to the growth, up to tcp_rmem[2], and half
 * the buffer is the new clamp.  The round trip is the connection's own
 * smoothed RTT (Linux's receiver estimates it from timestamps or the data
 * itself: an approximation).
 */
static void conn_rcv_grow(tcp_conn *c)
{
	const tcp_config *cfg = &c->st->cfg;
	sim_time now = sim_now(c->st->nt->sim);
	if (c->rcv_ssthresh < c->window_clamp)
		c->rcv_ssthresh = MIN(c->rcv_ssthresh + 2 * (uint64_t)c->mss_local, c->window_clamp);
	if (c->srtt > 0 && now - c->rcvq_time >= c->srtt) {
		uint64_t copied = c->rcv_nxt - c->rcvq_seq;
		if (copied > c->rcvq_space) {
			uint64_t rcvwin = 2 * copied + 16 * (uint64_t)c->mss_local;
			uint64_t grow = rcvwin * (copied - c->rcvq_space) / MAX(c->rcvq_space, 1u);
			rcvwin += grow * 2;
			uint64_t buf = MIN(2 * rcvwin, (uint64_t)cfg->window);
			if (buf > c->rcvbuf) {
				c->rcvbuf = buf;
				c->window_clamp = MAX(c->window_clamp, MIN(buf / 2, rcv_field_max(c)));
			}
			c->rcvq_space = copied;
		}
		c->rcvq_seq = c->rcv_nxt;
		c->rcvq_time = now;
	}
	conn_rcv_update_wnd(c);
}

/* Delivers n in-order bytes (from msg at moff) and, if `fin`, the FIN
 * after them.  Returns FALSE if the application closed the connection
 * from a callback. */
static gboolean conn_take(tcp_conn *c, pkt_msg *msg, uint64_t moff, uint32_t n, gboolean fin,
                          gboolean *ack_now)
{
	const tcp_config *cfg = &c->st->cfg;
	if (n > 0) {
		c->rcv_nxt += n;
		c->stats.bytes_received += n;
		c->ack_pending++;
		if (cfg->delack == 0 || c->ack_pending >= 2 || c->quickacks > 0)
			*ack_now = TRUE;
		if (c->quickacks > 0)
			c->quickacks--;
		conn_rcv_grow(c);
		if (c->cb.on_data) {
			c->cb.on_data(c, msg, moff, n, c->ud);
			if (c->dead)
				return FALSE;
		}
	}
	if (fin && c->state != TCP_CLOSED && !c->fin_received) {
		conn_got_fin(c);
		*ack_now = TRUE;
		if (c->cb.on_eof) {
			c->cb.on_eof(c, c->ud);
			if (c->dead)
				return FALSE;
		}
	}
	return TRUE;
}

/* Drops SACK blocks at or below rcv_nxt (RFC 2018: they are acknowledged). */
static void sack_blk_trim(tcp_conn *c)
{
	guint k = 0;
	for (guint i = 0; i < c->n_sack_blk; i++)
		if (c->sack_blk[i].end > c->rcv_nxt)
			c->sack_blk[k++] = c->sack_blk[i];
	c->n_sack_blk = k;
}

/*
 * Keeps a segment that came after a gap, and the SACK blocks as Linux's
 * tcp_sack_new_ofo_skb keeps them: the block the segment extends (merged
 * with any it now touches) or a new one goes first, the others follow in
 * the order they were last reported, the oldest dropped past four.
 */
static void conn_ooo_add(tcp_conn *c, uint64_t s, uint64_t e, pkt_msg *msg, uint64_t moff, gboolean fin)
{
	guint i = 0;
	while (i < c->n_ooo && c->ooo[i].start <= s)
		i++;
	tcp_ooo o = { s, e, msg ? pkt_msg_ref(msg) : NULL, moff, fin };
	c->ooo = vec_insert(c->ooo, &c->n_ooo, &c->cap_ooo, sizeof o, i, &o);
	if (e == s)
		return;
	tcp_range b = { s, e };
	guint k = 0;
	tcp_range keep[PKT_TCP_SACK_MAX];
	for (guint j = 0; j < c->n_sack_blk; j++) {
		tcp_range x = c->sack_blk[j];
		if (x.start <= b.end && b.start <= x.end) {
			b.start = MIN(b.start, x.start);
			b.end = MAX(b.end, x.end);
		} else {
			keep[k++] = x;
		}
	}
	c->sack_blk[0] = b;
	guint n = MIN(k, (guint)PKT_TCP_SACK_MAX - 1);
	for (guint j = 0; j < n; j++)
		c->sack_blk[1 + j] = keep[j];
	c->n_sack_blk = 1 + n;
}

/* Delivers what waited behind a gap that is now filled. */
static gboolean conn_ooo_drain(tcp_conn *c, gboolean *ack_now)
{
	while (c->n_ooo > 0) {
		tcp_ooo o = c->ooo[0];
		if (o.start > c->rcv_nxt)
			break;
		vec_remove(c->ooo, &c->n_ooo, sizeof o, 0, 1);
		gboolean ok = TRUE;
		if (o.end > c->rcv_nxt || (o.fin && o.end == c->rcv_nxt)) {
			uint64_t skip = o.end > c->rcv_nxt ? c->rcv_nxt - o.start : o.end - o.start;
			ok = conn_take(c, o.msg, o.moff + skip, (uint32_t)(o.end - o.start - skip), o.fin,
			               ack_now);
		}
		if (o.msg)
			pkt_msg_unref(o.msg);
		if (!ok)
			return FALSE;
	}
	sack_blk_trim(c);
	return TRUE;
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

	/* TS.Recent takes the TSval of a segment that covers what our last
	 * ACK asked for (RFC 7323 section 4.3). */
	uint32_t tsval;
	if (c->ts_ok && pkt_tcp_ts(p, &tsval, NULL) &&
	    (int32_t)(pkt_tcp_seq(p) - (c->irs + (uint32_t)c->last_ack_sent)) <= 0)
		c->ts_recent = tsval;

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
		conn_ack(c, p, conn_peer_window(c, p), len == 0 && !(fl & (PKT_TCP_SYN | PKT_TCP_FIN)));
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
		if (receiving && seg > (int64_t)c->rcv_nxt) {
			/* After a gap: kept until the gap fills, reported in SACK
			 * blocks, acknowledged at once (a duplicate ACK). */
			c->stats.ooo_segs++;
			conn_ooo_add(c, (uint64_t)seg, (uint64_t)end, p->msg, p->msg_off, fin);
			c->quickacks = QUICKACKS;
			ack_now = TRUE;
		} else if (!receiving || end < (int64_t)c->rcv_nxt ||
		           (end == (int64_t)c->rcv_nxt && !fin)) {
			c->quickacks = QUICKACKS;
			ack_now = TRUE; /* nothing new: a duplicate */
		} else {
			uint32_t skip = (uint32_t)((int64_t)c->rcv_nxt - seg);
			gboolean filled = c->n_ooo > 0;
			if (!conn_take(c, p->msg, p->msg_off + skip, len - skip, fin, &ack_now))
				return;
			if (filled) {
				/* The segment filled a gap: what waited behind it goes
				 * up too, and the ACK leaves at once (RFC 5681 4.2). */
				if (!conn_ooo_drain(c, &ack_now))
					return;
				ack_now = TRUE;
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
		conn_enter_loss(c, LOSS_RTO);
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
	keymap_init(&st->conns);
	st->listeners = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
	st->eph = g_hash_table_new_full(eph_hash, eph_equal, eph_free, NULL);
	st->next_port = EPH_LO + (uint32_t)rng_below(&st->rng, EPH_HI - EPH_LO + 1);
	return st;
}

void tcp_stack_free(tcp_stack *st)
{
	if (!st)
		return;
	guint at = 0;
	for (const keymap_slot *sl; (sl = keymap_next(&st->conns, &at));)
		conn_free(sl->v);
	keymap_clear(&st->conns);
	g_hash_table_unref(st->listeners);
	g_hash_table_unref(st->eph);
	g_free(st);
}

const tcp_stack_stats *tcp_stack_get_stats(const tcp_stack *st) { return &st->stats; }
const tcp_config *tcp_stack_config(const tcp_stack *st) { return &st->cfg; }
net *tcp_stack_net(const tcp_stack *st) { return st->nt; }
guint tcp_stack_conn_count(const tcp_stack *st) { return keymap_len(&st->conns); }

/* Answers a segment that belongs to nothing (RFC 9293 3.10.7.1). */
static void stack_send_rst(tcp_stack *st, const pkt *in)
{
	pkt *p = net_pkt_new(st->nt, 0);
	pkt_build_rst_reply(p, in, st->cfg.ttl);
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
	if (l->ulp)
		tcp_conn_set_ulp(c, l->ulp, l->ulp_new(c, l->ulp_arg));
	c->irs = pkt_tcp_seq(p);
	c->rcv_nxt = 1;
	uint16_t peer_mss = pkt_tcp_mss(p);
	c->mss = MIN(c->mss_local, peer_mss ? peer_mss : DEFAULT_MSS);
	conn_set_options(c, p);
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
	tcp_conn *c = keymap_get(&st->conns, ck(&k));
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

gboolean tcp_stack_has_conn(const tcp_stack *st, uint32_t lip, uint16_t lport, uint32_t rip,
                            uint16_t rport)
{
	g_return_val_if_fail(st != NULL, FALSE);
	conn_key k = { lip, rip, lport, rport };
	return keymap_get(&st->conns, ck(&k)) != NULL;
}

void tcp_stack_frag_needed(tcp_stack *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport,
                           uint32_t seq, uint32_t mtu)
{
	g_return_if_fail(st != NULL);
	conn_key k = { lip, rip, lport, rport };
	tcp_conn *c = keymap_get(&st->conns, ck(&k));
	if (!c || c->dead || c->state < TCP_ESTABLISHED || c->state == TCP_TIME_WAIT ||
	    c->state == TCP_CLOSED || mtu < 68)
		return;
	uint32_t una = snd_wire(c, c->snd_una);
	if (seq - una > snd_wire(c, c->snd_nxt) - una)
		return; /* not a segment in flight: stale or forged */
	uint32_t mss = mtu - 40 - (c->ts_ok ? 12 : 0);
	if (mss >= c->mss)
		return;
	conn_enter(c);
	if (st->cfg.cc != TCP_CC_NONE) {
		c->cwnd = MAX(c->cwnd / c->mss, 1u) * mss;
		if (c->ssthresh < UINT64_MAX / 2)
			c->ssthresh = MAX(c->ssthresh / c->mss, 2u) * mss;
	}
	c->mss = mss;
	st->stats.mtu_reduced++;
	c->loss = LOSS_RTO;
	c->recover = c->snd_max;
	c->high_rxt = c->snd_una;
	c->rxt_una = TRUE;
	c->dupacks = 0;
	c->reno_dups = 0;
	c->rtt_timing = FALSE;
	conn_output(c);
	conn_leave(c);
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
		if (!(d && !d->busy && keymap_get(&st->conns, ck(&k))) && !listener_find(st, lip, cand)) {
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
		if (keymap_get(&st->conns, ck(&k)))
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

void tcp_conn_set_user(tcp_conn *c, void *ud)
{
	if (c->ulp)
		c->app_ud = ud;
	else
		c->ud = ud;
}
void *tcp_conn_user(const tcp_conn *c) { return c->ulp ? c->app_ud : c->ud; }
void tcp_conn_set_callbacks(tcp_conn *c, const tcp_callbacks *cb)
{
	g_return_if_fail(c != NULL && cb != NULL);
	if (c->dead)
		return;
	if (c->ulp)
		c->app_cb = *cb;
	else
		c->cb = *cb;
}

/* ---- upper layers ---- */

void tcp_conn_set_ulp(tcp_conn *c, const tcp_ulp *ulp, void *state)
{
	g_return_if_fail(c != NULL && ulp != NULL && ulp->write != NULL && ulp->close != NULL);
	g_return_if_fail(c->ulp == NULL && !c->dead);
	c->app_cb = c->cb;
	c->app_ud = c->ud;
	c->ulp = ulp;
	c->ulp_state = state;
	c->cb = ulp->cb;
	c->ud = state;
}

const tcp_callbacks *tcp_ulp_app(const tcp_conn *c, void **ud)
{
	static const tcp_callbacks none = { 0 };
	g_return_val_if_fail(c != NULL && c->ulp != NULL, &none);
	*ud = c->app_ud;
	/* A dead connection calls nobody back (conn_kill's rule). */
	return c->dead ? &none : &c->app_cb;
}

gboolean tcp_conn_dead(const tcp_conn *c) { return c->dead; }

void tcp_listener_set_ulp(tcp_listener *l, const tcp_ulp *ulp, tcp_ulp_new_fn fn, void *arg)
{
	g_return_if_fail(l != NULL && ulp != NULL && fn != NULL);
	l->ulp = ulp;
	l->ulp_new = fn;
	l->ulp_arg = arg;
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
