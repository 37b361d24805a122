/* test_odbc_rowcounts.c - a join is planned from its tables' row counts
 * (driver/engine/rowcount.c, driver/catalog/catalog_counts.c), through the
 * driver manager against the emulator (2,000 accounts, 3 business units).
 *
 *   SELECT b.name, a.name FROM account a JOIN businessunit b
 *     ON a.owningbusinessunit = b.businessunitid
 *   WHERE a.statecode = 0 AND upper(b.name) = '<one unit>'
 *
 * Without sizes both tables start at the same estimate and the weak
 * a.statecode = 0 makes the accounts the side read first: every active
 * account is downloaded, then the units by their keys.  With the counts
 * (one RetrieveTotalRecordCount request for both tables) the 3 units are
 * read first and the accounts by the one matching unit's key.  Asserted:
 *  - the rows (worked out from the service's own answers, not the driver);
 *  - the exact requests: the count request once, the units, the accounts
 *    by key (never the active accounts whole);
 *  - a second statement on the connection, and a second connection of the
 *    process (the shared metadata store), send no count request;
 *  - a single-table statement never asks for counts;
 *  - a failed count request (HTTP 500) fails nothing: the same rows, the
 *    old order, and the connection does not ask again. */
#include <dirent.h>

#include "odbc_test.h"

static struct emu emu;

#define API "GET /api/data/v9.2/"
#define COUNTS API "RetrieveTotalRecordCount(EntityNames=@p1)?@p1=" \
	"%5B%22account%22%2C%22businessunit%22%5D\n"

/* The requests since log index since that are not token or metadata
 * requests (the count request kept). */
static char *requests(int since)
{
	char *all = emu_requests(&emu, since), *save = NULL;
	char *out = calloc(1, strlen(all ? all : "") + 1);
	for (char *l = strtok_r(all ? all : "", "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strstr(l, "/api/data/") || strstr(l, "EntityDefinitions") ||
		    strstr(l, "$metadata") || strstr(l, "WhoAmI") ||
		    strstr(l, "RetrieveMetadataChanges"))
			continue;
		strcat(out, l);
		strcat(out, "\n");
	}
	free(all);
	return out;
}

/* The values of property prop in the "value" array of a Web API answer, as
 * "<prefix>|<value>\n" lines. */
static char *values_of(const char *body, const char *prop, const char *prefix)
{
	const char *vpath[] = {"value", NULL}, *ppath[] = {prop, NULL};
	yajl_val root = yajl_tree_parse(body ? body : "", NULL, 0);
	yajl_val arr = root ? yajl_tree_get(root, vpath, yajl_t_array) : NULL;
	size_t cap = 64, len = 0;
	char *out = calloc(1, cap);
	for (size_t i = 0; arr && i < arr->u.array.len; i++) {
		yajl_val v = yajl_tree_get(arr->u.array.values[i], ppath, yajl_t_string);
		const char *s = v ? YAJL_GET_STRING(v) : "NULL";
		size_t need = strlen(s) + strlen(prefix ? prefix : "") + 3;
		if (len + need >= cap) {
			cap = (len + need) * 2;
			out = realloc(out, cap);
		}
		len += (size_t)snprintf(out + len, cap - len, "%s%s%s\n", prefix ? prefix : "",
					prefix ? "|" : "", s);
	}
	yajl_tree_free(root);
	return out;
}

static SQLHDBC connect_str(SQLHENV env, const char *extra)
{
	char cs[2048];
	SQLHDBC dbc = SQL_NULL_HDBC;
	snprintf(cs, sizeof(cs), "%s;%s", emu_connstr(&emu), extra);
	SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
	if (!rc_ok(SQLDriverConnect(dbc, NULL, (SQLCHAR *)cs, SQL_NTS, NULL, 0, NULL,
				    SQL_DRIVER_NOPROMPT), SQL_HANDLE_DBC, dbc, "connect"))
		bail_out("cannot connect");
	return dbc;
}

/* SQLNativeSql of sql (static buffer). */
static const char *native(SQLHDBC dbc, const char *sql)
{
	static char out[16384];
	SQLINTEGER len = 0;
	out[0] = '\0';
	if (!SQL_SUCCEEDED(SQLNativeSql(dbc, (SQLCHAR *)sql, SQL_NTS, (SQLCHAR *)out,
					(SQLINTEGER)sizeof(out), &len)))
		snprintf(out, sizeof(out), "<error %s>", state_of(SQL_HANDLE_DBC, dbc));
	return out;
}

