/* \summary: files read and written: data-file size limit, write-through outputs, captures on failure, signals */
/* mknod(), makedev(), kill() and setrlimit(): strict C11 hides them. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "harness.h"
#include "error.h"
#include "keyfile.h"
#include "outfile.h"
#include "pcapw.h"
#include "scenario.h"

/* ---- data files: at most 16 MiB ---- */

/* A sparse file of `size` bytes. */
static char *big_file(const char *dir, const char *name, long size)
{
	char *path = g_build_filename(dir, name, NULL);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fseek(f, size - 1, SEEK_SET), 0);
	fputc('\n', f);
	CU_ASSERT_EQUAL(fclose(f), 0);
	return path;
}

static void test_data_file_too_large(void)
{
	char *dir = harness_tmpdir();
	char *path = big_file(dir, "huge.ini", 17L << 20);
	GError *err = NULL;
	scenario *sc = scenario_load(path, NULL, &err);
	CU_ASSERT_PTR_NULL(sc);
	CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_IO));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, path));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "cannot read the scenario"));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "17.0 MiB (17825792 bytes)"));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "expected at most 16 MiB"));
	g_clear_error(&err);
	/* At the limit exactly it is read (and is not a key file). */
	char *edge = big_file(dir, "edge.ini", KF_MAX_FILE_BYTES);
	char *data = NULL;
	gsize len = 0;
	CU_ASSERT_TRUE(kf_read_file(edge, "scenario", &data, &len, &err));
	CU_ASSERT_EQUAL(len, KF_MAX_FILE_BYTES);
	g_free(data);
	g_clear_error(&err);
	harness_rmtree(dir);
	g_free(edge);
	g_free(path);
	g_free(dir);
}

/* /dev/urandom as the price table or /dev/zero as the profile: read up to
 * the limit, not without end. */
static void test_data_file_stream(void)
{
	char *sc_path = harness_source_path("scenarios/vpc-peering.ini");
	const char *ov[] = { "scenario.prices=/dev/urandom", "scenario.profile=/dev/zero", NULL };
	GError *err = NULL;
	scenario *sc = scenario_load(sc_path, ov, &err);
	CU_ASSERT_PTR_NULL(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "/dev/urandom: cannot read the price table: not a "
	                                            "regular file, it gave more than 16 MiB; expected at "
	                                            "most 16 MiB (16777216 bytes)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "/dev/zero: cannot read the latency profile: not a "
	                                            "regular file"));
	g_error_free(err);
	g_free(sc_path);
}

/* ---- output files: temp-then-rename, or written through ---- */

static long pcap_records(const char *path);

static gint cmp_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted, space-separated ("" when empty). */
static char *listing(const char *dir)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *n;
	while (d && (n = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(n));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, cmp_name);
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < names->len; i++) {
		char **p = (char **)names->pdata;
		g_string_append_printf(s, "%s%s", i ? " " : "", p[i]);
	}
	g_ptr_array_unref(names);
	return g_string_free(s, FALSE);
}

static gboolean write_text(const char *path, const char *text, GError **err)
{
	outfile *o = outfile_open(path, NULL, err);
	if (!o)
		return FALSE;
	fputs(text, outfile_stream(o));
	return outfile_commit(o, TRUE, err);
}

static char *text_of(const char *path)
{
	char *t = NULL;
	return g_file_get_contents(path, &t, NULL, NULL) ? t : g_strdup("(unreadable)");
}

