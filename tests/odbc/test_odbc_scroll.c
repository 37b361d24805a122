/* test_odbc_scroll.c - static (scrollable) cursors through unixODBC against
 * the emulator: every SQLFetchScroll orientation with the rows expected
 * (single rows and rowsets of 5, the before-start / after-end rules, 01S06),
 * negative ABSOLUTE, RELATIVE past the end, bookmarks (SQL_C_VARBOOKMARK and
 * SQL_C_BOOKMARK, SQL_FETCH_BOOKMARK), SQLExtendedFetch in an ODBC 2
 * environment, SQLSetPos (POSITION then SQLGetData, REFRESH, UPDATE and
 * DELETE through the entity: the PATCH and DELETE the emulator received and
 * its data after), SQLRowCount and SQL_ATTR_ROW_NUMBER, the SQLGetInfo
 * cursor values, KEYSET_DRIVEN -> static with 01S02, HY106 on a forward-only
 * cursor, SQL_ATTR_MAX_LENGTH, and that with SQL_CUR_USE_IF_NEEDED (PHP
 * PDO_ODBC's default) unixODBC does not load its cursor library: every
 * SQLGetData of long text and of a prepared statement with a parameter
 * returns the right value. */
#include "odbc_test.h"

static struct emu emu;

/* the 20 accounts by name */
static const char *const names[] = EMU20_ACCOUNT_NAMES;
#define NNAMES 20
#define BY_NAME "SELECT name FROM account ORDER BY name"

static SQLHSTMT new_stmt(SQLHDBC dbc)
{
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	return st;
}

/* A static cursor over sql with rowsets of `size` rows. */
static SQLHSTMT open_static(SQLHDBC dbc, const char *sql, SQLULEN size)
{
	SQLHSTMT st = new_stmt(dbc);
	SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)(uintptr_t)size, 0);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, st, sql);
	return st;
}

static SQLULEN row_number(SQLHSTMT st)
{
	SQLULEN n = 12345;
	SQLGetStmtAttr(st, SQL_ATTR_ROW_NUMBER, &n, 0, NULL);
	return n;
}

/* ---- SQLGetInfo and SQLGetFunctions ---------------------------------------- */

static SQLUINTEGER info32(SQLHDBC dbc, SQLUSMALLINT type)
{
	SQLUINTEGER v = 0xdeadbeef;
	SQLGetInfo(dbc, type, &v, sizeof(v), NULL);
	return v;
}

static void test_info(SQLHDBC dbc)
{
	is_int(info32(dbc, SQL_STATIC_CURSOR_ATTRIBUTES1),
	       SQL_CA1_NEXT | SQL_CA1_ABSOLUTE | SQL_CA1_RELATIVE | SQL_CA1_BOOKMARK |
		       SQL_CA1_LOCK_NO_CHANGE | SQL_CA1_POS_POSITION | SQL_CA1_POS_UPDATE |
		       SQL_CA1_POS_DELETE | SQL_CA1_POS_REFRESH,
	       "STATIC_CURSOR_ATTRIBUTES1: every orientation, bookmarks, SQLSetPos");
	is_int(info32(dbc, SQL_STATIC_CURSOR_ATTRIBUTES2),
	       SQL_CA2_READ_ONLY_CONCURRENCY | SQL_CA2_LOCK_CONCURRENCY |
		       SQL_CA2_SENSITIVITY_DELETIONS | SQL_CA2_SENSITIVITY_UPDATES |
		       SQL_CA2_MAX_ROWS_SELECT,
	       "STATIC_CURSOR_ATTRIBUTES2");
	is_int(info32(dbc, SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1), SQL_CA1_NEXT,
	       "FORWARD_ONLY_CURSOR_ATTRIBUTES1: NEXT");
	is_int(info32(dbc, SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2),
	       SQL_CA2_READ_ONLY_CONCURRENCY | SQL_CA2_MAX_ROWS_SELECT,
	       "FORWARD_ONLY_CURSOR_ATTRIBUTES2");
	is_int(info32(dbc, SQL_KEYSET_CURSOR_ATTRIBUTES1), 0, "no keyset-driven cursors");
	is_int(info32(dbc, SQL_DYNAMIC_CURSOR_ATTRIBUTES1), 0, "no dynamic cursors");
	is_int(info32(dbc, SQL_SCROLL_OPTIONS), SQL_SO_FORWARD_ONLY | SQL_SO_STATIC,
	       "SCROLL_OPTIONS: forward-only and static");
	is_int(info32(dbc, SQL_FETCH_DIRECTION),
	       SQL_FD_FETCH_NEXT | SQL_FD_FETCH_FIRST | SQL_FD_FETCH_LAST | SQL_FD_FETCH_PRIOR |
		       SQL_FD_FETCH_ABSOLUTE | SQL_FD_FETCH_RELATIVE | SQL_FD_FETCH_BOOKMARK,
	       "FETCH_DIRECTION");
	is_int(info32(dbc, SQL_POS_OPERATIONS),
	       SQL_POS_POSITION | SQL_POS_REFRESH | SQL_POS_UPDATE | SQL_POS_DELETE,
	       "POS_OPERATIONS");
	is_int(info32(dbc, SQL_BOOKMARK_PERSISTENCE),
	       SQL_BP_DELETE | SQL_BP_SCROLL | SQL_BP_TRANSACTION | SQL_BP_UPDATE,
	       "BOOKMARK_PERSISTENCE");
	is_int(info32(dbc, SQL_SCROLL_CONCURRENCY), SQL_SCCO_READ_ONLY | SQL_SCCO_LOCK,
	       "SCROLL_CONCURRENCY");
	is_int(info32(dbc, SQL_STATIC_SENSITIVITY), SQL_SS_DELETIONS | SQL_SS_UPDATES,
	       "STATIC_SENSITIVITY: its own updates and deletions");
	is_int(info32(dbc, SQL_GETDATA_EXTENSIONS),
	       SQL_GD_ANY_COLUMN | SQL_GD_ANY_ORDER | SQL_GD_BOUND | SQL_GD_BLOCK,
	       "GETDATA_EXTENSIONS");
	is_int(info32(dbc, SQL_LOCK_TYPES), SQL_LCK_NO_CHANGE, "LOCK_TYPES");
	SQLUSMALLINT f = 0;
	SQLGetFunctions(dbc, SQL_API_SQLFETCHSCROLL, &f);
	is_int(f, SQL_TRUE, "SQLGetFunctions: SQLFetchScroll");
	SQLGetFunctions(dbc, SQL_API_SQLEXTENDEDFETCH, &f);
	is_int(f, SQL_TRUE, "SQLGetFunctions: SQLExtendedFetch");
	SQLGetFunctions(dbc, SQL_API_SQLSETPOS, &f);
	is_int(f, SQL_TRUE, "SQLGetFunctions: SQLSetPos");
	SQLGetFunctions(dbc, SQL_API_SQLBULKOPERATIONS, &f);
	is_int(f, SQL_FALSE, "SQLGetFunctions: no SQLBulkOperations");
}

/* ---- attributes ------------------------------------------------------------ */

