/* test_odbc_procedures.c - the service's functions and actions as ODBC
 * procedures, through the real driver manager against the emulator:
 * SQLProcedures and SQLProcedureColumns rows from the CSDL, {call WhoAmI()}
 * against the service's own answer, RetrieveTotalRecordCount with a bound
 * and a literal parameter (and the request it becomes), EXEC and CALL forms,
 * a collection answer, the bound action lead.QualifyLead (the POST the
 * emulator got, the records after), and the errors: unknown procedure,
 * wrong argument counts, unbound markers, bad values, the service's refusal,
 * an action whose answer is lost (08007, sent once), and that a SELECT never
 * runs an action. */
#include <curl/curl.h>
#include <yajl/yajl_tree.h>

#include "odbc_test.h"

static struct emu emu;

/* ---- the service's side, read straight from the Web API ---- */

/* GET <api>/<rel>: the body (caller frees). */
static char *api_get(const char *rel)
{
	char *body;
	emu_webapi(&emu, NULL, rel, NULL, &body);
	return body;
}

/* One string member of the JSON answer to GET <rel> into out. */
static void api_member(const char *rel, const char *key, char *out, size_t size)
{
	char errbuf[128];
	const char *path[] = {key, NULL};
	char *body = api_get(rel);
	yajl_val root = yajl_tree_parse(body, errbuf, sizeof(errbuf));
	yajl_val v = root ? yajl_tree_get(root, path, yajl_t_any) : NULL;
	if (v && YAJL_IS_STRING(v))
		snprintf(out, size, "%s", YAJL_GET_STRING(v));
	else if (v && YAJL_IS_NUMBER(v))
		snprintf(out, size, "%s", YAJL_GET_NUMBER(v));
	else
		snprintf(out, size, "<none>");
	yajl_tree_free(root);
	free(body);
}

/* ---- the driver's side ---- */

static SQLHENV env;
static SQLHDBC dbc;

static SQLHSTMT new_stmt(void)
{
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	return st;
}

