/* \summary: builds the network of a scenario, runs it, and turns what it measured into a report */
#include "build.h"
#include "world.h"

#include <math.h>

#include <string.h>

#include "dns.h"
#include "error.h"
#include "host.h"
#include "internet.h"
#include "keymap.h"
#include "lbhealth.h"
#include "nlb.h"
#include "pcapw.h"
#include "sg.h"
#include "vpc.h"

/* What the report needs to know about one workload while it runs. */
typedef struct {
	int index;                /* into the world's workloads (see wl_at) */
	GPtrArray *runs;          /* host_workload * per client (HTTP) */
	GPtrArray *flows;         /* host_udp_flow * per client (UDP) */
	hdr_hist *latency;        /* every client's, one histogram per workload */
	uint64_t track_flow;      /* flow id of the first request packet seen, 0 = none yet */
	const char *track_client; /* who sent it */
	const char *track_server; /* who received it */
	/* Through an ALB a request is two connections: the legs seen arriving
	 * at the ALB are kept until the other leg completes the path. */
	GPtrArray *front_req;     /* client ... ALB */
	GPtrArray *back_resp;     /* target ... ALB */
	/* Behind VPC Lattice the front leg ends at Lattice, and Lattice's own
	 * connection to the ALB is one leg more each way (added once). */
	gboolean behind_lattice, lattice_req, lattice_resp;
	/* Where the tracked request's time went, leg by leg (report_step). */
	GArray *req_steps, *resp_steps;
	sim_time leg_end;         /* when the last recorded leg reached its end */
	sim_time req_arrived;     /* when the request reached the server */
	/* Address rewrites along the tracked request's way, and along its
	 * response's (collected per flow until the response's flow is known). */
	GPtrArray *req_rewrites, *resp_rewrites; /* char * "node: what" */
	uint64_t rw_from;         /* the first world pending rewrite (rw_seq) it may use */
	GPtrArray *request_path;  /* char *, NULL until recorded */
	GPtrArray *response_path;
	uint64_t request_bytes, response_bytes;
	/* At the end of the sending time: requests sent, and those neither
	 * completed nor failed (the backlog a saturated path builds). */
	uint64_t sent_at_end, backlog_at_end;
} wl_state;

/* Per instance (and per service host): its security groups and which of
 * its flows belong to which workload. */
typedef struct {
	world *w;
	const char *name;
	int vpc;                  /* the host's VPC; -1 for a service */
	sg_eni *sg;               /* NULL: no security group check (service hosts) */
	keymap remote_to_wl;      /* remote_key(ip, port) -> wl_state *, for clients */
} host_ctx;

struct world {
	const scenario *sc;
	net *net;
	fabric fab;
	cost_ledger *ledger;
	sg_world *sgw;
	GPtrArray *routers;   /* vpc_router * per VPC */
	GPtrArray *resolvers; /* dns_resolver * per VPC (nodes of the net) */
	GPtrArray *nodes_of[GK_N]; /* per kind: node * per element (world_set_node), or NULL */
	GPtrArray *hosts;     /* host * per instance */
	GPtrArray *ctxs;      /* host_ctx * per instance, then per service */
	GPtrArray *wls;       /* wl_state * per workload */
	gboolean backlog_snapped; /* snap_backlog() ran, at the end of sending */
	node *region;
	net_tracer watch;     /* path_watch while paths are being recorded */
	keymap alb_ips;       /* vpc_addr_key(VPC, ALB node address) -> the world: traffic to them
	                       * from targets is back end */
	GArray *mtus;         /* uint32_t per instance, while the kinds build */
	sim_time end;
	const sc_workload *only; /* world_options.only_workload */
	/* What the path watch and the filters look at, so that a packet costs
	 * the same whatever the number of workloads: */
	GHashTable *tracked;      /* flow id -> wl_state * tracking that flow */
	guint tracked_unseen;     /* workloads with a track_flow and no request_path yet */
	GPtrArray *await_back;    /* wl_state *: front leg at an ALB seen, request not at a target */
	GPtrArray *await_back_resp; /* wl_state *: through an ALB, target's answer not seen */
	/* Payload rewrites while some HTTP workload waits for its response,
	 * in one store for all of them (each used to keep its own copy):
	 * flow id -> GArray of pending_rw; a workload uses those numbered from
	 * its rw_from, PENDING_MAX of them at most. */
	GHashTable *pending;
	uint64_t rw_seq, rw_limit;
	guint n_pending;          /* HTTP workloads with a request path and no response path */
	guint paths_left;         /* workloads whose paths are not all known */
};

typedef struct {
	uint64_t seq;
	char *text;               /* "node: what" */
} pending_rw;

static void pending_free(gpointer data)
{
	GArray *a = data;
	for (guint i = 0; i < a->len; i++)
		g_free(g_array_index(a, pending_rw, i).text);
	g_array_unref(a);
}

/* The workloads this world runs: the scenario's, or the one given. */
static guint wl_count(const world *w) { return w->only ? 1 : w->sc->workloads->len; }
static const sc_workload *wl_at(const world *w, guint i)
{
	return w->only ? w->only : SC_AT(w->sc->workloads, sc_workload, i);
}

static keymap_key vpc_addr_key(int vpc, uint32_t ip)
{
	uint64_t k = ((uint64_t)(guint)vpc << 32) | ip;
	return keymap_key_of(&k, sizeof k);
}

static keymap_key remote_key(uint32_t ip, uint16_t tport)
{
	uint64_t k = ((uint64_t)ip << 16) | tport;
	return keymap_key_of(&k, sizeof k);
}

/* ---- filters: security groups, path and byte accounting ---- */

static wl_state *client_wl(host_ctx *c, uint32_t ip, uint16_t tport)
{
	return keymap_len(&c->remote_to_wl) ? keymap_get(&c->remote_to_wl, remote_key(ip, tport)) : NULL;
}

static GPtrArray *hop_names(world *w, const char *first, const pkt *p)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(a, g_strdup(first));
	for (guint i = 0; i < p->nhops; i++)
		g_ptr_array_add(a, g_strdup(((node *)g_ptr_array_index(w->net->nodes, p->hops[i]))->name));
	if (p->hops_overflow)
		g_ptr_array_add(a, g_strdup("..."));
	return a;
}

static const char *node_name(world *w, uint32_t id)
{
	return ((node *)g_ptr_array_index(w->net->nodes, id))->name;
}

/* Appends p's leg to `steps`: the link from its sender, then for each hop
 * the time in that construct (up to the last, where the leg ends: its
 * time there belongs to what comes next) and on the link after it.  When
 * the leg continues one that ended at `prev_end` (an ALB's second
 * connection), the time between is the construct's where they meet.
 * Returns when the leg ended. */
static sim_time add_leg(world *w, GArray *steps, const char *sender, const pkt *p, sim_time prev_end)
{
	if (p->hops_overflow || p->nhops == 0)
		return prev_end;
	if (prev_end >= 0)
		report_add_step(steps, sender, p->birth + p->sent - prev_end);
	char *what = g_strdup_printf("link %s > %s", sender, node_name(w, p->hops[0]));
	report_add_step(steps, what, (sim_time)p->hop_in[0] - p->sent);
	g_free(what);
	for (guint i = 0; i + 1 < p->nhops; i++) {
		report_add_step(steps, node_name(w, p->hops[i]), (sim_time)p->hop_out[i] - p->hop_in[i]);
		what = g_strdup_printf("link %s > %s", node_name(w, p->hops[i]), node_name(w, p->hops[i + 1]));
		report_add_step(steps, what, (sim_time)p->hop_in[i + 1] - p->hop_out[i]);
		g_free(what);
	}
	return p->birth + p->hop_in[p->nhops - 1];
}

