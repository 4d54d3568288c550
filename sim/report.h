/* \summary: run reports: what a run measured, written as text, CSV, JSON or Markdown */
#ifndef VPCSIM_REPORT_H
#define VPCSIM_REPORT_H

#include <stdio.h>
#include <glib.h>

#include "cost.h"
#include "stats.h"

/*
 * A report is plain data gathered after a run, so every format is written
 * from the same numbers.  Latencies are in nanoseconds here; writers print
 * milliseconds.  The JSON shape is documented in the README and stable:
 * fields are added, never renamed or removed.
 */

/* One step of a request's journey: a construct (time from arrival to
 * departure, including the propagation it adds when the packet changes
 * AZ), or a link ("link a > b": serialization and queueing), or the
 * server / load balancer between two legs. */
typedef struct {
	char *where;
	int64_t ns;
} report_step;

GArray *report_steps_new(void);
void report_steps_free(GArray *steps); /* NULL is ignored */
void report_add_step(GArray *steps, const char *where, int64_t ns);
void report_steps_copy(GArray *dst, const GArray *src);

typedef struct {
	char *name;
	char *kind;              /* "http", "udp" */
	char *target;            /* what the clients call */
	guint clients;
	uint64_t sent, completed, failed;
	uint64_t unfinished;     /* sent, neither completed nor failed when the run ended */
	uint64_t non_2xx;        /* completed with a status outside 200-299 (counted in completed) */
	GArray *failures;        /* report_count: failures by reason */
	hdr_hist *latency;       /* owned; completed requests, start to last response byte */
	GPtrArray *request_path; /* char *: constructs the request crosses, in order */
	GPtrArray *response_path;/* char *: constructs the response crosses, in order */
	GArray *request_steps;   /* report_step: where the first tracked request's time went */
	GPtrArray *request_rewrites;  /* char *: "node: what changed" on the request's way */
	GPtrArray *response_rewrites; /* char *: the same on the response's way */
	GArray *response_steps;  /* report_step: the server's time, then its response's journey */
	double offered;          /* requests the configured rate asks for in the sending time;
	                            a closed loop's completed requests (it has no rate) */
	guint users;             /* HTTP closed loop: users per client; 0 = open loop */
	gboolean keepalive;      /* HTTP: connections kept and reused (a pool per client and target) */
	guint max_conns;         /* HTTP: the pool's limit per client and target; 0 = no limit */
	guint targets;           /* destinations each client spreads its requests over */
	uint64_t connections;    /* HTTP: TCP connections opened, all clients */
	uint64_t pool_waits;     /* HTTP: requests that waited because max_conns were busy */
	guint peak_connections;  /* HTTP: most open at once by one client to one target */
	uint64_t sent_at_end;    /* sent when the sending time ended */
	uint64_t backlog_at_end; /* of those, neither completed nor failed then */
	gboolean carried;        /* set by report_judge_load() */
	char *load_note;         /* why the workload was not carried, or NULL */
	uint64_t request_bytes;  /* IP bytes of requests on the client's wire */
	uint64_t response_bytes; /* IP bytes of responses on the client's wire */
} report_workload;

typedef struct {
	char *what;              /* "node: reason: detail" or "node: reason" */
	uint64_t count;
} report_count;

typedef struct {
	char *name;              /* node name */
	char *kind;              /* node kind */
	uint64_t rx_pkts, rx_bytes;
} report_component;

/* One target of a load balancer: requests it got and what the health
 * checks of all nodes found. */
typedef struct {
	char *target_group, *target;
	gboolean has_requests;   /* FALSE: the load balancer does not count them (NLB) */
	uint64_t requests;
	gboolean checked;        /* health checks ran on it */
	uint64_t checks, checks_failed;
	int64_t first_unhealthy_ns; /* a node first took it out of rotation; -1 never */
	int64_t last_healthy_ns;    /* a node last put it back; -1 never */
	guint healthy_nodes, nodes; /* nodes that see it healthy at the end, of all */
} report_lb_target;

