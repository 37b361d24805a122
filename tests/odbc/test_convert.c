/* test_convert.c - the SQL -> C conversion matrix, UTF-16 helpers and the
 * diagnostics list, tested on the layer's own objects (no driver manager).
 * Source of the expectations: ODBC Appendix D, converting data from SQL to C,
 * https://learn.microsoft.com/sql/odbc/reference/appendixes/converting-data-from-sql-to-c-data-types */
#include "odbc/convert.h"
#include "odbc/diag.h"
#include "odbc/rowset.h"
#include "odbc/types.h"
#include "odbc/unicode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static struct dv_value text(const char *s)
{
	struct dv_value v = {DV_V_TEXT, 0, 0, s, strlen(s)};
	return v;
}

static struct dv_value integer(int64_t i)
{
	struct dv_value v = {DV_V_INT, i, 0, NULL, 0};
	return v;
}

static struct dv_value dbl(double d)
{
	struct dv_value v = {DV_V_DOUBLE, 0, d, NULL, 0};
	return v;
}

/* A conversion to a character buffer of buflen bytes: return code, state,
 * text and indicator. */
struct char_case {
	struct dv_value v;
	SQLSMALLINT sql_type, scale;
	SQLLEN buflen;
	SQLRETURN rc;
	const char *state;
	const char *out;
	SQLLEN ind;
};

/* Converts each case to SQL_C_CHAR and checks it ("<what> case N: ..."). */
static void run_char_cases(const struct char_case *cases, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		const struct char_case *c = &cases[i];
		char buf[64] = "";
		SQLLEN ind = -99;
		struct dv_error err;
		dv_error_clear(&err);
		struct dv_conv_src src = {c->sql_type, c->scale};
		struct dv_conv_dst dst = {SQL_C_CHAR, buf, c->buflen, &ind, &ind, 0, 0};
		SQLRETURN rc = dv_convert(&c->v, &src, &dst, NULL, &err);
		is_int(rc, c->rc, "%s case %zu: return code", what, i);
		is_str(dv_sqlstate_code(err.state), c->state, "%s case %zu: state", what, i);
		if (c->out) {
			is_str(buf, c->out, "%s case %zu: text", what, i);
			is_int(ind, c->ind, "%s case %zu: indicator", what, i);
		}
	}
}

static void test_to_char(void)
{
	const struct char_case cases[] = {
		{text("Contoso"), SQL_WVARCHAR, 0, 64, SQL_SUCCESS, "00000", "Contoso", 7},
		{text("Contoso"), SQL_WVARCHAR, 0, 4, SQL_SUCCESS_WITH_INFO, "01004", "Con", 7},
		{integer(42), SQL_INTEGER, 0, 64, SQL_SUCCESS, "00000", "42", 2},
		{integer(-7), SQL_BIGINT, 0, 64, SQL_SUCCESS, "00000", "-7", 2},
		{integer(12345), SQL_INTEGER, 0, 3, SQL_ERROR, "22003", NULL, 0},
		{text("20000.0000"), SQL_DECIMAL, 2, 64, SQL_SUCCESS, "00000", "20000.00", 8},
		{text("10.5"), SQL_DECIMAL, 4, 64, SQL_SUCCESS, "00000", "10.5000", 7},
		{dbl(1.25), SQL_DECIMAL, 2, 64, SQL_SUCCESS, "00000", "1.25", 4},
		{integer(3), SQL_DECIMAL, 2, 64, SQL_SUCCESS, "00000", "3.00", 4},
		{text("123.456"), SQL_DECIMAL, 3, 5, SQL_SUCCESS_WITH_INFO, "01004", "123.", 7},
		{dbl(0.1), SQL_DOUBLE, 0, 64, SQL_SUCCESS, "00000", "0.1", 3},
		{dbl(1e20), SQL_DOUBLE, 0, 64, SQL_SUCCESS, "00000", "1e+20", 5},
		{integer(1), SQL_BIT, 0, 64, SQL_SUCCESS, "00000", "1", 1},
		{text("2024-03-05 10:20:30"), SQL_TYPE_TIMESTAMP, 0, 64, SQL_SUCCESS, "00000",
		 "2024-03-05 10:20:30", 19},
		{text("2024-03-05T10:20:30Z"), SQL_TYPE_TIMESTAMP, 0, 64, SQL_SUCCESS, "00000",
		 "2024-03-05 10:20:30", 19},
		{text("2024-03-05"), SQL_TYPE_DATE, 0, 64, SQL_SUCCESS, "00000", "2024-03-05", 10},
		{text("2024-03-05 10:20:30"), SQL_TYPE_TIMESTAMP, 0, 10, SQL_ERROR, "22003", NULL,
		 0},
		{text("78914942-34cb-ed11-b596-0022481d68cd"), SQL_GUID, 0, 64, SQL_SUCCESS,
		 "00000", "78914942-34cb-ed11-b596-0022481d68cd", 36},
		{{DV_V_BLOB, 0, 0, "\x01\xab", 2}, SQL_LONGVARBINARY, 0, 64, SQL_SUCCESS, "00000",
		 "01AB", 4},
	};
	run_char_cases(cases, sizeof(cases) / sizeof(cases[0]), "char");
}

