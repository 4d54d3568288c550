/* \summary: sweeps: iteration variables, grid, constraint, seeds; the command's jobs, resume, shards, merge, parallel */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "harness.h"
#include "sweep.h"

/* A sweep file in a fresh folder; `body` is printf'd with the absolute
 * paths of alb-peering.ini and alb-privatelink.ini. */
static char *write_sweep(const char *dir, const char *name, const char *body)
{
	char *peer = harness_source_path("scenarios/alb-peering.ini");
	char *pl = harness_source_path("scenarios/alb-privatelink.ini");
	char *text = g_strdup_printf("[sweep]\noptions = %s, %s\n%s", peer, pl, body);
	char *path = g_build_filename(dir, name, NULL);
	g_assert(g_file_set_contents(path, text, -1, NULL));
	g_free(text);
	g_free(peer);
	g_free(pl);
	return path;
}

static sweep *load_text(const char *body, GError **err)
{
	char *dir = harness_tmpdir();
	char *path = write_sweep(dir, "s.ini", body);
	sweep *s = sweep_load(path, err);
	g_free(path);
	harness_rmtree(dir);
	g_free(dir);
	return s;
}

/* The error message of a sweep that must not load ("" if it loaded). */
static char *load_error(const char *body)
{
	GError *err = NULL;
	sweep *s = load_text(body, &err);
	if (s) {
		sweep_free(s);
		return g_strdup("");
	}
	char *m = g_strdup(err->message);
	g_error_free(err);
	return m;
}

static void test_grid_order_and_ranges(void)
{
	GError *err = NULL;
	sweep *s = load_text("repeat = 2\n[set]\nworkload:web.rate = ${rate=10,100}/s\n"
	                     "workload:web.response_size = ${kb=0.1..0.3 step 0.1}KB\n",
	                     &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->vars->len, 2);
	CU_ASSERT_EQUAL(s->points->len, 6);
	CU_ASSERT_EQUAL(sweep_n_runs(s), 6 * 2 * 2);
	/* The first variable varies slowest; ranges are counted, not summed. */
	const char *expect[6][2] = { { "10", "0.1" },  { "10", "0.2" },  { "10", "0.3" },
		                     { "100", "0.1" }, { "100", "0.2" }, { "100", "0.3" } };
	for (guint p = 0; p < 6; p++) {
		CU_ASSERT_STRING_EQUAL(sweep_value(s, p, 0), expect[p][0]);
		CU_ASSERT_STRING_EQUAL(sweep_value(s, p, 1), expect[p][1]);
	}
	/* Runs: point, then repetition, then option. */
	sweep_run r = sweep_run_at(s, 13);
	CU_ASSERT_EQUAL(r.point, 3);
	CU_ASSERT_EQUAL(r.rep, 0);
	CU_ASSERT_EQUAL(r.option, 1);
	char **o = sweep_overrides(s, 13);
	CU_ASSERT_STRING_EQUAL(o[0], "workload:web.rate=100/s");
	CU_ASSERT_STRING_EQUAL(o[1], "workload:web.response_size=0.1KB");
	CU_ASSERT(g_str_has_prefix(o[2], "scenario.seed="));
	CU_ASSERT_PTR_NULL(o[3]);
	g_strfreev(o);
	sweep_free(s);

	s = load_text("[set]\nvars.n = ${n=2..50 step 4}\n", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->points->len, 13); /* 2, 6, ..., 50 */
	CU_ASSERT_STRING_EQUAL(sweep_value(s, 12, 0), "50");
	sweep_free(s);
	s = load_text("[set]\nvars.n = ${n=10..1 step -3}\n", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->points->len, 4); /* 10, 7, 4, 1 */
	CU_ASSERT_STRING_EQUAL(sweep_value(s, 3, 0), "1");
	sweep_free(s);
}

