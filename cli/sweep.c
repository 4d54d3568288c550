/* \summary: sweep files: iteration variables, the grid of points, run numbers and their seeds */
#include "sweep.h"

#include <math.h>
#include <string.h>

#include "error.h"
#include "keyfile.h"
#include "rng.h"

/* A sweep with more runs than this is surely a mistake in a range. */
#define SWEEP_MAX_RUNS 1000000u
/* Values one variable may take. */
#define SWEEP_MAX_VALUES 100000u

static void var_free(gpointer p)
{
	sweep_var *v = p;
	g_free(v->name);
	g_ptr_array_unref(v->values);
	g_free(v);
}

static void set_free(gpointer p)
{
	sweep_set *s = p;
	g_free(s->key);
	g_free(s->value);
	g_free(s);
}

void sweep_free(sweep *s)
{
	if (!s)
		return;
	g_free(s->file);
	g_free(s->name);
	g_free(s->description);
	g_free(s->id);
	g_ptr_array_unref(s->options);
	g_ptr_array_unref(s->option_names);
	g_ptr_array_unref(s->vars);
	g_ptr_array_unref(s->sets);
	g_free(s->constraint);
	g_free(s->duration);
	g_ptr_array_unref(s->points);
	g_free(s);
}

static int find_var(const sweep *s, const char *name)
{
	for (guint i = 0; i < s->vars->len; i++)
		if (strcmp(((sweep_var *)g_ptr_array_index(s->vars, i))->name, name) == 0)
			return (int)i;
	return -1;
}

static gboolean is_name(const char *t)
{
	if (!g_ascii_isalpha(*t) && *t != '_')
		return FALSE;
	for (; *t; t++)
		if (!g_ascii_isalnum(*t) && *t != '_')
			return FALSE;
	return TRUE;
}

/* A number as a range value: whole numbers without a decimal point. */
static char *format_number(double x)
{
	if (fabs(x) < 1e15 && fabs(x - round(x)) < 1e-9)
		return g_strdup_printf("%" G_GINT64_FORMAT, (gint64)round(x));
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.10g", x));
}

/* "A..B step S" into values; FALSE with *why set when it is not one. */
static gboolean expand_range(const char *spec, GPtrArray *values, char **why)
{
	const char *dots = strstr(spec, "..");
	char *a_s = g_strstrip(g_strndup(spec, (gsize)(dots - spec)));
	const char *rest = dots + 2;
	const char *st = strstr(rest, "step");
	char *b_s = g_strstrip(st ? g_strndup(rest, (gsize)(st - rest)) : g_strdup(rest));
	char *s_s = g_strstrip(g_strdup(st ? st + 4 : "1"));
	double a, b, step;
	gboolean ok = FALSE;
	if (!kf_parse_number(a_s, &a) || !kf_parse_number(b_s, &b) || !kf_parse_number(s_s, &step))
		*why = g_strdup_printf("'%s' is not a range; expected FROM..TO or FROM..TO step STEP with "
		                       "plain numbers", spec);
	else if (step == 0 || (b - a) / step < 0)
		*why = g_strdup_printf("'%s' never reaches its end; expected a step that goes from %s "
		                       "towards %s", spec, a_s, b_s);
	else if ((b - a) / step + 1 > SWEEP_MAX_VALUES)
		*why = g_strdup_printf("'%s' has more than %u values; expected a larger step", spec,
		                       SWEEP_MAX_VALUES);
	else {
		/* Counted, not accumulated, so 0.1 steps do not drift. */
		guint n = (guint)floor((b - a) / step + 1e-9) + 1;
		for (guint i = 0; i < n; i++)
			g_ptr_array_add(values, format_number(a + step * i));
		ok = TRUE;
	}
	g_free(a_s);
	g_free(b_s);
	g_free(s_s);
	return ok;
}

/* Where the `${` at `at` ends (the `}`), or NULL. */
static const char *close_brace(const char *at)
{
	return strchr(at + 2, '}');
}

