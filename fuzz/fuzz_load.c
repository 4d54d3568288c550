/* \summary: fuzz target: scenario loader with overrides, units, distributions, price tables, profiles */
#include "fuzz_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "dist.h"
#include "prices.h"
#include "profile.h"
#include "scenario.h"
#include "units.h"

/* fuzz_tree.c: a private temporary tree for the scenario file, removed at
 * exit (apart, since <unistd.h>'s link() collides with node.h's type). */
char *fuzz_tree_new(void);

/*
 * One input is a text that every reader of text in vpcsim gets to see, so
 * one corpus (the bundled scenarios, price tables and profiles) seeds all
 * of them and one 60-second run covers them all:
 *
 *  - the scenario loader reads it as a scenario file, with the overrides
 *    written in it as comment lines "#set GROUP.KEY=VALUE" (a comment, so
 *    every seed is still a valid scenario); a scenario it accepts is then
 *    built into a network (not run) and freed, since the builder trusts
 *    what the loader let through;
 *  - the price table and profile loaders read it as their own file;
 *  - the unit and distribution parsers read the value of each of its first
 *    lines ("key = VALUE", or the whole line) as every unit kind; a
 *    distribution they accept is sampled, its mean taken, and its
 *    canonical text must read back to the same text, as dist.h promises.
 *
 * The scenario is written to a private temporary directory laid out so that
 * both the bundled scenarios' "prices/us-east-1.ini" and the test
 * scenarios' "../../scenarios/prices/us-east-1.ini" find the real tables.
 * A crash, a sanitizer report, a leak or a broken promise (abort) is a
 * finding; a clear error is the expected answer to bad input.
 */

#define MAX_OVERRIDES 16
#define MAX_VALUE_LINES 64

static char *fuzz_file; /* where the scenario text goes, in fuzz_tree_new()'s tree */

static void fuzz__setup(void)
{
	if (fuzz_file)
		return;
	fuzz_file = fuzz_tree_new();
	/* A g_return_if_fail() reached from input is a bug found, not noise. */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
}

static void fuzz__fail(const char *what, const char *text, const char *detail)
{
	fprintf(stderr, "fuzz_load: %s\n  input: '%s'\n  %s\n", what, text, detail ? detail : "");
	abort();
}

/* A parsed distribution is used as a run uses one, and its canonical text
 * must read back to itself. */
static void fuzz__use_dist(const dist *d, const char *text)
{
	rng r;
	rng_init(&r, 1, "fuzz");
	for (int i = 0; i < 8; i++) {
		(void)dist_sample(d, &r);
		if (d->kind == UNIT_TIME)
			(void)dist_sample_ns(d, &r);
	}
	(void)dist_mean(d);
	(void)dist_is_const(d);
	dist copy;
	dist_copy(&copy, d);
	char *canon = dist_to_string(&copy);
	dist back;
	GError *e = NULL;
	if (!dist_parse(canon, d->kind, &back, &e))
		fuzz__fail("dist_to_string() wrote a text dist_parse() refuses", text, e->message);
	char *again = dist_to_string(&back);
	if (strcmp(canon, again) != 0)
		fuzz__fail("dist_to_string() does not read back to itself", text, again);
	g_free(again);
	g_free(canon);
	dist_clear(&back);
	dist_clear(&copy);
}

static void fuzz__values(const char *text)
{
	char **lines = g_strsplit(text, "\n", MAX_VALUE_LINES + 1);
	for (guint i = 0; lines[i] && i < MAX_VALUE_LINES; i++) {
		const char *eq = strchr(lines[i], '=');
		const char *v = eq ? eq + 1 : lines[i];
		for (unit_kind k = UNIT_NONE; k <= UNIT_RATE; k++) {
			double x;
			sim_time t;
			GError *e = NULL;
			if (units_parse(v, k, &x, &e))
				g_free(units_format(x, k));
			else
				g_clear_error(&e);
			if (k == UNIT_TIME && !units_parse_time(v, &t, &e))
				g_clear_error(&e);
			dist d;
			if (dist_parse(v, k, &d, &e)) {
				fuzz__use_dist(&d, v);
				dist_clear(&d);
			} else {
				g_clear_error(&e);
			}
		}
	}
	g_strfreev(lines);
}

static void fuzz__scenario(const char *text, const char *raw, size_t size)
{
	/* Without G_FILE_SET_CONTENTS_CONSISTENT: no fsync on every input. */
	if (!g_file_set_contents_full(fuzz_file, raw, (gssize)size, G_FILE_SET_CONTENTS_NONE, 0600, NULL)) {
		fprintf(stderr, "fuzz_load: cannot write %s\n", fuzz_file);
		abort();
	}
	/* "#set G.K=V" comment lines are the overrides. */
	GPtrArray *ovr = g_ptr_array_new_with_free_func(g_free);
	char **lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l && ovr->len < MAX_OVERRIDES; l++)
		if (g_str_has_prefix(*l, "#set "))
			g_ptr_array_add(ovr, g_strdup(*l + 5));
	g_strfreev(lines);
	g_ptr_array_add(ovr, NULL);

	GError *e = NULL;
	scenario *sc = scenario_load(fuzz_file, (const char *const *)ovr->pdata, &e);
	if (sc) {
		world_options wo = { 0 };
		world *w = world_new(sc, &wo, &e);
		if (w)
			world_free(w);
		else
			g_clear_error(&e);
		scenario_free(sc);
	} else {
		if (!e || !e->message || !*e->message)
			fuzz__fail("scenario_load() failed without a message", fuzz_file, NULL);
		g_clear_error(&e);
	}
	g_ptr_array_unref(ovr);
}

int fuzz_load_one(const uint8_t *data, size_t size)
{
	fuzz__setup();
	/* Files get every byte, NULs included, as a file on disk could hold
	 * them; the string parsers get the text up to the first NUL. */
	const char *raw = (const char *)data;
	char *text = g_strndup(raw, size);

	fuzz__scenario(text, raw, size);

	GError *e = NULL;
	prices *pr = prices_load_data(raw, size, "fuzz-prices.ini", &e);
	if (pr)
		prices_free(pr);
	else
		g_clear_error(&e);
	profile *pf = profile_load_data(raw, size, "fuzz-profile.ini", &e);
	if (pf)
		profile_free(pf);
	else
		g_clear_error(&e);

	fuzz__values(text);
	g_free(text);
	return 0;
}

#ifdef VPCSIM_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_load_one(data, size); }
#endif
