/* test_pushdown.c - whole statements sent to the service (pushdown*.c)
 * against the emulator.  Every pushable shape runs twice: pushed, and with
 * the "dvodbc:local" hint on the per-table path; the rows must be equal and
 * the pushed run must have sent exactly the expected request.  Shapes that
 * must not be pushed keep the old requests; the 50,000-row aggregate limit
 * (0x8004E023) and parameters without an exact OData form fall back to local
 * evaluation with the same rows; result types; the explain text. */
#include <sql.h>
#include <sqlext.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/pushdown.h"
#include "engine_stack.h"
#include "util/buf.h"
#include "util/strutil.h"

static struct emu emu;

/* Runs ODBC SQL with text parameters ("#5" integer, "NULL"); see engine_stack.h. */
static char *run(struct engine_stack *s, const char *sql, const char *const *params,
		 struct dv_error *err)
{
	return engine_stack_run(s, sql, params, err);
}

/* The data requests since the last reset (token and metadata dropped). */
static char *data_requests(struct emu *em)
{
	return engine_stack_data_requests(em);
}

#define API "GET /api/data/v9.2/"
#define HINT "/* dvodbc:local */ "

struct pcase {
	const char *sql;
	const char *params[4];
	const char *requests;   /* of the pushed run */
	const char *rows;       /* expected rows (both runs) */
};

