/* \summary: numbers with units: parsing and formatting times, sizes, bit rates and rates */
#include "units.h"

#include <math.h>
#include <string.h>

#include "error.h"

/*
 * One table for every unit of every kind.  A value in the kind's base unit is
 * number * mul / div; rates per minute and per hour divide rather than
 * multiply by an inexact 1/60 so that "30/min" is exactly 0.5/s.  Entries
 * marked `alias` are accepted on input but never written by units_format().
 * Units are case-sensitive: "MB" is a megabyte, "Mb" is not a unit, and "ms"
 * is never confused with "Ms".
 */
typedef struct {
	const char *name;
	unit_kind kind;
	double mul, div;
	gboolean alias;
} unit_def;

static const unit_def units[] = {
	{ "ns", UNIT_TIME, 1, 1, FALSE },
	{ "us", UNIT_TIME, 1e3, 1, FALSE },
	{ "\xc2\xb5s", UNIT_TIME, 1e3, 1, TRUE }, /* U+00B5 MICRO SIGN */
	{ "\xce\xbcs", UNIT_TIME, 1e3, 1, TRUE }, /* U+03BC GREEK SMALL LETTER MU */
	{ "ms", UNIT_TIME, 1e6, 1, FALSE },
	{ "s", UNIT_TIME, 1e9, 1, FALSE },
	{ "min", UNIT_TIME, 60e9, 1, FALSE },
	{ "h", UNIT_TIME, 3600e9, 1, FALSE },

	{ "B", UNIT_SIZE, 1, 1, FALSE },
	{ "KB", UNIT_SIZE, 1e3, 1, FALSE },
	{ "kB", UNIT_SIZE, 1e3, 1, TRUE },
	{ "KiB", UNIT_SIZE, 1024.0, 1, FALSE },
	{ "MB", UNIT_SIZE, 1e6, 1, FALSE },
	{ "MiB", UNIT_SIZE, 1048576.0, 1, FALSE },
	{ "GB", UNIT_SIZE, 1e9, 1, FALSE },
	{ "GiB", UNIT_SIZE, 1073741824.0, 1, FALSE },
	{ "TB", UNIT_SIZE, 1e12, 1, FALSE },
	{ "TiB", UNIT_SIZE, 1099511627776.0, 1, FALSE },
	{ "PB", UNIT_SIZE, 1e15, 1, FALSE },
	{ "PiB", UNIT_SIZE, 1125899906842624.0, 1, FALSE },

	{ "bps", UNIT_BITRATE, 1, 1, FALSE },
	{ "Kbps", UNIT_BITRATE, 1e3, 1, FALSE },
	{ "kbps", UNIT_BITRATE, 1e3, 1, TRUE },
	{ "Mbps", UNIT_BITRATE, 1e6, 1, FALSE },
	{ "Gbps", UNIT_BITRATE, 1e9, 1, FALSE },
	{ "Tbps", UNIT_BITRATE, 1e12, 1, FALSE },

	{ "/h", UNIT_RATE, 1, 3600, FALSE },
	{ "/min", UNIT_RATE, 1, 60, FALSE },
	{ "/s", UNIT_RATE, 1, 1, FALSE },
	{ "/ms", UNIT_RATE, 1e3, 1, FALSE },
	{ "/us", UNIT_RATE, 1e6, 1, FALSE },
	{ "/\xc2\xb5s", UNIT_RATE, 1e6, 1, TRUE },
	{ "/\xce\xbcs", UNIT_RATE, 1e6, 1, TRUE },
};

/*
 * Upper bounds on what a scenario, profile or command line may say.  They
 * are far above anything a simulation of seconds to hours needs, and low
 * enough that the arithmetic done with them cannot overflow: a time of a
 * year is 3.2e16 ns, so hundreds of them sum inside an int64 (2^63 ns is
 * 292 years); 1PB is 1e15 bytes, exact in a double and far inside a uint64;
 * a rate above one per nanosecond would space events less than the clock's
 * resolution apart, so they would all happen at once (a run that only
 * grows).  The README's "Scenario files" lists them.
 */
double units_max(unit_kind kind)
{
	switch (kind) {
	case UNIT_NONE:
		return INFINITY;
	case UNIT_TIME:
		return 8760.0 * 3600e9;
	case UNIT_SIZE:
		return 1e15;
	case UNIT_BITRATE:
		return 1e14;
	case UNIT_RATE:
		return 1e9;
	}
	return INFINITY;
}

/* Why units_max(kind) is what it is, for the message that refuses more. */
static const char *units_max_why(unit_kind kind)
{
	switch (kind) {
	case UNIT_TIME:
		return " (a year)";
	case UNIT_RATE:
		return " (one per nanosecond, the clock's resolution)";
	default:
		return "";
	}
}

