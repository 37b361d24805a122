/* test_odbc_functions.c - every scalar function and conversion the driver
 * advertises in SQLGetInfo, through unixODBC against the emulator: exact
 * values (as SQL_C_CHAR) and SQLDescribeCol types, sizes and digits; CAST;
 * the SQL types of expressions and aggregates (local and pushed); date-only
 * comparisons and GUID parameters pushed to the service (the exact request
 * the emulator received); invalid UTF-8 in SQL text and parameters.
 * What is tested: docs/sql.md "Functions", docs/type-mapping.md
 * "Expressions".  ODBC Appendix E:
 * https://learn.microsoft.com/sql/odbc/reference/appendixes/scalar-functions */
#include "odbc_test.h"

#include <locale.h>
#include <time.h>

static struct emu emu;

#define ALPINE "Alpine Ski GmbH 1"
#define ALPINE_ID "9e3931b9-9ed9-4001-8001-0000000f4244"

/* One value: the SELECT list item, its text, type, column size, digits. */
struct vcase {
	const char *expr;
	const char *want;          /* NULL: SQL NULL; "!22018": that error */
	SQLSMALLINT type;
	SQLULEN size;
	SQLSMALLINT digits;
};

/* Runs "SELECT <expr> [FROM ...]" and checks the first row's column 1. */
static void check(SQLHDBC dbc, const struct vcase *c, const char *from)
{
	char sql[1024], buf[512], name[128];
	SQLSMALLINT nlen = 0, type = 0, digits = 0, nullable = 0;
	SQLULEN size = 0;
	SQLLEN ind = 0;
	SQLRETURN rc;
	SQLHSTMT st;
	if (strncmp(c->expr, "WITH ", 5) == 0) /* a whole statement */
		snprintf(sql, sizeof(sql), "%s", c->expr);
	else
		snprintf(sql, sizeof(sql), "SELECT %s%s%s", c->expr, from ? " FROM " : "",
			 from ? from : "");
	st = exec_direct(dbc, sql, &rc);
	if (c->want && c->want[0] == '!') {
		if (SQL_SUCCEEDED(rc)) {
			rc = SQLFetch(st);
			if (SQL_SUCCEEDED(rc))
				rc = SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
		}
		ok(rc == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), c->want + 1) == 0,
		   "%s fails with %s", c->expr, c->want + 1);
		if (rc != SQL_ERROR || strcmp(state_of(SQL_HANDLE_STMT, st), c->want + 1) != 0) {
			char state[6], msg[512];
			diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
			printf("#   rc %d [%s] %s\n", (int)rc, state, msg);
		}
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		return;
	}
	if (!rc_ok(rc, SQL_HANDLE_STMT, st, sql)) {
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		return;
	}
	SQLDescribeCol(st, 1, (SQLCHAR *)name, sizeof(name), &nlen, &type, &size, &digits,
		       &nullable);
	rc = SQLFetch(st);
	if (SQL_SUCCEEDED(rc))
		rc = SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	if (!SQL_SUCCEEDED(rc)) {
		char state[6], msg[512];
		diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
		snprintf(buf, sizeof(buf), "<error %s: %s>", state, msg);
	} else if (ind == SQL_NULL_DATA) {
		snprintf(buf, sizeof(buf), "NULL");
	}
	int good = strcmp(buf, c->want ? c->want : "NULL") == 0 && type == c->type &&
		   size == c->size && digits == c->digits;
	ok(good, "%s = %s (type %d, size %lu, digits %d)", c->expr, c->want ? c->want : "NULL",
	   (int)c->type, (unsigned long)c->size, (int)c->digits);
	if (!good)
		printf("#   got %s (type %d, size %lu, digits %d)\n", buf, (int)type,
		       (unsigned long)size, (int)digits);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* "~time": HH:MM:SS; "~ts": today's date, a blank, HH:MM:SS. */