static const struct pcase cases[] = {
	/* OR across columns: $filter with or; SQLite re-checks (text eq inexact) */
	{"SELECT name FROM account WHERE statecode = 1 OR numberofemployees > 90000 "
	 "ORDER BY name", {NULL},
	 API "accounts?$select=accountid,name,numberofemployees,statecode&$filter=statecode%20eq"
	 "%201%20or%20numberofemployees%20gt%2090000\n", NULL},
	/* NOT over several columns: written with complements, no "not" needed */
	{"SELECT name, statecode FROM account WHERE NOT (statecode = 0 AND industrycode IN "
	 "(1, 2, 3)) ORDER BY name", {NULL},
	 API "accounts?$select=accountid,name,industrycode,statecode&$filter=statecode%20ne%200"
	 "%20and%20statecode%20ne%20null%20or%20industrycode%20ne%201%20and%20industrycode%20ne"
	 "%202%20and%20industrycode%20ne%203%20and%20industrycode%20ne%20null\n", NULL},
	/* LIKE and text = inside OR: startswith / eq as a superset */
	{"SELECT name FROM account WHERE name LIKE 'al_ine%' OR name = 'fourth coffee ltd 12' "
	 "ORDER BY 1", {NULL},
	 API "accounts?$select=accountid,name&$filter=startswith(name,'al_ine')%20or%20name%20eq"
	 "%20'fourth%20coffee%20ltd%2012'\n",
	 "Alpine Ski GmbH 1\nAlpine Ski Pty Ltd 5\nFourth Coffee Ltd 12\n"},
	/* parameters inside OR */
	{"SELECT name FROM account WHERE revenue < ? OR parentaccountid IS NOT NULL ORDER BY name",
	 {"#6000000", NULL},
	 API "accounts?$select=accountid,name,revenue,_parentaccountid_value&$filter=revenue%20lt"
	 "%206000000%20or%20_parentaccountid_value%20ne%20null\n", NULL},
	/* a NULL parameter: nothing exact to say about that term */
	{"SELECT name FROM account WHERE revenue < ? OR statecode = 1 ORDER BY name",
	 {"NULL", NULL},
	 API "accounts?$select=accountid,name,revenue,statecode\n", NULL},
	/* SELECT * : every column, companions by annotations */
	{"SELECT * FROM contact WHERE lastname = 'andersson' OR parentcustomerid IS NULL "
	 "ORDER BY fullname", {NULL},
	 API "contacts?$select=contactid,fullname,firstname,lastname,emailaddress1,telephone1,"
	 "jobtitle,birthdate,gendercode,address1_city,address1_country,creditlimit,donotphone,"
	 "_parentcustomerid_value,_transactioncurrencyid_value,exchangerate,createdon,modifiedon,"
	 "_createdby_value,_modifiedby_value,_ownerid_value,_owningbusinessunit_value,statecode,"
	 "statuscode,versionnumber&$filter=lastname%20eq%20'andersson'%20or%20"
	 "_parentcustomerid_value%20eq%20null\n", NULL},
	/* COUNT(1) counts rows */
	{"SELECT statecode, COUNT(1) FROM account WHERE statecode IN (0, 1) OR statecode IS NULL "
	 "GROUP BY statecode", {NULL},
	 API "accounts?$apply=filter(statecode%20eq%200%20or%20statecode%20eq%201%20or%20"
	 "statecode%20eq%20null)%2Fgroupby((statecode),aggregate($count%20as%20a1))\n",
	 "0|17\n1|3\n"},
	/* DISTINCT over integer columns is GROUP BY of them: $apply=groupby */
	{"SELECT DISTINCT statecode FROM account ORDER BY statecode", {NULL},
	 API "accounts?$apply=groupby((statecode))\n", "0\n1\n"},
	{"SELECT DISTINCT statuscode, statecode FROM account WHERE statecode = 0 OR "
	 "industrycode = 3", {NULL},
	 API "accounts?$apply=filter(statecode%20eq%200%20or%20industrycode%20eq%203)%2F"
	 "groupby((statuscode,statecode))\n", NULL},
	/* GROUP BY + COUNT(*) */
	{"SELECT statecode, COUNT(*) FROM account GROUP BY statecode ORDER BY statecode", {NULL},
	 API "accounts?$apply=groupby((statecode),aggregate($count%20as%20a1))\n",
	 "0|17\n1|3\n"},
	/* several aggregates, filter, order by an aggregate alias, LIMIT */
	{"SELECT statuscode, COUNT(*) AS n, SUM(numberofemployees), MIN(revenue), MAX(createdon) "
	 "FROM account WHERE statecode = 0 OR industrycode BETWEEN 2 AND 5 GROUP BY statuscode "
	 "ORDER BY n DESC, 1 LIMIT 5", {NULL},
	 API "accounts?$apply=filter(statecode%20eq%200%20or%20industrycode%20ge%202%20and%20"
	 "industrycode%20le%205)%2Fgroupby((statuscode),aggregate($count%20as%20a1,"
	 "numberofemployees%20with%20sum%20as%20a2,revenue%20with%20min%20as%20a3,"
	 "createdon%20with%20max%20as%20a4))\n", NULL},
	/* no GROUP BY */
	{"SELECT COUNT(*), MIN(revenue), MAX(address1_latitude) FROM account WHERE "
	 "NOT (statecode = 1 OR industrycode IS NULL)", {NULL},
	 API "accounts?$apply=filter(statecode%20ne%201%20and%20statecode%20ne%20null%20and%20"
	 "industrycode%20ne%20null)%2Faggregate($count%20as%20a0,revenue%20with%20min%20as%20a1,"
	 "address1_latitude%20with%20max%20as%20a2)\n", NULL},
	/* AVG / COUNT(col) / SUM of one nullable column: its NULL rows filtered out,
	 * AVG = SUM / COUNT divided locally */
	{"SELECT AVG(numberofemployees), COUNT(numberofemployees), SUM(numberofemployees) "
	 "FROM account", {NULL},
	 API "accounts?$apply=filter(numberofemployees%20ne%20null)%2Faggregate($count%20as%20a0,"
	 "numberofemployees%20with%20sum%20as%20a1,numberofemployees%20with%20sum%20as%20a2)\n",
	 NULL},
	{"SELECT COUNT(DISTINCT industrycode) FROM account", {NULL},
	 API "accounts?$apply=filter(industrycode%20ne%20null)%2Faggregate(industrycode%20with"
	 "%20countdistinct%20as%20a0)\n", NULL},
	{"SELECT creditonhold, COUNT(*) FROM account GROUP BY creditonhold ORDER BY 1", {NULL},
	 API "accounts?$apply=groupby((creditonhold),aggregate($count%20as%20a1))\n", NULL},
	/* nothing matches: still one row */
	{"SELECT COUNT(*), SUM(numberofemployees) FROM account WHERE statecode = 7", {NULL},
	 API "accounts?$apply=filter(statecode%20eq%207)%2Faggregate($count%20as%20a0,"
	 "numberofemployees%20with%20sum%20as%20a1)\n", "0|NULL\n"},
	/* parameters in an aggregate's filter */
	{"SELECT COUNT(*) FROM account WHERE statecode = ? OR industrycode = ?", {"#1", "2", NULL},
	 API "accounts?$apply=filter(statecode%20eq%201%20or%20industrycode%20eq%202)%2Faggregate"
	 "($count%20as%20a0)\n", NULL},
	/* a parameter with no exact form (a date-time must be 'YYYY-MM-DD HH:MM:SS'):
	 * evaluated locally at execution */
	{"SELECT COUNT(*) FROM account WHERE NOT (createdon > ? AND statecode = 0)", {"2021", NULL},
	 API "accounts?$select=accountid,createdon,statecode\n", NULL},
	{"SELECT COUNT(*) FROM account WHERE createdon > ? OR statecode = 1",
	 {"2021-06-01 00:00:00", NULL},
	 API "accounts?$apply=filter(createdon%20gt%202021-06-01T00:00:00Z%20or%20statecode"
	 "%20eq%201)%2Faggregate($count%20as%20a0)\n", NULL},
	/* a double the engine holds as 0.1 is sent as 0.1 (not 0.10000000000000001) */
	{"SELECT COUNT(*) FROM account WHERE address1_latitude = ? OR revenue = 1362000.65",
	 {"0.1", NULL},
	 API "accounts?$apply=filter(address1_latitude%20eq%200.1%20or%20revenue%20eq%201362000.65)"
	 "%2Faggregate($count%20as%20a0)\n", "1\n"},
	/* NOT over a nullable column: rows where it is NULL are not counted */
	{"SELECT COUNT(*) FROM account WHERE NOT (industrycode = 2 OR numberofemployees < 1000)",
	 {NULL},
	 API "accounts?$apply=filter(industrycode%20ne%202%20and%20industrycode%20ne%20null%20and"
	 "%20numberofemployees%20ge%201000)%2Faggregate($count%20as%20a0)\n", NULL},
	/* GROUP BY without an aggregate: groupby alone (distinct keys) */
	{"SELECT industrycode FROM account WHERE industrycode < 10 GROUP BY industrycode "
	 "ORDER BY 1 DESC", {NULL},
	 API "accounts?$apply=filter(industrycode%20lt%2010)%2Fgroupby((industrycode))\n", NULL},
	/* local evaluation at execution keeps an OR as one scan ("+(...)") */
	{"SELECT COUNT(*) FROM account WHERE statecode = 0 AND (createdon > ? OR industrycode = 2)",
	 {"2021", NULL},
	 API "accounts?$select=accountid,industrycode,createdon,statecode&$filter=statecode%20eq"
	 "%200\n", NULL},
	/* a midnight timestamp bound as 'YYYY-MM-DD': > is >= midnight, <= is < midnight */
	{"SELECT COUNT(*) FROM account WHERE createdon > ? OR modifiedon <= ? OR revenue > ?",
	 {"2022-06-01", "2023-01-01", "90000000.5", NULL},
	 API "accounts?$apply=filter(createdon%20ge%202022-06-01T00:00:00Z%20or%20modifiedon%20lt"
	 "%202023-01-01T00:00:00Z%20or%20revenue%20gt%2090000000.5)%2Faggregate($count%20as%20a0)"
	 "\n", NULL},
	{"SELECT COUNT(*) FROM account WHERE NOT (createdon = ? OR statecode = 1)",
	 {"2022-06-01", NULL},
	 API "accounts?$select=accountid,createdon,statecode\n", NULL},
	/* MIN / MAX of one text column: the first value in the service's order */
	{"SELECT MAX(name) FROM account", {NULL},
	 API "accounts?$select=name&$filter=name%20ne%20null&$orderby=name%20desc&$top=1\n",
	 "VanArsdel S.A. 19\n"},
	{"SELECT MIN(address1_city) AS c FROM account WHERE statecode = 1 OR industrycode = ?",
	 {"#3", NULL},
	 API "accounts?$select=address1_city&$filter=(statecode%20eq%201%20or%20industrycode%20eq"
	 "%203)%20and%20address1_city%20ne%20null&$orderby=address1_city%20asc&$top=1\n", NULL},
	/* nothing matches: one row, NULL */
	{"SELECT MIN(name) FROM account WHERE statecode = 7", {NULL},
	 API "accounts?$select=name&$filter=(statecode%20eq%207)%20and%20name%20ne%20null"
	 "&$orderby=name%20asc&$top=1\n", "NULL\n"},
	/* subqueries along a relationship (pushdown_semijoin.c): a self-referencing
	 * relationship's collection; an IN inside an OR (sent, and kept in the
	 * statement: SQLite reads its subquery once) */
	{"SELECT name FROM account p WHERE EXISTS (SELECT 1 FROM account c WHERE "
	 "c.parentaccountid = p.accountid AND c.statecode = 0) ORDER BY name", {NULL},
	 API "accounts?$select=accountid,name&$filter=account_parent_account%2Fany(a:a%2F"
	 "statecode%20eq%200)\n", NULL},
	{"SELECT name FROM account a WHERE statecode = 1 OR accountid IN (SELECT parentaccountid "
	 "FROM opportunity WHERE estimatedvalue > ?) ORDER BY name", {"#8000000", NULL},
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%201%20or%20"
	 "opportunity_parent_account%2Fany(o:o%2Festimatedvalue%20gt%208000000)\n"
	 API "opportunities?$select=opportunityid,estimatedvalue,_parentaccountid_value&$filter="
	 "estimatedvalue%20gt%208000000\n",
	 "Fabrikam Pty Ltd 6\nLamna Co 11\nRelecloud Inc 3\nSchool of Fine Art Partners 16\n"
	 "Trey Research Pty Ltd 20\nVanArsdel S.A. 19\n"},
};

