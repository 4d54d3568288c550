/* \summary: `vpcsim trace`: one request followed hop by hop, with what decided at each */
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "cli.h"
#include "estimate.h"
#include "nlb.h"
#include "error.h"

/*
 * The trace runs the scenario with a single request from one instance to
 * one target and a tracer on the net, so what it prints is what the models
 * did, not a separate analysis.  It follows three packets: the client's
 * SYN, the first segment of the request and the first segment of the
 * response; at each node it shows the packet's addresses as they arrived,
 * the route, rule or mapping that decided, any rewrite, and the time spent
 * there.  A packet that was dropped ends its journey with the reason.
 */

typedef struct {
	sim_time t;
	const node *n;
	net_trace_kind kind;
	char *text;
	uint64_t flow_id;
	sim_time birth;
	uint32_t seq;
	uint8_t flags;
	uint8_t pflags;      /* pkt->flags */
	gboolean nopkt;      /* a decision above the packets */
	uint32_t payload;
	uint32_t src, dst;
	uint16_t sport, dport;
	gboolean dns;        /* UDP to or from port 53: the client's name lookup */
} tevent;

typedef struct {
	GArray *ev; /* tevent */
} tlog;

static void on_event(void *ud, sim_time t, const node *n, const pkt *p, net_trace_kind kind,
                     const char *text)
{
	tlog *lg = ud;
	tevent e = { .t = t, .n = n, .kind = kind, .text = g_strdup(text) };
	if (!p) {
		e.nopkt = TRUE;
		g_array_append_val(lg->ev, e);
		return;
	}
	e.flow_id = p->flow_id;
	e.birth = p->birth;
	e.payload = p->payload_len;
	e.src = pkt_ip_src(p);
	e.dst = pkt_ip_dst(p);
	e.pflags = p->flags;
	if (pkt_proto(p) == PKT_PROTO_TCP || pkt_proto(p) == PKT_PROTO_UDP) {
		e.sport = pkt_sport(p);
		e.dport = pkt_dport(p);
	}
	e.dns = pkt_proto(p) == PKT_PROTO_UDP && (e.sport == 53 || e.dport == 53);
	if (pkt_proto(p) == PKT_PROTO_TCP) {
		e.seq = pkt_tcp_seq(p);
		e.flags = pkt_tcp_flags(p);
	}
	g_array_append_val(lg->ev, e);
}

static gboolean same_packet(const tevent *a, const tevent *b)
{
	return !a->nopkt && !b->nopkt && a->flow_id == b->flow_id && a->birth == b->birth && a->seq == b->seq && a->flags == b->flags;
}

/* Does packet a travel the connection of packet b the other way? */
static gboolean answers(const tevent *a, const tevent *b)
{
	return a->src == b->dst && a->dst == b->src && a->sport == b->dport && a->dport == b->sport;
}

static char *addr(uint32_t ip, uint16_t tport)
{
	char b[16];
	return tport ? g_strdup_printf("%s:%u", pkt_ip_str(ip, b), tport) : g_strdup(pkt_ip_str(ip, b));
}

static const char *flag_text(const tevent *e)
{
	static char buf[32];
	buf[0] = 0;
	if (e->flags & PKT_TCP_SYN)
		strcat(buf, "SYN ");
	if (e->flags & PKT_TCP_FIN)
		strcat(buf, "FIN ");
	if (e->flags & PKT_TCP_RST)
		strcat(buf, "RST ");
	if (e->flags & PKT_TCP_PSH)
		strcat(buf, "PSH ");
	if (e->flags & PKT_TCP_ACK)
		strcat(buf, "ACK ");
	size_t n = strlen(buf);
	if (n)
		buf[n - 1] = 0;
	return buf;
}

/* One packet's journey in order: its sending (the first), what its sender
 * decided before handing it to its link, then what happened to it on the
 * way, up to its drop if it was dropped. */
