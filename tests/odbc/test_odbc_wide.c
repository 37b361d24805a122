/* test_odbc_wide.c - $select on tables wider than SQLite's 64-bit colUsed
 * mask, through the real driver manager against the emulator.  SQLite marks
 * every column from the 64th on as used when any of them is; the driver
 * then reads the statement's own text (sqlparse/mentions.c).  Asserted from
 * the emulator's request log: a statement that uses one late column asks
 * for exactly that column; count(*) and multiplication ask for none; `*`,
 * `t.*` and NATURAL JOIN ask for all; formatted-value annotations are asked
 * for only when a companion name column is used. */
#include "odbc_test.h"

static struct emu emu;

/* The last data request since `since`: its URL (decoded $select part
 * returned through sel) and its Prefer header, "" when none. */
static void last_request(int since, char *sel, size_t selsize, char *prefer, size_t psize)
{
	const char *upath[] = {"url", NULL}, *ppath[] = {"headers", "prefer", NULL};
	sel[0] = prefer[0] = '\0';
	yajl_val tree = emu_requests_tree(&emu, since);
	for (size_t i = 0; tree && YAJL_IS_ARRAY(tree) && i < tree->u.array.len; i++) {
		yajl_val r = tree->u.array.values[i];
		yajl_val u = yajl_tree_get(r, upath, yajl_t_string);
		yajl_val p = yajl_tree_get(r, ppath, yajl_t_string);
		const char *us = u ? YAJL_GET_STRING(u) : NULL;
		if (!us || !strstr(us, "/accounts?"))
			continue;
		const char *s = strstr(us, "$select=");
		size_t n = s ? strcspn(s + 8, "&") : 0;
		snprintf(sel, selsize, "%.*s", (int)n, s ? s + 8 : "");
		snprintf(prefer, psize, "%s", p && YAJL_GET_STRING(p) ? YAJL_GET_STRING(p) : "");
	}
	yajl_tree_free(tree);
	/* %2C -> , */
	char *w = sel;
	for (const char *r = sel; *r; r++) {
		if (strncmp(r, "%2C", 3) == 0 || strncmp(r, "%2c", 3) == 0) {
			*w++ = ',';
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static int count_items(const char *list)
{
	int n = *list ? 1 : 0;
	for (; *list; list++)
		n += *list == ',';
	return n;
}

/* Runs sql and fetches every row; 0 when it worked. */
static int run(SQLHDBC dbc, const char *sql)
{
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	int good = SQL_SUCCEEDED(rc);
	if (!good)
		rc_ok(rc, SQL_HANDLE_STMT, st, sql);
	while (good && SQL_SUCCEEDED(SQLFetch(st)))
		;
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return good ? 0 : -1;
}

/* Columns of account in SQLColumns order: names[i] (ordinal i+1). */
static int account_columns(SQLHDBC dbc, char names[][128], int max)
{
	SQLHSTMT st;
	char name[128];
	SQLLEN ind;
	int n = 0;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)"account", SQL_NTS, NULL, 0);
	while (n < max && SQL_SUCCEEDED(SQLFetch(st))) {
		SQLGetData(st, 4, SQL_C_CHAR, name, sizeof(name), &ind);
		snprintf(names[n++], 128, "%s", name);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return n;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int main(void)
{
	static char cols[600][128];
	char sql[512], sel[8192], prefer[256], want[256];
	int m;
	/* account with every attribute of a real org's capture (dvemu_lib/realorg.py) */
	start_emulator(&emu, "--rows 20 --seed 1 --real-attributes", NULL);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn(env);
	int ncols = account_columns(dbc, cols, 600);
	if (!ok(ncols > 66, "account is wider than 64 columns (%d)", ncols))
		bail_out("the emulator's account is too narrow for this test");
	/* a late plain column and a late companion name column */
	const char *late = NULL, *late_name = NULL;
	for (int i = 64; i < ncols; i++) {
		if (!late && !ends_with(cols[i], "name") && !ends_with(cols[i], "type"))
			late = cols[i];
		if (!late_name && ends_with(cols[i], "idname"))
			late_name = cols[i];
	}
	if (!ok(late != NULL, "a plain column past the 64th: %s", late ? late : "-"))
		bail_out("no late column");

	m = emu_request_count(&emu);
	snprintf(sql, sizeof(sql), "SELECT %s FROM account", late);
	ok(run(dbc, sql) == 0, "%s", sql);
	last_request(m, sel, sizeof(sel), prefer, sizeof(prefer));
	snprintf(want, sizeof(want), "accountid,%s", late);
	is_str(sel, want, "one late column: $select names it alone");
	ok(!strstr(prefer, "FormattedValue") && !strstr(prefer, "include-annotations=\"*\""),
	   "no formatted values asked for: %s", prefer);

	m = emu_request_count(&emu);
	snprintf(sql, sizeof(sql), "SELECT \"%s\" FROM account WHERE name LIKE 'A%%'", late);
	ok(run(dbc, sql) == 0, "%s", sql);
	last_request(m, sel, sizeof(sel), prefer, sizeof(prefer));
	snprintf(want, sizeof(want), "accountid,name,%s", late);
	is_str(sel, want, "a quoted late column and an early one");

	if (late_name) {
		m = emu_request_count(&emu);
		snprintf(sql, sizeof(sql), "SELECT %s FROM account", late_name);
		ok(run(dbc, sql) == 0, "%s", sql);
		last_request(m, sel, sizeof(sel), prefer, sizeof(prefer));
		ok(count_items(sel) == 2, "a late companion name column: its lookup only (%s)", sel);
		ok(strstr(prefer, "FormattedValue") || strstr(prefer, "include-annotations"),
		   "formatted values asked for the companion: %s", prefer);
	}

	m = emu_request_count(&emu);
	ok(run(dbc, "SELECT count(*), max(revenue * 2) FROM account WHERE revenue > 0") == 0,
	   "count(*) and multiplication");
	last_request(m, sel, sizeof(sel), prefer, sizeof(prefer));
	ok(!strstr(sel, late), "count(*) and `*` as multiplication ask for no late column (%s)",
	   sel);

	m = emu_request_count(&emu);
	ok(run(dbc, "SELECT * FROM account") == 0, "SELECT *");
	last_request(m, sel, sizeof(sel), prefer, sizeof(prefer));
	ok(strstr(sel, late) != NULL, "SELECT * asks for the late columns too");
	int all = count_items(sel);

	m = emu_request_count(&emu);
	ok(run(dbc, "SELECT a.* FROM account a WHERE a.name LIKE 'B%'") == 0, "SELECT a.*");
	last_request(m, sel, sizeof(sel), prefer, sizeof(prefer));
	is_int(count_items(sel), all, "SELECT a.* asks for as many properties as SELECT *");

	m = emu_request_count(&emu);
	ok(run(dbc, "SELECT x.name FROM account x NATURAL JOIN account y WHERE x.name = 'zz'")
	   == 0, "NATURAL JOIN");
	last_request(m, sel, sizeof(sel), prefer, sizeof(prefer));
	ok(strstr(sel, late) != NULL, "NATURAL JOIN (joins on every column) asks for all");

	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	emu_stop(&emu);
	return tap_done();
}
