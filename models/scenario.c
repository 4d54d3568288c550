/* \summary: scenario files: read, apply --set, expand counted groups, resolve names, validate */
#include "scenario.h"
#include "error.h"
#include "keyfile.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/*
 * Loading runs in passes over the key file, each collecting problems into
 * one kf_problems list rather than stopping (the README's "Scenario files" is the
 * reference for users):
 *
 *   1. --set overrides are written into the key file; one naming a group
 *      that only exists after expansion ("instance:client-3") waits for 3.
 *   2. [vars] are read; ${name} is substituted in every other value.
 *   3. Each [KIND NAME] group becomes one `grp` (or N for `count = N`,
 *      with {i} expressions evaluated in its name and values), in file
 *      order.  Unknown kinds and keys are caught here, once per group as
 *      written.
 *   4. Names are registered per kind, so a reference is a hash lookup and
 *      an element's index is its position among the groups of its kind;
 *      and per name space where one name may stand for several kinds.
 *   5. The elements are built kind by kind in dependency order (VPCs before
 *      subnets before instances, targets before routes; load balancers,
 *      then target groups, which may name an ALB, then listeners, which
 *      name target groups), each checking what it refers to.  A reference
 *      that failed leaves -1 and the checks that need it are skipped, so
 *      one typo gives one message, not a cascade.
 *   6. Addresses are assigned in file order (instances, NAT gateways, load
 *      balancer nodes and endpoint ENIs in one order), then the price
 *      table and the latency profile are loaded, and load balancers take
 *      their default idle timeout from the profile.
 */

typedef enum {
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
	GK_N
} gkind;

typedef struct {
	const char *key;
	gboolean required;
	const char *what; /* what the value is, for "expected ..." */
} key_spec;

typedef struct {
	const char *word;  /* KIND in [KIND NAME] */
	const key_spec *keys;
} kind_spec;

#define NAME_OF(kind) "the name of a [" kind "]"

static const key_spec vpc_keys[] = {
	{ "cidr", TRUE, "the VPC's IPv4 CIDR, /16 to /28, such as 10.0.0.0/16" },
	{ NULL },
};
static const key_spec subnet_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "cidr", TRUE, "a CIDR inside the VPC's, /16 to /28, such as 10.0.1.0/24" },
	{ "az", TRUE, "an AZ ID such as use1-az1" },
	{ "route_table", FALSE, NAME_OF("route_table") " of the same VPC" },
	{ NULL },
};
static const key_spec route_table_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "routes", FALSE, "comma-separated routes 'CIDR -> TARGET'" },
	{ "main", FALSE, "true to make this the VPC's main route table, or false" },
	{ NULL },
};
static const key_spec route_keys[] = {
	{ "route_table", TRUE, NAME_OF("route_table") },
	{ "destination", TRUE, "a CIDR such as 10.5.0.0/16" },
	{ "target", TRUE, "local, blackhole or the name of a peering, transit_gateway, nat_gateway, "
	                  "internet_gateway or instance" },
	{ NULL },
};
static const key_spec sg_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "ingress", FALSE, "comma-separated rules 'PROTO PORTS from SOURCE'" },
	{ "egress", FALSE, "comma-separated rules 'PROTO PORTS to DEST'" },
	{ NULL },
};
static const key_spec instance_keys[] = {
	{ "subnet", TRUE, NAME_OF("subnet") },
	{ "ip", FALSE, "a private address inside the subnet, from its .4 to the one before "
	               "its broadcast address" },
	{ "public_ip", FALSE, "true or false" },
	{ "security_groups", FALSE, "comma-separated [security_group] names of the same VPC" },
	{ NULL },
};
static const key_spec peering_keys[] = {
	{ "requester", TRUE, NAME_OF("vpc") },
	{ "accepter", TRUE, NAME_OF("vpc") },
	{ NULL },
};
static const key_spec tgw_keys[] = {
	{ NULL },
};
static const key_spec tgw_attachment_keys[] = {
	{ "transit_gateway", TRUE, NAME_OF("transit_gateway") },
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "subnets", TRUE, "comma-separated [subnet] names of the VPC, at most one per AZ" },
	{ "route_table", TRUE, NAME_OF("tgw_route_table") " of the same transit gateway" },
	{ "propagate_to", FALSE, "comma-separated [tgw_route_table] names of the same transit "
	                         "gateway" },
	{ NULL },
};
static const key_spec tgw_route_table_keys[] = {
	{ "transit_gateway", TRUE, NAME_OF("transit_gateway") },
	{ "routes", FALSE, "comma-separated routes 'CIDR -> ATTACHMENT' or 'CIDR -> blackhole'" },
	{ NULL },
};
static const key_spec natgw_keys[] = {
	{ "subnet", TRUE, NAME_OF("subnet") " whose route table sends 0.0.0.0/0 to an internet "
	                  "gateway" },
	{ "ip", FALSE, "a private address inside the subnet" },
	{ NULL },
};
static const key_spec igw_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ NULL },
};
static const key_spec service_keys[] = {
	{ "kind", TRUE, "s3 or dynamodb" },
	{ "prefixes", TRUE, "the service's public prefix list, comma-separated CIDRs" },
	{ "ip", TRUE, "the address clients connect to, inside one of the prefixes" },
	{ "latency", TRUE, "the time to answer a request, a distribution such as "
	                   "lognormal(median=10ms, sigma=0.5)" },
	{ NULL },
};
static const key_spec gw_endpoint_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "service", TRUE, NAME_OF("service") " of kind s3 or dynamodb" },
	{ "route_tables", TRUE, "comma-separated [route_table] names of the same VPC" },
	{ NULL },
};
static const key_spec lb_keys[] = {
	{ "type", TRUE, "application or network" },
	{ "scheme", FALSE, "internal or internet-facing" },
	{ "subnets", TRUE, "comma-separated [subnet] names of one VPC, one per AZ (two AZs or more "
	                   "for an application load balancer)" },
	{ "security_groups", FALSE, "comma-separated [security_group] names of the load balancer's "
	                            "VPC (at least one for an application load balancer)" },
	{ "cross_zone", FALSE, "true or false (network load balancers; always on for application "
	                       "ones)" },
	{ "idle_timeout", FALSE, "a whole number of seconds, 1s to 4000s for an application load "
	                         "balancer, 60s to 6000s for a network one" },
	{ "algorithm", FALSE, "round_robin or least_outstanding_requests" },
	{ "preserve_client_ip", FALSE, "true or false" },
	{ "listeners", TRUE, "comma-separated listeners 'PROTO PORT -> TARGET_GROUP', http for an "
	                     "application load balancer and tcp for a network one" },
	{ "rules", FALSE, "comma-separated rules 'path PATTERN -> TARGET_GROUP' or 'host PATTERN "
	                  "-> TARGET_GROUP'" },
	{ NULL },
};
static const key_spec tg_keys[] = {
	{ "type", FALSE, "instance or alb" },
	{ "port", FALSE, "the port the targets listen on, a whole number from 1 to 65535" },
	{ "targets", TRUE, "instance names or globs of one VPC (type instance), or one application "
	                   "[load_balancer] (type alb)" },
	{ NULL },
};
static const key_spec ep_service_keys[] = {
	{ "load_balancer", TRUE, NAME_OF("load_balancer") " of type network" },
	{ "private_dns_name", FALSE, "a DNS name such as api.example.internal" },
	{ NULL },
};
static const key_spec iface_ep_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "service", TRUE, "the name of an [endpoint_service], or of a [service] (s3 or dynamodb)" },
	{ "subnets", TRUE, "comma-separated [subnet] names of the endpoint's VPC, one per AZ" },
	{ "security_groups", FALSE, "comma-separated [security_group] names of the endpoint's VPC" },
	{ "private_dns", FALSE, "true or false" },
	{ NULL },
};
static const key_spec workload_keys[] = {
	{ "kind", FALSE, "http or udp" },
	{ "clients", TRUE, "comma-separated instance names or globs such as client-*" },
	{ "target", TRUE, "instance names or globs (served round robin), or one [service], "
	                  "[load_balancer] or [interface_endpoint]" },
	{ "port", FALSE, "a port from 1 to 65535" },
	{ "rate", FALSE, "requests per second per client, such as 50/s" },
	{ "total_rate", FALSE, "requests per second for all the workload's clients together, "
	                       "such as 2000/s" },
	{ "volume", FALSE, "traffic for all the workload's clients together, request and response "
	                   "bodies, such as 500GB/month (or /day, /hour, /s)" },
	{ "users", FALSE, "closed-loop users per client, a whole number from 1 to 100000" },
	{ "user_think", FALSE, "a time distribution such as exp(mean=1s): a user's pause between "
	                       "a response and its next request (with users)" },
	{ "max_connections", FALSE, "connections per client and target at most, a whole number "
	                            "from 1 to 65535, or unlimited" },
	{ "arrival", FALSE, "poisson or constant" },
	{ "requests", FALSE, "requests per client, a whole number (0 = as many as fit in the "
	                     "duration)" },
	{ "method", FALSE, "GET, PUT or POST" },
	{ "path", FALSE, "a request path starting with /" },
	{ "request_size", FALSE, "a size distribution such as 0B or uniform(min=1KB, max=4KB)" },
	{ "response_size", FALSE, "a size distribution such as 1KB or pareto(scale=1KB, "
	                          "shape=1.5)" },
	{ "think_time", FALSE, "a time distribution such as 0ms or exp(mean=1ms)" },
	{ "connection", FALSE, "keepalive or per-request" },
	{ "resolve", FALSE, "dns or az-local" },
	{ "dns_name", FALSE, "regional, zonal or private (an interface endpoint target)" },
	{ NULL },
};

static const kind_spec kinds[GK_N] = {
	[GK_VPC] = { "vpc", vpc_keys },
	[GK_SUBNET] = { "subnet", subnet_keys },
	[GK_ROUTE_TABLE] = { "route_table", route_table_keys },
	[GK_SG] = { "security_group", sg_keys },
	[GK_INSTANCE] = { "instance", instance_keys },
	[GK_PEERING] = { "peering", peering_keys },
	[GK_TGW] = { "transit_gateway", tgw_keys },
	[GK_TGW_ATTACHMENT] = { "tgw_attachment", tgw_attachment_keys },
	[GK_TGW_ROUTE_TABLE] = { "tgw_route_table", tgw_route_table_keys },
	[GK_NATGW] = { "nat_gateway", natgw_keys },
	[GK_IGW] = { "internet_gateway", igw_keys },
	[GK_SERVICE] = { "service", service_keys },
	[GK_GW_ENDPOINT] = { "gateway_endpoint", gw_endpoint_keys },
	[GK_LB] = { "load_balancer", lb_keys },
	[GK_TG] = { "target_group", tg_keys },
	[GK_EP_SERVICE] = { "endpoint_service", ep_service_keys },
	[GK_IFACE_EP] = { "interface_endpoint", iface_ep_keys },
	[GK_WORKLOAD] = { "workload", workload_keys },
	[GK_ROUTE] = { "route", route_keys },
};

#define CAPTURE_EXPECTED \
	"all, none, or comma-separated node names, globs allowed (client-*, nat-a)"

static const key_spec scenario_keys[] = {
	{ "name", FALSE, "a short name for reports and capture files" },
	{ "description", FALSE, "one line for reports" },
	{ "prices", FALSE, "a price table path, relative to this file" },
	{ "profile", FALSE, "a latency profile path, relative to this file" },
	{ "seed", FALSE, "a whole number from 0 to 18446744073709551615" },
	{ "duration", FALSE, "a positive time such as 10s" },
	{ "drain", FALSE, "a time such as 5s, 0s or more" },
	{ "capture", FALSE, CAPTURE_EXPECTED },
	{ "snaplen", FALSE, "a size from 0B (whole packets) to 65535B" },
	{ NULL },
};

/* Kinds whose names must be unique across the kinds of a set, because
 * something names one of them without saying its kind: a route's target,
 * a workload's target, an interface endpoint's service.  The first set is
 * the route targets, which build_vpc_routes() looks up by name. */
typedef struct {
	gkind kinds[5];
	int n;
	const char *why; /* ends "expected names unique across ..." */
} name_space;

static const name_space spaces[] = {
	{ { GK_PEERING, GK_TGW, GK_NATGW, GK_IGW, GK_INSTANCE }, 5,
	  "peerings, transit gateways, NAT gateways, internet gateways and instances, because "
	  "routes name their target" },
	{ { GK_INSTANCE, GK_SERVICE, GK_LB, GK_IFACE_EP }, 4,
	  "instances, services, load balancers and interface endpoints, because a workload's "
	  "target names one without saying its kind" },
	{ { GK_EP_SERVICE, GK_SERVICE }, 2,
	  "endpoint services and services, because an interface endpoint's service names one "
	  "without saying its kind" },
};
#define N_SPACES G_N_ELEMENTS(spaces)
#define SPACE_ROUTE 0
#define ROUTE_TARGET_WORDS \
	"local, blackhole or the name of a peering, transit_gateway, nat_gateway, " \
	"internet_gateway or instance"

/* The most groups one counted group may stand for: far above any scenario
 * that runs in reasonable time, low enough that a typo (count = 1e9) fails
 * at once instead of exhausting memory. */
#define MAX_COUNT 65536

/* The most requests one client may be told to send: a whole number written
 * by hand, bounded like [vars] so that a typo cannot wrap a uint64. */
#define MAX_REQUESTS G_GUINT64_CONSTANT(1000000000000)

/* Public IPv4 addresses (instances' public_ip, NAT gateways' Elastic IPs)
 * come from this block, in file order from its second address.  A
 * modelling choice: 3.80.0.0/12 is EC2 address space in us-east-1, but AWS
 * hands addresses out in no documented order. */
#define PUBLIC_POOL_FIRST UINT32_C(0x03500001) /* 3.80.0.1 */
#define PUBLIC_POOL_LAST UINT32_C(0x035ffffe)  /* 3.95.255.254 */

/* AWS reserves the first four addresses and the last one of every subnet
 * (network, VPC router, DNS, future use; broadcast). */
#define SUBNET_RESERVED_LOW 4

/* ---- the loader's state ----------------------------------------------- */

/* One group after expansion: [vpc spoke-{i}] with count = 3 gives three. */
typedef struct {
	gkind kind;
	char *name;         /* "spoke-2" */
	char *label;        /* "vpc spoke-2": the group as messages name it */
	char *written;      /* "vpc spoke-{i}": as written in the file */
	gint64 index;       /* i of a counted group, 0 otherwise */
	GHashTable *values; /* key -> value after substitution; NULL value = a value
	                       that could not be substituted (already reported) */
} grp;

typedef struct {
	char *text;  /* as given, for messages */
	char *group; /* "vpc a" */
	char *key;
	char *value;
} override;

typedef struct {
	const char *path;
	kf_problems pr;
	GKeyFile *kf;
	GHashTable *vars;         /* name -> gint64 * */
	GPtrArray *var_names;     /* char *, file order, NULL-terminated, for messages */
	GPtrArray *groups;        /* grp *, file order, expanded */
	GPtrArray *of[GK_N];      /* grp * per kind: element i's group (not implicit tables) */
	GPtrArray *names_of[GK_N];/* const char *: element i's name, implicit tables included */
	GHashTable *names[GK_N];  /* name -> element index + 1 */
	GHashTable *space[N_SPACES]; /* per name space: name -> gkind + 1 */
	int *lb_type;             /* per load balancer: its sc_lb_type, -1 when bad (reported) */
	GPtrArray *deferred;      /* override *: for groups that exist only after expansion */
	GPtrArray *absent;        /* char *: overrides left out for naming a missing group, or
	                             NULL: such an override is a problem */
	GHashTable *repeated;     /* groups written more than once (reported once) */
	GHashTable **used_ips;    /* per subnet: address -> label of its holder */
	uint32_t *free_from;      /* per subnet: no address below this is free */
	uint32_t next_public;
	GArray *public_clash;     /* pub_range: VPC CIDRs and service prefixes, disjoint, sorted */
	guint clash_next;         /* the first of them that may lie at or after next_public */
	GHashTable *capped;       /* "written group\nkey" -> capped: a counted group's problems */
	scenario *sc;
} loader;

/*
 * A counted group with a mistake repeats it in every group it stands for:
 * its problems with one key are reported for the first PROBLEM_CAP groups,
 * then one line says how many more there were ("... and 65016 more like
 * this"), placed right after them.
 */
#define PROBLEM_CAP 20

typedef struct {
	guint n;       /* problems seen */
	gsize end;     /* where the PROBLEM_CAP-th one's line ends in the list */
	char *group;   /* as written */
	char *key;     /* NULL for the group as a whole */
} capped;

static void capped_free(gpointer data)
{
	capped *c = data;
	g_free(c->group);
	g_free(c->key);
	g_free(c);
}

static void problem(kf_problems *pr, GHashTable **cap, const grp *g, const char *key,
                    const char *fmt, ...) G_GNUC_PRINTF(5, 6);

#define P(l, g, key, ...) problem(&(l)->pr, &(l)->capped, (g), key, __VA_ARGS__)

static void problem(kf_problems *pr, GHashTable **cap, const grp *g, const char *key,
                    const char *fmt, ...)
{
	capped *c = NULL;
	if (g->index > 0) {
		if (!*cap)
			*cap = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, capped_free);
		char *id = g_strconcat(g->written, "\n", key ? key : "", NULL);
		c = g_hash_table_lookup(*cap, id);
		if (!c) {
			c = g_new0(capped, 1);
			c->group = g_strdup(g->written);
			c->key = g_strdup(key);
			g_hash_table_insert(*cap, id, c);
		} else {
			g_free(id);
		}
		if (++c->n > PROBLEM_CAP)
			return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	kf_problem(pr, g->label, key, "%s", msg);
	g_free(msg);
	if (c && c->n == PROBLEM_CAP)
		c->end = pr->text->len;
}

static gint capped_by_end_desc(gconstpointer a, gconstpointer b)
{
	const capped *x = *(capped *const *)a, *y = *(capped *const *)b;
	return x->end < y->end ? 1 : x->end > y->end ? -1 : 0;
}

/* Writes "... and N more like this" after the last reported problem of
 * each capped group and key (from the end backwards, so that the offsets
 * of earlier ones stay put). */
static void finish_capped(loader *l)
{
	if (!l->capped)
		return;
	GPtrArray *over = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, l->capped);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((capped *)v)->n > PROBLEM_CAP)
			g_ptr_array_add(over, v);
	g_ptr_array_sort(over, capped_by_end_desc);
	for (guint i = 0; i < over->len; i++) {
		const capped *c = g_ptr_array_index(over, i);
		GString *line = g_string_new("\n");
		guint n = kf_problem_line(&l->pr, c->group, c->key);
		g_string_append(line, l->pr.file);
		if (n)
			g_string_append_printf(line, ":%u", n);
		g_string_append_printf(line, ": [%s]", c->group);
		if (c->key)
			g_string_append_printf(line, " %s", c->key);
		g_string_append_printf(line, ": ... and %u more like this", c->n - PROBLEM_CAP);
		g_string_insert(l->pr.text, (gssize)c->end, line->str);
		g_string_free(line, TRUE);
	}
	g_ptr_array_unref(over);
	g_hash_table_unref(l->capped);
	l->capped = NULL;
}

static void grp_free(gpointer data)
{
	grp *g = data;
	g_free(g->name);
	g_free(g->label);
	g_free(g->written);
	g_hash_table_destroy(g->values);
	g_free(g);
}

static void override_free(gpointer data)
{
	override *o = data;
	g_free(o->text);
	g_free(o->group);
	g_free(o->key);
	g_free(o->value);
	g_free(o);
}

/* The value of `key`, `def` when the key is absent, and NULL when it is
 * present but could not be substituted (already reported). */
static const char *get(const grp *g, const char *key, const char *def)
{
	/* Not g_hash_table_lookup_extended(): GCC 12 at -O3 mistakes its
	 * out-parameter for a pointer to a local (-Wdangling-pointer). */
	if (!g_hash_table_contains(g->values, key))
		return def;
	return g_hash_table_lookup(g->values, key);
}

static int find_kind(const char *word)
{
	for (int k = 0; k < GK_N; k++)
		if (strcmp(kinds[k].word, word) == 0)
			return k;
	return -1;
}

