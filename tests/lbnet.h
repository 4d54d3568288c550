/* \summary: load balancer and PrivateLink test networks built by hand, and a pcap reader */
#ifndef VPCSIM_TEST_LBNET_H
#define VPCSIM_TEST_LBNET_H

/* pcap.h needs the BSD u_int types that strict POSIX hides. */
#define _DEFAULT_SOURCE
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "endpoint.h"
#include "host.h"
#include "nlb.h"
#include "pcapw.h"
#include "s3.h"
#include "udp.h"
#include "vpc.h"

/*
 * Shared by test_nlb.c and test_privatelink.c (header-only: the build
 * compiles only test_*.c and harness.c).  A test fills a `scenario` with
 * the fields the models read, through the ln_* helpers, then ln_build()
 * stands in for models/build.c: one VPC router per VPC, a host per instance
 * (or a UDP sink), the NLBs and interface endpoints linked as the builder
 * will link them, every link without delay or bandwidth limit so that
 * latencies are sums of the profile's delays.  An ALB is stood in for by
 * one host per ALB node, at the node's address: enough to see where an NLB
 * sends an ALB-type target group's traffic.
 */

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))
#define LN_MAX 16

typedef struct {
	scenario *sc;
	net *nt;
	cost_ledger *ledger;
	fabric fab;
	sg_world *sgw;
	vpc_router *routers[LN_MAX];
	node *inst[LN_MAX];     /* host or UDP sink node per instance */
	host *hosts[LN_MAX];    /* NULL for sinks */
	udp_sink *sinks[LN_MAX];
	gboolean is_sink[LN_MAX];
	node *lbs[LN_MAX];      /* NLB node per load balancer (NULL for ALBs) */
	host *alb_nodes[LN_MAX][4]; /* stand-in hosts per ALB node */
	node *ifes[LN_MAX];
	node *services[LN_MAX];
	char *dir;
	GPtrArray *caps;        /* char *: capture paths, in ln_capture order */
} lbnet;

static inline sc_cidr ln_cidr(const char *text)
{
	sc_cidr c = { 0, 32 };
	char **parts = g_strsplit(text, "/", 2);
	CU_ASSERT_FATAL(pkt_ip_parse(parts[0], &c.addr));
	if (parts[1])
		c.len = (uint8_t)g_ascii_strtoull(parts[1], NULL, 10);
	g_strfreev(parts);
	return c;
}

static inline uint32_t ln_ip(const char *text)
{
	uint32_t ip = 0;
	CU_ASSERT_FATAL(pkt_ip_parse(text, &ip));
	return ip;
}

static inline GArray *ln_ints(const int *v, guint n)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(int));
	if (n)
		g_array_append_vals(a, v, n);
	return a;
}

/* The shipped us-east-1 price table and the constant profile. */
static inline void ln_init(lbnet *ln)
{
	memset(ln, 0, sizeof *ln);
	scenario *sc = scenario_new(NULL);
	ln->sc = sc;
	sc->name = g_strdup("lbnet");
	sc->seed = 7;
	GError *err = NULL;
	char *path = harness_source_path("scenarios/prices/us-east-1.ini");
	sc->prices = prices_load(path, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc->prices);
	path = harness_source_path("scenarios/profiles/constant.ini");
	sc->profile = profile_load(path, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc->profile);
	g_ptr_array_add(sc->azs, g_strdup("use1-az1"));
	g_ptr_array_add(sc->azs, g_strdup("use1-az2"));
	ln->caps = g_ptr_array_new_with_free_func(g_free);
}

/* A VPC with a main route table holding only the local route. */
static inline int ln_vpc(lbnet *ln, const char *name, const char *cidr)
{
	scenario *sc = ln->sc;
	sc_route_table rt = { .name = g_strdup_printf("%s-main", name), .vpc = (int)sc->vpcs->len,
		              .main = TRUE, .routes = g_array_new(FALSE, TRUE, sizeof(sc_route)) };
	sc_route local = { .dst = ln_cidr(cidr), .prefix_list = -1, .kind = SC_TARGET_LOCAL,
		           .target = -1 };
	g_array_append_val(rt.routes, local);
	g_array_append_val(sc->route_tables, rt);
	sc_vpc v = { .name = g_strdup(name), .cidr = ln_cidr(cidr), .igw = -1,
		     .main_route_table = (int)sc->route_tables->len - 1 };
	g_array_append_val(sc->vpcs, v);
	return (int)sc->vpcs->len - 1;
}

