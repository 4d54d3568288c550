/* \summary: the reachable surface by a simulated SYN scan, and the configuration each option asks for N VPCs */
#include "reach.h"
#include "drops.h"

#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "error.h"
#include "host.h"

#define PROBE_GAP (20 * SIM_US)  /* between SYNs: 50,000 a second */
#define SETTLE (2 * SIM_S)       /* after the last SYN, for answers */
#define SCAN_SPORT 54321         /* the scanner's source port (one for the scan, as nmap's) */
/* The most SYNs one scan sends (each probe is about 100 bytes and a few
 * events per run): a /16 on seven ports, exhaustively, fits. */
#define MAX_PROBES (1u << 22)

/* ---- targets ---- */

static void add_target(GArray *t, char *what, uint32_t first, uint32_t last)
{
	reach_target x = { what, first, last };
	g_array_append_val(t, x);
}

static int instance_vpc(const scenario *sc, int inst)
{
	return SC_AT(sc->subnets, sc_subnet, SC_AT(sc->instances, sc_instance, inst)->subnet)->vpc;
}

/* The default targets: every other VPC's CIDR, the addresses that front a
 * service elsewhere for the scanner's VPC (interface and resource endpoint
 * ENIs in it, the link-local front of a Lattice service it is associated
 * with: each kind says, sc_kind.fronts), and the public addresses of load
 * balancers and instances in other VPCs. */
static void default_targets(const scenario *sc, int vpc, GArray *t)
{
	char a[16];
	for (guint i = 0; i < sc->vpcs->len; i++) {
		const sc_vpc *v = SC_AT(sc->vpcs, sc_vpc, i);
		if ((int)i == vpc)
			continue;
		add_target(t, g_strdup_printf("%s %s/%u", v->name, pkt_ip_str(v->cidr.addr, a), v->cidr.len), v->cidr.addr,
		           cidr_last(v->cidr));
	}
	GArray *fr = g_array_new(FALSE, FALSE, sizeof(sc_front));
	for (int k = 0; k < GK_N; k++)
		if (sc_kinds[k]->fronts)
			sc_kinds[k]->fronts(sc, vpc, fr);
	for (guint i = 0; i < fr->len; i++) {
		const sc_front *f = &g_array_index(fr, sc_front, i);
		add_target(t, g_strdup_printf("%s %s", f->name, pkt_ip_str(f->ip, a)), f->ip, f->ip);
	}
	g_array_unref(fr);
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		for (guint k = 0; lb->vpc != vpc && lb->internet_facing && k < lb->node_public_ips->len; k++) {
			uint32_t ip = g_array_index(lb->node_public_ips, uint32_t, k);
			add_target(t, g_strdup_printf("%s public %s", lb->name, pkt_ip_str(ip, a)), ip, ip);
		}
	}
	for (guint i = 0; i < sc->instances->len; i++) {
		const sc_instance *in = SC_AT(sc->instances, sc_instance, i);
		if (in->public_ip && instance_vpc(sc, (int)i) != vpc)
			add_target(t, g_strdup_printf("%s public %s", in->name, pkt_ip_str(in->public_ip, a)), in->public_ip,
			           in->public_ip);
	}
}

/* Every address some construct holds: probed one by one. */
static GHashTable *assigned_addresses(const scenario *sc)
{
	GHashTable *h = g_hash_table_new(g_direct_hash, g_direct_equal);
#define ADD(ip) g_hash_table_add(h, GUINT_TO_POINTER(ip))
	for (guint i = 0; i < sc->instances->len; i++) {
		ADD(SC_AT(sc->instances, sc_instance, i)->ip);
		ADD(SC_AT(sc->instances, sc_instance, i)->public_ip);
	}
	for (guint i = 0; i < sc->natgws->len; i++) {
		ADD(SC_AT(sc->natgws, sc_natgw, i)->ip);
		ADD(SC_AT(sc->natgws, sc_natgw, i)->public_ip);
	}
	for (guint i = 0; i < sc->services->len; i++)
		ADD(SC_AT(sc->services, sc_service, i)->ip);
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		for (guint k = 0; k < lb->node_ips->len; k++) {
			ADD(g_array_index(lb->node_ips, uint32_t, k));
			ADD(g_array_index(lb->node_public_ips, uint32_t, k));
		}
	}
	/* Endpoint ENIs, Lattice fronts, resource gateway addresses. */
	GArray *fr = g_array_new(FALSE, FALSE, sizeof(sc_front));
	for (int k = 0; k < GK_N; k++)
		if (sc_kinds[k]->fronts)
			sc_kinds[k]->fronts(sc, -1, fr);
	for (guint i = 0; i < fr->len; i++)
		ADD(g_array_index(fr, sc_front, i).ip);
	g_array_unref(fr);
#undef ADD
	g_hash_table_remove(h, GUINT_TO_POINTER(0));
	return h;
}

static void add_break(GArray *b, sc_cidr c)
{
	guint64 lo = c.addr, hi = (guint64)cidr_last(c) + 1;
	g_array_append_val(b, lo);
	g_array_append_val(b, hi);
}

static gint cmp_u64(gconstpointer a, gconstpointer b)
{
	guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
	return (x > y) - (x < y);
}

/* Where routing or a rule may change: the ends of every CIDR the scenario
 * names.  Between two breaks, an address no construct holds meets the
 * same routes and rules as any other. */