static const key_spec *find_key(const key_spec *keys, const char *key)
{
	for (const key_spec *s = keys; s->key; s++)
		if (strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

/* "cidr, count" for messages.  Caller frees. */
static char *key_list(const key_spec *keys, gboolean with_count)
{
	GString *s = g_string_new(NULL);
	for (const key_spec *k = keys; k->key; k++)
		g_string_append_printf(s, "%s%s", s->len ? ", " : "", k->key);
	if (with_count)
		g_string_append_printf(s, "%scount", s->len ? ", " : "");
	return g_string_free(s, FALSE);
}

static char *kind_list(void)
{
	GString *s = g_string_new(NULL);
	for (int k = 0; k < GK_N; k++)
		g_string_append_printf(s, "%s%s", k ? ", " : "", kinds[k].word);
	return g_string_free(s, FALSE);
}

/* Up to eight names of kind k, "a, b, ..." or "none".  Caller frees. */
static char *names_list(loader *l, gkind k)
{
	GPtrArray *n = l->names_of[k];
	if (n->len == 0)
		return g_strdup("none are defined");
	GString *s = g_string_new("defined: ");
	for (guint i = 0; i < n->len && i < 8; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", (const char *)n->pdata[i]);
	if (n->len > 8)
		g_string_append_printf(s, ", ... (%u in all)", n->len);
	return g_string_free(s, FALSE);
}

/* Letters, digits, '-' and '_'; with `counted`, {i} expressions too (they
 * are checked when evaluated). */
static gboolean valid_name(const char *s, gboolean counted)
{
	if (*s == '\0')
		return FALSE;
	for (; *s; s++) {
		if (counted && *s == '{') {
			const char *e = strchr(s, '}');
			if (!e)
				return FALSE;
			s = e;
		} else if (!g_ascii_isalnum(*s) && *s != '-' && *s != '_') {
			return FALSE;
		}
	}
	return TRUE;
}

/* ---- addresses -------------------------------------------------------- */

typedef struct {
	char s[24];
} ipbuf;

static const char *fmt_addr(uint32_t a, ipbuf *b)
{
	g_snprintf(b->s, sizeof b->s, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
	           a & 255);
	return b->s;
}

static const char *fmt_cidr(sc_cidr c, ipbuf *b)
{
	ipbuf a;
	g_snprintf(b->s, sizeof b->s, "%s/%u", fmt_addr(c.addr, &a), c.len);
	return b->s;
}

static uint32_t cidr_mask(uint8_t len)
{
	return len ? ~UINT32_C(0) << (32 - len) : 0;
}

static uint32_t cidr_last(sc_cidr c)
{
	return c.addr | ~cidr_mask(c.len);
}

static gboolean cidr_overlap(sc_cidr a, sc_cidr b)
{
	return sc_cidr_contains(a, b.addr) || sc_cidr_contains(b, a.addr);
}

/* A strict dotted quad: four decimal parts 0-255 without leading zeros
 * (which some parsers read as octal).  Hand-written because GInetAddress
 * is in GIO, which vpcsim does not link, and inet_pton's rules differ
 * between libcs. */
static gboolean parse_addr(const char *s, uint32_t *out)
{
	uint32_t a = 0;
	for (int part = 0; part < 4; part++) {
		if (!g_ascii_isdigit(*s) || (s[0] == '0' && g_ascii_isdigit(s[1])))
			return FALSE;
		unsigned v = 0;
		for (int digits = 0; g_ascii_isdigit(*s); s++)
			if (++digits > 3 || (v = v * 10 + (unsigned)(*s - '0')) > 255)
				return FALSE;
		a = a << 8 | v;
		if (part < 3 && *s++ != '.')
			return FALSE;
	}
	if (*s != '\0')
		return FALSE;
	*out = a;
	return TRUE;
}

/* Parses "a.b.c.d/len" with the host bits zero.  On failure appends what
 * follows the quoted value in a message to `why`. */
static gboolean parse_cidr(const char *text, sc_cidr *out, GString *why)
{
	const char *slash = strchr(text, '/');
	char *addr = slash ? g_strndup(text, (gsize)(slash - text)) : NULL;
	uint32_t a;
	guint64 len;
	gboolean ok = slash && parse_addr(addr, &a) &&
	              g_ascii_string_to_unsigned(slash + 1, 10, 0, 32, &len, NULL);
	g_free(addr);
	if (!ok) {
		g_string_append(why, "is not a CIDR; expected an IPv4 CIDR such as 10.0.0.0/16");
		return FALSE;
	}
	sc_cidr c = { a & cidr_mask((uint8_t)len), (uint8_t)len };
	if (c.addr != a) {
		ipbuf b;
		g_string_append_printf(why, "has host bits set; expected its network address, %s",
		                       fmt_cidr(c, &b));
		return FALSE;
	}
	*out = c;
	return TRUE;
}

/* A CIDR-valued key; reports and returns FALSE when it is not one. */
static gboolean get_cidr(loader *l, const grp *g, const char *key, sc_cidr *out)
{
	const char *v = get(g, key, NULL);
	if (!v)
		return FALSE;
	GString *why = g_string_new(NULL);
	gboolean ok = parse_cidr(v, out, why);
	if (!ok)
		P(l, g, key, "'%s' %s", v, why->str);
	g_string_free(why, TRUE);
	return ok;
}

/* ---- ${var} and {i} --------------------------------------------------- */

/* Replaces every ${name} with its [vars] value.  On an undefined or
 * malformed reference appends the reason to `why` and returns NULL. */
static char *subst_vars(loader *l, const char *text, GString *why)
{
	GString *out = g_string_new(NULL);
	for (const char *p = text; *p;) {
		if (p[0] != '$' || p[1] != '{') {
			g_string_append_c(out, *p++);
			continue;
		}
		const char *end = strchr(p + 2, '}');
		if (!end) {
			g_string_append(why, "has '${' without a closing '}'; expected ${NAME}");
			g_string_free(out, TRUE);
			return NULL;
		}
		char *name = g_strndup(p + 2, (gsize)(end - p - 2));
		const gint64 *v = g_hash_table_lookup(l->vars, name);
		if (!v) {
			char *known = l->var_names->len
			                      ? g_strjoinv(", ", (char **)l->var_names->pdata)
			                      : g_strdup("none");
			g_string_append_printf(why, "uses ${%s}, which [vars] does not define; expected "
			                            "one of the [vars] (%s)", name, known);
			g_free(known);
			g_free(name);
			g_string_free(out, TRUE);
			return NULL;
		}
		g_string_append_printf(out, "%" G_GINT64_FORMAT, *v);
		g_free(name);
		p = end + 1;
	}
	return g_string_free(out, FALSE);
}

/* The next "{i" that starts an index expression ({id} is not one). */
static const char *find_index_expr(const char *p)
{
	for (; (p = strchr(p, '{')); p++)
		if (p[1] == 'i' && !g_ascii_isalnum(p[2]) && p[2] != '_')
			return p;
	return NULL;
}

/* Evaluates "{i}", "{i+K}", "{i-K}" or "{i*K}" at `p` for index i. */
static gboolean eval_index_expr(const char *p, gint64 i, gint64 *out, size_t *len)
{
	const char *q = p + 2;
	if (*q == '}') {
		*out = i;
		*len = 3;
		return TRUE;
	}
	char op = *q++;
	if ((op != '+' && op != '-' && op != '*') || !g_ascii_isdigit(*q))
		return FALSE;
	gint64 k = 0;
	for (; g_ascii_isdigit(*q); q++)
		if ((k = k * 10 + (*q - '0')) > G_GINT64_CONSTANT(1000000000000))
			return FALSE;
	if (*q != '}')
		return FALSE;
	*out = op == '+' ? i + k : op == '-' ? i - k : i * k;
	*len = (size_t)(q + 1 - p);
	return TRUE;
}

/* Replaces every index expression in `text` for index i. */
static char *subst_index(const char *text, gint64 i, GString *why)
{
	GString *out = g_string_new(NULL);
	const char *p = text, *e;
	while ((e = find_index_expr(p))) {
		g_string_append_len(out, p, e - p);
		gint64 v;
		size_t len;
		if (!eval_index_expr(e, i, &v, &len)) {
			int n = (int)strcspn(e, "}");
			g_string_append_printf(why, "has '%.*s%s', which is not an index expression; "
			                            "expected {i}, {i+K}, {i-K} or {i*K} with K a whole "
			                            "number", n, e, e[n] ? "}" : "");
			g_string_free(out, TRUE);
			return NULL;
		}
		g_string_append_printf(out, "%" G_GINT64_FORMAT, v);
		p = e + len;
	}
	g_string_append(out, p);
	return g_string_free(out, FALSE);
}

/* ---- pass 1: duplicate groups and overrides --------------------------- */

/* GKeyFile merges a group written twice into one, so a repeated [vpc a]
 * would silently combine two VPCs' keys; the text is scanned for it. */
static void check_duplicate_groups(loader *l, const char *data)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char **lines = g_strsplit(data, "\n", -1);
	for (char **ln = lines; *ln; ln++) {
		const char *s = *ln;
		while (g_ascii_isspace(*s))
			s++;
		const char *e = *s == '[' ? strchr(s, ']') : NULL;
		if (!e)
			continue;
		char *name = g_strndup(s + 1, (gsize)(e - s - 1));
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(seen, name)) + 1;
		if (n == 2) {
			kf_problem(&l->pr, name, NULL, "the group appears more than once; expected each "
			                               "group once (the key file would merge them)");
			g_hash_table_add(l->repeated, g_strdup(name));
		}
		g_hash_table_insert(seen, name, GUINT_TO_POINTER(n));
	}
	g_strfreev(lines);
	g_hash_table_destroy(seen);
}

static gboolean valid_key(const char *k)
{
	if (*k == '\0')
		return FALSE;
	for (; *k; k++)
		if (!g_ascii_isalnum(*k) && *k != '_' && *k != '-')
			return FALSE;
	return TRUE;
}

/* Splits "GROUP.KEY=VALUE" at the first '=' and the last '.' before it;
 * "KIND:NAME" becomes "KIND NAME". */
static override *parse_override(loader *l, const char *text)
{
	const char *eq = strchr(text, '=');
	char *lhs = eq ? g_strndup(text, (gsize)(eq - text)) : NULL;
	char *dot = lhs ? strrchr(lhs, '.') : NULL;
	if (!dot || dot == lhs || strchr(eq + 1, '\n')) {
		kf_problem(&l->pr, NULL, NULL, "--set '%s' is not GROUP.KEY=VALUE; expected e.g. "
		                               "vars.clients=8, scenario.seed=2 or "
		                               "vpc:vpc-a.cidr=10.1.0.0/16", text);
		g_free(lhs);
		return NULL;
	}
	*dot = '\0';
	override *o = g_new0(override, 1);
	o->text = g_strdup(text);
	o->group = g_strdup(g_strstrip(lhs));
	o->key = g_strstrip(g_strdup(dot + 1));
	o->value = g_strstrip(g_strdup(eq + 1));
	char *colon = strchr(o->group, ':');
	if (colon)
		*colon = ' ';
	g_free(lhs);
	if (!valid_key(o->key)) {
		kf_problem(&l->pr, o->group, o->key, "--set '%s': '%s' is not a key name; expected "
		                                     "letters, digits, '_' and '-'", text, o->key);
		override_free(o);
		return NULL;
	}
	return o;
}

static void apply_overrides(loader *l, const char *const *overrides)
{
	for (const char *const *t = overrides; t && *t; t++) {
		override *o = parse_override(l, *t);
		if (!o)
			continue;
		if (strcmp(o->group, "scenario") == 0 || strcmp(o->group, "vars") == 0 ||
		    g_key_file_has_group(l->kf, o->group)) {
			g_key_file_set_value(l->kf, o->group, o->key, o->value);
			override_free(o);
		} else {
			g_ptr_array_add(l->deferred, o);
		}
	}
}

/* ---- pass 2: [vars] and [scenario] ------------------------------------ */

/* Reports repeated keys of a group (GKeyFile keeps the last); not in a
 * group written twice, whose merged keys repeat as a matter of course. */
static void check_duplicate_keys(loader *l, const char *group, char **keys)
{
	if (g_hash_table_contains(l->repeated, group))
		return;
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	for (char **k = keys; *k; k++)
		if (!g_hash_table_add(seen, *k))
			kf_problem(&l->pr, group, *k, "duplicate key (the last value would win); expected "
			                              "each key once");
	g_hash_table_destroy(seen);
}

static void read_vars(loader *l)
{
	char **keys = g_key_file_get_keys(l->kf, "vars", NULL, NULL);
	if (!keys)
		return;
	check_duplicate_keys(l, "vars", keys);
	for (char **k = keys; *k; k++) {
		if (g_hash_table_contains(l->vars, *k))
			continue;
		char *v = g_strstrip(g_key_file_get_value(l->kf, "vars", *k, NULL));
		gint64 n;
		if (!valid_key(*k) || strchr(*k, '-')) {
			kf_problem(&l->pr, "vars", *k, "'%s' is not a variable name; expected letters, "
			                               "digits and '_'", *k);
		} else if (!g_ascii_string_to_signed(v, 10, -G_GINT64_CONSTANT(1000000000000),
		                                     G_GINT64_CONSTANT(1000000000000), &n, NULL)) {
			kf_problem(&l->pr, "vars", *k, "'%s' is not a whole number; expected a whole "
			                               "number such as 4, used elsewhere as ${%s}", v, *k);
		} else {
			g_hash_table_insert(l->vars, g_strdup(*k), g_memdup2(&n, sizeof n));
			g_ptr_array_add(l->var_names, g_strdup(*k));
		}
		g_free(v);
	}
	g_strfreev(keys);
}

/* A path named in [scenario], relative to the scenario file's folder. */
static char *relative_path(loader *l, const char *rel)
{
	if (g_path_is_absolute(rel))
		return g_strdup(rel);
	char *dir = g_path_get_dirname(l->path);
	char *p = g_build_filename(dir, rel, NULL);
	g_free(dir);
	return p;
}

/* Loads the price table or profile named by [scenario] `key`, adding its
 * problems (which name their own file) to the list. */
static void load_tables(loader *l, const char *prices_rel, const char *profile_rel)
{
	scenario *sc = l->sc;
	GError *e = NULL;
	char *pp = relative_path(l, prices_rel);
	sc->prices = prices_load(pp, &e);
	if (!sc->prices) {
		if (g_error_matches(e, VPCSIM_ERROR, VPCSIM_ERROR_IO))
			kf_problem(&l->pr, "scenario", "prices", "'%s': %s; expected a price table, "
			                                         "relative to this file", prices_rel,
			           e->message);
		else
			kf_problem_lines(&l->pr, e->message);
		g_clear_error(&e);
	}
	g_free(pp);
	pp = relative_path(l, profile_rel);
	sc->profile = profile_load(pp, &e);
	if (!sc->profile) {
		if (g_error_matches(e, VPCSIM_ERROR, VPCSIM_ERROR_IO))
			kf_problem(&l->pr, "scenario", "profile", "'%s': %s; expected a latency profile, "
			                                          "relative to this file", profile_rel,
			           e->message);
		else
			kf_problem_lines(&l->pr, e->message);
		g_clear_error(&e);
	}
	g_free(pp);
}

/* A [scenario] value after ${var} substitution, `def` when absent, NULL when
 * it could not be substituted.  Caller frees. */
static char *scenario_value(loader *l, const char *key, const char *def)
{
	char *raw = g_key_file_get_value(l->kf, "scenario", key, NULL);
	if (!raw)
		return g_strdup(def);
	GString *why = g_string_new(NULL);
	char *v = subst_vars(l, g_strstrip(raw), why);
	if (!v)
		kf_problem(&l->pr, "scenario", key, "'%s' %s", raw, why->str);
	g_string_free(why, TRUE);
	g_free(raw);
	return v;
}

static void read_scenario(loader *l)
{
	scenario *sc = l->sc;
	char **keys = g_key_file_get_keys(l->kf, "scenario", NULL, NULL);
	if (keys) {
		check_duplicate_keys(l, "scenario", keys);
		for (char **k = keys; *k; k++) {
			if (find_key(scenario_keys, *k))
				continue;
			char *v = g_key_file_get_value(l->kf, "scenario", *k, NULL);
			char *known = key_list(scenario_keys, FALSE);
			kf_problem(&l->pr, "scenario", *k, "unknown key (value '%s'); expected one of %s",
			           v, known);
			g_free(known);
			g_free(v);
		}
		g_strfreev(keys);
	}

	char *base = g_path_get_basename(l->path);
	if (g_str_has_suffix(base, ".ini"))
		base[strlen(base) - 4] = '\0';
	char *v = scenario_value(l, "name", base);
	if (v && (!*v || strpbrk(v, "/\\ \t"))) {
		kf_problem(&l->pr, "scenario", "name", "'%s' cannot name capture files; expected a "
		                                       "short name without spaces or slashes", v);
	}
	sc->name = v ? v : g_strdup(base);
	g_free(base);
	v = scenario_value(l, "description", "");
	sc->description = v ? v : g_strdup("");

	v = scenario_value(l, "seed", "1");
	guint64 seed;
	if (v && !g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT64, &seed, NULL))
		kf_problem(&l->pr, "scenario", "seed", "'%s' is not a whole number; expected %s", v,
		           find_key(scenario_keys, "seed")->what);
	else if (v)
		sc->seed = seed;
	g_free(v);

	static const struct {
		const char *key, *def;
		gboolean positive;
	} times[] = { { "duration", "10s", TRUE }, { "drain", "5s", FALSE } };
	for (size_t i = 0; i < G_N_ELEMENTS(times); i++) {
		v = scenario_value(l, times[i].key, times[i].def);
		sim_time t = 0;
		GError *e = NULL;
		if (v && !units_parse_time(v, &t, &e)) {
			kf_problem(&l->pr, "scenario", times[i].key, "%s", e->message);
			g_error_free(e);
		} else if (v && (times[i].positive ? t <= 0 : t < 0)) {
			kf_problem(&l->pr, "scenario", times[i].key, "'%s' is out of range; expected %s", v,
			           find_key(scenario_keys, times[i].key)->what);
		} else if (i == 0) {
			sc->duration = t;
		} else {
			sc->drain = t;
		}
		g_free(v);
	}

	/* Capture points: the syntax here, the names once the groups are
	 * built (check_capture_points). */
	v = scenario_value(l, "capture", "all");
	GError *e = NULL;
	if (v && !scenario_capture_check(v, &e)) {
		kf_problem(&l->pr, "scenario", "capture", "%s", e->message);
		g_clear_error(&e);
	} else if (v) {
		/* Kept without the spaces around the names. */
		char **items = g_strsplit(v, ",", -1);
		for (char **it = items; *it; it++)
			g_strstrip(*it);
		sc->capture = g_strjoinv(",", items);
		g_strfreev(items);
	}
	g_free(v);

	v = scenario_value(l, "snaplen", "0B");
	double bytes = 0;
	if (v && !units_parse(v, UNIT_SIZE, &bytes, &e)) {
		kf_problem(&l->pr, "scenario", "snaplen", "%s", e->message);
		g_clear_error(&e);
	} else if (v && (bytes < 0 || bytes > 65535 || bytes != floor(bytes))) {
		kf_problem(&l->pr, "scenario", "snaplen", "'%s' is %s; expected %s", v,
		           bytes != floor(bytes) ? "not a whole number of bytes" : "out of range",
		           find_key(scenario_keys, "snaplen")->what);
	} else if (v) {
		sc->snaplen = (uint32_t)bytes;
	}
	g_free(v);
}

/* ---- capture points ---------------------------------------------------- */

gboolean scenario_capture_check(const char *spec, GError **error)
{
	g_return_val_if_fail(spec != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	static const char name_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                 "0123456789-_*?";
	char **items = g_strsplit(spec, ",", -1);
	guint n = g_strv_length(items);
	/* g_strsplit() makes no item at all of an empty string. */
	char *problem = n ? NULL : g_strdup("is empty");
	for (guint i = 0; i < n && !problem; i++) {
		const char *it = g_strstrip(items[i]);
		if (!*it)
			problem = g_strdup(n > 1 ? "has an empty name" : "is empty");
		else if ((strcmp(it, "all") == 0 || strcmp(it, "none") == 0) && n > 1)
			problem = g_strdup_printf("lists '%s' with other names", it);
		else if (it[strspn(it, name_chars)] && n > 1)
			problem = g_strdup_printf("has '%s', which is not a node name (letters, digits, "
			                          "'-', '_' and the globs '*' and '?')", it);
		else if (it[strspn(it, name_chars)])
			problem = g_strdup("is not a node name (letters, digits, '-', '_' and the globs "
			                   "'*' and '?')");
	}
	gboolean ok = problem == NULL;
	if (!ok)
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID, "'%s' %s; expected %s", spec, problem,
		            CAPTURE_EXPECTED);
	g_free(problem);
	g_strfreev(items);
	return ok;
}

/* Appends the names of an array's elements (every element struct starts
 * with its name, as free_names() relies on). */
static void add_names(GPtrArray *to, const GArray *a, const char *suffix)
{
	size_t size = g_array_get_element_size((GArray *)a);
	for (guint i = 0; i < a->len; i++) {
		const char *name = *(char *const *)(const void *)(a->data + i * size);
		if (name)
			g_ptr_array_add(to, g_strconcat(name, suffix, NULL));
	}
}

/* Keep in step with world_new() in sim/build.c, which names the nodes;
 * tests/test_captures.c checks that the two agree. */
GPtrArray *scenario_node_names(const scenario *sc)
{
	g_return_val_if_fail(sc != NULL, NULL);
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	add_names(a, sc->instances, "");
	add_names(a, sc->vpcs, "-router");
	add_names(a, sc->vpcs, "-resolver");
	add_names(a, sc->natgws, "");
	add_names(a, sc->igws, "");
	add_names(a, sc->peerings, "");
	add_names(a, sc->tgws, "");
	add_names(a, sc->load_balancers, "");
	add_names(a, sc->interface_endpoints, "");
	add_names(a, sc->gw_endpoints, "");
	add_names(a, sc->services, "");
	add_names(a, sc->services, "-endpoint");
	if (sc->igws->len || sc->services->len)
		g_ptr_array_add(a, g_strdup("region"));
	return a;
}

/* Every name or glob of [scenario] capture must match a node: a typo would
 * otherwise quietly capture nothing. */
