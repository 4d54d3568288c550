/* \summary: scale benchmarks: 10,000 VPCs reaching one PrivateLink service, 100,000 clients */
#include <stdio.h>
#include <glib/gstdio.h>

#include "bench.h"
#include "build.h"
#include "cli.h"

/*
 * Both build a scenario as text with counted groups (what a user would
 * write), load it, build the world, run a short simulated time and print
 * one line: the time each stage took, the events and events per second of
 * the run, and the peak resident memory of the process (ru_maxrss, which
 * includes everything: the loaded scenario, the world and the report).
 *
 *   vpcs     N consumer VPCs (all on 10.0.0.0/16: PrivateLink connects
 *            overlapping VPCs), each with a subnet, a security group, a
 *            client instance, an interface endpoint to one endpoint service
 *            and a workload of its own (N workloads); the provider VPC has
 *            an NLB in two AZs over four web servers.
 *   clients  N client instances in one workload, 25,000 per client VPC
 *            (a /16 holds 65,531), each VPC peered with a server VPC where
 *            an internal NLB spreads the connections over four servers.
 */

static char *tables_header(const char *name, const char *duration)
{
	char *prices_path = g_build_filename(VPCSIM_SOURCE_DIR, "scenarios", "prices", "us-east-1.ini", NULL);
	char *profile_path = g_build_filename(VPCSIM_SOURCE_DIR, "scenarios", "profiles", "default.ini", NULL);
	char *s = g_strdup_printf("[scenario]\nname = %s\nprices = %s\nprofile = %s\nseed = 1\n"
	                          "duration = %s\ndrain = 5s\ncapture = none\n\n",
	                          name, prices_path, profile_path, duration);
	g_free(prices_path);
	g_free(profile_path);
	return s;
}

/* The provider side: a VPC with two subnets, four web servers and an NLB. */
static void provider(GString *t, const char *cidr16, const char *ingress)
{
	g_string_append_printf(t,
		"[vpc provider]\ncidr = %s.0.0/16\n\n"
		"[subnet p-a]\nvpc = provider\ncidr = %s.1.0/24\naz = use1-az1\n\n"
		"[subnet p-b]\nvpc = provider\ncidr = %s.2.0/24\naz = use1-az2\n\n"
		"[security_group web-sg]\nvpc = provider\ningress = tcp 80 from %s\n\n"
		"[instance web-a-{i}]\ncount = 2\nsubnet = p-a\nsecurity_groups = web-sg\n\n"
		"[instance web-b-{i}]\ncount = 2\nsubnet = p-b\nsecurity_groups = web-sg\n\n"
		"[load_balancer nlb]\ntype = network\nsubnets = p-a, p-b\nlisteners = tcp 80 -> tg\n\n"
		"[target_group tg]\nport = 80\ntargets = web-*\n\n",
		cidr16, cidr16, cidr16, ingress);
}

static char *vpcs_text(guint n, const char *rate, const char *duration)
{
	char *head = tables_header("bench-vpcs", duration);
	GString *t = g_string_new(head);
	g_free(head);
	g_string_append_printf(t, "[vars]\nn = %u\n\n", n);
	provider(t, "10.1", "10.1.0.0/16");
	g_string_append_printf(t,
		"[endpoint_service svc]\nload_balancer = nlb\n\n"
		"[vpc c-{i}]\ncount = ${n}\ncidr = 10.0.0.0/16\n\n"
		"[subnet cs-{i}]\ncount = ${n}\nvpc = c-{i}\ncidr = 10.0.1.0/24\naz = use1-az1\n\n"
		"[security_group csg-{i}]\ncount = ${n}\nvpc = c-{i}\ningress = tcp 80 from 10.0.0.0/16\n\n"
		"[instance client-{i}]\ncount = ${n}\nsubnet = cs-{i}\nsecurity_groups = csg-{i}\n\n"
		"[interface_endpoint ep-{i}]\ncount = ${n}\nvpc = c-{i}\nservice = svc\nsubnets = cs-{i}\n"
		"security_groups = csg-{i}\n\n"
		"[workload w-{i}]\ncount = ${n}\nclients = client-{i}\ntarget = ep-{i}\nport = 80\n"
		"rate = %s\nresponse_size = 1KB\n\n",
		rate);
	return g_string_free(t, FALSE);
}

#define CLIENTS_PER_VPC 25000

static char *clients_text(guint n, const char *rate, const char *duration)
{
	char *head = tables_header("bench-clients", duration);
	GString *t = g_string_new(head);
	g_free(head);
	guint vpcs = (n + CLIENTS_PER_VPC - 1) / CLIENTS_PER_VPC;
	provider(t, "10.200", "10.0.0.0/8");
	g_string_append(t, "[route_table p-rt]\nvpc = provider\nmain = true\nroutes = ");
	for (guint v = 1; v <= vpcs; v++)
		g_string_append_printf(t, "%s10.%u.0.0/16 -> pcx-%u", v > 1 ? ", " : "", v, v);
	g_string_append(t, "\n\n");
	for (guint v = 1; v <= vpcs; v++) {
		guint k = MIN(CLIENTS_PER_VPC, n - (v - 1) * CLIENTS_PER_VPC);
		g_string_append_printf(t,
			"[vpc c%u]\ncidr = 10.%u.0.0/16\n\n"
			"[route_table c%u-rt]\nvpc = c%u\nmain = true\nroutes = 10.200.0.0/16 -> pcx-%u\n\n"
			"[subnet c%u-s]\nvpc = c%u\ncidr = 10.%u.0.0/16\naz = use1-az1\n\n"
			"[security_group c%u-sg]\nvpc = c%u\n\n"
			"[peering pcx-%u]\nrequester = c%u\naccepter = provider\n\n"
			"[instance client-%u-{i}]\ncount = %u\nsubnet = c%u-s\nsecurity_groups = c%u-sg\n\n",
			v, v, v, v, v, v, v, v, v, v, v, v, v, k, v, v);
	}
	g_string_append_printf(t, "[workload web]\nclients = client-*\ntarget = nlb\nport = 80\n"
	                          "rate = %s\nresponse_size = 1KB\n\n", rate);
	return g_string_free(t, FALSE);
}

