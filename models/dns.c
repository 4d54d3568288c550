/* \summary: the Route 53 Resolver of a VPC (base + 2, UDP/53), DNS names of load balancers and endpoints, a caching stub */
#include "dns.h"

#include <string.h>

/* ---- wire format (RFC 1035 section 4) ---- */

#define DNS_HDR 12
#define DNS_F_QR 0x8000
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080

static void put16(GByteArray *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	g_byte_array_append(b, x, 2);
}

static void put32(GByteArray *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* A name as labels; names here are generated or checked by the scenario
 * loader, so every label fits (1 to 63 bytes). */
static void put_name(GByteArray *b, const char *name)
{
	char **labels = g_strsplit(name, ".", -1);
	for (char **l = labels; *l; l++) {
		size_t n = strlen(*l);
		if (n == 0 || n > 63)
			continue;
		uint8_t len = (uint8_t)n;
		g_byte_array_append(b, &len, 1);
		g_byte_array_append(b, (const guint8 *)*l, len);
	}
	g_strfreev(labels);
	uint8_t zero = 0;
	g_byte_array_append(b, &zero, 1);
}

static void put_header(GByteArray *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an)
{
	put16(b, id);
	put16(b, flags);
	put16(b, qd);
	put16(b, an);
	put16(b, 0); /* authority */
	put16(b, 0); /* additional */
}

GBytes *dns_encode_query(uint16_t id, const char *name)
{
	g_return_val_if_fail(name != NULL, NULL);
	GByteArray *b = g_byte_array_sized_new(DNS_HDR + (guint)strlen(name) + 6);
	put_header(b, id, DNS_F_RD, 1, 0);
	put_name(b, name);
	put16(b, DNS_TYPE_A);
	put16(b, DNS_CLASS_IN);
	return g_byte_array_free_to_bytes(b);
}

GBytes *dns_encode_answer(const dns_message *q, uint8_t rcode, const uint32_t *ips, guint n,
                          uint32_t ttl)
{
	g_return_val_if_fail(q != NULL && (n == 0 || ips != NULL), NULL);
	GByteArray *b = g_byte_array_new();
	/* A recursive resolver's answer: QR, RD copied, RA. */
	put_header(b, q->id, DNS_F_QR | DNS_F_RD | DNS_F_RA | (rcode & 0xf), 1, (uint16_t)n);
	put_name(b, q->name);
	put16(b, q->qtype);
	put16(b, q->qclass);
	for (guint i = 0; i < n; i++) {
		put16(b, 0xc000 | DNS_HDR); /* the question's name */
		put16(b, DNS_TYPE_A);
		put16(b, DNS_CLASS_IN);
		put32(b, ttl);
		put16(b, 4);
		put32(b, ips[i]);
	}
	return g_byte_array_free_to_bytes(b);
}

/* Reads a name at *off (following compression pointers) into out; moves
 * *off past it where it appears. */
static gboolean read_name(const uint8_t *b, size_t len, size_t *off, char *out)
{
	size_t o = *off, w = 0;
	gboolean jumped = FALSE;
	for (int hops = 0; hops < 32; hops++) {
		if (o >= len)
			return FALSE;
		uint8_t l = b[o];
		if ((l & 0xc0) == 0xc0) {
			if (o + 1 >= len)
				return FALSE;
			if (!jumped)
				*off = o + 2;
			jumped = TRUE;
			o = (size_t)((l & 0x3f) << 8 | b[o + 1]);
			continue;
		}
		if (l & 0xc0)
			return FALSE;
		if (l == 0) {
			if (!jumped)
				*off = o + 1;
			out[w] = '\0';
			return TRUE;
		}
		if (o + 1 + l > len || w + l + 1 > DNS_NAME_MAX)
			return FALSE;
		if (w)
			out[w++] = '.';
		memcpy(out + w, b + o + 1, l);
		w += l;
		o += 1 + l;
	}
	return FALSE;
}

gboolean dns_decode(const uint8_t *b, size_t len, dns_message *m)
{
	g_return_val_if_fail(m != NULL, FALSE);
	memset(m, 0, sizeof *m);
	if (!b || len < DNS_HDR)
		return FALSE;
	m->id = get16(b);
	uint16_t flags = get16(b + 2);
	m->response = (flags & DNS_F_QR) != 0;
	m->rcode = flags & 0xf;
	if (get16(b + 4) != 1)
		return FALSE;
	uint16_t an = get16(b + 6);
	size_t off = DNS_HDR;
	if (!read_name(b, len, &off, m->name) || off + 4 > len)
		return FALSE;
	m->qtype = get16(b + off);
	m->qclass = get16(b + off + 2);
	off += 4;
	for (uint16_t i = 0; i < an; i++) {
		char skip[DNS_NAME_MAX + 1];
		if (!read_name(b, len, &off, skip) || off + 10 > len)
			return FALSE;
		uint16_t type = get16(b + off), rdlen = get16(b + off + 8);
		uint32_t ttl = get32(b + off + 4);
		off += 10;
		if (off + rdlen > len)
			return FALSE;
		if (type == DNS_TYPE_A && rdlen == 4 && m->n < DNS_MAX_ANSWERS) {
			if (m->n == 0)
				m->ttl = ttl;
			m->ips[m->n++] = get32(b + off);
		}
		off += rdlen;
	}
	return TRUE;
}

/* The whole UDP payload of p, if it has real bytes. */
static GBytes *payload_of(const pkt *p)
{
	if (!p->msg || p->payload_len == 0)
		return NULL;
	uint8_t *buf = g_malloc(p->payload_len);
	pkt_msg_fill(p->msg, p->msg_off, buf, p->payload_len);
	return g_bytes_new_take(buf, p->payload_len);
}

/* A UDP packet carrying `msg` (taken). */
static pkt *udp_with(net *nt, const pkt_addrs *a, GBytes *msg)
{
	gsize n = g_bytes_get_size(msg);
	pkt *p = net_pkt_new(nt, 0);
	pkt_build_udp(p, a, (uint32_t)n);
	p->msg = pkt_msg_new(msg, n, 0);
	p->msg_off = 0;
	return p;
}

/* ---- names ---- */

static const char *region_of(const scenario *sc)
{
	return sc->prices && sc->prices->region ? sc->prices->region : "us-east-1";
}

static uint64_t name_id(const char *what, const char *name)
{
	char *t = g_strconcat(what, ":", name, NULL);
	uint64_t h = rng_seed_from_text(t);
	g_free(t);
	return h;
}

char *dns_lb_name(const scenario *sc, int lb)
{
	const sc_lb *l = SC_AT(sc->load_balancers, sc_lb, lb);
	uint64_t id = name_id("lb", l->name);
	char *name;
	if (l->type == SC_LB_NETWORK)
		name = g_strdup_printf("%s%s-%016" G_GINT64_MODIFIER "x.elb.%s.amazonaws.com",
		                       l->internet_facing ? "" : "internal-", l->name, id, region_of(sc));
	else
		name = g_strdup_printf("%s%s-%010" G_GUINT64_FORMAT ".%s.elb.amazonaws.com",
		                       l->internet_facing ? "" : "internal-", l->name,
		                       id % G_GUINT64_CONSTANT(10000000000), region_of(sc));
	char *low = g_ascii_strdown(name, -1);
	g_free(name);
	return low;
}

char *dns_endpoint_name(const scenario *sc, int ep, int k)
{
	const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, ep);
	uint64_t id = name_id("vpce", e->name);
	/* An 8-character suffix, as AWS adds to each endpoint's DNS names. */
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char suffix[9];
	uint64_t x = id;
	for (int i = 0; i < 8; i++, x /= 36)
		suffix[i] = alnum[x % 36];
	suffix[8] = '\0';
	char *az = NULL;
	if (k >= 0) {
		const sc_subnet *sn = SC_AT(sc->subnets, sc_subnet, g_array_index(e->subnets, int, k));
		az = g_strdup_printf("-%s", sn->az);
	}
	char *svc;
	if (e->kind == SC_IFE_ENDPOINT_SERVICE && e->service >= 0)
		svc = g_strdup_printf("vpce-svc-%017" G_GINT64_MODIFIER "x",
		                      name_id("vpce-svc", SC_AT(sc->endpoint_services, sc_endpoint_service,
		                                                e->service)->name) >> 4);
	else
		svc = g_strdup(e->service >= 0 ? SC_AT(sc->services, sc_service, e->service)->kind : "svc");
	char *name = g_strdup_printf("vpce-%017" G_GINT64_MODIFIER "x-%s%s.%s.%s.vpce.amazonaws.com",
	                             id >> 4, suffix, az ? az : "", svc, region_of(sc));
	g_free(az);
	g_free(svc);
	char *low = g_ascii_strdown(name, -1);
	g_free(name);
	return low;
}

