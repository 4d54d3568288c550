/* \summary: the engine checked against queueing theory: M/M/1, M/D/1 (Pollaczek-Khinchine), Little's law */
#include <math.h>
#include <stdio.h>

#include "harness.h"
#include "chain.h"
#include "dist.h"
#include "net.h"
#include "udp.h"

/*
 * Each test runs a queue for many customers and estimates the mean sojourn
 * time by batch means: the run is cut into B consecutive batches of equal
 * simulated time, each batch's mean is one observation, and the standard
 * error of the overall mean is the standard deviation of the batch means
 * over sqrt(B).  Batches long compared with the queue's relaxation time are
 * nearly independent, which is what makes that standard error honest even
 * at 90% utilisation, where consecutive sojourn times are strongly
 * correlated.  The first batch is discarded as warm-up.
 *
 * A test passes when the estimate is within 4.5 standard errors of theory
 * (for 29 degrees of freedom the two-sided 0.9999 quantile of Student's t is
 * about 4.5, so a correct engine fails about once in ten thousand seeds),
 * and only if the standard error is itself below 3% of the theoretical
 * value, so that the test cannot pass by being imprecise.
 */

#define BATCHES 30

typedef struct {
	double sum_at_start;
	uint64_t n_at_start;
	stats_acc batch_means;
} batcher;

static void batcher_mark(batcher *b, const stats_acc *a, gboolean record)
{
	double sum = a->mean * (double)a->n;
	if (record && a->n > b->n_at_start)
		stats_acc_add(&b->batch_means, (sum - b->sum_at_start) / (double)(a->n - b->n_at_start));
	b->sum_at_start = sum;
	b->n_at_start = a->n;
}

/* Samples the number of packets between source and sink at Poisson times
 * (PASTA: Poisson arrivals see time averages), for Little's law. */
typedef struct {
	udp_source *src;
	udp_sink *dst;
	rng r;
	double mean_gap_ns;
	stats_acc in_system;
	gboolean active;
} observer;

static void observe(sim *s, void *ctx, void *arg)
{
	(void)arg;
	observer *o = ctx;
	if (o->active)
		stats_acc_add(&o->in_system,
		              (double)(udp_source_sent(o->src) - udp_sink_received(o->dst)));
	sim_schedule(s, (sim_time)(-o->mean_gap_ns * log(rng_uniform_open(&o->r))), observe, o, NULL);
}

typedef struct {
	double mean_sojourn_ns, se_ns;
	double mean_in_system, se_in_system, lambda_per_ns;
	uint64_t customers;
} queue_result;

/* Runs source -> [queue] -> sink, where the queue is either a FIFO stage
 * with the given service distribution (service != NULL) or the source's own
 * link at `bps` (service == NULL, deterministic service of the frame). */
static queue_result run_queue(const char *interval, const char *service, uint64_t bps,
                              sim_time batch_len, uint64_t seed)
{
	net *nt = net_new(seed);
	udp_source_config cfg = { .addrs = { .src_ip = 0x0a000001, .dst_ip = 0x0a000002,
	                                     .sport = 40000, .dport = 40001 } };
	GError *err = NULL;
	CU_ASSERT_FATAL(dist_parse(interval, UNIT_TIME, &cfg.interval, &err));
	dist_set_const(&cfg.size, UNIT_SIZE, 1000);
	udp_source *src = udp_source_new(nt, "src", &cfg);
	udp_sink *dst = udp_sink_new(nt, "dst");
	if (service) {
		dist svc;
		CU_ASSERT_FATAL(dist_parse(service, UNIT_TIME, &svc, &err));
		fifo *f = fifo_new(nt, "server", &svc);
		dist_clear(&svc);
		link_new(nt, node_port(udp_source_node(src), 0), node_port(fifo_node(f), 0), 0, 0, 0);
		link_new(nt, node_port(fifo_node(f), 1), node_port(udp_sink_node(dst), 0), 0, 0, 0);
	} else {
		link_new(nt, node_port(udp_source_node(src), 0), node_port(udp_sink_node(dst), 0), 0, bps,
		         0);
	}
	observer o = { .src = src, .dst = dst, .mean_gap_ns = dist_mean(&cfg.interval) };
	rng_init(&o.r, seed, "observer");
	stats_acc_init(&o.in_system);
	sim_schedule(nt->sim, 0, observe, &o, NULL);
	dist_clear(&cfg.interval);
	dist_clear(&cfg.size);

	batcher b = { 0 }, bl = { 0 };
	stats_acc_init(&b.batch_means);
	stats_acc_init(&bl.batch_means);
	const stats_acc *lat = udp_sink_latency_acc(dst);
	sim_run_until(nt->sim, batch_len); /* warm-up batch, discarded */
	batcher_mark(&b, lat, FALSE);
	uint64_t sent0 = udp_source_sent(src);
	o.active = TRUE;
	for (int i = 0; i < BATCHES; i++) {
		sim_run_until(nt->sim, (sim_time)(i + 2) * batch_len);
		batcher_mark(&b, lat, TRUE);
		batcher_mark(&bl, &o.in_system, TRUE);
	}
	queue_result r = {
		.mean_sojourn_ns = b.batch_means.mean,
		.se_ns = stats_acc_stddev(&b.batch_means) / sqrt(BATCHES),
		.mean_in_system = o.in_system.mean,
		.se_in_system = stats_acc_stddev(&bl.batch_means) / sqrt(BATCHES),
		.lambda_per_ns = (double)(udp_source_sent(src) - sent0) / (double)(BATCHES * batch_len),
		.customers = udp_sink_received(dst),
	};
	net_free(nt);
	return r;
}

