/* test_odbc_query.c - statements through unixODBC against the emulator:
 * exact rows, SQLDescribeCol/SQLColAttribute, bound block cursors (row-wise
 * and column-wise), SQLGetData in parts, conversions of real columns,
 * parameters, W entry points, cursor rules and the SQLSTATEs of bad SQL. */
#include "odbc_test.h"

#include <pthread.h>
#include <time.h>

#define ALPINE "Alpine Ski GmbH 1"
#define ALPINE_ID "9e3931b9-9ed9-4001-8001-0000000f4244"

/* the 20 accounts by name */
static const char *const names[] = EMU20_ACCOUNT_NAMES;
#define NNAMES 20

static const char *emu_url;

static SQLHSTMT exec(SQLHDBC dbc, const char *sql)
{
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, sql);
	return st;
}

static void test_select_names(SQLHDBC dbc)
{
	SQLHSTMT st = exec(dbc, "SELECT name FROM account ORDER BY name");
	SQLLEN n = 0;
	is_int(SQLRowCount(st, &n), SQL_SUCCESS, "SQLRowCount after SELECT");
	is_int(n, -1, "row count after SELECT is -1");
	char buf[128];
	SQLLEN ind;
	is_int(SQLBindCol(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_SUCCESS, "bind name");
	int i = 0, same = 1;
	SQLRETURN rc;
	while ((rc = SQLFetch(st)) == SQL_SUCCESS) {
		same = same && i < NNAMES && strcmp(buf, names[i]) == 0 &&
		       ind == (SQLLEN)strlen(names[i]);
		i++;
	}
	is_int(rc, SQL_NO_DATA, "fetch ends with SQL_NO_DATA");
	is_int(i, NNAMES, "20 rows");
	ok(same, "the names, in order, with their lengths");
	is_int(SQLFetch(st), SQL_NO_DATA, "fetch after the end");
	is_int(SQLMoreResults(st), SQL_NO_DATA, "SQLMoreResults is SQL_NO_DATA");
	is_int(SQLCloseCursor(st), SQL_ERROR, "SQLCloseCursor without a cursor");
	is_str(state_of(SQL_HANDLE_STMT, st), "24000", "no cursor is 24000");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_describe(SQLHDBC dbc)
{
	SQLHSTMT st = exec(dbc, "SELECT accountid, name, revenue, numberofemployees, createdon, "
				"creditonhold, description, count(*) AS n FROM account "
				"WHERE name = '" ALPINE "' GROUP BY accountid");
	SQLSMALLINT ncols = 0;
	SQLNumResultCols(st, &ncols);
	is_int(ncols, 8, "8 result columns");
	struct {
		const char *name;
		SQLSMALLINT type;
		SQLULEN size;
		SQLSMALLINT digits;
		const char *type_name;
	} want[] = {
		{"accountid", SQL_GUID, 36, 0, "uniqueidentifier"},
		{"name", SQL_WVARCHAR, 160, 0, "nvarchar"},
		{"revenue", SQL_DECIMAL, 19, 2, "money"},
		{"numberofemployees", SQL_INTEGER, 10, 0, "int"},
		{"createdon", SQL_TYPE_TIMESTAMP, 19, 0, "datetime"},
		{"creditonhold", SQL_BIT, 1, 0, "bit"},
		{"description", SQL_WLONGVARCHAR, 2000, 0, "ntext"},
	};
	for (SQLUSMALLINT c = 1; c <= 7; c++) {
		char name[64], tname[64];
		SQLSMALLINT nlen, type, digits, nullable;
		SQLULEN size;
		SQLRETURN rc = SQLDescribeCol(st, c, (SQLCHAR *)name, sizeof(name), &nlen, &type,
					      &size, &digits, &nullable);
		is_int(rc, SQL_SUCCESS, "describe column %u", c);
		is_str(name, want[c - 1].name, "column %u name", c);
		is_int(type, want[c - 1].type, "column %u type", c);
		is_int(size, want[c - 1].size, "column %u size", c);
		is_int(digits, want[c - 1].digits, "column %u digits", c);
		SQLColAttribute(st, c, SQL_DESC_TYPE_NAME, tname, sizeof(tname), NULL, NULL);
		is_str(tname, want[c - 1].type_name, "column %u type name", c);
	}
	SQLLEN v = 0;
	char s[64];
	SQLColAttribute(st, 1, SQL_DESC_BASE_TABLE_NAME, s, sizeof(s), NULL, NULL);
	is_str(s, "account", "base table name");
	SQLColAttribute(st, 2, SQL_DESC_BASE_COLUMN_NAME, s, sizeof(s), NULL, NULL);
	is_str(s, "name", "base column name");
	SQLColAttribute(st, 2, SQL_DESC_OCTET_LENGTH, NULL, 0, NULL, &v);
	is_int(v, 160 * (SQLLEN)sizeof(SQLWCHAR), "nvarchar(160) octet length: 160 SQLWCHARs");
	SQLColAttribute(st, 2, SQL_DESC_DISPLAY_SIZE, NULL, 0, NULL, &v);
	is_int(v, 160, "nvarchar(160) display size");
	SQLColAttribute(st, 2, SQL_DESC_CASE_SENSITIVE, NULL, 0, NULL, &v);
	is_int(v, SQL_FALSE, "text compares case-insensitively");
	SQLColAttribute(st, 3, SQL_DESC_DISPLAY_SIZE, NULL, 0, NULL, &v);
	is_int(v, 21, "money display size");
	SQLColAttribute(st, 3, SQL_DESC_FIXED_PREC_SCALE, NULL, 0, NULL, &v);
	is_int(v, SQL_TRUE, "money has fixed precision and scale");
	SQLColAttribute(st, 4, SQL_DESC_UNSIGNED, NULL, 0, NULL, &v);
	is_int(v, SQL_FALSE, "int is signed");
	SQLColAttribute(st, 1, SQL_DESC_UNSIGNED, NULL, 0, NULL, &v);
	is_int(v, SQL_TRUE, "GUID is not numeric");
	SQLColAttribute(st, 4, SQL_DESC_NUM_PREC_RADIX, NULL, 0, NULL, &v);
	is_int(v, 10, "int radix");
	SQLColAttribute(st, 5, SQL_DESC_CONCISE_TYPE, NULL, 0, NULL, &v);
	is_int(v, SQL_TYPE_TIMESTAMP, "timestamp concise type");
	SQLColAttribute(st, 5, SQL_DESC_TYPE, NULL, 0, NULL, &v);
	is_int(v, SQL_DATETIME, "timestamp verbose type");
	SQLColAttribute(st, 5, SQL_DESC_OCTET_LENGTH, NULL, 0, NULL, &v);
	is_int(v, 16, "timestamp octet length");
	SQLColAttribute(st, 1, SQL_DESC_NULLABLE, NULL, 0, NULL, &v);
	is_int(v, SQL_NO_NULLS, "primary key is not nullable");
	SQLColAttribute(st, 1, SQL_DESC_AUTO_UNIQUE_VALUE, NULL, 0, NULL, &v);
	is_int(v, SQL_FALSE, "not auto-unique");
	SQLColAttribute(st, 8, SQL_DESC_LABEL, s, sizeof(s), NULL, NULL);
	is_str(s, "n", "alias label");
	SQLColAttribute(st, 0, SQL_DESC_COUNT, NULL, 0, NULL, &v);
	is_int(v, 8, "SQL_DESC_COUNT");
	SQLRETURN rc = SQLColAttribute(st, 9, SQL_DESC_NAME, s, sizeof(s), NULL, NULL);
	is_int(rc, SQL_ERROR, "column 9 does not exist");
	is_str(state_of(SQL_HANDLE_STMT, st), "07009", "bad column is 07009");

	/* W twins. */
	SQLWCHAR wname[64];
	char name[64];
	SQLSMALLINT nlen = 0, type = 0;
	rc = SQLDescribeColW(st, 2, wname, 64, &nlen, &type, NULL, NULL, NULL);
	is_int(rc, SQL_SUCCESS, "SQLDescribeColW");
	is_str(from_w(wname, name, sizeof(name)), "name", "SQLDescribeColW name");
	is_int(nlen, 4, "SQLDescribeColW length in characters");
	rc = SQLDescribeColW(st, 2, wname, 3, &nlen, &type, NULL, NULL, NULL);
	is_int(rc, SQL_SUCCESS_WITH_INFO, "SQLDescribeColW truncated");
	is_str(from_w(wname, name, sizeof(name)), "na", "truncated in characters");
	SQLSMALLINT blen = 0;
	rc = SQLColAttributeW(st, 1, SQL_DESC_TYPE_NAME, wname, sizeof(wname), &blen, NULL);
	is_int(rc, SQL_SUCCESS, "SQLColAttributeW");
	is_int(blen, 16 * (SQLSMALLINT)sizeof(SQLWCHAR), "SQLColAttributeW length in bytes");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* Reads column 8 so that the next SQLGetData on another column starts over. */
static void touch(SQLHSTMT st)
{
	char buf[64];
	SQLLEN ind;
	SQLGetData(st, 8, SQL_C_CHAR, buf, sizeof(buf), &ind);
}

static void test_conversions(SQLHDBC dbc)
{
	SQLHSTMT st = exec(dbc, "SELECT accountid, revenue, numberofemployees, createdon, "
				"creditonhold, exchangerate, address1_latitude, name "
				"FROM account WHERE name = '" ALPINE "'");
	is_int(SQLFetch(st), SQL_SUCCESS, "fetch Alpine");
	SQLGUID g;
	SQLLEN ind = 0;
	is_int(SQLGetData(st, 1, SQL_C_GUID, &g, 0, &ind), SQL_SUCCESS, "GUID");
	ok(g.Data1 == 0x9e3931b9u && g.Data2 == 0x9ed9 && g.Data4[7] == 0x44, "GUID value");
	char buf[64];
	is_int(SQLGetData(st, 2, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_SUCCESS, "money char");
	is_str(buf, "7316000.62", "money as text");
	SQLINTEGER i32 = 0;
	is_int(SQLGetData(st, 2, SQL_C_SLONG, &i32, 0, &ind), SQL_SUCCESS_WITH_INFO,
	       "money to integer");
	is_str(state_of(SQL_HANDLE_STMT, st), "01S07", "money to integer is 01S07");
	is_int(i32, 7316000, "money truncated");
	is_int(SQLGetData(st, 2, SQL_C_SLONG, &i32, 0, &ind), SQL_NO_DATA,
	       "a fixed-size value is returned once");
	touch(st);
	SQL_NUMERIC_STRUCT ns;
	is_int(SQLGetData(st, 2, SQL_C_NUMERIC, &ns, 0, &ind), SQL_SUCCESS_WITH_INFO,
	       "money to numeric (default scale 0)");
	is_int(ns.val[0] | ns.val[1] << 8 | ns.val[2] << 16, 7316000, "numeric value");
	SQLSMALLINT i16 = 0;
	is_int(SQLGetData(st, 3, SQL_C_SSHORT, &i16, 0, &ind), SQL_ERROR, "47955 to SMALLINT");
	is_str(state_of(SQL_HANDLE_STMT, st), "22003", "47955 to SMALLINT is 22003");
	SQLUSMALLINT u16 = 0;
	is_int(SQLGetData(st, 3, SQL_C_USHORT, &u16, 0, &ind), SQL_SUCCESS, "47955 unsigned");
	is_int(u16, 47955, "unsigned short value");
	SQLDOUBLE d = 0;
	touch(st);
	is_int(SQLGetData(st, 3, SQL_C_DOUBLE, &d, 0, &ind), SQL_SUCCESS, "int to double");
	ok(d == 47955.0, "double value");
	SQL_TIMESTAMP_STRUCT ts;
	is_int(SQLGetData(st, 4, SQL_C_TYPE_TIMESTAMP, &ts, 0, &ind), SQL_SUCCESS, "timestamp");
	ok(ts.year == 2023 && ts.month == 1 && ts.day == 26 && ts.hour == 20 &&
		   ts.minute == 59 && ts.second == 58,
	   "timestamp value");
	SQL_DATE_STRUCT ds;
	touch(st);
	is_int(SQLGetData(st, 4, SQL_C_TYPE_DATE, &ds, 0, &ind), SQL_SUCCESS_WITH_INFO,
	       "timestamp to date");
	ok(ds.year == 2023 && ds.month == 1 && ds.day == 26, "date value");
	is_int(SQLGetData(st, 4, SQL_C_SLONG, &i32, 0, &ind), SQL_ERROR, "timestamp to int");
	is_str(state_of(SQL_HANDLE_STMT, st), "07006", "timestamp to int is 07006");
	unsigned char bit = 9;
	is_int(SQLGetData(st, 5, SQL_C_BIT, &bit, 0, &ind), SQL_SUCCESS, "bit");
	is_int(bit, 0, "bit value");
	is_int(SQLGetData(st, 6, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_SUCCESS, "decimal");
	is_str(buf, "1.0000000000", "decimal with its scale");
	is_int(SQLGetData(st, 7, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_SUCCESS, "double");
	is_str(buf, "27.69666", "double as text");
	is_int(SQLGetData(st, 8, SQL_C_SLONG, &i32, 0, &ind), SQL_ERROR, "name to int");
	is_str(state_of(SQL_HANDLE_STMT, st), "22018", "name to int is 22018");
	is_int(SQLGetData(st, 1, SQL_C_CHAR, buf, 10, &ind), SQL_ERROR, "GUID into 10 bytes");
	is_str(state_of(SQL_HANDLE_STMT, st), "22003", "GUID into 10 bytes is 22003");
	is_int(SQLGetData(st, 9, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_ERROR, "column 9");
	is_str(state_of(SQL_HANDLE_STMT, st), "07009", "column 9 is 07009");
	is_int(SQLFetch(st), SQL_NO_DATA, "one row");
	is_int(SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_ERROR,
	       "SQLGetData after the end");
	is_str(state_of(SQL_HANDLE_STMT, st), "24000", "after the end is 24000");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_getdata_parts(SQLHDBC dbc)
{
	SQLHSTMT st = exec(dbc, "SELECT description, name, NULL FROM account "
				"WHERE name = '" ALPINE "'");
	const char *desc = "Account 1 of the dvemu Prague sector. Key customer since 2002.";
	SQLFetch(st);
	char part[21], whole[256] = "";
	SQLLEN ind = 0;
	SQLRETURN rc;
	int calls = 0, lens_ok = 1;
	size_t total = strlen(desc);
	while ((rc = SQLGetData(st, 1, SQL_C_CHAR, part, sizeof(part), &ind)) != SQL_NO_DATA) {
		if (!SQL_SUCCEEDED(rc))
			break;
		if (rc == SQL_SUCCESS_WITH_INFO)
			lens_ok = lens_ok && ind == (SQLLEN)(total - strlen(whole)) &&
				  strcmp(state_of(SQL_HANDLE_STMT, st), "01004") == 0;
		strncat(whole, part, sizeof(whole) - strlen(whole) - 1);
		calls++;
	}
	is_int(rc, SQL_NO_DATA, "parts end with SQL_NO_DATA");
	is_int(calls, 4, "62 bytes in 20-byte parts: 4 calls");
	ok(lens_ok, "each 01004 part reports what remains");
	is_str(whole, desc, "parts put together");

	/* WCHAR parts of the name, in bytes. */
	SQLWCHAR w[6];
	char got[64] = "", tmp[16];
	while ((rc = SQLGetData(st, 2, SQL_C_WCHAR, w, sizeof(w), &ind)) != SQL_NO_DATA &&
	       SQL_SUCCEEDED(rc))
		strncat(got, from_w(w, tmp, sizeof(tmp)), sizeof(got) - strlen(got) - 1);
	is_str(got, ALPINE, "WCHAR parts put together");

	ind = 0;
	is_int(SQLGetData(st, 3, SQL_C_CHAR, part, sizeof(part), &ind), SQL_SUCCESS, "NULL");
	is_int(ind, SQL_NULL_DATA, "NULL indicator");
	is_int(SQLGetData(st, 3, SQL_C_CHAR, part, sizeof(part), &ind), SQL_NO_DATA,
	       "NULL then SQL_NO_DATA");
	is_int(SQLGetData(st, 2, SQL_C_CHAR, part, sizeof(part), NULL), SQL_SUCCESS,
	       "back to column 2 starts over");
	is_str(part, ALPINE, "column 2 again");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

struct row {
	SQLINTEGER emp;
	SQLLEN emp_ind;
	char name[40];
	SQLLEN name_ind;
};

static void test_block_cursors(SQLHDBC dbc)
{
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	/* Row-wise binding, 8 rows per fetch, with an offset. */
	struct row rows[9];
	SQLUSMALLINT status[8];
	SQLULEN fetched = 0;
	SQLLEN offset = (SQLLEN)sizeof(struct row);
	SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)8, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)sizeof(struct row), 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROW_BIND_OFFSET_PTR, &offset, 0);
	SQLBindCol(st, 1, SQL_C_CHAR, rows[0].name, sizeof(rows[0].name), &rows[0].name_ind);
	SQLBindCol(st, 2, SQL_C_SLONG, &rows[0].emp, 0, &rows[0].emp_ind);
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"SELECT name, numberofemployees FROM account "
				     "ORDER BY name", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "row-wise block cursor select");
	int total = 0, same = 1, fetches = 0;
	while ((rc = SQLFetchScroll(st, SQL_FETCH_NEXT, 0)) == SQL_SUCCESS) {
		for (SQLULEN i = 0; i < fetched; i++) {
			same = same && strcmp(rows[i + 1].name, names[total]) == 0 &&
			       status[i] == SQL_ROW_SUCCESS;
			total++;
		}
		fetches++;
	}
	is_int(rc, SQL_NO_DATA, "block fetches end with SQL_NO_DATA");
	is_int(fetches, 3, "20 rows in blocks of 8: 3 fetches");
	is_int(total, 20, "20 rows row-wise");
	ok(same, "row-wise rows in order at the bind offset");
	/* The last block had 4 rows: the rest are SQL_ROW_NOROW (checked
	 * before the final SQL_NO_DATA fetch reset them). */
	is_int(status[0], SQL_ROW_NOROW, "status after the end");
	ok(rows[1].emp_ind == SQL_NULL_DATA || rows[1].emp_ind == sizeof(SQLINTEGER),
	   "integer indicator");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* Column-wise binding, 6 rows per fetch, into a tiny buffer: 01004 per row. */
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	char names6[6][8];
	SQLLEN ind6[6];
	SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)6, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0);
	SQLBindCol(st, 1, SQL_C_CHAR, names6, sizeof(names6[0]), ind6);
	rc = SQLExecDirect(st, (SQLCHAR *)"SELECT name FROM account ORDER BY name", SQL_NTS);
	rc = SQLFetch(st);
	is_int(rc, SQL_SUCCESS_WITH_INFO, "column-wise fetch with truncation");
	is_int(fetched, 6, "6 rows");
	is_str(names6[0], "Adventu", "row 1 truncated");
	is_str(names6[5], "City Po", "row 6 truncated");
	is_int(ind6[5], strlen("City Power LLC 7"), "row 6 full length");
	is_int(status[2], SQL_ROW_SUCCESS_WITH_INFO, "row status with info");
	SQLLEN rownum = 0;
	SQLINTEGER colnum = 0;
	SQLGetDiagField(SQL_HANDLE_STMT, st, 3, SQL_DIAG_ROW_NUMBER, &rownum, 0, NULL);
	SQLGetDiagField(SQL_HANDLE_STMT, st, 3, SQL_DIAG_COLUMN_NUMBER, &colnum, 0, NULL);
	is_int(rownum, 3, "third record is row 3");
	is_int(colnum, 1, "column 1");
	SQLINTEGER nrec = 0;
	SQLGetDiagField(SQL_HANDLE_STMT, st, 0, SQL_DIAG_NUMBER, &nrec, 0, NULL);
	is_int(nrec, 6, "one 01004 per row");
	char text[64] = "";
	SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_SQLSTATE, text, sizeof(text), NULL);
	is_str(text, "01004", "SQL_DIAG_SQLSTATE");
	SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_SUBCLASS_ORIGIN, text, sizeof(text),
			NULL);
	is_str(text, "ISO 9075", "SQL_DIAG_SUBCLASS_ORIGIN of 01004");
	SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_SERVER_NAME, text, sizeof(text), NULL);
	is_str(text, "dvtest", "SQL_DIAG_SERVER_NAME");
	SQLGetDiagField(SQL_HANDLE_STMT, st, 0, SQL_DIAG_DYNAMIC_FUNCTION, text, sizeof(text),
			NULL);
	if (DV_TEST_IODBC)
		skip_check("SQL_DIAG_DYNAMIC_FUNCTION", "iODBC 3.52 does not pass this header "
			   "field of the ANSI SQLGetDiagField to the driver");
	else
		is_str(text, "SELECT CURSOR", "SQL_DIAG_DYNAMIC_FUNCTION");
	is_int(SQLFetchScroll(st, SQL_FETCH_FIRST, 0), SQL_ERROR, "SQL_FETCH_FIRST");
	if (DV_TEST_IODBC)
		is_str(state_of(SQL_HANDLE_STMT, st), "S1010",
		       "forward-only: iODBC 3.52 refuses FETCH_FIRST itself, with S1010");
	else
		is_str(state_of(SQL_HANDLE_STMT, st), "HY106", "forward-only is HY106");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_params(SQLHDBC dbc)
{
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLRETURN rc = SQLPrepare(st, (SQLCHAR *)"SELECT name FROM account WHERE name LIKE ? "
				  "AND numberofemployees > ? ORDER BY name", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "prepare with markers");
	SQLSMALLINT np = 0;
	SQLNumParams(st, &np);
	is_int(np, 2, "two markers");
	SQLSMALLINT type = 0;
	SQLULEN size = 0;
	is_int(SQLDescribeParam(st, 1, &type, &size, NULL, NULL), SQL_SUCCESS, "describe param");
	is_int(type, SQL_WVARCHAR, "an unbound marker is a Unicode string");
	SQLSMALLINT ncols = 0;
	SQLNumResultCols(st, &ncols);
	is_int(ncols, 1, "columns known after prepare");
	rc = SQLExecute(st);
	is_int(rc, SQL_ERROR, "execute without parameters");
	is_str(state_of(SQL_HANDLE_STMT, st), "07002", "unbound parameter is 07002");
	char pat[16] = "A%";
	SQLLEN pat_ind = SQL_NTS;
	SQLINTEGER emp = 40000;
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_WVARCHAR, 160, 0, pat, 0,
			 &pat_ind);
	SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &emp, 0, NULL);
	rc = SQLExecute(st);
	rc_ok(rc, SQL_HANDLE_STMT, st, "execute with parameters");
	char *rows = fetch_all(st, 1);
	is_str(rows, "Alpine Ski GmbH 1\n", "parameter rows");
	free(rows);
	SQLCloseCursor(st);
	/* Re-execute with other values, a W string this time. */
	SQLWCHAR wpat[16];
	SQLLEN wind = SQL_NTS;
	to_w("%Ltd%", wpat, 16);
	emp = 0;
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_WCHAR, SQL_WVARCHAR, 160, 0, wpat, 0,
			 &wind);
	rc = SQLExecute(st);
	rc_ok(rc, SQL_HANDLE_STMT, st, "re-execute");
	rows = fetch_all(st, 1);
	is_str(rows, "Adventure Works Pty Ltd 17\nFabrikam Pty Ltd 6\nFourth Coffee Ltd 12\n"
		     "Proseware Ltd 15\nTrey Research Pty Ltd 20\n",
	       "W parameter rows");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);
	/* A parameter array on a SELECT (SQL_PAS_BATCH): the first set's rows,
	 * then SQLMoreResults runs the next set. */
	char pats[2][16] = {"A%", "F%"};
	SQLLEN pinds[2] = {SQL_NTS, SQL_NTS};
	SQLINTEGER emps[2] = {40000, 0};
	SQLUSMALLINT pst[2] = {99, 99};
	SQLULEN done = 0;
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_WVARCHAR, 160, 0, pats, 16,
			 pinds);
	SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, emps, 0, NULL);
	SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)2, 0);
	SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, pst, 0);
	SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, &done, 0);
	rc = SQLExecute(st);
	is_int(rc, SQL_SUCCESS, "SELECT with a parameter array");
	rows = fetch_all(st, 1);
	is_str(rows, "Alpine Ski GmbH 1\n", "first set's rows");
	free(rows);
	is_int((long)done, 1, "one set processed so far");
	is_int(pst[0], SQL_PARAM_SUCCESS, "set 1 succeeded");
	is_int(pst[1], SQL_PARAM_UNUSED, "set 2 not run yet");
	is_int(SQLMoreResults(st), SQL_SUCCESS, "SQLMoreResults: the second set");
	rows = fetch_all(st, 1);
	is_str(rows, "Fabrikam Pty Ltd 6\nFourth Coffee Ltd 12\nFourth Coffee Systems 4\n",
	       "second set's rows");
	free(rows);
	is_int((long)done, 2, "two sets processed");
	is_int(pst[1], SQL_PARAM_SUCCESS, "set 2 succeeded");
	is_int(SQLMoreResults(st), SQL_NO_DATA, "no third result");
	SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1, 0);
	SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, NULL, 0);
	SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, NULL, 0);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* The string arguments of SQLSetConnectAttrW and SQLSetDescFieldW are
 * counted in bytes: a length of 5 characters' bytes takes 5 characters. */
