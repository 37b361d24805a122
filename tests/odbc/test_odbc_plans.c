/* test_odbc_plans.c - the statements of bench/bench-plans on a real org's
 * schema, through unixODBC against the emulator: exact rows and exact
 * requests (issue 9).
 *
 * Owns: the ODBC-level check that what docs/performance.md ("Reading only
 * what the answer needs") says each shape sends holds on tables as wide as
 * a customised real organisation's.  The emulator runs small but wide:
 * --rows 2000 --seed 1 --real-attributes --custom-attributes 162 (account
 * 401 SQL columns, opportunity 167, asserted with SQLColumns), its request
 * log counting each answer's rows (config log_rows, as bench/plans.c).
 * For each statement of the bench suite (the same SQL, the constants taken
 * from the data as bench does) it asserts:
 *   - the rows: the same as the statement run with the dvodbc:local comment
 *     (every table read whole and joined by SQLite), sorted where the
 *     statement has no ORDER BY, and for J1, S2 and A2 also equal to rows
 *     worked out here in C from single-table reads;
 *   - the data requests: their number, the rows they downloaded against
 *     the rows the answer needs (bench's needed_sql: ratio 1.00), and the
 *     exact path and query of each request where the shape is selective;
 *   - W1 and W2: $select names exactly the used columns (W2: all of them),
 *     and formatted values are asked for only when a companion name column
 *     is used (the Prefer header).
 * On this schema every shape sends what docs/performance.md says (with
 * ParallelReads=1; W1 there is measured in the automatic mode).  The
 * emulator's opportunity has name as its 2nd column where a real org has
 * it 90th: W1b reads a column past the 90th. */
#include "bench/plans_suite.h"
#include "odbc_test.h"

static struct emu emu;

#define API "GET /api/data/v9.2/"
#define IN5 "'A-000001','A-000002','A-000003','A-000004','A-000005'"

/* What the emulator received for one run: the data requests as
 * "GET <path+query>" lines, how many, the rows they returned, and the
 * Prefer header of each (a line each). */
struct got {
	long requests, rows;
	char *urls, *prefer;
};

static int is_data_url(const char *u)
{
	return strstr(u, "/api/data/") && !strstr(u, "EntityDefinitions") &&
	       !strstr(u, "$metadata") && !strstr(u, "WhoAmI") &&
	       !strstr(u, "RelationshipDefinitions") && !strstr(u, "RetrieveMetadataChanges") &&
	       !strstr(u, "RetrieveTotalRecordCount");
}

static void append(char **s, size_t *len, const char *a, const char *b)
{
	size_t need = strlen(a) + strlen(b) + 1;
	*s = realloc(*s, *len + need + 1);
	*len += (size_t)sprintf(*s + *len, "%s%s\n", a, b);
}

static struct got received_since(int since)
{
	const char *upath[] = {"url", NULL}, *rpath[] = {"rows", NULL},
		   *ppath[] = {"headers", "prefer", NULL}, *mpath[] = {"method", NULL};
	struct got g = {0, 0, calloc(1, 1), calloc(1, 1)};
	size_t ulen = 0, plen = 0;
	yajl_val tree = emu_requests_tree(&emu, since);
	for (size_t i = 0; tree && YAJL_IS_ARRAY(tree) && i < tree->u.array.len; i++) {
		yajl_val e = tree->u.array.values[i];
		yajl_val u = yajl_tree_get(e, upath, yajl_t_string);
		yajl_val r = yajl_tree_get(e, rpath, yajl_t_number);
		yajl_val p = yajl_tree_get(e, ppath, yajl_t_string);
		yajl_val m = yajl_tree_get(e, mpath, yajl_t_string);
		const char *us = u && YAJL_GET_STRING(u) ? YAJL_GET_STRING(u) : "";
		if (!is_data_url(us))
			continue;
		g.requests++;
		g.rows += r ? (long)YAJL_GET_INTEGER(r) : 0;
		char line[64];
		snprintf(line, sizeof(line), "%s ", m && YAJL_GET_STRING(m) ? YAJL_GET_STRING(m) : "?");
		append(&g.urls, &ulen, line, us);
		append(&g.prefer, &plen, p && YAJL_GET_STRING(p) ? YAJL_GET_STRING(p) : "", "");
	}
	yajl_tree_free(tree);
	return g;
}

