/* \summary: Application Load Balancer: one node per LB, a port per AZ node, HTTP rules, LCUs */
#ifndef VPCSIM_ALB_H
#define VPCSIM_ALB_H

#include "fabric.h"
#include "sg.h"

/*
 * Capacity units.  Models measure rates over the run and feed them here; the
 * result goes to cost_ledger_set_capacity().  Both take the dimensions from
 * the price table and bill the largest one, per the ELB pricing page.
 */

/* What an ALB did, as averages over the period billed. */
typedef struct {
	double new_connections_per_second;
	double active_connections;             /* average of per-minute samples */
	double active_connections_mutual_tls;  /* the same, for mutual-TLS listeners */
	double processed_gb_per_hour;          /* requests + responses, EC2/IP targets */
	double processed_gb_per_hour_lambda;   /* the same, Lambda targets */
	double requests_per_second;
	double rules_per_request;              /* rules processed per request, free ones included */
} alb_usage;

/* LCU per dimension, to show which one drives the bill. */
typedef struct {
	double new_connections;
	double active_connections;
	double processed_bytes;
	double rule_evaluations;
} alb_lcu_dims;

/*
 * ALB capacity units per hour: the largest of new connections / 25 per s,
 * active connections / 3000, processed GB / 1 per hour, and rule evaluations
 * / 1000 per s, where rule evaluations = requests per second x (rules per
 * request - 10 free), all figures from `p`.  Mutual-TLS connections count
 * against their own (smaller) allowance and Lambda bytes against theirs;
 * adding the two fractions within a dimension is [inference].  `dims` may be
 * NULL.
 */
double alb_lcu_per_hour(const prices *p, const alb_usage *u, alb_lcu_dims *dims);

/*
 * An ALB is one node with one port per subnet of the load balancer: port i
 * is the load balancer node (an ENI) in subnet i, with address
 * node_ips[i].  The builder links each port to its VPC router as an ENI
 * port that no route names (vpc_router_add_port(..., VPC_PORT_ENI, subnet,
 * -1, node_ip, ...)).
 *
 * What it does, as AWS documents it (aws-facts.md, "ALB ..." rows):
 *
 *  - Terminates the client's TCP connection.  Every node address listens
 *    on every HTTP listener port; one tcp_stack serves all the nodes, and
 *    each segment leaves by the port whose address is its source.
 *  - For each complete request, evaluates the listener's rules in order
 *    (host, then path globs, shell-style as AWS's conditions; a host is
 *    compared without its port and case-insensitively, a path without its
 *    query), falling back to the default action, and picks a target of the
 *    chosen group: round robin or least outstanding requests, per node and
 *    target group, over all targets in all AZs (cross-zone is always on
 *    for an ALB).
 *  - After the profile's processing.alb delay (drawn once per request), it
 *    forwards the request on its own connection from the same node's
 *    address to target:port.  The head is re-emitted as received, except
 *    hop-by-hop headers (Connection, Keep-Alive) which belong to the
 *    client's connection, with X-Forwarded-For (the client address the
 *    node saw appended to any list already there: behind PrivateLink this
 *    is the NLB's address), X-Forwarded-Proto: http, X-Forwarded-Port:
 *    the listener port, and X-Amzn-Trace-Id: Root=1-<8 hex simulated epoch
 *    seconds>-<24 hex from the ALB's random stream> (a request that
 *    already carries a Root keeps it and gets a Self= field in front, as
 *    AWS does).  The body is forwarded with its length.
 *  - Back-end connections are pooled per (node, target group, target) and
 *    kept alive, opened only when a request needs one (no pre-opened
 *    connections); a request waits for none, so a pool grows to the
 *    number of requests outstanding at once to that target.
 *  - When the target's response is complete, the client gets the same
 *    status and body length.  A target that refuses, resets or closes
 *    early gets the client a 502, one that times out a 504 (a connection
 *    attempt gives up after the profile's
 *    health_check.alb_target_connect_timeout, AWS's 10 s, and an answer
 *    that has not begun within the idle timeout is given up too, the
 *    connection aborted); a target group without registered targets a
 *    503, as AWS documents.  Counted per code (alb_counters.elb_50x).
 *  - Health checks (lbhealth.h) from every node to every target; a node
 *    picks among the targets it sees healthy, and among all of them when
 *    it sees none healthy (AWS's fail-open).
 *  - Idle timeout (the LB's idle_timeout): a client connection with no
 *    request in progress and no bytes for that long is closed with a FIN
 *    from the ALB, and so is a kept-alive back-end connection.
 *  - Security groups: the LB's groups, evaluated at each node ENI, inbound
 *    before the stack and outbound as segments leave; denials are DROP_SG
 *    drops on the ALB node with the groups as detail.
 *  - MTU: client connections use MSS = profile mtu.igw - 40 when the LB is
 *    internet-facing (its clients may be on the internet), else mtu.vpc -
 *    40; back-end connections mtu.vpc - 40.
 *
 * Simplifications: no HTTPS/HTTP/2 listeners, redirects or fixed
 * responses; the response timeout runs until the first response byte
 * (AWS's idle timeout restarts with every byte either way); the
 * response head to the client is the simulator's own (status line,
 * Server, Content-Length), not the target's headers.
 *
 * Charges: "hourly" (one ALB) and, for an internet-facing ALB, one
 * "public-ipv4" address per node, registered at creation under the LB's
 * name; "lcu" set by alb_finish() from what the ALB measured.
 */

