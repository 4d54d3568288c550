/* \summary: [load_balancer] and [target_group] groups: keys, listeners and rules, loading and checks (the runtime is alb.c and nlb.c) */
#include "kindlib.h"
#include "nlb.h"
#include "alb.h"
#include "world.h"
#include "error.h"
#include "lbhealth.h"

#include <math.h>
#include <string.h>

static const char *const lb_types[] = { "application", "network", NULL };

static const ld_key lb_keys[] = {
	{ "type", TRUE, "application or network" },
	{ "scheme", FALSE, "internal or internet-facing" },
	{ "subnets", TRUE, "comma-separated [subnet] names of one VPC, one per AZ (two AZs or more "
	                   "for an application load balancer)" },
	{ "security_groups", FALSE, "comma-separated [security_group] names of the load balancer's "
	                            "VPC (at least one for an application load balancer)" },
	{ "cross_zone", FALSE, "true or false (network load balancers; always on for application "
	                       "ones)" },
	{ "idle_timeout", FALSE, "a whole number of seconds, 1s to 4000s for an application load "
	                         "balancer, 60s to 6000s for a network one" },
	{ "algorithm", FALSE, "round_robin or least_outstanding_requests" },
	{ "preserve_client_ip", FALSE, "true or false" },
	{ "listeners", TRUE, "comma-separated listeners 'PROTO PORT -> TARGET_GROUP', http or https "
	                     "for an application load balancer and tcp or tls for a network one" },
	{ "certificate_size", FALSE, "the certificate chain HTTPS and TLS listeners send, DER bytes "
	                             "such as 2527B or 4KB (default: the profile's [tls])" },
	{ "ssl_policy", FALSE, "the HTTPS and TLS listeners' security policy name, informational "
	                       "(default ELBSecurityPolicy-TLS13-1-2-2021-06)" },
	{ "rules", FALSE, "comma-separated rules 'path PATTERN -> TARGET_GROUP' or 'host PATTERN "
	                  "-> TARGET_GROUP'" },
	{ NULL },
};

static const ld_key tg_keys[] = {
	{ "type", FALSE, "instance or alb" },
	{ "port", FALSE, "the port the targets listen on, a whole number from 1 to 65535" },
	{ "protocol", FALSE, "what the load balancer speaks to the targets: http or https (an "
	                     "application load balancer's), tcp or tls (a network one's); default "
	                     "http or tcp" },
	{ "targets", TRUE, "instance names or globs of one VPC (type instance), or one application "
	                   "[load_balancer] (type alb)" },
	/* Health checks: lbhealth_keys() reads them (models/lbhealth.c). */
	{ "health_check_protocol", FALSE, "http or tcp (tcp for network load balancers only)" },
	{ "health_check_path", FALSE, "an absolute path such as /health (http checks)" },
	{ "health_check_port", FALSE, "traffic-port or a port from 1 to 65535" },
	{ "health_check_interval", FALSE, "whole seconds from 5s to 300s" },
	{ "health_check_timeout", FALSE, "whole seconds from 2s to 120s, less than the interval" },
	{ "healthy_threshold", FALSE, "a whole number from 2 to 10" },
	{ "unhealthy_threshold", FALSE, "a whole number from 2 to 10" },
	{ "matcher", FALSE, "HTTP codes: one (200), a list (200,202) read as its lowest to highest, "
	                    "or a range (200-299), within 200-499 (ALB) or 200-599 (NLB)" },
	{ NULL },
};

/* A load balancer's listener ports, "80, 8080", for messages.  Caller frees. */
char *sc_listener_ports(const sc_lb *lb)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < lb->listeners->len; i++)
		g_string_append_printf(s, "%s%u", i ? ", " : "",
		                       SC_AT(lb->listeners, sc_listener, i)->port);
	return g_string_free(s, FALSE);
}

gboolean sc_lb_has_port(const sc_lb *lb, uint16_t lport)
{
	for (guint i = 0; i < lb->listeners->len; i++)
		if (SC_AT(lb->listeners, sc_listener, i)->port == lport)
			return TRUE;
	return FALSE;
}

/* The AZs of a load balancer's nodes, "use1-az1, use1-az2".  Caller frees. */
char *sc_lb_azs(sc_loader *l, const sc_lb *lb)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < lb->subnets->len; i++) {
		const sc_subnet *sn = SC_AT(l->sc->subnets, sc_subnet, g_array_index(lb->subnets, int, i));
		if (sn->az)
			g_string_append_printf(s, "%s%s", s->len ? ", " : "", sn->az);
	}
	return g_string_free(s, FALSE);
}

