/* \summary: shared pieces of the vpcsim sub-commands: option parsing and exit codes */
#ifndef VPCSIM_CLI_H
#define VPCSIM_CLI_H

#include <glib.h>

/* Exit codes of every sub-command. */
enum {
	CLI_OK = 0,
	CLI_FAIL = 1,  /* the run failed: bad scenario, I/O error, unreachable */
	CLI_USAGE = 2, /* bad command line */
};

/* Parses argv with a GOptionContext whose summary line is `usage` (e.g.
 * "vpcsim bench hold [OPTIONS]") and description `help`.  On a bad option
 * prints the error and the help to stderr and returns FALSE: the caller
 * exits CLI_USAGE.  Leftover positional arguments stay in argc/argv
 * (argv[0] is the command name). */
gboolean cli_parse(int *argc, char ***argv, const char *usage, const char *summary,
                   const char *description, const GOptionEntry *entries);

/* Prints "vpcsim: MESSAGE" to stderr. */
void cli_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* TRUE when standard error is a terminal (progress lines go there).  Kept
 * here because <unistd.h> declares link(), which clashes with the link type
 * of files that include net.h. */
gboolean cli_stderr_is_tty(void);

/* Peak resident set size of this process in KiB (getrusage). */
long cli_peak_rss_kb(void);

/* Starts argv as a worker process: its stdout to /dev/null, its stderr to
 * stderr_fd, in a process group of its own, killed when this process dies
 * (Linux).  Reap it with waitpid(). */
gboolean cli_spawn_worker(const char *const *argv, int stderr_fd, GPid *pid, GError **error);

/* Sub-commands: each gets argv with argv[0] = its name. */
int cmd_demo(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int bench_main(int argc, char **argv);

#endif