/* Not pushed: the per-table requests of before (no $apply, no or). */
static const struct pcase local_cases[] = {
	{"SELECT name, COUNT(*) FROM account GROUP BY name ORDER BY 2 DESC, 1 LIMIT 2", {NULL},
	 API "accounts?$select=accountid,name&$orderby=name%20asc,accountid%20asc\n", NULL},
	{"SELECT statecode, SUM(revenue) FROM account GROUP BY statecode", {NULL},
	 API "accounts?$select=accountid,revenue,statecode&$orderby=statecode%20asc,accountid"
	 "%20asc\n", NULL},
	{"SELECT statecode, COUNT(*) FROM account WHERE name LIKE 'A%' GROUP BY statecode", {NULL},
	 API "accounts?$select=accountid,name,statecode&$filter=startswith(name,'A')"
	 "&$orderby=statecode%20asc,accountid%20asc\n", NULL},
	{"SELECT statuscode, AVG(numberofemployees) FROM account GROUP BY statuscode", {NULL},
	 API "accounts?$select=accountid,numberofemployees,statuscode&$orderby=statuscode%20asc,"
	 "accountid%20asc\n", NULL},
	{"SELECT createdon, COUNT(*) FROM account GROUP BY createdon LIMIT 1", {NULL},
	 API "accounts?$select=accountid,createdon&$orderby=createdon%20asc,accountid%20asc\n",
	 NULL},
	{"SELECT name FROM account WHERE statecode = 1 AND industrycode = 2", {NULL},
	 API "accounts?$select=accountid,name,industrycode,statecode&$filter=statecode%20eq%201"
	 "%20and%20industrycode%20eq%202\n", NULL},
	{"SELECT name FROM account WHERE NOT name LIKE 'A%'", {NULL},
	 API "accounts?$select=accountid,name\n", NULL},
	/* MIN and MAX of text together: one request each would be needed */
	{"SELECT MIN(name), MAX(name) FROM account", {NULL},
	 API "accounts?$select=accountid,name\n", NULL},
	/* an inexact filter ('_' stays local): SQLite's own min/max over an ordered scan */
	{"SELECT MAX(name) FROM account WHERE name LIKE 'a_p%'", {NULL},
	 API "accounts?$select=accountid,name&$orderby=name%20desc,accountid%20asc\n", NULL},
	/* DISTINCT of text: the service groups case- and accent-insensitively */
	{"SELECT DISTINCT address1_city FROM account", {NULL},
	 API "accounts?$select=accountid,address1_city&$orderby=address1_city%20asc,accountid"
	 "%20asc\n", NULL},
};

