/* \summary: Amazon VPC Lattice: a service network, HTTP services in front of ALBs, link-local addresses */
#ifndef VPCSIM_LATTICE_H
#define VPCSIM_LATTICE_H

#include "fabric.h"
#include "sg.h"

/*
 * One node per service network (docs/lattice-resource-endpoints.md has the
 * data path and the sources).  Its ports:
 *
 *  - one per VPC association (a consumer VPC), linked to that VPC's router
 *    as a port that takes the whole managed prefix 169.254.171.0/24: a
 *    client resolves a service's name to the service's link-local front
 *    address (169.254.171.32 + service index) and the VPC router hands the
 *    packet here, without any route table entry;
 *  - one per VPC holding targets, linked the same way, so that the
 *    targets' answers to 169.254.171.x come back.
 *
 * What it does:
 *  - Association security groups are checked inbound on the client's
 *    packets (stateful; replies pass as established).
 *  - Each association has its own TCP stack, so clients of two VPCs with
 *    the same CIDR never share a connection tuple.  Lattice terminates the
 *    client's connection (MSS from the profile's mtu.vpc_lattice) and,
 *    per complete request, after the profile's processing.vpc_lattice
 *    delay, forwards it on its own kept-alive connection from
 *    169.254.171.128 + the AZ index of the client (Lattice answers in the
 *    client's AZ) to the ALB node in that AZ (any node when none is), with
 *    X-Forwarded-For naming the client; the ALB then appends Lattice's
 *    address.  The client gets the ALB's status and body length; a failed
 *    back-end request a 502 (504 on a timeout).
 *  - Delays: the hop from a VPC router into Lattice takes the profile's
 *    propagation from where the packet is to Lattice's node in the
 *    connection's AZ (the router puts Lattice in no AZ); the hop out is
 *    the router's, as for any port.
 *  - Charges (price table [vpc_lattice]): per service-hour; per GB of HTTP
 *    requests received and responses sent (heads and bodies); requests per
 *    hour beyond the free ones, as a capacity line; no cross-AZ data
 *    transfer on either leg (the fabric party is FABRIC_PARTY_LATTICE).
 *
 * Simplifications: HTTP listeners only (no HTTPS, TLS passthrough or
 * HTTP/2), one listener and the default action per service, no auth
 * policies, no health checks, no IPv6; Lattice's own headers
 * (x-amzn-source-vpc, x-amzn-lattice-*) are not added.
 */

#define LATTICE_PREFIX 0xA9FEAB00u   /* 169.254.171.0 */
#define LATTICE_PREFIX_MASK 0xFFFFFF00u
#define LATTICE_FRONT_BASE 32u       /* 169.254.171.32 + service index */
#define LATTICE_SOURCE_BASE 128u     /* 169.254.171.128 + AZ index */

/* ---- in scenario files (README, "VPC Lattice") ---- */

/* [service_network NAME]: the VPCs associated with it (consumers), and
 * the associations' security groups, each of one of those VPCs. */
typedef struct {
	char *name;
	GArray *vpcs;     /* int */
	GArray *sgs;      /* int */
} sc_service_network;

/* [lattice_target_group NAME] of type alb: one ALB and its listener port. */
typedef struct {
	char *name;
	int lb;           /* -1 when bad (reported) */
	uint16_t port;
} sc_lattice_tg;

/* [lattice_service NAME]: its service networks and one HTTP listener whose
 * default action forwards to a Lattice target group. */
typedef struct {
	char *name;
	GArray *networks; /* int: service networks */
	uint16_t port;
	int tg;           /* -1 when bad (reported) */
	uint32_t ip;      /* 169.254.171.32 + its index */
} sc_lattice_service;

struct scenario;
/* The service's DNS name as AWS forms it,
 * NAME-ID.HASH.vpc-lattice-svcs.REGION.on.aws (IDs derived from the name). */
char *lattice_dns_name(const struct scenario *sc, int svc);
/* The VPC of the ALB behind service i (-1 when unknown). */
int lattice_service_target_vpc(const struct scenario *sc, int svc);
/* The ALB behind service i and its port (-1 when unknown). */
int lattice_service_alb(const struct scenario *sc, int svc, uint16_t *alb_port);

typedef struct lattice lattice;

/* A service network named `name` (its cost lines are per service). */
lattice *lattice_new(fabric *f, const char *name, sg_world *sgw);
node *lattice_node(lattice *l);
/* The service network behind a node, or NULL if it is not one. */
lattice *lattice_of(node *n);

/* An association with a consumer VPC: the port to link to its router, and
 * its security groups (scenario indices; NULL or empty: none checked). */
port *lattice_add_association(lattice *l, const char *vpc_name, const GArray *sgs);

/* A VPC holding targets: the port to link to its router; returns the
 * index to give lattice_add_service(). */
guint lattice_add_target_vpc(lattice *l, port **out);

/* A service with one HTTP listener on `lport` forwarding to the ALB whose
 * nodes are ips[i] (AZ azs[i], 1 + AZ index) on alb_port, in the target
 * VPC `target_vpc`.  Returns its front address. */
uint32_t lattice_add_service(lattice *l, const char *name, uint16_t lport, const uint32_t *ips,
                             const uint8_t *azs, guint n, uint16_t alb_port, guint target_vpc);
/* The same at a given front address (169.254.171.32 + the service's index
 * in the scenario, when it is in several networks). */
uint32_t lattice_add_service_at(lattice *l, const char *name, uint32_t front, uint16_t lport,
                                const uint32_t *ips, const uint8_t *azs, guint n, uint16_t alb_port,
                                guint target_vpc);

/* The front address of service i (0 if none). */
uint32_t lattice_service_ip(const lattice *l, guint i);

typedef struct {
	uint64_t requests;          /* complete client requests */
	uint64_t forwarded;
	uint64_t backend_failures;  /* answered 502/504 */
	uint64_t request_bytes;     /* HTTP heads and bodies received from clients */
	uint64_t response_bytes;    /* ... and sent to them */
	uint64_t client_connections;
	uint64_t backend_connections;
	double billed_requests_per_hour; /* after the free allowance */
} lattice_stats;

/* Totals over every service of the network. */
const lattice_stats *lattice_get_stats(lattice *l);
/* Requests of service i. */
uint64_t lattice_service_requests(lattice *l, guint i);

/* After a run of `run_duration`: books the processed bytes and the request
 * line.  Call once per run. */
void lattice_finish(lattice *l, sim_time run_duration);

#endif
