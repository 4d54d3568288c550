/* \summary: TCP endpoints: handshake, options, segmentation, SACK recovery, CUBIC and NewReno, RTO, FIN/RST */
#ifndef VPCSIM_TCP_H
#define VPCSIM_TCP_H

#include "net.h"

/*
 * A tcp_stack is the TCP of one host (an instance, a service endpoint, a
 * load balancer): a table of connections keyed by the 4-tuple and a table of
 * listeners.  It is not a node.  The node that owns it hands it every TCP
 * packet addressed to it (tcp_stack_input) and gives it a transmit function
 * that the stack calls with every segment it sends, so the owner decides
 * what sending means (apply security groups, then link_send).
 *
 * What is modelled, close to what Linux does:
 *
 *  - Three-way handshake with the options of a Linux SYN, in Linux's order:
 *    MSS, SACK-permitted with Timestamps, NOP and Window Scale (a 40-byte
 *    TCP header, 74-byte frames).  A connection's MSS is its path MTU
 *    minus 40; each side sends no more than the smaller of its own MSS and
 *    the peer's (536 if the peer sent no option), less the 12 bytes of the
 *    timestamp option when both use timestamps (1448 for MSS 1460, Linux's
 *    mss_cache).  The handshake's final ACK goes alone, right before any
 *    data (Linux sends it at once unless TCP_DEFER_ACCEPT-like deferral is
 *    asked for).
 *  - Initial sequence numbers and timestamp offsets drawn from the stack's
 *    random stream, and ephemeral ports 32768-60999 (Linux's range) handed
 *    out from a random starting point, so a run is reproducible and flows
 *    look distinct.
 *  - Bytes are what the application writes: each tcp_write() of a pkt_msg
 *    range is cut into segments of at most one MSS; a segment never holds
 *    bytes of two writes (a packet names one message), and the last
 *    segment of each write carries PSH.  Captures therefore show the real
 *    bytes (HTTP heads) followed by the message's pattern.
 *  - Window scaling (RFC 7323).  Every SYN and SYN-ACK offers a Window
 *    Scale option, shift 7 by default: what Linux computes for the 6 MiB
 *    maximum receive buffer of Debian 12 (tcp_rmem "4096 131072 6291456",
 *    tcp_window_scaling 1; ilog2(6 MiB) - 15 = 7).  A SYN-ACK carries it
 *    only if the SYN did, and scaling is used only when both SYNs carried it
 *    (section 2.2); otherwise both shifts are 0.  The peer's field is
 *    shifted left by its shift (a shift above 14 counts as 14, section
 *    2.3).  Segments that start at or beyond the right edge of the window
 *    we advertised are not acceptable (RFC 9293 3.10.7.4): they are
 *    acknowledged and dropped, their ACK field ignored; RSTs are accepted
 *    only inside that window too.
 *  - The receive window grows as Linux's does.  A connection starts with a
 *    buffer of tcp_rmem[1] (131072) and offers half of it as window (the
 *    default scaling ratio: an assumption, Linux 6.x measures it per
 *    connection), rounded down to whole segments: 64240 for MSS 1460, in
 *    the SYN and, rounded up to a unit of the shift (502 << 7 = 64256), in
 *    the first ACK.  Every data segment widens the window by two segments
 *    up to the clamp (tcp_grow_window); once per round trip the buffer
 *    grows with the bytes received in the last one (tcp_rcv_space_adjust)
 *    up to tcp_rmem[2], half of which (3 MiB) is the largest window
 *    offered.  The window never shrinks.  The receiving application reads
 *    every byte as it arrives, so zero windows never happen.
 *  - Timestamps (RFC 7323): on every segment once both SYNs carried them,
 *    TSval a millisecond clock (Linux's TCP_TS_HZ) plus a random offset per
 *    connection, TSecr the TSval of the latest segment that covered what
 *    our last ACK asked for (section 4.3).  RTT samples (RFC 6298's SRTT
 *    and RTTVAR) come from timing one segment per round trip, as Linux's
 *    send timestamps do; during loss recovery, where Karn's rule forbids
 *    that, from the echoed TSecr (Linux's tcp_ack_update_rtt fallback).
 *  - Delayed ACKs as Linux: every second data segment is acknowledged at
 *    once, a lone one after the delayed-ACK timeout (40 ms) unless data
 *    going the other way carries the ACK first.  Out-of-order and duplicate
 *    segments are acknowledged at once, and so are the next 16 in-order
 *    ones (Linux's quick-ACK mode), as is a segment that fills a gap.
 *  - SACK (RFC 2018): the receiver keeps segments that arrive after a gap
 *    and reports them in up to 3 SACK blocks beside the timestamp (4
 *    without), the block holding the latest arrival first and the others in
 *    the order last reported (Linux's tcp_sack_new_ofo_skb).
 *  - Loss recovery (RFC 6675).  The sender keeps a scoreboard of SACKed
 *    ranges.  Three duplicate ACKs (ACKs that SACK something new), or more
 *    than two segments SACKed above the oldest unacknowledged byte, start
 *    fast recovery: the congestion control's reduction, then, while cwnd
 *    exceeds RFC 6675's pipe by a segment, the next lost range (a hole with
 *    three SACKed ranges or more than two segments SACKed above it) and
 *    then new data; it ends when the data outstanding at its start is
 *    acknowledged.  Without SACK (a peer that does not offer it), NewReno
 *    (RFC 6582): a partial ACK retransmits the next segment, each duplicate
 *    ACK counting as a segment gone (Linux's tcp_add_reno_sack).  A
 *    retransmission timeout (RFC 6298, RTO = SRTT + max(4 RTTVAR, 200 ms)
 *    as Linux computes it, 1 s before the first sample, exponential backoff
 *    up to 60 s) takes everything not SACKed as lost and resends it from a
 *    window of one segment, in slow start.
 *  - Congestion control counted in bytes, from an initial window of 10
 *    segments (Linux's, RFC 6928), growing only while the window limits
 *    sending, slow start again after an idle period longer than the RTO
 *    (tcp_slow_start_after_idle).  CUBIC by default (RFC 9438, Linux's
 *    default): beta 0.7, C 0.4, fast convergence, W_cubic(t + RTT) as the
 *    target and the Reno-friendly W_est.  NewReno (TCP_CC_NEWRENO, Linux's
 *    "reno"): halve the flight on loss, one segment per window acknowledged
 *    (byte counting, as Linux counts packets).
 *  - FIN from either side with the full state machine (FIN_WAIT_1/2,
 *    CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK); a FIN rides on the last
 *    data segment when the application closed before it was sent.
 *    TIME_WAIT lasts 60 s, but a new SYN for the same 4-tuple ends it
 *    (as Linux allows), so busy clients do not run out of tuples.
 *  - RST in answer to a segment for no connection and no listener (can be
 *    turned off to model a host that drops silently); a RST answering a SYN
 *    makes the connecting side fail with TCP_CLOSE_REFUSED.
 *
 * What is simplified, and why it is acceptable here:
 *
 *  - No HyStart (Linux's CUBIC leaves slow start early when delay grows or
 *    ACK trains stretch), no proportional rate reduction (Linux's PRR
 *    sends during recovery at the rate ACKs arrive; here cwnd drops to
 *    ssthresh at once, RFC 6675's way), no tail loss probe or RACK (a lost
 *    last segment waits for the RTO), no D-SACK, no PAWS, no pacing, no
 *    ECN, no PMTU discovery (the owner gives the path MTU).
 *  - No simultaneous open, no urgent data, no keep-alive probes.  A
 *    FIN_WAIT_2 with a peer that never closes ends after the TIME_WAIT time.
 *
 * Sequence numbers are kept internally as 64-bit offsets from the ISN (the
 * SYN is 0, data byte i is 1 + i, the FIN follows the last byte), so no
 * comparison ever wraps; only the wire carries ISN + offset modulo 2^32.
 *
 * Costs: a connection is one allocation plus three arrays (its write
 * queue, its out-of-order queue and its SACK scoreboard, each grown once
 * to the most it held); sending or receiving a segment allocates nothing
 * (packets come from the net's pool, messages are reference counted).
 * Recovery walks the scoreboard's ranges, a few per loss episode.  Timers are lazy: moving a
 * retransmission deadline later does not touch the event queue.
 *
 * Callbacks are never called from inside a call the application makes (a
 * write, a close, a connect); only from tcp_stack_input() and timers.  The
 * application may call any function of this module from a callback,
 * including tcp_abort() on the connection being reported.
 */

