/* \summary: numbers with units: times, sizes, bit rates and per-second rates */
#ifndef VPCSIM_UNITS_H
#define VPCSIM_UNITS_H

#include <glib.h>
#include "engine.h"

/* What a number measures, and so which units it accepts. */
typedef enum {
	UNIT_NONE,    /* a plain number: "3", "0.25"; no unit allowed */
	UNIT_TIME,    /* ns us ms s (also "min", "h"); value in nanoseconds */
	UNIT_SIZE,    /* B KB KiB MB MiB GB GiB TB TiB; value in bytes */
	UNIT_BITRATE, /* bps Kbps Mbps Gbps Tbps (k or K); value in bits per second */
	UNIT_RATE,    /* "100/s", "5/ms", "3000/min", "10/h"; value in events per second */
} unit_kind;

/* Parses `text` (surrounding spaces allowed, a space between number and unit
 * allowed, e.g. "2ms", "2 ms", "1.5e3us", "9001B") as a quantity of `kind`
 * and stores it in the kind's base unit.  A number without a unit where the
 * kind needs one, an unknown unit, a unit of another kind or trailing text is
 * an error (VPCSIM_ERROR_PARSE) whose message quotes the text and says what
 * was expected, e.g. "'5' has no unit; expected a time such as 2ms, 50us or
 * 1.5s".  A magnitude above units_max(kind) is an error too
 * (VPCSIM_ERROR_INVALID).  Negative values are accepted here; callers check
 * ranges. */
gboolean units_parse(const char *text, unit_kind kind, double *out, GError **error);

/* The largest magnitude of each kind read from text, in the base unit: a
 * time at most a year (8760h), a size at most 1PB, a bit rate at most
 * 100Tbps, a rate at most 1000/us (one per nanosecond, the clock's
 * resolution); plain numbers have no bound here (their callers check them).
 * Sums and products of a few such values stay far inside an int64 of
 * nanoseconds or a uint64 of bytes. */
double units_max(unit_kind kind);

/* A time rounded to the nearest nanosecond. */
gboolean units_parse_time(const char *text, sim_time *out, GError **error);

/* "a time", "a size", "a bit rate", ... for messages such as "'2Mbps' is a
 * bit rate". */
const char *units_noun(unit_kind kind);

/* "a time such as 2ms, 50us or 1.5s", ... for error messages. */
const char *units_expected(unit_kind kind);

/* Formats a value of `kind` for people, choosing a readable unit:
 * "1.25ms", "9001B", "1.5GB", "10Gbps", "100/s".  Caller frees. */
char *units_format(double value, unit_kind kind);

/* Writes v's decimal digits at d, without a NUL, and returns the end (at
 * most 20 bytes); units_put_hex writes v's low `digits` hex digits,
 * lowercase, zero-padded.  For heads built per request, where printf's
 * format parsing cost more than the rest of the head. */
char *units_put_u64(char *d, uint64_t v);
char *units_put_hex(char *d, uint64_t v, int digits);

#endif
