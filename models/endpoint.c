/* \summary: gateway endpoints (prefix-list routes, free), interface endpoints (PrivateLink ENIs); [gateway_endpoint], [endpoint_service] and [interface_endpoint] groups */
#include "endpoint.h"
#include "flowtab.h"
#include "kindlib.h"
#include "config.h"
#include "s3.h"
#include "nlb.h"
#include "policy.h"
#include "world.h"

#include <string.h>

typedef struct {
	node base;
	fabric *f;
	rng rng;
	cost_line *processing;
	sim_time last[2];
} gw_endpoint;

static void gwe__receive(node *n, pkt *p, port *in)
{
	gw_endpoint *e = (gw_endpoint *)n;
	cost_line_add_bytes(e->processing, fabric_billed_bytes(e->f, p));
	guint out = 1 - in->index;
	NET_TRACE(n->net, n, p, NET_TRACE_DECIDE, "gateway endpoint: %s, addresses unchanged",
	          out == 1 ? "to the service" : "back into the VPC");
	fabric_send(n->net, node_port(n, out), p,
	            dist_sample_ns(&e->f->prof->processing.gw_endpoint, &e->rng), &e->last[out]);
}

static void gwe__destroy(node *n)
{
	node_clear(n);
	g_free(n);
}

static const node_ops gwe_ops = {
	.kind = "gateway-endpoint",
	.receive = gwe__receive,
	.destroy = gwe__destroy,
};

node *gw_endpoint_new(fabric *f, int index)
{
	gw_endpoint *e = g_new0(gw_endpoint, 1);
	const char *name = SC_AT(f->sc->gw_endpoints, sc_gw_endpoint, index)->name;
	node_init(&e->base, &gwe_ops, f->net, name);
	net_rng(f->net, &e->rng, name);
	e->f = f;
	const prices *pr = f->sc->prices;
	e->processing = cost_ledger_line(f->ledger, name, "processing", &pr->gateway_endpoint.processing);
	cost_ledger_add_hourly(f->ledger, name, "hourly", pr->gateway_endpoint.hourly_usd, 1);
	node_add_port(&e->base);
	node_add_port(&e->base);
	return &e->base;
}

/* ---- interface endpoints ---- */

/*
 * The forward rewrite needs nothing but the packet (the ENI it reached
 * says which NLB node or service), so a consumer's packet of a forgotten
 * flow simply makes the flow again; only replies need the state, to find
 * the consumer's ENI.  Flows idle longer than the timeout are forgotten
 * when they are next seen, and from the idle end of the last-use list when
 * a new flow is made (no timer events), as in the NLB: sim/flowtab.h.
 */

typedef flowtab_key ekey; /* in = 0 */

typedef struct {
	ekey fwd;  /* consumer -> ENI */
	ekey rev;  /* service -> consumer */
	uint16_t eni;
} eflow;

typedef struct {
	uint32_t ip;
	uint8_t az;
	uint32_t sender;  /* fabric_sender of the endpoint */
	uint32_t svc_ip;  /* where consumers' packets go from this ENI; 0 = nowhere */
	uint8_t svc_az;   /* the NLB node's AZ, or FABRIC_AZ_NONE for a public service */
	sg_eni *sg;       /* NULL: no check */
	sim_time last;    /* departure clock */
} eni;

typedef struct {
	node base;
	fabric *f;
	const sc_interface_endpoint *ie;
	rng rng;
	GArray *enis;     /* eni, by port index */
	sim_time svc_last;
	uint32_t mtu;
	uint16_t mss;     /* clamp to this (mtu - 40) */
	flowtab *flows;   /* eflow, by fwd and rev */
	cost_line *processing;
	fabric_party *xin;
	interface_endpoint_stats st;
} ifendpoint;

static const flowtab_ops ife_flow_ops = {
	FLOWTAB_LAYOUT(eflow, fwd, rev),
};

static eni *ife_eni(ifendpoint *e, guint i) { return &g_array_index(e->enis, eni, i); }

/* Larger than the endpoint's MTU: dropped, DF or not (an endpoint does not
 * fragment), and no ICMP is sent. */
static gboolean ife_too_big(ifendpoint *e, pkt *p)
{
	if (!e->mtu || pkt_ip_len(p) <= e->mtu)
		return FALSE;
	if (fabric_mtu_drop(e->f, &e->base, p, e->mtu))
		return TRUE;
	char detail[80];
	g_snprintf(detail, sizeof detail, "%u bytes > MTU %u without DF (endpoints do not fragment)",
	           pkt_ip_len(p), e->mtu);
	net_drop_detail(e->base.net, &e->base, p, DROP_MTU, detail);
	return TRUE;
}

