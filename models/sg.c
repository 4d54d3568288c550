/* \summary: security groups: rule matching and connection tracking at an ENI; the [security_group] group */
#include "sg.h"
#include "kindlib.h"
#include "config.h"
#include "keymap.h"

#include <stddef.h>
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
	/* The flows let through, for connection tracking (flow_key -> the
	 * ENI): AWS tracks a flow until it has been idle for its protocol's
	 * timeout; the model keeps every flow for the run, as the README says. */
	keymap flows;
	/* The rule that allowed the last packet (NULL: the default egress
	 * rule) and its group, formatted only when a trace asks. */
	const sc_sg_rule *last_rule;
	const sc_sg *last_group;
	gboolean last_established;
	char *last_text;
};

/* The struct's 13 bytes as keymap_key_of() copied them: proto is the byte
 * after the ports, where keymap_key_flow()'s third 16-bit field goes. */
static keymap_key flow_keymap_key(const flow_key *k)
{
	return keymap_key_flow(k->local_ip, k->remote_ip, k->local_port, k->remote_port, k->proto, 0);
}

sg_world *sg_world_new(const scenario *sc)
{
	sg_world *w = g_new0(sg_world, 1);
	w->sc = sc;
	w->members = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	for (guint i = 0; i < sc->security_groups->len; i++)
		g_ptr_array_add(w->members, g_hash_table_new(g_direct_hash, NULL));
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
	keymap_init(&e->flows);
	return e;
}

void sg_eni_free(sg_eni *e)
{
	if (!e)
		return;
	g_array_unref(e->sgs);
	g_free(e->names);
	g_free(e->last_text);
	keymap_clear(&e->flows);
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
	if (keymap_get(&e->flows, flow_keymap_key(&k))) {
		e->last_established = TRUE;
		return TRUE;
	}
	const scenario *sc = e->w->sc;
	for (guint i = 0; i < e->sgs->len; i++) {
		const sc_sg *g = SC_AT(sc->security_groups, sc_sg, g_array_index(e->sgs, int, i));
		const GArray *rules = out ? g->egress : g->ingress;
		if (out && !rules) {
			/* No egress key: AWS's default rule allows all outbound. */
			e->last_rule = NULL;
			e->last_group = g;
			goto allow;
		}
		for (guint j = 0; rules && j < rules->len; j++) {
			const sc_sg_rule *r = SC_AT(rules, sc_sg_rule, j);
			/* Rules match the remote address and the local port inbound
			 * (the service), the remote address and port outbound. */
			uint16_t port = out ? k.remote_port : k.local_port;
			if (rule_matches(e->w, r, proto, port, k.remote_ip)) {
				e->last_rule = r;
				e->last_group = g;
				goto allow;
			}
		}
	}
	*denied_by = e->names;
	return FALSE;
allow:
	e->last_established = FALSE;
	keymap_put(&e->flows, flow_keymap_key(&k), e);
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

const char *sg_last_rule(sg_eni *e)
{
	if (e->last_established)
		return "established flow (stateful)";
	if (!e->last_group)
		return NULL;
	g_free(e->last_text);
	e->last_text = e->last_rule ? g_strdup_printf("%s in %s", e->last_rule->text, e->last_group->name)
	                            : g_strdup_printf("all any to 0.0.0.0/0 (default egress) in %s",
	                                              e->last_group->name);
	return e->last_text;
}

/* ---- [security_group] in scenario files: keys, loading, checks ---- */

static const ld_key sg_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "ingress", FALSE, "comma-separated rules 'PROTO PORTS from SOURCE'" },
	{ "egress", FALSE, "comma-separated rules 'PROTO PORTS to DEST'" },
	{ NULL },
};

static void build_security_groups(sc_loader *l)
{
	for (guint i = 0; i < ld_groups(l->ld, GK_SG)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_SG)->pdata[i];
		sc_sg *s = SC_AT(l->sc->security_groups, sc_sg, i);
		s->name = g_strdup(g->name);
		s->vpc = ld_ref(l->ld, g, "vpc", GK_VPC);
		s->ingress = g_array_new(FALSE, TRUE, sizeof(sc_sg_rule));
		s->egress = g_array_new(FALSE, TRUE, sizeof(sc_sg_rule));
	}
}