/* The local reference: the WHERE wrapped in a unary + so SQLite evaluates
 * it row by row over one unfiltered scan (the per-table path would run an
 * OR as a union of scans; see the report on the "dataverse" rowids). */
static void reference_sql(const char *sql, char *out, size_t n)
{
	static const char *const ends[] = {" GROUP BY", " ORDER BY", " LIMIT", NULL};
	const char *where = strstr(sql, " WHERE "), *end = NULL;
	size_t i;
	if (!where) {
		snprintf(out, n, HINT "%s", sql);
		return;
	}
	for (i = 0; ends[i]; i++) {
		const char *e = strstr(where, ends[i]);
		if (e && (!end || e < end))
			end = e;
	}
	if (!end)
		end = sql + strlen(sql);
	snprintf(out, n, HINT "%.*s WHERE +(%.*s)%s", (int)(where - sql), sql,
		 (int)(end - where - 7), where + 7, end);
}

static void check_case(struct engine_stack *s, const struct pcase *c, int pushed)
{
	struct dv_error err;
	char *rows, *local, *req, ref[1024];
	emu_reset(&emu);
	rows = run(s, c->sql, c->params, &err);
	if (!rows)
		tap_diag("%s: %s", c->sql, err.message);
	req = data_requests(&emu);
	is_str(req, c->requests, "%s request: %s", pushed ? "pushed" : "local", c->sql);
	reference_sql(c->sql, ref, sizeof(ref));
	local = run(s, ref, c->params, &err);
	if (!local)
		tap_diag("%s: %s", ref, err.message);
	ok(rows && rows[0], "rows: %s", c->sql);
	is_str(rows, local, "same rows as local evaluation: %s", c->sql);
	if (c->rows)
		is_str(rows, c->rows, "exact rows: %s", c->sql);
	free(rows);
	free(local);
	free(req);
}

