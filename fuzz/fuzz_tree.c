/* \summary: the fuzz target's temporary tree, where a scenario's relative table paths resolve */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

char *fuzz_tree_new(void);

/*
 * DIR/a/b/fuzz.ini is where the target writes each input.  Beside it,
 * prices/ and profiles/ link to the bundled tables (as the bundled
 * scenarios name them), and DIR/scenarios links to scenarios/ (as the test
 * scenarios name them, "../../scenarios/prices/us-east-1.ini").
 */

static char *tree;

static void tree_remove(void)
{
	const char *rm[] = { "a/b/fuzz.ini", "a/b/prices", "a/b/profiles", "scenarios", "a/b", "a", "" };
	for (size_t i = 0; tree && i < G_N_ELEMENTS(rm); i++) {
		char *p = g_build_filename(tree, rm[i], NULL);
		g_remove(p);
		g_free(p);
	}
	g_free(tree);
	tree = NULL;
}

static void tree_link(const char *target_rel, const char *link_rel)
{
	char *target = g_build_filename(VPCSIM_SOURCE_DIR, target_rel, NULL);
	char *where = g_build_filename(tree, link_rel, NULL);
	if (symlink(target, where) != 0) {
		fprintf(stderr, "fuzz_load: cannot link %s to %s\n", where, target);
		abort();
	}
	g_free(where);
	g_free(target);
}

char *fuzz_tree_new(void)
{
	tree = g_dir_make_tmp("vpcsim-fuzz-XXXXXX", NULL);
	char *ab = tree ? g_build_filename(tree, "a", "b", NULL) : NULL;
	if (!ab || g_mkdir_with_parents(ab, 0700) != 0) {
		fprintf(stderr, "fuzz_load: cannot make a temporary directory\n");
		abort();
	}
	tree_link("scenarios", "scenarios");
	tree_link("scenarios/prices", "a/b/prices");
	tree_link("scenarios/profiles", "a/b/profiles");
	atexit(tree_remove);
	char *file = g_build_filename(ab, "fuzz.ini", NULL);
	g_free(ab);
	return file;
}
