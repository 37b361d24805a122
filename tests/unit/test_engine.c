/* test_engine.c - the SQLite engine with the "dataverse" virtual table
 * against the emulator: exact rows and the exact requests the emulator
 * received for each pushdown (select, =, <, IN, LIKE, IS NULL, ORDER BY,
 * LIMIT), a join whose request count does not grow with the outer rows,
 * local GROUP BY, and the 42S02 / 42S22 errors. */
#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine_stack.h"
#include "util/buf.h"

static struct emu emu;

/* Runs ODBC SQL on the stack; rows as "a|b\n" lines, NULL with err set. */
static char *run(struct engine_stack *s, const char *sql, struct dv_error *err)
{
	return engine_stack_run(s, sql, NULL, err);
}

/* The data requests since the last reset (token and metadata requests dropped). */
static char *data_requests(void)
{
	return engine_stack_data_requests(&emu);
}

#define API "GET /api/data/v9.2/"

struct query_case {
	const char *sql;
	const char *rows;
	const char *requests;
};

static const struct query_case cases[] = {
	{"SELECT name FROM account LIMIT 3",
	 "Alpine Ski GmbH 1\nTailspin Traders 2\nRelecloud Inc 3\n",
	 API "accounts?$select=accountid,name&$top=3\n"},
	{"SELECT name FROM account WHERE name = 'alpine ski pty ltd 5'",
	 "Alpine Ski Pty Ltd 5\n",
	 API "accounts?$select=accountid,name&$filter=name%20eq%20'alpine%20ski%20pty%20ltd%205'\n"},
	{"SELECT name, revenue, createdon FROM account WHERE revenue < 10000000 ORDER BY revenue",
	 "VanArsdel S.A. 19|1362000.65|2019-07-15 01:00:30\n"
	 "Fourth Coffee Ltd 12|5187000.24|2020-09-29 03:25:47\n"
	 "City Power LLC 7|5917000.37|2022-09-20 01:42:11\n"
	 "Alpine Ski GmbH 1|7316000.62|2023-01-26 20:59:58\n",
	 API "accounts?$select=accountid,name,revenue,createdon&$filter=revenue%20lt%2010000000"
	 "&$orderby=revenue%20asc,accountid%20asc\n"},
	{"SELECT name FROM account WHERE statecode IN (0, 1) AND name LIKE 'Al%' ORDER BY name",
	 "Alpine Ski GmbH 1\nAlpine Ski Pty Ltd 5\n",
	 API "accounts?$select=accountid,name,statecode&$filter=(statecode%20eq%200%20or%20"
	 "statecode%20eq%201)%20and%20startswith(name,'Al')&$orderby=name%20asc,accountid%20asc\n"},
	{"SELECT name FROM account WHERE parentaccountid IS NULL AND name LIKE '%13'",
	 "Tailspin Industries 13\n",
	 API "accounts?$select=accountid,name,_parentaccountid_value&$filter="
	 "_parentaccountid_value%20eq%20null%20and%20endswith(name,'13')\n"},
	{"SELECT fullname FROM contact WHERE parentcustomerid IS NOT NULL AND fullname LIKE '%son' "
	 "ORDER BY fullname LIMIT 2",
	 "Barbara Andersson\nBrian Jackson\n",
	 API "contacts?$select=contactid,fullname,_parentcustomerid_value&$filter="
	 "endswith(fullname,'son')%20and%20_parentcustomerid_value%20ne%20null"
	 "&$orderby=fullname%20asc,contactid%20asc&$top=2\n"},
	/* '_' is a wildcard the service functions cannot say: filtered locally */
	{"SELECT name FROM account WHERE name LIKE 'a_p%'",
	 "Alpine Ski GmbH 1\nAlpine Ski Pty Ltd 5\n",
	 API "accounts?$select=accountid,name\n"},
	/* ORDER BY consumed + every constraint pushed: LIMIT becomes $top */
	{"SELECT TOP 2 name FROM account WHERE statecode = 0 ORDER BY name DESC",
	 "VanArsdel S.A. 19\nTrey Research Pty Ltd 20\n",
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%200"
	 "&$orderby=name%20desc,accountid%20asc&$top=2\n"},
	/* <> excludes NULLs in SQL and not in OData: sent with "ne null", not checked again */
	{"SELECT name FROM account WHERE statecode <> 0",
	 "Fabrikam Pty Ltd 6\nLamna Co 11\nSchool of Fine Art Partners 16\n",
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20ne%20null%20and%20"
	 "statecode%20ne%200\n"},
	{"SELECT name FROM account WHERE revenue > 1000 AND name <> 'Tailspin Industries 13' "
	 "AND name < 'B'",
	 "Alpine Ski GmbH 1\nAlpine Ski Pty Ltd 5\nAdventure Works Pty Ltd 17\n",
	 API "accounts?$select=accountid,name,revenue&$filter=revenue%20gt%201000%20and%20"
	 "name%20lt%20'B'%20and%20name%20ne%20null%20and%20name%20ne%20"
	 "'Tailspin%20Industries%2013'\n"},
	/* LIMIT n OFFSET m: the first n + m rows, SQLite skips m ($skip does not exist) */
	{"SELECT name FROM account WHERE statecode = 0 ORDER BY name DESC LIMIT 2 OFFSET 1",
	 "Trey Research Pty Ltd 20\nTailspin Traders 2\n",
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%200"
	 "&$orderby=name%20desc,accountid%20asc&$top=3\n"},
	/* a constraint stays local: the first request asks for twice the LIMIT */
	{"SELECT name FROM account WHERE name LIKE 'a_p%' LIMIT 1",
	 "Alpine Ski GmbH 1\n", API "accounts?$select=accountid,name&$top=2\n"},
	{"SELECT name FROM account WHERE name LIKE '%ski%' LIMIT 2 OFFSET 1",
	 "Alpine Ski Pty Ltd 5\n", API "accounts?$select=accountid,name&$filter=contains(name,'ski')\n"},
	/* lookup order is by name at the service: ORDER BY stays local */
	{"SELECT fullname FROM contact ORDER BY parentcustomerid, fullname LIMIT 1",
	 "Michelle Novák\n", API "contacts?$select=contactid,fullname,_parentcustomerid_value\n"},
	/* companions: labels and lookup names from annotations */
	{"SELECT name, statecodename, parentaccountidname FROM account WHERE statecode = 1 "
	 "ORDER BY name LIMIT 1",
	 "Fabrikam Pty Ltd 6|Inactive|NULL\n",
	 API "accounts?$select=accountid,name,_parentaccountid_value,statecode&$filter="
	 "statecode%20eq%201&$orderby=name%20asc,accountid%20asc&$top=1\n"},
	/* GROUP BY kept local (dvodbc:local) runs over one scan */
	{"SELECT /* dvodbc:local */ statecode, COUNT(*) FROM account GROUP BY statecode",
	 "0|17\n1|3\n",
	 API "accounts?$select=accountid,statecode&$orderby=statecode%20asc,accountid%20asc\n"},
	/* ... and sent whole as $apply otherwise (sqlparse + pushdown.c) */
	{"SELECT statecode, COUNT(*) FROM account GROUP BY statecode", "0|17\n1|3\n",
	 API "accounts?$apply=groupby((statecode),aggregate($count%20as%20a1))\n"},
	/* An OR kept local: SQLite scans once per OR term and drops rows whose rowid
	 * it has seen; rowids name records, so no row is lost (2 groups, not 1). */
	{"SELECT /* dvodbc:local */ statuscode, COUNT(*) FROM account WHERE statecode = 0 "
	 "OR industrycode BETWEEN 2 AND 5 GROUP BY statuscode", "1|17\n2|1\n",
	 API "accounts?$select=accountid,industrycode,statecode,statuscode"
	 "&$filter=statecode%20eq%200\n"
	 API "accounts?$select=accountid,industrycode,statecode,statuscode"
	 "&$filter=industrycode%20ge%202%20and%20industrycode%20le%205\n"},
	/* IN (subquery) processed all at once */
	{"SELECT fullname, {fn UCASE(firstname)} FROM contact WHERE lastname IN "
	 "(SELECT lastname FROM contact WHERE fullname LIKE 'B%') ORDER BY 1",
	 "Barbara Andersson|BARBARA\nBjörn Ivanova|BJÖRN\nBrian Jackson|BRIAN\n"
	 "David Andersson|DAVID\n",
	 API "contacts?$select=contactid,fullname,lastname&$filter=startswith(fullname,'B')\n"
	 API "contacts?$select=contactid,fullname,firstname,lastname&$filter=(lastname%20eq%20"
	 "'Andersson'%20or%20lastname%20eq%20'Ivanova'%20or%20lastname%20eq%20'Jackson')"
	 "&$orderby=fullname%20asc,contactid%20asc\n"},
};