static void check_shape(SQLHDBC dbc, const struct vcase *c, const char *date)
{
	char sql[512], buf[64];
	SQLSMALLINT type = 0, digits = 0, nlen;
	SQLULEN size = 0;
	SQLLEN ind = 0;
	SQLRETURN rc;
	SQLHSTMT st;
	snprintf(sql, sizeof(sql), "SELECT %s", c->expr);
	st = exec_direct(dbc, sql, &rc);
	SQLDescribeCol(st, 1, NULL, 0, &nlen, &type, &size, &digits, NULL);
	buf[0] = '\0';
	if (SQL_SUCCEEDED(rc) && SQL_SUCCEEDED(SQLFetch(st)))
		SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	const char *t = !strcmp(c->want, "~ts") ? buf + 11 : buf;
	int shape = strlen(t) == 8 && t[2] == ':' && t[5] == ':' &&
		    (strcmp(c->want, "~ts") || (strncmp(buf, date, 10) == 0 && buf[10] == ' '));
	ok(shape && type == c->type && size == c->size, "%s = %s (type %d, size %lu)", c->expr,
	   buf, (int)type, (unsigned long)size);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void check_all(SQLHDBC dbc, const struct vcase *cases, size_t n, const char *from)
{
	for (size_t i = 0; i < n; i++)
		check(dbc, &cases[i], from);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Each advertised function (bit of its SQLGetInfo mask) and its cases. */
struct fcase {
	SQLUSMALLINT info;
	SQLUINTEGER bit;
	struct vcase v;
};

#define STR SQL_STRING_FUNCTIONS
#define NUM SQL_NUMERIC_FUNCTIONS
#define TD SQL_TIMEDATE_FUNCTIONS
#define SYS SQL_SYSTEM_FUNCTIONS
#define WV SQL_WVARCHAR
#define TS SQL_TYPE_TIMESTAMP

static const struct fcase fcases[] = {
	{STR, SQL_FN_STR_ASCII, {"{fn ASCII('A')}", "65", SQL_INTEGER, 10, 0}},
	{STR, SQL_FN_STR_BIT_LENGTH, {"{fn BIT_LENGTH('abc')}", "24", SQL_BIGINT, 19, 0}},
	{STR, SQL_FN_STR_CHAR, {"{fn CHAR(65)}", "A", WV, 1, 0}},
	{STR, SQL_FN_STR_CHAR_LENGTH, {"{fn CHAR_LENGTH('h\xc3\xa9llo')}", "5", SQL_INTEGER, 10, 0}},
	{STR, SQL_FN_STR_CHARACTER_LENGTH, {"{fn CHARACTER_LENGTH('abc')}", "3", SQL_INTEGER, 10, 0}},
	{STR, SQL_FN_STR_CONCAT, {"{fn CONCAT('ab', 'cd')}", "abcd", WV, 4, 0}},
	{STR, SQL_FN_STR_CONCAT, {"{fn CONCAT('ab', NULL)}", NULL, WV, 38, 0}},
	{STR, SQL_FN_STR_INSERT, {"{fn INSERT('abcdef', 2, 3, 'XY')}", "aXYef", WV, 4000, 0}},
	{STR, SQL_FN_STR_LCASE, {"{fn LCASE('ABC')}", "abc", WV, 3, 0}},
	{STR, SQL_FN_STR_LEFT, {"{fn LEFT('abcdef', 2)}", "ab", WV, 6, 0}},
	{STR, SQL_FN_STR_LENGTH, {"{fn LENGTH('abc  ')}", "3", SQL_INTEGER, 10, 0}},
	{STR, SQL_FN_STR_LOCATE, {"{fn LOCATE('b', 'abcb')}", "2", SQL_INTEGER, 10, 0}},
	{STR, SQL_FN_STR_LOCATE, {"{fn LOCATE('z', 'abcb')}", "0", SQL_INTEGER, 10, 0}},
	{STR, SQL_FN_STR_LOCATE_2, {"{fn LOCATE('b', 'abcb', 3)}", "4", SQL_INTEGER, 10, 0}},
	{STR, SQL_FN_STR_LOCATE_2, {"{fn LOCATE('b', '\xc3\xa9" "b\xc3\xa9" "b', 3)}", "4", SQL_INTEGER,
	  10, 0}},
	{STR, SQL_FN_STR_LTRIM, {"{fn LTRIM('  ab')}", "ab", WV, 4, 0}},
	{STR, SQL_FN_STR_OCTET_LENGTH, {"{fn OCTET_LENGTH('\xc3\xa9')}", "2", SQL_INTEGER, 10, 0}},
	{STR, SQL_FN_STR_REPEAT, {"{fn REPEAT('ab', 3)}", "ababab", WV, 4000, 0}},
	{STR, SQL_FN_STR_REPLACE, {"{fn REPLACE('abcb', 'b', 'x')}", "axcx", WV, 4000, 0}},
	{STR, SQL_FN_STR_RIGHT, {"{fn RIGHT('abcdef', 2)}", "ef", WV, 6, 0}},
	{STR, SQL_FN_STR_RTRIM, {"{fn RTRIM('ab  ')}", "ab", WV, 4, 0}},
	{STR, SQL_FN_STR_SPACE, {"'[' || {fn SPACE(3)} || ']'", "[   ]", WV, 4000, 0}},
	{STR, SQL_FN_STR_SUBSTRING, {"{fn SUBSTRING('abcdef', 2, 3)}", "bcd", WV, 6, 0}},
	{STR, SQL_FN_STR_UCASE, {"{fn UCASE('abc')}", "ABC", WV, 3, 0}},
	{NUM, SQL_FN_NUM_ABS, {"{fn ABS(-5)}", "5", SQL_INTEGER, 10, 0}},
	{NUM, SQL_FN_NUM_ABS, {"{fn ABS(-5.25)}", "5.25", SQL_DECIMAL, 3, 2}},
	{NUM, SQL_FN_NUM_ACOS, {"{fn ACOS(1)}", "0", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_ASIN, {"{fn ASIN(1)}", "1.5707963267948966", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_ATAN, {"{fn ATAN(1)}", "0.78539816339744828", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_ATAN2, {"{fn ATAN2(1, 1)}", "0.78539816339744828", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_CEILING, {"{fn CEILING(1.2)}", "2", SQL_DECIMAL, 2, 0}},
	{NUM, SQL_FN_NUM_CEILING, {"{fn CEILING(-1.2)}", "-1", SQL_DECIMAL, 2, 0}},
	{NUM, SQL_FN_NUM_COS, {"{fn COS(0)}", "1", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_COT, {"{fn COT(1)}", "0.64209261593433065", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_DEGREES, {"{fn DEGREES({fn PI()})}", "180", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_EXP, {"{fn EXP(0)}", "1", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_FLOOR, {"{fn FLOOR(-1.5)}", "-2", SQL_DECIMAL, 2, 0}},
	{NUM, SQL_FN_NUM_LOG, {"{fn LOG(1)}", "0", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_LOG10, {"{fn LOG10(1000)}", "3", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_MOD, {"{fn MOD(7, 3)}", "1", SQL_INTEGER, 10, 0}},
	{NUM, SQL_FN_NUM_MOD, {"{fn MOD(-7, 3)}", "-1", SQL_INTEGER, 10, 0}},
	{NUM, SQL_FN_NUM_PI, {"{fn PI()}", "3.1415926535897931", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_POWER, {"{fn POWER(2, 10)}", "1024", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_RADIANS, {"{fn RADIANS(180)}", "3.1415926535897931", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_ROUND, {"{fn ROUND(1234.5678, -2)}", "1200", SQL_DECIMAL, 5, 0}},
	{NUM, SQL_FN_NUM_ROUND, {"{fn ROUND(1234.5678, 2)}", "1234.57", SQL_DECIMAL, 7, 2}},
	{NUM, SQL_FN_NUM_ROUND, {"{fn ROUND(2.675, 2)}", "2.68", SQL_DECIMAL, 4, 2}},
	{NUM, SQL_FN_NUM_ROUND, {"{fn ROUND(-2.5, 0)}", "-3", SQL_DECIMAL, 2, 0}},
	{NUM, SQL_FN_NUM_ROUND, {"{fn ROUND(1250, -2)}", "1300", SQL_INTEGER, 10, 0}},
	{NUM, SQL_FN_NUM_SIGN, {"{fn SIGN(-3)}", "-1", SQL_INTEGER, 10, 0}},
	{NUM, SQL_FN_NUM_SIN, {"{fn SIN(0)}", "0", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_SQRT, {"{fn SQRT(16)}", "4", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_TAN, {"{fn TAN(0)}", "0", SQL_DOUBLE, 15, 0}},
	{NUM, SQL_FN_NUM_TRUNCATE, {"{fn TRUNCATE(1234.5678, 2)}", "1234.56", SQL_DECIMAL, 6, 2}},
	{NUM, SQL_FN_NUM_TRUNCATE, {"{fn TRUNCATE(-1.99, 0)}", "-1", SQL_DECIMAL, 1, 0}},
	{NUM, SQL_FN_NUM_TRUNCATE, {"{fn TRUNCATE(1299, -2)}", "1200", SQL_INTEGER, 10, 0}},
	{TD, SQL_FN_TD_CURDATE, {"{fn CURDATE()}", "~date", SQL_TYPE_DATE, 10, 0}},
	{TD, SQL_FN_TD_CURRENT_DATE, {"{fn CURRENT_DATE()}", "~date", SQL_TYPE_DATE, 10, 0}},
	{TD, SQL_FN_TD_CURRENT_TIME, {"{fn CURRENT_TIME()}", "~time", SQL_TYPE_TIME, 8, 0}},
	{TD, SQL_FN_TD_CURRENT_TIMESTAMP, {"{fn CURRENT_TIMESTAMP()}", "~ts", TS, 19, 0}},
	{TD, SQL_FN_TD_CURTIME, {"{fn CURTIME()}", "~time", SQL_TYPE_TIME, 8, 0}},
	{TD, SQL_FN_TD_DAYNAME, {"{fn DAYNAME({d '2024-02-29'})}", "Thursday", WV, 9, 0}},
	{TD, SQL_FN_TD_DAYOFMONTH, {"{fn DAYOFMONTH({d '2024-02-29'})}", "29", SQL_INTEGER, 10, 0}},
	{TD, SQL_FN_TD_DAYOFWEEK, {"{fn DAYOFWEEK({d '2024-02-29'})}", "5", SQL_BIGINT, 19, 0}},
	{TD, SQL_FN_TD_DAYOFYEAR, {"{fn DAYOFYEAR({d '2024-02-29'})}", "60", SQL_INTEGER, 10, 0}},
	{TD, SQL_FN_TD_HOUR, {"{fn HOUR({ts '2024-02-29 13:45:10'})}", "13", SQL_INTEGER, 10, 0}},
	{TD, SQL_FN_TD_HOUR, {"{fn HOUR({t '13:45:10'})}", "13", SQL_INTEGER, 10, 0}},
	{TD, SQL_FN_TD_MINUTE, {"{fn MINUTE({ts '2024-02-29 13:45:10'})}", "45", SQL_INTEGER, 10, 0}},
	{TD, SQL_FN_TD_MONTH, {"{fn MONTH({d '2024-02-29'})}", "2", SQL_INTEGER, 10, 0}},
	{TD, SQL_FN_TD_MONTHNAME, {"{fn MONTHNAME({d '2024-02-29'})}", "February", WV, 9, 0}},
	{TD, SQL_FN_TD_NOW, {"{fn NOW()}", "~ts", TS, 19, 0}},
	{TD, SQL_FN_TD_QUARTER, {"{fn QUARTER({d '2024-08-15'})}", "3", SQL_BIGINT, 19, 0}},
	{TD, SQL_FN_TD_SECOND, {"{fn SECOND({ts '2024-02-29 13:45:10'})}", "10", SQL_INTEGER, 10, 0}},
	{TD, SQL_FN_TD_TIMESTAMPADD,
	 {"{fn TIMESTAMPADD(SQL_TSI_DAY, 1, {ts '2024-02-29 13:45:10'})}", "2024-03-01 13:45:10",
	  TS, 19, 0}},
	{TD, SQL_FN_TD_TIMESTAMPADD,
	 {"{fn TIMESTAMPADD(SQL_TSI_MONTH, 1, {d '2024-01-31'})}", "2024-02-29 00:00:00", TS, 19, 0}},
	{TD, SQL_FN_TD_TIMESTAMPADD,
	 {"{fn TIMESTAMPADD(SQL_TSI_HOUR, -14, {ts '2024-03-01 13:45:10'})}", "2024-02-29 23:45:10",
	  TS, 19, 0}},
	{TD, SQL_FN_TD_TIMESTAMPDIFF,
	 {"{fn TIMESTAMPDIFF(SQL_TSI_DAY, {ts '2024-02-28 12:00:00'}, {ts '2024-03-01 11:00:00'})}",
	  "1", SQL_BIGINT, 19, 0}},
	{TD, SQL_FN_TD_TIMESTAMPDIFF,
	 {"{fn TIMESTAMPDIFF(SQL_TSI_MONTH, {d '2024-01-31'}, {d '2024-02-29'})}", "0",
	  SQL_BIGINT, 19, 0}},
	{TD, SQL_FN_TD_TIMESTAMPDIFF,
	 {"{fn TIMESTAMPDIFF(SQL_TSI_YEAR, {d '2020-02-29'}, {d '2024-02-29'})}", "4",
	  SQL_BIGINT, 19, 0}},
	{TD, SQL_FN_TD_TIMESTAMPDIFF,
	 {"{fn TIMESTAMPDIFF(SQL_TSI_SECOND, {ts '2024-03-01 00:00:00'}, {ts '2024-02-29 23:59:00'})}",
	  "-60", SQL_BIGINT, 19, 0}},
	{TD, SQL_FN_TD_WEEK, {"{fn WEEK({d '2024-02-29'})}", "9", SQL_INTEGER, 10, 0}},
	{TD, SQL_FN_TD_YEAR, {"{fn YEAR({d '2024-02-29'})}", "2024", SQL_INTEGER, 10, 0}},
	{SYS, SQL_FN_SYS_IFNULL, {"{fn IFNULL(NULL, 'x')}", "x", WV, 1, 0}},
	/* SQL-92 forms, without escapes */
	{SQL_SQL92_NUMERIC_VALUE_FUNCTIONS, SQL_SNVF_CHAR_LENGTH,
	 {"CHAR_LENGTH('h\xc3\xa9" "llo')", "5", SQL_INTEGER, 10, 0}},
	{SQL_SQL92_NUMERIC_VALUE_FUNCTIONS, SQL_SNVF_CHARACTER_LENGTH,
	 {"CHARACTER_LENGTH('abc')", "3", SQL_INTEGER, 10, 0}},
	{SQL_SQL92_NUMERIC_VALUE_FUNCTIONS, SQL_SNVF_OCTET_LENGTH,
	 {"OCTET_LENGTH('h\xc3\xa9" "llo')", "6", SQL_INTEGER, 10, 0}},
	{SQL_SQL92_STRING_FUNCTIONS, SQL_SSF_LOWER, {"LOWER('ABC')", "abc", WV, 3, 0}},
	{SQL_SQL92_STRING_FUNCTIONS, SQL_SSF_UPPER, {"UPPER('abc')", "ABC", WV, 3, 0}},
	{SQL_SQL92_DATETIME_FUNCTIONS, SQL_SDF_CURRENT_DATE,
	 {"CURRENT_DATE", "~date", SQL_TYPE_DATE, 10, 0}},
	{SQL_SQL92_DATETIME_FUNCTIONS, SQL_SDF_CURRENT_TIME,
	 {"CURRENT_TIME", "~time", SQL_TYPE_TIME, 8, 0}},
	{SQL_SQL92_DATETIME_FUNCTIONS, SQL_SDF_CURRENT_TIMESTAMP,
	 {"CURRENT_TIMESTAMP", "~ts", TS, 19, 0}},
	{SQL_SQL92_VALUE_EXPRESSIONS, SQL_SVE_CASE,
	 {"CASE WHEN 1 = 1 THEN 'y' ELSE 'no' END", "y", WV, 2, 0}},
	{SQL_SQL92_VALUE_EXPRESSIONS, SQL_SVE_CAST, {"CAST('7' AS INTEGER)", "7", SQL_INTEGER, 10, 0}},
	{SQL_SQL92_VALUE_EXPRESSIONS, SQL_SVE_COALESCE,
	 {"COALESCE(NULL, 2, 3)", "2", SQL_INTEGER, 10, 0}},
	{SQL_SQL92_VALUE_EXPRESSIONS, SQL_SVE_NULLIF, {"NULLIF(4, 4)", NULL, SQL_INTEGER, 10, 0}},
};

/* Today (UTC) as the engine's CURDATE() sees it. */
static void today(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}

static void test_functions(SQLHDBC dbc)
{
	static const SQLUSMALLINT infos[] = {STR, NUM, TD, SYS, SQL_SQL92_NUMERIC_VALUE_FUNCTIONS,
					     SQL_SQL92_STRING_FUNCTIONS,
					     SQL_SQL92_DATETIME_FUNCTIONS,
					     SQL_SQL92_VALUE_EXPRESSIONS};
	char date[16];
	today(date, sizeof(date));
	for (size_t k = 0; k < N(infos); k++) {
		SQLUINTEGER mask = 0;
		SQLGetInfo(dbc, infos[k], &mask, sizeof(mask), NULL);
		for (int bit = 0; bit < 32; bit++) {
			SQLUINTEGER b = 1u << bit;
			size_t i, n = 0;
			if (!(mask & b))
				continue;
			for (i = 0; i < N(fcases); i++) {
				struct vcase v = fcases[i].v;
				char want[64];
				if (fcases[i].info != infos[k] || fcases[i].bit != b)
					continue;
				n++;
				if (v.want && !strcmp(v.want, "~date"))
					v.want = date;
				if (v.want && v.want[0] == '~') {
					/* the time of day moves: compare the shape */
					check_shape(dbc, &v, date);
					continue;
				}
				(void)want;
				check(dbc, &v, NULL);
			}
			ok(n > 0, "info %u bit 0x%x advertised and tested", (unsigned)infos[k],
			   (unsigned)b);
		}
	}
	for (size_t i = 0; i < N(fcases); i++) {
		SQLUINTEGER mask = 0;
		SQLGetInfo(dbc, fcases[i].info, &mask, sizeof(mask), NULL);
		if (!(mask & fcases[i].bit))
			ok(0, "%s is tested but not advertised", fcases[i].v.expr);
	}
}

/* CAST follows SQL: dates, lengths, rounding, range and conversion errors. */
static void test_cast(SQLHDBC dbc)
{
	static const struct vcase alpine[] = {
		{"CAST(createdon AS DATE)", "2023-01-26", SQL_TYPE_DATE, 10, 0},
		{"CAST(createdon AS TIMESTAMP)", "2023-01-26 20:59:58", SQL_TYPE_TIMESTAMP, 19, 0},
		{"CAST(createdon AS DATETIME)", "2023-01-26 20:59:58", SQL_TYPE_TIMESTAMP, 19, 0},
		{"CAST(createdon AS TIME)", "20:59:58", SQL_TYPE_TIME, 8, 0},
		{"CAST(name AS VARCHAR(5))", "Alpin", SQL_WVARCHAR, 5, 0},
		{"CAST(name AS NVARCHAR(6))", "Alpine", SQL_WVARCHAR, 6, 0},
		{"'[' || CAST(name AS CHAR(20)) || ']'", "[Alpine Ski GmbH 1   ]", SQL_WVARCHAR, 22,
		 0},
		{"CAST(name AS CHAR(20))", "Alpine Ski GmbH 1   ", SQL_WCHAR, 20, 0},
		{"CAST(revenue AS DECIMAL(10,1))", "7316000.6", SQL_DECIMAL, 10, 1},
		{"CAST(revenue AS NUMERIC(12,3))", "7316000.620", SQL_DECIMAL, 12, 3},
		{"CAST(revenue AS DECIMAL(6,0))", "!22003", 0, 0, 0},
		{"CAST(revenue AS INTEGER)", "7316000", SQL_INTEGER, 10, 0},
		{"CAST(numberofemployees AS BIGINT)", "47955", SQL_BIGINT, 19, 0},
		{"CAST(numberofemployees AS SMALLINT)", "!22003", 0, 0, 0},
		{"CAST(name AS INTEGER)", "!22018", 0, 0, 0},
		{"CAST(name AS DATE)", "!22018", 0, 0, 0},
		{"CAST(accountid AS VARCHAR(8))", "9e3931b9", SQL_WVARCHAR, 8, 0},
		{"CAST(accountid AS UNIQUEIDENTIFIER)", ALPINE_ID, SQL_GUID, 36, 0},
	};
	static const struct vcase lit[] = {
		{"CAST('2024-02-29' AS DATE)", "2024-02-29", SQL_TYPE_DATE, 10, 0},
		{"CAST('2024-02-30' AS DATE)", "!22018", 0, 0, 0},
		{"CAST('2024-02-29T10:11:12Z' AS TIMESTAMP)", "2024-02-29 10:11:12",
		 SQL_TYPE_TIMESTAMP, 19, 0},
		{"CAST('12.345' AS DECIMAL(5,2))", "12.35", SQL_DECIMAL, 5, 2},
		{"CAST(-12.345 AS DECIMAL(5,2))", "-12.35", SQL_DECIMAL, 5, 2},
		{"CAST(999.995 AS DECIMAL(5,2))", "!22003", 0, 0, 0},
		{"CAST(5 AS DECIMAL(38,38))", "!22003", 0, 0, 0},
		{"CAST('1e400' AS DECIMAL(10,2))", "!22003", 0, 0, 0},
		{"CAST('abc' AS DECIMAL(5,2))", "!22018", 0, 0, 0},
		{"CAST(' 42 ' AS INTEGER)", "42", SQL_INTEGER, 10, 0},
		{"CAST(42.9 AS INTEGER)", "42", SQL_INTEGER, 10, 0},
		{"CAST(-42.9 AS INT)", "-42", SQL_INTEGER, 10, 0},
		{"CAST(2147483648 AS INTEGER)", "!22003", 0, 0, 0},
		{"CAST(300 AS TINYINT)", "!22003", 0, 0, 0},
		{"CAST(5 AS BIT)", "1", SQL_BIT, 1, 0},
		{"CAST('1.5' AS FLOAT)", "1.5", SQL_DOUBLE, 15, 0},
		{"CAST('x' AS DOUBLE PRECISION)", "!22018", 0, 0, 0},
		{"CAST('{9E3931B9-9ED9-4001-8001-0000000F4244}' AS UNIQUEIDENTIFIER)", ALPINE_ID,
		 SQL_GUID, 36, 0},
		{"CAST(X'B931399ED99E014080010000000F4244' AS UNIQUEIDENTIFIER)", ALPINE_ID,
		 SQL_GUID, 36, 0},
		{"CAST('not a guid' AS UNIQUEIDENTIFIER)", "!22018", 0, 0, 0},
		{"CAST(NULL AS DATE)", NULL, SQL_TYPE_DATE, 10, 0},
		{"CAST(CAST('2024-02-29 23:59:59' AS DATE) AS VARCHAR(7))", "2024-02", SQL_WVARCHAR,
		 7, 0},
	};
	check_all(dbc, alpine, N(alpine), "account WHERE name = '" ALPINE "'");
	check_all(dbc, lit, N(lit), NULL);
	/* the column keeps the name SQLite gives the CAST as written */
	SQLRETURN rc;
	char name[128] = "";
	SQLHSTMT st = exec_direct(dbc, "SELECT CAST(createdon AS DATE), CAST(name AS VARCHAR(3)) "
				  "n FROM account", &rc);
	SQLDescribeCol(st, 1, (SQLCHAR *)name, sizeof(name), NULL, NULL, NULL, NULL, NULL);
	is_str(name, "CAST(createdon AS DATE)", "a CAST column is named as written");
	SQLDescribeCol(st, 2, (SQLCHAR *)name, sizeof(name), NULL, NULL, NULL, NULL, NULL);
	is_str(name, "n", "an alias stays");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* {fn CONVERT(value, SQL_type)} for every pair SQLGetInfo(SQL_CONVERT_*)
 * advertises: a source value of each type, the text each target makes of
 * it, and the target's SQL type. */
enum src_kind { SK_TEXT, SK_INT, SK_DEC, SK_BIT, SK_DATE, SK_TIME, SK_TS, SK_GUID, SK_BIN };

static const struct {
	SQLUSMALLINT info;
	enum src_kind kind;
	const char *expr;
} cvt_src[] = {
	{SQL_CONVERT_CHAR, SK_TEXT, NULL}, {SQL_CONVERT_VARCHAR, SK_TEXT, NULL},
	{SQL_CONVERT_LONGVARCHAR, SK_TEXT, NULL}, {SQL_CONVERT_WCHAR, SK_TEXT, NULL},
	{SQL_CONVERT_WVARCHAR, SK_TEXT, NULL}, {SQL_CONVERT_WLONGVARCHAR, SK_TEXT, NULL},
	{SQL_CONVERT_INTEGER, SK_INT, "CAST(42 AS INTEGER)"},
	{SQL_CONVERT_BIGINT, SK_INT, "CAST(42 AS BIGINT)"},
	{SQL_CONVERT_SMALLINT, SK_INT, "CAST(42 AS SMALLINT)"},
	{SQL_CONVERT_TINYINT, SK_INT, "CAST(42 AS TINYINT)"},
	{SQL_CONVERT_BIT, SK_BIT, "CAST(1 AS BIT)"},
	{SQL_CONVERT_DECIMAL, SK_DEC, "CAST(42.5 AS DECIMAL(3,1))"},
	{SQL_CONVERT_NUMERIC, SK_DEC, "CAST(42.5 AS NUMERIC(3,1))"},
	{SQL_CONVERT_DOUBLE, SK_DEC, "CAST(42.5 AS DOUBLE)"},
	{SQL_CONVERT_FLOAT, SK_DEC, "CAST(42.5 AS FLOAT)"},
	{SQL_CONVERT_REAL, SK_DEC, "CAST(42.5 AS REAL)"},
	{SQL_CONVERT_DATE, SK_DATE, "{d '2024-02-29'}"},
	{SQL_CONVERT_TIME, SK_TIME, "{t '13:45:10'}"},
	{SQL_CONVERT_TIMESTAMP, SK_TS, "{ts '2024-02-29 13:45:10'}"},
	{SQL_CONVERT_GUID, SK_GUID, "CAST('9E3931B9-9ED9-4001-8001-0000000F4244' AS GUID)"},
	{SQL_CONVERT_BINARY, SK_BIN, "X'B931399ED99E014080010000000F4244'"},
	{SQL_CONVERT_VARBINARY, SK_BIN, "X'B931399ED99E014080010000000F4244'"},
	{SQL_CONVERT_LONGVARBINARY, SK_BIN, "X'B931399ED99E014080010000000F4244'"},
};

enum tgt_kind { TK_TEXT, TK_INT, TK_BIT, TK_DOUBLE, TK_DEC, TK_DATE, TK_TIME, TK_TS, TK_GUID,
		TK_BIN };

static const struct {
	SQLUINTEGER bit;
	const char *name;
	enum tgt_kind kind;
	SQLSMALLINT type;
} cvt_tgt[] = {
	{SQL_CVT_CHAR, "SQL_CHAR", TK_TEXT, SQL_WVARCHAR},
	{SQL_CVT_VARCHAR, "SQL_VARCHAR", TK_TEXT, SQL_WVARCHAR},
	{SQL_CVT_LONGVARCHAR, "SQL_LONGVARCHAR", TK_TEXT, SQL_WVARCHAR},
	{SQL_CVT_WCHAR, "SQL_WCHAR", TK_TEXT, SQL_WVARCHAR},
	{SQL_CVT_WVARCHAR, "SQL_WVARCHAR", TK_TEXT, SQL_WVARCHAR},
	{SQL_CVT_WLONGVARCHAR, "SQL_WLONGVARCHAR", TK_TEXT, SQL_WVARCHAR},
	{SQL_CVT_INTEGER, "SQL_INTEGER", TK_INT, SQL_INTEGER},
	{SQL_CVT_BIGINT, "SQL_BIGINT", TK_INT, SQL_BIGINT},
	{SQL_CVT_SMALLINT, "SQL_SMALLINT", TK_INT, SQL_SMALLINT},
	{SQL_CVT_TINYINT, "SQL_TINYINT", TK_INT, SQL_TINYINT},
	{SQL_CVT_BIT, "SQL_BIT", TK_BIT, SQL_BIT},
	{SQL_CVT_DOUBLE, "SQL_DOUBLE", TK_DOUBLE, SQL_DOUBLE},
	{SQL_CVT_FLOAT, "SQL_FLOAT", TK_DOUBLE, SQL_DOUBLE},
	{SQL_CVT_REAL, "SQL_REAL", TK_DOUBLE, SQL_DOUBLE},
	{SQL_CVT_DECIMAL, "SQL_DECIMAL", TK_DEC, SQL_DECIMAL},
	{SQL_CVT_NUMERIC, "SQL_NUMERIC", TK_DEC, SQL_DECIMAL},
	{SQL_CVT_DATE, "SQL_DATE", TK_DATE, SQL_TYPE_DATE},
	{SQL_CVT_TIME, "SQL_TIME", TK_TIME, SQL_TYPE_TIME},
	{SQL_CVT_TIMESTAMP, "SQL_TIMESTAMP", TK_TS, SQL_TYPE_TIMESTAMP},
	{SQL_CVT_GUID, "SQL_GUID", TK_GUID, SQL_GUID},
	{SQL_CVT_BINARY, "SQL_BINARY", TK_BIN, SQL_VARBINARY},
	{SQL_CVT_VARBINARY, "SQL_VARBINARY", TK_BIN, SQL_VARBINARY},
	{SQL_CVT_LONGVARBINARY, "SQL_LONGVARBINARY", TK_BIN, SQL_VARBINARY},
};

/* Text sources: a value each target can read, and what it makes of it. */
static const char *text_source(enum tgt_kind t)
{
	static const char *const v[] = {"'abc'", "' 42 '", "'1'", "'42.5'", "'42.5'",
					"'2024-02-29'", "'13:45:10'", "'2024-02-29 13:45:10'",
					"'9E3931B9-9ED9-4001-8001-0000000F4244'", "'ab'"};
	return v[t];
}

static const char *cvt_want(enum src_kind s, enum tgt_kind t, const char *date, char *buf,
			    size_t n)
{
	static const char *const from_text[] = {"abc", "42", "1", "42.5", "43", "2024-02-29",
						"13:45:10", "2024-02-29 13:45:10", ALPINE_ID,
						"6162"};
	switch (s) {
	case SK_TEXT: return from_text[t];
	case SK_INT: return t == TK_BIT ? "1" : "42";
	case SK_BIT: return "1";
	case SK_DEC:
		return t == TK_INT ? "42" : t == TK_BIT ? "1" : t == TK_DEC ? "43" : "42.5";
	case SK_DATE: return t == TK_TS ? "2024-02-29 00:00:00" : "2024-02-29";
	case SK_TIME:
		if (t != TK_TS)
			return "13:45:10";
		snprintf(buf, n, "%s 13:45:10", date);
		return buf;
	case SK_TS:
		return t == TK_DATE ? "2024-02-29" : t == TK_TIME ? "13:45:10"
		       : "2024-02-29 13:45:10";
	case SK_GUID: return ALPINE_ID;
	case SK_BIN: return t == TK_GUID ? ALPINE_ID : "B931399ED99E014080010000000F4244";
	}
	return "";
}

static void test_convert(SQLHDBC dbc)
{
	char date[16];
	today(date, sizeof(date));
	for (size_t i = 0; i < N(cvt_src); i++) {
		SQLUINTEGER mask = 0;
		int tested = 0;
		SQLGetInfo(dbc, cvt_src[i].info, &mask, sizeof(mask), NULL);
		for (size_t j = 0; j < N(cvt_tgt); j++) {
			char expr[256], buf[64], got[128];
			SQLSMALLINT type = 0;
			SQLLEN ind = 0;
			SQLRETURN rc;
			SQLHSTMT st;
			const char *want;
			if (!(mask & cvt_tgt[j].bit))
				continue;
			tested++;
			snprintf(expr, sizeof(expr), "SELECT {fn CONVERT(%s, %s)}",
				 cvt_src[i].expr ? cvt_src[i].expr : text_source(cvt_tgt[j].kind),
				 cvt_tgt[j].name);
			want = cvt_want(cvt_src[i].kind, cvt_tgt[j].kind, date, buf, sizeof(buf));
			st = exec_direct(dbc, expr, &rc);
			got[0] = '\0';
			if (SQL_SUCCEEDED(rc))
				SQLDescribeCol(st, 1, NULL, 0, NULL, &type, NULL, NULL, NULL);
			if (SQL_SUCCEEDED(rc))
				rc = SQLFetch(st);
			if (SQL_SUCCEEDED(rc))
				rc = SQLGetData(st, 1, SQL_C_CHAR, got, sizeof(got), &ind);
			if (!SQL_SUCCEEDED(rc))
				snprintf(got, sizeof(got), "<error %s>", state_of(SQL_HANDLE_STMT, st));
			ok(strcmp(got, want) == 0 && type == cvt_tgt[j].type, "%s = %s (type %d)",
			   expr, want, (int)cvt_tgt[j].type);
			if (strcmp(got, want) != 0 || type != cvt_tgt[j].type)
				printf("#   got %s (type %d)\n", got, (int)type);
			SQLFreeHandle(SQL_HANDLE_STMT, st);
		}
		ok(tested > 0, "SQL_CONVERT info %u advertises conversions", (unsigned)cvt_src[i].info);
	}
}

/* Expressions are described by their SQL type, not VARCHAR(255). */
static void test_expressions(SQLHDBC dbc)
{
	static const struct vcase alpine[] = {
		{"revenue * 2", "14632001.24", SQL_DECIMAL, 38, 2},
		{"revenue + 0.005", "7316000.625", SQL_DECIMAL, 38, 3},
		{"numberofemployees + 1", "47956", SQL_BIGINT, 19, 0},
		{"numberofemployees / 2", "23977", SQL_INTEGER, 10, 0},
		{"revenue / 4", "1829000.155", SQL_DOUBLE, 15, 0},
		{"CASE WHEN revenue > 0 THEN name ELSE 'none' END", ALPINE, SQL_WVARCHAR, 160, 0},
		{"CASE numberofemployees WHEN 1 THEN 1.5 ELSE 2 END", "2.0", SQL_DECIMAL, 11, 1},
		{"COALESCE(revenue, 0)", "7316000.62", SQL_DECIMAL, 19, 2},
		{"COALESCE(NULL, createdon)", "2023-01-26 20:59:58", SQL_TYPE_TIMESTAMP, 19, 0},
		{"name || '!'", ALPINE "!", SQL_WVARCHAR, 161, 0},
		{"revenue > 1000", "1", SQL_INTEGER, 10, 0},
		{"(SELECT COUNT(*) FROM account)", "20", SQL_BIGINT, 19, 0},
		{"(SELECT MAX(a.revenue) FROM account a)", "99970000.45", SQL_DECIMAL, 19, 2},
		{"{fn TIMESTAMPADD(SQL_TSI_DAY, 1, createdon)}", "2023-01-27 20:59:58",
		 SQL_TYPE_TIMESTAMP, 19, 0},
		{"{fn TIMESTAMPDIFF(SQL_TSI_YEAR, createdon, {d '2025-01-27'})}", "2", SQL_BIGINT, 19,
		 0},
		{"upper(substr(name, 1, 3))", "ALP", SQL_WVARCHAR, 160, 0},
	};
	static const struct vcase derived[] = {
		{"n", "20", SQL_BIGINT, 19, 0},
		{"s", "969302008.11", SQL_DECIMAL, 38, 2},
		{"x.*", "20", SQL_BIGINT, 19, 0},
	};
	check_all(dbc, alpine, N(alpine), "account WHERE name = '" ALPINE "'");
	check_all(dbc, derived, N(derived),
		  "(SELECT COUNT(*) AS n, SUM(revenue) s FROM account) AS x");
	static const struct vcase cte = {"WITH t(s) AS (SELECT SUM(revenue) FROM account) "
					 "SELECT s FROM t", "969302008.11", SQL_DECIMAL, 38, 2};
	check(dbc, &cte, NULL);
}

/* The exact sum of a money column, from its values read as text. */
static long long cents_sum(SQLHDBC dbc, const char *sql)
{
	SQLRETURN rc;
	SQLHSTMT st = exec_direct(dbc, sql, &rc);
	long long sum = 0;
	char buf[64];
	SQLLEN ind;
	while (SQL_SUCCEEDED(SQLFetch(st))) {
		if (!SQL_SUCCEEDED(SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind)) ||
		    ind == SQL_NULL_DATA)
			continue;
		char *dot = strchr(buf, '.');
		long long whole = strtoll(buf, NULL, 10), frac = dot ? strtoll(dot + 1, NULL, 10) : 0;
		if (dot && strlen(dot + 1) == 1)
			frac *= 10;
		sum += whole * 100 + (buf[0] == '-' ? -frac : frac);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return sum;
}

/* Aggregates have the same SQL type whether the service ($apply) or the
 * engine computed them; money sums are exact. */
static void test_aggregates(SQLHDBC dbc)
{
	static const char *const aggs[] = {
		"COUNT(*)", "SUM(sharesoutstanding)", "SUM(numberofemployees)",
		"MIN(numberofemployees)", "MAX(createdon)", "AVG(numberofemployees)",
	};
	static const struct vcase one[] = {
		{"SUM(revenue)", "7316000.62", SQL_DECIMAL, 38, 2},
		{"AVG(revenue)", "7316000.62", SQL_DECIMAL, 38, 2},
		{"COUNT(*)", "1", SQL_BIGINT, 19, 0},
		{"SUM(numberofemployees)", "47955", SQL_BIGINT, 19, 0},
	};
	check_all(dbc, one, N(one), "account WHERE name = '" ALPINE "'");
	static const struct vcase all[] = {
		{"SUM(revenue)", "969302008.11", SQL_DECIMAL, 38, 2},
		{"AVG(revenue)", "48465100.41", SQL_DECIMAL, 38, 2},
		{"SUM(sharesoutstanding)", "734953000", SQL_BIGINT, 19, 0},
		{"COUNT(*)", "20", SQL_BIGINT, 19, 0},
		{"SUM(revenue) OVER ()", "969302008.11", SQL_DECIMAL, 38, 2},
	};
	check_all(dbc, all, N(all), "account");
	long long cents = cents_sum(dbc, "SELECT revenue FROM account");
	char want[64];
	snprintf(want, sizeof(want), "%lld.%02lld", cents / 100, cents % 100);
	is_str(want, "969302008.11", "SUM(revenue) is the exact sum of the values");
	/* pushed ($apply) and local give the same type and value */
	for (size_t i = 0; i < N(aggs); i++) {
		char sql[256], v[2][64];
		SQLSMALLINT type[2];
		SQLULEN size[2];
		SQLSMALLINT digits[2];
		for (int local = 0; local < 2; local++) {
			SQLRETURN rc;
			SQLLEN ind;
			snprintf(sql, sizeof(sql), "SELECT %s%s FROM account",
				 local ? "/* dvodbc:local */ " : "", aggs[i]);
			SQLHSTMT st = exec_direct(dbc, sql, &rc);
			SQLDescribeCol(st, 1, NULL, 0, NULL, &type[local], &size[local],
				       &digits[local], NULL);
			v[local][0] = '\0';
			if (SQL_SUCCEEDED(SQLFetch(st)))
				SQLGetData(st, 1, SQL_C_CHAR, v[local], sizeof(v[local]), &ind);
			SQLFreeHandle(SQL_HANDLE_STMT, st);
		}
		ok(type[0] == type[1] && size[0] == size[1] && digits[0] == digits[1] &&
		   strcmp(v[0], v[1]) == 0, "%s: pushed %s (type %d, size %lu) = local %s "
		   "(type %d, size %lu)", aggs[i], v[0], type[0], (unsigned long)size[0], v[1],
		   type[1], (unsigned long)size[1]);
	}
}

/* The last data request the emulator received ("GET <url>"). */
static char *last_request(int since)
{
	return emu_last_api_request(&emu, since);
}

static void expect_rows(SQLHDBC dbc, const char *sql, const char *want_rows,
			const char *want_request)
{
	int since = emu_request_count(&emu);
	SQLRETURN rc;
	SQLHSTMT st = exec_direct(dbc, sql, &rc);
	char *rows = SQL_SUCCEEDED(rc) ? fetch_all(st, 1) : strdup("<error>");
	is_str(rows, want_rows, "%s: rows", sql);
	char *req = last_request(since);
	is_str(req, want_request, "%s: request", sql);
	free(req);
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

#define OPP "GET /api/data/v9.2/opportunities?$select=opportunityid,name,estimatedclosedate"

/* A date-only column compares with {d}, {ts} and text literals as a date,
 * and the comparison goes to the service. */
static void test_dateonly(SQLHDBC dbc)
{
	expect_rows(dbc, "SELECT name FROM opportunity WHERE estimatedclosedate = "
		    "{ts '2024-06-12 00:00:00'}", "Office Move for Datum 1\n",
		    OPP "&$filter=estimatedclosedate%20eq%202024-06-12");
	expect_rows(dbc, "SELECT name FROM opportunity WHERE estimatedclosedate = "
		    "{d '2024-06-12'}", "Office Move for Datum 1\n",
		    OPP "&$filter=estimatedclosedate%20eq%202024-06-12");
	expect_rows(dbc, "SELECT name FROM opportunity WHERE estimatedclosedate = "
		    "'2024-06-12 00:00:00.000'", "Office Move for Datum 1\n",
		    OPP "&$filter=estimatedclosedate%20eq%202024-06-12");
	expect_rows(dbc, "SELECT name FROM opportunity WHERE estimatedclosedate >= "
		    "{ts '2025-08-19 00:00:00'}", "Cloud Migration for Litware 2\n",
		    OPP "&$filter=estimatedclosedate%20ge%202025-08-19");
	expect_rows(dbc, "SELECT name FROM opportunity WHERE estimatedclosedate < "
		    "{ts '2023-01-22 00:00:00'} AND name LIKE 'CRM%'",
		    "CRM Rollout for Blue Yonder 3\n",
		    OPP "&$filter=estimatedclosedate%20lt%202023-01-22%20and%20"
		    "startswith(name,'CRM')");
	/* a time other than midnight: no date equals it */
	expect_rows(dbc, "SELECT name FROM opportunity WHERE estimatedclosedate = "
		    "{ts '2024-06-12 10:00:00'}", "", OPP);
}

#define ACC "GET /api/data/v9.2/accounts?$select=accountid,name"

/* GUID parameters: SQL_C_GUID, text in any case with or without braces,
 * and 16 bytes (SQL Server's binary(16) order), all pushed as accountid eq. */
static void test_guid_params(SQLHDBC dbc)
{
	static const unsigned char bin[16] = {0xB9, 0x31, 0x39, 0x9E, 0xD9, 0x9E, 0x01, 0x40,
					      0x80, 0x01, 0x00, 0x00, 0x00, 0x0F, 0x42, 0x44};
	SQLGUID g = {0x9e3931b9, 0x9ed9, 0x4001, {0x80, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x42, 0x44}};
	static const char *const texts[] = {ALPINE_ID, "9E3931B9-9ED9-4001-8001-0000000F4244",
					    "{9E3931B9-9ED9-4001-8001-0000000F4244}"};
	const char *want_req = ACC "&$filter=accountid%20eq%20" ALPINE_ID;
	for (int k = 0; k < 6; k++) {
		SQLHSTMT st;
		SQLLEN len = 16;
		SQLRETURN rc;
		int since = emu_request_count(&emu);
		SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
		SQLPrepare(st, (SQLCHAR *)"SELECT name FROM account WHERE accountid = ?", SQL_NTS);
		if (k == 0)
			SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_BINARY, 16, 0,
					 (SQLPOINTER)bin, 16, &len);
		else if (k == 1)
			SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_GUID, 16, 0,
					 (SQLPOINTER)bin, 16, &len);
		else if (k == 2)
			SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_GUID, SQL_GUID, 16, 0, &g,
					 sizeof(g), NULL);
		else
			SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR,
					 k == 5 ? SQL_VARCHAR : SQL_GUID, 38, 0,
					 (SQLPOINTER)texts[k - 3], 0, NULL);
		rc = SQLExecute(st);
		char *rows = SQL_SUCCEEDED(rc) ? fetch_all(st, 1) : strdup("<error>");
		is_str(rows, ALPINE "\n", "GUID parameter form %d finds the row", k);
		char *req = last_request(since);
		is_str(req, want_req, "GUID parameter form %d is pushed down", k);
		free(req);
		free(rows);
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	}
	expect_rows(dbc, "SELECT name FROM account WHERE accountid = "
		    "'{9E3931B9-9ED9-4001-8001-0000000F4244}'", ALPINE "\n", want_req);
}

/* LibreOffice Base reads the key as SQL_C_BINARY and refetches the row with
 * WHERE "accountid" = ? bound as those 16 bytes: the bytes are the SQLGUID
 * in memory (what SQL_C_GUID gives), and binding them back finds the row,
 * whatever binary SQL type the application names. */
static void test_guid_binary_round_trip(SQLHDBC dbc)
{
	static const SQLSMALLINT types[] = {SQL_BINARY, SQL_VARBINARY, SQL_LONGVARBINARY,
					    SQL_GUID};
	SQLHSTMT st;
	SQLRETURN rc;
	unsigned char key[3][16];
	char names[3][64];
	SQLLEN klen[3] = {0, 0, 0}, nlen;
	int n = 0;
	st = exec_direct(dbc, "SELECT \"accountid\", \"name\", \"accountid\" FROM \"account\" "
			 "ORDER BY \"name\"", &rc);
	while (n < 3 && SQL_SUCCEEDED(SQLFetch(st))) {
		SQLGUID g;
		SQLLEN glen = 0;
		SQLGetData(st, 1, SQL_C_BINARY, key[n], sizeof(key[n]), &klen[n]);
		SQLGetData(st, 2, SQL_C_CHAR, names[n], sizeof(names[n]), &nlen);
		SQLGetData(st, 3, SQL_C_GUID, &g, sizeof(g), &glen);
		is_int(klen[n], 16, "row %d: the key read as SQL_C_BINARY is 16 bytes", n + 1);
		ok(glen == 16 && memcmp(key[n], &g, 16) == 0,
		   "row %d: the bytes are the SQLGUID's memory", n + 1);
		n++;
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	is_int(n, 3, "three keys read");
	for (int i = 0; i < n; i++) {
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			char *rows;
			SQLLEN len = 16;
			SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
			SQLPrepare(st, (SQLCHAR *)"SELECT \"name\" FROM \"account\" WHERE "
				   "\"accountid\" = ?", SQL_NTS);
			SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_BINARY, types[t], 16, 0,
					 key[i], 16, &len);
			rc = SQLExecute(st);
			rows = SQL_SUCCEEDED(rc) ? fetch_all(st, 1) : strdup("<error>");
			char want[256];
			snprintf(want, sizeof(want), "%s\n", names[i]);
			is_str(rows, want, "row %d refetched by its 16 bytes as SQL type %d", i + 1,
			       (int)types[t]);
			free(rows);
			SQLFreeHandle(SQL_HANDLE_STMT, st);
		}
	}
	/* LibreOffice writes an edited row back with UPDATE ... WHERE "accountid" = ?
	 * bound the same way: the 16 bytes in the WHERE are the GUID, the value
	 * before it stays a value to write. */
	if (n >= 1) {
		SQLLEN len = 16, tlen = SQL_NTS;
		SQLLEN count = -1;
		char *rows, want[256];
		SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
		SQLPrepare(st, (SQLCHAR *)"UPDATE \"account\" SET \"telephone1\" = ? "
			   "WHERE \"accountid\" = ?", SQL_NTS);
		SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 20, 0,
				 "555-0101", 0, &tlen);
		SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_BINARY, 16, 0,
				 key[0], 16, &len);
		rc = SQLExecute(st);
		SQLRowCount(st, &count);
		ok(SQL_SUCCEEDED(rc) && count == 1,
		   "UPDATE ... WHERE accountid = ? bound as 16 bytes changes that row (rc %d, "
		   "count %ld)", (int)rc, (long)count);
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		st = exec_direct(dbc, "SELECT \"name\" FROM \"account\" WHERE \"telephone1\" = "
				 "'555-0101'", &rc);
		rows = SQL_SUCCEEDED(rc) ? fetch_all(st, 1) : strdup("<error>");
		snprintf(want, sizeof(want), "%s\n", names[0]);
		is_str(rows, want, "the service holds the new value on that record only");
		free(rows);
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	}
}

/* Text that is not UTF-8: 22018 naming the place, before any request. */
static void test_bad_utf8(SQLHDBC dbc)
{
	SQLHSTMT st;
	SQLRETURN rc;
	char state[6], msg[512];
	int since = emu_request_count(&emu);
	st = exec_direct(dbc, "SELECT name FROM account WHERE address1_city = 'S\xe3o Paulo'", &rc);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "SQL text with byte 0xE3 fails");
	if (DV_TEST_IODBC) {
		/* iODBC converts the ANSI text to wide itself and mangles the
		 * byte that is not UTF-8: the driver never sees 0xE3 */
		is_str(state, "42000", "iODBC 3.52: the mangled SQL text is a syntax error");
	} else {
		is_str(state, "22018", "bad UTF-8 in the SQL text is 22018");
		ok(strstr(msg, "character 50") != NULL && strstr(msg, "0xE3") != NULL,
		   "the message names the place: %s", msg);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	st = exec_char_param(dbc, "SELECT name FROM account WHERE address1_city = ?",
			     "S\xe3o Paulo", 20, &rc);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "a parameter with byte 0xE3 fails");
	is_str(state, "22018", "bad UTF-8 in a parameter is 22018");
	ok(strstr(msg, "parameter 1") && strstr(msg, "character 2"), "names it: %s", msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	st = exec_char_param(dbc, "INSERT INTO account (name) VALUES (?)", "S\xe3o Paulo", 20, &rc);
	is_int(rc, SQL_ERROR, "an INSERT with a bad parameter fails");
	is_str(state_of(SQL_HANDLE_STMT, st), "22018", "as 22018");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* SQLPutData: the second piece is not UTF-8 */
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLLEN dae = SQL_DATA_AT_EXEC;
	SQLPOINTER token;
	SQLPrepare(st, (SQLCHAR *)"INSERT INTO account (name) VALUES (?)", SQL_NTS);
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 20, 0, (SQLPOINTER)1,
			 0, &dae);
	is_int(SQLExecute(st), SQL_NEED_DATA, "SQLExecute asks for data");
	SQLParamData(st, &token);
	SQLPutData(st, (SQLPOINTER)"Caf", 3);
	SQLPutData(st, (SQLPOINTER)"\xe9 Paris", 7);
	rc = SQLParamData(st, &token);
	is_int(rc, SQL_ERROR, "SQLParamData with a bad piece fails");
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_str(state, "22018", "bad SQLPutData text is 22018");
	ok(strstr(msg, "character 4") != NULL, "names the place: %s", msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	is_int(emu_request_count(&emu) - since, 0, "nothing was sent to the service");
}

int main(void)
{
	SQLHENV env;
	SQLHDBC dbc;
	/* A UTF-8 locale, as applications set one (setlocale(LC_ALL, "")):
	 * iODBC hands ANSI text to the driver's W functions through the C
	 * library's multibyte conversion, which in the "C" locale turns any
	 * non-ASCII byte into an error; unixODBC passes the bytes unchanged. */
	setlocale(LC_ALL, "C.UTF-8");
	start_emulator(&emu, "--rows 20 --seed 1", NULL);
	env = new_env(SQL_OV_ODBC3);
	dbc = connect_dsn(env);

	test_functions(dbc);
	test_cast(dbc);
	test_convert(dbc);
	test_expressions(dbc);
	test_aggregates(dbc);
	test_dateonly(dbc);
	test_guid_params(dbc);
	test_guid_binary_round_trip(dbc);
	test_bad_utf8(dbc);
	disconnect(env, dbc);
	emu_stop(&emu);
	return tap_done();
}
