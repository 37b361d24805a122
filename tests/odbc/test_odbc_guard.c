/* test_odbc_guard.c - what the local SQL engine refuses, through unixODBC
 * against the emulator: DDL, ATTACH / DETACH / VACUUM, PRAGMA, transaction
 * statements, load_extension() and SQLite's internal tables are 42000 with a
 * message naming the statement, before anything is sent (the emulator's
 * request log does not move) or written (no file appears); a text of several
 * statements is 42000 naming the second one and runs none; entities stay
 * visible; CTEs, subqueries, ORDER BY / GROUP BY and a trailing ';' keep
 * working; SQL_ATTR_QUERY_TIMEOUT stops slow local work with HYT00 and
 * SQLCancel with HY008. */
#include "odbc_test.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

static struct emu emu;

/* Local work that takes minutes unless something stops it. */
#define SLOW_SQL "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c " \
		 "WHERE x < 2000000000) SELECT count(*) FROM c"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs sql on a fresh statement; rows as fetch_all gives them, or NULL
 * (with the diagnostic printed) when it fails. */
static char *rows_of(SQLHDBC dbc, const char *sql)
{
	SQLHSTMT st;
	SQLSMALLINT ncols = 0;
	char *rows = NULL;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	if (SQL_SUCCEEDED(rc)) {
		SQLNumResultCols(st, &ncols);
		rows = fetch_all(st, ncols);
	} else {
		char state[6], msg[512];
		diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
		printf("# %s: [%s] %s\n", sql, state, msg);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return rows;
}

/* SQLExecDirect(sql) fails with 42000 whose message holds `want`, and no
 * request reaches the emulator. */
static void refused(SQLHDBC dbc, const char *sql, const char *want)
{
	SQLHSTMT st;
	char state[6], msg[1024];
	int before = emu_request_count(&emu);
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	is_int(rc, SQL_ERROR, "refused: %s", sql);
	is_str(state, "42000", "  42000");
	ok(strstr(msg, want) != NULL, "  message says \"%s\"", want);
	if (!strstr(msg, want))
		printf("#   got: %s\n", msg);
	ok(strncmp(msg, "[dvodbc]", 8) == 0, "  message starts with [dvodbc]");
	int after = emu_request_count(&emu);
	is_int(after, before, "  nothing sent to the service");
	if (after != before) {
		char *r = emu_requests(&emu, before);
		printf("#   sent:\n%s", r ? r : "");
		free(r);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static const struct {
	const char *sql;
	const char *want;
} refusals[] = {
	{"CREATE TABLE account (a int)",
	 "[dvodbc]CREATE TABLE is not supported: Dataverse tables and columns are created "
	 "in the maker portal"},
	{"create temp table scratch (a int)", "CREATE TABLE is not supported"},
	{"CREATE TABLE copy AS SELECT name FROM account", "CREATE TABLE is not supported"},
	{"CREATE TABLE IF NOT EXISTS account (a int)", "CREATE TABLE is not supported"},
	{"  /* c */ CREATE VIEW v AS SELECT name FROM account", "CREATE VIEW is not supported"},
	{"CREATE UNIQUE INDEX i ON account (name)", "CREATE INDEX is not supported"},
	{"CREATE TRIGGER tr AFTER INSERT ON account BEGIN DELETE FROM account; END",
	 "CREATE TRIGGER is not supported"},
	{"CREATE VIRTUAL TABLE x USING dataverse(account)",
	 "CREATE VIRTUAL TABLE is not supported"},
	{"DROP TABLE account", "DROP TABLE is not supported: Dataverse tables are deleted in "
			       "the maker portal"},
	{"DROP TABLE IF EXISTS account", "DROP TABLE is not supported"},
	{"DROP TABLE IF EXISTS not_a_table", "DROP TABLE is not supported"},
	{"DROP VIEW IF EXISTS v", "DROP VIEW is not supported"},
	{"DROP INDEX i", "DROP INDEX is not supported"},
	{"ALTER TABLE account ADD COLUMN x int", "ALTER TABLE is not supported"},
	{"ALTER TABLE account RENAME TO acct", "ALTER TABLE is not supported"},
	{"DETACH DATABASE temp", "DETACH DATABASE is not supported"},
	{"VACUUM", "VACUUM is not supported: the local SQL engine does not read or write files"},
	{"PRAGMA writable_schema = 1", "PRAGMA is not supported"},
	{"PRAGMA table_info(account)", "PRAGMA is not supported"},
	{"pragma temp_store_directory = '/tmp'", "PRAGMA is not supported"},
	{"SELECT * FROM pragma_table_info('account')", "pragma_table_info() is not supported"},
	{"SELECT count(*) FROM sqlite_master",
	 "sqlite_master is not available: it is an internal table of the local SQL engine"},
	{"SELECT name FROM sqlite_schema", "sqlite_schema is not available"},
	{"SELECT * FROM \"sqlite_temp_master\"", "sqlite_temp_master is not available"},
	{"SELECT * FROM temp.sqlite_temp_schema", "sqlite_temp_schema is not available"},
	{"SELECT name FROM account WHERE name IN (SELECT name FROM main.[sqlite_master])",
	 "sqlite_master is not available"},
	{"WITH x AS (SELECT 1) DELETE FROM sqlite_master", "sqlite_master is not available"},
	{"SELECT load_extension('/nonexistent/x.so')", "load_extension() is not supported"},
	{"BEGIN", "BEGIN is not supported: use SQLSetConnectAttr(SQL_ATTR_AUTOCOMMIT"},
	{"BEGIN TRANSACTION", "BEGIN is not supported"},
	{"COMMIT", "COMMIT is not supported"},
	{"END TRANSACTION", "END is not supported"},
	{"ROLLBACK", "ROLLBACK is not supported"},
	{"SAVEPOINT a", "SAVEPOINT is not supported"},
	{"RELEASE a", "RELEASE is not supported"},
	{"ROLLBACK TO a", "ROLLBACK TO is not supported"},
	{"ANALYZE", "ANALYZE is not supported"},
	{"REINDEX", "REINDEX is not supported"},
	{"EXPLAIN CREATE TABLE t (a int)", "CREATE TABLE is not supported"},
	{"EXPLAIN QUERY PLAN DROP TABLE account", "DROP TABLE is not supported"},
};

static void test_refusals(SQLHDBC dbc)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		refused(dbc, refusals[i].sql, refusals[i].want);
}

/* ATTACH and VACUUM INTO name a file: refused, and the file never appears. */
static void test_no_files(SQLHDBC dbc)
{
	char path[400], sql[512];
	snprintf(path, sizeof(path), "%s/attached.db", emu.dir);
	snprintf(sql, sizeof(sql), "ATTACH DATABASE '%s' AS other", path);
	refused(dbc, sql, "ATTACH DATABASE is not supported: the local SQL engine does not "
			  "read or write files");
	ok(access(path, F_OK) != 0, "ATTACH created no file");
	snprintf(path, sizeof(path), "%s/vacuumed.db", emu.dir);
	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", path);
	refused(dbc, sql, "VACUUM is not supported");
	ok(access(path, F_OK) != 0, "VACUUM INTO wrote no file");
	snprintf(sql, sizeof(sql), "SELECT 1 FROM account; ATTACH '%s' AS other", path);
	refused(dbc, sql, "only one SQL statement per execution is supported");
	ok(access(path, F_OK) != 0, "an ATTACH after another statement wrote no file");
}

/* SQLPrepare refuses too (nothing to execute), and so does SQLNativeSql. */
static void test_prepare_and_native(SQLHDBC dbc)
{
	SQLHSTMT st;
	SQLCHAR out[512];
	SQLINTEGER len = 0;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	is_int(SQLPrepare(st, (SQLCHAR *)"CREATE TABLE account (a int)", SQL_NTS), SQL_ERROR,
	       "SQLPrepare of CREATE TABLE fails");
	is_str(state_of(SQL_HANDLE_STMT, st), "42000", "  42000");
	is_int(SQLExecute(st), SQL_ERROR, "  and there is nothing to execute");
	is_int(SQLPrepare(st, (SQLCHAR *)"SELECT 1; SELECT 2", SQL_NTS), SQL_ERROR,
	       "SQLPrepare of two statements fails");
	is_str(state_of(SQL_HANDLE_STMT, st), "42000", "  42000");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	is_int(SQLNativeSql(dbc, (SQLCHAR *)"DROP TABLE account", SQL_NTS, out, sizeof(out),
			    &len), SQL_ERROR, "SQLNativeSql of DROP TABLE fails");
	is_str(state_of(SQL_HANDLE_DBC, dbc), "42000", "  42000");
}

/* Several statements in one text: none runs, 42000 names the second. */
static void test_batches(SQLHDBC dbc)
{
	char *r;
	refused(dbc, "INSERT INTO account (name) VALUES ('guard one'); "
		"INSERT INTO account (name) VALUES ('guard two')",
		"a second one starts at \"INSERT INTO account (name) VALUES ('guard two')\"");
	refused(dbc, "SELECT 1; INSERT INTO account (name) VALUES ('guard three')",
		"only one SQL statement per execution is supported: a second one starts at "
		"\"INSERT INTO account (name) VALUES ('guard three')\"");
	refused(dbc, "SELECT name FROM account WHERE name = 'x';\n-- next\nDELETE FROM account",
		"a second one starts at \"DELETE FROM account\"");
	r = rows_of(dbc, "SELECT count(*) FROM account WHERE name LIKE 'guard%'");
	is_str(r, "0\n", "no row of a refused batch was inserted");
	free(r);

	r = rows_of(dbc, "SELECT 1;");
	is_str(r, "1\n", "a trailing ';' runs");
	free(r);
	r = rows_of(dbc, "SELECT 2 ;; -- done\n /* really */ ; \n");
	is_str(r, "2\n", "';', comments and blanks after the statement run");
	free(r);
	r = rows_of(dbc, "; SELECT 3");
	is_str(r, "3\n", "a ';' before the statement runs");
	free(r);
	refused(dbc, "SELECT 1;;; SELECT 2", "a second one starts at \"SELECT 2\"");
	r = rows_of(dbc, "SELECT 'a;b' AS x, \"name\" FROM account WHERE name = 'Lamna Co 11';");
	is_str(r, "a;b|Lamna Co 11\n", "a ';' inside a literal is not a statement end");
	free(r);
}

/* Entities stay entities; what SQLite computes locally keeps working. */
static void test_still_works(SQLHDBC dbc)
{
	static const struct {
		const char *sql;
		const char *rows;
	} cases[] = {
		{"SELECT count(*) FROM account", "20\n"},
		{"SELECT name FROM account WHERE name = 'Alpine Ski GmbH 1'", "Alpine Ski GmbH 1\n"},
		{"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) "
		 "SELECT sum(x) FROM c", "15\n"},
		{"SELECT n FROM (SELECT name AS n FROM account ORDER BY name DESC LIMIT 2) "
		 "ORDER BY n", "Trey Research Pty Ltd 20\nVanArsdel S.A. 19\n"},
		{"SELECT count(*) FROM (SELECT substr(name, 1, 1) AS l FROM account GROUP BY l)",
		 "11\n"},
		{"WITH a AS (SELECT name FROM account WHERE name LIKE 'Lamna%') "
		 "SELECT name FROM a ORDER BY name DESC", "Lamna LLC 10\nLamna Co 11\n"},
		{"SELECT sum(value) FROM json_each('[1,2,3]')", "6\n"},
		{"SELECT sqlite_version() IS NOT NULL", "1\n"},
		{"SELECT name, row_number() OVER (ORDER BY name) FROM account "
		 "WHERE name LIKE 'Alpine%'", "Alpine Ski GmbH 1|1\nAlpine Ski Pty Ltd 5|2\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = rows_of(dbc, cases[i].sql);
		is_str(r, cases[i].rows, "runs: %s", cases[i].sql);
		free(r);
	}
}

/* SQL_ATTR_QUERY_TIMEOUT stops local work with HYT00. */
static void test_timeout(SQLHDBC dbc)
{
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLSetStmtAttr(st, SQL_ATTR_QUERY_TIMEOUT, (SQLPOINTER)1, 0);
	double t0 = now();
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)SLOW_SQL, SQL_NTS);
	double took = now() - t0;
	is_int(rc, SQL_ERROR, "a 1 s query timeout stops slow local work");
	is_str(state_of(SQL_HANDLE_STMT, st), "HYT00", "  HYT00");
	ok(took < 30.0, "  it stopped (%.1f s; unlimited it takes minutes)", took);

	/* the statement and the connection work afterwards */
	rc = SQLExecDirect(st, (SQLCHAR *)"SELECT count(*) FROM account", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "a quick query under the same 1 s timeout runs");
	char *r = SQL_SUCCEEDED(rc) ? fetch_all(st, 1) : NULL;
	is_str(r, "20\n", "  its rows");
	free(r);
	SQLFreeStmt(st, SQL_CLOSE);
	SQLSetStmtAttr(st, SQL_ATTR_QUERY_TIMEOUT, (SQLPOINTER)0, 0);
	rc = SQLExecDirect(st, (SQLCHAR *)"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
			   "SELECT x + 1 FROM c WHERE x < 100000) SELECT count(*) FROM c",
			   SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "without a timeout, local work runs to the end");
	r = SQL_SUCCEEDED(rc) ? fetch_all(st, 1) : NULL;
	is_str(r, "100000\n", "  its count");
	free(r);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void *cancel_later(void *st)
{
	struct timespec pause = {1, 0};
	nanosleep(&pause, NULL);
	SQLCancel((SQLHSTMT)st);
	return NULL;
}

/* SQLCancel from another thread stops local work with HY008. */
static void test_cancel(SQLHDBC dbc)
{
	SQLHSTMT st;
	pthread_t th;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	double t0 = now();
	pthread_create(&th, NULL, cancel_later, st);
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)SLOW_SQL, SQL_NTS);
	double took = now() - t0;
	pthread_join(th, NULL);
	is_int(rc, SQL_ERROR, "SQLCancel stops slow local work");
	is_str(state_of(SQL_HANDLE_STMT, st), "HY008", "  HY008");
	ok(took < 30.0, "  it stopped (%.1f s)", took);
	rc = SQLExecDirect(st, (SQLCHAR *)"SELECT 7", SQL_NTS);
	rc_ok(rc, SQL_HANDLE_STMT, st, "the statement runs again after a cancel");
	char *r = SQL_SUCCEEDED(rc) ? fetch_all(st, 1) : NULL;
	is_str(r, "7\n", "  its row");
	free(r);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

int main(void)
{
	start_emulator(&emu, "--rows 20 --seed 1", NULL);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn(env);
	char *r = rows_of(dbc, "SELECT count(*) FROM account");
	is_str(r, "20\n", "account has its 20 rows before");
	free(r);
	test_refusals(dbc);
	test_no_files(dbc);
	test_prepare_and_native(dbc);
	test_batches(dbc);
	test_still_works(dbc);
	test_timeout(dbc);
	test_cancel(dbc);
	disconnect(env, dbc);
	emu_stop(&emu);
	return tap_done();
}
