/* \summary: the Route 53 Resolver of a VPC (base + 2, UDP/53), DNS names of load balancers and endpoints, a caching stub */
#ifndef VPCSIM_DNS_H
#define VPCSIM_DNS_H

#include "fabric.h"

/*
 * Every VPC has the Amazon-provided DNS server, the Route 53 Resolver, at
 * the VPC's base address plus two (10.0.0.2 in 10.0.0.0/16).  Clients send
 * it real DNS queries over UDP port 53 and it answers with A records: the
 * wire format of RFC 1035 (header, question, answers with a compression
 * pointer to the question's name, TTL), so Wireshark dissects both.
 *
 * What it knows (dns_resolver_add): a load balancer's DNS name resolves to
 * its node in every enabled AZ (public addresses for an internet-facing
 * one), an interface endpoint's regional name to its ENI in each of its
 * AZs and each zonal name to the one ENI of that AZ; a service's private
 * DNS name resolves to the ENIs of the endpoint that enables private DNS,
 * and only inside that endpoint's VPC (a private hosted zone AWS manages).
 * Answers come in a random order per query (Route 53 returns the values of
 * a record in random order).  The resolver answers after the profile's
 * dns.resolver delay; it is served on the instance's own host (the Nitro
 * card), so it sits in no AZ and its traffic never crosses one and is never
 * billed.  Security groups do not filter traffic to and from it, as AWS
 * documents for the Amazon DNS server.  Its per-ENI packet limit (1024/s)
 * is not modelled.
 */

#define DNS_PORT 53
#define DNS_MAX_ANSWERS 16
#define DNS_NAME_MAX 255

/* ---- wire format ---- */

typedef struct {
	uint16_t id;
	gboolean response;
	uint8_t rcode;              /* 0 NOERROR, 3 NXDOMAIN */
	char name[DNS_NAME_MAX + 1];/* the question, without the final dot */
	uint16_t qtype, qclass;
	guint n;                    /* A records in the answer */
	uint32_t ips[DNS_MAX_ANSWERS];
	uint32_t ttl;               /* of the first answer, seconds */
} dns_message;

#define DNS_TYPE_A 1
#define DNS_CLASS_IN 1
#define DNS_RCODE_NXDOMAIN 3

/* A standard query for the A records of `name` with recursion desired. */
GBytes *dns_encode_query(uint16_t id, const char *name);
/* The answer to `q`: its question echoed, then one A record per address
 * (name as a pointer to the question's), or no answer and `rcode`. */
GBytes *dns_encode_answer(const dns_message *q, uint8_t rcode, const uint32_t *ips, guint n,
                          uint32_t ttl);
/* Parses a query or an answer; FALSE if it is not a well-formed message
 * with one question (answers past DNS_MAX_ANSWERS are ignored). */
gboolean dns_decode(const uint8_t *b, size_t len, dns_message *m);

/* ---- names ---- */

/* The DNS name AWS gives a load balancer, in the form AWS uses:
 * internal-NAME-ID.REGION.elb.amazonaws.com for an internal ALB,
 * NAME-ID.REGION.elb.amazonaws.com for an internet-facing one,
 * NAME-ID.elb.REGION.amazonaws.com for an NLB; ID derived from the name. */
char *dns_lb_name(const scenario *sc, int lb);
/* An interface endpoint's regional name (k < 0) or the zonal name of its
 * k-th subnet's AZ:
 * vpce-ID-SUFFIX[-AZ].vpce-svc-SVCID.REGION.vpce.amazonaws.com (an AWS
 * service's: ...SUFFIX[-AZ].KIND.REGION.vpce.amazonaws.com).  AWS puts the
 * AZ's name (us-east-1a) in a zonal name; vpcsim has AZ IDs and uses them. */
char *dns_endpoint_name(const scenario *sc, int ep, int k);
/* The private DNS name an endpoint answers for in its VPC (its endpoint
 * service's private_dns_name, or KIND.REGION.amazonaws.com for an AWS
 * service), or NULL when the endpoint does not enable private DNS. */
char *dns_private_name(const scenario *sc, int ep);

/* ---- the resolver ---- */

typedef struct dns_resolver dns_resolver;

/* The resolver's address in a VPC: its base address plus two. */
uint32_t dns_resolver_address(const scenario *sc, int vpc);
/* A node "<vpc>-resolver" with one port (to link to the VPC router). */
dns_resolver *dns_resolver_new(fabric *f, int vpc);
node *dns_resolver_node(dns_resolver *r);
uint32_t dns_resolver_ip(const dns_resolver *r);
/* Adds (or replaces) the A records of `name` (case-insensitive). */
void dns_resolver_add(dns_resolver *r, const char *name, const uint32_t *ips, guint n, sim_time ttl);
/* Fills the records of every load balancer, interface endpoint and private
 * DNS name `vpc` can resolve, with the profile's TTLs.  The names every VPC
 * resolves are one table shared by all resolvers: `*shared` starts NULL,
 * is built by the first call and referenced by the others (the caller
 * unrefs it after the last). */
void dns_resolver_add_scenario(dns_resolver *r, GHashTable **shared);
/* Records this resolver holds itself (not the shared names). */
guint dns_resolver_n_own_records(const dns_resolver *r);
typedef struct {
	uint64_t queries, answered, nxdomain, malformed;
} dns_resolver_stats;
const dns_resolver_stats *dns_resolver_get_stats(const dns_resolver *r);

/* ---- the client's stub resolver ---- */

/*
 * A caching stub resolver on a host, like systemd-resolved on Amazon Linux
 * 2023: a name is asked once and its answer kept for the answer's TTL
 * (one query per TTL per host and name).  A query unanswered after
 * `timeout` is sent again, `attempts` times in all (glibc's resolv.conf
 * defaults: 5 s, 2).  Addresses are picked per connection, uniformly at
 * random among the cached answers, from the host's own random stream
 * ("<host>/dns"): getaddrinfo() returns the addresses in the order the
 * resolver gave, the client connects to the first, and Route 53 gives a
 * random order, so each address is equally likely.
 */
typedef struct dns_stub dns_stub;
typedef void (*dns_send_fn)(void *owner, pkt *p);
/* ok FALSE: no answer after every attempt, or the name does not exist. */
typedef void (*dns_done_fn)(gboolean ok, void *ud);

typedef struct {
	sim_time timeout;
	guint attempts;
} dns_stub_config;

dns_stub *dns_stub_new(net *nt, const char *host_name, uint32_t local_ip, uint32_t resolver_ip,
                       const dns_stub_config *cfg, dns_send_fn send, void *owner);
void dns_stub_free(dns_stub *s);
/* TRUE when `name` has fresh answers (pick now, `done` is not called);
 * else a query is out (sent now unless one is already) and `done` is
 * called once when it is answered or given up. */
gboolean dns_stub_resolve(dns_stub *s, const char *name, dns_done_fn done, void *ud);
/* One of the cached addresses of `name`, uniformly at random; 0 if none. */
uint32_t dns_stub_pick(dns_stub *s, const char *name);
/* Consumes p (TRUE) if it is a DNS answer from the resolver to this stub. */
gboolean dns_stub_input(dns_stub *s, pkt *p);
typedef struct {
	uint64_t queries, answers, retries, failures, picks;
} dns_stub_stats;
const dns_stub_stats *dns_stub_get_stats(const dns_stub *s);

#endif