/* Data processing, charged in both directions on the shared tier pool. */
static void ife_bill(ifendpoint *e, const pkt *p)
{
	uint32_t billed = fabric_billed_bytes(e->f, p);
	cost_line_add_bytes(e->processing, billed);
	e->st.bytes += billed;
}

static void ife_clamp(ifendpoint *e, pkt *p)
{
	if (pkt_proto(p) != PKT_PROTO_TCP || !(pkt_tcp_flags(p) & PKT_TCP_SYN))
		return;
	uint16_t mss = pkt_tcp_mss(p);
	if (mss > e->mss) {
		pkt_set_tcp_mss(p, e->mss);
		e->st.mss_clamped++;
	}
}

static void ife_drop(ifendpoint *e, pkt *p, drop_reason why, const char *what)
{
	char s[16], d[16];
	char *detail = g_strdup_printf("%s: %s:%u to %s:%u", what, pkt_ip_str(pkt_ip_src(p), s),
	                               pkt_sport(p), pkt_ip_str(pkt_ip_dst(p), d), pkt_dport(p));
	net_drop_detail(e->base.net, &e->base, p, why, detail);
	g_free(detail);
}

static void ife_from_consumer(ifendpoint *e, pkt *p, guint i, sim_time now)
{
	eni *en = ife_eni(e, i);
	const char *denied;
	if (en->sg && !sg_allow_in(en->sg, p, &denied)) {
		net_drop_detail(e->base.net, &e->base, p, DROP_SG, denied);
		return;
	}
	if (en->sg)
		NET_TRACE(e->base.net, &e->base, p, NET_TRACE_DECIDE, "security group, inbound: %s",
		          sg_last_rule(en->sg));
	if (pkt_ip_dst(p) != en->ip) {
		ife_drop(e, p, DROP_NO_ADDRESS, "not the endpoint's address");
		return;
	}
	if (!en->svc_ip) {
		ife_drop(e, p, DROP_SERVICE_AZ, "no load balancer node in the endpoint's AZ");
		return;
	}
	ekey k = { pkt_ip_src(p), pkt_ip_dst(p), pkt_sport(p), pkt_dport(p), 0, pkt_proto(p) };
	eflow *fl = flowtab_lookup(e->flows, FLOWTAB_FWD, &k, now);
	if (!fl) {
		flowtab_prune(e->flows, now);
		ekey r = { en->svc_ip, k.a, k.d, k.c, 0, k.proto };
		if (flowtab_find(e->flows, FLOWTAB_REV, &r)) {
			/* The same consumer address and ports through two of the
			 * endpoint's ENIs to one public service: the replies could
			 * not be told apart. */
			ife_drop(e, p, DROP_NO_FLOW, "tuple already in use through another ENI");
			return;
		}
		fl = flowtab_add(e->flows, &k, &r, now);
		fl->eni = (uint16_t)i;
		e->st.flows++;
	}
	flowtab_touch(e->flows, fl, now);
	ife_clamp(e, p);
	if (G_UNLIKELY(e->base.net->tracer)) {
		char a[16], b[16];
		NET_TRACE(e->base.net, &e->base, p, NET_TRACE_REWRITE,
		          "destination %s -> %s (PrivateLink carries it to the service in this AZ)",
		          pkt_ip_str(pkt_ip_dst(p), b), pkt_ip_str(en->svc_ip, a));
	}
	pkt_set_ip_dst(p, en->svc_ip);
	ife_bill(e, p);
	p->az = en->az;
	p->az_from = en->sender;
	sim_time d = dist_sample_ns(&e->f->prof->processing.interface_endpoint, &e->rng) +
	             fabric_move(e->f, &e->rng, p, en->svc_az, NULL);
	fabric_send(e->base.net, node_port(&e->base, e->enis->len), p, d, &e->svc_last);
}

static void ife_from_service(ifendpoint *e, pkt *p, sim_time now)
{
	ekey k = { pkt_ip_src(p), pkt_ip_dst(p), pkt_sport(p), pkt_dport(p), 0, pkt_proto(p) };
	eflow *fl = flowtab_lookup(e->flows, FLOWTAB_REV, &k, now);
	if (!fl) {
		ife_drop(e, p, DROP_NO_FLOW, "reply");
		return;
	}
	eni *en = ife_eni(e, fl->eni);
	flowtab_touch(e->flows, fl, now);
	ife_clamp(e, p);
	if (G_UNLIKELY(e->base.net->tracer)) {
		char a[16], b[16];
		NET_TRACE(e->base.net, &e->base, p, NET_TRACE_REWRITE,
		          "source %s -> %s (replies come from the endpoint ENI's address)",
		          pkt_ip_str(pkt_ip_src(p), b), pkt_ip_str(en->ip, a));
	}
	pkt_set_ip_src(p, en->ip);
	ife_bill(e, p);
	sim_time d = dist_sample_ns(&e->f->prof->processing.interface_endpoint, &e->rng) +
	             fabric_move(e->f, &e->rng, p, en->az, e->xin);
	p->az_from = en->sender;
	fabric_send(e->base.net, node_port(&e->base, fl->eni), p, d, &en->last);
}