static void test_wide_byte_lengths(SQLHDBC dbc)
{
	SQLWCHAR in[16], out[32];
	char got[32];
	SQLINTEGER len = -1;
	to_w("catalogxyz", in, 16);
	SQLRETURN rc = SQLSetConnectAttrW(dbc, SQL_ATTR_CURRENT_CATALOG, in,
					  5 * (SQLINTEGER)sizeof(SQLWCHAR));
	is_int(rc, SQL_SUCCESS, "SQLSetConnectAttrW(CURRENT_CATALOG, 5 characters' bytes)");
	rc = SQLGetConnectAttrW(dbc, SQL_ATTR_CURRENT_CATALOG, out, sizeof(out), &len);
	is_int(rc, SQL_SUCCESS, "SQLGetConnectAttrW(CURRENT_CATALOG)");
	is_str(from_w(out, got, sizeof(got)), "catal", "the catalog is its first 5 characters");

	SQLHSTMT st;
	SQLHDESC ipd;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLGetStmtAttr(st, SQL_ATTR_IMP_PARAM_DESC, &ipd, 0, NULL);
	to_w("parnamexyz", in, 16);
	rc = SQLSetDescFieldW(ipd, 1, SQL_DESC_NAME, in, 7 * (SQLINTEGER)sizeof(SQLWCHAR));
	is_int(rc, SQL_SUCCESS, "SQLSetDescFieldW(IPD NAME, 7 characters' bytes)");
	rc = SQLGetDescFieldW(ipd, 1, SQL_DESC_NAME, out, sizeof(out), &len);
	is_int(rc, SQL_SUCCESS, "SQLGetDescFieldW(IPD NAME)");
	is_str(from_w(out, got, sizeof(got)), "parname", "the name is its first 7 characters");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_wide_and_errors(SQLHDBC dbc)
{
	SQLHSTMT st;
	SQLWCHAR sql[128];
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLRETURN rc = SQLExecDirectW(st, to_w("SELECT name FROM account WHERE name = '" ALPINE
					       "'", sql, 128), SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLExecDirectW");
	SQLWCHAR w[64];
	char got[64];
	SQLLEN ind;
	SQLFetch(st);
	rc = SQLGetData(st, 1, SQL_C_WCHAR, w, sizeof(w), &ind);
	is_int(rc, SQL_SUCCESS, "SQLGetData WCHAR");
	is_str(from_w(w, got, sizeof(got)), ALPINE, "WCHAR value");
	is_int(ind, sizeof(SQLWCHAR) * strlen(ALPINE), "WCHAR length in bytes");
	SQLCloseCursor(st);

	struct {
		const char *sql, *state;
	} bad[] = {
		{"SELECT * FROM nosuchtable", "42S02"},
		{"SELECT nosuchcolumn FROM account", "42S22"},
		{"SELEC name FROM account", "42000"},
		{"SELECT {fn nosuchfn(1)} FROM account", "42000"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = SQLExecDirect(st, (SQLCHAR *)bad[i].sql, SQL_NTS);
		is_int(rc, SQL_ERROR, "%s fails", bad[i].sql);
		char state[6], msg[512];
		diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
		is_str(state, bad[i].state, "%s state", bad[i].sql);
		ok(strncmp(msg, "[dvodbc]", 8) == 0, "message prefix (%s)", msg);
		/* 36 bytes, not 32: iODBC 3.52 hands an ANSI SQLGetDiagField's
		 * byte count unchanged to the driver's SQLGetDiagFieldW, so only
		 * BufferLength / sizeof(SQLWCHAR) - 1 characters come back */
		SQLCHAR origin[36];
		SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_CLASS_ORIGIN, origin,
				sizeof(origin), NULL);
		is_str((char *)origin, "ISO 9075", "class origin");
	}
	SQLWCHAR wstate[6], wmsg[256];
	SQLINTEGER native;
	SQLSMALLINT mlen;
	rc = SQLExecDirectW(st, to_w("SELECT * FROM nosuchtable", sql, 128), SQL_NTS);
	rc = SQLGetDiagRecW(SQL_HANDLE_STMT, st, 1, wstate, &native, wmsg, 256, &mlen);
	is_int(rc, SQL_SUCCESS, "SQLGetDiagRecW");
	is_str(from_w(wstate, got, sizeof(got)), "42S02", "W state");

	/* Attributes. */
	rc = SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_KEYSET_DRIVEN, 0);
	is_int(rc, SQL_SUCCESS_WITH_INFO, "keyset-driven cursor requested");
	is_str(state_of(SQL_HANDLE_STMT, st), "01S02", "cursor type changed");
	SQLULEN v = 99;
	SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &v, 0, NULL);
	is_int(v, SQL_CURSOR_STATIC, "static instead (test_odbc_scroll tests those)");
	SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_FORWARD_ONLY, 0);
	SQLGetStmtAttr(st, SQL_ATTR_CONCURRENCY, &v, 0, NULL);
	is_int(v, SQL_CONCUR_READ_ONLY, "read-only concurrency");
	SQLSetStmtAttr(st, SQL_ATTR_MAX_ROWS, (SQLPOINTER)3, 0);
	rc = SQLExecDirect(st, (SQLCHAR *)"SELECT name FROM account ORDER BY name", SQL_NTS);
	char *rows = fetch_all(st, 1);
	is_str(rows, "Adventure Works Pty Ltd 17\nAlpine Ski GmbH 1\nAlpine Ski Pty Ltd 5\n",
	       "MAX_ROWS 3");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);
	SQLSetStmtAttr(st, SQL_ATTR_MAX_ROWS, (SQLPOINTER)0, 0);

	char cname[64];
	SQLSMALLINT clen;
	SQLRETURN crc = SQLGetCursorName(st, (SQLCHAR *)cname, sizeof(cname), &clen);
	if (DV_TEST_IODBC) /* iODBC answers before any name was set, without the driver */
		ok(crc == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "S1015") == 0,
		   "no generated cursor name through iODBC 3.52: its own S1015");
	else
		ok(SQL_SUCCEEDED(crc) && strncmp(cname, "SQL_CUR", 7) == 0,
		   "generated cursor name (%s)", cname);
	is_int(SQLSetCursorName(st, (SQLCHAR *)"mycursor", SQL_NTS), SQL_SUCCESS, "set name");
	SQLGetCursorName(st, (SQLCHAR *)cname, sizeof(cname), &clen);
	is_str(cname, "mycursor", "cursor name read back");

	char native_sql[1024];
	SQLINTEGER nlen = 0;
	rc = SQLNativeSql(dbc, (SQLCHAR *)"SELECT name FROM account WHERE statecode = 0",
			  SQL_NTS, (SQLCHAR *)native_sql, sizeof(native_sql), &nlen);
	rc_ok(rc, SQL_HANDLE_DBC, dbc, "SQLNativeSql");
	char want[512];
	snprintf(want, sizeof(want), "GET %s/api/data/v9.2/accounts?$select=accountid,name,"
		 "statecode&$filter=statecode eq 0", emu_url);
	is_str(native_sql, want, "SQLNativeSql shows the OData request");
	is_int(nlen, strlen(want), "SQLNativeSql length");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_descriptors(SQLHDBC dbc)
{
	SQLHSTMT st;
	SQLHDESC ard, ird, mine;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLGetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, &ard, 0, NULL);
	SQLGetStmtAttr(st, SQL_ATTR_IMP_ROW_DESC, &ird, 0, NULL);
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"SELECT name, numberofemployees FROM account "
				     "WHERE name = '" ALPINE "'", SQL_NTS);
	SQLSMALLINT count = 0;
	SQLGetDescField(ird, 0, SQL_DESC_COUNT, &count, 0, NULL);
	is_int(count, 2, "IRD count");
	char name[64];
	SQLSMALLINT type = 0, nlen = 0, nullable = 0, prec = 0, scale = 0, sub = 0;
	SQLLEN len = 0;
	rc = SQLGetDescRec(ird, 2, (SQLCHAR *)name, sizeof(name), &nlen, &type, &sub, &len,
			   &prec, &scale, &nullable);
	is_int(rc, SQL_SUCCESS, "SQLGetDescRec on the IRD");
	is_str(name, "numberofemployees", "IRD record name");
	is_int(type, SQL_INTEGER, "IRD record type");
	rc = SQLSetDescField(ird, 1, SQL_DESC_NAME, "x", SQL_NTS);
	is_int(rc, SQL_ERROR, "IRD is read-only");
	is_str(state_of(SQL_HANDLE_DESC, ird), "HY016", "IRD write is HY016");

	/* Bind through the ARD with SQLSetDescField (type then data pointer). */
	SQLINTEGER emp = 0;
	SQLLEN ind = 0;
	SQLSetDescField(ard, 2, SQL_DESC_TYPE, (SQLPOINTER)SQL_C_SLONG, 0);
	SQLSetDescField(ard, 2, SQL_DESC_INDICATOR_PTR, &ind, 0);
	SQLSetDescField(ard, 2, SQL_DESC_OCTET_LENGTH_PTR, &ind, 0);
	SQLSetDescField(ard, 2, SQL_DESC_DATA_PTR, &emp, 0);
	rc = SQLFetch(st);
	is_int(rc, SQL_SUCCESS, "fetch through ARD fields");
	is_int(emp, 47955, "value through the ARD");
	SQLCloseCursor(st);

	/* An explicit descriptor as the ARD. */
	SQLAllocHandle(SQL_HANDLE_DESC, dbc, &mine);
	char buf[64];
	SQLLEN bind = 0;
	SQLSetDescRec(mine, 1, SQL_C_CHAR, 0, sizeof(buf), 0, 0, buf, &bind, &bind);
	rc = SQLSetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, mine, 0);
	is_int(rc, SQL_SUCCESS, "explicit ARD");
	rc = SQLExecDirect(st, (SQLCHAR *)"SELECT name FROM account WHERE name = '" ALPINE "'",
			   SQL_NTS);
	rc = SQLFetch(st);
	is_int(rc, SQL_SUCCESS, "fetch through the explicit ARD");
	is_str(buf, ALPINE, "value through the explicit ARD");
	SQLHDESC copy;
	SQLAllocHandle(SQL_HANDLE_DESC, dbc, &copy);
	is_int(SQLCopyDesc(ird, copy), SQL_SUCCESS, "SQLCopyDesc from the IRD");
	SQLGetDescField(copy, 0, SQL_DESC_COUNT, &count, 0, NULL);
	is_int(count, 1, "copied count");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLFreeHandle(SQL_HANDLE_DESC, mine);
	SQLFreeHandle(SQL_HANDLE_DESC, copy);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *cancel_later(void *st)
{
	struct timespec pause = {0, 300 * 1000 * 1000};
	nanosleep(&pause, NULL);
	SQLCancel((SQLHSTMT)st);
	return NULL;
}

