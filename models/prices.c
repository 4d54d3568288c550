/* \summary: price tables: a schema-driven GKeyFile loader that reports every problem at once */
#include "prices.h"
#include "error.h"
#include "keyfile.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/*
 * The loader is driven by one table, `fields`, listing every key a price
 * table must have: its group, name, kind and where it lands in `prices`.
 * Everything else follows from that table: unknown groups and keys, missing
 * keys and missing sources are found by comparing the file with it, and the
 * "expected one of ..." lists in messages are generated from it, so adding a
 * price is adding one line here and one field in prices.h.
 *
 * Validation never stops at the first problem: each problem appends one line
 * to a kf_problems list (keyfile.h, shared with the profile and scenario
 * loaders), and the load fails at the end with all of them.  A user fixing a
 * hand-edited table sees every typo in one run.
 */

typedef enum {
	K_STRING,   /* non-empty text */
	K_NUMBER,   /* a non-negative plain number */
	K_POSITIVE, /* a positive plain number (divisors) */
	K_TIERS,    /* a tier list of USD per billed GB */
	K_BOOL,     /* true or false */
	K_ENUM,     /* one word of a fixed list */
} field_kind;

typedef struct {
	kf_key k;                    /* group, key, whether sourced, what it measures */
	field_kind kind;
	size_t offset;
	const char *const *words;    /* K_ENUM: accepted words, index = value */
} field;

static const char *const billed_words[] = { "ip-packet", "payload", NULL };
static const char *const payer_words[] = { "source-attachment-owner",
	                                   "destination-attachment-owner",
	                                   "transit-gateway-owner", NULL };

/* Enum fields are written through an int pointer. */
G_STATIC_ASSERT(sizeof(prices_billed_bytes) == sizeof(int));
G_STATIC_ASSERT(sizeof(prices_tgw_payer) == sizeof(int));

/* A string key (meta text) needs no source; every price, count and switch does. */
#define F(g, k, kind, member, what) \
	{ { g, k, kind != K_STRING, what }, kind, offsetof(prices, member), NULL }
#define E(g, k, member, what, words) { { g, k, TRUE, what }, K_ENUM, offsetof(prices, member), words }