static void ife__receive(node *n, pkt *p, port *in)
{
	ifendpoint *e = (ifendpoint *)n;
	if (ife_too_big(e, p) || !fabric_ttl(e->f, n, p, e->f->prof->ttl.interface_endpoint))
		return;
	uint8_t proto = pkt_proto(p);
	if (proto != PKT_PROTO_TCP && proto != PKT_PROTO_UDP) {
		char detail[32];
		g_snprintf(detail, sizeof detail, "protocol %u", proto);
		net_drop_detail(n->net, n, p, DROP_NO_PORT, detail);
		return;
	}
	sim_time now = net_now(n->net);
	if (in->index < e->enis->len)
		ife_from_consumer(e, p, in->index, now);
	else
		ife_from_service(e, p, now);
}

static void ife__destroy(node *n)
{
	ifendpoint *e = (ifendpoint *)n;
	for (guint i = 0; i < e->enis->len; i++)
		sg_eni_free(ife_eni(e, i)->sg);
	g_array_unref(e->enis);
	flowtab_free(e->flows);
	node_clear(n);
	g_free(e);
}

static const node_ops ife_ops = {
	.kind = "interface-endpoint",
	.receive = ife__receive,
	.destroy = ife__destroy,
};

node *interface_endpoint_new(fabric *f, int index)
{
	const scenario *sc = f->sc;
	const sc_interface_endpoint *ie = SC_AT(sc->interface_endpoints, sc_interface_endpoint, index);
	ifendpoint *e = g_new0(ifendpoint, 1);
	node_init(&e->base, &ife_ops, f->net, ie->name);
	net_rng(f->net, &e->rng, ie->name);
	e->f = f;
	e->ie = ie;
	e->mtu = f->prof->mtu.interface_endpoint;
	e->mss = (uint16_t)MIN(e->mtu ? e->mtu - 40 : 65495, 65535);
	const sc_lb *lb = NULL;
	uint32_t public_ip = 0;
	sim_time idle = 0;
	if (ie->kind == SC_IFE_ENDPOINT_SERVICE) {
		const sc_endpoint_service *es = SC_AT(sc->endpoint_services, sc_endpoint_service, ie->service);
		lb = SC_AT(sc->load_balancers, sc_lb, es->lb);
		idle = lb->idle_timeout;
	} else {
		public_ip = SC_AT(sc->services, sc_service, ie->service)->ip;
	}
	e->flows = flowtab_new(&ife_flow_ops, idle > 0 ? idle : f->prof->limits.nlb_idle_timeout, NULL);
	uint32_t sender = fabric_sender(f, ie->name);
	e->enis = g_array_new(FALSE, TRUE, sizeof(eni));
	for (guint i = 0; i < ie->subnets->len; i++) {
		eni en = { .ip = g_array_index(ie->ips, uint32_t, i), .sender = sender };
		int az = SC_AT(sc->subnets, sc_subnet, g_array_index(ie->subnets, int, i))->az_index;
		en.az = (uint8_t)(az + 1);
		if (lb) {
			/* Same AZ ID: az_index counts AZ IDs over the whole scenario. */
			for (guint k = 0; k < lb->subnets->len && !en.svc_ip; k++) {
				int lsn = g_array_index(lb->subnets, int, k);
				if (SC_AT(sc->subnets, sc_subnet, lsn)->az_index == az) {
					en.svc_ip = g_array_index(lb->node_ips, uint32_t, k);
					en.svc_az = en.az;
				}
			}
		} else {
			en.svc_ip = public_ip;
			en.svc_az = FABRIC_AZ_NONE;
		}
		g_array_append_val(e->enis, en);
		node_add_port(&e->base);
	}
	node_add_port(&e->base); /* the service side */
	const prices *pr = sc->prices;
	/* One price pointer for every interface endpoint: AWS tiers their
	 * processing volume together. */
	e->processing = cost_ledger_line(f->ledger, ie->name, "processing",
	                                 &pr->interface_endpoint.processing);
	e->xin = fabric_receiver(f, ie->name);
	fabric_set_kind(f, ie->name, FABRIC_PARTY_ENDPOINT);
	cost_ledger_add_hourly(f->ledger, ie->name, "hourly", pr->interface_endpoint.hourly_usd_per_az,
	                       ie->subnets->len);
	return &e->base;
}