static void test_queries(struct engine_stack *s)
{
	size_t i;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dv_error err;
		char *rows, *req;
		emu_reset(&emu);
		rows = run(s, cases[i].sql, &err);
		if (!rows)
			tap_diag("%s: %s %s", cases[i].sql, dv_sqlstate_code(err.state),
				 err.message);
		is_str(rows, cases[i].rows, "rows of: %s", cases[i].sql);
		req = data_requests();
		is_str(req, cases[i].requests, "requests of: %s", cases[i].sql);
		free(rows);
		free(req);
	}
}

static void test_parameters(struct engine_stack *s)
{
	static const char *const p[] = {"#10000000", "#2", NULL};
	struct dv_error err;
	char *rows, *req;
	emu_reset(&emu);
	rows = engine_stack_run(s, "SELECT name FROM account WHERE revenue < ? ORDER BY revenue "
				"LIMIT ?", p, &err);
	is_str(rows, "VanArsdel S.A. 19\nFourth Coffee Ltd 12\n", "parameter rows");
	req = data_requests();
	is_str(req, API "accounts?$select=accountid,name,revenue&$filter=revenue%20lt%2010000000"
	       "&$orderby=revenue%20asc,accountid%20asc\n",
	       "parameters are pushed from argv ($top too would need every term omitted)");
	free(rows);
	free(req);
	/* LIMIT ? OFFSET ? with every term pushed: $top from both parameters */
	emu_reset(&emu);
	{
		static const char *const q[] = {"#2", "#1", NULL};
		rows = engine_stack_run(s, "SELECT name FROM account WHERE statecode = 0 ORDER BY "
					"name DESC LIMIT ? OFFSET ?", q, &err);
		is_str(rows, "Trey Research Pty Ltd 20\nTailspin Traders 2\n",
		       "LIMIT ? OFFSET ? rows");
		req = data_requests();
		is_str(req, API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%200"
		       "&$orderby=name%20desc,accountid%20asc&$top=3\n",
		       "LIMIT ? OFFSET ?: $top = LIMIT + OFFSET from argv");
		free(rows);
		free(req);
	}
}

