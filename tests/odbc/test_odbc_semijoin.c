/* test_odbc_semijoin.c - subqueries along a relationship sent inside the
 * outer table's request (driver/engine/pushdown_semijoin.c), through the
 * driver manager against the emulator (20 accounts, 20 contacts, 10
 * opportunities).  Every statement runs twice: as written, and with the
 * dvodbc:local comment that keeps it on the per-table path; the rows must
 * be the same, and equal to the rows written here (worked out from the
 * emulator's data).  The data requests the first run sent are asserted
 * exactly:
 *   - EXISTS along opportunity.parentaccountid: one request, a lambda
 *     any() with and without inner terms, AND-ed with the outer terms;
 *   - NOT EXISTS with an exact inner term: one request, not ..any();
 *   - text = inside the subquery: the service's comparison (the same rule
 *     as the driver's DVNOCASE) decides, so the subquery does not run
 *     locally: one request; NOT EXISTS with text as not ..any();
 *   - IN (SELECT lookup ..) and lookup IN (SELECT key ..) (a lookup path,
 *     also through a polymorphic customer lookup);
 *   - NULL lookups: NOT IN over a subquery that yields NULL is empty (not
 *     sent); IN ignores the NULLs;
 *   - parameters inside the subquery, numbered with the outer ones, and a
 *     NULL value (no exact form): the same rows from the per-table path;
 *   - shapes that must not be sent (a second correlation, GROUP BY);
 *   - SQLNativeSql shows the request. */
#include "odbc_test.h"

static struct emu emu;

#define API "GET /api/data/v9.2/"

/* The length of s's first line (for messages). */
static int line1(const char *s)
{
	const char *nl = strchr(s, '\n');
	return nl ? (int)(nl - s) : (int)strlen(s);
}

struct scase {
	const char *what;
	const char *sql;
	int nparams;
	long params[2];
	int nulls[2];
	const char *rows;        /* expected rows, in the statement's order */
	const char *requests;    /* the exact data requests, or NULL */
	const char *first;       /* else: the first data request ... */
	int more;                /* ... and whether more follow (the subquery ran locally) */
};

