/* \summary: `vpcsim validate`: load and check a scenario, report every problem, run nothing */
#include <stdio.h>

#include "cli.h"
#include "estimate.h"
#include "scenario.h"

int cmd_validate(int argc, char **argv)
{
	char **sets = NULL;
	GOptionEntry entries[] = {
		{ "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
		  "Change a key before checking (repeatable), e.g. vars.clients=8 or "
		  "vpc:vpc-a.cidr=10.1.0.0/16",
		  "GROUP.KEY=VALUE" },
		{ NULL },
	};
	if (!cli_parse(&argc, &argv, "vpcsim validate SCENARIO",
	               "Loads a scenario with its price table and latency profile, checks\n"
	               "everything a run would check, and reports every problem found.",
	               "Exit status: 0 valid, 1 invalid or unreadable, 2 bad command line.",
	               entries))
		return CLI_USAGE;
	if (argc != 2) {
		cli_error("validate takes exactly one scenario file (got %d); see "
		          "'vpcsim validate --help'", argc - 1);
		g_strfreev(sets);
		return CLI_USAGE;
	}
	if (!cli_check_sets(sets)) {
		g_strfreev(sets);
		return CLI_USAGE;
	}
	const char *path = argv[1];
	GError *err = NULL;
	scenario *sc = scenario_load(path, (const char *const *)sets, &err);
	g_strfreev(sets);
	if (!sc) {
		/* The message already names the file on every line. */
		fprintf(stderr, "%s\n", err->message);
		g_error_free(err);
		return CLI_FAIL;
	}
	/* Load balancer and PrivateLink counts only when there are any, so that
	 * the line for a scenario without them stays as it was. */
	GString *more = g_string_new(NULL);
	const struct {
		guint n;
		const char *what;
	} extra[] = {
		{ sc->load_balancers->len, "load balancers" },
		{ sc->target_groups->len, "target groups" },
		{ sc->endpoint_services->len, "endpoint services" },
		{ sc->interface_endpoints->len, "interface endpoints" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(extra); i++)
		if (extra[i].n)
			g_string_append_printf(more, "%u %s, ", extra[i].n, extra[i].what);
	printf("%s: ok (%u VPCs, %u subnets, %u instances, %s%u workloads)\n", path,
	       sc->vpcs->len, sc->subnets->len, sc->instances->len, more->str, sc->workloads->len);
	/* What `run` will check before it starts (without captures). */
	estimate est;
	estimate_run(sc, NULL, FALSE, NULL, &est);
	char *about = estimate_describe(&est);
	printf("%s: a run needs %s\n", path, about);
	g_free(about);
	estimate_clear(&est);
	g_string_free(more, TRUE);
	scenario_free(sc);
	return CLI_OK;
}
