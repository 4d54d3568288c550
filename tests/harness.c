/* \summary: main() and helpers shared by every CUnit test program */
#include "harness.h"

#include <CUnit/Basic.h>
#include <glib/gstdio.h>
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

int harness_run(const char *const *argv, char **out, char **err)
{
	int status = 0;
	GError *e = NULL;
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, err,
	                  &status, &e)) {
		fprintf(stderr, "spawn %s: %s\n", argv[0], e->message);
		g_error_free(e);
		return -1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
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