static GArray *breaks(const scenario *sc)
{
	GArray *b = g_array_new(FALSE, FALSE, sizeof(guint64));
	for (guint i = 0; i < sc->vpcs->len; i++)
		add_break(b, SC_AT(sc->vpcs, sc_vpc, i)->cidr);
	for (guint i = 0; i < sc->subnets->len; i++)
		add_break(b, SC_AT(sc->subnets, sc_subnet, i)->cidr);
	for (guint i = 0; i < sc->route_tables->len; i++) {
		const GArray *r = SC_AT(sc->route_tables, sc_route_table, i)->routes;
		for (guint k = 0; k < r->len; k++)
			add_break(b, SC_AT(r, sc_route, k)->dst);
	}
	for (guint i = 0; i < sc->tgw_route_tables->len; i++) {
		const GArray *r = SC_AT(sc->tgw_route_tables, sc_tgw_route_table, i)->routes;
		for (guint k = 0; k < r->len; k++)
			add_break(b, SC_AT(r, sc_route, k)->dst);
	}
	for (guint i = 0; i < sc->security_groups->len; i++) {
		const sc_sg *g = SC_AT(sc->security_groups, sc_sg, i);
		for (guint k = 0; k < g->ingress->len; k++)
			add_break(b, SC_AT(g->ingress, sc_sg_rule, k)->peer);
		for (guint k = 0; k < g->egress->len; k++)
			add_break(b, SC_AT(g->egress, sc_sg_rule, k)->peer);
	}
	for (guint i = 0; i < sc->services->len; i++) {
		const GArray *p = SC_AT(sc->services, sc_service, i)->prefixes;
		for (guint k = 0; k < p->len; k++)
			add_break(b, g_array_index(p, sc_cidr, k));
	}
	g_array_sort(b, cmp_u64);
	return b;
}

/* ---- ports ---- */

static void add_port(GArray *a, uint16_t p)
{
	for (guint i = 0; i < a->len; i++)
		if (g_array_index(a, uint16_t, i) == p)
			return;
	g_array_append_val(a, p);
}

static gint cmp_u16(gconstpointer a, gconstpointer b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static gboolean parse_ports(const char *text, GArray *out, GError **error)
{
	char **items = g_strsplit(text, ",", -1);
	gboolean ok = items[0] != NULL;
	for (char **s = items; *s && ok; s++) {
		char *item = g_strstrip(*s);
		char *dash = strchr(item, '-');
		guint64 lo = 0, hi = 0;
		if (dash)
			*dash = 0;
		ok = g_ascii_string_to_unsigned(item, 10, 1, 65535, &lo, NULL) &&
		     (!dash || g_ascii_string_to_unsigned(dash + 1, 10, lo, 65535, &hi, NULL));
		if (!dash)
			hi = lo;
		for (guint64 p = lo; ok && p <= hi; p++)
			add_port(out, (uint16_t)p);
	}
	g_strfreev(items);
	if (!ok)
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
		            "--ports '%s': expected a comma-separated list of ports 1-65535 or ranges such as 8000-8010",
		            text);
	return ok;
}

/* The default: common service ports, then every listener, target group
 * and workload port of the scenario. */
static void default_ports(const scenario *sc, GArray *out)
{
	GError *e = NULL;
	parse_ports(REACH_DEFAULT_PORTS, out, &e);
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const GArray *l = SC_AT(sc->load_balancers, sc_lb, i)->listeners;
		for (guint k = 0; k < l->len; k++)
			add_port(out, SC_AT(l, sc_listener, k)->port);
	}
	for (guint i = 0; i < sc->target_groups->len; i++)
		if (SC_AT(sc->target_groups, sc_target_group, i)->port)
			add_port(out, SC_AT(sc->target_groups, sc_target_group, i)->port);
	for (guint i = 0; i < sc->workloads->len; i++)
		add_port(out, SC_AT(sc->workloads, sc_workload, i)->port);
}

/* ---- the service: what the first workload calls ---- */

typedef struct {
	GHashTable *ips; /* addresses of the workload's target */
	uint16_t port;
} service_ref;

static char *service_of(const scenario *sc, service_ref *s)
{
	s->ips = g_hash_table_new(g_direct_hash, g_direct_equal);
	if (!sc->workloads->len)
		return g_strdup("none (no workload)");
	const sc_workload *w = SC_AT(sc->workloads, sc_workload, 0);
	s->port = w->port;
	const char *name = "?";
	for (guint t = 0; t < w->targets->len; t++) {
		int ti = g_array_index(w->targets, int, t);
		switch (w->target_kind) {
		case SC_TARGET_IS_INSTANCE: {
			const sc_instance *in = SC_AT(sc->instances, sc_instance, ti);
			name = in->name;
			g_hash_table_add(s->ips, GUINT_TO_POINTER(in->ip));
			break;
		}
		case SC_TARGET_IS_SERVICE:
			name = SC_AT(sc->services, sc_service, ti)->name;
			g_hash_table_add(s->ips, GUINT_TO_POINTER(SC_AT(sc->services, sc_service, ti)->ip));
			break;
		case SC_TARGET_IS_LB: {
			const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, ti);
			name = lb->name;
			for (guint k = 0; k < lb->node_ips->len; k++) {
				g_hash_table_add(s->ips, GUINT_TO_POINTER(g_array_index(lb->node_ips, uint32_t, k)));
				g_hash_table_add(s->ips, GUINT_TO_POINTER(g_array_index(lb->node_public_ips, uint32_t, k)));
			}
			break;
		}
		case SC_TARGET_IS_ENDPOINT: {
			const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, ti);
			name = e->name;
			for (guint k = 0; k < e->ips->len; k++)
				g_hash_table_add(s->ips, GUINT_TO_POINTER(g_array_index(e->ips, uint32_t, k)));
			break;
		}
		case SC_TARGET_IS_KIND: {
			name = sc_kind_element_name(sc, w->target_gk, ti);
			GArray *ips = g_array_new(FALSE, FALSE, sizeof(uint32_t));
			g_free(sc_kinds[w->target_gk]->target->addresses(sc, ti, 0, TRUE, ips));
			for (guint k = 0; k < ips->len; k++)
				g_hash_table_add(s->ips, GUINT_TO_POINTER(g_array_index(ips, uint32_t, k)));
			g_array_unref(ips);
			break;
		}
		}
	}
	return g_strdup_printf("%s port %u", name, w->port);
}

