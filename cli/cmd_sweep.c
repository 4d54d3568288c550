/* \summary: `vpcsim sweep`: a sweep file's runs in parallel worker processes, resumable, one result file per run */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "cli.h"
#include "compare.h"
#include "error.h"
#include "estimate.h"
#include "interrupt.h"
#include "keyfile.h"
#include "outfile.h"
#include "revision.h"
#include "stats.h"
#include "sweep.h"

/*
 * How a sweep runs.  --jobs worker processes, forked from the sweep
 * (cli_fork_worker), each take run numbers from a pipe and run them one
 * after another; each run's row is appended to the worker's row file
 * (DIR/runs/NAME.rows, checksummed records, see log_read) and fdatasync'd,
 * or for a sweep of one run goes to DIR/runs/NNNNNNN.ini under a temporary
 * name, fsync'd, then renamed (row_write): a row is whole or
 * absent, whatever kills what when.  The worker tells the parent when it
 * starts a run and sends the row back once it is on disk, and the parent
 * keeps it.  The
 * parent keeps the workers busy, kills a worker whose run overruns
 * --point-timeout and writes a row saying so, writes a row for a run whose
 * worker died without one (a crash, the OOM killer), and starts a new
 * worker for the rest.  Started again with the same --out, it skips the
 * runs whose row exists, so an interrupted sweep resumes where it stopped.
 * The results table is assembled from the rows (those in hand, or the
 * folder's when shards share it) in run order at the end, so it is the
 * same for every --jobs.
 *
 * Why workers that stay: an exec of vpcsim per run cost 7 ms of CPU here
 * (the dynamic loader, GLib's start), a fork per run 2 to 3 ms more in
 * page faults on fresh memory, against about 3.5 ms for a short run
 * itself.  Each worker has a second thread that writes rows (fsync and
 * all) and reports them done, so the next run starts at once; the parent
 * keeps up to WORKER_QUEUE more runs in each worker's pipe while there is
 * work for every worker, so no worker waits for the parent, and the writer
 * makes the rows that finished meanwhile durable together (one append and
 * one fdatasync for several, holding up to WRITE_HOLD while the worker has
 * runs queued: each sync is a disk flush, a VM exit here).
 * Runs share nothing through a worker: the simulator keeps no global state
 * (interrupt.c's flag aside) and no output depends on addresses, so a row
 * is the same whichever worker ran it and after what (test_sweep compares
 * --jobs 1 and 2, the Slurm test --index against --jobs).  The hidden
 * option --run-one N runs one run in the foreground (for a debugger).
 */

/* The fields of a row file's [run] group, in the order of the results
 * table (the sweep's variables come after "point"). */
static const char *const row_keys[] = {
	"run", "point", "option", "repetition", "seed", "status", "sent", "completed", "failed",
	"unfinished", "p50_ms", "p99_ms", "p999_ms", "constructs", "wire_bytes_per_request",
	"traffic_gb", "variable_run_usd", "usd_per_gb", "fixed_month_usd", "shared_month_usd",
	"own_month_usd", "total_month_usd", "month_gb", "offered_per_s", "carried", "load_note", "events",
	"failures", "drops", "consumer_vpcs", "config_objects", "config_quota_n", "peering_connections",
	"mesh_peering_connections", "message", "sweep", "sweep_file", "runs", "version",
	"revision", NULL,
};
/* Fields written as JSON strings; the others are numbers (or null). */
static const char *const text_keys[] = { "option", "seed", "status", "load_note", "failures",
	                                 "drops", "message",
	                                 "sweep", "sweep_file", "version", "revision", NULL };
static char *runs_dir(const char *out) { return g_build_filename(out, "runs", NULL); }

static char *row_path(const char *out, guint run)
{
	char base[32];
	g_snprintf(base, sizeof base, "%07u.ini", run);
	return g_build_filename(out, "runs", base, NULL);
}

static char *fmt_double(double x)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.9g", x));
}

static void set_double(GKeyFile *kf, const char *key, double x)
{
	char *v = fmt_double(x);
	g_key_file_set_value(kf, "run", key, v);
	g_free(v);
}

static void set_u64(GKeyFile *kf, const char *key, uint64_t x)
{
	char *v = g_strdup_printf("%" G_GUINT64_FORMAT, x);
	g_key_file_set_value(kf, "run", key, v);
	g_free(v);
}

/* "reason=count; ..." from report counts. */
static char *counts_text(const GArray *counts)
{
	GString *g = g_string_new(NULL);
	for (guint i = 0; counts && i < counts->len; i++) {
		const report_count *c = &g_array_index(counts, report_count, i);
		g_string_append_printf(g, "%s%s=%" G_GUINT64_FORMAT, i ? "; " : "", c->what, c->count);
	}
	return g_string_free(g, FALSE);
}

/* A row with the run's identity; the figures are added by the caller. */
static GKeyFile *row_new(const sweep *s, guint run, const char *status, const char *message)
{
	sweep_run r = sweep_run_at(s, run);
	GKeyFile *kf = g_key_file_new();
	/* Every key present, in table order, even when empty. */
	for (const char *const *k = row_keys; *k; k++)
		g_key_file_set_value(kf, "run", *k, "");
	set_u64(kf, "run", run);
	set_u64(kf, "point", r.point);
	g_key_file_set_value(kf, "run", "option", g_ptr_array_index(s->option_names, r.option));
	set_u64(kf, "repetition", r.rep);
	set_u64(kf, "seed", r.seed);
	g_key_file_set_value(kf, "run", "status", status);
	/* Values are stored raw: GKeyFile escapes only with set_string. */
	g_key_file_set_string(kf, "run", "message", message ? message : "");
	g_key_file_set_value(kf, "run", "sweep", s->id);
	g_key_file_set_string(kf, "run", "sweep_file", s->name);
	set_u64(kf, "runs", sweep_n_runs(s));
	g_key_file_set_value(kf, "run", "version", VPCSIM_VERSION);
	g_key_file_set_value(kf, "run", "revision", VPCSIM_REVISION);
	for (guint i = 0; i < s->vars->len; i++)
		g_key_file_set_string(kf, "vars", ((sweep_var *)g_ptr_array_index(s->vars, i))->name,
		                      sweep_value(s, r.point, i));
	return kf;
}

/* A row file DIR/runs/NNNNNNN.ini: temporary name, fsync, rename. */
static gboolean row_write(const char *out, guint run, const char *data, gsize len, GError **error)
{
	char *path = row_path(out, run);
	gboolean ok = g_file_set_contents_full(path, data, (gssize)len,
	                                       G_FILE_SET_CONTENTS_CONSISTENT |
	                                               G_FILE_SET_CONTENTS_DURABLE,
	                                       0666, error);
	g_free(path);
	return ok;
}

static gboolean row_save(GKeyFile *kf, const char *out, guint run, GError **error)
{
	gsize len = 0;
	char *data = g_key_file_to_data(kf, &len, NULL);
	gboolean ok = row_write(out, run, data, len, error);
	g_free(data);
	return ok;
}

/* The configuration to keep for the scenario's consumer VPCs (reach.h),
 * the quota met first, and peering connections as the option has them (a
 * hub) and as a full mesh of the same VPCs would, n(n-1)/2 for n VPCs. */
static void set_config(GKeyFile *kf, const sc_config *cfg)
{
	guint64 n = cfg->consumers;
	set_u64(kf, "consumer_vpcs", n);
	set_u64(kf, "config_objects", sc_config_total(cfg, n));
	if (cfg->quota_n)
		set_u64(kf, "config_quota_n", cfg->quota_n);
	set_u64(kf, "peering_connections", sc_config_kind(cfg, CFG_PEERINGS, n));
	if (cfg->peering)
		set_u64(kf, "mesh_peering_connections", (n + 1) * n / 2);
}