/* Runs sql and returns every row (fetch_all), or "<error STATE>" (caller frees). */
static char *run(const char *sql, int ncols)
{
	SQLHSTMT st = new_stmt();
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	char *out;
	if (!SQL_SUCCEEDED(rc)) {
		char state[6], msg[512];
		diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
		out = malloc(600);
		snprintf(out, 600, "<error %s> %s", state, msg);
	} else {
		out = fetch_all(st, ncols);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return out;
}

/* Executes sql expecting failure: the SQLSTATE and message. */
static void expect_error(const char *sql, const char *want_state, const char *want_in_msg)
{
	SQLHSTMT st = new_stmt();
	char state[6], msg[1024];
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	ok(rc == SQL_ERROR && strcmp(state, want_state) == 0 && strstr(msg, want_in_msg),
	   "%s -> %s", sql, want_state);
	if (!(rc == SQL_ERROR && strcmp(state, want_state) == 0 && strstr(msg, want_in_msg)))
		printf("#   rc %d [%s] %s\n", (int)rc, state, msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* The requests since `since`, "METHOD URL" lines, with the API root cut
 * off; token requests left out (caller frees). */
static char *requests_since(int since)
{
	char *all = emu_requests(&emu, since), *out = calloc(1, strlen(all) + 1);
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "%s/api/data/v9.2/", emu.url);
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
		if (strstr(line, "/oauth2/"))
			continue;
		char *u = strstr(line, "/api/data/v9.2/");
		if (u) {
			size_t m = (size_t)(u - line);
			strncat(out, line, m);
			strcat(out, u + strlen("/api/data/v9.2/"));
		} else {
			strcat(out, line);
		}
		strcat(out, "\n");
	}
	free(all);
	return out;
}

static void is_text(const char *got, const char *want, const char *what)
{
	ok(strcmp(got, want) == 0, "%s", what);
	if (strcmp(got, want) != 0)
		printf("#   got:\n%s#   want:\n%s", got, want);
}

/* ---- catalog ---- */

static void test_procedures_list(void)
{
	char yn[8] = "", term[32] = "";
	SQLGetInfo(dbc, SQL_PROCEDURES, yn, sizeof(yn), NULL);
	SQLGetInfo(dbc, SQL_PROCEDURE_TERM, term, sizeof(term), NULL);
	ok(strcmp(yn, "Y") == 0 && strcmp(term, "procedure") == 0,
	   "SQLGetInfo: SQL_PROCEDURES Y, SQL_PROCEDURE_TERM procedure (%s, %s)", yn, term);
	SQLHSTMT st = new_stmt();
	rc_ok(SQLProcedures(st, NULL, 0, NULL, 0, NULL, 0), SQL_HANDLE_STMT, st, "SQLProcedures");
	char *rows = fetch_all(st, 8);
	is_text(rows,
		"NULL|NULL|GetTimeZoneCodeByLocalizedName|2|0|1|function GetTimeZoneCodeByLocalizedName|2\n"
		"NULL|NULL|RetrieveAadUserPrivileges|1|0|1|function RetrieveAadUserPrivileges|2\n"
		"NULL|NULL|RetrieveAadUserSetOfPrivilegesByNames|2|0|1|function "
		"RetrieveAadUserSetOfPrivilegesByNames|2\n"
		"NULL|NULL|RetrieveAvailableLanguages|0|0|1|function RetrieveAvailableLanguages|2\n"
		"NULL|NULL|RetrieveTotalRecordCount|1|0|1|function RetrieveTotalRecordCount|2\n"
		"NULL|NULL|RetrieveVersion|0|0|1|function RetrieveVersion|2\n"
		"NULL|NULL|WhoAmI|0|0|1|function WhoAmI|2\n"
		"NULL|NULL|lead.QualifyLead|10|0|1|action QualifyLead bound to a lead record "
		"(its id first); may change data|1\n"
		"NULL|NULL|systemuser.RetrieveUserPrivileges|1|0|1|function RetrieveUserPrivileges "
		"bound to a systemuser record (its id first)|2\n",
		"SQLProcedures: the CSDL's functions (SQL_PT_FUNCTION) and actions "
		"(SQL_PT_PROCEDURE), bound ones as <entity>.<Name>");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);
	SQLProcedures(st, NULL, 0, NULL, 0, (SQLCHAR *)"Retrieve%Count", SQL_NTS);
	rows = fetch_all(st, 3);
	is_text(rows, "NULL|NULL|RetrieveTotalRecordCount\n", "a name pattern selects");
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* The SQLProcedureColumns result open on st, one line per row: name
 * column_type data_type nullable ordinal.  Caller frees. */
static char *proc_cols_text(SQLHSTMT st)
{
	SQLCHAR name[128];
	SQLSMALLINT ctype, dtype, nullable;
	SQLINTEGER ord;
	char *got = calloc(1, 4096);
	SQLBindCol(st, 4, SQL_C_CHAR, name, sizeof(name), NULL);
	SQLBindCol(st, 5, SQL_C_SSHORT, &ctype, 0, NULL);
	SQLBindCol(st, 6, SQL_C_SSHORT, &dtype, 0, NULL);
	SQLBindCol(st, 12, SQL_C_SSHORT, &nullable, 0, NULL);
	SQLBindCol(st, 18, SQL_C_SLONG, &ord, 0, NULL);
	while (SQL_SUCCEEDED(SQLFetch(st))) {
		char line[200];
		snprintf(line, sizeof(line), "%s %d %d %d %d\n", name, ctype, dtype, nullable, (int)ord);
		strcat(got, line);
	}
	return got;
}

static void test_procedure_columns(void)
{
	SQLHSTMT st = new_stmt();
	rc_ok(SQLProcedureColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"RetrieveTotalRecordCount",
				  SQL_NTS, NULL, 0),
	      SQL_HANDLE_STMT, st, "SQLProcedureColumns(RetrieveTotalRecordCount)");
	char *rows = fetch_all(st, 19);
	/* octet lengths of text: characters times sizeof(SQLWCHAR) (2, or 4 for iODBC) */
	char want[512];
	int oct = 4000 * (int)sizeof(SQLWCHAR);
	snprintf(want, sizeof(want),
		 "NULL|NULL|RetrieveTotalRecordCount|EntityNames|1|-9|nvarchar|4000|%d|NULL|NULL|0|"
		 "Collection(Edm.String)|NULL|-9|NULL|%d|1|NO\n"
		 "NULL|NULL|RetrieveTotalRecordCount|Key|3|-9|nvarchar|4000|%d|NULL|NULL|0|"
		 "Edm.String|NULL|-9|NULL|%d|1|NO\n"
		 "NULL|NULL|RetrieveTotalRecordCount|Value|3|-5|bigint|19|8|0|10|1|"
		 "Edm.Int64|NULL|-5|NULL|NULL|2|YES\n", oct, oct, oct, oct);
	is_text(rows, want,
		"the parameter (SQL_PARAM_INPUT) and the result columns (SQL_RESULT_COL) "
		"of RetrieveTotalRecordCount");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);
	rc_ok(SQLProcedureColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"lead.QualifyLead", SQL_NTS,
				  NULL, 0), SQL_HANDLE_STMT, st, "SQLProcedureColumns(lead.QualifyLead)");
	char *got = proc_cols_text(st);
	is_text(got,
		"leadid 1 -11 0 1\nCreateAccount 1 -7 0 2\nCreateContact 1 -7 0 3\n"
		"CreateOpportunity 1 -7 0 4\nOpportunityCurrencyId 1 -9 1 5\n"
		"OpportunityCustomerId 1 -9 1 6\nSourceCampaignId 1 -9 1 7\nStatus 1 4 0 8\n"
		"SuppressDuplicateDetection 1 -7 1 9\nProcessInstanceId 1 -9 1 10\n"
		"EntityName 3 -9 0 1\nId 3 -11 0 2\n",
		"lead.QualifyLead: the record's id first, the CSDL's parameters, then "
		"(EntityName, Id) of the records it creates");
	free(got);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* ---- functions ---- */

static void test_whoami(void)
{
	char bu[64], user[64], org[64], want[256];
	api_member("WhoAmI", "BusinessUnitId", bu, sizeof(bu));
	api_member("WhoAmI", "UserId", user, sizeof(user));
	api_member("WhoAmI", "OrganizationId", org, sizeof(org));
	snprintf(want, sizeof(want), "%s|%s|%s\n", bu, user, org);
	int since = emu_request_count(&emu);

	SQLHSTMT st = new_stmt();
	SQLSMALLINT ncols = 0, type = 0;
	SQLCHAR name[64];
	rc_ok(SQLPrepare(st, (SQLCHAR *)"{call WhoAmI()}", SQL_NTS), SQL_HANDLE_STMT, st,
	      "SQLPrepare {call WhoAmI()}");
	SQLNumResultCols(st, &ncols);
	SQLDescribeCol(st, 2, name, sizeof(name), NULL, &type, NULL, NULL, NULL);
	ok(ncols == 3 && strcmp((char *)name, "UserId") == 0 && type == SQL_GUID,
	   "prepared: 3 result columns from WhoAmIResponse, UserId uniqueidentifier (%d, %s, %d)",
	   ncols, name, type);
	rc_ok(SQLExecute(st), SQL_HANDLE_STMT, st, "SQLExecute");
	char *rows = fetch_all(st, 3);
	is_text(rows, want, "{call WhoAmI()}: one row, the service's BusinessUnitId|UserId|"
		"OrganizationId");
	free(rows);
	SQLFreeStmt(st, SQL_CLOSE);
	rc_ok(SQLExecute(st), SQL_HANDLE_STMT, st, "the prepared call runs again");
	rows = fetch_all(st, 3);
	is_text(rows, want, "same row the second time");
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	char *reqs = requests_since(since);
	is_text(reqs, "GET WhoAmI()\nGET WhoAmI()\n", "one GET WhoAmI() per execution "
		"(and nothing at prepare once the CSDL is read)");
	free(reqs);
}