/* The text of the per-user metadata cache file (XDG_CACHE_HOME/dvodbc/...). */
static char *cache_file(void)
{
	char dir[512], path[1024];
	snprintf(dir, sizeof(dir), "%s/dvodbc", getenv("XDG_CACHE_HOME"));
	DIR *d = opendir(dir);
	struct dirent *de;
	char *text = NULL;
	while (d && !text && (de = readdir(d))) {
		if (strncmp(de->d_name, "metadata-", 9) != 0 || strstr(de->d_name, ".tmp"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		FILE *fp = fopen(path, "r");
		if (!fp)
			continue;
		text = calloc(1, 4 << 20);
		if (fread(text, 1, (4 << 20) - 1, fp) == 0)
			text[0] = '\0';
		fclose(fp);
	}
	if (d)
		closedir(d);
	return text;
}

/* How often needle occurs in s. */
static int occurs(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* sql run again on dbc: the rows w and exactly the requests want_req (no
 * count request, the plan the counts gave). */
static void same_again(SQLHDBC dbc, const char *sql, const char *w, const char *want_req,
		       const char *what)
{
	int since = emu_request_count(&emu);
	char *got = run_rows(dbc, sql, 2), *g = sorted_lines(got), *log = requests(since);
	is_str(g, w, "%s: the rows", what);
	is_str(log, want_req, "%s: no count request, the same plan", what);
	free(got);
	free(g);
	free(log);
}

int main(void)
{
	char unit[128], upper[128], key[40], sql[512], rel[512], want_req[1024], *body = NULL;
	start_emulator(&emu, "--rows 2000 --seed 1", NULL);
	SQLHENV env = new_env(SQL_OV_ODBC3);
	SQLHDBC dbc = connect_dsn(env);

	/* the service's side: the units, and the active accounts of one */
	emu_webapi(&emu, NULL, "businessunits?$select=businessunitid,name&$orderby=name", NULL,
		   &body);
	char *names = values_of(body, "name", NULL), *ids = values_of(body, "businessunitid", NULL);
	free(body);
	is_int(count_lines(names), 3, "3 business units");
	sscanf(strchr(names, '\n') + 1, "%127[^\n]", unit);   /* the second by name */
	sscanf(strchr(ids, '\n') + 1, "%39[^\n]", key);
	for (size_t i = 0; i <= strlen(unit); i++)
		upper[i] = (char)(unit[i] >= 'a' && unit[i] <= 'z' ? unit[i] - 32 : unit[i]);
	snprintf(rel, sizeof(rel), "accounts?$select=name&$filter=_owningbusinessunit_value eq %s "
		 "and statecode eq 0", key);
	emu_webapi(&emu, NULL, rel, NULL, &body);
	char *want = values_of(body, "name", unit);
	free(body);
	emu_webapi(&emu, NULL, "accounts?$select=name&$filter=statecode eq 0", NULL, &body);
	char *active = values_of(body, "name", NULL);
	free(body);
	ok(count_lines(want) > 10 && count_lines(active) > 2 * count_lines(want),
	   "the unit '%s' has %d active accounts of %d", unit, count_lines(want),
	   count_lines(active));
	char *w = sorted_lines(want);
	snprintf(sql, sizeof(sql), "SELECT b.name, a.name FROM account a JOIN businessunit b ON "
		 "a.owningbusinessunit = b.businessunitid WHERE a.statecode = 0 AND "
		 "upper(b.name) = '%s'", upper);
	/* the plan from the counts: the units, then the accounts of one unit's key */
	snprintf(want_req, sizeof(want_req),
		 API "businessunits?$select=businessunitid,name\n"
		 API "accounts?$select=accountid,name,_owningbusinessunit_value,statecode&$filter="
		 "statecode%%20eq%%200%%20and%%20(_owningbusinessunit_value%%20eq%%20%s)\n", key);

	/* 1. the first join: one count request for both tables, then the small side */
	int since = emu_request_count(&emu);
	char *got = run_rows(dbc, sql, 2), *g = sorted_lines(got), *log = requests(since);
	char both[2048];
	snprintf(both, sizeof(both), "%s%s", COUNTS, want_req);
	is_str(g, w, "from the counts: the rows (%d)", count_lines(want));
	is_str(log, both, "from the counts: the count request, the 3 units, the accounts of "
	       "the one unit by its key (not the %d active accounts)", count_lines(active));
	free(got);
	free(g);
	free(log);
	char *file = cache_file();
	ok(file && occurs(file, "#rowcount/account") == 1 &&
	   occurs(file, "#rowcount/businessunit") == 1,
	   "the counts are kept in the metadata cache file");
	free(file);

	/* 2. the same connection again, and SQLNativeSql: no count request */
	same_again(dbc, sql, w, want_req, "a second statement");
	since = emu_request_count(&emu);
	const char *plan = native(dbc, sql);
	log = requests(since);
	ok(strstr(plan, "/businessunits?$select=businessunitid,name\n") &&
	   strstr(plan, "/accounts?$select=accountid,name,_owningbusinessunit_value,statecode&"
		  "$filter=statecode eq 0 and (_owningbusinessunit_value eq @k1 or ") &&
	   strstr(plan, "/businessunits") < strstr(plan, "/accounts"),
	   "SQLNativeSql shows the plan from the counts: the units first, the accounts by "
	   "their keys");
	for (const char *l = plan; *l;) {       /* the plan as TAP comments */
		size_t n = strcspn(l, "\n");
		printf("# %.*s\n", (int)n, l);
		l += n + (l[n] == '\n');
	}
	is_str(log, "", "SQLNativeSql sends nothing");
	free(log);

	/* 3. a second connection of the process: the shared store has the counts */
	SQLHDBC d2 = connect_dsn(env);
	same_again(d2, sql, w, want_req, "a second connection");
	SQLDisconnect(d2);
	SQLFreeHandle(SQL_HANDLE_DBC, d2);

	/* 4. single-table statements never ask (an alias named like a table
	 * included), on a connection without a store */
	d2 = connect_str(env, "MetadataCache=false");
	since = emu_request_count(&emu);
	got = run_rows(d2, "SELECT name AS account FROM businessunit WHERE name = 'x'", 1);
	log = requests(since);
	is_str(log, API "businessunits?$select=businessunitid,name&$filter=name%20eq%20'x'\n",
	       "a single-table statement: no count request");
	free(got);
	free(log);

	/* 5. the count request fails: the same rows, no error, the default order
	 * (the active accounts whole, the units by their keys), and the
	 * connection does not ask again */
	emu_fault(&emu, "{\"count\":1,\"kind\":\"500\",\"match\":\"RetrieveTotalRecordCount\"}");
	for (int round = 0; round < 2; round++) {
		const char *what = round ? "failed counts, again" : "failed counts";
		since = emu_request_count(&emu);
		got = run_rows(d2, sql, 2);
		g = sorted_lines(got);
		log = requests(since);
		is_str(g, w, "%s: the rows, no error", what);
		char *accounts = strstr(log, API "accounts?");
		char *units = strstr(log, API "businessunits?");
		ok(strncmp(log, COUNTS, strlen(COUNTS)) == 0 ? round == 0 : round == 1,
		   "%s: %s", what, round ? "no count request" : "the count request first");
		ok(accounts && units && accounts < units &&
		   strncmp(accounts, API "accounts?$select=accountid,name,_owningbusinessunit_value,"
			   "statecode&$filter=statecode%20eq%200\n",
			   strlen(API "accounts?$select=accountid,name,_owningbusinessunit_value,"
				  "statecode&$filter=statecode%20eq%200\n")) == 0,
		   "%s: the default plan: the active accounts whole first", what);
		ok(units && strncmp(units, API "businessunits?$select=businessunitid,name&$filter=("
				    "businessunitid%20eq%20", 78) == 0 &&
		   occurs(units, "businessunitid%20eq%20") == 3 && occurs(units, key) == 1,
		   "%s: then the units by the 3 keys", what);
		is_int(count_lines(log), 2 + (round == 0), "%s: %d requests", what, 2 + (round == 0));
		free(got);
		free(g);
		free(log);
	}
	SQLDisconnect(d2);
	SQLFreeHandle(SQL_HANDLE_DBC, d2);

	free(w);
	free(want);
	free(active);
	free(names);
	free(ids);
	disconnect(env, dbc);
	emu_stop(&emu);
	return tap_done();
}
