/* \summary: Transit Gateway: association, propagation, static and blackhole routes, AZ affinity */
#include "tgw.h"

typedef struct {
	int att;
	uint8_t az;
	sim_time last;
} tport;

typedef struct {
	uint32_t prefix, mask;
	uint8_t len;
	gboolean is_static;
	int att; /* -1: blackhole */
} troute;

typedef struct {
	int att;
	cost_line *processing;
	fabric_party *xin;
	GPtrArray *ports; /* port *, in subnet order: the first is the fallback AZ */
} tatt;

typedef struct {
	node base;
	fabric *f;
	int index;
	rng rng;
	GArray *tports;     /* tport per port index */
	GHashTable *atts;   /* attachment index -> tatt * */
	GHashTable *tables; /* tgw route table index -> GArray of troute */
	/* With transit_gateway.processing_both_directions false: flows seen,
	 * (lower endpoint, higher endpoint) -> which end sent first; else NULL. */
	GHashTable *flows;
	uint32_t mtu;
} tgw;

/* A flow by its two ends, the lower (address, port) first. */
typedef struct {
	uint32_t a, b;
	uint16_t c, d;
	uint8_t proto;
} tflow;

static guint tflow_hash(gconstpointer k)
{
	const tflow *x = k;
	guint h = x->a * 2654435761u ^ x->b * 2246822519u;
	return h ^ (((guint)x->c << 16 | x->d) * 3266489917u) ^ x->proto;
}

static gboolean tflow_equal(gconstpointer p, gconstpointer q)
{
	const tflow *x = p, *y = q;
	return x->a == y->a && x->b == y->b && x->c == y->c && x->d == y->d && x->proto == y->proto;
}

/* TRUE when p goes the way its flow's first packet went through this TGW
 * (a request; the other way is a reply).  Flows are never forgotten: the
 * table is as large as the flows of the run, and exists only when replies
 * are not charged. */
static gboolean first_direction(tgw *t, const pkt *p)
{
	uint8_t proto = pkt_proto(p);
	gboolean ports = proto == PKT_PROTO_TCP || proto == PKT_PROTO_UDP;
	uint32_t s = pkt_ip_src(p), d = pkt_ip_dst(p);
	uint16_t sp = ports ? pkt_sport(p) : 0, dp = ports ? pkt_dport(p) : 0;
	gboolean low_first = s < d || (s == d && sp <= dp);
	tflow k = low_first ? (tflow){ s, d, sp, dp, proto } : (tflow){ d, s, dp, sp, proto };
	gpointer v = g_hash_table_lookup(t->flows, &k);
	guint side = low_first ? 1 : 2;
	if (!v) {
		g_hash_table_insert(t->flows, g_memdup2(&k, sizeof k), GUINT_TO_POINTER(side));
		return TRUE;
	}
	return GPOINTER_TO_UINT(v) == side;
}

static tatt *att_of(tgw *t, int att)
{
	return g_hash_table_lookup(t->atts, GINT_TO_POINTER(att));
}

static void tgw__receive(node *n, pkt *p, port *in)
{
	tgw *t = (tgw *)n;
	const scenario *sc = t->f->sc;
	tport *tp = &g_array_index(t->tports, tport, in->index);
	if (fabric_mtu_drop(t->f, n, p, t->mtu))
		return;
	const sc_tgw_attachment *sa = SC_AT(sc->tgw_attachments, sc_tgw_attachment, tp->att);
	GArray *routes = g_hash_table_lookup(t->tables, GINT_TO_POINTER(sa->route_table));
	uint32_t dst = pkt_ip_dst(p);
	const troute *hit = NULL;
	for (guint i = 0; routes && i < routes->len && !hit; i++) {
		const troute *r = &g_array_index(routes, troute, i);
		if ((dst & r->mask) == r->prefix)
			hit = r;
	}
	char a[16];
	if (!hit || hit->att < 0) {
		char *detail = g_strdup_printf("%s to %s in route table %s", sa->name, pkt_ip_str(dst, a),
		                               SC_AT(sc->tgw_route_tables, sc_tgw_route_table,
		                                     sa->route_table)->name);
		net_drop_detail(n->net, n, p, hit ? DROP_BLACKHOLE : DROP_NO_ROUTE, detail);
		g_free(detail);
		return;
	}
	tatt *from = att_of(t, tp->att), *to = att_of(t, hit->att);
	/* "Transit Gateway enforces MSS clamping for all packets" (AWS TGW
	 * quotas): a SYN's MSS is cut to what the TGW's MTU carries. */
	if (pkt_proto(p) == PKT_PROTO_TCP && (pkt_tcp_flags(p) & PKT_TCP_SYN) &&
	    t->mtu > 40 && pkt_tcp_mss(p) > t->mtu - 40) {
		NET_TRACE(n->net, n, p, NET_TRACE_REWRITE, "MSS %u -> %u (clamped to the TGW's MTU)",
		          pkt_tcp_mss(p), t->mtu - 40);
		pkt_set_tcp_mss(p, (uint16_t)(t->mtu - 40));
	}
	port *out = NULL;
	for (guint i = 0; i < to->ports->len && !out; i++) {
		port *cand = g_ptr_array_index(to->ports, i);
		if (g_array_index(t->tports, tport, cand->index).az == tp->az)
			out = cand;
	}
	if (!out)
		out = g_ptr_array_index(to->ports, 0);
	tport *op = &g_array_index(t->tports, tport, out->index);
	uint32_t billed = t->flows && !first_direction(t, p) ? 0 : fabric_billed_bytes(t->f, p);
	switch (sc->prices->transit_gateway.processing_payer) {
	case PRICES_TGW_PAYER_DESTINATION_ATTACHMENT:
		cost_line_add_bytes(to->processing, billed);
		break;
	default: /* the TGW owner is the sender's account in this model */
		cost_line_add_bytes(from->processing, billed);
		break;
	}
	p->flags |= PKT_F_VIA_TGW;
	NET_TRACE(n->net, n, p, NET_TRACE_DECIDE, "TGW route table %s: %s/%u -> %s (%s), out in AZ %s",
	          SC_AT(sc->tgw_route_tables, sc_tgw_route_table, sa->route_table)->name,
	          pkt_ip_str(hit->prefix, a), hit->len,
	          SC_AT(sc->tgw_attachments, sc_tgw_attachment, hit->att)->name,
	          hit->is_static ? "static" : "propagated", (const char *)g_ptr_array_index(sc->azs, op->az - 1));
	sim_time d = dist_sample_ns(&t->f->prof->processing.tgw, &t->rng) +
	             fabric_move(t->f, &t->rng, p, op->az, to->xin);
	fabric_send(n->net, out, p, d, &op->last);
}