static void test_attributes(SQLHDBC dbc)
{
	SQLHSTMT st = new_stmt(dbc);
	SQLULEN v = 0;
	SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &v, 0, NULL);
	is_int(v, SQL_CURSOR_FORWARD_ONLY, "forward-only by default");
	SQLRETURN rc = SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE,
				      (SQLPOINTER)SQL_CURSOR_KEYSET_DRIVEN, 0);
	is_int(rc, SQL_SUCCESS_WITH_INFO, "KEYSET_DRIVEN is accepted with a warning");
	is_str(state_of(SQL_HANDLE_STMT, st), "01S02", "KEYSET_DRIVEN: 01S02");
	SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &v, 0, NULL);
	is_int(v, SQL_CURSOR_STATIC, "KEYSET_DRIVEN became STATIC");
	SQLGetStmtAttr(st, SQL_ATTR_CURSOR_SCROLLABLE, &v, 0, NULL);
	is_int(v, SQL_SCROLLABLE, "a static cursor is scrollable");
	rc = SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_DYNAMIC, 0);
	is_int(rc, SQL_SUCCESS_WITH_INFO, "DYNAMIC is accepted with a warning");
	is_str(state_of(SQL_HANDLE_STMT, st), "01S02", "DYNAMIC: 01S02");
	SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_FORWARD_ONLY, 0);
	rc = SQLSetStmtAttr(st, SQL_ATTR_CURSOR_SCROLLABLE, (SQLPOINTER)SQL_SCROLLABLE, 0);
	is_int(rc, SQL_SUCCESS, "SQL_SCROLLABLE");
	SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &v, 0, NULL);
	is_int(v, SQL_CURSOR_STATIC, "SQL_SCROLLABLE means a static cursor");
	SQLGetStmtAttr(st, SQL_ATTR_CONCURRENCY, &v, 0, NULL);
	is_int(v, SQL_CONCUR_READ_ONLY, "read-only concurrency by default");
	rc = SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_LOCK, 0);
	is_int(rc, SQL_SUCCESS, "CONCUR_LOCK");
	rc = SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_VALUES, 0);
	is_int(rc, SQL_SUCCESS_WITH_INFO, "CONCUR_VALUES is accepted with a warning");
	is_str(state_of(SQL_HANDLE_STMT, st), "01S02", "CONCUR_VALUES: 01S02");
	SQLGetStmtAttr(st, SQL_ATTR_CONCURRENCY, &v, 0, NULL);
	is_int(v, SQL_CONCUR_LOCK, "CONCUR_VALUES became CONCUR_LOCK");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* Forward-only: only NEXT. */
	st = new_stmt(dbc);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)BY_NAME, SQL_NTS), SQL_HANDLE_STMT, st, BY_NAME);
	char buf[64];
	SQLLEN ind;
	SQLBindCol(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	is_int(SQLFetchScroll(st, SQL_FETCH_NEXT, 0), SQL_SUCCESS, "forward-only: NEXT");
	is_str(buf, names[0], "forward-only: row 1");
	is_int(SQLFetchScroll(st, SQL_FETCH_PRIOR, 0), SQL_ERROR, "forward-only: PRIOR fails");
	is_str(state_of(SQL_HANDLE_STMT, st), "HY106", "forward-only: PRIOR is HY106");
	is_int(SQLFetchScroll(st, SQL_FETCH_FIRST, 0), SQL_ERROR, "forward-only: FIRST fails");
	is_str(state_of(SQL_HANDLE_STMT, st), "HY106", "forward-only: FIRST is HY106");
	is_int(SQLFetchScroll(st, SQL_FETCH_NEXT, 0), SQL_SUCCESS, "forward-only: NEXT again");
	is_str(buf, names[1], "forward-only: row 2, streaming goes on");
	SQLLEN n = 0;
	SQLRowCount(st, &n);
	is_int(n, -1, "forward-only SELECT: SQLRowCount -1");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* ---- one row at a time ----------------------------------------------------- */

struct one {
	SQLHSTMT st;
	char buf[64];
	SQLLEN ind;
};

/* Fetches and checks: want_row is the 0-based index in names, or -1 for
 * SQL_NO_DATA. */
static void step(struct one *o, SQLSMALLINT orient, SQLLEN off, int want_row, const char *what)
{
	strcpy(o->buf, "untouched");
	SQLRETURN rc = SQLFetchScroll(o->st, orient, off);
	if (want_row < 0) {
		is_int(rc, SQL_NO_DATA, "%s: SQL_NO_DATA", what);
		return;
	}
	is_int(rc, SQL_SUCCESS, "%s: SQL_SUCCESS", what);
	is_str(o->buf, names[want_row], "%s: row %d", what, want_row + 1);
	is_int(row_number(o->st), want_row + 1, "%s: SQL_ATTR_ROW_NUMBER", what);
}

static void test_single_rows(SQLHDBC dbc)
{
	struct one o;
	o.st = open_static(dbc, BY_NAME, 1);
	SQLBindCol(o.st, 1, SQL_C_CHAR, o.buf, sizeof(o.buf), &o.ind);
	step(&o, SQL_FETCH_NEXT, 0, 0, "NEXT from the start");
	step(&o, SQL_FETCH_NEXT, 0, 1, "NEXT");
	step(&o, SQL_FETCH_PRIOR, 0, 0, "PRIOR");
	step(&o, SQL_FETCH_PRIOR, 0, -1, "PRIOR from row 1 (before start)");
	step(&o, SQL_FETCH_PRIOR, 0, -1, "PRIOR before start stays there");
	step(&o, SQL_FETCH_NEXT, 0, 0, "NEXT from before start");
	step(&o, SQL_FETCH_LAST, 0, 19, "LAST");
	step(&o, SQL_FETCH_NEXT, 0, -1, "NEXT from the last row (after end)");
	step(&o, SQL_FETCH_NEXT, 0, -1, "NEXT after end stays there");
	step(&o, SQL_FETCH_PRIOR, 0, 19, "PRIOR from after end");
	step(&o, SQL_FETCH_FIRST, 0, 0, "FIRST");
	step(&o, SQL_FETCH_ABSOLUTE, 5, 4, "ABSOLUTE 5");
	step(&o, SQL_FETCH_ABSOLUTE, -1, 19, "ABSOLUTE -1");
	step(&o, SQL_FETCH_ABSOLUTE, -20, 0, "ABSOLUTE -20");
	step(&o, SQL_FETCH_ABSOLUTE, -3, 17, "ABSOLUTE -3");
	step(&o, SQL_FETCH_ABSOLUTE, -21, -1, "ABSOLUTE -21 (before start)");
	step(&o, SQL_FETCH_RELATIVE, 3, 2, "RELATIVE 3 from before start (= ABSOLUTE 3)");
	step(&o, SQL_FETCH_RELATIVE, 4, 6, "RELATIVE 4");
	step(&o, SQL_FETCH_RELATIVE, -2, 4, "RELATIVE -2");
	step(&o, SQL_FETCH_RELATIVE, 0, 4, "RELATIVE 0 (the same row)");
	step(&o, SQL_FETCH_RELATIVE, 30, -1, "RELATIVE 30 (past the end)");
	step(&o, SQL_FETCH_RELATIVE, 2, -1, "RELATIVE 2 after end stays there");
	step(&o, SQL_FETCH_RELATIVE, -2, 18, "RELATIVE -2 from after end (= ABSOLUTE -2)");
	step(&o, SQL_FETCH_RELATIVE, -30, -1, "RELATIVE -30 (before start)");
	step(&o, SQL_FETCH_ABSOLUTE, 0, -1, "ABSOLUTE 0 (before start)");
	step(&o, SQL_FETCH_ABSOLUTE, 21, -1, "ABSOLUTE 21 (after end)");
	step(&o, SQL_FETCH_ABSOLUTE, 20, 19, "ABSOLUTE 20");
	is_int(SQLFetchScroll(o.st, 99, 0), SQL_ERROR, "orientation 99");
	/* iODBC 3.52 refuses an orientation it does not know before calling the
	 * driver, with its own HY092 (seen through tools/check --iodbc). */
	is_str(state_of(SQL_HANDLE_STMT, o.st), DV_TEST_IODBC ? "HY092" : "HY106",
	       "orientation 99 is HY106 (HY092 from iODBC itself)");
	SQLLEN n = 0;
	is_int(SQLRowCount(o.st, &n), SQL_SUCCESS, "SQLRowCount of a static cursor");
	is_int(n, NNAMES, "SQLRowCount: 20 rows");
	SQLFreeHandle(SQL_HANDLE_STMT, o.st);

	/* SQLRowCount before any fetch, and of a smaller result. */
	SQLHSTMT st = open_static(dbc, "SELECT name FROM account WHERE name LIKE 'Lamna%' "
				 "ORDER BY name", 1);
	n = 0;
	SQLRowCount(st, &n);
	is_int(n, 2, "SQLRowCount right after executing: 2 rows");
	char buf[64];
	SQLLEN ind;
	is_int(SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_ERROR,
	       "SQLGetData before any fetch");
	is_str(state_of(SQL_HANDLE_STMT, st), "24000", "SQLGetData before a fetch: 24000");
	is_int(SQLFetchScroll(st, SQL_FETCH_LAST, 0), SQL_SUCCESS, "LAST of 2");
	is_int(SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_SUCCESS,
	       "SQLGetData on a static cursor");
	is_str(buf, "Lamna LLC 10", "the last of the two");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* An empty result. */
	st = open_static(dbc, "SELECT name FROM account WHERE name = 'nobody'", 1);
	is_int(SQLFetchScroll(st, SQL_FETCH_LAST, 0), SQL_NO_DATA, "LAST of nothing");
	is_int(SQLFetchScroll(st, SQL_FETCH_FIRST, 0), SQL_NO_DATA, "FIRST of nothing");
	SQLRowCount(st, &n);
	is_int(n, 0, "SQLRowCount of nothing: 0");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* A catalog result and SQL_ATTR_MAX_ROWS on static cursors. */
static void test_catalog_and_max_rows(SQLHDBC dbc)
{
	SQLHSTMT st = new_stmt(dbc);
	SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0);
	SQLRETURN rc = SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS,
				  (SQLCHAR *)"name", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLColumns on a static cursor");
	char col[64], first[64];
	SQLLEN ind, n = 0;
	SQLRowCount(st, &n);
	is_int(n, 1, "SQLColumns(account, name): SQLRowCount 1");
	is_int(SQLFetchScroll(st, SQL_FETCH_LAST, 0), SQL_SUCCESS, "LAST of a catalog result");
	SQLGetData(st, 4, SQL_C_CHAR, col, sizeof(col), &ind);
	is_str(col, "name", "its COLUMN_NAME");
	is_int(SQLFetchScroll(st, SQL_FETCH_PRIOR, 0), SQL_NO_DATA, "PRIOR: before start");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	st = new_stmt(dbc);
	SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0);
	SQLSetStmtAttr(st, SQL_ATTR_MAX_ROWS, (SQLPOINTER)4, 0);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)BY_NAME, SQL_NTS), SQL_HANDLE_STMT, st, BY_NAME);
	SQLRowCount(st, &n);
	is_int(n, 4, "SQL_ATTR_MAX_ROWS 4: SQLRowCount 4");
	is_int(SQLFetchScroll(st, SQL_FETCH_LAST, 0), SQL_SUCCESS, "LAST with MAX_ROWS 4");
	SQLGetData(st, 1, SQL_C_CHAR, first, sizeof(first), &ind);
	is_str(first, names[3], "the last row is row 4");
	is_int(SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, 5), SQL_NO_DATA, "ABSOLUTE 5: after end");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* ---- rowsets --------------------------------------------------------------- */

