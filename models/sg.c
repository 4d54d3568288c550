/* \summary: security groups: rule matching and connection tracking at an ENI */
#include "sg.h"

#include <string.h>

struct sg_world {
	const scenario *sc;
	GPtrArray *members; /* per group: GHashTable set of member addresses */
};

typedef struct {
	uint32_t local_ip, remote_ip;
	uint16_t local_port, remote_port;
	uint8_t proto;
} flow_key;

struct sg_eni {
	sg_world *w;
	GArray *sgs;        /* int */
	char *names;        /* "sg-a, sg-b" */
	GHashTable *flows;  /* flow_key * -> itself */
	char *last_rule;
	gboolean last_established;
};

static guint flow_hash(gconstpointer k)
{
	const flow_key *f = k;
	guint h = f->local_ip * 2654435761u;
	h ^= f->remote_ip * 2246822519u;
	h ^= ((guint)f->local_port << 16 | f->remote_port) * 3266489917u;
	return h ^ f->proto;
}

static gboolean flow_equal(gconstpointer a, gconstpointer b)
{
	const flow_key *x = a, *y = b;
	return x->local_ip == y->local_ip && x->remote_ip == y->remote_ip &&
	       x->local_port == y->local_port && x->remote_port == y->remote_port &&
	       x->proto == y->proto;
}

sg_world *sg_world_new(const scenario *sc)
{
	sg_world *w = g_new0(sg_world, 1);
	w->sc = sc;
	w->members = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	for (guint i = 0; i < sc->security_groups->len; i++)
		g_ptr_array_add(w->members, g_hash_table_new(g_direct_hash, g_direct_equal));
	for (guint i = 0; i < sc->instances->len; i++) {
		const sc_instance *in = SC_AT(sc->instances, sc_instance, i);
		for (guint j = 0; in->sgs && j < in->sgs->len; j++)
			sg_world_add_member(w, g_array_index(in->sgs, int, j), in->ip);
	}
	return w;
}

void sg_world_free(sg_world *w)
{
	if (!w)
		return;
	g_ptr_array_unref(w->members);
	g_free(w);
}

void sg_world_add_member(sg_world *w, int sg_index, uint32_t ip)
{
	g_hash_table_add(g_ptr_array_index(w->members, sg_index), GUINT_TO_POINTER(ip));
}

sg_eni *sg_eni_new(sg_world *w, const GArray *sgs)
{
	sg_eni *e = g_new0(sg_eni, 1);
	e->w = w;
	e->sgs = g_array_new(FALSE, FALSE, sizeof(int));
	GString *names = g_string_new(NULL);
	for (guint i = 0; sgs && i < sgs->len; i++) {
		int idx = g_array_index(sgs, int, i);
		g_array_append_val(e->sgs, idx);
		g_string_append_printf(names, "%s%s", i ? ", " : "",
		                       SC_AT(w->sc->security_groups, sc_sg, idx)->name);
	}
	if (names->len == 0)
		g_string_assign(names, "no security group");
	e->names = g_string_free(names, FALSE);
	e->flows = g_hash_table_new_full(flow_hash, flow_equal, g_free, NULL);
	return e;
}

void sg_eni_free(sg_eni *e)
{
	if (!e)
		return;
	g_array_unref(e->sgs);
	g_free(e->names);
	g_free(e->last_rule);
	g_hash_table_unref(e->flows);
	g_free(e);
}

static gboolean rule_matches(const sg_world *w, const sc_sg_rule *r, uint8_t proto, uint16_t port,
                             uint32_t peer)
{
	switch (r->proto) {
	case SC_PROTO_ALL: break;
	case SC_PROTO_TCP: if (proto != PKT_PROTO_TCP) return FALSE; break;
	case SC_PROTO_UDP: if (proto != PKT_PROTO_UDP) return FALSE; break;
	case SC_PROTO_ICMP: if (proto != 1) return FALSE; break;
	}
	if (r->proto != SC_PROTO_ALL && r->proto != SC_PROTO_ICMP &&
	    (port < r->port_lo || port > r->port_hi))
		return FALSE;
	if (r->peer_sg >= 0)
		return g_hash_table_contains(g_ptr_array_index(w->members, r->peer_sg),
		                             GUINT_TO_POINTER(peer));
	return sc_cidr_contains(r->peer, peer);
}

static gboolean evaluate(sg_eni *e, const pkt *p, gboolean out, const char **denied_by)
{
	uint8_t proto = pkt_proto(p);
	flow_key k = { 0 };
	k.proto = proto;
	k.local_ip = out ? pkt_ip_src(p) : pkt_ip_dst(p);
	k.remote_ip = out ? pkt_ip_dst(p) : pkt_ip_src(p);
	if (proto == PKT_PROTO_TCP || proto == PKT_PROTO_UDP) {
		k.local_port = out ? pkt_sport(p) : pkt_dport(p);
		k.remote_port = out ? pkt_dport(p) : pkt_sport(p);
	}
	if (g_hash_table_contains(e->flows, &k)) {
		e->last_established = TRUE;
		return TRUE;
	}
	const scenario *sc = e->w->sc;
	for (guint i = 0; i < e->sgs->len; i++) {
		const sc_sg *g = SC_AT(sc->security_groups, sc_sg, g_array_index(e->sgs, int, i));
		const GArray *rules = out ? g->egress : g->ingress;
		if (out && !rules) {
			/* No egress key: AWS's default rule allows all outbound. */
			g_free(e->last_rule);
			e->last_rule = g_strdup_printf("all any to 0.0.0.0/0 (default egress) in %s", g->name);
			goto allow;
		}
		for (guint j = 0; rules && j < rules->len; j++) {
			const sc_sg_rule *r = SC_AT(rules, sc_sg_rule, j);
			/* Rules match the remote address and the local port inbound
			 * (the service), the remote address and port outbound. */
			uint16_t port = out ? k.remote_port : k.local_port;
			if (rule_matches(e->w, r, proto, port, k.remote_ip)) {
				g_free(e->last_rule);
				e->last_rule = g_strdup_printf("%s in %s", r->text, g->name);
				goto allow;
			}
		}
	}
	*denied_by = e->names;
	return FALSE;
allow:
	e->last_established = FALSE;
	g_hash_table_add(e->flows, g_memdup2(&k, sizeof k));
	return TRUE;
}

gboolean sg_allow_out(sg_eni *e, const pkt *p, const char **denied_by)
{
	return evaluate(e, p, TRUE, denied_by);
}

gboolean sg_allow_in(sg_eni *e, const pkt *p, const char **denied_by)
{
	return evaluate(e, p, FALSE, denied_by);
}

const char *sg_last_rule(const sg_eni *e)
{
	return e->last_established ? "established flow (stateful)" : e->last_rule;
}