/* A path leg recorded earlier, then the nodes p crossed. */
static GPtrArray *hop_join(world *w, const GPtrArray *first_leg, const pkt *p)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < first_leg->len; i++)
		g_ptr_array_add(a, g_strdup(g_ptr_array_index(first_leg, i)));
	for (guint i = 0; i < p->nhops; i++)
		g_ptr_array_add(a, g_strdup(((node *)g_ptr_array_index(w->net->nodes, p->hops[i]))->name));
	return a;
}

#define WATCH_FOR (2 * SIM_S) /* the path watch stops after this, whatever it saw */
#define PENDING_MAX 4096       /* rewrites kept while waiting for a response's flow */

/* Appends text unless the list has it: every segment of a flow meets the
 * same rewrites. */
static void add_once(GPtrArray *a, char *text)
{
	for (guint i = 0; i < a->len; i++)
		if (strcmp(g_ptr_array_index(a, i), text) == 0) {
			g_free(text);
			return;
		}
	g_ptr_array_add(a, text);
}

/* A construct that ends the client's TCP connection and opens its own: an
 * ALB, or VPC Lattice in front of one.  Behind Lattice the request path is
 * the client's leg to Lattice joined to the ALB's leg to the target (the
 * hop from Lattice to the ALB is not shown), and the response path the
 * target's leg to the ALB joined to Lattice's leg to the client. */
/* Does n end the connection p arrives on (p NULL: any it serves)?  An ALB
 * and Lattice always; an NLB on its TLS listeners only. */
static gboolean terminates(node *n, const pkt *p)
{
	return strcmp(n->ops->kind, "alb") == 0 || strcmp(n->ops->kind, "vpc-lattice") == 0 ||
	       (nlb_is(n) && nlb_ends(n, p));
}

/* A packet on a load balancer's own connection to a target. */
#define BACKEND_FLAGS (PKT_F_LB_BACKEND | PKT_F_NLB_RELAY)

static gboolean is_lattice(const node *n) { return strcmp(n->ops->kind, "vpc-lattice") == 0; }

/* A packet of Lattice's own connections (from or to 169.254.171.0/24). */
static gboolean lattice_leg(const pkt *p)
{
	return (pkt_ip_src(p) & 0xFFFFFF00u) == 0xA9FEAB00u || (pkt_ip_dst(p) & 0xFFFFFF00u) == 0xA9FEAB00u;
}

/* Appends the hops of p (a leg of Lattice's own connection) to a path. */
static void lattice_extend(world *w, GPtrArray *path, const pkt *p)
{
	for (guint i = 0; i < p->nhops; i++)
		g_ptr_array_add(path, g_strdup(node_name(w, p->hops[i])));
}

/* The address rewrites the tracked request and response meet: the
 * request's by its flow, the ALB's choice of a new connection, and, until
 * the response reaches the client, every payload packet's rewrites by flow
 * (the response's flow is known only when it arrives). */
static void watch_rewrites(world *w, const node *n, const pkt *p, net_trace_kind kind, const char *text)
{
	if (!p && kind == NET_TRACE_DECIDE && terminates((node *)n, NULL)) {
		for (guint i = 0; i < w->await_back->len; i++) {
			wl_state *ws = g_ptr_array_index(w->await_back, i);
			add_once(ws->req_rewrites, g_strdup_printf("%s: %s", n->name, text));
		}
	}
	if (!p || kind != NET_TRACE_REWRITE || !p->payload_len)
		return;
	wl_state *ws = g_hash_table_lookup(w->tracked, GSIZE_TO_POINTER((gsize)p->flow_id));
	if (ws && !ws->request_path)
		add_once(ws->req_rewrites, g_strdup_printf("%s: %s", n->name, text));
	if (w->n_pending && w->rw_seq < w->rw_limit) {
		GArray *a = g_hash_table_lookup(w->pending, GSIZE_TO_POINTER((gsize)p->flow_id));
		if (!a) {
			a = g_array_new(FALSE, FALSE, sizeof(pending_rw));
			g_hash_table_insert(w->pending, GSIZE_TO_POINTER((gsize)p->flow_id), a);
		}
		pending_rw e = { w->rw_seq++, g_strdup_printf("%s: %s", n->name, text) };
		g_array_append_val(a, e);
	}
}

static void await_remove(GPtrArray *a, wl_state *ws)
{
	g_ptr_array_remove(a, ws);
}

/* Keeps the lists current when ws learns its front leg or its server. */
/* Adds ws to *done, creating the array on first use: the packets that
 * finish a workload's path are few, and the rest should allocate nothing. */
static void done_add(GPtrArray **done, wl_state *ws)
{
	if (!*done)
		*done = g_ptr_array_new();
	g_ptr_array_add(*done, ws);
}

static void await_update(world *w, wl_state *ws)
{
	if (ws->front_req && !ws->request_path && !g_ptr_array_find(w->await_back, ws, NULL))
		g_ptr_array_add(w->await_back, ws);
	if (ws->request_path)
		await_remove(w->await_back, ws);
	if (ws->front_req && ws->track_server && !ws->back_resp &&
	    !g_ptr_array_find(w->await_back_resp, ws, NULL))
		g_ptr_array_add(w->await_back_resp, ws);
	if (ws->back_resp)
		await_remove(w->await_back_resp, ws);
}

/* Watches the early packets of a run to record the tracked request's
 * legs that end at an ALB and the address rewrites on the way; switched
 * off (world_run) once every workload has both paths, so it costs nothing
 * after. */
static void path_watch(void *ud, sim_time t, const node *n, const pkt *p, net_trace_kind kind,
                       const char *text)
{
	(void)t;
	world *w = ud;
	if (kind == NET_TRACE_REWRITE || kind == NET_TRACE_DECIDE) {
		watch_rewrites(w, n, p, kind, text);
		return;
	}
	if (kind != NET_TRACE_ARRIVE || !p || !p->payload_len || !terminates((node *)n, p))
		return;
	if (lattice_leg(p)) {
		/* Lattice's own connection to the ALB: its request leg (arriving at
		 * the ALB) follows the client's leg, its response leg (arriving at
		 * Lattice) the target's. */
		for (guint i = 0; i < w->wls->len; i++) {
			wl_state *ws = g_ptr_array_index(w->wls, i);
			if (!ws->behind_lattice)
				continue;
			if (!is_lattice(n) && ws->front_req && !ws->request_path && !ws->lattice_req) {
				ws->lattice_req = TRUE;
				ws->leg_end = add_leg(w, ws->req_steps,
				                      g_ptr_array_index(ws->front_req, ws->front_req->len - 1), p,
				                      ws->leg_end);
				lattice_extend(w, ws->front_req, p);
			} else if (is_lattice(n) && ws->back_resp && !ws->response_path && !ws->lattice_resp) {
				ws->lattice_resp = TRUE;
				ws->leg_end = add_leg(w, ws->resp_steps,
				                      g_ptr_array_index(ws->back_resp, ws->back_resp->len - 1), p,
				                      ws->leg_end);
				lattice_extend(w, ws->back_resp, p);
			}
		}
	}
	wl_state *first = g_hash_table_lookup(w->tracked, GSIZE_TO_POINTER((gsize)p->flow_id));
	if (first && !first->front_req) {
		first->front_req = hop_names(w, first->track_client, p);
		first->leg_end = add_leg(w, first->req_steps, first->track_client, p, -1);
		first->behind_lattice = is_lattice(n);
	} else {
		first = NULL;
	}
	if (p->flags & BACKEND_FLAGS) {
		GPtrArray *done = NULL;
		for (guint i = 0; i < w->await_back_resp->len; i++) {
			wl_state *ws = g_ptr_array_index(w->await_back_resp, i);
			if (ws == first)
				continue;
			ws->back_resp = hop_names(w, ws->track_server, p);
			report_add_step(ws->resp_steps, ws->track_server, p->birth + p->sent - ws->req_arrived);
			ws->leg_end = add_leg(w, ws->resp_steps, ws->track_server, p, -1);
			done_add(&done, ws);
		}
		for (guint i = 0; done && i < done->len; i++)
			await_update(w, g_ptr_array_index(done, i));
		if (done)
			g_ptr_array_unref(done);
	}
	if (first)
		await_update(w, first);
}