static void check_capture_points(loader *l)
{
	const scenario *sc = l->sc;
	if (!sc->capture || strcmp(sc->capture, "all") == 0 || strcmp(sc->capture, "none") == 0)
		return;
	GPtrArray *nodes = scenario_node_names(sc);
	char **items = g_strsplit(sc->capture, ",", -1);
	for (char **it = items; *it; it++) {
		gboolean hit = FALSE;
		for (guint i = 0; i < nodes->len && !hit; i++)
			hit = g_pattern_match_simple(*it, nodes->pdata[i]);
		if (hit)
			continue;
		GString *known = g_string_new(NULL);
		for (guint i = 0; i < nodes->len && i < 12; i++)
			g_string_append_printf(known, "%s%s", i ? ", " : "", (char *)nodes->pdata[i]);
		if (nodes->len > 12)
			g_string_append_printf(known, ", ... (%u in all)", nodes->len);
		kf_problem(&l->pr, "scenario", "capture", "'%s' matches no node; expected names of this "
		                                          "scenario's nodes, globs allowed: %s",
		           *it, known->str);
		g_string_free(known, TRUE);
	}
	g_strfreev(items);
	g_ptr_array_unref(nodes);
}

/* ---- pass 3: groups and their expansion ------------------------------- */

static void add_group(loader *l, gkind k, const char *written, const char *name, gint64 index,
                      GHashTable *values)
{
	grp *g = g_new0(grp, 1);
	g->kind = k;
	g->name = g_strdup(name);
	g->label = g_strdup_printf("%s %s", kinds[k].word, name);
	g->written = g_strdup(written);
	kf_problems_alias(&l->pr, g->label, written);
	g->index = index;
	g->values = values;
	g_ptr_array_add(l->groups, g);
	g_ptr_array_add(l->of[k], g);
}

/* Reads the count of a counted group, or 0 when it has none; -1 when it is
 * bad (reported). */
static gint64 read_count(loader *l, const char *group, const char *name)
{
	char *raw = g_key_file_get_value(l->kf, group, "count", NULL);
	if (!raw) {
		if (find_index_expr(name)) {
			kf_problem(&l->pr, group, NULL, "the name uses {i} but the group has no count; "
			                                "expected count = N, or a name without {i}");
			return -1;
		}
		return 0;
	}
	GString *why = g_string_new(NULL);
	char *v = subst_vars(l, g_strstrip(raw), why);
	gint64 n = -1;
	guint64 u;
	if (!v) {
		kf_problem(&l->pr, group, "count", "'%s' %s", raw, why->str);
	} else if (!g_ascii_string_to_unsigned(v, 10, 1, MAX_COUNT, &u, NULL)) {
		kf_problem(&l->pr, group, "count", "'%s' is not a positive whole number; expected "
		                                   "count = N with N from 1 to %d", v, MAX_COUNT);
	} else if (!find_index_expr(name)) {
		kf_problem(&l->pr, group, "count", "'%s': the name %s has no {i}; expected a name "
		                                   "such as %s-{i}, so that the %s groups differ",
		           v, name, name, v);
	} else {
		n = (gint64)u;
	}
	g_string_free(why, TRUE);
	g_free(raw);
	g_free(v);
	return n;
}

/* Turns one group of the file into its expanded groups. */
static void expand_group(loader *l, const char *group)
{
	const char *sp = strchr(group, ' ');
	char *word = sp ? g_strndup(group, (gsize)(sp - group)) : g_strdup(group);
	int k = find_kind(word);
	const char *name = sp ? sp + 1 : "";
	if (k < 0) {
		char *known = kind_list();
		kf_problem(&l->pr, group, NULL, "unknown group kind '%s'; expected [scenario], [vars] "
		                                "or [KIND NAME] with KIND one of %s", word, known);
		g_free(known);
		g_free(word);
		return;
	}
	g_free(word);
	if (!valid_name(name, TRUE)) {
		kf_problem(&l->pr, group, NULL, "'%s' is not a valid name; expected [%s NAME] with "
		                                "NAME made of letters, digits, '-' and '_' (and {i} "
		                                "in a counted group)", name, kinds[k].word);
		return;
	}

	char **keys = g_key_file_get_keys(l->kf, group, NULL, NULL);
	check_duplicate_keys(l, group, keys);
	for (char **key = keys; *key; key++) {
		if (strcmp(*key, "count") == 0 || find_key(kinds[k].keys, *key))
			continue;
		char *v = g_key_file_get_value(l->kf, group, *key, NULL);
		char *known = key_list(kinds[k].keys, TRUE);
		kf_problem(&l->pr, group, *key, "unknown key (value '%s'); expected one of %s", v,
		           known);
		g_free(known);
		g_free(v);
	}

	gint64 count = read_count(l, group, name);
	if (count == 0 && !valid_name(name, FALSE)) {
		kf_problem(&l->pr, group, NULL, "'%s' is not a valid name; expected letters, digits, "
		                                "'-' and '_'", name);
		count = -1;
	}
	if (count < 0) {
		g_strfreev(keys);
		return;
	}
	gboolean counted = count > 0;

	/* ${var} substitution and the {i} syntax do not depend on i, so they
	 * are checked (and reported) once per group as written. */
	GHashTable *vals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GString *why = g_string_new(NULL);
	for (char **key = keys; *key; key++) {
		if (strcmp(*key, "count") == 0 || !find_key(kinds[k].keys, *key))
			continue;
		char *raw = g_strstrip(g_key_file_get_value(l->kf, group, *key, NULL));
		g_string_truncate(why, 0);
		char *v = subst_vars(l, raw, why);
		if (v && counted) {
			char *test = subst_index(v, 1, why);
			if (!test)
				g_clear_pointer(&v, g_free);
			g_free(test);
		} else if (v && find_index_expr(v)) {
			g_string_append(why, "uses {i} but the group has no count; expected count = N "
			                     "in the group, or no {i}");
			g_clear_pointer(&v, g_free);
		}
		if (!v)
			kf_problem(&l->pr, group, *key, "'%s' %s", raw, why->str);
		g_hash_table_insert(vals, g_strdup(*key), v);
		g_free(raw);
	}
	g_string_truncate(why, 0);
	char *test = counted ? subst_index(name, 1, why) : NULL;
	if (test && !valid_name(test, FALSE))
		g_string_append_printf(why, "gives '%s', which is not a valid name; expected letters, "
		                            "digits, '-', '_' and index expressions", test);
	if (counted && (!test || !valid_name(test, FALSE))) {
		kf_problem(&l->pr, group, NULL, "the name '%s' %s", name, why->str);
		count = 0;
		counted = FALSE;
		g_hash_table_destroy(vals);
		vals = NULL;
	}
	g_free(test);

	if (!counted && vals) {
		add_group(l, k, group, name, 0, vals);
	} else if (vals) {
		for (gint64 i = 1; i <= count; i++) {
			GHashTable *vi = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
			GHashTableIter it;
			gpointer key, value;
			g_hash_table_iter_init(&it, vals);
			while (g_hash_table_iter_next(&it, &key, &value))
				g_hash_table_insert(vi, g_strdup(key),
				                    value ? subst_index(value, i, why) : NULL);
			char *ni = subst_index(name, i, why);
			add_group(l, k, group, ni, i, vi);
			g_free(ni);
		}
		g_hash_table_destroy(vals);
	}
	g_string_free(why, TRUE);
	g_strfreev(keys);
}

static grp *find_group(loader *l, const char *label)
{
	for (guint i = 0; i < l->groups->len; i++) {
		grp *g = l->groups->pdata[i];
		if (strcmp(g->label, label) == 0)
			return g;
	}
	return NULL;
}

/* Overrides of groups that exist only after expansion ("instance:web-2"). */
static void apply_deferred(loader *l)
{
	for (guint i = 0; i < l->deferred->len; i++) {
		override *o = l->deferred->pdata[i];
		grp *g = find_group(l, o->group);
		if (!g && l->absent) {
			g_ptr_array_add(l->absent, g_strdup(o->text));
			continue;
		}
		if (!g) {
			char *example = g_strdup(l->groups->len ? ((grp *)l->groups->pdata[0])->label
			                                        : "vpc vpc-a");
			*strchr(example, ' ') = ':';
			kf_problem(&l->pr, o->group, o->key, "--set '%s' names a group that is not in the "
			                                     "file; expected scenario, vars or an existing "
			                                     "group as KIND:NAME, such as %s", o->text,
			           example);
			g_free(example);
			continue;
		}
		if (strcmp(o->key, "count") == 0 || !find_key(kinds[g->kind].keys, o->key)) {
			char *known = key_list(kinds[g->kind].keys, FALSE);
			kf_problem(&l->pr, g->label, o->key, "--set '%s': unknown key; expected one of %s "
			                                     "(count only on the group as written, %s)",
			           o->text, known, g->written);
			g_free(known);
			continue;
		}
		GString *why = g_string_new(NULL);
		char *v = subst_vars(l, o->value, why);
		char *vi = v ? subst_index(v, g->index, why) : NULL;
		if (!vi)
			kf_problem(&l->pr, g->label, o->key, "--set '%s': '%s' %s", o->text, o->value,
			           why->str);
		g_hash_table_insert(g->values, g_strdup(o->key), vi);
		g_free(v);
		g_string_free(why, TRUE);
	}
}

/* Missing required keys: once for a counted group when every copy lacks
 * the key (the usual case), else for each copy that lacks it. */
static void check_required(loader *l)
{
	for (guint start = 0; start < l->groups->len;) {
		grp *first = l->groups->pdata[start];
		guint end = start + 1;
		while (end < l->groups->len &&
		       strcmp(((grp *)l->groups->pdata[end])->written, first->written) == 0)
			end++;
		for (const key_spec *s = kinds[first->kind].keys; s->key; s++) {
			if (!s->required)
				continue;
			guint missing = 0;
			for (guint i = start; i < end; i++)
				missing += !g_hash_table_contains(((grp *)l->groups->pdata[i])->values, s->key);
			if (missing == end - start && missing > 1)
				kf_problem(&l->pr, first->written, s->key, "missing; expected %s", s->what);
			else if (missing)
				for (guint i = start; i < end; i++) {
					grp *g = l->groups->pdata[i];
					if (!g_hash_table_contains(g->values, s->key))
						P(l, g, s->key, "missing; expected %s", s->what);
				}
		}
		start = end;
	}
}

/* ---- pass 4: names ---------------------------------------------------- */

static int lookup(loader *l, gkind k, const char *name)
{
	return GPOINTER_TO_INT(g_hash_table_lookup(l->names[k], name)) - 1;
}

static void register_name(loader *l, gkind k, const char *name)
{
	g_ptr_array_add(l->names_of[k], (gpointer)name);
	if (!g_hash_table_contains(l->names[k], name))
		g_hash_table_insert(l->names[k], (gpointer)name,
		                    GINT_TO_POINTER((int)l->names_of[k]->len));
}

static void register_names(loader *l)
{
	for (guint i = 0; i < l->groups->len; i++) {
		grp *g = l->groups->pdata[i];
		if (lookup(l, g->kind, g->name) >= 0)
			P(l, g, NULL, "the name '%s' is used by another [%s] group; expected names "
			              "unique within a kind", g->name, kinds[g->kind].word);
		register_name(l, g->kind, g->name);
		for (size_t sp = 0; sp < N_SPACES; sp++) {
			gboolean member = FALSE;
			for (int t = 0; t < spaces[sp].n; t++)
				member |= g->kind == spaces[sp].kinds[t];
			if (!member)
				continue;
			int other = GPOINTER_TO_INT(g_hash_table_lookup(l->space[sp], g->name)) - 1;
			if (sp == SPACE_ROUTE &&
			    (strcmp(g->name, "local") == 0 || strcmp(g->name, "blackhole") == 0))
				P(l, g, NULL, "'%s' is a reserved route target; expected another name",
				  g->name);
			else if (other >= 0 && other != (int)g->kind)
				P(l, g, NULL, "the name '%s' is also used by [%s %s]; expected names unique "
				              "across %s", g->name, kinds[other].word, g->name, spaces[sp].why);
			else if (other < 0)
				g_hash_table_insert(l->space[sp], g->name, GINT_TO_POINTER(g->kind + 1));
		}
	}
}

/* "a" or "an" before a kind word in messages. */
static const char *article(const char *word)
{
	return strchr("aeiou", word[0]) ? "an" : "a";
}

/* Reports a name that is not defined as kind k, saying what it is if it
 * names something of another kind. */
static void undefined(loader *l, const grp *g, const char *key, const char *name, gkind k)
{
	for (int o = 0; o < GK_N; o++) {
		if (o != (int)k && lookup(l, o, name) >= 0) {
			P(l, g, key, "'%s' is %s [%s], not %s [%s]; expected %s", name,
			  article(kinds[o].word), kinds[o].word, article(kinds[k].word), kinds[k].word,
			  find_key(kinds[g->kind].keys, key)
			                         ? find_key(kinds[g->kind].keys, key)->what
			                         : "another name");
			return;
		}
	}
	char *known = names_list(l, k);
	P(l, g, key, "'%s' is not defined; expected the name of %s [%s] (%s)", name,
	  article(kinds[k].word), kinds[k].word, known);
	g_free(known);
}

/* A single reference of kind k; -1 when absent, bad or undefined. */
static int ref(loader *l, const grp *g, const char *key, gkind k)
{
	const char *v = get(g, key, NULL);
	if (!v)
		return -1;
	int i = lookup(l, k, v);
	if (i < 0)
		undefined(l, g, key, v, k);
	return i;
}

static gboolean int_array_has(const GArray *a, int v)
{
	for (guint i = 0; i < a->len; i++)
		if (g_array_index(a, int, i) == v)
			return TRUE;
	return FALSE;
}

/* Appends v to `out` unless `seen` (the indices already in it) has it:
 * linear in the list, where a scan of `out` made `clients = client-*` over
 * 60,000 instances quadratic. */
static void append_new(GArray *out, GHashTable *seen, int v)
{
	if (g_hash_table_add(seen, GINT_TO_POINTER(v + 1)))
		g_array_append_val(out, v);
}

/* A comma-separated list of names or globs of kind k, appended to `out`
 * without repeats; a glob stands for every match in file order. */
static void ref_list(loader *l, const grp *g, const char *key, const char *value, gkind k,
                     GArray *out, gboolean required)
{
	char **items = g_strsplit(value, ",", -1);
	int nitems = 0;
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (guint i = 0; i < out->len; i++)
		g_hash_table_add(seen, GINT_TO_POINTER(g_array_index(out, int, i) + 1));
	for (char **it = items; *it; it++) {
		const char *item = g_strstrip(*it);
		if (!*item)
			continue;
		nitems++;
		if (strpbrk(item, "*?")) {
			gboolean any = FALSE;
			for (guint i = 0; i < l->names_of[k]->len; i++) {
				if (!g_pattern_match_simple(item, l->names_of[k]->pdata[i]))
					continue;
				any = TRUE;
				append_new(out, seen, (int)i);
			}
			if (!any) {
				char *known = names_list(l, k);
				P(l, g, key, "'%s' matches no [%s]; expected a glob matching at least one "
				             "name (%s)", item, kinds[k].word, known);
				g_free(known);
			}
			continue;
		}
		int idx = lookup(l, k, item);
		if (idx < 0)
			undefined(l, g, key, item, k);
		else
			append_new(out, seen, idx);
	}
	g_hash_table_destroy(seen);
	g_strfreev(items);
	if (required && nitems == 0)
		P(l, g, key, "'%s' names nothing; expected %s", value,
		  find_key(kinds[g->kind].keys, key)->what);
}

static gboolean get_bool(loader *l, const grp *g, const char *key, gboolean def)
{
	const char *v = get(g, key, def ? "true" : "false");
	if (!v)
		return def;
	if (strcmp(v, "true") == 0)
		return TRUE;
	if (strcmp(v, "false") != 0)
		P(l, g, key, "'%s' is not a switch; expected true or false", v);
	return FALSE;
}

/* One word of a fixed list; returns its index, or -1 when the key is
 * absent (and `def` NULL), could not be substituted or is none of the
 * words (reported). */
static int get_choice(loader *l, const grp *g, const char *key, const char *def,
                      const char *const *words)
{
	const char *v = get(g, key, def);
	if (!v)
		return -1;
	for (int i = 0; words[i]; i++)
		if (strcmp(v, words[i]) == 0)
			return i;
	char *list = g_strjoinv(", ", (char **)words);
	P(l, g, key, "'%s' is not a known choice; expected one of %s", v, list);
	g_free(list);
	return -1;
}

/* get_choice() with the first word standing in for a bad value. */
static int get_word(loader *l, const grp *g, const char *key, const char *def,
                    const char *const *words)
{
	int i = get_choice(l, g, key, def, words);
	return i < 0 ? 0 : i;
}

static void get_dist(loader *l, const grp *g, const char *key, const char *def, unit_kind kind,
                     dist *out)
{
	const char *v = get(g, key, def);
	GError *e = NULL;
	if (v && !dist_parse(v, kind, out, &e)) {
		/* Unit errors already say what they expected; range errors do not. */
		const char *what = find_key(kinds[g->kind].keys, key)->what;
		if (strstr(e->message, "expected"))
			P(l, g, key, "%s (%s)", e->message, what);
		else
			P(l, g, key, "%s; expected %s", e->message, what);
		g_error_free(e);
	} else if (v) {
		/* A sample the run cannot use is reported against this key. */
		char *origin = g_strdup_printf("%s: [%s] %s", l->pr.file, g->label, key);
		dist_set_origin(out, origin);
		g_free(origin);
	}
}

/* ---- pass 5: the elements --------------------------------------------- */

static const char *vpc_name(loader *l, int v)
{
	return v >= 0 ? g_array_index(l->sc->vpcs, sc_vpc, v).name : "?";
}

static void build_vpcs(loader *l)
{
	for (guint i = 0; i < l->of[GK_VPC]->len; i++) {
		grp *g = l->of[GK_VPC]->pdata[i];
		sc_vpc *v = SC_AT(l->sc->vpcs, sc_vpc, i);
		v->name = g_strdup(g->name);
		v->igw = -1;
		v->main_route_table = -1;
		sc_cidr c;
		if (!get_cidr(l, g, "cidr", &c))
			continue;
		if (c.len < 16 || c.len > 28)
			P(l, g, "cidr", "'%s' is a /%u; expected a VPC CIDR from /16 to /28",
			  get(g, "cidr", ""), c.len);
		v->cidr = c;
	}
}

static void build_igws(loader *l)
{
	for (guint i = 0; i < l->of[GK_IGW]->len; i++) {
		grp *g = l->of[GK_IGW]->pdata[i];
		sc_igw *w = SC_AT(l->sc->igws, sc_igw, i);
		w->name = g_strdup(g->name);
		w->vpc = ref(l, g, "vpc", GK_VPC);
		if (w->vpc < 0)
			continue;
		sc_vpc *v = SC_AT(l->sc->vpcs, sc_vpc, w->vpc);
		if (v->igw >= 0)
			P(l, g, "vpc", "'%s' already has internet gateway %s; expected one internet gateway "
			               "per VPC", v->name, g_array_index(l->sc->igws, sc_igw, v->igw).name);
		else
			v->igw = (int)i;
	}
}

/* Route tables' VPC and main flag, then an implicit main table for every
 * VPC without one.  Routes come later, once every target exists. */
static void build_route_tables(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_ROUTE_TABLE]->len; i++) {
		grp *g = l->of[GK_ROUTE_TABLE]->pdata[i];
		sc_route_table *t = SC_AT(sc->route_tables, sc_route_table, i);
		t->name = g_strdup(g->name);
		t->routes = g_array_new(FALSE, TRUE, sizeof(sc_route));
		t->vpc = ref(l, g, "vpc", GK_VPC);
		t->main = get_bool(l, g, "main", FALSE);
		if (t->vpc < 0 || !t->main)
			continue;
		sc_vpc *v = SC_AT(sc->vpcs, sc_vpc, t->vpc);
		if (v->main_route_table >= 0)
			P(l, g, "main", "'true': %s already has the main route table %s; expected one main "
			                "route table per VPC", v->name,
			  g_array_index(sc->route_tables, sc_route_table, v->main_route_table).name);
		else
			v->main_route_table = (int)i;
	}
	for (guint v = 0; v < sc->vpcs->len; v++) {
		sc_vpc *vpc = SC_AT(sc->vpcs, sc_vpc, v);
		if (vpc->main_route_table >= 0)
			continue;
		sc_route_table t = { .name = g_strdup_printf("%s-main", vpc->name), .vpc = (int)v,
			             .main = TRUE };
		t.routes = g_array_new(FALSE, TRUE, sizeof(sc_route));
		/* A clash with another implicit table means two VPCs share a name,
		 * which is reported already. */
		int clash = lookup(l, GK_ROUTE_TABLE, t.name);
		if (clash >= 0 && (guint)clash < l->of[GK_ROUTE_TABLE]->len) {
			grp *g = l->of[GK_ROUTE_TABLE]->pdata[clash];
			P(l, g, NULL, "the name '%s' is that of %s's implicit main route table; expected "
			              "another name, or main = true in this table", t.name, vpc->name);
		}
		vpc->main_route_table = (int)sc->route_tables->len;
		g_array_append_val(sc->route_tables, t);
		register_name(l, GK_ROUTE_TABLE, t.name);
	}
	/* The implicit local route comes first in every table. */
	for (guint i = 0; i < sc->route_tables->len; i++) {
		sc_route_table *t = SC_AT(sc->route_tables, sc_route_table, i);
		if (t->vpc < 0)
			continue;
		sc_route r = { SC_AT(sc->vpcs, sc_vpc, t->vpc)->cidr, -1, SC_TARGET_LOCAL, -1 };
		g_array_append_val(t->routes, r);
	}
}