const char *units_expected(unit_kind kind)
{
	switch (kind) {
	case UNIT_NONE:
		return "a plain number such as 3 or 0.25";
	case UNIT_TIME:
		return "a time such as 2ms, 50us or 1.5s";
	case UNIT_SIZE:
		return "a size such as 1500B, 64KiB or 1.5GB";
	case UNIT_BITRATE:
		return "a bit rate such as 100Mbps, 5Gbps or 10Kbps";
	case UNIT_RATE:
		return "a rate such as 100/s, 5/ms or 3000/min";
	}
	return "a number";
}

const char *units_noun(unit_kind kind)
{
	switch (kind) {
	case UNIT_NONE:
		return "a plain number";
	case UNIT_TIME:
		return "a time";
	case UNIT_SIZE:
		return "a size";
	case UNIT_BITRATE:
		return "a bit rate";
	case UNIT_RATE:
		return "a rate";
	}
	return "a number";
}

static const unit_def *unit_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
		if (strlen(units[i].name) == len && strncmp(units[i].name, name, len) == 0)
			return &units[i];
	return NULL;
}

/* A unit of `kind` spelled like `name` but for case, for "did you mean". */
static const unit_def *unit_lookup_nocase(const char *name, size_t len, unit_kind kind)
{
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
		if (units[i].kind == kind && !units[i].alias && strlen(units[i].name) == len &&
		    g_ascii_strncasecmp(units[i].name, name, len) == 0)
			return &units[i];
	return NULL;
}

gboolean units_parse(const char *text, unit_kind kind, double *out, GError **error)
{
	g_return_val_if_fail(text != NULL, FALSE);
	g_return_val_if_fail(out != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	const char *expected = units_expected(kind);
	const char *p = text;
	while (g_ascii_isspace(*p))
		p++;
	const char *end = p + strlen(p);
	while (end > p && g_ascii_isspace(end[-1]))
		end--;
	if (p == end) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE, "'%s' is empty; expected %s",
		            text, expected);
		return FALSE;
	}

	char *num_end = NULL;
	double v = g_ascii_strtod(p, &num_end);
	if (num_end == p) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s' does not start with a number; expected %s", text, expected);
		return FALSE;
	}
	/* strtod also reads "inf", "nan" and hexadecimal; none of them is a
	 * sensible quantity in a scenario, and "0x1B" would silently lose its
	 * unit, so they are refused rather than passed on. */
	if (!isfinite(v)) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s' is not a finite number; expected %s", text, expected);
		return FALSE;
	}
	if (memchr(p, 'x', (size_t)(num_end - p)) || memchr(p, 'X', (size_t)(num_end - p))) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s' is a hexadecimal number; expected %s", text, expected);
		return FALSE;
	}

	const char *u = num_end;
	while (u < end && g_ascii_isspace(*u))
		u++;
	const char *u_end = u;
	while (u_end < end && !g_ascii_isspace(*u_end))
		u_end++;
	size_t ulen = (size_t)(u_end - u);

	if (ulen == 0) {
		if (kind == UNIT_NONE) {
			*out = v;
			return TRUE;
		}
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE, "'%s' has no unit; expected %s",
		            text, expected);
		return FALSE;
	}

	const unit_def *def = unit_lookup(u, ulen);
	if (!def) {
		const unit_def *near = unit_lookup_nocase(u, ulen, kind);
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s' has an unknown unit '%.*s'%s%s%s; expected %s", text, (int)ulen, u,
		            near ? " (did you mean '" : "", near ? near->name : "", near ? "'?)" : "",
		            expected);
		return FALSE;
	}
	if (def->kind != kind) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE, "'%s' is %s; expected %s", text,
		            units_noun(def->kind), expected);
		return FALSE;
	}
	if (u_end != end) {
		while (g_ascii_isspace(*u_end))
			u_end++;
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s' has trailing text '%.*s'; expected %s", text, (int)(end - u_end),
		            u_end, expected);
		return FALSE;
	}

	double value = v * def->mul / def->div;
	if (!isfinite(value)) {
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_PARSE,
		            "'%s' is too large to represent; expected %s", text, expected);
		return FALSE;
	}
	if (fabs(value) > units_max(kind)) {
		char *max = units_format(units_max(kind), kind);
		g_set_error(error, VPCSIM_ERROR, VPCSIM_ERROR_INVALID,
		            "'%s' is out of range: %s is at most %s%s; expected %s", text,
		            units_noun(kind), max, units_max_why(kind), expected);
		g_free(max);
		return FALSE;
	}
	*out = value;
	return TRUE;
}

gboolean units_parse_time(const char *text, sim_time *out, GError **error)
{
	g_return_val_if_fail(out != NULL, FALSE);
	double ns;
	if (!units_parse(text, UNIT_TIME, &ns, error))
		return FALSE;
	/* units_max(UNIT_TIME), a year, is far inside sim_time's +-292 years. */
	*out = (sim_time)round(ns);
	return TRUE;
}