char *dns_private_name(const scenario *sc, int ep)
{
	const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, ep);
	if (!e->private_dns || e->service < 0)
		return NULL;
	if (e->kind == SC_IFE_ENDPOINT_SERVICE) {
		const char *n = SC_AT(sc->endpoint_services, sc_endpoint_service, e->service)->private_dns;
		return n ? g_ascii_strdown(n, -1) : NULL;
	}
	return g_strdup_printf("%s.%s.amazonaws.com", SC_AT(sc->services, sc_service, e->service)->kind,
	                       region_of(sc));
}

/* ---- the resolver ---- */

typedef struct {
	uint32_t *ips;
	guint n;
	uint32_t ttl_s;
} dns_rrset;

static void rrset_free(gpointer data)
{
	dns_rrset *r = data;
	g_free(r->ips);
	g_free(r);
}

struct dns_resolver {
	node base;
	fabric *f;
	int vpc;
	uint32_t ip;
	GHashTable *records;    /* lower-case name -> dns_rrset *: this VPC's own
	                           (private hosted zones) */
	GHashTable *zone;       /* the same for the names every VPC resolves
	                           (load balancers, endpoints), shared by every
	                           resolver of the world (one copy, not one per
	                           VPC: N VPCs with an endpoint each are N names,
	                           not N x N); NULL if none */
	rng rng;
	sim_time last_departure;
	dns_resolver_stats st;
};

