/* bench/plans.c - rows downloaded per row needed, statement by statement.
 *
 * Owns: the query-plan benchmark (issue 9).  It starts the emulator with
 * --rows N --real-attributes (account and opportunity as wide as a real
 * org's: 199 and ~170 SQL columns) and the request log counting each
 * answer's rows and bytes (config log_rows), connects through unixODBC, and
 * runs a suite of statements of the shapes that read more than they need:
 * joins with a selective side, correlated EXISTS and scalar subqueries,
 * IN-subqueries, LIMIT / OFFSET with local predicates, MIN/MAX and
 * DISTINCT, one late column of a wide table, SELECT * (annotations), a
 * three-table join, a join of a 3-row table with a weakly filtered big one
 * (J4: its order comes from the tables' row counts), an ETL SELECT * of the
 * wide account (with --custom-attributes 162 about 400 SQL columns, as a
 * customised org's), a join that must read the wide opportunity whole
 * (M1: a text key, vtab.c SPILL) after a plain scan of the same rows (the
 * baseline: what streaming them costs), on a connection with JoinMemoryMB=0
 * and then on one that keeps them all in memory, with the peak RSS each run
 * added (in that order: the process's peak only grows), and a catalog
 * sweep (SQLTables + SQLColumns of every table on a fresh connection: C1 on
 * the emulator's schema, C2 on a real org's 832 tables (dvemu --real-schema),
 * cold and then on a second connection answered by the metadata cache file).
 * For each it prints the requests sent (data, and metadata with the row
 * counts a join is planned from: RetrieveTotalRecordCount), rows
 * downloaded, rows in the answer, rows needed, KB received, the ratio
 * downloaded / needed and the seconds, and whether it succeeded.
 * ROWS NEEDED are the service's rows whose values reach the answer, counted
 * in the same run by a statement of its own (not measured): for a join, the
 * distinct rows of each table that meet (J1: 5 accounts + 7 contacts for 7
 * answer rows, since each side's columns are in the answer); for a scalar
 * subquery, the outer rows and the inner rows it counts; for OFFSET m
 * LIMIT n, n + m (the Web API has no $skip: the skipped rows must be read);
 * otherwise the rows of the answer (an EXISTS or IN subquery contributes no
 * columns: the service can decide it).  At least 1.  1.0 means the driver
 * read exactly the rows the answer is made of.  No figure is asserted: this
 * is a program, not a test.
 *
 * Usage: bench-plans [--rows N] [--think-ms N] [--timeout S] [--only ID[,ID...]]
 *                    [--emu-db FILE] [--custom-attributes N (default 162)]
 *                    [--request-ms N (the service's time per request, every request)]
 *                    [--verbose 1 (each request's URL and rows)] */
#include <curl/curl.h>
#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#include "bench/plans_suite.h"
#include "tests/unit/emu.h"

static struct emu emu;
static int verbose;     /* --verbose 1: print each request's URL and rows */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What the emulator received since log index `since`. */
struct received {
	long data_requests, meta_requests, token_requests, rows, bytes, errors;
};

static struct received received_from(struct emu *e, int since)
{
	struct received r = {0, 0, 0, 0, 0, 0};
	const char *upath[] = {"url", NULL}, *rpath[] = {"rows", NULL}, *bpath[] = {"bytes", NULL},
		   *spath[] = {"status", NULL};
	yajl_val tree = emu_requests_tree(e, since);
	for (size_t i = 0; tree && YAJL_IS_ARRAY(tree) && i < tree->u.array.len; i++) {
		yajl_val entry = tree->u.array.values[i];
		yajl_val u = yajl_tree_get(entry, upath, yajl_t_string);
		yajl_val rows = yajl_tree_get(entry, rpath, yajl_t_number);
		yajl_val bytes = yajl_tree_get(entry, bpath, yajl_t_number);
		yajl_val st = yajl_tree_get(entry, spath, yajl_t_number);
		const char *us = u && YAJL_GET_STRING(u) ? YAJL_GET_STRING(u) : "";
		if (verbose)
			printf("       %4ld rows  %.200s\n", rows ? (long)YAJL_GET_INTEGER(rows) : 0L,
			       us);
		if (strstr(us, "/oauth2/")) {
			r.token_requests++;
			continue;
		}
		if (strstr(us, "EntityDefinitions") || strstr(us, "RelationshipDefinitions") ||
		    strstr(us, "$metadata") || strstr(us, "RetrieveTotalRecordCount")) {
			r.meta_requests++;
		} else {
			r.data_requests++;
			r.rows += rows ? (long)YAJL_GET_INTEGER(rows) : 0;
		}
		r.bytes += bytes ? (long)YAJL_GET_INTEGER(bytes) : 0;
		if (st && YAJL_GET_INTEGER(st) >= 400)
			r.errors++;
	}
	yajl_tree_free(tree);
	return r;
}