static GPtrArray *journey_events(const tlog *lg, guint first)
{
	const tevent *start = &g_array_index(lg->ev, tevent, first);
	GPtrArray *a = g_ptr_array_new();
	g_ptr_array_add(a, (gpointer)start);
	for (guint i = 0; i < first; i++) {
		const tevent *e = &g_array_index(lg->ev, tevent, i);
		if (e->kind == NET_TRACE_DECIDE && e->n == start->n && same_packet(e, start))
			g_ptr_array_add(a, (gpointer)e);
	}
	for (guint i = first + 1; i < lg->ev->len; i++) {
		const tevent *e = &g_array_index(lg->ev, tevent, i);
		if (!same_packet(e, start) || (e->kind == NET_TRACE_SEND && e->n == start->n && e->t == start->t))
			continue;
		g_ptr_array_add(a, (gpointer)e);
		if (e->kind == NET_TRACE_DROP)
			break;
	}
	return a;
}

static gboolean journey_dropped(const GPtrArray *a)
{
	return ((const tevent *)a->pdata[a->len - 1])->kind == NET_TRACE_DROP;
}

static void json_hop(GString *js, const tevent *e, sim_time t0, const char *event);

/* print_journey() as JSON: {"code", "title", "src", "dst", "payload",
 * "flags", "hops": [...], "dropped"}. */
static gboolean json_journey(const tlog *lg, guint first, const char *title, const char *code,
                             sim_time t0, GString *js)
{
	const tevent *start = &g_array_index(lg->ev, tevent, first);
	char *s = addr(start->src, start->sport), *d = addr(start->dst, start->dport);
	if (js->str[js->len - 1] == '}')
		g_string_append_c(js, ',');
	g_string_append(js, "{\"code\":");
	report_json_str(js, code);
	g_string_append(js, ",\"title\":");
	report_json_str(js, title);
	g_string_append(js, ",\"src\":");
	report_json_str(js, s);
	g_string_append(js, ",\"dst\":");
	report_json_str(js, d);
	g_string_append_printf(js, ",\"payload\":%u,\"flags\":", start->payload);
	report_json_str(js, flag_text(start));
	g_string_append(js, ",\"hops\":[");
	g_free(s);
	g_free(d);
	GPtrArray *ev = journey_events(lg, first);
	for (guint i = 0; i < ev->len; i++)
		json_hop(js, ev->pdata[i], t0, i == 0 ? "send" : NULL);
	gboolean dropped = journey_dropped(ev);
	g_ptr_array_unref(ev);
	g_string_append_printf(js, "],\"dropped\":%s}", dropped ? "true" : "false");
	return dropped;
}


static const char *const kind_names[] = {
	[NET_TRACE_SEND] = "leave", [NET_TRACE_ARRIVE] = "arrive", [NET_TRACE_DECIDE] = "decide",
	[NET_TRACE_REWRITE] = "rewrite", [NET_TRACE_DROP] = "drop",
};

/* One hop event as JSON: {"t_ms", "node", "node_kind", "event", "text"
 * (, "code")}. */
static void json_hop(GString *js, const tevent *e, sim_time t0, const char *event)
{
	if (js->str[js->len - 1] == '}')
		g_string_append_c(js, ',');
	g_string_append_printf(js, "{\"t_ms\":%.6f,\"node\":", (double)(e->t - t0) / 1e6);
	report_json_str(js, e->n->name);
	g_string_append(js, ",\"node_kind\":");
	report_json_str(js, e->n->ops->kind);
	g_string_append_printf(js, ",\"event\":\"%s\",\"text\":", event ? event : kind_names[e->kind]);
	report_json_str(js, e->text);
	drop_reason why = e->kind == NET_TRACE_DROP ? drop_reason_of_text(e->text) : -1;
	const char *code = e->kind == NET_TRACE_DECIDE || e->kind == NET_TRACE_REWRITE
	                           ? explanation_code(e->text) : NULL;
	if (why >= 0)
		code = drop_reason_name(why);
	if (code) {
		g_string_append(js, ",\"code\":");
		report_json_str(js, code);
	}
	g_string_append_c(js, '}');
}

/* Prints one packet's journey, or appends it to `js` as a JSON object with
 * the stable `code` of the journey; returns TRUE if it was dropped. */