static void test_cases(struct engine_stack *s)
{
	size_t i;
	char *req;
	struct dv_error err;
	char *rows;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(s, &cases[i], 1);
	for (i = 0; i < sizeof(local_cases) / sizeof(local_cases[0]); i++)
		check_case(s, &local_cases[i], 0);
	/* the hint really keeps the per-table path */
	emu_reset(&emu);
	rows = run(s, HINT "SELECT statecode, COUNT(*) FROM account GROUP BY statecode", NULL,
		   &err);
	req = data_requests(&emu);
	is_str(req, API "accounts?$select=accountid,statecode&$orderby=statecode%20asc,"
	       "accountid%20asc\n", "dvodbc:local hint: the per-table scan");
	is_str(rows, "0|17\n1|3\n", "dvodbc:local hint: rows");
	free(rows);
	free(req);
}

static void test_describe(struct engine_stack *s)
{
	struct dv_error err;
	struct dv_colinfo ci;
	sqlite3_stmt *st;
	char *ex, want[768];
	if (!ok(dv_engine_prepare(s->eng, "SELECT statecode, COUNT(*) AS n, MIN(revenue), "
				  "MAX(createdon), SUM(numberofemployees) FROM account GROUP BY "
				  "statecode", &st, &err) == 0, "prepare aggregate"))
		return;
	ok(strstr(sqlite3_sql(st), "dvpush_") != NULL, "the aggregate is pushed");
	dv_engine_describe(s->eng, st, 0, &ci);
	is_str(ci.name, "statecode", "key name");
	is_int(ci.sql_type, SQL_INTEGER, "key type");
	dv_engine_describe(s->eng, st, 1, &ci);
	is_str(ci.name, "n", "alias");
	is_int(ci.sql_type, SQL_BIGINT, "COUNT is bigint");
	dv_engine_describe(s->eng, st, 2, &ci);
	is_str(ci.name, "MIN(revenue)", "aggregate named as written");
	is_int(ci.sql_type, SQL_DECIMAL, "MIN of money is decimal");
	dv_engine_describe(s->eng, st, 3, &ci);
	is_int(ci.sql_type, SQL_TYPE_TIMESTAMP, "MAX of a date-time is a timestamp");
	dv_engine_describe(s->eng, st, 4, &ci);
	is_int(ci.sql_type, SQL_BIGINT, "SUM of an integer column: BIGINT, as when local");
	sqlite3_finalize(st);
	if (!ok(dv_engine_prepare(s->eng, "SELECT AVG(numberofemployees) FROM account", &st,
				  &err) == 0, "prepare AVG"))
		return;
	dv_engine_describe(s->eng, st, 0, &ci);
	is_int(ci.sql_type, SQL_DOUBLE, "AVG is double");
	sqlite3_finalize(st);
	if (!ok(dv_engine_prepare(s->eng, "SELECT name, revenue FROM account WHERE statecode = 1 "
				  "OR revenue > 5", &st, &err) == 0, "prepare OR"))
		return;
	ok(strstr(sqlite3_sql(st), "main.\"account\"") != NULL, "the OR statement is pushed");
	dv_engine_describe(s->eng, st, 1, &ci);
	is_str(ci.table, "account", "pushed rows keep their table");
	is_str(ci.type_name, "money", "pushed rows keep the catalog type");
	sqlite3_finalize(st);
	ex = pushdown_explain(s->eng, "SELECT COUNT(*) FROM account WHERE statecode = ? OR "
			      "industrycode = 3", NULL, &err);
	snprintf(want, sizeof(want), "GET %saccounts?$apply=filter(statecode eq ?1 or "
		 "industrycode eq 3)/aggregate($count as a0)", s->base);
	is_str(ex, want, "explain shows the pushed request");
	free(ex);
	ex = pushdown_explain(s->eng, "SELECT name FROM account WHERE statecode = 1", NULL, &err);
	ok(ex == NULL, "explain: not pushed");
	free(ex);
	/* an exactly sent subquery is 1 in the statement SQLite runs (its marker keeps
	 * its number); an inexact one stays */
	if (ok(dv_engine_prepare(s->eng, "SELECT a.name FROM account a WHERE EXISTS (SELECT 1 "
				 "FROM opportunity o WHERE o.parentaccountid = a.accountid AND "
				 "o.statecode = ?) AND a.statecode = ?", &st, &err) == 0,
	       "prepare EXISTS with markers")) {
		const char *q = strstr(sqlite3_sql(st), "', ?1, ?2) AS \"a\" ");
		ok(q && strcmp(q, "', ?1, ?2) AS \"a\" WHERE 1 AND a.statecode = ?2") == 0,
		   "the exact EXISTS is 1 locally: %s", sqlite3_sql(st));
		sqlite3_finalize(st);
	}
	if (ok(dv_engine_prepare(s->eng, "SELECT a.name FROM account a WHERE EXISTS (SELECT 1 "
				 "FROM contact c WHERE c.parentcustomerid = a.accountid AND "
				 "c.lastname = 'x')", &st, &err) == 0, "prepare EXISTS with text =")) {
		const char *q = strstr(sqlite3_sql(st), "') AS \"a\" ");
		ok(q && strcmp(q, "') AS \"a\" WHERE 1") == 0,
		   "text = inside a subquery is exact (the service's rule is DVNOCASE): %s",
		   sqlite3_sql(st));
		sqlite3_finalize(st);
	}
	if (ok(dv_engine_prepare(s->eng, "SELECT a.name FROM account a WHERE EXISTS (SELECT 1 "
				 "FROM contact c WHERE c.parentcustomerid = a.accountid AND "
				 "c.lastname LIKE 'x%')", &st, &err) == 0, "prepare EXISTS with LIKE")) {
		const char *q = strstr(sqlite3_sql(st), "') AS \"a\" ");
		ok(q && strcmp(q, "') AS \"a\" WHERE EXISTS (SELECT 1 FROM contact c WHERE "
			       "c.parentcustomerid = a.accountid AND c.lastname LIKE 'x%')") == 0,
		   "the inexact EXISTS stays: %s", sqlite3_sql(st));
		sqlite3_finalize(st);
	}
	ex = pushdown_explain(s->eng, "SELECT name FROM contact WHERE parentcustomerid IN (SELECT "
			      "accountid FROM account WHERE statecode = ?)", NULL, &err);
	snprintf(want, sizeof(want), "GET %scontacts?$select=&$filter=parentcustomerid_account/"
		 "accountid ne null and parentcustomerid_account/statecode eq ?1", s->base);
	is_str(ex, want, "explain: a lookup IN (SELECT key ..) as the lookup's path");
	free(ex);
	/* a subquery kept in the statement: its own requests follow */
	ex = pushdown_explain(s->eng, "SELECT a.name FROM account a WHERE EXISTS (SELECT 1 FROM "
			      "contact c WHERE c.parentcustomerid = a.accountid AND c.lastname LIKE "
			      "'x%')", NULL, &err);
	snprintf(want, sizeof(want), "GET %saccounts?$select=&$filter=contact_customer_accounts/"
		 "any(c:startswith(c/lastname,'x'))\nGET %scontacts?$select=contactid,lastname,"
		 "_parentcustomerid_value&$filter=_parentcustomerid_value eq ?1 and "
		 "startswith(lastname,'x') "
		 "(the subquery, checked by SQLite over the rows read)", s->base, s->base);
	is_str(ex, want, "explain: the lambda, then the subquery SQLite checks");
	free(ex);
	/* aggregates over a subquery, subqueries not along a relationship: not pushed */
	ex = pushdown_explain(s->eng, "SELECT COUNT(*) FROM account a WHERE EXISTS (SELECT 1 FROM "
			      "opportunity o WHERE o.parentaccountid = a.accountid)", NULL, &err);
	ok(ex == NULL, "explain: an aggregate over EXISTS is not pushed");
	free(ex);
	ex = pushdown_explain(s->eng, "SELECT name FROM account a WHERE EXISTS (SELECT 1 FROM "
			      "opportunity o WHERE o.customerid = a.primarycontactid)", NULL, &err);
	ok(ex == NULL, "explain: a correlation that is not lookup = key is not pushed");
	free(ex);
	ex = pushdown_explain(s->eng, "SELECT name FROM account WHERE accountid NOT IN (SELECT "
			      "parentcustomerid FROM contact WHERE statecode = 1) AND statecode = 0",
			      NULL, &err);
	ok(ex && !strstr(ex, "any(") && strstr(ex, "accounts?$select=&$filter=statecode eq 0\n"),
	   "explain: NOT IN is not sent (its subquery is checked locally)");
	free(ex);
	/* SQLNativeSql (dv_engine_explain) shows the one request a pushed statement sends */
	ex = dv_engine_explain(s->eng, "SELECT statecode, COUNT(*) FROM lead GROUP BY statecode",
			       &err);
	snprintf(want, sizeof(want), "GET %sleads?$apply=groupby((statecode),aggregate($count as "
		 "a1))", s->base);
	is_str(ex, want, "dv_engine_explain of a pushed statement shows its $apply request");
	free(ex);
	/* ... and the per-table plan when it is kept local */
	ex = dv_engine_explain(s->eng, "SELECT /* dvodbc:local */ statecode, COUNT(*) FROM lead "
			       "GROUP BY statecode", &err);
	snprintf(want, sizeof(want), "GET %sleads?$select=leadid,statecode&$orderby=statecode "
		 "asc,leadid asc", s->base);
	is_str(ex, want, "dv_engine_explain of a local statement shows its scan");
	free(ex);
	/* errors are the per-table path's */
	ok(dv_engine_prepare(s->eng, "SELECT nosuch FROM account WHERE a = 1 OR b = 2", &st,
			     &err) != 0, "unknown column fails");
	is_str(dv_sqlstate_code(err.state), "42S22", "unknown column state");
}