uint32_t dns_resolver_address(const scenario *sc, int vpc)
{
	return SC_AT(sc->vpcs, sc_vpc, vpc)->cidr.addr + 2;
}

static const dns_rrset *resolver_lookup(const dns_resolver *r, const char *key)
{
	const dns_rrset *rr = g_hash_table_lookup(r->records, key);
	if (!rr && r->zone)
		rr = g_hash_table_lookup(r->zone, key);
	return rr;
}

static void resolver__receive(node *n, pkt *p, port *in)
{
	dns_resolver *r = (dns_resolver *)n;
	net *nt = n->net;
	if (pkt_proto(p) != PKT_PROTO_UDP || pkt_dport(p) != DNS_PORT || pkt_ip_dst(p) != r->ip) {
		net_drop(nt, n, p, DROP_NO_PORT);
		return;
	}
	dns_message q;
	GBytes *bytes = payload_of(p);
	gboolean ok = bytes && dns_decode(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), &q) &&
	              !q.response;
	if (bytes)
		g_bytes_unref(bytes);
	if (!ok) {
		/* A real server answers FORMERR; nothing here sends a bad query. */
		r->st.malformed++;
		net_drop_detail(nt, n, p, DROP_NO_PORT, "malformed DNS query");
		return;
	}
	r->st.queries++;
	char *key = g_ascii_strdown(q.name, -1);
	const dns_rrset *rr = q.qtype == DNS_TYPE_A && q.qclass == DNS_CLASS_IN
	                              ? resolver_lookup(r, key)
	                              : NULL;
	g_free(key);
	uint32_t ips[DNS_MAX_ANSWERS];
	guint na = 0;
	uint8_t rcode = 0;
	if (rr) {
		na = MIN(rr->n, DNS_MAX_ANSWERS);
		memcpy(ips, rr->ips, na * sizeof ips[0]);
		/* Route 53 returns a record's values in random order. */
		for (guint i = na; i > 1; i--) {
			guint j = (guint)rng_below(&r->rng, i);
			uint32_t t = ips[i - 1];
			ips[i - 1] = ips[j];
			ips[j] = t;
		}
		r->st.answered++;
		NET_TRACE(nt, n, p, NET_TRACE_DECIDE, "DNS %s: %u address%s, TTL %us", q.name, na,
		          na == 1 ? "" : "es", rr->ttl_s);
	} else {
		rcode = DNS_RCODE_NXDOMAIN;
		r->st.nxdomain++;
		NET_TRACE(nt, n, p, NET_TRACE_DECIDE, "DNS %s: no such name", q.name);
	}
	pkt_addrs a = { .src_ip = r->ip, .dst_ip = pkt_ip_src(p), .sport = DNS_PORT,
		        .dport = pkt_sport(p), .ip_id = (uint16_t)r->st.queries };
	pkt *ans = udp_with(nt, &a, dns_encode_answer(&q, rcode, ips, na, rr ? rr->ttl_s : 0));
	/* From the host itself: no propagation, no AZ to cross. */
	ans->az = FABRIC_AZ_NONE;
	pkt_free(p);
	sim_time d = dist_sample_ns(&r->f->prof->dns.resolver, &r->rng);
	fabric_send(nt, in, ans, d, &r->last_departure);
}

