/* \summary: load balancer health checks: thresholds in simulated time, rotation, fail-open, 502/503/504, NLB, determinism */
/* pcap.h needs the BSD u_int types that strict POSIX hides. */
#define _DEFAULT_SOURCE
#include <string.h>

#include "harness.h"
#include "scenario_run.h"
#include "alb.h"
#include "lbhealth.h"
#include "nlb.h"

/*
 * scenarios/alb-target-failure.ini: web-2 (target 1 of tg-web) stops at
 * 20 s and is back at 40 s; both ALB nodes check both targets every 5 s
 * (timeout 2 s, unhealthy after 2 failures, healthy after 3 successes).
 */
#define FILE_ "scenarios/alb-target-failure.ini"
#define TG 0
#define WEB2 1
#define INTERVAL (5 * SIM_S)
#define TIMEOUT (2 * SIM_S)

typedef struct {
	scenario *sc;
	world *w;
	node *alb;
	const lbhealth *h;
} bed;

static void bed_open(bed *b, const char *const *sets)
{
	memset(b, 0, sizeof *b);
	char *path = harness_source_path(FILE_);
	GError *err = NULL;
	b->sc = scenario_load(path, sets, &err);
	g_free(path);
	if (!b->sc)
		printf("\n    %s\n", err->message);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->sc);
	world_options wo = { 0 };
	b->w = world_new(b->sc, &wo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->w);
	b->alb = world_node(b->w, "alb-b");
	b->h = alb_health(b->alb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->h);
}

static void bed_close(bed *b)
{
	world_free(b->w);
	scenario_free(b->sc);
}

static void run_to(bed *b, sim_time t) { sim_run_until(world_net(b->w)->sim, t); }

static gboolean healthy(bed *b, guint n) { return lbhealth_healthy(b->h, TG, WEB2, n); }

/*
 * The state machine in simulated time, node by node.  Down: the first
 * check that starts at or after 20 s fails at its 2 s timeout, and so does
 * the next, 5 s later: a node takes web-2 out exactly interval + timeout
 * after that first check began, not one failure earlier.  Up again: the
 * first check to succeed is the first to start after 40 s, or the last
 * one before it when that one began within a second of 40 s (its SYN is
 * sent again after TCP's 1 s initial RTO, and reaches a live web-2); the
 * third success in a row, two intervals later, puts web-2 back: still out
 * when that third check starts, in a few milliseconds later.  Requests
 * follow: none reaches web-2 while every node that forwards sees it
 * unhealthy, and some do again once it is back.
 */
