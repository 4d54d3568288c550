/* \summary: Transit Gateway: association, propagation, static and blackhole routes, AZ affinity; [transit_gateway], [tgw_attachment], [tgw_route_table] */
#include "tgw.h"
#include "kindlib.h"
#include "config.h"
#include "world.h"

#include <string.h>

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
	/* By the scenario's indexes (an array, not a hash table: both are read
	 * for every packet); NULL for another TGW's. */
	tatt **atts;        /* attachment index -> tatt * */
	GArray **tables;    /* tgw route table index -> GArray of troute */
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
	return t->atts[att];
}

static void tgw__receive(node *n, pkt *p, port *in)
{
	tgw *t = (tgw *)n;
	const scenario *sc = t->f->sc;
	tport *tp = &g_array_index(t->tports, tport, in->index);
	const sc_tgw_attachment *sa = SC_AT(sc->tgw_attachments, sc_tgw_attachment, tp->att);
	/* "Transit Gateway supports PMTUD for traffic ingressing on VPC
	 * attachments" (AWS TGW quotas, MTU): a packet over its MTU with DF
	 * set gets an ICMP "fragmentation needed" back; every attachment here
	 * is a VPC attachment.  The error comes from the VPC router address
	 * of the sender's subnet [UNSOURCED ASSUMPTION: AWS does not say]. */
	if (fabric_mtu_drop_icmp(t->f, n, p, t->mtu, in, &tp->last,
	                         fabric_router_ip(t->f, sa->vpc, pkt_ip_src(p))) ||
	    !fabric_ttl(t->f, n, p, t->f->prof->ttl.tgw))
		return;
	GArray *routes = t->tables[sa->route_table];
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

static void tgw__destroy(node *n)
{
	tgw *t = (tgw *)n;
	const scenario *sc = t->f->sc;
	g_array_unref(t->tports);
	for (guint i = 0; i < sc->tgw_attachments->len; i++) {
		if (t->atts[i])
			g_ptr_array_unref(t->atts[i]->ports);
		g_free(t->atts[i]);
	}
	g_free(t->atts);
	for (guint i = 0; i < sc->tgw_route_tables->len; i++)
		if (t->tables[i])
			g_array_unref(t->tables[i]);
	g_free(t->tables);
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
	t->atts = g_new0(tatt *, f->sc->tgw_attachments->len);
	t->tables = g_new0(GArray *, f->sc->tgw_route_tables->len);
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
		t->atts[att] = a;
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
		t->tables[i] = routes;
	}
}

/* ---- [transit_gateway], [tgw_attachment] and [tgw_route_table] in scenario files: keys, loading, checks ---- */

static const ld_key tgw_keys[] = {
	{ NULL },
};

static const ld_key tgw_attachment_keys[] = {
	{ "transit_gateway", TRUE, NAME_OF("transit_gateway") },
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "subnets", TRUE, "comma-separated [subnet] names of the VPC, at most one per AZ" },
	{ "route_table", TRUE, NAME_OF("tgw_route_table") " of the same transit gateway" },
	{ "propagate_to", FALSE, "comma-separated [tgw_route_table] names of the same transit "
	                         "gateway" },
	{ NULL },
};

static const ld_key tgw_route_table_keys[] = {
	{ "transit_gateway", TRUE, NAME_OF("transit_gateway") },
	{ "routes", FALSE, "comma-separated routes 'CIDR -> ATTACHMENT' or 'CIDR -> blackhole'" },
	{ NULL },
};

static void build_tgws(sc_loader *l)
{
	for (guint i = 0; i < ld_groups(l->ld, GK_TGW)->len; i++)
		SC_AT(l->sc->tgws, sc_tgw, i)->name =
			g_strdup(((ld_group *)ld_groups(l->ld, GK_TGW)->pdata[i])->name);
	for (guint i = 0; i < ld_groups(l->ld, GK_TGW_ROUTE_TABLE)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_TGW_ROUTE_TABLE)->pdata[i];
		sc_tgw_route_table *t = SC_AT(l->sc->tgw_route_tables, sc_tgw_route_table, i);
		t->name = g_strdup(g->name);
		t->tgw = ld_ref(l->ld, g, "transit_gateway", GK_TGW);
		t->routes = g_array_new(FALSE, TRUE, sizeof(sc_route));
	}
}

