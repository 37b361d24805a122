/* test_odbc_odbc2.c - an ODBC 2 application through unixODBC: SQLAllocEnv
 * without SQL_ATTR_ODBC_VERSION, ODBC 2 catalog column names, SQL_TIMESTAMP
 * type codes, SQLSetStmtOption(SQL_ROWSET_SIZE) + SQLExtendedFetch,
 * SQLSetConnectOption/SQLGetConnectOption and ODBC 2 SQLSTATEs from SQLError. */
#include "odbc_test.h"

static void test_catalog_names(SQLHSTMT st)
{
	char name[64];
	SQLRETURN rc = SQLTables(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS, NULL, 0);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLTables in an ODBC 2 environment");
	SQLDescribeCol(st, 1, (SQLCHAR *)name, sizeof(name), NULL, NULL, NULL, NULL, NULL);
	is_str(name, "TABLE_QUALIFIER", "column 1 is TABLE_QUALIFIER");
	SQLDescribeCol(st, 2, (SQLCHAR *)name, sizeof(name), NULL, NULL, NULL, NULL, NULL);
	is_str(name, "TABLE_OWNER", "column 2 is TABLE_OWNER");
	char *rows = fetch_all(st, 5);
	is_str(rows, "NULL|NULL|account|TABLE|Account\n", "the row");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);

	rc = SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS,
			(SQLCHAR *)"createdon", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLColumns in an ODBC 2 environment");
	const char *want[] = {"PRECISION", "LENGTH", "SCALE", "RADIX"};
	for (int i = 0; i < 4; i++) {
		SQLDescribeCol(st, (SQLUSMALLINT)(7 + i), (SQLCHAR *)name, sizeof(name), NULL,
			       NULL, NULL, NULL, NULL);
		is_str(name, want[i], "ODBC 2 name of column %d", 7 + i);
	}
	rows = fetch_all(st, 7);
	is_str(rows, "NULL|NULL|account|createdon|11|datetime|19\n", "datetime is type 11");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);

	rc = SQLGetTypeInfo(st, SQL_TIMESTAMP);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQLGetTypeInfo(SQL_TIMESTAMP)");
	SQLDescribeCol(st, 3, (SQLCHAR *)name, sizeof(name), NULL, NULL, NULL, NULL, NULL);
	is_str(name, "PRECISION", "ODBC 2 type info column 3 is PRECISION");
	rows = fetch_all(st, 3);
	is_str(rows, "datetime|11|19\n", "ODBC 2 type info row");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);
}

static void test_extended_fetch(SQLHSTMT st)
{
	char names[5][32];
	SQLLEN ind[5];
	SQLULEN nrows = 0;
	SQLUSMALLINT status[5];
	SQLRETURN rc = SQLSetStmtOption(st, SQL_ROWSET_SIZE, 5);
	is_int(rc, SQL_SUCCESS, "SQLSetStmtOption(SQL_ROWSET_SIZE, 5)");
	SQLBindCol(st, 1, SQL_C_CHAR, names, sizeof(names[0]), ind);
	rc = SQLExecDirect(st, (SQLCHAR *)"SELECT name FROM account ORDER BY name", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "select");
	rc = SQLExtendedFetch(st, SQL_FETCH_NEXT, 0, &nrows, status);
	is_int(rc, SQL_SUCCESS, "SQLExtendedFetch");
	is_int(nrows, 5, "5 rows");
	is_str(names[0], "Adventure Works Pty Ltd 17", "row 1");
	is_str(names[4], "Best For You LLC 18", "row 5");
	is_int(status[4], SQL_ROW_SUCCESS, "row 5 status");
	int total = (int)nrows;
	while ((rc = SQLExtendedFetch(st, SQL_FETCH_NEXT, 0, &nrows, status)) == SQL_SUCCESS)
		total += (int)nrows;
	is_int(rc, SQL_NO_DATA, "ends with SQL_NO_DATA");
	is_int(total, 20, "20 rows in rowsets of 5");
	SQLFreeStmt(st, SQL_CLOSE);
	SQLFreeStmt(st, SQL_UNBIND);
	SQLSetStmtOption(st, SQL_ROWSET_SIZE, 1);

	rc = SQLExecDirect(st, (SQLCHAR *)"SELECT createdon FROM account WHERE name = "
				      "'Alpine Ski GmbH 1'", SQL_NTS);
	SQLSMALLINT type = 0;
	SQLDescribeCol(st, 1, NULL, 0, NULL, &type, NULL, NULL, NULL);
	is_int(type, SQL_TIMESTAMP, "SQLDescribeCol reports SQL_TIMESTAMP (11)");
	SQLFetch(st);
	TIMESTAMP_STRUCT ts;
	SQLLEN tind;
	rc = SQLGetData(st, 1, SQL_C_TIMESTAMP, &ts, sizeof(ts), &tind);
	is_int(rc, SQL_SUCCESS, "SQLGetData SQL_C_TIMESTAMP");
	ok(ts.year == 2023 && ts.month == 1 && ts.day == 26 && ts.second == 58,
	   "timestamp value");
	SQLFreeStmt(st, SQL_CLOSE);
}

static void test_errors(SQLHENV env, SQLHDBC dbc, SQLHSTMT st)
{
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"SELECT * FROM nosuchtable", SQL_NTS);
	is_int(rc, SQL_ERROR, "missing table");
	SQLCHAR state[6], msg[256];
	SQLINTEGER native;
	SQLSMALLINT len;
	rc = SQLError(env, dbc, st, state, &native, msg, sizeof(msg), &len);
	is_int(rc, SQL_SUCCESS, "SQLError");
	is_str((char *)state, "S0002", "ODBC 2 state S0002");
	rc = SQLExecDirect(st, (SQLCHAR *)"SELEC 1", SQL_NTS);
	SQLError(env, dbc, st, state, &native, msg, sizeof(msg), &len);
	is_str((char *)state, "37000", "ODBC 2 syntax error 37000");

	rc = SQLSetConnectOption(dbc, SQL_ACCESS_MODE, SQL_MODE_READ_ONLY);
	is_int(rc, SQL_SUCCESS, "SQLSetConnectOption");
	SQLUINTEGER mode = 0;
	rc = SQLGetConnectOption(dbc, SQL_ACCESS_MODE, &mode);
	is_int(rc, SQL_SUCCESS, "SQLGetConnectOption");
	is_int(mode, SQL_MODE_READ_ONLY, "access mode read back");
	is_int(SQLTransact(env, dbc, SQL_COMMIT), SQL_SUCCESS, "SQLTransact commit");
}

int main(void)
{
	struct emu e;
	start_emulator(&e, "--rows 20 --seed 1", NULL);
	SQLHENV env;
	SQLHDBC dbc;
	SQLHSTMT st;
	SQLAllocEnv(&env);
	SQLAllocConnect(env, &dbc);
	SQLRETURN rc = SQLConnect(dbc, (SQLCHAR *)"dvtest", SQL_NTS, NULL, 0, NULL, 0);
	if (!rc_ok(rc, SQL_HANDLE_DBC, dbc, "ODBC 2 connect"))
		bail_out("cannot connect");
	SQLAllocStmt(dbc, &st);
	test_catalog_names(st);
	test_extended_fetch(st);
	test_errors(env, dbc, st);
	SQLFreeStmt(st, SQL_DROP);
	SQLDisconnect(dbc);
	SQLFreeConnect(dbc);
	SQLFreeEnv(env);
	emu_stop(&e);
	return tap_done();
}
