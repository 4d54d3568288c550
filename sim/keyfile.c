/* \summary: key-file loaders' shared parts: problem lists, sourced-schema checks, numbers */
#include "keyfile.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const evidence_tags[] = {
	"[AWS pricing]", "[AWS docs]", "[AWS whitepaper]", "[AWS blog]",
	"[third-party]", "[inference]", KF_ASSUMPTION_TAG, NULL,
};

void kf_problems_init(kf_problems *pr, const char *file)
{
	g_return_if_fail(pr != NULL && file != NULL);
	pr->file = g_strdup(file);
	pr->text = g_string_new(NULL);
	pr->count = 0;
	pr->src = NULL;
	pr->lines = NULL;
	pr->alias = NULL;
}

void kf_problems_set_text(kf_problems *pr, const char *data, gsize len)
{
	g_return_if_fail(pr != NULL && data != NULL);
	/* The text as given: not NUL-terminated when it comes from memory (the
	 * fuzzer's input), and cut at a NUL inside as GKeyFile reads it. */
	g_free(pr->src);
	pr->src = g_strndup(data, len);
}

/* Indexes the text kf_problems_set_text() kept, once. */
static void index_lines(kf_problems *pr)
{
	if (!pr->src)
		return;
	if (!pr->lines)
		pr->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char **lines = g_strsplit(pr->src, "\n", -1);
	g_clear_pointer(&pr->src, g_free);
	char *group = NULL;
	for (guint i = 0; lines[i]; i++) {
		char *s = g_strstrip(lines[i]);
		if (*s == '#' || *s == '\0')
			continue;
		gpointer n = GUINT_TO_POINTER(i + 1);
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e)
				continue;
			g_free(group);
			group = g_strndup(s + 1, (gsize)(e - s - 1));
			/* The first [group] line: a repeated group is reported there. */
			if (!g_hash_table_contains(pr->lines, group))
				g_hash_table_insert(pr->lines, g_strdup(group), n);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!group || !eq)
			continue;
		*eq = '\0';
		g_hash_table_insert(pr->lines, g_strdup_printf("%s\n%s", group, g_strstrip(s)), n);
	}
	g_free(group);
	g_strfreev(lines);
}

void kf_problems_alias(kf_problems *pr, const char *label, const char *written)
{
	g_return_if_fail(pr != NULL && label != NULL && written != NULL);
	if (strcmp(label, written) == 0)
		return;
	if (!pr->alias)
		pr->alias = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert(pr->alias, g_strdup(label), g_strdup(written));
}

guint kf_problem_line(kf_problems *pr, const char *group, const char *key)
{
	index_lines(pr);
	if (!pr->lines || !group)
		return 0;
	const char *written = pr->alias ? g_hash_table_lookup(pr->alias, group) : NULL;
	const char *names[2] = { group, written };
	for (int i = 0; i < 2 && key; i++) {
		if (!names[i])
			continue;
		char *k = g_strdup_printf("%s\n%s", names[i], key);
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(pr->lines, k));
		g_free(k);
		if (n)
			return n;
	}
	for (int i = 0; i < 2; i++) {
		guint n = names[i] ? GPOINTER_TO_UINT(g_hash_table_lookup(pr->lines, names[i])) : 0;
		if (n)
			return n;
	}
	return 0;
}

void kf_problem(kf_problems *pr, const char *group, const char *key, const char *fmt, ...)
{
	g_return_if_fail(pr != NULL && pr->text != NULL);
	va_list ap;
	va_start(ap, fmt);
	if (pr->text->len)
		g_string_append_c(pr->text, '\n');
	g_string_append(pr->text, pr->file);
	guint line = kf_problem_line(pr, group, key);
	if (line)
		g_string_append_printf(pr->text, ":%u", line);
	if (group) {
		g_string_append_printf(pr->text, ": [%s]", group);
		if (key)
			g_string_append_printf(pr->text, " %s", key);
	}
	g_string_append(pr->text, ": ");
	g_string_append_vprintf(pr->text, fmt, ap);
	va_end(ap);
	pr->count++;
}

