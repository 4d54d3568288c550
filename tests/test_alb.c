/* \summary: ALB tests: X-Forwarded-*, trace ids, rules, targets, keep-alive, idle, SGs, MTU, LCUs */
#include <string.h>

#include "harness.h"
#include "drops.h"
#include "pcap_check.h"
#include "alb.h"
#include "host.h"
#include "pcapw.h"
#include "vpc.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

/*
 * A hand-built world, no scenario loader: VPC 10.0.0.0/16 with subnet a-1
 * (10.0.1.0/24, AZ use1-az1) and a-2 (10.0.2.0/24, use1-az2), one VPC router,
 * instances as hosts and one ALB with a node in each subnet.  Every delay
 * is X and links are infinitely fast, so times are exact sums.
 *
 *   instance   address      subnet  groups     serves
 *   client     10.0.1.10    a-1     sg-client
 *   web-1      10.0.1.20    a-1     sg-web     HTTP 8080 (tg-web, target 0)
 *   web-2      10.0.2.20    a-2     sg-web     HTTP 8080 (tg-web, target 1)
 *   api-1      10.0.2.30    a-2     sg-web     HTTP 8080 (tg-api)
 *   outsider   10.0.2.50    a-2     sg-client
 *   blocked    10.0.1.40    a-1     sg-web     HTTP 9999 (tg-blocked)
 *
 *   sg-alb     in: tcp 80 from 10.0.1.0/24      out: tcp 8080 to 10.0.0.0/16
 *   sg-web     in: tcp 8080 from sg-alb         out: all (default)
 *   sg-client  in: nothing                      out: all (default)
 *
 * alb-1: nodes 10.0.1.100 (a-1) and 10.0.2.100 (a-2), listener http:80,
 * default tg-web, rules in order: host api.example.com -> tg-api, path
 * /api/STAR -> tg-api, host blocked.example -> tg-blocked, then `extra_rules`
 * path rules that never match.
 */

enum { CLIENT, WEB1, WEB2, API1, OUTSIDER, BLOCKED, N_INST };
enum { TG_WEB, TG_API, TG_BLOCKED, N_TG };
enum { SG_ALB, SG_WEB, SG_CLIENT, N_SG };

static const sim_time X = 100 * SIM_US;
static const sim_time T = SIM_MS; /* every target's think time */

#define NODE0 IP(10, 0, 1, 100)
#define NODE1 IP(10, 0, 2, 100)

typedef struct bed bed;

/* What one target saw. */
typedef struct {
	bed *b;
	int inst;
	guint requests;
	GPtrArray *heads;      /* char *: request heads in order */
	uint32_t bad_src;      /* a source address other than an ALB node's, or 0 */
	guint packets_in;
	uint16_t syn_mss;      /* MSS option of the last SYN received */
	uint32_t max_ip_out;   /* largest IP packet sent */
} target_seen;

typedef struct {
	uint32_t max_ip_in;
	uint16_t synack_mss;
} client_seen;

struct bed {
	scenario *sc;
	net *nt;
	cost_ledger *ledger;
	fabric f;
	sg_world *sgw;
	vpc_router *vr;
	host *h[N_INST];
	sg_eni *sg[N_INST];
	node *alb;
	target_seen seen[N_INST];
	client_seen cseen;
	GArray *order;         /* int: instance of each request handled, in order */
	char *dir;
	char *cap_client, *cap_web1;
};

typedef struct {
	gboolean internet_facing;
	guint extra_rules;
	sc_lb_algorithm algorithm;
	sim_time idle_timeout;   /* 0 = the profile's */
	gboolean capture;
} bed_options;

static const uint32_t inst_ip[N_INST] = {
	IP(10, 0, 1, 10), IP(10, 0, 1, 20), IP(10, 0, 2, 20),
	IP(10, 0, 2, 30), IP(10, 0, 2, 50), IP(10, 0, 1, 40),
};
static const int inst_subnet[N_INST] = { 0, 0, 1, 1, 1, 0 };
static const char *const inst_name[N_INST] = { "client", "web-1", "web-2",
	                                       "api-1", "outsider", "blocked" };

static sc_cidr cidr(uint32_t addr, uint8_t len) { return (sc_cidr){ addr, len }; }

static GArray *int_array(int n, const int *v)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(int));
	g_array_append_vals(a, v, (guint)n);
	return a;
}

static void add_rule(GArray *rules, sc_proto proto, uint16_t lo, uint16_t hi, sc_cidr peer,
                     int peer_sg)
{
	sc_sg_rule r = { proto, lo, hi, peer, peer_sg, (char *)"rule" };
	g_array_append_val(rules, r);
}