/* Reports `key` written on a load balancer of the type it does not apply
 * to; TRUE when it is absent or applies. */
static gboolean only_for(sc_loader *l, const ld_group *g, const char *key, int type, sc_lb_type want)
{
	if (!ld_has(g, key) || type < 0 || type == (int)want)
		return TRUE;
	const char *v = ld_get(g, key, "");
	const char *other = lb_types[type];
	ld_problem(l->ld, g, key, "'%s': the key %s is for %s load balancers only; expected no %s key on %s %s "
	             "load balancer", v ? v : "", key, lb_types[want], key, ld_article(other), other);
	return FALSE;
}

/* The idle timeout: whole seconds (AWS sets it in seconds) within AWS's
 * range for the type. */
static void get_idle_timeout(sc_loader *l, const ld_group *g, int type, sim_time *out)
{
	const char *v = ld_get(g, "idle_timeout", NULL);
	if (!v)
		return;
	sim_time t;
	GError *e = NULL;
	if (!units_parse_time(v, &t, &e)) {
		ld_problem(l->ld, g, "idle_timeout", "%s", e->message);
		g_error_free(e);
		return;
	}
	/* ALB 1-4000 s, NLB 60-6000 s (aws-facts.md section 2). */
	sim_time lo = type == SC_LB_NETWORK ? 60 : 1, hi = type == SC_LB_NETWORK ? 6000 : 4000;
	if (t % SIM_S != 0)
		ld_problem(l->ld, g, "idle_timeout", "'%s' is not a whole number of seconds; expected %s", v,
		  ld_key_find(lb_keys, "idle_timeout")->what);
	else if (type < 0 && t <= 0)
		ld_problem(l->ld, g, "idle_timeout", "'%s' is not positive; expected %s", v,
		  ld_key_find(lb_keys, "idle_timeout")->what);
	else if (type >= 0 && (t < lo * SIM_S || t > hi * SIM_S))
		ld_problem(l->ld, g, "idle_timeout", "'%s' is out of range for %s %s load balancer; expected %" 
		                        G_GINT64_FORMAT "s to %" G_GINT64_FORMAT "s", v,
		  ld_article(lb_types[type]), lb_types[type], (gint64)lo, (gint64)hi);
	else
		*out = t;
}

/* certificate_size and ssl_policy (which only HTTPS/TLS listeners use). */
static void get_tls_keys(sc_loader *l, const ld_group *g, sc_lb *lb)
{
	const char *v = ld_get(g, "certificate_size", NULL);
	double d;
	GError *e = NULL;
	if (v && !units_parse(v, UNIT_SIZE, &d, &e)) {
		ld_problem(l->ld, g, "certificate_size", "%s", e->message);
		g_error_free(e);
	} else if (v && (d < 64 || d > 65536 || d != floor(d))) {
		/* A chain fits one Certificate message; 64 KiB is far beyond any
		 * real one and keeps the flight a few records. */
		ld_problem(l->ld, g, "certificate_size", "'%s' is out of range; expected a whole number "
		                     "of bytes from 64B to 64KiB", v);
	} else if (v) {
		lb->certificate_bytes = (uint64_t)d;
	}
	lb->ssl_policy = g_strdup(ld_get(g, "ssl_policy", "ELBSecurityPolicy-TLS13-1-2-2021-06"));
}

/* Everything of a load balancer but its listeners and rules, which name
 * target groups (built next, since they in turn may name a load balancer). */
