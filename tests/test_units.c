/* \summary: units tests: every unit, spacing, error messages, formatting round trips */
#include "harness.h"
#include "error.h"
#include "rng.h"
#include "units.h"

#include <string.h>

/* Parses and compares exactly: every case below is exact in binary. */
static gboolean parses_to(const char *text, unit_kind kind, double want)
{
	double v = -12345;
	GError *e = NULL;
	if (!units_parse(text, kind, &v, &e)) {
		fprintf(stderr, "\n  units_parse(%s): %s\n", text, e->message);
		g_error_free(e);
		return FALSE;
	}
	if (v != want)
		fprintf(stderr, "\n  units_parse(%s) = %.17g, want %.17g\n", text, v, want);
	return v == want;
}

/* Fails to parse, with an error of `code` whose message contains every
 * string in `parts` (NULL-terminated). */
static gboolean fails_with(const char *text, unit_kind kind, int code, const char *const *parts)
{
	double v = -12345;
	GError *e = NULL;
	if (units_parse(text, kind, &v, &e)) {
		fprintf(stderr, "\n  units_parse(%s) unexpectedly gave %g\n", text, v);
		return FALSE;
	}
	gboolean ok = e && e->domain == VPCSIM_ERROR && e->code == code && v == -12345;
	for (const char *const *p = parts; ok && *p; p++)
		ok = strstr(e->message, *p) != NULL;
	if (!ok)
		fprintf(stderr, "\n  units_parse(%s) error: %s\n", text, e ? e->message : "(none)");
	g_clear_error(&e);
	return ok;
}

#define FAILS(text, kind, ...) \
	CU_ASSERT(fails_with(text, kind, VPCSIM_ERROR_PARSE, (const char *const[]){ __VA_ARGS__, NULL }))

static void test_time(void)
{
	CU_ASSERT(parses_to("7ns", UNIT_TIME, 7));
	CU_ASSERT(parses_to("50us", UNIT_TIME, 50e3));
	CU_ASSERT(parses_to("50\xc2\xb5s", UNIT_TIME, 50e3)); /* micro sign */
	CU_ASSERT(parses_to("50\xce\xbcs", UNIT_TIME, 50e3)); /* Greek mu */
	CU_ASSERT(parses_to("2ms", UNIT_TIME, 2e6));
	CU_ASSERT(parses_to("1.5s", UNIT_TIME, 1.5e9));
	CU_ASSERT(parses_to("2min", UNIT_TIME, 120e9));
	CU_ASSERT(parses_to("1h", UNIT_TIME, 3600e9));
	CU_ASSERT(parses_to("2 ms", UNIT_TIME, 2e6));
	CU_ASSERT(parses_to("  2ms\t", UNIT_TIME, 2e6));
	CU_ASSERT(parses_to("1.5e3us", UNIT_TIME, 1.5e6));
	CU_ASSERT(parses_to(".5s", UNIT_TIME, 5e8));
	CU_ASSERT(parses_to("-3ms", UNIT_TIME, -3e6));
	CU_ASSERT(parses_to("+3ms", UNIT_TIME, 3e6));
	CU_ASSERT(parses_to("0s", UNIT_TIME, 0));

	sim_time t = -1;
	CU_ASSERT_TRUE(units_parse_time("1.0004us", &t, NULL));
	CU_ASSERT_EQUAL(t, 1000);
	CU_ASSERT_TRUE(units_parse_time("1.0006us", &t, NULL));
	CU_ASSERT_EQUAL(t, 1001);
	CU_ASSERT_TRUE(units_parse_time("-2.5ns", &t, NULL));
	CU_ASSERT_EQUAL(t, -3); /* round() goes away from zero on halves */
	CU_ASSERT_TRUE(units_parse_time("100h", &t, NULL));
	CU_ASSERT_EQUAL(t, 360000 * SIM_S);
}

