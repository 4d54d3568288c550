/* \summary: option parsing and error printing shared by the sub-commands */
#include "cli.h"
#include "error.h"
#include "units.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
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

GPid cli_fork_worker(int fds[2], GError **error)
{
	int cmd[2], res[2];
	if (!g_unix_open_pipe(cmd, FD_CLOEXEC, error))
		return -1;
	if (!g_unix_open_pipe(res, FD_CLOEXEC, error)) {
		g_close(cmd[0], NULL);
		g_close(cmd[1], NULL);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot start a worker: fork: %s",
		            g_strerror(errno));
		for (int i = 0; i < 2; i++) {
			g_close(cmd[i], NULL);
			g_close(res[i], NULL);
		}
		return -1;
	}
	if (pid > 0) {
		g_close(cmd[0], NULL);
		g_close(res[1], NULL);
		fds[0] = cmd[1];
		fds[1] = res[0];
		return pid;
	}
	/* The child.  Signals as a fresh process has them (the parent may
	 * block some while it waits). */
	g_close(cmd[1], NULL);
	g_close(res[0], NULL);
	fds[0] = cmd[0];
	fds[1] = res[1];
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd >= 0) {
		dup2(null_fd, STDOUT_FILENO);
		dup2(null_fd, STDERR_FILENO);
	}
	/* Out of the terminal's process group: Ctrl-C reaches the parent only,
	 * which stops its workers itself. */
	setpgid(0, 0);
#ifdef __linux__
	/* A parent killed with -9 takes its workers with it (and one that
	 * died before the request took effect leaves this one an orphan). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(CLI_FAIL);
#endif
	return 0;
}

/* All `len` bytes of a message: 1, or 0 at end of file before its first
 * byte, -1 on error or end of file within it. */
static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n == 0)
			return got ? -1 : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	return 1;
}

static gboolean write_full(int fd, const void *buf, size_t len)
{
	size_t put = 0;
	while (put < len) {
		ssize_t n = write(fd, (const char *)buf + put, len - put);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		put += (size_t)n;
	}
	return TRUE;
}

gboolean cli_worker_send(int fd, guint32 job) { return write_full(fd, &job, sizeof job); }

int cli_worker_result(int fd, int *status)
{
	guint32 v = 0;
	int r = read_full(fd, &v, sizeof v);
	*status = (int)v;
	return r;
}

/* A status, a job number and bytes as one message: the status, the job,
 * the length, the bytes (one write when it fits a pipe's atomic size, so
 * a reader never sees half of it unless the writer dies). */
gboolean cli_worker_send_data(int fd, guint32 status, guint32 job, const char *data, guint32 len)
{
	guint32 head[3] = { status, job, len };
	if (len <= 4096 - sizeof head) {
		char buf[4096];
		memcpy(buf, head, sizeof head);
		memcpy(buf + sizeof head, data, len);
		return write_full(fd, buf, sizeof head + len);
	}
	return write_full(fd, head, sizeof head) && write_full(fd, data, len);
}

int cli_worker_result_data(int fd, int *status, guint32 *job, char **data, gsize *len)
{
	guint32 v[3];
	*data = NULL;
	*len = 0;
	int r = read_full(fd, v, sizeof v);
	if (r != 1)
		return r;
	*status = (int)v[0];
	*job = v[1];
	/* A row is a few kilobytes; more is a broken worker, not a row. */
	if (v[2] > (16u << 20))
		return -1;
	char *buf = g_malloc(v[2] + 1);
	if (read_full(fd, buf, v[2]) != 1 && v[2] > 0) {
		g_free(buf);
		return -1;
	}
	buf[v[2]] = '\0';
	*data = buf;
	*len = v[2];
	return 1;
}

gboolean cli_stderr_to(const char *path, GError **error)
{
	fflush(stderr);
	int fd = g_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot write %s: %s", path,
		            g_strerror(errno));
		return FALSE;
	}
	dup2(fd, STDERR_FILENO);
	g_close(fd, NULL);
	return TRUE;
}

static void sync_dir_of(const char *path)
{
	char *dir = g_path_get_dirname(path);
	int dfd = g_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	g_free(dir);
}

void cli_stderr_rewind(void)
{
	fflush(stderr);
	if (ftruncate(STDERR_FILENO, 0) == 0)
		(void)lseek(STDERR_FILENO, 0, SEEK_SET);
}

long cli_pid(void) { return (long)getpid(); }


gboolean cli_append_durable(int *fd, const char *path, const char *data, gsize len, GError **error)
{
	if (*fd < 0) {
		*fd = g_open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0666);
		if (*fd < 0) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot create %s: %s", path,
			            g_strerror(errno));
			return FALSE;
		}
		sync_dir_of(path);
	}
	if (!write_full(*fd, data, len) || fdatasync(*fd) != 0) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot write %s: %s", path,
		            g_strerror(errno ? errno : EIO));
		return FALSE;
	}
	return TRUE;
}

void cli_worker_exit(int status)
{
	fflush(stdout);
	fflush(stderr);
	/* Not exit(): atexit handlers and buffers copied from the parent are
	 * not the worker's to run. */
	_exit(status);
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