static const field fields[] = {
	F("meta", "region", K_STRING, region, "the AWS Region code"),
	F("meta", "currency", K_STRING, currency, "the currency of every price"),
	F("meta", "collected", K_STRING, collected, "the date the prices were collected"),
	F("meta", "gb_bytes", K_POSITIVE, gb_bytes, "bytes in one billed GB"),
	E("meta", "billed_bytes", billed_bytes, "which packet bytes count towards per-GB charges",
	  billed_words),
	F("meta", "hours_per_month", K_POSITIVE, hours_per_month,
	  "hours in the month of monthly projections"),

	F("interface_endpoint", "hourly_usd_per_az", K_NUMBER, interface_endpoint.hourly_usd_per_az,
	  "USD per endpoint per AZ per hour"),
	F("interface_endpoint", "processing_usd_per_gb", K_TIERS, interface_endpoint.processing,
	  "USD per GB processed"),
	F("interface_endpoint", "charge_cross_az", K_BOOL, interface_endpoint.charge_cross_az,
	  "whether cross-AZ transfer is charged on top"),

	F("gateway_endpoint", "hourly_usd", K_NUMBER, gateway_endpoint.hourly_usd,
	  "USD per gateway endpoint-hour"),
	F("gateway_endpoint", "processing_usd_per_gb", K_TIERS, gateway_endpoint.processing,
	  "USD per GB processed"),

	F("nat_gateway", "hourly_usd", K_NUMBER, nat_gateway.hourly_usd, "USD per NAT gateway-hour"),
	F("nat_gateway", "processing_usd_per_gb", K_TIERS, nat_gateway.processing,
	  "USD per GB processed"),
	F("nat_gateway", "processing_both_directions", K_BOOL,
	  nat_gateway.processing_both_directions, "whether replies are charged too"),
	F("nat_gateway", "charge_cross_az", K_BOOL, nat_gateway.charge_cross_az,
	  "whether cross-AZ transfer is charged on top"),

	F("transit_gateway", "attachment_hourly_usd", K_NUMBER, transit_gateway.attachment_hourly_usd,
	  "USD per attachment-hour"),
	F("transit_gateway", "processing_usd_per_gb", K_TIERS, transit_gateway.processing,
	  "USD per GB sent into the transit gateway"),
	F("transit_gateway", "processing_both_directions", K_BOOL,
	  transit_gateway.processing_both_directions, "whether replies are charged too"),
	E("transit_gateway", "processing_payer", transit_gateway.processing_payer,
	  "who pays data processing", payer_words),
	F("transit_gateway", "charge_cross_az", K_BOOL, transit_gateway.charge_cross_az,
	  "whether cross-AZ transfer is charged on top"),

	F("vpc_peering", "hourly_usd", K_NUMBER, vpc_peering.hourly_usd,
	  "USD per peering connection-hour"),
	F("vpc_peering", "same_az_usd_per_gb", K_TIERS, vpc_peering.same_az,
	  "USD per GB staying in one AZ"),
	F("vpc_peering", "cross_az_usd_per_gb_each_direction", K_TIERS, vpc_peering.cross_az,
	  "USD per GB crossing AZs, each direction"),

	F("alb", "hourly_usd", K_NUMBER, alb.hourly_usd, "USD per ALB-hour"),
	F("alb", "usd_per_lcu_hour", K_NUMBER, alb.usd_per_lcu_hour, "USD per LCU-hour"),
	F("alb", "lcu_new_connections_per_second", K_POSITIVE, alb.lcu_new_connections_per_second,
	  "new connections per second in one LCU"),
	F("alb", "lcu_active_connections", K_POSITIVE, alb.lcu_active_connections,
	  "active connections in one LCU"),
	F("alb", "lcu_active_connections_mutual_tls", K_POSITIVE,
	  alb.lcu_active_connections_mutual_tls, "active mutual-TLS connections in one LCU"),
	F("alb", "lcu_processed_gb_per_hour", K_POSITIVE, alb.lcu_processed_gb_per_hour,
	  "GB processed per hour in one LCU"),
	F("alb", "lcu_processed_gb_per_hour_lambda", K_POSITIVE, alb.lcu_processed_gb_per_hour_lambda,
	  "GB processed per hour for Lambda targets in one LCU"),
	F("alb", "lcu_rule_evaluations_per_second", K_POSITIVE, alb.lcu_rule_evaluations_per_second,
	  "rule evaluations per second in one LCU"),
	F("alb", "lcu_free_rules_per_request", K_NUMBER, alb.lcu_free_rules_per_request,
	  "rules per request evaluated free"),
	F("alb", "cross_az_to_targets_usd_per_gb_each_direction", K_TIERS, alb.cross_az_to_targets,
	  "USD per GB between the ALB and targets in other AZs, each direction"),

	F("nlb", "hourly_usd", K_NUMBER, nlb.hourly_usd, "USD per NLB-hour"),
	F("nlb", "usd_per_nlcu_hour", K_NUMBER, nlb.usd_per_nlcu_hour, "USD per NLCU-hour"),
	F("nlb", "nlcu_tcp_new_connections_per_second", K_POSITIVE,
	  nlb.nlcu_tcp_new_connections_per_second, "new TCP connections per second in one NLCU"),
	F("nlb", "nlcu_tcp_active_connections", K_POSITIVE, nlb.nlcu_tcp_active_connections,
	  "active TCP connections in one NLCU"),
	F("nlb", "nlcu_udp_new_flows_per_second", K_POSITIVE, nlb.nlcu_udp_new_flows_per_second,
	  "new UDP flows per second in one NLCU"),
	F("nlb", "nlcu_udp_active_flows", K_POSITIVE, nlb.nlcu_udp_active_flows,
	  "active UDP flows in one NLCU"),
	F("nlb", "nlcu_tls_new_connections_per_second", K_POSITIVE,
	  nlb.nlcu_tls_new_connections_per_second, "new TLS connections per second in one NLCU"),
	F("nlb", "nlcu_tls_active_connections", K_POSITIVE, nlb.nlcu_tls_active_connections,
	  "active TLS connections in one NLCU"),
	F("nlb", "nlcu_processed_gb_per_hour", K_POSITIVE, nlb.nlcu_processed_gb_per_hour,
	  "GB processed per hour in one NLCU"),
	F("nlb", "cross_az_to_targets_usd_per_gb_each_direction", K_TIERS, nlb.cross_az_to_targets,
	  "USD per GB between the NLB and targets in other AZs, each direction"),

	F("data_transfer", "same_az_usd_per_gb", K_TIERS, data_transfer.same_az,
	  "USD per GB within one AZ over private IPs"),
	F("data_transfer", "cross_az_usd_per_gb_each_direction", K_TIERS, data_transfer.cross_az,
	  "USD per GB crossing AZs, each direction"),
	F("data_transfer", "public_ip_in_region_usd_per_gb_each_direction", K_TIERS,
	  data_transfer.public_ip_in_region,
	  "USD per GB within the Region via public IPv4 addresses, each direction"),

	F("public_ipv4", "hourly_usd_per_address", K_NUMBER, public_ipv4.hourly_usd_per_address,
	  "USD per public IPv4 address per hour"),

	F("s3", "transfer_same_region_usd_per_gb", K_TIERS, s3.transfer_same_region,
	  "USD per GB between S3 and the VPC in the same Region"),

	F("vpc_lattice", "service_hourly_usd", K_NUMBER, vpc_lattice.service_hourly_usd,
	  "USD per VPC Lattice service-hour"),
	F("vpc_lattice", "processing_usd_per_gb", K_TIERS, vpc_lattice.processing,
	  "USD per GB of HTTP requests and responses"),
	F("vpc_lattice", "usd_per_million_requests", K_NUMBER, vpc_lattice.usd_per_million_requests,
	  "USD per million requests beyond the free ones"),
	F("vpc_lattice", "free_requests_per_hour", K_NUMBER, vpc_lattice.free_requests_per_hour,
	  "requests per service per hour not charged"),

	F("resource_endpoint", "hourly_usd", K_NUMBER, resource_endpoint.hourly_usd,
	  "USD per resource endpoint-hour"),
	F("resource_endpoint", "processing_usd_per_gb", K_TIERS, resource_endpoint.processing,
	  "USD per GB processed"),
	F("resource_endpoint", "charge_cross_az", K_BOOL, resource_endpoint.charge_cross_az,
	  "whether cross-AZ transfer is charged on top"),

	F("resource_gateway", "processing_usd_per_gb", K_TIERS, resource_gateway.processing,
	  "USD per GB processed by the resource gateway"),
};