static struct received received_since(int since)
{
	return received_from(&emu, since);
}

static int log_count(void)
{
	return emu_request_count(&emu);
}

/* A new connection: to DSN dvtest (connstr NULL) or by a connection string. */
static SQLHDBC connect_to(SQLHENV env, const char *connstr)
{
	SQLHDBC dbc;
	SQLRETURN rc;
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	if (connstr)
		rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)connstr, SQL_NTS, NULL, 0, NULL,
				      SQL_DRIVER_NOPROMPT);
	else
		rc = SQLConnect(dbc, (SQLCHAR *)"dvtest", SQL_NTS, NULL, 0, NULL, 0);
	if (!SQL_SUCCEEDED(rc)) {
		SQLCHAR state[6] = "", text[512] = "";
		SQLINTEGER native = 0;
		SQLSMALLINT len = 0;
		SQLGetDiagRec(SQL_HANDLE_DBC, dbc, 1, state, &native, text, sizeof(text), &len);
		fprintf(stderr, "bench-plans: cannot connect to the emulator: %s %s\n", state, text);
		exit(1);
	}
	return dbc;
}

static SQLHDBC connect_new(SQLHENV env, long timeout)
{
	(void)timeout;
	return connect_to(env, NULL);
}

/* Runs sql, fetching every row; *rows = rows in the answer; 0 or -1 (state). */
static int run_sql(SQLHDBC dbc, const char *sql, long timeout, long *rows, char state[6],
		   char *msg, size_t msize)
{
	SQLHSTMT st;
	SQLRETURN rc;
	SQLSMALLINT len;
	SQLINTEGER native;
	*rows = 0;
	state[0] = msg[0] = '\0';
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLSetStmtAttr(st, SQL_ATTR_QUERY_TIMEOUT, (SQLPOINTER)(SQLULEN)timeout, 0);
	rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	while (SQL_SUCCEEDED(rc) && SQL_SUCCEEDED(rc = SQLFetch(st)))
		(*rows)++;
	if (rc != SQL_NO_DATA && !SQL_SUCCEEDED(rc))
		SQLGetDiagRec(SQL_HANDLE_STMT, st, 1, (SQLCHAR *)state, &native, (SQLCHAR *)msg,
			      (SQLSMALLINT)msize, &len);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return rc == SQL_NO_DATA || SQL_SUCCEEDED(rc) ? 0 : -1;
}

/* The process's peak resident set so far, in KB. */
static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* M1: a join that reads the wide opportunity whole (a text key: no key
 * batches), on a new connection with `keys`; prints its rows, requests,
 * seconds and how much it raised the process's peak RSS. */
static void join_memory_run(SQLHENV env, long timeout, const char *keys, const char *label,
			    const char *sql)
{
	char cs[256], state[6], msg[512];
	long rows = 0, before;
	double t0, secs;
	int m, rc;
	snprintf(cs, sizeof(cs), "DSN=dvtest;%s", keys);
	SQLHDBC dbc = connect_to(env, cs);
	emu_post(&emu, "/_emu/config", "{\"log_rows\":true}");
	m = log_count();
	before = peak_rss_kb();
	t0 = now_s();
	rc = run_sql(dbc, sql, timeout, &rows, state, msg, sizeof(msg));
	secs = now_s() - t0;
	struct received r = received_since(m);
	printf("M1 %-26s %6ld rows %4ld requests %8ld rows down %7.2f s  peak RSS +%ld MB "
	       "(%ld MB)%s%s\n", label, rows, r.data_requests, r.rows, secs,
	       (peak_rss_kb() - before) / 1024, peak_rss_kb() / 1024, rc ? "  FAILED " : "",
	       rc ? msg : "");
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
}

/* The first value of a one-column query, into out. */
static void first_value(SQLHDBC dbc, const char *sql, char *out, size_t size)
{
	SQLHSTMT st;
	SQLLEN ind;
	out[0] = '\0';
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)) &&
	    SQL_SUCCEEDED(SQLFetch(st)))
		SQLGetData(st, 1, SQL_C_CHAR, out, (SQLLEN)size, &ind);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* SQLTables, then SQLColumns of every table (as BI tools walk a catalog),
 * on a new connection to e (connstr, or DSN dvtest when NULL); prints the
 * requests it cost. */