/* The child's work: one option at one point, its figures into a row. */
static GKeyFile *run_row(const sweep *s, guint run, const estimate_limits *lim)
{
	sweep_run r = sweep_run_at(s, run);
	char **ovr = sweep_overrides(s, run);
	const char *files[] = { g_ptr_array_index(s->options, r.option), NULL };
	GError *err = NULL;
	compare_options co = { .lim = lim, .repeat = 1, .no_properties = TRUE };
	compare_result *c = compare_run(files, (const char *const *)ovr, &co, &err);
	g_strfreev(ovr);
	GKeyFile *kf;
	if (!c) {
		kf = row_new(s, run, "error", err->message);
		g_clear_error(&err);
	} else {
		const compare_option *o = g_ptr_array_index(c->options, 0);
		kf = row_new(s, run, "ok", NULL);
		set_u64(kf, "sent", o->wl->sent);
		set_u64(kf, "completed", o->wl->completed);
		set_u64(kf, "failed", o->wl->failed);
		set_u64(kf, "unfinished", o->wl->unfinished);
		set_double(kf, "p50_ms", o->p50_ms);
		set_double(kf, "p99_ms", o->p99_ms);
		set_double(kf, "p999_ms", o->p999_ms);
		set_u64(kf, "constructs", o->constructs);
		set_double(kf, "wire_bytes_per_request", o->wire_bytes_per_request);
		set_double(kf, "traffic_gb", o->traffic_gb);
		set_double(kf, "variable_run_usd", o->variable_run_usd);
		set_double(kf, "usd_per_gb", o->usd_per_gb);
		set_double(kf, "fixed_month_usd", o->fixed_month_usd);
		set_double(kf, "shared_month_usd", o->shared_month_usd);
		set_double(kf, "own_month_usd", o->own_month_usd);
		set_double(kf, "total_month_usd", o->total_month_usd);
		set_double(kf, "offered_per_s", o->offered_per_s);
		g_key_file_set_value(kf, "run", "carried", o->carried ? "true" : "false");
		g_key_file_set_string(kf, "run", "load_note", o->load_note ? o->load_note : "");
		set_double(kf, "month_gb", o->month_gb);
		set_u64(kf, "events", o->r->events);
		char *f = counts_text(o->wl->failures);
		g_key_file_set_string(kf, "run", "failures", f);
		g_free(f);
		char *d = counts_text(o->r->drops);
		g_key_file_set_string(kf, "run", "drops", d);
		g_free(d);
		set_config(kf, &o->cfg);
		compare_free(c);
	}
	return kf;
}

/* One run in the foreground (--run-one): its row, saved. */
static int run_one(const sweep *s, guint run, const char *out, const estimate_limits *lim)
{
	GKeyFile *kf = run_row(s, run, lim);
	GError *err = NULL;
	gboolean ok = row_save(kf, out, run, &err);
	g_key_file_free(kf);
	if (!ok) {
		cli_error("%s", err->message);
		g_error_free(err);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* ---- rows on disk --------------------------------------------------------- */

typedef struct {
	guint run;
	GKeyFile *kf;
} row;

static void row_clear(gpointer p) { g_key_file_free(((row *)p)->kf); }

static gint row_cmp(gconstpointer a, gconstpointer b)
{
	guint x = ((const row *)a)->run, y = ((const row *)b)->run;
	return x < y ? -1 : x > y;
}

/* A row file's run number from its name "NNNNNNN.ini", or -1. */
static gint64 row_file_run(const char *name)
{
	if (strlen(name) != 11 || !g_str_has_suffix(name, ".ini"))
		return -1;
	guint64 n;
	char *digits = g_strndup(name, 7);
	gboolean ok = g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT32, &n, NULL);
	g_free(digits);
	return ok ? (gint64)n : -1;
}

/*
 * A worker's rows go to one file of its own in DIR/runs, NAME.rows, each
 * appended and fdatasync'd before the parent hears of it, as a record:
 *
 *   vpcsim-row RUN LENGTH SHA256\n
 *   LENGTH bytes: the row's key file
 *
 * A record cut short (a worker killed while writing it) fails its length
 * or checksum and ends the file's reading; the run has no row and is run
 * again.  One file a worker instead of one a row: creating a file a row
 * cost the row writer 14 to 24% of a core on ext4 (inode allocation),
 * which a two-worker sweep could not spare.
 */
#define LOG_SUFFIX ".rows"
#define LOG_MAGIC "vpcsim-row "

static void log_record(GString *g, guint run, const char *data, gsize len)
{
	char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
	g_string_append_printf(g, LOG_MAGIC "%u %" G_GSIZE_FORMAT " %s\n", run, len, sum);
	g_string_append_len(g, data, (gssize)len);
	g_free(sum);
}

static gboolean row_parse(GArray *rows, guint run, const char *data, gsize len, const char *where,
                          GError **error);

/* The whole records of a worker's row file into `rows`. */
static gboolean log_read(const char *path, GArray *rows, GError **error)
{
	char *text = NULL;
	gsize size = 0;
	GError *e = NULL;
	if (!g_file_get_contents(path, &text, &size, &e)) {
		g_propagate_prefixed_error(error, e, "%s: ", path);
		return FALSE;
	}
	gboolean ok = TRUE;
	for (gsize at = 0; ok && at < size;) {
		const char *head = text + at, *nl = memchr(head, '\n', size - at);
		if (!nl || !g_str_has_prefix(head, LOG_MAGIC))
			break;
		char *line = g_strndup(head + strlen(LOG_MAGIC), (gsize)(nl - head) - strlen(LOG_MAGIC));
		char **f = g_strsplit(line, " ", -1);
		guint64 run = 0, len = 0;
		gboolean whole = g_strv_length(f) == 3 &&
		                 g_ascii_string_to_unsigned(f[0], 10, 0, G_MAXUINT32, &run, NULL) &&
		                 g_ascii_string_to_unsigned(f[1], 10, 0, size, &len, NULL) &&
		                 len <= size - (gsize)(nl + 1 - text);
		if (whole) {
			char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)nl + 1, len);
			whole = strcmp(sum, f[2]) == 0;
			g_free(sum);
		}
		if (whole) {
			char *where = g_strdup_printf("%s, run %u", path, (guint)run);
			ok = row_parse(rows, (guint)run, nl + 1, len, where, error);
			g_free(where);
			at = (gsize)(nl + 1 - text) + len;
		}
		g_strfreev(f);
		g_free(line);
		if (!whole)
			break; /* a record cut short: the rest was never written */
	}
	g_free(text);
	return ok;
}

/* A row from its key file's text. */
static gboolean row_parse(GArray *rows, guint run, const char *data, gsize len, const char *where,
                          GError **error)
{
	GKeyFile *kf = g_key_file_new();
	GError *e = NULL;
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_KEEP_COMMENTS, &e)) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "%s: not a sweep result row: %s", where,
		            e->message);
		g_error_free(e);
		g_key_file_free(kf);
		return FALSE;
	}
	row r = { run, kf };
	g_array_append_val(rows, r);
	return TRUE;
}

static char *row_get(const row *r, const char *key);

/* Reads every row of DIR/runs into `rows` (sorted by run).  Temporary files
 * of writers that were killed are removed when `clean`. */