static void got_free(struct got *g)
{
	free(g->urls);
	free(g->prefer);
}

/* The lines of s sorted (s is replaced; NULL stays NULL). */
static char *sort_lines(char *s)
{
	char *out = s ? sorted_lines(s) : NULL;
	free(s);
	return out;
}

/* The first value of a one-column query, into out ("" when none). */
static void first_value(SQLHDBC dbc, const char *sql, char *out, size_t size)
{
	char *rows = run_rows(dbc, sql, 1);
	snprintf(out, size, "%.*s", rows ? (int)strcspn(rows, "\n") : 0, rows ? rows : "");
	free(rows);
}

/* One statement of the bench suite and what it must send. */
struct shape {
	struct plans_stmt q;   /* id, sql, needed_sql, extra (bench/plans_suite.h) */
	long over;             /* rows downloaded beyond the needed ones (documented) */
	int ncols;
	int ordered;           /* the rows come in a defined order (ORDER BY, one row) */
	long requests;         /* the data requests it sends */
	char urls[4096];       /* their exact lines, "" = asserted elsewhere */
	char *rows;            /* filled: the answer (sorted unless ordered) */
	struct got got;        /* filled: the requests */
};

/* Runs the statement as written (its requests logged) and with the
 * dvodbc:local comment; asserts the same rows, the requests, the rows
 * downloaded against the rows needed. */
static void run_shape(SQLHDBC dbc, struct shape *s)
{
	char local_sql[1200];
	/* a fresh service-protection window for each statement, as bench does */
	emu_post(&emu, "/_emu/config", "{\"log_rows\":true}");
	int since = emu_request_count(&emu);
	s->rows = run_rows(dbc, s->q.sql, s->ncols);
	s->got = received_since(since);
	snprintf(local_sql, sizeof(local_sql), "/* dvodbc:local */ %s", s->q.sql);
	char *local = run_rows(dbc, local_sql, s->ncols);
	if (!s->ordered) {
		s->rows = sort_lines(s->rows);
		local = sort_lines(local);
	}
	long answer = count_lines(s->rows), needed = answer + s->q.extra;
	if (s->q.needed_sql[0]) { /* counted after the measured run */
		char v[64];
		first_value(dbc, s->q.needed_sql, v, sizeof(v));
		needed = atol(v);
	}
	printf("# %s: %s\n#   %ld rows, %ld data requests, %ld rows down, %ld needed\n", s->q.id,
	       s->q.sql, answer, s->got.requests, s->got.rows, needed);
	ok(s->rows && local && answer > 0 && strcmp(s->rows, local) == 0,
	   "%s: %ld rows, the same as with dvodbc:local", s->q.id, answer);
	free(local);
	if (!ok(s->got.requests == s->requests, "%s: %ld data requests", s->q.id, s->requests))
		printf("#   got %ld:\n%s", s->got.requests, s->got.urls);
	if (!ok(s->got.rows == needed + s->over, "%s: rows downloaded = the %ld rows needed%s",
		s->q.id, needed, s->over ? " + the documented excess" : " (1.00)"))
		printf("#   got %ld rows down (ratio %.2f)\n", s->got.rows,
		       (double)s->got.rows / (double)(needed > 0 ? needed : 1));
	if (s->urls[0] && !ok(strcmp(s->got.urls, s->urls) == 0, "%s: the exact requests", s->q.id))
		printf("#   got:\n%s#  want:\n%s", s->got.urls, s->urls);
}