/* A TGW route table reference of an attachment, checked to belong to the
 * attachment's transit gateway. */
static void check_tgw_table(sc_loader *l, const ld_group *g, const char *key, int table, int owner)
{
	sc_tgw_route_table *t = SC_AT(l->sc->tgw_route_tables, sc_tgw_route_table, table);
	if (owner >= 0 && t->tgw >= 0 && t->tgw != owner)
		ld_problem(l->ld, g, key, "'%s' is a route table of transit gateway %s, not of %s; expected a "
		             "route table of the attachment's transit gateway", t->name,
		  SC_AT(l->sc->tgws, sc_tgw, t->tgw)->name, SC_AT(l->sc->tgws, sc_tgw, owner)->name);
}

/* Attachment i propagating its VPC CIDR into a table where an earlier
 * attachment's overlapping CIDR already goes: the table would hold two
 * routes for the same addresses, and AWS does not route between
 * overlapping VPCs (it does not propagate an identical CIDR a second
 * time).  PrivateLink is the way to connect such VPCs. */
static void check_tgw_overlap(sc_loader *l, const ld_group *g, guint i)
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
			if (o->vpc < 0 || o->vpc == a->vpc || !sc_int_array_has(o->propagate_to, table))
				continue;
			const sc_vpc *vo = SC_AT(sc->vpcs, sc_vpc, o->vpc);
			if (!vo->cidr.len || !cidr_overlap(vo->cidr, va->cidr))
				continue;
			const char *tname = SC_AT(sc->tgw_route_tables, sc_tgw_route_table, table)->name;
			ip_buf bo, ba;
			ld_problem(l->ld, g, "propagate_to", "'%s': Transit Gateway cannot route between overlapping "
			                        "CIDRs: %s %s and %s %s both propagate into %s; expected "
			                        "VPCs whose CIDRs do not overlap in one TGW route table "
			                        "(an interface endpoint, PrivateLink, connects overlapping "
			                        "VPCs)", tname, vo->name, cidr_fmt(vo->cidr, &bo), va->name,
			  cidr_fmt(va->cidr, &ba), tname);
			break;
		}
	}
}

static void build_tgw_attachments(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_TGW_ATTACHMENT)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_TGW_ATTACHMENT)->pdata[i];
		sc_tgw_attachment *a = SC_AT(sc->tgw_attachments, sc_tgw_attachment, i);
		a->name = g_strdup(g->name);
		a->tgw = ld_ref(l->ld, g, "transit_gateway", GK_TGW);
		a->vpc = ld_ref(l->ld, g, "vpc", GK_VPC);
		a->subnets = g_array_new(FALSE, FALSE, sizeof(int));
		a->propagate_to = g_array_new(FALSE, FALSE, sizeof(int));
		a->route_table = ld_ref(l->ld, g, "route_table", GK_TGW_ROUTE_TABLE);
		if (a->route_table >= 0)
			check_tgw_table(l, g, "route_table", a->route_table, a->tgw);
		const char *v = ld_get(g, "propagate_to", "");
		if (v)
			ld_ref_list(l->ld, g, "propagate_to", v, GK_TGW_ROUTE_TABLE, a->propagate_to, FALSE);
		for (guint j = 0; j < a->propagate_to->len; j++)
			check_tgw_table(l, g, "propagate_to", g_array_index(a->propagate_to, int, j),
			                a->tgw);
		v = ld_get(g, "subnets", NULL);
		if (v)
			ld_ref_list(l->ld, g, "subnets", v, GK_SUBNET, a->subnets, TRUE);
		for (guint j = 0; j < a->subnets->len; j++) {
			sc_subnet *s = SC_AT(sc->subnets, sc_subnet, g_array_index(a->subnets, int, j));
			if (a->vpc >= 0 && s->vpc >= 0 && s->vpc != a->vpc) {
				ld_problem(l->ld, g, "subnets", "'%s' is a subnet of %s, not of %s; expected subnets of the "
				                   "attached VPC", s->name, sc_vpc_name(l, s->vpc),
				  sc_vpc_name(l, a->vpc));
				continue;
			}
			for (guint k = 0; k < j; k++) {
				sc_subnet *o = SC_AT(sc->subnets, sc_subnet, g_array_index(a->subnets, int, k));
				if (s->az && o->az && strcmp(s->az, o->az) == 0) {
					ld_problem(l->ld, g, "subnets", "'%s' and %s are both in %s; expected at most one "
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
				ld_problem(l->ld, g, "vpc", "'%s' is already attached to %s by %s; expected one attachment "
				               "per VPC and transit gateway", sc_vpc_name(l, a->vpc),
				  SC_AT(sc->tgws, sc_tgw, a->tgw)->name, o->name);
				break;
			}
		}
	}
}