/* Checks an AZ ID and returns its index in scenario.azs (added on first
 * use), or -1. */
static int az_index(loader *l, const grp *g, const char *az)
{
	/* An AZ ID is a Region code of letters and digits, "-az" and a number:
	 * use1-az1, apse2-az3.  AZ names (us-east-1a) differ per account. */
	const char *dash = strstr(az, "-az");
	gboolean ok = dash && dash > az && dash[3] != '\0';
	for (const char *p = az; ok && p < dash; p++)
		ok = g_ascii_islower(*p) || g_ascii_isdigit(*p);
	for (const char *p = dash ? dash + 3 : az; ok && *p; p++)
		ok = g_ascii_isdigit(*p);
	if (!ok) {
		P(l, g, "az", "'%s' is not an AZ ID; expected an AZ ID such as use1-az1 (AZ IDs, not "
		              "names such as us-east-1a, are the same in every account)", az);
		return -1;
	}
	GPtrArray *azs = l->sc->azs;
	for (guint i = 0; i < azs->len; i++)
		if (strcmp(azs->pdata[i], az) == 0)
			return (int)i;
	if (azs->len) {
		const char *first = azs->pdata[0];
		size_t rlen = (size_t)(strstr(first, "-az") - first);
		if (rlen != (size_t)(dash - az) || strncmp(first, az, rlen) != 0)
			P(l, g, "az", "'%s' is in another Region than %s, the first AZ used; expected AZ IDs "
			              "of one Region", az, first);
	}
	g_ptr_array_add(azs, g_strdup(az));
	return (int)azs->len - 1;
}

static void build_subnets(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_SUBNET]->len; i++) {
		grp *g = l->of[GK_SUBNET]->pdata[i];
		sc_subnet *s = SC_AT(sc->subnets, sc_subnet, i);
		s->name = g_strdup(g->name);
		s->vpc = ref(l, g, "vpc", GK_VPC);
		s->route_table = -1;
		s->az_index = -1;
		const char *az = get(g, "az", NULL);
		if (az) {
			s->az = g_strdup(az);
			s->az_index = az_index(l, g, az);
		}
		gboolean have_cidr = get_cidr(l, g, "cidr", &s->cidr);
		if (have_cidr && (s->cidr.len < 16 || s->cidr.len > 28)) {
			P(l, g, "cidr", "'%s' is a /%u; expected a subnet CIDR from /16 to /28",
			  get(g, "cidr", ""), s->cidr.len);
			have_cidr = FALSE;
		}
		if (have_cidr && s->vpc >= 0) {
			sc_vpc *v = SC_AT(sc->vpcs, sc_vpc, s->vpc);
			ipbuf b;
			if (v->cidr.len && (s->cidr.len < v->cidr.len ||
			                    !sc_cidr_contains(v->cidr, s->cidr.addr))) {
				P(l, g, "cidr", "'%s' is not inside VPC %s (%s); expected a CIDR within the "
				                "VPC's", get(g, "cidr", ""), v->name, fmt_cidr(v->cidr, &b));
			} else {
				for (guint j = 0; j < i; j++) {
					sc_subnet *o = SC_AT(sc->subnets, sc_subnet, j);
					if (o->vpc == s->vpc && o->cidr.len && cidr_overlap(o->cidr, s->cidr)) {
						P(l, g, "cidr", "'%s' overlaps subnet %s (%s) of %s; expected "
						                "subnets of a VPC not to overlap",
						  get(g, "cidr", ""), o->name, fmt_cidr(o->cidr, &b), v->name);
						break;
					}
				}
			}
		}
		if (!get(g, "route_table", NULL))
			continue;
		s->route_table = ref(l, g, "route_table", GK_ROUTE_TABLE);
		if (s->route_table >= 0 && s->vpc >= 0) {
			sc_route_table *t = SC_AT(sc->route_tables, sc_route_table, s->route_table);
			if (t->vpc >= 0 && t->vpc != s->vpc) {
				P(l, g, "route_table", "'%s' is a route table of %s, not of %s; expected a "
				                       "route table of the subnet's VPC", t->name,
				  vpc_name(l, t->vpc), vpc_name(l, s->vpc));
				s->route_table = -1;
			}
		}
	}
}

static int subnet_vpc(loader *l, int subnet)
{
	return subnet >= 0 ? g_array_index(l->sc->subnets, sc_subnet, subnet).vpc : -1;
}

static void build_security_groups(loader *l)
{
	for (guint i = 0; i < l->of[GK_SG]->len; i++) {
		grp *g = l->of[GK_SG]->pdata[i];
		sc_sg *s = SC_AT(l->sc->security_groups, sc_sg, i);
		s->name = g_strdup(g->name);
		s->vpc = ref(l, g, "vpc", GK_VPC);
		s->ingress = g_array_new(FALSE, TRUE, sizeof(sc_sg_rule));
		s->egress = g_array_new(FALSE, TRUE, sizeof(sc_sg_rule));
	}
}

static void build_instances(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_INSTANCE]->len; i++) {
		grp *g = l->of[GK_INSTANCE]->pdata[i];
		sc_instance *in = SC_AT(sc->instances, sc_instance, i);
		in->name = g_strdup(g->name);
		in->subnet = ref(l, g, "subnet", GK_SUBNET);
		in->sgs = g_array_new(FALSE, FALSE, sizeof(int));
		const char *v = get(g, "security_groups", "");
		if (v)
			ref_list(l, g, "security_groups", v, GK_SG, in->sgs, FALSE);
		int vpc = subnet_vpc(l, in->subnet);
		for (guint j = 0; j < in->sgs->len && vpc >= 0; j++) {
			sc_sg *s = SC_AT(sc->security_groups, sc_sg, g_array_index(in->sgs, int, j));
			if (s->vpc >= 0 && s->vpc != vpc)
				P(l, g, "security_groups", "'%s' is a security group of %s, not of %s (the VPC "
				                           "of subnet %s); expected groups of the instance's "
				                           "VPC", s->name, vpc_name(l, s->vpc),
				  vpc_name(l, vpc), SC_AT(sc->subnets, sc_subnet, in->subnet)->name);
		}
	}
}

static void build_peerings(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_PEERING]->len; i++) {
		grp *g = l->of[GK_PEERING]->pdata[i];
		sc_peering *p = SC_AT(sc->peerings, sc_peering, i);
		p->name = g_strdup(g->name);
		p->vpc_a = ref(l, g, "requester", GK_VPC);
		p->vpc_b = ref(l, g, "accepter", GK_VPC);
		if (p->vpc_a < 0 || p->vpc_b < 0)
			continue;
		sc_vpc *a = SC_AT(sc->vpcs, sc_vpc, p->vpc_a), *b = SC_AT(sc->vpcs, sc_vpc, p->vpc_b);
		ipbuf ba, bb;
		if (p->vpc_a == p->vpc_b) {
			P(l, g, "accepter", "'%s' is also the requester; expected two different VPCs",
			  b->name);
			continue;
		}
		if (a->cidr.len && b->cidr.len && cidr_overlap(a->cidr, b->cidr)) {
			P(l, g, "accepter", "'%s': VPC peering does not support overlapping CIDRs: %s %s "
			                    "overlaps %s %s; expected VPCs whose CIDRs do not overlap",
			  b->name, a->name, fmt_cidr(a->cidr, &ba), b->name, fmt_cidr(b->cidr, &bb));
			continue;
		}
		for (guint j = 0; j < i; j++) {
			sc_peering *o = SC_AT(sc->peerings, sc_peering, j);
			if ((o->vpc_a == p->vpc_a && o->vpc_b == p->vpc_b) ||
			    (o->vpc_a == p->vpc_b && o->vpc_b == p->vpc_a)) {
				P(l, g, "accepter", "'%s': %s and %s are already peered by %s; expected one "
				                    "peering connection per pair of VPCs", b->name, a->name,
				  b->name, o->name);
				break;
			}
		}
	}
}

static void build_tgws(loader *l)
{
	for (guint i = 0; i < l->of[GK_TGW]->len; i++)
		SC_AT(l->sc->tgws, sc_tgw, i)->name =
			g_strdup(((grp *)l->of[GK_TGW]->pdata[i])->name);
	for (guint i = 0; i < l->of[GK_TGW_ROUTE_TABLE]->len; i++) {
		grp *g = l->of[GK_TGW_ROUTE_TABLE]->pdata[i];
		sc_tgw_route_table *t = SC_AT(l->sc->tgw_route_tables, sc_tgw_route_table, i);
		t->name = g_strdup(g->name);
		t->tgw = ref(l, g, "transit_gateway", GK_TGW);
		t->routes = g_array_new(FALSE, TRUE, sizeof(sc_route));
	}
}

/* A TGW route table reference of an attachment, checked to belong to the
 * attachment's transit gateway. */
static void check_tgw_table(loader *l, const grp *g, const char *key, int table, int tgw)
{
	sc_tgw_route_table *t = SC_AT(l->sc->tgw_route_tables, sc_tgw_route_table, table);
	if (tgw >= 0 && t->tgw >= 0 && t->tgw != tgw)
		P(l, g, key, "'%s' is a route table of transit gateway %s, not of %s; expected a "
		             "route table of the attachment's transit gateway", t->name,
		  SC_AT(l->sc->tgws, sc_tgw, t->tgw)->name, SC_AT(l->sc->tgws, sc_tgw, tgw)->name);
}

/* Attachment i propagating its VPC CIDR into a table where an earlier
 * attachment's overlapping CIDR already goes: the table would hold two
 * routes for the same addresses, and AWS does not route between
 * overlapping VPCs (it does not propagate an identical CIDR a second
 * time).  PrivateLink is the way to connect such VPCs. */
static void check_tgw_overlap(loader *l, const grp *g, guint i)
{
	scenario *sc = l->sc;
	const sc_tgw_attachment *a = SC_AT(sc->tgw_attachments, sc_tgw_attachment, i);
	if (a->vpc < 0 || !SC_AT(sc->vpcs, sc_vpc, a->vpc)->cidr.len)
		return;
	const sc_vpc *va = SC_AT(sc->vpcs, sc_vpc, a->vpc);
	for (guint t = 0; t < a->propagate_to->len; t++) {
		int table = g_array_index(a->propagate_to, int, t);
		for (guint j = 0; j < i; j++) {
			const sc_tgw_attachment *o = SC_AT(sc->tgw_attachments, sc_tgw_attachment, j);
			if (o->vpc < 0 || o->vpc == a->vpc || !int_array_has(o->propagate_to, table))
				continue;
			const sc_vpc *vo = SC_AT(sc->vpcs, sc_vpc, o->vpc);
			if (!vo->cidr.len || !cidr_overlap(vo->cidr, va->cidr))
				continue;
			const char *tname = SC_AT(sc->tgw_route_tables, sc_tgw_route_table, table)->name;
			ipbuf bo, ba;
			P(l, g, "propagate_to", "'%s': Transit Gateway cannot route between overlapping "
			                        "CIDRs: %s %s and %s %s both propagate into %s; expected "
			                        "VPCs whose CIDRs do not overlap in one TGW route table "
			                        "(an interface endpoint, PrivateLink, connects overlapping "
			                        "VPCs)", tname, vo->name, fmt_cidr(vo->cidr, &bo), va->name,
			  fmt_cidr(va->cidr, &ba), tname);
			break;
		}
	}
}

static void build_tgw_attachments(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_TGW_ATTACHMENT]->len; i++) {
		grp *g = l->of[GK_TGW_ATTACHMENT]->pdata[i];
		sc_tgw_attachment *a = SC_AT(sc->tgw_attachments, sc_tgw_attachment, i);
		a->name = g_strdup(g->name);
		a->tgw = ref(l, g, "transit_gateway", GK_TGW);
		a->vpc = ref(l, g, "vpc", GK_VPC);
		a->subnets = g_array_new(FALSE, FALSE, sizeof(int));
		a->propagate_to = g_array_new(FALSE, FALSE, sizeof(int));
		a->route_table = ref(l, g, "route_table", GK_TGW_ROUTE_TABLE);
		if (a->route_table >= 0)
			check_tgw_table(l, g, "route_table", a->route_table, a->tgw);
		const char *v = get(g, "propagate_to", "");
		if (v)
			ref_list(l, g, "propagate_to", v, GK_TGW_ROUTE_TABLE, a->propagate_to, FALSE);
		for (guint j = 0; j < a->propagate_to->len; j++)
			check_tgw_table(l, g, "propagate_to", g_array_index(a->propagate_to, int, j),
			                a->tgw);
		v = get(g, "subnets", NULL);
		if (v)
			ref_list(l, g, "subnets", v, GK_SUBNET, a->subnets, TRUE);
		for (guint j = 0; j < a->subnets->len; j++) {
			sc_subnet *s = SC_AT(sc->subnets, sc_subnet, g_array_index(a->subnets, int, j));
			if (a->vpc >= 0 && s->vpc >= 0 && s->vpc != a->vpc) {
				P(l, g, "subnets", "'%s' is a subnet of %s, not of %s; expected subnets of the "
				                   "attached VPC", s->name, vpc_name(l, s->vpc),
				  vpc_name(l, a->vpc));
				continue;
			}
			for (guint k = 0; k < j; k++) {
				sc_subnet *o = SC_AT(sc->subnets, sc_subnet, g_array_index(a->subnets, int, k));
				if (s->az && o->az && strcmp(s->az, o->az) == 0) {
					P(l, g, "subnets", "'%s' and %s are both in %s; expected at most one "
					                   "subnet per AZ for the attachment ENIs", s->name,
					  o->name, s->az);
					break;
				}
			}
		}
		check_tgw_overlap(l, g, i);
		for (guint j = 0; j < i && a->tgw >= 0 && a->vpc >= 0; j++) {
			sc_tgw_attachment *o = SC_AT(sc->tgw_attachments, sc_tgw_attachment, j);
			if (o->tgw == a->tgw && o->vpc == a->vpc) {
				P(l, g, "vpc", "'%s' is already attached to %s by %s; expected one attachment "
				               "per VPC and transit gateway", vpc_name(l, a->vpc),
				  SC_AT(sc->tgws, sc_tgw, a->tgw)->name, o->name);
				break;
			}
		}
	}
}

static void build_natgws(loader *l)
{
	for (guint i = 0; i < l->of[GK_NATGW]->len; i++) {
		grp *g = l->of[GK_NATGW]->pdata[i];
		sc_natgw *n = SC_AT(l->sc->natgws, sc_natgw, i);
		n->name = g_strdup(g->name);
		n->subnet = ref(l, g, "subnet", GK_SUBNET);
	}
}

static void build_services(loader *l)
{
	static const char *const service_kinds[] = { "s3", "dynamodb", NULL };
	for (guint i = 0; i < l->of[GK_SERVICE]->len; i++) {
		grp *g = l->of[GK_SERVICE]->pdata[i];
		sc_service *s = SC_AT(l->sc->services, sc_service, i);
		s->name = g_strdup(g->name);
		s->prefixes = g_array_new(FALSE, FALSE, sizeof(sc_cidr));
		s->kind = g_strdup(service_kinds[get_word(l, g, "kind", NULL, service_kinds)]);
		const char *v = get(g, "prefixes", NULL);
		char **items = v ? g_strsplit(v, ",", -1) : NULL;
		GString *why = g_string_new(NULL);
		int nitems = 0;
		for (char **it = items; it && *it; it++) {
			const char *item = g_strstrip(*it);
			sc_cidr c;
			g_string_truncate(why, 0);
			if (!*item)
				continue;
			nitems++;
			if (parse_cidr(item, &c, why))
				g_array_append_val(s->prefixes, c);
			else
				P(l, g, "prefixes", "'%s' %s", item, why->str);
		}
		g_string_free(why, TRUE);
		g_strfreev(items);
		if (v && nitems == 0)
			P(l, g, "prefixes", "'%s' is empty; expected %s", v,
			  find_key(service_keys, "prefixes")->what);
		v = get(g, "ip", NULL);
		if (v && !parse_addr(v, &s->ip)) {
			P(l, g, "ip", "'%s' is not an IPv4 address; expected a dotted quad such as "
			              "52.216.0.10", v);
		} else if (v) {
			gboolean inside = FALSE;
			for (guint j = 0; j < s->prefixes->len; j++)
				inside |= sc_cidr_contains(g_array_index(s->prefixes, sc_cidr, j), s->ip);
			if (!inside && s->prefixes->len)
				P(l, g, "ip", "'%s' is not inside any of the service's prefixes; expected %s",
				  v, find_key(service_keys, "ip")->what);
		}
		get_dist(l, g, "latency", NULL, UNIT_TIME, &s->latency);
	}
}

/* Is there a transit gateway both VPCs are attached to? */
static gboolean share_tgw(loader *l, int a, int b)
{
	GArray *att = l->sc->tgw_attachments;
	for (guint i = 0; i < att->len; i++)
		for (guint j = 0; j < att->len; j++) {
			sc_tgw_attachment *x = SC_AT(att, sc_tgw_attachment, i);
			sc_tgw_attachment *y = SC_AT(att, sc_tgw_attachment, j);
			if (x->tgw >= 0 && x->tgw == y->tgw && x->vpc == a && y->vpc == b)
				return TRUE;
		}
	return FALSE;
}

static gboolean peered(loader *l, int a, int b)
{
	for (guint i = 0; i < l->sc->peerings->len; i++) {
		sc_peering *p = SC_AT(l->sc->peerings, sc_peering, i);
		if ((p->vpc_a == a && p->vpc_b == b) || (p->vpc_a == b && p->vpc_b == a))
			return TRUE;
	}
	return FALSE;
}

/* "80", "1024-65535" or "any" (0-65535). */
static gboolean parse_ports(const char *text, guint64 *lo, guint64 *hi)
{
	if (strcmp(text, "any") == 0) {
		*lo = 0;
		*hi = 65535;
		return TRUE;
	}
	const char *dash = strchr(text, '-');
	if (!dash)
		return g_ascii_string_to_unsigned(text, 10, 0, 65535, lo, NULL) && (*hi = *lo, TRUE);
	char *first = g_strndup(text, (gsize)(dash - text));
	gboolean ok = g_ascii_string_to_unsigned(first, 10, 0, 65535, lo, NULL) &&
	              g_ascii_string_to_unsigned(dash + 1, 10, 0, 65535, hi, NULL) && *lo <= *hi;
	g_free(first);
	return ok;
}

/* Parses one rule "PROTO PORTS from|to PEER"; reports and returns FALSE on
 * a bad one. */
static gboolean parse_rule(loader *l, const grp *g, const char *key, int sg, const char *text,
                           sc_sg_rule *r)
{
	gboolean ingress = strcmp(key, "ingress") == 0;
	const char *dir = ingress ? "from" : "to";
	char **raw = g_strsplit_set(text, " \t", -1);
	const char *tok[5];
	int n = 0;
	for (char **t = raw; *t; t++)
		if (**t && n < 5)
			tok[n++] = *t;
	static const char *const protos[] = { "all", "tcp", "udp", "icmp", NULL };
	int proto = -1;
	for (int i = 0; n > 0 && protos[i]; i++)
		if (strcmp(tok[0], protos[i]) == 0)
			proto = i;
	gboolean ok = FALSE;
	memset(r, 0, sizeof *r);
	r->peer_sg = -1;
	guint64 lo = 0, hi = 65535;
	if (n != 4 || strcmp(tok[2], dir) != 0) {
		P(l, g, key, "'%s' is not a rule; expected 'PROTO PORTS %s %s' such as 'tcp 443 %s "
		             "10.0.0.0/16'", text, dir, ingress ? "SOURCE" : "DEST", dir);
	} else if (proto < 0) {
		P(l, g, key, "'%s': protocol '%s' is not known; expected tcp, udp, icmp or all", text,
		  tok[0]);
	} else if (strcmp(tok[1], "any") != 0 &&
	           (proto == SC_PROTO_ALL || proto == SC_PROTO_ICMP)) {
		P(l, g, key, "'%s': %s has no ports; expected '%s any %s ...'", text, tok[0], tok[0],
		  dir);
	} else if (!parse_ports(tok[1], &lo, &hi)) {
		P(l, g, key, "'%s': ports '%s' are not a port or range; expected 80, 1024-65535 or "
		             "any", text, tok[1]);
	} else {
		r->proto = (sc_proto)proto;
		r->port_lo = (uint16_t)lo;
		r->port_hi = (uint16_t)hi;
		GString *why = g_string_new(NULL);
		if (strchr(tok[3], '/')) {
			ok = parse_cidr(tok[3], &r->peer, why);
			if (!ok)
				P(l, g, key, "'%s': '%s' %s", text, tok[3], why->str);
		} else if ((r->peer_sg = lookup(l, GK_SG, tok[3])) < 0) {
			P(l, g, key, "'%s': '%s' is neither a CIDR nor a [security_group]; expected a CIDR "
			             "such as 10.0.0.0/16 or the name of a security group", text, tok[3]);
		} else {
			int a = SC_AT(l->sc->security_groups, sc_sg, sg)->vpc;
			int b = SC_AT(l->sc->security_groups, sc_sg, r->peer_sg)->vpc;
			ok = a < 0 || b < 0 || a == b || peered(l, a, b) || (ingress && share_tgw(l, a, b));
			if (!ok)
				P(l, g, key, "'%s': security group %s is in %s, which is neither this group's "
				             "VPC (%s) nor peered with it; expected a group of the same VPC or "
				             "of a peered VPC (for ingress, also of a VPC on the same transit "
				             "gateway)", text, tok[3], vpc_name(l, b), vpc_name(l, a));
		}
		g_string_free(why, TRUE);
	}
	g_strfreev(raw);
	if (ok)
		r->text = g_strdup(text);
	return ok;
}

