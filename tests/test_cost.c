/* \summary: cost ledger tests: hand-computed bills, partial hours, tier pools, LCU/NLCU, order */
#include "harness.h"
#include "alb.h"
#include "cost.h"
#include "nlb.h"
#include "prices.h"

#include <math.h>
#include <string.h>

#define HOUR ((sim_time)3600 * SIM_S)

static prices *load_shipped(void)
{
	char *path = harness_source_path("scenarios/prices/us-east-1.ini");
	GError *err = NULL;
	prices *p = prices_load(path, &err);
	if (!p)
		fprintf(stderr, "\n%s\n", err->message);
	g_clear_error(&err);
	g_free(path);
	return p;
}

/* Bytes in `gb` billed GB of the shipped table (2^30 bytes each). */
static uint64_t gb_bytes(const prices *p, double gb)
{
	return (uint64_t)(gb * p->gb_bytes);
}

static const cost_line *find(const cost_ledger *l, const char *component, const char *type)
{
	for (guint i = 0; i < cost_ledger_n_lines(l); i++) {
		const cost_line *line = cost_ledger_line_at(l, i);
		if (strcmp(line->component, component) == 0 && strcmp(line->type, type) == 0)
			return line;
	}
	return NULL;
}

/*
 * A NAT gateway that processes 10 GB in a one-hour run:
 *   run   = 10 GB x 0.045 + 1 gateway x 0.045 x 1 h = 0.495  -> 0.50 on a bill
 *   month = 7300 GB x 0.045 + 0.045 x 730 h = 328.5 + 32.85 = 361.35
 */
static void test_nat_gateway_bill(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	cost_ledger *l = prices_ledger_new(p);
	cost_line *proc = cost_ledger_line(l, "natgw-a", "processing", &p->nat_gateway.processing);
	CU_ASSERT_PTR_NOT_NULL_FATAL(proc);
	/* 10 GB in 1000-byte packets, through the handle as a model would. */
	uint64_t total = gb_bytes(p, 10);
	for (uint64_t sent = 0; sent < total; sent += 1000)
		cost_line_add_bytes(proc, MIN(1000, total - sent));
	cost_ledger_add_hourly(l, "natgw-a", "hourly", p->nat_gateway.hourly_usd, 1);
	CU_ASSERT_TRUE(cost_ledger_finish(l, HOUR));

	CU_ASSERT_EQUAL(proc->bytes, total);
	ASSERT_NEAR(proc->gb, 10, 1e-12);
	ASSERT_NEAR(proc->month_gb, 7300, 1e-9);
	ASSERT_NEAR(proc->run_usd, 0.45, 1e-12);
	ASSERT_NEAR(proc->month_usd, 328.5, 1e-9);
	const cost_line *hourly = find(l, "natgw-a", "hourly");
	CU_ASSERT_PTR_NOT_NULL_FATAL(hourly);
	CU_ASSERT_EQUAL(hourly->billed_hours, 1.0);
	ASSERT_NEAR(hourly->run_usd, 0.045, 1e-12);
	ASSERT_NEAR(hourly->month_usd, 32.85, 1e-9);

	double run, month;
	CU_ASSERT_TRUE(cost_ledger_component_total(l, "natgw-a", &run, &month));
	ASSERT_NEAR(run, 0.495, 1e-12);
	CU_ASSERT_EQUAL(cost_round_cents(run), 0.50);
	CU_ASSERT_EQUAL(cost_round_cents(month), 361.35);
	CU_ASSERT_EQUAL(cost_round_cents(cost_ledger_total_run_usd(l)), 0.50);
	CU_ASSERT_EQUAL(cost_round_cents(cost_ledger_total_month_usd(l)), 361.35);
	CU_ASSERT_FALSE(cost_ledger_component_total(l, "natgw-b", &run, &month));
	cost_ledger_free(l);
	prices_free(p);
}

/* AWS bills a started hour of a provisioned resource in full; metered
 * capacity is billed for the exact time. */