static void test_total_record_count(void)
{
	char acc[32], con[32], lead[32], want[256];
	char *b = api_get("accounts/$count");
	snprintf(acc, sizeof(acc), "%s", b);
	free(b);
	b = api_get("contacts/$count");
	snprintf(con, sizeof(con), "%s", b);
	free(b);
	b = api_get("leads/$count");
	snprintf(lead, sizeof(lead), "%s", b);
	free(b);

	int since = emu_request_count(&emu);
	SQLHSTMT st = new_stmt();
	char names[64] = "account, contact";
	SQLLEN ind = SQL_NTS;
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 64, 0, names,
			 sizeof(names), &ind);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"{call RetrieveTotalRecordCount(?)}", SQL_NTS),
	      SQL_HANDLE_STMT, st, "{call RetrieveTotalRecordCount(?)} with 'account, contact'");
	char *rows = fetch_all(st, 2);
	snprintf(want, sizeof(want), "account|%s\ncontact|%s\n", acc, con);
	is_text(rows, want, "one (Key, Value) row per entity, the counts the service has");
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	char *reqs = requests_since(since);
	is_text(reqs, "GET RetrieveTotalRecordCount(EntityNames=@p1)?@p1=%5B%22account%22%2C"
		"%22contact%22%5D\n", "the parameter goes as an alias holding a JSON array");
	free(reqs);

	rows = run("EXEC RetrieveTotalRecordCount @EntityNames = '[\"lead\"]'", 2);
	snprintf(want, sizeof(want), "lead|%s\n", lead);
	is_text(rows, want, "EXEC with a named argument holding a JSON array");
	free(rows);
	rows = run("CALL RetrieveTotalRecordCount('account');", 2);
	snprintf(want, sizeof(want), "account|%s\n", acc);
	is_text(rows, want, "CALL name(literal);");
	free(rows);
}

static void test_collections(void)
{
	char *rows = run("{call RetrieveAvailableLanguages}", 1);
	is_text(rows, "1033\n1031\n1036\n", "a complex type holding one collection: a row per "
		"element");
	free(rows);
	char ver[64], want[80];
	api_member("RetrieveVersion()", "Version", ver, sizeof(ver));
	snprintf(want, sizeof(want), "%s\n", ver);
	rows = run("EXEC RetrieveVersion", 1);
	is_text(rows, want, "EXEC RetrieveVersion: one row");
	free(rows);
}

/* A bound function: GET on the record, a collection of a complex type in the
 * answer (one row per element, an enum member as text). */
static void test_bound_function(void)
{
	char user[64], bu[64], rel[256], want[1024] = "";
	api_member("WhoAmI", "UserId", user, sizeof(user));
	snprintf(rel, sizeof(rel), "systemusers(%s)?$select=_businessunitid_value", user);
	api_member(rel, "_businessunitid_value", bu, sizeof(bu));
	/* the service's own answer, row by row */
	snprintf(rel, sizeof(rel), "systemusers(%s)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()",
		 user);
	char *body = api_get(rel), errbuf[128];
	yajl_val root = yajl_tree_parse(body, errbuf, sizeof(errbuf));
	const char *rp[] = {"RolePrivileges", NULL};
	yajl_val arr = root ? yajl_tree_get(root, rp, yajl_t_array) : NULL;
	for (size_t i = 0; arr && i < arr->u.array.len; i++) {
		const char *k[][2] = {{"Depth", NULL}, {"PrivilegeId", NULL},
				      {"BusinessUnitId", NULL}, {"PrivilegeName", NULL}};
		for (int c = 0; c < 4; c++) {
			yajl_val v = yajl_tree_get(arr->u.array.values[i], k[c], yajl_t_string);
			const char *sv = v ? YAJL_GET_STRING(v) : NULL;
			strcat(want, sv ? sv : "?");
			strcat(want, c == 3 ? "\n" : "|");
		}
	}
	size_t nprivs = arr ? arr->u.array.len : 0;
	yajl_tree_free(root);
	free(body);
	ok(nprivs == 3 && strstr(want, bu), "the service holds 3 privileges");

	int since = emu_request_count(&emu);
	char sql[256];
	snprintf(sql, sizeof(sql), "{call systemuser.RetrieveUserPrivileges('{%s}')}", user);
	char *rows = run(sql, 4);
	is_text(rows, want, "{call systemuser.RetrieveUserPrivileges('{id}')}: one row per "
		"RolePrivilege, Depth|PrivilegeId|BusinessUnitId|PrivilegeName");
	free(rows);
	char *reqs = requests_since(since);
	snprintf(want, sizeof(want), "GET systemusers(%s)/Microsoft.Dynamics.CRM."
		 "RetrieveUserPrivileges()\n", user);
	is_text(reqs, want, "a GET on the record's URL, the braces gone");
	free(reqs);
}

/* ---- the bound action ---- */