static gboolean print_journey(const tlog *lg, guint first, const char *title, const char *code,
                              sim_time t0, GString *js)
{
	if (js)
		return json_journey(lg, first, title, code, t0, js);
	const tevent *start = &g_array_index(lg->ev, tevent, first);
	char *s = addr(start->src, start->sport), *d = addr(start->dst, start->dport);
	printf("\n%s: %s > %s, %u bytes of payload%s%s\n", title, s, d, start->payload,
	       start->flags ? ", " : "", flag_text(start));
	g_free(s);
	g_free(d);
	sim_time arrived = start->t;
	uint32_t in_src = start->src, in_dst = start->dst;
	uint16_t in_sp = start->sport, in_dp = start->dport;
	printf("  %9s  %-22s %s\n", "time ms", "node", "what happened");
	GPtrArray *ev = journey_events(lg, first);
	for (guint i = 0; i < ev->len; i++) {
		const tevent *e = ev->pdata[i];
		if (i == 0) {
			printf("  %9.3f  %-22s sends it\n", (double)(e->t - t0) / 1e6, e->n->name);
			continue;
		}
		switch (e->kind) {
		case NET_TRACE_ARRIVE:
			arrived = e->t;
			in_src = e->src;
			in_dst = e->dst;
			in_sp = e->sport;
			in_dp = e->dport;
			printf("  %9.3f  %-22s arrives (%s)\n", (double)(e->t - t0) / 1e6, e->n->name, e->text);
			break;
		case NET_TRACE_DECIDE:
			printf("  %9s  %-22s %s\n", "", "", e->text);
			break;
		case NET_TRACE_REWRITE:
			printf("  %9s  %-22s rewrites %s\n", "", "", e->text);
			break;
		case NET_TRACE_DROP:
			printf("  %9.3f  %-22s DROPPED: %s\n", (double)(e->t - t0) / 1e6, e->n->name, e->text);
			break;
		case NET_TRACE_SEND:
			if (e->src != in_src || e->dst != in_dst || e->sport != in_sp || e->dport != in_dp) {
				char *a = addr(in_src, in_sp), *b = addr(in_dst, in_dp);
				char *c = addr(e->src, e->sport), *dd = addr(e->dst, e->dport);
				printf("  %9s  %-22s in  %s > %s\n  %9s  %-22s out %s > %s\n", "", "", a, b, "", "", c, dd);
				g_free(a);
				g_free(b);
				g_free(c);
				g_free(dd);
			}
			printf("  %9s  %-22s leaves after %.3f ms (%s)\n", "", "", (double)(e->t - arrived) / 1e6,
			       e->text);
			break;
		}
	}
	gboolean dropped = journey_dropped(ev);
	g_ptr_array_unref(ev);
	return dropped;
}

static void print_mermaid(const tlog *lg, const char *client)
{
	/* Participants get short ids (P1, P2, ...) with the node names as
	 * aliases: Mermaid would read the hyphens in names as arrows. */
	printf("sequenceDiagram\n");
	GHashTable *ids = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(ids, (gpointer)client, GUINT_TO_POINTER(1));
	printf("    participant P1 as %s\n", client);
	for (guint i = 0; i < lg->ev->len; i++) {
		const tevent *e = &g_array_index(lg->ev, tevent, i);
		if (e->nopkt)
			continue;
		if (e->kind == NET_TRACE_ARRIVE && !g_hash_table_contains(ids, e->n->name)) {
			guint id = g_hash_table_size(ids) + 1;
			g_hash_table_insert(ids, (gpointer)e->n->name, GUINT_TO_POINTER(id));
			printf("    participant P%u as %s\n", id, e->n->name);
		}
	}
	for (guint i = 0; i < lg->ev->len; i++) {
		const tevent *e = &g_array_index(lg->ev, tevent, i);
		if (e->kind == NET_TRACE_SEND) {
			const char *to = strncmp(e->text, "to ", 3) == 0 ? e->text + 3 : e->text;
			char *s = addr(e->src, e->sport), *d = addr(e->dst, e->dport);
			printf("    P%u->>P%u: %.3f ms %s %s>%s len %u\n",
			       GPOINTER_TO_UINT(g_hash_table_lookup(ids, e->n->name)),
			       GPOINTER_TO_UINT(g_hash_table_lookup(ids, to)), (double)e->t / 1e6,
			       e->flags ? flag_text(e) : "UDP", s, d, e->payload);
			g_free(s);
			g_free(d);
		} else if (e->kind == NET_TRACE_DROP) {
			printf("    Note over P%u: dropped: %s\n", GPOINTER_TO_UINT(g_hash_table_lookup(ids, e->n->name)),
			       e->text);
		}
	}
	g_hash_table_unref(ids);
}