/* Counts the data requests of one statement. */
static int count_requests(struct engine_stack *s, const char *sql, char **rows)
{
	struct dv_error err;
	char *req, *p;
	int n = 0;
	emu_reset(&emu);
	*rows = run(s, sql, &err);
	if (!*rows)
		tap_diag("%s: %s", sql, err.message);
	req = data_requests();
	for (p = req; p && *p; p++)
		n += *p == '\n';
	free(req);
	return n;
}

static void test_join(struct engine_stack *s)
{
	char *few, *all;
	int n_few = count_requests(s, "SELECT c.fullname, a.name FROM contact c JOIN account a "
				   "ON a.accountid = c.parentcustomerid WHERE c.fullname < 'C' "
				   "ORDER BY c.fullname", &few);
	int n_all = count_requests(s, "SELECT c.fullname, a.name FROM contact c JOIN account a "
				   "ON a.accountid = c.parentcustomerid ORDER BY c.fullname", &all);
	is_str(few, "Aarav Garcia|VanArsdel S.A. 19\nBarbara Andersson|School of Fine Art "
	       "Partners 16\nBjörn Ivanova|School of Fine Art Partners 16\nBrian Jackson|"
	       "Tailspin Traders 2\n", "join rows (4 contacts)");
	ok(all && strlen(all) > strlen(few), "join over every contact has more rows");
	/* vtab.c KEY BATCHES: the inner side is read by the outer rows' keys,
	 * all of them in one request here */
	is_int(n_few, 2, "join of 4 outer rows: outer scan and one request for their keys");
	is_int(n_all, 2, "join of every contact: outer scan and one request for their keys");
	free(few);
	free(all);
	n_all = count_requests(s, "SELECT COUNT(*) FROM contact c JOIN account a "
			       "ON a.accountid = c.parentcustomerid", &all);
	is_str(all, "17\n", "join count");
	is_int(n_all, 2, "NULL join keys send nothing: the outer scan and one key batch");
	free(all);
	/* a correlated EXISTS opens a new inner cursor per outer row: its keys
	 * are read by one batch of the outer rows' keys, shared by every inner
	 * cursor (kept on the per-table path: along a relationship the statement
	 * would go to the service as one request, pushdown_semijoin.c) */
	n_all = count_requests(s, "SELECT /* dvodbc:local */ a.name FROM account a WHERE "
			       "EXISTS (SELECT 1 FROM contact c WHERE c.parentcustomerid = "
			       "a.accountid) ORDER BY a.name", &all);
	n_few = count_requests(s, "SELECT a.name FROM account a WHERE a.accountid IN (SELECT "
			       "parentcustomerid FROM contact) ORDER BY a.name", &few);
	ok(all && few && strcmp(all, few) == 0 && strlen(all) > 20,
	   "correlated EXISTS gives the rows of the IN form");
	is_int(n_all, 2, "correlated EXISTS over 20 accounts: the outer scan and one batch of "
	       "the outer keys (not one request per account)");
	free(few);
	free(all);
}

