/* \summary: output files: temp-then-rename for regular files, written through for anything else */
#ifndef VPCSIM_OUTFILE_H
#define VPCSIM_OUTFILE_H

#include <stdio.h>
#include <glib.h>

#include "report.h"

/*
 * Every file vpcsim writes (reports, comparison tables, plots, captures)
 * goes through here, so what a path means is decided in one place:
 *
 *  - a regular file, or a name that does not exist yet: written under a
 *    hidden temporary name beside it (DIR/.NAME.XXXXXX) and renamed over it
 *    when complete, so a reader sees the old file or the new one, never a
 *    part; a file that existed keeps its permission bits;
 *  - a symbolic link: followed (relative targets from the link's
 *    directory, chains too), and its final target written as above, so the
 *    link stays a link;
 *  - anything else (a device such as /dev/null, a FIFO, a terminal, a
 *    socket) and the file-descriptor names /dev/stdout, /dev/stderr,
 *    /dev/fd/N and links into /proc: written through, opened as it is
 *    (appending, for a regular file reached through a descriptor, as the
 *    shell's `>>` would).  The bytes go out as they are written and cannot
 *    be taken back if the program fails later.
 */
typedef struct outfile outfile;

/* Opens `path`.  `what` ("capture file") is how messages name it, NULL for
 * plain "cannot write PATH: REASON".  Errors: VPCSIM_ERROR_IO. */
outfile *outfile_open(const char *path, const char *what, GError **error);
FILE *outfile_stream(const outfile *o);
const char *outfile_path(const outfile *o); /* as given */
gboolean outfile_through(const outfile *o); /* written through, no temporary */

/* FALSE (with an error) when the temporary file has been removed from its
 * directory, e.g. the directory was deleted: the writes would succeed and
 * the rename fail only at the end.  One fstat(); TRUE for written-through
 * files. */
gboolean outfile_check(const outfile *o, GError **error);

/* Flushes and closes the stream.  If that fails, or ok is FALSE, the
 * temporary file is removed and FALSE returned (an error set only for an
 * I/O failure).  A completed temporary file waits for outfile_publish()
 * or outfile_abort(). */
gboolean outfile_finish(outfile *o, gboolean ok, GError **error);
/* Renames a finished file into place; frees o. */
gboolean outfile_publish(outfile *o, GError **error);
/* outfile_finish() then outfile_publish(); frees o.  FALSE with an error
 * naming the path when anything failed ("PATH not written" for ok FALSE). */
gboolean outfile_commit(outfile *o, gboolean ok, GError **error);
/* Closes if open, removes the temporary file if any, frees o. */
void outfile_abort(outfile *o);

/* Writes a report to `path` (through outfile), or to standard output when
 * path is NULL or "-". */
gboolean outfile_write_report(const char *path, const report *r, report_format fmt, GError **error);

#endif