static scenario *make_scenario(const bed_options *o)
{
	scenario *sc = g_new0(scenario, 1);
	char *path = harness_source_path("scenarios/prices/us-east-1.ini");
	GError *err = NULL;
	sc->prices = prices_load(path, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc->prices);
	path = harness_source_path("scenarios/profiles/constant.ini");
	sc->profile = profile_load(path, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc->profile);
	profile_set_all_delays(scenario_own_profile(sc), X);
	sc->profile->bandwidth.instance = 0;
	sc->name = (char *)"alb-test";
	sc->seed = 7;
	sc->azs = g_ptr_array_new();
	g_ptr_array_add(sc->azs, (char *)"use1-az1");
	g_ptr_array_add(sc->azs, (char *)"use1-az2");

	sc->vpcs = g_array_new(FALSE, TRUE, sizeof(sc_vpc));
	sc_vpc v = { (char *)"vpc-a", cidr(IP(10, 0, 0, 0), 16), -1, 0 };
	g_array_append_val(sc->vpcs, v);
	sc->route_tables = g_array_new(FALSE, TRUE, sizeof(sc_route_table));
	sc_route_table rt = { (char *)"vpc-a-main", 0, TRUE, g_array_new(FALSE, TRUE, sizeof(sc_route)) };
	sc_route local = { cidr(IP(10, 0, 0, 0), 16), -1, SC_TARGET_LOCAL, -1 };
	g_array_append_val(rt.routes, local);
	g_array_append_val(sc->route_tables, rt);
	sc->subnets = g_array_new(FALSE, TRUE, sizeof(sc_subnet));
	sc_subnet s1 = { (char *)"a-1", 0, cidr(IP(10, 0, 1, 0), 24), (char *)"use1-az1", 0, -1 };
	sc_subnet s2 = { (char *)"a-2", 0, cidr(IP(10, 0, 2, 0), 24), (char *)"use1-az2", 1, -1 };
	g_array_append_val(sc->subnets, s1);
	g_array_append_val(sc->subnets, s2);

	sc->security_groups = g_array_new(FALSE, TRUE, sizeof(sc_sg));
	sc_sg alb = { (char *)"sg-alb", 0, g_array_new(FALSE, TRUE, sizeof(sc_sg_rule)),
		      g_array_new(FALSE, TRUE, sizeof(sc_sg_rule)) };
	add_rule(alb.ingress, SC_PROTO_TCP, 80, 80, cidr(IP(10, 0, 1, 0), 24), -1);
	add_rule(alb.egress, SC_PROTO_TCP, 8080, 8080, cidr(IP(10, 0, 0, 0), 16), -1);
	sc_sg web = { (char *)"sg-web", 0, g_array_new(FALSE, TRUE, sizeof(sc_sg_rule)), NULL };
	add_rule(web.ingress, SC_PROTO_TCP, 8080, 8080, cidr(0, 0), SG_ALB);
	sc_sg cl = { (char *)"sg-client", 0, g_array_new(FALSE, TRUE, sizeof(sc_sg_rule)), NULL };
	g_array_append_val(sc->security_groups, alb);
	g_array_append_val(sc->security_groups, web);
	g_array_append_val(sc->security_groups, cl);

	sc->instances = g_array_new(FALSE, TRUE, sizeof(sc_instance));
	for (int i = 0; i < N_INST; i++) {
		int g = (i == CLIENT || i == OUTSIDER) ? SG_CLIENT : SG_WEB;
		sc_instance in = { .name = (char *)inst_name[i], .subnet = inst_subnet[i],
			.ip = inst_ip[i], .sgs = int_array(1, &g) };
		g_array_append_val(sc->instances, in);
	}

	sc->target_groups = g_array_new(FALSE, TRUE, sizeof(sc_target_group));
	const int web_t[] = { WEB1, WEB2 }, api_t[] = { API1 }, blocked_t[] = { BLOCKED };
	sc_target_group tw = { .name = (char *)"tg-web", .type = SC_TG_INSTANCE, .port = 8080,
				.targets = int_array(2, web_t) };
	sc_target_group ta = { .name = (char *)"tg-api", .type = SC_TG_INSTANCE, .port = 8080,
				.targets = int_array(1, api_t) };
	sc_target_group tb = { .name = (char *)"tg-blocked", .type = SC_TG_INSTANCE, .port = 9999,
				.targets = int_array(1, blocked_t) };
	g_array_append_val(sc->target_groups, tw);
	g_array_append_val(sc->target_groups, ta);
	g_array_append_val(sc->target_groups, tb);

	sc_listener li = { SC_PROTO_TCP, TRUE, 80, TG_WEB, g_array_new(FALSE, TRUE, sizeof(sc_lb_rule)), FALSE };
	sc_lb_rule r1 = { SC_RULE_HOST, g_strdup("api.example.com"), TG_API, (char *)"host" };
	sc_lb_rule r2 = { SC_RULE_PATH, g_strdup("/api/*"), TG_API, (char *)"path" };
	sc_lb_rule r3 = { SC_RULE_HOST, g_strdup("blocked.example"), TG_BLOCKED, (char *)"host" };
	g_array_append_val(li.rules, r1);
	g_array_append_val(li.rules, r2);
	g_array_append_val(li.rules, r3);
	for (guint i = 0; i < o->extra_rules; i++) {
		sc_lb_rule r = { SC_RULE_PATH, g_strdup_printf("/never-%u", i), TG_API, (char *)"path" };
		g_array_append_val(li.rules, r);
	}
	const int subnets[] = { 0, 1 }, sgs[] = { SG_ALB };
	sc_lb lb = {
		.name = (char *)"alb-1",
		.type = SC_LB_APPLICATION,
		.internet_facing = o->internet_facing,
		.vpc = 0,
		.subnets = int_array(2, subnets),
		.node_ips = g_array_new(FALSE, FALSE, sizeof(uint32_t)),
		.node_public_ips = g_array_new(FALSE, TRUE, sizeof(uint32_t)),
		.sgs = int_array(1, sgs),
		.cross_zone = TRUE,
		.idle_timeout = o->idle_timeout,
		.algorithm = o->algorithm,
		.listeners = g_array_new(FALSE, TRUE, sizeof(sc_listener)),
	};
	const uint32_t nips[] = { NODE0, NODE1 };
	g_array_append_vals(lb.node_ips, nips, 2);
	g_array_set_size(lb.node_public_ips, 2);
	g_array_append_val(lb.listeners, li);
	sc->load_balancers = g_array_new(FALSE, TRUE, sizeof(sc_lb));
	g_array_append_val(sc->load_balancers, lb);

	/* What this test does not use, empty. */
	GArray **empty[] = { &sc->peerings, &sc->tgws, &sc->tgw_route_tables, &sc->tgw_attachments,
		             &sc->natgws, &sc->igws, &sc->services, &sc->gw_endpoints, &sc->workloads,
		             &sc->endpoint_services, &sc->interface_endpoints };
	for (guint i = 0; i < G_N_ELEMENTS(empty); i++)
		*empty[i] = g_array_new(FALSE, TRUE, 1);
	return sc;
}

static void free_scenario(scenario *sc)
{
	prices_free(sc->prices);
	profile_free(sc->profile);
	g_ptr_array_unref(sc->azs);
	g_array_unref(SC_AT(sc->route_tables, sc_route_table, 0)->routes);
	for (guint i = 0; i < sc->security_groups->len; i++) {
		sc_sg *g = SC_AT(sc->security_groups, sc_sg, i);
		g_array_unref(g->ingress);
		if (g->egress)
			g_array_unref(g->egress);
	}
	for (guint i = 0; i < sc->instances->len; i++)
		g_array_unref(SC_AT(sc->instances, sc_instance, i)->sgs);
	for (guint i = 0; i < sc->target_groups->len; i++)
		g_array_unref(SC_AT(sc->target_groups, sc_target_group, i)->targets);
	sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, 0);
	sc_listener *li = SC_AT(lb->listeners, sc_listener, 0);
	for (guint i = 0; i < li->rules->len; i++)
		g_free(SC_AT(li->rules, sc_lb_rule, i)->pattern);
	g_array_unref(li->rules);
	g_array_unref(lb->listeners);
	g_array_unref(lb->subnets);
	g_array_unref(lb->node_ips);
	g_array_unref(lb->node_public_ips);
	g_array_unref(lb->sgs);
	GArray *all[] = { sc->vpcs, sc->route_tables, sc->subnets, sc->security_groups, sc->instances,
		          sc->target_groups, sc->load_balancers, sc->peerings, sc->tgws,
		          sc->tgw_route_tables, sc->tgw_attachments, sc->natgws, sc->igws, sc->services,
		          sc->gw_endpoints, sc->workloads, sc->endpoint_services,
		          sc->interface_endpoints };
	for (guint i = 0; i < G_N_ELEMENTS(all); i++)
		g_array_unref(all[i]);
	g_free(sc);
}

