/* \summary: replays every input the fuzzer ever crashed on (tests/fuzz-crashes/) through the fuzz target */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "fuzz_load.h"

/*
 * Each file under tests/fuzz-crashes/ is an input that once crashed the
 * fuzz target (fuzz/fuzz_load.c) and was fixed.  Replaying them here keeps
 * them fixed: a crash or, in the sanitized build, any sanitizer report
 * fails the test (the sanitizers abort the program).  The seed corpus
 * (bundled and test scenarios, price tables, profiles) is replayed too,
 * so the target itself stays sound.
 */

static guint replay_dir(const char *rel)
{
	char *dir = harness_source_path(rel);
	GDir *d = g_dir_open(dir, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(d);
	guint n = 0;
	const char *name;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	while (d && (name = g_dir_read_name(d)))
		if (!g_str_has_prefix(name, "README"))
			g_ptr_array_add(names, g_build_filename(dir, name, NULL));
	if (d)
		g_dir_close(d);
	for (guint i = 0; i < names->len; i++) {
		const char *path = g_ptr_array_index(names, i);
		char *data = NULL;
		gsize len = 0;
		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR) || !g_file_get_contents(path, &data, &len, NULL))
			continue;
		/* Named first, so a crash says which input it was. */
		fprintf(stderr, "replay %s\n", path);
		/* As libFuzzer hands it over: exactly `len` bytes, no NUL after
		 * them (an empty input is one byte that is not NUL), so reading
		 * past the end is caught by AddressSanitizer. */
		uint8_t *exact = g_malloc(MAX(len, 1));
		memcpy(exact, data, len);
		if (len == 0)
			exact[0] = '#';
		CU_ASSERT_EQUAL(fuzz_load_one(exact, len), 0);
		g_free(exact);
		g_free(data);
		n++;
	}
	g_ptr_array_unref(names);
	g_free(dir);
	return n;
}

/* Every input that once crashed the target (tests/fuzz-crashes/README). */
static void test_crashes(void)
{
	guint n = replay_dir("tests/fuzz-crashes");
	CU_ASSERT(n >= 2);
}

static void test_seeds(void)
{
	guint n = replay_dir("scenarios") + replay_dir("scenarios/prices") + replay_dir("scenarios/profiles") +
	          replay_dir("tests/scenarios") + replay_dir("fuzz/seeds");
	CU_ASSERT(n >= 20);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("fuzz replay");
	CU_add_test(s, "inputs the fuzzer once crashed on", test_crashes);
	CU_add_test(s, "the seed corpus", test_seeds);
}
