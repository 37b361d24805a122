/* test_eng_join.c - a join's inner side is read once and looked up by key.
 *
 * 20,000 contacts joined to the ~5,000 accounts created before mid-2020:
 * the rows equal those SQLite computes itself over copies of both sides
 * (temp tables, no virtual table involved), the service sees each side
 * once (plus the first key's request), and the materialized side hands
 * SQLite only the rows with the outer row's key: the engine's counters
 * show O(N + M) work, not N x M.  Also: NULL keys match nothing, keys of
 * another case match (GUID text is case-insensitive), an integer key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/engine_int.h"
#include "engine_stack.h"
#include "util/buf.h"

static struct emu emu;

/* Rows as "a|b\n" lines (NULL on error, diagnosed). */
static char *run(struct engine_stack *s, const char *sql)
{
	struct dv_error err;
	char *rows = engine_stack_run(s, sql, NULL, &err);
	if (!rows)
		tap_diag("%s: %s", sql, err.message);
	return rows;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* Data requests (no token or metadata requests) since the reset. */
static int data_requests(void)
{
	char *req = engine_stack_data_requests(&emu);
	int n = count_lines(req);
	free(req);
	return n;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define ACCOUNT_CUT "a.createdon < '2020-06-01 00:00:00'"

static void test_big_join(struct engine_stack *s)
{
	char *joined, *expect, *c_copy, *a_copy;
	int n_join, n_copy;
	unsigned long visited, probes;
	double t0, t1;
	emu_reset(&emu);
	c_copy = run(s, "CREATE TEMP TABLE xc AS SELECT contactid, fullname, parentcustomerid "
		     "FROM contact");
	a_copy = run(s, "CREATE TEMP TABLE xa AS SELECT accountid, name, createdon FROM account a "
		     "WHERE " ACCOUNT_CUT);
	n_copy = data_requests();
	expect = run(s, "SELECT c.contactid, c.fullname, a.name FROM xc c JOIN xa a "
		     "ON a.accountid = c.parentcustomerid ORDER BY c.contactid");
	ok(c_copy && a_copy && expect, "both sides copied into SQLite's own tables");
	emu_reset(&emu);
	s->eng->cache_rows_visited = s->eng->cache_probes = 0;
	t0 = now_s();
	joined = run(s, "SELECT c.contactid, c.fullname, a.name FROM contact c JOIN account a "
		     "ON a.accountid = c.parentcustomerid WHERE " ACCOUNT_CUT
		     " ORDER BY c.contactid");
	t1 = now_s();
	n_join = data_requests();
	visited = s->eng->cache_rows_visited;
	probes = s->eng->cache_probes;
	ok(count_lines(expect) > 1000, "the join has rows (%d)", count_lines(expect));
	ok(joined && expect && strcmp(joined, expect) == 0,
	   "join rows equal SQLite's own join of the same data (%d rows)", count_lines(joined));
	/* the copies read each side once; the join does too, plus the requests
	 * for the first 8 outer rows' keys before the inner side materializes
	 * (vtab.c KEYS_BY_REQUEST) */
	is_int(n_join, n_copy + 8, "each side read once (+ the first 8 keys' requests)");
	ok(probes > 0, "the materialized side was probed by key (%lu probes)", probes);
	ok(visited <= (unsigned long)count_lines(joined),
	   "rows replayed (%lu) <= join rows (%d): O(matches) per outer row", visited,
	   count_lines(joined));
	tap_diag("20,000 x 5,000 join: %.2f s, %d requests, %lu probes, %lu rows replayed",
		 t1 - t0, n_join, probes, visited);
	free(joined);
	free(expect);
	free(c_copy);
	free(a_copy);
	free(run(s, "DROP TABLE xc"));
	free(run(s, "DROP TABLE xa"));
}

/* Keys of another case, NULL keys, integer keys. */
static void test_key_kinds(struct engine_stack *s)
{
	char *a, *b;
	a = run(s, "SELECT COUNT(*) FROM contact c JOIN account a ON a.accountid = "
		"c.parentcustomerid");
	b = run(s, "SELECT COUNT(*) FROM contact c JOIN account a ON a.accountid = "
		"upper(c.parentcustomerid)");
	ok(a && b && strcmp(a, b) == 0 && strcmp(a, "0\n") != 0,
	   "GUID keys match in any case (%s)", a ? a : "NULL");
	free(b);
	/* contacts without a parent (NULL key) are in the outer side */
	b = run(s, "SELECT COUNT(*) FROM contact WHERE parentcustomerid IS NULL");
	ok(b && strcmp(b, "0\n") != 0, "some contacts have a NULL key (%s)", b ? b : "NULL");
	free(a);
	free(b);
	/* non-ASCII case in a LIKE SQLite evaluates itself ('_' keeps it local):
	 * 'Ö' matches 'ö' as at the service */
	a = run(s, "SELECT COUNT(*) FROM contact WHERE fullname LIKE '%björ_ %'");
	b = run(s, "SELECT COUNT(*) FROM contact WHERE fullname LIKE '%BJÖR_ %'");
	ok(a && b && strcmp(a, b) == 0 && strcmp(a, "0\n") != 0,
	   "local LIKE folds Ö/ö (%s)", a ? a : "NULL");
	free(a);
	free(b);
	/* integer key: statecode of the outer row looks up the inner one */
	a = run(s, "SELECT COUNT(*) FROM (SELECT statecode FROM account LIMIT 3) x "
		"JOIN account a ON a.statecode = x.statecode");
	b = run(s, "SELECT (SELECT COUNT(*) FROM account WHERE statecode = "
		"(SELECT statecode FROM account LIMIT 1 OFFSET 0)) + "
		"(SELECT COUNT(*) FROM account WHERE statecode = "
		"(SELECT statecode FROM account LIMIT 1 OFFSET 1)) + "
		"(SELECT COUNT(*) FROM account WHERE statecode = "
		"(SELECT statecode FROM account LIMIT 1 OFFSET 2))");
	ok(a && b && strcmp(a, b) == 0, "integer keys: %s = %s", a ? a : "NULL",
	   b ? b : "NULL");
	free(a);
	free(b);
}

/* An IN subquery of more keys than one request holds: the keys go in
 * batches of 200 (plan.c IN_MAX), one request each, never the whole table. */
static void test_long_in_list(struct engine_stack *s)
{
	char *got, *want, *req;
	const char *p;
	int batches = 0, whole = 0;
	long keys;
	emu_reset(&emu);
	want = run(s, "SELECT COUNT(DISTINCT parentcustomerid) FROM contact WHERE lastname = "
		   "'Smith' AND parentcustomerid IS NOT NULL");
	keys = want ? atol(want) : 0;
	emu_reset(&emu);
	got = run(s, "SELECT COUNT(*) FROM account WHERE accountid IN (SELECT parentcustomerid "
		  "FROM contact WHERE lastname = 'Smith')");
	req = engine_stack_data_requests(&emu);
	for (p = req; p && (p = strstr(p, "/accounts?")); p++) {
		if (strncmp(p, "/accounts?$select=accountid&$filter=(accountid%20eq%20", 54) == 0)
			batches++;
		else
			whole++;
	}
	ok(keys > 200, "more keys than one request holds (%ld)", keys);
	ok(got && want && strcmp(got, want) == 0, "IN subquery: every key's account once (%s)",
	   got ? got : "NULL");
	is_int(batches, (int)((keys + 199) / 200), "one request per 200 keys");
	is_int(whole, 0, "no account request without the keys");
	free(got);
	free(want);
	free(req);
}

int main(void)
{
	struct engine_stack s;
	const char *rows = getenv("DVTEST_JOIN_ROWS");   /* smaller runs while debugging */
	char args[64];
	snprintf(args, sizeof(args), "--rows %s --seed 1", rows ? rows : "20000");
	if (emu_start(&emu, args) != 0) {
		ok(0, "emulator starts");
		return tap_done();
	}
	if (engine_stack_open(&s, &emu, "IncludeFormattedValues=false") == 0) {
		test_big_join(&s);
		test_key_kinds(&s);
		test_long_in_list(&s);
		engine_stack_close(&s);
	} else {
		ok(0, "stack opens");
	}
	emu_stop(&emu);
	return tap_done();
}