static void test_qualify_lead(void)
{
	char lead[64] = "", company[128] = "", want[512];
	char *row = run("SELECT leadid, companyname FROM lead WHERE statecode = 0 "
			"ORDER BY leadid LIMIT 1", 2);
	sscanf(row, "%63[^|]|%127[^\n]", lead, company);
	free(row);
	ok(strlen(lead) == 36, "an open lead to qualify: %s", lead);

	int since = emu_request_count(&emu);
	SQLHSTMT st = new_stmt();
	SQLLEN ind = SQL_NTS;
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_GUID, 36, 0, lead,
			 sizeof(lead), &ind);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"{call lead.QualifyLead(?, 1, 0, 0, NULL, NULL, NULL, "
			    "3)}", SQL_NTS), SQL_HANDLE_STMT, st, "{call lead.QualifyLead(?, ...)}");
	char *rows = fetch_all(st, 2);
	char acc[64] = "", one[128];
	sscanf(rows, "account|%63[^\n]", acc);
	snprintf(one, sizeof(one), "account|%s\n", acc);
	ok(strlen(acc) == 36 && strcmp(rows, one) == 0,
	   "one row: (EntityName, Id) of the account it created: %s", acc);
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* the request and its body, as the emulator logged them */
	yajl_val log = emu_requests_tree(&emu, since);
	const char *mpath[] = {"method", NULL}, *upath[] = {"url", NULL}, *bpath[] = {"body", NULL};
	int posts = 0;
	char body[512] = "", url[512] = "";
	for (size_t i = 0; log && YAJL_IS_ARRAY(log) && i < log->u.array.len; i++) {
		yajl_val e = log->u.array.values[i];
		yajl_val m = yajl_tree_get(e, mpath, yajl_t_string);
		const char *ms = m ? YAJL_GET_STRING(m) : NULL;
		if (ms && strcmp(ms, "POST") == 0) {
			yajl_val u = yajl_tree_get(e, upath, yajl_t_string);
			yajl_val b = yajl_tree_get(e, bpath, yajl_t_string);
			posts++;
			snprintf(url, sizeof(url), "%s", u ? YAJL_GET_STRING(u) : "");
			snprintf(body, sizeof(body), "%s", b ? YAJL_GET_STRING(b) : "");
		}
	}
	yajl_tree_free(log);
	char want_url[256];
	snprintf(want_url, sizeof(want_url), "/api/data/v9.2/leads(%s)/Microsoft.Dynamics.CRM."
		 "QualifyLead", lead);
	ok(posts == 1 && strcmp(url, want_url) == 0, "one POST to the bound action's URL (%s)", url);
	is_text(body, "{\"CreateAccount\":true,\"CreateContact\":false,\"CreateOpportunity\":false,"
		"\"Status\":3}", "the body: the given parameters, NULLs left out");

	snprintf(want, sizeof(want), "SELECT statecode, statuscode FROM lead WHERE leadid = '%s'",
		 lead);
	rows = run(want, 2);
	is_text(rows, "1|3\n", "the lead is now Qualified (statecode 1, statuscode 3)");
	free(rows);
	snprintf(want, sizeof(want), "SELECT name FROM account WHERE accountid = '%s'", acc);
	rows = run(want, 1);
	snprintf(want, sizeof(want), "%s\n", company);
	is_text(rows, want, "the account it created carries the lead's company name");
	free(rows);

	/* the service refuses a second qualification: its code comes back */
	snprintf(want, sizeof(want), "{call lead.QualifyLead('%s', 0, 0, 0, NULL, NULL, NULL, 3)}",
		 lead);
	expect_error(want, "42000", "0x80040203");
}

static void test_lost_answer(void)
{
	char lead[64] = "", sql[256];
	char *row = run("SELECT leadid FROM lead WHERE statecode = 0 ORDER BY leadid LIMIT 1", 1);
	sscanf(row, "%63[^\n]", lead);
	free(row);
	emu_fault(&emu, "{\"kind\":\"applied-504\",\"match\":\"QualifyLead\",\"count\":1}");
	int since = emu_request_count(&emu);
	snprintf(sql, sizeof(sql), "EXEC lead.QualifyLead '%s', @CreateAccount = 0, "
		 "@CreateContact = 0, @CreateOpportunity = 0, @Status = 3", lead);
	expect_error(sql, "08007", "outcome unknown");
	char *reqs = requests_since(since);
	int posts = 0;
	for (char *p = reqs; (p = strstr(p, "POST ")); p++)
		posts++;
	ok(posts == 1, "an action whose answer was lost is not sent again (%d POST)", posts);
	free(reqs);
	snprintf(sql, sizeof(sql), "SELECT statecode FROM lead WHERE leadid = '%s'", lead);
	char *rows = run(sql, 1);
	is_text(rows, "1\n", "the service did run it once");
	free(rows);
	emu_clear_faults(&emu);
}

/* ---- errors ---- */

static void test_errors(void)
{
	expect_error("{call NoSuchThing()}", "42000",
		     "'NoSuchThing' is not a function or action of this environment");
	expect_error("{call QualifyLead(1)}", "42000", "<table>.<Name>");
	expect_error("{call WhoAmI(1)}", "42000", "argument 1 of WhoAmI is its output parameter "
		     "BusinessUnitId");
	expect_error("{call RetrieveTotalRecordCount()}", "07001",
		     "RetrieveTotalRecordCount needs a value for parameter EntityNames");
	expect_error("{call lead.QualifyLead()}", "07001", "needs the id of the lead record");
	expect_error("EXEC RetrieveTotalRecordCount @Nope = 'x'", "42000",
		     "has no parameter @Nope");
	expect_error("{call RetrieveTotalRecordCount(?)}", "07002", "parameter 1 is not bound");
	expect_error("{call lead.QualifyLead('not-a-guid', 0, 0, 0, NULL, NULL, NULL, 3)}",
		     "22018", "the id of the lead record (a GUID)");
	expect_error("{call lead.QualifyLead('00000000-0000-0000-0000-000000000001', 'maybe', 0, "
		     "0, NULL, NULL, NULL, 3)}", "22018", "true/false or 1/0");
	expect_error("{?= call WhoAmI()}", "42000", "WhoAmI has no return value (SQLProcedureColumns "
		     "lists none): write {call WhoAmI(...)} and bind its output parameters, or read "
		     "its result set");
	expect_error("{call WhoAmI() junk}", "42000", "not closed with '}'");
	expect_error("{call RetrieveTotalRecordCount('nosuch')}", "HY000", "0x80040217");

	/* a SELECT never runs an action */
	int since = emu_request_count(&emu);
	SQLHSTMT st = new_stmt();
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"SELECT * FROM QualifyLead", SQL_NTS);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	char *reqs = requests_since(since);
	ok(rc == SQL_ERROR && !strstr(reqs, "POST"), "SELECT * FROM QualifyLead: refused, "
	   "nothing POSTed");
	free(reqs);
}