static gboolean rows_read(const char *out, GArray *all, gboolean clean, GError **error)
{
	/* This folder's rows, deduplicated on their own and then added to
	 * `all` (sweep merge checks that a run found in several folders is
	 * the same row in each). */
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(row));
	char *dir = runs_dir(out);
	GDir *d = g_dir_open(dir, 0, NULL);
	if (!d) {
		g_free(dir);
		g_array_unref(rows);
		return TRUE;
	}
	gboolean ok = TRUE;
	for (const char *name; ok && (name = g_dir_read_name(d));) {
		char *path = g_build_filename(dir, name, NULL);
		gint64 run = row_file_run(name);
		if (run < 0 && g_str_has_suffix(name, LOG_SUFFIX)) {
			ok = log_read(path, rows, error);
			g_free(path);
			continue;
		}
		if (run < 0) {
			/* NNNNNNN.ini.XXXXXX (a row file being written) and a
			 * worker's .worker-PID.err. */
			if (clean && (strstr(name, ".ini.") || g_str_has_suffix(name, ".err")))
				g_unlink(path);
			g_free(path);
			continue;
		}
		char *text = NULL;
		gsize len = 0;
		GError *e = NULL;
		if (!g_file_get_contents(path, &text, &len, &e)) {
			g_propagate_prefixed_error(error, e, "%s: ", path);
			ok = FALSE;
		} else {
			ok = row_parse(rows, (guint)run, text, len, path, error);
		}
		g_free(text);
		g_free(path);
	}
	g_dir_close(d);
	g_free(dir);
	g_array_sort(rows, row_cmp);
	/* A run of one sweep written twice here (its worker's row landed as
	 * the sweep gave up on it): the "ok" one, else the first.  Rows of
	 * another sweep or build stay, for rows_consistent() to refuse. */
	for (guint i = 1; i < rows->len;) {
		row *x = &g_array_index(rows, row, i - 1), *y = &g_array_index(rows, row, i);
		gboolean twice = FALSE, keep_y = FALSE;
		if (x->run == y->run) {
			char *ix = row_get(x, "sweep"), *iy = row_get(y, "sweep");
			char *rx = row_get(x, "revision"), *ry = row_get(y, "revision");
			char *sx = row_get(x, "status"), *sy = row_get(y, "status");
			twice = g_strcmp0(ix, iy) == 0 && g_strcmp0(rx, ry) == 0;
			keep_y = g_strcmp0(sy, "ok") == 0 && g_strcmp0(sx, "ok") != 0;
			g_free(ix);
			g_free(iy);
			g_free(rx);
			g_free(ry);
			g_free(sx);
			g_free(sy);
		}
		if (!twice) {
			i++;
		} else {
			row gone = keep_y ? *x : *y;
			if (keep_y)
				*x = *y;
			g_key_file_free(gone.kf);
			g_array_remove_index(rows, i);
		}
	}
	g_array_append_vals(all, rows->data, rows->len);
	g_array_unref(rows);
	g_array_sort(all, row_cmp);
	return ok;
}

static char *row_get(const row *r, const char *key)
{
	return g_key_file_get_string(r->kf, "run", key, NULL);
}

/* Every row belongs to one sweep file and one build. */
static gboolean rows_consistent(const GArray *rows, const char *sweep_id, const char *what,
                                GError **error)
{
	char *id0 = NULL, *rev0 = NULL;
	gboolean ok = TRUE;
	for (guint i = 0; ok && i < rows->len; i++) {
		const row *r = &g_array_index(rows, row, i);
		char *id = row_get(r, "sweep"), *rev = row_get(r, "revision");
		if (!id0) {
			id0 = g_strdup(sweep_id ? sweep_id : id);
			rev0 = g_strdup(rev);
		}
		if (g_strcmp0(id, id0) != 0) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
			            "%s: run %u comes from sweep %s, not %s: results of different sweep "
			            "files (or an edited one) do not mix; use another --out", what, r->run,
			            id ? id : "?", id0);
			ok = FALSE;
		} else if (g_strcmp0(rev, rev0) != 0) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
			            "%s: run %u was made by vpcsim revision %s, others by %s: results of "
			            "different builds do not mix", what, r->run, rev ? rev : "?", rev0);
			ok = FALSE;
		}
		g_free(id);
		g_free(rev);
	}
	g_free(id0);
	g_free(rev0);
	return ok;
}

/* ---- the results tables ------------------------------------------------- */

static gboolean is_text_key(const char *k) { return g_strv_contains(text_keys, k); }

static char **row_var_names(const row *r)
{
	char **v = g_key_file_get_keys(r->kf, "vars", NULL, NULL);
	return v ? v : g_new0(char *, 1);
}

/* A value as JSON: null when empty (numbers), true/false, a number when
 * it reads as one and `text` is FALSE, else a string. */
static void json_value(GString *g, const char *v, gboolean text)
{
	double d;
	if (!v || (!*v && !text))
		g_string_append(g, "null");
	else if (!text && (strcmp(v, "true") == 0 || strcmp(v, "false") == 0))
		g_string_append(g, v);
	else if (text || !kf_parse_number(v, &d))
		report_json_str(g, v);
	else
		g_string_append(g, v);
}

/* ,"key":value (no comma right after the object's opening brace). */
static void json_field(GString *g, const char *key, const char *v, gboolean text)
{
	if (g->len > 1)
		g_string_append_c(g, ',');
	report_json_str(g, key);
	g_string_append_c(g, ':');
	json_value(g, v, text);
}

/* A row's variables: ,"vars":{"name":value,...} in JSON lines, or a CSV
 * field each. */
static void write_vars(FILE *f, GString *g, gboolean jsonl, char *const *names, char *const *values)
{
	if (!jsonl) {
		for (guint v = 0; names[v]; v++) {
			fputc(',', f);
			report_csv_field(f, values[v] ? values[v] : "");
		}
		return;
	}
	g_string_append(g, ",\"vars\":{");
	for (guint v = 0; names[v]; v++) {
		if (v)
			g_string_append_c(g, ',');
		report_json_str(g, names[v]);
		g_string_append_c(g, ':');
		json_value(g, values[v], FALSE);
	}
	g_string_append_c(g, '}');
}

static gboolean write_results(FILE *f, const GArray *rows, gboolean jsonl)
{
	char **vars = rows->len ? row_var_names(&g_array_index(rows, row, 0)) : g_new0(char *, 1);
	if (!jsonl) {
		for (const char *const *k = row_keys; *k; k++) {
			fprintf(f, "%s%s", k == row_keys ? "" : ",", *k);
			if (strcmp(*k, "point") == 0)
				for (char **v = vars; *v; v++) {
					fputc(',', f);
					report_csv_field(f, *v);
				}
		}
		fputc('\n', f);
	}
	for (guint i = 0; i < rows->len; i++) {
		const row *r = &g_array_index(rows, row, i);
		GString *g = g_string_new(jsonl ? "{" : NULL);
		for (const char *const *k = row_keys; *k; k++) {
			char *v = row_get(r, *k);
			if (jsonl) {
				json_field(g, *k, v, is_text_key(*k));
			} else {
				if (k != row_keys)
					fputc(',', f);
				report_csv_field(f, v ? v : "");
			}
			g_free(v);
			if (strcmp(*k, "point") != 0)
				continue;
			guint nv = g_strv_length(vars);
			char **values = g_new0(char *, nv + 1);
			for (guint j = 0; j < nv; j++)
				values[j] = g_key_file_get_string(r->kf, "vars", vars[j], NULL);
			write_vars(f, g, jsonl, vars, values);
			for (guint j = 0; j < nv; j++)
				g_free(values[j]);
			g_free(values);
		}
		if (jsonl)
			fprintf(f, "%s}\n", g->str);
		else
			fputc('\n', f);
		g_string_free(g, TRUE);
	}
	g_strfreev(vars);
	return !ferror(f);
}

/* Groups the rows by point and option, in order of first appearance (run
 * order), and summarises each figure over the repetitions that are ok. */
static GArray *summarise(const GArray *rows)
{
	GArray *sums = g_array_new(FALSE, TRUE, sizeof(sweep_summary));
	g_array_set_clear_func(sums, sweep_summary_clear);
	GHashTable *index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *members = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	char **vars = rows->len ? row_var_names(&g_array_index(rows, row, 0)) : g_new0(char *, 1);
	for (guint i = 0; i < rows->len; i++) {
		const row *r = &g_array_index(rows, row, i);
		char *p = row_get(r, "point"), *o = row_get(r, "option");
		char *key = g_strdup_printf("%s\t%s", p, o);
		gpointer at;
		if (!g_hash_table_lookup_extended(index, key, NULL, &at)) {
			sweep_summary s = { .point = (guint)g_ascii_strtoull(p, NULL, 10), .option = g_strdup(o) };
			guint nv = g_strv_length(vars);
			s.values = g_new0(char *, nv + 1);
			for (guint v = 0; v < nv; v++) {
				s.values[v] = g_key_file_get_string(r->kf, "vars", vars[v], NULL);
				if (!s.values[v])
					s.values[v] = g_strdup("");
			}
			at = GUINT_TO_POINTER(sums->len);
			g_array_append_val(sums, s);
			g_ptr_array_add(members, g_ptr_array_new());
			g_hash_table_insert(index, key, at);
		} else {
			g_free(key);
		}
		g_ptr_array_add(g_ptr_array_index(members, GPOINTER_TO_UINT(at)), (gpointer)r);
		g_free(p);
		g_free(o);
	}
	double *x = g_new(double, MAX(rows->len, 1u));
	for (guint i = 0; i < sums->len; i++) {
		sweep_summary *s = &g_array_index(sums, sweep_summary, i);
		GPtrArray *m = g_ptr_array_index(members, i);
		s->repetitions = m->len;
		for (guint k = 0; k < m->len; k++) {
			char *st = row_get(g_ptr_array_index(m, k), "status");
			s->ok += g_strcmp0(st, "ok") == 0;
			g_free(st);
		}
		for (guint f = 0; f < SWEEP_N_FIGURES; f++) {
			guint n = 0;
			for (guint k = 0; k < m->len; k++) {
				const row *r = g_ptr_array_index(m, k);
				char *st = row_get(r, "status"), *v = row_get(r, sweep_figures[f]);
				if (g_strcmp0(st, "ok") == 0 && v && kf_parse_number(v, &x[n]))
					n++;
				g_free(st);
				g_free(v);
			}
			stats_mean_ci95(x, n, &s->mean[f], &s->ci95[f]);
		}
	}
	g_free(x);
	g_strfreev(vars);
	g_ptr_array_unref(members);
	g_hash_table_destroy(index);
	return sums;
}