/* "80", "1024-65535" or "any" (0-65535). */
gboolean sc_parse_ports(const char *text, guint64 *lo, guint64 *hi)
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
static gboolean parse_rule(sc_loader *l, const ld_group *g, const char *key, int sg, const char *text,
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
		ld_problem(l->ld, g, key, "'%s' is not a rule; expected 'PROTO PORTS %s %s' such as 'tcp 443 %s "
		             "10.0.0.0/16'", text, dir, ingress ? "SOURCE" : "DEST", dir);
	} else if (proto < 0) {
		ld_problem(l->ld, g, key, "'%s': protocol '%s' is not known; expected tcp, udp, icmp or all", text,
		  tok[0]);
	} else if (strcmp(tok[1], "any") != 0 &&
	           (proto == SC_PROTO_ALL || proto == SC_PROTO_ICMP)) {
		ld_problem(l->ld, g, key, "'%s': %s has no ports; expected '%s any %s ...'", text, tok[0], tok[0],
		  dir);
	} else if (!sc_parse_ports(tok[1], &lo, &hi)) {
		ld_problem(l->ld, g, key, "'%s': ports '%s' are not a port or range; expected 80, 1024-65535 or "
		             "any", text, tok[1]);
	} else {
		r->proto = (sc_proto)proto;
		r->port_lo = (uint16_t)lo;
		r->port_hi = (uint16_t)hi;
		GString *why = g_string_new(NULL);
		if (strchr(tok[3], '/')) {
			ok = cidr_parse(tok[3], &r->peer, why);
			if (!ok)
				ld_problem(l->ld, g, key, "'%s': '%s' %s", text, tok[3], why->str);
		} else if ((r->peer_sg = ld_lookup(l->ld, GK_SG, tok[3])) < 0) {
			ld_problem(l->ld, g, key, "'%s': '%s' is neither a CIDR nor a [security_group]; expected a CIDR "
			             "such as 10.0.0.0/16 or the name of a security group", text, tok[3]);
		} else {
			int a = SC_AT(l->sc->security_groups, sc_sg, sg)->vpc;
			int b = SC_AT(l->sc->security_groups, sc_sg, r->peer_sg)->vpc;
			ok = a < 0 || b < 0 || a == b || sc_peered(l, a, b) || (ingress && sc_share_tgw(l, a, b));
			if (!ok)
				ld_problem(l->ld, g, key, "'%s': security group %s is in %s, which is neither this group's "
				             "VPC (%s) nor peered with it; expected a group of the same VPC or "
				             "of a peered VPC (for ingress, also of a VPC on the same transit "
				             "gateway)", text, tok[3], sc_vpc_name(l, b), sc_vpc_name(l, a));
		}
		g_string_free(why, TRUE);
	}
	g_strfreev(raw);
	if (ok)
		r->text = g_strdup(text);
	return ok;
}

static void build_sg_rules(sc_loader *l)
{
	for (guint i = 0; i < ld_groups(l->ld, GK_SG)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_SG)->pdata[i];
		sc_sg *s = SC_AT(l->sc->security_groups, sc_sg, i);
		static const char *const keys[] = { "ingress", "egress" };
		for (int d = 0; d < 2; d++) {
			GArray *rules = d ? s->egress : s->ingress;
			const char *v = ld_get(g, keys[d], NULL);
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

static void free_rules(GArray *rules)
{
	if (!rules)
		return;
	for (guint i = 0; i < rules->len; i++)
		g_free(SC_AT(rules, sc_sg_rule, i)->text);
	g_array_unref(rules);
}

static void sg_clear(void *elem)
{
	sc_sg *s = elem;
	free_rules(s->ingress);
	free_rules(s->egress);
}

static gboolean sg_in(const GArray *sgs, int g)
{
	for (guint i = 0; sgs && i < sgs->len; i++)
		if (g_array_index(sgs, int, i) == g)
			return TRUE;
	return FALSE;
}

/* Security group rules: every rule of a consumer's groups; on the service
 * side the rules of the groups where the service is entered, per consumer
 * when they name it.  AWS creates the default egress rule with the group:
 * nobody keeps it. */
static void sg_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	const GArray *entry_sgs = x->entry_lb >= 0 ? SC_AT(sc->load_balancers, sc_lb, x->entry_lb)->sgs : NULL;
	static const char *const default_egress = "all any to 0.0.0.0/0";
	guint64 sg_fixed_max = 0, sg_per_max = 0;
	for (guint i = 0; i < sc->security_groups->len; i++) {
		const sc_sg *g = SC_AT(sc->security_groups, sc_sg, i);
		guint defaults = 0;
		for (guint k = 0; k < g->egress->len; k++)
			defaults += strcmp(SC_AT(g->egress, sc_sg_rule, k)->text, default_egress) == 0;
		if (g->vpc == x->consumer) {
			c->per[CFG_SG_RULES] += g->ingress->len + g->egress->len - defaults;
			continue;
		}
		if (g->vpc != x->service || !sg_in(entry_sgs, (int)i))
			continue;
		const GArray *sides[2] = { g->ingress, g->egress };
		for (int s = 0; s < 2; s++) {
			guint64 fixed = 0, per = 0;
			for (guint k = 0; k < sides[s]->len; k++) {
				const sc_sg_rule *r = SC_AT(sides[s], sc_sg_rule, k);
				if (s == 1 && strcmp(r->text, default_egress) == 0)
					continue;
				int named = r->peer_sg < 0 ? sc_config_names_vpc(sc, x->service, r->peer) : -1;
				if (named == x->consumer)
					per++;
				else if (named < 0)
					fixed++;
			}
			c->per[CFG_SG_RULES] += per;
			c->fixed[CFG_SG_RULES] += fixed;
			if (per > sg_per_max) {
				sg_per_max = per;
				sg_fixed_max = fixed;
			}
		}
	}
	guint limit = sc->profile->limits.sg_rules_per_group;
	char *what = g_strdup_printf("%u rules per security group (the service's)", limit);
	sc_config_quota(c, 30, sg_fixed_max, sg_per_max, limit, what);
	g_free(what);
}

/* Groups first (instances name them), rules after the instances and
 * routes, since a rule may name another group. */
static const sc_step sg_steps[] = { { 140, build_security_groups },
				    { 400, build_sg_rules },
				    { 0, NULL } };
const sc_kind sc_kind_security_group = {
	.group = { "security_group", sg_keys },
	.size = sizeof(sc_sg),
	.steps = sg_steps,
	.clear = sg_clear,
	.config = sg_config,
};
