/* test_odbc_changes.c - incremental reads through <entity>_changes(token),
 * through the real driver manager against the emulator, as an ETL job
 * with only a DSN and SQL does them: a full read (token NULL, three pages
 * of PageSize=10), its token from dv_last_change_token('account'), then a
 * create, an update and a delete straight through the Web API (curl, not
 * the driver) and a delete through the driver, an incremental read that
 * returns exactly those four changes (rows as the service holds them now,
 * deletions with only the key), a WHERE over them run locally, an empty
 * incremental read (after a 429, retried) with a new token; a read
 * stopped half-way leaves no token; an expired token (the
 * emulator's clock moved past 7 days) is HY000 with native 0x80044352 and
 * says to do a full read; a table without change tracking is 42000 naming
 * ChangeTrackingEnabled, before any request; the application cannot
 * CREATE VIRTUAL TABLE with the driver's module; nosuch_changes is 42S02. */
#include <curl/curl.h>
#include <yajl/yajl_tree.h>

#include "odbc_test.h"

static struct emu emu;
#define NEW_ID "5e1f0000-0000-4000-8000-0000000000c7"

/* The Web API as another application uses it (not through the driver). */
static long web_api(const char *method, const char *rel, const char *body)
{
	return emu_webapi(&emu, method, rel, body, NULL);
}

/* Runs sql with one text parameter (NULL = SQL NULL); returns the rows as
 * fetch_all gives them, or NULL with the diagnostic in state/msg. */
static char *run(SQLHDBC dbc, const char *sql, const char *param, int ncols, char state[6],
		 char *msg, size_t msg_size, SQLINTEGER *native)
{
	SQLHSTMT st;
	SQLLEN ind = param ? SQL_NTS : SQL_NULL_DATA;
	SQLRETURN rc;
	char *out = NULL;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (strchr(sql, '?'))
		SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 200, 0,
				 (SQLPOINTER)param, 0, &ind);
	state[0] = '\0';
	rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	if (SQL_SUCCEEDED(rc))
		out = fetch_all(st, ncols);
	if (!out) {
		SQLSMALLINT len = 0;
		*native = 0;
		SQLGetDiagRec(SQL_HANDLE_STMT, st, 1, (SQLCHAR *)state, native, (SQLCHAR *)msg,
			      (SQLSMALLINT)msg_size, &len);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return out;
}

/* The last change token, or "" when NULL. */
static void last_token(SQLHDBC dbc, char *out, size_t n)
{
	char state[6], msg[512];
	SQLINTEGER native;
	char *rows = run(dbc, "SELECT dv_last_change_token('account')", NULL, 1, state, msg,
			 sizeof(msg), &native);
	snprintf(out, n, "%s", rows && strcmp(rows, "NULL\n") != 0 ? rows : "");
	if (out[0] && out[strlen(out) - 1] == '\n')
		out[strlen(out) - 1] = '\0';
	free(rows);
}