port *interface_endpoint_service_port(node *n)
{
	g_return_val_if_fail(n != NULL && n->ops == &ife_ops, NULL);
	return node_port(n, ((ifendpoint *)n)->enis->len);
}

void interface_endpoint_set_security_groups(node *n, sg_world *w)
{
	g_return_if_fail(n != NULL && n->ops == &ife_ops && w != NULL);
	ifendpoint *e = (ifendpoint *)n;
	/* No group given: nothing is checked (AWS would attach the VPC's
	 * default group, which the scenario does not describe). */
	if (!e->ie->sgs || e->ie->sgs->len == 0)
		return;
	for (guint i = 0; i < e->enis->len; i++) {
		eni *en = ife_eni(e, i);
		for (guint k = 0; k < e->ie->sgs->len; k++)
			sg_world_add_member(w, g_array_index(e->ie->sgs, int, k), en->ip);
		if (!en->sg)
			en->sg = sg_eni_new(w, e->ie->sgs);
	}
}

const interface_endpoint_stats *interface_endpoint_get_stats(node *n)
{
	g_return_val_if_fail(n != NULL && n->ops == &ife_ops, NULL);
	return &((ifendpoint *)n)->st;
}

/* ---- [gateway_endpoint], [endpoint_service] and [interface_endpoint] in scenario files: keys, loading, checks ---- */

#define POLICY_WHAT "the endpoint policy: statements 'allow|deny ACTIONS RESOURCES' separated by ';', " \
	"such as 'allow s3:GetObject arn:aws:s3:::my-bucket/*' (default: full access)"

/* The endpoint's `policy` key, for an endpoint of service `svc` (an index
 * into services, or -1 when not an AWS service's). */
static struct policy *read_policy(sc_loader *l, const ld_group *g, int svc, gboolean aws_service)
{
	const char *v = ld_get(g, "policy", NULL);
	if (!v)
		return NULL;
	if (!aws_service) {
		/* "When you create a VPC endpoint for an endpoint service other
		 * than an AWS service, we allow full access to the endpoint" (AWS
		 * PrivateLink, endpoint policies). */
		ld_problem(l->ld, g, "policy", "'%s': an endpoint of an endpoint service always allows full "
		                               "access; expected no policy (policies apply to endpoints of an "
		                               "s3 [service])", v);
		return NULL;
	}
	if (svc >= 0 && strcmp(SC_AT(l->sc->services, sc_service, svc)->kind, "s3") != 0) {
		ld_problem(l->ld, g, "policy", "'%s': policies are modelled for s3 only, not %s; expected no "
		                               "policy", v, SC_AT(l->sc->services, sc_service, svc)->kind);
		return NULL;
	}
	GString *why = g_string_new(NULL);
	struct policy *pol = policy_parse(v, why);
	if (!pol)
		ld_problem(l->ld, g, "policy", "%s", why->str);
	g_string_free(why, TRUE);
	return pol;
}

static const ld_key gw_endpoint_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "service", TRUE, NAME_OF("service") " of kind s3 or dynamodb" },
	{ "route_tables", TRUE, "comma-separated [route_table] names of the same VPC" },
	{ "policy", FALSE, POLICY_WHAT },
	{ NULL },
};

static const ld_key ep_service_keys[] = {
	{ "load_balancer", TRUE, NAME_OF("load_balancer") " of type network" },
	{ "private_dns_name", FALSE, "a DNS name such as api.example.internal" },
	{ NULL },
};

static const ld_key iface_ep_keys[] = {
	{ "vpc", TRUE, NAME_OF("vpc") },
	{ "service", TRUE, "the name of an [endpoint_service], or of a [service] (s3 or dynamodb)" },
	{ "subnets", TRUE, "comma-separated [subnet] names of the endpoint's VPC, one per AZ" },
	{ "security_groups", FALSE, "comma-separated [security_group] names of the endpoint's VPC" },
	{ "private_dns", FALSE, "true or false" },
	{ "policy", FALSE, POLICY_WHAT " (endpoints of an s3 [service] only)" },
	{ NULL },
};

/* Gateway endpoints, and their prefix-list routes appended to the tables
 * they list. */
