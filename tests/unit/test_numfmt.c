/* test_numfmt.c - util/numfmt: integer formatting and the exact fast paths
 * for reading JSON numbers, checked against the C library they replace
 * (snprintf "%" PRId64, strtoll, strtod) on edge values and on many
 * generated ones.  A reader that answers must give exactly the C library's
 * value (bit for bit); one that declines (-1) leaves the C library's way to
 * the caller, so the tests also check that the usual values are answered. */
#include "util/numfmt.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int fmt_matches(int64_t v)
{
	char want[32], got[DV_FMT_INT64_MAX + 1];
	size_t n = dv_fmt_int64(v, got);
	got[n] = '\0';
	snprintf(want, sizeof(want), "%" PRId64, v);
	if (strcmp(got, want) != 0) {
		printf("# dv_fmt_int64(%s) gave '%s'\n", want, got);
		return 0;
	}
	return 1;
}

static void test_fmt_int64(void)
{
	static const int64_t edges[] = {0, 1, -1, 9, 10, -10, 99, 100, 101, -99, -100,
					999999, 1000000, INT32_MAX, INT32_MIN,
					INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
					1000000000000000000LL, -1000000000000000000LL,
					999999999999999999LL};
	char out[DV_FMT_INT64_MAX + 1];
	int good = 1;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		good &= fmt_matches(edges[i]);
	ok(good, "dv_fmt_int64 writes the edge values as %%" PRId64 " does");
	out[dv_fmt_int64(INT64_MIN, out)] = '\0';
	is_str(out, "-9223372036854775808", "INT64_MIN");
	out[dv_fmt_int64(INT64_MAX, out)] = '\0';
	is_str(out, "9223372036854775807", "INT64_MAX");
	is_int((int)dv_fmt_int64(INT64_MIN, out), DV_FMT_INT64_MAX, "INT64_MIN is the longest");
	good = 1;
	for (int i = 0; i < 200000 && good; i++) {
		uint64_t r = rnd();
		good &= fmt_matches((int64_t)(r >> (r % 64)) * ((r & 1) ? -1 : 1));
	}
	ok(good, "dv_fmt_int64 = %%" PRId64 " for 200,000 values of every length");
}