static char *fmt_or_empty(double x) { return isnan(x) ? g_strdup("") : fmt_double(x); }

/* One summary row per point and option: the repetitions, how many were ok,
 * and each figure's mean and 95% half-width (empty when there is none). */
static gboolean write_summary(FILE *f, const GArray *rows, gboolean jsonl)
{
	char **vars = rows->len ? row_var_names(&g_array_index(rows, row, 0)) : g_new0(char *, 1);
	GArray *sums = summarise(rows);
	if (!jsonl) {
		fputs("point", f);
		for (char **v = vars; *v; v++) {
			fputc(',', f);
			report_csv_field(f, *v);
		}
		fputs(",option,repetitions,ok", f);
		for (guint k = 0; k < SWEEP_N_FIGURES; k++)
			fprintf(f, ",%s_mean,%s_ci95", sweep_figures[k], sweep_figures[k]);
		fputc('\n', f);
	}
	for (guint i = 0; i < sums->len; i++) {
		const sweep_summary *s = &g_array_index(sums, sweep_summary, i);
		char *p = g_strdup_printf("%u", s->point), *n = g_strdup_printf("%u", s->repetitions),
		     *okn = g_strdup_printf("%u", s->ok);
		GString *g = g_string_new(jsonl ? "{" : NULL);
		if (jsonl) {
			json_field(g, "point", p, FALSE);
			write_vars(f, g, TRUE, vars, s->values);
			json_field(g, "option", s->option, TRUE);
			json_field(g, "repetitions", n, FALSE);
			json_field(g, "ok", okn, FALSE);
		} else {
			fputs(p, f);
			write_vars(f, g, FALSE, vars, s->values);
			fputc(',', f);
			report_csv_field(f, s->option);
			fprintf(f, ",%s,%s", n, okn);
		}
		for (guint k = 0; k < SWEEP_N_FIGURES; k++) {
			char *mean = fmt_or_empty(s->mean[k]), *ci = fmt_or_empty(s->ci95[k]);
			if (jsonl) {
				char *km = g_strconcat(sweep_figures[k], "_mean", NULL);
				char *kc = g_strconcat(sweep_figures[k], "_ci95", NULL);
				json_field(g, km, mean, FALSE);
				json_field(g, kc, ci, FALSE);
				g_free(km);
				g_free(kc);
			} else {
				fprintf(f, ",%s,%s", mean, ci);
			}
			g_free(mean);
			g_free(ci);
		}
		if (jsonl)
			fprintf(f, "%s}\n", g->str);
		else
			fputc('\n', f);
		g_string_free(g, TRUE);
		g_free(p);
		g_free(n);
		g_free(okn);
	}
	g_array_unref(sums);
	g_strfreev(vars);
	return !ferror(f);
}

typedef gboolean (*table_writer)(FILE *f, const GArray *rows, gboolean jsonl);

static gboolean write_table(const char *out, const char *stem, const GArray *rows, gboolean jsonl,
                            table_writer fn, GError **error)
{
	char *path = g_strdup_printf("%s/%s.%s", out, stem, jsonl ? "jsonl" : "csv");
	outfile *o = outfile_open(path, NULL, error);
	gboolean ok = o && outfile_commit(o, fn(outfile_stream(o), rows, jsonl), error);
	g_free(path);
	return ok;
}

/* The rows of OUT/runs, or `have` (sorted, with a reference added) when
 * the caller holds them all. */
static GArray *rows_of(const char *out, GArray *have, GError **error)
{
	if (have) {
		g_array_sort(have, row_cmp);
		return g_array_ref(have);
	}
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(row));
	g_array_set_clear_func(rows, row_clear);
	if (!rows_read(out, rows, FALSE, error)) {
		g_array_unref(rows);
		return NULL;
	}
	return rows;
}

/* Writes results and summary from every row in OUT/runs (or `have`);
 * returns the number of rows and sets *failed to those whose status is
 * not "ok". */
static gboolean assemble(const char *out, GArray *have, const char *sweep_id, gboolean jsonl,
                         guint *n_rows, guint *failed, guint *expected, GError **error)
{
	*n_rows = 0;
	*failed = 0;
	*expected = 0;
	GArray *rows = rows_of(out, have, error);
	if (!rows)
		return FALSE;
	gboolean ok = rows_consistent(rows, sweep_id, out, error) &&
	              write_table(out, "results", rows, jsonl, write_results, error) &&
	              write_table(out, "summary", rows, jsonl, write_summary, error);
	*n_rows = rows->len;
	for (guint i = 0; i < rows->len; i++) {
		const row *r = &g_array_index(rows, row, i);
		char *st = row_get(r, "status"), *total = row_get(r, "runs");
		*failed += g_strcmp0(st, "ok") != 0;
		*expected = (guint)MAX(*expected, g_ascii_strtoull(total ? total : "0", NULL, 10));
		g_free(st);
		g_free(total);
	}
	g_array_unref(rows);
	return ok;
}

/* Plots the summary of every row in OUT/runs (or `have`) into plot_dir. */
static gboolean plot_rows(const char *out, GArray *have, const char *plot_dir, const char *name,
                          GError **error)
{
	GArray *rows = rows_of(out, have, error);
	gboolean ok = rows != NULL;
	if (ok) {
		char **vars = rows->len ? row_var_names(&g_array_index(rows, row, 0)) : g_new0(char *, 1);
		GArray *sums = summarise(rows);
		guint written = 0;
		gboolean rendered = FALSE;
		ok = sweep_plot(plot_dir, name, (const char *const *)vars, sums, &written, &rendered, error);
		if (ok && written == 0)
			fprintf(stderr, "vpcsim: nothing to plot: the sweep has no numeric variable that "
			                "changes\n");
		else if (ok && rendered)
			fprintf(stderr, "vpcsim: %u plots written to %s/ (*.png, with their .gp and .dat)\n",
			        written, plot_dir);
		else if (ok)
			fprintf(stderr, "vpcsim: gnuplot not found: %u scripts written to %s; render them "
			                "with\n  (cd %s && for f in *.gp; do gnuplot \"$f\"; done)   # "
			                "apt-get install gnuplot-nox\n",
			        written, plot_dir, plot_dir);
		g_array_unref(sums);
		g_strfreev(vars);
		g_array_unref(rows);
	}
	return ok;
}

/* ---- the parent --------------------------------------------------------- */

/* Runs queued in a worker's pipe behind the one it runs, while there is
 * work for every worker: the next run starts the moment one ends, and
 * the row writer can make several rows durable at once. */
#define WORKER_QUEUE 6

typedef struct {
	GPid pid;                     /* 0: no worker in this slot */
	int fds[2];                   /* run numbers to it, messages from it */
	guint n_out;                  /* runs sent to it without a row back yet */
	guint out[1 + WORKER_QUEUE];  /* their numbers, in the order sent */
	gboolean running;             /* it said it started `run`, no row back yet */
	guint run;                    /* the run it started last */
	gint64 started;               /* when (for --point-timeout) */
} worker;

/* Free heap bytes a worker keeps between runs. */
#define WORKER_KEEP_FREE ((size_t)64 << 20)