/* Traffic between an instance and its VPC's Route 53 Resolver: security
 * groups do not filter it ("Amazon DNS", in the list of traffic security
 * groups don't filter, AWS's security group rules page), and it belongs to
 * no workload's bytes. */
static gboolean resolver_traffic(const host_ctx *c, const pkt *p, gboolean out)
{
	if (c->vpc < 0 || pkt_proto(p) != PKT_PROTO_UDP)
		return FALSE;
	uint32_t r = dns_resolver_address(c->w->sc, c->vpc);
	return out ? pkt_ip_dst(p) == r && pkt_dport(p) == DNS_PORT
	           : pkt_ip_src(p) == r && pkt_sport(p) == DNS_PORT;
}

static int filter_out(host *h, pkt *p, void *ud)
{
	(void)h;
	host_ctx *c = ud;
	const char *denied;
	if (resolver_traffic(c, p, TRUE))
		return HOST_ALLOW;
	if (c->sg && !sg_allow_out(c->sg, p, &denied)) {
		NET_TRACE(c->w->net, host_node(h), p, NET_TRACE_DECIDE, "outbound: no rule of %s allows it", denied);
		net_note_drop_detail(host_node(h), DROP_SG, denied);
		return DROP_SG;
	}
	if (c->sg)
		NET_TRACE(c->w->net, host_node(h), p, NET_TRACE_DECIDE, "security group, outbound: %s",
		          sg_last_rule(c->sg));
	/* Keyed by VPC too: with overlapping CIDRs another VPC may use the
	 * same address as an ALB node. */
	wl_state *ws = client_wl(c, pkt_ip_dst(p), pkt_dport(p));
	if (!ws && c->vpc >= 0 && keymap_get(&c->w->alb_ips, vpc_addr_key(c->vpc, pkt_ip_dst(p))))
		p->flags |= PKT_F_LB_BACKEND;
	if (ws) {
		ws->request_bytes += pkt_ip_len(p);
		if (!ws->track_flow && p->payload_len) {
			ws->track_flow = p->flow_id;
			ws->track_client = c->name;
			g_hash_table_insert(c->w->tracked, GSIZE_TO_POINTER((gsize)p->flow_id), ws);
			c->w->tracked_unseen += !ws->request_path;
		}
	}
	return HOST_ALLOW;
}

static int filter_in(host *h, pkt *p, void *ud)
{
	host_ctx *c = ud;
	const char *denied;
	if (resolver_traffic(c, p, FALSE))
		return HOST_ALLOW;
	if (c->sg && !sg_allow_in(c->sg, p, &denied)) {
		NET_TRACE(c->w->net, host_node(h), p, NET_TRACE_DECIDE, "inbound: no rule of %s allows it", denied);
		net_note_drop_detail(host_node(h), DROP_SG, denied);
		return DROP_SG;
	}
	if (c->sg)
		NET_TRACE(c->w->net, host_node(h), p, NET_TRACE_DECIDE, "security group, inbound: %s",
		          sg_last_rule(c->sg));
	world *w = c->w;
	wl_state *ws = client_wl(c, pkt_ip_src(p), pkt_sport(p));
	if (ws) {
		ws->response_bytes += pkt_ip_len(p);
		if (!ws->response_path && p->payload_len && ws->request_path && ws->track_client == c->name) {
			GArray *a = g_hash_table_lookup(w->pending, GSIZE_TO_POINTER((gsize)p->flow_id));
			for (guint k = 0; a && k < a->len; k++) {
				const pending_rw *e = &g_array_index(a, pending_rw, k);
				if (e->seq >= ws->rw_from && e->seq < ws->rw_from + PENDING_MAX)
					add_once(ws->resp_rewrites, g_strdup(e->text));
			}
			w->paths_left--;
			if (wl_at(w, (guint)ws->index)->kind != SC_WL_UDP && --w->n_pending == 0)
				g_hash_table_remove_all(w->pending);
			if (ws->back_resp) {
				ws->response_path = hop_join(w, ws->back_resp, p);
				/* From the ALB: its time starts when the target's answer reached it. */
				add_leg(w, ws->resp_steps, g_ptr_array_index(ws->back_resp, ws->back_resp->len - 1), p,
				        ws->leg_end);
			} else {
				ws->response_path = hop_names(w, ws->track_server ? ws->track_server : "server", p);
				report_add_step(ws->resp_steps, ws->track_server ? ws->track_server : "server",
				                p->birth + p->sent - ws->req_arrived);
				add_leg(w, ws->resp_steps, ws->track_server ? ws->track_server : "server", p, -1);
			}
		}
	}
	if (p->payload_len) {
		GPtrArray *done = NULL;
		/* Once every tracked request has reached its target, no packet
		 * needs the lookup. */
		wl_state *t = w->tracked_unseen
		                ? g_hash_table_lookup(w->tracked, GSIZE_TO_POINTER((gsize)p->flow_id)) : NULL;
		if (t && !t->request_path) {
			w->tracked_unseen--;
			t->request_path = hop_names(w, t->track_client, p);
			t->track_server = c->name;
			add_leg(w, t->req_steps, t->track_client, p, -1);
			t->req_arrived = net_now(w->net);
			done_add(&done, t);
		}
		if (p->flags & BACKEND_FLAGS) {
			for (guint i = 0; i < w->await_back->len; i++) {
				t = g_ptr_array_index(w->await_back, i);
				if (t->request_path)
					continue;
				t->request_path = hop_join(w, t->front_req, p);
				if (t->track_flow)
					w->tracked_unseen--;
				t->track_server = c->name;
				add_leg(w, t->req_steps, g_ptr_array_index(t->front_req, t->front_req->len - 1), p,
				        t->leg_end);
				t->req_arrived = net_now(w->net);
				done_add(&done, t);
			}
		}
		for (guint i = 0; done && i < done->len; i++) {
			t = g_ptr_array_index(done, i);
			if (wl_at(w, (guint)t->index)->kind == SC_WL_UDP) {
				w->paths_left--;
			} else {
				t->rw_from = w->rw_seq;
				w->rw_limit = w->rw_seq + PENDING_MAX;
				w->n_pending++;
			}
			await_update(w, t);
		}
		if (done)
			g_ptr_array_unref(done);
	}
	return HOST_ALLOW;
}

/* ---- building ---- */

static void link_to(world *w, port *a, port *b, uint64_t bps)
{
	link_new(w->net, a, b, 0, bps, w->fab.prof->limits.queue_bytes);
}

static host_ctx *ctx_new(world *w, const char *name)
{
	host_ctx *c = g_new0(host_ctx, 1);
	c->w = w;
	c->name = name;
	g_ptr_array_add(w->ctxs, c);
	return c;
}

static void ctx_free(gpointer data)
{
	host_ctx *c = data;
	sg_eni_free(c->sg);
	keymap_clear(&c->remote_to_wl);
	g_free(c);
}