/* ---- functions as tables: SELECT ... FROM <function>(...) ---- */

/* The emulator user's Microsoft Entra object id and business unit. */
static void aad_user(char oid[64], char bu[64])
{
	char user[64], rel[256];
	api_member("WhoAmI", "UserId", user, sizeof(user));
	snprintf(rel, sizeof(rel), "systemusers(%s)?$select=azureactivedirectoryobjectid,"
		 "_businessunitid_value", user);
	api_member(rel, "azureactivedirectoryobjectid", oid, 64);
	api_member(rel, "_businessunitid_value", bu, 64);
}

static void test_function_table(void)
{
	char oid[64], bu[64], sql[512], want[1024];
	aad_user(oid, bu);
	ok(strlen(oid) == 36, "the user has an object id: %s", oid);

	/* a collection of a complex type: a row per element, WHERE/ORDER BY local */
	int since = emu_request_count(&emu);
	snprintf(sql, sizeof(sql), "SELECT PrivilegeName, Depth, BusinessUnitId FROM "
		 "RetrieveAadUserPrivileges('%s') WHERE Depth <> 'Local' ORDER BY PrivilegeName", oid);
	char *rows = run(sql, 3);
	snprintf(want, sizeof(want), "prvCreateLead|Basic|%s\nprvReadAccount|Global|%s\n", bu, bu);
	is_text(rows, want, "SELECT ... FROM RetrieveAadUserPrivileges('<oid>'): its RolePrivileges "
		"as rows, filtered and sorted locally");
	free(rows);
	char *reqs = requests_since(since);
	snprintf(want, sizeof(want), "GET RetrieveAadUserPrivileges(DirectoryObjectId=@p1)?@p1=%s\n",
		 oid);
	is_text(reqs, want, "one GET of the function, the argument as a parameter alias");
	free(reqs);

	/* prepared with markers: described before anything is sent */
	since = emu_request_count(&emu);
	SQLHSTMT st = new_stmt();
	rc_ok(SQLPrepare(st, (SQLCHAR *)"SELECT * FROM RetrieveAadUserSetOfPrivilegesByNames(?, ?) "
			 "ORDER BY PrivilegeName", SQL_NTS), SQL_HANDLE_STMT, st,
	      "SQLPrepare SELECT * FROM RetrieveAadUserSetOfPrivilegesByNames(?, ?)");
	SQLSMALLINT ncols = 0, t[4] = {0}, npar = 0;
	char names[256] = "";
	SQLNumResultCols(st, &ncols);
	SQLNumParams(st, &npar);
	for (int i = 0; i < ncols && i < 4; i++) {
		SQLCHAR nm[64];
		SQLDescribeCol(st, (SQLUSMALLINT)(i + 1), nm, sizeof(nm), NULL, &t[i], NULL, NULL, NULL);
		strcat(names, (char *)nm);
		strcat(names, " ");
	}
	ok(ncols == 4 && npar == 2 && strcmp(names, "Depth PrivilegeId BusinessUnitId PrivilegeName ")
	   == 0 && t[0] == SQL_WVARCHAR && t[1] == SQL_GUID && t[2] == SQL_GUID &&
	   t[3] == SQL_WVARCHAR, "the columns of RolePrivilege, typed from the CSDL, and 2 "
	   "parameters (%d, %d, %s%d %d %d %d)", ncols, npar, names, t[0], t[1], t[2], t[3]);
	reqs = requests_since(since);
	is_text(reqs, "", "nothing sent at prepare");
	free(reqs);
	SQLLEN i1 = SQL_NTS, i2 = SQL_NTS;
	char pnames[64] = "prvWriteAccount, prvReadAccount";
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_GUID, 36, 0, oid, 64, &i1);
	SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_WVARCHAR, 64, 0, pnames,
			 sizeof(pnames), &i2);
	rc_ok(SQLExecute(st), SQL_HANDLE_STMT, st, "SQLExecute with both bound");
	rows = fetch_all(st, 4);
	char acc_r[64] = "", acc_w[64] = "";
	ok(sscanf(rows, "Global|%63[^|]|", acc_r) == 1 && strstr(rows, "|prvReadAccount\nLocal|") &&
	   sscanf(strchr(rows, '\n') + 1, "Local|%63[^|]|", acc_w) == 1 &&
	   strstr(rows, "|prvWriteAccount\n") && !strstr(rows, "prvCreateLead"),
	   "the two privileges asked for, in name order: %s", rows);
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	reqs = requests_since(since);
	snprintf(want, sizeof(want), "GET RetrieveAadUserSetOfPrivilegesByNames(DirectoryObjectId=@p1,"
		 "PrivilegeNames=@p2)?@p1=%s&@p2=%%5B%%22prvWriteAccount%%22%%2C%%22prvReadAccount"
		 "%%22%%5D\n", oid);
	is_text(reqs, want, "the list parameter as a JSON array alias");
	free(reqs);

	/* a complex type holding a collection of primitives, and a dictionary */
	rows = run("SELECT LocaleIds FROM RetrieveAvailableLanguages() WHERE LocaleIds > 1031 "
		   "ORDER BY 1", 1);
	is_text(rows, "1033\n1036\n", "RetrieveAvailableLanguages(): a row per locale id");
	free(rows);
	char *n_acc = api_get("accounts/$count");
	rows = run("SELECT \"Key\", Value + 0 FROM RetrieveTotalRecordCount('account')", 2);
	snprintf(want, sizeof(want), "account|%s\n", n_acc);
	is_text(rows, want, "RetrieveTotalRecordCount('account'): (Key, Value)");
	free(rows);
	free(n_acc);
}