struct block {
	SQLHSTMT st;
	char buf[5][64];
	SQLLEN ind[5];
	SQLUSMALLINT status[5];
	SQLULEN fetched;
};

/* Checks the rowset: rows first..first+n-1 (1-based), then NOROW. */
static void rowset_is(struct block *b, SQLRETURN rc, SQLRETURN want_rc, int first, int n,
		      const char *what)
{
	is_int(rc, want_rc, "%s: return code", what);
	is_int(b->fetched, n, "%s: %d rows fetched", what, n);
	int same = 1;
	for (int i = 0; i < 5; i++) {
		if (i < n)
			same = same && strcmp(b->buf[i], names[first - 1 + i]) == 0 &&
			       b->status[i] == SQL_ROW_SUCCESS;
		else
			same = same && b->status[i] == SQL_ROW_NOROW;
	}
	ok(same, "%s: rows %d..%d and their statuses", what, first, first + n - 1);
	if (n > 0)
		is_int(row_number(b->st), first, "%s: the current row is the first", what);
}

static void test_rowsets(SQLHDBC dbc)
{
	struct block b;
	b.st = open_static(dbc, BY_NAME, 5);
	SQLSetStmtAttr(b.st, SQL_ATTR_ROW_STATUS_PTR, b.status, 0);
	SQLSetStmtAttr(b.st, SQL_ATTR_ROWS_FETCHED_PTR, &b.fetched, 0);
	SQLBindCol(b.st, 1, SQL_C_CHAR, b.buf, sizeof(b.buf[0]), b.ind);
	SQLRETURN rc = SQLFetchScroll(b.st, SQL_FETCH_NEXT, 0);
	rowset_is(&b, rc, SQL_SUCCESS, 1, 5, "NEXT (rows 1-5)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_NEXT, 0);
	rowset_is(&b, rc, SQL_SUCCESS, 6, 5, "NEXT (rows 6-10)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_LAST, 0);
	rowset_is(&b, rc, SQL_SUCCESS, 16, 5, "LAST (rows 16-20)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_PRIOR, 0);
	rowset_is(&b, rc, SQL_SUCCESS, 11, 5, "PRIOR (rows 11-15)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_ABSOLUTE, 18);
	rowset_is(&b, rc, SQL_SUCCESS, 18, 3, "ABSOLUTE 18 (a partial rowset: 18-20)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_NEXT, 0);
	is_int(rc, SQL_NO_DATA, "NEXT after a partial last rowset");
	is_int(b.fetched, 0, "NEXT after the end: 0 rows fetched");
	rc = SQLFetchScroll(b.st, SQL_FETCH_ABSOLUTE, 3);
	rowset_is(&b, rc, SQL_SUCCESS, 3, 5, "ABSOLUTE 3 (rows 3-7)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_PRIOR, 0);
	is_str(state_of(SQL_HANDLE_STMT, b.st), "01S06", "PRIOR from row 3: 01S06");
	rowset_is(&b, rc, SQL_SUCCESS_WITH_INFO, 1, 5, "PRIOR from row 3 (rows 1-5)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_RELATIVE, 7);
	rowset_is(&b, rc, SQL_SUCCESS, 8, 5, "RELATIVE 7 (rows 8-12)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_RELATIVE, -9);
	is_int(rc, SQL_NO_DATA, "RELATIVE -9 from 8: before start (more than a rowset back)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_ABSOLUTE, 3);
	rowset_is(&b, rc, SQL_SUCCESS, 3, 5, "ABSOLUTE 3 again");
	rc = SQLFetchScroll(b.st, SQL_FETCH_RELATIVE, -4);
	is_str(state_of(SQL_HANDLE_STMT, b.st), "01S06", "RELATIVE -4 from 3: 01S06");
	rowset_is(&b, rc, SQL_SUCCESS_WITH_INFO, 1, 5, "RELATIVE -4 from 3 (rows 1-5)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_RELATIVE, 9);
	rowset_is(&b, rc, SQL_SUCCESS, 10, 5, "RELATIVE 9 (rows 10-14)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_RELATIVE, -15);
	is_int(rc, SQL_NO_DATA, "RELATIVE -15 from 10 (before start: more than a rowset)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_ABSOLUTE, -2);
	rowset_is(&b, rc, SQL_SUCCESS, 19, 2, "ABSOLUTE -2 (rows 19-20)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_ABSOLUTE, -22);
	is_int(rc, SQL_NO_DATA, "ABSOLUTE -22 (before start)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_RELATIVE, 25);
	is_int(rc, SQL_NO_DATA, "RELATIVE 25 from before start (= ABSOLUTE 25: after end)");
	rc = SQLFetchScroll(b.st, SQL_FETCH_PRIOR, 0);
	rowset_is(&b, rc, SQL_SUCCESS, 16, 5, "PRIOR from after end (rows 16-20)");

	/* SQLSetPos(SQL_POSITION) then SQLGetData on that row of the block. */
	rc = SQLFetchScroll(b.st, SQL_FETCH_ABSOLUTE, 6);
	rowset_is(&b, rc, SQL_SUCCESS, 6, 5, "ABSOLUTE 6 (rows 6-10)");
	char buf[64];
	SQLLEN ind = 0;
	is_int(SQLSetPos(b.st, 3, SQL_POSITION, SQL_LOCK_NO_CHANGE), SQL_SUCCESS,
	       "SQLSetPos(3, SQL_POSITION)");
	is_int(row_number(b.st), 8, "SQL_ATTR_ROW_NUMBER after positioning on row 3: 8");
	is_int(SQLGetData(b.st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_SUCCESS,
	       "SQLGetData on row 3 of the block");
	is_str(buf, names[7], "SQLGetData reads row 8");
	is_int(SQLSetPos(b.st, 5, SQL_POSITION, SQL_LOCK_NO_CHANGE), SQL_SUCCESS,
	       "SQLSetPos(5, SQL_POSITION)");
	SQLGetData(b.st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	is_str(buf, names[9], "SQLGetData reads row 10");
	is_int(SQLSetPos(b.st, 6, SQL_POSITION, SQL_LOCK_NO_CHANGE), SQL_ERROR,
	       "SQLSetPos(6) on a rowset of 5");
	is_str(state_of(SQL_HANDLE_STMT, b.st), "HY107", "row 6 of 5: HY107");
	is_int(SQLSetPos(b.st, 0, SQL_POSITION, SQL_LOCK_NO_CHANGE), SQL_ERROR,
	       "SQLSetPos(0, SQL_POSITION)");
	is_str(state_of(SQL_HANDLE_STMT, b.st), "HY109", "SQL_POSITION of row 0: HY109");
	is_int(SQLSetPos(b.st, 1, SQL_POSITION, SQL_LOCK_EXCLUSIVE), SQL_ERROR,
	       "SQL_LOCK_EXCLUSIVE");
	is_str(state_of(SQL_HANDLE_STMT, b.st), "HYC00", "SQL_LOCK_EXCLUSIVE: HYC00");

	/* SQL_REFRESH puts the rows into the buffers again. */
	for (int i = 0; i < 5; i++)
		strcpy(b.buf[i], "scribbled");
	is_int(SQLSetPos(b.st, 2, SQL_REFRESH, SQL_LOCK_NO_CHANGE), SQL_SUCCESS,
	       "SQLSetPos(2, SQL_REFRESH)");
	ok(strcmp(b.buf[1], names[6]) == 0 && strcmp(b.buf[0], "scribbled") == 0 &&
		   strcmp(b.buf[2], "scribbled") == 0,
	   "SQL_REFRESH of row 2 refills row 2 only");
	is_int(SQLSetPos(b.st, 0, SQL_REFRESH, SQL_LOCK_NO_CHANGE), SQL_SUCCESS,
	       "SQLSetPos(0, SQL_REFRESH)");
	int same = 1;
	for (int i = 0; i < 5; i++)
		same = same && strcmp(b.buf[i], names[5 + i]) == 0 &&
		       b.status[i] == SQL_ROW_SUCCESS;
	ok(same, "SQL_REFRESH of row 0 refills the rowset");
	SQLFreeHandle(SQL_HANDLE_STMT, b.st);

	/* Column-wise binding with a rowset size changed between fetches: NEXT
	 * moves by the size of the previous rowset. */
	b.st = open_static(dbc, BY_NAME, 2);
	SQLSetStmtAttr(b.st, SQL_ATTR_ROW_STATUS_PTR, b.status, 0);
	SQLSetStmtAttr(b.st, SQL_ATTR_ROWS_FETCHED_PTR, &b.fetched, 0);
	SQLBindCol(b.st, 1, SQL_C_CHAR, b.buf, sizeof(b.buf[0]), b.ind);
	for (int i = 0; i < 5; i++)
		b.status[i] = SQL_ROW_NOROW;
	rc = SQLFetchScroll(b.st, SQL_FETCH_FIRST, 0);
	rowset_is(&b, rc, SQL_SUCCESS, 1, 2, "rowsets of 2: FIRST");
	SQLSetStmtAttr(b.st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)5, 0);
	rc = SQLFetchScroll(b.st, SQL_FETCH_NEXT, 0);
	rowset_is(&b, rc, SQL_SUCCESS, 3, 5, "then rowsets of 5: NEXT starts at row 3");
	SQLFreeHandle(SQL_HANDLE_STMT, b.st);
}

/* ---- bookmarks ------------------------------------------------------------- */

static void test_bookmarks(SQLHDBC dbc)
{
	SQLHSTMT st = new_stmt(dbc);
	unsigned char vbm[8];
	SQLLEN vbm_len = 0, ind = 0;
	char buf[64];
	SQLRETURN rc = SQLBindCol(st, 0, SQL_C_VARBOOKMARK, vbm, sizeof(vbm), &vbm_len);
	is_int(rc, SQL_ERROR, "column 0 without SQL_ATTR_USE_BOOKMARKS");
	is_str(state_of(SQL_HANDLE_STMT, st), "07009", "column 0 without bookmarks: 07009");
	SQLSetStmtAttr(st, SQL_ATTR_USE_BOOKMARKS, (SQLPOINTER)SQL_UB_VARIABLE, 0);
	SQLULEN v = 0;
	SQLGetStmtAttr(st, SQL_ATTR_USE_BOOKMARKS, &v, 0, NULL);
	is_int(v, SQL_UB_VARIABLE, "SQL_ATTR_USE_BOOKMARKS is SQL_UB_VARIABLE");
	SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0);
	rc = SQLBindCol(st, 0, SQL_C_VARBOOKMARK, vbm, sizeof(vbm), &vbm_len);
	is_int(rc, SQL_SUCCESS, "bind column 0 as SQL_C_VARBOOKMARK");
	SQLBindCol(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)BY_NAME, SQL_NTS), SQL_HANDLE_STMT, st, BY_NAME);
	is_int(SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, 7), SQL_SUCCESS, "ABSOLUTE 7");
	is_int(vbm_len, 4, "the variable bookmark is 4 bytes");
	unsigned char saved[4];
	memcpy(saved, vbm, 4);
	SQLUINTEGER fixed = 0;
	is_int(SQLGetData(st, 0, SQL_C_BOOKMARK, &fixed, 0, &ind), SQL_SUCCESS,
	       "SQLGetData(0, SQL_C_BOOKMARK)");
	is_int(fixed, 7, "the fixed bookmark of row 7 is 7");
	ok(memcmp(saved, &fixed, 4) == 0, "both bookmarks name the same row");
	SQLFetchScroll(st, SQL_FETCH_FIRST, 0);
	is_str(buf, names[0], "FIRST moves away");
	SQLSetStmtAttr(st, SQL_ATTR_FETCH_BOOKMARK_PTR, saved, 0);
	is_int(SQLFetchScroll(st, SQL_FETCH_BOOKMARK, 0), SQL_SUCCESS, "SQL_FETCH_BOOKMARK");
	is_str(buf, names[6], "the bookmarked row again");
	is_int(SQLFetchScroll(st, SQL_FETCH_BOOKMARK, 3), SQL_SUCCESS,
	       "SQL_FETCH_BOOKMARK with offset 3");
	is_str(buf, names[9], "3 rows after the bookmark");
	is_int(SQLFetchScroll(st, SQL_FETCH_BOOKMARK, -7), SQL_NO_DATA,
	       "SQL_FETCH_BOOKMARK with offset -7: before start");
	SQLUINTEGER bad = 99;
	SQLSetStmtAttr(st, SQL_ATTR_FETCH_BOOKMARK_PTR, &bad, 0);
	is_int(SQLFetchScroll(st, SQL_FETCH_BOOKMARK, 0), SQL_ERROR, "bookmark 99 of 20 rows");
	is_str(state_of(SQL_HANDLE_STMT, st), "HY111", "bookmark 99: HY111");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* Fixed bookmarks bound in a rowset. */
	st = new_stmt(dbc);
	SQLUINTEGER bms[3] = {0};
	SQLLEN bm_ind[3];
	SQLSetStmtAttr(st, SQL_ATTR_USE_BOOKMARKS, (SQLPOINTER)SQL_UB_ON, 0);
	SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)3, 0);
	SQLBindCol(st, 0, SQL_C_BOOKMARK, bms, sizeof(bms[0]), bm_ind);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)BY_NAME, SQL_NTS), SQL_HANDLE_STMT, st, BY_NAME);
	is_int(SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, 11), SQL_SUCCESS, "ABSOLUTE 11, 3 rows");
	ok(bms[0] == 11 && bms[1] == 12 && bms[2] == 13, "fixed bookmarks 11, 12, 13 (got %u %u %u)",
	   (unsigned)bms[0], (unsigned)bms[1], (unsigned)bms[2]);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* ---- ODBC 2: SQLExtendedFetch ------------------------------------------------ */

static void test_extended_fetch(void)
{
	SQLHENV env = SQL_NULL_HENV;
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLAllocEnv(&env);
	SQLAllocConnect(env, &dbc);
	SQLRETURN rc = SQLConnect(dbc, (SQLCHAR *)"dvtest", SQL_NTS, NULL, 0, NULL, 0);
	rc_ok(rc, SQL_HANDLE_DBC, dbc, "ODBC 2: connect");
	SQLAllocStmt(dbc, &st);
	is_int(SQLSetStmtOption(st, SQL_CURSOR_TYPE, SQL_CURSOR_STATIC), SQL_SUCCESS,
	       "ODBC 2: SQLSetStmtOption(SQL_CURSOR_TYPE, SQL_CURSOR_STATIC)");
	is_int(SQLSetStmtOption(st, SQL_ROWSET_SIZE, 4), SQL_SUCCESS,
	       "ODBC 2: SQL_ROWSET_SIZE 4");
	is_int(SQLSetStmtOption(st, SQL_USE_BOOKMARKS, SQL_UB_ON), SQL_SUCCESS,
	       "ODBC 2: SQL_USE_BOOKMARKS on");
	char buf[4][64];
	SQLLEN ind[4];
	SQLULEN n = 0;
	SQLUSMALLINT status[4];
	SQLBindCol(st, 1, SQL_C_CHAR, buf, sizeof(buf[0]), ind);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)BY_NAME, SQL_NTS), SQL_HANDLE_STMT, st, BY_NAME);
	struct {
		SQLUSMALLINT orient;
		SQLLEN off;
		int first, n;
		const char *what;
	} cases[] = {
		{SQL_FETCH_LAST, 0, 17, 4, "SQLExtendedFetch LAST: rows 17-20"},
		{SQL_FETCH_PRIOR, 0, 13, 4, "SQLExtendedFetch PRIOR: rows 13-16"},
		{SQL_FETCH_FIRST, 0, 1, 4, "SQLExtendedFetch FIRST: rows 1-4"},
		{SQL_FETCH_NEXT, 0, 5, 4, "SQLExtendedFetch NEXT: rows 5-8"},
		{SQL_FETCH_ABSOLUTE, 19, 19, 2, "SQLExtendedFetch ABSOLUTE 19: rows 19-20"},
		{SQL_FETCH_ABSOLUTE, -6, 15, 4, "SQLExtendedFetch ABSOLUTE -6: rows 15-18"},
		{SQL_FETCH_RELATIVE, -10, 5, 4, "SQLExtendedFetch RELATIVE -10: rows 5-8"},
		{SQL_FETCH_BOOKMARK, 12, 12, 4, "SQLExtendedFetch BOOKMARK 12: rows 12-15"},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		for (int i = 0; i < 4; i++)
			status[i] = 999;
		rc = SQLExtendedFetch(st, cases[k].orient, cases[k].off, &n, status);
		is_int(rc, SQL_SUCCESS, "%s", cases[k].what);
		is_int(n, cases[k].n, "%s: rows fetched", cases[k].what);
		int same = 1;
		for (int i = 0; i < 4; i++)
			same = same && (i < cases[k].n
					? strcmp(buf[i], names[cases[k].first - 1 + i]) == 0 &&
						  status[i] == SQL_ROW_SUCCESS
					: status[i] == SQL_ROW_NOROW);
		ok(same, "%s: the rows and their statuses", cases[k].what);
	}
	rc = SQLExtendedFetch(st, SQL_FETCH_RELATIVE, 40, &n, status);
	is_int(rc, SQL_NO_DATA, "SQLExtendedFetch RELATIVE 40: past the end");
	is_int(n, 0, "SQLExtendedFetch past the end: 0 rows");
	SQLFreeStmt(st, SQL_DROP);
	SQLDisconnect(dbc);
	SQLFreeConnect(dbc);
	SQLFreeEnv(env);
}

/* ---- SQLSetPos UPDATE and DELETE --------------------------------------------- */

/* One value of a query on a fresh statement ("" when no row). */
static void query1(SQLHDBC dbc, const char *sql, char *out, size_t size)
{
	SQLHSTMT st = new_stmt(dbc);
	SQLLEN ind = 0;
	out[0] = '\0';
	if (SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)) &&
	    SQL_SUCCEEDED(SQLFetch(st)))
		SQLGetData(st, 1, SQL_C_CHAR, out, (SQLLEN)size, &ind);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void test_set_pos_writes(SQLHDBC dbc)
{
	/* A read-only cursor: refused. */
	SQLHSTMT st = open_static(dbc, "SELECT accountid, name FROM account ORDER BY name", 1);
	char nm[64];
	SQLLEN nm_ind = 0;
	SQLBindCol(st, 2, SQL_C_CHAR, nm, sizeof(nm), &nm_ind);
	SQLFetchScroll(st, SQL_FETCH_FIRST, 0);
	int mark = emu_request_count(&emu);
	is_int(SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE), SQL_ERROR,
	       "SQL_UPDATE with SQL_CONCUR_READ_ONLY");
	is_str(state_of(SQL_HANDLE_STMT, st), "HY092", "a read-only cursor: HY092");
	is_int(emu_request_count(&emu), mark, "nothing was sent");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* Without the key column: refused with a message that says what to do. */
	st = new_stmt(dbc);
	SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_LOCK, 0);
	SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0);
	SQLExecDirect(st, (SQLCHAR *)BY_NAME, SQL_NTS);
	SQLBindCol(st, 1, SQL_C_CHAR, nm, sizeof(nm), &nm_ind);
	SQLFetchScroll(st, SQL_FETCH_FIRST, 0);
	is_int(SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE), SQL_ERROR,
	       "SQL_UPDATE of a result without the key");
	char state[6], msg[512];
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_str(state, "HYC00", "SQL_UPDATE without the key: HYC00");
	ok(strstr(msg, "primary key column accountid") != NULL, "the message names the key: %s",
	   msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* Forward-only cursors do not position: only row 1 of a one-row rowset. */
	st = new_stmt(dbc);
	SQLExecDirect(st, (SQLCHAR *)BY_NAME, SQL_NTS);
	SQLFetch(st);
	is_int(SQLSetPos(st, 1, SQL_POSITION, SQL_LOCK_NO_CHANGE), SQL_SUCCESS,
	       "forward-only: SQL_POSITION on row 1 of one");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	st = new_stmt(dbc);
	SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)3, 0);
	SQLExecDirect(st, (SQLCHAR *)BY_NAME, SQL_NTS);
	SQLFetch(st);
	is_int(SQLSetPos(st, 1, SQL_POSITION, SQL_LOCK_NO_CHANGE), SQL_ERROR,
	       "forward-only: SQL_POSITION in a rowset of 3");
	is_str(state_of(SQL_HANDLE_STMT, st), "HY109", "forward-only SQL_POSITION: HY109");
	is_int(SQLSetPos(st, 1, SQL_DELETE, SQL_LOCK_NO_CHANGE), SQL_ERROR,
	       "SQL_DELETE on a forward-only cursor");
	is_str(state_of(SQL_HANDLE_STMT, st), "HY109", "forward-only SQL_DELETE: HY109");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	st = new_stmt(dbc);
	SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_LOCK, 0);
	SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)2, 0);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"SELECT accountid, name, description FROM account "
			    "WHERE name LIKE 'Lamna%' ORDER BY name", SQL_NTS),
	      SQL_HANDLE_STMT, st, "the Lamna rows");
	char id[2][40], desc[2][64];
	SQLLEN id_ind[2], desc_ind[2];
	SQLUSMALLINT status[2];
	SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0);
	SQLBindCol(st, 1, SQL_C_CHAR, id, sizeof(id[0]), id_ind);
	SQLBindCol(st, 3, SQL_C_CHAR, desc, sizeof(desc[0]), desc_ind);
	is_int(SQLFetchScroll(st, SQL_FETCH_FIRST, 0), SQL_SUCCESS, "the two Lamna rows");
	char id1[40], id2[40], want[256], got[256];
	strcpy(id1, id[0]);
	strcpy(id2, id[1]);
	strcpy(desc[0], "changed through SQLSetPos");
	desc_ind[0] = SQL_NTS;
	mark = emu_request_count(&emu);
	SQLRETURN rc = SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLSetPos(1, SQL_UPDATE)");
	is_int(status[0], SQL_ROW_UPDATED, "row 1 status: SQL_ROW_UPDATED");
	char *reqs = emu_requests(&emu, mark);
	snprintf(want, sizeof(want), "PATCH /api/data/v9.2/accounts(%s)", id1);
	ok(reqs && strstr(reqs, want), "the emulator received %s", want);
	ok(reqs && !strstr(reqs, id2), "nothing about row 2");
	free(reqs);
	yajl_val tree = emu_requests_tree(&emu, mark);
	const char *body = NULL;
	for (size_t i = 0; tree && YAJL_IS_ARRAY(tree) && i < tree->u.array.len; i++) {
		const char *mpath[] = {"method", NULL}, *bpath[] = {"body", NULL};
		yajl_val m = yajl_tree_get(tree->u.array.values[i], mpath, yajl_t_string);
		yajl_val b = yajl_tree_get(tree->u.array.values[i], bpath, yajl_t_string);
		const char *ms = m ? YAJL_GET_STRING(m) : NULL;
		if (ms && b && strcmp(ms, "PATCH") == 0)
			body = YAJL_GET_STRING(b);
	}
	is_str(body, "{\"description\":\"changed through SQLSetPos\"}",
	       "the PATCH body sets the bound, changed column only");
	if (tree)
		yajl_tree_free(tree);
	snprintf(want, sizeof(want), "SELECT description FROM account WHERE accountid = '%s'",
		 id1);
	query1(dbc, want, got, sizeof(got));
	is_str(got, "changed through SQLSetPos", "the service has the new description");

	mark = emu_request_count(&emu);
	rc = SQLSetPos(st, 2, SQL_DELETE, SQL_LOCK_NO_CHANGE);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLSetPos(2, SQL_DELETE)");
	is_int(status[1], SQL_ROW_DELETED, "row 2 status: SQL_ROW_DELETED");
	reqs = emu_requests(&emu, mark);
	snprintf(want, sizeof(want), "DELETE /api/data/v9.2/accounts(%s)", id2);
	ok(reqs && strstr(reqs, want), "the emulator received %s", want);
	free(reqs);
	snprintf(want, sizeof(want), "SELECT count(*) FROM account WHERE accountid = '%s'", id2);
	query1(dbc, want, got, sizeof(got));
	is_str(got, "0", "the service no longer has row 2");

	/* The cursor shows its own changes. */
	strcpy(desc[0], "x");
	strcpy(id[1], "x");
	status[0] = status[1] = 999;
	is_int(SQLFetchScroll(st, SQL_FETCH_FIRST, 0), SQL_SUCCESS, "FIRST again");
	is_int(status[0], SQL_ROW_UPDATED, "row 1 is SQL_ROW_UPDATED");
	is_str(desc[0], "changed through SQLSetPos", "row 1 has its new description");
	is_int(status[1], SQL_ROW_DELETED, "row 2 is SQL_ROW_DELETED");
	is_str(id[1], "x", "a deleted row's buffers are not written");
	is_int(SQLSetPos(st, 2, SQL_POSITION, SQL_LOCK_NO_CHANGE), SQL_ERROR,
	       "SQL_POSITION on the deleted row");
	is_str(state_of(SQL_HANDLE_STMT, st), "HY109", "the deleted row: HY109");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* Row 0: every row of the rowset but those SQL_ATTR_ROW_OPERATION_PTR ignores. */
	st = new_stmt(dbc);
	SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_LOCK, 0);
	SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)2, 0);
	SQLUSMALLINT ops[2] = {SQL_ROW_PROCEED, SQL_ROW_IGNORE};
	SQLSetStmtAttr(st, SQL_ATTR_ROW_OPERATION_PTR, ops, 0);
	SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"SELECT accountid, description FROM account WHERE "
			    "name LIKE 'Fourth Coffee%' ORDER BY name", SQL_NTS),
	      SQL_HANDLE_STMT, st, "the Fourth Coffee rows");
	SQLBindCol(st, 1, SQL_C_CHAR, id, sizeof(id[0]), id_ind);
	SQLBindCol(st, 2, SQL_C_CHAR, desc, sizeof(desc[0]), desc_ind);
	/* (descriptions longer than the 64-byte buffers: 01004) */
	ok(SQL_SUCCEEDED(SQLFetchScroll(st, SQL_FETCH_FIRST, 0)), "the two Fourth Coffee rows");
	strcpy(id1, id[0]);
	strcpy(id2, id[1]);
	strcpy(desc[0], "row 0 update, first");
	strcpy(desc[1], "row 0 update, ignored");
	desc_ind[0] = desc_ind[1] = SQL_NTS;
	status[0] = status[1] = 999;
	mark = emu_request_count(&emu);
	rc = SQLSetPos(st, 0, SQL_UPDATE, SQL_LOCK_NO_CHANGE);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLSetPos(0, SQL_UPDATE)");
	is_int(status[0], SQL_ROW_UPDATED, "row 1 updated");
	is_int(status[1], 999, "row 2 (SQL_ROW_IGNORE) untouched");
	reqs = emu_requests(&emu, mark);
	snprintf(want, sizeof(want), "PATCH /api/data/v9.2/accounts(%s)", id1);
	ok(reqs && strstr(reqs, want) && !strstr(reqs, id2), "one PATCH, of row 1 only");
	free(reqs);
	snprintf(want, sizeof(want), "SELECT description FROM account WHERE accountid = '%s'",
		 id1);
	query1(dbc, want, got, sizeof(got));
	is_str(got, "row 0 update, first", "the service has row 1's new description");
	snprintf(want, sizeof(want), "SELECT description FROM account WHERE accountid = '%s'",
		 id2);
	query1(dbc, want, got, sizeof(got));
	ok(strcmp(got, "row 0 update, ignored") != 0, "row 2 is unchanged at the service");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* ---- SQL_ATTR_MAX_LENGTH ----------------------------------------------------- */