/* Boundary values and truncation at each boundary, to SQL_C_CHAR. */
static void test_char_boundaries(void)
{
	const struct char_case cases[] = {
		{integer(INT64_MIN), SQL_BIGINT, 0, 64, SQL_SUCCESS, "00000",
		 "-9223372036854775808", 20},
		{integer(INT64_MIN), SQL_BIGINT, 0, 21, SQL_SUCCESS, "00000",
		 "-9223372036854775808", 20},
		{integer(INT64_MIN), SQL_BIGINT, 0, 20, SQL_ERROR, "22003", NULL, 0},
		{integer(INT64_MAX), SQL_BIGINT, 0, 64, SQL_SUCCESS, "00000",
		 "9223372036854775807", 19},
		{integer(0), SQL_INTEGER, 0, 2, SQL_SUCCESS, "00000", "0", 1},
		{integer(0), SQL_INTEGER, 0, 1, SQL_ERROR, "22003", NULL, 0},
		{integer(-3), SQL_DECIMAL, 2, 64, SQL_SUCCESS, "00000", "-3.00", 5},
		{integer(INT64_MIN), SQL_DECIMAL, 1, 64, SQL_SUCCESS, "00000",
		 "-9223372036854775808.0", 22},
		{text("-0.005"), SQL_DECIMAL, 2, 64, SQL_SUCCESS, "00000", "-0.01", 5},
		{text("-0.004"), SQL_DECIMAL, 2, 64, SQL_SUCCESS, "00000", "0.00", 4},
		{text("-99.995"), SQL_DECIMAL, 2, 64, SQL_SUCCESS, "00000", "-100.00", 7},
		{dbl(-2.0), SQL_DECIMAL, 2, 64, SQL_SUCCESS, "00000", "-2.00", 5},
		{dbl(-1.5), SQL_DECIMAL, 1, 64, SQL_SUCCESS, "00000", "-1.5", 4},
		{dbl(-0.0), SQL_DECIMAL, 2, 64, SQL_SUCCESS, "00000", "0.00", 4},
		{text("-12.34"), SQL_DECIMAL, 2, 7, SQL_SUCCESS, "00000", "-12.34", 6},
		{text("-12.34"), SQL_DECIMAL, 2, 6, SQL_SUCCESS_WITH_INFO, "01004", "-12.3", 6},
		{text("-12.34"), SQL_DECIMAL, 2, 4, SQL_SUCCESS_WITH_INFO, "01004", "-12", 6},
		{text("-12.34"), SQL_DECIMAL, 2, 3, SQL_ERROR, "22003", NULL, 0},
		{dbl(-0.0), SQL_DOUBLE, 0, 64, SQL_SUCCESS, "00000", "-0", 2},
		{dbl(123456789012345.0), SQL_DOUBLE, 0, 64, SQL_SUCCESS, "00000",
		 "123456789012345", 15},
		{dbl(-123456789012345.0), SQL_DOUBLE, 0, 64, SQL_SUCCESS, "00000",
		 "-123456789012345", 16},
		{dbl(1e15), SQL_DOUBLE, 0, 64, SQL_SUCCESS, "00000", "1e+15", 5},
		{dbl(2.5), SQL_DOUBLE, 0, 4, SQL_SUCCESS, "00000", "2.5", 3},
		{dbl(2.5), SQL_DOUBLE, 0, 3, SQL_SUCCESS_WITH_INFO, "01004", "2.", 3},
		{text("2024-03-05 10:20:30.120"), SQL_TYPE_TIMESTAMP, 0, 64, SQL_SUCCESS, "00000",
		 "2024-03-05 10:20:30.12", 22},
		{text("0001-01-01 00:00:00.000000001"), SQL_TYPE_TIMESTAMP, 0, 64, SQL_SUCCESS,
		 "00000", "0001-01-01 00:00:00.000000001", 29},
		{text("2024-03-05 10:20:30.5"), SQL_TYPE_TIMESTAMP, 0, 21, SQL_SUCCESS_WITH_INFO,
		 "01004", "2024-03-05 10:20:30.", 21},
		{text("10:20:30.5"), SQL_TYPE_TIME, 0, 64, SQL_SUCCESS, "00000", "10:20:30", 8},
		{text("2024-03-05 10:20:30"), SQL_TYPE_DATE, 0, 64, SQL_SUCCESS, "00000",
		 "2024-03-05", 10},
		{text("78914942-34cb-ed11-b596-0022481d68cd"), SQL_GUID, 0, 36, SQL_ERROR, "22003",
		 NULL, 0},
	};
	run_char_cases(cases, sizeof(cases) / sizeof(cases[0]), "boundary");
}

/* Bytes of one SQLWCHAR: 2 (UTF-16, unixODBC) or 4 (UTF-32, iODBC), as the
 * driver manager's headers this build uses say. */
#define WB ((SQLLEN)sizeof(SQLWCHAR))

/* A SQLWCHAR as a code unit value (compared with values past 0xFFFF only
 * where SQLWCHAR is 4 bytes). */
static uint32_t wu(SQLWCHAR c)
{
	return (uint32_t)c;
}