/* ---- host filters: security groups and what each host saw ---- */

static int bed_index(bed *b, host *h)
{
	for (int i = 0; i < N_INST; i++)
		if (b->h[i] == h)
			return i;
	return -1;
}

static int filter_out(host *h, pkt *p, void *ud)
{
	bed *b = ud;
	int i = bed_index(b, h);
	const char *denied;
	if (!sg_allow_out(b->sg[i], p, &denied))
		return DROP_SG;
	b->seen[i].max_ip_out = MAX(b->seen[i].max_ip_out, pkt_ip_len(p));
	return HOST_ALLOW;
}

static int filter_in(host *h, pkt *p, void *ud)
{
	bed *b = ud;
	int i = bed_index(b, h);
	const char *denied;
	if (!sg_allow_in(b->sg[i], p, &denied))
		return DROP_SG;
	uint8_t fl = pkt_tcp_flags(p);
	if (i == CLIENT || i == OUTSIDER) {
		b->cseen.max_ip_in = MAX(b->cseen.max_ip_in, pkt_ip_len(p));
		if ((fl & PKT_TCP_SYN) && (fl & PKT_TCP_ACK))
			b->cseen.synack_mss = pkt_tcp_mss(p);
	} else {
		target_seen *t = &b->seen[i];
		t->packets_in++;
		if (pkt_ip_src(p) != NODE0 && pkt_ip_src(p) != NODE1)
			t->bad_src = pkt_ip_src(p);
		if (fl & PKT_TCP_SYN)
			t->syn_mss = pkt_tcp_mss(p);
	}
	return HOST_ALLOW;
}

/* Targets keep each head, then answer as the default handler does
 * (think T, the body size the client asked for). */
static void target_handler(http_exchange *x, void *ud)
{
	target_seen *t = ud;
	size_t len;
	const char *h = http_exchange_head(x, &len);
	g_ptr_array_add(t->heads, g_strndup(h, len));
	t->requests++;
	g_array_append_val(t->b->order, t->inst);
	http_default_handler(x, NULL);
}

static void bed_init(bed *b, const bed_options *o)
{
	memset(b, 0, sizeof *b);
	b->sc = make_scenario(o);
	b->nt = net_new(b->sc->seed);
	b->ledger = prices_ledger_new(b->sc->prices);
	fabric_init(&b->f, b->nt, b->sc, b->ledger);
	b->sgw = sg_world_new(b->sc);
	b->vr = vpc_router_new(&b->f, 0);
	b->order = g_array_new(FALSE, FALSE, sizeof(int));
	b->dir = harness_tmpdir();
	for (int i = 0; i < N_INST; i++) {
		host_config hc = { .ip = inst_ip[i],
			           .mtu = (i == CLIENT || i == OUTSIDER) ? 1500 : b->f.prof->mtu.vpc };
		b->h[i] = host_new(b->nt, inst_name[i], &hc);
		b->sg[i] = sg_eni_new(b->sgw, SC_AT(b->sc->instances, sc_instance, i)->sgs);
		host_set_filters(b->h[i], filter_out, filter_in, b);
		port *rp = vpc_router_add_port(b->vr, VPC_PORT_ENI, inst_subnet[i], i, inst_ip[i],
		                               inst_name[i]);
		link_new(b->nt, node_port(host_node(b->h[i]), 0), rp, 0, 0, 0);
		b->seen[i].b = b;
		b->seen[i].inst = i;
		b->seen[i].heads = g_ptr_array_new_with_free_func(g_free);
		if (i == CLIENT || i == OUTSIDER)
			continue;
		host_http_server_config hs = { .port = i == BLOCKED ? 9999 : 8080 };
		dist_set_const(&hs.think, UNIT_TIME, (double)T);
		GError *err = NULL;
		http_server *srv = host_serve_http(b->h[i], &hs, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
		http_server_set_handler(srv, target_handler, &b->seen[i]);
		dist_clear(&hs.think);
	}
	b->alb = alb_new(&b->f, 0, b->sgw);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->alb);
	CU_ASSERT_EQUAL(b->alb->ports->len, 2);
	const sc_lb *lb = SC_AT(b->sc->load_balancers, sc_lb, 0);
	for (guint i = 0; i < 2; i++) {
		port *rp = vpc_router_add_port(b->vr, VPC_PORT_ENI, g_array_index(lb->subnets, int, i), -1,
		                               g_array_index(lb->node_ips, uint32_t, i), "alb-1");
		link_new(b->nt, node_port(b->alb, i), rp, 0, 0, 0);
	}
	vpc_router_finish(b->vr);
	if (o->capture) {
		CU_ASSERT_TRUE(net_capture(b->nt, node_port(host_node(b->h[CLIENT]), 0), b->dir, "client",
		                           0, NULL));
		CU_ASSERT_TRUE(net_capture(b->nt, node_port(host_node(b->h[WEB1]), 0), b->dir, "web-1", 0,
		                           NULL));
		b->cap_client = g_strdup_printf("%s/client.pcap", b->dir);
		b->cap_web1 = g_strdup_printf("%s/web-1.pcap", b->dir);
	}
}

static void bed_clear(bed *b)
{
	net_free(b->nt);
	for (int i = 0; i < N_INST; i++) {
		sg_eni_free(b->sg[i]);
		g_ptr_array_unref(b->seen[i].heads);
	}
	sg_world_free(b->sgw);
	fabric_clear(&b->f);
	cost_ledger_free(b->ledger);
	free_scenario(b->sc);
	g_array_unref(b->order);
	harness_rmtree(b->dir);
	g_free(b->dir);
	g_free(b->cap_client);
	g_free(b->cap_web1);
}

/* ---- clients: requests at given times, results kept ---- */

#define MAX_REQ 8

typedef struct {
	sim_time at;
	const char *path;
	const char *host;     /* NULL: the client's ("10.0.1.100") */
	const char *extra;    /* more header lines */
	uint64_t response;    /* body bytes asked for */
} req_plan;

