/* \summary: shared pieces of the vpcsim sub-commands: option parsing and exit codes */
#ifndef VPCSIM_CLI_H
#define VPCSIM_CLI_H

#include <glib.h>

#include "estimate.h"
#include "engine.h"

/* Exit codes of every sub-command. */
enum {
	CLI_OK = 0,
	CLI_FAIL = 1,  /* the run failed: bad scenario, I/O error, unreachable */
	CLI_USAGE = 2, /* bad command line */
	CLI_NOT_CARRIED = 3, /* the run completed but a workload was not carried (see report.h) */
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

/*
 * Range checks for numeric options: each prints "vpcsim: --NAME 'VALUE':
 * expected ..." and returns FALSE when the value is out of range, and the
 * caller exits CLI_USAGE.  Options given as text are read here rather than
 * with strtoull, which reads "-1" as 2^64-1.
 */
/* The most a count option (packets, requests, holds) may ask for. */
#define CLI_MAX_COUNT G_GINT64_CONSTANT(1000000000000)
/* A whole number from min to max written as text. */
gboolean cli_whole(const char *name, const char *text, guint64 min, guint64 max, guint64 *out);
/* An option GOption already read as G_OPTION_ARG_INT or _INT64. */
gboolean cli_in_range(const char *name, gint64 value, gint64 min, gint64 max);
/* A time (units.h) from min to max nanoseconds. */
gboolean cli_time(const char *name, const char *text, sim_time min, sim_time max, sim_time *out);
/* --seed, --duration and --snaplen of run and compare (NULL when absent),
 * checked before they become scenario overrides so that a bad one is a bad
 * command line (exit 2) rather than a bad scenario. */
gboolean cli_check_run_options(const char *seed, const char *duration, const char *snaplen);
/* Every --set has the form GROUP.KEY=VALUE (a group, a '.', a key name of
 * letters, digits, '_' and '-', an '='); else prints "vpcsim: --set 'X':
 * expected ..." and returns FALSE (the caller exits CLI_USAGE).  Whether
 * the group and key exist is the scenario's to say. */
gboolean cli_check_sets(char **sets);

/* The resource guard's limits from --max-memory and --max-events (either
 * may be NULL) over the defaults; prints the error and returns FALSE (the
 * caller exits CLI_USAGE) when one is not a limit. */
gboolean cli_limits(const char *max_memory, const char *max_events, estimate_limits *lim);

/* TRUE when standard error is a terminal (progress lines go there).  Kept
 * here because <unistd.h> declares link(), which clashes with the link type
 * of files that include net.h. */
gboolean cli_stderr_is_tty(void);

/* Peak resident set size of this process in KiB (getrusage). */
long cli_peak_rss_kb(void);

/*
 * Worker processes that run numbered jobs one after another (a sweep's
 * runs).  cli_fork_worker() forks one with two pipes.  In the child
 * (return 0) fds[0] reads job numbers and fds[1] writes results; stdout
 * and stderr go to /dev/null, signals are unblocked, it has a process
 * group of its own (the terminal's Ctrl-C reaches the parent only) and is
 * killed when the parent dies (Linux); it reads job numbers with
 * cli_worker_result() and answers with cli_worker_send(), and ends with
 * cli_worker_exit().  In the parent: the child's pid (reap it with waitpid())
 * and fds[0] to send job numbers to, fds[1] to read results from (end of
 * file: the worker died); -1 and `error` if it could not start.
 */
GPid cli_fork_worker(int fds[2], GError **error);
/* Writes a number to a pipe (a job, or a result; FALSE if the other end
 * is gone); reads one: 1 with *status, 0 at end of file (the other end
 * closed or died), -1 error. */
gboolean cli_worker_send(int fd, guint32 job);
int cli_worker_result(int fd, int *status);
/* A result with a job number and bytes (a sweep's row): sent as one
 * message; read back as the status, the job and a NUL-terminated copy of
 * the bytes to g_free() (1), 0 at end of file, -1 on error or a message cut
 * short (the worker died writing it). */
gboolean cli_worker_send_data(int fd, guint32 status, guint32 job, const char *data, guint32 len);
int cli_worker_result_data(int fd, int *status, guint32 *job, char **data, gsize *len);
/* In a worker: stderr to a new file at `path` (one per job). */
gboolean cli_stderr_to(const char *path, GError **error);
/* In a worker: stderr emptied (its file, before the next job's lines). */
void cli_stderr_rewind(void);
/* This process's id. */
long cli_pid(void);
/* Appends `len` bytes to *fd and fdatasyncs it; when *fd is -1, first
 * creates `path` (never an existing file: O_EXCL) and syncs its folder so
 * the name lasts too.  FALSE with `error` on failure. */
gboolean cli_append_durable(int *fd, const char *path, const char *data, gsize len, GError **error);
G_GNUC_NORETURN void cli_worker_exit(int status);

/* Sub-commands: each gets argv with argv[0] = its name. */
int cmd_demo(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_reach(int argc, char **argv);
int bench_main(int argc, char **argv);

#endif
