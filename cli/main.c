/* \summary: the vpcsim command: dispatches to its sub-commands */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "revision.h"
#include "interrupt.h"

typedef struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} command;

static const command commands[] = {
	{ "compare", cmd_compare, "run options side by side: latency, hops, $/GB, $/month, what each allows" },
	{ "run", cmd_run, "run a scenario and report latency, hops, drops and cost" },
	{ "trace", cmd_trace, "follow one request hop by hop: what decided, rewrites, delay, cost" },
	{ "reach", cmd_reach, "SYN-scan from one instance: what answers, what routing alone exposes" },
	{ "validate", cmd_validate, "check a scenario file and report every problem" },
	{ "sweep", cmd_sweep, "run a sweep file's grid of points over its options, resumable" },
	{ "demo", cmd_demo, "push UDP traffic through a small chain and write pcaps" },
	{ "bench", bench_main, "run a benchmark (hold, chain, tgw) and print its figures" },
};

static void usage(FILE *f)
{
	fputs("Usage: vpcsim COMMAND [OPTIONS]\n"
	      "\n"
	      "A packet-level discrete-event simulator of AWS VPC connectivity.\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "Options:\n"
	      "  -h, --help     show this help\n"
	      "  --version      print the version\n"
	      "\n"
	      "Run 'vpcsim COMMAND --help' for a command's options.\n"
	      "Exit status: 0 success, 1 failure, 2 bad command line, 3 (run, compare) the\n"
	      "workload was not carried (requests failed or unfinished); stopped by SIGINT,\n"
	      "SIGTERM or SIGHUP, files complete and the report marked partial, it ends by\n"
	      "that signal (the shell shows 128+N: 130 for Ctrl-C).\n",
	      f);
}

/* Levenshtein distance, by hand (GLib has none), on short words. */
static guint edit_distance(const char *a, const char *b)
{
	size_t n = strlen(b);
	guint *row = g_new(guint, n + 1);
	for (size_t j = 0; j <= n; j++)
		row[j] = (guint)j;
	for (size_t i = 1; a[i - 1]; i++) {
		guint diag = row[0];
		row[0] = (guint)i;
		for (size_t j = 1; j <= n; j++) {
			guint up = row[j];
			guint cost = g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 1]) ? 0 : 1;
			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
			diag = up;
		}
	}
	guint d = row[n];
	g_free(row);
	return d;
}

/* The command a typo most likely meant: within two edits, or one the typo
 * begins; NULL if none is close. */
static const char *nearest_command(const char *typed)
{
	const char *best = NULL;
	guint best_d = 3;
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		guint d = edit_distance(typed, commands[i].name);
		if (strlen(typed) >= 2 && g_str_has_prefix(commands[i].name, typed))
			d = MIN(d, 1u);
		if (d < best_d) {
			best_d = d;
			best = commands[i].name;
		}
	}
	return best;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("vpcsim %s (%s)\n", VPCSIM_VERSION, VPCSIM_REVISION);
		return CLI_OK;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(cmd, commands[i].name) == 0) {
			char *prg = g_strdup_printf("vpcsim %s", cmd);
			g_set_prgname(prg);
			g_free(prg);
			int rc = commands[i].fn(argc - 1, argv + 1);
			/* Stopped by SIGINT, SIGTERM or SIGHUP: everything is written,
			 * now end as that signal would have. */
			interrupt_reraise();
			return rc;
		}
	}
	if (cmd[0] == '-') {
		cli_error("unknown option '%s'", cmd);
	} else {
		const char *near = nearest_command(cmd);
		if (near)
			cli_error("unknown command '%s'; did you mean '%s'?", cmd, near);
		else
			cli_error("unknown command '%s'", cmd);
	}
	usage(stderr);
	return CLI_USAGE;
}