static void build_lbs(sc_loader *l)
{
	static const char *const schemes[] = { "internal", "internet-facing", NULL };
	static const char *const algorithms[] = { "round_robin", "least_outstanding_requests",
		                                  NULL };
	scenario *sc = l->sc;
	l->lb_type = g_new0(int, ld_groups(l->ld, GK_LB)->len + 1);
	for (guint i = 0; i < ld_groups(l->ld, GK_LB)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_LB)->pdata[i];
		sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		lb->name = g_strdup(g->name);
		lb->subnets = g_array_new(FALSE, FALSE, sizeof(int));
		lb->node_ips = g_array_new(FALSE, TRUE, sizeof(uint32_t));
		lb->node_public_ips = g_array_new(FALSE, TRUE, sizeof(uint32_t));
		lb->sgs = g_array_new(FALSE, FALSE, sizeof(int));
		lb->listeners = g_array_new(FALSE, TRUE, sizeof(sc_listener));
		int type = ld_get(g, "type", NULL) ? ld_get_choice(l->ld, g, "type", NULL, lb_types) : -1;
		l->lb_type[i] = type;
		lb->type = type == SC_LB_NETWORK ? SC_LB_NETWORK : SC_LB_APPLICATION;
		lb->internet_facing = ld_get_word(l->ld, g, "scheme", "internal", schemes) == 1;

		const char *v = ld_get(g, "subnets", NULL);
		if (v)
			ld_ref_list(l->ld, g, "subnets", v, GK_SUBNET, lb->subnets, TRUE);
		lb->vpc = sc_check_subnet_list(l, g, "subnets", lb->subnets, -1, NULL,
		                            "the load balancer nodes");
		g_array_set_size(lb->node_ips, lb->subnets->len);
		g_array_set_size(lb->node_public_ips, lb->subnets->len);
		/* "[Application Load Balancers] You must specify subnets from at
		 * least two Availability Zones" (ELBv2 CreateLoadBalancer, Subnets). */
		if (type == SC_LB_APPLICATION && lb->subnets->len == 1) {
			const sc_subnet *s = SC_AT(sc->subnets, sc_subnet,
			                           g_array_index(lb->subnets, int, 0));
			ld_problem(l->ld, g, "subnets", "'%s' covers one AZ (%s); expected subnets in two AZs or more, "
			                   "which AWS requires of an application load balancer", v,
			  s->az ? s->az : "?");
		}

		if (ld_has(g, "security_groups")) {
			v = ld_get(g, "security_groups", NULL);
			if (v)
				ld_ref_list(l->ld, g, "security_groups", v, GK_SG, lb->sgs,
				         type == SC_LB_APPLICATION);
			sc_check_sg_list(l, g, lb->sgs, lb->vpc, "the load balancer's");
		} else if (type == SC_LB_APPLICATION) {
			ld_problem(l->ld, g, "security_groups", "missing; expected %s",
			  ld_key_find(lb_keys, "security_groups")->what);
		}

		/* ALB: cross-zone is always on at the load balancer level; NLB: off
		 * unless turned on. */
		if (type == SC_LB_APPLICATION) {
			lb->cross_zone = TRUE;
			v = ld_get(g, "cross_zone", "true");
			if (v && strcmp(v, "false") == 0)
				ld_problem(l->ld, g, "cross_zone", "'false': ALB cross-zone load balancing is always on; "
				                      "expected true, or no cross_zone key, on an application "
				                      "load balancer");
			else
				ld_get_bool(l->ld, g, "cross_zone", TRUE);
		} else {
			lb->cross_zone = ld_get_bool(l->ld, g, "cross_zone", FALSE);
		}

		get_idle_timeout(l, g, type, &lb->idle_timeout);
		if (only_for(l, g, "algorithm", type, SC_LB_APPLICATION))
			lb->algorithm = (sc_lb_algorithm)ld_get_word(l->ld, g, "algorithm", "round_robin",
			                                          algorithms);
		/* An ALB ends the client's connection: targets see its node's
		 * address whatever the key says, so it takes none. */
		if (only_for(l, g, "preserve_client_ip", type, SC_LB_NETWORK))
			lb->preserve_client_ip = ld_get_bool(l->ld, g, "preserve_client_ip",
			                                  type != SC_LB_APPLICATION);
		only_for(l, g, "rules", type, SC_LB_APPLICATION);
		get_tls_keys(l, g, lb);
	}
}