static void catalog_sweep(SQLHENV env, struct emu *e, const char *connstr, const char *what)
{
	int m = emu_request_count(e);
	double t0 = now_s();
	SQLHDBC dbc = connect_to(env, connstr);
	SQLHSTMT st;
	char name[256];
	SQLLEN ind;
	long tables = 0, columns = 0;
	char (*names)[256] = calloc(4096, 256);
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLTables(st, NULL, 0, NULL, 0, NULL, 0, (SQLCHAR *)"TABLE", SQL_NTS);
	while (tables < 4096 && SQL_SUCCEEDED(SQLFetch(st))) {
		SQLGetData(st, 3, SQL_C_CHAR, name, sizeof(name), &ind);
		snprintf(names[tables++], 256, "%s", name);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	for (long i = 0; i < tables; i++) {
		SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
		SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)names[i], SQL_NTS, NULL, 0);
		while (SQL_SUCCEEDED(SQLFetch(st)))
			columns++;
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	}
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	struct received r = received_from(e, m);
	printf("catalog sweep (%s): %ld tables, %ld columns: %ld metadata requests, %ld data "
	       "requests, %.1f KB, %.2f s\n", what, tables, columns, r.meta_requests,
	       r.data_requests, r.bytes / 1024.0, now_s() - t0);
	fflush(stdout);
	free(names);
}

/* The sweep over a real organisation's schema (dvemu --real-schema: the 832
 * tables of a captured org), twice: cold, then on a second connection that
 * the per-user metadata cache file (MetadataCache, default on) answers. */
static void real_schema_sweeps(SQLHENV env)
{
	struct emu real;
	const char *was = getenv("XDG_CACHE_HOME");
	char *cache = was ? strdup(was) : NULL; /* emu_start gives each emulator its own */
	char connstr[1024];
	if (emu_start(&real, "--rows 1 --real-schema --quiet") != 0) {
		printf("catalog sweep (real schema): the emulator did not start\n");
		free(cache);
		return;
	}
	emu_post(&real, "/_emu/config", "{\"log_rows\":true}");
	/* by connection string: the driver manager keeps reading the odbc.ini
	 * it read first, the suite's */
	snprintf(connstr, sizeof(connstr), "%s", emu_connstr(&real));
	catalog_sweep(env, &real, connstr, "a real org's schema, cold");
	catalog_sweep(env, &real, connstr, "a real org's schema, second connection, cache file");
	emu_stop(&real);
	if (cache)
		setenv("XDG_CACHE_HOME", cache, 1);
	free(cache);
}

/* How many columns SQLColumns reports for the table. */
static long column_count(SQLHDBC dbc, const char *table)
{
	SQLHSTMT st;
	long n = 0;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (SQL_SUCCEEDED(SQLColumns(st, NULL, 0, NULL, 0, (SQLCHAR *)table, SQL_NTS, NULL, 0)))
		while (SQL_SUCCEEDED(SQLFetch(st)))
			n++;
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return n;
}

static void print_header(void)
{
	printf("%-4s %8s %6s %10s %9s %9s %10s %7s %8s  %s\n", "id", "requests", "meta",
	       "rows-down", "rows-ans", "needed", "KB", "ratio", "seconds", "statement");
}

static void print_row(const char *id, const struct received *r, long answer, long needed,
		      double secs, int ok, const char *state, const char *what)
{
	double ratio = (double)r->rows / (double)(needed > 0 ? needed : 1);
	printf("%-4s %8ld %6ld %10ld %9ld %9ld %10.1f %7.2f %8.2f  %s%s%s%s\n", id,
	       r->data_requests, r->meta_requests, r->rows, answer, needed, r->bytes / 1024.0,
	       ratio, secs, what, ok ? "" : "  [FAILED ", ok ? "" : state, ok ? "" : "]");
	fflush(stdout);
}