/* The same boundaries to SQL_C_WCHAR (widened on the stack). */
static void test_wchar_boundaries(void)
{
	SQLWCHAR w[32];
	SQLLEN ind = -99;
	struct dv_error err;
	struct dv_value v = integer(INT64_MIN);
	struct dv_conv_src src = {SQL_BIGINT, 0};
	struct dv_conv_dst dst = {SQL_C_WCHAR, w, sizeof(w), &ind, &ind, 0, 0};
	dv_error_clear(&err);
	is_int(dv_convert(&v, &src, &dst, NULL, &err), SQL_SUCCESS, "wide INT64_MIN");
	is_int(ind, 20 * WB, "wide INT64_MIN: indicator in bytes");
	ok(w[0] == '-' && w[1] == '9' && w[19] == '8' && w[20] == 0, "wide INT64_MIN: units");
	dst.buflen = 20 * WB;
	dv_error_clear(&err);
	is_int(dv_convert(&v, &src, &dst, NULL, &err), SQL_ERROR, "wide INT64_MIN short: error");
	is_str(dv_sqlstate_code(err.state), "22003", "wide INT64_MIN short: 22003");
	v = text("-12.34");
	src = (struct dv_conv_src){SQL_DECIMAL, 2};
	dst.buflen = 6 * WB;
	dv_error_clear(&err);
	is_int(dv_convert(&v, &src, &dst, NULL, &err), SQL_SUCCESS_WITH_INFO,
	       "wide decimal cut in the fraction");
	is_str(dv_sqlstate_code(err.state), "01004", "wide decimal cut: 01004");
	ok(w[0] == '-' && w[3] == '.' && w[4] == '3' && w[5] == 0, "wide decimal cut: units");
	is_int(ind, 6 * WB, "wide decimal cut: indicator");
	v = text("Contoso");
	src = (struct dv_conv_src){SQL_WVARCHAR, 0};
	dst.buflen = 4 * WB;
	dv_error_clear(&err);
	is_int(dv_convert(&v, &src, &dst, NULL, &err), SQL_SUCCESS_WITH_INFO, "wide text cut");
	ok(w[0] == 'C' && w[2] == 'n' && w[3] == 0, "wide text cut: units");
	is_int(ind, 7 * WB, "wide text cut: indicator");
}

struct num_case {
	struct dv_value v;
	SQLSMALLINT sql_type;
	SQLSMALLINT c_type;
	SQLRETURN rc;
	const char *state;
	int64_t want;
};

static int64_t read_int(const void *p, SQLSMALLINT c)
{
	switch (c) {
	case SQL_C_STINYINT: return *(const SQLSCHAR *)p;
	case SQL_C_UTINYINT: case SQL_C_BIT: return *(const SQLCHAR *)p;
	case SQL_C_SSHORT: return *(const SQLSMALLINT *)p;
	case SQL_C_USHORT: return *(const SQLUSMALLINT *)p;
	case SQL_C_SLONG: return *(const SQLINTEGER *)p;
	case SQL_C_ULONG: return *(const SQLUINTEGER *)p;
	case SQL_C_SBIGINT: return *(const SQLBIGINT *)p;
	case SQL_C_UBIGINT: return (int64_t)*(const SQLUBIGINT *)p;
	default: return -12345;
	}
}

