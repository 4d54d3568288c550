/* \summary: every price-table and profile key changes some bundled scenario's bill or figures, or is listed with its reason */
/* open_memstream is POSIX 2008, which strict C11 hides. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "build.h"
#include "compare.h"
#include "harness.h"

/*
 * For each key of scenarios/prices/us-east-1.ini (its .source siblings
 * aside), a copy of the table with that one value changed (a number
 * doubled plus 0.001, a tier list's first price likewise, a switch flipped,
 * a word swapped for another allowed one; a number is also tried divided by
 * 10^6, since a capacity unit's dimension moves the bill only when it
 * becomes the largest) is given to every bundled
 * scenario, run for one simulated second; the key has an effect when some
 * scenario's bill (run plus month) moves.  The keys that move no bill must
 * be exactly the list below, each with its reason: a key that gains an
 * effect, or a new key without one, fails this test until the list says
 * so.
 */
static const char *const no_effect[] = {
	/* Words for people: the region, currency and date of the table. */
	"meta.region", "meta.currency", "meta.collected",
	/* Read, but no bundled scenario exercises them: no mutual TLS, Lambda
	 * targets or listener rules beyond the free ten per request at the
	 * ALB; no UDP through an NLB (nlb-tls.ini moves the TLS dimensions);
	 * no NLB has cross-zone load balancing on (tests/test_cross_az.c
	 * bills it by hand). */
	"alb.lcu_active_connections_mutual_tls", "alb.lcu_processed_gb_per_hour_lambda",
	"alb.lcu_rule_evaluations_per_second", "alb.lcu_free_rules_per_request",
	"nlb.nlcu_udp_new_flows_per_second", "nlb.nlcu_udp_active_flows",
	"nlb.cross_az_to_targets_usd_per_gb_each_direction",
	/* alb-resource-endpoint keeps its clients, endpoint ENI, gateway ENI
	 * and ALB node in one AZ (tests/test_resource_endpoint.c bills the
	 * crossing by hand). */
	"resource_endpoint.charge_cross_az",
	NULL,
};

/* The changed value; `strong` divides a number by 10^6 instead. */
static char *mutate_value(const char *v, gboolean strong)
{
	if (strcmp(v, "true") == 0)
		return g_strdup("false");
	if (strcmp(v, "false") == 0)
		return g_strdup("true");
	if (strcmp(v, "ip-packet") == 0)
		return g_strdup("payload");
	if (strcmp(v, "payload") == 0)
		return g_strdup("ip-packet");
	if (strcmp(v, "source-attachment-owner") == 0)
		return g_strdup("destination-attachment-owner");
	if (strcmp(v, "destination-attachment-owner") == 0)
		return g_strdup("source-attachment-owner");
	/* A number, possibly the first of a tier list ("0.09 up to 10240GB, ...")
	 * or with a unit: change the leading number only. */
	char *end = NULL;
	double d = g_ascii_strtod(v, &end);
	if (end == v)
		return NULL;
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	double m = d >= 1e6 ? 1e9 : d * 2 + 0.001; /* gb_bytes 2^30 -> 10^9 */
	if (d == 730)
		m = 720;
	if (strong)
		m = d / 1e6;
	return g_strconcat(g_ascii_formatd(buf, sizeof buf, "%.9g", m), end, NULL);
}

static GPtrArray *bundled_scenarios(void)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	char *dir = harness_source_path("scenarios");
	GDir *d = g_dir_open(dir, 0, NULL);
	for (const char *n; d && (n = g_dir_read_name(d));)
		if (g_str_has_suffix(n, ".ini"))
			g_ptr_array_add(a, g_build_filename(dir, n, NULL));
	if (d)
		g_dir_close(d);
	g_free(dir);
	return a;
}

/* Every line of a scenario's bill ("component/type run month", so a charge
 * that moves from one payer to another counts), or NULL if it does not
 * load (the overlap scenarios that are refused on purpose). */