/* Resolves --to: a name of an instance, service, load balancer or interface
 * endpoint, or an instance's or service's address. */
static gboolean resolve_target(const scenario *sc, const char *to, sc_workload *w)
{
	int idx = scenario_find_instance(sc, to);
	uint32_t ip = 0;
	gboolean is_ip = pkt_ip_parse(to, &ip);
	for (guint i = 0; idx < 0 && is_ip && i < sc->instances->len; i++)
		if (SC_AT(sc->instances, sc_instance, i)->ip == ip)
			idx = (int)i;
	if (idx >= 0) {
		w->target_kind = SC_TARGET_IS_INSTANCE;
		g_array_append_val(w->targets, idx);
		return TRUE;
	}
	for (guint i = 0; i < sc->services->len; i++) {
		const sc_service *s = SC_AT(sc->services, sc_service, i);
		if (strcmp(s->name, to) == 0 || (is_ip && s->ip == ip)) {
			w->target_kind = SC_TARGET_IS_SERVICE;
			g_array_append_val(w->targets, i);
			return TRUE;
		}
	}
	for (guint i = 0; sc->load_balancers && i < sc->load_balancers->len; i++)
		if (strcmp(SC_AT(sc->load_balancers, sc_lb, i)->name, to) == 0) {
			w->target_kind = SC_TARGET_IS_LB;
			g_array_append_val(w->targets, i);
			return TRUE;
		}
	for (guint i = 0; sc->interface_endpoints && i < sc->interface_endpoints->len; i++)
		if (strcmp(SC_AT(sc->interface_endpoints, sc_interface_endpoint, i)->name, to) == 0) {
			w->target_kind = SC_TARGET_IS_ENDPOINT;
			g_array_append_val(w->targets, i);
			return TRUE;
		}
	/* The kinds that say how they are reached: by name, or by one of the
	 * addresses clients connect to (a Lattice front, an endpoint ENI). */
	GArray *ips = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	gboolean found = FALSE;
	for (int k = 0; k < GK_N && !found; k++)
		for (guint i = 0; sc_kinds[k]->target && i < sc->of[k]->len && !found; i++) {
			found = strcmp(sc_kind_element_name(sc, k, (int)i), to) == 0;
			if (!found && is_ip) {
				g_array_set_size(ips, 0);
				g_free(sc_kinds[k]->target->addresses(sc, (int)i, 0, TRUE, ips));
				for (guint a = 0; a < ips->len && !found; a++)
					found = g_array_index(ips, uint32_t, a) == ip;
			}
			if (found) {
				w->target_kind = SC_TARGET_IS_KIND;
				w->target_gk = k;
				g_array_append_val(w->targets, i);
			}
		}
	g_array_unref(ips);
	return found;
}

/* The first HTTP workload with `client` among its clients and the same
 * target as `w`. */
static const sc_workload *workload_like(const scenario *sc, int client, const sc_workload *w)
{
	int t = g_array_index(w->targets, int, 0);
	for (guint i = 0; i < sc->workloads->len; i++) {
		const sc_workload *x = SC_AT(sc->workloads, sc_workload, i);
		if (x->kind != SC_WL_HTTP || x->target_kind != w->target_kind ||
		    (w->target_kind == SC_TARGET_IS_KIND && x->target_gk != w->target_gk))
			continue;
		gboolean from = FALSE, to = FALSE;
		for (guint k = 0; k < x->clients->len && !from; k++)
			from = g_array_index(x->clients, int, k) == client;
		for (guint k = 0; k < x->targets->len && !to; k++)
			to = g_array_index(x->targets, int, k) == t;
		if (from && to)
			return x;
	}
	return NULL;
}