static void test_regular_file(void)
{
	char *dir = harness_tmpdir();
	char *path = g_build_filename(dir, "r.txt", NULL);
	GError *err = NULL;
	CU_ASSERT_TRUE(write_text(path, "one\n", &err));
	CU_ASSERT_TRUE(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	/* Replaced whole, keeping the permission bits it had. */
	CU_ASSERT_EQUAL(g_chmod(path, 0640), 0);
	CU_ASSERT_TRUE(write_text(path, "two\n", &err));
	struct stat st;
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	char *t = text_of(path);
	CU_ASSERT_STRING_EQUAL(t, "two\n");
	g_free(t);
	/* ok FALSE: nothing replaces it. */
	outfile *o = outfile_open(path, NULL, &err);
	CU_ASSERT_FATAL(o != NULL);
	CU_ASSERT_FALSE(outfile_through(o));
	fputs("three\n", outfile_stream(o));
	CU_ASSERT_FALSE(outfile_commit(o, FALSE, &err));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, "not written"));
	g_clear_error(&err);
	t = text_of(path);
	CU_ASSERT_STRING_EQUAL(t, "two\n");
	g_free(t);
	char *ls = listing(dir);
	CU_ASSERT_STRING_EQUAL(ls, "r.txt");
	g_free(ls);
	/* A directory is an error, not replaced. */
	CU_ASSERT_FALSE(write_text(dir, "x", &err));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, g_strerror(EISDIR)));
	g_clear_error(&err);
	harness_rmtree(dir);
	g_free(path);
	g_free(dir);
}

/* A link is followed: its target gets the text, the link stays a link,
 * through a chain, with a relative target, or dangling (created). */
static void test_symlinks(void)
{
	char *dir = harness_tmpdir();
	char *sub = g_build_filename(dir, "sub", NULL);
	CU_ASSERT_EQUAL(g_mkdir(sub, 0755), 0);
	char *real = g_build_filename(sub, "real.txt", NULL);
	char *link1 = g_build_filename(dir, "link1", NULL);
	char *link2 = g_build_filename(dir, "link2", NULL);
	char *dangle = g_build_filename(dir, "dangle", NULL);
	char *loop = g_build_filename(dir, "loop", NULL);
	CU_ASSERT_TRUE(g_file_set_contents(real, "old\n", -1, NULL));
	CU_ASSERT_EQUAL(symlink("sub/real.txt", link1), 0);
	CU_ASSERT_EQUAL(symlink(link1, link2), 0);
	CU_ASSERT_EQUAL(symlink("sub/new.txt", dangle), 0);
	CU_ASSERT_EQUAL(symlink("loop", loop), 0);
	GError *err = NULL;
	CU_ASSERT_TRUE(write_text(link2, "new\n", &err));
	CU_ASSERT_TRUE(g_file_test(link1, G_FILE_TEST_IS_SYMLINK));
	CU_ASSERT_TRUE(g_file_test(link2, G_FILE_TEST_IS_SYMLINK));
	char *t = text_of(real);
	CU_ASSERT_STRING_EQUAL(t, "new\n");
	g_free(t);
	CU_ASSERT_TRUE(write_text(dangle, "made\n", &err));
	CU_ASSERT_TRUE(g_file_test(dangle, G_FILE_TEST_IS_SYMLINK));
	char *made = g_build_filename(sub, "new.txt", NULL);
	t = text_of(made);
	CU_ASSERT_STRING_EQUAL(t, "made\n");
	g_free(t);
	CU_ASSERT_FALSE(write_text(loop, "x", &err));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err->message, g_strerror(ELOOP)));
	g_clear_error(&err);
	CU_ASSERT_TRUE(g_file_test(loop, G_FILE_TEST_IS_SYMLINK));
	char *ls = listing(dir), *lss = listing(sub);
	CU_ASSERT_STRING_EQUAL(ls, "dangle link1 link2 loop sub");
	CU_ASSERT_STRING_EQUAL(lss, "new.txt real.txt");
	g_free(ls);
	g_free(lss);
	harness_rmtree(dir);
	g_free(made);
	g_free(loop);
	g_free(dangle);
	g_free(link2);
	g_free(link1);
	g_free(real);
	g_free(sub);
	g_free(dir);
}

