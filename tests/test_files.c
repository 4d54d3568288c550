/* \summary: files read and written: data-file size limit, write-through outputs, captures on failure, signals */
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "harness.h"
#include "error.h"
#include "keyfile.h"
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

void register_tests(void)
{
	CU_pSuite s = harness_suite("files");
	CU_add_test(s, "a data file over 16 MiB is refused", test_data_file_too_large);
	CU_add_test(s, "a stream as a data file is read up to the limit", test_data_file_stream);
}