static void test_lockstep_references_constraint(void)
{
	GError *err = NULL;
	sweep *s = load_text("constraint = $rate * $kb <= 1000 && $mode != 'skip'\n"
	                     "[set]\nworkload:web.rate = ${rate=10,100,1000}/s\n"
	                     "workload:web.response_size = ${kb=1,5,10}KB\n"
	                     "vars.clients = ${c=2,4,8 ! kb}\n"
	                     "workload:web.request_size = ${kb}KB\n"
	                     "scenario.description = ${mode=run,skip}\n",
	                     &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* Independent: rate x kb x mode = 18; c follows kb.  Kept: mode=run
	 * and rate*kb <= 1000: (10,1) (10,5) (10,10) (100,1) (100,5) (100,10)
	 * (1000,1) = 7. */
	CU_ASSERT_EQUAL(s->points->len, 7);
	for (guint p = 0; p < s->points->len; p++) {
		const char *kb = sweep_value(s, p, 1), *c = sweep_value(s, p, 2);
		CU_ASSERT_STRING_EQUAL(c, strcmp(kb, "1") == 0 ? "2" : strcmp(kb, "5") == 0 ? "4" : "8");
		CU_ASSERT_STRING_EQUAL(sweep_value(s, p, 3), "run");
	}
	char **o = sweep_overrides(s, 1 * 2); /* point 1: rate=10 kb=5 */
	CU_ASSERT_STRING_EQUAL(o[1], "workload:web.response_size=5KB");
	CU_ASSERT_STRING_EQUAL(o[2], "vars.clients=4");
	CU_ASSERT_STRING_EQUAL(o[3], "workload:web.request_size=5KB");
	g_strfreev(o);
	sweep_free(s);
}

static void test_errors_name_file_group_key(void)
{
	char *m = load_error("[set]\nworkload:web.rate = ${rat}/s\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "[set] workload:web.rate: ${rat} is not defined"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "s.ini"));
	g_free(m);
	m = load_error("[set]\na.b = ${x=1,2}\nc.d = ${x=3}\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "[set] c.d: ${x=...} defines 'x' a second time"));
	g_free(m);
	m = load_error("[set]\na.b = ${x=5..1 step 1}\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "never reaches its end"));
	g_free(m);
	m = load_error("[set]\na.b = ${x=1..2 step q}\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "is not a range"));
	g_free(m);
	m = load_error("[set]\na.b = ${x=1,2}\nc.d = ${y=1,2,3 ! x}\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "${y} has 3 values and advances with ${x}, which has 2"));
	g_free(m);
	m = load_error("[set]\na.b = ${x=1,2 ! y}\nc.d = ${y=1,2 ! x}\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "circle"));
	g_free(m);
	m = load_error("constraint = $x >\n[set]\na.b = ${x=1,2}\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "[sweep] constraint: '$x >'"));
	g_free(m);
	m = load_error("constraint = $x > 5\n[set]\na.b = ${x=1,2}\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "rejects every point"));
	g_free(m);
	/* Each problem names its line (the file's lines 1 and 2 are [sweep]
	 * and options). */
	m = load_error("repeat = 0\nbogus = 1\n[set]\nnodot = 1\n[other]\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "s.ini:3: [sweep] repeat: '0' is not a whole number from 1 to 1000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "s.ini:4: [sweep] bogus: unknown key"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "s.ini:6: [set] nodot: 'nodot' is not GROUP.KEY"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "s.ini:7: [other]: unknown group"));
	g_free(m);

	char *dir = harness_tmpdir();
	char *path = g_build_filename(dir, "x.ini", NULL);
	g_assert(g_file_set_contents(path, "[sweep]\noptions = no-such-option\n", -1, NULL));
	GError *err = NULL;
	CU_ASSERT_PTR_NULL(sweep_load(path, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "[sweep] options: 'no-such-option' is neither"));
	g_clear_error(&err);
	/* A bundled scenario by name, from a sweep file anywhere. */
	g_assert(g_file_set_contents(path, "[sweep]\noptions = alb-tgw alb-public\n", -1, NULL));
	sweep *s = sweep_load(path, &err);
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s)
		CU_ASSERT_STRING_EQUAL(g_ptr_array_index(s->option_names, 1), "alb-public");
	sweep_free(s);
	g_free(path);
	harness_rmtree(dir);
	g_free(dir);
}

/* A point's seed depends on its values, not on where it sits in the grid. */
static void test_seeds_stable_when_points_are_added(void)
{
	GError *err = NULL;
	sweep *a = load_text("repeat = 3\n[set]\nworkload:web.rate = ${rate=100,1000}/s\n", &err);
	sweep *b = load_text("repeat = 3\n[set]\nworkload:web.rate = ${rate=10,100,500,1000}/s\n", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	/* rate=1000 is point 1 of a and point 3 of b; run = (point*3+rep)*2+option. */
	for (guint rep = 0; rep < 3; rep++) {
		sweep_run ra = sweep_run_at(a, (1 * 3 + rep) * 2), rb = sweep_run_at(b, (3 * 3 + rep) * 2);
		CU_ASSERT_EQUAL(ra.seed, rb.seed);
		/* Both options of a point and repetition share the seed. */
		CU_ASSERT_EQUAL(sweep_run_at(a, (1 * 3 + rep) * 2 + 1).seed, ra.seed);
	}
	CU_ASSERT_NOT_EQUAL(sweep_run_at(a, 0).seed, sweep_run_at(a, 2).seed);
	CU_ASSERT_NOT_EQUAL(sweep_run_at(a, 0).seed, sweep_run_at(a, 6).seed);
	sweep_free(a);
	sweep_free(b);
}

static const char *vars_xy(const char *name, gpointer data)
{
	(void)data;
	return strcmp(name, "x") == 0 ? "3" : strcmp(name, "s") == 0 ? "tgw" : NULL;
}

static gboolean eval(const char *e)
{
	gboolean r = FALSE;
	GError *err = NULL;
	if (!sweep_expr_eval(e, vars_xy, NULL, &r, &err)) {
		g_error_free(err);
		return -1;
	}
	return r;
}

static void test_expressions(void)
{
	CU_ASSERT_EQUAL(eval("1 + 2 * 3 == 7"), TRUE);
	CU_ASSERT_EQUAL(eval("(1 + 2) * 3 == 9"), TRUE);
	CU_ASSERT_EQUAL(eval("$x % 2 == 1 && ${x} >= 3"), TRUE);
	CU_ASSERT_EQUAL(eval("$x < 3 || $x > 3"), FALSE);
	CU_ASSERT_EQUAL(eval("!($x == 3)"), FALSE);
	CU_ASSERT_EQUAL(eval("-$x == -3"), TRUE);
	CU_ASSERT_EQUAL(eval("$s == 'tgw' && $s != \"peering\""), TRUE);
	CU_ASSERT_EQUAL(eval("1e3 / 4 <= 250"), TRUE);
	CU_ASSERT_EQUAL(eval("$s < 'x'"), -1);
	CU_ASSERT_EQUAL(eval("$y > 1"), -1);
	CU_ASSERT_EQUAL(eval("1 / 0"), -1);
	CU_ASSERT_EQUAL(eval("(1"), -1);
	CU_ASSERT_EQUAL(eval("1 2"), -1);
	CU_ASSERT_EQUAL(eval("$s"), -1);
}

/* ---- the command -------------------------------------------------------- */

static const char *small_sweep = "repeat = 2\nduration = 300ms\n"
                                 "[set]\nworkload:web.rate = ${rate=20,80}/s\n"
                                 "workload:web.response_size = ${kb=1,16 ! rate}KB\n";

/* Runs of about a third of a second each, so a kill lands mid-sweep (one
 * connection per client, as when this timing was set: a pool of six makes
 * each run heavier, several seconds under the sanitizers). */
static const char *slow_sweep = "repeat = 2\nduration = 5s\n"
                                "[set]\nworkload:web.rate = ${rate=100,150}/s\n"
                                "workload:web.response_size = 1MB\n"
                                "workload:web.max_connections = 1\n";

static guint count_lines(const char *text)
{
	char **l = g_strsplit(text, "\n", -1);
	guint n = g_strv_length(l);
	g_strfreev(l);
	return n;
}

/* Not inlined: GCC 12 at -O2 then takes strstr() into the result for a
 * dangling pointer to the local that held it (-Wdangling-pointer). */
G_GNUC_NO_INLINE static char *file_text(const char *dir, const char *name)
{
	char *path = g_build_filename(dir, name, NULL);
	char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		text = g_strdup("");
	g_free(path);
	return text;
}

static guint count_files(const char *dir, const char *sub)
{
	char *path = g_build_filename(dir, sub, NULL);
	GDir *d = g_dir_open(path, 0, NULL);
	guint n = 0;
	for (const char *name; d && (name = g_dir_read_name(d));)
		n++;
	if (d)
		g_dir_close(d);
	g_free(path);
	return n;
}

/* The runs with a row in DIR/runs: NNNNNNN.ini files and the whole
 * records of workers' .rows files (header "vpcsim-row RUN LENGTH SUM", then
 * LENGTH bytes; a record cut short ends its file). */
static guint count_rows(const char *dir)
{
	char *path = g_build_filename(dir, "runs", NULL);
	GDir *d = g_dir_open(path, 0, NULL);
	GHashTable *runs = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (const char *name; d && (name = g_dir_read_name(d));) {
		if (strlen(name) == 11 && g_str_has_suffix(name, ".ini")) {
			g_hash_table_add(runs, GUINT_TO_POINTER(g_ascii_strtoull(name, NULL, 10) + 1));
			continue;
		}
		if (!g_str_has_suffix(name, ".rows"))
			continue;
		char *text = file_text(path, name);
		gsize size = strlen(text);
		for (const char *at = text; g_str_has_prefix(at, "vpcsim-row ");) {
			char *end = NULL;
			guint64 run = g_ascii_strtoull(at + 11, &end, 10);
			guint64 len = g_ascii_strtoull(end, NULL, 10);
			const char *nl = strchr(at, '\n');
			if (!nl || len > size - (gsize)(nl + 1 - text))
				break;
			g_hash_table_add(runs, GUINT_TO_POINTER(run + 1));
			at = nl + 1 + len;
		}
		g_free(text);
	}
	if (d)
		g_dir_close(d);
	g_free(path);
	guint n = g_hash_table_size(runs);
	g_hash_table_destroy(runs);
	return n;
}

static void test_command_jobs_resume_shards_merge(void)
{
	char *dir = harness_tmpdir();
	char *file = write_sweep(dir, "small.ini", small_sweep);
	char *a = g_build_filename(dir, "a", NULL), *b = g_build_filename(dir, "b", NULL);
	char *out = NULL, *err = NULL;

	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "sweep", file, "--dry-run", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "2 points x 2 repetitions x 2 options = 8 runs"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "rate=80 kb=16"));
	g_free(out);
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "sweep", file, "--dry-run", "--shard", "2/3", NULL), 0);
	/* Runs 1, 4, 7. */
	CU_ASSERT_EQUAL(count_lines(out) - 3, 3);
	g_free(out);

	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", file, "--jobs", "1", "--out", a, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "8 of 8 runs"));
	g_free(err);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "sweep", file, "--jobs", "2", "--out", b, NULL), 0);
	char *ra = file_text(a, "results.csv"), *rb = file_text(b, "results.csv");
	CU_ASSERT_EQUAL(count_lines(ra), 1 + 8 + 1);
	CU_ASSERT_STRING_EQUAL(ra, rb);
	char *sa = file_text(a, "summary.csv"), *sb = file_text(b, "summary.csv");
	CU_ASSERT_STRING_EQUAL(sa, sb);
	CU_ASSERT_PTR_NOT_NULL(strstr(sa, "point,rate,kb,option,repetitions,ok,p50_ms_mean,p50_ms_ci95"));
	g_free(sb);
	g_free(rb);

	/* The workers' rows are in one file each. */
	CU_ASSERT_EQUAL(count_rows(b), 8);
	CU_ASSERT(count_files(b, "runs") <= 2);

	/* Resume: a record cut short at the end of a worker's file (killed
	 * while writing it) is no row; its run is run again, the others are
	 * not touched. */
	char *runs_b = g_build_filename(b, "runs", NULL);
	GDir *rd = g_dir_open(runs_b, 0, NULL);
	const char *lname = rd ? g_dir_read_name(rd) : NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(lname);
	char *log = g_build_filename(runs_b, lname, NULL);
	g_dir_close(rd);
	char *text = NULL;
	gsize size = 0;
	CU_ASSERT_FATAL(g_file_get_contents(log, &text, &size, NULL));
	CU_ASSERT_FATAL(g_file_set_contents(log, text, (gssize)size - 10, NULL));
	g_free(text);
	CU_ASSERT_EQUAL(count_rows(b), 7);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", file, "--out", b, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "7 of 8 runs already in"));
	g_free(err);
	rb = file_text(b, "results.csv");
	CU_ASSERT_STRING_EQUAL(ra, rb);
	g_free(rb);
	/* A changed byte inside a record fails its checksum: that record and
	 * those after it in its file are run again. */
	CU_ASSERT_FATAL(g_file_get_contents(log, &text, &size, NULL));
	char *body = strstr(text, "\n[run]");
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	body[3] ^= 0x20;
	CU_ASSERT_FATAL(g_file_set_contents(log, text, (gssize)size, NULL));
	g_free(text);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", file, "--out", b, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "runs already in"));
	g_free(err);
	rb = file_text(b, "results.csv");
	CU_ASSERT_STRING_EQUAL(ra, rb);
	g_free(rb);
	g_free(log);
	g_free(runs_b);

	/* Shards and a job array's indices, merged, equal the whole. */
	char *c = g_build_filename(dir, "c", NULL), *d = g_build_filename(dir, "d", NULL);
	char *e = g_build_filename(dir, "e", NULL), *m = g_build_filename(dir, "m", NULL);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "sweep", file, "--shard", "1/2", "--out", c, NULL), 0);
	CU_ASSERT_EQUAL(count_rows(c), 4);
	for (int i = 0; i < 8; i += 2) {
		char idx[8];
		g_snprintf(idx, sizeof idx, "%d", i + 1);
		CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "sweep", file, "--index", idx, "--out", d,
		                                 NULL),
		                0);
	}
	/* A task of one run writes its row as NNNNNNN.ini. */
	CU_ASSERT_EQUAL(count_files(d, "runs"), 4);
	CU_ASSERT_EQUAL(count_rows(d), 4);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", "merge", "--out", m, c, d, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "8 of 8 runs"));
	g_free(err);
	char *rm = file_text(m, "results.csv");
	CU_ASSERT_STRING_EQUAL(ra, rm);
	g_free(rm);
	/* A run whose rows differ between folders is refused. */
	char *r1 = g_build_filename(d, "runs", "0000001.ini", NULL);
	char *row1 = NULL;
	CU_ASSERT_FATAL(g_file_get_contents(r1, &row1, NULL, NULL));
	char *edited = g_strconcat(row1, "# edited\n", NULL);
	CU_ASSERT_FATAL(g_file_set_contents(r1, edited, -1, NULL));
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", "merge", "--out", e, a, d, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "run 1 differs"));
	g_free(err);
	CU_ASSERT_FATAL(g_file_set_contents(r1, row1, -1, NULL));
	g_free(edited);
	g_free(row1);
	g_free(r1);
	/* Incomplete merges say so and exit 1. */
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", "merge", "--out", e, c, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "4 of 8 runs"));
	g_free(err);

	/* Results of another sweep file do not mix, in a merge or a resume. */
	char *other = write_sweep(dir, "other.ini", "duration = 300ms\n");
	char *f = g_build_filename(dir, "f", NULL);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "sweep", other, "--out", f, NULL), 0);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", "merge", "--out", e, a, f, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "do not mix"));
	g_free(err);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", file, "--out", f, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "do not mix"));
	g_free(err);

	/* JSON lines carry the same rows. */
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "sweep", "merge", "--format", "jsonl", a, NULL), 0);
	char *j = file_text(a, "results.jsonl");
	CU_ASSERT_EQUAL(count_lines(j), 8 + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "{\"run\":0,\"point\":0,\"vars\":{\"rate\":20,\"kb\":1},"
	                                 "\"option\":\"alb-peering\",\"repetition\":0,\"seed\":\""));
	g_free(j);

	/* Bad command lines exit 2 and name the option. */
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", file, "--shard", "3/2", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--shard '3/2'"));
	g_free(err);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", file, "--index", "8", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "runs 0 to 7"));
	g_free(err);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", file, "--jobs", "-3", NULL), 2);
	g_free(err);

	g_free(ra);
	g_free(sa);
	g_free(other);
	g_free(f);
	g_free(c);
	g_free(d);
	g_free(e);
	g_free(m);
	g_free(a);
	g_free(b);
	g_free(file);
	harness_rmtree(dir);
	g_free(dir);
}