static void wl_free(gpointer data)
{
	wl_state *ws = data;
	g_ptr_array_unref(ws->runs);
	g_ptr_array_unref(ws->flows);
	hdr_free(ws->latency);
	if (ws->request_path)
		g_ptr_array_unref(ws->request_path);
	if (ws->response_path)
		g_ptr_array_unref(ws->response_path);
	g_ptr_array_unref(ws->req_rewrites);
	g_ptr_array_unref(ws->resp_rewrites);
	report_steps_free(ws->req_steps);
	report_steps_free(ws->resp_steps);
	if (ws->front_req)
		g_ptr_array_unref(ws->front_req);
	if (ws->back_resp)
		g_ptr_array_unref(ws->back_resp);
	g_free(ws);
}

static const char *port_peer_name(const port *p)
{
	return p->link ? link_peer(p)->node->name : "unlinked";
}

static gboolean capture_wanted(const char *spec, const node *n)
{
	if (!spec || strcmp(spec, "all") == 0)
		return TRUE;
	if (strcmp(spec, "none") == 0)
		return FALSE;
	gboolean hit = FALSE;
	char **names = g_strsplit(spec, ",", -1);
	for (char **s = names; *s && !hit; s++)
		hit = g_pattern_match_simple(g_strstrip(*s), n->name);
	g_strfreev(names);
	return hit;
}

/* The command line's capture points and snap length, else the scenario's. */
static gboolean setup_captures(world *w, const world_options *opt, GError **error)
{
	const char *spec = opt->capture ? opt->capture : w->sc->capture;
	uint32_t snaplen = opt->snaplen ? opt->snaplen : w->sc->snaplen;
	g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < w->net->nodes->len; i++) {
		node *n = g_ptr_array_index(w->net->nodes, i);
		if (!capture_wanted(spec, n))
			continue;
		for (guint j = 0; j < n->ports->len; j++) {
			port *p = node_port(n, j);
			if (!p->link)
				continue;
			char *name = g_strdup_printf("%s-%s-%s", w->sc->name, n->name, port_peer_name(p));
			/* Two ports towards one node (a TGW's attachment ENIs in two
			 * AZs) get -2, -3, ... in port order. */
			for (int k = 2; g_hash_table_contains(used, name); k++) {
				g_free(name);
				name = g_strdup_printf("%s-%s-%s-%d", w->sc->name, n->name, port_peer_name(p), k);
			}
			g_hash_table_add(used, g_strdup(name));
			gboolean ok = net_capture(w->net, p, opt->pcap_dir, name, snaplen, error);
			g_free(name);
			if (!ok)
				return FALSE;
		}
	}
	return TRUE;
}

/* An instance serves HTTP on a port, once (the first workload's think
 * time wins; response sizes travel with each request). */
static gboolean serve(world *w, GHashTable *seen, int inst, uint16_t tport, const sc_workload *sw,
                      gboolean tls, GError **error)
{
	gpointer key = GSIZE_TO_POINTER(((gsize)inst << 16) | tport);
	if (g_hash_table_contains(seen, key))
		return TRUE;
	g_hash_table_add(seen, key);
	host_http_server_config hc = { .port = tport, .think = sw->think_time, .response_size = sw->response_size };
	if (tls) {
		/* A target group of protocol https: the instance serves HTTPS
		 * with a chain of the profile's size. */
		hc.tls = TRUE;
		hc.cert_bytes = (uint32_t)w->sc->profile->tls.certificate_bytes;
		hc.cert_count = MIN(w->sc->profile->tls.certificate_count, hc.cert_bytes);
	}
	return host_serve_http(g_ptr_array_index(w->hosts, inst), &hc, error) != NULL;
}

/* Everything behind a load balancer's listener on `lport`: instance
 * targets serve, an ALB-type target group recurses into the ALB. */
static gboolean serve_lb(world *w, GHashTable *seen, int lb, uint16_t lport, const sc_workload *sw,
                         GError **error)
{
	const scenario *sc = w->sc;
	const sc_lb *l = SC_AT(sc->load_balancers, sc_lb, lb);
	for (guint i = 0; i < l->listeners->len; i++) {
		const sc_listener *li = SC_AT(l->listeners, sc_listener, i);
		if (li->port != lport)
			continue;
		GArray *tgs = g_array_new(FALSE, FALSE, sizeof(int));
		g_array_append_val(tgs, li->default_tg);
		for (guint r = 0; li->rules && r < li->rules->len; r++)
			g_array_append_val(tgs, SC_AT(li->rules, sc_lb_rule, r)->target_group);
		gboolean ok = TRUE;
		for (guint t = 0; t < tgs->len && ok; t++) {
			const sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, g_array_index(tgs, int, t));
			for (guint k = 0; k < tg->targets->len && ok; k++) {
				int target = g_array_index(tg->targets, int, k);
				ok = tg->type == SC_TG_ALB ? serve_lb(w, seen, target, tg->port, sw, error)
				                           : serve(w, seen, target, tg->port, sw, tg->tls, error);
			}
		}
		g_array_unref(tgs);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

/* Every instance a workload reaches serves HTTP on the port it is reached
 * on: directly, or behind load balancers and endpoint services. */
static gboolean build_servers(world *w, GError **error)
{
	const scenario *sc = w->sc;
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	gboolean ok = TRUE;
	for (guint i = 0; i < wl_count(w) && ok; i++) {
		const sc_workload *sw = wl_at(w, i);
		for (guint t = 0; t < sw->targets->len && ok; t++) {
			int ti = g_array_index(sw->targets, int, t);
			switch (sw->target_kind) {
			case SC_TARGET_IS_INSTANCE:
				if (sw->kind == SC_WL_UDP)
					host_listen_udp(g_ptr_array_index(w->hosts, ti), sw->port);
				else
					ok = serve(w, seen, ti, sw->port, sw, FALSE, error);
				break;
			case SC_TARGET_IS_LB:
				ok = serve_lb(w, seen, ti, sw->port, sw, error);
				break;
			case SC_TARGET_IS_ENDPOINT: {
				const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, ti);
				if (e->kind == SC_IFE_ENDPOINT_SERVICE)
					ok = serve_lb(w, seen, SC_AT(sc->endpoint_services, sc_endpoint_service, e->service)->lb,
					              sw->port, sw, error);
				break;
			}
			case SC_TARGET_IS_KIND: {
				uint16_t lport = 0;
				int lb = sc_kinds[sw->target_gk]->target->lb(sc, ti, sw->port, &lport);
				if (lb >= 0)
					ok = serve_lb(w, seen, lb, lport, sw, error);
				break;
			}
			default:
				break;
			}
		}
	}
	g_hash_table_unref(seen);
	return ok;
}

/* The node's or ENI's address in the client's AZ, else the first. */
static uint32_t az_local_ip(const scenario *sc, const GArray *subnets, const GArray *ips, int client)
{
	int az = SC_AT(sc->subnets, sc_subnet, SC_AT(sc->instances, sc_instance, client)->subnet)->az_index;
	for (guint k = 0; k < subnets->len; k++)
		if (SC_AT(sc->subnets, sc_subnet, g_array_index(subnets, int, k))->az_index == az)
			return g_array_index(ips, uint32_t, k);
	return g_array_index(ips, uint32_t, 0);
}

/* Where a client sends its requests for target `ti` of a workload: the
 * addresses it may connect to (into `ips`) and, when it finds them by DNS,
 * the name it asks for (returned, to free; NULL for an address).  An
 * instance or a service has its address.  A load balancer's name resolves
 * to its node in every AZ (the public addresses of an internet-facing one,
 * whoever asks); an endpoint's regional or private name to its ENI in every
 * AZ, a zonal name to one (the client's AZ's, else the first).  With
 * resolve = az-local there is no name: the node or ENI in the client's AZ,
 * else the first. */
