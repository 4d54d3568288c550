/* \summary: public service endpoints: an HTTP server host behind a front that answers the way requests came; the [service] group */
#include "s3.h"
#include "kindlib.h"
#include "internet.h"
#include "world.h"

#include "host.h"
#include "policy.h"

#include <string.h>

typedef struct {
	node base;
	fabric *f;
	host *h;
	rng rng;
	GHashTable *ways; /* (client ip << 16 | port) -> port * it came in on */
	GArray *entrances; /* entrance, by port index: the VPC endpoint behind each way in */
	gboolean s3;      /* answers S3 requests (endpoint policies apply) */
	GArray *last;     /* sim_time per port: departures in order (fabric_send) */
} front;

typedef struct {
	const char *endpoint;   /* NULL: no VPC endpoint (the public network) */
	const policy *pol;
} entrance;

/* S3's AccessDenied error document: an assumption (its size, about that of
 * S3's XML with a request ID and host ID; the body is pattern bytes). */
#define ACCESS_DENIED_BYTES 243

/* Port 0 goes to the server, port 1 to the region's public network (whose
 * node adds propagation.regional_public); the ports after it, to gateway
 * and interface endpoints, are where the front adds the distance from the
 * VPC's edge to the service, propagation.regional_service, each way. */
#define FRONT_PUBLIC_PORT 1

static sim_time front_distance(front *fr, const port *edge)
{
	return edge->index > FRONT_PUBLIC_PORT
	           ? dist_sample_ns(&fr->f->prof->propagation.regional_service, &fr->rng) : 0;
}

static gpointer way_key(uint32_t ip, uint16_t tport)
{
	return GSIZE_TO_POINTER(((gsize)ip << 16) | tport);
}

static void front__receive(node *n, pkt *p, port *in)
{
	front *fr = (front *)n;
	if (in->index == 0) {
		/* An answer from the server: back the way the client came. */
		port *out = g_hash_table_lookup(fr->ways, way_key(pkt_ip_dst(p), pkt_dport(p)));
		if (!out) {
			net_drop(n->net, n, p, DROP_NO_ROUTE);
			return;
		}
		fabric_send(n->net, out, p, front_distance(fr, out), &g_array_index(fr->last, sim_time, out->index));
		return;
	}
	gpointer k = way_key(pkt_ip_src(p), pkt_sport(p));
	if (g_hash_table_lookup(fr->ways, k) != in)
		g_hash_table_insert(fr->ways, k, in);
	fabric_send(n->net, node_port(n, 0), p, front_distance(fr, in), &g_array_index(fr->last, sim_time, 0));
}

/* Endpoint policies: the request's way in names the endpoint; a request
 * its policy does not allow is answered 403 at once. */
static void front__http(http_exchange *x, void *ud)
{
	front *fr = ud;
	port *in = g_hash_table_lookup(fr->ways, way_key(http_exchange_client_ip(x),
	                                                 http_exchange_client_port(x)));
	const entrance *e = in && in->index < fr->entrances->len
	                            ? &g_array_index(fr->entrances, entrance, in->index) : NULL;
	char *action = NULL, *resource = NULL;
	if (!e || !e->endpoint ||
	    !policy_s3_request(http_exchange_method(x), http_exchange_path(x), &action, &resource)) {
		http_default_handler(x, NULL);
		return;
	}
	policy_decision d = policy_evaluate(e->pol, action, resource);
	node *n = host_node(fr->h); /* S3 decides, where the request arrives */
	if (d.statement)
		NET_TRACE(n->net, n, NULL, NET_TRACE_DECIDE, "endpoint policy of %s: statement %d '%s' %s %s on %s",
		          e->endpoint, d.statement, d.text, d.allowed ? "allows" : "denies", action, resource);
	else if (e->pol)
		NET_TRACE(n->net, n, NULL, NET_TRACE_DECIDE,
		          "endpoint policy of %s: no statement allows %s on %s (implicit deny)", e->endpoint,
		          action, resource);
	else
		NET_TRACE(n->net, n, NULL, NET_TRACE_DECIDE,
		          "endpoint policy of %s: the default policy (full access) allows %s on %s", e->endpoint,
		          action, resource);
	g_free(action);
	g_free(resource);
	if (d.allowed)
		http_default_handler(x, NULL);
	else
		http_respond(x, 403, ACCESS_DENIED_BYTES, "Content-Type: application/xml\r\n");
}

void service_set_entrance(node *n, port *in, const char *endpoint, const policy *pol)
{
	front *fr = (front *)n;
	g_return_if_fail(in->node == n);
	if (fr->entrances->len <= in->index)
		g_array_set_size(fr->entrances, in->index + 1);
	g_array_index(fr->entrances, entrance, in->index) = (entrance){ endpoint, pol };
}

static void front__destroy(node *n)
{
	front *fr = (front *)n;
	g_hash_table_unref(fr->ways);
	g_array_unref(fr->entrances);
	g_array_unref(fr->last);
	node_clear(n);
	g_free(fr);
}

static const node_ops front_ops = {
	.kind = "service",
	.receive = front__receive,
	.destroy = front__destroy,
};

