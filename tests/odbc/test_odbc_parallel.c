/* test_odbc_parallel.c - partitioned parallel reads (ParallelReads), through unixODBC.
 *
 * Against the emulator with 3,000 accounts and 100-row pages:
 *   - ParallelReads=4: the scan reads its first page in createdon order
 *     ($orderby=createdon asc,accountid asc, createdon selected), one
 *     createdon probe (desc, $top=1), then exactly four partitions whose
 *     filters are the half-open ranges from the first page's last createdon
 *     to the probed highest one (the last has no upper bound); every account
 *     comes exactly once, the same ids as ParallelReads=1 (one chain), and
 *     the rows downloaded are the table's, the probe's one and only the
 *     first page's rows in its last second again (the ties the first
 *     partition reads and the driver skips), not the whole first page; a
 *     one-page result sends at most the probe sent beside its first page
 *     and no partition.
 *   - Rows whose createdon equals a partition bound (inserted with the
 *     emulator's clock set to the bounds, the lowest included: a tie with
 *     the first page's last row) come exactly once.
 *   - A row inserted while the partitions are being read, with a key that
 *     sorts last, comes exactly once.
 *   - 429 storms (Retry-After 1), connection resets and truncated bodies in
 *     the middle of partitions, and every token revoked while they run
 *     (each partition gets a 401, the token is refreshed): every row once.
 *   - A Retry-After above MaxRetryWait fails the fetch with HY000 saying
 *     how long the service asked to wait, instead of waiting silently.
 *   - ORDER BY over partitions (MERGED ORDER BY in odata_cursor.c): with
 *     accounts added whose names differ only in case, accents and trailing
 *     blanks (ties under the service's collation), spread over every
 *     partition, ORDER BY revenue (nullable), ORDER BY createdon DESC and a
 *     filtered ORDER BY revenue DESC with ParallelReads=4 give exactly the
 *     rows, in the same order, of ParallelReads=1 and of the statement
 *     sorted locally (dvodbc:local, ORDER BY an expression SQLite sorts
 *     itself, then the key in SQL Server's GUID order); the requests are
 *     the scan's own first page, two probes and four partitions, each with
 *     the statement's $orderby.  ORDER BY name (text) is one chain (text
 *     keys are not merged, see vtab.c), with the same rows and order as
 *     sorted locally by DVNOCASE; a LIMIT above 5000 (a row budget) merges,
 *     and over 24,000 rows (a second emulator) every partition stops
 *     early; a 429 storm in the middle of partitions changes nothing.
 *   - Automatic mode does not partition a first page under 1000 rows.
 *     With 1000-row pages of 300 ms it partitions, in as many partitions
 *     as the x-ms-dop-hint of the first page's answer
 *     (raised to 6 after the connection was made: the hint of the
 *     answers before the query is not the one followed), every row once;
 *     an ORDER BY createdon is merged then too. */
#include "odbc_test.h"

#include <time.h>
#include <unistd.h>

#define NROWS 3000
#define NPARTS 4

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Connects to emulator e with the keys extra (PageSize=100 unless extra
 * sets it), the check named extra. */
static SQLHDBC connect_with(SQLHENV env, struct emu *e, const char *extra)
{
	char connstr[1024];
	snprintf(connstr, sizeof(connstr), "%s;%s%s", emu_connstr(e),
		 strstr(extra, "PageSize") ? "" : "PageSize=100;", extra);
	return connect_string(env, connstr, extra);
}

/* Runs sql and collects column 1 of every row (sorted when sort).  Returns
 * the SQLFetch code that ended it (SQL_NO_DATA when all came). */