static void test_max_length(SQLHDBC dbc)
{
	SQLHSTMT st = new_stmt(dbc);
	SQLULEN v = 99;
	SQLGetStmtAttr(st, SQL_ATTR_MAX_LENGTH, &v, 0, NULL);
	is_int(v, 0, "SQL_ATTR_MAX_LENGTH is 0 by default");
	SQLSetStmtAttr(st, SQL_ATTR_MAX_LENGTH, (SQLPOINTER)5, 0);
	SQLGetStmtAttr(st, SQL_ATTR_MAX_LENGTH, &v, 0, NULL);
	is_int(v, 5, "SQL_ATTR_MAX_LENGTH 5");
	const char *sql = "SELECT name, numberofemployees, accountid FROM account "
			  "WHERE name = 'Alpine Ski GmbH 1'";
	rc_ok(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, st, sql);
	char bound[64], buf[64];
	SQLLEN bind_ind = 0, ind = 0;
	SQLBindCol(st, 1, SQL_C_CHAR, bound, sizeof(bound), &bind_ind);
	is_int(SQLFetch(st), SQL_SUCCESS, "fetch: SQL_SUCCESS, no 01004");
	is_str(bound, "Alpin", "the bound name is cut to 5 bytes");
	is_int(bind_ind, 5, "its length is 5");
	is_int(SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_SUCCESS,
	       "SQLGetData: SQL_SUCCESS, no 01004");
	is_str(buf, "Alpin", "SQLGetData: 5 bytes");
	is_int(SQLGetData(st, 2, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_SUCCESS,
	       "a number column");
	is_str(buf, "47955", "numbers are not cut");
	is_int(SQLGetData(st, 3, SQL_C_CHAR, buf, sizeof(buf), &ind), SQL_SUCCESS,
	       "a GUID column");
	is_int(ind, 36, "GUIDs are not cut");
	SQLCloseCursor(st);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, st, "again");
	SQLFetch(st);
	SQLWCHAR wbuf[32];
	is_int(SQLGetData(st, 1, SQL_C_WCHAR, wbuf, sizeof(wbuf), &ind), SQL_SUCCESS,
	       "SQLGetData as SQL_C_WCHAR");
	is_str(from_w(wbuf, buf, sizeof(buf)), "Alpin", "as SQL_C_WCHAR: 5 characters");
	is_int(ind, 5 * (SQLLEN)sizeof(SQLWCHAR), "as SQL_C_WCHAR: 10 bytes");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* ---- the cursor library ------------------------------------------------------ */

static int cursor_lib_loaded(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "libodbccr"))
			found = 1;
	if (f)
		fclose(f);
	return found;
}