static void resolver__destroy(node *n)
{
	dns_resolver *r = (dns_resolver *)n;
	g_hash_table_unref(r->records);
	if (r->zone)
		g_hash_table_unref(r->zone);
	node_clear(n);
	g_free(r);
}

static const node_ops resolver_ops = {
	.kind = "dns-resolver",
	.receive = resolver__receive,
	.destroy = resolver__destroy,
};

dns_resolver *dns_resolver_new(fabric *f, int vpc)
{
	dns_resolver *r = g_new0(dns_resolver, 1);
	char *name = g_strdup_printf("%s-resolver", SC_AT(f->sc->vpcs, sc_vpc, vpc)->name);
	node_init(&r->base, &resolver_ops, f->net, name);
	net_rng(f->net, &r->rng, name);
	g_free(name);
	node_add_port(&r->base);
	r->f = f;
	r->vpc = vpc;
	r->ip = dns_resolver_address(f->sc, vpc);
	r->records = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, rrset_free);
	return r;
}

node *dns_resolver_node(dns_resolver *r) { return &r->base; }
guint dns_resolver_n_own_records(const dns_resolver *r) { return g_hash_table_size(r->records); }
uint32_t dns_resolver_ip(const dns_resolver *r) { return r->ip; }
const dns_resolver_stats *dns_resolver_get_stats(const dns_resolver *r) { return &r->st; }

static void zone_add(GHashTable *zone, const char *name, const uint32_t *ips, guint n, sim_time ttl)
{
	dns_rrset *rr = g_new0(dns_rrset, 1);
	rr->ips = g_memdup2(ips, n * sizeof *ips);
	rr->n = n;
	rr->ttl_s = (uint32_t)MIN(ttl / SIM_S, (sim_time)INT32_MAX);
	g_hash_table_replace(zone, g_ascii_strdown(name, -1), rr);
}

void dns_resolver_add(dns_resolver *r, const char *name, const uint32_t *ips, guint n, sim_time ttl)
{
	g_return_if_fail(r != NULL && name != NULL && (n == 0 || ips != NULL));
	zone_add(r->records, name, ips, n, ttl);
}

/* The names every VPC resolves: load balancers, endpoints' regional and
 * zonal names. */
