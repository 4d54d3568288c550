/* \summary: latency profiles: a schema-driven loader for scenarios/profiles/NAME.ini */
#include "profile.h"
#include "error.h"
#include "keyfile.h"
#include "tcp.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/*
 * Like the price table, a profile is read through one table, `fields`, that
 * lists every key with its group, kind and place in `profile`; unknown and
 * missing groups, keys and sources are found by comparing the file with it
 * (keyfile.c), and every problem is reported at once.
 */

typedef enum {
	K_DELAY,     /* a distribution of time (dist.h syntax), never negative */
	K_BITRATE,   /* a positive bit rate, whole bits per second */
	K_BITRATE0,  /* the same, or "unlimited" (stored as 0) */
	K_MTU,       /* an IP MTU: whole bytes, 68 to 65535 */
	K_COUNT,     /* a positive whole number (uint32) */
	K_TIMEOUT,   /* a positive time */
	K_BYTES,     /* a positive whole number of bytes (uint64) */
	K_CC,        /* a congestion control by name: cubic or newreno (uint32 tcp_cc) */
	K_HOPS,      /* a TTL decrement: a whole number 0 to 255 (uint32) */
} field_kind;

typedef struct {
	kf_key k;
	field_kind kind;
	size_t offset;
} field;

#define F(g, k, kind, member, what) { { g, k, TRUE, what }, kind, offsetof(profile, member) }