/* A FIFO gets the bytes and stays a FIFO (no temporary beside it). */
static void test_fifo(void)
{
	char *dir = harness_tmpdir();
	char *fifo = g_build_filename(dir, "out.fifo", NULL);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	/* A reader first, so opening for writing does not wait. */
	int rd = open(fifo, O_RDONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(rd >= 0);
	GError *err = NULL;
	outfile *o = outfile_open(fifo, NULL, &err);
	CU_ASSERT_FATAL(o != NULL);
	CU_ASSERT_TRUE(outfile_through(o));
	fputs("through\n", outfile_stream(o));
	CU_ASSERT_TRUE(outfile_commit(o, TRUE, &err));
	char buf[64] = { 0 };
	CU_ASSERT_EQUAL(read(rd, buf, sizeof buf - 1), 8);
	CU_ASSERT_STRING_EQUAL(buf, "through\n");
	close(rd);
	struct stat st;
	CU_ASSERT_EQUAL(lstat(fifo, &st), 0);
	CU_ASSERT_TRUE(S_ISFIFO(st.st_mode));
	char *ls = listing(dir);
	CU_ASSERT_STRING_EQUAL(ls, "out.fifo");
	g_free(ls);
	harness_rmtree(dir);
	g_free(fifo);
	g_free(dir);
}

/* A copy of /dev/null made with mknod (root only) stays a device. */
static void test_device(void)
{
	char *dir = harness_tmpdir();
	char *dev = g_build_filename(dir, "null", NULL);
	if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) != 0) {
		printf("\n    mknod: %s: device test skipped (needs root) ", g_strerror(errno));
	} else {
		GError *err = NULL;
		CU_ASSERT_TRUE(write_text(dev, "gone\n", &err));
		struct stat st;
		CU_ASSERT_EQUAL(lstat(dev, &st), 0);
		CU_ASSERT_TRUE(S_ISCHR(st.st_mode));
		char *ls = listing(dir);
		CU_ASSERT_STRING_EQUAL(ls, "null");
		g_free(ls);
	}
	harness_rmtree(dir);
	g_free(dev);
	g_free(dir);
}

/* A link into /proc/self/fd names an open file, as /dev/stdout does: the
 * bytes go to that file description's file, appended (as `>>` would),
 * and the link is left alone. */
static void test_descriptor_link(void)
{
	char *dir = harness_tmpdir();
	char *log = g_build_filename(dir, "log", NULL);
	char *link = g_build_filename(dir, "stdout", NULL);
	CU_ASSERT_TRUE(g_file_set_contents(log, "before\n", -1, NULL));
	int fd = open(log, O_WRONLY | O_APPEND);
	CU_ASSERT_FATAL(fd >= 0);
	char *proc = g_strdup_printf("/proc/self/fd/%d", fd);
	CU_ASSERT_EQUAL(symlink(proc, link), 0);
	GError *err = NULL;
	CU_ASSERT_TRUE(write_text(link, "report\n", &err));
	close(fd);
	char *t = text_of(log);
	CU_ASSERT_STRING_EQUAL(t, "before\nreport\n");
	g_free(t);
	CU_ASSERT_TRUE(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
	char *ls = listing(dir);
	CU_ASSERT_STRING_EQUAL(ls, "log stdout");
	g_free(ls);
	harness_rmtree(dir);
	g_free(proc);
	g_free(link);
	g_free(log);
	g_free(dir);
}

/* A capture name that is a link: the capture lands at the target. */
static void test_capture_symlink(void)
{
	char *dir = harness_tmpdir();
	char *link = g_build_filename(dir, "x.pcap", NULL);
	char *real = g_build_filename(dir, "kept.pcap", NULL);
	CU_ASSERT_EQUAL(symlink("kept.pcap", link), 0);
	GError *err = NULL;
	pcapw *w = pcapw_open(dir, "x", 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_TRUE(pcapw_close(w, &err));
	CU_ASSERT_TRUE(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
	CU_ASSERT_EQUAL(pcap_records(real), 0);
	harness_rmtree(dir);
	g_free(real);
	g_free(link);
	g_free(dir);
}

/* -o /dev/stdout: the report on standard output (a pipe here), and
 * /dev/stdout left as it was. */
static void test_out_dev_stdout(void)
{
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, &err, "run", "scenarios/vpc-peering.ini", "--duration", "1s",
	                                 "--format", "json", "-o", "/dev/stdout", NULL),
	                0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"partial\": false"));
	CU_ASSERT_TRUE(g_file_test("/dev/stdout", G_FILE_TEST_IS_SYMLINK));
	g_free(out);
	g_free(err);
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, &err, "run", "scenarios/vpc-peering.ini", "--duration", "1s",
	                                 "-o", "/dev/null", NULL),
	                0);
	struct stat st;
	CU_ASSERT_TRUE(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
	g_free(out);
	g_free(err);
}