#undef F
#undef E

static const kf_schema schema = {
	&fields[0].k, G_N_ELEMENTS(fields), sizeof fields[0],
	"every price, count and switch needs a source: a URL (or '-'), an evidence kind such "
	"as [AWS pricing], and a note",
	"https://aws.amazon.com/vpc/pricing/ [AWS pricing] page example",
};

/* Parses "1048576GB" or "1048576 GB" (already split into one or two tokens)
 * as a positive number of billed GB. */
static gboolean parse_bound(char **tok, int ntok, double *out)
{
	char *text = ntok == 2 ? g_strconcat(tok[0], tok[1], NULL) : g_strdup(tok[0]);
	gboolean ok = g_str_has_suffix(text, "GB");
	if (ok) {
		text[strlen(text) - 2] = '\0';
		ok = kf_parse_number(text, out) && *out > 0;
	}
	g_free(text);
	return ok;
}

/*
 * Parses a tier list "P up to BGB, P up to BGB, ..., P" into `t`.  On
 * failure appends the reason to `why` and returns FALSE.  Hand-written on
 * purpose: the grammar is a few words, and GRegex would not make the
 * messages any better.
 */
static gboolean parse_tiers(const char *text, prices_tiers *t, GString *why)
{
	gboolean ok = TRUE;
	char **items = g_strsplit(text, ",", -1);
	guint n = g_strv_length(items);
	memset(t, 0, sizeof *t);
	if (n == 0) {
		g_string_append(why, "it is empty");
		ok = FALSE;
	} else if (n > PRICES_MAX_TIERS) {
		g_string_append_printf(why, "%u tiers, more than the %d allowed", n, PRICES_MAX_TIERS);
		ok = FALSE;
		n = 0;
	}
	for (guint i = 0; i < n && ok; i++) {
		char *item = g_strstrip(items[i]);
		/* Split on blanks, dropping the empty tokens runs of blanks leave. */
		char **raw = g_strsplit_set(item, " \t", -1);
		char *tok[8];
		int ntok = 0;
		for (char **r = raw; *r && ntok < (int)G_N_ELEMENTS(tok); r++)
			if (**r)
				tok[ntok++] = *r;
		gboolean last = i + 1 == n;
		double price, bound = INFINITY;
		if (ntok == 0) {
			g_string_append_printf(why, "tier %u is empty", i + 1);
			ok = FALSE;
		} else if (!kf_parse_number(tok[0], &price) || price < 0) {
			g_string_append_printf(why, "tier %u price '%s' is not a non-negative number",
			                       i + 1, tok[0]);
			ok = FALSE;
		} else if (ntok == 1) {
			if (!last) {
				g_string_append_printf(why, "tier %u '%s' has no bound but is not the last "
				                            "tier", i + 1, item);
				ok = FALSE;
			}
		} else if ((ntok == 4 || ntok == 5) && strcmp(tok[1], "up") == 0 &&
		           strcmp(tok[2], "to") == 0) {
			if (!parse_bound(tok + 3, ntok - 3, &bound)) {
				g_string_append_printf(why, "tier %u bound '%s%s' is not a positive number "
				                            "of GB such as 1048576GB", i + 1, tok[3],
				                       ntok == 5 ? tok[4] : "");
				ok = FALSE;
			} else if (last) {
				g_string_append_printf(why, "the last tier '%s' has a bound; the last tier "
				                            "must be unbounded (a bare price)", item);
				ok = FALSE;
			} else if (i > 0 && bound <= t->up_to_gb[i - 1]) {
				g_string_append_printf(why, "tier %u bound %.15gGB is not above the previous "
				                            "bound %.15gGB", i + 1, bound, t->up_to_gb[i - 1]);
				ok = FALSE;
			}
		} else {
			g_string_append_printf(why, "tier %u '%s' is neither 'PRICE up to BOUNDGB' nor "
			                            "'PRICE'", i + 1, item);
			ok = FALSE;
		}
		if (ok) {
			t->usd_per_gb[i] = price;
			t->up_to_gb[i] = bound;
			t->n = (int)i + 1;
		}
		g_strfreev(raw);
	}
	g_strfreev(items);
	return ok;
}