static void test_partial_hours(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	cost_ledger *l = prices_ledger_new(p);
	cost_ledger_add_hourly(l, "natgw-a", "hourly", 0.045, 1);
	cost_ledger_set_capacity(l, "alb-b", "lcu", 0.008, 2.0);
	cost_ledger_add_bytes(l, "natgw-a", "processing", &p->nat_gateway.processing,
	                      gb_bytes(p, 10));
	static const struct {
		sim_time d;
		double whole;
	} cases[] = {
		{ 1, 1 }, { HOUR - 1, 1 }, { HOUR, 1 }, { HOUR + 1, 2 },
		{ HOUR + HOUR / 2, 2 }, { 2 * HOUR, 2 }, { 730 * HOUR, 730 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		CU_ASSERT_TRUE(cost_ledger_finish(l, cases[i].d));
		double hours = (double)cases[i].d / (double)HOUR;
		ASSERT_NEAR(cost_ledger_run_hours(l), hours, 1e-15);
		const cost_line *h = find(l, "natgw-a", "hourly");
		CU_ASSERT_EQUAL(h->billed_hours, cases[i].whole);
		ASSERT_NEAR(h->run_usd, 0.045 * cases[i].whole, 1e-12);
		ASSERT_NEAR(h->month_usd, 0.045 * 730, 1e-9); /* the month does not depend on it */
		const cost_line *c = find(l, "alb-b", "lcu");
		ASSERT_NEAR(c->run_usd, 0.016 * hours, 1e-12);
		ASSERT_NEAR(c->month_usd, 0.016 * 730, 1e-9);
		/* 10 GB in this run, projected at the run's rate. */
		const cost_line *g = find(l, "natgw-a", "processing");
		ASSERT_NEAR(g->run_usd, 0.45, 1e-12);
		ASSERT_NEAR(g->month_gb, 10 * 730 / hours, 1e-6 * g->month_gb);
		ASSERT_NEAR(g->month_usd, 0.045 * 10 * 730 / hours, 1e-9 * g->month_usd);
	}
	/* 1.5 h: hourly billed 2 h (0.09); 10 GB per 1.5 h -> 4866.67 GB/month
	 * -> 219.00 USD. */
	cost_ledger_finish(l, HOUR + HOUR / 2);
	CU_ASSERT_EQUAL(cost_round_cents(find(l, "natgw-a", "processing")->month_usd), 219.00);
	CU_ASSERT_EQUAL(cost_round_cents(find(l, "natgw-a", "hourly")->run_usd), 0.09);
	cost_ledger_free(l);
	prices_free(p);
}

/* Hourly counts add up across calls (one per AZ); a second rate is refused. */
static void test_hourly_counts(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	cost_ledger *l = prices_ledger_new(p);
	cost_ledger_add_hourly(l, "vpce-s3", "hourly", p->interface_endpoint.hourly_usd_per_az, 1);
	cost_ledger_add_hourly(l, "vpce-s3", "hourly", p->interface_endpoint.hourly_usd_per_az, 1);
	cost_ledger_add_hourly(l, "natgw-a", "public-ipv4", p->public_ipv4.hourly_usd_per_address, 1);
	cost_ledger_add_hourly(l, "alb-public", "public-ipv4",
	                       p->public_ipv4.hourly_usd_per_address, 3);
	cost_ledger_finish(l, 24 * HOUR);
	const cost_line *e = find(l, "vpce-s3", "hourly");
	CU_ASSERT_EQUAL(e->quantity, 2.0);
	ASSERT_NEAR(e->run_usd, 2 * 0.01 * 24, 1e-12);   /* 0.48 */
	ASSERT_NEAR(e->month_usd, 2 * 0.01 * 730, 1e-9); /* 14.60 */
	ASSERT_NEAR(find(l, "alb-public", "public-ipv4")->month_usd, 3 * 0.005 * 730, 1e-9);
	ASSERT_NEAR(cost_ledger_total_month_usd(l), 14.6 + 3.65 + 10.95, 1e-9);
	cost_ledger_free(l);
	prices_free(p);
}

/* A byte crossing AZs once is billed out at the sender and in at the
 * receiver: 0.02 USD per GB in all. */
static void test_cross_az_both_directions(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	cost_ledger *l = prices_ledger_new(p);
	const prices_tiers *x = &p->data_transfer.cross_az;
	cost_line *out = cost_ledger_line(l, "eni-client-a", "cross-az-out", x);
	cost_line *in = cost_ledger_line(l, "eni-server-b", "cross-az-in", x);
	cost_line_add_bytes(out, gb_bytes(p, 5));
	cost_line_add_bytes(in, gb_bytes(p, 5));
	cost_ledger_finish(l, HOUR);
	ASSERT_NEAR(out->run_usd, 0.05, 1e-12);
	ASSERT_NEAR(in->run_usd, 0.05, 1e-12);
	ASSERT_NEAR(cost_ledger_total_run_usd(l), 0.10, 1e-12);
	CU_ASSERT_EQUAL(cost_ledger_n_components(l), 2);
	cost_ledger_free(l);
	prices_free(p);
}

/*
 * Lines sharing a tier list are tiered together, as AWS aggregates all
 * interface endpoints of a Region.  A 730-hour run makes run = month.
 * 1.5 PB + 0.5 PB = 2 PB pooled: 1 PB x 0.01 + 1 PB x 0.006 = 16777.216,
 * shared 3:1 -> 12582.912 and 4194.304.  Tiered apart they would cost
 * 13631.488 + 5242.88 = 18874.368.
 */
static void test_tier_pool(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	cost_ledger *l = prices_ledger_new(p);
	const prices_tiers *ie = &p->interface_endpoint.processing;
	cost_line *a = cost_ledger_line(l, "vpce-a", "processing", ie);
	cost_line *b = cost_ledger_line(l, "vpce-b", "processing", ie);
	/* Its own pool: a four-tier price (AWS's internet egress list). */
	const prices_tiers four = { 4, { 0.09, 0.085, 0.07, 0.05 }, { 10240, 51200, 153600, INFINITY } };
	cost_line *egress = cost_ledger_line(l, "natgw-a", "internet-out", &four);
	cost_line_add_bytes(a, gb_bytes(p, 1572864));
	cost_line_add_bytes(b, gb_bytes(p, 524288));
	cost_line_add_bytes(egress, gb_bytes(p, 20480)); /* its own pool: 10240 x 0.09 + 10240 x 0.085 */
	cost_ledger_finish(l, 730 * HOUR);
	ASSERT_NEAR(a->run_usd + b->run_usd, 16777.216, 1e-6);
	ASSERT_NEAR(a->run_usd, 12582.912, 1e-6);
	ASSERT_NEAR(b->run_usd, 4194.304, 1e-6);
	ASSERT_NEAR(a->month_usd, a->run_usd, 1e-6);
	ASSERT_NEAR(egress->run_usd, 921.6 + 870.4, 1e-9);

	/* Half the run time doubles the monthly volume: 4 PB pooled costs
	 * 1 PB x 0.01 + 3 PB x 0.006 = 29360.128; the run is still 16777.216. */
	cost_ledger_finish(l, 365 * HOUR);
	ASSERT_NEAR(a->run_usd + b->run_usd, 16777.216, 1e-6);
	ASSERT_NEAR(a->month_gb + b->month_gb, 4194304, 1e-3);
	ASSERT_NEAR(a->month_usd + b->month_usd, 10485.76 + 18874.368, 1e-6);
	ASSERT_NEAR(b->month_usd, (10485.76 + 18874.368) / 4, 1e-6);
	cost_ledger_free(l);
	prices_free(p);
}

/* Capacity lines are replaced by a new measurement; computed amounts add. */
static void test_capacity_and_usd(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	cost_ledger *l = prices_ledger_new(p);
	cost_ledger_set_capacity(l, "alb-b", "lcu", p->alb.usd_per_lcu_hour, 5.0);
	cost_ledger_set_capacity(l, "alb-b", "lcu", p->alb.usd_per_lcu_hour, 1.08);
	cost_ledger_add_usd(l, "model-x", "other", 1.25, 100);
	cost_ledger_add_usd(l, "model-x", "other", 0.25, 20);
	cost_ledger_finish(l, 2 * HOUR);
	const cost_line *c = find(l, "alb-b", "lcu");
	ASSERT_NEAR(c->run_usd, 1.08 * 0.008 * 2, 1e-12);    /* 0.01728 */
	ASSERT_NEAR(c->month_usd, 1.08 * 0.008 * 730, 1e-9); /* 6.3072 */
	const cost_line *u = find(l, "model-x", "other");
	ASSERT_NEAR(u->run_usd, 1.5, 1e-12);
	ASSERT_NEAR(u->month_usd, 120, 1e-12);
	cost_ledger_free(l);
	prices_free(p);
}

static guint criticals;

static void count_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain;
	(void)msg;
	(void)data;
	if (level & G_LOG_LEVEL_CRITICAL)
		criticals++;
}