/* ---- the command: captures on failure, signals ---- */

static const char *bin(void)
{
	const char *b = g_getenv("VPCSIM_BIN");
	return b ? b : "vpcsim";
}

typedef struct {
	GPid pid;
	int out, err;
} child;

/* Starts vpcsim ARGS... (NULL-terminated) from the source tree. */
static child start(const char *first, ...)
{
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, (gpointer)bin());
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		g_ptr_array_add(argv, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	char *src = harness_source_path(".");
	child c = { 0, -1, -1 };
	GError *e = NULL;
	gboolean ok = g_spawn_async_with_pipes(src, (char **)argv->pdata, NULL,
	                                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL, NULL,
	                                       &c.pid, NULL, &c.out, &c.err, &e);
	if (!ok)
		fprintf(stderr, "\nspawn: %s\n", e->message);
	CU_ASSERT_TRUE_FATAL(ok);
	g_free(src);
	g_ptr_array_unref(argv);
	return c;
}

/* Waits for the child; returns its raw wait status. */
static int finish(child *c, char **out, char **err)
{
	*out = harness_read_fd(c->out);
	*err = harness_read_fd(c->err);
	int status = 0;
	CU_ASSERT_EQUAL(waitpid(c->pid, &status, 0), c->pid);
	g_spawn_close_pid(c->pid);
	return status;
}

/* TRUE once dir holds a hidden (temporary) file: the captures are open. */
static gboolean has_temp(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	gboolean seen = FALSE;
	const char *n;
	while (d && (n = g_dir_read_name(d)))
		seen |= n[0] == '.';
	if (d)
		g_dir_close(d);
	return seen;
}

static void wait_for_captures(const char *dir)
{
	for (int i = 0; i < 3000 && !has_temp(dir); i++)
		g_usleep(10000);
	CU_ASSERT_TRUE(has_temp(dir));
	/* Some packets in them too. */
	g_usleep(300000);
}

/* Records in a complete nanosecond pcap file, -1 if it is not one: the
 * header's magic, then records exactly to the end. */
static long pcap_records(const char *path)
{
	char *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &data, &len, NULL))
		return -1;
	const guint8 *b = (const guint8 *)data;
	long n = -1;
	if (len >= 24 && GUINT32_FROM_LE(*(const guint32 *)(const void *)b) == 0xa1b23c4d) {
		gsize off = 24;
		n = 0;
		while (off + 16 <= len) {
			guint32 caplen;
			memcpy(&caplen, b + off + 8, 4);
			off += 16 + GUINT32_FROM_LE(caplen);
			n++;
		}
		if (off != len)
			n = -1;
	}
	g_free(data);
	return n;
}

/* Every file in dir is a complete capture and none is hidden; returns how
 * many there are and (in *packets) their records. */
static guint check_captures(const char *dir, long *packets)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	const char *n;
	guint files = 0;
	*packets = 0;
	while ((n = g_dir_read_name(d))) {
		CU_ASSERT_TRUE(n[0] != '.');
		CU_ASSERT_TRUE(g_str_has_suffix(n, ".pcap"));
		char *path = g_build_filename(dir, n, NULL);
		long r = pcap_records(path);
		if (r < 0)
			fprintf(stderr, "\n%s: not a complete capture\n", path);
		CU_ASSERT(r >= 0);
		*packets += MAX(r, 0);
		files++;
		g_free(path);
	}
	g_dir_close(d);
	return files;
}