/* ---- opening every security group ---- */

/* Replaces every group's rules with one allowing everything both ways:
 * what routing alone lets through. */
static void open_security_groups(scenario *sc)
{
	for (guint i = 0; i < sc->security_groups->len; i++) {
		sc_sg *g = SC_AT(sc->security_groups, sc_sg, i);
		GArray *sides[2] = { g->ingress, g->egress };
		for (int s = 0; s < 2; s++) {
			for (guint k = 0; k < sides[s]->len; k++)
				g_free(SC_AT(sides[s], sc_sg_rule, k)->text);
			g_array_set_size(sides[s], 0);
			sc_sg_rule all = { .proto = SC_PROTO_ALL, .port_lo = 0, .port_hi = 65535,
				           .peer = { 0, 0 }, .peer_sg = -1,
				           .text = g_strdup(s ? "all traffic to 0.0.0.0/0 (opened)"
				                              : "all traffic from 0.0.0.0/0 (opened)") };
			g_array_append_val(sides[s], all);
		}
	}
}

/* ---- the scan ---- */

typedef struct {
	net *nt;
	node *scanner;
	uint32_t src;
	GArray *probes;         /* reach_probe */
	guint next;             /* the next probe to send */
	GHashTable *by_flow;    /* SYN flow id -> probe index + 1 */
	GHashTable *by_target;  /* (ip << 16 | port) -> probe index + 1 */
	GHashTable *first_sender; /* flow id -> node name, for answers */
	GHashTable *router_vpc; /* node * -> VPC index + 1 */
} scan;

static gpointer target_key(uint32_t ip, uint16_t tport) { return GSIZE_TO_POINTER(((gsize)ip << 16) | tport); }

static void on_event(void *ud, sim_time t, const node *n, const pkt *p, net_trace_kind kind, const char *text)
{
	(void)t;
	scan *s = ud;
	if (!p)
		return;
	guint idx = GPOINTER_TO_UINT(g_hash_table_lookup(s->by_flow, GSIZE_TO_POINTER((gsize)p->flow_id)));
	if (idx) {
		reach_probe *pr = &g_array_index(s->probes, reach_probe, idx - 1);
		switch (kind) {
		case NET_TRACE_ARRIVE: {
			int v = GPOINTER_TO_INT(g_hash_table_lookup(s->router_vpc, n));
			if (v) {
				pr->last_vpc = v - 1;
				pr->last_src = pkt_ip_src(p);
				pr->last_dst = pkt_ip_dst(p);
			}
			break;
		}
		case NET_TRACE_DECIDE:
			if (g_str_has_prefix(text, "security group, ")) {
				const char *rule = strchr(text, ':');
				g_string_append_printf(pr->rules, "%s%s: %s", pr->rules->len ? "; " : "", n->name,
				                       rule ? rule + 2 : text);
			} else if (strstr(text, "no rule of")) {
				g_free(pr->why);
				pr->why = g_strdup(text);
			}
			break;
		case NET_TRACE_DROP: {
			g_free(pr->who);
			pr->who = g_strdup(n->name);
			pr->drop = drop_reason_of_text(text);
			/* A security group's drop says which groups and which way. */
			char *why = pr->why && pr->drop == DROP_SG ? g_strdup_printf("%s: %s", text, pr->why) : g_strdup(text);
			g_free(pr->why);
			pr->why = why;
			break;
		}
		default:
			break;
		}
		return;
	}
	if (kind == NET_TRACE_SEND) {
		if (!g_hash_table_contains(s->first_sender, GSIZE_TO_POINTER((gsize)p->flow_id)))
			g_hash_table_insert(s->first_sender, GSIZE_TO_POINTER((gsize)p->flow_id), n->name);
		return;
	}
	if (kind != NET_TRACE_ARRIVE || n != s->scanner || pkt_proto(p) != PKT_PROTO_TCP || pkt_ip_dst(p) != s->src ||
	    pkt_dport(p) != SCAN_SPORT)
		return;
	idx = GPOINTER_TO_UINT(g_hash_table_lookup(s->by_target, target_key(pkt_ip_src(p), pkt_sport(p))));
	if (!idx)
		return;
	reach_probe *pr = &g_array_index(s->probes, reach_probe, idx - 1);
	if (pr->answer != REACH_DROPPED)
		return;
	uint8_t fl = pkt_tcp_flags(p);
	pr->answer = (fl & PKT_TCP_RST) ? REACH_RST : REACH_SYNACK;
	g_free(pr->who);
	const char *who = g_hash_table_lookup(s->first_sender, GSIZE_TO_POINTER((gsize)p->flow_id));
	pr->who = g_strdup(who ? who : "?");
	g_free(pr->why);
	pr->why = g_strdup(pr->rules->len ? pr->rules->str : "no security group on the way");
}