static GHashTable *public_zone(const scenario *sc, const profile *pf)
{
	GHashTable *zone = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, rrset_free);
	for (guint i = 0; i < sc->load_balancers->len; i++) {
		const sc_lb *lb = SC_AT(sc->load_balancers, sc_lb, i);
		const GArray *ips = lb->internet_facing ? lb->node_public_ips : lb->node_ips;
		if (!ips || ips->len == 0)
			continue;
		char *name = dns_lb_name(sc, (int)i);
		zone_add(zone, name, (const uint32_t *)(const void *)ips->data, ips->len, pf->dns.lb_ttl);
		g_free(name);
	}
	for (guint i = 0; i < sc->interface_endpoints->len; i++) {
		const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, i);
		if (!e->ips || e->ips->len == 0)
			continue;
		const uint32_t *ips = (const uint32_t *)(const void *)e->ips->data;
		char *name = dns_endpoint_name(sc, (int)i, -1);
		zone_add(zone, name, ips, e->ips->len, pf->dns.endpoint_ttl);
		g_free(name);
		for (guint k = 0; k < e->ips->len; k++) {
			name = dns_endpoint_name(sc, (int)i, (int)k);
			zone_add(zone, name, ips + k, 1, pf->dns.endpoint_ttl);
			g_free(name);
		}
	}
	return zone;
}

void dns_resolver_add_scenario(dns_resolver *r, GHashTable **shared)
{
	const scenario *sc = r->f->sc;
	const profile *pf = r->f->prof;
	if (!*shared)
		*shared = public_zone(sc, pf);
	if (r->zone)
		g_hash_table_unref(r->zone);
	r->zone = g_hash_table_ref(*shared);
	/* The private hosted zone lives in the endpoint's VPC only. */
	for (guint i = 0; i < sc->interface_endpoints->len; i++) {
		const sc_interface_endpoint *e = SC_AT(sc->interface_endpoints, sc_interface_endpoint, i);
		char *name;
		if (!e->ips || e->ips->len == 0 || e->vpc != r->vpc || !(name = dns_private_name(sc, (int)i)))
			continue;
		dns_resolver_add(r, name, (const uint32_t *)(const void *)e->ips->data, e->ips->len,
		                 pf->dns.endpoint_ttl);
		g_free(name);
	}
}

/* ---- the stub ---- */

typedef struct {
	dns_done_fn done;
	void *ud;
} dns_waiter;

typedef struct {
	char *name;
	uint32_t ips[DNS_MAX_ANSWERS];
	guint n;
	sim_time expires;        /* fresh while now < expires */
	/* The query out, if any. */
	gboolean asking;
	uint16_t id, sport;
	guint attempt;
	sim_event_id timer;
	GArray *waiters;         /* dns_waiter */
} dns_entry;

struct dns_stub {
	net *nt;
	uint32_t local_ip, resolver_ip;
	dns_stub_config cfg;
	dns_send_fn send;
	void *owner;
	rng rng;
	GHashTable *entries;     /* name -> dns_entry * */
	uint16_t ip_id;
	dns_stub_stats st;
};

static void entry_free(gpointer data)
{
	dns_entry *e = data;
	g_free(e->name);
	g_array_unref(e->waiters);
	g_free(e);
}

dns_stub *dns_stub_new(net *nt, const char *host_name, uint32_t local_ip, uint32_t resolver_ip,
                       const dns_stub_config *cfg, dns_send_fn send, void *owner)
{
	g_return_val_if_fail(nt && host_name && cfg && send, NULL);
	dns_stub *s = g_new0(dns_stub, 1);
	s->nt = nt;
	s->local_ip = local_ip;
	s->resolver_ip = resolver_ip;
	s->cfg = *cfg;
	if (s->cfg.attempts == 0)
		s->cfg.attempts = 1;
	s->send = send;
	s->owner = owner;
	char *stream = g_strdup_printf("%s/dns", host_name);
	net_rng(nt, &s->rng, stream);
	g_free(stream);
	s->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
	return s;
}

void dns_stub_free(dns_stub *s)
{
	if (!s)
		return;
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, s->entries);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		dns_entry *e = v;
		if (e->timer)
			sim_cancel(s->nt->sim, e->timer);
	}
	g_hash_table_unref(s->entries);
	g_free(s);
}

const dns_stub_stats *dns_stub_get_stats(const dns_stub *s) { return &s->st; }

static void stub_send_query(dns_stub *s, dns_entry *e);