/* The README's --dry-run sample is what the command prints. */
static void test_readme_dry_run_sample(void)
{
	char *readme = harness_source_text("README.md");
	char *out = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(&out, NULL, "sweep", "scenarios/sweeps/s3-volume.ini", "--dry-run",
	                                 NULL),
	                0);
	char **lines = g_strsplit(out, "\n", 4);
	for (int i = 0; i < 3 && lines[i]; i++) {
		char *want = g_strdup_printf("\n%s\n", lines[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(readme, want));
		g_free(want);
	}
	g_strfreev(lines);
	g_free(out);
	g_free(readme);
}

/* kill -9 of the sweep at any moment loses nothing that was finished and
 * leaves no half row: started again, it completes with the same table. */
static void test_killed_sweep_resumes(void)
{
	char *dir = harness_tmpdir();
	char *file = write_sweep(dir, "slow.ini", slow_sweep);
	char *a = g_build_filename(dir, "a", NULL), *b = g_build_filename(dir, "b", NULL);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "sweep", file, "--jobs", "2", "--out", a, NULL), 0);

	const char *bin = g_getenv("VPCSIM_BIN");
	char *src = harness_source_path(".");
	const char *argv[] = { bin, "sweep", file, "--jobs", "2", "--out", b, NULL };
	int killed = 0;
	for (int round = 0; round < 3; round++) {
		GPid pid;
		CU_ASSERT_FATAL(g_spawn_async(src, (char **)argv, NULL,
		                              G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
		                                      G_SPAWN_STDERR_TO_DEV_NULL,
		                              NULL, NULL, &pid, NULL));
		/* Let it finish a few runs (more each round), then kill it. */
		for (int i = 0; i < 200 && count_rows(b) < 2u + 2u * (guint)round; i++)
			g_usleep(10000);
		killed += count_rows(b) < 8;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	/* At least one kill landed before the end (else nothing was tested). */
	CU_ASSERT(killed > 0);
	/* Ctrl-C: the workers are killed, the rows kept, no stray files; the
	 * sweep ends by the signal. */
	if (count_rows(b) < 8) {
		GPid pid;
		CU_ASSERT_FATAL(g_spawn_async(src, (char **)argv, NULL,
		                              G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
		                                      G_SPAWN_STDERR_TO_DEV_NULL,
		                              NULL, NULL, &pid, NULL));
		/* Ctrl-C once it runs workers: it has removed what the killed
		 * rounds left (a parent interrupted while it starts has nothing
		 * to clean up and leaves their files for the next sweep). */
		char *kids = g_strdup_printf("/proc/%d/task/%d/children", (int)pid, (int)pid);
		for (int i = 0; i < 1000; i++) {
			char *text = NULL;
			gboolean any = g_file_get_contents(kids, &text, NULL, NULL) && text[0];
			g_free(text);
			if (any || !g_file_test(kids, G_FILE_TEST_EXISTS))
				break;
			g_usleep(10000);
		}
		g_free(kids);
		g_usleep(50000);
		kill(pid, SIGINT);
		int status = 0;
		waitpid(pid, &status, 0);
		CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
		char *runs = g_build_filename(b, "runs", NULL);
		GDir *d = g_dir_open(runs, 0, NULL);
		for (const char *name; d && (name = g_dir_read_name(d));)
			CU_ASSERT((strlen(name) == 11 && g_str_has_suffix(name, ".ini")) ||
			          g_str_has_suffix(name, ".rows"));
		if (d)
			g_dir_close(d);
		g_free(runs);
	}
	g_usleep(100000); /* the orphaned workers die with their parent */
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "sweep", file, "--jobs", "2", "--out", b, NULL), 0);
	char *ra = file_text(a, "results.csv"), *rb = file_text(b, "results.csv");
	CU_ASSERT_STRING_EQUAL(ra, rb);
	/* Rows, results and summary; no temporary files left. */
	CU_ASSERT_EQUAL(count_rows(b), 8);
	CU_ASSERT_EQUAL(count_files(b, "."), 3);
	g_free(ra);
	g_free(rb);
	g_free(src);
	g_free(a);
	g_free(b);
	g_free(file);
	harness_rmtree(dir);
	g_free(dir);
}

