/* \summary: what the kinds' loading steps share: addresses, subnet and group checks, routes */
#ifndef VPCSIM_KINDLIB_H
#define VPCSIM_KINDLIB_H

#include "kinds.h"
#include "scenario.h"

/* In models/scenario.c unless said. */

/* Frees an element member that is a GArray (NULL allowed). */
void sc_unref(GArray *a);
gboolean sc_int_array_has(const GArray *a, int v);
const char *sc_vpc_name(sc_loader *l, int v);
int sc_subnet_vpc(sc_loader *l, int subnet);
/* Subnets for load balancer nodes or endpoint ENIs: all of one VPC, one per
 * AZ.  `vpc` is the VPC they must be in, or -1 to take the first subnet's.
 * Returns the VPC (-1 if unknown). */
int sc_check_subnet_list(sc_loader *l, const ld_group *g, const char *key, const GArray *subnets,
                         int vpc, const char *whose, const char *enis);
/* The security groups of a load balancer or endpoint, which must be of its
 * VPC. */
void sc_check_sg_list(sc_loader *l, const ld_group *g, const GArray *sgs, int vpc,
                      const char *whose);
/* Does the subnet's route table send 0.0.0.0/0 to an internet gateway?
 * `*table` gets the table (-1 when unknown, and then the answer is TRUE so
 * that nothing is reported twice). */
gboolean sc_subnet_is_public(sc_loader *l, int subnet, int *table);
gboolean sc_parse_port(const char *text, uint16_t *out);
/* models/sg.c: "80", "1024-65535" or "any" (0-65535). */
gboolean sc_parse_ports(const char *text, guint64 *lo, guint64 *hi);
/* Addresses: an explicit one checked and reserved (pass 0), the next free
 * one of the subnet, and the next of the public pool. */
void sc_reserve_ip(sc_loader *l, const ld_group *g, int subnet, uint32_t *ip);
void sc_assign_ip(sc_loader *l, const ld_group *g, int subnet, uint32_t *ip);
void sc_take_free_ip(sc_loader *l, const ld_group *g, int subnet, uint32_t *ip);
uint32_t sc_next_public(sc_loader *l, const ld_group *g);

/* models/vpc.c: routes */
gboolean sc_add_route(sc_loader *l, const ld_group *g, const char *key, const char *text,
                      GArray *routes, sc_route r);
gboolean sc_split_route(sc_loader *l, const ld_group *g, const char *key, const char *item,
                        const char *example, sc_cidr *dst, char **target);
/* models/peering.c, models/tgw.c */
gboolean sc_peered(sc_loader *l, int a, int b);
gboolean sc_share_tgw(sc_loader *l, int a, int b);
/* models/natgw.c: the properties of a path to public addresses */
void sc_public_props(const struct profile *pf, sc_props *out);
/* models/lb.c */
char *sc_lb_azs(sc_loader *l, const sc_lb *lb);
gboolean sc_lb_has_port(const sc_lb *lb, uint16_t port);
char *sc_listener_ports(const sc_lb *lb);

#endif