static void build_target_groups(sc_loader *l)
{
	static const char *const tg_types[] = { "instance", "alb", NULL };
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_TG)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_TG)->pdata[i];
		sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, i);
		tg->name = g_strdup(g->name);
		tg->targets = g_array_new(FALSE, FALSE, sizeof(int));
		tg->vpc = -1;
		int type = ld_get_choice(l->ld, g, "type", "instance", tg_types);
		tg->type = type == 1 ? SC_TG_ALB : SC_TG_INSTANCE;

		const char *v = ld_get(g, "targets", NULL);
		if (v && type == 0) {
			ld_ref_list(l->ld, g, "targets", v, GK_INSTANCE, tg->targets, TRUE);
			const sc_instance *first = NULL;
			for (guint j = 0; j < tg->targets->len; j++) {
				const sc_instance *in = SC_AT(sc->instances, sc_instance,
				                              g_array_index(tg->targets, int, j));
				int vpc = sc_subnet_vpc(l, in->subnet);
				if (!first) {
					first = in;
					tg->vpc = vpc;
				} else if (vpc >= 0 && tg->vpc >= 0 && vpc != tg->vpc) {
					ld_problem(l->ld, g, "targets", "'%s' is in %s, not %s (the VPC of %s, the first "
					                   "target); expected targets in one VPC", in->name,
					  sc_vpc_name(l, vpc), sc_vpc_name(l, tg->vpc), first->name);
				}
			}
		} else if (v && type == 1) {
			char *one = g_strstrip(g_strdup(v));
			int lb = strpbrk(one, ",*?") ? -2 : ld_lookup(l->ld, GK_LB, one);
			if (lb == -2)
				ld_problem(l->ld, g, "targets", "'%s' is not one name; expected exactly one application "
				                   "[load_balancer] (AWS allows one ALB per target group of "
				                   "type alb)", one);
			else if (lb < 0)
				ld_undefined(l->ld, g, "targets", one, GK_LB);
			else if (l->lb_type[lb] == SC_LB_NETWORK)
				ld_problem(l->ld, g, "targets", "'%s' is a network load balancer; expected an application "
				                   "one (a target group of type alb forwards to an ALB)", one);
			else {
				g_array_append_val(tg->targets, lb);
				tg->vpc = SC_AT(sc->load_balancers, sc_lb, lb)->vpc;
			}
			g_free(one);
		}

		/* What the load balancer speaks to the targets (the listener's
		 * protocol says what it speaks to clients). */
		static const char *const tg_protos[] = { "http", "https", "tcp", "tls", NULL };
		int proto = ld_get_choice(l->ld, g, "protocol", NULL, tg_protos);
		tg->tls = proto == 1 || proto == 3;
		tg->protocol = ld_has(g, "protocol") ? proto : -1;

		v = ld_get(g, "port", NULL);
		if (v && !sc_parse_port(v, &tg->port))
			ld_problem(l->ld, g, "port", "'%s' is not a port; expected a whole number from 1 to 65535", v);
		else if (!ld_has(g, "port") && type == 0)
			ld_problem(l->ld, g, "port", "missing; expected %s (a target group of type instance needs one)",
			  ld_key_find(tg_keys, "port")->what);
	}
}

/* May load balancer `lbi` forward to target group `tgi`?  Reports why not. */
static gboolean check_lb_tg(sc_loader *l, const ld_group *g, const char *key, const char *item, int lbi,
                            int tgi, gboolean tls_listener)
{
	const sc_lb *lb = SC_AT(l->sc->load_balancers, sc_lb, lbi);
	const sc_target_group *tg = SC_AT(l->sc->target_groups, sc_target_group, tgi);
	if (tg->type == SC_TG_ALB && l->lb_type[lbi] == SC_LB_APPLICATION) {
		ld_problem(l->ld, g, key, "'%s': target group %s is of type alb, which only a network load "
		             "balancer's listener can use; expected a target group of type instance",
		  item, tg->name);
		return FALSE;
	}
	if (tg->protocol == 1 && l->lb_type[lbi] == SC_LB_NETWORK) {
		ld_problem(l->ld, g, key, "'%s': target group %s has protocol https, which only an application "
		             "load balancer speaks to targets; expected a target group of protocol tcp or tls",
		  item, tg->name);
		return FALSE;
	}
	if (tg->protocol == 3 && l->lb_type[lbi] == SC_LB_APPLICATION) {
		ld_problem(l->ld, g, key, "'%s': target group %s has protocol tls, which only a network load "
		             "balancer speaks to targets; expected a target group of protocol http or https",
		  item, tg->name);
		return FALSE;
	}
	/* AWS (Create a target group for your Network Load Balancer): "If the
	 * listener protocol is TCP, choose TCP or TCP_UDP.  If the listener
	 * protocol is TLS, choose TCP or TLS." */
	if (tg->protocol == 3 && l->lb_type[lbi] == SC_LB_NETWORK && !tls_listener) {
		ld_problem(l->ld, g, key, "'%s': target group %s has protocol tls, which a tcp listener cannot "
		             "use (AWS: a TCP listener's target groups are TCP or TCP_UDP); expected a tls "
		             "listener, or a target group of protocol tcp", item, tg->name);
		return FALSE;
	}
	if (tg->type == SC_TG_ALB && tls_listener) {
		ld_problem(l->ld, g, key, "'%s': target group %s is of type alb, which only a tcp listener "
		             "forwards to here (a TLS listener in front of an ALB is not modelled); expected a "
		             "tcp listener, or a target group of type instance", item, tg->name);
		return FALSE;
	}
	if (tg->vpc >= 0 && lb->vpc >= 0 && tg->vpc != lb->vpc) {
		ld_problem(l->ld, g, key, "'%s': target group %s is in %s (its targets' VPC), not %s (the load "
		             "balancer's); expected a target group of the load balancer's VPC", item,
		  tg->name, sc_vpc_name(l, tg->vpc), sc_vpc_name(l, lb->vpc));
		return FALSE;
	}
	return TRUE;
}

