/* test_odbc_limits.c - a LIMIT above $top's 5000 is the scan's row budget, through unixODBC.
 *
 * Against the emulator with 12,000 accounts, default keys (PageSize 5000,
 * Prefetch on, ParallelReads automatic), and its request log counting the
 * rows of every answer (config log_rows).  For each statement: the exact
 * rows (the first N of the service's order, read once on one chain with
 * ParallelReads=1 as the reference) and the exact requests the emulator
 * received (how many, no $top, the Prefer page size, no createdon probe or
 * partition, the rows downloaded):
 *   - LIMIT 10000: two pages of 5000, 10,000 rows; nothing prefetched past
 *     them, also after a pause with the statement still open;
 *   - LIMIT 5001: two pages of 2501 (the same Prefer on both), 5002 rows;
 *   - LIMIT 3000 OFFSET 4000: two pages of 3500, rows 4001..7000;
 *   - LIMIT ? bound to 6000: two pages of 3000;
 *   - LIMIT 7000 over a term that stays local (accountid LIKE '________-%', an _): not
 *     partitioned, two pages and no third one prefetched;
 *   - LIMIT 20000, more than the table holds: every account once, three
 *     pages (5000, 5000, 2000);
 *   - EXPLAIN shows the row budget. */
#include "odbc_test.h"

#include <unistd.h>

#define NROWS 12000

/* Connects to emulator e with the keys extra, the check named extra. */
static SQLHDBC connect_with(SQLHENV env, struct emu *e, const char *extra)
{
	char connstr[1024];
	snprintf(connstr, sizeof(connstr), "%s;%s", emu_connstr(e), extra);
	return connect_string(env, connstr, extra);
}

/* Runs sql (with one integer parameter when param >= 0) and collects column
 * 1 of every row in the order they come.  Returns the SQLFetch code that
 * ended it. */
static SQLRETURN collect(SQLHDBC dbc, const char *sql, long param, struct ids *out)
{
	SQLHSTMT st;
	SQLRETURN rc;
	char buf[128];
	SQLLEN ind, pind = 0;
	SQLINTEGER p = (SQLINTEGER)param;
	memset(out, 0, sizeof(*out));
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (param >= 0)
		SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &p, 0, &pind);
	rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	if (!rc_ok(rc, SQL_HANDLE_STMT, st, sql)) {
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		return rc;
	}
	SQLBindCol(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	while ((rc = SQLFetch(st)) == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO)
		ids_add(out, ind == SQL_NULL_DATA ? "NULL" : buf);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return rc;
}

/* got is exactly want's rows from..from+n-1, in order; else says why. */
static int same_slice(const struct ids *got, const struct ids *want, size_t from, size_t n)
{
	if (got->n != n || from + n > want->n) {
		printf("#   %zu rows, expected %zu\n", got->n, n);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(got->v[i], want->v[from + i]) != 0) {
			printf("#   row %zu: %s, expected %s\n", i, got->v[i], want->v[from + i]);
			return 0;
		}
	return 1;
}

/* What the emulator received for accounts since `since`. */
struct sent {
	int gets;              /* GET .../accounts? requests */
	int tops;              /* with $top */
	int created;           /* with createdon in the query (probe, partition) */
	int skiptokens;        /* following a nextLink */
	long rows;             /* rows in their answers */
	char prefer[8][160];   /* the Prefer header of each (first 8) */
};

static void sent_since(struct emu *e, int since, struct sent *s)
{
	const char *up[] = {"url", NULL}, *hp[] = {"headers", "prefer", NULL},
		   *rp[] = {"rows", NULL};
	yajl_val log = emu_requests_tree(e, since);
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; log && YAJL_IS_ARRAY(log) && i < YAJL_GET_ARRAY(log)->len; i++) {
		yajl_val entry = YAJL_GET_ARRAY(log)->values[i];
		yajl_val u = yajl_tree_get(entry, up, yajl_t_string);
		yajl_val p = yajl_tree_get(entry, hp, yajl_t_string);
		yajl_val r = yajl_tree_get(entry, rp, yajl_t_number);
		const char *url = u ? YAJL_GET_STRING(u) : "";
		if (!strstr(url, "/api/data/v9.2/accounts?"))
			continue;
		if (s->gets < 8)
			snprintf(s->prefer[s->gets], sizeof(s->prefer[0]), "%s",
				 p ? YAJL_GET_STRING(p) : "");
		s->gets++;
		s->tops += strstr(url, "$top=") != NULL;
		s->created += strstr(url, "createdon") != NULL;
		s->skiptokens += strstr(url, "skiptoken") != NULL;
		s->rows += r ? (long)YAJL_GET_INTEGER(r) : 0;
	}
	yajl_tree_free(log);
}

/* Every Prefer of the first n requests names odata.maxpagesize=size. */
static int pages_of(const struct sent *s, int n, long size)
{
	char want[48];
	snprintf(want, sizeof(want), "odata.maxpagesize=%ld", size);
	for (int i = 0; i < n && i < 8; i++) {
		const char *at = strstr(s->prefer[i], want);
		if (!at || (at[strlen(want)] != ',' && at[strlen(want)] != '\0')) {
			printf("#   request %d: Prefer %s, expected %s\n", i + 1, s->prefer[i], want);
			return 0;
		}
	}
	return 1;
}