static const field fields[] = {
	F("propagation", "same_az", K_DELAY, propagation.same_az,
	  "one-way time between two points in one AZ, a distribution such as "
	  "lognormal(median=150us, sigma=0.3)"),
	F("propagation", "cross_az", K_DELAY, propagation.cross_az,
	  "one-way time between two AZs of the Region, a distribution"),
	F("propagation", "regional_public", K_DELAY, propagation.regional_public,
	  "one-way time across the Region's public network, a distribution"),
	F("propagation", "regional_service", K_DELAY, propagation.regional_service,
	  "one-way time from a gateway or interface endpoint to the Region's service (S3), a distribution"),

	F("processing", "vpc_router", K_DELAY, processing.vpc_router,
	  "time in the implicit VPC router per packet, a distribution"),
	F("processing", "peering", K_DELAY, processing.peering,
	  "time added by a VPC peering connection per packet, a distribution"),
	F("processing", "tgw", K_DELAY, processing.tgw,
	  "time added by one transit gateway traversal, a distribution"),
	F("processing", "natgw", K_DELAY, processing.natgw,
	  "time added by one NAT gateway traversal, a distribution"),
	F("processing", "igw", K_DELAY, processing.igw,
	  "time added by one internet gateway traversal, a distribution"),
	F("processing", "gw_endpoint", K_DELAY, processing.gw_endpoint,
	  "time added by a gateway endpoint, a distribution"),
	F("processing", "interface_endpoint", K_DELAY, processing.interface_endpoint,
	  "time added by an interface endpoint ENI, a distribution"),
	F("processing", "nlb", K_DELAY, processing.nlb,
	  "time added by one NLB traversal, a distribution"),
	F("processing", "alb", K_DELAY, processing.alb,
	  "time the ALB adds to each request, a distribution"),
	F("processing", "vpc_lattice", K_DELAY, processing.vpc_lattice,
	  "time a VPC Lattice service adds to each request, a distribution"),

	F("bandwidth", "instance", K_BITRATE, bandwidth.instance,
	  "an ENI's bit rate each direction, such as 5Gbps"),
	F("bandwidth", "natgw", K_BITRATE, bandwidth.natgw, "a NAT gateway's bit rate, such as 5Gbps"),
	F("bandwidth", "tgw_attachment", K_BITRATE, bandwidth.tgw_attachment,
	  "a TGW attachment's bit rate per AZ each direction, such as 100Gbps"),
	F("bandwidth", "interface_endpoint", K_BITRATE, bandwidth.interface_endpoint,
	  "an interface endpoint's bit rate per AZ, such as 10Gbps"),
	F("bandwidth", "igw", K_BITRATE0, bandwidth.igw,
	  "an internet gateway's bit rate, or unlimited"),
	F("bandwidth", "gw_endpoint", K_BITRATE0, bandwidth.gw_endpoint,
	  "a gateway endpoint's bit rate, or unlimited"),

	F("mtu", "vpc", K_MTU, mtu.vpc, "the IP MTU within a VPC, such as 9001B"),
	F("mtu", "igw", K_MTU, mtu.igw, "the IP MTU through an internet gateway, such as 1500B"),
	F("mtu", "peering", K_MTU, mtu.peering, "the IP MTU over intra-Region peering, such as 9001B"),
	F("mtu", "tgw", K_MTU, mtu.tgw, "the IP MTU through a transit gateway, such as 8500B"),
	F("mtu", "interface_endpoint", K_MTU, mtu.interface_endpoint,
	  "the IP MTU through an interface endpoint, such as 8500B"),
	F("mtu", "vpc_lattice", K_MTU, mtu.vpc_lattice,
	  "the IP MTU between clients and VPC Lattice, such as 8500B"),

	F("ttl", "vpc_router", K_HOPS, ttl.vpc_router,
	  "what the implicit VPC router takes off the TTL, 0 to 255 such as 0"),
	F("ttl", "peering", K_HOPS, ttl.peering, "what a VPC peering connection takes off the TTL, 0 to 255"),
	F("ttl", "tgw", K_HOPS, ttl.tgw, "what a transit gateway takes off the TTL, 0 to 255 such as 1"),
	F("ttl", "natgw", K_HOPS, ttl.natgw, "what a NAT gateway takes off the TTL, 0 to 255 such as 1"),
	F("ttl", "igw", K_HOPS, ttl.igw, "what an internet gateway takes off the TTL, 0 to 255"),
	F("ttl", "interface_endpoint", K_HOPS, ttl.interface_endpoint,
	  "what an interface endpoint takes off the TTL, 0 to 255"),
	F("ttl", "regional_public", K_HOPS, ttl.regional_public,
	  "what the Region's public network takes off the TTL, 0 to 255"),

	F("limits", "natgw_connections_per_destination", K_COUNT,
	  limits.natgw_connections_per_destination,
	  "concurrent connections per NAT gateway address per destination, such as 55000"),
	F("limits", "natgw_idle_timeout", K_TIMEOUT, limits.natgw_idle_timeout,
	  "the NAT gateway idle timeout, such as 350s"),
	F("limits", "nlb_idle_timeout", K_TIMEOUT, limits.nlb_idle_timeout,
	  "the NLB TCP idle timeout, such as 350s"),
	F("limits", "nlb_tls_idle_timeout", K_TIMEOUT, limits.nlb_tls_idle_timeout,
	  "the idle timeout of an NLB's TLS listeners, such as 350s"),
	F("limits", "alb_idle_timeout", K_TIMEOUT, limits.alb_idle_timeout,
	  "the ALB connection idle timeout, such as 60s"),
	F("limits", "queue_bytes", K_BYTES, limits.queue_bytes,
	  "every link's queue limit, such as 1MiB"),
	F("limits", "peering_connections_per_vpc", K_COUNT, limits.peering_connections_per_vpc,
	  "active VPC peering connections per VPC, such as 50"),
	F("limits", "tgw_attachments", K_COUNT, limits.tgw_attachments,
	  "attachments per transit gateway, such as 5000"),
	F("limits", "interface_endpoints_per_vpc", K_COUNT, limits.interface_endpoints_per_vpc,
	  "interface (and Gateway Load Balancer) endpoints per VPC, such as 50"),
	F("limits", "routes_per_route_table", K_COUNT, limits.routes_per_route_table,
	  "non-propagated routes per VPC route table, such as 500"),
	F("limits", "sg_rules_per_group", K_COUNT, limits.sg_rules_per_group,
	  "inbound (or outbound) rules per security group, such as 60"),
	F("limits", "tgw_routes", K_COUNT, limits.tgw_routes, "routes per transit gateway, such as 10000"),

	F("dns", "resolver", K_DELAY, dns.resolver,
	  "the Route 53 Resolver's time to answer a query, a distribution"),
	F("dns", "lb_ttl", K_TIMEOUT, dns.lb_ttl,
	  "the TTL of a load balancer's DNS records, such as 60s"),
	F("dns", "endpoint_ttl", K_TIMEOUT, dns.endpoint_ttl,
	  "the TTL of an interface endpoint's DNS records, such as 60s"),
	F("dns", "client_timeout", K_TIMEOUT, dns.client_timeout,
	  "how long a client waits for an answer before asking again, such as 5s"),
	F("dns", "client_attempts", K_COUNT, dns.client_attempts,
	  "queries a client sends for a name before giving up, such as 2"),

	F("tcp", "congestion_control", K_CC, tcp.congestion_control,
	  "the congestion control of every TCP endpoint: cubic or newreno"),

	F("health_check", "alb_interval", K_TIMEOUT, health_check.alb_interval,
	  "time between an ALB node's health checks of a target, such as 30s"),
	F("health_check", "alb_timeout", K_TIMEOUT, health_check.alb_timeout,
	  "how long an ALB health check waits for an answer, such as 5s"),
	F("health_check", "alb_healthy_threshold", K_COUNT, health_check.alb_healthy_threshold,
	  "consecutive successes that make a target healthy again, such as 5"),
	F("health_check", "alb_unhealthy_threshold", K_COUNT, health_check.alb_unhealthy_threshold,
	  "consecutive failures that make a target unhealthy, such as 2"),
	F("health_check", "alb_matcher_low", K_COUNT, health_check.alb_matcher_low,
	  "the lowest HTTP status an ALB health check accepts, such as 200"),
	F("health_check", "alb_matcher_high", K_COUNT, health_check.alb_matcher_high,
	  "the highest HTTP status an ALB health check accepts, such as 200"),
	F("health_check", "nlb_interval", K_TIMEOUT, health_check.nlb_interval,
	  "time between an NLB node's health checks of a target, such as 30s"),
	F("health_check", "nlb_timeout_tcp", K_TIMEOUT, health_check.nlb_timeout_tcp,
	  "how long an NLB TCP health check waits for the handshake, such as 10s"),
	F("health_check", "nlb_timeout_http", K_TIMEOUT, health_check.nlb_timeout_http,
	  "how long an NLB HTTP health check waits for an answer, such as 6s"),
	F("health_check", "nlb_healthy_threshold", K_COUNT, health_check.nlb_healthy_threshold,
	  "consecutive successes that make an NLB target healthy again, such as 5"),
	F("health_check", "nlb_unhealthy_threshold", K_COUNT, health_check.nlb_unhealthy_threshold,
	  "consecutive failures that make an NLB target unhealthy, such as 2"),
	F("health_check", "nlb_matcher_low", K_COUNT, health_check.nlb_matcher_low,
	  "the lowest HTTP status an NLB HTTP health check accepts, such as 200"),
	F("health_check", "nlb_matcher_high", K_COUNT, health_check.nlb_matcher_high,
	  "the highest HTTP status an NLB HTTP health check accepts, such as 399"),
	F("health_check", "alb_target_connect_timeout", K_TIMEOUT,
	  health_check.alb_target_connect_timeout,
	  "how long an ALB waits for a target to accept a connection before answering 504, "
	  "such as 10s"),
	F("tls", "certificate_bytes", K_BYTES, tls.certificate_bytes,
	  "the certificate chain an HTTPS or TLS listener sends, DER bytes, such as 2600B"),
	F("tls", "certificate_count", K_COUNT, tls.certificate_count,
	  "certificates in that chain, such as 2"),
};