/* What a worker needs to run a job. */
typedef struct {
	const sweep *s;
	const char *out;
	const estimate_limits *lim;
	/* The parent's rows and runs to do: a worker frees its copies (it
	 * never returns to where the parent frees them). */
	GArray *rows, *todo;
	gboolean log; /* rows into a log of the worker's, not a file a row */
} job_ctx;

/* A worker's stderr, emptied at each run's start: the last line of a run
 * that died is the reason in its row.  Named by the worker's process id
 * (leftovers end in .err, which a new sweep removes). */
static char *err_path_of(const char *out, GPid pid)
{
	char *dir = runs_dir(out);
	char *path = g_strdup_printf("%s/.worker-%ld.err", dir, (long)pid);
	g_free(dir);
	return path;
}

/* What a worker says: a run starts (no bytes), or its row is on disk (the
 * row's bytes), or could not be written. */
enum { ROW_OK = 0, ROW_UNSAVED = 1, ROW_NOT_OK = 2, RUN_STARTS = 3 };

/* A finished run's row on its way to disk, and the result the parent
 * gets once it is there. */
typedef struct {
	guint run;
	char *data;       /* NULL: a marker, `flush` or the worker is done */
	gsize len;
	gboolean row_ok;  /* the row's status is "ok" */
	gboolean flush;   /* the worker waits for work: write what is held */
} row_job;

/* Rows the writer makes durable at once, at most; and rows it holds for
 * one sync while the worker has queued runs to go on with (fewer syncs:
 * each is a disk flush, a VM exit here), for at most WRITE_WAIT_US. */
#define WRITE_BATCH 16
#define WRITE_HOLD 4
#define WRITE_WAIT_US 20000

/* The worker's second thread: writes rows durably and only then hands each
 * to the parent, while the main thread already runs the next run.  A
 * worker that waited for its own fsync left its core idle for the
 * journal's commit, two workers one after the other: a fifth of two cores
 * at 5 ms a run. */
/* What the writer thread needs. */
typedef struct {
	GAsyncQueue *q;
	const char *out;
	gboolean log; /* rows appended to one file of this worker's (else a file a row) */
	int fd;       /* the result pipe */
	GMutex send;  /* held for each message on it (both threads send) */
} writer_ctx;

/* A worker's row file: a name no other worker, shard or host takes. */
static char *log_path_new(const char *out)
{
	char *dir = runs_dir(out);
	char *host = g_strdup(g_get_host_name());
	g_strcanon(host, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "-.", '_');
	char *path = g_strdup_printf("%s/%s-%ld-%08x%s", dir, host, cli_pid(), g_random_int(), LOG_SUFFIX);
	g_free(host);
	g_free(dir);
	return path;
}

/* Appends the batch's rows to the worker's log as records (log_record);
 * saved[] all TRUE or all FALSE. */
static void rows_append(int *fd, char **path, const char *out, row_job **batch, guint n,
                        gboolean *saved)
{
	GString *g = g_string_new(NULL);
	for (guint i = 0; i < n; i++)
		log_record(g, batch[i]->run, batch[i]->data, batch[i]->len);
	if (!*path)
		*path = log_path_new(out);
	GError *e = NULL;
	gboolean ok = cli_append_durable(fd, *path, g->str, g->len, &e);
	if (!ok) {
		cli_error("%s", e->message);
		g_error_free(e);
	}
	for (guint i = 0; i < n; i++)
		saved[i] = ok;
	g_string_free(g, TRUE);
}

/* The worker's second thread: writes rows durably and only then hands each
 * to the parent, while the main thread already runs the next run.  A
 * worker that waited for its own fsync left its core idle for the
 * journal's commit, two workers one after the other: a fifth of two cores
 * at 5 ms a run. */
static gpointer row_writer(gpointer data)
{
	writer_ctx *wc = data;
	row_job *batch[WRITE_BATCH];
	gboolean saved[WRITE_BATCH];
	int log_fd = -1;
	char *log_path = NULL;
	for (gboolean done = FALSE; !done;) {
		guint n = 0;
		for (row_job *j = g_async_queue_pop(wc->q); j;) {
			if (!j->data) {
				done = !j->flush;
				g_free(j);
				break;
			}
			batch[n++] = j;
			if (n == WRITE_BATCH)
				break;
			j = n < WRITE_HOLD ? g_async_queue_timeout_pop(wc->q, WRITE_WAIT_US)
			                   : g_async_queue_try_pop(wc->q);
		}
		if (n && wc->log) {
			rows_append(&log_fd, &log_path, wc->out, batch, n, saved);
		} else {
			/* A sweep of one run: its row file. */
			for (guint i = 0; i < n; i++) {
				GError *e = NULL;
				saved[i] = row_write(wc->out, batch[i]->run, batch[i]->data, batch[i]->len, &e);
				if (!saved[i]) {
					cli_error("%s", e->message);
					g_error_free(e);
				}
			}
		}
		for (guint i = 0; i < n; i++) {
			row_job *j = batch[i];
			guint32 st = !saved[i] ? ROW_UNSAVED : j->row_ok ? ROW_OK : ROW_NOT_OK;
			g_mutex_lock(&wc->send);
			cli_worker_send_data(wc->fd, st, j->run, saved[i] ? j->data : "",
			                     saved[i] ? (guint32)j->len : 0);
			g_mutex_unlock(&wc->send);
			g_free(j->data);
			g_free(j);
		}
	}
	if (log_fd >= 0)
		g_close(log_fd, NULL);
	g_free(log_path);
	return NULL;
}

/* The worker: reads run numbers until the parent closes the pipe, runs
 * each with its stderr in the worker's .err file, and hands the row to the
 * writer thread. */
static G_GNUC_NORETURN void worker_main(const int fds[2], const job_ctx *jc)
{
	g_array_unref(jc->rows);
	g_array_unref(jc->todo);
	char *err_path = err_path_of(jc->out, cli_pid());
	GError *e = NULL;
	if (!cli_stderr_to(err_path, &e))
		g_clear_error(&e);
	g_free(err_path);
	GAsyncQueue *q = g_async_queue_new();
	writer_ctx wc = { .q = q, .out = jc->out, .log = jc->log, .fd = fds[1] };
	g_mutex_init(&wc.send);
	GThread *writer = g_thread_new("rows", row_writer, &wc);
	int got;
	while (cli_worker_result(fds[0], &got) == 1) {
		guint run = (guint)got;
		g_mutex_lock(&wc.send);
		cli_worker_send_data(wc.fd, RUN_STARTS, run, "", 0);
		g_mutex_unlock(&wc.send);
		/* The last line of this run's stderr, not an earlier run's. */
		cli_stderr_rewind();
		GKeyFile *kf = run_row(jc->s, run, jc->lim);
		row_job *j = g_new0(row_job, 1);
		j->run = run;
		char *st = g_key_file_get_value(kf, "run", "status", NULL);
		j->row_ok = g_strcmp0(st, "ok") == 0;
		g_free(st);
		j->data = g_key_file_to_data(kf, &j->len, NULL);
		g_key_file_free(kf);
		g_async_queue_push(q, j);
		/* No run waiting in the pipe: the rows held go now (the parent
		 * sends more when it has them). */
		struct pollfd pf = { .fd = fds[0], .events = POLLIN };
		if (poll(&pf, 1, 0) == 0) {
			row_job *f = g_new0(row_job, 1);
			f->flush = TRUE;
			g_async_queue_push(q, f);
		}
		/* Memory the run freed stays with the worker for the next run
		 * (handing it back and faulting it in again cost a fifth of a
		 * short run here), unless there is much of it: after a run
		 * larger than most. */
		if (mallinfo2().fordblks > WORKER_KEEP_FREE)
			malloc_trim(0);
	}
	g_async_queue_push(q, g_new0(row_job, 1));
	g_thread_join(writer);
	g_async_queue_unref(q);
	g_mutex_clear(&wc.send);
	cli_worker_exit(CLI_OK);
}

static gboolean worker_start(worker *ws, guint n, guint i, const job_ctx *j, GError **error)
{
	worker *w = &ws[i];
	GPid pid = cli_fork_worker(w->fds, error);
	if (pid == 0) {
		/* The other workers' pipes: held here, a closed job pipe would
		 * never reach its worker as end of file. */
		for (guint k = 0; k < n; k++)
			if (k != i && ws[k].pid) {
				g_close(ws[k].fds[0], NULL);
				g_close(ws[k].fds[1], NULL);
			}
		worker_main(w->fds, j);
	}
	if (pid < 0)
		return FALSE;
	w->pid = pid;
	w->n_out = 0;
	w->running = FALSE;
	return TRUE;
}