static char *bill(const char *file, const char *prices_path)
{
	char *set_prices = g_strdup_printf("scenario.prices=%s", prices_path);
	const char *sets[] = { set_prices, "scenario.duration=1s", NULL };
	scenario *sc = scenario_load(file, sets, NULL);
	g_free(set_prices);
	if (!sc)
		return NULL;
	world *w = world_new(sc, NULL, NULL);
	GString *g = NULL;
	if (w) {
		world_run(w, NULL, NULL, NULL);
		report *r = world_report(w, FALSE, 0, NULL);
		if (r) {
			g = g_string_new(NULL);
			for (guint i = 0; i < cost_ledger_n_lines(r->ledger); i++) {
				const cost_line *c = cost_ledger_line_at(r->ledger, i);
				if (c->run_usd != 0 || c->month_usd != 0)
					g_string_append_printf(g, "%s/%s %.12g %.12g\n", c->component, c->type,
					                       c->run_usd, c->month_usd);
			}
			report_free(r);
		}
		world_free(w);
	}
	scenario_free(sc);
	return g ? g_string_free(g, FALSE) : NULL;
}

static void test_every_key_moves_a_bill(void)
{
	char *table = harness_source_path("scenarios/prices/us-east-1.ini");
	GKeyFile *kf = g_key_file_new();
	CU_ASSERT_FATAL(g_key_file_load_from_file(kf, table, G_KEY_FILE_KEEP_COMMENTS, NULL));
	GPtrArray *files = bundled_scenarios();
	char **base = g_new0(char *, files->len + 1);
	for (guint i = 0; i < files->len; i++)
		base[i] = bill(g_ptr_array_index(files, i), table);
	char *dir = harness_tmpdir();
	char *copy = g_build_filename(dir, "mutated.ini", NULL);
	GString *dead = g_string_new(NULL);
	guint keys = 0;
	char **groups = g_key_file_get_groups(kf, NULL);
	for (char **g = groups; *g; g++) {
		char **names = g_key_file_get_keys(kf, *g, NULL, NULL);
		for (char **k = names; *k; k++) {
			if (g_str_has_suffix(*k, ".source"))
				continue;
			keys++;
			char *v = g_strstrip(g_key_file_get_value(kf, *g, *k, NULL));
			gboolean moved = FALSE;
			for (int strong = 0; strong < 2 && !moved; strong++) {
				char *m = mutate_value(v, strong);
				if (!m)
					break;
				g_key_file_set_value(kf, *g, *k, m);
				CU_ASSERT_FATAL(g_key_file_save_to_file(kf, copy, NULL));
				g_key_file_set_value(kf, *g, *k, v);
				for (guint i = 0; i < files->len && !moved; i++) {
					char *b = bill(g_ptr_array_index(files, i), copy);
					moved = base[i] && b && strcmp(b, base[i]) != 0;
					g_free(b);
				}
				g_free(m);
			}
			char *name = g_strdup_printf("%s.%s", *g, *k);
			if (!moved)
				g_string_append_printf(dead, "%s%s", dead->len ? ", " : "", name);
			gboolean listed = g_strv_contains(no_effect, name);
			if (moved == listed)
				fprintf(stderr, "\n%s: %s\n", name,
				        moved ? "now changes a bill: take it off the no_effect list"
				              : "changes no bundled scenario's bill: give it an effect or list why not");
			CU_ASSERT(moved != listed);
			g_free(name);
			g_free(v);
		}
		g_strfreev(names);
	}
	fprintf(stderr, " [%u keys; no effect: %s] ", keys, dead->str);
	CU_ASSERT(keys > 40);
	g_string_free(dead, TRUE);
	g_strfreev(groups);
	g_free(copy);
	harness_rmtree(dir);
	g_free(dir);
	/* Not g_strfreev: refused scenarios leave NULLs in the middle. */
	for (guint i = 0; i < files->len; i++)
		g_free(base[i]);
	g_free(base);
	g_ptr_array_unref(files);
	g_key_file_free(kf);
	g_free(table);
}

