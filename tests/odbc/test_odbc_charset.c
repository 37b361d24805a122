/* test_odbc_charset.c - ClientCharset through unixODBC: ANSI callers that
 * send and read Latin-1 or Windows-1252 (LibreOffice Base's default, Windows
 * tools).  SQL text, SQL_C_CHAR parameters and results, column names and
 * diagnostics are converted; the service and the W functions still see
 * UTF-8 / UTF-16; bytes not of the character set are 22018, characters it
 * cannot hold come back as '?' with 01000; the default stays UTF-8 and says
 * which key to set. */
#include "odbc_test.h"

static struct emu emu;

static SQLHDBC connect_cs(SQLHENV env, const char *charset, SQLRETURN *rc_out)
{
	char cs[256], state[6], msg[512];
	SQLHDBC dbc;
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	snprintf(cs, sizeof(cs), "DSN=dvtest;ClientCharset=%s", charset);
	SQLRETURN rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)cs, SQL_NTS, NULL, 0, NULL,
					SQL_DRIVER_NOPROMPT);
	if (rc_out)
		*rc_out = rc;
	if (!SQL_SUCCEEDED(rc) && !rc_out) {
		diag1(SQL_HANDLE_DBC, dbc, state, msg, sizeof(msg));
		printf("# connect %s: [%s] %s\n", cs, state, msg);
		bail_out("cannot connect");
	}
	return dbc;
}

/* The last data request (no token or metadata request) since `since`. */
static char *last_request(int since)
{
	return emu_last_api_request(&emu, since);
}

/* name of the account whose accountnumber is `number`, read with the W
 * function: what the service stored, as UTF-16. */
static int name_as_utf16(SQLHDBC dbc, const char *number, SQLWCHAR *out, size_t n)
{
	char sql[128];
	SQLRETURN rc;
	SQLLEN ind = 0;
	snprintf(sql, sizeof(sql), "SELECT name FROM account WHERE accountnumber = '%s'", number);
	SQLHSTMT st = exec_direct(dbc, sql, &rc);
	out[0] = 0;
	if (SQL_SUCCEEDED(rc) && SQL_SUCCEEDED(SQLFetch(st)))
		SQLGetData(st, 1, SQL_C_WCHAR, out, (SQLLEN)(n * sizeof(SQLWCHAR)), &ind);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return (int)(ind / (SQLLEN)sizeof(SQLWCHAR));
}