/* A run over its wall-time cap is a row with its reason, not a stuck sweep. */
static void test_point_timeout_is_a_row(void)
{
	char *dir = harness_tmpdir();
	char *file = write_sweep(dir, "long.ini", "duration = 1h\n");
	char *a = g_build_filename(dir, "a", NULL);
	char *err = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", file, "--point-timeout", "0.3", "--out", a,
	                                 NULL),
	                1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "2 of 2 runs"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "2 failed"));
	g_free(err);
	char *r = file_text(a, "results.csv");
	CU_ASSERT_PTR_NOT_NULL(strstr(r, ",timeout,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "stopped after the --point-timeout of 0.3 s"));
	g_free(r);
	g_free(a);
	g_free(file);
	harness_rmtree(dir);
	g_free(dir);
}

/* The first child pid of `pid` (its workers), 0 if none yet. */
static GPid first_child(GPid pid)
{
	char *path = g_strdup_printf("/proc/%d/task/%d/children", (int)pid, (int)pid);
	char *text = NULL;
	GPid child = 0;
	if (g_file_get_contents(path, &text, NULL, NULL))
		child = (GPid)g_ascii_strtoll(text, NULL, 10);
	g_free(text);
	g_free(path);
	return child;
}

/* A worker killed in the middle of a run (as the OOM killer would) costs
 * that run, a row saying so, and nothing else: the sweep starts another
 * worker and finishes the rest. */
static void test_killed_worker_is_a_row(void)
{
	if (!g_file_test("/proc/thread-self/children", G_FILE_TEST_EXISTS)) {
		printf("(no /proc/PID/task/PID/children here: skipped) ");
		return;
	}
	char *dir = harness_tmpdir();
	char *file = write_sweep(dir, "slow.ini", slow_sweep);
	char *b = g_build_filename(dir, "b", NULL);
	const char *argv[] = { g_getenv("VPCSIM_BIN"), "sweep", file, "--jobs", "1", "--out", b, NULL };
	GPid pid;
	CU_ASSERT_FATAL(g_spawn_async(NULL, (char **)argv, NULL,
	                              G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
	                                      G_SPAWN_STDERR_TO_DEV_NULL,
	                              NULL, NULL, &pid, NULL));
	GPid worker = 0;
	for (int i = 0; i < 1000 && !(worker = first_child(pid)); i++)
		g_usleep(10000);
	CU_ASSERT(worker > 0);
	g_usleep(100000);
	if (worker > 0)
		kill(worker, SIGKILL);
	int status = 0;
	waitpid(pid, &status, 0);
	/* A run failed: exit 1. */
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	char *r = file_text(b, "results.csv");
	CU_ASSERT_PTR_NOT_NULL(strstr(r, ",crashed,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "the run died of signal 9"));
	/* The run that was running is the one blamed (the worker said it
	 * started run 0, a third of a second long, 0.1 s before the kill),
	 * not one queued behind it. */
	char *first = strstr(r, "\n0,");
	char *eol = first ? strchr(first + 1, '\n') : NULL;
	if (eol)
		*eol = '\0';
	CU_ASSERT(first && strstr(first, ",crashed,"));
	if (eol)
		*eol = '\n';
	/* The other seven ran on a new worker. */
	char **lines = g_strsplit(r, "\n", -1);
	guint ok = 0;
	for (guint i = 1; lines[i]; i++)
		ok += strstr(lines[i], ",ok,") != NULL;
	CU_ASSERT_EQUAL(ok, 7);
	g_strfreev(lines);
	g_free(r);
	g_free(b);
	g_free(file);
	harness_rmtree(dir);
	g_free(dir);
}

/* --plot: a data file and script per figure and variable, the means of
 * the summary in them, images when gnuplot is installed. */
static void test_plots(void)
{
	char *dir = harness_tmpdir();
	char *file = write_sweep(dir, "small.ini", small_sweep);
	char *a = g_build_filename(dir, "a", NULL), *pl = g_build_filename(dir, "plots", NULL);
	char *err = NULL;
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, &err, "sweep", file, "--out", a, "--plot", pl, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "plots written to") || strstr(err, "scripts written to"));
	g_free(err);
	/* rate and kb both change: 4 figures against each. */
	CU_ASSERT_EQUAL(count_files(pl, "."), harness_have("gnuplot") ? 4 * 2 * 3 : 4 * 2 * 2);
	char *dat = file_text(pl, "p50_ms-vs-rate.dat");
	char *gp = file_text(pl, "p50_ms-vs-rate.gp");
	char *sum = file_text(a, "summary.csv");
	/* kb advances with rate, so it does not split the lines: one per option. */
	CU_ASSERT_PTR_NOT_NULL(strstr(dat, "# alb-peering\n20 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(dat, "# alb-privatelink\n20 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(gp, "title \"alb-privatelink\""));
	CU_ASSERT_PTR_NULL(strstr(dat, "kb="));
	/* Each line's mean is the summary's p50_ms_mean of that point and option. */
	char **lines = g_strsplit(sum, "\n", -1);
	for (guint i = 1; lines[i] && *lines[i]; i++) {
		char **f = g_strsplit(lines[i], ",", -1);
		/* point,rate,kb,option,repetitions,ok,p50_ms_mean,... */
		char *want = g_strdup_printf("# %s\n", f[3]);
		const char *block = strstr(dat, want);
		CU_ASSERT_PTR_NOT_NULL(block);
		if (block) {
			char *row = g_strdup_printf("\n%s %s ", f[1], f[6]);
			CU_ASSERT_PTR_NOT_NULL(strstr(block, row));
			g_free(row);
		}
		g_free(want);
		g_strfreev(f);
	}
	g_strfreev(lines);
	if (harness_have("gnuplot")) {
		char *png = file_text(pl, "p99_ms-vs-kb.png");
		CU_ASSERT(g_str_has_prefix(png, "\x89PNG"));
		g_free(png);
	}
	g_free(dat);
	g_free(gp);
	g_free(sum);
	g_free(pl);
	g_free(a);
	g_free(file);
	harness_rmtree(dir);
	g_free(dir);
}

/* GNU parallel spreads shards over hosts; here over two local slots. */
static void test_gnu_parallel_shards(void)
{
	if (!harness_have("parallel")) {
		fprintf(stderr, "skipped: GNU parallel is not installed (.ci/deps installs it)\n");
		return;
	}
	char *dir = harness_tmpdir();
	char *file = write_sweep(dir, "small.ini", small_sweep);
	char *a = g_build_filename(dir, "a", NULL);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "sweep", file, "--out", a, NULL), 0);
	const char *bin = g_getenv("VPCSIM_BIN");
	char *cmd = g_strdup_printf("%s sweep %s --shard {}/3 --jobs 1 --out %s/shard-{}", bin, file,
	                            dir);
	const char *argv[] = { "parallel", "--will-cite", "--jobs", "2", cmd, ":::", "1", "2", "3", NULL };
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(harness_run(argv, &out, &err), 0);
	g_free(out);
	g_free(err);
	char *m = g_build_filename(dir, "m", NULL);
	char *s1 = g_build_filename(dir, "shard-1", NULL), *s2 = g_build_filename(dir, "shard-2", NULL),
	     *s3 = g_build_filename(dir, "shard-3", NULL);
	CU_ASSERT_EQUAL(harness_vpcsim_v(NULL, NULL, "sweep", "merge", "--out", m, s1, s2, s3, NULL), 0);
	char *ra = file_text(a, "results.csv"), *rm = file_text(m, "results.csv");
	CU_ASSERT_STRING_EQUAL(ra, rm);
	g_free(ra);
	g_free(rm);
	g_free(s1);
	g_free(s2);
	g_free(s3);
	g_free(m);
	g_free(cmd);
	g_free(a);
	g_free(file);
	harness_rmtree(dir);
	g_free(dir);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("sweep files");
	CU_add_test(s, "grid order and ranges", test_grid_order_and_ranges);
	CU_add_test(s, "lock-step, references, constraint", test_lockstep_references_constraint);
	CU_add_test(s, "errors name file, group, key", test_errors_name_file_group_key);
	CU_add_test(s, "seeds stable when points are added", test_seeds_stable_when_points_are_added);
	CU_add_test(s, "constraint expressions", test_expressions);
	CU_pSuite c = harness_suite("sweep command");
	CU_add_test(c, "jobs, resume, shards, merge", test_command_jobs_resume_shards_merge);
	CU_add_test(c, "README dry-run sample", test_readme_dry_run_sample);
	CU_add_test(c, "killed sweep resumes", test_killed_sweep_resumes);
	CU_add_test(c, "point timeout is a row", test_point_timeout_is_a_row);
	CU_add_test(c, "killed worker is a row", test_killed_worker_is_a_row);
	CU_add_test(c, "plots", test_plots);
	CU_add_test(c, "GNU parallel shards", test_gnu_parallel_shards);
}