/* Handles are stable; a line cannot change price or kind. */
static void test_handles(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	cost_ledger *l = prices_ledger_new(p);
	cost_line *a = cost_ledger_line(l, "tgw-attach-vpc-a", "processing",
	                                &p->transit_gateway.processing);
	/* Creating many more lines must not move the first one. */
	for (int i = 0; i < 1000; i++) {
		char name[32];
		g_snprintf(name, sizeof name, "eni-%04d", i);
		cost_ledger_add_bytes(l, name, "cross-az-out", &p->data_transfer.cross_az, 1);
	}
	CU_ASSERT_PTR_EQUAL(cost_ledger_line(l, "tgw-attach-vpc-a", "processing",
	                                     &p->transit_gateway.processing), a);
	cost_ledger_add_bytes(l, "tgw-attach-vpc-a", "processing", &p->transit_gateway.processing,
	                      gb_bytes(p, 1));
	cost_line_add_bytes(a, gb_bytes(p, 1));

	GLogFunc old = g_log_set_default_handler(count_log, NULL);
	criticals = 0;
	CU_ASSERT_PTR_NULL(cost_ledger_line(l, "tgw-attach-vpc-a", "processing",
	                                    &p->nat_gateway.processing));
	cost_ledger_add_hourly(l, "tgw-attach-vpc-a", "processing", 0.05, 1);
	cost_ledger_add_hourly(l, "tgw-attach-vpc-a", "hourly", 0.05, 1);
	cost_ledger_add_hourly(l, "tgw-attach-vpc-a", "hourly", 0.06, 1);
	CU_ASSERT_FALSE(cost_ledger_finish(l, 0));
	g_log_set_default_handler(old, NULL);
	CU_ASSERT_EQUAL(criticals, 4);

	cost_ledger_finish(l, HOUR);
	CU_ASSERT_EQUAL(cost_ledger_n_lines(l), 1002);
	ASSERT_NEAR(a->run_usd, 2 * 0.02, 1e-12);
	ASSERT_NEAR(find(l, "tgw-attach-vpc-a", "hourly")->run_usd, 0.05, 1e-12);
	cost_ledger_free(l);
	prices_free(p);
}