typedef struct tcp_stack tcp_stack;
typedef struct tcp_conn tcp_conn;
typedef struct tcp_listener tcp_listener;

/* Sends a segment: the owner takes the packet (forwards, drops or frees). */
typedef void (*tcp_tx_fn)(void *owner, pkt *p);

typedef enum {
	TCP_CLOSE_NORMAL,   /* both FINs exchanged and acknowledged */
	TCP_CLOSE_REFUSED,  /* our SYN was answered by a RST */
	TCP_CLOSE_RESET,    /* the peer reset an open connection */
	TCP_CLOSE_TIMEOUT,  /* retransmissions exhausted (SYN or data) */
	TCP_CLOSE__COUNT
} tcp_close_reason;

/* "normal", "connection refused", "connection reset", "timed out". */
const char *tcp_close_reason_name(tcp_close_reason r);

typedef enum {
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSING,
	TCP_TIME_WAIT,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_CLOSED,
} tcp_state;

const char *tcp_state_name(tcp_state s);

/*
 * What the application hears.  Every pointer may be NULL.  `ud` is the
 * connection's user data (tcp_conn_set_user), which for an accepted
 * connection starts as the listener's.
 *
 * on_data delivers in-order bytes [off, off + len) of message `msg` (the
 * payload of one segment); `msg` is valid during the call (take a
 * reference to keep it) and may be NULL if the sender attached none, in
 * which case the bytes are the packet's flow pattern and cannot be read.
 *
 * on_closed is called once for every connection the application knows
 * about (connected or accepted), except after tcp_abort(); the connection
 * must not be used after it returns.  A clean close reports it when the
 * connection enters TIME_WAIT or leaves LAST_ACK.
 */
