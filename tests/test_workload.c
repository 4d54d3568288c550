/* \summary: workload clients: connection pools, closed-loop users, total_rate and volume, their errors */
#include <math.h>

#include "scenario_text.h"
#include "build.h"
#include "estimate.h"

/*
 * One VPC, one subnet, the constant profile (100 us per hop one way, no
 * jitter): clients and one server that answers after the workload's
 * think_time.  Each test adds the [workload w] lines it needs.
 */
#define ONE_SUBNET \
	"[vars]\nclients = 1\n\n" \
	"[vpc v]\ncidr = 10.0.0.0/16\n\n" \
	"[subnet s]\nvpc = v\ncidr = 10.0.1.0/24\naz = use1-az1\n\n" \
	"[security_group sg]\nvpc = v\ningress = tcp 80 from 10.0.0.0/16\n" \
	"egress = tcp 80 to 10.0.0.0/16\n\n" \
	"[instance client-{i}]\ncount = ${clients}\nsubnet = s\nsecurity_groups = sg\n\n" \
	"[instance server]\nsubnet = s\nsecurity_groups = sg\n\n" \
	"[workload w]\nclients = client-*\ntarget = server\n"

typedef struct {
	scenario *sc;
	world *w;
	report *r;
} wrun;

/* Loads ONE_SUBNET + `wl` with the overrides and runs it. */
static gboolean wrun_text(wrun *x, const char *wl, const char *const *ov)
{
	memset(x, 0, sizeof *x);
	char *body = g_strconcat(ONE_SUBNET, wl, NULL);
	GError *err = NULL;
	x->sc = st_load_text(body, ov, &err);
	g_free(body);
	if (!x->sc) {
		g_error_free(err);
		return FALSE;
	}
	x->w = world_new(x->sc, NULL, &err);
	if (!x->w) {
		fprintf(stderr, "\n%s\n", err->message);
		g_error_free(err);
		return FALSE;
	}
	world_run(x->w, NULL, NULL, NULL);
	x->r = world_report(x->w, FALSE, 0, &err);
	if (!x->r) {
		fprintf(stderr, "\n%s\n", err->message);
		g_error_free(err);
		return FALSE;
	}
	return TRUE;
}

static void wrun_free(wrun *x)
{
	report_free(x->r);
	world_free(x->w);
	scenario_free(x->sc);
}

static const report_workload *wl0(const wrun *x)
{
	return &g_array_index(x->r->workloads, report_workload, 0);
}

static double mean_latency_s(const report_workload *rw)
{
	return hdr_mean(rw->latency) / 1e9;
}

/* ---- pools ---- */

/*
 * 1000 requests a second, evenly spaced, each held 10 ms by the server:
 * about 11 at once.  A pool of 4 opens 4 and no more, requests wait for
 * them, the workload is not carried and the note names the pool.
 * Without a limit the client opens as many as overlap (11) and reuses
 * them: connections opened equals the peak, nothing waits.
 */