/*
 * The same for the latency profile (scenarios/profiles/default.ini): each
 * key changed in turn (a number doubled, or divided by 100 and at least 1
 * when it is a count, a 0 made 500, 'unlimited' made 1Mbps) must change
 * what `vpcsim compare` prints (JSON: latencies, bytes, bills, the quota
 * met first) for some bundled scenario run one simulated second, or be
 * listed here with its reason.
 */
static const char *const profile_no_effect[] = {
	/* Read, but no bundled scenario reaches them in one second: idle
	 * timeouts of 60 to 350 s, a full link queue (1 MiB, or 2 MiB). */
	"limits.natgw_idle_timeout", "limits.nlb_idle_timeout", "limits.nlb_tls_idle_timeout",
	"limits.alb_idle_timeout",
	"limits.queue_bytes",
	/* The NAT gateway's 55,000 connections per destination (reached by
	 * none in a second; test_failures exhausts them), and the clients'
	 * DNS: TTLs of 60 s outlast the run, and the stub's timeout and
	 * attempts matter only when a query is lost, which none is
	 * (test_dns checks one query per TTL). */
	"limits.natgw_connections_per_destination", "dns.lb_ttl", "dns.endpoint_ttl",
	"dns.client_timeout", "dns.client_attempts",
	/* Text, not a number, so never changed here; and the bundled
	 * scenarios lose no segment in a second, where CUBIC and NewReno
	 * both stay in slow start and behave alike (test_tcp and
	 * test_profile check the key: recovery and throughput differ under
	 * loss). */
	"tcp.congestion_control",
	/* What each construct takes off the TTL shows in captures only (no
	 * bundled path crosses enough hops to run a TTL of 64 out, and 500 is
	 * not a TTL); test_captures checks the TTL seen on each path. */
	"ttl.vpc_router", "ttl.peering", "ttl.tgw", "ttl.natgw", "ttl.igw", "ttl.interface_endpoint",
	"ttl.regional_public",
	/* Health checks: in one second every target stays healthy, so
	 * thresholds, timeouts and matchers change nothing (alb_interval and
	 * nlb_interval move figures: the checks share links with requests,
	 * an NLB's in nlb-tls.ini); alb-target-failure sets its own per
	 * target group.  test_lbhealth checks the keys' effects, and
	 * test_alb the connect timeout's 504. */
	"health_check.alb_timeout", "health_check.alb_healthy_threshold",
	"health_check.alb_unhealthy_threshold", "health_check.alb_matcher_low",
	"health_check.alb_matcher_high", "health_check.nlb_timeout_tcp",
	"health_check.nlb_timeout_http", "health_check.nlb_healthy_threshold",
	"health_check.nlb_unhealthy_threshold", "health_check.nlb_matcher_low",
	"health_check.nlb_matcher_high", "health_check.alb_target_connect_timeout",
	NULL,
};

/* The changed profile value, or NULL when there is no other try. */
static char *mutate_profile(const char *v, int attempt)
{
	if (strcmp(v, "unlimited") == 0)
		return attempt == 0 ? g_strdup("1Mbps") : NULL;
	/* The first number in the text ("lognormal(median=150us, ...)",
	 * "5Gbps", "55000"), its unit kept. */
	const char *n = v;
	while (*n && !g_ascii_isdigit(*n))
		n++;
	if (!*n)
		return NULL;
	char *end = NULL;
	double d = g_ascii_strtod(n, &end);
	double m = attempt == 0 ? (d == 0 ? 500 : d * 2) : MAX(floor(d / 100), 1);
	if (attempt > 1 || (attempt == 1 && m == d))
		return NULL;
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	g_ascii_formatd(buf, sizeof buf, "%.9g", m);
	return g_strdup_printf("%.*s%s%s", (int)(n - v), v, buf, end);
}