static SQLRETURN collect(SQLHDBC dbc, const char *sql, struct ids *out, int sort, char *state,
			 char *msg, size_t msg_size)
{
	SQLHSTMT st;
	SQLRETURN rc;
	char buf[128];
	SQLLEN ind;
	memset(out, 0, sizeof(*out));
	state[0] = '\0';
	msg[0] = '\0';
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	if (SQL_SUCCEEDED(rc)) {
		SQLBindCol(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
		while ((rc = SQLFetch(st)) == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO)
			ids_add(out, ind == SQL_NULL_DATA ? "NULL" : buf);
	}
	if (rc == SQL_ERROR)
		diag1(SQL_HANDLE_STMT, st, state, msg, msg_size);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	if (sort && out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return rc;
}

/* 1 when got holds exactly the ids of want (both sorted), else prints why. */
static int same_ids(const struct ids *got, const struct ids *want)
{
	size_t dups = 0;
	for (size_t i = 1; i < got->n; i++)
		dups += strcmp(got->v[i - 1], got->v[i]) == 0;
	if (dups || got->n != want->n) {
		printf("#   %zu rows (%zu repeated), expected %zu\n", got->n, dups, want->n);
		return 0;
	}
	for (size_t i = 0; i < got->n; i++)
		if (strcmp(got->v[i], want->v[i]) != 0) {
			printf("#   row %zu: %s, expected %s\n", i, got->v[i], want->v[i]);
			return 0;
		}
	return 1;
}

/* URL-decoded copy of s ('+' stays). */
static void url_decode(const char *s, char *out, size_t size)
{
	size_t o = 0;
	for (; *s && o + 1 < size; s++) {
		if (s[0] == '%' && s[1] && s[2]) {
			char hex[3] = {s[1], s[2], 0};
			out[o++] = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

/* The decoded $filter of each first-page partition request of accounts
 * since log index `since` (no skiptoken, filter on createdon, no $top). */
static int partition_filters(struct emu *e, int since, char filters[][512], int max,
			     int *probes)
{
	char *log = emu_requests(e, since), *line, *save = NULL;
	int n = 0;
	*probes = 0;
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dec[2048];
		url_decode(line, dec, sizeof(dec));
		if (!strstr(dec, "/accounts?") || !strstr(dec, "createdon") || strstr(dec, "skiptoken") ||
		    strstr(dec, "$orderby=createdon asc"))
			continue; /* not a partition's first page (nor the scan's) */
		if (strstr(dec, "$top=1")) {
			(*probes)++;
			continue;
		}
		const char *f = strstr(dec, "$filter=");
		if (f && n < max) {
			const char *end = strchr(f, '&');
			size_t len = end ? (size_t)(end - f - 8) : strlen(f + 8);
			snprintf(filters[n], 512, "%.*s", (int)len, f + 8);
			n++;
		}
	}
	free(log);
	return n;
}

/* Reads every account on dbc into got (sorted when sort), the emulator's
 * config set to `during` for the read and to `after` once it is done (NULL:
 * left as it is).  Returns the partitions the read sent, its createdon
 * probes into *probes. */
static int read_accounts(SQLHDBC dbc, struct emu *e, const char *during, const char *after,
			 int sort, struct ids *got, int *probes, char *msg, size_t msg_size)
{
	char state[6], filters[8][512];
	if (during)
		emu_post(e, "/_emu/config", during);
	int before = emu_request_count(e);
	collect(dbc, "SELECT accountid FROM account", got, sort, state, msg, msg_size);
	if (after)
		emu_post(e, "/_emu/config", after);
	return partition_filters(e, before, filters, 8, probes);
}

static void reference_ids(SQLHENV env, struct emu *e, struct ids *ref)
{
	char msg[512];
	int parts, probes;
	SQLHDBC dbc = connect_with(env, e, "ParallelReads=1");
	parts = read_accounts(dbc, e, NULL, NULL, 1, ref, &probes, msg, sizeof(msg));
	is_int((int)ref->n, NROWS, "ParallelReads=1: %d accounts on one chain", NROWS);
	is_int(parts + probes, 0, "ParallelReads=1: no probe, no partition");
	close_dbc(dbc);
}

/* The partition bounds, as the driver computes them, from every createdon:
 * from the first page's last one (the 100th lowest: pages of 100) to the
 * highest.  *ties: rows of the first page in that last second. */
static void bounds(SQLHDBC dbc, long long *b, int *ties)
{
	struct ids all;
	char state[6], msg[512];
	long long lo, hi;
	/* sorted text "YYYY-MM-DD hh:mm:ss" is sorted time; no account lacks one */
	collect(dbc, "SELECT createdon FROM account", &all, 1, state, msg, sizeof(msg));
	long long *t = calloc(all.n ? all.n : 1, sizeof(*t));
	for (size_t i = 0; i < all.n; i++) {
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		if (sscanf(all.v[i], "%4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
			   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
			bail_out("an account without createdon");
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		t[i] = (long long)timegm(&tm);
	}
	lo = all.n >= 100 ? t[99] : 0;
	hi = all.n ? t[all.n - 1] : 0;
	*ties = 0;
	for (size_t i = 0; i < 100 && i < all.n; i++)
		*ties += t[i] == lo;
	for (int i = 0; i <= NPARTS; i++)
		b[i] = lo + (hi - lo + 1) * i / NPARTS;
	free(t);
	ids_free(&all);
}

/* Rows in the answers to accounts requests since `since` (config log_rows). */
static long rows_downloaded(struct emu *e, int since)
{
	const char *up[] = {"url", NULL}, *rp[] = {"rows", NULL};
	yajl_val log = emu_requests_tree(e, since);
	long n = 0;
	for (size_t k = 0; log && YAJL_IS_ARRAY(log) && k < log->u.array.len; k++) {
		yajl_val u = yajl_tree_get(log->u.array.values[k], up, yajl_t_string);
		yajl_val r = yajl_tree_get(log->u.array.values[k], rp, yajl_t_number);
		const char *us = u ? YAJL_GET_STRING(u) : NULL;
		if (us && strstr(us, "/accounts?") && r)
			n += (long)YAJL_GET_INTEGER(r);
	}
	yajl_tree_free(log);
	return n;
}

/* The scan's own first page: in createdon order, createdon selected. */
static int first_page_ordered(struct emu *e, int since)
{
	char *log = emu_requests(e, since), *line, *save = NULL;
	int n = 0;
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dec[2048];
		url_decode(line, dec, sizeof(dec));
		if (strstr(dec, "GET /api/data/v9.2/accounts?$select=accountid,createdon&"
				"$orderby=createdon asc,accountid asc") &&
		    !strstr(dec, "skiptoken") && !strstr(dec, "$filter"))
			n++;
	}
	free(log);
	return n;
}

/* The requests since `since` the emulator answered with HTTP status. */
static int answered(struct emu *e, int since, int status)
{
	yajl_val log = emu_requests_tree(e, since);
	int n = 0;
	for (size_t k = 0; log && YAJL_IS_ARRAY(log) && k < log->u.array.len; k++) {
		const char *path[] = {"status", NULL};
		yajl_val s = yajl_tree_get(log->u.array.values[k], path, yajl_t_number);
		n += s && YAJL_GET_INTEGER(s) == status;
	}
	yajl_tree_free(log);
	return n;
}

static void fmt_utc(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void test_partitions(SQLHENV env, struct emu *e, const struct ids *ref)
{
	char state[6], msg[512], filters[8][512], want[512], from[32], to[32];
	struct ids got;
	long long b[NPARTS + 1];
	int probes, ties;
	SQLHDBC dbc = connect_with(env, e, "ParallelReads=4");

	bounds(dbc, b, &ties);
	int before = emu_request_count(e);
	SQLRETURN rc = collect(dbc, "SELECT accountid FROM account", &got, 1, state, msg,
			       sizeof(msg));
	is_int(rc, SQL_NO_DATA, "ParallelReads=4: the scan ends normally");
	ok(same_ids(&got, ref), "ParallelReads=4: every account exactly once, the same ids");
	ids_free(&got);
	is_int(first_page_ordered(e, before), 1,
	       "the first page asks $select=accountid,createdon&$orderby=createdon asc,accountid asc");
	is_int((int)rows_downloaded(e, before), NROWS + 1 + ties,
	       "rows downloaded: the %d accounts, the probe's row and the first page's %d in its "
	       "last second again", NROWS, ties);
	int n = partition_filters(e, before, filters, 8, &probes);
	is_int(probes, 1, "one createdon probe ($top=1, desc)");
	is_int(n, NPARTS, "four partitions");
	for (int i = 0; i < NPARTS && i < n; i++) {
		fmt_utc(b[i], from, sizeof(from));
		fmt_utc(b[i + 1], to, sizeof(to));
		if (i == NPARTS - 1)
			snprintf(want, sizeof(want), "createdon ge %s", from);
		else
			snprintf(want, sizeof(want), "createdon ge %s and createdon lt %s", from, to);
		int found = 0;
		for (int j = 0; j < n; j++)
			found |= strcmp(filters[j], want) == 0;
		ok(found, "partition %d asks $filter=%s", i, want);
		if (!found)
			for (int j = 0; j < n; j++)
				printf("#   got %s\n", filters[j]);
	}
	/* a one-page result: the probe sent beside the first page is cancelled
	 * (or already answered): one row, at most that one probe, no partition */
	before = emu_request_count(e);
	rc = collect(dbc, "SELECT accountid FROM account WHERE accountnumber = 'no such number'",
		     &got, 1, state, msg, sizeof(msg));
	n = partition_filters(e, before, filters, 8, &probes);
	ok(rc == SQL_NO_DATA && got.n == 0 && n == 0 && probes <= 1,
	   "a one-page result: %zu rows, %d partitions, %d probe(s)", got.n, n, probes);
	ids_free(&got);
	/* a filtered scan: the user's filter and-ed with each range */
	before = emu_request_count(e);
	rc = collect(dbc, "SELECT accountid FROM account WHERE statecode = 0", &got, 1, state, msg,
		     sizeof(msg));
	n = partition_filters(e, before, filters, 8, &probes);
	ok(n == 0 || strncmp(filters[0], "(statecode eq 0) and (", 22) == 0,
	   "a WHERE clause is and-ed with each range: %s", n ? filters[0] : "(not partitioned)");
	ids_free(&got);
	close_dbc(dbc);
}

static void insert_account(SQLHDBC dbc, const char *id, const char *name)
{
	char sql[256];
	SQLHSTMT st;
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (id)
		snprintf(sql, sizeof(sql), "INSERT INTO account (accountid, name) VALUES ('%s', '%s')",
			 id, name);
	else
		snprintf(sql, sizeof(sql), "INSERT INTO account (name) VALUES ('%s')", name);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS), SQL_HANDLE_STMT, st, sql);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

/* Rows whose createdon is exactly a bound: one per inner bound. */
static void test_ties(SQLHENV env, struct emu *e)
{
	char state[6], msg[512], clock[96], t[32];
	struct ids ref, got;
	long long b[NPARTS + 1];
	int ties;
	emu_reset(e);
	SQLHDBC dbc = connect_with(env, e, "ParallelReads=4");
	bounds(dbc, b, &ties);
	for (int i = 0; i < NPARTS; i++) {
		fmt_utc(b[i], t, sizeof(t));
		snprintf(clock, sizeof(clock), "{\"now\":\"%s\"}", t);
		emu_post(e, "/_emu/clock", clock);
		insert_account(dbc, NULL, "on a bound");
		if (i == 0) { /* ties with the first page's last row: a key sorting
			       * first (on the first page) and one sorting last (not) */
			insert_account(dbc, "00000000-0000-4000-8000-000000000000", "tie, low key");
			insert_account(dbc, "ffffffff-ffff-4fff-bfff-fffffffffffe", "tie, high key");
		}
	}
	emu_post(e, "/_emu/clock", "{\"now\":null}");
	SQLHDBC one = connect_with(env, e, "ParallelReads=1");
	collect(one, "SELECT accountid FROM account", &ref, 1, state, msg, sizeof(msg));
	is_int((int)ref.n, NROWS + NPARTS + 2,
	       "six rows created exactly on the bounds (three in the first page's last second)");
	collect(dbc, "SELECT accountid FROM account", &got, 1, state, msg, sizeof(msg));
	ok(same_ids(&got, &ref), "rows on the bounds come exactly once (ge/lt, first-page ties)");
	ids_free(&ref);
	ids_free(&got);
	close_dbc(one);
	close_dbc(dbc);
}

/* A row created while the partitions run (key sorting last) comes once. */
static void test_created_during_read(SQLHENV env, struct emu *e, const struct ids *ref)
{
	static const char *late = "ffffffff-ffff-4fff-bfff-ffffffffffff";
	char buf[64];
	SQLLEN ind;
	SQLHSTMT st;
	size_t n = 0, late_seen = 0;
	emu_reset(e);
	SQLHDBC dbc = connect_with(env, e, "ParallelReads=4");
	SQLHDBC writer = connect_with(env, e, "ParallelReads=1");
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"SELECT accountid FROM account", SQL_NTS),
	      SQL_HANDLE_STMT, st, "partitioned scan opened");
	SQLBindCol(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	while (SQL_SUCCEEDED(SQLFetch(st))) {
		if (n++ == 10)
			insert_account(writer, late, "created during the read");
		late_seen += strcmp(buf, late) == 0;
	}
	is_int((int)n, (int)ref->n + 1, "all %zu accounts and the new one", ref->n);
	is_int((int)late_seen, 1, "the account created during the read comes once");
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	close_dbc(writer);
	close_dbc(dbc);
}

/* Every token revoked while the partitions run: each partition's next
 * request gets a 401, the shared token is refreshed, rows come once. */
static void test_token_expiry(SQLHENV env, struct emu *e, const struct ids *ref)
{
	char buf[64];
	SQLLEN ind;
	SQLHSTMT st;
	struct ids got = {0};
	emu_reset(e);
	SQLHDBC dbc = connect_with(env, e, "ParallelReads=4");
	int before = emu_request_count(e);
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	rc_ok(SQLExecDirect(st, (SQLCHAR *)"SELECT accountid FROM account", SQL_NTS),
	      SQL_HANDLE_STMT, st, "partitioned scan opened");
	SQLBindCol(st, 1, SQL_C_CHAR, buf, sizeof(buf), &ind);
	SQLRETURN rc;
	while ((rc = SQLFetch(st)) == SQL_SUCCESS) {
		if (got.n == 10) {
			/* the partitions stop once their page buffers are full; the
			 * emulator refuses tokens issued up to a second after this */
			sleep(3);
			is_int(emu_post(e, "/_emu/revoke-tokens", NULL), 204, "tokens revoked mid-read");
			sleep(3);
		}
		if (got.n == got.cap) {
			got.cap = got.cap ? got.cap * 2 : 1024;
			got.v = realloc(got.v, got.cap * sizeof(*got.v));
		}
		got.v[got.n++] = strdup(buf);
	}
	is_int(rc, SQL_NO_DATA, "token expiry: the scan ends normally");
	qsort(got.v, got.n, sizeof(*got.v), cmp_str);
	ok(same_ids(&got, ref), "token expiry: every account exactly once");
	int rejected = answered(e, before, 401);
	ok(rejected >= 1, "token expiry: the service refused the old token %d times", rejected);
	ids_free(&got);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	close_dbc(dbc);
}

/* Faults in the middle of partitions: rows still come exactly once. */
static void test_faults(SQLHENV env, struct emu *e, const struct ids *ref)
{
	static const struct {
		const char *what;
		const char *fault;
		const char *status; /* the log shows it this many times */
		int times;
	} faults[] = {
		{"a 429 storm (Retry-After 1)",
		 "{\"count\":8,\"kind\":\"429\",\"retry_after\":1,\"match\":\"skiptoken\"}", "429", 8},
		{"connection resets", "{\"count\":4,\"kind\":\"reset\",\"match\":\"skiptoken\"}", NULL, 4},
		{"truncated bodies", "{\"count\":4,\"kind\":\"truncate\",\"match\":\"skiptoken\"}", NULL, 0},
	};
	char state[6], msg[512];
	emu_reset(e);
	SQLHDBC dbc = connect_with(env, e, "ParallelReads=4;Timeout=60");
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		struct ids got;
		int before = emu_request_count(e);
		emu_fault(e, faults[i].fault);
		SQLRETURN rc = collect(dbc, "SELECT accountid FROM account", &got, 1, state, msg,
				       sizeof(msg));
		is_int(rc, SQL_NO_DATA, "%s: the scan ends normally %s", faults[i].what, msg);
		ok(same_ids(&got, ref), "%s: every account exactly once", faults[i].what);
		ids_free(&got);
		if (faults[i].status)
			is_int(answered(e, before, atoi(faults[i].status)), faults[i].times,
			       "%s: the service answered %s %d times", faults[i].what,
			       faults[i].status, faults[i].times);
		emu_clear_faults(e);
	}
	close_dbc(dbc);
}

static void test_long_retry_after(SQLHENV env, struct emu *e)
{
	char state[6], msg[1024];
	struct ids got;
	emu_reset(e);
	SQLHDBC dbc = connect_with(env, e, "ParallelReads=4;MaxRetryWait=2");
	emu_fault(e, "{\"count\":1,\"kind\":\"429\",\"retry_after\":300,\"match\":\"skiptoken\"}");
	time_t t0 = time(NULL);
	SQLRETURN rc = collect(dbc, "SELECT accountid FROM account", &got, 0, state, msg,
			       sizeof(msg));
	is_int(rc, SQL_ERROR, "Retry-After 300 with MaxRetryWait=2: the fetch fails");
	is_str(state, "HY000", "  HY000");
	ok(strstr(msg, "Retry-After: 300") && strstr(msg, "MaxRetryWait=2") &&
	   strstr(msg, "Number of requests exceeded"),
	   "  says how long the service asked to wait and what to change: %s", msg);
	ok(time(NULL) - t0 < 60, "  without waiting the 300 s");
	ok(got.n < NROWS, "  the result is not reported as complete (%zu rows)", got.n);
	ids_free(&got);
	close_dbc(dbc);
}

/* Runs sql and collects every row as its columns joined by '|', in the
 * order they come.  Returns the SQLFetch code that ended it. */
static SQLRETURN collect_rows(SQLHDBC dbc, const char *sql, struct ids *out, char *msg,
			      size_t msg_size)
{
	SQLHSTMT st;
	SQLRETURN rc;
	SQLSMALLINT ncols = 0;
	char state[6];
	memset(out, 0, sizeof(*out));
	msg[0] = '\0';
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	if (SQL_SUCCEEDED(rc))
		SQLNumResultCols(st, &ncols);
	while (SQL_SUCCEEDED(rc) && ((rc = SQLFetch(st)) == SQL_SUCCESS ||
				     rc == SQL_SUCCESS_WITH_INFO)) {
		char row[1024] = "", buf[256];
		for (SQLSMALLINT c = 1; c <= ncols; c++) {
			SQLLEN ind;
			SQLGetData(st, (SQLUSMALLINT)c, SQL_C_CHAR, buf, sizeof(buf), &ind);
			snprintf(row + strlen(row), sizeof(row) - strlen(row), "%s%s", c > 1 ? "|" : "",
				 ind == SQL_NULL_DATA ? "NULL" : buf);
		}
		ids_add(out, row);
	}
	if (rc == SQL_ERROR)
		diag1(SQL_HANDLE_STMT, st, state, msg, msg_size);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return rc;
}

/* 1 when a and b are the same rows in the same order, else prints where. */
static int same_rows(const struct ids *a, const struct ids *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0) {
			printf("#   row %zu: %s\n#   expected %s\n", i, a->v[i], b->v[i]);
			return 0;
		}
	if (a->n != b->n)
		printf("#   %zu rows, expected %zu\n", a->n, b->n);
	return a->n == b->n;
}

/* The requests of a merged scan since `since`: the scan's own first page
 * (orderby, no createdon range), partitions' first pages (a createdon
 * range, no skiptoken), of which *same ask exactly orderby, and probes. */
static void merged_requests(struct emu *e, int since, const char *orderby, int *first,
			    int *parts, int *same, int *probes)
{
	char *log = emu_requests(e, since), *line, *save = NULL, want[256];
	snprintf(want, sizeof(want), "$orderby=%s", orderby);
	*first = *parts = *same = *probes = 0;
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dec[2048];
		url_decode(line, dec, sizeof(dec));
		if (!strstr(dec, "/accounts?") || strstr(dec, "skiptoken"))
			continue;
		const char *o = strstr(dec, want);
		int exact = o && (o[strlen(want)] == '&' || o[strlen(want)] == ' ' ||
				  o[strlen(want)] == '\0');
		if (strstr(dec, "$top=1")) {
			(*probes)++;
		} else if (strstr(dec, "createdon ge ") || strstr(dec, "createdon lt ")) {
			(*parts)++;
			*same += exact;
		} else if (exact) {
			(*first)++;
		}
	}
	free(log);
}

/* What a merged read asked for: merged_requests' counts. */
struct merge_counts {
	int first, parts, same, probes;
};

/* Reads q on dbc into rows (collect_rows), the emulator's config set to
 * `during` for the read and to `after` once it is done (NULL: left as it
 * is); *m: the read's requests, merged_requests for orderby.  Returns the
 * SQLFetch code that ended the read. */
static SQLRETURN read_merged(SQLHDBC dbc, struct emu *e, const char *q, const char *during,
			     const char *after, const char *orderby, struct ids *rows,
			     struct merge_counts *m, char *msg, size_t msg_size)
{
	if (during)
		emu_post(e, "/_emu/config", during);
	int before = emu_request_count(e);
	SQLRETURN rc = collect_rows(dbc, q, rows, msg, msg_size);
	if (after)
		emu_post(e, "/_emu/config", after);
	merged_requests(e, before, orderby, &m->first, &m->parts, &m->same, &m->probes);
	return rc;
}

/* Accounts whose names are equal or close under the service's collation,
 * created across the partitions' span, revenue NULL for some. */
static void add_collation_rows(SQLHENV env, struct emu *e)
{
	static const char *names[] = {
		"café", "Cafe", "CAFÉ", "cafe  ", "Cafés", "Éclair", "eclair", "ECLAIR",
		"zoë", "Zoe", "ZOË", "Ångström", "angstrom", "Ñandú", "nandu", "Øyvind",
		"oyvind", "Straße", "STRASSE", "a", "A", "à", "Contoso Ltd", "contoso ltd",
	};
	char state[6], msg[512], clock[96], t[32], sql[256];
	long long b[NPARTS + 1];
	int ties;
	SQLHDBC dbc = connect_with(env, e, "ParallelReads=4");
	bounds(dbc, b, &ties);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fmt_utc(b[i % NPARTS] + 1 + (long long)(i / NPARTS), t, sizeof(t));
		snprintf(clock, sizeof(clock), "{\"now\":\"%s\"}", t);
		emu_post(e, "/_emu/clock", clock);
		/* created through the Web API (the service's side): the names are
		 * UTF-8, which iODBC's ANSI calls would convert by the C locale */
		if (i % 3 == 0)
			snprintf(sql, sizeof(sql), "{\"name\":\"%s\"}", names[i]);
		else
			snprintf(sql, sizeof(sql), "{\"name\":\"%s\",\"revenue\":%d}", names[i],
				 (int)(i % 4) * 1000);
		is_int(emu_webapi(e, "POST", "accounts", sql, NULL), 204, "create %s", sql);
	}
	emu_post(e, "/_emu/clock", "{\"now\":null}");
	(void)state;
	(void)msg;
	close_dbc(dbc);
}

