/* \summary: output files: temp-then-rename for regular files, written through for anything else */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

struct outfile {
	char *path;     /* as given */
	char *what;     /* "capture file", or NULL */
	char *target;   /* what the rename replaces: path with its links followed */
	char *tmp_path; /* DIR/.NAME.XXXXXX beside target; NULL when written through */
	FILE *f;        /* NULL once finished */
};

/* Symlink chains longer than this are a loop (Linux stops at 40). */
#define OUTFILE_MAX_LINKS 40

static void set_error(const outfile *o, const char *op, int e, GError **error)
{
	if (o->what)
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot %s %s '%s': %s", op, o->what,
		            o->path, g_strerror(e));
	else
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot write %s: %s", o->path,
		            g_strerror(e));
}

static void outfile_free(outfile *o)
{
	g_free(o->path);
	g_free(o->what);
	g_free(o->target);
	g_free(o->tmp_path);
	g_free(o);
}

/* `path` with the links of its last component followed to the end of the
 * chain (the final name need not exist).  Relative targets are joined to
 * the link's directory without canonicalizing, so the kernel resolves
 * "a/link/../x" as it would.  Sets *via_proc when a name in the chain is
 * under /proc (a /dev/stdout-style descriptor link).  NULL with *err =
 * ELOOP for a loop. */
static char *follow_links(const char *path, gboolean *via_proc, int *err)
{
	char *p = g_strdup(path);
	for (int hops = 0;; hops++) {
		if (g_str_has_prefix(p, "/proc/"))
			*via_proc = TRUE;
		char *t = g_file_read_link(p, NULL);
		if (!t)
			return p;
		if (hops == OUTFILE_MAX_LINKS) {
			g_free(t);
			g_free(p);
			*err = ELOOP;
			return NULL;
		}
		char *next = t;
		if (!g_path_is_absolute(t)) {
			char *dir = g_path_get_dirname(p);
			next = g_build_filename(dir, t, NULL);
			g_free(dir);
			g_free(t);
		}
		g_free(p);
		p = next;
	}
}

outfile *outfile_open(const char *path, const char *what, GError **error)
{
	g_return_val_if_fail(path != NULL && *path != '\0', NULL);
	outfile *o = g_new0(outfile, 1);
	o->path = g_strdup(path);
	o->what = g_strdup(what);
	struct stat st;
	gboolean exists = stat(path, &st) == 0; /* follows links */
	gboolean via_proc = g_str_has_prefix(path, "/dev/fd/") || g_str_has_prefix(path, "/dev/std");
	int e = 0;
	char *target = follow_links(path, &via_proc, &e);
	if (!target) {
		set_error(o, "create", e, error);
		outfile_free(o);
		return NULL;
	}
	int fd;
	if ((exists && !S_ISREG(st.st_mode)) || via_proc) {
		/* Write through: a rename would replace the device or FIFO by a
		 * regular file (or fail without the right to create one beside
		 * it), and a descriptor link names an open file, not a place.
		 * No O_CREAT, no O_TRUNC: /dev/stdout onto `>> log` appends. */
		g_free(target);
		fd = g_open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (exists && S_ISREG(st.st_mode) ? O_APPEND : 0),
		            0);
		if (fd < 0) {
			set_error(o, "create", errno, error);
			outfile_free(o);
			return NULL;
		}
	} else {
		char *dir = g_path_get_dirname(target);
		char *base = g_path_get_basename(target);
		o->target = target;
		o->tmp_path = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
		g_free(dir);
		g_free(base);
		/* Mode 0666 as for fopen(), so the umask decides (g_mkstemp's
		 * default is 0600); a file being replaced keeps its own bits. */
		fd = g_mkstemp_full(o->tmp_path, O_WRONLY | O_CLOEXEC, 0666);
		if (fd < 0) {
			set_error(o, "create", errno, error);
			outfile_free(o);
			return NULL;
		}
		if (exists)
			(void)fchmod(fd, st.st_mode & 07777);
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		e = errno;
		close(fd);
		if (o->tmp_path)
			g_unlink(o->tmp_path);
		set_error(o, "create", e, error);
		outfile_free(o);
		return NULL;
	}
	return o;
}

FILE *outfile_stream(const outfile *o) { return o->f; }
const char *outfile_path(const outfile *o) { return o->path; }
gboolean outfile_through(const outfile *o) { return o->tmp_path == NULL; }

gboolean outfile_check(const outfile *o, GError **error)
{
	struct stat st;
	if (!o->tmp_path || !o->f || fstat(fileno(o->f), &st) != 0 || st.st_nlink > 0)
		return TRUE;
	char *dir = g_path_get_dirname(o->tmp_path);
	g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO,
	            "cannot write %s%s'%s': its temporary file was deleted from %s while being written "
	            "(was the directory removed?)", o->what ? o->what : "", o->what ? " " : "", o->path, dir);
	g_free(dir);
	return FALSE;
}

gboolean outfile_finish(outfile *o, gboolean ok, GError **error)
{
	g_return_val_if_fail(o->f != NULL, FALSE);
	GError *gone = NULL;
	int e = 0;
	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f))
		e = errno ? errno : EIO;
	/* Writes to a deleted file succeed: without this the loss would show
	 * only as ENOENT from the rename, with no hint why. */
	if (!e && ok && !outfile_check(o, &gone))
		e = ENOENT;
	errno = 0;
	if (fclose(o->f) != 0 && !e)
		e = errno ? errno : EIO;
	o->f = NULL;
	if (!e && ok)
		return TRUE;
	if (o->tmp_path) {
		g_unlink(o->tmp_path);
		g_clear_pointer(&o->tmp_path, g_free);
		g_clear_pointer(&o->target, g_free);
	}
	if (gone)
		g_propagate_error(error, gone);
	else if (e)
		set_error(o, "write", e, error);
	return FALSE;
}

gboolean outfile_publish(outfile *o, GError **error)
{
	g_return_val_if_fail(o->f == NULL, FALSE);
	gboolean done = TRUE;
	/* rename() replaces an older file of the same name atomically: a
	 * reader sees the old file or the new one, never a partial one. */
	if (o->tmp_path && g_rename(o->tmp_path, o->target) != 0) {
		int e = errno;
		g_unlink(o->tmp_path);
		set_error(o, o->what ? "publish" : "write", e, error);
		done = FALSE;
	}
	outfile_free(o);
	return done;
}

gboolean outfile_commit(outfile *o, gboolean ok, GError **error)
{
	GError *e = NULL;
	if (outfile_finish(o, ok, &e))
		return outfile_publish(o, error);
	if (e)
		g_propagate_error(error, e);
	else
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "%s not written", o->path);
	outfile_free(o);
	return FALSE;
}

void outfile_abort(outfile *o)
{
	if (!o)
		return;
	if (o->f)
		fclose(o->f);
	if (o->tmp_path)
		g_unlink(o->tmp_path);
	outfile_free(o);
}

gboolean outfile_write_report(const char *path, const report *r, report_format fmt, GError **error)
{
	if (!path || strcmp(path, "-") == 0) {
		if (!report_write(r, fmt, stdout)) {
			g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot write the report: %s",
			            g_strerror(errno));
			return FALSE;
		}
		return TRUE;
	}
	outfile *o = outfile_open(path, NULL, error);
	if (!o)
		return FALSE;
	return outfile_commit(o, report_write(r, fmt, outfile_stream(o)), error);
}