/* Ends a worker: closing its job pipe lets an idle one exit; `kill` for
 * one that overran, died or the end of an interrupted sweep.  The runs it
 * had without a row go back to `todo` (when given), but `except` (a run
 * that gets a row of its own, G_MAXUINT for none); returns its wait
 * status.  Its stderr file stays for death_reason(); err_remove() removes
 * it. */
static int worker_stop(worker *w, gboolean kill_it, GArray *todo, guint except)
{
	int status = 0;
	if (kill_it)
		kill(w->pid, SIGKILL);
	g_close(w->fds[0], NULL);
	g_close(w->fds[1], NULL);
	waitpid(w->pid, &status, 0);
	for (guint i = 0; todo && i < w->n_out; i++)
		if (w->out[i] != except)
			g_array_append_val(todo, w->out[i]);
	w->n_out = 0;
	w->running = FALSE;
	w->pid = 0;
	return status;
}

static void err_remove(const char *out, GPid pid)
{
	char *err = err_path_of(out, pid);
	g_unlink(err);
	g_free(err);
}

/* The last line a worker wrote on stderr, for the row of a run that
 * failed. */
static char *last_line(const char *out, GPid pid)
{
	char *path = err_path_of(out, pid);
	char *text = NULL;
	gboolean ok = g_file_get_contents(path, &text, NULL, NULL);
	g_free(path);
	if (!ok)
		return g_strdup("");
	g_strstrip(text);
	char *nl = strrchr(text, '\n');
	char *line = g_strdup(nl ? nl + 1 : text);
	g_free(text);
	return line;
}

typedef struct {
	guint todo, done, failed;
	gint64 t0;
	gboolean shown;
} progress;

static void progress_show(progress *p, guint running)
{
	double wall = (double)(g_get_monotonic_time() - p->t0) / 1e6;
	double rate = wall > 0 ? p->done / wall : 0;
	char left[32] = "?";
	if (rate > 0)
		g_snprintf(left, sizeof left, "%.0f s", (p->todo - p->done) / rate);
	fprintf(stderr, "\r\033[Ksweep: %u/%u runs done, %u failed, %u running, %.2f runs/s, %s left",
	        p->done, p->todo, p->failed, running, rate, left);
	fflush(stderr);
	p->shown = TRUE;
}

/* A run the worker left no row for (a crash, a timeout, a row it could not
 * write): the parent writes one saying why, and keeps it. */
static gboolean row_failed(const sweep *s, const char *out, guint run, const char *status_word,
                           const char *why, GArray *rows)
{
	GKeyFile *kf = row_new(s, run, status_word, why);
	GError *e = NULL;
	if (!row_save(kf, out, run, &e)) {
		cli_error("%s", e->message);
		g_error_free(e);
		g_key_file_free(kf);
		return FALSE;
	}
	row r = { run, kf };
	g_array_append_val(rows, r);
	return TRUE;
}

/* A row came back for `run`: it is no longer the worker's. */
static void out_remove(worker *w, guint run)
{
	for (guint i = 0; i < w->n_out; i++)
		if (w->out[i] == run) {
			memmove(w->out + i, w->out + i + 1, (w->n_out - i - 1) * sizeof w->out[0]);
			w->n_out--;
			break;
		}
	if (w->running && w->run == run)
		w->running = FALSE;
}

/* Sends a run to a worker. */
static void out_add(worker *w, guint run)
{
	w->out[w->n_out++] = run;
	/* A worker gone already: the poll sees its end of file. */
	cli_worker_send(w->fds[0], run);
}

/* Why a worker that ended without a result died. */
static char *death_reason(const char *out, GPid pid, int status)
{
	if (WIFSIGNALED(status))
		return g_strdup_printf("the run died of signal %d (%s)", WTERMSIG(status),
		                       g_strsignal(WTERMSIG(status)));
	char *line = last_line(out, pid);
	char *why = g_strdup_printf("the run exited with status %d: %s",
	                            WIFEXITED(status) ? WEXITSTATUS(status) : -1, line);
	g_free(line);
	return why;
}

/* Runs the selected runs that have no row yet on `jobs` worker processes,
 * each running one run after another, and appends their rows to `rows`;
 * FALSE if interrupted or a worker could not be started.  A worker says
 * when it starts a run and sends each row once it is on disk; a worker that
 * dies is blamed for the run it had started without a row (or, if it died
 * before starting any, the first it was sent, so a worker that cannot start
 * does not loop), and its other runs go back to the list. */
static gboolean run_all(const sweep *s, const char *out, GArray *todo, guint jobs, double timeout_s,
                        const estimate_limits *lim, GArray *rows, guint *failed)
{
	/* A sweep of one run (a job array's task) writes NNNNNNN.ini: one
	 * file a task, whatever the hosts sharing the folder. */
	job_ctx jc = { s, out, lim, rows, todo, todo->len > 1 };
	jobs = MIN(jobs, MAX(todo->len, 1u));
	worker *ws = g_new0(worker, jobs);
	struct pollfd *pfd = g_new0(struct pollfd, jobs);
	guint next = 0, running = 0;
	progress pg = { .todo = todo->len, .t0 = g_get_monotonic_time() };
	gboolean tty = cli_stderr_is_tty(), ok = TRUE;
	gint64 last_show = 0;
	/* A worker that died makes its job pipe's writes fail, not kill us. */
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	while ((next < todo->len || running > 0) && ok && !interrupt_flag) {
		for (guint i = 0; i < jobs && next < todo->len && ok; i++) {
			worker *w = &ws[i];
			if (w->pid && w->n_out)
				continue;
			GError *e = NULL;
			if (!w->pid && !worker_start(ws, jobs, i, &jc, &e)) {
				cli_error("%s", e->message);
				g_error_free(e);
				ok = FALSE;
				break;
			}
			out_add(w, g_array_index(todo, guint, next++));
		}
		/* Runs queued behind, level by level, each level while there is
		 * that much work left for every worker (at the end, a queued run
		 * could wait behind a long one while another worker idles). */
		for (guint level = 1; level <= WORKER_QUEUE && ok; level++)
			for (guint i = 0; i < jobs && todo->len - next >= jobs * level; i++)
				if (ws[i].pid && ws[i].n_out == level)
					out_add(&ws[i], g_array_index(todo, guint, next++));
		guint n = 0;
		running = 0;
		for (guint i = 0; i < jobs; i++) {
			running += ws[i].n_out;
			if (ws[i].n_out)
				pfd[n++] = (struct pollfd){ .fd = ws[i].fds[1], .events = POLLIN };
		}
		if (!n)
			continue;
		/* Sleeps until a worker says something, or a tenth of a second for
		 * the progress line and --point-timeout; a signal cuts it short. */
		poll(pfd, n, 100);
		gint64 now = g_get_monotonic_time();
		for (guint i = 0, k = 0; i < jobs; i++) {
			worker *w = &ws[i];
			if (!w->n_out)
				continue;
			short ev = pfd[k++].revents;
			if (ev & (POLLIN | POLLHUP | POLLERR)) {
				int status = 0;
				guint32 run = 0;
				char *data = NULL;
				gsize len = 0;
				GError *e = NULL;
				if (cli_worker_result_data(w->fds[1], &status, &run, &data, &len) == 1) {
					if (status == RUN_STARTS) {
						w->running = TRUE;
						w->run = run;
						w->started = now;
						g_free(data);
						continue;
					}
					if (status == ROW_UNSAVED)
						ok = row_failed(s, out, run, "error",
						                "the run's row could not be written (see the "
						                "message above)",
						                rows) && ok;
					else if (!row_parse(rows, run, data, len, "a worker's row", &e)) {
						cli_error("%s", e->message);
						g_error_free(e);
						ok = FALSE;
					}
					pg.failed += status != ROW_OK;
					out_remove(w, run);
				} else {
					/* The worker died. */
					GPid pid = w->pid;
					guint blamed = w->running ? w->run : w->out[0];
					char *why = death_reason(out, pid, worker_stop(w, TRUE, todo, blamed));
					err_remove(out, pid);
					ok = row_failed(s, out, blamed, "crashed", why, rows) && ok;
					pg.failed++;
					g_free(why);
				}
				g_free(data);
				pg.done++;
			} else if (timeout_s > 0 && w->running && (now - w->started) / 1e6 > timeout_s) {
				GPid pid = w->pid;
				guint blamed = w->run;
				worker_stop(w, TRUE, todo, blamed);
				err_remove(out, pid);
				char *why = g_strdup_printf("stopped after the --point-timeout of %g s", timeout_s);
				ok = row_failed(s, out, blamed, "timeout", why, rows) && ok;
				g_free(why);
				pg.failed++;
				pg.done++;
			}
		}
		if (tty && now - last_show > 200000) {
			guint r = 0;
			for (guint i = 0; i < jobs; i++)
				r += ws[i].running;
			progress_show(&pg, r);
			last_show = now;
		}
	}
	/* Idle workers exit when their job pipe closes; busy ones (an
	 * interrupted sweep) are killed. */
	for (guint i = 0; i < jobs; i++)
		if (ws[i].pid) {
			GPid pid = ws[i].pid;
			worker_stop(&ws[i], ws[i].n_out > 0, NULL, G_MAXUINT);
			err_remove(out, pid);
		}
	signal(SIGPIPE, old_pipe);
	if (pg.shown)
		fputs("\r\033[K", stderr);
	*failed = pg.failed;
	g_free(pfd);
	g_free(ws);
	return ok && !interrupt_flag;
}

