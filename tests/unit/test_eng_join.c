/* test_eng_join.c - a join's inner side is read by batches of keys.
 *
 * Every join and correlated subquery here gives the rows SQLite computes
 * itself over copies of the tables (temp tables, no virtual table
 * involved), and the service sees the outer side once and the inner side
 * only by batches of the outer keys (vtab.c KEY BATCHES), each key named
 * once, never one request per outer row and never the inner table whole
 * (an inner join's outer side asks only for its rows with a partner,
 * pushdown_semijoin.c JOINS: their keys are the ones named):
 * a join of 5 accounts and their contacts, the same as a correlated
 * scalar subquery and as a LEFT JOIN (2 requests each), ~5,800 and 9,000
 * accounts joined to their contacts, a join of three tables.  The batches
 * hand SQLite only the rows with the outer row's key: the engine's
 * counters show O(N + M) work, not N x M.  Also: NULL keys match nothing,
 * keys of another case match (GUID text is case-insensitive), an integer
 * key (read the old way), an IN list of more keys than one request holds;
 * a join of accounts with a temp table gets no semi-join term and sends no
 * metadata request. */
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

/* The data requests to one entity set since the reset. */
struct reqs {
	int n;              /* requests */
	int unkeyed;        /* requests without key terms: the table read whole */
	int keys;           /* key terms, over all requests */
	size_t max_url;     /* the longest URL */
	long rows;          /* rows the answers held (config log_rows) */
};

/* set: "/contacts?"; term: the encoded key term, "_parentcustomerid_value%20eq%20". */
static struct reqs reqs_to(const char *set, const char *term)
{
	struct reqs r = {0, 0, 0, 0, 0};
	const char *upath[] = {"url", NULL}, *rpath[] = {"rows", NULL};
	yajl_val tree = emu_requests_tree(&emu, 0);
	for (size_t i = 0; tree && YAJL_IS_ARRAY(tree) && i < tree->u.array.len; i++) {
		yajl_val u = yajl_tree_get(tree->u.array.values[i], upath, yajl_t_string);
		yajl_val rows = yajl_tree_get(tree->u.array.values[i], rpath, yajl_t_number);
		const char *url = u ? YAJL_GET_STRING(u) : NULL, *p;
		int keys = 0;
		if (!url || !strstr(url, set))
			continue;
		for (p = strstr(url, term); p; p = strstr(p + 1, term))
			keys++;
		r.n++;
		r.unkeyed += keys == 0;
		r.keys += keys;
		if (strlen(url) > r.max_url)
			r.max_url = strlen(url);
		r.rows += rows ? (long)YAJL_GET_INTEGER(rows) : 0;
	}
	yajl_tree_free(tree);
	return r;
}

/* A fresh request log that counts each answer's rows. */
static void reset_log(void)
{
	emu_reset(&emu);
	emu_post(&emu, "/_emu/config", "{\"log_rows\":true}");
}

static long number(struct engine_stack *s, const char *sql)
{
	char *v = run(s, sql);
	long n = v ? atol(v) : -1;
	free(v);
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
	n_copy = reqs_to("/accounts?", "accountid%20eq%20").n;
	expect = run(s, "SELECT c.contactid, c.fullname, a.name FROM xc c JOIN xa a "
		     "ON a.accountid = c.parentcustomerid ORDER BY c.contactid");
	ok(c_copy && a_copy && expect, "both sides copied into SQLite's own tables");
	reset_log();
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
	{
		long outer = number(s, "SELECT COUNT(*) FROM xa WHERE accountid IN "
				   "(SELECT parentcustomerid FROM xc)");
		struct reqs c = reqs_to("/contacts?", "_parentcustomerid_value%20eq%20");
		is_int(c.unkeyed, 0, "contacts never read whole");
		is_int(c.keys, (int)outer, "each of the %ld accounts' keys (those with a contact) "
		       "sent once", outer);
		is_int((int)c.rows, count_lines(joined), "each joined contact read once");
		ok(c.n <= (int)(outer + 299) / 300 + 2, "%d contact requests for %ld keys", c.n,
		   outer);
		ok(reqs_to("/accounts?", "accountid%20eq%20").n <= n_copy,
		   "accounts read once (%d requests, as many as for their copy)",
		   reqs_to("/accounts?", "accountid%20eq%20").n);
		is_int(n_join, c.n + reqs_to("/accounts?", "accountid%20eq%20").n,
		       "no other request");
	}
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
	free(run(s, "DROP TABLE xa"));   /* xc stays for the tests below */
}

#define IN5 "('A-000001','A-000002','A-000003','A-000004','A-000005')"
#define PARENT_KEY "_parentcustomerid_value%20eq%20"

/* Runs sql on the service's tables and local on the copies (the same text
 * with account -> xall, contact -> xc, opportunity -> xo): the same rows. */