/* --only ID or a comma list of IDs ("L1,L2,A1") */
static int wanted(const char *only, const char *id)
{
	size_t n = strlen(id);
	const char *p = only;
	if (!only)
		return 1;
	for (; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, id, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	long rows = 60000, think = 0, timeout = 120, custom = 162, request_ms = 0;
	const char *only = NULL, *db = NULL;
	char args[512], opp[256], in5[256], msg[512], state[6];
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rows") == 0)
			rows = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--think-ms") == 0)
			think = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--timeout") == 0)
			timeout = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--only") == 0)
			only = argv[i + 1];
		else if (strcmp(argv[i], "--verbose") == 0)
			verbose = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--emu-db") == 0)
			db = argv[i + 1];
		else if (strcmp(argv[i], "--custom-attributes") == 0)
			custom = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--request-ms") == 0)
			request_ms = atol(argv[i + 1]);
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(args, sizeof(args), "--rows %ld --real-attributes --custom-attributes %ld --quiet "
		 "--page-think-ms %ld --request-think-ms %ld%s%s", rows, custom, think, request_ms,
		 db ? " --db " : "", db ? db : "");
	printf("bench-plans: emulator with %ld accounts (--real-attributes --custom-attributes %ld), "
	       "think %ld ms/page, %ld ms/request\n", rows, custom, think, request_ms);
	fflush(stdout);
	if (emu_start(&emu, args) != 0 || emu_write_odbc_ini(&emu, NULL) != 0)
		return 1;
	emu_post(&emu, "/_emu/config", "{\"log_rows\":true}");
	SQLHENV env;
	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
	SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);

	/* the catalog sweeps, first, each on its own connection */
	if (wanted(only, "C1"))
		catalog_sweep(env, &emu, NULL, "emulator schema");
	if (wanted(only, "C2"))
		real_schema_sweeps(env);

	SQLHDBC dbc = connect_new(env, timeout);
	first_value(dbc, "SELECT name FROM opportunity WHERE parentaccountid IS NOT NULL LIMIT 1",
		    opp, sizeof(opp));
	snprintf(in5, sizeof(in5), "'A-000001','A-000002','A-000003','A-000004','A-000005'");
	printf("account: %ld SQL columns, opportunity: %ld\n", column_count(dbc, "account"),
	       column_count(dbc, "opportunity"));
	struct plans_stmt suite[] = {
		{.id = "J1"}, {.id = "J2"}, {.id = "J3"}, {.id = "S1"}, {.id = "S2"}, {.id = "S3"},
		{.id = "L1"}, {.id = "L2"}, {.id = "L3"}, {.id = "L4"}, {.id = "A1"}, {.id = "A2"},
		{.id = "W1"}, {.id = "W2"}, {.id = "E1"}, {.id = "J4"},
	};
	for (size_t i = 0; i < sizeof(suite) / sizeof(suite[0]); i++)
		plans_stmt_fill(&suite[i], opp, in5);
	print_header();
	for (size_t i = 0; i < sizeof(suite) / sizeof(suite[0]); i++) {
		long answer = 0;
		if (!wanted(only, suite[i].id))
			continue;
		/* a fresh service-protection window for each statement (the emulator
		 * starts new windows when its config is set), so that one statement's
		 * requests do not make the next one fail */
		emu_post(&emu, "/_emu/config", "{\"log_rows\":true}");
		int m = log_count();
		double t0 = now_s();
		int rc = run_sql(dbc, suite[i].sql, timeout, &answer, state, msg, sizeof(msg));
		double secs = now_s() - t0;
		struct received r = received_since(m);
		long needed = answer + suite[i].extra;
		if (suite[i].needed_sql[0]) { /* counted after the measured run, not measured */
			char v[64];
			first_value(dbc, suite[i].needed_sql, v, sizeof(v));
			needed = atol(v);
		}
		print_row(suite[i].id, &r, answer, needed, secs, rc == 0, state, suite[i].sql);
		if (rc != 0)
			printf("     %s\n", msg);
	}
	if (wanted(only, "M1")) {
		static const char m1[] = "SELECT o.* FROM (SELECT name FROM opportunity LIMIT 20) "
			"x CROSS JOIN opportunity o ON o.name = x.name";
		printf("M1: %s\n", m1);
		/* one page at a time: partitioned reads' pages (bench-extract measures
		 * them) would hide what the join's rows take */
		join_memory_run(env, timeout, "ParallelReads=1", "baseline: the scan alone",
				"SELECT * FROM opportunity");
		join_memory_run(env, timeout, "ParallelReads=1;JoinMemoryMB=0",
				"JoinMemoryMB=0 (store)", m1);
		join_memory_run(env, timeout, "ParallelReads=1;JoinMemoryMB=65536",
				"JoinMemoryMB=65536 (heap)", m1);
	}
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	emu_stop(&emu);
	curl_global_cleanup();
	return 0;
}