void kf_problem_lines(kf_problems *pr, const char *lines)
{
	g_return_if_fail(pr != NULL && lines != NULL);
	if (pr->text->len)
		g_string_append_c(pr->text, '\n');
	g_string_append(pr->text, lines);
	pr->count++;
}

gboolean kf_problems_finish(kf_problems *pr, GError **error)
{
	g_return_val_if_fail(pr != NULL && pr->text != NULL, FALSE);
	gboolean ok = pr->count == 0;
	if (!ok)
		g_set_error_literal(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID, pr->text->str);
	g_string_free(pr->text, TRUE);
	g_free(pr->file);
	pr->text = NULL;
	pr->file = NULL;
	g_clear_pointer(&pr->src, g_free);
	if (pr->lines)
		g_hash_table_destroy(pr->lines);
	if (pr->alias)
		g_hash_table_destroy(pr->alias);
	pr->lines = pr->alias = NULL;
	return ok;
}

GKeyFile *kf_load_data(const char *data, gsize len, const char *name, GError **error)
{
	g_return_val_if_fail(data != NULL && name != NULL, NULL);
	GError *kerr = NULL;
	GKeyFile *kf = g_key_file_new();
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &kerr)) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "%s: not a valid key file: %s; expected [group] lines, key = value "
		            "lines and whole-line # comments", name, kerr->message);
		g_error_free(kerr);
		g_key_file_free(kf);
		return NULL;
	}
	return kf;
}

/* Reads at most KF_MAX_FILE_BYTES + 1 bytes of fd into a new buffer. */
static gboolean read_bounded(int fd, char **data, gsize *len, int *err)
{
	GByteArray *buf = g_byte_array_new();
	char chunk[65536];
	for (;;) {
		gsize want = MIN(sizeof chunk, KF_MAX_FILE_BYTES + 1 - buf->len);
		if (want == 0)
			break;
		ssize_t n = read(fd, chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = errno;
			g_byte_array_unref(buf);
			return FALSE;
		}
		if (n == 0)
			break;
		g_byte_array_append(buf, (const guint8 *)chunk, (guint)n);
	}
	*len = buf->len;
	g_byte_array_append(buf, (const guint8 *)"", 1);
	*data = (char *)g_byte_array_free(buf, FALSE);
	return TRUE;
}

gboolean kf_read_file(const char *path, const char *what, char **data, gsize *len,
                      GError **error)
{
	g_return_val_if_fail(path != NULL && what != NULL && data != NULL, FALSE);
	/* Bounded: a data file is a few kilobytes, and `prices = /dev/urandom`
	 * or a multi-gigabyte file by mistake must not fill the memory.  A
	 * regular file is judged by its size before anything is read; anything
	 * else (a pipe from `<(...)`, a device) is read up to the limit. */
	int fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
	struct stat st;
	int e = 0;
	if (fd < 0 || fstat(fd, &st) != 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "%s: cannot read the %s: %s", path,
		            what, g_strerror(e));
		return FALSE;
	}
	gboolean regular = S_ISREG(st.st_mode);
	if (regular && (guint64)st.st_size > KF_MAX_FILE_BYTES) {
		close(fd);
		/* MiB with one decimal in integers: no locale, no no-break space
		 * (g_format_size uses one). */
		guint64 tenths = ((guint64)st.st_size * 10) >> 20;
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO,
		            "%s: cannot read the %s: it is %" G_GUINT64_FORMAT ".%u MiB (%" G_GUINT64_FORMAT
		            " bytes); expected at most 16 MiB (%u bytes)", path, what, tenths / 10,
		            (unsigned)(tenths % 10), (guint64)st.st_size, KF_MAX_FILE_BYTES);
		return FALSE;
	}
	char *buf = NULL;
	gsize n = 0;
	gboolean ok = read_bounded(fd, &buf, &n, &e);
	close(fd);
	if (!ok) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO, "%s: cannot read the %s: %s", path,
		            what, g_strerror(e));
		return FALSE;
	}
	if (n > KF_MAX_FILE_BYTES) {
		/* A regular file that grew since fstat(), or a stream. */
		g_free(buf);
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_IO,
		            "%s: cannot read the %s: %s more than 16 MiB; expected at most 16 MiB (%u "
		            "bytes)", path, what, regular ? "it grew to" : "not a regular file, it gave",
		            KF_MAX_FILE_BYTES);
		return FALSE;
	}
	*data = buf;
	if (len)
		*len = n;
	return TRUE;
}