/* The statement's own LIMIT where SQLite keeps it from xBestIndex (a <>, a
 * LIKE, IS NOT NULL in the WHERE): $top when every term is pushed whole,
 * else twice the LIMIT first and the rest only when SQLite wants more
 * (plan.c, vtab.c FIRST ROWS). */
static const struct pcase limit_cases[] = {
	/* every term pushed and omitted: $top = LIMIT (bench-plans L1) */
	{"SELECT name FROM account WHERE revenue > 1000 AND name <> 'Alpine Ski GmbH 1' LIMIT 3",
	 {NULL},
	 API "accounts?$select=accountid,name,revenue&$filter=revenue%20gt%201000%20and%20name"
	 "%20ne%20null%20and%20name%20ne%20'Alpine%20Ski%20GmbH%201'&$top=3\n",
	 "Tailspin Traders 2\nRelecloud Inc 3\nFourth Coffee Systems 4\n"},
	/* LIKE '%..%' (bench-plans L2), with a consumed ORDER BY */
	{"SELECT name FROM account WHERE name LIKE '%Ltd%' LIMIT 2", {NULL},
	 API "accounts?$select=accountid,name&$filter=contains(name,'Ltd')&$top=2\n",
	 "Alpine Ski Pty Ltd 5\nFabrikam Pty Ltd 6\n"},
	{"SELECT name FROM account WHERE name LIKE '%ltd%' ORDER BY name LIMIT 2", {NULL},
	 API "accounts?$select=accountid,name&$filter=contains(name,'ltd')&$orderby=name%20asc,"
	 "accountid%20asc&$top=2\n",
	 "Adventure Works Pty Ltd 17\nAlpine Ski Pty Ltd 5\n"},
	/* '_' stays local: 2 x LIMIT first; the second match is not among them,
	 * so the rest is read without $top and the first rows are not repeated */
	{"SELECT name FROM account WHERE name LIKE 'a_p%' LIMIT 2", {NULL},
	 API "accounts?$select=accountid,name&$top=4\n" API "accounts?$select=accountid,name\n",
	 "Alpine Ski GmbH 1\nAlpine Ski Pty Ltd 5\n"},
	/* ... in order: one match among the first 6 rows, one after them */
	{"SELECT name FROM account WHERE name LIKE '%a_e%' ORDER BY name DESC LIMIT 3", {NULL},
	 API "accounts?$select=accountid,name&$orderby=name%20desc,accountid%20asc&$top=6\n"
	 API "accounts?$select=accountid,name&$orderby=name%20desc,accountid%20asc\n",
	 "Tailspin Traders 2\nProseware Ltd 15\n"},
	/* a parameter is checked again by SQLite: 2 x LIMIT, enough matches in them */
	{"SELECT name FROM account WHERE statecode = ? AND name <> 'x' LIMIT 2", {"#0", NULL},
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%200%20and%20name"
	 "%20ne%20null%20and%20name%20ne%20'x'&$top=4\n",
	 "Alpine Ski GmbH 1\nTailspin Traders 2\n"},
	/* not a single-table SELECT: no $top on either side of a join */
	{"SELECT a.name, c.fullname FROM account a JOIN contact c ON c.parentcustomerid = "
	 "a.accountid WHERE a.name <> 'x' AND c.fullname LIKE 'David%' LIMIT 1", {NULL},
	 NULL, "Tailspin Industries 13|David Andersson\n"},
};