node *service_new(fabric *f, int index)
{
	const sc_service *sv = SC_AT(f->sc->services, sc_service, index);
	front *fr = g_new0(front, 1);
	char *name = g_strdup_printf("%s-endpoint", sv->name);
	node_init(&fr->base, &front_ops, f->net, name);
	g_free(name);
	fr->f = f;
	fr->ways = g_hash_table_new(g_direct_hash, NULL);
	fr->entrances = g_array_new(FALSE, TRUE, sizeof(entrance));
	fr->s3 = strcmp(sv->kind, "s3") == 0;
	fr->last = g_array_new(FALSE, TRUE, sizeof(sim_time));
	net_rng(f->net, &fr->rng, fr->base.name);
	tcp_config tc;
	tcp_config_default(&tc);
	tc.cc = (tcp_cc)f->prof->tcp.congestion_control;
	host_config hc = { .ip = sv->ip, .mtu = f->prof->mtu.igw, .tcp = &tc };
	fr->h = host_new(f->net, sv->name, &hc);
	port *to_host = service_add_port(&fr->base);
	/* The service sends at an instance's rate (profile bandwidth.instance):
	 * an assumption, AWS documents S3 request rates per prefix, not
	 * bandwidth per connection.  An unlimited link would let a TCP burst
	 * of a whole object arrive at once and overflow the first queue that
	 * is not, where real senders pace. */
	link *l = link_new(f->net, to_host, node_port(host_node(fr->h), 0), 0, f->prof->bandwidth.instance,
	                   f->prof->limits.queue_bytes);
	link_set_queue(l, node_port(host_node(fr->h), 0), 0);
	host_http_server_config sc = { .port = 80 };
	dist_copy(&sc.think, &sv->latency);
	GError *err = NULL;
	http_server *srv = host_serve_http(fr->h, &sc, &err);
	g_assert_no_error(err);
	if (fr->s3)
		http_server_set_handler(srv, front__http, fr);
	dist_clear(&sc.think);
	return &fr->base;
}

port *service_add_port(node *n)
{
	front *fr = (front *)n;
	g_array_set_size(fr->last, fr->last->len + 1);
	return node_add_port(n);
}
host *service_host(node *n) { return ((front *)n)->h; }

/* ---- [service] in scenario files: keys, loading, checks ---- */

static const ld_key service_keys[] = {
	{ "kind", TRUE, "s3 or dynamodb" },
	{ "prefixes", TRUE, "the service's public prefix list, comma-separated CIDRs" },
	{ "ip", TRUE, "the address clients connect to, inside one of the prefixes" },
	{ "latency", TRUE, "the time to answer a request, a distribution such as "
	                   "lognormal(median=10ms, sigma=0.5)" },
	{ NULL },
};

static void build_services(sc_loader *l)
{
	static const char *const service_kinds[] = { "s3", "dynamodb", NULL };
	for (guint i = 0; i < ld_groups(l->ld, GK_SERVICE)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_SERVICE)->pdata[i];
		sc_service *s = SC_AT(l->sc->services, sc_service, i);
		s->name = g_strdup(g->name);
		s->prefixes = g_array_new(FALSE, FALSE, sizeof(sc_cidr));
		s->kind = g_strdup(service_kinds[ld_get_word(l->ld, g, "kind", NULL, service_kinds)]);
		const char *v = ld_get(g, "prefixes", NULL);
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
			if (cidr_parse(item, &c, why))
				g_array_append_val(s->prefixes, c);
			else
				ld_problem(l->ld, g, "prefixes", "'%s' %s", item, why->str);
		}
		g_string_free(why, TRUE);
		g_strfreev(items);
		if (v && nitems == 0)
			ld_problem(l->ld, g, "prefixes", "'%s' is empty; expected %s", v,
			  ld_key_find(service_keys, "prefixes")->what);
		v = ld_get(g, "ip", NULL);
		if (v && !ip_parse_strict(v, &s->ip)) {
			ld_problem(l->ld, g, "ip", "'%s' is not an IPv4 address; expected a dotted quad such as "
			              "52.216.0.10", v);
		} else if (v) {
			gboolean inside = FALSE;
			for (guint j = 0; j < s->prefixes->len; j++)
				inside |= sc_cidr_contains(g_array_index(s->prefixes, sc_cidr, j), s->ip);
			if (!inside && s->prefixes->len)
				ld_problem(l->ld, g, "ip", "'%s' is not inside any of the service's prefixes; expected %s",
				  v, ld_key_find(service_keys, "ip")->what);
		}
		ld_get_dist(l->ld, g, "latency", NULL, UNIT_TIME, &s->latency);
	}
}

static void service_clear(void *elem)
{
	sc_service *s = elem;
	g_free(s->kind);
	sc_unref(s->prefixes);
	dist_clear(&s->latency);
}

/* Services: the front node and its host, on the region's public network
 * at their prefixes. */
static void build_services_world(world *w)
{
	fabric *f = world_fabric(w);
	const scenario *sc = f->sc;
	for (guint i = 0; i < sc->services->len; i++) {
		const sc_service *sv = SC_AT(sc->services, sc_service, i);
		node *fr = service_new(f, (int)i);
		world_set_node(w, GK_SERVICE, (int)i, fr);
		world_add_service_host(w, service_host(fr), sv->name);
		port *ip = internet_add_port(world_region(w));
		port *pub = service_add_port(fr);
		g_assert(pub->index == FRONT_PUBLIC_PORT);
		world_link(w, pub, ip, 0);
		for (guint k = 0; k < sv->prefixes->len; k++)
			internet_add_prefix(world_region(w), ip, g_array_index(sv->prefixes, sc_cidr, k));
	}
}

static const sc_build service_build[] = { { 400, build_services_world }, { 0, NULL } };

static const sc_step service_steps[] = { { 200, build_services }, { 0, NULL } };
/* The service's HTTP server, and the front that answers for it. */
static const char *const service_nodes[] = { "", "-endpoint", NULL };
const sc_kind sc_kind_service = {
	.group = { "service", service_keys },
	.size = sizeof(sc_service),
	.steps = service_steps,
	.clear = service_clear,
	.nodes = service_nodes,
	.node_rank = 9,
	.build = service_build,
	.public_network = TRUE,
};