/* az: 0 = use1-az1, 1 = use1-az2. */
static inline int ln_subnet(lbnet *ln, int vpc, const char *name, const char *cidr, int az)
{
	sc_subnet s = { .name = g_strdup(name), .vpc = vpc, .cidr = ln_cidr(cidr),
		        .az = g_strdup(g_ptr_array_index(ln->sc->azs, az)), .az_index = az,
		        .route_table = -1 };
	g_array_append_val(ln->sc->subnets, s);
	return (int)ln->sc->subnets->len - 1;
}

static inline int ln_instance(lbnet *ln, const char *name, int subnet, const char *ip)
{
	sc_instance in = { .name = g_strdup(name), .subnet = subnet, .ip = ln_ip(ip),
		           .sgs = g_array_new(FALSE, FALSE, sizeof(int)) };
	g_array_append_val(ln->sc->instances, in);
	return (int)ln->sc->instances->len - 1;
}

static inline int ln_tg(lbnet *ln, const char *name, sc_tg_type type, int vpc, uint16_t tport,
                        const int *targets, guint n)
{
	sc_target_group tg = { .name = g_strdup(name), .type = type, .vpc = vpc, .port = tport,
		               .targets = ln_ints(targets, n) };
	g_array_append_val(ln->sc->target_groups, tg);
	return (int)ln->sc->target_groups->len - 1;
}

/* A load balancer with one node per subnet at the given addresses; NLB
 * defaults as AWS's: cross-zone off, client IP preservation on. */
static inline int ln_lb(lbnet *ln, const char *name, sc_lb_type type, int vpc, const int *subnets,
                        const char *const *ips, guint n)
{
	sc_lb lb = { .name = g_strdup(name), .type = type, .vpc = vpc,
		     .subnets = ln_ints(subnets, n),
		     .node_ips = g_array_new(FALSE, TRUE, sizeof(uint32_t)),
		     .node_public_ips = g_array_new(FALSE, TRUE, sizeof(uint32_t)),
		     .sgs = g_array_new(FALSE, FALSE, sizeof(int)),
		     .cross_zone = type == SC_LB_APPLICATION,
		     .idle_timeout = type == SC_LB_NETWORK ? ln->sc->profile->limits.nlb_idle_timeout
		                                           : ln->sc->profile->limits.alb_idle_timeout,
		     .preserve_client_ip = TRUE,
		     .listeners = g_array_new(FALSE, TRUE, sizeof(sc_listener)) };
	for (guint i = 0; i < n; i++) {
		uint32_t ip = ln_ip(ips[i]), zero = 0;
		g_array_append_val(lb.node_ips, ip);
		g_array_append_val(lb.node_public_ips, zero);
	}
	g_array_append_val(ln->sc->load_balancers, lb);
	return (int)ln->sc->load_balancers->len - 1;
}

static inline sc_lb *ln_lb_at(lbnet *ln, int lb) { return SC_AT(ln->sc->load_balancers, sc_lb, lb); }

static inline void ln_listener(lbnet *ln, int lb, sc_proto proto, uint16_t lport, int tg)
{
	sc_listener l = { .proto = proto, .port = lport, .default_tg = tg,
		          .rules = g_array_new(FALSE, TRUE, sizeof(sc_lb_rule)) };
	g_array_append_val(ln_lb_at(ln, lb)->listeners, l);
}

static inline int ln_endpoint_service(lbnet *ln, const char *name, int lb)
{
	sc_endpoint_service es = { .name = g_strdup(name), .lb = lb };
	g_array_append_val(ln->sc->endpoint_services, es);
	return (int)ln->sc->endpoint_services->len - 1;
}