typedef struct {
	http_client *cl;
	const req_plan *plan;
	guint n;
	http_result r[MAX_REQ];
	guint done;
	GString *extra[MAX_REQ];
} client_run;

static void keep(const http_result *r, void *ud)
{
	client_run *c = ud;
	/* Results arrive in completion order: find the request by its start
	 * time (the plan's times are distinct). */
	for (guint i = 0; i < c->n; i++) {
		if (c->plan[i].at == r->t_start) {
			c->r[i] = *r;
			c->r[i].head = NULL;
		}
	}
	c->done++;
}

static void fire(sim *s, void *ctx, void *arg)
{
	(void)s;
	client_run *c = ctx;
	guint i = GPOINTER_TO_UINT(arg);
	const req_plan *p = &c->plan[i];
	c->extra[i] = g_string_new(NULL);
	g_string_printf(c->extra[i], HTTP_HDR_RESPONSE_BYTES ": %" G_GUINT64_FORMAT "\r\n%s",
	                p->response, p->extra ? p->extra : "");
	http_request_spec spec = { .path = p->path, .host = p->host, .extra = c->extra[i]->str };
	http_client_request(c->cl, &spec, keep, c);
}

static void client_start(bed *b, client_run *c, int inst, uint32_t node_ip, const req_plan *plan,
                         guint n, guint max_conns)
{
	memset(c, 0, sizeof *c);
	http_client_config cc = { .local_ip = inst_ip[inst], .ip = node_ip, .port = 80,
		                  .keepalive = TRUE, .max_conns = max_conns };
	c->cl = http_client_new(host_tcp(b->h[inst]), &cc);
	c->plan = plan;
	c->n = n;
	for (guint i = 0; i < n; i++)
		sim_schedule_at(b->nt->sim, plan[i].at, fire, c, GUINT_TO_POINTER(i));
}

static void client_clear(client_run *c)
{
	http_client_free(c->cl);
	for (guint i = 0; i < MAX_REQ; i++)
		if (c->extra[i])
			g_string_free(c->extra[i], TRUE);
}

static void close_idle_ev(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	http_client_close_idle(ctx);
}

static char *header(const char *head, const char *name)
{
	size_t vl = 0;
	const char *v = http_head_get(head, strlen(head), name, &vl);
	return v ? g_strndup(v, vl) : NULL;
}

static guint count_lines(const char *head, const char *prefix)
{
	guint n = 0;
	for (const char *p = head; (p = strstr(p, prefix)); p++)
		n++;
	return n;
}

/* Root=1-<8 hex: simulated epoch seconds at t>-<24 hex> */
static gboolean trace_ok(const char *v, sim_time t)
{
	char *epoch = g_strdup_printf("%08" G_GINT64_MODIFIER "x", PCAPW_EPOCH_S + t / SIM_S);
	char *pattern = g_strdup_printf("^1-%s-[0-9a-f]{24}$", epoch);
	gboolean ok = g_regex_match_simple(pattern, v, 0, 0);
	g_free(pattern);
	g_free(epoch);
	return ok;
}

/* ---- tests ---- */

/*
 * Six requests on one kept-alive client connection to node 10.0.1.100,
 * 50 ms apart.  Per direction the VPC router adds X processing + X
 * propagation (fabric.h), so a leg client->ALB or ALB->target takes 2X;
 * the ALB adds X (processing.alb) once per request; targets think T.
 * A request on open connections takes
 *     2X (to the ALB) + X + 2X (to the target) + T + 2X + 2X = 9X + T,
 * and each connection it has to open first adds a handshake, SYN and
 * SYN-ACK, 4X: the first request 17X + T (client and back end both new),
 * the first to another target 13X + T.
 *
 *   #  path     Host                rules evaluated   target
 *   0  /        10.0.1.100          3 (no match)      web-1  17X + T
 *   1  /        10.0.1.100          3                 web-2  13X + T (round robin, other AZ)
 *   2  /        10.0.1.100          3                 web-1   9X + T (XFF and trace present)
 *   3  /api/x   10.0.1.100          2 (path)          api-1  13X + T
 *   4  /        10.0.1.100          3                 web-2   9X + T
 *   5  /        API.Example.com:80  1 (host)          api-1   9X + T
 */
