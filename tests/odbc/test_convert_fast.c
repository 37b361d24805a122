/* test_convert_fast.c - the bound-column fast path (dv_convert_char_whole)
 * writes exactly what the conversion matrix (dv_convert_cs) writes.
 *
 * For every value of a set of edge values (text, dates and timestamps in
 * canonical and other forms, integers to INT64_MIN/MAX, doubles from 5e-324
 * to DBL_MAX, -0.0, infinities, NULL, blobs) times every SQL type the
 * driver reports, DECIMAL scales 0-15, buffer sizes from 1 byte up and
 * each arrangement of the length and indicator pointers: when the fast
 * path answers, the bytes of the buffer, the length and the indicator equal
 * the matrix's and the matrix returns SQL_SUCCESS; when it declines, it has
 * written nothing.  Then the usual values must be answered by the fast path
 * (else it would be dead code and this test would prove nothing). */
#include "odbc/charset.h"
#include "odbc/convert.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

#define BUF 600

static struct dv_value text(const char *s)
{
	return (struct dv_value){.type = DV_V_TEXT, .s = s, .len = strlen(s)};
}

static struct dv_value integer(int64_t i)
{
	return (struct dv_value){.type = DV_V_INT, .i = i};
}

static struct dv_value dbl(double d)
{
	return (struct dv_value){.type = DV_V_DOUBLE, .d = d};
}

struct out {
	unsigned char buf[BUF];
	SQLLEN len, ind;
};

/* How the length and indicator pointers are given. */
enum ptrs { P_SAME, P_BOTH, P_LEN_ONLY, P_IND_ONLY, P_NONE, P_COUNT };

static struct dv_conv_dst dst_for(struct out *o, SQLLEN buflen, enum ptrs p)
{
	memset(o->buf, 0xAA, sizeof(o->buf));
	o->len = o->ind = -777;
	struct dv_conv_dst d = {SQL_C_CHAR, o->buf, buflen, NULL, NULL, 38, 0};
	if (p == P_SAME)
		d.len_ptr = d.ind_ptr = &o->len;
	if (p == P_BOTH || p == P_LEN_ONLY)
		d.len_ptr = &o->len;
	if (p == P_BOTH || p == P_IND_ONLY)
		d.ind_ptr = &o->ind;
	return d;
}

static int untouched(const struct out *o)
{
	for (size_t i = 0; i < sizeof(o->buf); i++)
		if (o->buf[i] != 0xAA)
			return 0;
	return o->len == -777 && o->ind == -777;
}

/* Every buffer size and pointer arrangement for one value and SQL type:
 * 1 when the fast path agrees with the matrix each time it answers;
 * *answered counts the answers. */
static int agrees(const struct dv_value *v, SQLSMALLINT sql_type, SQLSMALLINT scale,
		  struct dv_charset *cs, const char *what, int *answered)
{
	static const SQLLEN sizes[] = {1, 2, 3, 5, 8, 11, 20, 21, 22, 26, 30, 64, 400, BUF};
	struct dv_conv_src src = {sql_type, scale};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (int p = 0; p < P_COUNT; p++) {
			struct out fast, full;
			struct dv_conv_dst df = dst_for(&fast, sizes[k], (enum ptrs)p);
			struct dv_conv_dst dm = dst_for(&full, sizes[k], (enum ptrs)p);
			struct dv_error err;
			dv_error_clear(&err);
			if (!dv_convert_char_whole(v, &src, &df, cs)) {
				if (!untouched(&fast)) {
					printf("# %s, SQL type %d, buffer %ld, pointers %d: declined "
					       "but wrote\n", what, sql_type, (long)sizes[k], p);
					return 0;
				}
				continue;
			}
			(*answered)++;
			SQLRETURN rc = dv_convert_cs(v, &src, &dm, cs, NULL, &err);
			if (rc != SQL_SUCCESS || memcmp(fast.buf, full.buf, BUF) != 0 ||
			    fast.len != full.len || fast.ind != full.ind) {
				printf("# %s, SQL type %d scale %d, buffer %ld, pointers %d: fast "
				       "'%.60s' len %ld ind %ld, matrix rc %d '%.60s' len %ld ind "
				       "%ld\n", what, sql_type, scale, (long)sizes[k], p,
				       (const char *)fast.buf, (long)fast.len, (long)fast.ind, rc,
				       (const char *)full.buf, (long)full.len, (long)full.ind);
				return 0;
			}
		}
	}
	return 1;
}

