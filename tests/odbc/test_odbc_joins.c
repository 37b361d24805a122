/* test_odbc_joins.c - a join's inner side and a correlated subquery read by
 * batches of the outer keys (driver/engine/vtab.c KEY BATCHES), through the
 * driver manager against the emulator (20 accounts, 20 contacts, 10
 * opportunities).
 *
 * The expected rows are worked out here from single-table reads of the
 * three tables (a nested loop in C), independent of the driver's join.  The
 * data requests are asserted exactly: the outer side's request, then one
 * request for the inner side whose $filter is "(<key> eq k1 or ...)" with
 * the outer rows' keys in the order the outer request returned them, each
 * once, NULL keys left out:
 *   - a join of 5 accounts and their contacts (2 requests, not 1 + 5; the
 *     accounts request asks only for accounts with a contact, so the
 *     contacts request names only theirs: pushdown_semijoin.c JOINS);
 *   - the same as a correlated scalar subquery (2 requests);
 *   - a LEFT JOIN (accounts without contacts kept, 2 requests);
 *   - opportunity -> account -> contact (3 requests: each inner side by
 *     the keys of the side before it);
 *   - a join on a text key read whole (vtab.c SPILL): with JoinMemoryMB=0
 *     the inner rows go to SQLite's temporary store (the log says so) and
 *     the rows and requests are those of the rows kept in memory. */
#include <unistd.h>

#include "odbc_test.h"

static struct emu emu;

#define API "GET /api/data/v9.2/"
#define IN5 "('A-000001','A-000002','A-000003','A-000004','A-000005')"

/* The data requests since log index `since` (token and metadata left out). */
static char *data_requests(int since)
{
	return emu_data_requests(&emu, since);
}

/* Rows of "a|b|c\n" lines split into fields: row r, field f. */
struct table {
	char *text;
	char *field[64][6];
	int rows;
};

static void load(SQLHDBC dbc, struct table *t, const char *sql, int ncols)
{
	char *save = NULL;
	memset(t, 0, sizeof(*t));
	t->text = run_rows(dbc, sql, ncols);
	for (char *l = strtok_r(t->text ? t->text : "", "\n", &save); l && t->rows < 64;
	     l = strtok_r(NULL, "\n", &save), t->rows++) {
		char *fsave = NULL, *f = strtok_r(l, "|", &fsave);
		for (int c = 0; c < ncols && f; c++, f = strtok_r(NULL, "|", &fsave))
			t->field[t->rows][c] = f;
	}
}

static void add_line(char *out, const char *a, const char *b, const char *c)
{
	strcat(out, a);
	strcat(out, "|");
	strcat(out, b);
	if (c) {
		strcat(out, "|");
		strcat(out, c);
	}
	strcat(out, "\n");
}

/* "(<prop>%20eq%20k1%20or%20...)" for the keys in column col of t's rows
 * (rows where sel[r] is set), each once, NULLs left out; first (or NULL)
 * comes first: the key of the xFilter call that asked for the batch. */
static void key_filter(char *out, const char *prop, const struct table *t, int col,
		       const int *sel, const char *first)
{
	int n = 0;
	strcpy(out, "(");
	if (first)
		sprintf(out + strlen(out), "%s%%20eq%%20%s", prop, first), n++;
	for (int r = 0; r < t->rows; r++) {
		const char *k = t->field[r][col];
		int dup = 0;
		if (!sel[r] || !k || strcmp(k, "NULL") == 0 || (first && strcmp(k, first) == 0))
			continue;
		for (int q = 0; q < r; q++)
			dup |= sel[q] && t->field[q][col] && strcmp(t->field[q][col], k) == 0;
		if (dup)
			continue;
		sprintf(out + strlen(out), "%s%s%%20eq%%20%s", n++ ? "%20or%20" : "", prop, k);
	}
	strcat(out, ")");
}

