/* \summary: scenario files: [scenario], the kinds' loading steps in order, addresses, capture points */
#include "scenario.h"
#include "error.h"
#include "keyfile.h"
#include "kindlib.h"
#include "loader.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/*
 * sim/loader.c reads the key file, applies --set, expands counted groups
 * and registers names, for any kind alike (loader.h says how).  Here the
 * elements are built kind by kind in dependency order (VPCs before subnets
 * before instances, targets before routes; load balancers, then target
 * groups, which may name an ALB, then listeners, which name target groups),
 * each checking what it refers to.  A reference that failed leaves -1 and
 * the checks that need it are skipped, so one typo gives one message, not a
 * cascade.  Then addresses are assigned in file order (instances, NAT
 * gateways, load balancer nodes and endpoint ENIs in one order), the price
 * table and the latency profile are loaded, and load balancers take their
 * default idle timeout from the profile.
 */

#define CAPTURE_EXPECTED \
	"all, none, or comma-separated node names, globs allowed (client-*, nat-a)"

static const ld_key scenario_keys[] = {
	{ "name", FALSE, "a short name for reports and capture files" },
	{ "description", FALSE, "one line for reports" },
	{ "prices", FALSE, "a price table path, relative to this file" },
	{ "profile", FALSE, "a latency profile path, relative to this file" },
	{ "seed", FALSE, "a whole number from 0 to 18446744073709551615" },
	{ "duration", FALSE, "a positive time such as 10s" },
	{ "drain", FALSE, "a time such as 5s, 0s or more" },
	{ "capture", FALSE, CAPTURE_EXPECTED },
	{ "snaplen", FALSE, "a size from 0B (whole packets) to 65535B" },
	{ "loss", FALSE, "the chance that the Region's public network loses a packet: a percentage "
	                 "from 0% to 100% such as 0.5%, or a fraction from 0 to 1" },
	{ "https", FALSE, "true or false: every application load balancer's http listeners become "
	                  "https on their ports (compare --https)" },
	{ NULL },
};

/* Public IPv4 addresses (instances' public_ip, NAT gateways' Elastic IPs)
 * come from this block, in file order from its second address.  A
 * modelling choice: 3.80.0.0/12 is EC2 address space in us-east-1, but AWS
 * hands addresses out in no documented order. */
#define PUBLIC_POOL_FIRST UINT32_C(0x03500001) /* 3.80.0.1 */
#define PUBLIC_POOL_LAST UINT32_C(0x035ffffe)  /* 3.95.255.254 */

/* AWS reserves the first four addresses and the last one of every subnet
 * (network, VPC router, DNS, future use; broadcast). */
#define SUBNET_RESERVED_LOW 4

/* The loader's schema: [scenario] and every kind of the table. */
static const ld_kind *schema_kinds[GK_N];
static ld_schema schema = {
	.what = "scenario",
	.top = "scenario",
	.top_keys = scenario_keys,
	.kinds = schema_kinds,
	.n_kinds = GK_N,
	.spaces = sc_spaces,
	.n_spaces = SC_SPACE_N,
};

static gpointer init_schema(gpointer data)
{
	(void)data;
	for (int k = 0; k < GK_N; k++)
		schema_kinds[k] = &sc_kinds[k]->group;
	return NULL;
}

static const ld_schema *get_schema(void)
{
	static GOnce once = G_ONCE_INIT;
	g_once(&once, init_schema, NULL);
	return &schema;
}

/* ---- [scenario] ------------------------------------------------------- */

/*
 * Price tables and profiles are parsed once per process and shared, read
 * only, by the scenarios that name them: a sweep worker or `compare --all`
 * loads many scenarios naming the same two files, and parsing them was a
 * third of a two-second run's instructions (callgrind).  An entry serves
 * only while the file holds the same bytes as when it was parsed; a file
 * with problems is never kept, so its messages come back every time.
 */
typedef struct {
	char *text;
	gsize len;
	gpointer table; /* prices * or profile * */
} table_entry;

static GMutex table_lock;
static GHashTable *table_cache; /* "prices\npath" or "profile\npath" -> table_entry */

