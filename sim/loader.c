/* \summary: the scenario-file machinery: groups, counts, ${vars}, overrides, references by key spec, error lists */
#include "loader.h"
#include "error.h"

#include <string.h>

/* The reference for users is the README's "Scenario files"; loader.h says
 * what each pass does.  Nothing here knows a construct: the kinds, their
 * keys and their name spaces come from the schema. */

typedef struct {
	char *text;  /* as given, for messages */
	char *group; /* "vpc a" */
	char *key;
	char *value;
} override;

struct ld_loader {
	const char *path;
	const ld_schema *schema;
	kf_problems pr;
	GKeyFile *kf;
	GHashTable *vars;         /* name -> gint64 * */
	GPtrArray *var_names;     /* char *, file order, NULL-terminated, for messages */
	GPtrArray *groups;        /* ld_group *, file order, expanded */
	GPtrArray **of;           /* per kind: ld_group *, element i's group */
	GPtrArray **names_of;     /* per kind: const char *, element i's name, added ones too */
	GHashTable **names;       /* per kind: name -> element index + 1 */
	GHashTable **space;       /* per name space: name -> kind + 1 */
	GPtrArray *deferred;      /* override *: for groups that exist only after expansion */
	GPtrArray *absent;        /* char *: overrides left out for naming a missing group, or
	                             NULL: such an override is a problem */
	GHashTable *repeated;     /* groups written more than once (reported once) */
	GHashTable *capped;       /* "written group\nkey" -> capped: a counted group's problems */
	GPtrArray *added;         /* char *: names given to ld_add_name(), owned */
};

/*
 * A counted group with a mistake repeats it in every group it stands for:
 * its problems with one key are reported for the first PROBLEM_CAP groups,
 * then one line says how many more there were ("... and 65016 more like
 * this"), placed right after them.
 */
#define PROBLEM_CAP 20

typedef struct {
	guint n;       /* problems seen */
	gsize end;     /* where the PROBLEM_CAP-th one's line ends in the list */
	char *group;   /* as written */
	char *key;     /* NULL for the group as a whole */
} capped;

static void capped_free(gpointer data)
{
	capped *c = data;
	g_free(c->group);
	g_free(c->key);
	g_free(c);
}

#define P(l, g, key, ...) problem(&(l)->pr, &(l)->capped, (g), key, __VA_ARGS__)

static void problem(kf_problems *pr, GHashTable **cap, const ld_group *g, const char *key,
                    const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static void problem(kf_problems *pr, GHashTable **cap, const ld_group *g, const char *key,
                    const char *fmt, ...)
{
	capped *c = NULL;
	if (g->index > 0) {
		if (!*cap)
			*cap = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, capped_free);
		char *id = g_strconcat(g->written, "\n", key ? key : "", NULL);
		c = g_hash_table_lookup(*cap, id);
		if (!c) {
			c = g_new0(capped, 1);
			c->group = g_strdup(g->written);
			c->key = g_strdup(key);
			g_hash_table_insert(*cap, id, c);
		} else {
			g_free(id);
		}
		if (++c->n > PROBLEM_CAP)
			return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	kf_problem(pr, g->label, key, "%s", msg);
	g_free(msg);
	if (c && c->n == PROBLEM_CAP)
		c->end = pr->text->len;
}

static gint capped_by_end_desc(gconstpointer a, gconstpointer b)
{
	const capped *x = *(capped *const *)a, *y = *(capped *const *)b;
	return x->end < y->end ? 1 : x->end > y->end ? -1 : 0;
}

/* Writes "... and N more like this" after the last reported problem of
 * each capped group and key (from the end backwards, so that the offsets
 * of earlier ones stay put). */
static void finish_capped(ld_loader *l)
{
	if (!l->capped)
		return;
	GPtrArray *over = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, l->capped);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((capped *)v)->n > PROBLEM_CAP)
			g_ptr_array_add(over, v);
	g_ptr_array_sort(over, capped_by_end_desc);
	for (guint i = 0; i < over->len; i++) {
		const capped *c = g_ptr_array_index(over, i);
		GString *line = g_string_new("\n");
		guint n = kf_problem_line(&l->pr, c->group, c->key);
		g_string_append(line, l->pr.file);
		if (n)
			g_string_append_printf(line, ":%u", n);
		g_string_append_printf(line, ": [%s]", c->group);
		if (c->key)
			g_string_append_printf(line, " %s", c->key);
		g_string_append_printf(line, ": ... and %u more like this", c->n - PROBLEM_CAP);
		g_string_insert(l->pr.text, (gssize)c->end, line->str);
		g_string_free(line, TRUE);
	}
	g_ptr_array_unref(over);
	g_hash_table_unref(l->capped);
	l->capped = NULL;
}

static void grp_free(gpointer data)
{
	ld_group *g = data;
	g_free(g->name);
	g_free(g->label);
	g_free(g->written);
	g_hash_table_destroy(g->values);
	g_free(g);
}

static void override_free(gpointer data)
{
	override *o = data;
	g_free(o->text);
	g_free(o->group);
	g_free(o->key);
	g_free(o->value);
	g_free(o);
}