static void test_forwarding(void)
{
	bed b;
	bed_options o = { .capture = TRUE };
	bed_init(&b, &o);
	const req_plan plan[] = {
		{ 0, "/", NULL, NULL, 100 },
		{ 50 * SIM_MS, "/", NULL, NULL, 100 },
		{ 100 * SIM_MS, "/", NULL,
		  "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"
		  "X-Amzn-Trace-Id: Root=1-00000001-abcdefabcdefabcdefabcdef\r\n", 100 },
		{ 150 * SIM_MS, "/api/x", NULL, NULL, 100 },
		{ 200 * SIM_MS, "/", NULL, NULL, 100 },
		{ 250 * SIM_MS, "/", "API.Example.com:80", NULL, 100 },
	};
	const guint n = G_N_ELEMENTS(plan);
	client_run c;
	client_start(&b, &c, CLIENT, NODE0, plan, n, 1);
	sim_schedule_at(b.nt->sim, SIM_S, close_idle_ev, c.cl, NULL);
	/* Runs until the ALB's idle back-end connections have closed and
	 * every TIME_WAIT has ended. */
	sim_run(b.nt->sim);
	CU_ASSERT_TRUE(net_close_captures(b.nt, NULL));

	const sim_time want[] = { 17 * X + T, 13 * X + T, 9 * X + T, 13 * X + T, 9 * X + T, 9 * X + T };
	CU_ASSERT_EQUAL(c.done, n);
	for (guint i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(c.r[i].fail, HTTP_OK);
		CU_ASSERT_EQUAL(c.r[i].status, 200);
		CU_ASSERT_EQUAL(c.r[i].content_length, 100);
		CU_ASSERT_EQUAL(c.r[i].t_complete - c.r[i].t_start, want[i]);
		if (c.r[i].t_complete - c.r[i].t_start != want[i])
			printf("\n    request %u: %" G_GINT64_FORMAT " ns, expected %" G_GINT64_FORMAT, i,
			       c.r[i].t_complete - c.r[i].t_start, want[i]);
	}
	/* Round robin over both AZs, the rules sending two to api-1. */
	const int order[] = { WEB1, WEB2, WEB1, API1, WEB2, API1 };
	CU_ASSERT_EQUAL_FATAL(b.order->len, n);
	for (guint i = 0; i < n; i++)
		CU_ASSERT_EQUAL(g_array_index(b.order, int, i), order[i]);
	CU_ASSERT_EQUAL(alb_target_requests(b.alb, TG_WEB, 0), 2);
	CU_ASSERT_EQUAL(alb_target_requests(b.alb, TG_WEB, 1), 2);
	CU_ASSERT_EQUAL(alb_target_requests(b.alb, TG_API, 0), 2);
	CU_ASSERT_EQUAL(alb_target_requests(b.alb, TG_API, 1), 0);

	/* Every packet a target received came from an ALB node, here the
	 * client's node (10.0.1.100), whose SYN offered the VPC's MSS. */
	for (int i = WEB1; i <= API1; i++) {
		CU_ASSERT(b.seen[i].packets_in > 0);
		CU_ASSERT_EQUAL(b.seen[i].bad_src, 0);
		CU_ASSERT_EQUAL(b.seen[i].syn_mss, 9001 - 40);
	}

	/* The heads web-1 received: requests 0 and 2. */
	CU_ASSERT_EQUAL_FATAL(b.seen[WEB1].heads->len, 2);
	const char *h0 = g_ptr_array_index(b.seen[WEB1].heads, 0);
	const char *h2 = g_ptr_array_index(b.seen[WEB1].heads, 1);
	char *v = header(h0, "X-Forwarded-For");
	CU_ASSERT_STRING_EQUAL(v, "10.0.1.10");
	g_free(v);
	v = header(h0, "X-Forwarded-Proto");
	CU_ASSERT_STRING_EQUAL(v, "http");
	g_free(v);
	v = header(h0, "X-Forwarded-Port");
	CU_ASSERT_STRING_EQUAL(v, "80");
	g_free(v);
	v = header(h0, "X-Amzn-Trace-Id");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_TRUE(g_str_has_prefix(v, "Root="));
	CU_ASSERT_TRUE(trace_ok(v + 5, 0));
	char *root0 = v;
	v = header(h0, "Host");
	CU_ASSERT_STRING_EQUAL(v, "10.0.1.100"); /* the client's head, re-emitted */
	g_free(v);
	CU_ASSERT_TRUE(g_str_has_prefix(h0, "GET / HTTP/1.1\r\n"));
	CU_ASSERT_TRUE(g_str_has_suffix(h0, "\r\n\r\n"));
	/* Request 2 carried its own XFF, proto and trace: the ALB appended to
	 * the first, replaced the second, and put itself in front of the Root. */
	v = header(h2, "X-Forwarded-For");
	CU_ASSERT_STRING_EQUAL(v, "203.0.113.7, 10.0.1.10");
	g_free(v);
	v = header(h2, "X-Forwarded-Proto");
	CU_ASSERT_STRING_EQUAL(v, "http");
	g_free(v);
	CU_ASSERT_EQUAL(count_lines(h2, "X-Forwarded-For:"), 1);
	CU_ASSERT_EQUAL(count_lines(h2, "X-Forwarded-Proto:"), 1);
	CU_ASSERT_EQUAL(count_lines(h2, "X-Amzn-Trace-Id:"), 1);
	v = header(h2, "X-Amzn-Trace-Id");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	char **parts = g_strsplit(v, ";", -1);
	CU_ASSERT_EQUAL_FATAL(g_strv_length(parts), 2);
	CU_ASSERT_TRUE(g_str_has_prefix(parts[0], "Self="));
	CU_ASSERT_TRUE(trace_ok(parts[0] + 5, 100 * SIM_MS));
	CU_ASSERT_STRING_EQUAL(parts[1], "Root=1-00000001-abcdefabcdefabcdefabcdef");
	CU_ASSERT_STRING_NOT_EQUAL(parts[0] + 5, root0 + 5); /* a fresh id per request */
	g_strfreev(parts);
	g_free(v);
	g_free(root0);

	/* Keep-alive on the back end: three connections (one per target) for
	 * six requests, then closed by the ALB's idle timeout. */
	const alb_counters *k = alb_get_counters(b.alb);
	CU_ASSERT_EQUAL(k->requests, n);
	CU_ASSERT_EQUAL(k->forwarded, n);
	CU_ASSERT_EQUAL(k->rule_evaluations, 3 + 3 + 3 + 2 + 3 + 1);
	CU_ASSERT_EQUAL(k->billed_rule_evaluations, 0);
	CU_ASSERT_EQUAL(k->backend_connections, 3);
	CU_ASSERT_EQUAL(k->backend_idle_closed, 3);
	CU_ASSERT_EQUAL(k->new_connections, 1);
	CU_ASSERT_EQUAL(k->active_connections, 0);
	CU_ASSERT_EQUAL(k->peak_active_connections, 1);
	CU_ASSERT_EQUAL(k->backend_failures + k->no_target, 0);
	for (int i = WEB1; i <= API1; i++)
		CU_ASSERT_EQUAL(tcp_stack_conn_count(host_tcp(b.h[i])), 0);
	CU_ASSERT_EQUAL(net_drops(b.nt, DROP_SG), 0);
	CU_ASSERT_EQUAL(pkt_pool_live(b.nt->pool), 0);

	/* Wireshark's view: clean captures on both sides, both HTTP
	 * conversations complete, X-Forwarded-For decoded on the back end. */
	pcap_check_lint(b.cap_client);
	pcap_check_lint(b.cap_web1);
	if (harness_have("tshark")) {
		CU_ASSERT_EQUAL(pcap_check_http(b.cap_client, NULL), n);
		CU_ASSERT_EQUAL(pcap_check_http(b.cap_web1, NULL), 2);
		const char *argv[] = { "tshark", "-n", "-r", b.cap_web1, "-Y", "http.request", "-T",
			               "fields", "-e", "ip.src", "-e", "http.x_forwarded_for", NULL };
		char *out = NULL, *err = NULL;
		CU_ASSERT_EQUAL(harness_run(argv, &out, &err), 0);
		CU_ASSERT_STRING_EQUAL(out, "10.0.1.100\t10.0.1.10\n10.0.1.100\t203.0.113.7, 10.0.1.10\n");
		g_free(out);
		g_free(err);
	}
	client_clear(&c);
	bed_clear(&b);
}

/* The head an ALB forwards, by the walk it did before it used the line
 * ends the server found (a memchr per line end and per colon, a
 * g_ascii_strncasecmp per name): the client's head, hop-by-hop and
 * X-Forwarded-* / X-Amzn-Trace-Id lines out, its own lines in, with the
 * trace id `id` (35 characters). */
