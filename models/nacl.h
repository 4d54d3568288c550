/* \summary: network ACLs: stateless numbered allow/deny rules at subnet boundaries; the [network_acl] group */
#ifndef VPCSIM_NACL_H
#define VPCSIM_NACL_H

#include "pkt.h"
#include "scenario.h"

/*
 * A network ACL holds numbered inbound and outbound rules and applies to
 * the subnets associated with it; a subnet with none uses its VPC's default
 * network ACL, which allows everything.  Rules are evaluated by number,
 * lowest first, and the first that matches decides; a packet no rule
 * matches is denied (AWS's "*" rule).  Stateless: an answer is checked
 * like any packet, so allowing a request in does not let its response out
 * (README, "Network ACLs").  The VPC router checks a packet leaving an
 * ENI's or NAT gateway's subnet against that subnet's outbound rules and a
 * packet entering one against its inbound rules; traffic within a subnet
 * is not checked.
 */
typedef struct {
	guint number;          /* 1 to 32766 */
	gboolean allow;
	sc_proto proto;
	uint16_t port_lo, port_hi; /* the destination port, TCP and UDP only */
	sc_cidr peer;          /* source (inbound) or destination (outbound) */
	char *text;            /* as written */
} sc_nacl_rule;

typedef struct {
	char *name;
	int vpc;
	GArray *subnets;       /* int */
	GArray *ingress;       /* sc_nacl_rule, by number */
	GArray *egress;
} sc_nacl;

/* The network ACL of a subnet, or NULL for its VPC's default one. */
const sc_nacl *nacl_of_subnet(const scenario *sc, int subnet);

/* Does `a` let p leave (egress) or enter its subnet?  `*rule` gets the
 * deciding rule, NULL for the final deny. */
gboolean nacl_allows(const sc_nacl *a, gboolean egress, const pkt *p, const sc_nacl_rule **rule);

#endif