/* Splits "A B -> C" into two words and a name; FALSE when it is not that. */
static gboolean split_arrow(const char *item, char **w1, char **w2, char **name)
{
	*w1 = *w2 = *name = NULL;
	const char *arrow = strstr(item, "->");
	if (!arrow)
		return FALSE;
	char *left = g_strndup(item, (gsize)(arrow - item));
	char **raw = g_strsplit_set(left, " \t", -1);
	GPtrArray *tok = g_ptr_array_new();
	for (char **t = raw; *t; t++)
		if (**t)
			g_ptr_array_add(tok, *t);
	char *right = g_strstrip(g_strdup(arrow + 2));
	gboolean ok = tok->len == 2 && *right && !strpbrk(right, " \t");
	if (ok) {
		*w1 = g_strdup(tok->pdata[0]);
		*w2 = g_strdup(tok->pdata[1]);
		*name = right;
	} else {
		g_free(right);
	}
	g_ptr_array_unref(tok);
	g_strfreev(raw);
	g_free(left);
	return ok;
}

/* One listener "PROTO PORT -> TARGET_GROUP"; reports and returns FALSE on a
 * bad one. */
static gboolean parse_listener(sc_loader *l, const ld_group *g, int lbi, const char *item,
                               sc_listener *out)
{
	const sc_lb *lb = SC_AT(l->sc->load_balancers, sc_lb, lbi);
	int type = l->lb_type[lbi];
	static const char *const protos[] = { "http", "tcp" };
	static const char *const takes[] = { "http and https", "tcp and tls" };
	char *proto, *pnum, *tgname;
	gboolean ok = FALSE;
	memset(out, 0, sizeof *out);
	if (!split_arrow(item, &proto, &pnum, &tgname)) {
		ld_problem(l->ld, g, "listeners", "'%s' is not a listener; expected 'PROTO PORT -> TARGET_GROUP' "
		                     "such as '%s'", item,
		  type == SC_LB_NETWORK ? "tcp 443 -> tg-app" : "http 80 -> tg-web");
	} else if (strcmp(proto, "http") != 0 && strcmp(proto, "tcp") != 0 &&
	           strcmp(proto, "https") != 0 && strcmp(proto, "tls") != 0) {
		ld_problem(l->ld, g, "listeners", "'%s': protocol '%s' is not known; expected http or https "
		                     "(application load balancers) or tcp or tls (network load balancers); "
		                     "UDP listeners are not modelled", item, proto);
	} else if (type >= 0 && strcmp(proto, protos[type]) != 0 &&
	           !(type == SC_LB_APPLICATION && strcmp(proto, "https") == 0) &&
	           !(type == SC_LB_NETWORK && strcmp(proto, "tls") == 0)) {
		ld_problem(l->ld, g, "listeners", "'%s': %s %s load balancer takes %s listeners only; expected "
		                     "'%s %s -> %s'", item, ld_article(lb_types[type]), lb_types[type],
		  takes[type], protos[type], pnum, tgname);
	} else if (!sc_parse_port(pnum, &out->port)) {
		ld_problem(l->ld, g, "listeners", "'%s': port '%s' is not a port; expected a whole number from 1 "
		                     "to 65535", item, pnum);
	} else if (sc_lb_has_port(lb, out->port)) {
		ld_problem(l->ld, g, "listeners", "'%s': the load balancer already has a listener on port %u; "
		                     "expected one listener per port", item, out->port);
	} else if ((out->default_tg = ld_lookup(l->ld, GK_TG, tgname)) < 0) {
		ld_undefined(l->ld, g, "listeners", tgname, GK_TG);
	} else {
		ok = check_lb_tg(l, g, "listeners", item, lbi, out->default_tg,
		                 type == SC_LB_NETWORK && strcmp(proto, "tls") == 0);
	}
	if (ok) {
		/* Both kinds are TCP underneath; `http` says the ALB parses it. */
		out->proto = SC_PROTO_TCP;
		out->http = strcmp(proto, "http") == 0 || strcmp(proto, "https") == 0;
		out->tls = strcmp(proto, "https") == 0 || strcmp(proto, "tls") == 0 ||
		           (out->http && l->sc->https);
		out->rules = g_array_new(FALSE, TRUE, sizeof(sc_lb_rule));
	}
	g_free(proto);
	g_free(pnum);
	g_free(tgname);
	return ok;
}

/* A host condition's pattern: a host name with the wildcards * and ?. */
static gboolean valid_host_pattern(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && !strchr("-.*?", *s))
			return FALSE;
	return TRUE;
}