static gpointer parse_prices(const char *d, gsize n, const char *name, GError **e)
{
	return prices_load_data(d, n, name, e);
}
static gpointer parse_profile(const char *d, gsize n, const char *name, GError **e)
{
	return profile_load_data(d, n, name, e);
}
static gpointer ref_prices(gpointer t) { return prices_ref(t); }
static gpointer ref_profile(gpointer t) { return profile_ref(t); }
static void unref_prices(gpointer t) { prices_free(t); }
static void unref_profile(gpointer t) { profile_free(t); }

typedef struct {
	const char *kind; /* "prices" or "profile" */
	const char *what; /* in messages */
	gpointer (*parse)(const char *, gsize, const char *, GError **);
	gpointer (*ref)(gpointer);
	void (*unref)(gpointer);
} table_type;

static const table_type price_table = { "prices", "price table", parse_prices, ref_prices,
	                                unref_prices };
static const table_type profile_table = { "profile", "latency profile", parse_profile,
	                                  ref_profile, unref_profile };

/* A reference to the table in file `path`, parsed now or shared. */
static gpointer shared_table(const table_type *t, const char *path, GError **error)
{
	char *data = NULL;
	gsize len = 0;
	if (!kf_read_file(path, t->what, &data, &len, error))
		return NULL;
	char *key = g_strconcat(t->kind, "\n", path, NULL);
	g_mutex_lock(&table_lock);
	if (!table_cache)
		table_cache = g_hash_table_new(g_str_hash, g_str_equal);
	table_entry *e = g_hash_table_lookup(table_cache, key);
	gpointer table = NULL;
	if (e && e->len == len && memcmp(e->text, data, len) == 0) {
		table = t->ref(e->table);
		g_free(data);
		g_free(key);
	} else {
		table = t->parse(data, len, path, error);
		if (table) {
			if (!e) {
				e = g_new0(table_entry, 1);
				g_hash_table_insert(table_cache, key, e);
			} else {
				g_free(key);
				g_free(e->text);
				t->unref(e->table);
			}
			e->text = data;
			e->len = len;
			e->table = t->ref(table);
		} else {
			g_free(data);
			g_free(key);
		}
	}
	g_mutex_unlock(&table_lock);
	return table;
}

/* Loads the price table or profile named by [scenario] `key`, adding its
 * problems (which name their own file) to the list. */
static void load_tables(sc_loader *l, const char *prices_rel, const char *profile_rel)
{
	scenario *sc = l->sc;
	GError *e = NULL;
	char *pp = ld_relative_path(l->ld, prices_rel);
	sc->prices = shared_table(&price_table, pp, &e);
	if (!sc->prices) {
		if (g_error_matches(e, VPCSIM_ERROR, VPCSIM_ERROR_IO))
			kf_problem(ld_problems(l->ld), "scenario", "prices", "'%s': %s; expected a price table, "
			                                         "relative to this file", prices_rel,
			           e->message);
		else
			kf_problem_lines(ld_problems(l->ld), e->message);
		g_clear_error(&e);
	}
	g_free(pp);
	pp = ld_relative_path(l->ld, profile_rel);
	sc->profile = shared_table(&profile_table, pp, &e);
	if (!sc->profile) {
		if (g_error_matches(e, VPCSIM_ERROR, VPCSIM_ERROR_IO))
			kf_problem(ld_problems(l->ld), "scenario", "profile", "'%s': %s; expected a latency profile, "
			                                          "relative to this file", profile_rel,
			           e->message);
		else
			kf_problem_lines(ld_problems(l->ld), e->message);
		g_clear_error(&e);
	}
	g_free(pp);
}

profile *scenario_own_profile(scenario *sc)
{
	g_return_val_if_fail(sc != NULL && sc->profile != NULL, NULL);
	if (sc->profile->refs > 1) {
		profile *own = profile_copy(sc->profile);
		profile_free(sc->profile);
		sc->profile = own;
	}
	return sc->profile;
}

