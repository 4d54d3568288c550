/* \summary: sweep summaries: means and 95% intervals over repetitions, and gnuplot figures against each variable */
#include "sweep.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "error.h"
#include "keyfile.h"
#include "outfile.h"

const char *const sweep_figures[SWEEP_N_FIGURES] = {
	"p50_ms", "p99_ms", "p999_ms", "wire_bytes_per_request", "usd_per_gb", "own_month_usd",
	"total_month_usd", "month_gb", "config_objects",
};

/* What each plotted figure is called on an axis. */
static const struct {
	const char *figure, *label;
} plotted[] = {
	{ "p50_ms", "latency p50 (ms)" },
	{ "p99_ms", "latency p99 (ms)" },
	{ "total_month_usd", "total USD per month" },
	{ "usd_per_gb", "variable USD per GB" },
	/* Plotted only where it changes (a sweep of the number of VPCs). */
	{ "config_objects", "AWS objects and entries to keep" },
};

void sweep_summary_clear(gpointer p)
{
	sweep_summary *s = p;
	g_strfreev(s->values);
	g_free(s->option);
}

static int fig_index(const char *name)
{
	for (int i = 0; i < SWEEP_N_FIGURES; i++)
		if (strcmp(sweep_figures[i], name) == 0)
			return i;
	return -1;
}

/* TRUE when every summary's value of variable v reads as a number. */
static gboolean numeric_var(const GArray *sums, guint v, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (guint i = 0; i < sums->len; i++) {
		double d;
		if (!kf_parse_number(g_array_index(sums, sweep_summary, i).values[v], &d))
			return FALSE;
		*lo = MIN(*lo, d);
		*hi = MAX(*hi, d);
	}
	return sums->len > 0;
}

/* TRUE when variable o has one value for each value of v (o advances in
 * lock-step with v): plotted against v, it does not split the lines. */
static gboolean follows_var(const GArray *sums, guint v, guint o)
{
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	gboolean same = TRUE;
	for (guint i = 0; same && i < sums->len; i++) {
		const sweep_summary *s = &g_array_index(sums, sweep_summary, i);
		const char *before = g_hash_table_lookup(seen, s->values[v]);
		if (before)
			same = strcmp(before, s->values[o]) == 0;
		else
			g_hash_table_insert(seen, s->values[v], s->values[o]);
	}
	g_hash_table_destroy(seen);
	return same;
}

typedef struct {
	double x, mean, ci;
} plot_point;

static gint point_cmp(gconstpointer a, gconstpointer b)
{
	double x = ((const plot_point *)a)->x, y = ((const plot_point *)b)->x;
	return x < y ? -1 : x > y;
}

/* Spans two decades or more, all positive: a log axis reads better. */
static gboolean wants_log(double lo, double hi) { return lo > 0 && hi / lo >= 100; }

static gboolean write_file(const char *path, const char *text, GError **error)
{
	outfile *o = outfile_open(path, NULL, error);
	return o && outfile_commit(o, fputs(text, outfile_stream(o)) >= 0, error);
}

/* One figure against one variable: a data file (a block per line) and a
 * script.  Returns FALSE with an error on I/O; *made says whether there
 * was anything to plot. */