/* The primary key in SQL Server's uniqueidentifier order, as SQLite text. */
#define GUID_KEY                                                                            \
	"substr(lower(accountid),25,12)||substr(lower(accountid),20,4)||"                     \
	"substr(lower(accountid),17,2)||substr(lower(accountid),15,2)||"                      \
	"substr(lower(accountid),12,2)||substr(lower(accountid),10,2)||"                      \
	"substr(lower(accountid),7,2)||substr(lower(accountid),5,2)||"                        \
	"substr(lower(accountid),3,2)||substr(lower(accountid),1,2)"
#define MERGE_COLS "accountid, name, revenue, createdon"

static void test_merged_order(SQLHENV env, struct emu *e)
{
	/* text keys are not merged: the real service orders text by its
	 * collation's Windows sort weights, which DVNOCASE follows for letters
	 * only (docs/sql.md), and a merge by one order of pages sorted by
	 * another would give neither order: ORDER BY name stays one chain */
	static const struct {
		const char *what, *order, *local, *orderby;
		int merged;
	} cases[] = {
		{"ORDER BY name", "ORDER BY name", "ORDER BY (name || '') COLLATE DVNOCASE, " GUID_KEY,
		 "name asc,accountid asc", 0},
		{"ORDER BY revenue", "ORDER BY revenue", "ORDER BY revenue + 0, " GUID_KEY,
		 "revenue asc,accountid asc", 1},
		{"ORDER BY createdon DESC", "ORDER BY createdon DESC",
		 "ORDER BY (createdon || '') DESC, " GUID_KEY, "createdon desc,accountid asc", 1},
		{"WHERE revenue > 0 ORDER BY revenue DESC", "WHERE revenue > 0 ORDER BY revenue DESC",
		 "WHERE revenue > 0 ORDER BY revenue + 0 DESC, " GUID_KEY,
		 "revenue desc,accountid asc", 1},
		{"WHERE revenue > 0 ORDER BY name DESC", "WHERE revenue > 0 ORDER BY name DESC",
		 "WHERE revenue > 0 ORDER BY (name || '') COLLATE DVNOCASE DESC, " GUID_KEY,
		 "name desc,accountid asc", 0},
	};
	char msg[512], sql[1024];
	emu_reset(e);
	add_collation_rows(env, e);
	SQLHDBC one = connect_with(env, e, "ParallelReads=1");
	SQLHDBC four = connect_with(env, e, "ParallelReads=4;Timeout=60");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ids chain, merged, local;
		struct merge_counts m;
		snprintf(sql, sizeof(sql), "SELECT " MERGE_COLS " FROM account %s", cases[i].order);
		collect_rows(one, sql, &chain, msg, sizeof(msg));
		SQLRETURN rc = read_merged(four, e, sql, NULL, NULL, cases[i].orderby, &merged, &m,
					   msg, sizeof(msg));
		is_int(rc, SQL_NO_DATA, "%s, ParallelReads=4: ends normally %s", cases[i].what, msg);
		if (cases[i].merged)
			ok(m.first == 1 && m.parts == NPARTS && m.same == NPARTS && m.probes == 2,
			   "%s: the scan's first page, %d partitions each with $orderby=%s, 2 "
			   "probes (got %d, %d, %d, %d)", cases[i].what, NPARTS, cases[i].orderby,
			   m.first, m.parts, m.same, m.probes);
		else
			ok(m.first == 1 && m.parts == 0,
			   "%s: a text order is not merged: one chain with $orderby=%s (got %d "
			   "first pages, %d partitions)", cases[i].what, cases[i].orderby, m.first,
			   m.parts);
		if (strstr(cases[i].order, "WHERE"))
			ok(chain.n > 100 && chain.n < NROWS, "%s, ParallelReads=1: %zu accounts",
			   cases[i].what, chain.n);
		else
			is_int((int)chain.n, NROWS + 24, "%s, ParallelReads=1: every account",
			       cases[i].what);
		ok(same_rows(&merged, &chain), "%s: ParallelReads=4 gives the rows of one chain, "
		   "in the same order", cases[i].what);
		snprintf(sql, sizeof(sql), "SELECT /* dvodbc:local */ " MERGE_COLS " FROM account %s",
			 cases[i].local);
		collect_rows(one, sql, &local, msg, sizeof(msg));
		ok(same_rows(&merged, &local), "%s: the same rows in the same order as sorted "
		   "locally %s", cases[i].what, msg);
		ids_free(&chain);
		ids_free(&merged);
		ids_free(&local);
	}
	/* a LIMIT above 5000 is a row budget: merged, each partition capped */
	{
		struct ids chain, merged;
		struct merge_counts m;
		const char *q = "SELECT " MERGE_COLS " FROM account ORDER BY revenue LIMIT 5001";
		collect_rows(one, q, &chain, msg, sizeof(msg));
		read_merged(four, e, q, NULL, NULL, "revenue asc,accountid asc", &merged, &m, msg,
			    sizeof(msg));
		ok(m.parts == NPARTS && m.same == NPARTS, "LIMIT 5001 (a row budget): %d partitions "
		   "(got %d)", NPARTS, m.parts);
		ok(chain.n == NROWS + 24 && same_rows(&merged, &chain),
		   "LIMIT 5001: the rows of one chain, in order");
		ids_free(&chain);
		ids_free(&merged);
	}
	/* a 429 storm in the middle of the partitions */
	{
		struct ids chain, merged;
		const char *q = "SELECT " MERGE_COLS " FROM account ORDER BY revenue DESC";
		collect_rows(one, q, &chain, msg, sizeof(msg));
		int before = emu_request_count(e);
		emu_fault(e, "{\"count\":8,\"kind\":\"429\",\"retry_after\":1,"
			     "\"match\":\"skiptoken\"}");
		SQLRETURN rc = collect_rows(four, q, &merged, msg, sizeof(msg));
		emu_clear_faults(e);
		is_int(rc, SQL_NO_DATA, "ORDER BY revenue DESC under a 429 storm: ends normally %s",
		       msg);
		ok(same_rows(&merged, &chain), "ORDER BY revenue DESC under a 429 storm: the same "
		   "rows, in the same order");
		is_int(answered(e, before, 429), 8, "ORDER BY revenue DESC under a 429 storm: the "
		       "service answered 429 8 times");
		ids_free(&chain);
		ids_free(&merged);
	}
	close_dbc(one);
	close_dbc(four);
}

