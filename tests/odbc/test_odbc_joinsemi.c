/* test_odbc_joinsemi.c - an inner join along a relationship reads only the
 * rows that have a partner (driver/engine/pushdown_semijoin.c JOINS): the
 * side read first carries the other side's terms as a lambda any() (the
 * "one" side) or a lookup path (the "many" side).  Through the driver
 * manager against the emulator (20 accounts, 20 contacts, 10
 * opportunities).  Every statement runs twice: as written, and with the
 * dvodbc:local comment, which leaves the join as it was (no term); the
 * rows must be the same, and equal to the rows written here (worked out
 * from the emulator's data).  The data requests of the first run are
 * asserted exactly; the local run must send no term:
 *   - 5 accounts joined to their contacts: A-000001 has none and is not
 *     read; the contacts request names the 4 others' keys (bench J1);
 *   - the inner side's own terms inside the lambda: an exact one, a text
 *     <> and a LIKE (a superset: SQLite checks the join's rows itself), a
 *     comma join with the equality in WHERE;
 *   - a parameter inside: no value at planning time, so any() says only
 *     "has a contact";
 *   - the many side read first: the one side's terms behind the lookup's
 *     path (through a polymorphic customer lookup, and opportunity ->
 *     account), the one side then read by the keys alone;
 *   - not sent: a LEFT JOIN (accounts without contacts kept with NULLs), a
 *     join not along a relationship, a self join, two correlations, a
 *     subquery elsewhere in the statement;
 *   - SQLNativeSql shows the term. */
#include "odbc_test.h"

static struct emu emu;

#define API "GET /api/data/v9.2/"
#define IN5 "('A-000001','A-000002','A-000003','A-000004','A-000005')"
#define J "SELECT a.name, c.fullname FROM account a JOIN contact c ON " \
	  "c.parentcustomerid = a.accountid "
/* the keys of accounts A-000002..5 (the emulator's ids with --seed 1) */
#define K2 "3c70ab6a-3d10-4001-8002-0000000f4245"
#define K3 "daa8251b-db47-4001-8003-0000000f4246"
#define K4 "78df9ecc-797e-4001-8004-0000000f4247"
#define K5 "1717187d-17b5-4001-8005-0000000f4248"
#define PK "_parentcustomerid_value%20eq%20"

/* A term the join got: a lambda or a lookup path ("/" is never in a key
 * batch or a plain term). */
static int has_term(const char *req)
{
	return req && strstr(req, "%2F") != NULL;
}

struct jcase {
	const char *what;
	const char *sql;
	int nparams;
	long param;
	const char *rows;        /* expected rows (every statement has ORDER BY) */
	const char *requests;    /* the exact data requests; NULL: any without a term */
};