static void build_sg_rules(loader *l)
{
	for (guint i = 0; i < l->of[GK_SG]->len; i++) {
		grp *g = l->of[GK_SG]->pdata[i];
		sc_sg *s = SC_AT(l->sc->security_groups, sc_sg, i);
		static const char *const keys[] = { "ingress", "egress" };
		for (int d = 0; d < 2; d++) {
			GArray *rules = d ? s->egress : s->ingress;
			const char *v = get(g, keys[d], NULL);
			if (!v && d == 1 && !g_hash_table_contains(g->values, "egress")) {
				/* AWS's default egress rule: everything allowed. */
				sc_sg_rule r = { SC_PROTO_ALL, 0, 65535, { 0, 0 }, -1,
					         g_strdup("all any to 0.0.0.0/0") };
				g_array_append_val(rules, r);
				continue;
			}
			char **items = v ? g_strsplit(v, ",", -1) : NULL;
			for (char **it = items; it && *it; it++) {
				const char *item = g_strstrip(*it);
				sc_sg_rule r;
				if (*item && parse_rule(l, g, keys[d], (int)i, item, &r))
					g_array_append_val(rules, r);
			}
			g_strfreev(items);
		}
	}
}

/* Appends a route unless the table already has one for the destination. */
static gboolean add_route(loader *l, const grp *g, const char *key, const char *text,
                          GArray *routes, sc_route r)
{
	for (guint i = 0; i < routes->len; i++) {
		sc_route *o = SC_AT(routes, sc_route, i);
		if (o->dst.addr == r.dst.addr && o->dst.len == r.dst.len) {
			ipbuf b;
			P(l, g, key, "'%s': the table already has a route for %s%s; expected one route "
			             "per destination", text, fmt_cidr(r.dst, &b),
			  o->kind == SC_TARGET_LOCAL ? " (the local route)" : "");
			return FALSE;
		}
	}
	g_array_append_val(routes, r);
	return TRUE;
}

/* Splits "CIDR -> TARGET"; reports and returns FALSE when it is not that. */
static gboolean split_route(loader *l, const grp *g, const char *key, const char *item,
                            const char *example, sc_cidr *dst, char **target)
{
	const char *arrow = strstr(item, "->");
	if (!arrow) {
		P(l, g, key, "'%s' is not a route; expected 'CIDR -> TARGET' such as '%s'", item,
		  example);
		return FALSE;
	}
	char *d = g_strstrip(g_strndup(item, (gsize)(arrow - item)));
	GString *why = g_string_new(NULL);
	gboolean ok = parse_cidr(d, dst, why);
	if (!ok)
		P(l, g, key, "'%s': destination '%s' %s", item, d, why->str);
	*target = g_strstrip(g_strdup(arrow + 2));
	g_string_free(why, TRUE);
	g_free(d);
	return ok;
}

/* The VPC a route target belongs to, for the same-VPC check: -1 for
 * targets that are not in one VPC (peering, TGW). */
static int target_vpc(loader *l, sc_target_kind kind, int t)
{
	switch (kind) {
	case SC_TARGET_NATGW:
		return subnet_vpc(l, SC_AT(l->sc->natgws, sc_natgw, t)->subnet);
	case SC_TARGET_INSTANCE:
		return subnet_vpc(l, SC_AT(l->sc->instances, sc_instance, t)->subnet);
	case SC_TARGET_IGW:
		return SC_AT(l->sc->igws, sc_igw, t)->vpc;
	default:
		return -1;
	}
}

/* A [route] (AWS::EC2::Route) joins its table's `routes` list, where it is
 * checked like any route written there; a counted one gives a route per
 * copy (a route back to each of N peered VPCs). */
static void fold_route_groups(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_ROUTE]->len; i++) {
		grp *g = l->of[GK_ROUTE]->pdata[i];
		sc_route_group *r = SC_AT(sc->routes, sc_route_group, i);
		r->name = g_strdup(g->name);
		r->route_table = ref(l, g, "route_table", GK_ROUTE_TABLE);
		const char *dst = get(g, "destination", NULL), *target = get(g, "target", NULL);
		if (r->route_table < 0 || !dst || !target)
			continue;
		if ((guint)r->route_table >= l->of[GK_ROUTE_TABLE]->len) {
			P(l, g, "route_table", "'%s' is a VPC's implicit main route table; expected a "
			                       "[route_table] written in the file", get(g, "route_table", ""));
			continue;
		}
		if (strchr(dst, ',') || strchr(target, ',')) {
			P(l, g, strchr(dst, ',') ? "destination" : "target", "'%s': one route per group; "
			  "expected no comma", strchr(dst, ',') ? dst : target);
			continue;
		}
		/* What can be judged here is reported under this group; the rest
		 * (a target serving another VPC) under the table, with the route. */
		sc_cidr c;
		GString *why = g_string_new(NULL);
		gboolean ok = parse_cidr(dst, &c, why);
		if (!ok)
			P(l, g, "destination", "'%s' %s", dst, why->str);
		g_string_free(why, TRUE);
		if (strcmp(target, "local") != 0 && strcmp(target, "blackhole") != 0 &&
		    !g_hash_table_contains(l->space[SPACE_ROUTE], target)) {
			P(l, g, "target", "'%s' is not defined; expected %s", target, ROUTE_TARGET_WORDS);
			ok = FALSE;
		}
		if (!ok)
			continue;
		grp *t = l->of[GK_ROUTE_TABLE]->pdata[r->route_table];
		const char *have = get(t, "routes", "");
		char *all = g_strdup_printf("%s%s%s -> %s", have ? have : "", have && *have ? ", " : "", dst, target);
		g_hash_table_replace(t->values, g_strdup("routes"), all);
	}
}

static void build_vpc_routes(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_ROUTE_TABLE]->len; i++) {
		grp *g = l->of[GK_ROUTE_TABLE]->pdata[i];
		sc_route_table *t = SC_AT(sc->route_tables, sc_route_table, i);
		const char *v = get(g, "routes", "");
		char **items = v ? g_strsplit(v, ",", -1) : NULL;
		for (char **it = items; it && *it; it++) {
			const char *item = g_strstrip(*it);
			sc_route r = { .prefix_list = -1, .target = -1 };
			char *target = NULL;
			if (!*item || !split_route(l, g, "routes", item, "0.0.0.0/0 -> igw-a", &r.dst,
			                           &target)) {
				g_free(target);
				continue;
			}
			gboolean ok = TRUE;
			const char *vpc = t->vpc >= 0 ? vpc_name(l, t->vpc) : NULL;
			ipbuf b;
			if (strcmp(target, "local") == 0) {
				r.kind = SC_TARGET_LOCAL;
				sc_cidr own = t->vpc >= 0 ? SC_AT(sc->vpcs, sc_vpc, t->vpc)->cidr : r.dst;
				/* The implicit local route may be written out; nothing else. */
				if (own.addr != r.dst.addr || own.len != r.dst.len)
					P(l, g, "routes", "'%s': local is only for the VPC's own CIDR %s; expected "
					                  "another target", item, fmt_cidr(own, &b));
				g_free(target);
				continue;
			} else if (strcmp(target, "blackhole") == 0) {
				r.kind = SC_TARGET_BLACKHOLE;
			} else {
				int k = GPOINTER_TO_INT(g_hash_table_lookup(l->space[SPACE_ROUTE], target)) - 1;
				static const sc_target_kind of_kind[GK_N] = {
					[GK_PEERING] = SC_TARGET_PEERING, [GK_TGW] = SC_TARGET_TGW,
					[GK_NATGW] = SC_TARGET_NATGW, [GK_IGW] = SC_TARGET_IGW,
					[GK_INSTANCE] = SC_TARGET_INSTANCE,
				};
				if (k < 0) {
					if (lookup(l, GK_GW_ENDPOINT, target) >= 0)
						P(l, g, "routes", "'%s': '%s' is a gateway endpoint, whose routes it "
						                  "adds itself; expected %s (list this table in the "
						                  "endpoint's route_tables instead)", item, target,
						  ROUTE_TARGET_WORDS);
					else
						P(l, g, "routes", "'%s': target '%s' is not defined; expected %s",
						  item, target, ROUTE_TARGET_WORDS);
					ok = FALSE;
				} else {
					r.kind = of_kind[k];
					r.target = lookup(l, (gkind)k, target);
				}
			}
			if (ok && vpc && r.kind == SC_TARGET_PEERING) {
				sc_peering *p = SC_AT(sc->peerings, sc_peering, r.target);
				if (p->vpc_a >= 0 && p->vpc_b >= 0 && p->vpc_a != t->vpc &&
				    p->vpc_b != t->vpc) {
					P(l, g, "routes", "'%s': peering %s connects %s and %s, not %s; expected a "
					                  "peering of this table's VPC", item, target,
					  vpc_name(l, p->vpc_a), vpc_name(l, p->vpc_b), vpc);
					ok = FALSE;
				}
			} else if (ok && vpc && r.kind == SC_TARGET_TGW) {
				gboolean attached = FALSE;
				for (guint j = 0; j < sc->tgw_attachments->len; j++) {
					sc_tgw_attachment *a = SC_AT(sc->tgw_attachments, sc_tgw_attachment, j);
					attached |= a->tgw == r.target && a->vpc == t->vpc;
				}
				if (!attached) {
					P(l, g, "routes", "'%s': %s is not attached to transit gateway %s; expected "
					                  "a [tgw_attachment] of %s to it first", item, vpc, target,
					  vpc);
					ok = FALSE;
				}
			} else if (ok && vpc && r.target >= 0) {
				int tv = target_vpc(l, r.kind, r.target);
				static const char *const what[] = {
					[SC_TARGET_NATGW] = "nat_gateway", [SC_TARGET_IGW] = "internet_gateway",
					[SC_TARGET_INSTANCE] = "instance",
				};
				if (tv >= 0 && tv != t->vpc) {
					P(l, g, "routes", "'%s': %s %s is in %s, not %s; expected a target in this "
					                  "table's VPC%s", item, what[r.kind], target,
					  vpc_name(l, tv), vpc, r.kind == SC_TARGET_IGW
					                            ? " (an internet gateway serves only the VPC "
					                              "it is attached to)"
					                            : "");
					ok = FALSE;
				}
			}
			if (ok)
				add_route(l, g, "routes", item, t->routes, r);
			g_free(target);
		}
		g_strfreev(items);
	}
}

static void build_tgw_routes(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_TGW_ROUTE_TABLE]->len; i++) {
		grp *g = l->of[GK_TGW_ROUTE_TABLE]->pdata[i];
		sc_tgw_route_table *t = SC_AT(sc->tgw_route_tables, sc_tgw_route_table, i);
		const char *v = get(g, "routes", "");
		char **items = v ? g_strsplit(v, ",", -1) : NULL;
		for (char **it = items; it && *it; it++) {
			const char *item = g_strstrip(*it);
			sc_route r = { .prefix_list = -1, .target = -1, .kind = SC_TARGET_BLACKHOLE };
			char *target = NULL;
			if (!*item || !split_route(l, g, "routes", item, "10.1.0.0/16 -> att-spoke-1",
			                           &r.dst, &target)) {
				g_free(target);
				continue;
			}
			gboolean ok = TRUE;
			if (strcmp(target, "blackhole") != 0) {
				r.kind = SC_TARGET_TGW;
				r.target = lookup(l, GK_TGW_ATTACHMENT, target);
				if (r.target < 0) {
					char *known = names_list(l, GK_TGW_ATTACHMENT);
					P(l, g, "routes", "'%s': target '%s' is not defined; expected blackhole or "
					                  "the name of a [tgw_attachment] (%s)", item, target,
					  known);
					g_free(known);
					ok = FALSE;
				} else {
					sc_tgw_attachment *a = SC_AT(sc->tgw_attachments, sc_tgw_attachment,
					                             r.target);
					if (a->tgw >= 0 && t->tgw >= 0 && a->tgw != t->tgw) {
						P(l, g, "routes", "'%s': attachment %s is on transit gateway %s, not "
						                  "%s; expected an attachment of this table's "
						                  "transit gateway", item, target,
						  SC_AT(sc->tgws, sc_tgw, a->tgw)->name,
						  SC_AT(sc->tgws, sc_tgw, t->tgw)->name);
						ok = FALSE;
					}
				}
			}
			if (ok)
				add_route(l, g, "routes", item, t->routes, r);
			g_free(target);
		}
		g_strfreev(items);
	}
}

/* Gateway endpoints, and their prefix-list routes appended to the tables
 * they list. */
static void build_gw_endpoints(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_GW_ENDPOINT]->len; i++) {
		grp *g = l->of[GK_GW_ENDPOINT]->pdata[i];
		sc_gw_endpoint *e = SC_AT(sc->gw_endpoints, sc_gw_endpoint, i);
		e->name = g_strdup(g->name);
		e->vpc = ref(l, g, "vpc", GK_VPC);
		e->service = ref(l, g, "service", GK_SERVICE);
		e->route_tables = g_array_new(FALSE, FALSE, sizeof(int));
		const char *v = get(g, "route_tables", NULL);
		if (v)
			ref_list(l, g, "route_tables", v, GK_ROUTE_TABLE, e->route_tables, TRUE);
		for (guint j = 0; j < e->route_tables->len; j++) {
			sc_route_table *t = SC_AT(sc->route_tables, sc_route_table,
			                          g_array_index(e->route_tables, int, j));
			if (e->vpc >= 0 && t->vpc >= 0 && t->vpc != e->vpc) {
				P(l, g, "route_tables", "'%s' is a route table of %s, not of %s; expected "
				                        "route tables of the endpoint's VPC", t->name,
				  vpc_name(l, t->vpc), vpc_name(l, e->vpc));
				continue;
			}
			if (e->service < 0)
				continue;
			sc_service *s = SC_AT(sc->services, sc_service, e->service);
			for (guint p = 0; p < s->prefixes->len; p++) {
				sc_route r = { g_array_index(s->prefixes, sc_cidr, p), e->service,
					       SC_TARGET_GW_ENDPOINT, (int)i };
				char *text = g_strdup_printf("%s (service %s)", t->name, s->name);
				gboolean added = add_route(l, g, "route_tables", text, t->routes, r);
				g_free(text);
				if (!added)
					break;
			}
		}
	}
}

/* ---- load balancers, target groups and PrivateLink -------------------- */

static const char *const lb_types[] = { "application", "network", NULL };

static gboolean has(const grp *g, const char *key)
{
	return g_hash_table_contains(g->values, key);
}

static gboolean parse_port(const char *text, uint16_t *out)
{
	guint64 p;
	if (!g_ascii_string_to_unsigned(text, 10, 1, 65535, &p, NULL))
		return FALSE;
	*out = (uint16_t)p;
	return TRUE;
}

/* A load balancer's listener ports, "80, 8080", for messages.  Caller frees. */
static char *listener_ports(const sc_lb *lb)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < lb->listeners->len; i++)
		g_string_append_printf(s, "%s%u", i ? ", " : "",
		                       SC_AT(lb->listeners, sc_listener, i)->port);
	return g_string_free(s, FALSE);
}

static gboolean lb_has_port(const sc_lb *lb, uint16_t port)
{
	for (guint i = 0; i < lb->listeners->len; i++)
		if (SC_AT(lb->listeners, sc_listener, i)->port == port)
			return TRUE;
	return FALSE;
}

/* The AZs of a load balancer's nodes, "use1-az1, use1-az2".  Caller frees. */
static char *lb_azs(loader *l, const sc_lb *lb)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < lb->subnets->len; i++) {
		const sc_subnet *sn = SC_AT(l->sc->subnets, sc_subnet, g_array_index(lb->subnets, int, i));
		if (sn->az)
			g_string_append_printf(s, "%s%s", s->len ? ", " : "", sn->az);
	}
	return g_string_free(s, FALSE);
}

/* Reports `key` written on a load balancer of the type it does not apply
 * to; TRUE when it is absent or applies. */
static gboolean only_for(loader *l, const grp *g, const char *key, int type, sc_lb_type want)
{
	if (!has(g, key) || type < 0 || type == (int)want)
		return TRUE;
	const char *v = get(g, key, "");
	const char *other = lb_types[type];
	P(l, g, key, "'%s': the key %s is for %s load balancers only; expected no %s key on %s %s "
	             "load balancer", v ? v : "", key, lb_types[want], key, article(other), other);
	return FALSE;
}

/* Subnets for load balancer nodes or endpoint ENIs: all of one VPC, one per
 * AZ.  `vpc` is the VPC they must be in, or -1 to take the first subnet's.
 * Returns the VPC (-1 if unknown). */
static int check_subnet_list(loader *l, const grp *g, const char *key, const GArray *subnets,
                             int vpc, const char *whose, const char *enis)
{
	scenario *sc = l->sc;
	const sc_subnet *first = NULL;
	if (vpc < 0 && subnets->len) {
		first = SC_AT(sc->subnets, sc_subnet, g_array_index(subnets, int, 0));
		vpc = first->vpc;
	}
	for (guint j = 0; j < subnets->len; j++) {
		const sc_subnet *s = SC_AT(sc->subnets, sc_subnet, g_array_index(subnets, int, j));
		if (vpc >= 0 && s->vpc >= 0 && s->vpc != vpc) {
			if (first)
				P(l, g, key, "'%s' is a subnet of %s, not of %s (the VPC of %s, the first "
				             "subnet); expected subnets of one VPC", s->name, vpc_name(l, s->vpc),
				  vpc_name(l, vpc), first->name);
			else
				P(l, g, key, "'%s' is a subnet of %s, not of %s; expected subnets of %s VPC",
				  s->name, vpc_name(l, s->vpc), vpc_name(l, vpc), whose);
			continue;
		}
		for (guint k = 0; k < j; k++) {
			const sc_subnet *o = SC_AT(sc->subnets, sc_subnet, g_array_index(subnets, int, k));
			if (s->az && o->az && strcmp(s->az, o->az) == 0) {
				P(l, g, key, "'%s' and %s are both in %s; expected one subnet per AZ for %s",
				  s->name, o->name, s->az, enis);
				break;
			}
		}
	}
	return vpc;
}

/* The security groups of a load balancer or endpoint, which must be of its
 * VPC. */
static void check_sg_list(loader *l, const grp *g, const GArray *sgs, int vpc, const char *whose)
{
	for (guint j = 0; j < sgs->len && vpc >= 0; j++) {
		const sc_sg *s = SC_AT(l->sc->security_groups, sc_sg, g_array_index(sgs, int, j));
		if (s->vpc >= 0 && s->vpc != vpc)
			P(l, g, "security_groups", "'%s' is a security group of %s, not of %s; expected "
			                           "groups of %s VPC", s->name, vpc_name(l, s->vpc),
			  vpc_name(l, vpc), whose);
	}
}

/* Does the subnet's route table send 0.0.0.0/0 to an internet gateway?
 * `*table` gets the table (-1 when unknown, and then the answer is TRUE so
 * that nothing is reported twice). */
static gboolean subnet_is_public(loader *l, int subnet, int *table)
{
	scenario *sc = l->sc;
	*table = subnet >= 0 ? scenario_subnet_route_table(sc, subnet) : -1;
	if (*table < 0)
		return TRUE;
	const sc_route_table *rt = SC_AT(sc->route_tables, sc_route_table, *table);
	for (guint j = 0; j < rt->routes->len; j++) {
		const sc_route *r = SC_AT(rt->routes, sc_route, j);
		if (r->kind == SC_TARGET_IGW && r->dst.len == 0)
			return TRUE;
	}
	return FALSE;
}

/* The idle timeout: whole seconds (AWS sets it in seconds) within AWS's
 * range for the type. */
static void get_idle_timeout(loader *l, const grp *g, int type, sim_time *out)
{
	const char *v = get(g, "idle_timeout", NULL);
	if (!v)
		return;
	sim_time t;
	GError *e = NULL;
	if (!units_parse_time(v, &t, &e)) {
		P(l, g, "idle_timeout", "%s", e->message);
		g_error_free(e);
		return;
	}
	/* ALB 1-4000 s, NLB 60-6000 s (aws-facts.md section 2). */
	sim_time lo = type == SC_LB_NETWORK ? 60 : 1, hi = type == SC_LB_NETWORK ? 6000 : 4000;
	if (t % SIM_S != 0)
		P(l, g, "idle_timeout", "'%s' is not a whole number of seconds; expected %s", v,
		  find_key(lb_keys, "idle_timeout")->what);
	else if (type < 0 && t <= 0)
		P(l, g, "idle_timeout", "'%s' is not positive; expected %s", v,
		  find_key(lb_keys, "idle_timeout")->what);
	else if (type >= 0 && (t < lo * SIM_S || t > hi * SIM_S))
		P(l, g, "idle_timeout", "'%s' is out of range for %s %s load balancer; expected %" 
		                        G_GINT64_FORMAT "s to %" G_GINT64_FORMAT "s", v,
		  article(lb_types[type]), lb_types[type], (gint64)lo, (gint64)hi);
	else
		*out = t;
}