static void test_auto(SQLHENV env, struct emu *e)
{
	char msg[512];
	struct ids got;
	int parts, probes;
	emu_reset(e);
	/* automatic: a first page of 100 rows is not worth partitioning */
	SQLHDBC dbc = connect_with(env, e, "Prefetch=true");
	parts = read_accounts(dbc, e, NULL, NULL, 0, &got, &probes, msg, sizeof(msg));
	is_int(parts + probes, 0, "automatic: a 100-row first page is read as one chain");
	is_int((int)got.n, NROWS, "automatic: all rows");
	ids_free(&got);
	close_dbc(dbc);
	/* automatic with 1000-row pages that come back at once: the reader is
	 * what takes the time, one chain */
	dbc = connect_with(env, e, "PageSize=1000");
	parts = read_accounts(dbc, e, NULL, NULL, 0, &got, &probes, msg, sizeof(msg));
	is_int(parts + probes, 0,
	       "automatic, 1000-row pages the service answers at once: one chain");
	is_int((int)got.n, NROWS, "automatic, fast pages: all rows");
	ids_free(&got);
	/* automatic with 1000-row pages that take the service 300 ms each:
	 * partitioned (x-ms-dop-hint 4) */
	parts = read_accounts(dbc, e, "{\"page_think_ms\":300}", "{\"page_think_ms\":0}", 0, &got,
			      &probes, msg, sizeof(msg));
	is_int(parts, 4, "automatic, 1000-row pages of 300 ms: x-ms-dop-hint 4 partitions");
	is_int((int)got.n, NROWS, "automatic: all rows");
	ids_free(&got);
	/* the hint the service sends with the first page is the one followed */
	parts = read_accounts(dbc, e, "{\"page_think_ms\":300,\"dop_hint\":6}",
			      "{\"page_think_ms\":0,\"dop_hint\":4}", 1, &got, &probes, msg,
			      sizeof(msg));
	is_int(parts, 6, "automatic: the first page's x-ms-dop-hint 6, 6 partitions");
	is_int((int)got.n, NROWS, "automatic, 6 partitions: all rows %s", msg);
	int dups = 0;
	for (size_t i = 1; i < got.n; i++)
		dups += strcmp(got.v[i - 1], got.v[i]) == 0;
	is_int(dups, 0, "automatic, 6 partitions: each row once");
	ids_free(&got);
	/* ORDER BY with pages of 300 ms: merged, the rows and order of one chain */
	{
		struct ids chain, merged;
		struct merge_counts m;
		const char *q = "SELECT " MERGE_COLS " FROM account ORDER BY createdon";
		SQLHDBC one = connect_with(env, e, "PageSize=1000;ParallelReads=1");
		collect_rows(one, q, &chain, msg, sizeof(msg));
		close_dbc(one);
		read_merged(dbc, e, q, "{\"page_think_ms\":300}", "{\"page_think_ms\":0}",
			    "createdon asc,accountid asc", &merged, &m, msg, sizeof(msg));
		ok(m.parts == 4 && m.same == 4, "automatic, ORDER BY createdon, pages of 300 ms: 4 "
		   "partitions with the same $orderby (got %d, %d)", m.parts, m.same);
		ok(chain.n == NROWS && same_rows(&merged, &chain),
		   "automatic, ORDER BY createdon: the rows of one chain, in the same order");
		ids_free(&chain);
		ids_free(&merged);
	}
	close_dbc(dbc);
}

