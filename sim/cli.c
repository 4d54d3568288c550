/* \summary: option parsing and error printing shared by the sub-commands */
#include "cli.h"

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
