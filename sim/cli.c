/* \summary: option parsing and error printing shared by the sub-commands */
#include "cli.h"
#include "units.h"

#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

gboolean cli_parse(int *argc, char ***argv, const char *usage, const char *summary,
                   const char *description, const GOptionEntry *entries)
{
	/* "vpcsim run SCENARIO": the command is the leading lower-case words,
	 * the rest (from the first word in capitals, brackets or dashes) is
	 * what GOption prints after "[OPTION…]". */
	const char *params = usage;
	while ((params = strchr(params, ' ')) && !(g_ascii_isupper(params[1]) || params[1] == '[' || params[1] == '-'))
		params++;
	char *prg = params ? g_strndup(usage, (gsize)(params - usage)) : g_strdup(usage);
	GOptionContext *ctx = g_option_context_new(params ? params + 1 : NULL);
	g_option_context_set_summary(ctx, summary);
	if (description)
		g_option_context_set_description(ctx, description);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_strict_posix(ctx, FALSE);
	/* GOption prints "Usage: PRGNAME [OPTION…]"; make PRGNAME the full
	 * sub-command so --help reads like the command to type. */
	const char *old = g_get_prgname();
	char *saved = g_strdup(old);
	g_set_prgname(prg);
	GError *err = NULL;
	gboolean ok = g_option_context_parse(ctx, argc, argv, &err);
	if (!ok) {
		fprintf(stderr, "vpcsim: %s\n\n", err->message);
		char *help = g_option_context_get_help(ctx, TRUE, NULL);
		fputs(help, stderr);
		g_free(help);
		g_error_free(err);
	}
	g_set_prgname(saved);
	g_free(saved);
	g_free(prg);
	g_option_context_free(ctx);
	return ok;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("vpcsim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

gboolean cli_whole(const char *name, const char *text, guint64 min, guint64 max, guint64 *out)
{
	guint64 v;
	const char *t = text + strspn(text, " ");
	/* g_ascii_string_to_unsigned refuses a sign, spaces and trailing text. */
	if (!g_ascii_string_to_unsigned(t, 10, min, max, &v, NULL)) {
		cli_error("--%s '%s': expected a whole number from %" G_GUINT64_FORMAT " to %"
		          G_GUINT64_FORMAT, name, text, min, max);
		return FALSE;
	}
	if (out)
		*out = v;
	return TRUE;
}

gboolean cli_in_range(const char *name, gint64 value, gint64 min, gint64 max)
{
	if (value < min || value > max) {
		cli_error("--%s '%" G_GINT64_FORMAT "': expected a whole number from %" G_GINT64_FORMAT
		          " to %" G_GINT64_FORMAT, name, value, min, max);
		return FALSE;
	}
	return TRUE;
}

gboolean cli_time(const char *name, const char *text, sim_time min, sim_time max, sim_time *out)
{
	GError *e = NULL;
	sim_time t;
	if (!units_parse_time(text, &t, &e)) {
		cli_error("--%s %s", name, e->message);
		g_error_free(e);
		return FALSE;
	}
	if (t < min || t > max) {
		char *lo = units_format((double)min, UNIT_TIME), *hi = units_format((double)max, UNIT_TIME);
		cli_error("--%s '%s': expected a time from %s to %s", name, text, lo, hi);
		g_free(lo);
		g_free(hi);
		return FALSE;
	}
	if (out)
		*out = t;
	return TRUE;
}

gboolean cli_check_run_options(const char *seed, const char *duration, const char *snaplen)
{
	if (seed && !cli_whole("seed", seed, 0, G_MAXUINT64, NULL))
		return FALSE;
	if (duration && !cli_time("duration", duration, 1, (sim_time)units_max(UNIT_TIME), NULL))
		return FALSE;
	if (snaplen) {
		/* A plain number is bytes, as tcpdump's -s; else a size. */
		const char *t = snaplen + strspn(snaplen, " ");
		double bytes = -1;
		if (*t && t[strspn(t, "0123456789")] == '\0')
			return cli_whole("snaplen", t, 0, 65535, NULL);
		if (!units_parse(snaplen, UNIT_SIZE, &bytes, NULL) || bytes < 0 || bytes > 65535 ||
		    bytes != (double)(guint64)bytes) {
			cli_error("--snaplen '%s': expected whole bytes from 0 (whole packets) to 65535, "
			          "such as 128 or 128B", snaplen);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean cli_check_sets(char **sets)
{
	for (char **s = sets; s && *s; s++) {
		const char *eq = strchr(*s, '=');
		char *lhs = eq ? g_strndup(*s, (gsize)(eq - *s)) : NULL;
		char *dot = lhs ? strrchr(lhs, '.') : NULL;
		gboolean ok = dot && dot != lhs && !strchr(eq + 1, '\n');
		if (ok) {
			char *key = g_strstrip(dot + 1);
			ok = *key != '\0';
			for (const char *k = key; ok && *k; k++)
				ok = g_ascii_isalnum(*k) || *k == '_' || *k == '-';
		}
		g_free(lhs);
		if (!ok) {
			cli_error("--set '%s': expected GROUP.KEY=VALUE, such as vars.clients=8, "
			          "scenario.seed=2 or vpc:vpc-a.cidr=10.1.0.0/16 (a key name is letters, "
			          "digits, '_' and '-')", *s);
			return FALSE;
		}
	}
	return TRUE;
}

long cli_peak_rss_kb(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

gboolean cli_stderr_is_tty(void) { return isatty(STDERR_FILENO) == 1; }

static void worker_setup(gpointer data)
{
	(void)data;
	/* Out of the terminal's process group: Ctrl-C reaches the parent only,
	 * which stops its workers itself. */
	setpgid(0, 0);
#ifdef __linux__
	/* A parent killed with -9 takes its workers with it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
}

gboolean cli_spawn_worker(const char *const *argv, int stderr_fd, GPid *pid, GError **error)
{
	return g_spawn_async_with_pipes_and_fds(NULL, argv, NULL,
	                                        G_SPAWN_DO_NOT_REAP_CHILD |
	                                                G_SPAWN_STDOUT_TO_DEV_NULL |
	                                                G_SPAWN_CHILD_INHERITS_STDIN,
	                                        worker_setup, NULL, -1, -1, stderr_fd, NULL, NULL, 0,
	                                        pid, NULL, NULL, NULL, error);
}

gboolean cli_limits(const char *max_memory, const char *max_events, estimate_limits *lim)
{
	estimate_limits_default(lim);
	GError *err = NULL;
	if (estimate_limits_parse(lim, max_memory, max_events, &err))
		return TRUE;
	cli_error("%s", err->message);
	g_error_free(err);
	return FALSE;
}
