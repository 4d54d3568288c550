/* \summary: scenarios: key files describing VPCs, their connectivity and workloads, loaded and validated */
#ifndef VPCSIM_SCENARIO_H
#define VPCSIM_SCENARIO_H

#include <stdint.h>
#include <glib.h>

#include "dist.h"
#include "engine.h"
#include "ipaddr.h"
#include "kinds.h"
#include "prices.h"
#include "profile.h"

/*
 * A scenario is a GLib key file (the README's "Scenario files" is the reference).  Its
 * groups are named "KIND NAME" ([vpc vpc-a], [subnet a-app-1], ...) except
 * [scenario] and [vars].  scenario_load() reads the file, applies --set
 * overrides, expands counted groups, resolves every reference by name into
 * an index, and checks the whole topology before anything runs, reporting
 * every problem it finds (one line each, naming file, group, key, the value
 * and what was expected), not just the first.
 *
 * The result is plain data: arrays of the structs below, in file order
 * (counted groups expanded in place, i = 1..count), with references as
 * indices into the other arrays.  Models are built from it by models/build.c and the kinds' build steps.
 * Addresses are IPv4 in host byte order.
 */

/* Where a route sends traffic. */
typedef enum {
	SC_TARGET_LOCAL,       /* "local": inside the VPC */
	SC_TARGET_PEERING,     /* a [peering NAME] */
	SC_TARGET_TGW,         /* a [transit_gateway NAME] */
	SC_TARGET_NATGW,       /* a [nat_gateway NAME] */
	SC_TARGET_IGW,         /* an [internet_gateway NAME] */
	SC_TARGET_GW_ENDPOINT, /* a [gateway_endpoint NAME] (route added automatically) */
	SC_TARGET_INSTANCE,    /* an [instance NAME]'s ENI */
	SC_TARGET_BLACKHOLE,   /* "blackhole" (TGW route tables) */
} sc_target_kind;

typedef struct {
	sc_cidr dst;
	int prefix_list;     /* index into scenario.services when the destination
	                        is a service's prefix list, else -1 */
	sc_target_kind kind;
	int target;          /* index into the array of that kind; -1 for local/blackhole */
} sc_route;

typedef struct {
	char *name;
	sc_cidr cidr;
	int igw;             /* index into igws, -1 if none */
	int main_route_table;/* index into route_tables: the table marked `main = true`,
	                        or the implicit "<vpc>-main" with only the local route */
} sc_vpc;

typedef struct {
	char *name;
	int vpc;
	sc_cidr cidr;
	char *az;            /* AZ ID, e.g. "use1-az1" */
	int az_index;        /* index into scenario.azs */
	int route_table;     /* index into route_tables; -1 = the VPC's main table */
} sc_subnet;

typedef struct {
	char *name;          /* implicit main tables are named "<vpc>-main" */
	int vpc;
	gboolean main;       /* the VPC's main route table */
	GArray *routes;      /* sc_route; "local" for the VPC CIDR is implicit
	                        and first; gateway endpoint routes are appended */
} sc_route_table;

typedef enum { SC_PROTO_ALL, SC_PROTO_TCP, SC_PROTO_UDP, SC_PROTO_ICMP } sc_proto;

typedef struct {
	sc_proto proto;
	uint16_t port_lo, port_hi; /* inclusive; 0-65535 for all */
	sc_cidr peer;              /* source (ingress) or destination (egress) */
	int peer_sg;               /* index into security_groups, or -1 for a CIDR */
	char *text;                /* the rule as written, for reports and traces */
} sc_sg_rule;

typedef struct {
	char *name;
	int vpc;
	GArray *ingress;     /* sc_sg_rule */
	GArray *egress;      /* sc_sg_rule; a group without an egress key allows all */
} sc_sg;

typedef struct {
	char *name;
	int subnet;
	uint32_t ip;           /* given or assigned from the subnet (first free from .4) */
	uint32_t public_ip;    /* 0 when none; assigned from the region's public pool */
	GArray *sgs;           /* int indices into security_groups */
	/* A target failing mid-run (host.c): when `fails`, from fail_at until
	 * recover_at (SIM_TIME_MAX = never), as fail_mode says. */
	gboolean fails;
	sim_time fail_at, recover_at;
	int fail_mode;         /* SC_FAIL_STOP or SC_FAIL_RESET */
} sc_instance;

typedef enum { SC_FAIL_STOP, SC_FAIL_RESET } sc_fail_mode;

typedef struct {
	char *name;
	int vpc_a, vpc_b;    /* requester and accepter */
} sc_peering;

typedef struct {
	char *name;
	int tgw;
	GArray *routes;      /* sc_route: kind SC_TARGET_TGW with target = attachment index, or blackhole */
} sc_tgw_route_table;

