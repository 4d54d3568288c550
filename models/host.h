/* \summary: an EC2-like host: one port, one IPv4 address, TCP, HTTP server and workloads */
#ifndef VPCSIM_HOST_H
#define VPCSIM_HOST_H

#include "net.h"
#include "tcp.h"
#include "http.h"
#include "stats.h"

/*
 * A host sends everything out of port 0 (link_send: the next hop is
 * whatever the port is linked to, a router, a VPC, another host) and
 * accepts only packets addressed to its own IP.  TCP packets go to its
 * tcp_stack; anything else is dropped as port-unreachable (no ICMP, no
 * UDP service).
 *
 * Filters are the hook for security groups: `out` sees every packet the
 * host is about to send, `in` every packet addressed to it, and either
 * returns HOST_ALLOW or the drop_reason to drop the packet with (counted on
 * the host's node and in its counters).  Default: allow all.
 */

typedef struct host host;
typedef struct host_workload host_workload;

#define HOST_ALLOW (-1)
typedef int (*host_filter_fn)(host *h, pkt *p, void *ud);

typedef struct {
	uint32_t ip;
	uint32_t mtu;              /* path MTU for TCP (MSS = mtu - 40); 0 = 1500 */
	const tcp_config *tcp;     /* NULL = tcp_config_default() with the mtu above */
} host_config;

typedef struct {
	uint64_t tx_pkts, tx_bytes;  /* handed to the link (wire bytes) */
	uint64_t denied_out, denied_in;
	uint64_t not_mine;           /* addressed to another IP */
	uint64_t not_tcp;
	uint64_t icmp_errors;        /* ICMP destination-unreachable received */
} host_counters;

host *host_new(net *nt, const char *name, const host_config *cfg);
node *host_node(host *h);

/*
 * A target failing mid-run: from fail_at (simulated time, >= 0) until
 * recover_at (> fail_at; SIM_TIME_MAX = never) the host is down.
 * HOST_FAIL_STOP: the instance is stopped or hung: every packet to it and
 * from it is lost (DROP_HOST_DOWN), so peers time out.  HOST_FAIL_RESET:
 * the server process crashed and the kernel answers: each TCP segment to
 * the host gets a RST (open connections are reset, new ones refused) and
 * nothing else leaves it.  Its TCP state is kept and resumes at recovery
 * (the peers reset theirs meanwhile).  Security groups still apply first.
 */
typedef enum { HOST_FAIL_STOP, HOST_FAIL_RESET } host_fail_mode;
void host_set_failure(host *h, sim_time fail_at, sim_time recover_at, host_fail_mode mode);
gboolean host_is_down(const host *h);
uint32_t host_ip(const host *h);
tcp_stack *host_tcp(host *h);
const host_counters *host_get_counters(const host *h);
/* Either filter may be NULL (allow). */
void host_set_filters(host *h, host_filter_fn out, host_filter_fn in, void *ud);
/* The DNS server the host asks for names (its VPC's Route 53 Resolver):
 * a caching stub (models/dns.h) on a random stream of the host's.  Answers
 * from it are taken before UDP ports are looked at. */
void host_set_resolver(host *h, uint32_t resolver_ip, sim_time timeout, guint attempts);
/* The host's stub resolver, NULL until host_set_resolver(). */
struct dns_stub *host_dns(host *h);

/* ---- HTTP server ---- */

typedef struct {
	uint16_t port;
	dist think;           /* UNIT_TIME; unset (kind UNIT_NONE) = answer at once */
	dist response_size;   /* UNIT_SIZE; unset = empty bodies unless the client asks */
	gboolean tls;         /* HTTPS: TLS 1.3 (sim/tls.h) with a chain of cert_bytes in
	                         cert_count certificates (both required then) */
	uint32_t cert_bytes;
	guint cert_count;
} host_http_server_config;

/* Serves HTTP on port (any address of the host).  The host owns the server. */
http_server *host_serve_http(host *h, const host_http_server_config *cfg, GError **error);

/* ---- HTTP client workloads ---- */

typedef struct {
	uint32_t ip;
	uint16_t port;
	const char *name;          /* non-NULL: a DNS name the host resolves (host_set_resolver)
	                              before its requests, each new connection going to one of
	                              the answers (dns.h); `ip` is then unused.  Also the Host
	                              header and the TLS server_name. */
} host_target;