/* What compare prints for one scenario with the profile at `path` (NULL
 * when it does not load). */
static char *figures(const char *file, const char *path)
{
	char *set_profile = g_strdup_printf("scenario.profile=%s", path);
	const char *sets[] = { set_profile, "scenario.duration=1s", NULL };
	const char *files[] = { file, NULL };
	compare_options opt = { .repeat = 1 };
	compare_result *c = compare_run(files, sets, &opt, NULL);
	g_free(set_profile);
	if (!c)
		return NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	compare_write(c, REPORT_JSON, f);
	fclose(f);
	compare_free(c);
	/* The text names the profile's path, which is the same file for the
	 * baseline and every change. */
	return text;
}

static void test_every_profile_key_moves_a_figure(void)
{
	char *src = harness_source_path("scenarios/profiles/default.ini");
	GKeyFile *kf = g_key_file_new();
	CU_ASSERT_FATAL(g_key_file_load_from_file(kf, src, G_KEY_FILE_KEEP_COMMENTS, NULL));
	char *dir = harness_tmpdir();
	char *copy = g_build_filename(dir, "profile.ini", NULL);
	CU_ASSERT_FATAL(g_key_file_save_to_file(kf, copy, NULL));
	GPtrArray *files = bundled_scenarios();
	char **base = g_new0(char *, files->len + 1);
	for (guint i = 0; i < files->len; i++)
		base[i] = figures(g_ptr_array_index(files, i), copy);
	GString *dead = g_string_new(NULL);
	guint keys = 0;
	char **groups = g_key_file_get_groups(kf, NULL);
	for (char **g = groups; *g; g++) {
		char **names = g_key_file_get_keys(kf, *g, NULL, NULL);
		for (char **k = names; *k; k++) {
			if (g_str_has_suffix(*k, ".source"))
				continue;
			keys++;
			char *v = g_strstrip(g_key_file_get_value(kf, *g, *k, NULL));
			gboolean moved = FALSE;
			for (int attempt = 0; !moved; attempt++) {
				char *m = mutate_profile(v, attempt);
				if (!m)
					break;
				g_key_file_set_value(kf, *g, *k, m);
				CU_ASSERT_FATAL(g_key_file_save_to_file(kf, copy, NULL));
				g_key_file_set_value(kf, *g, *k, v);
				for (guint i = 0; i < files->len && !moved; i++) {
					char *b = figures(g_ptr_array_index(files, i), copy);
					moved = base[i] && b && strcmp(b, base[i]) != 0;
					free(b);
				}
				g_free(m);
			}
			char *name = g_strdup_printf("%s.%s", *g, *k);
			if (!moved)
				g_string_append_printf(dead, "%s%s", dead->len ? ", " : "", name);
			gboolean listed = g_strv_contains(profile_no_effect, name);
			if (moved == listed)
				fprintf(stderr, "\n%s: %s\n", name,
				        moved ? "now changes a figure: take it off profile_no_effect"
				              : "changes no bundled scenario's figures: give it an effect or list why not");
			CU_ASSERT(moved != listed);
			g_free(name);
			g_free(v);
		}
		g_strfreev(names);
	}
	fprintf(stderr, " [%u profile keys; no effect: %s] ", keys, dead->str);
	CU_ASSERT(keys > 25);
	g_string_free(dead, TRUE);
	g_strfreev(groups);
	for (guint i = 0; i < files->len; i++)
		free(base[i]);
	g_free(base);
	g_ptr_array_unref(files);
	g_free(copy);
	harness_rmtree(dir);
	g_free(dir);
	g_key_file_free(kf);
	g_free(src);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("price keys");
	CU_add_test(s, "every key moves a bill", test_every_key_moves_a_bill);
	CU_add_test(s, "every profile key moves a figure", test_every_profile_key_moves_a_figure);
}