/* The route a packet from `subnet` to `dst` takes (longest prefix; the
 * implicit local route is in every table). */
static const sc_route *route_for(const scenario *sc, int subnet, uint32_t dst)
{
	int rt = scenario_subnet_route_table(sc, subnet);
	if (rt < 0)
		return NULL;
	const sc_route_table *t = SC_AT(sc->route_tables, sc_route_table, rt);
	const sc_route *best = NULL;
	for (guint i = 0; i < t->routes->len; i++) {
		const sc_route *r = SC_AT(t->routes, sc_route, i);
		if (sc_cidr_contains(r->dst, dst) && (!best || r->dst.len > best->dst.len))
			best = r;
	}
	return best;
}

/* The address a client uses for an instance: its private one, unless the
 * instance has a public address and the client's routes reach the private
 * one only by way of the internet (no route, or the default route to an
 * internet or NAT gateway), as for a server in another VPC with neither
 * peering nor a transit gateway between them. */
static uint32_t instance_address(const scenario *sc, int ti, int client)
{
	const sc_instance *t = SC_AT(sc->instances, sc_instance, ti);
	if (!t->public_ip || client < 0)
		return t->ip;
	const sc_route *r = route_for(sc, SC_AT(sc->instances, sc_instance, client)->subnet, t->ip);
	return !r || r->kind == SC_TARGET_IGW || r->kind == SC_TARGET_NATGW ? t->public_ip : t->ip;
}

static char *target_addresses(const scenario *sc, const sc_workload *sw, int ti, int client, GArray *ips)
{
	g_array_set_size(ips, 0);
	const GArray *subnets = NULL, *all = NULL;
	uint32_t one = 0;
	switch (sw->target_kind) {
	case SC_TARGET_IS_INSTANCE: one = instance_address(sc, ti, client); break;
	case SC_TARGET_IS_SERVICE: one = SC_AT(sc->services, sc_service, ti)->ip; break;
	case SC_TARGET_IS_LB: {
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, ti);
		subnets = lb->subnets;
		all = lb->internet_facing ? lb->node_public_ips : lb->node_ips;
		break;
	}
	case SC_TARGET_IS_ENDPOINT:
		subnets = SC_AT(sc->interface_endpoints, sc_interface_endpoint, ti)->subnets;
		all = SC_AT(sc->interface_endpoints, sc_interface_endpoint, ti)->ips;
		break;
	case SC_TARGET_IS_KIND: {
		int az = SC_AT(sc->subnets, sc_subnet, SC_AT(sc->instances, sc_instance, client)->subnet)->az_index;
		return sc_kinds[sw->target_gk]->target->addresses(sc, ti, az, sw->resolve == SC_RESOLVE_DNS, ips);
	}
	}
	if (!all) {
		g_array_append_val(ips, one);
		return NULL;
	}
	if (sw->resolve == SC_RESOLVE_AZ_LOCAL) {
		one = az_local_ip(sc, subnets, all, client);
		g_array_append_val(ips, one);
		return NULL;
	}
	if (sw->target_kind == SC_TARGET_IS_LB) {
		g_array_append_vals(ips, all->data, all->len);
		return dns_lb_name(sc, ti);
	}
	switch (sw->dns_name) {
	case SC_DNS_ZONAL: {
		one = az_local_ip(sc, subnets, all, client);
		guint k = 0;
		while (g_array_index(all, uint32_t, k) != one)
			k++;
		g_array_append_val(ips, one);
		return dns_endpoint_name(sc, ti, (int)k);
	}
	case SC_DNS_PRIVATE:
		g_array_append_vals(ips, all->data, all->len);
		return dns_private_name(sc, ti);
	case SC_DNS_REGIONAL:
		break;
	}
	g_array_append_vals(ips, all->data, all->len);
	return dns_endpoint_name(sc, ti, -1);
}

/* Does a client reaching load balancer `lb` on `lport` speak TLS?  Yes for
 * an HTTPS listener, and through a tcp listener that forwards to an ALB
 * (PrivateLink's NLB), if that ALB's listener is HTTPS: the NLB passes the
 * bytes through. */
static gboolean lb_speaks_tls(const scenario *sc, int lb, uint16_t lport, int depth)
{
	const sc_lb *l = SC_AT(sc->load_balancers, sc_lb, lb);
	for (guint i = 0; l->listeners && i < l->listeners->len && depth < 4; i++) {
		const sc_listener *li = SC_AT(l->listeners, sc_listener, i);
		if (li->port != lport)
			continue;
		if (li->tls)
			return TRUE;
		const sc_target_group *tg = li->default_tg >= 0
		        ? SC_AT(sc->target_groups, sc_target_group, li->default_tg) : NULL;
		if (tg && tg->type == SC_TG_ALB && tg->targets->len == 1)
			return lb_speaks_tls(sc, g_array_index(tg->targets, int, 0), tg->port, depth + 1);
	}
	return FALSE;
}

static gboolean workload_tls(const scenario *sc, const sc_workload *sw)
{
	if (sw->targets->len != 1)
		return FALSE;
	int t = g_array_index(sw->targets, int, 0);
	if (sw->target_kind == SC_TARGET_IS_LB)
		return lb_speaks_tls(sc, t, sw->port, 0);
	if (sw->target_kind == SC_TARGET_IS_ENDPOINT) {
		const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, t);
		if (e->kind == SC_IFE_ENDPOINT_SERVICE && e->service >= 0) {
			int lb = SC_AT(sc->endpoint_services, sc_endpoint_service, e->service)->lb;
			return lb >= 0 && lb_speaks_tls(sc, lb, sw->port, 0);
		}
	}
	return FALSE;
}

static void build_workloads(world *w)
{
	const scenario *sc = w->sc;
	for (guint i = 0; i < wl_count(w); i++) {
		const sc_workload *sw = wl_at(w, i);
		wl_state *ws = g_new0(wl_state, 1);
		ws->index = (int)i;
		ws->runs = g_ptr_array_new();
		ws->flows = g_ptr_array_new();
		/* One histogram for all the workload's clients: a report merges
		 * them anyway, and one per client was most of the heap with
		 * thousands of clients. */
		ws->latency = hdr_new(8);
		ws->req_steps = report_steps_new();
		ws->req_rewrites = g_ptr_array_new_with_free_func(g_free);
		ws->resp_rewrites = g_ptr_array_new_with_free_func(g_free);
		ws->resp_steps = report_steps_new();
		g_ptr_array_add(w->wls, ws);
		GArray *targets = g_array_new(FALSE, FALSE, sizeof(host_target));
		GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
		GArray *ips = g_array_new(FALSE, FALSE, sizeof(uint32_t));
		for (guint c = 0; c < sw->clients->len; c++) {
			int ci = g_array_index(sw->clients, int, c);
			g_array_set_size(targets, 0);
			g_ptr_array_set_size(names, 0);
			host_ctx *ctx = g_ptr_array_index(w->ctxs, ci);
			if (!ctx->remote_to_wl.slots)
				keymap_init(&ctx->remote_to_wl);
			for (guint t = 0; t < sw->targets->len; t++) {
				char *name = target_addresses(sc, sw, g_array_index(sw->targets, int, t), ci, ips);
				host_target ht = { .port = sw->port, .ip = g_array_index(ips, uint32_t, 0), .name = name };
				g_array_append_val(targets, ht);
				if (name)
					g_ptr_array_add(names, name);
				/* Every address the name may give is this workload's. */
				for (guint k = 0; k < ips->len; k++)
					keymap_put(&ctx->remote_to_wl, remote_key(g_array_index(ips, uint32_t, k), sw->port),
					           ws);
			}
			host *h = g_ptr_array_index(w->hosts, ci);
			if (sw->kind == SC_WL_UDP) {
				host_udp_config uc = {
					.name = sw->name,
					.targets = (host_target *)targets->data,
					.n_targets = targets->len,
					.interval = sw->interval,
					.size = sw->request_size,
					.count = sw->requests,
					.stop_at = sc->duration,
					.latency = ws->latency,
				};
				g_ptr_array_add(ws->flows, host_add_udp_flow(h, &uc));
				continue;
			}
			host_workload_config hc = {
				.name = sw->name,
				.targets = (host_target *)targets->data,
				.n_targets = targets->len,
				.interval = sw->interval,
				.count = sw->requests,
				.stop_at = sc->duration,
				.request_size = sw->request_size,
				.response_size = sw->response_size,
				.keepalive = sw->keepalive,
				.max_conns = sw->max_conns,
				.users = sw->users,
				.user_think = sw->user_think,
				.method = sw->method,
				.path = sw->path,
				.latency = ws->latency,
				.tls = workload_tls(sc, sw),
			};
			g_ptr_array_add(ws->runs, host_add_workload(h, &hc));
		}
		g_array_unref(targets);
		g_array_unref(ips);
		g_ptr_array_unref(names);
	}
}