typedef struct {
	const char *name;          /* unique per host; names the random stream */
	const host_target *targets;/* requests go round robin over these */
	guint n_targets;
	dist interval;             /* UNIT_TIME between request starts */
	uint64_t count;            /* requests to start; 0 = until stop_at */
	sim_time start_at;         /* first request */
	sim_time stop_at;          /* no request starts at or after this; 0 = no limit
	                              (with count 0 too: forever, run with sim_run_until) */
	dist request_size;         /* body bytes sent; unset = 0 */
	dist response_size;        /* asked of the server (X-Vpcsim-Response-Bytes);
	                              unset = the server decides */
	gboolean keepalive;        /* connections are kept and reused, else one per request */
	guint max_conns;           /* connections open at once per target (a pool); requests
	                              wait for one beyond; 0 = no limit */
	guint users;               /* closed loop: this many users, each sending a request,
	                              waiting for its end, thinking, sending again (interval
	                              is then unused); 0 = open loop at `interval` */
	dist user_think;           /* closed loop: a user's think time (UNIT_TIME); unset = 0 */
	const char *method;        /* NULL = GET */
	const char *path;          /* NULL = "/" */
	gboolean tls;              /* HTTPS: TLS 1.3 on every connection (sim/tls.h), the
	                              target's name as server_name */
	hdr_hist *latency;         /* where completed requests are recorded, shared by
	                              every client of one workload and not owned
	                              (outlive the workload); NULL = one of its own */
} host_workload_config;

typedef struct {
	uint64_t started, completed;           /* completed: a whole response, any status */
	uint64_t failed[HTTP_FAIL__COUNT];     /* by reason (failed[HTTP_OK] stays 0) */
	uint64_t non_2xx;                      /* completed with a status outside 200-299 */
	hdr_hist *latency;                     /* completed: t_complete - t_start, ns
	                                          (the config's shared one, if given) */
	stats_acc latency_acc;
	stats_acc ttfb_acc;                    /* t_first_byte - t_start */
	stats_acc connect_acc;                 /* t_connected - t_start, new connections only */
	uint64_t bytes_sent, bytes_received;   /* HTTP bytes: heads and bodies */
	uint64_t connections;                  /* TCP connections opened */
	uint64_t pool_waits;                   /* requests that waited because max_conns
	                                          connections to their target were busy */
	guint peak_connections;                /* most open at once to one target */
} host_workload_result;

/* Starts a workload (config and targets copied).  When it has started its
 * last request and all have finished, kept-alive connections are closed. */
host_workload *host_add_workload(host *h, const host_workload_config *cfg);
const host_workload_result *host_workload_get_result(const host_workload *w);
/* TRUE once no request will start and none is outstanding. */
gboolean host_workload_done(const host_workload *w);
uint64_t host_workload_failed(const host_workload *w); /* all reasons */

/* ---- UDP flows ---- */

/*
 * A UDP flow sends datagrams from an ephemeral port to targets (round
 * robin) at the given interval; a host that listens on a UDP port counts
 * what arrives and records each datagram's one-way latency (arrival minus
 * the packet's birth) in the sending flow's result.  Datagrams carry DF, as
 * Linux sends them with path MTU discovery on, so one larger than a path's
 * MTU is dropped on that path (no fragmentation is modelled).
 */
typedef struct host_udp_flow host_udp_flow;

typedef struct {
	const char *name;
	const host_target *targets;
	guint n_targets;
	dist interval;       /* UNIT_TIME */
	dist size;           /* UNIT_SIZE: UDP payload bytes */
	uint64_t count;      /* datagrams; 0 = until stop_at */
	sim_time start_at, stop_at;
	hdr_hist *latency;   /* shared and not owned, as for host_workload_config; NULL = own */
} host_udp_config;

typedef struct {
	uint64_t sent, sent_bytes;         /* datagrams and UDP payload bytes */
	uint64_t received, received_bytes; /* at the targets */
	hdr_hist *latency;                 /* one-way, ns (the config's shared one, if given) */
	gboolean stopped;
} host_udp_result;

host_udp_flow *host_add_udp_flow(host *h, const host_udp_config *cfg);
const host_udp_result *host_udp_flow_result(const host_udp_flow *f);
/* Accepts UDP datagrams on `port` (any number of calls, one per port). */
void host_listen_udp(host *h, uint16_t udp_port);

#endif
