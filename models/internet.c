/* \summary: the region's public network: delivery by public address, public-IP transfer charges */
#include "internet.h"

typedef struct {
	port *port;
	cost_line *out, *in; /* public-IP transfer lines of the owner */
	const char *component;
	cost_line *s3;       /* s3.transfer_same_region, made on first use */
} owner;

typedef struct {
	sc_cidr prefix;
	port *port;
} service_prefix;

typedef struct {
	node base;
	fabric *f;
	rng rng;
	rng loss_rng;          /* its own stream: a loss rate leaves the delays drawn alone */
	GHashTable *addresses; /* public ip -> owner * */
	GArray *prefixes;      /* service_prefix */
	GArray *last;          /* sim_time per port */
} internet;

static void inet__receive(node *n, pkt *p, port *in)
{
	(void)in;
	internet *w = (internet *)n;
	if (w->f->sc->loss > 0 && rng_uniform_open(&w->loss_rng) < w->f->sc->loss) {
		net_drop(n->net, n, p, DROP_LOSS);
		return;
	}
	uint32_t dst = pkt_ip_dst(p);
	char a2[16];
	owner *to = g_hash_table_lookup(w->addresses, GUINT_TO_POINTER(dst));
	port *out = to ? to->port : NULL;
	for (guint i = 0; !out && i < w->prefixes->len; i++) {
		service_prefix *sp = &g_array_index(w->prefixes, service_prefix, i);
		if (sc_cidr_contains(sp->prefix, dst))
			out = sp->port;
	}
	if (!out) {
		char a[16];
		char *detail = g_strdup_printf("no public address %s in the region", pkt_ip_str(dst, a));
		net_drop_detail(n->net, n, p, DROP_NO_ADDRESS, detail);
		g_free(detail);
		return;
	}
	NET_TRACE(n->net, n, p, NET_TRACE_DECIDE, "region's public network: %s is behind %s", pkt_ip_str(dst, a2),
	          link_peer(out)->node->name);
	owner *from = g_hash_table_lookup(w->addresses, GUINT_TO_POINTER(pkt_ip_src(p)));
	if (from && to) {
		uint32_t b = fabric_billed_bytes(w->f, p);
		cost_line_add_bytes(from->out, b);
		cost_line_add_bytes(to->in, b);
	} else if (from || to) {
		/* Between a public address and a service (S3) of the Region:
		 * s3.transfer_same_region, on the address's owner, both ways. */
		owner *o = from ? from : to;
		const prices_tiers *rate = &w->f->sc->prices->s3.transfer_same_region;
		if (!o->s3 && !prices_tiers_free(rate))
			o->s3 = cost_ledger_line(w->f->ledger, o->component, "s3-transfer", rate);
		if (o->s3)
			cost_line_add_bytes(o->s3, fabric_billed_bytes(w->f, p));
	}
	if (!fabric_ttl(w->f, n, p, w->f->prof->ttl.regional_public))
		return;
	p->az = FABRIC_AZ_NONE;
	fabric_send(n->net, out, p, dist_sample_ns(&w->f->prof->propagation.regional_public, &w->rng),
	            &g_array_index(w->last, sim_time, out->index));
}

static void inet__destroy(node *n)
{
	internet *w = (internet *)n;
	g_hash_table_unref(w->addresses);
	g_array_unref(w->prefixes);
	g_array_unref(w->last);
	node_clear(n);
	g_free(w);
}

static const node_ops inet_ops = {
	.kind = "region-public-network",
	.receive = inet__receive,
	.destroy = inet__destroy,
};

node *internet_new(fabric *f)
{
	internet *w = g_new0(internet, 1);
	node_init(&w->base, &inet_ops, f->net, "region");
	net_rng(f->net, &w->rng, "region");
	net_rng(f->net, &w->loss_rng, "region-loss");
	w->f = f;
	w->addresses = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	w->prefixes = g_array_new(FALSE, FALSE, sizeof(service_prefix));
	w->last = g_array_new(FALSE, TRUE, sizeof(sim_time));
	return &w->base;
}

port *internet_add_port(node *n)
{
	internet *w = (internet *)n;
	g_array_set_size(w->last, w->last->len + 1);
	return node_add_port(n);
}

void internet_add_address(node *n, port *p, uint32_t public_ip, const char *component)
{
	internet *w = (internet *)n;
	owner *o = g_new0(owner, 1);
	const prices_tiers *rate = &w->f->sc->prices->data_transfer.public_ip_in_region;
	o->port = p;
	o->component = cost_ledger_line(w->f->ledger, component, "public-ip-out", rate)->component;
	o->out = cost_ledger_line(w->f->ledger, component, "public-ip-out", rate);
	o->in = cost_ledger_line(w->f->ledger, component, "public-ip-in", rate);
	g_hash_table_insert(w->addresses, GUINT_TO_POINTER(public_ip), o);
}

void internet_add_prefix(node *n, port *p, sc_cidr prefix)
{
	internet *w = (internet *)n;
	service_prefix sp = { prefix, p };
	g_array_append_val(w->prefixes, sp);
}