/* ---- what the kinds' build steps see (world.h) ---- */

fabric *world_fabric(world *w) { return &w->fab; }
sg_world *world_sgw(world *w) { return w->sgw; }
node *world_region(world *w) { return w->region; }
uint32_t world_instance_mtu(const world *w, int instance)
{
	return g_array_index(w->mtus, uint32_t, instance);
}

vpc_router *world_router(world *w, int vpc)
{
	return g_ptr_array_index(w->routers, vpc);
}

void world_set_router(world *w, int vpc, vpc_router *r)
{
	g_assert((guint)vpc == w->routers->len);
	g_ptr_array_add(w->routers, r);
}

dns_resolver *world_resolver(world *w, int vpc)
{
	return g_ptr_array_index(w->resolvers, vpc);
}

void world_set_resolver(world *w, int vpc, dns_resolver *r)
{
	g_assert((guint)vpc == w->resolvers->len);
	g_ptr_array_add(w->resolvers, r);
}

void world_link(world *w, port *a, port *b, uint64_t bps)
{
	link_to(w, a, b, bps);
}

node *world_node(const world *w, int kind, int i)
{
	const GPtrArray *a = w->nodes_of[kind];
	return a && (guint)i < a->len ? g_ptr_array_index(a, i) : NULL;
}

void world_set_node(world *w, int kind, int i, node *n)
{
	if (!w->nodes_of[kind])
		w->nodes_of[kind] = g_ptr_array_new();
	GPtrArray *a = w->nodes_of[kind];
	if ((guint)i >= a->len)
		g_ptr_array_set_size(a, i + 1);
	a->pdata[i] = n;
}

void world_add_host(world *w, host *h, const char *name, int vpc, const GArray *sgs)
{
	const profile *pf = w->fab.prof;
	g_ptr_array_add(w->hosts, h);
	host_ctx *c = ctx_new(w, name);
	c->vpc = vpc;
	c->sg = sg_eni_new(w->sgw, sgs);
	host_set_filters(h, filter_out, filter_in, c);
	host_set_resolver(h, dns_resolver_address(w->sc, vpc), pf->dns.client_timeout,
	                  pf->dns.client_attempts);
}

void world_add_service_host(world *w, host *h, const char *name)
{
	host_ctx *c = ctx_new(w, name);
	c->vpc = -1;
	host_set_filters(h, NULL, filter_in, c);
}

void world_add_backend_address(world *w, int vpc, uint32_t ip)
{
	keymap_put(&w->alb_ips, vpc_addr_key(vpc, ip), w);
}

/* Each instance's MTU: its ENI's, the VPC's jumbo MTU (AWS: "all current
 * generation instance types support jumbo frames").  A host advertises the
 * MSS of that MTU whatever the path; what carries less clamps the SYN's
 * MSS (transit gateway, interface endpoint) or, where the sender's segment
 * does not fit, answers with an ICMP "fragmentation needed" (internet
 * gateway, transit gateway) that the sender's TCP acts on. */
static void instance_mtus(world *w)
{
	const scenario *sc = w->sc;
	w->mtus = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	for (guint i = 0; i < sc->instances->len; i++)
		g_array_append_val(w->mtus, sc->profile->mtu.vpc);
}

/* The region's public network, when a kind that joins it has an
 * element. */
static void build_region(world *w)
{
	for (int k = 0; k < GK_N; k++)
		if (sc_kinds[k]->public_network && w->sc->of[k]->len) {
			w->region = internet_new(&w->fab);
			return;
		}
}

static const sc_build own_build[] = { { 390, build_region }, { 0, NULL } };

static gint build_cmp(gconstpointer a, gconstpointer b)
{
	const sc_build *x = *(const sc_build *const *)a, *y = *(const sc_build *const *)b;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Every kind's build steps and ours, by order number (g_ptr_array_sort is
 * stable: equal numbers run in table order, ours last). */
static void run_build_steps(world *w)
{
	GPtrArray *steps = g_ptr_array_new();
	for (int k = 0; k < GK_N; k++)
		for (const sc_build *b = sc_kinds[k]->build; b && b->run; b++)
			g_ptr_array_add(steps, (gpointer)b);
	for (const sc_build *b = own_build; b->run; b++)
		g_ptr_array_add(steps, (gpointer)b);
	g_ptr_array_sort(steps, build_cmp);
	for (guint i = 0; i < steps->len; i++)
		((const sc_build *)steps->pdata[i])->run(w);
	g_ptr_array_unref(steps);
}

world *world_new(const scenario *sc, const world_options *opt, GError **error)
{
	world *w = g_new0(world, 1);
	w->sc = sc;
	w->net = net_new(sc->seed);
	if (opt && opt->fingerprint)
		net_fingerprint_start(w->net);
	w->ledger = prices_ledger_new(sc->prices);
	fabric_init(&w->fab, w->net, sc, w->ledger);
	w->sgw = sg_world_new(sc);
	w->routers = g_ptr_array_new();
	w->resolvers = g_ptr_array_new();
	w->hosts = g_ptr_array_new();
	w->ctxs = g_ptr_array_new_with_free_func(ctx_free);
	w->wls = g_ptr_array_new_with_free_func(wl_free);
	keymap_init(&w->alb_ips);
	w->end = sc->duration + sc->drain;
	w->only = opt ? opt->only_workload : NULL;
	w->tracked = g_hash_table_new(g_direct_hash, NULL);
	w->await_back = g_ptr_array_new();
	w->await_back_resp = g_ptr_array_new();
	w->pending = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, pending_free);
	w->paths_left = wl_count(w);

	instance_mtus(w);
	run_build_steps(w);
	g_clear_pointer(&w->mtus, g_array_unref);

	if (!build_servers(w, error)) {
		world_free(w);
		return NULL;
	}
	if (!(opt && opt->no_clients))
		build_workloads(w);
	/* It reads the text of decisions and rewrites only. */
	w->watch = (net_tracer){ .event = path_watch,
		                 .ud = w,
		                 .bare = (1u << NET_TRACE_ARRIVE) | (1u << NET_TRACE_DROP) |
		                         (1u << NET_TRACE_SEND) };
	w->net->tracer = &w->watch;

	if (opt && opt->pcap_dir && !setup_captures(w, opt, error)) {
		world_free(w);
		return NULL;
	}
	return w;
}