static void send_probe(sim *sm, void *ctx, void *arg)
{
	(void)arg;
	scan *s = ctx;
	reach_probe *pr = &g_array_index(s->probes, reach_probe, s->next);
	pkt *p = net_pkt_new(s->nt, 0);
	pkt_addrs a = { .src_ip = s->src, .dst_ip = pr->ip, .sport = SCAN_SPORT, .dport = pr->port, .ttl = 64,
		        .df = TRUE };
	/* nmap's SYN: window 1024, MSS 1460, a sequence number of its own. */
	pkt_build_tcp(p, &a, 0x5ca90000u + s->next, 0, PKT_TCP_SYN, 1024, 1460, 0);
	g_hash_table_insert(s->by_flow, GSIZE_TO_POINTER((gsize)p->flow_id), GUINT_TO_POINTER(s->next + 1));
	tcp_stack_xmit_raw(host_tcp((host *)s->scanner), p);
	if (++s->next < s->probes->len)
		sim_schedule(sm, PROBE_GAP, send_probe, s, NULL);
}

/* The return route: the route table of the subnet holding `dst` in `vpc`
 * has a route, not a blackhole, to `src`. */
static gboolean route_back(const scenario *sc, int vpc, uint32_t dst, uint32_t src)
{
	for (guint i = 0; i < sc->subnets->len; i++) {
		const sc_subnet *sn = SC_AT(sc->subnets, sc_subnet, i);
		if (sn->vpc != vpc || !sc_cidr_contains(sn->cidr, dst))
			continue;
		int rt = scenario_subnet_route_table(sc, (int)i);
		if (rt < 0)
			return FALSE;
		const GArray *routes = SC_AT(sc->route_tables, sc_route_table, rt)->routes;
		const sc_route *best = NULL;
		for (guint k = 0; k < routes->len; k++) {
			const sc_route *r = SC_AT(routes, sc_route, k);
			if (sc_cidr_contains(r->dst, src) && (!best || r->dst.len > best->dst.len))
				best = r;
		}
		return best && best->kind != SC_TARGET_BLACKHOLE;
	}
	return FALSE;
}

static void probe_clear(reach_probe *p)
{
	g_free(p->who);
	g_free(p->why);
	if (p->rules)
		g_string_free(p->rules, TRUE);
}

static void pass_clear(reach_pass *ps)
{
	if (!ps->probes)
		return;
	for (guint i = 0; i < ps->probes->len; i++)
		probe_clear(&g_array_index(ps->probes, reach_probe, i));
	g_array_unref(ps->probes);
	ps->probes = NULL;
}

/* One run: builds the world, sends every probe, tallies. */
static gboolean run_pass(scenario *sc, const reach_result *res, const GArray *tmpl, const service_ref *svc,
                         const reach_options *opt, gboolean open, reach_pass *out, GError **error)
{
	char *name = sc->name;
	sc->name = g_strdup_printf("%s-scan%s", name, open ? "-open" : "");
	world_options wo = { .pcap_dir = opt->pcap_dir, .capture = opt->capture, .no_clients = TRUE };
	world *w = world_new(sc, &wo, error);
	g_free(sc->name);
	sc->name = name;
	if (!w)
		return FALSE;
	net *nt = world_net(w);
	scan s = { .nt = nt, .scanner = net_node(nt, res->from), .src = res->from_ip };
	s.probes = g_array_sized_new(FALSE, TRUE, sizeof(reach_probe), tmpl->len);
	g_array_append_vals(s.probes, tmpl->data, tmpl->len);
	for (guint i = 0; i < s.probes->len; i++) {
		reach_probe *p = &g_array_index(s.probes, reach_probe, i);
		p->rules = g_string_new(NULL);
		p->drop = -1;
		p->last_vpc = -1;
	}
	s.by_flow = g_hash_table_new(g_direct_hash, g_direct_equal);
	s.by_target = g_hash_table_new(g_direct_hash, g_direct_equal);
	s.first_sender = g_hash_table_new(g_direct_hash, g_direct_equal);
	s.router_vpc = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (guint i = 0; i < sc->vpcs->len; i++) {
		char *rn = g_strdup_printf("%s-router", SC_AT(sc->vpcs, sc_vpc, i)->name);
		node *r = net_node(nt, rn);
		if (r)
			g_hash_table_insert(s.router_vpc, r, GINT_TO_POINTER((int)i + 1));
		g_free(rn);
	}
	for (guint i = 0; i < s.probes->len; i++) {
		const reach_probe *p = &g_array_index(s.probes, reach_probe, i);
		g_hash_table_insert(s.by_target, target_key(p->ip, p->port), GUINT_TO_POINTER(i + 1));
	}
	net_tracer tr = { .event = on_event, .ud = &s };
	nt->tracer = &tr;
	if (s.probes->len)
		sim_schedule(nt->sim, 0, send_probe, &s, NULL);
	sim_run_until(nt->sim, (sim_time)s.probes->len * PROBE_GAP + SETTLE);
	nt->tracer = NULL;
	out->sim_s = (double)sim_now(nt->sim) / 1e9;
	gboolean ok = TRUE;
	if (opt->pcap_dir)
		ok = net_close_captures(nt, error);
	out->probes = s.probes;
	out->sent = s.probes->len;
	for (guint i = 0; i < s.probes->len; i++) {
		reach_probe *p = &g_array_index(s.probes, reach_probe, i);
		out->pairs += p->weight;
		if (p->answer == REACH_DROPPED) {
			out->dropped += p->weight;
			if (!p->who) {
				p->who = g_strdup("");
				g_free(p->why);
				p->why = g_strdup("no answer came back (the SYN was not dropped: the answer was lost)");
			}
		} else {
			if (p->answer == REACH_SYNACK)
				out->synack += p->weight;
			else
				out->rst += p->weight;
			if (!(p->port == svc->port && g_hash_table_contains(svc->ips, GUINT_TO_POINTER(p->ip))))
				out->other += p->weight;
		}
		if (open) {
			gboolean arrived = p->drop == DROP_SG || p->drop == DROP_NO_PORT || p->drop == DROP_NO_LISTENER ||
			                   (p->drop == DROP_NO_ADDRESS && g_hash_table_contains(s.router_vpc, net_node(nt, p->who)));
			p->routable = p->answer != REACH_DROPPED ||
			              (arrived && p->last_vpc >= 0 && route_back(sc, p->last_vpc, p->last_dst, p->last_src));
		}
	}
	g_hash_table_unref(s.by_flow);
	g_hash_table_unref(s.by_target);
	g_hash_table_unref(s.first_sender);
	g_hash_table_unref(s.router_vpc);
	world_free(w);
	return ok;
}