/* Reads every ${...} of a [set] value, defining the variables it names. */
static void scan_value(sweep *s, kf_problems *pr, const char *key, const char *value,
                       GPtrArray *follow_names)
{
	for (const char *p = strstr(value, "${"); p; p = strstr(p, "${")) {
		const char *end = close_brace(p);
		if (!end) {
			kf_problem(pr, "set", key, "'%s' has a '${' without its '}'; expected ${name=...} "
			           "or ${name}", value);
			return;
		}
		char *body = g_strstrip(g_strndup(p + 2, (gsize)(end - p - 2)));
		p = end + 1;
		char *eq = strchr(body, '=');
		if (!eq) {
			if (!is_name(body))
				kf_problem(pr, "set", key, "'${%s}' is not a variable; expected ${name=a,b,c}, "
				           "${name=FROM..TO step STEP} or ${name}", body);
			/* References are checked once every variable is known. */
			g_free(body);
			continue;
		}
		*eq = '\0';
		char *name = g_strstrip(body);
		char *spec = g_strstrip(eq + 1);
		char *bang = strchr(spec, '!');
		char *follows = NULL;
		if (bang) {
			*bang = '\0';
			follows = g_strstrip(bang + 1);
			g_strstrip(spec);
		}
		if (!is_name(name)) {
			kf_problem(pr, "set", key, "'%s' is not a variable name; expected letters, digits "
			           "and '_', not starting with a digit", name);
		} else if (find_var(s, name) >= 0) {
			kf_problem(pr, "set", key, "${%s=...} defines '%s' a second time; expected one "
			           "definition and ${%s} elsewhere", name, name, name);
		} else if (follows && !is_name(follows)) {
			kf_problem(pr, "set", key, "'! %s' does not name a variable; expected "
			           "${%s=... ! other}", follows, name);
		} else {
			sweep_var *v = g_new0(sweep_var, 1);
			v->name = g_strdup(name);
			v->values = g_ptr_array_new_with_free_func(g_free);
			v->follows = -1;
			char *why = NULL;
			if (strstr(spec, "..")) {
				expand_range(spec, v->values, &why);
			} else {
				char **items = g_strsplit(spec, ",", -1);
				for (char **it = items; *it; it++) {
					g_strstrip(*it);
					if (**it == '\0') {
						g_free(why);
						why = g_strdup_printf("'%s' has an empty value; expected values "
						                      "separated by commas", spec);
						break;
					}
					g_ptr_array_add(v->values, g_strdup(*it));
				}
				g_strfreev(items);
				if (!why && v->values->len > SWEEP_MAX_VALUES)
					why = g_strdup_printf("${%s} has more than %u values", name,
					                      SWEEP_MAX_VALUES);
			}
			if (why) {
				kf_problem(pr, "set", key, "${%s=...}: %s", name, why);
				g_free(why);
				var_free(v);
			} else {
				g_ptr_array_add(s->vars, v);
				g_ptr_array_add(follow_names, g_strdup(follows ? follows : ""));
			}
		}
		g_free(body);
	}
}

/* Every ${name} reference names a defined variable. */
static void check_refs(const sweep *s, kf_problems *pr, const char *key, const char *value)
{
	for (const char *p = strstr(value, "${"); p; p = strstr(p, "${")) {
		const char *end = close_brace(p);
		if (!end)
			return;
		char *body = g_strstrip(g_strndup(p + 2, (gsize)(end - p - 2)));
		if (!strchr(body, '=') && is_name(body) && find_var(s, body) < 0)
			kf_problem(pr, "set", key, "${%s} is not defined; expected a variable defined "
			           "with ${%s=...} in some [set] value", body, body);
		g_free(body);
		p = end + 1;
	}
}

/* The root a lock-step variable follows. */
static int root_of(const sweep *s, int v)
{
	for (guint hops = 0; hops <= s->vars->len; hops++) {
		int f = ((sweep_var *)g_ptr_array_index(s->vars, v))->follows;
		if (f < 0)
			return v;
		v = f;
	}
	return -1; /* a cycle */
}