static gboolean killed_by(int status, int sig)
{
	if (!WIFSIGNALED(status) || WTERMSIG(status) != sig)
		fprintf(stderr, "\nwanted the end by signal %d, got wait status %#x\n", sig, status);
	return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* SIGTERM and SIGHUP stop `run` as Ctrl-C does (test_captures checks
 * SIGINT): partial report, complete captures, no temporary file, and the
 * process ends by the signal. */
static void test_run_signals(void)
{
	const int sigs[] = { SIGTERM, SIGHUP };
	const char *names[] = { "SIGTERM", "SIGHUP" };
	for (int i = 0; i < 2; i++) {
		char *dir = harness_tmpdir();
		child c = start("run", "scenarios/alb-peering.ini", "--duration", "600s", "--pcap-dir", dir,
		                "--capture", "client-1,alb-b", "--format", "json", NULL);
		wait_for_captures(dir);
		CU_ASSERT_EQUAL(kill(c.pid, sigs[i]), 0);
		char *out, *err;
		int status = finish(&c, &out, &err);
		CU_ASSERT_TRUE(killed_by(status, sigs[i]));
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"partial\": true"));
		char *want = g_strdup_printf("interrupted by %s", names[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
		long packets = 0;
		CU_ASSERT_EQUAL(check_captures(dir, &packets), 3);
		CU_ASSERT(packets > 0);
		g_free(want);
		g_free(out);
		g_free(err);
		harness_rmtree(dir);
		g_free(dir);
	}
}

/* compare stops in the option it is running, prints the table marked
 * partial and naming the options not run, and keeps complete captures. */
static void test_compare_signal(void)
{
	char *dir = harness_tmpdir();
	child c = start("compare", "--duration", "600s", "--pcap-dir", dir, "--capture", "client-1",
	                "--format", "json", NULL);
	wait_for_captures(dir);
	CU_ASSERT_EQUAL(kill(c.pid, SIGINT), 0);
	char *out, *err;
	int status = finish(&c, &out, &err);
	CU_ASSERT_TRUE(killed_by(status, SIGINT));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"partial\": true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"stopped\": \"stopped in alb-peering at "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "not run: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "alb-public.ini"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "interrupted by SIGINT: the table is marked partial"));
	long packets = 0;
	CU_ASSERT(check_captures(dir, &packets) >= 1);
	CU_ASSERT(packets > 0);
	g_free(out);
	g_free(err);
	harness_rmtree(dir);
	g_free(dir);
}

/* demo and bench chain write captures too. */
static void test_demo_bench_signals(void)
{
	char *dir = harness_tmpdir();
	child c = start("demo", "--packets", "100000000", "--pcap-dir", dir, NULL);
	wait_for_captures(dir);
	CU_ASSERT_EQUAL(kill(c.pid, SIGTERM), 0);
	char *out, *err;
	int status = finish(&c, &out, &err);
	CU_ASSERT_TRUE(killed_by(status, SIGTERM));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "PARTIAL: interrupted at "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "interrupted by SIGTERM"));
	long packets = 0;
	CU_ASSERT_EQUAL(check_captures(dir, &packets), 6);
	CU_ASSERT(packets > 0);
	g_free(out);
	g_free(err);
	harness_rmtree(dir);
	g_free(dir);

	dir = harness_tmpdir();
	c = start("bench", "chain", "--hops", "2", "--packets", "100000000", "--pcap-dir", dir, NULL);
	wait_for_captures(dir);
	CU_ASSERT_EQUAL(kill(c.pid, SIGHUP), 0);
	status = finish(&c, &out, &err);
	CU_ASSERT_TRUE(killed_by(status, SIGHUP));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " partial=1"));
	CU_ASSERT_EQUAL(check_captures(dir, &packets), 6);
	CU_ASSERT(packets > 0);
	g_free(out);
	g_free(err);
	harness_rmtree(dir);
	g_free(dir);
}

/* Writes past 64 KiB fail with EFBIG, as they would with ENOSPC on a full
 * disk (SIGXFSZ ignored, so write() returns the error). */
static void small_disk(gpointer ud)
{
	(void)ud;
	struct rlimit rl = { .rlim_cur = 64 * 1024, .rlim_max = 64 * 1024 };
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &rl);
}