/* Everything of a load balancer but its listeners and rules, which name
 * target groups (built next, since they in turn may name a load balancer). */
static void build_lbs(loader *l)
{
	static const char *const schemes[] = { "internal", "internet-facing", NULL };
	static const char *const algorithms[] = { "round_robin", "least_outstanding_requests",
		                                  NULL };
	scenario *sc = l->sc;
	l->lb_type = g_new0(int, l->of[GK_LB]->len + 1);
	for (guint i = 0; i < l->of[GK_LB]->len; i++) {
		grp *g = l->of[GK_LB]->pdata[i];
		sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		lb->name = g_strdup(g->name);
		lb->subnets = g_array_new(FALSE, FALSE, sizeof(int));
		lb->node_ips = g_array_new(FALSE, TRUE, sizeof(uint32_t));
		lb->node_public_ips = g_array_new(FALSE, TRUE, sizeof(uint32_t));
		lb->sgs = g_array_new(FALSE, FALSE, sizeof(int));
		lb->listeners = g_array_new(FALSE, TRUE, sizeof(sc_listener));
		int type = get(g, "type", NULL) ? get_choice(l, g, "type", NULL, lb_types) : -1;
		l->lb_type[i] = type;
		lb->type = type == SC_LB_NETWORK ? SC_LB_NETWORK : SC_LB_APPLICATION;
		lb->internet_facing = get_word(l, g, "scheme", "internal", schemes) == 1;

		const char *v = get(g, "subnets", NULL);
		if (v)
			ref_list(l, g, "subnets", v, GK_SUBNET, lb->subnets, TRUE);
		lb->vpc = check_subnet_list(l, g, "subnets", lb->subnets, -1, NULL,
		                            "the load balancer nodes");
		g_array_set_size(lb->node_ips, lb->subnets->len);
		g_array_set_size(lb->node_public_ips, lb->subnets->len);
		/* "[Application Load Balancers] You must specify subnets from at
		 * least two Availability Zones" (ELBv2 CreateLoadBalancer, Subnets). */
		if (type == SC_LB_APPLICATION && lb->subnets->len == 1) {
			const sc_subnet *s = SC_AT(sc->subnets, sc_subnet,
			                           g_array_index(lb->subnets, int, 0));
			P(l, g, "subnets", "'%s' covers one AZ (%s); expected subnets in two AZs or more, "
			                   "which AWS requires of an application load balancer", v,
			  s->az ? s->az : "?");
		}

		if (has(g, "security_groups")) {
			v = get(g, "security_groups", NULL);
			if (v)
				ref_list(l, g, "security_groups", v, GK_SG, lb->sgs,
				         type == SC_LB_APPLICATION);
			check_sg_list(l, g, lb->sgs, lb->vpc, "the load balancer's");
		} else if (type == SC_LB_APPLICATION) {
			P(l, g, "security_groups", "missing; expected %s",
			  find_key(lb_keys, "security_groups")->what);
		}

		/* ALB: cross-zone is always on at the load balancer level; NLB: off
		 * unless turned on. */
		if (type == SC_LB_APPLICATION) {
			lb->cross_zone = TRUE;
			v = get(g, "cross_zone", "true");
			if (v && strcmp(v, "false") == 0)
				P(l, g, "cross_zone", "'false': ALB cross-zone load balancing is always on; "
				                      "expected true, or no cross_zone key, on an application "
				                      "load balancer");
			else
				get_bool(l, g, "cross_zone", TRUE);
		} else {
			lb->cross_zone = get_bool(l, g, "cross_zone", FALSE);
		}

		get_idle_timeout(l, g, type, &lb->idle_timeout);
		if (only_for(l, g, "algorithm", type, SC_LB_APPLICATION))
			lb->algorithm = (sc_lb_algorithm)get_word(l, g, "algorithm", "round_robin",
			                                          algorithms);
		/* An ALB ends the client's connection: targets see its node's
		 * address whatever the key says, so it takes none. */
		if (only_for(l, g, "preserve_client_ip", type, SC_LB_NETWORK))
			lb->preserve_client_ip = get_bool(l, g, "preserve_client_ip",
			                                  type != SC_LB_APPLICATION);
		only_for(l, g, "rules", type, SC_LB_APPLICATION);
	}
}

static void build_target_groups(loader *l)
{
	static const char *const tg_types[] = { "instance", "alb", NULL };
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_TG]->len; i++) {
		grp *g = l->of[GK_TG]->pdata[i];
		sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, i);
		tg->name = g_strdup(g->name);
		tg->targets = g_array_new(FALSE, FALSE, sizeof(int));
		tg->vpc = -1;
		int type = get_choice(l, g, "type", "instance", tg_types);
		tg->type = type == 1 ? SC_TG_ALB : SC_TG_INSTANCE;

		const char *v = get(g, "targets", NULL);
		if (v && type == 0) {
			ref_list(l, g, "targets", v, GK_INSTANCE, tg->targets, TRUE);
			const sc_instance *first = NULL;
			for (guint j = 0; j < tg->targets->len; j++) {
				const sc_instance *in = SC_AT(sc->instances, sc_instance,
				                              g_array_index(tg->targets, int, j));
				int vpc = subnet_vpc(l, in->subnet);
				if (!first) {
					first = in;
					tg->vpc = vpc;
				} else if (vpc >= 0 && tg->vpc >= 0 && vpc != tg->vpc) {
					P(l, g, "targets", "'%s' is in %s, not %s (the VPC of %s, the first "
					                   "target); expected targets in one VPC", in->name,
					  vpc_name(l, vpc), vpc_name(l, tg->vpc), first->name);
				}
			}
		} else if (v && type == 1) {
			char *one = g_strstrip(g_strdup(v));
			int lb = strpbrk(one, ",*?") ? -2 : lookup(l, GK_LB, one);
			if (lb == -2)
				P(l, g, "targets", "'%s' is not one name; expected exactly one application "
				                   "[load_balancer] (AWS allows one ALB per target group of "
				                   "type alb)", one);
			else if (lb < 0)
				undefined(l, g, "targets", one, GK_LB);
			else if (l->lb_type[lb] == SC_LB_NETWORK)
				P(l, g, "targets", "'%s' is a network load balancer; expected an application "
				                   "one (a target group of type alb forwards to an ALB)", one);
			else {
				g_array_append_val(tg->targets, lb);
				tg->vpc = SC_AT(sc->load_balancers, sc_lb, lb)->vpc;
			}
			g_free(one);
		}

		v = get(g, "port", NULL);
		if (v && !parse_port(v, &tg->port))
			P(l, g, "port", "'%s' is not a port; expected a whole number from 1 to 65535", v);
		else if (!has(g, "port") && type == 0)
			P(l, g, "port", "missing; expected %s (a target group of type instance needs one)",
			  find_key(tg_keys, "port")->what);
	}
}

/* May load balancer `lbi` forward to target group `tgi`?  Reports why not. */
static gboolean check_lb_tg(loader *l, const grp *g, const char *key, const char *item, int lbi,
                            int tgi)
{
	const sc_lb *lb = SC_AT(l->sc->load_balancers, sc_lb, lbi);
	const sc_target_group *tg = SC_AT(l->sc->target_groups, sc_target_group, tgi);
	if (tg->type == SC_TG_ALB && l->lb_type[lbi] == SC_LB_APPLICATION) {
		P(l, g, key, "'%s': target group %s is of type alb, which only a network load "
		             "balancer's listener can use; expected a target group of type instance",
		  item, tg->name);
		return FALSE;
	}
	if (tg->vpc >= 0 && lb->vpc >= 0 && tg->vpc != lb->vpc) {
		P(l, g, key, "'%s': target group %s is in %s (its targets' VPC), not %s (the load "
		             "balancer's); expected a target group of the load balancer's VPC", item,
		  tg->name, vpc_name(l, tg->vpc), vpc_name(l, lb->vpc));
		return FALSE;
	}
	return TRUE;
}

/* Splits "A B -> C" into two words and a name; FALSE when it is not that. */
static gboolean split_arrow(const char *item, char **w1, char **w2, char **name)
{
	*w1 = *w2 = *name = NULL;
	const char *arrow = strstr(item, "->");
	if (!arrow)
		return FALSE;
	char *left = g_strndup(item, (gsize)(arrow - item));
	char **raw = g_strsplit_set(left, " \t", -1);
	GPtrArray *tok = g_ptr_array_new();
	for (char **t = raw; *t; t++)
		if (**t)
			g_ptr_array_add(tok, *t);
	char *right = g_strstrip(g_strdup(arrow + 2));
	gboolean ok = tok->len == 2 && *right && !strpbrk(right, " \t");
	if (ok) {
		*w1 = g_strdup(tok->pdata[0]);
		*w2 = g_strdup(tok->pdata[1]);
		*name = right;
	} else {
		g_free(right);
	}
	g_ptr_array_unref(tok);
	g_strfreev(raw);
	g_free(left);
	return ok;
}

/* One listener "PROTO PORT -> TARGET_GROUP"; reports and returns FALSE on a
 * bad one. */
static gboolean parse_listener(loader *l, const grp *g, int lbi, const char *item,
                               sc_listener *out)
{
	const sc_lb *lb = SC_AT(l->sc->load_balancers, sc_lb, lbi);
	int type = l->lb_type[lbi];
	static const char *const protos[] = { "http", "tcp" };
	char *proto, *port, *tgname;
	gboolean ok = FALSE;
	memset(out, 0, sizeof *out);
	if (!split_arrow(item, &proto, &port, &tgname)) {
		P(l, g, "listeners", "'%s' is not a listener; expected 'PROTO PORT -> TARGET_GROUP' "
		                     "such as '%s'", item,
		  type == SC_LB_NETWORK ? "tcp 443 -> tg-app" : "http 80 -> tg-web");
	} else if (strcmp(proto, "http") != 0 && strcmp(proto, "tcp") != 0) {
		P(l, g, "listeners", "'%s': protocol '%s' is not known; expected http (application "
		                     "load balancers) or tcp (network load balancers); HTTPS, TLS and "
		                     "UDP listeners are not modelled", item, proto);
	} else if (type >= 0 && strcmp(proto, protos[type]) != 0) {
		P(l, g, "listeners", "'%s': %s %s load balancer takes %s listeners only; expected "
		                     "'%s %s -> %s'", item, article(lb_types[type]), lb_types[type],
		  protos[type], protos[type], port, tgname);
	} else if (!parse_port(port, &out->port)) {
		P(l, g, "listeners", "'%s': port '%s' is not a port; expected a whole number from 1 "
		                     "to 65535", item, port);
	} else if (lb_has_port(lb, out->port)) {
		P(l, g, "listeners", "'%s': the load balancer already has a listener on port %u; "
		                     "expected one listener per port", item, out->port);
	} else if ((out->default_tg = lookup(l, GK_TG, tgname)) < 0) {
		undefined(l, g, "listeners", tgname, GK_TG);
	} else {
		ok = check_lb_tg(l, g, "listeners", item, lbi, out->default_tg);
	}
	if (ok) {
		/* Both kinds are TCP underneath; `http` says the ALB parses it. */
		out->proto = SC_PROTO_TCP;
		out->http = strcmp(proto, "http") == 0;
		out->rules = g_array_new(FALSE, TRUE, sizeof(sc_lb_rule));
	}
	g_free(proto);
	g_free(port);
	g_free(tgname);
	return ok;
}

/* A host condition's pattern: a host name with the wildcards * and ?. */
static gboolean valid_host_pattern(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && !strchr("-.*?", *s))
			return FALSE;
	return TRUE;
}

/* One rule "path PATTERN -> TG" or "host PATTERN -> TG". */
static gboolean parse_lb_rule(loader *l, const grp *g, int lbi, const char *item, sc_lb_rule *r)
{
	char *kind, *pattern, *tgname;
	gboolean ok = FALSE;
	memset(r, 0, sizeof *r);
	if (!split_arrow(item, &kind, &pattern, &tgname)) {
		P(l, g, "rules", "'%s' is not a rule; expected 'path PATTERN -> TARGET_GROUP' or 'host "
		                 "PATTERN -> TARGET_GROUP' such as 'path /api/* -> tg-api'", item);
	} else if (strcmp(kind, "path") != 0 && strcmp(kind, "host") != 0) {
		P(l, g, "rules", "'%s': condition '%s' is not known; expected path or host (other ALB "
		                 "conditions are not modelled)", item, kind);
	} else if (strlen(pattern) > 128) {
		/* AWS's limit for path and host patterns. */
		P(l, g, "rules", "'%s': the pattern is longer than 128 characters; expected at most "
		                 "128, as AWS allows", item);
	} else if (kind[0] == 'p' && pattern[0] != '/') {
		P(l, g, "rules", "'%s': path pattern '%s' does not start with '/'; expected a pattern "
		                 "such as /api/*", item, pattern);
	} else if (kind[0] == 'h' && !valid_host_pattern(pattern)) {
		P(l, g, "rules", "'%s': host pattern '%s' is not a host name pattern; expected "
		                 "letters, digits, '-', '.' and the wildcards * and ?, such as "
		                 "*.example.com", item, pattern);
	} else if ((r->target_group = lookup(l, GK_TG, tgname)) < 0) {
		undefined(l, g, "rules", tgname, GK_TG);
	} else {
		ok = check_lb_tg(l, g, "rules", item, lbi, r->target_group);
	}
	if (ok) {
		r->kind = kind[0] == 'p' ? SC_RULE_PATH : SC_RULE_HOST;
		r->pattern = g_strdup(pattern);
		r->text = g_strdup(item);
	}
	g_free(kind);
	g_free(pattern);
	g_free(tgname);
	return ok;
}

static void free_lb_rules(GArray *rules)
{
	if (!rules)
		return;
	for (guint i = 0; i < rules->len; i++) {
		g_free(SC_AT(rules, sc_lb_rule, i)->pattern);
		g_free(SC_AT(rules, sc_lb_rule, i)->text);
	}
	g_array_unref(rules);
}

/* Listeners, and the rules each listener of an ALB evaluates before its
 * default action.  AWS keeps rules per listener; a scenario writes them
 * once for all of an ALB's listeners, which is what the modelled setups
 * need. */
static void build_lb_listeners(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_LB]->len; i++) {
		grp *g = l->of[GK_LB]->pdata[i];
		sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		const char *v = get(g, "listeners", NULL);
		char **items = v ? g_strsplit(v, ",", -1) : NULL;
		int n = 0;
		for (char **it = items; it && *it; it++) {
			const char *item = g_strstrip(*it);
			sc_listener ls;
			if (!*item)
				continue;
			n++;
			if (parse_listener(l, g, (int)i, item, &ls))
				g_array_append_val(lb->listeners, ls);
		}
		g_strfreev(items);
		if (v && n == 0)
			P(l, g, "listeners", "'%s' names nothing; expected %s (a load balancer without "
			                     "listeners accepts no traffic)", v,
			  find_key(lb_keys, "listeners")->what);

		v = l->lb_type[i] == SC_LB_NETWORK ? NULL : get(g, "rules", NULL);
		items = v ? g_strsplit(v, ",", -1) : NULL;
		GArray *rules = g_array_new(FALSE, TRUE, sizeof(sc_lb_rule));
		for (char **it = items; it && *it; it++) {
			const char *item = g_strstrip(*it);
			sc_lb_rule r;
			if (*item && parse_lb_rule(l, g, (int)i, item, &r))
				g_array_append_val(rules, r);
		}
		g_strfreev(items);
		for (guint j = 0; j < lb->listeners->len; j++) {
			GArray *dst = SC_AT(lb->listeners, sc_listener, j)->rules;
			for (guint k = 0; k < rules->len; k++) {
				sc_lb_rule r = *SC_AT(rules, sc_lb_rule, k);
				r.pattern = g_strdup(r.pattern);
				r.text = g_strdup(r.text);
				g_array_append_val(dst, r);
			}
		}
		free_lb_rules(rules);
	}
}

/* A target group of type alb sends to one of its ALB's listeners: the
 * group's port, which defaults to the ALB's first listener. */
static void check_alb_tg_ports(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_TG]->len; i++) {
		grp *g = l->of[GK_TG]->pdata[i];
		sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, i);
		if (tg->type != SC_TG_ALB || tg->targets->len != 1)
			continue;
		const sc_lb *alb = SC_AT(sc->load_balancers, sc_lb, g_array_index(tg->targets, int, 0));
		if (alb->listeners->len == 0)
			continue;
		if (!has(g, "port")) {
			tg->port = SC_AT(alb->listeners, sc_listener, 0)->port;
		} else if (tg->port && !lb_has_port(alb, tg->port)) {
			char *ports = listener_ports(alb);
			P(l, g, "port", "'%s' is not a listener port of %s; expected one of its listener "
			                "ports (%s)", get(g, "port", ""), alb->name, ports);
			g_free(ports);
		}
	}
}

/* A DNS name: two labels or more of letters, digits and '-' (not at either
 * end), 1-63 characters each, 253 in all.  Hand-written: GLib's hostname
 * functions convert and classify names but do not check their syntax. */
static gboolean valid_dns_name(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > 253 || !strchr(s, '.'))
		return FALSE;
	char **labels = g_strsplit(s, ".", -1);
	gboolean ok = TRUE;
	for (char **lb = labels; *lb && ok; lb++) {
		size_t n = strlen(*lb);
		ok = n >= 1 && n <= 63 && (*lb)[0] != '-' && (*lb)[n - 1] != '-';
		for (const char *p = *lb; ok && *p; p++)
			ok = g_ascii_isalnum(*p) || *p == '-';
	}
	g_strfreev(labels);
	return ok;
}

static void build_endpoint_services(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_EP_SERVICE]->len; i++) {
		grp *g = l->of[GK_EP_SERVICE]->pdata[i];
		sc_endpoint_service *es = SC_AT(sc->endpoint_services, sc_endpoint_service, i);
		es->name = g_strdup(g->name);
		es->lb = ref(l, g, "load_balancer", GK_LB);
		if (es->lb >= 0 && l->lb_type[es->lb] == SC_LB_APPLICATION) {
			P(l, g, "load_balancer", "'%s' is an application load balancer; expected a network "
			                         "one (an endpoint service fronts an NLB; to reach an ALB, "
			                         "give the NLB a target group of type alb)",
			  SC_AT(sc->load_balancers, sc_lb, es->lb)->name);
		}
		const char *v = get(g, "private_dns_name", NULL);
		if (v && !valid_dns_name(v))
			P(l, g, "private_dns_name", "'%s' is not a DNS name; expected %s", v,
			  find_key(ep_service_keys, "private_dns_name")->what);
		else if (v)
			es->private_dns = g_strdup(v);
	}
}

/* The endpoint's service: an endpoint service or an AWS [service].  The
 * two kinds share one name space, so the name is never ambiguous. */
static void iface_ep_service(loader *l, const grp *g, sc_interface_endpoint *e)
{
	const char *v = get(g, "service", NULL);
	e->service = -1;
	if (!v)
		return;
	if ((e->service = lookup(l, GK_EP_SERVICE, v)) >= 0) {
		e->kind = SC_IFE_ENDPOINT_SERVICE;
		return;
	}
	if ((e->service = lookup(l, GK_SERVICE, v)) >= 0) {
		e->kind = SC_IFE_AWS_SERVICE;
		return;
	}
	for (int o = 0; o < GK_N; o++) {
		if (lookup(l, o, v) >= 0) {
			P(l, g, "service", "'%s' is %s [%s]; expected %s", v, article(kinds[o].word),
			  kinds[o].word, find_key(iface_ep_keys, "service")->what);
			return;
		}
	}
	char *es = names_list(l, GK_EP_SERVICE), *svc = names_list(l, GK_SERVICE);
	P(l, g, "service", "'%s' is not defined; expected %s (endpoint services: %s; services: %s)",
	  v, find_key(iface_ep_keys, "service")->what, es, svc);
	g_free(es);
	g_free(svc);
}