static char *reference_forward(const char *h, const char *cip, const char *id)
{
	size_t len = strlen(h);
	const char *end = h + len;
	GString *out = g_string_new(NULL), *xff = g_string_new(NULL), *trace = g_string_new(NULL);
	const char *l = memchr(h, '\n', len);
	g_string_append_len(out, h, l + 1 - h);
	for (l++; l < end;) {
		const char *eol = memchr(l, '\n', (size_t)(end - l));
		const char *next = eol ? eol + 1 : end;
		const char *stop = eol && eol > l && eol[-1] == '\r' ? eol - 1 : (eol ? eol : end);
		if (stop == l)
			break;
		const char *colon = memchr(l, ':', (size_t)(stop - l));
		size_t nl = colon ? (size_t)(colon - l) : 0;
		const char *v = colon ? colon + 1 : stop;
		while (v < stop && (*v == ' ' || *v == '\t'))
			v++;
#define IS(name) (nl == strlen(name) && g_ascii_strncasecmp(l, name, nl) == 0)
		if (IS("X-Forwarded-For")) {
			if (xff->len)
				g_string_append(xff, ", ");
			g_string_append_len(xff, v, stop - v);
		} else if (IS("X-Amzn-Trace-Id")) {
			g_string_append_len(trace, v, stop - v);
		} else if (!IS("X-Forwarded-Proto") && !IS("X-Forwarded-Port") && !IS("Connection") &&
		           !IS("Keep-Alive")) {
			g_string_append_len(out, l, next - l);
		}
#undef IS
		l = next;
	}
	gboolean has_root = strstr(trace->str, "Root=") != NULL;
	g_string_append_printf(out, "X-Forwarded-For: %s%s%s\r\nX-Forwarded-Proto: http\r\n"
	                            "X-Forwarded-Port: 80\r\nX-Amzn-Trace-Id: %s%.35s%s%s\r\n\r\n",
	                       xff->str, xff->len ? ", " : "", cip, has_root ? "Self=" : "Root=", id,
	                       has_root ? ";" : "", has_root ? trace->str : "");
	g_string_free(xff, TRUE);
	g_string_free(trace, TRUE);
	return g_string_free(out, FALSE);
}

/*
 * Client heads with the lines an ALB takes out in other orders and cases,
 * twice, with names that only start like them or have a blank before the
 * colon, a line without a colon, empty values, and more lines than the
 * server records the ends of: each head a target receives is, byte for
 * byte, the reference's walk of the client's head.
 */
static void test_forward_heads(void)
{
	GString *pads = g_string_new(NULL);
	for (int i = 0; i < 40; i++)
		g_string_append_printf(pads, "X-Pad-%02d: %d\r\n", i, i);
	char *lng = g_strdup_printf("%sx-forwarded-PROTO: https\r\nX-Forwarded-For: 192.0.2.9\r\n%s"
	                            "KEEP-ALIVE: timeout=5\r\n", pads->str, pads->str);
	const req_plan plan[] = {
		{ 0, "/", NULL, NULL, 100 },
		{ 50 * SIM_MS, "/", NULL,
		  "x-forwarded-for: 198.51.100.1\r\nX-FORWARDED-FOR: 198.51.100.2\r\n"
		  "connection: keep-alive\r\nKeep-Alive: timeout=5\r\n", 100 },
		{ 100 * SIM_MS, "/", NULL,
		  "X-Amzn-Trace-Id: Self=1-2-3\r\nx-amzn-trace-id: Root=1-00000001-abc\r\n"
		  "X-Forwarded-Port: 8080\r\nx-forwarded-proto: https\r\n", 100 },
		{ 150 * SIM_MS, "/", NULL,
		  "X-Forwarded-For-Ext: keep\r\nX-Forwarded-Fo: keep\r\nConnection : keep\r\n"
		  "NoColonLine\r\nX-Forwarded-For:   203.0.113.9  \r\nA:B: c\r\n", 100 },
		{ 200 * SIM_MS, "/", NULL, "X-Amzn-Trace-Id: Root=\r\nX-Forwarded-For:\r\nZ: 1\r\n", 100 },
		{ 250 * SIM_MS, "/", NULL, lng, 100 },
	};
	const guint n = G_N_ELEMENTS(plan);
	bed b;
	bed_options o = { 0 };
	bed_init(&b, &o);
	client_run c;
	client_start(&b, &c, CLIENT, NODE0, plan, n, 1);
	sim_schedule_at(b.nt->sim, SIM_S, close_idle_ev, c.cl, NULL);
	sim_run(b.nt->sim);
	CU_ASSERT_EQUAL(c.done, n);
	CU_ASSERT_EQUAL_FATAL(b.order->len, n);
	guint seen[N_INST] = { 0 };
	for (guint i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(c.r[i].fail, HTTP_OK);
		int t = g_array_index(b.order, int, i);
		CU_ASSERT_FATAL(seen[t] < b.seen[t].heads->len);
		const char *got = g_ptr_array_index(b.seen[t].heads, seen[t]++);
		GString *sent = http_request_head("GET", "10.0.1.100", "/", 0, FALSE, c.extra[i]->str);
		/* The trace id is drawn per request: taken from what arrived. */
		const char *id = strstr(got, "\r\nX-Amzn-Trace-Id: ");
		CU_ASSERT_PTR_NOT_NULL_FATAL(id);
		id += strlen("\r\nX-Amzn-Trace-Id: Root=");
		CU_ASSERT_FATAL(strlen(id) > 35);
		char *tid = g_strndup(id, 35);
		CU_ASSERT_TRUE(trace_ok(tid, plan[i].at));
		g_free(tid);
		char *want = reference_forward(sent->str, "10.0.1.10", id);
		CU_ASSERT_STRING_EQUAL(got, want);
		g_free(want);
		g_string_free(sent, TRUE);
	}
	client_clear(&c);
	bed_clear(&b);
	g_free(lng);
	g_string_free(pads, TRUE);
}

/* The idle timeout (2 s here) closes the client connection and the
 * back-end one with FINs from the ALB: the client never closes. */