/* SQLCancel from another thread stops a statement waiting for the service
 * (HY008); SQL_ATTR_QUERY_TIMEOUT stops it with HYT00. */
static void test_cancel_and_timeout(struct emu *e, SQLHDBC dbc)
{
	SQLHSTMT st;
	pthread_t th;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	emu_fault(e, "{\"count\":1,\"kind\":\"delay\",\"ms\":4000,\"match\":\"accounts\"}");
	double t0 = now();
	pthread_create(&th, NULL, cancel_later, st);
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"SELECT name FROM account", SQL_NTS);
	double took = now() - t0;
	pthread_join(th, NULL);
	is_int(rc, SQL_ERROR, "cancelled statement fails");
	is_str(state_of(SQL_HANDLE_STMT, st), "HY008", "cancel is HY008");
	ok(took < 3.0, "cancel took %.1f s, not the 4 s delay", took);
	rc = SQLExecDirect(st, (SQLCHAR *)"SELECT count(*) FROM account", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "the statement runs again after a cancel");
	SQLFreeStmt(st, SQL_CLOSE);

	emu_fault(e, "{\"count\":1,\"kind\":\"delay\",\"ms\":4000,\"match\":\"accounts\"}");
	SQLSetStmtAttr(st, SQL_ATTR_QUERY_TIMEOUT, (SQLPOINTER)1, 0);
	t0 = now();
	rc = SQLExecDirect(st, (SQLCHAR *)"SELECT name FROM account", SQL_NTS);
	took = now() - t0;
	is_int(rc, SQL_ERROR, "query timeout fails");
	is_str(state_of(SQL_HANDLE_STMT, st), "HYT00", "query timeout is HYT00");
	ok(took < 3.5, "timeout took %.1f s", took);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	emu_reset(e);
}

int main(void)
{
	struct emu e;
	start_emulator(&e, "--rows 20 --seed 1", NULL);
	emu_url = e.url;
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn(env);
	test_select_names(dbc);
	test_describe(dbc);
	test_conversions(dbc);
	test_getdata_parts(dbc);
	test_block_cursors(dbc);
	test_params(dbc);
	test_wide_and_errors(dbc);
	test_wide_byte_lengths(dbc);
	test_descriptors(dbc);
	test_cancel_and_timeout(&e, dbc);
	disconnect(env, dbc);
	emu_stop(&e);
	return tap_done();
}