#undef F

static const kf_schema schema = {
	&fields[0].k, G_N_ELEMENTS(fields), sizeof fields[0],
	"every value needs a source: a URL (or '-'), an evidence kind such as [AWS docs] or "
	"[UNSOURCED ASSUMPTION], and a note",
	"https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-quotas.html [AWS docs] "
	"quota table",
};

/* The largest MTU an IPv4 packet can have, and the smallest every IPv4 host
 * must accept (RFC 791). */
#define MTU_MAX 65535
#define MTU_MIN 68

typedef struct {
	GKeyFile *kf;
	kf_problems pr;
	profile *p;
} loader;

/* Parses a quantity of `kind` that must be a positive whole number no larger
 * than `max`; on failure reports the value and what `f` expects. */
static gboolean whole_quantity(loader *ld, const field *f, const char *v, unit_kind kind,
                               double min, double max, double *out)
{
	GError *e = NULL;
	double d;
	if (!units_parse(v, kind, &d, &e)) {
		kf_problem(&ld->pr, f->k.group, f->k.key, "%s (%s)", e->message, f->k.what);
		g_error_free(e);
		return FALSE;
	}
	if (d != floor(d) || d < min || d > max) {
		/* units_format writes six significant digits; counts read better whole. */
		char *lo = kind == UNIT_NONE ? g_strdup_printf("%.0f", min) : units_format(min, kind);
		char *hi = kind == UNIT_NONE ? g_strdup_printf("%.0f", max) : units_format(max, kind);
		kf_problem(&ld->pr, f->k.group, f->k.key, "'%s' is not a whole number from %s to %s; "
		                                          "expected %s", v, lo, hi, f->k.what);
		g_free(lo);
		g_free(hi);
		return FALSE;
	}
	*out = d;
	return TRUE;
}

