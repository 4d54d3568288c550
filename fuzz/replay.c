/* \summary: fuzz_replay: runs saved fuzz inputs through the fuzz target without libFuzzer */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "fuzz_load.h"

/*
 * fuzz_replay FILE|DIR...  feeds each file (each file of a directory but
 * its README, in name order) to the target once, naming it first, so a crash is
 * reproduced with any compiler and build, and the last name printed is the
 * input that crashed.  Built with -DVPCSIM_SANITIZE=ON it reports what the
 * fuzzer's sanitizers reported.
 */

static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_file(const char *path)
{
	char *data = NULL;
	gsize len = 0;
	GError *e = NULL;
	if (!g_file_get_contents(path, &data, &len, &e)) {
		fprintf(stderr, "fuzz_replay: %s\n", e->message);
		g_error_free(e);
		return 1;
	}
	fprintf(stderr, "fuzz_replay: %s\n", path);
	/* Exactly `len` bytes with no NUL after them, as libFuzzer gives it. */
	uint8_t *exact = g_malloc(MAX(len, 1));
	memcpy(exact, data, len);
	if (len == 0)
		exact[0] = '#';
	fuzz_load_one(exact, len);
	g_free(exact);
	g_free(data);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fuzz_replay FILE|DIR...\n");
		return 2;
	}
	int bad = 0, n = 0;
	for (int i = 1; i < argc; i++) {
		if (!g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
			bad |= replay_file(argv[i]);
			n++;
			continue;
		}
		GDir *d = g_dir_open(argv[i], 0, NULL);
		GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
		const char *name;
		while (d && (name = g_dir_read_name(d)))
			if (!g_str_has_prefix(name, "README"))
				g_ptr_array_add(names, g_build_filename(argv[i], name, NULL));
		if (d)
			g_dir_close(d);
		g_ptr_array_sort(names, cmp_names);
		for (guint j = 0; j < names->len; j++) {
			if (g_file_test(g_ptr_array_index(names, j), G_FILE_TEST_IS_REGULAR)) {
				bad |= replay_file(g_ptr_array_index(names, j));
				n++;
			}
		}
		g_ptr_array_unref(names);
	}
	fprintf(stderr, "fuzz_replay: %d input(s), no crash\n", n);
	return bad;
}