static void stub_finish(dns_stub *s, dns_entry *e, gboolean ok)
{
	e->asking = FALSE;
	if (e->timer)
		sim_cancel(s->nt->sim, e->timer);
	e->timer = 0;
	if (!ok)
		s->st.failures++;
	/* Callbacks may ask again (a new query): take the list first. */
	GArray *w = e->waiters;
	e->waiters = g_array_new(FALSE, FALSE, sizeof(dns_waiter));
	for (guint i = 0; i < w->len; i++) {
		dns_waiter *x = &g_array_index(w, dns_waiter, i);
		x->done(ok, x->ud);
	}
	g_array_unref(w);
}

static void stub_timeout(sim *sm, void *ctx, void *arg)
{
	(void)sm;
	dns_stub *s = ctx;
	dns_entry *e = arg;
	e->timer = 0;
	if (e->attempt >= s->cfg.attempts) {
		stub_finish(s, e, FALSE);
		return;
	}
	s->st.retries++;
	stub_send_query(s, e);
}

static void stub_send_query(dns_stub *s, dns_entry *e)
{
	/* A fresh id and source port per query (RFC 5452). */
	e->id = (uint16_t)rng_below(&s->rng, 65536);
	e->sport = (uint16_t)(32768 + rng_below(&s->rng, 60999 - 32768 + 1));
	e->attempt++;
	e->asking = TRUE;
	pkt_addrs a = { .src_ip = s->local_ip, .dst_ip = s->resolver_ip, .sport = e->sport,
		        .dport = DNS_PORT, .ip_id = s->ip_id++, .df = FALSE };
	pkt *p = udp_with(s->nt, &a, dns_encode_query(e->id, e->name));
	s->st.queries++;
	e->timer = sim_schedule(s->nt->sim, s->cfg.timeout, stub_timeout, s, e);
	s->send(s->owner, p);
}

gboolean dns_stub_resolve(dns_stub *s, const char *name, dns_done_fn done, void *ud)
{
	g_return_val_if_fail(s != NULL && name != NULL && done != NULL, FALSE);
	dns_entry *e = g_hash_table_lookup(s->entries, name);
	sim_time now = net_now(s->nt);
	if (e && e->n > 0 && now < e->expires)
		return TRUE;
	if (!e) {
		e = g_new0(dns_entry, 1);
		e->name = g_strdup(name);
		e->waiters = g_array_new(FALSE, FALSE, sizeof(dns_waiter));
		g_hash_table_insert(s->entries, e->name, e);
	}
	dns_waiter w = { done, ud };
	g_array_append_val(e->waiters, w);
	if (!e->asking) {
		e->attempt = 0;
		stub_send_query(s, e);
	}
	return FALSE;
}

uint32_t dns_stub_pick(dns_stub *s, const char *name)
{
	g_return_val_if_fail(s != NULL && name != NULL, 0);
	dns_entry *e = g_hash_table_lookup(s->entries, name);
	if (!e || e->n == 0)
		return 0;
	s->st.picks++;
	return e->ips[e->n == 1 ? 0 : rng_below(&s->rng, e->n)];
}

gboolean dns_stub_input(dns_stub *s, pkt *p)
{
	if (pkt_proto(p) != PKT_PROTO_UDP || pkt_sport(p) != DNS_PORT || pkt_ip_src(p) != s->resolver_ip)
		return FALSE;
	GBytes *bytes = payload_of(p);
	dns_message m;
	gboolean ok = bytes && dns_decode(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), &m) &&
	              m.response;
	if (bytes)
		g_bytes_unref(bytes);
	dns_entry *e = ok ? g_hash_table_lookup(s->entries, m.name) : NULL;
	/* Only the answer to the query out, by id and port: a late answer to
	 * an earlier attempt is ignored, as a stub does. */
	if (!e || !e->asking || e->id != m.id || e->sport != pkt_dport(p)) {
		pkt_free(p);
		return TRUE;
	}
	pkt_free(p);
	s->st.answers++;
	if (m.rcode != 0 || m.n == 0) {
		stub_finish(s, e, FALSE);
		return TRUE;
	}
	memcpy(e->ips, m.ips, m.n * sizeof m.ips[0]);
	e->n = m.n;
	e->expires = sim_time_add_sat(net_now(s->nt), (sim_time)m.ttl * SIM_S);
	stub_finish(s, e, TRUE);
	return TRUE;
}