static void test_latin1(SQLHENV env)
{
	SQLHDBC dbc = connect_cs(env, "ISO-8859-1", NULL);
	SQLRETURN rc;
	SQLWCHAR w[64];
	char buf[128], state[6], msg[512];
	SQLLEN ind = 0;
	int since;

	/* SQL text in Latin-1: the service stores "Café Crème" */
	SQLHSTMT st = exec_direct(dbc, "INSERT INTO account (name, accountnumber) VALUES "
				  "('Caf\xe9 Cr\xe8me', 'CS-1')", &rc);
	rc_ok(rc, SQL_HANDLE_STMT, st, "INSERT with Latin-1 SQL text");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	int n = name_as_utf16(dbc, "CS-1", w, 64);
	ok(n == 10 && w[3] == 0xE9 && w[7] == 0xE8 && w[0] == 'C',
	   "the service got U+00E9 and U+00E8 (%d units)", n);

	/* a Latin-1 literal in a filter goes to the service as UTF-8 */
	since = emu_request_count(&emu);
	st = exec_direct(dbc, "SELECT name FROM account WHERE name = 'Caf\xe9 Cr\xe8me'", &rc);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SELECT with a Latin-1 literal");
	char *rows = fetch_all(st, 1);
	is_str(rows, "Caf\xe9 Cr\xe8me\n", "SQL_C_CHAR result in Latin-1");
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	char *req = last_request(since);
	ok(strstr(req, "Caf%C3%A9%20Cr%C3%A8me") != NULL, "the filter is UTF-8: %s", req);
	free(req);

	/* SQL_C_CHAR parameter in Latin-1, and a bound SQL_C_CHAR column */
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLPrepare(st, (SQLCHAR *)"SELECT name, accountnumber FROM account WHERE name = ?",
		   SQL_NTS);
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 40, 0,
			 (SQLPOINTER)"Caf\xe9 Cr\xe8me", 0, NULL);
	SQLBindCol(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	rc = SQLExecute(st);
	rc_ok(rc, SQL_HANDLE_STMT, st, "SQL_C_CHAR parameter in Latin-1");
	is_int(SQLFetch(st), SQL_SUCCESS, "the row is found");
	is_str(buf, "Caf\xe9 Cr\xe8me", "bound SQL_C_CHAR column in Latin-1");
	is_int(ind, 10, "its length counts Latin-1 bytes");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* SQLGetData in parts counts the application's bytes */
	st = exec_direct(dbc, "SELECT name FROM account WHERE accountnumber = 'CS-1'", &rc);
	SQLFetch(st);
	char part[5];
	rc = SQLGetData(st, 1, SQL_C_CHAR, part, sizeof(part), &ind);
	is_int(rc, SQL_SUCCESS_WITH_INFO, "first part truncated");
	is_str(part, "Caf\xe9", "first part: 4 Latin-1 bytes");
	is_int(ind, 10, "total length 10 bytes");
	rc = SQLGetData(st, 1, SQL_C_CHAR, part, sizeof(part), &ind);
	is_str(part, " Cr\xe8", "second part");
	rc = SQLGetData(st, 1, SQL_C_CHAR, part, sizeof(part), &ind);
	is_int(rc, SQL_SUCCESS, "last part");
	is_str(part, "me", "last part text");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* column names and diagnostics in Latin-1 */
	st = exec_direct(dbc, "SELECT name AS \"Soci\xe9t\xe9\" FROM account WHERE "
			 "accountnumber = 'CS-1'", &rc);
	rc_ok(rc, SQL_HANDLE_STMT, st, "alias in Latin-1");
	SQLSMALLINT nlen = 0;
	SQLDescribeCol(st, 1, (SQLCHAR *)buf, sizeof(buf), &nlen, NULL, NULL, NULL, NULL);
	is_str(buf, "Soci\xe9t\xe9", "SQLDescribeCol name in Latin-1");
	is_int(nlen, 7, "its length in Latin-1 bytes");
	SQLColAttribute(st, 1, SQL_DESC_LABEL, buf, sizeof(buf), &nlen, NULL);
	is_str(buf, "Soci\xe9t\xe9", "SQLColAttribute label in Latin-1");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	st = exec_direct(dbc, "SELECT nomdeb\xe9 FROM account", &rc);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_str(state, "42S22", "unknown column");
	ok(strstr(msg, "nomdeb\xe9") != NULL, "the message names it in Latin-1: %s", msg);
	SQLSMALLINT mlen = 0;
	SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_MESSAGE_TEXT, msg, sizeof(msg), &mlen);
	ok(strstr(msg, "nomdeb\xe9") != NULL && mlen == (SQLSMALLINT)strlen(msg),
	   "SQLGetDiagField's message too (%d bytes)", (int)mlen);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* a character Latin-1 cannot hold: '?' and 01000 */
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLWCHAR wsql[96];
	const char *ins = "INSERT INTO account (name, accountnumber) VALUES ('Euro # Ltd', 'CS-2')";
	to_w(ins, wsql, 96);
	wsql[strchr(ins, '#') - ins] = 0x20AC;
	rc = SQLExecDirectW(st, wsql, SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "INSERT of U+20AC through the W function");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	st = exec_direct(dbc, "SELECT name FROM account WHERE accountnumber = 'CS-2'", &rc);
	SQLFetch(st);
	rc = SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	is_int(rc, SQL_SUCCESS_WITH_INFO, "an unrepresentable character is a warning");
	is_str(buf, "Euro ? Ltd", "written as '?'");
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_str(state, "01000", "01000");
	ok(strstr(msg, "ISO-8859-1") && strstr(msg, "'?'"), "says why: %s", msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
}

