/* \summary: the scenario-file machinery: groups, counts, ${vars}, overrides, references by key spec, error lists */
#ifndef VPCSIM_LOADER_H
#define VPCSIM_LOADER_H

#include <stdint.h>
#include <glib.h>

#include "dist.h"
#include "ipaddr.h"
#include "keyfile.h"
#include "units.h"

/*
 * A scenario file is a GLib key file whose groups are [TOP] (one group of
 * file-wide keys, "scenario"), [vars] and [KIND NAME].  This loader knows
 * nothing of what the kinds are: a schema (ld_schema) gives their words and
 * keys and the name spaces they share, and the caller (models/scenario.c)
 * builds its elements from the groups the loader hands it.  What the loader
 * does, for every kind alike, collecting problems into one list rather than
 * stopping (each names file:line, group, key, the value and what was
 * expected):
 *
 *   1. --set overrides are written into the key file; one naming a group
 *      that only exists after expansion ("instance:client-3") waits for 3.
 *   2. [vars] are read; ${name} is substituted in every other value.
 *   3. Each [KIND NAME] group becomes one ld_group (or N for `count = N`,
 *      with {i} expressions evaluated in its name and values), in file
 *      order.  Unknown kinds and keys and missing required keys are caught
 *      here, once per group as written.
 *   4. Names are registered per kind, so a reference is a hash lookup and
 *      an element's index is its position among the groups of its kind;
 *      and per name space where one name may stand for several kinds.
 *
 * Then the caller reads values with the ld_get* functions, which report
 * what they cannot use against the group and key, and resolves references
 * with ld_ref and ld_ref_list.  A counted group with a mistake repeats it
 * in every group it stands for: its problems with one key are reported for
 * the first 20 groups, then one line says how many more there were.
 */

typedef struct {
	const char *key;
	gboolean required;
	const char *what; /* what the value is, for "expected ..." */
} ld_key;

/* One kind of group: KIND in [KIND NAME], and its keys (NULL-terminated). */
typedef struct {
	const char *word;
	const ld_key *keys;
} ld_kind;

/* Kinds whose names must be unique across the kinds of a set, because
 * something names one of them without saying its kind. */
#define LD_SPACE_MAX_KINDS 8
typedef struct {
	int kinds[LD_SPACE_MAX_KINDS];
	int n;
	const char *why;              /* ends "expected names unique across ..." */
	const char *const *reserved;  /* names no group of these kinds may take, or NULL */
	const char *reserved_why;     /* "is a reserved route target" */
} ld_space;

typedef struct {
	const char *what;          /* "scenario": the file's kind, for I/O messages */
	const char *top;           /* the file-wide group, "scenario" */
	const ld_key *top_keys;
	const ld_kind *const *kinds; /* kind id = index */
	int n_kinds;
	const ld_space *spaces;
	int n_spaces;
} ld_schema;

/* The most groups one counted group may stand for: far above any scenario
 * that runs in reasonable time, low enough that a typo (count = 1e9) fails
 * at once instead of exhausting memory. */
#define LD_MAX_COUNT 65536

typedef struct ld_loader ld_loader;

/* One group after expansion: [vpc spoke-{i}] with count = 3 gives three. */
typedef struct {
	int kind;
	char *name;         /* "spoke-2" */
	char *label;        /* "vpc spoke-2": the group as messages name it */
	char *written;      /* "vpc spoke-{i}": as written in the file */
	gint64 index;       /* i of a counted group, 0 otherwise */
	GHashTable *values; /* key -> value after substitution; NULL value = a value
	                       that could not be substituted (already reported) */
} ld_group;

/* Reads `path`, runs passes 1 and 2 with `overrides` (a NULL-terminated
 * list of "GROUP.KEY=VALUE", GROUP as "KIND:NAME" or "KIND NAME", may be
 * NULL).  With `absent` non-NULL, an override naming a group the file does
 * not have is added to it (its text, g_free) instead of being a problem.
 * NULL with an error only when the file cannot be read or is not a key
 * file; every other problem waits in the list for ld_finish().  `path` and
 * `schema` must outlive the loader. */
ld_loader *ld_open(const char *path, const ld_schema *schema, const char *const *overrides,
                   GPtrArray *absent, GError **error);