/* Line i (0-based) of the request log, NULL if none. */
static char *line_of(const char *log, int i, char *buf, size_t n)
{
	for (; i > 0 && log; i--)
		log = strchr(log, '\n') ? strchr(log, '\n') + 1 : NULL;
	if (!log || !*log)
		return NULL;
	snprintf(buf, n, "%.*s", (int)strcspn(log, "\n"), log);
	return buf;
}

/* Request i reads `set` with exactly `filter` as its $filter. */
static void is_request(const char *log, int i, const char *set, const char *filter,
		       const char *what)
{
	char buf[8192], want[4200];
	char *l = line_of(log, i, buf, sizeof(buf));
	const char *f = l ? strstr(l, "$filter=") : NULL;
	int set_ok = l && strncmp(l, API, strlen(API)) == 0 &&
		     strncmp(l + strlen(API), set, strlen(set)) == 0;
	snprintf(want, sizeof(want), "$filter=%s", filter);
	ok(set_ok && f && strncmp(f, want, strlen(want)) == 0 &&
	   (f[strlen(want)] == '\0' || f[strlen(want)] == '&'),
	   "%s: request %d reads %s by the keys %.60s...", what, i + 1, set, filter);
	if (!(set_ok && f && strncmp(f, want, strlen(want)) == 0))
		printf("#   got:  %s\n#   want: ...%s\n", l ? l : "(none)", want);
}

/* Runs sql, a two-column statement over the accounts IN5 that reads their
 * contacts by key, and checks it: its rows are want's in any order (and
 * want_ok, what want itself must show for the case), and it sent exactly two
 * data requests, the second reading contacts by exactly filter.  what names
 * the case; rows_note and requests_note end the two checks' names. */
static void check_contacts_by_keys(SQLHDBC dbc, const char *sql, const char *want, int want_ok,
				   const char *filter, const char *what, const char *rows_note,
				   const char *requests_note)
{
	int since = emu_request_count(&emu);
	char *got = run_rows(dbc, sql, 2);
	char *log = data_requests(since);
	char *w = sorted_lines(want), *g = sorted_lines(got);
	ok(want_ok && strcmp(g, w) == 0, "%s: the rows (%d)%s", what, count_lines(want),
	   rows_note);
	is_int(count_lines(log), 2, "%s: 2 requests%s", what, requests_note);
	is_request(log, 1, "contacts?", filter, what);
	free(w);
	free(g);
	free(got);
	free(log);
}

/* A text key (no key batches): the 8 first keys by request, then the
 * inner contacts read whole, kept in memory on dbc and in the temporary
 * store on a connection with JoinMemoryMB=0 (log at Verbosity=3). */
static void check_spill(SQLHENV env, SQLHDBC dbc)
{
	static const char sql[] = "SELECT c.contactid, x.contactid FROM contact c CROSS JOIN "
		"contact x ON x.lastname = c.lastname";
	struct table ln;
	char want[16384] = "", keys[512], logpath[64], *w, *mem, *mem_log, *sp, *sp_log;
	int since, fd;
	SQLHDBC low;
	FILE *f;
	load(dbc, &ln, "SELECT contactid, lastname FROM contact", 2);
	for (int a = 0; a < ln.rows; a++)
		for (int b = 0; b < ln.rows; b++)
			if (ln.field[a][1] && ln.field[b][1] && strcmp(ln.field[a][1], "NULL") != 0 &&
			    strcasecmp(ln.field[a][1], ln.field[b][1]) == 0)
				add_line(want, ln.field[a][0], ln.field[b][0], NULL);
	since = emu_request_count(&emu);
	mem = run_rows(dbc, sql, 2);
	mem_log = data_requests(since);
	strcpy(logpath, "/tmp/dvjoinlog.XXXXXX");
	fd = mkstemp(logpath);
	if (fd >= 0)
		close(fd);
	snprintf(keys, sizeof(keys), "JoinMemoryMB=0;LogFile=%s;Verbosity=3", logpath);
	low = connect_dsn_keys(env, keys);
	since = emu_request_count(&emu);
	sp = run_rows(low, sql, 2);
	sp_log = data_requests(since);
	close_dbc(low);
	w = sorted_lines(want);
	{
		char *gm = sorted_lines(mem), *gs = sorted_lines(sp), line[1024];
		int stored = 0;
		ok(count_lines(want) > ln.rows && strcmp(gm, w) == 0,
		   "text key in memory: the rows (%d)", count_lines(want));
		ok(strcmp(gs, w) == 0, "text key, JoinMemoryMB=0: the same rows");
		ok(mem_log && sp_log && strcmp(mem_log, sp_log) == 0 && count_lines(sp_log) == 10,
		   "text key, JoinMemoryMB=0: the same 10 requests (1 + 8 keys + the contacts "
		   "whole)");
		f = fopen(logpath, "r");
		while (f && fgets(line, sizeof(line), f))
			stored += strstr(line, "materialized 20 rows of contact in the temporary "
					 "store") != NULL;
		if (f)
			fclose(f);
		is_int(stored, 1, "text key, JoinMemoryMB=0: the log says the 20 contacts went "
		       "to the temporary store");
		free(gm);
		free(gs);
	}
	unlink(logpath);
	free(w);
	free(mem);
	free(mem_log);
	free(sp);
	free(sp_log);
	free(ln.text);
}