/* The value of `key`, `def` when the key is absent, and NULL when it is
 * present but could not be substituted (already reported). */
const char *ld_get(const ld_group *g, const char *key, const char *def)
{
	/* Not g_hash_table_lookup_extended(): GCC 12 at -O3 mistakes its
	 * out-parameter for a pointer to a local (-Wdangling-pointer). */
	if (!g_hash_table_contains(g->values, key))
		return def;
	return g_hash_table_lookup(g->values, key);
}

static int find_kind(const ld_loader *l, const char *word)
{
	for (int k = 0; k < l->schema->n_kinds; k++)
		if (strcmp(l->schema->kinds[k]->word, word) == 0)
			return k;
	return -1;
}

const ld_key *ld_key_find(const ld_key *keys, const char *key)
{
	for (const ld_key *s = keys; s->key; s++)
		if (strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

/* "cidr, count" for messages.  Caller frees. */
static char *key_list(const ld_key *keys, gboolean with_count)
{
	GString *s = g_string_new(NULL);
	for (const ld_key *k = keys; k->key; k++)
		g_string_append_printf(s, "%s%s", s->len ? ", " : "", k->key);
	if (with_count)
		g_string_append_printf(s, "%scount", s->len ? ", " : "");
	return g_string_free(s, FALSE);
}

static char *kind_list(const ld_loader *l)
{
	GString *s = g_string_new(NULL);
	for (int k = 0; k < l->schema->n_kinds; k++)
		g_string_append_printf(s, "%s%s", k ? ", " : "", l->schema->kinds[k]->word);
	return g_string_free(s, FALSE);
}

/* Up to eight names of kind k, "a, b, ..." or "none".  Caller frees. */
char *ld_names_list(const ld_loader *l, int k)
{
	GPtrArray *n = l->names_of[k];
	if (n->len == 0)
		return g_strdup("none are defined");
	GString *s = g_string_new("defined: ");
	for (guint i = 0; i < n->len && i < 8; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", (const char *)n->pdata[i]);
	if (n->len > 8)
		g_string_append_printf(s, ", ... (%u in all)", n->len);
	return g_string_free(s, FALSE);
}

/* Letters, digits, '-' and '_'; with `counted`, {i} expressions too (they
 * are checked when evaluated). */
static gboolean valid_name(const char *s, gboolean counted)
{
	if (*s == '\0')
		return FALSE;
	for (; *s; s++) {
		if (counted && *s == '{') {
			const char *e = strchr(s, '}');
			if (!e)
				return FALSE;
			s = e;
		} else if (!g_ascii_isalnum(*s) && *s != '-' && *s != '_') {
			return FALSE;
		}
	}
	return TRUE;
}

/* A CIDR-valued key; reports and returns FALSE when it is not one. */
gboolean ld_get_cidr(ld_loader *l, const ld_group *g, const char *key, sc_cidr *out)
{
	const char *v = ld_get(g, key, NULL);
	if (!v)
		return FALSE;
	GString *why = g_string_new(NULL);
	gboolean ok = cidr_parse(v, out, why);
	if (!ok)
		P(l, g, key, "'%s' %s", v, why->str);
	g_string_free(why, TRUE);
	return ok;
}

/* Replaces every ${name} with its [vars] value.  On an undefined or
 * malformed reference appends the reason to `why` and returns NULL. */
static char *subst_vars(ld_loader *l, const char *text, GString *why)
{
	GString *out = g_string_new(NULL);
	for (const char *p = text; *p;) {
		if (p[0] != '$' || p[1] != '{') {
			g_string_append_c(out, *p++);
			continue;
		}
		const char *end = strchr(p + 2, '}');
		if (!end) {
			g_string_append(why, "has '${' without a closing '}'; expected ${NAME}");
			g_string_free(out, TRUE);
			return NULL;
		}
		char *name = g_strndup(p + 2, (gsize)(end - p - 2));
		const gint64 *v = g_hash_table_lookup(l->vars, name);
		if (!v) {
			char *known = l->var_names->len
			                      ? g_strjoinv(", ", (char **)l->var_names->pdata)
			                      : g_strdup("none");
			g_string_append_printf(why, "uses ${%s}, which [vars] does not define; expected "
			                            "one of the [vars] (%s)", name, known);
			g_free(known);
			g_free(name);
			g_string_free(out, TRUE);
			return NULL;
		}
		g_string_append_printf(out, "%" G_GINT64_FORMAT, *v);
		g_free(name);
		p = end + 1;
	}
	return g_string_free(out, FALSE);
}

/* The next "{i" that starts an index expression ({id} is not one). */
static const char *find_index_expr(const char *p)
{
	for (; (p = strchr(p, '{')); p++)
		if (p[1] == 'i' && !g_ascii_isalnum(p[2]) && p[2] != '_')
			return p;
	return NULL;
}

/* Evaluates "{i}", "{i+K}", "{i-K}" or "{i*K}" at `p` for index i. */
static gboolean eval_index_expr(const char *p, gint64 i, gint64 *out, size_t *len)
{
	const char *q = p + 2;
	if (*q == '}') {
		*out = i;
		*len = 3;
		return TRUE;
	}
	char op = *q++;
	if ((op != '+' && op != '-' && op != '*') || !g_ascii_isdigit(*q))
		return FALSE;
	gint64 k = 0;
	for (; g_ascii_isdigit(*q); q++)
		if ((k = k * 10 + (*q - '0')) > G_GINT64_CONSTANT(1000000000000))
			return FALSE;
	if (*q != '}')
		return FALSE;
	*out = op == '+' ? i + k : op == '-' ? i - k : i * k;
	*len = (size_t)(q + 1 - p);
	return TRUE;
}

/* Replaces every index expression in `text` for index i. */
static char *subst_index(const char *text, gint64 i, GString *why)
{
	GString *out = g_string_new(NULL);
	const char *p = text, *e;
	while ((e = find_index_expr(p))) {
		g_string_append_len(out, p, e - p);
		gint64 v;
		size_t len;
		if (!eval_index_expr(e, i, &v, &len)) {
			int n = (int)strcspn(e, "}");
			g_string_append_printf(why, "has '%.*s%s', which is not an index expression; "
			                            "expected {i}, {i+K}, {i-K} or {i*K} with K a whole "
			                            "number", n, e, e[n] ? "}" : "");
			g_string_free(out, TRUE);
			return NULL;
		}
		g_string_append_printf(out, "%" G_GINT64_FORMAT, v);
		p = e + len;
	}
	g_string_append(out, p);
	return g_string_free(out, FALSE);
}

/* GKeyFile merges a group written twice into one, so a repeated [vpc a]
 * would silently combine two VPCs' keys; the text is scanned for it. */
static void check_duplicate_groups(ld_loader *l, const char *data)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char **lines = g_strsplit(data, "\n", -1);
	for (char **ln = lines; *ln; ln++) {
		const char *s = *ln;
		while (g_ascii_isspace(*s))
			s++;
		const char *e = *s == '[' ? strchr(s, ']') : NULL;
		if (!e)
			continue;
		char *name = g_strndup(s + 1, (gsize)(e - s - 1));
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(seen, name)) + 1;
		if (n == 2) {
			kf_problem(&l->pr, name, NULL, "the group appears more than once; expected each "
			                               "group once (the key file would merge them)");
			g_hash_table_add(l->repeated, g_strdup(name));
		}
		g_hash_table_insert(seen, name, GUINT_TO_POINTER(n));
	}
	g_strfreev(lines);
	g_hash_table_destroy(seen);
}

static gboolean valid_key(const char *k)
{
	if (*k == '\0')
		return FALSE;
	for (; *k; k++)
		if (!g_ascii_isalnum(*k) && *k != '_' && *k != '-')
			return FALSE;
	return TRUE;
}

/* Splits "GROUP.KEY=VALUE" at the first '=' and the last '.' before it;
 * "KIND:NAME" becomes "KIND NAME". */
static override *parse_override(ld_loader *l, const char *text)
{
	const char *eq = strchr(text, '=');
	char *lhs = eq ? g_strndup(text, (gsize)(eq - text)) : NULL;
	char *dot = lhs ? strrchr(lhs, '.') : NULL;
	if (!dot || dot == lhs || strchr(eq + 1, '\n')) {
		kf_problem(&l->pr, NULL, NULL, "--set '%s' is not GROUP.KEY=VALUE; expected e.g. "
		                               "vars.clients=8, scenario.seed=2 or "
		                               "vpc:vpc-a.cidr=10.1.0.0/16", text);
		g_free(lhs);
		return NULL;
	}
	*dot = '\0';
	override *o = g_new0(override, 1);
	o->text = g_strdup(text);
	o->group = g_strdup(g_strstrip(lhs));
	o->key = g_strstrip(g_strdup(dot + 1));
	o->value = g_strstrip(g_strdup(eq + 1));
	char *colon = strchr(o->group, ':');
	if (colon)
		*colon = ' ';
	g_free(lhs);
	if (!valid_key(o->key)) {
		kf_problem(&l->pr, o->group, o->key, "--set '%s': '%s' is not a key name; expected "
		                                     "letters, digits, '_' and '-'", text, o->key);
		override_free(o);
		return NULL;
	}
	return o;
}

static void apply_overrides(ld_loader *l, const char *const *overrides)
{
	for (const char *const *t = overrides; t && *t; t++) {
		override *o = parse_override(l, *t);
		if (!o)
			continue;
		if (strcmp(o->group, l->schema->top) == 0 || strcmp(o->group, "vars") == 0 ||
		    g_key_file_has_group(l->kf, o->group)) {
			g_key_file_set_value(l->kf, o->group, o->key, o->value);
			override_free(o);
		} else {
			g_ptr_array_add(l->deferred, o);
		}
	}
}

/* Reports repeated keys of a group (GKeyFile keeps the last); not in a
 * group written twice, whose merged keys repeat as a matter of course. */
static void check_duplicate_keys(ld_loader *l, const char *group, char **keys)
{
	if (g_hash_table_contains(l->repeated, group))
		return;
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	for (char **k = keys; *k; k++)
		if (!g_hash_table_add(seen, *k))
			kf_problem(&l->pr, group, *k, "duplicate key (the last value would win); expected "
			                              "each key once");
	g_hash_table_destroy(seen);
}

static void read_vars(ld_loader *l)
{
	char **keys = g_key_file_get_keys(l->kf, "vars", NULL, NULL);
	if (!keys)
		return;
	check_duplicate_keys(l, "vars", keys);
	for (char **k = keys; *k; k++) {
		if (g_hash_table_contains(l->vars, *k))
			continue;
		char *v = g_strstrip(g_key_file_get_value(l->kf, "vars", *k, NULL));
		gint64 n;
		if (!valid_key(*k) || strchr(*k, '-')) {
			kf_problem(&l->pr, "vars", *k, "'%s' is not a variable name; expected letters, "
			                               "digits and '_'", *k);
		} else if (!g_ascii_string_to_signed(v, 10, -G_GINT64_CONSTANT(1000000000000),
		                                     G_GINT64_CONSTANT(1000000000000), &n, NULL)) {
			kf_problem(&l->pr, "vars", *k, "'%s' is not a whole number; expected a whole "
			                               "number such as 4, used elsewhere as ${%s}", v, *k);
		} else {
			g_hash_table_insert(l->vars, g_strdup(*k), g_memdup2(&n, sizeof n));
			g_ptr_array_add(l->var_names, g_strdup(*k));
		}
		g_free(v);
	}
	g_strfreev(keys);
}

/* A path named in [scenario], relative to the scenario file's folder. */
char *ld_relative_path(const ld_loader *l, const char *rel)
{
	if (g_path_is_absolute(rel))
		return g_strdup(rel);
	char *dir = g_path_get_dirname(l->path);
	char *p = g_build_filename(dir, rel, NULL);
	g_free(dir);
	return p;
}

/* A [scenario] value after ${var} substitution, `def` when absent, NULL when
 * it could not be substituted.  Caller frees. */
char *ld_top_value(ld_loader *l, const char *key, const char *def)
{
	char *raw = g_key_file_get_value(l->kf, l->schema->top, key, NULL);
	if (!raw)
		return g_strdup(def);
	GString *why = g_string_new(NULL);
	char *v = subst_vars(l, g_strstrip(raw), why);
	if (!v)
		kf_problem(&l->pr, l->schema->top, key, "'%s' %s", raw, why->str);
	g_string_free(why, TRUE);
	g_free(raw);
	return v;
}

static void add_group(ld_loader *l, int k, const char *written, const char *name, gint64 index,
                      GHashTable *values)
{
	ld_group *g = g_new0(ld_group, 1);
	g->kind = k;
	g->name = g_strdup(name);
	g->label = g_strdup_printf("%s %s", l->schema->kinds[k]->word, name);
	g->written = g_strdup(written);
	kf_problems_alias(&l->pr, g->label, written);
	g->index = index;
	g->values = values;
	g_ptr_array_add(l->groups, g);
	g_ptr_array_add(l->of[k], g);
}

/* Reads the count of a counted group, or 0 when it has none; -1 when it is
 * bad (reported). */
static gint64 read_count(ld_loader *l, const char *group, const char *name)
{
	char *raw = g_key_file_get_value(l->kf, group, "count", NULL);
	if (!raw) {
		if (find_index_expr(name)) {
			kf_problem(&l->pr, group, NULL, "the name uses {i} but the group has no count; "
			                                "expected count = N, or a name without {i}");
			return -1;
		}
		return 0;
	}
	GString *why = g_string_new(NULL);
	char *v = subst_vars(l, g_strstrip(raw), why);
	gint64 n = -1;
	guint64 u;
	if (!v) {
		kf_problem(&l->pr, group, "count", "'%s' %s", raw, why->str);
	} else if (!g_ascii_string_to_unsigned(v, 10, 1, LD_MAX_COUNT, &u, NULL)) {
		kf_problem(&l->pr, group, "count", "'%s' is not a positive whole number; expected "
		                                   "count = N with N from 1 to %d", v, LD_MAX_COUNT);
	} else if (!find_index_expr(name)) {
		kf_problem(&l->pr, group, "count", "'%s': the name %s has no {i}; expected a name "
		                                   "such as %s-{i}, so that the %s groups differ",
		           v, name, name, v);
	} else {
		n = (gint64)u;
	}
	g_string_free(why, TRUE);
	g_free(raw);
	g_free(v);
	return n;
}

/* Turns one group of the file into its expanded groups. */
static void expand_group(ld_loader *l, const char *group)
{
	const char *sp = strchr(group, ' ');
	char *word = sp ? g_strndup(group, (gsize)(sp - group)) : g_strdup(group);
	int k = find_kind(l, word);
	const char *name = sp ? sp + 1 : "";
	if (k < 0) {
		char *known = kind_list(l);
		kf_problem(&l->pr, group, NULL, "unknown group kind '%s'; expected [scenario], [vars] "
		                                "or [KIND NAME] with KIND one of %s", word, known);
		g_free(known);
		g_free(word);
		return;
	}
	g_free(word);
	if (!valid_name(name, TRUE)) {
		kf_problem(&l->pr, group, NULL, "'%s' is not a valid name; expected [%s NAME] with "
		                                "NAME made of letters, digits, '-' and '_' (and {i} "
		                                "in a counted group)", name, l->schema->kinds[k]->word);
		return;
	}

	char **keys = g_key_file_get_keys(l->kf, group, NULL, NULL);
	check_duplicate_keys(l, group, keys);
	for (char **key = keys; *key; key++) {
		if (strcmp(*key, "count") == 0 || ld_key_find(l->schema->kinds[k]->keys, *key))
			continue;
		char *v = g_key_file_get_value(l->kf, group, *key, NULL);
		char *known = key_list(l->schema->kinds[k]->keys, TRUE);
		kf_problem(&l->pr, group, *key, "unknown key (value '%s'); expected one of %s", v,
		           known);
		g_free(known);
		g_free(v);
	}

	gint64 count = read_count(l, group, name);
	if (count == 0 && !valid_name(name, FALSE)) {
		kf_problem(&l->pr, group, NULL, "'%s' is not a valid name; expected letters, digits, "
		                                "'-' and '_'", name);
		count = -1;
	}
	if (count < 0) {
		g_strfreev(keys);
		return;
	}
	gboolean counted = count > 0;

	/* ${var} substitution and the {i} syntax do not depend on i, so they
	 * are checked (and reported) once per group as written. */
	GHashTable *vals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GString *why = g_string_new(NULL);
	for (char **key = keys; *key; key++) {
		if (strcmp(*key, "count") == 0 || !ld_key_find(l->schema->kinds[k]->keys, *key))
			continue;
		char *raw = g_strstrip(g_key_file_get_value(l->kf, group, *key, NULL));
		g_string_truncate(why, 0);
		char *v = subst_vars(l, raw, why);
		if (v && counted) {
			char *test = subst_index(v, 1, why);
			if (!test)
				g_clear_pointer(&v, g_free);
			g_free(test);
		} else if (v && find_index_expr(v)) {
			g_string_append(why, "uses {i} but the group has no count; expected count = N "
			                     "in the group, or no {i}");
			g_clear_pointer(&v, g_free);
		}
		if (!v)
			kf_problem(&l->pr, group, *key, "'%s' %s", raw, why->str);
		g_hash_table_insert(vals, g_strdup(*key), v);
		g_free(raw);
	}
	g_string_truncate(why, 0);
	char *test = counted ? subst_index(name, 1, why) : NULL;
	if (test && !valid_name(test, FALSE))
		g_string_append_printf(why, "gives '%s', which is not a valid name; expected letters, "
		                            "digits, '-', '_' and index expressions", test);
	if (counted && (!test || !valid_name(test, FALSE))) {
		kf_problem(&l->pr, group, NULL, "the name '%s' %s", name, why->str);
		count = 0;
		counted = FALSE;
		g_hash_table_destroy(vals);
		vals = NULL;
	}
	g_free(test);

	if (!counted && vals) {
		add_group(l, k, group, name, 0, vals);
	} else if (vals) {
		for (gint64 i = 1; i <= count; i++) {
			GHashTable *vi = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
			GHashTableIter it;
			gpointer key, value;
			g_hash_table_iter_init(&it, vals);
			while (g_hash_table_iter_next(&it, &key, &value))
				g_hash_table_insert(vi, g_strdup(key),
				                    value ? subst_index(value, i, why) : NULL);
			char *ni = subst_index(name, i, why);
			add_group(l, k, group, ni, i, vi);
			g_free(ni);
		}
		g_hash_table_destroy(vals);
	}
	g_string_free(why, TRUE);
	g_strfreev(keys);
}

static ld_group *find_group(ld_loader *l, const char *label)
{
	for (guint i = 0; i < l->groups->len; i++) {
		ld_group *g = l->groups->pdata[i];
		if (strcmp(g->label, label) == 0)
			return g;
	}
	return NULL;
}

/* Overrides of groups that exist only after expansion ("instance:web-2"). */
static void apply_deferred(ld_loader *l)
{
	for (guint i = 0; i < l->deferred->len; i++) {
		override *o = l->deferred->pdata[i];
		ld_group *g = find_group(l, o->group);
		if (!g && l->absent) {
			g_ptr_array_add(l->absent, g_strdup(o->text));
			continue;
		}
		if (!g) {
			char *example = g_strdup(l->groups->len ? ((ld_group *)l->groups->pdata[0])->label
			                                        : "vpc vpc-a");
			*strchr(example, ' ') = ':';
			kf_problem(&l->pr, o->group, o->key, "--set '%s' names a group that is not in the "
			                                     "file; expected scenario, vars or an existing "
			                                     "group as KIND:NAME, such as %s", o->text,
			           example);
			g_free(example);
			continue;
		}
		if (strcmp(o->key, "count") == 0 || !ld_key_find(l->schema->kinds[g->kind]->keys, o->key)) {
			char *known = key_list(l->schema->kinds[g->kind]->keys, FALSE);
			kf_problem(&l->pr, g->label, o->key, "--set '%s': unknown key; expected one of %s "
			                                     "(count only on the group as written, %s)",
			           o->text, known, g->written);
			g_free(known);
			continue;
		}
		GString *why = g_string_new(NULL);
		char *v = subst_vars(l, o->value, why);
		char *vi = v ? subst_index(v, g->index, why) : NULL;
		if (!vi)
			kf_problem(&l->pr, g->label, o->key, "--set '%s': '%s' %s", o->text, o->value,
			           why->str);
		g_hash_table_insert(g->values, g_strdup(o->key), vi);
		g_free(v);
		g_string_free(why, TRUE);
	}
}

/* Missing required keys: once for a counted group when every copy lacks
 * the key (the usual case), else for each copy that lacks it. */
static void check_required(ld_loader *l)
{
	for (guint start = 0; start < l->groups->len;) {
		ld_group *first = l->groups->pdata[start];
		guint end = start + 1;
		while (end < l->groups->len &&
		       strcmp(((ld_group *)l->groups->pdata[end])->written, first->written) == 0)
			end++;
		for (const ld_key *s = l->schema->kinds[first->kind]->keys; s->key; s++) {
			if (!s->required)
				continue;
			guint missing = 0;
			for (guint i = start; i < end; i++)
				missing += !g_hash_table_contains(((ld_group *)l->groups->pdata[i])->values, s->key);
			if (missing == end - start && missing > 1)
				kf_problem(&l->pr, first->written, s->key, "missing; expected %s", s->what);
			else if (missing)
				for (guint i = start; i < end; i++) {
					ld_group *g = l->groups->pdata[i];
					if (!g_hash_table_contains(g->values, s->key))
						P(l, g, s->key, "missing; expected %s", s->what);
				}
		}
		start = end;
	}
}

int ld_lookup(const ld_loader *l, int k, const char *name)
{
	return GPOINTER_TO_INT(g_hash_table_lookup(l->names[k], name)) - 1;
}

static void register_name(ld_loader *l, int k, const char *name)
{
	g_ptr_array_add(l->names_of[k], (gpointer)name);
	if (!g_hash_table_contains(l->names[k], name))
		g_hash_table_insert(l->names[k], (gpointer)name,
		                    GINT_TO_POINTER((int)l->names_of[k]->len));
}

void ld_add_name(ld_loader *l, int k, const char *name)
{
	char *own = g_strdup(name);
	g_ptr_array_add(l->added, own);
	register_name(l, k, own);
}

static void register_names(ld_loader *l)
{
	for (guint i = 0; i < l->groups->len; i++) {
		ld_group *g = l->groups->pdata[i];
		if (ld_lookup(l, g->kind, g->name) >= 0)
			P(l, g, NULL, "the name '%s' is used by another [%s] group; expected names "
			              "unique within a kind", g->name, l->schema->kinds[g->kind]->word);
		register_name(l, g->kind, g->name);
		for (size_t sp = 0; sp < (size_t)l->schema->n_spaces; sp++) {
			gboolean member = FALSE;
			for (int t = 0; t < l->schema->spaces[sp].n; t++)
				member |= g->kind == l->schema->spaces[sp].kinds[t];
			if (!member)
				continue;
			int other = GPOINTER_TO_INT(g_hash_table_lookup(l->space[sp], g->name)) - 1;
			const ld_space *space = &l->schema->spaces[sp];
			if (space->reserved && g_strv_contains(space->reserved, g->name))
				P(l, g, NULL, "'%s' %s; expected another name", g->name, space->reserved_why);
			else if (other >= 0 && other != (int)g->kind)
				P(l, g, NULL, "the name '%s' is also used by [%s %s]; expected names unique "
				              "across %s", g->name, l->schema->kinds[other]->word, g->name,
				  space->why);
			else if (other < 0)
				g_hash_table_insert(l->space[sp], g->name, GINT_TO_POINTER(g->kind + 1));
		}
	}
}

/* "a" or "an" before a kind word in messages. */
const char *ld_article(const char *word)
{
	return strchr("aeiou", word[0]) ? "an" : "a";
}

/* Reports a name that is not defined as kind k, saying what it is if it
 * names something of another kind. */
void ld_undefined(ld_loader *l, const ld_group *g, const char *key, const char *name, int k)
{
	for (int o = 0; o < l->schema->n_kinds; o++) {
		if (o != (int)k && ld_lookup(l, o, name) >= 0) {
			P(l, g, key, "'%s' is %s [%s], not %s [%s]; expected %s", name,
			  ld_article(l->schema->kinds[o]->word), l->schema->kinds[o]->word, ld_article(l->schema->kinds[k]->word), l->schema->kinds[k]->word,
			  ld_key_find(l->schema->kinds[g->kind]->keys, key)
			                         ? ld_key_find(l->schema->kinds[g->kind]->keys, key)->what
			                         : "another name");
			return;
		}
	}
	char *known = ld_names_list(l, k);
	P(l, g, key, "'%s' is not defined; expected the name of %s [%s] (%s)", name,
	  ld_article(l->schema->kinds[k]->word), l->schema->kinds[k]->word, known);
	g_free(known);
}

/* A single reference of kind k; -1 when absent, bad or undefined. */
int ld_ref(ld_loader *l, const ld_group *g, const char *key, int k)
{
	const char *v = ld_get(g, key, NULL);
	if (!v)
		return -1;
	int i = ld_lookup(l, k, v);
	if (i < 0)
		ld_undefined(l, g, key, v, k);
	return i;
}

/* Appends v to `out` unless `seen` (the indices already in it) has it:
 * linear in the list, where a scan of `out` made `clients = client-*` over
 * 60,000 instances quadratic. */
static void append_new(GArray *out, GHashTable *seen, int v)
{
	if (g_hash_table_add(seen, GINT_TO_POINTER(v + 1)))
		g_array_append_val(out, v);
}

/* A comma-separated list of names or globs of kind k, appended to `out`
 * without repeats; a glob stands for every match in file order. */
void ld_ref_list(ld_loader *l, const ld_group *g, const char *key, const char *value, int k,
                     GArray *out, gboolean required)
{
	char **items = g_strsplit(value, ",", -1);
	int nitems = 0;
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (guint i = 0; i < out->len; i++)
		g_hash_table_add(seen, GINT_TO_POINTER(g_array_index(out, int, i) + 1));
	for (char **it = items; *it; it++) {
		const char *item = g_strstrip(*it);
		if (!*item)
			continue;
		nitems++;
		if (strpbrk(item, "*?")) {
			gboolean any = FALSE;
			for (guint i = 0; i < l->names_of[k]->len; i++) {
				if (!g_pattern_match_simple(item, l->names_of[k]->pdata[i]))
					continue;
				any = TRUE;
				append_new(out, seen, (int)i);
			}
			if (!any) {
				char *known = ld_names_list(l, k);
				P(l, g, key, "'%s' matches no [%s]; expected a glob matching at least one "
				             "name (%s)", item, l->schema->kinds[k]->word, known);
				g_free(known);
			}
			continue;
		}
		int idx = ld_lookup(l, k, item);
		if (idx < 0)
			ld_undefined(l, g, key, item, k);
		else
			append_new(out, seen, idx);
	}
	g_hash_table_destroy(seen);
	g_strfreev(items);
	if (required && nitems == 0)
		P(l, g, key, "'%s' names nothing; expected %s", value,
		  ld_key_find(l->schema->kinds[g->kind]->keys, key)->what);
}

gboolean ld_get_bool(ld_loader *l, const ld_group *g, const char *key, gboolean def)
{
	const char *v = ld_get(g, key, def ? "true" : "false");
	if (!v)
		return def;
	if (strcmp(v, "true") == 0)
		return TRUE;
	if (strcmp(v, "false") != 0)
		P(l, g, key, "'%s' is not a switch; expected true or false", v);
	return FALSE;
}

/* One word of a fixed list; returns its index, or -1 when the key is
 * absent (and `def` NULL), could not be substituted or is none of the
 * words (reported). */
int ld_get_choice(ld_loader *l, const ld_group *g, const char *key, const char *def,
                      const char *const *words)
{
	const char *v = ld_get(g, key, def);
	if (!v)
		return -1;
	for (int i = 0; words[i]; i++)
		if (strcmp(v, words[i]) == 0)
			return i;
	char *list = g_strjoinv(", ", (char **)words);
	P(l, g, key, "'%s' is not a known choice; expected one of %s", v, list);
	g_free(list);
	return -1;
}

/* ld_get_choice() with the first word standing in for a bad value. */
int ld_get_word(ld_loader *l, const ld_group *g, const char *key, const char *def,
                    const char *const *words)
{
	int i = ld_get_choice(l, g, key, def, words);
	return i < 0 ? 0 : i;
}

void ld_get_dist(ld_loader *l, const ld_group *g, const char *key, const char *def, unit_kind kind,
                     dist *out)
{
	const char *v = ld_get(g, key, def);
	GError *e = NULL;
	if (v && !dist_parse(v, kind, out, &e)) {
		/* Unit errors already say what they expected; range errors do not. */
		const char *what = ld_key_find(l->schema->kinds[g->kind]->keys, key)->what;
		if (strstr(e->message, "expected"))
			P(l, g, key, "%s (%s)", e->message, what);
		else
			P(l, g, key, "%s; expected %s", e->message, what);
		g_error_free(e);
	} else if (v) {
		/* A sample the run cannot use is reported against this key. */
		char *origin = g_strdup_printf("%s: [%s] %s", l->pr.file, g->label, key);
		dist_set_origin(out, origin);
		g_free(origin);
	}
}

gboolean ld_has(const ld_group *g, const char *key)
{
	return g_hash_table_contains(g->values, key);
}

/* ---- the whole load ---------------------------------------------------- */

/* Unknown keys of the top group ([scenario]). */
static void check_top(ld_loader *l)
{
	const char *top = l->schema->top;
	char **keys = g_key_file_get_keys(l->kf, top, NULL, NULL);
	if (!keys)
		return;
	check_duplicate_keys(l, top, keys);
	for (char **k = keys; *k; k++) {
		if (ld_key_find(l->schema->top_keys, *k))
			continue;
		char *v = g_key_file_get_value(l->kf, top, *k, NULL);
		char *known = key_list(l->schema->top_keys, FALSE);
		kf_problem(&l->pr, top, *k, "unknown key (value '%s'); expected one of %s", v, known);
		g_free(known);
		g_free(v);
	}
	g_strfreev(keys);
}

ld_loader *ld_open(const char *path, const ld_schema *schema, const char *const *overrides,
                   GPtrArray *absent, GError **error)
{
	g_return_val_if_fail(path != NULL && schema != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	char *data = NULL;
	gsize len = 0;
	if (!kf_read_file(path, schema->what, &data, &len, error))
		return NULL;
	GKeyFile *kf = kf_load_data(data, len, path, error);
	if (!kf) {
		g_free(data);
		return NULL;
	}
	ld_loader *l = g_new0(ld_loader, 1);
	l->path = path;
	l->schema = schema;
	l->kf = kf;
	l->absent = absent;
	kf_problems_init(&l->pr, path);
	kf_problems_set_text(&l->pr, data, len);
	l->vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	/* NULL-terminated: the "expected one of the [vars]" message joins it. */
	l->var_names = g_ptr_array_new_null_terminated(0, g_free, TRUE);
	l->groups = g_ptr_array_new_with_free_func(grp_free);
	l->deferred = g_ptr_array_new_with_free_func(override_free);
	l->added = g_ptr_array_new_with_free_func(g_free);
	l->space = g_new0(GHashTable *, (gsize)schema->n_spaces + 1);
	for (int sp = 0; sp < schema->n_spaces; sp++)
		l->space[sp] = g_hash_table_new(g_str_hash, g_str_equal);
	l->repeated = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	l->of = g_new0(GPtrArray *, (gsize)schema->n_kinds);
	l->names_of = g_new0(GPtrArray *, (gsize)schema->n_kinds);
	l->names = g_new0(GHashTable *, (gsize)schema->n_kinds);
	for (int k = 0; k < schema->n_kinds; k++) {
		l->of[k] = g_ptr_array_new();
		l->names_of[k] = g_ptr_array_new();
		l->names[k] = g_hash_table_new(g_str_hash, g_str_equal);
	}

	check_duplicate_groups(l, data);
	g_free(data);
	apply_overrides(l, overrides);
	read_vars(l);
	check_top(l);
	return l;
}

void ld_expand(ld_loader *l)
{
	char **groups = g_key_file_get_groups(l->kf, NULL);
	for (char **gn = groups; *gn; gn++)
		if (strcmp(*gn, l->schema->top) != 0 && strcmp(*gn, "vars") != 0)
			expand_group(l, *gn);
	g_strfreev(groups);
	apply_deferred(l);
	check_required(l);
	register_names(l);
}

gboolean ld_finish(ld_loader *l, GError **error)
{
	finish_capped(l);
	for (int k = 0; k < l->schema->n_kinds; k++) {
		g_hash_table_destroy(l->names[k]);
		g_ptr_array_unref(l->names_of[k]);
		g_ptr_array_unref(l->of[k]);
	}
	g_free(l->names);
	g_free(l->names_of);
	g_free(l->of);
	for (int sp = 0; sp < l->schema->n_spaces; sp++)
		g_hash_table_destroy(l->space[sp]);
	g_free(l->space);
	g_hash_table_destroy(l->repeated);
	g_hash_table_destroy(l->vars);
	g_ptr_array_unref(l->var_names);
	g_ptr_array_unref(l->deferred);
	g_ptr_array_unref(l->groups);
	g_ptr_array_unref(l->added);
	g_key_file_free(l->kf);
	gboolean ok = kf_problems_finish(&l->pr, error);
	g_free(l);
	return ok;
}

const char *ld_path(const ld_loader *l)
{
	return l->path;
}

kf_problems *ld_problems(ld_loader *l)
{
	return &l->pr;
}

GPtrArray *ld_groups(const ld_loader *l, int k)
{
	g_return_val_if_fail(k >= 0 && k < l->schema->n_kinds, NULL);
	return l->of[k];
}

GPtrArray *ld_all_groups(const ld_loader *l)
{
	return l->groups;
}

GPtrArray *ld_names(const ld_loader *l, int k)
{
	g_return_val_if_fail(k >= 0 && k < l->schema->n_kinds, NULL);
	return l->names_of[k];
}

int ld_space_kind(const ld_loader *l, int space, const char *name)
{
	g_return_val_if_fail(space >= 0 && space < l->schema->n_spaces, -1);
	return GPOINTER_TO_INT(g_hash_table_lookup(l->space[space], name)) - 1;
}

const ld_schema *ld_schema_of(const ld_loader *l)
{
	return l->schema;
}

void ld_problem(ld_loader *l, const ld_group *g, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	P(l, g, key, "%s", msg);
	g_free(msg);
}

const char *ld_key_what(const ld_loader *l, const ld_group *g, const char *key)
{
	const ld_key *k = ld_key_find(l->schema->kinds[g->kind]->keys, key);
	return k ? k->what : "another name";
}