/* The inner side of a join is scanned once per outer row: the function is
 * still asked once per statement (its answer replayed). */
static void test_function_join(void)
{
	int since = emu_request_count(&emu);
	char *rows = run("SELECT a.n, l.LocaleIds FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL "
			 "SELECT 3) a CROSS JOIN RetrieveAvailableLanguages() l "
			 "ORDER BY a.n, l.LocaleIds", 2);
	is_text(rows, "1|1031\n1|1033\n1|1036\n2|1031\n2|1033\n2|1036\n3|1031\n3|1033\n3|1036\n",
		"3 outer rows x 3 locale ids");
	free(rows);
	char *reqs = requests_since(since);
	is_text(reqs, "GET RetrieveAvailableLanguages()\n", "one request for the statement, not "
		"one per outer row");
	free(reqs);
	/* joined with a table: the function's answer joins the service's rows */
	char oid[64], bu[64], user[64], sql[768], want[512];
	aad_user(oid, bu);
	api_member("WhoAmI", "UserId", user, sizeof(user));
	since = emu_request_count(&emu);
	snprintf(sql, sizeof(sql), "SELECT p.PrivilegeName, u.systemuserid FROM systemuser u "
		 "JOIN RetrieveAadUserSetOfPrivilegesByNames('%s', 'prvReadAccount, prvWriteAccount') p "
		 "ON p.BusinessUnitId = u.businessunitid WHERE u.azureactivedirectoryobjectid = '%s' "
		 "ORDER BY 1", oid, oid);
	rows = run(sql, 2);
	snprintf(want, sizeof(want), "prvReadAccount|%s\nprvWriteAccount|%s\n", user, user);
	is_text(rows, want, "a function joined with systemuser");
	free(rows);
	reqs = requests_since(since);
	int fn = 0;
	for (char *q = reqs; (q = strstr(q, "GET RetrieveAadUserSetOfPrivilegesByNames(")); q++)
		fn++;
	ok(fn == 1, "the function asked once in the join (%d)", fn);
	free(reqs);
	/* SQLNativeSql shows the request */
	{
		SQLCHAR out[1024];
		SQLINTEGER len = 0;
		SQLRETURN nrc = SQLNativeSql(dbc, (SQLCHAR *)"SELECT * FROM RetrieveAvailableLanguages()",
					     SQL_NTS, out, sizeof(out), &len);
		const char *at = strstr((char *)out, "/api/data/v9.2/RetrieveAvailableLanguages()");
		ok(SQL_SUCCEEDED(nrc) && at && strcmp(at, "/api/data/v9.2/RetrieveAvailableLanguages()") == 0,
		   "SQLNativeSql shows the function's request, no query options: %s", out);
	}
	/* the next statement asks again */
	since = emu_request_count(&emu);
	rows = run("SELECT count(*) FROM RetrieveAvailableLanguages()", 1);
	is_text(rows, "3\n", "count(*)");
	free(rows);
	reqs = requests_since(since);
	is_text(reqs, "GET RetrieveAvailableLanguages()\n", "a new statement reads afresh");
	free(reqs);
}

static void test_function_table_errors(void)
{
	int since = emu_request_count(&emu);
	expect_error("SELECT * FROM NoSuchFunction(1)", "42S02",
		     "NoSuchFunction is neither a table nor a function of this environment");
	expect_error("SELECT * FROM QualifyLead('00000000-0000-0000-0000-000000000001')", "42000",
		     "QualifyLead is an action: it may change data, so a query never runs it; run it "
		     "with {call lead.QualifyLead(...)}");
	expect_error("SELECT * FROM RetrieveUserPrivileges('00000000-0000-0000-0000-000000000001')",
		     "42000", "bound to a systemuser record");
	expect_error("SELECT * FROM systemuser.RetrieveUserPrivileges('00000000-0000-0000-0000-"
		     "000000000001')", "42000", "RetrieveUserPrivileges is bound to a systemuser record: call it "
		     "with {call systemuser.RetrieveUserPrivileges(<the record's id>, ...)}");
	expect_error("SELECT * FROM RetrieveAadUserPrivileges()", "07001",
		     "RetrieveAadUserPrivileges needs a value for parameter DirectoryObjectId "
		     "(Edm.Guid, argument 1)");
	expect_error("SELECT * FROM RetrieveAadUserPrivileges('a', 'b')", "07001",
		     "RetrieveAadUserPrivileges takes 1 argument, the query gives 2");
	expect_error("SELECT * FROM RetrieveAadUserPrivileges('not-a-guid')", "22018",
		     "the value 'not-a-guid' of DirectoryObjectId (Edm.Guid) is not a GUID");
	expect_error("SELECT * FROM RetrieveAadUserPrivileges(NULL)", "22018",
		     "parameter DirectoryObjectId (Edm.Guid) cannot be NULL");
	expect_error("SELECT * FROM RetrieveAadUserPrivileges(?)", "07002", "");
	char *reqs = requests_since(since);
	is_text(reqs, "", "none of these sent anything");
	free(reqs);
	/* the service's refusal comes back as for any statement */
	expect_error("SELECT * FROM RetrieveAadUserPrivileges('00000000-0000-0000-0000-0000000000aa')",
		     "HY000", "0x80040217");
}

/* ---- output parameters and return values ---- */

/* SQLProcedureColumns of proc on a statement of its own, as proc_cols_text. */
static char *proc_cols(const char *proc)
{
	SQLHSTMT st = new_stmt();
	SQLProcedureColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)proc, SQL_NTS, NULL, 0);
	char *got = proc_cols_text(st);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return got;
}