/* The probes: each assigned address, and one address of each range of
 * unassigned ones, on every port. */
static GArray *make_probes(const scenario *sc, reach_result *res)
{
	GArray *tmpl = g_array_new(FALSE, TRUE, sizeof(reach_probe));
	GHashTable *assigned = assigned_addresses(sc);
	GArray *br = breaks(sc);
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (guint t = 0; t < res->targets->len; t++) {
		const reach_target *tg = &g_array_index(res->targets, reach_target, t);
		/* Walk the target from break to break. */
		guint64 lo = tg->first, end = (guint64)tg->last + 1;
		guint bi = 0;
		while (lo < end) {
			while (bi < br->len && g_array_index(br, guint64, bi) <= lo)
				bi++;
			guint64 hi = bi < br->len ? MIN(g_array_index(br, guint64, bi), end) : end;
			if (res->exhaustive)
				hi = lo + 1;
			uint32_t rep = 0;
			uint64_t n = 0;
			for (guint64 a = lo; a < hi; a++) {
				uint32_t ip = (uint32_t)a;
				if (ip == res->from_ip || g_hash_table_contains(seen, GUINT_TO_POINTER(ip)))
					continue;
				res->addresses++;
				if (g_hash_table_contains(assigned, GUINT_TO_POINTER(ip))) {
					g_hash_table_add(seen, GUINT_TO_POINTER(ip));
					res->assigned++;
					if (tmpl->len + res->ports->len > MAX_PROBES)
						goto too_many;
					for (guint k = 0; k < res->ports->len; k++) {
						reach_probe p = { .ip = ip, .last = ip, .port = g_array_index(res->ports, uint16_t, k),
							          .weight = 1 };
						g_array_append_val(tmpl, p);
					}
					continue;
				}
				if (!n)
					rep = ip;
				n++;
			}
			if (n) {
				res->ranges++;
				if (tmpl->len + res->ports->len > MAX_PROBES)
					goto too_many;
				for (guint k = 0; k < res->ports->len; k++) {
					reach_probe p = { .ip = rep, .last = (uint32_t)(hi - 1),
						          .port = g_array_index(res->ports, uint16_t, k), .weight = n };
					g_array_append_val(tmpl, p);
				}
			}
			lo = hi;
		}
	}
	g_hash_table_unref(seen);
	g_array_unref(br);
	g_hash_table_unref(assigned);
	if (res->exhaustive) {
		res->assigned = res->addresses;
		res->ranges = 0;
	}
	return tmpl;
too_many:
	g_hash_table_unref(seen);
	g_array_unref(br);
	g_hash_table_unref(assigned);
	g_array_unref(tmpl);
	return NULL;
}

static gint cmp_target(gconstpointer a, gconstpointer b)
{
	const reach_target *x = a, *y = b;
	return (x->first > y->first) - (x->first < y->first);
}

/* Routable addresses, as ranges: an assigned address is routable when
 * any of its probes is; a range of unassigned ones when its
 * representative is (the range, first to last, also holds the assigned
 * addresses inside it, each judged on its own: the listing is a summary,
 * the count is exact). */