static void test_time_range(void)
{
	sim_time t = 7;
	GError *e = NULL;
	CU_ASSERT_TRUE(units_parse_time("8760h", &t, &e)); /* a year, the largest time */
	CU_ASSERT_EQUAL(t, (sim_time)8760 * 3600 * SIM_S);
	CU_ASSERT_TRUE(units_parse_time("-8760h", &t, &e));
	t = 7;
	CU_ASSERT_FALSE(units_parse_time("8761h", &t, &e));
	CU_ASSERT(e && e->code == VPCSIM_ERROR_INVALID && strstr(e->message, "'8761h'") &&
	          strstr(e->message, "out of range: a time is at most 8760h (a year); expected a "
	                             "time such as"));
	CU_ASSERT_EQUAL(t, 7);
	g_clear_error(&e);
	CU_ASSERT_FALSE(units_parse_time("3000000h", &t, &e)); /* 342 years: past the clock */
	CU_ASSERT(e && strstr(e->message, "out of range"));
	g_clear_error(&e);
	CU_ASSERT_FALSE(units_parse_time("5", &t, &e));
	CU_ASSERT(e && strstr(e->message, "has no unit"));
	g_clear_error(&e);
}

#define OUT_OF_RANGE(text, kind, ...) \
	CU_ASSERT(fails_with(text, kind, VPCSIM_ERROR_INVALID, \
	                     (const char *const[]){ __VA_ARGS__, NULL }))

/* Every kind has a documented largest value (README "Scenario files");
 * 1e30B was once cast to a uint64 and gave nonsense. */
static void test_upper_bounds(void)
{
	CU_ASSERT(parses_to("1PB", UNIT_SIZE, 1e15));
	OUT_OF_RANGE("1e30B", UNIT_SIZE, "'1e30B' is out of range: a size is at most 1PB; "
	                                 "expected a size such as");
	OUT_OF_RANGE("2PB", UNIT_SIZE, "at most 1PB");
	OUT_OF_RANGE("1PiB", UNIT_SIZE, "at most 1PB");
	OUT_OF_RANGE("-1e30B", UNIT_SIZE, "out of range");
	CU_ASSERT(parses_to("100Tbps", UNIT_BITRATE, 1e14));
	OUT_OF_RANGE("101Tbps", UNIT_BITRATE, "a bit rate is at most 100Tbps");
	CU_ASSERT(parses_to("1e9/s", UNIT_RATE, 1e9));
	CU_ASSERT(parses_to("1000/us", UNIT_RATE, 1e9));
	OUT_OF_RANGE("1e10/s", UNIT_RATE, "'1e10/s' is out of range: a rate is at most 1000/us "
	                                  "(one per nanosecond, the clock's resolution)");
	OUT_OF_RANGE("1e30ms", UNIT_TIME, "a time is at most 8760h (a year)");
	CU_ASSERT(parses_to("1e300", UNIT_NONE, 1e300));
	CU_ASSERT_EQUAL(units_max(UNIT_TIME), 8760.0 * 3600 * SIM_S);
	CU_ASSERT_EQUAL(units_max(UNIT_SIZE), 1e15);
	CU_ASSERT_EQUAL(units_max(UNIT_RATE), 1e9);
}

static void test_size(void)
{
	CU_ASSERT(parses_to("9001B", UNIT_SIZE, 9001));
	CU_ASSERT(parses_to("1KB", UNIT_SIZE, 1000));
	CU_ASSERT(parses_to("1kB", UNIT_SIZE, 1000));
	CU_ASSERT(parses_to("1KiB", UNIT_SIZE, 1024));
	CU_ASSERT(parses_to("1MB", UNIT_SIZE, 1e6));
	CU_ASSERT(parses_to("1MiB", UNIT_SIZE, 1048576));
	CU_ASSERT(parses_to("1.5GB", UNIT_SIZE, 1.5e9));
	CU_ASSERT(parses_to("1GiB", UNIT_SIZE, 1073741824.0));
	CU_ASSERT(parses_to("2TB", UNIT_SIZE, 2e12));
	CU_ASSERT(parses_to("1TiB", UNIT_SIZE, 1099511627776.0));
	CU_ASSERT(parses_to("0.5PB", UNIT_SIZE, 5e14));
	CU_ASSERT(parses_to("0.5PiB", UNIT_SIZE, 562949953421312.0));
	CU_ASSERT(parses_to("64 KiB", UNIT_SIZE, 65536));
}