static void build_gw_endpoints(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_GW_ENDPOINT)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_GW_ENDPOINT)->pdata[i];
		sc_gw_endpoint *e = SC_AT(sc->gw_endpoints, sc_gw_endpoint, i);
		e->name = g_strdup(g->name);
		e->vpc = ld_ref(l->ld, g, "vpc", GK_VPC);
		e->service = ld_ref(l->ld, g, "service", GK_SERVICE);
		e->route_tables = g_array_new(FALSE, FALSE, sizeof(int));
		e->policy = read_policy(l, g, e->service, TRUE);
		const char *v = ld_get(g, "route_tables", NULL);
		if (v)
			ld_ref_list(l->ld, g, "route_tables", v, GK_ROUTE_TABLE, e->route_tables, TRUE);
		for (guint j = 0; j < e->route_tables->len; j++) {
			sc_route_table *t = SC_AT(sc->route_tables, sc_route_table,
			                          g_array_index(e->route_tables, int, j));
			if (e->vpc >= 0 && t->vpc >= 0 && t->vpc != e->vpc) {
				ld_problem(l->ld, g, "route_tables", "'%s' is a route table of %s, not of %s; expected "
				                        "route tables of the endpoint's VPC", t->name,
				  sc_vpc_name(l, t->vpc), sc_vpc_name(l, e->vpc));
				continue;
			}
			if (e->service < 0)
				continue;
			sc_service *s = SC_AT(sc->services, sc_service, e->service);
			for (guint p = 0; p < s->prefixes->len; p++) {
				sc_route r = { g_array_index(s->prefixes, sc_cidr, p), e->service,
					       SC_TARGET_GW_ENDPOINT, (int)i };
				char *text = g_strdup_printf("%s (service %s)", t->name, s->name);
				gboolean added = sc_add_route(l, g, "route_tables", text, t->routes, r);
				g_free(text);
				if (!added)
					break;
			}
		}
	}
}

/* A DNS name: two labels or more of letters, digits and '-' (not at either
 * end), 1-63 characters each, 253 in all.  Hand-written: GLib's hostname
 * functions convert and classify names but do not check their syntax. */
static gboolean valid_dns_name(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > 253 || !strchr(s, '.'))
		return FALSE;
	char **labels = g_strsplit(s, ".", -1);
	gboolean ok = TRUE;
	for (char **lb = labels; *lb && ok; lb++) {
		size_t n = strlen(*lb);
		ok = n >= 1 && n <= 63 && (*lb)[0] != '-' && (*lb)[n - 1] != '-';
		for (const char *p = *lb; ok && *p; p++)
			ok = g_ascii_isalnum(*p) || *p == '-';
	}
	g_strfreev(labels);
	return ok;
}

static void build_endpoint_services(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_EP_SERVICE)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_EP_SERVICE)->pdata[i];
		sc_endpoint_service *es = SC_AT(sc->endpoint_services, sc_endpoint_service, i);
		es->name = g_strdup(g->name);
		es->lb = ld_ref(l->ld, g, "load_balancer", GK_LB);
		if (es->lb >= 0 && l->lb_type[es->lb] == SC_LB_APPLICATION) {
			ld_problem(l->ld, g, "load_balancer", "'%s' is an application load balancer; expected a network "
			                         "one (an endpoint service fronts an NLB; to reach an ALB, "
			                         "give the NLB a target group of type alb)",
			  SC_AT(sc->load_balancers, sc_lb, es->lb)->name);
		}
		const char *v = ld_get(g, "private_dns_name", NULL);
		if (v && !valid_dns_name(v))
			ld_problem(l->ld, g, "private_dns_name", "'%s' is not a DNS name; expected %s", v,
			  ld_key_find(ep_service_keys, "private_dns_name")->what);
		else if (v)
			es->private_dns = g_strdup(v);
	}
}

/* The endpoint's service: an endpoint service or an AWS [service].  The
 * two kinds share one name space, so the name is never ambiguous. */
static void iface_ep_service(sc_loader *l, const ld_group *g, sc_interface_endpoint *e)
{
	const char *v = ld_get(g, "service", NULL);
	e->service = -1;
	if (!v)
		return;
	if ((e->service = ld_lookup(l->ld, GK_EP_SERVICE, v)) >= 0) {
		e->kind = SC_IFE_ENDPOINT_SERVICE;
		return;
	}
	if ((e->service = ld_lookup(l->ld, GK_SERVICE, v)) >= 0) {
		e->kind = SC_IFE_AWS_SERVICE;
		return;
	}
	for (int o = 0; o < GK_N; o++) {
		if (ld_lookup(l->ld, o, v) >= 0) {
			ld_problem(l->ld, g, "service", "'%s' is %s [%s]; expected %s", v, ld_article(sc_kinds[o]->group.word),
			  sc_kinds[o]->group.word, ld_key_find(iface_ep_keys, "service")->what);
			return;
		}
	}
	char *es = ld_names_list(l->ld, GK_EP_SERVICE), *svc = ld_names_list(l->ld, GK_SERVICE);
	ld_problem(l->ld, g, "service", "'%s' is not defined; expected %s (endpoint services: %s; services: %s)",
	  v, ld_key_find(iface_ep_keys, "service")->what, es, svc);
	g_free(es);
	g_free(svc);
}