static void read_scenario(sc_loader *l)
{
	scenario *sc = l->sc;
	char *base = g_path_get_basename(ld_path(l->ld));
	if (g_str_has_suffix(base, ".ini"))
		base[strlen(base) - 4] = '\0';
	char *v = ld_top_value(l->ld, "name", base);
	if (v && (!*v || strpbrk(v, "/\\ \t"))) {
		kf_problem(ld_problems(l->ld), "scenario", "name", "'%s' cannot name capture files; expected a "
		                                       "short name without spaces or slashes", v);
	}
	sc->name = v ? v : g_strdup(base);
	g_free(base);
	v = ld_top_value(l->ld, "description", "");
	sc->description = v ? v : g_strdup("");

	v = ld_top_value(l->ld, "seed", "1");
	guint64 seed;
	if (v && !g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT64, &seed, NULL))
		kf_problem(ld_problems(l->ld), "scenario", "seed", "'%s' is not a whole number; expected %s", v,
		           ld_key_find(scenario_keys, "seed")->what);
	else if (v)
		sc->seed = seed;
	g_free(v);

	static const struct {
		const char *key, *def;
		gboolean positive;
	} times[] = { { "duration", "10s", TRUE }, { "drain", "5s", FALSE } };
	for (size_t i = 0; i < G_N_ELEMENTS(times); i++) {
		v = ld_top_value(l->ld, times[i].key, times[i].def);
		sim_time t = 0;
		GError *e = NULL;
		if (v && !units_parse_time(v, &t, &e)) {
			kf_problem(ld_problems(l->ld), "scenario", times[i].key, "%s", e->message);
			g_error_free(e);
		} else if (v && (times[i].positive ? t <= 0 : t < 0)) {
			kf_problem(ld_problems(l->ld), "scenario", times[i].key, "'%s' is out of range; expected %s", v,
			           ld_key_find(scenario_keys, times[i].key)->what);
		} else if (i == 0) {
			sc->duration = t;
		} else {
			sc->drain = t;
		}
		g_free(v);
	}

	/* Capture points: the syntax here, the names once the groups are
	 * built (check_capture_points). */
	v = ld_top_value(l->ld, "capture", "all");
	GError *e = NULL;
	if (v && !scenario_capture_check(v, &e)) {
		kf_problem(ld_problems(l->ld), "scenario", "capture", "%s", e->message);
		g_clear_error(&e);
	} else if (v) {
		/* Kept without the spaces around the names. */
		char **items = g_strsplit(v, ",", -1);
		for (char **it = items; *it; it++)
			g_strstrip(*it);
		sc->capture = g_strjoinv(",", items);
		g_strfreev(items);
	}
	g_free(v);

	v = ld_top_value(l->ld, "snaplen", "0B");
	double bytes = 0;
	if (v && !units_parse(v, UNIT_SIZE, &bytes, &e)) {
		kf_problem(ld_problems(l->ld), "scenario", "snaplen", "%s", e->message);
		g_clear_error(&e);
	} else if (v && (bytes < 0 || bytes > 65535 || bytes != floor(bytes))) {
		kf_problem(ld_problems(l->ld), "scenario", "snaplen", "'%s' is %s; expected %s", v,
		           bytes != floor(bytes) ? "not a whole number of bytes" : "out of range",
		           ld_key_find(scenario_keys, "snaplen")->what);
	} else if (v) {
		sc->snaplen = (uint32_t)bytes;
	}
	g_free(v);

	/* A what-if, not an AWS figure: AWS publishes no loss rate. */
	v = ld_top_value(l->ld, "loss", "0");
	if (v) {
		char *end = NULL;
		double p = g_ascii_strtod(v, &end);
		gboolean pct = end && *end == '%';
		if (pct)
			end++;
		if (end == v || !end || *end || !isfinite(p) || p < 0 || p > (pct ? 100 : 1))
			kf_problem(ld_problems(l->ld), "scenario", "loss", "'%s' is not a probability; expected %s", v,
			           ld_key_find(scenario_keys, "loss")->what);
		else
			sc->loss = pct ? p / 100 : p;
	}
	g_free(v);

	v = ld_top_value(l->ld, "https", "false");
	if (v && strcmp(v, "true") == 0)
		sc->https = TRUE;
	else if (v && strcmp(v, "false") != 0)
		kf_problem(ld_problems(l->ld), "scenario", "https", "'%s' is not a boolean; expected %s", v,
		           ld_key_find(scenario_keys, "https")->what);
	g_free(v);
}

/* ---- capture points ---------------------------------------------------- */