/* The state of one load: the key file, the problems and the result. */
typedef struct {
	GKeyFile *kf;
	kf_problems pr;
	prices *p;
} loader;

#define problem(ld, group, key, ...) kf_problem(&(ld)->pr, group, key, __VA_ARGS__)

/* Reads and checks the value of one schema field into the struct. */
static void read_field(loader *ld, size_t index)
{
	const field *f = &fields[index];
	const char *group = f->k.group, *key = f->k.key;
	/* Reports a missing group, key or source itself. */
	char *v = kf_schema_value(&ld->pr, ld->kf, &schema, index);
	if (!v)
		return;
	char *slot = (char *)ld->p + f->offset;
	double d;
	switch (f->kind) {
	case K_STRING:
		if (*g_strstrip(v) == '\0')
			problem(ld, group, key, "empty; expected %s", f->k.what);
		else
			*(char **)slot = g_strdup(v);
		break;
	case K_NUMBER:
		if (kf_parse_number(v, &d) && d >= 0)
			*(double *)slot = d;
		else
			problem(ld, group, key, "'%s' is not a non-negative number; expected "
			                        "%s as a plain number such as 0.045 (no unit)",
			        v, f->k.what);
		break;
	case K_POSITIVE:
		if (kf_parse_number(v, &d) && d > 0)
			*(double *)slot = d;
		else
			problem(ld, group, key, "'%s' is not a positive number; expected %s as a "
			                        "plain number above 0 (no unit)", v, f->k.what);
		break;
	case K_TIERS: {
		GString *why = g_string_new(NULL);
		if (!parse_tiers(v, (prices_tiers *)slot, why))
			problem(ld, group, key, "'%s' is not a tier list: %s; expected %s as "
			                        "'PRICE up to BOUNDGB, ..., PRICE' with bounds in "
			                        "billed GB increasing and the last tier "
			                        "unbounded, e.g. '0.01 up to 1048576GB, 0.004' or "
			                        "a single price", v, why->str, f->k.what);
		g_string_free(why, TRUE);
		break;
	}
	case K_BOOL: {
		const char *s = g_strstrip(v);
		if (strcmp(s, "true") == 0)
			*(gboolean *)slot = TRUE;
		else if (strcmp(s, "false") == 0)
			*(gboolean *)slot = FALSE;
		else
			problem(ld, group, key, "'%s' is not a switch; expected true or false (%s)",
			        v, f->k.what);
		break;
	}
	case K_ENUM: {
		const char *s = g_strstrip(v);
		int found = -1;
		for (int w = 0; f->words[w]; w++)
			if (strcmp(s, f->words[w]) == 0)
				found = w;
		if (found >= 0) {
			*(int *)slot = found;
		} else {
			char *words = g_strjoinv(", ", (char **)f->words);
			problem(ld, group, key, "'%s' is not a known choice; expected one of %s "
			                        "(%s)", v, words, f->k.what);
			g_free(words);
		}
		break;
	}
	}
	g_free(v);
}