static void test_output_columns(void)
{
	char *got = proc_cols("WhoAmI");
	is_text(got, "BusinessUnitId 3 -11 0 1\nUserId 3 -11 0 2\nOrganizationId 3 -11 0 3\n"
		"BusinessUnitId 4 -11 0 1\nUserId 4 -11 0 2\nOrganizationId 4 -11 0 3\n",
		"WhoAmI: its 3 values as result columns and as output parameters "
		"(SQL_PARAM_OUTPUT), no return value");
	free(got);
	got = proc_cols("GetTimeZoneCodeByLocalizedName");
	is_text(got, "LocalizedStandardName 1 -9 0 1\nLocaleId 1 4 0 2\nTimeZoneCode 3 4 0 1\n"
		"TimeZoneCode 4 4 0 3\nRETURN_VALUE 5 4 0 0\n",
		"GetTimeZoneCodeByLocalizedName: 2 inputs, TimeZoneCode as result column, output "
		"parameter 3 and return value (ordinal 0)");
	free(got);
}

static void test_output_params(void)
{
	char bu[64], user[64], org[64];
	api_member("WhoAmI", "BusinessUnitId", bu, sizeof(bu));
	api_member("WhoAmI", "UserId", user, sizeof(user));
	api_member("WhoAmI", "OrganizationId", org, sizeof(org));

	/* WhoAmI's three values into output parameters */
	int since = emu_request_count(&emu);
	SQLHSTMT st = new_stmt();
	char o1[64] = "", o2[64] = "", o3[64] = "";
	SQLLEN l1 = 0, l2 = 0, l3 = 0;
	SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_GUID, 36, 0, o1, sizeof(o1), &l1);
	SQLBindParameter(st, 2, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_GUID, 36, 0, o2, sizeof(o2), &l2);
	SQLBindParameter(st, 3, SQL_PARAM_INPUT_OUTPUT, SQL_C_CHAR, SQL_GUID, 36, 0, o3, sizeof(o3),
			 &l3);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"{call WhoAmI(?, ?, ?)}", SQL_NTS), SQL_HANDLE_STMT, st,
	      "{call WhoAmI(?, ?, ?)} with output parameters");
	SQLSMALLINT ncols = -1;
	SQLNumResultCols(st, &ncols);
	ok(strcmp(o1, bu) == 0 && strcmp(o2, user) == 0 && strcmp(o3, org) == 0 && l1 == 36 &&
	   l2 == 36 && l3 == 36 && ncols == 0, "the service's BusinessUnitId, UserId and "
	   "OrganizationId in parameters 1-3, lengths 36, no result set (%s %s %s, %d)", o1, o2, o3,
	   ncols);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	char *reqs = requests_since(since);
	is_text(reqs, "GET WhoAmI()\n", "one GET WhoAmI()");
	free(reqs);

	/* too small a buffer: for a GUID 22003, as ODBC converts SQL_GUID to SQL_C_CHAR */
	st = new_stmt();
	char small[10] = "";
	SQLLEN ls = 0;
	SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_GUID, 36, 0, o1, sizeof(o1), &l1);
	SQLBindParameter(st, 2, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_GUID, 36, 0, small, sizeof(small),
			 &ls);
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"{call WhoAmI(?, ?)}", SQL_NTS);
	char state[6] = "", msg[512] = "";
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	ok(rc == SQL_ERROR && strcmp(state, "22003") == 0 && strstr(msg, "UserId"),
	   "UserId into 10 bytes: 22003 naming the parameter (%d %s: %s)", (int)rc, state, msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* text into too small a buffer: 01004, the whole length in the indicator */
	char ver[64];
	api_member("RetrieveVersion()", "Version", ver, sizeof(ver));
	st = new_stmt();
	SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_CHAR, SQL_WVARCHAR, 64, 0, small,
			 sizeof(small), &ls);
	rc = SQLExecDirect(st, (SQLCHAR *)"{? = call RetrieveVersion}", SQL_NTS);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	if (DV_TEST_IODBC) /* iODBC 3.52 answers its own parameter conversion's SQL_SUCCESS
			    * (execute.c) and drops the driver's warning */
		ok(rc == SQL_SUCCESS && ls == (SQLLEN)strlen(ver) && strncmp(small, ver, 9) == 0 &&
		   small[9] == '\0', "RetrieveVersion's Version (%s) into 10 bytes through iODBC: "
		   "9 characters and the NUL, indicator its length (%d %d %s)", ver, (int)rc, (int)ls,
		   small);
	else
		ok(rc == SQL_SUCCESS_WITH_INFO && strcmp(state, "01004") == 0 &&
		   ls == (SQLLEN)strlen(ver) && strncmp(small, ver, 9) == 0 && small[9] == '\0' &&
		   strstr(msg, "RETURN_VALUE"), "RetrieveVersion's Version (%s) into 10 bytes: 01004, "
		   "9 characters and the NUL, indicator its length (%d %s %d %s: %s)", ver, (int)rc,
		   state, (int)ls, small, msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* {? = call}: the return value, with an input parameter */
	since = emu_request_count(&emu);
	st = new_stmt();
	SQLINTEGER code = -1;
	SQLLEN lc = 0, ln = SQL_NTS;
	char zone[64] = "Tokyo Standard Time";
	SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &code, 0, &lc);
	SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_WVARCHAR, 64, 0, zone,
			 sizeof(zone), &ln);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"{? = call GetTimeZoneCodeByLocalizedName(?, 1033)}",
			    SQL_NTS), SQL_HANDLE_STMT, st, "{? = call GetTimeZoneCodeByLocalizedName(?, 1033)}");
	ok(code == 235, "the return value: TimeZoneCode 235 (%d)", (int)code);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	reqs = requests_since(since);
	is_text(reqs, "GET GetTimeZoneCodeByLocalizedName(LocalizedStandardName=@p1,LocaleId=@p2)"
		"?@p1=%27Tokyo%20Standard%20Time%27&@p2=1033\n", "the inputs as aliases");
	free(reqs);

	/* the same value as the output parameter after the inputs */
	st = new_stmt();
	code = -1;
	SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &code, 0, &lc);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"{call GetTimeZoneCodeByLocalizedName('GMT Standard "
			    "Time', 1033, ?)}", SQL_NTS), SQL_HANDLE_STMT, st,
	      "{call GetTimeZoneCodeByLocalizedName('GMT Standard Time', 1033, ?)}");
	ok(code == 85, "TimeZoneCode 85 in the output parameter (%d)", (int)code);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* a value the C type cannot hold: 22003 */
	st = new_stmt();
	SQLSCHAR tiny = 0;
	SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_STINYINT, SQL_TINYINT, 0, 0, &tiny, 0, &lc);
	rc = SQLExecDirect(st, (SQLCHAR *)"{? = call GetTimeZoneCodeByLocalizedName('Tokyo Standard "
			   "Time', 1033)}", SQL_NTS);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	ok(rc == SQL_ERROR && strcmp(state, "22003") == 0 && strstr(msg, "RETURN_VALUE"),
	   "235 into SQL_C_STINYINT: 22003 (%d %s: %s)", (int)rc, state, msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	/* bound the wrong way round: HY105 */
	st = new_stmt();
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &code, 0, &lc);
	rc = SQLExecDirect(st, (SQLCHAR *)"{? = call GetTimeZoneCodeByLocalizedName('Tokyo Standard "
			   "Time', 1033)}", SQL_NTS);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	ok(rc == SQL_ERROR && strcmp(state, "HY105") == 0 && strstr(msg, "SQL_PARAM_OUTPUT"),
	   "the return value bound SQL_PARAM_INPUT: HY105 (%s: %s)", state, msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	st = new_stmt();
	SQLBindParameter(st, 1, SQL_PARAM_OUTPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &code, 0, &lc);
	rc = SQLExecDirect(st, (SQLCHAR *)"SELECT ? FROM account", SQL_NTS);
	diag1(SQL_HANDLE_STMT, st, state, msg, sizeof(msg));
	ok(rc == SQL_ERROR && strcmp(state, "HY105") == 0 && strstr(msg, "procedure call"),
	   "an output parameter in a SELECT: HY105 (%s: %s)", state, msg);
	SQLFreeHandle(SQL_HANDLE_STMT, st);

	expect_error("{call WhoAmI(?, 'x')}", "42000", "argument 2 of WhoAmI is its output "
		     "parameter UserId: give it as a ? marker bound with SQL_PARAM_OUTPUT");
	expect_error("{call WhoAmI(?, ?, ?, ?)}", "07001", "WhoAmI takes 3 arguments, the call "
		     "gives 4");
	expect_error("{? = call RetrieveTotalRecordCount('account')}", "42000",
		     "RetrieveTotalRecordCount has no return value");
}