static gboolean plot_one(const char *dir, const char *sweep_name, const char *const *vars, guint v,
                         const GArray *sums, guint pf, gboolean *made, GError **error)
{
	int fi = fig_index(plotted[pf].figure);
	const char *var = vars[v];
	/* Lines: an option and the values of the other variables. */
	GPtrArray *labels = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *lines = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
	double ylo = INFINITY, yhi = -INFINITY;
	for (guint i = 0; i < sums->len; i++) {
		const sweep_summary *s = &g_array_index(sums, sweep_summary, i);
		if (isnan(s->mean[fi]))
			continue;
		GString *lab = g_string_new(s->option);
		gboolean first = TRUE;
		for (guint o = 0; vars[o]; o++) {
			if (o == v || follows_var(sums, v, o))
				continue;
			g_string_append_printf(lab, "%s%s=%s", first ? " (" : ", ", vars[o], s->values[o]);
			first = FALSE;
		}
		if (!first)
			g_string_append_c(lab, ')');
		guint li = 0;
		while (li < labels->len && strcmp(g_ptr_array_index(labels, li), lab->str) != 0)
			li++;
		if (li == labels->len) {
			g_ptr_array_add(labels, g_strdup(lab->str));
			g_ptr_array_add(lines, g_array_new(FALSE, FALSE, sizeof(plot_point)));
		}
		g_string_free(lab, TRUE);
		plot_point p = { .mean = s->mean[fi], .ci = isnan(s->ci95[fi]) ? 0 : s->ci95[fi] };
		kf_parse_number(s->values[v], &p.x);
		g_array_append_val(g_ptr_array_index(lines, li), p);
		ylo = MIN(ylo, p.mean);
		yhi = MAX(yhi, p.mean);
	}
	*made = lines->len > 0;
	/* The configuration moves only with the topology's size: against
	 * another variable every line is flat, and makes no figure. */
	if (strcmp(plotted[pf].figure, "config_objects") == 0) {
		gboolean flat = TRUE;
		for (guint li = 0; flat && li < lines->len; li++) {
			GArray *pts = g_ptr_array_index(lines, li);
			for (guint k = 1; flat && k < pts->len; k++)
				flat = g_array_index(pts, plot_point, k).mean == g_array_index(pts, plot_point, 0).mean;
		}
		*made = *made && !flat;
	}
	gboolean ok = TRUE;
	if (*made) {
		char *stem = g_strdup_printf("%s-vs-%s", plotted[pf].figure, var);
		GString *dat = g_string_new(NULL);
		GString *gp = g_string_new(NULL);
		double xlo, xhi;
		numeric_var(sums, v, &xlo, &xhi);
		g_string_append_printf(gp,
		                       "# %s against %s, sweep %s: gnuplot %s.gp\n"
		                       "set terminal pngcairo size 1000,600\nset output '%s.png'\n"
		                       "set title \"%s against %s (sweep %s); bands: 95%% interval\" noenhanced\n"
		                       "set xlabel '%s' noenhanced\nset ylabel '%s'\n"
		                       "set key outside right top noenhanced\nset grid\n",
		                       plotted[pf].label, var, sweep_name, stem, stem, plotted[pf].label, var,
		                       sweep_name, var, plotted[pf].label);
		if (wants_log(xlo, xhi))
			g_string_append(gp, "set logscale x\n");
		if (wants_log(ylo, yhi))
			g_string_append(gp, "set logscale y\n");
		g_string_append(gp, "plot ");
		for (guint li = 0; li < lines->len; li++) {
			GArray *pts = g_ptr_array_index(lines, li);
			g_array_sort(pts, point_cmp);
			g_string_append_printf(dat, "# %s\n", (const char *)g_ptr_array_index(labels, li));
			for (guint k = 0; k < pts->len; k++) {
				const plot_point *p = &g_array_index(pts, plot_point, k);
				char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE],
					c[G_ASCII_DTOSTR_BUF_SIZE], d[G_ASCII_DTOSTR_BUF_SIZE];
				g_string_append_printf(dat, "%s %s %s %s\n",
				                       g_ascii_formatd(a, sizeof a, "%.9g", p->x),
				                       g_ascii_formatd(b, sizeof b, "%.9g", p->mean),
				                       g_ascii_formatd(c, sizeof c, "%.9g", p->mean - p->ci),
				                       g_ascii_formatd(d, sizeof d, "%.9g", p->mean + p->ci));
			}
			g_string_append(dat, "\n\n");
			char *title = g_strescape(g_ptr_array_index(labels, li), NULL);
			g_string_append_printf(gp,
			                       "%s'%s.dat' index %u using 1:3:4 with filledcurves lc %u "
			                       "fs transparent solid 0.15 notitle, \\\n"
			                       "  '%s.dat' index %u using 1:2 with linespoints lc %u pt 7 "
			                       "title \"%s\"",
			                       li ? ", \\\n  " : "", stem, li, li + 1, stem, li, li + 1, title);
			g_free(title);
		}
		g_string_append_c(gp, '\n');
		char *dp = g_strdup_printf("%s/%s.dat", dir, stem), *sp = g_strdup_printf("%s/%s.gp", dir, stem);
		ok = write_file(dp, dat->str, error) && write_file(sp, gp->str, error);
		g_free(dp);
		g_free(sp);
		g_string_free(dat, TRUE);
		g_string_free(gp, TRUE);
		g_free(stem);
	}
	g_ptr_array_unref(labels);
	g_ptr_array_unref(lines);
	return ok;
}

gboolean sweep_plot(const char *dir, const char *sweep_name, const char *const *vars,
                    const GArray *summaries, guint *written, gboolean *rendered, GError **error)
{
	*written = 0;
	*rendered = FALSE;
	if (g_mkdir_with_parents(dir, 0777) != 0) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot create %s: %s", dir,
		            g_strerror(errno));
		return FALSE;
	}
	GPtrArray *scripts = g_ptr_array_new_with_free_func(g_free);
	gboolean ok = TRUE;
	for (guint v = 0; ok && vars[v]; v++) {
		double lo, hi;
		if (!numeric_var(summaries, v, &lo, &hi) || lo == hi)
			continue;
		for (guint pf = 0; ok && pf < G_N_ELEMENTS(plotted); pf++) {
			gboolean made = FALSE;
			ok = plot_one(dir, sweep_name, vars, v, summaries, pf, &made, error);
			if (ok && made)
				g_ptr_array_add(scripts, g_strdup_printf("%s-vs-%s.gp", plotted[pf].figure, vars[v]));
		}
	}
	*written = scripts->len;
	char *gnuplot = ok && scripts->len ? g_find_program_in_path("gnuplot") : NULL;
	if (gnuplot) {
		*rendered = TRUE;
		for (guint i = 0; i < scripts->len; i++) {
			const char *argv[] = { gnuplot, g_ptr_array_index(scripts, i), NULL };
			int status = 0;
			char *err = NULL;
			if (!g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
			                  &err, &status, NULL) ||
			    !g_spawn_check_wait_status(status, NULL)) {
				g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "gnuplot failed on %s/%s: %s", dir,
				            (const char *)g_ptr_array_index(scripts, i), err ? err : "");
				ok = FALSE;
				g_free(err);
				break;
			}
			g_free(err);
		}
		g_free(gnuplot);
	}
	g_ptr_array_unref(scripts);
	return ok;
}
