/* \summary: price tables: load and validate scenarios/prices/<region>.ini, tiered per-GB rates */
#ifndef VPCSIM_PRICES_H
#define VPCSIM_PRICES_H

#include <glib.h>

#include "cost.h"
#include "tiers.h"

/*
 * A price table is a GLib key file (see scenarios/prices/us-east-1.ini for
 * the format, and docs/prices.md).  prices_load() reads it into the plain
 * struct below, so models read `p->nat_gateway.hourly_usd` with no lookup.
 * No figure is compiled in: every price, dimension and behaviour switch
 * comes from the file, with its source kept beside it for reports.
 */

/* Which bytes of a packet count towards per-GB charges. */
typedef enum {
	PRICES_BILLED_IP_PACKET, /* "ip-packet": the whole IP packet, headers included */
	PRICES_BILLED_PAYLOAD,   /* "payload": transport payload only */
} prices_billed_bytes;

/* Who pays Transit Gateway data processing (TGW "metering policies"). */
typedef enum {
	PRICES_TGW_PAYER_SOURCE_ATTACHMENT,      /* "source-attachment-owner" */
	PRICES_TGW_PAYER_DESTINATION_ATTACHMENT, /* "destination-attachment-owner" */
	PRICES_TGW_PAYER_TGW_OWNER,              /* "transit-gateway-owner" */
} prices_tgw_payer;

/*
 * One price table.  Field names follow the key names of the file (without
 * the unit suffix where the struct type already says it: a prices_tiers is
 * always USD per billed GB).  Everything is read-only after loading.
 */
typedef struct prices {
	char *path; /* the file it was loaded from (or the name given) */

	/* [meta] */
	char *region;
	char *currency;
	char *collected;
	double gb_bytes;        /* bytes in one billed GB */
	prices_billed_bytes billed_bytes;
	double hours_per_month; /* hours in the month of monthly projections */

	struct {
		double hourly_usd_per_az;
		prices_tiers processing;
		gboolean charge_cross_az;
	} interface_endpoint;

	struct {
		double hourly_usd;
		prices_tiers processing;
	} gateway_endpoint;

	struct {
		double hourly_usd;
		prices_tiers processing;
		gboolean processing_both_directions;
		gboolean charge_cross_az;
	} nat_gateway;

	struct {
		double attachment_hourly_usd;
		prices_tiers processing;
		gboolean processing_both_directions;
		prices_tgw_payer processing_payer;
		gboolean charge_cross_az;
	} transit_gateway;

	struct {
		double hourly_usd;
		prices_tiers same_az;
		prices_tiers cross_az; /* each direction */
	} vpc_peering;

	struct {
		double hourly_usd;
		double usd_per_lcu_hour;
		double lcu_new_connections_per_second;
		double lcu_active_connections;
		double lcu_active_connections_mutual_tls;
		double lcu_processed_gb_per_hour;
		double lcu_processed_gb_per_hour_lambda;
		double lcu_rule_evaluations_per_second;
		double lcu_free_rules_per_request;
		prices_tiers cross_az_to_targets; /* each direction */
	} alb;

	struct {
		double hourly_usd;
		double usd_per_nlcu_hour;
		double nlcu_tcp_new_connections_per_second;
		double nlcu_tcp_active_connections;
		double nlcu_udp_new_flows_per_second;
		double nlcu_udp_active_flows;
		double nlcu_tls_new_connections_per_second;
		double nlcu_tls_active_connections;
		double nlcu_processed_gb_per_hour;
		prices_tiers cross_az_to_targets; /* each direction */
	} nlb;

	struct {
		prices_tiers same_az;
		prices_tiers cross_az;           /* each direction */
		prices_tiers public_ip_in_region; /* each direction */
	} data_transfer;

	struct {
		double hourly_usd_per_address;
	} public_ipv4;

	struct {
		prices_tiers transfer_same_region;
	} s3;

	struct {
		double service_hourly_usd;       /* per service per hour */
		prices_tiers processing;         /* HTTP request + response bytes */
		double usd_per_million_requests;
		double free_requests_per_hour;   /* per service, deducted each hour */
	} vpc_lattice;

	struct {
		double hourly_usd;               /* per resource endpoint per hour */
		prices_tiers processing;         /* both directions, tiered Region-wide */
		gboolean charge_cross_az;
	} resource_endpoint;

	struct {
		prices_tiers processing;         /* on the provider, tiered Region-wide */
	} resource_gateway;

	/* private: "group.key" -> the key's .source text */
	GHashTable *sources;
	int refs; /* prices_ref(); 0 or 1: the last reference (not atomic: loading is
	             single-threaded) */
} prices;

/*
 * Loads and validates a price table.  Every problem is collected before
 * failing, and the GError (VPCSIM_ERROR_INVALID) carries one line per
 * problem, each naming the file, group and key, quoting the bad value and
 * saying what was expected: unknown group or key, duplicate key, missing
 * key, missing or malformed `.source`, a value that is not a non-negative
 * (or, for divisors, positive) number, malformed tiers (syntax, bounds not
 * increasing, no final unbounded tier, too many), a bad switch or word.  An
 * unreadable file is VPCSIM_ERROR_IO; key-file syntax is VPCSIM_ERROR_PARSE.
 */
prices *prices_load(const char *path, GError **error);

/* The same from text already in memory; `name` stands for the file in
 * messages. */
prices *prices_load_data(const char *data, gsize len, const char *name, GError **error);

/* Another reference to p, read-only from now on: scenarios loaded from the
 * same table share one (see scenario.c's table cache). */
prices *prices_ref(prices *p);
/* Drops a reference; frees p with the last one. */
void prices_free(prices *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(prices, prices_free)


/* The `.source` text of `group`.`key` (NULL if the key has none). */
const char *prices_source(const prices *p, const char *group, const char *key);

/* "group.key" of every value whose source carries an [UNSOURCED ASSUMPTION]
 * tag anywhere (so partly assumed values count too), in file-schema order,
 * for reports that must label results resting on them.  Free with
 * g_ptr_array_unref(); the strings belong to the array. */
GPtrArray *prices_assumptions(const prices *p);

/* A new empty cost ledger billing GB and months as `p` counts them. */
cost_ledger *prices_ledger_new(const prices *p);

#endif