void world_free(world *w)
{
	if (!w)
		return;
	/* Nodes (hosts with their TCP stacks) go with the net. */
	net_free(w->net);
	g_ptr_array_unref(w->wls);
	g_ptr_array_unref(w->ctxs);
	g_ptr_array_unref(w->routers);
	g_ptr_array_unref(w->resolvers);
	g_ptr_array_unref(w->hosts);
	for (int k = 0; k < GK_N; k++)
		if (w->nodes_of[k])
			g_ptr_array_unref(w->nodes_of[k]);
	keymap_clear(&w->alb_ips);
	g_hash_table_unref(w->tracked);
	g_ptr_array_unref(w->await_back);
	g_ptr_array_unref(w->await_back_resp);
	g_hash_table_unref(w->pending);
	sg_world_free(w->sgw);
	fabric_clear(&w->fab);
	cost_ledger_free(w->ledger);
	g_free(w);
}

net *world_net(world *w) { return w->net; }

/* TRUE once every workload's paths are recorded (a UDP flow has no
 * response). */
static gboolean paths_known(world *w) { return w->paths_left == 0; }

static gboolean all_done(world *w)
{
	for (guint i = 0; i < w->wls->len; i++) {
		wl_state *ws = g_ptr_array_index(w->wls, i);
		for (guint k = 0; k < ws->runs->len; k++)
			if (!host_workload_done(g_ptr_array_index(ws->runs, k)))
				return FALSE;
		for (guint k = 0; k < ws->flows->len; k++)
			if (!host_udp_flow_result(g_ptr_array_index(ws->flows, k))->stopped)
				return FALSE;
	}
	return TRUE;
}

/* Records each workload's backlog when its sending time ends. */
static void snap_backlog(world *w)
{
	for (guint i = 0; i < w->wls->len; i++) {
		wl_state *ws = g_ptr_array_index(w->wls, i);
		uint64_t sent = 0, done = 0;
		for (guint k = 0; k < ws->runs->len; k++) {
			const host_workload_result *res = host_workload_get_result(g_ptr_array_index(ws->runs, k));
			sent += res->started;
			done += res->completed;
			for (int f = 1; f < HTTP_FAIL__COUNT; f++)
				done += res->failed[f];
		}
		for (guint k = 0; k < ws->flows->len; k++) {
			const host_udp_result *res = host_udp_flow_result(g_ptr_array_index(ws->flows, k));
			sent += res->sent;
			done += res->received;
		}
		ws->sent_at_end = sent;
		ws->backlog_at_end = sent > done ? sent - done : 0;
	}
}

gboolean world_run(world *w, volatile int *interrupt,
                   void (*progress)(sim_time now, sim_time end, void *ud), void *ud)
{
	sim *s = w->net->sim;
	/* Slices of 10 ms of simulated time, for the checks below; the engine
	 * itself looks at the interrupt flag every few thousand events, since
	 * events 0 ns apart may never let the clock reach a slice's end. */
	const sim_time slice = 10 * SIM_MS;
	gint64 last_report = g_get_monotonic_time();
	sim_set_interrupt(s, interrupt);
	gboolean interrupted = FALSE;
	while (sim_now(s) < w->end) {
		if (w->net->capture_failed)
			break;
		if (interrupt && *interrupt) {
			interrupted = TRUE;
			break;
		}
		sim_time next = MIN(sim_time_add_sat(sim_now(s), slice), w->end);
		/* Stop exactly where sending ends, to take the backlog there. */
		if (sim_now(s) < w->sc->duration)
			next = MIN(next, w->sc->duration);
		sim_run_until(s, next);
		if (!w->backlog_snapped && sim_now(s) >= w->sc->duration) {
			snap_backlog(w);
			w->backlog_snapped = TRUE;
		}
		/* A model could not go on (world_report returns why). */
		if (sim_failure(s))
			break;
		/* Done when every workload has stopped starting requests and has
		 * none outstanding (what is left are TCP timers), or when nothing
		 * at all is scheduled. */
		if (sim_pending(s) == 0 || all_done(w))
			break;
		/* The watch formats a line per event: it stops once the paths are
		 * known, or after the first seconds (a workload whose requests
		 * never arrive has no path to wait for). */
		if (w->net->tracer == &w->watch && (paths_known(w) || sim_now(s) >= WATCH_FOR))
			w->net->tracer = NULL;
		if (progress && g_get_monotonic_time() - last_report > G_USEC_PER_SEC) {
			last_report = g_get_monotonic_time();
			progress(sim_now(s), w->end, ud);
		}
	}
	sim_set_interrupt(s, NULL);
	return !interrupted && !w->net->capture_failed;
}

static void add_drops(report *r, const net *nt)
{
	for (guint i = 0; i < nt->nodes->len; i++) {
		const node *n = g_ptr_array_index(nt->nodes, i);
		for (int k = 0; k < DROP__COUNT; k++) {
			if (!n->drops[k])
				continue;
			uint64_t detailed = 0;
			if (n->drop_details) {
				GList *keys = g_list_sort(g_hash_table_get_keys(n->drop_details), (GCompareFunc)strcmp);
				const char *prefix = drop_reason_name((drop_reason)k);
				for (GList *l = keys; l; l = l->next) {
					const char *key = l->data;
					size_t pl = strlen(prefix);
					if (strncmp(key, prefix, pl) != 0 || key[pl] != ':')
						continue;
					uint64_t c = GPOINTER_TO_SIZE(g_hash_table_lookup(n->drop_details, key));
					char *what = g_strdup_printf("%s: %s (%s)", n->name, key, drop_reason_text((drop_reason)k));
					report_add_count(r->drops, what, c);
					g_free(what);
					detailed += c;
				}
				g_list_free(keys);
			}
			if (n->drops[k] > detailed) {
				char *what = g_strdup_printf("%s: %s (%s)", n->name, drop_reason_name((drop_reason)k),
				                             drop_reason_text((drop_reason)k));
				report_add_count(r->drops, what, n->drops[k] - detailed);
				g_free(what);
			}
		}
	}
}

/* The link direction that dropped most packets from a full queue, else
 * the one whose transmitter was busy longest: its bytes' serialization
 * time (every byte it accepted, at its bandwidth) against the simulated
 * time. */
static void add_busiest_link(report *r, const net *nt)
{
	double sim_ns = (double)MAX(r->simulated_ns, 1);
	const link *best = NULL;
	int best_d = 0;
	double best_busy = 0;
	for (guint i = 0; i < nt->links->len; i++) {
		const link *l = g_ptr_array_index(nt->links, i);
		if (l->bps == 0)
			continue;
		for (int d = 0; d < 2; d++) {
			double busy = (double)l->dir[d].bytes * 8e9 / (double)l->bps / sim_ns;
			uint64_t drops = l->dir[d].drops, best_drops = best ? best->dir[best_d].drops : 0;
			if (drops < best_drops || (drops == best_drops && busy <= best_busy))
				continue;
			best = l;
			best_d = d;
			best_busy = busy;
		}
	}
	if (!best)
		return;
	r->busiest_link = g_strdup_printf("%s > %s", best->end[best_d]->node->name,
	                                  best->end[1 - best_d]->node->name);
	r->busiest_util = MIN(best_busy, 1.0);
	r->busiest_bps = (double)best->bps;
	r->busiest_drops = best->dir[best_d].drops;
}

double workload_offered(const scenario *sc, const sc_workload *sw)
{
	double clients = sw->clients->len;
	if (sw->users)
		return 0; /* a closed loop has no configured rate */
	if (sw->requests)
		return clients * (double)sw->requests;
	double mean = dist_mean(&sw->interval);
	return mean > 0 && isfinite(mean) ? clients * (double)sc->duration / mean : 0;
}