static inline int ln_ife(lbnet *ln, const char *name, int vpc, sc_ife_kind kind, int service,
                         const int *subnets, const char *const *ips, guint n)
{
	sc_interface_endpoint ie = { .name = g_strdup(name), .vpc = vpc, .kind = kind,
		                     .service = service, .subnets = ln_ints(subnets, n),
		                     .ips = g_array_new(FALSE, TRUE, sizeof(uint32_t)),
		                     .sgs = g_array_new(FALSE, FALSE, sizeof(int)) };
	for (guint i = 0; i < n; i++) {
		uint32_t ip = ln_ip(ips[i]);
		g_array_append_val(ie.ips, ip);
	}
	g_array_append_val(ln->sc->interface_endpoints, ie);
	return (int)ln->sc->interface_endpoints->len - 1;
}

static inline int ln_service(lbnet *ln, const char *name, const char *ip, sim_time latency)
{
	sc_service s = { .name = g_strdup(name), .kind = g_strdup("s3"),
		         .prefixes = g_array_new(FALSE, FALSE, sizeof(sc_cidr)), .ip = ln_ip(ip) };
	dist_set_const(&s.latency, UNIT_TIME, (double)latency);
	g_array_append_val(ln->sc->services, s);
	return (int)ln->sc->services->len - 1;
}

/* A security group with one ingress rule (proto, ports, from a CIDR). */
static inline int ln_sg(lbnet *ln, const char *name, int vpc, sc_proto proto, uint16_t lo,
                        uint16_t hi, const char *from)
{
	sc_sg g = { .name = g_strdup(name), .vpc = vpc,
		    .ingress = g_array_new(FALSE, TRUE, sizeof(sc_sg_rule)),
		    .egress = g_array_new(FALSE, TRUE, sizeof(sc_sg_rule)) };
	sc_sg_rule r = { .proto = proto, .port_lo = lo, .port_hi = hi, .peer = ln_cidr(from),
		         .peer_sg = -1, .text = g_strdup_printf("%u-%u from %s", lo, hi, from) };
	g_array_append_val(g.ingress, r);
	sc_sg_rule all = { .proto = SC_PROTO_ALL, .port_lo = 0, .port_hi = 65535,
		           .peer = ln_cidr("0.0.0.0/0"), .peer_sg = -1, .text = g_strdup("all") };
	g_array_append_val(g.egress, all);
	g_array_append_val(ln->sc->security_groups, g);
	return (int)ln->sc->security_groups->len - 1;
}

static inline void ln_link(lbnet *ln, port *a, port *b) { link_new(ln->nt, a, b, 0, 0, 0); }

static inline port *ln_router_port(lbnet *ln, int subnet, int target, uint32_t ip, const char *name)
{
	const sc_subnet *s = SC_AT(ln->sc->subnets, sc_subnet, subnet);
	return vpc_router_add_port(ln->routers[s->vpc], VPC_PORT_ENI, subnet, target, ip, name);
}