static void link_follows(sweep *s, kf_problems *pr, GPtrArray *follow_names)
{
	for (guint i = 0; i < s->vars->len; i++) {
		const char *f = g_ptr_array_index(follow_names, i);
		sweep_var *v = g_ptr_array_index(s->vars, i);
		if (!*f)
			continue;
		int t = find_var(s, f);
		if (t < 0 || t == (int)i)
			kf_problem(pr, "set", NULL, "${%s=... ! %s}: '%s' is not another variable; "
			           "expected the name of a variable defined with ${%s=...}", v->name, f, f, f);
		else
			v->follows = t;
	}
	for (guint i = 0; i < s->vars->len; i++) {
		sweep_var *v = g_ptr_array_index(s->vars, i);
		if (v->follows < 0)
			continue;
		int r = root_of(s, (int)i);
		if (r < 0) {
			kf_problem(pr, "set", NULL, "${%s=... ! ...} follows a circle of variables; "
			           "expected one variable that advances on its own", v->name);
			v->follows = -1;
			continue;
		}
		const sweep_var *rv = g_ptr_array_index(s->vars, r);
		if (rv->values->len != v->values->len) {
			kf_problem(pr, "set", NULL, "${%s} has %u values and advances with ${%s}, which has "
			           "%u; expected the same number", v->name, v->values->len, rv->name,
			           rv->values->len);
			v->follows = -1;
		} else {
			v->follows = r;
		}
	}
}

/* ---- constraint expressions ---------------------------------------------
 * A small recursive-descent evaluator, written by hand on purpose: GLib has
 * none, and the grammar is the handful of operators OMNeT++ users write in
 * `constraint=`:  || && ! == != < <= > >= + - * / % ( ), numbers, 'strings'
 * and "strings", and variables as $name or ${name}. */

typedef struct {
	gboolean is_str;
	double num;
	const char *str;
} xval;

typedef struct {
	const char *expr;
	const char *p;
	sweep_lookup lookup;
	gpointer data;
	GPtrArray *arena;  /* strings made while evaluating */
	char *err;
} xparse;