static void build_tgw_routes(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_TGW_ROUTE_TABLE)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_TGW_ROUTE_TABLE)->pdata[i];
		sc_tgw_route_table *t = SC_AT(sc->tgw_route_tables, sc_tgw_route_table, i);
		const char *v = ld_get(g, "routes", "");
		char **items = v ? g_strsplit(v, ",", -1) : NULL;
		for (char **it = items; it && *it; it++) {
			const char *item = g_strstrip(*it);
			sc_route r = { .prefix_list = -1, .target = -1, .kind = SC_TARGET_BLACKHOLE };
			char *target = NULL;
			if (!*item || !sc_split_route(l, g, "routes", item, "10.1.0.0/16 -> att-spoke-1",
			                           &r.dst, &target)) {
				g_free(target);
				continue;
			}
			gboolean ok = TRUE;
			if (strcmp(target, "blackhole") != 0) {
				r.kind = SC_TARGET_TGW;
				r.target = ld_lookup(l->ld, GK_TGW_ATTACHMENT, target);
				if (r.target < 0) {
					char *known = ld_names_list(l->ld, GK_TGW_ATTACHMENT);
					ld_problem(l->ld, g, "routes", "'%s': target '%s' is not defined; expected blackhole or "
					                  "the name of a [tgw_attachment] (%s)", item, target,
					  known);
					g_free(known);
					ok = FALSE;
				} else {
					sc_tgw_attachment *a = SC_AT(sc->tgw_attachments, sc_tgw_attachment,
					                             r.target);
					if (a->tgw >= 0 && t->tgw >= 0 && a->tgw != t->tgw) {
						ld_problem(l->ld, g, "routes", "'%s': attachment %s is on transit gateway %s, not "
						                  "%s; expected an attachment of this table's "
						                  "transit gateway", item, target,
						  SC_AT(sc->tgws, sc_tgw, a->tgw)->name,
						  SC_AT(sc->tgws, sc_tgw, t->tgw)->name);
						ok = FALSE;
					}
				}
			}
			if (ok)
				sc_add_route(l, g, "routes", item, t->routes, r);
			g_free(target);
		}
		g_strfreev(items);
	}
}

/* Is there a transit gateway both VPCs are attached to? */
gboolean sc_share_tgw(sc_loader *l, int a, int b)
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

static void tgw_route_table_clear(void *elem)
{
	sc_unref(((sc_tgw_route_table *)elem)->routes);
}

static void tgw_attachment_clear(void *elem)
{
	sc_tgw_attachment *a = elem;
	sc_unref(a->subnets);
	sc_unref(a->propagate_to);
}

/* Transit gateways: a port per attachment subnet, then their routes. */
static void build_tgws_world(world *w)
{
	fabric *f = world_fabric(w);
	const scenario *sc = f->sc;
	for (guint i = 0; i < sc->tgws->len; i++)
		world_set_node(w, GK_TGW, (int)i, tgw_new(f, (int)i));
	for (guint i = 0; i < sc->tgw_attachments->len; i++) {
		const sc_tgw_attachment *sa = SC_AT(sc->tgw_attachments, sc_tgw_attachment, i);
		for (guint k = 0; k < sa->subnets->len; k++) {
			int sn = g_array_index(sa->subnets, int, k);
			port *tp = tgw_add_port(world_node(w, GK_TGW, sa->tgw), (int)i, sn);
			port *rp = vpc_router_add_port(world_router(w, sa->vpc), VPC_PORT_TGW, sn, (int)i, 0,
			                               sa->name);
			world_link(w, tp, rp, f->prof->bandwidth.tgw_attachment);
		}
	}
	for (guint i = 0; i < sc->tgws->len; i++)
		tgw_finish(world_node(w, GK_TGW, (int)i));
}