static const struct scase cases[] = {
	{"EXISTS along a relationship, AND-ed with an outer term",
	 "SELECT a.name FROM account a WHERE a.statecode = 0 AND EXISTS (SELECT 1 FROM "
	 "opportunity o WHERE o.parentaccountid = a.accountid) ORDER BY a.name", 0, {0}, {0},
	 "Adventure Works Pty Ltd 17\nAlpine Ski GmbH 1\nProseware Ltd 15\nRelecloud Inc 3\n"
	 "Tailspin Industries 13\nTrey Research Pty Ltd 20\nVanArsdel S.A. 19\n",
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%200%20and%20"
	 "opportunity_parent_account%2Fany(o:o%2Fopportunityid%20ne%20null)\n", NULL, 0},
	{"EXISTS with an exact inner term (correlation written the other way round)",
	 "SELECT name FROM account a WHERE EXISTS (SELECT * FROM opportunity o WHERE "
	 "o.statecode = 1 AND a.accountid = o.parentaccountid) ORDER BY name", 0, {0}, {0},
	 "Trey Research Pty Ltd 20\nVanArsdel S.A. 19\n",
	 API "accounts?$select=accountid,name&$filter=opportunity_parent_account%2Fany(o:o%2F"
	 "statecode%20eq%201)\n", NULL, 0},
	{"NOT EXISTS with an exact inner term",
	 "SELECT name FROM account a WHERE NOT EXISTS (SELECT 1 FROM opportunity o WHERE "
	 "o.parentaccountid = a.accountid AND o.statecode = 0) ORDER BY name", 0, {0}, {0},
	 "Alpine Ski Pty Ltd 5\nBellows Ltd 8\nBest For You LLC 18\nCity Power LLC 7\n"
	 "Fourth Coffee Ltd 12\n"
	 "Fourth Coffee Systems 4\nGraphic Design S.A. 14\nLamna LLC 10\nSchool of Fine Art GmbH 9\n"
	 "Tailspin Traders 2\nTrey Research Pty Ltd 20\nVanArsdel S.A. 19\n",
	 API "accounts?$select=accountid,name&$filter=not%20opportunity_parent_account%2Fany(o:"
	 "o%2Fstatecode%20eq%200)\n", NULL, 0},
	{"EXISTS with text inside: the service's comparison decides, one request",
	 "SELECT a.name FROM account a WHERE EXISTS (SELECT 1 FROM contact c WHERE "
	 "c.parentcustomerid = a.accountid AND c.lastname = 'wright') ORDER BY a.name", 0, {0},
	 {0}, "Bellows Ltd 8\nGraphic Design S.A. 14\n",
	 API "accounts?$select=accountid,name&$filter=contact_customer_accounts%2Fany(c:c%2F"
	 "lastname%20eq%20'wright')\n", NULL, 0},
	{"NOT EXISTS with text inside: not ..any(), one request",
	 "SELECT a.name FROM account a WHERE a.statecode = 1 AND NOT EXISTS (SELECT 1 FROM "
	 "contact c WHERE c.parentcustomerid = a.accountid AND c.lastname = 'andersson') "
	 "ORDER BY a.name", 0, {0}, {0}, "Fabrikam Pty Ltd 6\nLamna Co 11\n",
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%201%20and%20not%20"
	 "contact_customer_accounts%2Fany(c:c%2Flastname%20eq%20'andersson')\n", NULL, 0},
	{"key IN (SELECT lookup ..) with an exact inner term",
	 "SELECT name FROM account WHERE accountid IN (SELECT parentcustomerid FROM contact "
	 "WHERE statecode = 1) ORDER BY name", 0, {0}, {0},
	 "Alpine Ski Pty Ltd 5\nFabrikam Pty Ltd 6\nGraphic Design S.A. 14\n"
	 "School of Fine Art Partners 16\n",
	 API "accounts?$select=accountid,name&$filter=contact_customer_accounts%2Fany(c:c%2F"
	 "statecode%20eq%201)\n", NULL, 0},
	{"key IN (SELECT lookup ..) with a LIMIT",
	 "SELECT name FROM account WHERE accountid IN (SELECT parentcustomerid FROM contact "
	 "WHERE statecode = 1) ORDER BY name LIMIT 2", 0, {0}, {0},
	 "Alpine Ski Pty Ltd 5\nFabrikam Pty Ltd 6\n",
	 API "accounts?$select=accountid,name&$filter=contact_customer_accounts%2Fany(c:c%2F"
	 "statecode%20eq%201)&$orderby=name%20asc,accountid%20asc&$top=2\n", NULL, 0},
	{"ORDER BY a result column's alias that is another column's name, and a LIMIT",
	 "SELECT name AS revenue FROM account WHERE accountid IN (SELECT parentcustomerid FROM "
	 "contact WHERE statecode = 1) ORDER BY revenue LIMIT 2", 0, {0}, {0},
	 "Alpine Ski Pty Ltd 5\nFabrikam Pty Ltd 6\n",
	 API "accounts?$select=accountid,name&$filter=contact_customer_accounts%2Fany(c:c%2F"
	 "statecode%20eq%201)&$orderby=name%20asc,accountid%20asc&$top=2\n", NULL, 0},
	{"EXISTS with text inside and a LIMIT",
	 "SELECT a.name FROM account a WHERE a.statecode = 0 AND EXISTS (SELECT 1 FROM contact c "
	 "WHERE c.parentcustomerid = a.accountid AND c.lastname = 'wright') ORDER BY a.name "
	 "LIMIT 1", 0, {0}, {0}, "Bellows Ltd 8\n",
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%200%20and%20"
	 "contact_customer_accounts%2Fany(c:c%2Flastname%20eq%20'wright')&$orderby=name%20asc,"
	 "accountid%20asc&$top=1\n", NULL, 0},
	{"EXISTS with LIKE inside and a LIMIT: no $top (SQLite checks the LIKE)",
	 "SELECT a.name FROM account a WHERE a.statecode = 0 AND EXISTS (SELECT 1 FROM contact c "
	 "WHERE c.parentcustomerid = a.accountid AND c.lastname LIKE 'wri%') ORDER BY a.name "
	 "LIMIT 1", 0, {0}, {0}, "Bellows Ltd 8\n", NULL,
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%200%20and%20"
	 "contact_customer_accounts%2Fany(c:startswith(c%2Flastname,'wri'))\n", 1},
	{"key IN (SELECT lookup ..) with text and a NULL lookup among the inner rows",
	 "SELECT name FROM account WHERE accountid IN (SELECT parentcustomerid FROM contact "
	 "WHERE lastname = 'Brown') ORDER BY name", 0, {0}, {0}, "Fourth Coffee Ltd 12\n",
	 API "accounts?$select=accountid,name&$filter=contact_customer_accounts%2Fany(c:c%2F"
	 "lastname%20eq%20'Brown')\n", NULL, 0},
	{"NOT IN over a subquery yielding a NULL: no row, not sent",
	 "SELECT name FROM account WHERE statecode = 1 AND accountid NOT IN (SELECT "
	 "parentcustomerid FROM contact WHERE lastname = 'Brown') ORDER BY name", 0, {0}, {0},
	 "", NULL, NULL, 1},
	{"lookup IN (SELECT key ..): the lookup's path",
	 "SELECT name FROM opportunity WHERE parentaccountid IN (SELECT accountid FROM account "
	 "WHERE statecode = 1) ORDER BY name", 0, {0}, {0},
	 "CRM Rollout for Blue Yonder 3\nERP Upgrade for Tasmanian 4\n"
	 "Hardware Refresh for VanArsdel 9\n",
	 API "opportunities?$select=opportunityid,name&$filter="
	 "parentaccountid%2Faccountid%20ne%20null%20and%20parentaccountid%2Fstatecode%20eq%201\n",
	 NULL, 0},
	{"polymorphic lookup IN (SELECT key ..): the account target's path, NULL lookups out",
	 "SELECT lastname FROM contact WHERE parentcustomerid IN (SELECT accountid FROM account "
	 "WHERE statecode = 1) ORDER BY lastname", 0, {0}, {0},
	 "Andersson\nIvanova\nRodriguez\n",
	 API "contacts?$select=contactid,lastname&$filter="
	 "parentcustomerid_account%2Faccountid%20ne%20null%20and%20parentcustomerid_account%2F"
	 "statecode%20eq%201\n", NULL, 0},
	{"parameters inside and outside the subquery",
	 "SELECT a.name FROM account a WHERE EXISTS (SELECT 1 FROM opportunity o WHERE "
	 "o.parentaccountid = a.accountid AND o.statecode = ?) AND a.statecode = ? "
	 "ORDER BY a.name", 2, {1, 0}, {0, 0},
	 "Trey Research Pty Ltd 20\nVanArsdel S.A. 19\n",
	 API "accounts?$select=accountid,name,statecode&$filter=opportunity_parent_account%2F"
	 "any(o:o%2Fstatecode%20eq%201)%20and%20statecode%20eq%200\n", NULL, 0},
	{"a NULL parameter inside the subquery: the per-table path's rows",
	 "SELECT a.name FROM account a WHERE EXISTS (SELECT 1 FROM opportunity o WHERE "
	 "o.parentaccountid = a.accountid AND o.statecode = ?) AND a.statecode = ? "
	 "ORDER BY a.name", 2, {0, 0}, {1, 0}, "", NULL, NULL, 1},
	{"a NULL parameter inside NOT EXISTS: the outer rows come from the per-table path",
	 "SELECT a.name FROM account a WHERE NOT EXISTS (SELECT 1 FROM opportunity o WHERE "
	 "o.parentaccountid = a.accountid AND o.statecode = ?) AND a.statecode = ? "
	 "ORDER BY a.name", 2, {0, 1}, {1, 0},
	 "Fabrikam Pty Ltd 6\nLamna Co 11\nSchool of Fine Art Partners 16\n", NULL, NULL, 1},
	{"a second correlation: not sent",
	 "SELECT a.name FROM account a WHERE EXISTS (SELECT 1 FROM opportunity o WHERE "
	 "o.parentaccountid = a.accountid AND o.owningbusinessunit = a.owningbusinessunit) "
	 "ORDER BY a.name", 0, {0}, {0},
	 "Alpine Ski GmbH 1\nFabrikam Pty Ltd 6\nLamna Co 11\nTrey Research Pty Ltd 20\n", NULL,
	 NULL, 1},
	{"a subquery with GROUP BY: not sent",
	 "SELECT name FROM account WHERE accountid IN (SELECT parentaccountid FROM opportunity "
	 "WHERE statecode = 1 GROUP BY parentaccountid) ORDER BY name", 0, {0}, {0},
	 "Trey Research Pty Ltd 20\nVanArsdel S.A. 19\n", NULL, NULL, 1},
};