/* Builds the network as models/build.c will, except vpc_router_finish (ln_finish). */
static inline void ln_build(lbnet *ln)
{
	scenario *sc = ln->sc;
	ln->nt = net_new(sc->seed);
	ln->ledger = prices_ledger_new(sc->prices);
	fabric_init(&ln->fab, ln->nt, sc, ln->ledger);
	ln->sgw = sg_world_new(sc);
	fabric *f = &ln->fab;
	for (guint i = 0; i < sc->vpcs->len; i++)
		ln->routers[i] = vpc_router_new(f, (int)i);
	for (guint i = 0; i < sc->instances->len; i++) {
		const sc_instance *in = SC_AT(sc->instances, sc_instance, i);
		if (ln->is_sink[i]) {
			ln->sinks[i] = udp_sink_new(ln->nt, in->name);
			ln->inst[i] = udp_sink_node(ln->sinks[i]);
		} else {
			host_config hc = { .ip = in->ip, .mtu = sc->profile->mtu.vpc };
			ln->hosts[i] = host_new(ln->nt, in->name, &hc);
			ln->inst[i] = host_node(ln->hosts[i]);
		}
		ln_link(ln, node_port(ln->inst[i], 0),
		        ln_router_port(ln, in->subnet, (int)i, in->ip, in->name));
	}
	for (guint i = 0; i < sc->services->len; i++)
		ln->services[i] = service_new(f, (int)i);
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const sc_lb *lb = ln_lb_at(ln, (int)i);
		for (guint k = 0; k < lb->subnets->len; k++) {
			int sn = g_array_index(lb->subnets, int, k);
			uint32_t ip = g_array_index(lb->node_ips, uint32_t, k);
			port *rp = ln_router_port(ln, sn, -1, ip, lb->name);
			if (lb->type == SC_LB_NETWORK) {
				if (k == 0)
					ln->lbs[i] = nlb_new(f, (int)i);
				ln_link(ln, node_port(ln->lbs[i], k), rp);
			} else {
				char *name = g_strdup_printf("%s-node-%u", lb->name, k + 1);
				host_config hc = { .ip = ip, .mtu = sc->profile->mtu.vpc };
				ln->alb_nodes[i][k] = host_new(ln->nt, name, &hc);
				g_free(name);
				ln_link(ln, node_port(host_node(ln->alb_nodes[i][k]), 0), rp);
			}
		}
	}
	for (guint i = 0; i < sc->interface_endpoints->len; i++) {
		const sc_interface_endpoint *ie = SC_AT(sc->interface_endpoints, sc_interface_endpoint, i);
		node *e = ln->ifes[i] = interface_endpoint_new(f, (int)i);
		for (guint k = 0; k < ie->subnets->len; k++)
			ln_link(ln, node_port(e, k),
			        ln_router_port(ln, g_array_index(ie->subnets, int, k), -1,
			                       g_array_index(ie->ips, uint32_t, k), ie->name));
		port *svc;
		if (ie->kind == SC_IFE_ENDPOINT_SERVICE) {
			int lb = SC_AT(sc->endpoint_services, sc_endpoint_service, ie->service)->lb;
			svc = nlb_add_privatelink_port(ln->lbs[lb]);
		} else {
			svc = service_add_port(ln->services[ie->service]);
		}
		ln_link(ln, interface_endpoint_service_port(e), svc);
		interface_endpoint_set_security_groups(e, ln->sgw);
	}
}

/* After ln_build and any extra nodes a test links to the routers. */
static inline void ln_finish(lbnet *ln)
{
	for (guint i = 0; i < ln->sc->vpcs->len; i++)
		vpc_router_finish(ln->routers[i]);
}

/* Captures at port p into the test's directory; returns the file's path. */
static inline const char *ln_capture(lbnet *ln, port *p, const char *name)
{
	if (!ln->dir)
		ln->dir = harness_tmpdir();
	GError *err = NULL;
	CU_ASSERT_TRUE_FATAL(net_capture(ln->nt, p, ln->dir, name, 0, &err));
	char *path = g_strdup_printf("%s/%s.pcap", ln->dir, name);
	g_ptr_array_add(ln->caps, path);
	return path;
}

static inline void ln_close_captures(lbnet *ln)
{
	CU_ASSERT_TRUE(net_close_captures(ln->nt, NULL));
}


static inline void ln_free(lbnet *ln)
{
	if (ln->nt) {
		if (sim_pending(ln->nt->sim) == 0)
			CU_ASSERT_EQUAL(pkt_pool_live(ln->nt->pool), 0);
		net_free(ln->nt);
		fabric_clear(&ln->fab);
		cost_ledger_free(ln->ledger);
		sg_world_free(ln->sgw);
	}
	scenario_free(ln->sc);
	if (ln->dir) {
		harness_rmtree(ln->dir);
		g_free(ln->dir);
	}
	g_ptr_array_unref(ln->caps);
}

/* ---- workloads and results ---- */