/* One rule "path PATTERN -> TG" or "host PATTERN -> TG". */
static gboolean parse_lb_rule(sc_loader *l, const ld_group *g, int lbi, const char *item, sc_lb_rule *r)
{
	char *kind, *pattern, *tgname;
	gboolean ok = FALSE;
	memset(r, 0, sizeof *r);
	if (!split_arrow(item, &kind, &pattern, &tgname)) {
		ld_problem(l->ld, g, "rules", "'%s' is not a rule; expected 'path PATTERN -> TARGET_GROUP' or 'host "
		                 "PATTERN -> TARGET_GROUP' such as 'path /api/* -> tg-api'", item);
	} else if (strcmp(kind, "path") != 0 && strcmp(kind, "host") != 0) {
		ld_problem(l->ld, g, "rules", "'%s': condition '%s' is not known; expected path or host (other ALB "
		                 "conditions are not modelled)", item, kind);
	} else if (strlen(pattern) > 128) {
		/* AWS's limit for path and host patterns. */
		ld_problem(l->ld, g, "rules", "'%s': the pattern is longer than 128 characters; expected at most "
		                 "128, as AWS allows", item);
	} else if (kind[0] == 'p' && pattern[0] != '/') {
		ld_problem(l->ld, g, "rules", "'%s': path pattern '%s' does not start with '/'; expected a pattern "
		                 "such as /api/*", item, pattern);
	} else if (kind[0] == 'h' && !valid_host_pattern(pattern)) {
		ld_problem(l->ld, g, "rules", "'%s': host pattern '%s' is not a host name pattern; expected "
		                 "letters, digits, '-', '.' and the wildcards * and ?, such as "
		                 "*.example.com", item, pattern);
	} else if ((r->target_group = ld_lookup(l->ld, GK_TG, tgname)) < 0) {
		ld_undefined(l->ld, g, "rules", tgname, GK_TG);
	} else {
		ok = check_lb_tg(l, g, "rules", item, lbi, r->target_group, FALSE);
	}
	if (ok) {
		r->kind = kind[0] == 'p' ? SC_RULE_PATH : SC_RULE_HOST;
		r->pattern = g_strdup(pattern);
		r->text = g_strdup(item);
	}
	g_free(kind);
	g_free(pattern);
	g_free(tgname);
	return ok;
}

static void free_lb_rules(GArray *rules)
{
	if (!rules)
		return;
	for (guint i = 0; i < rules->len; i++) {
		g_free(SC_AT(rules, sc_lb_rule, i)->pattern);
		g_free(SC_AT(rules, sc_lb_rule, i)->text);
	}
	g_array_unref(rules);
}

/* Listeners, and the rules each listener of an ALB evaluates before its
 * default action.  AWS keeps rules per listener; a scenario writes them
 * once for all of an ALB's listeners, which is what the modelled setups
 * need. */
static void build_lb_listeners(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_LB)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_LB)->pdata[i];
		sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		const char *v = ld_get(g, "listeners", NULL);
		char **items = v ? g_strsplit(v, ",", -1) : NULL;
		int n = 0;
		for (char **it = items; it && *it; it++) {
			const char *item = g_strstrip(*it);
			sc_listener ls;
			if (!*item)
				continue;
			n++;
			if (parse_listener(l, g, (int)i, item, &ls))
				g_array_append_val(lb->listeners, ls);
		}
		g_strfreev(items);
		if (v && n == 0)
			ld_problem(l->ld, g, "listeners", "'%s' names nothing; expected %s (a load balancer without "
			                     "listeners accepts no traffic)", v,
			  ld_key_find(lb_keys, "listeners")->what);

		v = l->lb_type[i] == SC_LB_NETWORK ? NULL : ld_get(g, "rules", NULL);
		items = v ? g_strsplit(v, ",", -1) : NULL;
		GArray *rules = g_array_new(FALSE, TRUE, sizeof(sc_lb_rule));
		for (char **it = items; it && *it; it++) {
			const char *item = g_strstrip(*it);
			sc_lb_rule r;
			if (*item && parse_lb_rule(l, g, (int)i, item, &r))
				g_array_append_val(rules, r);
		}
		g_strfreev(items);
		for (guint j = 0; j < lb->listeners->len; j++) {
			GArray *dst = SC_AT(lb->listeners, sc_listener, j)->rules;
			for (guint k = 0; k < rules->len; k++) {
				sc_lb_rule r = *SC_AT(rules, sc_lb_rule, k);
				r.pattern = g_strdup(r.pattern);
				r.text = g_strdup(r.text);
				g_array_append_val(dst, r);
			}
		}
		free_lb_rules(rules);
	}
}

/* A target group of type alb sends to one of its ALB's listeners: the
 * group's port, which defaults to the ALB's first listener. */
