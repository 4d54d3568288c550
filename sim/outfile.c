/* \summary: output files written under a temporary name and renamed when complete */
#include "outfile.h"

#include <errno.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

FILE *outfile_open(const char *path, char **tmp_path, GError **error)
{
	char *dir = g_path_get_dirname(path);
	char *base = g_path_get_basename(path);
	char *tmpl = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
	g_free(dir);
	g_free(base);
	int fd = g_mkstemp(tmpl);
	if (fd < 0) {
		int e = errno;
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot write %s: %s", path, g_strerror(e));
		g_free(tmpl);
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		g_unlink(tmpl);
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot write %s: %s", path, g_strerror(e));
		g_free(tmpl);
		return NULL;
	}
	*tmp_path = tmpl;
	return f;
}

gboolean outfile_commit(FILE *f, const char *tmp_path, const char *path, gboolean ok, GError **error)
{
	int e = 0;
	if (fflush(f) != 0 || ferror(f))
		e = errno ? errno : EIO;
	if (fclose(f) != 0 && !e)
		e = errno ? errno : EIO;
	/* Readable like any file the user creates (mkstemp made it 0600). */
	if (!e && ok) {
		mode_t um = umask(0);
		umask(um);
		g_chmod(tmp_path, 0666 & ~um);
	}
	if (!e && ok && g_rename(tmp_path, path) == 0)
		return TRUE;
	if (!e && ok)
		e = errno;
	g_unlink(tmp_path);
	if (e)
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "cannot write %s: %s", path, g_strerror(e));
	else
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "%s not written", path);
	return FALSE;
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
	char *tmp = NULL;
	FILE *f = outfile_open(path, &tmp, error);
	if (!f)
		return FALSE;
	gboolean ok = report_write(r, fmt, f);
	gboolean done = outfile_commit(f, tmp, path, ok, error);
	g_free(tmp);
	return done;
}