static const SQLSMALLINT sql_types[] = {
	SQL_WVARCHAR, SQL_VARCHAR, SQL_WLONGVARCHAR, SQL_INTEGER, SQL_BIGINT, SQL_SMALLINT,
	SQL_TINYINT, SQL_DOUBLE, SQL_FLOAT, SQL_REAL, SQL_BIT, SQL_TYPE_DATE,
	SQL_TYPE_TIMESTAMP, SQL_TYPE_TIME, SQL_GUID, SQL_VARBINARY, SQL_DECIMAL, SQL_NUMERIC,
};

static void check_value(const struct dv_value *v, const char *what)
{
	int good = 1, answered = 0;
	for (size_t t = 0; t < sizeof(sql_types) / sizeof(sql_types[0]) && good; t++) {
		int dec = sql_types[t] == SQL_DECIMAL || sql_types[t] == SQL_NUMERIC;
		for (int scale = 0; scale <= (dec ? 18 : 0) && good; scale++)
			good = agrees(v, sql_types[t], (SQLSMALLINT)scale, NULL, what, &answered);
	}
	ok(good, "%s: the fast path writes what the matrix writes (%d answers)", what,
	   answered);
}

static void test_equivalence(void)
{
	static const char *const texts[] = {
		"Contoso", "", "h\xc3\xa9llo w\xc3\xb6rld", "2019-06-18 23:49:50",
		"2019-06-18 23:49:50.5", "2019-06-18 23:49:50.500", "2019-06-18 23:49:50.000",
		"2019-06-18 23:49:50.", "2019-06-18 23:49:50.123456789",
		"2019-06-18 23:49:50.1234567891", "2019-06-18T23:49:50Z", "2019-06-18T23:49:50",
		"2019-02-29 00:00:00", "2020-02-29 10:00:00", "2019-06-18 24:00:00",
		"2019-06-18 23:60:00", "2019-06-18 23:59:61", "2019-06-18 23:59:62",
		"2019-13-01 00:00:00", "2019-00-10 00:00:00", "2019-04-31 00:00:00",
		"0000-01-01 00:00:00", "9999-12-31 23:59:59", "2024-01-01", "2024-01-01 ",
		" 2024-01-01", "2024-1-01", "23:59:59", "23:59", "12.3400", "-0.00", "0.5",
		"1e5", "abc", "9E3931B9-9ED9-4001-8001-0000000F4244",
		"{9E3931B9-9ED9-4001-8001-0000000F4244}", "922337203685477.6000",
		"1234567890123456.7891", "-1", "1", "0", "true",
		"a text of more than 320 bytes, longer than the sink's stack buffer, "
		"a text of more than 320 bytes, longer than the sink's stack buffer, "
		"a text of more than 320 bytes, longer than the sink's stack buffer, "
		"a text of more than 320 bytes, longer than the sink's stack buffer, "
		"a text of more than 320 bytes, longer than the sink's stack buffer.",
		"12345678901234567890123456789012345678901234567890.123456789012345678901"
		"23456789012345678901234567890123456789012345678901234567890123456789012"
		"3456789012345678901234567890123456789012345678901234567890123456789012"
		"34567890123456789012345678901234567890123456789012345678901234567890",
	};
	static const int64_t ints[] = {0, 1, -1, 42, 9, 10, -10, 44145, 1109464, 2147483647,
				       -2147483648LL, 1234567890123LL, 999999999999999LL,
				       1000000000000000LL, INT64_MAX, INT64_MIN};
	static const double dbls[] = {
		0.1, 1e21, -0.0, 0.0, 5e-324, DBL_MAX, -DBL_MAX, DBL_MIN, 1.25, 31092000.31,
		885000.0, 1.0, -71.00396, 21.24438, -118.528, 0.5, 2.5, -2.5, 0.125, 0.005,
		0.015, 1.005, 1e15, 1e15 - 1, 999999999999999.9, 1e-4, 9.99e-5, 1e-5,
		123456.789e3, 1.0 / 3, 2.0 / 3, 0.1 + 0.2, 1e100, 123456789012.345678,
		4503599627370496.5, 9007199254740993.0, INFINITY, -INFINITY, NAN,
	};
	char what[96];
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct dv_value v = text(texts[i]);
		snprintf(what, sizeof(what), "text '%.40s'", texts[i]);
		check_value(&v, what);
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		struct dv_value v = integer(ints[i]);
		snprintf(what, sizeof(what), "integer %lld", (long long)ints[i]);
		check_value(&v, what);
	}
	for (size_t i = 0; i < sizeof(dbls) / sizeof(dbls[0]); i++) {
		struct dv_value v = dbl(dbls[i]);
		snprintf(what, sizeof(what), "double %.17g", dbls[i]);
		check_value(&v, what);
	}
	{
		struct dv_value v = {.type = DV_V_NULL};
		check_value(&v, "NULL");
		struct dv_value b = {.type = DV_V_BLOB, .s = "\x01\x02\xff", .len = 3};
		check_value(&b, "blob");
	}
}