static inline http_server *ln_serve(host *h, uint16_t lport, uint64_t body, sim_time think)
{
	host_http_server_config hc = { .port = lport };
	dist_set_const(&hc.response_size, UNIT_SIZE, (double)body);
	dist_set_const(&hc.think, UNIT_TIME, (double)think);
	GError *err = NULL;
	http_server *s = host_serve_http(h, &hc, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	dist_clear(&hc.response_size);
	dist_clear(&hc.think);
	return s;
}

/* `count` GETs from h to ip:port, one every `every`, each on a new
 * connection unless keepalive. */
static inline host_workload *ln_get(host *h, const char *name, const char *ip, uint16_t dport,
                                    uint64_t count, sim_time every, gboolean keepalive)
{
	host_target t = { ln_ip(ip), dport, NULL };
	host_workload_config wc = { .name = name, .targets = &t, .n_targets = 1, .count = count,
		                    .keepalive = keepalive };
	dist_set_const(&wc.interval, UNIT_TIME, (double)every);
	host_workload *w = host_add_workload(h, &wc);
	dist_clear(&wc.interval);
	return w;
}

static inline void ln_check_completed(const host_workload *w, uint64_t count)
{
	const host_workload_result *r = host_workload_get_result(w);
	CU_ASSERT_EQUAL(r->started, count);
	CU_ASSERT_EQUAL(r->completed, count);
	CU_ASSERT_EQUAL(host_workload_failed(w), 0);
}

/* The whole run's cost of one line, (component, type); -1 if absent. */
static inline double ln_cost(lbnet *ln, const char *component, const char *type)
{
	for (guint i = 0; i < cost_ledger_n_lines(ln->ledger); i++) {
		const cost_line *l = cost_ledger_line_at(ln->ledger, i);
		if (strcmp(l->component, component) == 0 && strcmp(l->type, type) == 0)
			return l->run_usd;
	}
	return -1;
}

static inline const cost_line *ln_line(lbnet *ln, const char *component, const char *type)
{
	for (guint i = 0; i < cost_ledger_n_lines(ln->ledger); i++) {
		const cost_line *l = cost_ledger_line_at(ln->ledger, i);
		if (strcmp(l->component, component) == 0 && strcmp(l->type, type) == 0)
			return l;
	}
	return NULL;
}

/* ---- captures read back with libpcap ---- */

typedef struct {
	sim_time t;
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto, flags; /* flags: TCP only */
	gboolean df;
	uint32_t ip_len, payload;
	uint32_t seq, ack;
	uint16_t mss;         /* the MSS option, 0 if none */
} cap_pkt;

static inline uint32_t rd16(const u_char *b) { return (uint32_t)b[0] << 8 | b[1]; }
static inline uint32_t rd32(const u_char *b) { return rd16(b) << 16 | rd16(b + 2); }

/* Every packet of a capture, parsed independently of pkt.c. */
static inline GArray *ln_read(const char *path)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(cap_pkt));
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	CU_ASSERT_PTR_NOT_NULL(pc);
	if (!pc) {
		printf("\n    %s: %s", path, errbuf);
		return a;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(pc, &h, &d) == 1) {
		CU_ASSERT_FATAL(h->caplen >= 34 && d[12] == 0x08 && d[13] == 0x00);
		cap_pkt c = { 0 };
		c.t = ((sim_time)h->ts.tv_sec - PCAPW_EPOCH_S) * SIM_S + (sim_time)h->ts.tv_usec;
		const u_char *ip = d + 14;
		uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
		c.ip_len = rd16(ip + 2);
		c.df = (ip[6] & 0x40) != 0;
		c.proto = ip[9];
		c.src = rd32(ip + 12);
		c.dst = rd32(ip + 16);
		const u_char *l4 = ip + ihl;
		c.sport = (uint16_t)rd16(l4);
		c.dport = (uint16_t)rd16(l4 + 2);
		if (c.proto == 6) {
			uint32_t doff = (uint32_t)(l4[12] >> 4) * 4;
			c.seq = rd32(l4 + 4);
			c.ack = rd32(l4 + 8);
			c.flags = l4[13];
			c.payload = c.ip_len - ihl - doff;
			for (uint32_t o = 20; o + 1 < doff;) {
				uint8_t kind = l4[o];
				if (kind == 0)
					break;
				if (kind == 1) {
					o++;
					continue;
				}
				if (kind == 2 && l4[o + 1] == 4)
					c.mss = (uint16_t)rd16(l4 + o + 2);
				o += l4[o + 1] ? l4[o + 1] : 1;
			}
		} else {
			c.payload = c.ip_len - ihl - 8;
		}
		g_array_append_val(a, c);
	}
	pcap_close(pc);
	return a;
}