gboolean kf_parse_number(const char *text, double *out)
{
	g_return_val_if_fail(text != NULL && out != NULL, FALSE);
	while (g_ascii_isspace(*text))
		text++;
	if (*text == '\0')
		return FALSE;
	/* g_ascii_strtod so the locale's decimal comma does not change how a
	 * file reads. */
	char *end;
	double v = g_ascii_strtod(text, &end);
	if (end == text)
		return FALSE;
	while (g_ascii_isspace(*end))
		end++;
	if (*end != '\0' || !isfinite(v))
		return FALSE;
	*out = v;
	return TRUE;
}

gboolean kf_source_ok(const char *s)
{
	g_return_val_if_fail(s != NULL, FALSE);
	while (g_ascii_isspace(*s))
		s++;
	if (g_str_has_prefix(s, "https://") || g_str_has_prefix(s, "http://")) {
		const char *host = strstr(s, "//") + 2;
		if (*host == '\0' || g_ascii_isspace(*host))
			return FALSE;
		while (*s && !g_ascii_isspace(*s))
			s++;
	} else if (*s == '-') {
		s++;
	} else {
		return FALSE;
	}
	if (!g_ascii_isspace(*s))
		return FALSE;
	while (g_ascii_isspace(*s))
		s++;
	for (const char *const *tag = evidence_tags; *tag; tag++)
		if (g_str_has_prefix(s, *tag))
			return TRUE;
	return FALSE;
}

static const kf_key *schema_find(const kf_schema *s, const char *group, const char *key)
{
	for (size_t i = 0; i < s->n; i++) {
		const kf_key *k = KF_SCHEMA_KEY(s, i);
		if (strcmp(k->group, group) == 0 && (!key || strcmp(k->key, key) == 0))
			return k;
	}
	return NULL;
}

/* "meta, interface_endpoint, ..." in schema order.  Caller frees. */
static char *known_groups(const kf_schema *s)
{
	GString *out = g_string_new(NULL);
	for (size_t i = 0; i < s->n; i++) {
		if (i > 0 && strcmp(KF_SCHEMA_KEY(s, i - 1)->group, KF_SCHEMA_KEY(s, i)->group) == 0)
			continue;
		if (out->len)
			g_string_append(out, ", ");
		g_string_append(out, KF_SCHEMA_KEY(s, i)->group);
	}
	return g_string_free(out, FALSE);
}

/* "hourly_usd, processing_usd_per_gb, ..." of one group.  Caller frees. */
static char *known_keys(const kf_schema *s, const char *group)
{
	GString *out = g_string_new(NULL);
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(KF_SCHEMA_KEY(s, i)->group, group) != 0)
			continue;
		if (out->len)
			g_string_append(out, ", ");
		g_string_append(out, KF_SCHEMA_KEY(s, i)->key);
	}
	return g_string_free(out, FALSE);
}

