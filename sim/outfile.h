/* \summary: output files written under a temporary name and renamed when complete */
#ifndef VPCSIM_OUTFILE_H
#define VPCSIM_OUTFILE_H

#include <stdio.h>
#include <glib.h>

#include "report.h"

/* Opens a hidden temporary file beside `path` for writing. */
FILE *outfile_open(const char *path, char **tmp_path, GError **error);
/* Closes it and renames it to `path`, or removes it if anything failed
 * (ok FALSE, or a write/close error); returns FALSE with an error naming
 * `path` then. */
gboolean outfile_commit(FILE *f, const char *tmp_path, const char *path, gboolean ok, GError **error);

/* Writes a report to `path` (complete or not at all), or to standard output
 * when path is NULL or "-". */
gboolean outfile_write_report(const char *path, const report *r, report_format fmt, GError **error);

#endif