static void build_interface_endpoints(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < l->of[GK_IFACE_EP]->len; i++) {
		grp *g = l->of[GK_IFACE_EP]->pdata[i];
		sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, i);
		e->name = g_strdup(g->name);
		e->subnets = g_array_new(FALSE, FALSE, sizeof(int));
		e->ips = g_array_new(FALSE, TRUE, sizeof(uint32_t));
		e->sgs = g_array_new(FALSE, FALSE, sizeof(int));
		e->vpc = ref(l, g, "vpc", GK_VPC);
		iface_ep_service(l, g, e);

		const char *v = get(g, "subnets", NULL);
		if (v)
			ref_list(l, g, "subnets", v, GK_SUBNET, e->subnets, TRUE);
		check_subnet_list(l, g, "subnets", e->subnets, e->vpc, "the endpoint's",
		                  "the endpoint ENIs");
		g_array_set_size(e->ips, e->subnets->len);
		/* An endpoint service is offered in the AZs of its NLB's nodes;
		 * AZ IDs name the same AZs in every account. */
		const sc_endpoint_service *es =
			e->service >= 0 && e->kind == SC_IFE_ENDPOINT_SERVICE
				? SC_AT(sc->endpoint_services, sc_endpoint_service, e->service)
				: NULL;
		const sc_lb *nlb = es && es->lb >= 0 ? SC_AT(sc->load_balancers, sc_lb, es->lb) : NULL;
		for (guint j = 0; nlb && nlb->subnets->len && j < e->subnets->len; j++) {
			const sc_subnet *s = SC_AT(sc->subnets, sc_subnet, g_array_index(e->subnets, int, j));
			gboolean there = s->az == NULL;
			for (guint k = 0; k < nlb->subnets->len && !there; k++) {
				const sc_subnet *n = SC_AT(sc->subnets, sc_subnet,
				                           g_array_index(nlb->subnets, int, k));
				there = n->az && strcmp(n->az, s->az) == 0;
			}
			if (!there) {
				char *azs = lb_azs(l, nlb);
				P(l, g, "subnets", "'%s': the endpoint service is not available in %s (its "
				                   "load balancer has nodes in %s); expected subnets in AZs "
				                   "where %s's load balancer %s has a node", s->name, s->az,
				  azs, es->name, nlb->name);
				g_free(azs);
			}
		}

		v = get(g, "security_groups", "");
		if (v)
			ref_list(l, g, "security_groups", v, GK_SG, e->sgs, FALSE);
		check_sg_list(l, g, e->sgs, e->vpc, "the endpoint's");

		if (e->service < 0)
			continue;
		gboolean named = !es || es->private_dns;
		e->private_dns = get_bool(l, g, "private_dns", named);
		const char *svc_name = es ? es->name
		                          : SC_AT(sc->services, sc_service, e->service)->name;
		if (e->private_dns && !named) {
			P(l, g, "private_dns", "'true': endpoint service %s has no private_dns_name; "
			                       "expected false, or a private_dns_name in [endpoint_service "
			                       "%s]", es->name, es->name);
			continue;
		}
		/* The private name resolves to one endpoint's ENIs per VPC. */
		for (guint j = 0; j < i && e->private_dns && e->vpc >= 0; j++) {
			const sc_interface_endpoint *o =
				SC_AT(sc->interface_endpoints, sc_interface_endpoint, j);
			if (o->private_dns && o->vpc == e->vpc && o->kind == e->kind &&
			    o->service == e->service) {
				P(l, g, "private_dns", "'%s': %s already gives %s private DNS in %s; expected "
				                       "private_dns = false on all but one endpoint of a service "
				                       "in a VPC (their names would conflict)",
				  get(g, "private_dns", "true"), o->name, svc_name, vpc_name(l, e->vpc));
				break;
			}
		}
	}
}

/* An internet-facing load balancer's nodes need public subnets. */
static void check_lb_public_subnets(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		for (guint j = 0; j < lb->subnets->len && lb->internet_facing; j++) {
			int s = g_array_index(lb->subnets, int, j), t;
			if (subnet_is_public(l, s, &t))
				continue;
			P(l, (grp *)l->of[GK_LB]->pdata[i], "subnets",
			  "'%s' is not a public subnet: its route table %s has no '0.0.0.0/0 -> "
			  "INTERNET_GATEWAY' route; expected subnets whose route table sends 0.0.0.0/0 to "
			  "an internet gateway, as an internet-facing load balancer needs",
			  SC_AT(sc->subnets, sc_subnet, s)->name,
			  SC_AT(sc->route_tables, sc_route_table, t)->name);
		}
	}
}

/* ---- pass 6: addresses ------------------------------------------------ */

/* Checks an explicit private address and reserves it in its subnet. */
static void reserve_ip(loader *l, const grp *g, int subnet, uint32_t *ip)
{
	const char *v = get(g, "ip", NULL);
	if (!v)
		return;
	uint32_t a;
	if (!parse_addr(v, &a)) {
		P(l, g, "ip", "'%s' is not an IPv4 address; expected a dotted quad such as 10.0.1.10",
		  v);
		return;
	}
	if (subnet < 0)
		return;
	sc_subnet *s = SC_AT(l->sc->subnets, sc_subnet, subnet);
	if (!s->cidr.len)
		return;
	ipbuf b, lo, hi;
	const char *range = "";
	char *expect = g_strdup_printf("an address of subnet %s (%s) from %s to %s", s->name,
	                               fmt_cidr(s->cidr, &b),
	                               fmt_addr(s->cidr.addr + SUBNET_RESERVED_LOW, &lo),
	                               fmt_addr(cidr_last(s->cidr) - 1, &hi));
	const char *holder = g_hash_table_lookup(l->used_ips[subnet], GUINT_TO_POINTER(a));
	if (!sc_cidr_contains(s->cidr, a))
		range = "is not inside the subnet";
	else if (a < s->cidr.addr + SUBNET_RESERVED_LOW)
		range = "is one of the four addresses AWS reserves at the start of a subnet";
	else if (a == cidr_last(s->cidr))
		range = "is the subnet's broadcast address, which AWS reserves";
	if (*range)
		P(l, g, "ip", "'%s' %s; expected %s", v, range, expect);
	else if (holder)
		P(l, g, "ip", "'%s' is already used by [%s]; expected a free address", v, holder);
	else {
		g_hash_table_insert(l->used_ips[subnet], GUINT_TO_POINTER(a), g->label);
		*ip = a;
	}
	g_free(expect);
}

static uint32_t next_public(loader *l, const grp *g);

/* The first free address from .4 of the subnet, for `g`. */
static void take_free_ip(loader *l, const grp *g, int subnet, uint32_t *ip)
{
	if (subnet < 0)
		return;
	sc_subnet *s = SC_AT(l->sc->subnets, sc_subnet, subnet);
	if (!s->cidr.len)
		return;
	/* The first free address from .4: addresses are only ever taken, so
	 * it never moves down, and each subnet's search resumes where the last
	 * one stopped (linear in the subnet's size over the whole load, where
	 * starting from .4 each time was quadratic in its instances). */
	uint32_t a = MAX(l->free_from[subnet], s->cidr.addr + SUBNET_RESERVED_LOW);
	for (; a < cidr_last(s->cidr); a++) {
		if (!g_hash_table_contains(l->used_ips[subnet], GUINT_TO_POINTER(a))) {
			g_hash_table_insert(l->used_ips[subnet], GUINT_TO_POINTER(a), g->label);
			*ip = a;
			l->free_from[subnet] = a + 1;
			return;
		}
	}
	l->free_from[subnet] = a;
	ipbuf b;
	P(l, g, NULL, "subnet %s (%s) has no free address left; expected a larger subnet (AWS "
	              "reserves its first four and last addresses)", s->name, fmt_cidr(s->cidr, &b));
}

static void assign_ip(loader *l, const grp *g, int subnet, uint32_t *ip)
{
	if (!g_hash_table_contains(g->values, "ip"))
		take_free_ip(l, g, subnet, ip);
}

/* One address per subnet for a load balancer's nodes or an endpoint's
 * ENIs, and a public one per node of an internet-facing load balancer. */
static void assign_enis(loader *l, const grp *g, int idx)
{
	scenario *sc = l->sc;
	GArray *subnets, *ips, *pubs = NULL;
	if (g->kind == GK_LB) {
		sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, idx);
		subnets = lb->subnets;
		ips = lb->node_ips;
		pubs = lb->internet_facing ? lb->node_public_ips : NULL;
	} else {
		sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, idx);
		subnets = e->subnets;
		ips = e->ips;
	}
	for (guint j = 0; j < subnets->len; j++) {
		take_free_ip(l, g, g_array_index(subnets, int, j), &g_array_index(ips, uint32_t, j));
		if (pubs)
			g_array_index(pubs, uint32_t, j) = next_public(l, g);
	}
}

typedef struct {
	uint32_t lo, hi;
} pub_range;

static gint pub_range_cmp(gconstpointer a, gconstpointer b)
{
	const pub_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The addresses the public pool skips: every service prefix and VPC CIDR,
 * sorted and merged into disjoint ranges. */
static GArray *public_clashes(const scenario *sc)
{
	GArray *all = g_array_new(FALSE, FALSE, sizeof(pub_range));
	for (guint i = 0; i < sc->services->len; i++) {
		GArray *pre = SC_AT(sc->services, sc_service, i)->prefixes;
		for (guint j = 0; j < pre->len; j++) {
			sc_cidr c = g_array_index(pre, sc_cidr, j);
			pub_range r = { c.addr, cidr_last(c) };
			g_array_append_val(all, r);
		}
	}
	for (guint i = 0; i < sc->vpcs->len; i++) {
		sc_cidr c = SC_AT(sc->vpcs, sc_vpc, i)->cidr;
		if (c.len) {
			pub_range r = { c.addr, cidr_last(c) };
			g_array_append_val(all, r);
		}
	}
	g_array_sort(all, pub_range_cmp);
	GArray *merged = g_array_new(FALSE, FALSE, sizeof(pub_range));
	for (guint i = 0; i < all->len; i++) {
		pub_range r = g_array_index(all, pub_range, i);
		pub_range *last = merged->len ? &g_array_index(merged, pub_range, merged->len - 1) : NULL;
		if (last && r.lo <= last->hi + (uint64_t)1)
			last->hi = MAX(last->hi, r.hi);
		else
			g_array_append_val(merged, r);
	}
	g_array_unref(all);
	return merged;
}

/* The next public address of the pool, skipping any inside a service
 * prefix or a VPC's CIDR so that addresses never clash.  The pool only
 * moves up, so one pass over the sorted clashes serves the whole load. */
static uint32_t next_public(loader *l, const grp *g)
{
	if (!l->public_clash)
		l->public_clash = public_clashes(l->sc);
	const GArray *cl = l->public_clash;
	while (l->next_public <= PUBLIC_POOL_LAST) {
		uint32_t a = l->next_public;
		while (l->clash_next < cl->len && g_array_index(cl, pub_range, l->clash_next).hi < a)
			l->clash_next++;
		const pub_range *r = l->clash_next < cl->len ? &g_array_index(cl, pub_range, l->clash_next) : NULL;
		if (!r || r->lo > a)
			return l->next_public++;
		if (r->hi >= PUBLIC_POOL_LAST)
			break;
		l->next_public = r->hi + 1;
	}
	l->next_public = PUBLIC_POOL_LAST + 1;
	P(l, g, NULL, "the public address pool 3.80.0.0/12 is exhausted; expected fewer public "
	              "addresses");
	return 0;
}

static void assign_addresses(loader *l)
{
	scenario *sc = l->sc;
	l->used_ips = g_new0(GHashTable *, sc->subnets->len + 1);
	l->free_from = g_new0(uint32_t, sc->subnets->len + 1);
	for (guint i = 0; i < sc->subnets->len; i++)
		l->used_ips[i] = g_hash_table_new(g_direct_hash, g_direct_equal);
	int counters[GK_N] = { 0 };
	/* Explicit addresses first, so that automatic ones never take them. */
	for (int pass = 0; pass < 2; pass++) {
		memset(counters, 0, sizeof counters);
		for (guint i = 0; i < l->groups->len; i++) {
			grp *g = l->groups->pdata[i];
			if (g->kind != GK_INSTANCE && g->kind != GK_NATGW && g->kind != GK_LB &&
			    g->kind != GK_IFACE_EP)
				continue;
			int idx = counters[g->kind]++;
			/* Load balancer nodes and endpoint ENIs take no explicit
			 * address: they compete with instances in file order. */
			if (g->kind == GK_LB || g->kind == GK_IFACE_EP) {
				if (pass == 1)
					assign_enis(l, g, idx);
				continue;
			}
			int subnet;
			uint32_t *ip, *pub;
			gboolean want_public;
			if (g->kind == GK_INSTANCE) {
				sc_instance *in = SC_AT(sc->instances, sc_instance, idx);
				subnet = in->subnet;
				ip = &in->ip;
				pub = &in->public_ip;
				want_public = pass == 1 && get_bool(l, g, "public_ip", FALSE);
			} else {
				sc_natgw *n = SC_AT(sc->natgws, sc_natgw, idx);
				subnet = n->subnet;
				ip = &n->ip;
				pub = &n->public_ip;
				want_public = pass == 1;
			}
			if (pass == 0) {
				reserve_ip(l, g, subnet, ip);
			} else {
				assign_ip(l, g, subnet, ip);
				if (want_public)
					*pub = next_public(l, g);
			}
		}
	}
}

/* A NAT gateway needs a public subnet: its route table sends 0.0.0.0/0 to
 * an internet gateway. */
static void check_natgw_subnets(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < sc->natgws->len; i++) {
		sc_natgw *n = SC_AT(sc->natgws, sc_natgw, i);
		int t;
		if (!subnet_is_public(l, n->subnet, &t))
			P(l, (grp *)l->of[GK_NATGW]->pdata[i], "subnet",
			  "'%s' is not a public subnet: its route table %s has no '0.0.0.0/0 -> "
			  "INTERNET_GATEWAY' route; expected a subnet whose route table sends 0.0.0.0/0 "
			  "to an internet gateway", SC_AT(sc->subnets, sc_subnet, n->subnet)->name,
			  SC_AT(sc->route_tables, sc_route_table, t)->name);
	}
}

/* ---- workloads -------------------------------------------------------- */

/* The load balancer a workload reaches through its target (the LB
 * itself, or an endpoint service's NLB), or NULL. */
static const sc_lb *workload_lb(loader *l, const sc_workload *w, const char **via)
{
	scenario *sc = l->sc;
	*via = NULL;
	if (w->targets->len != 1)
		return NULL;
	int t = g_array_index(w->targets, int, 0);
	if (w->target_kind == SC_TARGET_IS_LB)
		return SC_AT(sc->load_balancers, sc_lb, t);
	if (w->target_kind != SC_TARGET_IS_ENDPOINT)
		return NULL;
	const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, t);
	if (e->kind != SC_IFE_ENDPOINT_SERVICE || e->service < 0)
		return NULL;
	const sc_endpoint_service *es = SC_AT(sc->endpoint_services, sc_endpoint_service, e->service);
	*via = es->name;
	return es->lb >= 0 ? SC_AT(sc->load_balancers, sc_lb, es->lb) : NULL;
}

/* The target is instances, or one [service], [load_balancer] or
 * [interface_endpoint]: names are unique across those kinds, so a single
 * name that is not an instance's says which.  Then the port: a load
 * balancer's (or an endpoint service's NLB's) listener, by default the
 * first. */
static void build_workload_target(loader *l, const grp *g, sc_workload *w)
{
	const char *v = get(g, "target", NULL);
	w->target_kind = SC_TARGET_IS_INSTANCE;
	if (v) {
		char *one = g_strstrip(g_strdup(v));
		gboolean single = !strpbrk(one, ",*?") && lookup(l, GK_INSTANCE, one) < 0;
		int svc = single ? lookup(l, GK_SERVICE, one) : -1;
		int lb = single ? lookup(l, GK_LB, one) : -1;
		int ep = single ? lookup(l, GK_IFACE_EP, one) : -1;
		if (svc >= 0) {
			w->target_kind = SC_TARGET_IS_SERVICE;
			g_array_append_val(w->targets, svc);
			if (w->kind == SC_WL_UDP)
				P(l, g, "target", "'%s' is a service, which answers HTTP only; expected "
				                  "instances as the target of a udp workload", one);
		} else if (lb >= 0) {
			w->target_kind = SC_TARGET_IS_LB;
			g_array_append_val(w->targets, lb);
			if (w->kind == SC_WL_UDP)
				P(l, g, "target", "'%s' is a load balancer, whose listeners are http or tcp "
				                  "only; expected instances as the target of a udp workload",
				  one);
		} else if (ep >= 0) {
			w->target_kind = SC_TARGET_IS_ENDPOINT;
			g_array_append_val(w->targets, ep);
			if (w->kind == SC_WL_UDP)
				P(l, g, "target", "'%s' is an interface endpoint, which carries TCP only; "
				                  "expected instances as the target of a udp workload", one);
		} else {
			ref_list(l, g, "target", v, GK_INSTANCE, w->targets, TRUE);
		}
		g_free(one);
	}

	const char *via;
	const sc_lb *lb = workload_lb(l, w, &via);
	if (lb && lb->listeners->len == 0)
		lb = NULL; /* its listeners were bad: reported */
	char *def = lb ? g_strdup_printf("%u", SC_AT(lb->listeners, sc_listener, 0)->port)
	               : g_strdup("80");
	v = get(g, "port", def);
	guint64 port;
	if (v && !g_ascii_string_to_unsigned(v, 10, 1, 65535, &port, NULL)) {
		P(l, g, "port", "'%s' is not a port; expected a whole number from 1 to 65535", v);
	} else if (v) {
		w->port = (uint16_t)port;
		if (lb && !lb_has_port(lb, w->port)) {
			char *ports = listener_ports(lb);
			if (via)
				P(l, g, "port", "'%s' is not a listener port of %s, the load balancer of "
				                "endpoint service %s; expected one of %s", v, lb->name, via,
				  ports);
			else
				P(l, g, "port", "'%s' is not a listener port of load balancer %s; expected "
				                "one of %s", v, lb->name, ports);
			g_free(ports);
		}
	}
	g_free(def);
}

/* How clients find the target's address: DNS by default, like real
 * clients, through one of an endpoint's names (its private DNS name when it
 * has one, as clients of the service use it, else the regional name). */
static void build_workload_names(loader *l, const grp *g, sc_workload *w)
{
	static const char *const resolves[] = { "dns", "az-local", NULL };
	static const char *const names[] = { "regional", "zonal", "private", NULL };
	w->resolve = (sc_resolve)get_word(l, g, "resolve", "dns", resolves);
	const sc_interface_endpoint *e = NULL;
	if (w->target_kind == SC_TARGET_IS_ENDPOINT && w->targets->len == 1)
		e = SC_AT(l->sc->interface_endpoints, sc_interface_endpoint, g_array_index(w->targets, int, 0));
	const char *def = e && e->private_dns ? "private" : "regional";
	if (!e && get(g, "dns_name", NULL)) {
		P(l, g, "dns_name", "'%s': the target is not an interface endpoint; expected no "
		                    "dns_name (a load balancer has one name)", get(g, "dns_name", NULL));
		return;
	}
	w->dns_name = (sc_dns_name)get_word(l, g, "dns_name", def, names);
	if (e && w->dns_name == SC_DNS_PRIVATE && !e->private_dns)
		P(l, g, "dns_name", "'private': interface endpoint %s does not enable private DNS; "
		                    "expected regional or zonal, or private_dns = true on the endpoint",
		  e->name);
}

#define LOAD_KEYS "exactly one of rate, total_rate, volume and users"
#define MAX_USERS 100000

/* A value of one of the load keys; an empty one (`--set workload:web.rate=`)
 * counts as absent, so that an override can switch a workload from one
 * kind of load to another. */
static const char *load_value(const grp *g, const char *key)
{
	const char *v = get(g, key, NULL);
	return v && *v ? v : NULL;
}

/* A rate in requests per second from `key`'s value, or 0 (reported). */
static double parse_rate(loader *l, const grp *g, const char *key, const char *v)
{
	double rate;
	GError *e = NULL;
	if (!units_parse(v, UNIT_RATE, &rate, &e)) {
		P(l, g, key, "%s", e->message);
		g_error_free(e);
		return 0;
	}
	if (!(rate > 0)) {
		P(l, g, key, "'%s' is not positive; expected %s", v, find_key(workload_keys, key)->what);
		return 0;
	}
	return rate;
}

/* The gap between one client's requests at `rate` per second, Poisson
 * (exponential gaps) or evenly spaced; FALSE (reported against `key`)
 * when the gap is beyond the clock: the first request would come after
 * the run, and a constant gap would overflow. */
static gboolean set_interval(loader *l, const grp *g, const char *key, const char *v,
                             sc_workload *w, double rate)
{
	if (!(rate > 0) || 1e9 / rate > units_max(UNIT_TIME)) {
		if (w->load == SC_LOAD_RATE)
			P(l, g, key, "'%s' is out of range: a rate is at least 1/8760h (one a year); "
			             "expected %s", v, find_key(workload_keys, key)->what);
		else
			P(l, g, key, "'%s' is out of range: it gives %.3g requests per second per client, "
			             "and a rate is at least 1/8760h (one a year); expected %s", v, rate,
			  find_key(workload_keys, key)->what);
		return FALSE;
	}
	w->rate = rate;
	double mean_ns = 1e9 / rate;
	if (!w->constant_arrival) {
		w->interval.type = DIST_EXP;
		w->interval.kind = UNIT_TIME;
		w->interval.p1 = mean_ns;
	} else {
		dist_set_const(&w->interval, UNIT_TIME, mean_ns);
	}
	return TRUE;
}

/* "500GB/month": bytes, and the period in seconds (a month is the price
 * table's, filled in once it is loaded: -1 here).  FALSE (reported) if
 * malformed. */
static gboolean parse_volume(loader *l, const grp *g, const char *v, double *bytes,
                             double *period_s)
{
	const char *slash = strrchr(v, '/');
	char *size = slash ? g_strstrip(g_strndup(v, (gsize)(slash - v))) : NULL;
	char *per = slash ? g_strstrip(g_strdup(slash + 1)) : NULL;
	GError *e = NULL;
	gboolean ok = FALSE;
	static const struct {
		const char *word;
		double s;
	} periods[] = { { "month", -1 }, { "day", 86400 }, { "hour", 3600 }, { "h", 3600 }, { "s", 1 } };
	*period_s = 0;
	for (size_t i = 0; per && i < G_N_ELEMENTS(periods); i++)
		if (strcmp(per, periods[i].word) == 0)
			*period_s = periods[i].s;
	if (!slash || *period_s == 0) {
		P(l, g, "volume", "'%s' is not a volume per period; expected %s", v,
		  find_key(workload_keys, "volume")->what);
	} else if (!units_parse(size, UNIT_SIZE, bytes, &e)) {
		P(l, g, "volume", "'%s': %s; expected %s", v, e->message,
		  find_key(workload_keys, "volume")->what);
		g_error_free(e);
	} else if (!(*bytes > 0)) {
		P(l, g, "volume", "'%s' is not positive; expected %s", v,
		  find_key(workload_keys, "volume")->what);
	} else {
		ok = TRUE;
	}
	g_free(size);
	g_free(per);
	return ok;
}