static void check_alb_tg_ports(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_TG)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_TG)->pdata[i];
		sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, i);
		if (tg->type != SC_TG_ALB || tg->targets->len != 1)
			continue;
		const sc_lb *alb = SC_AT(sc->load_balancers, sc_lb, g_array_index(tg->targets, int, 0));
		if (alb->listeners->len == 0)
			continue;
		if (!ld_has(g, "port")) {
			tg->port = SC_AT(alb->listeners, sc_listener, 0)->port;
		} else if (tg->port && !sc_lb_has_port(alb, tg->port)) {
			char *ports = sc_listener_ports(alb);
			ld_problem(l->ld, g, "port", "'%s' is not a listener port of %s; expected one of its listener "
			                "ports (%s)", ld_get(g, "port", ""), alb->name, ports);
			g_free(ports);
		}
	}
}

/* An internet-facing load balancer's nodes need public subnets. */
static void check_lb_public_subnets(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		for (guint j = 0; j < lb->subnets->len && lb->internet_facing; j++) {
			int s = g_array_index(lb->subnets, int, j), t;
			if (sc_subnet_is_public(l, s, &t))
				continue;
			ld_problem(l->ld, (ld_group *)ld_groups(l->ld, GK_LB)->pdata[i], "subnets",
			  "'%s' is not a public subnet: its route table %s has no '0.0.0.0/0 -> "
			  "INTERNET_GATEWAY' route; expected subnets whose route table sends 0.0.0.0/0 to "
			  "an internet gateway, as an internet-facing load balancer needs",
			  SC_AT(sc->subnets, sc_subnet, s)->name,
			  SC_AT(sc->route_tables, sc_route_table, t)->name);
		}
	}
}

/* Load balancer nodes take no explicit address: they compete with
 * instances in file order; internet-facing ones take a public address per
 * node. */
static void lb_addresses(sc_loader *l, const ld_group *g, int i, int pass)
{
	sc_lb *lb = SC_AT(l->sc->load_balancers, sc_lb, i);
	if (pass == 0)
		return;
	for (guint j = 0; j < lb->subnets->len; j++) {
		sc_take_free_ip(l, g, g_array_index(lb->subnets, int, j),
		                &g_array_index(lb->node_ips, uint32_t, j));
		if (lb->internet_facing)
			g_array_index(lb->node_public_ips, uint32_t, j) = sc_next_public(l, g);
	}
}

/* Load balancers without idle_timeout take the profile's (AWS's default:
 * 60 s ALB, 350 s NLB). */
static void default_idle_timeouts(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; sc->profile && i < sc->load_balancers->len; i++) {
		sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		if (lb->idle_timeout == 0)
			lb->idle_timeout = lb->type == SC_LB_NETWORK ? sc->profile->limits.nlb_idle_timeout
			                                             : sc->profile->limits.alb_idle_timeout;
	}
}

/* Load balancers: one port per node, an ENI in its subnet.  An ALB's
 * nodes are the back end's peer: traffic to them from targets is marked. */
static void build_lbs_world(world *w)
{
	fabric *f = world_fabric(w);
	const scenario *sc = f->sc;
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		node *n = NULL;
		if (lb->type == SC_LB_APPLICATION) {
			n = alb_new(f, (int)i, world_sgw(w));
			for (guint k = 0; k < lb->node_ips->len; k++)
				world_add_backend_address(w, lb->vpc, g_array_index(lb->node_ips, uint32_t, k));
		} else {
			n = nlb_new(f, (int)i);
		}
		world_set_node(w, GK_LB, (int)i, n);
		if (n && lb->type == SC_LB_APPLICATION)
			alb_start_health_checks(n);
		else if (n)
			nlb_start_health_checks(n);
		for (guint k = 0; n && k < lb->subnets->len; k++) {
			port *rp = vpc_router_add_port(world_router(w, lb->vpc), VPC_PORT_ENI,
			                               g_array_index(lb->subnets, int, k), -1,
			                               g_array_index(lb->node_ips, uint32_t, k), lb->name);
			world_link(w, node_port(n, k), rp, 0);
		}
	}
}

/* Capacity units (LCU, NLCU) from what each load balancer did. */
static void finish_lbs(world *w, sim_time billed)
{
	const scenario *sc = world_fabric(w)->sc;
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		node *n = world_node(w, GK_LB, (int)i);
		if (n && SC_AT(sc->load_balancers, sc_lb, i)->type == SC_LB_APPLICATION)
			alb_finish(n, billed);
		else if (n)
			nlb_finish(n, billed);
	}
}

/* The report's load balancer section: ALB error responses, and per target
 * the requests forwarded (ALB) and what the health checks found. */
