/* \summary: the configuration to keep: objects and entries per consumer VPC and once, and the quota met first */
#ifndef VPCSIM_CONFIG_H
#define VPCSIM_CONFIG_H

#include <glib.h>

#include "scenario.h"

/*
 * Configuration to keep: the AWS objects and entries a person creates and
 * keeps to connect N consumer VPCs to the service, derived from the
 * scenario's constructs.  The consumer VPC is the first workload's client
 * VPC, the service VPC its target's; objects in the consumer VPC (route
 * entries, peerings, attachments, endpoints, security group rules, NAT
 * and internet gateways) and entries on the service side that name the
 * consumer (a route or rule for its CIDR or its NAT gateway's address, an
 * endpoint-service permission) are per consumer; the rest is once.
 */
typedef enum {
	CFG_ROUTES,          /* VPC route table entries, both sides */
	CFG_PEERINGS,        /* peering connections */
	CFG_TGW,             /* transit gateways, attachments */
	CFG_TGW_ROUTES,      /* TGW route table associations, propagations, static routes */
	CFG_ENDPOINTS,       /* interface and gateway endpoints, endpoint services (and their NLB) */
	CFG_PERMISSIONS,     /* endpoint-service permissions (allowed principals) */
	CFG_SG_RULES,        /* security group rules */
	CFG_GATEWAYS,        /* NAT gateways, Elastic IPs, internet gateways */
	CFG_DNS,             /* DNS records */
	CFG_LATTICE,         /* VPC Lattice service networks, services, target groups, VPC associations */
	CFG__N
} sc_cfg_kind;

typedef struct sc_config {
	guint fixed[CFG__N]; /* once, whatever N */
	guint per[CFG__N];   /* per consumer VPC */
	guint consumers;     /* consumer VPCs in the scenario */
	/* Quotas as N grows: the first met, and the N where it is. */
	char *quota;         /* the quota met first, in words (or why none is, with quota_n 0) */
	guint64 quota_n;     /* 0: none met */
	/* Peering as a full mesh of N+1 VPCs (each reaches every other). */
	gboolean peering;
	GArray *quotas;      /* sc_quota, while counting */
} sc_config;

const char *sc_cfg_name(sc_cfg_kind k);
void sc_config_count(const scenario *sc, sc_config *c);
void sc_config_clear(sc_config *c);
/* Objects and entries for n consumer VPCs. */
guint64 sc_config_total(const sc_config *c, guint64 n);
guint64 sc_config_kind(const sc_config *c, sc_cfg_kind k, guint64 n);

/* ---- for the kinds' config hooks (sc_kind.config) ---- */

/* Who the counting is for: the consumer VPC (the first workload's client
 * VPC), the service VPC (its target's, -1 for a public service) and the
 * load balancer where the service is entered (-1 when none): its security
 * groups' rules are the service side's. */
typedef struct sc_config_ctx {
	int consumer;
	int service;
	int entry_lb;
} sc_config_ctx;

/* A quota met when fixed + n x per exceeds `limit`: the smallest such n is
 * a candidate; sc_config_count() keeps the smallest over all candidates,
 * the lowest `rank` on a tie. */
void sc_config_quota(sc_config *c, int rank, guint64 fixed, guint64 per, guint64 limit,
                     const char *what);
/* The VPC other than `service` whose range (or part of it) or NAT gateway
 * address a CIDR names, or -1: an entry for one consumer.  A wider CIDR
 * (10.0.0.0/8 for every consumer) serves them all and names none. */
int sc_config_names_vpc(const scenario *sc, int service, sc_cidr c);

#endif
