/* \summary: the construct kinds: one table of what each [KIND NAME] group is, how it loads, what it owns */
#ifndef VPCSIM_KINDS_H
#define VPCSIM_KINDS_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "engine.h"
#include "loader.h"

/*
 * Every kind of group a scenario may hold is described once, by an sc_kind
 * in the file of the construct it configures (models/vpc.c holds [vpc],
 * [subnet], [route_table] and [route]; models/natgw.c holds [nat_gateway];
 * ...), and listed in sc_kinds[] (models/kinds.c), in the spirit of
 * tcpdump's table of printers.  A kind says:
 *
 *   - the group word and its keys, each with whether it is required and
 *     what it expects (the loader checks unknown and missing keys, counts,
 *     ${vars} and references by name for every kind alike: sim/loader.h);
 *   - the size of its element struct (the first member is `char *name`),
 *     which the scenario keeps in sc->of[id], in file order;
 *   - its loading steps: functions that build the elements from the groups
 *     and check them, each with an order number, because steps depend on
 *     other kinds' (a subnet names its VPC's route table; routes name any
 *     target).  The loader runs every kind's steps by order number:
 *
 *        100-299  elements that others refer to (VPCs, gateways, instances)
 *        300-399  routes, once every target exists
 *        400-599  rules, load balancers, target groups, endpoints
 *        600      addresses (models/scenario.c), in file order across kinds
 *        700-799  checks that need addresses or routes
 *        800-899  workloads
 *        900-999  capture points, price table and profile (models/scenario.c)
 *        1000-    what needs the profile or the prices
 *
 *   - how it takes addresses (explicit ones in pass 0, automatic ones in
 *     pass 1, in the file order of every kind's groups);
 *   - what an element owns besides its name (freed with the scenario);
 *   - the names of the nodes it makes, which are capture points.
 *
 * Adding a construct: see README's "Adding a construct".
 */

/* Kind ids: indices into sc_kinds[] and scenario.of[]. */
enum {
	GK_VPC,
	GK_SUBNET,
	GK_ROUTE_TABLE,
	GK_SG,
	GK_INSTANCE,
	GK_PEERING,
	GK_TGW,
	GK_TGW_ATTACHMENT,
	GK_TGW_ROUTE_TABLE,
	GK_NATGW,
	GK_IGW,
	GK_SERVICE,
	GK_GW_ENDPOINT,
	GK_LB,
	GK_TG,
	GK_EP_SERVICE,
	GK_IFACE_EP,
	GK_WORKLOAD,
	GK_ROUTE,
	GK_NACL,
	GK_SERVICE_NETWORK,
	GK_LATTICE_TG,
	GK_LATTICE_SERVICE,
	GK_RESOURCE_GATEWAY,
	GK_RESOURCE_CONFIG,
	GK_RESOURCE_ENDPOINT,
	GK_N
};

/* Name spaces: kinds whose names must differ because something names one
 * of them without saying its kind (models/kinds.c). */
enum {
	SC_SPACE_ROUTE_TARGET,     /* a route's target */
	SC_SPACE_WORKLOAD_TARGET,  /* a workload's target */
	SC_SPACE_ENDPOINT_SERVICE, /* an interface endpoint's service */
	SC_SPACE_N
};

#define NAME_OF(kind) "the name of a [" kind "]"

struct scenario;
typedef struct sc_loader sc_loader;
typedef struct world world;

/* The loading context every step gets. */
struct sc_loader {
	ld_loader *ld;
	struct scenario *sc;
	int *lb_type;             /* per load balancer: its sc_lb_type, -1 when bad (reported) */
	GHashTable **used_ips;    /* per subnet: address -> label of its holder */
	uint32_t *free_from;      /* per subnet: no address below this is free */
	uint32_t next_public;
	GArray *public_clash;     /* VPC CIDRs and service prefixes, disjoint, sorted */
	guint clash_next;         /* the first of them that may lie at or after next_public */
};

typedef struct {
	int order;                /* see the bands above */
	void (*run)(sc_loader *l);
} sc_step;

/* What `vpcsim compare` says an option allows or forbids, from the kinds
 * its request path crosses (strings the caller frees). */
typedef struct {
	char *transitive;  /* transitive routing */
	char *growth;      /* what connecting n VPCs takes */
	char *quota;       /* the quota that bounds it */
} sc_props;

struct profile;
struct sc_config;
struct sc_config_ctx;

/* An address through which an element fronts a service elsewhere for
 * the clients of a VPC (an endpoint ENI, a Lattice service's link-local
 * front address): what `vpcsim reach` scans besides the other VPCs. */
typedef struct {
	const char *name;         /* the element's */
	uint32_t ip;
} sc_front;