static void test_errors(struct engine_stack *s)
{
	struct dv_error err;
	char *rows;
	rows = run(s, "SELECT x FROM nosuch", &err);
	ok(rows == NULL, "unknown table fails");
	is_str(dv_sqlstate_code(err.state), "42S02", "unknown table state");
	is_str(err.message, "Table 'nosuch' does not exist in this Dataverse environment",
	       "unknown table message");
	rows = run(s, "SELECT nosuchcol FROM account", &err);
	ok(rows == NULL, "unknown column fails");
	is_str(dv_sqlstate_code(err.state), "42S22", "unknown column state");
	is_str(err.message, "Column 'nosuchcol' does not exist", "unknown column message");
	rows = run(s, "SELECT name FROM account WHERE", &err);
	ok(rows == NULL, "syntax error fails");
	is_str(dv_sqlstate_code(err.state), "42000", "syntax error state");
	/* a service error during the scan keeps the service's SQLSTATE */
	emu_reset(&emu);
	emu_fault(&emu, "{\"count\":1,\"kind\":\"500\",\"match\":\"/accounts?\"}");
	rows = run(s, "SELECT name FROM account", &err);
	ok(rows == NULL, "a service error stops the scan");
	is_str(dv_sqlstate_code(err.state), "HY000", "service error state");
	ok(strstr(err.message, "An unexpected error occurred.") != NULL,
	   "service message kept: %s", err.message);
	free(rows);
}

static void test_describe(struct engine_stack *s)
{
	struct dv_error err;
	struct dv_colinfo ci;
	sqlite3_stmt *st;
	char *ex;
	if (!ok(dv_engine_prepare(s->eng, "SELECT name AS n, revenue, createdon, statecodename, "
				  "COUNT(*) FROM account", &st, &err) == 0, "prepare for describe"))
		return;
	dv_engine_describe(s->eng, st, 0, &ci);
	is_str(ci.name, "n", "alias is the name");
	is_str(ci.table, "account", "base table");
	is_str(ci.base_column, "name", "base column");
	is_int(ci.sql_type, SQL_WVARCHAR, "name is nvarchar");
	is_int(ci.column_size, 160, "name size from MaxLength");
	dv_engine_describe(s->eng, st, 1, &ci);
	is_int(ci.sql_type, SQL_DECIMAL, "revenue is decimal");
	is_str(ci.type_name, "money", "revenue is money");
	dv_engine_describe(s->eng, st, 2, &ci);
	is_int(ci.sql_type, SQL_TYPE_TIMESTAMP, "createdon is a timestamp");
	dv_engine_describe(s->eng, st, 3, &ci);
	is_int(ci.sql_type, SQL_WVARCHAR, "label column is nvarchar");
	dv_engine_describe(s->eng, st, 4, &ci);
	is_int(ci.sql_type, SQL_BIGINT, "COUNT(*) is bigint");
	is_int(ci.attr_type, -1, "COUNT(*) is computed");
	sqlite3_finalize(st);
	ex = dv_engine_explain(s->eng, "SELECT a.name FROM account a JOIN contact c ON "
			       "c.parentcustomerid = a.accountid WHERE a.statecode = 0", &err);
	{
		/* the outer side with the join's semi-join term (only accounts with
		 * a contact, pushdown_semijoin.c JOINS), the inner side by key
		 * batches: as many keys a request as keep the URL under 30,000
		 * characters ("<key> eq <guid> or " encoded) */
		char want[1024];
		size_t url = strlen(emu.url) + strlen("/api/data/v9.2/contacts?$select=contactid,"
						      "_parentcustomerid_value");
		size_t per = (30000 - url - 32) / (strlen("_parentcustomerid_value") + 52);
		snprintf(want, sizeof(want),
			 "GET %s/api/data/v9.2/accounts?$select=accountid,name,statecode&"
			 "$filter=statecode eq 0 and contact_customer_accounts/any(c:c/contactid "
			 "ne null)\n"
			 "GET %s/api/data/v9.2/contacts?$select=contactid,_parentcustomerid_value&"
			 "$filter=(_parentcustomerid_value eq @k1 or _parentcustomerid_value eq @k2 "
			 "or ...) (by batches of the outer rows' keys, each key once, at most %zu a "
			 "request: 100 keys first, then %zu, then %zu at a time)", emu.url, emu.url,
			 per, per, per * 4);
		is_str(ex, want, "explain lists each scan's request, the inner one by key batches");
	}
	free(ex);
}

int main(void)
{
	struct engine_stack s;
	if (emu_start(&emu, "--rows 20 --seed 1") != 0) {
		ok(0, "emulator starts");
		return tap_done();
	}
	if (engine_stack_open(&s, &emu, NULL) == 0) {
		test_queries(&s);
		test_parameters(&s);
		test_join(&s);
		test_errors(&s);
		test_describe(&s);
		engine_stack_close(&s);
	} else {
		ok(0, "stack opens");
	}
	emu_stop(&emu);
	return tap_done();
}