static void test_bitrate_and_rate(void)
{
	CU_ASSERT(parses_to("300bps", UNIT_BITRATE, 300));
	CU_ASSERT(parses_to("10Kbps", UNIT_BITRATE, 1e4));
	CU_ASSERT(parses_to("10kbps", UNIT_BITRATE, 1e4));
	CU_ASSERT(parses_to("100Mbps", UNIT_BITRATE, 1e8));
	CU_ASSERT(parses_to("5Gbps", UNIT_BITRATE, 5e9));
	CU_ASSERT(parses_to("1.6Tbps", UNIT_BITRATE, 1.6e12));

	CU_ASSERT(parses_to("100/s", UNIT_RATE, 100));
	CU_ASSERT(parses_to("5/ms", UNIT_RATE, 5000));
	CU_ASSERT(parses_to("2/us", UNIT_RATE, 2e6));
	CU_ASSERT(parses_to("2/\xc2\xb5s", UNIT_RATE, 2e6));
	CU_ASSERT(parses_to("30/min", UNIT_RATE, 0.5));
	CU_ASSERT(parses_to("3000/min", UNIT_RATE, 50));
	CU_ASSERT(parses_to("10/h", UNIT_RATE, 10.0 / 3600));
	CU_ASSERT(parses_to("100 /s", UNIT_RATE, 100));

	CU_ASSERT(parses_to("3", UNIT_NONE, 3));
	CU_ASSERT(parses_to(" 0.25 ", UNIT_NONE, 0.25));
	CU_ASSERT(parses_to("-1e3", UNIT_NONE, -1000));
}

static void test_errors(void)
{
	FAILS("5", UNIT_TIME, "'5' has no unit", "expected a time such as 2ms, 50us or 1.5s");
	FAILS("5", UNIT_SIZE, "'5' has no unit", "expected a size such as");
	FAILS("5", UNIT_BITRATE, "'5' has no unit", "expected a bit rate such as");
	FAILS("5", UNIT_RATE, "'5' has no unit", "expected a rate such as 100/s");
	FAILS("5kg", UNIT_TIME, "'5kg' has an unknown unit 'kg'", "expected a time such as");
	FAILS("5 kg", UNIT_SIZE, "'5 kg' has an unknown unit 'kg'", "expected a size");
	FAILS("2MS", UNIT_TIME, "unknown unit 'MS'", "did you mean 'ms'?");
	FAILS("2mbps", UNIT_BITRATE, "unknown unit 'mbps'", "did you mean 'Mbps'?");
	FAILS("2Mb", UNIT_BITRATE, "unknown unit 'Mb'", "expected a bit rate");
	FAILS("2Mbps", UNIT_TIME, "'2Mbps' is a bit rate", "expected a time such as");
	FAILS("2ms", UNIT_SIZE, "'2ms' is a time", "expected a size");
	FAILS("1KB", UNIT_BITRATE, "'1KB' is a size", "expected a bit rate");
	FAILS("100/s", UNIT_TIME, "'100/s' is a rate", "expected a time");
	FAILS("2ms", UNIT_NONE, "'2ms' is a time", "expected a plain number such as 3");
	FAILS("2 ms x", UNIT_TIME, "'2 ms x' has trailing text 'x'", "expected a time");
	FAILS("2ms5", UNIT_TIME, "unknown unit 'ms5'");
	FAILS("", UNIT_TIME, "'' is empty", "expected a time");
	FAILS("   ", UNIT_NONE, "is empty", "expected a plain number");
	FAILS("ms", UNIT_TIME, "'ms' does not start with a number", "expected a time");
	FAILS("fast", UNIT_RATE, "'fast' does not start with a number", "expected a rate");
	FAILS("nan", UNIT_NONE, "'nan' is not a finite number");
	FAILS("inf", UNIT_TIME, "'inf' is not a finite number", "expected a time");
	FAILS("-infinity s", UNIT_TIME, "not a finite number");
	FAILS("1e999ms", UNIT_TIME, "'1e999ms' is not a finite number");
	FAILS("1e300h", UNIT_TIME, "too large", "expected a time");
	FAILS("1e300PB", UNIT_SIZE, "too large", "expected a size");
	FAILS("0x10B", UNIT_SIZE, "'0x10B' is a hexadecimal number", "expected a size");
	FAILS("1,5ms", UNIT_TIME, "unknown unit ',5ms'");
}