static void test_statement_limit(struct engine_stack *s)
{
	size_t i;
	for (i = 0; i < sizeof(limit_cases) / sizeof(limit_cases[0]); i++) {
		const struct pcase *c = &limit_cases[i];
		struct dv_error err;
		char *rows, *req;
		emu_reset(&emu);
		rows = run(s, c->sql, c->params, &err);
		if (!rows)
			tap_diag("%s: %s", c->sql, err.message);
		req = data_requests(&emu);
		is_str(rows, c->rows, "limit rows: %s", c->sql);
		if (c->requests)
			is_str(req, c->requests, "limit requests: %s", c->sql);
		else
			ok(req && !strstr(req, "$top="), "no $top in a join: %s", c->sql);
		free(rows);
		free(req);
	}
	/* SQLNativeSql shows both requests of a LIMIT's first rows */
	{
		struct dv_error err;
		char want[512], *ex;
		ex = dv_engine_explain(s->eng, "SELECT name FROM account WHERE name LIKE 'a_p%' "
				       "LIMIT 2", &err);
		snprintf(want, sizeof(want), "GET %saccounts?$select=accountid,name&$top=4\nGET "
			 "%saccounts?$select=accountid,name (only when more rows are needed)",
			 s->base, s->base);
		is_str(ex, want, "explain: 2 x LIMIT first, then the rest");
		free(ex);
		ex = dv_engine_explain(s->eng, "SELECT name FROM account WHERE name LIKE '%Ltd%' "
				       "LIMIT 2", &err);
		snprintf(want, sizeof(want), "GET %saccounts?$select=accountid,name&$filter="
			 "contains(name,'Ltd')&$top=2", s->base);
		is_str(ex, want, "explain: the statement's LIMIT as $top");
		free(ex);
	}
}