static void test_thresholds_and_rotation(void)
{
	bed b;
	bed_open(&b, NULL);
	guint nodes = 2;
	sim_time down[2], up[2];
	run_to(&b, 20 * SIM_S);
	for (guint n = 0; n < nodes; n++) {
		CU_ASSERT_TRUE(healthy(&b, n));
		sim_time t1 = lbhealth_next_check(b.h, TG, WEB2, n);
		CU_ASSERT_FATAL(t1 >= 20 * SIM_S && t1 < 20 * SIM_S + INTERVAL);
		/* The check before began early enough to have its answer before 20 s. */
		CU_ASSERT_FATAL(t1 - INTERVAL < 20 * SIM_S - 10 * SIM_MS);
		down[n] = t1 + INTERVAL + TIMEOUT;
	}
	sim_time first = MIN(down[0], down[1]), last = MAX(down[0], down[1]);
	guint fn = down[0] <= down[1] ? 0 : 1, ln = 1 - fn;
	run_to(&b, first - SIM_US);
	CU_ASSERT_TRUE(healthy(&b, fn));
	run_to(&b, first + SIM_US);
	CU_ASSERT_FALSE(healthy(&b, fn));
	run_to(&b, last - SIM_US);
	CU_ASSERT_TRUE(healthy(&b, ln));
	run_to(&b, last + SIM_US);
	CU_ASSERT_FALSE(healthy(&b, ln));
	lbhealth_target_stats st;
	CU_ASSERT_TRUE_FATAL(lbhealth_target_stats_get(b.h, TG, WEB2, &st));
	CU_ASSERT_EQUAL(st.first_unhealthy, first);
	CU_ASSERT_EQUAL(st.went_unhealthy, 2);
	CU_ASSERT_EQUAL(st.healthy_nodes, 0);

	/* Out of rotation: web-1 takes every request until 40 s. */
	uint64_t w2 = alb_target_requests(b.alb, TG, WEB2), w1 = alb_target_requests(b.alb, TG, 0);
	run_to(&b, 40 * SIM_S);
	CU_ASSERT_EQUAL(alb_target_requests(b.alb, TG, WEB2), w2);
	CU_ASSERT(alb_target_requests(b.alb, TG, 0) > w1 + 100);
	CU_ASSERT_EQUAL(alb_get_counters(b.alb)->fail_open, 0);

	for (guint n = 0; n < nodes; n++) {
		CU_ASSERT_FALSE(healthy(&b, n));
		sim_time next = lbhealth_next_check(b.h, TG, WEB2, n);
		sim_time before = next - INTERVAL;
		sim_time ok1 = before >= 39 * SIM_S ? before : next;
		up[n] = ok1 + 2 * INTERVAL;
	}
	first = MIN(up[0], up[1]);
	last = MAX(up[0], up[1]);
	fn = up[0] <= up[1] ? 0 : 1;
	ln = 1 - fn;
	run_to(&b, first);
	CU_ASSERT_FALSE(healthy(&b, fn));
	run_to(&b, first + 100 * SIM_MS);
	CU_ASSERT_TRUE(healthy(&b, fn));
	run_to(&b, last);
	CU_ASSERT_FALSE(healthy(&b, ln));
	run_to(&b, last + 100 * SIM_MS);
	CU_ASSERT_TRUE(healthy(&b, ln));
	w2 = alb_target_requests(b.alb, TG, WEB2);
	run_to(&b, 60 * SIM_S);
	CU_ASSERT(alb_target_requests(b.alb, TG, WEB2) > w2 + 10);
	CU_ASSERT_TRUE_FATAL(lbhealth_target_stats_get(b.h, TG, WEB2, &st));
	CU_ASSERT_EQUAL(st.went_healthy, 2);
	CU_ASSERT_EQUAL(st.healthy_nodes, 2);
	/* web-1 never failed a check. */
	CU_ASSERT_TRUE_FATAL(lbhealth_target_stats_get(b.h, TG, 0, &st));
	CU_ASSERT(st.checks >= 2 * 11);
	CU_ASSERT_EQUAL(st.failed, 0);
	bed_close(&b);
}

static const report_lb *lb_of(const run *rn)
{
	CU_ASSERT_FATAL(rn->r->lbs->len == 1);
	return &g_array_index(rn->r->lbs, report_lb, 0);
}

/* A stopped target: requests already on its kept-alive connections get
 * the ALB's 504 when the idle timeout (5 s) passes without an answer, new
 * connections to it a 504 at the 10 s connection timeout; nothing else. */
static void test_504_stopped_target(void)
{
	run rn;
	CU_ASSERT_TRUE_FATAL(run_scenario(&rn, FILE_, NULL, FALSE));
	const report_lb *lb = lb_of(&rn);
	printf("\n    504: %" G_GUINT64_FORMAT, (guint64)lb->elb_504);
	CU_ASSERT(lb->elb_504 > 0);
	CU_ASSERT_EQUAL(lb->elb_502, 0);
	CU_ASSERT_EQUAL(lb->elb_503, 0);
	CU_ASSERT_EQUAL(lb->target_5xx, 0);
	CU_ASSERT_EQUAL(lb->targets->len, 2);
	const report_lb_target *t2 = &g_array_index(lb->targets, report_lb_target, 1);
	CU_ASSERT_STRING_EQUAL(t2->target, "web-2");
	CU_ASSERT_TRUE(t2->checked);
	CU_ASSERT(t2->checks_failed >= 4); /* two per node at least */
	/* The first check at or after 20 s (before 25 s), the next 5 s later,
	 * its 2 s timeout. */
	CU_ASSERT(t2->first_unhealthy_ns > 20 * SIM_S && t2->first_unhealthy_ns <= 32 * SIM_S);
	CU_ASSERT(t2->last_healthy_ns > 40 * SIM_S);
	run_free(&rn);
}