/* Reads a column as PDO_ODBC reads a long one: SQLGetData in 256-byte
 * parts until SQL_NO_DATA.  NULL on a failure. */
static char *get_in_parts(SQLHSTMT st, SQLUSMALLINT col)
{
	size_t cap = 256, len = 0;
	char *out = malloc(cap), part[256];
	SQLLEN ind = 0;
	SQLRETURN rc;
	out[0] = '\0';
	while ((rc = SQLGetData(st, col, SQL_C_CHAR, part, sizeof(part), &ind)) != SQL_NO_DATA) {
		if (!SQL_SUCCEEDED(rc)) {
			char state[6], msg[256];
			diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
			printf("#   SQLGetData(%u): [%s] %s\n", (unsigned)col, state, msg);
			free(out);
			return NULL;
		}
		if (ind == SQL_NULL_DATA) {
			strcpy(out, "NULL");
			return out;
		}
		size_t n = strlen(part);
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
		}
		memcpy(out + len, part, n + 1);
		len += n;
	}
	return out;
}

static void test_cursor_library(SQLHENV env)
{
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	SQLRETURN rc = SQLSetConnectAttr(dbc, SQL_ATTR_ODBC_CURSORS,
					 (SQLPOINTER)SQL_CUR_USE_IF_NEEDED, 0);
	is_int(rc, SQL_SUCCESS, "SQL_ATTR_ODBC_CURSORS = SQL_CUR_USE_IF_NEEDED (PDO_ODBC)");
	rc = SQLConnect(dbc, (SQLCHAR *)"dvtest", SQL_NTS, NULL, 0, NULL, 0);
	rc_ok(rc, SQL_HANDLE_DBC, dbc, "connect with SQL_CUR_USE_IF_NEEDED");
	ok(!cursor_lib_loaded(), "unixODBC did not load its cursor library (libodbccr)");

	/* A long text: 600 characters, read in parts of 255. */
	SQLHSTMT st = new_stmt(dbc);
	const char *sql = "SELECT name, replace(hex(zeroblob(300)), '00', 'ab') || name AS memo, "
			  "numberofemployees FROM account WHERE name = 'Alpine Ski GmbH 1'";
	rc_ok(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, st, "long text SELECT");
	is_int(SQLFetch(st), SQL_SUCCESS, "fetch");
	char want[700];
	want[0] = '\0';
	for (int i = 0; i < 300; i++)
		strcat(want, "ab");
	strcat(want, "Alpine Ski GmbH 1");
	char *a = get_in_parts(st, 1), *b = get_in_parts(st, 2), *c = get_in_parts(st, 3);
	is_str(a, "Alpine Ski GmbH 1", "column 1 in parts");
	is_str(b, want, "the 617-character column in parts of 255");
	is_str(c, "47955", "the column after the long one");
	free(a);
	free(b);
	free(c);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* A prepared statement with a parameter (it crashed in the cursor library). */
	st = new_stmt(dbc);
	rc = SQLPrepare(st, (SQLCHAR *)"SELECT name, numberofemployees FROM account WHERE name = ?",
			SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "prepare with a parameter");
	char param[64] = "Alpine Ski GmbH 1";
	SQLLEN plen = SQL_NTS;
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 160, 0, param,
			 sizeof(param), &plen);
	rc_ok(SQLExecute(st), SQL_HANDLE_STMT, st, "execute with a parameter");
	is_int(SQLFetch(st), SQL_SUCCESS, "fetch the row");
	a = get_in_parts(st, 1);
	b = get_in_parts(st, 2);
	is_str(a, "Alpine Ski GmbH 1", "the parameter's row: name");
	is_str(b, "47955", "the parameter's row: numberofemployees");
	free(a);
	free(b);
	is_int(SQLFetch(st), SQL_NO_DATA, "one row");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);

	/* The check above can fail: SQL_CUR_USE_ODBC does load the library. */
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	SQLSetConnectAttr(dbc, SQL_ATTR_ODBC_CURSORS, (SQLPOINTER)SQL_CUR_USE_ODBC, 0);
	SQLConnect(dbc, (SQLCHAR *)"dvtest", SQL_NTS, NULL, 0, NULL, 0);
	if (DV_TEST_IODBC)
		skip_check("with SQL_CUR_USE_ODBC unixODBC does load libodbccr",
			   "iODBC has no cursor library to load");
	else
		ok(cursor_lib_loaded(), "with SQL_CUR_USE_ODBC unixODBC does load libodbccr");
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
}