typedef struct {
	void (*on_accept)(tcp_conn *c, void *ud);     /* listeners: handshake completed */
	void (*on_connected)(tcp_conn *c, void *ud);  /* active opens: handshake completed */
	void (*on_data)(tcp_conn *c, const pkt_msg *msg, uint64_t off, uint32_t len, void *ud);
	void (*on_eof)(tcp_conn *c, void *ud);        /* the peer sent FIN */
	void (*on_closed)(tcp_conn *c, tcp_close_reason why, void *ud);
} tcp_callbacks;

typedef enum {
	TCP_CC_CUBIC,   /* RFC 9438, Linux's default (net.ipv4.tcp_congestion_control) */
	TCP_CC_NEWRENO, /* RFC 5681 with RFC 6582's recovery: Linux's "reno" */
	TCP_CC_NONE,    /* only the peer's window limits sending */
} tcp_cc;

typedef struct {
	uint32_t mtu;            /* path MTU for connections that give none; default 1500 */
	uint32_t window;         /* the largest receive buffer in bytes, Linux's tcp_rmem[2]
	                            (default 6 MiB); half of it is the largest window offered */
	int wscale;              /* Window Scale shift offered in SYNs, 0-14 (more is taken
	                            as 14); -1 offers no option (a stack without RFC 7323);
	                            default 7 */
	uint8_t ttl;             /* default 64 */
	tcp_cc cc;               /* default TCP_CC_CUBIC */
	gboolean sack;           /* offer and use SACK (RFC 2018); default TRUE */
	gboolean timestamps;     /* offer and use timestamps (RFC 7323); default TRUE */
	uint32_t init_cwnd;      /* initial window in segments; default 10 */
	sim_time rto_initial;    /* before any RTT sample; default 1 s */
	sim_time rto_min;        /* default 200 ms */
	sim_time rto_max;        /* backoff cap; default 60 s */
	guint syn_retries;       /* SYN / SYN-ACK retransmissions before giving up; default 6 */
	guint data_retries;      /* consecutive data timeouts before giving up; default 15 */
	sim_time delack;         /* delayed-ACK timeout; 0 = acknowledge every segment at once */
	sim_time time_wait;      /* TIME_WAIT (and orphan FIN_WAIT_2) duration; default 60 s */
	gboolean no_rst;         /* TRUE: drop segments for unknown connections silently */
} tcp_config;

/* Fills c with the defaults above (delack 40 ms, window 6291456). */
void tcp_config_default(tcp_config *c);

/* Totals over the stack's life. */
typedef struct {
	uint64_t segs_in, segs_out;
	uint64_t bytes_in, bytes_out;      /* TCP payload bytes */
	uint64_t retransmits;              /* segments sent again */
	uint64_t timeouts, fast_retransmits; /* loss recoveries started, by kind */
	uint64_t rst_sent, rst_received;
	uint64_t unknown;                  /* segments for no connection and no listener */
	uint64_t bad;                      /* not TCP, or unacceptable and dropped */
	uint64_t active_opens, passive_opens; /* connect() calls; connections accepted */
	uint64_t failed_opens;             /* handshakes that never completed */
	uint64_t closed[TCP_CLOSE__COUNT];
	uint64_t no_port;                  /* connects refused: no ephemeral port free */
	uint64_t mtu_reduced;              /* ICMP "fragmentation needed" that lowered an MSS */
	uint64_t port_probes;              /* ephemeral ports checked against the listeners
	                                      (and, for a destination with few connections,
	                                      the table) while choosing one */
} tcp_stack_stats;