/* A crashed server whose kernel answers: every segment to it meets a RST,
 * so requests forwarded to it get the ALB's 502 at once, never a 504. */
static void test_502_reset_target(void)
{
	run rn;
	const char *sets[] = { "instance:web-2.fail_mode=reset", NULL };
	CU_ASSERT_TRUE_FATAL(run_scenario(&rn, FILE_, sets, FALSE));
	const report_lb *lb = lb_of(&rn);
	printf("\n    502: %" G_GUINT64_FORMAT, (guint64)lb->elb_502);
	CU_ASSERT(lb->elb_502 > 0);
	CU_ASSERT_EQUAL(lb->elb_504, 0);
	CU_ASSERT_EQUAL(lb->elb_503, 0);
	const report_lb_target *t2 = &g_array_index(lb->targets, report_lb_target, 1);
	/* Refused checks fail in a round trip: out of rotation at the second
	 * failed check, no timeout waited for (a stopped target's takes 2 s
	 * longer). */
	CU_ASSERT(t2->first_unhealthy_ns > 20 * SIM_S && t2->first_unhealthy_ns < 30 * SIM_S + SIM_S / 10);
	run_free(&rn);
}

/* AWS's 503: the target group has no registered target.  (All targets
 * unhealthy is not a 503: the ALB fails open, below.) */
static void test_503_no_registered_target(void)
{
	/* A scenario cannot write a group without targets (`targets` must
	 * name one): deregistered here, after loading. */
	run rn;
	memset(&rn, 0, sizeof rn);
	char *path = harness_source_path(FILE_);
	GError *err = NULL;
	rn.sc = scenario_load(path, NULL, &err);
	g_free(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rn.sc);
	g_array_set_size(SC_AT(rn.sc->target_groups, sc_target_group, TG)->targets, 0);
	world_options wo = { 0 };
	rn.w = world_new(rn.sc, &wo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rn.w);
	world_run(rn.w, NULL, NULL, NULL);
	rn.r = world_report(rn.w, FALSE, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rn.r);
	const report_lb *lb = lb_of(&rn);
	const report_workload *w = &g_array_index(rn.r->workloads, report_workload, 0);
	CU_ASSERT(w->completed > 0);
	CU_ASSERT_EQUAL(lb->elb_503, w->completed);
	CU_ASSERT_EQUAL(lb->elb_502 + lb->elb_504, 0);
	CU_ASSERT_EQUAL(lb->targets->len, 0);
	run_free(&rn);
}

/* Both targets down from 20 s to 40 s: once the nodes see neither healthy
 * they route to all of them (fail open) rather than answer 503. */
static void test_fail_open(void)
{
	run rn;
	const char *sets[] = { "instance:web-1.fail_at=20s", "instance:web-1.recover_at=40s", NULL };
	CU_ASSERT_TRUE_FATAL(run_scenario(&rn, FILE_, sets, FALSE));
	const report_lb *lb = lb_of(&rn);
	printf("\n    fail open: %" G_GUINT64_FORMAT, (guint64)lb->fail_open);
	CU_ASSERT(lb->fail_open > 0);
	CU_ASSERT_EQUAL(lb->elb_503, 0);
	CU_ASSERT(lb->elb_504 > 0);
	run_free(&rn);
}

/* The same scenario and seed: the same report and the same captures,
 * byte for byte, health checks and failures included. */
static void test_determinism(void)
{
	run a, b;
	CU_ASSERT_TRUE_FATAL(run_scenario(&a, FILE_, NULL, TRUE));
	CU_ASSERT_TRUE_FATAL(run_scenario(&b, FILE_, NULL, TRUE));
	a.r->wall_s = b.r->wall_s = 0;
	char *ja = NULL, *jb = NULL;
	size_t la = 0, lb = 0;
	FILE *f = open_memstream(&ja, &la);
	report_write(a.r, REPORT_JSON, f);
	fclose(f);
	f = open_memstream(&jb, &lb);
	report_write(b.r, REPORT_JSON, f);
	fclose(f);
	/* The capture paths name each run's own directory. */
	char *ca = strstr(ja, "\"captures\""), *cb = strstr(jb, "\"captures\"");
	CU_ASSERT_FATAL(ca && cb);
	*ca = *cb = 0;
	CU_ASSERT_STRING_EQUAL(ja, jb);
	CU_ASSERT_EQUAL(a.r->captures->len, b.r->captures->len);
	for (guint i = 0; i < a.r->captures->len; i++) {
		gchar *da, *db;
		gsize na, nb;
		CU_ASSERT_TRUE_FATAL(g_file_get_contents(g_ptr_array_index(a.r->captures, i), &da, &na, NULL));
		CU_ASSERT_TRUE_FATAL(g_file_get_contents(g_ptr_array_index(b.r->captures, i), &db, &nb, NULL));
		CU_ASSERT(na == nb && memcmp(da, db, na) == 0);
		g_free(da);
		g_free(db);
	}
	free(ja);
	free(jb);
	run_free(&a);
	run_free(&b);
}