static void check(const char *what, const queue_result *r, double theory_ns)
{
	double z = (r->mean_sojourn_ns - theory_ns) / r->se_ns;
	printf("\n    %s: %" G_GUINT64_FORMAT " customers, mean sojourn %.1f ns, theory %.1f ns, "
	       "SE %.1f ns (%.2f%%), z = %.2f",
	       what, (guint64)r->customers, r->mean_sojourn_ns, theory_ns, r->se_ns,
	       100 * r->se_ns / theory_ns, z);
	CU_ASSERT(r->se_ns < 0.03 * theory_ns);
	CU_ASSERT(fabs(z) < 4.5);
}

/* M/M/1: mean sojourn 1/(mu - lambda). */
static void test_mm1_rho05(void)
{
	/* lambda = 0.5/us, mu = 1/us: T = 1/(1 - 0.5) us = 2 us. */
	queue_result r = run_queue("exp(mean=2us)", "exp(mean=1us)", 0, 4 * SIM_MS, 11);
	check("M/M/1 rho=0.5", &r, 2000.0);
}

static void test_mm1_rho09(void)
{
	/* lambda = 0.9/us, mu = 1/us: T = 10 us.  The relaxation time is about
	 * 1/(mu (1 - sqrt(rho))^2) = 380 us, so 10 ms batches are long. */
	queue_result r = run_queue("exp(mean=1111.111111ns)", "exp(mean=1us)", 0, 40 * SIM_MS, 12);
	check("M/M/1 rho=0.9", &r, 1.0 / (1.0 / 1000.0 - 1.0 / 1111.111111));
}

/* M/D/1 through a link: Poisson arrivals, every frame 1042 bytes (1000 of
 * UDP payload + 42 of headers) at 1 Gbps, so service D = 8336 ns.  The
 * Pollaczek-Khinchine formula gives the mean wait W = rho D / (2 (1 - rho)),
 * and the sojourn is W + D. */
static void test_md1_link(void)
{
	const double D = 8336.0, rho = 0.8;
	char *interval = g_strdup_printf("exp(mean=%.3fns)", D / rho);
	queue_result r = run_queue(interval, NULL, UINT64_C(1000000000), 100 * SIM_MS, 13);
	g_free(interval);
	check("M/D/1 rho=0.8", &r, rho * D / (2 * (1 - rho)) + D);
}

/* Little's law, L = lambda W, with L measured by Poisson sampling of the
 * number in the system (independently of the sojourn times), and both
 * compared with M/M/1 theory L = rho / (1 - rho). */
static void test_littles_law(void)
{
	queue_result r = run_queue("exp(mean=1250ns)", "exp(mean=1us)", 0, 20 * SIM_MS, 14);
	double little = r.lambda_per_ns * r.mean_sojourn_ns;
	/* lambda W carries the sojourn estimate's relative error; L its own. */
	double se = sqrt(pow(r.se_in_system, 2) + pow(little * r.se_ns / r.mean_sojourn_ns, 2));
	printf("\n    Little: L measured %.4f (SE %.4f), lambda*W %.4f, theory %.4f", r.mean_in_system,
	       r.se_in_system, little, 0.8 / 0.2);
	CU_ASSERT(r.se_in_system < 0.03 * 4.0);
	CU_ASSERT(fabs(r.mean_in_system - little) < 4.5 * se);
	CU_ASSERT(fabs(r.mean_in_system - 4.0) < 4.5 * r.se_in_system);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("queueing theory");
	CU_add_test(s, "M/M/1 at utilisation 0.5 matches 1/(mu - lambda)", test_mm1_rho05);
	CU_add_test(s, "M/M/1 at utilisation 0.9 matches 1/(mu - lambda)", test_mm1_rho09);
	CU_add_test(s, "M/D/1 through a link matches Pollaczek-Khinchine", test_md1_link);
	CU_add_test(s, "Little's law L = lambda W", test_littles_law);
}