/*
 * units_format() writes at most six significant digits, as printf's %g does:
 * the text is for people, so 1/3 s reads "333.333ms" rather than seventeen
 * digits; parsing it back gives the value to within 5e-6 relative.
 *
 * The unit is chosen in two steps.  First, among the units in which the
 * value is written exactly in at most six digits, the shortest text wins:
 * 9001 bytes is "9001B", not "9.001KB", and 65536 bytes is "64KiB".  Between
 * texts of equal length, one whose number is at least 1 wins, so 1e5 bps is
 * "100Kbps", not "0.1Mbps"; then the larger unit, so 1250000ns is "1.25ms",
 * not "1250us".  Only if no unit is exact does the usual engineering rule
 * apply: the largest decimal unit in which the number is at least 1
 * ("333.333ms"); minutes, hours and binary sizes are then left out because
 * "1.39698GiB" helps nobody.
 */
#define FORMAT_DIGITS 6

static gboolean format_in(double value, const unit_def *d, char *buf, size_t len)
{
	double scaled = value / d->mul * d->div;
	char num[G_ASCII_DTOSTR_BUF_SIZE];
	g_ascii_formatd(num, sizeof num, "%." G_STRINGIFY(FORMAT_DIGITS) "g", scaled);
	g_snprintf(buf, len, "%s%s", num, d->name);
	return g_ascii_strtod(num, NULL) * d->mul / d->div == value;
}

static gboolean natural_unit(const unit_def *d)
{
	if (d->alias)
		return FALSE;
	if (d->kind == UNIT_TIME)
		return d->mul <= 1e9;
	if (d->kind == UNIT_SIZE)
		return strstr(d->name, "iB") == NULL;
	if (d->kind == UNIT_RATE)
		return d->div == 1;
	return TRUE;
}

char *units_format(double value, unit_kind kind)
{
	if (kind == UNIT_NONE || !isfinite(value)) {
		/* Infinities and NaN print as "inf"/"nan", which units_parse()
		 * refuses; they arise only from computed values (a Pareto mean). */
		char num[G_ASCII_DTOSTR_BUF_SIZE];
		g_ascii_formatd(num, sizeof num, "%." G_STRINGIFY(FORMAT_DIGITS) "g", value);
		return g_strdup(num);
	}
	if (value == 0) {
		static const char *const zero[] = {
			[UNIT_TIME] = "0s", [UNIT_SIZE] = "0B", [UNIT_BITRATE] = "0bps",
			[UNIT_RATE] = "0/s",
		};
		return g_strdup(zero[kind]);
	}

	char best[64] = "", cand[64];
	size_t best_len = SIZE_MAX;
	double best_size = 0;
	gboolean best_whole = FALSE;
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
		const unit_def *d = &units[i];
		if (d->kind != kind || d->alias)
			continue;
		if (!format_in(value, d, cand, sizeof cand))
			continue;
		double size = d->mul / d->div;
		size_t len = strlen(cand);
		gboolean whole = fabs(value) >= size;
		if (len < best_len ||
		    (len == best_len && whole > best_whole) ||
		    (len == best_len && whole == best_whole && size > best_size)) {
			memcpy(best, cand, sizeof best);
			best_len = len;
			best_size = size;
			best_whole = whole;
		}
	}
	if (best_len != SIZE_MAX)
		return g_strdup(best);

	const unit_def *pick = NULL, *smallest = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
		const unit_def *d = &units[i];
		if (d->kind != kind || !natural_unit(d))
			continue;
		double size = d->mul / d->div;
		if (!smallest || size < smallest->mul / smallest->div)
			smallest = d;
		/* Compare with the value as %.6g will round it, so that
		 * 999999.9999ns is "1ms", not "1000us". */
		if (fabs(value) >= 0.9999995 * size && (!pick || size > pick->mul / pick->div))
			pick = d;
	}
	if (!pick)
		pick = smallest;
	format_in(value, pick, cand, sizeof cand);
	return g_strdup(cand);
}

/* "00" to "99" and "00" to "ff": two digits a step, half the divisions
 * (response heads write two numbers each, trace ids 32 hex digits). */
static const char dec_pairs[] =
	"0001020304050607080910111213141516171819202122232425262728293031"
	"3233343536373839404142434445464748495051525354555657585960616263"
	"6465666768697071727374757677787980818283848586878889909192939495"
	"96979899";
static const char hex_pairs[] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

char *units_put_u64(char *d, uint64_t v)
{
	char buf[20];
	int i = sizeof buf;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		i -= 2;
		memcpy(buf + i, dec_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		i -= 2;
		memcpy(buf + i, dec_pairs + 2 * v, 2);
	} else {
		buf[--i] = (char)('0' + v);
	}
	memcpy(d, buf + i, sizeof buf - (size_t)i);
	return d + (sizeof buf - (size_t)i);
}

char *units_put_hex(char *d, uint64_t v, int digits)
{
	int i = digits;
	for (; i >= 2; i -= 2, v >>= 8)
		memcpy(d + i - 2, hex_pairs + 2 * (v & 0xff), 2);
	if (i == 1)
		d[0] = "0123456789abcdef"[v & 15];
	return d + digits;
}