static void tally_routable(reach_result *res)
{
	GArray *open = res->open.probes;
	GArray *iv = g_array_new(FALSE, TRUE, sizeof(reach_target));
	guint np = res->ports->len;
	for (guint i = 0; np && i < open->len; i += np) {
		gboolean any = FALSE;
		for (guint k = 0; k < np; k++)
			any |= g_array_index(open, reach_probe, i + k).routable;
		const reach_probe *p = &g_array_index(open, reach_probe, i);
		if (!any)
			continue;
		res->routable += p->weight;
		add_target(iv, NULL, p->ip, p->last);
	}
	g_array_sort(iv, cmp_target);
	GArray *r = res->routable_ranges;
	for (guint i = 0; i < iv->len; i++) {
		const reach_target *t = &g_array_index(iv, reach_target, i);
		if (r->len) {
			reach_target *prev = &g_array_index(r, reach_target, r->len - 1);
			if ((guint64)prev->last + 1 >= t->first) {
				prev->last = MAX(prev->last, t->last);
				continue;
			}
		}
		add_target(r, NULL, t->first, t->last);
	}
	g_array_unref(iv);
}

reach_result *reach_run(const char *file, const char *const *sets, const reach_options *opt, GError **error)
{
	scenario *sc = scenario_load(file, sets, error);
	if (!sc)
		return NULL;
	reach_result *res = g_new0(reach_result, 1);
	res->scenario = g_strdup(sc->name);
	res->ports = g_array_new(FALSE, FALSE, sizeof(uint16_t));
	res->targets = g_array_new(FALSE, TRUE, sizeof(reach_target));
	res->routable_ranges = g_array_new(FALSE, TRUE, sizeof(reach_target));
	res->exhaustive = opt->exhaustive;
	GArray *tmpl = NULL;
	service_ref svc = { 0 };
	int from = -1;
	if (opt->from) {
		from = scenario_find_instance(sc, opt->from);
		if (from < 0) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID, "--from '%s': no such instance in %s", opt->from,
			            file);
			goto fail;
		}
	} else if (sc->workloads->len) {
		from = g_array_index(SC_AT(sc->workloads, sc_workload, 0)->clients, int, 0);
	} else {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
		            "%s: no workload to take the scanning instance from; expected --from INSTANCE", file);
		goto fail;
	}
	const sc_instance *in = SC_AT(sc->instances, sc_instance, from);
	res->from = g_strdup(in->name);
	res->from_ip = in->ip;
	if (opt->ports) {
		if (!parse_ports(opt->ports, res->ports, error))
			goto fail;
	} else {
		default_ports(sc, res->ports);
	}
	g_array_sort(res->ports, cmp_u16);
	if (opt->to) {
		char **parts = g_strsplit(opt->to, "/", 2);
		uint32_t ip = 0;
		guint64 len = 32;
		gboolean ok = pkt_ip_parse(parts[0], &ip) &&
		              (!parts[1] || g_ascii_string_to_unsigned(parts[1], 10, 8, 32, &len, NULL));
		g_strfreev(parts);
		sc_cidr c = { ip, (uint8_t)len };
		if (!ok || (len < 32 && (ip & ~(~UINT32_C(0) << (32 - len))))) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
			            "--to '%s': expected an address or a CIDR from /8 to /32 with its host bits zero, "
			            "such as 10.1.0.0/16", opt->to);
			goto fail;
		}
		add_target(res->targets, g_strdup(opt->to), c.addr, cidr_last(c));
	} else {
		default_targets(sc, instance_vpc(sc, from), res->targets);
	}
	res->service = service_of(sc, &svc);
	tmpl = make_probes(sc, res);
	if (!tmpl) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
		            "--%s: the scan would send more than %u SYNs (%u port%s%s); expected a smaller --to, "
		            "fewer --ports%s", opt->exhaustive ? "exhaustive" : "ports", MAX_PROBES, res->ports->len,
		            res->ports->len == 1 ? "" : "s", opt->exhaustive ? " on every address" : "",
		            opt->exhaustive ? " or no --exhaustive" : "");
		goto fail;
	}
	if (!run_pass(sc, res, tmpl, &svc, opt, FALSE, &res->scen, error))
		goto fail;
	open_security_groups(sc);
	if (!run_pass(sc, res, tmpl, &svc, opt, TRUE, &res->open, error))
		goto fail;
	tally_routable(res);
	g_array_unref(tmpl);
	g_hash_table_unref(svc.ips);
	scenario_free(sc);
	return res;
fail:
	if (tmpl)
		g_array_unref(tmpl);
	if (svc.ips)
		g_hash_table_unref(svc.ips);
	scenario_free(sc);
	reach_free(res);
	return NULL;
}

void reach_free(reach_result *r)
{
	if (!r)
		return;
	pass_clear(&r->scen);
	pass_clear(&r->open);
	for (guint i = 0; i < r->targets->len; i++)
		g_free(g_array_index(r->targets, reach_target, i).what);
	g_array_unref(r->targets);
	g_array_unref(r->routable_ranges);
	g_array_unref(r->ports);
	g_free(r->scenario);
	g_free(r->from);
	g_free(r->service);
	g_free(r);
}

/* ---- writing ---- */

/* Drops grouped by where and why: "NODE: reason (first detail)". */
typedef struct {
	char *key;
	char *example;
	uint64_t pairs;
	GHashTable *addrs;
	uint64_t addresses;
} drop_group;