/* Checks the keys of one known group: duplicates, unknown keys, sources. */
static void check_group_keys(kf_problems *pr, GKeyFile *kf, const kf_schema *s,
                             const char *group, GHashTable *sources)
{
	gsize n = 0;
	char **keys = g_key_file_get_keys(kf, group, &n, NULL);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	for (gsize i = 0; i < n; i++) {
		const char *key = keys[i];
		/* GKeyFile lists a repeated key once per occurrence and keeps
		 * the last value: say so rather than silently ignore one. */
		if (!g_hash_table_add(seen, (gpointer)key)) {
			char *v = g_key_file_get_value(kf, group, key, NULL);
			kf_problem(pr, group, key, "duplicate key (the last value, '%s', would win); "
			                           "expected each key once", v ? v : "");
			g_free(v);
			continue;
		}
		gboolean is_source = g_str_has_suffix(key, KF_SOURCE_SUFFIX);
		char *base = is_source ? g_strndup(key, strlen(key) - strlen(KF_SOURCE_SUFFIX))
		                       : g_strdup(key);
		const kf_key *k = schema_find(s, group, base);
		char *v = g_key_file_get_value(kf, group, key, NULL);
		if (!k) {
			char *known = known_keys(s, group);
			kf_problem(pr, group, key, "unknown key (value '%s'); expected one of %s, each "
			                           "with its .source", v ? v : "", known);
			g_free(known);
		} else if (is_source) {
			if (!v || !kf_source_ok(v)) {
				char *tags = g_strjoinv(", ", (char **)evidence_tags);
				kf_problem(pr, group, key, "'%s' is not a source; expected a URL (or '-' "
				                           "when there is none), then an evidence kind, one "
				                           "of %s, then a note, e.g. '%s'",
				           v ? v : "", tags, s->source_example);
				g_free(tags);
			} else {
				g_hash_table_insert(sources, g_strdup_printf("%s.%s", group, base),
				                    g_strdup(v));
			}
		}
		g_free(v);
		g_free(base);
	}
	g_hash_table_destroy(seen);
	g_strfreev(keys);
}

void kf_check_groups(kf_problems *pr, GKeyFile *kf, const kf_schema *s, GHashTable *sources)
{
	g_return_if_fail(pr != NULL && kf != NULL && s != NULL && sources != NULL);
	gsize ngroups = 0;
	char **groups = g_key_file_get_groups(kf, &ngroups);
	for (gsize i = 0; i < ngroups; i++) {
		if (schema_find(s, groups[i], NULL)) {
			check_group_keys(pr, kf, s, groups[i], sources);
		} else {
			char *known = known_groups(s);
			kf_problem(pr, groups[i], NULL, "unknown group; expected one of %s", known);
			g_free(known);
		}
	}
	g_strfreev(groups);
}

char *kf_schema_value(kf_problems *pr, GKeyFile *kf, const kf_schema *s, size_t i)
{
	g_return_val_if_fail(pr != NULL && kf != NULL && s != NULL && i < s->n, NULL);
	const kf_key *k = KF_SCHEMA_KEY(s, i);
	gboolean first_of_group = i == 0 || strcmp(KF_SCHEMA_KEY(s, i - 1)->group, k->group) != 0;
	if (!g_key_file_has_group(kf, k->group)) {
		/* Reported once for the group, not once per key. */
		if (first_of_group) {
			char *known = known_keys(s, k->group);
			kf_problem(pr, k->group, NULL, "missing group; expected [%s] with the keys %s",
			           k->group, known);
			g_free(known);
		}
		return NULL;
	}
	if (!g_key_file_has_key(kf, k->group, k->key, NULL)) {
		kf_problem(pr, k->group, k->key, "missing; expected %s", k->what);
		return NULL;
	}
	if (k->sourced) {
		char *sk = g_strconcat(k->key, KF_SOURCE_SUFFIX, NULL);
		if (!g_key_file_has_key(kf, k->group, sk, NULL))
			kf_problem(pr, k->group, sk, "missing; %s", s->missing_source);
		g_free(sk);
	}
	return g_key_file_get_value(kf, k->group, k->key, NULL);
}

const char *kf_source(GHashTable *sources, const char *group, const char *key)
{
	g_return_val_if_fail(sources != NULL && group != NULL && key != NULL, NULL);
	char *k = g_strdup_printf("%s.%s", group, key);
	const char *s = g_hash_table_lookup(sources, k);
	g_free(k);
	return s;
}

GPtrArray *kf_schema_assumptions(const kf_schema *s, GHashTable *sources)
{
	g_return_val_if_fail(s != NULL && sources != NULL, NULL);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < s->n; i++) {
		const kf_key *k = KF_SCHEMA_KEY(s, i);
		const char *src = kf_source(sources, k->group, k->key);
		if (src && strstr(src, KF_ASSUMPTION_TAG))
			g_ptr_array_add(out, g_strdup_printf("%s.%s", k->group, k->key));
	}
	return out;
}