/* The names SQLColumns gives for table, in order, into names (at most max). */
static int table_columns(SQLHDBC dbc, const char *table, char names[][128], int max)
{
	SQLHSTMT st;
	char name[128];
	SQLLEN ind;
	int n = 0;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)table, SQL_NTS, NULL, 0);
	while (n < max && SQL_SUCCEEDED(SQLFetch(st))) {
		SQLGetData(st, 4, SQL_C_CHAR, name, sizeof(name), &ind);
		snprintf(names[n++], 128, "%s", name);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return n;
}

/* The $select list of a request line, between commas: ",a,b,c," (caller
 * frees). */
static char *select_of(const char *line)
{
	const char *sel = strstr(line ? line : "", "$select=");
	size_t n = sel ? strcspn(sel + 8, "&\n") : 0;
	char *w = malloc(n + 3);
	sprintf(w, ",%.*s,", (int)n, sel ? sel + 8 : "");
	return w;
}

static int selected(const char *list, const char *col)
{
	char a[300], b[300];
	snprintf(a, sizeof(a), ",%.127s,", col);
	snprintf(b, sizeof(b), ",_%.127s_value,", col);
	return strstr(list, a) || strstr(list, b);
}

/* A companion column of a selected one: <col>name or <col>type (a lookup's
 * or a choice's display name, a lookup's table), answered by annotations. */
static int companion_selected(const char *list, const char *col)
{
	char base[128];
	size_t n = strlen(col);
	const char *suffix = n > 4 && strcmp(col + n - 4, "name") == 0 ? "name"
			     : n > 4 && strcmp(col + n - 4, "type") == 0 ? "type" : NULL;
	if (!suffix)
		return 0;
	snprintf(base, sizeof(base), "%.*s", (int)(n - 4), col);
	return selected(list, base);
}

/* W2: SELECT * asks for every column of account by its property (a lookup
 * as _x_value) and for no other, the companion columns through the
 * formatted-value and lookup annotations. */
static void check_select_star(SQLHDBC dbc, const struct shape *w2)
{
	static char cols[600][128];
	int nc = table_columns(dbc, "account", cols, 600), props = 0, companions = 0, missing = 0;
	char *list = select_of(w2->got.urls);
	for (int i = 0; i < nc; i++) {
		if (selected(list, cols[i]))
			props++;
		else if (companion_selected(list, cols[i]))
			companions++;
		else if (missing++ < 5)
			printf("#   not read: %s\n", cols[i]);
	}
	int items = 0;
	for (const char *p = list + 1; *p; p++)
		items += *p == ',';
	ok(missing == 0, "W2: every column of account is read, by its property or its "
	   "companion's annotation (%d + %d of %d)", props, companions, nc);
	is_int(items, props, "W2: $select names those %d properties and nothing else", props);
	ok(companions > 0 && strstr(w2->got.urls, "&$top=1000\n") != NULL,
	   "W2: $top=1000, companions (%d) asked for as annotations", companions);
	is_str(w2->got.prefer,
	       "odata.include-annotations=\"OData.Community.Display.V1.FormattedValue,"
	       "Microsoft.Dynamics.CRM.lookuplogicalname\"\n",
	       "W2: the Prefer header asks for formatted values and lookups' tables");
	free(list);
}

/* W1b: one late column of the wide opportunity (past SQLite's 64-bit
 * colUsed mask): $select names it alone, no annotations (the emulator's
 * opportunity has name as its 2nd column where a real org has it 90th). */