static void test_expected(void)
{
	CU_ASSERT_STRING_EQUAL(units_expected(UNIT_TIME), "a time such as 2ms, 50us or 1.5s");
	CU_ASSERT(strstr(units_expected(UNIT_NONE), "plain number") != NULL);
	CU_ASSERT(strstr(units_expected(UNIT_SIZE), "size") != NULL);
	CU_ASSERT(strstr(units_expected(UNIT_BITRATE), "bit rate") != NULL);
	CU_ASSERT(strstr(units_expected(UNIT_RATE), "/s") != NULL);
}

static gboolean formats_as(double v, unit_kind kind, const char *want)
{
	char *s = units_format(v, kind);
	gboolean ok = strcmp(s, want) == 0;
	if (!ok)
		fprintf(stderr, "\n  units_format(%.17g) = '%s', want '%s'\n", v, s, want);
	g_free(s);
	return ok;
}

static void test_format(void)
{
	CU_ASSERT(formats_as(1250000, UNIT_TIME, "1.25ms"));
	CU_ASSERT(formats_as(7, UNIT_TIME, "7ns"));
	CU_ASSERT(formats_as(50e3, UNIT_TIME, "50us"));
	CU_ASSERT(formats_as(1.5e9, UNIT_TIME, "1.5s"));
	CU_ASSERT(formats_as(60e9, UNIT_TIME, "60s"));
	CU_ASSERT(formats_as(7200e9, UNIT_TIME, "2h"));
	CU_ASSERT(formats_as(0, UNIT_TIME, "0s"));
	CU_ASSERT(formats_as(-3e6, UNIT_TIME, "-3ms"));
	CU_ASSERT(formats_as(0.5, UNIT_TIME, "0.5ns"));
	CU_ASSERT(formats_as(1e9 / 3, UNIT_TIME, "333.333ms")); /* not exact anywhere */
	CU_ASSERT(formats_as(999999.9999, UNIT_TIME, "1ms"));
	CU_ASSERT(formats_as(999999.4, UNIT_TIME, "999.999us"));
	CU_ASSERT(formats_as(9001, UNIT_SIZE, "9001B"));
	CU_ASSERT(formats_as(1.5e9, UNIT_SIZE, "1.5GB"));
	CU_ASSERT(formats_as(65536, UNIT_SIZE, "64KiB"));
	CU_ASSERT(formats_as(1e6, UNIT_SIZE, "1MB"));
	CU_ASSERT(formats_as(1234567, UNIT_SIZE, "1.23457MB"));
	CU_ASSERT(formats_as(0, UNIT_SIZE, "0B"));
	CU_ASSERT(formats_as(1e10, UNIT_BITRATE, "10Gbps"));
	CU_ASSERT(formats_as(1e5, UNIT_BITRATE, "100Kbps"));
	CU_ASSERT(formats_as(100, UNIT_RATE, "100/s"));
	CU_ASSERT(formats_as(0.5, UNIT_RATE, "0.5/s"));
	CU_ASSERT(formats_as(2.0 / 60, UNIT_RATE, "2/min"));
	CU_ASSERT(formats_as(1.0 / 60, UNIT_RATE, "60/h"));
	CU_ASSERT(formats_as(5e5, UNIT_TIME, "500us"));
	CU_ASSERT(formats_as(5000, UNIT_RATE, "5/ms"));
	CU_ASSERT(formats_as(0.25, UNIT_NONE, "0.25"));
	CU_ASSERT(formats_as(3, UNIT_NONE, "3"));
	CU_ASSERT(formats_as(INFINITY, UNIT_TIME, "inf"));
}

