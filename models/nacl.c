/* \summary: network ACLs: stateless numbered allow/deny rules at subnet boundaries; the [network_acl] group */
#include "nacl.h"
#include "kindlib.h"

#include <stdlib.h>
#include <string.h>

/* ---- deciding ---- */

static gboolean rule_matches(const sc_nacl_rule *r, uint8_t proto, uint16_t dport, uint32_t peer)
{
	switch (r->proto) {
	case SC_PROTO_ALL: break;
	case SC_PROTO_TCP: if (proto != PKT_PROTO_TCP) return FALSE; break;
	case SC_PROTO_UDP: if (proto != PKT_PROTO_UDP) return FALSE; break;
	case SC_PROTO_ICMP: if (proto != 1) return FALSE; break;
	}
	if ((r->proto == SC_PROTO_TCP || r->proto == SC_PROTO_UDP) &&
	    (dport < r->port_lo || dport > r->port_hi))
		return FALSE;
	return sc_cidr_contains(r->peer, peer);
}

gboolean nacl_allows(const sc_nacl *a, gboolean egress, const pkt *p, const sc_nacl_rule **rule)
{
	const GArray *rules = egress ? a->egress : a->ingress;
	uint8_t proto = pkt_proto(p);
	uint16_t dport = proto == PKT_PROTO_TCP || proto == PKT_PROTO_UDP ? pkt_dport(p) : 0;
	uint32_t peer = egress ? pkt_ip_dst(p) : pkt_ip_src(p);
	for (guint i = 0; i < rules->len; i++) {
		const sc_nacl_rule *r = &g_array_index(rules, sc_nacl_rule, i);
		if (rule_matches(r, proto, dport, peer)) {
			*rule = r;
			return r->allow;
		}
	}
	*rule = NULL;
	return FALSE;
}

const sc_nacl *nacl_of_subnet(const scenario *sc, int subnet)
{
	/* A scenario made by hand (tests) may have no array for the kind. */
	const GArray *all = sc->of[GK_NACL];
	for (guint i = 0; all && subnet >= 0 && i < all->len; i++) {
		const sc_nacl *a = &g_array_index(all, sc_nacl, i);
		if (a->subnets && sc_int_array_has(a->subnets, subnet))
			return a;
	}
	return NULL;
}

/* ---- [network_acl] in scenario files ---- */

static const ld_key nacl_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "subnets", TRUE, "comma-separated [subnet] names of the VPC, each in one network ACL at most" },
	{ "ingress", FALSE, "comma-separated rules 'NUMBER allow|deny PROTO PORTS from CIDR', such as "
	                    "'100 allow tcp 80 from 10.0.0.0/16'" },
	{ "egress", FALSE, "comma-separated rules 'NUMBER allow|deny PROTO PORTS to CIDR', such as "
	                   "'100 allow tcp 1024-65535 to 0.0.0.0/0'" },
	{ NULL },
};

/* One rule "NUMBER allow|deny PROTO PORTS from|to CIDR"; reports and
 * returns FALSE on a bad one. */
static gboolean parse_rule(sc_loader *l, const ld_group *g, const char *key, const char *text,
                           sc_nacl_rule *r)
{
	gboolean ingress = strcmp(key, "ingress") == 0;
	const char *dir = ingress ? "from" : "to";
	char **tok = g_strsplit_set(text, " \t", -1);
	GPtrArray *t = g_ptr_array_new();
	for (char **s = tok; *s; s++)
		if (**s)
			g_ptr_array_add(t, *s);
	static const char *const protos[] = { "all", "tcp", "udp", "icmp", NULL };
	int proto = -1;
	for (int i = 0; t->len > 2 && protos[i]; i++)
		if (strcmp(t->pdata[2], protos[i]) == 0)
			proto = i;
	guint64 number = 0, lo = 0, hi = 65535;
	gboolean ok = FALSE;
	memset(r, 0, sizeof *r);
	if (t->len != 6 || strcmp(t->pdata[4], dir) != 0) {
		ld_problem(l->ld, g, key, "'%s' is not a rule; expected 'NUMBER allow|deny PROTO PORTS %s "
		           "CIDR' such as '100 allow tcp 443 %s 10.0.0.0/16'", text, dir, dir);
	} else if (!g_ascii_string_to_unsigned(t->pdata[0], 10, 1, 32766, &number, NULL)) {
		ld_problem(l->ld, g, key, "'%s': rule number '%s' is not one; expected a whole number "
		           "from 1 to 32766", text, (char *)t->pdata[0]);
	} else if (strcmp(t->pdata[1], "allow") != 0 && strcmp(t->pdata[1], "deny") != 0) {
		ld_problem(l->ld, g, key, "'%s': action '%s' is not known; expected allow or deny", text,
		           (char *)t->pdata[1]);
	} else if (proto < 0) {
		ld_problem(l->ld, g, key, "'%s': protocol '%s' is not known; expected tcp, udp, icmp or all",
		           text, (char *)t->pdata[2]);
	} else if (strcmp(t->pdata[3], "any") != 0 && (proto == SC_PROTO_ALL || proto == SC_PROTO_ICMP)) {
		ld_problem(l->ld, g, key, "'%s': %s has no ports; expected '%s any'", text,
		           (char *)t->pdata[2], (char *)t->pdata[2]);
	} else if (!sc_parse_ports(t->pdata[3], &lo, &hi)) {
		ld_problem(l->ld, g, key, "'%s': ports '%s' are not a port or range; expected 80, "
		           "1024-65535 or any", text, (char *)t->pdata[3]);
	} else {
		GString *why = g_string_new(NULL);
		ok = cidr_parse(t->pdata[5], &r->peer, why);
		if (!ok)
			ld_problem(l->ld, g, key, "'%s': '%s' %s", text, (char *)t->pdata[5], why->str);
		g_string_free(why, TRUE);
		r->number = (guint)number;
		r->allow = strcmp(t->pdata[1], "allow") == 0;
		r->proto = (sc_proto)proto;
		r->port_lo = (uint16_t)lo;
		r->port_hi = (uint16_t)hi;
	}
	g_ptr_array_unref(t);
	g_strfreev(tok);
	if (ok)
		r->text = g_strdup(text);
	return ok;
}