static char *same_rows(struct engine_stack *s, const char *sql, const char *local,
		       const char *what)
{
	char *want = run(s, local), *got;
	reset_log();
	got = run(s, sql);
	ok(got && want && strcmp(got, want) == 0 && count_lines(want) > 0,
	   "%s: the rows of SQLite's own join over copies (%d rows)", what, count_lines(want));
	if (got && want && strcmp(got, want) != 0)
		tap_diag("got:\n%s\nwant:\n%s", got, want);
	free(got);
	return want;
}

/* A selective outer side: 2 requests, the inner one naming its 5 keys. */
static void test_few_keys(struct engine_stack *s)
{
	char *inner, *left, *sub;
	struct reqs c;
	inner = same_rows(s, "SELECT a.name, c.fullname FROM account a JOIN contact c ON "
			  "c.parentcustomerid = a.accountid WHERE a.accountnumber IN " IN5
			  " ORDER BY 1, 2",
			  "SELECT a.name, c.fullname FROM xall a JOIN xc c ON "
			  "c.parentcustomerid = a.accountid WHERE a.accountnumber IN " IN5
			  " ORDER BY 1, 2", "join of 5 accounts");
	c = reqs_to("/contacts?", PARENT_KEY);
	is_int(data_requests(), 2, "join: 2 requests (accounts, then their contacts)");
	is_int(c.n, 1, "join: one contact request");
	is_int(c.keys, (int)number(s, "SELECT COUNT(*) FROM xall WHERE accountnumber IN " IN5
				   " AND accountid IN (SELECT parentcustomerid FROM xc)"),
	       "join: naming the keys of the 5 accounts that have a contact");
	is_int((int)c.rows, count_lines(inner), "join: only the joined contacts read");

	sub = same_rows(s, "SELECT a.accountnumber, (SELECT COUNT(*) FROM contact c WHERE "
			"c.parentcustomerid = a.accountid) FROM account a WHERE a.accountnumber "
			"IN " IN5 " ORDER BY 1",
			"SELECT a.accountnumber, (SELECT COUNT(*) FROM xc c WHERE "
			"c.parentcustomerid = a.accountid) FROM xall a WHERE a.accountnumber "
			"IN " IN5 " ORDER BY 1", "correlated scalar subquery");
	c = reqs_to("/contacts?", PARENT_KEY);
	is_int(data_requests(), 2, "subquery: 2 requests, not one per outer row");
	is_int(c.keys, 5, "subquery: the contact request names the 5 keys");

	left = same_rows(s, "SELECT a.accountnumber, c.fullname FROM account a LEFT JOIN contact "
			 "c ON c.parentcustomerid = a.accountid WHERE a.accountnumber IN " IN5
			 " ORDER BY 1, 2",
			 "SELECT a.accountnumber, c.fullname FROM xall a LEFT JOIN xc c ON "
			 "c.parentcustomerid = a.accountid WHERE a.accountnumber IN " IN5
			 " ORDER BY 1, 2", "LEFT JOIN");
	ok(count_lines(left) > count_lines(inner), "LEFT JOIN: accounts without contacts "
	   "are kept (%d rows, %d joined)", count_lines(left), count_lines(inner));
	is_int(data_requests(), 2, "LEFT JOIN: 2 requests");
	is_int(reqs_to("/contacts?", PARENT_KEY).keys, 5, "LEFT JOIN: naming the 5 keys");

	/* the other side a temp table: no semi-join term, no catalog look-up */
	free(same_rows(s, "SELECT a.name, c.fullname FROM account a JOIN xc c ON "
		       "c.parentcustomerid = a.accountid WHERE a.accountnumber IN " IN5
		       " ORDER BY 1, 2", "SELECT a.name, c.fullname FROM xall a JOIN xc c ON "
		       "c.parentcustomerid = a.accountid WHERE a.accountnumber IN " IN5
		       " ORDER BY 1, 2", "join with a temp table"));
	c = reqs_to("/accounts?", "$select=");
	is_int(c.n, 1, "temp table: the accounts in one request");
	is_int(reqs_to("/accounts?", "any(").keys, 0, "temp table: no any() term");
	is_int(reqs_to("EntityDefinitions", "$").n, 0, "temp table: no metadata request");
	free(inner);
	free(left);
	free(sub);
}