static void xfail(xparse *x, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void xfail(xparse *x, const char *fmt, ...)
{
	if (x->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *m = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	x->err = g_strdup_printf("%s (at character %d)", m, (int)(x->p - x->expr) + 1);
	g_free(m);
}

static void xskip(xparse *x)
{
	while (g_ascii_isspace(*x->p))
		x->p++;
}

static gboolean xeat(xparse *x, const char *tok)
{
	xskip(x);
	size_t n = strlen(tok);
	if (strncmp(x->p, tok, n) != 0)
		return FALSE;
	/* "<" is not the start of "<=", nor "!" of "!=", nor "=" alone. */
	if (n == 1 && (tok[0] == '<' || tok[0] == '>' || tok[0] == '!') && x->p[1] == '=')
		return FALSE;
	x->p += n;
	return TRUE;
}

static double xnum(xparse *x, xval v, const char *op)
{
	if (v.is_str)
		xfail(x, "'%s' is not a number; expected numbers on both sides of '%s'", v.str, op);
	return v.num;
}

static xval xnumber(double d)
{
	return (xval){ .num = d };
}

static xval xor_expr(xparse *x);

static xval xatom(xparse *x)
{
	xskip(x);
	if (xeat(x, "(")) {
		xval v = xor_expr(x);
		if (!xeat(x, ")"))
			xfail(x, "expected ')'");
		return v;
	}
	char q = *x->p;
	if (q == '\'' || q == '"') {
		const char *end = strchr(x->p + 1, q);
		if (!end) {
			xfail(x, "a string without its closing %c", q);
			return xnumber(0);
		}
		char *s = g_strndup(x->p + 1, (gsize)(end - x->p - 1));
		g_ptr_array_add(x->arena, s);
		x->p = end + 1;
		return (xval){ .is_str = TRUE, .str = s };
	}
	if (*x->p == '$') {
		x->p++;
		gboolean brace = *x->p == '{';
		if (brace)
			x->p++;
		const char *start = x->p;
		while (g_ascii_isalnum(*x->p) || *x->p == '_')
			x->p++;
		char *name = g_strndup(start, (gsize)(x->p - start));
		g_ptr_array_add(x->arena, name);
		if (brace && *x->p++ != '}')
			xfail(x, "expected '}' after ${%s", name);
		const char *v = *name ? x->lookup(name, x->data) : NULL;
		if (!v) {
			xfail(x, "'$%s' is not a variable of this sweep", name);
			return xnumber(0);
		}
		double d;
		if (kf_parse_number(v, &d))
			return xnumber(d);
		return (xval){ .is_str = TRUE, .str = v };
	}
	char *end = NULL;
	double d = g_ascii_strtod(x->p, &end);
	if (end == x->p || !isfinite(d)) {
		xfail(x, "expected a number, a $variable, a 'string' or '('");
		return xnumber(0);
	}
	x->p = end;
	return xnumber(d);
}

static xval xunary(xparse *x)
{
	if (xeat(x, "-"))
		return xnumber(-xnum(x, xunary(x), "-"));
	if (xeat(x, "!"))
		return xnumber(xnum(x, xunary(x), "!") == 0);
	return xatom(x);
}

static xval xprod(xparse *x)
{
	xval a = xunary(x);
	for (;;) {
		const char *op = xeat(x, "*") ? "*" : xeat(x, "/") ? "/" : xeat(x, "%") ? "%" : NULL;
		if (!op)
			return a;
		xval b = xunary(x);
		double l = xnum(x, a, op), r = xnum(x, b, op);
		if (*op != '*' && r == 0) {
			xfail(x, "division by zero");
			return xnumber(0);
		}
		a = xnumber(*op == '*' ? l * r : *op == '/' ? l / r : fmod(l, r));
	}
}

static xval xsum(xparse *x)
{
	xval a = xprod(x);
	for (;;) {
		const char *op = xeat(x, "+") ? "+" : xeat(x, "-") ? "-" : NULL;
		if (!op)
			return a;
		xval b = xprod(x);
		a = xnumber(*op == '+' ? xnum(x, a, op) + xnum(x, b, op) : xnum(x, a, op) - xnum(x, b, op));
	}
}

static xval xcmp(xparse *x)
{
	xval a = xsum(x);
	static const char *const ops[] = { "==", "!=", "<=", ">=", "<", ">" };
	for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
		if (!xeat(x, ops[i]))
			continue;
		xval b = xsum(x);
		if (a.is_str || b.is_str) {
			if (!a.is_str || !b.is_str || i > 1) {
				xfail(x, "'%s' compares a string with a number or orders strings; expected == "
				      "or != between two strings", ops[i]);
				return xnumber(0);
			}
			int c = strcmp(a.str, b.str);
			return xnumber(i == 0 ? c == 0 : c != 0);
		}
		double l = a.num, r = b.num;
		switch (i) {
		case 0: return xnumber(l == r);
		case 1: return xnumber(l != r);
		case 2: return xnumber(l <= r);
		case 3: return xnumber(l >= r);
		case 4: return xnumber(l < r);
		default: return xnumber(l > r);
		}
	}
	return a;
}

static xval xand(xparse *x)
{
	xval a = xcmp(x);
	while (xeat(x, "&&")) {
		xval b = xcmp(x);
		a = xnumber(xnum(x, a, "&&") != 0 && xnum(x, b, "&&") != 0);
	}
	return a;
}

static xval xor_expr(xparse *x)
{
	xval a = xand(x);
	while (xeat(x, "||")) {
		xval b = xand(x);
		a = xnumber(xnum(x, a, "||") != 0 || xnum(x, b, "||") != 0);
	}
	return a;
}

gboolean sweep_expr_eval(const char *expr, sweep_lookup lookup, gpointer data, gboolean *result,
                         GError **error)
{
	xparse x = { .expr = expr, .p = expr, .lookup = lookup, .data = data,
		     .arena = g_ptr_array_new_with_free_func(g_free) };
	xval v = xor_expr(&x);
	xskip(&x);
	if (!x.err && *x.p)
		xfail(&x, "unexpected '%s'", x.p);
	if (!x.err && v.is_str)
		xfail(&x, "the expression is the string '%s'; expected a comparison", v.str);
	g_ptr_array_unref(x.arena);
	if (x.err) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE, "%s", x.err);
		g_free(x.err);
		return FALSE;
	}
	*result = v.num != 0;
	return TRUE;
}

/* ---- the grid ----------------------------------------------------------- */

typedef struct {
	const sweep *s;
	const guint *idx;
} point_ctx;

static const char *point_lookup(const char *name, gpointer data)
{
	const point_ctx *c = data;
	int v = find_var(c->s, name);
	if (v < 0)
		return NULL;
	const sweep_var *sv = g_ptr_array_index(c->s->vars, v);
	return g_ptr_array_index(sv->values, c->idx[v]);
}

/* Enumerates the grid of the independent variables, the first varying
 * slowest, and keeps the points the constraint accepts. */