static gint rule_cmp(gconstpointer a, gconstpointer b)
{
	const sc_nacl_rule *x = a, *y = b;
	return x->number < y->number ? -1 : x->number > y->number;
}

/* The rules of one direction, by number; a number used twice is a problem. */
static GArray *read_rules(sc_loader *l, const ld_group *g, const char *key)
{
	GArray *rules = g_array_new(FALSE, TRUE, sizeof(sc_nacl_rule));
	const char *v = ld_get(g, key, NULL);
	if (!v)
		return rules;
	char **items = g_strsplit(v, ",", -1);
	for (char **it = items; *it; it++) {
		const char *item = g_strstrip(*it);
		sc_nacl_rule r;
		if (!*item || !parse_rule(l, g, key, item, &r))
			continue;
		gboolean dup = FALSE;
		for (guint i = 0; i < rules->len && !dup; i++)
			dup = g_array_index(rules, sc_nacl_rule, i).number == r.number;
		if (dup) {
			ld_problem(l->ld, g, key, "'%s': rule number %u is used twice; expected each number "
			           "once per direction", item, r.number);
			g_free(r.text);
			continue;
		}
		g_array_append_val(rules, r);
	}
	g_strfreev(items);
	g_array_sort(rules, rule_cmp);
	return rules;
}

static void build_nacls(sc_loader *l)
{
	scenario *sc = l->sc;
	GPtrArray *groups = ld_groups(l->ld, GK_NACL);
	/* subnet -> the first network ACL that took it + 1 */
	GHashTable *taken = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (guint i = 0; i < groups->len; i++) {
		const ld_group *g = groups->pdata[i];
		sc_nacl *a = SC_AT(sc->of[GK_NACL], sc_nacl, i);
		a->name = g_strdup(g->name);
		a->vpc = ld_ref(l->ld, g, "vpc", GK_VPC);
		a->subnets = g_array_new(FALSE, FALSE, sizeof(int));
		const char *v = ld_get(g, "subnets", NULL);
		if (v)
			ld_ref_list(l->ld, g, "subnets", v, GK_SUBNET, a->subnets, TRUE);
		for (guint k = 0; k < a->subnets->len; k++) {
			int s = g_array_index(a->subnets, int, k);
			const sc_subnet *sn = SC_AT(sc->subnets, sc_subnet, s);
			int other = GPOINTER_TO_INT(g_hash_table_lookup(taken, GINT_TO_POINTER(s + 1))) - 1;
			if (a->vpc >= 0 && sn->vpc >= 0 && sn->vpc != a->vpc)
				ld_problem(l->ld, g, "subnets", "'%s' is a subnet of %s, not of %s; expected "
				           "subnets of the network ACL's VPC", sn->name, sc_vpc_name(l, sn->vpc),
				           sc_vpc_name(l, a->vpc));
			else if (other >= 0)
				ld_problem(l->ld, g, "subnets", "'%s' is already associated with network ACL "
				           "%s; expected each subnet in one network ACL at most", sn->name,
				           SC_AT(sc->of[GK_NACL], sc_nacl, other)->name);
			else
				g_hash_table_insert(taken, GINT_TO_POINTER(s + 1), GINT_TO_POINTER((int)i + 1));
		}
		a->ingress = read_rules(l, g, "ingress");
		a->egress = read_rules(l, g, "egress");
	}
	g_hash_table_unref(taken);
}

static void free_rules(GArray *rules)
{
	for (guint i = 0; rules && i < rules->len; i++)
		g_free(g_array_index(rules, sc_nacl_rule, i).text);
	sc_unref(rules);
}

static void nacl_clear(void *elem)
{
	sc_nacl *a = elem;
	sc_unref(a->subnets);
	free_rules(a->ingress);
	free_rules(a->egress);
}

/* After the subnets (130); the VPC routers read them when they add ports. */
static const sc_step nacl_steps[] = { { 410, build_nacls }, { 0, NULL } };
const sc_kind sc_kind_network_acl = {
	.group = { "network_acl", nacl_keys },
	.size = sizeof(sc_nacl),
	.steps = nacl_steps,
	.clear = nacl_clear,
};
