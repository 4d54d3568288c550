/* \summary: latency profiles: propagation, processing, bandwidth, MTU and limits per construct */
#ifndef VPCSIM_PROFILE_H
#define VPCSIM_PROFILE_H

#include <stdint.h>
#include <glib.h>

#include "dist.h"
#include "engine.h"

/*
 * A latency profile (scenarios/profiles/NAME.ini, a GLib key file) says how
 * long things take and how much they carry, separately from the topology,
 * so one scenario can be timed several ways.  Every value has a sibling
 * `KEY.source` naming its public source and evidence kind, as in the price
 * table; most latencies are [UNSOURCED ASSUMPTION]s because AWS publishes
 * none, and reports list those.
 *
 * All delays are distributions (dist.h syntax) of one-way time per
 * traversal; bandwidths are bit rates; MTUs are IP MTUs in bytes.
 */
typedef struct profile {
	char *path;

	struct {
		dist same_az;          /* between two points in one AZ */
		dist cross_az;         /* between two AZs of the region */
		dist regional_public;  /* across the region's public network (IGW <-> IGW / service) */
		dist regional_service; /* from a gateway or interface endpoint to the regional service */
	} propagation;

	struct {
		dist vpc_router;       /* the implicit VPC router (Nitro) per packet */
		dist peering;
		dist tgw;
		dist natgw;
		dist igw;
		dist gw_endpoint;
		dist interface_endpoint;
		dist nlb;
		dist alb;              /* per request through the ALB (on the request's first segment) */
		dist vpc_lattice;      /* per request through a VPC Lattice service */
	} processing;

	struct {
		uint64_t instance;           /* per ENI, each direction */
		uint64_t natgw;
		uint64_t tgw_attachment;     /* per attachment per AZ, each direction */
		uint64_t interface_endpoint; /* per endpoint per AZ */
		uint64_t igw;                /* 0 = no limit */
		uint64_t gw_endpoint;        /* 0 = no limit */
	} bandwidth;

	struct {
		uint32_t vpc;                /* within a VPC (jumbo frames) */
		uint32_t igw;                /* through an internet gateway */
		uint32_t peering;            /* intra-region peering */
		uint32_t tgw;
		uint32_t interface_endpoint;
		uint32_t vpc_lattice;        /* between clients and VPC Lattice */
	} mtu;

	/* How much each construct decrements the IP TTL per traversal (0: it
	 * forwards without touching it). */
	struct {
		uint32_t vpc_router;
		uint32_t peering;
		uint32_t tgw;
		uint32_t natgw;
		uint32_t igw;
		uint32_t interface_endpoint;
		uint32_t regional_public;
	} ttl;

	struct {
		uint32_t natgw_connections_per_destination;
		sim_time natgw_idle_timeout;
		sim_time nlb_idle_timeout;
		sim_time nlb_tls_idle_timeout; /* TLS listeners: fixed, idle_timeout does not apply */
		sim_time alb_idle_timeout;
		uint64_t queue_bytes;        /* every link's queue limit */
		/* Quotas that bound how far each option scales (reports name the
		 * first one an option meets). */
		uint32_t peering_connections_per_vpc;
		uint32_t tgw_attachments;
		uint32_t interface_endpoints_per_vpc;
		uint32_t routes_per_route_table; /* non-propagated routes per VPC route table */
		uint32_t sg_rules_per_group;     /* inbound (and, apart, outbound) rules per security group */
		uint32_t tgw_routes;             /* routes per transit gateway */
	} limits;

	struct {
		dist resolver;               /* the Route 53 Resolver's time to answer a query */
		sim_time lb_ttl;             /* TTL of a load balancer's A records */
		sim_time endpoint_ttl;       /* TTL of an interface endpoint's A records */
		sim_time client_timeout;     /* a client's wait before asking again */
		uint32_t client_attempts;    /* queries a client sends before giving up */
	} dns;

	struct {
		uint32_t congestion_control; /* a tcp_cc: TCP_CC_CUBIC or TCP_CC_NEWRENO */
	} tcp;

	/* Target group health checks: AWS's defaults per load balancer type
	 * (a [target_group]'s health_check_* keys override them), and the
	 * ALB's connection timeout towards targets. */
	struct {
		sim_time alb_interval, alb_timeout;
		uint32_t alb_healthy_threshold, alb_unhealthy_threshold;
		uint32_t alb_matcher_low, alb_matcher_high; /* success codes, inclusive */
		sim_time nlb_interval, nlb_timeout_tcp, nlb_timeout_http;
		uint32_t nlb_healthy_threshold, nlb_unhealthy_threshold;
		uint32_t nlb_matcher_low, nlb_matcher_high;
		sim_time alb_target_connect_timeout; /* no SYN-ACK this long: 504 */
	} health_check;
	struct {
		uint64_t certificate_bytes;  /* an HTTPS/TLS listener's (or target's) chain, DER bytes */
		uint32_t certificate_count;  /* certificates in that chain */
	} tls;

	/* private: "group.key" -> the key's .source text */
	GHashTable *sources;
	int refs; /* profile_ref(); 0 or 1: the last reference (not atomic: loading is
	             single-threaded) */
} profile;

/* Loads and checks a profile; reports every problem at once, each naming
 * file, group, key, value and what was expected. */
profile *profile_load(const char *path, GError **error);
/* The same from text already in memory; `name` stands for the file in
 * messages. */
profile *profile_load_data(const char *data, gsize len, const char *name, GError **error);
/* Another reference to p, read-only from now on (see prices_ref()). */
profile *profile_ref(profile *p);
/* Drops a reference; frees p with the last one. */
void profile_free(profile *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(profile, profile_free)

/* The `.source` text of `group`.`key` (NULL if there is none). */
const char *profile_source(const profile *p, const char *group, const char *key);

/* Keys whose source says [UNSOURCED ASSUMPTION] anywhere, as "group.key",
 * in file-schema order.  Free with g_ptr_array_unref(). */
GPtrArray *profile_assumptions(const profile *p);

/* A profile where every delay is the constant `delay` (0 allowed), for
 * tests that check latency equals the sum of delays along a path.  p must
 * not be shared (see scenario_own_profile()). */
void profile_set_all_delays(profile *p, sim_time delay);

/* A private copy of p (one reference). */
profile *profile_copy(const profile *p);

#endif