static void expand_points(sweep *s, kf_problems *pr)
{
	guint nv = s->vars->len;
	guint64 total = 1;
	for (guint i = 0; i < nv; i++) {
		const sweep_var *v = g_ptr_array_index(s->vars, i);
		if (v->follows < 0)
			total *= v->values->len;
		if (total * MAX(s->repeat, 1u) * MAX(s->options->len, 1u) > SWEEP_MAX_RUNS) {
			kf_problem(pr, "set", NULL, "the grid has more than %u runs (points x repeat x "
			           "options); expected fewer values or a constraint", SWEEP_MAX_RUNS);
			return;
		}
	}
	guint *idx = g_new0(guint, MAX(nv, 1u));
	gboolean reported = FALSE;
	for (guint64 k = 0; k < total; k++) {
		/* Mixed-radix digits of k, the last independent variable fastest. */
		guint64 rest = k;
		for (int i = (int)nv - 1; i >= 0; i--) {
			const sweep_var *v = g_ptr_array_index(s->vars, i);
			if (v->follows >= 0)
				continue;
			idx[i] = (guint)(rest % v->values->len);
			rest /= v->values->len;
		}
		for (guint i = 0; i < nv; i++) {
			const sweep_var *v = g_ptr_array_index(s->vars, i);
			if (v->follows >= 0)
				idx[i] = idx[v->follows];
		}
		gboolean keep = TRUE;
		if (s->constraint) {
			point_ctx c = { s, idx };
			GError *e = NULL;
			if (!sweep_expr_eval(s->constraint, point_lookup, &c, &keep, &e)) {
				if (!reported)
					kf_problem(pr, "sweep", "constraint", "'%s': %s", s->constraint,
					           e->message);
				reported = TRUE;
				g_error_free(e);
				keep = FALSE;
			}
		}
		if (keep)
			g_ptr_array_add(s->points, g_memdup2(idx, sizeof(guint) * MAX(nv, 1u)));
	}
	g_free(idx);
	if (!reported && s->points->len == 0)
		kf_problem(pr, "sweep", "constraint", "'%s' rejects every point; expected a constraint "
		           "that some point meets", s->constraint ? s->constraint : "");
}

/* An option: a scenario path (relative to the sweep file), or the name of a
 * bundled scenario, looked for beside the sweep file, in its parent folder
 * (scenarios/ for scenarios/sweeps/) and in the source tree. */
static char *resolve_option(const char *dir, const char *opt)
{
	if (strchr(opt, '/') || g_str_has_suffix(opt, ".ini")) {
		if (g_path_is_absolute(opt))
			return g_strdup(opt);
		return g_build_filename(dir, opt, NULL);
	}
	char *base = g_strconcat(opt, ".ini", NULL);
	char *parent = g_path_get_dirname(dir);
	char *tries[] = { g_build_filename(dir, base, NULL), g_build_filename(parent, base, NULL),
		          g_build_filename(VPCSIM_SOURCE_DIR, "scenarios", base, NULL) };
	char *found = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(tries); i++) {
		if (!found && g_file_test(tries[i], G_FILE_TEST_IS_REGULAR))
			found = tries[i];
		else
			g_free(tries[i]);
	}
	g_free(base);
	g_free(parent);
	return found;
}

static char *option_name(const char *path)
{
	char *base = g_path_get_basename(path);
	if (g_str_has_suffix(base, ".ini"))
		base[strlen(base) - 4] = '\0';
	return base;
}

static const char *const sweep_keys[] = { "description", "options", "repeat", "seed", "duration",
	                                  "constraint", NULL };