/* A load balancer: the error responses it generated itself (ALB). */
typedef struct {
	char *name;
	char *kind;              /* "application", "network" */
	gboolean http;           /* the counts below apply (ALB) */
	uint64_t elb_502, elb_503, elb_504, target_5xx, fail_open;
	gboolean tls;            /* the counts below apply (a load balancer that ends TLS and
	                            relays bytes: an NLB's TLS listeners) */
	uint64_t tls_connections; /* client handshakes done and relayed to a target */
	uint64_t tls_refused;    /* handshakes done, then reset: no target, or no source port */
	uint64_t tls_expired;    /* relays reset after the idle timeout */
	GArray *targets;         /* report_lb_target */
} report_lb;

typedef struct {
	char *scenario;
	char *description;
	char *file;
	uint64_t seed;
	gboolean partial;        /* stopped early (Ctrl-C) */
	int64_t simulated_ns;
	int64_t duration_ns;     /* the scenario's sending duration */
	uint64_t events;
	double wall_s;
	gboolean has_fingerprint; /* the run computed a trajectory fingerprint */
	uint64_t fingerprint;    /* sim_fingerprint(): written only when has_fingerprint */
	GArray *workloads;       /* report_workload */
	GArray *components;      /* report_component */
	GArray *drops;           /* report_count */
	GArray *lbs;             /* report_lb */
	cost_ledger *ledger;     /* not owned; finished */
	GPtrArray *assumptions;  /* char *: "prices: group.key", "profile: group.key" */
	GPtrArray *captures;     /* char *: capture files written */
	char *busiest_link;      /* "a > b": the link direction that dropped most packets from a
	                            full queue, else the one busiest over the run; or NULL */
	double busiest_util;     /* its transmitter's busy time / simulated time (0..1) */
	double busiest_bps;      /* its bandwidth */
	uint64_t busiest_drops;  /* its tail drops */
} report;

typedef enum { REPORT_TEXT, REPORT_CSV, REPORT_JSON, REPORT_MD } report_format;

report *report_new(void);
void report_free(report *r);
report_workload *report_add_workload(report *r, const char *name, const char *kind,
                                     const char *target, guint clients);
void report_add_count(GArray *counts, const char *what, uint64_t n);
report_lb *report_add_lb(report *r, const char *name, const char *kind);
report_lb_target *report_lb_add_target(report_lb *lb, const char *target_group, const char *target);

/*
 * Offered against carried load.  A workload is carried when
 *  - the requests that failed or were still unfinished at the end of the
 *    run (after the drain) are at most REPORT_CARRIED_TOLERANCE of those
 *    sent, plus one (a Poisson sample's tail request may still be on its
 *    way; a saturated construct leaves thousands), and
 *  - the backlog when the sending time ended (sent, neither completed nor
 *    failed) is at most the larger of 10, REPORT_CARRIED_TOLERANCE x 5 of
 *    those sent, and 5 x what Little's law gives a path that is not
 *    saturated (offered rate x the fastest request's latency; 5 x and 10
 *    leave room for the requests a stable path happens to hold at that
 *    instant): a queue that grew through the run, even if the drain
 *    emptied it.
 * Otherwise load_note says what was lost and names the likely cause: the
 * most frequent failure or drop reason, or, when requests were simply
 * waiting, the client's connection pool when requests waited for one
 * (max_connections at a request each: about max_connections / latency per
 * second per target) or the construct where most packets were
 * dropped; and the link whose queue overflowed most, or, with no such
 * drops, one whose transmitter was busy at least REPORT_BUSY_LINK of the
 * run: its bandwidth is the limit (TCP's loss recovery keeps a link with
 * an overflowing queue below full use, so drops name it first).
 */
#define REPORT_BUSY_LINK 0.9
#define REPORT_CARRIED_TOLERANCE 0.01
void report_judge_load(report *r);
/* TRUE when every workload was carried. */
gboolean report_all_carried(const report *r);

/* "text", "csv", "json", "md" (FALSE if none). */
gboolean report_format_parse(const char *text, report_format *out);

/* A JSON string literal (quoted, escaped) appended to s; a CSV field
 * (quoted when it holds a comma, quote or newline) written to f.  Shared
 * with the comparison's writers. */
void report_json_str(GString *s, const char *v);
void report_csv_field(FILE *f, const char *v);

/* Writes the report in a format; returns FALSE on a write error. */
gboolean report_write(const report *r, report_format f, FILE *out);

#endif
