/* \summary: the configuration to keep: objects and entries per consumer VPC and once, and the quota met first */
#include "config.h"
#include "kinds.h"

#include <string.h>

/*
 * Each kind counts its own objects (sc_kind.config, in its construct's
 * file); this file finds who is consumer and service, calls the kinds in
 * table order, and keeps the quota met first.
 */

const char *sc_cfg_name(sc_cfg_kind k)
{
	static const char *names[CFG__N] = {
		[CFG_ROUTES] = "route table entries (both sides)",
		[CFG_PEERINGS] = "peering connections",
		[CFG_TGW] = "transit gateways and attachments",
		[CFG_TGW_ROUTES] = "TGW route table associations, propagations and routes",
		[CFG_ENDPOINTS] = "endpoints, endpoint services and their NLBs",
		[CFG_PERMISSIONS] = "endpoint-service permissions",
		[CFG_SG_RULES] = "security group rules",
		[CFG_GATEWAYS] = "NAT gateways, Elastic IPs, internet gateways",
		[CFG_DNS] = "DNS records",
		[CFG_LATTICE] = "VPC Lattice service networks, services, target groups and VPC associations",
	};
	return (unsigned)k < CFG__N ? names[k] : "?";
}

static int instance_vpc(const scenario *sc, int inst)
{
	return SC_AT(sc->subnets, sc_subnet, SC_AT(sc->instances, sc_instance, inst)->subnet)->vpc;
}

int sc_config_names_vpc(const scenario *sc, int service, sc_cidr c)
{
	for (guint i = 0; i < sc->vpcs->len; i++) {
		sc_cidr v = SC_AT(sc->vpcs, sc_vpc, i)->cidr;
		if ((int)i != service && c.len >= v.len && sc_cidr_contains(v, c.addr))
			return (int)i;
	}
	for (guint i = 0; i < sc->natgws->len; i++) {
		const sc_natgw *n = SC_AT(sc->natgws, sc_natgw, i);
		int v = SC_AT(sc->subnets, sc_subnet, n->subnet)->vpc;
		if (v != service && c.len == 32 && c.addr == n->public_ip)
			return v;
	}
	return -1;
}

/* The VPC of the first target, and the load balancer where the service is
 * entered: the ALB behind an endpoint service's NLB, whose rules decide. */
static int workload_target_vpc(const scenario *sc, const sc_workload *w, int *entry_lb)
{
	int t = g_array_index(w->targets, int, 0);
	*entry_lb = -1;
	switch (w->target_kind) {
	case SC_TARGET_IS_INSTANCE: return instance_vpc(sc, t);
	case SC_TARGET_IS_LB: *entry_lb = t; return SC_AT(sc->load_balancers, sc_lb, t)->vpc;
	case SC_TARGET_IS_ENDPOINT: {
		const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, t);
		if (e->kind != SC_IFE_ENDPOINT_SERVICE)
			return -1;
		int lb = SC_AT(sc->endpoint_services, sc_endpoint_service, e->service)->lb;
		const sc_lb *nlb = SC_AT(sc->load_balancers, sc_lb, lb);
		*entry_lb = lb;
		for (guint i = 0; i < nlb->listeners->len; i++) {
			const sc_target_group *tg = SC_AT(sc->target_groups, sc_target_group,
			                                  SC_AT(nlb->listeners, sc_listener, i)->default_tg);
			if (tg->type == SC_TG_ALB && tg->targets->len)
				*entry_lb = g_array_index(tg->targets, int, 0);
		}
		return nlb->vpc;
	}
	case SC_TARGET_IS_KIND: {
		const sc_target *k = sc_kinds[w->target_gk]->target;
		uint16_t lport;
		*entry_lb = k->lb(sc, t, w->port, &lport);
		return k->service_vpc(sc, t);
	}
	default: return -1;
	}
}

typedef struct {
	int rank;
	guint64 n;
	char *what;
} sc_quota;

void sc_config_quota(sc_config *c, int rank, guint64 fixed, guint64 per, guint64 limit,
                     const char *what)
{
	/* The smallest n with fixed + n * per > limit. */
	if (!per)
		return;
	sc_quota q = { rank, fixed > limit ? 1 : (limit - fixed) / per + 1, g_strdup(what) };
	g_array_append_val(c->quotas, q);
}

void sc_config_count(const scenario *sc, sc_config *c)
{
	memset(c, 0, sizeof *c);
	if (!sc->workloads->len)
		return;
	const sc_workload *w = SC_AT(sc->workloads, sc_workload, 0);
	sc_config_ctx x = { .consumer = instance_vpc(sc, g_array_index(w->clients, int, 0)) };
	x.service = workload_target_vpc(sc, w, &x.entry_lb);
	/* The consumers: the VPCs other than the service's holding some
	 * workload's clients. */
	GHashTable *cons = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (guint k = 0; k < sc->workloads->len; k++) {
		const sc_workload *wk = SC_AT(sc->workloads, sc_workload, k);
		for (guint i = 0; i < wk->clients->len; i++) {
			int v = instance_vpc(sc, g_array_index(wk->clients, int, i));
			if (v != x.service)
				g_hash_table_add(cons, GINT_TO_POINTER(v + 1));
		}
	}
	c->consumers = g_hash_table_size(cons);
	g_hash_table_unref(cons);

	c->quotas = g_array_new(FALSE, FALSE, sizeof(sc_quota));
	for (int k = 0; k < GK_N; k++)
		if (sc_kinds[k]->config)
			sc_kinds[k]->config(sc, &x, c);
	/* The quota each grows into first: the smallest N, the lowest rank on
	 * a tie. */
	const sc_quota *best = NULL;
	for (guint i = 0; i < c->quotas->len; i++) {
		const sc_quota *q = &g_array_index(c->quotas, sc_quota, i);
		if (!best || q->n < best->n || (q->n == best->n && q->rank < best->rank))
			best = q;
	}
	if (best) {
		c->quota_n = best->n;
		c->quota = g_strdup(best->what);
	}
	for (guint i = 0; i < c->quotas->len; i++)
		g_free(g_array_index(c->quotas, sc_quota, i).what);
	g_clear_pointer(&c->quotas, g_array_unref);
	/* Endpoints are counted per consumer VPC: their quota bounds the
	 * services one consumer reaches, not the consumers. */
	const profile *pf = sc->profile;
	if (!c->quota_n && c->per[CFG_ENDPOINTS])
		c->quota = g_strdup_printf("none as consumer VPCs grow: each holds its own endpoint, 1 of its %u "
		                           "interface endpoints per VPC (a VPC reaching more than %u services meets it)",
		                           pf->limits.interface_endpoints_per_vpc, pf->limits.interface_endpoints_per_vpc);
}

void sc_config_clear(sc_config *c)
{
	g_free(c->quota);
	c->quota = NULL;
}

guint64 sc_config_kind(const sc_config *c, sc_cfg_kind k, guint64 n)
{
	return c->fixed[k] + n * c->per[k];
}

guint64 sc_config_total(const sc_config *c, guint64 n)
{
	guint64 t = 0;
	for (int k = 0; k < CFG__N; k++)
		t += sc_config_kind(c, (sc_cfg_kind)k, n);
	return t;
}