/* Per connection. */
typedef struct {
	uint64_t bytes_sent;       /* payload bytes put on the wire, retransmissions included */
	uint64_t bytes_retrans;
	uint64_t bytes_acked;      /* written bytes the peer acknowledged */
	uint64_t bytes_received;   /* in-order bytes delivered to the application */
	uint64_t segs_sent, segs_received;
	uint64_t retransmits;      /* segments sent again (timeouts and fast retransmits) */
	uint64_t timeouts;         /* retransmission timer expiries */
	uint64_t fast_retransmits;
	uint64_t dup_acks;         /* duplicate ACKs received */
	uint64_t ooo_segs;         /* segments that came after a gap (kept until it fills) */
	sim_time t_syn;            /* SYN sent (active) or received (passive); first one */
	sim_time t_established;    /* -1 until then */
	sim_time t_closed;         /* -1 until then */
} tcp_conn_stats;

/* A stack whose random stream is derived from `name` (the owner's node
 * name); cfg NULL means defaults.  tx is called for every segment sent. */
tcp_stack *tcp_stack_new(net *nt, const char *name, const tcp_config *cfg, tcp_tx_fn tx,
                         void *owner);
/* Frees every connection and listener without calling back, cancelling
 * their timers. */
void tcp_stack_free(tcp_stack *st);
const tcp_stack_stats *tcp_stack_get_stats(const tcp_stack *st);
const tcp_config *tcp_stack_config(const tcp_stack *st);
net *tcp_stack_net(const tcp_stack *st);
/* Connections in the table, TIME_WAIT included. */
guint tcp_stack_conn_count(const tcp_stack *st);

/* TRUE when a connection (TIME_WAIT included) holds the 4-tuple: an owner
 * that shares addresses with other traffic (a load balancer node that both
 * forwards flows and ends connections) asks before handing a segment over. */
gboolean tcp_stack_has_conn(const tcp_stack *st, uint32_t lip, uint16_t lport, uint32_t rip,
                            uint16_t rport);
/* Consumes a TCP packet addressed to this host (frees it). */
void tcp_stack_input(tcp_stack *st, pkt *p);

/* Listens on ip:port (ip 0 = any address of the host).  Accepted
 * connections use cb with ud, and MSS mtu - 40 (mtu 0: the stack's).
 * Returns NULL if something already listens there. */
/* Hands a segment built elsewhere (a raw socket's: a SYN scan's probes)
 * to the owner's transmit function, as the stack's own segments go, so the
 * owner's filters (security groups) apply.  A reply for no connection is
 * then answered as any other: a SYN-ACK with a RST, as Linux does under
 * nmap's SYN scan. */
void tcp_stack_xmit_raw(tcp_stack *st, pkt *p);

tcp_listener *tcp_listen(tcp_stack *st, uint32_t ip, uint16_t lport, uint32_t mtu,
                         const tcp_callbacks *cb, void *ud);
/* Stops listening; connections already accepted or half-open carry on. */
void tcp_unlisten(tcp_listener *l);

/* Opens a connection from lip:lport (lport 0 = an ephemeral port) to
 * rip:rport and sends the SYN.  Returns NULL (and sends nothing) if the
 * 4-tuple is in use or no ephemeral port is free.  The stack counts the
 * ports in use per destination, so a connect to one that holds all 28,232
 * fails at once, and the next free port is found a bitmap word at a time
 * (see tcp_stack_stats.no_port and port_probes). */
tcp_conn *tcp_connect(tcp_stack *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport,
                      uint32_t mtu, const tcp_callbacks *cb, void *ud);

/* An ICMP "fragmentation needed" (RFC 1191) quoting a segment lip:lport ->
 * rip:rport with sequence number `seq` and giving the next hop's `mtu`.
 * As Linux's tcp_v4_err and tcp_v4_mtu_reduced do: ignored unless seq lies
 * in [snd_una, snd_nxt] of a synchronized connection and the MTU is below
 * what its MSS needs (and at least 68); else the MSS drops to the MTU's
 * (less the timestamp option) and everything unacknowledged goes again in
 * segments of the new size (tcp_simple_retransmit: a loss episode without
 * a cut of ssthresh, the window kept in segments). */
void tcp_stack_frag_needed(tcp_stack *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport,
                           uint32_t seq, uint32_t mtu);