static char *drop_key(const reach_probe *p)
{
	/* Details name the address; the group is the node, the reason and,
	 * for a security group, which groups and which way. */
	if (p->drop == DROP_SG)
		return g_strdup_printf("%s: %s", p->who, p->why);
	return g_strdup_printf("%s: %s", p->who, p->drop >= 0 ? drop_reason_text((drop_reason)p->drop) : p->why);
}

static GPtrArray *group_drops(const reach_pass *ps)
{
	GPtrArray *groups = g_ptr_array_new();
	GHashTable *by = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < ps->probes->len; i++) {
		const reach_probe *p = &g_array_index(ps->probes, reach_probe, i);
		if (p->answer != REACH_DROPPED)
			continue;
		char *k = drop_key(p);
		drop_group *g = g_hash_table_lookup(by, k);
		if (!g) {
			g = g_new0(drop_group, 1);
			g->key = k;
			g->example = g_strdup(p->why);
			g->addrs = g_hash_table_new(g_direct_hash, g_direct_equal);
			g_hash_table_insert(by, g->key, g);
			g_ptr_array_add(groups, g);
		} else {
			g_free(k);
		}
		g->pairs += p->weight;
		if (!g_hash_table_contains(g->addrs, GUINT_TO_POINTER(p->ip))) {
			g_hash_table_add(g->addrs, GUINT_TO_POINTER(p->ip));
			g->addresses += p->weight;
		}
	}
	g_hash_table_unref(by);
	return groups;
}

static void groups_free(GPtrArray *g)
{
	for (guint i = 0; i < g->len; i++) {
		drop_group *d = g_ptr_array_index(g, i);
		g_free(d->key);
		g_free(d->example);
		g_hash_table_unref(d->addrs);
		g_free(d);
	}
	g_ptr_array_unref(g);
}

static const char *answer_name(reach_answer a)
{
	return a == REACH_SYNACK ? "syn-ack" : a == REACH_RST ? "rst" : "dropped";
}

static void text_pass(const reach_result *r, const reach_pass *ps, const char *title, FILE *f)
{
	fprintf(f, "\n%s:\n", title);
	fprintf(f, "  answering  %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " (address, port) pairs: %" G_GUINT64_FORMAT
	           " SYN-ACK, %" G_GUINT64_FORMAT " RST; %" G_GUINT64_FORMAT " other than %s\n",
	        ps->synack + ps->rst, ps->pairs, ps->synack, ps->rst, ps->other, r->service);
	char a[16];
	for (guint i = 0; i < ps->probes->len; i++) {
		const reach_probe *p = &g_array_index(ps->probes, reach_probe, i);
		if (p->answer == REACH_DROPPED)
			continue;
		char *ap = g_strdup_printf("%s:%u", pkt_ip_str(p->ip, a), p->port);
		fprintf(f, "    %-21s %-7s by %s (%s)\n", ap, p->answer == REACH_SYNACK ? "SYN-ACK" : "RST", p->who,
		        p->why);
		g_free(ap);
	}
	fprintf(f, "  dropped    %" G_GUINT64_FORMAT " pairs, silently:\n", ps->dropped);
	GPtrArray *g = group_drops(ps);
	for (guint i = 0; i < g->len; i++) {
		const drop_group *d = g_ptr_array_index(g, i);
		fprintf(f, "    %8" G_GUINT64_FORMAT " pair%s, %" G_GUINT64_FORMAT " address%s: %s\n", d->pairs,
		        d->pairs == 1 ? "" : "s", d->addresses, d->addresses == 1 ? "" : "es", d->key);
	}
	groups_free(g);
}

static void json_pass(GString *s, const reach_pass *ps)
{
	g_string_append_printf(s,
	                       "{\"probes_sent\": %" G_GUINT64_FORMAT ", \"pairs\": %" G_GUINT64_FORMAT
	                       ", \"answering\": %" G_GUINT64_FORMAT ", \"syn_ack\": %" G_GUINT64_FORMAT
	                       ", \"rst\": %" G_GUINT64_FORMAT ", \"dropped\": %" G_GUINT64_FORMAT
	                       ", \"other_than_service\": %" G_GUINT64_FORMAT ",\n    \"answers\": [",
	                       ps->sent, ps->pairs, ps->synack + ps->rst, ps->synack, ps->rst, ps->dropped, ps->other);
	char a[16];
	gboolean first = TRUE;
	for (guint i = 0; i < ps->probes->len; i++) {
		const reach_probe *p = &g_array_index(ps->probes, reach_probe, i);
		if (p->answer == REACH_DROPPED)
			continue;
		g_string_append(s, first ? "\n      {\"address\": " : ",\n      {\"address\": ");
		first = FALSE;
		report_json_str(s, pkt_ip_str(p->ip, a));
		g_string_append_printf(s, ", \"port\": %u, \"answer\": \"%s\", \"by\": ", p->port, answer_name(p->answer));
		report_json_str(s, p->who);
		g_string_append(s, ", \"rules\": ");
		report_json_str(s, p->why);
		g_string_append(s, "}");
	}
	g_string_append(s, "],\n    \"drops\": [");
	GPtrArray *g = group_drops(ps);
	for (guint i = 0; i < g->len; i++) {
		const drop_group *d = g_ptr_array_index(g, i);
		g_string_append(s, i ? ",\n      {\"at\": " : "\n      {\"at\": ");
		report_json_str(s, d->key);
		g_string_append(s, ", \"example\": ");
		report_json_str(s, d->example);
		g_string_append_printf(s, ", \"pairs\": %" G_GUINT64_FORMAT ", \"addresses\": %" G_GUINT64_FORMAT "}", d->pairs,
		                       d->addresses);
	}
	groups_free(g);
	g_string_append(s, "]}");
}

