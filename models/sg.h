/* \summary: security groups: stateful allow rules by protocol, port range and CIDR or group */
#ifndef VPCSIM_SG_H
#define VPCSIM_SG_H

#include "pkt.h"
#include "scenario.h"

/*
 * Security groups are evaluated at an ENI: egress rules when the ENI sends,
 * ingress rules when it receives.  They are stateful: once a packet of a
 * flow is allowed in one direction, the flow's packets in both directions
 * are allowed without looking at rules again (connection tracking, keyed by
 * protocol, addresses and ports).  Rules only allow; what no rule allows is
 * denied, and the deny names the ENI's groups.  A rule may name another
 * group: it then matches the addresses of every ENI in that group.
 *
 * Simplification: tracked flows are never removed during a run (AWS expires
 * idle TCP entries after 5 days and UDP after 30 s to 3 min), so memory grows
 * with the number of distinct flows, not packets.
 */
typedef struct sg_world sg_world;
typedef struct sg_eni sg_eni;

/* Indexes which addresses carry which groups, for rules naming groups.
 * Further ENIs (load balancer nodes, endpoint ENIs) join with
 * sg_world_add_member(). */
sg_world *sg_world_new(const scenario *sc);
void sg_world_free(sg_world *w);
void sg_world_add_member(sg_world *w, int sg_index, uint32_t ip);

/* The evaluator of one ENI with the given groups (int indices; NULL or
 * empty = no group, everything denied). */
sg_eni *sg_eni_new(sg_world *w, const GArray *sgs);
void sg_eni_free(sg_eni *e);

/* TRUE if the packet may leave / enter; on FALSE *denied_by names the
 * groups ("sg-a, sg-b" or "no security group").  Allowing records the flow. */
gboolean sg_allow_out(sg_eni *e, const pkt *p, const char **denied_by);
gboolean sg_allow_in(sg_eni *e, const pkt *p, const char **denied_by);

/* The rule that allowed the last packet ("tcp 80 from 10.0.0.0/16 in
 * sg-web", or "established flow"), for traces. */
const char *sg_last_rule(sg_eni *e);

#endif