int cmd_trace(int argc, char **argv)
{
	char *from = NULL, *to = NULL, *format_s = NULL, *max_memory = NULL, *max_events = NULL;
	char **sets = NULL;
	gint dport = -1; /* -1: not given, 80 */
	gboolean udp = FALSE;
	GOptionEntry entries[] = {
		{ "from", 0, 0, G_OPTION_ARG_STRING, &from, "The instance that sends (required)", "INSTANCE" },
		{ "to", 0, 0, G_OPTION_ARG_STRING, &to,
		  "The target: instance, service, load balancer or endpoint name, or an address (required)",
		  "TARGET" },
		{ "port", 0, 0, G_OPTION_ARG_INT, &dport, "Destination port (default 80)", "N" },
		{ "udp", 0, 0, G_OPTION_ARG_NONE, &udp, "Send one UDP datagram instead of an HTTP request", NULL },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format_s, "text (default), json or mermaid", "FMT" },
		{ "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Override a key: GROUP.KEY=VALUE (repeatable)",
		  "G.K=V" },
		{ "max-memory", 0, 0, G_OPTION_ARG_STRING, &max_memory,
		  "Refuse a scenario estimated to need more memory (default: the memory available)",
		  "SIZE" },
		{ "max-events", 0, 0, G_OPTION_ARG_STRING, &max_events,
		  "Refuse a trace estimated to execute more events (default: no limit)", "N" },
		{ NULL },
	};
	int rc = CLI_USAGE;
	scenario *sc = NULL;
	world *w = NULL;
	report *r = NULL;
	tlog lg = { g_array_new(FALSE, TRUE, sizeof(tevent)) };
	sc_workload wl = { 0 };
	if (!cli_parse(&argc, &argv, "vpcsim trace SCENARIO --from HOST --to TARGET",
	               "Follows one request through the topology and prints each hop in order: the\n"
	               "construct, the route or rule that decided, the addresses in and out where a hop\n"
	               "rewrites them, the time spent there, and the cost charged.  Exits 1 when the\n"
	               "request cannot arrive, saying where and why.",
	               "Example:\n  vpcsim trace scenarios/vpc-peering.ini --from client-1 --to server-2\n"
	               "  vpcsim trace scenarios/vpc-three-peering.ini --from client-a --to server-c",
	               entries))
		goto out;
	gboolean mermaid = FALSE, json = FALSE;
	if (format_s && strcmp(format_s, "mermaid") == 0)
		mermaid = TRUE;
	else if (format_s && strcmp(format_s, "json") == 0)
		json = TRUE;
	else if (format_s && strcmp(format_s, "text") != 0) {
		cli_error("--format '%s': expected text, json or mermaid", format_s);
		goto out;
	}
	if (argc != 2 || !from || !to) {
		cli_error("trace needs one scenario file, --from and --to (and --port 1-65535); see 'vpcsim trace --help'");
		goto out;
	}
	if (dport != -1 && !cli_in_range("port", dport, 1, 65535))
		goto out;
	if (!cli_check_sets(sets))
		goto out;
	estimate_limits lim;
	if (!cli_limits(max_memory, max_events, &lim))
		goto out;
	rc = CLI_FAIL;
	GError *err = NULL;
	sc = scenario_load(argv[1], (const char *const *)sets, &err);
	if (!sc) {
		fprintf(stderr, "%s\n", err->message);
		g_error_free(err);
		goto out;
	}
	int ci = scenario_find_instance(sc, from);
	if (ci < 0) {
		cli_error("--from '%s': no such instance in %s", from, argv[1]);
		goto out;
	}
	wl.name = (char *)"trace";
	wl.kind = udp ? SC_WL_UDP : SC_WL_HTTP;
	wl.clients = g_array_new(FALSE, FALSE, sizeof(int));
	g_array_append_val(wl.clients, ci);
	wl.targets = g_array_new(FALSE, FALSE, sizeof(int));
	if (!resolve_target(sc, to, &wl)) {
		cli_error("--to '%s': no instance, service, load balancer, interface endpoint or Lattice service of "
		          "that name or "
		          "address in %s", to, argv[1]);
		goto out;
	}
	/* The request a workload of the scenario sends from this client to
	 * this target, when one does: its method, path, port, sizes, think
	 * time and name resolution; else a GET of / answered with 1000 bytes. */
	const sc_workload *like = udp ? NULL : workload_like(sc, ci, &wl);
	wl.port = dport > 0 ? (uint16_t)dport : like ? like->port : 80;
	wl.requests = 1;
	wl.keepalive = TRUE;
	wl.method = like ? like->method : (char *)"GET";
	wl.path = like ? like->path : (char *)"/";
	if (like) {
		wl.resolve = like->resolve;
		wl.dns_name = like->dns_name;
	}
	dist_set_const(&wl.interval, UNIT_TIME, (double)SIM_MS);
	if (like) {
		dist_copy(&wl.request_size, &like->request_size);
		dist_copy(&wl.response_size, &like->response_size);
		dist_copy(&wl.think_time, &like->think_time);
	} else {
		dist_set_const(&wl.request_size, UNIT_SIZE, udp ? 100 : 0);
		dist_set_const(&wl.response_size, UNIT_SIZE, 1000);
		dist_set_const(&wl.think_time, UNIT_TIME, 0);
	}
	/* One request, but every instance and construct is still built. */
	estimate est;
	estimate_run(sc, &wl, FALSE, NULL, &est);
	gboolean fits = estimate_check(&est, sc, &lim, 0, &err);
	estimate_clear(&est);
	if (!fits) {
		fprintf(stderr, "%s\n", err->message);
		g_error_free(err);
		goto out;
	}
	world_options wo = { .only_workload = &wl };
	w = world_new(sc, &wo, &err);
	if (!w) {
		cli_error("%s", err->message);
		g_error_free(err);
		goto out;
	}
	net_tracer tr = { .event = on_event, .ud = &lg };
	world_net(w)->tracer = &tr;
	world_run(w, NULL, NULL, NULL);
	world_net(w)->tracer = NULL;
	r = world_report(w, FALSE, 0, &err);
	if (!r) {
		cli_error("%s", err->message);
		g_error_free(err);
		goto out;
	}
	const report_workload *rw = &g_array_index(r->workloads, report_workload, 0);
	gboolean arrived = rw->completed == rw->sent && rw->sent > 0;
	if (mermaid) {
		print_mermaid(&lg, from);
		rc = arrived ? CLI_OK : CLI_FAIL;
		goto out;
	}
	const sc_instance *cl = SC_AT(sc->instances, sc_instance, ci);
	char cip[16];
	char *what = udp ? g_strdup("one UDP datagram")
	             : like ? g_strdup_printf("one HTTP %s %s as workload %s sends it", wl.method, wl.path,
	                                      like->name)
	                    : g_strdup_printf("one HTTP %s %s (no workload sends it: 1000 bytes back)",
	                                      wl.method, wl.path);
	GString *js = NULL;
	if (json) {
		js = g_string_new("{\"scenario\":");
		report_json_str(js, sc->name);
		g_string_append(js, ",\"from\":");
		report_json_str(js, from);
		g_string_append(js, ",\"from_ip\":");
		report_json_str(js, pkt_ip_str(cl->ip, cip));
		g_string_append(js, ",\"to\":");
		report_json_str(js, to);
		g_string_append_printf(js, ",\"port\":%u,\"protocol\":\"%s\",\"workload\":", wl.port,
		                       udp ? "udp" : "http");
		if (like)
			report_json_str(js, like->name);
		else
			g_string_append(js, "null");
		g_string_append(js, ",\"journeys\":[");
	} else {
		printf("trace in %s: %s (%s) -> %s port %u, %s\n", sc->name, from, pkt_ip_str(cl->ip, cip), to,
		       wl.port, what);
	}
	g_free(what);
	/* The journeys: the first SYN, the first request segment, the first
	 * response segment (or the datagram). */
	const node *client = NULL;
	gint syn = -1, req = -1, resp = -1, breq = -1, bresp = -1, decided = -1, query = -1, answer = -1;
	for (guint i = 0; i < lg.ev->len; i++) {
		const tevent *e = &g_array_index(lg.ev, tevent, i);
		if (e->nopkt && decided < 0)
			decided = (gint)i;
		if (e->kind != NET_TRACE_SEND)
			continue;
		if (!client && strcmp(e->n->name, from) == 0)
			client = e->n;
		/* A load balancer or endpoint is looked up first (DNS, UDP 53). */
		if (!udp && e->dns) {
			if (e->n == client && query < 0)
				query = (gint)i;
			else if (query >= 0 && answer < 0 && e->sport == 53)
				answer = (gint)i;
			continue;
		}
		if (e->n == client && syn < 0 && (e->flags & PKT_TCP_SYN))
			syn = (gint)i;
		else if (e->n == client && req < 0 && e->payload > 0)
			req = (gint)i;
		/* Behind an ALB or an NLB's TLS listener: its own request to a
		 * target, and the answer (to the ALB's address, or on the NLB's
		 * connection, which may carry the client's address). */
		else if (breq < 0 && e->payload > 0 &&
		         (((e->pflags & PKT_F_LB_BACKEND) && strcmp(e->n->ops->kind, "alb") == 0) ||
		          ((e->pflags & PKT_F_NLB_RELAY) && nlb_is(e->n))))
			breq = (gint)i;
		else if (breq >= 0 && bresp < 0 && e->payload > 0 && strcmp(e->n->ops->kind, "host") == 0 &&
		         ((e->pflags & PKT_F_LB_BACKEND) || answers(e, &g_array_index(lg.ev, tevent, breq))))
			bresp = (gint)i;
	}
	/* The response: the first payload segment arriving at the client. */
	for (guint i = 0; resp < 0 && client && i < lg.ev->len; i++) {
		const tevent *e = &g_array_index(lg.ev, tevent, i);
		if (e->kind == NET_TRACE_ARRIVE && e->n == client && e->payload > 0 && !(e->dns && !udp)) {
			/* Walk back to where that packet was sent. */
			for (guint j = 0; j < i; j++) {
				const tevent *s = &g_array_index(lg.ev, tevent, j);
				if (s->kind == NET_TRACE_SEND && same_packet(s, e)) {
					resp = (gint)j;
					break;
				}
			}
		}
	}
	sim_time t0 = query >= 0 ? g_array_index(lg.ev, tevent, query).t
	              : syn >= 0 ? g_array_index(lg.ev, tevent, syn).t : 0;
	gboolean dropped = FALSE;
	if (query >= 0)
		dropped |= print_journey(&lg, (guint)query, "the DNS query for the target's name", "dns-query", t0, js);
	if (answer >= 0 && !dropped)
		dropped |= print_journey(&lg, (guint)answer, "the resolver's answer", "dns-answer", t0, js);
	if (syn >= 0 && !dropped)
		dropped |= print_journey(&lg, (guint)syn, "the connection's SYN", "syn", t0, js);
	if (req >= 0 && !dropped)
		dropped |= print_journey(&lg, (guint)req, udp ? "the datagram" : "the request's first segment",
		                        udp ? "datagram" : "request", t0, js);
	const tevent *dec = decided >= 0 && !dropped ? &g_array_index(lg.ev, tevent, decided) : NULL;
	if (dec && !js)
		printf("\n%.3f ms: %s decides: %s\n", (double)(dec->t - t0) / 1e6, dec->n->name, dec->text);
	if (breq >= 0 && !dropped)
		dropped |= print_journey(&lg, (guint)breq, "the load balancer's request to the target",
		                        "lb-request", t0, js);
	if (bresp >= 0 && !dropped)
		dropped |= print_journey(&lg, (guint)bresp, "the target's response to the load balancer",
		                        "lb-response", t0, js);
	if (resp >= 0 && !dropped)
		dropped |= print_journey(&lg, (guint)resp, "the response's first segment", "response", t0, js);
	if (!arrived) {
		/* None of the packets followed was dropped: the first packet of
		 * the exchange that was (a SYN-ACK a network ACL denies, a
		 * response a security group drops) is shown instead. */
		for (guint i = 0; !dropped && i < lg.ev->len; i++) {
			const tevent *e = &g_array_index(lg.ev, tevent, i);
			if (e->kind != NET_TRACE_DROP || e->nopkt)
				continue;
			for (guint j = 0; j < i; j++) {
				const tevent *sent = &g_array_index(lg.ev, tevent, j);
				if (sent->kind != NET_TRACE_SEND || !same_packet(sent, e))
					continue;
				char *title = g_strdup_printf("the first packet dropped (sent by %s)", sent->n->name);
				dropped = print_journey(&lg, j, title, "dropped-packet", t0, js);
				g_free(title);
				break;
			}
		}
	}
	const char *since = udp ? "one way" : query >= 0 ? "from the DNS query to the last byte of the response"
	                                                : "from the SYN to the last byte of the response";
	if (js) {
		g_string_append(js, "],\"decision\":");
		if (dec) {
			g_string_append_printf(js, "{\"t_ms\":%.6f,\"node\":", (double)(dec->t - t0) / 1e6);
			report_json_str(js, dec->n->name);
			g_string_append(js, ",\"text\":");
			report_json_str(js, dec->text);
			if (explanation_code(dec->text)) {
				g_string_append(js, ",\"code\":");
				report_json_str(js, explanation_code(dec->text));
			}
			g_string_append_c(js, '}');
		} else {
			g_string_append(js, "null");
		}
		g_string_append_printf(js, ",\"arrived\":%s,\"latency_ms\":", arrived ? "true" : "false");
		if (arrived)
			g_string_append_printf(js, "%.6f", (double)hdr_max(rw->latency) / 1e6);
		else
			g_string_append(js, "null");
		g_string_append_printf(js, ",\"non_2xx\":%s", arrived && rw->non_2xx ? "true" : "false");
		g_string_append(js, ",\"latency_is\":");
		report_json_str(js, since);
		g_string_append(js, ",\"charges\":[");
	}
	if (arrived) {
		if (!js)
			printf("\nthe request completed in %.3f ms (%s)%s\n", (double)hdr_max(rw->latency) / 1e6,
			       since, rw->non_2xx ? ", answered with a status outside 2xx" : "");
		if (r->ledger && !js)
			printf("charged for this request (all its packets):\n");
		for (guint i = 0; r->ledger && i < cost_ledger_n_lines(r->ledger); i++) {
			const cost_line *l = cost_ledger_line_at(r->ledger, i);
			if (l->kind != COST_PER_GB || l->bytes == 0)
				continue;
			if (!js) {
				printf("  %-24s %-18s %8" G_GUINT64_FORMAT " bytes  %.9f USD\n", l->component, l->type,
				       (guint64)l->bytes, l->run_usd);
				continue;
			}
			if (js->str[js->len - 1] == '}')
				g_string_append_c(js, ',');
			g_string_append(js, "{\"component\":");
			report_json_str(js, l->component);
			g_string_append(js, ",\"type\":");
			report_json_str(js, l->type);
			g_string_append_printf(js, ",\"bytes\":%" G_GUINT64_FORMAT ",\"usd\":%.9f}",
			                       (guint64)l->bytes, l->run_usd);
		}
		rc = CLI_OK;
	} else {
		if (!js) {
			printf("\nthe request did not arrive");
			if (!dropped)
				printf(" (no drop was traced: see vpcsim run for the drop counts)");
			printf("\n");
		}
		rc = CLI_FAIL;
	}
	if (js) {
		g_string_append(js, "]}\n");
		fputs(js->str, stdout);
		g_string_free(js, TRUE);
	}
out:
	for (guint i = 0; i < lg.ev->len; i++)
		g_free(g_array_index(lg.ev, tevent, i).text);
	g_array_unref(lg.ev);
	report_free(r);
	world_free(w);
	if (wl.clients)
		g_array_unref(wl.clients);
	if (wl.targets)
		g_array_unref(wl.targets);
	dist_clear(&wl.interval);
	dist_clear(&wl.request_size);
	dist_clear(&wl.response_size);
	dist_clear(&wl.think_time);
	scenario_free(sc);
	g_strfreev(sets);
	g_free(from);
	g_free(to);
	g_free(format_s);
	g_free(max_memory);
	g_free(max_events);
	return rc;
}