/* ---- LibreOffice Base's table view (issue 12) ------------------------------ */

/* The ODBC calls LibreOffice 7.4's table view makes (read from a unixODBC
 * trace of tests/clients/test_libreoffice.sh): bookmarks asked for then
 * turned off, dynamic then keyset cursor (static, 01S02), SQL_CONCUR_VALUES
 * (lock, 01S02), SELECT * prepared; FIRST, PRIOR into before-start, then NEXT
 * to the end reading SQL_ATTR_ROW_NUMBER and the key as SQL_C_BINARY; a row
 * refetched by SELECT ... WHERE key = ? with those 16 bytes; an edit written
 * with UPDATE ... WHERE key = ?.  Each row's number, key and values must be
 * those of the service's row, and the refetch and the edit must reach that
 * record and no other. */
static void test_libreoffice_table_view(SQLHDBC dbc)
{
	char order[NNAMES][64], want[256], got[256];
	unsigned char key[NNAMES + 1][16];
	char name[NNAMES + 1][64];
	SQLLEN ind = 0;
	SQLULEN v = 0;
	int n = 0;

	/* The service's own order (no ORDER BY), forward-only. */
	SQLHSTMT st = new_stmt(dbc);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"SELECT name FROM account", SQL_NTS),
	      SQL_HANDLE_STMT, st, "the names in the service's order");
	while (n < NNAMES && SQL_SUCCEEDED(SQLFetch(st)))
		SQLGetData(st, 1, SQL_C_CHAR, order[n++], sizeof(order[0]), &ind);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	/* test_set_pos_writes deleted one */
	is_int(n, NNAMES - 1, "all rows in the service's order");

	st = new_stmt(dbc);
	is_int(SQLSetStmtAttr(st, SQL_ATTR_USE_BOOKMARKS, (SQLPOINTER)SQL_UB_VARIABLE, 0),
	       SQL_SUCCESS, "LibreOffice: SQL_UB_VARIABLE");
	is_int(SQLSetStmtAttr(st, SQL_ATTR_USE_BOOKMARKS, (SQLPOINTER)SQL_UB_OFF, 0),
	       SQL_SUCCESS, "LibreOffice: bookmarks off again (no keyset/dynamic bookmarks)");
	is_int(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_DYNAMIC, 0),
	       SQL_SUCCESS_WITH_INFO, "dynamic cursor: substituted");
	is_str(state_of(SQL_HANDLE_STMT, st), "01S02", "dynamic -> static: 01S02");
	is_int(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_KEYSET_DRIVEN, 0),
	       SQL_SUCCESS_WITH_INFO, "keyset cursor: substituted");
	is_int(SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_VALUES, 0),
	       SQL_SUCCESS_WITH_INFO, "SQL_CONCUR_VALUES: substituted");
	is_str(state_of(SQL_HANDLE_STMT, st), "01S02", "SQL_CONCUR_VALUES -> LOCK: 01S02");
	SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &v, 0, NULL);
	is_int((int)v, SQL_CURSOR_STATIC, "SQLGetStmtAttr(CURSOR_TYPE) reports static");
	SQLGetStmtAttr(st, SQL_ATTR_CONCURRENCY, &v, 0, NULL);
	is_int((int)v, SQL_CONCUR_LOCK, "SQLGetStmtAttr(CONCURRENCY) reports lock");
	SQLGetStmtAttr(st, SQL_ATTR_USE_BOOKMARKS, &v, 0, NULL);
	is_int((int)v, SQL_UB_OFF, "SQLGetStmtAttr(USE_BOOKMARKS) reports off");
	rc_ok(SQLPrepare(st, (SQLCHAR *)"SELECT * FROM \"account\"", SQL_NTS), SQL_HANDLE_STMT,
	      st, "SELECT * FROM \"account\"");
	rc_ok(SQLExecute(st), SQL_HANDLE_STMT, st, "execute");
	SQLCHAR c1[64] = "", c2[64] = "";
	SQLSMALLINT len = 0, type = 0;
	SQLDescribeCol(st, 1, c1, sizeof(c1), &len, &type, NULL, NULL, NULL);
	SQLDescribeCol(st, 2, c2, sizeof(c2), &len, NULL, NULL, NULL, NULL);
	is_str((char *)c1, "accountid", "column 1 is the key");
	is_int(type, SQL_GUID, "the key is a SQL_GUID");
	is_str((char *)c2, "name", "column 2 is name");

	is_int(SQLFetchScroll(st, SQL_FETCH_FIRST, 0), SQL_SUCCESS, "FIRST");
	is_int((int)row_number(st), 1, "FIRST: row 1");
	is_int(SQLFetchScroll(st, SQL_FETCH_PRIOR, 0), SQL_NO_DATA, "PRIOR from row 1: before start");
	int rows = 0, keys_ok = 1, names_ok = 1, numbers_ok = 1;
	for (int i = 1; i <= NNAMES + 1; i++) {
		SQLRETURN rc = SQLFetchScroll(st, SQL_FETCH_NEXT, 1);
		if (rc == SQL_NO_DATA)
			break;
		if (!SQL_SUCCEEDED(rc) || i > n) {
			numbers_ok = 0;
			break;
		}
		rows++;
		if (row_number(st) != (SQLULEN)i)
			numbers_ok = 0;
		ind = 0;
		if (SQLGetData(st, 1, SQL_C_BINARY, key[i], 16, &ind) != SQL_SUCCESS || ind != 16)
			keys_ok = 0;
		SQLGetData(st, 2, SQL_C_CHAR, name[i], sizeof(name[0]), &ind);
		if (strcmp(name[i], order[i - 1]) != 0)
			names_ok = 0;
	}
	is_int(rows, n, "NEXT from before start reads every row, then SQL_NO_DATA");
	ok(numbers_ok, "SQL_ATTR_ROW_NUMBER is 1, 2, ... after each NEXT");
	ok(keys_ok, "each key reads as 16 bytes with SQLGetData(SQL_C_BINARY)");
	ok(names_ok, "the rows come in the service's order");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* Row 5 refetched by its key, as LibreOffice's keyset does. */
	SQLHSTMT re = new_stmt(dbc);
	unsigned char param[16], back[16];
	SQLLEN param_ind = 16;
	rc_ok(SQLPrepare(re, (SQLCHAR *)"SELECT * FROM \"account\" WHERE \"account\".\"accountid\" = ?",
			 SQL_NTS), SQL_HANDLE_STMT, re, "the refetch statement");
	SQLBindParameter(re, 1, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_BINARY, 16, 0, param, 16,
			 &param_ind);
	memcpy(param, key[5], 16);
	rc_ok(SQLExecute(re), SQL_HANDLE_STMT, re, "refetch row 5 by its key");
	is_int(SQLFetchScroll(re, SQL_FETCH_NEXT, 1), SQL_SUCCESS, "the refetch finds a row");
	SQLGetData(re, 1, SQL_C_BINARY, back, sizeof(back), &ind);
	SQLGetData(re, 2, SQL_C_CHAR, got, sizeof(got), &ind);
	ok(memcmp(back, key[5], 16) == 0, "the refetched row has row 5's key");
	is_str(got, order[4], "the refetched row is row 5");
	is_int(SQLFetchScroll(re, SQL_FETCH_NEXT, 1), SQL_NO_DATA, "and only that row");
	SQLCloseCursor(re);

	/* The edit, as LibreOffice writes it. */
	SQLHSTMT up = new_stmt(dbc);
	char newname[96];
	SQLLEN name_ind = SQL_NTS, key_ind = 16;
	snprintf(newname, sizeof(newname), "%s edited", order[4]);
	rc_ok(SQLPrepare(up, (SQLCHAR *)"UPDATE \"account\" SET \"name\" = ? WHERE \"accountid\" = ?",
			 SQL_NTS), SQL_HANDLE_STMT, up, "the edit statement");
	SQLBindParameter(up, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 160, 0, newname,
			 sizeof(newname), &name_ind);
	SQLBindParameter(up, 2, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_BINARY, 16, 0, key[5], 16,
			 &key_ind);
	int mark = emu_request_count(&emu);
	rc_ok(SQLExecute(up), SQL_HANDLE_STMT, up, "UPDATE ... WHERE accountid = ? (row 5)");
	SQLLEN changed = -1;
	SQLRowCount(up, &changed);
	is_int((int)changed, 1, "one row updated");
	char *reqs = emu_requests(&emu, mark);
	int patches = 0;
	for (const char *p = reqs; p && (p = strstr(p, "PATCH ")) != NULL; p++)
		patches++;
	is_int(patches, 1, "one PATCH reached the service");
	free(reqs);
	SQLFreeHandle(SQL_HANDLE_STMT, up);
	rc_ok(SQLExecute(re), SQL_HANDLE_STMT, re, "refetch row 5 again");
	SQLFetchScroll(re, SQL_FETCH_NEXT, 1);
	SQLGetData(re, 2, SQL_C_CHAR, got, sizeof(got), &ind);
	is_str(got, newname, "row 5 has the new name");
	SQLFreeHandle(SQL_HANDLE_STMT, re);
	snprintf(want, sizeof(want), "SELECT count(*) FROM account WHERE name LIKE '%% edited'");
	query1(dbc, want, got, sizeof(got));
	is_str(got, "1", "no other record was edited");
	snprintf(want, sizeof(want), "SELECT count(*) FROM account WHERE name = '%s'", order[5]);
	query1(dbc, want, got, sizeof(got));
	is_str(got, "1", "row 6 kept its name");
}

int main(void)
{
	start_emulator(&emu, "--rows 20 --seed 1", NULL);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	test_cursor_library(env);
	SQLHDBC dbc = connect_dsn(env);
	test_info(dbc);
	test_attributes(dbc);
	test_single_rows(dbc);
	test_catalog_and_max_rows(dbc);
	test_rowsets(dbc);
	test_bookmarks(dbc);
	test_extended_fetch();
	test_max_length(dbc);
	test_set_pos_writes(dbc);
	test_libreoffice_table_view(dbc);
	disconnect(env, dbc);
	emu_stop(&emu);
	return tap_done();
}