/* "K/N" with 1 <= K <= N. */
static gboolean parse_shard(const char *text, guint *k, guint *n)
{
	char **parts = g_strsplit(text, "/", -1);
	guint64 a = 0, b = 0;
	gboolean ok = g_strv_length(parts) == 2 &&
	              g_ascii_string_to_unsigned(parts[0], 10, 1, G_MAXUINT32, &a, NULL) &&
	              g_ascii_string_to_unsigned(parts[1], 10, 1, G_MAXUINT32, &b, NULL) && a <= b;
	g_strfreev(parts);
	*k = (guint)a;
	*n = (guint)b;
	return ok;
}

static void dry_run(const sweep *s, const GArray *sel)
{
	printf("# %s: %u points x %u repetitions x %u options = %u runs (sweep %s)\n", s->file,
	       s->points->len, s->repeat, s->options->len, sweep_n_runs(s), s->id);
	printf("%-7s %-6s %-4s %-20s %-20s %s\n", "run", "point", "rep", "option", "seed", "variables");
	for (guint i = 0; i < sel->len; i++) {
		sweep_run r = sweep_run_at(s, g_array_index(sel, guint, i));
		char *label = sweep_point_label(s, r.point);
		printf("%-7u %-6u %-4u %-20s %-20" G_GUINT64_FORMAT " %s\n", r.run, r.point, r.rep,
		       (const char *)g_ptr_array_index(s->option_names, r.option), r.seed, label);
		g_free(label);
	}
}

static int sweep_merge(int argc, char **argv)
{
	char *out = NULL, *format_s = NULL, *plot_dir = NULL;
	GOptionEntry entries[] = {
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
		  "Folder for the joined results (default: the first DIR)", "DIR" },
		{ "plot", 0, 0, G_OPTION_ARG_FILENAME, &plot_dir,
		  "Write gnuplot figures of the summary into DIR", "DIR" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format_s, "csv (default) or jsonl", "FMT" },
		{ NULL },
	};
	int rc = CLI_USAGE;
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(row));
	g_array_set_clear_func(rows, row_clear);
	if (!cli_parse(&argc, &argv, "vpcsim sweep merge DIR...",
	               "Join the row files of several sweep output folders (shards, array tasks)",
	               "Every row must come from the same sweep file and vpcsim revision; a run\n"
	               "found twice must be identical. Writes DIR/runs, results and summary.\n"
	               "Exit status: 0 all runs present and ok, 1 otherwise, 2 bad command line.",
	               entries))
		goto out;
	gboolean jsonl = FALSE;
	if (format_s && strcmp(format_s, "jsonl") != 0 && strcmp(format_s, "csv") != 0) {
		cli_error("--format '%s': expected csv or jsonl", format_s);
		goto out;
	}
	jsonl = format_s && strcmp(format_s, "jsonl") == 0;
	if (argc < 2) {
		cli_error("sweep merge: expected one or more output folders of `vpcsim sweep`");
		goto out;
	}
	rc = CLI_FAIL;
	if (!out)
		out = g_strdup(argv[1]);
	GError *err = NULL;
	for (int i = 1; i < argc; i++) {
		if (!rows_read(argv[i], rows, FALSE, &err)) {
			cli_error("%s", err->message);
			g_clear_error(&err);
			goto out;
		}
	}
	/* A run found in several folders must be the same row everywhere. */
	g_array_sort(rows, row_cmp);
	for (guint i = 1; i < rows->len;) {
		row *a = &g_array_index(rows, row, i - 1), *b = &g_array_index(rows, row, i);
		if (a->run != b->run) {
			i++;
			continue;
		}
		char *da = g_key_file_to_data(a->kf, NULL, NULL), *db = g_key_file_to_data(b->kf, NULL, NULL);
		gboolean same = strcmp(da, db) == 0;
		g_free(da);
		g_free(db);
		if (!same) {
			cli_error("run %u differs between two folders; results of different sweeps do "
			          "not mix", a->run);
			goto out;
		}
		g_array_remove_index(rows, i);
	}
	if (!rows_consistent(rows, NULL, "sweep merge", &err)) {
		cli_error("%s", err->message);
		g_clear_error(&err);
		goto out;
	}
	char *dir = runs_dir(out);
	if (g_mkdir_with_parents(dir, 0777) != 0) {
		cli_error("cannot create %s: %s", dir, g_strerror(errno));
		g_free(dir);
		goto out;
	}
	g_free(dir);
	for (guint i = 0; i < rows->len; i++) {
		const row *r = &g_array_index(rows, row, i);
		char *path = row_path(out, r->run);
		if (!g_file_test(path, G_FILE_TEST_EXISTS) && !row_save(r->kf, out, r->run, &err)) {
			cli_error("%s", err->message);
			g_clear_error(&err);
			g_free(path);
			goto out;
		}
		g_free(path);
	}
	guint n, failed, expected;
	if (!assemble(out, NULL, NULL, jsonl, &n, &failed, &expected, &err)) {
		cli_error("%s", err->message);
		g_clear_error(&err);
		goto out;
	}
	fprintf(stderr, "vpcsim: %u of %u runs in %s/results.%s (%u failed)\n", n, expected, out,
	        jsonl ? "jsonl" : "csv", failed);
	if (plot_dir) {
		char *name = rows->len ? row_get(&g_array_index(rows, row, 0), "sweep_file") : g_strdup("sweep");
		gboolean plotted_ok = plot_rows(out, NULL, plot_dir, name, &err);
		g_free(name);
		if (!plotted_ok) {
			cli_error("%s", err->message);
			g_clear_error(&err);
			goto out;
		}
	}
	rc = n == expected && failed == 0 ? CLI_OK : CLI_FAIL;
out:
	g_array_unref(rows);
	g_free(plot_dir);
	g_free(out);
	g_free(format_s);
	return rc;
}

