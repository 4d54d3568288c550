/* \summary: what the key-file loaders share: the problem list, sourced schemas, plain numbers */
#ifndef VPCSIM_KEYFILE_H
#define VPCSIM_KEYFILE_H

#include <stddef.h>
#include <glib.h>

/*
 * Every vpcsim data file (price table, latency profile, scenario) is a GLib
 * key file checked as a whole before anything runs.  Loaders never stop at
 * the first problem: each problem appends one line
 *
 *     FILE: [group] key: 'value' is ...; expected ...
 *
 * to a kf_problems list, and the load fails at the end with all of them in
 * one GError (VPCSIM_ERROR_INVALID), so a user fixing a hand-edited file
 * sees every mistake in one run.
 */
typedef struct {
	char *file;   /* how the file is named in messages (the path as given) */
	GString *text;
	guint count;
	char *src;         /* the file's text until a problem needs its lines, or NULL */
	GHashTable *lines; /* "group" and "group\nkey" -> line number, or NULL */
	GHashTable *alias; /* a group's name in messages -> its name in the file */
} kf_problems;

void kf_problems_init(kf_problems *pr, const char *file);

/* Gives the list the file's text, so that each problem names the line of
 * its key (or, for a key that is not in the file, of its group):
 * "FILE:LINE: [group] key: MESSAGE".  GKeyFile keeps no line numbers, so
 * the text is scanned for [group] and key = lines (the last of a repeated
 * key, the one GKeyFile keeps) when the first problem asks for a line:
 * a file without problems, the usual case, is never scanned. */
void kf_problems_set_text(kf_problems *pr, const char *data, gsize len);
/* Problems about group `label` (a counted group's copy, "instance c-3")
 * take their line from the group as written ("instance c-{i}"). */
void kf_problems_alias(kf_problems *pr, const char *label, const char *written);

/* The line a problem about group.key names (of the key, else of the
 * group), or 0 when unknown. */
guint kf_problem_line(kf_problems *pr, const char *group, const char *key);

/* Appends "FILE[:LINE]: [group] key: MESSAGE"; `key` may be NULL ("FILE:
 * [group]: MESSAGE") and so may `group` ("FILE: MESSAGE"). */
void kf_problem(kf_problems *pr, const char *group, const char *key, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

/* Appends lines that already name their own file (another loader's error). */
void kf_problem_lines(kf_problems *pr, const char *lines);

/* Frees the list.  If it holds problems, sets `error` (VPCSIM_ERROR_INVALID)
 * to all of them and returns FALSE; else returns TRUE. */
gboolean kf_problems_finish(kf_problems *pr, GError **error);

/* Parses `data` as a key file; a syntax error is VPCSIM_ERROR_PARSE naming
 * `name`.  Whole-line '#' comments only: GKeyFile has no others. */
GKeyFile *kf_load_data(const char *data, gsize len, const char *name, GError **error);

/* The largest data file read: 16 MiB, thousands of times a real one. */
#define KF_MAX_FILE_BYTES (16u << 20)

/* Reads `path` into `*data` (caller frees; NUL-terminated); an unreadable
 * file, or one larger than KF_MAX_FILE_BYTES (a stream such as a pipe or a
 * device is read up to the limit), is VPCSIM_ERROR_IO "PATH: cannot read
 * the WHAT: REASON". */
gboolean kf_read_file(const char *path, const char *what, char **data, gsize *len,
                      GError **error);

/* Parses a whole string as a finite plain number (no unit; surrounding
 * blanks allowed), locale-independently. */
gboolean kf_parse_number(const char *text, double *out);

/*
 * Sourced files (price tables, latency profiles): every value K has a
 * sibling `K.source` = "<URL or -> <[evidence kind]> <note>", with the
 * evidence kinds of aws-facts.md.  A file's schema is a table of structs
 * whose first member is a kf_key; kf_schema describes that table.
 */
typedef struct {
	const char *group;
	const char *key;
	gboolean sourced;  /* needs a KEY.source */
	const char *what;  /* what the value is, for "missing; expected ..." */
} kf_key;

typedef struct {
	const kf_key *first; /* the kf_key of the table's first element */
	size_t n;            /* elements in the table; a group's keys are adjacent */
	size_t stride;       /* sizeof one element */
	const char *missing_source; /* the end of "KEY.source: missing; ..." */
	const char *source_example; /* a good source line for this kind of file */
} kf_schema;

#define KF_SCHEMA_KEY(s, i) ((const kf_key *)(const void *)((const char *)(s)->first + \
                                                            (i) * (s)->stride))

#define KF_SOURCE_SUFFIX ".source"
#define KF_ASSUMPTION_TAG "[UNSOURCED ASSUMPTION]"

/* TRUE if `text` is "<URL or -> <[evidence kind]> ...". */
gboolean kf_source_ok(const char *text);

/* Checks the groups of a sourced file against the schema: unknown groups
 * (in file order), then within each known group duplicate keys, unknown
 * keys and malformed sources.  Good sources go into `sources` as
 * "group.key" -> text. */
void kf_check_groups(kf_problems *pr, GKeyFile *kf, const kf_schema *s, GHashTable *sources);

/* The raw value of element `i` of the schema, or NULL when it is missing.
 * Reports a missing group (once, at its first key), a missing key and a
 * missing .source.  Caller frees. */
char *kf_schema_value(kf_problems *pr, GKeyFile *kf, const kf_schema *s, size_t i);

/* "group.key" of every element whose source mentions [UNSOURCED
 * ASSUMPTION], in schema order.  Free with g_ptr_array_unref(). */
GPtrArray *kf_schema_assumptions(const kf_schema *s, GHashTable *sources);

/* The source text of group.key in `sources`, or NULL. */
const char *kf_source(GHashTable *sources, const char *group, const char *key);

#endif