prices *prices_load_data(const char *data, gsize len, const char *name, GError **error)
{
	g_return_val_if_fail(data != NULL, NULL);
	g_return_val_if_fail(name != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	loader ld = { .kf = kf_load_data(data, len, name, error) };
	if (!ld.kf)
		return NULL;
	kf_problems_init(&ld.pr, name);
	kf_problems_set_text(&ld.pr, data, len);
	prices *p = ld.p = g_new0(prices, 1);
	p->path = g_strdup(name);
	p->sources = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	/* Unknown groups first (file order), then every field in schema order. */
	kf_check_groups(&ld.pr, ld.kf, &schema, p->sources);
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
		read_field(&ld, i);
	g_key_file_free(ld.kf);
	if (!kf_problems_finish(&ld.pr, error)) {
		prices_free(p);
		return NULL;
	}
	return p;
}

prices *prices_load(const char *path, GError **error)
{
	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);
	char *data = NULL;
	gsize len = 0;
	if (!kf_read_file(path, "price table", &data, &len, error))
		return NULL;
	prices *p = prices_load_data(data, len, path, error);
	g_free(data);
	return p;
}

prices *prices_ref(prices *p)
{
	g_return_val_if_fail(p != NULL, NULL);
	p->refs = MAX(p->refs, 1) + 1;
	return p;
}

void prices_free(prices *p)
{
	if (!p || --p->refs > 0)
		return;
	g_free(p->path);
	g_free(p->region);
	g_free(p->currency);
	g_free(p->collected);
	if (p->sources)
		g_hash_table_destroy(p->sources);
	g_free(p);
}

const char *prices_source(const prices *p, const char *group, const char *key)
{
	g_return_val_if_fail(p != NULL && group != NULL && key != NULL, NULL);
	return kf_source(p->sources, group, key);
}

GPtrArray *prices_assumptions(const prices *p)
{
	g_return_val_if_fail(p != NULL, NULL);
	return kf_schema_assumptions(&schema, p->sources);
}

cost_ledger *prices_ledger_new(const prices *p)
{
	g_return_val_if_fail(p != NULL, NULL);
	return cost_ledger_new(p->gb_bytes, p->hours_per_month);
}
