/* test_odbc_fetchxml.c - SELECT ... FROM fetchxml('<fetch>..</fetch>')
 * through the real driver manager against the emulator: a query with a
 * link-entity read in pages of 4 through the paging cookie to the end
 * (every row once, exactly the rows the Web API's own $expand gives, page
 * 2.. sent with page= and paging-cookie=), the result columns named and
 * typed from the metadata ("pc.fullname" for the link-entity's column), an
 * aggregate with groupby (exactly the driver's GROUP BY), SQL over the
 * function's rows (COUNT, a join with an entity), and the refusals: a
 * parameter instead of the text, malformed XML, an unknown attribute. */
#include <curl/curl.h>
#include <yajl/yajl_tree.h>

#include "odbc_test.h"

static struct emu emu;
/* name|fullname of every account as the Web API's $expand gives them. */
static char *expected_link_rows(void)
{
	char errbuf[128], *body;
	const char *vp[] = {"value", NULL}, *np[] = {"name", NULL},
		   *cp[] = {"primarycontactid", NULL}, *fp[] = {"fullname", NULL};
	emu_webapi(&emu, NULL, "accounts?$select=name&$expand=primarycontactid($select=fullname)",
		   NULL, &body);
	yajl_val root = yajl_tree_parse(body, errbuf, sizeof(errbuf));
	yajl_val rows = root ? yajl_tree_get(root, vp, yajl_t_array) : NULL;
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap);
	for (size_t i = 0; rows && i < YAJL_GET_ARRAY(rows)->len; i++) {
		yajl_val r = YAJL_GET_ARRAY(rows)->values[i];
		yajl_val name = yajl_tree_get(r, np, yajl_t_string);
		yajl_val pc = yajl_tree_get(r, cp, yajl_t_object);
		yajl_val full = pc ? yajl_tree_get(pc, fp, yajl_t_string) : NULL;
		len += (size_t)snprintf(out + len, cap - len, "%s|%s\n",
					name ? YAJL_GET_STRING(name) : "NULL",
					full ? YAJL_GET_STRING(full) : "NULL");
	}
	yajl_tree_free(root);
	free(body);
	return out;
}

/* Runs sql, returns the rows (fetch_all) or NULL with state/msg. */
static char *run(SQLHDBC dbc, const char *sql, int ncols, char state[6], char *msg,
		 size_t msg_size)
{
	SQLHSTMT st;
	SQLRETURN rc;
	char *out = NULL;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	state[0] = '\0';
	rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	if (SQL_SUCCEEDED(rc))
		out = fetch_all(st, ncols);
	else
		diag1(SQL_HANDLE_STMT, st, state, msg, msg_size);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return out;
}