int cmd_sweep(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "merge") == 0)
		return sweep_merge(argc - 1, argv + 1);

	char *out = NULL, *format_s = NULL, *shard = NULL, *timeout_s = NULL, *plot_dir = NULL;
	char *max_memory = NULL, *max_events = NULL;
	gboolean dry = FALSE;
	gint jobs = 0, index = -1, run_one_n = -1;
	GOptionEntry entries[] = {
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry,
		  "List the runs (number, point, repetition, option, seed, variables) and exit", NULL },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
		  "Runs at once on this machine (default: the number of cores)", "N" },
		{ "shard", 0, 0, G_OPTION_ARG_STRING, &shard,
		  "Run the K-th of N slices: the runs whose number is K-1 modulo N", "K/N" },
		{ "index", 0, 0, G_OPTION_ARG_INT, &index,
		  "Run only run number I (a job array's task id)", "I" },
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
		  "Output folder (default: out/NAME, NAME the sweep file's)", "DIR" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format_s,
		  "results.csv and summary.csv (csv, default) or .jsonl", "FMT" },
		{ "point-timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_s,
		  "Wall-clock cap per run in seconds; a run that overruns is a row with status "
		  "timeout",
		  "S" },
		{ "plot", 0, 0, G_OPTION_ARG_FILENAME, &plot_dir,
		  "Write gnuplot figures (PNGs when gnuplot is installed) of each figure against each "
		  "variable into DIR",
		  "DIR" },
		{ "max-memory", 0, 0, G_OPTION_ARG_STRING, &max_memory,
		  "Refuse a run estimated to need more memory: a row with status error (default: the "
		  "memory available)",
		  "SIZE" },
		{ "max-events", 0, 0, G_OPTION_ARG_STRING, &max_events,
		  "Refuse a run estimated to execute more events (default: no limit)", "N" },
		{ "run-one", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &run_one_n, "", "N" },
		{ NULL },
	};
	int rc = CLI_USAGE;
	sweep *s = NULL;
	GArray *sel = g_array_new(FALSE, FALSE, sizeof(guint));
	GArray *all_rows = NULL; /* every row of the folder, when this sweep holds them */
	if (!cli_parse(&argc, &argv, "vpcsim sweep FILE",
	               "Run a sweep file's grid of points over its options; resumable",
	               "Rows go to DIR/runs as runs finish; at the end DIR/results.csv holds one\n"
	               "row per run and DIR/summary.csv the mean and 95% interval over repetitions.\n"
	               "Started again with the same --out, a sweep skips the runs already done.\n"
	               "  vpcsim sweep merge DIR...   joins the folders of shards or array tasks.\n"
	               "Exit status: 0 every run ok, 1 a run failed, 2 bad command line; ended\n"
	               "by the signal on SIGINT, SIGTERM or SIGHUP (finished runs are kept).",
	               entries))
		goto out;
	if (argc != 2) {
		cli_error("sweep: expected one sweep file (e.g. scenarios/sweeps/cost-vs-volume.ini)");
		goto out;
	}
	if (format_s && strcmp(format_s, "jsonl") != 0 && strcmp(format_s, "csv") != 0) {
		cli_error("--format '%s': expected csv or jsonl", format_s);
		goto out;
	}
	gboolean jsonl = format_s && strcmp(format_s, "jsonl") == 0;
	if (jobs < 0 || jobs > 1024) {
		cli_error("--jobs %d: expected 1 to 1024", jobs);
		goto out;
	}
	if (jobs == 0)
		jobs = (gint)MAX(1u, g_get_num_processors());
	double timeout = 0;
	if (timeout_s && (!kf_parse_number(timeout_s, &timeout) || timeout <= 0 || timeout > 1e7)) {
		cli_error("--point-timeout '%s': expected seconds, more than 0", timeout_s);
		goto out;
	}
	guint sk = 0, sn = 0;
	if (shard && !parse_shard(shard, &sk, &sn)) {
		cli_error("--shard '%s': expected K/N with 1 <= K <= N, e.g. 2/4", shard);
		goto out;
	}
	if (shard && index >= 0) {
		cli_error("give --shard or --index, not both");
		goto out;
	}
	if (index < -1 || run_one_n < -1) {
		cli_error("--index %d: expected a run number from 0", MIN(index, run_one_n));
		goto out;
	}

	estimate_limits lim;
	if (!cli_limits(max_memory, max_events, &lim))
		goto out;
	GError *err = NULL;
	rc = CLI_FAIL;
	s = sweep_load(argv[1], &err);
	if (!s) {
		fprintf(stderr, "%s\n", err->message);
		g_error_free(err);
		goto out;
	}
	guint total = sweep_n_runs(s);
	if ((index >= 0 && (guint)index >= total) || (run_one_n >= 0 && (guint)run_one_n >= total)) {
		cli_error("--index %d: %s has runs 0 to %u", MAX(index, run_one_n), argv[1], total - 1);
		rc = CLI_USAGE;
		goto out;
	}
	if (!out)
		out = g_build_filename("out", s->name, NULL);
	if (run_one_n >= 0) {
		rc = run_one(s, (guint)run_one_n, out, &lim);
		goto out;
	}
	for (guint r = 0; r < total; r++)
		if ((index < 0 || r == (guint)index) && (!shard || r % sn == sk - 1))
			g_array_append_val(sel, r);
	if (dry) {
		dry_run(s, sel);
		rc = CLI_OK;
		goto out;
	}

	char *dir = runs_dir(out);
	if (g_mkdir_with_parents(dir, 0777) != 0) {
		cli_error("cannot create %s: %s", dir, g_strerror(errno));
		g_free(dir);
		goto out;
	}
	g_free(dir);
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(row));
	g_array_set_clear_func(rows, row_clear);
	/* Leftovers of killed writers are removed only when this is the one
	 * sweep writing the folder: shards and array tasks may share it. */
	gboolean readable = rows_read(out, rows, !shard && index < 0, &err) &&
	                    rows_consistent(rows, s->id, out, &err);
	GHashTable *have = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (guint i = 0; i < rows->len; i++)
		g_hash_table_add(have, GUINT_TO_POINTER(g_array_index(rows, row, i).run));
	if (!readable) {
		cli_error("%s", err->message);
		g_error_free(err);
		g_hash_table_destroy(have);
		g_array_unref(rows);
		goto out;
	}
	GArray *todo = g_array_new(FALSE, FALSE, sizeof(guint));
	for (guint i = 0; i < sel->len; i++)
		if (!g_hash_table_contains(have, GUINT_TO_POINTER(g_array_index(sel, guint, i))))
			g_array_append_val(todo, g_array_index(sel, guint, i));
	g_hash_table_destroy(have);
	if (todo->len < sel->len)
		fprintf(stderr, "vpcsim: %u of %u runs already in %s; running the other %u\n",
		        sel->len - todo->len, sel->len, out, todo->len);
	/* Not needed any more, and not to be copied into the workers (which
	 * never come back here to free it). */
	g_clear_pointer(&sel, g_array_unref);

	/* Ctrl-C, SIGTERM, SIGHUP: the workers are killed (their rows are whole
	 * or absent), and main() ends the process by the signal. */
	interrupt_install();
	guint failed = 0;
	gboolean finished = run_all(s, out, todo, (guint)jobs, timeout, &lim, rows, &failed);
	g_array_unref(todo);
	/* The tables come from the rows in hand when this sweep is the only
	 * one writing the folder; shards and tasks sharing it read it again
	 * for the others' rows. */
	all_rows = shard ? NULL : rows;
	if (shard)
		g_array_unref(rows);
	if (!finished) {
		cli_error("interrupted: the finished runs are kept in %s/runs; run the same command "
		          "again to do the rest",
		          out);
		goto out;
	}
	if (index >= 0) {
		/* One task of a job array: the merge job assembles the tables. */
		rc = failed == 0 ? CLI_OK : CLI_FAIL;
		goto out;
	}
	guint n, any_failed, expected;
	if (!assemble(out, all_rows, s->id, jsonl, &n, &any_failed, &expected, &err)) {
		cli_error("%s", err->message);
		g_error_free(err);
		goto out;
	}
	fprintf(stderr, "vpcsim: %u of %u runs in %s/results.%s, %u failed; summary in "
	                "%s/summary.%s\n",
	        n, total, out, jsonl ? "jsonl" : "csv", any_failed, out, jsonl ? "jsonl" : "csv");
	if (n < total && (shard || index >= 0))
		fprintf(stderr, "vpcsim: join the other slices with `vpcsim sweep merge DIR...`\n");
	if (plot_dir && !plot_rows(out, all_rows, plot_dir, s->name, &err)) {
		cli_error("%s", err->message);
		g_error_free(err);
		goto out;
	}
	rc = any_failed == 0 ? CLI_OK : CLI_FAIL;
out:
	if (all_rows)
		g_array_unref(all_rows);
	g_free(plot_dir);
	g_free(max_memory);
	g_free(max_events);
	sweep_free(s);
	if (sel)
		g_array_unref(sel);
	g_free(out);
	g_free(format_s);
	g_free(shard);
	g_free(timeout_s);
	return rc;
}