/* Builds LB `lb_index` (an application load balancer) and adds its node
 * addresses to its security groups in `sgw`. */
node *alb_new(fabric *f, int lb_index, sg_world *sgw);

/*
 * Sets the ledger's "lcu" line from the run so far, `run_duration` long
 * (> 0), averaging each LCU dimension over the whole run and billing the
 * largest, as alb_lcu_per_hour() does for one hour:
 *   new connections    client connections accepted / run seconds;
 *   active connections the time-average of open client connections (the
 *                      continuous form of AWS's per-minute samples: a
 *                      connection open for the whole run counts 1, one open
 *                      half of it 0.5);
 *   processed bytes    HTTP heads and bodies of requests received from
 *                      clients and responses sent to them ("bytes processed
 *                      ... for HTTP(S) requests and responses"), per hour;
 *   rule evaluations   sum over requests of the rules evaluated beyond the
 *                      free ones (10) per request, per second.
 * Back-end connections are not counted in the connection dimensions (AWS
 * prices them by client connections; its example counts those).  For a run
 * longer than an hour AWS takes the maximum per hour; this uses the run's
 * average, which is lower when the load varies between hours.
 * Call it before cost_ledger_finish(); calling again replaces the line.
 */
void alb_finish(node *alb, sim_time run_duration);

typedef struct {
	uint64_t requests;            /* complete requests from clients */
	uint64_t rule_evaluations;    /* listener rules evaluated (defaults not counted) */
	uint64_t billed_rule_evaluations; /* beyond the free ones, per request */
	uint64_t new_connections;     /* client connections accepted */
	uint64_t active_connections;  /* client connections open now */
	uint64_t peak_active_connections;
	double active_connection_seconds; /* integral of active connections over time, to now */
	uint64_t client_bytes_in;     /* HTTP bytes of requests from clients */
	uint64_t client_bytes_out;    /* HTTP bytes of responses to clients */
	uint64_t processed_bytes;     /* the two above */
	uint64_t idle_closed;         /* client connections closed by the idle timeout */
	uint64_t forwarded;           /* requests sent to targets */
	uint64_t backend_connections; /* back-end connections opened */
	uint64_t backend_idle_closed; /* back-end connections closed by the idle timeout */
	uint64_t backend_failures;    /* answered 502 / 504 */
	uint64_t no_target;           /* answered 503 */
	/* Responses the ALB itself generated, per status (CloudWatch's
	 * HTTPCode_ELB_502_Count ...), and target responses of 5xx. */
	uint64_t elb_502, elb_503, elb_504, target_5xx;
	uint64_t fail_open;           /* requests routed while no target was healthy */
	double lcu_per_hour;          /* from the last alb_finish(), else 0 */
	alb_lcu_dims lcu_dims;
} alb_counters;

/* The counters, brought up to date (now). */
const alb_counters *alb_get_counters(node *alb);

/* Starts the health checks (lbhealth.h): the world's builder does; until
 * then every target is healthy (a unit test that runs the queue dry with
 * sim_run() leaves them off: they never stop).  Then the checker (NULL
 * before), and whether `n` is an ALB. */
void alb_start_health_checks(node *alb);
struct lbhealth;
const struct lbhealth *alb_health(node *alb);
gboolean alb_is(const node *n);

/* Requests forwarded to each target of target group `tg` (scenario
 * index), in the group's target order, summed over nodes; 0 for a
 * target index out of range. */
uint64_t alb_target_requests(node *alb, int tg, guint target);

#endif
