/* \summary: `vpcsim compare`: the options side by side, from runs alike */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "error.h"
#include "interrupt.h"
#include "outfile.h"

static const char *const alb_set[] = { "alb-peering.ini", "alb-tgw.ini", "alb-privatelink.ini",
	                               "alb-public.ini", NULL };
/* The classic four and the ways AWS added since (VPC Lattice, PrivateLink
 * resource endpoints). */
static const char *const alb_all_set[] = { "alb-peering.ini", "alb-tgw.ini", "alb-privatelink.ini",
	                                   "alb-public.ini", "alb-lattice.ini", "alb-resource-endpoint.ini",
	                                   NULL };
static const char *const s3_set[] = { "s3-gateway-endpoint.ini", "s3-interface-endpoint.ini",
	                              "s3-natgw.ini", NULL };

/* A bundled scenario: ./scenarios/NAME when run from a checkout, else the
 * source tree the binary was built from. */
static char *bundled(const char *name)
{
	char *local = g_build_filename("scenarios", name, NULL);
	if (g_file_test(local, G_FILE_TEST_EXISTS))
		return local;
	g_free(local);
	return g_build_filename(VPCSIM_SOURCE_DIR, "scenarios", name, NULL);
}

/* "--snaplen 128" as the override scenario.snaplen=128B (see cmd_run.c). */
static char *snaplen_override(const char *text)
{
	const char *t = text + strspn(text, " ");
	gboolean plain = *t && t[strspn(t, "0123456789")] == '\0';
	return g_strdup_printf("scenario.snaplen=%s%s", t, plain ? "B" : "");
}