static void check_late_column(SQLHDBC dbc)
{
	static char cols[600][128];
	char sql[256], want[512];
	int nc = table_columns(dbc, "opportunity", cols, 600);
	const char *late = NULL;
	for (int i = 89; i < nc && !late; i++) {
		size_t n = strlen(cols[i]);
		if (n > 4 && strcmp(cols[i] + n - 4, "name") && strcmp(cols[i] + n - 4, "type") &&
		    !strstr(cols[i], "id"))
			late = cols[i];
	}
	if (!ok(late != NULL, "W1b: a plain column of opportunity from the 90th on: %s",
		late ? late : "-"))
		return;
	snprintf(sql, sizeof(sql), "SELECT %s FROM opportunity", late);
	emu_post(&emu, "/_emu/config", "{\"log_rows\":true}");
	int since = emu_request_count(&emu);
	char *rows = run_rows(dbc, sql, 1);
	struct got g = received_since(since);
	snprintf(want, sizeof(want), API "opportunities?$select=opportunityid,%s\n", late);
	ok(rows != NULL && count_lines(rows) == 1000, "W1b: %s: 1000 rows", sql);
	is_str(g.urls, want, "W1b: one request, $select names the late column alone");
	is_str(g.prefer, "odata.maxpagesize=5000\n", "W1b: no formatted values asked for");
	is_int(g.rows, 1000, "W1b: 1000 rows downloaded");
	free(rows);
	got_free(&g);
}

/* Rows of a one- or two-column read through the driver, "a|b" lines in the
 * service's order. */
static char *read_table(SQLHDBC dbc, const char *sql, int ncols)
{
	char *rows = run_rows(dbc, sql, ncols);
	if (!rows)
		bail_out("a single-table read failed");
	return rows;
}

/* J1 and S2 worked out from single-table reads: the 5 accounts (id|name,
 * in the order the service returns them) and every contact's parent; the
 * join's rows, the scalar subquery's counts, and the key batch J1's
 * contacts request must send, into *j1, *s2, *batch (caller frees). */
static void join_in_c(SQLHDBC dbc, char **j1, char **s2, char **batch)
{
	char *acc = read_table(dbc, "SELECT accountid, name FROM account WHERE accountnumber IN ("
			       IN5 ")", 2);
	char *con = read_table(dbc, "SELECT parentcustomerid, fullname FROM contact", 2);
	size_t cap = 1 << 16;
	*j1 = calloc(1, cap);
	*s2 = calloc(1, cap);
	*batch = calloc(1, cap);
	strcat(*batch, API "contacts?$select=contactid,fullname,_parentcustomerid_value&$filter=(");
	char *save = NULL, *keys = strdup(acc);
	int first = 1;
	for (char *a = strtok_r(keys, "\n", &save); a; a = strtok_r(NULL, "\n", &save)) {
		char *bar = strchr(a, '|'), *name = bar + 1;
		*bar = '\0';
		int count = 0;
		char *save2 = NULL, *cs = strdup(con);
		for (char *c = strtok_r(cs, "\n", &save2); c; c = strtok_r(NULL, "\n", &save2)) {
			char *cb = strchr(c, '|');
			if (strncmp(c, a, (size_t)(cb - c)) == 0 && strlen(a) == (size_t)(cb - c)) {
				count++;
				sprintf(*j1 + strlen(*j1), "%s|%s\n", name, cb + 1);
			}
		}
		free(cs);
		sprintf(*s2 + strlen(*s2), "%s|%d\n", name, count);
		if (count) { /* the accounts' request carries any(): only these come back */
			sprintf(*batch + strlen(*batch), "%s_parentcustomerid_value%%20eq%%20%s",
				first ? "" : "%20or%20", a);
			first = 0;
		}
	}
	strcat(*batch, ")\n");
	free(keys);
	free(acc);
	free(con);
	*j1 = sort_lines(*j1);
	*s2 = sort_lines(*s2);
}