static void read_field(loader *ld, size_t index)
{
	const field *f = &fields[index];
	char *v = kf_schema_value(&ld->pr, ld->kf, &schema, index);
	if (!v)
		return;
	g_strstrip(v);
	char *slot = (char *)ld->p + f->offset;
	GError *e = NULL;
	double d;
	sim_time t;
	switch (f->kind) {
	case K_DELAY:
		if (!dist_parse(v, UNIT_TIME, (dist *)slot, &e)) {
			kf_problem(&ld->pr, f->k.group, f->k.key, "%s; expected %s", e->message,
			           f->k.what);
			g_error_free(e);
		} else if (dist_max((dist *)slot) > units_max(UNIT_TIME)) {
			/* Every packet draws these, and the models add a few of them to
			 * the clock: refusing a tail that can reach past a year here
			 * keeps those sums far from overflowing, and a per-packet
			 * delay of that size is no latency model anyway. */
			char *most = units_format(dist_max((dist *)slot), UNIT_TIME);
			kf_problem(&ld->pr, f->k.group, f->k.key, "'%s' can draw delays up to %s, "
			                                          "beyond 8760h (a year); expected %s "
			                                          "whose largest sample is at most 8760h",
			           v, most, f->k.what);
			g_free(most);
		}
		break;
	case K_BITRATE0:
		if (strcmp(v, "unlimited") == 0) {
			*(uint64_t *)slot = 0;
			break;
		}
		/* fall through */
	case K_BITRATE:
		/* 2^63 bps is far above any link and still exact in a double. */
		if (whole_quantity(ld, f, v, UNIT_BITRATE, 1, ldexp(1.0, 62), &d))
			*(uint64_t *)slot = (uint64_t)d;
		break;
	case K_MTU:
		if (whole_quantity(ld, f, v, UNIT_SIZE, MTU_MIN, MTU_MAX, &d))
			*(uint32_t *)slot = (uint32_t)d;
		break;
	case K_COUNT:
		if (whole_quantity(ld, f, v, UNIT_NONE, 1, UINT32_MAX, &d))
			*(uint32_t *)slot = (uint32_t)d;
		break;
	case K_HOPS:
		if (whole_quantity(ld, f, v, UNIT_NONE, 0, 255, &d))
			*(uint32_t *)slot = (uint32_t)d;
		break;
	case K_BYTES:
		if (whole_quantity(ld, f, v, UNIT_SIZE, 1, ldexp(1.0, 62), &d))
			*(uint64_t *)slot = (uint64_t)d;
		break;
	case K_CC:
		if (strcmp(v, "cubic") == 0)
			*(uint32_t *)slot = TCP_CC_CUBIC;
		else if (strcmp(v, "newreno") == 0)
			*(uint32_t *)slot = TCP_CC_NEWRENO;
		else
			kf_problem(&ld->pr, f->k.group, f->k.key, "'%s' is not a congestion control; "
			                                          "expected %s", v, f->k.what);
		break;
	case K_TIMEOUT:
		if (!units_parse_time(v, &t, &e)) {
			kf_problem(&ld->pr, f->k.group, f->k.key, "%s (%s)", e->message, f->k.what);
			g_error_free(e);
		} else if (t <= 0) {
			kf_problem(&ld->pr, f->k.group, f->k.key, "'%s' is not positive; expected %s",
			           v, f->k.what);
		} else {
			*(sim_time *)slot = t;
		}
		break;
	}
	g_free(v);
}