/* Generated decimals and money at every scale, the doubles near a half. */
static void test_generated(void)
{
	uint64_t r = 88172645463325252ULL;
	int good = 1, answered = 0;
	for (int i = 0; i < 20000 && good; i++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		double d = (double)(int64_t)(r % 2000000000000ULL - 1000000000000LL) /
			   (double)(1ULL << (r >> 58));
		struct dv_value v = dbl(d);
		for (int scale = 0; scale <= 16 && good; scale += 1 + (int)(r >> 61))
			good = agrees(&v, SQL_DECIMAL, (SQLSMALLINT)scale, NULL, "generated",
				      &answered);
		good = good && agrees(&v, SQL_DOUBLE, 0, NULL, "generated", &answered);
	}
	ok(good, "20,000 generated doubles as DECIMAL at scales 0-16 and as DOUBLE agree (%d "
	   "answers)", answered);
}

/* The values of a bound fetch that must take the fast path. */
static void test_answers(void)
{
	static const struct {
		struct dv_value v;
		SQLSMALLINT sql_type, scale;
		const char *out;
	} cases[] = {
		{{.type = DV_V_TEXT, .s = "Contoso", .len = 7}, SQL_WVARCHAR, 0, "Contoso"},
		{{.type = DV_V_TEXT, .s = "9e3931b9-9ed9-4001-8001-0000000f4244", .len = 36},
		 SQL_GUID, 0, "9e3931b9-9ed9-4001-8001-0000000f4244"},
		{{.type = DV_V_INT, .i = 44145}, SQL_INTEGER, 0, "44145"},
		{{.type = DV_V_INT, .i = INT64_MIN}, SQL_BIGINT, 0, "-9223372036854775808"},
		{{.type = DV_V_INT, .i = 1}, SQL_BIT, 0, "1"},
		{{.type = DV_V_DOUBLE, .d = -71.00396}, SQL_DOUBLE, 0, "-71.00396"},
		{{.type = DV_V_DOUBLE, .d = 31092000.31}, SQL_DECIMAL, 2, "31092000.31"},
		{{.type = DV_V_DOUBLE, .d = 1.0}, SQL_DECIMAL, 10, "1.0000000000"},
		{{.type = DV_V_DOUBLE, .d = 0.1}, SQL_DECIMAL, 15, "0.100000000000000"},
		{{.type = DV_V_TEXT, .s = "2019-06-18 23:49:50", .len = 19}, SQL_TYPE_TIMESTAMP, 0,
		 "2019-06-18 23:49:50"},
		{{.type = DV_V_TEXT, .s = "2019-06-18T23:49:50Z", .len = 20}, SQL_TYPE_TIMESTAMP,
		 0, "2019-06-18 23:49:50"},
		{{.type = DV_V_TEXT, .s = "2024-01-01", .len = 10}, SQL_TYPE_DATE, 0, "2024-01-01"},
		{{.type = DV_V_TEXT, .s = "922337203685477.6000", .len = 20}, SQL_DECIMAL, 4,
		 "922337203685477.6000"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct out o;
		struct dv_conv_dst d = dst_for(&o, 64, P_SAME);
		struct dv_conv_src src = {cases[i].sql_type, cases[i].scale};
		int rc = dv_convert_char_whole(&cases[i].v, &src, &d, NULL);
		ok(rc == 1 && strcmp((char *)o.buf, cases[i].out) == 0 &&
		   o.len == (SQLLEN)strlen(cases[i].out),
		   "fast path answers '%s' (SQL type %d)", cases[i].out, cases[i].sql_type);
	}
	{
		struct out o;
		struct dv_conv_dst d = dst_for(&o, 64, P_SAME);
		struct dv_value v = {.type = DV_V_NULL};
		struct dv_conv_src src = {SQL_WVARCHAR, 0};
		ok(dv_convert_char_whole(&v, &src, &d, NULL) == 1 && o.len == SQL_NULL_DATA,
		   "fast path answers NULL into the indicator");
		d = dst_for(&o, 64, P_NONE);
		ok(dv_convert_char_whole(&v, &src, &d, NULL) == 0 && untouched(&o),
		   "NULL without an indicator is the matrix's 22002");
		struct dv_value t = text("Contoso");
		d = dst_for(&o, 7, P_SAME);
		ok(dv_convert_char_whole(&t, &src, &d, NULL) == 0 && untouched(&o),
		   "a text that needs truncating is the matrix's 01004");
		d = dst_for(&o, 64, P_SAME);
		d.c_type = SQL_C_WCHAR;
		ok(dv_convert_char_whole(&t, &src, &d, NULL) == 0 && untouched(&o),
		   "SQL_C_WCHAR is the matrix's");
	}
}

/* What SQL_C_CHAR shows, spelled out: timestamps handed out as they are
 * only in the canonical form, rewritten otherwise; decimals from doubles at
 * scales up to 15 without printf (the matrix shares these renderings, so
 * the comparison above cannot catch a change in them; this does). */
static void test_renderings(void)
{
	static const struct {
		struct dv_value v;
		SQLSMALLINT sql_type, scale;
		const char *out;
	} cases[] = {
#define TS(lit) {.type = DV_V_TEXT, .s = lit, .len = sizeof(lit) - 1}
		{TS("2019-06-18 23:49:50"), SQL_TYPE_TIMESTAMP, 0, "2019-06-18 23:49:50"},
		{TS("2019-06-18 23:49:50.5"), SQL_TYPE_TIMESTAMP, 0, "2019-06-18 23:49:50.5"},
		{TS("2019-06-18 23:49:50.500"), SQL_TYPE_TIMESTAMP, 0, "2019-06-18 23:49:50.5"},
		{TS("2019-06-18 23:49:50.000"), SQL_TYPE_TIMESTAMP, 0, "2019-06-18 23:49:50"},
		{TS("2019-06-18 23:49:50."), SQL_TYPE_TIMESTAMP, 0, "2019-06-18 23:49:50"},
		{TS("2019-06-18 23:49:50.1234567891"), SQL_TYPE_TIMESTAMP, 0,
		 "2019-06-18 23:49:50.123456789"},
		{TS("2019-06-18 23:49:50.000000001"), SQL_TYPE_TIMESTAMP, 0,
		 "2019-06-18 23:49:50.000000001"},
		{TS("2019-06-18T23:49:50Z"), SQL_TYPE_TIMESTAMP, 0, "2019-06-18 23:49:50"},
		{TS("2024-01-01"), SQL_TYPE_TIMESTAMP, 0, "2024-01-01 00:00:00"},
		{TS("2024-01-01 10:00:00"), SQL_TYPE_DATE, 0, "2024-01-01"},
		{TS("2024-01-01"), SQL_TYPE_DATE, 0, "2024-01-01"},
		{TS("2020-02-29 10:00:00"), SQL_TYPE_TIMESTAMP, 0, "2020-02-29 10:00:00"},
		{TS("2019-02-29 00:00:00"), SQL_TYPE_TIMESTAMP, 0, "2019-02-29 00:00:00"},
		{TS("2019-06-18 24:00:00"), SQL_TYPE_TIMESTAMP, 0, "2019-06-18 24:00:00"},
		{TS("2019-06-18 23:59:61"), SQL_TYPE_TIMESTAMP, 0, "2019-06-18 23:59:61"},
		{TS(" 2024-01-01"), SQL_TYPE_DATE, 0, "2024-01-01"},
#undef TS
		{{.type = DV_V_DOUBLE, .d = 1.0}, SQL_DECIMAL, 10, "1.0000000000"},
		{{.type = DV_V_DOUBLE, .d = 0.1}, SQL_DECIMAL, 15, "0.100000000000000"},
		{{.type = DV_V_DOUBLE, .d = -2.5}, SQL_DECIMAL, 12, "-2.500000000000"},
		{{.type = DV_V_DOUBLE, .d = 1234.56789}, SQL_DECIMAL, 11, "1234.56789000000"},
		{{.type = DV_V_DOUBLE, .d = 0.0001}, SQL_DECIMAL, 4, "0.0001"},
		{{.type = DV_V_DOUBLE, .d = 0.00015}, SQL_DECIMAL, 4, "0.0001"}, /* 1.4999..e-4 */
		{{.type = DV_V_DOUBLE, .d = -0.00004}, SQL_DECIMAL, 4, "0.0000"},
		{{.type = DV_V_DOUBLE, .d = 2.675}, SQL_DECIMAL, 2, "2.67"},   /* 2.67499.. */
		{{.type = DV_V_DOUBLE, .d = 31092000.31}, SQL_DECIMAL, 4, "31092000.3100"},
		{{.type = DV_V_INT, .i = -42}, SQL_DECIMAL, 2, "-42.00"},
		{{.type = DV_V_INT, .i = INT64_MAX}, SQL_BIGINT, 0, "9223372036854775807"},
		{{.type = DV_V_DOUBLE, .d = 1e21}, SQL_DOUBLE, 0, "1e+21"},
		{{.type = DV_V_DOUBLE, .d = 5e-324}, SQL_DOUBLE, 0, "4.94065645841247e-324"},
		{{.type = DV_V_DOUBLE, .d = -0.0}, SQL_DOUBLE, 0, "-0"},
		{{.type = DV_V_DOUBLE, .d = DBL_MAX}, SQL_DOUBLE, 0, "1.7976931348623157e+308"},
		{{.type = DV_V_DOUBLE, .d = 0.1}, SQL_DOUBLE, 0, "0.1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct out o;
		struct dv_conv_dst d = dst_for(&o, 64, P_SAME);
		struct dv_conv_src src = {cases[i].sql_type, cases[i].scale};
		struct dv_error err;
		dv_error_clear(&err);
		SQLRETURN rc = dv_convert_cs(&cases[i].v, &src, &d, NULL, NULL, &err);
		ok(rc == SQL_SUCCESS && strcmp((char *)o.buf, cases[i].out) == 0,
		   "SQL type %d scale %d shows '%s' (got '%s')", cases[i].sql_type,
		   cases[i].scale, cases[i].out, rc == SQL_SUCCESS ? (char *)o.buf : "error");
	}
}

/* With a ClientCharset, text goes through put_charset; numbers are ASCII. */
static void test_charset(void)
{
	struct dv_error err;
	struct dv_charset *cs = dv_charset_open("ISO-8859-1", &err);
	int good = 1, answered = 0;
	struct dv_value t = text("h\xc3\xa9llo");
	struct dv_value i = integer(-42);
	struct dv_value ts = text("2019-06-18 23:49:50");
	if (!cs) {
		ok(0, "ISO-8859-1 opens");
		return;
	}
	good = agrees(&t, SQL_WVARCHAR, 0, cs, "latin-1 text", &answered);
	ok(good && answered == 0, "text in a ClientCharset is left to the matrix");
	answered = 0;
	good = agrees(&i, SQL_INTEGER, 0, cs, "integer", &answered) &&
	       agrees(&ts, SQL_TYPE_TIMESTAMP, 0, cs, "timestamp", &answered) &&
	       agrees(&i, SQL_WVARCHAR, 0, cs, "integer in a text column", &answered);
	ok(good && answered > 0, "numbers and timestamps agree with a ClientCharset (%d)",
	   answered);
	dv_charset_free(cs);
}

int main(void)
{
	test_equivalence();
	test_generated();
	test_answers();
	test_renderings();
	test_charset();
	return tap_done();
}