gboolean scenario_capture_check(const char *spec, GError **error)
{
	g_return_val_if_fail(spec != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	static const char name_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                 "0123456789-_*?";
	char **items = g_strsplit(spec, ",", -1);
	guint n = g_strv_length(items);
	/* g_strsplit() makes no item at all of an empty string. */
	char *problem = n ? NULL : g_strdup("is empty");
	for (guint i = 0; i < n && !problem; i++) {
		const char *it = g_strstrip(items[i]);
		if (!*it)
			problem = g_strdup(n > 1 ? "has an empty name" : "is empty");
		else if ((strcmp(it, "all") == 0 || strcmp(it, "none") == 0) && n > 1)
			problem = g_strdup_printf("lists '%s' with other names", it);
		else if (it[strspn(it, name_chars)] && n > 1)
			problem = g_strdup_printf("has '%s', which is not a node name (letters, digits, "
			                          "'-', '_' and the globs '*' and '?')", it);
		else if (it[strspn(it, name_chars)])
			problem = g_strdup("is not a node name (letters, digits, '-', '_' and the globs "
			                   "'*' and '?')");
	}
	gboolean ok = problem == NULL;
	if (!ok)
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID, "'%s' %s; expected %s", spec, problem,
		            CAPTURE_EXPECTED);
	g_free(problem);
	g_strfreev(items);
	return ok;
}

/* Appends the names of an array's elements (every element struct starts
 * with its name, as free_names() relies on). */
static void add_names(GPtrArray *to, const GArray *a, const char *suffix)
{
	size_t size = g_array_get_element_size((GArray *)a);
	for (guint i = 0; i < a->len; i++) {
		const char *name = *(char *const *)(const void *)(a->data + i * size);
		if (name)
			g_ptr_array_add(to, g_strconcat(name, suffix, NULL));
	}
}

/* Keep in step with world_new() in models/build.c, which names the nodes;
 * tests/test_captures.c checks that the two agree. */
GPtrArray *scenario_node_names(const scenario *sc)
{
	g_return_val_if_fail(sc != NULL, NULL);
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	int ranked[GK_N], n = 0;
	for (int k = 0; k < GK_N; k++)
		if (sc_kinds[k]->nodes)
			ranked[n++] = k;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && sc_kinds[ranked[j]]->node_rank < sc_kinds[ranked[j - 1]]->node_rank;
		     j--) {
			int t = ranked[j];
			ranked[j] = ranked[j - 1];
			ranked[j - 1] = t;
		}
	for (int i = 0; i < n; i++)
		for (const char *const *suffix = sc_kinds[ranked[i]]->nodes; *suffix; suffix++)
			add_names(a, sc->of[ranked[i]], *suffix);
	/* The region's public network joins internet gateways and services. */
	if (sc->igws->len || sc->services->len)
		g_ptr_array_add(a, g_strdup("region"));
	return a;
}

/* Every name or glob of [scenario] capture must match a node: a typo would
 * otherwise quietly capture nothing. */
static void check_capture_points(sc_loader *l)
{
	const scenario *sc = l->sc;
	if (!sc->capture || strcmp(sc->capture, "all") == 0 || strcmp(sc->capture, "none") == 0)
		return;
	GPtrArray *nodes = scenario_node_names(sc);
	char **items = g_strsplit(sc->capture, ",", -1);
	for (char **it = items; *it; it++) {
		gboolean hit = FALSE;
		for (guint i = 0; i < nodes->len && !hit; i++)
			hit = g_pattern_match_simple(*it, nodes->pdata[i]);
		if (hit)
			continue;
		GString *known = g_string_new(NULL);
		for (guint i = 0; i < nodes->len && i < 12; i++)
			g_string_append_printf(known, "%s%s", i ? ", " : "", (char *)nodes->pdata[i]);
		if (nodes->len > 12)
			g_string_append_printf(known, ", ... (%u in all)", nodes->len);
		kf_problem(ld_problems(l->ld), "scenario", "capture", "'%s' matches no node; expected names of this "
		                                          "scenario's nodes, globs allowed: %s",
		           *it, known->str);
		g_string_free(known, TRUE);
	}
	g_strfreev(items);
	g_ptr_array_unref(nodes);
}

/* ---- what the kinds share ---------------------------------------------- */

gboolean sc_int_array_has(const GArray *a, int v)
{
	for (guint i = 0; i < a->len; i++)
		if (g_array_index(a, int, i) == v)
			return TRUE;
	return FALSE;
}

const char *sc_vpc_name(sc_loader *l, int v)
{
	return v >= 0 ? g_array_index(l->sc->vpcs, sc_vpc, v).name : "?";
}