static int count_requests(const char *log, const char *needle)
{
	int n = 0;
	for (const char *p = log; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

int main(void)
{
	char state[6], msg[1024], tok1[256], tok2[256], tok3[256], expect[2048];
	char ids[3][40], names[3][128];
	SQLINTEGER native = 0;
	char *rows, *log;
	const char *q = "SELECT accountid, name, telephone1, dv_change_type FROM account_changes(?)";

	curl_global_init(CURL_GLOBAL_DEFAULT);
	start_emulator(&emu, "--rows 25 --seed 3", "PageSize=10\n");
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn(env);

	/* three existing accounts to change */
	rows = run(dbc, "SELECT accountid, name FROM account ORDER BY accountid LIMIT 3", NULL, 2,
		   state, msg, sizeof(msg), &native);
	if (!rows || count_lines(rows) != 3)
		bail_out("cannot read three accounts");
	{
		char *line = rows;
		for (int i = 0; i < 3; i++) {
			char *bar = strchr(line, '|'), *nl = strchr(line, '\n');
			snprintf(ids[i], sizeof(ids[i]), "%.*s", (int)(bar - line), line);
			snprintf(names[i], sizeof(names[i]), "%.*s", (int)(nl - bar - 1), bar + 1);
			line = nl + 1;
		}
	}
	free(rows);
	char *all = run(dbc, "SELECT COUNT(*) FROM account", NULL, 1, state, msg, sizeof(msg),
			&native);

	/* 1. the full read: every row, new_or_updated, three pages, then a token */
	int since = emu_request_count(&emu);
	rows = run(dbc, q, NULL, 4, state, msg, sizeof(msg), &native);
	ok(rows != NULL, "full read runs [%s] %s", state, rows ? "" : msg);
	ok(rows && all && (long)count_lines(rows) == atol(all),
	   "full read: every account (%d rows, %ld accounts)", count_lines(rows),
	   all ? atol(all) : -1);
	ok(rows && count_requests(rows, "|new_or_updated\n") == count_lines(rows),
	   "full read: every row is new_or_updated");
	free(rows);
	free(all);
	log = emu_requests(&emu, since);
	ok(log && count_requests(log, "GET /api/data/v9.2/accounts?$select=") == 3 &&
	   !strstr(log, "deltatoken"), "full read: three pages of accounts, no delta token");
	yajl_val tree = emu_requests_tree(&emu, since);
	{
		const char *hp[] = {"headers", "prefer", NULL}, *up[] = {"url", NULL};
		yajl_val first = NULL, pref;
		for (size_t i = 0; tree && YAJL_IS_ARRAY(tree) && i < YAJL_GET_ARRAY(tree)->len &&
				   !first; i++) {
			yajl_val u = yajl_tree_get(YAJL_GET_ARRAY(tree)->values[i], up, yajl_t_string);
			const char *us = u ? YAJL_GET_STRING(u) : NULL;
			if (us && strstr(us, "/accounts?$select="))
				first = YAJL_GET_ARRAY(tree)->values[i];
		}
		pref = first ? yajl_tree_get(first, hp, yajl_t_string) : NULL;
		const char *pv = pref ? YAJL_GET_STRING(pref) : NULL;
		ok(pv && strstr(pv, "odata.track-changes") && strstr(pv, "odata.maxpagesize=10"),
		   "the first request asks for track-changes and pages of 10 (%s)",
		   pv ? pv : "no Prefer");
	}
	yajl_tree_free(tree);
	free(log);
	last_token(dbc, tok1, sizeof(tok1));
	ok(strchr(tok1, '!') && strlen(tok1) == strcspn(tok1, "!") + 20,
	   "dv_last_change_token('account') is the service's '<version>!<date>' (%s)", tok1);

	/* 2. changes straight through the Web API, and a delete through the driver */
	ok(web_api("POST", "accounts", "{\"accountid\":\"" NEW_ID "\",\"name\":\"CT new\"}") == 204,
	   "Web API: create");
	snprintf(msg, sizeof(msg), "accounts(%s)", ids[0]);
	ok(web_api("PATCH", msg, "{\"telephone1\":\"555-0199\"}") == 204, "Web API: update");
	snprintf(msg, sizeof(msg), "accounts(%s)", ids[1]);
	ok(web_api("DELETE", msg, NULL) == 204, "Web API: delete");
	{
		SQLHSTMT st;
		char sql[200];
		SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
		snprintf(sql, sizeof(sql), "DELETE FROM account WHERE accountid = '%s'", ids[2]);
		rc_ok(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, st,
		      "driver: delete");
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	}

	/* 3. the incremental read: exactly those changes, in the service's order */
	since = emu_request_count(&emu);
	rows = run(dbc, q, tok1, 4, state, msg, sizeof(msg), &native);
	snprintf(expect, sizeof(expect),
		 NEW_ID "|CT new|NULL|new_or_updated\n"
		 "%s|%s|555-0199|new_or_updated\n"
		 "%s|NULL|NULL|deleted\n"
		 "%s|NULL|NULL|deleted\n", ids[0], names[0], ids[1], ids[2]);
	ok(rows && strcmp(rows, expect) == 0, "incremental read: the create, the update and both "
	   "deletes");
	if (!rows || strcmp(rows, expect) != 0)
		printf("#   got:\n%s#   expected:\n%s#   [%s] %s\n", rows ? rows : "", expect,
		       state, rows ? "" : msg);
	free(rows);
	log = emu_requests(&emu, since);
	snprintf(msg, sizeof(msg), "$deltatoken=%.*s%%21", (int)strcspn(tok1, "!"), tok1);
	ok(log && count_requests(log, "GET /api/data/v9.2/accounts?") == 1 && strstr(log, msg),
	   "incremental read: one request with the token as $deltatoken");
	free(log);
	last_token(dbc, tok2, sizeof(tok2));
	ok(tok2[0] && strcmp(tok2, tok1) != 0, "a new token (%s)", tok2);

	/* WHERE on the result works locally (nothing is pushed with a delta query) */
	rows = run(dbc, "SELECT accountid FROM account_changes(?) WHERE dv_change_type = 'deleted' "
		   "ORDER BY accountid", tok1, 1, state, msg, sizeof(msg), &native);
	snprintf(expect, sizeof(expect), "%s\n%s\n", strcmp(ids[1], ids[2]) < 0 ? ids[1] : ids[2],
		 strcmp(ids[1], ids[2]) < 0 ? ids[2] : ids[1]);
	ok(rows && strcmp(rows, expect) == 0, "deleted ids only, filtered and sorted locally");
	free(rows);

	/* 4. nothing changed: no rows, and a token again (after a 429, retried as any read) */
	since = emu_request_count(&emu);
	emu_fault(&emu, "{\"count\":1,\"kind\":\"429\",\"retry_after\":1,\"match\":\"deltatoken\"}");
	rows = run(dbc, q, tok2, 4, state, msg, sizeof(msg), &native);
	ok(rows && rows[0] == '\0', "incremental read with nothing changed: no rows [%s] %s", state,
	   rows ? "" : msg);
	free(rows);
	log = emu_requests(&emu, since);
	ok(log && count_requests(log, "deltatoken") == 2, "the 429 was retried once");
	free(log);
	last_token(dbc, tok3, sizeof(tok3));
	ok(tok3[0] != '\0', "and a token for the next read (%s)", tok3);

	/* SQLNativeSql shows the request */
	{
		SQLCHAR out[2048];
		SQLINTEGER len = 0;
		SQLRETURN rc = SQLNativeSql(dbc, (SQLCHAR *)q, SQL_NTS, out, sizeof(out), &len);
		ok(SQL_SUCCEEDED(rc) && strstr((char *)out, "/api/data/v9.2/accounts?$select=") &&
		   strstr((char *)out, "deltatoken=?1"), "SQLNativeSql: %s",
		   SQL_SUCCEEDED(rc) ? (char *)out : "failed");
	}

	/* 5. a read stopped half-way hands out no token */
	{
		SQLHSTMT st;
		SQLLEN ind = SQL_NULL_DATA;
		SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
		SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 200, 0, NULL, 0,
				 &ind);
		SQLExecDirect(st, (SQLCHAR *)q, SQL_NTS);
		ok(SQL_SUCCEEDED(SQLFetch(st)), "a full read started");
		SQLCloseCursor(st);
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		last_token(dbc, tok3, sizeof(tok3));
		ok(tok3[0] == '\0', "closed before its end: dv_last_change_token is NULL");
	}

	/* 6. an expired token */
	ok(emu_post(&emu, "/_emu/clock", "{\"now\":\"2031-01-01T00:00:00Z\"}") == 200,
	   "emulator clock moved past the token's 7 days");
	rows = run(dbc, q, tok2, 4, state, msg, sizeof(msg), &native);
	ok(!rows && strcmp(state, "HY000") == 0 && native == (SQLINTEGER)0x80044352u,
	   "expired token: HY000, native 0x80044352 [%s %ld]", state, (long)native);
	ok(!rows && strstr(msg, "has expired") && strstr(msg, "account_changes(NULL)") &&
	   strstr(msg, "Version stamp associated with the client has expired"),
	   "the message says to do a full read (%s)", msg);
	free(rows);
	emu_post(&emu, "/_emu/clock", "{\"now\":null}");

	/* 7. a table without change tracking: refused before any request */
	since = emu_request_count(&emu);
	rows = run(dbc, "SELECT * FROM businessunit_changes(NULL)", NULL, 1, state, msg,
		   sizeof(msg), &native);
	ok(!rows && strcmp(state, "42000") == 0, "businessunit_changes: 42000 [%s]", state);
	ok(!rows && strstr(msg, "ChangeTrackingEnabled") && strstr(msg, "businessunit"),
	   "the message names ChangeTrackingEnabled (%s)", msg);
	log = emu_requests(&emu, since);
	ok(log && !strstr(log, "businessunits?"), "and nothing was asked of the service");
	free(log);
	free(rows);

	/* the modules are the driver's: the application cannot make tables of them */
	rows = run(dbc, "CREATE VIRTUAL TABLE temp.x USING dv_changes(account)", NULL, 1, state,
		   msg, sizeof(msg), &native);
	ok(!rows && strcmp(state, "42000") == 0, "CREATE VIRTUAL TABLE ... USING dv_changes: "
	   "42000 [%s]", state);
	free(rows);

	/* an unknown table still says so */
	rows = run(dbc, "SELECT * FROM nosuch_changes(NULL)", NULL, 1, state, msg, sizeof(msg),
		   &native);
	ok(!rows && strcmp(state, "42S02") == 0, "nosuch_changes: 42S02 [%s] %s", state, msg);
	free(rows);

	disconnect(env, dbc);
	emu_stop(&emu);
	curl_global_cleanup();
	return tap_done();
}