static void test_scan_int64(void)
{
	static const struct {
		const char *s;
		int rc;
		int64_t v;
	} cases[] = {
		{"0", 0, 0}, {"-0", 0, 0}, {"7", 0, 7}, {"-7", 0, -7}, {"44145", 0, 44145},
		{"000123", 0, 123}, {"999999999999999999", 0, 999999999999999999LL},
		{"-999999999999999999", 0, -999999999999999999LL},
		/* declined: the caller's strtoll decides */
		{"9223372036854775807", -1, 0}, {"-9223372036854775808", -1, 0},
		{"1000000000000000000", -1, 0}, {"", -1, 0}, {"-", -1, 0}, {"+1", -1, 0},
		{" 1", -1, 0}, {"1 ", -1, 0}, {"1.0", -1, 0}, {"1e3", -1, 0}, {"0x10", -1, 0},
		{"12a", -1, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = 12345;
		int rc = dv_scan_int64(cases[i].s, strlen(cases[i].s), &v);
		ok(rc == cases[i].rc && (rc != 0 || v == cases[i].v), "dv_scan_int64('%s') = %d",
		   cases[i].s, rc);
	}
	/* counted, not NUL-terminated: the digits after len are not read */
	{
		int64_t v = 0;
		ok(dv_scan_int64("12345", 3, &v) == 0 && v == 123, "reads only len bytes");
	}
	int good = 1;
	for (int i = 0; i < 200000 && good; i++) {
		char s[32];
		int64_t v = 0;
		uint64_t r = rnd();
		int64_t x = (int64_t)(r % 1000000000000000000ULL) * ((r >> 63) ? -1 : 1);
		snprintf(s, sizeof(s), "%" PRId64, x >> (r % 60));
		good &= dv_scan_int64(s, strlen(s), &v) == 0 && v == strtoll(s, NULL, 10);
	}
	ok(good, "dv_scan_int64 = strtoll for 200,000 values of up to 18 digits");
}

static int same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* 1 when dv_scan_double declines s or reads exactly strtod's value. */
static int scan_agrees(const char *s, int *answered)
{
	double got = 0, want = strtod(s, NULL);
	if (dv_scan_double(s, strlen(s), &got) != 0)
		return 1;
	if (answered)
		(*answered)++;
	if (!same_double(got, want)) {
		printf("# dv_scan_double('%s') = %.17g, strtod %.17g\n", s, got, want);
		return 0;
	}
	return 1;
}

static void test_scan_double(void)
{
	static const struct {
		const char *s;
		int rc;       /* 0 answered, -1 declined */
	} cases[] = {
		{"0.1", 0}, {"-71.00396", 0}, {"21.24438", 0}, {"31092000.3100", 0},
		{"1.0000000000", 0}, {"0", 0}, {"-0", 0}, {"-0.0", 0}, {"1e21", 0}, {"1e22", 0},
		{"1E-22", 0}, {"9007199254740992", 0}, {"123456789012345678e-10", -1},
		{"1.5e+3", 0}, {"0e999", 0}, {"0.000", 0},
		/* declined: need more than one exact operation */
		{"1e23", -1}, {"1e-23", -1}, {"5e-324", -1}, {"1.7976931348623157e308", -1},
		{"2.2250738585072014e-308", -1}, {"9007199254740993", -1},
		{"12345678901234567890", -1}, {"0.1000000000000000055511151231257827", -1},
		{"1e400", -1},
		/* not JSON numbers: strtod's way */
		{"", -1}, {"-", -1}, {".5", -1}, {"1.", -1}, {"+1", -1}, {"1e", -1}, {"1e+", -1},
		{" 1", -1}, {"inf", -1}, {"nan", -1}, {"0x1p3", -1}, {"1,5", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v = 0;
		int rc = dv_scan_double(cases[i].s, strlen(cases[i].s), &v);
		ok(rc == cases[i].rc && (rc != 0 || same_double(v, strtod(cases[i].s, NULL))),
		   "dv_scan_double('%s') = %d%s", cases[i].s, rc,
		   rc == 0 ? ", strtod's value" : "");
	}
	{
		double v = 1;
		ok(dv_scan_double("-0.0", 4, &v) == 0 && v == 0 && signbit(v), "-0.0 keeps its sign");
		ok(dv_scan_double("2.5e10", 3, &v) == 0 && v == 2.5, "reads only len bytes");
	}

	/* every double printed the usual ways reads back as strtod reads it */
	int good = 1, answered = 0, total = 0;
	for (int i = 0; i < 100000 && good; i++) {
		char s[512];
		uint64_t bits = rnd();
		double d;
		memcpy(&d, &bits, sizeof(d));
		if (!isfinite(d))
			continue;
		snprintf(s, sizeof(s), "%.17g", d);
		good &= scan_agrees(s, NULL);
		snprintf(s, sizeof(s), "%.15g", d);
		good &= scan_agrees(s, NULL);
		snprintf(s, sizeof(s), "%.6f", d);
		good &= scan_agrees(s, NULL);
		snprintf(s, sizeof(s), "%.3e", d);
		good &= scan_agrees(s, NULL);
		snprintf(s, sizeof(s), "%.10g", d);
		good &= scan_agrees(s, NULL);
	}
	ok(good, "dv_scan_double = strtod for 500,000 texts of random doubles");
	/* and values of the kind the service sends, which must take the fast path */
	good = 1;
	for (int i = 0; i < 200000 && good; i++) {
		char s[64];
		uint64_t r = rnd();
		int scale = (int)(r % 11);
		int64_t m = (int64_t)((r >> 8) % 100000000000000ULL);
		snprintf(s, sizeof(s), "%s%" PRId64 ".%0*" PRId64, (r & 1) ? "-" : "",
			 m / 100000, 5, m % 100000);
		if (scale % 3 == 0)
			snprintf(s, sizeof(s), "%" PRId64 "e%d", m % 1000000, scale - 5);
		total++;
		good &= scan_agrees(s, &answered);
	}
	ok(good, "dv_scan_double = strtod for 200,000 decimal and exponent texts");
	ok(answered == total, "all %d of them answered by the fast path (%d)", total, answered);
	/* exactly half-way cases between two doubles (ties to even) */
	good = 1;
	for (int i = 0; i < 100000 && good; i++) {
		char s[64];
		uint64_t m = (rnd() % ((1ULL << 53) - 1)) + 1;
		snprintf(s, sizeof(s), "%" PRIu64 "e-%d", m, (int)(rnd() % 23));
		good &= scan_agrees(s, NULL);
		snprintf(s, sizeof(s), "%" PRIu64 "e%d", m, (int)(rnd() % 23));
		good &= scan_agrees(s, NULL);
	}
	ok(good, "dv_scan_double = strtod for 200,000 m*10^e with m below 2^53");
}

int main(void)
{
	test_fmt_int64();
	test_scan_int64();
	test_scan_double();
	return tap_done();
}