static void test_pool_under_load(void)
{
	const char *wl = "rate = 1000/s\narrival = constant\nthink_time = 10ms\n";
	const char *const ov4[] = { "scenario.duration=1s", "workload:w.max_connections=4", NULL };
	wrun x;
	CU_ASSERT_TRUE_FATAL(wrun_text(&x, wl, ov4));
	const report_workload *rw = wl0(&x);
	CU_ASSERT_EQUAL(rw->max_conns, 4);
	CU_ASSERT_EQUAL(rw->peak_connections, 4);
	CU_ASSERT_EQUAL(rw->connections, 4);
	CU_ASSERT(rw->pool_waits > rw->sent / 2);
	CU_ASSERT_FALSE(rw->carried);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rw->load_note);
	CU_ASSERT_PTR_NOT_NULL(strstr(rw->load_note, "requests queued at their clients for a connection"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rw->load_note, "at most 4 keep-alive connections to each target "
	                                             "(max_connections)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rw->load_note, "raise max_connections"));
	/* The pool's capacity: 4 connections / 10.6 ms a request (10 ms and
	 * six hops of 100 us). */
	CU_ASSERT_PTR_NOT_NULL(strstr(rw->load_note, "at most about 377 per second per target when "
	                                             "a request takes 10.6 ms"));
	wrun_free(&x);

	const char *const ovu[] = { "scenario.duration=1s", "workload:w.max_connections=unlimited",
		                    NULL };
	CU_ASSERT_TRUE_FATAL(wrun_text(&x, wl, ovu));
	rw = wl0(&x);
	CU_ASSERT_EQUAL(rw->max_conns, 0);
	CU_ASSERT(rw->peak_connections >= 10 && rw->peak_connections <= 12);
	CU_ASSERT_EQUAL(rw->connections, rw->peak_connections);
	CU_ASSERT_EQUAL(rw->pool_waits, 0);
	CU_ASSERT_EQUAL(rw->completed, 1000);
	CU_ASSERT_TRUE(rw->carried);
	wrun_free(&x);
}

/* Spaced requests (10 a second, answered in about 1 ms) never overlap:
 * the default pool opens one connection and reuses it for all 50. */
static void test_pool_reuse(void)
{
	const char *wl = "rate = 10/s\narrival = constant\nthink_time = 1ms\n";
	const char *const ov[] = { "scenario.duration=5s", NULL };
	wrun x;
	CU_ASSERT_TRUE_FATAL(wrun_text(&x, wl, ov));
	const report_workload *rw = wl0(&x);
	CU_ASSERT_EQUAL(rw->max_conns, SC_DEFAULT_MAX_CONNECTIONS);
	CU_ASSERT_EQUAL(rw->completed, 50);
	CU_ASSERT_EQUAL(rw->connections, 1);
	CU_ASSERT_EQUAL(rw->peak_connections, 1);
	CU_ASSERT_TRUE(rw->carried);
	wrun_free(&x);
	/* A connection per request is still there: one each. */
	const char *const pr[] = { "scenario.duration=5s", "workload:w.connection=per-request", NULL };
	CU_ASSERT_TRUE_FATAL(wrun_text(&x, wl, pr));
	CU_ASSERT_EQUAL(wl0(&x)->connections, 50);
	CU_ASSERT_EQUAL(wl0(&x)->max_conns, 0);
	wrun_free(&x);
}

/* ---- closed loop ---- */

/*
 * The interactive response-time law: N users who each wait R for a
 * response and think Z complete X = N / (R + Z) requests a second.  On a
 * constant path (server think 10 ms, user think 20 ms, 8 users with up to
 * a connection each) R is about 10.4 ms, so X is about 263 per second.
 * With a pool of 2 the users queue for connections: the two connections
 * are the bottleneck (2 / 10.4 ms, about 192 per second per client), R
 * grows, and the law still holds with the measured R.  Closed loops are
 * carried: their users hold one request each, not a queue that grows.
 */
static void check_law(const wrun *x, guint users, double z_s, double tol)
{
	const report_workload *rw = wl0(x);
	double secs = (double)x->sc->duration / 1e9;
	double r = mean_latency_s(rw);
	double want = users / (r + z_s);
	double got = (double)rw->completed / secs;
	if (fabs(got - want) > tol * want)
		fprintf(stderr, "\nX = %.2f/s, N/(R+Z) = %.2f/s (R %.3f ms)\n", got, want, r * 1e3);
	CU_ASSERT(fabs(got - want) <= tol * want);
}

static void test_closed_loop(void)
{
	const char *wl = "users = 8\nuser_think = 20ms\nthink_time = 10ms\nmax_connections = 8\n";
	const char *const ov[] = { "scenario.duration=20s", NULL };
	wrun x;
	CU_ASSERT_TRUE_FATAL(wrun_text(&x, wl, ov));
	const report_workload *rw = wl0(&x);
	CU_ASSERT_EQUAL(rw->users, 8);
	double r = mean_latency_s(rw);
	CU_ASSERT(r > 0.010 && r < 0.011);
	check_law(&x, 8, 0.020, 0.01);
	/* A hand figure too: 8 / (R + 20 ms), R = 10 ms + the path, within 2%. */
	ASSERT_NEAR((double)rw->completed / 20, 8 / (0.0104 + 0.020), 0.02 * 8 / 0.0304);
	CU_ASSERT(rw->peak_connections >= 3 && rw->peak_connections <= 8);
	CU_ASSERT_EQUAL(rw->pool_waits, 0);
	CU_ASSERT_EQUAL(rw->failed + rw->unfinished, 0);
	CU_ASSERT_TRUE(rw->carried);
	/* Closed loop: offered is what was completed, the month's basis. */
	CU_ASSERT_EQUAL(rw->offered, (double)rw->completed);
	wrun_free(&x);

	const char *const ov2[] = { "scenario.duration=20s", "workload:w.max_connections=2",
		                    "vars.clients=3", NULL };
	CU_ASSERT_TRUE_FATAL(wrun_text(&x, wl, ov2));
	rw = wl0(&x);
	CU_ASSERT_EQUAL(rw->clients, 3);
	/* Two connections at ~10.4 ms each serve ~192/s per client, below the
	 * 263/s the users would ask: they wait, R grows. */
	CU_ASSERT(mean_latency_s(rw) > 0.02);
	CU_ASSERT_EQUAL(rw->peak_connections, 2);
	CU_ASSERT(rw->pool_waits > 0);
	check_law(&x, 3 * 8, 0.020, 0.01);
	ASSERT_NEAR((double)rw->completed / 20 / 3, 2 / 0.0104, 0.03 * 2 / 0.0104);
	CU_ASSERT_TRUE(rw->carried);
	wrun_free(&x);
}

/* A user's count caps the requests like an open loop's (per client). */
static void test_closed_loop_count(void)
{
	const char *wl = "users = 4\nuser_think = exp(mean=5ms)\nrequests = 30\n";
	const char *const ov[] = { "scenario.duration=10s", "vars.clients=2", NULL };
	wrun x;
	CU_ASSERT_TRUE_FATAL(wrun_text(&x, wl, ov));
	CU_ASSERT_EQUAL(wl0(&x)->sent, 60);
	CU_ASSERT_EQUAL(wl0(&x)->completed, 60);
	wrun_free(&x);
}

/* ---- total_rate and volume ---- */

/*
 * total_rate = 400/s over 4 clients is rate = 100/s each: the same gaps,
 * hence the very same run (every count and latency).  The count over 5 s
 * is Poisson with mean 4 x 100 x 5 (+4 at time 0): within 4 standard
 * deviations.
 */
static void test_total_rate(void)
{
	const char *const tot[] = { "scenario.duration=5s", "vars.clients=4", NULL };
	const char *const per[] = { "scenario.duration=5s", "vars.clients=4", NULL };
	wrun a, b;
	CU_ASSERT_TRUE_FATAL(wrun_text(&a, "total_rate = 400/s\n", tot));
	CU_ASSERT_TRUE_FATAL(wrun_text(&b, "rate = 100/s\n", per));
	const sc_workload *w = SC_AT(a.sc->workloads, sc_workload, 0);
	CU_ASSERT_EQUAL(w->load, SC_LOAD_TOTAL_RATE);
	ASSERT_NEAR(w->rate, 100, 1e-9);
	ASSERT_NEAR(dist_mean(&w->interval), 1e7, 1e-3);
	const report_workload *ra = wl0(&a), *rb = wl0(&b);
	ASSERT_NEAR(ra->offered, 2000, 1e-6);
	CU_ASSERT_EQUAL(ra->sent, rb->sent);
	CU_ASSERT_EQUAL(ra->completed, rb->completed);
	CU_ASSERT_EQUAL(hdr_quantile(ra->latency, 0.99), hdr_quantile(rb->latency, 0.99));
	CU_ASSERT(fabs((double)ra->sent - 2004) <= 4 * sqrt(2004));
	wrun_free(&a);
	wrun_free(&b);
}

/*
 * volume = 500GB/month with 100 KB responses and no request body: GB is
 * 10^9 bytes (as every size in a scenario), the month the price table's
 * 730 hours, so 500e9 / (730 x 3600) / 100e3 = 1.90259 requests a second
 * for the workload, 0.951 per client of two.
 */
static void test_volume(void)
{
	GError *err = NULL;
	char *body = g_strconcat(ONE_SUBNET, "volume = 500GB/month\nresponse_size = 100KB\n", NULL);
	const char *const ov[] = { "vars.clients=2", NULL };
	scenario *sc = st_load_text(body, ov, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	const sc_workload *w = SC_AT(sc->workloads, sc_workload, 0);
	double hand = 500e9 / (730.0 * 3600.0) / 100e3;
	ASSERT_NEAR(sc->prices->hours_per_month, 730, 0);
	ASSERT_NEAR(w->total_rate, hand, 1e-12);
	ASSERT_NEAR(w->rate, hand / 2, 1e-12);
	ASSERT_NEAR(dist_mean(&w->interval), 1e9 / (hand / 2), 1e-3);
	CU_ASSERT_EQUAL(w->load, SC_LOAD_VOLUME);
	scenario_free(sc);
	g_free(body);

	/* Per day, GiB, and a request body counted with the response. */
	body = g_strconcat(ONE_SUBNET, "volume = 1GiB/day\nmethod = PUT\nrequest_size = 3KB\n"
	                               "response_size = 1KB\n", NULL);
	sc = st_load_text(body, NULL, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	ASSERT_NEAR(SC_AT(sc->workloads, sc_workload, 0)->total_rate, 1073741824.0 / 86400 / 4e3,
	            1e-12);
	scenario_free(sc);
	g_free(body);
}

/* The month follows the configured rate for total_rate and volume as for
 * rate: the same run priced the same. */
static void test_month_from_total_rate(void)
{
	const char *const ov[] = { "scenario.duration=5s", "vars.clients=4", NULL };
	wrun a, b;
	CU_ASSERT_TRUE_FATAL(wrun_text(&a, "total_rate = 400/s\n", ov));
	CU_ASSERT_TRUE_FATAL(wrun_text(&b, "rate = 100/s\n", ov));
	ASSERT_NEAR(cost_ledger_total_month_usd(a.r->ledger), cost_ledger_total_month_usd(b.r->ledger),
	            1e-9);
	wrun_free(&a);
	wrun_free(&b);
}

/* ---- errors ---- */

static void test_errors(void)
{
	st_expect_errors(ONE_SUBNET "rate = 10/s\ntotal_rate = 100/s\n", NULL, 1,
	                 WANT("t.ini: [workload w] total_rate: '100/s' conflicts with rate = 10/s; "
	                      "expected exactly one of rate, total_rate, volume and users"));
	st_expect_errors(ONE_SUBNET "rate = 10/s\nusers = 5\nvolume = 1GB/day\n", NULL, 2,
	                 WANT("[workload w] volume: '1GB/day' conflicts with rate = 10/s",
	                      "[workload w] users: '5' conflicts with rate = 10/s"));
	st_expect_errors(ONE_SUBNET, NULL, 1,
	                 WANT("[workload w] rate: missing; expected exactly one of rate, total_rate, "
	                      "volume and users"));
	/* An empty value is no value: an override can switch kinds. */
	const char *const sw[] = { "workload:w.rate=", "workload:w.users=3", NULL };
	GError *err = NULL;
	char *body = g_strconcat(ONE_SUBNET, "rate = 10/s\n", NULL);
	scenario *sc = st_load_text(body, sw, &err);
	CU_ASSERT_PTR_NOT_NULL(sc);
	if (sc)
		CU_ASSERT_EQUAL(SC_AT(sc->workloads, sc_workload, 0)->users, 3);
	scenario_free(sc);
	g_free(body);
	st_expect_errors(ONE_SUBNET "users = 0\n", NULL, 1,
	                 WANT("[workload w] users: '0' is not a whole number from 1 to 100000"));
	st_expect_errors(ONE_SUBNET "users = 4\narrival = constant\n", NULL, 1,
	                 WANT("[workload w] arrival: 'constant' applies to an open loop"));
	st_expect_errors(ONE_SUBNET "rate = 5/s\nuser_think = 1s\n", NULL, 1,
	                 WANT("[workload w] user_think: '1s' is the think time of closed-loop users, "
	                      "and this workload has rate = 5/s"));
	st_expect_errors(ONE_SUBNET "users = 4\nuser_think = 1GB\n", NULL, 1,
	                 WANT("[workload w] user_think:"));
	st_expect_errors(ONE_SUBNET "volume = 500GB\n", NULL, 1,
	                 WANT("[workload w] volume: '500GB' is not a volume per period; expected "
	                      "traffic for all the workload's clients together"));
	st_expect_errors(ONE_SUBNET "volume = 500/month\n", NULL, 1,
	                 WANT("[workload w] volume: '500/month':"));
	st_expect_errors(ONE_SUBNET "volume = 1TB/month\nresponse_size = 0B\n", NULL, 1,
	                 WANT("[workload w] volume: '1TB/month' cannot be turned into a request "
	                      "rate: the mean request size plus the mean response size is 0B"));
	st_expect_errors(ONE_SUBNET "total_rate = -5/s\n", NULL, 1,
	                 WANT("[workload w] total_rate: '-5/s'"));
	st_expect_errors(ONE_SUBNET "total_rate = 0.0002/h\n", (const char *const[]){ "vars.clients=2",
	                                                                             NULL },
	                 1, WANT("[workload w] total_rate: '0.0002/h' is out of range: it gives 2.78e-08 "
	                         "requests per second per client"));
	st_expect_errors(ONE_SUBNET "rate = 1/s\nmax_connections = 0\n", NULL, 1,
	                 WANT("[workload w] max_connections: '0' is not a whole number from 1 to "
	                      "65535; expected connections per client and target at most"));
	st_expect_errors(ONE_SUBNET "rate = 1/s\nmax_connections = lots\n", NULL, 1,
	                 WANT("[workload w] max_connections: 'lots'"));
	st_expect_errors(ONE_SUBNET "kind = udp\nusers = 2\n", NULL, 1,
	                 WANT("[workload w] users: '2': a closed loop waits for responses"));
	st_expect_errors(ONE_SUBNET "kind = udp\nrate = 1/s\nmax_connections = 2\n", NULL, 1,
	                 WANT("[workload w] max_connections: '2': a udp workload has no connections"));
}

/* ---- the resource guard ---- */

/* More connections allowed, more memory estimated, up to the overlap the
 * rate brings; a closed loop's users bound its connections and its
 * requests come from the think times. */
static void test_estimate(void)
{
	const char *const base[] = { "scenario.duration=10s", "vars.clients=100", NULL };
	GError *err = NULL;
	double mem[3];
	const char *limits[3] = { "1", "6", "unlimited" };
	for (int i = 0; i < 3; i++) {
		char *body = g_strdup_printf(ONE_SUBNET "rate = 2000/s\nthink_time = 10ms\n"
		                                        "max_connections = %s\n", limits[i]);
		scenario *sc = st_load_text(body, base, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
		estimate e;
		estimate_run(sc, NULL, FALSE, NULL, &e);
		mem[i] = e.memory;
		if (i == 1) {
			CU_ASSERT_STRING_EQUAL(e.memory_key, "[workload w] rate");
		}
		estimate_clear(&e);
		scenario_free(sc);
		g_free(body);
	}
	/* 2000/s x 15 ms: about 30 at once, 100 clients: 5 and ~40 extra
	 * connections at 20 KB each. */
	ASSERT_NEAR(mem[1] - mem[0], 100 * 5 * 20e3, 1);
	CU_ASSERT(mem[2] - mem[1] > 100 * 30 * 20e3);

	char *body = g_strdup(ONE_SUBNET "users = 50\nuser_think = 99ms\nthink_time = 0ms\n"
	                                 "max_connections = unlimited\n");
	scenario *sc = st_load_text(body, base, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	estimate e;
	estimate_run(sc, NULL, FALSE, NULL, &e);
	/* 50 users x (10 s / (99 ms + 1 ms) + 1) per client. */
	ASSERT_NEAR(e.requests, 100 * 50 * 101, 1e-6);
	estimate_clear(&e);
	scenario_free(sc);
	g_free(body);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("workload");
	CU_add_test(s, "pool: up to max_connections under load, none beyond", test_pool_under_load);
	CU_add_test(s, "pool: spaced requests reuse one connection", test_pool_reuse);
	CU_add_test(s, "closed loop: X = N / (R + Z)", test_closed_loop);
	CU_add_test(s, "closed loop: the request count", test_closed_loop_count);
	CU_add_test(s, "total_rate splits over the clients", test_total_rate);
	CU_add_test(s, "volume converts to a request rate", test_volume);
	CU_add_test(s, "the month follows total_rate", test_month_from_total_rate);
	CU_add_test(s, "errors: conflicting and bad load keys", test_errors);
	CU_add_test(s, "the resource guard counts pools and users", test_estimate);
}