/* Formatted text parses back to within the six digits it keeps. */
/* units_put_u64 and units_put_hex (two digits a step) write what printf's
 * %" G_GUINT64_FORMAT " and %0*" G_GINT64_MODIFIER "x do: every power of ten and of
 * sixteen and its neighbours, every width, and random values. */
static void test_put_digits(void)
{
	rng r;
	rng_init(&r, 7, "put_digits");
	for (int i = 0; i < 4000; i++) {
		uint64_t v;
		if (i < 64 * 3) {
			uint64_t p = UINT64_C(1) << (i / 3);
			v = p + (uint64_t)(i % 3) - 1;
		} else if (i < 64 * 3 + 20 * 3) {
			uint64_t p = 1;
			for (int k = 0; k < (i - 64 * 3) / 3; k++)
				p *= 10;
			v = p + (uint64_t)((i - 64 * 3) % 3) - 1;
		} else {
			v = rng_next(&r) >> (rng_next(&r) % 64);
		}
		char got[32], want[32];
		*units_put_u64(got, v) = '\0';
		g_snprintf(want, sizeof want, "%" G_GUINT64_FORMAT, v);
		CU_ASSERT_STRING_EQUAL(got, want);
		for (int digits = 1; digits <= 16; digits++) {
			uint64_t low = digits == 16 ? v : v & ((UINT64_C(1) << (4 * digits)) - 1);
			char *e = units_put_hex(got, v, digits);
			CU_ASSERT_EQUAL(e - got, digits);
			*e = '\0';
			g_snprintf(want, sizeof want, "%0*" G_GINT64_MODIFIER "x", digits, low);
			CU_ASSERT_STRING_EQUAL(got, want);
		}
	}
}

static void test_format_round_trip(void)
{
	static const unit_kind kinds[] = { UNIT_NONE, UNIT_TIME, UNIT_SIZE, UNIT_BITRATE,
		                           UNIT_RATE };
	rng r;
	rng_init(&r, 5, "units-format");
	int bad = 0;
	for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
		for (int i = 0; i < 2000; i++) {
			/* Magnitudes from 1e-3 to 1e15, some round, some not. */
			double v = pow(10, -3 + 18 * rng_uniform_open(&r));
			if (i % 3 == 0)
				v = round(v);
			if (i % 7 == 0)
				v = -v;
			if (fabs(v) > units_max(kinds[k]))
				continue; /* refused on input (test_upper_bounds) */
			char *s = units_format(v, kinds[k]);
			double back;
			if (!units_parse(s, kinds[k], &back, NULL) ||
			    fabs(back - v) > 5e-6 * fabs(v)) {
				if (bad++ < 5)
					fprintf(stderr, "\n  %.17g -> '%s' -> %.17g\n", v, s, back);
			}
			g_free(s);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

void register_tests(void)
{
	CU_pSuite s = harness_suite("units");
	CU_add_test(s, "time", test_time);
	CU_add_test(s, "time_range", test_time_range);
	CU_add_test(s, "upper bounds", test_upper_bounds);
	CU_add_test(s, "size", test_size);
	CU_add_test(s, "bitrate_and_rate", test_bitrate_and_rate);
	CU_add_test(s, "errors", test_errors);
	CU_add_test(s, "expected", test_expected);
	CU_add_test(s, "format", test_format);
	CU_add_test(s, "format_round_trip", test_format_round_trip);
	CU_add_test(s, "put_digits: units_put_u64 and units_put_hex agree with printf",
	            test_put_digits);
}