gboolean reach_write(const reach_result *r, report_format fmt, FILE *f)
{
	char a[16], b[16];
	if (fmt == REPORT_JSON) {
		GString *s = g_string_new("{\n  \"vpcsim_reach\": 1,\n  \"scenario\": ");
		report_json_str(s, r->scenario);
		g_string_append(s, ",\n  \"from\": ");
		report_json_str(s, r->from);
		g_string_append(s, ", \"from_address\": ");
		report_json_str(s, pkt_ip_str(r->from_ip, a));
		g_string_append(s, ",\n  \"service\": ");
		report_json_str(s, r->service);
		g_string_append(s, ",\n  \"ports\": [");
		for (guint i = 0; i < r->ports->len; i++)
			g_string_append_printf(s, "%s%u", i ? ", " : "", g_array_index(r->ports, uint16_t, i));
		g_string_append(s, "],\n  \"targets\": [");
		for (guint i = 0; i < r->targets->len; i++) {
			const reach_target *t = &g_array_index(r->targets, reach_target, i);
			g_string_append(s, i ? ", {\"what\": " : "{\"what\": ");
			report_json_str(s, t->what);
			g_string_append(s, ", \"first\": ");
			report_json_str(s, pkt_ip_str(t->first, a));
			g_string_append(s, ", \"last\": ");
			report_json_str(s, pkt_ip_str(t->last, b));
			g_string_append(s, "}");
		}
		g_string_append_printf(s,
		                       "],\n  \"addresses\": %" G_GUINT64_FORMAT ", \"assigned\": %" G_GUINT64_FORMAT
		                       ", \"unassigned_ranges\": %" G_GUINT64_FORMAT ", \"exhaustive\": %s,\n  \"routable\": %"
		                       G_GUINT64_FORMAT ", \"routable_ranges\": [",
		                       r->addresses, r->assigned, r->ranges, r->exhaustive ? "true" : "false", r->routable);
		for (guint i = 0; i < r->routable_ranges->len; i++) {
			const reach_target *t = &g_array_index(r->routable_ranges, reach_target, i);
			char *rg = g_strdup_printf("%s-%s", pkt_ip_str(t->first, a), pkt_ip_str(t->last, b));
			if (i)
				g_string_append(s, ", ");
			report_json_str(s, rg);
			g_free(rg);
		}
		g_string_append(s, "],\n  \"scenario_security_groups\": ");
		json_pass(s, &r->scen);
		g_string_append(s, ",\n  \"security_groups_open\": ");
		json_pass(s, &r->open);
		g_string_append(s, "\n}\n");
		fputs(s->str, f);
		g_string_free(s, TRUE);
		return fflush(f) == 0 && !ferror(f);
	}
	fprintf(f, "reach in %s: %s (%s) sends a TCP SYN to every address on %u port%s (", r->scenario, r->from,
	        pkt_ip_str(r->from_ip, a), r->ports->len, r->ports->len == 1 ? "" : "s");
	for (guint i = 0; i < r->ports->len; i++)
		fprintf(f, "%s%u", i ? ", " : "", g_array_index(r->ports, uint16_t, i));
	fputs(")\n", f);
	for (guint i = 0; i < r->targets->len; i++) {
		const reach_target *t = &g_array_index(r->targets, reach_target, i);
		fprintf(f, "  target     %s (%" G_GUINT64_FORMAT " address%s)\n", t->what, (guint64)t->last - t->first + 1,
		        t->last == t->first ? "" : "es");
	}
	if (r->exhaustive)
		fprintf(f, "  addresses  %" G_GUINT64_FORMAT " scanned, every one simulated\n", r->addresses);
	else
		fprintf(f,
		        "  addresses  %" G_GUINT64_FORMAT " scanned: %" G_GUINT64_FORMAT
		        " held by a construct, each simulated; the other %" G_GUINT64_FORMAT " in %" G_GUINT64_FORMAT
		        " ranges that routes and rules treat alike, one address of each simulated for its range\n",
		        r->addresses, r->assigned, r->addresses - r->assigned, r->ranges);
	fprintf(f, "  routable   %" G_GUINT64_FORMAT " address%s (a route both ways)", r->routable,
	        r->routable == 1 ? "" : "es");
	for (guint i = 0; i < r->routable_ranges->len && i < 8; i++) {
		const reach_target *t = &g_array_index(r->routable_ranges, reach_target, i);
		if (t->first == t->last)
			fprintf(f, "%s%s", i ? ", " : ": ", pkt_ip_str(t->first, a));
		else
			fprintf(f, "%s%s-%s", i ? ", " : ": ", pkt_ip_str(t->first, a), pkt_ip_str(t->last, b));
	}
	fputs(r->routable_ranges->len > 8 ? ", ...\n" : "\n", f);
	fprintf(f, "  service    %s\n", r->service);
	text_pass(r, &r->scen, "with the scenario's security groups", f);
	text_pass(r, &r->open, "with every security group open (what routing alone exposes)", f);
	return fflush(f) == 0 && !ferror(f);
}
