/* test_odbc_explain_batches.c - SQLNativeSql shows every request a join or a
 * correlated subquery sends for its inner side (driver/engine/engine.c
 * EXPLAIN, the rules of engine_int.h KEY BATCHES), and running the statement
 * sends exactly those requests, through the driver manager against the
 * emulator.
 *
 * A plan line is matched against a logged request (URL-decoded): "?N"
 * stands for one literal, "(<key> eq @k1 or <key> eq @k2 or ...)" for an
 * or-chain of GUIDs and "(<p> eq @v1 or ...)" of literals (their values
 * counted), the note in parentheses at the end is left out.  Shapes:
 *   - a join on a lookup, 9 outer accounts: the inner side by key batches,
 *     the exact plan text (keys a request from the URL limit), then 2
 *     requests as planned, the 9 keys in one request;
 *   - opportunity -> account -> contact: 3 lines, 3 requests;
 *   - a correlated scalar subquery: the same key batches;
 *   - a join on text: a request for each of the first 8 outer rows, then
 *     the inner side read once (1 + 8 + 1 requests for 20 outer rows);
 *   - a parameter: one request, no note;
 *   - a key from a derived table: the note says only run time knows;
 *   - IN lists: "(<p> eq @v1 or ...)" as sent; 3 text values in one
 *     request; 250 GUIDs in two (200 + 50), then the key batch;
 *   - 600 accounts joined to their contacts: the batches are the plan's
 *     sizes (100 keys, then as many as one request holds, then the rest). */
#include "odbc_test.h"

#include <ctype.h>

static struct emu emu;

#define BASE "/api/data/v9.2/"
#define URL_MAX 30000     /* driver/engine/engine_int.h KEY_URL_MAX */

static char *native(SQLHDBC dbc, const char *sql)
{
	/* under 32768: iODBC 3.52 passes the length on as a 16-bit count
	 * (65536 became 0 and SQLNativeSql gave an empty string) */
	static SQLCHAR out[32000];
	SQLINTEGER len = 0;
	SQLRETURN rc = SQLNativeSql(dbc, (SQLCHAR *)sql, SQL_NTS, out, sizeof(out), &len);
	if (!SQL_SUCCEEDED(rc)) {
		char state[6], msg[512];
		diag1(SQL_HANDLE_DBC, dbc, state, msg, sizeof(msg));
		printf("#   SQLNativeSql(%s): [%s] %s\n", sql, state, msg);
		return strdup("");
	}
	return strdup((char *)out);
}