profile *profile_load_data(const char *data, gsize len, const char *name, GError **error)
{
	g_return_val_if_fail(data != NULL, NULL);
	g_return_val_if_fail(name != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	loader ld = { .kf = kf_load_data(data, len, name, error) };
	if (!ld.kf)
		return NULL;
	kf_problems_init(&ld.pr, name);
	kf_problems_set_text(&ld.pr, data, len);
	profile *p = ld.p = g_new0(profile, 1);
	p->path = g_strdup(name);
	p->sources = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	kf_check_groups(&ld.pr, ld.kf, &schema, p->sources);
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
		read_field(&ld, i);
	g_key_file_free(ld.kf);
	if (!kf_problems_finish(&ld.pr, error)) {
		profile_free(p);
		return NULL;
	}
	return p;
}

profile *profile_load(const char *path, GError **error)
{
	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);
	char *data = NULL;
	gsize len = 0;
	if (!kf_read_file(path, "latency profile", &data, &len, error))
		return NULL;
	profile *p = profile_load_data(data, len, path, error);
	g_free(data);
	return p;
}

profile *profile_ref(profile *p)
{
	g_return_val_if_fail(p != NULL, NULL);
	p->refs = MAX(p->refs, 1) + 1;
	return p;
}

void profile_free(profile *p)
{
	if (!p || --p->refs > 0)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
		if (fields[i].kind == K_DELAY)
			dist_clear((dist *)((char *)p + fields[i].offset));
	g_free(p->path);
	if (p->sources)
		g_hash_table_destroy(p->sources);
	g_free(p);
}

const char *profile_source(const profile *p, const char *group, const char *key)
{
	g_return_val_if_fail(p != NULL && group != NULL && key != NULL, NULL);
	return kf_source(p->sources, group, key);
}

GPtrArray *profile_assumptions(const profile *p)
{
	g_return_val_if_fail(p != NULL, NULL);
	return kf_schema_assumptions(&schema, p->sources);
}

profile *profile_copy(const profile *p)
{
	g_return_val_if_fail(p != NULL, NULL);
	profile *q = g_new(profile, 1);
	*q = *p;
	q->refs = 1;
	q->path = g_strdup(p->path);
	q->sources = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, p->sources);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_hash_table_insert(q->sources, g_strdup(k), g_strdup(v));
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
		if (fields[i].kind == K_DELAY)
			dist_copy((dist *)((char *)q + fields[i].offset),
			          (const dist *)((const char *)p + fields[i].offset));
	return q;
}

void profile_set_all_delays(profile *p, sim_time delay)
{
	g_return_if_fail(p != NULL);
	g_return_if_fail(p->refs <= 1); /* shared: read-only */
	g_return_if_fail(delay >= 0);
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		if (fields[i].kind != K_DELAY)
			continue;
		dist *d = (dist *)((char *)p + fields[i].offset);
		dist_clear(d);
		dist_set_const(d, UNIT_TIME, (double)delay);
	}
}