int sc_subnet_vpc(sc_loader *l, int subnet)
{
	return subnet >= 0 ? g_array_index(l->sc->subnets, sc_subnet, subnet).vpc : -1;
}


gboolean sc_parse_port(const char *text, uint16_t *out)
{
	guint64 p;
	if (!g_ascii_string_to_unsigned(text, 10, 1, 65535, &p, NULL))
		return FALSE;
	*out = (uint16_t)p;
	return TRUE;
}

/* Subnets for load balancer nodes or endpoint ENIs: all of one VPC, one per
 * AZ.  `vpc` is the VPC they must be in, or -1 to take the first subnet's.
 * Returns the VPC (-1 if unknown). */
int sc_check_subnet_list(sc_loader *l, const ld_group *g, const char *key, const GArray *subnets,
                             int vpc, const char *whose, const char *enis)
{
	scenario *sc = l->sc;
	const sc_subnet *first = NULL;
	if (vpc < 0 && subnets->len) {
		first = SC_AT(sc->subnets, sc_subnet, g_array_index(subnets, int, 0));
		vpc = first->vpc;
	}
	for (guint j = 0; j < subnets->len; j++) {
		const sc_subnet *s = SC_AT(sc->subnets, sc_subnet, g_array_index(subnets, int, j));
		if (vpc >= 0 && s->vpc >= 0 && s->vpc != vpc) {
			if (first)
				ld_problem(l->ld, g, key, "'%s' is a subnet of %s, not of %s (the VPC of %s, the first "
				             "subnet); expected subnets of one VPC", s->name, sc_vpc_name(l, s->vpc),
				  sc_vpc_name(l, vpc), first->name);
			else
				ld_problem(l->ld, g, key, "'%s' is a subnet of %s, not of %s; expected subnets of %s VPC",
				  s->name, sc_vpc_name(l, s->vpc), sc_vpc_name(l, vpc), whose);
			continue;
		}
		for (guint k = 0; k < j; k++) {
			const sc_subnet *o = SC_AT(sc->subnets, sc_subnet, g_array_index(subnets, int, k));
			if (s->az && o->az && strcmp(s->az, o->az) == 0) {
				ld_problem(l->ld, g, key, "'%s' and %s are both in %s; expected one subnet per AZ for %s",
				  s->name, o->name, s->az, enis);
				break;
			}
		}
	}
	return vpc;
}

/* The security groups of a load balancer or endpoint, which must be of its
 * VPC. */
void sc_check_sg_list(sc_loader *l, const ld_group *g, const GArray *sgs, int vpc, const char *whose)
{
	for (guint j = 0; j < sgs->len && vpc >= 0; j++) {
		const sc_sg *s = SC_AT(l->sc->security_groups, sc_sg, g_array_index(sgs, int, j));
		if (s->vpc >= 0 && s->vpc != vpc)
			ld_problem(l->ld, g, "security_groups", "'%s' is a security group of %s, not of %s; expected "
			                           "groups of %s VPC", s->name, sc_vpc_name(l, s->vpc),
			  sc_vpc_name(l, vpc), whose);
	}
}

/* Does the subnet's route table send 0.0.0.0/0 to an internet gateway?
 * `*table` gets the table (-1 when unknown, and then the answer is TRUE so
 * that nothing is reported twice). */
gboolean sc_subnet_is_public(sc_loader *l, int subnet, int *table)
{
	scenario *sc = l->sc;
	*table = subnet >= 0 ? scenario_subnet_route_table(sc, subnet) : -1;
	if (*table < 0)
		return TRUE;
	const sc_route_table *rt = SC_AT(sc->route_tables, sc_route_table, *table);
	for (guint j = 0; j < rt->routes->len; j++) {
		const sc_route *r = SC_AT(rt->routes, sc_route, j);
		if (r->kind == SC_TARGET_IGW && r->dst.len == 0)
			return TRUE;
	}
	return FALSE;
}

/* ---- addresses -------------------------------------------------------- */

