/* \summary: VPC endpoint policies: allow and deny statements over actions and resources, evaluated as IAM does */
#include "policy.h"

#include <string.h>

typedef struct {
	gboolean allow;
	char **actions;   /* lower case patterns */
	char **resources; /* patterns */
	char *text;
} statement;

struct policy {
	GArray *st; /* statement */
};

static void statement_clear(gpointer data)
{
	statement *s = data;
	g_strfreev(s->actions);
	g_strfreev(s->resources);
	g_free(s->text);
}

void policy_free(policy *p)
{
	if (!p)
		return;
	g_array_unref(p->st);
	g_free(p);
}

/* Splits a comma-separated list into trimmed, non-empty items; NULL when
 * one is empty. */
static char **split_list(const char *v, gboolean lower)
{
	char **items = g_strsplit(v, ",", -1);
	for (char **it = items; *it; it++) {
		g_strstrip(*it);
		if (!**it) {
			g_strfreev(items);
			return NULL;
		}
		if (lower) {
			char *l = g_ascii_strdown(*it, -1);
			g_free(*it);
			*it = l;
		}
	}
	return items;
}

static gboolean valid_action(const char *a)
{
	if (strcmp(a, "*") == 0)
		return TRUE;
	const char *colon = strchr(a, ':');
	if (!colon || colon == a || !colon[1])
		return FALSE;
	for (const char *c = a; *c; c++)
		if (!g_ascii_isalnum(*c) && !strchr(":*?-", *c))
			return FALSE;
	return TRUE;
}

static gboolean valid_resource(const char *r)
{
	return strcmp(r, "*") == 0 || g_str_has_prefix(r, "arn:");
}

policy *policy_parse(const char *text, GString *why)
{
	g_return_val_if_fail(text != NULL && why != NULL, NULL);
	policy *p = g_new0(policy, 1);
	p->st = g_array_new(FALSE, TRUE, sizeof(statement));
	g_array_set_clear_func(p->st, statement_clear);
	char **parts = g_strsplit(text, ";", -1);
	gboolean ok = TRUE;
	for (char **it = parts; *it && ok; it++) {
		char *s = g_strstrip(*it);
		if (!*s)
			continue;
		char **w = g_strsplit_set(s, " \t", -1);
		GPtrArray *words = g_ptr_array_new();
		for (char **x = w; *x; x++)
			if (**x)
				g_ptr_array_add(words, *x);
		statement st = { 0 };
		if (words->len != 3) {
			g_string_printf(why, "statement '%s' has %u word%s; expected an effect, actions and "
			                     "resources, such as 'allow s3:GetObject arn:aws:s3:::my-bucket/*'",
			                s, words->len, words->len == 1 ? "" : "s");
			ok = FALSE;
		} else if (g_ascii_strcasecmp(words->pdata[0], "allow") != 0 &&
		           g_ascii_strcasecmp(words->pdata[0], "deny") != 0) {
			g_string_printf(why, "statement '%s' starts with '%s'; expected allow or deny", s,
			                (char *)words->pdata[0]);
			ok = FALSE;
		} else {
			st.allow = g_ascii_strcasecmp(words->pdata[0], "allow") == 0;
			st.actions = split_list(words->pdata[1], TRUE);
			st.resources = split_list(words->pdata[2], FALSE);
			for (char **a = st.actions; ok && a && *a; a++)
				if (!valid_action(*a)) {
					g_string_printf(why, "statement '%s': action '%s' is not '*' or "
					                     "service:Action (such as s3:GetObject or s3:Get*)", s, *a);
					ok = FALSE;
				}
			for (char **r = st.resources; ok && r && *r; r++)
				if (!valid_resource(*r)) {
					g_string_printf(why, "statement '%s': resource '%s' is not '*' or an ARN "
					                     "(such as arn:aws:s3:::my-bucket/*)", s, *r);
					ok = FALSE;
				}
			if (ok && (!st.actions || !st.resources)) {
				g_string_printf(why, "statement '%s' has an empty item in a list; expected "
				                     "comma-separated actions and resources", s);
				ok = FALSE;
			}
			st.text = g_strdup(s);
		}
		if (ok)
			g_array_append_val(p->st, st);
		else
			statement_clear(&st);
		g_ptr_array_unref(words);
		g_strfreev(w);
	}
	g_strfreev(parts);
	if (ok && p->st->len == 0) {
		g_string_printf(why, "'%s' has no statement; expected statements such as "
		                     "'allow s3:GetObject arn:aws:s3:::my-bucket/*', separated by ';'", text);
		ok = FALSE;
	}
	if (!ok) {
		policy_free(p);
		return NULL;
	}
	return p;
}

static gboolean any_match(char *const *patterns, const char *s)
{
	for (char *const *p = patterns; *p; p++)
		if (g_pattern_match_simple(*p, s))
			return TRUE;
	return FALSE;
}

policy_decision policy_evaluate(const policy *p, const char *action, const char *resource)
{
	policy_decision d = { .allowed = TRUE };
	if (!p)
		return d; /* the default policy: full access */
	char *act = g_ascii_strdown(action, -1);
	int allow = 0;
	d.allowed = FALSE;
	for (guint i = 0; i < p->st->len; i++) {
		const statement *s = &g_array_index(p->st, statement, i);
		if (!any_match(s->actions, act) || !any_match(s->resources, resource))
			continue;
		if (!s->allow) {
			d.statement = (int)i + 1;
			d.text = s->text;
			g_free(act);
			return d;
		}
		if (!allow)
			allow = (int)i + 1;
	}
	g_free(act);
	if (allow) {
		d.allowed = TRUE;
		d.statement = allow;
		d.text = g_array_index(p->st, statement, allow - 1).text;
	}
	return d;
}

gboolean policy_s3_request(const char *method, const char *path, char **action, char **resource)
{
	g_return_val_if_fail(method != NULL && path != NULL, FALSE);
	if (*path != '/')
		return FALSE;
	const char *b = path + 1;
	size_t blen = strcspn(b, "/?");
	if (blen == 0)
		return FALSE;
	const char *k = b + blen;
	gboolean object = *k == '/' && k[1] && k[1] != '?';
	const char *what;
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		what = object ? "s3:GetObject" : "s3:ListBucket";
	else if (strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0)
		what = object ? "s3:PutObject" : "s3:CreateBucket";
	else if (strcmp(method, "DELETE") == 0)
		what = object ? "s3:DeleteObject" : "s3:DeleteBucket";
	else
		return FALSE;
	*action = g_strdup(what);
	if (object) {
		size_t klen = strcspn(k + 1, "?");
		*resource = g_strdup_printf("arn:aws:s3:::%.*s/%.*s", (int)blen, b, (int)klen, k + 1);
	} else {
		*resource = g_strdup_printf("arn:aws:s3:::%.*s", (int)blen, b);
	}
	return TRUE;
}