/* What generic code (workloads, servers, DNS, reports, compare, reach,
 * trace) asks of a kind that a workload may name as its target, besides
 * the kinds models/workload.c knows by name.  Strings are freed by the
 * caller. */
typedef struct {
	const char *what;         /* "a resource endpoint, which carries TCP only": messages */
	/* Whether port `pt` is one it takes (0: only the default wanted);
	 * sets *def to its default port, and on FALSE *problem to what is
	 * wrong, from "is not ..." to what was expected (the message quotes
	 * the value before it). */
	gboolean (*port_ok)(const struct scenario *sc, int i, uint16_t pt, uint16_t *def,
	                    char **problem);
	/* The addresses a client in AZ `client_az` (an az_index) may connect
	 * to, into `ips`; with by_dns, the name it resolves is returned (NULL
	 * when it connects to an address). */
	char *(*addresses)(const struct scenario *sc, int i, int client_az, gboolean by_dns, GArray *ips);
	/* The load balancer that serves behind it for requests on port `pt`, and
	 * the port it takes them on; -1 when none. */
	int (*lb)(const struct scenario *sc, int i, uint16_t pt, uint16_t *lb_port);
	/* The VPC of the service behind it (-1 when unknown). */
	int (*service_vpc)(const struct scenario *sc, int i);
} sc_target;

/* A build step: makes the nodes of a kind's elements and joins them to the
 * network (models/world.h lists the order numbers). */
typedef struct {
	int order;
	void (*run)(world *w);
} sc_build;

typedef struct {
	ld_kind group;            /* [WORD NAME] and its keys; first, so that &kind->group
	                             stands for the kind in the loader's schema */
	size_t size;              /* the element struct; its first member is `char *name` */
	const sc_step *steps;     /* ends with { 0, NULL } */
	/* Addresses of element i (group g): pass 0 reserves explicit ones, pass
	 * 1 assigns the rest.  NULL for kinds without addresses. */
	void (*addresses)(sc_loader *l, const ld_group *g, int i, int pass);
	/* Frees what an element owns besides its name; NULL when nothing. */
	void (*clear)(void *elem);
	/* Node name suffixes, each giving one node per element ("" = the
	 * element's own name, "-router"); NULL when it makes no node.  Listed
	 * by node_rank, then suffix, then element (the order world_new() makes
	 * them in). */
	const char *const *nodes;
	int node_rank;
	/* Build steps, ending with { 0, NULL }; NULL when it makes no node. */
	const sc_build *build;
	/* Its elements join the region's public network (world_region). */
	gboolean public_network;
	/* At the end of a run, before the report: capacity units and other
	 * charges computed from what the run did.  NULL when none. */
	void (*finish)(world *w, sim_time billed);
	/* What compare derives.  node_kind is its nodes' kind in reports
	 * (node_ops.kind); of the kinds whose nodes a request path crosses, the
	 * one with the lowest props_rank gives the properties. */
	const char *node_kind;
	int props_rank;
	void (*props)(const struct profile *pf, sc_props *out);
	/* A path through its nodes crosses the Region's public network. */
	gboolean exposes_public;
	/* Adds what connecting consumer VPCs to the service takes of this
	 * kind (models/config.h): objects per consumer and once, quotas. */
	void (*config)(const struct scenario *sc, const struct sc_config_ctx *x, struct sc_config *c);
	/* Non-NULL when a workload may name its elements as its target. */
	const sc_target *target;
	/* Appends the addresses its elements front services by for clients in
	 * VPC `vpc` (sc_front); with vpc -1, every address its elements hold
	 * that the scan should probe one by one.  NULL when none. */
	void (*fronts)(const struct scenario *sc, int vpc, GArray *out);
} sc_kind;

extern const sc_kind *const sc_kinds[GK_N];

/* The name of element i of kind k (models/kinds.c). */
const char *sc_kind_element_name(const struct scenario *sc, int k, int i);
extern const ld_space sc_spaces[SC_SPACE_N];

extern const sc_kind sc_kind_vpc, sc_kind_subnet, sc_kind_route_table, sc_kind_route,
	sc_kind_security_group, sc_kind_instance, sc_kind_peering, sc_kind_transit_gateway,
	sc_kind_tgw_attachment, sc_kind_tgw_route_table, sc_kind_nat_gateway,
	sc_kind_internet_gateway, sc_kind_service, sc_kind_gateway_endpoint, sc_kind_load_balancer,
	sc_kind_target_group, sc_kind_endpoint_service, sc_kind_interface_endpoint, sc_kind_workload,
	sc_kind_network_acl, sc_kind_service_network, sc_kind_lattice_tg, sc_kind_lattice_service,
	sc_kind_resource_gateway, sc_kind_resource_config, sc_kind_resource_endpoint;

#endif