/* Checks an explicit private address and reserves it in its subnet. */
void sc_reserve_ip(sc_loader *l, const ld_group *g, int subnet, uint32_t *ip)
{
	const char *v = ld_get(g, "ip", NULL);
	if (!v)
		return;
	uint32_t a;
	if (!ip_parse_strict(v, &a)) {
		ld_problem(l->ld, g, "ip", "'%s' is not an IPv4 address; expected a dotted quad such as 10.0.1.10",
		  v);
		return;
	}
	if (subnet < 0)
		return;
	sc_subnet *s = SC_AT(l->sc->subnets, sc_subnet, subnet);
	if (!s->cidr.len)
		return;
	ip_buf b, lo, hi;
	const char *range = "";
	char *expect = g_strdup_printf("an address of subnet %s (%s) from %s to %s", s->name,
	                               cidr_fmt(s->cidr, &b),
	                               ip_fmt(s->cidr.addr + SUBNET_RESERVED_LOW, &lo),
	                               ip_fmt(cidr_last(s->cidr) - 1, &hi));
	const char *holder = g_hash_table_lookup(l->used_ips[subnet], GUINT_TO_POINTER(a));
	if (!sc_cidr_contains(s->cidr, a))
		range = "is not inside the subnet";
	else if (a < s->cidr.addr + SUBNET_RESERVED_LOW)
		range = "is one of the four addresses AWS reserves at the start of a subnet";
	else if (a == cidr_last(s->cidr))
		range = "is the subnet's broadcast address, which AWS reserves";
	if (*range)
		ld_problem(l->ld, g, "ip", "'%s' %s; expected %s", v, range, expect);
	else if (holder)
		ld_problem(l->ld, g, "ip", "'%s' is already used by [%s]; expected a free address", v, holder);
	else {
		g_hash_table_insert(l->used_ips[subnet], GUINT_TO_POINTER(a), g->label);
		*ip = a;
	}
	g_free(expect);
}


/* The first free address from .4 of the subnet, for `g`. */
void sc_take_free_ip(sc_loader *l, const ld_group *g, int subnet, uint32_t *ip)
{
	if (subnet < 0)
		return;
	sc_subnet *s = SC_AT(l->sc->subnets, sc_subnet, subnet);
	if (!s->cidr.len)
		return;
	/* The first free address from .4: addresses are only ever taken, so
	 * it never moves down, and each subnet's search resumes where the last
	 * one stopped (linear in the subnet's size over the whole load, where
	 * starting from .4 each time was quadratic in its instances). */
	uint32_t a = MAX(l->free_from[subnet], s->cidr.addr + SUBNET_RESERVED_LOW);
	for (; a < cidr_last(s->cidr); a++) {
		if (!g_hash_table_contains(l->used_ips[subnet], GUINT_TO_POINTER(a))) {
			g_hash_table_insert(l->used_ips[subnet], GUINT_TO_POINTER(a), g->label);
			*ip = a;
			l->free_from[subnet] = a + 1;
			return;
		}
	}
	l->free_from[subnet] = a;
	ip_buf b;
	ld_problem(l->ld, g, NULL, "subnet %s (%s) has no free address left; expected a larger subnet (AWS "
	              "reserves its first four and last addresses)", s->name, cidr_fmt(s->cidr, &b));
}

void sc_assign_ip(sc_loader *l, const ld_group *g, int subnet, uint32_t *ip)
{
	if (!g_hash_table_contains(g->values, "ip"))
		sc_take_free_ip(l, g, subnet, ip);
}

typedef struct {
	uint32_t lo, hi;
} pub_range;