/* An NLB checks its instance targets over TCP from each node (the
 * profile's defaults: every 30 s, 10 s timeout, 2 failures).  In
 * tests/scenarios/lb-privatelink.ini api-1 and api-2 have no security
 * group, which admits nothing: every check fails, both go unhealthy on
 * both nodes, and the NLB fails open.  With a group that admits the NLB's
 * nodes on 8080 every check passes, and no segment of a check is taken
 * for a flow the NLB does not know (no RST from it). */
static void nlb_run(run *rn, gboolean admit)
{
	const char *open_[] = { "scenario.duration=65s",
		                "security_group:nlb-b-sg.ingress=tcp 443 from 0.0.0.0/0, tcp 8443 from "
		                "0.0.0.0/0, tcp 8080 from 10.0.0.0/16",
		                "instance:api-1.security_groups=nlb-b-sg",
		                "instance:api-2.security_groups=nlb-b-sg", NULL };
	const char *closed[] = { "scenario.duration=65s", NULL };
	CU_ASSERT_TRUE_FATAL(run_scenario(rn, "tests/scenarios/lb-privatelink.ini", admit ? open_ : closed,
	                                  FALSE));
}

/*
 * What an NLB's client sees when a target fails: api-1 (reset mode) from
 * 5 s.  client-2's connections (one per request) hashed to it are refused
 * until the NLB's nodes take it out (two failed TCP checks each, every
 * 30 s); then new flows hash over api-2 alone, which stays healthy.
 */
static void test_nlb_client_view(void)
{
	const char *sets[] = { "scenario.duration=65s",
		               "security_group:nlb-b-sg.ingress=tcp 443 from 0.0.0.0/0, tcp 8443 from "
		               "0.0.0.0/0, tcp 8080 from 10.0.0.0/16",
		               "instance:api-1.security_groups=nlb-b-sg",
		               "instance:api-2.security_groups=nlb-b-sg",
		               "instance:client-2.security_groups=ep-sg",
		               "workload:api-direct.connection=per-request",
		               "instance:api-1.fail_at=5s", "instance:api-1.fail_mode=reset", NULL };
	run rn;
	CU_ASSERT_TRUE_FATAL(run_scenario(&rn, "tests/scenarios/lb-privatelink.ini", sets, FALSE));
	const report_workload *w = NULL;
	for (guint i = 0; i < rn.r->workloads->len; i++)
		if (strcmp(g_array_index(rn.r->workloads, report_workload, i).name, "api-direct") == 0)
			w = &g_array_index(rn.r->workloads, report_workload, i);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	printf("\n    api-direct: %" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT " failed", (guint64)w->sent,
	       (guint64)w->failed);
	CU_ASSERT(w->failed > 0);
	CU_ASSERT(w->completed > w->failed);
	const report_lb *lb = NULL;
	for (guint i = 0; i < rn.r->lbs->len; i++)
		if (strcmp(g_array_index(rn.r->lbs, report_lb, i).name, "nlb-b") == 0)
			lb = &g_array_index(rn.r->lbs, report_lb, i);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lb);
	const report_lb_target *a1 = &g_array_index(lb->targets, report_lb_target, 0);
	const report_lb_target *a2 = &g_array_index(lb->targets, report_lb_target, 1);
	CU_ASSERT_STRING_EQUAL(a1->target, "api-1");
	CU_ASSERT_EQUAL(a1->healthy_nodes, 0);
	CU_ASSERT(a1->first_unhealthy_ns > 5 * SIM_S && a1->first_unhealthy_ns < 65 * SIM_S);
	CU_ASSERT_EQUAL(a2->healthy_nodes, 2);
	CU_ASSERT_EQUAL(a2->checks_failed, 0);
	run_free(&rn);
}