static double since(gint64 t0) { return (double)(g_get_monotonic_time() - t0) / 1e6; }

static int run_scale(const char *what, char *(*gen)(guint, const char *, const char *), guint n,
                     const char *rate, const char *duration, gboolean keep)
{
	char *text = gen(n, rate, duration);
	GError *err = NULL;
	char *dir = g_dir_make_tmp("vpcsim-bench-XXXXXX", &err);
	if (!dir) {
		cli_error("%s", err->message);
		g_error_free(err);
		g_free(text);
		return CLI_FAIL;
	}
	char *path = g_build_filename(dir, "scenario.ini", NULL);
	int rc = CLI_FAIL;
	scenario *sc = NULL;
	world *w = NULL;
	report *r = NULL;
	if (!g_file_set_contents(path, text, -1, &err))
		goto out;
	g_clear_pointer(&text, g_free);
	gint64 t0 = g_get_monotonic_time();
	sc = scenario_load(path, NULL, &err);
	double load_s = since(t0);
	if (!sc)
		goto out;
	t0 = g_get_monotonic_time();
	w = world_new(sc, NULL, &err);
	double build_s = since(t0);
	if (!w)
		goto out;
	t0 = g_get_monotonic_time();
	world_run(w, NULL, NULL, NULL);
	double run_s = since(t0);
	t0 = g_get_monotonic_time();
	r = world_report(w, FALSE, run_s, &err);
	double report_s = since(t0);
	if (!r)
		goto out;
	uint64_t sent = 0, completed = 0;
	for (guint i = 0; i < r->workloads->len; i++) {
		sent += g_array_index(r->workloads, report_workload, i).sent;
		completed += g_array_index(r->workloads, report_workload, i).completed;
	}
	uint64_t events = sim_events_run(world_net(w)->sim);
	printf("%s n=%u load_s=%.2f build_s=%.2f run_s=%.2f report_s=%.2f simulated_s=%.3f "
	       "requests=%" G_GUINT64_FORMAT " completed=%" G_GUINT64_FORMAT " events=%" G_GUINT64_FORMAT
	       " events_per_s=%.0f peak_rss_kb=%ld\n",
	       what, n, load_s, build_s, run_s, report_s, (double)sim_now(world_net(w)->sim) / 1e9,
	       (guint64)sent, (guint64)completed, (guint64)events, (double)events / run_s,
	       cli_peak_rss_kb());
	rc = CLI_OK;
out:
	if (err) {
		cli_error("%s", err->message);
		g_error_free(err);
	}
	report_free(r);
	world_free(w);
	scenario_free(sc);
	if (keep)
		fprintf(stderr, "scenario kept in %s\n", path);
	else
		g_unlink(path), g_rmdir(dir);
	g_free(path);
	g_free(dir);
	g_free(text);
	return rc;
}

static int scale_main(int argc, char **argv, const char *what, guint def_n, const char *def_rate,
                      char *(*gen)(guint, const char *, const char *), const char *summary)
{
	gint n = (gint)def_n;
	char *rate = NULL, *duration = NULL;
	gboolean keep = FALSE;
	GOptionEntry entries[] = {
		{ "n", 0, 0, G_OPTION_ARG_INT, &n, "How many (see above)", "N" },
		{ "rate", 0, 0, G_OPTION_ARG_STRING, &rate, "Request rate per client", "R" },
		{ "duration", 0, 0, G_OPTION_ARG_STRING, &duration, "Simulated time of requests (default 1s)", "T" },
		{ "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Keep the generated scenario and say where", NULL },
		{ NULL },
	};
	char *cmd = g_strdup_printf("vpcsim bench %s", what);
	int rc = CLI_USAGE;
	if (!cli_parse(&argc, &argv, cmd, summary, NULL, entries))
		goto out;
	if (argc > 1 || n <= 0 || n > 1000000) {
		cli_error("bench %s takes no arguments and --n must be from 1 to 1000000", what);
		goto out;
	}
	rc = run_scale(what, gen, (guint)n, rate ? rate : def_rate, duration ? duration : "1s", keep);
out:
	g_free(cmd);
	g_free(rate);
	g_free(duration);
	return rc;
}

int bench_vpcs_main(int argc, char **argv)
{
	return scale_main(argc, argv, "vpcs", 10000, "20/s", vpcs_text,
	                  "N consumer VPCs, each with a client reaching one PrivateLink endpoint\n"
	                  "service through its own interface endpoint; prints one line:\n"
	                  "  vpcs n=N load_s= build_s= run_s= report_s= simulated_s= requests= "
	                  "completed= events= events_per_s= peak_rss_kb=");
}

int bench_clients_main(int argc, char **argv)
{
	return scale_main(argc, argv, "clients", 100000, "2/s", clients_text,
	                  "N clients in one workload, 25,000 per VPC, each VPC peered with a\n"
	                  "server VPC whose NLB spreads them over four servers; prints one line:\n"
	                  "  clients n=N load_s= build_s= run_s= report_s= simulated_s= requests= "
	                  "completed= events= events_per_s= peak_rss_kb=");
}