static const struct jcase cases[] = {
	{"5 accounts and their contacts: the one without a contact is not read",
	 J "WHERE a.accountnumber IN " IN5 " ORDER BY 1, 2", 0, 0,
	 "Alpine Ski Pty Ltd 5|John Flores\nFourth Coffee Systems 4|Linda Scott\n"
	 "Fourth Coffee Systems 4|Renée Johnson\nRelecloud Inc 3|Matthew Martinez\n"
	 "Tailspin Traders 2|Brian Jackson\n",
	 API "accounts?$select=accountid,name,accountnumber&$filter=(accountnumber%20eq%20"
	 "'A-000001'%20or%20accountnumber%20eq%20'A-000002'%20or%20accountnumber%20eq%20"
	 "'A-000003'%20or%20accountnumber%20eq%20'A-000004'%20or%20accountnumber%20eq%20"
	 "'A-000005')%20and%20contact_customer_accounts%2Fany(c:c%2Fcontactid%20ne%20null)\n"
	 API "contacts?$select=contactid,fullname,_parentcustomerid_value&$filter=(" PK K2
	 "%20or%20" PK K3 "%20or%20" PK K4 "%20or%20" PK K5 ")\n"},
	{"the contacts' exact term inside the lambda",
	 J "WHERE a.accountnumber = 'A-000004' AND c.statecode <> 1 ORDER BY 1, 2", 0, 0,
	 "Fourth Coffee Systems 4|Linda Scott\nFourth Coffee Systems 4|Renée Johnson\n",
	 API "accounts?$select=accountid,name,accountnumber&$filter=accountnumber%20eq%20"
	 "'A-000004'%20and%20contact_customer_accounts%2Fany(c:c%2Fstatecode%20ne%201%20and%20"
	 "c%2Fstatecode%20ne%20null)\n"
	 API "contacts?$select=contactid,fullname,_parentcustomerid_value,statecode&$filter="
	 "statecode%20ne%20null%20and%20statecode%20ne%201%20and%20(" PK K4 ")\n"},
	{"a text <> of the contacts inside the lambda",
	 J "WHERE a.accountnumber = 'A-000004' AND c.lastname <> 'Scott' ORDER BY 1, 2", 0, 0,
	 "Fourth Coffee Systems 4|Renée Johnson\n",
	 API "accounts?$select=accountid,name,accountnumber&$filter=accountnumber%20eq%20"
	 "'A-000004'%20and%20contact_customer_accounts%2Fany(c:c%2Flastname%20ne%20'Scott'%20"
	 "and%20c%2Flastname%20ne%20null)\n"
	 API "contacts?$select=contactid,fullname,lastname,_parentcustomerid_value&$filter="
	 "lastname%20ne%20null%20and%20lastname%20ne%20'Scott'%20and%20(" PK K4 ")\n"},
	{"a comma join, a LIKE of the contacts (a superset) inside the lambda",
	 "SELECT a.name, c.fullname FROM account a, contact c WHERE c.parentcustomerid = "
	 "a.accountid AND a.statecode = 0 AND c.lastname LIKE 'w%' ORDER BY 1, 2", 0, 0,
	 "Bellows Ltd 8|Kimberly Wright\nGraphic Design S.A. 14|Kevin Wright\n",
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%200%20and%20"
	 "contact_customer_accounts%2Fany(c:startswith(c%2Flastname,'w'))\n"
	 API "contacts?$select=contactid,fullname,lastname,_parentcustomerid_value&$filter="
	 "startswith(lastname,'w')%20and%20(" PK "f1bd8590-f25a-4001-8008-0000000f424b%20or%20"
	 PK "a70a5fb6-a7a4-4001-800e-0000000f4251)\n"},
	{"a parameter of the contacts: any() says only that a contact exists",
	 J "WHERE a.accountid = '" K4 "' AND c.statecode <> ? ORDER BY 1, 2", 1, 1,
	 "Fourth Coffee Systems 4|Linda Scott\nFourth Coffee Systems 4|Renée Johnson\n",
	 API "accounts?$select=accountid,name&$filter=accountid%20eq%20" K4 "%20and%20"
	 "contact_customer_accounts%2Fany(c:c%2Fcontactid%20ne%20null)\n"
	 API "contacts?$select=contactid,fullname,_parentcustomerid_value,statecode&$filter=("
	 PK K4 ")\n"},
	{"contacts read first: the accounts' term behind the customer lookup's path",
	 J "WHERE a.statecode = 0 AND c.statecode = 1 ORDER BY 1, 2", 0, 0,
	 "Alpine Ski Pty Ltd 5|John Flores\nGraphic Design S.A. 14|Patricia Jones\n",
	 API "contacts?$select=contactid,fullname,_parentcustomerid_value,statecode&$filter="
	 "statecode%20eq%201%20and%20parentcustomerid_account%2Faccountid%20ne%20null%20and%20"
	 "parentcustomerid_account%2Fstatecode%20eq%200\n"
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%200%20and%20("
	 "accountid%20eq%20a70a5fb6-a7a4-4001-800e-0000000f4251%20or%20accountid%20eq%20" K5
	 ")\n"},
	{"opportunities read first: the accounts' term behind parentaccountid's path",
	 "SELECT o.name, a.name FROM opportunity o JOIN account a ON o.parentaccountid = "
	 "a.accountid WHERE o.statecode = 1 AND a.statecode = 0 ORDER BY 1, 2", 0, 0,
	 "Cloud Migration for Litware 2|Trey Research Pty Ltd 20\n"
	 "Security Audit for Lucerne 7|VanArsdel S.A. 19\n",
	 API "opportunities?$select=opportunityid,name,_parentaccountid_value,statecode&$filter="
	 "statecode%20eq%201%20and%20parentaccountid%2Faccountid%20ne%20null%20and%20"
	 "parentaccountid%2Fstatecode%20eq%200\n"
	 API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%200%20and%20("
	 "accountid%20eq%205c5739dc-5cee-4001-8014-0000000f4257%20or%20accountid%20eq%20"
	 "be1fc02b-beb7-4001-8013-0000000f4256)\n"},
	{"a LEFT JOIN: no term, accounts without contacts kept",
	 "SELECT a.name, c.fullname FROM account a LEFT JOIN contact c ON c.parentcustomerid = "
	 "a.accountid WHERE a.statecode = 1 ORDER BY 1, 2", 0, 0,
	 "Fabrikam Pty Ltd 6|Kimberly Rodriguez\nLamna Co 11|NULL\n"
	 "School of Fine Art Partners 16|Barbara Andersson\n"
	 "School of Fine Art Partners 16|Björn Ivanova\n", NULL},
	{"a join not along a relationship: no term",
	 "SELECT a.name, c.fullname FROM account a JOIN contact c ON c.owningbusinessunit = "
	 "a.owningbusinessunit WHERE a.accountnumber = 'A-000004' AND c.statecode = 1 "
	 "ORDER BY 1, 2", 0, 0, "Fourth Coffee Systems 4|Kimberly Rodriguez\n", NULL},
	{"a self join: no term",
	 "SELECT a.name, p.name FROM account a JOIN account p ON a.parentaccountid = p.accountid "
	 "ORDER BY 1, 2", 0, 0,
	 "Best For You LLC 18|Fabrikam Pty Ltd 6\nGraphic Design S.A. 14|Fourth Coffee Systems 4\n"
	 "Trey Research Pty Ltd 20|Lamna Co 11\nVanArsdel S.A. 19|Relecloud Inc 3\n", NULL},
	{"two correlations: no term",
	 J "AND c.owningbusinessunit = a.owningbusinessunit WHERE a.accountnumber IN " IN5
	 " ORDER BY 1, 2", 0, 0,
	 "Alpine Ski Pty Ltd 5|John Flores\nFourth Coffee Systems 4|Renée Johnson\n"
	 "Tailspin Traders 2|Brian Jackson\n", NULL},
	{"a subquery elsewhere in the statement: no term",
	 "SELECT a.name, (SELECT COUNT(*) FROM opportunity o WHERE o.parentaccountid = "
	 "a.accountid) FROM account a JOIN contact c ON c.parentcustomerid = a.accountid "
	 "WHERE a.accountnumber IN " IN5 " ORDER BY 1, 2", 0, 0,
	 "Alpine Ski Pty Ltd 5|0\nFourth Coffee Systems 4|0\nFourth Coffee Systems 4|0\n"
	 "Relecloud Inc 3|1\nTailspin Traders 2|0\n", NULL},
};

static void run_case(SQLHDBC dbc, const struct jcase *c)
{
	struct local_run r;
	local_run(&emu, dbc, c->sql, c->nparams, &c->param, NULL, 2, &r);
	local_run_rows(&r, c->what, "without the term", c->rows);
	if (c->requests)
		is_str(r.req, c->requests, "  the requests");
	else
		ok(!has_term(r.req), "  no term sent: %s", r.req ? r.req : "(none)");
	ok(!has_term(r.local_req), "  the dvodbc:local comment: no term");
	local_run_free(&r);
}

static void test_native_sql(SQLHDBC dbc)
{
	SQLCHAR out[4096];
	SQLINTEGER len = 0;
	const char *sql = J "WHERE a.accountnumber = 'A-000004'";
	SQLRETURN rc = SQLNativeSql(dbc, (SQLCHAR *)sql, SQL_NTS, out, sizeof(out), &len);
	rc_ok(rc, SQL_HANDLE_DBC, dbc, "SQLNativeSql of a join");
	ok(strstr((char *)out, "accounts?") &&
	   strstr((char *)out, "$filter=accountnumber eq 'A-000004' and "
		  "contact_customer_accounts/any(c:c/contactid ne null)"),
	   "  shows the accounts request with the term: %s", (char *)out);
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