int cmd_compare(int argc, char **argv)
{
	char *format_s = NULL, *out_path = NULL, *pcap_dir = NULL, *capture = NULL, *plot_dir = NULL;
	char *seed = NULL, *duration = NULL, *snaplen = NULL, *max_memory = NULL, *max_events = NULL;
	char **sets = NULL, *repeat_s = NULL;
	gboolean s3 = FALSE, all = FALSE, https = FALSE;
	GOptionEntry entries[] = {
		{ "https", 0, 0, G_OPTION_ARG_NONE, &https,
		  "Every option over HTTPS: the ALB's listeners speak TLS 1.3 on their ports (the same "
		  "as --set scenario.https=true)", NULL },
		{ "all", 0, 0, G_OPTION_ARG_NONE, &all,
		  "Every bundled way to reach the ALB: the four, VPC Lattice and a PrivateLink resource endpoint", NULL },
		{ "s3", 0, 0, G_OPTION_ARG_NONE, &s3,
		  "Compare the bundled S3 options (gateway endpoint, interface endpoint, NAT gateway)", NULL },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format_s, "text (default), md, csv or json", "FMT" },
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, "Write the table to FILE", "FILE" },
		{ "pcap-dir", 0, 0, G_OPTION_ARG_FILENAME, &pcap_dir, "Write every option's captures into DIR",
		  "DIR" },
		{ "capture", 0, 0, G_OPTION_ARG_STRING, &capture,
		  "Capture points for every option instead of each scenario's own: all, none, or node "
		  "names, globs allowed; a name an option lacks is skipped there",
		  "POINTS" },
		{ "snaplen", 0, 0, G_OPTION_ARG_STRING, &snaplen,
		  "Bytes kept of each captured packet, 0 (whole packets) to 65535", "N" },
		{ "plot", 0, 0, G_OPTION_ARG_FILENAME, &plot_dir,
		  "Write gnuplot scripts (and PNGs when gnuplot is installed) into DIR", "DIR" },
		{ "seed", 0, 0, G_OPTION_ARG_STRING, &seed, "The same seed for every option", "N" },
		{ "repeat", 'r', 0, G_OPTION_ARG_STRING, &repeat_s,
		  "Runs of each option, each with its own seed (default 5): the figures are means with "
		  "95% confidence intervals",
		  "N" },
		{ "duration", 0, 0, G_OPTION_ARG_STRING, &duration, "Sending time for every option", "T" },
		{ "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
		  "Override a key in every option: GROUP.KEY=VALUE (repeatable)", "G.K=V" },
		{ "max-memory", 0, 0, G_OPTION_ARG_STRING, &max_memory,
		  "Refuse options estimated to need more memory together (default: the memory "
		  "available)", "SIZE" },
		{ "max-events", 0, 0, G_OPTION_ARG_STRING, &max_events,
		  "Refuse an option estimated to execute more events (default: no limit)", "N" },
		{ NULL },
	};
	int rc = CLI_USAGE;
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *ovr = g_ptr_array_new_with_free_func(g_free);
	compare_result *c = NULL;
	if (!cli_parse(&argc, &argv, "vpcsim compare [SCENARIO...]",
	               "Runs several scenarios with the same seed and prints one table, a column per\n"
	               "option: latency percentiles, constructs crossed, bytes per request, variable\n"
	               "$/GB, fixed $/month, total $/month at the workload's rate, and what each option\n"
	               "allows or forbids (derived from the model), then the cheapest and fastest option\n"
	               "and the traffic volume where the cheapest changes.",
	               "With no SCENARIO: the four ways to reach a private ALB in another VPC\n"
	               "(alb-peering, alb-tgw, alb-privatelink, alb-public); --all adds the ways AWS\n"
	               "added since (alb-lattice, alb-resource-endpoint); --s3 compares the S3 options.",
	               entries))
		goto out;
	report_format fmt = REPORT_TEXT;
	if (format_s && !report_format_parse(format_s, &fmt)) {
		cli_error("--format '%s': expected text, md, csv or json", format_s);
		goto out;
	}
	if (!cli_check_run_options(seed, duration, snaplen) || !cli_check_sets(sets))
		goto out;
	guint64 repeat = COMPARE_DEFAULT_REPEAT;
	if (repeat_s && !cli_whole("repeat", repeat_s, 1, 1000, &repeat))
		goto out;
	estimate_limits lim;
	if (!cli_limits(max_memory, max_events, &lim))
		goto out;
	if (capture) {
		/* Checked here for its form only: one list serves scenarios with
		 * different nodes, so a name need not match in every one. */
		GError *cerr = NULL;
		if (!scenario_capture_check(capture, &cerr)) {
			cli_error("--capture %s", cerr->message);
			g_error_free(cerr);
			goto out;
		}
	}
	if ((argc > 1 && (s3 || all)) || (s3 && all)) {
		cli_error("give scenario files, --s3 or --all, one of them");
		goto out;
	}
	for (int i = 1; i < argc; i++)
		g_ptr_array_add(files, g_strdup(argv[i]));
	if (argc <= 1)
		for (const char *const *n = s3 ? s3_set : all ? alb_all_set : alb_set; *n; n++)
			g_ptr_array_add(files, bundled(*n));
	g_ptr_array_add(files, NULL);
	GError *serr = NULL;
	if (!compare_check_sets((const char *const *)files->pdata, (const char *const *)sets, &serr)) {
		cli_error("%s", serr->message);
		g_error_free(serr);
		goto out;
	}
	if (seed)
		g_ptr_array_add(ovr, g_strdup_printf("scenario.seed=%s", seed));
	if (duration)
		g_ptr_array_add(ovr, g_strdup_printf("scenario.duration=%s", duration));
	if (snaplen)
		g_ptr_array_add(ovr, snaplen_override(snaplen));
	if (https)
		g_ptr_array_add(ovr, g_strdup("scenario.https=true"));
	for (char **s = sets; s && *s; s++)
		g_ptr_array_add(ovr, g_strdup(*s));
	g_ptr_array_add(ovr, NULL);

	rc = CLI_FAIL;
	/* Before the first run opens its captures (see cmd_run.c). */
	interrupt_install();
	GError *err = NULL;
	compare_options co = { .pcap_dir = pcap_dir, .capture = capture, .stop = &interrupt_flag,
		               .lim = &lim, .repeat = (guint)repeat, .progress = cli_stderr_is_tty() };
	c = compare_run((const char *const *)files->pdata, (const char *const *)ovr->pdata, &co, &err);
	if (!c) {
		fprintf(stderr, "%s\n", err->message);
		g_error_free(err);
		goto out;
	}
	if (c->partial)
		cli_error("interrupted by %s: the table is marked partial (%s)", interrupt_name(), c->stopped);
	gboolean ok;
	if (!out_path || strcmp(out_path, "-") == 0) {
		ok = compare_write(c, fmt, stdout);
	} else {
		outfile *o = outfile_open(out_path, NULL, &err);
		ok = o && outfile_commit(o, compare_write(c, fmt, outfile_stream(o)), &err);
		if (!ok) {
			cli_error("%s", err->message);
			g_error_free(err);
			goto out;
		}
	}
	if (!ok) {
		cli_error("cannot write the table");
		goto out;
	}
	if (plot_dir) {
		gboolean rendered = FALSE;
		if (!compare_plot(c, plot_dir, &rendered, &err)) {
			cli_error("%s", err->message);
			g_error_free(err);
			goto out;
		}
		if (rendered)
			fprintf(stderr, "vpcsim: plots written to %s/: latency-cdf.png, latency-ccdf.png, "
			                "cost-volume.png\n",
			        plot_dir);
		else
			fprintf(stderr, "vpcsim: gnuplot not found: scripts written to %s; render them with\n"
			                "  (cd %s && for f in *.gp; do gnuplot \"$f\"; done)   # apt-get install gnuplot-nox\n",
			        plot_dir, plot_dir);
	}
	if (pcap_dir)
		fprintf(stderr, "vpcsim: captures written to %s/ (see pcaps/README.md for what to look at)\n",
		        pcap_dir);
	if (c->not_carried)
		cli_error("not every option carried the offered load (exit status 3): see NOT CARRIED "
		          "under the table");
	rc = c->partial ? CLI_FAIL : compare_all_carried(c) ? CLI_OK : CLI_NOT_CARRIED;
out:
	compare_free(c);
	g_ptr_array_unref(files);
	g_ptr_array_unref(ovr);
	g_strfreev(sets);
	g_free(format_s);
	g_free(out_path);
	g_free(pcap_dir);
	g_free(capture);
	g_free(plot_dir);
	g_free(seed);
	g_free(duration);
	g_free(snaplen);
	g_free(max_memory);
	g_free(max_events);
	g_free(repeat_s);
	return rc;
}