report *world_report(world *w, gboolean partial, double wall_s, GError **error)
{
	const scenario *sc = w->sc;
	report *r = report_new();
	r->scenario = g_strdup(sc->name);
	r->description = g_strdup(sc->description);
	r->file = g_strdup(sc->path);
	r->seed = sc->seed;
	r->partial = partial;
	r->simulated_ns = sim_now(w->net->sim);
	r->duration_ns = sc->duration;
	r->events = sim_events_run(w->net->sim);
	r->wall_s = wall_s;
	r->has_fingerprint = sim_fingerprinting(w->net->sim);
	r->fingerprint = sim_fingerprint(w->net->sim);
	for (guint i = 0; i < w->net->caps->len; i++)
		g_ptr_array_add(r->captures, g_strdup(pcapw_path(g_ptr_array_index(w->net->caps, i))));
	gboolean ok = net_close_captures(w->net, error);
	/* A run that failed has no report: its figures would mislead. */
	const GError *failed = sim_failure(w->net->sim);
	if (ok && failed) {
		g_propagate_error(error, g_error_copy(failed));
		ok = FALSE;
	}

	lb_report(w, r);
	for (guint i = 0; i < w->wls->len; i++) {
		wl_state *ws = g_ptr_array_index(w->wls, i);
		const sc_workload *sw = wl_at(w, (guint)ws->index);
		GString *target = g_string_new(NULL);
		for (guint t = 0; t < sw->targets->len && t < 4; t++) {
			int ti = g_array_index(sw->targets, int, t);
			const char *tn = "?";
			switch (sw->target_kind) {
			case SC_TARGET_IS_INSTANCE: tn = SC_AT(sc->instances, sc_instance, ti)->name; break;
			case SC_TARGET_IS_SERVICE: tn = SC_AT(sc->services, sc_service, ti)->name; break;
			case SC_TARGET_IS_LB: tn = SC_AT(sc->load_balancers, sc_lb, ti)->name; break;
			case SC_TARGET_IS_ENDPOINT:
				tn = SC_AT(sc->interface_endpoints, sc_interface_endpoint, ti)->name;
				break;
			case SC_TARGET_IS_KIND: tn = sc_kind_element_name(sc, sw->target_gk, ti); break;
			}
			g_string_append_printf(target, "%s%s", t ? ", " : "", tn);
		}
		if (sw->targets->len > 4)
			g_string_append_printf(target, " and %u more", sw->targets->len - 4);
		report_workload *rw = report_add_workload(r, sw->name, sw->kind == SC_WL_HTTP ? "http" : "udp",
		                                          target->str, sw->clients->len);
		g_string_free(target, TRUE);
		for (guint k = 0; k < ws->runs->len; k++) {
			const host_workload_result *res = host_workload_get_result(g_ptr_array_index(ws->runs, k));
			rw->sent += res->started;
			rw->completed += res->completed;
			rw->non_2xx += res->non_2xx;
			rw->connections += res->connections;
			rw->pool_waits += res->pool_waits;
			rw->peak_connections = MAX(rw->peak_connections, res->peak_connections);
			for (int f = 1; f < HTTP_FAIL__COUNT; f++) {
				if (!res->failed[f])
					continue;
				rw->failed += res->failed[f];
				report_add_count(rw->failures, http_fail_name((http_fail)f), res->failed[f]);
			}
		}
		/* UDP: a datagram is "completed" when it reaches its target; what
		 * did not was lost (the drops say where) or was still in flight. */
		for (guint k = 0; k < ws->flows->len; k++) {
			const host_udp_result *res = host_udp_flow_result(g_ptr_array_index(ws->flows, k));
			rw->sent += res->sent;
			rw->completed += res->received;
		}
		hdr_merge(rw->latency, ws->latency);
		rw->unfinished = rw->sent - rw->completed - rw->failed;
		rw->offered = workload_offered(sc, sw);
		rw->users = sw->kind == SC_WL_HTTP ? sw->users : 0;
		rw->max_conns = sw->kind == SC_WL_HTTP ? sw->max_conns : 0;
		rw->targets = sw->targets->len;
		/* A closed loop offers what its users get done: the measured
		 * completions are its only rate (and the month's, below). */
		if (rw->users)
			rw->offered = (double)rw->completed;
		rw->sent_at_end = ws->sent_at_end;
		rw->backlog_at_end = ws->backlog_at_end;
		rw->keepalive = sw->kind == SC_WL_HTTP && sw->keepalive;
		rw->request_bytes = ws->request_bytes;
		rw->response_bytes = ws->response_bytes;
		if (ws->request_path) {
			/* The first name is the client that sent the tracked packet. */
			for (guint k = 0; k < ws->request_path->len; k++)
				g_ptr_array_add(rw->request_path, g_strdup(g_ptr_array_index(ws->request_path, k)));
		}
		if (ws->response_path)
			for (guint k = 0; k < ws->response_path->len; k++)
				g_ptr_array_add(rw->response_path, g_strdup(g_ptr_array_index(ws->response_path, k)));
		if (ws->response_path) {
			report_steps_copy(rw->request_steps, ws->req_steps);
			report_steps_copy(rw->response_steps, ws->resp_steps);
			for (guint k = 0; k < ws->req_rewrites->len; k++)
				g_ptr_array_add(rw->request_rewrites, g_strdup(g_ptr_array_index(ws->req_rewrites, k)));
			for (guint k = 0; k < ws->resp_rewrites->len; k++)
				g_ptr_array_add(rw->response_rewrites, g_strdup(g_ptr_array_index(ws->resp_rewrites, k)));
		}
	}
	for (guint i = 0; i < w->net->nodes->len; i++) {
		const node *n = g_ptr_array_index(w->net->nodes, i);
		report_component c = { g_strdup(n->name), g_strdup(n->ops->kind), n->rx_pkts, n->rx_bytes };
		g_array_append_val(r->components, c);
	}
	add_drops(r, w->net);
	add_busiest_link(r, w->net);
	report_judge_load(r);
	sim_time billed = MAX(sim_now(w->net->sim), 1);
	for (int k = 0; k < GK_N; k++)
		if (sc_kinds[k]->finish)
			sc_kinds[k]->finish(w, billed);
	/* Project the month from the configured rates (cost.h), over the
	 * workloads that moved data (one whose requests never arrive, like
	 * vpc-three-peering's a-to-c, adds nothing to the month either). */
	double offered = 0, completed = 0;
	for (guint i = 0; i < r->workloads->len; i++) {
		const report_workload *rw = &g_array_index(r->workloads, report_workload, i);
		if (rw->completed == 0)
			continue;
		offered += rw->offered;
		completed += (double)rw->completed;
	}
	if (offered > 0 && completed > 0 && sc->duration > 0)
		cost_ledger_set_volume_scale(w->ledger, offered * (double)billed / (completed * (double)sc->duration));
	cost_ledger_finish(w->ledger, billed);
	r->ledger = w->ledger;
	GPtrArray *pa = prices_assumptions(sc->prices);
	for (guint i = 0; i < pa->len; i++)
		g_ptr_array_add(r->assumptions, g_strdup_printf("prices %s", (char *)g_ptr_array_index(pa, i)));
	g_ptr_array_unref(pa);
	GPtrArray *fa = profile_assumptions(sc->profile);
	for (guint i = 0; i < fa->len; i++)
		g_ptr_array_add(r->assumptions, g_strdup_printf("profile %s", (char *)g_ptr_array_index(fa, i)));
	g_ptr_array_unref(fa);
	if (!ok) {
		report_free(r);
		return NULL;
	}
	return r;
}