static void test_to_integers(void)
{
	const struct num_case cases[] = {
		{integer(42), SQL_INTEGER, SQL_C_SLONG, SQL_SUCCESS, "00000", 42},
		{integer(-42), SQL_INTEGER, SQL_C_SSHORT, SQL_SUCCESS, "00000", -42},
		{integer(40000), SQL_INTEGER, SQL_C_SSHORT, SQL_ERROR, "22003", 0},
		{integer(40000), SQL_INTEGER, SQL_C_USHORT, SQL_SUCCESS, "00000", 40000},
		{integer(-1), SQL_INTEGER, SQL_C_ULONG, SQL_ERROR, "22003", 0},
		{integer(127), SQL_INTEGER, SQL_C_STINYINT, SQL_SUCCESS, "00000", 127},
		{integer(128), SQL_INTEGER, SQL_C_STINYINT, SQL_ERROR, "22003", 0},
		{integer(255), SQL_INTEGER, SQL_C_UTINYINT, SQL_SUCCESS, "00000", 255},
		{integer(INT64_MAX), SQL_BIGINT, SQL_C_SBIGINT, SQL_SUCCESS, "00000", INT64_MAX},
		{text("20000.0000"), SQL_DECIMAL, SQL_C_SLONG, SQL_SUCCESS, "00000", 20000},
		{text("12.75"), SQL_DECIMAL, SQL_C_SLONG, SQL_SUCCESS_WITH_INFO, "01S07", 12},
		{text("-12.75"), SQL_DECIMAL, SQL_C_SBIGINT, SQL_SUCCESS_WITH_INFO, "01S07", -12},
		{dbl(3.9), SQL_DOUBLE, SQL_C_SLONG, SQL_SUCCESS_WITH_INFO, "01S07", 3},
		{dbl(1e12), SQL_DOUBLE, SQL_C_SLONG, SQL_ERROR, "22003", 0},
		{text(" 17 "), SQL_WVARCHAR, SQL_C_SLONG, SQL_SUCCESS, "00000", 17},
		{text("abc"), SQL_WVARCHAR, SQL_C_SLONG, SQL_ERROR, "22018", 0},
		{text("12abc"), SQL_WVARCHAR, SQL_C_SBIGINT, SQL_ERROR, "22018", 0},
		{text("1e3"), SQL_WVARCHAR, SQL_C_SLONG, SQL_SUCCESS, "00000", 1000},
		{integer(1), SQL_BIT, SQL_C_BIT, SQL_SUCCESS, "00000", 1},
		{integer(2), SQL_INTEGER, SQL_C_BIT, SQL_ERROR, "22003", 0},
		{dbl(0.5), SQL_DOUBLE, SQL_C_BIT, SQL_SUCCESS_WITH_INFO, "01S07", 0},
		{text("2024-01-01"), SQL_TYPE_DATE, SQL_C_SLONG, SQL_ERROR, "07006", 0},
		{text("78914942-34cb-ed11-b596-0022481d68cd"), SQL_GUID, SQL_C_SLONG, SQL_ERROR,
		 "07006", 0},
		{text("18446744073709551615"), SQL_DECIMAL, SQL_C_UBIGINT, SQL_SUCCESS, "00000",
		 -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct num_case *c = &cases[i];
		unsigned char buf[16];
		memset(buf, 0, sizeof(buf));
		SQLLEN ind = -99;
		struct dv_error err;
		dv_error_clear(&err);
		struct dv_conv_src src = {c->sql_type, 0};
		struct dv_conv_dst dst = {c->c_type, buf, 0, &ind, &ind, 0, 0};
		SQLRETURN rc = dv_convert(&c->v, &src, &dst, NULL, &err);
		is_int(rc, c->rc, "int case %zu: return code", i);
		is_str(dv_sqlstate_code(err.state), c->state, "int case %zu: state", i);
		if (SQL_SUCCEEDED(c->rc))
			is_int(read_int(buf, c->c_type), c->want, "int case %zu: value", i);
	}
}

static void test_floats_and_numeric(void)
{
	struct dv_error err;
	struct dv_conv_src dec = {SQL_DECIMAL, 4};
	double d = 0;
	SQLLEN ind = 0;
	struct dv_value v = text("1234.5678");
	struct dv_conv_dst dst = {SQL_C_DOUBLE, &d, 0, &ind, &ind, 0, 0};
	dv_error_clear(&err);
	is_int(dv_convert(&v, &dec, &dst, NULL, &err), SQL_SUCCESS, "decimal to double");
	ok(d == 1234.5678, "decimal to double value");
	is_int(ind, sizeof(double), "double indicator is its size");

	float f = 0;
	struct dv_value big = dbl(1e300);
	struct dv_conv_dst fdst = {SQL_C_FLOAT, &f, 0, &ind, &ind, 0, 0};
	struct dv_conv_src src_dbl = {SQL_DOUBLE, 0};
	is_int(dv_convert(&big, &src_dbl, &fdst, NULL, &err), SQL_ERROR, "1e300 to float");
	is_str(dv_sqlstate_code(err.state), "22003", "1e300 to float is 22003");

	SQL_NUMERIC_STRUCT ns;
	struct dv_conv_dst ndst = {SQL_C_NUMERIC, &ns, 0, &ind, &ind, 10, 2};
	dv_error_clear(&err);
	v = text("-1234.5678");
	is_int(dv_convert(&v, &dec, &ndst, NULL, &err), SQL_SUCCESS_WITH_INFO,
	       "decimal to numeric(10,2) truncates");
	is_str(dv_sqlstate_code(err.state), "01S07", "numeric truncation is 01S07");
	is_int(ns.sign, 0, "numeric sign negative");
	is_int(ns.scale, 2, "numeric scale");
	is_int(ns.precision, 10, "numeric precision");
	is_int(ns.val[0] | ns.val[1] << 8 | ns.val[2] << 16, 123456, "numeric value 123456");
	v = text("123456789012");
	dv_error_clear(&err);
	is_int(dv_convert(&v, &dec, &ndst, NULL, &err), SQL_ERROR, "numeric precision overflow");
	is_str(dv_sqlstate_code(err.state), "22003", "numeric overflow is 22003");
}

static void test_datetime_guid(void)
{
	struct dv_error err;
	SQLLEN ind = 0;
	SQL_TIMESTAMP_STRUCT ts;
	struct dv_value v = text("2024-02-29 23:59:58");
	struct dv_conv_src src = {SQL_TYPE_TIMESTAMP, 0};
	struct dv_conv_dst dst = {SQL_C_TYPE_TIMESTAMP, &ts, 0, &ind, &ind, 0, 0};
	dv_error_clear(&err);
	is_int(dv_convert(&v, &src, &dst, NULL, &err), SQL_SUCCESS, "timestamp to struct");
	ok(ts.year == 2024 && ts.month == 2 && ts.day == 29 && ts.hour == 23 &&
		   ts.minute == 59 && ts.second == 58 && ts.fraction == 0,
	   "timestamp fields");
	is_int(ind, sizeof(SQL_TIMESTAMP_STRUCT), "timestamp indicator");

	SQL_DATE_STRUCT ds;
	struct dv_conv_dst ddst = {SQL_C_TYPE_DATE, &ds, 0, &ind, &ind, 0, 0};
	is_int(dv_convert(&v, &src, &ddst, NULL, &err), SQL_SUCCESS_WITH_INFO,
	       "timestamp to date drops the time");
	is_str(dv_sqlstate_code(err.state), "01S07", "timestamp to date is 01S07");
	ok(ds.year == 2024 && ds.month == 2 && ds.day == 29, "date fields");

	struct dv_conv_dst odbc2 = {SQL_C_TIMESTAMP, &ts, 0, &ind, &ind, 0, 0};
	v = text("2023-12-31");
	struct dv_conv_src dsrc = {SQL_TYPE_DATE, 0};
	dv_error_clear(&err);
	is_int(dv_convert(&v, &dsrc, &odbc2, NULL, &err), SQL_SUCCESS,
	       "date to ODBC 2 SQL_C_TIMESTAMP");
	ok(ts.year == 2023 && ts.month == 12 && ts.day == 31 && ts.hour == 0, "midnight");

	v = text("2023-02-30");
	struct dv_conv_src csrc = {SQL_WVARCHAR, 0};
	is_int(dv_convert(&v, &csrc, &ddst, NULL, &err), SQL_ERROR, "bad date text");
	is_str(dv_sqlstate_code(err.state), "22018", "bad date text is 22018");

	v = integer(5);
	struct dv_conv_src isrc = {SQL_INTEGER, 0};
	is_int(dv_convert(&v, &isrc, &ddst, NULL, &err), SQL_ERROR, "integer to date");
	is_str(dv_sqlstate_code(err.state), "07006", "integer to date is 07006");

	SQLGUID g;
	v = text("78914942-34cb-ed11-b596-0022481d68cd");
	struct dv_conv_src gsrc = {SQL_GUID, 0};
	struct dv_conv_dst gdst = {SQL_C_GUID, &g, 0, &ind, &ind, 0, 0};
	dv_error_clear(&err);
	is_int(dv_convert(&v, &gsrc, &gdst, NULL, &err), SQL_SUCCESS, "guid to SQLGUID");
	ok(g.Data1 == 0x78914942u && g.Data2 == 0x34cb && g.Data3 == 0xed11 &&
		   g.Data4[0] == 0xb5 && g.Data4[7] == 0xcd,
	   "guid fields");
	v = text("not-a-guid");
	is_int(dv_convert(&v, &csrc, &gdst, NULL, &err), SQL_ERROR, "bad guid text");
	is_str(dv_sqlstate_code(err.state), "22018", "bad guid is 22018");
}

static void test_null_and_default(void)
{
	struct dv_error err;
	struct dv_value v = {DV_V_NULL, 0, 0, NULL, 0};
	struct dv_conv_src src = {SQL_INTEGER, 0};
	SQLINTEGER x = 0;
	SQLLEN ind = 0;
	struct dv_conv_dst dst = {SQL_C_SLONG, &x, 0, &ind, &ind, 0, 0};
	dv_error_clear(&err);
	is_int(dv_convert(&v, &src, &dst, NULL, &err), SQL_SUCCESS, "NULL with indicator");
	is_int(ind, SQL_NULL_DATA, "NULL indicator");
	struct dv_conv_dst noind = {SQL_C_SLONG, &x, 0, NULL, NULL, 0, 0};
	is_int(dv_convert(&v, &src, &noind, NULL, &err), SQL_ERROR, "NULL without indicator");
	is_str(dv_sqlstate_code(err.state), "22002", "NULL without indicator is 22002");

	struct dv_value i = integer(99);
	struct dv_conv_dst def = {SQL_C_DEFAULT, &x, 0, &ind, &ind, 0, 0};
	dv_error_clear(&err);
	is_int(dv_convert(&i, &src, &def, NULL, &err), SQL_SUCCESS, "SQL_C_DEFAULT of INTEGER");
	is_int(x, 99, "SQL_C_DEFAULT gives SQLINTEGER");
	is_int(dv_default_c_type(SQL_WVARCHAR), SQL_C_WCHAR, "default C type of WVARCHAR");
	is_int(dv_default_c_type(SQL_TYPE_TIMESTAMP), SQL_C_TYPE_TIMESTAMP,
	       "default C type of TIMESTAMP");
	struct dv_conv_dst bad = {1234, &x, 0, &ind, &ind, 0, 0};
	is_int(dv_convert(&i, &src, &bad, NULL, &err), SQL_ERROR, "unknown C type");
	is_str(dv_sqlstate_code(err.state), "HY003", "unknown C type is HY003");
}

/* SQLGetData in parts: 01004 with the remaining length, then the rest, then
 * SQL_NO_DATA. */
static void test_parts(void)
{
	struct dv_error err;
	struct dv_value v = text("abcdefghij");
	struct dv_conv_src src = {SQL_WLONGVARCHAR, 0};
	char buf[5];
	SQLLEN ind = 0;
	size_t off = 0;
	struct dv_conv_dst dst = {SQL_C_CHAR, buf, sizeof(buf), &ind, &ind, 0, 0};
	dv_error_clear(&err);
	is_int(dv_convert(&v, &src, &dst, &off, &err), SQL_SUCCESS_WITH_INFO, "part 1");
	is_str(buf, "abcd", "part 1 text");
	is_int(ind, 10, "part 1 indicator is the whole length");
	is_int(dv_convert(&v, &src, &dst, &off, &err), SQL_SUCCESS_WITH_INFO, "part 2");
	is_str(buf, "efgh", "part 2 text");
	is_int(ind, 6, "part 2 indicator is what remains");
	is_int(dv_convert(&v, &src, &dst, &off, &err), SQL_SUCCESS, "part 3");
	is_str(buf, "ij", "part 3 text");
	is_int(ind, 2, "part 3 indicator");
	is_int(dv_convert(&v, &src, &dst, &off, &err), SQL_NO_DATA, "after the end");

	/* SQLWCHARs in parts: 3 characters fit in 4 SQLWCHARs with the terminator. */
	SQLWCHAR wbuf[4];
	off = 0;
	struct dv_value u = text("h\xc3\xa9llo");
	struct dv_conv_dst wdst = {SQL_C_WCHAR, wbuf, sizeof(wbuf), &ind, &ind, 0, 0};
	is_int(dv_convert(&u, &src, &wdst, &off, &err), SQL_SUCCESS_WITH_INFO, "wchar part 1");
	ok(wbuf[0] == 'h' && wbuf[1] == 0xe9 && wbuf[2] == 'l' && wbuf[3] == 0,
	   "wchar part 1 text");
	is_int(ind, 5 * WB, "wchar part 1 indicator in bytes");
	is_int(dv_convert(&u, &src, &wdst, &off, &err), SQL_SUCCESS, "wchar part 2");
	ok(wbuf[0] == 'l' && wbuf[1] == 'o' && wbuf[2] == 0, "wchar part 2 text");
	is_int(dv_convert(&u, &src, &wdst, &off, &err), SQL_NO_DATA, "wchar after the end");

	/* A fixed-size value once, then SQL_NO_DATA. */
	SQLINTEGER x;
	off = 0;
	struct dv_value i = integer(5);
	struct dv_conv_src isrc = {SQL_INTEGER, 0};
	struct dv_conv_dst idst = {SQL_C_SLONG, &x, 0, &ind, &ind, 0, 0};
	is_int(dv_convert(&i, &isrc, &idst, &off, &err), SQL_SUCCESS, "fixed part 1");
	is_int(dv_convert(&i, &isrc, &idst, &off, &err), SQL_NO_DATA, "fixed part 2");

	/* Binary in parts. */
	unsigned char bb[3];
	off = 0;
	struct dv_value blob = {DV_V_BLOB, 0, 0, "\x01\x02\x03\x04\x05", 5};
	struct dv_conv_src bsrc = {SQL_LONGVARBINARY, 0};
	struct dv_conv_dst bdst = {SQL_C_BINARY, bb, sizeof(bb), &ind, &ind, 0, 0};
	is_int(dv_convert(&blob, &bsrc, &bdst, &off, &err), SQL_SUCCESS_WITH_INFO, "binary 1");
	ok(bb[0] == 1 && bb[2] == 3, "binary part 1 bytes");
	is_int(ind, 5, "binary part 1 length");
	is_int(dv_convert(&blob, &bsrc, &bdst, &off, &err), SQL_SUCCESS, "binary 2");
	ok(bb[0] == 4 && bb[1] == 5, "binary part 2 bytes");
	is_int(ind, 2, "binary part 2 length");
}

/* SQLGetData with a buffer that holds no whole character and the
 * terminator: HY090, never 01004 without progress (an application looping
 * on 01004 would never end).  BufferLength 0 still asks for the length. */
static void test_parts_no_progress(void)
{
	struct dv_error err;
	struct dv_conv_src src = {SQL_WVARCHAR, 0};
	SQLLEN ind = 0;
	size_t off = 0;
	char c1[1], c2[2];
	struct dv_value v = text("abc");
	struct dv_conv_dst d1 = {SQL_C_CHAR, c1, 1, &ind, &ind, 0, 0};
	dv_error_clear(&err);
	is_int(dv_convert(&v, &src, &d1, &off, &err), SQL_ERROR, "char, 1-byte buffer: error");
	is_str(dv_sqlstate_code(err.state), "HY090", "  HY090");
	ok(strstr(err.message, "at least 2 bytes") != NULL, "  says how much: %s", err.message);
	is_int(off, 0, "  nothing consumed");
	struct dv_conv_dst d0 = {SQL_C_CHAR, c1, 0, &ind, &ind, 0, 0};
	is_int(dv_convert(&v, &src, &d0, &off, &err), SQL_SUCCESS_WITH_INFO,
	       "char, BufferLength 0: 01004 with the length");
	is_int(ind, 3, "  the length");
	/* a 3-byte UTF-8 character next: 2 bytes cannot take it and the NUL */
	struct dv_value e = text("\xe2\x82\xac!");
	struct dv_conv_dst d2 = {SQL_C_CHAR, c2, 2, &ind, &ind, 0, 0};
	off = 0;
	is_int(dv_convert(&e, &src, &d2, &off, &err), SQL_ERROR, "euro sign, 2-byte buffer");
	ok(strstr(err.message, "at least 4 bytes") != NULL, "  says 4 bytes: %s", err.message);
	/* Less than 2 SQLWCHARs holds only the terminator.  UTF-16: a surrogate
	 * pair needs 6 bytes; UTF-32: U+1F600 is one SQLWCHAR, 8 bytes with the
	 * terminator. */
	SQLWCHAR w[3];
	struct dv_conv_dst dw = {SQL_C_WCHAR, w, 2 * WB - 1, &ind, &ind, 0, 0};
	off = 0;
	is_int(dv_convert(&v, &src, &dw, &off, &err), SQL_ERROR, "wchar, 2 SQLWCHARs less a byte");
	is_str(dv_sqlstate_code(err.state), "HY090", "  HY090");
	struct dv_value g = text("\xf0\x9f\x98\x80x"); /* U+1F600 then x */
	struct dv_conv_dst dw4 = {SQL_C_WCHAR, w, 2 * WB, &ind, &ind, 0, 0};
	off = 0;
	if (WB == 2) {
		is_int(dv_convert(&g, &src, &dw4, &off, &err), SQL_ERROR, "surrogate pair, 4 bytes");
		ok(strstr(err.message, "at least 6 bytes") != NULL, "  says 6 bytes: %s",
		   err.message);
	} else {
		is_int(dv_convert(&g, &src, &dw4, &off, &err), SQL_SUCCESS_WITH_INFO,
		       "U+1F600 in UTF-32: one SQLWCHAR and the terminator fit 8 bytes");
		ok(wu(w[0]) == 0x1F600u && w[1] == 0, "  the whole character");
	}
	/* a loop on 01004 with the smallest useful buffer ends, whole */
	char out[16] = "";
	size_t used = 0;
	off = 0;
	SQLRETURN rc;
	while ((rc = dv_convert(&e, &src, &d2, &off, &err)) != SQL_NO_DATA && used < 8) {
		if (rc == SQL_ERROR)
			break;
		used++;
	}
	is_int(rc, SQL_ERROR, "2 bytes never fit the euro sign: an error, not a loop");
	struct dv_conv_dst d4 = {SQL_C_CHAR, out, 4, &ind, &ind, 0, 0};
	char whole[16] = "";
	off = 0;
	used = 0;
	while ((rc = dv_convert(&e, &src, &d4, &off, &err)) != SQL_NO_DATA && used < 8) {
		if (rc == SQL_ERROR)
			break;
		strcat(whole, out);
		used++;
	}
	is_str(whole, "\xe2\x82\xac!", "4 bytes: the value in parts, whole");
	/* bound columns (no offset) still truncate with 01004 */
	struct dv_conv_dst db = {SQL_C_CHAR, c1, 1, &ind, &ind, 0, 0};
	is_int(dv_convert(&v, &src, &db, NULL, &err), SQL_SUCCESS_WITH_INFO,
	       "bound column, 1 byte: 01004");
}

/* DECIMAL as SQL_C_BINARY: the value's bytes as an SQL_NUMERIC_STRUCT.
 * https://learn.microsoft.com/sql/odbc/reference/appendixes/sql-to-c-numeric */
static void test_decimal_binary(void)
{
	struct dv_error err;
	struct dv_conv_src src = {SQL_DECIMAL, 2};
	SQLLEN ind = 0;
	unsigned char bin[64];
	SQL_NUMERIC_STRUCT ns, direct;
	struct dv_value v = text("-1234.5");
	struct dv_conv_dst db = {SQL_C_BINARY, bin, sizeof(bin), &ind, &ind, 0, 0};
	dv_error_clear(&err);
	is_int(dv_convert(&v, &src, &db, NULL, &err), SQL_SUCCESS, "decimal -> binary");
	is_int(ind, sizeof(SQL_NUMERIC_STRUCT), "  length of an SQL_NUMERIC_STRUCT");
	memcpy(&ns, bin, sizeof(ns));
	struct dv_conv_dst dn = {SQL_C_NUMERIC, &direct, 0, &ind, &ind, 38, 2};
	is_int(dv_convert(&v, &src, &dn, NULL, &err), SQL_SUCCESS, "decimal -> numeric");
	ok(memcmp(&ns, &direct, sizeof(ns)) == 0, "  the same bytes as SQL_C_NUMERIC(38,2)");
	ok(ns.sign == 0 && ns.scale == 2 && ns.val[0] == (123450 & 0xff) &&
	   ns.val[1] == ((123450 >> 8) & 0xff) && ns.val[2] == (123450 >> 16),
	   "  sign, scale and 123450 little-endian");
	size_t off = 0;
	struct dv_conv_dst dg = {SQL_C_BINARY, bin, sizeof(bin), &ind, &ind, 0, 0};
	is_int(dv_convert(&v, &src, &dg, &off, &err), SQL_SUCCESS, "SQLGetData: once");
	is_int(dv_convert(&v, &src, &dg, &off, &err), SQL_NO_DATA, "  then SQL_NO_DATA");
	struct dv_conv_dst small = {SQL_C_BINARY, bin, 4, &ind, &ind, 0, 0};
	dv_error_clear(&err);
	is_int(dv_convert(&v, &src, &small, NULL, &err), SQL_ERROR, "4-byte buffer: error");
	is_str(dv_sqlstate_code(err.state), "22003", "  22003 (with a diagnostic)");
	struct dv_conv_src nsrc = {SQL_NUMERIC, 0};
	struct dv_value i = integer(7);
	is_int(dv_convert(&i, &nsrc, &db, NULL, &err), SQL_SUCCESS, "numeric -> binary");
}

/* UTF-16 (2-byte SQLWCHAR): U+1F600 is a surrogate pair; UTF-32: one unit. */
static void test_unicode(void)
{
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	size_t units = 0;
	SQLWCHAR *w = dv_utf8_to_sqlwchar(s, strlen(s), &units);
	if (WB == 2) {
		is_int(units, 5, "UTF-16 length with a surrogate pair");
		ok(w[0] == 'a' && w[1] == 0xe9 && w[2] == 0x20ac && w[3] == 0xd83d &&
		   w[4] == 0xde00, "UTF-16 units");
	} else {
		is_int(units, 4, "UTF-32 length: one unit per character");
		ok(w[0] == 'a' && w[1] == 0xe9 && w[2] == 0x20ac &&
		   wu(w[3]) == 0x1f600u && w[4] == 0, "UTF-32 units");
	}
	is_int(dv_sqlwchar_len(s, strlen(s)), units, "dv_sqlwchar_len agrees");
	size_t len = 0;
	char *back = dv_sqlwchar_to_utf8(w, units, &len);
	is_str(back, s, "round trip");
	free(back);
	char *in = dv_in_wstr(w, SQL_NTS, NULL);
	is_str(in, s, "dv_in_wstr with SQL_NTS");
	free(in);
	free(w);

	SQLWCHAR out[4];
	SQLLEN outlen = 0;
	is_int(dv_out_wstr(s, out, 4, &outlen, 1), 1, "truncated in characters");
	is_int(outlen, (SQLLEN)units, "full length in characters");
	ok(out[0] == 'a' && out[2] == 0x20ac && out[3] == 0, "cut before U+1F600 (3 + the 0)");
	is_int(dv_out_wstr(s, out, 4 * WB, &outlen, 0), 1, "truncated in bytes");
	is_int(outlen, (SQLLEN)units * WB, "full length in bytes");
	if (WB == 2) {
		SQLWCHAR out5[5];
		is_int(dv_out_wstr(s, out5, 5, &outlen, 1), 1, "5 units: the pair does not fit");
		ok(out5[3] == 0, "never half a surrogate pair");
	} else {
		SQLWCHAR out5[5];
		is_int(dv_out_wstr(s, out5, 5, &outlen, 1), 0, "5 units hold 4 and the 0");
		ok(wu(out5[3]) == 0x1f600u && out5[4] == 0, "U+1F600 whole");
	}

	/* Ill-formed input: lone surrogates; in UTF-32 also values past U+10FFFF
	 * and negative ones (wchar_t is signed). */
	SQLWCHAR bad[4] = {'x', (SQLWCHAR)0xDC00, 'y', 0};
	char *u = dv_sqlwchar_to_utf8(bad, 3, NULL);
	is_str(u, "x\xef\xbf\xbdy", "a lone low surrogate is U+FFFD");
	free(u);
	if (WB == 4) {
		SQLWCHAR big[3] = {(SQLWCHAR)0x110000, (SQLWCHAR)-1, 0};
		u = dv_in_wstr(big, SQL_NTS, NULL);
		is_str(u, "\xef\xbf\xbd\xef\xbf\xbd", "past U+10FFFF and negative: U+FFFD");
		free(u);
	}

	char abuf[3];
	is_int(dv_out_str("\xc3\xa9\xc3\xa9", abuf, sizeof(abuf), &outlen), 1,
	       "ANSI truncation");
	is_str(abuf, "\xc3\xa9", "ANSI cut at a character boundary");
	is_int(outlen, 4, "ANSI full length");
	is_int(dv_out_str("abc", NULL, 0, &outlen), 0, "length only");
	is_int(outlen, 3, "length only value");
}

static void test_diag(void)
{
	struct dv_diag d;
	dv_diag_init(&d);
	dv_diag_add(&d, DV_S_01004, 0, NULL, 1, 2);
	dv_diag_add(&d, DV_S_22003, 0, "too big", 2, 1);
	dv_diag_add(&d, DV_S_01S07, 0, NULL, 3, 1);
	dv_diag_add(&d, DV_S_42S02, 0x80040217, "no table", SQL_NO_ROW_NUMBER,
		    SQL_NO_COLUMN_NUMBER);
	is_int(d.n, 4, "four records");
	is_str(dv_sqlstate_code(d.recs[0].state), "22003", "errors first");
	is_str(dv_sqlstate_code(d.recs[1].state), "42S02", "errors in order");
	is_str(dv_sqlstate_code(d.recs[2].state), "01004", "then warnings");
	is_str(dv_sqlstate_code(d.recs[3].state), "01S07", "warnings in order");
	is_str(d.recs[0].message, "[dvodbc]too big", "prefix");
	is_str(d.recs[2].message, "[dvodbc]String data, right truncated", "default text");
	is_int(d.recs[0].row, 2, "row number kept");
	is_int(d.recs[1].native, 0x80040217, "native code kept");
	is_str(dv_diag_state_code(DV_S_42S02, 1), "S0002", "ODBC 2 name of 42S02");
	is_str(dv_diag_state_code(DV_S_HY010, 1), "S1010", "ODBC 2 name of HY010");
	is_str(dv_diag_state_code(DV_S_42S02, 0), "42S02", "ODBC 3 name");
	is_str(dv_diag_class_origin("HY000"), "ODBC 3.0", "class origin HY");
	is_str(dv_diag_class_origin("42S02"), "ISO 9075", "class origin 42");
	is_str(dv_diag_subclass_origin("42S02"), "ODBC 3.0", "subclass origin 42S02");
	is_str(dv_diag_subclass_origin("22003"), "ISO 9075", "subclass origin 22003");
	dv_diag_free(&d);
}

static void test_types(void)
{
	size_t n;
	const struct dv_type_info *t = dv_types(&n);
	int sorted = 1;
	for (size_t i = 1; i < n; i++)
		sorted = sorted && t[i - 1].sql_type <= t[i].sql_type;
	ok(sorted, "type table ordered by DATA_TYPE");
	is_str(dv_type_find(SQL_TIMESTAMP)->name, "datetime", "ODBC 2 code finds datetime");
	is_int(dv_sql_type_odbc2(SQL_TYPE_DATE), SQL_DATE, "ODBC 2 date code");
	is_int(dv_type_display_size(SQL_DECIMAL, 23, 2), 25, "decimal display size");
	is_int(dv_type_octet_length(SQL_WVARCHAR, 100, 0), 100 * WB,
	       "nvarchar octet length: 100 SQLWCHARs");
	struct dv_rowset *rs = dv_rowset_new(NULL, 2);
	ok(rs && dv_rowset_add_row(rs) == 0, "rowset row");
	dv_rowset_set_text(rs, 0, "x");
	dv_rowset_set_int(rs, 1, 7);
	dv_rowset_set_text(rs, 0, "yz");
	is_str(dv_rowset_cell(rs, 0, 0)->s, "yz", "rowset text replaced");
	is_int(dv_rowset_cell(rs, 0, 1)->i, 7, "rowset int");
	dv_rowset_free(rs);
}

int main(void)
{
	test_to_char();
	test_char_boundaries();
	test_wchar_boundaries();
	test_to_integers();
	test_floats_and_numeric();
	test_datetime_guid();
	test_null_and_default();
	test_parts();
	test_parts_no_progress();
	test_decimal_binary();
	test_unicode();
	test_diag();
	test_types();
	return tap_done();
}