static size_t count_str(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

#define LINK_FETCH \
	"<fetch count=\"4\"><entity name=\"account\"><attribute name=\"name\"/>" \
	"<order attribute=\"name\"/>" \
	"<link-entity name=\"contact\" from=\"contactid\" to=\"primarycontactid\" alias=\"pc\" " \
	"link-type=\"outer\"><attribute name=\"fullname\"/></link-entity></entity></fetch>"

int main(void)
{
	char state[6], msg[1024];
	char *rows, *log, *want;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	start_emulator(&emu, "--rows 25 --seed 3", NULL);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn(env);

	/* 1. link-entity, pages of 4 through the paging cookie */
	char *accounts = run(dbc, "SELECT COUNT(*) FROM account", 1, state, msg, sizeof(msg));
	long naccounts = accounts ? atol(accounts) : 0;
	free(accounts);
	int since = emu_request_count(&emu);
	rows = run(dbc, "SELECT name, \"pc.fullname\" FROM fetchxml('" LINK_FETCH "')", 2, state,
		   msg, sizeof(msg));
	ok(rows != NULL, "fetchxml with a link-entity runs [%s] %s", state, rows ? "" : msg);
	want = expected_link_rows();
	{
		char *got_sorted = sorted_lines(rows), *want_sorted = sorted_lines(want);
		ok(naccounts > 8 && strcmp(got_sorted, want_sorted) == 0,
		   "every account once with its primary contact's name, as the Web API's $expand "
		   "gives them (%ld accounts)", naccounts);
		if (strcmp(got_sorted, want_sorted) != 0)
			printf("#   got:\n%s#   expected:\n%s", got_sorted, want_sorted);
		free(got_sorted);
		free(want_sorted);
	}
	free(want);
	free(rows);
	log = emu_requests(&emu, since);
	{
		long pages = (naccounts + 3) / 4;
		ok(log && (long)count_str(log, "GET /api/data/v9.2/accounts?fetchXml=") == pages,
		   "%ld pages of 4 were requested", pages);
		ok(log && count_str(log, "page%3D%222%22") == 1 &&
		   count_str(log, "paging-cookie%3D%22%26lt%3Bcookie") == (size_t)pages - 1,
		   "page 2 on asks with page= and the decoded paging-cookie");
	}
	free(log);

	/* the columns: names and types from the metadata */
	{
		SQLHSTMT st;
		SQLCHAR name[64];
		SQLSMALLINT nlen, type, digits, nullable, ncols = 0;
		SQLULEN size;
		SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
		SQLPrepare(st, (SQLCHAR *)"SELECT * FROM fetchxml('" LINK_FETCH "')", SQL_NTS);
		SQLNumResultCols(st, &ncols);
		ok(ncols == 2, "SELECT * has the two attributes (%d)", ncols);
		SQLDescribeCol(st, 2, name, sizeof(name), &nlen, &type, &size, &digits, &nullable);
		ok(strcmp((char *)name, "pc.fullname") == 0 && type == SQL_WVARCHAR,
		   "the link-entity column is pc.fullname, nvarchar (%s, %d)", name, type);
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	}

	/* SQLNativeSql shows the request it becomes */
	{
		SQLCHAR out[4096];
		SQLINTEGER len = 0;
		SQLRETURN rc = SQLNativeSql(dbc, (SQLCHAR *)"SELECT name FROM fetchxml('" LINK_FETCH
					    "') WHERE name > 'B'", SQL_NTS, out, sizeof(out), &len);
		char want_get[256];
		snprintf(want_get, sizeof(want_get), "GET %s/api/data/v9.2/accounts?$fetchXml=<fetch "
			 "count=\"4\">", emu.url);
		ok(SQL_SUCCEEDED(rc) && strncmp((char *)out, want_get, strlen(want_get)) == 0,
		   "SQLNativeSql: %s", SQL_SUCCEEDED(rc) ? (char *)out : "failed");
	}

	/* 2. an aggregate with groupby: the same as the driver's GROUP BY */
	rows = run(dbc, "SELECT * FROM fetchxml('<fetch aggregate=\"true\"><entity name=\"account\">"
		   "<attribute name=\"statecode\" groupby=\"true\" alias=\"state\"/>"
		   "<attribute name=\"accountid\" aggregate=\"count\" alias=\"n\"/>"
		   "<attribute name=\"numberofemployees\" aggregate=\"sum\" alias=\"staff\"/>"
		   "</entity></fetch>') ORDER BY state", 3, state, msg, sizeof(msg));
	want = run(dbc, "SELECT statecode, COUNT(*), SUM(numberofemployees) FROM account "
		   "GROUP BY statecode ORDER BY statecode", 3, state, msg, sizeof(msg));
	ok(rows && want && strcmp(rows, want) == 0 && count_str(rows, "\n") >= 1,
	   "aggregate: groups, counts and sums as GROUP BY gives them");
	if (!rows || !want || strcmp(rows, want) != 0)
		printf("#   got:\n%s#   expected:\n%s#   [%s] %s\n", rows ? rows : "",
		       want ? want : "", state, msg);
	free(rows);
	free(want);
	{
		SQLHSTMT st;
		SQLCHAR name[64];
		SQLSMALLINT nlen, type, digits, nullable;
		SQLULEN size;
		SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
		SQLPrepare(st, (SQLCHAR *)"SELECT n FROM fetchxml('<fetch aggregate=\"true\"><entity "
			   "name=\"account\"><attribute name=\"accountid\" aggregate=\"count\" "
			   "alias=\"n\"/></entity></fetch>')", SQL_NTS);
		SQLDescribeCol(st, 1, name, sizeof(name), &nlen, &type, &size, &digits, &nullable);
		ok(type == SQL_BIGINT, "a count is BIGINT (%d)", type);
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	}

	/* 3. SQL over the rows: COUNT, and a join with an entity */
	rows = run(dbc, "SELECT COUNT(*) FROM fetchxml('" LINK_FETCH "') f "
		   "JOIN account a ON a.name = f.name", 1, state, msg, sizeof(msg));
	ok(rows && atol(rows) >= naccounts, "joined with account locally (%s) [%s] %s",
	   rows ? rows : "", state, rows ? "" : msg);
	free(rows);
	/* scanned once per account row (a correlated subquery): read twice, then replayed */
	since = emu_request_count(&emu);
	rows = run(dbc, "SELECT a.accountid, (SELECT COUNT(*) FROM fetchxml('<fetch><entity "
		   "name=\"contact\"><attribute name=\"fullname\"/></entity></fetch>') c "
		   "WHERE c.fullname >= a.name) FROM account a ORDER BY a.accountid", 2, state, msg,
		   sizeof(msg));
	log = emu_requests(&emu, since);
	want = run(dbc, "SELECT a.accountid, (SELECT COUNT(*) FROM contact c WHERE c.fullname >= "
		   "a.name) FROM account a ORDER BY a.accountid", 2, state, msg, sizeof(msg));
	ok(rows && want && strcmp(rows, want) == 0 && count_str(rows, "\n") == (size_t)naccounts,
	   "a correlated subquery over fetchxml() gives what it gives over the table");
	ok(log && count_str(log, "contacts?fetchXml=") == 2,
	   "and the FetchXML was read twice for %ld outer rows (%zu requests)", naccounts,
	   log ? count_str(log, "contacts?fetchXml=") : 0);
	free(want);
	free(log);
	free(rows);

	/* the text as SQL quotes it, top=, and a literal that only looks like a call */
	since = emu_request_count(&emu);
	rows = run(dbc, "SELECT COUNT(*) FROM fetchxml('<fetch top=\"3\"><entity name=\"account\">"
		   "<attribute name=\"name\"/><filter type=\"or\"><condition attribute=\"name\" "
		   "operator=\"ne\" value=\"O''Brien &amp; Sons\"/></filter></entity></fetch>')", 1,
		   state, msg, sizeof(msg));
	ok(rows && strcmp(rows, "3\n") == 0, "top=\"3\": 3 rows, a quote doubled in SQL (%s) [%s] %s",
	   rows ? rows : "", state, rows ? "" : msg);
	free(rows);
	log = emu_requests(&emu, since);
	ok(log && count_str(log, "fetchXml=") == 1 && strstr(log, "O%27Brien") &&
	   !strstr(log, "page%3D"), "one request, the quote sent once, no paging with top");
	free(log);
	rows = run(dbc, "SELECT 'fetchxml(''<fetch/>'')' /* fetchxml('x') */", 1, state, msg,
		   sizeof(msg));
	ok(rows && strcmp(rows, "fetchxml('<fetch/>')\n") == 0,
	   "fetchxml( inside a string or a comment is left alone (%s)", rows ? rows : msg);
	free(rows);

	/* 4. refusals */
	rows = run(dbc, "SELECT * FROM fetchxml(?)", 1, state, msg, sizeof(msg));
	ok(!rows && strcmp(state, "42000") == 0 && strstr(msg, "string literal"),
	   "a parameter for the FetchXML: 42000 (%s)", msg);
	free(rows);
	since = emu_request_count(&emu);
	rows = run(dbc, "SELECT * FROM fetchxml('<fetch><entity name=\"account\">"
		   "<attribute name=\"name\"></entity></fetch>')", 1, state, msg, sizeof(msg));
	ok(!rows && strcmp(state, "42000") == 0 && strstr(msg, "not well-formed"),
	   "malformed FetchXML: 42000 (%s)", msg);
	free(rows);
	rows = run(dbc, "SELECT * FROM fetchxml('<fetch><entity name=\"account\">"
		   "<attribute name=\"nosuch\"/></entity></fetch>')", 1, state, msg, sizeof(msg));
	ok(!rows && strcmp(state, "42S22") == 0 && strstr(msg, "nosuch"),
	   "an unknown attribute: 42S22 (%s)", msg);
	free(rows);
	log = emu_requests(&emu, since);
	ok(log && !strstr(log, "fetchXml"), "nothing was sent for them");
	free(log);
	rows = run(dbc, "SELECT * FROM fetchxml('<fetch><entity name=\"account\"><attribute "
		   "name=\"name\"/><filter><condition attribute=\"name\" operator=\"sounds-like\" "
		   "value=\"x\"/></filter></entity></fetch>')", 1, state, msg, sizeof(msg));
	ok(!rows && strcmp(state, "42000") == 0 && strstr(msg, "0x80040203") &&
	   strstr(msg, "sounds-like"), "what the service refuses is its diagnostic (%s)", msg);
	free(rows);

	disconnect(env, dbc);
	emu_stop(&emu);
	curl_global_cleanup();
	return tap_done();
}