/* An outer side of 9,000 rows (two pages): its keys in batches, each once. */
static void test_many_keys(struct engine_stack *s)
{
	char sql[512], local[512], cut[64];
	char *v = run(s, "SELECT createdon FROM xall ORDER BY createdon LIMIT 1 OFFSET 9000");
	char *want;
	struct reqs c;
	long outer;
	snprintf(cut, sizeof(cut), "%.*s", v ? (int)strcspn(v, "\n") : 0, v ? v : "");
	free(v);
	snprintf(local, sizeof(local), "SELECT COUNT(*) FROM xall WHERE createdon < '%s'", cut);
	outer = number(s, local);
	is_int((int)outer, 9000, "9,000 accounts created before %s", cut);
	snprintf(sql, sizeof(sql), "SELECT a.accountid, c.contactid FROM account a JOIN contact c "
		 "ON c.parentcustomerid = a.accountid WHERE a.createdon < '%s' ORDER BY 1, 2", cut);
	snprintf(local, sizeof(local), "SELECT a.accountid, c.contactid FROM xall a JOIN xc c "
		 "ON c.parentcustomerid = a.accountid WHERE a.createdon < '%s' ORDER BY 1, 2", cut);
	want = same_rows(s, sql, local, "join of 9,000 accounts");
	c = reqs_to("/contacts?", PARENT_KEY);
	is_int(c.unkeyed, 0, "9,000: contacts never read whole");
	snprintf(local, sizeof(local), "SELECT COUNT(*) FROM xall WHERE createdon < '%s' AND "
		 "accountid IN (SELECT parentcustomerid FROM xc)", cut);
	is_int(c.keys, (int)number(s, local), "9,000: each key of an account with a contact sent "
	       "once");
	is_int((int)c.rows, count_lines(want), "9,000: each joined contact read once");
	ok(c.n <= (int)(outer + 299) / 300 + 2, "9,000: %d contact requests", c.n);
	ok(c.max_url < 32768, "9,000: URLs within the service's limit (longest %zu)",
	   c.max_url);
	free(want);
}