static void test_idle_timeout(void)
{
	bed b;
	bed_options o = { .idle_timeout = 2 * SIM_S };
	bed_init(&b, &o);
	const req_plan plan[] = { { 0, "/", NULL, NULL, 100 } };
	client_run c;
	client_start(&b, &c, CLIENT, NODE0, plan, 1, 1);
	sim_run_until(b.nt->sim, 1900 * SIM_MS);
	CU_ASSERT_EQUAL(c.done, 1);
	CU_ASSERT_EQUAL(http_client_connections(c.cl), 1);
	CU_ASSERT_EQUAL(tcp_stack_conn_count(host_tcp(b.h[WEB1])), 1);
	CU_ASSERT_EQUAL(alb_get_counters(b.alb)->active_connections, 1);
	sim_run_until(b.nt->sim, 2500 * SIM_MS);
	CU_ASSERT_EQUAL(http_client_connections(c.cl), 0);
	CU_ASSERT_EQUAL(tcp_stack_conn_count(host_tcp(b.h[WEB1])), 0);
	const alb_counters *k = alb_get_counters(b.alb);
	CU_ASSERT_EQUAL(k->idle_closed, 1);
	CU_ASSERT_EQUAL(k->backend_idle_closed, 1);
	CU_ASSERT_EQUAL(k->active_connections, 0);
	client_clear(&c);
	bed_clear(&b);
}

/*
 * LCUs of a known workload, by hand: one client connection open exactly
 * 1 s (the request's ACK reaches the ALB 6X after the client starts, the
 * close's last ACK 6X after the client's FIN at 1 s), four GETs of
 * 1,000,000 bytes, 13 rules evaluated per request (3 + 10 extra, none
 * matching) of which 10 are free, over a 10 s run:
 *   new connections    1 / 10 s / 25                      = 0.004
 *   active connections (1 s / 10 s) / 3000                = 3.33e-5
 *   processed bytes    4 x (request head + response head + 1e6) B
 *                      / 2^30 / (10 / 3600 h) / 1         ~ 1.34
 *   rule evaluations   4 x 3 / 10 s / 1000                = 0.0012
 * The bill is the largest, bytes; and the ledger line is that many LCU
 * per hour at 0.008 USD for 10 s.
 */