/* Passes 3 and 4: the groups, expanded, checked and named.  Top-group
 * values read before this call report their problems before the groups'. */
void ld_expand(ld_loader *l);
/* FALSE with the error listing every problem (VPCSIM_ERROR_INVALID) when
 * there were any.  Frees the loader either way. */
gboolean ld_finish(ld_loader *l, GError **error);

const char *ld_path(const ld_loader *l);
kf_problems *ld_problems(ld_loader *l);
/* The groups of kind k in file order (ld_group *): element i's group. */
GPtrArray *ld_groups(const ld_loader *l, int k);
/* Element i's name per kind k (const char *), including names added with
 * ld_add_name() after the groups. */
GPtrArray *ld_names(const ld_loader *l, int k);
/* Every group in file order (ld_group *). */
GPtrArray *ld_all_groups(const ld_loader *l);
/* The kind that took `name` in name space `space` (its index in the
 * schema's spaces), or -1. */
int ld_space_kind(const ld_loader *l, int space, const char *name);
/* Registers an element that no group wrote (an implicit main route
 * table), so references find it; its index is the next of kind k. */
void ld_add_name(ld_loader *l, int k, const char *name);
const ld_schema *ld_schema_of(const ld_loader *l);

/* Reports a problem with group g (and key, or NULL for the group). */
void ld_problem(ld_loader *l, const ld_group *g, const char *key, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
/* The spec of `key` in a NULL-terminated list, or NULL. */
const ld_key *ld_key_find(const ld_key *keys, const char *key);
/* What key of g's kind expects, for messages ("another name" if unknown). */
const char *ld_key_what(const ld_loader *l, const ld_group *g, const char *key);

/* A top-group value after ${var} substitution, `def` when absent, NULL
 * when it could not be substituted (reported).  Caller frees. */
char *ld_top_value(ld_loader *l, const char *key, const char *def);
/* A path named in the file, relative to the file's folder.  Caller frees. */
char *ld_relative_path(const ld_loader *l, const char *rel);

/* The value of `key`, `def` when the key is absent, and NULL when it is
 * present but could not be substituted (already reported). */
const char *ld_get(const ld_group *g, const char *key, const char *def);
gboolean ld_has(const ld_group *g, const char *key);
gboolean ld_get_bool(ld_loader *l, const ld_group *g, const char *key, gboolean def);
/* One word of a NULL-terminated list; its index, or -1 when the key is
 * absent (and `def` NULL), could not be substituted or is none of the
 * words (reported). */
int ld_get_choice(ld_loader *l, const ld_group *g, const char *key, const char *def,
                  const char *const *words);
/* ld_get_choice() with the first word standing in for a bad value. */
int ld_get_word(ld_loader *l, const ld_group *g, const char *key, const char *def,
                const char *const *words);
void ld_get_dist(ld_loader *l, const ld_group *g, const char *key, const char *def,
                 unit_kind kind, dist *out);
/* A CIDR-valued key; reports and returns FALSE when it is not one. */
gboolean ld_get_cidr(ld_loader *l, const ld_group *g, const char *key, sc_cidr *out);

/* The index of element `name` of kind k, or -1. */
int ld_lookup(const ld_loader *l, int k, const char *name);
/* A single reference of kind k; -1 when absent, bad or undefined (reported,
 * saying what the name is if it names something of another kind). */
int ld_ref(ld_loader *l, const ld_group *g, const char *key, int k);
/* Reports `name`, given in `key`, as not being of kind k. */
void ld_undefined(ld_loader *l, const ld_group *g, const char *key, const char *name, int k);
/* A comma-separated list of names or globs of kind k, appended (int
 * indices) to `out` without repeats; a glob stands for every match in file
 * order.  With `required`, a list naming nothing is a problem. */
void ld_ref_list(ld_loader *l, const ld_group *g, const char *key, const char *value, int k,
                 GArray *out, gboolean required);
/* Up to eight names of kind k, "defined: a, b, ..." or "none are
 * defined".  Caller frees. */
char *ld_names_list(const ld_loader *l, int k);
/* "a" or "an" before a word in messages. */
const char *ld_article(const char *word);

#endif