static gint pub_range_cmp(gconstpointer a, gconstpointer b)
{
	const pub_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The addresses the public pool skips: every service prefix and VPC CIDR,
 * sorted and merged into disjoint ranges. */
static GArray *public_clashes(const scenario *sc)
{
	GArray *all = g_array_new(FALSE, FALSE, sizeof(pub_range));
	for (guint i = 0; i < sc->services->len; i++) {
		GArray *pre = SC_AT(sc->services, sc_service, i)->prefixes;
		for (guint j = 0; j < pre->len; j++) {
			sc_cidr c = g_array_index(pre, sc_cidr, j);
			pub_range r = { c.addr, cidr_last(c) };
			g_array_append_val(all, r);
		}
	}
	for (guint i = 0; i < sc->vpcs->len; i++) {
		sc_cidr c = SC_AT(sc->vpcs, sc_vpc, i)->cidr;
		if (c.len) {
			pub_range r = { c.addr, cidr_last(c) };
			g_array_append_val(all, r);
		}
	}
	g_array_sort(all, pub_range_cmp);
	GArray *merged = g_array_new(FALSE, FALSE, sizeof(pub_range));
	for (guint i = 0; i < all->len; i++) {
		pub_range r = g_array_index(all, pub_range, i);
		pub_range *last = merged->len ? &g_array_index(merged, pub_range, merged->len - 1) : NULL;
		if (last && r.lo <= last->hi + (uint64_t)1)
			last->hi = MAX(last->hi, r.hi);
		else
			g_array_append_val(merged, r);
	}
	g_array_unref(all);
	return merged;
}

/* The next public address of the pool, skipping any inside a service
 * prefix or a VPC's CIDR so that addresses never clash.  The pool only
 * moves up, so one pass over the sorted clashes serves the whole load. */
uint32_t sc_next_public(sc_loader *l, const ld_group *g)
{
	if (!l->public_clash)
		l->public_clash = public_clashes(l->sc);
	const GArray *cl = l->public_clash;
	while (l->next_public <= PUBLIC_POOL_LAST) {
		uint32_t a = l->next_public;
		while (l->clash_next < cl->len && g_array_index(cl, pub_range, l->clash_next).hi < a)
			l->clash_next++;
		const pub_range *r = l->clash_next < cl->len ? &g_array_index(cl, pub_range, l->clash_next) : NULL;
		if (!r || r->lo > a)
			return l->next_public++;
		if (r->hi >= PUBLIC_POOL_LAST)
			break;
		l->next_public = r->hi + 1;
	}
	l->next_public = PUBLIC_POOL_LAST + 1;
	ld_problem(l->ld, g, NULL, "the public address pool 3.80.0.0/12 is exhausted; expected fewer public "
	              "addresses");
	return 0;
}

static void assign_addresses(sc_loader *l)
{
	scenario *sc = l->sc;
	l->used_ips = g_new0(GHashTable *, sc->subnets->len + 1);
	l->free_from = g_new0(uint32_t, sc->subnets->len + 1);
	for (guint i = 0; i < sc->subnets->len; i++)
		l->used_ips[i] = g_hash_table_new(g_direct_hash, g_direct_equal);
	int counters[GK_N];
	/* Explicit addresses first, so that automatic ones never take them. */
	for (int pass = 0; pass < 2; pass++) {
		memset(counters, 0, sizeof counters);
		GPtrArray *all = ld_all_groups(l->ld);
		for (guint i = 0; i < all->len; i++) {
			const ld_group *g = all->pdata[i];
			int idx = counters[g->kind]++;
			if (sc_kinds[g->kind]->addresses)
				sc_kinds[g->kind]->addresses(l, g, idx, pass);
		}
	}
}

/* ---- the whole load --------------------------------------------------- */

scenario *scenario_new(const char *path)
{
	scenario *sc = g_new0(scenario, 1);
	sc->path = g_strdup(path);
	sc->azs = g_ptr_array_new_with_free_func(g_free);
	for (int k = 0; k < GK_N; k++)
		sc->of[k] = g_array_new(FALSE, TRUE, sc_kinds[k]->size);
	sc->vpcs = sc->of[GK_VPC];
	sc->subnets = sc->of[GK_SUBNET];
	sc->route_tables = sc->of[GK_ROUTE_TABLE];
	sc->security_groups = sc->of[GK_SG];
	sc->instances = sc->of[GK_INSTANCE];
	sc->peerings = sc->of[GK_PEERING];
	sc->tgws = sc->of[GK_TGW];
	sc->tgw_route_tables = sc->of[GK_TGW_ROUTE_TABLE];
	sc->tgw_attachments = sc->of[GK_TGW_ATTACHMENT];
	sc->natgws = sc->of[GK_NATGW];
	sc->igws = sc->of[GK_IGW];
	sc->services = sc->of[GK_SERVICE];
	sc->gw_endpoints = sc->of[GK_GW_ENDPOINT];
	sc->workloads = sc->of[GK_WORKLOAD];
	sc->load_balancers = sc->of[GK_LB];
	sc->target_groups = sc->of[GK_TG];
	sc->endpoint_services = sc->of[GK_EP_SERVICE];
	sc->interface_endpoints = sc->of[GK_IFACE_EP];
	sc->routes = sc->of[GK_ROUTE];
	return sc;
}

static void loader_clear(sc_loader *l)
{
	if (l->used_ips) {
		for (guint i = 0; l->used_ips[i]; i++)
			g_hash_table_destroy(l->used_ips[i]);
		g_free(l->used_ips);
	}
	g_free(l->free_from);
	if (l->public_clash)
		g_array_unref(l->public_clash);
	g_free(l->lb_type);
}

/* The steps models/scenario.c takes itself, among the kinds' (kinds.h
 * lists the bands). */
static void load_tables_step(sc_loader *l)
{
	char *prices_rel = ld_top_value(l->ld, "prices", "prices/us-east-1.ini");
	char *profile_rel = ld_top_value(l->ld, "profile", "profiles/default.ini");
	if (prices_rel && profile_rel)
		load_tables(l, prices_rel, profile_rel);
	g_free(prices_rel);
	g_free(profile_rel);
}

static const sc_step own_steps[] = { { 600, assign_addresses },
				     { 900, check_capture_points },
				     { 950, load_tables_step },
				     { 0, NULL } };

static gint step_cmp(gconstpointer a, gconstpointer b)
{
	const sc_step *x = *(const sc_step *const *)a, *y = *(const sc_step *const *)b;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Every kind's steps and ours, by order number (g_ptr_array_sort is stable: equal
 * numbers run in table order, ours last). */
static GPtrArray *all_steps(void)
{
	GPtrArray *steps = g_ptr_array_new();
	for (int k = 0; k < GK_N; k++)
		for (const sc_step *s = sc_kinds[k]->steps; s && s->run; s++)
			g_ptr_array_add(steps, (gpointer)s);
	for (const sc_step *s = own_steps; s->run; s++)
		g_ptr_array_add(steps, (gpointer)s);
	g_ptr_array_sort(steps, step_cmp);
	return steps;
}

scenario *scenario_load(const char *path, const char *const *overrides, GError **error)
{
	return scenario_load_lenient(path, overrides, NULL, error);
}

scenario *scenario_load_lenient(const char *path, const char *const *overrides, GPtrArray *absent,
                                GError **error)
{
	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	ld_loader *ld = ld_open(path, get_schema(), overrides, absent, error);
	if (!ld)
		return NULL;
	sc_loader l = { .ld = ld, .next_public = PUBLIC_POOL_FIRST, .sc = scenario_new(path) };
	scenario *sc = l.sc;
	read_scenario(&l);
	ld_expand(ld);
	for (int k = 0; k < GK_N; k++)
		g_array_set_size(sc->of[k], ld_groups(ld, k)->len);

	GPtrArray *steps = all_steps();
	for (guint i = 0; i < steps->len; i++)
		((const sc_step *)steps->pdata[i])->run(&l);
	g_ptr_array_unref(steps);

	loader_clear(&l);
	if (!ld_finish(ld, error)) {
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

void sc_unref(GArray *a)
{
	if (a)
		g_array_unref(a);
}

void scenario_free(scenario *sc)
{
	if (!sc)
		return;
	g_free(sc->path);
	g_free(sc->name);
	g_free(sc->description);
	g_free(sc->capture);
	prices_free(sc->prices);
	profile_free(sc->profile);
	g_ptr_array_unref(sc->azs);
	for (int k = 0; k < GK_N; k++) {
		GArray *a = sc->of[k];
		size_t size = g_array_get_element_size(a);
		for (guint i = 0; i < a->len; i++) {
			void *elem = a->data + i * size;
			if (sc_kinds[k]->clear)
				sc_kinds[k]->clear(elem);
			/* Every element struct starts with its name. */
			g_free(*(char **)elem);
		}
		g_array_unref(a);
	}
	g_free(sc);
}

int scenario_find_instance(const scenario *sc, const char *name)
{
	g_return_val_if_fail(sc != NULL && name != NULL, -1);
	for (guint i = 0; i < sc->instances->len; i++)
		if (strcmp(SC_AT(sc->instances, sc_instance, i)->name, name) == 0)
			return (int)i;
	return -1;
}

int scenario_subnet_route_table(const scenario *sc, int subnet)
{
	g_return_val_if_fail(sc != NULL && subnet >= 0 && (guint)subnet < sc->subnets->len, -1);
	const sc_subnet *s = SC_AT(sc->subnets, sc_subnet, subnet);
	if (s->route_table >= 0)
		return s->route_table;
	return s->vpc >= 0 ? SC_AT(sc->vpcs, sc_vpc, s->vpc)->main_route_table : -1;
}