typedef struct {
	char *name;
	int tgw;
	int vpc;
	GArray *subnets;     /* int: one subnet per AZ for the attachment ENIs */
	int route_table;     /* association: index into tgw_route_tables */
	GArray *propagate_to;/* int: tgw route tables the VPC CIDR propagates into */
} sc_tgw_attachment;

typedef struct {
	char *name;
} sc_tgw;

typedef struct {
	char *name;
	int subnet;
	uint32_t ip;         /* private address in the subnet */
	uint32_t public_ip;  /* its Elastic IP */
} sc_natgw;

typedef struct {
	char *name;
	int vpc;
} sc_igw;

/* An AWS service reachable on public addresses (S3, DynamoDB). */
typedef struct {
	char *name;          /* "s3" */
	char *kind;          /* "s3" or "dynamodb" */
	GArray *prefixes;    /* sc_cidr: its prefix list (pl-...) */
	uint32_t ip;         /* the address clients connect to */
	dist latency;        /* time to answer a request (first byte) */
} sc_service;

typedef struct {
	char *name;
	int vpc;
	int service;         /* index into services */
	GArray *route_tables;/* int: tables that get the prefix-list route */
	struct policy *policy; /* endpoint policy (models/policy.h); NULL: full access */
} sc_gw_endpoint;

/* A [route NAME]: one route added to a [route_table]'s routes (where it is
 * then, as an sc_route). */
typedef struct {
	char *name;
	int route_table;     /* index into route_tables */
} sc_route_group;

typedef enum { SC_WL_HTTP, SC_WL_UDP } sc_workload_kind;
/* ---- load balancers and PrivateLink ---- */

typedef enum { SC_LB_APPLICATION, SC_LB_NETWORK } sc_lb_type;
typedef enum { SC_LB_ROUND_ROBIN, SC_LB_LEAST_OUTSTANDING } sc_lb_algorithm;
typedef enum { SC_RULE_PATH, SC_RULE_HOST } sc_rule_kind;

/* An ALB listener rule: "path /api/STAR -> tg-api", "host api.example.com -> tg-x".
 * (STAR standing for an asterisk).  Patterns use shell-style globs, as AWS's path and host
 * conditions do. */
typedef struct {
	sc_rule_kind kind;
	char *pattern;
	int target_group;    /* index into target_groups */
	char *text;          /* as written, for traces */
} sc_lb_rule;

typedef struct {
	sc_proto proto;      /* SC_PROTO_TCP for "tcp" (NLB) and "http" (ALB) listeners */
	gboolean http;       /* an ALB's HTTP listener */
	uint16_t port;
	int default_tg;      /* the default action: forward to this target group */
	GArray *rules;       /* sc_lb_rule, evaluated in order before the default */
	gboolean tls;        /* HTTPS (ALB) or TLS (NLB): the load balancer terminates TLS */
} sc_listener;

typedef struct {
	char *name;
	sc_lb_type type;
	gboolean internet_facing;
	int vpc;
	GArray *subnets;         /* int: one load balancer node (ENI) per subnet, one subnet per AZ */
	GArray *node_ips;        /* uint32_t per subnet: each node's private address (assigned) */
	GArray *node_public_ips; /* uint32_t per subnet: internet-facing only, else 0 */
	GArray *sgs;             /* int: security groups (ALB; optional for NLB) */
	gboolean cross_zone;     /* ALB: always on; NLB: `cross_zone`, default off */
	sim_time idle_timeout;   /* default: the profile's alb/nlb idle timeout */
	sc_lb_algorithm algorithm; /* ALB target selection */
	gboolean preserve_client_ip; /* NLB, instance targets: default on */
	uint64_t certificate_bytes; /* HTTPS/TLS listeners' chain; 0 = the profile's [tls] */
	char *ssl_policy;        /* informational: the listeners' security policy name */
	GArray *listeners;       /* sc_listener */
} sc_lb;

typedef enum { SC_TG_INSTANCE, SC_TG_ALB } sc_tg_type;

typedef struct {
	char *name;
	sc_tg_type type;
	int vpc;
	uint16_t port;           /* the port targets listen on */
	GArray *targets;         /* int: instance indices, or one load balancer index (type alb) */
	/* Health checks (lbhealth.h); 0 / -1 / NULL = the profile's default
	 * for the type of load balancer that uses the group. */
	int hc_proto;            /* an sc_hc_proto; SC_HC_DEFAULT: the load balancer type's */
	char *hc_path;           /* NULL = "/" */
	uint16_t hc_port;        /* 0 = traffic-port */
	sim_time hc_interval, hc_timeout;
	uint32_t hc_healthy, hc_unhealthy;
	uint32_t hc_match_lo, hc_match_hi; /* success codes, inclusive; 0 = default */
	gboolean tls;            /* protocol https (ALB) or tls (NLB): targets speak TLS */
	int protocol;            /* as written: 0 http, 1 https, 2 tcp, 3 tls; -1 when not given */
} sc_target_group;