int main(void)
{
	struct table acc, con, opp, in5;
	char want[16384], filter[4096], *got, *log, *w, *g;
	int sel[64] = {0}, partnered[64] = {0}, since;
	start_emulator(&emu, "--rows 20 --seed 1", NULL);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn(env);
	load(dbc, &acc, "SELECT accountid, name, accountnumber, primarycontactid FROM account", 4);
	load(dbc, &con, "SELECT contactid, fullname, parentcustomerid FROM contact", 3);
	load(dbc, &opp, "SELECT opportunityid, name, parentaccountid FROM opportunity", 3);
	/* the outer side of the statements below, in the order its request returns it */
	load(dbc, &in5, "SELECT accountid, name, accountnumber FROM account WHERE accountnumber IN "
	     IN5, 3);
	ok(acc.rows == 20 && con.rows == 20 && opp.rows == 10 && in5.rows == 5,
	   "20 accounts, 20 contacts, 10 opportunities, 5 accounts A-000001..5");
	for (int r = 0; r < in5.rows; r++)
		sel[r] = 1;

	/* a join of 5 accounts and their contacts */
	want[0] = '\0';
	for (int r = 0; r < in5.rows; r++)
		for (int c = 0; c < con.rows; c++)
			if (con.field[c][2] && strcasecmp(con.field[c][2], in5.field[r][0]) == 0) {
				add_line(want, in5.field[r][1], con.field[c][1], NULL);
				partnered[r] = 1;
			}
	key_filter(filter, "_parentcustomerid_value", &in5, 0, partnered, NULL);
	check_contacts_by_keys(dbc, "SELECT a.name, c.fullname FROM account a JOIN contact c ON "
			       "c.parentcustomerid = a.accountid WHERE a.accountnumber IN " IN5,
			       want, count_lines(want) > 0, filter, "join", "",
			       " (was 1 + one per account)");
	key_filter(filter, "_parentcustomerid_value", &in5, 0, sel, NULL);  /* all 5 */

	/* the same as a correlated scalar subquery */
	want[0] = '\0';
	for (int r = 0; r < in5.rows; r++) {
		char n[16];
		int k = 0;
		for (int c = 0; c < con.rows; c++)
			k += con.field[c][2] && strcasecmp(con.field[c][2], in5.field[r][0]) == 0;
		snprintf(n, sizeof(n), "%d", k);
		add_line(want, in5.field[r][2], n, NULL);
	}
	check_contacts_by_keys(dbc, "SELECT a.accountnumber, (SELECT COUNT(*) FROM contact c "
			       "WHERE c.parentcustomerid = a.accountid) FROM account a WHERE "
			       "a.accountnumber IN " IN5,
			       want, 1, filter, "scalar subquery", "",
			       " (not one per outer row)");

	/* a LEFT JOIN: accounts without contacts are kept */
	want[0] = '\0';
	for (int r = 0; r < in5.rows; r++) {
		int k = 0;
		for (int c = 0; c < con.rows; c++)
			if (con.field[c][2] && strcasecmp(con.field[c][2], in5.field[r][0]) == 0) {
				add_line(want, in5.field[r][2], con.field[c][1], NULL);
				k++;
			}
		if (!k)
			add_line(want, in5.field[r][2], "NULL", NULL);
	}
	check_contacts_by_keys(dbc, "SELECT a.accountnumber, c.fullname FROM account a LEFT JOIN "
			       "contact c ON c.parentcustomerid = a.accountid WHERE "
			       "a.accountnumber IN " IN5,
			       want, strstr(want, "|NULL\n") != NULL, filter, "LEFT JOIN",
			       ", accounts without contacts kept", "");

	/* opportunity -> account -> contact, every opportunity */
	{
		struct table pa;            /* the accounts of the opportunities, in key order */
		int osel[64] = {0}, asel[64] = {0};
		char afilter[4096], cfilter[4096];
		want[0] = '\0';
		for (int o = 0; o < opp.rows; o++) {
			osel[o] = 1;
			for (int a = 0; a < acc.rows; a++) {
				if (!opp.field[o][2] || strcasecmp(opp.field[o][2], acc.field[a][0]))
					continue;
				for (int c = 0; c < con.rows; c++)
					if (acc.field[a][3] &&
					    strcasecmp(acc.field[a][3], con.field[c][0]) == 0)
						add_line(want, opp.field[o][1], acc.field[a][1],
							 con.field[c][1]);
			}
		}
		key_filter(afilter, "accountid", &opp, 2, osel, NULL);
		since = emu_request_count(&emu);
		got = run_rows(dbc, "SELECT o.name, a.name, c.fullname FROM opportunity o JOIN account a "
			  "ON o.parentaccountid = a.accountid JOIN contact c ON "
			  "c.contactid = a.primarycontactid", 3);
		log = data_requests(since);
		/* the accounts as the batch request returned them: their contacts' keys
		 * go in that order */
		{
			char sql[4400];
			snprintf(sql, sizeof(sql), "SELECT accountid, name, primarycontactid FROM "
				 "account WHERE accountid IN (SELECT parentaccountid FROM "
				 "opportunity)");
			const char *first = NULL;
			load(dbc, &pa, sql, 3);
			for (int a = 0; a < pa.rows; a++)
				asel[a] = 1;
			/* the first contact key SQLite looks up: the first opportunity's
			 * account with a primary contact */
			for (int o = 0; o < opp.rows && !first; o++)
				for (int a = 0; a < pa.rows && !first; a++)
					if (opp.field[o][2] && !strcasecmp(opp.field[o][2], pa.field[a][0]) &&
					    pa.field[a][2] && strcmp(pa.field[a][2], "NULL") != 0)
						first = pa.field[a][2];
			key_filter(cfilter, "contactid", &pa, 2, asel, first);
		}
		w = sorted_lines(want);
		g = sorted_lines(got);
		ok(count_lines(want) > 0 && strcmp(g, w) == 0, "three tables: the rows (%d)",
		   count_lines(want));
		is_int(count_lines(log), 3, "three tables: 3 requests (each inner side by keys)");
		is_request(log, 1, "accounts?", afilter, "three tables");
		is_request(log, 2, "contacts?", cfilter, "three tables");
		free(w);
		free(g);
		free(got);
		free(log);
		free(pa.text);
	}

	check_spill(env, dbc);
	free(acc.text);
	free(con.text);
	free(opp.text);
	free(in5.text);
	disconnect(env, dbc);
	emu_stop(&emu);
	return tap_done();
}