/* More than 50,000 input rows: the service refuses, the answer is local. */
static void test_limit(void)
{
	struct emu big;
	struct engine_stack s;
	struct dv_error err;
	char *rows, *local, *req;
	int ok_or;
	if (emu_start(&big, "--rows 50001 --seed 1") != 0) {
		ok(0, "big emulator starts");
		return;
	}
	/* one chain: the requests below are asserted exactly, and the automatic
	 * ParallelReads partitions an ordered scan whose first page is slow
	 * (a loaded machine, a sanitizer build) */
	if (engine_stack_open(&s, &big, "ParallelReads=1") != 0) {
		ok(0, "big stack opens");
		emu_stop(&big);
		return;
	}
	emu_reset(&big);
	rows = run(&s, "SELECT statecode, COUNT(*) FROM account GROUP BY statecode", NULL, &err);
	if (!rows)
		tap_diag("limit: %s", err.message);
	req = data_requests(&big);
	ok(req && strncmp(req, API "accounts?$apply=groupby((statecode),aggregate($count%20as"
			  "%20a1))\n" API "accounts?$select=accountid,statecode&$orderby="
			  "statecode%20asc,accountid%20asc\n", 180) == 0,
	   "0x8004E023: the $apply request, then the per-table scan");
	local = run(&s, HINT "SELECT statecode, COUNT(*) FROM account GROUP BY statecode", NULL,
		    &err);
	is_str(rows, local, "0x8004E023: same rows as local evaluation");
	ok(rows && strncmp(rows, "0|", 2) == 0 && strstr(rows, "\n1|"), "two groups");
	free(rows);
	free(local);
	free(req);
	/* over the limit with an OR: the local evaluation reads once */
	emu_reset(&big);
	rows = run(&s, "SELECT statecode, COUNT(*) FROM account WHERE statecode IN (0, 1) OR "
		   "industrycode = 3 GROUP BY statecode", NULL, &err);
	req = data_requests(&big);
	/* the scan's first page is a line of its own: after the $apply request,
	 * or first when that request's line came later */
	{
		static const char scan[] = API "accounts?$select=accountid,industrycode,"
					   "statecode&$orderby=statecode%20asc,accountid%20asc\n";
		const char *at = req ? strstr(req, scan) : NULL;
		ok_or = at && (at == req || at[-1] == '\n');
	}
	if (!ok(ok_or, "0x8004E023 with an OR: one unfiltered per-table scan"))
		tap_diag("requests: %s", req ? req : "(null)");
	local = run(&s, HINT "SELECT statecode, COUNT(*) FROM account WHERE +(statecode IN (0, 1) "
		    "OR industrycode = 3) GROUP BY statecode", NULL, &err);
	is_str(rows, local, "0x8004E023 with an OR: same rows as local evaluation");
	free(rows);
	free(local);
	free(req);
	/* under the limit with a filter: pushed */
	emu_reset(&big);
	rows = run(&s, "SELECT COUNT(*) FROM account WHERE statecode = 1 OR industrycode = 3",
		   NULL, &err);
	req = data_requests(&big);
	is_str(req, API "accounts?$apply=filter(statecode%20eq%201%20or%20industrycode%20eq%203)"
	       "%2Faggregate($count%20as%20a0)\n", "filtered aggregate under the limit is pushed");
	local = run(&s, HINT "SELECT COUNT(*) FROM account WHERE +(statecode = 1 OR "
		    "industrycode = 3)", NULL, &err);
	is_str(rows, local, "same count as local evaluation");
	free(rows);
	free(local);
	free(req);
	engine_stack_close(&s);
	emu_stop(&big);
}

int main(void)
{
	struct engine_stack s;
	if (emu_start(&emu, "--rows 20 --seed 1") != 0) {
		ok(0, "emulator starts");
		return tap_done();
	}
	if (engine_stack_open(&s, &emu, NULL) == 0) {
		test_cases(&s);
		test_statement_limit(&s);
		test_describe(&s);
		engine_stack_close(&s);
	} else {
		ok(0, "stack opens");
	}
	emu_stop(&emu);
	test_limit();
	return tap_done();
}
