/* \summary: `vpcsim reach`: a SYN scan from one instance through the modelled network */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "outfile.h"
#include "reach.h"

int cmd_reach(int argc, char **argv)
{
	char *from = NULL, *to = NULL, *ports = NULL, *format_s = NULL, *pcap_dir = NULL, *out = NULL;
	char *capture = NULL;
	char **sets = NULL;
	gboolean exhaustive = FALSE;
	GOptionEntry entries[] = {
		{ "from", 0, 0, G_OPTION_ARG_STRING, &from,
		  "The scanning instance (default: the first workload's first client)", "HOST" },
		{ "to", 0, 0, G_OPTION_ARG_STRING, &to,
		  "Scan this CIDR or address (default: every other VPC, the endpoint ENIs in HOST's VPC and other VPCs' "
		  "public addresses)",
		  "CIDR" },
		{ "ports", 0, 0, G_OPTION_ARG_STRING, &ports,
		  "Ports and ranges, e.g. 22,80,8000-8010 (default: " REACH_DEFAULT_PORTS
		  " and the scenario's listener, target and workload ports)",
		  "LIST" },
		{ "exhaustive", 0, 0, G_OPTION_ARG_NONE, &exhaustive,
		  "Simulate every address, not one per range of unassigned addresses", NULL },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format_s, "text (default) or json", "FMT" },
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Write to FILE (complete, or not at all)", "FILE" },
		{ "pcap", 0, 0, G_OPTION_ARG_FILENAME, &pcap_dir, "Write the scans' captures into DIR", "DIR" },
		{ "pcap-dir", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &pcap_dir, NULL, "DIR" },
		{ "capture", 0, 0, G_OPTION_ARG_STRING, &capture, "Capture points (default: the scenario's)", "POINTS" },
		{ "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Override a key: GROUP.KEY=VALUE (repeatable)",
		  "G.K=V" },
		{ NULL },
	};
	int rc = CLI_USAGE;
	reach_result *r = NULL;
	if (!cli_parse(&argc, &argv, "vpcsim reach SCENARIO [--from HOST] [--to CIDR] [--ports LIST]",
	               "Sends a TCP SYN from HOST's ENI to every address of the targets on every port, through\n"
	               "the modelled security groups, routes and gateways (a SYN scan from a compromised\n"
	               "instance), once with the scenario's security groups and once with every group open,\n"
	               "and reports the addresses routable both ways, the (address, port) pairs that answer\n"
	               "(SYN-ACK or RST) with the rules that admitted them, and those dropped silently, with\n"
	               "the construct and reason that dropped them.",
	               "Example:\n  vpcsim reach scenarios/alb-peering.ini\n"
	               "  vpcsim reach scenarios/alb-privatelink.ini --from client-2 --to 10.0.1.0/24 -f json",
	               entries))
		goto out;
	report_format fmt = REPORT_TEXT;
	if (format_s && (!report_format_parse(format_s, &fmt) || (fmt != REPORT_TEXT && fmt != REPORT_JSON))) {
		cli_error("--format '%s': expected text or json", format_s);
		goto out;
	}
	if (argc != 2) {
		cli_error("reach needs one scenario file; see 'vpcsim reach --help'");
		goto out;
	}
	if (capture) {
		GError *e = NULL;
		if (!scenario_capture_check(capture, &e)) {
			cli_error("--capture: %s", e->message);
			g_error_free(e);
			goto out;
		}
	}
	rc = CLI_FAIL;
	if (pcap_dir && g_mkdir_with_parents(pcap_dir, 0777) != 0) {
		cli_error("--pcap %s: %s", pcap_dir, g_strerror(errno));
		goto out;
	}
	reach_options ro = { .from = from, .to = to, .ports = ports, .exhaustive = exhaustive, .pcap_dir = pcap_dir,
		             .capture = capture };
	GError *err = NULL;
	r = reach_run(argv[1], (const char *const *)sets, &ro, &err);
	if (!r) {
		/* Options the scan could not use are a bad command line. */
		gboolean usage = g_str_has_prefix(err->message, "--");
		cli_error("%s", err->message);
		g_error_free(err);
		rc = usage ? CLI_USAGE : CLI_FAIL;
		goto out;
	}
	if (out) {
		outfile *o = outfile_open(out, NULL, &err);
		if (!o || !outfile_commit(o, reach_write(r, fmt, outfile_stream(o)), &err)) {
			cli_error("%s", err ? err->message : out);
			g_clear_error(&err);
			goto out;
		}
	} else if (!reach_write(r, fmt, stdout)) {
		cli_error("writing the report: %s", g_strerror(errno));
		goto out;
	}
	rc = CLI_OK;
out:
	reach_free(r);
	g_strfreev(sets);
	g_free(from);
	g_free(to);
	g_free(ports);
	g_free(format_s);
	g_free(pcap_dir);
	g_free(out);
	g_free(capture);
	return rc;
}
