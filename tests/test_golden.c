/* \summary: golden outputs: every bundled scenario's trajectory fingerprint and JSON report */
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "harness.h"

/*
 * For each .ini file in scenarios/, `vpcsim run scenarios/NAME.ini -f json
 * --fingerprint` must give the fingerprint listed in
 * tests/golden/fingerprints.txt and, once the "fingerprint" line is taken
 * out, exactly the bytes of tests/golden/NAME.json.  A scenario the loader
 * refuses on purpose is listed as "refused" and must exit 1.
 *
 * The report holds nothing that legitimately varies between runs: wall
 * time appears only in the text format, and "file" is the path as given
 * (relative here, since the binary runs from the source tree).  So any
 * difference is a change in behaviour.  When it is meant, regenerate with
 *
 *   VPCSIM_UPDATE_GOLDEN=1 ctest --test-dir build -R test_golden
 *
 * and commit the new files with the change, saying why they moved.
 */

#define UPDATE_HINT "VPCSIM_UPDATE_GOLDEN=1 ctest --test-dir build -R test_golden"
#define FP_KEY "\n  \"fingerprint\": \""

/* g_ptr_array_sort passes pointers to the elements. */
static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The bundled scenarios' base names ("alb-peering.ini"), sorted. */
static GPtrArray *bundled_scenarios(void)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	char *dir = harness_source_path("scenarios");
	GDir *d = g_dir_open(dir, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	const char *n;
	while ((n = g_dir_read_name(d)))
		if (g_str_has_suffix(n, ".ini"))
			g_ptr_array_add(names, g_strdup(n));
	g_dir_close(d);
	g_free(dir);
	g_ptr_array_sort(names, cmp_names);
	return names;
}

/* What the run of one scenario gave. */
typedef struct {
	gboolean refused;
	char fingerprint[17];
	char *json; /* the report without its fingerprint line */
} golden_run;

static void run_scenario(const char *name, golden_run *g)
{
	char *rel = g_strconcat("scenarios/", name, NULL);
	char *out = NULL, *err = NULL;
	int rc = harness_vpcsim_v(&out, &err, "run", rel, "-f", "json", "--fingerprint", NULL);
	memset(g, 0, sizeof *g);
	/* 3: ran, but a workload was not carried (vpc-three-peering's a-to-c,
	 * on purpose): a report like any other. */
	if (rc != 0 && rc != 3) {
		g->refused = TRUE;
		if (rc != 1 || *out)
			fprintf(stderr, "\n%s: exit %d (expected 0 or 3, or 1 with no report)\n%s", rel, rc, err);
		CU_ASSERT(rc == 1 && !*out);
	} else {
		/* Cut `,\n  "fingerprint": "…"` out: the rest is the plain report. */
		char *at = strstr(out, FP_KEY);
		CU_ASSERT_PTR_NOT_NULL_FATAL(at);
		char *hex = at + strlen(FP_KEY);
		CU_ASSERT_FATAL(strspn(hex, "0123456789abcdef") == 16 && hex[16] == '"');
		memcpy(g->fingerprint, hex, 16);
		g->fingerprint[16] = '\0';
		char *cut = at - 1; /* the comma before it */
		CU_ASSERT_EQUAL_FATAL(*cut, ',');
		*cut = '\0';
		g->json = g_strconcat(out, hex + 17, NULL);
	}
	g_free(out);
	g_free(err);
	g_free(rel);
}

/* The expected table: scenario -> "refused" or the hex fingerprint. */
static GHashTable *read_table(const char *path)
{
	GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return t;
	char **lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (**l == '#' || **l == '\0')
			continue;
		char **f = g_strsplit_set(*l, " \t", -1);
		if (g_strv_length(f) == 2)
			g_hash_table_replace(t, g_strdup(f[0]), g_strdup(f[1]));
		else
			fprintf(stderr, "\n%s: a line that is not 'SCENARIO FINGERPRINT': %s\n", path, *l);
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(text);
	return t;
}

/* Says where two reports first differ, line by line. */
static void report_difference(const char *name, const char *want, const char *got)
{
	char **w = g_strsplit(want, "\n", -1), **g = g_strsplit(got, "\n", -1);
	guint i = 0;
	while (w[i] && g[i] && strcmp(w[i], g[i]) == 0)
		i++;
	fprintf(stderr, "\n%s: the JSON report differs from tests/golden/%.*s.json at line %u:\n"
	                "  expected: %s\n  got:      %s\n",
	        name, (int)(strlen(name) - 4), name, i + 1, w[i] ? w[i] : "(end)", g[i] ? g[i] : "(end)");
	g_strfreev(w);
	g_strfreev(g);
}

static char *golden_json_path(const char *dir, const char *name)
{
	char *base = g_strndup(name, strlen(name) - 4);
	char *file = g_strconcat(base, ".json", NULL);
	char *p = g_build_filename(dir, file, NULL);
	g_free(file);
	g_free(base);
	return p;
}

