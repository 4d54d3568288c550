/* \summary: main() and helpers shared by every CUnit test program */
#include "harness.h"

#include <CUnit/Basic.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

CU_pSuite harness_suite(const char *name)
{
	CU_pSuite s = CU_add_suite(name, NULL, NULL);
	if (!s) {
		fprintf(stderr, "CU_add_suite(%s): %s\n", name, CU_get_error_msg());
		exit(2);
	}
	return s;
}

char *harness_tmpdir(void)
{
	GError *err = NULL;
	char *d = g_dir_make_tmp("vpcsim-test-XXXXXX", &err);
	if (!d) {
		fprintf(stderr, "g_dir_make_tmp: %s\n", err->message);
		exit(2);
	}
	return d;
}

void harness_rmtree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	if (d) {
		const char *n;
		while ((n = g_dir_read_name(d))) {
			char *p = g_build_filename(dir, n, NULL);
			if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
				harness_rmtree(p);
			else
				g_unlink(p);
			g_free(p);
		}
		g_dir_close(d);
	}
	g_rmdir(dir);
}

char *harness_source_path(const char *rel)
{
	const char *root = g_getenv("VPCSIM_SOURCE_DIR");
	return g_build_filename(root ? root : VPCSIM_SOURCE_DIR, rel, NULL);
}

static int run_in(const char *dir, const char *const *argv, char **out, char **err)
{
	int status = 0;
	GError *e = NULL;
	if (!g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, err,
	                  &status, &e)) {
		fprintf(stderr, "spawn %s: %s\n", argv[0], e->message);
		g_error_free(e);
		return -1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int harness_run(const char *const *argv, char **out, char **err)
{
	return run_in(NULL, argv, out, err);
}

char *harness_source_text(const char *rel)
{
	char *path = harness_source_path(rel);
	char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		text = g_strdup("");
	g_free(path);
	return text;
}

int harness_vpcsim(char **out, char **err, const char *const *args)
{
	const char *bin = g_getenv("VPCSIM_BIN");
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, (gpointer)(bin ? bin : "vpcsim"));
	for (const char *const *a = args; a && *a; a++)
		g_ptr_array_add(argv, (gpointer)*a);
	g_ptr_array_add(argv, NULL);
	char *src = harness_source_path(".");
	char *o = NULL, *e = NULL;
	int rc = run_in(src, (const char *const *)argv->pdata, &o, &e);
	g_free(src);
	g_ptr_array_unref(argv);
	if (out)
		*out = o;
	else
		g_free(o);
	if (err)
		*err = e;
	else
		g_free(e);
	return rc;
}

int harness_vpcsim_v(char **out, char **err, ...)
{
	GPtrArray *args = g_ptr_array_new();
	va_list ap;
	va_start(ap, err);
	const char *a;
	while ((a = va_arg(ap, const char *)))
		g_ptr_array_add(args, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	int rc = harness_vpcsim(out, err, (const char *const *)args->pdata);
	g_ptr_array_unref(args);
	return rc;
}

gboolean harness_have(const char *prog)
{
	char *p = g_find_program_in_path(prog);
	gboolean ok = p != NULL;
	g_free(p);
	return ok;
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	register_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (ran == 0) {
		fprintf(stderr, "no test ran\n");
		return 1;
	}
	return failed ? 1 : 0;
}

char *harness_read_fd(int fd)
{
	GIOChannel *ch = g_io_channel_unix_new(fd);
	g_io_channel_set_close_on_unref(ch, TRUE);
	g_io_channel_set_encoding(ch, NULL, NULL);
	char *text = NULL;
	gsize len = 0;
	if (g_io_channel_read_to_end(ch, &text, &len, NULL) != G_IO_STATUS_NORMAL) {
		g_free(text);
		text = NULL;
	}
	g_io_channel_unref(ch);
	return text ? text : g_strdup("");
}

char *harness_unline(const char *msg)
{
	GRegex *re = g_regex_new("\\.ini:[0-9]+: ", 0, 0, NULL);
	char *out = g_regex_replace_literal(re, msg, -1, 0, ".ini: ", 0, NULL);
	g_regex_unref(re);
	return out;
}