static void read_sweep_group(sweep *s, GKeyFile *kf, kf_problems *pr, const char *dir)
{
	char **keys = g_key_file_get_keys(kf, "sweep", NULL, NULL);
	for (char **k = keys; k && *k; k++)
		if (!g_strv_contains(sweep_keys, *k))
			kf_problem(pr, "sweep", *k, "unknown key; expected one of description, options, "
			           "repeat, seed, duration, constraint");
	g_strfreev(keys);

	s->description = g_key_file_get_value(kf, "sweep", "description", NULL);
	if (s->description)
		g_strstrip(s->description);

	char *opts = g_key_file_get_value(kf, "sweep", "options", NULL);
	if (!opts) {
		kf_problem(pr, "sweep", "options", "missing; expected the scenarios to compare, e.g. "
		           "alb-peering, alb-privatelink");
	} else {
		char **items = g_strsplit_set(opts, ", \t", -1);
		for (char **it = items; *it; it++) {
			if (!**it)
				continue;
			char *path = resolve_option(dir, *it);
			if (!path) {
				kf_problem(pr, "sweep", "options", "'%s' is neither a scenario file nor a "
				           "bundled scenario; expected a name such as alb-peering or a path "
				           "to an .ini file", *it);
				continue;
			}
			if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
				kf_problem(pr, "sweep", "options", "'%s': no such scenario file (%s)", *it, path);
				g_free(path);
				continue;
			}
			char *name = option_name(path);
			for (guint i = 0; i < s->option_names->len; i++)
				if (strcmp(g_ptr_array_index(s->option_names, i), name) == 0)
					kf_problem(pr, "sweep", "options", "'%s' is named twice; expected each "
					           "option once", name);
			g_ptr_array_add(s->options, path);
			g_ptr_array_add(s->option_names, name);
		}
		g_strfreev(items);
		if (s->options->len == 0 && pr->count == 0)
			kf_problem(pr, "sweep", "options", "'%s' names no scenario; expected at least one",
			           opts);
		g_free(opts);
	}

	s->repeat = 1;
	char *v = g_key_file_get_value(kf, "sweep", "repeat", NULL);
	if (v) {
		double d;
		if (!kf_parse_number(v, &d) || d < 1 || d > 1000 || d != floor(d))
			kf_problem(pr, "sweep", "repeat", "'%s' is not a whole number from 1 to 1000", v);
		else
			s->repeat = (guint)d;
		g_free(v);
	}
	s->seed = 1;
	v = g_key_file_get_value(kf, "sweep", "seed", NULL);
	if (v) {
		g_strstrip(v);
		guint64 n;
		if (!g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT64, &n, NULL))
			kf_problem(pr, "sweep", "seed", "'%s' is not a whole number; expected 0 to %"
			           G_GUINT64_FORMAT, v, G_MAXUINT64);
		else
			s->seed = n;
		g_free(v);
	}
	v = g_key_file_get_value(kf, "sweep", "duration", NULL);
	if (v)
		s->duration = g_strstrip(v);
	v = g_key_file_get_value(kf, "sweep", "constraint", NULL);
	if (v && *g_strstrip(v))
		s->constraint = v;
	else
		g_free(v);
}

sweep *sweep_load(const char *path, GError **error)
{
	char *data = NULL;
	gsize len = 0;
	if (!kf_read_file(path, "sweep file", &data, &len, error))
		return NULL;
	GKeyFile *kf = kf_load_data(data, len, path, error);
	if (!kf) {
		g_free(data);
		return NULL;
	}
	sweep *s = g_new0(sweep, 1);
	s->file = g_strdup(path);
	s->name = option_name(path);
	char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
	s->id = g_strndup(sum, 16);
	g_free(sum);
	s->options = g_ptr_array_new_with_free_func(g_free);
	s->option_names = g_ptr_array_new_with_free_func(g_free);
	s->vars = g_ptr_array_new_with_free_func(var_free);
	s->sets = g_ptr_array_new_with_free_func(set_free);
	s->points = g_ptr_array_new_with_free_func(g_free);

	kf_problems pr;
	kf_problems_init(&pr, path);
	kf_problems_set_text(&pr, data, len);
	g_free(data);
	char **groups = g_key_file_get_groups(kf, NULL);
	for (char **g = groups; *g; g++)
		if (strcmp(*g, "sweep") != 0 && strcmp(*g, "set") != 0)
			kf_problem(&pr, *g, NULL, "unknown group; expected [sweep] and [set]");
	g_strfreev(groups);
	if (!g_key_file_has_group(kf, "sweep"))
		kf_problem(&pr, NULL, NULL, "no [sweep] group; expected [sweep] with options = ...");
	char *dir = g_path_get_dirname(path);
	read_sweep_group(s, kf, &pr, dir);
	g_free(dir);

	GPtrArray *follow_names = g_ptr_array_new_with_free_func(g_free);
	char **keys = g_key_file_get_keys(kf, "set", NULL, NULL);
	for (char **k = keys; k && *k; k++) {
		char *v = g_strstrip(g_key_file_get_value(kf, "set", *k, NULL));
		if (!strchr(*k, '.'))
			kf_problem(&pr, "set", *k, "'%s' is not GROUP.KEY; expected a scenario key such as "
			           "workload:web.rate", *k);
		scan_value(s, &pr, *k, v, follow_names);
		sweep_set *st = g_new0(sweep_set, 1);
		st->key = g_strdup(*k);
		st->value = v;
		g_ptr_array_add(s->sets, st);
	}
	g_strfreev(keys);
	for (guint i = 0; i < s->sets->len; i++) {
		const sweep_set *st = g_ptr_array_index(s->sets, i);
		check_refs(s, &pr, st->key, st->value);
	}
	link_follows(s, &pr, follow_names);
	g_ptr_array_unref(follow_names);
	g_key_file_free(kf);
	if (pr.count == 0)
		expand_points(s, &pr);
	if (!kf_problems_finish(&pr, error)) {
		sweep_free(s);
		return NULL;
	}
	return s;
}