static void build_interface_endpoints(sc_loader *l)
{
	scenario *sc = l->sc;
	for (guint i = 0; i < ld_groups(l->ld, GK_IFACE_EP)->len; i++) {
		ld_group *g = ld_groups(l->ld, GK_IFACE_EP)->pdata[i];
		sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, i);
		e->name = g_strdup(g->name);
		e->subnets = g_array_new(FALSE, FALSE, sizeof(int));
		e->ips = g_array_new(FALSE, TRUE, sizeof(uint32_t));
		e->sgs = g_array_new(FALSE, FALSE, sizeof(int));
		e->vpc = ld_ref(l->ld, g, "vpc", GK_VPC);
		iface_ep_service(l, g, e);
		if (e->service >= 0)
			e->policy = read_policy(l, g, e->service, e->kind == SC_IFE_AWS_SERVICE);

		const char *v = ld_get(g, "subnets", NULL);
		if (v)
			ld_ref_list(l->ld, g, "subnets", v, GK_SUBNET, e->subnets, TRUE);
		sc_check_subnet_list(l, g, "subnets", e->subnets, e->vpc, "the endpoint's",
		                  "the endpoint ENIs");
		g_array_set_size(e->ips, e->subnets->len);
		/* An endpoint service is offered in the AZs of its NLB's nodes;
		 * AZ IDs name the same AZs in every account. */
		const sc_endpoint_service *es =
			e->service >= 0 && e->kind == SC_IFE_ENDPOINT_SERVICE
				? SC_AT(sc->endpoint_services, sc_endpoint_service, e->service)
				: NULL;
		const sc_lb *nlb = es && es->lb >= 0 ? SC_AT(sc->load_balancers, sc_lb, es->lb) : NULL;
		for (guint j = 0; nlb && nlb->subnets->len && j < e->subnets->len; j++) {
			const sc_subnet *s = SC_AT(sc->subnets, sc_subnet, g_array_index(e->subnets, int, j));
			gboolean there = s->az == NULL;
			for (guint k = 0; k < nlb->subnets->len && !there; k++) {
				const sc_subnet *n = SC_AT(sc->subnets, sc_subnet,
				                           g_array_index(nlb->subnets, int, k));
				there = n->az && strcmp(n->az, s->az) == 0;
			}
			if (!there) {
				char *azs = sc_lb_azs(l, nlb);
				ld_problem(l->ld, g, "subnets", "'%s': the endpoint service is not available in %s (its "
				                   "load balancer has nodes in %s); expected subnets in AZs "
				                   "where %s's load balancer %s has a node", s->name, s->az,
				  azs, es->name, nlb->name);
				g_free(azs);
			}
		}

		v = ld_get(g, "security_groups", "");
		if (v)
			ld_ref_list(l->ld, g, "security_groups", v, GK_SG, e->sgs, FALSE);
		sc_check_sg_list(l, g, e->sgs, e->vpc, "the endpoint's");

		if (e->service < 0)
			continue;
		gboolean named = !es || es->private_dns;
		e->private_dns = ld_get_bool(l->ld, g, "private_dns", named);
		const char *svc_name = es ? es->name
		                          : SC_AT(sc->services, sc_service, e->service)->name;
		if (e->private_dns && !named) {
			ld_problem(l->ld, g, "private_dns", "'true': endpoint service %s has no private_dns_name; "
			                       "expected false, or a private_dns_name in [endpoint_service "
			                       "%s]", es->name, es->name);
			continue;
		}
		/* The private name resolves to one endpoint's ENIs per VPC. */
		for (guint j = 0; j < i && e->private_dns && e->vpc >= 0; j++) {
			const sc_interface_endpoint *o =
				SC_AT(sc->interface_endpoints, sc_interface_endpoint, j);
			if (o->private_dns && o->vpc == e->vpc && o->kind == e->kind &&
			    o->service == e->service) {
				ld_problem(l->ld, g, "private_dns", "'%s': %s already gives %s private DNS in %s; expected "
				                       "private_dns = false on all but one endpoint of a service "
				                       "in a VPC (their names would conflict)",
				  ld_get(g, "private_dns", "true"), o->name, svc_name, sc_vpc_name(l, e->vpc));
				break;
			}
		}
	}
}