/* The price a line of the ordering test bills with. */
static const prices_tiers *rate_for(const prices *p, const char *component, const char *type)
{
	if (g_str_has_prefix(component, "vpce"))
		return &p->interface_endpoint.processing;
	if (g_str_has_prefix(type, "cross"))
		return &p->data_transfer.cross_az;
	if (g_str_has_prefix(component, "natgw"))
		return &p->nat_gateway.processing;
	return &p->transit_gateway.processing;
}

/* Lines come out sorted by (component, type) in byte order, and the numbers
 * are bit-for-bit the same whatever order models created lines in. */
static void test_deterministic_order(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	static const struct {
		const char *component, *type;
		double gb;
	} spec[] = {
		{ "vpce-b", "processing", 3e5 },     { "tgw-attach-vpc-b", "processing", 7.5 },
		{ "natgw-a", "processing", 10 },     { "vpce-a", "processing", 1.2e6 },
		{ "natgw-a", "cross-az-out", 2 },    { "alb-b", "cross-az-in", 0.3 },
		{ "Zeta", "processing", 1 },         { "natgw-a", "cross-az-in", 2 },
		{ "tgw-attach-vpc-a", "processing", 7.5 },
	};
	const size_t n = G_N_ELEMENTS(spec);
	cost_ledger *fwd = prices_ledger_new(p), *rev = prices_ledger_new(p);
	for (size_t k = 0; k < n; k++) {
		size_t j = n - 1 - k;
		cost_ledger_add_bytes(fwd, spec[k].component, spec[k].type,
		                      rate_for(p, spec[k].component, spec[k].type),
		                      gb_bytes(p, spec[k].gb));
		cost_ledger_add_bytes(rev, spec[j].component, spec[j].type,
		                      rate_for(p, spec[j].component, spec[j].type),
		                      gb_bytes(p, spec[j].gb));
	}
	cost_ledger_add_hourly(fwd, "natgw-a", "hourly", 0.045, 1);
	cost_ledger_add_hourly(rev, "natgw-a", "hourly", 0.045, 1);
	cost_ledger_finish(fwd, 3 * HOUR + 17);
	cost_ledger_finish(rev, 3 * HOUR + 17);

	const char *want[][2] = {
		{ "Zeta", "processing" },           { "alb-b", "cross-az-in" },
		{ "natgw-a", "cross-az-in" },       { "natgw-a", "cross-az-out" },
		{ "natgw-a", "hourly" },            { "natgw-a", "processing" },
		{ "tgw-attach-vpc-a", "processing" }, { "tgw-attach-vpc-b", "processing" },
		{ "vpce-a", "processing" },         { "vpce-b", "processing" },
	};
	CU_ASSERT_EQUAL_FATAL(cost_ledger_n_lines(fwd), G_N_ELEMENTS(want));
	CU_ASSERT_EQUAL_FATAL(cost_ledger_n_lines(rev), G_N_ELEMENTS(want));
	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		const cost_line *x = cost_ledger_line_at(fwd, i), *y = cost_ledger_line_at(rev, i);
		CU_ASSERT_STRING_EQUAL(x->component, want[i][0]);
		CU_ASSERT_STRING_EQUAL(x->type, want[i][1]);
		CU_ASSERT_STRING_EQUAL(y->component, want[i][0]);
		CU_ASSERT_STRING_EQUAL(y->type, want[i][1]);
		CU_ASSERT_EQUAL(x->run_usd, y->run_usd);
		CU_ASSERT_EQUAL(x->month_usd, y->month_usd);
	}
	CU_ASSERT_EQUAL(cost_ledger_total_run_usd(fwd), cost_ledger_total_run_usd(rev));
	CU_ASSERT_EQUAL(cost_ledger_total_month_usd(fwd), cost_ledger_total_month_usd(rev));

	/* Components, in the same order, with totals that add up. */
	const char *comps[] = { "Zeta", "alb-b", "natgw-a", "tgw-attach-vpc-a", "tgw-attach-vpc-b",
		                "vpce-a", "vpce-b" };
	CU_ASSERT_EQUAL_FATAL(cost_ledger_n_components(fwd), G_N_ELEMENTS(comps));
	double sum_run = 0, sum_month = 0;
	for (guint i = 0; i < G_N_ELEMENTS(comps); i++) {
		double r, m;
		CU_ASSERT_STRING_EQUAL(cost_ledger_component_at(fwd, i, &r, &m), comps[i]);
		sum_run += r;
		sum_month += m;
	}
	ASSERT_NEAR(sum_run, cost_ledger_total_run_usd(fwd), 1e-9);
	ASSERT_NEAR(sum_month, cost_ledger_total_month_usd(fwd), 1e-6);
	/* natgw-a: 10 GB x 0.045 + 4 GB x 0.01 + 4 billed hours x 0.045. */
	double r;
	cost_ledger_component_total(fwd, "natgw-a", &r, NULL);
	ASSERT_NEAR(r, 0.45 + 0.04 + 0.18, 1e-12);
	cost_ledger_free(fwd);
	cost_ledger_free(rev);
	prices_free(p);
}

