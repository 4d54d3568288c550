/* \summary: loading scenario text in tests, and checking the problems a load reports */
#ifndef VPCSIM_TEST_SCENARIO_TEXT_H
#define VPCSIM_TEST_SCENARIO_TEXT_H

/* Static functions shared by the scenario-loader tests (each test program
 * is one translation unit plus the harness). */

#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "error.h"
#include "scenario.h"

G_GNUC_UNUSED static scenario *st_load_rel(const char *rel, const char *const *ov, GError **err)
{
	char *path = harness_source_path(rel);
	scenario *sc = scenario_load(path, ov, err);
	if (!sc && err && *err)
		fprintf(stderr, "\n%s\n", (*err)->message);
	g_free(path);
	return sc;
}

/* Writes `body` after a [scenario] naming the shipped tables and loads it. */
G_GNUC_UNUSED static scenario *st_load_text(const char *body, const char *const *ov, GError **err)
{
	char *dir = harness_tmpdir();
	char *prices_path = harness_source_path("scenarios/prices/us-east-1.ini");
	char *profile_path = harness_source_path("scenarios/profiles/constant.ini");
	char *text = g_strdup_printf("[scenario]\nprices = %s\nprofile = %s\n\n%s", prices_path,
	                             profile_path, body);
	char *path = g_build_filename(dir, "t.ini", NULL);
	CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
	scenario *sc = scenario_load(path, ov, err);
	harness_rmtree(dir);
	g_free(path);
	g_free(text);
	g_free(profile_path);
	g_free(prices_path);
	g_free(dir);
	return sc;
}

/* Loads `body` expecting failure with exactly `nlines` problem lines that
 * contain, between them, every string of the NULL-terminated `want`. */
G_GNUC_UNUSED static void st_expect_errors(const char *body, const char *const *ov, guint nlines,
                            const char *const *want)
{
	GError *err = NULL;
	scenario *sc = st_load_text(body, ov, &err);
	CU_ASSERT_PTR_NULL(sc);
	scenario_free(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_TRUE(g_error_matches(err, VPCSIM_ERROR, VPCSIM_ERROR_INVALID));
	/* Line numbers have tests of their own (test_scenario.c). */
	char *msg = harness_unline(err->message);
	char **lines = g_strsplit(msg, "\n", -1);
	gboolean ok = g_strv_length(lines) == nlines;
	for (int i = 0; lines[i]; i++)
		ok &= strstr(lines[i], "t.ini: ") != NULL;
	for (int i = 0; want[i]; i++) {
		gboolean found = strstr(msg, want[i]) != NULL;
		if (!found)
			fprintf(stderr, "\nmissing '%s'", want[i]);
		ok &= found;
	}
	if (!ok)
		fprintf(stderr, "\nin (%u lines, expected %u):\n%s\n", g_strv_length(lines), nlines,
		        err->message);
	CU_ASSERT_TRUE(ok);
	g_strfreev(lines);
	g_free(msg);
	g_error_free(err);
}

#define WANT(...) ((const char *const[]){ __VA_ARGS__, NULL })

#endif