static void gw_endpoint_clear(void *elem)
{
	sc_unref(((sc_gw_endpoint *)elem)->route_tables);
	g_clear_pointer(&((sc_gw_endpoint *)elem)->policy, policy_free);
}

static void endpoint_service_clear(void *elem)
{
	g_free(((sc_endpoint_service *)elem)->private_dns);
}

static void interface_endpoint_clear(void *elem)
{
	sc_interface_endpoint *e = elem;
	sc_unref(e->subnets);
	sc_unref(e->ips);
	sc_unref(e->sgs);
	g_clear_pointer(&e->policy, policy_free);
}

/* Endpoint ENIs take no explicit address: they compete with instances in
 * file order. */
static void interface_endpoint_addresses(sc_loader *l, const ld_group *g, int i, int pass)
{
	sc_interface_endpoint *e = SC_AT(l->sc->interface_endpoints, sc_interface_endpoint, i);
	if (pass == 0)
		return;
	for (guint j = 0; j < e->subnets->len; j++)
		sc_take_free_ip(l, g, g_array_index(e->subnets, int, j),
		                &g_array_index(e->ips, uint32_t, j));
}

/* Interface endpoints: an ENI per subnet in the consumer VPC, and a
 * service side joined to the provider's NLB (PrivateLink) or to the AWS
 * service. */
static void build_interface_endpoints_world(world *w)
{
	fabric *f = world_fabric(w);
	const scenario *sc = f->sc;
	for (guint i = 0; i < sc->interface_endpoints->len; i++) {
		const sc_interface_endpoint *ie = SC_AT(sc->interface_endpoints, sc_interface_endpoint, i);
		node *n = interface_endpoint_new(f, (int)i);
		world_set_node(w, GK_IFACE_EP, (int)i, n);
		interface_endpoint_set_security_groups(n, world_sgw(w));
		for (guint k = 0; k < ie->subnets->len; k++) {
			port *rp = vpc_router_add_port(world_router(w, ie->vpc), VPC_PORT_ENI,
			                               g_array_index(ie->subnets, int, k), -1,
			                               g_array_index(ie->ips, uint32_t, k), ie->name);
			world_link(w, node_port(n, k), rp, f->prof->bandwidth.interface_endpoint);
		}
		port *side;
		if (ie->kind == SC_IFE_ENDPOINT_SERVICE) {
			int lb = SC_AT(sc->endpoint_services, sc_endpoint_service, ie->service)->lb;
			side = nlb_add_privatelink_port(world_node(w, GK_LB, lb));
		} else {
			side = service_add_port(world_node(w, GK_SERVICE, ie->service));
			service_set_entrance(world_node(w, GK_SERVICE, ie->service), side, ie->name, ie->policy);
		}
		world_link(w, interface_endpoint_service_port(n), side, 0);
	}
}

/* Gateway endpoints: VPC side and service side. */
static void build_gw_endpoints_world(world *w)
{
	fabric *f = world_fabric(w);
	const scenario *sc = f->sc;
	for (guint i = 0; i < sc->gw_endpoints->len; i++) {
		const sc_gw_endpoint *ge = SC_AT(sc->gw_endpoints, sc_gw_endpoint, i);
		node *n = gw_endpoint_new(f, (int)i);
		world_set_node(w, GK_GW_ENDPOINT, (int)i, n);
		world_link(w, node_port(n, 0),
		           vpc_router_add_port(world_router(w, ge->vpc), VPC_PORT_GW_ENDPOINT, -1, (int)i, 0,
		                               ge->name),
		           f->prof->bandwidth.gw_endpoint);
		port *side = service_add_port(world_node(w, GK_SERVICE, ge->service));
		service_set_entrance(world_node(w, GK_SERVICE, ge->service), side, ge->name, ge->policy);
		world_link(w, node_port(n, 1), side, 0);
	}
}

static const sc_build interface_endpoint_build[] = { { 600, build_interface_endpoints_world },
						     { 0, NULL } };
static const sc_build gw_endpoint_build[] = { { 1000, build_gw_endpoints_world }, { 0, NULL } };

static void interface_endpoint_props(const profile *pf, sc_props *out)
{
	out->transitive = g_strdup("n/a: exposes one service, not a network");
	out->growth = g_strdup("one interface endpoint per consumer VPC per service (9 for 10 VPCs)");
	out->quota = g_strdup_printf("%u interface endpoints per VPC",
	                             pf->limits.interface_endpoints_per_vpc);
}