/* ---- <table>_changes on the inner side of a join ---- */

static int count_prefix(const char *reqs, const char *prefix)
{
	int n = 0;
	size_t l = strlen(prefix);
	for (const char *p = reqs; *p;) {
		n += strncmp(p, prefix, l) == 0;
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	return n;
}

static void test_changes_join(void)
{
	char *n_acc = api_get("accounts/$count"), want[128];
	long n = atol(n_acc);
	free(n_acc);
	int since = emu_request_count(&emu);
	char *rows = run("SELECT count(*), count(DISTINCT c.accountid) FROM (SELECT 1 AS n UNION ALL "
			 "SELECT 2 UNION ALL SELECT 3) a CROSS JOIN account_changes(NULL) c", 2);
	snprintf(want, sizeof(want), "%ld|%ld\n", 3 * n, n);
	is_text(rows, want, "3 outer rows x every account of the full change read");
	free(rows);
	char *reqs = requests_since(since);
	ok(count_prefix(reqs, "GET accounts?") == 1, "one delta request for the statement, "
	   "not one per outer row:\n%s", reqs);
	free(reqs);
	char tok[512] = "";
	rows = run("SELECT dv_last_change_token('account')", 1);
	snprintf(tok, sizeof(tok), "%s", rows);
	free(rows);
	tok[strcspn(tok, "\n")] = '\0';
	ok(strlen(tok) > 0 && strcmp(tok, "NULL") != 0, "the read's token is kept (%s)", tok);

	/* with the token: nothing changed, one request, and the same token after */
	since = emu_request_count(&emu);
	SQLHSTMT st = new_stmt();
	SQLLEN ind = SQL_NTS;
	SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_WVARCHAR, 500, 0, tok,
			 sizeof(tok), &ind);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"SELECT a.n, c.accountid FROM (SELECT 1 AS n UNION ALL "
			    "SELECT 2) a CROSS JOIN account_changes(?) c", SQL_NTS), SQL_HANDLE_STMT,
	      st, "a join on account_changes(?) with the token");
	rows = fetch_all(st, 2);
	is_text(rows, "", "no changes since");
	free(rows);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	reqs = requests_since(since);
	ok(count_prefix(reqs, "GET accounts?") == 1 && strstr(reqs, "deltatoken="),
	   "one request with the $deltatoken:\n%s", reqs);
	free(reqs);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	start_emulator(&emu, "--rows 20", NULL);
	env = new_env(SQL_OV_ODBC3);
	dbc = connect_dsn(env);
	test_procedures_list();
	test_procedure_columns();
	test_whoami();
	test_total_record_count();
	test_collections();
	test_bound_function();
	test_qualify_lead();
	test_lost_answer();
	test_errors();
	test_function_table();
	test_function_join();
	test_function_table_errors();
	test_output_columns();
	test_output_params();
	test_changes_join();
	disconnect(env, dbc);
	emu_stop(&emu);
	curl_global_cleanup();
	return tap_done();
}