static void test_round_cents(void)
{
	CU_ASSERT_EQUAL(cost_round_cents(0.495), 0.50);  /* stored as 0.49499999... */
	CU_ASSERT_EQUAL(cost_round_cents(1.005), 1.01);  /* stored as 1.00499999... */
	CU_ASSERT_EQUAL(cost_round_cents(0.4949), 0.49);
	CU_ASSERT_EQUAL(cost_round_cents(0.00864), 0.01);
	CU_ASSERT_EQUAL(cost_round_cents(0.004), 0.0);
	CU_ASSERT_EQUAL(cost_round_cents(-0.005), -0.01);
	CU_ASSERT_EQUAL(cost_round_cents(361.35), 361.35);
	CU_ASSERT_EQUAL(cost_round_cents(32.85 + 328.5), 361.35);
	CU_ASSERT_EQUAL(cost_round_cents(16777.216), 16777.22);
}

/*
 * LCU, following the ELB pricing page's logic (LCUs = the largest dimension,
 * the first 10 rules free).  Dimensions from the shipped table: 25 new/s,
 * 3000 active, 1 GB/h, 1000 evaluations/s.
 */
static void test_lcu(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	alb_lcu_dims d;
	/* 1 new/s, 100 active, 1 GB/h, 10 rules: 0.04, 0.0333, 1, 0 -> 1. */
	alb_usage u = { .new_connections_per_second = 1, .active_connections = 100,
		             .processed_gb_per_hour = 1, .requests_per_second = 5,
		             .rules_per_request = 10 };
	ASSERT_NEAR(alb_lcu_per_hour(p, &u, &d), 1.0, 1e-12);
	ASSERT_NEAR(d.new_connections, 0.04, 1e-12);
	ASSERT_NEAR(d.active_connections, 100.0 / 3000, 1e-12);
	ASSERT_NEAR(d.processed_bytes, 1.0, 1e-12);
	CU_ASSERT_EQUAL(d.rule_evaluations, 0.0);

	/* 1 new/s lasting 2 min (120 active), 5 requests/s, 300 KB/s
	 * (1.08 GB/h), 60 rules: 0.04, 0.04, 1.08, 5 x 50 / 1000 = 0.25 -> 1.08
	 * LCU, 1.08 x 0.008 = 0.00864 USD per hour. */
	alb_usage w = { .new_connections_per_second = 1, .active_connections = 120,
		             .processed_gb_per_hour = 1.08, .requests_per_second = 5,
		             .rules_per_request = 60 };
	double lcu = alb_lcu_per_hour(p, &w, &d);
	ASSERT_NEAR(lcu, 1.08, 1e-12);
	ASSERT_NEAR(d.active_connections, 0.04, 1e-12);
	ASSERT_NEAR(d.rule_evaluations, 0.25, 1e-12);
	ASSERT_NEAR(lcu * p->alb.usd_per_lcu_hour, 0.00864, 1e-12);

	/* Rule-bound: 100 requests/s x (30 - 10) rules = 2000/s -> 2 LCU. */
	alb_usage r = { .requests_per_second = 100, .rules_per_request = 30,
		             .processed_gb_per_hour = 0.5 };
	ASSERT_NEAR(alb_lcu_per_hour(p, &r, NULL), 2.0, 1e-12);
	/* Connection-bound: 75 new/s -> 3 LCU. */
	alb_usage c = { .new_connections_per_second = 75, .active_connections = 6000 };
	ASSERT_NEAR(alb_lcu_per_hour(p, &c, &d), 3.0, 1e-12);
	ASSERT_NEAR(d.active_connections, 2.0, 1e-12);
	/* Mutual TLS halves the active allowance; Lambda bytes count 2.5x. */
	alb_usage m = { .active_connections_mutual_tls = 1500, .active_connections = 1500 };
	ASSERT_NEAR(alb_lcu_per_hour(p, &m, NULL), 1.5, 1e-12);
	alb_usage lam = { .processed_gb_per_hour_lambda = 1.0 };
	ASSERT_NEAR(alb_lcu_per_hour(p, &lam, NULL), 2.5, 1e-12);
	alb_usage none = { 0 };
	CU_ASSERT_EQUAL(alb_lcu_per_hour(p, &none, NULL), 0.0);
	prices_free(p);
}