static inline uint64_t ln_ip_bytes(GArray *pkts)
{
	uint64_t n = 0;
	for (guint i = 0; i < pkts->len; i++)
		n += g_array_index(pkts, cap_pkt, i).ip_len;
	return n;
}

/* ---- a TCP connection left idle past the load balancer's timeout ---- */

/*
 * The client connects to dst:dport and sends 100 bytes at once and 100 at
 * 5 s; then nothing until `late` (past the idle timeout), when it sends
 * 100 more; at `late` + 10 s the server sends 100.  The connections are
 * raw TCP (no HTTP) so that nothing else is sent meanwhile.
 */
typedef struct {
	tcp_stack *cst, *sst;
	tcp_conn *cli, *srv;
	int cli_closed, srv_closed; /* 1 + tcp_close_reason; 0 while open */
	uint64_t srv_bytes, cli_bytes;
	pkt_msg *msg;
	uint64_t off;
} idle_ctx;

static inline void idle_on_connected(tcp_conn *c, void *ud)
{
	idle_ctx *x = ud;
	tcp_write(c, x->msg, x->off, 100);
	x->off += 100;
}

static inline void idle_on_accept(tcp_conn *c, void *ud) { ((idle_ctx *)ud)->srv = c; }

static inline void idle_on_data(tcp_conn *c, const pkt_msg *m, uint64_t off, uint32_t len, void *ud)
{
	(void)m;
	(void)off;
	idle_ctx *x = ud;
	if (c == x->srv)
		x->srv_bytes += len;
	else
		x->cli_bytes += len;
}

static inline void idle_on_closed(tcp_conn *c, tcp_close_reason why, void *ud)
{
	idle_ctx *x = ud;
	if (c == x->cli) {
		x->cli_closed = 1 + (int)why;
		x->cli = NULL;
	} else if (c == x->srv) {
		x->srv_closed = 1 + (int)why;
		x->srv = NULL;
	}
}

static const tcp_callbacks idle_cb = {
	.on_accept = idle_on_accept,
	.on_connected = idle_on_connected,
	.on_data = idle_on_data,
	.on_closed = idle_on_closed,
};

static inline void idle_client_write(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	idle_ctx *x = ctx;
	if (x->cli) {
		tcp_write(x->cli, x->msg, x->off, 100);
		x->off += 100;
	}
}

static inline void idle_server_write(sim *s, void *ctx, void *arg)
{
	(void)s;
	(void)arg;
	idle_ctx *x = ctx;
	if (x->srv) {
		tcp_write(x->srv, x->msg, 0, 100);
	}
}

static inline void idle_start(idle_ctx *x, net *nt, host *client, host *server, uint32_t dst,
                              uint16_t dport, uint16_t tport, sim_time late)
{
	memset(x, 0, sizeof *x);
	x->msg = pkt_msg_new(NULL, 1000, 1);
	x->cst = host_tcp(client);
	x->sst = host_tcp(server);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_listen(x->sst, 0, tport, 0, &idle_cb, x));
	x->cli = tcp_connect(x->cst, host_ip(client), 0, dst, dport, 0, &idle_cb, x);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x->cli);
	sim_schedule(nt->sim, 5 * SIM_S, idle_client_write, x, NULL);
	sim_schedule(nt->sim, late, idle_client_write, x, NULL);
	sim_schedule(nt->sim, late + 10 * SIM_S, idle_server_write, x, NULL);
}

#endif