void lb_report(world *w, report *r)
{
	const scenario *sc = world_fabric(w)->sc;
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		node *n = world_node(w, GK_LB, (int)i);
		if (!n)
			continue;
		gboolean is_alb = alb_is(n);
		report_lb *rl = report_add_lb(r, lb->name, is_alb ? "application" : "network");
		const lbhealth *h = is_alb ? alb_health(n) : nlb_health(n);
		if (is_alb) {
			const alb_counters *c = alb_get_counters(n);
			rl->http = TRUE;
			rl->elb_502 = c->elb_502;
			rl->elb_503 = c->elb_503;
			rl->elb_504 = c->elb_504;
			rl->target_5xx = c->target_5xx;
			rl->fail_open = c->fail_open;
		} else if (nlb_ends(n, NULL)) {
			const nlb_stats *st = nlb_get_stats(n);
			rl->tls = TRUE;
			rl->tls_connections = st->tls_connections;
			rl->tls_refused = st->tls_refused;
			rl->tls_expired = st->tls_expired;
		}
		/* Each target group once, in the order listeners and rules name them. */
		GArray *seen = g_array_new(FALSE, FALSE, sizeof(int));
		for (guint k = 0; k < lb->listeners->len; k++) {
			const sc_listener *li = SC_AT(lb->listeners, sc_listener, k);
			for (guint q = 0; q <= (li->rules ? li->rules->len : 0); q++) {
				int tgi = q == 0 ? li->default_tg : SC_AT(li->rules, sc_lb_rule, q - 1)->target_group;
				gboolean dup = tgi < 0;
				for (guint d = 0; d < seen->len && !dup; d++)
					dup = g_array_index(seen, int, d) == tgi;
				if (dup)
					continue;
				g_array_append_val(seen, tgi);
				const sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group, tgi);
				for (guint t = 0; tg->type == SC_TG_INSTANCE && t < tg->targets->len; t++) {
					const sc_instance *in = SC_AT(sc->instances, sc_instance,
					                              g_array_index(tg->targets, int, t));
					report_lb_target *rt = report_lb_add_target(rl, tg->name, in->name);
					rt->has_requests = is_alb;
					if (is_alb)
						rt->requests = alb_target_requests(n, tgi, t);
					lbhealth_target_stats st;
					if (h && lbhealth_target_stats_get(h, tgi, t, &st)) {
						rt->checked = TRUE;
						rt->checks = st.checks;
						rt->checks_failed = st.failed;
						rt->first_unhealthy_ns = st.first_unhealthy;
						rt->last_healthy_ns = st.last_healthy;
						rt->healthy_nodes = st.healthy_nodes;
						rt->nodes = lb->subnets->len;
					}
				}
			}
		}
		g_array_unref(seen);
	}
}

static const sc_build lb_build[] = { { 500, build_lbs_world }, { 0, NULL } };

static void lb_clear(void *elem)
{
	sc_lb *lb = elem;
	for (guint j = 0; lb->listeners && j < lb->listeners->len; j++)
		free_lb_rules(SC_AT(lb->listeners, sc_listener, j)->rules);
	sc_unref(lb->subnets);
	sc_unref(lb->node_ips);
	sc_unref(lb->node_public_ips);
	sc_unref(lb->sgs);
	sc_unref(lb->listeners);
	g_free(lb->ssl_policy);
}

static void target_group_clear(void *elem)
{
	sc_unref(((sc_target_group *)elem)->targets);
	g_free(((sc_target_group *)elem)->hc_path);
}

/* Load balancers, then target groups (which may name an ALB), then
 * listeners (which name target groups). */
static const sc_step lb_steps[] = { { 500, build_lbs },
				    { 520, build_lb_listeners },
				    { 530, check_alb_tg_ports },
				    { 710, check_lb_public_subnets },
				    { 1010, default_idle_timeouts },
				    { 0, NULL } };
static const char *const lb_nodes[] = { "", NULL };
const sc_kind sc_kind_load_balancer = {
	.group = { "load_balancer", lb_keys },
	.size = sizeof(sc_lb),
	.steps = lb_steps,
	.addresses = lb_addresses,
	.clear = lb_clear,
	.nodes = lb_nodes,
	.node_rank = 6,
	.build = lb_build,
	.finish = finish_lbs,
};

static const sc_step target_group_steps[] = { { 510, build_target_groups },
					       { 540, lbhealth_keys },
					       { 1020, lbhealth_check_timeouts },
					       { 0, NULL } };
const sc_kind sc_kind_target_group = {
	.group = { "target_group", tg_keys },
	.size = sizeof(sc_target_group),
	.steps = target_group_steps,
	.clear = target_group_clear,
};