/* NLCU: 800 TCP new/s, 100000 TCP active, 400 UDP new/s, 50000 UDP active,
 * 50 TLS new/s, 3000 TLS active, 1 GB/h. */
static void test_nlcu(void)
{
	prices *p = load_shipped();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	nlb_nlcu_dims d;
	nlb_rates u = { .tcp_new_connections_per_second = 1600, .tcp_active_connections = 50000,
		             .processed_gb_per_hour = 1.5 };
	ASSERT_NEAR(nlb_nlcu_per_hour(p, &u, &d), 2.0, 1e-12);
	ASSERT_NEAR(d.tcp_active_connections, 0.5, 1e-12);
	ASSERT_NEAR(d.processed_bytes, 1.5, 1e-12);
	nlb_rates t = { .tls_new_connections_per_second = 100, .tls_active_connections = 9000,
		             .udp_new_flows_per_second = 400, .udp_active_flows = 25000 };
	ASSERT_NEAR(nlb_nlcu_per_hour(p, &t, &d), 3.0, 1e-12);
	ASSERT_NEAR(d.tls_new_connections, 2.0, 1e-12);
	ASSERT_NEAR(d.udp_new_flows, 1.0, 1e-12);
	ASSERT_NEAR(d.udp_active_flows, 0.5, 1e-12);
	/* Bytes-bound, through the ledger: 4 GB/h for 30 min -> run 4 x 0.006
	 * x 0.5 = 0.012; month 4 x 0.006 x 730 = 17.52. */
	nlb_rates b = { .processed_gb_per_hour = 4, .tcp_new_connections_per_second = 10 };
	cost_ledger *l = prices_ledger_new(p);
	cost_ledger_set_capacity(l, "nlb-b", "nlcu", p->nlb.usd_per_nlcu_hour,
	                         nlb_nlcu_per_hour(p, &b, NULL));
	cost_ledger_finish(l, HOUR / 2);
	ASSERT_NEAR(cost_ledger_total_run_usd(l), 0.012, 1e-12);
	ASSERT_NEAR(cost_ledger_total_month_usd(l), 17.52, 1e-9);
	cost_ledger_free(l);
	prices_free(p);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("cost");
	CU_add_test(s, "NAT gateway bill", test_nat_gateway_bill);
	CU_add_test(s, "partial hours", test_partial_hours);
	CU_add_test(s, "hourly counts", test_hourly_counts);
	CU_add_test(s, "cross-AZ both directions", test_cross_az_both_directions);
	CU_add_test(s, "tier pool", test_tier_pool);
	CU_add_test(s, "capacity and computed USD", test_capacity_and_usd);
	CU_add_test(s, "handles and misuse", test_handles);
	CU_add_test(s, "deterministic order", test_deterministic_order);
	CU_add_test(s, "round to cents", test_round_cents);
	CU_add_test(s, "ALB LCU", test_lcu);
	CU_add_test(s, "NLB NLCU", test_nlcu);
}