/* The load: exactly one of rate (per client), total_rate (all clients),
 * volume (converted once the price table gives the month, see
 * finish_workload_volumes()) and users (a closed loop with user_think).
 * arrival belongs to the open-loop ones and user_think to users. */
static void build_workload_load(loader *l, const grp *g, sc_workload *w)
{
	static const char *const arrivals[] = { "poisson", "constant", NULL };
	static const char *const keys[] = { "rate", "total_rate", "volume", "users" };
	const char *first = NULL;
	int n = 0;
	for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
		const char *v = load_value(g, keys[k]);
		if (!v)
			continue;
		if (first)
			P(l, g, keys[k], "'%s' conflicts with %s = %s; expected %s (clear one with "
			                 "--set 'workload:%s.%s=')", v, first, load_value(g, first),
			  LOAD_KEYS, w->name, keys[k]);
		else
			first = keys[k], w->load = (sc_load_kind)k;
		n++;
	}
	if (n == 0) {
		P(l, g, "rate", "missing; expected %s (rate: %s)", LOAD_KEYS,
		  find_key(workload_keys, "rate")->what);
		return;
	}
	if (n > 1)
		return;
	const char *v = load_value(g, first);
	const char *arrival = load_value(g, "arrival");
	if (w->load == SC_LOAD_USERS) {
		guint64 u;
		if (!g_ascii_string_to_unsigned(v, 10, 1, MAX_USERS, &u, NULL))
			P(l, g, "users", "'%s' is not a whole number from 1 to %u; expected %s", v,
			  MAX_USERS, find_key(workload_keys, "users")->what);
		else
			w->users = (guint)u;
		if (arrival)
			P(l, g, "arrival", "'%s' applies to an open loop (rate, total_rate or volume), not "
			                   "to users = %s, which send when their previous request ends; "
			                   "expected no arrival (clear it with --set 'workload:%s.arrival=')",
			  arrival, v, w->name);
		if (w->kind == SC_WL_UDP)
			P(l, g, "users", "'%s': a closed loop waits for responses, which UDP has none of; "
			                 "expected rate, total_rate or volume for a udp workload", v);
		get_dist(l, g, "user_think", "0ms", UNIT_TIME, &w->user_think);
		return;
	}
	const char *think = load_value(g, "user_think");
	if (think)
		P(l, g, "user_think", "'%s' is the think time of closed-loop users, and this workload "
		                      "has %s = %s; expected users = N with it, or no user_think", think,
		  first, v);
	w->constant_arrival = get_word(l, g, "arrival", "poisson", arrivals) == 1;
	if (w->load == SC_LOAD_VOLUME) {
		double bytes, period;
		if (parse_volume(l, g, v, &bytes, &period))
			w->total_rate = -1; /* converted in finish_workload_volumes() */
		return;
	}
	double rate = parse_rate(l, g, first, v);
	if (!(rate > 0))
		return;
	if (w->load == SC_LOAD_TOTAL_RATE) {
		w->total_rate = rate;
		if (w->clients->len == 0)
			return; /* no clients: reported against clients */
		rate /= w->clients->len;
	}
	set_interval(l, g, first, v, w, rate);
}

/* volume = BYTES/PERIOD: requests per second = BYTES / PERIOD seconds /
 * (mean request_size + mean response_size), the bodies as configured
 * (heads and TCP/IP overhead not counted), split evenly over the clients.
 * A month is the price table's hours_per_month. */
static void finish_workload_volumes(loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; sc->prices && i < sc->workloads->len; i++) {
		sc_workload *w = SC_AT(sc->workloads, sc_workload, i);
		if (w->load != SC_LOAD_VOLUME || w->total_rate != -1)
			continue;
		const grp *g = l->of[GK_WORKLOAD]->pdata[i];
		const char *v = load_value(g, "volume");
		double bytes, period;
		if (!parse_volume(l, g, v, &bytes, &period))
			continue;
		if (period < 0)
			period = sc->prices->hours_per_month * 3600.0;
		double mean = dist_mean(&w->request_size) +
		              (w->kind == SC_WL_HTTP ? dist_mean(&w->response_size) : 0);
		if (!(mean > 0) || !isfinite(mean)) {
			P(l, g, "volume", "'%s' cannot be turned into a request rate: the mean request "
			                  "size plus the mean response size is %s; expected sizes with a "
			                  "finite mean above 0B", v, isfinite(mean) ? "0B" : "infinite");
			w->total_rate = 0;
			continue;
		}
		w->total_rate = bytes / period / mean;
		if (w->clients->len)
			set_interval(l, g, "volume", v, w, w->total_rate / w->clients->len);
	}
}

/* max_connections: default SC_DEFAULT_MAX_CONNECTIONS with keepalive and
 * no limit with a connection per request (each request opens its own at
 * once, as before pools). */
static void build_workload_pool(loader *l, const grp *g, sc_workload *w)
{
	w->max_conns = w->keepalive ? SC_DEFAULT_MAX_CONNECTIONS : 0;
	const char *v = get(g, "max_connections", NULL);
	guint64 n;
	if (!v || strcmp(v, "unlimited") == 0) {
		if (v)
			w->max_conns = 0;
	} else if (!g_ascii_string_to_unsigned(v, 10, 1, 65535, &n, NULL)) {
		P(l, g, "max_connections", "'%s' is not a whole number from 1 to 65535; expected %s",
		  v, find_key(workload_keys, "max_connections")->what);
	} else {
		w->max_conns = (guint)n;
	}
	if (v && w->kind == SC_WL_UDP)
		P(l, g, "max_connections", "'%s': a udp workload has no connections; expected no "
		                           "max_connections", v);
}

const char *scenario_load_key(const sc_workload *w)
{
	static const char *const keys[] = { "rate", "total_rate", "volume", "users" };
	return (unsigned)w->load < G_N_ELEMENTS(keys) ? keys[w->load] : "rate";
}

static void build_workloads(loader *l)
{
	scenario *sc = l->sc;
	static const char *const wl_kinds[] = { "http", "udp", NULL };
	static const char *const methods[] = { "GET", "PUT", "POST", NULL };
	static const char *const connections[] = { "keepalive", "per-request", NULL };
	for (guint i = 0; i < l->of[GK_WORKLOAD]->len; i++) {
		grp *g = l->of[GK_WORKLOAD]->pdata[i];
		sc_workload *w = SC_AT(sc->workloads, sc_workload, i);
		w->name = g_strdup(g->name);
		w->clients = g_array_new(FALSE, FALSE, sizeof(int));
		w->targets = g_array_new(FALSE, FALSE, sizeof(int));
		w->kind = (sc_workload_kind)get_word(l, g, "kind", "http", wl_kinds);
		const char *v = get(g, "clients", NULL);
		if (v)
			ref_list(l, g, "clients", v, GK_INSTANCE, w->clients, TRUE);

		build_workload_target(l, g, w);

		build_workload_load(l, g, w);

		v = get(g, "requests", "0");
		guint64 n;
		if (v && !g_ascii_string_to_unsigned(v, 10, 0, MAX_REQUESTS, &n, NULL))
			P(l, g, "requests", "'%s' is not a whole number from 0 to %" G_GUINT64_FORMAT
			                    "; expected %s", v, MAX_REQUESTS,
			  find_key(workload_keys, "requests")->what);
		else if (v)
			w->requests = n;

		w->method = g_strdup(methods[get_word(l, g, "method", "GET", methods)]);
		v = get(g, "path", "/");
		if (v && v[0] != '/')
			P(l, g, "path", "'%s' does not start with '/'; expected a request path such as "
			                "/index.html", v);
		w->path = g_strdup(v ? v : "/");
		get_dist(l, g, "request_size", "0B", UNIT_SIZE, &w->request_size);
		get_dist(l, g, "response_size", "1KB", UNIT_SIZE, &w->response_size);
		get_dist(l, g, "think_time", "0ms", UNIT_TIME, &w->think_time);
		w->keepalive = get_word(l, g, "connection", "keepalive", connections) == 0;
		build_workload_names(l, g, w);
		build_workload_pool(l, g, w);
	}
}

/* ---- the whole load --------------------------------------------------- */

scenario *scenario_new(const char *path)
{
	scenario *sc = g_new0(scenario, 1);
	sc->path = g_strdup(path);
	sc->azs = g_ptr_array_new_with_free_func(g_free);
	sc->vpcs = g_array_new(FALSE, TRUE, sizeof(sc_vpc));
	sc->subnets = g_array_new(FALSE, TRUE, sizeof(sc_subnet));
	sc->route_tables = g_array_new(FALSE, TRUE, sizeof(sc_route_table));
	sc->security_groups = g_array_new(FALSE, TRUE, sizeof(sc_sg));
	sc->instances = g_array_new(FALSE, TRUE, sizeof(sc_instance));
	sc->peerings = g_array_new(FALSE, TRUE, sizeof(sc_peering));
	sc->tgws = g_array_new(FALSE, TRUE, sizeof(sc_tgw));
	sc->tgw_route_tables = g_array_new(FALSE, TRUE, sizeof(sc_tgw_route_table));
	sc->tgw_attachments = g_array_new(FALSE, TRUE, sizeof(sc_tgw_attachment));
	sc->natgws = g_array_new(FALSE, TRUE, sizeof(sc_natgw));
	sc->igws = g_array_new(FALSE, TRUE, sizeof(sc_igw));
	sc->services = g_array_new(FALSE, TRUE, sizeof(sc_service));
	sc->gw_endpoints = g_array_new(FALSE, TRUE, sizeof(sc_gw_endpoint));
	sc->workloads = g_array_new(FALSE, TRUE, sizeof(sc_workload));
	sc->load_balancers = g_array_new(FALSE, TRUE, sizeof(sc_lb));
	sc->target_groups = g_array_new(FALSE, TRUE, sizeof(sc_target_group));
	sc->endpoint_services = g_array_new(FALSE, TRUE, sizeof(sc_endpoint_service));
	sc->interface_endpoints = g_array_new(FALSE, TRUE, sizeof(sc_interface_endpoint));
	sc->routes = g_array_new(FALSE, TRUE, sizeof(sc_route_group));
	return sc;
}

/* The scenario's array for kind k. */
static GArray *array_of(scenario *sc, gkind k)
{
	switch (k) {
	case GK_VPC: return sc->vpcs;
	case GK_SUBNET: return sc->subnets;
	case GK_ROUTE_TABLE: return sc->route_tables;
	case GK_SG: return sc->security_groups;
	case GK_INSTANCE: return sc->instances;
	case GK_PEERING: return sc->peerings;
	case GK_TGW: return sc->tgws;
	case GK_TGW_ATTACHMENT: return sc->tgw_attachments;
	case GK_TGW_ROUTE_TABLE: return sc->tgw_route_tables;
	case GK_NATGW: return sc->natgws;
	case GK_IGW: return sc->igws;
	case GK_SERVICE: return sc->services;
	case GK_GW_ENDPOINT: return sc->gw_endpoints;
	case GK_LB: return sc->load_balancers;
	case GK_TG: return sc->target_groups;
	case GK_EP_SERVICE: return sc->endpoint_services;
	case GK_IFACE_EP: return sc->interface_endpoints;
	case GK_WORKLOAD: return sc->workloads;
	case GK_ROUTE: return sc->routes;
	case GK_N: break;
	}
	g_assert_not_reached();
}

static void loader_clear(loader *l)
{
	if (l->used_ips) {
		for (guint i = 0; l->used_ips[i]; i++)
			g_hash_table_destroy(l->used_ips[i]);
		g_free(l->used_ips);
	}
	g_free(l->free_from);
	if (l->capped)
		g_hash_table_unref(l->capped);
	if (l->public_clash)
		g_array_unref(l->public_clash);
	for (int k = 0; k < GK_N; k++) {
		g_hash_table_destroy(l->names[k]);
		g_ptr_array_unref(l->names_of[k]);
		g_ptr_array_unref(l->of[k]);
	}
	for (size_t sp = 0; sp < N_SPACES; sp++)
		g_hash_table_destroy(l->space[sp]);
	g_free(l->lb_type);
	g_hash_table_destroy(l->repeated);
	g_hash_table_destroy(l->vars);
	g_ptr_array_unref(l->var_names);
	g_ptr_array_unref(l->deferred);
	g_ptr_array_unref(l->groups);
	g_key_file_free(l->kf);
}

scenario *scenario_load(const char *path, const char *const *overrides, GError **error)
{
	return scenario_load_lenient(path, overrides, NULL, error);
}

scenario *scenario_load_lenient(const char *path, const char *const *overrides, GPtrArray *absent,
                                GError **error)
{
	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	char *data = NULL;
	gsize len = 0;
	if (!kf_read_file(path, "scenario", &data, &len, error))
		return NULL;
	loader l = { .path = path, .kf = kf_load_data(data, len, path, error),
		     .next_public = PUBLIC_POOL_FIRST, .absent = absent };
	if (!l.kf) {
		g_free(data);
		return NULL;
	}
	kf_problems_init(&l.pr, path);
	kf_problems_set_text(&l.pr, data, len);
	l.sc = scenario_new(path);
	l.vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	/* NULL-terminated: the "expected one of the [vars]" message joins it. */
	l.var_names = g_ptr_array_new_null_terminated(0, g_free, TRUE);
	l.groups = g_ptr_array_new_with_free_func(grp_free);
	l.deferred = g_ptr_array_new_with_free_func(override_free);
	for (size_t sp = 0; sp < N_SPACES; sp++)
		l.space[sp] = g_hash_table_new(g_str_hash, g_str_equal);
	l.repeated = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (int k = 0; k < GK_N; k++) {
		l.of[k] = g_ptr_array_new();
		l.names_of[k] = g_ptr_array_new();
		l.names[k] = g_hash_table_new(g_str_hash, g_str_equal);
	}
	scenario *sc = l.sc;

	check_duplicate_groups(&l, data);
	g_free(data);
	apply_overrides(&l, overrides);
	read_vars(&l);
	read_scenario(&l);
	char **groups = g_key_file_get_groups(l.kf, NULL);
	for (char **gn = groups; *gn; gn++)
		if (strcmp(*gn, "scenario") != 0 && strcmp(*gn, "vars") != 0)
			expand_group(&l, *gn);
	g_strfreev(groups);
	apply_deferred(&l);
	check_required(&l);
	register_names(&l);
	for (int k = 0; k < GK_N; k++)
		g_array_set_size(array_of(sc, (gkind)k), l.of[k]->len);

	build_vpcs(&l);
	build_igws(&l);
	build_route_tables(&l);
	build_subnets(&l);
	build_security_groups(&l);
	build_peerings(&l);
	build_tgws(&l);
	build_tgw_attachments(&l);
	build_natgws(&l);
	build_instances(&l);
	build_services(&l);
	fold_route_groups(&l);
	build_vpc_routes(&l);
	build_tgw_routes(&l);
	build_gw_endpoints(&l);
	build_sg_rules(&l);
	build_lbs(&l);
	build_target_groups(&l);
	build_lb_listeners(&l);
	check_alb_tg_ports(&l);
	build_endpoint_services(&l);
	build_interface_endpoints(&l);
	assign_addresses(&l);
	check_natgw_subnets(&l);
	check_lb_public_subnets(&l);
	build_workloads(&l);
	check_capture_points(&l);

	char *prices_rel = scenario_value(&l, "prices", "prices/us-east-1.ini");
	char *profile_rel = scenario_value(&l, "profile", "profiles/default.ini");
	if (prices_rel && profile_rel)
		load_tables(&l, prices_rel, profile_rel);
	finish_workload_volumes(&l);
	g_free(prices_rel);
	g_free(profile_rel);
	/* Load balancers without idle_timeout take the profile's (AWS's
	 * default: 60 s ALB, 350 s NLB). */
	for (guint i = 0; sc->profile && i < sc->load_balancers->len; i++) {
		sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		if (lb->idle_timeout == 0)
			lb->idle_timeout = lb->type == SC_LB_NETWORK ? sc->profile->limits.nlb_idle_timeout
			                                             : sc->profile->limits.alb_idle_timeout;
	}

	finish_capped(&l);
	loader_clear(&l);
	if (!kf_problems_finish(&l.pr, error)) {
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

static void free_int_arrays(GArray *a, size_t size, size_t offset)
{
	for (guint i = 0; i < a->len; i++) {
		GArray *x = *(GArray **)(void *)(a->data + i * size + offset);
		if (x)
			g_array_unref(x);
	}
}

#define FREE_ARRAYS(arr, type, member) free_int_arrays((arr), sizeof(type), offsetof(type, member))

static void free_names(GArray *a, size_t size)
{
	/* Every element struct starts with its name. */
	for (guint i = 0; i < a->len; i++)
		g_free(*(char **)(void *)(a->data + i * size));
}

static void free_rules(GArray *rules)
{
	if (!rules)
		return;
	for (guint i = 0; i < rules->len; i++)
		g_free(SC_AT(rules, sc_sg_rule, i)->text);
	g_array_unref(rules);
}

void scenario_free(scenario *sc)
{
	if (!sc)
		return;
	g_free(sc->path);
	g_free(sc->name);
	g_free(sc->description);
	g_free(sc->capture);
	prices_free(sc->prices);
	profile_free(sc->profile);
	g_ptr_array_unref(sc->azs);

	for (guint i = 0; i < sc->subnets->len; i++)
		g_free(SC_AT(sc->subnets, sc_subnet, i)->az);
	FREE_ARRAYS(sc->route_tables, sc_route_table, routes);
	for (guint i = 0; i < sc->security_groups->len; i++) {
		free_rules(SC_AT(sc->security_groups, sc_sg, i)->ingress);
		free_rules(SC_AT(sc->security_groups, sc_sg, i)->egress);
	}
	FREE_ARRAYS(sc->instances, sc_instance, sgs);
	FREE_ARRAYS(sc->tgw_route_tables, sc_tgw_route_table, routes);
	FREE_ARRAYS(sc->tgw_attachments, sc_tgw_attachment, subnets);
	FREE_ARRAYS(sc->tgw_attachments, sc_tgw_attachment, propagate_to);
	for (guint i = 0; i < sc->services->len; i++) {
		sc_service *s = SC_AT(sc->services, sc_service, i);
		g_free(s->kind);
		if (s->prefixes)
			g_array_unref(s->prefixes);
		dist_clear(&s->latency);
	}
	FREE_ARRAYS(sc->gw_endpoints, sc_gw_endpoint, route_tables);
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		GArray *ls = SC_AT(sc->load_balancers, sc_lb, i)->listeners;
		for (guint j = 0; ls && j < ls->len; j++)
			free_lb_rules(SC_AT(ls, sc_listener, j)->rules);
	}
	FREE_ARRAYS(sc->load_balancers, sc_lb, subnets);
	FREE_ARRAYS(sc->load_balancers, sc_lb, node_ips);
	FREE_ARRAYS(sc->load_balancers, sc_lb, node_public_ips);
	FREE_ARRAYS(sc->load_balancers, sc_lb, sgs);
	FREE_ARRAYS(sc->load_balancers, sc_lb, listeners);
	FREE_ARRAYS(sc->target_groups, sc_target_group, targets);
	for (guint i = 0; i < sc->endpoint_services->len; i++)
		g_free(SC_AT(sc->endpoint_services, sc_endpoint_service, i)->private_dns);
	FREE_ARRAYS(sc->interface_endpoints, sc_interface_endpoint, subnets);
	FREE_ARRAYS(sc->interface_endpoints, sc_interface_endpoint, ips);
	FREE_ARRAYS(sc->interface_endpoints, sc_interface_endpoint, sgs);
	for (guint i = 0; i < sc->workloads->len; i++) {
		sc_workload *w = SC_AT(sc->workloads, sc_workload, i);
		if (w->clients)
			g_array_unref(w->clients);
		if (w->targets)
			g_array_unref(w->targets);
		dist_clear(&w->interval);
		dist_clear(&w->request_size);
		dist_clear(&w->response_size);
		dist_clear(&w->think_time);
		dist_clear(&w->user_think);
		g_free(w->method);
		g_free(w->path);
	}
	for (int k = 0; k < GK_N; k++) {
		GArray *a = array_of(sc, (gkind)k);
		free_names(a, g_array_get_element_size(a));
		g_array_unref(a);
	}
	g_free(sc);
}

int scenario_find_instance(const scenario *sc, const char *name)
{
	g_return_val_if_fail(sc != NULL && name != NULL, -1);
	for (guint i = 0; i < sc->instances->len; i++)
		if (strcmp(SC_AT(sc->instances, sc_instance, i)->name, name) == 0)
			return (int)i;
	return -1;
}

int scenario_subnet_route_table(const scenario *sc, int subnet)
{
	g_return_val_if_fail(sc != NULL && subnet >= 0 && (guint)subnet < sc->subnets->len, -1);
	const sc_subnet *s = SC_AT(sc->subnets, sc_subnet, subnet);
	if (s->route_table >= 0)
		return s->route_table;
	return s->vpc >= 0 ? SC_AT(sc->vpcs, sc_vpc, s->vpc)->main_route_table : -1;
}