static void test_lcu(void)
{
	bed b;
	bed_options o = { .extra_rules = 10 };
	bed_init(&b, &o);
	const uint64_t body = 1000000;
	const req_plan plan[] = {
		{ 0, "/", NULL, NULL, body },
		{ 100 * SIM_MS, "/", NULL, NULL, body },
		{ 200 * SIM_MS, "/", NULL, NULL, body },
		{ 300 * SIM_MS, "/", NULL, NULL, body },
	};
	client_run c;
	client_start(&b, &c, CLIENT, NODE0, plan, 4, 1);
	sim_schedule_at(b.nt->sim, SIM_S, close_idle_ev, c.cl, NULL);
	const sim_time D = 10 * SIM_S;
	sim_run_until(b.nt->sim, D);
	CU_ASSERT_EQUAL(c.done, 4);
	for (guint i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(c.r[i].content_length, body);

	char extra[64];
	g_snprintf(extra, sizeof extra, HTTP_HDR_RESPONSE_BYTES ": %" G_GUINT64_FORMAT "\r\n", body);
	GString *rq = http_request_head("GET", "10.0.1.100", "/", 0, FALSE, extra);
	GString *rs = http_response_head(200, body, FALSE, NULL);
	const uint64_t bytes = 4 * (rq->len + rs->len + body);
	g_string_free(rq, TRUE);
	g_string_free(rs, TRUE);

	alb_finish(b.alb, D);
	const alb_counters *k = alb_get_counters(b.alb);
	CU_ASSERT_EQUAL(k->processed_bytes, bytes);
	CU_ASSERT_EQUAL(k->rule_evaluations, 4 * 13);
	CU_ASSERT_EQUAL(k->billed_rule_evaluations, 4 * 3);
	CU_ASSERT_EQUAL(k->new_connections, 1);
	ASSERT_NEAR(k->active_connection_seconds, 1.0, 1e-9);
	const double gb = b.sc->prices->gb_bytes, hours = 10.0 / 3600.0;
	ASSERT_NEAR(k->lcu_dims.new_connections, 1.0 / 10 / 25, 1e-12);
	ASSERT_NEAR(k->lcu_dims.active_connections, 0.1 / 3000, 1e-12);
	ASSERT_NEAR(k->lcu_dims.rule_evaluations, 4.0 * 3 / 10 / 1000, 1e-12);
	const double lcu = (double)bytes / gb / hours;
	ASSERT_NEAR(k->lcu_dims.processed_bytes, lcu, 1e-9);
	ASSERT_NEAR(k->lcu_per_hour, lcu, 1e-9);
	CU_ASSERT(lcu > 1.3 && lcu < 1.5);

	CU_ASSERT_TRUE(cost_ledger_finish(b.ledger, D));
	gboolean seen_lcu = FALSE, seen_hourly = FALSE;
	for (guint i = 0; i < cost_ledger_n_lines(b.ledger); i++) {
		const cost_line *l = cost_ledger_line_at(b.ledger, i);
		if (strcmp(l->component, "alb-1") != 0)
			continue;
		if (strcmp(l->type, "lcu") == 0) {
			seen_lcu = TRUE;
			ASSERT_NEAR(l->quantity, lcu, 1e-9);
			ASSERT_NEAR(l->run_usd, lcu * 0.008 * hours, 1e-12);
		} else if (strcmp(l->type, "hourly") == 0) {
			seen_hourly = TRUE;
			ASSERT_NEAR(l->run_usd, 0.0225, 1e-12); /* a started hour */
		} else if (strcmp(l->type, "public-ipv4") == 0) {
			CU_FAIL("an internal ALB has no public address");
		}
	}
	CU_ASSERT_TRUE(seen_lcu && seen_hourly);
	client_clear(&c);
	bed_clear(&b);
}

/* Least outstanding requests: web-1 is still thinking on request 0 (50 ms)
 * when requests 1-3 arrive, so they all go to web-2; round robin would
 * have alternated.  Requests use parallel client connections. */
static void test_least_outstanding(void)
{
	bed b;
	bed_options o = { .algorithm = SC_LB_LEAST_OUTSTANDING };
	bed_init(&b, &o);
	const req_plan plan[] = {
		{ 0, "/", NULL, HTTP_HDR_THINK_NS ": 50000000\r\n", 10 },
		{ 10 * SIM_MS, "/", NULL, NULL, 10 },
		{ 20 * SIM_MS, "/", NULL, NULL, 10 },
		{ 30 * SIM_MS, "/", NULL, NULL, 10 },
	};
	client_run c;
	client_start(&b, &c, CLIENT, NODE0, plan, 4, 0);
	sim_run_until(b.nt->sim, SIM_S);
	CU_ASSERT_EQUAL(c.done, 4);
	const int order[] = { WEB1, WEB2, WEB2, WEB2 }; /* as the targets received them */
	CU_ASSERT_EQUAL_FATAL(b.order->len, 4);
	for (guint i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(g_array_index(b.order, int, i), order[i]);
	CU_ASSERT_EQUAL(alb_target_requests(b.alb, TG_WEB, 0), 1);
	CU_ASSERT_EQUAL(alb_target_requests(b.alb, TG_WEB, 1), 3);
	CU_ASSERT_EQUAL(b.seen[WEB1].requests, 1);
	CU_ASSERT_EQUAL(b.seen[WEB2].requests, 3);
	client_clear(&c);
	bed_clear(&b);
}

/*
 * Security groups at the ALB's ENIs.  Inbound: sg-alb admits 10.0.1.0/24
 * only, so the outsider's SYNs (10.0.2.50) to node 10.0.2.100 are dropped
 * and counted with the group's name.  Outbound: sg-alb lets the ALB reach
 * port 8080 only, so a request routed (host blocked.example) to
 * tg-blocked on port 9999 cannot open its back-end connection: its SYNs
 * (at 0, 1, 3 and 7 s) are dropped, and at AWS's 10 s connection timeout
 * (profile health_check.alb_target_connect_timeout) the ALB gives up and
 * the client gets a 504, where TCP alone would have tried for 127 s.
 */
static void test_security_groups(void)
{
	bed b;
	bed_options o = { 0 };
	bed_init(&b, &o);
	const req_plan out_plan[] = { { 0, "/", NULL, NULL, 10 } };
	const req_plan in_plan[] = { { 0, "/", "blocked.example", NULL, 10 } };
	client_run outsider, client;
	client_start(&b, &outsider, OUTSIDER, NODE1, out_plan, 1, 1);
	client_start(&b, &client, CLIENT, NODE0, in_plan, 1, 1);
	sim_run_until(b.nt->sim, 200 * SIM_S);

	CU_ASSERT_EQUAL(client.done, 1);
	CU_ASSERT_EQUAL(client.r[0].fail, HTTP_OK);
	CU_ASSERT_EQUAL(client.r[0].status, 504);
	CU_ASSERT_EQUAL(b.seen[BLOCKED].packets_in, 0);
	CU_ASSERT_EQUAL(outsider.done, 1);
	CU_ASSERT_EQUAL(outsider.r[0].fail, HTTP_FAIL_TIMEOUT);

	sim_time took = client.r[0].t_complete - client.r[0].t_start;
	CU_ASSERT(took >= 10 * SIM_S && took < 10 * SIM_S + 50 * SIM_MS);
	/* The outsider's 7 SYNs (the first and 6 retries) and the ALB's 4
	 * before it gave up, all on the ALB node. */
	CU_ASSERT_EQUAL(b.alb->drops[DROP_SG], 11);
	CU_ASSERT_EQUAL(net_drops(b.nt, DROP_SG), 11);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b.alb->drop_details);
	char *key = g_strdup_printf("%s: sg-alb", drop_reason_name(DROP_SG));
	CU_ASSERT_EQUAL(GPOINTER_TO_SIZE(g_hash_table_lookup(b.alb->drop_details, key)), 11);
	g_free(key);
	const alb_counters *k = alb_get_counters(b.alb);
	CU_ASSERT_EQUAL(k->requests, 1);
	CU_ASSERT_EQUAL(k->backend_failures, 1);
	CU_ASSERT_EQUAL(k->new_connections, 1); /* the outsider never got in */
	client_clear(&outsider);
	client_clear(&client);
	bed_clear(&b);
}

/*
 * An internet-facing ALB: its client side uses the internet MTU (MSS 1460
 * in its SYN-ACK, no packet to the client above 1500 bytes) while its
 * back end keeps jumbo frames (MSS 8961, the target's 20,000-byte answer
 * in 9001-byte packets); each node has a public IPv4 address charged by
 * the hour.
 */
static void test_internet_facing(void)
{
	bed b;
	bed_options o = { .internet_facing = TRUE };
	bed_init(&b, &o);
	const req_plan plan[] = { { 0, "/", NULL, NULL, 20000 } };
	client_run c;
	client_start(&b, &c, CLIENT, NODE0, plan, 1, 1);
	sim_run_until(b.nt->sim, SIM_S);
	CU_ASSERT_EQUAL(c.done, 1);
	CU_ASSERT_EQUAL(c.r[0].content_length, 20000);
	CU_ASSERT_EQUAL(b.cseen.synack_mss, 1460);
	CU_ASSERT_EQUAL(b.cseen.max_ip_in, 1500);
	CU_ASSERT_EQUAL(b.seen[WEB1].syn_mss, 8961);
	CU_ASSERT_EQUAL(b.seen[WEB1].max_ip_out, 9001);
	CU_ASSERT_TRUE(cost_ledger_finish(b.ledger, SIM_S));
	gboolean seen = FALSE;
	for (guint i = 0; i < cost_ledger_n_lines(b.ledger); i++) {
		const cost_line *l = cost_ledger_line_at(b.ledger, i);
		if (strcmp(l->component, "alb-1") == 0 && strcmp(l->type, "public-ipv4") == 0) {
			seen = TRUE;
			CU_ASSERT_EQUAL(l->quantity, 2);
			ASSERT_NEAR(l->run_usd, 2 * b.sc->prices->public_ipv4.hourly_usd_per_address, 1e-12);
		}
	}
	CU_ASSERT_TRUE(seen);
	client_clear(&c);
	bed_clear(&b);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("alb");
	CU_add_test(s, "forwarding: node address, X-Forwarded-*, trace ids, rules, round robin, "
	               "keep-alive, exact latency, captures",
	            test_forwarding);
	CU_add_test(s, "forwarded heads: hop-by-hop and X-Forwarded-* lines in any order and case, "
	               "long heads, as the line-by-line walk gives them", test_forward_heads);
	CU_add_test(s, "idle timeout: FIN from the ALB on both sides", test_idle_timeout);
	CU_add_test(s, "LCUs of a known workload, by hand", test_lcu);
	CU_add_test(s, "least outstanding requests", test_least_outstanding);
	CU_add_test(s, "security groups: inbound and outbound denials", test_security_groups);
	CU_add_test(s, "internet-facing: MSS per side, public IPv4 per node", test_internet_facing);
}