static void run_case(SQLHDBC dbc, const struct scase *c)
{
	struct local_run r;
	local_run(&emu, dbc, c->sql, c->nparams, c->params, c->nulls, 1, &r);
	local_run_rows(&r, c->what, "the per-table path", c->rows);
	if (c->requests) {
		is_str(r.req, c->requests, "  one data request, the subquery inside its $filter");
	} else if (c->first) {
		ok(strncmp(r.req, c->first, strlen(c->first)) == 0, "  first request: %.*s",
		   line1(r.req), r.req);
		ok(strlen(r.req) > strlen(c->first), "  then the subquery's own requests");
	} else {
		ok(!strstr(r.req, "any(") && !strstr(r.req, "%2Fany") && !strstr(r.req, "not%20"),
		   "  no lambda sent: %.*s", line1(r.req), r.req);
	}
	local_run_free(&r);
}

static void test_native_sql(SQLHDBC dbc)
{
	SQLCHAR out[2048];
	SQLINTEGER len = 0;
	const char *sql = "SELECT a.name FROM account a WHERE EXISTS (SELECT 1 FROM opportunity o "
			  "WHERE o.parentaccountid = a.accountid AND o.statecode = ?)";
	SQLRETURN rc = SQLNativeSql(dbc, (SQLCHAR *)sql, SQL_NTS, out, sizeof(out), &len);
	rc_ok(rc, SQL_HANDLE_DBC, dbc, "SQLNativeSql of an EXISTS");
	ok(strncmp((char *)out, "GET ", 4) == 0 && !strchr((char *)out, '\n') &&
	   strstr((char *)out, "/api/data/v9.2/accounts?$select=accountid,name&$filter="
		  "opportunity_parent_account/any(o:o/statecode eq ?1)"),
	   "  shows the one request with the lambda and the columns it reads: %s", (char *)out);
	/* and that is the request sent (the value in place of ?1) */
	{
		SQLHSTMT st;
		SQLINTEGER v = 1;
		int since = emu_request_count(&emu);
		SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
		SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &v, 0, NULL);
		rc_ok(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, st, sql);
		while (SQL_SUCCEEDED(SQLFetch(st)))
			;
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		char *req = emu_data_requests(&emu, since);
		is_str(req, API "accounts?$select=accountid,name&$filter=opportunity_parent_account"
		       "%2Fany(o:o%2Fstatecode%20eq%201)\n", "  the request sent is the one shown");
		free(req);
	}
}

int main(void)
{
	SQLHENV env;
	SQLHDBC dbc;
	start_emulator(&emu, "--rows 20 --seed 1", NULL);
	env = new_env(SQL_OV_ODBC3);
	dbc = connect_dsn(env);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(dbc, &cases[i]);
	test_native_sql(dbc);
	disconnect(env, dbc);
	emu_stop(&emu);
	return tap_done();
}