static int run_small_disk(const char *const *args, char **out, char **err)
{
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, (gpointer)bin());
	for (const char *const *a = args; *a; a++)
		g_ptr_array_add(argv, (gpointer)*a);
	g_ptr_array_add(argv, NULL);
	char *src = harness_source_path(".");
	int status = -1;
	GError *e = NULL;
	CU_ASSERT_TRUE(g_spawn_sync(src, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, small_disk, NULL,
	                            out, err, &status, &e));
	g_clear_error(&e);
	g_free(src);
	g_ptr_array_unref(argv);
	return status;
}

/* The ALB's capture fills the "disk" first; the client's would fit and
 * the ALB's second node has an empty one.  The run stops at the failed
 * write and publishes none of them: no capture from a failed run. */
static void test_full_disk(void)
{
	char *dir = harness_tmpdir();
	const char *args[] = { "run", "scenarios/alb-peering.ini", "--pcap-dir", dir, "--capture",
		               "client-1,alb-b", NULL };
	char *out = NULL, *err = NULL;
	int status = run_small_disk(args, &out, &err);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot write capture file '"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "alb-peering-alb-b-vpc-b-router.pcap': "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, g_strerror(EFBIG)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "keeps no capture"));
	char *ls = listing(dir);
	CU_ASSERT_STRING_EQUAL(ls, "");
	g_free(ls);
	g_free(out);
	g_free(err);

	const char *demo[] = { "demo", "--pcap-dir", dir, NULL };
	status = run_small_disk(demo, &out, &err);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, g_strerror(EFBIG)));
	ls = listing(dir);
	CU_ASSERT_STRING_EQUAL(ls, "");
	g_free(ls);
	g_free(out);
	g_free(err);
	harness_rmtree(dir);
	g_free(dir);
}

/* The capture directory deleted under a long run: said at the next write
 * that finds the file gone, and the run stops there. */
static void test_directory_removed(void)
{
	char *dir = harness_tmpdir();
	child c = start("run", "scenarios/alb-peering.ini", "--duration", "600s", "--pcap-dir", dir,
	                "--capture", "client-1", NULL);
	wait_for_captures(dir);
	harness_rmtree(dir);
	char *out, *err;
	int status = finish(&c, &out, &err);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "alb-peering-client-1-vpc-a-router.pcap"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "was the directory removed?"));
	/* Stopped there, long before the 600 s of requests (simulated time). */
	const char *at = strstr(err, "the run stopped at ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	double t = g_ascii_strtod(at + strlen("the run stopped at "), NULL);
	CU_ASSERT(t > 0 && t < 600);
	printf("\n    stopped at %.3f s of simulated time ", t);
	CU_ASSERT_FALSE(g_file_test(dir, G_FILE_TEST_EXISTS));
	g_free(out);
	g_free(err);
	g_free(dir);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("files");
	CU_add_test(s, "a data file over 16 MiB is refused", test_data_file_too_large);
	CU_add_test(s, "a stream as a data file is read up to the limit", test_data_file_stream);
	CU_add_test(s, "a regular file is replaced whole, keeping its mode", test_regular_file);
	CU_add_test(s, "symlinks are followed, not replaced", test_symlinks);
	CU_add_test(s, "a FIFO is written through", test_fifo);
	CU_add_test(s, "a device is written through", test_device);
	CU_add_test(s, "a /proc/self/fd link is written through, appending", test_descriptor_link);
	CU_add_test(s, "a capture name that is a symlink is followed", test_capture_symlink);
	CU_add_test(s, "-o /dev/stdout and -o /dev/null", test_out_dev_stdout);
	CU_add_test(s, "SIGTERM and SIGHUP stop run cleanly", test_run_signals);
	CU_add_test(s, "SIGINT stops compare with a partial table", test_compare_signal);
	CU_add_test(s, "demo and bench chain stop cleanly", test_demo_bench_signals);
	CU_add_test(s, "a full disk publishes no capture", test_full_disk);
	CU_add_test(s, "a removed capture directory stops the run", test_directory_removed);
}