/* Queues bytes [off, off + len) of msg for sending (takes its own
 * reference).  Allowed until tcp_close(), also before the handshake
 * completes (the bytes then leave when it does).  FALSE if the sending side
 * is already closed. */
gboolean tcp_write(tcp_conn *c, pkt_msg *msg, uint64_t off, uint64_t len);
/* Closes the sending side: a FIN follows the bytes already written.  The
 * connection keeps receiving until the peer's FIN. */
void tcp_close(tcp_conn *c);
/* Sends a RST and forgets the connection at once, without calling back.
 * `c` is invalid afterwards. */
void tcp_abort(tcp_conn *c);

void tcp_conn_set_user(tcp_conn *c, void *ud);
void *tcp_conn_user(const tcp_conn *c);
/* Replaces the callbacks (an accepted connection starts with the listener's). */
void tcp_conn_set_callbacks(tcp_conn *c, const tcp_callbacks *cb);
tcp_state tcp_conn_state(const tcp_conn *c);
const tcp_conn_stats *tcp_conn_get_stats(const tcp_conn *c);
uint32_t tcp_conn_local_ip(const tcp_conn *c);
uint32_t tcp_conn_remote_ip(const tcp_conn *c);
uint16_t tcp_conn_local_port(const tcp_conn *c);
uint16_t tcp_conn_remote_port(const tcp_conn *c);
/* The MSS this side sends with (known once the handshake's SYN arrived). */
uint32_t tcp_conn_mss(const tcp_conn *c);
/* Initial sequence numbers: ours and the peer's. */
uint32_t tcp_conn_iss(const tcp_conn *c);
uint32_t tcp_conn_irs(const tcp_conn *c);
/* Bytes written and not yet acknowledged. */
uint64_t tcp_conn_unacked(const tcp_conn *c);
/* The peer's window as flow control uses it (bytes, scaled) and the window
 * we advertise after the handshake (bytes): min(window, 65535 << shift),
 * rounded down to a multiple of 1 << shift; 65535 at most without scaling. */
uint64_t tcp_conn_snd_wnd(const tcp_conn *c);
uint32_t tcp_conn_rcv_wnd(const tcp_conn *c);
/* Congestion window and smoothed RTT (0 before the first sample). */
uint64_t tcp_conn_cwnd(const tcp_conn *c);
sim_time tcp_conn_srtt(const tcp_conn *c);
/* The flow id every segment of this side carries. */
uint64_t tcp_conn_flow_id(const tcp_conn *c);
/* TRUE once the connection is gone (inside a callback, after an abort). */
gboolean tcp_conn_dead(const tcp_conn *c);

/*
 * Upper layers, as Linux's TCP_ULP (the hook kernel TLS uses): a layer put
 * between the application and the byte stream.  Once set, tcp_write() and
 * tcp_close() of the application go to the layer's write and close, the
 * stack calls the layer's callbacks (with the layer's state as user data)
 * instead of the application's, and tcp_conn_set_user(), tcp_conn_user()
 * and tcp_conn_set_callbacks() keep working on the application's.  The
 * layer puts bytes on the stream with tcp_ulp_write() and tcp_ulp_close()
 * and reaches the application through tcp_ulp_app(); it decides when the
 * application hears on_connected / on_accept (after its own handshake).
 * The stack calls `free` with the state when it frees the connection.
 */
typedef struct {
	tcp_callbacks cb;
	gboolean (*write)(tcp_conn *c, void *state, pkt_msg *msg, uint64_t off, uint64_t len);
	void (*close)(tcp_conn *c, void *state);
	void (*free)(void *state);
} tcp_ulp;
typedef void *(*tcp_ulp_new_fn)(tcp_conn *c, void *arg);

/* Puts a layer on a connection; once, right after tcp_connect(). */
void tcp_conn_set_ulp(tcp_conn *c, const tcp_ulp *ulp, void *state);
/* Every connection the listener accepts gets the layer, its state made by
 * fn(conn, arg) when the SYN arrives. */
void tcp_listener_set_ulp(tcp_listener *l, const tcp_ulp *ulp, tcp_ulp_new_fn fn, void *arg);
/* For the layer: the stream itself, and the application's callbacks and
 * user data (callbacks all NULL once the connection is dead). */
gboolean tcp_ulp_write(tcp_conn *c, pkt_msg *msg, uint64_t off, uint64_t len);
void tcp_ulp_close(tcp_conn *c);
const tcp_callbacks *tcp_ulp_app(const tcp_conn *c, void **ud);

#endif