typedef enum { SC_HC_DEFAULT, SC_HC_TCP, SC_HC_HTTP } sc_hc_proto;

/* A PrivateLink endpoint service in front of a network load balancer. */
typedef struct {
	char *name;
	int lb;                  /* index into load_balancers (type network) */
	char *private_dns;       /* a name consumers may use, or NULL */
} sc_endpoint_service;

typedef enum { SC_IFE_ENDPOINT_SERVICE, SC_IFE_AWS_SERVICE } sc_ife_kind;

typedef struct {
	char *name;
	int vpc;
	sc_ife_kind kind;
	int service;             /* index into endpoint_services or services */
	GArray *subnets;         /* int: one endpoint ENI per subnet */
	GArray *ips;             /* uint32_t per subnet: the ENIs' addresses (assigned) */
	GArray *sgs;             /* int */
	gboolean private_dns;    /* the service's name resolves to these ENIs in this VPC */
	struct policy *policy;   /* endpoint policy (models/policy.h); NULL: full access */
} sc_interface_endpoint;

typedef enum {
	SC_TARGET_IS_INSTANCE,
	SC_TARGET_IS_SERVICE,     /* a public [service] (S3) by its public address */
	SC_TARGET_IS_LB,          /* a load balancer, by its DNS name (resolve) */
	SC_TARGET_IS_ENDPOINT,    /* an interface endpoint, by one of its DNS names (dns_name) */
	SC_TARGET_IS_KIND,        /* an element of kind target_gk, which says how (sc_kind.target) */
} sc_wl_target_kind;

/* How a client finds a load balancer's or an endpoint's address. */
typedef enum {
	SC_RESOLVE_DNS,       /* asks its VPC's Route 53 Resolver; each connection goes to
	                         one of the answers, at random (models/dns.h) */
	SC_RESOLVE_AZ_LOCAL,  /* no DNS: the node or ENI in the client's AZ, else the first
	                         (as with a hosts file written per AZ) */
} sc_resolve;

/* Which of an interface endpoint's names a client uses. */
typedef enum {
	SC_DNS_REGIONAL,      /* every AZ's ENI */
	SC_DNS_ZONAL,         /* the ENI in the client's AZ (else the first AZ's name) */
	SC_DNS_PRIVATE,       /* the service's private DNS name (private_dns = true) */
} sc_dns_name;

/* Which key gave a workload its load: exactly one of them is set. */
typedef enum {
	SC_LOAD_RATE,        /* rate: requests per second per client */
	SC_LOAD_TOTAL_RATE,  /* total_rate: for all clients together, split evenly */
	SC_LOAD_VOLUME,      /* volume: bytes per month for all clients, over the mean
	                        request + response body */
	SC_LOAD_USERS,       /* users: a closed loop of users per client */
} sc_load_kind;

/* A client's default connection pool with connection = keepalive (see
 * README, [workload] max_connections). */
#define SC_DEFAULT_MAX_CONNECTIONS 6

typedef struct {
	char *name;
	sc_workload_kind kind;
	GArray *clients;     /* int: instance indices */
	sc_wl_target_kind target_kind;
	int target_gk;       /* SC_TARGET_IS_KIND: the kind (models/kinds.h) */
	GArray *targets;     /* int: instance indices (servers, round robin) or one service index */
	uint16_t port;
	dist interval;       /* time between requests per client (from the rate + arrival);
	                        unset for a closed loop */
	sc_load_kind load;   /* the key that set the load */
	double rate;         /* open loop: requests per second per client (from rate,
	                        total_rate or volume) */
	double total_rate;   /* total_rate or volume: requests per second, all clients */
	gboolean constant_arrival; /* arrival = constant (else Poisson) */
	guint users;         /* closed loop: users per client; 0 = open loop */
	dist user_think;     /* closed loop: a user's think time; unset = none */
	guint max_conns;     /* connections per client and target at most; 0 = no limit */
	uint64_t requests;   /* per client; 0 = until the scenario's duration */
	dist request_size;   /* HTTP body bytes sent (PUT/POST) or UDP payload */
	dist response_size;  /* HTTP response body bytes */
	dist think_time;     /* server time before answering */
	gboolean keepalive;  /* one connection per client reused, or one per request */
	sc_resolve resolve;  /* load balancer and endpoint targets */
	sc_dns_name dns_name;/* endpoint targets */
	char *method;        /* "GET", "PUT", "POST" */
	char *path;          /* request path */
} sc_workload;