static void tatt_free(gpointer data)
{
	tatt *a = data;
	g_ptr_array_unref(a->ports);
	g_free(a);
}

static void tgw__destroy(node *n)
{
	tgw *t = (tgw *)n;
	g_array_unref(t->tports);
	g_hash_table_unref(t->atts);
	g_hash_table_unref(t->tables);
	if (t->flows)
		g_hash_table_unref(t->flows);
	node_clear(n);
	g_free(t);
}

static const node_ops tgw_ops = {
	.kind = "transit-gateway",
	.receive = tgw__receive,
	.destroy = tgw__destroy,
};

node *tgw_new(fabric *f, int index)
{
	tgw *t = g_new0(tgw, 1);
	const char *name = SC_AT(f->sc->tgws, sc_tgw, index)->name;
	node_init(&t->base, &tgw_ops, f->net, name);
	net_rng(f->net, &t->rng, name);
	t->f = f;
	t->index = index;
	t->mtu = f->prof->mtu.tgw;
	if (!f->sc->prices->transit_gateway.processing_both_directions)
		t->flows = g_hash_table_new_full(tflow_hash, tflow_equal, g_free, NULL);
	t->tports = g_array_new(FALSE, TRUE, sizeof(tport));
	t->atts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, tatt_free);
	t->tables = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	                                  (GDestroyNotify)g_array_unref);
	return &t->base;
}

port *tgw_add_port(node *n, int att, int subnet)
{
	tgw *t = (tgw *)n;
	const scenario *sc = t->f->sc;
	tatt *a = att_of(t, att);
	if (!a) {
		const char *name = SC_AT(sc->tgw_attachments, sc_tgw_attachment, att)->name;
		const prices *pr = sc->prices;
		a = g_new0(tatt, 1);
		a->att = att;
		a->ports = g_ptr_array_new();
		a->processing = cost_ledger_line(t->f->ledger, name, "processing",
		                                 &pr->transit_gateway.processing);
		a->xin = fabric_receiver(t->f, name);
		cost_ledger_add_hourly(t->f->ledger, name, "hourly", pr->transit_gateway.attachment_hourly_usd, 1);
		g_hash_table_insert(t->atts, GINT_TO_POINTER(att), a);
	}
	port *p = node_add_port(n);
	tport tp = { .att = att, .az = (uint8_t)(SC_AT(sc->subnets, sc_subnet, subnet)->az_index + 1) };
	g_array_append_val(t->tports, tp);
	g_ptr_array_add(a->ports, p);
	return p;
}

static gint troute_cmp(gconstpointer x, gconstpointer y)
{
	const troute *a = x, *b = y;
	if (a->len != b->len)
		return (int)b->len - (int)a->len;
	return (int)b->is_static - (int)a->is_static;
}

static void add_route(GArray *routes, sc_cidr c, gboolean is_static, int att)
{
	troute r = { .len = c.len, .is_static = is_static, .att = att };
	r.mask = c.len ? ~UINT32_C(0) << (32 - c.len) : 0;
	r.prefix = c.addr & r.mask;
	g_array_append_val(routes, r);
}

void tgw_finish(node *n)
{
	tgw *t = (tgw *)n;
	const scenario *sc = t->f->sc;
	for (guint i = 0; i < sc->tgw_route_tables->len; i++) {
		const sc_tgw_route_table *rt = SC_AT(sc->tgw_route_tables, sc_tgw_route_table, i);
		if (rt->tgw != t->index)
			continue;
		GArray *routes = g_array_new(FALSE, FALSE, sizeof(troute));
		for (guint j = 0; rt->routes && j < rt->routes->len; j++) {
			const sc_route *r = SC_AT(rt->routes, sc_route, j);
			add_route(routes, r->dst, TRUE, r->kind == SC_TARGET_BLACKHOLE ? -1 : r->target);
		}
		for (guint a = 0; a < sc->tgw_attachments->len; a++) {
			const sc_tgw_attachment *at = SC_AT(sc->tgw_attachments, sc_tgw_attachment, a);
			for (guint k = 0; at->propagate_to && k < at->propagate_to->len; k++)
				if (g_array_index(at->propagate_to, int, k) == (int)i)
					add_route(routes, SC_AT(sc->vpcs, sc_vpc, at->vpc)->cidr, FALSE, (int)a);
		}
		/* Stable order for equal keys is not needed: a static and a
		 * propagated route of equal length are ordered by troute_cmp, and
		 * two routes of one kind and length for one prefix are a load error. */
		g_array_sort(routes, troute_cmp);
		g_hash_table_insert(t->tables, GINT_TO_POINTER(i), routes);
	}
}