static const sc_build tgw_build[] = { { 900, build_tgws_world }, { 0, NULL } };

static void tgw_props(const profile *pf, sc_props *out)
{
	out->transitive = g_strdup("yes: any attached VPC reaches any other the TGW routes to");
	out->growth = g_strdup("hub: n attachments for n VPCs (10 for 10)");
	out->quota = g_strdup_printf("%u attachments per transit gateway", pf->limits.tgw_attachments);
}

/* Transit gateways and their tables once; an attachment and its table
 * entries per consumer.  Each attachment propagates a route into the TGW's
 * table, so both quotas grow alike. */
static void tgw_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	guint tgw_att_fixed = 0, tgw_att_per = 0;
	c->fixed[CFG_TGW] += sc->tgws->len;
	c->fixed[CFG_TGW_ROUTES] += sc->tgw_route_tables->len;
	for (guint i = 0; i < sc->tgw_attachments->len; i++) {
		const sc_tgw_attachment *a = SC_AT(sc->tgw_attachments, sc_tgw_attachment, i);
		guint entries = (a->route_table >= 0 ? 1 : 0) + a->propagate_to->len;
		for (guint t = 0; t < sc->tgw_route_tables->len; t++) {
			const GArray *r = SC_AT(sc->tgw_route_tables, sc_tgw_route_table, t)->routes;
			for (guint k = 0; k < r->len; k++)
				if (SC_AT(r, sc_route, k)->kind == SC_TARGET_TGW && SC_AT(r, sc_route, k)->target == (int)i)
					entries++;
		}
		if (a->vpc == x->consumer) {
			c->per[CFG_TGW]++;
			c->per[CFG_TGW_ROUTES] += entries;
			tgw_att_per++;
		} else if (a->vpc == x->service) {
			c->fixed[CFG_TGW]++;
			c->fixed[CFG_TGW_ROUTES] += entries;
			tgw_att_fixed++;
		}
	}
	const profile *pf = sc->profile;
	char *what = g_strdup_printf("%u attachments per transit gateway", pf->limits.tgw_attachments);
	sc_config_quota(c, 40, tgw_att_fixed, tgw_att_per, pf->limits.tgw_attachments, what);
	g_free(what);
	what = g_strdup_printf("%u routes per transit gateway", pf->limits.tgw_routes);
	sc_config_quota(c, 50, tgw_att_fixed, tgw_att_per, pf->limits.tgw_routes, what);
	g_free(what);
}

static const sc_step tgw_steps[] = { { 160, build_tgws }, { 0, NULL } };
static const char *const tgw_nodes[] = { "", NULL };
const sc_kind sc_kind_transit_gateway = {
	.group = { "transit_gateway", tgw_keys },
	.size = sizeof(sc_tgw),
	.steps = tgw_steps,
	.nodes = tgw_nodes,
	.node_rank = 5,
	.build = tgw_build,
	.node_kind = "transit-gateway",
	.props_rank = 2,
	.props = tgw_props,
	.config = tgw_config,
};

static const sc_step tgw_attachment_steps[] = { { 170, build_tgw_attachments }, { 0, NULL } };
const sc_kind sc_kind_tgw_attachment = {
	.group = { "tgw_attachment", tgw_attachment_keys },
	.size = sizeof(sc_tgw_attachment),
	.steps = tgw_attachment_steps,
	.clear = tgw_attachment_clear,
};

/* Tables are made with their transit gateway (build_tgws); their routes
 * once the attachments exist. */
static const sc_step tgw_route_table_steps[] = { { 320, build_tgw_routes }, { 0, NULL } };
const sc_kind sc_kind_tgw_route_table = {
	.group = { "tgw_route_table", tgw_route_table_keys },
	.size = sizeof(sc_tgw_route_table),
	.steps = tgw_route_table_steps,
	.clear = tgw_route_table_clear,
};