static void test_cp1252(SQLHENV env)
{
	SQLHDBC dbc = connect_cs(env, "windows-1252", NULL);
	SQLRETURN rc;
	char buf[64], state[6], msg[512];
	SQLLEN ind = 0;
	SQLHSTMT st = exec_direct(dbc, "SELECT name FROM account WHERE accountnumber = 'CS-2'",
				  &rc);
	SQLFetch(st);
	rc = SQLGetData(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	is_int(rc, SQL_SUCCESS, "windows-1252 holds U+20AC");
	is_str(buf, "Euro \x80 Ltd", "as byte 0x80");
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* 0x81 is no character of windows-1252 */
	int since = emu_request_count(&emu);
	st = exec_direct(dbc, "SELECT name FROM account WHERE name = 'a\x81'", &rc);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "a byte not of the character set fails");
	is_str(state, "22018", "as 22018");
	ok(strstr(msg, "0x81") && strstr(msg, "windows-1252") && strstr(msg, "ClientCharset"),
	   "the message names the byte and the key: %s", msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	st = exec_char_param(dbc, "SELECT name FROM account WHERE name = ?", "x\x8d", 20, &rc);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "a parameter with byte 0x8D fails");
	is_str(state, "22018", "as 22018");
	ok(strstr(msg, "parameter 1") != NULL, "naming the parameter: %s", msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	is_int(emu_request_count(&emu) - since, 0, "nothing was sent");

	/* the catalog functions' ANSI arguments */
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	rc = SQLTables(st, NULL, 0, NULL, 0, (SQLCHAR *)"acc\x81", SQL_NTS, NULL, 0);
	is_int(rc, SQL_ERROR, "a catalog argument not of the character set fails");
	is_str(state_of(SQL_HANDLE_STMT, st), "22018", "as 22018");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
}

static void test_default_and_bad(SQLHENV env)
{
	char state[6], msg[512];
	SQLRETURN rc;
	SQLHDBC dbc = connect_cs(env, "UTF-8", NULL);
	SQLHSTMT st = exec_direct(dbc, "SELECT name FROM account WHERE name = 'Caf\xe9'", &rc);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "UTF-8 (default): a Latin-1 byte fails");
	is_str(state, "22018", "as 22018");
	ok(strstr(msg, "ClientCharset") != NULL, "the message says which key to set: %s", msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	rc = SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS,
			(SQLCHAR *)"n\xe4me", SQL_NTS);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "UTF-8 (default): a Latin-1 catalog argument fails");
	is_str(state, "22018", "as 22018");
	ok(strstr(msg, "catalog function's argument") && strstr(msg, "ClientCharset"),
	   "naming it and the key: %s", msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	st = exec_direct(dbc, "SELECT name FROM account WHERE accountnumber = 'CS-1'", &rc);
	char *rows = fetch_all(st, 1);
	is_str(rows, "Caf\xc3\xa9 Cr\xc3\xa8me\n", "UTF-8 results by default");
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);

	dbc = connect_cs(env, "klingon", &rc);
	diag1(SQL_HANDLE_DBC, dbc, state, msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "an unknown character set fails the connection");
	is_str(state, "HY024", "as HY024");
	ok(strstr(msg, "klingon") && strstr(msg, "ClientCharset"), "naming it: %s", msg);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
}

/* iODBC 3.52 hands ANSI calls to the driver's W functions, converting the
 * text itself with the C library in the application's locale (here "C"):
 * ClientCharset cannot act on text the driver never sees as bytes. */
static void test_iodbc(SQLHENV env)
{
	SQLRETURN rc;
	char state[6], msg[512];
	SQLHDBC dbc = connect_cs(env, "ISO-8859-1", NULL);
	int since = emu_request_count(&emu);
	SQLHSTMT st = exec_direct(dbc, "INSERT INTO account (name, accountnumber) VALUES "
				  "('Caf\xe9 Cr\xe8me', 'CS-I1')", &rc);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "iODBC 3.52: Latin-1 SQL text fails in its conversion");
	is_str(state, "42000", "a syntax error");
	ok(strstr(msg, "unterminated quoted text") != NULL,
	   "the driver got the text cut at the byte: %s", msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	char *r = last_request(since);
	is_str(r, "", "nothing was sent to the service");
	free(r);
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	skip_check("ClientCharset conversions of ANSI text",
		   "iODBC 3.52 converts ANSI calls for the driver's W functions itself");
}

int main(void)
{
	start_emulator(&emu, "--rows 20 --seed 1", NULL);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	if (DV_TEST_IODBC) {
		test_iodbc(env);
	} else {
		test_latin1(env);
		test_cp1252(env);
		test_default_and_bad(env);
	}
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	emu_stop(&emu);
	return tap_done();
}