static void test_limit(SQLHDBC dbc, struct emu *e, const struct ids *ref, const char *sql,
		       long param, size_t from, size_t n, int gets, long size, long down)
{
	struct ids got;
	struct sent s;
	int before = emu_request_count(e);
	SQLRETURN rc = collect(dbc, sql, param, &got);
	is_int(rc, SQL_NO_DATA, "%s: the statement ends normally", sql);
	ok(same_slice(&got, ref, from, n), "%s: rows %zu..%zu of the service's order", sql,
	   from + 1, from + n);
	sleep(1); /* a page prefetched past the budget would be in the log by now */
	sent_since(e, before, &s);
	is_int(s.gets, gets, "%s: %d requests", sql, gets);
	is_int(s.tops + s.created, 0, "%s: no $top, no createdon probe or partition", sql);
	is_int(s.skiptokens, gets - 1, "%s: one chain of nextLinks", sql);
	ok(pages_of(&s, gets, size), "%s: odata.maxpagesize=%ld on every page", sql, size);
	is_int((int)s.rows, (int)down, "%s: %ld rows downloaded", sql, down);
	ids_free(&got);
}

/* The statement still open after the budget's rows: nothing more is read. */
static void test_open_statement(SQLHDBC dbc, struct emu *e)
{
	SQLHSTMT st;
	char buf[64];
	SQLLEN ind;
	struct sent s;
	int n = 0, before = emu_request_count(e);
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"SELECT accountid FROM account LIMIT 10000", SQL_NTS),
	      SQL_HANDLE_STMT, st, "LIMIT 10000 opened");
	SQLBindCol(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	while (n < 10000 && SQL_SUCCEEDED(SQLFetch(st)))
		n++;
	sleep(2);
	sent_since(e, before, &s);
	is_int(n, 10000, "open statement: 10000 rows fetched");
	is_int(s.gets, 2, "open statement: two pages, no third prefetched while it stays open");
	is_int(SQLFetch(st), SQL_NO_DATA, "open statement: then the end");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* SQLNativeSql shows the request and the budget (not as a query option). */
static void test_explain(SQLHDBC dbc, const char *sql, const char *want)
{
	SQLCHAR out[2048];
	SQLINTEGER len = 0;
	SQLRETURN rc = SQLNativeSql(dbc, (SQLCHAR *)sql, SQL_NTS, out, sizeof(out), &len);
	ok(SQL_SUCCEEDED(rc) && strstr((char *)out, want), "SQLNativeSql(%s): %s", sql,
	   SQL_SUCCEEDED(rc) ? (char *)out : "(failed)");
}

int main(void)
{
	struct emu e;
	struct ids ref, got;
	char args[64];
	snprintf(args, sizeof(args), "--rows %d", NROWS);
	start_emulator(&e, args, NULL);
	emu_post(&e, "/_emu/config", "{\"log_rows\":true}");
	SQLHENV env = new_env(SQL_OV_ODBC3);

	SQLHDBC one = connect_with(env, &e, "ParallelReads=1");
	collect(one, "SELECT accountid FROM account", -1, &ref);
	is_int((int)ref.n, NROWS, "reference: %d accounts on one chain", NROWS);
	close_dbc(one);

	SQLHDBC dbc = connect_with(env, &e, "Prefetch=true");
	test_limit(dbc, &e, &ref, "SELECT accountid FROM account LIMIT 10000", -1, 0, 10000, 2,
		   5000, 10000);
	test_limit(dbc, &e, &ref, "SELECT accountid FROM account LIMIT 5001", -1, 0, 5001, 2,
		   2501, 5002);
	test_limit(dbc, &e, &ref, "SELECT accountid FROM account LIMIT 3000 OFFSET 4000", -1,
		   4000, 3000, 2, 3500, 7000);
	test_limit(dbc, &e, &ref, "SELECT accountid FROM account LIMIT ?", 6000, 0, 6000, 2,
		   3000, 6000);
	test_limit(dbc, &e, &ref,
		   "SELECT accountid FROM account WHERE accountid LIKE '________-%' LIMIT 7000", -1, 0,
		   7000, 2, 5000, 10000);
	test_limit(dbc, &e, &ref, "SELECT accountid FROM account LIMIT 20000", -1, 0, NROWS, 3,
		   5000, NROWS);
	test_open_statement(dbc, &e);
	test_explain(dbc, "SELECT name FROM account LIMIT 10000",
		     "/api/data/v9.2/accounts?$select=accountid,name (the first 10000 rows: no "
		     "more are read)");
	test_explain(dbc, "SELECT accountid FROM account WHERE accountid LIKE '________-%' LIMIT 7000",
		     "/api/data/v9.2/accounts?$select=accountid (at least 7000 rows: no page "
		     "read ahead past them)");

	/* without a LIMIT the same connection still partitions (automatic, the
	 * service taking 300 ms a page) */
	emu_post(&e, "/_emu/config", "{\"page_think_ms\":300}");
	int before = emu_request_count(&e);
	struct sent s;
	collect(dbc, "SELECT accountid FROM account", -1, &got);
	emu_post(&e, "/_emu/config", "{\"page_think_ms\":0}");
	sent_since(&e, before, &s);
	is_int((int)got.n, NROWS, "no LIMIT: every account");
	ok(s.created > 0, "no LIMIT: partitioned on createdon (%d requests name it)", s.created);
	ids_free(&got);

	close_dbc(dbc);
	ids_free(&ref);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	emu_stop(&e);
	return tap_done();
}