typedef struct scenario {
	char *path;          /* the file */
	char *name;          /* [scenario] name */
	char *description;
	uint64_t seed;
	sim_time duration;   /* simulated time to run (workloads stop sending then) */
	sim_time drain;      /* extra time for requests in flight to finish */
	char *capture;       /* capture points: "all" (default), "none", or comma-separated
	                        node names and globs, as checked by scenario_capture_check() */
	uint32_t snaplen;    /* bytes kept of each captured packet; 0 = whole packets */
	double loss;         /* chance that the Region's public network loses a packet (0 to 1) */
	gboolean https;      /* [scenario] https: ALB http listeners become https */
	prices *prices;      /* owned */
	profile *profile;    /* owned */
	GPtrArray *azs;      /* char *: AZ IDs in order of first use */

	GArray *of[GK_N];          /* per kind (models/kinds.h): its elements in file order;
	                              the fields below are the same arrays, named */
	GArray *vpcs;              /* sc_vpc */
	GArray *subnets;           /* sc_subnet */
	GArray *route_tables;      /* sc_route_table */
	GArray *security_groups;   /* sc_sg */
	GArray *instances;         /* sc_instance */
	GArray *peerings;          /* sc_peering */
	GArray *tgws;              /* sc_tgw */
	GArray *tgw_route_tables;  /* sc_tgw_route_table */
	GArray *tgw_attachments;   /* sc_tgw_attachment */
	GArray *natgws;            /* sc_natgw */
	GArray *igws;              /* sc_igw */
	GArray *services;          /* sc_service */
	GArray *gw_endpoints;      /* sc_gw_endpoint */
	GArray *workloads;         /* sc_workload */
	GArray *load_balancers;    /* sc_lb */
	GArray *target_groups;     /* sc_target_group */
	GArray *endpoint_services; /* sc_endpoint_service */
	GArray *interface_endpoints; /* sc_interface_endpoint */
	GArray *routes;            /* sc_route_group: [route] groups, folded into their tables */
} scenario;

/* Loads, overrides, expands and checks.  `overrides` is a NULL-terminated
 * list of "GROUP.KEY=VALUE" strings (GROUP as "KIND:NAME" or "KIND NAME",
 * or "scenario"/"vars"), may be NULL.  On failure returns NULL and one
 * GError (VPCSIM_ERROR_INVALID, or _IO / _PARSE) whose message lists every
 * problem, one per line. */
scenario *scenario_load(const char *path, const char *const *overrides, GError **error);
/* The same, except that an override naming a group the file does not have
 * (after expansion) is left out rather than an error: its text, as given,
 * is added to `absent` (a GPtrArray of char *, g_free), so a caller
 * applying one override to several scenarios can say where it did not
 * apply. */
scenario *scenario_load_lenient(const char *path, const char *const *overrides, GPtrArray *absent,
                                GError **error);
void scenario_free(scenario *sc);

/* sc's profile, made its own first if other scenarios share it (profiles
 * and price tables are parsed once per file and shared, read-only), for
 * tests that change it. */
profile *scenario_own_profile(scenario *sc);
/* An empty scenario (every array allocated, nothing in it), for code and
 * tests that build one by hand; `path` may be NULL. */
scenario *scenario_new(const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(scenario, scenario_free)

/* Checks a list of capture points: "all", "none", or comma-separated node
 * names with shell-style globs (client-*, nat-a).  FALSE with an error
 * (VPCSIM_ERROR_INVALID) that quotes the list and says what was expected.
 * Says nothing about which nodes exist: the loader checks that for the
 * [scenario] key, where every name must match a node of the scenario. */
gboolean scenario_capture_check(const char *spec, GError **error);

/* The names of the nodes world_new() makes of a scenario, each a possible
 * capture point: instances, VPC routers ("<vpc>-router"), NAT and internet
 * gateways, peerings, transit gateways, load balancers, interface and
 * gateway endpoints, services with their fronts ("<service>-endpoint"),
 * and "region" (the public network) when there is an internet gateway or a
 * service.  Free with g_ptr_array_unref(). */
GPtrArray *scenario_node_names(const scenario *sc);

/* Index of a named element, or -1. */
int scenario_find_instance(const scenario *sc, const char *name);

/* The [workload] key that set a workload's load: "rate", "total_rate",
 * "volume" or "users" (for messages that name what to change). */
const char *scenario_load_key(const sc_workload *w);

/* The route table a subnet uses: its own, or its VPC's main table. */
int scenario_subnet_route_table(const scenario *sc, int subnet);

#define SC_AT(arr, type, i) (&g_array_index((arr), type, (i)))

#endif