int main(void)
{
	char opp[256], *j1, *s2, *batch, *body = NULL;
	/* ParallelReads=1: in the automatic mode a scan is partitioned when its
	 * first page comes slowly (a timing), which would make the number of
	 * requests and the rows downloaded depend on the machine's load */
	start_emulator(&emu, "--rows 2000 --seed 1 --real-attributes --custom-attributes 162 "
		       "--quiet", "ParallelReads=1\n");
	emu_post(&emu, "/_emu/config", "{\"log_rows\":true}");
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn(env);

	static char cols[600][128];
	is_int(table_columns(dbc, "account", cols, 600), 401, "account has 401 SQL columns");
	is_int(table_columns(dbc, "opportunity", cols, 600), 167,
	       "opportunity has 167 SQL columns");
	/* J4 joins the 3 business units (the service's side, read without the driver) */
	int status = emu_webapi(&emu, NULL, "businessunits?$select=name", NULL, &body);
	is_int(status, 200, "the emulator's businessunits read");
	int units = 0;
	for (const char *p = body; (p = strstr(p, "\"businessunitid\"")) != NULL; p++)
		units++;
	is_int(units, 3, "the emulator has 3 business units");
	free(body);
	first_value(dbc, "SELECT name FROM opportunity WHERE parentaccountid IS NOT NULL LIMIT 1",
		    opp, sizeof(opp));
	is_str(opp, "Office Move for Datum 1", "the first opportunity with a parent account");
	join_in_c(dbc, &j1, &s2, &batch);

	/* the keys below are the emulator's ids with --seed 1 */
#define OPP "'Office%20Move%20for%20Datum%201'"
#define ACC2 "29b4f8a9-2969-4001-81f1-0000000f4434"
	struct shape suite[] = {
		{.q.id = "J1", .ncols = 2, .requests = 2},
		{.q.id = "J2", .ncols = 2, .requests = 2,
		 .urls = API "opportunities?$select=opportunityid,name,_parentaccountid_value&$filter="
			 "name%20eq%20" OPP "%20and%20parentaccountid%2Faccountid%20ne%20null\n"
			 API "accounts?$select=accountid,name&$filter=(accountid%20eq%20" ACC2 ")\n"},
		{.q.id = "J3", .ncols = 3, .requests = 3,
		 .urls = API "opportunities?$select=opportunityid,name,_parentaccountid_value&$filter="
			 "name%20eq%20" OPP "\n"
			 API "accounts?$select=accountid,name,_primarycontactid_value&$filter=(accountid"
			 "%20eq%20" ACC2 ")\n"
			 API "contacts?$select=contactid,fullname&$filter=(contactid%20eq%20"
			 "7827d0a2-760c-4002-86d1-0000000f4914)\n"},
		{.q.id = "S1", .ncols = 1, .requests = 1,
		 .urls = API "accounts?$select=accountid,name,statecode&$filter=statecode%20eq%201%20"
			 "and%20opportunity_parent_account%2Fany(o:o%2Fopportunityid%20ne%20null)\n"},
		{.q.id = "S2", .ncols = 2, .requests = 2},
		{.q.id = "S3", .ncols = 1, .requests = 1,
		 .urls = API "accounts?$select=accountid,name&$filter=contact_customer_accounts%2Fany("
			 "c:c%2Flastname%20eq%20'Smith')\n"},
		{.q.id = "L1", .ncols = 1, .requests = 1,
		 .urls = API "accounts?$select=accountid,name,revenue&$filter=revenue%20gt%201000%20and"
			 "%20name%20ne%20null%20and%20name%20ne%20'x'&$top=10\n"},
		{.q.id = "L2", .ncols = 1, .requests = 1,
		 .urls = API "accounts?$select=accountid,name&$filter=contains(name,'Inc')&$top=10\n"},
		{.q.id = "L3", .ncols = 1, .ordered = 1, .requests = 1,
		 .urls = API "accounts?$select=accountid,name&$orderby=name%20asc,accountid%20asc"
			 "&$top=20\n"},
		/* above 5000: no $top, a row budget (docs/performance.md "A LIMIT
		 * above 5000"); the 2,000 accounts are one page */
		{.q.id = "L4", .ncols = 1, .requests = 1,
		 .urls = API "accounts?$select=accountid,name\n"},
		{.q.id = "A1", .ncols = 1, .ordered = 1, .requests = 1,
		 .urls = API "accounts?$select=name&$filter=name%20ne%20null&$orderby=name%20desc"
			 "&$top=1\n"},
		{.q.id = "A2", .ncols = 1, .requests = 1,
		 .urls = API "accounts?$apply=groupby((statecode))\n"},
		{.q.id = "W1", .ncols = 1, .requests = 1,
		 .urls = API "opportunities?$select=opportunityid,name\n"},
		/* every column: checked by check_select_star */
		{.q.id = "W2", .ncols = 401, .requests = 1},
		/* the 3 units read whole (upper() stays local), then the active
		 * accounts of the one that matches: 2 units more than needed, as
		 * docs/performance.md's 17,055 rows for 17,053 */
		{.q.id = "J4", .ncols = 2, .requests = 2, .over = 2,
		 .urls = API "businessunits?$select=businessunitid,name\n"
			 API "accounts?$select=accountid,name,_owningbusinessunit_value,statecode&$filter="
			 "statecode%20eq%200%20and%20(_owningbusinessunit_value%20eq%20"
			 "dab686fc-dfe2-400a-8003-0000000f4246)\n"},
	};
	/* the statements and their rows needed: bench-plans' own (bench/plans_suite.h) */
	for (size_t i = 0; i < sizeof(suite) / sizeof(suite[0]); i++)
		if (!plans_stmt_fill(&suite[i].q, opp, IN5))
			bail_out("a statement the bench suite does not have");
	snprintf(suite[0].urls, sizeof(suite[0].urls), "%s%s",
		 API "accounts?$select=accountid,name,accountnumber&$filter=(accountnumber%20eq%20"
		 "'A-000001'%20or%20accountnumber%20eq%20'A-000002'%20or%20accountnumber%20eq%20"
		 "'A-000003'%20or%20accountnumber%20eq%20'A-000004'%20or%20accountnumber%20eq%20"
		 "'A-000005')%20and%20contact_customer_accounts%2Fany(c:c%2Fcontactid%20ne%20null)\n",
		 batch);
	/* S2's contacts: the same key batch, without fullname; the accounts
	 * without any() (a scalar subquery keeps accounts without contacts) */
	{
		char *b = strstr(batch, "fullname,");
		snprintf(suite[4].urls, sizeof(suite[4].urls), "%s%.*s%s",
			 API "accounts?$select=accountid,name,accountnumber&$filter=(accountnumber%20eq"
			 "%20'A-000001'%20or%20accountnumber%20eq%20'A-000002'%20or%20accountnumber%20eq"
			 "%20'A-000003'%20or%20accountnumber%20eq%20'A-000004'%20or%20accountnumber%20eq"
			 "%20'A-000005')\n", (int)(b - batch), batch, b + strlen("fullname,"));
	}
	size_t n = sizeof(suite) / sizeof(suite[0]);
	for (size_t i = 0; i < n; i++)
		run_shape(dbc, &suite[i]);

	/* the rows worked out here from single-table reads */
	is_str(suite[0].rows, j1, "J1: the rows joined in C from the two tables");
	is_str(suite[4].rows, s2, "S2: the counts worked out in C from the two tables");
	char *states = sort_lines(read_table(dbc, "SELECT statecode FROM account", 1));
	char *d = states; /* distinct: drop a line equal to the one before */
	for (char *line = states, *prev = NULL, *next; *line; line = next) {
		next = strchr(line, '\n') + 1;
		if (!prev || strncmp(prev, line, (size_t)(next - line)) != 0) {
			memmove(d, line, (size_t)(next - line));
			prev = d;
			d += next - line;
		}
	}
	*d = '\0';
	is_str(suite[11].rows, states, "A2: the distinct states of every account's row");
	is_str(suite[12].got.prefer, "odata.maxpagesize=5000\n",
	       "W1: no formatted values asked for");
	check_select_star(dbc, &suite[13]);
	check_late_column(dbc);

	free(states);
	free(j1);
	free(s2);
	free(batch);
	for (size_t i = 0; i < n; i++) {
		free(suite[i].rows);
		got_free(&suite[i].got);
	}
	disconnect(env, dbc);
	emu_stop(&emu);
	return tap_done();
}