static void gw_endpoint_props(const profile *pf, sc_props *out)
{
	(void)pf;
	out->transitive = g_strdup("n/a: one service, from this VPC only");
	out->growth = g_strdup("one gateway endpoint per VPC (a route, no appliance)");
	out->quota = g_strdup("gateway endpoints per Region and per VPC");
}

/* An interface endpoint per consumer, with the provider's permission for
 * an endpoint service's (an AWS service's needs no one's); a name the
 * service's clients use: with private DNS on, AWS keeps the record in the
 * consumer VPC; without, someone must. */
static void interface_endpoint_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	for (guint i = 0; i < sc->interface_endpoints->len; i++) {
		const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, i);
		if (e->vpc != x->consumer)
			continue;
		c->per[CFG_ENDPOINTS]++;
		if (e->kind != SC_IFE_ENDPOINT_SERVICE)
			continue;
		c->per[CFG_PERMISSIONS]++;
		const sc_endpoint_service *es = SC_AT(sc->endpoint_services, sc_endpoint_service, e->service);
		if (es->private_dns && !e->private_dns)
			c->per[CFG_DNS]++;
	}
}

/* A gateway endpoint adds its routes itself: the endpoint is the object. */
static void gw_endpoint_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	for (guint i = 0; i < sc->gw_endpoints->len; i++)
		if (SC_AT(sc->gw_endpoints, sc_gw_endpoint, i)->vpc == x->consumer)
			c->per[CFG_ENDPOINTS]++;
}

/* The endpoint service and the NLB in front, once; with a private DNS
 * name, the TXT record proving the domain is the provider's. */
static void endpoint_service_config(const scenario *sc, const sc_config_ctx *x, sc_config *c)
{
	for (guint i = 0; i < sc->endpoint_services->len; i++) {
		const sc_endpoint_service *es = SC_AT(sc->endpoint_services, sc_endpoint_service, i);
		if (SC_AT(sc->load_balancers, sc_lb, es->lb)->vpc != x->service)
			continue;
		c->fixed[CFG_ENDPOINTS] += 2;
		if (es->private_dns)
			c->fixed[CFG_DNS]++;
	}
}

static const sc_step gw_endpoint_steps[] = { { 330, build_gw_endpoints }, { 0, NULL } };
static const char *const endpoint_nodes[] = { "", NULL };
const sc_kind sc_kind_gateway_endpoint = {
	.group = { "gateway_endpoint", gw_endpoint_keys },
	.size = sizeof(sc_gw_endpoint),
	.steps = gw_endpoint_steps,
	.clear = gw_endpoint_clear,
	.nodes = endpoint_nodes,
	.node_rank = 8,
	.build = gw_endpoint_build,
	.node_kind = "gateway-endpoint",
	.props_rank = 5,
	.props = gw_endpoint_props,
	.config = gw_endpoint_config,
};

static const sc_step endpoint_service_steps[] = { { 540, build_endpoint_services }, { 0, NULL } };
const sc_kind sc_kind_endpoint_service = {
	.group = { "endpoint_service", ep_service_keys },
	.size = sizeof(sc_endpoint_service),
	.steps = endpoint_service_steps,
	.clear = endpoint_service_clear,
	.config = endpoint_service_config,
};

/* The ENIs front the service in the endpoint's VPC. */
static void interface_endpoint_fronts(const scenario *sc, int vpc, GArray *out)
{
	for (guint i = 0; i < sc->interface_endpoints->len; i++) {
		const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, i);
		for (guint k = 0; (vpc < 0 || e->vpc == vpc) && k < e->ips->len; k++) {
			sc_front fr = { e->name, g_array_index(e->ips, uint32_t, k) };
			g_array_append_val(out, fr);
		}
	}
}

static const sc_step interface_endpoint_steps[] = { { 550, build_interface_endpoints },
						    { 0, NULL } };
const sc_kind sc_kind_interface_endpoint = {
	.group = { "interface_endpoint", iface_ep_keys },
	.size = sizeof(sc_interface_endpoint),
	.steps = interface_endpoint_steps,
	.addresses = interface_endpoint_addresses,
	.clear = interface_endpoint_clear,
	.nodes = endpoint_nodes,
	.node_rank = 7,
	.build = interface_endpoint_build,
	.node_kind = "interface-endpoint",
	.props_rank = 3,
	.props = interface_endpoint_props,
	.config = interface_endpoint_config,
	.fronts = interface_endpoint_fronts,
};