static const report_lb *lb_named(const run *rn, const char *name)
{
	for (guint i = 0; i < rn->r->lbs->len; i++)
		if (strcmp(g_array_index(rn->r->lbs, report_lb, i).name, name) == 0)
			return &g_array_index(rn->r->lbs, report_lb, i);
	CU_FAIL_FATAL("no such load balancer in the report");
	return NULL;
}

static void test_nlb_checks(void)
{
	for (int admit = 0; admit < 2; admit++) {
		run rn;
		nlb_run(&rn, admit);
		const report_lb *lb = lb_named(&rn, "nlb-b");
		CU_ASSERT_STRING_EQUAL(lb->kind, "network");
		CU_ASSERT_EQUAL(lb->targets->len, 2);
		for (guint k = 0; k < lb->targets->len; k++) {
			const report_lb_target *t = &g_array_index(lb->targets, report_lb_target, k);
			CU_ASSERT_TRUE(t->checked);
			CU_ASSERT_EQUAL(t->nodes, 2);
			/* Every node, twice or more in 65 s. */
			CU_ASSERT(t->checks >= 2 * t->nodes);
			CU_ASSERT_EQUAL(t->checks_failed, admit ? 0 : t->checks);
			CU_ASSERT_EQUAL(t->healthy_nodes, admit ? t->nodes : 0);
		}
		const nlb_stats *st = nlb_get_stats(world_node(rn.w, "nlb-b"));
		if (admit)
			CU_ASSERT_EQUAL(st->resets, 0);
		run_free(&rn);
	}
}

/* Bad health-check keys: the file, group, key, value and what was
 * expected. */
static void test_bad_keys(void)
{
	static const struct {
		const char *set, *want;
	} cases[] = {
		{ "target_group:tg-web.health_check_timeout=5s", "is not less than the interval" },
		{ "target_group:tg-web.health_check_interval=301s", "from 5s to 300s" },
		{ "target_group:tg-web.matcher=600", "not a set of HTTP codes from 200 to 499" },
		{ "target_group:tg-web.health_check_protocol=tcp", "checks its targets over HTTP" },
		{ "target_group:tg-web.health_check_path=health", "not a path" },
		{ "target_group:tg-web.healthy_threshold=11", "from 2 to 10" },
		{ "instance:web-2.recover_at=10s", "is not after fail_at" },
		{ "instance:web-1.fail_mode=crash", "fail_mode" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *path = harness_source_path(FILE_);
		const char *sets[] = { cases[i].set, NULL };
		GError *err = NULL;
		scenario *sc = scenario_load(path, sets, &err);
		CU_ASSERT_PTR_NULL(sc);
		if (sc) {
			printf("\n    accepted: %s", cases[i].set);
			scenario_free(sc);
		} else {
			gboolean ok = strstr(err->message, cases[i].want) != NULL &&
			              strstr(err->message, "alb-target-failure.ini") != NULL;
			if (!ok)
				printf("\n    %s: %s", cases[i].set, err->message);
			CU_ASSERT_TRUE(ok);
			g_error_free(err);
		}
		g_free(path);
	}
}

void register_tests(void)
{
	CU_pSuite s = CU_add_suite("lbhealth", NULL, NULL);
	CU_add_test(s, "thresholds in simulated time, rotation out and back", test_thresholds_and_rotation);
	CU_add_test(s, "504: a stopped target", test_504_stopped_target);
	CU_add_test(s, "502: a target that resets", test_502_reset_target);
	CU_add_test(s, "503: no registered target", test_503_no_registered_target);
	CU_add_test(s, "all targets unhealthy: fail open", test_fail_open);
	CU_add_test(s, "determinism: report and captures", test_determinism);
	CU_add_test(s, "NLB: TCP checks from every node", test_nlb_checks);
	CU_add_test(s, "NLB: what a client sees when a target fails", test_nlb_client_view);
	CU_add_test(s, "bad keys", test_bad_keys);
}