guint sweep_n_runs(const sweep *s)
{
	return s->points->len * s->repeat * s->options->len;
}

const char *sweep_value(const sweep *s, guint point, guint var)
{
	const guint *idx = g_ptr_array_index(s->points, point);
	const sweep_var *v = g_ptr_array_index(s->vars, var);
	return g_ptr_array_index(v->values, idx[var]);
}

char *sweep_point_label(const sweep *s, guint point)
{
	GString *g = g_string_new(NULL);
	for (guint i = 0; i < s->vars->len; i++)
		g_string_append_printf(g, "%s%s=%s", i ? " " : "",
		                       ((sweep_var *)g_ptr_array_index(s->vars, i))->name,
		                       sweep_value(s, point, i));
	return g_string_free(g, FALSE);
}

/* SHA-256 over the sweep's seed, the point's values by name and the
 * repetition: adding points, options or variables' other values does not
 * move any other run's seed. */
static uint64_t derive_seed(const sweep *s, guint point, guint rep)
{
	char *label = sweep_point_label(s, point);
	char *text = g_strdup_printf("vpcsim sweep seed\n%" G_GUINT64_FORMAT "\n%s\n%u", s->seed,
	                             label, rep);
	uint64_t seed = rng_seed_from_text(text);
	g_free(text);
	g_free(label);
	return seed;
}

sweep_run sweep_run_at(const sweep *s, guint run)
{
	g_return_val_if_fail(run < sweep_n_runs(s), (sweep_run){ 0 });
	guint no = s->options->len;
	sweep_run r = { .run = run, .option = run % no, .rep = (run / no) % s->repeat,
		        .point = run / (no * s->repeat) };
	r.seed = derive_seed(s, r.point, r.rep);
	return r;
}

/* A [set] template with the point's values in place of every ${...}. */
static char *fill(const sweep *s, guint point, const char *tmpl)
{
	GString *g = g_string_new(NULL);
	const char *p = tmpl;
	for (const char *at = strstr(p, "${"); at; at = strstr(p, "${")) {
		g_string_append_len(g, p, at - p);
		const char *end = close_brace(at);
		char *body = g_strstrip(g_strndup(at + 2, (gsize)(end - at - 2)));
		char *eq = strchr(body, '=');
		if (eq)
			*eq = '\0';
		g_strstrip(body);
		g_string_append(g, sweep_value(s, point, (guint)find_var(s, body)));
		g_free(body);
		p = end + 1;
	}
	g_string_append(g, p);
	return g_string_free(g, FALSE);
}

char **sweep_overrides(const sweep *s, guint run)
{
	sweep_run r = sweep_run_at(s, run);
	GPtrArray *o = g_ptr_array_new();
	for (guint i = 0; i < s->sets->len; i++) {
		const sweep_set *st = g_ptr_array_index(s->sets, i);
		char *v = fill(s, r.point, st->value);
		g_ptr_array_add(o, g_strdup_printf("%s=%s", st->key, v));
		g_free(v);
	}
	g_ptr_array_add(o, g_strdup_printf("scenario.seed=%" G_GUINT64_FORMAT, r.seed));
	if (s->duration)
		g_ptr_array_add(o, g_strdup_printf("scenario.duration=%s", s->duration));
	g_ptr_array_add(o, NULL);
	return (char **)g_ptr_array_free(o, FALSE);
}