/* Line i (0-based) of s, NUL-terminated in buf, or NULL. */
static char *line_of(const char *s, int i, char *buf, size_t n)
{
	for (; i > 0 && s; i--)
		s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL;
	if (!s || !*s)
		return NULL;
	snprintf(buf, n, "%.*s", (int)strcspn(s, "\n"), s);
	return buf;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* %XX decoded in place. */
static void url_decode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char hex[3] = {s[1], s[2], 0};
			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* A literal at r: '...' ('' inside), or up to a blank or ')'.  Its end. */
static const char *literal_end(const char *r)
{
	if (*r == '\'') {
		for (r++; *r; r++)
			if (*r == '\'' && r[1] != '\'')
				return r + 1;
			else if (*r == '\'')
				r++;
		return r;
	}
	while (*r && *r != ' ' && *r != ')' && *r != '&')
		r++;
	return r;
}

static int is_guid(const char *s)
{
	for (int i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-'
							 : !isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Does request req ("GET /api/...", decoded) match plan line p ("GET
 * http://host:port/api/..." with its note)?  *keys: the values of its
 * or-chain (0 if none). */
static int matches(const char *p, const char *req, int *keys)
{
	static const char *const notes[] = {" (by batches", " (for each", " (once,",
					    " (an IN list", NULL};
	const char *end = p + strlen(p), *api = strstr(p, BASE);
	*keys = 0;
	for (int i = 0; notes[i]; i++)
		if (strstr(p, notes[i]) && strstr(p, notes[i]) < end)
			end = strstr(p, notes[i]);
	if (!api || strncmp(req, "GET ", 4) != 0)
		return 0;
	p = api;
	req += 4;
	while (p < end) {
		const char *chain = NULL;
		if (*p == '(' && (chain = strstr(p, " eq @k1 or ")) == NULL)
			chain = strstr(p, " eq @v1 or ");
		if (chain && chain > strchr(p, ')'))
			chain = NULL;
		if (p[0] == '?' && isdigit((unsigned char)p[1])) {      /* one value */
			const char *r = literal_end(req);
			if (r == req)
				return 0;
			req = r;
			for (p++; isdigit((unsigned char)*p); p++)
				;
		} else if (chain) {     /* an or-chain of keys (@k: GUIDs) or values (@v) */
			size_t plen = (size_t)(chain - (p + 1));
			int guids = chain[5] == 'k';
			if (*req++ != '(')
				return 0;
			for (;;) {
				const char *v = req + plen + 4;
				if (strncmp(req, p + 1, plen) != 0 || strncmp(req + plen, " eq ", 4) != 0 ||
				    (guids ? !is_guid(v) : literal_end(v) == v))
					return 0;
				req = guids ? v + 36 : literal_end(v);
				(*keys)++;
				if (strncmp(req, " or ", 4) != 0)
					break;
				req += 4;
			}
			if (*req++ != ')')
				return 0;
			p = strstr(p, " or ...)") + 8;
		} else if (*p++ != *req++) {
			return 0;
		}
	}
	return *req == '\0';
}

/* A statement's plan and one run of it. */
struct explained {
	char *plan;     /* what SQLNativeSql shows */
	char *rows;     /* run_rows' rows, NULL when the run failed */
	char *log;      /* the data requests the run sent, decoded, one a line */
};

/* x's plan: SQLNativeSql of sql (its rows and log still NULL). */
static void explain(SQLHDBC dbc, const char *sql, struct explained *x)
{
	x->plan = native(dbc, sql);
	x->rows = x->log = NULL;
}

/* Runs sql (ncols columns): its rows and the data requests it sent into x. */
static void run_explained(SQLHDBC dbc, const char *sql, int ncols, struct explained *x)
{
	int since = emu_request_count(&emu);
	x->rows = run_rows(dbc, sql, ncols);
	x->log = emu_data_requests(&emu, since);
	url_decode(x->log);
}

static void explained_free(struct explained *x)
{
	free(x->plan);
	free(x->rows);
	free(x->log);
}

/* Keys one request holds: the URL of the request without its keys, then
 * each "<prop> eq <guid> or " encoded (15 + 36 + 1), 32 to spare. */
static int per_request(const char *rel, const char *prop)
{
	size_t base = strlen(emu.url) + strlen(BASE) + strlen(rel);
	return (int)((URL_MAX - base - 32) / (strlen(prop) + 52));
}

/* Request log line r matches plan line l: its key count into *keys. */
static int is_planned(const char *plan, int l, const char *log, int r, int *keys,
		      const char *what)
{
	char pb[8192], rb[65536];
	int k = 0, m;
	char *pl = line_of(plan, l, pb, sizeof(pb)), *rl = line_of(log, r, rb, sizeof(rb));
	m = pl && rl && matches(pl, rl, &k);
	ok(m, "%s: request %d is plan line %d", what, r + 1, l + 1);
	if (!m)
		printf("#   plan:    %s\n#   request: %.300s\n", pl ? pl : "(none)",
		       rl ? rl : "(none)");
	if (keys)
		*keys = k;
	return m;
}

/* Every request of the log is the plan line of the same rank: 1 if so. */
static int all_planned(const char *plan, const char *log, const char *what)
{
	int n = count_lines(log), all = 1;
	is_int(n, count_lines(plan) + 1, "%s: as many requests as the plan has lines", what);
	for (int i = 0; i < n; i++)
		all &= is_planned(plan, i, log, i, NULL, what);
	return all;
}

/* CROSS JOIN: SQLite reads the tables in the order written. */
static void test_join(SQLHDBC dbc)
{
	const char *sql = "SELECT a.accountnumber, c.fullname FROM account a CROSS JOIN contact c "
			  "ON c.parentcustomerid = a.accountid WHERE a.accountnumber LIKE 'A-00000%'";
	char want[4096], *parents, *keys_of;
	struct explained x;
	int per = per_request("contacts?$select=contactid,fullname,_parentcustomerid_value",
			      "_parentcustomerid_value");
	int k = 0, outer = 0, inner = 0;
	snprintf(want, sizeof(want),
		 "GET %s" BASE "accounts?$select=accountid,accountnumber&"
		 "$filter=startswith(accountnumber,'A-00000')\n"
		 "GET %s" BASE "contacts?$select=contactid,fullname,_parentcustomerid_value&"
		 "$filter=(_parentcustomerid_value eq @k1 or _parentcustomerid_value eq @k2 or ...) "
		 "(by batches of the outer rows' keys, each key once, at most %d a request: "
		 "100 keys first, then %d, then %d at a time)", emu.url, emu.url, per, per, per * 4);
	explain(dbc, sql, &x);
	is_str(x.plan, want, "join: SQLNativeSql shows the outer request and the key batches");
	/* the rows the answer needs, from single-table reads */
	keys_of = run_rows(dbc, "SELECT accountid FROM account WHERE accountnumber LIKE 'A-00000%'", 1);
	parents = run_rows(dbc, "SELECT parentcustomerid FROM contact", 1);
	for (char *a = keys_of; a && *a; a = strchr(a, '\n') + 1) {
		outer++;
		for (char *c = parents; c && *c; c = strchr(c, '\n') + 1)
			inner += strncasecmp(a, c, 36) == 0;
	}
	free(keys_of);
	free(parents);
	run_explained(dbc, sql, 2, &x);
	is_int(count_lines(x.rows), inner, "join: the %d rows of the %d outer accounts", inner,
	       outer);
	is_int(count_lines(x.log), 2, "join: 2 requests, as the plan said");
	is_planned(x.plan, 0, x.log, 0, NULL, "join");
	is_planned(x.plan, 1, x.log, 1, &k, "join");
	is_int(k, outer, "join: the batch names each outer key once (%d)", outer);
	explained_free(&x);
	/* the join as usually written: whichever plan, the requests are its lines */
	sql = "SELECT a.accountnumber, c.fullname FROM account a JOIN contact c ON "
	      "c.parentcustomerid = a.accountid WHERE a.accountnumber LIKE 'A-00000%'";
	explain(dbc, sql, &x);
	ok(strstr(x.plan, "(by batches of the outer rows' keys, each key once") != NULL,
	   "JOIN: the inner side by key batches");
	run_explained(dbc, sql, 2, &x);
	is_int(count_lines(x.rows), inner, "JOIN: the same %d rows", inner);
	all_planned(x.plan, x.log, "JOIN");
	explained_free(&x);
}

static void test_three(SQLHDBC dbc)
{
	const char *sql = "SELECT o.name, a.name, c.fullname FROM opportunity o JOIN account a ON "
			  "a.accountid = o.parentaccountid JOIN contact c ON "
			  "c.parentcustomerid = a.accountid";
	struct explained x;
	explain(dbc, sql, &x);
	is_int(count_lines(x.plan), 2, "3 tables: three lines");
	ok(strstr(x.plan, "accounts?$select=accountid,name&$filter=(accountid eq @k1 or accountid "
		  "eq @k2 or ...) (by batches") &&
	   strstr(x.plan, "contacts?$select=contactid,fullname,_parentcustomerid_value&$filter=("
		  "_parentcustomerid_value eq @k1 or _parentcustomerid_value eq @k2 or ...) (by "
		  "batches"), "3 tables: both inner sides by key batches");
	run_explained(dbc, sql, 3, &x);
	ok(x.rows != NULL, "3 tables: runs");
	all_planned(x.plan, x.log, "3 tables");
	explained_free(&x);
}

static void test_scalar(SQLHDBC dbc)
{
	const char *sql = "SELECT a.accountnumber, (SELECT COUNT(*) FROM contact c WHERE "
			  "c.parentcustomerid = a.accountid) FROM account a WHERE "
			  "a.accountnumber LIKE 'A-00001%'";
	struct explained x;
	int k = 0;
	explain(dbc, sql, &x);
	ok(count_lines(x.plan) == 1 && strstr(x.plan, "contacts?$select=contactid,"
	   "_parentcustomerid_value&$filter=(_parentcustomerid_value eq @k1 or "
	   "_parentcustomerid_value eq @k2 or ...) (by batches of the outer rows' keys"),
	   "scalar subquery: by key batches");
	run_explained(dbc, sql, 2, &x);
	is_int(count_lines(x.rows), 10, "scalar subquery: A-000010..A-000019");
	all_planned(x.plan, x.log, "scalar subquery");
	is_planned(x.plan, 1, x.log, 1, &k, "scalar subquery");
	is_int(k, 10, "scalar subquery: the 10 keys in one request");
	explained_free(&x);
}

static void test_text_key(SQLHDBC dbc)
{
	const char *sql = "SELECT a.name, c.fullname FROM account a CROSS JOIN contact c ON "
			  "c.lastname = a.name";
	char want[4096];
	struct explained x;
	explain(dbc, sql, &x);
	snprintf(want, sizeof(want),
		 "GET %s" BASE "accounts?$select=accountid,name\n"
		 "GET %s" BASE "contacts?$select=contactid,fullname,lastname&$filter=lastname eq ?1 "
		 "(for each of the first 8 outer rows)\n"
		 "GET %s" BASE "contacts?$select=contactid,fullname,lastname (once, from outer row 9 "
		 "on: its rows kept and matched to each outer row)", emu.url, emu.url, emu.url);
	is_str(x.plan, want, "text key: a request for each of the first 8 outer rows, then once");
	run_explained(dbc, sql, 2, &x);
	ok(x.rows != NULL, "text key: runs");
	is_int(count_lines(x.log), 10, "text key: 1 + 8 + 1 requests for 20 outer rows");
	is_planned(x.plan, 0, x.log, 0, NULL, "text key");
	for (int i = 1; i <= 8; i++)
		is_planned(x.plan, 1, x.log, i, NULL, "text key");
	is_planned(x.plan, 2, x.log, 9, NULL, "text key");
	explained_free(&x);
}

static void test_once(SQLHDBC dbc)
{
	char want[1024], *plan;
	snprintf(want, sizeof(want), "GET %s" BASE "contacts?$select=contactid,fullname,"
		 "_parentcustomerid_value&$filter=_parentcustomerid_value eq ?1", emu.url);
	plan = native(dbc, "SELECT c.fullname FROM contact c WHERE c.parentcustomerid = ?");
	is_str(plan, want, "a parameter: one request, no note");
	free(plan);
	plan = native(dbc, "SELECT x.name, c.fullname FROM (SELECT accountid, name FROM account "
		      "LIMIT 5) x JOIN contact c ON c.parentcustomerid = x.accountid");
	ok(strstr(plan, "$filter=_parentcustomerid_value eq ?1 (for each of the first 8 outer "
		  "rows; by batches of the outer rows' keys instead if a row being read holds the "
		  "key, known only at run time)\n") != NULL,
	   "a key from a derived table: only run time knows");
	free(plan);
}

/* IN lists: the or-chain they are sent as; text values beyond 200 are left
 * to SQLite, GUIDs go by requests of 200. */
static void test_in_lists(SQLHDBC dbc)
{
	char *sql = malloc(20000), *ids, line[4096];
	struct explained x;
	int k = 0, n = 0, nreal = 0;
	strcpy(sql, "SELECT a.accountnumber, c.fullname FROM account a CROSS JOIN contact c ON "
	       "c.parentcustomerid = a.accountid WHERE a.accountnumber IN ('A-000001',"
	       "'A-000002','A-000003')");
	explain(dbc, sql, &x);
	line_of(x.plan, 0, line, sizeof(line));
	ok(ends_with(line, BASE "accounts?$select=accountid,accountnumber&$filter=(accountnumber "
		     "eq @v1 or accountnumber eq @v2 or ...) (an IN list of more than 200 values: "
		     "sent without it, SQLite checks it)"), "text IN list: the or-chain it is sent as");
	run_explained(dbc, sql, 2, &x);
	ok(x.rows != NULL, "text IN list: runs");
	all_planned(x.plan, x.log, "text IN list");
	is_planned(x.plan, 0, x.log, 0, &k, "text IN list");
	is_int(k, 3, "text IN list: its 3 values");
	explained_free(&x);

	/* 250 GUIDs, the 20 accounts' among them: two requests of the list */
	ids = run_rows(dbc, "SELECT accountid FROM account", 1);
	strcpy(sql, "SELECT a.name, c.fullname FROM account a CROSS JOIN contact c ON "
	       "c.parentcustomerid = a.accountid WHERE a.accountid IN (");
	for (char *l = ids; l && *l && nreal < 20; l = strchr(l, '\n') + 1, n++, nreal++)
		sprintf(sql + strlen(sql), "%s'%.36s'", n ? "," : "", l);
	for (; n < 250; n++)
		sprintf(sql + strlen(sql), ",'00000000-0000-4000-8000-%012d'", n);
	strcat(sql, ")");
	explain(dbc, sql, &x);
	line_of(x.plan, 0, line, sizeof(line));
	ok(ends_with(line, BASE "accounts?$select=accountid,name&$filter=(accountid eq @v1 or "
		     "accountid eq @v2 or ...) (an IN list of more than 200 values: a request for "
		     "each 200)"), "GUID IN list: a request for each 200 values");
	run_explained(dbc, sql, 2, &x);
	ok(x.rows != NULL, "GUID IN list: runs");
	is_int(count_lines(x.log), 3, "GUID IN list: 2 requests of the list, 1 of the key batch");
	is_planned(x.plan, 0, x.log, 0, &k, "GUID IN list");
	is_int(k, 200, "GUID IN list: 200 values in the first request");
	is_planned(x.plan, 0, x.log, 1, &k, "GUID IN list");
	is_int(k, 50, "GUID IN list: 50 in the second");
	is_planned(x.plan, 1, x.log, 2, &k, "GUID IN list");
	is_int(k, nreal, "GUID IN list: the %d accounts' keys in one batch", nreal);
	free(ids);
	explained_free(&x);
	free(sql);
}

/* 600 accounts and their contacts: the batches have the plan's sizes. */
static void test_sizes(void)
{
	const char *sql = "SELECT a.name, c.fullname FROM account a CROSS JOIN contact c ON "
			  "c.parentcustomerid = a.accountid";
	SQLHENV env;
	SQLHDBC dbc;
	struct explained x;
	char *p;
	int per = 0, k[3] = {0, 0, 0};
	start_emulator(&emu, "--rows 600 --seed 1", NULL);
	env = new_env(SQL_OV_ODBC3);
	/* a connection string: the driver manager keeps the first odbc.ini it read */
	dbc = connect_string(env, emu_connstr(&emu), "connect to 600 rows");
	explain(dbc, sql, &x);
	p = strstr(x.plan, "at most ");
	if (p)
		per = atoi(p + 8);
	ok(per > 100 && per < 600, "600 accounts: the plan's keys a request (%d)", per);
	run_explained(dbc, sql, 2, &x);
	ok(x.rows != NULL, "600 accounts: runs (%d rows)", count_lines(x.rows));
	is_int(count_lines(x.log), 4, "600 accounts: 1 + 3 requests");
	is_planned(x.plan, 0, x.log, 0, NULL, "600 accounts");
	for (int i = 0; i < 3; i++)
		is_planned(x.plan, 1, x.log, i + 1, &k[i], "600 accounts");
	is_int(k[0], 100, "600 accounts: 100 keys first");
	is_int(k[1], per, "600 accounts: then as many as the plan says a request holds");
	is_int(k[2], 600 - 100 - per, "600 accounts: then the rest");
	explained_free(&x);
	disconnect(env, dbc);
	emu_stop(&emu);
}

int main(void)
{
	SQLHENV env;
	SQLHDBC dbc;
	start_emulator(&emu, "--rows 20 --seed 1", NULL);
	env = new_env(SQL_OV_ODBC3);
	dbc = connect_dsn(env);
	test_join(dbc);
	test_three(dbc);
	test_scalar(dbc);
	test_text_key(dbc);
	test_once(dbc);
	test_in_lists(dbc);
	disconnect(env, dbc);
	emu_stop(&emu);
	test_sizes();
	return tap_done();
}