static void test_bundled_goldens(void)
{
	gboolean update = g_strcmp0(g_getenv("VPCSIM_UPDATE_GOLDEN"), "1") == 0;
	char *dir = harness_source_path("tests/golden");
	char *table_path = g_build_filename(dir, "fingerprints.txt", NULL);
	GHashTable *table = read_table(table_path);
	GPtrArray *names = bundled_scenarios();
	GString *new_table = g_string_new(
		"# Trajectory fingerprints of the bundled scenarios: `vpcsim run scenarios/NAME\n"
		"# --fingerprint` (a hash over every event's time and every delivered packet's\n"
		"# node, port and headers); \"refused\" for a scenario the loader refuses on\n"
		"# purpose.  Checked by test_golden with the JSON reports beside this file.\n"
		"# A change that moves them must update them on purpose, in the same commit,\n"
		"# saying why.  Regenerate with:\n#   " UPDATE_HINT "\n");
	guint bad = 0, runnable = 0;
	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		golden_run g;
		run_scenario(name, &g);
		g_string_append_printf(new_table, "%s %s\n", name, g.refused ? "refused" : g.fingerprint);
		char *jpath = golden_json_path(dir, name);
		const char *want = g_hash_table_lookup(table, name);
		if (update) {
			if (g.refused)
				g_unlink(jpath);
			else
				CU_ASSERT_TRUE(g_file_set_contents(jpath, g.json, -1, NULL));
		} else {
			const char *got = g.refused ? "refused" : g.fingerprint;
			if (!want) {
				fprintf(stderr, "\n%s: not in tests/golden/fingerprints.txt (fingerprint %s)\n", name, got);
				bad++;
			} else if (strcmp(want, got) != 0) {
				fprintf(stderr, "\n%s: fingerprint %s, expected %s\n", name, got, want);
				bad++;
			}
			if (!g.refused) {
				char *text = NULL;
				if (!g_file_get_contents(jpath, &text, NULL, NULL)) {
					fprintf(stderr, "\n%s: no golden report %s\n", name, jpath);
					bad++;
				} else if (strcmp(text, g.json) != 0) {
					report_difference(name, text, g.json);
					bad++;
				}
				g_free(text);
			}
		}
		runnable += !g.refused;
		g_hash_table_remove(table, name);
		g_free(jpath);
		g_free(g.json);
	}
	/* Entries left over name scenarios that are gone. */
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, table);
	while (!update && g_hash_table_iter_next(&it, &k, NULL)) {
		fprintf(stderr, "\n%s: in tests/golden/fingerprints.txt but not in scenarios/\n", (char *)k);
		bad++;
	}
	if (update) {
		CU_ASSERT_TRUE(g_file_set_contents(table_path, new_table->str, -1, NULL));
		fprintf(stderr, "\ntest_golden: rewrote %s and %u reports; review with git diff tests/golden\n",
		        table_path, runnable);
	} else if (bad) {
		fprintf(stderr, "\n%u golden output(s) moved.  If the change is meant, regenerate with\n  %s\n"
		                "and commit tests/golden with it, saying why they moved.\n",
		        bad, UPDATE_HINT);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(runnable >= 10); /* the scenarios really ran */
	g_string_free(new_table, TRUE);
	g_ptr_array_unref(names);
	g_hash_table_unref(table);
	g_free(table_path);
	g_free(dir);
}

/* Asking for the fingerprint changes nothing else in the report, and the
 * fingerprint does not depend on captures being written. */
static void test_fingerprint_leaves_report_alone(void)
{
	golden_run g;
	run_scenario("alb-public.ini", &g);
	CU_ASSERT_FALSE_FATAL(g.refused);
	char *plain = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(&plain, NULL, "run", "scenarios/alb-public.ini", "-f", "json", NULL), 0);
	CU_ASSERT_STRING_EQUAL(plain, g.json);
	g_free(plain);
	g_free(g.json);

	char *pcaps = harness_tmpdir(), *out = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "run", "scenarios/alb-public.ini", "-f", "csv", "--fingerprint",
	                                 "--pcap-dir", pcaps, NULL),
	                0);
	char *row = g_strdup_printf("run,alb-public,fingerprint,%s\n", g.fingerprint);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, row));
	g_free(row);
	g_free(out);
	/* Another seed, another trajectory. */
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "run", "scenarios/alb-public.ini", "--seed", "2", "--fingerprint",
	                                 NULL),
	                0);
	char *line = g_strdup_printf("  fingerprint %s\n", g.fingerprint);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  fingerprint "));
	CU_ASSERT_PTR_NULL(strstr(out, line));
	g_free(line);
	g_free(out);
	harness_rmtree(pcaps);
	g_free(pcaps);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("golden");
	CU_add_test(s, "fingerprint changes nothing else; captures do not change it",
	            test_fingerprint_leaves_report_alone);
	CU_add_test(s, "bundled scenarios: fingerprints and JSON reports as recorded", test_bundled_goldens);
}