/* A LIMIT above 5000 (a row budget) over a table four partitions of
 * which each hold more than the budget: the answer's rows in order, and
 * every partition stops early (each reads at most the budget's rows; in
 * practice the merge holds them back long before). */
static void test_limit_stops_partitions(SQLHENV env, struct emu *main_emu)
{
	enum { BIG = 24000, LIMIT = 5001, PAGE = 834 }; /* 5001 rows: 6 pages of 834 */
	const char *q = "SELECT accountid, revenue FROM account ORDER BY revenue LIMIT 5001";
	struct emu big;
	struct ids chain, merged;
	char args[64], msg[512];
	int first, parts, same, probes;
	snprintf(args, sizeof(args), "--rows %d", BIG);
	start_emulator(&big, args, NULL);
	emu_post(&big, "/_emu/config", "{\"log_rows\":true}");
	SQLHDBC one = connect_with(env, &big, "PageSize=1000;ParallelReads=1");
	SQLHDBC four = connect_with(env, &big, "PageSize=1000;ParallelReads=4");
	collect_rows(one, q, &chain, msg, sizeof(msg));
	int before = emu_request_count(&big);
	SQLRETURN rc = collect_rows(four, q, &merged, msg, sizeof(msg));
	long down = rows_downloaded(&big, before);
	merged_requests(&big, before, "revenue asc,accountid asc", &first, &parts, &same,
			&probes);
	is_int(rc, SQL_NO_DATA, "LIMIT %d over %d rows, ParallelReads=4: ends normally %s", LIMIT,
	       BIG, msg);
	ok(parts == 4 && same == 4, "LIMIT %d over %d rows: 4 partitions with the same $orderby "
	   "(got %d)", LIMIT, BIG, parts);
	ok(chain.n == LIMIT && same_rows(&merged, &chain),
	   "LIMIT %d over %d rows: the %d rows of one chain, in order", LIMIT, BIG, LIMIT);
	ok(down > LIMIT && down <= PAGE + 4L * LIMIT + 2,
	   "LIMIT %d: every partition stops early: %ld rows downloaded, at most the first page, "
	   "%d per partition and the probes' 2 (the table: %d)", LIMIT, down, LIMIT, BIG);
	ids_free(&chain);
	ids_free(&merged);
	close_dbc(one);
	close_dbc(four);
	emu_stop(&big);
	test_emu = main_emu; /* the driver manager keeps reading its odbcinst.ini */
}

int main(void)
{
	struct emu e;
	struct ids ref;
	char args[64];
	snprintf(args, sizeof(args), "--rows %d", NROWS);
	start_emulator(&e, args, NULL);
	emu_post(&e, "/_emu/config", "{\"log_rows\":true}");
	SQLHENV env = new_env(SQL_OV_ODBC3);
	reference_ids(env, &e, &ref);
	test_partitions(env, &e, &ref);
	test_faults(env, &e, &ref);
	test_token_expiry(env, &e, &ref);
	test_long_retry_after(env, &e);
	test_auto(env, &e);
	test_merged_order(env, &e);
	test_created_during_read(env, &e, &ref);
	test_ties(env, &e);
	ids_free(&ref);
	test_limit_stops_partitions(env, &e);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
	emu_stop(&e);
	return tap_done();
}