/* opportunity -> account -> contact: each inner side by its keys. */
static void test_three_tables(struct engine_stack *s)
{
	static const char where[] = " WHERE o.name LIKE 'Office Move%' ORDER BY 1, 2, 3";
	char sql[512], local[512];
	char *want;
	long akeys, ckeys;
	struct reqs a, c;
	snprintf(sql, sizeof(sql), "SELECT o.opportunityid, a.name, c.fullname FROM opportunity o "
		 "JOIN account a ON o.parentaccountid = a.accountid JOIN contact c ON "
		 "c.contactid = a.primarycontactid%s", where);
	snprintf(local, sizeof(local), "SELECT o.opportunityid, a.name, c.fullname FROM xo o "
		 "JOIN xall a ON o.parentaccountid = a.accountid JOIN xc c ON "
		 "c.contactid = a.primarycontactid%s", where);
	akeys = number(s, "SELECT COUNT(DISTINCT parentaccountid) FROM xo o "
		       "WHERE o.name LIKE 'Office Move%'");
	ckeys = number(s, "SELECT COUNT(DISTINCT a.primarycontactid) FROM xall a WHERE "
		       "a.accountid IN (SELECT parentaccountid FROM xo o WHERE "
		       "o.name LIKE 'Office Move%')");
	want = same_rows(s, sql, local, "three tables");
	a = reqs_to("/accounts?", "accountid%20eq%20");
	c = reqs_to("/contacts?", "contactid%20eq%20");
	is_int(reqs_to("/opportunities?", "$filter").n, 1, "three tables: opportunities once");
	is_int(a.unkeyed + c.unkeyed, 0, "three tables: accounts and contacts only by key");
	is_int(a.keys, (int)akeys, "three tables: each account key once (%d requests)", a.n);
	is_int(c.keys, (int)ckeys, "three tables: each contact key once (%d requests)", c.n);
	ok(a.n <= (int)(akeys + 299) / 300 + 2 && c.n <= (int)(ckeys + 299) / 300 + 2,
	   "three tables: %d + %d key requests for %ld + %ld keys", a.n, c.n, akeys, ckeys);
	free(want);
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
		const char *end = strchr(p, '\n');
		const char *f = strstr(p, "$filter=(accountid%20eq%20");
		if (strncmp(p, "/accounts?$select=accountid", 27) == 0 && f && (!end || f < end))
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

/* SPILL (vtab.c): the rows a join reads whole go to the temporary store
 * once they pass JoinMemoryMB (here 0: at once).  A text key no outer
 * cursor can batch (y.lastname = x.lastname, x first: CROSS JOIN keeps
 * SQLite's order) reads contact whole; the accounts are then read by
 * batches of keys taken from the stored rows.  The same rows as SQLite's
 * own join over copies, the same requests as with the rows in memory (their
 * counts: an automatic partitioned read may order the rows another way),
 * the store probed by key; an integer key too. */
static void test_spill(struct engine_stack *s)
{
	static const char fmt[] = "SELECT x.contactid, y.contactid, a.name FROM %s x CROSS JOIN "
		"%s y ON y.lastname = x.lastname JOIN %s a ON a.accountid = y.parentcustomerid "
		"WHERE x.firstname = '%s' ORDER BY 1, 2";
	static const char ints[] = "SELECT COUNT(*), MIN(a.accountid) FROM (SELECT statecode "
		"FROM account LIMIT 3) x JOIN account a ON a.statecode = x.statecode";
	char sql[512], local[512], name[64] = "", *first, *want, *mem, *sp, *mem_int, *sp_int;
	size_t keep = s->eng->join_memory;
	long contacts = number(s, "SELECT COUNT(*) FROM xc");
	unsigned long probes;
	struct reqs mem_a, mem_c, sp_a, sp_c;
	free(run(s, "CREATE TEMP TABLE xl AS SELECT contactid, firstname, lastname, parentcustomerid "
		 "FROM contact"));
	first = run(s, "SELECT firstname FROM xl WHERE firstname IS NOT NULL GROUP BY firstname "
		    "ORDER BY COUNT(*), firstname LIMIT 1");
	if (first)
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(first, "\n"), first);
	free(first);
	snprintf(sql, sizeof(sql), fmt, "contact", "contact", "account", name);
	snprintf(local, sizeof(local), fmt, "xl", "xl", "xall", name);
	want = run(s, local);
	reset_log();
	s->eng->spilled_rows = 0;
	mem = run(s, sql);
	mem_a = reqs_to("/accounts?", "accountid%20eq%20");
	mem_c = reqs_to("/contacts?", "lastname%20eq%20");
	mem_int = run(s, ints);
	is_int((int)s->eng->spilled_rows, 0, "spill: nothing stored under JoinMemoryMB");
	s->eng->join_memory = 0;
	reset_log();
	s->eng->cache_probes = 0;
	sp = run(s, sql);
	sp_a = reqs_to("/accounts?", "accountid%20eq%20");
	sp_c = reqs_to("/contacts?", "lastname%20eq%20");
	probes = s->eng->cache_probes;
	is_int((int)s->eng->stores_open, 1, "spill: the store is kept while the statement is "
	       "the last one");
	free(run(s, "SELECT 1"));
	is_int((int)s->eng->stores_open, 0, "spill: the next statement drops it");
	ok(want && count_lines(want) > 100, "spill: the join has rows (%d)", count_lines(want));
	ok(mem && want && strcmp(mem, want) == 0, "spill: rows in memory = SQLite's own join");
	ok(sp && want && strcmp(sp, want) == 0, "spill: rows from the store = SQLite's own join");
	ok(s->eng->spilled_rows == (unsigned long)contacts,
	   "spill: the contacts read whole went to the store (%lu rows, %ld contacts)",
	   s->eng->spilled_rows, contacts);
	ok(probes > 0, "spill: the store was probed by key (%lu probes)", probes);
	ok(sp_c.n == mem_c.n && sp_c.rows == mem_c.rows && sp_c.keys == mem_c.keys,
	   "spill: the same contact requests as in memory (%d requests, %ld rows)", sp_c.n,
	   sp_c.rows);
	ok(sp_a.n == mem_a.n && sp_a.keys == mem_a.keys && sp_a.rows == mem_a.rows,
	   "spill: the same account requests as in memory (%d requests, %d keys)", sp_a.n,
	   sp_a.keys);
	if (sp_a.n != mem_a.n || sp_a.rows != mem_a.rows)
		tap_diag("accounts in memory: %d requests, %d keys, %ld rows", mem_a.n, mem_a.keys,
			 mem_a.rows);
	is_int(sp_a.unkeyed, 0, "spill: accounts only by batches of the stored rows' keys");
	is_int(sp_a.keys, (int)number(s, "SELECT COUNT(DISTINCT parentcustomerid) FROM xl"),
	       "spill: each account key once");
	sp_int = run(s, ints);
	ok(sp_int && mem_int && strcmp(sp_int, mem_int) == 0 && strncmp(sp_int, "0|", 2) != 0,
	   "spill: an integer key gives the same rows (%s)", sp_int ? sp_int : "NULL");
	s->eng->join_memory = keep;
	free(want);
	free(mem);
	free(sp);
	free(mem_int);
	free(sp_int);
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
		free(run(&s, "CREATE TEMP TABLE xall AS SELECT accountid, name, accountnumber, "
			 "createdon, primarycontactid FROM account"));
		free(run(&s, "CREATE TEMP TABLE xo AS SELECT opportunityid, name, parentaccountid "
			 "FROM opportunity"));
		test_few_keys(&s);
		test_many_keys(&s);
		test_three_tables(&s);
		test_key_kinds(&s);
		test_long_in_list(&s);
		test_spill(&s);
		engine_stack_close(&s);
	} else {
		ok(0, "stack opens");
	}
	emu_stop(&emu);
	return tap_done();
}
